#!/usr/bin/env bash
# `synack ss` against a running `synack echo` over its control socket (@synack/tun0 in
# the namespace): the listener and a live connection from Linux with their exact
# addresses and states, -l, -c counts, -s counters after 2 pings; and a clear failure
# (exit 1) when no synack process serves the device.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need python3 ping
it_ns_up
it_start echo echo --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24
it_wait_log echo 'listening on tun0 port 7'

# A Linux client that connects from port 45001 and stays until its stdin closes.
mkfifo "$IT_TMP/hold"
it_in timeout 120 python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.9.0.1", 45001))
s.connect(("10.9.0.2", 7))
print("connected", flush=True)
sys.stdin.read()
s.close()
' <"$IT_TMP/hold" >"$IT_TMP/client.out" &
cpid=$!
IT_PIDS+=("$cpid")
exec 3>"$IT_TMP/hold"
it_poll 30 grep -qs connected "$IT_TMP/client.out" || fail "client did not connect"

# Linux's connect() returns once it sent the third ACK; synack may read that ACK and its
# echo server accept the connection a little later on a loaded machine (the listing shows
# SYN-RECEIVED or a Recv-Q of 1 until then), so the listing is polled (bounded) until it
# is the settled one, then compared exactly.
want="State Recv-Q Send-Q Local Address:Port Peer Address:Port Timer
LISTEN 0 128 10.9.0.2:7 0.0.0.0:*
ESTABLISHED 0 0 10.9.0.2:7 10.9.0.1:45001 cwnd:10 rcv_space:14600"
listing_settled() {
	list=$(it_in "$bin" ss --tun tun0) || fail "synack ss exited $?"
	norm=$(sed -E 's/ +/ /g; s/ $//' <<<"$list")
	[ "$norm" = "$want" ]
}
it_poll 10 listing_settled || true
expect_eq "listing" "$norm" "$want"

expect_eq "-l" "$(it_in "$bin" ss --tun tun0 -l | sed -E 's/ +/ /g; s/ $//')" \
	"State Recv-Q Send-Q Local Address:Port Peer Address:Port Timer
LISTEN 0 128 10.9.0.2:7 0.0.0.0:*"
expect_eq "-c" "$(it_in "$bin" ss --tun tun0 -c)" "LISTEN 1
ESTABLISHED 1
total 2"

it_in timeout 60 ping -n -c 2 -i 0.2 -W 20 10.9.0.2 >/dev/null || fail "ping failed"
summary=$(it_in "$bin" ss --tun tun0 -s)
grep -qx '  icmp_echo 2' <<<"$summary" || fail "-s lacks 'icmp_echo 2': $summary"
grep -q "^synack pid $IT_PID on tun0, address 10.9.0.2$" <<<"$summary" || fail "-s header: $summary"

exec 3>&-
wait "$cpid" || fail "client exited $?"
it_stop "$IT_PID" || fail "synack echo exited with status $?"

st=0
out=$(it_in "$bin" ss --tun tun0 2>&1) || st=$?
expect_eq "ss without a server: status" "$st" 1
grep -q '^synack ss: no synack process answers on @synack/tun0' <<<"$out" || fail "message: $out"
echo "PASS: ss listing, -l, -c, -s live; clear error without a server"
