#!/usr/bin/env bash
# B1 short transactions: connect, 64-byte request, 64-byte response, close; 1K and 16K
# connections in flight. Figure: transactions per server core-second.
#
# Linux baseline: b1_epoll_server (one thread pinned to CPU 0) and b1_epoll_client (CPU 1)
# on loopback, inside a network namespace created per run (its own lo and sysctls:
# ip_local_port_range 1024-65535, tcp_tw_reuse 1, somaxconn and tcp_max_syn_backlog
# 65535; nothing global is changed) and deleted afterwards. The server listens on 16
# ports; it closes first, so TIME_WAIT stays on its side and the client's ephemeral ports
# never run out. Each run: 1 s warm-up, 4 s measured; server CPU = its scheduler run time
# (/proc/PID/schedstat). Median of 3 runs per connection count.
#
# mOS-NG: $TOOLS/bench_b1 --conns N [--seconds S] [--warmup W] runs two engines (server
# on CPU 0, client on CPU 1) over two DPDK net_ring ports wired back to back (zero copy,
# software checksums; see bench/src/b14_engines.h) and prints
#   RESULT bench=b1 impl=mos conns=N seconds=.. transactions=.. tps=.. server_cpu_s=..
#          tx_per_core_s=.. us_per_tx=.. cycles_per_tx=.. busy_cycles_per_tx=..
#          server_idle=.. client_cpu_s=.. errors=.. tsc_ghz=..
# (server_cpu_s: CPU time of the server engine's thread, which polls without sleeping;
# busy_cycles_per_tx counts only its loop iterations that had work). With
# --transactions N (instead of --seconds) both engines run alternately on one thread at
# a virtual time until N transactions completed, for callgrind counting the server's
# non-inlined loop iteration b1_server_poll. Its rows, the ratio to Linux and
# instructions per transaction are printed when the binary exists.
set -euo pipefail
BUILD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
TOOLS=$BUILD/native/tools
RUNS=${MOS_BENCH_RUNS:-3}
SECONDS_RUN=4
WORK=$(mktemp -d)
SERVER=""
cleanup() {
	kill_wait "$SERVER"
	ns_cleanup
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 16K client sockets + 16K accepted ones (in separate processes): ask for 65536 fds,
# settle for the hard limit (it must be above 16K + a few).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

USE_NS=1
NOTE_NS="loopback in a netns"
if ns_new "mosb1-probe-$$"; then
	ns_del "mosb1-probe-$$"
else
	USE_NS=0
	NOTE_NS="no netns: current namespace, default sysctls"
fi

# One Linux run; appends its RESULT line to $WORK/out (nothing on failure). Runs in this
# shell (not a subshell) so the EXIT trap knows the server and the namespace.
linux_run() { # conns
	local conns=$1 ns="mosb1-$$-$RANDOM" pre=()
	if [ "$USE_NS" = 1 ] && ns_new "$ns"; then
		pre=(ip netns exec "$ns")
		"${pre[@]}" sysctl -q -w net.ipv4.ip_local_port_range="1024 65535" \
			net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=65535 \
			net.ipv4.tcp_max_syn_backlog=65535 >/dev/null 2>&1 || true
	fi
	rm -f "$WORK/ready"
	"${pre[@]}" "$TOOLS/b1_epoll_server" --cpu 0 --ready "$WORK/ready" 2>/dev/null &
	SERVER=$!
	for _ in $(seq 100); do [ -s "$WORK/ready" ] && break; sleep 0.05; done
	timeout 30 "${pre[@]}" "$TOOLS/b1_epoll_client" --conns "$conns" --cpu 1 \
		--server-pid "$SERVER" --server-cpu 0 --warmup 1 --seconds "$SECONDS_RUN" \
		2>/dev/null | grep '^RESULT' >>"$WORK/out" || true
	kill_wait "$SERVER"
	SERVER=""
	[ ${#pre[@]} -gt 0 ] && ns_del "$ns"
	return 0
}

for conns in 1000 16000; do
	label=$([ "$conns" = 1000 ] && echo 1K || echo 16K)
	: >"$WORK/out"
	for _ in $(seq "$RUNS"); do
		linux_run "$conns"
	done
	mapfile -t lines <"$WORK/out"
	tpc=$(for l in "${lines[@]:-}"; do kv tx_per_core_s "$l"; done | median)
	tps=$(for l in "${lines[@]:-}"; do kv tps "$l"; done | median)
	us=$(for l in "${lines[@]:-}"; do kv us_per_tx "$l"; done | median)
	errs=$(for l in "${lines[@]:-}"; do kv errors "$l"; done | median)
	row "B1 Linux epoll, $label conns" "tx/server-core-s" "$(fmt_int "$tpc")" \
		"$NOTE_NS, server CPU0 / client CPU1, median of ${#lines[@]}: $(fmt_int "$tps") tx/s, $(fmt2 "$us") us server CPU/tx, errors $errs"
	if [ -x "$TOOLS/bench_b1" ]; then
		mlines=()
		for _ in $(seq "$RUNS"); do
			l=$(timeout 60 "$TOOLS/bench_b1" --conns "$conns" --seconds "$SECONDS_RUN" 2>/dev/null |
				grep '^RESULT' || true)
			[ -n "$l" ] && mlines+=("$l")
		done
		mtpc=$(for l in "${mlines[@]:-}"; do kv tx_per_core_s "$l"; done | median)
		mtps=$(for l in "${mlines[@]:-}"; do kv tps "$l"; done | median)
		mcyc=$(for l in "${mlines[@]:-}"; do kv cycles_per_tx "$l"; done | median)
		mbusy=$(for l in "${mlines[@]:-}"; do kv busy_cycles_per_tx "$l"; done | median)
		midle=$(for l in "${mlines[@]:-}"; do kv server_idle "$l"; done | median)
		mghz=$(for l in "${mlines[@]:-}"; do kv tsc_ghz "$l"; done | median)
		mbtpc=$(awk -v c="$mbusy" -v g="$mghz" 'BEGIN { if (c > 0) printf "%.0f", g * 1e9 / c; else print "-" }')
		merr=$(for l in "${mlines[@]:-}"; do kv errors "$l"; done | median)
		row "B1 mOS-NG, $label conns" "tx/server-core-s" "$(fmt_int "$mtpc")" \
			"two engines over DPDK net_ring ports, server CPU0 / client CPU1, median of ${#mlines[@]}: $(fmt_int "$mtps") tx/s, $(fmt_int "$mcyc") TSC cycles of server CPU per tx ($(fmt2 "$mghz") GHz TSC); server loop idle $(awk -v i="$midle" 'BEGIN { printf "%.0f", 100 * i }')% (waiting for the client), $(fmt_int "$mbusy") cycles/tx in iterations with work = $(fmt_int "$mbtpc") tx per busy server core-s; errors $merr"
		row "B1 mOS-NG / Linux, $label" "ratio" "$(ratio "$mtpc" "$tpc")" "target >= 10 (and >= 840K tx/server-core-s)"
		# instructions per transaction: callgrind counting b1_server_poll (the server
		# engine's loop iteration), difference of 2N and N transactions
		a=$(timeout 300 valgrind --tool=callgrind --toggle-collect=b1_server_poll \
			--callgrind-out-file=/dev/null "$TOOLS/bench_b1" --conns "$conns" --transactions 20000 2>&1 |
			sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
		b=$(timeout 300 valgrind --tool=callgrind --toggle-collect=b1_server_poll \
			--callgrind-out-file=/dev/null "$TOOLS/bench_b1" --conns "$conns" --transactions 40000 2>&1 |
			sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
		ipt="-"
		[ -n "$a" ] && [ -n "$b" ] && ipt=$(((b - a) / 20000))
		row "B1 mOS-NG, $label conns" "instr/tx" "$ipt" "callgrind, b1_server_poll inclusive, (40K - 20K transactions) / 20K"
	fi
done
