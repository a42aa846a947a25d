package emulator

import (
	"slices"
	"testing"
)

func TestAccountScoping(t *testing.T) {
	tests := []struct {
		name      string
		headers   []string
		status    int
		wantTotal float64
		message   string
	}{
		{name: "primary when omitted", status: 200, wantTotal: 1},
		{name: "header", headers: []string{"X-Account-ID", AccountAcmeLabs}, status: 200, wantTotal: 0},
		{name: "lower-case header", headers: []string{"x-account-id", AccountAcmeLabs}, status: 200, wantTotal: 0},
		{name: "not a member", headers: []string{"X-Account-ID", AccountGlobex}, status: 403, message: "no access to account " + AccountGlobex},
		{name: "no such account", headers: []string{"X-Account-ID", "123"}, status: 403, message: "no access to account 123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := seeded(t)
			r := do(t, s, "GET", "/apikeys", nil, with(adminToken(t, s), tt.headers...)...)
			if tt.status != 200 {
				r.wantEnvelope(t, tt.status, "Not authorized", tt.message)
				return
			}
			if got := r.wantStatus(t, 200).object(t)["total"]; got != tt.wantTotal {
				t.Errorf("total = %v, want %v", got, tt.wantTotal)
			}
		})
	}
}

func TestPermissionChecks(t *testing.T) {
	s, _ := seeded(t)
	_, rdKey, rdSecret := s.AddAPIKey(AccountAcmeCorp, AdminEmail, []string{"readData"}, "read only")
	_, mixKey, mixSecret := s.AddAPIKey(AccountAcmeCorp, AdminEmail, []string{"readData", "writeApiKeys", "writeData"}, "mixed")
	_, viewerKey, viewerSecret := s.AddAPIKey(AccountAcmeCorp, ViewerEmail, []string{"readData", "writeApiKeys"}, "viewer's")
	viewer := bearer(login(t, s, ViewerEmail, ViewerPassword))
	admin := adminToken(t, s)
	region := "9100000000000001"

	tests := []struct {
		name      string
		auth      []string
		account   string
		wantPerms []string
		keysOK    bool
	}{
		{"admin on its superAdmin account", admin, AccountAcmeCorp, allPermissions, true},
		{"admin on its admin account", admin, AccountAcmeLabs, allPermissions, true},
		{"admin where it is a user", admin, region, readPermissions, false},
		{"viewer", viewer, AccountAcmeCorp, readPermissions, false},
		{"key lacking writeApiKeys", bearer(login(t, s, rdKey, rdSecret)), AccountAcmeCorp, []string{"readData"}, false},
		{"key on its own account", bearer(login(t, s, mixKey, mixSecret)), AccountAcmeCorp, []string{"writeApiKeys", "readData", "writeData"}, true},
		{"key where its owner is a user", bearer(login(t, s, mixKey, mixSecret)), region, []string{"readData"}, false},
		{"key of a viewer", bearer(login(t, s, viewerKey, viewerSecret)), AccountAcmeCorp, []string{"readData"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth := with(tt.auth, "X-Account-ID", tt.account)
			session := do(t, s, "GET", "/auth/session", nil, auth...).wantStatus(t, 200).object(t)
			if got := strs(t, session["flatPermissionsList"]); !slices.Equal(got, tt.wantPerms) {
				t.Errorf("flatPermissionsList = %v, want %v", got, tt.wantPerms)
			}
			checks := []struct{ method, path string }{
				{"GET", "/apikeys"}, {"POST", "/apikeys"}, {"PATCH", "/apikeys/1"}, {"DELETE", "/apikeys/999"}, {"GET", "/permissions"},
			}
			for _, c := range checks {
				r := do(t, s, c.method, c.path, map[string]any{}, auth...)
				if tt.keysOK {
					if r.status == 403 {
						t.Errorf("%s %s: 403 %s", c.method, c.path, r.body)
					}
					continue
				}
				r.wantEnvelope(t, 403, "Not authorized", "writeApiKeys permission is required")
			}
		})
	}
}

