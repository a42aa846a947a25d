package pulseapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// Concurrent first calls share one login, and Session and DefaultAccountID serve its payload
// without another request.
func TestLoginOnceUnderConcurrency(t *testing.T) {
	a := newTestAPI(t)
	// Slow answers keep the login in flight while the callers arrive.
	a.SetLatency(20 * time.Millisecond)
	c := a.client(t, nil)
	noErrors(t, concurrently(50, func(i int) (err error) {
		switch i % 3 {
		case 0:
			_, err = c.Session(context.Background())
		case 1:
			_, err = c.ListPermissions(context.Background(), "")
		default:
			_, err = c.ListAPIKeys(context.Background(), secondID)
		}
		return err
	}))
	if n := a.Logins(); n != 1 {
		t.Fatalf("logins = %d, want 1", n)
	}
	s, _ := c.Session(context.Background())
	// The admin belongs to Acme Corp, Acme Labs and twelve regions.
	if s.PrimaryAccount.AccountID != primaryID || len(s.Accounts) != 14 || s.Email != emulator.AdminEmail {
		t.Errorf("session = %+v", s)
	}
	if id, _ := c.DefaultAccountID(context.Background()); id != primaryID {
		t.Errorf("DefaultAccountID = %q", id)
	}
	if n := a.Count("POST /auth/login"); n != 1 {
		t.Fatalf("logins after Session = %d, want 1", n)
	}
}

// A login whose first caller gives up goes on for the others who wait on it: the one login
// request is neither cancelled nor sent again.
func TestLoginLeaderCancelled(t *testing.T) {
	a := newTestAPI(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	a.intercept("POST /auth/login", func(_ http.ResponseWriter, r *http.Request) bool {
		once.Do(func() { close(entered) })
		select {
		case <-release:
		case <-r.Context().Done(): // the client dropped the login: the emulator answers no one
		}
		return false
	})
	c := a.client(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	leaderDone := make(chan error, 1)
	go func() { _, err := c.Session(ctx); leaderDone <- err }()
	<-entered // the leader's login is at the server
	waiterDone := make(chan error, 1)
	go func() { _, err := c.Session(context.Background()); waiterDone <- err }()
	cancel()
	if err := <-leaderDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("leader error = %v, want context.Canceled", err)
	}
	close(release)
	if err := <-waiterDone; err != nil {
		t.Fatalf("waiter error = %v", err)
	}
	if n := a.Count("POST /auth/login"); n != 1 {
		t.Fatalf("login requests = %d, want 1: the leader's cancellation must not end the shared login", n)
	}
}

// Wrong credentials fail every call with the same error, after one login attempt, and the
// error names the base URL and the request id but never the secret.
func TestLoginRefusedIsSticky(t *testing.T) {
	for _, tt := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"api key", func(c *Config) { c.APISecret = "wrong-" + emulator.BootstrapAPISecret }, "invalid API key or secret for "},
		{"password", func(c *Config) {
			passwordLogin(c)
			c.Password = "wrong-" + emulator.AdminPassword
		}, "invalid email or password for "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.SetLatency(10 * time.Millisecond)
			c := a.client(t, tt.mod)
			errs := concurrently(30, func(int) error {
				_, err := c.ListAPIKeys(context.Background(), secondID)
				return err
			})
			var first string
			for _, err := range errs {
				if err == nil {
					t.Fatal("a call succeeded with wrong credentials")
				}
				if !IsUnauthorized(err) {
					t.Fatalf("IsUnauthorized(%v) = false", err)
				}
				if first == "" {
					first = err.Error()
				} else if err.Error() != first {
					t.Fatalf("errors differ:\n%s\n%s", first, err)
				}
			}
			_, err := c.Session(context.Background())
			if err == nil || err.Error() != first {
				t.Fatalf("later error = %v", err)
			}
			if n := a.Logins(); n != 1 {
				t.Fatalf("logins = %d, want 1", n)
			}
			if !strings.Contains(first, tt.want+a.srv.URL) || !strings.Contains(first, "request id ") {
				t.Errorf("error text = %q", first)
			}
			a.assertNoSecret(t, "the error", first)
		})
	}
}

