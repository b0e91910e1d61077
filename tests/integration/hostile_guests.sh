#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Hostile vhost-user front ends against the real daemon (docs/hostile-guests.md): our own
# attacker (tests/hostile/vhost_attack) plays QEMU on the port "evil" and performs each
# attack that crashes or stalls DPDK 22.11's plain rte_vhost, and those the library holds,
# while two bystander VMs keep a TCP transfer running through the switch. After every
# attack: the daemon is alive, the attacks the relay refuses are counted on the evil port
# with a reason naming the request, and at the end the bystanders' transfer never stalled
# (every second moved data) and the daemon's descriptors and memory are back near where
# they started. During the stalled message a new VM connects and forwards. Some attacks
# run again on a client-mode port (the attacker listens, as QEMU does); the port_status
# event of a refused port's link-down gives the reason.
. "$(dirname "$0")/lib.sh"
: "${VHOST_ATTACK:?set VHOST_ATTACK to the vhost_attack binary}"
it_setup

start_switch sw
"$VPCCTL" -s "$(sw_sock sw)" monitor > "$IT_DIR/events.log" 2>&1 &
it_bg $!
vpc_open "$(open_port v1 52:54:00:00:00:11 10.0.0.11), $(open_port v2 52:54:00:00:00:12 10.0.0.12),
          $(open_port v3 52:54:00:00:00:13 10.0.0.13), $(open_port evil 52:54:00:00:00:66 10.0.0.66)" \
	> "$IT_DIR/state.json"
check "apply the VPC" ctl sw apply -f "$IT_DIR/state.json"
start_vm v1 "$IT_DIR/v1.sock" 52:54:00:00:00:11 10.0.0.11/24
start_vm v2 "$IT_DIR/v2.sock" 52:54:00:00:00:12 10.0.0.12/24
check "v1 up" wait_for 20 link_is sw v1 up
check "v2 up" wait_for 20 link_is sw v2 up
check "v1 pings v2" wait_for 10 ping_ok v1 10.0.0.12 1

PID=${SW_PID[sw]}
fds() { ls /proc/"$PID"/fd | wc -l; }
rss_kb() { awk '/^VmRSS/ {print $2}' /proc/"$PID"/status; }
refused() { ctl sw -o json port show evil | jq -r '.[0].vhost_refused'; }
reason() { ctl sw -o json port show evil | jq -r '.[0].vhost_refused_reason // ""'; }
FDS0=$(fds) RSS0=$(rss_kb)

# the bystanders' transfer, one report per second, for as long as the attacks take
vm v2 iperf3 -s -1 -D -p 5201 --logfile "$IT_DIR/iperf-s.log"
sleep 0.5
vm v1 iperf3 -c 10.0.0.12 -p 5201 -t 75 -i 1 -J > "$IT_DIR/iperf.json" 2>/dev/null &
IPERF=$!
it_bg "$IPERF"
sleep 2

# attack NAME [HOLD]: run it on evil's socket; the daemon must survive it
attack() {
	local name=$1 hold=${2:-1}
	timeout 60 "$VHOST_ATTACK" "$IT_DIR/evil.sock" "$name" --hold "$hold" \
		> "$IT_DIR/attack-$name.out" 2> "$IT_DIR/attack-$name.err" || true
	sleep 0.5
	check "$name: the daemon is alive ($(cat "$IT_DIR/attack-$name.out"))" kill -0 "$PID"
}
# refused_for NAME PATTERN: the attack was refused, counted, and its reason names it
refused_for() {
	local before
	before=$(refused)
	attack "$1"
	check "$1: the relay refused it and counted it" test "$(refused)" -gt "$before"
	check "$1: the reason says what was wrong ($(reason))" grep -q -- "$2" <<< "$(reason)"
}

