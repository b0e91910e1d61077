#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# New connections per second on one worker core: the shared harness's pcap of FLOWS
# distinct 5-tuples (../shared/bench/ovs, inner_f<FLOWS>.pcap, UDP to port 5001) looped by
# the pcap PMD into the VM port of a switch with the S3 rule set (RULES rules), encapsulated
# to the null sink. During the first pass over the file every packet opens a connection:
# the table's count, read every 50 ms, climbs at the rate connections are set up (rules
# checked, two keys inserted), generator cost included as in every harness figure. Then
# the steady rate with FLOWS live connections, all hits, over WINDOW seconds.
#
#   [FLOWS=1000000] [RULES=1000] [REPS=3] bench/ct_setup_rate.sh
#
# Run as root on an idle machine, after ../shared/bench/ovs/run.sh gen made the pcaps.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
FLOWS=${FLOWS:-1000000}
REPS=${REPS:-3}
WINDOW=${WINDOW:-5}
PCAP_DIR=${PCAP_DIR:-/tmp/vswitch-bench-pcaps}
export RULES=${RULES:-1000} OVSBENCH_DIR=${OVSBENCH_DIR:-/tmp/vpcsw-ctrate}
DRV=$HERE/vpcswitch_driver.sh
PCAP=$PCAP_DIR/inner_f$FLOWS.pcap
[ -f "$PCAP" ] || { echo "no $PCAP: run ../shared/bench/ovs/run.sh gen first" >&2; exit 1; }
CTL() { "${VPCSW_BUILD:-$HERE/../build}/vpcctl" -s "$OVSBENCH_DIR/ctl.sock" "$@"; }
now() { date +%s.%N; }

one_run() {
	local t0 c0 t c tlo="" clo tmid cmid s0 s1 ts0 ts1
	"$DRV" stop >/dev/null 2>&1 || true
	rm -rf "$OVSBENCH_DIR"
	"$DRV" start
	"$DRV" setup vxlan-encap-ct "dpdk:net_pcap0,rx_pcap=$PCAP,infinite_rx=1" \
		"dpdk:net_null0,no-rx=1" "$FLOWS" >/dev/null
	# the 10% and 90% marks of the first pass
	while :; do
		c=$(CTL -o json show conntrack | jq .connections)
		t=$(now)
		if [ -z "$tlo" ] && [ "$c" -ge $((FLOWS / 10)) ]; then tlo=$t clo=$c; fi
		if [ "$c" -ge $((FLOWS * 9 / 10)) ]; then tmid=$t cmid=$c; break; fi
		sleep 0.05
	done
	sleep 1
	s0=$(CTL -o json show underlay | jq .underlay_stats.tx_packets) ts0=$(now)
	sleep "$WINDOW"
	s1=$(CTL -o json show underlay | jq .underlay_stats.tx_packets) ts1=$(now)
	c=$(CTL -o json show conntrack | jq .connections)
	"$DRV" stop >/dev/null 2>&1 || true
	awk -v a="$clo" -v b="$cmid" -v ta="$tlo" -v tb="$tmid" -v s0="$s0" -v s1="$s1" \
		-v t0="$ts0" -v t1="$ts1" -v c="$c" 'BEGIN {
		printf "new_conns_per_s=%.0f live_connections=%d steady_mpps=%.2f\n",
			(b - a) / (tb - ta), c, (s1 - s0) / (t1 - t0) / 1e6 }'
}

for r in $(seq "$REPS"); do
	one_run
done
