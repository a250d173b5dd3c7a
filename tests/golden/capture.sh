#!/usr/bin/env bash
# capture.sh — records real Linux TCP/IPv4 packets for the wire golden tests.
#
# Run as root: sudo tests/golden/capture.sh [OUTDIR]   (default: tests/golden)
# Needs: iproute2, ethtool, tcpdump, tshark, python3.
#
# Creates two network namespaces joined by a veth pair (10.9.0.1 client, 10.9.0.2 server),
# turns checksum/segmentation offloads off so the captured bytes carry the real checksums
# Linux computed, captures on the client's veth with tcpdump while python3 sockets (i.e.
# Linux's own TCP) run these conversations, one per phase:
#   1 full options: SYN/SYN-ACK (MSS, SACKOK+TS, WS), data both ways, FIN both ways
#   2 tcp_timestamps=0 on both sides: SYN/SYN-ACK with MSS, NOP,NOP,SACKOK, NOP,WS
#   3 tcp_sack=0 on the client: SYN with MSS, NOP,NOP,TS, NOP,WS
#   4 connect to a closed port: RST|ACK from the server
#   5 abortive close (SO_LINGER 0): RST|ACK on an established connection
#   6 IP options (record route) set with IP_OPTIONS on the client socket: IHL 7 SYN
#   7 SACK: three out-of-order segments injected (raw socket, from the client side)
#     after "hello"; the server's Linux answers with dup ACKs carrying 1, 2, 3 SACK blocks
#   8 a 3000-byte UDP datagram with PMTU discovery off: IPv4 fragments (MF, offset)
# Everything is deleted again by the EXIT trap. Nothing touches the host's interfaces.
# Output: OUTDIR/linux.pcap (Ethernet frames) and a listing from tshark (linux.txt).
set -euo pipefail
out=$(cd "${1:-$(dirname "$0")}" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "capture.sh: needs root" >&2; exit 1; }
for t in ip ethtool tcpdump tshark python3; do
	command -v $t >/dev/null || { echo "capture.sh: missing $t" >&2; exit 1; }
done

A=synack_cap_a.$$
B=synack_cap_b.$$
work=$(mktemp -d)
tdpid=
cleanup() {
	[ -n "$tdpid" ] && kill "$tdpid" 2>/dev/null && wait "$tdpid" 2>/dev/null
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$A"
ip netns add "$B"
ip netns exec "$A" ip link add va type veth peer name vb netns "$B"
ip netns exec "$A" ip addr add 10.9.0.1/24 dev va
ip netns exec "$B" ip addr add 10.9.0.2/24 dev vb
for ns_if in "$A va" "$B vb"; do
	set -- $ns_if
	ip netns exec "$1" ip link set lo up
	ip netns exec "$1" ip link set "$2" up
	ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
done
sleep 1

ip netns exec "$A" tcpdump -i va -U --immediate-mode -s 0 -w "$work/cap.pcap" 'ip' 2>"$work/tcpdump.log" &
tdpid=$!
sleep 1

cat >"$work/server.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.9.0.2", port)); s.listen(8)
while True:
    c, _ = s.accept()
    try:
        data = c.recv(100)
        if data == b"quit\n":
            c.close(); break
        if data.startswith(b"hello"):
            c.sendall(b"world\n")
        while c.recv(4096):
            pass
    except ConnectionResetError:
        pass
    c.close()
PY

cat >"$work/client.py" <<'PY'
import socket, struct, sys, time
phase = sys.argv[1]
SRV = ("10.9.0.2", 5000)

def conv(sock):
    sock.connect(SRV); time.sleep(0.2)
    sock.sendall(b"hello\n"); time.sleep(0.2)
    sock.recv(100); time.sleep(0.2)
    sock.shutdown(socket.SHUT_WR); time.sleep(0.3); sock.close()

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def last_from(pcap, sport, dport):
    """the last TCP segment sport->dport in the capture so far (IP header, TCP header)"""
    d = open(pcap, "rb").read(); off = 24; last = None
    while off + 16 <= len(d):
        caplen = struct.unpack("<I", d[off + 8:off + 12])[0]
        fr = d[off + 16:off + 16 + caplen]; off += 16 + caplen
        ip = fr[14:]
        if len(ip) < 20 or ip[9] != 6: continue
        ihl = (ip[0] & 15) * 4; t = ip[ihl:]
        if struct.unpack("!HH", t[:4]) == (sport, dport): last = (ip, t)
    return last

