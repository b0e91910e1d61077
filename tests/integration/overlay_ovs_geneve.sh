#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Geneve with an independent implementation: Open vSwitch's userspace tunnelling (the
# kernels here have no geneve driver), set up by the shared benchmark's OVS driver
# (shared/bench/ovs/ovs.sh, pipeline geneve-encap: VNI 100, OVS's VTEP 192.168.1.1, its
# remote VTEP 192.168.1.2 at 02:00:00:00:01:02, which is us). Behind OVS, a veth end in
# its namespace is the remote VM (OVS holds the other end). Ping and TCP both ways between it and a VM on our switch; tshark on the
# wire decodes Geneve with VNI 100.
. "$(dirname "$0")/lib.sh"
it_setup

OVS_SH="$(cd "$(dirname "$0")/../../.." && pwd)/shared/bench/ovs/ovs.sh"
[ -x "$OVS_SH" ] || { echo "no $OVS_SH (shared/ must sit beside the repository)"; exit 1; }
command -v ovs-vsctl >/dev/null || { echo "Open vSwitch is not installed (scripts/setup.sh)"; exit 1; }

export OVSBENCH_DIR="$IT_DIR/ovs"
mkdir -p "$OVSBENCH_DIR"
it_atexit "'$OVS_SH' stop"
"$OVS_SH" start > "$IT_DIR/ovs.log" 2>&1
ovsns=$(cat "$OVSBENCH_DIR/netns")
ip netns exec "$ovsns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
it_host h1 h1
underlay_link "$h1" ul1 "$ovsns" ulo
ip netns exec "$ovsns" ip link add ovsvm type veth peer name ovsvmp
for dev in ovsvm ovsvmp; do
	ip netns exec "$ovsns" ethtool -K "$dev" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
done
ip netns exec "$ovsns" ip link set ovsvmp up
"$OVS_SH" setup geneve-encap "dpdk:net_af_packet1,iface=ovsvmp" "dpdk:net_af_packet0,iface=ulo" 0 \
	>> "$IT_DIR/ovs.log" 2>&1
ip netns exec "$ovsns" ip link set ovsvm address 52:54:00:00:00:30 mtu 1400 up
ip netns exec "$ovsns" ip addr add 10.0.0.30/24 dev ovsvm
ip netns exec "$ovsns" ip neigh replace 10.0.0.11 lladdr 52:54:00:00:00:01 dev ovsvm nud permanent

SW_NETNS=$h1 start_switch sw --underlay net_af_packet0,iface=ul1 --vtep 192.168.1.2/24 \
	--underlay-mac 02:00:00:00:01:02
cat > "$IT_DIR/state.json" <<JSON
{
  "vpcs": [ {"name": "blue", "vni": 100, "encap": "geneve", "mtu": 1400} ],
  "security_groups": [ {"vpc": "blue", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "open", "direction": "ingress"},
    {"vpc": "blue", "group": "open", "direction": "egress"}
  ],
  "subnets": [ {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1",
                "gateway_mac": "02:00:00:00:00:01"} ],
  "ports": [ {"name": "b1", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:01", "ips": ["10.0.0.11"]} ],
  "remotes": [ {"vpc": "blue", "mac": "52:54:00:00:00:30", "ips": ["10.0.0.30"],
                "vtep": "192.168.1.1"} ]
}
JSON
check "apply the Geneve VPC with the VM behind OVS" ctl sw apply -f "$IT_DIR/state.json"
start_vm b1 "$IT_DIR/b1.sock" 52:54:00:00:00:01 10.0.0.11/24
vm b1 ip link set eth0 mtu 1400
check "b1 up" wait_for 20 link_is sw b1 up

check "b1 pings the VM behind OVS's Geneve" wait_for 30 ping_ok b1 10.0.0.30 1
check "every ping" ping_ok b1 10.0.0.30 5
check "the VM behind OVS pings b1" bash -c "ip netns exec $ovsns ping -c 3 -i 0.2 -W 2 10.0.0.11 >/dev/null"
ip netns exec "$ovsns" iperf3 -s -1 -D -p 5201
sleep 0.5
bytes=$(vm b1 timeout 60 iperf3 -c 10.0.0.30 -p 5201 -t 3 -J | jq -r '.end.sum_received.bytes // 0')
check "TCP b1 -> OVS's VM over Geneve ($bytes bytes)" test "$bytes" -gt 1000000
ip netns exec "$ovsns" iperf3 -s -1 -D -p 5202
sleep 0.5
bytes=$(vm b1 timeout 60 iperf3 -c 10.0.0.30 -p 5202 -t 3 -R -J | jq -r '.end.sum_received.bytes // 0')
check "TCP OVS's VM -> b1 over Geneve ($bytes bytes)" test "$bytes" -gt 1000000

# each direction where it arrives: af_packet sends with PACKET_QDISC_BYPASS, which packet
# taps on the sending side never see
ip netns exec "$h1" tshark -q -i ul1 -a duration:6 -w "$IT_DIR/to_us.pcap" -f "udp port 6081" \
	> "$IT_DIR/tshark1.log" 2>&1 &
t1=$!
ip netns exec "$ovsns" tshark -q -i ulo -a duration:6 -w "$IT_DIR/to_ovs.pcap" -f "udp port 6081" \
	> "$IT_DIR/tshark2.log" 2>&1 &
t2=$!
it_bg $t1
it_bg $t2
wait_for 10 grep -q "Capturing on" "$IT_DIR/tshark1.log"
wait_for 10 grep -q "Capturing on" "$IT_DIR/tshark2.log"
sleep 1
vm b1 ping -c 4 -i 0.2 -W 1 10.0.0.30 >/dev/null 2>&1 || true
wait "$t1" "$t2" || true
geneve_icmp() { # FILE OUTER_SRC INNER_SRC: Geneve VNI 100 frames carrying that ICMP
	tshark -r "$1" -Y "geneve.vni == 100 && geneve.proto_type == 0x6558 && ip.src == $2 && ip.src == $3 && icmp" \
		-T fields -e frame.number 2>/dev/null | wc -l
}
check "tshark at OVS: our Geneve, VNI 100, 192.168.1.2 -> .1, inner 10.0.0.11 ICMP" \
	test "$(geneve_icmp "$IT_DIR/to_ovs.pcap" 192.168.1.2 10.0.0.11)" -ge 4
check "tshark at us: OVS's Geneve, VNI 100, 192.168.1.1 -> .2, inner 10.0.0.30 ICMP" \
	test "$(geneve_icmp "$IT_DIR/to_us.pcap" 192.168.1.1 10.0.0.30)" -ge 4
check_eq "our underlay dropped nothing from OVS" 0 \
	"$(ctl sw -o json show underlay | jq '.underlay_stats.drops')"

it_done
