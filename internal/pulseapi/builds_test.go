package pulseapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// Where Pulse builds differ from the guide (issue 16, items 1, 2, 3 and 5), against the
// emulator's variants for them.

var renamed = APIKeyInput{Description: "renamed", Permissions: []string{"readData"}}

// A build that refuses a key's session the write of other keys with 403: the error says that
// some builds do, and a user's session writes the key.
func TestBuilds_KeySessionRefused403(t *testing.T) {
	a := newTestAPI(t, func(o *emulator.Options) { o.Variants.KeySessionRefusal = 403 })
	id := a.seedKeys(t, primaryID, 1)[0]
	ctx := context.Background()
	c := a.client(t, nil)
	for name, write := range map[string]func() error{
		"PATCH":  func() error { return c.UpdateAPIKey(ctx, "", id, renamed) },
		"DELETE": func() error { return c.DeleteAPIKey(ctx, "", id) },
	} {
		err := write()
		want := name + fmt.Sprintf(" /apikeys/%d: 403 Not authorized: an API key cannot update or delete other API keys. "+
			"Some Pulse builds refuse a session opened with an API key the update and delete of any key but that key itself", id)
		if !errors.Is(err, ErrKeySessionRefused) || !IsForbidden(err) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error = %v, want ErrKeySessionRefused and %q", name, err, want)
		}
	}
	user := a.client(t, passwordLogin)
	if err := user.UpdateAPIKey(ctx, "", id, renamed); err != nil {
		t.Errorf("a user's session was refused: %v", err)
	}
	// A 403 to a user's session is a missing permission, nothing more.
	viewer := a.client(t, func(cfg *Config) {
		passwordLogin(cfg)
		cfg.Email, cfg.Password = emulator.ViewerEmail, emulator.ViewerPassword
	})
	if err := viewer.DeleteAPIKey(ctx, "", id); !IsForbidden(err) || errors.Is(err, ErrKeySessionRefused) {
		t.Errorf("viewer: error = %v, want a plain 403", err)
	}
}

// A build that answers 404 "API key not found" to a key's session for another key: a destroy
// must not take that for done. A listing made after the answer still holds the key.
func TestBuilds_KeySessionRefused404(t *testing.T) {
	a := newTestAPI(t, func(o *emulator.Options) { o.Variants.KeySessionRefusal = 404 })
	id := a.seedKeys(t, primaryID, 1)[0]
	ctx := context.Background()
	c := a.client(t, nil)
	err := c.DeleteAPIKey(ctx, "", id)
	want := fmt.Sprintf("DELETE /apikeys/%d: 404 API key not found. A listing of account %s made after this answer "+
		"still holds key %d: it exists, and these credentials may not change it (some Pulse builds answer so to a "+
		"session opened with an API key that updates or deletes another key)", id, primaryID, id)
	if errors.Is(err, ErrKeyNotFound) || !errors.Is(err, ErrKeyStillListed) || !errors.Is(err, ErrKeySessionRefused) ||
		!strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want ErrKeyStillListed and %q", err, want)
	}
	if len(a.APIKeys(primaryID)) != 2 {
		t.Fatal("the key is gone")
	}
	// A user's session deletes it; then "API key not found" is confirmed by a listing, and true.
	user := a.client(t, passwordLogin)
	if err := user.DeleteAPIKey(ctx, "", id); err != nil {
		t.Fatalf("a user's session was refused: %v", err)
	}
	a.ResetCounts()
	if err := user.DeleteAPIKey(ctx, "", id); !errors.Is(err, ErrKeyNotFound) || errors.Is(err, ErrKeyStillListed) {
		t.Errorf("second delete: error = %v, want ErrKeyNotFound", err)
	}
	if n := a.Count("GET /apikeys"); n != 1 {
		t.Errorf("the not-found was confirmed by %d listings, want 1", n)
	}
}

// A key's session scoped to its own account: the session lists only that account, and asking
// for another is refused as out of reach, before any request for it.
func TestBuilds_KeySessionOwnAccount(t *testing.T) {
	a := newTestAPI(t, func(o *emulator.Options) { o.Variants.KeySessionOwnAccount = true })
	ctx := context.Background()
	s, err := a.client(t, nil).Session(ctx)
	if err != nil || !slices.Equal(s.AccountIDs(), []string{primaryID}) {
		t.Fatalf("Session = %v, %v; want only the key's own account", s.AccountIDs(), err)
	}
	_, err = a.client(t, func(cfg *Config) { cfg.AccountID = secondID }).ListAPIKeys(ctx, "")
	var accountErr *AccountError
	want := fmt.Sprintf("account %q is not available to these credentials (available accounts: %s)", secondID, primaryID)
	if !errors.As(err, &accountErr) || accountErr.AuthMethod != "api_key" || !strings.Contains(err.Error(), want) ||
		strings.Contains(err.Error(), "attempts") {
		t.Errorf("error = %v, want %q from an api_key session, at once", err, want)
	}
	_, err = a.client(t, nil).ListAPIKeys(ctx, secondID)
	if !IsForbidden(err) || !strings.Contains(err.Error(), "no access to account "+secondID) {
		t.Errorf("error = %v, want a 403 for account %s", err, secondID)
	}
}

// 404 for an account out of reach: never "gone", and the error says what a 404 may mean.
func TestBuilds_NoAccessNotFound(t *testing.T) {
	a := newTestAPI(t, func(o *emulator.Options) { o.Variants.NoAccessNotFound = true })
	c := a.client(t, nil)
	ctx := context.Background()
	want := "404 Not found: account " + globexID + " not found. Pulse answers 404 both for what does not exist and " +
		"for what these credentials may not reach: account " + globexID + " may not exist, or may be out of their reach"
	for name, call := range map[string]func() error{
		"list":        func() error { _, err := c.ListAPIKeys(ctx, globexID); return err },
		"find":        func() error { _, err := c.FindAPIKey(ctx, globexID, KeyRef{ID: 1}); return err },
		"check":       func() error { return c.CheckAPIKey(ctx, globexID, KeyRef{ID: 1}) },
		"delete":      func() error { return c.DeleteAPIKey(ctx, globexID, 1) },
		"permissions": func() error { _, err := c.ListPermissions(ctx, globexID); return err },
	} {
		err := call()
		if !IsNotFound(err) || errors.Is(err, ErrKeyNotFound) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error = %v, want a 404 that is not ErrKeyNotFound, saying %q", name, err, want)
		}
	}
}

// Accounts paged as limit/total/pageCount read as pageSize/totalCount/totalPages do; the
// client asks for its page size under both names.
func TestBuilds_AccountsPagingForms(t *testing.T) {
	for _, limitForm := range []bool{false, true} {
		a := newTestAPI(t, func(o *emulator.Options) { o.Variants.AccountsLimitPaging = limitForm })
		accounts, err := a.client(t, nil).ListAccounts(context.Background(), AccountFilter{})
		if err != nil || len(accounts) != 14 {
			t.Fatalf("limit form %v: %d accounts, %v; want 14", limitForm, len(accounts), err)
		}
		if n := a.Count("GET /accounts"); n != 1 {
			t.Errorf("limit form %v: %d pages read, want 1 of 100", limitForm, n)
		}
	}
}