// A configured account the credentials cannot act on (Globex exists, but the admin is no
// member) fails every call with an *AccountError listing the accounts they can, after one login.
func TestAccountError(t *testing.T) {
	a := newTestAPI(t)
	good, err := a.client(t, nil).Session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	available := good.AccountIDs()
	c := a.client(t, func(c *Config) { c.AccountID = globexID })
	for range 3 {
		_, err := c.ListAPIKeys(context.Background(), "")
		var ae *AccountError
		if !errors.As(err, &ae) {
			t.Fatalf("err = %v, want *AccountError", err)
		}
		if ae.AccountID != globexID || !slices.Equal(ae.Available, available) || ae.Available[0] != primaryID {
			t.Fatalf("AccountError = %+v, want the session's accounts %v, primary first", ae, available)
		}
		for _, id := range available {
			if !strings.Contains(err.Error(), id) {
				t.Errorf("text does not list account %s: %v", id, err)
			}
		}
	}
	if _, err := c.DefaultAccountID(context.Background()); err == nil {
		t.Fatal("DefaultAccountID succeeded")
	}
	if n := a.Logins(); n != 2 { // one for the good client, one for this one
		t.Fatalf("logins = %d, want 2", n)
	}
	// An account the session has is fine.
	c = a.client(t, func(c *Config) { c.AccountID = secondID })
	if id, err := c.DefaultAccountID(context.Background()); err != nil || id != secondID {
		t.Fatalf("DefaultAccountID = %q, %v", id, err)
	}
}

// The key is revoked while the client runs (another administrator deletes it): its session
// stops working, the re-login is refused, and that becomes the error of every caller.
func TestReloginRefused(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, nil)
	ctx := context.Background()
	if _, err := c.ListPermissions(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if !a.DeleteAPIKey(primaryID, bootstrapKeyID(t, a)) {
		t.Fatal("the bootstrap key was not deleted")
	}
	errs := concurrently(10, func(i int) error {
		// Account listings are not shared, so each call meets the 401 on its own.
		_, err := c.ListAccounts(ctx, AccountFilter{Name: fmt.Sprint(i)})
		return err
	})
	for _, err := range errs {
		if !IsUnauthorized(err) || !strings.Contains(err.Error(), "invalid API key or secret for ") {
			t.Fatalf("err = %v", err)
		}
	}
	if _, err := c.Session(ctx); !IsUnauthorized(err) {
		t.Fatalf("Session err = %v", err)
	}
	if n := a.Logins(); n != 2 {
		t.Fatalf("logins = %d, want 2", n)
	}
}

// bootstrapKeyID is the id of the key the test clients log in with.
func bootstrapKeyID(t *testing.T, a *testAPI) int64 {
	t.Helper()
	for _, k := range a.APIKeys(primaryID) {
		if k.APIKey == emulator.BootstrapAPIKey {
			return k.ID
		}
	}
	t.Fatal("no bootstrap key")
	return 0
}

// NewSession hands out a fresh login's token: another token than the client's own, which the
// client keeps using; registered in Secrets; its account checked like the client's.
func TestNewSession(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, func(cfg *Config) { cfg.AccountID = secondID })
	ctx := context.Background()
	if _, err := c.ListPermissions(ctx, ""); err != nil {
		t.Fatal(err)
	}
	token, s, account, err := c.NewSession(ctx)
	if err != nil || token == "" || account != secondID || s.PrimaryAccount.AccountID != primaryID {
		t.Fatalf("NewSession = %d-character token, %+v, %q, %v", len(token), s, account, err)
	}
	if c.Secrets().Redact(token) != "***" {
		t.Error("the new token is not in the secret registry")
	}
	if _, err := c.ListAccounts(ctx, AccountFilter{}); err != nil || a.Logins() != 2 {
		t.Errorf("after NewSession: %v, %d logins (want 2: the client kept its own token)", err, a.Logins())
	}

	elsewhere := a.client(t, func(cfg *Config) { cfg.AccountID = globexID })
	var accountErr *AccountError
	if _, _, _, err := elsewhere.NewSession(ctx); !errors.As(err, &accountErr) {
		t.Errorf("NewSession on an account out of reach = %v, want an AccountError", err)
	}
}
