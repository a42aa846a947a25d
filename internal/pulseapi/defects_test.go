package pulseapi

// Regression tests for the sixteen defects of the client-core issue, one (or a few) named for
// each: 1 to 8 here, 9 to 16 in defects_keys_test.go (13's are TestDefect13_* beside the code
// they cover). Each fails against the client before the rebuild.

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// Defect 1: a huge Retry-After overflowed the conversion to a duration and crashed the
// provider (rand.N panicked), or wrapped to a wait of 0. Any Retry-After gives a sane wait;
// one longer than the call may still wait fails the call at once, saying how long was asked.
func TestDefect01_HugeRetryAfter(t *testing.T) {
	far := time.Now().Add(200 * 365 * 24 * time.Hour).UTC().Format(http.TimeFormat)
	for _, value := range []string{"10000000000", "9000000000", "99999999999999999999999", far, "600"} {
		t.Run(value, func(t *testing.T) {
			a := newTestAPI(t)
			c := a.client(t, func(cfg *Config) { cfg.MaxRetryWait = 5 * time.Minute })
			a.script("GET /permissions", 1, http.StatusTooManyRequests, map[string]string{"Retry-After": value},
				`{"error":"Too many requests"}`)
			start := time.Now()
			_, err := c.ListPermissions(context.Background(), "")
			if err == nil || !strings.Contains(err.Error(), "the server asked to wait") ||
				!strings.Contains(err.Error(), "max_retry_wait") || !statusIs(err, http.StatusTooManyRequests) {
				t.Fatalf("error = %v, want a 429 that says how long the server asked to wait", err)
			}
			if value == "600" && !strings.Contains(err.Error(), "10m0s") {
				t.Errorf("error = %v, want the 10m0s asked for", err)
			}
			if n := a.Count("GET /permissions"); n != 1 {
				t.Errorf("GET /permissions sent %d times, want 1 (no retry)", n)
			}
			if time.Since(start) > 3*time.Second {
				t.Errorf("the call waited before failing")
			}
		})
	}
}

// Defect 1 (the other half): a Retry-After that is negative, garbage, zero or in the past
// never makes a wait of 0 or a panic; it is retried after the backoff.
func TestDefect01_OddRetryAfterIsRetried(t *testing.T) {
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	for _, value := range []string{"-5", "soon", "0", past, "1.5", ""} {
		t.Run(value, func(t *testing.T) {
			a := newTestAPI(t)
			c := a.client(t, nil)
			a.script("GET /permissions", 2, http.StatusTooManyRequests, map[string]string{"Retry-After": value}, `{}`)
			if _, err := c.ListPermissions(context.Background(), ""); err != nil {
				t.Fatalf("ListPermissions: %v", err)
			}
			if n := a.Count("GET /permissions"); n != 3 {
				t.Errorf("GET /permissions sent %d times, want 3", n)
			}
		})
	}
	// The wait itself: never zero, never past the budget.
	c := newTestAPI(t).client(t, func(cfg *Config) {
		cfg.MaxRetryWait, cfg.RetryWaitMin, cfg.RetryWaitMax = time.Minute, 100*time.Millisecond, time.Second
	})
	for _, value := range []string{"0", past, "-1", "soon"} {
		cl := &call{c: c, ctx: context.Background()}
		wait := cl.backoff(c.cfg.RetryWaitMin, c.cfg.RetryWaitMax, 0, throttled(value))
		if wait < 50*time.Millisecond || wait > time.Minute {
			t.Errorf("Retry-After %q: wait %s, want at least half of RetryWaitMin and at most the budget", value, wait)
		}
	}
}

func throttled(retryAfter string) *http.Response {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return &http.Response{StatusCode: http.StatusTooManyRequests, Header: h}
}

// Defect 2: jitter was added before the clamp to the maximum wait, so every request throttled
// with Retry-After >= 30s waited exactly 30s. The wait is now at least what was asked, spread
// over up to half as long again.
func TestDefect02_JitterSurvivesTheClamp(t *testing.T) {
	c := newTestAPI(t).client(t, func(cfg *Config) { cfg.MaxRetryWait = 5 * time.Minute; cfg.RetryWaitMax = 30 * time.Second })
	seen := map[time.Duration]bool{}
	for range 50 {
		cl := &call{c: c, ctx: context.Background()}
		wait := cl.backoff(c.cfg.RetryWaitMin, c.cfg.RetryWaitMax, 0, throttled("40"))
		if wait < 40*time.Second || wait > 60*time.Second {
			t.Fatalf("wait %s, want within [40s, 60s]", wait)
		}
		seen[wait] = true
	}
	if len(seen) < 10 {
		t.Errorf("only %d distinct waits in 50: the jitter was clamped away", len(seen))
	}
}

