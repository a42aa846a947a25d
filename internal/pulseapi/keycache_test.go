package pulseapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// The shared, numbered key listing: concurrent reads share one, writes invalidate it, copies
// protect it, and a listing begun before a write is never taken for current.
func TestListingCache(t *testing.T) {
	a := newTestAPI(t)
	ids := a.seedKeys(t, primaryID, 150) // with the bootstrap key, 151 keys: two pages
	a.SetLatency(10 * time.Millisecond)
	c := a.client(t, nil)
	ctx := context.Background()
	pages := func() int { return a.pages() }

	// Concurrent readers share one listing (two pages).
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if i%2 == 0 {
				keys, err := c.ListAPIKeys(ctx, "")
				if err != nil || len(keys) != 151 {
					t.Errorf("list: %d, %v", len(keys), err)
				}
				return
			}
			k, err := c.GetAPIKey(ctx, "", ids[i])
			if err != nil || k.ID != ids[i] {
				t.Errorf("get: %+v, %v", k, err)
			}
		})
	}
	wg.Wait()
	if n := pages(); n != 2 {
		t.Fatalf("page requests = %d, want 2 (one listing)", n)
	}

	// Copies: a caller cannot change the cache.
	keys, _ := c.ListAPIKeys(ctx, "")
	keys[0].Description = "mutated"
	keys[0].Permissions[0] = "mutated"
	k, _ := c.GetAPIKey(ctx, "", keys[0].ID)
	if k.Description == "mutated" || k.Permissions[0] == "mutated" {
		t.Fatal("the cache was mutated through a returned value")
	}

	// Not found, on the word of a listing that started after the call: the old test took
	// the cached one's word, which is how a key deleted and listed short went missing
	// (defect 3). One more listing, then.
	_, err := c.GetAPIKey(ctx, "", 99999)
	if !IsNotFound(err) || !errors.Is(err, ErrKeyNotFound) || !strings.Contains(err.Error(), "request id ") {
		t.Fatalf("missing key: %v", err)
	}
	if n := pages(); n != 4 {
		t.Fatalf("page requests = %d, want 4", n)
	}

	// A write invalidates: the next read is fresh and sees it.
	created, err := c.CreateAPIKey(ctx, "", APIKeyInput{Description: "new", Permissions: []string{"readData"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetAPIKey(ctx, "", created.ID)
	if err != nil || got.Description != "new" || got.Secret != "" {
		t.Fatalf("after create: %+v, %v", got, err)
	}
	if n := pages(); n != 6 {
		t.Fatalf("page requests = %d, want 6", n)
	}
	if err := c.UpdateAPIKey(ctx, "", created.ID, APIKeyInput{Description: "renamed", Permissions: []string{"readData"}}); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetAPIKey(ctx, "", created.ID); err != nil || got.Description != "renamed" {
		t.Fatalf("after update: %+v, %v", got, err)
	}
	// A key is the same key by its id, public apiKey and creation time together.
	ref := KeyRef{ID: created.ID, APIKey: created.APIKey, CreatedAt: created.CreatedAt}
	if got, err := c.FindAPIKey(ctx, "", ref); err != nil || got.Description != "renamed" {
		t.Fatalf("found by its full reference: %+v, %v", got, err)
	}
	if err := c.DeleteAPIKey(ctx, "", created.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetAPIKey(ctx, "", created.ID); !IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
	// Another account's cache is separate; a write there leaves this one alone.
	before := pages()
	if _, err := c.ListAPIKeys(ctx, secondID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAPIKey(ctx, secondID, APIKeyInput{Description: "other", Permissions: []string{"readData"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListAPIKeys(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if n := pages(); n != before {
		t.Fatalf("page requests = %d, want still %d", n, before)
	}
}

// A listing that started before a write must not be stored after it.
func TestListingStartedBeforeWriteIsNotStored(t *testing.T) {
	a := newTestAPI(t)
	ids := a.seedKeys(t, primaryID, 3) // four keys with the bootstrap key
	c := a.client(t, nil)
	ctx := context.Background()
	if _, err := c.Session(ctx); err != nil {
		t.Fatal(err)
	}
	// The first listing answers with the keys as they are when it arrives, but only after
	// the write.
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	a.intercept("GET /apikeys", func(w http.ResponseWriter, r *http.Request) bool {
		held := false
		once.Do(func() { held = true })
		if !held {
			return false
		}
		snapshot := a.answerNow(r)
		close(entered)
		<-release
		deliver(w, snapshot)
		return true
	})
	listed := make(chan []APIKey, 1)
	go func() { keys, _ := c.ListAPIKeys(ctx, ""); listed <- keys }()
	<-entered
	if err := c.DeleteAPIKey(ctx, "", ids[0]); err != nil {
		t.Fatal(err)
	}
	// A read that starts after the write does not join the stale listing.
	fresh, err := c.ListAPIKeys(ctx, "")
	if err != nil || len(fresh) != 3 {
		t.Fatalf("fresh listing = %d keys, %v", len(fresh), err)
	}
	close(release)
	if stale := <-listed; len(stale) != 4 {
		t.Fatalf("stale listing = %d keys", len(stale))
	}
	// The fresh listing is the one kept.
	before := a.pages()
	if cached, err := c.ListAPIKeys(ctx, ""); err != nil || len(cached) != 3 || a.pages() != before {
		t.Fatalf("cached listing = %d keys, %v, %d page requests more", len(cached), err, a.pages()-before)
	}
	if _, err := c.GetAPIKey(ctx, "", ids[0]); !IsNotFound(err) {
		t.Fatalf("deleted key served from a stale listing: %v", err)
	}
}
