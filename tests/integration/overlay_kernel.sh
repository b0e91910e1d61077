#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# VXLAN between this switch and an independent implementation: the Linux kernel's own vxlan
# device. Host 1 is vpcswitchd in its own namespace, its underlay port a veth (af_packet)
# and its VTEP address on the exception tap; host 2 is a namespace whose kernel terminates
# VNI 100 on a vxlan device that stands for a remote VM. The VM on our switch and the
# kernel's "VM" ping and exchange TCP; next hops are learnt from the kernel (ARP through the
# exception path, read back over netlink); every receive check drops what it must, by name.
. "$(dirname "$0")/lib.sh"
it_setup

it_host h1 h1
it_host h2 h2
underlay_link "$h1" ul1 "$h2" ul2
ip netns exec "$h2" ip addr add 192.168.50.2/24 dev ul2
# the remote host: its kernel's VXLAN, VNI 100, with one "VM" address behind it
ip netns exec "$h2" ip link add vx100 type vxlan id 100 local 192.168.50.2 remote 192.168.50.1 \
	dstport 4789 dev ul2
ip netns exec "$h2" ip link set vx100 address 52:54:00:00:00:30 mtu 1450 up
ip netns exec "$h2" ip addr add 10.0.0.30/24 dev vx100
# the control plane tells every host where the VMs are: no flooding, no learning
ip netns exec "$h2" ip neigh add 10.0.0.11 lladdr 52:54:00:00:00:01 dev vx100 nud permanent

SW_NETNS=$h1 start_switch sw --underlay net_af_packet0,iface=ul1 --vtep 192.168.50.1/24
check "the exception tap holds the VTEP address" \
	bash -c "ip netns exec $h1 ip -4 addr show vpcsw0 | grep -q 192.168.50.1/24"
check "the kernel on host 1 reaches host 2 through the exception path" \
	wait_for 10 ip netns exec "$h1" ping -c 1 -W 1 192.168.50.2
check_eq "hello reply: the VTEP address, no host id without --host-id" '["192.168.50.1"] null' \
	"$(sb_hello sw | jq -c '.vteps, .host' | paste -sd ' ')"

