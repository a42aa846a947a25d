package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// Adopting keys made outside Terraform, the two ways the "Adopting existing keys" guide
// describes: `terraform query -generate-config-out` (Terraform 1.14+), and import blocks that
// iterate over the pulse_api_keys data source (Terraform and OpenTofu 1.7+).

// checkNoWrites fails if the emulator's journal holds any request that changes a key.
func checkNoWrites(emu *emulator.Server) error {
	for _, e := range emu.Journal() {
		if strings.HasPrefix(e.Route, "POST /apikeys") || strings.HasPrefix(e.Route, "PATCH ") || strings.HasPrefix(e.Route, "DELETE ") {
			return fmt.Errorf("adopting keys sent %s (key %d, status %d): an adoption must not write", e.Route, e.KeyID, e.Status)
		}
	}
	return nil
}

// adoptionFixtures are keys as people make them by hand: any description (quotes, template
// sequences, a newline, non-ASCII), expiries to the millisecond, one already expired.
func adoptionFixtures(emu *emulator.Server, account string, n int) []int64 {
	descriptions := []string{
		`ci deployer`, `deploy ${env}`, `100% %{if true}sure%{endif}`, `quote " and backslash \`,
		"two\nlines", `über ✓`, `  padded  `,
	}
	permissions := [][]string{{"readData"}, {"readApplications", "writeApplications"}, {"readTickets", "readSupport", "readData"}}
	var ids []int64
	for i := range n {
		description := fmt.Sprintf("%s #%d", descriptions[i%len(descriptions)], i)
		perms := permissions[i%len(permissions)]
		var id int64
		switch i % 4 {
		case 1:
			expiry := time.Now().Add(time.Duration(30+i) * 24 * time.Hour).UTC().Truncate(time.Second).Add(time.Duration(i) * time.Millisecond)
			id, _, _ = emu.AddAPIKeyExpiring(account, emulator.AdminEmail, perms, description, expiry)
		case 3:
			id, _, _ = emu.AddAPIKeyExpiring(account, emulator.AdminEmail, perms, description, time.Now().Add(-time.Duration(i)*time.Hour))
		default:
			id, _, _ = emu.AddAPIKey(account, emulator.AdminEmail, perms, description)
		}
		ids = append(ids, id)
	}
	return ids
}

// The story of issue 10: 25 keys made outside Terraform on two accounts; `terraform query
// -generate-config-out` writes their import and resource blocks; an apply imports all 25 and
// writes nothing to Pulse; the next plan is empty. The generated file needs no hand edit.
func TestAccCLI_queryAdoption(t *testing.T) {
	listResources.require(t)
	emu, baseURL := startEmulator(t, emulator.Options{})
	c := newCLIDir(t, cliProvider(baseURL))
	corp := adoptionFixtures(emu, emulator.AccountAcmeCorp, 13)
	labs := adoptionFixtures(emu, emulator.AccountAcmeLabs, 12)
	writeFile(t, filepath.Join(c.dir, "adopt.tfquery.hcl"), `
list "pulse_api_key" "corp" {
  provider         = pulse
  include_resource = true
}

list "pulse_api_key" "labs" {
  provider         = pulse
  include_resource = true
  config {
    account_id = "`+emulator.AccountAcmeLabs+`"
  }
}
`)

	out := c.run(true, nil, "query", "-no-color", "-generate-config-out=adopted.tf")
	for account, ids := range map[string][]int64{emulator.AccountAcmeCorp: corp, emulator.AccountAcmeLabs: labs} {
		for _, id := range ids {
			if !strings.Contains(out, fmt.Sprintf("account_id=%s,id=%d", account, id)) {
				t.Errorf("the query does not list key %d of account %s:\n%s", id, account, out)
			}
		}
	}
	if strings.Contains(out, "id=1 ") {
		t.Errorf("the query lists the provider's own key:\n%s", out)
	}
	generated, err := os.ReadFile(filepath.Join(c.dir, "adopted.tf"))
	if err != nil {
		t.Fatal(err)
	}
	checkGeneratedConfig(t, string(generated), 25)

	emu.ResetJournal()
	out = c.run(true, nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if !strings.Contains(out, "Apply complete! Resources: 25 imported, 0 added, 0 changed, 0 destroyed.") {
		t.Errorf("the apply did not import exactly the 25 keys:\n%s", out)
	}
	if err := checkNoWrites(emu); err != nil {
		t.Error(err)
	}
	if n := len(emu.APIKeys(emulator.AccountAcmeCorp)) + len(emu.APIKeys(emulator.AccountAcmeLabs)); n != 26 {
		t.Errorf("%d keys after the adoption, want the 25 and the bootstrap key", n)
	}

	out = c.run(true, nil, "plan", "-input=false", "-no-color", "-detailed-exitcode")
	if !strings.Contains(out, "No changes.") {
		t.Errorf("the plan after the adoption is not empty:\n%s", out)
	}
	c.checkNoSecret(emu.Secrets())
}

// checkGeneratedConfig checks that generated configuration holds want import blocks and want
// resource blocks whose arguments are only those a user writes: nothing computed.
func checkGeneratedConfig(t *testing.T, generated string, want int) {
	t.Helper()
	if n := strings.Count(generated, "\nimport {"); n != want {
		t.Errorf("%d import blocks generated, want %d:\n%s", n, want, generated)
	}
	blocks := regexp.MustCompile(`(?s)resource "pulse_api_key" "[^"]+" \{\n(.*?)\n\}`).FindAllStringSubmatch(generated, -1)
	if len(blocks) != want {
		t.Errorf("%d resource blocks generated, want %d:\n%s", len(blocks), want, generated)
	}
	writable := []string{"provider", "account_id", "description", "permissions", "expires_at", "keepers", "rotation"}
	argument := regexp.MustCompile(`(?m)^  ([a-z_]+) +=`)
	for _, block := range blocks {
		for _, m := range argument.FindAllStringSubmatch(block[1], -1) {
			if !slices.Contains(writable, m[1]) {
				t.Errorf("a generated resource block sets %s, which the provider computes:\n%s", m[1], block[0])
			}
		}
	}
}

// The same adoption where `terraform query` is not available: import blocks that iterate
// over the pulse_api_keys data source, keyed by id as the guide shows. Three "legacy" keys
// are adopted, the fourth key is left alone, nothing is written, and the next plan is
// empty. (Driven directly: the test harness cannot read a state keyed by strings.)
func TestAccCLI_forEachImportAdoption(t *testing.T) {
	forEachImport.require(t)
	emu, baseURL := startEmulator(t, emulator.Options{})
	c := newCLIDir(t, cliProvider(baseURL)+`
locals {
  account = "`+emulator.AccountAcmeLabs+`"
  legacy = {
    for k in data.pulse_api_keys.labs.api_keys : k.id => k if startswith(k.description, "legacy ")
  }
}

data "pulse_api_keys" "labs" {
  account_id = local.account
}

import {
  for_each = local.legacy
  to       = pulse_api_key.legacy[each.key]
  id       = "${local.account}/${each.key}"
}

resource "pulse_api_key" "legacy" {
  for_each = local.legacy

  account_id  = local.account
  description = each.value.description
  permissions = each.value.permissions
  expires_at  = each.value.expires_at
}

output "adopted" {
  value = { for id, k in pulse_api_key.legacy : id => k.description }
}
`)
	etl, _, _ := emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData", "writeData"}, "legacy etl")
	billing, _, _ := emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readApplications"}, "legacy billing ${month}")
	export, _, _ := emu.AddAPIKeyExpiring(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData"}, "legacy export",
		time.Now().Add(400*24*time.Hour).UTC().Truncate(time.Second).Add(7*time.Millisecond))
	emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData"}, "managed by hand")

	emu.ResetJournal()
	out := c.run(true, nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if !strings.Contains(out, "Apply complete! Resources: 3 imported, 0 added, 0 changed, 0 destroyed.") {
		t.Errorf("the apply did not import exactly the three legacy keys:\n%s", out)
	}
	if err := checkNoWrites(emu); err != nil {
		t.Error(err)
	}
	out = c.run(true, nil, "output", "-json", "adopted")
	for id, description := range map[int64]string{etl: "legacy etl", billing: "legacy billing ${month}", export: "legacy export"} {
		if !strings.Contains(out, fmt.Sprintf("%q:%q", strconv.FormatInt(id, 10), description)) {
			t.Errorf("key %d (%s) is not adopted as written: %s", id, description, out)
		}
	}

	out = c.run(true, nil, "plan", "-input=false", "-no-color", "-detailed-exitcode")
	if !strings.Contains(out, "No changes.") {
		t.Errorf("the plan after the adoption is not empty:\n%s", out)
	}
	c.run(true, nil, "destroy", "-auto-approve", "-input=false", "-no-color")
	if keys := emu.APIKeys(emulator.AccountAcmeLabs); len(keys) != 1 || keys[0].Description != "managed by hand" {
		t.Errorf("after the destroy, Acme Labs holds %d keys, want only the one left alone", len(keys))
	}
	c.checkNoSecret(emu.Secrets())
}
