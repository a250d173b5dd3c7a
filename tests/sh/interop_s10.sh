#!/usr/bin/env bash
# S10 TIME-WAIT against Linux: `synack http` answers "Connection: close" by closing first,
# so synack is the active closer: `synack ss` lists the connection in TIME-WAIT with the
# timewait timer, Linux (the passive closer) has no TIME-WAIT entry, and with msl_ms=1500
# the entry disappears 2 * MSL = 3 s after the close (accepted: at least 3 s after curl
# started, at most 4.5 s after synack was seen in TIME-WAIT). Then the
# reverse: Linux (curl, keep-alive) closes first and keeps TIME-WAIT, synack keeps nothing.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need curl
it_ns_up
mkdir "$IT_TMP/www"
printf x >"$IT_TMP/www/one.txt"
it_start http http --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24 --root "$IT_TMP/www" --set msl_ms=1500
it_wait_log http 'serving .* on tun0 port 80'
# The TIME-WAIT entry is bracketed by two clocks: it cannot start before curl did
# (t_start), and it has started once `synack ss` shows it (t0). curl may return before
# synack has read Linux's FIN (a loaded machine), hence the poll for the state.
t_start=$(date +%s%N)
got=$(it_in timeout 60 curl -sS -H 'Connection: close' --local-port 45555 http://10.9.0.2/one.txt) ||
	fail "curl exited $?"
expect_eq "body" "$got" x
in_time_wait() {
	line=$(it_in "$bin" ss --tun tun0 | grep '10.9.0.1:45555' | sed -E 's/ +/ /g')
	[ "${line%% *}" = TIME-WAIT ]
}
it_poll 10 in_time_wait || true
t0=$(date +%s%N)
grep -Eq '^TIME-WAIT 0 0 10\.9\.0\.2:80 10\.9\.0\.1:45555 timer:\(timewait,[0-9.]+s,0\)$' <<<"$line" ||
	fail "synack ss: '$line'"
expect_eq "Linux TIME-WAIT entries" "$(it_in ss -tan state time-wait | tail -n +2 | wc -l)" 0
tw_gone() {
	! it_in "$bin" ss --tun tun0 | grep -q '10.9.0.1:45555'
}
it_poll 15 tw_gone || fail "TIME-WAIT entry still there after 15 s"
t1=$(date +%s%N)
gone=$(((t1 - t0) / 1000000))
since_start=$(((t1 - t_start) / 1000000))
# never early (50 ms for the timer wheel's granularity); late by at most 1.5 s (synack
# and this poll woken late on a loaded machine)
[ "$since_start" -ge 2950 ] || fail "TIME-WAIT gone $since_start ms after curl started, want 3000 or more"
[ "$gone" -le 4500 ] || fail "TIME-WAIT gone $gone ms after synack was seen in it, want about 3000"

# The other side: curl keeps the connection alive and closes it first when it exits, so
# Linux is the active closer and keeps the TIME-WAIT entry; synack passes LAST-ACK and
# forgets the connection.
got=$(it_in timeout 60 curl -sS --local-port 45556 http://10.9.0.2/one.txt) || fail "curl exited $?"
expect_eq "body (keep-alive)" "$got" x
# curl has sent its FIN when it exits; Linux is in TIME-WAIT once synack's FIN came back.
linux_time_wait() {
	tw=$(it_in ss -tanH state time-wait '( dport = :80 )' | awk '{ print $3, $4 }')
	[ -n "$tw" ]
}
it_poll 10 linux_time_wait || true
expect_eq "Linux TIME-WAIT entry" "$tw" "10.9.0.1:45556 10.9.0.2:80"
synack_forgot() {
	left=$(it_in "$bin" ss --tun tun0 | grep -c '10.9.0.1:45556' || true)
	[ "$left" -eq 0 ]
}
it_poll 10 synack_forgot || true
expect_eq "synack entries for 10.9.0.1:45556" "$left" 0
it_stop "$IT_PID" || fail "synack http exited $?"
echo "PASS: S10 synack in TIME-WAIT for ${gone}..${since_start} ms (2MSL = 3000), Linux none; Linux in TIME-WAIT, synack none"
