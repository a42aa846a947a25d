package pulseapi

// A hostile review of the rebuilt client: each test shows one defect the review found.

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// loseNextCreate makes the next POST /apikeys create its key and answer 502, as a gateway
// that timed out while Pulse went on does. It returns a func that reports the key's id.
func loseNextCreate(a *testAPI, in APIKeyInput) func() int64 {
	var orphan atomic.Int64
	var done atomic.Bool
	a.intercept("POST /apikeys", func(w http.ResponseWriter, _ *http.Request) bool {
		if done.Swap(true) {
			return false
		}
		id, _, _ := a.AddAPIKey(primaryID, emulator.AdminEmail, in.Permissions, in.Description)
		orphan.Store(id)
		w.WriteHeader(http.StatusBadGateway)
		return true
	})
	return orphan.Load
}

// A lost create named as orphans the keys this very client had just created with the same
// description (count = 3 of one resource): the user was told that nobody holds their secrets
// and to delete them, though they are in the state of the sibling resources.
func TestReview_LostCreateSparesKeysThisClientMade(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, nil)
	ctx := context.Background()
	in := APIKeyInput{Description: "ci deployer", Permissions: []string{"readData"}}
	sibling, err := c.CreateAPIKey(ctx, "", in)
	if err != nil {
		t.Fatal(err)
	}
	orphan := loseNextCreate(a, in)
	_, err = c.CreateAPIKey(ctx, "", in)
	var lost *CreateError
	if !errors.As(err, &lost) {
		t.Fatalf("error = %v, want a CreateError", err)
	}
	for _, k := range lost.Orphans {
		if k.ID == sibling.ID {
			t.Errorf("key %d, created (with its secret) by this client, is named an orphan", sibling.ID)
		}
	}
	if len(lost.Orphans) != 1 || lost.Orphans[0].ID != orphan() {
		t.Errorf("orphans = %d keys, want only key %d", len(lost.Orphans), orphan())
	}
}

// With no listing made before it (the usual case: the apply's first write), a lost create
// took every recent key with the same description for its own: another configuration's key,
// made a minute earlier, was named an orphan to delete.
func TestReview_LostCreateWithoutEarlierListing(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, nil)
	in := APIKeyInput{Description: "ci deployer", Permissions: []string{"readData"}}
	other, _, _ := a.AddAPIKey(primaryID, emulator.AdminEmail, in.Permissions, in.Description)
	orphan := loseNextCreate(a, in)
	_, err := c.CreateAPIKey(context.Background(), "", in)
	var lost *CreateError
	if !errors.As(err, &lost) {
		t.Fatalf("error = %v, want a CreateError", err)
	}
	if len(lost.Orphans) != 1 || lost.Orphans[0].ID != orphan() {
		ids := []int64{}
		for _, k := range lost.Orphans {
			ids = append(ids, k.ID)
		}
		t.Errorf("orphans = %v, want only key %d (not %d, another's, made before the request)", ids, orphan(), other)
	}
}

// A configured account the credentials cannot reach is a final answer, yet a GET naming an
// account went through the retry policy as a connection error: MaxRetries backoffs (half a
// minute with the defaults) before every such call failed.
func TestReview_UnavailableAccountIsNotRetried(t *testing.T) {
	a := newTestAPI(t)
	log := &captureLogger{}
	c := a.client(t, func(cfg *Config) { cfg.AccountID = globexID; cfg.Logger = log })
	_, err := c.ListAPIKeys(context.Background(), primaryID)
	var acc *AccountError
	if !errors.As(err, &acc) {
		t.Fatalf("error = %v, want an AccountError", err)
	}
	if strings.Contains(log.text(), "retrying") {
		t.Errorf("the call was retried after the account was found unavailable:\n%s", log.text())
	}
}

// PATCH and DELETE are documented to answer {"success": true}, and checkSuccess says it
// accepts any body but {"success": false}; yet an empty 204 or 200 (a proxy, another build)
// failed a delete or an update that Pulse had done.
func TestReview_EmptyAnswerToAWriteIsSuccess(t *testing.T) {
	for _, status := range []int{http.StatusNoContent, http.StatusOK} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			a := newTestAPI(t)
			c := a.client(t, nil)
			id, _, _ := a.AddAPIKey(primaryID, emulator.AdminEmail, []string{"readData"}, "kept")
			a.FailNext("PATCH /apikeys/{id}", 1, emulator.Fault{Status: status, EmptyBody: true})
			a.FailNext("DELETE /apikeys/{id}", 1, emulator.Fault{Status: status, EmptyBody: true})
			in := APIKeyInput{Description: "kept", Permissions: []string{"readData"}}
			if err := c.UpdateAPIKey(context.Background(), "", id, in); err != nil {
				t.Errorf("UpdateAPIKey = %v, want success", err)
			}
			if err := c.DeleteAPIKey(context.Background(), "", id); err != nil {
				t.Errorf("DeleteAPIKey = %v, want success", err)
			}
		})
	}
}

