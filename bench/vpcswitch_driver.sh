#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vpcswitch as a "switch driver" of the shared single-core benchmark harness
# (../shared/bench/ovs/run.sh, README "Porting to another switch"): the same pcaps, the same
# generator and sink ports, one worker on PMD_CORE, counted the same way as OVS-DPDK.
#
#   DRIVER=$PWD/bench/vpcswitch_driver.sh ../shared/bench/ovs/run.sh S1 S2 S4
#
# Verbs: start, setup PIPELINE VM UNDERLAY IN_PKTS, tx-packets, pmd-tids, stats, stop.
# Everything lives under $OVSBENCH_DIR (run.sh makes a fresh one); the switch runs in a
# private network namespace (its exception tap and VTEP address exist only there).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${VPCSW_BUILD:-$HERE/../build}
D=${OVSBENCH_DIR:-/tmp/vpcswbench}
MAIN_CORE=${MAIN_CORE:-0}
PMD_CORE=${PMD_CORE:-1}
SW=$BUILD/vpcswitchd
CTL() { "$BUILD/vpcctl" -s "$D/ctl.sock" "$@"; }

log() { echo "[vpcswitch_driver] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
ns() { cat "$D/netns" 2>/dev/null || true; }
prefix() { echo "vpcswb_$(basename "$D")"; }

cmd_start() {
	mkdir -p "$D"
	[ -x "$SW" ] || die "no $SW: build first"
	local n="vpcswb-$$"
	ip netns add "$n"
	ip netns exec "$n" ip link set lo up
	# this host's kernel would send IPv6 chatter out the exception path: keep it quiet
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	echo "$n" > "$D/netns"
}

# rules N: the VM's security group. vpcswitch tracks connections in every scenario (its
# flow cache is the connection table); what S3 adds is a rule set worth checking: N-1 rules
# that match none of the harness's flows (UDP to other ports and prefixes, TCP, ICMP) and,
# last, the one that allows them (UDP 5001 to 10.0.0.0/8). Ingress allows everything (the
# decap scenario delivers to the VM).
rules() {
	local n=$1
	echo '{"vpc": "b", "group": "g", "direction": "ingress"},'
	awk -v n="$n" 'BEGIN {
		for (i = 1; i < n; i++) {
			if (i % 3 == 0)
				printf "{\"vpc\": \"b\", \"group\": \"g\", \"direction\": \"egress\", \"protocol\": \"tcp\", \"ports\": \"%d\", \"remote\": \"172.%d.%d.0/24\"},\n", 1000 + i % 50000, 16 + int(i / 65536) % 16, int(i / 256) % 256, i % 256
			else if (i % 3 == 1)
				printf "{\"vpc\": \"b\", \"group\": \"g\", \"direction\": \"egress\", \"protocol\": \"udp\", \"ports\": \"%d-%d\", \"remote\": \"10.%d.%d.0/24\"},\n", 6000 + i % 50000, 6000 + i % 50000 + 3, int(i / 256) % 256, i % 256
			else
				printf "{\"vpc\": \"b\", \"group\": \"g\", \"direction\": \"egress\", \"protocol\": \"icmp\", \"icmp_type\": %d, \"remote\": \"192.168.%d.%d/32\"},\n", i % 256, int(i / 256) % 256, i % 256
		}
	}'
	echo '{"vpc": "b", "group": "g", "direction": "egress", "protocol": "udp", "ports": "5001", "remote": "10.0.0.0/8"}'
}

