package emulator

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"time"
)

// Fault is an answer to inject in place of the real one.
type Fault struct {
	Status int // e.g. 500, 503, 429
	// RetryAfter sets Retry-After, in whole seconds rounded up, when > 0.
	RetryAfter time.Duration
	// Body is sent instead of the JSON envelope when not "" (HTML, truncated JSON...).
	Body string
	// EmptyBody sends no body at all; it wins over Body.
	EmptyBody bool
	// ContentType defaults to application/json.
	ContentType string
	// AfterCommit serves the request first and keeps what it did (a key created, updated or
	// deleted), then answers the fault instead: a gateway that timed out after the backend
	// wrote.
	AfterCommit bool
}

func (f Fault) response() response {
	resp := response{status: f.Status, contentType: f.ContentType, retryAfter: f.RetryAfter}
	switch {
	case f.EmptyBody:
		// resp.body stays nil.
	case f.Body != "":
		resp.body = []byte(f.Body)
	default:
		resp.body = failure(f.Status, http.StatusText(f.Status), "fault injected by the emulator").body
	}
	return resp
}

type pendingFault struct {
	fault Fault
	left  int
}

// FailNext makes the next n requests to route (a route key such as "POST /apikeys") answer
// f. Faults queued for the same route are served in the order queued. n < 1 queues nothing.
// It panics on a route the API does not have or a status outside 200-599, so that a setup
// mistake cannot pass unnoticed.
func (s *Server) FailNext(route string, n int, f Fault) {
	if err := checkFault(route, f); err != nil {
		panic("emulator: FailNext: " + err.Error())
	}
	if n < 1 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[route] = append(s.faults[route], &pendingFault{fault: f, left: n})
}

func checkFault(route string, f Fault) error {
	if _, ok := routes[route]; !ok {
		return fmt.Errorf("unknown route %q", route)
	}
	// net/http panics on a status outside 100-999, and 1xx is not an answer.
	if f.Status < 200 || f.Status > 599 {
		return fmt.Errorf("status %d is not between 200 and 599", f.Status)
	}
	return nil
}

// takeFault uses up one queued fault of route, if any. The caller holds s.mu.
func (s *Server) takeFault(route string) (Fault, bool) {
	queue := s.faults[route]
	if len(queue) == 0 {
		return Fault{}, false
	}
	head := queue[0]
	head.left--
	if head.left == 0 {
		if len(queue) == 1 {
			delete(s.faults, route)
		} else {
			s.faults[route] = queue[1:]
		}
	}
	return head.fault, true
}

// tokenBucket is a rate limiter on the server's clock, so tests can drive it with Now.
type tokenBucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

// take spends a token, or says how long until one is available.
func (b *tokenBucket) take(now time.Time) (wait time.Duration, ok bool) {
	if now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration(math.Ceil((1 - b.tokens) / b.rate * float64(time.Second))), false
}

// SetRateLimit limits every API route together to perSecond requests per second, with a
// burst of max(1, perSecond); excess requests get 429 with Retry-After. 0 turns it off. The
// bucket starts full.
func (s *Server) SetRateLimit(perSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !(perSecond > 0) || math.IsInf(perSecond, 1) {
		s.limiter = nil
		return
	}
	burst := max(1, perSecond)
	s.limiter = &tokenBucket{rate: perSecond, burst: burst, tokens: burst, last: s.now()}
}

// SetLatency delays every API request by d, in real time, or until its context ends.
// Control requests are not delayed.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = max(d, 0)
}

// SetVariants switches the answer shapes from the next request on. Tokens already issued
// stay valid whatever their shape. It panics on variants that fail Check: a setup mistake.
func (s *Server) SetVariants(v Variants) {
	if err := v.Check(); err != nil {
		panic("emulator: SetVariants: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.variants = v
}

// SetTokenTTL sets how long a token lives after its last use; 0 means one hour. Live
// sessions take the new lifetime on their next use.
func (s *Server) SetTokenTTL(d time.Duration) {
	if d <= 0 {
		d = defaultTokenTTL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ttl = d
}

// ExpireAllTokens ends every session, as if each token had timed out.
func (s *Server) ExpireAllTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

// ExpireTokensAfter makes every session token expire once n more requests to route (a route
// key such as "PATCH /apikeys/{id}") have been answered: an expiry in the middle of a run,
// whatever its timing. n < 1 cancels a pending expiry. It panics on an unknown route.
func (s *Server) ExpireTokensAfter(route string, n int) {
	if _, ok := routes[route]; !ok {
		panic("emulator: ExpireTokensAfter: no route " + route)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireRoute, s.expireAfter = route, max(n, 0)
}

// Count is how many requests reached route (a route key such as "GET /apikeys"), faulted,
// rate-limited or not, since the last ResetCounts.
func (s *Server) Count(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[route]
}

// Counts is Count for every route that was reached.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// Logins is how many login attempts were judged, successful or failed. Unlike
// Count("POST /auth/login") it leaves out requests answered by a fault or the rate limiter,
// or abandoned during latency.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// ResetCounts zeroes Count, Counts and Logins.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
	s.logins = 0
}

// Secrets returns every password, API key secret and session token this server has held or
// issued, including those of deleted keys and expired sessions: the strings that must never
// appear in a log or an error.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.secrets)
}
