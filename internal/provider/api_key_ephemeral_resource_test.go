package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// withEcho serves the provider under test and plugin-testing's echo provider, which copies
// what its provider block is given (ephemeral values included) into the state of an "echo"
// resource: the one way to look at an ephemeral result from a test.
//
// It also serves the provider a second time as "pulsereader", for a second configuration
// with other credentials. An alias of "pulse" will not do in these tests: the harness serves
// each provider name from one in-process server, which keeps only the configuration it was
// given last, whereas a real CLI starts a provider process per configuration.
var withEcho = map[string]func() (tfprotov6.ProviderServer, error){
	"pulse":       testAccProtoV6ProviderFactories["pulse"],
	"pulsereader": providerserver.NewProtocol6WithError(New("test")()),
	"echo":        echoprovider.NewProviderServer(),
}

// declaringEcho adds the echo and pulsereader providers, by their full addresses, to the
// required_providers of a configuration made with providerConfig or passwordProviderConfig.
func declaringEcho(config string) string {
	var declared strings.Builder
	for _, name := range []string{"echo", "pulsereader"} {
		fmt.Fprintf(&declared, "    %s = {\n      source = \"registry.terraform.io/hashicorp/%s\"\n    }\n", name, name)
	}
	return strings.Replace(config, "  required_providers {\n", "  required_providers {\n"+declared.String(), 1)
}

// issuedSince lists the credentials the emulator issued after before was taken: the
// secrets of keys created since, and every session token since.
func issuedSince(emu *emulator.Server, before []string) []string {
	var issued []string
	for _, s := range emu.Secrets() {
		if !slices.Contains(before, s) {
			issued = append(issued, s)
		}
	}
	return issued
}

// holdsNone reports which of secrets, counted not shown, appear in the JSON form of v.
func holdsNone(what string, v any, secrets func() []string) error {
	text, err := json.Marshal(v)
	if err != nil {
		return err
	}
	found := 0
	for _, s := range secrets() {
		if bytes.Contains(text, []byte(s)) {
			found++
		}
	}
	if found > 0 {
		return fmt.Errorf("%s holds %d credentials issued during the run", what, found)
	}
	return nil
}

// planHoldsNone is a plan check: the saved plan, as `show -json` renders it, holds none of
// the secrets.
type planHoldsNone func() []string

func (secrets planHoldsNone) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = holdsNone("the saved plan", req.Plan, secrets)
}

// stateHoldsNone is a state check: the state holds none of the secrets.
type stateHoldsNone func() []string

func (secrets stateHoldsNone) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = holdsNone("the state", req.State, secrets)
}

// checkEphemeralKeysClosed asks the emulator that no key described so is left, and that
// every one created was deleted: Close ran after each open.
func checkEphemeralKeysClosed(emu *emulator.Server, account, description string) error {
	for _, k := range emu.APIKeys(account) {
		if k.Description == description {
			return fmt.Errorf("ephemeral key %d (%q) is still there: Close did not delete it", k.ID, description)
		}
	}
	created, deleted := 0, 0
	for _, e := range emu.Journal() {
		switch {
		case e.Route == "POST /apikeys" && e.Status == 201:
			created++
		case e.Route == "DELETE /apikeys/{id}" && e.Status == 200:
			deleted++
		}
	}
	if created == 0 || created != deleted {
		return fmt.Errorf("%d keys were created and %d deleted; want each opened key closed", created, deleted)
	}
	return nil
}

