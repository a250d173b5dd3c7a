#!/usr/bin/env bash
# Instructions per step of one `synack bench lifecycle` lifecycle, under callgrind: each
# socket call, each packet's synack_output in its sender and synack_input in its
# receiver, the empty synack_output calls and the event polls (docs/PERFORMANCE.md,
# "Per-step costs"). Builds its own tree with the marks compiled in (CMake option
# SYNACK_BENCH_STEPS; the normal build has none) and needs valgrind.
#
#   bench/lifecycle_steps.sh          the table: one lifecycle (the 1001st timed one),
#                                     each step with the mark's own ~40 instructions
#   bench/lifecycle_steps.sh K [FILE] step K alone over all 10 240 timed lifecycles: its
#                                     instructions per lifecycle (~20 of them the
#                                     marks' own), and the callgrind
#                                     profile in FILE (default /tmp/lifecycle-step-K.cg)
#                                     for callgrind_annotate
#
# STEPS_BUILD names the build tree (default build-steps beside build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
b=${STEPS_BUILD:-$root/build-steps}
count=10240
cmake -S "$root" -B "$b" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNACK_BENCH_STEPS=ON \
	-DSYNACK_TESTS=OFF >/dev/null
cmake --build "$b" -j"$(nproc)" --target synack >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=(bench lifecycle --tw 1000 --count "$count" --no-sizes)

if [ $# -ge 1 ]; then
	k=$1
	cg=${2:-/tmp/lifecycle-step-$k.cg}
	SYNACK_STEP=$k valgrind --tool=callgrind --callgrind-out-file="$cg" \
		--collect-atstart=no "$b/synack" "${args[@]}" >/dev/null 2>"$tmp/err"
	label=$(sed -n "s/^step $k: //p" "$tmp/err")
	total=$(sed -n 's/.*Collected : //p' "$tmp/err" | tr -d ,)
	[ -n "$total" ] || { cat "$tmp/err" >&2; exit 1; }
	echo "step $k ($label): $((total / count)) instructions per lifecycle ($total / $count)"
	echo "profile: $cg"
	exit 0
fi

valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" --toggle-collect=lifecycle \
	"$b/synack" "${args[@]}" >/dev/null 2>"$tmp/err"
# dump i (i >= 1) holds the cost from mark i - 1 to mark i: step i - 1
printf '%5s %7s  %s\n' step instr what
total=0
i=0
for f in $(ls "$tmp"/cg.* | awk -F. '{ print $NF, $0 }' | sort -n | cut -d' ' -f2); do
	if [ $i -gt 0 ]; then
		n=$(sed -n 's/^summary: //p' "$f")
		label=$(sed -n "s/^step $((i - 1)): //p" "$tmp/err")
		printf '%5d %7d  %s\n' $((i - 1)) "$n" "$label"
		total=$((total + n))
	fi
	i=$((i + 1))
done
echo "total: $total (with $((i - 1)) marks' own cost)"
