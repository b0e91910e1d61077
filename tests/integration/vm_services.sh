#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# What a VM expects from its network, served by the switch: a VM namespace that boots with no
# address runs the real ISC dhclient (DHCPv4 and DHCPv6) and the kernel's own router
# discovery, and ends up with the address, gateway, MTU and DNS servers the control plane
# configured; neighbour discovery of the gateway is answered without any flooding.
. "$(dirname "$0")/lib.sh"
it_setup

start_switch sw
cat > "$IT_DIR/state.json" <<JSON
{
  "vpcs": [ {"name": "blue", "vni": 100, "mtu": 1400} ],
  "security_groups": [ {"vpc": "blue", "name": "open"} ],
  "security_group_rules": [
    {"vpc": "blue", "group": "open", "direction": "ingress"},
    {"vpc": "blue", "group": "open", "direction": "egress"} ],
  "subnets": [
    {"vpc": "blue", "cidr": "10.1.0.0/24", "gateway": "10.1.0.1", "gateway_mac": "02:00:00:00:01:01"},
    {"vpc": "blue", "cidr": "fd01::/64", "gateway": "fd01::1", "gateway_mac": "02:00:00:00:01:06"} ],
  "dhcp_options": [
    {"vpc": "blue", "subnet": "10.1.0.0/24", "dns": ["10.1.0.2", "10.1.0.3"], "domain": "blue.internal",
     "lease_time": 3600, "routes": [ {"prefix": "172.16.0.0/12", "router": "10.1.0.1"} ]},
    {"vpc": "blue", "subnet": "fd01::/64", "dns": ["fd01::53"], "domain": "blue.internal"} ],
  "ports": [
    {"name": "g", "vpc": "blue", "mac": "52:54:00:00:01:60", "ips": ["10.1.0.60", "fd01::60"],
     "security_groups": ["open"]},
    {"name": "h", "vpc": "blue", "mac": "52:54:00:00:01:70", "ips": ["10.1.0.70", "fd01::70"],
     "security_groups": ["open"]} ]
}
JSON
check "state with DHCP options" ctl sw apply -f "$IT_DIR/state.json"

# dhclient runs its script with only its own variables: the hook writes them where the
# test reads them, and applies the lease as the stock dhclient-script would (without
# touching this machine's /etc/resolv.conf)
cat > "$IT_DIR/hook.sh" <<'HOOK'
#!/bin/bash
out=OUTFILE
{ echo "reason=$reason"; env | grep -E '^(new_|old_)' | sort; } >> "$out"
mask_len() {
	local IFS=. n=0 o
	for o in $1; do
		while [ "$o" -gt 0 ]; do n=$((n + (o & 1))); o=$((o >> 1)); done
	done
	echo $n
}
case $reason in
BOUND|RENEW|REBIND|REBOOT)
	ip link set "$interface" mtu "${new_interface_mtu:-1500}"
	ip addr add "$new_ip_address/$(mask_len "$new_subnet_mask")" dev "$interface"
	for r in $new_routers; do ip route replace default via "$r" dev "$interface"; break; done
	;;
BOUND6|RENEW6|REBIND6|REBOOT6)
	ip -6 addr add "$new_ip6_address/${new_ip6_prefixlen:-128}" dev "$interface" nodad
	;;
esac
exit 0
HOOK
sed -i "s|OUTFILE|$IT_DIR/lease.env|" "$IT_DIR/hook.sh"
chmod +x "$IT_DIR/hook.sh"

launch_vm g "$IT_DIR/g.sock"
wait_ready "${VM_PID[g]}" "$IT_DIR/vm-g.log" "vmnic: ready"
vm g ip link set eth0 address 52:54:00:00:01:60
vm g ip link set eth0 up
start_vm h "$IT_DIR/h.sock" 52:54:00:00:01:70 10.1.0.70/24
check "g up" wait_for 20 link_is sw g up
check "h up" wait_for 20 link_is sw h up
check "g has no IPv4 address before DHCP" test -z "$(vm g ip -4 -o addr show dev eth0)"

