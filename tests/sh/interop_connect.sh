#!/usr/bin/env bash
# `synack connect` (synack as the client) against Linux servers in a namespace:
#   both ways at once: 1 MiB each way, SHA-256 checked on both ends (server.py send);
#   S04 half-close: synack sends 100000 bytes and its FIN, the Linux server answers only
#       after reading EOF, and synack still receives that answer;
#   S07: a port nobody listens on: exit 1, "connection refused", our SYN then Linux's RST;
#   S08: --linger0 aborts: the server's recv fails with ECONNRESET after the data, and
#       synack's last segment is a RST;
#   --bind PORT: the server sees that source port.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need python3 sha256sum
it_ns_up
srv=$srcdir/tests/interop/server.py
conn=(connect --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24)

# Bounds are generous (a loaded CI machine runs this next to other tests): they only
# matter when something hangs. Each Linux server is ready when its file exists.
export SERVER_TIMEOUT=60

# Both directions at once. The Linux side is server.py's send mode (a thread sends while
# the main one reads), not nc: OpenBSD nc -N -l quits when the peer's FIN arrives while its
# stdin is momentarily empty, so under load it stopped sending part way through.
head -c 1048576 /dev/urandom >"$IT_TMP/up.bin"
head -c 1048576 /dev/urandom >"$IT_TMP/down.bin"
it_in timeout 120 python3 "$srv" send 10.9.0.1 8000 "$IT_TMP/r0" "$IT_TMP/down.bin" \
	>"$IT_TMP/both_srv.out" 2>"$IT_TMP/both_srv.log" &
spid=$!
IT_PIDS+=("$spid")
it_wait_file "$IT_TMP/r0"
it_in timeout 120 "$bin" "${conn[@]}" --pcap "$IT_TMP/both.pcap" 10.9.0.1 8000 \
	<"$IT_TMP/up.bin" >"$IT_TMP/cli_got.bin" 2>"$IT_TMP/both.log" || fail "synack connect exited $?"
wait "$spid" || fail "server.py send exited $? ($(cat "$IT_TMP/both_srv.log"))"
expect_eq "bytes Linux received" "$(cat "$IT_TMP/both_srv.out")" \
	"received 1048576 bytes sha256 $(sha256sum <"$IT_TMP/up.bin" | cut -d' ' -f1)"
expect_eq "bytes synack received" "$(sha256sum <"$IT_TMP/cli_got.bin")" "$(sha256sum <"$IT_TMP/down.bin")"

# S04 half-close: the answer comes after our FIN.
head -c 100000 /dev/urandom >"$IT_TMP/half.bin"
it_in timeout 90 python3 "$srv" halfclose 10.9.0.1 8001 "$IT_TMP/r1" >"$IT_TMP/half_srv.out" &
spid=$!
IT_PIDS+=("$spid")
it_wait_file "$IT_TMP/r1"
got=$(it_in timeout 60 "$bin" "${conn[@]}" --pcap "$IT_TMP/half.pcap" --send-file "$IT_TMP/half.bin" \
	10.9.0.1 8001 2>"$IT_TMP/half.log") || fail "synack connect (half-close) exited $?"
wait "$spid"
expect_eq "answer after our FIN" "$got" "got 100000 bytes sha256 $(sha256sum <"$IT_TMP/half.bin" | cut -d' ' -f1)"
"$bin" trace -t "$IT_TMP/half.pcap" >"$IT_TMP/half.txt"
# Our FIN precedes the server's data segment in the capture.
fin_line=$(grep -n '^IP 10.9.0.2.[0-9]* > 10.9.0.1.8001: Flags \[F' "$IT_TMP/half.txt" | head -1 | cut -d: -f1)
data_line=$(grep -n '^IP 10.9.0.1.8001 > .*length 8[0-9]$' "$IT_TMP/half.txt" | head -1 | cut -d: -f1)
[ -n "$fin_line" ] && [ -n "$data_line" ] && [ "$fin_line" -lt "$data_line" ] ||
	fail "half-close order: FIN at line '$fin_line', answer at line '$data_line'"

# S07 refused.
st=0
it_in timeout 60 "$bin" "${conn[@]}" --pcap "$IT_TMP/refused.pcap" 10.9.0.1 8999 </dev/null \
	2>"$IT_TMP/refused.log" || st=$?
expect_eq "refused: exit status" "$st" 1
expect_eq "refused: message" "$(cat "$IT_TMP/refused.log")" "synack connect: 10.9.0.1:8999: connection refused"
"$bin" trace -t "$IT_TMP/refused.pcap" | sed -E 's/ seq [0-9]+,/ seq N,/; s/ack [0-9]+,/ack N,/; s/\.[0-9]+ >/.P >/; s/\.[0-9]+: /.P: /; s/, options .*//' >"$IT_TMP/refused.txt"
expect_eq "refused: capture" "$(cat "$IT_TMP/refused.txt")" "IP 10.9.0.2.P > 10.9.0.1.P: Flags [S], seq N, win 65535
IP 10.9.0.1.P > 10.9.0.2.P: Flags [R.], seq N, ack N, win 0, length 0"

# S08 abort with SO_LINGER {1, 0}.
it_in timeout 90 python3 "$srv" reset 10.9.0.1 8002 "$IT_TMP/r2" >"$IT_TMP/reset_srv.out" &
spid=$!
IT_PIDS+=("$spid")
it_wait_file "$IT_TMP/r2"
head -c 5000 /dev/urandom >"$IT_TMP/five.bin"
it_in timeout 60 "$bin" "${conn[@]}" --pcap "$IT_TMP/abort.pcap" --linger0 --send-file "$IT_TMP/five.bin" \
	10.9.0.1 8002 2>"$IT_TMP/abort.log" || fail "synack connect --linger0 exited $?"
wait "$spid"
# The data may or may not have been read before the RST arrived; the RST must be seen.
grep -Eq '^reset after [0-9]+ bytes$' "$IT_TMP/reset_srv.out" || fail "server saw: $(cat "$IT_TMP/reset_srv.out")"
last=$("$bin" trace -t "$IT_TMP/abort.pcap" | grep '^IP 10.9.0.2' | tail -1)
grep -q 'Flags \[R' <<<"$last" || fail "synack's last segment is not a RST: $last"

# --bind PORT
it_in timeout 90 python3 "$srv" peer 10.9.0.1 8003 "$IT_TMP/r3" >"$IT_TMP/peer_srv.out" &
spid=$!
IT_PIDS+=("$spid")
it_wait_file "$IT_TMP/r3"
it_in timeout 60 "$bin" "${conn[@]}" --bind 40123 10.9.0.1 8003 </dev/null >/dev/null 2>"$IT_TMP/bind.log" ||
	fail "synack connect --bind exited $?"
wait "$spid"
expect_eq "--bind source port" "$(cat "$IT_TMP/peer_srv.out")" "peer 10.9.0.2:40123"
echo "PASS: connect both ways 1 MiB, S04 half-close, S07 refused, S08 abort, --bind"
