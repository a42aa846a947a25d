package pulseapi

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

const (
	pageSize = 100
	maxPages = 1000 // a guard against a server that never stops paging
)

// paginate fetches pages 1, 2, ... until the page count, the total, a short page, or a page
// with nothing new (a server ignoring the page parameter) says the list is complete.
func paginate[T any](fetch func(page int) (page[T], error), id func(T) string) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	for n := 1; n <= maxPages; n++ {
		p, err := fetch(n)
		if err != nil {
			return nil, err
		}
		fresh := 0
		for _, item := range p.Items {
			if k := id(item); !seen[k] {
				seen[k] = true
				all = append(all, item)
				fresh++
			}
		}
		switch {
		case fresh == 0:
			return all, nil
		case p.Pages > 0:
			if n >= p.Pages {
				return all, nil
			}
		case p.Total > 0:
			if len(all) >= p.Total {
				return all, nil
			}
		case len(p.Items) < pageSize:
			return all, nil
		}
	}
	return all, nil
}

// ListAccounts lists every account the caller belongs to (all pages) that matches f.
func (c *Client) ListAccounts(ctx context.Context, f AccountFilter) ([]Account, error) {
	return paginate(func(n int) (page[Account], error) {
		q := url.Values{"page": {strconv.Itoa(n)}, "pageSize": {strconv.Itoa(pageSize)}}
		if f.Name != "" {
			q.Set("name", f.Name)
		}
		if f.Repcode != "" {
			q.Set("repcode", f.Repcode)
		}
		var p page[Account]
		err := c.do(ctx, http.MethodGet, "/accounts?"+q.Encode(), "", nil, func(data []byte) (err error) {
			p, err = decodeAccountPage(data)
			return err
		})
		return p, err
	}, func(a Account) string { return a.AccountID + "/" + strconv.FormatInt(a.ID, 10) })
}

// ListPermissions lists the permissions grantable on an account ("" = the default account).
// The answer is cached for the life of the Client; concurrent first callers share one request.
func (c *Client) ListPermissions(ctx context.Context, accountID string) ([]Permission, error) {
	header, key, err := c.account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	for {
		c.cacheMu.Lock()
		f := c.permissions[key]
		leader := f == nil
		if leader {
			f = newFlight[[]Permission]()
			c.permissions[key] = f
		}
		c.cacheMu.Unlock()

		if leader {
			f.err = c.do(ctx, http.MethodGet, "/permissions", header, nil, func(data []byte) (err error) {
				f.val, err = decodePermissions(data)
				return err
			})
			if f.err != nil {
				c.cacheMu.Lock()
				delete(c.permissions, key) // errors are not cached
				c.cacheMu.Unlock()
			}
			close(f.done)
		} else if err := f.wait(ctx); err != nil {
			return nil, err
		}
		if f.err != nil {
			if !leader && retryForWaiter(ctx, f.err) {
				continue
			}
			return nil, f.err
		}
		return slices.Clone(f.val), nil
	}
}

// keyCache is the listing of one account's keys. gen counts the writes on the account: a
// listing is stored only if no write happened since it started.
type keyCache struct {
	gen       uint64
	listing   *keyListing // nil = not cached
	inflight  *flight[keyListing]
	flightGen uint64
}

type keyListing struct {
	keys      []APIKey
	requestID string // of the listing's last page request
}

