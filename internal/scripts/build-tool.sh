#!/bin/sh
# Builds a tool the project needs (a Terraform-compatible CLI, the linter, the release tool) from
# the Go module proxy into a cache outside the checkout, so that a fresh clone needs no manual
# install and a warm machine rebuilds nothing. Progress goes to stderr; the binary's path to stdout.
# Usage: build-tool.sh [-n] tofu|terraform|golangci-lint|goreleaser
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
	echo "usage: $0 [-n] tofu|terraform|golangci-lint|goreleaser" >&2
	exit 2
	;;
esac

bin="$cache/$1-$version/$1"
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
