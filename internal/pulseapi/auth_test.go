package pulseapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewValidation(t *testing.T) {
	ok := Config{BaseURL: "https://api.pulsecrm.com/", APIKey: "k", APISecret: "sekrit"}
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr string
	}{
		{"api key", nil, ""},
		{"password", func(c *Config) { c.APIKey, c.APISecret, c.Email, c.Password = "", "", "e@x", "p" }, ""},
		{"http with path", func(c *Config) { c.BaseURL = "http://localhost:8080/v1" }, ""},
		{"relative url", func(c *Config) { c.BaseURL = "/api" }, "absolute http(s) URL"},
		{"no scheme", func(c *Config) { c.BaseURL = "api.pulsecrm.com" }, "absolute http(s) URL"},
		{"ftp", func(c *Config) { c.BaseURL = "ftp://api.pulsecrm.com" }, "absolute http(s) URL"},
		{"empty url", func(c *Config) { c.BaseURL = "" }, "absolute http(s) URL"},
		{"no credentials", func(c *Config) { c.APIKey, c.APISecret = "", "" }, "no credentials"},
		{"key without secret", func(c *Config) { c.APISecret = "" }, "both the key and the secret"},
		{"secret without key", func(c *Config) { c.APIKey = "" }, "both the key and the secret"},
		{"email without password", func(c *Config) { c.APIKey, c.APISecret, c.Email = "", "", "e@x" }, "both the email and the password"},
		{"both methods", func(c *Config) { c.Email, c.Password = "e@x", "p" }, "not both"},
		{"account id not digits", func(c *Config) { c.AccountID = "12a" }, "digits"},
		{"account id digits", func(c *Config) { c.AccountID = "123" }, ""},
		{"credentials in url", func(c *Config) { c.BaseURL = "https://u:sekrit@api.pulsecrm.com" }, "must not carry credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			if tt.mod != nil {
				tt.mod(&cfg)
			}
			c, err := New(cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if strings.HasSuffix(c.BaseURL(), "/") {
					t.Errorf("BaseURL %q has a trailing slash", c.BaseURL())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "sekrit") {
				t.Errorf("secret in error: %v", err)
			}
		})
	}
}

func TestAuthMethodAndBaseURL(t *testing.T) {
	c, _ := New(Config{BaseURL: "https://api.pulsecrm.com/", APIKey: "k", APISecret: "s"})
	if c.AuthMethod() != "api_key" || c.BaseURL() != "https://api.pulsecrm.com" {
		t.Errorf("AuthMethod/BaseURL = %q %q", c.AuthMethod(), c.BaseURL())
	}
	c, _ = New(Config{BaseURL: "https://api.pulsecrm.com", Email: "e@x", Password: "p"})
	if c.AuthMethod() != "password" {
		t.Errorf("AuthMethod = %q", c.AuthMethod())
	}
}

func TestLoginOnceUnderConcurrency(t *testing.T) {
	f := newFake(t)
	f.loginDelay = 20 * time.Millisecond
	c := f.client(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch i % 3 {
			case 0:
				_, err = c.Session(context.Background())
			case 1:
				_, err = c.ListPermissions(context.Background(), "")
			default:
				_, err = c.ListAPIKeys(context.Background(), secondID)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.loginCount(); n != 1 {
		t.Fatalf("logins = %d, want 1", n)
	}
	s, _ := c.Session(context.Background())
	if s.PrimaryAccount.AccountID != primaryID || len(s.Accounts) != 2 || s.Email != testEmail {
		t.Errorf("session = %+v", s)
	}
	if id, _ := c.DefaultAccountID(context.Background()); id != primaryID {
		t.Errorf("DefaultAccountID = %q", id)
	}
	if n := f.loginCount(); n != 1 {
		t.Fatalf("logins after Session = %d, want 1", n)
	}
}

// A login whose leader's context is cancelled does not fail the other waiters.
func TestLoginLeaderCancelled(t *testing.T) {
	f := newFake(t)
	f.loginDelay = 50 * time.Millisecond
	c := f.client(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	leaderDone := make(chan error, 1)
	go func() { _, err := c.Session(ctx); leaderDone <- err }()
	time.Sleep(10 * time.Millisecond) // the leader is logging in
	waiterDone := make(chan error, 1)
	go func() { _, err := c.Session(context.Background()); waiterDone <- err }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-leaderDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("leader error = %v, want context.Canceled", err)
	}
	if err := <-waiterDone; err != nil {
		t.Fatalf("waiter error = %v", err)
	}
}

func TestReloginOnExpiryConcurrent401s(t *testing.T) {
	f := newFake(t)
	c := f.client(t, nil)
	ctx := context.Background()
	if _, err := c.ListAPIKeys(ctx, ""); err != nil { // validates the first token
		t.Fatal(err)
	}
	f.expireAll()

	// Hold the first n requests carrying the expired token until all have arrived, so that
	// every one of them gets its 401 on the same token.
	const n = 20
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	f.mu.Lock()
	oldToken := f.issued[0]
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Authorization") == "Bearer "+oldToken {
			mu.Lock()
			arrived++
			if arrived == n {
				close(all)
			}
			mu.Unlock()
			select {
			case <-all:
			case <-time.After(2 * time.Second):
			}
		}
		return false
	}
	f.mu.Unlock()

	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Distinct accounts so the listing cache does not merge the calls.
			_, err := c.ListPermissions(ctx, strings.Repeat("9", i+1))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := f.loginCount(); got != 2 {
		t.Fatalf("logins = %d, want 2 (one re-login)", got)
	}
	if got := f.count("GET /permissions"); got != 2*n {
		t.Fatalf("GET /permissions = %d, want %d (each call replayed once)", got, 2*n)
	}
}

