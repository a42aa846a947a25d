// Package pulseapi is a client for the Pulse CRM API: session login and re-login, retries
// (go-retryablehttp), client-side rate limiting, error decoding, and the calls the Terraform
// provider needs (accounts, permissions, API keys).
package pulseapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/go-uuid"
	"golang.org/x/time/rate"
)

// Logger receives the client's log output. The provider adapts tflog to it; ctx is the
// context of the call being logged, so that the provider's masking applies.
type Logger interface {
	Trace(ctx context.Context, msg string, fields map[string]any)
	Debug(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
}

// Config configures a Client. Exactly one credential pair must be complete.
type Config struct {
	BaseURL           string // e.g. https://api.pulsecrm.com (no trailing slash needed)
	APIKey, APISecret string
	Email, Password   string
	AccountID         string // default X-Account-ID; "" = the session's primary account
	UserAgent         string // e.g. terraform-provider-pulse/1.2.3
	MaxRetries        int    // default 5 when 0; <0 = no retries
	RetryWaitMin      time.Duration
	RetryWaitMax      time.Duration // also caps a Retry-After
	RequestTimeout    time.Duration // per attempt; default 60s
	MaxRetryWait      time.Duration // the most one call may wait between attempts, in total; default 5m
	RequestsPerSecond float64       // client-side rate limit, per attempt; 0 = off
	HTTPClient        *http.Client  // optional; its Transport is used, it is not modified
	Logger            Logger        // optional; nil = silent
}

const (
	defaultMaxRetries     = 5
	defaultRetryWaitMin   = time.Second
	defaultRetryWaitMax   = 30 * time.Second
	defaultRequestTimeout = 60 * time.Second
	defaultMaxRetryWait   = 5 * time.Minute

	loginPath = "/auth/login"
	// maxReplays bounds how many times one call is replayed after a 401 (re-login or a token
	// superseded meanwhile).
	maxReplays = 3
	// throttleRetriesPerRetry sizes the 429 budget: 20 retries with the default MaxRetries.
	throttleRetriesPerRetry = 4
	maxResponseBody         = 32 << 20
	maxErrorBody            = 64 << 10
)

// Client talks to one Pulse API environment with one set of credentials. It is safe for
// concurrent use; it logs in on first use and again when the token expires.
type Client struct {
	cfg     Config
	baseURL string
	http    *http.Client
	log     Logger
	auth    authState

	mu      sync.Mutex
	secrets []string // values redacted from every error and log text

	cacheMu     sync.Mutex
	permissions map[string]*flight[[]Permission] // by account id
	keys        map[string]*keyCache             // by account id
}

// New validates cfg and returns a Client. It does not contact the server.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if err == nil && u.User != nil {
		return nil, errors.New("pulseapi: the base URL must not carry credentials")
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("pulseapi: base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	u.RawQuery, u.Fragment = "", ""
	keyPair := cfg.APIKey != "" || cfg.APISecret != ""
	passPair := cfg.Email != "" || cfg.Password != ""
	switch {
	case keyPair && passPair:
		return nil, errors.New("pulseapi: configure either an API key and secret or an email and password, not both")
	case keyPair && (cfg.APIKey == "" || cfg.APISecret == ""):
		return nil, errors.New("pulseapi: an API key needs both the key and the secret")
	case passPair && (cfg.Email == "" || cfg.Password == ""):
		return nil, errors.New("pulseapi: password login needs both the email and the password")
	case !keyPair && !passPair:
		return nil, errors.New("pulseapi: no credentials: configure an API key and secret, or an email and password")
	}
	if cfg.AccountID != "" && !isDigits(cfg.AccountID) {
		return nil, fmt.Errorf("pulseapi: account id %q must be a string of digits", cfg.AccountID)
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = defaultMaxRetries
	} else if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = defaultRetryWaitMin
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = defaultRetryWaitMax
	}
	if cfg.RetryWaitMin > cfg.RetryWaitMax {
		cfg.RetryWaitMin = cfg.RetryWaitMax
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = defaultRequestTimeout
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = defaultMaxRetryWait
	}

	// A copy of the caller's client (or a pooled one) with the per-attempt timeout and the
	// rate limiter in front of its transport.
	hc := cleanhttp.DefaultPooledClient()
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	hc.Timeout = cfg.RequestTimeout
	if cfg.RequestsPerSecond > 0 {
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = &limitedTransport{base: base, limiter: rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond), 1)}
	}

	c := &Client{
		cfg:         cfg,
		baseURL:     strings.TrimRight(u.String(), "/"),
		http:        hc,
		log:         cfg.Logger,
		permissions: map[string]*flight[[]Permission]{},
		keys:        map[string]*keyCache{},
	}
	for _, s := range []string{cfg.APISecret, cfg.Password} {
		c.addSecret(s)
	}
	return c, nil
}

