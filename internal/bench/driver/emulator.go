package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// emulatorProc is a pulse-emulator process on a free loopback port, driven through its
// /_emulator/ control surface, whose requests it neither counts nor rate-limits.
type emulatorProc struct {
	cmd *exec.Cmd
	url string
	// token is the run's control token, which the emulator prints before it writes the
	// ready file.
	token string
}

var tokenLine = regexp.MustCompile(`(?m)^export PULSE_EMULATOR_TOKEN=(\S+)$`)

func startEmulator(ctx context.Context, bin, dir string, rateLimit float64) (*emulatorProc, error) {
	ready := filepath.Join(dir, "emulator.url")
	logFile, err := os.Create(filepath.Join(dir, "emulator.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "pulse-emulator"),
		"-addr", "127.0.0.1:0", "-ready-file", ready, "-rate-limit", fmt.Sprint(rateLimit))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	e := &emulatorProc{cmd: cmd}
	for range 100 {
		if data, err := os.ReadFile(ready); err == nil {
			e.url = strings.TrimSpace(string(data))
			out, err := os.ReadFile(logFile.Name())
			m := tokenLine.FindSubmatch(out)
			if err != nil || m == nil {
				e.stop()
				return nil, fmt.Errorf("the emulator printed no control token (see %s)", logFile.Name())
			}
			e.token = string(m[1])
			return e, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.stop()
	return nil, fmt.Errorf("the emulator did not write %s within 10s (see %s)", ready, logFile.Name())
}

func (e *emulatorProc) stop() {
	_ = e.cmd.Process.Signal(os.Interrupt)
	_ = e.cmd.Wait()
}

// control calls a control route with the run's token; a POST sends in as JSON ({} for nil),
// as the emulator requires.
func (e *emulatorProc) control(method, path string, in, out any) error {
	var body io.Reader
	if method == http.MethodPost && in == nil {
		in = struct{}{}
	}
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.url+"/_emulator/"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set(emulator.ControlTokenHeader, e.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s /_emulator/%s: %s: %s", method, path, resp.Status, data)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// seedKey is what a configuration needs to manage a seeded key without a diff.
type seedKey struct {
	ID          int64    `json:"id"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
}

// seed adds n keys to account and returns them as the emulator stores them.
func (e *emulatorProc) seed(account string, n int) ([]seedKey, error) {
	var seeded struct {
		IDs []int64 `json:"ids"`
	}
	if err := e.control(http.MethodPost, "seed-keys", map[string]any{"accountId": account, "n": n}, &seeded); err != nil {
		return nil, err
	}
	var all struct {
		APIKeys []seedKey `json:"apiKeys"`
	}
	if err := e.control(http.MethodGet, "apikeys?accountId="+account, nil, &all); err != nil {
		return nil, err
	}
	wanted := map[int64]bool{}
	for _, id := range seeded.IDs {
		wanted[id] = true
	}
	var keys []seedKey
	for _, k := range all.APIKeys {
		if wanted[k.ID] {
			keys = append(keys, k)
		}
	}
	if len(keys) != n {
		return nil, fmt.Errorf("seeded %d keys but found %d of them", n, len(keys))
	}
	return keys, nil
}

// accountKeys is how many keys the account holds: what a full listing pages through.
func (e *emulatorProc) accountKeys(account string) (int, error) {
	var all struct {
		Count int `json:"count"`
	}
	err := e.control(http.MethodGet, "apikeys?accountId="+account, nil, &all)
	return all.Count, err
}

func (e *emulatorProc) reset() error { return e.control(http.MethodPost, "reset", nil, nil) }

type stats struct {
	Counts map[string]int `json:"counts"`
	Logins int            `json:"logins"`
}

func (e *emulatorProc) stats() (stats, error) {
	var s stats
	err := e.control(http.MethodGet, "stats", nil, &s)
	return s, err
}

// rejected counts the requests the emulator's rate limit answered 429 since the last reset.
func (e *emulatorProc) rejected() (int, error) {
	var j struct {
		Entries []struct {
			Status int `json:"status"`
		} `json:"entries"`
	}
	if err := e.control(http.MethodGet, "journal", nil, &j); err != nil {
		return 0, err
	}
	n := 0
	for _, entry := range j.Entries {
		if entry.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n, nil
}
