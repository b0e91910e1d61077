/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP the switch sends to its own VMs, as the router of their subnet would: "fragmentation
 * needed" (RFC 792, with the next-hop MTU of RFC 1191) and ICMPv6 "packet too big" (RFC 4443)
 * when a packet is larger than its VPC's MTU, so the VM's path-MTU discovery converges
 * instead of its packets vanishing; "time exceeded" when a routed packet's TTL runs out (what
 * traceroute shows as the gateway hop); echo replies from the gateway addresses. An error
 * goes back out of the port the packet came in on, never in answer to an ICMP error
 * (RFC 1122 3.2.2, RFC 4443 2.4 e).
 */
#include <rte_icmp.h>
#include <rte_ip.h>

#include "dp_private.h"

/* RFC 1812 4.3.2.3: the original IP header plus at least 8 bytes of its payload. */
#define QUOTE4_MAX (60 + 8)
/* RFC 4443 2.4 c: as much of the packet as fits in the minimum IPv6 MTU. */
#define QUOTE6_MAX (1280 - sizeof(struct rte_ipv6_hdr) - sizeof(struct rte_icmp_hdr))

struct rte_ether_hdr *dp_vm_frame(const struct dp_port_snap *in, const struct rte_ether_addr *from,
				  uint16_t ethertype, uint16_t len, struct rte_mbuf **out)
{
	struct rte_mbuf *e = rte_pktmbuf_alloc(dp_pool);
	struct rte_ether_hdr *eth;

	if (e == NULL)
		return NULL; /* an answer is best effort; the request is counted already */
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(e, sizeof(*eth) + len);
	if (eth == NULL) {
		rte_pktmbuf_free(e);
		return NULL;
	}
	eth->dst_addr = in->mac;
	eth->src_addr = *from;
	eth->ether_type = rte_cpu_to_be_16(ethertype);
	*out = e;
	return eth;
}

/* Copy quote bytes of m, from just after its Ethernet header, to dst (m may be chained). */
static void quote_packet(const struct rte_mbuf *m, void *dst, uint16_t quote)
{
	const void *p = rte_pktmbuf_read(m, sizeof(struct rte_ether_hdr), quote, dst);

	if (p != dst)
		memcpy(dst, p, quote);
}

static bool is_icmp4_error(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	uint8_t type;

	if (ip->next_proto_id != IPPROTO_ICMP || dp_ipv4_is_fragment(ip) ||
	    m->data_len < sizeof(struct rte_ether_hdr) + rte_ipv4_hdr_len(ip) + 1)
		return ip->next_proto_id == IPPROTO_ICMP; /* cannot tell: stay silent */
	type = *((const uint8_t *)ip + rte_ipv4_hdr_len(ip));
	return type != RTE_IP_ICMP_ECHO_REQUEST && type != RTE_IP_ICMP_ECHO_REPLY &&
	       type != 13 && type != 14; /* timestamp request, reply */
}

/* An ICMP error about m from the VM's gateway: type, code and the 16 bits after the
 * checksum's second word (the next-hop MTU of "fragmentation needed", else zero). */
static void icmp4_error(struct dp_worker *w, const struct dp_port_snap *in,
			const struct rte_mbuf *m, uint8_t type, uint8_t code, uint16_t word)
{
	const struct rte_ipv4_hdr *oip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint16_t quote = RTE_MIN((uint16_t)(rte_ipv4_hdr_len(oip) + 8), (uint16_t)QUOTE4_MAX);
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;
	uint16_t len = sizeof(*ip) + sizeof(*icmp) + quote;
	struct rte_ether_hdr *eth;
	struct rte_mbuf *e;

	if (is_icmp4_error(m, oip) || in->gw4 == 0)
		return;
	eth = dp_vm_frame(in, &in->gw_mac, RTE_ETHER_TYPE_IPV4, len, &e);
	if (eth == NULL)
		return;
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16(len),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_ICMP,
		.src_addr = in->gw4,
		.dst_addr = oip->src_addr,
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = 0; /* unused */
	icmp->icmp_seq_nb = rte_cpu_to_be_16(word);
	quote_packet(m, icmp + 1, quote);
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, len - sizeof(*ip));
	if (icmp->icmp_cksum == 0)
		icmp->icmp_cksum = 0xffff;
	dp_tx(w, in->port->idx, e);
}

void dp_icmp_frag_needed(struct dp_worker *w, const struct dp_port_snap *in,
			 const struct rte_mbuf *m, uint16_t mtu)
{
	/* destination unreachable, fragmentation needed and DF set; next-hop MTU (RFC 1191) */
	icmp4_error(w, in, m, 3, 4, mtu);
}

