#!/usr/bin/env bash
# S03 simultaneous close against Linux. synack (connect, empty input) sends its FIN at
# once, but nftables drops it on Linux's input; Linux's server closes as soon as the
# rule's counter shows that FIN dropped (not after a fixed delay, which a loaded machine
# can outlast before synack runs), so its FIN reaches synack in FIN-WAIT-1 without
# acknowledging synack's FIN: synack goes to CLOSING (RFC 9293 §3.10.7.4, eighth check)
# and `synack ss` shows it. Once the rule is gone, synack's retransmitted FIN is
# acknowledged: synack exits 0 from TIME-WAIT, and Linux too ends in TIME-WAIT (both
# sides closed actively).
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need python3 nft
it_ns_up
it_in nft -f - <<'NFT' || fail "nft rules"
table ip s03 {
	chain in {
		type filter hook input priority 0;
		ip saddr 10.9.0.2 tcp dport 8010 tcp flags & fin == fin counter drop
	}
}
NFT
it_in timeout 90 python3 -c '
import os, socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.9.0.1", 8010))
s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
print("accepted", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.02)
c.close()
print("closed", flush=True)
' "$IT_TMP/go" >"$IT_TMP/srv.out" &
spid=$!
IT_PIDS+=("$spid")
it_poll 30 grep -qs ready "$IT_TMP/srv.out" || fail "server not ready"
it_in timeout 90 "$bin" connect --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24 --pcap "$IT_TMP/s03.pcap" \
	10.9.0.1 8010 </dev/null >"$IT_TMP/s03.out" 2>"$IT_TMP/s03.log" &
cpid=$!
IT_PIDS+=("$cpid")
# synack's FIN has met the rule: only now does Linux close.
fin_dropped() {
	it_in nft list chain ip s03 in | grep -Eq 'counter packets [1-9]'
}
it_poll 30 fin_dropped || fail "synack's FIN never reached the rule: $(it_in nft list chain ip s03 in)"
touch "$IT_TMP/go"
wait "$spid" || fail "server exited $?"
is_closing() {
	state=$(it_in "$bin" ss --tun tun0 2>/dev/null | awk '$5 == "10.9.0.1:8010" { print $1 }')
	[ "$state" = CLOSING ]
}
it_poll 30 is_closing || true
expect_eq "synack's state after Linux's FIN" "$state" CLOSING
it_in nft delete table ip s03
# synack's next retransmission of its FIN (RTO backed off, so up to a few seconds) now
# reaches Linux; synack exits from TIME-WAIT.
wait "$cpid" || fail "synack connect exited $?"
it_in ss -tan state time-wait | grep -q '10.9.0.1:8010 *10.9.0.2:' || fail "Linux is not in TIME-WAIT: $(it_in ss -tan)"
"$bin" trace -S -t "$IT_TMP/s03.pcap" | sed -E 's/, options .*//' >"$IT_TMP/s03.txt"
fins=$(grep -c '^IP 10.9.0.2.[0-9]* > 10.9.0.1.8010: Flags \[F\.\]' "$IT_TMP/s03.txt")
[ "$fins" -ge 2 ] || fail "synack's FIN was not retransmitted ($fins FINs)"
expect_eq "RSTs" "$(grep -c 'Flags \[R' "$IT_TMP/s03.txt" || true)" 0
echo "PASS: S03 simultaneous close: synack CLOSING then TIME-WAIT, Linux TIME-WAIT"
