/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stage 1 of the VM-port pipeline: parse the Ethernet header and enforce port security.
 * A frame leaves this stage only if its source MAC and source address are the port's own
 * (the flow stage then checks the IP and L4 headers whole). ARP goes to the ARP
 * responder; IP goes on to the flow stage.
 */
#include <rte_arp.h>
#include <rte_ip.h>

#include "dp_private.h"

static bool ip4_allowed(const struct dp_port_snap *in, rte_be32_t ip)
{
	for (int i = 0; i < in->n_ip4; i++)
		if (in->ip4[i] == ip)
			return true;
	return false;
}

static bool ip6_allowed(const struct dp_port_snap *in, const uint8_t *ip)
{
	for (int i = 0; i < in->n_ip6; i++)
		if (memcmp(in->ip6[i], ip, 16) == 0)
			return true;
	return false;
}

/* Returns DP_DROP_MAX when the ARP packet may go on. */
static enum dp_drop_reason check_arp(const struct dp_port_snap *in, const struct rte_mbuf *m)
{
	const struct rte_arp_hdr *a;

	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*a))
		return DP_DROP_ARP_MALFORMED;
	a = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	if (a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || a->arp_hlen != RTE_ETHER_ADDR_LEN ||
	    a->arp_plen != 4)
		return DP_DROP_ARP_MALFORMED;
	if (!rte_is_same_ether_addr(&a->arp_data.arp_sha, &in->mac))
		return DP_DROP_SRC_MAC_SPOOF;
	/* 0.0.0.0: an RFC 5227 probe before the VM claims its address */
	if (a->arp_data.arp_sip != 0 && !ip4_allowed(in, a->arp_data.arp_sip))
		return DP_DROP_SRC_IP_SPOOF;
	return DP_DROP_MAX;
}

/* The source address of an IP frame is the port's. Only what reading it takes is checked
 * here: the whole header, the payload and the L4 header are the flow stage's (dp_flow.c),
 * which parses every IP frame, from a VM or out of a tunnel, the same way. */
static enum dp_drop_reason check_ipv4(const struct dp_port_snap *in, const struct rte_mbuf *m)
{
	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr))
		return DP_DROP_IPV4_MALFORMED;
	if (!ip4_allowed(in, rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
						     sizeof(struct rte_ether_hdr))->src_addr))
		return DP_DROP_SRC_IP_SPOOF;
	return DP_DROP_MAX;
}

static enum dp_drop_reason check_ipv6(const struct dp_port_snap *in, const struct rte_mbuf *m)
{
	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr))
		return DP_DROP_IPV6_MALFORMED;
	if (!ip6_allowed(in, rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
						     sizeof(struct rte_ether_hdr))->src_addr))
		return DP_DROP_SRC_IP_SPOOF;
	return DP_DROP_MAX;
}

uint16_t dp_portsec_burst(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf **pkts,
			  uint16_t n, struct rte_mbuf **arps, uint16_t *n_arps)
{
	uint16_t idx = in->port->idx, kept = 0;

	*n_arps = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth;
		enum dp_drop_reason r;

		if (m->data_len < sizeof(*eth)) {
			dp_drop(w, idx, m, DP_DROP_RUNT);
			continue;
		}
		eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (!rte_is_same_ether_addr(&eth->src_addr, &in->mac)) {
			dp_drop(w, idx, m, DP_DROP_SRC_MAC_SPOOF);
			continue;
		}
		switch (eth->ether_type) {
		case RTE_BE16(RTE_ETHER_TYPE_ARP):
			r = check_arp(in, m);
			if (r == DP_DROP_MAX) {
				arps[(*n_arps)++] = m;
				continue;
			}
			break;
		case RTE_BE16(RTE_ETHER_TYPE_IPV4):
			r = check_ipv4(in, m);
			break;
		case RTE_BE16(RTE_ETHER_TYPE_IPV6):
			r = check_ipv6(in, m);
			break;
		case RTE_BE16(RTE_ETHER_TYPE_VLAN):
		case RTE_BE16(RTE_ETHER_TYPE_QINQ):
			r = DP_DROP_VLAN_TAGGED;
			break;
		default:
			r = DP_DROP_ETHERTYPE;
			break;
		}
		if (r != DP_DROP_MAX)
			dp_drop(w, idx, m, r);
		else
			pkts[kept++] = m;
	}
	return kept;
}
