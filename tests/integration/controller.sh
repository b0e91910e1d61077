#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# One vpc-controller, three hosts (a vpcswitchd each, in its own namespace, on one underlay
# segment), VMs on them. Everything the switches hold comes from the controller's northbound
# API: a VPC reaches all three hosts, VMs ping across them; a port added, removed or moved
# to another host changes who reaches whom; the controller killed: forwarding goes on, and
# after its restart the hosts converge; a switch restarted: it resyncs and its VMs return;
# a resync that changes nothing loses no packet of a running flow.
. "$(dirname "$0")/lib.sh"
it_setup

CTL_SB=172.31.0.254 SB_PORT=6653 API=127.0.0.1:8080
ctrl_net 3 $CTL_SB

# ---- the controller ----
declare -A CTL_PID
start_controller() {
	: >> "$IT_DIR/controller.log"
	ip netns exec "$cns" "$VPC_CONTROLLER" --db "$IT_DIR/state.db" \
		--listen tcp:$CTL_SB:$SB_PORT --api $API "$@" >> "$IT_DIR/controller.log" 2>&1 &
	CTL_PID[main]=$!
	it_bg "${CTL_PID[main]}"
	wait_for 10 api GET /v1/status
}
# api METHOD PATH [BODY]: the northbound API; prints the answer, fails on an HTTP error
api() {
	ip netns exec "$cns" curl -sf --max-time 10 -X "$1" -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "http://$API$2"
}
nctl() { ip netns exec "$cns" "$VPCCTL" --controller "http://$API" "$@"; }
host_field() { api GET /v1/status | jq -r ".hosts[] | select(.name == \"$1\") | .$2"; }
all_in_sync() {
	[ "$(api GET /v1/status | jq '[.hosts[] | select(.in_sync)] | length')" -eq "${1:-3}" ]
}

start_controller
check "a host added through the API" api POST /v1/hosts '{"name": "h1", "vtep": "192.168.60.1"}'
for n in 2 3; do
	api POST /v1/hosts "{\"name\": \"h$n\", \"vtep\": \"192.168.60.$n\"}" >/dev/null
done

for n in 1 2 3; do
	SW_NETNS=$(eval echo "\$h$n") start_switch "sw$n" --underlay "net_af_packet$n,iface=ul0" \
		--vtep "192.168.60.$n/24" --controller "tcp:$CTL_SB:$SB_PORT" --host-id "h$n"
done
check "the three switches are connected" wait_eq 20 3 \
	eval "api GET /v1/status | jq '[.hosts[] | select(.connected)] | length'"

# ---- one VPC, a VM on each host ----
check "the topology put through the API" api PUT /v1/state "$(ctrl_topology 3)"
check "every host in sync" wait_for 20 all_in_sync
for n in 1 2 3; do
	check_eq "h$n holds its own port" "vm$n" "$(ctl sw$n -o json dump ports | jq -r '.rows[].name')"
	check_eq "h$n holds the other two as remotes" 2 "$(ctl sw$n -o json dump remotes | jq '.rows | length')"
done
check_eq "h1's remote for vm2 points at h2's VTEP" 192.168.60.2 \
	"$(ctl sw1 -o json dump remotes | jq -r '.rows[] | select(.mac == "52:54:00:00:00:12") | .vtep')"

for n in 1 2 3; do
	start_vm "vm$n" "$IT_DIR/vm$n.sock" "52:54:00:00:00:1$n" "10.0.0.1$n/24"
done
for n in 1 2 3; do check "vm$n up" wait_for 20 link_is "sw$n" "vm$n" up; done
check "vm1 (h1) pings vm2 (h2)" wait_for 20 ping_ok vm1 10.0.0.12 1
check "vm1 (h1) pings vm3 (h3)" wait_for 20 ping_ok vm1 10.0.0.13 1
check "vm2 (h2) pings vm3 (h3)" wait_for 20 ping_ok vm2 10.0.0.13 1

# ---- a port added, then removed ----
check "port vm4 on h3 added through the API" api POST /v1/ports \
	'{"name": "vm4", "vpc": "blue", "mac": "52:54:00:00:00:14", "ips": ["10.0.0.14"], "security_groups": ["open"], "host": "h3"}'
check "every host in sync after the add" wait_for 20 all_in_sync
start_vm vm4 "$IT_DIR/vm4.sock" 52:54:00:00:00:14 10.0.0.14/24
check "vm4 up on h3" wait_for 20 link_is sw3 vm4 up
check "vm1 (h1) pings the new vm4 (h3)" wait_for 20 ping_ok vm1 10.0.0.14 1
check "port vm4 removed through the API" api DELETE /v1/ports/vm4
check "every host in sync after the removal" wait_for 20 all_in_sync
check "h3 no longer has port vm4" test -z "$(ctl sw3 -o json dump ports | jq -r '.rows[] | select(.name == "vm4") | .name')"
check_eq "h1 no longer has vm4 as a remote" 0 \
	"$(ctl sw1 -o json dump remotes | jq '[.rows[] | select(.mac == "52:54:00:00:00:14")] | length')"
