package emulator

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	publicKeyPattern = regexp.MustCompile(`^apiKey-[a-z0-9]{24}$`)
	secretPattern    = regexp.MustCompile(`^[A-Za-z0-9]{48}$`)
)

func TestAPIKeyLifecycle(t *testing.T) {
	s, c := seeded(t)
	admin := adminToken(t, s)

	created := do(t, s, "POST", "/apikeys", map[string]any{
		"description":         "ci",
		"flatPermissionsList": []string{"readData", "readApplications", "readData"},
		"expiresAt":           nil,
	}, admin...).wantStatus(t, 201).object(t)
	secret, _ := created["apiSecret"].(string)
	if !publicKeyPattern.MatchString(created["apiKey"].(string)) || !secretPattern.MatchString(secret) {
		t.Errorf("apiKey %v apiSecret %v", created["apiKey"], created["apiSecret"])
	}
	if created["lastFourOfSecret"] != secret[len(secret)-4:] || created["expiresAt"] != nil || created["description"] != "ci" {
		t.Errorf("created = %v", created)
	}
	if got := strs(t, created["permissions"]); !slices.Equal(got, []string{"readApplications", "readData"}) {
		t.Errorf("permissions = %v, want catalogue order without duplicates", got)
	}
	if want := c.Now().Format(timeLayout); created["createdAt"] != want || created["updatedAt"] != want {
		t.Errorf("createdAt %v updatedAt %v, want %s", created["createdAt"], created["updatedAt"], want)
	}
	id := int64(created["id"].(float64))

	listed := do(t, s, "GET", "/apikeys", nil, admin...).wantStatus(t, 200).object(t)["data"].([]any)
	if len(listed) != 2 {
		t.Fatalf("%d keys listed, want 2", len(listed))
	}
	again := listed[1].(map[string]any)
	if _, leaked := again["apiSecret"]; leaked {
		t.Error("the list hands out the secret")
	}
	delete(created, "apiSecret")
	if !jsonEqual(again, created) {
		t.Errorf("listed %v\ncreated %v", again, created)
	}

	c.Advance(time.Minute)
	expiry := c.Now().Add(48 * time.Hour).Truncate(time.Second)
	do(t, s, "PATCH", fmt.Sprint("/apikeys/", id), map[string]any{
		"description": " renamed ", "flatPermissionsList": []string{"writeData"}, "expiresAt": expiry.Format(time.RFC3339),
	}, admin...).wantStatus(t, 200)
	stored := s.APIKeys(AccountAcmeCorp)[1]
	if stored.Description != " renamed " || !slices.Equal(stored.Permissions, []string{"writeData"}) ||
		stored.ExpiresAt == nil || !stored.ExpiresAt.Equal(expiry) || !stored.UpdatedAt.Equal(c.Now()) || stored.Secret != secret {
		t.Errorf("after PATCH: %+v", stored)
	}

	// The inspection copies are the caller's to change.
	stored.Permissions[0] = "mutated"
	if s.APIKeys(AccountAcmeCorp)[1].Permissions[0] != "writeData" {
		t.Error("APIKeys returned the server's own slice")
	}

	if r := do(t, s, "DELETE", fmt.Sprint("/apikeys/", id), nil, admin...).wantStatus(t, 200); string(r.body) != `{"success":true}` {
		t.Errorf("DELETE answered %s", r.body)
	}
	if keys := s.APIKeys(AccountAcmeCorp); len(keys) != 1 || keys[0].APIKey != BootstrapAPIKey {
		t.Errorf("after DELETE: %+v", keys)
	}
}

func TestAPIKeyExpiresAtPrecision(t *testing.T) {
	s, _ := seeded(t)
	created := do(t, s, "POST", "/apikeys", map[string]any{
		"description": "x", "flatPermissionsList": []string{"readData"}, "expiresAt": "2030-01-02T05:04:05.678901+02:00",
	}, adminToken(t, s)...).wantStatus(t, 201).object(t)
	if created["expiresAt"] != "2030-01-02T03:04:05.678Z" {
		t.Errorf("expiresAt = %v", created["expiresAt"])
	}
}

