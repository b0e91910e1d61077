/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP responder: the switch answers every ARP request for a subnet gateway or a known
 * address of the VPC itself, straight back to the asking port. Nothing is flooded and
 * nothing is learnt: the control plane knows every address. A port the health checker
 * probes also gets the gateway's MAC for the checker's 169.254.0.1 (a VM whose link-local
 * route is on-link asks for it).
 */
#include <sys/socket.h>

#include <rte_arp.h>

#include "dp_private.h"

static void arp_reply(struct rte_mbuf *m, const struct rte_ether_addr *target_mac)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	rte_be32_t asked = a->arp_data.arp_tip;

	eth->dst_addr = eth->src_addr;
	eth->src_addr = *target_mac;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = *target_mac;
	a->arp_data.arp_sip = asked;
}

void dp_arp_burst(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf **pkts,
		  uint16_t n)
{
	struct dp_nbr_key keys[DP_BURST];
	const void *key_ptrs[DP_BURST];
	void *data[DP_BURST];
	uint64_t hits = 0;
	uint16_t idx = in->port->idx, n_req = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct rte_arp_hdr *a = rte_pktmbuf_mtod_offset(pkts[i], struct rte_arp_hdr *,
								      sizeof(struct rte_ether_hdr));

		if (a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST)) {
			dp_drop(w, idx, pkts[i], DP_DROP_ARP_NOT_REQUEST);
			continue;
		}
		if (unlikely(in->hc_any) &&
		    a->arp_data.arp_tip == RTE_BE32(DP_HC_CHECKER_ADDR)) {
			arp_reply(pkts[i], &in->gw_mac);
			dp_tx(w, idx, pkts[i]);
			continue;
		}
		keys[n_req] = (struct dp_nbr_key){.vni = in->vni, .af = AF_INET};
		memcpy(keys[n_req].ip, &a->arp_data.arp_tip, 4);
		key_ptrs[n_req] = &keys[n_req];
		pkts[n_req++] = pkts[i];
	}
	if (n_req == 0)
		return;
	rte_hash_lookup_bulk_data(w->snap->nbr, key_ptrs, n_req, &hits, data);
	for (uint16_t i = 0; i < n_req; i++) {
		struct rte_ether_addr mac;
		uintptr_t v = (uintptr_t)data[i];

		if (!(hits & (1ULL << i))) {
			dp_drop(w, idx, pkts[i], DP_DROP_ARP_UNKNOWN_TARGET);
			continue;
		}
		memcpy(mac.addr_bytes, &v, RTE_ETHER_ADDR_LEN);
		if (rte_is_same_ether_addr(&mac, &in->mac)) {
			dp_drop(w, idx, pkts[i], DP_DROP_ARP_OWN_ADDRESS);
			continue;
		}
		arp_reply(pkts[i], &mac);
		dp_tx(w, idx, pkts[i]);
	}
}
