#!/usr/bin/env bash
# The demo: the local Pulse emulator plus a real `tofu apply` of examples/quickstart.
# Leaves no process and no file behind.
# Usage: TOFU=<path> demo.sh   (make demo sets TOFU, building it on first use)
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TOFU:?TOFU must name the tofu binary (make sets it)}"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

work=$(mktemp -d)
emulator_pid=""
cleanup() {
	if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
		kill "$emulator_pid"
		wait "$emulator_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

step "building the provider and the emulator"
go build -o "$work/bin/terraform-provider-pulse" .
go build -o "$work/bin/pulse-emulator" ./internal/cmd/pulse-emulator

step "starting the Pulse emulator on a free loopback port"
"$work/bin/pulse-emulator" -addr 127.0.0.1:0 -ready-file "$work/url" >"$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 100); do
	[ -s "$work/url" ] && break
	kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log"; echo "the emulator did not start" >&2; exit 1; }
	sleep 0.1
done
[ -s "$work/url" ] || { echo "the emulator did not become ready" >&2; exit 1; }
base_url=$(cat "$work/url")
echo "emulator at $base_url"

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
export PULSE_BASE_URL="$base_url"
export PULSE_API_KEY=apiKey-emulatorbootstrap0000
export PULSE_API_SECRET=emulator-bootstrap-secret-0000000000000000000000

cp -r examples/quickstart "$work/quickstart"
cd "$work/quickstart"

step "tofu apply of examples/quickstart"
"$TOFU" apply -auto-approve -input=false

step "what the emulator served"
curl -fsS "$base_url/_emulator/stats"
echo

step "tofu destroy"
"$TOFU" destroy -auto-approve -input=false -no-color >/dev/null

step "done: emulator stopped, temporary files removed"