func TestUnauthorizedRightAfterLoginIsFinal(t *testing.T) {
	f := newFake(t)
	f.setHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/permissions" {
			f.mu.Lock()
			f.counts["GET /permissions"]++
			f.mu.Unlock()
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Not authorized", "message": "token rejected"})
			return true
		}
		return false
	})
	c := f.client(t, nil)
	_, err := c.ListPermissions(context.Background(), "")
	if !IsUnauthorized(err) {
		t.Fatalf("err = %v, want a 401", err)
	}
	if f.loginCount() != 1 || f.count("GET /permissions") != 1 {
		t.Fatalf("logins = %d, requests = %d; want 1 and 1", f.loginCount(), f.count("GET /permissions"))
	}
	if !strings.Contains(err.Error(), "token rejected") {
		t.Errorf("err = %v", err)
	}
}

// A token that expires during a retry sequence: the retry gets 401 and the call logs in again.
func TestExpiryDuringRetries(t *testing.T) {
	f := newFake(t)
	c := f.client(t, nil)
	ctx := context.Background()
	if _, err := c.ListPermissions(ctx, secondID); err != nil {
		t.Fatal(err)
	}
	expireDuringFirst(f, "/permissions")
	if _, err := c.ListPermissions(ctx, primaryID); err != nil {
		t.Fatal(err)
	}
	if f.loginCount() != 2 {
		t.Fatalf("logins = %d, want 2", f.loginCount())
	}
}

// expireDuringFirst answers the first request to path with a 503 and meanwhile expires every
// token, so that the retry meets a 401.
func expireDuringFirst(f *fakeAPI, path string) {
	var first sync.Once
	f.setHook(func(w http.ResponseWriter, r *http.Request) bool {
		handled := false
		if r.URL.Path == path {
			first.Do(func() {
				handled = true
				f.expireAll()
				writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "Service unavailable"})
			})
		}
		return handled
	})
}

// A fresh token whose first answers are all 503s can expire before any request is accepted
// with it: the 401 after the wait is an expiry, not bad credentials.
func TestExpiryBeforeFirstAcceptedRequest(t *testing.T) {
	f := newFake(t)
	c := f.client(t, nil)
	expireDuringFirst(f, "/permissions")
	if _, err := c.ListPermissions(context.Background(), primaryID); err != nil {
		t.Fatal(err)
	}
	if f.loginCount() != 2 {
		t.Fatalf("logins = %d, want 2", f.loginCount())
	}
}

// A retry after another caller has logged in again carries the new token (PrepareRetry).
func TestRetryUsesNewerToken(t *testing.T) {
	f := newFake(t)
	c := f.client(t, func(c *Config) { c.RetryWaitMin, c.RetryWaitMax = 5*time.Millisecond, 5*time.Millisecond })
	ctx := context.Background()
	if _, err := c.ListPermissions(ctx, secondID); err != nil {
		t.Fatal(err)
	}
	hold, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.setHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/permissions" && r.Header.Get("X-Account-ID") == "42" {
			held := false
			once.Do(func() { held = true })
			if held {
				f.expireAll()
				close(hold)
				<-release
				writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "busy"})
				return true
			}
		}
		return false
	})
	done := make(chan error, 1)
	go func() { _, err := c.ListPermissions(ctx, "42"); done <- err }()
	<-hold
	if _, err := c.ListPermissions(ctx, "43"); err != nil { // 401 → re-login
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if f.loginCount() != 2 {
		t.Fatalf("logins = %d, want 2", f.loginCount())
	}
	var unauthorized int
	for _, r := range f.requests() {
		if r.Header.Get("X-Account-ID") == "42" && r.URL.Path == "/permissions" {
			unauthorized++
		}
	}
	if unauthorized != 2 { // the held attempt and its retry, which needed no replay
		t.Fatalf("requests for account 42 = %d, want 2", unauthorized)
	}
}

