// Package devenv sets up what a real Terraform or OpenTofu CLI needs to run this provider on
// one machine: the emulator served on a loopback port, a CLI configuration whose
// dev_overrides point at a provider built from the checkout, the environment to run the CLI
// in, and a way to run it that Ctrl-C stops cleanly. The demo, the examples check, the CLI
// tests and the benchmark share it.
package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// ProviderSource is the provider's address with its hostname, as dev_overrides and
// required_providers must both write it: a short "pulsecrm/pulse" means
// registry.opentofu.org to tofu and registry.terraform.io to terraform.
const ProviderSource = "registry.terraform.io/pulsecrm/pulse"

// WriteCLIConfig writes a CLI configuration (for TF_CLI_CONFIG_FILE) whose dev_overrides
// serve each of sources from the provider binaries in dir, so that plan and apply use them
// with no registry and no init. It leaves every other provider to the registries.
func WriteCLIConfig(path, dir string, sources ...string) error {
	if len(sources) == 0 {
		return errors.New("WriteCLIConfig: no provider source to override")
	}
	var b strings.Builder
	b.WriteString("provider_installation {\n  dev_overrides {\n")
	for _, source := range sources {
		// Go's quoting is valid HCL for any path, spaces and non-ASCII letters included.
		fmt.Fprintf(&b, "    %q = %q\n", source, dir)
	}
	b.WriteString("  }\n  direct {}\n}\n")
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// CLIEnv is the environment to run a CLI in: this process's, without its TF_* and PULSE_*
// variables (someone's own TF_CLI_ARGS, TF_VAR_* or PULSE_ACCOUNT_ID would change what
// runs), with the CLI configuration cliConfig, no update check, and output meant for
// automation. extra ("NAME=value") is added last.
func CLIEnv(cliConfig string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(name, "TF_") && !strings.HasPrefix(name, "PULSE_") {
			env = append(env, kv)
		}
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	return append(env, extra...)
}

// Emulator is an emulator served over HTTP on a free loopback port.
type Emulator struct {
	*emulator.Server
	// URL is the base URL to configure the provider with, such as http://127.0.0.1:41234.
	URL string

	close func() error
}

// StartEmulator serves s on a free loopback port. It is ready when it returns: the port is
// listening, and a request that comes before the server accepts it waits in the backlog.
func StartEmulator(s *emulator.Server) (*Emulator, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the emulator: %w", err)
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		// The standard logger would write to the caller's stderr, in the middle of its own
		// output; what the server could say (a client hung up) matters to no caller.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return &Emulator{
		Server: s,
		URL:    "http://" + ln.Addr().String(),
		close: sync.OnceValue(func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				return errors.Join(err, srv.Close())
			}
			if err := <-served; !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		}),
	}, nil
}

// Close stops the emulator: it stops listening, gives requests in flight up to five seconds,
// then closes every connection. Later calls return what the first one did.
func (e *Emulator) Close() error {
	return e.close()
}
