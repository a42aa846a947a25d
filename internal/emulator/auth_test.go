package emulator

import (
	"regexp"
	"slices"
	"testing"
	"time"
)

var hexToken = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestLogin(t *testing.T) {
	tests := []struct {
		name             string
		body             any
		status           int
		errText, message string
		anyMessage       bool // the message quotes a JSON decoder error
		email            string
	}{
		{name: "api key", body: map[string]string{"apiKey": BootstrapAPIKey, "apiSecret": BootstrapAPISecret}, status: 200, email: AdminEmail},
		{name: "admin password", body: map[string]string{"email": AdminEmail, "password": AdminPassword}, status: 200, email: AdminEmail},
		{name: "viewer password", body: map[string]string{"email": ViewerEmail, "password": ViewerPassword}, status: 200, email: ViewerEmail},
		{name: "wrong secret", body: map[string]string{"apiKey": BootstrapAPIKey, "apiSecret": "nope"}, status: 401, errText: "Invalid API key or secret"},
		{name: "unknown key", body: map[string]string{"apiKey": "apiKey-nope", "apiSecret": BootstrapAPISecret}, status: 401, errText: "Invalid API key or secret"},
		{name: "wrong password", body: map[string]string{"email": AdminEmail, "password": ViewerPassword}, status: 401, errText: "Invalid email or password"},
		{name: "unknown email", body: map[string]string{"email": "nobody@example.com", "password": "x"}, status: 401, errText: "Invalid email or password"},
		{name: "bad JSON", body: `{"apiKey":`, status: 400, errText: "Invalid input", anyMessage: true},
		{name: "empty body", body: "", status: 400, errText: "Invalid input", anyMessage: true},
		{name: "neither form", body: map[string]string{"user": "x"}, status: 400, errText: "Invalid input", message: "send apiKey and apiSecret, or email and password"},
		{name: "key without secret", body: map[string]string{"apiKey": BootstrapAPIKey}, status: 400, errText: "Invalid input", message: "send apiKey and apiSecret, or email and password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := seeded(t)
			r := do(t, s, "POST", "/auth/login", tt.body)
			switch {
			case tt.status == 200:
				m := r.wantStatus(t, 200).object(t)
				if m["email"] != tt.email || !hexToken.MatchString(m["token"].(string)) {
					t.Errorf("email %v token %v", m["email"], m["token"])
				}
			case tt.anyMessage:
				if m := r.wantStatus(t, tt.status).object(t); m["error"] != tt.errText || m["message"] == "" {
					t.Errorf("body %s", r.body)
				}
			default:
				r.wantEnvelope(t, tt.status, tt.errText, tt.message)
			}
			if s.Logins() != 1 || s.Count("POST /auth/login") != 1 {
				t.Errorf("Logins() = %d, Count = %d, want 1 and 1", s.Logins(), s.Count("POST /auth/login"))
			}
		})
	}
}

func TestLoginPayload(t *testing.T) {
	s, c := seeded(t)
	m := do(t, s, "POST", "/auth/login", map[string]string{"email": AdminEmail, "password": AdminPassword}).wantStatus(t, 200).object(t)

	for _, field := range []string{"id", "email", "active", "createdAt", "updatedAt", "createdBy", "updatedBy",
		"impersonating", "primaryAccount", "accounts", "flatRolesList", "flatPermissionsList",
		"permissionsFromRoles", "permissionsFromRolesDetails", "token", "expiresAt"} {
		if _, ok := m[field]; !ok {
			t.Errorf("payload lacks %s", field)
		}
	}
	if m["active"] != true || m["impersonating"] != nil || m["createdAt"] != "2025-02-11T03:45:04.853Z" {
		t.Errorf("active %v impersonating %v createdAt %v", m["active"], m["impersonating"], m["createdAt"])
	}
	wantPrimary := map[string]any{"accountName": "Acme Corp", "accountId": AccountAcmeCorp, "repcode": "3",
		"usersPrimaryAccount": true, "accountAdmin": true}
	if !jsonEqual(m["primaryAccount"], wantPrimary) {
		t.Errorf("primaryAccount = %v, want %v", m["primaryAccount"], wantPrimary)
	}
	accounts := m["accounts"].([]any)
	if len(accounts) != 14 {
		t.Errorf("%d accounts, want 14", len(accounts))
	}
	labs := map[string]any{"accountName": "Acme Labs", "accountId": AccountAcmeLabs, "repcode": nil,
		"usersPrimaryAccount": false, "accountAdmin": true}
	if !jsonEqual(accounts[1], labs) {
		t.Errorf("accounts[1] = %v, want %v", accounts[1], labs)
	}
	if got := strs(t, m["flatRolesList"]); !slices.Equal(got, []string{"superAdmin"}) {
		t.Errorf("flatRolesList = %v", got)
	}
	if got := strs(t, m["flatPermissionsList"]); !slices.Equal(got, allPermissions) {
		t.Errorf("flatPermissionsList = %v", got)
	}
	details := m["permissionsFromRolesDetails"].(map[string]any)
	if want := []any{map[string]any{"role": "superAdmin", "accountId": nil}}; !jsonEqual(details["readApplications"], want) {
		t.Errorf("details = %v", details["readApplications"])
	}
	if want := c.Now().Add(time.Hour).Format(timeLayout); m["expiresAt"] != want {
		t.Errorf("expiresAt = %v, want %s", m["expiresAt"], want)
	}
}

