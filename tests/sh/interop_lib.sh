#!/usr/bin/env bash
# The interop helpers themselves (tests/interop/lib.sh), on hand-made input, no namespace:
#   it_stray_rsts: on tests/interop/rst_cases.py's captures, the one RST after a FIN sent
#       twice is forgiven (from the FIN's sender, [R] alone, seq = FIN + 1, after the
#       second copy; one per extra copy), every other RST is counted;
#   it_keep_evidence: a failed run (by fail, and by set -e) keeps its files but the *.bin
#       payloads in $SYNACK_BUILD/interop-failures/<test>/<UTC>-<pid>/ with result.txt
#       saying what failed; a passing run keeps nothing; tests/interop/failures.sh (what
#       `make check` runs when ctest fails) lists the runs kept since its stamp.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need python3

mkdir "$IT_TMP/rst"
python3 "$srcdir/tests/interop/rst_cases.py" "$IT_TMP/rst"
n=0
while read -r name want; do
	expect_eq "it_stray_rsts $name" "$(it_stray_rsts "$IT_TMP/rst/$name.pcap")" "$want"
	n=$((n + 1))
done <"$IT_TMP/rst/cases.txt"
expect_eq "cases" "$n" 12

# Three runs of a small script that sources lib.sh: one fails with a message, one stops
# through set -e, one passes.
build=$IT_TMP/build
mkdir "$build"
touch "$IT_TMP/stamp"
sleep 1.1 # -newer compares modification times: the runs' directories come after the stamp
cat >"$IT_TMP/interop_fake.sh" <<'SH'
source "$SYNACK_SRC/tests/interop/lib.sh"
echo "a log line" >"$IT_TMP/srv.log"
echo "an output" >"$IT_TMP/srv.out"
head -c 10 /dev/zero >"$IT_TMP/payload.bin"
case $1 in
fail) fail "the planted failure" ;;
errexit) false ;;
pass) echo PASS ;;
esac
SH
for how in fail errexit pass; do
	st=0
	SYNACK_BUILD=$build bash "$IT_TMP/interop_fake.sh" "$how" >"$IT_TMP/fake_$how.out" 2>&1 || st=$?
	expect_eq "fake run '$how': exit status" "$st" "$([ "$how" = pass ] && echo 0 || echo 1)"
done
runs=$(find "$build/interop-failures/interop_fake" -mindepth 1 -maxdepth 1 -type d | sort)
expect_eq "runs kept" "$(wc -l <<<"$runs")" 2
for d in $runs; do
	[[ $(basename "$d") =~ ^[0-9]{8}T[0-9]{6}Z-[0-9]+$ ]] || fail "run directory name: $d"
	expect_eq "files kept in $d" "$(cd "$d" && ls | tr '\n' ' ')" "result.txt srv.log srv.out "
	grep -qx 'test: interop_fake' "$d/result.txt" || fail "result.txt: $(cat "$d/result.txt")"
	grep -qx 'exit status: 1' "$d/result.txt" || fail "result.txt: $(cat "$d/result.txt")"
done
what=$(for d in $runs; do grep -E '^(failed|stopped)' "$d/result.txt"; done | sort)
expect_eq "what failed" "$what" "failed: the planted failure
stopped by set -e: status 1 at line 7: false"
grep -q "captures and logs kept in $build/interop-failures/interop_fake/" "$IT_TMP/fake_fail.out" ||
	fail "the failed run did not say where: $(cat "$IT_TMP/fake_fail.out")"
listed=$("$srcdir/tests/interop/failures.sh" "$build" "$IT_TMP/stamp")
expect_eq "failures.sh" "$listed" "interop runs that failed, with their captures and logs:
$(for d in $runs; do echo "  $d"; grep -E '^(failed|stopped)' "$d/result.txt" | sed 's/^/    /'; done)"
touch "$IT_TMP/stamp2"
expect_eq "failures.sh, nothing newer" "$("$srcdir/tests/interop/failures.sh" "$build" "$IT_TMP/stamp2")" ""
echo "PASS: it_stray_rsts on $n hand-made captures; failed runs keep their evidence, listed by failures.sh"
