package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// The provider under Pulse builds stricter than the guide (issue 16, items 1 to 3): a key's
// session refused the write of other keys, scoped to its own account, and 404 for an account
// out of reach. Each error says why, and what works instead.

// adminConfig is a provider block that logs in as the emulator's account administrator, with
// the credentials the docs recommend for managing keys.
func adminConfig(baseURL string) string {
	return passwordProviderConfig(baseURL, emulator.AdminEmail, "pulse_admin_password")
}

func labsKey(description string) string {
	return `
resource "pulse_api_key" "test" {
  account_id  = "` + emulator.AccountAcmeLabs + `"
  description = "` + description + `"
  permissions = ["readData"]
}
`
}

// checkDescribed asserts that Acme Labs holds one key described so.
func checkDescribed(emu *emulator.Server, description string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		n := 0
		for _, k := range emu.APIKeys(emulator.AccountAcmeLabs) {
			if k.Description == description {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("Acme Labs holds %d keys described %q, want 1", n, description)
		}
		return nil
	}
}

// checkKeyExists asserts from PreConfig that the test's key is still on Acme Labs.
func checkKeyExists(t *testing.T, emu *emulator.Server, description string) {
	t.Helper()
	for _, k := range emu.APIKeys(emulator.AccountAcmeLabs) {
		if k.Description == description {
			return
		}
	}
	t.Fatalf("the key %q is gone from Acme Labs", description)
}

// Item 1: a build refuses a key's session the update and delete of any other key, with 403 or
// with 404 "API key not found". The key made through that session cannot be changed or
// destroyed through it: each error says so and names the administrator's email and password;
// a destroy never reports success while the key lives. The admin's login then manages it.
func TestAccBuilds_keySessionRefused(t *testing.T) {
	for _, status := range []int{403, 404} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			emu, baseURL := startEmulator(t, emulator.Options{Variants: emulator.Variants{KeySessionRefusal: status}})
			why := "403 Not authorized: an API key cannot update or delete other API keys. Some Pulse builds refuse a " +
				"session opened with an API key the update and delete of any key but that key itself"
			if status == 404 {
				why = "404 API key not found. A listing of account " + emulator.AccountAcmeLabs + " made after this answer " +
					"still holds key"
			}
			advice := "Manage keys with the email and password of an administrator of account " + emulator.AccountAcmeLabs +
				": set email and password in the provider block (or PULSE_EMAIL and PULSE_PASSWORD) instead of api_key and api_secret."

			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeLabs),
				Steps: []resource.TestStep{
					// A key's session may create a key.
					{Config: providerConfig(baseURL) + labsKey("refused")},
					// It may not update it.
					{
						Config:      providerConfig(baseURL) + labsKey("refused, renamed"),
						ExpectError: errorTexts("Unable to update Pulse API key", why, advice),
					},
					{
						PreConfig:   func() { checkKeyExists(t, emu, "refused") },
						Config:      providerConfig(baseURL) + labsKey("refused"),
						ExpectError: errorTexts("Unable to delete Pulse API key", why, advice),
						Destroy:     true,
					},
					// The destroy failed and said so: the key is still there, and still in state,
					// so the administrator's login updates it in place.
					{
						PreConfig: func() { checkKeyExists(t, emu, "refused") },
						Config:    adminConfig(baseURL) + labsKey("refused, renamed"),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("pulse_api_key.test", plancheck.ResourceActionUpdate)},
						},
						Check: checkDescribed(emu, "refused, renamed"),
					},
				},
			})
		})
	}
}