func TestSessionRoundTrip(t *testing.T) {
	s, _ := seeded(t)
	loginBody := do(t, s, "POST", "/auth/login", map[string]string{"apiKey": BootstrapAPIKey, "apiSecret": BootstrapAPISecret}).object(t)
	session := do(t, s, "GET", "/auth/session", nil, bearer(loginBody["token"].(string))...).wantStatus(t, 200).object(t)
	if !jsonEqual(loginBody, session) {
		t.Errorf("session\n%v\ndiffers from login\n%v", session, loginBody)
	}
	if s.Count("GET /auth/session") != 1 {
		t.Errorf("Count = %d", s.Count("GET /auth/session"))
	}
}

func TestSessionFollowsAccountScope(t *testing.T) {
	s, _ := seeded(t)
	m := do(t, s, "GET", "/auth/session", nil, with(adminToken(t, s), "X-Account-ID", AccountAcmeLabs)...).wantStatus(t, 200).object(t)
	if got := strs(t, m["flatRolesList"]); !slices.Equal(got, []string{"admin"}) {
		t.Errorf("flatRolesList = %v", got)
	}
	details := m["permissionsFromRolesDetails"].(map[string]any)
	if want := []any{map[string]any{"role": "admin", "accountId": AccountAcmeLabs}}; !jsonEqual(details["writeData"], want) {
		t.Errorf("details = %v", details["writeData"])
	}
	if m["primaryAccount"].(map[string]any)["accountId"] != AccountAcmeCorp {
		t.Errorf("primaryAccount moved with the scope: %v", m["primaryAccount"])
	}
}

func TestSlidingExpiry(t *testing.T) {
	c := newClock()
	s := NewSeeded(Options{Now: c.Now, TokenTTL: 10 * time.Minute})
	auth := adminToken(t, s)
	for range 3 {
		c.Advance(9 * time.Minute)
		m := do(t, s, "GET", "/auth/session", nil, auth...).wantStatus(t, 200).object(t)
		if want := c.Now().Add(10 * time.Minute).Format(timeLayout); m["expiresAt"] != want {
			t.Fatalf("expiresAt = %v, want %s", m["expiresAt"], want)
		}
	}
	c.Advance(10 * time.Minute)
	do(t, s, "GET", "/apikeys", nil, auth...).wantEnvelope(t, 401, "Unauthorized", "session token is invalid or has expired")

	s.SetTokenTTL(time.Second)
	auth = adminToken(t, s)
	c.Advance(time.Second)
	do(t, s, "GET", "/apikeys", nil, auth...).wantStatus(t, 401)
}

func TestExpireAllTokens(t *testing.T) {
	s, _ := seeded(t)
	admin, viewer := adminToken(t, s), bearer(login(t, s, ViewerEmail, ViewerPassword))
	s.ExpireAllTokens()
	for _, auth := range [][]string{admin, viewer} {
		do(t, s, "GET", "/auth/session", nil, auth...).wantEnvelope(t, 401, "Unauthorized", "session token is invalid or has expired")
	}
	do(t, s, "GET", "/auth/session", nil, adminToken(t, s)...).wantStatus(t, 200)
}

func TestExpireTokensAfter(t *testing.T) {
	s, _ := seeded(t)
	admin := adminToken(t, s)
	s.ExpireTokensAfter("GET /auth/session", 2)
	do(t, s, "GET", "/auth/session", nil, admin...).wantStatus(t, 200)
	do(t, s, "GET", "/accounts", nil, admin...).wantStatus(t, 200)     // another route does not count
	do(t, s, "GET", "/auth/session", nil, admin...).wantStatus(t, 200) // the second answer expires every token
	do(t, s, "GET", "/auth/session", nil, admin...).wantStatus(t, 401)
	admin = adminToken(t, s)
	do(t, s, "GET", "/auth/session", nil, admin...).wantStatus(t, 200) // once, not every two answers
	do(t, s, "GET", "/auth/session", nil, admin...).wantStatus(t, 200)
}

