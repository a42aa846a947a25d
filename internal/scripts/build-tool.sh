#!/bin/sh
# Builds a tool the project needs (a Terraform-compatible CLI, the linter, the release tool) from
# the Go module proxy into a cache outside the checkout, so that a fresh clone needs no manual
# install and a warm machine rebuilds nothing. Progress goes to stderr; the binary's path to stdout.
# Usage: build-tool.sh [-n] tofu|terraform|terraform-latest|terraform-provider-time|golangci-lint|goreleaser
#   -n  builds nothing: prints the pinned version and the path the tool has in the cache, and
#       exits 0 if it is there, 1 if not (the demo asks before it says what it will do)
set -eu

dry_run=false
if [ "${1:-}" = -n ]; then
	dry_run=true
	shift
fi

cache="${PULSE_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-pulse/tools}"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modcacherw"

# name is the binary's file name, kept in <cache>/<name>-<version>/; patch, when set, is a
# function run in a writable copy of the module folder before the build.
name="${1:-}"
patch=""
case "${1:-}" in
tofu)
	module=github.com/opentofu/opentofu
	version=v1.12.6
	pkg=./cmd/tofu
	ldflags="-X github.com/opentofu/opentofu/version.dev=no"
	;;
terraform)
	module=github.com/hashicorp/terraform
	version=v1.5.7
	pkg=.
	ldflags=""
	;;
terraform-latest)
	# The newest Terraform, for what 1.5.7 lacks (identity, list resources and `terraform
	# query`, ephemeral resources). Cached in its own versioned folder as `terraform`.
	module=github.com/hashicorp/terraform
	version=v1.16.4
	pkg=.
	ldflags="-X github.com/hashicorp/terraform/version.dev=no"
	name=terraform
	patch=patch_terraform_backends
	;;
terraform-provider-time)
	# HashiCorp's time provider, for the test that keepers fed by time_rotating still rotate a
	# key; served to the CLI with dev_overrides beside pulse.
	module=github.com/hashicorp/terraform-provider-time
	version=v0.14.2
	pkg=.
	ldflags=""
	;;
golangci-lint)
	module=github.com/golangci/golangci-lint/v2
	version=v2.15.0
	pkg=./cmd/golangci-lint
	ldflags="-X main.version=${version#v}"
	;;
goreleaser)
	# The newest release that builds with this Go; later ones need a newer toolchain.
	module=github.com/goreleaser/goreleaser/v2
	version=v2.15.1
	pkg=.
	ldflags="-X main.version=${version#v} -X main.builtBy=build-tool.sh"
	;;
*)
	echo "usage: $0 [-n] tofu|terraform|terraform-latest|terraform-provider-time|golangci-lint|goreleaser" >&2
	exit 2
	;;
esac

# patch_terraform_backends makes Terraform v1.16.4 buildable from the module proxy's zip.
# Since v1.6 its go.mod replaces nine remote-state backends and internal/legacy with nested
# modules that the zip does not contain, so `go build` fails. The tests keep their state in
# local files, so the patch drops those ten modules and the nine backends' imports and entries
# in internal/backend/init/init.go; local, remote, http, inmem and cloud stay. The patch names
# every line it removes and stops if one is missing: a new version needs a new look.
patch_terraform_backends() {
	init=internal/backend/init/init.go
	go mod edit -dropreplace=github.com/hashicorp/terraform/internal/legacy \
		-droprequire=github.com/hashicorp/terraform/internal/legacy
	# backend folder, import alias, map key (Azure's key is "azurerm")
	for entry in azure:backendAzure:azurerm consul:backendConsul:consul cos:backendCos:cos gcs:backendGCS:gcs \
		kubernetes:backendKubernetes:kubernetes oss:backendOSS:oss pg:backendPg:pg s3:backendS3:s3 oci:backendOCI:oci; do
		backend=${entry%%:*}
		rest=${entry#*:}
		alias=${rest%%:*}
		key=${rest#*:}
		path=github.com/hashicorp/terraform/internal/backend/remote-state/$backend
		go mod edit -dropreplace="$path" -droprequire="$path"
		import_line="^[[:space:]]*$alias \"$path\"\$"
		entry_line="^[[:space:]]*\"$key\":[[:space:]]*func() backend.Backend { return $alias.New() },\$"
		if ! grep -q "$import_line" "$init" || ! grep -q "$entry_line" "$init"; then
			echo "error: $init has no import or entry of the $backend backend; the patch is for $version only" >&2
			return 1
		fi
		grep -v -e "$import_line" -e "$entry_line" "$init" >"$init.patched"
		mv "$init.patched" "$init"
	done
	gofmt -w "$init"
}

bin="$cache/$name-$version/$name"
if [ "$dry_run" = true ]; then
	echo "$version $bin"
	[ -x "$bin" ]
	exit
fi
if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

mkdir -p "$(dirname "$bin")"
echo "==> downloading $module@$version from the module proxy" >&2
# Outside any module, so that this project's go.mod does not take part.
scratch=$(mktemp -d)
dir=$(cd "$scratch" && go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
rmdir "$scratch"
if [ -z "$dir" ]; then
	echo "error: go mod download did not name a folder for $module@$version" >&2
	exit 1
fi

if [ -n "$patch" ]; then
	# The module cache is read-only by design: patch a copy, removed once the build is done.
	copy=$(mktemp -d)
	trap 'rm -rf "$copy"' EXIT
	cp -R "$dir/." "$copy"
	chmod -R u+w "$copy"
	dir=$copy
	echo "==> patching $module@$version ($patch)" >&2
	(cd "$dir" && "$patch")
fi

echo "==> building $1 $version (several minutes on a cold build cache)" >&2
start=$(date +%s)
# Its output goes to stderr: stdout is for the path alone, and a caller reading it must
# not wait on a build that outlives this script.
go build -C "$dir" -trimpath -ldflags "$ldflags" -o "$bin.tmp" "$pkg" >&2 &
build=$!
# A background command ignores Ctrl-C in a script: stop it with the script.
trap 'kill -INT "$build" 2>/dev/null; wait "$build"; rm -f "$bin.tmp"; exit 130' INT TERM
# Poll every second, so that a finished build is not kept waiting; report every 30 s.
next=30
while kill -0 "$build" 2>/dev/null; do
	sleep 1
	elapsed=$(($(date +%s) - start))
	if [ "$elapsed" -ge "$next" ] && kill -0 "$build" 2>/dev/null; then
		echo "    ... still building $1 (${elapsed}s)" >&2
		next=$((elapsed + 30))
	fi
done
wait "$build"
trap - INT TERM
mv "$bin.tmp" "$bin"
echo "==> built $1 in $(($(date +%s) - start))s: $bin" >&2
echo "$bin"