attack ok 1
refused_for mem-oversize "SET_MEM_TABLE region 0: .* bytes at offset 0 but its file has"
refused_for log-offset "SET_LOG_BASE: offset"
refused_for log-oversize "SET_LOG_BASE: .* but its file has"
refused_for inflight-small "SET_INFLIGHT_FD: not served by this switch"
refused_for inflight-huge "GET_INFLIGHT_FD: not served by this switch"
refused_for oversize-msg "payload of 1048576 bytes (at most 264)"
refused_for fd-flood "file descriptors (takes 0)"
refused_for mem-truncate "guest memory: its file shrank under the mapping"
attack bad-desc 2
attack bad-vring 1
attack reconnect-storm 1
check "reconnect-storm: every connection, made as the last closed, is served" \
	grep -q "storm: 160 of 160 connections answered" "$IT_DIR/attack-reconnect-storm.err"
check "reconnect-storm: the full handshake after it holds its connection" \
	grep -q "delivered; connection still open" "$IT_DIR/attack-reconnect-storm.out"

# a client-mode port: the attacker listens like QEMU and the switch connects to it
check "a client-mode port for the attacker" ctl sw port add evilc vpc blue \
	mac 52:54:00:00:00:67 ip 10.0.0.67 sg open socket "$IT_DIR/evilc.sock" mode client
for a in "mem-oversize:SET_MEM_TABLE region 0: .* but its file has" \
	"log-offset:SET_LOG_BASE: offset" "mem-truncate:guest memory: its file shrank"; do
	name=${a%%:*}
	before=$(ctl sw -o json port show evilc | jq -r '.[0].vhost_refused')
	timeout 60 "$VHOST_ATTACK" --listen "$IT_DIR/evilc.sock" "$name" --hold 1 \
		> "$IT_DIR/attack-c-$name.out" 2>&1 || true
	sleep 0.5
	why=$(ctl sw -o json port show evilc | jq -r '.[0].vhost_refused_reason // ""')
	check "client mode, $name: the daemon is alive ($(cat "$IT_DIR/attack-c-$name.out"))" \
		kill -0 "$PID"
	check "client mode, $name: refused and counted" \
		test "$(ctl sw -o json port show evilc | jq -r '.[0].vhost_refused')" -gt "$before"
	check "client mode, $name: the reason says what was wrong ($why)" \
		grep -q -- "${a#*:}" <<< "$why"
done
check "the client-mode port is removed" ctl sw port del evilc

# a message that never completes: the relay gives up on it, and meanwhile others connect
before=$(refused)
timeout 60 "$VHOST_ATTACK" "$IT_DIR/evil.sock" stall-payload --hold 8 \
	> "$IT_DIR/attack-stall.out" 2>&1 &
STALL=$!
sleep 0.3
start_vm v3 "$IT_DIR/v3.sock" 52:54:00:00:00:13 10.0.0.13/24
check "stall-payload: a new VM connects while the stalled message is pending" \
	wait_for 10 link_is sw v3 up
check "stall-payload: and forwards" wait_for 10 ping_ok v3 10.0.0.11 1
wait "$STALL" || true
check "stall-payload: the daemon is alive" kill -0 "$PID"
check "stall-payload: refused after the message timeout" test "$(refused)" -gt "$before"
check "stall-payload: the reason names the stalled request ($(reason))" \
	grep -q "payload bytes for over 1000 ms" <<< "$(reason)"
check "the evil port is reported down" link_is sw evil down
check "and the event of its link going down gives the refusal as the reason" \
	grep -q '"port":"evil","link":"down","reason":"refused: guest memory: its file shrank' \
	"$IT_DIR/events.log"

wait "$IPERF" || true
check_eq "bystanders: the transfer ran to its end" 75 \
	"$(jq '.intervals | length' "$IT_DIR/iperf.json" 2>/dev/null || echo 0)"
check_eq "bystanders: no second without data (the transfer never stalled)" 0 \
	"$(jq '[.intervals[].sum.bytes | select(. < 100000)] | length' "$IT_DIR/iperf.json" 2>/dev/null || echo -1)"
stop_vm v3
sleep 1
check "descriptors back near the start ($FDS0 then $(fds))" test "$(fds)" -le $((FDS0 + 8))
check "memory back near the start (VmRSS $RSS0 then $(rss_kb) kB)" \
	test "$(rss_kb)" -le $((RSS0 + 65536))
it_done
