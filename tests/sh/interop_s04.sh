#!/usr/bin/env bash
# S04 half-close with Linux closing first (the other direction, synack closing first and
# still receiving the answer, is in interop_connect.sh): a Linux client sends an HTTP/1.0
# request to `synack http` and at once shutdown(SHUT_WR)s; synack, in CLOSE-WAIT
# (RFC 9293 §3.10.7.4, eighth check: FIN in ESTABLISHED), still sends the 1 MiB answer,
# then its own FIN. Checked: the client reads all of it (SHA-256 of the body) and then
# EOF; in synack's capture Linux's FIN comes before synack's last data segment, synack's
# FIN comes after all its data, and nobody sent a RST (but synack's answer to Linux's ACK
# of a FIN synack sent twice, see the end).
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need python3 sha256sum
it_ns_up
mkdir "$IT_TMP/www"
head -c 1048576 /dev/urandom >"$IT_TMP/www/mib.bin"
it_start http http --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24 --root "$IT_TMP/www"
it_wait_log http 'serving .* on tun0 port 80'

got=$(it_in timeout 90 python3 -c '
import hashlib, socket
s = socket.create_connection(("10.9.0.2", 80), timeout=60)
s.sendall(b"GET /mib.bin HTTP/1.0\r\n\r\n")
s.shutdown(socket.SHUT_WR)
d = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    d += b
head, body = d.split(b"\r\n\r\n", 1)
print(head.split(b"\r\n")[0].decode(), len(body), hashlib.sha256(body).hexdigest())
') || fail "client exited $?"
expect_eq "answer after Linux's FIN" "$got" "HTTP/1.1 200 OK 1048576 $(sha256sum <"$IT_TMP/www/mib.bin" | cut -d' ' -f1)"
it_stop "$IT_PID" || fail "synack http exited $?"

"$bin" trace "$IT_TMP/http.pcap" >"$IT_TMP/s04.txt"
lfin=$(grep -n '^.* IP 10\.9\.0\.1\.[0-9]* > 10\.9\.0\.2\.80: Flags \[F' "$IT_TMP/s04.txt" | head -1 | cut -d: -f1)
# synack's last data: the line where its highest sequence number first went out (a copy
# sent again later by RFC 8985's tail loss probe or an RTO, which a loaded machine can
# provoke by delaying Linux's ACKs, is not new data and may follow the FIN)
lastdata=$(awk '$3 ~ /^10\.9\.0\.2\.80$/ && / length [1-9][0-9]*$/ && match($0, /, seq [0-9]+:[0-9]+,/) {
	split(substr($0, RSTART + 6, RLENGTH - 7), r, ":")
	if (r[2] + 0 > max) { max = r[2] + 0; line = NR }
} END { print line }' "$IT_TMP/s04.txt")
sfin=$(grep -n '^.* IP 10\.9\.0\.2\.80 > .*Flags \[F' "$IT_TMP/s04.txt" | head -1 | cut -d: -f1)
[ -n "$lfin" ] && [ -n "$lastdata" ] && [ -n "$sfin" ] || fail "capture: Linux FIN '$lfin', last data '$lastdata', synack FIN '$sfin'"
[ "$lfin" -lt "$lastdata" ] || fail "Linux's FIN (line $lfin) after synack's last data (line $lastdata)"
[ "$sfin" -ge "$lastdata" ] || fail "synack's FIN (line $sfin) before its last data (line $lastdata)"
# No RST, but the one RFC 9293 asks for after a FIN sent twice (lib.sh it_stray_rsts):
# under load synack's tail loss probe or RTO resends its last segment with the FIN, Linux
# acknowledges the first copy (synack's LAST-ACK closes), then from TIME-WAIT the second,
# and that ACK arrives for no connection: synack answers <SEQ=SEG.ACK><CTL=RST>
# (§3.10.7.1). Any other RST, or that one without the second FIN, fails.
expect_eq "RST segments (lib.sh, it_stray_rsts)" "$(it_stray_rsts "$IT_TMP/http.pcap")" 0
echo "PASS: S04 Linux half-closes first, synack sends 1 MiB after the FIN, then closes"
