package pulseapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// A create answered 503 after Pulse made the key (issue 16, item 8): a gateway that gave up on
// a slow backend. 503 is retried for every method, but a create is sent again only when a
// listing shows that the first attempt made nothing.

var ciKey = APIKeyInput{Description: "ci deployer", Permissions: []string{"readData"}}

func TestCommitted503_NotSentAgain(t *testing.T) {
	a := newTestAPI(t)
	logs := &captureLogger{}
	c := a.client(t, func(cfg *Config) { cfg.Logger = logs })
	a.FailNext("POST /apikeys", 1, emulator.Fault{Status: http.StatusServiceUnavailable, AfterCommit: true})
	_, err := c.CreateAPIKey(context.Background(), "", ciKey)
	var lost *CreateError
	if !errors.As(err, &lost) || !statusIs(err, http.StatusServiceUnavailable) {
		t.Fatalf("error = %v, want a CreateError over the 503", err)
	}
	keys := a.APIKeys(primaryID)
	if len(keys) != 2 || a.Count("POST /apikeys") != 1 {
		t.Fatalf("%d keys after %d creates, want the one create's key", len(keys), a.Count("POST /apikeys"))
	}
	if len(lost.Orphans) != 1 || lost.Orphans[0].ID != keys[1].ID {
		t.Fatalf("orphans = %+v, want key %d", lost.Orphans, keys[1].ID)
	}
	want := fmt.Sprintf("POST /apikeys: 503 Service Unavailable: fault injected by the emulator (request id %s); the key was "+
		"created anyway on account %s, but its secret was lost with the answer: id %d (\"ci deployer\", %s, created ",
		lost.Err.(*Error).RequestID, primaryID, keys[1].ID, keys[1].APIKey)
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v\nwant it to start %s", err, want)
	}
	a.assertNoSecret(t, "the error", err.Error())
	if !strings.Contains(logs.text(), "WARN Pulse API key create answered 503 after the key was made; not sent again") {
		t.Errorf("no warning in the log:\n%s", logs.text())
	}
	a.assertNoSecret(t, "the log", logs.text())
}

// A 503 that made nothing is retried, once, and the key is made once.
func TestCommitted503_PlainRetried(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, nil)
	a.FailNext("POST /apikeys", 1, emulator.Fault{Status: http.StatusServiceUnavailable})
	created, err := c.CreateAPIKey(context.Background(), "", ciKey)
	if err != nil || created.Secret == "" {
		t.Fatalf("CreateAPIKey = %+v, %v", created, err)
	}
	if n, posts := len(a.APIKeys(primaryID)), a.Count("POST /apikeys"); n != 2 || posts != 2 {
		t.Errorf("%d keys after %d creates, want 2 after 2", n, posts)
	}
}

// A key like the create's that was there before it is not taken for the create's: the 503 is
// retried. The client lists the account before its first create for this.
func TestCommitted503_KeyMadeBeforeIsNotTheCreates(t *testing.T) {
	a := newTestAPI(t)
	a.AddAPIKey(primaryID, emulator.AdminEmail, ciKey.Permissions, ciKey.Description)
	c := a.client(t, nil)
	a.FailNext("POST /apikeys", 1, emulator.Fault{Status: http.StatusServiceUnavailable})
	if _, err := c.CreateAPIKey(context.Background(), "", ciKey); err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	if n := len(a.APIKeys(primaryID)); n != 3 {
		t.Errorf("%d keys, want the bootstrap key, the older twin and the new one", n)
	}
	// Later creates use the listing they have: one listing for the account, however many keys.
	for i := range 3 {
		if _, err := c.CreateAPIKey(context.Background(), "", APIKeyInput{Description: fmt.Sprint("more ", i), Permissions: []string{"readData"}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := a.Count("GET /apikeys"); n != 2 {
		t.Errorf("%d listings, want 2: one before the first create, one before the retry", n)
	}
}

// When the account cannot be listed, the create is not sent again blindly.
func TestCommitted503_ListingFails(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, nil)
	if _, err := c.ListAPIKeys(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	a.FailNext("POST /apikeys", 1, emulator.Fault{Status: http.StatusServiceUnavailable})
	a.FailNext("GET /apikeys", 10, emulator.Fault{Status: http.StatusInternalServerError})
	_, err := c.CreateAPIKey(context.Background(), "", ciKey)
	var lost *CreateError
	if !errors.As(err, &lost) || lost.CheckErr == nil || a.Count("POST /apikeys") != 1 {
		t.Fatalf("error = %v after %d creates, want a CreateError that could not list, after one", err, a.Count("POST /apikeys"))
	}
	if want := "; the key may have been created anyway, and listing account " + primaryID + " to find out failed: "; !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want %q", err, want)
	}
}

// Every token expires with the 503: the listing before the retry logs in again, and nothing
// waits on the create's own token.
func TestCommitted503_TokenExpiresMeanwhile(t *testing.T) {
	a := newTestAPI(t)
	c := a.client(t, nil)
	a.intercept("POST /apikeys", func(w http.ResponseWriter, _ *http.Request) bool {
		a.AddAPIKey(primaryID, emulator.AdminEmail, ciKey.Permissions, ciKey.Description)
		a.ExpireAllTokens()
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.CreateAPIKey(ctx, "", ciKey)
	var lost *CreateError
	if !errors.As(err, &lost) || len(lost.Orphans) != 1 || ctx.Err() != nil {
		t.Fatalf("error = %v, want a CreateError naming one orphan, in time", err)
	}
}
