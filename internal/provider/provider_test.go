package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
	"github.com/pulsecrm/terraform-provider-pulse/internal/secretscan"
)

// testAccProtoV6ProviderFactories serves the provider in the test process, so that the CLI
// under test talks to it and the tests can read the emulator it talks to.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"pulse": providerserver.NewProtocol6WithError(New("test")()),
}

func TestMain(m *testing.M) {
	// A developer's own PULSE_* variables must not change what the tests see.
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PULSE_") {
			os.Unsetenv(name)
		}
	}
	for name, value := range testCredentials {
		os.Setenv("TF_VAR_"+name, value)
	}
	code := m.Run()
	if providerBinDir != "" {
		os.RemoveAll(providerBinDir)
	}
	os.Exit(code)
}

// startEmulator runs a seeded emulator for one test and returns it with its base URL.
func startEmulator(t *testing.T, opts emulator.Options) (*emulator.Server, string) {
	t.Helper()
	emu := emulator.NewSeeded(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { checkLogsHoldNoSecret(t, emu.Secrets()) })
	return emu, srv.URL
}

// checkLogsHoldNoSecret fails the test if any credential its emulator held or issued is in
// one of the test's log files: the CLI's and the provider's, which the make targets write at
// TRACE level with TF_LOG_PATH_MASK. Without that variable there is nothing to scan.
func checkLogsHoldNoSecret(t *testing.T, secrets []string) {
	t.Helper()
	mask := os.Getenv("TF_LOG_PATH_MASK")
	switch {
	case mask == "" && os.Getenv("TF_ACC") != "":
		// A scan that skips in silence would pass every secret check it was meant to make.
		t.Fatalf("TF_LOG_PATH_MASK is not set, so this test's logs cannot be scanned for secrets: run it with " +
			"make testacc-tofu TESTARGS='-run <name>' (or testacc-terraform), or set TF_LOG=TRACE and " +
			"TF_LOG_PATH_MASK=<dir>/%%s.log")
	case mask == "":
		return // not an acceptance run: the CLI never ran, and there is no log
	}
	// Subtests log to files named after the test, "__", and the subtest's name.
	name := strings.ReplaceAll(t.Name(), "/", "__")
	files, err := filepath.Glob(fmt.Sprintf(mask, name+"__*"))
	if err != nil {
		t.Fatalf("TF_LOG_PATH_MASK %q: %s", mask, err)
	}
	if own := fmt.Sprintf(mask, name); fileExists(own) {
		files = append(files, own)
	}
	if len(files) == 0 {
		t.Errorf("TF_LOG_PATH_MASK is set but no log file matches %s", t.Name())
	}
	res, err := secretscan.Scanner{Secrets: secrets}.Paths(files...)
	if err != nil {
		t.Fatal(err)
	}
	// A finding names the file and the secret's length: the test output is a log too.
	for _, f := range res.Findings {
		t.Error(f)
	}
}

// testCredentials are the emulator's credentials as the CLI's TF_VAR_* variables, which
// TestMain sets. Configurations refer to them as var.<name> rather than holding them
// literally, because the test harness logs every configuration it runs, and the
// secret-hygiene scan (checkLogsHoldNoSecret) reads those logs.
var testCredentials = map[string]string{
	"pulse_api_key":         emulator.BootstrapAPIKey,
	"pulse_api_secret":      emulator.BootstrapAPISecret,
	"pulse_admin_password":  emulator.AdminPassword,
	"pulse_viewer_password": emulator.ViewerPassword,
}

// configHeader declares the provider's full source address, which keeps tofu from asking
// registry.opentofu.org for it in the working directories an import step makes, and the
// credential variables.
const configHeader = `
terraform {
  required_providers {
    pulse = {
      source = "registry.terraform.io/hashicorp/pulse"
    }
  }
}

variable "pulse_api_key" {
  type = string
}

variable "pulse_api_secret" {
  type      = string
  sensitive = true
}

variable "pulse_admin_password" {
  type      = string
  sensitive = true
}

variable "pulse_viewer_password" {
  type      = string
  sensitive = true
}
`

