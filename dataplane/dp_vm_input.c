/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A VM port's receive pipeline: port security, the switch's own services (ARP, ND, router
 * advertisements, DHCP), then every unicast IP frame to the flow cache (dp_flow.c), which
 * delivers it inside the VPC, routes it, or encapsulates it.
 * No flooding and no learning: broadcast and multicast frames stop here.
 */
#include "dp_private.h"

void dp_vm_input_burst(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf **pkts,
		       uint16_t n)
{
	struct dp_counters *c = &w->ports[in->port->idx];
	struct rte_mbuf *svcs[DP_BURST];
	uint32_t vnis[DP_BURST];
	uint16_t n_svcs, n_uni = 0, idx = in->port->idx;

	c->rx_pkts += n;
	for (uint16_t i = 0; i < n; i++)
		c->rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
	n = dp_portsec_burst(w, in, pkts, n, svcs, &n_svcs);
	if (n_svcs > 0)
		dp_svc_burst(w, in, svcs, n_svcs);
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);

		if (!rte_is_unicast_ether_addr(&eth->dst_addr)) {
			dp_drop(w, idx, pkts[i], DP_DROP_FLOOD_BLOCKED);
			continue;
		}
		if (unlikely(in->hc_any) && dp_health_from_vm(w, in, pkts[i]))
			continue;
		vnis[n_uni] = in->vni;
		pkts[n_uni++] = pkts[i];
	}
	if (n_uni > 0)
		dp_flow_burst(w, idx, vnis, pkts, n_uni);
}
