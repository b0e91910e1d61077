/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routing inside a VPC: a frame a VM sends to its gateway's MAC is routed by the VPC's route
 * table (dp_route.h) on the host it enters, whether its destination lives here or on
 * another host: the receiving host delivers it by MAC like any other frame. The decision
 * is made once per connection (dp_flow.c caches it as a DP_ACT_ROUTED action); every packet
 * then gets its MACs rewritten and its TTL or hop limit decremented here.
 */
#include <rte_hash.h>

#include "dp_route.h"

#include "dp_private.h"

static void *nbr_data(const struct dp_snap *s, uint32_t vni, int af, const uint8_t *ip)
{
	struct dp_nbr_key k = {.vni = vni, .af = (uint32_t)af};
	void *data;

	memcpy(k.ip, ip, af == AF_INET ? 4 : 16);
	return rte_hash_lookup_data(s->nbr, &k, &data) < 0 ? NULL : data;
}

/* The VM holding address ip (of family af) in the VPC, as a routed action. */
static enum dp_drop_reason resolve(const struct dp_snap *s, const struct dp_flow_key *k, int af,
				   const uint8_t *ip, uint32_t *act)
{
	struct dp_l2_key lk = {.vni = k->vni};
	void *mac = nbr_data(s, k->vni, af, ip), *data;
	uintptr_t m = (uintptr_t)mac, v;

	if (mac == NULL)
		return DP_DROP_NO_NEIGHBOR;
	memcpy(lk.mac.addr_bytes, &m, RTE_ETHER_ADDR_LEN);
	if (rte_hash_lookup_data(s->l2, &lk, &data) < 0)
		return DP_DROP_NO_NEIGHBOR;
	v = (uintptr_t)data;
	if (v == DP_L2_GATEWAY)
		return DP_DROP_TO_GATEWAY;
	if (v >= DP_L2_REMOTE) {
		if (s->ports[k->in_port].role != DP_ROLE_VM)
			return DP_DROP_TUNNEL_HAIRPIN;
		*act = DP_ACT_ROUTED | DP_ACT_REMOTE << 24 | (uint32_t)(v - DP_L2_REMOTE);
		return DP_DROP_MAX;
	}
	if (v == k->in_port)
		return DP_DROP_HAIRPIN;
	*act = DP_ACT_ROUTED | DP_ACT_PORT << 24 | (uint32_t)v;
	return DP_DROP_MAX;
}

static enum dp_drop_reason to_vtep(const struct dp_snap *s, const struct dp_flow_key *k,
				   const struct dp_nh *nh, uint32_t *act)
{
	struct dp_vtep_key vk = {.vni = k->vni, .af = nh->af};
	void *data;

	if (s->ports[k->in_port].role != DP_ROLE_VM)
		return DP_DROP_TUNNEL_HAIRPIN;
	memcpy(vk.ip, nh->addr, 16);
	if (rte_hash_lookup_data(s->vteps, &vk, &data) < 0)
		return DP_DROP_ROUTE_NH_ABSENT;
	*act = DP_ACT_ROUTED | DP_ACT_REMOTE << 24 | (uint32_t)((uintptr_t)data - 1);
	return DP_DROP_MAX;
}

/* One member per flow, among those that lead to a VM now. */
static enum dp_drop_reason to_group(const struct dp_snap *s, const struct dp_rtable *rt,
				    const struct dp_flow_key *k, const struct dp_nh *nh,
				    uint32_t *act)
{
	const struct dp_ecmp_conf *g = dp_rtable_group(rt, nh->group);
	bool usable[DP_ECMP_MEMBERS_MAX];
	uint32_t acts[DP_ECMP_MEMBERS_MAX];
	int pick;

	if (g == NULL)
		return DP_DROP_NO_ROUTE;
	for (int i = 0; i < g->n; i++)
		usable[i] = resolve(s, k, g->af, g->members[i], &acts[i]) == DP_DROP_MAX;
	pick = dp_ecmp_select(g, rte_hash_hash(dp_ct.h, k), usable);
	if (pick < 0)
		return DP_DROP_NO_NEIGHBOR;
	*act = acts[pick];
	return DP_DROP_MAX;
}

