package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// The promises of the Reliability guide, each proved under the real CLI against the
// emulator's fault injection, and each ending with an assertion on the emulator's state.

// keysConfig declares n keys on Acme Labs, described "<prefix> <index>"; providerExtra goes
// into the provider block.
func keysConfig(baseURL, prefix string, n int, providerExtra ...string) string {
	return providerConfig(baseURL, providerExtra...) + fmt.Sprintf(`
resource "pulse_api_key" "k" {
  count       = %d
  account_id  = %q
  description = "%s ${count.index}"
  permissions = ["readData"]
}
`, n, emulator.AccountAcmeLabs, prefix)
}

// journalOf returns the statuses the emulator answered on route, in order.
func journalOf(emu *emulator.Server, route string) []int {
	var statuses []int
	for _, e := range emu.Journal() {
		if e.Route == route {
			statuses = append(statuses, e.Status)
		}
	}
	return statuses
}

func succeeded(statuses []int) int {
	n := 0
	for _, s := range statuses {
		if s < 300 {
			n++
		}
	}
	return n
}

// checkKeys asserts that account holds exactly the keys described "<prefix> 0" to
// "<prefix> n-1" among those with that prefix, each once.
func checkKeys(emu *emulator.Server, account, prefix string, n int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		seen := map[string]int{}
		for _, k := range emu.APIKeys(account) {
			if strings.HasPrefix(k.Description, prefix+" ") {
				seen[k.Description]++
			}
		}
		if len(seen) != n {
			return fmt.Errorf("account %s has %d distinct %q keys, want %d", account, len(seen), prefix, n)
		}
		for i := range n {
			if got := seen[fmt.Sprintf("%s %d", prefix, i)]; got != 1 {
				return fmt.Errorf("key %q exists %d times, want once", fmt.Sprintf("%s %d", prefix, i), got)
			}
		}
		return nil
	}
}

// 1. Under a quota of 5 requests a second, 30 keys at the CLI's default parallelism are each
// created once: the 429s are waited out, not turned into failures or duplicates.
func TestAccReliability_rateLimit(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	emu.SetRateLimit(5)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			{
				Config: keysConfig(baseURL, "limited", 30),
				Check: resource.ComposeTestCheckFunc(
					checkKeys(emu, emulator.AccountAcmeLabs, "limited", 30),
					func(*terraform.State) error {
						posts := journalOf(emu, "POST /apikeys")
						if succeeded(posts) != 30 {
							return fmt.Errorf("%d creates succeeded, want 30 (statuses %v)", succeeded(posts), posts)
						}
						if len(posts) == 30 {
							return fmt.Errorf("the rate limit was never hit: the test proves nothing")
						}
						return nil
					},
				),
			},
		},
	})
}

// 2. Bursts of 5xx on GET, PATCH and DELETE are retried and the apply succeeds.
func TestAccReliability_serverErrorBursts(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	html := emulator.Fault{Status: 502, Body: "<html><body><h1>502 Bad Gateway</h1></body></html>", ContentType: "text/html"}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// The plan's permission check reads through a burst.
			{
				PreConfig: func() { emu.FailNext("GET /permissions", 2, html) },
				Config:    keysConfig(baseURL, "burst", 3),
				Check:     checkKeys(emu, emulator.AccountAcmeLabs, "burst", 3),
			},
			// Updates and the reads after them.
			{
				PreConfig: func() {
					emu.ResetJournal()
					emu.FailNext("PATCH /apikeys/{id}", 2, emulator.Fault{Status: 500})
					emu.FailNext("GET /apikeys", 2, emulator.Fault{Status: 503})
				},
				Config: keysConfig(baseURL, "burst renamed", 3),
				Check: resource.ComposeTestCheckFunc(
					checkKeys(emu, emulator.AccountAcmeLabs, "burst renamed", 3),
					expectStatuses(emu, "PATCH /apikeys/{id}", 5, 3),
				),
			},
			// Deletes.
			{
				PreConfig: func() {
					emu.ResetJournal()
					emu.FailNext("DELETE /apikeys/{id}", 2, emulator.Fault{Status: 504, EmptyBody: true})
				},
				Config:  keysConfig(baseURL, "burst renamed", 3),
				Destroy: true,
				// The state is empty after this step, so the case's CheckDestroy would find
				// nothing to check: the emulator is asked here.
				Check: resource.ComposeTestCheckFunc(
					expectStatuses(emu, "DELETE /apikeys/{id}", 5, 3),
					checkKeys(emu, emulator.AccountAcmeLabs, "burst renamed", 0),
				),
			},
		},
	})
}

