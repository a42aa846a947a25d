// Package emulator is an in-memory imitation of the Pulse API, so that the provider's tests,
// the demo and the benchmarks run with no network. It serves every documented endpoint, each
// documented variant of the answers (see Variants), and injectable faults, rate limits and
// latency, and counts what it was asked so that tests can assert on the traffic.
package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configures a Server.
type Options struct {
	// TokenTTL is how long a session token lives after its last use; 0 means one hour.
	TokenTTL time.Duration
	Variants Variants
	// Now is the clock for token expiry, key expiry, timestamps and the rate limiter; nil
	// means time.Now. Latency is always real time.
	Now func() time.Time
	// ControlToken is the token the control surface requires (see ControlToken); "" makes a
	// random one.
	ControlToken string
}

const (
	defaultTokenTTL = time.Hour
	// maxBodyBytes bounds request bodies; every documented body is far smaller.
	maxBodyBytes = 1 << 20
	timeLayout   = "2006-01-02T15:04:05.000Z07:00"
)

// Server is the emulator: an http.Handler over an in-memory world. All methods are safe for
// concurrent use.
type Server struct {
	now          func() time.Time
	controlToken string

	// mu guards everything below. Handlers run entirely under it: they are short and
	// in-memory, and a single lock keeps authentication, scoping and the data consistent.
	mu       sync.Mutex
	ttl      time.Duration
	variants Variants
	latency  time.Duration
	limiter  *tokenBucket // nil when rate limiting is off

	accounts      []*Account // in the order added, which is the order lists answer in
	accountByID   map[string]*Account
	users         map[string]*user // by email
	keyByID       map[int64]*APIKey
	keyByPublic   map[string]*APIKey
	keysByAccount map[string][]*APIKey // each sorted by id
	sessions      map[string]*session  // by token
	nextAccountID int64
	nextUserID    int64
	nextKeyID     int64

	// secrets is every password, key secret and token the world has held or issued, kept
	// after deletion and expiry so that tests can prove none of them leaked into a log.
	secrets []string

	expireRoute string // the route ExpireTokensAfter counts
	expireAfter int    // answers on expireRoute left before every token expires; 0 = none pending

	faults map[string][]*pendingFault // by route key, oldest first
	// intercept, when set, sees every request first and may answer it itself.
	intercept func(w http.ResponseWriter, r *http.Request) bool
	counts    map[string]int
	logins    int
	journal   []JournalEntry
}

// New returns a server with an empty world. It panics on Variants that fail Check.
func New(opts Options) *Server {
	if err := opts.Variants.Check(); err != nil {
		panic("emulator: New: " + err.Error())
	}
	s := &Server{
		now:           opts.Now,
		controlToken:  opts.ControlToken,
		variants:      opts.Variants,
		accountByID:   map[string]*Account{},
		users:         map[string]*user{},
		keyByID:       map[int64]*APIKey{},
		keyByPublic:   map[string]*APIKey{},
		keysByAccount: map[string][]*APIKey{},
		sessions:      map[string]*session{},
		nextAccountID: 1,
		nextUserID:    1,
		nextKeyID:     1,
		faults:        map[string][]*pendingFault{},
		counts:        map[string]int{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.controlToken == "" {
		s.controlToken = newControlToken()
	}
	s.SetTokenTTL(opts.TokenTTL)
	return s
}

// route is one documented endpoint.
type route struct {
	public bool // reachable without credentials
	handle func(s *Server, c *call) response
}

// routes maps route keys ("METHOD pattern") to endpoints. The keys are also the names
// Count, FailNext and the control surface use.
var routes = map[string]route{
	"POST /auth/login":     {public: true, handle: (*Server).login},
	"GET /auth/session":    {handle: (*Server).getSession},
	"GET /apikeys":         {handle: (*Server).listAPIKeys},
	"POST /apikeys":        {handle: (*Server).createAPIKey},
	"PATCH /apikeys/{id}":  {handle: (*Server).updateAPIKey},
	"DELETE /apikeys/{id}": {handle: (*Server).deleteAPIKey},
	"GET /accounts":        {handle: (*Server).listAccounts},
	"GET /permissions":     {handle: (*Server).listPermissions},
}

// matchPath finds the route pattern of a request path and its {id} segment, if any.
func matchPath(path string) (pattern, id string, ok bool) {
	switch path {
	case "/auth/login", "/auth/session", "/apikeys", "/accounts", "/permissions":
		return path, "", true
	}
	if rest, found := strings.CutPrefix(path, "/apikeys/"); found && rest != "" && !strings.Contains(rest, "/") {
		return "/apikeys/{id}", rest, true
	}
	return "", "", false
}

// allowedMethods lists the methods a pattern answers, for the Allow header of a 405.
func allowedMethods(pattern string) string {
	var methods []string
	for key := range routes {
		if method, p, _ := strings.Cut(key, " "); p == pattern {
			methods = append(methods, method)
		}
	}
	slices.Sort(methods)
	return strings.Join(methods, ", ")
}

// call is one request on its way through a route.
type call struct {
	r    *http.Request
	body []byte
	id   string // the {id} path segment
	now  time.Time
	// keyID is the key the request created or named, for the journal.
	keyID int64

	// Set by authentication on non-public routes.
	who     principal
	token   string    // "" under direct key auth
	expires time.Time // the token's expiry after this request slid it
	account *Account  // the scoped account
	perms   []string  // the caller's effective permissions on account, in catalogue order
}

// response is an answer ready to write: built under the lock, written outside it.
type response struct {
	status      int
	contentType string
	retryAfter  time.Duration
	allow       string
	body        []byte // nil sends no body
}

// envelope is the documented error body.
type envelope struct {
	Error   string `json:"error"`
	Message string `json:"message,omitempty"`
}

func jsonResponse(status int, v any) response {
	body, err := json.Marshal(v)
	if err != nil {
		return failure(http.StatusInternalServerError, "Internal server error", "encoding the answer: "+err.Error())
	}
	return response{status: status, body: body}
}

func failure(status int, errText, message string) response {
	// An envelope holds only strings, so marshalling it cannot fail.
	body, _ := json.Marshal(envelope{Error: errText, Message: message})
	return response{status: status, body: body}
}

func invalidInput(message string) response {
	return failure(http.StatusBadRequest, "Invalid input", message)
}

func success() response {
	return jsonResponse(http.StatusOK, map[string]bool{"success": true})
}

func (resp response) write(w http.ResponseWriter) {
	h := w.Header()
	if resp.contentType == "" {
		resp.contentType = "application/json"
	}
	h.Set("Content-Type", resp.contentType)
	if resp.retryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((resp.retryAfter+time.Second-1)/time.Second), 10))
	}
	if resp.allow != "" {
		h.Set("Allow", resp.allow)
	}
	w.WriteHeader(resp.status)
	// A failed write means the client went away; there is no one left to tell.
	_, _ = w.Write(resp.body)
}

