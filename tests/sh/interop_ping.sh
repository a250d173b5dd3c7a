#!/usr/bin/env bash
# Linux pings synack: `ping -c 3 10.9.0.2` in a fresh namespace against
# `synack echo --tun tun0` must get 3 replies; the capture synack wrote must hold exactly
# the 3 requests and 3 replies (ids and sequence numbers matching), and synack must exit
# 0 on SIGTERM.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need ping
it_ns_up
it_start echo echo --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24
it_wait_log echo 'listening on tun0 port 7'

out=$(it_in timeout 60 ping -n -c 3 -i 0.2 -W 20 10.9.0.2) || fail "ping failed: $out"
grep -q '3 packets transmitted, 3 received, 0% packet loss' <<<"$out" || fail "ping: $out"

it_stop "$IT_PID" || fail "synack echo exited with status $?"
lines=$("$bin" trace -t "$IT_TMP/echo.pcap" | sed -E 's/id [0-9]+/id N/')
want="IP 10.9.0.1 > 10.9.0.2: ICMP echo request, id N, seq 1, length 64
IP 10.9.0.2 > 10.9.0.1: ICMP echo reply, id N, seq 1, length 64
IP 10.9.0.1 > 10.9.0.2: ICMP echo request, id N, seq 2, length 64
IP 10.9.0.2 > 10.9.0.1: ICMP echo reply, id N, seq 2, length 64
IP 10.9.0.1 > 10.9.0.2: ICMP echo request, id N, seq 3, length 64
IP 10.9.0.2 > 10.9.0.1: ICMP echo reply, id N, seq 3, length 64"
expect_eq "capture" "$lines" "$want"
ids=$("$bin" trace -t "$IT_TMP/echo.pcap" | grep -Eo 'id [0-9]+' | sort -u | wc -l)
expect_eq "distinct ICMP ids" "$ids" 1
echo "PASS: 3 pings answered, capture exact"
