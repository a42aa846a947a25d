// Command driver runs the scale benchmark behind `make bench` (internal/scripts/bench.sh
// builds what it needs): a real tofu against the emulator, the floor provider and
// terraform_data, and prints Markdown tables ready for the Performance guide.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

type options struct {
	tofu, bin, out string
	sizes          []int
	repeat         int
	quotaRPS       float64
	quotaKeys      int
	profile        bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var o options
	sizes := flag.String("sizes", "100 500 1000", "numbers of keys to plan, space-separated")
	flag.StringVar(&o.tofu, "tofu", "", "the tofu binary")
	flag.StringVar(&o.bin, "bin", "", "folder holding terraform-provider-pulse and terraform-provider-floor")
	flag.StringVar(&o.out, "out", "", "folder for the results (results.md), workspaces, logs and profiles (kept)")
	flag.IntVar(&o.repeat, "repeat", 5, "plans per size and kind; the median is reported")
	flag.Float64Var(&o.quotaRPS, "quota-rps", 20, "the emulator's quota (requests/s) for the quota-bound apply; 0 skips it")
	flag.IntVar(&o.quotaKeys, "quota-keys", 200, "keys the quota-bound apply creates")
	flag.BoolVar(&o.profile, "profile", true, "profile the provider during an extra plan of the largest size")
	flag.Parse()
	for _, f := range strings.Fields(*sizes) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			fatal(fmt.Errorf("-sizes: %q is not a positive number", f))
		}
		o.sizes = append(o.sizes, n)
	}
	if o.tofu == "" || o.bin == "" || o.out == "" || o.repeat < 1 {
		fatal(fmt.Errorf("-tofu, -bin and -out are required, and -repeat must be at least 1"))
	}
	results, err := os.Create(filepath.Join(o.out, "results.md"))
	if err != nil {
		fatal(err)
	}
	if err := errors.Join(run(ctx, o, io.MultiWriter(os.Stdout, results)), results.Close()); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