// ServeHTTP serves the Pulse API and, under /_emulator/, the control surface.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if id := r.Header.Get("x-pulse-id"); id != "" {
		w.Header().Set("x-pulse-id", id)
	}
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		s.serveControl(w, r)
		return
	}
	pattern, id, ok := matchPath(r.URL.Path)
	if !ok {
		failure(http.StatusNotFound, "Not found", "no route for "+r.Method+" "+r.URL.Path).write(w)
		return
	}
	key := r.Method + " " + pattern
	rt, ok := routes[key]
	if !ok {
		resp := failure(http.StatusMethodNotAllowed, "Method not allowed", r.Method+" is not allowed on "+pattern)
		resp.allow = allowedMethods(pattern)
		resp.write(w)
		return
	}

	s.mu.Lock()
	s.counts[key]++
	latency := s.latency
	s.mu.Unlock()

	// The body is read before taking the lock so that a slow client holds up nobody else.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		invalidInput("reading the request body: " + err.Error()).write(w)
		return
	}
	if s.intercepted(w, r, body) {
		return
	}
	if latency > 0 && !sleep(r.Context(), latency) {
		// The client gave up; nothing it could read is left to send.
		return
	}

	s.serve(key, rt, &call{r: r, body: body, id: id}).write(w)
}

// serve answers a matched request and journals the answer.
func (s *Server) serve(key string, rt route, c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.now = s.now()
	resp := s.withErrorDetails(s.answer(key, rt, c))
	s.record(key, c, resp.status)
	return resp
}

// answer runs a request through the rate limiter, the injected faults, authentication and
// its handler. The caller holds s.mu.
func (s *Server) answer(key string, rt route, c *call) response {
	if s.limiter != nil {
		if wait, ok := s.limiter.take(c.now); !ok {
			resp := failure(http.StatusTooManyRequests, "Too many requests", "rate limit exceeded")
			resp.retryAfter = wait
			return resp
		}
	}
	f, faulted := s.takeFault(key)
	if faulted && !f.AfterCommit {
		return f.response()
	}
	resp := s.authenticateAndHandle(rt, c)
	if faulted {
		// The request was served, and what it did stays: only its answer is lost.
		return f.response()
	}
	return resp
}

func (s *Server) authenticateAndHandle(rt route, c *call) response {
	if !rt.public {
		if resp, ok := s.authenticate(c); !ok {
			return resp
		}
	}
	return rt.handle(s, c)
}

// sleep waits d, or less if ctx ends first; it reports whether the full wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}
