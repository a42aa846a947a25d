package pulseapi

// The two lowest layers of the request path, over the caller's (or a pooled) transport:
//
//	queueTransport    waits for the client-side rate limit: a place in the queue, not an attempt
//	attemptTransport  bounds one attempt (sending, and reading the answer) by RequestTimeout
//
// and the rule that no redirect is followed.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// queueTransport makes every attempt wait its turn under the client-side rate limit. The wait
// is not part of an attempt, so RequestTimeout does not cut it short: only the caller's
// context does, and maxWait, the longest a request may wait in all.
type queueTransport struct {
	next    http.RoundTripper
	limiter *rate.Limiter
	maxWait time.Duration
}

// QueueError says that the client-side rate limit would make a request wait longer than the
// client may wait.
type QueueError struct {
	Limit   float64
	MaxWait time.Duration
}

func (e *QueueError) Error() string {
	return fmt.Sprintf("the client-side rate limit (%g requests per second) would queue this request for longer "+
		"than the %s it may wait in all; raise the limit or lower the parallelism", e.Limit, e.MaxWait)
}

func (t *queueTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.limiter.Allow() { // a turn free now costs nothing, whatever is left of the budget
		return t.next.RoundTrip(req)
	}
	// The queue spends the call's budget as its waits between attempts do, so that a call
	// that queued long is not also let wait out a long Retry-After.
	budget, cl := t.maxWait, callFrom(req.Context())
	if cl != nil {
		budget -= cl.waited
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(req.Context(), budget)
	err := t.limiter.Wait(ctx)
	cancel()
	if cl != nil {
		cl.waited += time.Since(start)
	}
	if err != nil {
		closeBody(req)
		if parent := req.Context().Err(); parent != nil {
			return nil, parent
		}
		return nil, &QueueError{Limit: float64(t.limiter.Limit()), MaxWait: t.maxWait}
	}
	return t.next.RoundTrip(req)
}

func (t *queueTransport) CloseIdleConnections() { closeIdle(t.next) }

// attemptTransport gives one attempt RequestTimeout, from the moment it leaves the queue to
// the end of its answer's body.
type attemptTransport struct {
	next    http.RoundTripper
	timeout time.Duration
}

// TimeoutError says that one attempt got no complete answer within RequestTimeout.
type TimeoutError struct{ After time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("no complete answer within the request timeout (%s)", e.After)
}

// Timeout makes net.Error-style checks (and retryablehttp's) see a timeout.
func (e *TimeoutError) Timeout() bool { return true }

func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		expired := errors.Is(ctx.Err(), context.DeadlineExceeded) && req.Context().Err() == nil
		cancel()
		if expired {
			return nil, fmt.Errorf("%w: %w", &TimeoutError{After: t.timeout}, err)
		}
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

func (t *attemptTransport) CloseIdleConnections() { closeIdle(t.next) }

// cancelOnClose ends an attempt's timer when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// noRedirect keeps every 3xx as the answer. The API documents no redirect, and following one
// would carry the credentials (a login body, a Bearer token) to wherever Location points.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

func closeIdle(rt http.RoundTripper) {
	if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
