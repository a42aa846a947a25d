package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:8787", true},
		{"127.0.0.2:0", true},
		{"[::1]:0", true},
		{"localhost:0", true},
		{":8787", false},
		{"0.0.0.0:8787", false},
		{"[::]:8787", false},
		{"10.1.2.3:8787", false},
		{"example.com:80", false},
		{"127.0.0.1", false},
	}
	for _, tt := range tests {
		if err := checkLoopback(tt.addr); (err == nil) != tt.ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-addr", "0.0.0.0:0"}, `-addr "0.0.0.0:0": the emulator listens on loopback only (127.0.0.1, ::1 or localhost)`},
		{[]string{"-no-such-flag"}, "flag provided but not defined: -no-such-flag"},
		{[]string{"extra"}, `unexpected arguments ["extra"]`},
		{[]string{"-key-session-refusal", "500"}, "keySessionRefusal 500 must be 0, 403 or 404"},
		{[]string{"-key-write-empty-status", "201"}, "keyWriteEmptyStatus 201 must be 0, 200 or 204"},
		{[]string{"-key-list-field", "a b"}, `keyListField "a b" must be a JSON field name (letters, digits, _)`},
		{[]string{"-world", "huge"}, "huge"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		err := run(context.Background(), tt.args, io.Discard, &stderr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}

// lockedBuffer is stdout shared by run and the test that reads it while run serves.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// controlStatus sends GET /_emulator/stats with the token (if any) to host (if any).
func controlStatus(t *testing.T, baseURL, host, token string) int {
	t.Helper()
	req, err := http.NewRequest("GET", baseURL+"/_emulator/stats", nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if token != "" {
		req.Header.Set(emulator.ControlTokenHeader, token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestRunServesUntilCancelled(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-ready-file", ready, "-key-list-bare-array", "-token-ttl", "5m"}, &stdout, io.Discard)
	}()

	var baseURL string
	for deadline := time.Now().Add(10 * time.Second); baseURL == ""; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the ready file never appeared")
		}
		if data, err := os.ReadFile(ready); err == nil {
			baseURL = strings.TrimSpace(string(data))
		}
	}

	// The token is printed before the ready file appears, and the control routes want it.
	token := regexp.MustCompile(`(?m)^export PULSE_EMULATOR_TOKEN=([0-9a-f]{48})$`).FindStringSubmatch(stdout.String())
	if token == nil {
		t.Fatalf("stdout %q prints no control token", stdout.String())
	}
	if got := controlStatus(t, baseURL, "", ""); got != http.StatusUnauthorized {
		t.Errorf("a control call without the token answered %d", got)
	}
	if got := controlStatus(t, baseURL, "attacker.example", token[1]); got != http.StatusForbidden {
		t.Errorf("a control call to a rebound Host answered %d", got)
	}
	if got := controlStatus(t, baseURL, "", token[1]); got != http.StatusOK {
		t.Errorf("a control call with the token answered %d", got)
	}

	body := `{"apiKey":"` + emulator.BootstrapAPIKey + `","apiSecret":"` + emulator.BootstrapAPISecret + `"}`
	resp, err := http.Post(baseURL+"/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var session struct{ Token string }
	err = json.NewDecoder(resp.Body).Decode(&session)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	req, err := http.NewRequest("GET", baseURL+"/apikeys", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+session.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var keys []map[string]any
	err = json.NewDecoder(resp.Body).Decode(&keys)
	resp.Body.Close()
	if err != nil || len(keys) != 1 {
		t.Errorf("the -key-list-bare-array flag was not honoured: %v %v", keys, err)
	}

	// The default world is the small one: the two accounts the demo and the guide show.
	req, err = http.NewRequest("GET", baseURL+"/accounts", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+session.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var accounts struct{ TotalCount int }
	err = json.NewDecoder(resp.Body).Decode(&accounts)
	resp.Body.Close()
	if err != nil || accounts.TotalCount != 2 {
		t.Errorf("the default world has %d accounts (%v), want 2", accounts.TotalCount, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
	wantExport := "export PULSE_BASE_URL=" + baseURL + " PULSE_API_KEY=" + emulator.BootstrapAPIKey +
		" PULSE_API_SECRET=" + emulator.BootstrapAPISecret + "\n"
	if !strings.Contains(stdout.String(), wantExport) {
		t.Errorf("stdout %q lacks %q", stdout.String(), wantExport)
	}
	if resp, err := http.Get(baseURL + "/_emulator/stats"); err == nil {
		resp.Body.Close()
		t.Error("still serving after shutdown")
	}
}