cat > "$IT_DIR/state.json" <<EOF
{
  "vpcs": [ {"name": "blue", "vni": 100, "encap": "vxlan", "mtu": 1450} ],
  "security_groups": [ {"vpc": "blue", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "open", "direction": "ingress"},
    {"vpc": "blue", "group": "open", "direction": "egress"}
  ],
  "subnets": [ {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1",
                "gateway_mac": "02:00:00:00:00:01"} ],
  "ports": [ {"name": "b1", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:01", "ips": ["10.0.0.11"]} ],
  "remotes": [ {"vpc": "blue", "mac": "52:54:00:00:00:30", "ips": ["10.0.0.30"],
                "vtep": "192.168.50.2"} ]
}
EOF
check "apply the VPC with a remote VM" ctl sw apply -f "$IT_DIR/state.json"
start_vm b1 "$IT_DIR/b1.sock" 52:54:00:00:00:01 10.0.0.11/24
vm b1 ip link set eth0 mtu 1450
check "b1 up" wait_for 20 link_is sw b1 up

# --- across hosts: ping and TCP with the kernel's VXLAN ---
check "b1 pings the VM behind the kernel's VXLAN" wait_for 20 ping_ok b1 10.0.0.30 1
check "and again, every packet" ping_ok b1 10.0.0.30 5
rx_kernel=$(ip netns exec "$h2" ip -j -s link show vx100 | jq '.[0].stats64.rx.packets')
check "the kernel's vxlan device decapsulated our packets ($rx_kernel)" test "$rx_kernel" -ge 5
ip netns exec "$h2" iperf3 -s -1 -D -p 5201
sleep 0.5
bytes=$(vm b1 timeout 60 iperf3 -c 10.0.0.30 -p 5201 -t 3 -J | jq -r '.end.sum_received.bytes // 0')
check "TCP b1 -> kernel VM across the overlay ($bytes bytes)" test "$bytes" -gt 1000000
ip netns exec "$h2" iperf3 -s -1 -D -p 5202
sleep 0.5
bytes=$(vm b1 timeout 60 iperf3 -c 10.0.0.30 -p 5202 -t 3 -R -J | jq -r '.end.sum_received.bytes // 0')
check "TCP kernel VM -> b1 across the overlay ($bytes bytes)" test "$bytes" -gt 1000000

# --- path MTU: a VM that believes in 1500 learns the VPC's 1450 from its gateway ---
vm b1 ip link set eth0 mtu 1500
before=$(drop_count sw b1 too_big)
out=$(vm b1 ping -c 1 -W 2 -M do -s 1472 10.0.0.30 2>&1 || true)
check "a 1500-byte ping with DF gets 'frag needed, mtu 1450' back" \
	bash -c "echo '$out' | grep -q 'mtu = 1450'"
check_eq "and was dropped as too_big" 1 $(($(drop_count sw b1 too_big) - before))
check "the VM cached the path MTU" bash -c "ip netns exec $(vm_ns b1) ip route get 10.0.0.30 | grep -q 'mtu 1450'"
ip netns exec "$h2" iperf3 -s -1 -D -p 5203
sleep 0.5
bytes=$(vm b1 timeout 60 iperf3 -c 10.0.0.30 -p 5203 -t 3 -J | jq -r '.end.sum_received.bytes // 0')
check "TCP from a 1500-MTU VM across the 1450 overlay completes ($bytes bytes)" \
	test "$bytes" -gt 1000000
vm b1 ip link set eth0 mtu 1450

# --- receive checks: each bad tunnel packet dropped by its own name, nothing delivered ---
ul_drop() { ctl sw -o json show underlay | jq -r ".underlay_stats.drop_reasons.$1 // 0"; }
b1_tx=$(port_stat sw b1 tx_packets)

# a VNI this host does not serve
ip netns exec "$h2" ip link add vx999 type vxlan id 999 local 192.168.50.2 remote 192.168.50.1 \
	dstport 4789 dev ul2
ip netns exec "$h2" ip link set vx999 address 52:54:00:00:00:30 up
ip netns exec "$h2" ip addr add 10.9.0.30/24 dev vx999
ip netns exec "$h2" ip neigh add 10.9.0.11 lladdr 52:54:00:00:00:01 dev vx999 nud permanent
before=$(ul_drop unknown_vni)
ip netns exec "$h2" ping -c 3 -i 0.2 -W 1 10.9.0.11 >/dev/null 2>&1 || true
check_eq "3 packets for VNI 999 dropped as unknown_vni" 3 $(($(ul_drop unknown_vni) - before))

# a VTEP the VPC does not list: host 2 speaks for VNI 100 from another address
ip netns exec "$h2" ip addr add 192.168.50.66/24 dev ul2
before=$(ul_drop unknown_vtep)
ip netns exec "$h2" ip link del vx100
ip netns exec "$h2" ip link add vx100 type vxlan id 100 local 192.168.50.66 remote 192.168.50.1 \
	dstport 4789 dev ul2
ip netns exec "$h2" ip link set vx100 address 52:54:00:00:00:30 mtu 1450 up
ip netns exec "$h2" ip addr add 10.0.0.30/24 dev vx100
ip netns exec "$h2" ip neigh add 10.0.0.11 lladdr 52:54:00:00:00:01 dev vx100 nud permanent
ip netns exec "$h2" ping -c 3 -i 0.2 -W 1 -I 10.0.0.30 10.0.0.11 >/dev/null 2>&1 || true
check_eq "3 packets from a VTEP the VPC does not list dropped as unknown_vtep" 3 \
	$(($(ul_drop unknown_vtep) - before))
check_eq "b1 received none of the bad tunnel packets" "$b1_tx" "$(port_stat sw b1 tx_packets)"

it_done
