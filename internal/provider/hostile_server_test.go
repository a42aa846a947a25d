package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// The key resource under a server that is busy or unkind, as the client-core issue found it:
// keys deleted by someone else while a listing is read, pages capped below the size asked for,
// bare arrays, reused ids, and a create whose answer is lost. Each test ends with an assertion
// on the emulator's state.

// A plan of keys that sit on a page boundary, while another client deletes a key ahead of
// them as the listing reaches page 3, as many times as deletes says. The deleted key shifts
// the rest, so the first of the configuration's keys moves onto page 2, which was read
// already. No key of the configuration is taken for gone: the plan is empty.
func testListingUnderDeletes(t *testing.T, variants emulator.Variants, deletes int) {
	emu, baseURL := startEmulator(t, emulator.Options{Variants: variants})
	// 98 other keys fill positions 0-97 of Acme Labs; the configuration's keys are 98-102, and
	// the server hands out 50 a page, so page 3 starts with the third of them.
	others := emu.SeedAPIKeys(emulator.AccountAcmeLabs, emulator.AdminEmail, 98)
	config := keysConfig(baseURL, "busy", 5)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check:  checkKeys(emu, emulator.AccountAcmeLabs, "busy", 5),
			},
			{
				PreConfig: func() {
					var mu sync.Mutex
					done := 0
					emu.Intercept(func(_ http.ResponseWriter, r *http.Request) bool {
						if r.Method == http.MethodGet && r.URL.Path == "/apikeys" && r.URL.Query().Get("page") == "3" {
							mu.Lock()
							defer mu.Unlock()
							if done < deletes {
								emu.DeleteAPIKey(emulator.AccountAcmeLabs, others[done])
								done++
							}
						}
						return false
					})
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					emu.Intercept(nil)
					if n := len(emu.APIKeys(emulator.AccountAcmeLabs)); n != 98-deletes+5 {
						return fmt.Errorf("account holds %d keys: the deletes did not happen", n)
					}
					return checkKeys(emu, emulator.AccountAcmeLabs, "busy", 5)(nil)
				},
			},
		},
	})
}

// The paginated wrapper, capped at 50 a page: the two listings read while keys are deleted
// fail the check of their counts, and the third is read whole.
func TestAccHostile_listingUnderDeletes(t *testing.T) {
	testListingUnderDeletes(t, emulator.Variants{PageCap: 50}, 2)
}

// The bare array of one build, paged and capped at 50: the end is an empty page, and the key
// missing from a listing that could not be checked is looked for in another.
func TestAccHostile_bareArrayListingUnderDeletes(t *testing.T) {
	testListingUnderDeletes(t, emulator.Variants{KeyListBareArray: true, KeyListPaged: true, PageCap: 50}, 1)
}

// A server reset hands the id of this configuration's key, deleted since, to another key.
// The plan recreates this configuration's key and leaves the other alone; the destroy deletes
// only the new key.
func TestAccHostile_reusedKeyID(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	config := keysConfig(baseURL, "mine", 1)
	var theirs int64

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if len(emu.APIKeys(emulator.AccountAcmeLabs)) != 1 {
				return fmt.Errorf("account holds %d keys, want only the other configuration's", len(emu.APIKeys(emulator.AccountAcmeLabs)))
			}
			return checkOnlyKey(emu, theirs, "theirs")
		},
		Steps: []resource.TestStep{
			{
				Config: config,
				Check:  checkKeys(emu, emulator.AccountAcmeLabs, "mine", 1),
			},
			{
				PreConfig: func() {
					mine := emu.APIKeys(emulator.AccountAcmeLabs)[0].ID
					emu.DeleteAPIKey(emulator.AccountAcmeLabs, mine)
					emu.RestartKeyIDs()
					theirs, _, _ = emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData"}, "theirs")
					if theirs != mine {
						t.Fatalf("the emulator gave id %d, want the reused %d", theirs, mine)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("pulse_api_key.k[0]", plancheck.ResourceActionCreate),
					},
				},
				Check: resource.ComposeTestCheckFunc(
					checkKeys(emu, emulator.AccountAcmeLabs, "mine", 1),
					func(*terraform.State) error { return checkOnlyKey(emu, theirs, "theirs") },
				),
			},
		},
	})
}

// checkOnlyKey asserts that key id still exists, untouched, with its description.
func checkOnlyKey(emu *emulator.Server, id int64, description string) error {
	for _, k := range emu.APIKeys(emulator.AccountAcmeLabs) {
		if k.ID == id {
			if k.Description != description {
				return fmt.Errorf("key %d was changed: its description is %q", id, k.Description)
			}
			return nil
		}
	}
	return fmt.Errorf("key %d (%s) was deleted", id, description)
}

// Pulse writes the key and a gateway answers 502: the apply fails naming the key that was made
// anyway and its import id; nothing is deleted or adopted; the next apply creates the key.
func TestAccHostile_lostCreateAnswer(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	config := keysConfig(baseURL, "lost", 1)
	var orphan int64

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			// The orphan is the user's to delete; the managed key is gone.
			return checkOnlyKey(emu, orphan, "lost 0")
		},
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					var once sync.Once
					emu.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
						answered := false
						if r.Method == http.MethodPost && r.URL.Path == "/apikeys" {
							once.Do(func() {
								orphan, _, _ = emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData"}, "lost 0")
								w.WriteHeader(http.StatusBadGateway)
								answered = true
							})
						}
						return answered
					})
				},
				Config: config,
				ExpectError: regexp.MustCompile(`was\s+created\s+anyway\s+on\s+account\s+` + emulator.AccountAcmeLabs +
					`[\s\S]*Import\s+ids:\s+` + emulator.AccountAcmeLabs + `/\d+`),
			},
			{
				PreConfig: func() {
					emu.Intercept(nil)
					if orphan == 0 {
						t.Fatal("the create never reached the emulator")
					}
					if n := len(journalOf(emu, "DELETE /apikeys/{id}")); n != 0 {
						t.Errorf("the provider deleted %d keys on its own", n)
					}
				},
				Config: config,
				Check: func(*terraform.State) error {
					if n := len(emu.APIKeys(emulator.AccountAcmeLabs)); n != 2 {
						return fmt.Errorf("account holds %d keys, want the orphan and the new key", n)
					}
					return checkOnlyKey(emu, orphan, "lost 0")
				},
			},
		},
	})
}