func run(ctx context.Context, o options, w io.Writer) error {
	c, err := newCLI(o.tofu, o.bin, o.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "## Machine\n\n%s\n", machine(c))

	var plans []sizeResult
	for _, n := range o.sizes {
		r, err := benchPlans(ctx, c, o, n)
		if err != nil {
			return err
		}
		plans = append(plans, r)
		fmt.Fprintf(os.Stderr, "bench: N=%d done\n", n)
	}
	printPlans(w, o, plans)

	if o.profile {
		largest := slices.Max(o.sizes)
		if err := profilePlan(ctx, c, o, largest, w); err != nil {
			return err
		}
	}
	if o.quotaRPS > 0 {
		if err := benchQuota(ctx, c, o, w); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nLoad average at the end: %s\n", loadavg())
	return nil
}

// sizeResult is every plan of one size: median runs per kind, and the traffic of the pulse
// plans.
type sizeResult struct {
	n, accountKeys int
	median         map[kind]measurement
	counts         map[string]int // of the median pulse plan
	logins         int
}

var kinds = []kind{kindPulse, kindFloor, kindTFData}

// benchPlans seeds n keys in a fresh emulator, brings them under management with each kind,
// then plans each kind o.repeat times, interleaved so that a change in the machine's load
// hits all three alike.
func benchPlans(ctx context.Context, c *cli, o options, n int) (sizeResult, error) {
	res := sizeResult{n: n, median: map[kind]measurement{}}
	dir := filepath.Join(o.out, fmt.Sprintf("plan-%d", n))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	emu, err := startEmulator(0)
	if err != nil {
		return res, err
	}
	defer emu.stop()
	keys, err := emu.seed(emulator.AccountAcmeCorp, n)
	if err != nil {
		return res, err
	}
	res.accountKeys = emu.accountKeys(emulator.AccountAcmeCorp)
	env := []string{"PULSE_BASE_URL=" + emu.URL}

	for _, k := range kinds {
		ws := filepath.Join(dir, string(k))
		if err := workspace(ws, k, keys); err != nil {
			return res, err
		}
		m, err := c.run(ctx, ws, "", env, "apply", "-auto-approve")
		if err != nil {
			return res, err
		}
		if err := m.mustSucceed("apply"); err != nil {
			return res, err
		}
		// The plans measure a steady state: the keys are managed, the imports are done.
		if err := os.Remove(filepath.Join(ws, "imports.tf")); err != nil && !os.IsNotExist(err) {
			return res, err
		}
	}

	runs := map[kind][]measurement{}
	traffic := map[time.Duration]stats{}
	// The first run of each warms the page cache and the CLI's plugin cache: not measured.
	for i := range o.repeat + 1 {
		for _, k := range kinds {
			emu.reset()
			// -detailed-exitcode: 0 is an empty plan, which a steady state must give.
			m, err := c.run(ctx, filepath.Join(dir, string(k)), "", env, "plan", "-detailed-exitcode", "-lock=false")
			if err != nil {
				return res, err
			}
			if err := m.mustSucceed("plan (expected no changes)"); err != nil {
				return res, err
			}
			if i == 0 {
				continue
			}
			runs[k] = append(runs[k], m)
			fmt.Fprintf(os.Stderr, "bench: N=%d %s plan: wall %s, CPU %s, provider CPU %s, others' CPU %s, waited %s for quiet\n",
				n, k, secs(m.Wall), secs(m.CPU), secs(m.ProviderCPU), secs(m.OthersCPU), secs(m.Waited))
			if k == kindPulse {
				traffic[m.Wall] = emu.stats()
			}
		}
	}
	for _, k := range kinds {
		res.median[k] = medianRun(runs[k])
	}
	s := traffic[res.median[kindPulse].Wall]
	res.counts, res.logins = s.Counts, s.Logins
	return res, nil
}

// medianRun is the median by wall time of the quiet runs: those during which the rest of
// the machine used under a tenth of what the run itself did. Only if no run was quiet is it
// the median of all, and the table's others' CPU column shows it.
func medianRun(ms []measurement) measurement {
	var sorted []measurement
	for _, m := range ms {
		if m.OthersCPU*10 < m.CPU {
			sorted = append(sorted, m)
		}
	}
	if len(sorted) == 0 {
		sorted = slices.Clone(ms)
	}
	slices.SortFunc(sorted, func(a, b measurement) int { return int(a.Wall - b.Wall) })
	return sorted[len(sorted)/2]
}

func printPlans(w io.Writer, o options, plans []sizeResult) {
	fmt.Fprintf(w, "\n## Plan of N managed keys (refresh included), median of %d, tofu's default parallelism (10)\n\n", o.repeat)
	fmt.Fprintln(w, "Others' CPU is what the machine spent outside the CLI and its providers during the run (the emulator included). Each run first waits, up to a minute, for other work to fall under a quarter of a CPU; the median is taken over the runs where others' CPU stayed under a tenth of the run's own.")
	fmt.Fprintln(w, "\n| N | provider | wall | CPU (CLI + provider) | provider CPU | provider peak RSS | provider processes | others' CPU | load (1 min) |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, p := range plans {
		for _, k := range kinds {
			m := p.median[k]
			rss, procs := mib(m.ProviderRSS), strconv.Itoa(m.Providers)
			if k == kindTFData {
				rss, procs = "n/a (built in)", "0"
			}
			fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %s | %s | %.2f |\n", p.n, k, secs(m.Wall), secs(m.CPU),
				secs(m.ProviderCPU), rss, procs, secs(m.OthersCPU), m.Load1)
		}
	}

	fmt.Fprintln(w, "\n## Ratios\n\n| N | wall pulse/floor | wall pulse/terraform_data | CPU pulse/floor | CPU pulse/terraform_data | target at 1000: wall pulse/floor ≤ 1.15 |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---|")
	for _, p := range plans {
		pu, fl, td := p.median[kindPulse], p.median[kindFloor], p.median[kindTFData]
		overFloor := ratio(pu.Wall, fl.Wall)
		verdict := ""
		if p.n == 1000 {
			verdict = metOrNot(overFloor <= 1.15)
		}
		fmt.Fprintf(w, "| %d | %.2f | %.2f | %.2f | %.2f | %s |\n", p.n, overFloor, ratio(pu.Wall, td.Wall),
			ratio(pu.CPU, fl.CPU), ratio(pu.CPU, td.CPU), verdict)
	}

	fmt.Fprintln(w, "\n## Requests of one pulse plan\n\n| N | keys in the account | requests by route | logins | bound 1 + ceil(keys / 100) | within |")
	fmt.Fprintln(w, "|---:|---:|---|---:|---:|---|")
	for _, p := range plans {
		total := 0
		for _, v := range p.counts {
			total += v
		}
		bound := 1 + int(math.Ceil(float64(p.accountKeys)/100))
		fmt.Fprintf(w, "| %d | %d | %s | %d | %d | %s |\n", p.n, p.accountKeys, routes(p.counts), p.logins, bound,
			metOrNot(total <= bound && p.logins == 1))
	}
}

