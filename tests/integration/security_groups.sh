#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Security groups and connection tracking across two hosts (VXLAN between two vpcswitchd).
# Host 1 has the client a1; host 2 has b2 (group "web") and c2 (group "db"). What the rules
# allow passes, the rest is dropped and counted at the port whose groups said no; replies
# pass with no inbound rule; removing a rule under a TCP transfer stops it, replacing it
# with one that still allows it does not; remote-group rules follow membership; a port's
# connection limit and a full table refuse new connections only; IPv6 too.
. "$(dirname "$0")/lib.sh"
it_setup

it_host h1 h1
it_host h2 h2
underlay_link "$h1" ul1 "$h2" ul2
# ICMP connections live 2 s on host 1 (--ct-timeouts), the default 30 s on host 2
SW_NETNS=$h1 start_switch sw1 --underlay net_af_packet0,iface=ul1 --vtep 192.168.61.1/24 \
	--ct-timeouts icmp=2
# a small table on host 2, for the table-full check
SW_NETNS=$h2 start_switch sw2 --underlay net_af_packet1,iface=ul2 --vtep 192.168.61.2/24 \
	--max-connections 400 --port-max-connections 400

# the TCP rule of "web", as a variable: the live-change checks swap it
WEB_TCP='{"vpc": "blue", "group": "web", "direction": "ingress", "protocol": "tcp", "ports": "5201", "remote": "10.0.0.0/24"}'
C2_GROUPS='["db"]'
A1_GROUPS_ON_H2='["client"]'
# state HOST: the whole VPC as each host sees it (its VMs as ports, the others as remotes)
state() {
	local ports remotes
	if [ "$1" = 1 ]; then
		ports='{"name": "a1", "vpc": "blue", "mac": "52:54:00:00:00:11", "ips": ["10.0.0.11", "fd00::11"],
		        "security_groups": ["client"], "max_connections": '"${A1_MAX:-0}"'}'
		remotes='{"vpc": "blue", "mac": "52:54:00:00:00:12", "ips": ["10.0.0.12", "fd00::12"], "vtep": "192.168.61.2",
		          "security_groups": ["web"]},
		         {"vpc": "blue", "mac": "52:54:00:00:00:13", "ips": ["10.0.0.13"], "vtep": "192.168.61.2",
		          "security_groups": '"$C2_GROUPS"'}'
	else
		ports='{"name": "b2", "vpc": "blue", "mac": "52:54:00:00:00:12", "ips": ["10.0.0.12", "fd00::12"],
		        "security_groups": ["web"]},
		       {"name": "c2", "vpc": "blue", "mac": "52:54:00:00:00:13", "ips": ["10.0.0.13"],
		        "security_groups": '"$C2_GROUPS"'}'
		remotes='{"vpc": "blue", "mac": "52:54:00:00:00:11", "ips": ["10.0.0.11", "fd00::11"], "vtep": "192.168.61.1",
		          "security_groups": '"$A1_GROUPS_ON_H2"'}'
	fi
	cat <<EOF
{
  "vpcs": [ {"name": "blue", "vni": 100} ],
  "subnets": [ {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:00:01"},
               {"vpc": "blue", "cidr": "fd00::/64", "gateway": "fd00::1", "gateway_mac": "02:00:00:00:00:01"} ],
  "security_groups": [ {"vpc": "blue", "name": "client"}, {"vpc": "blue", "name": "web"},
                       {"vpc": "blue", "name": "db"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "client", "direction": "egress"},
    {"vpc": "blue", "group": "web", "direction": "egress"},
    {"vpc": "blue", "group": "db", "direction": "egress"},
    $WEB_TCP,
    {"vpc": "blue", "group": "web", "direction": "ingress", "protocol": "tcp", "ports": "5201", "remote": "fd00::/64"},
    {"vpc": "blue", "group": "web", "direction": "ingress", "protocol": "udp", "ports": "7000-7009", "remote": "10.0.0.11/32"},
    {"vpc": "blue", "group": "web", "direction": "ingress", "protocol": "icmp", "remote_group": "client"},
    {"vpc": "blue", "group": "db", "direction": "ingress", "protocol": "tcp", "ports": "5432", "remote_group": "web"}
  ],
  "ports": [ $ports ],
  "remotes": [ $remotes ]
}
EOF
}
apply_all() {
	state 1 > "$IT_DIR/h1.json" && state 2 > "$IT_DIR/h2.json" &&
		ctl sw1 apply -f "$IT_DIR/h1.json" >/dev/null && ctl sw2 apply -f "$IT_DIR/h2.json" >/dev/null
}
check "both hosts take their state" apply_all

