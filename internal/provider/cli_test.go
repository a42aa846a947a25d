package provider

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// serveBeside serves another provider's binary to the CLI beside pulse, through the same
// dev_overrides: both binaries are linked into one folder, which the CLI configuration names for
// both sources.
func (c *cliDir) serveBeside(binary, source string) {
	c.t.Helper()
	dir := c.t.TempDir()
	for name, target := range map[string]string{
		"terraform-provider-pulse":                                        filepath.Join(providerBin(c.t), "terraform-provider-pulse"),
		"terraform-provider-" + source[strings.LastIndex(source, "/")+1:]: binary,
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			c.t.Fatal(err)
		}
	}
	if err := devenv.WriteCLIConfig(filepath.Join(c.dir, "cli.tfrc"), dir, devenv.ProviderSource, source); err != nil {
		c.t.Fatal(err)
	}
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

// cliTerraformBlock is the terraform block of a configuration the CLI runs itself: pulse by
// the full address that dev_overrides matches (the harness's configHeader names
// hashicorp/pulse, which it serves in process), and any other providers as `name = "source"`.
func cliTerraformBlock(others ...string) string {
	var b strings.Builder
	b.WriteString("\nterraform {\n  required_providers {\n")
	for _, p := range append([]string{"pulse = " + strconv.Quote(devenv.ProviderSource)}, others...) {
		name, source, _ := strings.Cut(p, " = ")
		fmt.Fprintf(&b, "    %s = {\n      source = %s\n    }\n", name, source)
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// cliProvider is the configuration's provider, logging in with the bootstrap key; others are
// more required providers, as cliTerraformBlock takes them.
func cliProvider(baseURL string, others ...string) string {
	return fmt.Sprintf(cliTerraformBlock(others...)+`

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

// cliLoginProvider is the configuration's provider, logging in as the user whose email and
// password are the variables pulse_email and pulse_password.
func cliLoginProvider(baseURL string) string {
	return fmt.Sprintf(cliTerraformBlock()+`

variable "pulse_email" {
  type = string
}

variable "pulse_password" {
  type      = string
  sensitive = true
}

provider "pulse" {
  base_url = %q
  email    = var.pulse_email
  password = var.pulse_password
}
`, baseURL)
}

// Issue 15, item 1: a plan that would fail at apply for want of writeApiKeys fails itself,
// naming the account and the permission, for a new key and for a change (here planned without
// a refresh, whose read would otherwise fail first); only a question Pulse does not answer
// leaves the plan standing, with a warning.
func TestAccCLI_planChecksWriteApiKeys(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	key := func(description string) string {
		return cliLoginProvider(baseURL) + fmt.Sprintf(`
resource "pulse_api_key" "test" {
  description = %q
  permissions = ["readData"]
}
`, description)
	}
	admin := []string{"TF_VAR_pulse_email=" + emulator.AdminEmail, "TF_VAR_pulse_password=" + emulator.AdminPassword}
	viewer := []string{"TF_VAR_pulse_email=" + emulator.ViewerEmail, "TF_VAR_pulse_password=" + emulator.ViewerPassword}
	refused := errorText("Creating or changing this key needs the writeApiKeys permission on account " +
		emulator.AccountAcmeCorp + ", which the provider's credentials lack there: Pulse refused to list the account's permissions")
	c := newCLIDir(t, key("planned by a viewer"))

	// A new key.
	out := c.run(false, viewer, "plan", "-input=false", "-no-color")
	if !refused.MatchString(out) || !strings.Contains(out, "Missing permission: writeApiKeys") {
		t.Errorf("a viewer's plan to create a key: want the missing permission named:\n%s", out)
	}

	// A change to a key the admin made.
	c.run(true, admin, "apply", "-auto-approve", "-input=false", "-no-color")
	writeFile(t, filepath.Join(c.dir, "main.tf"), key("renamed by a viewer"))
	if out := c.run(false, viewer, "plan", "-refresh=false", "-input=false", "-no-color"); !refused.MatchString(out) {
		t.Errorf("a viewer's plan to change a key: want the missing permission named:\n%s", out)
	}

	// No answer from Pulse about the account's permissions: the plan goes on, and says so.
	emu.FailNext("GET /permissions", 6, emulator.Fault{Status: 503})
	out = c.run(true, admin, "plan", "-input=false", "-no-color")
	if !errorText("Permissions not checked").MatchString(out) || !errorText("Pulse gave no answer when asked which permissions account "+
		emulator.AccountAcmeCorp+" grants").MatchString(out) || !strings.Contains(out, "1 to change") {
		t.Errorf("want a plan to change the key with a warning that nothing was checked:\n%s", out)
	}

	c.run(true, admin, "destroy", "-auto-approve", "-input=false", "-no-color")
	if got := emu.Count("POST /apikeys"); got != 1 {
		t.Errorf("%d creates, want only the admin's", got)
	}
	if got := emu.Count("PATCH /apikeys/{id}"); got != 0 {
		t.Errorf("%d updates, want none", got)
	}
	c.checkNoSecret(emu.Secrets())
}

// Issue 15, items 4 and 5: a failure of the whole run is explained once, in full, and each
// other resource that meets it gets one line pointing to that error. An API that does not
// answer is named with the URL used and where it came from, and the PULSE_BASE_URL the
// provider block overrides is named in a warning.
func TestAccCLI_oneErrorPerCause(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	// A loopback port that nothing listens on: connections are refused at once.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + closed.Addr().String()
	closed.Close()

	const n = 6
	c := newCLIDir(t, cliTerraformBlock()+`

variable "base_url" {
  type = string
}

variable "pulse_api_key" {
  type = string
}

variable "pulse_api_secret" {
  type      = string
  sensitive = true
}

provider "pulse" {
  base_url    = var.base_url
  api_key     = var.pulse_api_key
  api_secret  = var.pulse_api_secret
  max_retries = 0
}

resource "pulse_api_key" "k" {
  count       = `+strconv.Itoa(n)+`
  account_id  = "`+emulator.AccountAcmeLabs+`"
  description = "key ${count.index}"
  permissions = ["readData"]
}
`)
	live := []string{"TF_VAR_base_url=" + baseURL}
	c.run(true, live, "apply", "-auto-approve", "-input=false", "-no-color")

	count := func(out, text string) int { return len(errorText(text).FindAllStringIndex(out, -1)) }
	expect := func(what, out string, full, oneLine string) {
		t.Helper()
		if got := count(out, full); got != 1 {
			t.Errorf("%s: the full error %d times, want once:\n%s", what, got, out)
		}
		// Newer Terraform prints identical errors once: the pointers are then one.
		pointers := count(out, oneLine)
		if pointers != n-1 && pointers != 1 {
			t.Errorf("%s: the one-line pointer %d times, want %d (or once, merged):\n%s", what, pointers, n-1, out)
		}
		if got := count(out, "Error:"); got != 1+pointers {
			t.Errorf("%s: %d errors, want the full one and the pointers:\n%s", what, got, out)
		}
	}

	// The API does not answer; PULSE_BASE_URL names the live one, but the block wins.
	out := c.run(false, []string{"TF_VAR_base_url=" + deadURL, "PULSE_BASE_URL=" + baseURL}, "plan", "-input=false", "-no-color")
	expect("API unreachable", out,
		"No answer came from the Pulse API at "+deadURL+" (from base_url in the provider block). Check that this is the server you meant",
		"which says what to do: the Pulse API at "+deadURL+" did not answer.")
	if !errorText("PULSE_BASE_URL is ignored").MatchString(out) || !errorText(fmt.Sprintf("PULSE_BASE_URL=%q is set in the "+
		"environment, but base_url in the provider block wins over it: requests go to %s", baseURL, deadURL)).MatchString(out) {
		t.Errorf("no warning that PULSE_BASE_URL is overridden:\n%s", out)
	}

	// The credentials are refused: one login, one full error.
	const wrong = "wrong-secret-0a9b8c7d6e5f4a3b2c1d"
	logins := emu.Logins()
	out = c.run(false, append(live, "TF_VAR_pulse_api_secret="+wrong), "plan", "-input=false", "-no-color")
	expect("credentials refused", out,
		"Check the provider's credentials (api_key and api_secret, or email and password",
		"which says what to do: Pulse refused the provider's credentials.")
	if got := emu.Logins() - logins; got != 1 {
		t.Errorf("wrong credentials were tried %d times, want once", got)
	}

	c.run(true, live, "destroy", "-auto-approve", "-input=false", "-no-color")
	c.checkNoSecret(append(emu.Secrets(), wrong))
}

// cliKind tells OpenTofu from Terraform and gives the CLI's version.
func (c *cliDir) cliKind() (tofu bool, major, minor int) {
	c.t.Helper()
	out, err := c.command(nil, "version").Output()
	if err != nil {
		c.t.Fatalf("%s version: %s", c.cli, err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if _, err := fmt.Sscanf(first[strings.Index(first, " v")+2:], "%d.%d", &major, &minor); err != nil {
		c.t.Fatalf("reading the version in %q: %s", first, err)
	}
	return strings.HasPrefix(first, "OpenTofu"), major, minor
}

// shell runs script with bash in the working directory, with `tofu` standing for the CLI
// under test, so that a guide's commands run as written under every CLI. It records its
// output in the transcript and returns it, with the exit status.
func (c *cliDir) shell(extraEnv []string, script string) (string, error) {
	c.t.Helper()
	cmd := exec.Command("bash", "-c", `tofu() { "$PULSE_TEST_CLI" "$@"; }`+"\n"+script)
	cmd.Dir = c.dir
	cmd.Env = append(append(append([]string(nil), c.env...), extraEnv...), "PULSE_TEST_CLI="+c.cli)
	out, err := cmd.CombinedOutput()
	// The script itself is not recorded: a guide may spell out the emulator's own password.
	fmt.Fprintf(&c.transcript, "$ bash -c <script>\n%s", out)
	return string(out), err
}

// guideBlock returns the code block of a template under templates/ that is fenced as lang and
// contains marker: the test runs what the docs say, not a copy of it.
func guideBlock(t *testing.T, template, lang, marker string) string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("..", "..", "templates", template))
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range strings.Split(string(text), "```"+lang+"\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if strings.Contains(block, marker) {
			return block
		}
	}
	t.Fatalf("%s has no %s block holding %q", template, lang, marker)
	return ""
}

// planHolds reports whether any file of a saved plan (a zip archive) holds secret.
func planHolds(t *testing.T, planFile, secret string) bool {
	t.Helper()
	r, err := zip.OpenReader(planFile)
	if err != nil {
		t.Fatalf("reading the saved plan: %s", err)
	}
	defer r.Close()
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(secret)) {
			return true
		}
	}
	return false
}

