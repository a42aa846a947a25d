package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable time source for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// seeded is the standard world on a fake clock.
func seeded(t *testing.T) (*Server, *clock) {
	t.Helper()
	c := newClock()
	return NewSeeded(Options{Now: c.Now}), c
}

type result struct {
	status int
	header http.Header
	body   []byte
}

// object decodes the body as a JSON object.
func (r result) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// array decodes the body as a JSON array.
func (r result) array(t *testing.T) []any {
	t.Helper()
	var a []any
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatalf("body %q is not a JSON array: %v", r.body, err)
	}
	return a
}

// wantStatus fails unless the answer has status.
func (r result) wantStatus(t *testing.T, status int) result {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

// wantEnvelope fails unless the answer is status with exactly this error envelope; an
// empty message means the envelope must have none.
func (r result) wantEnvelope(t *testing.T, status int, errText, message string) {
	t.Helper()
	r.wantStatus(t, status)
	want := map[string]any{"error": errText}
	if message != "" {
		want["message"] = message
	}
	if got := r.object(t); !jsonEqual(got, want) {
		t.Fatalf("body = %s, want %v", r.body, want)
	}
}

func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// do sends a request straight to h. body is marshalled unless it is a string, which is
// sent as is; headers come in name, value pairs.
func do(t *testing.T, h http.Handler, method, path string, body any, headers ...string) result {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
		// No body.
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	for i := 0; i+1 < len(headers); i += 2 {
		if strings.EqualFold(headers[i], "Host") {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// control sends a control call as a script would: to a loopback Host, with the server's
// control token and, for a POST, a JSON body ({} when body is nil).
func control(t *testing.T, s *Server, method, path string, body any) result {
	t.Helper()
	headers := []string{"Host", "127.0.0.1:8787", ControlTokenHeader, s.ControlToken()}
	if method == http.MethodPost {
		headers = append(headers, "Content-Type", "application/json")
		if body == nil {
			body = map[string]any{}
		}
	}
	return do(t, s, method, path, body, headers...)
}

// login logs in with an API key, or with an email and password when key contains "@".
func login(t *testing.T, h http.Handler, key, secret string) string {
	t.Helper()
	body := map[string]string{"apiKey": key, "apiSecret": secret}
	if strings.Contains(key, "@") {
		body = map[string]string{"email": key, "password": secret}
	}
	m := do(t, h, "POST", "/auth/login", body).wantStatus(t, http.StatusOK).object(t)
	token, _ := m["token"].(string)
	if token == "" {
		t.Fatalf("login answered no token: %v", m)
	}
	return token
}

func bearer(token string) []string {
	return []string{"Authorization", "Bearer " + token}
}

// with appends more header pairs to a header list.
func with(headers []string, more ...string) []string {
	return append(append([]string{}, headers...), more...)
}

func adminToken(t *testing.T, h http.Handler) []string {
	t.Helper()
	return bearer(login(t, h, BootstrapAPIKey, BootstrapAPISecret))
}

// strs converts a decoded JSON array of strings.
func strs(t *testing.T, v any) []string {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("%v is not an array", v)
	}
	out := make([]string, len(a))
	for i, e := range a {
		if out[i], ok = e.(string); !ok {
			t.Fatalf("%v is not a string", e)
		}
	}
	return out
}

var allPermissions = []string{
	"readApplications", "writeApplications", "readMerchants", "writeMerchants", "writeApiKeys",
	"readSupport", "readData", "writeData", "readTickets",
}

var readPermissions = []string{"readApplications", "readMerchants", "readSupport", "readData", "readTickets"}
