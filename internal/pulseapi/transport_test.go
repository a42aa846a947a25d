package pulseapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Each attempt is bounded by RequestTimeout; GET retries a timeout, POST does not.
func TestRequestTimeoutPerAttempt(t *testing.T) {
	for _, tt := range []struct {
		method string
		want   int32
	}{{http.MethodGet, 3}, {http.MethodPost, 1}} {
		t.Run(tt.method, func(t *testing.T) {
			t.Parallel()
			a := newTestAPI(t)
			// Long enough for the login and the listing after a lost create on a busy machine.
			const timeout = 250 * time.Millisecond
			c := a.client(t, func(c *Config) { c.RequestTimeout = timeout })
			if _, err := c.Session(context.Background()); err != nil {
				t.Fatal(err)
			}
			tg := targets[tt.method]
			var hits atomic.Int32
			// The server never answers: each attempt ends when the client gives up on it.
			a.intercept(tg.method+" "+tg.path(0), func(_ http.ResponseWriter, r *http.Request) bool {
				hits.Add(1)
				select {
				case <-r.Context().Done():
				case <-time.After(time.Minute):
				}
				return true
			})
			err := tg.call(c, 0)
			if err == nil || hits.Load() != tt.want {
				t.Fatalf("err = %v, requests = %d, want %d", err, hits.Load(), tt.want)
			}
			var timedOut *TimeoutError
			if !errors.As(err, &timedOut) || timedOut.After != timeout || !strings.Contains(err.Error(), "request timeout") {
				t.Errorf("err = %v, want a *TimeoutError after %v", err, timeout)
			}
		})
	}
}

// The client-side rate limit lets through one request, then one per 1/RequestsPerSecond: n
// requests cannot arrive in less than (n-1)/RequestsPerSecond after the client was made. The
// elapsed time is measured around the whole run, so a slow machine only makes the bound looser.
// Calls that queue longer than RequestTimeout still succeed: waiting one's turn is not an
// attempt (defect 7 has its own regression test). This replaces the old test's arrival gaps,
// which scheduling compressed (defect 13).
func TestDefect13_RateLimiterWithoutArrivalGaps(t *testing.T) {
	const perSecond, calls = 20, 10
	a := newTestAPI(t)
	start := time.Now()
	c := a.client(t, func(c *Config) {
		c.RequestsPerSecond = perSecond
		c.RequestTimeout = 200 * time.Millisecond // shorter than the queue of ten calls
	})
	errs := concurrently(calls, func(i int) error {
		// Account listings are not shared: one request each, after one login.
		_, err := c.ListAccounts(context.Background(), AccountFilter{Name: fmt.Sprint(i)})
		return err
	})
	elapsed := time.Since(start)
	noErrors(t, errs)
	requests := 0
	for _, n := range a.Counts() {
		requests += n
	}
	if requests < calls+1 {
		t.Fatalf("requests = %d, want at least %d (a login and the calls)", requests, calls+1)
	}
	if limit := 1 + perSecond*elapsed.Seconds(); float64(requests) > limit {
		t.Fatalf("%d requests in %v: the limit of %d per second allows at most %.1f", requests, elapsed, perSecond, limit)
	}
}
