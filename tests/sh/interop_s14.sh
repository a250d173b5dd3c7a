#!/usr/bin/env bash
# S14 MSS against Linux on a device with MTU 576: synack (--mtu 576) advertises MSS 536
# in its SYN-ACK, Linux advertises 536 too, 200 kB echoed through synack come back
# intact, and no segment in either direction carries more than 536 bytes of payload
# (MSS only in SYN segments): with timestamps on both sides, full segments carry 524.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need socat sha256sum
it_ns_up
it_start echo echo --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24 --mtu 576
it_wait_log echo 'listening on tun0 port 7'
expect_eq "device MTU" "$(it_in cat /sys/class/net/tun0/mtu)" 576
head -c 200000 /dev/urandom >"$IT_TMP/in.bin"
it_in timeout 120 socat -t 60 - TCP:10.9.0.2:7 <"$IT_TMP/in.bin" >"$IT_TMP/back.bin" || fail "socat exited $?"
expect_eq "echo sha256" "$(sha256sum <"$IT_TMP/back.bin")" "$(sha256sum <"$IT_TMP/in.bin")"
it_stop "$IT_PID" || fail "synack echo exited $?"
"$bin" trace -t "$IT_TMP/echo.pcap" >"$IT_TMP/echo.txt"
grep -q '^IP 10.9.0.1.[0-9]* > 10.9.0.2.7: Flags \[S\], .*options \[mss 536,' "$IT_TMP/echo.txt" ||
	fail "Linux's SYN does not carry mss 536: $(grep 'Flags \[S\]' "$IT_TMP/echo.txt")"
grep -q '^IP 10.9.0.2.7 > 10.9.0.1.[0-9]*: Flags \[S\.\], .*options \[mss 536,' "$IT_TMP/echo.txt" ||
	fail "synack's SYN-ACK does not carry mss 536: $(grep 'Flags \[S\.\]' "$IT_TMP/echo.txt")"
expect_eq "MSS options outside SYNs" "$(grep -v 'Flags \[S' "$IT_TMP/echo.txt" | grep -c 'mss' || true)" 0
# Both ends use timestamps (12 option bytes in every segment), and the MSS bounds data
# plus options (RFC 9293 §3.7.1: the effective send MSS subtracts the option bytes), so
# full segments carry 536 - 12 = 524 bytes in each direction.
for dir in '10.9.0.1.[0-9]* > 10.9.0.2.7' '10.9.0.2.7 > 10.9.0.1.[0-9]*'; do
	max=$(grep "^IP $dir:" "$IT_TMP/echo.txt" | grep -Eo 'length [0-9]+$' |
		awk '{ if ($2 > m) m = $2 } END { print m + 0 }')
	expect_eq "largest payload $dir" "$max" 524
done
echo "PASS: S14 MSS 536 both ways on MTU 576, full segments 524 bytes (536 - timestamps)"
