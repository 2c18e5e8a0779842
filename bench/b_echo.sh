#!/usr/bin/env bash
# ICMP echo over the simulated link: the engine's cost per packet (receive from the sim
# port, parse, answer in place, transmit). Instructions come from callgrind counting only
# eng_ctx_poll, as the difference of two runs (so start-up cost cancels out); the rate is
# wall clock on this machine (noisy: median of 5).
set -euo pipefail
BUILD=$1
BIN=$BUILD/native/tools/bench_echo
cg() {
	valgrind --tool=callgrind --toggle-collect=eng_ctx_poll --callgrind-out-file=/dev/null \
		"$BIN" "$1" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a=$(cg 20000)
b=$(cg 40000)
ipp=$(( (b - a) / 20000 ))
rates=()
for _ in 1 2 3 4 5; do
	rates+=("$("$BIN" 2000000 | sed -n 's/.*rate \([0-9]*\).*/\1/p')")
done
median=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n 3p)
printf '%-28s %-16s %-14s %s\n' "echo over sim (engine)" "instr/packet" "$ipp" "callgrind, eng_ctx_poll inclusive (sim rx copy + parse + reply + sim tx)"
printf '%-28s %-16s %-14s %s\n' "echo over sim (engine)" "packets/s" "$median" "one core, median of 5, includes the peer's work"
