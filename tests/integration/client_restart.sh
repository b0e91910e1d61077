#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The switch as vhost-user client of VMs that own their sockets (QEMU's usual server mode).
# Stopping vpcswitchd leaves nothing behind (sockets, hugepage files, runtime files); a new
# vpcswitchd with the state reapplied reconnects to the same, never restarted, VMs and
# traffic resumes. A VM that restarts while the switch runs is reconnected by the switch.
# Multiqueue ports (2 queue pairs) carry parallel TCP streams on both queues.
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
    {"name": "vm1", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:01", "ips": ["10.0.0.11"],
     "socket": "$IT_DIR/vm1.sock", "mode": "client", "queues": 2},
    {"name": "vm2", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:02", "ips": ["10.0.0.12"],
     "socket": "$IT_DIR/vm2.sock", "mode": "client", "queues": 2},
    {"name": "vm3", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:03", "ips": ["10.0.0.13"],
     "socket": "$IT_DIR/vm3.sock", "mode": "client", "queues": 1}
  ]
}
EOF

# The VMs come first and listen, as QEMU does with server=on.
launch_vm vm1 "$IT_DIR/vm1.sock" server 2
launch_vm vm2 "$IT_DIR/vm2.sock" server 2
launch_vm vm3 "$IT_DIR/vm3.sock" server 1
wait_for 20 test -S "$IT_DIR/vm1.sock" -a -S "$IT_DIR/vm2.sock" -a -S "$IT_DIR/vm3.sock"

start_switch sw -f "$IT_DIR/state.json"
vm_up vm1 52:54:00:00:00:01 10.0.0.11/24
vm_up vm2 52:54:00:00:00:02 10.0.0.12/24
vm_up vm3 52:54:00:00:00:03 10.0.0.13/24
for p in vm1 vm2 vm3; do
	check "$p link up (the switch connected as client)" wait_for 20 link_is sw $p up
done
check "vm1 pings vm2" ping_ok vm1 10.0.0.12
check "vm3 pings vm1" ping_ok vm3 10.0.0.11
vm vm2 iperf3 -s -1 -D -p 5201
sleep 0.5
bytes=$(vm vm1 timeout 60 iperf3 -c 10.0.0.12 -P 16 -t 3 -J | jq -r '.end.sum_received.bytes')
check "16 parallel TCP streams over 2 queue pairs moved data ($bytes bytes)" \
	test "$bytes" -gt 1000000
rxq=$(port_json sw vm1 | jq -r '.[0].stats.rx_queue_packets | map(tostring) | join(" ")')
# The guest picks the queue it sends on: a Linux tap sends a flow on the queue its replies
# arrive on, and a single worker replies on queue 0, so queue 1 sees little. It must see
# some: each new flow's first packets pick a queue by hash (16 streams: all on queue 0 has
# odds of 2^-17), and a switch that never polled queue 1 would leave them stuck.
check "both of vm1's queue pairs carried packets ($rxq)" \
	bash -c "[ \$(echo $rxq | awk '{print (\$1 > 100 && \$2 > 0)}') = 1 ]"

# --- the VM (QEMU, server side) restarts: the switch reconnects on its own ---
stop_vm vm3
check "vm3 link down when its VM went away" wait_for 20 link_is sw vm3 down
launch_vm vm3 "$IT_DIR/vm3.sock" server 1
vm_up vm3 52:54:00:00:00:03 10.0.0.13/24
check "the switch reconnected to the restarted vm3" wait_for 30 link_is sw vm3 up
check "the restarted vm3 pings vm1" wait_for 20 ping_ok vm3 10.0.0.11 1

vm_pids="${VM_PID[vm1]} ${VM_PID[vm2]} ${VM_PID[vm3]}"

# --- stop the switch: a clean exit ---
prefix="${IT_PREFIX}_sw"
rc=0
stop_switch sw || rc=$?
check_eq "vpcswitchd exits 0 on SIGTERM" 0 "$rc"
check "management socket removed" test ! -e "$(sw_sock sw)"
check "no hugepage files left" test -z "$(ls /dev/hugepages | grep "^$prefix" || true)"
check "no EAL runtime directory left" test ! -e "/var/run/dpdk/$prefix"
check "the VMs' own sockets untouched" test -S "$IT_DIR/vm1.sock"
check "vm1 cannot reach vm2 while the switch is down" \
	bash -c "! ip netns exec $(vm_ns vm1) ping -c 1 -W 1 10.0.0.12"

# --- a new switch, the state reapplied by vpcctl ---
start_switch sw
check "state reapplied" ctl sw apply -f "$IT_DIR/state.json"
for p in vm1 vm2 vm3; do
	check "$p link up again" wait_for 30 link_is sw $p up
done
check "vm1 pings vm2 after the restart" wait_for 20 ping_ok vm1 10.0.0.12 1
check "vm3 pings vm2 after the restart" ping_ok vm3 10.0.0.12
bytes=$(iperf_bytes vm2 vm1 10.0.0.11 2)
check "TCP transfer after the restart ($bytes bytes)" test "$bytes" -gt 1000000
check_eq "the VMs were not restarted with the switch" "$vm_pids" \
	"${VM_PID[vm1]} ${VM_PID[vm2]} ${VM_PID[vm3]}"
check "VM processes alive" kill -0 ${VM_PID[vm1]} ${VM_PID[vm2]} ${VM_PID[vm3]}

it_done
