package provider

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/pulsecrm/terraform-provider-pulse/internal/pulseapi"
)

// The logger the client writes through must mask every secret, whatever the level, the
// field name or the message. This fails if any masking rule is removed.
func TestLoggerMasksSecrets(t *testing.T) {
	const (
		configured = "configured-secret-value"
		created    = "created-key-secret-0123456789abcdefghijklmnop"
		hexToken   = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
		jwtToken   = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
	)
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &out)

	secrets := pulseapi.NewSecrets(configured)
	l := newLogger(secrets)
	secrets.Add(created) // learnt during the run, by the client, into the same registry

	l.Trace(ctx, "login with "+configured, map[string]any{"password": "by-key-name"})
	l.Debug(ctx, "created key", map[string]any{"detail": "secret is " + created, "token": "by-key-name-too"})
	l.Warn(ctx, "token "+hexToken+" and "+jwtToken, map[string]any{"echo": hexToken, "jwt": jwtToken})

	logged := out.String()
	if strings.Count(logged, "\n") != 3 {
		t.Fatalf("want 3 log lines, got:\n%s", logged)
	}
	for _, secret := range []string{configured, created, hexToken, jwtToken, "by-key-name"} {
		if strings.Contains(logged, secret) {
			t.Errorf("the log contains %q:\n%s", secret, logged)
		}
	}
	if !strings.Contains(logged, "***") {
		t.Errorf("nothing was masked:\n%s", logged)
	}
}

// Defect 16: masking a short secret wherever it occurs tells a reader what it is (a password
// "a" turning "data" into "d***t***"). A short secret is masked by field name only, and the
// rest of the line is left as it was.
func TestLoggerNeverRevealsAShortSecret(t *testing.T) {
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &out)
	l := newLogger(pulseapi.NewSecrets("a"))

	l.Debug(ctx, "auth_method password, reading data", map[string]any{"password": "a", "auth_method": "password"})

	logged := out.String()
	if !strings.Contains(logged, "auth_method password, reading data") || !strings.Contains(logged, `"auth_method":"password"`) {
		t.Errorf("the line was altered around a short secret:\n%s", logged)
	}
	if strings.Contains(logged, `"password":"a"`) {
		t.Errorf("the password field was not masked:\n%s", logged)
	}
}
