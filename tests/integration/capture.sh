#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vpcctl capture: pcapng that tshark reads, of a VM port's rx and tx with a BPF filter. Two
# VMs on one host: an "icmp" capture of pings among UDP holds exactly the pings, in both
# directions, whole, on an interface named after the port; a capture streams into tshark
# through a pipe; a bad filter or an unknown port starts nothing; eight sessions at most,
# freed when stopped or when their vpcctl dies; a capture with a 4-slot ring under a
# flood ping (16 in flight) loses copies, never packets; deleting the port ends its session. Then two
# hosts: the inner frames before encapsulation and after decapsulation.
. "$(dirname "$0")/lib.sh"
it_setup

start_switch sw
vpc_open "$(open_port vm1 52:54:00:00:00:01 10.0.0.11),
          $(open_port vm2 52:54:00:00:00:02 10.0.0.12)" > "$IT_DIR/state.json"
check "apply the state" ctl sw apply -f "$IT_DIR/state.json"
start_vm vm1 "$IT_DIR/vm1.sock" 52:54:00:00:00:01 10.0.0.11/24
start_vm vm2 "$IT_DIR/vm2.sock" 52:54:00:00:00:02 10.0.0.12/24
check "vm1 link up" wait_for 20 link_is sw vm1 up
check "vm2 link up" wait_for 20 link_is sw vm2 up
# static neighbours: no ARP in the captures or the counters
vm vm1 ip neigh replace 10.0.0.12 lladdr 52:54:00:00:00:02 dev eth0 nud permanent
vm vm2 ip neigh replace 10.0.0.11 lladdr 52:54:00:00:00:01 dev eth0 nud permanent
check "vm1 pings vm2" ping_ok vm1 10.0.0.12

# cap_bg NAME ARGS...: vpcctl capture in the background (pid in CAP_PID, stderr in
# NAME.err, the last line of which is the done event as JSON); returns once it runs
cap_bg() {
	local name=$1
	shift
	"$VPCCTL" -s "$(sw_sock "${CAP_SW:-sw}")" -o json capture "$@" 2> "$IT_DIR/$name.err" &
	CAP_PID=$!
	wait_for 10 grep -q "^capture [0-9]* on" "$IT_DIR/$name.err"
}
# cap_field NAME FIELD: a member of the done event
cap_field() { tail -n 1 "$IT_DIR/$1.err" | jq -r ".$2"; }
# cap_wait PID: its exit status in CAP_RC, without tripping set -e (not in a $(...): only
# this shell can wait for its children)
cap_wait() { CAP_RC=0; wait "$1" || CAP_RC=$?; }
fields() { tshark -r "$1" -T fields "${@:2}" 2>/dev/null; }

# --- an "icmp" capture of vm1, both directions, 10 packets, among UDP it must leave out ---
F=$IT_DIR/icmp.pcapng
vm vm2 timeout 20 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9999))
open("'"$IT_DIR"'/udp_ready", "w").close()
s.settimeout(3)
n = 0
try:
    while True:
        s.recv(2048)
        n += 1
        open("'"$IT_DIR"'/udp_rx", "w").write(str(n))
except socket.timeout:
    pass
' &
it_bg $!
# listening before any datagram: a closed port would answer with an ICMP error (icmp too)
check "a UDP sink listens on vm2" wait_for 10 test -e "$IT_DIR/udp_ready"
check "start an icmp capture of vm1" cap_bg icmp --port vm1 --both -c 10 -w "$F" icmp
cap=$CAP_PID
vm vm1 python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(30):
    s.sendto(b"u" * 100, ("10.0.0.12", 9999))
    time.sleep(0.05)
' &
udp=$!
vm vm1 ping -c 5 -i 0.2 -s 200 10.0.0.12 >/dev/null
wait $udp
cap_wait $cap
check_eq "vpcctl capture exits 0 after -c 10" 0 "$CAP_RC"
check_eq "done event: 10 captured" 10 "$(cap_field icmp captured)"
check_eq "done event: reason count" count "$(cap_field icmp reason)"
check "UDP did flow during the capture ($(cat "$IT_DIR/udp_rx" 2>/dev/null) datagrams)" \
	test "$(cat "$IT_DIR/udp_rx" 2>/dev/null || echo 0)" -ge 20
check_eq "tshark reads 10 packets" 10 "$(fields "$F" -e frame.number | wc -l)"
check_eq "5 echo requests received from vm1 (inbound)" 5 \
	"$(fields "$F" -Y 'icmp.type == 8 && frame.packet_flags_direction == 1' -e frame.number | wc -l)"
