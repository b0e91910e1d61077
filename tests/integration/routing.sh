#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Routing inside a VPC across two hosts: VMs in two subnets reach each other through the
# gateway, here and across the tunnel (ping, TCP, traceroute shows the gateway hop, TTL
# decremented once), IPv4 and IPv6; a route to a virtual appliance steers traffic through
# it; an ECMP group spreads flows over its members and keeps each flow on one; a blackhole
# route drops and counts; routes change under a running TCP stream without a drop.
. "$(dirname "$0")/lib.sh"
it_setup

it_host h1 h1
it_host h2 h2
underlay_link "$h1" ul1 "$h2" ul2
SW_NETNS=$h1 start_switch sw1 --underlay net_af_packet0,iface=ul1 --vtep 192.168.61.1/24
SW_NETNS=$h2 start_switch sw2 --underlay net_af_packet1,iface=ul2 --vtep 192.168.61.2/24

# Host 1: a (subnet 1), b (subnet 2), f (an appliance in subnet 1). Host 2: c (subnet 2),
# which is also an appliance. f and c both serve 192.168.200.1 (the ECMP group's
# service) and f alone 172.16.0.1 (behind the appliance route).
port() { # name mac ip4 ip6 [forwarding]
	printf '{"name": "%s", "vpc": "blue", "mac": "%s", "ips": ["%s", "%s"], "security_groups": ["open"]%s}' \
		"$1" "$2" "$3" "$4" "${5:+, \"forwarding\": true}"
}
remote() { # mac ip4 ip6 vtep
	printf '{"vpc": "blue", "mac": "%s", "ips": ["%s", "%s"], "vtep": "%s"}' "$1" "$2" "$3" "$4"
}
A=$(port a 52:54:00:00:01:10 10.1.0.10 fd01::10)
B=$(port b 52:54:00:00:02:10 10.2.0.10 fd02::10)
F=$(port f 52:54:00:00:01:50 10.1.0.50 fd01::50 yes)
C=$(port c 52:54:00:00:02:20 10.2.0.20 fd02::20 yes)
RA=$(remote 52:54:00:00:01:10 10.1.0.10 fd01::10 192.168.61.1)
RB=$(remote 52:54:00:00:02:10 10.2.0.10 fd02::10 192.168.61.1)
RF=$(remote 52:54:00:00:01:50 10.1.0.50 fd01::50 192.168.61.1)
RC=$(remote 52:54:00:00:02:20 10.2.0.20 fd02::20 192.168.61.2)

# state PORTS REMOTES [EXTRA_ROUTES]: the VPC as one host sees it
state() {
	cat <<JSON
{
  "vpcs": [ {"name": "blue", "vni": 100, "encap": "vxlan"} ],
  "security_groups": [ {"vpc": "blue", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "open", "direction": "ingress"},
    {"vpc": "blue", "group": "open", "direction": "egress"} ],
  "subnets": [
    {"vpc": "blue", "cidr": "10.1.0.0/24", "gateway": "10.1.0.1", "gateway_mac": "02:00:00:00:01:01"},
    {"vpc": "blue", "cidr": "10.2.0.0/24", "gateway": "10.2.0.1", "gateway_mac": "02:00:00:00:02:01"},
    {"vpc": "blue", "cidr": "fd01::/64", "gateway": "fd01::1", "gateway_mac": "02:00:00:00:01:06"},
    {"vpc": "blue", "cidr": "fd02::/64", "gateway": "fd02::1", "gateway_mac": "02:00:00:00:02:06"} ],
  "ecmp_groups": [ {"vpc": "blue", "name": "svc", "members": ["10.1.0.50", "10.2.0.20"]} ],
  "routes": [
    {"vpc": "blue", "prefix": "172.16.0.0/16", "via": "10.1.0.50"},
    {"vpc": "blue", "prefix": "192.168.200.0/24", "ecmp": "svc"}${3:-} ],
  "ports": [ $1 ],
  "remotes": [ $2 ]
}
JSON
}
# host 1 sends 172.17.0.0/16 to host 2 as it is (host 2 routes it to c), 172.18.0.0/16 to f
H1_ROUTES=', {"vpc": "blue", "prefix": "172.17.0.0/16", "vtep": "192.168.61.2"},
  {"vpc": "blue", "prefix": "172.18.0.0/16", "port": "f"}'
