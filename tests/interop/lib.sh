# lib.sh — sourced by tests/sh/interop_*.sh: synack on a TUN device in a fresh network
# namespace, Linux's own tools on the other side of the device.
#
#   it_ns_up [MTU]                 namespace $IT_NS with tun0, Linux at 10.9.0.1/24
#   it_ns2_up                      a second one, $IT_NS2, made the same way (for two runs
#                                  side by side that must not share Linux's counters)
#   it_start NAME ARGS...          runs `synack ARGS --pcap $IT_TMP/NAME.pcap` in the
#                                  namespace, stderr to $IT_TMP/NAME.log; sets IT_PID
#   it_wait_log NAME REGEX [S]     polls NAME.log until REGEX appears (S seconds, default 30)
#   it_stop PID [S]                SIGTERM, waits (bounded, default 20 s); returns the exit status
#   it_wait_exit PID [S]           waits (bounded, default 20 s) for PID to exit by itself
#   it_poll S CMD...               runs CMD every 50 ms until it succeeds; status 1 after S s
#   it_wait_listen PORT [S]        waits (bounded, default 30 s) for a Linux listener on PORT
#   it_wait_file FILE [S]          waits (bounded, default 30 s) until FILE exists
#   it_distinct FILE ERE           counts the lines of a `synack trace` text FILE matching
#                                  ERE once per source address.port and sequence number
#   it_stray_rsts FILE             RSTs in FILE except Linux's answers to ACKs of its own
#                                  FIN sent twice (see below)
#   it_in CMD...                   runs CMD in the namespace
#   it_sweep_stale                 deletes namespaces left by interop runs that were killed
#                                  (SIGKILL skips the trap): sk_<name>_<pid>[_2] whose pid
#                                  is not alive; it_ns_up runs it first
#   fail MSG                       prints FAIL and exits 1
#
# Timing: CI runs these tests two at a time on a loaded 2-core machine, next to the ASan
# build's. Any process here (synack, Linux's peer program, this shell) may be descheduled
# for tens or hundreds of ms. So every wait is a bounded poll with a generous bound (the
# bound only costs time when the test fails anyway), never a fixed sleep; and a segment
# that a timer can send twice (a retransmission, RFC 8985's tail loss probe on either
# side, a SYN retransmitted while the other side is slow) is counted by it_distinct, once
# per sequence number, when the test means "one FIN" or "one SYN".
# Everything happens inside the namespace, deleted on exit whatever happens (trap). When
# the test fails, every capture and log is kept in $SYNACK_BUILD/interop-failures/<test>/
# and the logs are printed. Exits 77 (skipped) only when not root.
set -euo pipefail
bin=${SYNACK_BIN:?SYNACK_BIN must name the synack tool}
srcdir=${SYNACK_SRC:?SYNACK_SRC must name the source tree}
IT_NAME=$(basename "$0" .sh)
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: $IT_NAME needs root (network namespaces, TUN devices)"
	exit 77
