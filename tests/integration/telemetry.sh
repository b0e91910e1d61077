#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Drop reasons and counters outside vpcctl: DPDK telemetry (the library's socket, read with
# DPDK's own dpdk-telemetry.py) and Prometheus text on --metrics (read with curl and parsed
# by the prometheus_client library). A VM provokes known numbers of drops of three reasons;
# vpcctl, telemetry and /metrics must report exactly those, and the same numbers for
# everything else. Metrics are off by default; a taken port stops the daemon at start;
# telemetry keeps answering while ports come and go.
. "$(dirname "$0")/lib.sh"
it_setup

TELEMETRY=${DPDK_TELEMETRY:-/usr/bin/dpdk-telemetry.py}
PROM_PY=/usr/bin/python3 # Debian's, where python3-prometheus-client is installed
command -v "$TELEMETRY" >/dev/null || { echo "no $TELEMETRY (package dpdk)"; exit 1; }
"$PROM_PY" -c 'import prometheus_client' || { echo "python3-prometheus-client missing"; exit 1; }

# --- off by default: a switch started without --metrics listens on no TCP port ---
start_switch plain
check_eq "without --metrics the daemon listens on no TCP port" "" \
	"$(ss -Hltnp | grep "pid=${SW_PID[plain]}," || true)"
check "stops cleanly" stop_switch plain

# a port unlikely to be taken, different for concurrent runs
MPORT=$((20000 + $$ % 20000))
while ss -Hltn "sport = :$MPORT" | grep -q .; do MPORT=$((MPORT + 1)); done
MADDR=127.0.0.1:$MPORT
start_switch sw --metrics "$MADDR"
SW_PREFIX="${IT_PREFIX}_sw"

# --- a second daemon asking for the same port: clear error, non-zero exit ---
rc=0
"$VPCSWITCHD" -l 0,1 --no-pci --file-prefix "${IT_PREFIX}_dup" -m 256 -- \
	-s "$IT_DIR/dup.ctl" -d "$IT_DIR" --metrics "$MADDR" > "$IT_DIR/dup.log" 2>&1 || rc=$?
check "a second daemon on the same metrics port exits non-zero (rc $rc)" test "$rc" -ne 0
check "and says the address is in use" grep -q "metrics $MADDR: Address already in use" \
	"$IT_DIR/dup.log"

vpc_open "$(open_port vm1 52:54:00:00:00:01 10.0.0.11),
          $(open_port vm-2.b 52:54:00:00:00:02 10.0.0.12)" > "$IT_DIR/state.json"
check "apply the state" ctl sw apply -f "$IT_DIR/state.json"
start_vm vm1 "$IT_DIR/vm1.sock" 52:54:00:00:00:01 10.0.0.11/24
start_vm vm2 "$IT_DIR/vm-2.b.sock" 52:54:00:00:00:02 10.0.0.12/24
check "port vm1 link up" wait_for 20 link_is sw vm1 up
check "port vm-2.b link up" wait_for 20 link_is sw vm-2.b up
check "vm1 pings vm-2.b" ping_ok vm1 10.0.0.12
vm vm1 ip neigh replace 10.0.0.12 lladdr 52:54:00:00:00:02 dev eth0 nud permanent

# --- known drops at vm1: 3 port_sec_ip, 2 flood_blocked, 4 unknown_dst_mac ---
declare -A WANT=([port_sec_ip]=3 [flood_blocked]=2 [unknown_dst_mac]=4)
declare -A BEFORE=()
for r in "${!WANT[@]}"; do BEFORE[$r]=$(drop_count sw vm1 "$r"); done
vm vm1 ip addr add 10.0.0.99/32 dev eth0
vm vm1 ping -c 3 -i 0.2 -W 1 -I 10.0.0.99 10.0.0.12 >/dev/null 2>&1 || true
vm vm1 ip addr del 10.0.0.99/32 dev eth0
vm vm1 ping -b -c 2 -i 0.2 -W 1 10.0.0.255 >/dev/null 2>&1 || true
vm vm1 ip neigh replace 10.0.0.77 lladdr 52:54:00:00:00:77 dev eth0 nud permanent
vm vm1 ping -c 4 -i 0.2 -W 1 10.0.0.77 >/dev/null 2>&1 || true
sleep 0.5 # the last frames through the worker
for r in "${!WANT[@]}"; do
	check_eq "vpcctl: vm1 dropped ${WANT[$r]} as $r" "${WANT[$r]}" \
		$(($(drop_count sw vm1 "$r") - BEFORE[$r]))
done

