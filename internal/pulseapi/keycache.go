package pulseapi

// The listing of an account's keys, shared and cached. The API has no GET /apikeys/{id}, so
// every read of a key is a lookup in a listing: a refresh of 1,000 keys must cost one walk of
// the account, not 1,000.
//
// Listings are numbered as they start. Concurrent readers join the listing under way, unless
// a write on the account happened since it started or they need one that started after them
// (to judge a key gone). The newest complete listing is kept: current until the next write on
// the account, and after it still good to tell which key an id named (an id's apiKey never
// changes), which is what a write checks before it touches a key.

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
)

// keyCache is what the client knows of one account's keys.
type keyCache struct {
	writes       uint64      // writes on the account begun or ended so far
	listing      *keyListing // the newest complete listing
	flying       uint64      // the number of the listing under way that readers may join; 0 = none
	flyingWrites uint64      // writes when it started
	// made are the keys this client created and got the answer (and the secret) of: a lost
	// create's report must not name a sibling resource's key as an orphan.
	made map[int64]bool
}

// keyListing is one complete, consistent read of an account's keys.
type keyListing struct {
	keys      []APIKey // by id
	byID      map[int64]int
	number    uint64 // when it started, among the client's listings
	writes    uint64 // the account's writes when it started
	verified  bool   // its pages were checked against the server's total
	requestID string // of its last page
}

func (l *keyListing) find(id int64) (APIKey, bool) {
	i, ok := l.byID[id]
	if !ok {
		return APIKey{}, false
	}
	return cloneKey(l.keys[i]), true
}

// freshness says which listing a reader accepts.
type freshness struct {
	startedFrom uint64 // the listing must have started at this number or later
	stale       bool   // a listing from before a write will do (to tell which key an id names)
}

// keyListing returns a listing of the account (header is its X-Account-ID, key its cache key)
// that is as fresh as asked, sharing or starting one.
func (c *Client) keyListing(ctx context.Context, header, key string, want freshness) (*keyListing, error) {
	c.cacheMu.Lock()
	e := c.keys[key]
	if e == nil {
		e = &keyCache{}
		c.keys[key] = e
	}
	if l := e.listing; l != nil && l.number >= want.startedFrom && (want.stale || l.writes == e.writes) {
		c.cacheMu.Unlock()
		return l, nil
	}
	n := e.flying
	if n == 0 || n < want.startedFrom || e.flyingWrites != e.writes {
		n = c.listings.Add(1)
		e.flying, e.flyingWrites = n, e.writes
	}
	writes := e.flyingWrites
	c.cacheMu.Unlock()

	return sharedDo(ctx, &c.flights, fmt.Sprintf("GET /apikeys %s #%d", key, n), func(ctx context.Context) (*keyListing, error) {
		// A caller that chose listing n while it ran may reach the single-flight after it
		// ended: the listing kept since then, n or a later one, is its answer.
		c.cacheMu.Lock()
		done := e.listing
		c.cacheMu.Unlock()
		if done != nil && done.number >= n {
			return done, nil
		}
		l, err := c.fetchKeys(ctx, header, key)
		c.cacheMu.Lock()
		defer c.cacheMu.Unlock()
		if e.flying == n {
			e.flying = 0
		}
		if err != nil {
			return nil, err
		}
		l.number, l.writes = n, writes
		if e.listing == nil || e.listing.number < n {
			e.listing = l
		}
		return l, nil
	})
}

// nextListing is the number the next listing to start will have: a listing numbered so or
// higher started after this moment.
func (c *Client) nextListing() uint64 { return c.listings.Load() + 1 }

func (c *Client) fetchKeys(ctx context.Context, header, key string) (*keyListing, error) {
	var (
		mu        sync.Mutex // pages are fetched in parallel
		requestID string
	)
	keys, verified, err := readList("the API key list of account "+key, func(n int) (page[APIKey], error) {
		var p page[APIKey]
		id, err := c.do(ctx, http.MethodGet, fmt.Sprintf("/apikeys?page=%d&limit=%d", n, pageSize), header, nil,
			func(data []byte) (err error) {
				p, err = decodeKeyPage(data)
				return err
			})
		mu.Lock()
		requestID = id
		mu.Unlock()
		return p, err
	}, func(k APIKey) string { return strconv.FormatInt(k.ID, 10) })
	if err != nil {
		return nil, err
	}
	// The API documents no order; ours is stable, so that a plan of the data source is too.
	slices.SortFunc(keys, func(a, b APIKey) int { return cmp.Compare(a.ID, b.ID) })
	l := &keyListing{keys: keys, byID: make(map[int64]int, len(keys)), verified: verified, requestID: requestID}
	for i := range keys {
		if keys[i].AccountID == "" {
			keys[i].AccountID = key
		}
		l.byID[keys[i].ID] = i
	}
	return l, nil
}

// wrote marks a write on the account, before it is sent and again once it is answered: no
// listing begun in between is taken for current.
func (c *Client) wrote(key string) {
	c.cacheMu.Lock()
	defer c.cacheMu.Unlock()
	e := c.keys[key]
	if e == nil {
		e = &keyCache{}
		c.keys[key] = e
	}
	e.writes++
}

// madeKey records that this client created key id on the account and holds its answer.
func (c *Client) madeKey(key string, id int64) {
	c.cacheMu.Lock()
	defer c.cacheMu.Unlock()
	e := c.keys[key]
	if e.made == nil {
		e.made = map[int64]bool{}
	}
	e.made[id] = true
}

// madeIDs are the ids of the keys this client created on the account (see madeKey).
func (c *Client) madeIDs(key string) map[int64]bool {
	c.cacheMu.Lock()
	defer c.cacheMu.Unlock()
	return maps.Clone(c.keys[key].made)
}

// knownIDs are the ids of the newest listing of the account, current or not; nil if none.
func (c *Client) knownIDs(key string) map[int64]bool {
	c.cacheMu.Lock()
	defer c.cacheMu.Unlock()
	e := c.keys[key]
	if e == nil || e.listing == nil {
		return nil
	}
	ids := make(map[int64]bool, len(e.listing.keys))
	for _, k := range e.listing.keys {
		ids[k.ID] = true
	}
	return ids
}

func cloneKey(k APIKey) APIKey {
	k.Permissions = slices.Clone(k.Permissions)
	if k.ExpiresAt != nil {
		t := *k.ExpiresAt
		k.ExpiresAt = &t
	}
	return k
}
