#!/bin/sh
# The scale benchmark (issue 5): plans of N managed keys with the real tofu against the
# emulator, next to the floor provider and terraform_data; a quota-bound apply with and
# without max_requests_per_second; a CPU and allocation profile of the provider. The
# figures go to stdout as Markdown and, with the workspaces, logs and profiles, to BENCH_OUT.
#
# Usage: TOFU=<path> bench.sh   (make bench sets TOFU)
#   BENCH_SIZES="100 500 1000"  numbers of keys to plan (BENCH_SIZES=100 for a quick run)
#   BENCH_REPEAT=5              plans per size and provider; the median is reported
#   BENCH_QUOTA_RPS=20          the emulator's quota for the apply; 0 skips it
#   BENCH_QUOTA_KEYS=200        keys that apply creates
#   BENCH_PROFILE=true          profile an extra plan of the largest size
#   BENCH_OUT=<dir>             where to keep everything (default: a new temporary folder)
set -eu
cd "$(dirname "$0")/../.."
: "${TOFU:?TOFU must name the tofu binary (make sets it)}"

out=${BENCH_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/pulse-bench.XXXXXX")}
mkdir -p "$out/bin"

echo "bench: building the providers and the driver into $out/bin" >&2
go build -o "$out/bin/terraform-provider-pulse" ./internal/bench/pulseprovider
go build -o "$out/bin/terraform-provider-floor" ./internal/bench/floorprovider
go build -o "$out/bin/bench-driver" ./internal/bench/driver

"$out/bin/bench-driver" \
	-tofu "$TOFU" -bin "$out/bin" -out "$out" \
	-sizes "${BENCH_SIZES:-100 500 1000}" \
	-repeat "${BENCH_REPEAT:-5}" \
	-quota-rps "${BENCH_QUOTA_RPS:-20}" \
	-quota-keys "${BENCH_QUOTA_KEYS:-200}" \
	-profile="${BENCH_PROFILE:-true}"

echo "bench: results in $out/results.md, with the workspaces, logs and profiles" >&2
