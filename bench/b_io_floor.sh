#!/usr/bin/env bash
# The I/O floor: frames per second one core forwards between two DPDK net_ring ports
# through the stack's backend (rx_burst -> tx_burst, bursts of 32, zero copy). Median of
# 3 runs of 2 s. This is the ceiling any per-packet work is measured against.
set -euo pipefail
BUILD=$1
rates=()
for _ in 1 2 3; do
	rates+=("$("$BUILD/native/tools/bench_io_floor" 2 2>/dev/null | sed -n 's/.*: \([0-9]*\) frames\/s.*/\1/p')")
done
median=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p)
printf '%-28s %-16s %-14s %s\n' "I/O floor (DPDK net_ring)" "frames/s/core" "$median" "rx_burst+tx_burst through io_dpdk, median of 3"
