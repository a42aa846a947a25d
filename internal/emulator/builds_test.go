package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The variants that make the emulator stricter or stranger than the guide: what one build or
// one reference line says, or what no document rules out.

func withVariants(t *testing.T, v Variants) (*Server, []string) {
	t.Helper()
	s := NewSeeded(Options{Now: newClock().Now, Variants: v})
	return s, adminToken(t, s)
}

// keyOf adds a key on account and returns its /apikeys/{id} path.
func keyOf(s *Server, account string) string {
	id, _, _ := s.AddAPIKey(account, AdminEmail, []string{"readData"}, "other")
	return fmt.Sprint("/apikeys/", id)
}

var keyBody = map[string]any{"description": "renamed", "flatPermissionsList": []string{"readData"}}

func TestKeySessionRefusal(t *testing.T) {
	for _, status := range []int{403, 404} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			s, key := withVariants(t, Variants{KeySessionRefusal: status})
			other := keyOf(s, AccountAcmeCorp)
			for _, method := range []string{"PATCH", "DELETE"} {
				r := do(t, s, method, other, keyBody, key...)
				if status == 403 {
					r.wantEnvelope(t, 403, "Not authorized", "an API key cannot update or delete other API keys")
				} else {
					r.wantEnvelope(t, 404, "API key not found", "")
				}
			}
			if keys := s.APIKeys(AccountAcmeCorp); len(keys) != 2 || keys[1].Description != "other" {
				t.Errorf("a refused write changed the keys: %+v", keys)
			}
			// A key may still write itself, and a user's session any key.
			do(t, s, "PATCH", "/apikeys/1", map[string]any{"description": "self", "flatPermissionsList": allPermissions}, key...).wantStatus(t, 200)
			user := bearer(login(t, s, AdminEmail, AdminPassword))
			do(t, s, "PATCH", other, keyBody, user...).wantStatus(t, 200)
			do(t, s, "DELETE", other, nil, user...).wantStatus(t, 200)
		})
	}
}

func TestKeySessionOwnAccount(t *testing.T) {
	s, key := withVariants(t, Variants{KeySessionOwnAccount: true})
	session := do(t, s, "GET", "/auth/session", nil, key...).wantStatus(t, 200).object(t)
	if accounts := session["accounts"].([]any); len(accounts) != 1 || accounts[0].(map[string]any)["accountId"] != AccountAcmeCorp {
		t.Errorf("a key's session lists %v, want its own account only", accounts)
	}
	listed := do(t, s, "GET", "/accounts", nil, key...).wantStatus(t, 200).object(t)
	if listed["totalCount"] != 1.0 {
		t.Errorf("a key's session sees %v accounts, want 1", listed["totalCount"])
	}
	do(t, s, "POST", "/apikeys", keyBody, with(key, "X-Account-ID", AccountAcmeLabs)...).
		wantEnvelope(t, 403, "Not authorized", "no access to account "+AccountAcmeLabs)
	// The owner's own session still reaches every account of theirs.
	user := bearer(login(t, s, AdminEmail, AdminPassword))
	do(t, s, "POST", "/apikeys", keyBody, with(user, "X-Account-ID", AccountAcmeLabs)...).wantStatus(t, 201)
}

func TestNoAccessNotFound(t *testing.T) {
	s, key := withVariants(t, Variants{NoAccessNotFound: true})
	for _, path := range []string{"/apikeys", "/permissions", "/auth/session"} {
		do(t, s, "GET", path, nil, with(key, "X-Account-ID", AccountGlobex)...).
			wantEnvelope(t, 404, "Not found", "account "+AccountGlobex+" not found")
	}
	// Lacking a permission is still 403.
	viewer := bearer(login(t, s, ViewerEmail, ViewerPassword))
	do(t, s, "GET", "/apikeys", nil, viewer...).wantEnvelope(t, 403, "Not authorized", "writeApiKeys permission is required")
}

func TestAccountsLimitPaging(t *testing.T) {
	s, key := withVariants(t, Variants{AccountsLimitPaging: true})
	page := do(t, s, "GET", "/accounts?page=2&limit=5", nil, key...).wantStatus(t, 200).object(t)
	delete(page, "accounts")
	if want := map[string]any{"limit": 5, "page": 2, "pageCount": 3, "total": 14}; !jsonEqual(page, want) {
		t.Errorf("paging fields = %v, want %v", page, want)
	}
	// pageSize is the other form's parameter: this one does not know it.
	if got := do(t, s, "GET", "/accounts?pageSize=5", nil, key...).object(t)["limit"]; got != 10.0 {
		t.Errorf("limit = %v, want the default 10", got)
	}
}

func TestKeyShapes(t *testing.T) {
	s, key := withVariants(t, Variants{KeyListField: "apikeys", KeyPermissionObjects: true, KeyPermissionField: "name"})
	listed := do(t, s, "GET", "/apikeys", nil, key...).wantStatus(t, 200).object(t)
	keys, ok := listed["apikeys"].([]any)
	if _, data := listed["data"]; !ok || data || len(keys) != 1 {
		t.Fatalf("list = %v, want the keys under apikeys", listed)
	}
	perm := keys[0].(map[string]any)["permissions"].([]any)[0].(map[string]any)
	if _, old := perm["permission"]; old || perm["name"] != "readApplications" {
		t.Errorf("permission object = %v, want its name under name", perm)
	}
}

