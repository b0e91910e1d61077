#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# One host, two VPCs that use the same CIDR, the same MACs and the same addresses; the switch
# serves the vhost-user sockets (QEMU's "client" mode). VMs of one VPC reach each other (ping,
# TCP), nothing crosses to the other VPC, spoofed frames are dropped and counted exactly,
# the gateway answers ARP, and a VM going away shows as link down.
. "$(dirname "$0")/lib.sh"
it_setup

start_switch sw
cat > "$IT_DIR/state.json" <<EOF
{
  "vpcs": [ {"name": "blue", "vni": 100}, {"name": "red", "vni": 200} ],
  "security_groups": [ {"vpc": "blue", "name": "open"}, {"vpc": "red", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "open", "direction": "ingress"},
    {"vpc": "blue", "group": "open", "direction": "egress"},
    {"vpc": "red", "group": "open", "direction": "ingress"},
    {"vpc": "red", "group": "open", "direction": "egress"}
  ],
  "subnets": [
    {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:00:01"},
    {"vpc": "red",  "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:00:01"}
  ],
  "ports": [
    {"name": "b1", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:01", "ips": ["10.0.0.11"]},
    {"name": "b2", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:02", "ips": ["10.0.0.12"]},
    {"name": "r1", "security_groups": ["open"], "vpc": "red",  "mac": "52:54:00:00:00:01", "ips": ["10.0.0.11"]},
    {"name": "r2", "security_groups": ["open"], "vpc": "red",  "mac": "52:54:00:00:00:02", "ips": ["10.0.0.12"]}
  ]
}
EOF
check "apply the two-VPC state" ctl sw apply -f "$IT_DIR/state.json"

for p in b1 b2 r1 r2; do
	mac=52:54:00:00:00:0${p#?}
	start_vm "$p" "$IT_DIR/$p.sock" "$mac" "10.0.0.1${p#?}/24"
done
for p in b1 b2 r1 r2; do
	check "port $p link up" wait_for 20 link_is sw "$p" up
done

# --- within a VPC ---
check "blue b1 pings b2" ping_ok b1 10.0.0.12
check "red r1 pings r2 (same addresses as blue)" ping_ok r1 10.0.0.12

# --- isolation: blue traffic never reaches red ports, and the reverse ---
r1_tx=$(port_stat sw r1 tx_packets)
r2_tx=$(port_stat sw r2 tx_packets)
bytes=$(iperf_bytes b1 b2 10.0.0.12 3)
check "TCP transfer b1 -> b2 moved data ($bytes bytes)" test "$bytes" -gt 1000000
check_eq "red r1 received nothing of blue's transfer" "$r1_tx" "$(port_stat sw r1 tx_packets)"
check_eq "red r2 received nothing of blue's transfer" "$r2_tx" "$(port_stat sw r2 tx_packets)"
b1_tx=$(port_stat sw b1 tx_packets)
bytes=$(iperf_bytes r1 r2 10.0.0.12 2)
check "TCP transfer r1 -> r2 moved data ($bytes bytes)" test "$bytes" -gt 1000000
check_eq "blue b1 received nothing of red's transfer" "$b1_tx" "$(port_stat sw b1 tx_packets)"

# --- the switch answers ARP for the gateway (nothing else would) ---
vm b1 ip neigh flush dev eth0
vm b1 ping -c 1 -W 1 10.0.0.1 >/dev/null 2>&1 || true
gw=$(vm b1 ip -j neigh show 10.0.0.1 | jq -r '.[0].lladdr // "none"')
check_eq "ARP for the gateway answered with the gateway MAC" "02:00:00:00:00:01" "$gw"
check "ARP for another VM answered by the switch" ping_ok b1 10.0.0.12 1

# --- a VM on another host: ARP answered here, in its own VPC only ---
check "add a remote endpoint to blue" ctl sw remote add blue 52:54:00:00:00:21 vtep 192.0.2.2 ip 10.0.0.21
before=$(drop_count sw b1 no_underlay)
vm b1 ping -c 2 -i 0.2 -W 1 10.0.0.21 >/dev/null 2>&1 || true
remote_mac=$(vm b1 ip -j neigh show 10.0.0.21 | jq -r '.[0].lladdr // "none"')
check_eq "ARP for the remote VM answered with its MAC" "52:54:00:00:00:21" "$remote_mac"
check_eq "its 2 frames dropped as no_underlay (no underlay on this host)" 2 \
	$(($(drop_count sw b1 no_underlay) - before))
vm r1 ping -c 1 -W 1 10.0.0.21 >/dev/null 2>&1 || true
check_eq "red does not know blue's remote VM" "none" \
	"$(vm r1 ip -j neigh show 10.0.0.21 | jq -r '.[0].lladdr // "none"')"

# --- port security: a spoofed source IP, exactly counted ---
vm b1 ip neigh replace 10.0.0.12 lladdr 52:54:00:00:00:02 dev eth0 nud permanent
vm b1 ip addr add 10.0.0.99/32 dev eth0
before=$(drop_count sw b1 port_sec_ip)
b2_rx=$(port_stat sw b2 tx_packets)
vm b1 ping -c 3 -i 0.2 -W 1 -I 10.0.0.99 10.0.0.12 >/dev/null 2>&1 || true
check_eq "3 pings from a spoofed IP dropped as port_sec_ip" 3 \
	$(($(drop_count sw b1 port_sec_ip) - before))
check_eq "b2 received none of them" "$b2_rx" "$(port_stat sw b2 tx_packets)"
vm b1 ip addr del 10.0.0.99/32 dev eth0

# --- port security: a spoofed source MAC ---
before=$(drop_count sw b1 port_sec_mac)
vm b1 ip link set eth0 address 52:54:00:00:00:77
vm b1 ping -c 2 -i 0.2 -W 1 10.0.0.12 >/dev/null 2>&1 || true
vm b1 ip link set eth0 address 52:54:00:00:00:01
check_eq "2 pings from a spoofed MAC dropped as port_sec_mac" 2 \
	$(($(drop_count sw b1 port_sec_mac) - before))
check "b1 still reaches b2 with its own MAC" ping_ok b1 10.0.0.12

# --- no flooding: broadcast is dropped with its reason ---
before=$(drop_count sw b1 flood_blocked)
vm b1 ping -b -c 2 -i 0.2 -W 1 10.0.0.255 >/dev/null 2>&1 || true
check_eq "2 broadcast pings dropped as flood_blocked" 2 \
	$(($(drop_count sw b1 flood_blocked) - before))

# --- a red VM addressing blue's MAC still lands in red (blue is not reachable at all) ---
vm r1 ip neigh replace 10.0.0.12 lladdr 52:54:00:00:00:02 dev eth0 nud permanent
b2_tx=$(port_stat sw b2 tx_packets)
r2_tx=$(port_stat sw r2 tx_packets)
vm r1 ping -c 3 -i 0.2 -W 1 10.0.0.12 >/dev/null 2>&1 || true
check_eq "blue b2 got nothing from red" "$b2_tx" "$(port_stat sw b2 tx_packets)"
check "red r2 got red's frames" test "$(port_stat sw r2 tx_packets)" -ge $((r2_tx + 3))

# --- a VM that goes away is link down; it comes back ---
stop_vm b2
check "b2 link down after its VM stopped" wait_for 20 link_is sw b2 down
start_vm b2 "$IT_DIR/b2.sock" 52:54:00:00:00:02 10.0.0.12/24
check "b2 link up again" wait_for 20 link_is sw b2 up
check "b1 reaches the new b2" ping_ok b1 10.0.0.12

it_done
