package provider

import (
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// regionAccount is one of the session's accounts on which the admin, and so the bootstrap key,
// is a plain user: no writeApiKeys.
const regionAccount = "9100000000000001"

// badInput is one wrong input: a configuration (or environment, or import id) and the text
// its error must carry.
type badInput struct {
	name     string
	config   string
	env      map[string]string // PULSE_* variables set for this step only
	importID string            // when set, the step imports pulse_api_key.test with this id
	want     string
}

// TestAccBadInput walks every wrong input a user can give, on a working directory that
// already manages a key. Each must fail at plan time (or at import) with its message, send
// no write, and leave the state as it was: the last step plans the original configuration
// and finds nothing to do. It is not parallel, because some inputs are environment
// variables, which the provider reads from the test process.
func TestAccBadInput(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	t.Cleanup(func() { setPulseEnv(t, nil) })
	keyBody := `
  description = "managed"
  permissions = ["readData"]
`
	resourceBlock := `
resource "pulse_api_key" "test" {` + keyBody + `}
`
	good := providerConfig(baseURL) + resourceBlock
	withProvider := func(block string) string { return configHeader + block + resourceBlock }
	withKey := func(body string) string {
		return providerConfig(baseURL) + `
resource "pulse_api_key" "test" {
` + body + `
}
`
	}
	withData := func(data string) string { return good + data }

	cases := []badInput{
		// The provider block.
		{name: "no credentials", config: withProvider(`provider "pulse" { base_url = "` + baseURL + `" }`),
			want: "Set api_key and api_secret in the provider block (or PULSE_API_KEY and PULSE_API_SECRET"},
		{name: "both methods", config: withProvider(`provider "pulse" {
  base_url   = "` + baseURL + `"
  api_key    = var.pulse_api_key
  api_secret = var.pulse_api_secret
  email      = "` + emulator.AdminEmail + `"
  password   = var.pulse_admin_password
}`), want: "Conflicting Pulse credentials"},
		{name: "api key without its secret", config: withProvider(`provider "pulse" {
  base_url = "` + baseURL + `"
  api_key  = var.pulse_api_key
}`), want: "Set api_secret in the provider block or PULSE_API_SECRET in the environment."},
		{name: "email without its password", config: withProvider(`provider "pulse" {
  base_url = "` + baseURL + `"
  email    = "` + emulator.AdminEmail + `"
}`), want: "Set password in the provider block or PULSE_PASSWORD in the environment."},
		{name: "empty api key", config: withProvider(`provider "pulse" {
  base_url   = "` + baseURL + `"
  api_key    = ""
  api_secret = var.pulse_api_secret
}`), want: "Empty api_key"},
		{name: "unknown environment", config: withProvider(`provider "pulse" {
  environment = "prod"
  api_key     = var.pulse_api_key
  api_secret  = var.pulse_api_secret
}`), want: `it must be "production" or "development"`},
		{name: "base URL without a scheme", config: providerConfig("api.pulsecrm.com") + resourceBlock,
			want: "is not an absolute http(s) URL"},
		{name: "base URL with another scheme", config: providerConfig("ftp://api.pulsecrm.com") + resourceBlock,
			want: "is not an absolute http(s) URL"},
		{name: "base URL over plain HTTP to another host", config: providerConfig("http://10.1.2.3:8080") + resourceBlock,
			want: "plain HTTP would carry the API secret or password, and every session token, unencrypted"},
		{name: "base URL with user info", config: providerConfig("https://user:pa55@api.pulsecrm.com") + resourceBlock,
			want: "carries credentials (user:password@)"},
		{name: "account id not digits", config: providerConfig(baseURL, `account_id = "acme"`) + resourceBlock,
			want: `account_id in the provider block is "acme", which is not a Pulse account id`},
		{name: "account id not the session's", config: providerConfig(baseURL, `account_id = "`+emulator.AccountGlobex+`"`) + resourceBlock,
			want: "Set account_id in the provider block (or PULSE_ACCOUNT_ID) to one of the session's accounts"},
		{name: "malformed request timeout", config: providerConfig(baseURL, `request_timeout = "soon"`) + resourceBlock,
			want: "Invalid request timeout"},
		{name: "malformed retry wait", config: providerConfig(baseURL, `max_retry_wait = "forever"`) + resourceBlock,
			want: `max_retry_wait is "forever"; write a positive Go duration`},
		{name: "negative max retries", config: providerConfig(baseURL, `max_retries = -1`) + resourceBlock,
			want: "Attribute max_retries value must be between 0 and 100, got: -1"},
		{name: "negative rate limit", config: providerConfig(baseURL, `max_requests_per_second = -5`) + resourceBlock,
			want: "Attribute max_requests_per_second value must be at least 0"},

		// PULSE_* environment variables, under a provider block that leaves them in effect.
		{name: "PULSE_ENVIRONMENT=prod", config: withProvider(`provider "pulse" {
  api_key    = var.pulse_api_key
  api_secret = var.pulse_api_secret
}`), env: map[string]string{"PULSE_ENVIRONMENT": "prod"}, want: `PULSE_ENVIRONMENT in the environment is "prod"`},
		{name: "PULSE_BASE_URL without a scheme", config: withProvider(`provider "pulse" {
  api_key    = var.pulse_api_key
  api_secret = var.pulse_api_secret
}`), env: map[string]string{"PULSE_BASE_URL": "api.pulsecrm.com"}, want: "PULSE_BASE_URL"},
		{name: "PULSE_ACCOUNT_ID not digits", config: good,
			env: map[string]string{"PULSE_ACCOUNT_ID": "acme"}, want: `PULSE_ACCOUNT_ID in the environment is "acme", which is not a Pulse account id`},
		{name: "PULSE_ACCOUNT_ID not the session's", config: good,
			env: map[string]string{"PULSE_ACCOUNT_ID": emulator.AccountGlobex}, want: "Invalid Pulse provider configuration: account_id"},
		{name: "PULSE_API_KEY without PULSE_API_SECRET", config: withProvider(`provider "pulse" { base_url = "` + baseURL + `" }`),
			env: map[string]string{"PULSE_API_KEY": emulator.BootstrapAPIKey}, want: "PULSE_API_SECRET"},

		// The resource.
		{name: "empty description", config: withKey(`description = ""
  permissions = ["readData"]`), want: `description is empty or only white space: say what the key is for, such as description = "CI deployer"`},
		{name: "blank description", config: withKey(`description = "   "
  permissions = ["readData"]`), want: "description is empty or only white space"},
		{name: "no permissions", config: withKey(`description = "managed"
  permissions = []`), want: `permissions is empty: grant at least one permission, such as permissions = ["readData"]`},
		{name: "unknown permission with a close match", config: withKey(`description = "managed"
  permissions = ["readTicket"]`), want: "readTicket: did you mean readTickets?"},
		{name: "unknown permission without a close match", config: withKey(`description = "managed"
  permissions = ["launchRockets"]`), want: `"launchRockets" is not a permission that can be granted on account`},
		{name: "malformed expiry", config: withKey(keyBody + `expires_at = "next tuesday"`),
			want: `expires_at is "next tuesday", which is not an RFC 3339 timestamp`},
		{name: "expiry without offset", config: withKey(keyBody + `expires_at = "2099-01-01T00:00:00"`),
			want: "which is not an RFC 3339 timestamp"},
		{name: "expiry in the past", config: withKey(keyBody + `expires_at = "2001-01-01T00:00:00Z"`),
			want: "expires_at is 2001-01-01T00:00:00Z, which has already passed"},
		{name: "key account not digits", config: withKey(keyBody + `account_id = "acme"`),
			want: "must be a Pulse account id"},
		{name: "key account not the session's", config: withKey(keyBody + `account_id = "` + emulator.AccountGlobex + `"`),
			want: "account_id is " + emulator.AccountGlobex + ", which is not one of the accounts the provider's credentials can act on"},

		{name: "key on an account where the credentials lack writeApiKeys", config: withKey(keyBody + `account_id = "` + regionAccount + `"`),
			want: "Creating or changing this key needs the writeApiKeys permission on account " + regionAccount + ", which the provider's credentials lack there"},

		// Import ids.
		{name: "import id not digits", importID: "abc", want: "Expected <id> or <account_id>/<id>, both digits"},
		{name: "import id with an empty key id", importID: emulator.AccountAcmeCorp + "/", want: "Expected <id> or <account_id>/<id>, both digits"},
		{name: "import id with an empty account", importID: "/42", want: "Expected <id> or <account_id>/<id>, both digits"},
		{name: "import id with three parts", importID: "1/2/3", want: "Expected <id> or <account_id>/<id>, both digits"},
		{name: "import id with a space", importID: "42 ", want: "Expected <id> or <account_id>/<id>, both digits"},
		{name: "import of a key that does not exist", importID: emulator.AccountAcmeCorp + "/999999",
			want: "Key 999999 is not on account " + emulator.AccountAcmeCorp + ", nor on any other account the provider's credentials can act on"},
		{name: "import from an account where the credentials lack writeApiKeys", importID: regionAccount + "/1",
			want: "Managing API keys needs the writeApiKeys permission on account " + regionAccount},
		{name: "import id out of range", importID: "99999999999999999999", want: "Expected <id> or <account_id>/<id>, both digits"},

		// Data sources.
		{name: "account data source with a malformed id", config: withData(`data "pulse_account" "bad" {
  account_id = "acme"
}`), want: "must be a Pulse account id: a string of digits"},
		{name: "key data source with no lookup", config: withData(`data "pulse_api_key" "none" {}`),
			want: "Exactly one of these attributes must be configured: [id,api_key]"},
		{name: "key data source with both lookups", config: withData(`data "pulse_api_key" "both" {
  id      = "1"
  api_key = "` + emulator.BootstrapAPIKey + `"
}`), want: "Exactly one of these attributes must be configured: [id,api_key]"},
	}

	steps := []resource.TestStep{{Config: good}}
	for _, tc := range cases {
		step := resource.TestStep{
			PreConfig:   func() { setPulseEnv(t, tc.env) },
			Config:      tc.config,
			PlanOnly:    true,
			ExpectError: errorText(tc.want),
		}
		if tc.importID != "" {
			step.Config, step.PlanOnly = good, false
			step.ResourceName, step.ImportState, step.ImportStateId = "pulse_api_key.test", true, tc.importID
		}
		steps = append(steps, step)
	}
	steps = append(steps,
		// Not errors, but inputs a user may get wrong: a repeated permission is one element
		// of a set, so the plan is empty; keepers added to a key without any, even unknown
		// until apply, are adopted in place (TestAccAPIKeyResource_keepers has the rest).
		resource.TestStep{
			PreConfig: func() { setPulseEnv(t, nil) },
			Config: withKey(`description = "managed"
  permissions = ["readData", "readData"]`),
			PlanOnly: true,
		},
		// An empty map of keepers is no keepers: an update in place, not a new key.
		resource.TestStep{
			Config:             withKey(keyBody + `keepers = {}`),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction("pulse_api_key.test", plancheck.ResourceActionUpdate)},
			},
		},
		// A permission known only at apply cannot be checked at plan time, and is no error.
		resource.TestStep{
			Config: withKey(`description = "managed"
  permissions = ["readData", terraform_data.later.output]`) + `
resource "terraform_data" "later" {
  input = "readTickets"
}
`,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction("pulse_api_key.test", plancheck.ResourceActionUpdate)},
			},
		},
		resource.TestStep{
			Config: withKey(keyBody+`keepers = { rotation = terraform_data.later.id }`) + `
resource "terraform_data" "later" {}
`,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction("pulse_api_key.test", plancheck.ResourceActionUpdate)},
			},
		},
		// The state is as it was: the original configuration plans nothing, and nothing but
		// the first create was ever written.
		resource.TestStep{
			PreConfig: func() {
				for _, route := range []string{"POST /apikeys", "PATCH /apikeys/{id}", "DELETE /apikeys/{id}"} {
					want := 0
					if route == "POST /apikeys" {
						want = 1
					}
					if got := emu.Count(route); got != want {
						t.Errorf("wrong inputs led to %d × %s, want %d", got, route, want)
					}
				}
			},
			Config:   good,
			PlanOnly: true,
		},
	)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeCorp),
		Steps:                    steps,
	})
}

// setPulseEnv makes env the only PULSE_* variables of the process until the next call.
func setPulseEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PULSE_") {
			if err := os.Unsetenv(name); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, value := range env {
		t.Setenv(name, value)
	}
}
