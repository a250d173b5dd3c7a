#!/usr/bin/env bash
# `synack trace` against `tcpdump -n -r` on a real Linux capture: two network namespaces
# joined by a veth pair, a Python server and client moving ~400 KB each way over several
# connections, captured by tcpdump on one end (Ethernet link type, snap length 200, so
# most frames are truncated captures). An nftables rule on the server's input drops every
# 7th data segment from the client (after the capture point), so the server sends SACK
# blocks and the client retransmits.
# Identical lines are required for the default format, -S, -tt and -ttt.
# Needs root (namespaces); exits 77 (skipped, never passed) when they cannot be made.
# No fixed delays between steps: the client starts once the server's ready file exists,
# the traffic once tcpdump says it is listening (bounded polls: CI runs this on a loaded
# machine next to other tests).
set -euo pipefail
bin=${SYNACK_BIN:?}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
for c in ip tcpdump python3; do
	command -v $c >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done
tmp=$(mktemp -d)
nsa=synack_tra_$$ nsb=synack_trb_$$
tdpid= srv=
cleanup() {
	[ -n "$tdpid" ] && kill "$tdpid" 2>/dev/null || true
	[ -n "$srv" ] && kill "$srv" 2>/dev/null || true
	ip netns del "$nsa" 2>/dev/null || true
	ip netns del "$nsb" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$nsa" 2>/dev/null || { echo "SKIP: cannot create a network namespace"; exit 77; }
ip netns add "$nsb"
ip link add va netns "$nsa" type veth peer name vb netns "$nsb"
ip -n "$nsa" addr add 10.9.0.1/24 dev va
ip -n "$nsb" addr add 10.9.0.2/24 dev vb
ip -n "$nsa" link set va up
ip -n "$nsb" link set vb up

sack=0
if command -v nft >/dev/null &&
	ip netns exec "$nsb" nft add table ip synack_t 2>/dev/null &&
	ip netns exec "$nsb" nft add chain ip synack_t in '{ type filter hook input priority 0; }' &&
	ip netns exec "$nsb" nft add rule ip synack_t in tcp dport 9000 meta length gt 200 numgen inc mod 7 3 drop; then
	sack=1
else
	echo "note: nft unavailable, no losses (SACK not exercised by this test)"
fi

ip netns exec "$nsa" tcpdump -i va -n -s 200 -U --immediate-mode -w "$tmp/real.pcap" tcp 2>"$tmp/td.err" &
tdpid=$!
end=$((SECONDS + 30))
until grep -q listening "$tmp/td.err" 2>/dev/null; do
	[ "$SECONDS" -lt "$end" ] || { echo "FAIL: tcpdump not listening after 30 s: $(cat "$tmp/td.err")"; exit 1; }
	sleep 0.05
done

ip netns exec "$nsb" python3 - "$tmp/ready" <<'EOF' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.9.0.2", 9000))
s.listen(4)
s.settimeout(60)
open(sys.argv[1], "w").close()
for _ in range(3):
    c, _ = s.accept()
    got = 0
    while True:
        d = c.recv(65536)
        if not d:
            break
        got += len(d)
    c.sendall(b"r" * 131072)
    c.close()
EOF
srv=$!
end=$((SECONDS + 30))
until [ -e "$tmp/ready" ]; do
	[ "$SECONDS" -lt "$end" ] || { echo "FAIL: the server did not listen within 30 s"; exit 1; }
	sleep 0.05
done
ip netns exec "$nsa" python3 - <<'EOF'
import socket
for i in range(3):
    c = socket.create_connection(("10.9.0.2", 9000), timeout=60)
    c.sendall(bytes(range(256)) * 512)
    c.shutdown(socket.SHUT_WR)
    n = 0
    while True:
        d = c.recv(65536)
        if not d:
            break
        n += len(d)
    assert n == 131072, n
    c.close()
EOF
wait $srv
srv=
sleep 0.3   # the last ACKs reach the capture (nothing checked depends on them)
kill -INT $tdpid
wait $tdpid || true
tdpid=

fail=0
lines=$(tcpdump -n -r "$tmp/real.pcap" 2>/dev/null | wc -l)
[ "$lines" -ge 30 ] || { echo "FAIL: only $lines packets captured"; exit 1; }
for sw in "" -S -tt -ttt; do
	# shellcheck disable=SC2086
	tcpdump -n $sw -r "$tmp/real.pcap" 2>/dev/null | sed 's/\(, length [0-9][0-9]*\).*/\1/' >"$tmp/want"
	# shellcheck disable=SC2086
	"$bin" trace $sw "$tmp/real.pcap" >"$tmp/got"
	cmp -s "$tmp/want" "$tmp/got" ||
		{ echo "FAIL: real capture, switches '${sw}':"; diff "$tmp/want" "$tmp/got" | head -20; fail=1; }
done
"$bin" trace "$tmp/real.pcap" >"$tmp/got"
for pat in 'Flags \[S\], seq [0-9]*, win' 'Flags \[S\.\], seq [0-9]*, ack [0-9]*' \
	'Flags \[FP\?\.\], seq' 'Flags \[\.\], ack 1, win' 'Flags \[P\.\], seq 1:'; do
	grep -q "$pat" "$tmp/got" || { echo "FAIL: no line matching '$pat'"; fail=1; }
done
if [ $sack -eq 1 ]; then
	grep -q 'sack [1-4] {' "$tmp/got" || { echo "FAIL: losses but no SACK blocks seen"; fail=1; }
fi
[ $fail -eq 0 ] && echo "trace_netns: $lines packets of a real Linux capture print as tcpdump prints them"
exit $fail
