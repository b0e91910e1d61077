#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vpcctl trace: for each kind of verdict (delivery to a local VM, encapsulation to another
# host, an answer of the switch's own, and a drop for each reason a single packet can
# provoke here), the trace names it; then the very same frame is sent for real (by a raw
# socket in the VM, or on the underlay wire) and the switch's counters show that outcome.
# The other host is the kernel's VXLAN device in a namespace (an independent peer).
. "$(dirname "$0")/lib.sh"
it_setup

it_host h1 h1
it_host hk hk
underlay_link "$h1" ul1 "$hk" ulk
ip -n "$hk" addr add 192.168.71.2/24 dev ulk
SW_NETNS=$h1 start_switch sw --underlay net_af_packet0,iface=ul1 --vtep 192.168.71.1/24
# the kernel peer: VNI 100 to our VTEP, one VM-like address behind it
ip -n "$hk" link add vx100 type vxlan id 100 local 192.168.71.2 remote 192.168.71.1 \
	dstport 4789 dev ulk nolearning
ip -n "$hk" link set vx100 address 52:54:00:00:00:21 mtu 1450 up
ip -n "$hk" addr add 10.0.0.21/24 dev vx100
ip -n "$hk" neigh add 10.0.0.11 lladdr 52:54:00:00:00:11 dev vx100 nud permanent

