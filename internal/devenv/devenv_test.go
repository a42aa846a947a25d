package devenv

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

func TestWriteCLIConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cli.tfrc")
	dir := `/tmp/a folder "quoted"/bin`
	if err := WriteCLIConfig(path, dir, ProviderSource, "registry.terraform.io/pulsecrm/floor"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `provider_installation {
  dev_overrides {
    "registry.terraform.io/pulsecrm/pulse" = "/tmp/a folder \"quoted\"/bin"
    "registry.terraform.io/pulsecrm/floor" = "/tmp/a folder \"quoted\"/bin"
  }
  direct {}
}
`
	if string(data) != want {
		t.Errorf("wrote\n%s\nwant\n%s", data, want)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v (%v), want 0600", info.Mode().Perm(), err)
	}
	if err := WriteCLIConfig(path, dir); err == nil {
		t.Error("a configuration overriding nothing was written")
	}
}

// The emulator answers as soon as StartEmulator returns, and not after Close.
func TestStartEmulator(t *testing.T) {
	e, err := StartEmulator(emulator.NewSmall(emulator.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	body := `{"apiKey":"` + emulator.BootstrapAPIKey + `","apiSecret":"` + emulator.BootstrapAPISecret + `"}`
	resp, err := http.Post(e.URL+"/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || e.Logins() != 1 {
		t.Errorf("login answered %d and counted %d logins, want 200 and 1", resp.StatusCode, e.Logins())
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	if resp, err := http.Get(e.URL + "/_emulator/stats"); err == nil {
		resp.Body.Close()
		t.Error("still serving after Close")
	}
}

func TestCLIEnv(t *testing.T) {
	t.Setenv("TF_CLI_ARGS_apply", "-destroy")
	t.Setenv("TF_LOG", "trace")
	t.Setenv("PULSE_ACCOUNT_ID", "123")
	t.Setenv("HOME", "/home/someone")
	env := CLIEnv("/tmp/cli.tfrc", "PULSE_BASE_URL=http://127.0.0.1:1")
	for _, kv := range env {
		if strings.HasPrefix(kv, "TF_CLI_ARGS") || strings.HasPrefix(kv, "TF_LOG") || strings.HasPrefix(kv, "PULSE_ACCOUNT_ID") {
			t.Errorf("the environment keeps %s", kv)
		}
	}
	for _, want := range []string{"HOME=/home/someone", "TF_CLI_CONFIG_FILE=/tmp/cli.tfrc", "CHECKPOINT_DISABLE=1", "PULSE_BASE_URL=http://127.0.0.1:1"} {
		if !slices.Contains(env, want) {
			t.Errorf("the environment lacks %s", want)
		}
	}
}