start_vm a1 "$IT_DIR/a1.sock" 52:54:00:00:00:11 10.0.0.11/24
start_vm b2 "$IT_DIR/b2.sock" 52:54:00:00:00:12 10.0.0.12/24
start_vm c2 "$IT_DIR/c2.sock" 52:54:00:00:00:13 10.0.0.13/24
check "a1 up" wait_for 20 link_is sw1 a1 up
check "b2 up" wait_for 20 link_is sw2 b2 up
check "c2 up" wait_for 20 link_is sw2 c2 up

# refused COMMAND...: the command fails (a ping that gets no answer)
refused() { ! "$@" >/dev/null 2>&1; }

# udp_send VM DST PORTS...: one datagram to each port; udp_recv VM PORT: count what arrives
udp_send() {
	local v=$1 dst=$2
	shift 2
	vm "$v" python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in sys.argv[1:]:
    s.sendto(b'x', ('$dst', int(p)))" "$@"
}
udp_recv_bg() { # VM PORT SECONDS OUTFILE
	vm "$1" timeout "$3" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', $2)); n = 0
try:
    while True:
        s.recv(2048); n += 1; open('$4', 'w').write(str(n))
except Exception: pass" &
}

# --- ICMP: web allows it from members of "client", wherever they are ---
check "a1 (client, host 1) pings b2 (web, host 2): the remote-group rule" wait_for 20 ping_ok a1 10.0.0.12 1
check "b2's reply reached a1, which has no ingress rule at all (state)" ping_ok a1 10.0.0.12 3
before=$(drop_count sw1 a1 sg_ingress_denied)
check "b2 pinging a1 is refused (a1 allows no ingress)" refused vm b2 ping -c 2 -i 0.2 -W 1 10.0.0.11
check "and counted at a1's port on host 1 as sg_ingress_denied" \
	test "$(drop_count sw1 a1 sg_ingress_denied)" -ge $((before + 2))
check "c2 (db, same host) pinging b2 is refused: not a member of client" \
	refused vm c2 ping -c 2 -i 0.2 -W 1 10.0.0.12
check "counted at b2 on host 2" test "$(drop_count sw2 b2 sg_ingress_denied)" -ge 2

# --- TCP: allowed to web:5201, refused to db:5201 ---
bytes=$(iperf_bytes a1 b2 10.0.0.12 2)
check "TCP a1 -> b2:5201 allowed ($bytes bytes)" test "$bytes" -gt 1000000
before=$(drop_count sw2 c2 sg_ingress_denied)
bytes=$(vm a1 timeout 5 iperf3 -c 10.0.0.13 -p 5201 -t 1 -J 2>/dev/null | jq -r '.end.sum_received.bytes // 0' 2>/dev/null || true)
check_eq "TCP a1 -> c2:5201 gets nothing through (db allows 5432 from web only)" 0 "${bytes:-0}"
check "its SYNs counted at c2 as sg_ingress_denied" test "$(drop_count sw2 c2 sg_ingress_denied)" -gt "$before"

