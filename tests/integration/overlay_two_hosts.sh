#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Two hosts, each a vpcswitchd in its own namespace with a veth underlay, each with a VM.
# VPC blue rides VXLAN, VPC red rides Geneve, and both use the same VM addresses and MACs:
# ping and TCP cross the hosts in each VPC, and nothing crosses between the VPCs.
. "$(dirname "$0")/lib.sh"
it_setup

it_host h1 h1
it_host h2 h2
underlay_link "$h1" ul1 "$h2" ul2

SW_NETNS=$h1 start_switch sw1 --underlay net_af_packet0,iface=ul1 --vtep 192.168.60.1/24
SW_NETNS=$h2 start_switch sw2 --underlay net_af_packet1,iface=ul2 --vtep 192.168.60.2/24

# state FILE HOST_VMS REMOTE_VTEP: each host has its own VMs as ports, the other's as remotes
state() {
	local mine=$1 theirs=$2 vtep=$3
	cat <<EOF
{
  "vpcs": [ {"name": "blue", "vni": 100, "encap": "vxlan"},
            {"name": "red", "vni": 200, "encap": "geneve", "mtu": 1400} ],
  "subnets": [
    {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:00:01"},
    {"vpc": "red",  "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:00:01"} ],
  "ports": [
    {"name": "b$mine", "vpc": "blue", "mac": "52:54:00:00:00:1$mine", "ips": ["10.0.0.1$mine"]},
    {"name": "r$mine", "vpc": "red",  "mac": "52:54:00:00:00:1$mine", "ips": ["10.0.0.1$mine"]} ],
  "remotes": [
    {"vpc": "blue", "mac": "52:54:00:00:00:1$theirs", "ips": ["10.0.0.1$theirs"], "vtep": "$vtep"},
    {"vpc": "red",  "mac": "52:54:00:00:00:1$theirs", "ips": ["10.0.0.1$theirs"], "vtep": "$vtep"} ]
}
EOF
}
state 1 2 192.168.60.2 > "$IT_DIR/h1.json"
state 2 1 192.168.60.1 > "$IT_DIR/h2.json"
check "host 1 state" ctl sw1 apply -f "$IT_DIR/h1.json"
check "host 2 state" ctl sw2 apply -f "$IT_DIR/h2.json"
for h in 1 2; do
	start_vm "b$h" "$IT_DIR/b$h.sock" "52:54:00:00:00:1$h" "10.0.0.1$h/24"
	start_vm "r$h" "$IT_DIR/r$h.sock" "52:54:00:00:00:1$h" "10.0.0.1$h/24"
	vm "b$h" ip link set eth0 mtu 1450
	vm "r$h" ip link set eth0 mtu 1400
done
for h in 1 2; do
	check "b$h up" wait_for 20 link_is "sw$h" "b$h" up
	check "r$h up" wait_for 20 link_is "sw$h" "r$h" up
done

check "blue (VXLAN): b1 pings b2 on the other host" wait_for 20 ping_ok b1 10.0.0.12 1
check "red (Geneve): r1 pings r2 on the other host" wait_for 20 ping_ok r1 10.0.0.12 1
check "blue: every ping" ping_ok b2 10.0.0.11 5
check "red: every ping" ping_ok r2 10.0.0.11 5
r2_tx=$(port_stat sw2 r2 tx_packets)
bytes=$(iperf_bytes b1 b2 10.0.0.12 3)
check "blue: TCP across hosts over VXLAN ($bytes bytes)" test "$bytes" -gt 1000000
check_eq "red's VM on host 2 received nothing of blue's transfer" "$r2_tx" \
	"$(port_stat sw2 r2 tx_packets)"
b2_tx=$(port_stat sw2 b2 tx_packets)
bytes=$(iperf_bytes r1 r2 10.0.0.12 3)
check "red: TCP across hosts over Geneve ($bytes bytes)" test "$bytes" -gt 1000000
check_eq "blue's VM on host 2 received nothing of red's transfer" "$b2_tx" \
	"$(port_stat sw2 b2 tx_packets)"
# --- what crossed the wire, decoded by an independent dissector ---
ip netns exec "$h2" tshark -q -i ul2 -a duration:6 -w "$IT_DIR/wire.pcap" \
	-f "udp port 4789 or udp port 6081" > "$IT_DIR/tshark.log" 2>&1 &
tshark_pid=$!
it_bg $tshark_pid
wait_for 10 grep -q "Capturing on" "$IT_DIR/tshark.log"
sleep 1 # "Capturing on" comes a moment before the capture does
vm b1 ping -c 5 -i 0.2 -W 1 10.0.0.12 >/dev/null 2>&1 || true
vm r1 ping -c 5 -i 0.2 -W 1 10.0.0.12 >/dev/null 2>&1 || true
wait "$tshark_pid" || true
decoded() { tshark -r "$IT_DIR/wire.pcap" -Y "$1" -T fields -e frame.number 2>/dev/null | wc -l; }
check "tshark: VXLAN, VNI 100, inner 10.0.0.11 -> 10.0.0.12 ICMP, outer 192.168.60.1 -> .2" test \
	"$(decoded 'vxlan.vni == 100 && ip.src == 192.168.60.1 && ip.dst == 192.168.60.2 && icmp && ip.src == 10.0.0.11 && ip.dst == 10.0.0.12')" -ge 3
check "tshark: Geneve, VNI 200, protocol Ethernet, inner 10.0.0.11 -> 10.0.0.12 ICMP" test \
	"$(decoded 'geneve.vni == 200 && geneve.proto_type == 0x6558 && icmp && ip.src == 10.0.0.11 && ip.dst == 10.0.0.12')" -ge 3
check_eq "tshark: no VXLAN frame carries VNI 200, no Geneve frame VNI 100" 0 \
	"$(decoded 'vxlan.vni == 200 || geneve.vni == 100')"

tunnel_drops=$(ctl sw2 -o json show underlay | jq '.underlay_stats.drops')
check_eq "host 2 dropped no tunnel packet" 0 "$tunnel_drops"

it_done