func TestAPIKeyValidation(t *testing.T) {
	valid := map[string]any{"description": "ok", "flatPermissionsList": []string{"readData"}}
	tests := []struct {
		name             string
		body             any
		errText, message string // message "" = any message
	}{
		{"missing description", map[string]any{"flatPermissionsList": []string{"readData"}}, "Invalid input", "description is required"},
		{"blank description", map[string]any{"description": "  ", "flatPermissionsList": []string{"readData"}}, "Invalid input", "description is required"},
		{"missing permissions", map[string]any{"description": "x"}, "Invalid permissions provided", "at least one permission is required"},
		{"empty permissions", map[string]any{"description": "x", "flatPermissionsList": []string{}}, "Invalid permissions provided", "at least one permission is required"},
		{"unknown permissions", map[string]any{"description": "x", "flatPermissionsList": []string{"readData", "bogus", "nope", "bogus"}}, "Invalid permissions provided", "unknown permission(s): bogus, nope"},
		{"malformed expiresAt", map[string]any{"description": "x", "flatPermissionsList": []string{"readData"}, "expiresAt": "tomorrow"}, "Invalid input", "expiresAt must be an RFC 3339 timestamp or null"},
		{"past expiresAt", map[string]any{"description": "x", "flatPermissionsList": []string{"readData"}, "expiresAt": "2020-01-01T00:00:00Z"}, "Invalid input", "expiresAt must be in the future"},
		{"numeric expiresAt", map[string]any{"description": "x", "flatPermissionsList": []string{"readData"}, "expiresAt": 5}, "Invalid input", ""},
		{"bad JSON", `{"description":`, "Invalid input", ""},
	}
	for _, tt := range tests {
		for _, method := range []string{"POST", "PATCH"} {
			t.Run(method+" "+tt.name, func(t *testing.T) {
				s, _ := seeded(t)
				path := "/apikeys"
				if method == "PATCH" {
					path = "/apikeys/1"
				}
				r := do(t, s, method, path, tt.body, adminToken(t, s)...)
				if tt.message != "" {
					r.wantEnvelope(t, 400, tt.errText, tt.message)
				} else if m := r.wantStatus(t, 400).object(t); m["error"] != tt.errText || m["message"] == "" {
					t.Errorf("body %s", r.body)
				}
				keys := s.APIKeys(AccountAcmeCorp)
				if len(keys) != 1 || keys[0].Description != "Emulator bootstrap key" {
					t.Errorf("a rejected %s changed the keys: %+v", method, keys)
				}
			})
		}
	}
	t.Run("valid body passes", func(t *testing.T) {
		s, _ := seeded(t)
		do(t, s, "POST", "/apikeys", valid, adminToken(t, s)...).wantStatus(t, 201)
	})
}

func TestAPIKeyNotFound(t *testing.T) {
	s, _ := seeded(t)
	labsKey, _, _ := s.AddAPIKey(AccountAcmeLabs, AdminEmail, []string{"readData"}, "labs")
	admin := adminToken(t, s)
	body := map[string]any{"description": "x", "flatPermissionsList": []string{"readData"}}
	for _, method := range []string{"PATCH", "DELETE"} {
		for _, path := range []string{"/apikeys/999", fmt.Sprint("/apikeys/", labsKey)} {
			t.Run(method+" "+path, func(t *testing.T) {
				do(t, s, method, path, body, admin...).wantEnvelope(t, 404, "API key not found", "")
			})
		}
		t.Run(method+" non-integer", func(t *testing.T) {
			do(t, s, method, "/apikeys/abc", body, admin...).wantEnvelope(t, 400, "Invalid input", "API key id must be an integer")
		})
	}
	if len(s.APIKeys(AccountAcmeLabs)) != 1 {
		t.Error("a request scoped to Acme Corp touched an Acme Labs key")
	}
	// Scoped to its own account, the same key is found.
	do(t, s, "DELETE", fmt.Sprint("/apikeys/", labsKey), nil, with(admin, "X-Account-ID", AccountAcmeLabs)...).wantStatus(t, 200)
}

