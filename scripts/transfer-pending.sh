#!/usr/bin/env bash
# The integrity matrix's PENDING cells (tests/transfer_matrix.h): cells the engine cannot
# pass yet; not part of make check. Builds tests/transfer/pending_matrix.c against a
# build directory's libsynack.a and runs it (Criterion, one test per cell); a cell that
# passes here can move from PENDING to CELL.
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
for t in pending_matrix; do
  cc -std=c11 -O2 -D_GNU_SOURCE -I"$root/include" -I"$root/src" -I"$root/tests" \
    "$root/tests/transfer/$t.c" "$lib" \
    $(pkg-config --cflags --libs criterion libsodium libpcap) -lm -o "$out/$t"
  "$out/$t" --jobs "${JOBS:-1}" "$@" || rc=1
done
exit $rc
