package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// testClock is the clock a rotation test's provider and emulator share: real time plus an
// offset the test moves forward, so that a rotation a day away is due at once, and a test
// never waits on (or races) the wall clock.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// providerFactoriesWithClock serves a provider whose clock is now.
func providerFactoriesWithClock(now func() time.Time) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"pulse": providerserver.NewProtocol6WithError(&pulseProvider{version: "test", now: now}),
	}
}

// keyCredentials is a key's public id and secret, captured from the state of one step to be
// tried in a later one.
type keyCredentials struct {
	id, apiKey, secret string
}

// capture copies the credentials of pulse_api_key.test out of the state.
func (k *keyCredentials) capture() resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources["pulse_api_key.test"]
		if !ok {
			return fmt.Errorf("pulse_api_key.test not in state")
		}
		k.id, k.apiKey, k.secret = rs.Primary.ID, rs.Primary.Attributes["api_key"], rs.Primary.Attributes["api_secret"]
		if k.secret == "" {
			return fmt.Errorf("pulse_api_key.test has no api_secret in state")
		}
		return nil
	}
}

// loginStatus is the status Pulse answers a login with the key's secret.
func (k *keyCredentials) loginStatus(baseURL string) (int, error) {
	body, _ := json.Marshal(map[string]string{"apiKey": k.apiKey, "apiSecret": k.secret})
	resp, err := http.Post(baseURL+"/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

// checkLogin asserts that the key's secret logs in (want 200) or is refused (want 401).
func (k *keyCredentials) checkLogin(baseURL, which string, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := k.loginStatus(baseURL)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("login with the %s key %s: status %d, want %d", which, k.id, got, want)
		}
		return nil
	}
}

// checkWrites asserts the key writes the emulator answered since its journal was last reset,
// as "POST", "PATCH <id>" and "DELETE <id>", in order, failed ones included.
func checkWrites(emu *emulator.Server, want ...func() string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		var got []string
		for _, e := range emu.Journal() {
			switch e.Route {
			case "POST /apikeys":
				got = append(got, "POST")
			case "PATCH /apikeys/{id}", "DELETE /apikeys/{id}":
				got = append(got, strings.Fields(e.Route)[0]+" "+strconv.FormatInt(e.KeyID, 10))
			}
		}
		wanted := make([]string, len(want))
		for i, w := range want {
			wanted[i] = w()
		}
		if strings.Join(got, ", ") != strings.Join(wanted, ", ") {
			return fmt.Errorf("key writes: got [%s], want [%s]", strings.Join(got, ", "), strings.Join(wanted, ", "))
		}
		return nil
	}
}

func write(method string, k *keyCredentials) func() string {
	if k == nil {
		return func() string { return method }
	}
	return func() string { return method + " " + k.id }
}

// checkKeysNamed asserts how many keys of Acme Corp, the provider's account, carry description.
func checkKeysNamed(emu *emulator.Server, description string, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		n := 0
		for _, k := range emu.APIKeys(emulator.AccountAcmeCorp) {
			if k.Description == description {
				n++
			}
		}
		if n != want {
			return fmt.Errorf("account %s has %d keys %q, want %d", emulator.AccountAcmeCorp, n, description, want)
		}
		return nil
	}
}

// rotatingConfig is a rotating key and a stand-in for a secret manager that stores what the
// key gives it: it must follow the key in the apply that rotates it. It stores the public
// api_key, not the secret, so that the secret stays out of the CLI's logs.
func rotatingConfig(baseURL, description, every, overlap string) string {
	return providerConfig(baseURL) + fmt.Sprintf(`
resource "pulse_api_key" "test" {
  description = %q
  permissions = ["readData"]
  rotation = {
    every   = %q
    overlap = %q
  }
}

resource "terraform_data" "secret_version" {
  input = pulse_api_key.test.api_key
}
`, description, every, overlap)
}

