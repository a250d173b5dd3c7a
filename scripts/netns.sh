#!/usr/bin/env bash
# netns.sh — a network namespace with a TUN device for synack and Linux's peer address
# on it, for the interop tests and for trying synack by hand. Needs root.
#
#   scripts/netns.sh up NS [TUN [PEER/PREFIX [MTU]]]   create NS (loopback up) and, in it,
#                                                 a persistent TUN device TUN (default
#                                                 tun0) with the kernel's address PEER/PREFIX
#                                                 (default 10.9.0.1/24), link up, IPv6 off
#   scripts/netns.sh down NS                      delete NS (and every device in it)
#   scripts/netns.sh exec NS CMD...               run CMD inside NS
#
# Then: ip netns exec NS build/synack echo --tun tun0 --addr 10.9.0.2
# The device is persistent (ip tuntap add), so synack attaches to it and Linux keeps its
# address when synack exits; `down` removes everything. `up` on an existing NS fails.
set -euo pipefail

die() { echo "netns.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: netns.sh up NS [TUN [PEER/PREFIX [MTU]]] | down NS | exec NS CMD..."
cmd=$1 ns=$2
shift 2
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"

case $cmd in
up)
	tun=${1:-tun0} peer=${2:-10.9.0.1/24} mtu=${3:-}
	ip netns add "$ns" || die "cannot create namespace $ns"
	# From here on, a failure removes the half-made namespace.
	trap 'ip netns del "$ns" 2>/dev/null || true' ERR
	ip -n "$ns" link set lo up
	ip -n "$ns" tuntap add dev "$tun" mode tun
	# Router solicitations and MLD reports would only be noise on synack's device.
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$tun.disable_ipv6=1" 2>/dev/null || true
	ip -n "$ns" addr add "$peer" dev "$tun"
	[ -z "$mtu" ] || ip -n "$ns" link set "$tun" mtu "$mtu"
	ip -n "$ns" link set "$tun" up
	trap - ERR
	;;
down)
	ip netns del "$ns" 2>/dev/null || true
	;;
exec)
	[ $# -ge 1 ] || die "exec needs a command"
	exec ip netns exec "$ns" "$@"
	;;
*)
	die "unknown command '$cmd' (up, down, exec)"
	;;
esac
