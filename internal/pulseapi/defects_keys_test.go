package pulseapi

// Regression tests for the client-core issue's defects 9 to 16 (1 to 8 are in defects_test.go).

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// Defect 9: a create whose answer was lost (a 5xx after Pulse wrote the key, a connection
// dropped after the request left, an unreadable 201) left an orphan with no word. The client
// lists the account again and names each key the request made anyway; it never deletes or
// adopts one.
func TestDefect09_LostCreateNamesTheOrphan(t *testing.T) {
	in := APIKeyInput{Description: "ci deployer", Permissions: []string{"readData"}}
	answers := map[string]func(w http.ResponseWriter){
		"502 after the write": func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) },
		"504 after the write": func(w http.ResponseWriter) { w.WriteHeader(http.StatusGatewayTimeout) },
		"connection dropped": func(w http.ResponseWriter) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		},
		"201 cut short": func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"id": 99, "apiSecret": "cut-off-sec`))
		},
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			a := newTestAPI(t)
			c := a.client(t, nil)
			// A key with the same description made before the request is not the orphan.
			before, _, _ := a.AddAPIKey(primaryID, emulator.AdminEmail, in.Permissions, in.Description)
			if _, err := c.ListAPIKeys(context.Background(), ""); err != nil {
				t.Fatal(err)
			}
			var orphan int64
			a.intercept("POST /apikeys", func(w http.ResponseWriter, _ *http.Request) bool {
				orphan, _, _ = a.AddAPIKey(primaryID, emulator.AdminEmail, in.Permissions, in.Description)
				answer(w)
				return true
			})
			_, err := c.CreateAPIKey(context.Background(), "", in)
			var lost *CreateError
			if !errors.As(err, &lost) {
				t.Fatalf("error = %v, want a CreateError", err)
			}
			if len(lost.Orphans) != 1 || lost.Orphans[0].ID != orphan {
				t.Fatalf("orphans = %+v, want only key %d (not %d, made before)", lost.Orphans, orphan, before)
			}
			if !strings.Contains(err.Error(), "id "+strconv.FormatInt(orphan, 10)) || !strings.Contains(err.Error(), "was created anyway") {
				t.Errorf("error = %v, want it to name the orphan", err)
			}
			if n := a.Count("DELETE /apikeys/{id}"); n != 0 {
				t.Errorf("the client deleted %d keys on its own", n)
			}
			if n := a.Count("POST /apikeys"); n != 1 {
				t.Errorf("POST /apikeys sent %d times, want 1", n)
			}
		})
	}
}

// Defect 9: a lost answer to a create that made nothing says so; a refused create (4xx) does
// not list again.
func TestDefect09_LostCreateWithoutOrphan(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, nil)
	a.FailNext("POST /apikeys", 1, emulator.Fault{Status: http.StatusInternalServerError})
	_, err := c.CreateAPIKey(context.Background(), "", APIKeyInput{Description: "x", Permissions: []string{"readData"}})
	var lost *CreateError
	if !errors.As(err, &lost) || len(lost.Orphans) != 0 || !strings.Contains(err.Error(), "holds no key made by this request") {
		t.Fatalf("error = %v, want a CreateError without orphans", err)
	}
	a.ResetCounts()
	_, err = c.CreateAPIKey(context.Background(), "", APIKeyInput{Description: "x", Permissions: []string{"noSuchPermission"}})
	if errors.As(err, &lost) || a.Count("GET /apikeys") != 0 {
		t.Errorf("a 400 was treated as a lost answer: %v", err)
	}
}

// Defect 10: Delete trusted any 404. Only "API key not found" means gone; a 404 that says
// something else may mean "no access" while the key still works.
func TestDefect10_DeleteDistinguishesNotFoundFromNoAccess(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, nil)
	id, _, _ := a.AddAPIKey(primaryID, emulator.AdminEmail, []string{"readData"}, "kept")
	a.script("DELETE /apikeys/{id}", 1, http.StatusNotFound, nil, `{"error": "Not found", "message": "no such resource"}`)
	err := c.DeleteAPIKey(context.Background(), "", id)
	if err == nil || errors.Is(err, ErrKeyNotFound) || !strings.Contains(err.Error(), "the key may still exist") {
		t.Fatalf("error = %v, want a 404 that is not ErrKeyNotFound", err)
	}
	if err := c.DeleteAPIKey(context.Background(), "", id); err != nil {
		t.Fatalf("DeleteAPIKey = %v", err)
	}
	if err := c.DeleteAPIKey(context.Background(), "", id); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("second delete = %v, want ErrKeyNotFound", err)
	}
}

// Defect 12: the login was never retried on 500/502/504, though it creates nothing a retry
// could duplicate: one gateway error failed every resource of the run.
func TestDefect12_LoginRetriedOnGatewayErrors(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, func(cfg *Config) { cfg.MaxRetries = ptr(3) })
	a.FailNext("POST /auth/login", 1, emulator.Fault{Status: http.StatusInternalServerError})
	a.FailNext("POST /auth/login", 1, emulator.Fault{Status: http.StatusBadGateway})
	a.FailNext("POST /auth/login", 1, emulator.Fault{Status: http.StatusGatewayTimeout})
	if _, err := c.Session(context.Background()); err != nil {
		t.Fatalf("Session = %v", err)
	}
	if n := a.Count("POST /auth/login"); n != 4 {
		t.Errorf("POST /auth/login sent %d times, want 4", n)
	}
}