enum dp_drop_reason dp_route_decide(const struct dp_snap *s, const struct dp_flow_key *k,
				    uint32_t *act, const struct dp_nh **route)
{
	const struct dp_vpc_snap *vpc;
	const struct dp_nh *nh;
	const struct dp_port_snap *p;
	void *data;

	if (rte_hash_lookup_data(s->vnis, &k->vni, &data) < 0)
		return DP_DROP_NO_ROUTE;
	vpc = data;
	if (vpc->rt == NULL || (nh = dp_rtable_lookup(vpc->rt, k->af, k->dst)) == NULL)
		return DP_DROP_NO_ROUTE;
	*route = nh;
	switch (nh->kind) {
	case DP_NH_CONNECTED:
		return resolve(s, k, k->af, k->dst, act);
	case DP_NH_ADDRESS:
		return resolve(s, k, nh->af, nh->addr, act);
	case DP_NH_PORT:
		p = nh->port < DP_PORTS_MAX ? &s->ports[nh->port] : NULL;
		if (p == NULL || p->port == NULL || p->role != DP_ROLE_VM || p->vni != k->vni)
			return DP_DROP_ROUTE_NH_ABSENT;
		if (nh->port == k->in_port)
			return DP_DROP_HAIRPIN;
		*act = DP_ACT_ROUTED | DP_ACT_PORT << 24 | nh->port;
		return DP_DROP_MAX;
	case DP_NH_VTEP:
		return to_vtep(s, k, nh, act);
	case DP_NH_ECMP:
		return to_group(s, vpc->rt, k, nh, act);
	default:
		return DP_DROP_ROUTE_BLACKHOLE;
	}
}

bool dp_route_ttl_expired(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return ((const struct rte_ipv4_hdr *)(eth + 1))->time_to_live <= 1;
	return ((const struct rte_ipv6_hdr *)(eth + 1))->hop_limits <= 1;
}

bool dp_route_forward(struct dp_worker *w, uint16_t in_port, uint32_t act, struct rte_mbuf *m)
{
	const struct dp_snap *s = w->snap;
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	bool v4 = eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4);
	const struct rte_ether_addr *src, *dst;

	if (DP_ACT_KIND(act) == DP_ACT_PORT) {
		const struct dp_port_snap *p = &s->ports[DP_ACT_INDEX(act)];

		dst = &p->mac;
		src = v4 ? &p->gw_mac : &p->gw6_mac;
	} else {
		const struct dp_remote *r = &s->remotes[DP_ACT_INDEX(act)];

		if (r->tunnel_only)
			return true; /* the host at the other end routes it */
		dst = &r->mac;
		src = v4 ? &r->gw_mac : &r->gw6_mac;
	}
	if (dp_route_ttl_expired(m)) {
		if (s->ports[in_port].role == DP_ROLE_VM)
			dp_icmp_time_exceeded(w, &s->ports[in_port], m);
		dp_drop(w, in_port, m, DP_DROP_TTL_EXPIRED);
		return false;
	}
	if (v4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		/* the TTL is the high byte of its 16-bit word, with the protocol */
		uint16_t word = (uint16_t)(ip->time_to_live << 8 | ip->next_proto_id);

		ip->time_to_live--;
		ip->hdr_checksum = dp_cksum_adjust(ip->hdr_checksum, word, word - 0x0100);
	} else {
		((struct rte_ipv6_hdr *)(eth + 1))->hop_limits--;
	}
	eth->src_addr = *src;
	eth->dst_addr = *dst;
	if (dp_traced(w, m)) {
		struct dp_trace_rec r = {
			.stage = DP_TS_ROUTED,
			.a = v4 ? ((struct rte_ipv4_hdr *)(eth + 1))->time_to_live
				: ((struct rte_ipv6_hdr *)(eth + 1))->hop_limits,
		};

		memcpy(r.addr, dst, RTE_ETHER_ADDR_LEN);
		memcpy(r.addr2, src, RTE_ETHER_ADDR_LEN);
		dp_trace_emit(w, m, &r);
	}
	return true;
}
