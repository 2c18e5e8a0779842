#!/usr/bin/env bash
# B5 monitor reassembly: synthetic captures (gen_captures, seed 20261126) preloaded in
# memory and fed to a passive TCP reassembler whose callback reads (XXH64-hashes) every
# byte of both directions; every run must reproduce the generator's per-flow digests.
# Figures: Gbps and Mpps per core (frame bits and packets / thread CPU seconds), median of
# 3 runs, and callgrind instructions per packet (difference of runs over the first 100K
# and 50K packets, counting b5_feed_packet: one packet through the reassembler,
# callbacks included).
#
# Peer: libnids (nids_bench; settings in bench/src/nids_bench.c and bench/README.md).
# mOS-NG slot: $TOOLS/bench_b5 takes the same arguments as nids_bench (CAPTURE.pcap
# [--passes P] [--cpu N] [--max-packets N]), uses bench/src/b5_common.h for loading, the
# callback work and the RESULT line (impl=mos), and names its per-packet entry
# b5_feed_packet. Its rows and the ratios are printed when the binary exists.
#
# Captures go to $BUILD/bench/captures and are reused while their manifest matches
# (scale MOS_BENCH_B5_SCALE, default 0.3: 600 flows, 353 MB for inorder and reorder,
# 48 MB for small; each run feeds the capture MOS_BENCH_B5_PASSES times, default 5).
set -euo pipefail
BUILD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
TOOLS=$BUILD/native/tools
RUNS=${MOS_BENCH_RUNS:-3}
SCALE=${MOS_BENCH_B5_SCALE:-0.3}
PASSES=${MOS_BENCH_B5_PASSES:-5}
CAPS=$BUILD/bench/captures
CG_N=50000
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

if [ ! -x "$TOOLS/gen_captures" ]; then
	row "B5 captures" "-" "-" "gen_captures not built"
	exit 0
fi
if ! grep -q "^inorder seed=20261126 scale=$SCALE " "$CAPS/manifest" 2>/dev/null ||
	! grep -q "^gen_captures v1$" "$CAPS/manifest" 2>/dev/null ||
	[ "$(grep -c ' packets=' "$CAPS/manifest")" != 3 ]; then
	rm -rf "$CAPS"
	mkdir -p "$CAPS"
	if ! timeout 300 "$TOOLS/gen_captures" "$CAPS" --scale "$SCALE" >"$WORK/gen.log" 2>&1; then
		row "B5 captures" "-" "-" "gen_captures failed: $(tail -n1 "$WORK/gen.log")"
		rm -rf "$CAPS"
		exit 0
	fi
fi

# runs IMPL_BINARY CAPTURE [ARGS...]: RUNS runs, RESULT lines in $WORK/out.
runs() {
	local bin=$1 cap=$2
	shift 2
	: >"$WORK/out"
	: >"$WORK/err"
	for _ in $(seq "$RUNS"); do
		timeout 120 "$bin" "$CAPS/$cap.pcap" --passes "$PASSES" --cpu 1 "$@" 2>>"$WORK/err" |
			grep '^RESULT' >>"$WORK/out" || true
	done
}