# Everything below compares absolute values read while nothing moves: the VMs are quiet.
ctl sw -o json show drops | jq -S 'map({(.reason): .count}) | add' > "$IT_DIR/host.vpcctl"
ctl sw -o json show drops --port vm1 | jq -S 'map({(.reason): .count}) | add' \
	> "$IT_DIR/vm1.vpcctl"
port_json sw vm1 > "$IT_DIR/vm1.port"
n_reasons=$(jq 'length' "$IT_DIR/host.vpcctl")

# --- DPDK telemetry, through DPDK's own client ---
tel() { printf '%s\n' "$@" | "$TELEMETRY" -f "$SW_PREFIX"; }
tel /vpcswitch/drops /vpcswitch/drops,vm1 /vpcswitch/port,vm1 /vpcswitch/ports \
	/vpcswitch/port,nope /vpcswitch/workers /vpcswitch/conntrack /vpcswitch/drops,nope \
	/vpcswitch/port > "$IT_DIR/tel.out"
check_eq "telemetry answered every command" 9 "$(jq -s 'length' "$IT_DIR/tel.out")"
telq() { jq -s "$1" "$IT_DIR/tel.out"; }
check_eq "/vpcswitch/drops lists every reason ($n_reasons)" "$n_reasons" \
	"$(telq '.[0]["/vpcswitch/drops"] | length')"
check "/vpcswitch/drops equals vpcctl show drops, reason by reason" \
	diff <(telq '.[0]["/vpcswitch/drops"]' | jq -S .) "$IT_DIR/host.vpcctl"
check "/vpcswitch/drops,vm1 equals vpcctl show drops --port vm1" \
	diff <(telq '.[1]["/vpcswitch/drops"]' | jq -S .) "$IT_DIR/vm1.vpcctl"
for r in "${!WANT[@]}"; do
	check_eq "telemetry /vpcswitch/port,vm1: $r" "$(jq ".$r" "$IT_DIR/vm1.vpcctl")" \
		"$(telq ".[2][\"/vpcswitch/port\"].drop_reasons.$r")"
done
for f in rx_packets rx_bytes tx_packets tx_bytes drops tx_drops; do
	check_eq "telemetry /vpcswitch/port,vm1: $f as vpcctl" "$(jq ".[0].stats.$f" "$IT_DIR/vm1.port")" \
		"$(telq ".[2][\"/vpcswitch/port\"].$f")"
done
check_eq "telemetry /vpcswitch/port,vm1: link" '"up"' "$(telq '.[2]["/vpcswitch/port"].link')"
check_eq "/vpcswitch/ports lists both ports" '["vm-2.b","vm1"]' \
	"$(telq '.[3]["/vpcswitch/ports"] | sort' | jq -c .)"
check_eq "an unknown port is null" null "$(telq '.[4]["/vpcswitch/port"]')"
check "/vpcswitch/workers: lcore 1 processed packets" \
	test "$(telq '.[5]["/vpcswitch/workers"].lcore_1.packets')" -gt 0
check_eq "/vpcswitch/conntrack: connections as vpcctl" \
	"$(ctl sw -o json show conntrack | jq .connections)" \
	"$(telq '.[6]["/vpcswitch/conntrack"].connections')"
check_eq "drops of an unknown port are null" null "$(telq '.[7]["/vpcswitch/drops"]')"
check_eq "/vpcswitch/port without a name is null" null "$(telq '.[8]["/vpcswitch/port"]')"

# --- Prometheus text ---
curl -sf "http://$MADDR/metrics" > "$IT_DIR/metrics.txt"
check "GET /metrics answered" test -s "$IT_DIR/metrics.txt"
for t in "vpcswitch_drops_total counter" "vpcswitch_host_drops_total counter" \
	"vpcswitch_port_rx_packets_total counter" "vpcswitch_port_tx_packets_total counter" \
	"vpcswitch_conntrack_connections gauge" "vpcswitch_worker_busy_cycles_total counter"; do
	check "# TYPE $t" grep -qx "# TYPE $t" "$IT_DIR/metrics.txt"
done
line="vpcswitch_drops_total{port=\"vm1\",reason=\"port_sec_ip\"} $(jq .port_sec_ip "$IT_DIR/vm1.vpcctl")"
check "the sample line is there: $line" grep -qxF "$line" "$IT_DIR/metrics.txt"
# parsed by the reference client library: {"metric{label=value,...}": value}
"$PROM_PY" - "$IT_DIR/metrics.txt" > "$IT_DIR/metrics.json" <<'EOF'
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = {}
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        key = s.name + "{" + ",".join("%s=%s" % kv for kv in sorted(s.labels.items())) + "}"
        out[key] = int(s.value) if s.value == int(s.value) else s.value
