package pulseapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// Many concurrent reads of one account, as a refresh of N keys makes them, cost one login
// and one listing whose every page is fetched once: ceil(N / pageSize) pages when the server
// reports a total or a page count, one more (the empty page that ends it) when it does not.
func TestConcurrentReadsShareOneListing(t *testing.T) {
	const keys, readers = 1000, 200
	tests := []struct {
		name     string
		variants emulator.Variants
		pages    int
	}{
		{"wrapper", emulator.Variants{}, (keys + pageSize - 1) / pageSize},
		{"paged bare array", emulator.Variants{KeyListBareArray: true, KeyListPaged: true}, (keys+pageSize-1)/pageSize + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAPI(t, func(o *emulator.Options) { o.Variants = tt.variants })
			ids := append([]int64{bootstrapKeyID(t, a)}, a.seedKeys(t, primaryID, keys-1)...)
			// Slow pages keep the listing in flight while the readers arrive.
			a.SetLatency(2 * time.Millisecond)
			seen := a.record(nil)
			c := a.client(t, nil)
			ctx := context.Background()

			read := func(i int) {
				id := ids[i*keys/readers]
				switch i % 4 {
				case 0: // a data source
					all, err := c.ListAPIKeys(ctx, "")
					if err != nil || len(all) != keys {
						t.Errorf("list: %d keys, %v", len(all), err)
					}
					return
				case 1: // a resource whose state names the account
					k, err := c.GetAPIKey(ctx, primaryID, id)
					if err != nil || k.ID != id {
						t.Errorf("get %d: %+v, %v", id, k, err)
					}
				default:
					k, err := c.GetAPIKey(ctx, "", id)
					if err != nil || k.ID != id {
						t.Errorf("get %d: %+v, %v", id, k, err)
					}
				}
			}
			wave := func() {
				var wg sync.WaitGroup
				for i := range readers {
					wg.Go(func() { read(i) })
				}
				wg.Wait()
			}

			wave()
			if n := a.Logins(); n != 1 {
				t.Errorf("logins = %d, want 1", n)
			}
			var pages []int
			for _, r := range seen.all() {
				if r.path == "/apikeys" {
					n, _ := strconv.Atoi(r.query.Get("page"))
					pages = append(pages, n)
				}
			}
			slices.Sort(pages)
			want := make([]int, tt.pages)
			for i := range want {
				want[i] = i + 1
			}
			if !slices.Equal(pages, want) {
				t.Fatalf("pages requested = %v, want each of 1..%d once", pages, tt.pages)
			}

			// The rest of the refresh reuses the listing.
			wave()
			if n := a.Count("GET /apikeys"); n != tt.pages {
				t.Fatalf("page requests after a second wave = %d, want still %d", n, tt.pages)
			}
		})
	}
}

// While reads keep the account's listing busy, every read that starts after a write
// returns sees the write: it neither joins a listing begun before the write nor gets one
// stored from before it. Defect 13: against the old hand-written fake this test raced (the
// fake encoded shared maps outside its lock); it now runs against the emulator under -race.
func TestDefect13_ReadAfterWriteIsFreshUnderLoad(t *testing.T) {
	a := newTestAPI(t)
	a.seedKeys(t, primaryID, 50)
	// Each listing answers with the keys as they were when it arrived, a little later, so
	// that there is nearly always a listing in flight that predates the latest write. The
	// emulator takes the snapshot under its lock: the old fake raced here (defect 13).
	a.intercept("GET /apikeys", func(w http.ResponseWriter, r *http.Request) bool {
		snapshot := a.answerNow(r)
		time.Sleep(5 * time.Millisecond)
		deliver(w, snapshot)
		return true
	})
	c := a.client(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// Stop the readers before the server: a failure below must not bury itself in theirs.
	defer wg.Wait()
	defer cancel()
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				if _, err := c.ListAPIKeys(ctx, ""); err != nil && ctx.Err() == nil {
					t.Errorf("background list: %v", err)
				}
			}
		})
	}
	for i := range 5 {
		created, err := c.CreateAPIKey(context.Background(), "", APIKeyInput{Description: fmt.Sprint("new ", i), Permissions: []string{"readData"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetAPIKey(context.Background(), "", created.ID); err != nil {
			t.Fatalf("read after create %d: %v", i, err)
		}
		if err := c.UpdateAPIKey(context.Background(), "", created.ID, APIKeyInput{Description: "renamed", Permissions: []string{"readData"}}); err != nil {
			t.Fatal(err)
		}
		if k, err := c.GetAPIKey(context.Background(), "", created.ID); err != nil || k.Description != "renamed" {
			t.Fatalf("read after update %d: %+v, %v", i, k, err)
		}
		if err := c.DeleteAPIKey(context.Background(), "", created.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetAPIKey(context.Background(), "", created.ID); !IsNotFound(err) {
			t.Fatalf("read after delete %d: %v", i, err)
		}
	}
}
