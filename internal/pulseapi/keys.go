package pulseapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrKeyNotFound is wrapped by the error of a lookup that does not find the key, and of a
// PATCH or DELETE that Pulse answers "API key not found". Only it means the key is gone: a 404
// with another message may mean "no access", and a failed listing means nothing.
var ErrKeyNotFound = errors.New("API key not found")

// ErrKeyReplaced is wrapped by the error of a lookup whose id now names another key (ids are
// reused after a reset or a restore): the key looked for is gone. It wraps ErrKeyNotFound.
var ErrKeyReplaced = fmt.Errorf("%w: its id now names another key", ErrKeyNotFound)

// ErrKeyStillListed is wrapped by the error of a PATCH or DELETE that Pulse answered "API key
// not found" while a listing made after it still holds the key: it exists, and is out of these
// credentials' reach.
var ErrKeyStillListed = errors.New("the key is still listed")

// ErrKeySessionRefused is wrapped by the error of a PATCH or DELETE that Pulse refused a
// session opened with an API key: a 403, or an "API key not found" for a key that is still
// listed. Some builds let a key's session write only that key; an account administrator's
// email and password manage every key.
var ErrKeySessionRefused = errors.New("an API key's session was refused the write of this key")

// KeyRef names one key for its whole life: its id, with its public apiKey and creation time
// when known (ids may be handed to another key; these never change). Zero fields are not
// compared; times are compared to the second, the precision the provider's state keeps.
type KeyRef struct {
	ID        int64
	APIKey    string
	CreatedAt time.Time
}

func (r KeyRef) matches(k APIKey) bool {
	return k.ID == r.ID &&
		(r.APIKey == "" || k.APIKey == r.APIKey) &&
		(r.CreatedAt.IsZero() || k.CreatedAt.IsZero() || k.CreatedAt.Truncate(time.Second).Equal(r.CreatedAt.Truncate(time.Second)))
}

// ListAPIKeys lists an account's keys ("" = the default account), every page, by id.
// Concurrent callers share one listing; the result is kept until a write on the account.
func (c *Client) ListAPIKeys(ctx context.Context, accountID string) ([]APIKey, error) {
	header, key, err := c.account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	l, err := c.keyListing(ctx, header, key, freshness{})
	if err != nil {
		return nil, err
	}
	out := make([]APIKey, len(l.keys))
	for i := range l.keys {
		out[i] = cloneKey(l.keys[i])
	}
	return out, nil
}

// GetAPIKey finds the key with id in the account's listing. A key that is not there is an
// *Error wrapping ErrKeyNotFound.
func (c *Client) GetAPIKey(ctx context.Context, accountID string, id int64) (*APIKey, error) {
	return c.FindAPIKey(ctx, accountID, KeyRef{ID: id})
}

// FindAPIKey finds the key ref names. It is judged gone (an *Error wrapping ErrKeyNotFound)
// only on the word of a listing that started after this call did, whose pages added up (or,
// for a list that gives no counts, of two such listings); its id holding another key is an
// *Error wrapping ErrKeyReplaced.
func (c *Client) FindAPIKey(ctx context.Context, accountID string, ref KeyRef) (*APIKey, error) {
	header, key, err := c.account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	startedFrom := c.nextListing()
	want := freshness{}
	for confirmations := 0; ; {
		l, err := c.keyListing(ctx, header, key, want)
		if err != nil {
			return nil, err
		}
		if k, ok := l.find(ref.ID); ok {
			if !ref.matches(k) {
				return nil, keyGone(key, ref, &k, l.requestID)
			}
			return &k, nil
		}
		switch {
		case l.number < startedFrom:
			want.startedFrom = startedFrom
		case !l.verified && confirmations == 0:
			confirmations++
			want.startedFrom = l.number + 1
		default:
			return nil, keyGone(key, ref, nil, l.requestID)
		}
	}
}

// CheckAPIKey makes sure ref's id still names the key ref describes before a write touches it
// (a newest listing from before other writes will do: an id's apiKey never changes). It is
// nil, or an *Error wrapping ErrKeyNotFound or ErrKeyReplaced, or the listing's error.
func (c *Client) CheckAPIKey(ctx context.Context, accountID string, ref KeyRef) error {
	header, key, err := c.account(ctx, accountID)
	if err != nil {
		return err
	}
	l, err := c.keyListing(ctx, header, key, freshness{stale: true})
	if err != nil {
		return err
	}
	if k, ok := l.find(ref.ID); ok {
		if !ref.matches(k) {
			return keyGone(key, ref, &k, l.requestID)
		}
		return nil
	}
	_, err = c.FindAPIKey(ctx, accountID, ref)
	return err
}

func keyGone(account string, ref KeyRef, other *APIKey, requestID string) *Error {
	e := &Error{
		Method: http.MethodGet, Path: "/apikeys", StatusCode: http.StatusNotFound, Code: "API key not found",
		Message: fmt.Sprintf("no API key with id %d in account %s", ref.ID, account), RequestID: requestID, Err: ErrKeyNotFound,
	}
	if other != nil {
		e.Message = fmt.Sprintf("id %d in account %s now names another key (%s, created %s), not %s: the key "+
			"it named is gone, and the other one is left alone", ref.ID, account, other.APIKey,
			other.CreatedAt.UTC().Format(time.RFC3339), ref.APIKey)
		e.Err = ErrKeyReplaced
	}
	return e
}

