#!/usr/bin/env bash
# Checks every example with the real CLIs: `fmt -check`, `validate` with the local provider
# (dev_overrides), and, since every example uses only this provider, an apply and destroy
# against the emulator. Then every HCL snippet of the hand-written docs (templates/) that uses
# only this provider: `fmt -check` and `validate` under both CLIs. Files ending in .tofu hold
# what only OpenTofu reads (state encryption); Terraform ignores them.
# Usage: TOFU=<path> TERRAFORM=<path> examples.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TOFU:?}" "${TERRAFORM:?}"

work=$(mktemp -d)
emulator_pid=""
cleanup() {
	[ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/bin/terraform-provider-pulse" .
go build -o "$work/bin/pulse-emulator" ./internal/cmd/pulse-emulator
"$work/bin/pulse-emulator" -addr 127.0.0.1:0 -ready-file "$work/url" >"$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || { cat "$work/emulator.log"; echo "the emulator did not start" >&2; exit 1; }

cat >"$work/cli.tfrc" <<HCL
provider_installation {
  dev_overrides {
    "registry.terraform.io/pulsecrm/pulse" = "$work/bin"
  }
  direct {}
}
HCL
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export PULSE_BASE_URL
PULSE_BASE_URL=$(cat "$work/url")
export TF_VAR_pulse_api_key=apiKey-emulatorbootstrap0000
export TF_VAR_pulse_api_secret=emulator-bootstrap-secret-0000000000000000000000
export PULSE_API_KEY=$TF_VAR_pulse_api_key PULSE_API_SECRET=$TF_VAR_pulse_api_secret
# The OpenTofu encryption example's passphrase: a test value, as a pipeline would pass its own.
export TF_VAR_state_passphrase=examples-check-passphrase-0123456789

"$TOFU" fmt -check -recursive -diff examples

checked=0
while IFS= read -r dir; do
	name=${dir#examples/}
	copy="$work/examples/$name"
	mkdir -p "$copy"
	cp "$dir"/*.tf "$copy"/
	cp "$dir"/*.tofu "$copy"/ 2>/dev/null || true
	# Registry docs show a resource's example alone; the check adds the source address
	# that dev_overrides matches.
	if ! grep -q required_providers "$copy"/*.tf; then
		cat >"$copy/_provider.tf" <<'HCL'
terraform {
  required_providers {
    pulse = { source = "registry.terraform.io/pulsecrm/pulse" }
  }
}
HCL
	fi
	for cli in "$TOFU" "$TERRAFORM"; do
		(cd "$copy" && "$cli" validate -no-color >/dev/null) || { echo "FAIL validate ($cli): $name" >&2; exit 1; }
	done
	(cd "$copy" && "$TOFU" apply -auto-approve -input=false -no-color >"$work/apply.log" 2>&1 &&
		"$TOFU" destroy -auto-approve -input=false -no-color >>"$work/apply.log" 2>&1) ||
		{ cat "$work/apply.log"; echo "FAIL apply: $name" >&2; exit 1; }
	echo "ok   $name (fmt, validate under tofu and terraform, apply and destroy)"
	checked=$((checked + 1))
done < <(find examples -name '*.tf' -printf '%h\n' | sort -u)

echo "examples: $checked passed, 0 failed"

# The docs' snippets. Each ```terraform block of a template is checked alone, as a reader would
# paste it: what it refers to but does not declare (a variable, a pulse_* resource or data
# source from an earlier snippet) is declared for it by a stub beside it. Blocks that use
# another provider (vault_, aws_, time_rotating, ...) are listed as not checked.
snippets=0
skipped=()
for page in $(find templates -name '*.md.tmpl' | sort); do
	n=0
	while IFS= read -r -d '' block; do
		n=$((n + 1))
		name="$page#$n"
		types=$(grep -oE '^\s*(resource|data|ephemeral)\s+"[^"]+"' <<<"$block" | grep -oE '"[^"]+"' | tr -d '"' || true)
		refs=$(grep -oE '\b[a-z][a-z0-9]*_[a-z0-9_]+\.[a-z_][a-z0-9_-]*' <<<"$block" | cut -d. -f1 || true)
		foreign=$(printf '%s\n%s\n' "$types" "$refs" | grep -vE '^(pulse_.*|terraform_data|)$' || true)
		if [ -n "$foreign" ]; then
			skipped+=("$name")
			continue
		fi
		copy="$work/snippets/$n-$(basename "$page" .md.tmpl)"
		mkdir -p "$copy"
		printf '%s\n' "$block" >"$copy/snippet.tf"
		"$TOFU" fmt -check -diff "$copy/snippet.tf" >/dev/null || { "$TOFU" fmt -diff "$copy/snippet.tf" >&2; echo "FAIL fmt: $name" >&2; exit 1; }
		{
			grep -q required_providers <<<"$block" || printf 'terraform {\n  required_providers {\n    pulse = { source = "registry.terraform.io/pulsecrm/pulse" }\n  }\n}\n'
			for v in $(grep -oE 'var\.[a-z0-9_]+' <<<"$block" | cut -d. -f2 | sort -u); do
				grep -qE "^variable \"$v\"" <<<"$block" || printf 'variable "%s" {}\n' "$v"
			done
			for r in $(grep -oE '\b(data\.)?pulse_[a-z_]+\.[a-z0-9_-]+' <<<"$block" | sort -u); do
				kind=resource
				[[ $r == data.* ]] && kind=data && r=${r#data.}
				type=${r%%.*} label=${r#*.}
				grep -qE "^$kind \"$type\" \"$label\"" <<<"$block" && continue
				case "$kind $type" in
				"resource pulse_api_key") printf 'resource "pulse_api_key" "%s" {\n  description = "stub"\n  permissions = ["readData"]\n}\n' "$label" ;;
				"data pulse_api_key") printf 'data "pulse_api_key" "%s" {\n  id = "1"\n}\n' "$label" ;;
				data*) printf 'data "%s" "%s" {}\n' "$type" "$label" ;;
				*) echo "FAIL: $name refers to $r, which the check cannot declare" >&2; exit 1 ;;
				esac
			done
		} >"$copy/_stubs.tf"
		clis=("$TOFU" "$TERRAFORM")
		# Ephemeral variables are newer than Terraform 1.5.
		grep -qE '^\s*ephemeral\s*=' <<<"$block" && clis=("$TOFU")
		for cli in "${clis[@]}"; do
			(cd "$copy" && "$cli" validate -no-color >"$work/validate.log" 2>&1) ||
				{ cat "$copy"/*.tf "$work/validate.log"; echo "FAIL validate ($cli): $name" >&2; exit 1; }
		done
		snippets=$((snippets + 1))
	done < <(awk '/^```terraform$/ {on=1; buf=""; next} on && /^```$/ {on=0; printf "%s%c", buf, 0; next} on {buf = buf $0 "\n"}' "$page")
done
echo "docs: $snippets snippets passed fmt and validate; not checked (other providers): ${skipped[*]:-none}"
