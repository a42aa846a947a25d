package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// Item 3 of issue 16 reaches Delete itself here: `destroy -refresh=false` skips the read that
// would fail first (TestAccBuilds_noAccessNotFound), so the delete meets the build's 404 for
// an account out of reach. The destroy fails saying so, and the key stays, in Pulse and in the
// state, until the administrator's access comes back.
func TestAccCLI_destroyOutOfReach(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{Variants: emulator.Variants{NoAccessNotFound: true}})
	labs := emulator.AccountAcmeLabs
	c := newCLIDir(t, fmt.Sprintf(cliTerraformBlock()+`

variable "pulse_admin_password" {
  type      = string
  sensitive = true
}

provider "pulse" {
  base_url = %q
  email    = %q
  password = var.pulse_admin_password
}

resource "pulse_api_key" "test" {
  account_id  = %q
  description = "out of reach"
  permissions = ["readData"]
}
`, baseURL, emulator.AdminEmail, labs))
	access := func(withLabs bool) {
		m := map[string]string{emulator.AccountAcmeCorp: emulator.RoleSuperAdmin}
		if withLabs {
			m[labs] = emulator.RoleAdmin
		}
		emu.AddUser(emulator.AdminEmail, emulator.AdminPassword, m, emulator.AccountAcmeCorp)
	}
	apply := []string{"-auto-approve", "-input=false", "-no-color"}

	c.run(true, nil, append([]string{"apply"}, apply...)...)
	access(false)
	out := c.run(false, nil, append([]string{"destroy", "-refresh=false"}, apply...)...)
	want := errorTexts("Unable to delete Pulse API key", "GET /apikeys?page=1&limit=100: 404 Not found: account "+labs+
		" not found. Pulse answers 404 both for what does not exist and for what these credentials may not reach",
		"Account "+labs+" is not one of the accounts the provider's credentials can act on ("+emulator.AccountAcmeCorp+")")
	if !want.MatchString(out) {
		t.Errorf("destroy printed:\n%s\nwant it to match %s", out, want)
	}
	if n := len(emu.APIKeys(labs)); n != 1 {
		t.Fatalf("Acme Labs holds %d keys after the refused destroy, want the key", n)
	}
	if listed := c.run(true, nil, "state", "list"); !strings.Contains(listed, "pulse_api_key.test") {
		t.Errorf("the key left the state: %q", listed)
	}

	access(true)
	c.run(true, nil, append([]string{"destroy"}, apply...)...)
	if n := len(emu.APIKeys(labs)); n != 0 {
		t.Errorf("Acme Labs holds %d keys after the destroy, want none", n)
	}
	c.checkNoSecret(emu.Secrets())
}
