#!/usr/bin/env bash
# synack as the client of 100 parallel connections (`synack load`, one process, one
# stack) against Linux servers in a namespace:
#   socat echo (fork, EXEC:cat, backlog 256, -t 60): 100 connections opened at once (the first
#       100 packets synack sends are 100 SYNs from 100 distinct ports in the ephemeral
#       range), 64 KiB each way per connection, every echoed byte compared by synack
#       load with the payload it sent; 100 connections accepted by socat; none left on
#       Linux's side afterwards (synack closes first);
#   a Python server (tests/interop/multi_server.py, a thread per connection) that hashes
#       what each connection sent and answers "got N bytes sha256 H": synack load checks
#       each answer, and the 100 hashes Linux logged equal the 100 computed here from the
#       payload formula (tests/interop/payload.py), so Linux got exactly those bytes;
#   the checks can fail: --expect echo against the hashing server names byte 0 of each
#       connection (got 'g' = 0x67, want the payload's byte recomputed here), --expect
#       none against the echo server, a closed port (refused), a server that never
#       answers (--timeout): exit 1, exact counts.
# Everything is bounded polling (no fixed sleeps); the pcap of each run is kept on failure.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need python3 socat
it_ns_up
load=(load --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24 --ctl none --timeout 120)

# run_load NAME WANT_STATUS ARGS...: synack load, summary in NAME.out, stderr in NAME.log
run_load() {
	local name=$1 want=$2 st=0
	shift 2
	it_in timeout 180 "$bin" "${load[@]}" --pcap "$IT_TMP/$name.pcap" "$@" \
		>"$IT_TMP/$name.out" 2>"$IT_TMP/$name.log" || st=$?
	[ "$st" -eq "$want" ] || fail "synack load ($name) exited $st, want $want: $(cat "$IT_TMP/$name.out")"
}

# summary NAME: the summary line without its duration
summary() {
	sed -E 's/ in [0-9.]+ s$//' "$IT_TMP/$1.out"
}

# 1. echo: 100 at once, 64 KiB each way, every byte checked by synack load
ip netns exec "$IT_NS" socat -d -d -t 60 TCP-LISTEN:8002,bind=10.9.0.1,reuseaddr,fork,backlog=256 \
	EXEC:cat 2>"$IT_TMP/socat_echo.log" &
IT_PIDS+=("$!")
it_wait_listen 8002
run_load echo 0 -n 100 --parallel 100 --bytes 64K --expect echo 10.9.0.1 8002
expect_eq "echo summary" "$(summary echo)" \
	"synack load: 100 connections to 10.9.0.1:8002: 100 ok, 0 failed; 6553600 bytes sent, 6553600 received (echo, every byte checked)"
expect_eq "echo errors" "$(cat "$IT_TMP/echo.log")" ""
# The first 100 packets synack sent are the 100 SYNs: all open at once, distinct ports.
"$bin" trace "$IT_TMP/echo.pcap" >"$IT_TMP/echo.txt"
awk '$3 ~ /^10\.9\.0\.2\./ && ++n <= 100' "$IT_TMP/echo.txt" >"$IT_TMP/first100.txt"
expect_eq "SYNs among synack's first 100 packets" \
	"$(grep -c ' > 10\.9\.0\.1\.8002: Flags \[S\], seq ' "$IT_TMP/first100.txt")" 100
sed -E 's/^[^ ]+ IP 10\.9\.0\.2\.([0-9]+) .*/\1/' "$IT_TMP/first100.txt" | sort -un >"$IT_TMP/ports.txt"
expect_eq "distinct source ports" "$(wc -l <"$IT_TMP/ports.txt")" 100
expect_eq "ports outside 32768..60999" "$(awk '$1 < 32768 || $1 > 60999' "$IT_TMP/ports.txt" | wc -l)" 0
expect_eq "connections accepted by socat" \
	"$(grep -Ec 'accepting connection from AF=2 10\.9\.0\.2:[0-9]+ on AF=2 10\.9\.0\.1:8002' "$IT_TMP/socat_echo.log")" 100
# synack half-closes first, socat's cat ends, socat closes: Linux is the passive closer
# and each of its sockets is gone once synack acknowledged its FIN (polled: on a loaded
# machine the last of socat's 100 children may still be exiting).
no_sockets_left() {
	left=$(it_in ss -tan '( sport = :8002 )' | awk 'NR > 1 && $1 != "LISTEN"' | wc -l)
	[ "$left" -eq 0 ]
}
it_poll 30 no_sockets_left || true
expect_eq "Linux sockets left on port 8002" "$left" 0

