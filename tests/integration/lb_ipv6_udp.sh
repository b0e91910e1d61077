#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The load balancer beyond IPv4 TCP (docs/load-balancer.md), on one host: an IPv6 VIP
# fd00:1::100 tcp/80 over b1 and b2 (python3 -m http.server on [::]:8080), and an IPv4 VIP
# 10.0.0.100 udp/5353 over the same backends (a UDP server answering its name). The client
# c1 fetches over IPv6 and sends UDP datagrams, each from a port of its own (b1 serves UDP
# on two ports, two backends of one address): every backend answers, every answer comes from the VIP and the listener's port, and a backend set down
# gets nothing new.
. "$(dirname "$0")/lib.sh"
LB_DIR=$(cd "$(dirname "$0")/lb" && pwd)
it_setup

start_switch sw
VMS="c1 52:54:00:00:00:11 10.0.0.11 fd00:1::11
b1 52:54:00:00:00:21 10.0.0.21 fd00:1::21
b2 52:54:00:00:00:22 10.0.0.22 fd00:1::22"
ports=""
while read -r name mac ip ip6; do
	ports+="${ports:+,}$(open_port "$name" "$mac" "$ip" | jq -c ".ips += [\"$ip6\"]")"
done <<< "$VMS"
vpc_open "$ports" | jq '.subnets += [{"vpc": "blue", "cidr": "fd00:1::/64", "gateway": "fd00:1::1",
	"gateway_mac": "02:00:00:00:00:01"}] |
	.load_balancers = [{"vpc": "blue", "name": "web6", "vip": "fd00:1::100"},
	                   {"vpc": "blue", "name": "dns", "vip": "10.0.0.100"}] |
	.lb_listeners = [{"vpc": "blue", "lb": "web6", "protocol": "tcp", "port": 80},
	                 {"vpc": "blue", "lb": "dns", "protocol": "udp", "port": 5353}] |
	.lb_backends = [{"vpc": "blue", "lb": "web6", "protocol": "tcp", "port": 80,
	                 "address": "fd00:1::21", "backend_port": 8080},
	                {"vpc": "blue", "lb": "web6", "protocol": "tcp", "port": 80,
	                 "address": "fd00:1::22", "backend_port": 8080},
	                {"vpc": "blue", "lb": "dns", "protocol": "udp", "port": 5353,
	                 "address": "10.0.0.21", "backend_port": 5300},
	                {"vpc": "blue", "lb": "dns", "protocol": "udp", "port": 5353,
	                 "address": "10.0.0.22", "backend_port": 5300},
	                {"vpc": "blue", "lb": "dns", "protocol": "udp", "port": 5353,
	                 "address": "10.0.0.21", "backend_port": 5301}]' > "$IT_DIR/state.json"
check "apply the VPC and both balancers" ctl sw apply -f "$IT_DIR/state.json"
while read -r name mac ip ip6; do
	start_vm "$name" "$IT_DIR/$name.sock" "$mac" "$ip/24"
	vm_ipv6 "$name" "$ip6/64"
done <<< "$VMS"
while read -r name mac ip ip6; do check "$name up" wait_for 20 link_is sw "$name" up; done <<< "$VMS"
for b in b1 b2; do
	mkdir -p "$IT_DIR/www-$b"
	echo "$b" > "$IT_DIR/www-$b/id"
	vm "$b" python3 -m http.server 8080 --bind :: --directory "$IT_DIR/www-$b" \
		> "$IT_DIR/http-$b.log" 2>&1 &
	it_bg $!
	vm "$b" python3 "$LB_DIR/udp_echo.py" "$b" 5300 > "$IT_DIR/udp-$b.log" 2>&1 &
	it_bg $!
