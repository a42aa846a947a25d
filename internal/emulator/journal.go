package emulator

import (
	"net/http"
	"slices"
	"time"
)

// journalLimit bounds the journal of a long-running emulator (the demo, a benchmark); the
// oldest entries go first.
const journalLimit = 100_000

// JournalEntry is one answered request, for tests that assert on the order of calls (a
// replacement's create before the old key's delete, say).
type JournalEntry struct {
	Route  string // a route key such as "POST /apikeys"
	Status int    // the status answered, a fault's or the rate limiter's included
	// AccountID is the scoped account; "" for logins, and when the rate limiter, a fault
	// or authentication answered before the account was resolved.
	AccountID string
	// KeyID is the key a request created (POST, when it succeeded) or named in its path
	// (PATCH, DELETE, once their handler ran, whatever it answered); 0 otherwise.
	KeyID int64
	At    time.Time // on the server's clock
}

// Journal returns the answered requests since the last ResetJournal, oldest first. Unlike
// Count it leaves out requests abandoned during latency, which got no answer.
func (s *Server) Journal() []JournalEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.journal)
}

// ResetJournal empties the journal.
func (s *Server) ResetJournal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.journal = nil
}

// record journals an answered request. The caller holds s.mu.
func (s *Server) record(route string, c *call, status int) {
	e := JournalEntry{Route: route, Status: status, KeyID: c.keyID, At: c.now}
	if c.account != nil {
		e.AccountID = c.account.AccountID
	}
	if len(s.journal) >= journalLimit {
		// Re-slicing drops the oldest entry; append reallocates now and then, which
		// releases the dropped ones.
		s.journal = s.journal[1:]
	}
	s.journal = append(s.journal, e)

	// Every answer is recorded here, so this is where ExpireTokensAfter counts.
	if s.expireAfter > 0 && route == s.expireRoute {
		s.expireAfter--
		if s.expireAfter == 0 {
			clear(s.sessions)
		}
	}
}

func (s *Server) controlJournal(*http.Request, []byte) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	entries := make([]journalView, len(s.journal))
	for i, e := range s.journal {
		entries[i] = journalView{e.Route, e.Status, e.AccountID, e.KeyID, formatTime(e.At)}
	}
	return jsonResponse(http.StatusOK, struct {
		Entries []journalView `json:"entries"`
	}{entries})
}

type journalView struct {
	Route     string `json:"route"`
	Status    int    `json:"status"`
	AccountID string `json:"accountId"`
	KeyID     int64  `json:"keyId"`
	At        string `json:"at"`
}
