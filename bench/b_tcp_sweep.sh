#!/usr/bin/env bash
# The wide TCP simulation sweep: tcp_sim_sweep over seeds 1..N (MOS_BENCH_SWEEP_SEEDS,
# default 10000; ctest runs the first 1000), loss up to 10 %, each seed one mixed
# scenario of two end-host engines over the sim link (loss, duplication, reordering,
# corruption, delay; bulk transfers or hundreds of short connections) with byte-exact
# delivery, every connection ending, pools full again and bounded retransmissions
# checked. Not a speed figure: every optimisation must keep it at zero failures. Prints
# the failing seeds (replay one with `tcp_sim_sweep SEED SEED -v`).
set -euo pipefail
BUILD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
BIN=$BUILD/native/tools/tcp_sim_sweep
SEEDS=${MOS_BENCH_SWEEP_SEEDS:-10000}
if [ ! -x "$BIN" ]; then
	row "TCP sim sweep" "failed seeds" "-" "tcp_sim_sweep not built"
	exit 0
fi
out=$(timeout 900 "$BIN" 1 "$SEEDS" 10 2>&1) || true
summary=$(printf '%s\n' "$out" | grep '^tcp_sim_sweep:' | tail -n1)
failed=$(printf '%s\n' "$summary" | sed -n 's/.*: \([0-9]*\) failed;.*/\1/p')
seeds=$(printf '%s\n' "$out" | sed -n 's/^FAIL seed \([0-9]*\):.*/\1/p' | head -n 20 | paste -sd, -)
if [ -z "$summary" ]; then
	row "TCP sim sweep, 1-$SEEDS" "failed seeds" "-" "no summary (timed out or crashed): $(printf '%s\n' "$out" | tail -n1)"
	exit 0
fi
note=$(printf '%s\n' "$summary" | sed 's/^tcp_sim_sweep: //')
row "TCP sim sweep, 1-$SEEDS" "failed seeds" "$failed" "$note${seeds:+; failing seeds: $seeds}"