done
# b1 serves on a second port too: one address, two backends
vm b1 python3 "$LB_DIR/udp_echo.py" b1-5301 5301 > "$IT_DIR/udp-b1-5301.log" 2>&1 &
it_bg $!
for b in b1 b2; do
	check "$b serves HTTP over IPv6 (directly)" \
		wait_for 10 vm c1 curl -sf --max-time 2 "http://[fd00:1::2${b#b}]:8080/id"
done
count() { grep -cx "$1" "$2" || true; }

# IPv6: 40 new connections to the VIP
for ((i = 0; i < 40; i++)); do
	vm c1 curl -s --max-time 5 "http://[fd00:1::100]/id" || echo failed
done > "$IT_DIR/v6.txt"
check_eq "IPv6 VIP: every request answered" 0 "$(count failed "$IT_DIR/v6.txt")"
for b in b1 b2; do
	check "IPv6 VIP: $b answered some ($(count $b "$IT_DIR/v6.txt") of 40)" \
		test "$(count $b "$IT_DIR/v6.txt")" -gt 0
done
vm c1 tshark -q -i eth0 -a duration:60 -w "$IT_DIR/c1.pcapng" -f "tcp or udp" > /dev/null 2>&1 &
TS=$!
check "tshark captures on c1" wait_for 30 test -s "$IT_DIR/c1.pcapng"
vm c1 curl -s --max-time 5 "http://[fd00:1::100]/id" > /dev/null
vm c1 python3 "$LB_DIR/udp_client.py" 10.0.0.100 5353 4 > /dev/null
sleep 0.5
pkill -INT -f "tshark -q -i eth0 -a duration:60 -w $IT_DIR/c1.pcapng" || true # $TS is its shell
wait "$TS" || true
peers=$(tshark -r "$IT_DIR/c1.pcapng" -T fields -e ipv6.src -e ipv6.dst -e ip.src -e ip.dst 2>/dev/null |
	tr '\t' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ')
check "c1 exchanged packets with the VIPs only ($peers)" \
	test "$peers" = "10.0.0.100 10.0.0.11 fd00:1::100 fd00:1::11 "

# UDP: 40 datagrams, each from a port of its own
vm c1 python3 "$LB_DIR/udp_client.py" 10.0.0.100 5353 40 > "$IT_DIR/udp.txt"
check_eq "UDP VIP: every datagram answered" 0 "$(grep -c '^none' "$IT_DIR/udp.txt" || true)"
check_eq "UDP VIP: every answer from 10.0.0.100 port 5353" 0 \
	"$(grep -vc ' 10.0.0.100 5353$' "$IT_DIR/udp.txt" || true)"
for b in b1 b2 b1-5301; do
	check "UDP VIP: $b answered some ($(grep -c "^$b " "$IT_DIR/udp.txt" || true) of 40)" \
		grep -q "^$b " "$IT_DIR/udp.txt"
done

# b2 down on both listeners: nothing new reaches it
jq '(.lb_backends[] | select(.address == "fd00:1::22" or .address == "10.0.0.22")) += {"state": "down"}' \
	"$IT_DIR/state.json" > "$IT_DIR/down.json"
check "b2 set down" ctl sw apply -f "$IT_DIR/down.json"
for ((i = 0; i < 20; i++)); do
	vm c1 curl -s --max-time 5 "http://[fd00:1::100]/id" || echo failed
done > "$IT_DIR/v6-down.txt"
check_eq "IPv6, b2 down: no new connection reaches it" 0 "$(count b2 "$IT_DIR/v6-down.txt")"
check_eq "IPv6, b2 down: every request answered" 0 "$(count failed "$IT_DIR/v6-down.txt")"
vm c1 python3 "$LB_DIR/udp_client.py" 10.0.0.100 5353 20 > "$IT_DIR/udp-down.txt"
check_eq "UDP, b2 down: no new flow reaches it" 0 "$(grep -c '^b2 ' "$IT_DIR/udp-down.txt" || true)"
check_eq "UDP, b2 down: every datagram answered" 0 "$(grep -c '^none' "$IT_DIR/udp-down.txt" || true)"
it_done