func TestUnauthorized(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		message string
	}{
		{"no credentials", nil, "missing session token"},
		{"basic scheme", []string{"Authorization", "Basic YWRtaW46eA=="}, "the Authorization header must be Bearer <token>"},
		{"empty bearer", []string{"Authorization", "Bearer "}, "the Authorization header must be Bearer <token>"},
		{"unknown token", bearer("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), "session token is invalid or has expired"},
		{"wrong key secret", []string{"x-api-key", BootstrapAPIKey, "x-api-secret", "nope"}, "invalid API key or secret"},
		{"key without secret", []string{"x-api-key", BootstrapAPIKey}, "invalid API key or secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := seeded(t)
			for _, path := range []string{"/auth/session", "/apikeys", "/accounts", "/permissions"} {
				do(t, s, "GET", path, nil, tt.headers...).wantEnvelope(t, 401, "Unauthorized", tt.message)
			}
		})
	}
}

func TestDirectKeyAuth(t *testing.T) {
	s, _ := seeded(t)
	direct := []string{"x-api-key", BootstrapAPIKey, "x-api-secret", BootstrapAPISecret}
	list := do(t, s, "GET", "/apikeys", nil, direct...).wantStatus(t, 200).object(t)
	if list["total"] != 1.0 {
		t.Errorf("total = %v, want 1", list["total"])
	}
	m := do(t, s, "GET", "/auth/session", nil, direct...).wantStatus(t, 200).object(t)
	if _, hasToken := m["token"]; hasToken || m["email"] != AdminEmail {
		t.Errorf("direct key session = %v; want the admin and no token", m)
	}
	if _, hasExpiry := m["expiresAt"]; hasExpiry {
		t.Error("direct key auth has no token, so no expiresAt")
	}
	if s.Logins() != 0 {
		t.Errorf("direct key auth logged in %d times", s.Logins())
	}
}

func TestKeySessionEndsWithKey(t *testing.T) {
	s, c := seeded(t)
	id, key, secret := s.AddAPIKey(AccountAcmeCorp, AdminEmail, []string{"writeApiKeys"}, "short-lived")
	auth := bearer(login(t, s, key, secret))
	do(t, s, "GET", "/apikeys", nil, auth...).wantStatus(t, 200)
	if !s.DeleteAPIKey(AccountAcmeCorp, id) {
		t.Fatal("DeleteAPIKey found no key")
	}
	do(t, s, "GET", "/apikeys", nil, auth...).wantStatus(t, 401)
	do(t, s, "POST", "/auth/login", map[string]string{"apiKey": key, "apiSecret": secret}).wantEnvelope(t, 401, "Invalid API key or secret", "")

	// A key that expires takes its sessions with it, and cannot log in again.
	admin := adminToken(t, s)
	created := do(t, s, "POST", "/apikeys", map[string]any{"description": "expiring", "flatPermissionsList": []string{"writeApiKeys"},
		"expiresAt": c.Now().Add(time.Hour).Format(time.RFC3339)}, admin...).wantStatus(t, 201).object(t)
	auth = bearer(login(t, s, created["apiKey"].(string), created["apiSecret"].(string)))
	c.Advance(time.Hour)
	do(t, s, "GET", "/apikeys", nil, auth...).wantStatus(t, 401)
	do(t, s, "POST", "/auth/login", map[string]string{"apiKey": created["apiKey"].(string), "apiSecret": created["apiSecret"].(string)}).
		wantEnvelope(t, 401, "Invalid API key or secret", "API key has expired")
}

func TestPulseIDEcho(t *testing.T) {
	s, _ := seeded(t)
	admin := adminToken(t, s)
	tests := []struct {
		name, method, path string
		headers            []string
		status             int
	}{
		{"success", "GET", "/apikeys", admin, 200},
		{"unauthorized", "GET", "/apikeys", nil, 401},
		{"unknown route", "GET", "/nope", nil, 404},
		{"wrong method", "PUT", "/apikeys", nil, 405},
		{"control", "GET", "/_emulator/stats", []string{"Host", "127.0.0.1", ControlTokenHeader, s.ControlToken()}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, tt.method, tt.path, nil, with(tt.headers, "x-pulse-id", "trace-"+tt.name)...).wantStatus(t, tt.status)
			if got := r.header.Get("x-pulse-id"); got != "trace-"+tt.name {
				t.Errorf("x-pulse-id = %q", got)
			}
			if got := r.header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
		})
	}
	if r := do(t, s, "GET", "/apikeys", nil, admin...); r.header.Get("x-pulse-id") != "" {
		t.Error("x-pulse-id echoed though none was sent")
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	s, _ := seeded(t)
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/nope", 404, ""},
		{"GET", "/apikeys/", 404, ""},
		{"GET", "/apikeys/1/extra", 404, ""},
		{"GET", "/apikeys/1", 405, "DELETE, PATCH"},
		{"PUT", "/apikeys", 405, "GET, POST"},
		{"GET", "/auth/login", 405, "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := do(t, s, tt.method, tt.path, nil).wantStatus(t, tt.status)
			if m := r.object(t); m["error"] == "" || m["message"] == "" {
				t.Errorf("body %s is not an envelope", r.body)
			}
			if got := r.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
	if n := len(s.Counts()); n != 0 {
		t.Errorf("unmatched requests were counted: %v", s.Counts())
	}
}
