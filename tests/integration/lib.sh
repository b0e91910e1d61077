# SPDX-License-Identifier: BSD-3-Clause
# Shared harness of the integration tests: hugepages, switches (the real vpcswitchd), VMs
# (vmnic: virtio_user on the switch's socket bridged to a tap inside a network namespace),
# assertions that count, and a cleanup that leaves nothing behind. Source it, call
# it_setup, write checks with ok/fail/check, end with it_done.

set -euo pipefail

: "${VPCSWITCHD:?set VPCSWITCHD to the vpcswitchd binary}"
: "${VPCCTL:?set VPCCTL to the vpcctl binary}"
: "${VMNIC:?set VMNIC to the vmnic binary}"

IT_NAME=$(basename "$0" .sh)
IT_PREFIX="vsit$$"
IT_DIR=""
IT_PASSED=0
IT_FAILED=0
declare -A SW_PID=() VM_PID=() VM_NS=()
IT_BG_PIDS=()   # other background helpers of a test (it_bg), ended at cleanup
IT_NETNS=()     # namespaces a test made itself (it_host), deleted at cleanup
IT_ATEXIT=()    # commands that undo what a test started outside this harness (it_atexit)

log() { echo "[$IT_NAME $(date +%H:%M:%S)] $*" >&2; }

