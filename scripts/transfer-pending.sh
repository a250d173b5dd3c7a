#!/usr/bin/env bash
# Transfer tests the engine cannot pass yet; not part of make check. Builds against a
# build directory's libsynack.a and runs (Criterion, one test per case):
#   tests/transfer/pending_matrix.c    the integrity matrix's PENDING cells
#                                      (tests/transfer_matrix.h): a cell that passes here
#                                      can move from PENDING to CELL;
#   tests/transfer/pending_fairness.c  2 and 10 flows, CUBIC and NewReno, Jain >= 0.9
#                                      (needs congestion control).
# Extra arguments go to Criterion, e.g. --filter 'transfer_pending/loss1_*'.
#   scripts/transfer-pending.sh [BUILD_DIR] [criterion args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-$root/build}
[ $# -gt 0 ] && shift
lib="$b/libsynack.a"
[ -f "$lib" ] || { echo "transfer-pending: $lib not found (build first)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rc=0
for t in pending_fairness pending_matrix; do
  cc -std=c11 -O2 -D_GNU_SOURCE -I"$root/include" -I"$root/src" -I"$root/tests" \
    "$root/tests/transfer/$t.c" "$lib" \
    $(pkg-config --cflags --libs criterion libsodium libpcap) -lm -o "$out/$t"
  "$out/$t" --jobs "${JOBS:-1}" "$@" || rc=1
done
exit $rc
