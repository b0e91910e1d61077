#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Two hosts, each a vpcswitchd in its own namespace with a veth underlay, each with a VM.
# VPC blue rides VXLAN, VPC red rides Geneve, and both use the same VM addresses and MACs:
# ping and TCP cross the hosts in each VPC, and nothing crosses between the VPCs.
# Argument: ipv4 (default) or ipv6, the underlay the tunnels ride. Over ipv6 the hosts are
# dual-stack (a VTEP of each family) and the remotes name the IPv6 VTEPs.
. "$(dirname "$0")/lib.sh"
UNDERLAY=${1:-ipv4}
it_setup

it_host h1 h1
it_host h2 h2
underlay_link "$h1" ul1 "$h2" ul2

if [ "$UNDERLAY" = ipv6 ]; then
	VTEP1=fd00:60::1 VTEP2=fd00:60::2
	IPF=ipv6 OVERHEAD=20 # an IPv6 header is 20 bytes longer: the VPCs' MTUs shrink by as much
	SW_NETNS=$h1 start_switch sw1 --underlay net_af_packet0,iface=ul1 \
		--vtep 192.168.60.1/24 --vtep $VTEP1/64
	SW_NETNS=$h2 start_switch sw2 --underlay net_af_packet1,iface=ul2 \
		--vtep 192.168.60.2/24 --vtep $VTEP2/64
	check "both VTEPs on host 1" test "$(ctl sw1 -o json show underlay | jq -c .vteps)" = \
		'["192.168.60.1/24","fd00:60::1/64"]'
else
	VTEP1=192.168.60.1 VTEP2=192.168.60.2
	IPF=ip OVERHEAD=0
	SW_NETNS=$h1 start_switch sw1 --underlay net_af_packet0,iface=ul1 --vtep $VTEP1/24
	SW_NETNS=$h2 start_switch sw2 --underlay net_af_packet1,iface=ul2 --vtep $VTEP2/24
fi
MTU_BLUE=$((1450 - OVERHEAD)) MTU_RED=$((1400 - OVERHEAD))

# state FILE HOST_VMS REMOTE_VTEP: each host has its own VMs as ports, the other's as remotes
state() {
	local mine=$1 theirs=$2 vtep=$3
	cat <<EOF
{
  "vpcs": [ {"name": "blue", "vni": 100, "encap": "vxlan", "mtu": $MTU_BLUE},
            {"name": "red", "vni": 200, "encap": "geneve", "mtu": $MTU_RED} ],
  "security_groups": [ {"vpc": "blue", "name": "open"}, {"vpc": "red", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "open", "direction": "ingress"},
    {"vpc": "blue", "group": "open", "direction": "egress"},
    {"vpc": "red", "group": "open", "direction": "ingress"},
    {"vpc": "red", "group": "open", "direction": "egress"}
  ],
  "subnets": [
    {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:00:01"},
    {"vpc": "red",  "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:00:01"} ],
  "ports": [
    {"name": "b$mine", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:1$mine", "ips": ["10.0.0.1$mine"]},
    {"name": "r$mine", "security_groups": ["open"], "vpc": "red",  "mac": "52:54:00:00:00:1$mine", "ips": ["10.0.0.1$mine"]} ],
  "remotes": [
    {"vpc": "blue", "mac": "52:54:00:00:00:1$theirs", "ips": ["10.0.0.1$theirs"], "vtep": "$vtep"},
    {"vpc": "red",  "mac": "52:54:00:00:00:1$theirs", "ips": ["10.0.0.1$theirs"], "vtep": "$vtep"} ]
}
EOF
}
state 1 2 $VTEP2 > "$IT_DIR/h1.json"
state 2 1 $VTEP1 > "$IT_DIR/h2.json"
check "host 1 state" ctl sw1 apply -f "$IT_DIR/h1.json"
check "host 2 state" ctl sw2 apply -f "$IT_DIR/h2.json"
for h in 1 2; do
	start_vm "b$h" "$IT_DIR/b$h.sock" "52:54:00:00:00:1$h" "10.0.0.1$h/24"
	start_vm "r$h" "$IT_DIR/r$h.sock" "52:54:00:00:00:1$h" "10.0.0.1$h/24"
	vm "b$h" ip link set eth0 mtu $MTU_BLUE
	vm "r$h" ip link set eth0 mtu $MTU_RED
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
# tshark checks UDP checksums when asked: over IPv6 they are always there and must be right
decoded() {
	tshark -o udp.check_checksum:TRUE -r "$IT_DIR/wire.pcap" -Y "$1" -T fields \
		-e frame.number 2>/dev/null | wc -l
}
check "tshark: VXLAN, VNI 100, inner 10.0.0.11 -> 10.0.0.12 ICMP, outer $VTEP1 -> $VTEP2" test \
	"$(decoded "vxlan.vni == 100 && $IPF.src == $VTEP1 && $IPF.dst == $VTEP2 && icmp && ip.src == 10.0.0.11 && ip.dst == 10.0.0.12")" -ge 3
check "tshark: Geneve, VNI 200, protocol Ethernet, inner 10.0.0.11 -> 10.0.0.12 ICMP, outer $VTEP1 -> $VTEP2" test \
	"$(decoded "geneve.vni == 200 && geneve.proto_type == 0x6558 && $IPF.src == $VTEP1 && icmp && ip.src == 10.0.0.11 && ip.dst == 10.0.0.12")" -ge 3
check_eq "tshark: no outer UDP checksum is wrong" 0 "$(decoded 'udp.checksum.status == "Bad"')"
if [ "$UNDERLAY" = ipv6 ]; then
	check "tshark: every tunnel frame from host 1 has a flow label and a UDP checksum" test \
		"$(decoded "ipv6.src == $VTEP1 && ipv6.flow != 0 && udp.checksum != 0 && udp.checksum.status == \"Good\"")" -eq \
		"$(decoded "ipv6.src == $VTEP1 && udp")"
fi
check_eq "tshark: no VXLAN frame carries VNI 200, no Geneve frame VNI 100" 0 \
	"$(decoded 'vxlan.vni == 200 || geneve.vni == 100')"

tunnel_drops=$(ctl sw2 -o json show underlay | jq '.underlay_stats.drops')
check_eq "host 2 dropped no tunnel packet" 0 "$tunnel_drops"

it_done
