package pulseapi

// A create whose answer is lost. The answer is the only copy of the new key's secret: when a
// connection drops after the request left, or a gateway answers 5xx while Pulse itself went on,
// or the answer cannot be read, the key may exist with a secret nobody holds. The client does
// not guess and never deletes or adopts such a key: it lists the account once more and names,
// in the error, each key that matches the request and was not there before it.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

const (
	// clockSkew is how far the server's clock may be behind ours for a key created by the lost
	// request still to count as made after it was sent.
	clockSkew = 10 * time.Minute
	// lostCreateCheck bounds the listing made after a create whose caller has given up.
	lostCreateCheck = 30 * time.Second
)

// CreateError is the error of a create whose answer was lost.
type CreateError struct {
	Err       error // the failure
	AccountID string
	// Orphans are the keys matching the request that were not there before it: most likely
	// made by it, with a secret nobody has.
	Orphans []APIKey
	// CheckErr says why the account could not be listed again, if it could not.
	CheckErr error
}

func (e *CreateError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	switch {
	case e.CheckErr != nil:
		fmt.Fprintf(&b, "; the key may have been created anyway, and listing account %s to find out failed: %s",
			e.AccountID, e.CheckErr)
	case len(e.Orphans) == 0:
		fmt.Fprintf(&b, "; account %s was listed again and holds no key made by this request", e.AccountID)
	default:
		fmt.Fprintf(&b, "; the key was created anyway on account %s, but its secret was lost with the answer:", e.AccountID)
		for _, k := range e.Orphans {
			fmt.Fprintf(&b, " id %d (%q, %s, created %s);", k.ID, k.Description, k.APIKey, k.CreatedAt.UTC().Format(time.RFC3339))
		}
	}
	return strings.TrimSuffix(b.String(), ";")
}

func (e *CreateError) Unwrap() error { return e.Err }

// mayHaveCreated reports whether a failed create may have made the key: it was sent, and
// either no answer came, or a 5xx, or a 2xx that could not be read.
func mayHaveCreated(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Attempts == 0 {
		return false
	}
	switch {
	case e.StatusCode == 0:
		return !isDialError(e.Err)
	case e.StatusCode < 300, e.StatusCode >= 500:
		return true
	}
	return false
}

func (c *Client) lostCreate(ctx context.Context, header, key string, in APIKeyInput, before map[int64]bool, sent time.Time, err error) error {
	lost := &CreateError{Err: err, AccountID: key}
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), lostCreateCheck)
		defer cancel()
	}
	made, lerr := c.keysMadeBy(ctx, header, key, in, before, sent)
	if lerr != nil {
		lost.CheckErr = lerr
		return lost
	}
	lost.Orphans = made
	c.logAt(ctx, levelWarn, "Pulse API key create lost its answer", map[string]any{
		"method": http.MethodPost, "path": "/apikeys", "account_id": key, "orphans": len(lost.Orphans),
	})
	return lost
}

// keysMadeBy lists the account afresh and returns the keys that match a create sent at sent
// and were not there before it.
func (c *Client) keysMadeBy(ctx context.Context, header, key string, in APIKeyInput, before map[int64]bool, sent time.Time) ([]APIKey, error) {
	l, err := c.keyListing(ctx, header, key, freshness{startedFrom: c.nextListing()})
	if err != nil {
		return nil, err
	}
	// Read after the listing, so that a sibling create answered meanwhile is known too.
	mine := c.madeIDs(key)
	var made []APIKey
	for _, k := range l.keys {
		if before[k.ID] || mine[k.ID] || (!k.CreatedAt.IsZero() && k.CreatedAt.Before(sent.Add(-clockSkew))) {
			continue
		}
		if k.Description == in.Description && samePermissions(k.Permissions, in.Permissions) && sameExpiry(k.ExpiresAt, in.ExpiresAt) {
			made = append(made, cloneKey(k))
		}
	}
	return made, nil
}

func sameExpiry(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Truncate(time.Millisecond).Equal(b.Truncate(time.Millisecond))
}