// Least privilege in one run: the admin's provider opens a key that may only readData, a
// second provider configuration logs in with it, and its session shows readData alone. The
// key exists only while the run needs it, and neither its secret nor a session token is in
// the saved plan or the state.
func TestAccAPIKeyEphemeralResource_leastPrivilege(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	before := emu.Secrets()
	issued := func() []string { return issuedSince(emu, before) }
	config := declaringEcho(providerConfig(baseURL)) + fmt.Sprintf(`
ephemeral "pulse_api_key" "reader" {
  description = "least privilege"
  permissions = ["readData"]
  ttl         = "15m"
}

provider "pulsereader" {
  base_url   = %q
  api_key    = ephemeral.pulse_api_key.reader.api_key
  api_secret = ephemeral.pulse_api_key.reader.api_secret
}

ephemeral "pulse_session" "reader" {
  provider = pulsereader
}

provider "echo" {
  data = {
    permissions     = ephemeral.pulse_session.reader.permissions
    email           = ephemeral.pulse_session.reader.email
    account_id      = ephemeral.pulse_session.reader.account_id
    token_length    = length(ephemeral.pulse_session.reader.token)
    key_account_id  = ephemeral.pulse_api_key.reader.account_id
    key_permissions = ephemeral.pulse_api_key.reader.permissions
    key_ttl         = ephemeral.pulse_api_key.reader.ttl
    key_expires_at  = ephemeral.pulse_api_key.reader.expires_at
  }
}

resource "echo" "reader" {}
`, baseURL)
	const echoed = "echo.reader"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: withEcho,
		TerraformVersionChecks:   ephemeralResources.gate(),
		Steps: []resource.TestStep{
			{
				PreConfig: emu.ResetJournal,
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{planHoldsNone(issued)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(echoed, tfjsonpath.New("data").AtMapKey("permissions"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("readData")})),
					statecheck.ExpectKnownValue(echoed, tfjsonpath.New("data").AtMapKey("email"), knownvalue.StringExact(emulator.AdminEmail)),
					statecheck.ExpectKnownValue(echoed, tfjsonpath.New("data").AtMapKey("account_id"), knownvalue.StringExact(emulator.AccountAcmeCorp)),
					statecheck.ExpectKnownValue(echoed, tfjsonpath.New("data").AtMapKey("token_length"), knownvalue.Int64Exact(64)),
					statecheck.ExpectKnownValue(echoed, tfjsonpath.New("data").AtMapKey("key_account_id"), knownvalue.StringExact(emulator.AccountAcmeCorp)),
					statecheck.ExpectKnownValue(echoed, tfjsonpath.New("data").AtMapKey("key_permissions"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("readData")})),
					statecheck.ExpectKnownValue(echoed, tfjsonpath.New("data").AtMapKey("key_ttl"), knownvalue.StringExact("15m")),
					expiresWithin(echoed, tfjsonpath.New("data").AtMapKey("key_expires_at"), 15*time.Minute),
					stateHoldsNone(issued),
					emulatorCheck(func() error { return checkEphemeralKeysClosed(emu, emulator.AccountAcmeCorp, "least privilege") }),
					// Only the bootstrap key is left on the account.
					emulatorCheck(func() error {
						if n := len(emu.APIKeys(emulator.AccountAcmeCorp)); n != 1 {
							return fmt.Errorf("%d keys on the account after the run, want only the bootstrap key", n)
						}
						return nil
					}),
				},
			},
		},
	})
	if len(issued()) < 4 {
		t.Errorf("the run issued %d credentials; want a key and a session token in plan and again in apply", len(issued()))
	}
}

// expiresWithin is a state check that the RFC 3339 time at path lies between now and ttl
// from now.
func expiresWithin(name string, at tfjsonpath.Path, ttl time.Duration) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(name, at, expiryCheck{ttl: ttl})
}

type expiryCheck struct{ ttl time.Duration }

func (c expiryCheck) CheckValue(v any) error {
	text, ok := v.(string)
	if !ok {
		return fmt.Errorf("expected an RFC 3339 string, got %T", v)
	}
	return expiryWithin(text, c.ttl)
}

func (c expiryCheck) String() string { return fmt.Sprintf("a time within %s from now", c.ttl) }

// expiryWithin reports why an RFC 3339 expiry is not between now and ttl from now.
func expiryWithin(text string, ttl time.Duration) error {
	at, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return err
	}
	now := time.Now()
	if at.Before(now) || at.After(now.Add(ttl)) {
		return fmt.Errorf("expires at %s, which is not within %s from now (%s)", text, ttl, now.UTC().Format(time.RFC3339))
	}
	return nil
}