H2_ROUTES=', {"vpc": "blue", "prefix": "172.17.0.0/16", "via": "10.2.0.20"}'
state "$A, $B, $F" "$RC" "$H1_ROUTES" > "$IT_DIR/h1.json"
state "$C" "$RA, $RB, $RF" "$H2_ROUTES" > "$IT_DIR/h2.json"
check "host 1 state (subnets, routes, ECMP group)" ctl sw1 apply -f "$IT_DIR/h1.json"
check "host 2 state" ctl sw2 apply -f "$IT_DIR/h2.json"

vm_in() { # name mac ip4/len ip6/len gateway4
	start_vm "$1" "$IT_DIR/$1.sock" "$2" "$3"
	vm "$1" ip route add default via "$5"
	vm_ipv6 "$1" "$4"
}
vm_in a 52:54:00:00:01:10 10.1.0.10/24 fd01::10/64 10.1.0.1
vm_in b 52:54:00:00:02:10 10.2.0.10/24 fd02::10/64 10.2.0.1
vm_in f 52:54:00:00:01:50 10.1.0.50/24 fd01::50/64 10.1.0.1
vm_in c 52:54:00:00:02:20 10.2.0.20/24 fd02::20/64 10.2.0.1
for v in f c; do
	vm $v ip addr add 192.168.200.1/32 dev lo
	vm $v sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
done
vm f ip addr add 172.16.0.1/32 dev lo
vm f ip addr add 172.18.0.1/32 dev lo
vm c ip addr add 172.17.0.1/32 dev lo
for v in a b f; do check "$v up" wait_for 20 link_is sw1 $v up; done
check "c up" wait_for 20 link_is sw2 c up
for v in a b f c; do # the kernel's IPv6 default route: from the switch's router advertisement
	check "$v: IPv6 default route from the switch's RA" wait_for 15 \
		sh -c "ip netns exec $(vm_ns $v) ip -6 route show default | grep -q 'via fe80::'"
done

ttl_of() { vm "$1" ping -c 1 -W 2 "$2" 2>/dev/null | sed -n 's/.*ttl=\([0-9]*\).*/\1/p'; }
check "a pings b through the gateway (same host)" wait_for 10 ping_ok a 10.2.0.10 1
check_eq "TTL decremented once on the way (b's reply)" 63 "$(ttl_of a 10.2.0.10)"
check "a pings c through the gateway (across hosts)" wait_for 10 ping_ok a 10.2.0.20 1
check_eq "TTL decremented once across hosts" 63 "$(ttl_of a 10.2.0.20)"
check "c pings a back" ping_ok c 10.1.0.10
check "a pings its gateway" ping_ok a 10.1.0.1
vm a traceroute -n -q 1 -w 2 -m 4 10.2.0.20 > "$IT_DIR/traceroute.log" 2>&1 || true
check_eq "traceroute: the gateway is hop 1" 10.1.0.1 "$(awk '$1 == 1 {print $2}' "$IT_DIR/traceroute.log")"
check_eq "traceroute: c is hop 2" 10.2.0.20 "$(awk '$1 == 2 {print $2}' "$IT_DIR/traceroute.log")"
check "ttl_expired counted at a" test "$(drop_count sw1 a ttl_expired)" -ge 1
bytes=$(iperf_bytes a c 10.2.0.20 2)
check "TCP a -> c routed across hosts ($bytes bytes)" test "$bytes" -gt 1000000

check "IPv6: a pings b through the gateway" wait_for 10 vm a ping -6 -c 1 -W 2 fd02::10
check "IPv6: a pings c across hosts" wait_for 10 vm a ping -6 -c 1 -W 2 fd02::20
check_eq "IPv6: hop limit decremented once" 63 "$(ttl_of a fd02::20)"
bytes=$(iperf_bytes a b fd02::10 2)
check "IPv6: TCP a -> b routed ($bytes bytes)" test "$bytes" -gt 1000000

