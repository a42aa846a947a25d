// Command pulse-examples is `make examples`: it checks every example with the real CLIs.
// Each must be formatted (`terraform fmt -check`, Terraform 1.16.4 knowing every file kind),
// validate with the provider built from the checkout under each pinned CLI that has what the
// example uses, and, since every example uses only this provider, apply and destroy against
// the emulator under each of those CLIs. An adoption example goes through the adoption it
// shows: keys made outside Terraform are imported, nothing is written, the next plan is
// empty; a list resource's example does it with `terraform query -generate-config-out`. Run
// it from the repository's root:
//
//	go run ./internal/cmd/pulse-examples -tofu <path> -terraform <path> -terraform-latest <path>
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
	"regexp"
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

// The pinned CLIs, by the names clisFor uses.
const (
	tofu      = "tofu"
	terraform = "terraform"
	latest    = "latest"
)

var cliNames = map[string]string{tofu: "OpenTofu 1.12.6", terraform: "Terraform 1.5.7", latest: "Terraform 1.16.4"}

// clisFor lists the CLIs that have everything the example at path (a folder under examples/,
// or an import-by-*.tf file) uses, as README's feature table gives them.
func clisFor(path string) []string {
	path = filepath.ToSlash(path)
	switch {
	case strings.HasPrefix(path, "examples/list-resources/"): // terraform query: Terraform 1.14+
		return []string{latest}
	case strings.HasPrefix(path, "examples/ephemeral-resources/"), // Terraform 1.10+, OpenTofu 1.11+
		strings.HasSuffix(path, "/import-by-identity.tf"), // identity: 1.12+
		path == "examples/adopting-keys":                  // import blocks with for_each: 1.7+
		return []string{tofu, latest}
	default:
		return []string{tofu, terraform, latest}
	}
}

// appliersFor lists the CLIs an example is applied under: those it validates under, but
// OpenTofu alone for state encryption (.tofu files), whose encrypted state Terraform cannot
// read.
func appliersFor(dir string, names []string) []string {
	if tofuOnly, _ := filepath.Glob(filepath.Join(dir, "*.tofu")); len(tofuOnly) > 0 {
		return []string{tofu}
	}
	return names
}

