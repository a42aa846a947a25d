package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/pulsecrm/terraform-provider-pulse/internal/devenv"
	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// fakeWorld makes a repository with a quickstart, and a PATH holding only a fake `go`, which
// "builds" an empty provider, and a fake tofu, whose commands other than `version` run
// script. TMPDIR is a folder of its own, so that a test can see what the demo left there.
func fakeWorld(t *testing.T, script string) (root, tmp string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fakes are shell scripts")
	}
	root = t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "examples", "quickstart"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "examples", "quickstart", "main.tf"), []byte("# the quickstart\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	fakeCLI(t, bin, "go", `: > "$3"`)
	fakeCLI(t, bin, "tofu", `if [ "$1" = version ]; then `+versionJSON("1.12.6")+`; exit; fi
`+script)
	t.Setenv("PATH", bin)
	t.Setenv(CLIEnv, "")
	tmp = t.TempDir()
	t.Setenv("TMPDIR", tmp)
	return root, tmp
}

func runFake(ctx context.Context, t *testing.T, root string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = Run(ctx, Options{Root: root, Tools: fakeTools{t: t}, Stdout: &out, Stderr: &errOut})
	return out.String(), errOut.String(), err
}

// checkRemoved fails if the demo left anything in its TMPDIR.
func checkRemoved(t *testing.T, tmp string) {
	t.Helper()
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("the demo left %s behind", e.Name())
	}
}

// A step that fails stops the demo with the command's output, a message naming the step,
// and nothing left behind.
func TestRunFailingStep(t *testing.T) {
	root, tmp := fakeWorld(t, `echo "Error: the apply went wrong" >&2; exit 1`)
	stdout, stderr, err := runFake(context.Background(), t, root)
	if err == nil || !strings.Contains(err.Error(), `step "apply" failed (exit status 1): tofu apply -no-color`) {
		t.Errorf("error %v, want the apply step named", err)
	}
	if !strings.Contains(stdout, "==> using tofu 1.12.6 from PATH") || !strings.Contains(stdout, "Error: the apply went wrong") {
		t.Errorf("the narration lacks the choice of CLI or the command's error:\n%s", stdout)
	}
	if !strings.Contains(stderr, "demo FAILED: step \"apply\" failed") || !strings.Contains(stderr, "(stopped the emulator, removed "+tmp) {
		t.Errorf("stderr does not report the failure and the clean-up:\n%s", stderr)
	}
	checkRemoved(t, tmp)
}

// A failing command whose output holds a credential is not shown: the demo says where the
// credential is, and prints neither it nor the rest of the output.
func TestRunNeverPrintsASecret(t *testing.T) {
	root, tmp := fakeWorld(t, `echo "debug: password=$PULSE_PASSWORD"; exit 1`)
	stdout, stderr, err := runFake(context.Background(), t, root)
	want := fmt.Sprintf("apply.out holds a credential of %d characters; not printing it", len(emulator.AdminPassword))
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want the leak reported", err)
	}
	if strings.Contains(stdout+stderr, emulator.AdminPassword) {
		t.Error("the demo printed the secret")
	}
	checkRemoved(t, tmp)
}

// brokenPipe is a stdout whose reader went away after the first line.
type brokenPipe struct{ writes int }

func (b *brokenPipe) Write(p []byte) (int, error) {
	if b.writes++; b.writes > 1 {
		return 0, syscall.EPIPE
	}
	return len(p), nil
}

// A narration nobody reads stops the demo, which cleans up as it does on Ctrl-C.
func TestRunStdoutClosed(t *testing.T) {
	root, tmp := fakeWorld(t, "exit 0")
	var stderr bytes.Buffer
	err := Run(context.Background(), Options{Root: root, Tools: fakeTools{t: t}, Stdout: &brokenPipe{}, Stderr: &stderr})
	if !errors.Is(err, syscall.EPIPE) || !strings.Contains(stderr.String(), "demo FAILED: writing the narration: broken pipe") {
		t.Errorf("error %v, stderr %q: want the broken pipe reported", err, stderr.String())
	}
	checkRemoved(t, tmp)
}

// A PULSE_DEMO_CLI that names no CLI stops the demo before it makes anything.
func TestRunBadPulseDemoCLI(t *testing.T) {
	root, tmp := fakeWorld(t, "exit 0")
	missing := filepath.Join(t.TempDir(), "tofu")
	t.Setenv(CLIEnv, missing)
	_, stderr, err := runFake(context.Background(), t, root)
	if err == nil || !strings.Contains(stderr, "demo FAILED: PULSE_DEMO_CLI="+missing+": ") {
		t.Errorf("error %v, stderr %q: want the failure to name PULSE_DEMO_CLI", err, stderr)
	}
	checkRemoved(t, tmp)
}

// The hygiene scan fails on a credential in any log and names the file, not the secret; it
// passes the same logs without it.
func TestCheckHygiene(t *testing.T) {
	work := t.TempDir()
	emu, err := devenv.StartEmulator(emulator.NewSmall(emulator.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	_, _, secret := emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData"}, "a demo key")
	var out bytes.Buffer
	d := &demo{
		ctx: context.Background(), cli: CLI{Name: "tofu"}, narrator: narrator{out: &out}, emu: emu,
		work: work, logs: filepath.Join(work, "logs"), private: filepath.Join(work, "private"),
	}
	for _, dir := range []string{d.logs, d.private} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(d.private, "reporting-secret"), []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d.login(emulator.BootstrapAPIKey, emulator.BootstrapAPISecret, "login-1.json", 200); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"apply", "keys-1", "output-raw-1", "rotate", "keys-2", "output-raw-2", "destroy"} {
		if err := os.WriteFile(filepath.Join(d.logs, name+".trace.log"), []byte("[TRACE] provider: api_secret=***\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.checkHygiene(); err != nil {
		t.Fatalf("clean logs: %v", err)
	}

	leak := filepath.Join(d.logs, "rotate.trace.log")
	if err := os.WriteFile(leak, []byte("[TRACE] body: "+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = d.checkHygiene()
	if err == nil || !strings.Contains(err.Error(), "logs/rotate.trace.log holds a credential of 48 characters") {
		t.Errorf("error %v, want the leak in logs/rotate.trace.log", err)
	}
	if err != nil && strings.Contains(err.Error(), secret) {
		t.Error("the report gives the secret away")
	}
}

func TestFindRoot(t *testing.T) {
	root := t.TempDir()
	for _, dir := range []string{"examples/quickstart", "internal/demo"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{root, filepath.Join(root, "internal", "demo")} {
		if got, err := FindRoot(from); err != nil || got != root {
			t.Errorf("FindRoot(%s) = %q, %v; want %q", from, got, err, root)
		}
	}
	if got, err := FindRoot(t.TempDir()); err == nil {
		t.Errorf("FindRoot outside a checkout = %q, want an error", got)
	}
}

// The demo applies the quickstart's configuration, never a state or a .terraform folder
// that someone's own run left beside it.
func TestCopyConfig(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	for name, content := range map[string]string{"main.tf": "# config\n", "terraform.tfstate": "{}", ".terraform/x": "x"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := copyConfig(src, dst); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "main.tf" {
		t.Errorf("copied %v, want main.tf alone", entries)
	}
	if err := copyConfig(t.TempDir(), dst); err == nil {
		t.Error("a folder without configuration was copied without complaint")
	}
}
