package pulseapi

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// What every request carries: the request id (kept across retries, new for each call), the
// user agent, JSON content types, the session token (not on the login), and the account
// header when an account is configured or named. Failure messages name headers, never the
// token.
func TestHeaders(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, func(c *Config) { c.AccountID = secondID })
	ctx := context.Background()
	var once sync.Once
	seen := a.record(func(w http.ResponseWriter, r *http.Request) bool {
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
	if _, err := c.CreateAPIKey(ctx, "", APIKeyInput{Description: "d", Permissions: []string{"readData"}}); err != nil {
		t.Fatal(err)
	}
	reqs := seen.all()
	// login, 2 attempts, 1, the admin's one page of accounts, the listing a first create takes
	// (to tell a lost answer's key from those already there), create
	if len(reqs) != 7 {
		t.Fatalf("requests = %d", len(reqs))
	}
	login, retry1, retry2, named, accounts, listing, create := reqs[0], reqs[1], reqs[2], reqs[3], reqs[4], reqs[5], reqs[6]
	for _, r := range reqs {
		h := r.header
		if h.Get("User-Agent") != "terraform-provider-pulse/test" || h.Get("Accept") != "application/json" ||
			h.Get("Content-Type") != "application/json" || !uuidRE.MatchString(h.Get("x-pulse-id")) {
			t.Errorf("%s %s: User-Agent %q, Accept %q, Content-Type %q, x-pulse-id %q", r.method, r.path,
				h.Get("User-Agent"), h.Get("Accept"), h.Get("Content-Type"), h.Get("x-pulse-id"))
		}
	}
	if login.header.Get("Authorization") != "" || login.header.Get("X-Account-ID") != "" {
		t.Errorf("the login sent an Authorization (%v) or an X-Account-ID (%q)",
			login.header.Get("Authorization") != "", login.header.Get("X-Account-ID"))
	}
	var body map[string]string
	_ = json.Unmarshal(login.body, &body)
	if body["apiKey"] != emulator.BootstrapAPIKey || body["apiSecret"] != emulator.BootstrapAPISecret || len(body) != 2 {
		t.Errorf("login body has fields %v, want the configured apiKey and apiSecret", slices.Sorted(maps.Keys(body)))
	}
	if retry1.header.Get("x-pulse-id") != retry2.header.Get("x-pulse-id") {
		t.Error("a retry changed the x-pulse-id")
	}
	ids := map[string]bool{}
	for _, r := range []recorded{login, retry1, named, accounts, listing, create} {
		ids[r.header.Get("x-pulse-id")] = true
	}
	if len(ids) != 6 {
		t.Error("x-pulse-id reused across calls")
	}
	if !strings.HasPrefix(retry1.header.Get("Authorization"), "Bearer ") {
		t.Error("no Bearer token on a call")
	}
	if retry1.header.Get("X-Account-ID") != secondID || named.header.Get("X-Account-ID") != primaryID ||
		create.header.Get("X-Account-ID") != secondID || listing.header.Get("X-Account-ID") != secondID ||
		accounts.header.Get("X-Account-ID") != "" {
		t.Errorf("X-Account-ID: configured %q, named %q, create %q, accounts %q", retry1.header.Get("X-Account-ID"),
			named.header.Get("X-Account-ID"), create.header.Get("X-Account-ID"), accounts.header.Get("X-Account-ID"))
	}

	// No configured account and none given: no X-Account-ID at all.
	a2 := newTestAPI(t)
	c2 := a2.client(t, nil)
	seen2 := a2.record(nil)
	if _, err := c2.ListPermissions(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if h := seen2.all()[1].header; h.Get("X-Account-ID") != "" {
		t.Errorf("X-Account-ID sent: %q", h.Get("X-Account-ID"))
	}
	// The request id is the one in errors (a "not found" DELETE is then confirmed by a listing).
	err := c2.DeleteAPIKey(ctx, "", 5)
	reqs2 := seen2.all()
	var deleted recorded
	for _, r := range reqs2 {
		if r.method == http.MethodDelete {
			deleted = r
		}
	}
	if err == nil || !strings.Contains(err.Error(), "request id "+deleted.header.Get("x-pulse-id")) {
		t.Errorf("error %v lacks request id %s", err, deleted.header.Get("x-pulse-id"))
	}
	// An invalid account id is refused before any request.
	if _, err := c2.ListAPIKeys(ctx, "12; drop"); err == nil || len(seen2.all()) != len(reqs2) {
		t.Errorf("non-digit account id: %v, %d requests", err, len(seen2.all())-len(reqs2))
	}
}

// The create body: permissions as sent, an expiry in UTC, and an empty list (not null) for no
// permissions, which the emulator refuses as the API does.
func TestCreateAPIKeyBody(t *testing.T) {
	// The emulator's clock stands before the expiry, whenever the test runs.
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	a := newTestAPI(t, func(o *emulator.Options) { o.Now = func() time.Time { return now } })
	c := a.client(t, nil)
	seen := a.record(nil)
	exp := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("x", 3600))
	k, err := c.CreateAPIKey(context.Background(), secondID, APIKeyInput{Description: "ci", Permissions: []string{"readData", "writeData"}, ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	if k.Secret == "" || k.AccountID != secondID || k.ExpiresAt == nil || !k.ExpiresAt.Equal(exp) || len(k.Permissions) != 2 {
		t.Fatalf("created = %+v", k)
	}
	if c.Secrets().Redact(k.Secret) != "***" {
		t.Error("the created key's secret is not registered for redaction")
	}
	reqs := seen.all()
	if got := string(reqs[len(reqs)-1].body); got != `{"description":"ci","flatPermissionsList":["readData","writeData"],"expiresAt":"2026-03-01T11:00:00Z"}` {
		t.Errorf("body %s", got)
	}

	_, err = c.CreateAPIKey(context.Background(), secondID, APIKeyInput{Description: "d"})
	if err == nil || !strings.Contains(err.Error(), "400 Invalid permissions provided: at least one permission is required") {
		t.Fatalf("create without permissions: %v", err)
	}
	reqs = seen.all()
	if got := string(reqs[len(reqs)-1].body); got != `{"description":"d","flatPermissionsList":[],"expiresAt":null}` {
		t.Errorf("body %s", got)
	}
}
