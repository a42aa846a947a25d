package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

func TestAccAPIKeysDataSources(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	id, apiKey, _ := emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData"}, "labs reader")
	idText := fmt.Sprint(id)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// A key that is not there: the error comes first, while the state is
			// empty, so that the test's final destroy has a valid configuration.
			{
				Config: providerConfig(baseURL) + `
data "pulse_api_key" "missing" {
  id = "999999"
}
`,
				ExpectError: errorText(`No key with id "999999" on account ` + emulator.AccountAcmeCorp),
			},
			// Listing an account, finding one key by id and by api_key, and the grantable permissions.
			{
				Config: providerConfig(baseURL) + `
data "pulse_api_keys" "corp" {}
data "pulse_api_keys" "labs" {
  account_id = "` + emulator.AccountAcmeLabs + `"
}
data "pulse_api_key" "by_id" {
  account_id = "` + emulator.AccountAcmeLabs + `"
  id         = "` + idText + `"
}
data "pulse_api_key" "by_key" {
  account_id = "` + emulator.AccountAcmeLabs + `"
  api_key    = "` + apiKey + `"
}
data "pulse_permissions" "corp" {}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.pulse_api_keys.corp", tfjsonpath.New("account_id"), knownvalue.StringExact(emulator.AccountAcmeCorp)),
					statecheck.ExpectKnownValue("data.pulse_api_keys.corp", tfjsonpath.New("api_keys").AtSliceIndex(0).AtMapKey("api_key"),
						knownvalue.StringExact(emulator.BootstrapAPIKey)),
					statecheck.ExpectKnownValue("data.pulse_api_keys.labs", tfjsonpath.New("api_keys"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"id":          knownvalue.StringExact(idText),
							"api_key":     knownvalue.StringExact(apiKey),
							"description": knownvalue.StringExact("labs reader"),
							"permissions": knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("readData")}),
							"expires_at":  knownvalue.Null(),
						}),
					})),
					statecheck.ExpectKnownValue("data.pulse_api_key.by_id", tfjsonpath.New("api_key"), knownvalue.StringExact(apiKey)),
					statecheck.ExpectKnownValue("data.pulse_api_key.by_key", tfjsonpath.New("id"), knownvalue.StringExact(idText)),
					statecheck.ExpectKnownValue("data.pulse_api_key.by_key", tfjsonpath.New("description"), knownvalue.StringExact("labs reader")),
					statecheck.ExpectKnownValue("data.pulse_permissions.corp", tfjsonpath.New("names"), knownvalue.SetPartial([]knownvalue.Check{
						knownvalue.StringExact("writeApiKeys"), knownvalue.StringExact("readTickets"),
					})),
					statecheck.ExpectKnownValue("data.pulse_permissions.corp", tfjsonpath.New("permissions").AtSliceIndex(0),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"name":     knownvalue.NotNull(),
							"category": knownvalue.NotNull(),
						})),
				},
			},
		},
	})
}

// The documents disagree on the key list's shape; every form reads the same.
func TestAccAPIKeysDataSource_variants(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{Variants: emulator.Variants{
		KeyListBareArray:     true,
		KeyPermissionObjects: true,
	}})
	emu.SeedAPIKeys(emulator.AccountAcmeLabs, emulator.AdminEmail, 130)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerConfig(baseURL) + `
data "pulse_api_keys" "labs" {
  account_id = "` + emulator.AccountAcmeLabs + `"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.pulse_api_keys.labs", tfjsonpath.New("api_keys"), knownvalue.ListSizeExact(130)),
					statecheck.ExpectKnownValue("data.pulse_api_keys.labs", tfjsonpath.New("api_keys").AtSliceIndex(0).AtMapKey("permissions"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("readApplications"), knownvalue.StringExact("readData")})),
				},
			},
		},
	})
}