func TestKeyWriteEmptyAnswer(t *testing.T) {
	for _, status := range []int{200, 204} {
		s, key := withVariants(t, Variants{KeyWriteEmptyStatus: status})
		other := keyOf(s, AccountAcmeCorp)
		for _, method := range []string{"PATCH", "DELETE"} {
			if r := do(t, s, method, other, keyBody, key...).wantStatus(t, status); len(r.body) != 0 {
				t.Errorf("%s answered %q, want no body", method, r.body)
			}
		}
		if len(s.APIKeys(AccountAcmeCorp)) != 1 {
			t.Error("the DELETE did not happen")
		}
		// Errors keep their envelope.
		do(t, s, "DELETE", other, nil, key...).wantEnvelope(t, 404, "API key not found", "")
	}
}

func TestErrorDetails(t *testing.T) {
	s, key := withVariants(t, Variants{ErrorDetails: true})
	got := do(t, s, "DELETE", "/apikeys/99", nil, key...).wantStatus(t, 404).object(t)
	want := map[string]any{"error": "API key not found", "dev_err_msg": "emulator: API key not found (HTTP 404)", "status": 404}
	if !jsonEqual(got, want) {
		t.Errorf("envelope = %v, want %v", got, want)
	}
	s.FailNext("GET /apikeys", 1, Fault{Status: 502, Body: "<html>bad gateway</html>", ContentType: "text/html"})
	if r := do(t, s, "GET", "/apikeys", nil, key...); string(r.body) != "<html>bad gateway</html>" {
		t.Errorf("a fault's own body was rewritten: %q", r.body)
	}
}

// A gateway times out after the backend wrote: the key exists, the answer is a 503.
func TestFaultAfterCommit(t *testing.T) {
	s, key := withVariants(t, Variants{})
	s.FailNext("POST /apikeys", 1, Fault{Status: 503, AfterCommit: true})
	do(t, s, "POST", "/apikeys", keyBody, key...).wantStatus(t, 503)
	if keys := s.APIKeys(AccountAcmeCorp); len(keys) != 2 || keys[1].Description != "renamed" {
		t.Errorf("keys = %+v, want the committed one", keys)
	}
	if j := s.Journal(); j[len(j)-1].Status != 503 || j[len(j)-1].KeyID != 2 {
		t.Errorf("journal = %+v, want the 503 naming key 2", j[len(j)-1])
	}
	control(t, s, "POST", "/_emulator/faults", map[string]any{"route": "DELETE /apikeys/{id}", "n": 1, "status": 504, "afterCommit": true}).wantStatus(t, 200)
	do(t, s, "DELETE", "/apikeys/2", nil, key...).wantStatus(t, 504)
	if len(s.APIKeys(AccountAcmeCorp)) != 1 {
		t.Error("the DELETE answered 504 after commit did not happen")
	}
}

func TestVariantsCheck(t *testing.T) {
	tests := []struct {
		v    Variants
		want string
	}{
		{Variants{PageCap: -1}, "pageCap -1 must not be negative"},
		{Variants{KeySessionRefusal: 401}, "keySessionRefusal 401 must be 0, 403 or 404"},
		{Variants{KeyWriteEmptyStatus: 201}, "keyWriteEmptyStatus 201 must be 0, 200 or 204"},
		{Variants{KeyListField: "a b"}, `keyListField "a b" must be a JSON field name (letters, digits, _)`},
		{Variants{KeyPermissionField: `x"`}, `keyPermissionField "x\"" must be a JSON field name (letters, digits, _)`},
	}
	for _, tt := range tests {
		if err := tt.v.Check(); err == nil || err.Error() != tt.want {
			t.Errorf("Check(%+v) = %v, want %q", tt.v, err, tt.want)
		}
		s, _ := seeded(t)
		body := map[string]any{"keySessionRefusal": tt.v.KeySessionRefusal, "keyWriteEmptyStatus": tt.v.KeyWriteEmptyStatus,
			"keyListField": tt.v.KeyListField, "keyPermissionField": tt.v.KeyPermissionField, "pageCap": tt.v.PageCap}
		control(t, s, "POST", "/_emulator/variants", body).wantEnvelope(t, http.StatusBadRequest, "Invalid input", tt.want)
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tt.want) {
					t.Errorf("SetVariants(%+v) panicked with %v", tt.v, r)
				}
			}()
			s.SetVariants(tt.v)
		}()
	}
	if err := (Variants{KeySessionRefusal: 404, KeyWriteEmptyStatus: 204, KeyListField: "apiKeys", KeyPermissionField: "permission_name"}).Check(); err != nil {
		t.Errorf("good variants refused: %v", err)
	}
}
