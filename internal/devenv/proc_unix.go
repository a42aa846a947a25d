//go:build unix

package devenv

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts cmd in a process group of its own and makes cancelling it send
// SIGINT to that group: what a terminal's Ctrl-C does, and what the CLIs handle best (tofu
// and terraform stop their providers and exit). The terminal's own Ctrl-C reaches only the
// caller, so the CLI is interrupted once, not twice (a second interrupt makes it abandon
// its providers).
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }
}

// killProcessGroup kills what is left of an interrupted command's group: a provider or a
// compiler that outlived the command that started it.
func killProcessGroup(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
