package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pulsecrm/terraform-provider-pulse/internal/devenv"
)

// BuildTool is the tool cache of internal/scripts/build-tool.sh.
type BuildTool struct {
	// Script is the path of build-tool.sh.
	Script string
	// Progress receives what the script says while it builds.
	Progress io.Writer
}

// Cached asks the script, which builds nothing when given -n, for the tool's pinned version
// and its path in the cache.
func (b BuildTool) Cached(ctx context.Context, tool string) (version, path string, err error) {
	var stdout, stderr bytes.Buffer
	cmd := devenv.Command(ctx, b.Script, "-n", tool)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// It exits 1 when the tool is not in the cache, which is an answer, not a failure.
	runErr := devenv.Run(ctx, cmd)
	version, path, ok := strings.Cut(strings.TrimSpace(stdout.String()), " ")
	if !ok {
		return "", "", fmt.Errorf("%s -n %s: %v %s", b.Script, tool, runErr, strings.TrimSpace(stderr.String()))
	}
	if info, err := os.Stat(path); runErr != nil || err != nil || !info.Mode().IsRegular() {
		path = ""
	}
	return version, path, nil
}

// Build runs the script, which builds the tool unless the cache has it, and returns the
// tool's path.
func (b BuildTool) Build(ctx context.Context, tool string) (string, error) {
	var stdout bytes.Buffer
	cmd := devenv.Command(ctx, b.Script, tool)
	cmd.Stdout, cmd.Stderr = &stdout, b.Progress
	if err := devenv.Run(ctx, cmd); err != nil {
		return "", fmt.Errorf("%s %s: %w", b.Script, tool, err)
	}
	return strings.TrimSpace(stdout.String()), nil
}