type keyBody struct {
	Description         string   `json:"description"`
	FlatPermissionsList []string `json:"flatPermissionsList"`
	ExpiresAt           *string  `json:"expiresAt"`
}

func newKeyBody(in APIKeyInput) keyBody {
	b := keyBody{Description: in.Description, FlatPermissionsList: in.Permissions}
	if b.FlatPermissionsList == nil {
		b.FlatPermissionsList = []string{}
	}
	if in.ExpiresAt != nil {
		s := in.ExpiresAt.UTC().Format(time.RFC3339Nano)
		b.ExpiresAt = &s
	}
	return b
}

// CreateAPIKey creates a key; the result carries the Secret, which the API returns only now.
// When the answer is lost (see CreateError), the error names any key the request made anyway.
func (c *Client) CreateAPIKey(ctx context.Context, accountID string, in APIKeyInput) (*APIKey, error) {
	header, key, err := c.account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	before := c.keysBefore(ctx, header, key)
	sent := time.Now()
	c.wrote(key)
	var created *APIKey
	var committed *CreateError
	resend := func(ctx context.Context) bool {
		committed = c.createCommitted(ctx, header, key, in, before, sent)
		return committed == nil
	}
	_, err = c.doVetted(ctx, http.MethodPost, "/apikeys", header, newKeyBody(in), func(data []byte) (err error) {
		var listed bool
		created, listed, err = decodeKey(data)
		if created != nil {
			c.secrets.Add(created.Secret)
			if !listed {
				// Pulse checked and granted what was asked; the next listing says what it holds.
				created.Permissions = slices.Clone(in.Permissions)
			}
		}
		return err
	}, resend)
	c.wrote(key)
	if err != nil {
		if committed != nil {
			committed.Err = err
			return nil, committed
		}
		if mayHaveCreated(err) {
			return nil, c.lostCreate(ctx, header, key, in, before, sent, err)
		}
		return nil, err
	}
	if created.AccountID == "" {
		created.AccountID = key
	}
	c.madeKey(key, created.ID)
	return created, nil
}

// UpdateAPIKey replaces a key's description, permissions and expiry.
func (c *Client) UpdateAPIKey(ctx context.Context, accountID string, id int64, in APIKeyInput) error {
	return c.writeKey(ctx, accountID, http.MethodPatch, id, newKeyBody(in))
}

// DeleteAPIKey deletes a key, permanently. A key Pulse says it does not have is an *Error
// wrapping ErrKeyNotFound.
func (c *Client) DeleteAPIKey(ctx context.Context, accountID string, id int64) error {
	return c.writeKey(ctx, accountID, http.MethodDelete, id, nil)
}

func (c *Client) writeKey(ctx context.Context, accountID, method string, id int64, body any) error {
	header, key, err := c.account(ctx, accountID)
	if err != nil {
		return err
	}
	c.wrote(key)
	defer c.wrote(key)
	_, err = c.do(ctx, method, "/apikeys/"+strconv.FormatInt(id, 10), header, body, emptyOK(checkSuccess))
	var e *Error
	switch {
	case !errors.As(err, &e):
	case isKeyNotFound(e):
		c.confirmGone(ctx, key, id, e)
	case e.StatusCode == http.StatusNotFound && e.Note != "":
		e.Note += "; the key may still exist"
	case e.StatusCode == http.StatusNotFound:
		e.Note = "Pulse answers 404 both for a key that does not exist and for one these credentials may not " +
			"reach, and this answer does not say \"API key not found\": the key may still exist"
	case e.StatusCode == http.StatusForbidden && c.AuthMethod() == "api_key":
		e.Err = ErrKeySessionRefused
		e.Note = "Some Pulse builds refuse a session opened with an API key the update and delete of any key " +
			"but that key itself, whatever its permissions"
	}
	return err
}

func isKeyNotFound(e *Error) bool {
	return e.StatusCode == http.StatusNotFound && strings.EqualFold(strings.TrimSpace(e.Code), "API key not found")
}

// confirmGone checks a write's "API key not found" against a listing that started after it:
// only when the key is not there is it gone (e wraps ErrKeyNotFound). A build may answer so to
// a caller it will not let touch the key, which a destroy must not take for done.
func (c *Client) confirmGone(ctx context.Context, account string, id int64, e *Error) {
	_, err := c.FindAPIKey(ctx, account, KeyRef{ID: id})
	switch {
	case errors.Is(err, ErrKeyNotFound):
		e.Err = ErrKeyNotFound
	case err != nil:
		e.Note = "Listing account " + account + " to confirm that the key is gone failed: " + err.Error()
	default:
		e.Err = ErrKeyStillListed
		e.Note = fmt.Sprintf("A listing of account %s made after this answer still holds key %d: it exists, and "+
			"these credentials may not change it", account, id)
		if c.AuthMethod() == "api_key" {
			e.Err = errors.Join(ErrKeyStillListed, ErrKeySessionRefused)
			e.Note += " (some Pulse builds answer so to a session opened with an API key that updates or deletes " +
				"another key)"
		}
	}
}

// checkSuccess accepts any body but an explicit {"success": false}: an empty 204 or 200 (a
// proxy, another build) is a write done.
func checkSuccess(data []byte) error {
	var r struct {
		Success *bool `json:"success"`
	}
	if json.Unmarshal(data, &r) == nil && r.Success != nil && !*r.Success {
		return errors.New(`the server answered {"success": false}`)
	}
	return nil
}

// samePermissions compares two permission lists as sets.
func samePermissions(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}
