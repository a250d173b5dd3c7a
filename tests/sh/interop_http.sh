#!/usr/bin/env bash
# curl and wget against `synack http` in a namespace:
#   GET of a 1-byte file: the exact response head and body;
#   GET of 64 MiB: SHA-256 equal to the file's;
#   wget of the 1-byte file;
#   three URLs on one keep-alive connection (one client port in the log), 404, 403 for
#   "..", 405 for POST;
#   200 sequential connections ("Connection: close", one curl), every body right and 200
#   distinct client ports;
#   100 parallel curls of a 256 KiB file, every SHA-256 right;
#   SIGTERM: exit status 0.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need curl wget sha256sum xargs
it_ns_up
www=$IT_TMP/www
mkdir -p "$www/sub"
printf x >"$www/one.txt"
printf '<h1>synack</h1>\n' >"$www/sub/index.html"
head -c 67108864 /dev/urandom >"$www/big.bin"
head -c 262144 /dev/urandom >"$www/mid.bin"
it_start http http --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24 --root "$www"
it_wait_log http 'serving .* on tun0 port 80'
url=http://10.9.0.2

got=$(it_in timeout 60 curl -sS -i "$url/one.txt" | tr -d '\r') || fail "curl exited $?"
expect_eq "1-byte response" "$got" "HTTP/1.1 200 OK
Server: synack
Content-Type: text/plain
Content-Length: 1
Connection: keep-alive

x"

it_in timeout 300 curl -sS -o "$IT_TMP/big.got" "$url/big.bin" || fail "curl big.bin exited $?"
expect_eq "64 MiB sha256" "$(sha256sum <"$IT_TMP/big.got")" "$(sha256sum <"$www/big.bin")"

expect_eq "wget" "$(it_in timeout 60 wget -q -O - "$url/one.txt")" "x"

: >"$IT_TMP/http.log.mark"
got=$(it_in timeout 60 curl -sS "$url/one.txt" "$url/sub/" "$url/one.txt")
expect_eq "keep-alive bodies" "$got" "x<h1>synack</h1>
x"
ports=$(grep -E '"GET /(one.txt|sub/) HTTP/1.1" 200' "$IT_TMP/http.log" | tail -3 | grep -Eo ':[0-9]+ ' | sort -u | wc -l)
expect_eq "connections used by 3 keep-alive requests" "$ports" 1

expect_eq "404" "$(it_in timeout 60 curl -s -o /dev/null -w '%{http_code}' "$url/nope")" 404
expect_eq "403" "$(it_in timeout 60 curl -s --path-as-is -o /dev/null -w '%{http_code}' "$url/sub/../../etc/passwd")" 403
expect_eq "405" "$(it_in timeout 60 curl -s -o /dev/null -w '%{http_code}' -X POST -d a=b "$url/one.txt")" 405

# 200 sequential connections from one curl.
before=$(grep -c '"GET /one.txt?' "$IT_TMP/http.log" || true)
got=$(it_in timeout 180 curl -sS -H 'Connection: close' "$url/one.txt?[1-200]") || fail "sequential curl exited $?"
expect_eq "200 sequential bodies" "$got" "$(printf 'x%.0s' $(seq 200))"
expect_eq "sequential requests logged" "$(grep -c '"GET /one.txt?[0-9]* HTTP/1.1" 200 1' "$IT_TMP/http.log")" $((before + 200))
expect_eq "distinct client ports" "$(grep '"GET /one.txt?' "$IT_TMP/http.log" | grep -Eo ':[0-9]+ ' | sort -u | wc -l)" 200

# 100 parallel connections.
mkdir "$IT_TMP/par"
seq 100 | it_in timeout 180 xargs -P 100 -I{} curl -sS -o "$IT_TMP/par/{}" "$url/mid.bin" ||
	fail "parallel curls failed"
want=$(sha256sum <"$www/mid.bin" | cut -d' ' -f1)
expect_eq "parallel bodies" "$(cat "$IT_TMP"/par/* | wc -c)" $((100 * 262144))
for f in "$IT_TMP"/par/*; do
	[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$want" ] || fail "parallel body $f differs"
done

it_stop "$IT_PID" || fail "synack http exited with status $?"
echo "PASS: http 1 B + 64 MiB, wget, keep-alive, errors, 200 sequential, 100 parallel"
