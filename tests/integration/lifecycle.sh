#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The switch under lifecycle events while traffic flows: a VM that keeps stopping while
# another floods it (its rings are disabled under the workers' feet), a second front end on
# a VM's socket (refused: it must not take the port), a refused change next to a live VM
# (the VM is not disturbed), SIGTERM in the middle of a transfer (clean exit), and a crash
# (SIGKILL) followed by a restart on the same sockets.
. "$(dirname "$0")/lib.sh"
it_setup

cat > "$IT_DIR/state.json" <<EOF
{
  "vpcs": [ {"name": "blue", "vni": 100} ],
  "security_groups": [ {"vpc": "blue", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "open", "direction": "ingress"},
    {"vpc": "blue", "group": "open", "direction": "egress"}
  ],
  "subnets": [ {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1",
                "gateway_mac": "02:00:00:00:00:01"} ],
  "ports": [
    {"name": "vm1", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:01", "ips": ["10.0.0.11"]},
    {"name": "vm2", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:02", "ips": ["10.0.0.12"]},
    {"name": "vm3", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:03", "ips": ["10.0.0.13"]}
  ]
}
EOF
start_switch sw -f "$IT_DIR/state.json"
for i in 1 2 3; do start_vm vm$i "$IT_DIR/vm$i.sock" 52:54:00:00:00:0$i 10.0.0.1$i/24; done
for i in 1 2 3; do check "vm$i up" wait_for 20 link_is sw vm$i up; done

# --- vm1 floods vm2 with UDP while vm2 stops and starts again, five times ---
vm vm1 ip neigh replace 10.0.0.12 lladdr 52:54:00:00:00:02 dev eth0 nud permanent
vm vm1 timeout 60 python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 50
while time.time() < end:
    for _ in range(1000):
        try: s.sendto(b"x" * 64, ("10.0.0.12", 9))
        except OSError: pass
' &
it_bg $!
sleep 1
for round in 1 2 3 4 5; do
	stop_vm vm2
	wait_for 20 link_is sw vm2 down || fail "round $round: vm2 link not down"
	start_vm vm2 "$IT_DIR/vm2.sock" 52:54:00:00:00:02 10.0.0.12/24
	wait_for 20 link_is sw vm2 up || fail "round $round: vm2 link not up again"
done
check "the switch answers while vm2 keeps leaving under a flood" ctl sw vpc show
check "vm3 reaches vm1 during the flood" ping_ok vm3 10.0.0.11
check "vm2 reaches vm3 after its fifth restart" ping_ok vm2 10.0.0.13
tx=$(port_stat sw vm2 tx_packets)
check "the flood reached vm2 ($tx packets)" test "$tx" -gt 10000
pkill -f "sendto\(b\"x\"" || true

# --- a second front end on vm1's socket is refused; vm1 keeps its port ---
rx_before=$(port_stat sw vm1 rx_packets)
launch_vm intruder "$IT_DIR/vm1.sock" client 1
sleep 3
check "the intruder never got a working link" \
	bash -c "! grep -q 'net_virtio_user0) link up' '$IT_DIR/vm-intruder.log'"
check "vm1's port is still up" link_is sw vm1 up
check "vm1 still reaches vm3" ping_ok vm1 10.0.0.13
check "and its counters still move" test "$(port_stat sw vm1 rx_packets)" -gt "$rx_before"
stop_vm intruder

# --- a refused change does not disturb a connected VM ---
serving=$(grep -c "vm1.sock: serving" "$IT_DIR/sw.log")
out=$(python3 - "$(sw_sock sw)" <<'PY'
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
def call(t, x, b):
    d = json.dumps(b).encode(); s.sendall(struct.pack('!BBHII', 1, t, 0, 12 + len(d), x) + d)
    h = b''
    while len(h) < 12: h += s.recv(12 - len(h))
    n = struct.unpack('!BBHII', h)[3]; body = b''
    while len(body) < n - 12: body += s.recv(n - 12 - len(body))
    return h[1], json.loads(body or b'{}')
call(0, 1, {'versions': [1]})
# vm1's attachment changes (it would be re-created) but the same transaction also adds a
# port whose socket directory does not exist: all of it must be refused before anything
vm1 = {"name": "vm1", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:01", "ips": ["10.0.0.11"], "queues": 2}
bad = {"name": "vm9", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:09", "socket": "/nonexistent/vm9.sock"}
t, r = call(4, 2, {"ops": [{"op": "modify", "table": "port", "row": vm1},
                           {"op": "insert", "table": "port", "row": bad}]})
print(t, r.get("message", ""))
PY
)
check "a transaction re-creating vm1 and adding a bad socket is refused ($out)" \
	bash -c "[[ '$out' == 1\ * ]]"
check_eq "vm1's socket was not re-created" "$serving" "$(grep -c "vm1.sock: serving" "$IT_DIR/sw.log")"
check "vm1 never went down" bash -c "! grep -q 'vm1.sock: link down' '$IT_DIR/sw.log'"
check "vm1 still reaches vm2" ping_ok vm1 10.0.0.12

# --- SIGTERM in the middle of a TCP transfer ---
vm vm3 iperf3 -s -1 -D -p 5201
sleep 0.5
vm vm1 timeout 30 iperf3 -c 10.0.0.13 -t 20 > /dev/null 2>&1 &
it_bg $!
sleep 3
rc=0
stop_switch sw || rc=$?
check_eq "vpcswitchd exits 0 when stopped under traffic" 0 "$rc"
check "no hugepage files left" test -z "$(ls /dev/hugepages | grep "^${IT_PREFIX}_sw" || true)"

# --- a crash leaves stale sockets; a new switch serves them again ---
start_switch sw -f "$IT_DIR/state.json"
kill -KILL "${SW_PID[sw]}"
wait "${SW_PID[sw]}" 2>/dev/null || true
unset "SW_PID[sw]"
check "the killed switch left its sockets behind" test -S "$IT_DIR/vm1.sock"
start_switch sw -f "$IT_DIR/state.json"
check "a new switch started on the stale sockets" ctl sw port show vm1
for i in 1 2 3; do stop_vm vm$i; start_vm vm$i "$IT_DIR/vm$i.sock" 52:54:00:00:00:0$i 10.0.0.1$i/24; done
for i in 1 2 3; do check "vm$i up on the new switch" wait_for 20 link_is sw vm$i up; done
check "vm1 reaches vm2 through the new switch" ping_ok vm1 10.0.0.12

it_done
