// Package benchserve serves a provider the way the shipped main.go does, and on the way out
// leaves what the benchmark measures inside the provider process: its own CPU time and
// peak RSS and, when asked, CPU and allocation profiles. The CLI starts one provider process
// per graph walk and only the provider can see itself, so it reports rather than being
// watched from outside. Benchmark tooling only: the shipped binary has none of this.
package benchserve

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
)

const (
	// ReportDirEnv names a folder that receives one <name>-<pid>.json Report per process.
	ReportDirEnv = "BENCH_REPORT_DIR"
	// ProfileDirEnv names a folder that receives <name>-<pid>.cpu.pprof and .allocs.pprof.
	ProfileDirEnv = "BENCH_PROFILE_DIR"
)

// Report is one provider process's own resource use, from getrusage(RUSAGE_SELF) at exit.
type Report struct {
	Name      string        `json:"name"`
	PID       int           `json:"pid"`
	MaxRSSKiB int64         `json:"maxRssKiB"`
	User      time.Duration `json:"user"`
	Sys       time.Duration `json:"sys"`
}

// Serve serves p at address until the CLI shuts it down, then writes the report and the
// profiles that the environment asks for.
func Serve(name string, p func() provider.Provider, address string) error {
	profileDir := os.Getenv(ProfileDirEnv)
	stem := fmt.Sprintf("%s-%d", name, os.Getpid())
	if profileDir != "" {
		f, err := os.Create(filepath.Join(profileDir, stem+".cpu.pprof"))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}

	serveErr := providerserver.Serve(context.Background(), p, providerserver.ServeOpts{Address: address})

	if profileDir != "" {
		pprof.StopCPUProfile()
		if err := writeProfile("allocs", filepath.Join(profileDir, stem+".allocs.pprof")); err != nil {
			return err
		}
	}
	if dir := os.Getenv(ReportDirEnv); dir != "" {
		if err := writeReport(name, filepath.Join(dir, stem+".json")); err != nil {
			return err
		}
	}
	return serveErr
}

func writeProfile(kind, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	// The allocation profile counts what the last completed GC saw; collect to include
	// everything allocated up to now.
	runtime.GC()
	if err := pprof.Lookup(kind).WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeReport(name, path string) error {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	data, err := json.Marshal(Report{
		Name: name, PID: os.Getpid(), MaxRSSKiB: ru.Maxrss,
		User: time.Duration(ru.Utime.Nano()), Sys: time.Duration(ru.Stime.Nano()),
	})
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}
