# bench/lib.sh - helpers sourced by the bench/b_*.sh scripts (not a benchmark itself).
#
# Every benchmark program prints one line per run:
#   RESULT bench=<b1|b4|b5> impl=<linux|libnids|mos> key=value ...
# (values never contain spaces). The scripts collect the runs, take medians and print
# table rows in the format of bench/run.sh.

# kv KEY LINE: the value of KEY in a RESULT line (empty when absent).
kv() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n1
}

# median: the median of the numbers on stdin, one per line (mean of the two middle ones
# for an even count); "-" when there are none.
median() {
	sort -g | awk '{v[NR]=$1} END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print v[(NR+1)/2]; else printf "%.6g\n", (v[NR/2]+v[NR/2+1])/2 }'
}

# fmt_int N / fmt2 N: numbers for the table (integer with thousands separators / 2 decimals).
fmt_int() {
	case "$1" in -|"") echo "-" ;; *) printf "%.0f" "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' ;; esac
}
fmt2() {
	case "$1" in -|"") echo "-" ;; *) printf "%.2f" "$1" ;; esac
}

# ratio A B: A/B with two decimals, "-" when either is missing or B is 0.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}

row() {
	printf '%-28s %-16s %-14s %s\n' "$1" "$2" "$3" "$4"
}

# Network namespaces for the kernel baselines: their own lo and their own per-netns
# sysctls (port range, TIME_WAIT reuse, somaxconn), deleted again by ns_cleanup (call it
# from an EXIT trap). NS_OK=0 when namespaces are unavailable (no root or no
# CAP_SYS_ADMIN): the script then runs in the current namespace without touching
# sysctls and says so.
NS_LIST=()
ns_new() { # name -> creates it, lo up; returns 1 when impossible
	ip netns add "$1" 2>/dev/null || return 1
	NS_LIST+=("$1")
	ip netns exec "$1" ip link set lo up
}
ns_del() {
	ip netns del "$1" 2>/dev/null || true
}
ns_cleanup() {
	local n
	for n in "${NS_LIST[@]:-}"; do
		[ -n "$n" ] && ns_del "$n"
	done
}
ns_exec() { # name cmd... (runs cmd in the namespace, or here when name is empty)
	local n=$1
	shift
	if [ -n "$n" ]; then
		ip netns exec "$n" "$@"
	else
		"$@"
	fi
}

# kill_wait PID: stop a process this script started and reap it.
kill_wait() {
	[ -n "${1:-}" ] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
