package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// checkKeysDestroyed asks the emulator that no key the test created is left.
func checkKeysDestroyed(emu *emulator.Server, accounts ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "pulse_api_key" {
				continue
			}
			for _, account := range accounts {
				for _, k := range emu.APIKeys(account) {
					if strconv.FormatInt(k.ID, 10) == rs.Primary.ID {
						return fmt.Errorf("API key %s still exists on account %s", rs.Primary.ID, account)
					}
				}
			}
		}
		return nil
	}
}

// checkLabsKeyCount asks the emulator how many keys Acme Labs, the tests' account for keys,
// holds.
func checkLabsKeyCount(emu *emulator.Server, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if n := len(emu.APIKeys(emulator.AccountAcmeLabs)); n != want {
			return fmt.Errorf("account %s has %d keys, want %d", emulator.AccountAcmeLabs, n, want)
		}
		return nil
	}
}

// checkSecretLogsIn proves the secret in state is the key's real secret: it logs in.
func checkSecretLogsIn(baseURL, name string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[name]
		if !ok {
			return fmt.Errorf("%s not in state", name)
		}
		body, _ := json.Marshal(map[string]string{
			"apiKey":    rs.Primary.Attributes["api_key"],
			"apiSecret": rs.Primary.Attributes["api_secret"],
		})
		resp, err := http.Post(baseURL+"/auth/login", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("login with the created key's secret: status %d", resp.StatusCode)
		}
		return nil
	}
}

func apiKeyConfig(baseURL, body string) string {
	return providerConfig(baseURL) + `
resource "pulse_api_key" "test" {
` + body + `
}
`
}