# --- UDP: 7000-7009 from 10.0.0.11 only ---
udp_recv_bg b2 7003 4 "$IT_DIR/udp7003"
recv_pid=$!
sleep 1
udp_send a1 10.0.0.12 7003 7003 7003
before=$(drop_count sw2 c2 sg_egress_denied)
udp_send c2 10.0.0.12 7003 7003
sleep 1
check_eq "UDP a1 -> b2:7003 arrives (3 datagrams), c2's are refused" 3 "$(cat "$IT_DIR/udp7003" 2>/dev/null || echo 0)"
check "c2's datagrams counted at b2 as sg_ingress_denied" test "$(drop_count sw2 b2 sg_ingress_denied)" -ge 4
wait "$recv_pid" 2>/dev/null || true

# --- the connection table as an operator sees it ---
vm b2 iperf3 -s -1 -D -p 5201 --logfile "$IT_DIR/iperf-live.log"
sleep 0.5
vm a1 timeout 40 iperf3 -c 10.0.0.12 -p 5201 -t 14 >/dev/null 2>&1 &
iperf_pid=$!
sleep 2
conns=$(ctl sw2 -o json show connections port b2 state established)
check "show connections on host 2: a1's TCP to b2:5201 is ESTABLISHED" \
	test "$(echo "$conns" | jq '[.connections[] | select(.src == "10.0.0.11" and .dport == 5201 and .protocol == "tcp")] | length')" -ge 1
check "filter by address finds it on host 1 too" test \
	"$(ctl sw1 -o json show connections address 10.0.0.12 | jq '.matched')" -ge 1
check_eq "filter by port: none of c2's" 0 "$(ctl sw2 -o json show connections port c2 | jq '.matched')"
check_eq "filter by state: only that state" true \
	"$(ctl sw2 -o json show connections state syn_sent | jq '[.connections[].state == "SYN_SENT"] | all')"
check_eq "limit 0: nothing shown, the rest counted" "0 true" \
	"$(ctl sw2 -o json show connections limit 0 | jq -r '"\(.connections | length) \(.truncated)"')"
out=$(ctl sw2 show connections state sleepy 2>&1) && fail "a bad state filter accepted" ||
	check "a bad filter is refused by name ($out)" grep -q "stats.state" <<< "$out"
check "an unknown filter is refused by vpcctl" bash -c \
	"! $VPCCTL -s $(sw_sock sw2) show connections colour red 2>/dev/null"
check "the rule that let it in counted it (sg show hits)" test \
	"$(ctl sw2 -o json sg show blue | jq '[.[] | select(.name == "web") | .rules[] | select(.ports == "5201" and .remote == "10.0.0.0/24") | .hits] | add')" -ge 1

# --- a rule replaced by one that still allows the transfer: not one drop ---
revoked0=$(drop_count sw2 b2 sg_revoked)
invalid0=$(drop_count sw2 b2 ct_invalid)
WEB_TCP='{"vpc": "blue", "group": "web", "direction": "ingress", "protocol": "tcp", "ports": "5000-6000", "remote": "10.0.0.0/16"}'
tx0=$(port_stat sw2 b2 tx_packets)
check "web's TCP rule replaced by a wider one, live" apply_all
sleep 3
tx1=$(port_stat sw2 b2 tx_packets)
check "the transfer went on: b2 received $((tx1 - tx0)) packets in the 3 s after" test $((tx1 - tx0)) -gt 1000
check_eq "no packet of it was revoked" "$revoked0" "$(drop_count sw2 b2 sg_revoked)"
check_eq "none was invalid" "$invalid0" "$(drop_count sw2 b2 ct_invalid)"
# --- a rule removed under the transfer: it stops ---
WEB_TCP='{"vpc": "blue", "group": "web", "direction": "ingress", "protocol": "tcp", "ports": "22", "remote": "10.0.0.0/16"}'
check "web's TCP rule removed, live" apply_all
sleep 1
tx0=$(port_stat sw2 b2 tx_packets)
sleep 3
tx1=$(port_stat sw2 b2 tx_packets)
check "the transfer stopped: b2 received $((tx1 - tx0)) packets in 3 s" test $((tx1 - tx0)) -le 5
check "its packets are counted as sg_revoked" test "$(drop_count sw2 b2 sg_revoked)" -gt "$revoked0"
kill "$iperf_pid" 2>/dev/null || true
wait "$iperf_pid" 2>/dev/null || true
vm b2 pkill iperf3 2>/dev/null || true
WEB_TCP='{"vpc": "blue", "group": "web", "direction": "ingress", "protocol": "tcp", "ports": "5201", "remote": "10.0.0.0/24"}'
check "rule back" apply_all