// Without a description, a ttl or an account, the key says what it is, lives an hour, and
// lives on the provider's account.
func TestAccAPIKeyEphemeralResource_defaults(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const echoed = "echo.key"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: withEcho,
		TerraformVersionChecks:   ephemeralResources.gate(),
		Steps: []resource.TestStep{
			{
				PreConfig: emu.ResetJournal,
				Config: declaringEcho(providerConfig(baseURL, `account_id = "`+emulator.AccountAcmeLabs+`"`)) + `
ephemeral "pulse_api_key" "key" {
  permissions = ["readTickets", "readData"]
}

provider "echo" {
  data = {
    account_id  = ephemeral.pulse_api_key.key.account_id
    description = ephemeral.pulse_api_key.key.description
    ttl         = ephemeral.pulse_api_key.key.ttl
    expires_at  = ephemeral.pulse_api_key.key.expires_at
    id          = ephemeral.pulse_api_key.key.id
    api_key     = ephemeral.pulse_api_key.key.api_key
    last_four   = length(ephemeral.pulse_api_key.key.last_four_of_secret)
  }
}

resource "echo" "key" {}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(echoed, tfjsonpath.New("data").AtMapKey("account_id"), knownvalue.StringExact(emulator.AccountAcmeLabs)),
					statecheck.ExpectKnownValue(echoed, tfjsonpath.New("data").AtMapKey("description"), knownvalue.StringExact("Ephemeral key opened by Terraform")),
					statecheck.ExpectKnownValue(echoed, tfjsonpath.New("data").AtMapKey("ttl"), knownvalue.StringExact("1h")),
					expiresWithin(echoed, tfjsonpath.New("data").AtMapKey("expires_at"), time.Hour),
					statecheck.ExpectKnownValue(echoed, tfjsonpath.New("data").AtMapKey("id"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(echoed, tfjsonpath.New("data").AtMapKey("last_four"), knownvalue.Int64Exact(4)),
					emulatorCheck(func() error {
						return checkEphemeralKeysClosed(emu, emulator.AccountAcmeLabs, "Ephemeral key opened by Terraform")
					}),
				},
			},
		},
	})
}

// Everything Pulse would refuse, or that the ttl bounds forbid, fails before a key exists.
func TestAccAPIKeyEphemeralResource_badInput(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	opening := func(body string) string {
		return declaringEcho(providerConfig(baseURL)) + `
ephemeral "pulse_api_key" "bad" {
` + body + `
}

provider "echo" {
  data = ephemeral.pulse_api_key.bad.id
}

resource "echo" "bad" {}
`
	}
	steps := []resource.TestStep{}
	for _, c := range []struct{ body, want string }{
		{`permissions = ["readData"]
  ttl = "1m"`, `ttl is 1m; it must be from 5m to 24h`},
		{`permissions = ["readData"]
  ttl = "25h"`, `ttl is 25h; it must be from 5m to 24h`},
		{`permissions = ["readData"]
  ttl = "soon"`, `ttl is "soon", which is not a duration`},
		{`permissions = ["readDta"]`, `readDta: did you mean readData?`},
		{`permissions = []`, `grant at least one permission, such as permissions = ["readData"]`},
		{`permissions = ["read data"]`, `must be a permission name, such as readApplications, without spaces`},
		{`permissions = ["readData"]
  description = "  "`, `description is empty or only white space: say what the key is for`},
		{`permissions = ["readData"]
  account_id = "` + emulator.AccountGlobex + `"`,
			`account_id is ` + emulator.AccountGlobex + `, which is not one of the accounts the provider's credentials can act on`},
		{`permissions = ["readData"]
  account_id = "acme"`, `must be a Pulse account id: a string of digits`},
	} {
		steps = append(steps, resource.TestStep{Config: opening(c.body), ExpectError: errorText(c.want)})
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: withEcho,
		TerraformVersionChecks:   ephemeralResources.gate(),
		Steps:                    steps,
	})
	if n := emu.Count("POST /apikeys"); n != 0 {
		t.Errorf("refused ephemeral keys sent %d creates", n)
	}
}

// A caller without writeApiKeys is told which permission is missing on which account.
func TestAccAPIKeyEphemeralResource_forbidden(t *testing.T) {
	_, baseURL := startEmulator(t, emulator.Options{})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: withEcho,
		TerraformVersionChecks:   ephemeralResources.gate(),
		Steps: []resource.TestStep{
			{
				Config: declaringEcho(passwordProviderConfig(baseURL, emulator.ViewerEmail, "pulse_viewer_password")) + `
ephemeral "pulse_api_key" "key" {
  permissions = ["readData"]
}

provider "echo" {
  data = ephemeral.pulse_api_key.key.id
}

resource "echo" "key" {}
`,
				ExpectError: errorText("Creating or changing this key needs the writeApiKeys permission on account " + emulator.AccountAcmeCorp),
			},
		},
	})
}

