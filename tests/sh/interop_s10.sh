#!/usr/bin/env bash
# S10 TIME-WAIT against Linux: `synack http` answers "Connection: close" by closing first,
# so synack is the active closer: `synack ss` lists the connection in TIME-WAIT with the
# timewait timer, Linux (the passive closer) has no TIME-WAIT entry, and with msl_ms=1500
# the entry disappears 2 * MSL = 3 s after the close (accepted: 2.7 .. 4 s). Then the
# reverse: Linux (curl, keep-alive) closes first and keeps TIME-WAIT, synack keeps nothing.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need curl
it_ns_up
mkdir "$IT_TMP/www"
printf x >"$IT_TMP/www/one.txt"
it_start http http --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24 --root "$IT_TMP/www" --set msl_ms=1500
it_wait_log http 'serving .* on tun0 port 80'
got=$(it_in timeout 10 curl -sS -H 'Connection: close' --local-port 45555 http://10.9.0.2/one.txt) ||
	fail "curl exited $?"
t0=$(date +%s%N)
expect_eq "body" "$got" x
line=$(it_in "$bin" ss --tun tun0 | grep '10.9.0.1:45555' | sed -E 's/ +/ /g')
grep -Eq '^TIME-WAIT 0 0 10\.9\.0\.2:80 10\.9\.0\.1:45555 timer:\(timewait,[0-9.]+s,0\)$' <<<"$line" ||
	fail "synack ss: '$line'"
expect_eq "Linux TIME-WAIT entries" "$(it_in ss -tan state time-wait | tail -n +2 | wc -l)" 0
gone=
for ((i = 0; i < 100; i++)); do
	if ! it_in "$bin" ss --tun tun0 | grep -q '10.9.0.1:45555'; then
		gone=$((($(date +%s%N) - t0) / 1000000))
		break
	fi
	sleep 0.05
done
[ -n "$gone" ] || fail "TIME-WAIT entry still there after 5 s"
[ "$gone" -ge 2700 ] && [ "$gone" -le 4000 ] || fail "TIME-WAIT lasted $gone ms, want about 3000"

# The other side: curl keeps the connection alive and closes it first when it exits, so
# Linux is the active closer and keeps the TIME-WAIT entry; synack passes LAST-ACK and
# forgets the connection.
got=$(it_in timeout 10 curl -sS --local-port 45556 http://10.9.0.2/one.txt) || fail "curl exited $?"
expect_eq "body (keep-alive)" "$got" x
tw=$(it_in ss -tanH state time-wait '( dport = :80 )' | awk '{ print $3, $4 }')
expect_eq "Linux TIME-WAIT entry" "$tw" "10.9.0.1:45556 10.9.0.2:80"
for ((i = 0; i < 100; i++)); do
	left=$(it_in "$bin" ss --tun tun0 | grep -c '10.9.0.1:45556' || true)
	[ "$left" -eq 0 ] && break
	sleep 0.05
done
expect_eq "synack entries for 10.9.0.1:45556" "$left" 0
it_stop "$IT_PID" || fail "synack http exited $?"
echo "PASS: S10 synack in TIME-WAIT for ${gone} ms (2MSL = 3000), Linux none; Linux in TIME-WAIT, synack none"
