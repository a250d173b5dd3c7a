#!/usr/bin/env bash
# PENDING (not run by ctest): tests/sh/interop_faults.sh with 64 MiB each way through
# loss 5 %, delay 20 ms ± 2 ms, reorder 10 %, dup 1 % (the `--fault` netem substitute).
# Measured with the engine at 7ad6d83 (no out-of-order reassembly, no SACK, no fast
# recovery yet: issue 4): 1 MiB synack -> Linux in ~10 s, 128 KiB Linux -> synack in
# ~6 s, so 64 MiB would take ~10 min and ~50 min. Move the sizes into the ctest run once
# issue 4's recovery lands and 64 MiB finishes in well under a minute each way.
export FAULT_DOWN=67108864 FAULT_UP=67108864 FAULT_TIMEOUT=${FAULT_TIMEOUT:-3600}
exec bash "${SYNACK_SRC:?}/tests/sh/interop_faults.sh"
