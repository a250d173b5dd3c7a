#!/usr/bin/env bash
# `synack trace` against `tcpdump -n -r` on crafted captures (tests/data/gen_trace_pcap.py):
# every flag combination tcpdump prints differently, every option it decodes, SACK with
# 1-4 blocks, malformed options, bad header lengths, bad checksums, truncated captures,
# fragments, IP options, interleaved conversations for the relative-sequence rules, ICMP
# and UDP. Line-by-line identical output is required for tcpdump's default, -S, -t, -tt,
# -ttt and -tttt, in two time zones, for raw-IP, LINKTYPE_IPV4 and Ethernet captures.
# With -v (and -v -S, -v -tt) as well, on those captures and on the IPv4-option ones of
# tests/data/gen_trace_v_pcap.py: the header summary (TOS/ECN, TTL, id, fragment flags,
# protocol names, bad header checksums), the options synack handles (source routes in
# every pointer position, record route, router alert, NOP/EOL, unknown kinds, malformed
# lengths and pointers), the TCP checksum (checked by tcpdump against a source route's
# last hop) and ICMP errors' quoted datagrams.
#
# Only tcpdump's application-layer text after "length N" (well-known ports) is cut off,
# and only from tcpdump's side: synack must print nothing after it. (-v's header
# summary lines, "(tos 0x...", keep their "length N".)
set -euo pipefail
src=${SYNACK_SRC:?}
bin=${SYNACK_BIN:?}
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 "$src/tests/data/gen_trace_pcap.py" "$tmp"
python3 "$src/tests/data/gen_trace_v_pcap.py" "$tmp"

fail=0
cut_app() { sed '/(tos 0x/!s/\(, length [0-9][0-9]*\).*/\1/'; }

# compare FILE FILTER SWITCHES...: FILTER is a tcpdump filter ("" for none)
compare() {
	local f=$1 filter=$2; shift 2
	local tz
	for tz in UTC Asia/Shanghai; do
		TZ=$tz tcpdump -n "$@" -r "$f" $filter 2>/dev/null | cut_app >"$tmp/want"
		TZ=$tz "$bin" trace "$@" "$f" >"$tmp/got" 2>"$tmp/err"
		if ! cmp -s "$tmp/want" "$tmp/got"; then
			echo "FAIL: $(basename "$f") ${*:-(default)} TZ=$tz differs from tcpdump:"
			diff "$tmp/want" "$tmp/got" | head -20
			fail=1
		fi
		[ -s "$tmp/want" ] || { echo "FAIL: tcpdump printed nothing for $f"; fail=1; }
	done
}

n=$(tcpdump -n -r "$tmp/raw.pcap" 2>/dev/null | wc -l)
[ "$n" -ge 50 ] || { echo "FAIL: raw.pcap has only $n packets (want >= 50)"; exit 1; }

for sw in "" -S -t -tt -ttt -tttt "-S -ttt"; do
	# shellcheck disable=SC2086
	compare "$tmp/raw.pcap" "" $sw
done
compare "$tmp/ipv4.pcap" ""
compare "$tmp/ipv4.pcap" "" -S
# Ethernet: tcpdump prints the ARP and IPv6 frames that synack skips; compare the
# IPv4 frames only and check the skipped count on stderr.
compare "$tmp/eth.pcap" ip
compare "$tmp/eth.pcap" ip -S -tttt
for sw in "" -S -tt; do
	# shellcheck disable=SC2086
	compare "$tmp/ipopt.pcap" "" -v $sw
	# shellcheck disable=SC2086
	compare "$tmp/raw.pcap" "" -v $sw
done
compare "$tmp/bad.pcap" "" -v
compare "$tmp/eth.pcap" ip -v
n_v=$(tcpdump -n -r "$tmp/ipopt.pcap" 2>/dev/null | wc -l)
[ "$n_v" -ge 40 ] || { echo "FAIL: ipopt.pcap has only $n_v packets (want >= 40)"; exit 1; }
# -v's format itself, so that a changed tcpdump is noticed rather than followed: the
# first packet (a completed loose source route) and the half-way strict one.
got=$("$bin" trace -v -t "$tmp/ipopt.pcap" | sed -n '1,2p;5p')
want="IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 48, options (LSRR 192.0.2.1,,EOL))
    10.9.0.1.40000 > 10.9.0.2.7: Flags [S], cksum 0xfb9e (incorrect -> 0x43a8), seq 1000, win 65535, length 0
IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 56, options (SSRR 192.0.2.1, 192.0.2.2 192.0.2.3,EOL))"
[ "$got" = "$want" ] || { echo "FAIL: synack trace -v printed:"; echo "$got"; fail=1; }
"$bin" trace "$tmp/eth.pcap" >/dev/null 2>"$tmp/err"
grep -qx "2 non-IPv4 frames skipped" "$tmp/err" ||
	{ echo "FAIL: expected '2 non-IPv4 frames skipped', got: $(cat "$tmp/err")"; fail=1; }
"$bin" trace "$tmp/raw.pcap" >/dev/null 2>"$tmp/err"
[ ! -s "$tmp/err" ] || { echo "FAIL: stderr on a raw pcap: $(cat "$tmp/err")"; fail=1; }

# The comparison must be able to fail: a one-byte change in a packet changes the line.
python3 - "$tmp/raw.pcap" "$tmp/raw2.pcap" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[24 + 16 + 20 + 13] ^= 0x08   # first packet's TCP flags: SYN becomes SYN|PSH
open(sys.argv[2], "wb").write(b)
EOF
"$bin" trace "$tmp/raw2.pcap" >"$tmp/got2"
head -1 "$tmp/got2" | grep -q "Flags \[SP\]" ||
	{ echo "FAIL: a changed flag byte did not show"; fail=1; }
# ... and one byte of an LSRR address changes the -v line.
python3 - "$tmp/ipopt.pcap" "$tmp/ipopt2.pcap" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.index(bytes([131, 7, 8, 192, 0, 2, 1]))
b[i + 6] = 9
open(sys.argv[2], "wb").write(b)
EOF
"$bin" trace -v -t "$tmp/ipopt2.pcap" >"$tmp/got2v"
head -1 "$tmp/got2v" | grep -qF "options (LSRR 192.0.2.9,,EOL)" ||
	{ echo "FAIL: a changed LSRR address did not show"; fail=1; }

# Usage and file errors.
set +e
"$bin" trace >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: no file: want exit 2"; fail=1; }
"$bin" trace -x "$tmp/raw.pcap" >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: -x: want exit 2"; fail=1; }
"$bin" trace "$tmp/none.pcap" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q "cannot read" "$tmp/err" || { echo "FAIL: missing file: rc=$rc $(cat "$tmp/err")"; fail=1; }
echo "not a capture" >"$tmp/junk.pcap"
"$bin" trace "$tmp/junk.pcap" >/dev/null 2>&1; [ $? -eq 1 ] || { echo "FAIL: junk file: want exit 1"; fail=1; }
set -e

[ $fail -eq 0 ] && echo "trace_equiv: synack trace matches tcpdump on $n crafted packets (-v: $((n + n_v)))"
exit $fail
