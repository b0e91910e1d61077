#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The distributed load balancer (docs/load-balancer.md) across two hosts. VPC blue has a VIP
# 10.0.0.100 with listeners tcp/80 (HTTP: python3 -m http.server on the backends' 8080) and
# tcp/9000 (a line echo server naming its backend). Backends: b1 (10.0.0.21) and b2
# (10.0.1.22, another subnet: its answers are routed) on host 1, b3 (10.0.0.23, weight 2) on
# host 2. Clients: c1 on host 1, c2 on host 2; each switch balances its own VMs' connections.
# Checked: every backend gets connections, in proportion to the weights; the client only
# ever sees the VIP; a backend reaching the VIP may land on itself (hairpin); a backend set
# down gets no new connections; removing a backend keeps the others' established
# connections and resets its own (the default; "drop" is the other choice); show lb counts
# each backend's connections; with client affinity a client's connections share a backend;
# vpcctl's lb commands edit rows and refuse bad ones.
. "$(dirname "$0")/lib.sh"
LB_DIR=$(cd "$(dirname "$0")/lb" && pwd)
it_setup

it_host h1 h1
it_host h2 h2
underlay_link "$h1" ul1 "$h2" ul2
SW_NETNS=$h1 start_switch sw1 --underlay net_af_packet0,iface=ul1 --vtep 192.168.60.1/24
SW_NETNS=$h2 start_switch sw2 --underlay net_af_packet1,iface=ul2 --vtep 192.168.60.2/24

# NAME MAC IP HOST
VMS="c1 52:54:00:00:00:11 10.0.0.11 1
c2 52:54:00:00:00:12 10.0.0.12 2
b1 52:54:00:00:00:21 10.0.0.21 1
b2 52:54:00:00:00:22 10.0.1.22 1
b3 52:54:00:00:00:23 10.0.0.23 2"
addr_of() { awk -v n="$1" '$1 == n {print $3}' <<< "$VMS"; }

