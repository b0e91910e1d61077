#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Cross-check of control/pktdesc.c against an independent decoder: each description is built
# by the pktdesc_pcap helper into a one-frame pcap, and tshark (checksum validation on) must
# decode the fields the description named, the protocol chain it implies, and Good checksums.
# No daemon, no root; tshark is a test dependency (scripts/setup.sh installs it).
#
#   pktdesc_tshark.sh PATH/TO/pktdesc_pcap
set -u

helper=${1:?usage: $0 PATH/TO/pktdesc_pcap}
command -v tshark >/dev/null || { echo "tshark not installed (scripts/setup.sh installs it)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
cases=0

# check DESC FIELDS EXPECTED: FIELDS comma-separated tshark field names, EXPECTED the values
# tshark prints for them, '|'-separated (several occurrences of one field: ',').
check() {
	local desc=$1 fields=$2 want=$3 got args=()
	local IFS=,

	cases=$((cases + 1))
	for f in $fields; do args+=(-e "$f"); done
	unset IFS
	if ! "$helper" "$tmp/f.pcap" "$desc"; then
		echo "FAIL: $desc: not built"
		fails=$((fails + 1))
		return
	fi
	got=$(tshark -r "$tmp/f.pcap" -n \
		-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-o ipv6.defragment:FALSE -o ip.defragment:FALSE \
		-T fields -E separator='|' "${args[@]}" 2>"$tmp/err")
	if [ "$got" != "$want" ]; then
		echo "FAIL: $desc"
		echo "  fields: $fields"
		echo "  tshark: $got"
		echo "  wanted: $want"
		sed 's/^/  stderr: /' "$tmp/err"
		fails=$((fails + 1))
	fi
}

# Checksum status fields: 1 Good, 3 Not present (a zero UDP checksum). ip.frag_offset is in
# 8-byte units in tshark 4.0, as in the header.

check 'eth(src=52:54:00:00:00:01,dst=52:54:00:00:00:02)/ipv4(src=10.0.0.1,dst=10.0.1.5)/tcp(dport=80,flags=S)' \
	frame.protocols,eth.src,eth.dst,ip.src,ip.dst,ip.len,ip.ttl,ip.checksum.status,tcp.srcport,tcp.dstport,tcp.flags,tcp.checksum.status \
	'eth:ethertype:ip:tcp|52:54:00:00:00:01|52:54:00:00:00:02|10.0.0.1|10.0.1.5|40|64|1|49152|80|0x0002|1'

check 'eth/ipv4(dst=10.0.1.5,ttl=7,tos=0xb8,id=0x1234,df=1)/tcp(sport=5555,dport=40001,flags=PA,seq=1000,ack=2000,win=512)/payload(len=33,fill=inc)' \
	frame.protocols,ip.dsfield,ip.id,ip.flags.df,ip.ttl,ip.len,tcp.flags,tcp.seq_raw,tcp.ack_raw,tcp.window_size_value,tcp.len,tcp.checksum.status \
	'eth:ethertype:ip:tcp:data|0xb8|0x1234|1|7|73|0x0018|1000|2000|512|33|1'

check 'eth/ipv4(dst=10.0.1.5)/udp(sport=1000,dport=53)/payload(hex=00010203)' \
	frame.protocols,udp.srcport,udp.dstport,udp.length,udp.checksum.status,ip.checksum.status \
	'eth:ethertype:ip:udp:dns|1000|53|12|1|1'

check 'eth/ipv4(dst=10.0.0.254)/icmp(type=echo-request,id=7,seq=9)/payload(len=56)' \
	frame.protocols,icmp.type,icmp.code,icmp.ident,icmp.seq,icmp.checksum.status \
	'eth:ethertype:ip:icmp:data|8|0|7|9|1'

check 'eth/ipv4(dst=10.0.0.254,mf=1,frag=3,proto=udp)/payload(len=16)' \
	frame.protocols,ip.flags.mf,ip.frag_offset,ip.len,ip.checksum.status \
	'eth:ethertype:ip:data|1|3|36|1'

check 'eth/vlan(vid=10,pcp=3)/arp(tpa=10.0.0.254)' \
	frame.protocols,eth.dst,vlan.id,vlan.priority,arp.opcode,arp.src.hw_mac,arp.src.proto_ipv4,arp.dst.proto_ipv4 \
	'eth:ethertype:vlan:ethertype:arp|ff:ff:ff:ff:ff:ff|10|3|1|52:54:00:00:00:01|10.0.0.1|10.0.0.254'

check 'eth/ipv6(dst=fd00::2,tc=0x20,flow=0x12345)/tcp(dport=22,flags=SA)' \
	frame.protocols,ipv6.src,ipv6.dst,ipv6.plen,ipv6.hlim,ipv6.tclass,ipv6.flow,tcp.flags,tcp.checksum.status \
	'eth:ethertype:ipv6:tcp|fd00::1|fd00::2|20|64|0x00000020|0x012345|0x0012|1'

check 'eth/ipv6(dst=fd00::2)/hbh/frag6(off=0,m=1,id=7)/udp(dport=5000)/payload(len=10,fill=inc)' \
	frame.protocols,ipv6.nxt,ipv6.hopopts.nxt,ipv6.fraghdr.nxt,ipv6.fraghdr.more,ipv6.fraghdr.ident,ipv6.plen \
	'eth:ethertype:ipv6:ipv6.hopopts:ipv6.fraghdr:udp:data|0|44|17|1|0x00000007|34'

check 'eth/ipv6(dst=fd00::2)/icmp6(id=1,seq=2)' \
	frame.protocols,icmpv6.type,icmpv6.echo.identifier,icmpv6.echo.sequence_number,icmpv6.checksum.status \
	'eth:ethertype:ipv6:icmpv6|128|0x0001|2|1'

check 'eth(dst=33:33:ff:00:00:02)/ipv6(dst=ff02::1:ff00:2)/icmp6(type=ns,target=fd00::2,lla=52:54:00:00:00:01)' \
	frame.protocols,ipv6.hlim,icmpv6.type,icmpv6.nd.ns.target_address,icmpv6.opt.type,icmpv6.opt.linkaddr,icmpv6.checksum.status \
	'eth:ethertype:ipv6:icmpv6|255|135|fd00::2|1|52:54:00:00:00:01|1'

check 'eth/ipv6(dst=fd00::2)/icmp6(type=na,target=fd00::1,lla=52:54:00:00:00:01)' \
	icmpv6.type,icmpv6.nd.na.flag.s,icmpv6.nd.na.flag.o,icmpv6.nd.na.target_address,icmpv6.opt.type,icmpv6.checksum.status \
	'136|1|1|fd00::1|2|1'

check 'eth/ipv4(src=192.0.2.2,dst=192.0.2.1)/udp(sport=1234)/vxlan(vni=100)/eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02)/ipv4(src=10.1.0.1,dst=10.1.0.2)/icmp' \
	frame.protocols,ip.src,ip.checksum.status,udp.dstport,udp.length,udp.checksum.status,vxlan.vni,eth.src,icmp.checksum.status \
	'eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:icmp|192.0.2.2,10.1.0.1|1,1|4789|58|3|100|52:54:00:00:00:01,02:00:00:00:00:01|1'

check 'eth/ipv6(src=2001:db8::2,dst=2001:db8::1)/udp(sport=40000)/geneve(vni=0x123456)/eth(src=2:0:0:0:0:1,dst=2:0:0:0:0:2)/ipv4(src=10.1.0.1,dst=10.1.0.2)/tcp(dport=40002,flags=A)/payload(hex=deadbeef)' \
	frame.protocols,udp.dstport,udp.checksum.status,geneve.vni,geneve.proto_type,ip.src,tcp.dstport,tcp.flags,tcp.len,tcp.checksum.status \
	'eth:ethertype:ipv6:udp:geneve:eth:ethertype:ip:tcp|6081|1|0x123456|0x6558|10.1.0.1|40002|0x0010|4|1'

check 'eth/ipv4(dst=192.0.2.1)/udp/geneve(vni=7)/eth(src=2:0:0:0:0:1,dst=2:0:0:0:0:2)/ipv6(src=fd01::1,dst=fd01::2)/udp(dport=7)/payload(len=1)' \
	frame.protocols,udp.checksum.status,geneve.vni,ipv6.src \
	'eth:ethertype:ip:udp:geneve:eth:ethertype:ipv6:udp:echo|3,1|0x000007|fd01::1'

echo "$cases cases, $fails failed"
[ "$fails" -eq 0 ]
