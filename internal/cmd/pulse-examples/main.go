// Command pulse-examples is `make examples`: it checks every example with the real CLIs.
// Each must be formatted (`tofu fmt -check`), validate under OpenTofu and Terraform with the
// provider built from the checkout, and, since every example uses only this provider, apply
// and destroy against the emulator. Run it from the repository's root:
//
//	go run ./internal/cmd/pulse-examples -tofu <path> -terraform <path>
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/pulsecrm/terraform-provider-pulse/internal/devenv"
	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// providerBlock is what an example shown alone on a registry page lacks: the source
// address that dev_overrides matches.
const providerBlock = `terraform {
  required_providers {
    pulse = { source = "` + devenv.ProviderSource + `" }
  }
}
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tofu := flag.String("tofu", "", "the tofu binary")
	terraform := flag.String("terraform", "", "the terraform binary")
	flag.Parse()
	if *tofu == "" || *terraform == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: pulse-examples -tofu <path> -terraform <path>")
		os.Exit(2)
	}
	if err := run(ctx, *tofu, *terraform, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "examples:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, tofu, terraform string, stdout io.Writer) (err error) {
	work, err := os.MkdirTemp("", "pulse-examples-")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(work)) }()

	bin := filepath.Join(work, "bin")
	if err := runLogged(ctx, devenv.Command(ctx, "go", "build", "-o", filepath.Join(bin, "terraform-provider-pulse"), ".")); err != nil {
		return err
	}
	emu, err := devenv.StartEmulator(emulator.NewSmall(emulator.Options{}))
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, emu.Close()) }()
	cliConfig := filepath.Join(work, "cli.tfrc")
	if err := devenv.WriteCLIConfig(cliConfig, bin, devenv.ProviderSource); err != nil {
		return err
	}
	// The bootstrap key both ways an example may take it: from the provider's PULSE_*
	// variables, and as the variables examples/provider declares.
	env := devenv.CLIEnv(cliConfig,
		"PULSE_BASE_URL="+emu.URL,
		"PULSE_API_KEY="+emulator.BootstrapAPIKey, "PULSE_API_SECRET="+emulator.BootstrapAPISecret,
		"TF_VAR_pulse_api_key="+emulator.BootstrapAPIKey, "TF_VAR_pulse_api_secret="+emulator.BootstrapAPISecret,
		// The OpenTofu encryption example's passphrase: a test value, as a pipeline would pass its own.
		"TF_VAR_state_passphrase=examples-check-passphrase-0123456789")
	cli := func(dir, path string, args ...string) error {
		cmd := devenv.Command(ctx, path, args...)
		cmd.Dir, cmd.Env = dir, env
		return runLogged(ctx, cmd)
	}

	if err := cli(".", tofu, "fmt", "-check", "-recursive", "-diff", "examples"); err != nil {
		return err
	}
	dirs, err := exampleDirs("examples")
	if err != nil {
		return err
	}
	for _, dir := range dirs {
		config := filepath.Join(work, dir)
		if err := copyExample(dir, config); err != nil {
			return err
		}
		for _, path := range []string{tofu, terraform} {
			if err := cli(config, path, "validate", "-no-color"); err != nil {
				return err
			}
		}
		if err := cli(config, tofu, "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
			return err
		}
		if err := cli(config, tofu, "destroy", "-auto-approve", "-input=false", "-no-color"); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "ok   %s (fmt, validate under tofu and terraform, apply and destroy)\n", strings.TrimPrefix(filepath.ToSlash(dir), "examples/"))
	}
	fmt.Fprintf(stdout, "examples: %d passed, 0 failed\n", len(dirs))

	snippets, skipped, err := docSnippets("templates")
	if err != nil {
		return err
	}
	for i, sn := range snippets {
		dir := filepath.Join(work, "snippets", fmt.Sprint(i+1))
		declared, err := stubs(sn.hcl)
		if err == nil {
			err = writeFiles(dir, map[string]string{"snippet.tf": sn.hcl, "_stubs.tf": declared})
		}
		if err == nil {
			err = cli(dir, tofu, "fmt", "-check", "-diff", "snippet.tf")
		}
		clis := []string{tofu, terraform}
		if needsEphemeralVariables(sn.hcl) {
			clis = clis[:1] // ephemeral variables are newer than Terraform 1.5
		}
		for _, path := range clis {
			if err == nil {
				err = cli(dir, path, "validate", "-no-color")
			}
		}
		if err != nil {
			return fmt.Errorf("the snippet %s: %w", sn.name, err)
		}
	}
	if len(skipped) == 0 {
		skipped = []string{"none"}
	}
	fmt.Fprintf(stdout, "docs: %d snippets passed fmt and validate; not checked (other providers): %s\n",
		len(snippets), strings.Join(skipped, " "))
	return nil
}

// writeFiles writes each named file into dir, which it makes.
func writeFiles(dir string, files map[string]string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// runLogged runs a devenv.Command and, when it fails, returns its output with the error.
func runLogged(ctx context.Context, cmd *exec.Cmd) error {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := devenv.Run(ctx, cmd); err != nil {
		return fmt.Errorf("%s %s in %s: %w\n%s", filepath.Base(cmd.Path), strings.Join(cmd.Args[1:], " "), cmd.Dir, err, out.Bytes())
	}
	return nil
}

// exampleDirs lists the folders under root that hold a .tf file, sorted.
func exampleDirs(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// A .terraform folder or state left by someone's own run is not an example.
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".tf") && !slices.Contains(dirs, filepath.Dir(path)) {
			dirs = append(dirs, filepath.Dir(path))
		}
		return nil
	})
	slices.Sort(dirs)
	return dirs, err
}

// copyExample copies the .tf files of an example (and its .tofu files, which only OpenTofu
// reads: state encryption) into dst, adding the provider's source address when the example
// does not declare it.
func copyExample(src, dst string) error {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(src, "*.tf"))
	if err != nil {
		return err
	}
	tofuOnly, err := filepath.Glob(filepath.Join(src, "*.tofu"))
	if err != nil {
		return err
	}
	files = append(files, tofuOnly...)
	declared := false
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		declared = declared || bytes.Contains(data, []byte("required_providers"))
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), data, 0o600); err != nil {
			return err
		}
	}
	if declared {
		return nil
	}
	return os.WriteFile(filepath.Join(dst, "_provider.tf"), []byte(providerBlock), 0o600)
}