func TestLoginRefusedIsSticky(t *testing.T) {
	for _, tt := range []struct {
		name string
		mod  func(*Config)
		want string
		leak string
	}{
		{"api key", func(c *Config) { c.APISecret = "wrong-" + testSecret }, "invalid API key or secret for ", testSecret},
		{"password", func(c *Config) { c.APIKey, c.APISecret, c.Email, c.Password = "", "", testEmail, "wrong-"+testPassword }, "invalid email or password for ", testPassword},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.loginDelay = 10 * time.Millisecond
			c := f.client(t, tt.mod)
			var wg sync.WaitGroup
			errs := make(chan error, 30)
			for range 30 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := c.ListAPIKeys(context.Background(), secondID)
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			var first string
			for err := range errs {
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
			if f.loginCount() != 1 {
				t.Fatalf("logins = %d, want 1", f.loginCount())
			}
			if !strings.Contains(first, tt.want+f.srv.URL) || !strings.Contains(first, "request id ") {
				t.Errorf("error text = %q", first)
			}
			if strings.Contains(first, tt.leak) {
				t.Errorf("secret leaked: %q", first)
			}
			t.Log(first)
		})
	}
}

func TestAccountError(t *testing.T) {
	f := newFake(t)
	c := f.client(t, func(c *Config) { c.AccountID = "999" })
	for range 3 {
		_, err := c.ListAPIKeys(context.Background(), "")
		var ae *AccountError
		if !errors.As(err, &ae) {
			t.Fatalf("err = %v, want *AccountError", err)
		}
		if ae.AccountID != "999" || strings.Join(ae.Available, ",") != primaryID+","+secondID {
			t.Fatalf("AccountError = %+v", ae)
		}
		if !strings.Contains(err.Error(), primaryID) || !strings.Contains(err.Error(), secondID) {
			t.Errorf("text does not list the accounts: %v", err)
		}
	}
	if _, err := c.DefaultAccountID(context.Background()); err == nil {
		t.Fatal("DefaultAccountID succeeded")
	}
	if f.loginCount() != 1 {
		t.Fatalf("logins = %d, want 1", f.loginCount())
	}
	// An account the session has is fine.
	c = f.client(t, func(c *Config) { c.AccountID = secondID })
	if id, err := c.DefaultAccountID(context.Background()); err != nil || id != secondID {
		t.Fatalf("DefaultAccountID = %q, %v", id, err)
	}
}

// The key is revoked while the client runs: the re-login is refused, and that becomes the
// sticky error for every caller.
func TestReloginRefused(t *testing.T) {
	f := newFake(t)
	c := f.client(t, nil)
	ctx := context.Background()
	if _, err := c.ListPermissions(ctx, ""); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.refuse = true
	f.mu.Unlock()
	f.expireAll()
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.ListAPIKeys(ctx, strings.Repeat("5", i+1))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !IsUnauthorized(err) || !strings.Contains(err.Error(), "invalid API key or secret for ") {
			t.Fatalf("err = %v", err)
		}
	}
	if _, err := c.Session(ctx); !IsUnauthorized(err) {
		t.Fatalf("Session err = %v", err)
	}
	if f.loginCount() != 2 {
		t.Fatalf("logins = %d, want 2", f.loginCount())
	}
}

// A 401 on a fresh token while another call with it is still under way waits for that call:
// its answer, sent before the token expired, proves the token was good, so the 401 is an
// expiry to log in again for, not bad credentials.
func TestUnauthorizedWaitsForCallsWithTheSameToken(t *testing.T) {
	f := newFake(t)
	c := f.client(t, nil)
	arrived := make(chan struct{})
	var first sync.Once
	f.setHook(func(w http.ResponseWriter, r *http.Request) bool {
		handled := false
		if r.URL.Path == "/permissions" {
			first.Do(func() {
				handled = true
				// Accepted, then every token expires before the answer is read.
				f.expireAll()
				close(arrived)
				time.Sleep(200 * time.Millisecond)
				writeJSON(w, http.StatusOK, []string{"readData"})
			})
		}
		return handled
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
	if f.loginCount() != 2 {
		t.Fatalf("logins = %d, want 2", f.loginCount())
	}
}
