#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# One worker core switching between two vhost-user ports of one VPC. vhost_gen (two
# virtio_user ports, core 0) sends 64-byte frames into port "gen" and counts what the
# switch (one worker on core 1, pure polling) delivers to port "sink". Per run: the Mpps the
# sink received, and the worker's cycles per packet over the same window, from the switch's
# own counters (vpcctl show workers). Prints every run and the medians. Needs root.
#
#   bench/vhost_p2p.sh                REPS=5 FLOWS=1 SIZE=64 WARMUP=3 WINDOW=10
#   BUILD=build-native REPS=3 bench/vhost_p2p.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
REPS=${REPS:-5}
FLOWS=${FLOWS:-1}
SIZE=${SIZE:-64}
WARMUP=${WARMUP:-3}
WINDOW=${WINDOW:-10}

SW=$BUILD/vpcswitchd CTL=$BUILD/vpcctl GEN=$BUILD/bench/vhost_gen
for b in "$SW" "$CTL" "$GEN"; do [ -x "$b" ] || { echo "build first: $b missing" >&2; exit 1; }; done
scripts/setup.sh >/dev/null

dir=$(mktemp -d /tmp/vsbench.XXXXXX)
sw_pid="" gen_pid=""
cleanup() {
	[ -z "$gen_pid" ] || kill -INT "$gen_pid" 2>/dev/null || true
	[ -z "$sw_pid" ] || kill -TERM "$sw_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT

ctl() { "$CTL" -s "$dir/ctl.sock" "$@"; }
# worker_sample -> "packets busy_cycles" of the (only) worker, and the sink's tx packets
sample() {
	local w p
	w=$(ctl -o json show workers | jq -r '.[0] | "\(.packets) \(.busy_cycles) \(.tsc_hz)"')
	p=$(ctl -o json port show sink | jq -r '.[0].stats.tx_packets')
	echo "$w $p"
}

one_run() {
	: > "$dir/sw.log"
	"$SW" -l 0,1 --no-pci --file-prefix "vsbench$$" -m 512 -- -s "$dir/ctl.sock" -d "$dir" \
		> "$dir/sw.log" 2>&1 &
	sw_pid=$!
	for _ in $(seq 100); do grep -q "vpcswitchd: ready" "$dir/sw.log" && break; sleep 0.1; done
	ctl vpc add bench vni 100 >/dev/null
	ctl subnet add bench 10.0.0.0/24 gateway 10.0.0.254 gateway-mac 02:00:00:00:00:fe >/dev/null
	ctl port add gen vpc bench mac 52:54:00:00:00:01 ip 10.0.0.1 >/dev/null
	ctl port add sink vpc bench mac 52:54:00:00:00:02 ip 10.0.0.2 >/dev/null

	"$GEN" -l 0 --no-pci --in-memory --file-prefix "vsgen$$" \
		--vdev "net_virtio_user0,path=$dir/gen.sock,queue_size=1024" \
		--vdev "net_virtio_user1,path=$dir/sink.sock,queue_size=1024" -- \
		--src-mac 52:54:00:00:00:01 --dst-mac 52:54:00:00:00:02 \
		--src-ip 10.0.0.1 --dst-ip 10.0.0.2 --flows "$FLOWS" --size "$SIZE" \
		--warmup "$WARMUP" --duration "$((WINDOW + 2))" > "$dir/gen.log" 2>&1 &
	gen_pid=$!
	for _ in $(seq 300); do grep -q "links up" "$dir/gen.log" && break; sleep 0.1; done
	sleep "$((WARMUP + 1))"
	read -r p0 c0 hz s0 < <(sample)
	t0=$(date +%s.%N)
	sleep "$WINDOW"
	read -r p1 c1 hz s1 < <(sample)
	t1=$(date +%s.%N)
	wait "$gen_pid" || true
	gen_pid=""
	kill -TERM "$sw_pid"
	wait "$sw_pid" || true
	sw_pid=""
	awk -v p0="$p0" -v p1="$p1" -v c0="$c0" -v c1="$c1" -v s0="$s0" -v s1="$s1" \
		-v t0="$t0" -v t1="$t1" -v hz="$hz" -v gen="$(grep -o 'rx_mpps=[0-9.]*' "$dir/gen.log")" \
		'BEGIN { dt = t1 - t0; printf "mpps=%.3f busy_cycles_per_pkt=%.1f total_cycles_per_pkt=%.1f %s\n",
		         (s1 - s0) / dt / 1e6, (c1 - c0) / (p1 - p0), hz * dt / (p1 - p0), gen }'
}

echo "vhost p2p: 1 worker (core 1), generator on core 0, ${SIZE}-byte frames, $FLOWS flow(s), ${WINDOW}s windows"
results=()
for r in $(seq "$REPS"); do
	line=$(one_run)
	echo "run $r: $line"
	results+=("$line")
done
# median FIELD: the median of FIELD=value over all runs
median() {
	printf '%s\n' "${results[@]}" | grep -oE "(^| )$1=[0-9.]+" | cut -d= -f2 | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "median of $REPS: mpps=$(median mpps) busy_cycles_per_pkt=$(median busy_cycles_per_pkt)" \
	"total_cycles_per_pkt=$(median total_cycles_per_pkt) generator_rx_mpps=$(median rx_mpps)"