func TestAccAPIKeyResource(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const name = "pulse_api_key.test"
	sameID := statecheck.CompareValue(compare.ValuesSame())
	sameSecret := statecheck.CompareValue(compare.ValuesSame())

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeCorp),
		Steps: []resource.TestStep{
			// Create and read: the secret comes back once, is sensitive, and works.
			{
				Config: apiKeyConfig(baseURL, `
  description = "ci deployer"
  permissions = ["readApplications", "writeApplications"]
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(name, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(name, tfjsonpath.New("account_id"), knownvalue.StringExact(emulator.AccountAcmeCorp)),
						plancheck.ExpectSensitiveValue(name, tfjsonpath.New("api_secret")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("account_id"), knownvalue.StringExact(emulator.AccountAcmeCorp)),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("description"), knownvalue.StringExact("ci deployer")),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("permissions"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("readApplications"), knownvalue.StringExact("writeApplications"),
					})),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("expires_at"), knownvalue.Null()),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("api_key"), knownvalue.StringRegexp(regexp.MustCompile(`^apiKey-`))),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("last_four_of_secret"), knownvalue.StringRegexp(regexp.MustCompile(`^.{4}$`))),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("created_at"), knownvalue.NotNull()),
					statecheck.ExpectSensitiveValue(name, tfjsonpath.New("api_secret")),
					sameID.AddStateValue(name, tfjsonpath.New("id")),
					sameSecret.AddStateValue(name, tfjsonpath.New("api_secret")),
				},
				Check: checkSecretLogsIn(baseURL, name),
			},
			// Description, permissions and expiry change in place; id and secret stay.
			{
				Config: apiKeyConfig(baseURL, `
  description = "ci deployer (renamed)"
  permissions = ["readApplications", "readData"]
  expires_at  = "2099-06-01T12:00:00+02:00"
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("description"), knownvalue.StringExact("ci deployer (renamed)")),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("permissions"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("readApplications"), knownvalue.StringExact("readData"),
					})),
					// Kept as written: the API's own rendering of the same instant is no diff.
					statecheck.ExpectKnownValue(name, tfjsonpath.New("expires_at"), knownvalue.StringExact("2099-06-01T12:00:00+02:00")),
					sameID.AddStateValue(name, tfjsonpath.New("id")),
					sameSecret.AddStateValue(name, tfjsonpath.New("api_secret")),
				},
			},
			// Removing the expiry is an update too.
			{
				Config: apiKeyConfig(baseURL, `
  description = "ci deployer (renamed)"
  permissions = ["readApplications", "readData"]
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("expires_at"), knownvalue.Null()),
					sameID.AddStateValue(name, tfjsonpath.New("id")),
					sameSecret.AddStateValue(name, tfjsonpath.New("api_secret")),
				},
			},
			// Import by id alone (the provider's account) and by account/id: no secret.
			{
				ResourceName:            name,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"api_secret", "keepers"},
			},
			{
				ResourceName:            name,
				ImportState:             true,
				ImportStateIdPrefix:     emulator.AccountAcmeCorp + "/",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"api_secret", "keepers"},
			},
		},
	})
}

// Changing keepers, or the account, replaces the key.
func TestAccAPIKeyResource_replace(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const name = "pulse_api_key.test"
	differentID := statecheck.CompareValue(compare.ValuesDiffer())

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeCorp, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			{
				Config: apiKeyConfig(baseURL, `
  description = "rotated"
  permissions = ["readData"]
  keepers     = { rotation = "1" }
`),
				ConfigStateChecks: []statecheck.StateCheck{differentID.AddStateValue(name, tfjsonpath.New("id"))},
			},
			{
				Config: apiKeyConfig(baseURL, `
  description = "rotated"
  permissions = ["readData"]
  keepers     = { rotation = "2" }
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{differentID.AddStateValue(name, tfjsonpath.New("id"))},
				Check:             checkSecretLogsIn(baseURL, name),
			},
			{
				Config: apiKeyConfig(baseURL, `
  account_id  = "`+emulator.AccountAcmeLabs+`"
  description = "rotated"
  permissions = ["readData"]
  keepers     = { rotation = "2" }
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					differentID.AddStateValue(name, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("account_id"), knownvalue.StringExact(emulator.AccountAcmeLabs)),
				},
				Check: checkLabsKeyCount(emu, 1),
			},
		},
	})
}

// With create_before_destroy, the new key exists before the old one is deleted: a consumer
// always has a working secret.
func TestAccAPIKeyResource_createBeforeDestroy(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const name = "pulse_api_key.test"
	config := func(rotation string) string {
		return apiKeyConfig(baseURL, `
  description = "zero downtime"
  permissions = ["readData"]
  keepers     = { rotation = "`+rotation+`" }
  lifecycle {
    create_before_destroy = true
  }
`)
	}
	var oldID string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeCorp),
		Steps: []resource.TestStep{
			{
				Config: config("1"),
				Check: func(s *terraform.State) error {
					oldID = s.RootModule().Resources[name].Primary.ID
					emu.ResetJournal()
					return nil
				},
			},
			{
				Config: config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionCreateBeforeDestroy)},
				},
				Check: func(s *terraform.State) error {
					newID := s.RootModule().Resources[name].Primary.ID
					created, deleted := -1, -1
					for i, e := range emu.Journal() {
						switch {
						case e.Route == "POST /apikeys" && strconv.FormatInt(e.KeyID, 10) == newID:
							created = i
						case e.Route == "DELETE /apikeys/{id}" && strconv.FormatInt(e.KeyID, 10) == oldID:
							deleted = i
						}
					}
					if created < 0 || deleted < 0 || created > deleted {
						return fmt.Errorf("want the create of key %s before the delete of key %s; journal positions %d and %d",
							newID, oldID, created, deleted)
					}
					return nil
				},
			},
		},
	})
}

// An existing key is adopted: import, then the same configuration plans nothing, and
// keepers are adopted without replacing the key.
func TestAccAPIKeyResource_importThenEmptyPlan(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const name = "pulse_api_key.test"
	id, _, _ := emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData", "readTickets"}, "made by hand")
	config := apiKeyConfig(baseURL, `
  account_id  = "`+emulator.AccountAcmeLabs+`"
  description = "made by hand"
  permissions = ["readTickets", "readData"]
  keepers     = { owner = "platform" }
`)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			{
				Config:             config,
				ResourceName:       name,
				ImportState:        true,
				ImportStateId:      fmt.Sprintf("%s/%d", emulator.AccountAcmeLabs, id),
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("imported %d resources, want 1", len(states))
					}
					if secret, ok := states[0].Attributes["api_secret"]; ok && secret != "" {
						return fmt.Errorf("an imported key has a secret in state")
					}
					return nil
				},
			},
			// Keepers are adopted in place: the key is not replaced.
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("id"), knownvalue.StringExact(strconv.FormatInt(id, 10))),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("api_secret"), knownvalue.Null()),
				},
			},
			{
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}

// A key deleted behind Terraform's back is planned again and re-created.
func TestAccAPIKeyResource_drift(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const name = "pulse_api_key.test"
	config := apiKeyConfig(baseURL, `
  description = "drifting"
  permissions = ["readData"]
`)
	deleteKey := func() {
		for _, k := range emu.APIKeys(emulator.AccountAcmeCorp) {
			if k.Description == "drifting" {
				emu.DeleteAPIKey(emulator.AccountAcmeCorp, k.ID)
			}
		}
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeCorp),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig:          deleteKey,
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionCreate)},
				},
				Check: checkSecretLogsIn(baseURL, name),
			},
		},
	})
}

// Keys on two accounts in one configuration.
func TestAccAPIKeyResource_twoAccounts(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeCorp, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			{
				Config: providerConfig(baseURL) + `
resource "pulse_api_key" "corp" {
  description = "corp"
  permissions = ["readData"]
}
resource "pulse_api_key" "labs" {
  account_id  = "` + emulator.AccountAcmeLabs + `"
  description = "labs"
  permissions = ["readData"]
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("pulse_api_key.corp", tfjsonpath.New("account_id"), knownvalue.StringExact(emulator.AccountAcmeCorp)),
					statecheck.ExpectKnownValue("pulse_api_key.labs", tfjsonpath.New("account_id"), knownvalue.StringExact(emulator.AccountAcmeLabs)),
				},
				Check: checkLabsKeyCount(emu, 1),
			},
		},
	})
}

