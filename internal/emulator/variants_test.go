package emulator

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

var jwtShape = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)

func TestVariants(t *testing.T) {
	tests := []struct {
		name     string
		variants Variants
		check    func(t *testing.T, s *Server, login map[string]any)
	}{
		{"key list wrapper", Variants{}, func(t *testing.T, s *Server, login map[string]any) {
			m := do(t, s, "GET", "/apikeys?limit=5", nil, bearer(login["token"].(string))...).wantStatus(t, 200).object(t)
			if len(m["data"].([]any)) != 5 || m["total"] != 31.0 {
				t.Errorf("wrapper = %v", m)
			}
		}},
		{"key list bare array", Variants{KeyListBareArray: true}, func(t *testing.T, s *Server, login map[string]any) {
			a := do(t, s, "GET", "/apikeys?limit=5", nil, bearer(login["token"].(string))...).wantStatus(t, 200).array(t)
			if len(a) != 31 {
				t.Errorf("bare array has %d keys, want all 31", len(a))
			}
		}},
		{"key permission strings", Variants{}, func(t *testing.T, s *Server, login map[string]any) {
			k := createKey(t, s, login)
			if k["permissions"].([]any)[0] != "readApplications" {
				t.Errorf("permissions = %v", k["permissions"])
			}
		}},
		{"key permission objects", Variants{KeyPermissionObjects: true}, func(t *testing.T, s *Server, login map[string]any) {
			want := []any{
				map[string]any{"id": 1, "permission": "readApplications", "description": "View merchant applications", "category": "Applications"},
				map[string]any{"id": 7, "permission": "readData", "description": "View reporting data", "category": "Data"},
			}
			if k := createKey(t, s, login); !jsonEqual(k["permissions"], want) {
				t.Errorf("created permissions = %v", k["permissions"])
			}
			list := do(t, s, "GET", "/apikeys?page=2&limit=30", nil, bearer(login["token"].(string))...).object(t)["data"].([]any)
			if got := list[len(list)-1].(map[string]any)["permissions"]; !jsonEqual(got, want) {
				t.Errorf("listed permissions = %v", got)
			}
		}},
		{"summaries in session", Variants{}, func(t *testing.T, s *Server, login map[string]any) {
			if n := len(login["primaryAccount"].(map[string]any)); n != 5 {
				t.Errorf("primaryAccount has %d fields, want the 5 of a summary", n)
			}
		}},
		{"full accounts in session", Variants{FullAccountsInSession: true}, func(t *testing.T, s *Server, login map[string]any) {
			primary := login["primaryAccount"].(map[string]any)
			first := login["accounts"].([]any)[0].(map[string]any)
			if primary["uniqueId"] != derivedUniqueID(AccountAcmeCorp) || primary["name"] != "Acme Corp" || !jsonEqual(primary, first) {
				t.Errorf("primaryAccount = %v", primary)
			}
		}},
		{"hex token", Variants{}, func(t *testing.T, s *Server, login map[string]any) {
			if !hexToken.MatchString(login["token"].(string)) {
				t.Errorf("token = %v", login["token"])
			}
		}},
		{"JWT-shaped token", Variants{JWTTokens: true}, func(t *testing.T, s *Server, login map[string]any) {
			token := login["token"].(string)
			if !jwtShape.MatchString(token) {
				t.Fatalf("token = %q", token)
			}
			var claims map[string]any
			payload, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
			if err != nil || json.Unmarshal(payload, &claims) != nil || claims["email"] != AdminEmail {
				t.Errorf("claims %s: %v", payload, err)
			}
			do(t, s, "GET", "/auth/session", nil, bearer(token)...).wantStatus(t, 200)
		}},
		{"expiresAt present", Variants{}, func(t *testing.T, s *Server, login map[string]any) {
			if login["expiresAt"] == nil {
				t.Error("no expiresAt")
			}
		}},
		{"expiresAt absent", Variants{OmitExpiresAt: true}, func(t *testing.T, s *Server, login map[string]any) {
			session := do(t, s, "GET", "/auth/session", nil, bearer(login["token"].(string))...).object(t)
			for name, payload := range map[string]map[string]any{"login": login, "session": session} {
				if _, ok := payload["expiresAt"]; ok {
					t.Errorf("%s payload has expiresAt", name)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			s := NewSeeded(Options{Now: c.Now, Variants: tt.variants})
			s.SeedAPIKeys(AccountAcmeCorp, AdminEmail, 30)
			login := do(t, s, "POST", "/auth/login", map[string]string{"apiKey": BootstrapAPIKey, "apiSecret": BootstrapAPISecret}).
				wantStatus(t, 200).object(t)
			tt.check(t, s, login)
		})
	}
}

func createKey(t *testing.T, s *Server, login map[string]any) map[string]any {
	t.Helper()
	return do(t, s, "POST", "/apikeys", map[string]any{"description": "v", "flatPermissionsList": []string{"readData", "readApplications"}},
		bearer(login["token"].(string))...).wantStatus(t, 201).object(t)
}

func TestSetVariantsAtRuntime(t *testing.T) {
	s, _ := seeded(t)
	hex := adminToken(t, s)
	s.SetVariants(Variants{KeyListBareArray: true, JWTTokens: true})
	if a := do(t, s, "GET", "/apikeys", nil, hex...).wantStatus(t, 200).array(t); len(a) != 1 {
		t.Errorf("bare array = %v", a)
	}
	if token := login(t, s, AdminEmail, AdminPassword); !jwtShape.MatchString(token) {
		t.Errorf("token after the switch = %q", token)
	}
	s.SetVariants(Variants{})
	do(t, s, "GET", "/apikeys", nil, hex...).wantStatus(t, 200).object(t)
}
