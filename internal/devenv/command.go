package devenv

import (
	"context"
	"os/exec"
	"time"
)

// stopWait is how long an interrupted command has to exit before it is killed.
const stopWait = 10 * time.Second

// Command is exec.CommandContext for a CLI, a build or a script that is stopped, when ctx
// ends, as Ctrl-C would stop it: interrupted, then killed if it has not exited within ten
// seconds. Run it with Run.
func Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	ownProcessGroup(cmd)
	cmd.WaitDelay = stopWait
	return cmd
}

// Run runs a Command made with ctx. When ctx ends first, it returns ctx's error, once cmd and
// whatever it started are gone.
func Run(ctx context.Context, cmd *exec.Cmd) error {
	err := cmd.Run()
	if ctx.Err() != nil {
		if cmd.Process != nil {
			killProcessGroup(cmd)
		}
		return ctx.Err()
	}
	return err
}
