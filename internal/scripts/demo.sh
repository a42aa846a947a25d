#!/usr/bin/env bash
# The demo: the local Pulse emulator and a real `tofu apply` of examples/quickstart.
#
#  1. builds the provider and the emulator, starts the emulator on a free loopback port;
#  2. applies the quickstart: session and account data, two API keys on two accounts, and a
#     sensitive output holding one key's secret;
#  3. reads that secret as a secret manager would (`tofu output -raw` into a 0600 file) and
#     proves it logs in, without ever printing it;
#  4. rotates that key by changing its keeper (create_before_destroy): a new id and secret,
#     the old secret refused, the other key untouched;
#  5. destroys everything and asks the emulator that the demo's keys are gone;
#  6. checks secret hygiene: every tofu command ran with TF_LOG=trace into a file, and no
#     credential the emulator held or issued (the bootstrap secret, the keys' secrets, every
#     session token) appears in those logs or in any command's output;
#  7. stops the emulator and removes its temporary folder (also on failure, Ctrl-C or TERM).
#
# Usage: TOFU=<path> demo.sh   (make demo sets TOFU, building it on first use)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
: "${TOFU:?TOFU must name the tofu binary (make demo sets it)}"

# The emulator's standard world (internal/emulator/world.go): the admin's bootstrap key on
# Acme Corp, and the two accounts the admin may write keys on.
readonly bootstrap_key=apiKey-emulatorbootstrap0000
readonly bootstrap_secret=emulator-bootstrap-secret-0000000000000000000000
readonly acme_corp=6591739253089529
readonly acme_labs=7402850364190630
readonly rotation=2027-q1

if [ -t 1 ]; then bold=$'\033[1m' red=$'\033[1;31m' reset=$'\033[0m'; else bold="" red="" reset=""; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$reset"; }
say() { printf '    %s\n' "$*"; }
fail() {
	printf '\n%sdemo FAILED: %s%s\n' "$red" "$*" "$reset" >&2
	exit 1
}

command -v curl >/dev/null || fail "curl is needed to talk to the emulator's control endpoints"
[ -x "$TOFU" ] || fail "TOFU=$TOFU is not an executable"

# Everything lives under one temporary folder, removed on exit:
#   bin/      the provider and the emulator
#   logs/     every command's stdout and stderr, and every tofu command's TF_LOG trace: the
#             files the hygiene scan reads
#   private/  mode 0700: what is meant to hold secrets (the secret manager's files, the
#             emulator's list of credentials, the emulator's own output with its export line)
#   quickstart/  the configuration and its state (state holds secrets by design)
work=$(mktemp -d "${TMPDIR:-/tmp}/pulse-demo.XXXXXX")
logs="$work/logs"
private="$work/private"
mkdir -p "$work/bin" "$logs"
mkdir -m 700 "$private"
emulator_pid=""
child_pid=""

# stop_process PID: TERM, up to 10 s to exit gracefully, then KILL.
stop_process() {
	kill -0 "$1" 2>/dev/null || return 0
	kill -TERM "$1" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	[ -n "$child_pid" ] && stop_process "$child_pid"
	[ -n "$emulator_pid" ] && stop_process "$emulator_pid"
	cd "$root" || cd /
	rm -rf "$work"
	case "$rc" in
	0) ;;
	130 | 143) printf '\n%sdemo interrupted: stopped it and the emulator, removed %s%s\n' "$red" "$work" "$reset" >&2 ;;
	*) printf '%s(stopped the emulator and removed %s)%s\n' "$red" "$work" "$reset" >&2 ;;
	esac
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# emu PATH: GET an emulator control endpoint.
emu() { curl -fsS "$base_url$1"; }

# refresh_secrets: the list of every password, key secret and session token the emulator has
# held or issued (GET /_emulator/secrets, deleted keys and expired sessions included), one a
# line, in a 0600 file: what must never appear in a log or an output.
refresh_secrets() {
	(
		umask 077
		{
			printf '%s\n' "$bootstrap_secret"
			emu /_emulator/secrets
		} | grep -v '^$' | sort -u >"$private/secrets"
	) || fail "could not read the emulator's list of secrets"
}

