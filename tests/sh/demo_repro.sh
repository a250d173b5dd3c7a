#!/usr/bin/env bash
# `synack demo` is reproducible bit for bit: the same seed gives byte-identical output
# (and pcap) twice; with random loss on, another seed gives another run. Also checks the
# shape of the output (trace, decisions, states, ladder) and --list / bad arguments.
set -euo pipefail
bin=${SYNACK_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0

"$bin" demo S01 --seed 5 --pcap "$tmp/a.pcap" >"$tmp/a.txt"
"$bin" demo S01 --seed 5 --pcap "$tmp/b.pcap" >"$tmp/b.txt"
cmp -s "$tmp/a.txt" "$tmp/b.txt" || { echo "FAIL: same seed, different output"; diff "$tmp/a.txt" "$tmp/b.txt" | head; fail=1; }
cmp -s "$tmp/a.pcap" "$tmp/b.pcap" || { echo "FAIL: same seed, different pcap"; fail=1; }
[ "$(stat -c %s "$tmp/a.pcap")" -gt 24 ] || { echo "FAIL: empty pcap"; fail=1; }

# 30% loss on both directions: seeds 5 and 6 must drop different packets.
"$bin" demo S01 --seed 5 --loss 300000 >"$tmp/l5.txt"
"$bin" demo S01 --seed 5 --loss 300000 >"$tmp/l5b.txt"
"$bin" demo S01 --seed 6 --loss 300000 >"$tmp/l6.txt"
cmp -s "$tmp/l5.txt" "$tmp/l5b.txt" || { echo "FAIL: same seed with loss, different output"; fail=1; }
grep -q "dropped: loss" "$tmp/l5.txt" || { echo "FAIL: 30% loss dropped nothing"; fail=1; }
drops5=$(grep "dropped: loss" "$tmp/l5.txt" | sed 's/ IP .*//' | tr '\n' ' ')
drops6=$(grep "dropped: loss" "$tmp/l6.txt" | sed 's/ IP .*//' | tr '\n' ' ')
[ "$drops5" != "$drops6" ] || { echo "FAIL: seeds 5 and 6 dropped the same packets: $drops5"; fail=1; }

# Shape: a SYN line in tcpdump format, B's decision on it, states, the ladder rows.
grep -Eq '^00:00:00\.001000 A> IP 10\.0\.0\.1\.40000 > 10\.0\.0\.2\.80: Flags \[S\], seq [0-9]+' "$tmp/a.txt" || { echo "FAIL: no SYN line"; fail=1; }
grep -Eq '^00:00:00\.011000 B< .*\(LISTEN -> SYN-RECEIVED\)$' "$tmp/a.txt" || { echo "FAIL: no decision on the SYN"; fail=1; }
grep -Fq '2.   SYN-SENT     --> <SEQ=0><CTL=SYN>' "$tmp/a.txt" || { echo "FAIL: no ladder row for the SYN"; fail=1; }
grep -Fq '<-- <SEQ=0><ACK=1><CTL=SYN,ACK>' "$tmp/a.txt" || { echo "FAIL: no ladder row for the SYN,ACK"; fail=1; }
# -S prints absolute numbers in the ladder: the SYN's SEQ is then not 0.
"$bin" demo S01 -S --seed 5 >"$tmp/abs.txt"
grep -Eq '^2\.   SYN-SENT     --> <SEQ=[1-9][0-9]*><CTL=SYN>' "$tmp/abs.txt" || { echo "FAIL: -S ladder"; fail=1; }
# No argument = S01.
"$bin" demo --seed 5 | cmp -s - "$tmp/a.txt" || { echo "FAIL: default scenario is not S01"; fail=1; }

"$bin" demo --list >"$tmp/list.txt"
[ "$(grep -c '^S[0-9][0-9]  ' "$tmp/list.txt")" -eq 28 ] || { echo "FAIL: --list does not name 28 scenarios"; fail=1; }
grep -Eq '^S01  handshake-close +[^(]+$' "$tmp/list.txt" || { echo "FAIL: S01 listed as not ready"; fail=1; }
set +e
"$bin" demo S99 >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 2 ] || { echo "FAIL: unknown scenario exit $rc, want 2"; fail=1; }

[ $fail -eq 0 ] && echo "demo_repro: same seed byte-identical; loss pattern follows the seed"
exit $fail
