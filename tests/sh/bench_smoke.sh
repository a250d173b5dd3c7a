#!/usr/bin/env bash
# `synack bench lifecycle` and its Linux yardstick do what docs/PERFORMANCE.md says they
# do (not how fast: no figure is asserted): the exact number of TIME-WAIT records left
# (prefill + timed lifecycles, none for the held connections, which stay open), 11
# packets per lifecycle, the summary line, the entry sizes printed, bad arguments refused;
# bench/linux_lifecycle with and without --held in a fresh network namespace (root).
set -euo pipefail
bin=${SYNACK_BIN:?}
build=${SYNACK_BUILD:?}
tmp=$(mktemp -d)
ns="synack-bsmoke-$$"
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0
want() { # file fixed-string what
	grep -Fq -- "$2" "$1" || { echo "FAIL: $3: no '$2' in:"; cat "$1"; fail=1; }
}

"$bin" bench lifecycle --tw 100 --count 1024 --held 100 --no-sizes >"$tmp/held.txt"
want "$tmp/held.txt" "held: 100 connections open all along" "--held"
want "$tmp/held.txt" "prefill: 100 TIME-WAIT entries" "--held prefill"
want "$tmp/held.txt" "TIME-WAIT entries at the end: 1124; 11.0 packets per lifecycle" "--held end"
grep -Eq '^lifecycles/s: [1-9][0-9]*$' <(tail -1 "$tmp/held.txt") ||
	{ echo "FAIL: --held: last line"; tail -1 "$tmp/held.txt"; fail=1; }

"$bin" bench lifecycle --tw 0 --count 1024 >"$tmp/plain.txt"
want "$tmp/plain.txt" "TIME-WAIT entries at the end: 1024; 11.0 packets per lifecycle" "plain end"
want "$tmp/plain.txt" "bytes per ESTABLISHED entry (idle, buffers empty): server" "sizes"
want "$tmp/plain.txt" "(10000 connections, 10000 ESTABLISHED on the server)" "sizes count"
want "$tmp/plain.txt" "(10000 half-open)" "half-open count"
grep -Eq '^lifecycles/s: [1-9][0-9]*$' <(tail -1 "$tmp/plain.txt") ||
	{ echo "FAIL: plain: last line"; tail -1 "$tmp/plain.txt"; fail=1; }

for bad in "--held" "--held x" "--held 2000000" "--tw" "--nope"; do
	# shellcheck disable=SC2086
	if "$bin" bench lifecycle $bad >/dev/null 2>&1; then
		echo "FAIL: 'bench lifecycle $bad' accepted"; fail=1
	fi
done

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
	echo "bench_smoke: synack part done; Linux part needs root and ip: skipped"
	[ "$fail" = 0 ] && exit 77
	exit 1
fi
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$build/bench/linux_lifecycle" --seconds 0.3 >"$tmp/lx.txt"
want "$tmp/lx.txt" "(0 failed" "linux"
ip netns exec "$ns" "$build/bench/linux_lifecycle" --seconds 0.3 --held 50 --port 7778 >"$tmp/lxh.txt"
want "$tmp/lxh.txt" "with 50 connections held open (0 failed)" "linux --held"
for f in lx lxh; do
	grep -Eq '^lifecycles/s: [1-9][0-9]*$' <(tail -1 "$tmp/$f.txt") ||
		{ echo "FAIL: $f: last line"; tail -1 "$tmp/$f.txt"; fail=1; }
done
[ "$fail" = 0 ] && echo "bench_smoke: ok"
exit "$fail"