# --- IPv6: TCP allowed from fd00::/64, ICMPv6 echo not (web has no icmpv6 rule) ---
vm_ipv6 a1 fd00::11/64
vm_ipv6 b2 fd00::12/64
vm a1 ip -6 neigh replace fd00::12 lladdr 52:54:00:00:00:12 dev eth0 nud permanent
vm b2 ip -6 neigh replace fd00::11 lladdr 52:54:00:00:00:11 dev eth0 nud permanent
vm b2 iperf3 -s -1 -D -p 5201 --logfile "$IT_DIR/iperf6.log"
sleep 0.5
bytes=$(vm a1 timeout 20 iperf3 -6 -c fd00::12 -p 5201 -t 2 -J 2>/dev/null | jq -r '.end.sum_received.bytes // 0' 2>/dev/null || true)
check "IPv6 TCP a1 -> b2:5201 allowed (${bytes:-0} bytes)" test "${bytes:-0}" -gt 1000000
before=$(drop_count sw2 b2 sg_ingress_denied)
check "IPv6 ping a1 -> b2 refused (no icmpv6 rule)" refused vm a1 ping -6 -c 2 -i 0.3 -W 1 fd00::12
check "counted at b2" test "$(drop_count sw2 b2 sg_ingress_denied)" -ge $((before + 2))

# --- remote groups follow membership ---
C2_GROUPS='["db", "client"]'
check "c2 joins client" apply_all
check "now c2 pings b2 (member of client)" wait_for 10 ping_ok c2 10.0.0.12 1
A1_GROUPS_ON_H2='[]'
check "a1 leaves client (as host 2 knows it)" apply_all
check "a1's pings to b2 are refused now" refused vm a1 ping -c 2 -i 0.3 -W 1 10.0.0.12
A1_GROUPS_ON_H2='["client"]'
C2_GROUPS='["db"]'
check "membership back" apply_all

# --- a connection in a state with a short timeout goes when idle (--ct-timeouts icmp=2) ---
icmp_conns() { ctl sw1 -o json show connections address 10.0.0.12 | jq '[.connections[] | select(.protocol == "icmp")] | length'; }
vm a1 ping -c 1 -W 1 10.0.0.12 >/dev/null 2>&1 || true
check "a1's ping is a connection on host 1" test "$(icmp_conns)" -ge 1
no_icmp_conns() { [ "$(icmp_conns)" -eq 0 ]; }
check "and it is gone within 2 s of idle plus a sweep" wait_for 6 no_icmp_conns

# --- the groups from vpcctl, edited live ---
check "sg add: a group with the default egress rules" ctl sw1 sg add blue tmp
check_eq "it has two rules, egress to 0.0.0.0/0 and ::/0" "egress egress" \
	"$(ctl sw1 -o json sg show blue | jq -r '[.[] | select(.name == "tmp") | .rules[].direction] | join(" ")')"
