// Package demo is `make demo`: the Pulse emulator in this process and a real Terraform or
// OpenTofu CLI applying examples/quickstart with the provider built from the checkout. It
// hands a key's secret to a file as a secret manager would and proves it logs in, rotates
// that key, destroys everything, and scans every log and output for the credentials the
// emulator held or issued. Each step prints a `==>` line and checks its result.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/pulsecrm/terraform-provider-pulse/internal/devenv"
	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
	"github.com/pulsecrm/terraform-provider-pulse/internal/secretscan"
)

// rotation is the keeper value the rotation step applies.
const rotation = "2027-q1"

// Options configures Run.
type Options struct {
	// Root is the repository: the provider's main package and examples/quickstart.
	Root string
	// Tools finds or builds OpenTofu when the user has no CLI.
	Tools Tools
	// Stdout receives the narration, Stderr the reason of a failure.
	Stdout, Stderr io.Writer
	// Color makes the `==>` lines bold and a failure red.
	Color bool
}

// Run chooses a CLI (see ChooseCLI), building OpenTofu if it must, and runs the demo with
// it. Whether the demo passes, fails or is interrupted by ctx, it leaves no emulator, no
// process and no temporary file behind, and says so on Stderr when it did not pass. An
// interrupted demo returns ctx's error.
func Run(ctx context.Context, opts Options) error {
	// A narration nobody reads any more (`make demo | less`, quit early) stops the demo as
	// Ctrl-C would: its temporary folder holds secrets and must not outlive it.
	run, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	n := narrator{out: stopOnError{w: opts.Stdout, stop: stop}, color: opts.Color}
	work, err := runDemo(run, opts, n)
	if err == nil {
		return nil
	}
	cleaned := ""
	if work != "" {
		cleaned = ", removed " + work
	}
	if ctx.Err() != nil {
		fmt.Fprintf(opts.Stderr, "\n%sdemo interrupted: stopped what it ran%s%s\n", n.red(), cleaned, n.reset())
		return ctx.Err()
	}
	if run.Err() != nil {
		err = context.Cause(run)
	}
	fmt.Fprintf(opts.Stderr, "\n%sdemo FAILED: %s%s\n", n.red(), err, n.reset())
	if work != "" {
		fmt.Fprintf(opts.Stderr, "%s(stopped the emulator%s)%s\n", n.red(), cleaned, n.reset())
	}
	return err
}

// stopOnError is a writer that stops the demo when a write fails.
type stopOnError struct {
	w    io.Writer
	stop context.CancelCauseFunc
}

func (s stopOnError) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		s.stop(fmt.Errorf("writing the narration: %w", err))
	}
	return n, err
}

// runDemo is Run up to its report; it returns the temporary folder it made and removed, if any.
func runDemo(ctx context.Context, opts Options, n narrator) (string, error) {
	choice, err := ChooseCLI(ctx, opts.Tools)
	if err != nil {
		return "", err
	}
	n.step("%s", choice.Why)
	for _, p := range choice.PassedOver {
		n.say("passed over %s", p)
	}
	if choice.CLI.Path == "" {
		if choice.CLI.Path, err = opts.Tools.Build(ctx, "tofu"); err != nil {
			return "", err
		}
		n.say("built %s", choice.CLI.Path)
	}

	work, err := os.MkdirTemp("", "pulse-demo-")
	if err != nil {
		return "", err
	}
	d := &demo{
		ctx:      ctx,
		root:     opts.Root,
		cli:      choice.CLI,
		narrator: n,
		work:     work,
		bin:      filepath.Join(work, "bin"),
		logs:     filepath.Join(work, "logs"),
		private:  filepath.Join(work, "private"),
		config:   filepath.Join(work, "quickstart"),
	}
	err = d.run()
	if d.emu != nil {
		err = errors.Join(err, d.emu.Close())
	}
	return work, errors.Join(err, os.RemoveAll(work))
}

