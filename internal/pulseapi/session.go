package pulseapi

import (
	"context"
	"fmt"
	"slices"
)

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

// Session logs in if needed and returns the payload of the current login (no extra request).
func (c *Client) Session(ctx context.Context) (*Session, error) {
	if _, _, err := c.auth.currentToken(ctx, 0); err != nil {
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

// NewSession logs in afresh and returns the new session's token and payload, with the account
// the client acts on in it, for a caller that hands a token on (an ephemeral session). The
// token is the caller's: the client neither uses nor replaces its own with it, and it is
// registered in Secrets like every token.
func (c *Client) NewSession(ctx context.Context) (token string, s *Session, accountID string, err error) {
	s, token, err = c.loginRequest(ctx)
	if err == nil {
		accountID, err = c.accountOf(s)
	}
	if err != nil {
		return "", nil, "", err
	}
	return token, s, accountID, nil
}

// DefaultAccountID is Config.AccountID, else the session's primary account id.
func (c *Client) DefaultAccountID(ctx context.Context) (string, error) {
	s, err := c.Session(ctx)
	if err != nil {
		return "", err
	}
	return c.accountOf(s)
}

// accountOf is the account the client acts on in session s: Config.AccountID, which must be
// one of s's (an *AccountError otherwise), else s's primary account.
func (c *Client) accountOf(s *Session) (string, error) {
	if id := c.cfg.AccountID; id != "" {
		if !slices.Contains(s.AccountIDs(), id) {
			return "", &AccountError{AccountID: id, Available: s.AccountIDs(), AuthMethod: c.AuthMethod()}
		}
		return id, nil
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
