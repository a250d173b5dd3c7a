#!/usr/bin/env bash
# Every pcap synack writes goes through one writer, synack_pcap_writer
# (include/synack/pcap.h, src/io/pcap.c); here a file written by it (`synack demo --pcap`)
# must open in tshark with 0 malformed packets, every IPv4 and TCP checksum verified
# good, and no expert message of severity "error". The same check must reject a capture
# with a bad TCP checksum, a bad IPv4 checksum and a malformed TCP header
# (tests/data/gen_trace_pcap.py's bad.pcap), so it is able to fail.
# The written file must also read back: `synack trace` and `tcpdump -n -r` print it as
# `synack demo` does.
set -euo pipefail
src=${SYNACK_SRC:?}
bin=${SYNACK_BIN:?}
command -v tshark >/dev/null || { echo "SKIP: tshark not installed"; exit 77; }
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump not installed"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp # tshark wants a writable profile directory

# Prints one line per problem tshark sees in $1; prints the frame count to fd 3.
problems() {
	tshark -r "$1" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -T fields \
		-e frame.number -e ip.checksum.status -e tcp.checksum.status -e _ws.malformed \
		-e _ws.expert.severity 2>/dev/null >"$tmp/fields"
	wc -l <"$tmp/fields" >&3
	awk -F'\t' '{
		if ($2 != "1") print "frame " $1 ": IPv4 checksum status " $2
		if ($3 != "1") print "frame " $1 ": TCP checksum status " $3
		if ($4 != "") print "frame " $1 ": malformed"
		n = split($5, sev, ",")
		for (i = 1; i <= n; i++) if (sev[i] + 0 >= 8388608) { print "frame " $1 ": expert error"; break }
	}' "$tmp/fields"
}

fail=0
TZ=UTC "$bin" demo --pcap "$tmp/demo.pcap" >"$tmp/demo.txt"
out=$(problems "$tmp/demo.pcap" 3>"$tmp/count")
frames=$(cat "$tmp/count")
[ "$frames" -eq 11 ] || { echo "FAIL: tshark saw $frames frames in the demo pcap, want 11"; fail=1; }
[ -z "$out" ] || { echo "FAIL: tshark on a pcap synack wrote:"; echo "$out"; fail=1; }

python3 "$src/tests/data/gen_trace_pcap.py" "$tmp"
out=$(problems "$tmp/bad.pcap" 3>/dev/null)
want=$'frame 1: TCP checksum status 0\nframe 1: expert error\nframe 2: IPv4 checksum status 0\nframe 2: expert error\nframe 3: malformed\nframe 3: expert error'
[ "$out" = "$want" ] || { echo "FAIL: the check did not flag bad.pcap as expected:"; echo "$out"; fail=1; }

# Read back: the written file prints the same through synack trace and tcpdump.
TZ=UTC "$bin" trace "$tmp/demo.pcap" >"$tmp/trace.txt"
TZ=UTC tcpdump -n -r "$tmp/demo.pcap" 2>/dev/null | sed 's/\(, length [0-9][0-9]*\).*/\1/' >"$tmp/tcpdump.txt"
# The demo's segment lines are "TIME A> LINE" / "TIME B> LINE" (S01 has no drop marks).
sed -n 's/^\([0-9:.]*\) [AB]> /\1 /p' "$tmp/demo.txt" >"$tmp/demo_lines.txt"
cmp -s "$tmp/trace.txt" "$tmp/tcpdump.txt" || { echo "FAIL: trace vs tcpdump:"; diff "$tmp/tcpdump.txt" "$tmp/trace.txt"; fail=1; }
cmp -s "$tmp/trace.txt" "$tmp/demo_lines.txt" || { echo "FAIL: trace vs demo:"; diff "$tmp/demo_lines.txt" "$tmp/trace.txt"; fail=1; }
grep -Eq "^00:00:00\.001000 IP 10\.0\.0\.1\.40000 > 10\.0\.0\.2\.80: Flags \[S\], seq [0-9]+, win [0-9]+, options \[mss 1460,[^]]*\], length 0$" "$tmp/trace.txt" ||
	{ echo "FAIL: first line of the demo pcap"; head -1 "$tmp/trace.txt"; fail=1; }

[ $fail -eq 0 ] && echo "trace_tshark: writer output clean in tshark ($frames frames); bad pcap flagged"
exit $fail