func TestAPIKeyIDsAreGlobal(t *testing.T) {
	s, _ := seeded(t)
	admin := adminToken(t, s)
	body := map[string]any{"description": "x", "flatPermissionsList": []string{"readData"}}
	var ids []float64
	for _, account := range []string{AccountAcmeCorp, AccountAcmeLabs, AccountAcmeCorp} {
		m := do(t, s, "POST", "/apikeys", body, with(admin, "X-Account-ID", account)...).wantStatus(t, 201).object(t)
		ids = append(ids, m["id"].(float64))
	}
	if !slices.Equal(ids, []float64{2, 3, 4}) {
		t.Errorf("ids = %v, want 2 3 4", ids)
	}
}

func TestAPIKeyPagination(t *testing.T) {
	s, _ := seeded(t)
	seededIDs := s.SeedAPIKeys(AccountAcmeCorp, AdminEmail, 60)
	if len(seededIDs) != 60 || seededIDs[0] != 2 || seededIDs[59] != 61 {
		t.Fatalf("SeedAPIKeys = %v", seededIDs)
	}
	admin := adminToken(t, s)
	tests := []struct {
		query                              string
		wantLen                            int
		firstID, page, limit, total, pages float64
	}{
		{"", 25, 1, 1, 25, 61, 3},
		{"?page=2", 25, 26, 2, 25, 61, 3},
		{"?page=3", 11, 51, 3, 25, 61, 3},
		{"?limit=10&page=7", 1, 61, 7, 10, 61, 7},
		{"?limit=1000", 61, 1, 1, 100, 61, 1},
		{"?page=5", 0, 0, 5, 25, 61, 3},
		{"?page=9223372036854775807&limit=100", 0, 0, 9223372036854775807, 100, 61, 1},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := do(t, s, "GET", "/apikeys"+tt.query, nil, admin...).wantStatus(t, 200)
			m := r.object(t)
			data, ok := m["data"].([]any)
			if !ok || len(data) != tt.wantLen || m["page"] != tt.page || m["limit"] != tt.limit || m["total"] != tt.total || m["pageCount"] != tt.pages {
				t.Fatalf("got %s", r.body)
			}
			for i, k := range data {
				if id := k.(map[string]any)["id"]; id != tt.firstID+float64(i) {
					t.Errorf("data[%d].id = %v, want %v", i, id, tt.firstID+float64(i))
				}
			}
		})
	}
	for _, bad := range []string{"?limit=0", "?page=-1", "?page=one"} {
		if m := do(t, s, "GET", "/apikeys"+bad, nil, admin...).wantStatus(t, 400).object(t); m["error"] != "Invalid input" {
			t.Errorf("%s: %v", bad, m)
		}
	}
}

