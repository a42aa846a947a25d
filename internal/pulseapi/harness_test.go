package pulseapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
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
		MaxRetries: ptr(2), RequestTimeout: 5 * time.Second,
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

// intercept installs h for requests to route: a route key as the emulator names them ("GET
// /apikeys", "DELETE /apikeys/{id}"), or one request path ("DELETE /apikeys/7"); other
// requests pass.
func (a *testAPI) intercept(route string, h func(w http.ResponseWriter, r *http.Request) bool) {
	a.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		pattern := r.URL.Path
		if rest, ok := strings.CutPrefix(pattern, "/apikeys/"); ok && rest != "" {
			pattern = "/apikeys/{id}"
		}
		if route != r.Method+" "+pattern && route != r.Method+" "+r.URL.Path {
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

// recorded is one request as the emulator received it.
type recorded struct {
	method, path string
	query        url.Values
	header       http.Header
	body         []byte
}

// recorder keeps the requests an interceptor saw, in arrival order.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (rc *recorder) all() []recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]recorded(nil), rc.reqs...)
}

// record keeps every request from now on and then hands it to answer (nil: the emulator
// answers every one). It replaces any interceptor installed before.
func (a *testAPI) record(answer func(w http.ResponseWriter, r *http.Request) bool) *recorder {
	rc := &recorder{}
	a.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, recorded{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone(), body})
		rc.mu.Unlock()
		return answer != nil && answer(w, r)
	})
	return rc
}

// pages is how many pages of the primary account's key list the emulator answered.
func (a *testAPI) pages() int {
	n := 0
	for _, e := range a.Journal() {
		if e.Route == "GET /apikeys" && e.AccountID == primaryID {
			n++
		}
	}
	return n
}

// answerNow is the emulator's answer to r as the world stands now, for an interceptor to
// deliver later or reshape.
func (a *testAPI) answerNow(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	a.ServeDirect(rec, r)
	return rec
}

// deliver writes an answer taken with answerNow.
func deliver(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// hangUp drops the connection of a request that was sent, without an answer.
func hangUp(w http.ResponseWriter) {
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		conn.Close()
	}
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

// concurrently runs call(0) to call(n-1) at once and returns their errors, by i.
func concurrently(n int, call func(i int) error) []error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = call(i) })
	}
	wg.Wait()
	return errs
}

// noErrors fails the test with the first error in errs.
func noErrors(t *testing.T, errs []error) {
	t.Helper()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
