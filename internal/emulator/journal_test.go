package emulator

import (
	"fmt"
	"testing"
)

func TestJournal(t *testing.T) {
	s, c := seeded(t)
	admin := adminToken(t, s)
	body := map[string]any{"description": "j", "flatPermissionsList": []string{"readData"}}
	created := do(t, s, "POST", "/apikeys", body, admin...).wantStatus(t, 201).object(t)
	path := fmt.Sprint("/apikeys/", created["id"])
	c.Advance(1)
	do(t, s, "PATCH", path, body, with(admin, "X-Account-ID", AccountAcmeLabs)...).wantStatus(t, 404)
	s.FailNext("DELETE /apikeys/{id}", 1, Fault{Status: 503})
	do(t, s, "DELETE", path, nil, admin...).wantStatus(t, 503)
	do(t, s, "DELETE", path, nil, admin...).wantStatus(t, 200)
	do(t, s, "GET", "/accounts", nil).wantStatus(t, 401)
	do(t, s, "POST", "/apikeys", map[string]any{}, admin...).wantStatus(t, 400)

	want := []JournalEntry{
		{Route: "POST /auth/login", Status: 200, At: c.Now().Add(-1)},
		{Route: "POST /apikeys", Status: 201, AccountID: AccountAcmeCorp, KeyID: 2, At: c.Now().Add(-1)},
		{Route: "PATCH /apikeys/{id}", Status: 404, AccountID: AccountAcmeLabs, KeyID: 2, At: c.Now()},
		{Route: "DELETE /apikeys/{id}", Status: 503, At: c.Now()},
		{Route: "DELETE /apikeys/{id}", Status: 200, AccountID: AccountAcmeCorp, KeyID: 2, At: c.Now()},
		{Route: "GET /accounts", Status: 401, At: c.Now()},
		{Route: "POST /apikeys", Status: 400, AccountID: AccountAcmeCorp, At: c.Now()},
	}
	got := s.Journal()
	if len(got) != len(want) {
		t.Fatalf("journal = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	journal := control(t, s, "GET", "/_emulator/journal", nil).wantStatus(t, 200).object(t)
	if entries := journal["entries"].([]any); len(entries) != len(want) ||
		!jsonEqual(entries[1], map[string]any{"route": "POST /apikeys", "status": 201, "accountId": AccountAcmeCorp, "keyId": 2, "at": "2026-03-01T12:00:00.000Z"}) {
		t.Errorf("control journal = %v", journal)
	}

	s.ResetJournal()
	if len(s.Journal()) != 0 {
		t.Error("ResetJournal left entries")
	}
	do(t, s, "GET", "/accounts", nil, admin...)
	control(t, s, "POST", "/_emulator/reset", nil).wantStatus(t, 200)
	if len(s.Journal()) != 0 || len(s.Counts()) != 0 {
		t.Error("the control reset left the journal or the counts")
	}
}

func TestJournalIsBounded(t *testing.T) {
	s, _ := seeded(t)
	s.journal = make([]JournalEntry, journalLimit)
	do(t, s, "GET", "/accounts", nil).wantStatus(t, 401)
	got := s.Journal()
	if len(got) != journalLimit || got[len(got)-1].Route != "GET /accounts" || got[0].Route != "" {
		t.Errorf("journal holds %d entries ending with %+v", len(got), got[len(got)-1])
	}
}