# 2. Linux hashes what it received: SHA-256 per connection, checked on both sides
ip netns exec "$IT_NS" python3 "$srcdir/tests/interop/multi_server.py" sha256 10.9.0.1 8003 \
	"$IT_TMP/ready" "$IT_TMP/hashes.log" >"$IT_TMP/multi_server.log" 2>&1 &
IT_PIDS+=("$!")
it_wait_file "$IT_TMP/ready"
it_wait_listen 8003
run_load sha 0 -n 100 --bytes 32K --seed 7 --expect sha256 10.9.0.1 8003
expect_eq "sha256 summary" "$(summary sha)" \
	"synack load: 100 connections to 10.9.0.1:8003: 100 ok, 0 failed; 3276800 bytes sent, 8800 received (sha256, SHA-256 checked)"
all_hashed() {
	[ "$(wc -l 2>/dev/null <"$IT_TMP/hashes.log")" -ge 100 ] 2>/dev/null
}
it_poll 30 all_hashed || true
expect_eq "connections Linux hashed" "$(grep -c ' got 32768 sha256 ' "$IT_TMP/hashes.log")" 100
python3 "$srcdir/tests/interop/payload.py" sha256 7 32768 100 | sort >"$IT_TMP/want.txt"
awk '{print $6}' "$IT_TMP/hashes.log" | sort >"$IT_TMP/got.txt"
cmp -s "$IT_TMP/want.txt" "$IT_TMP/got.txt" ||
	fail "the SHA-256s Linux computed are not those of the 100 payloads (diff: $(diff "$IT_TMP/want.txt" "$IT_TMP/got.txt" | head -4))"

# 3. the checks fail when they should
run_load bad_echo 1 -n 3 --bytes 1000 --seed 7 --expect echo 10.9.0.1 8003
expect_eq "wrong bytes summary" "$(summary bad_echo)" \
	"synack load: 3 connections to 10.9.0.1:8003: 0 ok, 3 failed; 3000 bytes sent, 0 received (echo, every byte checked)"
for i in 0 1 2; do
	want=$(python3 "$srcdir/tests/interop/payload.py" byte 7 "$i" 0)
	grep -Eq "^synack load: #$i 10\.9\.0\.2:[0-9]+: byte 0 differs: got 0x67, want $want\$" "$IT_TMP/bad_echo.log" ||
		fail "connection $i: no 'byte 0 differs: got 0x67, want $want' line"
done
run_load bad_none 1 -n 5 --bytes 100 --expect none 10.9.0.1 8002
expect_eq "unexpected data summary" "$(summary bad_none)" \
	"synack load: 5 connections to 10.9.0.1:8002: 0 ok, 5 failed; 500 bytes sent, 0 received (none)"
expect_eq "unexpected data lines" "$(grep -c ': data from a server that should send none$' "$IT_TMP/bad_none.log")" 5
run_load refused 1 -n 10 --parallel 4 10.9.0.1 8009
expect_eq "refused summary" "$(summary refused)" \
	"synack load: 10 connections to 10.9.0.1:8009: 0 ok, 10 failed; 0 bytes sent, 0 received (echo, every byte checked)"
expect_eq "refused lines" "$(grep -c ': connection refused$' "$IT_TMP/refused.log")" 10
# a server that never answers: --timeout ends the run, each connection named
ip netns exec "$IT_NS" python3 "$srcdir/tests/interop/multi_server.py" hold 10.9.0.1 8004 \
	"$IT_TMP/ready_hold" /dev/null >"$IT_TMP/hold_server.log" 2>&1 &
IT_PIDS+=("$!")
it_wait_file "$IT_TMP/ready_hold"
it_wait_listen 8004
# (5 s: every connection must be open and have sent its 1000 bytes before the timeout,
# which a process descheduled for a second or two on a loaded machine still does)
run_load hold 1 -n 6 --bytes 1000 --timeout 5 10.9.0.1 8004
expect_eq "timeout summary" "$(summary hold)" \
	"synack load: 6 connections to 10.9.0.1:8004: 0 ok, 6 failed; 6000 bytes sent, 0 received (echo, every byte checked)"
expect_eq "timeout lines" "$(grep -c ': unfinished after --timeout 5 s$' "$IT_TMP/hold.log")" 6
echo "PASS: synack load: 100 parallel connections, echo 64 KiB each way byte-checked, SHA-256 on Linux's side, failures named"
