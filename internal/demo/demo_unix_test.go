//go:build unix

package demo

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Ctrl-C in the middle of an apply stops the CLI and what it started (here a child that
// ignores the interrupt, as a provider does), stops the emulator and removes the temporary
// folder.
func TestRunInterruptedMidApply(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	// The fake CLI exits on SIGINT, as tofu and terraform do; the child it starts in the
	// background ignores SIGINT, as a script's background commands do.
	root, tmp := fakeWorld(t, `trap 'exit 130' INT; `+sleep+` 600 & echo $! > `+pidFile+`; wait`)
	// Under a shell that ignores SIGINT (a background job), children inherit the ignore.
	// Handling it here gives them the default back, as they have under make demo.
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt)
	defer signal.Stop(interrupts)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		stderr string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		_, stderr, err := runFake(ctx, t, root)
		done <- result{stderr, err}
	}()

	var child int
	for deadline := time.Now().Add(time.Minute); child == 0; {
		select {
		case r := <-done:
			t.Fatalf("the demo ended before the apply started: %v\n%s", r.err, r.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the apply did not start within a minute")
		}
		// Read until the whole pid is there: the script writes it after creating the file.
		if data, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(data), "\n") {
			if child, err = strconv.Atoi(strings.TrimSpace(string(data))); err != nil {
				t.Fatal(err)
			}
		}
	}
	cancel()
	r := <-done
	if !errors.Is(r.err, context.Canceled) {
		t.Errorf("the interrupted demo returned %v, want context.Canceled", r.err)
	}
	if !strings.Contains(r.stderr, "demo interrupted: stopped what it ran, removed "+tmp) {
		t.Errorf("stderr does not say the demo was interrupted and cleaned up:\n%s", r.stderr)
	}
	checkRemoved(t, tmp)
	// The kill is sent before Run returns; the bound only covers the child's reaping.
	for deadline := time.Now().Add(10 * time.Second); !gone(child); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(child, syscall.SIGKILL)
			t.Fatalf("the apply's child %d outlived the demo", child)
		}
	}
}

// gone reports whether a process has exited: it no longer exists, or it is a zombie
// waiting for its new parent to reap it.
func gone(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	_, after, _ := bytes.Cut(stat, []byte(") "))
	return len(after) > 0 && after[0] == 'Z'
}
