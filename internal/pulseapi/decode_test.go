package pulseapi

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

const jwtToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIzIn0.c2lnbmF0dXJl"

func TestDecodeSessionVariants(t *testing.T) {
	created := time.Date(2025, 2, 11, 3, 45, 4, 853e6, time.UTC)
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, s *Session, token string)
	}{
		{"summaries, hex token, expiresAt", `{"id":3,"email":"a@b.c","active":true,"createdAt":"2025-02-11T03:45:04.853Z",
			"primaryAccount":{"accountName":"Main","accountId":"6591739253089529","repcode":"3","usersPrimaryAccount":true,"accountAdmin":true},
			"accounts":[{"accountName":"Main","accountId":"6591739253089529","repcode":"3","usersPrimaryAccount":true,"accountAdmin":true}],
			"flatRolesList":["superAdmin"],"flatPermissionsList":["readData"],"permissionsFromRoles":["readData"],
			"permissionsFromRolesDetails":{"readData":[{"role":"superAdmin","accountId":null}]},
			"impersonating":null,"token":"` + strings.Repeat("ab", 32) + `","expiresAt":"2025-02-11T04:45:04.853Z"}`,
			func(t *testing.T, s *Session, token string) {
				want := AccountSummary{AccountID: "6591739253089529", AccountName: "Main", Repcode: "3", UsersPrimaryAccount: true, AccountAdmin: true}
				if s.PrimaryAccount != want || !reflect.DeepEqual(s.Accounts, []AccountSummary{want}) {
					t.Errorf("accounts = %+v %+v", s.PrimaryAccount, s.Accounts)
				}
				if s.UserID != 3 || !s.Active || s.Email != "a@b.c" || !s.CreatedAt.Equal(created) || s.ExpiresAt.IsZero() {
					t.Errorf("session = %+v", s)
				}
				if token != strings.Repeat("ab", 32) || s.Roles[0] != "superAdmin" || s.Permissions[0] != "readData" {
					t.Errorf("token %q roles %v perms %v", token, s.Roles, s.Permissions)
				}
			}},
		{"full account objects, name, JWT, no expiresAt, null repcode, string ids, numeric accountId", `{"id":"3","email":"a@b.c",
			"primaryAccount":{"id":7,"accountId":6591739253089529,"name":"Main","uniqueId":"u","repcode":null,"whitelabelSettings":{"x":1},
			"permissions":["readData"],"roles":["admin"],"usersPrimaryAccount":true,"accountAdmin":true,"accountTypeId":2,
			"createdAt":"2025-02-11T03:45:04Z","updatedAt":"2025-02-11T03:45:04.1Z"},
			"accounts":[{"id":"8","accountId":"1111","accountName":"Second","repcode":"12"}],
			"token":"` + jwtToken + `"}`,
			func(t *testing.T, s *Session, token string) {
				if s.PrimaryAccount.AccountID != "6591739253089529" || s.PrimaryAccount.AccountName != "Main" || s.PrimaryAccount.Repcode != "" {
					t.Errorf("primary = %+v", s.PrimaryAccount)
				}
				if len(s.Accounts) != 1 || s.Accounts[0].AccountName != "Second" || s.Accounts[0].Repcode != "12" {
					t.Errorf("accounts = %+v", s.Accounts)
				}
				if !s.ExpiresAt.IsZero() || token != jwtToken || s.UserID != 3 {
					t.Errorf("expiresAt %v token %q id %d", s.ExpiresAt, token, s.UserID)
				}
			}},
		{"long numeric accountId keeps every digit", `{"primaryAccount":{"accountId":123456789012345678901234567890},"token":"t"}`,
			func(t *testing.T, s *Session, _ string) {
				if s.PrimaryAccount.AccountID != "123456789012345678901234567890" {
					t.Errorf("accountId = %q", s.PrimaryAccount.AccountID)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, token, err := decodeSession([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s, token)
		})
	}
}

func TestDecodeKeyVariants(t *testing.T) {
	exp := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	want := APIKey{ID: 7, Description: "ci", Permissions: []string{"readData", "writeData"}, APIKey: "apiKey-abc",
		LastFourOfSecret: "wxyz", ExpiresAt: &exp, CreatedAt: time.Date(2025, 2, 11, 3, 45, 4, 853e6, time.UTC),
		UpdatedAt: time.Date(2025, 2, 11, 3, 45, 4, 0, time.UTC)}
	key := func(id, perms, expires string) string {
		return `{"id":` + id + `,"description":"ci","expiresAt":` + expires + `,"permissions":` + perms +
			`,"apiKey":"apiKey-abc","lastFourOfSecret":"wxyz","createdAt":"2025-02-11T03:45:04.853Z","updatedAt":"2025-02-11T03:45:04Z"}`
	}
	std := key("7", `["readData","writeData"]`, `"2026-01-01T00:00:00Z"`)
	tests := []struct {
		name, body string
		never      bool // expiresAt null
	}{
		{"bare array", `[` + std + `]`, false},
		{"data wrapper", `{"data":[` + std + `],"total":1,"pageCount":1}`, false},
		{"items wrapper", `{"items":[` + std + `],"total":1,"pageCount":1}`, false},
		{"apiKeys wrapper", `{"apiKeys":[` + std + `]}`, false},
		{"keys wrapper", `{"keys":[` + std + `]}`, false},
		{"results wrapper", `{"results":[` + std + `]}`, false},
		{"permission objects (permission)", `[` + key("7", `[{"id":1,"permission":"readData"},{"id":2,"permission":"writeData"}]`, `"2026-01-01T00:00:00.000Z"`) + `]`, false},
		{"permission objects (name)", `[` + key("7", `[{"name":"readData"},{"name":"writeData"}]`, `"2026-01-01T00:00:00Z"`) + `]`, false},
		{"id as string, never expires", `[` + key(`"7"`, `["readData","writeData"]`, `null`) + `]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decodeKeyPage([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			w := want
			if tt.never {
				w.ExpiresAt = nil
			}
			if len(p.Items) != 1 {
				t.Fatalf("items = %+v", p.Items)
			}
			got := p.Items[0]
			if got.ExpiresAt != nil && w.ExpiresAt != nil && got.ExpiresAt.Equal(*w.ExpiresAt) {
				got.ExpiresAt = w.ExpiresAt
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("key =\n%+v\nwant\n%+v", got, w)
			}
		})
	}
	for _, bad := range []string{`{"nothing":[]}`, `"x"`, `[{"id":"seven"}]`, `[{"id":1,"createdAt":"yesterday"}]`, `{`} {
		if _, err := decodeKeyPage([]byte(bad)); err == nil {
			t.Errorf("decodeKeyPage(%s) succeeded", bad)
		}
	}
	created, _, err := decodeKey([]byte(`{"data":` + strings.TrimSuffix(std, "}") + `,"apiSecret":"shh"}}`))
	if err != nil || created.Secret != "shh" || created.ID != 7 {
		t.Fatalf("decodeKey = %+v, %v", created, err)
	}
}

func TestDecodeAccountsAndPermissions(t *testing.T) {
	p, err := decodeAccountPage([]byte(`{"accounts":[{"id":1,"accountId":"42","name":"A","repcode":null,"permissions":[{"permission":"readData"}],"roles":["admin"],"accountTypeId":"3","createdAt":"2025-02-11T03:45:04.853Z"},
		{"id":2,"accountId":43,"accountName":"B","repcode":"7"}],"totalCount":2,"totalPages":1,"currentPage":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Pages != 1 || p.Total != 2 || len(p.Items) != 2 {
		t.Fatalf("page = %+v", p)
	}
	a, b := p.Items[0], p.Items[1]
	if a.AccountName != "A" || a.Repcode != "" || a.Permissions[0] != "readData" || a.AccountTypeID != 3 || a.CreatedAt.IsZero() {
		t.Errorf("a = %+v", a)
	}
	if b.AccountID != "43" || b.AccountName != "B" || b.Repcode != "7" {
		t.Errorf("b = %+v", b)
	}
	perms, err := decodePermissions([]byte(`[{"id":1,"permission":"readApplications","description":"d","category":"c"},"writeApiKeys",{"id":"3","name":"readData"}]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Permission{{1, "readApplications", "d", "c"}, {0, "writeApiKeys", "", ""}, {3, "readData", "", ""}}
	if !reflect.DeepEqual(perms, want) {
		t.Errorf("perms = %+v", perms)
	}
}

// Every documented answer shape, end to end through the emulator: Session serves what the
// login returned (summaries or full account objects, hex or JWT token, with or without
// expiresAt), and key listings and creates read permissions as names whether they come as
// names or objects, in a wrapper or a bare array. The forms the emulator does not produce
// (numeric account ids, string ids, other wrapper names) are covered by the decoders' tests.
func TestSessionVariantsEndToEnd(t *testing.T) {
	for _, tt := range []struct {
		name string
		v    emulator.Variants
	}{
		{"documented first forms", emulator.Variants{}},
		{"full accounts in session", emulator.Variants{FullAccountsInSession: true}},
		{"JWT tokens", emulator.Variants{JWTTokens: true}},
		{"no expiresAt", emulator.Variants{OmitExpiresAt: true}},
		{"permission objects", emulator.Variants{KeyPermissionObjects: true}},
		{"bare array", emulator.Variants{KeyListBareArray: true}},
		{"paged bare array", emulator.Variants{KeyListBareArray: true, KeyListPaged: true}},
		{"all at once", emulator.Variants{FullAccountsInSession: true, JWTTokens: true, OmitExpiresAt: true,
			KeyPermissionObjects: true, KeyListBareArray: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newTestAPI(t, func(o *emulator.Options) { o.Variants = tt.v })
			a.seedKeys(t, primaryID, 120)
			c := a.client(t, func(c *Config) { c.AccountID = primaryID })
			ctx := context.Background()
			s, err := c.Session(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if s.PrimaryAccount.AccountID != primaryID || s.PrimaryAccount.AccountName != "Acme Corp" ||
				s.PrimaryAccount.Repcode != "3" || !s.PrimaryAccount.UsersPrimaryAccount || s.Email != emulator.AdminEmail {
				t.Errorf("session = %+v", s)
			}
			if s.ExpiresAt.IsZero() != tt.v.OmitExpiresAt {
				t.Errorf("ExpiresAt = %v, with the variant omitting it %v", s.ExpiresAt, tt.v.OmitExpiresAt)
			}
			s.Accounts[0].AccountName = "mutated"
			if s2, _ := c.Session(ctx); s2.Accounts[0].AccountName != "Acme Corp" {
				t.Fatal("Session returned shared state")
			}

			// The token works, whatever its shape, and keys read the same in every form.
			keys, err := c.ListAPIKeys(ctx, "")
			if err != nil || len(keys) != 121 {
				t.Fatalf("listed %d keys, %v; want 121", len(keys), err)
			}
			if got := keys[len(keys)-1].Permissions; !slices.Equal(got, []string{"readApplications", "readData"}) {
				t.Errorf("listed permissions = %v", got)
			}
			k, err := c.CreateAPIKey(ctx, "", APIKeyInput{Description: "ci", Permissions: []string{"writeData", "readData"}})
			if err != nil {
				t.Fatal(err)
			}
			if !samePermissions(k.Permissions, []string{"readData", "writeData"}) || k.Secret == "" {
				t.Errorf("created = %v, secret set %v", k.Permissions, k.Secret != "")
			}
			if a.Logins() != 1 {
				t.Errorf("logins = %d, want 1", a.Logins())
			}
		})
	}
}

// A login answer without a token is an error naming the login, and not a sticky one: the
// next call logs in again.
func TestLoginResponseWithoutToken(t *testing.T) {
	a := newTestAPI(t)
	a.script("POST /auth/login", 1, http.StatusOK, nil, `{"id":3}`)
	c := a.client(t, nil)
	_, err := c.Session(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no token") || !strings.Contains(err.Error(), "POST /auth/login") {
		t.Fatalf("err = %v", err)
	}
	if _, err := c.Session(context.Background()); err != nil {
		t.Fatalf("the next login: %v", err)
	}
	if n := a.Count("POST /auth/login"); n != 2 {
		t.Fatalf("logins = %d, want 2", n)
	}
}
