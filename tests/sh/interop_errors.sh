#!/usr/bin/env bash
# Clear errors and clean exits of the TUN programs:
#   device busy: a second synack on a device the first one holds;
#   no permission: an unprivileged user cannot open /dev/net/tun;
#   address in use: two synack processes asking for the same control socket path;
#   usage errors (exit 2) for a malformed --peer and --addr;
#   SIGINT with a connection open: the Linux client reads EOF (synack's FIN), closes, and
#   synack exits 0 after the close completed (FIN from each side, no RST).
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need python3 setpriv
it_ns_up

it_start echo echo --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24 --ctl "$IT_TMP/ctl.sock"
echo_pid=$IT_PID
it_wait_log echo 'listening on tun0 port 7'

# run_err NAME WANT_STATUS WANT_MESSAGE ARGS...
run_err() {
	local name=$1 want_st=$2 want_msg=$3 st=0
	shift 3
	it_in timeout 60 "$@" </dev/null >/dev/null 2>"$IT_TMP/$name.log" || st=$?
	expect_eq "$name: exit status" "$st" "$want_st"
	expect_eq "$name: message" "$(head -1 "$IT_TMP/$name.log")" "$want_msg"
}

run_err busy 1 "synack discard: tun0: device busy: another process is attached to it" \
	"$bin" discard --tun tun0 --addr 10.9.0.3
run_err perm 1 "synack echo: /dev/net/tun: permission denied: a TUN device needs root or CAP_NET_ADMIN" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$bin" echo --tun tun5 --addr 10.9.5.2
run_err inuse 1 "synack echo: control socket $IT_TMP/ctl.sock: address in use (another synack serves it)" \
	"$bin" echo --tun tun1 --addr 10.9.1.2 --peer 10.9.1.1/24 --ctl "$IT_TMP/ctl.sock"
run_err badpeer 2 "synack echo: --peer: expected ADDRESS/PREFIX (10.9.0.1/24), got '10.9.0.1'" \
	"$bin" echo --tun tun1 --addr 10.9.1.2 --peer 10.9.0.1
run_err badaddr 2 "synack echo: --addr: not an IPv4 address: '10.9.1'" \
	"$bin" echo --tun tun1 --addr 10.9.1
# The busy attempt left the first server working.
[ "$(printf 'still\n' | it_in timeout 60 nc -N 10.9.0.2 7)" = still ] || fail "echo broken after the busy attempt"

# SIGINT with a connection open. The client first has a line echoed: then synack has
# completed the handshake and its echo server accepted the connection (connect()
# returning on Linux's side only says Linux sent the third ACK, which synack may not
# have read yet when a loaded machine delivers the signal first).
it_in timeout 90 python3 -c '
import socket
s = socket.create_connection(("10.9.0.2", 7), timeout=60)
s.sendall(b"ping\n")
got = b""
while got != b"ping\n":
    d = s.recv(100)
    if not d:
        break
    got += d
print("connected" if got == b"ping\n" else "echo %r" % got, flush=True)
d = s.recv(100)
print("eof" if d == b"" else "data %r" % d, flush=True)
s.close()
' >"$IT_TMP/client.out" &
cpid=$!
IT_PIDS+=("$cpid")
it_poll 60 grep -qs connected "$IT_TMP/client.out" || fail "client: $(cat "$IT_TMP/client.out")"
kill -INT "$echo_pid"
wait "$cpid" || fail "client exited $?"
expect_eq "client saw" "$(tail -1 "$IT_TMP/client.out")" "eof"
it_wait_exit "$echo_pid" 30 || fail "synack echo exited with status $? after SIGINT"
"$bin" trace -t "$IT_TMP/echo.pcap" | grep -v '\.7: Flags \[S\]\|\.7 > .*Flags \[S\.\]' >"$IT_TMP/echo.txt"
expect_eq "RSTs (lib.sh, it_stray_rsts)" "$(it_stray_rsts "$IT_TMP/echo.pcap")" 0
# one FIN per connection, a copy sent again by a timer counted once (lib.sh, it_distinct)
[ "$(it_distinct "$IT_TMP/echo.txt" '^IP 10.9.0.2.7 > .*Flags \[F')" -eq 2 ] || fail "synack's FINs: $(cat "$IT_TMP/echo.txt")"
# synack's last segment acknowledges Linux's FIN (after it, only an RST it_stray_rsts
# explains may follow)
grep '^IP 10.9.0.2.7 ' "$IT_TMP/echo.txt" | tail -1 | grep -q '^IP 10.9.0.2.7 > 10.9.0.1.[0-9]*: Flags \[\.\], ack' ||
	fail "synack's last segment is not its ACK of Linux's FIN: $(tail -1 "$IT_TMP/echo.txt")"
echo "PASS: busy, permission, address in use, usage errors; SIGINT closes cleanly"
