package pulseapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// Session tokens expire; these tests hold the emulator's answers so that the calls meet the
// expiry in a known order, and check the verdict of authTransport on each 401.

// Twenty calls that all get a 401 on the same expired token share one re-login, and each is
// replayed once.
func TestReloginOnExpiryConcurrent401s(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, nil)
	ctx := context.Background()
	seen := a.record(nil)
	if _, err := c.ListAPIKeys(ctx, ""); err != nil { // proves the first token good
		t.Fatal(err)
	}
	oldAuth := seen.all()[1].header.Get("Authorization")
	a.ExpireAllTokens()

	// Hold the requests carrying the expired token until all n have arrived, so that every
	// one of them gets its 401 on the same token.
	const n = 20
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	a.intercept("GET /accounts", func(_ http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Authorization") == oldAuth {
			mu.Lock()
			if arrived++; arrived == n {
				close(all)
			}
			mu.Unlock()
			select {
			case <-all:
			case <-time.After(10 * time.Second): // a client that sends them one by one fails below
			}
		}
		return false
	})

	noErrors(t, concurrently(n, func(i int) error {
		// Account listings are not shared, so each call makes its own request.
		_, err := c.ListAccounts(ctx, AccountFilter{Name: fmt.Sprint(i)})
		return err
	}))
	if got := a.Logins(); got != 2 {
		t.Fatalf("logins = %d, want 2 (one re-login)", got)
	}
	if got := a.Count("GET /accounts"); got != 2*n {
		t.Fatalf("GET /accounts = %d, want %d (each call replayed once)", got, 2*n)
	}
}

// A token refused on its first use was never good: logging in again would not mend it.
func TestUnauthorizedRightAfterLoginIsFinal(t *testing.T) {
	a := newTestAPI(t)
	a.script("GET /permissions", 100, http.StatusUnauthorized, nil, `{"error":"Not authorized","message":"token rejected"}`)
	c := a.client(t, nil)
	_, err := c.ListPermissions(context.Background(), "")
	if !IsUnauthorized(err) {
		t.Fatalf("err = %v, want a 401", err)
	}
	if a.Logins() != 1 || a.Count("GET /permissions") != 1 {
		t.Fatalf("logins = %d, requests = %d; want 1 and 1", a.Logins(), a.Count("GET /permissions"))
	}
	if !strings.Contains(err.Error(), "token rejected") {
		t.Errorf("err = %v", err)
	}
}

// A token that expires while a call waits to retry: the retry gets a 401, and the call logs
// in again and replays, whether or not the token had been accepted before (the old
// TestExpiryBeforeFirstAcceptedRequest is the second case: a fresh token whose first answers
// are 503s may expire before any request is accepted with it).
func TestExpiryDuringRetries(t *testing.T) {
	for _, proven := range []bool{true, false} {
		name := "after an accepted request"
		if !proven {
			name = "before any accepted request"
		}
		t.Run(name, func(t *testing.T) {
			a := newTestAPI(t)
			c := a.client(t, nil)
			ctx := context.Background()
			if proven {
				if _, err := c.ListPermissions(ctx, secondID); err != nil {
					t.Fatal(err)
				}
			}
			// The next permissions request is answered 503, and every token expires with it.
			a.FailNext("GET /permissions", 1, emulator.Fault{Status: http.StatusServiceUnavailable})
			a.ExpireTokensAfter("GET /permissions", 1)
			if _, err := c.ListPermissions(ctx, primaryID); err != nil {
				t.Fatal(err)
			}
			if a.Logins() != 2 {
				t.Fatalf("logins = %d, want 2", a.Logins())
			}
		})
	}
}

// A retry after another call has logged in again carries the new token: it needs no replay.
func TestRetryUsesNewerToken(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, func(c *Config) { c.RetryWaitMin, c.RetryWaitMax = 5*time.Millisecond, 5*time.Millisecond })
	ctx := context.Background()
	if _, err := c.ListPermissions(ctx, ""); err != nil {
		t.Fatal(err)
	}
	// The call for accounts named "held" is held at the server while every token expires,
	// then answered 503.
	hold, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	seen := a.record(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/accounts" || r.URL.Query().Get("name") != "held" {
			return false
		}
		held := false
		once.Do(func() { held = true })
		if held {
			a.ExpireAllTokens()
			close(hold)
			<-release
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "busy"})
		}
		return held
	})
	done := make(chan error, 1)
	go func() { _, err := c.ListAccounts(ctx, AccountFilter{Name: "held"}); done <- err }()
	<-hold
	if _, err := c.ListAccounts(ctx, AccountFilter{Name: "other"}); err != nil { // 401 → re-login
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if a.Logins() != 2 {
		t.Fatalf("logins = %d, want 2", a.Logins())
	}
	held := 0
	for _, r := range seen.all() {
		if r.path == "/accounts" && r.query.Get("name") == "held" {
			held++
		}
	}
	if held != 2 { // the held attempt and its retry, which needed no replay
		t.Fatalf("requests for the held call = %d, want 2", held)
	}
}

// A 401 on a fresh token while another call with it is still under way waits for that call:
// its answer, given before the token expired, proves the token was good, so the 401 is an
// expiry to log in again for, not bad credentials.
func TestUnauthorizedWaitsForCallsWithTheSameToken(t *testing.T) {
	a := newTestAPI(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	var first sync.Once
	a.intercept("GET /permissions", func(w http.ResponseWriter, _ *http.Request) bool {
		handled := false
		first.Do(func() {
			handled = true
			// Accepted, then every token expires before the answer is sent.
			a.ExpireAllTokens()
			close(arrived)
			<-release
			writeJSON(w, http.StatusOK, []string{"readData"})
		})
		return handled
	})
	// release is closed once the other call has its 401 in hand, at the bottom of the stack.
	var got401 sync.Once
	c := a.client(t, func(c *Config) {
		c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := http.DefaultTransport.RoundTrip(r)
			if err == nil && resp.StatusCode == http.StatusUnauthorized {
				got401.Do(func() { close(release) })
			}
			return resp, err
		})}
	})
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		_, err := c.ListPermissions(ctx, "")
		done <- err
	}()
	<-arrived
	if _, err := c.ListAccounts(ctx, AccountFilter{}); err != nil {
		t.Fatalf("the call that met the expiry: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the call that proved the token: %v", err)
	}
	if a.Logins() != 2 {
		t.Fatalf("logins = %d, want 2", a.Logins())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
