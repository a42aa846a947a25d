package emulator

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestControlSurface(t *testing.T) {
	s, c := seeded(t)
	admin := adminToken(t, s)
	do(t, s, "GET", "/apikeys", nil, admin...)

	stats := control(t, s, "GET", "/_emulator/stats", nil).wantStatus(t, 200).object(t)
	want := map[string]any{"counts": map[string]any{"POST /auth/login": 1, "GET /apikeys": 1}, "logins": 1}
	if !jsonEqual(stats, want) {
		t.Errorf("stats = %v, want %v", stats, want)
	}
	control(t, s, "POST", "/_emulator/reset", nil).wantStatus(t, 200)
	if len(s.Counts()) != 0 || s.Logins() != 0 {
		t.Errorf("after reset: %v, %d logins", s.Counts(), s.Logins())
	}

	control(t, s, "POST", "/_emulator/expire-tokens", nil).wantStatus(t, 200)
	do(t, s, "GET", "/apikeys", nil, admin...).wantStatus(t, 401)
	admin = adminToken(t, s)

	control(t, s, "POST", "/_emulator/faults", map[string]any{"route": "POST /apikeys", "n": 2, "status": 503, "retryAfterSeconds": 3}).wantStatus(t, 200)
	for range 2 {
		if r := do(t, s, "POST", "/apikeys", map[string]any{}, admin...).wantStatus(t, 503); r.header.Get("Retry-After") != "3" {
			t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
		}
	}
	control(t, s, "POST", "/_emulator/faults", map[string]any{"route": "GET /accounts", "n": 1, "status": 500, "body": "<html>", "contentType": "text/html"}).wantStatus(t, 200)
	if r := do(t, s, "GET", "/accounts", nil, admin...).wantStatus(t, 500); string(r.body) != "<html>" {
		t.Errorf("fault body = %q", r.body)
	}
	control(t, s, "POST", "/_emulator/faults", map[string]any{"route": "GET /accounts", "n": 1, "status": 502, "emptyBody": true}).wantStatus(t, 200)
	if r := do(t, s, "GET", "/accounts", nil, admin...).wantStatus(t, 502); len(r.body) != 0 {
		t.Errorf("fault body = %q", r.body)
	}

	control(t, s, "POST", "/_emulator/rate-limit", map[string]any{"perSecond": 1}).wantStatus(t, 200)
	do(t, s, "GET", "/accounts", nil, admin...).wantStatus(t, 200)
	do(t, s, "GET", "/accounts", nil, admin...).wantStatus(t, 429)
	control(t, s, "POST", "/_emulator/rate-limit", map[string]any{"perSecond": 0}).wantStatus(t, 200)
	do(t, s, "GET", "/accounts", nil, admin...).wantStatus(t, 200)

	control(t, s, "POST", "/_emulator/token-ttl", map[string]any{"seconds": 3}).wantStatus(t, 200)
	do(t, s, "GET", "/accounts", nil, admin...).wantStatus(t, 200) // slides to now+3s
	c.Advance(3 * time.Second)
	do(t, s, "GET", "/accounts", nil, admin...).wantStatus(t, 401)
	admin = adminToken(t, s)

	control(t, s, "POST", "/_emulator/variants", map[string]any{"keyListBareArray": true}).wantStatus(t, 200)
	do(t, s, "GET", "/apikeys", nil, admin...).wantStatus(t, 200).array(t)
	control(t, s, "POST", "/_emulator/variants", map[string]any{}).wantStatus(t, 200)

	control(t, s, "POST", "/_emulator/latency", map[string]any{"milliseconds": 20}).wantStatus(t, 200)
	start := time.Now()
	do(t, s, "GET", "/apikeys", nil, admin...).wantStatus(t, 200)
	if time.Since(start) < 20*time.Millisecond {
		t.Error("latency not applied")
	}
	control(t, s, "POST", "/_emulator/latency", map[string]any{"milliseconds": 0}).wantStatus(t, 200)

	seededKeys := control(t, s, "POST", "/_emulator/seed-keys", map[string]any{"accountId": AccountAcmeLabs, "n": 3}).wantStatus(t, 200).object(t)
	if !jsonEqual(seededKeys, map[string]any{"ids": []int{2, 3, 4}}) {
		t.Errorf("seed-keys = %v", seededKeys)
	}
	if keys := s.APIKeys(AccountAcmeLabs); len(keys) != 3 || keys[0].OwnerEmail != AdminEmail {
		t.Errorf("seeded keys = %+v", keys)
	}
	listed := control(t, s, "GET", "/_emulator/apikeys?accountId="+AccountAcmeLabs, nil).wantStatus(t, 200).object(t)
	if listed["count"] != 3.0 || len(listed["apiKeys"].([]any)) != 3 {
		t.Errorf("apikeys = %v", listed)
	}
	if _, leaked := listed["apiKeys"].([]any)[0].(map[string]any)["apiSecret"]; leaked {
		t.Error("the control listing hands out secrets")
	}

	if counts := s.Counts(); counts["GET /_emulator/stats"] != 0 || len(counts) != 4 {
		t.Errorf("control requests were counted: %v", counts)
	}
}

