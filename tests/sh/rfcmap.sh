#!/usr/bin/env bash
# docs/rfc9293.md must map all 119 RFC 9293 Appendix B ids to a status and to tests that
# exist (scripts/rfcmap.py); docs/rfc-map.md's code references must be current: each
# `path` exists and each function named after it is in that file
# (scripts/rfcmap_names.py). Each check must catch each kind of mistake: run it on the
# real map, then on damaged copies of it.
set -euo pipefail
src=${SYNACK_SRC:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
map="$src/docs/rfc9293.md"
check() { python3 "$src/scripts/rfcmap.py" --root "$src" --map "$1"; }

out=$(check "$src/docs/rfc9293.md") || { echo "$out"; echo "FAIL: docs/rfc9293.md"; exit 1; }
echo "$out"
grep -q "119 of 119 ids mapped, 0 problem" <<<"$out" || { echo "FAIL: summary"; exit 1; }

expect_fail() { # sed-expression expected-message (on $map, checked by check)
  sed -e "$1" "$map" > "$tmp/map.md"
  cmp -s "$tmp/map.md" "$map" && { echo "FAIL: '$1' changed nothing"; exit 1; }
  if out=$(check "$tmp/map.md"); then echo "FAIL: accepted after '$1'"; exit 1; fi
  grep -q "$2" <<<"$out" || { echo "FAIL: '$1': expected '$2' in: $out"; exit 1; }
}
expect_fail '/^| MUST-13 |/d' 'MUST-13: missing from the map'
expect_fail '/^| MUST-13 |/p' 'MUST-13 appears twice'
expect_fail 's/^| MUST-13 | \(.*\) | implemented |/| MUST-13 | \1 | done |/' "status 'done'"
expect_fail 's/\(^| MUST-13 |.*\)time_wait_fin_retransmitted_acked_2msl_restarted/\1no_such_test/' 'test tcp_time_wait/no_such_test not found'
expect_fail 's/\(^| MUST-13 |.*\)test_tcp_time_wait\.c/\1test_no_such_file.c/' 'proof file tests/unit/test_no_such_file.c does not exist'
expect_fail 's/^| MAY-14 | \(.*\) | n\/a | \(.*\) | [^|]* |$/| MAY-14 | \1 | n\/a | \2 |  |/' "MAY-14: status 'n/a' needs a reason"
expect_fail 's/^\(| MUST-57 |.*| implemented | \)[^|]*|/\1 |/' 'MUST-57: implemented but no proof'
expect_fail 's/^\(| MUST-11 |.*| implemented | \)`[^`]*`/\1`tests\/drill\/pending\/x.pkt`/' 'is pending'
expect_fail 's/^| MUST-13 |/| MUST-70 |/' 'MUST-70 is not an RFC 9293 Appendix B id'
echo "rfcmap: the check catches each damaged copy"

map="$src/docs/rfc-map.md"
check() { python3 "$src/scripts/rfcmap_names.py" --root "$src" --map "$1"; }
out=$(check "$map") || { echo "$out"; echo "FAIL: docs/rfc-map.md"; exit 1; }
echo "$out"
grep -Eq "rfc-map: [1-9][0-9]+ names checked, 0 problem" <<<"$out" || { echo "FAIL: rfc-map summary"; exit 1; }
expect_fail 's/`tcp_check_bind`/`tcp_check_bind_gone`/' 'tcp_check_bind_gone not in src/tcp/tcb.c'
expect_fail 's/`src\/tcp\/tcb.h` `tcp_set_bound`/`src\/tcp\/tcb.c` `tcp_set_bound`/' 'tcp_set_bound not in src/tcp/tcb.c'
expect_fail 's/`src\/base\/dhash.h`/`src\/base\/nohash.h`/' 'src/base/nohash.h does not exist'
echo "rfcmap: the names check catches each damaged copy"
