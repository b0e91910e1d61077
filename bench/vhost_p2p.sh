#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# One worker core switching between two vhost-user ports. vhost_gen (two virtio_user ports
# on core 0) sends 64-byte frames into port "gen" and counts what the switch (one worker
# on core 1, pure polling) delivers to port "sink". Per run: the Mpps the sink port sent,
# read from the switch's own counters over a fixed window, and the worker's cycles per
# packet. Prints every run and the medians. Needs root.
#
# The rate is what the generator's sink received over its own window (the same measuring
# point whatever the switch); cycles per packet are the switch's own count of busy cycles
# (vpcswitch: show workers; OVS: pmd-stats processing cycles) over the same seconds.
#
#   bench/vhost_p2p.sh                     vpcswitch, REPS=5 FLOWS=1 SIZE=64 WARMUP=3 WINDOW=10
#   SWITCH=ovs bench/vhost_p2p.sh          the same traffic through Open vSwitch-DPDK
#   SWITCH=both REPS=5 bench/vhost_p2p.sh  interleaved runs of both, for a fair ratio
#
# MODE=client (default): the generator owns the sockets (as QEMU with server=on) and the
# switch connects, which is what OVS's dpdkvhostuserclient ports do too; MODE=server: the
# switch owns them (vpcswitch only). SWITCH=ovs needs Debian's openvswitch-switch-dpdk and
# drives it with ../shared/bench/ovs/ovs.sh (OVS_DRIVER=...): p2p, in_port=gen -> sink.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SWITCH=${SWITCH:-vpcswitch}
MODE=${MODE:-client}
REPS=${REPS:-5}
FLOWS=${FLOWS:-1}
SIZE=${SIZE:-64}
WARMUP=${WARMUP:-3}
WINDOW=${WINDOW:-10}
OVS_DRIVER=${OVS_DRIVER:-../shared/bench/ovs/ovs.sh}

SW=$BUILD/vpcswitchd CTL=$BUILD/vpcctl GEN=$BUILD/bench/vhost_gen
for b in "$SW" "$CTL" "$GEN"; do [ -x "$b" ] || { echo "build first: $b missing" >&2; exit 1; }; done
[ "$SWITCH" = vpcswitch ] || [ -x "$OVS_DRIVER" ] || { echo "no OVS driver at $OVS_DRIVER" >&2; exit 1; }
[ "$SWITCH" = vpcswitch ] || [ "$MODE" = client ] || { echo "OVS ports are vhost clients: MODE=client" >&2; exit 1; }
scripts/setup.sh >/dev/null

dir=$(mktemp -d /tmp/vsbench.XXXXXX)
sw_pid="" gen_pid="" ovs_up=""
cleanup() {
	[ -z "$gen_pid" ] || kill -INT "$gen_pid" 2>/dev/null || true
	[ -z "$sw_pid" ] || kill -TERM "$sw_pid" 2>/dev/null || true
	[ -z "$ovs_up" ] || OVSBENCH_DIR=$dir/ovs "$OVS_DRIVER" stop >/dev/null 2>&1 || true
	wait 2>/dev/null || true
	rm -rf "/var/run/dpdk/vsgen$$" "/var/run/dpdk/vsbench$$"
	[ -n "${KEEP:-}" ] && echo "kept $dir" >&2 || rm -rf "$dir"
}
trap cleanup EXIT

start_gen() {
	local server=""
	[ "$MODE" = client ] && server=",server=1"
	"$GEN" -l 0 --no-pci --in-memory --file-prefix "vsgen$$" \
		--vdev "net_virtio_user0,path=$dir/gen.sock,queue_size=1024$server" \
		--vdev "net_virtio_user1,path=$dir/sink.sock,queue_size=1024$server" -- \
		--src-mac 52:54:00:00:00:01 --dst-mac 52:54:00:00:00:02 \
		--src-ip 10.0.0.1 --dst-ip 10.0.0.2 --flows "$FLOWS" --size "$SIZE" \
		--warmup "$WARMUP" --duration "$WINDOW" > "$dir/gen.log" 2>&1 &
	gen_pid=$!
}

stop_gen() {
	kill -INT "$gen_pid" 2>/dev/null || true
	wait "$gen_pid" 2>/dev/null || true
	gen_pid=""
}

# --- vpcswitch driver: start; sample prints "busy_cycles packets" of the worker ---
ctl() { "$CTL" -s "$dir/ctl.sock" "$@"; }

vpcswitch_start() {
	"$SW" -l 0,1 --no-pci --file-prefix "vsbench$$" -m 512 -- -s "$dir/ctl.sock" -d "$dir" \
		> "$dir/sw.log" 2>&1 &
	sw_pid=$!
	for _ in $(seq 100); do grep -q "vpcswitchd: ready" "$dir/sw.log" && break; sleep 0.1; done
	ctl vpc add bench vni 100 >/dev/null
	ctl subnet add bench 10.0.0.0/24 gateway 10.0.0.254 gateway-mac 02:00:00:00:00:fe >/dev/null
	# a port denies ingress unless a group allows it (since security groups): allow all
	ctl sg add bench open >/dev/null
	ctl sg rule add bench open ingress >/dev/null
	ctl port add gen vpc bench mac 52:54:00:00:00:01 ip 10.0.0.1 mode "$MODE" sg open >/dev/null
	ctl port add sink vpc bench mac 52:54:00:00:00:02 ip 10.0.0.2 mode "$MODE" sg open >/dev/null
}

