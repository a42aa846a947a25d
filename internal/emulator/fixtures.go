package emulator

import (
	"fmt"
	"time"
)

// Keys made and changed outside Terraform, as another administrator would, for the adoption
// and drift tests: an expiry of any time (an expired key included, which the API refuses to
// create), and a rename behind Terraform's back.

// AddAPIKeyExpiring adds a key like AddAPIKey whose expiry is expiresAt, in the past or the
// future, kept to the millisecond as the API keeps it. It panics as AddAPIKey does.
func (s *Server) AddAPIKeyExpiring(accountID, ownerEmail string, permissions []string, description string, expiresAt time.Time) (id int64, apiKey, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkKeyOwner(accountID, ownerEmail); err != nil {
		panic("emulator: AddAPIKeyExpiring: " + err.Error())
	}
	known, unknown := normalizePermissions(permissions)
	if len(known) == 0 || len(unknown) > 0 {
		panic(fmt.Sprintf("emulator: AddAPIKeyExpiring: bad permissions %q", permissions))
	}
	expiry := expiresAt.UTC().Truncate(time.Millisecond)
	k := s.insertAPIKey(accountID, ownerEmail, description, known, &expiry, "", "")
	return k.ID, k.APIKey, k.Secret
}

// RenameAPIKey changes a key's description out of band and reports whether accountID had
// the key.
func (s *Server) RenameAPIKey(accountID string, id int64, description string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.lookupAPIKey(accountID, id)
	if !ok {
		return false
	}
	k.Description, k.UpdatedAt = description, s.now()
	return true
}
