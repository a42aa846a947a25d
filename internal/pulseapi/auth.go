package pulseapi

// authTransport, the layer under the retry policy: it puts the session token on every
// request, logs in when there is none, and decides what a 401 means.
//
// Tokens have generations: every login makes the next. Tokens slide while in use, so the
// login-time expiresAt is not used: a 401 is the only reliable sign of an expiry. A 401 on
// generation g is answered thus:
//
//   - a newer token exists, or g is already known to have expired: replay with the newest;
//   - g was accepted before, or this call waited between attempts (its token may have died
//     while it waited): g has expired; log in again (once, for every call that met it) and
//     replay;
//   - otherwise g was refused on first use, which re-logging in would not mend, unless
//     another call holding g (an attempt under way, or one waiting to retry after a 429) may
//     yet prove it good or expired: wait for those, then judge again. With none left, or only
//     calls that are themselves waiting to judge a 401, the 401 is final.
//
// A call holds the generation its last attempt carried until it ends. The verdict on each
// answer is one step under the lock, so a call that sees an expiry has marked g expired
// before any other call can judge g without it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
)

// maxReplays bounds how many times one attempt is replayed after a 401.
const maxReplays = 3

type authTransport struct {
	c    *Client
	next http.RoundTripper

	mu      sync.Mutex
	token   string
	gen     uint64 // generation of token; 0 = none yet
	good    uint64 // newest generation a request was accepted with
	dead    uint64 // newest generation known to have expired
	session *Session
	sticky  error          // a refused login or an unavailable account: every call gets it
	holders map[uint64]int // calls holding each generation
	judging map[uint64]int // of those, the calls waiting to judge a 401
	settled chan struct{}  // closed (and replaced) whenever what a 401's verdict rests on changes
}

func (a *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	cl := callFrom(ctx)
	if cl == nil {
		return nil, errors.New("pulseapi: a request outside a call reached the auth layer")
	}
	waited := cl.attempt > 1
	var after uint64
	for replay := 0; ; replay++ {
		token, gen, err := a.currentToken(ctx, after)
		if err != nil {
			closeBody(req)
			return nil, err
		}
		r := req.Clone(ctx)
		if replay > 0 && req.GetBody != nil {
			if r.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		r.Header.Set("Authorization", "Bearer "+token)
		a.hold(cl, gen)
		resp, err := a.next.RoundTrip(r)
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		// Only the token the call held while it waited may have died of the wait; a replay's is new.
		again, waitErr := a.settle(ctx, gen, status, waited && replay == 0, replay < maxReplays)
		switch {
		case err != nil:
			return nil, err
		case waitErr != nil:
			drain(resp)
			return nil, waitErr
		case !again:
			return resp, nil
		}
		drain(resp)
		after = gen
	}
}

// hold makes cl a holder of generation gen, and no longer of the one it held before.
func (a *authTransport) hold(cl *call, gen uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if cl.authGen == gen {
		return
	}
	if a.holders == nil {
		a.holders, a.judging = map[uint64]int{}, map[uint64]int{}
	}
	a.dropLocked(cl.authGen)
	a.holders[gen]++
	cl.authGen = gen
	a.notifyLocked()
}

// release ends cl's hold, when the call ends.
func (a *authTransport) release(cl *call) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.dropLocked(cl.authGen)
	cl.authGen = 0
	a.notifyLocked()
}

func (a *authTransport) dropLocked(gen uint64) {
	if gen == 0 {
		return
	}
	if a.holders[gen]--; a.holders[gen] <= 0 {
		delete(a.holders, gen)
	}
}

