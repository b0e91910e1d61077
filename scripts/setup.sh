#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs what vpcswitch needs on Debian 12 (as root) and reserves 2 MB hugepages.
# Idempotent: safe to run before every build.
set -euo pipefail

PACKAGES=(
	build-essential meson ninja-build pkg-config
	dpdk dpdk-dev libdpdk-dev libjansson-dev libcmocka-dev
	clang libclang-rt-14-dev
	iproute2 iputils-ping iperf3 jq python3 procps ethtool libnl-3-dev libnl-route-3-dev
	tshark openvswitch-switch-dpdk isc-dhcp-client traceroute ndisc6 libpcap-dev
	libmicrohttpd-dev curl python3-prometheus-client libcurl4-openssl-dev libsqlite3-dev
)

[ "$(id -u)" -eq 0 ] || { echo "setup.sh: run as root (apt-get, hugepages)" >&2; exit 1; }

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Hugepages: the daemon, the test VMs and the benchmark each take a few hundred MB.
pages=${VPCSW_HUGEPAGES:-1024}
nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
[ "$(cat $nr)" -ge "$pages" ] || echo "$pages" > $nr
mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages
echo "setup.sh: $(cat $nr) hugepages of 2 MB reserved, mounted on /dev/hugepages"
