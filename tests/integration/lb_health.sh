#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The load balancer's active health checks (docs/load-balancer.md): VIP 10.0.0.100 tcp/80
# over b1, b2, b3 (python3 -m http.server on 8080) with an HTTP check of /id, and tcp/9000
# (the echo server) with a TCP check. The switch probes from its own namespace (nothing of
# it in the host's); a server stopped is noticed, reported as an lb_backend_status event
# with the reason, and takes no new connections until it serves again; an HTTP error status
# counts as a failure; the check's removal forgets the verdict.
. "$(dirname "$0")/lib.sh"
LB_DIR=$(cd "$(dirname "$0")/lb" && pwd)
it_setup

start_switch sw
"$VPCCTL" -s "$(sw_sock sw)" monitor > "$IT_DIR/events.log" 2>&1 &
it_bg $!
VMS="c1 52:54:00:00:00:11 10.0.0.11
b1 52:54:00:00:00:21 10.0.0.21
b2 52:54:00:00:00:22 10.0.0.22
b3 52:54:00:00:00:23 10.0.0.23"
ports=""
while read -r name mac ip; do ports+="${ports:+,}$(open_port "$name" "$mac" "$ip")"; done <<< "$VMS"
vpc_open "$ports" > "$IT_DIR/state.json"
check "apply the VPC" ctl sw apply -f "$IT_DIR/state.json"
while read -r name mac ip; do
	start_vm "$name" "$IT_DIR/$name.sock" "$mac" "$ip/24"
	vm "$name" ip route add default via 10.0.0.1
done <<< "$VMS"
while read -r name mac ip; do check "$name up" wait_for 20 link_is sw "$name" up; done <<< "$VMS"
# b3 has 169.254/16 on-link, as zeroconf images do: it asks ARP for the checker
vm b3 ip route add 169.254.0.0/16 dev eth0

# serve NAME: the backend's HTTP server on 8080 (a file naming it at /id), in the background
serve() {
	vm "$1" python3 -m http.server 8080 --directory "$IT_DIR/www-$1" > "$IT_DIR/http-$1.log" 2>&1 &
	it_bg $!
}
for b in b1 b2 b3; do
	mkdir -p "$IT_DIR/www-$b"
	echo "$b" > "$IT_DIR/www-$b/id"
	serve $b
	vm "$b" python3 "$LB_DIR/echo_server.py" "$b" 9000 > "$IT_DIR/echo-$b.log" 2>&1 &
	it_bg $!
done
for b in b1 b2 b3; do
	check "$b serves HTTP" wait_for 10 vm c1 curl -sf --max-time 2 "http://10.0.0.2${b#b}:8080/id"
done

check "a balancer with an HTTP-checked and a TCP-checked listener" ctl sw lb add blue web vip 10.0.0.100
check "listener tcp/80, HTTP check of /id every 300 ms" \
	ctl sw lb listener add blue web tcp 80 health http health-path /id interval-ms 300 \
	timeout-ms 200 rise 2 fall 2
check "listener tcp/9000, TCP check" \
	ctl sw lb listener add blue web tcp 9000 health tcp interval-ms 300 timeout-ms 200
for b in 21 22 23; do
	check "backend 10.0.0.$b:8080" ctl sw lb backend add blue web tcp 80 10.0.0.$b port 8080
	check "backend 10.0.0.$b:9000" ctl sw lb backend add blue web tcp 9000 10.0.0.$b
done