# the appliance route: 172.16.0.0/16 goes to f, which answers for 172.16.0.1
f_in=$(port_stat sw1 f tx_packets)
check "a reaches 172.16.0.1 behind the appliance f" ping_ok a 172.16.0.1 3
check "the packets went through f" test "$(port_stat sw1 f tx_packets)" -ge $((f_in + 3))

# a route to a local port, and one to another host's VTEP (which routes it again: one hop)
check "a reaches 172.18.0.1 through the route to port f" ping_ok a 172.18.0.1 3
check "a reaches 172.17.0.1 through host 2's VTEP, routed there to c" ping_ok a 172.17.0.1 3
check_eq "the VTEP route costs one router hop, not two" 63 "$(ttl_of a 172.17.0.1)"

# ECMP: separate flows (one ping process each: its own ICMP identifier) spread over f and c
f_in=$(port_stat sw1 f tx_packets) c_in=$(port_stat sw2 c tx_packets)
for i in $(seq 1 16); do vm a ping -c 1 -W 2 192.168.200.1 >/dev/null 2>&1 || true; done
f_got=$(($(port_stat sw1 f tx_packets) - f_in)) c_got=$(($(port_stat sw2 c tx_packets) - c_in))
check "ECMP: both members got flows (f $f_got, c $c_got of 16)" \
	test "$f_got" -ge 1 -a "$c_got" -ge 1 -a $((f_got + c_got)) -ge 16
# one flow: all 20 packets on one member, (almost) nothing on the other
f_in=$(port_stat sw1 f tx_packets) c_in=$(port_stat sw2 c tx_packets)
vm a ping -c 20 -i 0.05 -W 2 192.168.200.1 >/dev/null 2>&1 || true
f_got=$(($(port_stat sw1 f tx_packets) - f_in)) c_got=$(($(port_stat sw2 c tx_packets) - c_in))
check "ECMP: one flow stays on one member (f $f_got, c $c_got)" \
	test \( "$f_got" -ge 20 -a "$c_got" -le 2 \) -o \( "$c_got" -ge 20 -a "$f_got" -le 2 \)

# blackhole, added live with vpcctl
check "vpcctl route add ... blackhole" ctl sw1 route add blue 10.9.0.0/16 blackhole
check "a cannot reach the blackholed prefix" sh -c "! ip netns exec $(vm_ns a) ping -c 2 -i 0.2 -W 1 10.9.0.1"
check "route_blackhole counted at a" test "$(drop_count sw1 a route_blackhole)" -ge 2
check "a bad route is refused" sh -c "! $VPCCTL -s $(sw_sock sw1) route add blue 10.3.0.1/16 via 10.1.0.50"
check "a route via an address outside the VPC is refused" \
	sh -c "! $VPCCTL -s $(sw_sock sw1) route add blue 10.3.0.0/16 via 10.7.0.5"

# 1,000 more routes while TCP runs: traffic between a and c is not disturbed
extra=""
for i in $(seq 0 999); do extra+=", {\"vpc\": \"blue\", \"prefix\": \"10.$((100 + i / 250)).$((i % 250)).0/24\", \"blackhole\": true}"; done
state "$A, $B, $F" "$RC" "$H1_ROUTES$extra" > "$IT_DIR/h1-more.json"
drops_before=$(port_stat sw1 a drops)
vm c iperf3 -s -1 -D -p 5202 --logfile "$IT_DIR/iperf-live.log"
wait_for 10 sh -c "ip netns exec $(vm_ns c) ss -ltn | grep -q ':5202 '"
vm a timeout 30 iperf3 -c 10.2.0.20 -p 5202 -t 4 -J > "$IT_DIR/iperf-live.json" 2>/dev/null &
iperf_pid=$!
sleep 1
check "1,000 routes applied under traffic" ctl sw1 apply -f "$IT_DIR/h1-more.json"
wait $iperf_pid || true
bytes=$(jq -r '.end.sum_received.bytes // 0' "$IT_DIR/iperf-live.json" 2>/dev/null || echo 0)
check "TCP kept flowing across the update ($bytes bytes)" test "$bytes" -gt 1000000
check_eq "no packet of a dropped meanwhile" "$drops_before" "$(port_stat sw1 a drops)"
check_eq "the routes are there" 1004 "$(ctl sw1 -o json show routes blue | jq length)"
it_done
