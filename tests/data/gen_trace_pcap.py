#!/usr/bin/env python3
"""gen_trace_pcap.py — writes the pcaps that tests/sh/trace_equiv.sh prints with both
`tcpdump -n -r` and `synack trace` and compares line by line.

    gen_trace_pcap.py OUTDIR

writes
    OUTDIR/raw.pcap    LINKTYPE_RAW (101): > 50 varied IPv4 packets (see CASES below)
    OUTDIR/ipv4.pcap   LINKTYPE_IPV4 (228): a few of the same packets
    OUTDIR/eth.pcap    LINKTYPE_ETHERNET (1): IPv4 frames, one ARP and one IPv6 frame
                       (the two non-IPv4 frames must be skipped and counted: 2)
    OUTDIR/bad.pcap    LINKTYPE_RAW: a TCP segment with a wrong TCP checksum, one with a
                       wrong IPv4 header checksum, one whose data offset runs past the
                       segment (malformed): what the tshark test must catch

Written with the struct module only (no libpcap), so the files do not depend on the code
under test. Everything is deterministic: the same bytes on every run.

Ports avoid the ones tcpdump decodes at the application layer, except where a case
needs one (the comparison cuts tcpdump's lines after "length N" anyway).
"""
import struct
import sys

T0 = 1700000000  # 2023-11-14 22:13:20 UTC; the timestamps then step by varied gaps


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ipv4(src, dst, proto, payload, ident=1, frag=0x4000, ttl=64, tos=0, opts=b"",
         bad_csum=False, total_len=None, ihl=None, version=4):
    hl = 20 + len(opts)
    if ihl is None:
        ihl = hl // 4
    tl = hl + len(payload) if total_len is None else total_len
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, tos, tl, ident, frag, ttl, proto, 0,
                      ip4(src), ip4(dst)) + opts
    c = csum(hdr)
    if bad_csum:
        c ^= 0x1234
    hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    return hdr + payload


def tcp(src, dst, sport, dport, seq, ack, flags, win=65535, opts=b"", payload=b"",
        urp=0, doff=None, bad_csum=False, res=0, raw_opts_pad=True):
    if raw_opts_pad and len(opts) % 4:
        opts += b"\0" * (4 - len(opts) % 4)
    hl = 20 + len(opts)
    off = hl // 4 if doff is None else doff
    # byte 12: data offset (4 bits) + reserved (3 bits) + AE/NS (1 bit); byte 13: flags
    b12 = (off << 4) | (res & 0x0F)
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      b12, flags, win, 0, urp) + opts
    seg = hdr + payload
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(seg))
    c = csum(pseudo + seg)
    if bad_csum:
        c ^= 0x5555
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def tcp_ip(src, dst, sport, dport, seq, ack, flags, **kw):
    ipkw = {k: kw.pop(k) for k in list(kw) if k in ("ident", "frag", "ttl", "tos", "ip_opts",
                                                     "ip_bad_csum", "total_len", "ihl")}
    seg = tcp(src, dst, sport, dport, seq, ack, flags, **kw)
    return ipv4(src, dst, 6, seg, ident=ipkw.get("ident", 1), frag=ipkw.get("frag", 0x4000),
                ttl=ipkw.get("ttl", 64), tos=ipkw.get("tos", 0), opts=ipkw.get("ip_opts", b""),
                bad_csum=ipkw.get("ip_bad_csum", False), total_len=ipkw.get("total_len"),
                ihl=ipkw.get("ihl"))


# TCP flag bits
F, S, R, P, A, U, E, W = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80

# options
NOP = b"\x01"
EOL = b"\x00"


def MSS(v):
    return struct.pack("!BBH", 2, 4, v)


def WS(v):
    return struct.pack("!BBB", 3, 3, v)


SACKOK = b"\x04\x02"


def SACK(*blocks):
    return struct.pack("!BB", 5, 2 + 8 * len(blocks)) + b"".join(
        struct.pack("!II", l & 0xFFFFFFFF, r & 0xFFFFFFFF) for l, r in blocks)


def TS(val, ecr):
    return struct.pack("!BBII", 8, 10, val, ecr)


def linux_syn(mss=1460, tsval=1000, tsecr=0, ws=7):
    return MSS(mss) + SACKOK + TS(tsval, tsecr) + NOP + WS(ws)


