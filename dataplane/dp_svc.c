/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The services a VM expects from its network, answered by the switch on the port they came
 * in on: ARP (dp_arp.c), IPv6 neighbour and router discovery (dp_nd.c), DHCPv4 and DHCPv6
 * (dp_dhcp.c). Port security sorted these out and checked their sources.
 */
#include "dp_private.h"

void dp_svc_burst(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf **pkts,
		  uint16_t n)
{
	struct rte_mbuf *arps[DP_BURST];
	uint16_t n_arps = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

		enum dp_trace_svc kind;

		if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP))
			kind = DP_TSVC_ARP;
		else if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))
			kind = DP_TSVC_DHCP4;
		else if (((const struct rte_ipv6_hdr *)(eth + 1))->proto == IPPROTO_ICMPV6)
			kind = DP_TSVC_ND;
		else
			kind = DP_TSVC_DHCP6;
		if (dp_traced(w, m))
			dp_trace_note(w, m, DP_TS_SERVICE, in->port->idx, kind, 0, 0);
		switch (kind) {
		case DP_TSVC_ARP:
			arps[n_arps++] = m;
			break;
		case DP_TSVC_DHCP4:
			dp_dhcp4_input(w, in, m);
			break;
		case DP_TSVC_ND:
			dp_nd_input(w, in, m);
			break;
		default:
			dp_dhcp6_input(w, in, m);
			break;
		}
	}
	if (n_arps > 0)
		dp_arp_burst(w, in, arps, n_arps);
}
