package pulseapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// target is one client call per method, with the server path it hits.
type target struct {
	method, path string
	call         func(c *Client) error
}

var targets = map[string]target{
	http.MethodGet: {http.MethodGet, "/permissions", func(c *Client) error {
		_, err := c.ListPermissions(context.Background(), "")
		return err
	}},
	http.MethodPost: {http.MethodPost, "/apikeys", func(c *Client) error {
		_, err := c.CreateAPIKey(context.Background(), "", APIKeyInput{Description: "d", Permissions: []string{"readData"}})
		return err
	}},
	http.MethodPatch: {http.MethodPatch, "/apikeys/101", func(c *Client) error {
		return c.UpdateAPIKey(context.Background(), "", 101, APIKeyInput{Description: "d"})
	}},
	http.MethodDelete: {http.MethodDelete, "/apikeys/101", func(c *Client) error {
		return c.DeleteAPIKey(context.Background(), "", 101)
	}},
}

// failing makes the first n requests to method path fail with status (0 = drop the
// connection without an answer) and counts every request to it.
func failing(f *fakeAPI, method, path string, status, n int, hits *atomic.Int32) {
	f.setHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != method || r.URL.Path != path {
			return false
		}
		if hits.Add(1) > int32(n) {
			return false
		}
		if status == 0 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return true
		}
		writeJSON(w, status, map[string]any{"error": http.StatusText(status), "message": "injected"})
		return true
	})
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
			f := newFake(t)
			f.addKeys(1) // id 101
			c := f.client(t, func(c *Config) {
				if tt.status == 0 {
					// net/http itself replays a GET whose reused connection drops; fresh
					// connections keep the count to the client's own attempts.
					c.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
				}
			})
			tg := targets[tt.method]
			var hits atomic.Int32
			failing(f, tg.method, tg.path, tt.status, 100, &hits)
			err := tg.call(c)
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
			f := newFake(t)
			f.addKeys(1)
			c := f.client(t, nil)
			tg := targets[m]
			var hits atomic.Int32
			failing(f, tg.method, tg.path, http.StatusServiceUnavailable, 2, &hits)
			if err := tg.call(c); err != nil {
				t.Fatal(err)
			}
			if hits.Load() != 3 {
				t.Fatalf("requests = %d, want 3", hits.Load())
			}
		})
	}
}

func TestNoRetriesWhenNegative(t *testing.T) {
	f := newFake(t)
	c := f.client(t, func(c *Config) { c.MaxRetries = -1 })
	var hits atomic.Int32
	failing(f, http.MethodGet, "/permissions", 503, 100, &hits)
	if _, err := c.ListPermissions(context.Background(), ""); err == nil || hits.Load() != 1 {
		t.Fatalf("err = %v, requests = %d; want an error after 1", err, hits.Load())
	}
}

// However many retries are left, a call stops once its waits add up to MaxRetryWait.
func TestMaxRetryWait(t *testing.T) {
	f := newFake(t)
	c := f.client(t, func(c *Config) {
		c.MaxRetries, c.RetryWaitMin, c.RetryWaitMax, c.MaxRetryWait = 100, 20*time.Millisecond, 20*time.Millisecond, 100*time.Millisecond
	})
	var hits atomic.Int32
	failing(f, http.MethodGet, "/permissions", 503, 1000, &hits)
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
	f := newFake(t)
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
	c := f.client(t, func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} })
	if _, err := c.Session(context.Background()); err != nil {
		t.Fatal(err)
	}
	dials.Store(0)
	failDials.Store(2)
	k, err := c.CreateAPIKey(context.Background(), "", APIKeyInput{Description: "d"})
	if err != nil {
		t.Fatal(err)
	}
	if dials.Load() != 3 || f.count("POST /apikeys") != 1 || k.ID == 0 {
		t.Fatalf("dials = %d, POSTs = %d, key %+v", dials.Load(), f.count("POST /apikeys"), k)
	}
	// Every attempt refused: a readable *Error with the cause.
	failDials.Store(100)
	_, err = c.CreateAPIKey(context.Background(), "", APIKeyInput{Description: "d"})
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 0 || apiErr.Attempts != 3 || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
}

