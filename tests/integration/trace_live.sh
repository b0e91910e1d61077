#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vpcctl trace --live: two hosts, each a vpcswitchd with a VM; a live trace runs on both
# switches while one VM pings the other, and each switch reports every stage the request and
# the reply crossed there (encapsulation on one host, decapsulation on the other, the
# flow-cache hit of the second ping), with worker and timestamps; the ping is unharmed.
# Then: a trace limited to one port, a second session while one runs (refused), Ctrl-C and a
# vanished client (both end the session), and bad requests (a clear error, nothing starts).
. "$(dirname "$0")/lib.sh"
it_setup

it_host h1 h1
it_host h2 h2
underlay_link "$h1" ul1 "$h2" ul2
SW_NETNS=$h1 start_switch sw1 --underlay net_af_packet0,iface=ul1 --vtep 192.168.62.1/24
SW_NETNS=$h2 start_switch sw2 --underlay net_af_packet1,iface=ul2 --vtep 192.168.62.2/24

# state MINE THEIRS VTEP: this host's VM as a port, the other's as a remote
state() {
	cat <<JSON
{
  "vpcs": [ {"name": "blue", "vni": 100, "encap": "vxlan"} ],
  "security_groups": [ {"vpc": "blue", "name": "ping"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "ping", "direction": "ingress", "protocol": "icmp"},
    {"vpc": "blue", "group": "ping", "direction": "egress", "protocol": "icmp"}
  ],
  "subnets": [ {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:00:01"} ],
  "ports": [ {"name": "b$1", "vpc": "blue", "mac": "52:54:00:00:00:1$1", "ips": ["10.0.0.1$1"], "security_groups": ["ping"]} ],
  "remotes": [ {"vpc": "blue", "mac": "52:54:00:00:00:1$2", "ips": ["10.0.0.1$2"], "vtep": "$3", "security_groups": ["ping"]} ]
}
JSON
}
state 1 2 192.168.62.2 > "$IT_DIR/h1.json"
state 2 1 192.168.62.1 > "$IT_DIR/h2.json"
check "host 1 state" ctl sw1 apply -f "$IT_DIR/h1.json"
check "host 2 state" ctl sw2 apply -f "$IT_DIR/h2.json"
start_vm b1 "$IT_DIR/b1.sock" 52:54:00:00:00:11 10.0.0.11/24
start_vm b2 "$IT_DIR/b2.sock" 52:54:00:00:00:12 10.0.0.12/24
check "b1 up" wait_for 20 link_is sw1 b1 up
check "b2 up" wait_for 20 link_is sw2 b2 up
# ARP and the VTEPs' neighbours resolved before the traces start
check "b1 pings b2 across the hosts" wait_for 20 ping_ok b1 10.0.0.12 1

# live SW NAME ARGS...: a live trace in the background, JSON lines in $IT_DIR/NAME.json;
# returns once the switch has started the session
live() {
	local sw=$1 name=$2
	shift 2
	# vpcctl itself in the background (not the ctl function's subshell): signals reach it
	"$VPCCTL" -s "$(sw_sock "$sw")" -o json trace --live "$@" > "$IT_DIR/$name.json" \
		2> "$IT_DIR/$name.err" &
	LIVE_PID=$!
	wait_ready "$LIVE_PID" "$IT_DIR/$name.err" "^live trace"
}
# finished PID: the trace's vpcctl exited with 0 within 15 s
finished() {
	local pid=$1 deadline=$((SECONDS + 15))
	while kill -0 "$pid" 2>/dev/null; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
	wait "$pid"
}
# pkt NAME N: the N-th packet event of a trace (in the order the switch sent them)
pkt() { jq -c "select(.event == \"trace_packet\")" "$IT_DIR/$1.json" | sed -n "${2}p"; }
# stages NAME N: that packet's stage names, space-separated
stages() { pkt "$1" "$2" | jq -r '[.stages[].stage] | join(" ")'; }
# by_port NAME PORT K: the K-th packet of the trace that came in on PORT
by_port() {
	jq -c "select(.event == \"trace_packet\" and .stages[0].port == \"$2\")" "$IT_DIR/$1.json" |
		sed -n "${3}p"
}
field() { jq -r "$1"; }

# ---- a ping across the hosts, traced on both switches ----
# the VMs' ICMP and the tunnel's packets; not the ICMP errors the hosts' kernels send each
# other about port 4789 (they see the underlay's packets too: af_packet only copies them)
FILTER='(icmp and net 10.0.0.0/24) or udp port 4789'
check "live trace on host 1 started" live sw1 t1 --filter "$FILTER" -c 4
P1=$LIVE_PID
check "live trace on host 2 started" live sw2 t2 --filter "$FILTER" -c 4
P2=$LIVE_PID
check "the traced pings all come back" ping_ok b1 10.0.0.12 2
check "host 1's trace ends after its 4 packets" finished "$P1"
check "host 2's trace ends after its 4 packets" finished "$P2"
for t in t1 t2; do
	check_eq "$t: 4 packets reported" 4 "$(jq -s 'map(select(.event == "trace_packet")) | length' "$IT_DIR/$t.json")"
	check_eq "$t: done, by count" "4 count 0" \
		"$(jq -r 'select(.event == "trace_done") | "\(.traced) \(.reason) \(.records_lost)"' "$IT_DIR/$t.json")"
	check_eq "$t: every packet has a worker, a time and stage times that never go back" 4 \
		"$(jq -s 'map(select(.event == "trace_packet" and (.worker | type) == "number" and
			(.time | test("^20[0-9-]+T[0-9:.]+Z$")) and
			([.stages[].t_ns] as $t | $t == ($t | sort) and $t[0] == 0))) | length' "$IT_DIR/$t.json")"
