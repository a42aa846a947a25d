#!/usr/bin/env bash
# Checks every example with the real CLIs: `fmt -check`; `validate` with the local provider
# (dev_overrides) under each CLI that has what the example uses; and, since every example
# uses only this provider, an apply and destroy against the emulator. A list resource's
# example goes through the adoption it is for: `terraform query -generate-config-out`, an
# apply of what that wrote (imports only), an empty plan, a destroy.
# Usage: TOFU=<path> TERRAFORM=<path> TERRAFORM_LATEST=<path> examples.sh
#   TERRAFORM is Terraform 1.5.7, the oldest supported; TERRAFORM_LATEST is Terraform 1.16.4.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TOFU:?}" "${TERRAFORM:?}" "${TERRAFORM_LATEST:?}"

# The emulator's standard world (internal/emulator/world.go).
readonly acme_corp=6591739253089529
readonly acme_labs=7402850364190630

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
# The emulator prints its control token before it writes the ready file.
control_token=$(sed -n 's/^export PULSE_EMULATOR_TOKEN=//p' "$work/emulator.log")
[ -n "$control_token" ] || { echo "the emulator printed no control token" >&2; exit 1; }

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

declare -A cli=([tofu]="$TOFU" [terraform]="$TERRAFORM" [latest]="$TERRAFORM_LATEST")
declare -A cli_name=([tofu]="OpenTofu 1.12.6" [terraform]="Terraform 1.5.7" [latest]="Terraform 1.16.4")

# names CLI...: the CLIs' names, for the report.
names() {
	local c list=""
	for c in "$@"; do list+="${cli_name[$c]}, "; done
	printf '%s' "${list%, }"
}

# clis_for PATH: the CLIs that have everything the example at PATH (a folder, or an
# import-by-*.tf file) uses, as README's feature table gives them.
clis_for() {
	case "$1" in
	examples/list-resources/*) echo latest ;;                                     # terraform query: Terraform 1.14+
	examples/ephemeral-resources/* | */import-by-identity.tf) echo "tofu latest" ;; # ephemeral 1.10+/1.11+, identity 1.12+
	examples/adopting-keys) echo "tofu latest" ;;                                 # import blocks with for_each: 1.7+
	*) echo "tofu terraform latest" ;;
	esac
}

# add_key ACCOUNT DESCRIPTION PERMISSION: a key made outside Terraform, through the API as
# another administrator would, for an example that adopts keys.
add_key() {
	local token
	token=$(curl -fsS -H 'Content-Type: application/json' \
		-d "{\"apiKey\":\"$PULSE_API_KEY\",\"apiSecret\":\"$PULSE_API_SECRET\"}" "$PULSE_BASE_URL/auth/login" |
		sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
	curl -fsS -o /dev/null -H 'Content-Type: application/json' -H "Authorization: Bearer $token" -H "X-Account-ID: $1" \
		-d "{\"description\":\"$2\",\"flatPermissionsList\":[\"$3\"],\"expiresAt\":null}" "$PULSE_BASE_URL/apikeys"
}

# fixtures_for NAME: the keys an adoption example expects to find.
fixtures_for() {
	case "$1" in
	adopting-keys)
		add_key "$acme_labs" "legacy billing export" readData
		add_key "$acme_labs" "legacy etl" readApplications
		;;
	list-resources/pulse_api_key)
		add_key "$acme_corp" "reporting dashboard" readData
		add_key "$acme_labs" "ci-deployer" readApplications
		add_key "$acme_labs" "manual, not adopted" readData
		;;
	esac
}

# key_count ACCOUNT: how many keys the emulator holds on the account.
key_count() {
	curl -fsS -H "X-Emulator-Token: $control_token" "$PULSE_BASE_URL/_emulator/apikeys?accountId=$1" |
		sed -n 's/^{"count":\([0-9]*\),.*/\1/p'
}

# validate DIR CLIS...: `validate` in DIR under each CLI (query files too where there are some).
validate() {
	local dir=$1 c args
	shift
	for c in "$@"; do
		args=(-no-color)
		compgen -G "$dir/*.tfquery.hcl" >/dev/null && args+=(-query)
		(cd "$dir" && "${cli[$c]}" validate "${args[@]}" >"$work/validate.log" 2>&1) ||
			{ cat "$work/validate.log"; echo "FAIL validate (${cli_name[$c]}): ${dir#"$work"/examples/}" >&2; exit 1; }
	done
}

