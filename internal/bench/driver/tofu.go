package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/bench/benchserve"
	"github.com/pulsecrm/terraform-provider-pulse/internal/devenv"
	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// kind is one of the three things a plan is measured with.
type kind string

const (
	kindPulse  kind = "pulse"
	kindFloor  kind = "floor"
	kindTFData kind = "terraform_data"
)

// cli runs tofu with the providers the bench built, through dev_overrides (never init).
type cli struct {
	tofu string
	env  []string
}

func newCLI(tofu, bin, work string) (*cli, error) {
	rc := filepath.Join(work, "cli.tfrc")
	if err := devenv.WriteCLIConfig(rc, bin, devenv.ProviderSource, "registry.terraform.io/pulsecrm/floor"); err != nil {
		return nil, err
	}
	env := devenv.CLIEnv(rc, "PULSE_API_KEY="+emulator.BootstrapAPIKey, "PULSE_API_SECRET="+emulator.BootstrapAPISecret)
	return &cli{tofu: tofu, env: env}, nil
}

// workspace writes a configuration managing keys with k: pulse_api_key (imported, so that
// they are the emulator's keys), floor_api_key or terraform_data, all from one locals map.
func workspace(dir string, k kind, keys []seedKey) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var b strings.Builder
	// Each configuration names only its own provider: the CLI starts every provider it names.
	if k != kindTFData {
		fmt.Fprintf(&b, "terraform {\n  required_providers {\n    %[1]s = { source = \"registry.terraform.io/pulsecrm/%[1]s\" }\n  }\n}\n\n", k)
	}
	b.WriteString("locals {\n  keys = {\n")
	for _, key := range keys {
		perms, err := json.Marshal(key.Permissions)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "    %q = { description = %q, permissions = %s }\n", strconv.FormatInt(key.ID, 10), key.Description, perms)
	}
	b.WriteString("  }\n}\n\n")
	switch k {
	case kindPulse, kindFloor:
		fmt.Fprintf(&b, "resource %q \"k\" {\n  for_each    = local.keys\n  description = each.value.description\n  permissions = each.value.permissions\n}\n", string(k)+"_api_key")
	case kindTFData:
		b.WriteString("resource \"terraform_data\" \"k\" {\n  for_each = local.keys\n  input    = each.value\n}\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(b.String()), 0o600); err != nil {
		return err
	}
	if k != kindPulse {
		return nil
	}
	imports := fmt.Sprintf("import {\n  for_each = local.keys\n  to       = pulse_api_key.k[each.key]\n  id       = \"%s/${each.key}\"\n}\n", emulator.AccountAcmeCorp)
	return os.WriteFile(filepath.Join(dir, "imports.tf"), []byte(imports), 0o600)
}

// measurement is one CLI command: the CLI's figures include the provider processes it
// started and reaped; the provider's come from their own reports (benchserve).
type measurement struct {
	Wall        time.Duration
	CPU         time.Duration // user+sys of the CLI and every provider process
	ProviderCPU time.Duration
	ProviderRSS int64 // KiB, the largest provider process
	Providers   int   // provider processes started
	ExitCode    int
	OthersCPU   time.Duration // machine CPU busy time during the run not spent by the CLI tree
	Load1       float64       // load average when the command started
	Waited      time.Duration // for the machine to become quiet before starting
	Output, Dir string
}

// run runs tofu args in dir. extraEnv is added to the environment; profileDir, when not
// "", asks the providers for CPU and allocation profiles.
func (c *cli) run(ctx context.Context, dir string, profileDir string, extraEnv []string, args ...string) (measurement, error) {
	reports, err := os.MkdirTemp(dir, "reports-")
	if err != nil {
		return measurement{}, err
	}
	defer os.RemoveAll(reports)
	out, err := os.CreateTemp(dir, "out-*.log")
	if err != nil {
		return measurement{}, err
	}
	defer out.Close()

	cmd := exec.CommandContext(ctx, c.tofu, append(args, "-input=false", "-no-color")...)
	cmd.Dir = dir
	cmd.Env = append(append(append([]string(nil), c.env...), extraEnv...), benchserve.ReportDirEnv+"="+reports)
	if profileDir != "" {
		cmd.Env = append(cmd.Env, benchserve.ProfileDirEnv+"="+profileDir)
	}
	cmd.Stdout, cmd.Stderr = out, out

	m := measurement{Output: out.Name(), Dir: dir}
	m.Waited = waitQuiet(ctx)
	m.Load1 = load1()
	busy0 := machineBusy()
	start := time.Now()
	err = cmd.Run()
	m.Wall = time.Since(start)
	busy := machineBusy() - busy0
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return m, err
	}
	m.ExitCode = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	m.OthersCPU = max(busy-m.CPU, 0)

	entries, err := os.ReadDir(reports)
	if err != nil {
		return m, err
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(reports, e.Name()))
		if err != nil {
			return m, err
		}
		var r benchserve.Report
		if err := json.Unmarshal(data, &r); err != nil {
			return m, fmt.Errorf("%s: %w", e.Name(), err)
		}
		m.Providers++
		m.ProviderCPU += r.User + r.Sys
		m.ProviderRSS = max(m.ProviderRSS, r.MaxRSSKiB)
	}
	return m, nil
}

// mustSucceed turns a failed command into an error quoting the end of its output.
func (m measurement) mustSucceed(what string) error {
	if m.ExitCode == 0 {
		return nil
	}
	data, _ := os.ReadFile(m.Output)
	if len(data) > 3000 {
		data = data[len(data)-3000:]
	}
	return fmt.Errorf("%s in %s exited %d:\n%s", what, m.Dir, m.ExitCode, data)
}

// waitQuiet waits, up to a minute, until other work (other engineers' tests, say) uses
// less than a quarter of a CPU, so that it does not land in a measurement. A run that
// starts on a busy machine anyway shows it in OthersCPU.
func waitQuiet(ctx context.Context) time.Duration {
	const sample, limit = 500 * time.Millisecond, time.Minute
	start := time.Now()
	for time.Since(start) < limit && ctx.Err() == nil {
		before := machineBusy()
		time.Sleep(sample)
		if machineBusy()-before < sample/4 {
			break
		}
	}
	return time.Since(start)
}

// machineBusy is the CPU time the whole machine has spent busy since boot (/proc/stat).
func machineBusy() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	var ticks int64
	for i, f := range fields[1:] {
		if i == 3 || i == 4 || i >= 8 { // idle and iowait are not busy; guest time is already in user
			continue
		}
		n, _ := strconv.ParseInt(f, 10, 64)
		ticks += n
	}
	// USER_HZ is 100 on every Linux this runs on.
	return time.Duration(ticks) * 10 * time.Millisecond
}

func load1() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(data))[0], 64)
	return f
}