# ROUTES set: the routed variant of the encap scenarios. The VM's frames go to
# 52:54:00:00:00:02, made its subnet's gateway: every one is routed to the peers' own subnet
# (10.1.0.0/16, another host's VMs, one remote per address the pcaps use), in a VPC with
# ROUTES more routes (/24s outside both subnets; next hops an address of the peers' subnet
# and the remote VTEP, alternately).
routed_rows() {
	local n=$1
	echo '"subnets": [ {"vpc": "b", "cidr": "10.0.0.0/16", "gateway": "10.0.255.254", "gateway_mac": "52:54:00:00:00:02"},
	                   {"vpc": "b", "cidr": "10.1.0.0/16", "gateway": "10.1.255.254", "gateway_mac": "02:00:00:00:00:fd"} ],'
	echo '"remotes": ['
	# the pcaps' peers: 10.1.0.1 + (i % 50000)
	awk 'BEGIN { for (i = 0; i < 50000; i++) { a = i + 1
		printf "%s{\"vpc\": \"b\", \"mac\": \"02:01:00:00:%02x:%02x\", \"ips\": [\"10.1.%d.%d\"], \"vtep\": \"192.168.1.2\"}\n",
			i ? "," : "", int(a / 256), a % 256, int(a / 256), a % 256 } }'
	echo '],'
	echo '"routes": ['
	awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) {
		nh = i % 2 ? "\"vtep\": \"192.168.1.2\"" : sprintf("\"via\": \"10.1.%d.%d\"", int(i % 50000 / 256), i % 256 + 1)
		printf "%s{\"vpc\": \"b\", \"prefix\": \"%d.%d.%d.0/24\", %s}\n",
			i ? "," : "", 11 + int(i / 65536), int(i / 256) % 256, i % 256, nh } }'
	echo '],'
}

# The harness's address plan (shared/bench/ovs/README.md): VM 52:54:00:00:00:01 10.0.0.1,
# peers behind 52:54:00:00:00:02, local VTEP 192.168.1.1, remote VTEP 192.168.1.2 at
# 02:00:00:00:01:02, VNI 100.
subnet_rows() { # subnet_rows SINK: the subnets, and for the routed variant the rest of its rows
	if [ -n "${ROUTES:-}" ] && [ -z "$1" ]; then
		routed_rows "$ROUTES"
	else
		echo '"subnets": [ {"vpc": "b", "cidr": "10.0.0.0/8", "gateway": "10.0.0.254", "gateway_mac": "02:00:00:00:00:fe"} ],'
	fi
}

# VIP=plain|lbN (with the encap pipelines): the VM's frames go to 10.0.0.100:5001 instead
# (bench/gen_vip_pcap.py, the same number of flows, by source port), which is one remote VM
# (plain) or a load balancer over N remote backends (lbN, 10.0.1.1..N, all on the remote
# VTEP): the balancer's cost, side by side on the same frames.
vip_rows() {
	local n=${VIP#lb}
	if [ "$VIP" = plain ]; then
		echo '"remotes": [ {"vpc": "b", "mac": "52:54:00:00:00:02", "ips": ["10.0.0.100"], "vtep": "192.168.1.2"} ]'
		return
	fi
	echo '"remotes": ['
	awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++)
		printf "%s{\"vpc\": \"b\", \"mac\": \"02:02:00:00:00:%02x\", \"ips\": [\"10.0.1.%d\"], \"vtep\": \"192.168.1.2\"}\n", (i > 1 ? "," : ""), i, i }'
	echo '], "load_balancers": [ {"vpc": "b", "name": "bench", "vip": "10.0.0.100"} ],'
	echo '"lb_listeners": [ {"vpc": "b", "lb": "bench", "protocol": "udp", "port": 5001} ],'
	echo '"lb_backends": ['
	awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++)
		printf "%s{\"vpc\": \"b\", \"lb\": \"bench\", \"protocol\": \"udp\", \"port\": 5001, \"address\": \"10.0.1.%d\"}\n", (i > 1 ? "," : ""), i }'
	echo ']'
}

