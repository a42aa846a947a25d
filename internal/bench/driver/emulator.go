package main

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/pulsecrm/terraform-provider-pulse/internal/devenv"
	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// benchEmulator is the tests' standard world served on a free loopback port by this
// process. The benchmark reads and resets it directly, which neither counts nor
// rate-limits: what it measures is only the CLI's traffic. Its CPU time is the driver's,
// and so lands in the others' CPU column, as the emulator's own process did.
type benchEmulator struct {
	*devenv.Emulator
}

func startEmulator(rateLimit float64) (*benchEmulator, error) {
	s := emulator.NewSeeded(emulator.Options{})
	s.SetRateLimit(rateLimit)
	e, err := devenv.StartEmulator(s)
	if err != nil {
		return nil, err
	}
	return &benchEmulator{e}, nil
}

func (e *benchEmulator) stop() {
	_ = e.Close()
}

// seedKey is what a configuration needs to manage a seeded key without a diff.
type seedKey struct {
	ID          int64
	Description string
	Permissions []string
}

// seed adds n keys owned by the admin to account and returns them as the emulator stores
// them.
func (e *benchEmulator) seed(account string, n int) ([]seedKey, error) {
	ids := e.SeedAPIKeys(account, emulator.AdminEmail, n)
	var keys []seedKey
	for _, k := range e.APIKeys(account) {
		if slices.Contains(ids, k.ID) {
			keys = append(keys, seedKey{ID: k.ID, Description: k.Description, Permissions: k.Permissions})
		}
	}
	if len(keys) != n {
		return nil, fmt.Errorf("seeded %d keys but found %d of them", n, len(keys))
	}
	return keys, nil
}

// accountKeys is how many keys the account holds: what a full listing pages through.
func (e *benchEmulator) accountKeys(account string) int {
	return len(e.APIKeys(account))
}

// reset clears the record of traffic, counts and journal alike, between measurements.
func (e *benchEmulator) reset() {
	e.ResetCounts()
	e.ResetJournal()
}

type stats struct {
	Counts map[string]int
	Logins int
}

func (e *benchEmulator) stats() stats {
	return stats{Counts: e.Counts(), Logins: e.Logins()}
}

// rejected counts the requests the emulator's rate limit answered 429 since the last reset.
func (e *benchEmulator) rejected() int {
	n := 0
	for _, entry := range e.Journal() {
		if entry.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}