if phase in ("full", "nots", "nosack"):
    conv(socket.socket())
elif phase == "refused":
    s = socket.socket()
    try: s.connect(("10.9.0.2", 5001))
    except ConnectionRefusedError: pass
elif phase == "abort":
    s = socket.socket(); s.connect(SRV); time.sleep(0.2)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
elif phase == "ipopts":
    s = socket.socket()
    s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, bytes([7, 7, 4, 0, 0, 0, 0, 0]))
    conv(s)
elif phase == "sack":
    pcap = sys.argv[2]
    s = socket.socket(); s.connect(SRV); time.sleep(0.2)
    s.sendall(b"hello\n"); time.sleep(0.3); s.recv(100); time.sleep(1.0)
    cport = s.getsockname()[1]
    cip, ct = last_from(pcap, cport, 5000)
    _, st = last_from(pcap, 5000, cport)
    seq, ack = struct.unpack("!II", ct[4:12])
    dl = len(cip) - (cip[0] & 15) * 4 - (ct[12] >> 4) * 4
    nxt = seq + dl
    tsval, tsecr = struct.unpack("!II", ct[24:32])   # NOP,NOP,TS on Linux data/ACKs
    stsval = struct.unpack("!I", st[24:28])[0]
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for i, gap in enumerate((1000, 2000, 3000)):
        pay = bytes([0x61 + i]) * 100
        opts = bytes([1, 1, 8, 10]) + struct.pack("!II", tsval + 1, stsval)
        hdr = struct.pack("!HHIIBBHHH", cport, 5000, (nxt + gap) & 0xffffffff, ack,
                          (20 + len(opts)) // 4 << 4, 0x18, 502, 0, 0) + opts
        ph = struct.pack("!4s4sBBH", socket.inet_aton("10.9.0.1"),
                         socket.inet_aton("10.9.0.2"), 0, 6, len(hdr) + len(pay))
        c = csum(ph + hdr + pay)
        seg = hdr[:16] + struct.pack("!H", c) + hdr[18:] + pay
        iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 0x4242 + i, 0x4000,
                          64, 6, 0, socket.inet_aton("10.9.0.1"), socket.inet_aton("10.9.0.2"))
        iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
        raw.sendto(iph + seg, ("10.9.0.2", 0)); time.sleep(0.2)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
elif phase == "frag":
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT
    u.sendto(bytes(range(256)) * 11 + bytes(184), ("10.9.0.2", 9))
elif phase == "quit":
    s = socket.socket(); s.connect(SRV); s.sendall(b"quit\n"); time.sleep(0.2); s.close()
PY

ip netns exec "$B" python3 "$work/server.py" 5000 &
srvpid=$!
sleep 0.5
inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }

inA python3 "$work/client.py" full
sleep 0.3
inA sysctl -qw net.ipv4.tcp_timestamps=0; inB sysctl -qw net.ipv4.tcp_timestamps=0
inA python3 "$work/client.py" nots
inA sysctl -qw net.ipv4.tcp_timestamps=1; inB sysctl -qw net.ipv4.tcp_timestamps=1
sleep 0.3
inA sysctl -qw net.ipv4.tcp_sack=0
inA python3 "$work/client.py" nosack
inA sysctl -qw net.ipv4.tcp_sack=1
sleep 0.3
inA python3 "$work/client.py" refused
sleep 0.3
inA python3 "$work/client.py" abort
sleep 0.3
inA python3 "$work/client.py" ipopts
sleep 0.3
inA python3 "$work/client.py" sack "$work/cap.pcap"
sleep 0.3
inA python3 "$work/client.py" frag
sleep 0.3
inA python3 "$work/client.py" quit
wait "$srvpid" || true
sleep 1
kill "$tdpid"; wait "$tdpid" 2>/dev/null || true; tdpid=

cp "$work/cap.pcap" "$out/linux.pcap"
tshark -r "$out/linux.pcap" -o tcp.relative_sequence_numbers:FALSE >"$out/linux.txt" 2>/dev/null
echo "capture.sh: $(wc -l <"$out/linux.txt") packets in $out/linux.pcap"