check_eq "5 echo replies sent to vm1 (outbound)" 5 \
	"$(fields "$F" -Y 'icmp.type == 0 && frame.packet_flags_direction == 2' -e frame.number | wc -l)"
check_eq "every frame is ping's 242 bytes (200 + ICMP + IPv4 + Ethernet), whole" "242 242" \
	"$(fields "$F" -e frame.len -e frame.cap_len | sort -u | tr '\t' ' ')"
check_eq "no UDP in it" 0 "$(fields "$F" -Y udp -e frame.number | wc -l)"
check_eq "interface named after the port" vm1 "$(fields "$F" -e frame.interface_name | sort -u)"
check_eq "interface description" "vpcswitch port vm1 rx+tx" \
	"$(fields "$F" -e frame.interface_description | sort -u)"
check "section comment names port, direction and filter" \
	grep -q "port vm1, rx+tx, filter 'icmp'" <(capinfos "$F" 2>/dev/null)
# the statistics block at the end: our interface, the 10 packets delivered
isb=$(python3 - "$F" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off, idbs, out = 0, [], "none"
while off + 12 <= len(d):
    t, n = struct.unpack_from("<II", d, off)
    if t == 1:
        idbs.append(off)
    if t == 5:
        iface = struct.unpack_from("<I", d, off + 8)[0]
        o, opts = off + 20, {}
        while o < off + n - 4:
            code, ln = struct.unpack_from("<HH", d, o)
            if code == 0:
                break
            opts[code] = d[o + 4:o + 4 + ln]
            o += 4 + (ln + 3) // 4 * 4
        deliv = struct.unpack("<Q", opts[8])[0] if 8 in opts else -1
        out = "iface=%s/%d usrdeliv=%d" % ("last" if iface == len(idbs) - 1 else "other", iface, deliv)
    off += n
print(out)
PY
)
check "statistics block on our interface: 10 delivered ($isb)" \
	test "${isb%%/*} ${isb##* }" = "iface=last usrdeliv=10"

# --- streamed into tshark through a pipe ---
("$VPCCTL" -s "$(sw_sock sw)" capture --port vm1 --rx -c 3 -w - icmp 2> "$IT_DIR/stream.err" |
	tshark -r - -T fields -e icmp.type > "$IT_DIR/stream.out" 2>/dev/null) &
stream=$!
wait_for 10 grep -q "^capture [0-9]* on" "$IT_DIR/stream.err" || true
vm vm1 ping -c 3 -i 0.2 10.0.0.12 >/dev/null
cap_wait $stream
check_eq "vpcctl | tshark -r - ends" 0 "$CAP_RC"
check_eq "tshark read the 3 echo requests from the pipe" "8 8 8" \
	"$(tr '\n' ' ' < "$IT_DIR/stream.out" | sed 's/ $//')"
check "its summary on stderr" grep -q "^3 packets captured, 0 copies dropped (count)" \
	"$IT_DIR/stream.err"