// profilePlan plans n keys once more with the provider profiling itself, and prints the top
// CPU and allocation costs, overall and of this project's own functions.
func profilePlan(ctx context.Context, c *cli, o options, n int, w io.Writer) error {
	dir := filepath.Join(o.out, fmt.Sprintf("plan-%d", n))
	emu, err := startEmulator(0)
	if err != nil {
		return err
	}
	defer emu.stop()
	// A fresh emulator: seed it the same way, so the ids in the state exist again.
	if _, err := emu.seed(emulator.AccountAcmeCorp, n); err != nil {
		return err
	}
	profiles := filepath.Join(o.out, "profiles")
	if err := os.MkdirAll(profiles, 0o700); err != nil {
		return err
	}
	m, err := c.run(ctx, filepath.Join(dir, string(kindPulse)), profiles, []string{"PULSE_BASE_URL=" + emu.URL},
		"plan", "-detailed-exitcode", "-lock=false")
	if err != nil {
		return err
	}
	if err := m.mustSucceed("profiled plan (expected no changes)"); err != nil {
		return err
	}
	// The provider process of the plan walk is the one that did the work: the largest profile.
	var cpu string
	var size int64
	entries, err := os.ReadDir(profiles)
	if err != nil {
		return err
	}
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && strings.HasSuffix(e.Name(), ".cpu.pprof") && info.Size() > size {
			cpu, size = filepath.Join(profiles, e.Name()), info.Size()
		}
	}
	if cpu == "" {
		return fmt.Errorf("no CPU profile in %s", profiles)
	}
	allocs := strings.TrimSuffix(cpu, ".cpu.pprof") + ".allocs.pprof"
	ours := `terraform-provider-pulse/internal/(provider|pulseapi)\.`
	fmt.Fprintf(w, "\n## Profile of the provider during a plan of %d keys (wall %s)\n\nProfiles: %s, %s\n", n, secs(m.Wall), cpu, allocs)
	for _, q := range []struct {
		title, file string
		args        []string
	}{
		{"CPU, flat, everything", cpu, []string{"-top", "-nodecount=15"}},
		{"CPU, cumulative, samples under this project's functions", cpu, []string{"-top", "-cum", "-nodecount=25", "-show_from=" + ours}},
		{"Allocated bytes, flat, everything", allocs, []string{"-top", "-nodecount=12", "-sample_index=alloc_space"}},
		{"Allocated bytes, cumulative, under this project's functions", allocs, []string{"-top", "-cum", "-nodecount=25", "-sample_index=alloc_space", "-show_from=" + ours}},
	} {
		out, err := exec.CommandContext(ctx, "go", append(append([]string{"tool", "pprof"}, q.args...), q.file)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("go tool pprof %s: %w\n%s", q.file, err, out)
		}
		fmt.Fprintf(w, "\n### %s\n\n```\n%s```\n", q.title, out)
	}
	return nil
}

