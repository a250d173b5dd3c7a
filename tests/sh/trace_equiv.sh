#!/usr/bin/env bash
# `synack trace` against `tcpdump -n -r` on crafted captures (tests/data/gen_trace_pcap.py):
# every flag combination tcpdump prints differently, every option it decodes, SACK with
# 1-4 blocks, malformed options, bad header lengths, bad checksums, truncated captures,
# fragments, IP options, interleaved conversations for the relative-sequence rules, ICMP
# and UDP. Line-by-line identical output is required for tcpdump's default, -S, -t, -tt,
# -ttt and -tttt, in two time zones, for raw-IP, LINKTYPE_IPV4 and Ethernet captures.
#
# Only tcpdump's application-layer text after "length N" (well-known ports) is cut off,
# and only from tcpdump's side: synack must print nothing after it.
set -euo pipefail
src=${SYNACK_SRC:?}
bin=${SYNACK_BIN:?}
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 "$src/tests/data/gen_trace_pcap.py" "$tmp"

fail=0
cut_app() { sed 's/\(, length [0-9][0-9]*\).*/\1/'; }

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

# Usage and file errors.
set +e
"$bin" trace >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: no file: want exit 2"; fail=1; }
"$bin" trace -x "$tmp/raw.pcap" >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: -x: want exit 2"; fail=1; }
"$bin" trace "$tmp/none.pcap" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q "cannot read" "$tmp/err" || { echo "FAIL: missing file: rc=$rc $(cat "$tmp/err")"; fail=1; }
echo "not a capture" >"$tmp/junk.pcap"
"$bin" trace "$tmp/junk.pcap" >/dev/null 2>&1; [ $? -eq 1 ] || { echo "FAIL: junk file: want exit 1"; fail=1; }
set -e

[ $fail -eq 0 ] && echo "trace_equiv: synack trace matches tcpdump on $n crafted packets"
exit $fail
