#!/usr/bin/env bash
# Linux clients against synack's echo and discard servers on TUN devices:
#   nc -N: a line comes back byte for byte, the connection closes cleanly (both FINs);
#   socat: 1 MiB of random bytes comes back with the same SHA-256;
#   nc -N to discard (on a second device synack creates itself with --peer): the server
#   reports exactly 1048576 bytes in, 0 out;
#   nc to port 8 (no listener): refused by synack's RST,ACK with seq 0 (S07);
# and both servers exit 0 on SIGTERM.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need nc socat sha256sum
it_ns_up
it_start echo echo --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24
echo_pid=$IT_PID
it_start discard discard --tun tun1 --addr 10.9.1.2 --peer 10.9.1.1/24 --port 9
discard_pid=$IT_PID
it_wait_log echo 'listening on tun0 port 7'
it_wait_log discard 'listening on tun1 port 9'

got=$(printf 'hello synack\n' | it_in timeout 60 nc -N 10.9.0.2 7) || fail "nc exited $?"
expect_eq "nc echo" "$got" "hello synack"
it_wait_log echo ':[0-9]+ done: 13 bytes in, 13 bytes out'

head -c 1048576 /dev/urandom >"$IT_TMP/in.bin"
it_in timeout 120 socat -t 60 - TCP:10.9.0.2:7 <"$IT_TMP/in.bin" >"$IT_TMP/back.bin" ||
	fail "socat exited $?"
expect_eq "socat echo size" "$(stat -c %s "$IT_TMP/back.bin")" 1048576
expect_eq "socat echo sha256" "$(sha256sum <"$IT_TMP/back.bin")" "$(sha256sum <"$IT_TMP/in.bin")"
it_wait_log echo ':[0-9]+ done: 1048576 bytes in, 1048576 bytes out'

it_in timeout 120 nc -N 10.9.1.2 9 <"$IT_TMP/in.bin" >"$IT_TMP/discard.out" || fail "nc to discard exited $?"
expect_eq "discard reply" "$(stat -c %s "$IT_TMP/discard.out")" 0
it_wait_log discard '10\.9\.1\.1:[0-9]+ done: 1048576 bytes in, 0 bytes out'

# S07 from Linux's side: a port nobody listens on is refused (synack's RST,ACK).
st=0
out=$(it_in timeout 60 nc -v -N 10.9.0.2 8 </dev/null 2>&1) || st=$?
expect_eq "nc to a closed port: status" "$st" 1
grep -q 'Connection refused' <<<"$out" || fail "nc to a closed port: $out"

it_stop "$echo_pid" || fail "synack echo exited with status $?"
it_stop "$discard_pid" || fail "synack discard exited with status $?"
# Every connection ended with a FIN from each side; the one RST is the refusal.
"$bin" trace -t "$IT_TMP/echo.pcap" >"$IT_TMP/echo.txt"
expect_eq "RSTs in the echo capture" "$(grep -c 'Flags \[R' "$IT_TMP/echo.txt" || true)" 1
grep -Eq '^IP 10.9.0.2.8 > 10.9.0.1.[0-9]+: Flags \[R\.\], seq 0, ack [0-9]+, win 0, length 0$' "$IT_TMP/echo.txt" ||
	fail "no RST,ACK seq 0 from the closed port: $(grep 'Flags \[R' "$IT_TMP/echo.txt")"
# FINs are counted once per connection and sequence number: when this process is
# descheduled for a few ms on a loaded machine, Linux's tail loss probe (RFC 8985 §7)
# sends its last segment, FIN included, a second time before synack's ACK reaches it;
# synack's own probe does the same when Linux's ACK is late.
expect_eq "FINs from synack (distinct)" "$(it_distinct "$IT_TMP/echo.txt" '^IP 10.9.0.2.7 > .*Flags \[F')" 2
expect_eq "FINs from Linux (distinct)" "$(it_distinct "$IT_TMP/echo.txt" '^IP 10.9.0.1.[0-9]+ > 10.9.0.2.7: Flags \[F')" 2
echo "PASS: echo (nc, socat 1 MiB) and discard (1 MiB) exact"
