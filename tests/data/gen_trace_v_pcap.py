#!/usr/bin/env python3
"""gen_trace_v_pcap.py — writes OUTDIR/ipopt.pcap (LINKTYPE_RAW) for tests/sh/trace_verbose.sh,
which prints it with both `tcpdump -n -v -r` and `synack trace -v` and compares line by line.

    gen_trace_v_pcap.py OUTDIR

The packets exercise what -v adds to a line: the IPv4 header summary (TOS with its ECN
bits, TTL, id, fragment offset and flags, protocol, length, a bad header checksum), the
IPv4 options synack handles (RFC 791 §3.1: EOL, NOP, loose and strict source routes in
every pointer position, record route, router alert, unknown kinds, malformed lengths
and pointers) and the TCP checksum, which tcpdump computes against the last address of
a source route. Packet helpers come from gen_trace_pcap.py; same bytes on every run.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_trace_pcap as g  # noqa: E402

A, B = "10.9.0.1", "10.9.0.2"
H1, H2, H3 = g.ip4("192.0.2.1"), g.ip4("192.0.2.2"), g.ip4("192.0.2.3")


def route(kind, ptr, *hops, length=None):
    body = b"".join(hops)
    n = 3 + len(body) if length is None else length
    return struct.pack("!BBB", kind, n, ptr) + body


LSRR, SSRR, RR = 131, 137, 7


def pad(opts):
    return opts + b"\0" * (-len(opts) % 4)


def build_cases():
    c = []

    def syn(opts, **kw):
        c.append(g.tcp_ip(A, B, 40000, 7, 1000, 0, g.S, ip_opts=pad(opts), **kw))

    # source routes: completed, fresh, half-way; loose and strict; 1..9 hops
    syn(route(LSRR, 8, H1))
    syn(route(LSRR, 4, H1, H2))
    syn(route(SSRR, 8, H1, H2, H3))
    syn(route(SSRR, 16, H1, H2, H3))
    syn(route(LSRR, 40, *[H1] * 9))
    syn(g.NOP + route(LSRR, 4, H1) + g.EOL)
    syn(g.NOP + g.NOP + g.NOP + route(SSRR, 8, H2))
    # record route, router alert, unknown kinds, traceroute, security
    syn(route(RR, 4, b"\0" * 4, b"\0" * 4))
    syn(route(RR, 8, H1, b"\0" * 4))
    syn(struct.pack("!BBH", 148, 4, 0))
    syn(struct.pack("!BBH", 148, 4, 7))
    syn(struct.pack("!BBH", 30, 4, 0))
    syn(struct.pack("!BBH", 130, 4, 0))
    syn(g.EOL + g.NOP + g.NOP + g.NOP)
    # malformed: option lengths and pointers
    syn(route(LSRR, 8, H1, length=9) + b"\0\0\0\0\0")
    syn(route(LSRR, 5, H1))
    syn(route(LSRR, 3, H1))
    syn(route(LSRR, 12, H1))
    syn(route(LSRR, 4, length=3) + g.NOP)
    syn(struct.pack("!BB", 131, 1) + b"\0\0")
    syn(struct.pack("!BB", 131, 12) + b"\0\0")
    syn(struct.pack("!BB", 99, 0) + b"\0\0")
    # header fields: TOS/ECN, TTL, fragment flags, bad header checksum
    for tos in (0x01, 0x02, 0x03, 0x10, 0xb8, 0xbb):
        c.append(g.tcp_ip(A, B, 40000, 7, 1000, 0, g.S, tos=tos))
    for frag in (0x0000, 0x2000, 0x6000, 0x8000, 0xc000):
        c.append(g.tcp_ip(A, B, 40000, 7, 1000, 0, g.S, frag=frag))
    c.append(g.tcp_ip(A, B, 40000, 7, 1000, 0, g.S, ttl=1, ident=65535))
    c.append(g.tcp_ip(A, B, 40000, 7, 1000, 0, g.S, ip_opts=pad(route(LSRR, 4, H1)),
                      ip_bad_csum=True))
    # TCP checksums with a source route: good for the IP destination, bad for the route's
    # last hop (what tcpdump checks against), and the other way round
    seg = g.tcp(A, "192.0.2.2", 40000, 7, 1, 1, g.A)
    c.append(g.ipv4(A, B, 6, seg, opts=pad(route(LSRR, 4, H1, H2))))
    c.append(g.ipv4(A, B, 6, seg, opts=pad(route(LSRR, 12, H1, H2))))
    c.append(g.tcp_ip(A, B, 40000, 7, 1, 1, g.A | g.P, payload=b"hello", bad_csum=True))
    # UDP, ICMP and another protocol with options
    c.append(g.ipv4(A, B, 17, g.udp(A, B, 40000, 9, b"abc"), opts=pad(route(LSRR, 8, H1))))
    c.append(g.ipv4(A, B, 1, g.icmp(8, 0, struct.pack("!HH", 9, 1), b"x" * 8),
                    opts=pad(route(SSRR, 4, H1))))
    c.append(g.ipv4(A, B, 99, b"z" * 12, opts=pad(route(RR, 4, b"\0" * 4))))
    return c


def main():
    out = sys.argv[1]
    recs = [(i * 1000, p, None) for i, p in enumerate(build_cases())]
    with open(os.path.join(out, "ipopt.pcap"), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        for us, p, _ in recs:
            t = g.T0 * 1000000 + us
            f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(p), len(p)))
            f.write(p)


if __name__ == "__main__":
    main()
