package pulseapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestListAPIKeysPagination(t *testing.T) {
	tests := []struct {
		mode      string
		keys      int
		want      int
		wantPages int
	}{
		{"wrapper:data", 250, 250, 3},
		{"wrapper:items", 100, 100, 1},
		{"wrapper:apiKeys", 0, 0, 1},
		{"wrapper:keys", 201, 201, 3},
		{"wrapper:results", 99, 99, 1},
		{"bare-paged", 250, 250, 3},
		{"bare-paged", 200, 200, 3}, // a full last page: the next, empty one ends it
		{"bare", 150, 150, 2},       // paging ignored: page 2 repeats page 1 and ends it
		{"bare", 40, 40, 1},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			f := newFake(t)
			f.keyMode = tt.mode
			f.addKeys(tt.keys)
			c := f.client(t, nil)
			keys, err := c.ListAPIKeys(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != tt.want {
				t.Fatalf("keys = %d, want %d", len(keys), tt.want)
			}
			if tt.want > 0 && (keys[0].AccountID != primaryID || keys[tt.want-1].ID != int64(100+tt.want)) {
				t.Errorf("first %+v last %+v", keys[0], keys[tt.want-1])
			}
			var pages []string
			for _, r := range f.requests() {
				if r.URL.Path == "/apikeys" {
					pages = append(pages, r.URL.RawQuery)
				}
			}
			if len(pages) != tt.wantPages || pages[0] != "page=1&limit=100" {
				t.Errorf("requests = %v, want %d pages", pages, tt.wantPages)
			}
		})
	}
}

func TestListAccountsPagination(t *testing.T) {
	f := newFake(t)
	c := f.client(t, nil)
	all, err := c.ListAccounts(context.Background(), AccountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 230 || all[229].AccountName != "Account 229" || all[0].AccountID != "1000000" {
		t.Fatalf("accounts = %d", len(all))
	}
	if n := f.count("GET /accounts"); n != 3 {
		t.Fatalf("requests = %d, want 3", n)
	}
	filtered, err := c.ListAccounts(context.Background(), AccountFilter{Name: "Account 01", Repcode: "7"})
	if err != nil {
		t.Fatal(err)
	}
	if len(filtered) != 10 {
		t.Fatalf("filtered = %d, want 10", len(filtered))
	}
	reqs := f.requests()
	last := reqs[len(reqs)-1].URL.Query()
	if last.Get("name") != "Account 01" || last.Get("repcode") != "7" || last.Get("pageSize") != "100" || last.Get("page") != "1" {
		t.Fatalf("query = %v", last)
	}
	if reqs[len(reqs)-1].Header.Get("X-Account-ID") != "" {
		t.Error("GET /accounts sent an X-Account-ID")
	}
}

func TestListPermissionsCached(t *testing.T) {
	f := newFake(t)
	f.loginDelay = 10 * time.Millisecond
	c := f.client(t, nil)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			perms, err := c.ListPermissions(context.Background(), "")
			if err != nil || len(perms) != 2 || perms[1].Name != "writeApiKeys" {
				t.Errorf("perms = %+v, %v", perms, err)
			}
		}()
	}
	wg.Wait()
	if _, err := c.ListPermissions(context.Background(), primaryID); err != nil { // the same account, named
		t.Fatal(err)
	}
	if n := f.count("GET /permissions"); n != 1 {
		t.Fatalf("requests = %d, want 1", n)
	}
	if _, err := c.ListPermissions(context.Background(), secondID); err != nil {
		t.Fatal(err)
	}
	if n := f.count("GET /permissions"); n != 2 {
		t.Fatalf("requests = %d, want 2", n)
	}
}

