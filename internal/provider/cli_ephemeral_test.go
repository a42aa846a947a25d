package provider

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// The ephemeral resources driven through the CLI as a user runs them: a saved plan applied
// later, and a run killed before it could close what it opened.

// ephemeralCLIConfig is a provider whose own credentials are ephemeral variables (Terraform
// 1.10+, OpenTofu 1.11+), so that nothing secret is in a plan for any reason, an ephemeral
// key with readData only, a second provider configuration logged in with that key, what that
// configuration can see of itself (checked in a precondition and kept in the state), and a
// script that calls Pulse with the second configuration's ephemeral session token.
func ephemeralCLIConfig(baseURL string) string {
	return fmt.Sprintf(cliTerraformBlock()+`

variable "pulse_api_key" {
  type      = string
  ephemeral = true
}

variable "pulse_api_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}

provider "pulse" {
  base_url   = %[1]q
  api_key    = var.pulse_api_key
  api_secret = var.pulse_api_secret
}

ephemeral "pulse_api_key" "reader" {
  description = "one run only"
  permissions = ["readData"]
  ttl         = "10m"
}

provider "pulse" {
  alias      = "reader"
  base_url   = %[1]q
  api_key    = ephemeral.pulse_api_key.reader.api_key
  api_secret = ephemeral.pulse_api_key.reader.api_secret
}

ephemeral "pulse_session" "reader" {
  provider = pulse.reader
}

data "pulse_session" "reader" {
  provider = pulse.reader
}

resource "terraform_data" "least_privilege" {
  input = data.pulse_session.reader.permissions

  lifecycle {
    precondition {
      condition     = ephemeral.pulse_session.reader.permissions == toset(["readData"]) && length(ephemeral.pulse_session.reader.token) > 0
      error_message = "The reader's session holds more than readData."
    }
  }
}

# A script handed the token through its environment, as the pulse_session example does.
resource "terraform_data" "script" {
  provisioner "local-exec" {
    command = "curl -fsS -o /dev/null -H \"Authorization: Bearer $PULSE_TOKEN\" \"$PULSE_URL/auth/session\""
    environment = {
      PULSE_TOKEN = ephemeral.pulse_session.reader.token
      PULSE_URL   = ephemeral.pulse_session.reader.base_url
    }
  }
}
`, baseURL)
}

// findCredentials names which of secrets, counted not shown, appear in text.
func findCredentials(text []byte, secrets []string) int {
	n := 0
	for _, s := range secrets {
		if bytes.Contains(text, []byte(s)) {
			n++
		}
	}
	return n
}

// planFileText is every file inside a saved plan (a zip), uncompressed.
func planFileText(t *testing.T, name string) []byte {
	t.Helper()
	r, err := zip.OpenReader(name)
	if err != nil {
		t.Fatalf("the saved plan: %s", err)
	}
	defer r.Close()
	var all bytes.Buffer
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(&all, rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if all.Len() == 0 {
		t.Fatal("the saved plan holds nothing: the scan would prove nothing")
	}
	return all.Bytes()
}

// No credential the emulator ever issued or held is in a saved plan (the file itself and
// `show -json` of it), in the state after applying it, in any command's output, or in the
// CLI's and the provider's TRACE log; the least-privilege key is gone once the run is over.
func TestAccCLI_ephemeralHygiene(t *testing.T) {
	ephemeralResources.require(t)
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("this test's script needs curl on PATH")
	}
	emu, baseURL := startEmulator(t, emulator.Options{})
	c := newCLIDir(t, ephemeralCLIConfig(baseURL))

	c.run(true, nil, "plan", "-input=false", "-no-color", "-out=tfplan")
	if n := findCredentials(planFileText(t, filepath.Join(c.dir, "tfplan")), emu.Secrets()); n > 0 {
		t.Errorf("the saved plan file holds %d credentials", n)
	}
	// Kept out of the transcript: it is scanned here, the transcript by checkNoSecret.
	shown, err := c.command(nil, "show", "-json", "tfplan").Output()
	if err != nil || !bytes.Contains(shown, []byte(`"terraform_data.least_privilege"`)) {
		t.Fatalf("show -json tfplan: %v\n%s", err, shown)
	}
	if n := findCredentials(shown, emu.Secrets()); n > 0 {
		t.Errorf("show -json of the saved plan holds %d credentials", n)
	}

	out := c.run(true, nil, "apply", "-input=false", "-no-color", "tfplan")
	if !strings.Contains(out, "Apply complete! Resources: 2 added") {
		t.Errorf("the saved plan did not apply:\n%s", out)
	}
	if n := emu.Count("GET /auth/session"); n != 1 {
		t.Errorf("the script called GET /auth/session %d times with the ephemeral token, want once", n)
	}
	state, err := os.ReadFile(filepath.Join(c.dir, "terraform.tfstate"))
	if err != nil || !bytes.Contains(state, []byte(`"readData"`)) {
		t.Fatalf("the state does not hold the reader's permissions (%v)", err)
	}
	if n := findCredentials(state, emu.Secrets()); n > 0 {
		t.Errorf("the state holds %d credentials", n)
	}
	for _, k := range emu.APIKeys(emulator.AccountAcmeCorp) {
		if k.Description == "one run only" {
			t.Errorf("ephemeral key %d outlived the run", k.ID)
		}
	}
	if created := emu.Count("POST /apikeys"); created != 2 || emu.Count("DELETE /apikeys/{id}") != created {
		t.Errorf("%d keys created and %d deleted; want one opened and closed by the plan and one by the apply",
			created, emu.Count("DELETE /apikeys/{id}"))
	}
	c.checkNoSecret(emu.Secrets())
}

