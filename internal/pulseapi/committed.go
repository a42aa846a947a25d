package pulseapi

// A create answered 503 that Pulse carried out. 503 is retried for every method because, as a
// rule, the server did not act on the request; but a gateway that gives up on a slow backend
// answers 503 too, after the backend wrote. Sending the create again would then make a second
// key, and leave the first with a secret nobody has. So before the retry the account is listed
// again: a key that matches the request and was not there before it ends the call, reported as
// CreateError reports a lost answer. Nothing else is sent, deleted or adopted.
//
// "Not there before it" needs a listing from before the create: keysBefore makes one when the
// client has none (a create of a fresh process). It may be as old as it likes, so the creates
// of one account share a single listing.

import (
	"context"
	"net/http"
	"time"
)

// keysBefore is the ids on the account before a create, from the newest listing, made now if
// there is none; nil when it cannot be made (the create then goes ahead, and a key that matches
// it and is younger than clockSkew counts as its own).
func (c *Client) keysBefore(ctx context.Context, header, key string) map[int64]bool {
	if ids := c.knownIDs(key); ids != nil {
		return ids
	}
	if _, err := c.keyListing(ctx, header, key, freshness{stale: true}); err != nil {
		c.logAt(ctx, levelDebug, "Pulse API key listing before a create failed", map[string]any{"account_id": key})
		return nil
	}
	return c.knownIDs(key)
}

// createCommitted looks for the keys a create answered 503 made anyway. It returns nil when
// there are none, so that the create may be sent again, or a CreateError naming them (its Err is
// set by the caller). A listing that fails is no "none": the create is not sent again blindly.
func (c *Client) createCommitted(ctx context.Context, header, key string, in APIKeyInput, before map[int64]bool, sent time.Time) *CreateError {
	made, err := c.keysMadeBy(ctx, header, key, in, before, sent)
	if err != nil {
		return &CreateError{AccountID: key, CheckErr: err}
	}
	if len(made) == 0 {
		return nil
	}
	c.logAt(ctx, levelWarn, "Pulse API key create answered 503 after the key was made; not sent again", map[string]any{
		"method": http.MethodPost, "path": "/apikeys", "account_id": key, "orphans": len(made),
	})
	return &CreateError{AccountID: key, Orphans: made}
}
