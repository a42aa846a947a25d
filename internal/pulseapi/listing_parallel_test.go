package pulseapi

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// A listing that gives its page count fetches the pages after the first pagesInFlight at a
// time, and assembles them in order: at network latency that is the difference between 100
// round trips and 25 for 10,000 keys.
func TestListingFetchesPagesInParallel(t *testing.T) {
	a := newTestAPI(t)
	a.seedKeys(t, primaryID, 999) // with the bootstrap key, 10 pages
	c := a.client(t, nil)

	var (
		mu       sync.Mutex
		inFlight int
		most     int
		full     = make(chan struct{})
		once     sync.Once
	)
	a.intercept("GET /apikeys", func(_ http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("page") == "1" {
			return false
		}
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		if inFlight == pagesInFlight {
			once.Do(func() { close(full) })
		}
		mu.Unlock()
		// Hold each page until as many as may be are in flight (or long enough to be sure
		// they never will be), so that the count does not depend on scheduling.
		select {
		case <-full:
		case <-time.After(2 * time.Second):
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
		return false
	})

	keys, err := c.ListAPIKeys(context.Background(), "")
	if err != nil || len(keys) != 1000 {
		t.Fatalf("ListAPIKeys = %d keys, %v; want 1000", len(keys), err)
	}
	for i := 1; i < len(keys); i++ {
		if keys[i-1].ID >= keys[i].ID {
			t.Fatalf("keys out of order at %d", i)
		}
	}
	if most != pagesInFlight {
		t.Errorf("at most %d pages were in flight at once, want %d", most, pagesInFlight)
	}
	if n := a.Count("GET /apikeys"); n != 10 {
		t.Errorf("GET /apikeys = %d, want 10 pages", n)
	}
}
