package provider

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/devenv"
	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
	"github.com/pulsecrm/terraform-provider-pulse/internal/secretscan"
)

// Two promises need the CLI driven directly, as a user does, rather than through the test
// harness: what `plan` and a failing command print, and how the CLI stops on Ctrl-C. These
// tests build the provider binary and run the CLI under test with dev_overrides, as the
// README's "plain plan/apply" does.

var (
	providerBinDir  string
	buildProviderMu sync.Mutex
)

// providerBin builds the provider from this checkout once per test binary and returns the
// folder holding it.
func providerBin(t *testing.T) string {
	t.Helper()
	buildProviderMu.Lock()
	defer buildProviderMu.Unlock()
	if providerBinDir != "" {
		return providerBinDir
	}
	// Not t.TempDir: the binary serves every test of the package; TestMain removes it.
	dir, err := os.MkdirTemp("", "pulse-provider-bin-") //nolint:usetesting // see above

	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-pulse"), "github.com/pulsecrm/terraform-provider-pulse")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %s\n%s", err, out)
	}
	providerBinDir = dir
	return dir
}

// cliDir is a working directory for the CLI under test.
type cliDir struct {
	t       *testing.T
	cli     string
	dir     string
	logPath string
	env     []string
	// transcript is every command's stdout and stderr.
	transcript bytes.Buffer
}

