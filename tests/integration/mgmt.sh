#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The management interface under bad input: every malformed or inconsistent vpcctl command
# fails with a message naming what is wrong and leaves the state exactly as it was; raw
# protocol abuse (sb_raw.py) does the same; `vpcctl apply -f` is idempotent and removes
# what the file no longer lists; -o json works on every command.
. "$(dirname "$0")/lib.sh"
it_setup
start_switch sw

ctl sw vpc add blue vni 100 >/dev/null
ctl sw subnet add blue 10.0.0.0/24 gateway 10.0.0.1 gateway-mac 02:00:00:00:00:01 >/dev/null
ctl sw port add vm1 vpc blue mac 52:54:00:00:00:01 ip 10.0.0.11 >/dev/null

rejected port add vm2 vpc green mac 52:54:00:00:00:02 ip 10.0.0.12 "no vpc 'green'"
rejected port add vm2 vpc blue mac 52:54:00:00:00:01 ip 10.0.0.12 "port.mac"
rejected port add vm2 vpc blue mac 52:54:00:00:00:02 ip 10.1.0.12 "outside every subnet"
rejected port add vm2 vpc blue mac 52:54:00:00:00:02 ip 10.0.0.11 "already used by port 'vm1'"
rejected port add vm2 vpc blue mac 52:54:00:00:00:02 ip 10.0.0.1 "gateway"
rejected port add vm2 vpc blue mac 01:00:5e:00:00:02 ip 10.0.0.12 "unicast"
rejected port add vm2 vpc blue mac 52:54:00:00:00:2 ip 10.0.0.12 "not a MAC address"
rejected port add vm2 vpc blue mac 52:54:00:00:00:02 ip 10.0.0.300 "not an IP address"
rejected port add vm2 vpc blue mac 52:54:00:00:00:02 queues 99 "port.queues"
rejected port add vm2 vpc blue mac 52:54:00:00:00:02 mode both "port.mode"
rejected port add vm2 vpc blue mac 52:54:00:00:00:02 socket relative.sock "absolute path"
rejected port add vm2 vpc blue mac 52:54:00:00:00:02 socket /nonexistent-dir/x.sock "directory"
rejected port add vm1 vpc blue mac 52:54:00:00:00:03 "already exists"
rejected port add 'bad name' vpc blue mac 52:54:00:00:00:03 "not a valid name"
rejected vpc add blue vni 101 "already exists"
rejected vpc add green vni 100 "vni 100 is already used"
rejected vpc add green vni 16777216 "out of range"
rejected vpc del blue "still has port 'vm1'"
rejected vpc del nothere "no vpc 'nothere'"
rejected subnet add blue 10.0.0.0/16 gateway 10.0.0.1 gateway-mac 02:00:00:00:00:01 "overlaps"
rejected subnet add blue 10.1.0.5/24 gateway 10.1.0.1 gateway-mac 02:00:00:00:00:01 "host bits"
rejected subnet add blue 10.1.0.0/24 gateway 10.2.0.1 gateway-mac 02:00:00:00:00:01 "not a host address"
rejected subnet del blue 10.0.0.0/24 "still used by port 'vm1'"
rejected port del vm9 "no port 'vm9'"
rejected port add vmd vpc blue mac 52:54:00:00:00:0d dpdk net_null9 socket "$IT_DIR/d.sock" "not both"
rejected port add vmd vpc blue mac 52:54:00:00:00:0d dpdk net_null9 queues 2 "1 queue"
rejected port add vmd vpc blue mac 52:54:00:00:00:0d dpdk no_such_driver0 "cannot probe"

# a port on a DPDK device instead of a vhost-user socket: up at once, and removable
check "a port on a DPDK device (net_null)" ctl sw port add vmd vpc blue mac 52:54:00:00:00:0d dpdk net_null9
check_eq "it is up" up "$(port_link sw vmd)"
check "it is removed again" ctl sw port del vmd
check "and its device can be used again" ctl sw port add vmd vpc blue mac 52:54:00:00:00:0d dpdk net_null9
check "removed for the rest of the test" ctl sw port del vmd

out=$(ctl sw frobnicate 2>&1) && fail "unknown command accepted" || ok "unknown command refused: $out"
out=$(ctl sw port add 2>&1) && fail "port add without a name accepted" || ok "missing argument: $out"

# --- raw protocol abuse: nothing changes, and the daemon's memory stays bounded ---
rss() { awk '/^VmRSS/ { print $2 }' "/proc/${SW_PID[sw]}/status"; }
rss_before=$(rss)
if python3 "$SB_RAW" "$(sw_sock sw)" > "$IT_DIR/sb_raw.out" 2>&1; then
	ok "protocol-level checks (sb_raw.py)"
else
	fail "protocol-level checks (sb_raw.py)"
