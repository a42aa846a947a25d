package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// keyIdentity is the identity a query shows for a key.
func keyIdentity(accountID string, id int64) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{
		"account_id": knownvalue.StringExact(accountID),
		"id":         knownvalue.StringExact(strconv.FormatInt(id, 10)),
	}
}

// Queries find an account's keys by description and by expiry, leave out the provider's
// own key unless asked, and return the whole resource when asked.
func TestAccAPIKeyListResource(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	soon := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second).Add(123 * time.Millisecond)
	ci, _, _ := emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData", "readTickets"}, "ci deployer")
	nightly, _, _ := emu.AddAPIKeyExpiring(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData"}, "reporting nightly", soon)
	expired, _, _ := emu.AddAPIKeyExpiring(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData"}, "old reporting", time.Now().Add(-time.Hour))
	legacy, _, _ := emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readApplications"}, "Legacy REPORTING export")
	corpReader, _, _ := emu.AddAPIKey(emulator.AccountAcmeCorp, emulator.AdminEmail, []string{"readData"}, "corp reader")
	const bootstrapID = 1

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   listResources.gate(),
		Steps: []resource.TestStep{
			// The configuration the queries run with: the provider block alone.
			{Config: providerConfig(baseURL)},
			{
				Query: true,
				Config: `
list "pulse_api_key" "labs" {
  provider = pulse
  config {
    account_id = "` + emulator.AccountAcmeLabs + `"
  }
}

list "pulse_api_key" "labs_reporting_valid" {
  provider = pulse
  config {
    account_id        = "` + emulator.AccountAcmeLabs + `"
    description_regex = "(?i)reporting"
    expired           = false
  }
}

list "pulse_api_key" "labs_expired" {
  provider = pulse
  config {
    account_id = "` + emulator.AccountAcmeLabs + `"
    expired    = true
  }
}

list "pulse_api_key" "corp" {
  provider = pulse
}

list "pulse_api_key" "corp_with_provider_key" {
  provider = pulse
  config {
    include_provider_key = true
  }
}

list "pulse_api_key" "labs_first_two" {
  provider = pulse
  limit    = 2
  config {
    account_id = "` + emulator.AccountAcmeLabs + `"
  }
}
`,
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("pulse_api_key.labs", 4),
					querycheck.ExpectIdentity("pulse_api_key.labs", keyIdentity(emulator.AccountAcmeLabs, ci)),
					querycheck.ExpectIdentity("pulse_api_key.labs", keyIdentity(emulator.AccountAcmeLabs, nightly)),
					querycheck.ExpectIdentity("pulse_api_key.labs", keyIdentity(emulator.AccountAcmeLabs, expired)),
					querycheck.ExpectIdentity("pulse_api_key.labs", keyIdentity(emulator.AccountAcmeLabs, legacy)),
					querycheck.ExpectResourceDisplayName("pulse_api_key.labs",
						queryfilter.ByResourceIdentity(keyIdentity(emulator.AccountAcmeLabs, ci)), knownvalue.StringExact("ci deployer")),

					querycheck.ExpectLength("pulse_api_key.labs_reporting_valid", 2),
					querycheck.ExpectIdentity("pulse_api_key.labs_reporting_valid", keyIdentity(emulator.AccountAcmeLabs, nightly)),
					querycheck.ExpectIdentity("pulse_api_key.labs_reporting_valid", keyIdentity(emulator.AccountAcmeLabs, legacy)),

					querycheck.ExpectLength("pulse_api_key.labs_expired", 1),
					querycheck.ExpectIdentity("pulse_api_key.labs_expired", keyIdentity(emulator.AccountAcmeLabs, expired)),

					querycheck.ExpectLength("pulse_api_key.corp", 1),
					querycheck.ExpectIdentity("pulse_api_key.corp", keyIdentity(emulator.AccountAcmeCorp, corpReader)),

					querycheck.ExpectLength("pulse_api_key.corp_with_provider_key", 2),
					querycheck.ExpectIdentity("pulse_api_key.corp_with_provider_key", keyIdentity(emulator.AccountAcmeCorp, bootstrapID)),

					querycheck.ExpectLength("pulse_api_key.labs_first_two", 2),
				},
			},
			// With include_resource, the key as a read after import sets it: no secret, the
			// expiry to the millisecond, no keepers.
			{
				Query: true,
				Config: `
list "pulse_api_key" "nightly" {
  provider         = pulse
  include_resource = true
  config {
    account_id        = "` + emulator.AccountAcmeLabs + `"
    description_regex = "^reporting nightly$"
  }
}
`,
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("pulse_api_key.nightly", 1),
					querycheck.ExpectResourceKnownValues("pulse_api_key.nightly",
						queryfilter.ByResourceIdentity(keyIdentity(emulator.AccountAcmeLabs, nightly)),
						[]querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(strconv.FormatInt(nightly, 10))},
							{Path: tfjsonpath.New("account_id"), KnownValue: knownvalue.StringExact(emulator.AccountAcmeLabs)},
							{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact("reporting nightly")},
							{Path: tfjsonpath.New("permissions"), KnownValue: knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("readData")})},
							{Path: tfjsonpath.New("expires_at"), KnownValue: knownvalue.StringExact(soon.Format("2006-01-02T15:04:05.000Z"))},
							{Path: tfjsonpath.New("api_key"), KnownValue: knownvalue.StringRegexp(regexp.MustCompile(`^apiKey-`))},
							{Path: tfjsonpath.New("api_secret"), KnownValue: knownvalue.Null()},
							{Path: tfjsonpath.New("keepers"), KnownValue: knownvalue.Null()},
						}),
				},
			},
		},
	})
}