// Defect 3: a key deleted by someone else between page 1 and page 2 shifted the rest, so one
// live key was never seen, and Read dropped it from state. The listing is checked against the
// server's counts and read again.
func TestDefect03_KeyDeletedMidListing(t *testing.T) {
	a := newTestAPI(t)
	ids := a.seedKeys(t, primaryID, 250)
	c := a.client(t, nil)
	shifted := ids[99] // the first key of page 2 once a page-1 key is gone (the bootstrap key is page 1's first)
	var once sync.Once
	a.intercept("GET /apikeys", func(_ http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("page") == "2" {
			once.Do(func() { a.DeleteAPIKey(primaryID, ids[10]) })
		}
		return false
	})
	k, err := c.GetAPIKey(context.Background(), "", shifted)
	if err != nil {
		t.Fatalf("GetAPIKey(%d) = %v: a live key was taken for gone", shifted, err)
	}
	if k.ID != shifted {
		t.Errorf("got key %d", k.ID)
	}
	keys, err := c.ListAPIKeys(context.Background(), "")
	if err != nil || len(keys) != 250 {
		t.Errorf("ListAPIKeys = %d keys, %v; want 250", len(keys), err)
	}
}

// Defect 3: a key missing from a listing that began before the read is looked for in one that
// began after it.
func TestDefect03_OldListingDoesNotMakeAKeyGone(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, nil)
	if _, err := c.ListAPIKeys(context.Background(), ""); err != nil { // cached, without the key below
		t.Fatal(err)
	}
	id, _, _ := a.AddAPIKey(primaryID, emulator.AdminEmail, []string{"readData"}, "made elsewhere")
	if _, err := c.GetAPIKey(context.Background(), "", id); err != nil {
		t.Fatalf("GetAPIKey = %v: a key missing from an older listing was taken for gone", err)
	}
}

// Defect 3: a listing that keeps changing is an error, never a short list.
func TestDefect03_ListingThatNeverSettlesIsAnError(t *testing.T) {
	a := newTestAPI(t)
	ids := a.seedKeys(t, primaryID, 250)
	c := a.client(t, nil)
	var next atomic.Int64
	a.intercept("GET /apikeys", func(_ http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("page") == "2" {
			a.DeleteAPIKey(primaryID, ids[next.Add(1)])
		}
		return false
	})
	_, err := c.GetAPIKey(context.Background(), "", ids[200])
	if !errors.Is(err, ErrListingChanged) || errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("error = %v, want ErrListingChanged and not ErrKeyNotFound", err)
	}
}

// Defect 4: a bare-array build that caps pages below the size asked for was taken as finished
// after its first short page.
func TestDefect04_BareArrayPageCap(t *testing.T) {
	a := newTestAPI(t, func(o *emulator.Options) {
		o.Variants = emulator.Variants{KeyListBareArray: true, KeyListPaged: true, PageCap: 50}
	})
	ids := a.seedKeys(t, primaryID, 120)
	c := a.client(t, nil)
	keys, err := c.ListAPIKeys(context.Background(), "")
	if err != nil || len(keys) != 121 {
		t.Fatalf("ListAPIKeys = %d keys, %v; want 121", len(keys), err)
	}
	if _, err := c.GetAPIKey(context.Background(), "", ids[119]); err != nil {
		t.Errorf("GetAPIKey(last) = %v", err)
	}
	// A key gone from a list without counts is judged so by two listings that agree.
	a.DeleteAPIKey(primaryID, ids[0])
	a.ResetCounts()
	c = a.client(t, nil)
	if _, err := c.GetAPIKey(context.Background(), "", ids[0]); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("GetAPIKey(deleted) = %v, want ErrKeyNotFound", err)
	}
	if n := a.Count("GET /apikeys"); n != 2*4 {
		t.Errorf("GET /apikeys = %d, want two listings of 4 pages", n)
	}
}

// oddSecret holds every character that an encoding changes: a quote, a backslash, markup, an
// ampersand, a tab, a non-ASCII letter and an emoji.
const oddSecret = "s3cr\"et\\with<tag>&amp;\ttab-ü-😀-0123456789"

// Defect 5: redaction matched only the raw secret, so a body that echoed it JSON-escaped (or
// an "error" object re-encoded) showed it. Every form is redacted, in every error path.
func TestDefect05_SecretsInEscapedForms(t *testing.T) {
	forms := encodings(oddSecret)
	bodies := map[string]string{}
	for i, f := range forms {
		bodies["not the envelope, form "+strconv.Itoa(i)] = `{"detail": {"echo": "` + f + `"}}`
		bodies["error object, form "+strconv.Itoa(i)] = `{"error": {"apiSecret": "` + f + `"}, "message": "refused"}`
		bodies["message, form "+strconv.Itoa(i)] = `{"error": "Invalid API key or secret", "message": "got ` + f + `"}`
		bodies["html, form "+strconv.Itoa(i)] = `<html><body><p>secret ` + f + `</p></body></html>`
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			a := newTestAPI(t)
			c := a.client(t, func(cfg *Config) { cfg.APISecret = oddSecret })
			a.script("POST /auth/login", 1, http.StatusUnauthorized, nil, body)
			_, err := c.Session(context.Background())
			if err == nil {
				t.Fatal("the login succeeded")
			}
			for _, f := range forms {
				if strings.Contains(err.Error(), f) {
					t.Fatalf("the error shows the secret in the form %q: %v", f, err)
				}
			}
			for _, part := range []string{"s3cr", "0123456789", "with<tag>", "tab-ü"} {
				if strings.Contains(err.Error(), part) {
					t.Errorf("the error shows part of the secret (%q): %v", part, err)
				}
			}
		})
	}
}

