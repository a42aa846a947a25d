package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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

// timeProviderSource is HashiCorp's time provider, which rotation by keepers is fed from.
const timeProviderSource = "registry.terraform.io/hashicorp/time"

// Rotation by keepers, as before `rotation` and for custom triggers: a key whose keepers take
// a time_rotating's id is replaced, new before old, when the time_rotating is (here through
// its triggers, which need no wait; its period ending replaces it the same way). It runs with
// the real hashicorp/time provider, served with dev_overrides beside pulse.
func TestAccCLI_keepersWithTimeRotating(t *testing.T) {
	timeProvider := os.Getenv("TF_ACC_TIME_PROVIDER")
	if timeProvider == "" && os.Getenv("TF_ACC") != "" {
		t.Fatal("TF_ACC_TIME_PROVIDER must name the hashicorp/time provider's binary: make testacc-tofu (and the " +
			"other testacc targets) build it with internal/scripts/build-tool.sh terraform-provider-time")
	}
	emu, baseURL := startEmulator(t, emulator.Options{})
	header := cliProvider(baseURL, "time = "+strconv.Quote(timeProviderSource))
	config := func(trigger string) string {
		return header + fmt.Sprintf(`
resource "time_rotating" "ci" {
  rotation_days = 30
  triggers      = { manual = %q }
}

resource "pulse_api_key" "ci" {
  description = "rotated by keepers"
  permissions = ["readData"]
  keepers     = { rotation = time_rotating.ci.id }

  lifecycle {
    create_before_destroy = true
  }
}
`, trigger)
	}
	c := newCLIDir(t, config("1"))
	defer c.checkNoSecret(emu.Secrets())
	c.serveBeside(timeProvider, timeProviderSource)

	c.run(true, nil, "apply", "-auto-approve", "-no-color")
	before := keysDescribed(emu, "rotated by keepers")
	if len(before) != 1 {
		t.Fatalf("%d keys after the first apply, want 1", len(before))
	}
	// time_rotating's id is the time it was made: at least a second later, another.
	time.Sleep(1100 * time.Millisecond)
	writeFile(t, filepath.Join(c.dir, "main.tf"), config("2"))
	emu.ResetJournal()
	out := c.run(true, nil, "apply", "-auto-approve", "-no-color")
	if !strings.Contains(out, "pulse_api_key.ci must be replaced") && !strings.Contains(out, "pulse_api_key.ci: Creating") {
		t.Errorf("the apply did not replace the key:\n%s", out)
	}
	after := keysDescribed(emu, "rotated by keepers")
	if len(after) != 1 || after[0] == before[0] {
		t.Fatalf("keys %v after the rotation (were %v), want one new key", after, before)
	}
	var order []string
	for _, e := range emu.Journal() {
		if e.Route == "POST /apikeys" || e.Route == "DELETE /apikeys/{id}" {
			order = append(order, e.Route)
		}
	}
	if strings.Join(order, ", ") != "POST /apikeys, DELETE /apikeys/{id}" {
		t.Errorf("writes %v, want the new key created before the old one is deleted", order)
	}
	c.run(true, nil, "destroy", "-auto-approve", "-no-color")
	if left := keysDescribed(emu, "rotated by keepers"); len(left) != 0 {
		t.Errorf("keys %v survived the destroy", left)
	}
}

// keysDescribed lists the ids of Acme Corp's keys with description.
func keysDescribed(emu *emulator.Server, description string) []int64 {
	var ids []int64
	for _, k := range emu.APIKeys(emulator.AccountAcmeCorp) {
		if k.Description == description {
			ids = append(ids, k.ID)
		}
	}
	return ids
}
