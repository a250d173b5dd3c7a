#!/usr/bin/env bash
# make bench: every synack benchmark beside its Linux yardstick, in the same run.
# Linux runs inside a fresh network namespace (needs root), deleted on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
b="$root/build"
secs=${BENCH_SECONDS:-3}
ns="synack-bench-$$"
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT

echo "== lifecycle: connect, 1 byte each way, FIN close, TIME_WAIT kept =="
if "$b/synack" bench --help >/dev/null 2>&1; then
  for tw in 1000 1000000 10000000; do
    echo "-- synack, $tw TIME_WAIT entries present"
    "$b/synack" bench lifecycle --tw "$tw" --seconds "$secs"
  done
else
  echo "-- synack: 'synack bench' not built yet"
fi
if [ "$(id -u)" -eq 0 ]; then
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  echo "-- linux (loopback in netns $ns)"
  ip netns exec "$ns" "$b/bench/linux_lifecycle" --seconds "$secs"
else
  echo "-- linux: skipped (needs root for a network namespace)"
fi