// A due rotation creates a new key and secret in place; the previous key keeps working for
// the overlap, by Pulse's own expiry, then the next apply deletes it.
func TestAccAPIKeyRotation(t *testing.T) {
	clock := &testClock{}
	emu, baseURL := startEmulator(t, emulator.Options{Now: clock.now})
	const name = "pulse_api_key.test"
	const description = "rotating"
	config := rotatingConfig(baseURL, description, "24h", "1h")
	var first, second keyCredentials
	differentID := statecheck.CompareValue(compare.ValuesDiffer())

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactoriesWithClock(clock.now),
		CheckDestroy:             checkKeysNamed(emu, description, 0),
		Steps: []resource.TestStep{
			// Create: the key carries its backstop, every + overlap from now, and no predecessor.
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("expires_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("previous"), knownvalue.Null()),
					differentID.AddStateValue(name, tfjsonpath.New("id")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					first.capture(),
					checkBackstop(emu, &first, 25*time.Hour),
				),
			},
			// A day later the plan rotates: the key's id and secret are unknown, and the
			// consumer follows in the same apply. One create, one PATCH of the predecessor's
			// expiry, no delete; both secrets work.
			{
				PreConfig: func() {
					clock.advance(24*time.Hour + time.Minute)
					emu.ResetJournal()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(name, tfjsonpath.New("id")),
						plancheck.ExpectUnknownValue(name, tfjsonpath.New("api_key")),
						plancheck.ExpectUnknownValue(name, tfjsonpath.New("api_secret")),
						plancheck.ExpectUnknownValue(name, tfjsonpath.New("last_four_of_secret")),
						plancheck.ExpectResourceAction("terraform_data.secret_version", plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue("terraform_data.secret_version", tfjsonpath.New("output")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					differentID.AddStateValue(name, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("previous").AtMapKey("expires_at"), knownvalue.NotNull()),
					statecheck.CompareValuePairs(name, tfjsonpath.New("api_key"),
						"terraform_data.secret_version", tfjsonpath.New("output"), compare.ValuesSame()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					second.capture(),
					resource.TestCheckResourceAttrPtr(name, "previous.id", &first.id),
					resource.TestCheckResourceAttrPtr(name, "previous.api_key", &first.apiKey),
					checkWrites(emu, write("POST", nil), write("PATCH", &first)),
					checkBackstop(emu, &second, 25*time.Hour),
					checkBackstop(emu, &first, time.Hour),
					first.checkLogin(baseURL, "previous", http.StatusOK),
					second.checkLogin(baseURL, "new", http.StatusOK),
					checkKeysNamed(emu, description, 2),
				),
			},
			// After the overlap Pulse refuses the previous key by itself; the next apply deletes
			// it and nothing else.
			{
				PreConfig: func() {
					clock.advance(time.Hour + time.Minute)
					emu.ResetJournal()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(name, tfjsonpath.New("previous"), knownvalue.Null()),
						plancheck.ExpectResourceAction("terraform_data.secret_version", plancheck.ResourceActionNoop),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("previous"), knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(name, "id", &second.id),
					checkWrites(emu, write("DELETE", &first)),
					second.checkLogin(baseURL, "current", http.StatusOK),
					checkKeysNamed(emu, description, 1),
				),
			},
		},
	})
}

// The previous key is refused once its overlap ends, with no apply in between; a rotation
// that comes late, near the backstop, still gives it its whole overlap.
func TestAccAPIKeyRotation_overlapEnds(t *testing.T) {
	clock := &testClock{}
	emu, baseURL := startEmulator(t, emulator.Options{Now: clock.now})
	config := rotatingConfig(baseURL, "overlap ends", "24h", "1h")
	var first keyCredentials

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactoriesWithClock(clock.now),
		CheckDestroy:             checkKeysNamed(emu, "overlap ends", 0),
		Steps: []resource.TestStep{
			{Config: config, Check: first.capture()},
			// Late: 10 minutes before the backstop (every + overlap) would end the key.
			{
				PreConfig: func() { clock.advance(24*time.Hour + 50*time.Minute) },
				Config:    config,
				Check:     first.checkLogin(baseURL, "previous", http.StatusOK),
			},
			// Still within the overlap, past the old backstop: the previous key works, and there
			// is nothing to plan.
			{
				PreConfig: func() {
					clock.advance(59 * time.Minute)
					expectLogin(t, baseURL, &first, http.StatusOK)
				},
				Config:   config,
				PlanOnly: true,
			},
			// Past it: refused, though no apply ran. The plan deletes it; the destroy that ends
			// the test deletes both keys.
			{
				PreConfig: func() {
					clock.advance(2 * time.Minute)
					expectLogin(t, baseURL, &first, http.StatusUnauthorized)
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// expectLogin is checkLogin for a PreConfig, which runs before a step's plan.
func expectLogin(t *testing.T, baseURL string, k *keyCredentials, want int) {
	t.Helper()
	if err := k.checkLogin(baseURL, "previous", want)(nil); err != nil {
		t.Error(err)
	}
}

// checkBackstop asserts that Pulse expires the key about d after now (within a minute: the
// steps of a test take time, on the test clock too).
func checkBackstop(emu *emulator.Server, k *keyCredentials, d time.Duration) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, key := range emu.APIKeys(emulator.AccountAcmeCorp) {
			if strconv.FormatInt(key.ID, 10) != k.id {
				continue
			}
			if key.ExpiresAt == nil {
				return fmt.Errorf("key %s never expires, want an expiry %s after its creation or rotation", k.id, d)
			}
			want := key.UpdatedAt.Add(d)
			if diff := key.ExpiresAt.Sub(want); diff < -time.Minute || diff > time.Minute {
				return fmt.Errorf("key %s expires at %s, want about %s", k.id, key.ExpiresAt, want)
			}
			return nil
		}
		return fmt.Errorf("key %s not in Pulse", k.id)
	}
}

// An overlap of 0s deletes the previous key as soon as its successor exists.
func TestAccAPIKeyRotation_noOverlap(t *testing.T) {
	clock := &testClock{}
	emu, baseURL := startEmulator(t, emulator.Options{Now: clock.now})
	const name = "pulse_api_key.test"
	config := rotatingConfig(baseURL, "no overlap", "30s", "0s")
	var first, second keyCredentials

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactoriesWithClock(clock.now),
		CheckDestroy:             checkKeysNamed(emu, "no overlap", 0),
		Steps: []resource.TestStep{
			{Config: config, Check: first.capture()},
			{
				PreConfig: func() {
					clock.advance(time.Minute)
					emu.ResetJournal()
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("previous"), knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					second.capture(),
					checkWrites(emu, write("POST", nil), write("DELETE", &first)),
					first.checkLogin(baseURL, "previous", http.StatusUnauthorized),
					second.checkLogin(baseURL, "new", http.StatusOK),
					checkKeysNamed(emu, "no overlap", 1),
				),
			},
		},
	})
}

// A failed rotation loses nothing. A successor that cannot be created changes nothing; a
// predecessor that cannot be retired once its successor exists leaves the successor, with its
// secret, in the state, and the next apply retires the predecessor. The destroy deletes both.
func TestAccAPIKeyRotation_failureHalfway(t *testing.T) {
	clock := &testClock{}
	emu, baseURL := startEmulator(t, emulator.Options{Now: clock.now})
	const name = "pulse_api_key.test"
	const description = "halfway"
	config := rotatingConfig(baseURL, description, "24h", "1h")
	refused := emulator.Fault{Status: http.StatusBadRequest}
	var first, second keyCredentials

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactoriesWithClock(clock.now),
		CheckDestroy:             checkKeysNamed(emu, description, 0),
		Steps: []resource.TestStep{
			{Config: config, Check: first.capture()},
			// The successor's create fails: the key in state is still the first.
			{
				PreConfig: func() {
					clock.advance(24*time.Hour + time.Minute)
					emu.FailNext("POST /apikeys", 1, refused)
				},
				Config:      config,
				ExpectError: errorText("Unable to create the successor of Pulse API key"),
			},
			// The predecessor's PATCH fails after the successor exists.
			{
				PreConfig: func() {
					emu.ResetJournal()
					emu.FailNext("PATCH /apikeys/{id}", 1, refused)
				},
				Config: config,
				ExpectError: errorTexts("Previous Pulse API key not retired",
					"was created and is saved in the state with its secret", "could not be retired and is still fully valid",
					"the next apply retires it"),
			},
			// The next apply retires it, and creates nothing: the successor was in the state, and
			// its secret there is the one that logs in.
			{
				PreConfig: func() {
					expectLogin(t, baseURL, &first, http.StatusOK)
					emu.ResetJournal()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(name, tfjsonpath.New("previous")),
						plancheck.ExpectKnownValue(name, tfjsonpath.New("api_key"), knownvalue.NotNull()),
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					second.capture(),
					resource.TestCheckResourceAttrPtr(name, "previous.id", &first.id),
					checkWrites(emu, write("PATCH", &first)),
					checkBackstop(emu, &first, time.Hour),
					first.checkLogin(baseURL, "previous", http.StatusOK),
					second.checkLogin(baseURL, "new", http.StatusOK),
					checkKeysNamed(emu, description, 2),
				),
			},
		},
	})
}

// A rotation changes the key's id, and so its identity: the plan keeps the prior identity
// and the apply returns the successor's, which the resource allows (MutableIdentity).
func TestAccAPIKeyRotation_identity(t *testing.T) {
	clock := &testClock{}
	emu, baseURL := startEmulator(t, emulator.Options{Now: clock.now})
	const name = "pulse_api_key.test"
	config := rotatingConfig(baseURL, "identity", "24h", "1h")
	differentID := statecheck.CompareValue(compare.ValuesDiffer())

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactoriesWithClock(clock.now),
		TerraformVersionChecks:   resourceIdentity.gate(),
		CheckDestroy:             checkKeysNamed(emu, "identity", 0),
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: append(identityOf(name, emulator.AccountAcmeCorp), differentID.AddStateValue(name, tfjsonpath.New("id"))),
			},
			{
				PreConfig: func() { clock.advance(24*time.Hour + time.Minute) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: append(identityOf(name, emulator.AccountAcmeCorp), differentID.AddStateValue(name, tfjsonpath.New("id"))),
			},
		},
	})
}
