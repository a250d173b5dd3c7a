#!/usr/bin/env bash
# S05 connect timeout against Linux: nftables in the namespace drops every SYN to port
# 8000, so synack's SYN is never answered. With syn_retries=2 and rto_initial_ms=200 the
# SYN goes out 3 times, 200 ms then 400 ms apart (RFC 6298 (5.5) doubling), and connect
# fails with ETIMEDOUT 800 ms after the last one: exit 1, "connection timed out".
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need nft
it_ns_up
it_in nft -f - <<'NFT' || fail "nft rules"
table ip s05 {
	chain in {
		type filter hook input priority 0;
		tcp dport 8000 tcp flags & (syn | ack) == syn drop
	}
}
NFT
st=0
start=$(date +%s%N)
it_in timeout 60 "$bin" connect --tun tun0 --addr 10.9.0.2 --pcap "$IT_TMP/s05.pcap" \
	--set syn_retries=2 --set rto_initial_ms=200 10.9.0.1 8000 </dev/null 2>"$IT_TMP/s05.log" || st=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "exit status" "$st" 1
expect_eq "message" "$(cat "$IT_TMP/s05.log")" "synack connect: 10.9.0.1:8000: connection timed out"
"$bin" trace -ttt "$IT_TMP/s05.pcap" >"$IT_TMP/s05.txt"
expect_eq "segments sent (all SYNs)" "$(grep -c 'Flags \[S\], seq' "$IT_TMP/s05.txt")" 3
expect_eq "segments in capture" "$(wc -l <"$IT_TMP/s05.txt")" 3
# -ttt: the gap before each packet, " 00:00:00.200123"
mapfile -t gaps < <(awk '{ split($1, t, ":"); printf "%d\n", t[3] * 1000 }' "$IT_TMP/s05.txt")
for i in 1 2; do
	want=$((100 << i))
	# not early (5 ms slack: pcap stamps are taken when each packet is written, not when
	# its timer fired, and -ttt is truncated to the ms); shorter than the next doubling
	# (a loaded machine wakes synack late: up to 195 / 395 ms late still shows each
	# interval twice the one before, and neither the same nor four times)
	[ "${gaps[$i]}" -ge $((want - 5)) ] && [ "${gaps[$i]}" -lt $((want * 2 - 5)) ] ||
		fail "gap before SYN $((i + 1)): ${gaps[$i]} ms, want $want ms (less than $((want * 2 - 5)))"
done
# 200 + 400 + 800 ms from the first SYN to the failure; the upper bound leaves room for
# starting and ending the process (in the namespace, ASan build, loaded machine).
[ "$elapsed_ms" -ge 1400 ] && [ "$elapsed_ms" -le 5000 ] || fail "failed after $elapsed_ms ms, want about 1400"
echo "PASS: S05 three SYNs at 0/200/600 ms, ETIMEDOUT at about 1400 ms"
