#!/usr/bin/env bash
# failures.sh BUILD STAMP — lists the failed interop runs kept since STAMP was touched
# (lib.sh it_keep_evidence: BUILD/interop-failures/<test>/<UTC>-<pid>/), each with what
# failed (its result.txt). `make check` runs it when a ctest run fails, so the place of
# the captures and logs is printed beside the failure. Prints nothing when there are none.
set -euo pipefail
build=$1 stamp=$2
[ -d "$build/interop-failures" ] || exit 0
found=$(find "$build/interop-failures" -mindepth 2 -maxdepth 2 -type d -newer "$stamp" | sort)
[ -n "$found" ] || exit 0
echo "interop runs that failed, with their captures and logs:"
while IFS= read -r d; do
	echo "  $d"
	grep -E '^(failed|stopped)' "$d/result.txt" 2>/dev/null | sed 's/^/    /' || true
done <<<"$found"