// BaseURL is the API's base URL without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// AuthMethod is "api_key" or "password".
func (c *Client) AuthMethod() string {
	if c.cfg.APIKey != "" {
		return "api_key"
	}
	return "password"
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// addSecret registers a value that must never appear in an error or a log.
func (c *Client) addSecret(s string) {
	if s == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.secrets = append(c.secrets, s)
}

// redact replaces every registered secret in s.
func (c *Client) redact(s string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, secret := range c.secrets {
		s = strings.ReplaceAll(s, secret, "***")
	}
	return s
}

// call is one logical API call: one request id, any number of attempts.
type call struct {
	c            *Client
	ctx          context.Context
	method, path string
	account      string // X-Account-ID, "" for none
	id           string // x-pulse-id
	authed       bool
	gen          uint64 // generation of the token the latest attempt carried
	attempt      int
	start        time.Time
	sent         int           // attempts sent, over all replays
	failed       int           // retries after a failure, over all replays
	throttled    int           // retries after a 429, over all replays
	waited       time.Duration // between attempts, over all replays
}

// do is the one request path: it sends method path (path may carry a query) with body as
// JSON, handles authentication, retries and errors, and decodes a success into out (unless
// out is nil). accountID is the X-Account-ID to send, "" for none.
func (c *Client) do(ctx context.Context, method, path, accountID string, body, out any) error {
	_, err := c.doID(ctx, method, path, accountID, body, out)
	return err
}

// doID is do that also returns the request id it used.
func (c *Client) doID(ctx context.Context, method, path, accountID string, body, out any) (string, error) {
	id, err := uuid.GenerateUUID()
	if err != nil {
		return "", fmt.Errorf("pulseapi: generating a request id: %w", err)
	}
	cl := &call{c: c, ctx: ctx, method: method, path: path, account: accountID, id: id, authed: path != loginPath}
	var payload []byte
	if body != nil {
		if payload, err = json.Marshal(body); err != nil {
			return id, cl.fail(0, fmt.Errorf("encoding the request: %w", err))
		}
	}

	var after uint64 // a token newer than this generation is needed
	for replay := 0; ; replay++ {
		token := ""
		if cl.authed {
			if token, cl.gen, err = c.token(ctx, after); err != nil {
				return id, err
			}
		}
		sentBefore, started := cl.sent, cl.gen
		if cl.authed {
			c.auth.begin(started)
		}
		resp, err := cl.send(token, payload)
		if cl.authed {
			c.auth.end(started)
		}
		if err != nil {
			return id, err
		}
		// A 401 after a retry wait says the token outlived its life while the call waited,
		// even if no request had been accepted with it yet (every answer before was a 429 or
		// a 5xx); a 401 on the first attempt with a fresh token says the credentials are bad.
		waited := cl.sent-sentBefore > 1
		if resp.StatusCode == http.StatusUnauthorized && cl.authed && replay < maxReplays {
			again, err := c.auth.replayable(ctx, cl.gen, waited)
			if err != nil {
				drain(resp)
				return id, cl.fail(cl.sent, err)
			}
			if again {
				drain(resp)
				after = cl.gen
				continue
			}
		}
		return id, cl.finish(resp, out)
	}
}

// send makes the attempts of one call with go-retryablehttp.
func (cl *call) send(token string, payload []byte) (*http.Response, error) {
	c := cl.c
	var body any
	if payload != nil {
		body = payload
	}
	req, err := retryablehttp.NewRequestWithContext(cl.ctx, cl.method, c.baseURL+cl.path, body)
	if err != nil {
		return nil, cl.fail(0, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-pulse-id", cl.id)
	if c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	if cl.account != "" {
		req.Header.Set("X-Account-ID", cl.account)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}

	rc := &retryablehttp.Client{
		HTTPClient:   c.http,
		RetryWaitMin: c.cfg.RetryWaitMin,
		RetryWaitMax: c.cfg.RetryWaitMax,
		// checkRetry keeps the two budgets; this only has to be large enough for both.
		RetryMax:        (1 + throttleRetriesPerRetry) * c.cfg.MaxRetries,
		CheckRetry:      cl.checkRetry,
		Backoff:         cl.backoff,
		ErrorHandler:    cl.errorHandler,
		PrepareRetry:    cl.prepareRetry,
		RequestLogHook:  cl.requestHook,
		ResponseLogHook: cl.responseHook,
	}
	if c.log != nil {
		rc.Logger = leveled{cl}
	}
	resp, err := rc.Do(req)
	if err != nil {
		var apiErr *Error
		if errors.As(err, &apiErr) {
			return nil, err
		}
		// The wait between attempts ended by the context, or a failure before any attempt.
		return nil, cl.fail(cl.sent, err)
	}
	return resp, nil
}

// checkRetry is the retry policy. 429 means the request was not processed: retry any method.
// Otherwise GET, PATCH and DELETE follow retryablehttp's default (5xx but 501, connection
// errors); POST is retried only when the server provably did not act on it (503, or a dial
// error: the request never left), so a create is never sent twice.
//
// Failures have a budget of MaxRetries retries. 429s have their own, throttleRetriesPerRetry
// times larger: under a quota they are the expected answer at high parallelism, and
// retrying them is always safe. Either way, a call stops retrying once its waits add up to
// MaxRetryWait.
func (cl *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	retry, perr := cl.retryable(ctx, resp, err)
	if !retry || perr != nil {
		return false, perr
	}
	if cl.waited >= cl.c.cfg.MaxRetryWait {
		return false, nil
	}
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		cl.throttled++
		return cl.throttled <= throttleRetriesPerRetry*cl.c.cfg.MaxRetries, nil
	}
	cl.failed++
	return cl.failed <= cl.c.cfg.MaxRetries, nil
}

func (cl *call) retryable(ctx context.Context, resp *http.Response, err error) (bool, error) {
	retry, perr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	if !retry || perr != nil {
		return false, perr
	}
	var lerr *limiterError
	if errors.As(err, &lerr) {
		return false, nil
	}
	if cl.method != http.MethodPost {
		return true, nil
	}
	if err != nil {
		return isDialError(err), nil
	}
	return resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable, nil
}

// backoff is retryablehttp's: exponential from RetryWaitMin, or the Retry-After of a 429/503,
// here with jitter added to both, and capped at RetryWaitMax.
func (cl *call) backoff(waitMin, waitMax time.Duration, attemptNum int, resp *http.Response) time.Duration {
	wait := retryablehttp.DefaultBackoff(waitMin, waitMax, attemptNum, resp)
	retryAfter := resp != nil && resp.Header.Get("Retry-After") != "" &&
		(resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable)
	if retryAfter {
		// Never sooner than asked, but spread over half as long again: the requests a
		// server throttled together must not all come back in the same instant.
		wait += rand.N(wait/2 + 1)
	} else {
		// Equal jitter: somewhere in [wait/2, wait].
		wait = retryablehttp.LinearJitterBackoff(wait/2, wait, 0, nil)
	}
	wait = clamp(wait, 0, waitMax)
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

func clamp(d, lo, hi time.Duration) time.Duration {
	return min(max(d, lo), hi)
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

// prepareRetry sends a retry with the newest token: a long retry sequence may outlive one.
func (cl *call) prepareRetry(req *http.Request) error {
	if !cl.authed {
		return nil
	}
	if token, gen := cl.c.auth.current(); gen > cl.gen {
		req.Header = req.Header.Clone() // the previous attempt's header map is not ours to change
		req.Header.Set("Authorization", "Bearer "+token)
		cl.gen = gen
	}
	return nil
}

func (cl *call) requestHook(_ retryablehttp.Logger, _ *http.Request, retry int) {
	cl.attempt = retry + 1
	cl.sent++
	cl.start = time.Now()
}

func (cl *call) responseHook(_ retryablehttp.Logger, resp *http.Response) {
	if cl.authed {
		cl.c.auth.observe(cl.gen, resp.StatusCode)
	}
	fields := cl.fields()
	fields["status"] = resp.StatusCode
	fields["attempt"] = cl.attempt
	fields["duration_ms"] = time.Since(cl.start).Milliseconds()
	cl.c.logAt(cl.ctx, levelDebug, "Pulse API response", fields)
}

// finish reads a final response: an *Error for an error status, else out decoded.
func (cl *call) finish(resp *http.Response, out any) error {
	if resp.StatusCode >= 400 {
		return cl.responseError(resp, cl.sent)
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err == nil {
		err = decodeInto(data, out)
	}
	if err != nil {
		e := cl.fail(cl.sent, nil)
		e.StatusCode = resp.StatusCode
		e.Code = "unreadable response"
		e.Message = cl.c.redact(err.Error())
		e.Err = err
		return e
	}
	return nil
}

// decodeInto decodes data into out: a func([]byte) error does its own decoding.
func decodeInto(data []byte, out any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("empty response body")
	}
	// Checked first so that every decoder reports a cut-off body the same way.
	if !json.Valid(data) {
		return errors.New("the body is not valid JSON: it was cut off, or came from a proxy rather than the Pulse API")
	}
	if f, ok := out.(func([]byte) error); ok {
		return f(data)
	}
	return json.Unmarshal(data, out)
}

// responseError builds the *Error of an error response and closes its body.
func (cl *call) responseError(resp *http.Response, attempts int) *Error {
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	// Redacted before parsing, which may cut the text short and so split a secret.
	code, msg, dev := parseErrorBody(resp.StatusCode, []byte(cl.c.redact(string(data))))
	e := cl.fail(attempts, nil)
	e.StatusCode = resp.StatusCode
	e.Code, e.Message, e.DevMessage = cl.c.redact(code), cl.c.redact(msg), cl.c.redact(dev)
	return e
}

// fail is an *Error of this call; err (may be nil) is kept as its cause, redacted.
func (cl *call) fail(attempts int, err error) *Error {
	e := &Error{Method: cl.method, Path: cl.path, RequestID: cl.id, Attempts: attempts}
	if err != nil {
		var apiErr *Error
		if errors.As(err, &apiErr) {
			return apiErr
		}
		e.Err = redactedError{err: err, text: cl.c.redact(err.Error())}
	}
	return e
}

// redactedError keeps the chain of err (errors.Is(err, context.Canceled) still works) but
// shows the redacted text.
type redactedError struct {
	err  error
	text string
}

func (r redactedError) Error() string { return r.text }
func (r redactedError) Unwrap() error { return r.err }

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
}

// fields are the fields every log line of the call carries. Never headers or bodies.
func (cl *call) fields() map[string]any {
	return map[string]any{"method": cl.method, "path": cl.path, "request_id": cl.id}
}

type level int

const (
	levelTrace level = iota
	levelDebug
	levelWarn
)

func (c *Client) logAt(ctx context.Context, lv level, msg string, fields map[string]any) {
	switch {
	case c.log == nil:
	case lv == levelWarn:
		c.log.Warn(ctx, msg, fields)
	case lv == levelDebug:
		c.log.Debug(ctx, msg, fields)
	default:
		c.log.Trace(ctx, msg, fields)
	}
}

// leveled routes retryablehttp's own log lines to the Logger, with the call's ctx and fields.
type leveled struct{ cl *call }

func (l leveled) Error(msg string, kv ...any) { l.emit(levelWarn, msg, kv) }
func (l leveled) Warn(msg string, kv ...any)  { l.emit(levelWarn, msg, kv) }
func (l leveled) Info(msg string, kv ...any)  { l.emit(levelDebug, msg, kv) }
func (l leveled) Debug(msg string, kv ...any) { l.emit(levelTrace, msg, kv) }

func (l leveled) emit(lv level, msg string, kv []any) {
	fields := l.cl.fields()
	fields["attempt"] = l.cl.attempt
	if !l.cl.start.IsZero() {
		fields["duration_ms"] = time.Since(l.cl.start).Milliseconds()
	}
	for i := 0; i+1 < len(kv); i += 2 {
		key := fmt.Sprint(kv[i])
		switch v := kv[i+1].(type) {
		case int, int64, bool:
			fields[key] = v
		default:
			fields[key] = l.cl.c.redact(fmt.Sprint(v))
		}
	}
	l.cl.c.logAt(l.cl.ctx, lv, "retryablehttp: "+l.cl.c.redact(msg), fields)
}

// limitedTransport waits for the rate limiter before every attempt.
type limitedTransport struct {
	base    http.RoundTripper
	limiter *rate.Limiter
}

type limiterError struct{ err error }

func (e *limiterError) Error() string { return "client-side rate limit: " + e.err.Error() }
func (e *limiterError) Unwrap() error { return e.err }

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.limiter.Wait(req.Context()); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, &limiterError{err}
	}
	return t.base.RoundTrip(req)
}

func (t *limitedTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// isDialError reports whether err happened while connecting: the request never left.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