// A caller without writeApiKeys is told at plan time which permission is missing on which
// account, and nothing is sent.
func TestAccAPIKeyResource_forbidden(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: passwordProviderConfig(baseURL, emulator.ViewerEmail, "pulse_viewer_password") + `
resource "pulse_api_key" "test" {
  description = "x"
  permissions = ["readData"]
}
`,
				PlanOnly: true,
				ExpectError: errorText("Creating or changing this key needs the writeApiKeys permission on account " +
					emulator.AccountAcmeCorp + ", which the provider's credentials lack there"),
			},
			{
				PreConfig: func() {
					if got := emu.Count("POST /apikeys"); got != 0 {
						t.Errorf("a plan refused for want of writeApiKeys sent %d creates", got)
					}
				},
				Config:   passwordProviderConfig(baseURL, emulator.ViewerEmail, "pulse_viewer_password"),
				PlanOnly: true,
			},
		},
	})
}

// An expiry finer than Pulse keeps (it stores milliseconds), in any offset, is accepted as
// written and plans nothing afterwards.
func TestAccAPIKeyResource_expiryPrecision(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const name = "pulse_api_key.test"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeCorp),
		Steps: []resource.TestStep{
			{
				Config: apiKeyConfig(baseURL, `
  description = "precise"
  permissions = ["readData"]
  expires_at  = "2099-06-01T14:00:00.0001234+02:00"
`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("expires_at"), knownvalue.StringExact("2099-06-01T14:00:00.0001234+02:00")),
				},
			},
		},
	})
}

// Import by the bare id finds the key on the provider's account, and then plans nothing.
func TestAccAPIKeyResource_importByID(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const name = "pulse_api_key.test"
	id, _, _ := emu.AddAPIKey(emulator.AccountAcmeCorp, emulator.AdminEmail, []string{"readData"}, "by id")
	config := apiKeyConfig(baseURL, `
  description = "by id"
  permissions = ["readData"]
`)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeCorp),
		Steps: []resource.TestStep{
			{
				Config:             config,
				ResourceName:       name,
				ImportState:        true,
				ImportStateId:      strconv.FormatInt(id, 10),
				ImportStatePersist: true,
			},
			{
				Config:   config,
				PlanOnly: true,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("account_id"), knownvalue.StringExact(emulator.AccountAcmeCorp)),
				},
			},
		},
	})
}

