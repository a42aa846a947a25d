package demo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fakeTools is a tool cache that holds OpenTofu or not, and fails the test if asked to
// build: the choice only announces a build.
type fakeTools struct {
	t      *testing.T
	cached string
}

func (f fakeTools) Cached(context.Context, string) (string, string, error) {
	return "v1.12.6", f.cached, nil
}

func (f fakeTools) Build(context.Context, string) (string, error) {
	f.t.Error("ChooseCLI built a tool")
	return "", nil
}

// fakeCLI writes an executable script named name into dir that prints out for any
// arguments.
func fakeCLI(t *testing.T, dir, name, script string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func versionJSON(v string) string {
	return `echo '{"terraform_version": "` + v + `", "platform": "linux_amd64"}'`
}

func TestChooseCLI(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake CLIs are shell scripts")
	}
	const (
		tofu112      = `echo '{"terraform_version": "1.12.6", "platform": "linux_amd64", "provider_selections": {}}'`
		terraform111 = `[ "$1 $2" = "version -json" ] || exit 1; echo '{"terraform_version": "1.11.4", "platform": "linux_amd64", "terraform_outdated": false}'`
	)
	tests := []struct {
		name string
		// PATH entries, each a map of command name to script; "" makes a folder of that name.
		path    []map[string]string
		cached  string
		wantCLI string // the Name of the chosen CLI
		wantWhy string // a regular prefix: {dir} is the first PATH entry
		// wantPassedOver are texts each PassedOver line must hold, in order.
		wantPassedOver []string
	}{
		{
			name:    "terraform only",
			path:    []map[string]string{{"terraform": terraform111}},
			wantCLI: "terraform",
			wantWhy: "using terraform 1.11.4 from PATH ({dir}/terraform)",
		},
		{
			name:    "both: tofu first",
			path:    []map[string]string{{"terraform": terraform111}, {"tofu": tofu112}},
			wantCLI: "tofu",
			wantWhy: "using tofu 1.12.6 from PATH (",
		},
		{
			name:           "a too-old terraform only",
			path:           []map[string]string{{"terraform": versionJSON("1.4.6")}},
			wantCLI:        "tofu",
			wantWhy:        "no tofu or terraform ≥ 1.5 on PATH: building OpenTofu 1.12.6, about 7 minutes once",
			wantPassedOver: []string{"terraform 1.4.6 is older than 1.5"},
		},
		{
			name:    "none",
			path:    []map[string]string{{}},
			wantCLI: "tofu",
			wantWhy: "no tofu or terraform ≥ 1.5 on PATH: building OpenTofu 1.12.6, about 7 minutes once",
		},
		{
			name:    "none, OpenTofu built earlier",
			path:    []map[string]string{{}},
			cached:  "/cache/tofu-v1.12.6/tofu",
			wantCLI: "tofu",
			wantWhy: "no tofu or terraform ≥ 1.5 on PATH: using OpenTofu 1.12.6, built earlier (/cache/tofu-v1.12.6/tofu)",
		},
		{
			name:           "a tofu that prints garbage",
			path:           []map[string]string{{"tofu": "echo 'tofu: command not understood'"}, {"terraform": terraform111}},
			wantCLI:        "terraform",
			wantWhy:        "using terraform 1.11.4 from PATH",
			wantPassedOver: []string{"printed no terraform_version"},
		},
		{
			name:           "a tofu whose version is not one",
			path:           []map[string]string{{"tofu": versionJSON("latest")}, {"terraform": terraform111}},
			wantCLI:        "terraform",
			wantWhy:        "using terraform 1.11.4 from PATH",
			wantPassedOver: []string{"printed a version that is not one"},
		},
		{
			name:           "a tofu that fails",
			path:           []map[string]string{{"tofu": "exit 3"}},
			wantCLI:        "tofu",
			wantWhy:        "no tofu or terraform ≥ 1.5 on PATH: building",
			wantPassedOver: []string{"failed: exit status 3"},
		},
		{
			name:    "a folder named tofu",
			path:    []map[string]string{{"tofu": ""}, {"terraform": terraform111}},
			wantCLI: "terraform",
			wantWhy: "using terraform 1.11.4 from PATH",
		},
		{
			name:    "a warning before the JSON",
			path:    []map[string]string{{"tofu": "echo 'Warning: Unable to open CLI configuration file'; " + tofu112}},
			wantCLI: "tofu",
			wantWhy: "using tofu 1.12.6 from PATH",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(CLIEnv, "")
			var dirs []string
			for _, entry := range tt.path {
				dir := t.TempDir()
				for name, script := range entry {
					if script == "" {
						if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
							t.Fatal(err)
						}
						continue
					}
					fakeCLI(t, dir, name, script)
				}
				dirs = append(dirs, dir)
			}
			t.Setenv("PATH", strings.Join(dirs, string(os.PathListSeparator)))

			choice, err := ChooseCLI(context.Background(), fakeTools{t: t, cached: tt.cached})
			if err != nil {
				t.Fatal(err)
			}
			if choice.CLI.Name != tt.wantCLI {
				t.Errorf("chose %q, want %q", choice.CLI.Name, tt.wantCLI)
			}
			if want := strings.ReplaceAll(tt.wantWhy, "{dir}", dirs[0]); !strings.HasPrefix(choice.Why, want) {
				t.Errorf("why: %q\nwant it to start with %q", choice.Why, want)
			}
			if len(choice.PassedOver) != len(tt.wantPassedOver) {
				t.Fatalf("passed over %q, want %d", choice.PassedOver, len(tt.wantPassedOver))
			}
			for i, want := range tt.wantPassedOver {
				if !strings.Contains(choice.PassedOver[i], want) {
					t.Errorf("passed over %q, want it to say %q", choice.PassedOver[i], want)
				}
			}
		})
	}
}

