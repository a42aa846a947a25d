package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/pulsecrm/terraform-provider-pulse/internal/devenv"
)

// CLIEnv names the CLI to run, ahead of anything on the PATH.
const CLIEnv = "PULSE_DEMO_CLI"

// minVersion is the oldest CLI the demo runs: the oldest the acceptance tests pin
// (Terraform 1.5.7, the last MPL release) is 1.5.
var minVersion = version.Must(version.NewVersion("1.5"))

// versionTimeout bounds `version -json`, so that a CLI that waits for something (a
// wrapper asking a question, a hung network call) is passed over rather than waited for.
var versionTimeout = 30 * time.Second

// CLI is the Terraform-compatible CLI the demo runs.
type CLI struct {
	// Path is the binary; "" until a CLI that is to be built has been.
	Path string
	// Name is the command as the narration shows it: "tofu", "terraform".
	Name    string
	Version string
}

// Choice is the CLI the demo runs and why.
type Choice struct {
	CLI CLI
	// Why is the demo's first line: which CLI and where it comes from.
	Why string
	// PassedOver lists the CLIs on the PATH that were not taken, with the reason.
	PassedOver []string
}

// Tools is the project's cache of built tools (internal/scripts/build-tool.sh), where the
// demo finds or builds OpenTofu when the user has no CLI.
type Tools interface {
	// Cached returns the version of tool that the cache holds or would build and, when it
	// holds it, its path.
	Cached(ctx context.Context, tool string) (version, path string, err error)
	// Build builds tool into the cache, unless it is there, and returns its path.
	Build(ctx context.Context, tool string) (path string, err error)
}

// ChooseCLI picks the CLI the demo runs: the one PULSE_DEMO_CLI names; else tofu, else
// terraform, on the PATH, at version 1.5 or later; else OpenTofu from the tool cache. It
// builds nothing: when the cache lacks OpenTofu, the choice's CLI has no Path yet, and Why
// says that it is to be built.
func ChooseCLI(ctx context.Context, tools Tools) (Choice, error) {
	if named := os.Getenv(CLIEnv); named != "" {
		cli, err := usableCLI(ctx, named)
		if err != nil {
			return Choice{}, fmt.Errorf("%s=%s: %w", CLIEnv, named, err)
		}
		return Choice{CLI: cli, Why: fmt.Sprintf("using %s %s from %s (%s)", cli.Name, cli.Version, CLIEnv, cli.Path)}, nil
	}

	var choice Choice
	for _, name := range []string{"tofu", "terraform"} {
		path, err := exec.LookPath(name)
		if errors.Is(err, exec.ErrDot) {
			choice.PassedOver = append(choice.PassedOver, fmt.Sprintf("%s: found only through a relative PATH entry (%s), which is not run", name, path))
			continue
		}
		if err != nil {
			continue
		}
		cli, err := usableCLI(ctx, path)
		if ctx.Err() != nil {
			return Choice{}, ctx.Err()
		}
		if err != nil {
			choice.PassedOver = append(choice.PassedOver, fmt.Sprintf("%s: %s", path, err))
			continue
		}
		choice.CLI = cli
		choice.Why = fmt.Sprintf("using %s %s from PATH (%s)", cli.Name, cli.Version, cli.Path)
		return choice, nil
	}

	v, path, err := tools.Cached(ctx, "tofu")
	if err != nil {
		return Choice{}, fmt.Errorf("no tofu or terraform ≥ %s on PATH, and the tool cache: %w", minVersion.Original(), err)
	}
	v = strings.TrimPrefix(v, "v")
	choice.CLI = CLI{Path: path, Name: "tofu", Version: v}
	if path != "" {
		choice.Why = fmt.Sprintf("no tofu or terraform ≥ %s on PATH: using OpenTofu %s, built earlier (%s)", minVersion.Original(), v, path)
	} else {
		choice.Why = fmt.Sprintf("no tofu or terraform ≥ %s on PATH: building OpenTofu %s, about 7 minutes once", minVersion.Original(), v)
	}
	return choice, nil
}

// usableCLI finds the CLI that name (a path, or a command on the PATH) runs and checks
// that it is a Terraform-compatible CLI at minVersion or later.
func usableCLI(ctx context.Context, name string) (CLI, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		// Without LookPath's prefix, which repeats the name the caller already gives.
		if execErr := (*exec.Error)(nil); errors.As(err, &execErr) {
			return CLI{}, execErr.Err
		}
		return CLI{}, err
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	v, err := cliVersion(ctx, path)
	if err != nil {
		return CLI{}, err
	}
	cli := CLI{Path: path, Name: filepath.Base(path), Version: v.String()}
	if v.LessThan(minVersion) {
		return cli, fmt.Errorf("%s %s is older than %s", cli.Name, cli.Version, minVersion.Original())
	}
	return cli, nil
}

// cliVersion asks a CLI its version with `version -json`, which both Terraform and
// OpenTofu answer with {"terraform_version": "..."}.
func cliVersion(parent context.Context, path string) (*version.Version, error) {
	ctx, cancel := context.WithTimeout(parent, versionTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "version", "-json")
	// The user's own CLI configuration and TF_* settings must not change the answer: a
	// TF_CLI_CONFIG_FILE naming a missing file makes tofu print a warning on stdout.
	cmd.Env = devenv.CLIEnv(os.DevNull)
	// Bounded, so that a CLI that prints without end cannot fill the memory.
	stdout := &capped{max: 1 << 16}
	cmd.Stdout = stdout
	// A child the CLI left behind, holding its output open, is not waited for.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if parent.Err() != nil {
		return nil, parent.Err()
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("`version -json` did not answer within %s", versionTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("`version -json` failed: %w", err)
	}
	// Decoded from the first brace, so that a warning printed before the JSON is passed over.
	out := stdout.Bytes()
	var answer struct {
		Version string `json:"terraform_version"`
	}
	if i := bytes.IndexByte(out, '{'); i < 0 || json.NewDecoder(bytes.NewReader(out[i:])).Decode(&answer) != nil || answer.Version == "" {
		return nil, fmt.Errorf("`version -json` printed no terraform_version: %q", truncate(out, 80))
	}
	v, err := version.NewVersion(answer.Version)
	if err != nil {
		return nil, fmt.Errorf("`version -json` printed a version that is not one: %q", truncate([]byte(answer.Version), 40))
	}
	return v, nil
}

// capped is a buffer that keeps the first max bytes written to it and drops the rest.
type capped struct {
	bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func truncate(b []byte, n int) string {
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