json.dump(out, sys.stdout, sort_keys=True)
EOF
check "the text parses as Prometheus exposition format" test -s "$IT_DIR/metrics.json"
mq() { jq -r --arg k "$1" '.[$k] // "absent"' "$IT_DIR/metrics.json"; }
check "vpcswitch_host_drops_total: every reason, each as vpcctl show drops" diff \
	<(jq -S 'to_entries | map(select(.key | startswith("vpcswitch_host_drops_total{")))
		| map({(.key | capture("reason=(?<r>[a-z0-9_]+)").r): .value}) | add' "$IT_DIR/metrics.json") \
	"$IT_DIR/host.vpcctl"
check "vpcswitch_drops_total{port=vm1}: exactly vm1's reasons with a count, as vpcctl" diff \
	<(jq -S 'to_entries | map(select(.key | startswith("vpcswitch_drops_total{port=vm1,")))
		| map({(.key | capture("reason=(?<r>[a-z0-9_]+)").r): .value}) | add' "$IT_DIR/metrics.json") \
	<(jq -S 'with_entries(select(.value > 0))' "$IT_DIR/vm1.vpcctl")
for r in "${!WANT[@]}"; do
	check_eq "/metrics: vm1 $r" "$(jq ".$r" "$IT_DIR/vm1.vpcctl")" \
		"$(mq "vpcswitch_drops_total{port=vm1,reason=$r}")"
done
for f in rx_packets rx_bytes tx_packets tx_bytes drops; do
	check_eq "/metrics: vpcswitch_port_${f}_total{vm1} as vpcctl" \
		"$(jq ".[0].stats.$f" "$IT_DIR/vm1.port")" "$(mq "vpcswitch_port_${f}_total{port=vm1}")"
done
check_eq "/metrics: vm-2.b's rx_packets as vpcctl (a port name with . and -)" \
	"$(port_stat sw vm-2.b rx_packets)" "$(mq "vpcswitch_port_rx_packets_total{port=vm-2.b}")"
check_eq "/metrics: conntrack connections as vpcctl" \
	"$(ctl sw -o json show conntrack | jq .connections)" "$(mq "vpcswitch_conntrack_connections{}")"
check "/metrics: worker 1 packets" test "$(mq "vpcswitch_worker_packets_total{lcore=1}")" -gt 0
check_eq "GET /other is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://$MADDR/other")"
check_eq "POST /metrics is 405" 405 \
	"$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x=1 "http://$MADDR/metrics")"
check "the 405 names the allowed methods" \
	bash -c "curl -s -D - -o /dev/null -X DELETE http://$MADDR/metrics | grep -qi '^Allow: GET, HEAD'"

# --- ports come and go while telemetry and metrics are read from other threads ---
readers=()
for i in 1 2 3; do
	(for _ in $(seq 40); do echo /vpcswitch/port,vm1; echo /vpcswitch/ports; done |
		"$TELEMETRY" -f "$SW_PREFIX" > "$IT_DIR/stress$i.out" 2>&1) &
	readers+=($!)
done
(for _ in $(seq 40); do curl -sf "http://$MADDR/metrics" >/dev/null || echo failed; done \
	> "$IT_DIR/stress-curl.out") &
readers+=($!)
churn_ok=1
for i in $(seq 15); do
	ctl sw port add "tmp$i" vpc blue mac "52:54:00:00:01:$(printf %02x "$i")" \
		ip "10.0.0.$((100 + i))" >/dev/null || churn_ok=0
	ctl sw port del "tmp$i" >/dev/null || churn_ok=0
done
for pid in "${readers[@]}"; do wait "$pid" || true; done
check "15 ports added and removed meanwhile" test "$churn_ok" = 1
check "the daemon is alive" kill -0 "${SW_PID[sw]}"
check_eq "every telemetry reply on vm1 had its counters" 120 \
	"$(cat "$IT_DIR"/stress{1,2,3}.out |
		jq -s 'map(select(.["/vpcswitch/port"].name == "vm1")) | length')"
check_eq "every scrape succeeded" "" "$(cat "$IT_DIR/stress-curl.out")"
check_eq "/vpcswitch/ports after the churn" '["vm-2.b","vm1"]' \
	"$(tel /vpcswitch/ports | jq -c '.["/vpcswitch/ports"] | sort')"

check "SIGTERM: clean exit" stop_switch sw
check_eq "nothing listens on the metrics port any more" "" "$(ss -Hltn "sport = :$MPORT")"

it_done