# --- a bad filter, an unknown port, no output: nothing starts ---
rc=0
out=$(ctl sw capture --port vm1 -w "$IT_DIR/bad.pcapng" tcp port 2>&1) || rc=$?
check "a bad filter fails" test "$rc" -ne 0
check "the error names the filter ($out)" grep -q "'tcp port'" <<< "$out"
check "and gives libpcap's reason" grep -q "syntax error" <<< "$out"
check "no file left behind" test ! -e "$IT_DIR/bad.pcapng"
rc=0
out=$(ctl sw capture --port nope -w "$IT_DIR/bad.pcapng" 2>&1) || rc=$?
check "an unknown port fails ($out)" test "$rc" -ne 0 -a -n "$(grep "no port 'nope'" <<< "$out")"
rc=0
out=$(ctl sw capture -w "$IT_DIR/bad.pcapng" 2>&1) || rc=$?
check_eq "no --port is a usage error" 2 "$rc"
out=$(python3 - "$(sw_sock sw)" <<'PY'
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
def call(t, body, fds=()):
    b = json.dumps(body).encode()
    msg = struct.pack("!BBHII", 1, t, 0, 12 + len(b), 7) + b
    s.sendmsg([msg], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i" * len(fds), *fds))] if fds else [])
    h = s.recv(12); v, typ, fl, ln, xid = struct.unpack("!BBHII", h)
    body = b""
    while len(body) < ln - 12: body += s.recv(ln - 12 - len(body))
    return typ, json.loads(body or b"{}")
call(0, {"versions": [1]})
t1, r1 = call(17, {"port": "vm1"})                        # no descriptor
t2, r2 = call(8, {"table": "vpc"}, [sys.stdout.fileno()]) # a descriptor with a dump
t3, r3 = call(17, {"port": "vm1"}, [0, 1])                # two descriptors
t4, r4 = call(8, {"table": "vpc"})                        # the connection still works
print(t1, r1.get("code"), t2, r2.get("code"), t3, r3.get("code"), t4)
PY
)
check_eq "protocol: no fd, an fd with another request, two fds: errors; then a dump works" \
	"1 invalid 1 bad_request 1 bad_request 9" "$out"

# --- at most eight sessions; stopped or abandoned ones free their slot ---
pids=()
for i in 1 2 3 4 5 6 7 8; do
	cap_bg "s$i" --port vm2 -s 64 --ring 16 -w "$IT_DIR/s$i.pcapng" || true
	pids+=("$CAP_PID")
done
check_eq "eight sessions run" 8 "$(grep -l '^capture [0-9]* on' "$IT_DIR"/s?.err | wc -l)"
rc=0
out=$(ctl sw capture --port vm2 -w "$IT_DIR/s9.pcapng" 2>&1) || rc=$?
check "a ninth is refused ($out)" test "$rc" -ne 0 -a -n "$(grep "too many" <<< "$out")"
kill -KILL "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
sleep 0.5
check "a vpcctl killed: its slot frees for another" \
	cap_bg s9 --port vm2 -c 1 -w "$IT_DIR/s9.pcapng"
pids+=("$CAP_PID")
vm vm1 ping -c 3 -i 0.2 10.0.0.12 >/dev/null
for i in 2 3 4 5 6 7; do kill -TERM "${pids[$((i - 1))]}"; done
s8=$(sed -n 's/^capture \([0-9]*\) on.*/\1/p' "$IT_DIR/s8.err")
check "capture --stop $s8 from another vpcctl" ctl sw capture --stop "$s8"
stopped=0
for i in 2 3 4 5 6 7 8; do
	cap_wait "${pids[$((i - 1))]}"
	[ "$CAP_RC" = 0 ] && [ "$(cap_field "s$i" reason)" = stopped ] && stopped=$((stopped + 1))
done
check_eq "SIGTERM (6) and --stop (1): seven vpcctl report their session stopped, exit 0" 7 \
	"$stopped"
cap_wait "${pids[8]}"
check_eq "the one with -c 1 ended by count" "0 count" "$CAP_RC $(cap_field s9 reason)"
check_eq "a stopped session's file holds what it captured (3 pings, rx and tx)" 6 \
	"$(fields "$IT_DIR/s2.pcapng" -e frame.number | wc -l)"

# --- a flood under a capture of everything through a 4-slot ring: copies lost, not packets ---
stat_sum() { echo $(($(port_stat sw vm1 "$1") + $(port_stat sw vm2 "$1"))); }
rx0=$(stat_sum rx_packets) tx0=$(stat_sum tx_packets) dr0=$(stat_sum drops)
check "start a capture of all of vm2 with --ring 4" \
	cap_bg flood --port vm2 --ring 4 -w "$IT_DIR/flood.pcapng"
flood=$CAP_PID
loss=$(vm vm1 ping -f -l 16 -c 5000 -s 400 10.0.0.12 | grep -o '[0-9.]*% packet loss')
check_eq "the flood ping lost nothing" "0% packet loss" "$loss"
sleep 1
kill -INT "$flood"
cap_wait "$flood"
check_eq "the capture stops on SIGINT" 0 "$CAP_RC"
rx=$(($(stat_sum rx_packets) - rx0)) tx=$(($(stat_sum tx_packets) - tx0))
check "the switch received 10000 packets from the two VMs ($rx)" test "$rx" -ge 10000
check_eq "and delivered every one" "$rx" "$tx"
check_eq "no packet dropped at either port" 0 $(($(stat_sum drops) - dr0))
matched=$(cap_field flood matched) captured=$(cap_field flood captured)
dropped=$(cap_field flood dropped)
log "flood capture: matched $matched, captured $captured, copies dropped $dropped"
check "the capture saw the flood (matched $matched)" test "$matched" -ge 10000
check_eq "every copy was written or counted as dropped" "$matched" $((captured + dropped))
check "the 4-slot ring overflowed (dropped $dropped)" test "$dropped" -gt 0
check_eq "the file holds what was captured" "$captured" \
	"$(fields "$IT_DIR/flood.pcapng" -e frame.number | wc -l)"

# --- deleting the port ends its session ---
check "start a capture of vm2" cap_bg gone --port vm2 -w "$IT_DIR/gone.pcapng"
gone=$CAP_PID
check "delete port vm2" ctl sw port del vm2
cap_wait "$gone"
check_eq "vpcctl ends, reason port_removed" "0 port_removed" "$CAP_RC $(cap_field gone reason)"
check "the switch still serves vm1" test "$(port_link sw vm1)" = up
check "the switch shuts down cleanly" stop_switch sw

# --- two hosts over VXLAN: the inner frames at encap (host 1) and decap (host 2) ---
it_host h1 h1
it_host h2 h2
underlay_link "$h1" ul1 "$h2" ul2
SW_NETNS=$h1 start_switch sw1 --underlay net_af_packet0,iface=ul1 --vtep 192.168.62.1/24
SW_NETNS=$h2 start_switch sw2 --underlay net_af_packet1,iface=ul2 --vtep 192.168.62.2/24
for h in 1 2; do
	o=$((3 - h))
	vpc_open "$(open_port "b$h" "52:54:00:00:00:1$h" "10.0.0.1$h")" \
		"$(open_remote "52:54:00:00:00:1$o" "10.0.0.1$o" "192.168.62.$o")" > "$IT_DIR/h$h.json"
	check "host $h state" ctl "sw$h" apply -f "$IT_DIR/h$h.json"
	start_vm "b$h" "$IT_DIR/b$h.sock" "52:54:00:00:00:1$h" "10.0.0.1$h/24"
	vm "b$h" ip link set eth0 mtu 1450
done
check "b1 pings b2 across the hosts" wait_for 20 ping_ok b1 10.0.0.12 1
CAP_SW=sw1 cap_bg enc --port b1 --point encap -c 3 -w "$IT_DIR/enc.pcapng" icmp
enc=$CAP_PID
CAP_SW=sw2 cap_bg dec --port b2 --point decap -c 3 -w "$IT_DIR/dec.pcapng" icmp
dec=$CAP_PID
CAP_SW=sw1 cap_bg ul --port underlay --point decap -c 3 -w "$IT_DIR/ul.pcapng" icmp
ul=$CAP_PID
vm b1 ping -c 3 -i 0.2 10.0.0.12 >/dev/null
cap_wait $enc
check_eq "encap capture of b1 ends by count" "0 count" "$CAP_RC $(cap_field enc reason)"
cap_wait $dec
check_eq "decap capture of b2 ends by count" "0 count" "$CAP_RC $(cap_field dec reason)"
cap_wait $ul
check_eq "decap capture of host 1's underlay ends by count" "0 count" \
	"$CAP_RC $(cap_field ul reason)"
for f in enc dec; do
	check_eq "$f: the 3 inner echo requests b1 -> b2, 98 bytes, no tunnel header" \
		"3 10.0.0.11 10.0.0.12 98 0" \
		"$(fields "$IT_DIR/$f.pcapng" -Y 'icmp.type == 8' -e ip.src -e ip.dst -e frame.len |
			sort | uniq -c | awk '{print $1, $2, $3, $4}') $(fields "$IT_DIR/$f.pcapng" \
			-Y 'vxlan || udp' -e frame.number | wc -l)"
done
check_eq "encap: all outbound, on b1 before encap" "3 vpcswitch port b1 before encap" \
	"$(fields "$IT_DIR/enc.pcapng" -Y 'frame.packet_flags_direction == 2' \
		-e frame.interface_description | sort | uniq -c | awk '{$1 = $1; print}')"
check_eq "decap: all inbound, on b2 after decap" "3 vpcswitch port b2 after decap" \
	"$(fields "$IT_DIR/dec.pcapng" -Y 'frame.packet_flags_direction == 1' \
		-e frame.interface_description | sort | uniq -c | awk '{$1 = $1; print}')"
check_eq "underlay decap on host 1: the 3 replies to b1" "3 10.0.0.12 10.0.0.11" \
	"$(fields "$IT_DIR/ul.pcapng" -Y 'icmp.type == 0' -e ip.src -e ip.dst | sort | uniq -c |
		awk '{print $1, $2, $3}')"

it_done