// dirHolds reports whether any file in dir holds secret.
func dirHolds(t *testing.T, dir, secret string) bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(secret)) {
			return true
		}
	}
	return false
}

// keySecret is the secret of the only key described description on account.
func keySecret(t *testing.T, emu *emulator.Server, account, description string) string {
	t.Helper()
	var found []string
	for _, k := range emu.APIKeys(account) {
		if k.Description == description {
			found = append(found, k.Secret)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d keys described %q on account %s, want 1", len(found), description, account)
	}
	return found[0]
}

// Issue 15, item 10: the secret-managers guide's recipe for writing a secret to a file,
// run as written: it fails, writing no file, for an imported key (no secret), whether or not
// the state has other outputs, and writes the secret alone, mode 0600, once the key has one.
// Before, `output -raw` wrote a warning box (or nothing) into the file and exited 0.
func TestAccCLI_secretHandOffRecipe(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	id, _, _ := emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData"}, "made by hand")
	key := cliProvider(baseURL) + `
resource "pulse_api_key" "ci" {
  account_id  = "` + emulator.AccountAcmeLabs + `"
  description = "made by hand"
  permissions = ["readData"]
}

output "ci_api_secret" {
  value     = pulse_api_key.ci.api_secret
  sensitive = true
}
`
	recipe := guideBlock(t, "guides/secret-managers.md.tmpl", "sh", "output -json ci_api_secret")
	c := newCLIDir(t, key)
	secretFile := filepath.Join(c.dir, "pulse-ci.secret")

	c.run(true, nil, "import", "-input=false", "-no-color", "pulse_api_key.ci", fmt.Sprintf("%s/%d", emulator.AccountAcmeLabs, id))
	c.run(true, nil, "apply", "-auto-approve", "-input=false", "-no-color")
	refuses := func(when string) {
		t.Helper()
		out, err := c.shell(nil, recipe)
		if err == nil || !errorText(`Output "ci_api_secret" not found`).MatchString(out) {
			t.Errorf("%s: the recipe ended with %v, want a failure naming the output:\n%s", when, err, out)
		}
		if fileExists(secretFile) {
			t.Errorf("%s: the recipe wrote %s", when, secretFile)
		}
	}
	// The secret is the state's only output, and null.
	refuses("an imported key")
	// With another output in the state.
	writeFile(t, filepath.Join(c.dir, "main.tf"), key+`
output "ci_api_key" {
  value = pulse_api_key.ci.api_key
}
`)
	c.run(true, nil, "apply", "-auto-approve", "-input=false", "-no-color")
	refuses("an imported key, beside another output")

	// As the guide says: replace the key to give it a secret.
	c.run(true, nil, "apply", "-auto-approve", "-input=false", "-no-color", "-replace=pulse_api_key.ci")
	if out, err := c.shell(nil, recipe); err != nil {
		t.Fatalf("a key with a secret: the recipe failed (%s):\n%s", err, out)
	}
	written, err := os.ReadFile(secretFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(written) != keySecret(t, emu, emulator.AccountAcmeLabs, "made by hand") {
		t.Errorf("the file holds %d bytes, not the key's secret", len(written))
	}
	if info, err := os.Stat(secretFile); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the file's mode is %v (%v), want 0600", info.Mode().Perm(), err)
	}

	c.run(true, nil, "destroy", "-auto-approve", "-input=false", "-no-color")
	c.checkNoSecret(emu.Secrets())
}

// Issue 15, item 11: what the guides say of saved plans. A plan file holds the secrets of the
// keys in state, and a credential given to the provider through a variable marked only
// sensitive; an ephemeral variable (Terraform 1.10+, OpenTofu 1.11+) or the PULSE_*
// environment keeps the credential out, and the plan still applies. And what the
// troubleshooting guide says of TF_LOG_SDK_PROTO_DATA_DIR: its files hold secrets.
func TestAccCLI_savedPlansHoldSecrets(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	key := `
resource "pulse_api_key" "ci" {
  description = "planned"
  permissions = ["readData"]
}
`
	c := newCLIDir(t, cliProvider(baseURL)+key)
	plan := filepath.Join(c.dir, "tfplan")
	credential := emulator.BootstrapAPISecret

	c.run(true, nil, "apply", "-auto-approve", "-input=false", "-no-color")
	// The troubleshooting guide's warning: the plugin library's protocol dump holds secrets.
	protoDir := t.TempDir()
	c.run(true, []string{"TF_LOG_SDK_PROTO_DATA_DIR=" + protoDir}, "plan", "-input=false", "-no-color")
	if !dirHolds(t, protoDir, keySecret(t, emu, emulator.AccountAcmeCorp, "planned")) {
		t.Error("TF_LOG_SDK_PROTO_DATA_DIR's files do not hold the key's secret, which the troubleshooting guide says they do")
	}
	c.run(true, nil, "plan", "-input=false", "-no-color", "-out=tfplan")
	if !planHolds(t, plan, keySecret(t, emu, emulator.AccountAcmeCorp, "planned")) {
		t.Error("the saved plan does not hold the secret of the key in state, which the guide says it does")
	}
	if !planHolds(t, plan, credential) {
		t.Error("the saved plan does not hold the provider's credential from a sensitive variable, which the guide says it does")
	}

	// The PULSE_* environment.
	writeFile(t, filepath.Join(c.dir, "main.tf"), fmt.Sprintf(cliTerraformBlock()+`

provider "pulse" {
  base_url = %q
}
`, baseURL)+strings.Replace(key, "planned", "planned from PULSE_*", 1))
	env := []string{"PULSE_API_KEY=" + emulator.BootstrapAPIKey, "PULSE_API_SECRET=" + credential}
	c.run(true, env, "plan", "-input=false", "-no-color", "-out=tfplan")
	if planHolds(t, plan, credential) {
		t.Error("a plan made with the credentials in PULSE_* holds them")
	}
	c.run(true, env, "apply", "-input=false", "-no-color", "tfplan")

	// An ephemeral variable.
	if tofu, major, minor := c.cliKind(); major == 1 && (minor < 10 || (tofu && minor < 11)) {
		t.Logf("ephemeral variables: not checked, %s is older than Terraform 1.10 and OpenTofu 1.11", filepath.Base(c.cli))
	} else {
		writeFile(t, filepath.Join(c.dir, "main.tf"), strings.Replace(cliProvider(baseURL), `  sensitive = true
}`, `  sensitive = true
  ephemeral = true
}`, 1)+strings.Replace(key, "planned", "planned ephemerally", 1))
		c.run(true, nil, "plan", "-input=false", "-no-color", "-out=tfplan")
		if planHolds(t, plan, credential) {
			t.Error("a plan made with the credential in an ephemeral variable holds it")
		}
		c.run(true, nil, "apply", "-input=false", "-no-color", "tfplan")
		keySecret(t, emu, emulator.AccountAcmeCorp, "planned ephemerally")
	}

	c.run(true, env, "destroy", "-auto-approve", "-input=false", "-no-color")
	c.checkNoSecret(emu.Secrets())
}

// Issue 15, item 12: the OpenTofu encryption example, applied as it is: neither the state
// file nor a saved plan holds the key's secret in clear, while `output -raw` still gives it.
// Terraform has no state encryption, and ignores the example's .tofu file.
func TestAccCLI_openTofuEncryption(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	example := filepath.Join("..", "..", "examples", "opentofu-encryption")
	mainTF, err := os.ReadFile(filepath.Join(example, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	encryption, err := os.ReadFile(filepath.Join(example, "encryption.tofu"))
	if err != nil {
		t.Fatal(err)
	}
	c := newCLIDir(t, string(mainTF))
	if tofu, _, _ := c.cliKind(); !tofu {
		t.Skipf("%s has no state encryption", filepath.Base(c.cli))
	}
	writeFile(t, filepath.Join(c.dir, "encryption.tofu"), string(encryption))
	const passphrase = "test-passphrase-7c2e9a4b1d6f"
	env := []string{"PULSE_BASE_URL=" + baseURL, "PULSE_API_KEY=" + emulator.BootstrapAPIKey,
		"PULSE_API_SECRET=" + emulator.BootstrapAPISecret, "TF_VAR_state_passphrase=" + passphrase}

	c.run(true, env, "apply", "-auto-approve", "-input=false", "-no-color")
	secret := keySecret(t, emu, emulator.AccountAcmeCorp, "CI deployer")
	state, err := os.ReadFile(filepath.Join(c.dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(state, []byte(secret)) || !bytes.Contains(state, []byte(`"encrypted_data"`)) {
		t.Error("the state file is not encrypted: it holds the key's secret, or no encrypted data")
	}

	c.run(true, env, "plan", "-input=false", "-no-color", "-out=tfplan")
	plan, err := os.ReadFile(filepath.Join(c.dir, "tfplan"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(plan, []byte(secret)) || bytes.HasPrefix(plan, []byte("PK")) {
		t.Error("the saved plan is not encrypted: it holds the key's secret, or is a plain zip archive")
	}
	// The plan does hold the secret, encrypted: with the passphrase, show reads it.
	shown, err := c.command(env, "show", "-json", "tfplan").Output()
	if err != nil || !bytes.Contains(shown, []byte(secret)) {
		t.Errorf("show -json of the encrypted plan (%v) does not hold the key's secret: the check above proves nothing", err)
	}

	raw, err := c.command(env, "output", "-raw", "ci_api_secret").Output()
	if err != nil || string(raw) != secret {
		t.Errorf("output -raw (%v) does not give the key's secret", err)
	}

	c.run(true, env, "destroy", "-auto-approve", "-input=false", "-no-color")
	c.checkNoSecret(append(emu.Secrets(), passphrase))
}

// Issue 15, items 3 and 13: the importing guide's way to make a key by hand against the
// emulator, run as written, gives a key that imports with the id it names, and whose bare id
// is said to be on the other account.
func TestAccCLI_importingGuideKeyByHand(t *testing.T) {
	for _, tool := range []string{"curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the guide's commands need %s, which is not installed", tool)
		}
	}
	emu, baseURL := startEmulator(t, emulator.Options{})
	c := newCLIDir(t, cliProvider(baseURL)+`
resource "pulse_api_key" "ci" {
  account_id  = "`+emulator.AccountAcmeLabs+`"
  description = "made by hand"
  permissions = ["readData"]
}
`)
	out, err := c.shell([]string{"PULSE_BASE_URL=" + baseURL}, guideBlock(t, "guides/importing-keys.md.tmpl", "sh", "flatPermissionsList"))
	if err != nil {
		t.Fatalf("the guide's commands failed (%s):\n%s", err, out)
	}
	var made struct {
		ID     int64  `json:"id"`
		APIKey string `json:"apiKey"`
	}
	if err := json.Unmarshal([]byte(out), &made); err != nil || made.ID == 0 || !strings.HasPrefix(made.APIKey, "apiKey-") {
		t.Fatalf("the guide's commands printed %q, want the new key's id and apiKey (%v)", out, err)
	}

	bare := c.run(false, nil, "import", "-input=false", "-no-color", "pulse_api_key.ci", strconv.FormatInt(made.ID, 10))
	if !errorText(fmt.Sprintf("It is on account %s (\"made by hand\"): import it as %s/%d.", emulator.AccountAcmeLabs,
		emulator.AccountAcmeLabs, made.ID)).MatchString(bare) {
		t.Errorf("importing the bare id: want the account that holds it named:\n%s", bare)
	}
	c.run(true, nil, "import", "-input=false", "-no-color", "pulse_api_key.ci", fmt.Sprintf("%s/%d", emulator.AccountAcmeLabs, made.ID))
	if out := c.run(true, nil, "plan", "-input=false", "-no-color"); !strings.Contains(out, "No changes") {
		t.Errorf("the plan after the import is not empty:\n%s", out)
	}
	c.run(true, nil, "destroy", "-auto-approve", "-input=false", "-no-color")
	if keys := emu.APIKeys(emulator.AccountAcmeLabs); len(keys) != 0 {
		t.Errorf("%d keys left on Acme Labs", len(keys))
	}
	c.checkNoSecret(emu.Secrets())
}
