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
#   it_stray_rsts PCAP             RSTs in PCAP except the one answer to the ACK of a FIN
#                                  sent twice (either side's, see below)
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
# the test fails, its captures, logs and outputs are kept in
# $SYNACK_BUILD/interop-failures/<test>/<UTC>-<pid>/ with result.txt (what failed), and the
# logs are printed (it_keep_evidence). Exits 77 (skipped) only when not root.
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

IT_FAIL=
IT_ERR=

fail() {
	IT_FAIL=$*
	echo "FAIL: $*" >&2
	exit 1
}

# A command that stops the test through set -e (not through fail) is recorded for
# result.txt: the last one wins, and only the exit matters.
trap 'IT_ERR="status $? at line $LINENO: $BASH_COMMAND"' ERR

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
	[ "$rc" -eq 0 ] || it_keep_evidence "$rc"
	ip netns del "$IT_NS" 2>/dev/null || true
	[ -z "$IT_NS2" ] || ip netns del "$IT_NS2" 2>/dev/null || true
	rm -rf "$IT_TMP"
	exit "$rc"
}
trap it_cleanup EXIT

# it_keep_evidence RC: a failed run's captures, logs, outputs and trace texts (every file
# in $IT_TMP but the payloads, *.bin) go to its own directory,
# $SYNACK_BUILD/interop-failures/<test>/<UTC time>-<pid>/, with result.txt saying what
# failed; the logs' tails are printed. `make check` lists the directories of its run.
# The newest 20 runs per test are kept (a test failing in a loop cannot fill the disk).
it_keep_evidence() {
	local rc=$1 base=${SYNACK_BUILD:-/tmp}/interop-failures/$IT_NAME keep f
	keep=$base/$(date -u +%Y%m%dT%H%M%SZ)-$$
	mkdir -p "$keep"
	find "$IT_TMP" -maxdepth 1 -type f ! -name '*.bin' -exec cp {} "$keep"/ \; 2>/dev/null || true
	{
		echo "test: $IT_NAME"
		echo "exit status: $rc"
		if [ -n "$IT_FAIL" ]; then
			echo "failed: $IT_FAIL"
		elif [ -n "$IT_ERR" ]; then
			echo "stopped by set -e: $IT_ERR"
		else
			echo "stopped without a FAIL message (a signal, or exit $rc)"
		fi
		echo "synack: $bin"
		echo "sanitized build: ${SYNACK_SANITIZED:-0}"
		echo "files: $(cd "$keep" && ls | grep -vx result.txt | tr '\n' ' ')"
	} >"$keep/result.txt"
	for f in "$IT_TMP"/*.log; do
		[ -f "$f" ] || continue
		echo "---- $(basename "$f") (last 40 lines)" >&2
		tail -n 40 "$f" >&2
	done
	ls -1d "$base"/*-* 2>/dev/null | sort | head -n -20 | xargs -r rm -rf
	echo "captures and logs kept in $keep (result.txt says what failed)" >&2
}

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

# it_stray_rsts PCAP: how many RSTs in PCAP are not explained by a FIN sent twice.
# When one side's last FIN goes out twice (its tail loss probe or RTO fired while the
# other side, or the machine, was slow: a loaded machine does that), the other side
# rightly acknowledges each copy (RFC 9293 §3.10.7.4: a duplicate gets an ACK). If the
# ACK of the first copy already closed the sender's connection (LAST-ACK, or CLOSING),
# the ACK of the second copy arrives for no connection and draws a RST (§3.10.7.1: for an
# ACK, <SEQ=SEG.ACK><CTL=RST>, no ACK bit). Both directions happen here: Linux answering
# synack's second ACK, and synack answering Linux's TIME-WAIT ACK of synack's duplicate
# FIN. So one RST is forgiven per extra copy of a FIN, and only that one: from the side
# that sent the FIN, flags [R] alone, seq exactly the FIN's sequence number + 1, after
# the second copy in the capture. Every other RST is counted. Reads `synack trace -S -t`
# (absolute sequence numbers: a RST without ACK prints them, a FIN with ACK would not).
it_stray_rsts() {
	"$bin" trace -S -t "$1" | awk '
	$1 == "IP" && $5 == "Flags" && match($0, /, seq [0-9]+(:[0-9]+)?,/) {
		f = $6
		gsub(/[][,]/, "", f)
		n = split(substr($0, RSTART + 6, RLENGTH - 7), r, ":")
		if (f ~ /F/) {
			fin = r[n] + 0    # a FIN is the sequence number after the data, if any
			if (++fins[$2 " " fin] > 1)
				allow[$2 " " ((fin + 1) % 4294967296)]++
		}
		if (f ~ /R/) {
			k = $2 " " (r[1] + 0)
			if (f == "R" && allow[k] > 0)
				allow[k]--
			else
				stray++
		}
	}
	END { print stray + 0 }'
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}
