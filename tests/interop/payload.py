#!/usr/bin/env python3
"""The payload of `synack load` (tools/cmd_load.c), recomputed independently.

usage: payload.py sha256 SEED BYTES N     SHA-256 of connections 0..N-1, one per line
       payload.py byte SEED I K           byte K of connection I, as 0xNN
Byte k of connection i under seed S: byte (k mod 8), little-endian, of splitmix64's
output number j = i * 2^40 + k // 8 from state S.
"""
import hashlib
import struct
import sys

M = (1 << 64) - 1


def word(seed, j):
    z = (seed + (j + 1) * 0x9E3779B97F4A7C15) & M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)


def payload(seed, i, n):
    base = i << 40
    words = (n + 7) // 8
    return struct.pack(f"<{words}Q", *(word(seed, base + j) for j in range(words)))[:n]


def main():
    if sys.argv[1] == "sha256":
        seed, n, conns = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        for i in range(conns):
            print(hashlib.sha256(payload(seed, i, n)).hexdigest())
    elif sys.argv[1] == "byte":
        seed, i, k = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        print(f"0x{payload(seed, i, k + 1)[k]:02x}")


main()
