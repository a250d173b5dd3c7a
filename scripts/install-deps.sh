#!/usr/bin/env bash
# Installs the Debian packages synack needs to build and test, when missing.
# As root: apt-get installs them. Otherwise: prints the command to run and fails.
set -euo pipefail
PKGS=(cmake make gcc clang pkg-config python3 libpcap-dev libsodium-dev libcriterion-dev
      tcpdump tshark iproute2 nftables libclang-rt-14-dev llvm
      netcat-openbsd socat iputils-ping curl wget iptables)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "synack: missing Debian packages: ${missing[*]}" >&2
  echo "synack: install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "synack: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
