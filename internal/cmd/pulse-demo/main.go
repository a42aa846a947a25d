// Command pulse-demo is `make demo` (see package demo), run from within the repository.
// PULSE_DEMO_CLI names the CLI to use; otherwise it uses tofu or terraform from the PATH,
// and builds OpenTofu only when neither is there.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/pulsecrm/terraform-provider-pulse/internal/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A closed stdout (`make demo | head`) would otherwise kill the demo at its next line,
	// before it cleans up; received here, it makes that write fail, which stops the demo.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	root, err := os.Getwd()
	if err == nil {
		root, err = demo.FindRoot(root)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	err = demo.Run(ctx, demo.Options{
		Root:   root,
		Tools:  demo.BuildTool{Script: filepath.Join(root, "internal", "scripts", "build-tool.sh"), Progress: os.Stderr},
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Color:  isTerminal(os.Stdout),
	})
	switch {
	case errors.Is(err, context.Canceled):
		os.Exit(130)
	case err != nil:
		os.Exit(1)
	}
}

// isTerminal reports whether f is a character device, such as a terminal, rather than a
// file or a pipe.
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
