// Command pulse-emulator serves the Pulse API emulator on loopback, for trying the provider
// by hand (the getting-started guide) and for tools that drive it out of process.
//
// It prints the environment a provider needs to talk to it, and the run's control token
// (PULSE_EMULATOR_TOKEN, for the X-Emulator-Token header of the /_emulator/ routes); with
// -ready-file it then writes its base URL to a file, so that a script that waits for that file
// finds the token already printed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "pulse-emulator:", err)
		}
		os.Exit(2)
	}
}

// run serves until ctx ends, then shuts down gracefully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pulse-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8787", "loopback `host:port` to listen on (port 0 picks a free one)")
	ttl := fs.Duration("token-ttl", time.Hour, "session token lifetime, extended on every use")
	rate := fs.Float64("rate-limit", 0, "requests per second before answering 429 (0 = unlimited)")
	latency := fs.Duration("latency", 0, "delay added to every API request")
	readyFile := fs.String("ready-file", "", "write the base URL to this `path` once listening")
	world := fs.String("world", "small", "`small`: Acme Corp and Acme Labs, what the demo shows; large: the tests' world, with Globex and twelve Acme Region accounts")
	var v emulator.Variants
	fs.BoolVar(&v.KeyListBareArray, "key-list-bare-array", false, "GET /apikeys answers a bare array instead of the paginated wrapper")
	fs.BoolVar(&v.KeyPermissionObjects, "key-permission-objects", false, "key permissions are objects instead of names")
	fs.BoolVar(&v.FullAccountsInSession, "full-accounts-in-session", false, "the session lists full account objects instead of summaries")
	fs.BoolVar(&v.JWTTokens, "jwt-tokens", false, "issue JWT-shaped tokens instead of 64 hex characters")
	fs.BoolVar(&v.OmitExpiresAt, "omit-expires-at", false, "leave expiresAt out of the session payload")
	fs.BoolVar(&v.KeyListPaged, "key-list-paged", false, "the bare array honours page and limit; its end is an empty page")
	fs.IntVar(&v.PageCap, "page-cap", 0, "the largest page handed out, whatever limit is asked for (0 = 100)")
	fs.IntVar(&v.KeySessionRefusal, "key-session-refusal", 0, "refuse a key's session the PATCH and DELETE of other keys with this `status` (403 or 404)")
	fs.BoolVar(&v.KeySessionOwnAccount, "key-session-own-account", false, "scope a key's session to the key's own account")
	fs.BoolVar(&v.NoAccessNotFound, "no-access-not-found", false, "answer 404 instead of 403 for an account out of the caller's reach")
	fs.BoolVar(&v.AccountsLimitPaging, "accounts-limit-paging", false, "GET /accounts pages with limit/total/pageCount instead of pageSize/totalCount/totalPages")
	fs.StringVar(&v.KeyListField, "key-list-field", "", "the wrapper `field` holding the key list (default data)")
	fs.StringVar(&v.KeyPermissionField, "key-permission-field", "", "the `field` naming a permission in a permission object (default permission)")
	fs.IntVar(&v.KeyWriteEmptyStatus, "key-write-empty-status", 0, "answer a successful PATCH or DELETE of a key with this `status` (200 or 204) and no body")
	fs.BoolVar(&v.ErrorDetails, "error-details", false, "add dev_err_msg and status to error envelopes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := v.Check(); err != nil {
		return err
	}
	if err := checkLoopback(*addr); err != nil {
		return err
	}

	newWorld, ok := map[string]func(emulator.Options) *emulator.Server{"small": emulator.NewSmall, "large": emulator.NewSeeded}[*world]
	if !ok {
		return fmt.Errorf("-world %q: want small or large", *world)
	}
	s := newWorld(emulator.Options{TokenTTL: *ttl, Variants: v})
	s.SetRateLimit(*rate)
	s.SetLatency(*latency)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	baseURL := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(stderr, "pulse-emulator: ", 0)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	fmt.Fprintf(stdout, "Pulse emulator listening on %s (Ctrl-C to stop)\n", baseURL)
	fmt.Fprintf(stdout, "export PULSE_BASE_URL=%s PULSE_API_KEY=%s PULSE_API_SECRET=%s\n",
		baseURL, emulator.BootstrapAPIKey, emulator.BootstrapAPISecret)
	fmt.Fprintf(stdout, "export PULSE_EMULATOR_TOKEN=%s\n", s.ControlToken())
	if *readyFile != "" {
		if err := writeReadyFile(*readyFile, baseURL); err != nil {
			// Serve owns the listener now; closing the server closes it.
			srv.Close()
			return err
		}
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// checkLoopback refuses any address reachable from other machines: the emulator has a
// well-known key, and a control surface that hands out every secret it holds.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %q: the emulator listens on loopback only (127.0.0.1, ::1 or localhost)", addr)
	}
	return nil
}

// writeReadyFile writes the URL to a temporary file and renames it into place, so that a
// script waiting for the file never reads it half-written.
func writeReadyFile(path, baseURL string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".pulse-emulator-ready-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.WriteString(baseURL + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