// Pulse answers 404 for "no access" too. A destroy whose DELETE gets a 404 that is not "API
// key not found" fails, naming the ambiguity, and the key stays in the state; Pulse's own "API
// key not found" (the key deleted behind Terraform's back) is a success.
func TestAccHostile_deleteNotFoundOrNoAccess(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	config := keysConfig(baseURL, "guarded", 1)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check:  checkKeys(emu, emulator.AccountAcmeLabs, "guarded", 1),
			},
			{
				PreConfig: func() {
					emu.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
						if r.Method != http.MethodDelete {
							return false
						}
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusNotFound)
						_, _ = w.Write([]byte(`{"error": "Not found", "message": "no such resource"}`))
						return true
					})
				},
				Config:      config,
				Destroy:     true,
				ExpectError: errorText("Pulse answers 404 both for what does not exist and for what these credentials may not reach"),
			},
			{
				// The key is still there, and still in the state: nothing to plan.
				PreConfig: func() { emu.Intercept(nil) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkKeys(emu, emulator.AccountAcmeLabs, "guarded", 1),
			},
			{
				// Deleted behind Terraform's back, between the refresh and the DELETE: Pulse's
				// own "API key not found" completes the destroy.
				PreConfig: func() {
					emu.Intercept(func(_ http.ResponseWriter, r *http.Request) bool {
						if r.Method == http.MethodDelete {
							for _, k := range emu.APIKeys(emulator.AccountAcmeLabs) {
								emu.DeleteAPIKey(emulator.AccountAcmeLabs, k.ID)
							}
						}
						return false
					})
				},
				Config:  config,
				Destroy: true,
				// The state is empty now: the emulator is asked, not the case's CheckDestroy.
				Check: checkKeys(emu, emulator.AccountAcmeLabs, "guarded", 0),
			},
		},
	})
}

// A build that lists a permission twice in a key (as a name and again as an object): the
// resource's refresh and the pulse_api_keys data source read it as one, with no "Duplicate
// Set Element", and the plan is empty.
func TestAccHostile_duplicatePermissions(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	config := keysConfig(baseURL, "doubled", 1) + fmt.Sprintf(`
data "pulse_api_keys" "all" {
  account_id = %q
  depends_on = [pulse_api_key.k]
}
`, emulator.AccountAcmeLabs)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeLabs),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					emu.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
						if r.Method != http.MethodGet || r.URL.Path != "/apikeys" {
							return false
						}
						var items []map[string]any
						for _, k := range emu.APIKeys(emulator.AccountAcmeLabs) {
							perms := []any{}
							for _, p := range k.Permissions {
								perms = append(perms, p, map[string]any{"permission": p}, p)
							}
							items = append(items, map[string]any{
								"id": k.ID, "description": k.Description, "apiKey": k.APIKey, "lastFourOfSecret": k.Secret[len(k.Secret)-4:],
								"permissions": perms, "expiresAt": nil,
								"createdAt": k.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
								"updatedAt": k.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
							})
						}
						w.Header().Set("Content-Type", "application/json")
						_ = json.NewEncoder(w).Encode(map[string]any{"data": items, "total": len(items), "pageCount": 1})
						return true
					})
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.pulse_api_keys.all", tfjsonpath.New("api_keys").AtSliceIndex(0).AtMapKey("permissions"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("readData")})),
				},
			},
			{
				PreConfig: func() { emu.Intercept(nil) },
				Config:    config,
			},
		},
	})
}

// A gateway gives up on a create after Pulse wrote the key, and answers 503 (issue 16, item
// 8). 503 is retried for every method, but this create is not sent again: the listing made
// before the retry holds its key. The apply fails naming that key, as for any lost answer, and
// there is never a second key.
func TestAccHostile_committedCreate503(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	config := keysConfig(baseURL, "gateway", 1)
	var orphan int64

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return checkOnlyKey(emu, orphan, "gateway 0")
		},
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					emu.FailNext("POST /apikeys", 1, emulator.Fault{Status: http.StatusServiceUnavailable, AfterCommit: true})
				},
				Config: config,
				ExpectError: regexp.MustCompile(`POST\s+/apikeys:\s+503\s+Service\s+Unavailable[\s\S]*was\s+created\s+anyway\s+on\s+` +
					`account\s+` + emulator.AccountAcmeLabs + `[\s\S]*Import\s+ids:\s+` + emulator.AccountAcmeLabs + `/\d+`),
			},
			{
				PreConfig: func() {
					keys := emu.APIKeys(emulator.AccountAcmeLabs)
					if posts := journalOf(emu, "POST /apikeys"); len(keys) != 1 || len(posts) != 1 {
						t.Fatalf("%d keys after creates answered %v, want one key from one create", len(keys), posts)
					}
					orphan = keys[0].ID
				},
				Config: config,
				Check: func(*terraform.State) error {
					if n := len(emu.APIKeys(emulator.AccountAcmeLabs)); n != 2 {
						return fmt.Errorf("account holds %d keys, want the orphan and the new key", n)
					}
					return checkOnlyKey(emu, orphan, "gateway 0")
				},
			},
		},
	})
}
