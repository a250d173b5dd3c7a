#!/usr/bin/env bash
# `synack drill`: every script under tests/drill/ (tests/drill/*.pkt and the
# subdirectories state/, close/, listen/, rfc5961/, ..., but not fail/ or pending/)
# passes (exit 0, one PASS line each, all listed here with their verdict); every
# tests/drill/fail/*.pkt fails (exit 1) with the message its "// expect:" line names,
# and a run mixing a passing and a failing script exits non-zero.
set -uo pipefail
bin=${SYNACK_BIN:?}
src=${SYNACK_SRC:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0

cd "$src"
mapfile -t scripts < <(find tests/drill -name '*.pkt' -not -path 'tests/drill/fail/*' \
	-not -path 'tests/drill/pending/*' | LC_ALL=C sort)
[ "${#scripts[@]}" -ge 100 ] || { echo "FAIL: only ${#scripts[@]} drill scripts found"; fail=1; }
"$bin" drill "${scripts[@]}" >"$tmp/all.txt"; rc=$?
# the verdict of every script (PASS/FAIL lines and the summary)
grep -E '^(PASS|FAIL) |^[0-9]+ scripts, ' "$tmp/all.txt"
if [ "$rc" -ne 0 ]; then echo "FAIL: drill over ${#scripts[@]} scripts exited $rc"; cat "$tmp/all.txt"; fail=1; fi
for s in "${scripts[@]}"; do
	grep -qx "PASS $s" "$tmp/all.txt" || { echo "FAIL: no PASS line for $s"; fail=1; }
done
grep -qx "${#scripts[@]} scripts, ${#scripts[@]} passed, 0 failed" "$tmp/all.txt" ||
	{ echo "FAIL: bad summary line"; tail -1 "$tmp/all.txt"; fail=1; }

for s in tests/drill/fail/*.pkt; do
	want=$(sed -n 's|^// expect: ||p' "$s")
	[ -n "$want" ] || { echo "FAIL: $s has no // expect: line"; fail=1; continue; }
	"$bin" drill "$s" >"$tmp/one.txt"; rc=$?
	if [ "$rc" -ne 1 ]; then echo "FAIL: $s exited $rc, expected 1"; cat "$tmp/one.txt"; fail=1; fi
	grep -q "^FAIL $s:[0-9]*: " "$tmp/one.txt" || { echo "FAIL: $s: no FAIL line"; fail=1; }
	grep -qF -- "$want" "$tmp/one.txt" || { echo "FAIL: $s: no '$want' in:"; cat "$tmp/one.txt"; fail=1; }
done

# A failing script among passing ones makes the whole run fail.
"$bin" drill tests/drill/rst_closed_port.pkt tests/drill/fail/wrong_seq.pkt >"$tmp/mix.txt"; rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: mixed run exited $rc"; fail=1; }
grep -qx "2 scripts, 1 passed, 1 failed" "$tmp/mix.txt" || { echo "FAIL: mixed summary"; cat "$tmp/mix.txt"; fail=1; }
# A failure prints the trace of what happened.
grep -q "^    .* < IP 192.0.2.1.40000 > 192.168.0.1.8080: Flags \[.\], ack 5000" "$tmp/mix.txt" ||
	{ echo "FAIL: no trace line in the failure report"; cat "$tmp/mix.txt"; fail=1; }

# Bad usage and unreadable scripts.
"$bin" drill >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: no script should exit 2"; fail=1; }
"$bin" drill --bogus x.pkt >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: bad option should exit 2"; fail=1; }
"$bin" drill "$tmp/missing.pkt" >/dev/null; [ $? -eq 1 ] || { echo "FAIL: missing file should fail"; fail=1; }

[ "$fail" -eq 0 ] && echo "drill_run: ok"
exit "$fail"