func TestEmptyWorld(t *testing.T) {
	c := newClock()
	s := New(Options{Now: c.Now})
	s.AddAccount(Account{AccountID: "42", AccountName: "Solo"})
	s.AddUser("solo@example.com", "pw", map[string]string{"42": RoleAdmin}, "42")
	id, key, secret := s.AddAPIKey("42", "solo@example.com", []string{"writeApiKeys"}, "only")
	if id != 1 || !publicKeyPattern.MatchString(key) || !secretPattern.MatchString(secret) {
		t.Errorf("AddAPIKey = %d %q %q", id, key, secret)
	}
	auth := bearer(login(t, s, key, secret))
	accounts := do(t, s, "GET", "/accounts", nil, auth...).wantStatus(t, 200).object(t)["accounts"].([]any)
	solo := accounts[0].(map[string]any)
	if len(accounts) != 1 || solo["repcode"] != nil || solo["uniqueId"] != derivedUniqueID("42") ||
		solo["createdAt"] != c.Now().Format(timeLayout) || solo["id"] != 1.0 || solo["accountTypeId"] != 1.0 {
		t.Errorf("accounts = %v", accounts)
	}
	// Re-adding an account replaces it in place, keeping its id and position.
	s.AddAccount(Account{AccountID: "42", AccountName: "Solo Renamed", Repcode: "9"})
	accounts = do(t, s, "GET", "/accounts", nil, auth...).wantStatus(t, 200).object(t)["accounts"].([]any)
	if solo := accounts[0].(map[string]any); len(accounts) != 1 || solo["name"] != "Solo Renamed" || solo["repcode"] != "9" || solo["id"] != 1.0 {
		t.Errorf("after replacing: %v", accounts)
	}
	// Replacing a user changes what its live sessions may do.
	s.AddUser("solo@example.com", "pw", map[string]string{"42": RoleUser}, "42")
	do(t, s, "GET", "/apikeys", nil, auth...).wantEnvelope(t, 403, "Not authorized", "writeApiKeys permission is required")
}

func TestWorldBuildingMistakesPanic(t *testing.T) {
	tests := map[string]func(s *Server){
		"account without id":      func(s *Server) { s.AddAccount(Account{AccountName: "x"}) },
		"user on unknown account": func(s *Server) { s.AddUser("x@example.com", "x", map[string]string{"1": RoleUser}, "1") },
		"user with unknown role": func(s *Server) {
			s.AddUser("x@example.com", "x", map[string]string{AccountGlobex: "owner"}, AccountGlobex)
		},
		"primary not a membership": func(s *Server) {
			s.AddUser("x@example.com", "x", map[string]string{AccountGlobex: RoleUser}, AccountAcmeCorp)
		},
		"key owner not a member":   func(s *Server) { s.AddAPIKey(AccountGlobex, AdminEmail, []string{"readData"}, "x") },
		"key with no permissions":  func(s *Server) { s.AddAPIKey(AccountAcmeCorp, AdminEmail, nil, "x") },
		"key with unknown perms":   func(s *Server) { s.AddAPIKey(AccountAcmeCorp, AdminEmail, []string{"root"}, "x") },
		"seeding an unknown owner": func(s *Server) { s.SeedAPIKeys(AccountAcmeCorp, "nobody@example.com", 1) },
		"fault on unknown route":   func(s *Server) { s.FailNext("GET /apikey", 1, Fault{Status: 500}) },
		"fault without status":     func(s *Server) { s.FailNext("GET /apikeys", 1, Fault{}) },
	}
	for name, build := range tests {
		t.Run(name, func(t *testing.T) {
			s, _ := seeded(t)
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			build(s)
		})
	}
}

func TestDeleteAPIKeyOutOfBand(t *testing.T) {
	s, _ := seeded(t)
	if s.DeleteAPIKey(AccountAcmeLabs, 1) {
		t.Error("deleted Acme Corp's key through Acme Labs")
	}
	if !s.DeleteAPIKey(AccountAcmeCorp, 1) || s.DeleteAPIKey(AccountAcmeCorp, 1) {
		t.Error("DeleteAPIKey did not report the first deletion alone")
	}
	do(t, s, "POST", "/auth/login", map[string]string{"apiKey": BootstrapAPIKey, "apiSecret": BootstrapAPISecret}).wantStatus(t, 401)
}

func TestOversizedBody(t *testing.T) {
	s, _ := seeded(t)
	huge := `{"description":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	r := do(t, s, "POST", "/apikeys", huge, adminToken(t, s)...).wantStatus(t, 400)
	if m := r.object(t); m["error"] != "Invalid input" || len(s.APIKeys(AccountAcmeCorp)) != 1 {
		t.Errorf("body %s", r.body)
	}
	if s.Count("POST /apikeys") != 1 {
		t.Errorf("Count = %d, want the rejected request counted", s.Count("POST /apikeys"))
	}
}