state() { # state ENCAP VM_DEVARGS [SINK_DEVARGS]: one VPC, the VM, and the peer's side
	local encap=$1 vm=$2 sink=${3:-}
	local peer vmport
	# the VM may hold every connection of the table (the 1M-flow runs)
	vmport='{"name": "vm", "vpc": "b", "mac": "52:54:00:00:00:01", "ips": ["10.0.0.1"], "dpdk": "'$vm'",
	         "security_groups": ["g"], "max_connections": 16777216'"${VIP_MANY_SOURCES:+, \"forwarding\": true}"'}'
	if [ -n "${VIP:-}" ] && [ -z "$sink" ]; then
		peer='"ports": [ '"$vmport"' ], '"$(vip_rows)"
	elif [ -n "${ROUTES:-}" ] && [ -z "$sink" ]; then
		peer='"ports": [ '"$vmport"' ]'
	elif [ -n "$sink" ]; then # p2p: the peer is a second port on this switch
		peer='"ports": [ '"$vmport"',
		                 {"name": "sink", "vpc": "b", "mac": "52:54:00:00:00:02", "dpdk": "'$sink'",
		                  "security_groups": ["g"]} ]'
	else
		peer='"ports": [ '"$vmport"' ],
		      "remotes": [ {"vpc": "b", "mac": "52:54:00:00:00:02", "vtep": "192.168.1.2"} ]'
	fi
	cat <<EOF
{ "vpcs": [ {"name": "b", "vni": 100, "encap": "$encap"} ],
  $(subnet_rows "$sink")
  "security_groups": [ {"vpc": "b", "name": "g"} ],
  "security_group_rules": [ $(rules "${RULES:-1}") ],
  $peer }
EOF
}

cmd_setup() {
	local pipe=$1 vm=${2#dpdk:} ul=${3#dpdk:} pkts=${4:-0} encap=vxlan underlay=() sink
	local mbufs=$((pkts + 65536)) ct_max=${CT_MAX:-1048576}
	# MB: ~2.5 KB per mbuf, ~340 B per connection, plus the other tables
	local mem=$((mbufs * 5 / 2 / 1024 + ct_max * 340 / 1048576 + 512))
	case "$pipe" in
	p2p) state vxlan "$vm" "$ul" > "$D/state.json"; sink="port sink" ;;
	vxlan-encap|geneve-encap|vxlan-encap-ct)
		[ "$pipe" = geneve-encap ] && encap=geneve
		if [ -n "${VIP:-}" ]; then # the same number of flows, to the VIP
			local flows
			flows=$(sed -n 's/.*inner_f\([0-9]*\)\.pcap.*/\1/p' <<< "$vm")
			[ -n "$flows" ] || die "VIP=$VIP: no inner_f<N>.pcap in $vm"
			python3 "$HERE/gen_vip_pcap.py" "$flows" "$D/vip_f$flows.pcap"
			# past 55,000 flows the frames come from more addresses than the VM's
			[ "$flows" -gt 55000 ] && VIP_MANY_SOURCES=1
			vm=${vm/$(sed -n 's/.*rx_pcap=\([^,]*\).*/\1/p' <<< "$vm")/$D/vip_f$flows.pcap}
		fi
		[ "$pipe" = vxlan-encap-ct ] && RULES=${RULES:-1000}
		state "$encap" "$vm" > "$D/state.json"
		underlay=(--underlay "$ul" --vtep 192.168.1.1/24); sink="underlay" ;;
	vxlan-decap)
		# the generator is the underlay (run.sh passes it as UNDERLAY), the VM port the sink;
		# the state goes in at start, so not one generated packet meets an empty switch
		state vxlan "$vm" > "$D/state.json"
		underlay=(--underlay "$ul" --vtep 192.168.1.1/24 -f "$D/state.json"); sink="port vm" ;;
	*) die "pipeline $pipe: not supported" ;;
	esac
	# the harness's local VTEP MAC, whatever the sink port's own is
	[ ${#underlay[@]} -gt 0 ] && underlay+=(--underlay-mac 02:00:00:00:01:01)
	echo "$sink" > "$D/sink"
	# run.sh keeps one directory for all runs: never read the last run's "ready"
	: > "$D/vpcswitchd.log"
	ip netns exec "$(ns)" taskset -c "$MAIN_CORE,$PMD_CORE" "$SW" -l "$MAIN_CORE,$PMD_CORE" \
		--no-pci --file-prefix "$(prefix)" -m "$mem" -- -s "$D/ctl.sock" -d "$D" \
		--mbufs "$mbufs" --max-connections "$ct_max" "${underlay[@]}" > "$D/vpcswitchd.log" 2>&1 &
	echo $! > "$D/pid"
	for _ in $(seq 300); do grep -q "vpcswitchd: ready" "$D/vpcswitchd.log" && break; sleep 0.1; done
	grep -q "vpcswitchd: ready" "$D/vpcswitchd.log" || { tail "$D/vpcswitchd.log" >&2; die "no start"; }
	if [ "$sink" = underlay ]; then
		# the remote VTEP's MAC is static (the harness learns nothing from the wire)
		ip netns exec "$(ns)" ip neigh replace 192.168.1.2 lladdr 02:00:00:00:01:02 dev vpcsw0 \
			nud permanent
	fi
	CTL apply -f "$D/state.json" >/dev/null || die "state refused"
	observe
}

# OBSERVE=...: an observation session running through the measured window (the cost of
# issue 8's tools): capture-none / capture-all (vpcctl capture of the VM port, rx and tx,
# into /dev/null, with a filter that matches no packet of the harness / none), trace-armed
# (vpcctl trace --live on the VM port waiting for packets its filter never matches).
observe() {
	local cmd
	case "${OBSERVE:-}" in
	"") return 0 ;;
	capture-none) cmd=(capture --port vm -w /dev/null tcp port 9) ;;
	capture-all) cmd=(capture --port vm -w /dev/null) ;;
	trace-armed) cmd=(trace --live --port vm --filter "tcp port 9" -c 1000) ;;
	*) die "OBSERVE=$OBSERVE: capture-none, capture-all or trace-armed" ;;
	esac
	CTL "${cmd[@]}" > "$D/observe.out" 2> "$D/observe.err" &
	echo $! > "$D/observe.pid"
	for _ in $(seq 50); do grep -qE "^(capture|live trace) [0-9]+" "$D/observe.err" && return 0; sleep 0.1; done
	die "OBSERVE=$OBSERVE did not start: $(cat "$D/observe.err")"
}