// Item 2: a build scopes a key's session to the key's own account (Acme Corp). Every way of
// reaching Acme Labs through it says so plainly, at plan time where it can; the admin's login
// reaches both.
func TestAccBuilds_keySessionOwnAccount(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{Variants: emulator.Variants{KeySessionOwnAccount: true}})
	plain := "some Pulse builds list only the account the key was created on. To act on account " +
		emulator.AccountAcmeLabs + ", use a key created on that account (in a second provider block with an alias), " +
		"or the email and password of a user who belongs to it."

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			{
				Config: providerConfig(baseURL) + labsKey("scoped"),
				ExpectError: errorText("account_id is " + emulator.AccountAcmeLabs + ", which is not one of the accounts the " +
					"provider's credentials can act on (" + emulator.AccountAcmeCorp + "). Use one of those, or credentials " +
					"that belong to account " + emulator.AccountAcmeLabs + ". A session opened with an API key acts only on " +
					"the accounts Pulse lists for it, and " + plain),
			},
			{
				Config: providerConfig(baseURL, `account_id = "`+emulator.AccountAcmeLabs+`"`) + `data "pulse_session" "this" {}`,
				ExpectError: errorText(fmt.Sprintf("account %q is not available to these credentials (available accounts: %s). "+
					"Set account_id in the provider block (or PULSE_ACCOUNT_ID) to one of the session's accounts, or remove it "+
					"to use the primary account. A session opened with an API key acts only", emulator.AccountAcmeLabs, emulator.AccountAcmeCorp)),
			},
			{
				Config: providerConfig(baseURL) + `data "pulse_api_keys" "labs" {
  account_id = "` + emulator.AccountAcmeLabs + `"
}`,
				ExpectError: errorTexts("Unable to list Pulse API keys", "GET /apikeys?page=1&limit=100: 403 Not authorized: no "+
					"access to account "+emulator.AccountAcmeLabs+" (request id", "Account "+emulator.AccountAcmeLabs+" is not one of the accounts"),
			},
			{
				Config: providerConfig(baseURL) + `data "pulse_permissions" "labs" {
  account_id = "` + emulator.AccountAcmeLabs + `"
}`,
				ExpectError: errorText("Account " + emulator.AccountAcmeLabs + " is not one of the accounts the provider's " +
					"credentials can act on (" + emulator.AccountAcmeCorp + "). A session opened with an API key acts only " +
					"on the accounts Pulse lists for it, and " + plain),
			},
			{
				Config: providerConfig(baseURL) + `data "pulse_account" "labs" {
  account_id = "` + emulator.AccountAcmeLabs + `"
}`,
				ExpectError: errorText("Account " + emulator.AccountAcmeLabs + " is not among the 1 accounts this session can see (" +
					emulator.AccountAcmeCorp + "). Check the id, or use credentials of a user who belongs to that account. " +
					"A session opened with an API key acts only on the accounts Pulse lists for it, and " + plain),
			},
			// The admin's own session reaches Acme Labs.
			{
				Config: adminConfig(baseURL) + labsKey("scoped"),
				Check:  checkDescribed(emu, "scoped"),
			},
		},
	})
}

