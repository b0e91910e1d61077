#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Linux kernel's vxlan device as the remote host again, now over an IPv6 underlay: the
# switch's VTEP is an IPv6 address on its exception tap, the next hop's MAC comes from the
# kernel's neighbour discovery, and the kernel peer insists on right UDP checksums (it
# drops zero-checksum VXLAN over IPv6 unless told otherwise). VMs speak IPv4 and IPv6 inside
# the VPC; path-MTU discovery works for both (ICMP "frag needed", ICMPv6 "packet too big");
# a peer that changes its MAC is found again because the switch keeps its neighbour fresh.
. "$(dirname "$0")/lib.sh"
it_setup

it_host h1 h1
it_host h2 h2
underlay_link "$h1" ul1 "$h2" ul2
ip netns exec "$h2" sysctl -qw net.ipv6.conf.ul2.disable_ipv6=0
ip netns exec "$h2" ip -6 addr add fd00:50::2/64 dev ul2 nodad
# host 2 only re-checks host 1 every few minutes: what host 1 learns, it learns by itself
ip netns exec "$h2" sysctl -qw net.ipv6.neigh.ul2.base_reachable_time_ms=600000
ip netns exec "$h2" ip link add vx100 type vxlan id 100 local fd00:50::2 remote fd00:50::1 \
	dstport 4789 dev ul2
ip netns exec "$h2" sysctl -qw net.ipv6.conf.vx100.disable_ipv6=0
ip netns exec "$h2" ip link set vx100 address 52:54:00:00:00:30 mtu 1430 up
ip netns exec "$h2" ip addr add 10.0.0.30/24 dev vx100
ip netns exec "$h2" ip -6 addr add fd10::30/64 dev vx100 nodad
# the control plane tells every host where the VMs are: no flooding, no learning
ip netns exec "$h2" ip neigh add 10.0.0.11 lladdr 52:54:00:00:00:01 dev vx100 nud permanent
ip netns exec "$h2" ip -6 neigh add fd10::11 lladdr 52:54:00:00:00:01 dev vx100 nud permanent

SW_NETNS=$h1 start_switch sw --underlay net_af_packet0,iface=ul1 --vtep fd00:50::1/64
# host 1's kernel holds a neighbour for a second before it wants it confirmed again (the
# default is 15-45 s), so that the MAC change below is noticed in a test's time; set before
# the first neighbour exists, whose timers follow the settings of their time
ip netns exec "$h1" sysctl -qw net.ipv6.neigh.vpcsw0.base_reachable_time_ms=1000 \
	net.ipv6.neigh.vpcsw0.delay_first_probe_time=1 net.ipv6.neigh.vpcsw0.retrans_time_ms=300
check "the exception tap holds the IPv6 VTEP address" \
	bash -c "ip netns exec $h1 ip -6 addr show vpcsw0 | grep -q fd00:50::1/64"
check "the kernel on host 1 reaches host 2 over IPv6 through the exception path" \
	wait_for 10 ip netns exec "$h1" ping -6 -c 1 -W 1 fd00:50::2

cat > "$IT_DIR/state.json" <<EOF
{
  "vpcs": [ {"name": "blue", "vni": 100, "encap": "vxlan", "mtu": 1430} ],
  "security_groups": [ {"vpc": "blue", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "open", "direction": "ingress"},
    {"vpc": "blue", "group": "open", "direction": "egress"}
  ],
  "subnets": [ {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1",
                "gateway_mac": "02:00:00:00:00:01"},
               {"vpc": "blue", "cidr": "fd10::/64", "gateway": "fd10::1",
                "gateway_mac": "02:00:00:00:00:01"} ],
  "ports": [ {"name": "b1", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:01",
              "ips": ["10.0.0.11", "fd10::11"]} ],
  "remotes": [ {"vpc": "blue", "mac": "52:54:00:00:00:30", "ips": ["10.0.0.30", "fd10::30"],
                "vtep": "fd00:50::2"} ]
}
EOF
check "apply the VPC with a remote VM behind an IPv6 VTEP" ctl sw apply -f "$IT_DIR/state.json"
start_vm b1 "$IT_DIR/b1.sock" 52:54:00:00:00:01 10.0.0.11/24
vm_ipv6 b1 fd10::11/64
# neighbour discovery inside the VPC is not answered yet: the VM is told, as by a controller
vm b1 ip -6 neigh add fd10::30 lladdr 52:54:00:00:00:30 dev eth0 nud permanent
vm b1 ip link set eth0 mtu 1430
check "b1 up" wait_for 20 link_is sw b1 up

# --- across hosts: ping and TCP with the kernel's VXLAN over IPv6 ---
check "b1 pings the VM behind the kernel's VXLAN (IPv4 inside IPv6)" wait_for 20 ping_ok b1 10.0.0.30 1
check "and again, every packet" ping_ok b1 10.0.0.30 5
check "b1 pings it over IPv6 inside IPv6" ping_ok b1 fd10::30 5
rx_kernel=$(ip netns exec "$h2" ip -j -s link show vx100 | jq '.[0].stats64.rx.packets')
check "the kernel's vxlan device decapsulated our packets ($rx_kernel)" test "$rx_kernel" -ge 10
check_eq "and found no bad UDP checksum" 0 \
	"$(ip netns exec "$h2" nstat -az Udp6InCsumErrors | awk '/Udp6InCsumErrors/ {print $2}')"