// The forms a secret takes outside Go: JavaScript's encodeURIComponent (which leaves !'()*
// as they are), lower-case percent escapes, and the HTML entities of common escapers (&quot;
// &#x27; &apos;). A password with such characters showed through in each.
func TestReview_SecretInForeignEncodings(t *testing.T) {
	const password = `Pa$$w0rd!"quoted'(x)*`
	for name, form := range map[string]string{
		"encodeURIComponent": `Pa%24%24w0rd!%22quoted'(x)*`,
		"lower-case escapes": `Pa%24%24w0rd%21%22quoted%27%28x%29%2a`,
		"escape-html":        `Pa$$w0rd!&quot;quoted&#39;(x)*`,
		"hex entities":       `Pa$$w0rd!&#x22;quoted&#x27;(x)*`,
		"named entities":     `Pa$$w0rd!&quot;quoted&apos;(x)*`,
	} {
		t.Run(name, func(t *testing.T) {
			a := newTestAPI(t)
			c := a.client(t, func(cfg *Config) { passwordLogin(cfg); cfg.Password = password })
			a.script("POST /auth/login", 1, http.StatusUnauthorized, nil,
				`{"error": "Invalid email or password", "message": "see /login?password=`+form+`"}`)
			_, err := c.Session(context.Background())
			if err == nil {
				t.Fatal("the login succeeded")
			}
			if strings.Contains(err.Error(), "w0rd") {
				t.Errorf("the error shows the password in the %s form", name)
			}
		})
	}
}

// The time a call waits in the client-side queue is part of the MaxRetryWait it may wait in
// all, yet it was not counted: a call that queued for most of its budget still waited out a
// Retry-After as long as the whole budget.
func TestReview_QueueTimeCountsTowardsMaxRetryWait(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, func(cfg *Config) { cfg.RequestsPerSecond = 0.2; cfg.MaxRetryWait = 6 * time.Second })
	if _, err := c.Session(context.Background()); err != nil { // spends the bucket: the next call queues ~5 s
		t.Fatal(err)
	}
	a.script("GET /permissions", 1, http.StatusTooManyRequests, map[string]string{"Retry-After": "3"}, `{}`)
	_, err := c.ListPermissions(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "the server asked to wait 3s") {
		t.Errorf("error = %v, want the 3 s asked for refused: about 1 s of the budget was left after the queue", err)
	}
	if n := a.Count("GET /permissions"); n != 1 {
		t.Errorf("GET /permissions sent %d times, want 1", n)
	}
}

// A wrapper whose counts contradict its own first page (a pageCount or total of 0 beside a
// page of keys) was trusted as complete and checked: the keys on later pages were judged gone
// on the word of one listing, and Read would drop them from state.
func TestReview_CountsThatContradictThePage(t *testing.T) {
	for _, counts := range []string{`"pageCount": 0`, `"total": 0`, `"total": 0, "pageCount": 0`} {
		t.Run(counts, func(t *testing.T) {
			a := newTestAPI(t)
			c := a.client(t, nil)
			key := func(id int) string {
				return `{"id": ` + strconv.Itoa(id) + `, "description": "d", "apiKey": "apiKey-` + strconv.Itoa(id) +
					`", "permissions": ["readData"], "createdAt": "2025-02-11T03:45:04.853Z"}`
			}
			pages := map[string]string{"1": key(1) + ", " + key(2), "2": key(3)} // a server that caps pages at 2
			a.intercept("GET /apikeys", func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"data": [` + pages[r.URL.Query().Get("page")] + `], ` + counts + `}`))
				return true
			})
			if _, err := c.GetAPIKey(context.Background(), "", 3); err != nil {
				t.Errorf("GetAPIKey(3) = %v: a key on page 2 was taken for gone", err)
			}
		})
	}
}

// Defect 5's test derives the forms it plants from encodings, the code under test, so it
// passes whatever forms encodings loses (with only the raw form, too). These are written by
// hand: Go's and JavaScript's JSON escaping, a query escape, and HTML escaping of oddSecret.
func TestDefect05_FormsWrittenByHand(t *testing.T) {
	for _, form := range []string{
		`s3cr\"et\\with\u003ctag\u003e\u0026amp;\ttab-ü-😀-0123456789`,
		`s3cr\"et\\with<tag>&amp;\ttab-ü-😀-0123456789`,
		`s3cr%22et%5Cwith%3Ctag%3E%26amp%3B%09tab-%C3%BC-%F0%9F%98%80-0123456789`,
		"s3cr&#34;et\\with&lt;tag&gt;&amp;amp;\ttab-ü-😀-0123456789",
	} {
		code, msg, dev := parseErrorBody(401, []byte(`{"detail": {"echo": "got `+form+`"}}`), NewSecrets(oddSecret).Redact)
		if text := code + msg + dev; strings.Contains(text, "0123456789") || strings.Contains(text, "s3cr") {
			t.Errorf("a form of the secret shows: %s", text)
		}
	}
}