/* An ICMPv6 error (types 0-127) directly after the fixed header: never answered. */
static bool is_icmp6_error(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ip)
{
	if (ip->proto != IPPROTO_ICMPV6)
		return false;
	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*ip) + 1)
		return true; /* cannot tell: stay silent */
	return *((const uint8_t *)(ip + 1)) < 128;
}

/* An ICMPv6 error about m from the VM's gateway, word32 the 32 bits after the checksum. */
static void icmp6_error(struct dp_worker *w, const struct dp_port_snap *in,
			const struct rte_mbuf *m, uint8_t type, uint8_t code, uint32_t word32)
{
	const struct rte_ipv6_hdr *oip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
	uint16_t quote = (uint16_t)RTE_MIN(rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr),
					   QUOTE6_MAX);
	struct rte_ipv6_hdr *ip;
	struct rte_icmp_hdr *icmp;
	uint16_t len = sizeof(*ip) + sizeof(*icmp) + quote;
	struct rte_ether_hdr *eth;
	struct rte_mbuf *e;

	/* nor to a multicast destination (RFC 4443 2.4 e.3 exempts only "packet too big", but
	 * a VM's multicast never leaves for a tunnel or a route here: nothing floods) */
	if (is_icmp6_error(m, oip) || oip->dst_addr[0] == 0xff || !in->has_gw6)
		return;
	eth = dp_vm_frame(in, &in->gw6_mac, RTE_ETHER_TYPE_IPV6, len, &e);
	if (eth == NULL)
		return;
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	*ip = (struct rte_ipv6_hdr){
		.vtc_flow = RTE_BE32(6u << 28),
		.payload_len = rte_cpu_to_be_16(len - sizeof(*ip)),
		.proto = IPPROTO_ICMPV6,
		.hop_limits = 64,
	};
	memcpy(ip->src_addr, in->gw6, 16);
	memcpy(ip->dst_addr, oip->src_addr, 16);
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	icmp->icmp_cksum = 0;
	/* the 32-bit field sits where an echo's identifier and sequence number are */
	icmp->icmp_ident = rte_cpu_to_be_16((uint16_t)(word32 >> 16));
	icmp->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)word32);
	quote_packet(m, icmp + 1, quote);
	icmp->icmp_cksum = rte_ipv6_udptcp_cksum(ip, icmp);
	dp_tx(w, in->port->idx, e);
}

void dp_icmp6_too_big(struct dp_worker *w, const struct dp_port_snap *in,
		      const struct rte_mbuf *m, uint16_t mtu)
{
	icmp6_error(w, in, m, 2, 0, mtu); /* packet too big, with the MTU */
}

void dp_icmp_time_exceeded(struct dp_worker *w, const struct dp_port_snap *in,
			   const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	/* time exceeded in transit (ICMPv6: hop limit exceeded in transit), code 0 both */
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		icmp4_error(w, in, m, 11, 0, 0);
	else
		icmp6_error(w, in, m, 3, 0, 0);
}

/* The payload may span segments: the checksum is adjusted for the type, never recomputed
 * (swapping the addresses leaves the IPv6 pseudo-header's sum as it was). */
void dp_icmp_echo_reply(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr gw = eth->dst_addr;
	struct rte_icmp_hdr *icmp;

	/* the flow stage checked the headers whole, in the first segment */
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		rte_be32_t a = ip->src_addr;

		icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + rte_ipv4_hdr_len(ip));
		ip->src_addr = ip->dst_addr;
		ip->dst_addr = a;
		ip->time_to_live = 64;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
		icmp->icmp_cksum = dp_cksum_adjust(icmp->icmp_cksum, RTE_IP_ICMP_ECHO_REQUEST << 8,
						RTE_IP_ICMP_ECHO_REPLY << 8);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
		uint8_t a[16];

		if (ip->proto != IPPROTO_ICMPV6) { /* behind extension headers: not answered */
			dp_drop(w, in->port->idx, m, DP_DROP_TO_GATEWAY);
			return;
		}
		icmp = (struct rte_icmp_hdr *)(ip + 1);
		memcpy(a, ip->src_addr, 16);
		memcpy(ip->src_addr, ip->dst_addr, 16);
		memcpy(ip->dst_addr, a, 16);
		ip->hop_limits = 64;
		icmp->icmp_type = 129;
		icmp->icmp_cksum = dp_cksum_adjust(icmp->icmp_cksum, 128 << 8, 129 << 8);
	}
	eth->dst_addr = eth->src_addr;
	eth->src_addr = gw;
	dp_tx(w, in->port->idx, m);
}
