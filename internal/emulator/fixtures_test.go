package emulator

import (
	"testing"
	"time"
)

// An expired key made out of band is listed with its expiry to the millisecond, and cannot
// log in; a live one can.
func TestAddAPIKeyExpiring(t *testing.T) {
	s, c := seeded(t)
	past := c.Now().Add(-time.Hour)
	future := c.Now().Add(time.Hour + 1234567*time.Microsecond)
	_, oldKey, oldSecret := s.AddAPIKeyExpiring(AccountAcmeLabs, AdminEmail, []string{"readData"}, "expired", past)
	_, liveKey, liveSecret := s.AddAPIKeyExpiring(AccountAcmeLabs, AdminEmail, []string{"readData"}, "live", future)

	page := do(t, s, "GET", "/apikeys", nil, with(adminToken(t, s), "X-Account-ID", AccountAcmeLabs)...).wantStatus(t, 200).object(t)
	keys, _ := page["data"].([]any)
	if len(keys) != 2 {
		t.Fatalf("listed %d keys, want 2: %v", len(keys), page)
	}
	live, _ := keys[1].(map[string]any)
	if want := future.UTC().Truncate(time.Millisecond).Format(timeLayout); live["expiresAt"] != want {
		t.Errorf("expiresAt = %v, want %s", live["expiresAt"], want)
	}
	do(t, s, "POST", "/auth/login", map[string]string{"apiKey": oldKey, "apiSecret": oldSecret}).wantStatus(t, 401)
	do(t, s, "POST", "/auth/login", map[string]string{"apiKey": liveKey, "apiSecret": liveSecret}).wantStatus(t, 200)

	defer func() {
		if recover() == nil {
			t.Error("a key for a non-member did not panic")
		}
	}()
	s.AddAPIKeyExpiring(AccountGlobex, AdminEmail, []string{"readData"}, "x", future)
}

func TestRenameAPIKey(t *testing.T) {
	s, c := seeded(t)
	id, _, _ := s.AddAPIKey(AccountAcmeLabs, AdminEmail, []string{"readData"}, "before")
	c.Advance(time.Minute)
	if s.RenameAPIKey(AccountAcmeCorp, id, "elsewhere") {
		t.Error("renamed an Acme Labs key through Acme Corp")
	}
	if !s.RenameAPIKey(AccountAcmeLabs, id, "after") {
		t.Fatal("the rename did not find the key")
	}
	k := s.APIKeys(AccountAcmeLabs)[0]
	if k.Description != "after" || !k.UpdatedAt.Equal(c.Now()) || k.CreatedAt.Equal(k.UpdatedAt) {
		t.Errorf("after the rename: %+v", k)
	}
}
