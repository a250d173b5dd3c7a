#!/usr/bin/env python3
"""rst_cases.py OUTDIR — hand-made captures for tests/sh/interop_lib.sh, one pcap per case
of lib.sh's it_stray_rsts: the RST that RFC 9293 §3.10.7.1 asks for after a FIN sent twice
is forgiven (exactly one, from the side that sent the FIN, flags R alone, seq = the FIN's
sequence number + 1, after the second copy); every other RST is counted.

Each case is written to OUTDIR/NAME.pcap; OUTDIR/cases.txt lists "NAME WANT" (the number of
RSTs it_stray_rsts must report). The packets are made with the struct module only
(tests/data/gen_trace_pcap.py's helpers), so the files do not depend on the code under test.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
from gen_trace_pcap import A, F, P, R, tcp_ip, write_pcap  # noqa: E402

SY, LX = "10.9.0.2", "10.9.0.1"  # synack, Linux
SP, LP = 80, 40000


def sy(seq, ack, flags, n=0):
    return tcp_ip(SY, LX, SP, LP, seq, ack, flags, payload=b"x" * n)


def lx(seq, ack, flags, n=0):
    return tcp_ip(LX, SY, LP, SP, seq, ack, flags, payload=b"x" * n)


def synack_fin_twice(rst, fin_copies=2, rst_first=False, base=5000):
    """synack sends 100 bytes + FIN (base..base+100, FIN at base+100) fin_copies times;
    Linux acknowledges (ack base+101) each copy; then the given RSTs from synack."""
    pk = [lx(1, base, A)]
    fin = base + 100
    for i in range(fin_copies):
        pk.append(sy(base, 1, F | P | A, 100))
        if rst_first and i == 0:
            pk += rst
        pk.append(lx(1, fin + 1, A))
    if not rst_first:
        pk += rst
    return pk


def main():
    out = sys.argv[1]
    fin = 5100
    cases = {
        # s04 under load: data + FIN twice, Linux's TIME-WAIT ACK draws synack's RST
        "synack_fin_twice": (synack_fin_twice([sy(fin + 1, 0, R)]), 0),
        "synack_fin_once": (synack_fin_twice([sy(fin + 1, 0, R)], fin_copies=1), 1),
        "rst_before_second_copy": (synack_fin_twice([sy(fin + 1, 0, R)], rst_first=True), 1),
        "rst_wrong_seq": (synack_fin_twice([sy(fin, 0, R)]), 1),
        "rst_with_ack": (synack_fin_twice([sy(fin + 1, 2, R | A)]), 1),
        "rst_from_other_side": (synack_fin_twice([lx(fin + 1, 0, R)]), 1),
        "two_rsts_one_copy": (synack_fin_twice([sy(fin + 1, 0, R), sy(fin + 1, 0, R)]), 1),
        "two_rsts_three_copies": (synack_fin_twice([sy(fin + 1, 0, R), sy(fin + 1, 0, R)],
                                                   fin_copies=3), 0),
        # s02/errors: Linux's bare FIN twice, synack ACKs both, Linux's RST answers the second
        "linux_fin_twice": ([lx(7000, 300, F | A), sy(300, 7001, A), lx(7000, 300, F | A),
                             sy(300, 7001, A), lx(7001, 0, R)], 0),
        "linux_rst_no_dup": ([lx(7000, 300, F | A), sy(300, 7001, A), lx(7001, 0, R)], 1),
        # the FIN at 2^32 - 1: the RST's seq wraps to 0
        "wrap": ([sy(0xFFFFFFFF, 1, F | A), sy(0xFFFFFFFF, 1, F | A), lx(1, 0, A), sy(0, 0, R)], 0),
        "no_rst": (synack_fin_twice([]), 0),
    }
    with open(os.path.join(out, "cases.txt"), "w") as f:
        for name, (pkts, want) in cases.items():
            write_pcap(os.path.join(out, name + ".pcap"), 101, [(1000, p, None) for p in pkts])
            f.write(f"{name} {want}\n")


if __name__ == "__main__":
    main()
