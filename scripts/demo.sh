#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The demo: installs and builds, starts vpcswitchd with four VMs (network namespaces whose
# NIC is a virtio_user on the switch's vhost-user sockets), two VPCs that reuse the same
# addresses, shows them pinging and what vpcctl shows, then cleans up. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR=build scripts/build.sh >/dev/null

export VPCSWITCHD=$PWD/build/vpcswitchd VPCCTL=$PWD/build/vpcctl VMNIC=$PWD/build/tests/vm/vmnic
. tests/integration/lib.sh
IT_NAME=demo
it_setup

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_vm() { printf '$ ip netns exec %s\n' "$*"; vm "$@"; }

say "start vpcswitchd (control on core 0, one worker on core 1)"
start_switch host1
V() { ctl host1 "$@"; }
VPCCTL_SHOWN="vpcctl -s $(sw_sock host1)"

say "two VPCs with the same CIDR; four ports (the red ones reuse blue's MACs and IPs)"
cat > "$IT_DIR/demo.json" <<JSON
{
  "vpcs": [ {"name": "blue", "vni": 100}, {"name": "red", "vni": 200} ],
  "subnets": [
    {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:01:01"},
    {"vpc": "red",  "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:02:01"}
  ],
  "ports": [
    {"name": "web1", "vpc": "blue", "mac": "52:54:00:00:00:11", "ips": ["10.0.0.11"]},
    {"name": "web2", "vpc": "blue", "mac": "52:54:00:00:00:12", "ips": ["10.0.0.12"]},
    {"name": "db1",  "vpc": "blue", "mac": "52:54:00:00:00:13", "ips": ["10.0.0.13"]},
    {"name": "red1", "vpc": "red",  "mac": "52:54:00:00:00:11", "ips": ["10.0.0.11"]}
  ]
}
JSON
echo "\$ $VPCCTL_SHOWN apply -f demo.json"
V apply -f "$IT_DIR/demo.json"

say "boot the VMs (vhost-user front ends in their own network namespaces)"
i=0
for vmname in web1 web2 db1 red1; do
	ip=$(jq -r ".ports[] | select(.name == \"$vmname\") | .ips[0]" "$IT_DIR/demo.json")
	mac=$(jq -r ".ports[] | select(.name == \"$vmname\") | .mac" "$IT_DIR/demo.json")
	start_vm "$vmname" "$IT_DIR/$vmname.sock" "$mac" "$ip/24"
	echo "  $vmname: $mac $ip"
done
for vmname in web1 web2 db1 red1; do wait_for 20 link_is host1 "$vmname" up; done

say "web1 pings web2 and db1 (blue); red1 tries 10.0.0.12, which only exists in blue"
in_vm web1 ping -c 3 -i 0.2 10.0.0.12
in_vm web1 ping -c 2 -i 0.2 10.0.0.13
echo "\$ ip netns exec red1 ping -c 2 10.0.0.12   # blue's web2 has this address; red must not reach it"
vm red1 ping -c 2 -i 0.2 -W 1 10.0.0.12 || echo "(no reply: isolated, as it should be)"
echo "\$ ip netns exec red1 ip neigh   # the switch answered ARP for red's gateway only"
vm red1 ping -c 1 -W 1 10.0.0.1 >/dev/null 2>&1 || true
vm red1 ip neigh

say "a TCP transfer web1 -> db1"
vm db1 iperf3 -s -1 -D
sleep 0.5
vm web1 iperf3 -c 10.0.0.13 -t 2 | tail -4

say "what the operator sees"
echo "\$ $VPCCTL_SHOWN port show"; V port show
echo; echo "\$ $VPCCTL_SHOWN show counters"; V show counters
echo; echo "\$ $VPCCTL_SHOWN show drops   (non-zero reasons)"
V show drops | awk 'NR == 1 || $2 > 0'
echo; echo "\$ $VPCCTL_SHOWN show workers"; V show workers
echo; echo "\$ $VPCCTL_SHOWN -o json port show db1"; V -o json port show db1 | head -30

say "demo done; cleaning up"