// Item 3: a build answers 404 "Not found" for an account out of reach. The admin loses Acme
// Labs after making a key there: refresh, destroy, import and the data sources fail, saying
// the account is out of reach, and the key is never taken for gone. Given back the account,
// the admin finds the key as it was.
func TestAccBuilds_noAccessNotFound(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{Variants: emulator.Variants{NoAccessNotFound: true}})
	labs := emulator.AccountAcmeLabs
	memberships := func(withLabs bool) {
		m := map[string]string{emulator.AccountAcmeCorp: emulator.RoleSuperAdmin}
		if withLabs {
			m[labs] = emulator.RoleAdmin
		}
		emu.AddUser(emulator.AdminEmail, emulator.AdminPassword, m, emulator.AccountAcmeCorp)
	}
	config := adminConfig(baseURL) + labsKey("reach")
	notFound := "404 Not found: account " + labs + " not found. Pulse answers 404 both for what does not exist and " +
		"for what these credentials may not reach: account " + labs + " may not exist, or may be out of their reach"
	outOfReach := "Account " + labs + " is not one of the accounts the provider's credentials can act on (" +
		emulator.AccountAcmeCorp + "). Use the credentials of a user who belongs to account " + labs + "."
	var id int64
	dataSource := func(block string) string { return config + block }

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, labs),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig:   func() { id = emu.APIKeys(labs)[0].ID; memberships(false) },
				Config:      config,
				ExpectError: errorTexts("Unable to read Pulse API key", "GET /apikeys?page=1&limit=100: "+notFound, outOfReach),
			},
			{Config: config, Destroy: true, ExpectError: errorTexts("Unable to read Pulse API key", notFound)},
			{
				Config:       config,
				ResourceName: "pulse_api_key.test",
				ImportState:  true,
				ImportStateIdFunc: func(*terraform.State) (string, error) {
					return fmt.Sprintf("%s/%d", labs, id), nil
				},
				// The import looks for the key on the session's other accounts, and says that this
				// one is out of the credentials' reach.
				ExpectError: regexp.MustCompile(`Key\s+\d+\s+is\s+not\s+on\s+account\s+` + labs +
					`,\s+which\s+the\s+provider's\s+credentials\s+cannot\s+act\s+on`),
			},
			{
				Config:      dataSource("data \"pulse_api_keys\" \"labs\" {\n  account_id = \"" + labs + "\"\n}\n"),
				ExpectError: errorTexts("Unable to list Pulse API keys", "GET /apikeys?page=1&limit=100: "+notFound, outOfReach),
			},
			{
				Config:      dataSource("data \"pulse_api_key\" \"labs\" {\n  account_id = \"" + labs + "\"\n  id = \"1\"\n}\n"),
				ExpectError: errorText(outOfReach),
			},
			{
				Config:      dataSource("data \"pulse_permissions\" \"labs\" {\n  account_id = \"" + labs + "\"\n}\n"),
				ExpectError: errorTexts("Unable to list the permissions of Pulse account "+labs, notFound, outOfReach),
			},
			// Nothing was taken for gone: given back the account, the plan is empty.
			{
				PreConfig: func() {
					checkKeyExists(t, emu, "reach")
					if emu.APIKeys(labs)[0].ID != id {
						t.Fatal("the key was replaced")
					}
					memberships(true)
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// The documented errors a create can meet at apply: 400 for a permission Pulse does not grant
// (here the catalogue offered it, so the plan's check passed), and 409; under the build that
// adds dev_err_msg, the error shows it. Neither is retried, and neither leaves a key.
func TestAccBuilds_documentedErrors(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{Variants: emulator.Variants{ErrorDetails: true}})
	key := func(permission string) string {
		return adminConfig(baseURL) + `
resource "pulse_api_key" "test" {
  account_id  = "` + emulator.AccountAcmeLabs + `"
  description = "documented errors"
  permissions = ["` + permission + `"]
}
`
	}
	staleCatalogue := func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/permissions" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `[{"id": 7, "permission": "readData"}, {"id": 99, "permission": "retiredPermission"}]`)
		return true
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { emu.Intercept(staleCatalogue) },
				Config:    key("retiredPermission"),
				ExpectError: errorTexts("Unable to create Pulse API key", "POST /apikeys: 400 Invalid permissions provided: "+
					"unknown permission(s): retiredPermission [emulator: Invalid permissions provided (HTTP 400)] (request id"),
			},
			{
				PreConfig: func() {
					emu.Intercept(nil)
					emu.FailNext("POST /apikeys", 1, emulator.Fault{Status: 409})
				},
				Config:      key("readData"),
				ExpectError: errorTexts("Unable to create Pulse API key", "POST /apikeys: 409 Conflict: fault injected by the emulator [emulator: Conflict (HTTP 409)] (request id"),
			},
			{
				PreConfig: func() {
					if posts := journalOf(emu, "POST /apikeys"); len(posts) != 2 || len(emu.APIKeys(emulator.AccountAcmeLabs)) != 0 {
						t.Fatalf("creates answered %v and left %d keys, want one 400 and one 409, and none", posts, len(emu.APIKeys(emulator.AccountAcmeLabs)))
					}
				},
				Config: key("readData"),
				Check:  checkDescribed(emu, "documented errors"),
			},
		},
	})
}
