package pulseapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// Every page of a key list is read, in each form the API answers it. Acme Labs holds only
// the keys a case seeds.
func TestListAPIKeysPagination(t *testing.T) {
	tests := []struct {
		name     string
		variants emulator.Variants
		wrapper  string // the wrapper's field for the keys, when not the emulator's "data"
		keys     int
		pages    int
	}{
		{"wrapper data", emulator.Variants{}, "", 250, 3},
		{"wrapper items", emulator.Variants{}, "items", 100, 1},
		{"wrapper apiKeys", emulator.Variants{}, "apiKeys", 0, 1},
		{"wrapper keys", emulator.Variants{}, "keys", 201, 3},
		{"wrapper results", emulator.Variants{}, "results", 99, 1},
		{"wrapper, pages capped at 50", emulator.Variants{PageCap: 50}, "", 120, 3},
		// Without counts a short page is not the end (defect 4): the old test stopped at
		// page 3 of 250 keys, the empty page 4 now ends the list.
		{"paged bare array", emulator.Variants{KeyListBareArray: true, KeyListPaged: true}, "", 250, 4},
		{"paged bare array, full last page", emulator.Variants{KeyListBareArray: true, KeyListPaged: true}, "", 200, 3},
		// Paging ignored: page 2 repeats page 1 and ends the list. The old test took a short
		// first page (40 keys) for the end without asking for page 2; since defect 4 it asks.
		{"bare array", emulator.Variants{KeyListBareArray: true}, "", 150, 2},
		{"bare array, one short page", emulator.Variants{KeyListBareArray: true}, "", 40, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newTestAPI(t, func(o *emulator.Options) { o.Variants = tt.variants })
			var ids []int64
			if tt.keys > 0 {
				ids = a.seedKeys(t, secondID, tt.keys)
			}
			seen := a.record(func(w http.ResponseWriter, r *http.Request) bool {
				if tt.wrapper == "" || r.URL.Path != "/apikeys" {
					return false
				}
				rec := a.answerNow(r)
				body := bytes.Replace(rec.Body.Bytes(), []byte(`{"data":`), []byte(`{"`+tt.wrapper+`":`), 1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(rec.Code)
				_, _ = w.Write(body)
				return true
			})
			c := a.client(t, nil)
			keys, err := c.ListAPIKeys(context.Background(), secondID)
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != tt.keys {
				t.Fatalf("keys = %d, want %d", len(keys), tt.keys)
			}
			if tt.keys > 0 && (keys[0].AccountID != secondID || keys[0].ID != ids[0] || keys[tt.keys-1].ID != ids[tt.keys-1]) {
				t.Errorf("first %+v last %+v", keys[0], keys[tt.keys-1])
			}
			var pages []string
			for _, r := range seen.all() {
				if r.path == "/apikeys" {
					pages = append(pages, r.query.Encode())
				}
			}
			if len(pages) != tt.pages || pages[0] != "limit=100&page=1" {
				t.Errorf("requests = %v, want %d pages", pages, tt.pages)
			}
		})
	}
}

// Every page of the account list, with the filters sent as query parameters and no account
// header. The member belongs to 230 accounts of their own, so the list spans three pages.
func TestListAccountsPagination(t *testing.T) {
	a := newTestAPI(t)
	memberships := map[string]string{}
	for i := range 230 {
		id := fmt.Sprint(1000000 + i)
		repcode := ""
		if i%2 == 1 {
			repcode = "7"
		}
		a.AddAccount(emulator.Account{AccountID: id, AccountName: fmt.Sprintf("Account %03d", i), Repcode: repcode})
		memberships[id] = emulator.RoleUser
	}
	const email, password = "member@example.com", "member-password-0123456789"
	a.AddUser(email, password, memberships, "1000000")
	c := a.client(t, func(c *Config) { c.APIKey, c.APISecret, c.Email, c.Password = "", "", email, password })
	seen := a.record(nil)
	all, err := c.ListAccounts(context.Background(), AccountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 230 || all[229].AccountName != "Account 229" || all[0].AccountID != "1000000" {
		t.Fatalf("accounts = %d", len(all))
	}
	if n := a.Count("GET /accounts"); n != 3 {
		t.Fatalf("requests = %d, want 3", n)
	}
	// "Account 01" names accounts 010 to 019; every other one has repcode 7.
	filtered, err := c.ListAccounts(context.Background(), AccountFilter{Name: "Account 01", Repcode: "7"})
	if err != nil {
		t.Fatal(err)
	}
	if len(filtered) != 5 {
		t.Fatalf("filtered = %d, want 5", len(filtered))
	}
	reqs := seen.all()
	last := reqs[len(reqs)-1]
	if q := last.query; q.Get("name") != "Account 01" || q.Get("repcode") != "7" || q.Get("pageSize") != "100" || q.Get("page") != "1" {
		t.Fatalf("query = %v", q)
	}
	if last.header.Get("X-Account-ID") != "" {
		t.Error("GET /accounts sent an X-Account-ID")
	}
}

// The permission catalogue is asked for once per account, however many callers want it.
func TestListPermissionsCached(t *testing.T) {
	a := newTestAPI(t)
	a.SetLatency(10 * time.Millisecond) // the callers arrive while the first answer is on its way
	c := a.client(t, nil)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			perms, err := c.ListPermissions(context.Background(), "")
			if err != nil || len(perms) != 9 || perms[4].Name != "writeApiKeys" {
				t.Errorf("perms = %+v, %v", perms, err)
			}
		})
	}
	wg.Wait()
	if _, err := c.ListPermissions(context.Background(), primaryID); err != nil { // the same account, named
		t.Fatal(err)
	}
	if n := a.Count("GET /permissions"); n != 1 {
		t.Fatalf("requests = %d, want 1", n)
	}
	if _, err := c.ListPermissions(context.Background(), secondID); err != nil {
		t.Fatal(err)
	}
	if n := a.Count("GET /permissions"); n != 2 {
		t.Fatalf("requests = %d, want 2", n)
	}
}
