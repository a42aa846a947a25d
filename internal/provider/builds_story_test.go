package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// The key resource's story under every build the emulator can be (issue 16): the strict ones,
// and the shapes no document states (item 7). It logs in as the docs recommend for managing
// keys, with an account administrator's email and password, which every build accepts.

// buildsUnderTest are the emulator's variants, grouped so that each group is one build a
// Pulse deployment could be, and every variant is in at least one.
var buildsUnderTest = map[string]emulator.Variants{
	"strict key sessions": {KeySessionRefusal: 403, KeySessionOwnAccount: true, NoAccessNotFound: true, ErrorDetails: true},
	"bare paged array, permission objects by name, 204 writes": {
		KeySessionRefusal: 404, KeyListBareArray: true, KeyListPaged: true, PageCap: 50,
		KeyPermissionObjects: true, KeyPermissionField: "name", KeyWriteEmptyStatus: 204, AccountsLimitPaging: true,
	},
	"apikeys wrapper, permissionName objects, empty 200 writes": {
		KeyListField: "apikeys", PageCap: 30, KeyPermissionObjects: true, KeyPermissionField: "permissionName",
		KeyWriteEmptyStatus: 200, FullAccountsInSession: true, JWTTokens: true, OmitExpiresAt: true,
	},
	"items wrapper": {KeyListField: "items", KeyPermissionObjects: true},
}

func storyConfig(baseURL, description string, permissions string) string {
	return adminConfig(baseURL) + fmt.Sprintf(`
resource "pulse_api_key" "corp" {
  description = %[1]q
  permissions = %[2]s
}

resource "pulse_api_key" "labs" {
  account_id  = %[3]q
  description = %[1]q
  permissions = %[2]s
  expires_at  = "2099-01-01T00:00:00Z"
}
`, description, permissions, emulator.AccountAcmeLabs)
}

func TestAccBuilds_keyStory(t *testing.T) {
	for name, variants := range buildsUnderTest {
		t.Run(name, func(t *testing.T) {
			emu, baseURL := startEmulator(t, emulator.Options{Variants: variants})
			// Enough keys that every listing of Acme Labs spans pages.
			emu.SeedAPIKeys(emulator.AccountAcmeLabs, emulator.AdminEmail, 70)
			const labs = "pulse_api_key.labs"

			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeCorp, emulator.AccountAcmeLabs),
				Steps: []resource.TestStep{
					// Create on two accounts, and read back without a diff (the harness plans again).
					{
						Config: storyConfig(baseURL, "story", `["readData", "readApplications"]`),
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(labs, tfjsonpath.New("permissions"), knownvalue.SetExact([]knownvalue.Check{
								knownvalue.StringExact("readApplications"), knownvalue.StringExact("readData"),
							})),
						},
						Check: checkSecretLogsIn(baseURL, labs),
					},
					// Update in place.
					{
						Config: storyConfig(baseURL, "story, renamed", `["readData"]`),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(labs, plancheck.ResourceActionUpdate)},
						},
						Check: checkDescribed(emu, "story, renamed"),
					},
					// Import by account and id: the same key, without its secret.
					{
						ResourceName:            labs,
						ImportState:             true,
						ImportStateIdPrefix:     emulator.AccountAcmeLabs + "/",
						ImportStateVerify:       true,
						ImportStateVerifyIgnore: []string{"api_secret", "keepers"},
					},
					// Drift: deleted behind Terraform's back, planned again.
					{
						PreConfig: func() {
							for _, k := range emu.APIKeys(emulator.AccountAcmeLabs) {
								if k.Description == "story, renamed" {
									emu.DeleteAPIKey(emulator.AccountAcmeLabs, k.ID)
								}
							}
						},
						Config:             storyConfig(baseURL, "story, renamed", `["readData"]`),
						PlanOnly:           true,
						ExpectNonEmptyPlan: true,
					},
					{
						Config: storyConfig(baseURL, "story, renamed", `["readData"]`),
						Check: resource.ComposeTestCheckFunc(
							checkDescribed(emu, "story, renamed"),
							func(*terraform.State) error {
								if n := len(emu.APIKeys(emulator.AccountAcmeLabs)); n != 71 {
									return fmt.Errorf("Acme Labs holds %d keys, want the 70 seeded and the story's", n)
								}
								return nil
							},
						),
					},
				},
			})
		})
	}
}

// Item 5: accounts paged as limit/total/pageCount list as the other form does (the default
// form is TestAccAccountsDataSource's).
func TestAccBuilds_accountsLimitPaging(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{Variants: emulator.Variants{AccountsLimitPaging: true}})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: emu.ResetCounts,
				Config: adminConfig(baseURL) + `
data "pulse_accounts" "all" {}
data "pulse_account" "region" {
  account_id = "9100000000000012"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.pulse_accounts.all", tfjsonpath.New("accounts"), knownvalue.ListSizeExact(14)),
					statecheck.ExpectKnownValue("data.pulse_account.region", tfjsonpath.New("account_name"), knownvalue.StringExact("Acme Region 12")),
				},
			},
		},
	})
}

// Item 7, the other way: a build changes a shape under a managed key to one the client does
// not know. The refresh fails naming the shape, rather than reading the key without its
// permissions (a change no apply could make) or without the key (a duplicate); the state is
// kept, and once the shape is one the client knows, the plan is empty.
func TestAccBuilds_unknownShapes(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	config := adminConfig(baseURL) + labsKey("shapes")

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					emu.SetVariants(emulator.Variants{KeyPermissionObjects: true, KeyPermissionField: "slug"})
				},
				Config: config,
				ExpectError: errorTexts("Unable to read Pulse API key", "200 unreadable response: a permission object names "+
					`no permission: it has fields "category", "description", "id", "slug", and none of permission, name, `+
					"permissionName holds a name"),
			},
			{
				PreConfig: func() { emu.SetVariants(emulator.Variants{KeyListField: "records"}) },
				Config:    config,
				ExpectError: errorTexts("Unable to read Pulse API key", `200 unreadable response: no list in the response: an `+
					`object with fields "limit", "page", "pageCount", "records", "total", none of them a list named data, `+
					"items, apiKeys, keys, results"),
			},
			{
				PreConfig: func() {
					emu.SetVariants(emulator.Variants{KeyListField: "apiKeys", KeyPermissionObjects: true, KeyPermissionField: "name"})
					checkKeyExists(t, emu, "shapes")
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
