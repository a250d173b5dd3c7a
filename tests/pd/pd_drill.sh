#!/usr/bin/env bash
# libsynack_packetdrill.so through packetdrill's interface gives the same verdicts as
# `synack drill`: tests/pd/pdrun (which drives the .so only through its function
# pointers) passes every tests/drill/*.pkt and fails every tests/drill/fail/*.pkt with
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

verdict() { # tool script -> PASS/FAIL
	"$@" >"$tmp/out.txt" 2>&1
	case $? in 0) echo PASS ;; 1) echo FAIL ;; *) echo "ERROR($?)" ;; esac
}

n=0
for s in tests/drill/*.pkt tests/drill/fail/*.pkt; do
	n=$((n + 1))
	want=PASS; case $s in tests/drill/fail/*) want=FAIL ;; esac
	d=$(verdict "$bin" drill "$s")
	p=$(verdict "$pdrun" --so="$so" "$s"); cp "$tmp/out.txt" "$tmp/pd.txt"
	if [ "$p" != "$d" ] || [ "$p" != "$want" ]; then
		echo "FAIL: $s: pdrun $p, synack drill $d, expected $want"; cat "$tmp/pd.txt"; fail=1
		continue
	fi
	if [ "$want" = FAIL ]; then
		msg=$(sed -n 's|^// expect: ||p' "$s")
		grep -qF -- "$msg" "$tmp/pd.txt" ||
			{ echo "FAIL: $s: pdrun's report lacks '$msg':"; cat "$tmp/pd.txt"; fail=1; }
	else
		grep -qx "PASS $s" "$tmp/pd.txt" || { echo "FAIL: $s: no PASS line"; fail=1; }
	fi
done
[ "$n" -ge 20 ] || { echo "FAIL: only $n scripts found"; fail=1; }

# All of them in one run: the summary counts them.
ok=(tests/drill/*.pkt)
"$pdrun" --so="$so" "${ok[@]}" >"$tmp/all.txt"; rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: pdrun tests/drill/*.pkt exited $rc"; cat "$tmp/all.txt"; fail=1; }
grep -qx "${#ok[@]} scripts, ${#ok[@]} passed, 0 failed" "$tmp/all.txt" ||
	{ echo "FAIL: bad summary line"; tail -1 "$tmp/all.txt"; fail=1; }
# Bad flags reach the object: every call fails, so the script does.
"$pdrun" --so="$so" --so_flags=bogus=1 tests/drill/rst_syn_sent.pkt >"$tmp/bad.txt" 2>&1
[ $? -eq 1 ] || { echo "FAIL: bad --so_flags should fail the script"; cat "$tmp/bad.txt"; fail=1; }
"$pdrun" >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: no script should exit 2"; fail=1; }

[ "$fail" -eq 0 ] && echo "pd_drill: $n scripts, same verdicts as synack drill"
exit "$fail"