// What cannot be queried is refused with a reason.
func TestAccAPIKeyListResource_badInput(t *testing.T) {
	_, baseURL := startEmulator(t, emulator.Options{})
	query := func(config string) string {
		return `
list "pulse_api_key" "bad" {
  provider = pulse
  config {
    ` + config + `
  }
}
`
	}
	steps := []resource.TestStep{{Config: providerConfig(baseURL)}}
	for _, c := range []struct{ config, want string }{
		{`account_id = "` + emulator.AccountGlobex + `"`,
			`account_id is ` + emulator.AccountGlobex + `, which is not one of the accounts the provider's credentials can act on`},
		{`account_id = "acme"`, `must be a Pulse account id: a string of digits`},
		{`description_regex = "ci-(prod"`, `description_regex is "ci-(prod", which is not an RE2 regular expression: error parsing regexp: missing closing )`},
	} {
		steps = append(steps, resource.TestStep{Query: true, Config: query(c.config), ExpectError: errorText(c.want)})
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   listResources.gate(),
		Steps:                    steps,
	})
}

// Credentials without writeApiKeys on the account are told which permission is missing.
func TestAccAPIKeyListResource_forbidden(t *testing.T) {
	_, baseURL := startEmulator(t, emulator.Options{})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   listResources.gate(),
		Steps: []resource.TestStep{
			{Config: passwordProviderConfig(baseURL, emulator.ViewerEmail, "pulse_viewer_password")},
			{
				Query: true,
				Config: `
list "pulse_api_key" "corp" {
  provider = pulse
}
`,
				ExpectError: errorText("Managing API keys needs the writeApiKeys permission on account " + emulator.AccountAcmeCorp),
			},
		},
	})
}

// expectRequests is a query check that reads the emulator's counter of a route once the
// query is done: what that query cost.
type expectRequests struct {
	emu   *emulator.Server
	route string
	want  int
}

func (e expectRequests) CheckQuery(_ context.Context, _ querycheck.CheckQueryRequest, resp *querycheck.CheckQueryResponse) {
	if got := e.emu.Count(e.route); got != e.want {
		resp.Error = fmt.Errorf("the query sent %d %s requests, want %d", got, e.route, e.want)
	}
}

// A query walks an account once, however many list blocks name it: 250 keys are three
// pages, asked for once.
func TestAccAPIKeyListResource_oneWalkPerQuery(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	emu.SeedAPIKeys(emulator.AccountAcmeLabs, emulator.AdminEmail, 250)
	var blocks string
	for i := range 4 {
		blocks += fmt.Sprintf(`
list "pulse_api_key" "labs_%d" {
  provider = pulse
  limit    = 1000
  config {
    account_id        = %q
    description_regex = "%d$"
  }
}
`, i, emulator.AccountAcmeLabs, i)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   listResources.gate(),
		Steps: []resource.TestStep{
			{Config: providerConfig(baseURL)},
			{
				PreConfig: emu.ResetCounts,
				Query:     true,
				Config:    blocks,
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("pulse_api_key.labs_0", 25),
					querycheck.ExpectLength("pulse_api_key.labs_3", 25),
					querycheck.ExpectTotalLengthForMatching(regexp.MustCompile(`^list\.pulse_api_key\.labs_`), 100),
					expectRequests{emu, "GET /apikeys", 3},
					expectRequests{emu, "POST /auth/login", 1},
				},
			},
		},
	})
}