ok() { IT_PASSED=$((IT_PASSED + 1)); echo "ok - $*"; }
fail() { IT_FAILED=$((IT_FAILED + 1)); echo "FAIL - $*"; }
# check "description" command...: passes when the command succeeds
check() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi
}
# check_eq "description" expected actual
check_eq() {
	local shown=$3
	[ ${#shown} -le 60 ] || shown="${shown:0:57}..."
	if [ "$2" = "$3" ]; then ok "$1 ($shown)"; else fail "$1: expected '$2', got '$3'"; fi
}

hugepages_setup() {
	local f=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	[ "$(cat $f)" -ge 1024 ] || echo 1024 > $f
	mkdir -p /dev/hugepages
	mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages
}

# it_bg PID: end this background process with the test
it_bg() { IT_BG_PIDS+=("$1"); }

# it_atexit "COMMAND": run at cleanup, before the switches and namespaces go
it_atexit() { IT_ATEXIT+=("$1"); }

# it_host VAR NAME: a namespace standing for a host, deleted with the test, IPv6 chatter
# off (exact counters); its name goes into $VAR. Not in a $(...): the cleanup list must
# grow in this shell.
it_host() {
	local ns="${IT_PREFIX}_$2"
	ip netns add "$ns"
	IT_NETNS+=("$ns")
	ip netns exec "$ns" ip link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	printf -v "$1" '%s' "$ns"
}

# underlay_link NS1 DEV1 NS2 DEV2: a veth between two hosts, offloads off on both ends (a
# kernel peer would otherwise send unfinished checksums and oversized segments)
underlay_link() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	for end in "$1 $2" "$3 $4"; do
		set -- $end
		ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
		ip netns exec "$1" ip link set "$2" up
	done
}

it_cleanup() {
	local rc=$?
	set +e
	for pid in "${IT_BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for cmd in "${IT_ATEXIT[@]}"; do eval "$cmd" >/dev/null 2>&1; done
	# VMs first: virtio_user's own teardown can abort when its backend vanishes meanwhile
	for vm in "${!VM_PID[@]}"; do kill -INT "${VM_PID[$vm]}" 2>/dev/null; done
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		alive=0
		for vm in "${!VM_PID[@]}"; do kill -0 "${VM_PID[$vm]}" 2>/dev/null && alive=1; done
		[ "$alive" -eq 0 ] && break
		sleep 0.2
	done
	for vm in "${!VM_PID[@]}"; do kill -KILL "${VM_PID[$vm]}" 2>/dev/null; done
	for sw in "${!SW_PID[@]}"; do kill -TERM "${SW_PID[$sw]}" 2>/dev/null; done
	sleep 1
	for sw in "${!SW_PID[@]}"; do kill -KILL "${SW_PID[$sw]}" 2>/dev/null; done
	# whatever else still runs in the test's namespaces (servers in VMs) ends with them
	for ns in "${VM_NS[@]}" "${IT_NETNS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	done
	for vm in "${!VM_NS[@]}"; do ip netns del "${VM_NS[$vm]}" 2>/dev/null; done
	for ns in "${IT_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	rm -f /dev/hugepages/"${IT_PREFIX}"* 2>/dev/null
	rm -rf /var/run/dpdk/"${IT_PREFIX}"* 2>/dev/null
	if [ "$rc" -ne 0 ] && [ -n "$IT_DIR" ]; then
		for f in "$IT_DIR"/*.log; do
			[ -f "$f" ] && { echo "--- $f (tail)"; tail -n 30 "$f"; }
		done
	fi
	[ -n "$IT_DIR" ] && [ -z "${IT_KEEP:-}" ] && rm -rf "$IT_DIR"
	exit "$rc"
}

it_setup() {
	[ "$(id -u)" -eq 0 ] || { echo "integration tests need root"; exit 1; }
	hugepages_setup
	IT_DIR=$(mktemp -d /tmp/vsit.XXXXXX)
	trap it_cleanup EXIT
	trap 'exit 130' INT TERM
}

it_done() {
	echo "$IT_NAME: $IT_PASSED passed, $IT_FAILED failed"
	[ "$IT_FAILED" -eq 0 ]
}

# wait_for SECONDS command...: polls every 0.2 s until the command succeeds
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# wait_eq SECONDS EXPECTED command...: polls every 0.2 s until the command prints EXPECTED
# (wait_for with a "$(...)" argument would evaluate it once, before waiting)
wait_eq() {
	local deadline=$((SECONDS + $1)) want=$2
	shift 2
	until [ "$("$@" 2>/dev/null)" = "$want" ]; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# wait_ready PID LOG PATTERN: the process printed PATTERN (30 s), and did not die first
wait_ready() {
	local deadline=$((SECONDS + 30))
	until grep -q "$3" "$2"; do
		kill -0 "$1" 2>/dev/null || return 1
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# ctrl_net N ADDR...: hosts for controller tests. Namespace "fabric" bridges the underlay,
# namespace "ctl" (for controllers) bridges a management network holding ADDR.../24; hosts
# h1..hN each get an underlay port ul0 and a management port mg0 (172.31.0.n/24), so a
# switch reaches its controller without the underlay. Sets $fab, $cns and $h1..$hN.
ctrl_net() {
	local n=$1 ns a
	shift
	it_host fab fabric
	it_host cns ctl
	ip netns exec "$fab" ip link add br0 type bridge
	ip netns exec "$fab" ip link set br0 up
	ip netns exec "$cns" ip link add br0 type bridge
	for a in "$@"; do ip netns exec "$cns" ip addr add "$a/24" dev br0; done
	ip netns exec "$cns" ip link set br0 up
	for i in $(seq 1 "$n"); do
		it_host "h$i" "h$i"
		ns=${IT_PREFIX}_h$i
		underlay_link "$ns" ul0 "$fab" "ul$i"
		ip netns exec "$fab" ip link set "ul$i" master br0
		ip link add mg0 netns "$ns" type veth peer name "mg$i" netns "$cns"
		ip netns exec "$ns" ip addr add "172.31.0.$i/24" dev mg0
		ip netns exec "$ns" ip link set mg0 up
		ip netns exec "$cns" ip link set "mg$i" master br0
		ip netns exec "$cns" ip link set "mg$i" up
	done
}

# ctrl_topology N: the controller tests' desired state, one VPC blue (10.0.0.0/24) whose
# group "open" allows everything, hosts h1..hN (VTEP 192.168.60.i) and a port vmI on each
# (MAC 52:54:00:00:00:1I, 10.0.0.1I)
ctrl_topology() {
	local n=$1 i hosts="" ports=""
	for i in $(seq 1 "$n"); do
		hosts+="${hosts:+, }{\"name\": \"h$i\", \"vtep\": \"192.168.60.$i\"}"
		ports+="${ports:+, }{\"name\": \"vm$i\", \"vpc\": \"blue\", \"mac\": \"52:54:00:00:00:1$i\", \"ips\": [\"10.0.0.1$i\"], \"security_groups\": [\"open\"], \"host\": \"h$i\"}"
	done
	cat <<JSON
{
  "hosts": [ $hosts ],
  "vpcs": [ {"name": "blue", "vni": 100} ],
  "security_groups": [ {"vpc": "blue", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "open", "direction": "ingress"},
    {"vpc": "blue", "group": "open", "direction": "egress"} ],
  "subnets": [ {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1",
                "gateway_mac": "02:00:00:00:00:01"} ],
  "ports": [ $ports ]
}
JSON
}

# ---- switches ----

sw_sock() { echo "$IT_DIR/$1.ctl"; }
ctl() { local sw=$1; shift; "$VPCCTL" -s "$(sw_sock "$sw")" "$@"; }

# start_switch NAME [vpcswitchd options...]: one worker on core 1, control on core 0;
# SW_NETNS=ns runs it inside that network namespace (a host with its own underlay)
start_switch() {
	local name=$1 in_ns=()
	shift
	[ -n "${SW_NETNS:-}" ] && in_ns=(ip netns exec "$SW_NETNS")
	: > "$IT_DIR/$name.log"
	"${in_ns[@]}" "$VPCSWITCHD" -l 0,1 --no-pci --file-prefix "${IT_PREFIX}_$name" -m 256 -- \
		-s "$(sw_sock "$name")" -d "$IT_DIR" --idle-sleep-us 50 --max-connections 65536 "$@" \
		>> "$IT_DIR/$name.log" 2>&1 &
	SW_PID[$name]=$!
	if ! wait_ready "${SW_PID[$name]}" "$IT_DIR/$name.log" "vpcswitchd: ready"; then
		log "switch $name did not start"
		cat "$IT_DIR/$name.log" >&2
		return 1
	fi
}

# stop_switch NAME: SIGTERM, returns the daemon's exit status
stop_switch() {
	local name=$1 pid=${SW_PID[$1]} rc=0
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	unset "SW_PID[$name]"
	return $rc
}

# rejected CMD... EXPECTED-TEXT: vpcctl CMD on switch "sw" (or $REJECT_SW) fails, says
# EXPECTED-TEXT, and the state is unchanged
rejected() {
	local expect=${*: -1} before after out rc=0 sw=${REJECT_SW:-sw}
	before=$(ctl "$sw" dump)
	out=$(ctl "$sw" "${@:1:$#-1}" 2>&1) || rc=$?
	after=$(ctl "$sw" dump)
	if [ "$rc" -ne 0 ] && [[ "$out" == *"$expect"* ]] && [ "$before" = "$after" ]; then
		ok "refused: ${*:1:$#-1} -> $out"
	else
		fail "vpcctl ${*:1:$#-1}: rc=$rc out='$out' (wanted '$expect'), state changed: $([ "$before" = "$after" ] && echo no || echo yes)"
	fi
}

# sb_hello SWITCH: the body of the switch's hello reply on its management socket (JSON)
sb_hello() {
	python3 - "$(sw_sock "$1")" <<'PY'
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
b = json.dumps({"versions": [1]}).encode()
s.sendall(struct.pack("!BBHII", 1, 0, 0, 12 + len(b), 1) + b)
d = b""
while len(d) < 12 or len(d) < struct.unpack("!I", d[4:8])[0]:
    d += s.recv(65536)
print(d[12:].decode())
PY
}

# ---- a controller stand-in (ctrl_standin.py) ----

# free_tcp_port: a TCP port nothing listens on at 127.0.0.1
free_tcp_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}

# standin NAME ARGS...: a stand-in controller in the background (ended with the test), its
# JSON lines in $IT_DIR/NAME.out; returns once it listens
declare -A SI_PID=()
standin() {
	local name=$1
	shift
	python3 "${CTRL_STANDIN:-$(dirname "$0")/ctrl_standin.py}" "$@" \
		> "$IT_DIR/$name.out" 2> "$IT_DIR/$name.log" &
	SI_PID[$name]=$!
	it_bg "${SI_PID[$name]}"
	wait_for 10 grep -q '"listening"' "$IT_DIR/$name.out"
}
kill_standin() { kill -KILL "${SI_PID[$1]}" 2>/dev/null; wait "${SI_PID[$1]}" 2>/dev/null || true; }
# seen NAME WHAT: the stand-in wrote a line {"what": WHAT}
seen() { grep -q "\"what\": \"$2\"" "$IT_DIR/$1.out"; }
# line NAME WHAT: its last such line
line() { grep "\"what\": \"$2\"" "$IT_DIR/$1.out" | tail -n 1; }

# ---- state ----

# open_port NAME MAC IP: a port of VPC blue in the allow-everything group
open_port() {
	printf '{"name": "%s", "security_groups": ["open"], "vpc": "blue", "mac": "%s", "ips": ["%s"]}' \
		"$1" "$2" "$3"
}
# open_remote MAC IP VTEP: a VM of VPC blue on another host, in the same group
open_remote() {
	printf '{"vpc": "blue", "mac": "%s", "ips": ["%s"], "vtep": "%s", "security_groups": ["open"]}' \
		"$1" "$2" "$3"
}
# vpc_open PORTS [REMOTES]: the state most tests start from, one VPC blue (VNI 100,
# 10.0.0.0/24, gateway 10.0.0.1) whose group "open" allows everything, with these rows
# (comma-separated open_port / open_remote output)
vpc_open() {
	cat <<JSON
{
  "vpcs": [ {"name": "blue", "vni": 100} ],
  "security_groups": [ {"vpc": "blue", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "open", "direction": "ingress"},
    {"vpc": "blue", "group": "open", "direction": "egress"}
  ],
  "subnets": [
    {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:00:01"}
  ],
  "ports": [ $1 ],
  "remotes": [ ${2:-} ]
}
JSON
}

# ---- VMs ----

vm_ns() { echo "${VM_NS[$1]}"; }
vm() { local name=$1; shift; ip netns exec "${VM_NS[$name]}" "$@"; }

# launch_vm NAME SOCKET [server|client] [QUEUES]: start the VM's NIC process.
#   The mode is the VM's side: "client" connects to a switch that serves the socket,
#   "server" listens (QEMU's usual role) for a switch port in client mode; a server-mode
#   virtio_user waits in its probe until the switch connects, so vm_up comes after that.
launch_vm() {
	local name=$1 sock=$2 mode=${3:-client} queues=${4:-1}
	local ns="${IT_PREFIX}_$name" server=""
	[ "$mode" = server ] && server=",server=1"
	ip netns list | grep -qw "$ns" || ip netns add "$ns"
	VM_NS[$name]=$ns
	# a quiet guest: no IPv6 autoconfiguration chatter in the counters
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$ns" ip link set lo up
	: > "$IT_DIR/vm-$name.log"
	ip netns exec "$ns" "$VMNIC" -l 0 --no-pci --in-memory --file-prefix "${IT_PREFIX}_$name" \
		--vdev "net_virtio_user0,path=$sock,queues=$queues,queue_size=1024$server" \
		--vdev "net_tap0,iface=eth0" -- --queues "$queues" --idle-sleep-us 200 \
		>> "$IT_DIR/vm-$name.log" 2>&1 &
	VM_PID[$name]=$!
}

# vm_up NAME MAC IP/LEN: wait until the VM's NIC runs, then address its eth0
vm_up() {
	local name=$1 mac=$2 ip=$3
	if ! wait_ready "${VM_PID[$name]}" "$IT_DIR/vm-$name.log" "vmnic: ready"; then
		log "VM $name did not start"
		cat "$IT_DIR/vm-$name.log" >&2
		return 1
	fi
	vm "$name" ip link set eth0 address "$mac"
	vm "$name" ip addr add "$ip" dev eth0
	vm "$name" ip link set eth0 up
}

# start_vm NAME SOCKET MAC IP/LEN [server|client] [QUEUES]
start_vm() {
	launch_vm "$1" "$2" "${5:-client}" "${6:-1}"
	vm_up "$1" "$3" "$4"
}

# vm_ipv6 NAME IP6/LEN: IPv6 on the VM's eth0 (quiet guests start without), usable at once
vm_ipv6() {
	vm "$1" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
	vm "$1" ip -6 addr add "$2" dev eth0 nodad
}

stop_vm() {
	local name=$1
	kill -INT "${VM_PID[$name]}" 2>/dev/null || true
	wait "${VM_PID[$name]}" 2>/dev/null || true
	unset "VM_PID[$name]"
}

# ---- observations ----

port_json() { ctl "$1" -o json port show "$2"; }
port_link() { port_json "$1" "$2" | jq -r '.[0].link'; }
link_is() { [ "$(port_link "$1" "$2")" = "$3" ]; }
# port_stat SWITCH PORT FIELD: a counter of stats (rx_packets, tx_packets, drops, ...)
port_stat() { port_json "$1" "$2" | jq -r ".[0].stats.$3"; }
# drop_count SWITCH PORT REASON
drop_count() {
	ctl "$1" -o json show drops --port "$2" | jq -r ".[] | select(.reason == \"$3\") | .count"
}

# ping_ok VM DEST [COUNT]
ping_ok() { vm "$1" ping -c "${3:-3}" -i 0.2 -W 2 "$2" >/dev/null 2>&1; }

# iperf_bytes CLIENT_VM SERVER_VM SERVER_IP SECONDS: bytes the server received over TCP
iperf_bytes() {
	local out
	vm "$2" iperf3 -s -1 -D -p 5201 --logfile "$IT_DIR/iperf-$2.log"
	sleep 0.5
	out=$(vm "$1" timeout 60 iperf3 -c "$3" -p 5201 -t "$4" -J 2>/dev/null) || true
	echo "$out" | jq -r '.end.sum_received.bytes // 0' 2>/dev/null || echo 0
}