# leaks FILE_OR_DIR...: names the files holding any secret of the list, or any string shaped
# like a session token that no mask hid (a JWT, or a bearer token); never the secret itself.
# A scan that cannot run names itself, so that it never passes for a clean one.
leaks() {
	local rc
	{
		rc=0
		grep -rlaF -f "$private/secrets" -- "$@" || rc=$?
		[ "$rc" -le 1 ] || echo "(the scan for known secrets failed: grep exit $rc)"
		rc=0
		grep -rlaE -e 'eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}' \
			-e '[Bb]earer [A-Za-z0-9._~+/=-]{16,}' -- "$@" || rc=$?
		[ "$rc" -le 1 ] || echo "(the scan for token shapes failed: grep exit $rc)"
	} | sort -u
}

# show FILE: prints a command's output, indented, after checking that it holds no secret.
show() {
	[ -s "$1" ] || return 0
	refresh_secrets
	local found
	found=$(leaks "$1")
	[ -z "$found" ] || fail "a secret appears in ${1#"$work"/}; not printing it"
	sed 's/^/    /' "$1"
}

# show_lines NAME AWK_CONDITION: shows the lines of logs/NAME.out that matter to the demo.
show_lines() {
	awk "$2" "$logs/$1.out" >"$logs/$1.summary"
	show "$logs/$1.summary"
}

# run NAME CMD...: runs CMD with TF_LOG=trace into logs/NAME.trace.log, stdout into
# logs/NAME.out and stderr into logs/NAME.err. CMD runs in the background so that Ctrl-C or
# TERM reaches the trap at once, which stops it. On failure it shows stderr and stops the demo.
run() {
	local name=$1 rc=0
	shift
	TF_LOG=trace TF_LOG_PATH="$logs/$name.trace.log" "$@" >"$logs/$name.out" 2>"$logs/$name.err" &
	child_pid=$!
	wait "$child_pid" || rc=$?
	child_pid=""
	if [ "$rc" -ne 0 ]; then
		show "$logs/$name.out"
		show "$logs/$name.err"
		fail "step '$name' failed (exit $rc): ${1##*/} ${*:2}"
	fi
}