cat > "$IT_DIR/state.json" <<EOF
{
  "vpcs": [ {"name": "blue", "vni": 100} ],
  "subnets": [
    {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:00:01"},
    {"vpc": "blue", "cidr": "10.0.1.0/24", "gateway": "10.0.1.1", "gateway_mac": "02:00:00:00:00:01"}
  ],
  "security_groups": [ {"vpc": "blue", "name": "client"}, {"vpc": "blue", "name": "web"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "client", "direction": "egress", "protocol": "tcp"},
    {"vpc": "blue", "group": "client", "direction": "egress", "protocol": "icmp"},
    {"vpc": "blue", "group": "client", "direction": "ingress", "protocol": "icmp"},
    {"vpc": "blue", "group": "web", "direction": "egress"},
    {"vpc": "blue", "group": "web", "direction": "ingress", "protocol": "tcp", "ports": "80"},
    {"vpc": "blue", "group": "web", "direction": "ingress", "protocol": "icmp"}
  ],
  "ports": [
    {"name": "a1", "vpc": "blue", "mac": "52:54:00:00:00:11", "ips": ["10.0.0.11"], "security_groups": ["client"]},
    {"name": "a2", "vpc": "blue", "mac": "52:54:00:00:00:12", "ips": ["10.0.0.12"], "security_groups": ["web"]},
    {"name": "a3", "vpc": "blue", "mac": "52:54:00:00:00:13", "ips": ["10.0.1.13"], "security_groups": ["web"]}
  ],
  "remotes": [
    {"vpc": "blue", "mac": "52:54:00:00:00:21", "ips": ["10.0.0.21"], "vtep": "192.168.71.2", "security_groups": ["web"]}
  ],
  "routes": [ {"vpc": "blue", "prefix": "10.9.0.0/16", "blackhole": true} ]
}
EOF
check "apply the VPC" ctl sw apply -f "$IT_DIR/state.json"
start_vm a1 "$IT_DIR/a1.sock" 52:54:00:00:00:11 10.0.0.11/24
start_vm a2 "$IT_DIR/a2.sock" 52:54:00:00:00:12 10.0.0.12/24
start_vm a3 "$IT_DIR/a3.sock" 52:54:00:00:00:13 10.0.1.13/24
for p in a1 a2 a3; do check "port $p up" wait_for 20 link_is sw "$p" up; done
# the VTEP's neighbour is resolved once traffic asks for it
check "a1 reaches the kernel peer across the tunnel" wait_for 10 ping_ok a1 10.0.0.21 1

A1=52:54:00:00:00:11 A2=52:54:00:00:00:12 A3=52:54:00:00:00:13 GW=02:00:00:00:00:01
R1=52:54:00:00:00:21

# trace_json PORT DESC...: the switch's answer as JSON
trace_json() { local p=$1; shift; ctl sw -o json trace "in_port=$p" "$@"; }

# send_frame VM HEX: the frame as is, from the VM's NIC (a raw socket, no stack involved)
send_frame() {
	vm "$1" python3 -c 'import socket,sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
s.send(bytes.fromhex(sys.argv[1]))' "$2"
}
# send_underlay HEX: the frame on the underlay wire, from the kernel peer's side
send_underlay() {
	ip netns exec "$hk" python3 -c 'import socket,sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ulk", 0))
s.send(bytes.fromhex(sys.argv[1]))' "$1"
}
counter() { port_stat sw "$1" "$2"; }

# drops REASON PORT: that drop counter of a VM port, or the host's total for the underlay
# (whose counters `show drops` sums without naming it)
drops() {
	if [ "$2" = underlay ]; then
		ctl sw -o json show drops | jq -r ".[] | select(.reason == \"$1\") | .count"
	else
		drop_count sw "$2" "$1"
	fi
}

# at_least N COMMAND...: the command prints a number >= N
at_least() { local n=$1; shift; [ "$("$@")" -ge "$n" ]; }

# expect_drop REASON PORT DESC: the trace says "drop: REASON"; the real frame adds one to
# REASON at the port the trace names
expect_drop() {
	local reason=$1 port=$2 desc=$3 j got at before total
	total=$(drops "$reason" underlay)
	j=$(trace_json "$port" "$desc") || { fail "trace of '$desc' refused"; return; }
	got=$(jq -r '.verdict.reason // .verdict.action' <<<"$j")
	at=$(jq -r '.stages[-1].counted_at // empty' <<<"$j")
	check_eq "trace $port '$desc': drop $reason" "$reason" "$got"
	[ "$got" = "$reason" ] || return 0
	check_eq "the trace itself counted no $reason drop" "$total" "$(drops "$reason" underlay)"
	before=$(drops "$reason" "$at")
	if [ "$port" = underlay ]; then
		send_underlay "$(jq -r .frame <<<"$j")"
	else
		send_frame "$port" "$(jq -r .frame <<<"$j")"
	fi
	check "the real frame: $reason at $at $before -> $((before + 1))" \
		wait_eq 5 $((before + 1)) drops "$reason" "$at"
}

# --- delivery to a local VM: a2 receives it (its port sends one more frame) ---
j=$(trace_json a1 "eth(dst=$A2)/ipv4(dst=10.0.0.12)/tcp(sport=40000,dport=80,flags=S)")
check_eq "trace a1 -> a2:80: delivered to a2" "deliver a2" "$(jq -r '.verdict.action + " " + .verdict.port' <<<"$j")"
check "the trace shows the ingress rule of a2 that allowed it" \
	jq -e '.stages[] | select(.stage == "security_group" and .direction == "ingress" and .allowed and .rule.ports == "80")' <<<"$j"
check "the trace created no connection" jq -e '.stages[] | select(.stage == "conntrack" and .created == false)' <<<"$j"
check_eq "no connection exists after the trace" 0 \
	"$(ctl sw -o json show connections port a1 address 10.0.0.12 | jq .matched)"
before=$(counter a2 tx_packets)
send_frame a1 "$(jq -r .frame <<<"$j")"
check "the real frame reached a2" wait_for 5 at_least $((before + 1)) counter a2 tx_packets

# --- routed delivery to the other subnet: MACs rewritten, TTL one less ---
j=$(trace_json a1 "ipv4(dst=10.0.1.13,ttl=64)/icmp(id=7,seq=1)")
check_eq "trace a1 -> 10.0.1.13: routed to a3" "deliver a3" "$(jq -r '.verdict.action + " " + .verdict.port' <<<"$j")"
check "the trace names the connected route 10.0.1.0/24" \
	jq -e '.stages[] | select(.stage == "route" and .prefix == "10.0.1.0/24" and .next_hop == "connected")' <<<"$j"
check "the trace shows the rewrite (TTL 63, to a3's MAC)" \
	jq -e ".stages[] | select(.stage == \"routed\" and .ttl == 63 and .dst_mac == \"$A3\")" <<<"$j"
before=$(counter a3 tx_packets)
send_frame a1 "$(jq -r .frame <<<"$j")"
check "the real frame reached a3" wait_for 5 at_least $((before + 1)) counter a3 tx_packets

# --- encapsulation to the other host: out the underlay, and the kernel peer decaps it ---
j=$(trace_json a1 "eth(dst=$R1)/ipv4(dst=10.0.0.21)/icmp(id=9,seq=1)")
check_eq "trace a1 -> 10.0.0.21: encapsulated" "encapsulate 192.168.71.2 100" \
	"$(jq -r '.verdict.action + " " + .verdict.vtep + " " + (.verdict.vni|tostring)' <<<"$j")"
rx=$(ip netns exec "$hk" cat /sys/class/net/vx100/statistics/rx_packets)
send_frame a1 "$(jq -r .frame <<<"$j")"
check "the kernel's VXLAN device decapsulated it" \
	wait_eq 5 $((rx + 1)) ip netns exec "$hk" cat /sys/class/net/vx100/statistics/rx_packets

# --- answered by the switch itself ---
j=$(trace_json a1 "eth(dst=ff:ff:ff:ff:ff:ff)/arp(op=request,tpa=10.0.0.12)")
check_eq "trace of an ARP request for a2: the switch answers" "answer arp" \
	"$(jq -r '.verdict.action + " " + .verdict.service' <<<"$j")"
check "the answer in the trace is an ARP reply to a1" \
	jq -e '.output[0].port == "a1" and (.output[0].head | startswith("52540000001102000000000108060001080006040002") or startswith("525400000011525400000012"))' <<<"$j"
j=$(trace_json a1 "ipv4(dst=10.0.0.1)/icmp(id=3,seq=1)")
check_eq "trace of a ping to the gateway: the switch answers" "answer echo" \
	"$(jq -r '.verdict.action + " " + .verdict.service' <<<"$j")"
before=$(counter a1 tx_packets)
send_frame a1 "$(jq -r .frame <<<"$j")"
check "the real ping got its answer" wait_for 5 at_least $((before + 1)) counter a1 tx_packets

# --- from the underlay: decapsulated and delivered; not ours: to the host kernel ---
inner="eth(src=$R1,dst=$A2)/ipv4(src=10.0.0.21,dst=10.0.0.12)/icmp(id=5,seq=1)"
j=$(trace_json underlay "eth(src=02:00:00:71:00:02,dst=$(ip netns exec "$h1" cat /sys/class/net/ul1/address))/ipv4(src=192.168.71.2,dst=192.168.71.1)/udp(sport=5555)/vxlan(vni=100)/$inner")
check_eq "trace of a tunnel packet for a2: decapsulated and delivered" "deliver a2" \
	"$(jq -r '.verdict.action + " " + .verdict.port' <<<"$j")"
check "the trace shows the decap (VNI 100 from 192.168.71.2)" \
	jq -e '.stages[] | select(.stage == "decap" and .vni == 100 and .outer_src == "192.168.71.2")' <<<"$j"
before=$(counter a2 tx_packets)
send_underlay "$(jq -r .frame <<<"$j")"
check "the real tunnel packet reached a2" wait_for 5 at_least $((before + 1)) counter a2 tx_packets

# --- drops: each reason one packet can provoke ---
expect_drop port_sec_mac a1 "eth(src=52:54:00:00:00:99,dst=$A2)/ipv4(dst=10.0.0.12)/icmp"
expect_drop port_sec_ip a1 "eth(dst=$A2)/ipv4(src=10.0.0.99,dst=10.0.0.12)/icmp"
expect_drop vlan_tagged a1 "eth(dst=$A2)/vlan(vid=5)/ipv4(dst=10.0.0.12)/icmp"
expect_drop ethertype_unsupported a1 "eth(dst=$A2,type=0x88b5)/payload(len=46)"
expect_drop flood_blocked a1 "eth(dst=ff:ff:ff:ff:ff:ff)/ipv4(dst=10.0.0.255)/udp(dport=9)"
expect_drop unknown_dst_mac a1 "eth(dst=52:54:00:00:00:99)/ipv4(dst=10.0.0.12)/icmp"
expect_drop hairpin a1 "eth(dst=$A1)/ipv4(dst=10.0.0.11)/icmp"
expect_drop sg_egress_denied a1 "eth(dst=$A2)/ipv4(dst=10.0.0.12)/udp(dport=53)"
expect_drop sg_ingress_denied a1 "eth(dst=$A2)/ipv4(dst=10.0.0.12)/tcp(dport=22,flags=S)"
expect_drop ct_invalid a1 "eth(dst=$A2)/ipv4(dst=10.0.0.12)/tcp(sport=40001,dport=80,flags=A)"
expect_drop ip_fragment a1 "eth(dst=$A2)/ipv4(dst=10.0.0.12,mf=1)/udp(dport=80)"
expect_drop arp_not_request a1 "eth(dst=$GW)/arp(op=reply,tpa=10.0.0.1)"
expect_drop arp_unknown_target a1 "eth(dst=ff:ff:ff:ff:ff:ff)/arp(op=request,tpa=10.0.0.99)"
expect_drop arp_own_address a1 "eth(dst=ff:ff:ff:ff:ff:ff)/arp(op=request,tpa=10.0.0.11)"
expect_drop ttl_expired a1 "ipv4(dst=10.0.1.13,ttl=1)/udp(dport=33434)"
expect_drop no_neighbor a1 "ipv4(dst=10.0.1.99)/icmp"
expect_drop no_route a1 "ipv4(dst=192.0.2.7)/icmp"
expect_drop route_blackhole a1 "ipv4(dst=10.9.3.4)/icmp"
expect_drop to_gateway a1 "ipv4(dst=10.0.0.1)/udp(dport=9)"
expect_drop dhcp_server_from_vm a1 "eth(dst=ff:ff:ff:ff:ff:ff)/ipv4(dst=255.255.255.255)/udp(sport=67,dport=68)/payload(len=300)"
expect_drop dhcp_malformed a1 "eth(dst=ff:ff:ff:ff:ff:ff)/ipv4(src=0.0.0.0,dst=255.255.255.255)/udp(sport=68,dport=67)/payload(len=10)"
UL=$(ip netns exec "$h1" cat /sys/class/net/ul1/address)
outer="eth(src=02:00:00:71:00:02,dst=$UL)/ipv4(src=192.168.71.2,dst=192.168.71.1)/udp(sport=5555)"
expect_drop unknown_vni underlay "$outer/vxlan(vni=999)/$inner"
expect_drop unknown_vtep underlay "eth(src=02:00:00:71:00:02,dst=$UL)/ipv4(src=192.168.71.9,dst=192.168.71.1)/udp(sport=5555)/vxlan(vni=100)/$inner"
expect_drop inner_src_spoof underlay "$outer/vxlan(vni=100)/eth(src=52:54:00:00:00:99,dst=$A2)/ipv4(src=10.0.0.21,dst=10.0.0.12)/icmp"
expect_drop tunnel_hairpin underlay "$outer/vxlan(vni=100)/eth(src=$R1,dst=$R1)/ipv4(src=10.0.0.21,dst=10.0.0.21)/icmp"

# --- bad requests: a clear error, nothing traced ---
# refused DESC PORT: vpcctl fails, its message in $IT_DIR/err
refused() { ! ctl sw trace "in_port=$2" "$1" 2>"$IT_DIR/err"; }
check "an unknown port is refused" refused 'ipv4(dst=10.0.0.1)/icmp' nope
check "the error names the port" grep -q "no port 'nope'" "$IT_DIR/err"
check "a bad description is refused" refused 'ipv4(dst=10.0.0.300)/icmp' a1
check "the error names the field and the value" grep -q "dst.*10.0.0.300" "$IT_DIR/err"
ctl sw trace in_port=a1 'ipv4(dst=10.9.1.1)/icmp' > "$IT_DIR/text"
check "text output: one line per stage, then the verdict" \
	grep -q '^verdict: drop: route_blackhole' "$IT_DIR/text"
check "text output names the route" grep -q '10.9.0.0/16 -> blackhole' "$IT_DIR/text"

it_done