# cg BINARY CAPTURE FUNCTION: callgrind instructions per packet in FUNCTION.
cg() {
	local a b np
	np=$(sed -n "s/^$2 .* packets=\([0-9]*\).*/\1/p" "$CAPS/manifest")
	if [ -z "$np" ] || [ "$np" -lt $((2 * CG_N)) ]; then
		echo "-"
		return
	fi
	a=$(timeout 300 valgrind --tool=callgrind --toggle-collect="$3" --callgrind-out-file=/dev/null \
		"$1" "$CAPS/$2.pcap" --max-packets "$CG_N" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
	b=$(timeout 300 valgrind --tool=callgrind --toggle-collect="$3" --callgrind-out-file=/dev/null \
		"$1" "$CAPS/$2.pcap" --max-packets $((2 * CG_N)) 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
	if [ -n "$a" ] && [ -n "$b" ]; then echo $(((b - a) / CG_N)); else echo "-"; fi
}

# summarize LABEL: prints the rows for the runs in $WORK/out; sets GBPS, MPPS.
summarize() {
	local label=$1 extra=${2:-} lines n ok floor
	mapfile -t lines <"$WORK/out"
	n=${#lines[@]}
	ok=$(for l in "${lines[@]:-}"; do kv digests "$l"; done | grep -c '^ok$' || true)
	GBPS=$(for l in "${lines[@]:-}"; do kv gbps "$l"; done | median)
	MPPS=$(for l in "${lines[@]:-}"; do kv mpps "$l"; done | median)
	floor=$(for l in "${lines[@]:-}"; do
		awk -v f="$(kv floor_cpu_seconds "$l")" -v c="$(kv cpu_seconds "$l")" \
			'BEGIN { if (c > 0 && f != "") printf "%.0f\n", 100 * f / c }'
	done | median)
	local verdict="digests ok in $ok/$n runs"
	if [ "$n" = 0 ] || [ "$ok" != "$n" ]; then
		verdict="DIGEST MISMATCH ($ok/$n runs ok: $(grep -m1 'b5:' "$WORK/err" 2>/dev/null || true))"
		GBPS="-"
		MPPS="-"
	fi
	row "$label" "Gbps/core" "$(fmt2 "$GBPS")" \
		"median of $n x $PASSES passes, $verdict, hashing alone ${floor}% of the CPU time$extra"
	row "$label" "Mpps/core" "$(fmt2 "$MPPS")" ""
}

declare -A NIDS_GBPS NIDS_MPPS FLOOR
if [ -x "$TOOLS/nids_bench" ]; then
	for cap in inorder reorder small; do
		runs "$TOOLS/nids_bench" "$cap"
		summarize "B5 libnids, $cap"
		NIDS_GBPS[$cap]=$GBPS
		NIDS_MPPS[$cap]=$MPPS
	done
	runs "$TOOLS/nids_bench" inorder --csum
	summarize "B5 libnids, inorder, csum" ", TCP checksums verified"
	for cap in inorder small; do
		ipp=$(cg "$TOOLS/nids_bench" "$cap" b5_feed_packet)
		fpp=$(cg "$TOOLS/nids_bench" "$cap" b5_callback_floor)
		FLOOR[$cap]=$fpp
		row "B5 libnids, $cap" "instr/packet" "$ipp" \
			"callgrind, b5_feed_packet inclusive; the hashing alone is $fpp (b5_callback_floor)"
	done
	line=$(head -n1 "$WORK/out")
	row "B5 libnids" "state B/conn" "$(kv state_bytes "$line")" \
		"sizeof(struct tcp_stream), without data buffers and hash slot"
else
	row "B5 libnids" "-" "-" "nids_bench not built (apt install libnids-dev, rebuild)"
fi

if [ -x "$TOOLS/bench_b5" ]; then
	for cap in inorder reorder small; do
		runs "$TOOLS/bench_b5" "$cap"
		summarize "B5 mOS-NG, $cap"
		row "B5 mOS-NG / libnids, $cap" "ratio per core" "$(ratio "$GBPS" "${NIDS_GBPS[$cap]:--}")" \
			"target >= 3 per core; >= 10 Gbps/core at 1448-byte segments"
	done
	for cap in inorder small; do
		row "B5 mOS-NG, $cap" "instr/packet" "$(cg "$TOOLS/bench_b5" "$cap" b5_feed_packet)" \
			"callgrind, b5_feed_packet inclusive, of which hashing ${FLOOR[$cap]:--} (target <= 300 per in-order segment, receive path, copy excluded)"
	done
	line=$(head -n1 "$WORK/out")
	row "B5 mOS-NG" "state B/conn" "$(kv state_bytes "$line")" "target <= 512 without buffers"
fi