// When Pulse refuses to delete the key, the run fails and says which key is left and until
// when: the expiry still ends it.
func TestAccAPIKeyEphemeralResource_closeFails(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	emu.FailNext("DELETE /apikeys/{id}", 1, emulator.Fault{Status: 503})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: withEcho,
		TerraformVersionChecks:   ephemeralResources.gate(),
		Steps: []resource.TestStep{
			{
				Config: declaringEcho(providerConfig(baseURL, "max_retries = 0")) + `
ephemeral "pulse_api_key" "key" {
  description = "left behind"
  permissions = ["readData"]
  ttl         = "10m"
}

provider "echo" {
  data = ephemeral.pulse_api_key.key.id
}

resource "echo" "key" {}
`,
				ExpectError: errorText(`was not deleted and keeps working until it expires at`),
			},
		},
	})
	var left []emulator.APIKey
	for _, k := range emu.APIKeys(emulator.AccountAcmeCorp) {
		if k.Description == "left behind" {
			left = append(left, k)
		}
	}
	if len(left) != 1 || left[0].ExpiresAt == nil {
		t.Fatalf("%d keys left behind, want the one whose delete failed, with an expiry", len(left))
	}
	if err := expiryWithin(left[0].ExpiresAt.Format(time.RFC3339), 10*time.Minute); err != nil {
		t.Error(err)
	}
	if !strings.Contains(fmt.Sprint(emu.Count("DELETE /apikeys/{id}")), "1") {
		t.Errorf("the failed delete was retried: %d deletes", emu.Count("DELETE /apikeys/{id}"))
	}
}

// emulatorCheck is a state check that asks the emulator rather than the state.
type emulatorCheck func() error

func (check emulatorCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = check()
}

// A 404 to the delete that is not Pulse's "API key not found" (a proxy, or "no access") may
// come while the key still works: Close says the key is left, rather than call it gone.
func TestAccAPIKeyEphemeralResource_closeMeetsOtherNotFound(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	emu.FailNext("DELETE /apikeys/{id}", 1, emulator.Fault{Status: 404})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: withEcho,
		TerraformVersionChecks:   ephemeralResources.gate(),
		Steps: []resource.TestStep{
			{
				Config: declaringEcho(providerConfig(baseURL)) + `
ephemeral "pulse_api_key" "key" {
  description = "behind a 404"
  permissions = ["readData"]
}

provider "echo" {
  data = ephemeral.pulse_api_key.key.id
}

resource "echo" "key" {}
`,
				ExpectError: errorText(`was not deleted and keeps working until it expires at`),
			},
		},
	})
	left := 0
	for _, k := range emu.APIKeys(emulator.AccountAcmeCorp) {
		if k.Description == "behind a 404" {
			left++
		}
	}
	if left != 1 {
		t.Errorf("%d keys behind the 404, want the one whose delete was refused", left)
	}
}

// An ephemeral key deleted during the run, its id then handed to another key (a development
// server reset): Close leaves that other key alone.
func TestAccAPIKeyEphemeralResource_closeSparesReusedID(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	var once sync.Once
	// When the second configuration logs in with the ephemeral key, the key is deleted behind
	// Terraform's back and its id goes to a bystander.
	emu.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || r.URL.Path != "/auth/login" {
			return false
		}
		body, _ := io.ReadAll(r.Body)
		var login struct {
			APIKey string `json:"apiKey"`
		}
		if json.Unmarshal(body, &login) != nil || login.APIKey == "" || login.APIKey == emulator.BootstrapAPIKey {
			r.Body = io.NopCloser(bytes.NewReader(body))
			return false
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		emu.ServeDirect(w, r)
		once.Do(func() {
			for _, k := range emu.APIKeys(emulator.AccountAcmeCorp) {
				if k.APIKey == login.APIKey {
					emu.DeleteAPIKey(emulator.AccountAcmeCorp, k.ID)
				}
			}
			emu.RestartKeyIDs()
			emu.AddAPIKey(emulator.AccountAcmeCorp, emulator.AdminEmail, []string{"readData"}, "bystander")
		})
		return true
	})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: withEcho,
		TerraformVersionChecks:   ephemeralResources.gate(),
		Steps: []resource.TestStep{
			{
				Config: declaringEcho(providerConfig(baseURL)) + fmt.Sprintf(`
ephemeral "pulse_api_key" "reader" {
  description = "deleted during the run"
  permissions = ["readData"]
}

provider "pulsereader" {
  base_url   = %q
  api_key    = ephemeral.pulse_api_key.reader.api_key
  api_secret = ephemeral.pulse_api_key.reader.api_secret
}

ephemeral "pulse_session" "reader" {
  provider = pulsereader
}

provider "echo" {
  data = ephemeral.pulse_session.reader.permissions
}

resource "echo" "reader" {}
`, baseURL),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.reader", tfjsonpath.New("data"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("readData")})),
				},
			},
		},
	})
	var bystanders, left int
	for _, k := range emu.APIKeys(emulator.AccountAcmeCorp) {
		switch k.Description {
		case "bystander":
			bystanders++
		case "deleted during the run":
			left++
		}
	}
	if bystanders != 1 || left != 0 {
		t.Errorf("after the run: %d bystander keys (want 1, untouched) and %d ephemeral keys (want none)", bystanders, left)
	}
}
