package demo

import (
	"context"
	"os/exec"
	"time"
)

// stopWait is how long an interrupted command has to exit before it is killed.
const stopWait = 10 * time.Second

// command is exec.CommandContext for a child the demo stops, when ctx ends, as Ctrl-C
// would: interrupted, then killed if it has not exited within stopWait.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	ownProcessGroup(cmd)
	cmd.WaitDelay = stopWait
	return cmd
}

// runCommand runs cmd. When ctx ends first, it returns ctx's error, after cmd and whatever it
// started are gone.
func runCommand(ctx context.Context, cmd *exec.Cmd) error {
	err := cmd.Run()
	if ctx.Err() != nil {
		if cmd.Process != nil {
			killProcessGroup(cmd)
		}
		return ctx.Err()
	}
	return err
}