// fixtures adds the keys an adoption example expects to find, made outside Terraform as
// another administrator would.
func fixtures(emu *emulator.Server, dir string) {
	switch filepath.ToSlash(dir) {
	case "examples/adopting-keys":
		emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData"}, "legacy billing export")
		emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readApplications"}, "legacy etl")
	case "examples/list-resources/pulse_api_key":
		emu.AddAPIKey(emulator.AccountAcmeCorp, emulator.AdminEmail, []string{"readData"}, "reporting dashboard")
		emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readApplications"}, "ci-deployer")
		emu.AddAPIKey(emulator.AccountAcmeLabs, emulator.AdminEmail, []string{"readData"}, "manual, not adopted")
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	paths := map[string]*string{
		tofu:      flag.String("tofu", "", "the tofu binary (OpenTofu 1.12.6)"),
		terraform: flag.String("terraform", "", "the terraform binary (Terraform 1.5.7)"),
		latest:    flag.String("terraform-latest", "", "the newest terraform binary (Terraform 1.16.4)"),
	}
	flag.Parse()
	clis := map[string]string{}
	for name, path := range paths {
		clis[name] = *path
	}
	if clis[tofu] == "" || clis[terraform] == "" || clis[latest] == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: pulse-examples -tofu <path> -terraform <path> -terraform-latest <path>")
		os.Exit(2)
	}
	if err := run(ctx, clis, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "examples:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, clis map[string]string, stdout io.Writer) (err error) {
	work, err := os.MkdirTemp("", "pulse-examples-")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(work)) }()

	bin := filepath.Join(work, "bin")
	if _, err := output(ctx, devenv.Command(ctx, "go", "build", "-o", filepath.Join(bin, "terraform-provider-pulse"), ".")); err != nil {
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
	cli := func(dir, name string, args ...string) (string, error) {
		cmd := devenv.Command(ctx, clis[name], args...)
		cmd.Dir, cmd.Env = dir, env
		return output(ctx, cmd)
	}

	if _, err := cli(".", latest, "fmt", "-check", "-recursive", "-diff", "examples"); err != nil {
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
		names := clisFor(dir)
		for _, name := range names {
			if err := validate(config, name, cli); err != nil {
				return err
			}
		}
		// An import example joins the resource's example: validated, not applied, as it
		// names keys of the reader's account (the acceptance tests import by id and identity).
		imports, err := filepath.Glob(filepath.Join(dir, "import-by-*.tf"))
		if err != nil {
			return err
		}
		for _, file := range imports {
			withImport := config + "." + strings.TrimSuffix(filepath.Base(file), ".tf")
			if err := copyExample(dir, withImport, file); err != nil {
				return err
			}
			for _, name := range clisFor(file) {
				if err := validate(withImport, name, cli); err != nil {
					return err
				}
			}
			fmt.Fprintf(stdout, "ok   %s (validate under %s)\n", example(file), listNames(clisFor(file)))
		}

		what := "apply and destroy"
		appliers := appliersFor(dir, names)
		for _, name := range appliers {
			fixtures(emu.Server, dir)
			switch {
			case strings.HasPrefix(filepath.ToSlash(dir), "examples/list-resources/"):
				what = "query -generate-config-out, apply (imports only), empty plan, destroy"
				if _, err := cli(config, name, "query", "-no-color", "-generate-config-out=adopted.tf"); err != nil {
					return err
				}
				if err := adopt(emu.Server, config, name, cli); err != nil {
					return err
				}
			case filepath.ToSlash(dir) == "examples/adopting-keys":
				what = "apply (imports only), empty plan, destroy"
				if err := adopt(emu.Server, config, name, cli); err != nil {
					return err
				}
			default:
				if _, err := cli(config, name, "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
					return err
				}
			}
			if _, err := cli(config, name, "destroy", "-auto-approve", "-input=false", "-no-color"); err != nil {
				return err
			}
			// The next CLI writes its own configuration from its own query.
			if err := os.RemoveAll(filepath.Join(config, "adopted.tf")); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "ok   %s (fmt, validate under %s, %s under %s)\n", example(dir), listNames(names), what, listNames(appliers))
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
			_, err = cli(dir, tofu, "fmt", "-check", "-diff", "snippet.tf")
		}
		for _, name := range snippetCLIs(sn.hcl) {
			if err == nil {
				_, err = cli(dir, name, "validate", "-no-color")
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

// validate runs `validate` in dir under the CLI name, query files included where there are some.
func validate(dir, name string, cli func(dir, name string, args ...string) (string, error)) error {
	args := []string{"validate", "-no-color"}
	if queries, _ := filepath.Glob(filepath.Join(dir, "*.tfquery.hcl")); len(queries) > 0 {
		args = append(args, "-query")
	}
	_, err := cli(dir, name, args...)
	return err
}

var importedOnly = regexp.MustCompile(`Resources: [1-9][0-9]* imported, 0 added, 0 changed, 0 destroyed`)

// adopt applies an adoption: it must import keys and nothing else, write nothing to Pulse,
// and leave a plan with no changes.
func adopt(emu *emulator.Server, dir, name string, cli func(dir, name string, args ...string) (string, error)) error {
	emu.ResetJournal()
	out, err := cli(dir, name, "apply", "-auto-approve", "-input=false", "-no-color")
	if err != nil {
		return err
	}
	if !importedOnly.MatchString(out) {
		return fmt.Errorf("%s under %s imported nothing, or changed something:\n%s", example(dir), cliNames[name], out)
	}
	for _, e := range emu.Journal() {
		if e.Route == "POST /apikeys" || strings.HasPrefix(e.Route, "PATCH ") || strings.HasPrefix(e.Route, "DELETE ") {
			return fmt.Errorf("%s under %s sent %s: an adoption must not write", example(dir), cliNames[name], e.Route)
		}
	}
	// -detailed-exitcode fails the command on a plan with changes.
	_, err = cli(dir, name, "plan", "-input=false", "-no-color", "-detailed-exitcode")
	return err
}

// output runs a devenv.Command and returns its output; when it fails, the error holds it.
func output(ctx context.Context, cmd *exec.Cmd) (string, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := devenv.Run(ctx, cmd); err != nil {
		return "", fmt.Errorf("%s %s in %s: %w\n%s", filepath.Base(cmd.Path), strings.Join(cmd.Args[1:], " "), cmd.Dir, err, out.Bytes())
	}
	return out.String(), nil
}

func example(path string) string {
	return strings.TrimPrefix(filepath.ToSlash(path), "examples/")
}

func listNames(names []string) string {
	long := make([]string, 0, len(names))
	for _, n := range names {
		long = append(long, cliNames[n])
	}
	return strings.Join(long, ", ")
}

// exampleDirs lists the folders under root that hold a .tf or .tfquery.hcl file, sorted.
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
		if !d.IsDir() && isConfig(d.Name()) && !slices.Contains(dirs, filepath.Dir(path)) {
			dirs = append(dirs, filepath.Dir(path))
		}
		return nil
	})
	slices.Sort(dirs)
	return dirs, err
}

// isConfig reports a configuration file: .tf, .tfquery.hcl (Terraform 1.14+), and .tofu, which
// only OpenTofu reads (state encryption).
func isConfig(name string) bool {
	return strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tfquery.hcl") || strings.HasSuffix(name, ".tofu")
}

// copyExample copies the configuration files of an example into dst, but its import-by-*.tf
// files (plus those of extra), adding the provider's source address when the example does
// not declare it.
func copyExample(src, dst string, extra ...string) error {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	files := slices.Clone(extra)
	for _, e := range entries {
		if !e.IsDir() && isConfig(e.Name()) && !strings.HasPrefix(e.Name(), "import-by-") {
			files = append(files, filepath.Join(src, e.Name()))
		}
	}
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
