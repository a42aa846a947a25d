package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
	for _, args := range [][]string{{"-addr", "0.0.0.0:0"}, {"-no-such-flag"}, {"extra"}, {"-world", "huge"}} {
		var stderr bytes.Buffer
		if err := run(context.Background(), args, io.Discard, &stderr); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

func TestRunServesUntilCancelled(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout bytes.Buffer
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
