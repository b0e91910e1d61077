#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Two vpc-controller replicas on one PostgreSQL, two hosts whose switches list both. The
# state is written through one replica; that replica is killed: the switches fail over to
# the other, which holds the same state, and forwarding never stops. Writes through either
# replica reach the other (LISTEN/NOTIFY) and the hosts.
. "$(dirname "$0")/lib.sh"
it_setup

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PG_PORT=54329
A=172.31.0.254 B=172.31.0.253 SB_PORT=6653 API_A=127.0.0.1:8080 API_B=127.0.0.1:8081

# ---- a private PostgreSQL server (its own directory, socket and port) ----
chmod 755 "$IT_DIR"
mkdir -p "$IT_DIR/pg" "$IT_DIR/pgsock"
chown postgres "$IT_DIR/pg" "$IT_DIR/pgsock"
check "initdb" runuser -u postgres -- "$PG_BIN/initdb" -D "$IT_DIR/pg" -A trust -U postgres \
	--no-sync -E UTF8
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$IT_DIR/pg" -l "$IT_DIR/pgsock/pg.log" -w \
	-o "-k $IT_DIR/pgsock -p $PG_PORT -c listen_addresses='' -c fsync=off" start >/dev/null
it_atexit "runuser -u postgres -- $PG_BIN/pg_ctl -D $IT_DIR/pg -m immediate stop"
DB="postgresql://postgres@/postgres?host=$IT_DIR/pgsock&port=$PG_PORT"
check "PostgreSQL answers" runuser -u postgres -- psql -h "$IT_DIR/pgsock" -p $PG_PORT -c 'select 1'

# ---- network: the controllers' namespace, a management link and an underlay per host ----
ctrl_net 2 $A $B

declare -A CTL_PID
# start_replica NAME SB_ADDR API
start_replica() {
	ip netns exec "$cns" "$VPC_CONTROLLER" --db "$DB" --listen "tcp:$2:$SB_PORT" --api "$3" \
		>> "$IT_DIR/controller-$1.log" 2>&1 &
	CTL_PID[$1]=$!
	it_bg "${CTL_PID[$1]}"
	wait_for 10 api "$3" GET /v1/status
}
# api ADDR METHOD PATH [BODY]
api() {
	ip netns exec "$cns" curl -sf --max-time 10 -X "$2" -H 'Content-Type: application/json' \
		${4:+--data-binary "$4"} "http://$1$3"
}
in_sync() { # API N: N hosts connected to this replica and in sync
	[ "$(api "$1" GET /v1/status | jq '[.hosts[] | select(.in_sync)] | length')" -eq "$2" ]
}
state_of() { api "$1" GET /v1/state | jq -S .; }

check "replica A starts on PostgreSQL" start_replica a $A $API_A
check "replica B starts on the same database" start_replica b $B $API_B

ctrl_topology 2 > "$IT_DIR/topology.json"
check "the topology written through replica A" api $API_A PUT /v1/state "$(cat "$IT_DIR/topology.json")"
check "replica B learns it (NOTIFY)" wait_for 10 eval '[ "$(state_of $API_B)" = "$(state_of $API_A)" ]'

for n in 1 2; do
	SW_NETNS=$(eval echo "\$h$n") start_switch "sw$n" --underlay "net_af_packet$n,iface=ul0" \
		--vtep "192.168.60.$n/24" --controller "tcp:$A:$SB_PORT,tcp:$B:$SB_PORT" --host-id "h$n"
done
check "both hosts in sync with replica A" wait_for 20 in_sync $API_A 2
for n in 1 2; do
	start_vm "vm$n" "$IT_DIR/vm$n.sock" "52:54:00:00:00:1$n" "10.0.0.1$n/24"
done
for n in 1 2; do check "vm$n up" wait_for 20 link_is "sw$n" "vm$n" up; done
check "vm1 (h1) pings vm2 (h2)" wait_for 20 ping_ok vm1 10.0.0.12 1

# ---- replica A dies: the switches move to B, forwarding goes on ----
vm vm1 ping -c 100 -i 0.1 -W 1 10.0.0.12 > "$IT_DIR/ping-failover.log" 2>&1 &
ping_pid=$!
sleep 1
kill -KILL "${CTL_PID[a]}"
check "both hosts fail over to replica B and are in sync" wait_for 30 in_sync $API_B 2
wait "$ping_pid"
check "no packet lost across the failover" grep -q " 0% packet loss" "$IT_DIR/ping-failover.log"
check_eq "h1 still holds vm2 as a remote at h2" 192.168.60.2 \
	"$(ctl sw1 -o json dump remotes | jq -r '.rows[] | select(.mac == "52:54:00:00:00:12") | .vtep')"

# ---- a write through B reaches the hosts; A restarted sees it, and its writes reach B ----
check "a port added through replica B" api $API_B POST /v1/ports \
	'{"name": "vm3", "vpc": "blue", "mac": "52:54:00:00:00:13", "ips": ["10.0.0.13"], "security_groups": ["open"], "host": "h2"}'
check "both hosts in sync with B after it" wait_for 20 in_sync $API_B 2
check "h2 has port vm3" ctl sw2 port show vm3
check "replica A restarts" start_replica a $A $API_A
check_eq "A holds what B wrote while it was down" "$(state_of $API_B | md5sum)" "$(state_of $API_A | md5sum)"
check "a port removed through replica A" api $API_A DELETE /v1/ports/vm3
check "B learns it" wait_for 10 eval '[ "$(state_of $API_B)" = "$(state_of $API_A)" ]'
check "and pushes it to the hosts (h2 loses vm3)" wait_for 20 \
	eval '! ctl sw2 port show vm3'
check "both hosts in sync with B" wait_for 20 in_sync $API_B 2
v=$(api $API_B GET /v1/status | jq .version)
check_eq "both replicas at the same version" "$v" "$(api $API_A GET /v1/status | jq .version)"

it_done
