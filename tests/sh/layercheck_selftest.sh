#!/usr/bin/env bash
# The layer check must catch what it claims to: a wrong-way include, OS calls outside
# src/io, a private include in tools/. Runs the real script on a scratch tree.
set -euo pipefail
src=${SYNACK_SRC:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/scripts" "$tmp/src"/{base,wire,ip,tcp,api,trace,sim,io} "$tmp/tools" "$tmp/packetdrill" "$tmp/include/synack"
cp "$src/scripts/layercheck.py" "$tmp/scripts/"
run() { python3 "$tmp/scripts/layercheck.py"; }

echo '#include "wire/wire.h"' > "$tmp/src/tcp/ok.c"
printf '#include <stdio.h>\nint f(char *b){return snprintf(b, 4, "x");}\n' > "$tmp/src/trace/ok.c"
printf 'void *g(void){ return malloc(1); }\n' > "$tmp/src/io/ok.c"
touch "$tmp/src/wire/wire.h"
run >/dev/null || { echo "FAIL: clean tree rejected"; run; exit 1; }

expect_fail() { # file content pattern
  printf '%b\n' "$2" > "$tmp/$1"
  if out=$(run); then echo "FAIL: $1 accepted: $2"; exit 1; fi
  grep -q "$3" <<<"$out" || { echo "FAIL: $1: expected '$3' in: $out"; exit 1; }
  rm -f "$tmp/$1"
}
touch "$tmp/src/tcp/tcb.h"
expect_fail src/wire/bad.c '#include "tcp/tcb.h"' "may not include 'tcp/tcb.h'"
expect_fail src/tcp/bad.c 'void *f(void){ return malloc(8); }' "heap allocator"
expect_fail src/tcp/bad.c 'long f(void){ return time(0); }' "reads the clock"
expect_fail src/sim/bad.c 'int f(void){ return rand(); }' "random source"
expect_fail src/api/bad.c 'void f(void){ printf("x"); }' "stdio"
expect_fail src/base/bad.c 'int f(void){ return socket(2,1,0); }' "system call"
expect_fail src/sim/bad.c '#include "io/pcap_io.h"' "may not include"
expect_fail tools/bad.c '#include "tcp/tcb.h"' "only public headers"
expect_fail packetdrill/bad.c '#include "api/api.h"' "packetdrill/ may use only public headers"
expect_fail src/tcp/bad.c '#include <sys/socket.h>' "OS access"
# comments and strings do not count
printf '/* malloc(1) */\nconst char *s = "printf(";\n' > "$tmp/src/tcp/fine.c"
run >/dev/null || { echo "FAIL: comment/string flagged"; run; exit 1; }
echo "layercheck selftest: all cases behaved"