done

# host 1, the requests: from b1, encapsulated to host 2
req=$(by_port t1 b1 1)
check_eq "host 1, request: its stages" \
	"rx port_security flow destination security_group conntrack encap tx" \
	"$(echo "$req" | jq -r '[.stages[].stage] | join(" ")')"
check_eq "host 1, request: a new connection, allowed by the egress rule" "new egress true" \
	"$(echo "$req" | jq -r '[(.stages[] | select(.stage == "flow") | .result),
		(.stages[] | select(.stage == "security_group") | .direction, .allowed)] | join(" ")')"
check_eq "host 1, request: encapsulated to host 2 in VNI 100" "encapsulate 192.168.62.2 100" \
	"$(echo "$req" | jq -r '.verdict | "\(.action) \(.vtep) \(.vni)"')"
check_eq "host 1, request: leaves on the underlay" underlay \
	"$(echo "$req" | jq -r '.stages[-1].port')"
check_eq "host 1, second request: a flow-cache hit, straight to encap" \
	"rx port_security flow destination encap tx" \
	"$(by_port t1 b1 2 | jq -r '[.stages[].stage] | join(" ")')"
check_eq "host 1, second request: the connection's cached action" "hit original" \
	"$(by_port t1 b1 2 | jq -r '.stages[] | select(.stage == "flow") | "\(.result) \(.direction)"')"
# host 1, the replies: from the underlay, decapsulated to b1
rep=$(by_port t1 underlay 1)
check_eq "host 1, reply: its stages" "rx decap flow destination tx" \
	"$(echo "$rep" | jq -r '[.stages[].stage] | join(" ")')"
check_eq "host 1, reply: VNI 100 from host 2, the connection's reply direction" \
	"100 192.168.62.2 hit reply" \
	"$(echo "$rep" | jq -r '[(.stages[] | select(.stage == "decap") | .vni, .outer_src),
		(.stages[] | select(.stage == "flow") | .result, .direction)] | join(" ")')"
check_eq "host 1, reply: delivered to b1" "deliver b1" \
	"$(echo "$rep" | jq -r '.verdict | "\(.action) \(.port)"')"
check_eq "host 1: two requests and two replies" "2 2" \
	"$(jq -rs '[(map(select(.stages[0].port == "b1")) | length),
		(map(select(.stages[0].port == "underlay")) | length)] | join(" ")' "$IT_DIR/t1.json")"

# host 2, the requests: from the underlay, through b2's ingress rule, delivered to b2
req=$(by_port t2 underlay 1)
check_eq "host 2, request: its stages" \
	"rx decap flow destination security_group conntrack tx" \
	"$(echo "$req" | jq -r '[.stages[].stage] | join(" ")')"
check_eq "host 2, request: VNI 100 from host 1, allowed by b2's ingress rule" \
	"100 192.168.62.1 ingress true" \
	"$(echo "$req" | jq -r '[(.stages[] | select(.stage == "decap") | .vni, .outer_src),
		(.stages[] | select(.stage == "security_group") | .direction, .allowed)] | join(" ")')"
check "host 2, request: the rule that allowed it is named" \
	test "$(echo "$req" | jq -r '.stages[] | select(.stage == "security_group") | .rule.protocol')" = icmp
check_eq "host 2, request: delivered to b2" "deliver b2" \
	"$(echo "$req" | jq -r '.verdict | "\(.action) \(.port)"')"
