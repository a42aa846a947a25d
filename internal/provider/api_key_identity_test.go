package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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

// identityOf checks that a key's identity is its account and its id, as in its state.
func identityOf(name, accountID string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectIdentity(name, map[string]knownvalue.Check{
			"account_id": knownvalue.StringExact(accountID),
			"id":         knownvalue.StringRegexp(regexp.MustCompile(`^[0-9]+$`)),
		}),
		statecheck.ExpectIdentityValueMatchesState(name, tfjsonpath.New("account_id")),
		statecheck.ExpectIdentityValueMatchesState(name, tfjsonpath.New("id")),
	}
}

// A key's identity is set on create and stays the same through an update, a refresh, a
// change made behind Terraform's back, and an import by identity.
func TestAccAPIKeyResource_identity(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const name = "pulse_api_key.test"
	sameID := statecheck.CompareValue(compare.ValuesSame())
	config := func(description string) string {
		return apiKeyConfig(baseURL, `
  account_id  = "`+emulator.AccountAcmeLabs+`"
  description = "`+description+`"
  permissions = ["readData"]
`)
	}
	renameBehindTerraform := func() {
		for _, k := range emu.APIKeys(emulator.AccountAcmeLabs) {
			emu.RenameAPIKey(emulator.AccountAcmeLabs, k.ID, "renamed in Pulse")
		}
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   resourceIdentity.gate(),
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			// Create: the identity names the account and the new id.
			{
				Config:            config("identified"),
				ConfigStateChecks: append(identityOf(name, emulator.AccountAcmeLabs), sameID.AddStateValue(name, tfjsonpath.New("id"))),
			},
			// Update in place: the same identity.
			{
				Config: config("identified, renamed"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: append(identityOf(name, emulator.AccountAcmeLabs), sameID.AddStateValue(name, tfjsonpath.New("id"))),
			},
			// Refresh alone.
			{
				RefreshState: true,
				Check: func(s *terraform.State) error {
					if _, ok := s.RootModule().Resources[name]; !ok {
						return fmt.Errorf("%s left the state on refresh", name)
					}
					return nil
				},
			},
			// Drift: renamed in Pulse, read back, put right in place; the identity holds.
			{
				PreConfig: renameBehindTerraform,
				Config:    config("identified, renamed"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: append(identityOf(name, emulator.AccountAcmeLabs), sameID.AddStateValue(name, tfjsonpath.New("id"))),
			},
			// An import block with the identity plans nothing (the harness also compares the
			// identity with the one in state).
			{
				ResourceName:    name,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(name, tfjsonpath.New("description"), knownvalue.StringExact("identified, renamed")),
						plancheck.ExpectKnownValue(name, tfjsonpath.New("api_secret"), knownvalue.Null()),
					},
				},
			},
			// An import block with the string id still works, and so does the import command.
			{
				ResourceName:    name,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return emulator.AccountAcmeLabs + "/" + s.RootModule().Resources[name].Primary.ID, nil
				},
			},
			{
				ResourceName:            name,
				ImportState:             true,
				ImportStateIdPrefix:     emulator.AccountAcmeLabs + "/",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"api_secret", "keepers"},
			},
		},
	})
}

// An identity without account_id means the provider's account, as a bare string id does;
// a key imported by a string id gets its identity on that import's read.
func TestAccAPIKeyResource_identityDefaults(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const name = "pulse_api_key.test"
	corpID, _, _ := emu.AddAPIKey(emulator.AccountAcmeCorp, emulator.AdminEmail, []string{"readData"}, "corp key")
	labsID, _, _ := emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData"}, "labs key")
	resourceBlock := func(label, account, description string) string {
		return `
resource "pulse_api_key" "` + label + `" {
  account_id  = "` + account + `"
  description = "` + description + `"
  permissions = ["readData"]
}
`
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   resourceIdentity.gate(),
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeCorp, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			{
				Config: providerConfig(baseURL) + resourceBlock("test", emulator.AccountAcmeCorp, "corp key") + fmt.Sprintf(`
import {
  to       = pulse_api_key.test
  identity = { id = "%d" }
}
`, corpID),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionNoop)},
				},
				ConfigStateChecks: append(identityOf(name, emulator.AccountAcmeCorp),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("id"), knownvalue.StringExact(strconv.FormatInt(corpID, 10)))),
			},
			{
				Config:             providerConfig(baseURL) + resourceBlock("test", emulator.AccountAcmeCorp, "corp key") + resourceBlock("labs", emulator.AccountAcmeLabs, "labs key"),
				ResourceName:       "pulse_api_key.labs",
				ImportState:        true,
				ImportStateId:      fmt.Sprintf("%s/%d", emulator.AccountAcmeLabs, labsID),
				ImportStatePersist: true,
			},
			{
				Config: providerConfig(baseURL) + resourceBlock("test", emulator.AccountAcmeCorp, "corp key") + resourceBlock("labs", emulator.AccountAcmeLabs, "labs key"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("pulse_api_key.labs", plancheck.ResourceActionNoop)},
				},
				ConfigStateChecks: append(identityOf("pulse_api_key.labs", emulator.AccountAcmeLabs),
					statecheck.ExpectKnownValue("pulse_api_key.labs", tfjsonpath.New("id"), knownvalue.StringExact(strconv.FormatInt(labsID, 10)))),
			},
		},
	})
}

