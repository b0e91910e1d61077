#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The switch connects out to its controller (--controller, --host-id): with nothing listening
# on the first address it fails over to the second, where a stand-in controller
# (ctrl_standin.py) programs it with sync + txn + barrier. The stand-in is killed: the switch
# shows the loss, keeps its state and keeps forwarding. A stand-in on the first address gets
# the switch back within the backoff bound, and a sync of the same state changes nothing
# (all tables added 0 / removed 0) while a ping runs across it. A stand-in that sends a frame
# of impossible length is disconnected, and the switch moves on and reconnects; so is one
# whose last 20 requests were all refused.
. "$(dirname "$0")/lib.sh"
it_setup

P1=$(free_tcp_port)
P2=$(free_tcp_port)
while [ "$P2" = "$P1" ]; do P2=$(free_tcp_port); done

ctrl() { ctl sw -o json show controller | jq -r "$1"; }
# ping_loss VM DEST COUNT: packets lost of COUNT at 50 ms intervals
ping_loss() {
	local o
	o=$(vm "$1" ping -c "$3" -i 0.05 -W 1 "$2" 2>/dev/null) || true
	echo "$o" | sed -n 's/.* \([0-9]*\) received.*/\1/p' | { read -r r; echo $(($3 - ${r:-0})); }
}

# --- the state a controller would give this host: blue with b1, b2; the txn adds red ---
vpc_open "$(open_port b1 52:54:00:00:00:01 10.0.0.11), $(open_port b2 52:54:00:00:00:02 10.0.0.12)" \
	> "$IT_DIR/state.json"
cat > "$IT_DIR/txn.json" <<'EOF'
{"ops": [{"op": "insert", "table": "vpc", "row": {"name": "red", "vni": 200}}]}
EOF
jq '.vpcs += [{"name": "red", "vni": 200}]' "$IT_DIR/state.json" > "$IT_DIR/state2.json"

# --- option errors are an exit 2 with a reason ---
for bad in "--controller tcp:127.0.0.1:$P1" "--controller tcp:10.1:80 --host-id h1" \
	"--controller tls:ctl.example:6640 --host-id h1" "--controller tcp:[::1]:0 --host-id h1" \
	"--host-id bad/name"; do
	rc=0
	msg=$("$VPCSWITCHD" -- $bad 2>&1) || rc=$?
	check_eq "refused at start: $bad (${msg:0:60})" 2 "$rc"
done

# --- fail over: nothing on P1, the stand-in on P2 ---
standin a --port "$P2" --state "$IT_DIR/state.json" --txn "$IT_DIR/txn.json" --capture-probe
# the second address is a name (resolved at each attempt; ::1 first, if /etc/hosts says so,
# where nothing listens: the next result, 127.0.0.1, is tried)
start_switch sw --controller "tcp:127.0.0.1:$P1,tcp:localhost:$P2" --host-id h1
check "the switch reached the stand-in on P2 and answered its requests" \
	wait_for 15 seen a done
check_eq "hello reply carries the host id" h1 "$(line a hello | jq -r .body.host)"
check_eq "hello reply: version 1, role vpcswitchd" "1 vpcswitchd" \
	"$(line a hello | jq -r '"\(.body.version) \(.body.role)"')"
check_eq "hello reply has no vteps without underlay" null "$(line a hello | jq -r .body.vteps)"
check_eq "sync applied: vpc added 1" 1 "$(line a sync | jq -r .body.vpc.added)"
check_eq "sync applied: ports added 2" 2 "$(line a sync | jq -r .body.port.added)"
check_eq "txn applied 1 op" 1 "$(line a txn | jq -r .body.applied)"
check_eq "barrier answered" 7 "$(line a barrier | jq -r .type)"
check_eq "capture_start over TCP refused, naming why" "bad_request fd-only" \
	"$(line a capture | jq -r '"\(.body.code) \(if (.body.message | test("Unix management socket")) then "fd-only" else .body.message end)"')"
check_eq "show controller: connected" connected "$(ctrl .state)"
check_eq "show controller: current address is P2, by name" "tcp:localhost:$P2 127.0.0.1:$P2" \
	"$(ctrl '"\(.address) \(.peer)"')"
check_eq "show controller: host id and both addresses" "h1 2" "$(ctrl '"\(.host_id) \(.addresses | length)"')"
check "show controller: the P1 failure is the last error" \
	test "$(ctrl '.last_error | test("'"$P1"'.*refused")')" = true
check_eq "show controller: one connect" 1 "$(ctrl .connects)"
check "the connection has TCP keepalive armed" bash -c \
	"ss -Htno state established 'dport = :$P2' | grep -q 'timer:(keepalive'"
ctl sw show controller > "$IT_DIR/show-controller.txt"
check "show controller text form" grep -q '^state: connected' "$IT_DIR/show-controller.txt"
check_eq "the management socket sees the controller's state (vpcs)" "blue red" \
	"$(ctl sw -o json vpc show | jq -r '[.[].name] | sort | join(" ")')"
