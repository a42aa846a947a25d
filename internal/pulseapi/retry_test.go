package pulseapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// target is one client call per method, with the route it sends to (for the key id the test
// seeded).
type target struct {
	method string
	path   func(id int64) string
	call   func(c *Client, id int64) error
}

var targets = map[string]target{
	http.MethodGet: {http.MethodGet, func(int64) string { return "/permissions" }, func(c *Client, _ int64) error {
		_, err := c.ListPermissions(context.Background(), "")
		return err
	}},
	http.MethodPost: {http.MethodPost, func(int64) string { return "/apikeys" }, func(c *Client, _ int64) error {
		_, err := c.CreateAPIKey(context.Background(), "", APIKeyInput{Description: "d", Permissions: []string{"readData"}})
		return err
	}},
	http.MethodPatch: {http.MethodPatch, keyPath, func(c *Client, id int64) error {
		return c.UpdateAPIKey(context.Background(), "", id, APIKeyInput{Description: "d", Permissions: []string{"readData"}})
	}},
	http.MethodDelete: {http.MethodDelete, keyPath, func(c *Client, id int64) error {
		return c.DeleteAPIKey(context.Background(), "", id)
	}},
}

func keyPath(id int64) string { return fmt.Sprintf("/apikeys/%d", id) }

// failing makes the first n requests to route fail with status (0 = drop the connection
// without an answer) and counts every request to it.
func (a *testAPI) failing(route string, status, n int, hits *atomic.Int32) {
	a.intercept(route, func(w http.ResponseWriter, _ *http.Request) bool {
		if hits.Add(1) > int32(n) {
			return false
		}
		if status == 0 {
			hangUp(w)
			return true
		}
		writeJSON(w, status, map[string]any{"error": http.StatusText(status), "message": "injected"})
		return true
	})
}

// noKeepAlives makes each attempt open its own connection: net/http itself replays a GET
// whose reused connection drops, which would hide the client's own attempts.
func noKeepAlives(c *Config) {
	c.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

func TestRetryRules(t *testing.T) {
	type rule struct {
		method string
		status int // 0: connection dropped after the request was sent
		want   int // requests the server sees for the call (MaxRetries 2, every attempt failing)
		// 429s have their own budget, four times MaxRetries: 1 + 8 requests.
	}
	var rules []rule
	for _, m := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
		for _, s := range []int{500, 502, 503, 504, 0} {
			rules = append(rules, rule{m, s, 3})
		}
		rules = append(rules, rule{m, 429, 9})
		rules = append(rules, rule{m, 501, 1}, rule{m, 400, 1}, rule{m, 403, 1}, rule{m, 404, 1}, rule{m, 409, 1})
	}
	// A create is sent again only when the server cannot have acted on it.
	rules = append(rules,
		rule{http.MethodPost, 500, 1}, rule{http.MethodPost, 502, 1}, rule{http.MethodPost, 504, 1},
		rule{http.MethodPost, 0, 1}, rule{http.MethodPost, 400, 1},
		rule{http.MethodPost, 429, 9}, rule{http.MethodPost, 503, 3},
	)
	for _, tt := range rules {
		name := tt.method + " " + http.StatusText(tt.status)
		if tt.status == 0 {
			name = tt.method + " connection dropped"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := newTestAPI(t)
			id := a.seedKeys(t, primaryID, 1)[0]
			c := a.client(t, func(c *Config) {
				if tt.status == 0 {
					noKeepAlives(c)
				}
			})
			tg := targets[tt.method]
			var hits atomic.Int32
			a.failing(tg.method+" "+tg.path(id), tt.status, 100, &hits)
			err := tg.call(c, id)
			if got := int(hits.Load()); got != tt.want {
				t.Fatalf("requests = %d, want %d (err %v)", got, tt.want, err)
			}
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if apiErr.StatusCode != tt.status || apiErr.RequestID == "" || apiErr.Method != tt.method {
				t.Fatalf("Error = %+v", apiErr)
			}
			if apiErr.Attempts != tt.want {
				t.Errorf("Attempts = %d, want %d", apiErr.Attempts, tt.want)
			}
			if strings.Contains(err.Error(), "giving up") {
				t.Errorf("retryablehttp's generic error leaked through: %v", err)
			}
			if tt.status != 0 && !strings.Contains(err.Error(), "injected") {
				t.Errorf("error does not carry the body's message: %v", err)
			}
		})
	}
}

// A failure that clears up: the call succeeds after retries.
func TestRetryThenSuccess(t *testing.T) {
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			a := newTestAPI(t)
			id := a.seedKeys(t, primaryID, 1)[0]
			c := a.client(t, nil)
			tg := targets[m]
			var hits atomic.Int32
			a.failing(tg.method+" "+tg.path(id), http.StatusServiceUnavailable, 2, &hits)
			if err := tg.call(c, id); err != nil {
				t.Fatal(err)
			}
			if hits.Load() != 3 {
				t.Fatalf("requests = %d, want 3", hits.Load())
			}
		})
	}
}

func TestNoRetriesWhenNegative(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, func(c *Config) { c.MaxRetries = ptr(0) })
	var hits atomic.Int32
	a.failing("GET /permissions", 503, 100, &hits)
	if _, err := c.ListPermissions(context.Background(), ""); err == nil || hits.Load() != 1 {
		t.Fatalf("err = %v, requests = %d; want an error after 1", err, hits.Load())
	}
}

// However many retries are left, a call stops once its waits add up to MaxRetryWait. The
// waits are the client's own figures, not measured time, so the count is exact.
func TestMaxRetryWait(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, func(c *Config) {
		c.MaxRetries, c.RetryWaitMin, c.RetryWaitMax, c.MaxRetryWait = ptr(100), 20*time.Millisecond, 20*time.Millisecond, 100*time.Millisecond
	})
	var hits atomic.Int32
	a.failing("GET /permissions", 503, 1000, &hits)
	if _, err := c.ListPermissions(context.Background(), ""); err == nil {
		t.Fatal("a server that always fails was reported a success")
	}
	// Each wait is 10 to 20 ms, so 100 ms of waiting allows 6 to 11 attempts.
	if n := hits.Load(); n < 6 || n > 11 {
		t.Fatalf("requests = %d, want 6 to 11 within a 100ms wait budget", n)
	}
}

// A POST whose connection attempt fails never left the client: it is retried.
func TestPostRetriedOnDialError(t *testing.T) {
	a := newTestAPI(t)
	var dials, failDials atomic.Int32
	tr := &http.Transport{DisableKeepAlives: true}
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		if failDials.Add(-1) >= 0 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		return d.DialContext(ctx, network, addr)
	}
	c := a.client(t, func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} })
	// The listing a first create takes, so that only the create's own dials are counted.
	if _, err := c.ListAPIKeys(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	dials.Store(0)
	failDials.Store(2)
	in := APIKeyInput{Description: "d", Permissions: []string{"readData"}}
	k, err := c.CreateAPIKey(context.Background(), "", in)
	if err != nil {
		t.Fatal(err)
	}
	if dials.Load() != 3 || a.Count("POST /apikeys") != 1 || k.ID == 0 {
		t.Fatalf("dials = %d, POSTs = %d, key %d", dials.Load(), a.Count("POST /apikeys"), k.ID)
	}
	// Every attempt refused: a readable *Error with the cause, and no lost-create report,
	// since nothing was sent.
	failDials.Store(100)
	_, err = c.CreateAPIKey(context.Background(), "", in)
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 0 || apiErr.Attempts != 3 || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
	if errors.As(err, new(*CreateError)) {
		t.Errorf("a create that was never sent reported as lost: %v", err)
	}
}