// A run killed while it uses an ephemeral key (the CI job's timeout, a lost runner) never
// closes it: the key is left, and stops working within its ttl.
func TestAccCLI_ephemeralKeyKilled(t *testing.T) {
	ephemeralResources.require(t)
	emu, baseURL := startEmulator(t, emulator.Options{})
	// The reader's first read waits a minute, so that the run is surely killed during it.
	emu.FailNext("GET /accounts", 1, emulator.Fault{Status: 429, RetryAfter: time.Minute})
	c := newCLIDir(t, cliProvider(baseURL)+fmt.Sprintf(`
ephemeral "pulse_api_key" "reader" {
  description = "killed run"
  permissions = ["readData"]
  ttl         = "10m"
}

provider "pulse" {
  alias      = "reader"
  base_url   = %q
  api_key    = ephemeral.pulse_api_key.reader.api_key
  api_secret = ephemeral.pulse_api_key.reader.api_secret
}

data "pulse_accounts" "reader" {
  provider = pulse.reader
}
`, baseURL))

	var output bytes.Buffer
	cmd := c.command(nil, "plan", "-input=false", "-no-color")
	cmd.Stdout, cmd.Stderr = &output, &output
	// Its own process group, so that the kill reaches the provider processes too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(time.Minute)
	for emu.Count("GET /accounts") == 0 {
		select {
		case err := <-exited:
			t.Fatalf("the plan ended before the reader read (%v):\n%s", err, output.String())
		case <-deadline:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatalf("the reader did not read within a minute:\n%s", output.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	killedAt := time.Now()
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var exit *exec.ExitError
	if err := <-exited; !errors.As(err, &exit) {
		t.Fatalf("the killed plan ended with %v", err)
	}

	var left []emulator.APIKey
	for _, k := range emu.APIKeys(emulator.AccountAcmeCorp) {
		if k.Description == "killed run" {
			left = append(left, k)
		}
	}
	if len(left) != 1 || left[0].ExpiresAt == nil {
		t.Fatalf("%d keys left by the killed run, want the one it opened, with an expiry", len(left))
	}
	if expiry := *left[0].ExpiresAt; expiry.Before(killedAt) || expiry.After(left[0].CreatedAt.Add(10*time.Minute)) {
		t.Errorf("the left key expires at %s, not within its 10m ttl of its creation at %s", expiry, left[0].CreatedAt)
	}
	if n := emu.Count("DELETE /apikeys/{id}"); n != 0 {
		t.Errorf("%d deletes after the kill: the test did not kill the run before Close", n)
	}
}

// Ctrl-C while an ephemeral key's create waits out a Retry-After: the run stops at once, and
// says that a key, if Pulse made one, expires on its own, rather than to import it.
func TestAccCLI_ephemeralKeyInterruptedCreate(t *testing.T) {
	ephemeralResources.require(t)
	emu, baseURL := startEmulator(t, emulator.Options{})
	const retryAfter = 25 * time.Second
	emu.FailNext("POST /apikeys", 1, emulator.Fault{Status: 429, RetryAfter: retryAfter})
	c := newCLIDir(t, cliProvider(baseURL)+fmt.Sprintf(`
ephemeral "pulse_api_key" "reader" {
  description = "interrupted"
  permissions = ["readData"]
  ttl         = "10m"
}

provider "pulse" {
  alias      = "reader"
  base_url   = %q
  api_key    = ephemeral.pulse_api_key.reader.api_key
  api_secret = ephemeral.pulse_api_key.reader.api_secret
}

data "pulse_session" "reader" {
  provider = pulse.reader
}
`, baseURL))

	var output bytes.Buffer
	cmd := c.command(nil, "plan", "-input=false", "-no-color")
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
			t.Fatalf("the plan ended before its create was throttled (%v):\n%s", err, output.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("no create within a minute:\n%s", output.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err == nil {
			t.Errorf("the interrupted plan succeeded:\n%s", output.String())
		}
	case <-time.After(retryAfter / 2):
		_ = cmd.Process.Kill()
		t.Fatalf("the plan was still waiting %v after Ctrl-C:\n%s", retryAfter/2, output.String())
	}
	want := errorText("The run was interrupted (Ctrl-C, or a CI job's timeout) before Pulse answered. If Pulse " +
		"created the key, it stops working on its own by")
	if !want.MatchString(output.String()) {
		t.Errorf("the interrupted plan does not say what became of the key:\n%s", output.String())
	}
	if got := emu.Count("POST /apikeys"); got != 1 {
		t.Errorf("the create was sent %d times, want once", got)
	}
}
