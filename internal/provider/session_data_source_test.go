package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

func TestAccSessionDataSource(t *testing.T) {
	_, baseURL := startEmulator(t, emulator.Options{})
	const name = "data.pulse_session.this"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Logged in with the bootstrap key: the session is its owner's, on the primary account.
			{
				Config: providerConfig(baseURL) + `data "pulse_session" "this" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("email"), knownvalue.StringExact(emulator.AdminEmail)),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("active"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("auth_method"), knownvalue.StringExact("api_key")),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("base_url"), knownvalue.StringExact(baseURL)),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("primary_account_id"), knownvalue.StringExact(emulator.AccountAcmeCorp)),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("account_id"), knownvalue.StringExact(emulator.AccountAcmeCorp)),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("permissions"), knownvalue.SetPartial([]knownvalue.Check{
						knownvalue.StringExact("writeApiKeys"),
					})),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("accounts").AtSliceIndex(0), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"account_id":    knownvalue.StringExact(emulator.AccountAcmeCorp),
						"account_name":  knownvalue.StringExact("Acme Corp"),
						"account_admin": knownvalue.Bool(true),
						"primary":       knownvalue.Bool(true),
					})),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("expires_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("user_id"), knownvalue.NotNull()),
				},
			},
			// A password login on a non-primary account reports both.
			{
				Config: passwordProviderConfig(baseURL, emulator.AdminEmail, "pulse_admin_password", `account_id = "`+emulator.AccountAcmeLabs+`"`) + `
data "pulse_session" "this" {}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("auth_method"), knownvalue.StringExact("password")),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("account_id"), knownvalue.StringExact(emulator.AccountAcmeLabs)),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("primary_account_id"), knownvalue.StringExact(emulator.AccountAcmeCorp)),
				},
			},
		},
	})
}

// The documents disagree on the session's shape; the data source reads every form alike.
func TestAccSessionDataSource_variants(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{Variants: emulator.Variants{
		FullAccountsInSession: true,
		JWTTokens:             true,
		OmitExpiresAt:         true,
	}})
	const name = "data.pulse_session.this"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerConfig(baseURL) + `data "pulse_session" "this" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("primary_account_id"), knownvalue.StringExact(emulator.AccountAcmeCorp)),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("accounts").AtSliceIndex(0).AtMapKey("account_name"), knownvalue.StringExact("Acme Corp")),
					statecheck.ExpectKnownValue(name, tfjsonpath.New("expires_at"), knownvalue.Null()),
				},
			},
		},
	})
	// The variants were served: the session's token was JWT-shaped.
	jwt := false
	for _, s := range emu.Secrets() {
		jwt = jwt || strings.HasPrefix(s, "eyJ")
	}
	if !jwt {
		t.Error("the emulator issued no JWT-shaped token: the variant was not exercised")
	}
}
