#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Ports come and go while traffic flows: a port added at runtime is reachable at once, a
# port removed stops receiving and its VM sees the link go, a modified port's addresses
# apply immediately (port security follows), and every link change reaches subscribers of
# the management socket as an event (vpcctl monitor).
. "$(dirname "$0")/lib.sh"
it_setup
start_switch sw

"$VPCCTL" -s "$(sw_sock sw)" monitor > "$IT_DIR/events.log" 2>&1 &
it_bg $!

ctl sw vpc add blue vni 100 >/dev/null
ctl sw sg add blue open >/dev/null
ctl sw sg rule add blue open ingress >/dev/null
ctl sw subnet add blue 10.0.0.0/24 gateway 10.0.0.1 gateway-mac 02:00:00:00:00:01 >/dev/null
ctl sw port add vm1 vpc blue mac 52:54:00:00:00:01 ip 10.0.0.11 sg open >/dev/null
ctl sw port add vm2 vpc blue mac 52:54:00:00:00:02 ip 10.0.0.12 sg open >/dev/null
start_vm vm1 "$IT_DIR/vm1.sock" 52:54:00:00:00:01 10.0.0.11/24
start_vm vm2 "$IT_DIR/vm2.sock" 52:54:00:00:00:02 10.0.0.12/24
check "vm1 and vm2 up" wait_for 20 bash -c "[ \$($VPCCTL -s $(sw_sock sw) -o json port show | jq '[.[] | select(.link == \"up\")] | length') = 2 ]"
check "vm1 pings vm2" ping_ok vm1 10.0.0.12

# a continuous ping vm1 -> vm2 runs through every change below: it must never stop
vm vm1 ping -i 0.05 -W 1 10.0.0.12 > "$IT_DIR/ping.log" 2>&1 &
PING_PID=$!

# --- add a port at runtime ---
ctl sw port add vm3 vpc blue mac 52:54:00:00:00:03 ip 10.0.0.13 sg open >/dev/null
start_vm vm3 "$IT_DIR/vm3.sock" 52:54:00:00:00:03 10.0.0.13/24
check "vm3 added at runtime is up" wait_for 20 link_is sw vm3 up
check "vm3 reaches vm1" ping_ok vm3 10.0.0.11
check "event: vm3 link up" wait_for 10 grep -q '"port":"vm3","link":"up"' "$IT_DIR/events.log"

# --- modify a port: a second address becomes allowed, the old one stops being allowed ---
check "modify vm3's address (port set)" ctl sw port set vm3 ip 10.0.0.23
check_eq "the new address is listed" 10.0.0.23 "$(port_json sw vm3 | jq -r '.[0].ips | join(",")')"
check "vm3 stayed connected through the modify" link_is sw vm3 up
before=$(drop_count sw vm3 port_sec_ip)
vm vm3 ping -c 2 -i 0.2 -W 1 10.0.0.11 >/dev/null 2>&1 || true
check_eq "vm3's old address is now spoofing (2 drops)" 2 \
	$(($(drop_count sw vm3 port_sec_ip) - before))
vm vm3 ip addr flush dev eth0
vm vm3 ip addr add 10.0.0.23/24 dev eth0
check "vm3 reaches vm1 from its new address" ping_ok vm3 10.0.0.11

# --- remove a port while its VM is attached ---
ctl sw port del vm3 >/dev/null
check "vm3's socket removed" test ! -e "$IT_DIR/vm3.sock"
check "event: vm3 link down" wait_for 10 grep -q '"port":"vm3","link":"down"' "$IT_DIR/events.log"
check "vm3 no longer listed" bash -c "! $VPCCTL -s $(sw_sock sw) port show | grep -q vm3"
check "vm3 can no longer reach vm1" bash -c "! ip netns exec $(vm_ns vm3) ping -c 2 -W 1 10.0.0.11"
check "vm1 still up" link_is sw vm1 up

# --- an event subscriber that removes a connected port and hangs up without reading ---
ctl sw port add vm4 vpc blue mac 52:54:00:00:00:04 ip 10.0.0.14 sg open >/dev/null
start_vm vm4 "$IT_DIR/vm4.sock" 52:54:00:00:00:04 10.0.0.14/24
check "vm4 up" wait_for 20 link_is sw vm4 up
python3 "$SB_RAW" "$(sw_sock sw)" hangup-after-txn \
	'[{"op": "delete", "table": "port", "row": {"name": "vm4"}}]'
check "the switch survives a subscriber that hung up mid-transaction" wait_for 10 ctl sw vpc show
check "vm4 was removed" bash -c "! $VPCCTL -s $(sw_sock sw) port show | grep -q vm4"
check "vm1 still up after that" link_is sw vm1 up

# --- the continuous ping never missed a beat ---
# background jobs of a script ignore SIGINT, but ping installs its own handler; only the
# ping of this test's vm1 namespace is signalled
for pid in $(ip netns pids "$(vm_ns vm1)"); do
	[ "$(cat /proc/$pid/comm 2>/dev/null)" = ping ] && kill -INT "$pid"
done
wait $PING_PID 2>/dev/null || true
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$IT_DIR/ping.log")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$IT_DIR/ping.log")
check "vm1 -> vm2 ping ran throughout ($recv/$sent)" test "${sent:-0}" -gt 20
check_eq "and lost nothing while ports changed" "$sent" "$recv"

it_done