check "vm1 no longer reaches vm4" bash -c "! ip netns exec $(vm_ns vm1) ping -c 2 -i 0.2 -W 1 10.0.0.14"
stop_vm vm4

# ---- a VM moves from h2 to h3 ----
stop_vm vm2
check "vm2 moved to h3: vpcctl --controller port move" nctl port move vm2 host h3
check_eq "the controller has it on h3" h3 "$(api GET /v1/ports/vm2 | jq -r .host)"
check "every host in sync after the move" wait_for 20 all_in_sync
check_eq "h1's remote for vm2 now points at h3" 192.168.60.3 \
	"$(ctl sw1 -o json dump remotes | jq -r '.rows[] | select(.mac == "52:54:00:00:00:12") | .vtep')"
check "h2 no longer has port vm2" test -z "$(ctl sw2 -o json dump ports | jq -r '.rows[].name' | grep -x vm2)"
check "h3 has port vm2" ctl sw3 port show vm2
start_vm vm2 "$IT_DIR/vm2.sock" 52:54:00:00:00:12 10.0.0.12/24
check "vm2 up on h3" wait_for 20 link_is sw3 vm2 up
check "vm1 (h1) pings vm2 at its new host" wait_for 20 ping_ok vm1 10.0.0.12 1

# ---- a port changed in place (a second address) while traffic runs to it ----
vm vm1 ping -c 40 -i 0.1 -W 1 10.0.0.13 > "$IT_DIR/ping-modify.log" 2>&1 &
ping_pid=$!
sleep 1
row=$(api GET /v1/ports/vm3 | jq -c '.ips += ["10.0.0.23"]')
check "vm3 given a second address through the API" api PUT /v1/ports/vm3 "$row"
check "every host in sync after the change" wait_for 20 all_in_sync
check_eq "h1's remote for vm3 has both addresses" '["10.0.0.13","10.0.0.23"]' \
	"$(ctl sw1 -o json dump remotes | jq -c '.rows[] | select(.mac == "52:54:00:00:00:13") | .ips')"
wait "$ping_pid"
check "no packet of a running ping to vm3 lost while its port changed" \
	grep -q " 0% packet loss" "$IT_DIR/ping-modify.log"
vm vm3 ip addr add 10.0.0.23/24 dev eth0
check "vm1 reaches vm3's new address" wait_for 10 ping_ok vm1 10.0.0.23 1

# ---- health verdicts: the backend's own host checks it, the others follow ----
backend_state() { # SWITCH ADDRESS: the state the switch holds for that backend
	ctl "$1" -o json dump lb_backends | jq -r ".rows[] | select(.address == \"$2\") | .state"
}
check "a balancer through vpcctl --controller" nctl lb add blue web vip 10.0.0.100
check "its TCP-checked listener" nctl lb listener add blue web tcp 9000 health tcp \
	interval-ms 300 timeout-ms 200
# the checker is 169.254.0.1, reached through the gateway
for v in vm1 vm3; do vm $v ip route replace default via 10.0.0.1; done
# (not http.server: it looks its own name up in DNS first, 10 s in a VM without one)
vm vm1 python3 "$(dirname "$0")/lb/echo_server.py" vm1 9000 > "$IT_DIR/echo-vm1.log" 2>&1 &
check "backend vm1 (h1)" nctl lb backend add blue web tcp 9000 10.0.0.11
check "backend vm3 (h3)" nctl lb backend add blue web tcp 9000 10.0.0.13
own_health() { # SWITCH ADDRESS: its own checker's verdict
	ctl "$1" -o json show lb | jq -r ".[] | .backends[] | select(.address == \"$2\") | .health"
}
check "h1's checker finds vm1 serving" wait_eq 20 up own_health sw1 10.0.0.11
check "h3 finds vm3 (nothing on 9000) unhealthy; h1 holds it down" \
	wait_eq 20 down backend_state sw1 10.0.0.13
check_eq "h3 itself holds it up (its own verdict rules there)" up "$(backend_state sw3 10.0.0.13)"
check "the controller lists it unhealthy, reported by h3" test \
	"$(api GET /v1/status | jq -r '.unhealthy_backends[] | select(.address == "10.0.0.13") | .host')" = h3
check "vm1 (serving) is up on h3" wait_eq 10 up backend_state sw3 10.0.0.11
vm vm3 python3 "$(dirname "$0")/lb/echo_server.py" vm3 9000 > "$IT_DIR/echo-vm3.log" 2>&1 &
check "vm3 serves: h1 holds it up again" wait_eq 20 up backend_state sw1 10.0.0.13
pkill -f "echo_server.py vm[13] 9000"
check "the balancer removed" nctl apply -f <(api GET /v1/state | jq '.load_balancers = [] | .lb_listeners = [] | .lb_backends = []')
check "every host in sync after it" wait_for 20 all_in_sync

