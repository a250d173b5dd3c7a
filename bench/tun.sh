#!/usr/bin/env bash
# bench/tun.sh — synack <-> Linux over a TUN device against Linux <-> Linux over a veth
# pair, in the same run (make bench calls it; root). The Linux side is bench/tun_peer
# everywhere, so the figures differ only by the peer and the link:
#
#   bulk, Linux sends:    tun_peer source -> synack discard           | tun_peer source -> tun_peer sink
#   bulk, synack sends:   synack connect --send-file -> tun_peer sink | (the same veth figure)
#   connection rate:      tun_peer rate -> synack echo              | tun_peer rate -> tun_peer echo
#                         (sequential: connect, 1 byte each way, close; the client closes first)
#
# Bulk MB/s is timed by tun_peer on the Linux side: source from connect to the peer's EOF
# (Linux sends), sink from accept to EOF (synack sends). Namespaces: one with synack's TUN devices (Linux at 10.9.{0,1,2}.1), two joined
# by a veth pair (10.8.0.1 and 10.8.0.2), all deleted on exit. Each figure is the median
# of REPEAT runs (BENCH_TUN_REPEAT, default 3), every run printed.
#   usage: bench/tun.sh BUILD_DIR      env: BENCH_TUN_BYTES (default 268435456),
#                                      BENCH_TUN_SECONDS (rate, default 2)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-$root/build}
bytes=${BENCH_TUN_BYTES:-268435456}
secs=${BENCH_TUN_SECONDS:-2}
repeat=${BENCH_TUN_REPEAT:-3}
peer=$b/bench/tun_peer
syn=$b/synack
[ "$(id -u)" -eq 0 ] || { echo "-- tun: skipped (needs root for network namespaces)"; exit 0; }
[ -x "$peer" ] && [ -x "$syn" ] || { echo "-- tun: $peer or $syn not built"; exit 1; }
t=sk_bt_$$ va=sk_bva_$$ vb=sk_bvb_$$
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	ip netns del "$t" 2>/dev/null || true
	ip netns del "$va" 2>/dev/null || true
	ip netns del "$vb" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

"$root/scripts/netns.sh" up "$t" tun0 10.9.0.1/24 >/dev/null
# tun2 persists, so the sink can bind 10.9.2.1 before each synack connect attaches.
ip -n "$t" tuntap add dev tun2 mode tun
ip -n "$t" addr add 10.9.2.1/24 dev tun2
ip -n "$t" link set tun2 up
ip netns add "$va"
ip netns add "$vb"
ip -n "$va" link set lo up
ip -n "$vb" link set lo up
ip -n "$va" link add veth0 type veth peer name veth1 netns "$vb"
ip -n "$va" addr add 10.8.0.1/24 dev veth0
ip -n "$vb" addr add 10.8.0.2/24 dev veth1
ip -n "$va" link set veth0 up
ip -n "$vb" link set veth1 up
# The rate clients close first and keep TIME-WAIT: give them every port, both paths alike.
for n in "$t" "$va"; do
	ip netns exec "$n" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1
done
head -c "$bytes" /dev/zero >"$tmp/bulk.bin"

# wait_listen NS PORT
wait_listen() {
	local i
	for ((i = 0; i < 200; i++)); do
		ip netns exec "$1" ss -ltn "sport = :$2" | grep -q LISTEN && return 0
		sleep 0.05
	done
	echo "-- tun: nothing listens on $2 in $1" >&2
	return 1
}

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# run_series LABEL UNIT FIELD CMD...: runs CMD repeat times, prints each line and the median
run_series() {
	local label=$1 unit=$2 field=$3 i out
	shift 3
	: >"$tmp/series"
	for ((i = 0; i < repeat; i++)); do
		out=$("$@")
		echo "   $out"
		awk -v f="$field" '{ print $f }' <<<"$out" >>"$tmp/series"
	done
	printf '%-48s %10s %s\n' "$label" "$(median <"$tmp/series")" "$unit"
}

# synack servers: discard on tun1 (10.9.1.2), echo on tun0 (10.9.0.2).
ip netns exec "$t" "$syn" discard --tun tun1 --addr 10.9.1.2 --peer 10.9.1.1/24 --ctl none \
	>/dev/null 2>"$tmp/discard.log" &
pids+=($!)
ip netns exec "$t" "$syn" echo --tun tun0 --addr 10.9.0.2 --ctl none >/dev/null 2>"$tmp/echo.log" &
pids+=($!)
for f in discard echo; do
	for ((i = 0; i < 200; i++)); do grep -q listening "$tmp/$f.log" && break; sleep 0.05; done
done
# Linux yardstick servers across the veth pair.
ip netns exec "$vb" "$peer" echo 10.8.0.2 7 2>/dev/null &
pids+=($!)
wait_listen "$vb" 7

# sink_run NS ADDR PORT WHO -- CLIENT...: a Linux sink for one connection, CLIENT sends
# to it; prints the line of WHO (sink or client)
sink_run() {
	local ns=$1 addr=$2 port=$3 who=$4 sp out
	shift 5
	ip netns exec "$ns" "$peer" sink "$addr" "$port" >"$tmp/sink.out" 2>/dev/null &
	sp=$!
	wait_listen "$ns" "$port"
	out=$("$@" 2>/dev/null)
	wait "$sp"
	if [ "$who" = sink ]; then cat "$tmp/sink.out"; else echo "$out"; fi
}

echo "== tun: bulk, $bytes bytes, one connection (MB = 10^6 bytes) =="
run_series "Linux -> synack (TUN, synack discard)" MB/s 6 \
	ip netns exec "$t" "$peer" source 10.9.1.2 9 "$bytes"
run_series "Linux -> Linux (veth)" MB/s 6 \
	sink_run "$vb" 10.8.0.2 9 client -- ip netns exec "$va" "$peer" source 10.8.0.2 9 "$bytes"
run_series "synack -> Linux (TUN, synack connect --send-file)" MB/s 6 \
	sink_run "$t" 10.9.2.1 5001 sink -- ip netns exec "$t" "$syn" connect --tun tun2 --addr 10.9.2.2 \
	--ctl none --send-file "$tmp/bulk.bin" 10.9.2.1 5001
echo "== tun: connection rate, ${secs} s sequential (connect, 1 B each way, close) =="
run_series "Linux -> synack echo (TUN)" conn/s 6 \
	ip netns exec "$t" "$peer" rate 10.9.0.2 7 "$secs"
run_series "Linux -> Linux echo (veth)" conn/s 6 \
	ip netns exec "$va" "$peer" rate 10.8.0.2 7 "$secs"
