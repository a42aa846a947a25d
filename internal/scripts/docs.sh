#!/bin/sh
# Generates docs/ with tfplugindocs, offline. tfplugindocs would otherwise look for (or
# download) a terraform binary; instead a real CLI reads the schema of a locally built
# provider and tfplugindocs renders from that file. The CLI is Terraform 1.16.4: the newest
# schema format, the one with list resources and resource identities, so that their pages
# and the identity import section are rendered too.
# Usage: TERRAFORM=<path to Terraform 1.16.4> docs.sh generate|check
set -eu
cd "$(dirname "$0")/../.."
: "${TERRAFORM:?TERRAFORM must name the Terraform 1.16.4 binary (make sets it)}"
mode="${1:-generate}"
case "$mode" in
generate | check) ;;
*)
	echo "usage: $0 generate|check" >&2
	exit 2
	;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/pulse-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT
work=$(cd "$work" && pwd -P)
trap 'exit 130' INT TERM

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

# validate logs every file it reads at DEBUG; only its findings matter. Its output goes
# through a file, not a pipe, so that its exit status is not lost.
validate() {
	status=0
	go tool tfplugindocs validate --provider-name pulse --providers-schema "$work/schema.json" \
		>"$work/validate.log" 2>&1 || status=$?
	grep -v -e '\[DEBUG\]' -e '^running ' "$work/validate.log" || true
	return "$status"
}

if [ "$mode" = generate ]; then
	render
	validate
	exit
fi

# Rendered outside the checkout, so that a check never rewrites docs/, even when it fails.
# tfplugindocs takes the output folder relative to the provider folder (here, the current
# one): up to the root, then down to the folder. One ".." per component of the current
# path, logical and physical alike, reaches the root either way; any more stay there.
up=$(printf '%s%s' "$(pwd -L)" "$(pwd -P)" | sed -e 's|[^/][^/]*|..|g' -e 's|^/||')
render --rendered-website-dir "$up$work/rendered" >/dev/null
validate
if ! diff -ru docs "$work/rendered"; then
	echo "docs/ is out of date with the code: run 'make generate' and commit the result." >&2
	exit 1
fi
echo "docs/ is up to date"
