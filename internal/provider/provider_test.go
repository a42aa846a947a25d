package provider

import (
	"fmt"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
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
	os.Exit(m.Run())
}

// startEmulator runs a seeded emulator for one test and returns it with its base URL.
func startEmulator(t *testing.T, opts emulator.Options) (*emulator.Server, string) {
	t.Helper()
	emu := emulator.NewSeeded(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv.URL
}

// providerConfig is a provider block that logs in to the emulator with the bootstrap key;
// extra lines are added inside the block.
func providerConfig(baseURL string, extra ...string) string {
	return fmt.Sprintf(`
provider "pulse" {
  base_url   = %q
  api_key    = %q
  api_secret = %q
%s
}
`, baseURL, emulator.BootstrapAPIKey, emulator.BootstrapAPISecret, strings.Join(extra, "\n"))
}

// errorText matches a message however the CLI wrapped its lines.
func errorText(s string) *regexp.Regexp {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}