// PULSE_DEMO_CLI wins over the PATH, and a value that names no usable CLI is an error that
// says why, never a silent fall back to another CLI.
func TestChooseCLIFromEnv(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake CLIs are shell scripts")
	}
	onPath := t.TempDir()
	fakeCLI(t, onPath, "tofu", versionJSON("1.12.6"))
	t.Setenv("PATH", onPath)
	dir := t.TempDir()
	good := fakeCLI(t, dir, "terraform", versionJSON("1.5.7"))
	old := fakeCLI(t, dir, "terraform-1.3", versionJSON("1.3.9"))
	garbage := fakeCLI(t, dir, "not-a-cli", "echo hello")
	notExecutable := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(notExecutable, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Setenv(CLIEnv, good)
	choice, err := ChooseCLI(context.Background(), fakeTools{t: t})
	if err != nil {
		t.Fatal(err)
	}
	if want := "using terraform 1.5.7 from PULSE_DEMO_CLI (" + good + ")"; choice.Why != want || choice.CLI.Path != good {
		t.Errorf("chose %q: %q, want %q", choice.CLI.Path, choice.Why, want)
	}

	// A relative path is made absolute: the CLI runs in another folder.
	t.Chdir(dir)
	t.Setenv(CLIEnv, "./terraform")
	if choice, err := ChooseCLI(context.Background(), fakeTools{t: t}); err != nil || choice.CLI.Path != good {
		t.Errorf("a relative path: chose %q (%v), want %q", choice.CLI.Path, err, good)
	}

	t.Setenv(CLIEnv, "tofu")
	if choice, err := ChooseCLI(context.Background(), fakeTools{t: t}); err != nil || choice.CLI.Path != filepath.Join(onPath, "tofu") {
		t.Errorf("a bare name: chose %q (%v), want the tofu on PATH", choice.CLI.Path, err)
	}

	for value, want := range map[string]string{
		filepath.Join(dir, "missing"): "no such file or directory",
		dir:                           "is a directory",
		notExecutable:                 "permission denied",
		old:                           "terraform-1.3 1.3.9 is older than 1.5",
		garbage:                       "printed no terraform_version",
		"no-such-command":             "not found",
	} {
		t.Setenv(CLIEnv, value)
		_, err := ChooseCLI(context.Background(), fakeTools{t: t})
		if err == nil || !strings.HasPrefix(err.Error(), "PULSE_DEMO_CLI="+value+": ") || !strings.Contains(err.Error(), want) {
			t.Errorf("PULSE_DEMO_CLI=%s: error %v, want one naming it and saying %q", value, err, want)
		}
	}
}

// A CLI that never answers is passed over, not waited for.
func TestChooseCLIHungCLI(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake CLIs are shell scripts")
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	dir := t.TempDir()
	fakeCLI(t, dir, "tofu", "exec "+sleep+" 600")
	t.Setenv("PATH", dir)
	t.Setenv(CLIEnv, "")
	defer func(d time.Duration) { versionTimeout = d }(versionTimeout)
	versionTimeout = 100 * time.Millisecond

	choice, err := ChooseCLI(context.Background(), fakeTools{t: t})
	if err != nil {
		t.Fatal(err)
	}
	if len(choice.PassedOver) != 1 || !strings.Contains(choice.PassedOver[0], "did not answer") || choice.CLI.Path != "" {
		t.Errorf("passed over %q and chose %q; want the hung tofu passed over and a build announced", choice.PassedOver, choice.CLI.Path)
	}
}