// Defect 5, fuzzed: whatever the secret and wherever the body puts it, in whatever encoding,
// the parsed error holds none of its forms.
func FuzzDefect05_RedactedErrorBody(f *testing.F) {
	f.Add(oddSecret, `{"error": {"x": "%s"}}`, 0)
	f.Add("plain-secret-value", `{"message": "%s", "error": "e"}`, 1)
	f.Add("a<b>c&d\"e\\f\tg-long", `<p>%s</p>`, 2)
	f.Add("percent%20and+plus/slash?", `{"url": "https://x/?s=%s"}`, 4)
	f.Fuzz(func(t *testing.T, secret, template string, form int) {
		if len(secret) < minMaskLength || !strings.Contains(template, "%s") {
			return
		}
		forms := encodings(secret)
		body := strings.Replace(template, "%s", forms[abs(form)%len(forms)], 1)
		secrets := NewSecrets(secret)
		code, msg, dev := parseErrorBody(400, []byte(body), secrets.Redact)
		for _, text := range []string{code, msg, dev} {
			if strings.Contains(text, secret) {
				t.Fatalf("secret %q survives in %q (body %q)", secret, text, body)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Defect 6: call Y met a 429, its token expired during the wait; call X got a 401 and waited
// for Y; Y's retry got a 401 and ended before starting its re-login, and X judged its own 401
// final while Y logged in again. Every call that meets one expiry now shares one re-login.
func TestDefect06_CallsMeetingOneExpiryShareOneRelogin(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, func(cfg *Config) { cfg.RetryWaitMin, cfg.RetryWaitMax = 200*time.Millisecond, 200*time.Millisecond })
	ctx := context.Background()
	if _, err := c.Session(ctx); err != nil { // a token no request has used yet
		t.Fatal(err)
	}
	yThrottled := make(chan struct{})
	var once sync.Once
	a.intercept("GET /permissions", func(w http.ResponseWriter, _ *http.Request) bool {
		first := false
		once.Do(func() { first = true })
		if !first {
			return false
		}
		// Y is throttled; while it waits, every token expires.
		a.ExpireAllTokens()
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		close(yThrottled)
		return true
	})
	errs := make(chan error, 2)
	go func() { _, err := c.ListPermissions(ctx, ""); errs <- err }()
	<-yThrottled
	go func() { _, err := c.ListAPIKeys(ctx, ""); errs <- err }() // X: a 401 on a token never accepted
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a call that met the expiry failed: %v", err)
		}
	}
	if n := a.Logins(); n != 2 {
		t.Errorf("logins = %d, want 2 (one shared re-login)", n)
	}
}

// Defect 7: the rate limiter waited inside the per-attempt timeout, so a queue longer than
// request_timeout failed calls ("would exceed context deadline") instead of queuing them.
func TestDefect07_RateLimitQueuesInsteadOfFailing(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, func(cfg *Config) { cfg.RequestsPerSecond = 4; cfg.RequestTimeout = 500 * time.Millisecond })
	const calls = 8 // about 2 s of queue at 4 per second: four times the request timeout
	noErrors(t, concurrently(calls, func(int) error {
		_, err := c.ListAccounts(context.Background(), AccountFilter{})
		return err
	}))
}

// Defect 7: a queue longer than the whole time a call may wait fails at once, and says why.
func TestDefect07_QueueLongerThanTheBudget(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, func(cfg *Config) { cfg.RequestsPerSecond = 0.01; cfg.MaxRetryWait = 50 * time.Millisecond })
	if _, err := c.Session(context.Background()); err != nil { // spends the one token of the bucket
		t.Fatal(err)
	}
	_, err := c.ListPermissions(context.Background(), "")
	var q *QueueError
	if !errors.As(err, &q) || !strings.Contains(err.Error(), "client-side rate limit") {
		t.Fatalf("error = %v, want a QueueError", err)
	}
}

// Defect 8: a permission listed twice in an answer broke Read and the key listing with
// "Duplicate Set Element". Duplicates are folded.
func TestDefect08_DuplicatePermissionsFolded(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, nil)
	a.script("GET /apikeys", 1, http.StatusOK, nil, `{"data": [{"id": 7, "description": "d", "apiKey": "apiKey-7",
		"permissions": ["readData", "readData", {"permission": "readData"}, "writeData"], "createdAt": "2025-02-11T03:45:04.853Z"}],
		"total": 1, "pageCount": 1}`)
	keys, err := c.ListAPIKeys(context.Background(), "")
	if err != nil || len(keys) != 1 {
		t.Fatalf("ListAPIKeys = %v, %v", keys, err)
	}
	if got := strings.Join(keys[0].Permissions, ","); got != "readData,writeData" {
		t.Errorf("permissions = %s, want readData,writeData", got)
	}
}
