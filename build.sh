#!/usr/bin/env bash
# build.sh - set up, build, test, run and benchmark mOS-NG. build.ps1 has the same verbs.
#
#   ./build.sh run      build (setting up what is missing) and run the main job
#   ./build.sh test     build (setting up what is missing) and run every test
#
# Other verbs: setup, build, bench, bindings [--check], fuzz [SECONDS], format,
# format-check, clean, help.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$ROOT/build
NATIVE=$BUILD/native
ASAN=$BUILD/asan
NOUNITY=$BUILD/nounity
FUZZ=$BUILD/fuzz
BIN=$BUILD/bin
MOS=$BIN/mos
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Debian packages the build, the tests and the benchmarks need.
APT_PACKAGES=(
	build-essential cmake ninja-build pkg-config git ca-certificates python3
	dpdk-dev libpcap-dev libnuma-dev libbsd-dev
	clang-14 libclang1-14 libclang-common-14-dev libclang-rt-14-dev
	iproute2 nftables iputils-ping arping curl nginx-light wrk iperf3 libnids-dev
	valgrind
)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

missing_packages() {
	local p missing=()
	for p in "${APT_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	echo "${missing[@]:-}"
}

cmd_setup() {
	local missing
	missing=$(missing_packages)
	if [ -n "$missing" ]; then
		log "installing Debian packages: $missing"
		local sudo=""
		[ "$(id -u)" -eq 0 ] || sudo="sudo"
		$sudo apt-get update -q
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
	fi
	command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is not on PATH; install .NET 10 first"
	if [ ! -x "$ROOT/.tools/pwsh" ] && ! (cd "$ROOT" && dotnet tool list --local 2>/dev/null | grep -qi powershell); then
		log "restoring dotnet tools (PowerShell for build.ps1)"
	fi
	(cd "$ROOT" && dotnet tool restore >/dev/null)
}

# Setup only when something is missing, so `test` and `run` work on a fresh machine.
ensure_setup() {
	if [ -n "$(missing_packages)" ] || ! command -v cmake >/dev/null; then
		cmd_setup
	fi
}

configure() { # dir, extra cmake args...
	local dir=$1
	shift
	cmake -S "$ROOT/native" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
}

build_native() {
	log "native: configure and build ($NATIVE)"
	configure "$NATIVE"
	cmake --build "$NATIVE"
}

build_managed() {
	log "managed: build"
	dotnet build "$ROOT/mos-ng.slnx" -c Release -v q -nologo -p:MosNativeBuildDir="$NATIVE/" 
	log "managed: publish the NativeAOT mos executable ($MOS)"
	dotnet publish "$ROOT/managed/Mos.Host/Mos.Host.csproj" -c Release -r linux-x64 -v q -nologo \
		-p:MosNativeBuildDir="$NATIVE/" -o "$BIN"
}

cmd_build() {
	build_native
	build_managed
}

cmd_bindings() {
	local args=()
	[ "${1:-}" = "--check" ] && args+=(--check)
	dotnet run --project "$ROOT/bindings/Mos.Bindings.Generator" -c Release -v q -- --repo "$ROOT" "${args[@]}"
}

