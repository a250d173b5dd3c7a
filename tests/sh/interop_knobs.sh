#!/usr/bin/env bash
# --set / --get of the TUN programs (tools/tun_common.c): every struct synack_config
# field is a knob at its own width with its range checked.
#  1. Bad values give an exact error naming the knob and its range, exit status 2,
#     before any device is touched: a uint8_t knob takes 0..255 (accept_source_route,
#     whose engine range is 0..1, says so), a uint16_t one 0..65535, a uint32_t one stops
#     at 4294967295.
#  2. `--get all` prints, from the running stack, exactly the fields the public header
#     declares, in its order (a field added to the struct without a knob fails here).
#  3. The values take effect: with `--set icmp_echo_ignore_all=1 --set
#     accept_source_route=1` (both uint8_t, not settable before) Linux's pings go
#     unanswered and a SYN carrying a completed loose source route (sent by a raw
#     socket) gets a SYN-ACK; with the defaults the pings are answered and that SYN is
#     dropped. Checked on synack's own capture.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need ping python3

expect_err() {
	local want=$1 out rc=0
	shift
	out=$("$bin" echo "$@" --tun knob0 --addr 10.9.0.2 2>&1) || rc=$?
	expect_eq "exit status of echo $*" "$rc" 2
	expect_eq "error of echo $*" "$out" "$want"
}
expect_err "synack echo: --set accept_source_route=2: out of range 0..1" \
	--set accept_source_route=2
expect_err "synack echo: --set icmp_echo_ignore_all=256: out of range 0..255" \
	--set icmp_echo_ignore_all=256
expect_err "synack echo: --set ip_local_port_range_hi=65536: out of range 1..65535" \
	--set ip_local_port_range_hi=65536
expect_err "synack echo: --set syn_retries=4294967296: out of range 0..4294967295" \
	--set syn_retries=4294967296
expect_err "synack echo: --set mtu=67: out of range 68..65535" --set mtu=67
expect_err "synack echo: --set ip_default_ttl=-1: not a number: expected 1..255" \
	--set ip_default_ttl=-1
expect_err "synack echo: --set sack=1x: not a number: expected 0..4294967295" --set sack=1x
expect_err "synack echo: --set congestion_control=abcdefghijklmnop: expected 1..15 characters" \
	--set congestion_control=abcdefghijklmnop
expect_err "synack echo: --set nosuch=1: unknown knob (--get all lists them)" --set nosuch=1
expect_err "synack echo: --set mtu: expected NAME=VALUE" --set mtu
expect_err "synack echo: --get nosuch: unknown knob (--get all lists them)" --get nosuch

# A SYN 10.9.0.1:40000 -> 10.9.0.2:7 with a loose source route already completed
# (pointer 8 > length 7; the hop recorded: 10.9.0.1), sent through a raw socket.
send_lsrr_syn() {
	it_in python3 - <<'EOF'
import socket, struct
src, dst = socket.inet_aton("10.9.0.1"), socket.inet_aton("10.9.0.2")
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
tcp = struct.pack("!HHIIBBHHH", 40000, 7, 1000, 0, 5 << 4, 0x02, 65535, 0, 0)
tcp = tcp[:16] + struct.pack("!H", csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
opt = bytes([131, 7, 8]) + src + bytes([0])
ip = struct.pack("!BBHHHBBH4s4s", 0x47, 0, 28 + len(tcp), 1, 0, 64, 6, 0, src, dst)
ip = ip[:10] + struct.pack("!H", csum(ip + opt)) + ip[12:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.sendto(ip + opt + tcp, ("10.9.0.2", 0))
EOF
}

# counters_reach AWK-CONDITION: true once `synack ss -s` satisfies it (c[NAME] = value).
counters_reach() {
	it_in "$bin" ss --tun tun0 -s 2>/dev/null |
		awk -v cond="$1" '$2 ~ /^[0-9]+$/ { c[$1] = $2 }
			END { split(cond, a, ">="); exit !(c[a[1]] + 0 >= a[2] + 0) }'
}

# run NAME UNTIL WAIT ARGS...: synack echo with ARGS; pings 3 times (each reply awaited
# up to WAIT s: generous where replies are expected, short where none may come) and sends
# the source-routed SYN, waits until counter condition UNTIL holds (the SYN handled), stops.
run() {
	local name=$1 until=$2 wait=$3
	shift 3
	it_start "$name" echo --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24 "$@"
	it_wait_log "$name" 'listening on tun0 port 7'
	it_in timeout 90 ping -n -c 3 -i 0.2 -W "$wait" 10.9.0.2 >"$IT_TMP/$name.ping" 2>&1 || true
	send_lsrr_syn || fail "$name: raw socket send failed"
	it_poll 30 counters_reach "$until" || fail "$name: no $until within 30 s"
	it_stop "$IT_PID" || fail "$name: synack echo exited with status $?"
}
synacks() {
	"$bin" trace -t "$IT_TMP/$1.pcap" |
		grep -c '^IP 10\.9\.0\.2\.7 > 10\.9\.0\.1\.40000: Flags \[S\.\]' || true
}

it_ns_up
run dflt ip_srr_denied>=1 20 --get icmp_echo_ignore_all --get accept_source_route
expect_eq "defaults read back" "$(grep -E '^synack echo: [a-z_]+=' "$IT_TMP/dflt.log")" \
"synack echo: icmp_echo_ignore_all=0
synack echo: accept_source_route=0"
grep -q '3 packets transmitted, 3 received' "$IT_TMP/dflt.ping" ||
	fail "defaults: pings not answered: $(cat "$IT_TMP/dflt.ping")"
expect_eq "SYN-ACKs to the source-routed SYN (accept_source_route=0)" "$(synacks dflt)" 0

run set tcp_out>=1 2 --set icmp_echo_ignore_all=1 --set accept_source_route=1 \
	--set ip_local_port_range_lo=40000 --set congestion_control=reno --get all
fields=$(awk '/^struct synack_config \{/ { on = 1; next } on && /^\};/ { exit }
	on && match($0, /^\t(uint(8|16|32)_t|char) +[a-z_0-9]+/) {
		n = substr($0, RSTART, RLENGTH); sub(/.* /, "", n); print n }' \
	"$srcdir/include/synack/synack.h")
[ "$(wc -l <<<"$fields")" -ge 40 ] || fail "parsed only these fields: $fields"
expect_eq "--get all names" "$(sed -nE 's/^synack echo: ([a-z_0-9]+)=.*/\1/p' "$IT_TMP/set.log")" \
	"$fields"
for kv in icmp_echo_ignore_all=1 accept_source_route=1 ip_local_port_range_lo=40000 \
	ip_local_port_range_hi=60999 congestion_control=reno mtu=1500 syn_retries=7; do
	grep -qx "synack echo: $kv" "$IT_TMP/set.log" || fail "--get all lacks '$kv'"
done
grep -q '3 packets transmitted, 0 received' "$IT_TMP/set.ping" ||
	fail "icmp_echo_ignore_all=1: $(cat "$IT_TMP/set.ping")"
expect_eq "echo replies in the capture (icmp_echo_ignore_all=1)" \
	"$("$bin" trace -t "$IT_TMP/set.pcap" | grep -c 'ICMP echo reply' || true)" 0
expect_eq "SYN-ACKs to the source-routed SYN (accept_source_route=1)" "$(synacks set)" 1
echo "PASS: knob errors exact; --get all == the header's fields; uint8_t knobs take effect"