ip netns exec "$h2" iperf3 -s -1 -D -p 5201
sleep 0.5
bytes=$(vm b1 timeout 60 iperf3 -c 10.0.0.30 -p 5201 -t 3 -J | jq -r '.end.sum_received.bytes // 0')
check "TCP b1 -> kernel VM across the IPv6 overlay ($bytes bytes)" test "$bytes" -gt 1000000
ip netns exec "$h2" iperf3 -s -1 -D -p 5202
sleep 0.5
bytes=$(vm b1 timeout 60 iperf3 -c fd10::30 -p 5202 -t 3 -R -J | jq -r '.end.sum_received.bytes // 0')
check "TCP over IPv6, kernel VM -> b1 ($bytes bytes)" test "$bytes" -gt 1000000

# --- path MTU: VMs that believe in 1500 learn the VPC's 1430 from the gateway ---
vm b1 ip link set eth0 mtu 1500
before=$(drop_count sw b1 too_big)
out=$(vm b1 ping -c 1 -W 2 -M do -s 1472 10.0.0.30 2>&1 || true)
check "IPv4: a 1500-byte ping with DF gets 'frag needed, mtu 1430' back" \
	bash -c "echo '$out' | grep -q 'mtu = 1430'"
out=$(vm b1 ping -6 -c 1 -W 2 -M do -s 1452 fd10::30 2>&1 || true)
check "IPv6: a 1500-byte ping gets 'packet too big, mtu 1430' from the gateway ($out)" \
	bash -c "echo '$out' | grep -q 'From fd10::1 .*mtu=1430'"
check_eq "both were dropped as too_big" 2 $(($(drop_count sw b1 too_big) - before))
check "the VM cached the IPv6 path MTU" \
	bash -c "ip netns exec $(vm_ns b1) ip -6 route get fd10::30 | grep -q 'mtu 1430'"
ip netns exec "$h2" iperf3 -s -1 -D -p 5203
sleep 0.5
bytes=$(vm b1 timeout 60 iperf3 -c fd10::30 -p 5203 -t 3 -J | jq -r '.end.sum_received.bytes // 0')
check "TCP over IPv6 from a 1500-MTU VM across the 1430 overlay completes ($bytes bytes)" \
	test "$bytes" -gt 1000000
vm b1 ip link set eth0 mtu 1430

# --- the peer changes its MAC: the kernel sees none of our traffic to it, the switch has
# it re-check the neighbour, and traffic finds the new MAC ---
nh_mac() { ip netns exec "$h1" ip -j -6 neigh show fd00:50::2 dev vpcsw0 | jq -r '.[0].lladdr // ""'; }
check_eq "host 1 knows host 2's MAC" "$(ip netns exec "$h2" cat /sys/class/net/ul2/address)" "$(nh_mac)"
ip netns exec "$h2" ip link set ul2 address 02:00:00:00:50:99
# a MAC change flushes host 2's neighbours, and its next neighbour solicitation would teach
# host 1 the new MAC: a permanent entry keeps host 2 silent, so only host 1's re-check can
ip netns exec "$h2" ip -6 neigh replace fd00:50::1 dev ul2 nud permanent \
	lladdr "$(ctl sw -o json show underlay | jq -r .mac)"
# ip netns exec execs ping: $! is ping itself, which the kill below stops
ip netns exec "$(vm_ns b1)" ping -i 0.2 -c 100 -W 1 10.0.0.30 >/dev/null 2>&1 &
pinger=$!
it_bg $pinger
check "host 1 learns host 2's new MAC while traffic flows" wait_for 15 \
	bash -c "[ \"\$(ip netns exec $h1 ip -j -6 neigh show fd00:50::2 dev vpcsw0 | jq -r '.[0].lladdr')\" = 02:00:00:00:50:99 ]"
check "and b1 reaches the VM behind it again" wait_for 10 ping_ok b1 10.0.0.30 1
kill $pinger 2>/dev/null || true
wait $pinger 2>/dev/null || true

# --- receive checks over IPv6: a VTEP the VPC does not list ---
ul_drop() { ctl sw -o json show underlay | jq -r ".underlay_stats.drop_reasons.$1 // 0"; }
b1_tx=$(port_stat sw b1 tx_packets)
ip netns exec "$h2" ip -6 addr add fd00:50::66/64 dev ul2 nodad
ip netns exec "$h2" ip link del vx100
ip netns exec "$h2" ip link add vx100 type vxlan id 100 local fd00:50::66 remote fd00:50::1 \
	dstport 4789 dev ul2
ip netns exec "$h2" ip link set vx100 address 52:54:00:00:00:30 mtu 1430 up
ip netns exec "$h2" ip addr add 10.0.0.30/24 dev vx100
ip netns exec "$h2" ip neigh add 10.0.0.11 lladdr 52:54:00:00:00:01 dev vx100 nud permanent
before=$(ul_drop unknown_vtep)
ip netns exec "$h2" ping -c 3 -i 0.2 -W 1 -I 10.0.0.30 10.0.0.11 >/dev/null 2>&1 || true
check_eq "3 packets from an IPv6 VTEP the VPC does not list dropped as unknown_vtep" 3 \
	$(($(ul_drop unknown_vtep) - before))
check_eq "b1 received none of them" "$b1_tx" "$(port_stat sw b1 tx_packets)"

it_done
