package pulseapi

// The retry policy, the top layer under Client.do. It decides, for each answer, whether the
// call tries again and how long it waits first:
//
//   - 429 means the request was not processed: any method is retried, on a budget of its own
//     (throttleRetriesPerRetry times MaxRetries), since under a quota it is the expected answer.
//   - 503 is retried for any method: the server did not act on it, as a rule. A gateway that
//     timed out after Pulse wrote answers 503 too, so a POST whose call has a resend check (a
//     create: keys.go) is sent again only when that check finds nothing the answer hid.
//   - Other 5xx (but 501) and connection errors are retried for idempotent calls (GET, PATCH,
//     DELETE, and the login); a POST /apikeys only when it never left (a dial error), so a
//     create is never sent twice.
//   - Waits add up to at most MaxRetryWait per call. A Retry-After is honoured as asked, then
//     spread over up to half as long again, so that the requests a server throttled together
//     do not all come back in the same instant. One that asks for more than the call may still
//     wait ends the call at once, with an error saying how long the server asked for.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

const (
	// throttleRetriesPerRetry sizes the 429 budget: 20 retries with the default MaxRetries.
	throttleRetriesPerRetry = 4
	// farFuture bounds any Retry-After: beyond it every wait is "too long" alike.
	farFuture = 100 * 365 * 24 * time.Hour
)

func (cl *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if !cl.retryable(ctx, resp, err) {
		return false, nil
	}
	remaining := cl.c.cfg.MaxRetryWait - cl.waited
	if remaining <= 0 {
		return false, nil
	}
	if asked, ok := serverWait(resp, time.Now()); ok && asked > remaining {
		cl.tooLong = &retryAfterError{asked: asked, remaining: remaining, budget: cl.c.cfg.MaxRetryWait}
		return false, nil
	}
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		cl.throttled++
		return cl.throttled <= throttleRetriesPerRetry**cl.c.cfg.MaxRetries, nil
	}
	cl.failed++
	if cl.failed > *cl.c.cfg.MaxRetries {
		return false, nil
	}
	if resp != nil && resp.StatusCode == http.StatusServiceUnavailable && !cl.idempotent && cl.resend != nil {
		// The check is a call of its own. Holding this call's token generation meanwhile could
		// make it wait for this call to judge a 401 it will never meet.
		cl.c.auth.release(cl)
		return cl.resend(ctx), nil
	}
	return true, nil
}

func (cl *call) retryable(ctx context.Context, resp *http.Response, err error) bool {
	if err != nil {
		var apiErr *Error
		var queue *QueueError
		var account *AccountError
		if errors.As(err, &apiErr) || errors.As(err, &queue) || errors.As(err, &account) {
			return false // a refused login, an unavailable account, a queue too long: final
		}
		// retryablehttp's screen: bad schemes, bad certificates and the like are final.
		if retry, _ := retryablehttp.DefaultRetryPolicy(ctx, nil, err); !retry {
			return false
		}
		return cl.idempotent || isDialError(err)
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests, code == http.StatusServiceUnavailable:
		return true
	case code >= 500 && code != http.StatusNotImplemented:
		return cl.idempotent
	}
	return false
}

// isDialError reports whether err happened while connecting: the request never left.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// backoff is the wait before the next attempt: the server's Retry-After spread by jitter, or
// an exponential backoff with equal jitter; never zero, never past what the call may wait.
func (cl *call) backoff(waitMin, waitMax time.Duration, attemptNum int, resp *http.Response) time.Duration {
	remaining := cl.c.cfg.MaxRetryWait - cl.waited
	var wait time.Duration
	if asked, ok := serverWait(resp, time.Now()); ok {
		// Never sooner than asked (and never at once); checkRetry made sure it fits.
		base := min(max(asked, waitMin), remaining)
		wait = base + rand.N(base/2+1)
	} else {
		wait = retryablehttp.DefaultBackoff(waitMin, waitMax, attemptNum, nil)
		wait = retryablehttp.LinearJitterBackoff(wait/2, wait, 0, nil)
	}
	wait = max(min(wait, remaining), time.Millisecond)
	cl.waited += wait
	fields := cl.fields()
	fields["attempt"] = attemptNum + 1
	fields["wait"] = wait.String()
	if resp != nil {
		fields["status"] = resp.StatusCode
	}
	cl.c.logAt(cl.ctx, levelWarn, "Pulse API request failed; retrying", fields)
	return wait
}

// serverWait is the wait a 429 or 503 asks for in Retry-After, bounded to farFuture. A
// negative, malformed or missing value asks for nothing; a date in the past asks for 0.
func serverWait(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp == nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return 0, false
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		secs, err := strconv.ParseUint(v, 10, 64)
		if errors.Is(err, strconv.ErrRange) || (err == nil && secs > uint64(farFuture/time.Second)) {
			return farFuture, true
		}
		if err != nil {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if at.Before(now) {
		return 0, true
	}
	if at.After(now.Add(farFuture)) {
		return farFuture, true
	}
	return at.Sub(now), true
}

// retryAfterError says that the server asked to wait longer than the call still could.
type retryAfterError struct {
	asked, remaining, budget time.Duration
}

func (e *retryAfterError) Error() string {
	asked := e.asked.String()
	if e.asked >= farFuture {
		asked = "longer than " + farFuture.Truncate(time.Hour).String()
	}
	return fmt.Sprintf("the server asked to wait %s before trying again (Retry-After), more than the %s left of "+
		"the %s this request may wait in all (max_retry_wait), so it was not retried",
		asked, e.remaining.Round(time.Millisecond), e.budget)
}

// errorHandler turns the final failed attempt into an *Error (built from the response body
// when there is one) instead of retryablehttp's generic "giving up".
func (cl *call) errorHandler(resp *http.Response, err error, numTries int) (*http.Response, error) {
	if resp != nil && cl.ctx.Err() == nil {
		return nil, cl.responseError(resp, numTries)
	}
	if resp != nil {
		drain(resp)
	}
	return nil, cl.fail(numTries, err)
}

func (cl *call) requestHook(_ retryablehttp.Logger, _ *http.Request, retry int) {
	cl.attempt = retry + 1
	cl.sent++
	cl.start = time.Now()
}

func (cl *call) responseHook(_ retryablehttp.Logger, resp *http.Response) {
	fields := cl.fields()
	fields["status"] = resp.StatusCode
	fields["attempt"] = cl.attempt
	fields["duration_ms"] = time.Since(cl.start).Milliseconds()
	cl.c.logAt(cl.ctx, levelDebug, "Pulse API response", fields)
}