// expectStatuses checks that route was answered `answers` times, `ok` of them successfully.
func expectStatuses(emu *emulator.Server, route string, answers, ok int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		statuses := journalOf(emu, route)
		if len(statuses) != answers || succeeded(statuses) != ok {
			return fmt.Errorf("%s answered %v, want %d answers of which %d succeeded", route, statuses, answers, ok)
		}
		return nil
	}
}

// 3. A create answered 500 may have happened: it is not sent again, and the error names the
// request id. A create answered 429 or 503 did not happen: it is retried, once each.
func TestAccReliability_createFailures(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	config := keysConfig(baseURL, "fragile", 1)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { emu.FailNext("POST /apikeys", 1, emulator.Fault{Status: 500}) },
				Config:      config,
				ExpectError: errorText("POST /apikeys: 500 Internal Server Error: fault injected by the emulator (request id"),
			},
			{
				PreConfig: func() {
					if got := journalOf(emu, "POST /apikeys"); len(got) != 1 {
						t.Errorf("a create answered 500 was sent %d times (%v), want once", len(got), got)
					}
					if keys := emu.APIKeys(emulator.AccountAcmeLabs); len(keys) != 0 {
						t.Errorf("a failed create left %d keys", len(keys))
					}
					emu.ResetJournal()
					emu.FailNext("POST /apikeys", 1, emulator.Fault{Status: 429, RetryAfter: time.Second})
					emu.FailNext("POST /apikeys", 1, emulator.Fault{Status: 503})
				},
				Config: config,
				Check: resource.ComposeTestCheckFunc(
					checkKeys(emu, emulator.AccountAcmeLabs, "fragile", 1),
					expectStatuses(emu, "POST /apikeys", 3, 1),
				),
			},
		},
	})
}

// 4. Every token expires in the middle of an apply: ten updates wait out a Retry-After longer
// than the token's lifetime, all come back to a 401, and share one re-login.
func TestAccReliability_tokenExpiry(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{TokenTTL: 1500 * time.Millisecond})
	const n = 10

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			{
				Config: keysConfig(baseURL, "expiring", n),
				Check:  checkKeys(emu, emulator.AccountAcmeLabs, "expiring", n),
			},
			{
				PreConfig: func() {
					emu.ResetJournal()
					emu.FailNext("PATCH /apikeys/{id}", n, emulator.Fault{Status: 429, RetryAfter: 3 * time.Second})
				},
				Config: keysConfig(baseURL, "expiring renamed", n),
				Check: resource.ComposeTestCheckFunc(
					checkKeys(emu, emulator.AccountAcmeLabs, "expiring renamed", n),
					func(*terraform.State) error {
						expired, logins := reloginsDuringPatches(emu.Journal())
						if expired == 0 {
							return fmt.Errorf("no request met an expired token: the test proves nothing")
						}
						if logins != 1 {
							return fmt.Errorf("%d requests met an expired token and caused %d logins, want 1", expired, logins)
						}
						return nil
					},
				),
			},
			// Every token expires when the third update is answered, while the others run in
			// parallel: whoever meets the expiry, one login serves them all.
			{
				PreConfig: func() {
					emu.ResetJournal()
					emu.ExpireTokensAfter("PATCH /apikeys/{id}", 3)
				},
				Config: keysConfig(baseURL, "expiring again", n),
				Check: resource.ComposeTestCheckFunc(
					checkKeys(emu, emulator.AccountAcmeLabs, "expiring again", n),
					func(*terraform.State) error {
						expired, logins := reloginsDuringPatches(emu.Journal())
						if expired == 0 || logins != 1 {
							return fmt.Errorf("%d requests met the expiry and caused %d logins, want some and 1", expired, logins)
						}
						return nil
					},
				),
			},
		},
	})
}

