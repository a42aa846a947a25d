package pulseapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/go-uuid"
)

// call is one logical API call: one request id, any number of attempts. Its fields are used
// by one goroutine, the one running retryablehttp's loop, which calls the transports too.
type call struct {
	c            *Client
	ctx          context.Context
	method, path string
	account      string // X-Account-ID, "" for none
	id           string // x-pulse-id
	// idempotent calls are retried on 5xx and connection errors: every method but POST, and
	// the login, which creates nothing that a retry could duplicate.
	idempotent bool

	attempt   int // the attempt in progress, from 1
	start     time.Time
	sent      int           // attempts sent
	failed    int           // retries after a failure
	throttled int           // retries after a 429
	waited    time.Duration // between attempts
	// tooLong is set when the server asked to wait longer than the call may.
	tooLong *retryAfterError
	// authGen is the token generation the call holds (see authTransport); 0 = none.
	authGen uint64
	// resend, when set, decides whether a POST answered 503 is sent again (see retry.go).
	resend func(context.Context) bool
}

type callKey struct{}

// callFrom is the call a request belongs to, for the transports; nil outside a call.
func callFrom(ctx context.Context) *call {
	cl, _ := ctx.Value(callKey{}).(*call)
	return cl
}

func (c *Client) newCall(ctx context.Context, method, path, account string) (*call, error) {
	id, err := uuid.GenerateUUID()
	if err != nil {
		return nil, fmt.Errorf("pulseapi: generating a request id: %w", err)
	}
	return &call{
		c: c, ctx: ctx, method: method, path: path, account: account, id: id,
		idempotent: method != http.MethodPost || path == loginPath,
	}, nil
}

// exchange makes the attempts of the call through hc with go-retryablehttp and reads the
// final answer into out.
func (cl *call) exchange(hc *http.Client, payload []byte, out any) error {
	c := cl.c
	var body any
	if payload != nil {
		body = payload
	}
	ctx := context.WithValue(cl.ctx, callKey{}, cl)
	req, err := retryablehttp.NewRequestWithContext(ctx, cl.method, c.baseURL+cl.path, body)
	if err != nil {
		return cl.fail(0, err)
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

	rc := &retryablehttp.Client{
		HTTPClient:   hc,
		RetryWaitMin: c.cfg.RetryWaitMin,
		RetryWaitMax: c.cfg.RetryWaitMax,
		// checkRetry keeps the two budgets; this only has to be large enough for both.
		RetryMax:        (1 + throttleRetriesPerRetry) * *c.cfg.MaxRetries,
		CheckRetry:      cl.checkRetry,
		Backoff:         cl.backoff,
		ErrorHandler:    cl.errorHandler,
		RequestLogHook:  cl.requestHook,
		ResponseLogHook: cl.responseHook,
	}
	if c.log != nil {
		rc.Logger = leveled{cl}
	}
	resp, err := rc.Do(req)
	if err != nil {
		return cl.fail(cl.sent, err)
	}
	return cl.finish(resp, out)
}

// finish reads a final answer: an *Error for a redirect or an error status, else out decoded.
func (cl *call) finish(resp *http.Response, out any) error {
	if resp.StatusCode >= 300 {
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
		e.Message = cl.c.secrets.Redact(err.Error())
		e.Err = err
		return e
	}
	return nil
}

// emptyOK is a decoder for an answer that may have no body at all: Pulse documents
// {"success": true} for PATCH and DELETE, and builds answer 204, or 200 with nothing.
type emptyOK func([]byte) error

// decodeInto decodes data into out: a func([]byte) error (or emptyOK) does its own decoding.
func decodeInto(data []byte, out any) error {
	if f, ok := out.(emptyOK); ok {
		if len(bytes.TrimSpace(data)) == 0 {
			return nil
		}
		out = (func([]byte) error)(f)
	}
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

// responseError builds the *Error of an error (or redirect) answer and closes its body. Every
// text from the server is redacted before it is parsed, cut or collapsed, so that no part of
// a secret survives in any encoding.
func (cl *call) responseError(resp *http.Response, attempts int) *Error {
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	redact := cl.c.secrets.Redact
	e := cl.fail(attempts, nil)
	e.StatusCode = resp.StatusCode
	e.Code, e.Message, e.DevMessage = parseErrorBody(resp.StatusCode, data, redact)
	if resp.StatusCode < 400 {
		e.Code = "redirect not followed"
		e.Message = fmt.Sprintf("the server redirected to %q, and the Pulse API documents no redirect, so no "+
			"credential was sent there; check the base URL", redact(excerpt([]byte(redact(SafeURL(resp.Header.Get("Location")))))))
	}
	if cl.tooLong != nil {
		e.Note = cl.tooLong.Error()
	}
	if resp.StatusCode == http.StatusNotFound && cl.account != "" && !isKeyNotFound(e) {
		e.Note = fmt.Sprintf("Pulse answers 404 both for what does not exist and for what these credentials may "+
			"not reach: account %s may not exist, or may be out of their reach", cl.account)
	}
	return e
}

// fail is an *Error of this call; err (may be nil) is kept as its cause, redacted.
func (cl *call) fail(attempts int, err error) *Error {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr
	}
	e := &Error{Method: cl.method, Path: cl.path, RequestID: cl.id, Attempts: attempts}
	if err != nil {
		e.Err = redactedError{err: err, text: cl.c.secrets.Redact(err.Error())}
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