# ---- the controller killed: forwarding goes on; restarted: converges, loses nothing ----
before=$(ctl sw1 -o json dump | jq -S . | md5sum)
vm vm1 ping -c 150 -i 0.1 -W 1 10.0.0.13 > "$IT_DIR/ping-restart.log" 2>&1 &
ping_pid=$!
sleep 1
kill -KILL "${CTL_PID[main]}"
sleep 3
check_eq "h1's state unchanged with the controller gone" "$before" "$(ctl sw1 -o json dump | jq -S . | md5sum)"
check "vm1 pings vm2 with the controller gone" ping_ok vm1 10.0.0.12 3
start_controller
check "every host in sync after the controller's restart" wait_for 30 all_in_sync
wait "$ping_pid"
check "no packet of a running ping lost across the controller's death and the resync" \
	grep -q " 0% packet loss" "$IT_DIR/ping-restart.log"
check_eq "h1's state unchanged by the resync" "$before" "$(ctl sw1 -o json dump | jq -S . | md5sum)"
check "a change after the restart reaches the hosts" api POST /v1/ports \
	'{"name": "vm5", "vpc": "blue", "mac": "52:54:00:00:00:15", "ips": ["10.0.0.15"], "security_groups": ["open"], "host": "h1"}'
check "every host in sync after it" wait_for 20 all_in_sync
check "h1 has port vm5" ctl sw1 port show vm5

# ---- a switch restarted: it resyncs, its VMs come back ----
stop_switch sw1
check "h1 shown disconnected" wait_eq 20 false host_field h1 connected
SW_NETNS=$h1 start_switch sw1 --underlay net_af_packet1,iface=ul0 --vtep 192.168.60.1/24 \
	--controller "tcp:$CTL_SB:$SB_PORT" --host-id h1
check "h1 back in sync" wait_for 30 all_in_sync
check "h1 holds vm1 and vm5 again" test "$(ctl sw1 -o json dump ports | jq -c '[.rows[].name] | sort')" = '["vm1","vm5"]'
check "vm1 up again on the restarted switch" wait_for 30 link_is sw1 vm1 up
check "vm1 pings vm3 after the switch's restart" wait_for 20 ping_ok vm1 10.0.0.13 1

# ---- hosts through vpcctl (VPCCTL_CONTROLLER as the default) ----
vctl() { ip netns exec "$cns" env VPCCTL_CONTROLLER="http://$API" "$VPCCTL" "$@"; }
check "host create (create reads as add)" vctl host create h9 vtep 192.168.60.9
check_eq "show state has it" 192.168.60.9 \
	"$(vctl -o json show state | jq -r '.hosts[] | select(.name == "h9") | .vtep')"
check "host set" vctl host set h9 vtep 192.168.60.19
check_eq "show hosts shows the new VTEP, not connected" "192.168.60.19 false" \
	"$(vctl -o json show hosts | jq -r '.hosts[] | select(.name == "h9") | "\(.vtep) \(.connected)"')"
check "a host with ports cannot be deleted" bash -c "! ip netns exec $cns env \
	VPCCTL_CONTROLLER=http://$API $VPCCTL host delete h3"
check "host delete" vctl host delete h9
check_eq "gone" "" "$(vctl -o json show state | jq -r '.hosts[] | select(.name == "h9") | .name')"
check "-s names a switch even with VPCCTL_CONTROLLER set" bash -c "ip netns exec $cns env \
	VPCCTL_CONTROLLER=http://$API $VPCCTL -s $(sw_sock sw3) show controller | grep -q connected"

# ---- bad input changes nothing ----
v=$(api GET /v1/status | jq .version)
code=$(ip netns exec "$cns" curl -s -o "$IT_DIR/bad.json" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' --data-binary \
	'{"name": "bad", "vpc": "blue", "mac": "52:54:00:00:00:99", "ips": ["10.9.9.9"], "host": "h1"}' \
	"http://$API/v1/ports")
check_eq "a port outside every subnet: 400" 400 "$code"
check "the error names the field" grep -q "ips" "$IT_DIR/bad.json"
check_eq "the version did not move" "$v" "$(api GET /v1/status | jq .version)"
# ---- a host deleted with its ports, in one transaction: its switch is emptied ----
check "h1, vm1 and vm5 deleted in one transaction" api POST /v1/txn '{"ops": [
  {"op": "delete", "table": "port", "row": {"name": "vm1"}},
  {"op": "delete", "table": "port", "row": {"name": "vm5"}},
  {"op": "delete", "table": "host", "row": {"name": "h1"}}]}'
check "h1's switch is left with no port" wait_eq 20 0 eval "ctl sw1 -o json dump ports | jq '.rows | length'"
check_eq "and no remote" 0 "$(ctl sw1 -o json dump remotes | jq '.rows | length')"
check_eq "h3 no longer has vm1 as a remote" 0 \
	"$(ctl sw3 -o json dump remotes | jq '[.rows[] | select(.mac == "52:54:00:00:00:11")] | length')"

check "a port on an unknown host refused" bash -c "! ip netns exec $cns curl -sf -X POST -H 'Content-Type: application/json' --data-binary '{\"name\": \"bad\", \"vpc\": \"blue\", \"mac\": \"52:54:00:00:00:99\", \"ips\": [\"10.0.0.99\"], \"host\": \"nowhere\"}' http://$API/v1/ports"

it_done