// demo is one run: the temporary folder, the emulator and the CLI's environment.
//
// Everything lives under work, removed at the end:
//
//	bin/         the provider, built from the checkout
//	logs/        every command's stdout and stderr, and every CLI command's TF_LOG trace:
//	             what the hygiene scan reads
//	private/     mode 0700: what is meant to hold secrets (the secret manager's files, the
//	             answers to the demo's own logins)
//	quickstart/  the configuration and its state (state holds secrets by design)
type demo struct {
	ctx  context.Context
	root string
	cli  CLI
	narrator
	work, bin, logs, private, config string

	emu *devenv.Emulator
	env []string
}

// key is a key in the quickstart's `keys` output.
type key struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	APIKey    string `json:"api_key"`
	LastFour  string `json:"last_four_of_secret"`
}

// What the demo shows of each command's output: the lines a person would look for.
var (
	applyLines   = regexp.MustCompile(`^ *# pulse_|^Plan:|: Read complete|: Creat`)
	rotateLines  = regexp.MustCompile(`^ *# pulse_|forces replacement|^Plan:|: Creat|: Destr|^Apply complete`)
	destroyLines = regexp.MustCompile(`^Plan:|: Destr|^Destroy complete`)
)

func (d *demo) run() error {
	for _, dir := range []string{d.bin, d.logs, d.private, d.config} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			return err
		}
	}

	d.step("building the provider")
	build := devenv.Command(d.ctx, "go", "build", "-o", filepath.Join(d.bin, "terraform-provider-pulse"), ".")
	build.Dir = d.root
	if _, err := d.runLogged("go-build", build); err != nil {
		return err
	}
	d.say("built into %s", d.bin)

	d.step("starting the Pulse emulator in this process, on a free loopback port")
	emu, err := devenv.StartEmulator(emulator.NewSmall(emulator.Options{}))
	if err != nil {
		return err
	}
	d.emu = emu
	corpBefore, labsBefore := len(emu.APIKeys(emulator.AccountAcmeCorp)), len(emu.APIKeys(emulator.AccountAcmeLabs))
	d.say("emulator at %s, with two accounts: Acme Corp (%s) and Acme Labs (%s)", emu.URL, emulator.AccountAcmeCorp, emulator.AccountAcmeLabs)
	d.say("keys before: %d on Acme Corp (the bootstrap key), %d on Acme Labs", corpBefore, labsBefore)

	// dev_overrides points the CLI at the provider just built: no registry, no init.
	cliConfig := filepath.Join(d.work, "cli.tfrc")
	if err := devenv.WriteCLIConfig(cliConfig, d.bin, devenv.ProviderSource); err != nil {
		return err
	}
	// The provider gets its credentials as a CI pipeline passes them, and as the docs
	// recommend for managing keys: the email and password of an administrator of both
	// accounts, which every Pulse build lets change any key (some refuse an API key's session
	// the keys but its own).
	d.env = devenv.CLIEnv(cliConfig,
		"PULSE_BASE_URL="+emu.URL, "PULSE_EMAIL="+emulator.AdminEmail, "PULSE_PASSWORD="+emulator.AdminPassword)
	if err := copyConfig(filepath.Join(d.root, "examples", "quickstart"), d.config); err != nil {
		return err
	}

	d.step("%s apply of examples/quickstart (TF_LOG=trace into %s)", d.cli.Name, d.logs)
	out, err := d.runCLI("apply", "apply", "-no-color", "-auto-approve", "-input=false")
	if err != nil {
		return err
	}
	if err := d.show("apply", afterOrMatching(out, "Apply complete", applyLines)); err != nil {
		return err
	}
	keys, err := d.readKeys("keys-1")
	if err != nil {
		return err
	}
	ci, old := keys["ci"], keys["reporting"]
	if ci.AccountID != emulator.AccountAcmeCorp {
		return fmt.Errorf("the ci key is on account %s, not Acme Corp", ci.AccountID)
	}
	if old.AccountID != emulator.AccountAcmeLabs {
		return fmt.Errorf("the reporting key is on account %s, not Acme Labs", old.AccountID)
	}
	if !d.keyExists(emulator.AccountAcmeCorp, ci.APIKey) {
		return fmt.Errorf("the emulator has no ci key %s on Acme Corp", ci.APIKey)
	}
	if !d.keyExists(emulator.AccountAcmeLabs, old.APIKey) {
		return fmt.Errorf("the emulator has no reporting key %s on Acme Labs", old.APIKey)
	}
	d.say("the emulator holds both keys: ci %s (id %s) on Acme Corp, reporting %s (id %s) on Acme Labs", ci.APIKey, ci.ID, old.APIKey, old.ID)

	d.step("a secret manager reads the reporting key's secret: %s output -raw into a 0600 file", d.cli.Name)
	secretFile := filepath.Join(d.private, "reporting-secret")
	oldSecret, err := d.readSecret("output-raw-1", secretFile)
	if err != nil {
		return err
	}
	d.say("$ %s output -raw reporting_api_secret > private/reporting-secret   (a file created with mode 0600)", d.cli.Name)
	if err := d.describeSecret(secretFile, oldSecret); err != nil {
		return err
	}
	if !strings.HasSuffix(oldSecret, old.LastFour) {
		return errors.New("the secret does not end in the key's last_four_of_secret")
	}
	email, err := d.login(old.APIKey, oldSecret, "login-1.json", http.StatusOK)
	if err != nil {
		return err
	}
	d.say("POST /auth/login with %s and that secret: HTTP 200, logged in as %s", old.APIKey, email)

	d.step("rotating the reporting key: %s apply -var rotation=%s (create_before_destroy)", d.cli.Name, rotation)
	out, err = d.runCLI("rotate", "apply", "-no-color", "-auto-approve", "-input=false", "-var", "rotation="+rotation)
	if err != nil {
		return err
	}
	if err := d.show("rotate", matching(out, rotateLines)); err != nil {
		return err
	}
	keys, err = d.readKeys("keys-2")
	if err != nil {
		return err
	}
	ciNow, rotated := keys["ci"], keys["reporting"]
	d.say("reporting: id %s -> %s, api_key %s -> %s, last_four_of_secret %s -> %s", old.ID, rotated.ID, old.APIKey, rotated.APIKey, old.LastFour, rotated.LastFour)
	d.say("ci:        id %s -> %s, last_four_of_secret %s -> %s", ci.ID, ciNow.ID, ci.LastFour, ciNow.LastFour)
	switch {
	case rotated.ID == old.ID:
		return errors.New("the reporting key kept its id")
	case rotated.LastFour == old.LastFour:
		return errors.New("the reporting key kept its secret's last four")
	case ciNow != ci:
		return errors.New("the ci key changed during the rotation")
	case d.keyExists(emulator.AccountAcmeLabs, old.APIKey):
		return errors.New("the old reporting key still exists")
	case !d.keyExists(emulator.AccountAcmeLabs, rotated.APIKey):
		return errors.New("the emulator has no new reporting key")
	}
	d.say("the old key is deleted, the new one exists, the ci key is untouched")

	d.step("the secret manager picks up the new secret")
	newFile := filepath.Join(d.private, "reporting-secret.new")
	newSecret, err := d.readSecret("output-raw-2", newFile)
	if err != nil {
		return err
	}
	if err := d.describeSecret(newFile, newSecret); err != nil {
		return err
	}
	if _, err := d.login(rotated.APIKey, newSecret, "login-2.json", http.StatusOK); err != nil {
		return err
	}
	d.say("POST /auth/login with the new key: HTTP 200")
	if _, err := d.login(old.APIKey, oldSecret, "login-3.json", http.StatusUnauthorized); err != nil {
		return err
	}
	d.say("POST /auth/login with the old key: HTTP 401 (a consumer still holding it must re-read)")
	if err := os.Rename(newFile, secretFile); err != nil {
		return err
	}

	d.step("%s destroy", d.cli.Name)
	out, err = d.runCLI("destroy", "destroy", "-no-color", "-auto-approve", "-input=false", "-var", "rotation="+rotation)
	if err != nil {
		return err
	}
	if err := d.show("destroy", matching(out, destroyLines)); err != nil {
		return err
	}
	for _, k := range []string{ci.APIKey, old.APIKey, rotated.APIKey} {
		if d.keyExists(emulator.AccountAcmeCorp, k) || d.keyExists(emulator.AccountAcmeLabs, k) {
			return fmt.Errorf("key %s still exists after the destroy", k)
		}
	}
	corpAfter, labsAfter := len(emu.APIKeys(emulator.AccountAcmeCorp)), len(emu.APIKeys(emulator.AccountAcmeLabs))
	if corpAfter != corpBefore || labsAfter != labsBefore {
		return fmt.Errorf("keys after the destroy: %d on Acme Corp, %d on Acme Labs (before: %d, %d)", corpAfter, labsAfter, corpBefore, labsBefore)
	}
	d.say("the emulator holds none of the demo's three keys: %d on Acme Corp, %d on Acme Labs, as before", corpAfter, labsAfter)

	d.step("what the emulator served")
	counts := emu.Counts()
	var served []string
	total := 0
	for _, route := range slices.Sorted(maps.Keys(counts)) {
		served = append(served, fmt.Sprintf("%s %d", route, counts[route]))
		total += counts[route]
	}
	d.say("%d requests: %s", total, strings.Join(served, ", "))
	d.say("%d logins, the demo's own three included", emu.Logins())

	if err := d.checkHygiene(); err != nil {
		return err
	}

	d.step("stopping the emulator and removing %s", d.work)
	if err := emu.Close(); err != nil {
		return err
	}
	if err := os.RemoveAll(d.work); err != nil {
		return err
	}
	if _, err := os.Stat(d.work); !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s is still there", d.work)
	}
	d.say("done: the emulator stopped, no temporary files")
	return nil
}

