package pulseapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// The client's unit tests run against the emulator, the project's one fake. Its Intercept
// seam scripts what the emulator itself would never answer (a redirect, a huge Retry-After, a
// dropped connection, a change to the world between two pages).

const (
	primaryID = emulator.AccountAcmeCorp
	secondID  = emulator.AccountAcmeLabs
	// globexID is an account the admin does not belong to.
	globexID = emulator.AccountGlobex
)

// testAPI is the emulator's standard world behind a loopback server.
type testAPI struct {
	*emulator.Server
	srv *httptest.Server
}

func newTestAPI(t *testing.T, opts ...func(*emulator.Options)) *testAPI {
	t.Helper()
	var o emulator.Options
	for _, f := range opts {
		f(&o)
	}
	a := &testAPI{Server: emulator.NewSeeded(o)}
	a.srv = httptest.NewServer(a.Server)
	t.Cleanup(a.srv.Close)
	return a
}

// client is a Client of the admin's bootstrap key with fast retries; mod may change the config.
func (a *testAPI) client(t *testing.T, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL: a.srv.URL, APIKey: emulator.BootstrapAPIKey, APISecret: emulator.BootstrapAPISecret,
		UserAgent: "terraform-provider-pulse/test", RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
		MaxRetries: 2, RequestTimeout: 5 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// passwordLogin makes a client log in as the admin user.
func passwordLogin(cfg *Config) {
	cfg.APIKey, cfg.APISecret = "", ""
	cfg.Email, cfg.Password = emulator.AdminEmail, emulator.AdminPassword
}

// seedKeys adds n keys to account, owned by the admin, and returns their ids.
func (a *testAPI) seedKeys(t *testing.T, account string, n int) []int64 {
	t.Helper()
	return a.SeedAPIKeys(account, emulator.AdminEmail, n)
}

// intercept installs h for requests to route, a route key as the emulator names them ("GET
// /apikeys", "DELETE /apikeys/{id}"); other requests pass.
func (a *testAPI) intercept(route string, h func(w http.ResponseWriter, r *http.Request) bool) {
	a.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		path := r.URL.Path
		if rest, ok := strings.CutPrefix(path, "/apikeys/"); ok && rest != "" {
			path = "/apikeys/{id}"
		}
		if r.Method+" "+path != route {
			return false
		}
		return h(w, r)
	})
}

// script answers the next n requests to route with status, headers and body, then lets the
// emulator answer again.
func (a *testAPI) script(route string, n int, status int, header map[string]string, body string) {
	var mu sync.Mutex
	left := n
	a.intercept(route, func(w http.ResponseWriter, _ *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if left == 0 {
			return false
		}
		left--
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
		return true
	})
}

// assertNoSecret fails if text holds any credential the emulator held or issued.
func (a *testAPI) assertNoSecret(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range a.Secrets() {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s holds a secret (%d characters, ending %q)", what, len(s), s[max(0, len(s)-2):])
		}
	}
}

type ctxKey struct{}

// captureLogger records every log line as text, prefixed by the ctxKey value of its context.
type captureLogger struct {
	mu    sync.Mutex
	lines []string
}

func (l *captureLogger) add(ctx context.Context, level, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("[%v] %s %s %v", ctx.Value(ctxKey{}), level, msg, fields))
}

func (l *captureLogger) Trace(ctx context.Context, msg string, f map[string]any) {
	l.add(ctx, "TRACE", msg, f)
}
func (l *captureLogger) Debug(ctx context.Context, msg string, f map[string]any) {
	l.add(ctx, "DEBUG", msg, f)
}
func (l *captureLogger) Warn(ctx context.Context, msg string, f map[string]any) {
	l.add(ctx, "WARN", msg, f)
}

func (l *captureLogger) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