def icmp(typ, code, rest, payload=b""):
    body = struct.pack("!BBH", typ, code, 0) + rest + payload
    c = csum(body)
    return body[:2] + struct.pack("!H", c) + body[4:]


def udp(src, dst, sport, dport, payload):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, len(seg))
    c = csum(pseudo + seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def build_cases():
    """Returns [(gap_us, packet_bytes, wire_len_or_None)]. wire_len > len(bytes) records a
    capture truncated by the snap length."""
    c = []

    def add(pkt, gap=1000, wire_len=None):
        c.append((gap, pkt, wire_len))

    HA, HB = "192.0.2.1", "192.0.2.2"
    ca, sa = 40001, 5555          # conversation 1: client port > server port (rev = 1 for client)
    ic, iS = 1415531521, 3000000000

    # -- conversation 1: a Linux-like handshake, data both ways, SACK, FIN close
    add(tcp_ip(HA, HB, ca, sa, ic, 0, S, win=64240, opts=linux_syn(tsval=100)), gap=0)
    add(tcp_ip(HB, HA, sa, ca, iS, ic + 1, S | A, win=65160, opts=linux_syn(tsval=200, tsecr=100)))
    add(tcp_ip(HA, HB, ca, sa, ic + 1, iS + 1, A, win=502, opts=NOP + NOP + TS(101, 200)))

    # conversation 2 interleaved: 10.0.0.1:6000 -> 10.0.0.2:50000 (client port < server port)
    C, D = "10.0.0.1", "10.0.0.2"
    cc, sc = 6000, 50000
    jc, jS = 0xFFFFFF00, 7
    add(tcp_ip(C, D, cc, sc, jc, 0, S, win=4096, opts=MSS(1024)), gap=250)
    add(tcp_ip(D, C, sc, cc, jS, jc + 1, S | A, win=8192, opts=MSS(536)))

    add(tcp_ip(HA, HB, ca, sa, ic + 1, iS + 1, P | A, win=502, opts=NOP + NOP + TS(102, 200),
               payload=b"x" * 100))
    add(tcp_ip(C, D, cc, sc, jc + 1, jS + 1, A, win=4096))
    add(tcp_ip(HB, HA, sa, ca, iS + 1, ic + 101, A, win=509, opts=NOP + NOP + TS(201, 102)),
        gap=2000000)  # a 2 s gap
    add(tcp_ip(HB, HA, sa, ca, iS + 1, ic + 101, P | A, win=509, opts=NOP + NOP + TS(202, 102),
               payload=b"y" * 300))
    # conversation 2 data crosses the 2^32 wrap of the client's sequence space
    add(tcp_ip(C, D, cc, sc, jc + 1, jS + 1, P | A, win=4096, payload=bytes(range(256)) * 2))
    add(tcp_ip(D, C, sc, cc, jS + 1, jc + 513, A, win=8192))
    # SACK blocks, 1..4, from the client (relative to the server's sequence space)
    add(tcp_ip(HA, HB, ca, sa, ic + 101, iS + 1, A, win=502,
               opts=NOP + NOP + TS(103, 202) + NOP + NOP + SACK((iS + 601, iS + 901))))
    add(tcp_ip(HA, HB, ca, sa, ic + 101, iS + 1, A, win=502,
               opts=NOP + NOP + TS(104, 202) + NOP + NOP + SACK((iS + 1201, iS + 1501),
                                                               (iS + 601, iS + 901))))
    add(tcp_ip(HA, HB, ca, sa, ic + 101, iS + 1, A, win=502,
               opts=NOP + NOP + TS(105, 202) + NOP + NOP + SACK((iS + 1801, iS + 2101),
                                                               (iS + 1201, iS + 1501),
                                                               (iS + 601, iS + 901))))
    add(tcp_ip(HA, HB, ca, sa, ic + 101, iS + 1, A, win=502,
               opts=NOP + NOP + SACK((iS + 2401, iS + 2701), (iS + 1801, iS + 2101),
                                     (iS + 1201, iS + 1501), (iS + 601, iS + 901))))
    # SACK from the server side (relative to the client's space), D-SACK style below snd.una
    add(tcp_ip(HB, HA, sa, ca, iS + 301, ic + 101, A, win=509,
               opts=NOP + NOP + SACK((ic + 1, ic + 51))))
    # an invalid SACK length (not 2 + 8n)
    add(tcp_ip(HB, HA, sa, ca, iS + 301, ic + 101, A, win=509,
               opts=NOP + NOP + struct.pack("!BB", 5, 6) + b"\xaa\xbb\xcc\xdd"))
    # every flag tcpdump prints on its own, then combinations
    for fl in (0, F, S, R, P, A, U, E, W, S | E | W, S | A | E, F | A, R | A, P | A, U | A,
               U | P | A, F | P | A, E | A, W | A, F | S | R | P | A | U | E | W, F | S, S | R):
        add(tcp_ip("198.51.100.7", "198.51.100.8", 33000, 33001, 0x01020304, 0x0A0B0C0D, fl,
                   win=1000, urp=7 if fl & U else 0, payload=b"p" if fl & P else b""))
    # the reserved bits and the AE (ex-NS) bit set: tcpdump ignores them without -v
    add(tcp_ip("198.51.100.7", "198.51.100.8", 33000, 33001, 5, 6, A, res=0x0F))
    # a zero window, the maximum window, an urgent pointer without URG (not printed)
    add(tcp_ip("198.51.100.9", "198.51.100.10", 33002, 33003, 1, 1, A, win=0, urp=99))
    add(tcp_ip("198.51.100.9", "198.51.100.10", 33002, 33003, 1, 1, A, win=65535))
    # options: EOL ends the list, NOP padding, unknown and rarer kinds
    rare = "203.0.113.1", "203.0.113.2"
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=MSS(1460) + EOL + b"\0\0\0"))
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=NOP + NOP + NOP + NOP))
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BB", 99, 4) + b"\xde\xad"))
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BB", 99, 2)))
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BBI", 11, 6, 77)))   # cc
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BBI", 12, 6, 78)))   # ccnew
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BBI", 13, 6, 79)))   # ccecho
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BBH", 28, 4, 0x8003)))  # uto
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BBBB", 20, 4, 1, 2)))  # scps
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BB", 6, 6) + b"\1\2\3\4"))  # echo
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BB", 34, 2)))  # tfo request
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S,
               opts=struct.pack("!BB", 34, 10) + b"\x11\x22\x33\x44\x55\x66\x77\x88"))  # tfo cookie
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BBH", 254, 4, 0x1234)))  # exp
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S,
               opts=struct.pack("!BBBB", 29, 6, 3, 4) + b"\xab\xcd"))  # tcp-ao
    # malformed options: a wrong MSS length, a length byte < 2, an option past the header,
    # a truncated timestamp, an odd window-scale length
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BBHB", 2, 5, 1460, 0)))
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BB", 2, 1) + b"\0\0"))
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=MSS(1460) + struct.pack("!BB", 8, 10) + b"\0\0"))
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BBH", 8, 4, 0)))
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BBBB", 3, 4, 14, 0)))
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=struct.pack("!BBH", 2, 3, 0)))
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S, opts=NOP + struct.pack("!BB", 2, 0) + b"\0"))
    # a maximal 40-byte options area: MSS, SACKOK, TS, NOP, WS, then EOL padding
    add(tcp_ip(*rare, 34000, 34001, 1, 0, S,
               opts=linux_syn() + NOP + NOP + NOP + NOP + EOL + b"\0" * 15))
    # bad header lengths: data offset < 5, data offset past the segment
    add(tcp_ip(*rare, 34002, 34003, 9, 9, A, doff=4))
    add(tcp_ip(*rare, 34002, 34003, 9, 9, A, doff=0))
    add(tcp_ip(*rare, 34002, 34003, 9, 9, A, doff=15, payload=b"abc"))
    add(tcp_ip(*rare, 34002, 34003, 9, 9, 0, doff=8))
    # bad checksums: printed normally without -v
    add(tcp_ip(*rare, 34004, 34005, 100, 200, P | A, payload=b"hello", bad_csum=True))
    add(tcp_ip(*rare, 34004, 34005, 105, 200, A, ip_bad_csum=True))
    # IP options (record route, NOP/EOL) in front of TCP
    rr = struct.pack("!BBB", 7, 7, 4) + b"\0\0\0\0" + b"\x01"  # RR with one slot, then NOP
    add(tcp_ip(*rare, 34006, 34007, 1, 1, A, ip_opts=rr))
    add(tcp_ip(*rare, 34006, 34007, 1, 1, S | A, ip_opts=b"\x01\x01\x01\x00"))
    # fragments: a first fragment with MF (TCP header inside), a later fragment
    seg = tcp("192.0.2.77", "192.0.2.78", 35000, 35001, 1000, 2000, P | A, payload=b"z" * 40)
    add(ipv4("192.0.2.77", "192.0.2.78", 6, seg[:32], ident=0x4242, frag=0x2000))
    add(ipv4("192.0.2.77", "192.0.2.78", 6, seg[32:], ident=0x4242, frag=4))
    add(ipv4("192.0.2.77", "192.0.2.78", 17, b"q" * 16, ident=0x4343, frag=0x2000 | 10))
    # a first fragment too short to hold a whole TCP header
    add(ipv4("192.0.2.77", "192.0.2.78", 6, seg[:8], ident=0x4444, frag=0x2000))
    # truncated captures (snap length shorter than the packet)
    full = tcp_ip("192.0.2.80", "192.0.2.81", 36000, 36001, 5, 6, P | A, payload=b"w" * 200)
    add(full[:54], wire_len=len(full))
    add(full[:34], wire_len=len(full))       # TCP header cut at 14 bytes
    add(full[:22], wire_len=len(full))       # only the ports
    add(full[:21], wire_len=len(full))       # not even both ports
    add(full[:20], wire_len=len(full))       # only the IP header
    full2 = tcp_ip("192.0.2.80", "192.0.2.81", 36000, 36001, 5, 6, S,
                   opts=linux_syn())
    add(full2[:48], wire_len=len(full2))     # options cut in the middle of SACKOK/TS
    # IP total length larger than the packet (truncated-ip), and link padding past it
    tl = tcp_ip("192.0.2.82", "192.0.2.83", 36002, 36003, 1, 1, A, total_len=60)
    add(tl)
    add(tcp_ip("192.0.2.82", "192.0.2.83", 36002, 36003, 1, 1, A) + b"\0" * 6)
    # IP total length shorter than the IP header; IHL < 5
    add(tcp_ip("192.0.2.82", "192.0.2.83", 36002, 36003, 1, 1, A, total_len=12))
    add(tcp_ip("192.0.2.82", "192.0.2.83", 36002, 36003, 1, 1, A, ihl=4))
    # a packet shorter than an IP header
    add(tcp_ip("192.0.2.82", "192.0.2.83", 36002, 36003, 1, 1, A)[:16])

    # -- relative sequence rules: a conversation first seen mid-stream (no SYN),
    #    one where the same ports sit on both sides, a repeated SYN-ACK with a new ISN
    M, N = "172.16.0.1", "172.16.0.2"
    add(tcp_ip(M, N, 44444, 7777, 500000, 900000, A, win=100, payload=b"a" * 10))
    add(tcp_ip(N, M, 7777, 44444, 900000, 500010, A, win=100, payload=b"b" * 20))
    add(tcp_ip(M, N, 44444, 7777, 500010, 900020, F | A, win=100))
    add(tcp_ip(M, "172.16.0.0", 7000, 7000, 111, 222, A, win=100))
    add(tcp_ip("172.16.0.0", M, 7000, 7000, 222, 112, A, win=100, payload=b"c" * 5))
    add(tcp_ip(M, "172.16.0.0", 7000, 7000, 112, 227, A, win=100))
    add(tcp_ip(N, M, 7777, 44444, 123456, 500011, S | A, win=100))    # SYN-ACK: new base
    add(tcp_ip(M, N, 44444, 7777, 500011, 123457, A, win=100))
    # a SYN without ACK on an existing conversation does not reset the base
    add(tcp_ip(M, N, 44444, 7777, 42, 0, S, win=100))
    add(tcp_ip(M, N, 44444, 7777, 500011, 123457, A, win=100, payload=b"d"))
    # RST forms
    add(tcp_ip(N, M, 7777, 44444, 123457, 0, R, win=0))
    add(tcp_ip(N, M, 7777, 44444, 123457, 500012, R | A, win=0))
    add(tcp_ip(N, M, 7777, 44444, 123457, 500012, R | A, win=0, payload=b"reset reason"))
    # conversation 1 closes after a long pause (61 minutes: -ttt shows hours)
    add(tcp_ip(HA, HB, ca, sa, ic + 101, iS + 301, F | A, win=502, opts=NOP + NOP + TS(110, 202)),
        gap=3660 * 1000000 + 17)
    add(tcp_ip(HB, HA, sa, ca, iS + 301, ic + 102, F | A, win=509, opts=NOP + NOP + TS(210, 110)))
    add(tcp_ip(HA, HB, ca, sa, ic + 102, iS + 302, A, win=502, opts=NOP + NOP + TS(111, 210)))
    # conversation 2 resets
    add(tcp_ip(C, D, cc, sc, jc + 513, jS + 1, R | A, win=0))

    # -- ICMP: echo request/reply, unreachables the engine will send, time exceeded
    inner = tcp_ip(HB, HA, sa, ca, 1, 2, S, win=100)[:28]
    add(ipv4(HA, HB, 1, icmp(8, 0, struct.pack("!HH", 0x1234, 1), b"ping" * 14)))
    add(ipv4(HB, HA, 1, icmp(0, 0, struct.pack("!HH", 0x1234, 1), b"ping" * 14)))
    add(ipv4(HA, HB, 1, icmp(3, 3, b"\0\0\0\0", inner)))                    # port unreachable
    add(ipv4(HA, HB, 1, icmp(3, 1, b"\0\0\0\0", inner)))                    # host unreachable
    add(ipv4(HA, HB, 1, icmp(3, 0, b"\0\0\0\0", inner)))                    # net unreachable
    add(ipv4(HA, HB, 1, icmp(3, 2, b"\0\0\0\0", inner)))                    # protocol unreachable
    add(ipv4(HA, HB, 1, icmp(3, 4, b"\0\0" + struct.pack("!H", 1400), inner)))  # need to frag
    add(ipv4(HA, HB, 1, icmp(3, 13, b"\0\0\0\0", inner)))                   # admin prohibited
    add(ipv4(HA, HB, 1, icmp(11, 0, b"\0\0\0\0", inner)))                   # time exceeded
    udp_inner = ipv4(HB, HA, 17, udp(HB, HA, 40000, 33434, b""))[:28]
    add(ipv4(HA, HB, 1, icmp(3, 3, b"\0\0\0\0", udp_inner)))                # udp port unreach
    # UDP and an unknown protocol
    add(ipv4(HA, HB, 17, udp(HA, HB, 40000, 40001, b"datagram!")))
    add(ipv4(HA, HB, 99, b"\x00" * 12))
    return c


