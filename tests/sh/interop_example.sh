#!/usr/bin/env bash
# The embedding example examples/tun_upper.c builds warning-free against the public
# headers and the library of this build, and works: in a namespace, a Linux client gets
# the greeting and its text back in upper case, and the example exits 0 on SIGTERM.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need cc pkg-config nc
build=${SYNACK_BUILD:?}
san=()
grep -q '^SYNACK_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null && san=(-fsanitize=address,undefined)
cc -std=c11 -Wall -Wextra -Werror "${san[@]}" -I"$srcdir/include" -o "$IT_TMP/tun_upper" \
	"$srcdir/examples/tun_upper.c" "$build/libsynack.a" $(pkg-config --libs libpcap libsodium) -lm ||
	fail "the example does not build"
it_ns_up
ip netns exec "$IT_NS" "$IT_TMP/tun_upper" tun0 10.9.0.2 7000 2>"$IT_TMP/upper.log" &
IT_PID=$!
IT_PIDS+=("$IT_PID")
it_wait_log upper 'listening on 10.9.0.2:7000'
got=$(printf 'hello, kernel\n' | it_in timeout 60 nc -N 10.9.0.2 7000) || fail "nc exited $?"
expect_eq "reply" "$got" "hello from synack
HELLO, KERNEL"
it_stop "$IT_PID" || fail "the example exited with status $?"
echo "PASS: examples/tun_upper.c builds and serves"
