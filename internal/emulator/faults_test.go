package emulator

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFailNext(t *testing.T) {
	s, _ := seeded(t)
	s.FailNext("POST /auth/login", 2, Fault{Status: 503, RetryAfter: 1500 * time.Millisecond})
	s.FailNext("POST /auth/login", 1, Fault{Status: 500})
	body := map[string]string{"apiKey": BootstrapAPIKey, "apiSecret": BootstrapAPISecret}
	for i, want := range []struct {
		status     int
		retryAfter string
	}{{503, "2"}, {503, "2"}, {500, ""}, {200, ""}} {
		r := do(t, s, "POST", "/auth/login", body)
		if r.status != want.status || r.header.Get("Retry-After") != want.retryAfter {
			t.Fatalf("request %d: status %d Retry-After %q, want %d %q", i, r.status, r.header.Get("Retry-After"), want.status, want.retryAfter)
		}
		if want.status != 200 {
			r.wantEnvelope(t, want.status, http.StatusText(want.status), "fault injected by the emulator")
		}
	}
	if s.Count("POST /auth/login") != 4 || s.Logins() != 1 {
		t.Errorf("Count = %d Logins = %d, want 4 and 1", s.Count("POST /auth/login"), s.Logins())
	}
	s.FailNext("GET /apikeys", 0, Fault{Status: 500})
	do(t, s, "GET", "/apikeys", nil, adminToken(t, s)...).wantStatus(t, 200)
}

func TestFaultsHitOnlyTheirRoute(t *testing.T) {
	s, _ := seeded(t)
	admin := adminToken(t, s)
	s.FailNext("DELETE /apikeys/{id}", 1, Fault{Status: 502})
	do(t, s, "GET", "/apikeys", nil, admin...).wantStatus(t, 200)
	do(t, s, "DELETE", "/apikeys/999", nil, admin...).wantStatus(t, 502)
	do(t, s, "DELETE", "/apikeys/999", nil, admin...).wantStatus(t, 404)
}

func TestFaultBodies(t *testing.T) {
	tests := []struct {
		name            string
		fault           Fault
		wantBody, wantC string
	}{
		{"HTML", Fault{Status: 502, Body: "<html>Bad Gateway</html>", ContentType: "text/html"}, "<html>Bad Gateway</html>", "text/html"},
		{"truncated JSON", Fault{Status: 500, Body: `{"error":"Inter`}, `{"error":"Inter`, "application/json"},
		{"empty body", Fault{Status: 503, Body: "ignored", EmptyBody: true}, "", "application/json"},
		{"success with a broken body", Fault{Status: 200, Body: `[{"id":`}, `[{"id":`, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := seeded(t)
			s.FailNext("GET /apikeys", 1, tt.fault)
			r := do(t, s, "GET", "/apikeys", nil, adminToken(t, s)...).wantStatus(t, tt.fault.Status)
			if string(r.body) != tt.wantBody || r.header.Get("Content-Type") != tt.wantC {
				t.Errorf("body %q Content-Type %q, want %q %q", r.body, r.header.Get("Content-Type"), tt.wantBody, tt.wantC)
			}
		})
	}
}

func TestFaultsPrecedeAuthentication(t *testing.T) {
	s, _ := seeded(t)
	s.FailNext("GET /accounts", 1, Fault{Status: 429, RetryAfter: time.Second})
	r := do(t, s, "GET", "/accounts", nil).wantStatus(t, 429)
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	do(t, s, "GET", "/accounts", nil).wantStatus(t, 401)
}

