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

		if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
			arps[n_arps++] = m;
		} else if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
			dp_dhcp4_input(w, in, m);
		} else {
			const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(eth + 1);

			if (ip->proto == IPPROTO_ICMPV6)
				dp_nd_input(w, in, m);
			else
				dp_dhcp6_input(w, in, m);
		}
	}
	if (n_arps > 0)
		dp_arp_burst(w, in, arps, n_arps);
}