# host 2, the replies: from b2, encapsulated back to host 1
rep=$(by_port t2 b2 1)
check_eq "host 2, reply: its stages (a hit: no security group, no new connection)" \
	"rx port_security flow destination encap tx" \
	"$(echo "$rep" | jq -r '[.stages[].stage] | join(" ")')"
check_eq "host 2, reply: encapsulated to host 1 in VNI 100" "encapsulate 192.168.62.1 100" \
	"$(echo "$rep" | jq -r '.verdict | "\(.action) \(.vtep) \(.vni)"')"

# the text form: one header per packet, timed stages, a verdict line each
"$VPCCTL" -s "$(sw_sock sw1)" trace --live --filter icmp -c 1 > "$IT_DIR/text.txt" 2>&1 &
P=$!
check "text: started" wait_ready "$P" "$IT_DIR/text.txt" "^live trace"
check "text: the ping" ping_ok b1 10.0.0.12 1
check "text: ends" finished "$P"
check "text: 'packet 1: worker N, TIME' then timed stages and the verdict" \
	grep -qE "^packet 1: worker [0-9]+, 20" "$IT_DIR/text.txt"
check "text: stages are timed from the packet's arrival" \
	grep -qE "^ +\+0\.000us rx +port b1" "$IT_DIR/text.txt"
check "text: the verdict" grep -q "^verdict: encapsulate to VTEP 192.168.62.2 with VNI 100" \
	"$IT_DIR/text.txt"
check "text: the end" grep -q "^1 packets traced (count), 0 records lost" "$IT_DIR/text.txt"

# ---- one port only: on host 2, b2's packets and nothing that comes in on the underlay ----
check "a trace of port b2 started" live sw2 port -c 2 --port b2 --filter icmp
P=$LIVE_PID
check "ping for it" ping_ok b1 10.0.0.12 2
check "it ends after 2 packets" finished "$P"
check_eq "both came in on b2 (the replies), none on the underlay" "b2 b2" \
	"$(jq -r 'select(.event == "trace_packet") | .stages[0].port' "$IT_DIR/port.json" | xargs)"

# ---- one session at a time; Ctrl-C and a vanished client end it ----
check "a trace that waits for what never comes" live sw1 idle --filter 'tcp port 9' -c 5
P=$LIVE_PID
out=$(ctl sw1 trace --live -c 1 2>&1) && rc=0 || rc=$?
check_eq "a second live trace is refused" 1 "$rc"
check "... saying one runs" grep -q "busy.*live trace [0-9]* is running (one at a time)" <<< "$out"
kill -INT "$P"
check "Ctrl-C ends the first" finished "$P"
check_eq "... the switch says why" "0 stopped" \
	"$(jq -r 'select(.event == "trace_done") | "\(.traced) \(.reason)"' "$IT_DIR/idle.json")"
check "a trace whose client then vanishes" live sw1 gone --filter 'tcp port 9' -c 5
kill -KILL "$LIVE_PID"
wait "$LIVE_PID" 2>/dev/null || true
check "the next one starts at once: the vanished client's session ended" \
	live sw1 after --filter icmp -c 1
P=$LIVE_PID
check "... and traces" ping_ok b1 10.0.0.12 1
check "... to its end" finished "$P"

# ---- bad requests: a clear error, and no session left running ----
refused() {
	local want=$1 out rc=0
	shift
	out=$(ctl sw1 trace --live "$@" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] && grep -q -- "$want" <<< "$out"
}
check "a filter libpcap cannot compile" refused "trace_live_start.filter: " --filter 'icmp and and'
check "an unknown port" refused "no port 'nosuch' on this switch" --port nosuch
check "a count of 0" refused "-c: '0' is not a count 1-1000" -c 0
check "a count of 1001" refused "-c: '1001' is not a count 1-1000" -c 1001
check "a stray word" refused "unexpected 'icmp'" icmp
check "the southbound request itself: an unknown member" \
	python3 "$SB_RAW" "$(sw_sock sw1)" expect-error 20 '{"count": 1, "colour": "red"}' \
	"unknown member 'colour'"
check "stopping a session that does not run" \
	python3 "$SB_RAW" "$(sw_sock sw1)" expect-error 22 '{"id": 999}' \
	"no live trace 999 running"
check "after all that, a trace still starts" live sw1 last --filter icmp -c 1
P=$LIVE_PID
check "... and traces" ping_ok b1 10.0.0.12 1
check "... to its end" finished "$P"
check "the switches are alive" kill -0 "${SW_PID[sw1]}" "${SW_PID[sw2]}"

it_done