// checkHygiene scans every command's output and every TF_LOG trace for any credential the
// emulator held or issued, and for anything shaped like a session token.
func (d *demo) checkHygiene() error {
	d.step("secret hygiene: scanning every log and output for credentials")
	secrets := slices.Compact(slices.Sorted(slices.Values(d.emu.Secrets())))
	scanner := secretscan.Scanner{Secrets: secrets, Shapes: true}
	// The scan must be able to fail: it finds a key's secret in the secret manager's file,
	// and a session token in the answer to the demo's own login.
	for _, must := range []string{"reporting-secret", "login-1.json"} {
		res, err := scanner.Paths(filepath.Join(d.private, must))
		if err != nil {
			return err
		}
		if len(res.Findings) == 0 {
			return fmt.Errorf("the scan does not recognise the credential in private/%s", must)
		}
	}
	res, err := scanner.Paths(d.logs)
	if err != nil {
		return err
	}
	traces, err := filepath.Glob(filepath.Join(d.logs, "*.trace.log"))
	if err != nil {
		return err
	}
	// apply, keys-1, output-raw-1, rotate, keys-2, output-raw-2 and destroy.
	if len(traces) < 7 {
		return fmt.Errorf("expected a TF_LOG trace of each of the 7 %s commands, found %d", d.cli.Name, len(traces))
	}
	if len(res.Findings) > 0 {
		var where []string
		for _, f := range res.Findings {
			where = append(where, d.rel(f.Path)+" holds "+f.What)
		}
		return fmt.Errorf("a credential appears in the logs: %s", strings.Join(where, "; "))
	}
	d.say("looked for: the %d credentials the emulator held or issued (the bootstrap secret, the users'", len(secrets))
	d.say("passwords, the three keys' secrets, every session token it issued over %d logins),", d.emu.Logins())
	d.say("and anything shaped like a JWT or a bearer token")
	d.say("looked in: %d files, %d bytes: every command's stdout and stderr, and %d TF_LOG=trace logs", res.Files, res.Bytes, len(traces))
	d.say("found: none (checked first that the scan finds a key's secret and a session token where they belong)")
	return nil
}