// Keepers start and stop a rotation in place and rotate only when a value changes, for keys
// Terraform created (here) as for imported ones (TestAccAPIKeyResource_importThenEmptyPlan).
func TestAccAPIKeyResource_keepers(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	keys := func(keepers string, extra ...string) string {
		return providerConfig(baseURL) + fmt.Sprintf(`
resource "pulse_api_key" "k" {
  count       = 3
  account_id  = %q
  description = "key ${count.index}"
  permissions = ["readData"]
  %s
}
`, emulator.AccountAcmeLabs, keepers) + strings.Join(extra, "\n")
	}
	later := func(input string) string {
		return fmt.Sprintf(`
resource "terraform_data" "later" {
  input = %q
}
`, input)
	}
	all := func(action plancheck.ResourceActionType) []plancheck.PlanCheck {
		var checks []plancheck.PlanCheck
		for i := range 3 {
			checks = append(checks, plancheck.ExpectResourceAction(fmt.Sprintf("pulse_api_key.k[%d]", i), action))
		}
		return checks
	}
	sameKey := statecheck.CompareValue(compare.ValuesSame())
	sameSecret := statecheck.CompareValue(compare.ValuesSame())
	newKey := statecheck.CompareValue(compare.ValuesDiffer())
	// The test harness's state checks cannot read for_each instances, so count stands in.
	const a = "pulse_api_key.k[0]"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			// Three keys, made without keepers.
			{
				Config: keys(""),
				ConfigStateChecks: []statecheck.StateCheck{
					sameKey.AddStateValue(a, tfjsonpath.New("id")),
					sameSecret.AddStateValue(a, tfjsonpath.New("api_secret")),
					newKey.AddStateValue(a, tfjsonpath.New("id")),
				},
			},
			// Adding keepers starts the rotation: every key is kept, with its secret.
			{
				Config:           keys(`keepers = { rotation = "2026-q4" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: all(plancheck.ResourceActionUpdate)},
				ConfigStateChecks: []statecheck.StateCheck{
					sameKey.AddStateValue(a, tfjsonpath.New("id")),
					sameSecret.AddStateValue(a, tfjsonpath.New("api_secret")),
				},
				Check: checkLabsKeyCount(emu, 3),
			},
			// Changing a value rotates: every key is replaced.
			{
				Config:            keys(`keepers = { rotation = "2027-q1" }`),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: all(plancheck.ResourceActionDestroyBeforeCreate)},
				ConfigStateChecks: []statecheck.StateCheck{newKey.AddStateValue(a, tfjsonpath.New("id"))},
				Check:             checkLabsKeyCount(emu, 3),
			},
			// Removing them all stops rotating, in place.
			{
				Config:           keys(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: all(plancheck.ResourceActionUpdate)},
				Check:            checkLabsKeyCount(emu, 3),
			},
			// Keepers known only at apply, on keys without keepers: adopted in place.
			{
				Config:           keys(`keepers = { rotation = terraform_data.later.output }`, later("first")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: all(plancheck.ResourceActionUpdate)},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(a, tfjsonpath.New("keepers").AtMapKey("rotation"), knownvalue.StringExact("first")),
				},
			},
			// A value that will change at apply, on keys with keepers: a rotation.
			{
				Config:           keys(`keepers = { rotation = terraform_data.later.output }`, later("second")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: all(plancheck.ResourceActionDestroyBeforeCreate)},
				Check:            checkLabsKeyCount(emu, 3),
			},
		},
	})
}

// An import id that is not on the account it names (or the provider's) says where the key is,
// or that the credentials reach it nowhere.
func TestAccAPIKeyResource_importFromAnotherAccount(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const name = "pulse_api_key.test"
	labs, _, _ := emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData"}, "made in labs")
	emu.AddUser("owner@globex.example", "globex-owner-password", map[string]string{emulator.AccountGlobex: emulator.RoleAdmin}, emulator.AccountGlobex)
	globex, _, _ := emu.AddAPIKey(emulator.AccountGlobex, "owner@globex.example", []string{"readData"}, "out of reach")
	config := apiKeyConfig(baseURL, `
  account_id  = "`+emulator.AccountAcmeLabs+`"
  description = "made in labs"
  permissions = ["readData"]
`)
	importStep := func(id, want string) resource.TestStep {
		return resource.TestStep{Config: config, ResourceName: name, ImportState: true, ImportStateId: id, ExpectError: errorText(want)}
	}
	onLabs := fmt.Sprintf(`It is on account %s ("made in labs"): import it as %s/%d.`, emulator.AccountAcmeLabs, emulator.AccountAcmeLabs, labs)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			// The bare id, looked for on the provider's account (Acme Corp).
			importStep(strconv.FormatInt(labs, 10), fmt.Sprintf("Key %d is not on account %s, the provider's account, "+
				"where an id without an account is looked for. %s", labs, emulator.AccountAcmeCorp, onLabs)),
			// The wrong account, named.
			importStep(fmt.Sprintf("%s/%d", emulator.AccountAcmeCorp, labs), fmt.Sprintf("Key %d is not on account %s. %s",
				labs, emulator.AccountAcmeCorp, onLabs)),
			// An account the credentials cannot act on.
			importStep(fmt.Sprintf("%s/%d", emulator.AccountGlobex, labs), fmt.Sprintf("Key %d is not on account %s, which "+
				"the provider's credentials cannot act on. %s", labs, emulator.AccountGlobex, onLabs)),
			// A key that exists, but on an account out of reach, is nowhere the credentials reach;
			// the accounts whose keys could not be listed are named.
			importStep(strconv.FormatInt(globex, 10), fmt.Sprintf("Key %d is not on account %s, the provider's account, "+
				"where an id without an account is looked for, nor on any other account the provider's credentials can act on", globex, emulator.AccountAcmeCorp)),
			importStep(strconv.FormatInt(globex, 10), "The keys of account(s) 9100000000000001, 9100000000000002"),
			// Imported from where it is, it plans nothing.
			{
				Config:             config,
				ResourceName:       name,
				ImportState:        true,
				ImportStateId:      fmt.Sprintf("%s/%d", emulator.AccountAcmeLabs, labs),
				ImportStatePersist: true,
			},
			{Config: config, PlanOnly: true},
		},
	})
}
