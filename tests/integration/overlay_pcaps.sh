#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Receive-side input nobody here wrote, replayed into the underlay port over its veth:
# real VXLAN and Geneve captures from other implementations (shared/captures/tunnels, with
# the switch configured as the capture's receiving VTEP), then generated hostile frames,
# one per receive check. What is well formed is decapsulated and delivered; everything else
# is dropped with its own named counter, by exact count; the switch keeps running.
. "$(dirname "$0")/lib.sh"
it_setup

CAPS="$(cd "$(dirname "$0")/../../.." && pwd)/shared/captures/tunnels"
HERE="$(cd "$(dirname "$0")" && pwd)"
[ -d "$CAPS" ] || { echo "no captures at $CAPS (shared/ must sit beside the repository)"; exit 1; }

it_host h1 h1
it_host h2 h2
underlay_link "$h1" ul1 "$h2" ul2
ul1_mac=$(ip netns exec "$h1" cat /sys/class/net/ul1/address)

ul_drop() { ctl sw -o json show underlay | jq -r ".underlay_stats.drop_reasons.$1 // 0"; }
port_drop() { drop_count sw "$1" "$2"; }

# with_switch VTEP/LEN STATE-JSON: a fresh switch for one capture
with_switch() {
	[ -n "${SW_PID[sw]:-}" ] && stop_switch sw
	echo "$2" > "$IT_DIR/state.json"
	SW_NETNS=$h1 start_switch sw --underlay net_af_packet0,iface=ul1 --vtep "$1" \
		-f "$IT_DIR/state.json"
}

replay() {
	local f=$1
	shift
	ip netns exec "$h2" python3 "$HERE/pcap_replay.py" ul2 "$f" --dst-mac "$ul1_mac" "$@" >/dev/null
}

# --- vxlan.pcap: VNI 123, 192.168.56.11 -> .12; we are .12 ---
with_switch 192.168.56.12/24 '{
  "vpcs": [ {"name": "v", "vni": 123} ],
  "security_groups": [ {"vpc": "v", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "v", "group": "open", "direction": "ingress"},
    {"vpc": "v", "group": "open", "direction": "egress"}
  ],
  "subnets": [ {"vpc": "v", "cidr": "10.0.0.0/24", "gateway": "10.0.0.254", "gateway_mac": "02:00:00:00:00:fe"} ],
  "ports": [ {"name": "p2", "security_groups": ["open"], "vpc": "v", "mac": "4a:7f:01:3b:a2:71", "ips": ["10.0.0.2"]} ],
  "remotes": [ {"vpc": "v", "mac": "ba:09:2b:6e:f8:be", "ips": ["10.0.0.1"], "vtep": "192.168.56.11"} ]
}'
replay "$CAPS/vxlan.pcap"
check "vxlan.pcap: the 4 unicast frames from .11 reached port p2 (no VM there: port_down)" \
	wait_eq 5 4 port_drop p2 port_down
check_eq "vxlan.pcap: the inner broadcast ARP dropped as flood_blocked" 1 "$(ul_drop flood_blocked)"
check_eq "vxlan.pcap: nothing else dropped on the underlay" 1 \
	"$(ctl sw -o json show underlay | jq '.underlay_stats.drops')"
check "vxlan.pcap: the 5 frames to the other VTEP went to the kernel" \
	test "$(ctl sw -o json show underlay | jq '.exception_stats.tx_packets')" -ge 5

# --- geneve-many-options.pcap: VNI 786734, many non-critical options, we are .179.33 ---
with_switch 192.168.179.33/24 '{
  "vpcs": [ {"name": "g", "vni": 786734, "encap": "geneve"} ],
  "security_groups": [ {"vpc": "g", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "g", "group": "open", "direction": "ingress"},
    {"vpc": "g", "group": "open", "direction": "egress"}
  ],
  "subnets": [ {"vpc": "g", "cidr": "10.0.0.0/24", "gateway": "10.0.0.254", "gateway_mac": "02:00:00:00:00:fe"},
               {"vpc": "g", "cidr": "95.217.228.0/24", "gateway": "95.217.228.254", "gateway_mac": "02:00:00:00:00:fd"} ],
  "ports": [ {"name": "web", "security_groups": ["open"], "vpc": "g", "mac": "62:94:75:30:e1:8f", "ips": ["95.217.228.176"]} ],
  "remotes": [ {"vpc": "g", "mac": "26:ed:54:f8:c4:28", "ips": ["10.0.0.226"], "vtep": "192.168.33.179"} ]
}'
# as captured, every outer UDP checksum is wrong (taken before the sender's NIC filled it in)
replay "$CAPS/geneve-many-options.pcap"
check "geneve-many-options.pcap as captured: 10 bad outer UDP checksums dropped" \
	wait_eq 5 10 ul_drop outer_checksum