func TestRateLimit(t *testing.T) {
	s, c := seeded(t)
	admin := adminToken(t, s)
	s.SetRateLimit(2)
	get := func() result { return do(t, s, "GET", "/apikeys", nil, admin...) }
	get().wantStatus(t, 200)
	get().wantStatus(t, 200)
	r := get()
	r.wantEnvelope(t, 429, "Too many requests", "rate limit exceeded")
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After = %q, want 1", r.header.Get("Retry-After"))
	}
	c.Advance(500 * time.Millisecond)
	get().wantStatus(t, 200)
	get().wantStatus(t, 429)
	c.Advance(10 * time.Second) // refills to the burst of 2, no more
	get().wantStatus(t, 200)
	get().wantStatus(t, 200)
	get().wantStatus(t, 429)

	// Below one per second the burst is one and the wait is longer.
	s.SetRateLimit(0.25)
	do(t, s, "POST", "/auth/login", map[string]string{"email": AdminEmail, "password": AdminPassword}).wantStatus(t, 200)
	if r := get().wantStatus(t, 429); r.header.Get("Retry-After") != "4" {
		t.Errorf("Retry-After = %q, want 4", r.header.Get("Retry-After"))
	}

	s.SetRateLimit(0)
	for range 10 {
		get().wantStatus(t, 200)
	}
	if got := s.Count("GET /apikeys"); got != 19 {
		t.Errorf("Count = %d, want every request, limited or not: 19", got)
	}
}

func TestLatency(t *testing.T) {
	s, _ := seeded(t)
	admin := adminToken(t, s)
	s.SetLatency(30 * time.Millisecond)
	start := time.Now()
	do(t, s, "GET", "/apikeys", nil, admin...).wantStatus(t, 200)
	if elapsed := time.Since(start); elapsed < 30*time.Millisecond {
		t.Errorf("answered in %v, before the latency", elapsed)
	}
	// Control requests are not delayed.
	s.SetLatency(time.Hour)
	control(t, s, "GET", "/_emulator/stats", nil).wantStatus(t, 200)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, "GET", "/apikeys", nil)
	req.Header.Set("Authorization", admin[1])
	rec := httptest.NewRecorder()
	start = time.Now()
	s.ServeHTTP(rec, req)
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("a cancelled request waited %v", elapsed)
	}
	if rec.Body.Len() != 0 {
		t.Errorf("a cancelled request was answered: %s", rec.Body)
	}
	if got := s.Count("GET /apikeys"); got != 2 {
		t.Errorf("Count = %d, want the cancelled request counted too: 2", got)
	}
}

func TestCounters(t *testing.T) {
	s, _ := seeded(t)
	admin := adminToken(t, s)
	do(t, s, "GET", "/apikeys", nil, admin...)
	do(t, s, "GET", "/apikeys", nil)
	do(t, s, "PATCH", "/apikeys/1", map[string]any{}, admin...)
	do(t, s, "DELETE", "/apikeys/9", nil, admin...)
	do(t, s, "GET", "/accounts", nil, admin...)
	do(t, s, "GET", "/permissions", nil, admin...)
	do(t, s, "GET", "/auth/session", nil, admin...)
	do(t, s, "POST", "/apikeys", "{", admin...)
	do(t, s, "GET", "/nowhere", nil, admin...)
	control(t, s, "POST", "/_emulator/reset", nil)
	// The control reset above zeroed the counts; count again from here.
	do(t, s, "GET", "/apikeys", nil, admin...)
	do(t, s, "POST", "/auth/login", "{}")
	want := map[string]int{"GET /apikeys": 1, "POST /auth/login": 1}
	if got := s.Counts(); !jsonEqual(got, want) || s.Logins() != 1 {
		t.Errorf("Counts = %v Logins = %d, want %v and 1", got, s.Logins(), want)
	}

	s.ResetCounts()
	for _, route := range []string{"POST /auth/login", "GET /auth/session", "GET /apikeys", "POST /apikeys",
		"PATCH /apikeys/{id}", "DELETE /apikeys/{id}", "GET /accounts", "GET /permissions"} {
		method, path, _ := strings.Cut(route, " ")
		do(t, s, method, strings.Replace(path, "{id}", "1", 1), map[string]any{}, admin...)
		if s.Count(route) != 1 {
			t.Errorf("Count(%q) = %d, want 1", route, s.Count(route))
		}
	}
	counts := s.Counts()
	counts["GET /apikeys"] = 100
	if s.Count("GET /apikeys") != 1 {
		t.Error("Counts returned the server's own map")
	}
}
