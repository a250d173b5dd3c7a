#!/usr/bin/env bash
# S02 simultaneous open against Linux, both ways round. nftables holds back one side's
# SYN so that the other side's SYN finds it in SYN-SENT:
#   A. synack's SYN is dropped on Linux's input; Linux then connects to synack's bound
#      port: synack, in SYN-SENT, receives a SYN -> SYN-RECEIVED, answers SYN,ACK
#      (RFC 9293 §3.10.7.3, fourth), Linux's ACK -> ESTABLISHED;
#   B. Linux's SYN is dropped on its output; synack then connects: Linux, in SYN-SENT,
#      receives synack's SYN and answers SYN,ACK, which synack completes.
# Each time one connection carries a line each way and closes cleanly.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need python3 nft
it_ns_up
# sack=0: with SACK negotiated Linux arms its tail loss probe; when synack's process is
# descheduled a few ms on a loaded machine, the probe re-sends Linux's FIN, synack's
# ACK of the copy reaches a socket already closed and draws a RST, which this test
# counts (seen in captures: Linux's TSval 5 ms apart, synack's three ACKs in one burst).
conn=(connect --set sack=0 --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24)

# python client: bind LPORT, connect to 10.9.0.2:RPORT (non-blocking, up to 45 s),
# send a line, half-close, print what comes back.
linux_client() {
	it_in timeout 90 python3 -c '
import select, socket, sys
lport, rport = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket()
s.bind(("10.9.0.1", lport))
s.setblocking(False)
s.connect_ex(("10.9.0.2", rport))
print("connecting", flush=True)
_, w, _ = select.select([], [s], [], 45)
err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
if not w or err:
    print("connect failed", err, flush=True)
    sys.exit(1)
s.setblocking(True)
s.settimeout(45)
s.sendall(b"from linux\n")
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
print("got", data.decode().strip(), flush=True)
' "$@"
}

wait_for() {   # wait_for CMD... : poll up to 30 s
	it_poll 30 "$@"
}

# A: synack is the one that goes SYN-SENT -> SYN-RECEIVED.
it_in nft -f - <<'NFT' || fail "nft rules"
table ip s02a {
	chain in {
		type filter hook input priority 0;
		ip saddr 10.9.0.2 tcp sport 40000 tcp flags & (syn | ack) == syn drop
	}
}
NFT
printf 'from synack\n' | it_in timeout 90 "$bin" "${conn[@]}" --pcap "$IT_TMP/a.pcap" --bind 40000 \
	10.9.0.1 40001 >"$IT_TMP/a.out" 2>"$IT_TMP/a.log" &
apid=$!
IT_PIDS+=("$apid")
wait_for sh -c "ip netns exec $IT_NS $bin ss --tun tun0 2>/dev/null | grep -q '^SYN-SENT .*10.9.0.2:40000 *10.9.0.1:40001'" ||
	fail "A: synack not in SYN-SENT"
linux_client 40001 40000 >"$IT_TMP/a_linux.out" || fail "A: Linux client failed: $(cat "$IT_TMP/a_linux.out")"
wait "$apid" || fail "A: synack connect exited $?"
expect_eq "A: Linux got" "$(tail -1 "$IT_TMP/a_linux.out")" "got from synack"
expect_eq "A: synack got" "$(cat "$IT_TMP/a.out")" "from linux"
"$bin" trace -t "$IT_TMP/a.pcap" | sed -E 's/, options .*//' >"$IT_TMP/a.txt"
# synack's SYN (and its retransmissions, all dropped), Linux's SYN, synack's SYN,ACK.
grep -q '^IP 10.9.0.1.40001 > 10.9.0.2.40000: Flags \[S\], seq' "$IT_TMP/a.txt" || fail "A: no SYN from Linux"
synack_isn=$("$bin" trace -S -t "$IT_TMP/a.pcap" | grep -m1 '^IP 10.9.0.2.40000 > 10.9.0.1.40001: Flags \[S\], seq' |
	grep -Eo 'seq [0-9]+' | cut -d' ' -f2)
synack_sa=$("$bin" trace -S -t "$IT_TMP/a.pcap" | grep -m1 '^IP 10.9.0.2.40000 > 10.9.0.1.40001: Flags \[S\.\], seq' |
	grep -Eo 'seq [0-9]+' | cut -d' ' -f2)
[ -n "$synack_sa" ] || fail "A: synack sent no SYN,ACK"
expect_eq "A: SYN,ACK repeats synack's ISN" "$synack_sa" "$synack_isn"
it_in nft delete table ip s02a

# B: Linux is the one that goes SYN-SENT -> SYN-RECEIVED.
it_in nft -f - <<'NFT' || fail "nft rules"
table ip s02b {
	chain out {
		type filter hook output priority 0;
		ip daddr 10.9.0.2 tcp sport 40003 tcp flags & (syn | ack) == syn drop
	}
}
NFT
linux_client 40003 40002 >"$IT_TMP/b_linux.out" &
lpid=$!
IT_PIDS+=("$lpid")
wait_for grep -qs connecting "$IT_TMP/b_linux.out" || fail "B: Linux client did not start"
wait_for sh -c "ip netns exec $IT_NS ss -tan state syn-sent | grep -q 10.9.0.1:40003" || fail "B: Linux not in SYN-SENT"
printf 'from synack\n' | it_in timeout 90 "$bin" "${conn[@]}" --pcap "$IT_TMP/b.pcap" --bind 40002 \
	10.9.0.1 40003 >"$IT_TMP/b.out" 2>"$IT_TMP/b.log" || fail "B: synack connect exited $?"
wait "$lpid" || fail "B: Linux client failed: $(cat "$IT_TMP/b_linux.out")"
expect_eq "B: Linux got" "$(tail -1 "$IT_TMP/b_linux.out")" "got from synack"
expect_eq "B: synack got" "$(cat "$IT_TMP/b.out")" "from linux"
"$bin" trace -t "$IT_TMP/b.pcap" | sed -E 's/, options .*//' >"$IT_TMP/b.txt"
head -3 "$IT_TMP/b.txt" | grep -q '^IP 10.9.0.1.40003 > 10.9.0.2.40002: Flags \[S\.\]' ||
	fail "B: Linux did not answer synack's SYN with SYN,ACK: $(head -3 "$IT_TMP/b.txt")"
for f in a b; do
	expect_eq "$f: RSTs (lib.sh, it_stray_rsts)" "$(it_stray_rsts "$IT_TMP/$f.pcap")" 0
done
echo "PASS: S02 simultaneous open with Linux, synack and Linux each taking the SYN-SENT -> SYN-RECEIVED path"