// reloginsDuringPatches counts, between the first and the last PATCH the emulator answered,
// the PATCHes refused for an expired token and the logins.
func reloginsDuringPatches(journal []emulator.JournalEntry) (expired, logins int) {
	first, last := -1, -1
	for i, e := range journal {
		if e.Route == "PATCH /apikeys/{id}" {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	for _, e := range journal[max(first, 0) : last+1] {
		switch {
		case e.Route == "POST /auth/login":
			logins++
		case e.Status == 401:
			expired++
		}
	}
	return expired, logins
}

// 5. Wrong credentials: one clear error, one login attempt, and the secret is not echoed.
func TestAccReliability_wrongCredentials(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const wrong = "wrong-secret-4f9b2c7e1d3a5b8c0e2f4a6b"
	t.Setenv("TF_VAR_pulse_api_secret", wrong)
	t.Cleanup(func() { checkLogsHoldNoSecret(t, []string{wrong}) })

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// ErrorCheck sees the CLI's whole error output.
		ErrorCheck: func(err error) error {
			want := errorText("invalid API key or secret for " + baseURL)
			if !want.MatchString(err.Error()) {
				return fmt.Errorf("want an error matching %q, got: %w", want, err)
			}
			if strings.Contains(err.Error(), wrong) {
				return fmt.Errorf("the error output echoes the secret")
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config:   providerConfig(baseURL) + `data "pulse_session" "this" {}` + "\n" + `data "pulse_accounts" "all" {}`,
				PlanOnly: true,
			},
		},
	})
	if got := emu.Count("POST /auth/login"); got != 1 {
		t.Errorf("wrong credentials were tried %d times, want once", got)
	}
}

// 6. Bodies that are not the API's JSON: a readable error with the request id, no panic,
// and the state untouched.
func TestAccReliability_unreadableResponses(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	// Without retries, each fault is the answer the user sees.
	config := keysConfig(baseURL, "unreadable", 2, "max_retries = 0")

	steps := []resource.TestStep{{
		Config: config,
		Check:  checkKeys(emu, emulator.AccountAcmeLabs, "unreadable", 2),
	}}
	faults := []struct {
		fault emulator.Fault
		want  string
	}{
		{emulator.Fault{Status: 502, Body: "<html><body>Bad gateway</body></html>", ContentType: "text/html"}, "502 Bad Gateway: Bad gateway (request id"},
		{emulator.Fault{Status: 500, EmptyBody: true}, "500 Internal Server Error: (empty response body) (request id"},
		{emulator.Fault{Status: 200, Body: `{"apiKeys":[{"id":1,"apiKey":`}, "200 unreadable response: the body is not valid JSON: it was cut off"},
		// A listing refused 404 (the account out of reach) is an error, not "the key is gone".
		{emulator.Fault{Status: 404}, "404 Not Found: fault injected by the emulator. Pulse answers 404 both for what " +
			"does not exist and for what these credentials may not reach: account " + emulator.AccountAcmeLabs +
			" may not exist, or may be out of their reach (request id"},
		{emulator.Fault{Status: 418, Body: "short and stout", ContentType: "text/plain"}, "418 I'm a teapot: short and stout (request id"},
	}
	for _, f := range faults {
		steps = append(steps, resource.TestStep{
			PreConfig:   func() { emu.FailNext("GET /apikeys", 1, f.fault) },
			Config:      config,
			PlanOnly:    true,
			ExpectError: errorText("GET /apikeys?page=1&limit=100: " + f.want),
		})
	}
	// The same configuration still plans nothing: no fault reached the state.
	steps = append(steps, resource.TestStep{Config: config, PlanOnly: true})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeLabs),
		Steps:                    steps,
	})
}
