#!/usr/bin/env bash
# Transfers against Linux through faults: loss 5 %, delay 20 ms ± 2 ms, reordering 10 %,
# duplication 1 %, each way (the netem substitute `--fault`, docs/tun.md: this kernel has
# no sch_netem). Both directions of data:
#   curl downloads DOWN bytes from `synack http` (synack's sender recovers losses);
#   `synack connect` downloads UP bytes from a Linux server (tests/interop/server.py:
#   synack's receiver gets holes, reordered and duplicated segments and Linux's
#   retransmissions).
# SHA-256 equal both times. synack's own fault counters (`synack ss -s`) prove every kind
# of fault happened both ways, its tcp_retrans that it retransmitted; Linux's RetransSegs
# (the namespace's /proc/net/snmp) that Linux had to.
# Sizes: FAULT_DOWN (default 1 MiB), FAULT_UP (default 64 MiB), bounded by FAULT_TIMEOUT
# seconds each (default 500; ctest gives the script 600 s: 64 MiB took 23 s alone and
# 107 s beside an ASan ctest run on this 2-core VM). Under these
# faults synack -> Linux runs at ~215 KB/s (RACK-TLP, the PAWS and send-buffer changes of
# docs/PERFORMANCE.md "Through faults against Linux"; 124 KB/s with RFC 6675 alone) and
# Linux -> synack at ~2.9 MB/s (64 MiB in 23 s), so ctest runs 64 MiB Linux -> synack and
# 1 MiB synack -> Linux (a few hundred faults that way, every one recovered);
# tests/interop/pending/interop_faults_64m.sh runs 64 MiB each way (~5 min synack -> Linux).
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need curl python3 sha256sum
down=${FAULT_DOWN:-1048576}
up=${FAULT_UP:-67108864}
limit=${FAULT_TIMEOUT:-500}
fault=loss=5%,delay=20ms,jitter=2ms,reorder=10%,dup=1%
it_ns_up
mkdir "$IT_TMP/www"
head -c "$down" /dev/urandom >"$IT_TMP/www/down.bin"
head -c "$up" /dev/urandom >"$IT_TMP/up.bin"

linux_retrans() {
	it_in awk '$1 == "Tcp:" && $13 ~ /^[0-9]+$/ { print $13 }' /proc/net/snmp
}
[ "$(it_in awk '$1 == "Tcp:" { print $13; exit }' /proc/net/snmp)" = RetransSegs ] ||
	fail "/proc/net/snmp: column 13 is not RetransSegs"

# synack sends: curl <- synack http.
it_start http http --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24 --root "$IT_TMP/www" \
	--fault "$fault,seed=11"
http_pid=$IT_PID
it_wait_log http 'serving .* on tun0 port 80'
t0=$(date +%s%N)
it_in timeout "$limit" curl -sS -o "$IT_TMP/got.bin" http://10.9.0.2/down.bin || fail "curl exited $?"
t1=$(date +%s%N)
expect_eq "download sha256" "$(sha256sum <"$IT_TMP/got.bin")" "$(sha256sum <"$IT_TMP/www/down.bin")"
it_in "$bin" ss --tun tun0 -s >"$IT_TMP/http_ss.txt"
for c in rx_fault_lost tx_fault_lost rx_fault_delayed tx_fault_delayed rx_fault_reordered \
	tx_fault_reordered tx_fault_dup tcp_retrans; do
	n=$(awk -v c="$c" '$1 == c || $1 == "driver_" c { print $2 }' "$IT_TMP/http_ss.txt")
	[ "${n:-0}" -ge 1 ] || fail "synack http: counter $c is ${n:-0} ($(tr '\n' ' ' <"$IT_TMP/http_ss.txt"))"
done
it_stop "$http_pid" || fail "synack http exited $?"

# Linux sends: synack connect <- a Python server (sends the file, shuts down writing).
r0=$(linux_retrans)
SERVER_TIMEOUT=$limit ip netns exec "$IT_NS" timeout "$limit" python3 "$srcdir/tests/interop/server.py" send 10.9.0.1 8000 \
	"$IT_TMP/ready" "$IT_TMP/up.bin" >"$IT_TMP/srv.out" &
srvpid=$!
IT_PIDS+=("$srvpid")
for ((i = 0; i < 100; i++)); do [ -e "$IT_TMP/ready" ] && break; sleep 0.05; done
[ -e "$IT_TMP/ready" ] || fail "server not ready"
t2=$(date +%s%N)
it_in timeout "$limit" "$bin" connect --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24 \
	--fault "$fault,seed=12" --pcap "$IT_TMP/connect.pcap" 10.9.0.1 8000 </dev/null \
	>"$IT_TMP/got2.bin" 2>"$IT_TMP/connect.log" || fail "synack connect exited $?"
t3=$(date +%s%N)
wait "$srvpid" || fail "server exited $?"
expect_eq "server" "$(cat "$IT_TMP/srv.out")" "received 0 bytes sha256 $(sha256sum </dev/null | cut -d' ' -f1)"
expect_eq "upload sha256" "$(sha256sum <"$IT_TMP/got2.bin")" "$(sha256sum <"$IT_TMP/up.bin")"
r1=$(linux_retrans)
[ $((r1 - r0)) -ge 1 ] || fail "Linux retransmitted nothing ($r0 -> $r1)"
echo "PASS: through $fault: $down bytes synack -> Linux in $(((t1 - t0) / 1000000)) ms," \
	"$up bytes Linux -> synack in $(((t3 - t2) / 1000000)) ms ($((r1 - r0)) Linux retransmissions)"