# busy cycles: the worker's own count of TSC cycles in loop rounds that had packets
# third field: cycles elapsed on the worker's clock (TSC), from which the busy share follows
vpcswitch_sample() {
	ctl -o json show workers | jq -r '.[0] | "\(.busy_cycles) \(.packets)"' |
		tr '\n' ' '
	awk -v ns="$(date +%s%N)" -v hz="$(ctl -o json show workers | jq -r '.[0].tsc_hz')" \
		'BEGIN { printf "%.0f\n", ns / 1e9 * hz }'
}

vpcswitch_stop() {
	kill -TERM "$sw_pid"
	wait "$sw_pid" || true
	sw_pid=""
}

# --- OVS driver: the shared harness's ovs.sh, p2p between two dpdkvhostuserclient ports ---
ovs() { OVSBENCH_DIR=$dir/ovs "$OVS_DRIVER" "$@"; }

ovs_start() {
	mkdir -p "$dir/ovs"
	ovs start > "$dir/ovs.log" 2>&1
	ovs_up=1
	# ovs.sh adds its "underlay" port first, and a server-mode virtio_user creates its
	# sockets one at a time (gen, then sink, each once connected): so gen.sock goes there.
	# Its p2p rules forward both ways, so the traffic still flows gen -> sink.
	ovs setup p2p "vhostclient:$dir/sink.sock" "vhostclient:$dir/gen.sock" 0 >> "$dir/ovs.log" 2>&1
}

# OVS counts processing cycles per PMD itself; the delivered count is the generator's sink
ovs_sample() {
	local stats busy idle pkts
	stats=$(ovs appctl dpif-netdev/pmd-stats-show 2>/dev/null)
	busy=$(echo "$stats" | sed -n 's/.*processing cycles: *\([0-9]*\).*/\1/p' | head -1)
	idle=$(echo "$stats" | sed -n 's/.*idle cycles: *\([0-9]*\).*/\1/p' | head -1)
	pkts=$(echo "$stats" | sed -n 's/.*packets received: *\([0-9]*\).*/\1/p' | head -1)
	# third field: busy + idle cycles, from which the busy share follows
	echo "${busy:-0} ${pkts:-0} $(( ${busy:-0} + ${idle:-0} ))"
}

ovs_stop() {
	ovs stop >/dev/null 2>&1 || true
	ovs_up=""
}

# one_run SWITCH -> "mpps=... busy_cycles_per_pkt=... gen_tx_mpps=..."
one_run() {
	local sw=$1 s0 s1
	if [ "$MODE" = client ]; then
		start_gen
		sleep 1
		"${sw}_start"
	else
		"${sw}_start"
		start_gen
	fi
	for _ in $(seq 300); do grep -q "links up" "$dir/gen.log" && break; sleep 0.1; done
	if ! grep -q "links up" "$dir/gen.log"; then
		echo "mpps=0 busy_cycles_per_pkt=0 (links never came up)"
	else
		sleep "$WARMUP"
		s0=$("${sw}_sample")
		sleep "$WINDOW"
		s1=$("${sw}_sample")
		wait "$gen_pid" || true
		gen_pid=""
		# fields: busy0 pkts0 total0 busy1 pkts1 total1 gen_tx gen_rx; a busy share near
		# 100% means the switch is the limit, lower means the generator is
		echo "$s0 $s1 $(grep -oE '(tx|rx)_mpps=[0-9.]+' "$dir/gen.log" | cut -d= -f2 | tr '\n' ' ')" |
			awk '{ printf "mpps=%.3f busy_cycles_per_pkt=%.1f worker_busy=%.0f%% gen_tx_mpps=%.3f\n",
			       $8, ($4 - $1) / (($5 - $2) > 0 ? ($5 - $2) : 1),
			       100 * ($4 - $1) / (($6 - $3) > 0 ? ($6 - $3) : 1), $7 }'
	fi
	stop_gen
	"${sw}_stop"
}

median() { # median FIELD SWITCH: over the collected lines of that switch
	grep "^$2 " "$dir/results" | grep -oE "(^| )$1=[0-9.]+" | cut -d= -f2 | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

switches=$SWITCH
[ "$SWITCH" = both ] && switches="vpcswitch ovs"
echo "vhost p2p: 1 worker on core 1, generator on core 0, ${SIZE}-byte frames, $FLOWS flow(s)," \
	"switch is vhost $MODE, ${WINDOW}s windows, $REPS runs"
: > "$dir/results"
for r in $(seq "$REPS"); do
	for sw in $switches; do # interleaved: a noisy minute hits both alike
		line="$sw $(one_run "$sw")"
		echo "run $r: $line"
		echo "$line" >> "$dir/results"
	done
done
for sw in $switches; do
	echo "median $sw: mpps=$(median mpps "$sw") busy_cycles_per_pkt=$(median busy_cycles_per_pkt "$sw")"
done
