#!/usr/bin/env bash
# synack as the client (`synack connect`) against Linux servers in a namespace:
#   Python's http.server: GET of a 1-byte file (exact status line and body) and of 64 MiB
#       (body SHA-256 equal to the file's), the request half-closed after its last byte;
#   socat (TCP-LISTEN, fork): 1 byte and 64 MiB uploaded by synack (--send-file), the
#       bytes the server wrote to disk have the same SHA-256;
#   60 sequential connections to a socat echo server (one synack process each): every
#       answer exact, 60 connections accepted by socat, at least 58 distinct source ports
#       (RFC 6056 with a new secret per process), and none left on Linux's side
#       (synack closes first, Linux's sockets pass LAST-ACK and vanish).
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need python3 socat sha256sum
it_ns_up
conn=(connect --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24)
www=$IT_TMP/www
mkdir "$www" "$IT_TMP/up"
printf x >"$www/one.bin"
head -c 67108864 /dev/urandom >"$www/big.bin"

# http_get NAME PATH: GET PATH with HTTP/1.0 through synack connect, response in NAME.resp
http_get() {
	printf 'GET %s HTTP/1.0\r\nHost: 10.9.0.1\r\n\r\n' "$2" |
		it_in timeout 300 "$bin" "${conn[@]}" --pcap "$IT_TMP/$1.pcap" 10.9.0.1 8080 \
			>"$IT_TMP/$1.resp" 2>"$IT_TMP/$1.log" || fail "synack connect ($1) exited $?"
}

# body NAME: the response body (after the first empty line). Written with os.write until
# all of it is out: a write to a pipe returns short when the process is stopped and
# continued, and Python 3.11's sys.stdout.buffer.write then returns the short count
# without an error: under SIGSTOPs that cut the body and made `body big | sha256sum`
# differ with synack's output right (REQUESTS.md, ring).
body() {
	python3 -c 'import os, sys; d = open(sys.argv[1], "rb").read(); m = memoryview(d)[d.index(b"\r\n\r\n") + 4:]
while m: m = m[os.write(1, m):]' "$IT_TMP/$1.resp"
}

ip netns exec "$IT_NS" python3 -m http.server --bind 10.9.0.1 --directory "$www" 8080 >"$IT_TMP/httpd.log" 2>&1 &
IT_PIDS+=("$!")
it_wait_listen 8080
http_get one /one.bin
expect_eq "1-byte status line" "$(head -1 "$IT_TMP/one.resp" | tr -d '\r')" "HTTP/1.0 200 OK"
expect_eq "1-byte body" "$(body one | od -An -tx1 | tr -d ' ')" 78
http_get big /big.bin
expect_eq "64 MiB status line" "$(head -1 "$IT_TMP/big.resp" | tr -d '\r')" "HTTP/1.0 200 OK"
body big >"$IT_TMP/big.body"
# on a mismatch, say where: the size and the first differing byte (the capture, kept in
# interop-failures/, holds what Linux sent: compare it with what synack delivered)
cmp -s "$IT_TMP/big.body" "$www/big.bin" ||
	fail "64 MiB body: $(stat -c %s "$IT_TMP/big.body") bytes, $(cmp "$IT_TMP/big.body" "$www/big.bin" 2>&1 | head -1)"
rm -f "$IT_TMP/big.resp" "$IT_TMP/big.body" "$IT_TMP/big.pcap"

# Uploads to socat, which writes each connection's bytes to a new file.
ip netns exec "$IT_NS" socat -u TCP-LISTEN:8001,bind=10.9.0.1,reuseaddr,fork \
	SYSTEM:'cat > '"$IT_TMP"'/up/$SOCAT_PEERPORT' 2>"$IT_TMP/socat_up.log" &
IT_PIDS+=("$!")
it_wait_listen 8001
# has_upload N: socat's file (the first non-empty one, named in $f) has N bytes or more
has_upload() {
	f=$(grep -l . /dev/null "$IT_TMP"/up/* 2>/dev/null | head -1 || true)
	[ -n "$f" ] && [ "$(stat -c %s "$f")" -ge "$1" ]
}
# upload NAME FILE: send FILE, then wait (bounded: socat's child and cat may still be
# copying after synack's connection closed) until socat's file has all of it
upload() {
	local n
	n=$(stat -c %s "$2")
	it_in timeout 300 "$bin" "${conn[@]}" --pcap "$IT_TMP/$1.pcap" --send-file "$2" \
		10.9.0.1 8001 </dev/null >/dev/null 2>"$IT_TMP/$1.log" || fail "synack connect ($1) exited $?"
	it_poll 60 has_upload "$n" || true
	[ -n "$f" ] || fail "$1: socat wrote nothing"
	expect_eq "$1: sha256 of what Linux received" "$(sha256sum <"$f")" "$(sha256sum <"$2")"
	rm -f "$f"
}
upload up1 "$www/one.bin"
upload up64 "$www/big.bin"
rm -f "$IT_TMP/up64.pcap"

# Sequential connections to an echo server.
ip netns exec "$IT_NS" socat -d -d TCP-LISTEN:8002,bind=10.9.0.1,reuseaddr,fork EXEC:cat 2>"$IT_TMP/socat_echo.log" &
IT_PIDS+=("$!")
it_wait_listen 8002
: >"$IT_TMP/seq.log"
for i in $(seq 60); do
	got=$(printf 'hello %d\n' "$i" | it_in timeout 60 "$bin" "${conn[@]}" --ctl none -v 10.9.0.1 8002 \
		2>>"$IT_TMP/seq.log") || fail "sequential connection $i exited $?"
	expect_eq "sequential answer $i" "$got" "hello $i"
done
expect_eq "connections logged by synack" "$(grep -c '^synack connect: connected to 10.9.0.1:8002$' "$IT_TMP/seq.log")" 60
expect_eq "connections accepted by socat" "$(grep -Ec 'accepting connection from AF=2 10\.9\.0\.2:[0-9]+ on AF=2 10\.9\.0\.1:8002' "$IT_TMP/socat_echo.log")" 60
# Each process has its own secret, so RFC 6056 starts each at its own offset (not all at
# 32768, where the 4-tuple of the previous process would be reused at once): 60 random
# draws from 28232 ports repeat one with probability ~6 %, three or more ~1e-4.
grep -Eo 'accepting connection from AF=2 10\.9\.0\.2:[0-9]+ on AF=2 10\.9\.0\.1:8002' "$IT_TMP/socat_echo.log" |
	sed -E 's/.*10\.9\.0\.2:([0-9]+) on .*/\1/' | sort -un >"$IT_TMP/seq_ports.txt"
n=$(wc -l <"$IT_TMP/seq_ports.txt")
[ "$n" -ge 58 ] ||
	fail "60 sequential processes used only $n distinct source ports"
# synack closes first (stdin EOF), socat's cat then ends: Linux is the passive closer and
# every one of its sockets is gone once synack acknowledged its FIN (before exiting); the
# last socat children may still be exiting on a loaded machine, hence the poll.
no_sockets_left() {
	left=$(it_in ss -tan '( sport = :8002 )' | awk 'NR > 1 && $1 != "LISTEN"' | wc -l)
	[ "$left" -eq 0 ]
}
it_poll 30 no_sockets_left || true
expect_eq "Linux sockets left on port 8002" "$left" 0
echo "PASS: synack client: http.server 1 B + 64 MiB, socat upload 1 B + 64 MiB, 60 sequential echo connections"
