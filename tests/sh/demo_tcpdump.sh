#!/usr/bin/env bash
# S25: the packet lines of `synack demo` equal what tcpdump prints for the demo's own
# --pcap file, with relative (default) and absolute (-S) sequence numbers, for S25 (the
# short exchange), S22 (RSTs in SYN-SENT: tcpdump's relative ack after two RST,ACKs on
# one flow) and S15 (every option kind, malformed options and data offsets). The demo's
# "A> "/"B> " prefix and its "   ** ..." remarks are cut; tcpdump's application-layer
# text after "length N" too. S25's own "tcpdump -n -r" / "-S -r" sections must be the
# same lines.
set -euo pipefail
bin=${SYNACK_BIN:?}
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump not installed"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
cut_app() { sed 's/\(, length [0-9][0-9]*\).*/\1/'; }
# the demo's packet lines as tcpdump would print them
demo_lines() { grep -E '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} [AB]> ' | sed -e 's/ [AB]> / /' -e 's/   \*\* .*//'; }

for sc in S25 S22 S15; do
	for sw in "" -S; do
		"$bin" demo $sc $sw --pcap "$tmp/$sc.pcap" >"$tmp/out.txt"
		demo_lines <"$tmp/out.txt" >"$tmp/got"
		TZ=UTC tcpdump -n $sw -r "$tmp/$sc.pcap" 2>/dev/null | cut_app >"$tmp/want"
		[ -s "$tmp/want" ] || { echo "FAIL: tcpdump read nothing from $sc's pcap"; fail=1; }
		if ! cmp -s "$tmp/want" "$tmp/got"; then
			echo "FAIL: demo $sc ${sw:-(relative)} differs from tcpdump -n $sw -r:"
			diff "$tmp/want" "$tmp/got" | head -20
			fail=1
		fi
	done
done

# S25 prints both numberings after the run: exactly tcpdump's lines, two-space indent.
"$bin" demo S25 --pcap "$tmp/s25.pcap" >"$tmp/s25.txt"
sed -n '/^The same packets as `tcpdump -n -r`/,/^$/p' "$tmp/s25.txt" | sed -n 's/^  //p' >"$tmp/got"
TZ=UTC tcpdump -n -r "$tmp/s25.pcap" 2>/dev/null | cut_app >"$tmp/want"
cmp -s "$tmp/want" "$tmp/got" || { echo "FAIL: S25 relative section"; diff "$tmp/want" "$tmp/got" | head; fail=1; }
sed -n '/^and as `tcpdump -n -S -r`/,/^$/p' "$tmp/s25.txt" | sed -n 's/^  //p' >"$tmp/got"
TZ=UTC tcpdump -n -S -r "$tmp/s25.pcap" 2>/dev/null | cut_app >"$tmp/want"
cmp -s "$tmp/want" "$tmp/got" || { echo "FAIL: S25 -S section"; diff "$tmp/want" "$tmp/got" | head; fail=1; }
[ "$(wc -l <"$tmp/want")" -eq 9 ] || { echo "FAIL: S25 has $(wc -l <"$tmp/want") packets, want 9"; fail=1; }
# relative after the SYN vs absolute: the data segment
grep -Eq '^  00:00:00\.100000 IP 10\.0\.0\.1\.1037 > 10\.0\.0\.2\.9: Flags \[P\.\], seq 1:7, ack 1, ' "$tmp/s25.txt" || { echo "FAIL: no relative data line"; fail=1; }
grep -Eq '^  00:00:00\.100000 IP 10\.0\.0\.1\.1037 > 10\.0\.0\.2\.9: Flags \[P\.\], seq [0-9]{4,}:[0-9]{4,}, ack [0-9]{4,}, ' "$tmp/s25.txt" || { echo "FAIL: no absolute data line"; fail=1; }
# S22's relative ack after two RST,ACKs on one flow is what tcpdump prints too
"$bin" demo S22 | grep -Fq 'Flags [R.], seq 0, ack 4294967293, win 0, length 0' || { echo "FAIL: S22 line changed"; fail=1; }

[ $fail -eq 0 ] && echo "PASS: demo packet lines = tcpdump -n [-S] -r of the demo's pcap (S25, S22, S15)"
exit $fail