cmd_tx_packets() {
	case "$(cat "$D/sink")" in
	underlay) CTL -o json show underlay | jq '.underlay_stats.tx_packets' ;;
	"port "*) CTL -o json port show "$(cut -d' ' -f2 < "$D/sink")" | jq '.[0].stats.tx_packets' ;;
	esac
}

cmd_pmd_tids() {
	local pid t
	pid=$(pgrep -f -- "--file-prefix $(prefix) " | head -1) || return 0
	for t in /proc/"$pid"/task/*; do
		[ "$(cat "$t/comm")" = rte-worker-1 ] && basename "$t"
	done
}

cmd_stats() {
	CTL show workers || true
	CTL show counters || true
	CTL show underlay || true
	CTL show drops | awk 'NR == 1 || $2 > 0' || true
}

cmd_stop() {
	local pid
	pid=$(cat "$D/observe.pid" 2>/dev/null || true)
	if [ -n "$pid" ]; then
		kill -INT "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		log "OBSERVE=${OBSERVE:-}: $(tail -1 "$D/observe.err" 2>/dev/null)"
		rm -f "$D/observe.pid"
	fi
	pid=$(cat "$D/pid" 2>/dev/null || true)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	[ -n "$(ns)" ] && ip netns del "$(ns)" 2>/dev/null || true
	rm -f /dev/hugepages/"$(prefix)"* 2>/dev/null || true
	rm -rf /var/run/dpdk/"$(prefix)" "$D/pid" "$D/netns" "$D/vpcswitchd.log" "$D/ctl.sock"
}

verb=${1:-}
shift || true
case "$verb" in
start) cmd_start ;;
setup) cmd_setup "$@" ;;
tx-packets) cmd_tx_packets ;;
pmd-tids) cmd_pmd_tids ;;
stats) cmd_stats ;;
stop) cmd_stop ;;
appctl) exit 0 ;; # OVS-only (pmd-stats-clear)
*) die "usage: $0 start|setup|tx-packets|pmd-tids|stats|stop" ;;
esac