it_atexit "kill \$(cat $IT_DIR/g4.pid $IT_DIR/g6.pid 2>/dev/null)"
vm g timeout 30 dhclient -4 -1 -sf "$IT_DIR/hook.sh" -lf "$IT_DIR/g4.leases" \
	-pf "$IT_DIR/g4.pid" eth0 > "$IT_DIR/dhclient4.log" 2>&1 || true
check_eq "DHCPv4: the configured address" "10.1.0.60/24" \
	"$(vm g ip -4 -o addr show dev eth0 | awk '{print $4}')"
check_eq "DHCPv4: default route via the gateway" "10.1.0.1" \
	"$(vm g ip -4 route show default | awk '{print $3}')"
check_eq "DHCPv4: the VPC's MTU" "1400" "$(vm g cat /sys/class/net/eth0/mtu)"
check_eq "DHCPv4: DNS servers" "new_domain_name_servers=10.1.0.2 10.1.0.3" \
	"$(grep -m1 '^new_domain_name_servers=' "$IT_DIR/lease.env")"
check_eq "DHCPv4: domain" "new_domain_name=blue.internal" \
	"$(grep -m1 '^new_domain_name=' "$IT_DIR/lease.env")"
check "DHCPv4: classless static route 172.16.0.0/12 via the gateway" \
	grep -q '^new_rfc3442_classless_static_routes=.*12 172 16 10 1 0 1' "$IT_DIR/lease.env"
check_eq "DHCPv4: lease time" "new_dhcp_lease_time=3600" \
	"$(grep -m1 '^new_dhcp_lease_time=' "$IT_DIR/lease.env")"
check "g pings h with its leased address" ping_ok g 10.1.0.70
check "g pings its gateway" ping_ok g 10.1.0.1

# IPv6: the kernel's router discovery gives the default route, DHCPv6 the address
vm g sysctl -qw net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.accept_ra=1
vm g sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
check "RA: default route via the gateway's link-local address" \
	wait_for 15 sh -c "ip netns exec $(vm_ns g) ip -6 route show default | grep -q 'via fe80::'"
vm g rdisc6 -1 -w 2000 eth0 > "$IT_DIR/rdisc6.log" 2>&1 || true
check "RA: managed (stateful DHCPv6)" grep -Eq 'Stateful address conf.*Yes' "$IT_DIR/rdisc6.log"
check "RA: MTU 1400" grep -Eq 'MTU +: +1400' "$IT_DIR/rdisc6.log"
check "RA: on-link prefix fd01::/64" grep -Eq 'Prefix +: +fd01::/64' "$IT_DIR/rdisc6.log"
vm g timeout 30 dhclient -6 -1 -sf "$IT_DIR/hook.sh" -lf "$IT_DIR/g6.leases" \
	-pf "$IT_DIR/g6.pid" eth0 > "$IT_DIR/dhclient6.log" 2>&1 || true
check "DHCPv6: the configured address" \
	sh -c "ip netns exec $(vm_ns g) ip -6 -o addr show dev eth0 | grep -q 'fd01::60/'"
check_eq "DHCPv6: DNS server" "new_dhcp6_name_servers=fd01::53" \
	"$(grep -m1 '^new_dhcp6_name_servers=' "$IT_DIR/lease.env")"

vm_ipv6 h fd01::70/64
check "IPv6: g pings h (neighbour discovery answered by the switch)" \
	wait_for 10 sh -c "ip netns exec $(vm_ns g) ping -6 -c 2 -i 0.2 -W 2 fd01::70"
check "IPv6: g pings its gateway" vm g ping -6 -c 2 -i 0.2 -W 2 fd01::1
check_eq "no solicitation unanswered" 0 "$(drop_count sw g nd_unknown_target)"
check_eq "no service packet refused by port security" 0 "$(drop_count sw g port_sec_ip)"

# a VM posing as a DHCP server or a router is stopped at its port
vm h python3 - <<'PY' || true
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.bind(("10.1.0.70", 67))
s.sendto(b"\x02" + b"\0" * 300, ("10.1.0.60", 68))
PY
check "a rogue DHCP server's message is dropped" wait_eq 5 1 drop_count sw h dhcp_server_from_vm
it_done