check "sg add no-default-egress: a group with none" ctl sw1 sg add blue bare no-default-egress
check_eq "it has no rule" 0 "$(ctl sw1 -o json sg show blue | jq '[.[] | select(.name == "bare") | .rules[]] | length')"
check "sg rule add" ctl sw1 sg rule add blue tmp ingress proto tcp ports 22 remote 10.0.0.0/24
check "sg rule del removes exactly that rule" ctl sw1 sg rule del blue tmp ingress proto tcp ports 22 remote 10.0.0.0/24
check_eq "back to two rules" 2 "$(ctl sw1 -o json sg show blue | jq '[.[] | select(.name == "tmp") | .rules[]] | length')"
check "port set a1 sg bare: a1 may send nothing now" ctl sw1 port set a1 sg bare
check_eq "port show lists it" '["bare"]' "$(ctl sw1 -o json port show a1 | jq -c '.[0].security_groups')"
before=$(drop_count sw1 a1 sg_egress_denied)
check "a1's ping leaves no more" refused vm a1 ping -c 1 -W 1 10.0.0.12
check "counted as sg_egress_denied at a1" test "$(drop_count sw1 a1 sg_egress_denied)" -gt "$before"
check "sg del of a group in use is refused" refused ctl sw1 sg del blue bare
check "port set a1 sg tmp: egress open again" ctl sw1 port set a1 sg tmp
check "a1 pings b2 again" wait_for 5 ping_ok a1 10.0.0.12 1
check "sg del of an unused group" ctl sw1 sg del blue bare

# --- limits: a port's connection limit, then a full table ---
A1_MAX=3
check "a1 may take part in 3 connections" apply_all
sleep 1
before=$(drop_count sw1 a1 ct_port_limit)
udp_send a1 10.0.0.12 7000 7001 7002 7003 7004 7005 7006 7007 7008 7009
check "a1's 4th and later new connections are refused as ct_port_limit" \
	test "$(drop_count sw1 a1 ct_port_limit)" -ge $((before + 7))
A1_MAX=0
check "a1's limit lifted" apply_all
# host 2's table holds 400: a SYN flood from c2 (allowed: web takes TCP 5201 from the
# subnet) fills it; a1's established transfer to b2 goes on, new connections are refused
vm b2 iperf3 -s -1 -D -p 5201 --logfile "$IT_DIR/iperf-flood.log"
sleep 0.5
vm a1 timeout 40 iperf3 -c 10.0.0.12 -p 5201 -t 8 >/dev/null 2>&1 &
iperf_pid=$!
sleep 2
# new connections all along, so that what aging frees is taken again at once
vm c2 timeout 9 python3 -c "
import socket, time
socks = []
for i in range(2000):
    s = socket.socket(); s.setblocking(False); s.connect_ex(('10.0.0.12', 5201)); socks.append(s)
    time.sleep(0.004)" >/dev/null 2>&1 &
flood_pid=$!
sleep 3
check "c2's flood filled host 2's table: ct_table_full counted" \
	test "$(drop_count sw2 c2 ct_table_full)" -gt 0
check "the table is full ($(ctl sw2 -o json show conntrack | jq '.connections') of 400)" \
	test "$(ctl sw2 -o json show conntrack | jq '.connections')" -ge 395
tx0=$(port_stat sw2 b2 tx_packets)
sleep 1
tx1=$(port_stat sw2 b2 tx_packets)
check "a1's established transfer still flows into the full table's host ($((tx1 - tx0)) packets/s)" \
	test $((tx1 - tx0)) -gt 1000
full0=$(ctl sw2 -o json show underlay | jq -r '.underlay_stats.drop_reasons.ct_table_full // 0')
answered=$(vm a1 ping -c 5 -i 0.2 -W 1 10.0.0.12 2>/dev/null | grep -c "bytes from" || true)
check "a1's new connections (pings) are refused while it is full ($answered of 5 answered)" \
	test "$answered" -le 1
check "and counted as ct_table_full where they came in" test \
	"$(ctl sw2 -o json show underlay | jq -r '.underlay_stats.drop_reasons.ct_table_full // 0')" -gt "$full0"
wait "$flood_pid" 2>/dev/null || true
wait "$iperf_pid" 2>/dev/null || true

it_done
