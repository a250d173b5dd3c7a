#!/usr/bin/env bash
# libsynack_packetdrill.so through packetdrill's interface gives the same verdicts as
# `synack drill`: tests/pd/pdrun (which drives the .so only through its function
# pointers) passes every script under tests/drill/ (tests/drill/*.pkt and the
# subdirectories, but not fail/ or pending/) and fails every tests/drill/fail/*.pkt with
# the message of its "// expect:" line, script by script as `synack drill` does. The .so
# exports exactly one symbol.
set -uo pipefail
bin=${SYNACK_BIN:?} src=${SYNACK_SRC:?} so=${SYNACK_PD_SO:?} pdrun=${SYNACK_PDRUN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
cd "$src"

syms=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRW]$/ {print $3}')
[ "$syms" = "packetdrill_interface_init" ] ||
	{ echo "FAIL: exported symbols are not just packetdrill_interface_init:"; echo "$syms"; fail=1; }

# Every passing script: the verdict lines of both runs, script by script.
mapfile -t scripts < <(find tests/drill -name '*.pkt' -not -path 'tests/drill/fail/*' \
	-not -path 'tests/drill/pending/*' | LC_ALL=C sort)
[ "${#scripts[@]}" -ge 12 ] || { echo "FAIL: only ${#scripts[@]} scripts found"; fail=1; }
"$bin" drill "${scripts[@]}" >"$tmp/drill.txt"
"$pdrun" --so="$so" "${scripts[@]}" >"$tmp/pd.txt"; rc=$?
grep -E '^(PASS|FAIL) ' "$tmp/drill.txt" | sed 's/:.*//' >"$tmp/drill.v"
grep -E '^(PASS|FAIL) ' "$tmp/pd.txt" | sed 's/:.*//' >"$tmp/pd.v"
if ! diff "$tmp/drill.v" "$tmp/pd.v" >"$tmp/diff.txt"; then
	echo "FAIL: verdicts differ (< synack drill, > pdrun):"; cat "$tmp/diff.txt"
	grep -A12 '^FAIL ' "$tmp/pd.txt" | head -80; fail=1
fi
[ "$rc" -eq 0 ] || { echo "FAIL: pdrun over ${#scripts[@]} scripts exited $rc"; fail=1; }
for s in "${scripts[@]}"; do
	grep -qx "PASS $s" "$tmp/pd.txt" || { echo "FAIL: no PASS line for $s"; fail=1; }
done
grep -qx "${#scripts[@]} scripts, ${#scripts[@]} passed, 0 failed" "$tmp/pd.txt" ||
	{ echo "FAIL: bad summary line"; tail -1 "$tmp/pd.txt"; fail=1; }

# Every must-fail script fails through the .so too, with the message its expect: names.
n=0
for s in tests/drill/fail/*.pkt; do
	n=$((n + 1))
	msg=$(sed -n 's|^// expect: ||p' "$s")
	"$bin" drill "$s" >/dev/null 2>&1; d=$?
	"$pdrun" --so="$so" "$s" >"$tmp/one.txt" 2>&1; p=$?
	if [ "$p" -ne 1 ] || [ "$d" -ne 1 ]; then
		echo "FAIL: $s: pdrun exited $p, synack drill $d, expected 1 (fail)"; cat "$tmp/one.txt"
		fail=1
	elif ! grep -qF -- "$msg" "$tmp/one.txt"; then
		echo "FAIL: $s: pdrun's report lacks '$msg':"; cat "$tmp/one.txt"; fail=1
	fi
done
[ "$n" -ge 9 ] || { echo "FAIL: only $n must-fail scripts found"; fail=1; }

# Bad flags reach the object: every call fails, so the script does.
"$pdrun" --so="$so" --so_flags=bogus=1 tests/drill/rst_syn_sent.pkt >"$tmp/bad.txt" 2>&1
[ $? -eq 1 ] || { echo "FAIL: bad --so_flags should fail the script"; cat "$tmp/bad.txt"; fail=1; }
"$pdrun" >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: no script should exit 2"; fail=1; }

[ "$fail" -eq 0 ] && echo "pd_drill: ${#scripts[@]} passing and $n failing scripts, same verdicts as synack drill"
exit "$fail"
