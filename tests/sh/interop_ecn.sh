#!/usr/bin/env bash
# ECN (RFC 3168) against Linux: in the test's namespace net.ipv4.tcp_ecn=1 (a
# per-namespace sysctl), so Linux's socat asks for ECN; synack's echo server runs with
# its default tcp_ecn=2 and accepts. 256 KiB go each way byte for byte; in synack's
# capture (printed by `synack trace -v`, and by tcpdump -v when installed, which must
# agree line for line on the handshake):
#   Linux's SYN is the ECN-setup SYN, Flags [SEW], not-ECT (tos 0x0);
#   synack's SYN-ACK is the ECN-setup SYN-ACK, Flags [S.E], not-ECT;
#   both sides' data segments are ECT(0) (tos 0x2,ECT(0)); synack's pure ACKs are not-ECT.
# A second run with synack --set tcp_ecn=0 must answer [S.] and no packet is ECT.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need socat sha256sum
it_ns_up
it_in sysctl -qw net.ipv4.tcp_ecn=1 || fail "cannot set net.ipv4.tcp_ecn in $IT_NS"
expect_eq "tcp_ecn in the namespace" "$(it_in sysctl -n net.ipv4.tcp_ecn)" 1

head -c 262144 /dev/urandom >"$IT_TMP/in.bin"

# run NAME [--set tcp_ecn=N]: echo server, socat sends in.bin and reads it back.
run() {
	local name=$1 pid
	shift
	it_start "$name" echo --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24 "$@"
	pid=$IT_PID
	it_wait_log "$name" 'listening on tun0 port 7'
	it_in timeout 120 socat -t 60 - TCP:10.9.0.2:7 <"$IT_TMP/in.bin" >"$IT_TMP/$name.back" ||
		fail "$name: socat exited $?"
	expect_eq "$name: echo sha256" "$(sha256sum <"$IT_TMP/$name.back")" \
		"$(sha256sum <"$IT_TMP/in.bin")"
	it_wait_log "$name" ':[0-9]+ done: 262144 bytes in, 262144 bytes out'
	it_stop "$pid" || fail "synack echo ($name) exited with status $?"
	"$bin" trace -v "$IT_TMP/$name.pcap" >"$IT_TMP/$name.txt"
}

# lines NAME ERE: how many lines of NAME's trace (header line + TCP line joined) match
lines() {
	paste -d' ' - - <"$IT_TMP/$1.txt" | grep -Ec "$2" || true
}

run ecn
L='10\.9\.0\.1\.[0-9]+'
S='10\.9\.0\.2\.7'
[ "$(lines ecn "tos 0x0,.* $L > $S: Flags \[SEW\]")" -ge 1 ] ||
	fail "no ECN-setup SYN [SEW] not-ECT from Linux: $(head -4 "$IT_TMP/ecn.txt")"
[ "$(lines ecn "tos 0x0,.* $S > $L: Flags \[S\.E\]")" -ge 1 ] ||
	fail "no ECN-setup SYN-ACK [S.E] not-ECT from synack: $(head -4 "$IT_TMP/ecn.txt")"
expect_eq "SYN-ACKs without ECE" "$(lines ecn "$S > $L: Flags \[S\.\]")" 0
linux_ect=$(lines ecn "tos 0x2,ECT\(0\),.* $L > $S: Flags \[[^]]*\],.* seq [0-9]+:[0-9]+")
synack_ect=$(lines ecn "tos 0x2,ECT\(0\),.* $S > $L: Flags \[[^]]*\],.* seq [0-9]+:[0-9]+")
linux_data=$(lines ecn "$L > $S: Flags \[[^]]*\],.* seq [0-9]+:[0-9]+")
synack_data=$(lines ecn "$S > $L: Flags \[[^]]*\],.* seq [0-9]+:[0-9]+")
[ "$linux_data" -gt 0 ] && [ "$synack_data" -gt 0 ] || fail "no data segments in the capture"
# synack resends nothing on this link unless a timer fires under load: a resent segment
# is not-ECT, so ECT(0) must be most of its data and the rest not-ECT, never CE/ECT(1)
synack_plain=$(lines ecn "tos 0x0,.* $S > $L: Flags \[[^]]*\],.* seq [0-9]+:[0-9]+")
expect_eq "synack data ECT(0) + not-ECT" "$((synack_ect + synack_plain))" "$synack_data"
# Linux resends not-ECT (RFC 3168 §6.1.5) when a timer fires on a loaded machine: its
# first transmissions are ECT(0), so most of its data is
[ "$((2 * linux_ect))" -gt "$linux_data" ] || fail "Linux data ECT(0): $linux_ect of $linux_data"
[ "$((2 * synack_ect))" -gt "$synack_data" ] || fail "synack data ECT(0): $synack_ect of $synack_data"
# pure ACKs (length 0, no SYN/FIN) from synack are not-ECT
expect_eq "synack pure ACKs ECT" \
	"$(lines ecn "tos 0x2,.* $S > $L: Flags \[\.\],.* length 0$")" 0
if command -v tcpdump >/dev/null; then
	# tcpdump -v prints the first 4 packets (handshake, first data) as synack trace -v
	tcpdump -n -v -c 4 -r "$IT_TMP/ecn.pcap" >"$IT_TMP/td.txt" 2>/dev/null
	head -8 "$IT_TMP/ecn.txt" | diff - "$IT_TMP/td.txt" ||
		fail "synack trace -v and tcpdump -v differ on the first 4 packets"
fi

run noecn --set tcp_ecn=0
[ "$(lines noecn "$S > $L: Flags \[S\.\]")" -ge 1 ] || fail "tcp_ecn=0: no plain SYN-ACK"
expect_eq "tcp_ecn=0: SYN-ACKs with ECE" "$(lines noecn "$S > $L: Flags \[S\.E\]")" 0
expect_eq "tcp_ecn=0: ECT packets" "$(lines noecn "tos 0x[0-9a-f]*[123],")" 0
echo "PASS: ECN negotiated with Linux (SYN [SEW], SYN-ACK [S.E]), $linux_data + $synack_data data segments all ECT(0); off with tcp_ecn=0"