// Defect 14: keys were matched by id alone, so where ids are reused (a reset server) one
// configuration's state took another's key, and its destroy deleted it.
func TestDefect14_ReusedIDIsAnotherKey(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, nil)
	ctx := context.Background()
	mine, err := c.CreateAPIKey(ctx, "", APIKeyInput{Description: "config A", Permissions: []string{"readData"}})
	if err != nil {
		t.Fatal(err)
	}
	ref := KeyRef{ID: mine.ID, APIKey: mine.APIKey, CreatedAt: mine.CreatedAt}
	a.DeleteAPIKey(primaryID, mine.ID) // the server is reset...
	a.RestartKeyIDs()
	theirs, _, _ := a.AddAPIKey(primaryID, emulator.AdminEmail, []string{"readData"}, "config B") // ...and B gets the id
	if theirs != mine.ID {
		t.Fatalf("the emulator gave id %d, want the reused %d", theirs, mine.ID)
	}
	if _, err := c.FindAPIKey(ctx, "", ref); !errors.Is(err, ErrKeyReplaced) || !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("FindAPIKey = %v, want ErrKeyReplaced", err)
	}
	if err := c.CheckAPIKey(ctx, "", ref); !errors.Is(err, ErrKeyReplaced) {
		t.Errorf("CheckAPIKey = %v, want ErrKeyReplaced", err)
	}
	if k, err := c.GetAPIKey(ctx, "", theirs); err != nil || k.Description != "config B" {
		t.Errorf("the other key: %v, %v", k, err)
	}
}

// Defect 15: the client followed redirects, and go-retryablehttp replayed the body: a 307 on
// the login sent the API secret to whatever host Location named. No redirect is followed.
func TestDefect15_RedirectsAreNotFollowed(t *testing.T) {
	var stolen atomic.Int64
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(thief.Close)
	for _, route := range []string{"POST /auth/login", "GET /permissions"} {
		for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
			t.Run(route+" "+strconv.Itoa(status), func(t *testing.T) {
				a := newTestAPI(t)
				c := a.client(t, nil)
				a.script(route, 1, status, map[string]string{"Location": thief.URL + "/steal?token=x"}, "")
				_, err := c.ListPermissions(context.Background(), "")
				if err == nil || !strings.Contains(err.Error(), "redirect not followed") || !strings.Contains(err.Error(), thief.URL) {
					t.Fatalf("error = %v, want the redirect refused, naming Location", err)
				}
				if n := stolen.Load(); n != 0 {
					t.Fatalf("%d requests reached the redirect's target", n)
				}
			})
		}
	}
}

// Defect 16: the edges of redaction. A secret with markup, an ampersand or a tab showed through
// in part where the excerpt was cut or collapsed after redaction; a short secret masked
// everywhere told what it was; a base URL with user info was echoed whole.
func TestDefect16_RedactionEdges(t *testing.T) {
	t.Run("cut and collapsed after redaction", func(t *testing.T) {
		a := newTestAPI(t)
		c := a.client(t, func(cfg *Config) { cfg.APISecret = oddSecret })
		// The secret straddles the 200-character cut, inside markup, after white space.
		body := "<html><body>" + strings.Repeat("x ", 95) + "\t\t" + oddSecret + "</body></html>"
		a.script("POST /auth/login", 1, http.StatusUnauthorized, nil, body)
		_, err := c.Session(context.Background())
		for _, part := range []string{"s3cr", "et\\with", "tab-ü", "0123456789", "with<tag>", "&amp;"} {
			if err == nil || strings.Contains(err.Error(), part) {
				t.Errorf("the error shows part of the secret (%q): %v", part, err)
			}
		}
	})
	t.Run("a short secret is withheld, not masked", func(t *testing.T) {
		a := newTestAPI(t)
		c := a.client(t, func(cfg *Config) { passwordLogin(cfg); cfg.Password = "a" })
		a.script("POST /auth/login", 1, http.StatusUnauthorized, nil, `{"error": "Invalid email or password", "message": "password a is wrong"}`)
		_, err := c.Session(context.Background())
		if err == nil || strings.Contains(err.Error(), "***") || !strings.Contains(err.Error(), Withheld) {
			t.Fatalf("error = %v, want the server's text withheld whole", err)
		}
		if strings.Contains(err.Error(), "password a") {
			t.Errorf("the short password shows: %v", err)
		}
	})
	t.Run("user info in the base URL", func(t *testing.T) {
		for _, raw := range []string{"https://user:pass-word@host/%zz", "https://user:pass-word@host", "user:pass-word@host"} {
			_, err := New(Config{BaseURL: raw, APIKey: "k", APISecret: "s"})
			if err == nil || strings.Contains(err.Error(), "pass-word") || strings.Contains(err.Error(), "user:") {
				t.Errorf("New(%q) = %v, want an error without the user info", SafeURL(raw), err)
			}
		}
	})
}

// Defect 14 (and the precision the provider's state keeps): a key is the same key when its id,
// apiKey and creation time (to the second) match.
func TestKeyRefMatchesToTheSecond(t *testing.T) {
	created := time.Date(2026, 3, 1, 12, 0, 0, 853_000_000, time.UTC)
	k := APIKey{ID: 2, APIKey: "apiKey-a", CreatedAt: created}
	for _, tt := range []struct {
		ref  KeyRef
		want bool
	}{
		{KeyRef{ID: 2}, true},
		{KeyRef{ID: 2, APIKey: "apiKey-a", CreatedAt: created.Truncate(time.Second)}, true},
		{KeyRef{ID: 2, APIKey: "apiKey-b"}, false},
		{KeyRef{ID: 2, APIKey: "apiKey-a", CreatedAt: created.Add(time.Second)}, false},
		{KeyRef{ID: 3, APIKey: "apiKey-a"}, false},
	} {
		if got := tt.ref.matches(k); got != tt.want {
			t.Errorf("%+v matches = %v, want %v", tt.ref, got, tt.want)
		}
	}
}
