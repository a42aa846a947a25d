package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// sessionEcho copies what a script would need of an ephemeral session into echo's state,
// but never the token itself: its length and shape stand for it.
const sessionEcho = `
ephemeral "pulse_session" "this" {}

provider "echo" {
  data = {
    token_length = length(ephemeral.pulse_session.this.token)
    token_is_jwt = startswith(ephemeral.pulse_session.this.token, "eyJ")
    expires_at   = ephemeral.pulse_session.this.expires_at
    account_id   = ephemeral.pulse_session.this.account_id
    email        = ephemeral.pulse_session.this.email
    permissions  = ephemeral.pulse_session.this.permissions
    base_url     = ephemeral.pulse_session.this.base_url
  }
}

resource "echo" "session" {}
`

// Each open is a login of its own, with the provider's credentials; the token works for the
// account the provider acts on, and is in neither the plan nor the state.
func TestAccSessionEphemeralResource(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	before := emu.Secrets()
	issued := func() []string { return issuedSince(emu, before) }
	const echoed = "echo.session"
	data := func(key string) tfjsonpath.Path { return tfjsonpath.New("data").AtMapKey(key) }

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: withEcho,
		TerraformVersionChecks:   ephemeralResources.gate(),
		Steps: []resource.TestStep{
			// The bootstrap key: an administrator of its primary account.
			{
				Config: declaringEcho(providerConfig(baseURL)) + sessionEcho,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{planHoldsNone(issued)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(echoed, data("token_length"), knownvalue.Int64Exact(64)),
					statecheck.ExpectKnownValue(echoed, data("token_is_jwt"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(echoed, data("expires_at"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))),
					statecheck.ExpectKnownValue(echoed, data("account_id"), knownvalue.StringExact(emulator.AccountAcmeCorp)),
					statecheck.ExpectKnownValue(echoed, data("email"), knownvalue.StringExact(emulator.AdminEmail)),
					statecheck.ExpectKnownValue(echoed, data("permissions"), knownvalue.SetPartial([]knownvalue.Check{
						knownvalue.StringExact("writeApiKeys"), knownvalue.StringExact("readData"),
					})),
					statecheck.ExpectKnownValue(echoed, data("base_url"), knownvalue.StringExact(baseURL)),
					stateHoldsNone(issued),
				},
			},
		},
	})
}

// A password login on another account, against a build that issues JWTs and gives no expiry.
func TestAccSessionEphemeralResource_variants(t *testing.T) {
	_, baseURL := startEmulator(t, emulator.Options{Variants: emulator.Variants{JWTTokens: true, OmitExpiresAt: true}})
	const echoed = "echo.session"
	data := func(key string) tfjsonpath.Path { return tfjsonpath.New("data").AtMapKey(key) }

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: withEcho,
		TerraformVersionChecks:   ephemeralResources.gate(),
		Steps: []resource.TestStep{
			{
				Config: declaringEcho(passwordProviderConfig(baseURL, emulator.AdminEmail, "pulse_admin_password",
					`account_id = "`+emulator.AccountAcmeLabs+`"`)) + sessionEcho,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(echoed, data("token_is_jwt"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(echoed, data("expires_at"), knownvalue.Null()),
					statecheck.ExpectKnownValue(echoed, data("account_id"), knownvalue.StringExact(emulator.AccountAcmeLabs)),
				},
			},
		},
	})
}

// Wrong credentials fail the open with the provider's own explanation.
func TestAccSessionEphemeralResource_refused(t *testing.T) {
	_, baseURL := startEmulator(t, emulator.Options{})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: withEcho,
		TerraformVersionChecks:   ephemeralResources.gate(),
		Steps: []resource.TestStep{
			{
				Config:      declaringEcho(passwordProviderConfig(baseURL, emulator.AdminEmail, "pulse_viewer_password")) + sessionEcho,
				ExpectError: errorText("invalid email or password for " + baseURL + " (POST /auth/login: 401"),
			},
		},
	})
}
