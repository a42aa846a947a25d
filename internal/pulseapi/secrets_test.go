package pulseapi

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// The API secret, the password, the session token and created secrets never appear in errors
// or logs, even when a server echoes them back in its error bodies, whole or cut short.
func TestSecretsNeverLeak(t *testing.T) {
	for _, method := range []string{"api_key", "password"} {
		t.Run(method, func(t *testing.T) {
			a := newTestAPI(t)
			logger := &captureLogger{}
			own, wrong := emulator.BootstrapAPISecret, func(c *Config) { c.APISecret += "x" }
			if method == "password" {
				own, wrong = emulator.AdminPassword, func(c *Config) { passwordLogin(c); c.Password += "x" }
			}
			c := a.client(t, func(c *Config) {
				c.Logger = logger
				if method == "password" {
					passwordLogin(c)
				}
			})
			ctx := context.Background()
			seen := a.record(nil)
			created, err := c.CreateAPIKey(ctx, "", APIKeyInput{Description: "d", Permissions: []string{"readData"}})
			if err != nil {
				t.Fatal(err)
			}
			token := strings.TrimPrefix(seen.all()[1].header.Get("Authorization"), "Bearer ")

			// A server that echoes every secret the client knows in its errors, with retries
			// on the way.
			echo := "secret " + own + " token " + token + " created " + created.Secret
			a.record(func(w http.ResponseWriter, r *http.Request) bool {
				switch r.URL.Path {
				case "/permissions":
					writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": echo, "message": echo, "dev_err_msg": echo})
					return true
				case "/accounts":
					w.WriteHeader(http.StatusBadGateway)
					// Padded so that the error's 200-character excerpt ends inside a secret.
					_, _ = w.Write([]byte("<html>" + strings.Repeat("x", 180) + echo + "</html>"))
					return true
				}
				return false
			})
			var errs []string
			_, err = c.ListPermissions(ctx, "")
			errs = append(errs, err.Error())
			_, err = c.ListAccounts(ctx, AccountFilter{})
			errs = append(errs, err.Error())

			// A refused login.
			bad := a.client(t, func(c *Config) {
				c.Logger = logger
				wrong(c)
			})
			_, err = bad.Session(ctx)
			errs = append(errs, err.Error())

			all := strings.Join(errs, "\n") + "\n" + logger.text()
			a.assertNoSecret(t, "errors and logs", all)
			for _, secret := range []string{own, token, created.Secret} {
				// A leading part is a leak too: an excerpt cut inside a secret must not show it.
				if strings.Contains(all, secret[:10]) {
					t.Errorf("the start of a secret (%d characters) shows in errors or logs", len(secret))
				}
			}
			// The logs do say what happened.
			for _, want := range []string{"Pulse API response", "retrying", "request_id", "duration_ms", "status:503", "wait:"} {
				if !strings.Contains(logger.text(), want) {
					t.Errorf("logs lack %q", want)
				}
			}
		})
	}
}

// Every log line, retryablehttp's own included, is logged with the context of its call, so
// that the provider's tflog masks apply.
func TestLogsCarryCallContext(t *testing.T) {
	a := newTestAPI(t)
	logger := &captureLogger{}
	c := a.client(t, func(c *Config) {
		c.Logger = logger
		noKeepAlives(c)
	})
	var hits atomic.Int32
	a.failing("GET /permissions", 0, 1, &hits) // a dropped connection, then success
	ctx := context.WithValue(context.Background(), ctxKey{}, "call-ctx")
	if _, err := c.ListPermissions(ctx, ""); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(logger.text(), "\n")
	var sawLibrary, sawFailure bool
	for _, line := range lines {
		if !strings.HasPrefix(line, "[call-ctx] ") {
			t.Errorf("line without the call's context: %s", line)
		}
		sawLibrary = sawLibrary || strings.Contains(line, "retryablehttp: ")
		sawFailure = sawFailure || (strings.Contains(line, "WARN retryablehttp: request failed") && strings.Contains(line, "duration_ms"))
	}
	if !sawLibrary || !sawFailure {
		t.Errorf("logs:\n%s", logger.text())
	}
}