check_eq "geneve-many-options.pcap as captured: none delivered" 0 "$(port_drop web port_down)"
# with no UDP checksum (allowed over IPv4) the options walk decides
replay "$CAPS/geneve-many-options.pcap" --zero-udp-csum
# (mid-stream TCP: the firewall refuses what opens no connection; what it lets pass finds
# no VM connected)
past_options() { echo $(($(port_drop web port_down) + $(ul_drop ct_invalid))); }
check "geneve-many-options.pcap: the 6 frames to the local VM got through the options" \
	wait_eq 5 6 past_options
check_eq "geneve-many-options.pcap: the 4 claiming to come from our own VM: inner_src_spoof" 4 \
	"$(ul_drop inner_src_spoof)"

# hostile LABEL ENCAP VTEP/LEN OURS REMOTE: a fresh switch with VTEP/LEN serving a VPC of
# ENCAP whose remote VM sits behind REMOTE, the generated frames toward OURS replayed: one
# per check, then the good ones. Every drop reason counted exactly, the good frames
# delivered, what is not tunnel traffic left to the host kernel, the switch still running.
hostile() {
	local label=$1 encap=$2 vtep=$3 ours=$4 remote=$5 reason n total delivered=0 kernel=0
	local tap_before
	with_switch "$vtep" '{
  "vpcs": [ {"name": "h", "vni": 100, "encap": "'$encap'"} ],
  "security_groups": [ {"vpc": "h", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "h", "group": "open", "direction": "ingress"},
    {"vpc": "h", "group": "open", "direction": "egress"}
  ],
  "subnets": [ {"vpc": "h", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:00:01"} ],
  "ports": [ {"name": "p11", "security_groups": ["open"], "vpc": "h", "mac": "52:54:00:00:00:11", "ips": ["10.0.0.11"]} ],
  "remotes": [ {"vpc": "h", "mac": "52:54:00:00:00:21", "ips": ["10.0.0.21"], "vtep": "'$remote'"} ]
}'
	python3 "$HERE/gen_hostile_pcap.py" "$IT_DIR/hostile.pcap" "$ours" "$remote" 100 \
		52:54:00:00:00:21 52:54:00:00:00:11 "$encap" > "$IT_DIR/expected.txt"
	tap_before=$(ctl sw -o json show underlay | jq '.exception_stats.tx_packets')
	replay "$IT_DIR/hostile.pcap"
	while read -r reason n; do
		case $reason in
		delivered) delivered=$n ;;
		kernel) kernel=$n ;;
		esac
	done < "$IT_DIR/expected.txt"
	if [ "$delivered" -eq 1 ]; then
		check "$label: the one good frame after the hostile ones was delivered" \
			wait_eq 5 1 port_drop p11 port_down
	else
		check "$label: the $delivered good frames after the hostile ones were delivered" \
			wait_eq 5 "$delivered" port_drop p11 port_down
	fi
	while read -r reason n; do
		case $reason in delivered | kernel) continue ;; esac
		check_eq "$label: hostile frames dropped as $reason" "$n" "$(ul_drop "$reason")"
	done < "$IT_DIR/expected.txt"
	total=$(awk '$1 != "delivered" && $1 != "kernel" { s += $2 } END { print s }' \
		"$IT_DIR/expected.txt")
	check_eq "$label: no other drop on the underlay" "$total" \
		"$(ctl sw -o json show underlay | jq '.underlay_stats.drops')"
	if [ "$kernel" -gt 0 ]; then
		check "$label: the $kernel frames that are not tunnel traffic went to the kernel" \
			test "$(ctl sw -o json show underlay | jq '.exception_stats.tx_packets')" \
			-ge $((tap_before + kernel))
	fi
	check "$label: the switch still answers" ctl sw vpc show
}

# --- generated hostile input over IPv4, VXLAN then Geneve VPC ---
for encap in vxlan geneve; do
	hostile "$encap" "$encap" 192.168.70.1/24 192.168.70.1 192.168.70.2
done

# --- the same over an IPv6 underlay: the switch's VTEP and the remote one IPv6 addresses,
# with IPv6's own outer checks (payload length, version, UDP checksum over the
# pseudo-header, a first fragment: the fanout's defrag reassembles IPv4 only). The replay
# writes raw frames: host 2 needs no IPv6 of its own ---
for encap in vxlan geneve; do
	hostile "ipv6 $encap" "$encap" 2001:db8:1::1/64 2001:db8:1::1 2001:db8:1::2
done

it_done