func TestControlRejects(t *testing.T) {
	tests := []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"unknown route", "GET", "/_emulator/nope", nil, 404},
		{"wrong method", "GET", "/_emulator/reset", nil, 405},
		{"fault on unknown route", "POST", "/_emulator/faults", map[string]any{"route": "GET /nope", "n": 1, "status": 500}, 400},
		{"fault without n", "POST", "/_emulator/faults", map[string]any{"route": "GET /apikeys", "status": 500}, 400},
		{"fault with bad status", "POST", "/_emulator/faults", map[string]any{"route": "GET /apikeys", "n": 1, "status": 42}, 400},
		{"misspelt field", "POST", "/_emulator/rate-limit", map[string]any{"perSecnd": 5}, 400},
		{"negative rate", "POST", "/_emulator/rate-limit", map[string]any{"perSecond": -1}, 400},
		{"negative ttl", "POST", "/_emulator/token-ttl", map[string]any{"seconds": -1}, 400},
		{"negative latency", "POST", "/_emulator/latency", map[string]any{"milliseconds": -1}, 400},
		{"bad JSON", "POST", "/_emulator/variants", "{", 400},
		{"seed on unknown account", "POST", "/_emulator/seed-keys", map[string]any{"accountId": "1", "n": 1}, 400},
		{"seed without admin", "POST", "/_emulator/seed-keys", map[string]any{"accountId": AccountGlobex, "n": 1}, 400},
		{"seed with unknown owner", "POST", "/_emulator/seed-keys", map[string]any{"accountId": AccountAcmeCorp, "n": 1, "ownerEmail": "x@example.com"}, 400},
		{"seed too many", "POST", "/_emulator/seed-keys", map[string]any{"accountId": AccountAcmeCorp, "n": 1_000_000}, 400},
		{"keys without account", "GET", "/_emulator/apikeys", nil, 400},
		{"keys of unknown account", "GET", "/_emulator/apikeys?accountId=1", nil, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := seeded(t)
			r := control(t, s, tt.method, tt.path, tt.body).wantStatus(t, tt.status)
			if m := r.object(t); m["error"] == "" || m["message"] == "" {
				t.Errorf("body %s is not an envelope", r.body)
			}
			if len(s.APIKeys(AccountAcmeCorp)) != 1 || s.limiter != nil || s.latency != 0 || len(s.faults) != 0 {
				t.Error("a rejected control request changed the server")
			}
		})
	}
}

