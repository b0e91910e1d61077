/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Delivery inside a VPC: the destination MAC, looked up in the VPC's MAC table, names the
 * one port that gets the frame. No flooding and no learning; a frame for a subnet gateway
 * needs routing, which this stage does not do.
 */
#include "dp_private.h"

/*
 * A burst from one VM mostly goes to few destinations, often one: consecutive packets with
 * the same destination share one key, so the bulk lookup sees each run once (last-key cache,
 * per burst only: the next burst may run on a newer snapshot).
 */
void dp_l2_burst(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf **pkts,
		 uint16_t n)
{
	struct dp_l2_key keys[DP_BURST];
	const void *key_ptrs[DP_BURST];
	void *data[DP_BURST];
	uint8_t key_of[DP_BURST];
	uint64_t hits = 0;
	uint16_t idx = in->port->idx, n_uni = 0, n_keys = 0;
	const struct rte_ether_addr *last = NULL;

	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);

		if (!rte_is_unicast_ether_addr(&eth->dst_addr)) {
			dp_drop(w, idx, pkts[i], DP_DROP_FLOOD_BLOCKED);
			continue;
		}
		if (last == NULL || !rte_is_same_ether_addr(last, &eth->dst_addr)) {
			keys[n_keys] = (struct dp_l2_key){.vni = in->vni, .mac = eth->dst_addr};
			key_ptrs[n_keys] = &keys[n_keys];
			last = &keys[n_keys].mac;
			n_keys++;
		}
		key_of[n_uni] = (uint8_t)(n_keys - 1);
		pkts[n_uni++] = pkts[i];
	}
	if (n_uni == 0)
		return;
	rte_hash_lookup_bulk_data(w->snap->l2, key_ptrs, n_keys, &hits, data);
	for (uint16_t i = 0; i < n_uni; i++) {
		uint8_t k = key_of[i];
		uintptr_t out = (uintptr_t)data[k];

		if (!(hits & (1ULL << k)))
			dp_drop(w, idx, pkts[i], DP_DROP_UNKNOWN_DST_MAC);
		else if (out == DP_L2_GATEWAY)
			dp_drop(w, idx, pkts[i], DP_DROP_NO_ROUTE);
		else if (out >= DP_L2_REMOTE)
			dp_encap(w, idx, &w->snap->remotes[out - DP_L2_REMOTE], pkts[i]);
		else if (out == idx)
			dp_drop(w, idx, pkts[i], DP_DROP_HAIRPIN);
		else
			dp_tx(w, (uint16_t)out, pkts[i]);
	}
}

void dp_vm_input_burst(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf **pkts,
		       uint16_t n)
{
	struct dp_counters *c = &w->ports[in->port->idx];
	struct rte_mbuf *arps[DP_BURST];
	uint16_t n_arps;

	c->rx_pkts += n;
	for (uint16_t i = 0; i < n; i++)
		c->rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
	n = dp_portsec_burst(w, in, pkts, n, arps, &n_arps);
	if (n_arps > 0)
		dp_arp_burst(w, in, arps, n_arps);
	if (n > 0)
		dp_l2_burst(w, in, pkts, n);
}