// runCLI runs the CLI in the configuration's folder with TF_LOG=trace into
// logs/NAME.trace.log, and returns its stdout.
func (d *demo) runCLI(name string, args ...string) ([]byte, error) {
	return d.runLogged(name, d.cliCommand(name, args...))
}

func (d *demo) cliCommand(name string, args ...string) *exec.Cmd {
	cmd := devenv.Command(d.ctx, d.cli.Path, args...)
	cmd.Dir = d.config
	cmd.Env = append(slices.Clip(d.env), "TF_LOG=trace", "TF_LOG_PATH="+filepath.Join(d.logs, name+".trace.log"))
	return cmd
}

// runLogged runs cmd with stdout into logs/NAME.out and stderr into logs/NAME.err, and
// returns its stdout. On failure it shows both, once they are checked to hold no secret.
// The files are the command's own, not pipes, so that a child it leaves behind cannot keep
// the demo waiting for the end of its output.
func (d *demo) runLogged(name string, cmd *exec.Cmd) ([]byte, error) {
	outPath, errPath := filepath.Join(d.logs, name+".out"), filepath.Join(d.logs, name+".err")
	stdout, err := os.OpenFile(outPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	defer stdout.Close()
	stderr, err := os.OpenFile(errPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	defer stderr.Close()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	runErr := devenv.Run(d.ctx, cmd)
	if d.ctx.Err() != nil {
		return nil, runErr
	}
	out, err := os.ReadFile(outPath)
	if err != nil {
		return nil, err
	}
	if runErr == nil {
		return out, nil
	}
	errOut, err := os.ReadFile(errPath)
	if err != nil {
		return nil, err
	}
	if err := d.show(name+".out", out); err != nil {
		return nil, err
	}
	if err := d.show(name+".err", errOut); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("step %q failed (%v): %s %s", name, runErr, filepath.Base(cmd.Path), strings.Join(cmd.Args[1:], " "))
}

// readKeys reads the quickstart's `keys` output.
func (d *demo) readKeys(name string) (map[string]key, error) {
	out, err := d.runCLI(name, "output", "-no-color", "-json", "keys")
	if err != nil {
		return nil, err
	}
	var keys map[string]key
	if err := json.Unmarshal(out, &keys); err != nil {
		return nil, fmt.Errorf("the keys output is not the JSON object expected: %w", err)
	}
	for _, name := range []string{"ci", "reporting"} {
		if k := keys[name]; k.ID == "" || k.AccountID == "" || k.APIKey == "" || k.LastFour == "" {
			return nil, fmt.Errorf("the keys output lacks a field of %s: %+v", name, k)
		}
	}
	return keys, nil
}

// readSecret does what a secret manager does: `output -raw` straight into a file created
// with mode 0600. The secret goes to that file only, never to a log or the terminal; the
// demo keeps it in memory to log in with it.
func (d *demo) readSecret(name, path string) (string, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	defer f.Close()
	// The umask may have taken bits away, never added any; 0600 whatever it is.
	if err := f.Chmod(0o600); err != nil {
		return "", err
	}
	errPath := filepath.Join(d.logs, name+".err")
	stderr, err := os.OpenFile(errPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	defer stderr.Close()
	cmd := d.cliCommand(name, "output", "-no-color", "-raw", "reporting_api_secret")
	cmd.Stdout, cmd.Stderr = f, stderr
	if err := devenv.Run(d.ctx, cmd); err != nil {
		if d.ctx.Err() != nil {
			return "", err
		}
		errOut, readErr := os.ReadFile(errPath)
		if readErr != nil {
			return "", readErr
		}
		if showErr := d.show(name+".err", errOut); showErr != nil {
			return "", showErr
		}
		return "", fmt.Errorf("%s output -raw reporting_api_secret failed: %w", d.cli.Name, err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	secret, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if len(secret) < 4 {
		return "", fmt.Errorf("%s output -raw reporting_api_secret wrote %d characters", d.cli.Name, len(secret))
	}
	return string(secret), nil
}

// describeSecret says what a person may see of a secret file: its mode, the secret's
// length and last four characters.
func (d *demo) describeSecret(path, secret string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	d.say("mode %04o, %d characters, ending in ...%s", info.Mode().Perm(), len(secret), secret[len(secret)-4:])
	if info.Mode().Perm() != 0o600 {
		return fmt.Errorf("private/%s is mode %04o, not 0600", filepath.Base(path), info.Mode().Perm())
	}
	return nil
}

// login posts /auth/login with a key and its secret, checks the status, and returns the
// session's email. The answer holds a session token, so it goes to private/ANSWER, where the
// hygiene scan proves that it recognises one.
func (d *demo) login(apiKey, secret, answer string, want int) (string, error) {
	body, err := json.Marshal(map[string]string{"apiKey": apiKey, "apiSecret": secret})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, d.emu.URL+"/auth/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(d.private, answer), data, 0o600); err != nil {
		return "", err
	}
	if resp.StatusCode != want {
		return "", fmt.Errorf("POST /auth/login with %s answered %d, not %d", apiKey, resp.StatusCode, want)
	}
	var session struct {
		Email string `json:"email"`
	}
	if want == http.StatusOK {
		if err := json.Unmarshal(data, &session); err != nil {
			return "", fmt.Errorf("the login answer: %w", err)
		}
	}
	return session.Email, nil
}

// keyExists asks the emulator whether accountID holds the key.
func (d *demo) keyExists(accountID, apiKey string) bool {
	return slices.ContainsFunc(d.emu.APIKeys(accountID), func(k emulator.APIKey) bool { return k.APIKey == apiKey })
}

// show prints a command's output, indented, once it is checked to hold no secret.
func (d *demo) show(name string, data []byte) error {
	if found := (secretscan.Scanner{Secrets: d.secrets(), Shapes: true}).Bytes(name, data); len(found) > 0 {
		return fmt.Errorf("%s; not printing it", found[0])
	}
	for line := range strings.Lines(string(data)) {
		d.say("%s", strings.TrimRight(line, "\n"))
	}
	return nil
}

// secrets is every credential the emulator held or issued so far, or its fixed ones before
// the emulator runs.
func (d *demo) secrets() []string {
	if d.emu == nil {
		return []string{emulator.BootstrapAPISecret, emulator.AdminPassword}
	}
	return d.emu.Secrets()
}

func (d *demo) rel(path string) string {
	if rel, err := filepath.Rel(d.work, path); err == nil {
		return rel
	}
	return path
}

// matching keeps the lines of out that re matches.
func matching(out []byte, re *regexp.Regexp) []byte {
	var b bytes.Buffer
	for line := range strings.Lines(string(out)) {
		if re.MatchString(line) {
			b.WriteString(line)
		}
	}
	return b.Bytes()
}

// afterOrMatching keeps the lines of out that re matches, and every line from the first
// that starts with marker.
func afterOrMatching(out []byte, marker string, re *regexp.Regexp) []byte {
	var b bytes.Buffer
	tail := false
	for line := range strings.Lines(string(out)) {
		tail = tail || strings.HasPrefix(line, marker)
		if tail || re.MatchString(line) {
			b.WriteString(line)
		}
	}
	return b.Bytes()
}

// copyConfig copies the configuration files of src into dst: not a state or a .terraform
// folder that someone's own run left there.
func copyConfig(src, dst string) error {
	files, err := filepath.Glob(filepath.Join(src, "*.tf"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no .tf file in %s: run the demo from the repository (make demo)", src)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// narrator prints the demo's narration: a `==>` line per step, indented details.
type narrator struct {
	out   io.Writer
	color bool
}

func (n narrator) step(format string, args ...any) {
	bold, reset := "", ""
	if n.color {
		bold, reset = "\033[1m", "\033[0m"
	}
	fmt.Fprintf(n.out, "\n%s==> %s%s\n", bold, fmt.Sprintf(format, args...), reset)
}

func (n narrator) say(format string, args ...any) {
	fmt.Fprintf(n.out, "    %s\n", fmt.Sprintf(format, args...))
}

func (n narrator) red() string {
	if n.color {
		return "\033[1;31m"
	}
	return ""
}

func (n narrator) reset() string {
	if n.color {
		return "\033[0m"
	}
	return ""
}

// FindRoot returns the repository that holds dir: the nearest folder, dir or one above it,
// with a go.mod and examples/quickstart. The demo then runs the same from any folder of the
// checkout.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		_, modErr := os.Stat(filepath.Join(d, "go.mod"))
		_, quickErr := os.Stat(filepath.Join(d, "examples", "quickstart"))
		if modErr == nil && quickErr == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s is not in a checkout of terraform-provider-pulse: run the demo there (make demo)", dir)
		}
	}
}