fi
IT_TMP=$(mktemp -d)
IT_NS=sk_${IT_NAME#interop_}_$$
IT_NS=${IT_NS:0:60}
IT_NS2=
IT_PIDS=()
IT_PID=

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

need() {
	for c; do
		command -v "$c" >/dev/null || fail "$c is not installed (scripts/install-deps.sh installs it)"
	done
}

it_cleanup() {
	local rc=$? p
	trap - EXIT
	for p in "${IT_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${IT_PIDS[@]}"; do
		for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
	if [ "$rc" -ne 0 ]; then
		local keep=${SYNACK_BUILD:-/tmp}/interop-failures/$IT_NAME
		mkdir -p "$keep"
		cp "$IT_TMP"/*.pcap "$IT_TMP"/*.log "$keep"/ 2>/dev/null || true
		for f in "$IT_TMP"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $(basename "$f") (last 40 lines)" >&2
			tail -n 40 "$f" >&2
		done
		echo "captures and logs kept in $keep" >&2
	fi
	ip netns del "$IT_NS" 2>/dev/null || true
	[ -z "$IT_NS2" ] || ip netns del "$IT_NS2" 2>/dev/null || true
	rm -rf "$IT_TMP"
	exit "$rc"
}
trap it_cleanup EXIT

it_sweep_stale() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		# IT_NS is sk_<name>_<pid>, IT_NS2 the same with _2 appended
		if [[ $ns =~ ^sk_.+_([0-9]+)_2$ ]] || [[ $ns =~ ^sk_.+_([0-9]+)$ ]]; then
			pid=${BASH_REMATCH[1]}
		else
			continue
		fi
		# a live run's namespace (its shell's pid is alive) is never touched
		kill -0 "$pid" 2>/dev/null && continue
		ip netns del "$ns" 2>/dev/null || true
	done
}

it_ns_up() {
	it_sweep_stale
	"$srcdir/scripts/netns.sh" up "$IT_NS" tun0 10.9.0.1/24 "${1:-}" ||
		fail "cannot create namespace $IT_NS"
}

it_ns2_up() {
	IT_NS2=${IT_NS:0:57}_2
	"$srcdir/scripts/netns.sh" up "$IT_NS2" tun0 10.9.0.1/24 ||
		fail "cannot create namespace $IT_NS2"
}

it_in() {
	ip netns exec "$IT_NS" "$@"
}

it_start() {
	local name=$1
	shift
	ip netns exec "$IT_NS" "$bin" "$@" --pcap "$IT_TMP/$name.pcap" \
		>"$IT_TMP/$name.out" 2>"$IT_TMP/$name.log" &
	IT_PID=$!
	IT_PIDS+=("$IT_PID")
}

# it_poll S CMD...: runs CMD until it succeeds (0), at least once, for at most S seconds of
# wall-clock time (not a count of sleeps: under load each try itself takes time).
it_poll() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.05
	done
}

it_wait_log() {
	local name=$1 re=$2 secs=${3:-30}
	it_poll "$secs" grep -Eq "$re" "$IT_TMP/$name.log" 2>/dev/null ||
		fail "$name: no line matching '$re' within ${secs}s"
}

is_gone() {
	! kill -0 "$1" 2>/dev/null
}

it_stop() {
	local pid=$1 secs=${2:-20} st=0
	kill -TERM "$pid" 2>/dev/null || true
	it_poll "$secs" is_gone "$pid" || fail "pid $pid did not exit within ${secs}s of SIGTERM"
	wait "$pid" || st=$?
	return "$st"
}

# it_wait_exit PID [S]: waits (bounded) for PID to exit on its own; returns its status
it_wait_exit() {
	local pid=$1 secs=${2:-20} st=0
	it_poll "$secs" is_gone "$pid" || fail "pid $pid did not exit within ${secs}s"
	wait "$pid" || st=$?
	return "$st"
}

has_listener() {
	it_in ss -ltnH "sport = :$1" | grep -q .
}

# it_wait_listen PORT [S]: bounded wait for a Linux listener on PORT in the namespace
it_wait_listen() {
	it_poll "${2:-30}" has_listener "$1" || fail "no Linux listener on port $1 within ${2:-30}s"
}

# it_wait_file FILE [S]: bounded wait until FILE exists (a server's "ready" file)
it_wait_file() {
	it_poll "${2:-30}" test -e "$1" || fail "not ready within ${2:-30}s: $1 does not exist"
}

# it_distinct FILE ERE: how many distinct segments (source address.port, sequence number
# or range) among the lines of FILE (`synack trace` text, with or without timestamps)
# that match ERE: a retransmission repeats both and is counted once.
it_distinct() {
	{ grep -E "$2" "$1" || true; } | sed -E 's/^(.* )?IP ([0-9.]+) .*, seq ([0-9:]+),.*/\2 \3/' | sort -u | wc -l
}

# it_stray_rsts FILE: the RSTs in FILE (`synack trace -t` text) other than Linux's answers
# to synack's ACKs of a FIN Linux sent more than once. When synack is descheduled long
# enough on a loaded machine for Linux to send its last FIN again (tail loss probe, RTO),
# synack rightly acknowledges both copies (RFC 9293 §3.10.7.4, a duplicate gets an ACK);
# if the first ACK already closed Linux's socket (LAST-ACK), the second draws Linux's RST
# (without ACK: it answers an ACK). Every other RST is counted.
it_stray_rsts() {
	local all linux fins distinct dups
	all=$(grep -c 'Flags \[R' "$1" || true)
	linux=$(grep -Ec '^IP 10\.9\.0\.1\.[0-9]+ > 10\.9\.0\.2\.[0-9]+: Flags \[R\],' "$1" || true)
	fins=$(grep -Ec '^IP 10\.9\.0\.1\.[0-9]+ > 10\.9\.0\.2\.[0-9]+: Flags \[F' "$1" || true)
	distinct=$(it_distinct "$1" '^IP 10\.9\.0\.1\.[0-9]+ > 10\.9\.0\.2\.[0-9]+: Flags \[F')
	dups=$((fins - distinct))
	echo $((all - (linux < dups ? linux : dups)))
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}
