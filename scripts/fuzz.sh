#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, from its seed corpus in
# tests/fuzz/corpus/<target>/ (if any). A crash, leak or UB report fails the run and
# leaves the reproducer in build dir's fuzz-artifacts/.
set -euo pipefail
build=${1:?build dir}; secs=${2:?seconds}
root=$(cd "$(dirname "$0")/.." && pwd)
shopt -s nullglob
targets=("$build"/tests/fuzz_*)
if ((${#targets[@]} == 0)); then echo "fuzz: no targets built" >&2; exit 1; fi
mkdir -p "$build/fuzz-artifacts"
for t in "${targets[@]}"; do
  name=$(basename "$t")
  work="$build/fuzz-corpus/$name"; mkdir -p "$work"
  seeds=("$root/tests/fuzz/corpus/$name")
  [ -d "${seeds[0]}" ] || seeds=()
  echo "fuzz: $name for ${secs}s"
  "$t" -max_total_time="$secs" -seed=1 -print_final_stats=1 \
       -artifact_prefix="$build/fuzz-artifacts/$name-" "$work" "${seeds[@]}" 2>"$build/fuzz-$name.log" \
    || { tail -n 60 "$build/fuzz-$name.log"; echo "fuzz: $name FAILED" >&2; exit 1; }
  grep -E '^stat::number_of_executed_runs' "$build/fuzz-$name.log" || true
done
echo "fuzz: ${#targets[@]} passed, 0 failed"
