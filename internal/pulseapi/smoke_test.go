package pulseapi

import (
	"context"
	"testing"
)

func TestSmoke(t *testing.T) {
	a := newTestAPI(t)
	a.seedKeys(t, primaryID, 250)
	c := a.client(t, nil)
	ctx := context.Background()
	keys, err := c.ListAPIKeys(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 251 {
		t.Fatalf("keys = %d", len(keys))
	}
	k, err := c.CreateAPIKey(ctx, secondID, APIKeyInput{Description: "x", Permissions: []string{"readData"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateAPIKey(ctx, secondID, k.ID, APIKeyInput{Description: "y", Permissions: []string{"readData"}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.FindAPIKey(ctx, secondID, KeyRef{ID: k.ID, APIKey: k.APIKey, CreatedAt: k.CreatedAt})
	if err != nil || got.Description != "y" {
		t.Fatal(got, err)
	}
	if err := c.DeleteAPIKey(ctx, secondID, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetAPIKey(ctx, secondID, k.ID); !IsNotFound(err) {
		t.Fatal(err)
	}
	if a.Logins() != 1 {
		t.Fatal(a.Logins())
	}
	a.ExpireAllTokens()
	if _, err := c.ListAccounts(ctx, AccountFilter{}); err != nil {
		t.Fatal(err)
	}
	if a.Logins() != 2 {
		t.Fatal(a.Logins())
	}
}
