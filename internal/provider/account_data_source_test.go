package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

func TestAccAccountDataSource(t *testing.T) {
	_, baseURL := startEmulator(t, emulator.Options{})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Errors first, while the state is empty, so that the final destroy has a valid
			// configuration. An account the caller does not belong to:
			{
				Config: providerConfig(baseURL) + `
data "pulse_account" "globex" {
  account_id = "` + emulator.AccountGlobex + `"
}
`,
				ExpectError: errorText("Pulse account not found"),
			},
			// Without account_id: the provider's account, here the primary one.
			{
				Config: providerConfig(baseURL) + `
data "pulse_account" "default" {}
data "pulse_account" "labs" {
  account_id = "` + emulator.AccountAcmeLabs + `"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.pulse_account.default", tfjsonpath.New("account_id"), knownvalue.StringExact(emulator.AccountAcmeCorp)),
					statecheck.ExpectKnownValue("data.pulse_account.default", tfjsonpath.New("account_name"), knownvalue.StringExact("Acme Corp")),
					statecheck.ExpectKnownValue("data.pulse_account.default", tfjsonpath.New("repcode"), knownvalue.StringExact("3")),
					statecheck.ExpectKnownValue("data.pulse_account.default", tfjsonpath.New("account_admin"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.pulse_account.default", tfjsonpath.New("primary"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.pulse_account.default", tfjsonpath.New("permissions"), knownvalue.SetPartial([]knownvalue.Check{
						knownvalue.StringExact("writeApiKeys"),
					})),
					statecheck.ExpectKnownValue("data.pulse_account.labs", tfjsonpath.New("account_name"), knownvalue.StringExact("Acme Labs")),
					statecheck.ExpectKnownValue("data.pulse_account.labs", tfjsonpath.New("repcode"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.pulse_account.labs", tfjsonpath.New("primary"), knownvalue.Bool(false)),
				},
			},
		},
	})
}

func TestAccAccountsDataSource(t *testing.T) {
	_, baseURL := startEmulator(t, emulator.Options{})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Every account, past the API's first page, and a name filter.
			{
				Config: providerConfig(baseURL) + `
data "pulse_accounts" "all" {}
data "pulse_accounts" "labs" {
  name = "labs"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.pulse_accounts.all", tfjsonpath.New("accounts"), knownvalue.ListSizeExact(14)),
					statecheck.ExpectKnownValue("data.pulse_accounts.labs", tfjsonpath.New("accounts"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"account_id":   knownvalue.StringExact(emulator.AccountAcmeLabs),
							"account_name": knownvalue.StringExact("Acme Labs"),
						}),
					})),
				},
			},
		},
	})
}
