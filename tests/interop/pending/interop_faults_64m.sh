#!/usr/bin/env bash
# PENDING (not run by ctest): tests/sh/interop_faults.sh with 64 MiB each way through
# loss 5 %, delay 20 ms ± 2 ms, reorder 10 %, dup 1 % (the `--fault` netem substitute).
# Measured with the engine at 7ad6d83 (no out-of-order reassembly, no SACK, no fast
# recovery yet: issue 4): 1 MiB synack -> Linux in ~10 s, 128 KiB Linux -> synack in
# ~6 s, so 64 MiB would take ~10 min and ~50 min.
# Measured again with issue 4's receiver, SACK, RFC 6675 recovery and Eifel undo
# (integ, after 8764673): PASS, 64 MiB synack -> Linux in 543 s (124 KB/s, 334 RTOs),
# Linux -> synack in 103 s (650 KB/s); 11 min in all.
# With RACK-TLP (rack, 6d4c4a8 + 1dbb084: time-based loss detection that also finds
# lost retransmissions, tail loss probe, D-SACK and timestamp undo as Linux): synack ->
# Linux 8 MiB in 42-48 s (186 KB/s, 0-2 RTOs instead of ~27 per 4 MiB; 114 KB/s before),
# so 64 MiB would take ~6 min that way: still too slow for make check (budget ~2-3 min
# for both directions). What is left: synack's window stays ~6 segments (flight mean
# from the capture) where Linux's sender keeps ~20 on the same faults: ~1000 recovery
# episodes per 8 MiB (netem-style reordering: 10 % of packets overtake ~20 ms of
# others, +-2 ms jitter), of which ~800 are undone; PRR (RFC 6937) and Linux's
# per-ACK partial undo are not implemented. Move the sizes into the ctest run once 64 MiB
# finishes in about a minute each way.
# paws (session 6): PAWS now lets disordered duplicate ACKs through and the send buffer
# autotunes (2 x cwnd, Linux's tcp_sndbuf_expand): synack -> Linux 16 MiB in 78 s
# (215 KB/s), Linux -> synack 64 MiB in 23 s (now the ctest default of
# tests/sh/interop_faults.sh). What limits synack -> Linux is still the window: cwnd 2-10
# segments, about one recovery episode per reordered data segment (454 fast-retransmit
# entries and 357 undos per 4 MiB, 367 data segments reordered): RACK's reordering
# window and the undo path (docs/PERFORMANCE.md "Through faults against Linux").
export FAULT_DOWN=67108864 FAULT_UP=67108864 FAULT_TIMEOUT=${FAULT_TIMEOUT:-3600}
exec bash "${SYNACK_SRC:?}/tests/sh/interop_faults.sh"
