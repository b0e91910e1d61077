/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors the switch sends to its own VMs, as the router of their subnet would: today
 * "fragmentation needed" (RFC 792, with the next-hop MTU of RFC 1191) when a packet with DF
 * is larger than its VPC's MTU, so the VM's path-MTU discovery converges instead of its
 * packets vanishing. The error goes back out of the port the packet came in on.
 */
#include <rte_icmp.h>
#include <rte_ip.h>

#include "dp_private.h"

/* RFC 1812 4.3.2.3: the original IP header plus at least 8 bytes of its payload. */
#define QUOTE_MAX (60 + 8)

void dp_icmp_frag_needed(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf *m,
			 uint16_t mtu)
{
	const struct rte_ether_hdr *oeth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *oip = (const struct rte_ipv4_hdr *)(oeth + 1);
	uint16_t quote = RTE_MIN((uint16_t)(rte_ipv4_hdr_len(oip) + 8),
				 (uint16_t)(m->data_len - sizeof(*oeth)));
	struct rte_mbuf *e = rte_pktmbuf_alloc(dp_pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;
	uint16_t len = sizeof(*ip) + sizeof(*icmp) + RTE_MIN(quote, (uint16_t)QUOTE_MAX);

	if (e == NULL)
		return; /* the error is best effort; the drop is counted already */
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(e, sizeof(*eth) + len);
	if (eth == NULL) {
		rte_pktmbuf_free(e);
		return;
	}
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	eth->dst_addr = oeth->src_addr;
	eth->src_addr = in->gw_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
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
	memcpy(icmp + 1, oip, RTE_MIN(quote, (uint16_t)QUOTE_MAX));
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, len - sizeof(*ip));
	if (icmp->icmp_cksum == 0)
		icmp->icmp_cksum = 0xffff;
	dp_tx(w, in->port->idx, e);
}
