#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The demo: installs and builds, then runs vpc-controller and two simulated hosts (network
# namespaces on one underlay segment), each with its own vpcswitchd connected to the
# controller, and two VMs each (namespaces whose NIC is a virtio_user on the switch's
# vhost-user socket). The operator describes VPC blue (VXLAN) and VPC red (Geneve), reusing
# the same addresses, once to the controller; VMs ping and talk TCP across the hosts inside
# their VPC, never across VPCs; a VM moves to the other host; then what an operator sees
# with vpcctl. Cleans up after itself. Root.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR=build scripts/build.sh >/dev/null

export VPCSWITCHD=$PWD/build/vpcswitchd VPCCTL=$PWD/build/vpcctl VMNIC=$PWD/build/tests/vm/vmnic
export VPC_CONTROLLER=$PWD/build/controller/vpc-controller
. tests/integration/lib.sh
IT_NAME=demo
it_setup

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_vm() { printf '$ ip netns exec %s\n' "$*"; vm "$@"; }
show() { local h=$1; shift; printf '\n$ vpcctl %s    # on %s\n' "$*" "$h"; ctl "$h" "$@"; }

say "two hosts on one underlay segment (192.168.60.0/24), a controller on a management network"
ctrl_net 2 172.31.0.254
ip netns exec "$cns" "$VPC_CONTROLLER" --db "$IT_DIR/state.db" --listen tcp:172.31.0.254:6653 \
	--api 127.0.0.1:8080 >> "$IT_DIR/controller.log" 2>&1 &
it_bg $!
nctl() { printf '$ vpcctl --controller http://127.0.0.1:8080 %s\n' "$*"; ip netns exec "$cns" \
	"$VPCCTL" --controller http://127.0.0.1:8080 "$@"; }
wait_for 10 ip netns exec "$cns" curl -sf http://127.0.0.1:8080/v1/status
echo "vpc-controller (SQLite) on 172.31.0.254: switches connect on 6653, its API on 127.0.0.1:8080"
for n in 1 2; do
	SW_NETNS=$(eval echo "\$h$n") start_switch "host$n" --underlay "net_af_packet$n,iface=ul0" \
		--vtep "192.168.60.$n/24" --controller tcp:172.31.0.254:6653 --host-id "host$n"
done
echo "vpcswitchd on host1 (VTEP 192.168.60.1) and host2 (VTEP 192.168.60.2), both connected to it"

say "the operator describes the VPCs once, to the controller"
nctl host add host1 vtep 192.168.60.1
nctl host add host2 vtep 192.168.60.2
nctl vpc create blue vni 100 encap vxlan
nctl vpc create red vni 200 encap geneve mtu 1400
for v in blue red; do
	gw_mac=02:00:00:00:0$([ $v = blue ] && echo 1 || echo 2):01
	nctl subnet add $v 10.0.0.0/24 gateway 10.0.0.1 gateway-mac $gw_mac
	nctl sg add $v open
	nctl sg rule add $v open ingress
	nctl sg rule add $v open egress
done
for h in 1 2; do
	nctl port add blue$h vpc blue mac 52:54:00:00:00:1$h ip 10.0.0.1$h sg open host host$h
	nctl port add red$h vpc red mac 52:54:00:00:00:1$h ip 10.0.0.1$h sg open host host$h
done
wait_for 20 eval "[ \"\$(ip netns exec $cns curl -s http://127.0.0.1:8080/v1/status | jq '[.hosts[] | select(.in_sync)] | length')\" -eq 2 ]"
nctl show hosts

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

say "a VM moves: blue2 from host2 to host1 (the remotes of every host follow)"
stop_vm blue2
nctl port move blue2 host host1
wait_for 20 eval "[ \"\$(ip netns exec $cns curl -s http://127.0.0.1:8080/v1/status | jq '[.hosts[] | select(.in_sync)] | length')\" -eq 2 ]"
start_vm blue2 "$IT_DIR/blue2.sock" 52:54:00:00:00:12 10.0.0.12/24
vm blue2 ip link set eth0 mtu 1450
wait_for 20 link_is host1 blue2 up
in_vm blue1 ping -c 3 -i 0.2 10.0.0.12

say "what the operator sees"
nctl show hosts
show host1 show controller
show host1 port show
show host2 remote show
show host1 show counters
show host2 show underlay
printf '\n$ vpcctl show drops    # on host2, non-zero reasons\n'
ctl host2 show drops | awk 'NR == 1 || $2 > 0'
show host1 show workers

say "demo done; cleaning up"
