package pulseapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
)

// authState is the session token and what is known about it.
//
// Tokens have generations: every successful login makes the next one. A 401 on a token whose
// generation has been superseded is answered by replaying with the newer token; a 401 on the
// current token triggers one re-login shared by every caller that saw it, but only when a
// request has already been accepted with that token (otherwise the fresh token itself is
// refused, and logging in again would loop). The login-time expiresAt is not used: tokens
// slide while in use, so the 401 is the only reliable signal.
type authState struct {
	mu       sync.Mutex
	token    string
	gen      uint64
	validGen uint64 // newest generation a request has been accepted with
	session  *Session
	sticky   error // a refused login or an unavailable account: every call gets it
	inflight *flight[struct{}]
	// calls counts the calls in progress with each token generation, and settled is closed
	// (and replaced) whenever one ends or a token is accepted: a 401 on a token not yet known
	// to be good waits for the calls sent with it before it is judged (see replayable).
	calls   map[uint64]int
	settled chan struct{}
}

// flight is one piece of work whose result concurrent callers share.
type flight[T any] struct {
	done chan struct{}
	val  T
	err  error
}

func newFlight[T any]() *flight[T] { return &flight[T]{done: make(chan struct{})} }

// wait waits for the flight or for ctx.
func (f *flight[T]) wait(ctx context.Context) error {
	select {
	case <-f.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryForWaiter reports whether a caller that waited on someone else's flight should start
// its own: the flight failed only because its leader's context ended.
func retryForWaiter(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// token returns a token of a generation newer than after, logging in if there is none. All
// concurrent callers share one login.
func (c *Client) token(ctx context.Context, after uint64) (string, uint64, error) {
	a := &c.auth
	for {
		a.mu.Lock()
		if a.sticky != nil {
			err := a.sticky
			a.mu.Unlock()
			return "", 0, err
		}
		if a.token != "" && a.gen > after {
			token, gen := a.token, a.gen
			a.mu.Unlock()
			return token, gen, nil
		}
		f := a.inflight
		leader := f == nil
		if leader {
			f = newFlight[struct{}]()
			a.inflight = f
		}
		a.mu.Unlock()

		if leader {
			f.err = c.login(ctx)
			close(f.done)
		} else if err := f.wait(ctx); err != nil {
			return "", 0, err
		}
		if f.err != nil {
			if !leader && retryForWaiter(ctx, f.err) {
				continue
			}
			return "", 0, f.err
		}
	}
}

// login performs POST /auth/login and records the outcome, clearing the in-flight login.
func (c *Client) login(ctx context.Context) error {
	body, what := map[string]string{"apiKey": c.cfg.APIKey, "apiSecret": c.cfg.APISecret}, "API key or secret"
	if c.AuthMethod() == "password" {
		body, what = map[string]string{"email": c.cfg.Email, "password": c.cfg.Password}, "email or password"
	}
	var (
		session *Session
		token   string
	)
	err := c.do(ctx, http.MethodPost, loginPath, "", body, func(data []byte) error {
		s, t, err := decodeSession(data)
		if err == nil && t == "" {
			err = errors.New("the login response carries no token")
		}
		session, token = s, t
		return err
	})
	if err == nil {
		c.addSecret(token)
	}

	a := &c.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inflight = nil
	var apiErr *Error
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized:
		refused := *apiErr
		refused.summary = fmt.Sprintf("invalid %s for %s", what, c.baseURL)
		a.sticky = &refused
		return a.sticky
	case err != nil:
		return err
	}
	if id := c.cfg.AccountID; id != "" && !slices.Contains(session.AccountIDs(), id) {
		a.sticky = &AccountError{AccountID: id, Available: session.AccountIDs()}
		return a.sticky
	}
	a.token, a.session = token, session
	a.gen++
	return nil
}

// AccountIDs lists the accounts the session may act on, primary first.
func (s *Session) AccountIDs() []string {
	var ids []string
	if s.PrimaryAccount.AccountID != "" {
		ids = append(ids, s.PrimaryAccount.AccountID)
	}
	for _, acc := range s.Accounts {
		if acc.AccountID != "" && !slices.Contains(ids, acc.AccountID) {
			ids = append(ids, acc.AccountID)
		}
	}
	return ids
}

// replayable reports whether a call that got a 401 with token generation gen should be
// replayed: the token was superseded meanwhile, or it had been accepted before, or the call
// had waited between attempts (in each case it expired; the replay's token() call logs in
// again). A 401 on the first use of a fresh token is final. Calls still in progress with the
// same token are waited for first: one of them may be the proof that it was good, whose
// answer arrived before this 401 but has not been read yet.
func (a *authState) replayable(ctx context.Context, gen uint64, waited bool) (bool, error) {
	a.mu.Lock()
	for {
		if a.replayNowLocked(gen, waited) {
			a.mu.Unlock()
			return true, nil
		}
		if a.calls[gen] == 0 {
			a.mu.Unlock()
			return false, nil
		}
		settled := a.settledLocked()
		a.mu.Unlock()
		select {
		case <-settled:
		case <-ctx.Done():
			return false, ctx.Err()
		}
		a.mu.Lock()
	}
}

// replayNowLocked is the verdict replayable can give without waiting.
func (a *authState) replayNowLocked(gen uint64, waited bool) bool {
	// With a sticky error the replay reports it instead of this 401.
	return a.sticky != nil || a.gen > gen || (gen == a.gen && (a.validGen >= gen || waited))
}

// begin and end bracket a call made with token generation gen.
func (a *authState) begin(gen uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.calls == nil {
		a.calls = map[uint64]int{}
	}
	a.calls[gen]++
}

func (a *authState) end(gen uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.calls[gen]--; a.calls[gen] <= 0 {
		delete(a.calls, gen)
	}
	a.notifyLocked()
}

func (a *authState) settledLocked() chan struct{} {
	if a.settled == nil {
		a.settled = make(chan struct{})
	}
	return a.settled
}

func (a *authState) notifyLocked() {
	if a.settled != nil {
		close(a.settled)
		a.settled = nil
	}
}

// observe records a response to a request made with token generation gen: any answer that
// shows the token was accepted (not 401, not 429 or 5xx, which may come before authentication).
func (a *authState) observe(gen uint64, status int) {
	if status == http.StatusUnauthorized || status == http.StatusTooManyRequests || status >= 500 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if gen > a.validGen {
		a.validGen = gen
		a.notifyLocked()
	}
}

// current is the newest token and its generation.
func (a *authState) current() (string, uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.token, a.gen
}

// Session logs in if needed and returns the payload of the current login (no extra request).
func (c *Client) Session(ctx context.Context) (*Session, error) {
	if _, _, err := c.token(ctx, 0); err != nil {
		return nil, err
	}
	c.auth.mu.Lock()
	s := *c.auth.session
	c.auth.mu.Unlock()
	s.Roles = slices.Clone(s.Roles)
	s.Permissions = slices.Clone(s.Permissions)
	s.Accounts = slices.Clone(s.Accounts)
	return &s, nil
}

// DefaultAccountID is Config.AccountID, else the session's primary account id.
func (c *Client) DefaultAccountID(ctx context.Context) (string, error) {
	if c.cfg.AccountID != "" {
		// Still log in: an unavailable account is reported here rather than on first use.
		if _, _, err := c.token(ctx, 0); err != nil {
			return "", err
		}
		return c.cfg.AccountID, nil
	}
	s, err := c.Session(ctx)
	if err != nil {
		return "", err
	}
	if s.PrimaryAccount.AccountID == "" {
		return "", fmt.Errorf("pulseapi: the session for %s names no primary account; set an account id", c.baseURL)
	}
	return s.PrimaryAccount.AccountID, nil
}

// account resolves a method's accountID: the X-Account-ID header to send ("" for none) and
// the id the caches key on (the primary account's id when no header is sent).
func (c *Client) account(ctx context.Context, accountID string) (header, key string, err error) {
	if accountID != "" && !isDigits(accountID) {
		return "", "", fmt.Errorf("pulseapi: account id %q must be a string of digits", accountID)
	}
	if accountID == "" {
		accountID = c.cfg.AccountID
	}
	if accountID != "" {
		return accountID, accountID, nil
	}
	key, err = c.DefaultAccountID(ctx)
	return "", key, err
}