# key_field NAME FIELD: a field of one key in the quickstart's `keys` output (flat JSON).
keys_json=""
key_field() {
	local object value
	object=$(printf '%s' "$keys_json" | sed -n "s/.*\"$1\":{\([^}]*\)}.*/\1/p")
	value=$(printf '%s' "$object" | sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p")
	[ -n "$value" ] || fail "the keys output has no $1.$2"
	printf '%s' "$value"
}
read_keys() {
	run "$1" "$TOFU" output -no-color -json keys
	keys_json=$(cat "$logs/$1.out")
}

# key_count ACCOUNT: how many keys the emulator holds on the account.
key_count() {
	local n
	n=$(emu "/_emulator/apikeys?accountId=$1" | sed -n 's/^{"count":\([0-9]*\),.*/\1/p')
	[ -n "$n" ] || fail "could not count the keys on account $1"
	printf '%s' "$n"
}
# key_exists ACCOUNT API_KEY
key_exists() {
	emu "/_emulator/apikeys?accountId=$1" | grep -qF "\"apiKey\":\"$2\""
}

# read_secret NAME FILE: what a secret manager does: `tofu output -raw` straight into a file
# created with mode 0600. The secret goes to that file only, never to a log or the terminal.
read_secret() {
	(umask 077 && : >"$2")
	TF_LOG=trace TF_LOG_PATH="$logs/$1.trace.log" "$TOFU" output -no-color -raw reporting_api_secret \
		>"$2" 2>"$logs/$1.err" || {
		show "$logs/$1.err"
		fail "tofu output -raw reporting_api_secret failed"
	}
	[ -s "$2" ] || fail "tofu output -raw reporting_api_secret was empty"
}

# file_mode FILE: the permission bits, on GNU and BSD stat.
file_mode() { stat -c '%a' "$1" 2>/dev/null || stat -f '%Lp' "$1"; }

# login_status API_KEY SECRET_FILE ANSWER: the HTTP status of POST /auth/login with that key.
# The body is written to a 0600 file and sent from it, so the secret is in no command line;
# the answer, which holds a session token, goes to private/ANSWER.
login_status() {
	local secret
	secret=$(cat "$2")
	(umask 077 && printf '{"apiKey":"%s","apiSecret":"%s"}' "$1" "$secret" >"$private/login.json")
	curl -sS -o "$private/$3" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @"$private/login.json" "$base_url/auth/login"
	rm -f "$private/login.json"
}

step "building the provider and the emulator"
go build -o "$work/bin/terraform-provider-pulse" .
go build -o "$work/bin/pulse-emulator" ./internal/cmd/pulse-emulator
say "built into $work/bin"

step "starting the Pulse emulator on a free loopback port"
# Its stdout prints an export line with the bootstrap secret, so it goes to private/.
"$work/bin/pulse-emulator" -addr 127.0.0.1:0 -ready-file "$work/url" >"$private/emulator.out" 2>&1 &
emulator_pid=$!
for _ in $(seq 100); do
	[ -s "$work/url" ] && break
	kill -0 "$emulator_pid" 2>/dev/null || fail "the emulator exited at start"
	sleep 0.1
done
[ -s "$work/url" ] || fail "the emulator did not become ready within 10 s"
base_url=$(cat "$work/url")
say "emulator at $base_url (pid $emulator_pid)"
corp_before=$(key_count "$acme_corp")
labs_before=$(key_count "$acme_labs")
say "keys before: $corp_before on Acme Corp ($acme_corp, the bootstrap key), $labs_before on Acme Labs ($acme_labs)"

# dev_overrides points the CLI at the provider just built; no registry, no init.
cat >"$work/cli.tfrc" <<HCL
provider_installation {
  dev_overrides {
    "registry.terraform.io/pulsecrm/pulse" = "$work/bin"
  }
  direct {}
}
HCL
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
# The provider's credentials, as a CI pipeline passes them: the emulator admin's bootstrap
# key, an administrator of both Acme Corp and Acme Labs.
export PULSE_BASE_URL="$base_url" PULSE_API_KEY="$bootstrap_key" PULSE_API_SECRET="$bootstrap_secret"

cp -r examples/quickstart "$work/quickstart"
cd "$work/quickstart"

step "tofu apply of examples/quickstart (TF_LOG=trace into $logs)"
run apply "$TOFU" apply -no-color -auto-approve -input=false
show_lines apply '/^Apply complete/ { tail = 1 } tail || /^ *# pulse_|^Plan:|: Read complete|: Creat/'
read_keys keys-1
ci_id=$(key_field ci id)
ci_key=$(key_field ci api_key)
ci_four=$(key_field ci last_four_of_secret)
old_id=$(key_field reporting id)
old_key=$(key_field reporting api_key)
old_four=$(key_field reporting last_four_of_secret)
[ "$(key_field ci account_id)" = "$acme_corp" ] || fail "the ci key is not on Acme Corp"
[ "$(key_field reporting account_id)" = "$acme_labs" ] || fail "the reporting key is not on Acme Labs"
key_exists "$acme_corp" "$ci_key" || fail "the emulator has no ci key $ci_key on Acme Corp"
key_exists "$acme_labs" "$old_key" || fail "the emulator has no reporting key $old_key on Acme Labs"
say "the emulator holds both keys: ci $ci_key (id $ci_id) on Acme Corp, reporting $old_key (id $old_id) on Acme Labs"

step "a secret manager reads the reporting key's secret: tofu output -raw into a 0600 file"
read_secret output-raw-1 "$private/reporting-secret"
say "\$ tofu output -raw reporting_api_secret > private/reporting-secret   (created with umask 077)"
say "mode $(file_mode "$private/reporting-secret"), $(wc -c <"$private/reporting-secret" | tr -d ' ') characters, ending in ...$(tail -c 4 "$private/reporting-secret")"
[ "$(file_mode "$private/reporting-secret")" = 600 ] || fail "the secret file is not mode 600"
[ "$(tail -c 4 "$private/reporting-secret")" = "$old_four" ] || fail "the secret does not end in last_four_of_secret"
status=$(login_status "$old_key" "$private/reporting-secret" login-1.json)
[ "$status" = 200 ] || fail "POST /auth/login with the reporting key answered $status, not 200"
say "POST /auth/login with $old_key and that secret: HTTP $status, $(sed -n 's/.*"email":"\([^"]*\)".*/logged in as \1/p' "$private/login-1.json")"

step "rotating the reporting key: tofu apply -var rotation=$rotation (create_before_destroy)"
run rotate "$TOFU" apply -no-color -auto-approve -input=false -var "rotation=$rotation"
show_lines rotate '/^ *# pulse_|forces replacement|^Plan:|: Creat|: Destr|^Apply complete/'
read_keys keys-2
new_id=$(key_field reporting id)
new_key=$(key_field reporting api_key)
new_four=$(key_field reporting last_four_of_secret)
say "reporting: id $old_id -> $new_id, api_key $old_key -> $new_key, last_four_of_secret $old_four -> $new_four"
say "ci:        id $ci_id -> $(key_field ci id), last_four_of_secret $ci_four -> $(key_field ci last_four_of_secret)"
[ "$new_id" != "$old_id" ] || fail "the reporting key kept its id"
[ "$new_four" != "$old_four" ] || fail "the reporting key kept its secret's last four"
if [ "$(key_field ci id)" != "$ci_id" ] || [ "$(key_field ci last_four_of_secret)" != "$ci_four" ]; then
	fail "the ci key changed during the rotation"
fi
if key_exists "$acme_labs" "$old_key"; then fail "the old reporting key still exists"; fi
key_exists "$acme_labs" "$new_key" || fail "the emulator has no new reporting key"
say "the old key is deleted, the new one exists, the ci key is untouched"

step "the secret manager picks up the new secret"
read_secret output-raw-2 "$private/reporting-secret.new"
say "mode $(file_mode "$private/reporting-secret.new"), $(wc -c <"$private/reporting-secret.new" | tr -d ' ') characters, ending in ...$(tail -c 4 "$private/reporting-secret.new")"
[ "$(file_mode "$private/reporting-secret.new")" = 600 ] || fail "the new secret file is not mode 600"
status=$(login_status "$new_key" "$private/reporting-secret.new" login-2.json)
[ "$status" = 200 ] || fail "POST /auth/login with the new key answered $status, not 200"
say "POST /auth/login with the new key: HTTP $status"
status=$(login_status "$old_key" "$private/reporting-secret" login-3.json)
[ "$status" = 401 ] || fail "POST /auth/login with the old key answered $status, not 401"
say "POST /auth/login with the old key: HTTP $status (a consumer still holding it must re-read)"
mv "$private/reporting-secret.new" "$private/reporting-secret"

step "tofu destroy"
run destroy "$TOFU" destroy -no-color -auto-approve -input=false -var "rotation=$rotation"
show_lines destroy '/^Plan:|: Destr|^Destroy complete/'
for key in "$ci_key" "$old_key" "$new_key"; do
	if key_exists "$acme_corp" "$key" || key_exists "$acme_labs" "$key"; then
		fail "key $key still exists after the destroy"
	fi
done
corp_after=$(key_count "$acme_corp")
labs_after=$(key_count "$acme_labs")
if [ "$corp_after" != "$corp_before" ] || [ "$labs_after" != "$labs_before" ]; then
	fail "keys after destroy: $corp_after on Acme Corp, $labs_after on Acme Labs (before: $corp_before, $labs_before)"
fi
say "GET /_emulator/apikeys: none of the demo's three keys is left; $corp_after on Acme Corp, $labs_after on Acme Labs, as before"

step "what the emulator served"
stats=$(emu /_emulator/stats)
say "$stats"
logins=$(printf '%s' "$stats" | sed -n 's/.*"logins":\([0-9]*\).*/\1/p')

step "secret hygiene: scanning every log and output for credentials"
refresh_secrets
# The scan must be able to fail: it finds a key's secret in the secret manager's file, and a
# session token in the answer to the demo's own login.
[ -n "$(leaks "$private/reporting-secret")" ] || fail "the scan does not recognise a key's secret"
[ -n "$(leaks "$private/login-1.json")" ] || fail "the scan does not recognise a session token"
files=$(find "$logs" -type f | wc -l | tr -d ' ')
traces=$(find "$logs" -type f -name '*.trace.log' | wc -l | tr -d ' ')
bytes=$(cat "$logs"/* | wc -c | tr -d ' ')
[ "$traces" -ge 7 ] || fail "expected a TF_LOG trace of every tofu command, found $traces"
found=$(leaks "$logs")
[ -z "$found" ] || fail "a credential appears in: $(printf '%s\n' "$found" | sed "s|^$work/||" | tr '\n' ' ')"
say "looked for: the $(wc -l <"$private/secrets" | tr -d ' ') credentials the emulator held or issued (the bootstrap secret,"
say "the users' passwords, the three keys' secrets, every session token it issued over $logins logins),"
say "and anything shaped like a JWT or a bearer token"
say "looked in: $files files, $bytes bytes: every command's stdout and stderr, and $traces TF_LOG=trace logs"
say "found: none (checked first that the scan finds a key's secret and a session token where they belong)"

step "stopping the emulator and removing $work"
stop_process "$emulator_pid"
kill -0 "$emulator_pid" 2>/dev/null && fail "the emulator (pid $emulator_pid) is still running"
emulator_pid=""
cd "$root"
rm -rf "$work"
[ ! -e "$work" ] || fail "$work is still there"
say "done: no emulator process, no temporary files"