func TestListAccounts(t *testing.T) {
	tests := []struct {
		query                        string
		wantLen                      int
		totalCount, totalPages, page float64
		firstName                    string
	}{
		{"", 10, 14, 2, 1, "Acme Corp"},
		{"?page=2", 4, 14, 2, 2, "Acme Region 09"},
		{"?pageSize=5&page=3", 4, 14, 3, 3, "Acme Region 09"},
		{"?pageSize=1000", 14, 14, 1, 1, "Acme Corp"},
		{"?page=9", 0, 14, 2, 9, ""},
		{"?page=9223372036854775807&pageSize=100", 0, 14, 1, 9223372036854775807, ""},
		{"?name=LABS", 1, 1, 1, 1, "Acme Labs"},
		{"?name=region", 10, 12, 2, 1, "Acme Region 01"},
		{"?repcode=3", 1, 1, 1, 1, "Acme Corp"},
		{"?repcode=7", 0, 0, 0, 1, ""},
		{"?name=acme&repcode=105", 1, 1, 1, 1, "Acme Region 05"},
	}
	s, _ := seeded(t)
	admin := adminToken(t, s)
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			m := do(t, s, "GET", "/accounts"+tt.query, nil, admin...).wantStatus(t, 200).object(t)
			accounts := m["accounts"].([]any)
			if len(accounts) != tt.wantLen || m["totalCount"] != tt.totalCount || m["totalPages"] != tt.totalPages || m["currentPage"] != tt.page {
				t.Errorf("got %d accounts, totalCount %v totalPages %v currentPage %v", len(accounts), m["totalCount"], m["totalPages"], m["currentPage"])
			}
			if len(accounts) > 0 && accounts[0].(map[string]any)["accountName"] != tt.firstName {
				t.Errorf("first account %v, want %s", accounts[0].(map[string]any)["accountName"], tt.firstName)
			}
		})
	}
	for _, bad := range []string{"?page=0", "?page=x", "?pageSize=-1"} {
		r := do(t, s, "GET", "/accounts"+bad, nil, admin...).wantStatus(t, 400)
		if r.object(t)["error"] != "Invalid input" {
			t.Errorf("%s: %s", bad, r.body)
		}
	}
}

func TestAccountObject(t *testing.T) {
	s, _ := seeded(t)
	m := do(t, s, "GET", "/accounts?pageSize=3", nil, adminToken(t, s)...).wantStatus(t, 200).object(t)
	accounts := m["accounts"].([]any)
	corp := accounts[0].(map[string]any)
	want := map[string]any{
		"id": 1, "accountId": AccountAcmeCorp, "accountName": "Acme Corp", "name": "Acme Corp",
		"uniqueId": derivedUniqueID(AccountAcmeCorp), "repcode": "3",
		"customerServicePhone": "+1-555-0100", "customerServiceEmail": "support@acme.example",
		"whitelabelSettings": map[string]any{}, "permissions": allPermissions, "roles": []string{"superAdmin"},
		"usersPrimaryAccount": true, "accountAdmin": true, "accountTypeId": 1,
		"createdAt": "2025-02-11T03:45:04.853Z", "updatedAt": "2025-02-11T03:45:04.853Z",
	}
	if !jsonEqual(corp, want) {
		t.Errorf("Acme Corp = %v\nwant %v", corp, want)
	}
	labs := accounts[1].(map[string]any)
	if labs["repcode"] != nil || labs["usersPrimaryAccount"] != false || labs["accountAdmin"] != true {
		t.Errorf("Acme Labs = %v", labs)
	}
	region := accounts[2].(map[string]any)
	if got := strs(t, region["permissions"]); !slices.Equal(got, readPermissions) || region["accountAdmin"] != false {
		t.Errorf("region = %v", region)
	}
}

func TestPermissionsEndpoint(t *testing.T) {
	s, _ := seeded(t)
	admin := adminToken(t, s)
	list := do(t, s, "GET", "/permissions", nil, admin...).wantStatus(t, 200).array(t)
	if len(list) != len(allPermissions) {
		t.Fatalf("%d permissions, want %d", len(list), len(allPermissions))
	}
	for i, p := range list {
		p := p.(map[string]any)
		if p["id"] != float64(i+1) || p["permission"] != allPermissions[i] || p["description"] == "" || p["category"] == "" {
			t.Errorf("permission %d = %v", i, p)
		}
	}
	for _, query := range []string{"?detailed", "?detailed=", "?detailed=true"} {
		grouped := do(t, s, "GET", "/permissions"+query, nil, admin...).wantStatus(t, 200).object(t)
		n := 0
		for category, entries := range grouped {
			for _, e := range entries.([]any) {
				if e.(map[string]any)["category"] != category {
					t.Errorf("%s: %v filed under %s", query, e, category)
				}
				n++
			}
		}
		if n != len(allPermissions) {
			t.Errorf("%s: %d permissions grouped, want %d", query, n, len(allPermissions))
		}
	}
}

// The small world is what a person trying the provider sees: the two accounts the demo and
// the examples talk about, the same users and the same bootstrap key as the standard world.
func TestSmallWorld(t *testing.T) {
	s := NewSmall(Options{})
	m := do(t, s, "GET", "/accounts", nil, adminToken(t, s)...).wantStatus(t, 200).object(t)
	var names []string
	for _, a := range m["accounts"].([]any) {
		names = append(names, a.(map[string]any)["accountName"].(string))
	}
	if want := []string{"Acme Corp", "Acme Labs"}; !slices.Equal(names, want) {
		t.Errorf("the admin's accounts are %q, want %q", names, want)
	}
	if keys := s.APIKeys(AccountAcmeCorp); len(keys) != 1 || keys[0].APIKey != BootstrapAPIKey {
		t.Errorf("Acme Corp holds %d keys, want only the bootstrap key", len(keys))
	}
	login(t, s, ViewerEmail, ViewerPassword)
	login(t, s, AdminEmail, AdminPassword)
}