# run DIR CLI ARGS...: a CLI command in DIR, its output appended to the apply log.
run() {
	local dir=$1 c=$2
	shift 2
	(cd "$dir" && "${cli[$c]}" "$@" -no-color >>"$work/apply.log" 2>&1) ||
		{ cat "$work/apply.log"; echo "FAIL ${1} (${cli_name[$c]}): ${dir#"$work"/examples/}" >&2; exit 1; }
}

# adopt DIR CLI: an adoption's apply imports keys and writes nothing, and the plan after it
# is empty.
adopt() {
	local corp labs
	corp=$(key_count "$acme_corp") labs=$(key_count "$acme_labs")
	run "$1" "$2" apply -input=false -auto-approve
	grep -q "Resources: [1-9][0-9]* imported, 0 added, 0 changed, 0 destroyed" "$work/apply.log" ||
		{ cat "$work/apply.log"; echo "FAIL adoption: ${1#"$work"/examples/} imported nothing, or changed something" >&2; exit 1; }
	run "$1" "$2" plan -input=false -detailed-exitcode
	[ "$(key_count "$acme_corp")" = "$corp" ] && [ "$(key_count "$acme_labs")" = "$labs" ] ||
		{ echo "FAIL adoption: ${1#"$work"/examples/} changed the number of keys" >&2; exit 1; }
}

"$TERRAFORM_LATEST" fmt -check -recursive -diff examples

checked=0
while IFS= read -r dir; do
	name=${dir#examples/}
	copy="$work/examples/$name"
	mkdir -p "$copy"
	find "$dir" -maxdepth 1 \( -name '*.tf' -o -name '*.tfquery.hcl' \) ! -name 'import-by-*.tf' -exec cp {} "$copy"/ \;
	# Registry docs show a resource's example alone; the check adds the source address
	# that dev_overrides matches.
	if ! grep -qs required_providers "$copy"/*.tf; then
		cat >"$copy/_provider.tf" <<'HCL'
terraform {
  required_providers {
    pulse = { source = "registry.terraform.io/pulsecrm/pulse" }
  }
}
HCL
	fi
	read -ra clis <<<"$(clis_for "$dir")"
	validate "$copy" "${clis[@]}"

	# An import example joins the resource's example: validated, not applied, as it names
	# keys of the reader's account (the acceptance tests import by id and by identity).
	for import in "$dir"/import-by-*.tf; do
		[ -e "$import" ] || continue
		with_import="$copy.$(basename "$import" .tf)"
		mkdir -p "$with_import"
		cp "$copy"/*.tf "$import" "$with_import"/
		read -ra import_clis <<<"$(clis_for "$import")"
		validate "$with_import" "${import_clis[@]}"
		echo "ok   $name/$(basename "$import") (validate under $(names "${import_clis[@]}"))"
	done

	# Under every CLI that has what it uses; an adoption example finds its keys anew each
	# time, as the destroy before deleted them.
	for applier in "${clis[@]}"; do
		fixtures_for "$name"
		: >"$work/apply.log"
		case "$name" in
		list-resources/*)
			run "$copy" "$applier" query -generate-config-out=adopted.tf
			adopt "$copy" "$applier"
			run "$copy" "$applier" destroy -input=false -auto-approve
			rm "$copy/adopted.tf"
			;;
		adopting-keys)
			adopt "$copy" "$applier"
			run "$copy" "$applier" destroy -input=false -auto-approve
			;;
		*)
			run "$copy" "$applier" apply -input=false -auto-approve
			run "$copy" "$applier" destroy -input=false -auto-approve
			;;
		esac
	done
	case "$name" in
	list-resources/*) what="query -generate-config-out, apply (imports only), empty plan, destroy" ;;
	adopting-keys) what="apply (imports only), empty plan, destroy" ;;
	*) what="apply and destroy" ;;
	esac
	what="$what under $(names "${clis[@]}")"
	echo "ok   $name (fmt, validate, $what)"
	checked=$((checked + 1))
done < <(find examples \( -name '*.tf' -o -name '*.tfquery.hcl' \) -printf '%h\n' | sort -u)

echo "examples: $checked passed, 0 failed"
