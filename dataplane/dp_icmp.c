/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors the switch sends to its own VMs, as the router of their subnet would: today
 * "fragmentation needed" (RFC 792, with the next-hop MTU of RFC 1191) and ICMPv6 "packet too
 * big" (RFC 4443) when a packet is larger than its VPC's MTU, so the VM's path-MTU discovery
 * converges instead of its packets vanishing. The error goes back out of the port the packet
 * came in on. Never in answer to an ICMP error (RFC 1122 3.2.2, RFC 4443 2.4 e).
 */
#include <rte_icmp.h>
#include <rte_ip.h>

#include "dp_private.h"

/* RFC 1812 4.3.2.3: the original IP header plus at least 8 bytes of its payload. */
#define QUOTE4_MAX (60 + 8)
/* RFC 4443 2.4 c: as much of the packet as fits in the minimum IPv6 MTU. */
#define QUOTE6_MAX (1280 - sizeof(struct rte_ipv6_hdr) - sizeof(struct rte_icmp_hdr))

/* A frame for the VM that sent m, from its gateway's MAC, with len bytes after Ethernet. */
static struct rte_ether_hdr *error_frame(const struct rte_mbuf *m,
					 const struct rte_ether_addr *from, uint16_t ethertype,
					 uint16_t len, struct rte_mbuf **out)
{
	const struct rte_ether_hdr *oeth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_mbuf *e = rte_pktmbuf_alloc(dp_pool);
	struct rte_ether_hdr *eth;

	if (e == NULL)
		return NULL; /* the error is best effort; the drop is counted already */
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(e, sizeof(*eth) + len);
	if (eth == NULL) {
		rte_pktmbuf_free(e);
		return NULL;
	}
	eth->dst_addr = oeth->src_addr;
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

void dp_icmp_frag_needed(struct dp_worker *w, const struct dp_port_snap *in,
			 const struct rte_mbuf *m, uint16_t mtu)
{
	const struct rte_ipv4_hdr *oip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint16_t quote = RTE_MIN((uint16_t)(rte_ipv4_hdr_len(oip) + 8), (uint16_t)QUOTE4_MAX);
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;
	uint16_t len = sizeof(*ip) + sizeof(*icmp) + quote;
	struct rte_ether_hdr *eth;
	struct rte_mbuf *e;

	if (is_icmp4_error(m, oip))
		return;
	eth = error_frame(m, &in->gw_mac, RTE_ETHER_TYPE_IPV4, len, &e);
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
	icmp->icmp_type = 3; /* destination unreachable */
	icmp->icmp_code = 4; /* fragmentation needed and DF set */
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = 0; /* unused */
	icmp->icmp_seq_nb = rte_cpu_to_be_16(mtu); /* next-hop MTU (RFC 1191) */
	quote_packet(m, icmp + 1, quote);
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, len - sizeof(*ip));
	if (icmp->icmp_cksum == 0)
		icmp->icmp_cksum = 0xffff;
	dp_tx(w, in->port->idx, e);
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

void dp_icmp6_too_big(struct dp_worker *w, const struct dp_port_snap *in,
		      const struct rte_mbuf *m, uint16_t mtu)
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

	/* nor to a multicast destination (RFC 4443 2.4 e.3 exempts only this very error, but
	 * a VM's multicast never leaves for a tunnel here: nothing floods) */
	if (is_icmp6_error(m, oip) || oip->dst_addr[0] == 0xff)
		return;
	eth = error_frame(m, &in->gw6_mac, RTE_ETHER_TYPE_IPV6, len, &e);
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
	icmp->icmp_type = 2; /* packet too big */
	icmp->icmp_code = 0;
	icmp->icmp_cksum = 0;
	/* the 32-bit MTU field sits where an echo's identifier and sequence number are */
	icmp->icmp_ident = 0;
	icmp->icmp_seq_nb = rte_cpu_to_be_16(mtu);
	quote_packet(m, icmp + 1, quote);
	icmp->icmp_cksum = rte_ipv6_udptcp_cksum(ip, icmp);
	dp_tx(w, in->port->idx, e);
}