# --- test -------------------------------------------------------------------------------
PASSED=0
FAILED=0
count_ctest() { # log file
	local line
	line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -n 1 || true)
	if [ -z "$line" ]; then
		FAILED=$((FAILED + 1))
		return
	fi
	local failed total
	failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
	total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
	PASSED=$((PASSED + total - failed))
	FAILED=$((FAILED + failed))
}
count_dotnet() { # log file
	local p=0 f=0 line found=0
	while IFS= read -r line; do
		found=1
		p=$((p + $(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$line")))
		f=$((f + $(sed -nE 's/.*Failed: *([0-9]+).*/\1/p' <<<"$line")))
	done < <(grep -E '(Passed|Failed)!.*Failed: *[0-9]+, *Passed: *[0-9]+' "$1" || true)
	[ $found -eq 1 ] || f=$((f + 1))
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
}
check() { # name, command... : a build check counted as one test
	local name=$1
	shift
	log "check: $name"
	if "$@"; then
		PASSED=$((PASSED + 1))
	else
		log "check FAILED: $name"
		FAILED=$((FAILED + 1))
	fi
}

cmd_test() {
	local logs=$BUILD/logs
	mkdir -p "$logs"
	cmd_build
	log "C tests (unity build)"
	ctest --test-dir "$NATIVE" --output-on-failure -j2 2>&1 | tee "$logs/ctest.log" || true
	count_ctest "$logs/ctest.log"

	log "C tests under AddressSanitizer + UndefinedBehaviorSanitizer"
	configure "$ASAN" -DMOS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build "$ASAN"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --test-dir "$ASAN" --output-on-failure -j2 2>&1 | tee "$logs/ctest-asan.log" || true
	count_ctest "$logs/ctest-asan.log"

	check "non-unity build compiles" bash -c "cmake -S '$ROOT/native' -B '$NOUNITY' -G Ninja -DMOS_UNITY=OFF >/dev/null && cmake --build '$NOUNITY' >/dev/null"
	check "generated bindings are current" cmd_bindings --check
	check "C sources are clang-formatted" cmd_format_check
	check "build.ps1 knows the same verbs as build.sh" verbs_match
	check "build.ps1 build works (PowerShell 7 as a dotnet tool)" \
		bash -c "cd '$ROOT' && dotnet pwsh -NoProfile -File build.ps1 build >'$logs/build-ps1.log' 2>&1"

	log "C# tests"
	dotnet test "$ROOT/mos-ng.slnx" -c Release --no-build -v q -nologo \
		-p:MosNativeBuildDir="$NATIVE/" 2>&1 | tee "$logs/dotnet-test.log" || true
	count_dotnet "$logs/dotnet-test.log"

	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

VERBS="setup build test run bench bindings fuzz format format-check clean help"
verbs_match() {
	local ps
	ps=$(cd "$ROOT" && dotnet pwsh -NoProfile -File "$ROOT/build.ps1" verbs)
	[ "$ps" = "$VERBS" ] || { echo "build.ps1 verbs '$ps' != build.sh verbs '$VERBS'" >&2; return 1; }
}

# --- run --------------------------------------------------------------------------------
# The main job: replay the bundled capture (samples/, see samples/PROVENANCE.md) through the
# monitor apps and show what they found.
SAMPLE=$ROOT/samples/three-http-streams.pcap
FLOWDUMP=$BUILD/flowdump
cmd_run() {
	cmd_build
	log "mos version"
	"$MOS" version
	log "mos config check config/*.conf"
	"$MOS" config check "$ROOT"/config/*.conf
	log "mos midstat --pcap samples/three-http-streams.pcap --once (connections, final states)"
	"$MOS" midstat --pcap "$SAMPLE" --once
	log "mos flowdump --pcap samples/three-http-streams.pcap --out build/flowdump (reassembled streams)"
	"$MOS" flowdump --pcap "$SAMPLE" --out "$FLOWDUMP"
	log "build/flowdump/index.tsv"
	cat "$FLOWDUMP/index.tsv"
	log "build/flowdump: each stream file's first line (up to 100 characters)"
	local f
	for f in "$FLOWDUMP"/*.c2s "$FLOWDUMP"/*.s2c; do
		printf '%s: %s\n' "${f##*/}" "$(head -n 1 "$f" | tr -d '\r' | cut -c1-100)"
	done
}

cmd_bench() {
	cmd_build
	"$ROOT/bench/run.sh" "$BUILD"
}

cmd_fuzz() {
	local seconds=${1:-60}
	log "fuzz: libFuzzer build with clang-14 ($FUZZ)"
	CC=clang-14 configure "$FUZZ" -DMOS_FUZZ=ON -DMOS_WITH_DPDK=OFF -DCMAKE_BUILD_TYPE=Debug
	cmake --build "$FUZZ"
	local f name
	for f in "$FUZZ"/tests/fuzz_*; do
		name=${f##*/fuzz_}
		log "fuzz: $name for ${seconds}s"
		mkdir -p "$FUZZ/corpus/$name"
		"$f" -max_total_time="$seconds" "$FUZZ/corpus/$name" "$ROOT/tests/native/fuzz/corpus/$name"
	done
}

c_sources() { find "$ROOT/native" "$ROOT/tests/native" -name '*.[ch]' -not -path '*/build/*'; }
cmd_format() { c_sources | xargs clang-format -i; }
cmd_format_check() { c_sources | xargs clang-format --dry-run --Werror; }

cmd_clean() { rm -rf "$BUILD"; }

cmd_help() {
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
}

main() {
	local verb=${1:-help}
	[ $# -gt 0 ] && shift
	case "$verb" in
	setup) cmd_setup ;;
	build) ensure_setup && cmd_build ;;
	test) ensure_setup && cmd_test ;;
	run) ensure_setup && cmd_run ;;
	bench) ensure_setup && cmd_bench ;;
	bindings) cmd_bindings "$@" ;;
	fuzz) ensure_setup && cmd_fuzz "$@" ;;
	format) cmd_format ;;
	format-check) cmd_format_check ;;
	clean) cmd_clean ;;
	verbs) echo "$VERBS" ;;
	help | -h | --help) cmd_help ;;
	*) die "unknown verb '$verb' (try ./build.sh help)" ;;
	esac
}

main "$@"