// Identities that name no key the provider can reach are refused with a reason, and no
// state is written.
func TestAccAPIKeyResource_identityBadInput(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	importing := func(identity string) string {
		return providerConfig(baseURL) + `
resource "pulse_api_key" "test" {
  description = "x"
  permissions = ["readData"]
}

import {
  to       = pulse_api_key.test
  identity = ` + identity + `
}
`
	}
	steps := []resource.TestStep{}
	for _, c := range []struct{ identity, want string }{
		{`{ id = "abc" }`, `The identity's id is "abc"; it must be a Pulse key id, digits such as 42`},
		{`{ id = "" }`, `The identity's id is ""; it must be a Pulse key id`},
		{`{ account_id = "acme", id = "1" }`, `The identity's account_id is "acme"; it must be a Pulse account id`},
		{`{ account_id = "", id = "1" }`, `The identity's account_id is ""; it must be a Pulse account id`},
		{`{ id = "99999999999999999999" }`, `The key id 99999999999999999999 is out of range`},
		{`{ account_id = "` + emulator.AccountGlobex + `", id = "1" }`,
			`Key 1 is not on account ` + emulator.AccountGlobex + `, which the provider's credentials cannot act on`},
		{`{ account_id = "` + emulator.AccountAcmeCorp + `", id = "999999" }`,
			`Key 999999 is not on account ` + emulator.AccountAcmeCorp + `, nor on any other account the provider's credentials can act on`},
	} {
		steps = append(steps, resource.TestStep{Config: importing(c.identity), ExpectError: errorText(c.want)})
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   resourceIdentity.gate(),
		Steps:                    steps,
	})
	if n := emu.Count("POST /apikeys"); n != 0 {
		t.Errorf("a refused import created %d keys", n)
	}
}

// A key in a state written before identity existed (an older provider, or Terraform before
// 1.12) gets its identity from the next refresh, without a change to the key.
func TestAccCLI_identityForOlderState(t *testing.T) {
	resourceIdentity.require(t)
	emu, baseURL := startEmulator(t, emulator.Options{})
	c := newCLIDir(t, cliConfig(baseURL, "first"))
	c.run(true, nil, "apply", "-auto-approve", "-input=false", "-no-color")

	statePath := filepath.Join(c.dir, "terraform.tfstate")
	var state map[string]any
	readJSON(t, statePath, &state)
	instance := state["resources"].([]any)[0].(map[string]any)["instances"].([]any)[0].(map[string]any)
	if _, ok := instance["identity"]; !ok {
		t.Fatal("the state written by the apply holds no identity: nothing to take away")
	}
	delete(instance, "identity")
	delete(instance, "identity_schema_version")
	state["serial"] = state["serial"].(float64) + 1
	written, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, statePath, string(written))

	emu.ResetJournal()
	c.run(true, nil, "apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
	readJSON(t, statePath, &state)
	instance = state["resources"].([]any)[0].(map[string]any)["instances"].([]any)[0].(map[string]any)
	identity, _ := instance["identity"].(map[string]any)
	attributes := instance["attributes"].(map[string]any)
	if identity["account_id"] != emulator.AccountAcmeLabs || identity["id"] != attributes["id"] {
		t.Errorf("after a refresh the identity is %v, want account %s and id %v", identity, emulator.AccountAcmeLabs, attributes["id"])
	}
	if err := checkNoWrites(emu); err != nil {
		t.Error(err)
	}
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %s", name, err)
	}
}