# backend_rows B3STATE: the lb_backend rows of both listeners (b3's state as given)
backend_rows() {
	local l p bp
	for l in 80:8080 9000:9000; do
		p=${l%%:*} bp=${l##*:}
		printf '{"vpc": "blue", "lb": "web", "protocol": "tcp", "port": %s, "address": "%s", "backend_port": %s},\n' \
			"$p" 10.0.0.21 "$bp" "$p" 10.0.1.22 "$bp"
		printf '{"vpc": "blue", "lb": "web", "protocol": "tcp", "port": %s, "address": "10.0.0.23", "backend_port": %s, "weight": 2, "state": "%s"},\n' \
			"$p" "$bp" "$1"
	done | sed '$ s/,$//'
}

# state HOST B3STATE: this host's VMs as ports, the other's as remotes, the same balancer
state() {
	local host=$1 ports="" remotes="" name mac ip h
	while read -r name mac ip h; do
		if [ "$h" = "$host" ]; then
			ports+="${ports:+,}$(open_port "$name" "$mac" "$ip")"
		else
			remotes+="${remotes:+,}$(open_remote "$mac" "$ip" "192.168.60.$h")"
		fi
	done <<< "$VMS"
	vpc_open "$ports" "$remotes" | jq --argjson lb "{
	  \"load_balancers\": [{\"vpc\": \"blue\", \"name\": \"web\", \"vip\": \"10.0.0.100\"}],
	  \"lb_listeners\": [
	    {\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"tcp\", \"port\": 80},
	    {\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"tcp\", \"port\": 9000}],
	  \"lb_backends\": [ $(backend_rows "$2") ]}" \
		'.subnets += [{"vpc": "blue", "cidr": "10.0.1.0/24", "gateway": "10.0.1.1",
			      "gateway_mac": "02:00:00:00:00:01"}] | . + $lb'
}
# apply_both B3STATE [JQ-FILTER]: the state on both hosts
apply_both() {
	state 1 "$1" | jq "${2:-.}" > "$IT_DIR/h1.json"
	state 2 "$1" | jq "${2:-.}" > "$IT_DIR/h2.json"
	ctl sw1 apply -f "$IT_DIR/h1.json" && ctl sw2 apply -f "$IT_DIR/h2.json"
}
check "apply the VPC and its load balancer on both hosts" apply_both up

while read -r name mac ip h; do
	start_vm "$name" "$IT_DIR/$name.sock" "$mac" "$ip/24"
	vm "$name" ip route add default via "${ip%.*}.1"
done <<< "$VMS"
while read -r name mac ip h; do
	check "$name up" wait_for 20 link_is "sw$h" "$name" up
done <<< "$VMS"

# the backends' servers: HTTP on 8080 (a file naming them), the echo server on 9000
for b in b1 b2 b3; do
	mkdir -p "$IT_DIR/www-$b"
	echo "$b" > "$IT_DIR/www-$b/id"
	vm "$b" python3 -m http.server 8080 --directory "$IT_DIR/www-$b" > "$IT_DIR/http-$b.log" 2>&1 &
	it_bg $!
	vm "$b" python3 "$LB_DIR/echo_server.py" "$b" 9000 > "$IT_DIR/echo-$b.log" 2>&1 &
	it_bg $!
done
for b in b1 b2 b3; do
	check "$b serves HTTP (directly)" \
		wait_for 10 vm c1 curl -sf --max-time 2 "http://$(addr_of $b):8080/id"
done

# fetch CLIENT N: N requests to the VIP, each a new connection; prints who answered each
fetch() {
	local i
	for ((i = 0; i < $2; i++)); do
		vm "$1" curl -s --max-time 5 http://10.0.0.100/id || echo failed
	done
}
count() { grep -cx "$1" "$2" || true; }
# within NAME FILE LO HI: NAME answered LO..HI of the requests in FILE
within() { local n; n=$(count "$1" "$2"); [ "$n" -ge "$3" ] && [ "$n" -le "$4" ]; }

fetch c1 120 > "$IT_DIR/c1.txt"
check_eq "c1: every request answered" 0 "$(count failed "$IT_DIR/c1.txt")"
# weights 1:1:2: 30/30/60 of 120; 3.5 binomial standard deviations either way
check "c1: b1 (weight 1) answered about a quarter ($(count b1 "$IT_DIR/c1.txt") of 120; 14..46)" \
	within b1 "$IT_DIR/c1.txt" 14 46
check "c1: b2 (weight 1) answered about a quarter ($(count b2 "$IT_DIR/c1.txt") of 120; 14..46)" \
	within b2 "$IT_DIR/c1.txt" 14 46
check "c1: b3 (weight 2) answered about half ($(count b3 "$IT_DIR/c1.txt") of 120; 41..79)" \
	within b3 "$IT_DIR/c1.txt" 41 79
fetch c2 40 > "$IT_DIR/c2.txt"
check_eq "c2 (host 2): every request answered" 0 "$(count failed "$IT_DIR/c2.txt")"
for b in b1 b2 b3; do
	check "c2: $b answered some ($(count $b "$IT_DIR/c2.txt") of 40)" within $b "$IT_DIR/c2.txt" 1 40
done

# show lb: each backend's connections (closed ones linger in TIME_WAIT)
lb=$(ctl sw1 -o json show lb)
for a in 10.0.0.21 10.0.1.22 10.0.0.23; do
	n=$(jq "[.[] | select(.port == 80) | .backends[] | select(.address == \"$a\") | .connections] | add" <<< "$lb")
	check "show lb on host 1: $a carries connections ($n)" test "${n:-0}" -gt 0
done
# client affinity: every connection of c1 on one backend while it lasts
check "client affinity of 60 s on host 1" ctl sw1 lb set blue web vip 10.0.0.100 affinity-timeout 60
fetch c1 20 > "$IT_DIR/c1-affinity.txt"
check_eq "with affinity c1's 20 requests all land on one backend ($(sort -u "$IT_DIR/c1-affinity.txt" | tr '\n' ' '))" \
	1 "$(sort -u "$IT_DIR/c1-affinity.txt" | wc -l)"
check "affinity off again" ctl sw1 lb set blue web vip 10.0.0.100 affinity-timeout 0
# vpcctl edits one row; bad input is refused and changes nothing
check "vpcctl lb backend set: b1's weight to 3" \
	ctl sw1 lb backend set blue web tcp 80 10.0.0.21 port 8080 weight 3
check_eq "show lb has it" 3 "$(ctl sw1 -o json show lb | jq '.[] | select(.port == 80) | .backends[] | select(.address == "10.0.0.21") | .weight')"
REJECT_SW=sw1 rejected lb backend add blue web tcp 80 10.9.9.9 "lb_backend.address: 10.9.9.9 is outside the vpc 'blue'"
REJECT_SW=sw1 rejected lb backend add blue web tcp 80 10.0.0.30 weight 5000 "lb_backend.weight: 5000 (0 to 1000; 0 drains)"
REJECT_SW=sw1 rejected lb listener add blue web tcp 80 "load balancer 'web' already listens on tcp/80"
REJECT_SW=sw1 rejected lb add blue web2 vip 10.0.0.21 "load_balancer.vip: 10.0.0.21 is already used by port 'b1'"
REJECT_SW=sw1 rejected lb del blue web "still has listener tcp/80"
REJECT_SW=sw1 rejected lb listener add blue web icmp 80 "'icmp' is not tcp or udp"

# the client sees only the VIP: a capture on its NIC while it fetches
vm c1 tshark -q -i eth0 -a duration:60 -w "$IT_DIR/c1.pcapng" -f tcp > /dev/null 2>&1 &
TS=$!
# capturing once its file has a header (tshark starts slowly on a busy machine)
check "tshark captures on c1" wait_for 30 test -s "$IT_DIR/c1.pcapng"
fetch c1 10 > /dev/null
sleep 0.5
pkill -INT -f "tshark -q -i eth0 -a duration:60 -w $IT_DIR/c1.pcapng" || true # $TS is its shell
wait "$TS" || true
peers=$(tshark -r "$IT_DIR/c1.pcapng" -T fields -e ip.src -e ip.dst 2>/dev/null |
	tr '\t' '\n' | sort -u | tr '\n' ' ')
check "c1 exchanged TCP with the VIP only ($peers)" test "$peers" = "10.0.0.100 10.0.0.11 "

# a backend reaching the VIP is balanced too, itself included
fetch b1 30 > "$IT_DIR/b1.txt"
check_eq "b1 (a backend) through the VIP: every request answered" 0 "$(count failed "$IT_DIR/b1.txt")"
check "b1 landed on itself too (hairpin: $(count b1 "$IT_DIR/b1.txt") of 30)" \
	within b1 "$IT_DIR/b1.txt" 1 30

# established connections: 32 held open on the echo listener while b3 goes down and b1 goes
mkfifo "$IT_DIR/go"
vm c1 python3 "$LB_DIR/held_client.py" 10.0.0.100 9000 32 < "$IT_DIR/go" > "$IT_DIR/held.txt" 2>&1 &
HELD=$!
exec 7> "$IT_DIR/go"
check "32 connections held open" wait_for 20 test -s "$IT_DIR/held.txt"
first=$(head -1 "$IT_DIR/held.txt")
check_eq "on backends: $first" 32 "$(jq length <<< "$first" 2>/dev/null || echo 0)"
for b in b1 b2 b3; do
	check "the held connections reached $b" grep -q "\"$b\"" <<< "$first"
done
check "b3 set down on both hosts" apply_both down
fetch c1 40 > "$IT_DIR/c1-down.txt"
check_eq "b3 down: no new connection reaches it" 0 "$(count b3 "$IT_DIR/c1-down.txt")"
if [ "$(count b3 "$IT_DIR/c1-down.txt")" != 0 ]; then # what took them there
	ctl sw1 show connections >&2
	ctl sw1 -o json show lb >&2
fi
check_eq "b3 down: the others answer every request" 0 "$(count failed "$IT_DIR/c1-down.txt")"
check "b1 removed on both hosts" apply_both down 'del(.lb_backends[] | select(.address == "10.0.0.21"))'
echo go >&7
exec 7>&-
wait "$HELD" || true
res=$(tail -1 "$IT_DIR/held.txt")
check_eq "after: every connection on b2 and on b3 (down, not removed) still answers from it" 0 \
	"$(jq '[.[] | select(.[0] != "b1" and .[0] != .[1])] | length' <<< "$res")"
check_eq "after: every connection on the removed b1 was reset (on_backend_removed default)" 0 \
	"$(jq '[.[] | select(.[0] == "b1" and .[1] != "reset")] | length' <<< "$res")"
check "and its packets are counted as lb_backend_removed on c1's port" \
	test "$(drop_count sw1 c1 lb_backend_removed)" -gt 0
it_done