// A control call needs a loopback Host, the run's token and, for a POST, a JSON body: a web
// page reaching the port through DNS rebinding or a cross-site form gets nothing and changes
// nothing.
func TestControlGuard(t *testing.T) {
	tests := []struct {
		name, method, path, host string
		token, contentType, body string
		status                   int
		errText, message         string
	}{
		{"rebound Host", "GET", "/_emulator/secrets", "attacker.example:8787", "good", "", "", 403, "Forbidden",
			`control routes answer only on a loopback Host (127.0.0.1, ::1 or localhost), not "attacker.example:8787"`},
		{"Host naming loopback as a subdomain", "GET", "/_emulator/secrets", "127.0.0.1.attacker.example", "good", "", "", 403, "Forbidden",
			`control routes answer only on a loopback Host (127.0.0.1, ::1 or localhost), not "127.0.0.1.attacker.example"`},
		{"private address", "POST", "/_emulator/reset", "10.0.0.1:8787", "good", "application/json", "{}", 403, "Forbidden",
			`control routes answer only on a loopback Host (127.0.0.1, ::1 or localhost), not "10.0.0.1:8787"`},
		{"no token", "GET", "/_emulator/secrets", "127.0.0.1:8787", "", "", "", 401, "Unauthorized",
			"send the control token in the X-Emulator-Token header: pulse-emulator prints it at start as PULSE_EMULATOR_TOKEN"},
		{"wrong token", "GET", "/_emulator/secrets", "localhost:8787", "wrong", "", "", 401, "Unauthorized",
			"the X-Emulator-Token header does not hold this emulator's control token"},
		{"form post", "POST", "/_emulator/variants", "[::1]:8787", "good", "application/x-www-form-urlencoded", "a=b", 415, "Unsupported media type",
			"a control POST must send its JSON body as Content-Type: application/json"},
		{"text post", "POST", "/_emulator/rate-limit", "127.0.0.1", "good", "text/plain", `{"perSecond":1}`, 415, "Unsupported media type",
			"a control POST must send its JSON body as Content-Type: application/json"},
		{"no content type", "POST", "/_emulator/latency", "127.0.0.1", "good", "", `{"milliseconds":5}`, 415, "Unsupported media type",
			"a control POST must send its JSON body as Content-Type: application/json"},
		{"empty body", "POST", "/_emulator/reset", "127.0.0.1", "good", "application/json", "", 400, "Invalid input",
			"a control POST needs a JSON object as its body ({} when there is nothing to say)"},
		{"field on a route that takes none", "POST", "/_emulator/expire-tokens", "127.0.0.1", "good", "application/json; charset=utf-8", `{"all":true}`, 400, "Invalid input",
			`the body must be a JSON object: json: unknown field "all"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := seeded(t)
			admin := adminToken(t, s)
			token := tt.token
			if token == "good" {
				token = s.ControlToken()
			}
			headers := []string{"Host", tt.host}
			if token != "" {
				headers = append(headers, ControlTokenHeader, token)
			}
			if tt.contentType != "" {
				headers = append(headers, "Content-Type", tt.contentType)
			}
			r := do(t, s, tt.method, tt.path, tt.body, headers...)
			r.wantEnvelope(t, tt.status, tt.errText, tt.message)
			// Nothing changed: the session lives, no variant or limit was set.
			do(t, s, "GET", "/apikeys", nil, admin...).wantStatus(t, 200).object(t)
			if s.limiter != nil || s.latency != 0 || s.Logins() != 1 {
				t.Error("a refused control call changed the server")
			}
		})
	}

	s, _ := seeded(t)
	other := NewSeeded(Options{ControlToken: "chosen-token"})
	if s.ControlToken() == "" || s.ControlToken() == other.ControlToken() || NewSeeded(Options{}).ControlToken() == s.ControlToken() {
		t.Error("control tokens are not per run, or Options.ControlToken was ignored")
	}
	do(t, other, "GET", "/_emulator/stats", nil, "Host", "127.0.0.1", ControlTokenHeader, "chosen-token").wantStatus(t, 200)
}

// Secrets remembers every credential, even after the key is deleted and the session expired,
// so that a leak found late in a run is still recognised.
func TestSecrets(t *testing.T) {
	s, _ := seeded(t)
	id, _, secret := s.AddAPIKey(AccountAcmeLabs, AdminEmail, []string{"readData"}, "short-lived")
	token := login(t, s, BootstrapAPIKey, BootstrapAPISecret)
	s.DeleteAPIKey(AccountAcmeLabs, id)
	s.ExpireAllTokens()

	got := s.Secrets()
	for _, want := range []string{secret, token, BootstrapAPISecret, AdminPassword, ViewerPassword} {
		if !slices.Contains(got, want) {
			t.Errorf("Secrets() lacks a credential of length %d", len(want))
		}
	}
	listed := string(control(t, s, "GET", "/_emulator/secrets", nil).wantStatus(t, 200).body)
	if strings.Join(got, "\n")+"\n" != listed {
		t.Error("GET /_emulator/secrets differs from Secrets()")
	}
}