// ListAPIKeys lists an account's keys ("" = the default account), every page. Concurrent
// callers share one listing; the result is kept until a write on the account.
func (c *Client) ListAPIKeys(ctx context.Context, accountID string) ([]APIKey, error) {
	header, key, err := c.account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	l, err := c.listKeys(ctx, header, key)
	if err != nil {
		return nil, err
	}
	out := make([]APIKey, len(l.keys))
	for i := range l.keys {
		out[i] = cloneKey(l.keys[i])
	}
	// The API documents no order; ours is stable, so that a plan of the data source is too.
	slices.SortFunc(out, func(a, b APIKey) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ErrKeyNotFound is wrapped by GetAPIKey's error when the listing does not hold the key. Only
// it means the key is gone: a 404 on the listing itself may mean the account is out of reach.
var ErrKeyNotFound = errors.New("API key not found")

// GetAPIKey finds one key in the account's listing (the API has no GET /apikeys/{id}). A key
// that is not there is an *Error wrapping ErrKeyNotFound.
func (c *Client) GetAPIKey(ctx context.Context, accountID string, id int64) (*APIKey, error) {
	header, key, err := c.account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	l, err := c.listKeys(ctx, header, key)
	if err != nil {
		return nil, err
	}
	for i := range l.keys {
		if l.keys[i].ID == id {
			k := cloneKey(l.keys[i])
			return &k, nil
		}
	}
	return nil, &Error{
		Method: http.MethodGet, Path: "/apikeys", StatusCode: http.StatusNotFound, Code: "API key not found",
		Message: fmt.Sprintf("no API key with id %d in account %s", id, key), RequestID: l.requestID, Err: ErrKeyNotFound,
	}
}

func (c *Client) listKeys(ctx context.Context, header, key string) (keyListing, error) {
	for {
		c.cacheMu.Lock()
		e := c.keys[key]
		if e == nil {
			e = &keyCache{}
			c.keys[key] = e
		}
		if e.listing != nil {
			l := *e.listing
			c.cacheMu.Unlock()
			return l, nil
		}
		f := e.inflight
		leader := f == nil || e.flightGen != e.gen // a listing begun before a write is not joined
		if leader {
			f = newFlight[keyListing]()
			e.inflight, e.flightGen = f, e.gen
		}
		gen := e.flightGen
		c.cacheMu.Unlock()

		if leader {
			f.val, f.err = c.fetchKeys(ctx, header, key)
			c.cacheMu.Lock()
			if e.inflight == f {
				e.inflight = nil
			}
			if f.err == nil && e.gen == gen {
				e.listing = &f.val
			}
			c.cacheMu.Unlock()
			close(f.done)
		} else if err := f.wait(ctx); err != nil {
			return keyListing{}, err
		}
		if f.err != nil && !leader && retryForWaiter(ctx, f.err) {
			continue
		}
		return f.val, f.err
	}
}

func (c *Client) fetchKeys(ctx context.Context, header, key string) (keyListing, error) {
	var requestID string
	keys, err := paginate(func(n int) (page[APIKey], error) {
		var p page[APIKey]
		id, err := c.doID(ctx, http.MethodGet, fmt.Sprintf("/apikeys?page=%d&limit=%d", n, pageSize), header, nil, func(data []byte) (err error) {
			p, err = decodeKeyPage(data)
			return err
		})
		requestID = id
		return p, err
	}, func(k APIKey) string { return strconv.FormatInt(k.ID, 10) })
	for i := range keys {
		if keys[i].AccountID == "" {
			keys[i].AccountID = key
		}
	}
	return keyListing{keys: keys, requestID: requestID}, err
}

// invalidate drops the account's cached listing and keeps any listing in flight from being
// stored.
func (c *Client) invalidate(key string) {
	c.cacheMu.Lock()
	defer c.cacheMu.Unlock()
	if e := c.keys[key]; e != nil {
		e.gen++
		e.listing = nil
	}
}

func cloneKey(k APIKey) APIKey {
	k.Permissions = slices.Clone(k.Permissions)
	if k.ExpiresAt != nil {
		t := *k.ExpiresAt
		k.ExpiresAt = &t
	}
	return k
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
func (c *Client) CreateAPIKey(ctx context.Context, accountID string, in APIKeyInput) (*APIKey, error) {
	header, key, err := c.account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	defer c.invalidate(key)
	var created *APIKey
	err = c.do(ctx, http.MethodPost, "/apikeys", header, newKeyBody(in), func(data []byte) (err error) {
		created, err = decodeKey(data)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.addSecret(created.Secret)
	if created.AccountID == "" {
		created.AccountID = key
	}
	return created, nil
}

// UpdateAPIKey replaces a key's description, permissions and expiry.
func (c *Client) UpdateAPIKey(ctx context.Context, accountID string, id int64, in APIKeyInput) error {
	header, key, err := c.account(ctx, accountID)
	if err != nil {
		return err
	}
	defer c.invalidate(key)
	return c.do(ctx, http.MethodPatch, "/apikeys/"+strconv.FormatInt(id, 10), header, newKeyBody(in), checkSuccess)
}

// DeleteAPIKey deletes a key, permanently.
func (c *Client) DeleteAPIKey(ctx context.Context, accountID string, id int64) error {
	header, key, err := c.account(ctx, accountID)
	if err != nil {
		return err
	}
	defer c.invalidate(key)
	return c.do(ctx, http.MethodDelete, "/apikeys/"+strconv.FormatInt(id, 10), header, nil, checkSuccess)
}

// checkSuccess accepts any body but an explicit {"success": false}.
func checkSuccess(data []byte) error {
	var r struct {
		Success *bool `json:"success"`
	}
	if json.Unmarshal(data, &r) == nil && r.Success != nil && !*r.Success {
		return errors.New(`the server answered {"success": false}`)
	}
	return nil
}