// settle records the answer (status; 0 for none) to an attempt of a call holding generation
// gen, and says whether to replay it with a newer token.
func (a *authTransport) settle(ctx context.Context, gen uint64, status int, waited, canReplay bool) (bool, error) {
	a.mu.Lock()
	// 429 and 5xx may come before authentication: they prove nothing about the token.
	if status != 0 && status != http.StatusUnauthorized && status != http.StatusTooManyRequests && status < 500 {
		a.good = max(a.good, gen)
	}
	a.notifyLocked()
	if status != http.StatusUnauthorized || !canReplay {
		a.mu.Unlock()
		return false, nil
	}
	for {
		switch {
		case a.refusedLocked(), a.gen > gen, a.dead >= gen:
			a.mu.Unlock()
			return true, nil
		case a.good >= gen, waited:
			a.dead = gen
			a.notifyLocked()
			a.mu.Unlock()
			return true, nil
		case a.holders[gen]-a.judging[gen]-1 <= 0:
			a.notifyLocked() // a call waiting on this one judges again
			a.mu.Unlock()
			return false, nil
		}
		if a.settled == nil {
			a.settled = make(chan struct{})
		}
		settled := a.settled
		a.judging[gen]++
		a.mu.Unlock()
		var err error
		select {
		case <-settled:
		case <-ctx.Done():
			err = ctx.Err()
		}
		a.mu.Lock()
		a.judging[gen]--
		if err != nil {
			a.notifyLocked()
			a.mu.Unlock()
			return false, err
		}
	}
}

// refusedLocked reports a refused login or an unavailable account: a 401 is then replayed,
// so that the replay's token request reports that instead.
func (a *authTransport) refusedLocked() bool { return a.sticky != nil }

func (a *authTransport) notifyLocked() {
	if a.settled != nil {
		close(a.settled)
		a.settled = nil
	}
}

// currentToken returns a live token of a generation newer than after, logging in when there
// is none. Concurrent callers share one login.
func (a *authTransport) currentToken(ctx context.Context, after uint64) (string, uint64, error) {
	for {
		a.mu.Lock()
		sticky, token, gen, usable := a.sticky, a.token, a.gen, a.token != "" && a.gen > after && a.gen > a.dead
		a.mu.Unlock()
		switch {
		case sticky != nil:
			return "", 0, sticky
		case usable:
			return token, gen, nil
		}
		login := func(ctx context.Context) (struct{}, error) { return a.login(ctx, gen) }
		if _, err := sharedDo(ctx, &a.c.flights, "login", login); err != nil {
			return "", 0, err
		}
	}
}

// login logs in (loginRequest) and records the outcome. seen is the generation its caller found unusable: a login that ended
// since then (its flight over before this one began) makes this one needless.
func (a *authTransport) login(ctx context.Context, seen uint64) (struct{}, error) {
	a.mu.Lock()
	needless := a.gen != seen || a.sticky != nil
	a.mu.Unlock()
	if needless {
		return struct{}{}, nil // the callers look again, at the newer token or the refusal
	}
	session, token, err := a.c.loginRequest(ctx)

	a.mu.Lock()
	defer a.mu.Unlock()
	if IsUnauthorized(err) {
		a.sticky = err
		return struct{}{}, err
	}
	if err != nil {
		return struct{}{}, err
	}
	// A configured account the session does not list fails every call alike.
	var accountErr *AccountError
	if _, err := a.c.accountOf(session); errors.As(err, &accountErr) {
		a.sticky = accountErr
		return struct{}{}, a.sticky
	}
	a.token, a.session = token, session
	a.gen++
	return struct{}{}, nil
}

// loginRequest sends POST /auth/login through the retry policy and the layers below
// authentication, and returns the session and its token, which it registers in Secrets. A 401
// is an *Error that says the credentials were refused.
func (c *Client) loginRequest(ctx context.Context) (*Session, string, error) {
	body, what := map[string]string{"apiKey": c.cfg.APIKey, "apiSecret": c.cfg.APISecret}, "API key or secret"
	if c.AuthMethod() == "password" {
		body, what = map[string]string{"email": c.cfg.Email, "password": c.cfg.Password}, "email or password"
	}
	cl, err := c.newCall(ctx, http.MethodPost, loginPath, "")
	if err != nil {
		return nil, "", err
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, "", cl.fail(0, err)
	}
	var (
		session *Session
		token   string
	)
	err = cl.exchange(c.loginHTTP, payload, func(data []byte) error {
		s, t, err := decodeSession(data)
		if err == nil && t == "" {
			err = errors.New("the login response carries no token")
		}
		c.secrets.Add(t)
		session, token = s, t
		return err
	})
	var apiErr *Error
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized {
		refused := *apiErr
		refused.summary = fmt.Sprintf("invalid %s for %s", what, c.baseURL)
		return nil, "", &refused
	}
	return session, token, err
}
