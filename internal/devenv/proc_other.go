//go:build !unix

package devenv

import "os/exec"

// ownProcessGroup leaves cmd as it is: without process groups, cancelling kills the command.
func ownProcessGroup(*exec.Cmd) {}

func killProcessGroup(*exec.Cmd) {}
