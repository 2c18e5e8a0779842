#!/usr/bin/env bash
# bench/run.sh BUILD_DIR - runs every benchmark of mOS-NG and prints one results table.
# Called by `./build.sh bench` after a build. Benchmarks land with the capabilities they
# measure (the engine's I/O floor and per-packet cost first); until then this says so.
set -euo pipefail
BUILD=${1:?usage: bench/run.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
shopt -s nullglob
benches=("$HERE"/b_*.sh)
if [ ${#benches[@]} -eq 0 ]; then
	echo "no benchmarks in this build yet: they arrive with the packet engine (see README, Benchmarks)"
	exit 0
fi
printf '%-28s %-16s %-14s %s\n' "benchmark" "metric" "value" "notes"
for b in "${benches[@]}"; do
	"$b" "$BUILD"
done
