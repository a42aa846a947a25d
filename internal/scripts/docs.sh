#!/usr/bin/env bash
# Generates docs/ with tfplugindocs, offline. tfplugindocs would otherwise look for (or
# download) a terraform binary; instead a real CLI reads the schema of a locally built
# provider and tfplugindocs renders from that file. The CLI is Terraform 1.16.4: the newest
# schema format, the one with list resources and resource identities, so that their pages
# and the identity import section are rendered too.
# Usage: TERRAFORM=<path to Terraform 1.16.4> docs.sh generate|check
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TERRAFORM:?TERRAFORM must name the Terraform 1.16.4 binary (make sets it)}"
mode="${1:-generate}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=0.0.1
plugin_dir="$work/plugins/registry.terraform.io/hashicorp/pulse/$version/$(go env GOOS)_$(go env GOARCH)"
mkdir -p "$plugin_dir" "$work/config"
go build -o "$plugin_dir/terraform-provider-pulse_v$version" .
cat >"$work/config/main.tf" <<'HCL'
terraform {
  required_providers {
    pulse = { source = "registry.terraform.io/hashicorp/pulse" }
  }
}
HCL
(
	cd "$work/config"
	export TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1
	"$TERRAFORM" init -backend=false -input=false -plugin-dir="$work/plugins" >/dev/null
	"$TERRAFORM" providers schema -json >"$work/schema.json"
)

render() {
	go tool tfplugindocs generate --provider-name pulse --rendered-provider-name Pulse \
		--providers-schema "$work/schema.json" "$@"
}

# validate logs every file it reads at DEBUG; only its findings matter.
validate() {
	go tool tfplugindocs validate --provider-name pulse --providers-schema "$work/schema.json" 2>&1 |
		{ grep -v -e '\[DEBUG\]' -e '^running ' || true; }
}

case "$mode" in
generate)
	render
	validate
	;;
check)
	# Rendered outside the checkout, so that a check never rewrites docs/, even when it fails.
	# tfplugindocs takes the output folder relative to the provider folder.
	render --rendered-website-dir "$(realpath --relative-to=. "$work/rendered")" >/dev/null
	validate
	if ! diff -ru docs "$work/rendered"; then
		echo "docs/ is out of date with the code: run 'make generate' and commit the result." >&2
		exit 1
	fi
	echo "docs/ is up to date"
	;;
*)
	echo "usage: $0 generate|check" >&2
	exit 2
	;;
esac