// retryAfter answers the first request to path with 429 and the given Retry-After.
func retryAfter(f *fakeAPI, path, value string) {
	var once atomic.Bool
	f.setHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != path || once.Swap(true) {
			return false
		}
		w.Header().Set("Retry-After", value)
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "Too many requests"})
		return true
	})
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name     string
		header   func() string
		waitMax  time.Duration
		atLeast  time.Duration
		atMost   time.Duration
		viaLogin bool
	}{
		{"seconds", func() string { return "1" }, 5 * time.Second, time.Second, 3 * time.Second, false},
		{"seconds capped by RetryWaitMax", func() string { return "3600" }, 40 * time.Millisecond, 40 * time.Millisecond, 2 * time.Second, false},
		{"http date capped by RetryWaitMax", func() string { return time.Now().Add(time.Hour).UTC().Format(http.TimeFormat) }, 40 * time.Millisecond, 40 * time.Millisecond, 2 * time.Second, false},
		{"on the login POST", func() string { return "3600" }, 30 * time.Millisecond, 30 * time.Millisecond, 2 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			c := f.client(t, func(c *Config) { c.RetryWaitMin, c.RetryWaitMax = time.Millisecond, tt.waitMax })
			path := "/permissions"
			if tt.viaLogin {
				path = "/auth/login"
			} else if _, err := c.Session(context.Background()); err != nil {
				t.Fatal(err)
			}
			retryAfter(f, path, tt.header())
			start := time.Now()
			if _, err := c.ListPermissions(context.Background(), ""); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d < tt.atLeast || d > tt.atMost {
				t.Fatalf("took %v, want between %v and %v", d, tt.atLeast, tt.atMost)
			}
		})
	}
}

func TestCancelDuringRetryAfterWait(t *testing.T) {
	f := newFake(t)
	c := f.client(t, func(c *Config) { c.RetryWaitMax = time.Hour })
	if _, err := c.Session(context.Background()); err != nil {
		t.Fatal(err)
	}
	retryAfter(f, "/permissions", "3600")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.ListPermissions(ctx, "")
	if d := time.Since(start); d > time.Second {
		t.Fatalf("returned after %v", d)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.RequestID == "" {
		t.Fatalf("err = %#v, want an *Error with a request id", err)
	}
}

// Each attempt is bounded by RequestTimeout; GET retries a timeout, POST does not.
func TestRequestTimeoutPerAttempt(t *testing.T) {
	for _, tt := range []struct {
		method string
		want   int32
	}{{http.MethodGet, 3}, {http.MethodPost, 1}} {
		t.Run(tt.method, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			c := f.client(t, func(c *Config) { c.RequestTimeout = 30 * time.Millisecond })
			if _, err := c.Session(context.Background()); err != nil {
				t.Fatal(err)
			}
			tg := targets[tt.method]
			var hits atomic.Int32
			f.setHook(func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != tg.path {
					return false
				}
				hits.Add(1)
				select {
				case <-r.Context().Done():
				case <-time.After(time.Second):
				}
				return true
			})
			err := tg.call(c)
			if err == nil || hits.Load() != tt.want {
				t.Fatalf("err = %v, requests = %d, want %d", err, hits.Load(), tt.want)
			}
		})
	}
}

func TestRateLimiter(t *testing.T) {
	f := newFake(t)
	c := f.client(t, func(c *Config) { c.RequestsPerSecond = 40 }) // one request per 25ms
	start := time.Now()
	for i := range 5 { // a login and five listings: six requests, five gaps
		if _, err := c.ListPermissions(context.Background(), strings.Repeat("7", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 5*25*time.Millisecond*9/10 {
		t.Fatalf("6 requests took %v, want at least ~125ms", d)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.arrivals) != 6 {
		t.Fatalf("requests = %d, want 6", len(f.arrivals))
	}
	for i := 1; i < len(f.arrivals); i++ {
		if gap := f.arrivals[i].Sub(f.arrivals[i-1]); gap < 20*time.Millisecond {
			t.Errorf("gap %d = %v, want about 25ms", i, gap)
		}
	}
}

// Throttled requests wait at least the Retry-After, and not all for the same time, so that
// the requests a server throttled together do not come back together.
func TestRetryAfterJitter(t *testing.T) {
	c := newFake(t).client(t, func(c *Config) { c.RetryWaitMax = time.Minute })
	cl := &call{c: c, ctx: context.Background(), method: http.MethodPost, path: "/apikeys"}
	resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"2"}}}
	waits := map[time.Duration]bool{}
	for range 50 {
		wait := cl.backoff(time.Millisecond, time.Minute, 0, resp)
		if wait < 2*time.Second || wait > 3*time.Second {
			t.Fatalf("wait = %v, want between 2s and 3s", wait)
		}
		waits[wait] = true
	}
	if len(waits) < 10 {
		t.Errorf("50 waits took only %d values: no jitter", len(waits))
	}
}