func TestListingCache(t *testing.T) {
	f := newFake(t)
	f.addKeys(150)
	f.loginDelay = 10 * time.Millisecond
	c := f.client(t, nil)
	ctx := context.Background()
	listings := func() int { return f.count("GET /apikeys") }

	// Concurrent readers share one listing (two pages).
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				keys, err := c.ListAPIKeys(ctx, "")
				if err != nil || len(keys) != 150 {
					t.Errorf("list: %d, %v", len(keys), err)
				}
				return
			}
			k, err := c.GetAPIKey(ctx, "", 101+int64(i))
			if err != nil || k.ID != 101+int64(i) {
				t.Errorf("get: %+v, %v", k, err)
			}
		}()
	}
	wg.Wait()
	if n := listings(); n != 2 {
		t.Fatalf("page requests = %d, want 2 (one listing)", n)
	}

	// Copies: a caller cannot change the cache.
	keys, _ := c.ListAPIKeys(ctx, "")
	keys[0].Description = "mutated"
	keys[0].Permissions[0] = "mutated"
	k, _ := c.GetAPIKey(ctx, "", keys[0].ID)
	if k.Description == "mutated" || k.Permissions[0] == "mutated" {
		t.Fatal("the cache was mutated through a returned value")
	}

	// Not found, from the listing.
	_, err := c.GetAPIKey(ctx, "", 99999)
	if !IsNotFound(err) || !errors.Is(err, ErrKeyNotFound) || !strings.Contains(err.Error(), "request id ") {
		t.Fatalf("missing key: %v", err)
	}
	if n := listings(); n != 2 {
		t.Fatalf("page requests = %d, want still 2", n)
	}

	// A write invalidates: the next read is fresh and sees it.
	created, err := c.CreateAPIKey(ctx, "", APIKeyInput{Description: "new", Permissions: []string{"readData"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetAPIKey(ctx, "", created.ID)
	if err != nil || got.Description != "new" || got.Secret != "" {
		t.Fatalf("after create: %+v, %v", got, err)
	}
	if n := listings(); n != 4 {
		t.Fatalf("page requests = %d, want 4", n)
	}
	if err := c.UpdateAPIKey(ctx, "", created.ID, APIKeyInput{Description: "renamed", Permissions: []string{"readData"}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetAPIKey(ctx, "", created.ID); got.Description != "renamed" {
		t.Fatalf("after update: %+v", got)
	}
	if err := c.DeleteAPIKey(ctx, "", created.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetAPIKey(ctx, "", created.ID); !IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
	// Another account's cache is separate; a write there leaves this one alone.
	before := listings()
	if _, err := c.ListAPIKeys(ctx, secondID); err != nil {
		t.Fatal(err)
	}
	_ = c.DeleteAPIKey(ctx, secondID, 1)
	if _, err := c.ListAPIKeys(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if n := listings(); n != before+2 {
		t.Fatalf("page requests = %d, want %d", n, before+2)
	}
}

// A listing that started before a write must not be stored after it.
func TestListingStartedBeforeWriteIsNotStored(t *testing.T) {
	f := newFake(t)
	f.addKeys(3)
	c := f.client(t, nil)
	ctx := context.Background()
	if _, err := c.Session(ctx); err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.setHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && r.URL.Path == "/apikeys" {
			held := false
			once.Do(func() { held = true })
			if held {
				// Answer with the listing as it is now, but only after the write.
				f.mu.Lock()
				snapshot, _ := json.Marshal(map[string]any{"data": f.keys, "total": len(f.keys), "pageCount": 1})
				f.mu.Unlock()
				close(entered)
				<-release
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(snapshot)
				return true
			}
		}
		return false
	})
	listed := make(chan []APIKey, 1)
	go func() { keys, _ := c.ListAPIKeys(ctx, ""); listed <- keys }()
	<-entered
	if err := c.DeleteAPIKey(ctx, "", 101); err != nil {
		t.Fatal(err)
	}
	// A read that starts after the write does not join the stale listing.
	fresh, err := c.ListAPIKeys(ctx, "")
	if err != nil || len(fresh) != 2 {
		t.Fatalf("fresh listing = %d keys, %v", len(fresh), err)
	}
	close(release)
	if stale := <-listed; len(stale) != 3 {
		t.Fatalf("stale listing = %d keys", len(stale))
	}
	if _, err := c.GetAPIKey(ctx, "", 101); !IsNotFound(err) {
		t.Fatalf("deleted key served from a stale listing: %v", err)
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestHeaders(t *testing.T) {
	f := newFake(t)
	f.addKeys(1)
	c := f.client(t, func(c *Config) { c.AccountID = secondID })
	ctx := context.Background()
	var once sync.Once
	f.setHook(func(w http.ResponseWriter, r *http.Request) bool {
		failed := false
		if r.URL.Path == "/permissions" {
			once.Do(func() {
				failed = true
				writeJSON(w, http.StatusBadGateway, map[string]any{"error": "Bad gateway"})
			})
		}
		return failed
	})
	if _, err := c.ListPermissions(ctx, ""); err != nil { // one retry
		t.Fatal(err)
	}
	if _, err := c.ListPermissions(ctx, primaryID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListAccounts(ctx, AccountFilter{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAPIKey(ctx, "", APIKeyInput{Description: "d"}); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 8 { // login, 2 attempts, 1, 3 pages of accounts, create
		t.Fatalf("requests = %d", len(reqs))
	}
	login, retry1, retry2, named, accounts, create := reqs[0], reqs[1], reqs[2], reqs[3], reqs[4], reqs[7]
	for _, r := range reqs {
		if r.Header.Get("User-Agent") != "terraform-provider-pulse/test" || r.Header.Get("Accept") != "application/json" ||
			r.Header.Get("Content-Type") != "application/json" || !uuidRE.MatchString(r.Header.Get("x-pulse-id")) {
			t.Errorf("%s %s headers %v", r.Method, r.URL, r.Header)
		}
	}
	if login.Header.Get("Authorization") != "" || login.Header.Get("X-Account-ID") != "" {
		t.Errorf("login headers %v", login.Header)
	}
	var body map[string]string
	_ = json.NewDecoder(login.Body).Decode(&body)
	if body["apiKey"] != testKey || body["apiSecret"] != testSecret || len(body) != 2 {
		t.Errorf("login body %v", body)
	}
	if retry1.Header.Get("x-pulse-id") != retry2.Header.Get("x-pulse-id") {
		t.Error("a retry changed the x-pulse-id")
	}
	ids := map[string]bool{}
	for _, r := range []*http.Request{login, retry1, named, accounts, create} {
		ids[r.Header.Get("x-pulse-id")] = true
	}
	if len(ids) != 5 {
		t.Error("x-pulse-id reused across calls")
	}
	if !strings.HasPrefix(retry1.Header.Get("Authorization"), "Bearer ") || retry1.Header.Get("X-Account-ID") != secondID ||
		named.Header.Get("X-Account-ID") != primaryID || create.Header.Get("X-Account-ID") != secondID {
		t.Errorf("auth/account headers: %v / %v / %v", retry1.Header, named.Header, create.Header)
	}
	raw, _ := io.ReadAll(create.Body)
	if string(raw) != `{"description":"d","flatPermissionsList":[],"expiresAt":null}` {
		t.Errorf("create body %s", raw)
	}

	// No configured account and none given: no X-Account-ID at all.
	f2 := newFake(t)
	c2 := f2.client(t, nil)
	if _, err := c2.ListPermissions(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if h := f2.requests()[1].Header; h.Get("X-Account-ID") != "" {
		t.Errorf("X-Account-ID sent: %v", h)
	}
	// The request id is the one in errors.
	err := c2.DeleteAPIKey(ctx, "", 5)
	last := f2.requests()[len(f2.requests())-1]
	if !strings.Contains(err.Error(), "request id "+last.Header.Get("x-pulse-id")) {
		t.Errorf("error %v lacks request id %s", err, last.Header.Get("x-pulse-id"))
	}
	// An invalid account id is refused before any request.
	if _, err := c2.ListAPIKeys(ctx, "12; drop"); err == nil {
		t.Error("non-digit account id accepted")
	}
}

func TestCreateAPIKeyBody(t *testing.T) {
	f := newFake(t)
	c := f.client(t, nil)
	exp := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("x", 3600))
	k, err := c.CreateAPIKey(context.Background(), secondID, APIKeyInput{Description: "ci", Permissions: []string{"readData", "writeData"}, ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	if k.Secret == "" || k.AccountID != secondID || k.ExpiresAt == nil || !k.ExpiresAt.Equal(exp) || len(k.Permissions) != 2 {
		t.Fatalf("created = %+v", k)
	}
	reqs := f.requests()
	raw, _ := io.ReadAll(reqs[len(reqs)-1].Body)
	if string(raw) != `{"description":"ci","flatPermissionsList":["readData","writeData"],"expiresAt":"2026-03-01T11:00:00Z"}` {
		t.Errorf("body %s", raw)
	}
}

// The api secret, password, token and created secrets never appear in errors or logs.
func TestSecretsNeverLeak(t *testing.T) {
	for _, method := range []string{"api_key", "password"} {
		t.Run(method, func(t *testing.T) {
			f := newFake(t)
			logger := &captureLogger{}
			c := f.client(t, func(c *Config) {
				c.Logger = logger
				if method == "password" {
					c.APIKey, c.APISecret, c.Email, c.Password = "", "", testEmail, testPassword
				}
			})
			ctx := context.Background()
			var errs []string
			created, err := c.CreateAPIKey(ctx, "", APIKeyInput{Description: "d"})
			if err != nil {
				t.Fatal(err)
			}
			// A server that echoes everything back in its errors, with retries on the way.
			f.mu.Lock()
			token := f.issued[0]
			f.mu.Unlock()
			echo := "secret " + testSecret + " password " + testPassword + " token " + token + " created " + created.Secret
			f.setHook(func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/permissions" {
					writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": echo, "message": echo, "dev_err_msg": echo})
					return true
				}
				if r.URL.Path == "/accounts" {
					w.WriteHeader(http.StatusBadGateway)
					// Padded so that the error's 200-character excerpt ends inside a secret.
					_, _ = w.Write([]byte("<html>" + strings.Repeat("x", 180) + echo + "</html>"))
					return true
				}
				return false
			})
			_, err = c.ListPermissions(ctx, "")
			errs = append(errs, err.Error())
			_, err = c.ListAccounts(ctx, AccountFilter{})
			errs = append(errs, err.Error())

			// A refused login.
			bad := f.client(t, func(c *Config) {
				c.Logger = logger
				if method == "password" {
					c.APIKey, c.APISecret, c.Email, c.Password = "", "", testEmail, testPassword+"x"
				} else {
					c.APISecret = testSecret + "x"
				}
			})
			_, err = bad.Session(ctx)
			errs = append(errs, err.Error())

			all := strings.Join(errs, "\n") + "\n" + logger.text()
			own := testSecret // the secret this client was configured with
			if method == "password" {
				own = testPassword
			}
			for _, secret := range []string{own, own + "x", token, created.Secret} {
				// A leading part is a leak too: an excerpt cut inside a secret must not show it.
				if strings.Contains(all, secret[:10]) {
					t.Errorf("%q leaked:\n%s", secret, all)
				}
			}
			// The logs do say what happened.
			for _, want := range []string{"Pulse API response", "retrying", "request_id", "duration_ms", "status:503", "wait:"} {
				if !strings.Contains(logger.text(), want) {
					t.Errorf("logs lack %q:\n%s", want, logger.text())
				}
			}
		})
	}
}

// Every log line, retryablehttp's own included, is logged with the context of its call, so
// that the provider's tflog masks apply.
func TestLogsCarryCallContext(t *testing.T) {
	f := newFake(t)
	logger := &captureLogger{}
	c := f.client(t, func(c *Config) {
		c.Logger = logger
		c.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	})
	var hits atomic.Int32
	failing(f, http.MethodGet, "/permissions", 0, 1, &hits) // a dropped connection, then success
	ctx := context.WithValue(context.Background(), ctxKey{}, "call-ctx")
	if _, err := c.ListPermissions(ctx, ""); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(logger.text(), "\n")
	var sawLibrary, sawFailure bool
	for _, line := range lines {
		if !strings.HasPrefix(line, "[call-ctx] ") {
			t.Errorf("line without the call's context: %s", line)
		}
		sawLibrary = sawLibrary || strings.Contains(line, "retryablehttp: ")
		sawFailure = sawFailure || (strings.Contains(line, "WARN retryablehttp: request failed") && strings.Contains(line, "duration_ms"))
	}
	if !sawLibrary || !sawFailure {
		t.Errorf("logs:\n%s", logger.text())
	}
}
