#!/usr/bin/env bash
# B4 one bulk flow with 1448-byte segments. Figure: Gbps per receiver core.
#
# Linux baseline: iperf3 on loopback inside a network namespace created for this script
# (deleted on exit), lo MTU set to 1500 there and iperf3 -M 1460, so the MSS is 1460 and,
# with the TCP timestamps Linux sends, every full segment carries 1448 bytes of payload
# (-M 1448 would make that 1436: Linux subtracts the 12 option bytes from the MSS). Receiver (iperf3 -s) pinned to CPU 0, sender (iperf3 -c)
# to CPU 1; 4 s measured after 1 s omitted (-O 1). Receiver CPU is iperf3's own figure
# for the server process (user + system over wall time; on this kernel it includes the
# softirq work run in its context) plus the run time of ksoftirqd/0 (softirq work
# deferred on the receiver's core); Gbps per receiver core = Gbps / receiver CPU. On
# loopback the data's receive-side protocol processing runs in the sender's softirq (the
# sender's transmit runs the loopback receive inline), so this flatters Linux and the
# ratio against it is conservative; the notes also give Gbps / (sender + receiver CPU),
# the other bound. Process CPU times are used, not per-core busy time, so other load on
# the machine does not count against Linux. Two rows: loopback as
# shipped (TSO/GSO on: segments cross lo as up to 64 KB GSO packets, the receiver pays
# per super-packet, like GRO on a NIC) - the baseline the target ratio uses - and with
# TSO/GSO off on lo (the receiver handles every 1448-byte segment, like-for-like with an
# engine that sees every segment). Median of 3 runs each.
#
# mOS-NG: $TOOLS/bench_b4 [--seconds S] runs one bulk flow at MSS 1448 between two
# engines over two DPDK net_ring ports wired back to back (receiver on CPU 0, sender on
# CPU 1; zero copy, software checksums; see bench/src/b14_engines.h) and prints
#   RESULT bench=b4 impl=mos mss=1448 seconds=.. gbps=.. receiver_cpu=.. gbps_per_core=..
#          sender_cpu=.. segments=.. cycles_per_segment=.. busy_cycles_per_segment=..
#          busy_gbps_per_core=.. sender_cycles_per_segment=.. rtx=..
# (receiver_cpu in cores: its thread's CPU time / wall time; it polls without sleeping,
# so it is 1.0 and gbps_per_core = gbps when the sender is the slower side; the busy_
# figures count only its loop iterations with work). Rows, the ratio to Linux and
# callgrind instructions per segment (--bytes N: both engines alternate on one thread
# until the receiver read N bytes) are printed when the binary exists.
set -euo pipefail
BUILD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
TOOLS=$BUILD/native/tools
RUNS=${MOS_BENCH_RUNS:-3}
WORK=$(mktemp -d)
SERVER=""
cleanup() {
	kill_wait "$SERVER"
	ns_cleanup
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! command -v iperf3 >/dev/null || ! command -v jq >/dev/null; then
	row "B4 Linux iperf3" "Gbps/recv core" "-" "iperf3 or jq missing (apt install iperf3 jq)"
	exit 0
fi
NS="mosb4-$$"
pre=()
NOTE="loopback netns, lo MTU 1500"
if ns_new "$NS"; then
	pre=(ip netns exec "$NS")
	"${pre[@]}" ip link set lo mtu 1500
else
	NOTE="no netns: host lo (MTU unchanged), -M 1460"
fi
PORT=5201

# ks_s CPU: run time of ksoftirqd/CPU in seconds (softirq work deferred on that core).
ks_s() {
	local p
	for p in /proc/[0-9]*; do
		if [ "$(cat "$p/comm" 2>/dev/null)" = "ksoftirqd/$1" ]; then
			awk '{ print $1 / 1e9 }' "$p/schedstat"
			return
		fi
	done
	echo 0
}

# One iperf3 run; appends "gbps receiver_cpu sender_cpu" to $WORK/out. Retries while the
# server is not listening yet, and up to 3 times on any other iperf3 error.
linux_run() {
	local attempt other=0 vals
	for attempt in $(seq 60); do
		"${pre[@]}" taskset -c 0 iperf3 -s -1 -p "$PORT" >/dev/null 2>&1 &
		SERVER=$!
		sleep 0.1
		k0=$(ks_s 0)
		k1=$(ks_s 1)
		t0=$(date +%s.%N)
		timeout 10 "${pre[@]}" taskset -c 1 iperf3 -c 127.0.0.1 -p "$PORT" -M 1460 -t 4 -O 1 -J \
			>"$WORK/run.json" 2>/dev/null || true
		t1=$(date +%s.%N)
		k0=$(awk -v a="$k0" -v b="$(ks_s 0)" -v t="$t0" -v u="$t1" 'BEGIN { print (b - a) / (u - t) }')
		k1=$(awk -v a="$k1" -v b="$(ks_s 1)" -v t="$t0" -v u="$t1" 'BEGIN { print (b - a) / (u - t) }')
		kill_wait "$SERVER"
		SERVER=""
		vals=$(jq -r --argjson k0 "$k0" --argjson k1 "$k1" \
			'select(.end.sum_received.bits_per_second != null) |
			[.end.sum_received.bits_per_second / 1e9,
			 .end.cpu_utilization_percent.remote_total / 100 + $k0,
			 .end.cpu_utilization_percent.host_total / 100 + $k1] | @tsv' "$WORK/run.json" 2>/dev/null || true)
		if [ -n "$vals" ]; then
			printf '%s\n' "$vals" >>"$WORK/out"
			return 0
		fi
		jq -r '.error // "no result"' "$WORK/run.json" 2>/dev/null >"$WORK/last_error" || true
		if ! grep -q 'unable to connect\|Connection refused' "$WORK/last_error"; then
			other=$((other + 1))
			[ "$other" -lt 3 ] || return 0
		fi
	done
}

for variant in gso nogso; do
	if [ "$variant" = nogso ]; then
		[ ${#pre[@]} -gt 0 ] || break # never change the host's lo
		"${pre[@]}" ethtool -K lo tso off gso off >/dev/null 2>&1 || break
		label="B4 Linux iperf3, no GSO"
		vnote="TSO/GSO off on lo: every 1448-byte segment handled"
	else
		label="B4 Linux iperf3"
		vnote="TSO/GSO on (loopback default)"
	fi
	: >"$WORK/out"
	for _ in $(seq "$RUNS"); do
		linux_run
	done
	n=$(wc -l <"$WORK/out")
	gbps=$(cut -f1 "$WORK/out" | median)
	rcpu=$(cut -f2 "$WORK/out" | median)
	scpu=$(cut -f3 "$WORK/out" | median)
	gpc=$(awk '$2 > 0 { print $1 / $2 }' "$WORK/out" | median)
	both=$(awk '$2 + $3 > 0 { print $1 / ($2 + $3) }' "$WORK/out" | median)
	[ "$variant" = gso ] && BASE_GPC=$gpc
	row "$label" "Gbps/recv core" "$(fmt2 "$gpc")" \
		"$NOTE, $vnote; recv CPU0 / send CPU1, median of $n: $(fmt2 "$gbps") Gbps, receiver $(fmt2 "$rcpu") cores, sender $(fmt2 "$scpu") cores; both ends $(fmt2 "$both") Gbps/core"
done

if [ -x "$TOOLS/bench_b4" ]; then
	: >"$WORK/mos"
	for _ in $(seq "$RUNS"); do
		timeout 60 "$TOOLS/bench_b4" --seconds 4 2>/dev/null | grep '^RESULT' >>"$WORK/mos" || true
	done
	mapfile -t mlines <"$WORK/mos"
	mgpc=$(for l in "${mlines[@]:-}"; do kv gbps_per_core "$l"; done | median)
	mgbps=$(for l in "${mlines[@]:-}"; do kv gbps "$l"; done | median)
	mcyc=$(for l in "${mlines[@]:-}"; do kv cycles_per_segment "$l"; done | median)
	mbusy=$(for l in "${mlines[@]:-}"; do kv busy_cycles_per_segment "$l"; done | median)
	mbgpc=$(for l in "${mlines[@]:-}"; do kv busy_gbps_per_core "$l"; done | median)
	mscyc=$(for l in "${mlines[@]:-}"; do kv sender_cycles_per_segment "$l"; done | median)
	mrtx=$(for l in "${mlines[@]:-}"; do kv rtx "$l"; done | median)
	row "B4 mOS-NG" "Gbps/recv core" "$(fmt2 "$mgpc")" \
		"one flow, MSS 1448, two engines over DPDK net_ring ports, recv CPU0 / send CPU1, median of ${#mlines[@]}: $(fmt2 "$mgbps") Gbps, $(fmt_int "$mcyc") TSC cycles of receiver CPU per segment; the receiver polls without sleeping and waits for the sender ($(fmt_int "$mscyc") cycles/segment): in its iterations with work $(fmt_int "$mbusy") cycles/segment = $(fmt2 "$mbgpc") Gbps per busy core; retransmissions $mrtx"
	row "B4 mOS-NG / Linux" "ratio" "$(ratio "$mgpc" "${BASE_GPC:--}")" "target >= 2 (and >= 25 Gbps/core)"
	# instructions per segment: callgrind counting b4_receiver_poll (the receiver's loop
	# iteration), difference of 100 MB and 50 MB moved
	a=$(timeout 300 valgrind --tool=callgrind --toggle-collect=b4_receiver_poll \
		--callgrind-out-file=/dev/null "$TOOLS/bench_b4" --bytes 50000000 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
	b=$(timeout 300 valgrind --tool=callgrind --toggle-collect=b4_receiver_poll \
		--callgrind-out-file=/dev/null "$TOOLS/bench_b4" --bytes 100000000 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
	ips="-"
	[ -n "$a" ] && [ -n "$b" ] && ips=$(((b - a) * 1448 / 50000000))
	row "B4 mOS-NG" "instr/segment" "$ips" "callgrind, b4_receiver_poll inclusive, (100 MB - 50 MB) / 1448 bytes; both copies (into the receive ring, out to the application) and the checksum included"
fi
