#!/usr/bin/env bash
# S16 backlog against Linux clients: `synack echo --backlog 2 --accept-delay-ms 120000`
# accepts nothing until the test has seen the full queue and sends SIGUSR1 (120 s at
# most: a bound, not a schedule). Four Linux clients connect one after the other: the first two
# complete their handshakes in the stack and wait in the accept queue, their data and
# FIN buffered (ss: LISTEN with Recv-Q 2 of Send-Q 2, two CLOSE-WAIT entries, 9 bytes
# each); the SYNs of the other two are dropped silently (no RST, no SYN-ACK), so Linux
# retransmits them and they connect once the queue is drained. Every client's line
# comes back. Nothing here depends on how fast the machine is: with a fixed accept delay
# (6 s before) a loaded ASan run saw everything accepted before its first look.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need python3
it_ns_up
it_start echo echo --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24 --backlog 2 --accept-delay-ms 120000 --trace
it_wait_log echo 'listening on tun0 port 7'
# One Python process runs the four clients in order, not by timing: each SYN is sent by a
# non-blocking connect() (the SYN is out when it returns), and client 3 starts only once
# clients 1 and 2 are connected, so their third ACKs are ahead of its SYN in the TUN
# queue whatever the load. Each client then runs in its own thread. Clients 3 and 4
# wait up to 130 s for their connection: their SYNs are retransmitted 1, 3, 7, 15, 31
# and 63 s after the first while the queue is full.
it_in timeout 200 python3 -c '
import select, socket, sys, threading
out = {}
def start(n):
    s = socket.socket()
    s.bind(("10.9.0.1", 46000 + n))
    s.setblocking(False)
    s.connect_ex(("10.9.0.2", 7))
    return s
def connected(s):
    _, w, _ = select.select([], [s], [], 130)
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if not w or err:
        raise OSError(err, "connect failed")
def client(n, s):
    try:
        connected(s)
        s.setblocking(True)
        s.settimeout(60)
        s.sendall(b"client %d\n" % n)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            d = s.recv(100)
            if not d:
                break
            data += d
        out[n] = data.decode().strip()
    except OSError as e:
        out[n] = "client %d: %s" % (n, e)
ts = []
for n in (1, 2, 3, 4):
    s = start(n)
    if n <= 2:
        connected(s)
    t = threading.Thread(target=client, args=(n, s))
    t.start()
    ts.append(t)
for t in ts:
    t.join()
for n in (1, 2, 3, 4):
    print(out.get(n, "client %d: no answer" % n))
' >"$IT_TMP/clients.out" &
cpid=$!
IT_PIDS+=($cpid)
# The queued two have sent their line and FIN: CLOSE-WAIT, 9 bytes buffered each; the
# first SYNs of the other two have come (their --trace line is printed as the engine
# takes them, and SIGUSR1 is read by a later turn of the loop). Poll (bounded) for that
# picture instead of guessing how long the clients take to start, then end the delay.
want="LISTEN 1
CLOSE-WAIT 2
total 3"
syn_of() {
	grep -Eq "^[0-9:.]+ IP 10\.9\.0\.1\.$1 > 10\.9\.0\.2\.7: Flags \[S\]," "$IT_TMP/echo.log"
}
queue_full() {
	counts=$(it_in "$bin" ss --tun tun0 -c)
	[ "$counts" = "$want" ] && syn_of 46003 && syn_of 46004
}
it_poll 60 queue_full || true
expect_eq "states while nothing is accepted" "$counts" "$want"
syn_of 46003 && syn_of 46004 || fail "the SYNs of clients 3 and 4 did not come within 60 s"
expect_eq "queued connections with their data" \
	"$(it_in "$bin" ss --tun tun0 | awk '$1 == "CLOSE-WAIT" { print $2, $5 }' | sort)" \
	"9 10.9.0.1:46001
9 10.9.0.1:46002"
it_in "$bin" ss --tun tun0 -l | grep -Eq '^LISTEN +2 +2 +10\.9\.0\.2:7 ' || fail "listener queue: $(it_in "$bin" ss --tun tun0 -l)"
kill -USR1 "$IT_PID" || fail "cannot signal synack echo"
it_wait_log echo 'accepting now'
wait "$cpid" || fail "clients exited $?"
expect_eq "echoes" "$(cat "$IT_TMP/clients.out")" "client 1
client 2
client 3
client 4"
it_stop "$IT_PID" || fail "synack echo exited $?"
"$bin" trace -t "$IT_TMP/echo.pcap" >"$IT_TMP/s16_opts.txt"
sed -E 's/, options .*//' "$IT_TMP/s16_opts.txt" >"$IT_TMP/s16.txt"
expect_eq "RSTs" "$(grep -c 'Flags \[R' "$IT_TMP/s16.txt" || true)" 0
# Clients 1 and 2: their first SYN was answered. synack's first SYN-ACK echoes (TSecr,
# RFC 7323 §4.3) the TSval of the client's first SYN; a copy Linux sent again because
# synack was slow to answer on a loaded machine carries a later TSval and changes nothing.
for n in 1 2; do
	syn_ts=$(grep -m1 "^IP 10.9.0.1.4600$n > 10.9.0.2.7: Flags \[S\]," "$IT_TMP/s16_opts.txt" |
		grep -Eo 'TS val [0-9]+' | cut -d' ' -f3 || true)
	sa_ecr=$(grep -m1 "^IP 10.9.0.2.7 > 10.9.0.1.4600$n: Flags \[S\.\]," "$IT_TMP/s16_opts.txt" |
		grep -Eo 'ecr [0-9]+' | cut -d' ' -f2 || true)
	[ -n "$syn_ts" ] && [ "$sa_ecr" = "$syn_ts" ] ||
		fail "client $n: first SYN with TS val '$syn_ts', synack's first SYN-ACK echoes '$sa_ecr'"
done
for n in 3 4; do
	syns=$(grep -c "^IP 10.9.0.1.4600$n > 10.9.0.2.7: Flags \[S\]," "$IT_TMP/s16.txt")
	[ "$syns" -ge 2 ] || fail "client $n sent $syns SYNs: its first SYN was not dropped"
	first_sa=$(grep -n "^IP 10.9.0.2.7 > 10.9.0.1.4600$n: Flags \[S\.\]" "$IT_TMP/s16.txt" | head -1 | cut -d: -f1)
	second_syn=$(grep -n "^IP 10.9.0.1.4600$n > 10.9.0.2.7: Flags \[S\]," "$IT_TMP/s16.txt" | sed -n 2p | cut -d: -f1)
	[ -n "$first_sa" ] && [ "$first_sa" -gt "$second_syn" ] || fail "client $n got a SYN-ACK before its retransmission"
done
echo "PASS: S16 accept queue of 2 full, further SYNs dropped silently, all 4 clients served"
