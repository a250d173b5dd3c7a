#!/usr/bin/env bash
# it_sweep_stale (tests/interop/lib.sh): namespaces of interop runs that were killed
# (sk_<name>_<pid>, sk_<name>_<pid>_2, pid dead) are deleted when the next interop test
# starts; this run's own namespace, another live run's, and names outside the pattern
# stay.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
it_ns_up

sh -c 'exit 0' &
dead=$!
wait "$dead"
kill -0 "$dead" 2>/dev/null && fail "pid $dead still alive"
sleep 30 >/dev/null 2>&1 &
live=$!
IT_PIDS+=("$live")
stale=sk_sweepself_$dead
keep_live=sk_sweepself_$live
keep_other=sk_sweepself_keep
# it_cleanup deletes $IT_NS2 whatever happens, the trap below the other three
IT_NS2=$keep_other
for ns in "$stale" "${stale}_2" "$keep_live" "$keep_other"; do
	ip netns add "$ns" || fail "cannot create $ns"
done
# (it_cleanup takes the exit status from $?: "(exit $rc) ||" hands it over under set -e)
trap 'rc=$?; for ns in "$stale" "${stale}_2" "$keep_live"; do
	ip netns del "$ns" 2>/dev/null || true; done; (exit $rc) || it_cleanup; it_cleanup' EXIT

it_sweep_stale
have() {
	local list
	list=$(ip netns list | cut -d' ' -f1)
	grep -qx -- "$1" <<<"$list"
}
have "$stale" && fail "stale namespace $stale (pid $dead dead) not deleted"
have "${stale}_2" && fail "stale namespace ${stale}_2 not deleted"
have "$keep_live" || fail "namespace $keep_live of a live pid was deleted"
have "$keep_other" || fail "namespace $keep_other outside the pattern was deleted"
have "$IT_NS" || fail "this run's namespace $IT_NS was deleted"
ip netns del "$keep_live"
echo "PASS: stale sk_ namespaces swept, live and foreign ones kept"