// providerConfig is a provider block that logs in to the emulator with the bootstrap key;
// extra lines are added inside the block.
func providerConfig(baseURL string, extra ...string) string {
	return configHeader + fmt.Sprintf(`
provider "pulse" {
  base_url   = %q
  api_key    = var.pulse_api_key
  api_secret = var.pulse_api_secret
%s
}
`, baseURL, strings.Join(extra, "\n"))
}

// passwordProviderConfig is a provider block that logs in to the emulator as a user whose
// password is the variable passwordVar.
func passwordProviderConfig(baseURL, email, passwordVar string, extra ...string) string {
	return configHeader + fmt.Sprintf(`
provider "pulse" {
  base_url = %q
  email    = %q
  password = var.%s
%s
}
`, baseURL, email, passwordVar, strings.Join(extra, "\n"))
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// errorText matches a message however the CLI wrapped its lines.
func errorText(s string) *regexp.Regexp {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}

// errorTexts matches messages that appear in this order, however the CLI wrapped their lines
// and whatever it printed between them.
func errorTexts(parts ...string) *regexp.Regexp {
	patterns := make([]string, len(parts))
	for i, p := range parts {
		patterns[i] = errorText(p).String()
	}
	return regexp.MustCompile(strings.Join(patterns, `[\s\S]*`))
}

// expectLogins is a plan check that reads the emulator's login counter when the plan is
// made: what one CLI command cost.
type expectLogins struct {
	emu  *emulator.Server
	want int
}

func (e expectLogins) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if got := e.emu.Logins(); got != e.want {
		resp.Error = fmt.Errorf("the emulator saw %d logins by the time the plan was made, want %d", got, e.want)
	}
}

// A plan reads ten data sources in parallel and logs in once.
func TestAccProvider_oneLoginPerPlan(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})

	var config strings.Builder
	config.WriteString(providerConfig(baseURL))
	for i := range 10 {
		kind := []string{"pulse_session", "pulse_accounts", "pulse_account", "pulse_permissions", "pulse_api_keys"}[i%5]
		fmt.Fprintf(&config, "data %q \"d%d\" {}\n", kind, i)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:   config.String(),
				PlanOnly: true,
				// The step's first CLI command is this plan.
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: []plancheck.PlanCheck{expectLogins{emu, 1}},
				},
			},
		},
	})
}

// Everything can come from PULSE_* variables (wrong ones are in TestAccBadInput).
func TestAccProvider_environment(t *testing.T) {
	_, baseURL := startEmulator(t, emulator.Options{})
	t.Setenv("PULSE_BASE_URL", baseURL)
	t.Setenv("PULSE_EMAIL", emulator.AdminEmail)
	t.Setenv("PULSE_PASSWORD", emulator.AdminPassword)
	t.Setenv("PULSE_ACCOUNT_ID", emulator.AccountAcmeLabs)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `data "pulse_session" "this" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.pulse_session.this", tfjsonpath.New("auth_method"), knownvalue.StringExact("password")),
					statecheck.ExpectKnownValue("data.pulse_session.this", tfjsonpath.New("account_id"), knownvalue.StringExact(emulator.AccountAcmeLabs)),
				},
			},
		},
	})
}

// Credentials or URL that come from a resource not yet created are unknown at plan time: the
// provider does not crash, plans the key, and creates it once the value is known. A data
// source cannot be read before then, and says how to proceed.
func TestAccProvider_unknownConfiguration(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	urlLater := configHeader + `
resource "terraform_data" "url" {
  input = "` + baseURL + `"
}

provider "pulse" {
  base_url   = terraform_data.url.output
  api_key    = var.pulse_api_key
  api_secret = var.pulse_api_secret
}
`

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkKeysDestroyed(emu, emulator.AccountAcmeCorp),
		Steps: []resource.TestStep{
			{
				Config:      urlLater + `data "pulse_session" "this" {}`,
				PlanOnly:    true,
				ExpectError: errorText("The provider's configuration is not known yet"),
			},
			{
				Config: urlLater + `
resource "pulse_api_key" "test" {
  description = "configured at apply"
  permissions = ["readData"]
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("pulse_api_key.test", tfjsonpath.New("account_id"), knownvalue.StringExact(emulator.AccountAcmeCorp)),
				},
			},
		},
	})
}
