#!/usr/bin/env bash
# `cmake --install` puts headers, libsynack.a/.so, synack.pc and the tool under a prefix,
# and a program outside the tree builds against it with pkg-config alone (static and shared).
set -euo pipefail
build=${SYNACK_BUILD:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
libdir=$(ls -d "$tmp"/prefix/lib*/ | head -n1)
for f in include/synack/synack.h include/synack/trace.h include/synack/pcap.h bin/synack; do
  [ -e "$tmp/prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
for f in libsynack.a libsynack.so pkgconfig/synack.pc; do
  [ -e "$libdir/$f" ] || { echo "FAIL: $libdir$f not installed"; exit 1; }
done
cat > "$tmp/user.c" <<'C'
#include <stdio.h>
#include <synack/synack.h>
int main(void)
{
	struct synack_config c;
	synack_config_default(&c);
	printf("syn_retries=%u\n", (unsigned)c.syn_retries);
	return 0;
}
C
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# A sanitizer build installs a sanitized library: the user program must link the runtime too.
san=""
grep -q '^SYNACK_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" && san="-fsanitize=address,undefined"
cc -std=c11 $san -o "$tmp/user_shared" "$tmp/user.c" $(pkg-config --cflags --libs synack)
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/user_shared")
[ "$out" = "syn_retries=7" ] || { echo "FAIL: shared build printed '$out'"; exit 1; }
cc -std=c11 $san -o "$tmp/user_static" "$tmp/user.c" $(pkg-config --cflags synack) \
   "$libdir/libsynack.a" $(pkg-config --libs libpcap libsodium) -lm
out=$("$tmp/user_static")
[ "$out" = "syn_retries=7" ] || { echo "FAIL: static build printed '$out'"; exit 1; }
echo "install + pkg-config: ok"
