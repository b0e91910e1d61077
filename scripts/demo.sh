#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The demo: installs and builds, then runs two simulated hosts (network namespaces joined
# by a veth underlay), each with its own vpcswitchd and two VMs (namespaces whose NIC is a
# virtio_user on the switch's vhost-user socket). VPC blue rides VXLAN, VPC red Geneve, and
# both reuse the same addresses: VMs ping and talk TCP across the hosts inside their VPC,
# never across VPCs; then what an operator sees with vpcctl. Cleans up after itself. Root.
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
show() { local h=$1; shift; printf '\n$ vpcctl %s    # on %s\n' "$*" "$h"; ctl "$h" "$@"; }

say "two hosts joined by an underlay link (192.168.60.0/24)"
it_host h1 host1
it_host h2 host2
underlay_link "$h1" ul1 "$h2" ul2
SW_NETNS=$h1 start_switch host1 --underlay net_af_packet0,iface=ul1 --vtep 192.168.60.1/24
SW_NETNS=$h2 start_switch host2 --underlay net_af_packet1,iface=ul2 --vtep 192.168.60.2/24
echo "vpcswitchd on host1 (VTEP 192.168.60.1) and host2 (VTEP 192.168.60.2)"

# state MINE THEIRS THEIR_VTEP: this host's VMs as ports, the other host's as remotes
state() {
	cat <<JSON
{
  "vpcs": [ {"name": "blue", "vni": 100, "encap": "vxlan"},
            {"name": "red", "vni": 200, "encap": "geneve", "mtu": 1400} ],
  "security_groups": [ {"vpc": "blue", "name": "open"}, {"vpc": "red", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "open", "direction": "ingress"},
    {"vpc": "blue", "group": "open", "direction": "egress"},
    {"vpc": "red", "group": "open", "direction": "ingress"},
    {"vpc": "red", "group": "open", "direction": "egress"}
  ],
  "subnets": [
    {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:01:01"},
    {"vpc": "red",  "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:02:01"} ],
  "ports": [
    {"name": "blue$1", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:1$1", "ips": ["10.0.0.1$1"]},
    {"name": "red$1",  "security_groups": ["open"], "vpc": "red",  "mac": "52:54:00:00:00:1$1", "ips": ["10.0.0.1$1"]} ],
  "remotes": [
    {"vpc": "blue", "mac": "52:54:00:00:00:1$2", "ips": ["10.0.0.1$2"], "vtep": "$3"},
    {"vpc": "red",  "mac": "52:54:00:00:00:1$2", "ips": ["10.0.0.1$2"], "vtep": "$3"} ]
}
JSON
}

say "desired state of each host: its own VMs as ports, the other's as remotes"
state 1 2 192.168.60.2 > "$IT_DIR/host1.json"
state 2 1 192.168.60.1 > "$IT_DIR/host2.json"
cat "$IT_DIR/host1.json"
echo "\$ vpcctl apply -f host1.json   # and host2.json on host2"
ctl host1 apply -f "$IT_DIR/host1.json" >/dev/null
ctl host2 apply -f "$IT_DIR/host2.json" >/dev/null

say "boot four VMs: blue1 and red1 on host1, blue2 and red2 on host2"
for h in 1 2; do
	start_vm "blue$h" "$IT_DIR/blue$h.sock" "52:54:00:00:00:1$h" "10.0.0.1$h/24"
	start_vm "red$h" "$IT_DIR/red$h.sock" "52:54:00:00:00:1$h" "10.0.0.1$h/24"
	vm "blue$h" ip link set eth0 mtu 1450
	vm "red$h" ip link set eth0 mtu 1400
done
for h in 1 2; do
	wait_for 20 link_is "host$h" "blue$h" up
	wait_for 20 link_is "host$h" "red$h" up
done
wait_for 20 ping_ok blue1 10.0.0.12 1 || true # the first packets resolve the other VTEP
wait_for 20 ping_ok red1 10.0.0.12 1 || true

say "across the hosts: blue over VXLAN, red over Geneve, the same addresses in both"
in_vm blue1 ping -c 3 -i 0.2 10.0.0.12
in_vm red1 ping -c 3 -i 0.2 10.0.0.12

say "a TCP transfer blue1 (host1) -> blue2 (host2) over VXLAN"
vm blue2 iperf3 -s -1 -D
sleep 0.5
vm blue1 iperf3 -c 10.0.0.12 -t 2 | tail -4

say "what the operator sees"
show host1 port show
show host1 remote show
show host1 show counters
show host2 show underlay
printf '\n$ vpcctl show drops    # on host2, non-zero reasons\n'
ctl host2 show drops | awk 'NR == 1 || $2 > 0'
show host1 show workers

say "demo done; cleaning up"
