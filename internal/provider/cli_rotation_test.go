package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// A rotation every few seconds, in real time, as a user's CLI shows it: the plan made once
// the key is due says why, in words, and the apply carries it out. The provider runs as its
// own process here, on the real clock, so the test waits for the period to pass (and only
// waits: nothing is asserted on how long anything took).
func TestAccCLI_rotationInSeconds(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const description = "rotating every 3s"
	c := newCLIDir(t, cliProvider(baseURL)+fmt.Sprintf(`
resource "pulse_api_key" "ci" {
  description = %q
  permissions = ["readData"]
  rotation = {
    every   = "3s"
    overlap = "2s"
  }
}
`, description))
	defer c.checkNoSecret(emu.Secrets())

	c.run(true, nil, "apply", "-auto-approve", "-no-color")
	time.Sleep(3500 * time.Millisecond)

	for _, args := range [][]string{{"plan", "-no-color"}, {"apply", "-auto-approve", "-no-color"}} {
		out := c.run(true, nil, args...)
		if !errorTexts("rotation due since", "the current key stays valid until").MatchString(out) {
			t.Errorf("%s does not say why it rotates the key:\n%s", args[0], out)
		}
		if !strings.Contains(out, "Warning: Pulse API key rotation due") {
			t.Errorf("%s shows no rotation warning:\n%s", args[0], out)
		}
	}
	named := 0
	for _, k := range emu.APIKeys(emulator.AccountAcmeCorp) {
		if k.Description == description {
			named++
		}
	}
	if named != 2 {
		t.Errorf("after the rotation, %d keys %q, want the new one and its predecessor", named, description)
	}

	c.run(true, nil, "destroy", "-auto-approve", "-no-color")
	for _, k := range emu.APIKeys(emulator.AccountAcmeCorp) {
		if k.Description == description {
			t.Errorf("key %d %q survived the destroy", k.ID, description)
		}
	}
}

// A key whose expiry has passed is named in a warning at refresh, with what to do, and the
// data sources say it is expired.
func TestAccCLI_expiredKeyWarning(t *testing.T) {
	_, baseURL := startEmulator(t, emulator.Options{})
	expiresAt := time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339)
	c := newCLIDir(t, cliProvider(baseURL)+fmt.Sprintf(`
resource "pulse_api_key" "short" {
  description = "short-lived"
  permissions = ["readData"]
  expires_at  = %q
}

data "pulse_api_key" "short" {
  id = pulse_api_key.short.id
}

output "expired" {
  value = data.pulse_api_key.short.expired
}
`, expiresAt))

	out := c.run(true, nil, "apply", "-auto-approve", "-no-color")
	if strings.Contains(out, "Pulse API key expired") {
		t.Fatalf("a key that has not expired yet gets the warning:\n%s", out)
	}
	time.Sleep(4 * time.Second)

	out = c.run(true, nil, "apply", "-auto-approve", "-no-color")
	if !errorTexts("Warning: Pulse API key expired", `"short-lived") on account`, "expired at "+expiresAt,
		"Set expires_at to a later time, or remove it").MatchString(out) {
		t.Errorf("the refresh does not name the expired key and what to do:\n%s", out)
	}
	if got := strings.TrimSpace(c.run(true, nil, "output", "-raw", "expired")); got != "true" {
		t.Errorf("data.pulse_api_key.short.expired is %q, want true", got)
	}
	c.run(true, nil, "destroy", "-auto-approve", "-no-color")
}