# health ADDR PORT: the switch's verdict on backend ADDR of listener PORT ("none": unchecked)
health() {
	ctl sw -o json show lb | jq -r ".[] | select(.port == $2) | .backends[] |
		select(.address == \"$1\") | .health // \"none\""
}
reason() {
	ctl sw -o json show lb | jq -r ".[] | select(.port == $2) | .backends[] |
		select(.address == \"$1\") | .health_reason // \"\""
}
is_health() { [ "$(health "$1" "$2")" = "$3" ]; }
fetch() {
	local i
	for ((i = 0; i < $1; i++)); do
		vm c1 curl -s --max-time 5 http://10.0.0.100/id || echo failed
	done
}
count() { grep -cx "$1" "$2" || true; }

sleep 1.5
for a in 10.0.0.21 10.0.0.22 10.0.0.23; do
	check_eq "$a: healthy by HTTP after some checks" up "$(health $a 80)"
	check_eq "$a: healthy by TCP" up "$(health $a 9000)"
done
check "the checker is not in the switch's namespace (no hc0 there)" \
	bash -c "! ip link show hc0 > /dev/null 2>&1"
check "b1 sees the checks come from 169.254.0.1" grep -q '^169.254.0.1 .*"GET /id HTTP/1.0" 200' "$IT_DIR/http-b1.log"
check "b3 (link-local on-link) found the checker by ARP: the gateway's MAC" \
	grep -q "lladdr 02:00:00:00:00:01" <<< "$(vm b3 ip neigh show 169.254.0.1)"

# b2's HTTP server stops: the HTTP check fails, the TCP one (echo server) does not
pkill -f "http.server 8080 --directory $IT_DIR/www-b2"
check "b2 stopped: unhealthy by HTTP within 3 s" wait_for 3 is_health 10.0.0.22 80 down
check "the reason says why ($(reason 10.0.0.22 80))" grep -q "Connection refused" <<< "$(reason 10.0.0.22 80)"
check_eq "b2 is still healthy by TCP on 9000" up "$(health 10.0.0.22 9000)"
check "vpcctl show lb (text) has the HEALTH column and why b2 is down" \
	bash -c '[[ "$1" == *HEALTH* && "$1" == *"Connection refused"* ]]' _ "$(ctl sw show lb)"
check "the controller is told: an lb_backend_status event" wait_for 3 grep -q \
	'"event": *"lb_backend_status".*"address": *"10.0.0.22".*"health": *"down"' "$IT_DIR/events.log"
fetch 30 > "$IT_DIR/down.txt"
check_eq "b2 unhealthy: every request answered" 0 "$(count failed "$IT_DIR/down.txt")"
check_eq "b2 unhealthy: no new connection reaches it" 0 "$(count b2 "$IT_DIR/down.txt")"
check_eq "b2's row keeps its configured state" up \
	"$(ctl sw -o json show lb | jq -r '.[] | select(.port == 80) | .backends[] | select(.address == "10.0.0.22") | .state')"

# it serves again: healthy after rise (2) checks, and gets connections
serve b2
check "b2 serves again: healthy within 5 s" wait_for 5 is_health 10.0.0.22 80 up
check "an event says so" wait_for 3 grep -q \
	'"address": *"10.0.0.22".*"health": *"up"' "$IT_DIR/events.log"
fetch 40 > "$IT_DIR/up.txt"
check "b2 gets connections again ($(count b2 "$IT_DIR/up.txt") of 40)" test "$(count b2 "$IT_DIR/up.txt")" -gt 0

# an HTTP error status is a failure
rm "$IT_DIR/www-b3/id"
check "b3 answers 404: unhealthy" wait_for 3 is_health 10.0.0.23 80 down
check "the reason names the status ($(reason 10.0.0.23 80))" grep -q "HTTP status 404" <<< "$(reason 10.0.0.23 80)"
echo b3 > "$IT_DIR/www-b3/id"
check "b3 serves /id again: healthy" wait_for 5 is_health 10.0.0.23 80 up

# a backend that does not answer at all (the VM's NIC down): the timeout
vm b1 ip link set eth0 down
check "b1 silent: unhealthy" wait_for 3 is_health 10.0.0.21 9000 down
check "the reason is the timeout ($(reason 10.0.0.21 9000))" grep -q "no connection within 200 ms" <<< "$(reason 10.0.0.21 9000)"
vm b1 ip link set eth0 up
vm b1 ip route add default via 10.0.0.1 2> /dev/null || true
check "b1 back: healthy" wait_for 5 is_health 10.0.0.21 9000 up

# the check goes: so does the verdict
check "the HTTP check removed" ctl sw lb listener set blue web tcp 80 health none
check_eq "no verdict on 80 any more" none "$(health 10.0.0.21 80)"
check_eq "the TCP check still runs" up "$(health 10.0.0.21 9000)"
it_done
