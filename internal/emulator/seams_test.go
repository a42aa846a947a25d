package emulator

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// An interceptor sees each request first; what it does not answer, the emulator does.
func TestIntercept(t *testing.T) {
	s, _ := seeded(t)
	auth := adminToken(t, s)
	s.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/permissions" {
			return false
		}
		w.WriteHeader(http.StatusTeapot)
		return true
	})
	do(t, s, "GET", "/permissions", nil, auth...).wantStatus(t, http.StatusTeapot)
	do(t, s, "GET", "/apikeys", nil, auth...).wantStatus(t, http.StatusOK)
	if n := s.Count("GET /permissions"); n != 1 {
		t.Errorf("Count = %d, want 1: an intercepted request is counted", n)
	}
	s.Intercept(nil)
	do(t, s, "GET", "/permissions", nil, auth...).wantStatus(t, http.StatusOK)
}

// ServeDirect gives an interceptor the emulator's own answer, as of the moment it is called,
// without counting the request twice.
func TestServeDirect(t *testing.T) {
	s, _ := seeded(t)
	auth := adminToken(t, s)
	var held *httptest.ResponseRecorder
	s.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || r.URL.Path != "/apikeys" {
			return false
		}
		held = httptest.NewRecorder()
		s.ServeDirect(held, r)
		// The key deleted after the snapshot is still in the answer written now.
		s.DeleteAPIKey(AccountAcmeCorp, 1)
		w.WriteHeader(held.Code)
		_, _ = w.Write(held.Body.Bytes())
		return true
	})
	m := do(t, s, "GET", "/apikeys", nil, auth...).wantStatus(t, http.StatusOK).object(t)
	if m["total"] != 1.0 {
		t.Errorf("snapshot = %v, want the one key that existed when the request arrived", m)
	}
	if n := s.Count("GET /apikeys"); n != 1 {
		t.Errorf("Count = %d, want 1", n)
	}
	if j := s.Journal(); len(j) != 2 || j[1].Route != "GET /apikeys" || j[1].AccountID != AccountAcmeCorp {
		t.Errorf("journal = %+v, want the login and the listing", j)
	}
	rec := httptest.NewRecorder()
	s.ServeDirect(rec, httptest.NewRequest("GET", "/nowhere", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("unknown route = %d, want 404", rec.Code)
	}
}