check_eq "the management socket's hello reply names the host too" h1 "$(sb_hello sw | jq -r .host)"

# --- traffic between the controller's ports ---
start_vm b1 "$IT_DIR/b1.sock" 52:54:00:00:00:01 10.0.0.11/24
start_vm b2 "$IT_DIR/b2.sock" 52:54:00:00:00:02 10.0.0.12/24
check "b1 link up" wait_for 20 link_is sw b1 up
check "b2 link up" wait_for 20 link_is sw b2 up
check "b1 pings b2" ping_ok b1 10.0.0.12

# --- the controller vanishes: state and forwarding stay ---
dump_before=$(ctl sw dump)
kill_standin a
check "show controller notices the loss" wait_for 5 bash -c \
	"'$VPCCTL' -s '$(sw_sock sw)' -o json show controller | jq -e '.state != \"connected\"'"
check "the last loss says the connection was lost, and why" \
	test "$(ctrl '.last_loss | test("'"$P2"'.*lost: the peer closed")')" = true
check "the last loss has its time" test "$(ctrl .last_loss_time)" != null
check "the last error has its time" test "$(ctrl .last_error_time)" != null
check_eq "no packet lost in 3 s without a controller" 0 "$(ping_loss b1 10.0.0.12 60)"
check "state unchanged after the loss" test "$(ctl sw dump)" = "$dump_before"

# --- a controller comes back on P1: reconnect within the backoff bound, resync is a no-op ---
dump_before=$(ctl sw dump)
vm b1 ping -c 140 -i 0.05 -W 1 10.0.0.12 > "$IT_DIR/ping-resync.txt" 2>&1 &
ping_pid=$!
sleep 1
t0=$(date +%s.%N)
standin b --port "$P1" --state "$IT_DIR/state2.json"
# the longest wait: a backoff of 8 s + 25%, then a 3 s connect timeout at worst
check "the switch reconnects to P1 within 13 s" wait_for 13 seen b accepted
t1=$(date +%s.%N)
log "reconnected after $(echo "$t1 - $t0" | bc) s"
check "the resync finished" wait_for 5 seen b done
check_eq "resync of the same state: added 0 / removed 0 in every table" "0 0 12" \
	"$(line b sync | jq -r '[.body[] | .added] as $a | [.body[] | .removed] as $r | "\($a | add) \($r | add) \($a | length)"')"
check_eq "resync of the same state: the ports unchanged" 2 "$(line b sync | jq -r .body.port.unchanged)"
wait "$ping_pid" || true
check_eq "no packet lost across the reconnect and resync (140 pings)" "140 received" \
	"$(grep -o '[0-9]* received' "$IT_DIR/ping-resync.txt")"
check "state unchanged by the resync" test "$(ctl sw dump)" = "$dump_before"
check_eq "show controller: connected to P1" "connected tcp:127.0.0.1:$P1 2" \
	"$(ctrl '"\(.state) \(.address) \(.connects)"')"

# --- a misbehaving controller: an impossible frame length gets it disconnected ---
standin c --port "$P2" --bad-length
kill_standin b # the switch goes on to the next address, P2
check "the misbehaving stand-in got bad_length" wait_for 10 seen c bad_length_reply
check_eq "bad_length reply" bad_length "$(line c bad_length_reply | jq -r .body.code)"
check_eq "and the switch closed the connection" switch "$(line c closed | jq -r .by)"
check "show controller names the bad_length" wait_for 5 bash -c \
	"'$VPCCTL' -s '$(sw_sock sw)' -o json show controller | jq -e '.last_loss | test(\"bad_length\")'"
standin d --port "$P1" --state "$IT_DIR/state2.json"
check "the switch moved on and reconnected (to P1)" wait_for 13 seen d done
check_eq "its resync changes nothing either" "0 0" \
	"$(line d sync | jq -r '"\([.body[] | .added] | add) \([.body[] | .removed] | add)"')"
check_eq "show controller: connected again, 4 connects" "connected 4" \
	"$(ctrl '"\(.state) \(.connects)"')"
check "b1 still pings b2" ping_ok b1 10.0.0.12

# --- a controller that only gets errors is disconnected after 20 in a row ---
standin f --port "$P2" --refused 20
kill_standin d
check "the refusing stand-in ran" wait_for 15 seen f refused_done
check_eq "39 errors, the echo between answered, then closed by the switch" "39 true true" \
	"$(line f refused_done | jq -r '"\(.errors) \(.echo_answered) \(.closed)"')"
check "show controller: 20 consecutive requests refused" wait_for 5 bash -c \
	"'$VPCCTL' -s '$(sw_sock sw)' -o json show controller | jq -e '.last_loss | test(\"20 consecutive\")'"
check "state unchanged by the refused requests" test "$(ctl sw dump)" = "$dump_before"

# --- shutdown with a controller connected is clean ---
check "the switch stops cleanly" stop_switch sw
it_done