// benchQuota creates o.quotaKeys keys against an emulator limited to o.quotaRPS requests
// per second, without and then with max_requests_per_second at the same rate. The floor is
// the requests the apply needs divided by the quota: no client can finish sooner on average.
func benchQuota(ctx context.Context, c *cli, o options, w io.Writer) error {
	fmt.Fprintf(w, "\n## Apply creating %d keys under an emulator quota of %g requests/s\n\n", o.quotaKeys, o.quotaRPS)
	fmt.Fprintln(w, "Floor = requests answered (all but the 429s) / quota. The emulator's bucket starts full (burst = quota), so the first second's requests are free and a perfect client finishes about 1 s under the floor.")
	fmt.Fprintln(w, "\n| max_requests_per_second | wall | floor | wall/floor | requests by route | 429 answers | logins | exit | target with the limit: ≤ 1.2, no 429 |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---|---:|---:|---:|---|")
	for _, limit := range []float64{0, o.quotaRPS} {
		name := "off"
		if limit > 0 {
			name = strconv.FormatFloat(limit, 'g', -1, 64)
		}
		dir := filepath.Join(o.out, "quota-"+name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		emu, err := startEmulator(o.quotaRPS)
		if err != nil {
			return err
		}
		config := fmt.Sprintf(`terraform {
  required_providers {
    pulse = { source = "registry.terraform.io/pulsecrm/pulse" }
  }
}

provider "pulse" {
  max_requests_per_second = %s
}

resource "pulse_api_key" "k" {
  count       = %d
  description = "bench key ${count.index}"
  permissions = ["readData"]
}
`, map[bool]string{true: name, false: "null"}[limit > 0], o.quotaKeys)
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
			emu.stop()
			return err
		}
		m, err := c.run(ctx, dir, "", []string{"PULSE_BASE_URL=" + emu.URL}, "apply", "-auto-approve")
		s, rejected := emu.stats(), emu.rejected()
		emu.stop()
		if err != nil {
			return err
		}
		total := 0
		for _, v := range s.Counts {
			total += v
		}
		floor := time.Duration(float64(total-rejected) / o.quotaRPS * float64(time.Second))
		r := ratio(m.Wall, floor)
		verdict := "(reference)"
		if limit > 0 {
			verdict = metOrNot(r <= 1.2 && rejected == 0 && m.ExitCode == 0)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.2f | %s | %d | %d | %d | %s |\n", name, secs(m.Wall), secs(floor), r,
			routes(s.Counts), rejected, s.Logins, m.ExitCode, verdict)
	}

	// What the CLI alone costs for the same apply: the floor provider, no API.
	dir := filepath.Join(o.out, "quota-floor")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	config := fmt.Sprintf(`terraform {
  required_providers {
    floor = { source = "registry.terraform.io/pulsecrm/floor" }
  }
}

resource "floor_api_key" "k" {
  count       = %d
  description = "bench key ${count.index}"
  permissions = ["readData"]
}
`, o.quotaKeys)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		return err
	}
	m, err := c.run(ctx, dir, "", nil, "apply", "-auto-approve")
	if err != nil {
		return err
	}
	if err := m.mustSucceed("floor apply"); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nThe same apply with the floor provider (no API, no quota) takes %s: the CLI's own share of the walls above.\n", secs(m.Wall))
	return nil
}

func routes(counts map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func mib(kib int64) string { return fmt.Sprintf("%.0f MiB", float64(kib)/1024) }

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return math.Inf(1)
	}
	return float64(a) / float64(b)
}

func metOrNot(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func machine(c *cli) string {
	model := "unknown"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, found := strings.CutPrefix(line, "model name"); found {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	cmd := exec.Command(c.tofu, "version")
	cmd.Env = c.env
	out, _ := cmd.Output()
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return fmt.Sprintf("- CPUs (nproc): %d, %s\n- %s/%s, %s, %s\n- load average at the start: %s\n",
		runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH, runtime.Version(), first, loadavg())
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	return strings.Join(f[:3], " ")
}