func newCLIDir(t *testing.T, config string) *cliDir {
	t.Helper()
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if os.Getenv("TF_ACC") == "" || cli == "" {
		t.Skip("needs TF_ACC=1 and TF_ACC_TERRAFORM_PATH, as the make targets set")
	}
	bin := providerBin(t)
	dir := t.TempDir()
	rc := filepath.Join(dir, "cli.tfrc")
	if err := devenv.WriteCLIConfig(rc, bin, devenv.ProviderSource); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "main.tf"), config)

	c := &cliDir{t: t, cli: cli, dir: dir, logPath: filepath.Join(dir, "trace.log")}
	// Where the make targets collect every test's log, so that the emulator's scan reads it too.
	if mask := os.Getenv("TF_LOG_PATH_MASK"); mask != "" {
		c.logPath = fmt.Sprintf(mask, strings.ReplaceAll(t.Name(), "/", "__")+"__"+filepath.Base(dir))
	}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(name, "TF_LOG") && name != "TF_CLI_CONFIG_FILE" {
			c.env = append(c.env, kv)
		}
	}
	c.env = append(c.env, "TF_CLI_CONFIG_FILE="+rc, "TF_LOG=trace", "TF_LOG_PATH="+c.logPath,
		"CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	return c
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (c *cliDir) command(extraEnv []string, args ...string) *exec.Cmd {
	cmd := exec.Command(c.cli, args...)
	cmd.Dir = c.dir
	cmd.Env = append(append([]string(nil), c.env...), extraEnv...)
	return cmd
}

// run runs the CLI and returns its stdout, recording both streams in the transcript; wantOK
// says whether the command must succeed or fail.
func (c *cliDir) run(wantOK bool, extraEnv []string, args ...string) string {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := c.command(extraEnv, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	fmt.Fprintf(&c.transcript, "$ %s\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
	if ok := err == nil; ok != wantOK {
		c.t.Fatalf("%s %s: error %v, want success %v\n%s%s", filepath.Base(c.cli), strings.Join(args, " "), err, wantOK, stdout.String(), stderr.String())
	}
	return stdout.String() + stderr.String()
}

// checkNoSecret fails if any of secrets is in the transcript or the CLI's trace log, naming
// where and never the secret.
func (c *cliDir) checkNoSecret(secrets []string) {
	c.t.Helper()
	scanner := secretscan.Scanner{Secrets: secrets}
	res, err := scanner.Paths(c.logPath)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, f := range append(res.Findings, scanner.Bytes("the commands' output", c.transcript.Bytes())...) {
		c.t.Error(f)
	}
}

// cliProvider is the configuration's provider, logging in with the bootstrap key.
func cliProvider(baseURL string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    pulse = {
      source = "registry.terraform.io/pulsecrm/pulse"
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

provider "pulse" {
  base_url   = %q
  api_key    = var.pulse_api_key
  api_secret = var.pulse_api_secret
}
`, baseURL)
}

func cliConfig(baseURL, rotation string) string {
	return cliProvider(baseURL) + fmt.Sprintf(`
resource "pulse_api_key" "ci" {
  account_id  = %q
  description = "CI deployer"
  permissions = ["readData"]
  keepers     = { rotation = %q }

  lifecycle {
    create_before_destroy = true
  }
}

output "ci_api_key" {
  value = pulse_api_key.ci.api_key
}

output "ci_api_secret" {
  value     = pulse_api_key.ci.api_secret
  sensitive = true
}
`, emulator.AccountAcmeLabs, rotation)
}

// What a user sees: apply, an empty plan, outputs, a rotation, a failing command and a
// destroy, all at TRACE. No password, secret or token the emulator issued, and not the wrong
// secret of the failing command, may appear in what the CLI printed or logged. The secret
// still reaches the one place it is asked for: `output -raw`.
func TestAccCLI_secretHygiene(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	c := newCLIDir(t, cliConfig(baseURL, "first"))

	c.run(true, nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if out := c.run(true, nil, "plan", "-input=false", "-no-color", "-detailed-exitcode"); !strings.Contains(out, "No changes") {
		t.Errorf("the plan after apply is not empty:\n%s", out)
	}
	if out := c.run(true, nil, "output", "-no-color"); !strings.Contains(out, "<sensitive>") {
		t.Errorf("output does not hide the secret:\n%s", out)
	}

	// The hand-off: output -raw prints the secret itself, so it is kept out of the transcript.
	raw, err := c.command(nil, "output", "-raw", "ci_api_secret").Output()
	if err != nil {
		t.Fatalf("output -raw: %s", err)
	}
	keys := emu.APIKeys(emulator.AccountAcmeLabs)
	if len(keys) != 1 || keys[0].Secret != string(raw) {
		t.Fatalf("output -raw does not print the created key's secret (%d keys)", len(keys))
	}

	rotated := cliConfig(baseURL, "second")
	writeFile(t, filepath.Join(c.dir, "main.tf"), rotated)
	if out := c.run(true, nil, "plan", "-input=false", "-no-color"); !strings.Contains(out, "(sensitive value)") {
		t.Errorf("the rotation plan does not mark the secret sensitive:\n%s", out)
	}
	c.run(true, nil, "apply", "-auto-approve", "-input=false", "-no-color")

	const wrong = "wrong-secret-8d1f6a2b9c4e7f0a3b5c"
	out := c.run(false, []string{"TF_VAR_pulse_api_secret=" + wrong}, "plan", "-input=false", "-no-color")
	if !errorText("invalid API key or secret for " + baseURL).MatchString(out) {
		t.Errorf("wrong credentials: want the invalid-secret error, got:\n%s", out)
	}

	c.run(true, nil, "destroy", "-auto-approve", "-input=false", "-no-color")
	if keys := emu.APIKeys(emulator.AccountAcmeLabs); len(keys) != 0 {
		t.Errorf("destroy left %d keys", len(keys))
	}
	c.checkNoSecret(append(emu.Secrets(), wrong))
}

// Ctrl-C while a create waits out a long Retry-After: the CLI asks the provider to stop, the
// wait ends at once, and the create is not sent again.
func TestAccCLI_interruptDuringRetryAfter(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const retryAfter = 25 * time.Second
	emu.FailNext("POST /apikeys", 1, emulator.Fault{Status: 429, RetryAfter: retryAfter})
	c := newCLIDir(t, cliConfig(baseURL, "first"))

	var output bytes.Buffer
	cmd := c.command(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	deadline := time.After(time.Minute)
	for emu.Count("POST /apikeys") == 0 {
		select {
		case err := <-exited:
			t.Fatalf("the apply ended before its create was throttled (%v):\n%s", err, output.String())
		case <-deadline:
			t.Fatalf("no create within a minute:\n%s", output.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// Stopping must not wait out the Retry-After; the margin is wide, this is not a timing test.
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Errorf("the interrupted apply ended with %v, want a failure:\n%s", err, output.String())
		}
		if !errorText("The run was interrupted (Ctrl-C, or a CI job's timeout) before Pulse answered").MatchString(output.String()) {
			t.Errorf("the interrupted apply does not say so:\n%s", output.String())
		}
	case <-time.After(retryAfter / 2):
		_ = cmd.Process.Kill()
		t.Fatalf("the apply was still waiting %v after Ctrl-C:\n%s", retryAfter/2, output.String())
	}
	if got := emu.Count("POST /apikeys"); got != 1 {
		t.Errorf("the create was sent %d times, want once", got)
	}
	if keys := emu.APIKeys(emulator.AccountAcmeLabs); len(keys) != 0 {
		t.Errorf("an interrupted create left %d keys", len(keys))
	}
}

// Two applies against one account at once, from two working directories and so two provider
// processes, each with its own session and listings: both succeed, and each creates, renames
// and deletes its own keys only.
func TestAccCLI_concurrentApplies(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	const n = 8
	teams := []string{"team-a", "team-b"}
	dirs := map[string]*cliDir{}
	for _, team := range teams {
		dirs[team] = newCLIDir(t, teamConfig(baseURL, team, n))
	}
	inParallel := func(step func(team string, c *cliDir)) {
		var wg sync.WaitGroup
		for team, c := range dirs {
			wg.Go(func() { step(team, c) })
		}
		wg.Wait()
	}
	apply := func(_ string, c *cliDir) { c.run(true, nil, "apply", "-auto-approve", "-input=false", "-no-color") }

	inParallel(apply)
	for _, team := range teams {
		if err := checkKeys(emu, emulator.AccountAcmeCorp, team, n)(nil); err != nil {
			t.Error(err)
		}
	}
	inParallel(func(team string, c *cliDir) {
		writeFile(t, filepath.Join(c.dir, "main.tf"), teamConfig(baseURL, team+" renamed", n))
		apply(team, c)
	})
	for _, team := range teams {
		if err := checkKeys(emu, emulator.AccountAcmeCorp, team+" renamed", n)(nil); err != nil {
			t.Error(err)
		}
	}
	inParallel(func(_ string, c *cliDir) { c.run(true, nil, "destroy", "-auto-approve", "-input=false", "-no-color") })

	for route, want := range map[string]int{"POST /apikeys": 2 * n, "PATCH /apikeys/{id}": 2 * n, "DELETE /apikeys/{id}": 2 * n} {
		if statuses := journalOf(emu, route); len(statuses) != want || succeeded(statuses) != want {
			t.Errorf("%s answered %v, want %d successes and nothing else", route, statuses, want)
		}
	}
	if keys := emu.APIKeys(emulator.AccountAcmeCorp); len(keys) != 1 {
		t.Errorf("%d keys left on the account, want only the bootstrap key", len(keys))
	}
}

// teamConfig declares n keys on the primary account described "<prefix> <index>".
func teamConfig(baseURL, prefix string, n int) string {
	return cliProvider(baseURL) + fmt.Sprintf(`
resource "pulse_api_key" "k" {
  count       = %d
  description = "%s ${count.index}"
  permissions = ["readData"]
}
`, n, prefix)
}

// A caller who may not list an account's permissions still gets a plan: the names are left
// for Pulse to check, with a warning that says so.
func TestAccCLI_permissionCheckSkipped(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	c := newCLIDir(t, fmt.Sprintf(`
terraform {
  required_providers {
    pulse = {
      source = "registry.terraform.io/pulsecrm/pulse"
    }
  }
}

variable "pulse_viewer_password" {
  type      = string
  sensitive = true
}

provider "pulse" {
  base_url = %q
  email    = %q
  password = var.pulse_viewer_password
}

resource "pulse_api_key" "test" {
  description = "planned by a viewer"
  permissions = ["readData"]
}
`, baseURL, emulator.ViewerEmail))

	out := c.run(true, nil, "plan", "-input=false", "-no-color")
	if !errorText("Permission names not checked").MatchString(out) || !strings.Contains(out, "1 to add") {
		t.Errorf("want a plan to add the key with a warning that its permissions were not checked:\n%s", out)
	}
	if got := emu.Count("GET /permissions"); got != 1 {
		t.Errorf("GET /permissions was asked %d times, want once", got)
	}
	c.checkNoSecret(emu.Secrets())
}