fi
sed 's/^/    /' "$IT_DIR/sb_raw.out"
check "the switch is still serving" ctl sw vpc show
growth=$(( ($(rss) - rss_before) / 1024 ))
check "its memory grew by at most 100 MiB under the abuse (${growth} MiB)" test "$growth" -le 100

# --- apply: idempotent, and removes what the file dropped ---
cat > "$IT_DIR/state.json" <<EOF
{
  "vpcs": [ {"name": "blue", "vni": 100}, {"name": "red", "vni": 200} ],
  "security_groups": [ {"vpc": "blue", "name": "open"}, {"vpc": "red", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "open", "direction": "ingress"},
    {"vpc": "blue", "group": "open", "direction": "egress"},
    {"vpc": "red", "group": "open", "direction": "ingress"},
    {"vpc": "red", "group": "open", "direction": "egress"}
  ],
  "subnets": [ {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1",
                "gateway_mac": "02:00:00:00:00:01"},
               {"vpc": "red", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1",
                "gateway_mac": "02:00:00:00:00:01"} ],
  "ports": [
    {"name": "vm1", "vpc": "blue", "mac": "52:54:00:00:00:01", "ips": ["10.0.0.11"]},
    {"name": "vm2", "security_groups": ["open"], "vpc": "blue", "mac": "52:54:00:00:00:02", "ips": ["10.0.0.12"]},
    {"name": "vm3", "security_groups": ["open"], "vpc": "red", "mac": "52:54:00:00:00:01", "ips": ["10.0.0.11"]}
  ]
}
EOF
first=$(ctl sw -o json apply -f "$IT_DIR/state.json")
check_eq "first apply adds 2 ports" 2 "$(echo "$first" | jq .port.added)"
check_eq "first apply keeps vm1 as it was" 1 "$(echo "$first" | jq .port.unchanged)"
serving=$(grep -c "vm1.sock: serving" "$IT_DIR/sw.log")
second=$(ctl sw -o json apply -f "$IT_DIR/state.json")
check_eq "second apply changes nothing" "0 0 0 0" \
	"$(echo "$second" | jq -r '[.vpc.added, .port.added, .port.removed, .subnet.removed] | join(" ")')"
check_eq "vm1's socket was not recreated" "$serving" "$(grep -c "vm1.sock: serving" "$IT_DIR/sw.log")"
jq 'del(.ports[] | select(.name == "vm2"))' "$IT_DIR/state.json" > "$IT_DIR/state2.json"
third=$(ctl sw -o json apply -f "$IT_DIR/state2.json")
check_eq "a port dropped from the file is removed" 1 "$(echo "$third" | jq .port.removed)"
check "and its socket is gone" test ! -e "$IT_DIR/vm2.sock"
# the dump adds the defaults the file left out
check_eq "the dump equals the file" \
	"$(jq -S '. + {remotes: [], routes: [], ecmp_groups: [], dhcp_options: [], load_balancers: [],
		lb_listeners: [], lb_backends: []} | .vpcs |= map(. + {encap: "vxlan", mtu: 1450}) |
		.security_group_rules |= map(. + {protocol: "any"}) |
		.ports |= map(. + {security_groups: (.security_groups // [])})' "$IT_DIR/state2.json" |
		jq -S '.ports |= map(del(.socket, .mode, .queues))')" \
	"$(ctl sw dump | jq -S '.ports |= map(del(.socket, .mode, .queues))')"
echo '{"vpcs": [{"name": "x", "vni": 100}], "ports": [{"name": "vm1"}]}' > "$IT_DIR/bad.json"
before=$(ctl sw dump)
out=$(ctl sw apply -f "$IT_DIR/bad.json" 2>&1) && fail "bad file applied" || ok "bad file refused: $out"
check_eq "a refused apply changes nothing" "$before" "$(ctl sw dump)"
echo '{"vpcs": [' > "$IT_DIR/broken.json"
out=$(ctl sw apply -f "$IT_DIR/broken.json" 2>&1) && fail "broken JSON applied" || ok "broken JSON refused: $out"

# --- every command speaks JSON ---
for cmd in "vpc show" "subnet show" "port show" "port show vm1" "show counters" "show drops" \
	"show drops --port vm1" "show workers" "dump" "dump port"; do
	check "-o json $cmd parses" bash -c "$VPCCTL -s $(sw_sock sw) -o json $cmd | jq -e . >/dev/null"
done
check "-o json vpc add prints a result" bash -c \
	"$VPCCTL -s $(sw_sock sw) -o json vpc add green vni 300 | jq -e '.applied == 1'"
out=$(ctl sw -o json vpc add green vni 300 2>&1 >/dev/null) || true
check "-o json errors are JSON with a code" bash -c "echo '$out' | jq -e '.code == \"exists\"'"

it_done