def write_pcap(path, linktype, records, snaplen=65535):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        t = T0 * 1000000 + 123456
        for gap, pkt, wire_len in records:
            t += gap
            f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(pkt),
                                len(pkt) if wire_len is None else wire_len))
            f.write(pkt)


def eth(ethertype, payload, dst=b"\x02\0\0\0\0\x02", src=b"\x02\0\0\0\0\x01"):
    return dst + src + struct.pack("!H", ethertype) + payload


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    cases = build_cases()
    write_pcap(out + "/raw.pcap", 101, cases)
    write_pcap(out + "/ipv4.pcap", 228, cases[:12])
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + b"\x02\0\0\0\0\x01" + ip4("192.0.2.1") + \
        b"\0" * 6 + ip4("192.0.2.2")
    ip6 = bytes([0x60, 0, 0, 0, 0, 0, 59, 64]) + b"\0" * 15 + b"\1" + b"\0" * 15 + b"\2"
    eth_recs = []
    for i, (gap, pkt, wire_len) in enumerate(cases[:20]):
        if wire_len is None:
            eth_recs.append((gap, eth(0x0800, pkt), None))
        if i == 3:
            eth_recs.append((10, eth(0x0806, arp, dst=b"\xff" * 6), None))
        if i == 9:
            eth_recs.append((10, eth(0x86DD, ip6), None))
    # a minimum-size frame: 40-byte IPv4/TCP padded with 6 zero bytes to 60
    eth_recs.append((10, eth(0x0800, tcp_ip("192.0.2.1", "192.0.2.2", 40001, 5555, 1, 1, A)
                             + b"\0" * 6), None))
    write_pcap(out + "/eth.pcap", 1, eth_recs)
    bad = [(0, tcp_ip("192.0.2.1", "192.0.2.2", 40001, 5555, 1, 1, A, bad_csum=True), None),
           (10, tcp_ip("192.0.2.1", "192.0.2.2", 40001, 5555, 1, 1, A, ip_bad_csum=True), None),
           (10, tcp_ip("192.0.2.1", "192.0.2.2", 40001, 5555, 1, 1, A, doff=15), None)]
    write_pcap(out + "/bad.pcap", 101, bad)


if __name__ == "__main__":
    main()
