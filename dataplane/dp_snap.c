/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builds the immutable configuration snapshot the workers read: per-port settings, the
 * per-VPC MAC table and the ARP responder table, and each worker's queue list. Publishing
 * swaps one pointer and frees the old snapshot after an RCU grace period.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp_private.h"

struct dp_gateway {
	uint32_t vni;
	rte_be32_t ip4;
	struct rte_ether_addr mac;
};

struct dp_vpc_info {
	uint32_t vni;
	enum dp_encap encap;
	uint16_t mtu;
};

struct dp_build {
	struct dp_snap *snap;
	unsigned int n_ports, n_queues, n_gateways, cap_gateways, cap_remotes;
	unsigned int n_vpcs, cap_vpcs;
	struct dp_gateway *gateways;
	struct dp_vpc_info *vpcs;
	struct rte_ether_addr *nh_macs; /* per remote; valid where nh_known */
	uint8_t ttl;
	bool keep_flows;
};

struct dp_snap *_Atomic dp_snap_current;
static uint64_t snap_gen;
static uint32_t flow_gen;

struct dp_build *dp_build_begin(void)
{
	struct dp_build *b = rte_zmalloc("dp_build", sizeof(*b), 0);

	if (b == NULL)
		return NULL;
	b->snap = rte_zmalloc("dp_snap", sizeof(*b->snap), RTE_CACHE_LINE_SIZE);
	if (b->snap == NULL) {
		rte_free(b);
		return NULL;
	}
	return b;
}

int dp_build_port(struct dp_build *b, const struct dp_port_conf *pc)
{
	struct dp_port_snap *ps = &b->snap->ports[pc->port->idx];

	if (pc->n_ip4 > DP_PORT_IPS_MAX || pc->n_ip6 > DP_PORT_IPS_MAX)
		return -ENOSPC;
	ps->port = pc->port;
	ps->vni = pc->vni;
	memcpy(ps->mac.addr_bytes, pc->mac, RTE_ETHER_ADDR_LEN);
	ps->n_ip4 = pc->n_ip4;
	memcpy(ps->ip4, pc->ip4, sizeof(ps->ip4));
	ps->n_ip6 = pc->n_ip6;
	memcpy(ps->ip6, pc->ip6, sizeof(ps->ip6));
	ps->gw4 = pc->gw4;
	memcpy(ps->gw_mac.addr_bytes, pc->gw_mac, RTE_ETHER_ADDR_LEN);
	ps->has_gw6 = pc->has_gw6;
	memcpy(ps->gw6, pc->gw6, 16);
	memcpy(ps->gw6_mac.addr_bytes, pc->gw6_mac, RTE_ETHER_ADDR_LEN);
	ps->sg_in = pc->sg_in;
	ps->sg_out = pc->sg_out;
	ps->ct_max = pc->ct_max;
	b->n_ports++;
	b->n_queues += pc->port->n_queues;
	return 0;
}

int dp_build_gateway(struct dp_build *b, uint32_t vni, uint32_t ip4, const uint8_t mac[6])
{
	struct dp_gateway *g;

	if (b->n_gateways == b->cap_gateways) {
		unsigned int cap = b->cap_gateways ? b->cap_gateways * 2 : 64;
		void *gs = rte_realloc(b->gateways, cap * sizeof(*g), 0);

		if (gs == NULL)
			return -ENOMEM;
		b->gateways = gs;
		b->cap_gateways = cap;
	}
	g = &b->gateways[b->n_gateways++];
	g->vni = vni;
	g->ip4 = ip4;
	memcpy(g->mac.addr_bytes, mac, RTE_ETHER_ADDR_LEN);
	return 0;
}

/* Grow *arr (of elem bytes, *cap of them) to hold one more than n. */
static int grow(void **arr, unsigned int *cap, unsigned int n, size_t elem)
{
	unsigned int c = *cap ? *cap * 2 : 64;
	void *a;

	if (n < *cap)
		return 0;
	a = rte_realloc(*arr, c * elem, RTE_CACHE_LINE_SIZE);
	if (a == NULL)
		return -ENOMEM;
	*arr = a;
	*cap = c;
	return 0;
}

int dp_build_underlay(struct dp_build *b, const struct dp_underlay_conf *c)
{
	struct dp_underlay *u = &b->snap->underlay;

	if (c->sport_max < c->sport_min)
		return -EINVAL;
	u->present = true;
	u->port_idx = c->port->idx;
	u->tap_idx = c->tap->idx;
	u->has_vtep4 = c->vtep4 != 0;
	u->vtep4 = c->vtep4;
	memcpy(u->vtep6, c->vtep6, 16);
	for (int i = 0; i < 16; i++)
		u->has_vtep6 |= c->vtep6[i] != 0;
	u->tx_ip4_cksum = c->tx_ip4_cksum;
	u->tx_udp_cksum = c->tx_udp_cksum;
	memcpy(u->mac.addr_bytes, c->mac, RTE_ETHER_ADDR_LEN);
	u->vxlan_port = rte_cpu_to_be_16(c->vxlan_port);
	u->geneve_port = rte_cpu_to_be_16(c->geneve_port);
	u->sport_min = c->sport_min;
	u->sport_span = (uint16_t)(c->sport_max - c->sport_min + 1);
	b->ttl = c->ttl;
	b->snap->ports[c->port->idx] = (struct dp_port_snap){.port = c->port,
							     .role = DP_ROLE_UNDERLAY};
	b->snap->ports[c->tap->idx] = (struct dp_port_snap){.port = c->tap,
							    .role = DP_ROLE_EXCEPTION};
	b->n_queues += 2;
	return 0;
}

int dp_build_vpc(struct dp_build *b, uint32_t vni, enum dp_encap encap, uint16_t mtu)
{
	if (grow((void **)&b->vpcs, &b->cap_vpcs, b->n_vpcs, sizeof(*b->vpcs)) < 0)
		return -ENOMEM;
	b->vpcs[b->n_vpcs++] = (struct dp_vpc_info){.vni = vni, .encap = encap, .mtu = mtu};
	return 0;
}

int dp_build_remote(struct dp_build *b, uint32_t vni, const uint8_t mac[6], const uint32_t *ip4,
		    unsigned int n_ip4, int vtep_af, const uint8_t vtep[16], const uint8_t *nh_mac)
{
	struct dp_snap *s = b->snap;
	unsigned int cap = b->cap_remotes;
	struct dp_remote *r;

	if (n_ip4 > DP_PORT_IPS_MAX)
		return -ENOSPC;
	if (grow((void **)&s->remotes, &b->cap_remotes, s->n_remotes, sizeof(*r)) < 0 ||
	    grow((void **)&b->nh_macs, &cap, s->n_remotes, sizeof(*b->nh_macs)) < 0)
		return -ENOMEM;
	if (nh_mac != NULL)
		memcpy(b->nh_macs[s->n_remotes].addr_bytes, nh_mac, RTE_ETHER_ADDR_LEN);
	r = &s->remotes[s->n_remotes++];
	memset(r, 0, sizeof(*r));
	r->vni = vni;
	memcpy(r->mac.addr_bytes, mac, RTE_ETHER_ADDR_LEN);
	r->n_ip4 = (uint8_t)n_ip4;
	memcpy(r->ip4, ip4, n_ip4 * sizeof(*ip4));
	r->vtep_af = (uint8_t)vtep_af;
	r->nh_known = nh_mac != NULL;
	/* an IPv4 VTEP is keyed and compared on all 16 bytes: the rest must be zero */
	memcpy(r->vtep, vtep, vtep_af == AF_INET ? 4 : 16);
	return 0;
}

static const struct dp_vpc_info *vpc_info(const struct dp_build *b, uint32_t vni)
{
	for (unsigned int i = 0; i < b->n_vpcs; i++)
		if (b->vpcs[i].vni == vni)
			return &b->vpcs[i];
	return NULL;
}

/* Per-VNI tunnel type and MTU, the VTEPs each VNI accepts, each remote's template. */
static int fill_tunnels(struct dp_build *b)
{
	struct dp_snap *s = b->snap;
	int rc;

	for (unsigned int i = 0; i < b->n_vpcs; i++) {
		const struct dp_vpc_info *v = &b->vpcs[i];

		rc = rte_hash_add_key_data(s->vnis, &v->vni,
					   (void *)((uintptr_t)v->encap << 16 | v->mtu));
		if (rc < 0)
			return rc;
	}
	for (uint32_t i = 0; i < s->n_remotes; i++) {
		struct dp_remote *r = &s->remotes[i];
		const struct dp_vpc_info *v = vpc_info(b, r->vni);
		struct dp_vtep_key k = {.vni = r->vni, .af = r->vtep_af};

		memcpy(k.ip, r->vtep, sizeof(k.ip));
		rc = rte_hash_add_key_data(s->vteps, &k, (void *)1);
		if (rc < 0)
			return rc;
		r->mtu = v != NULL ? v->mtu : 0;
		dp_tmpl_build(r, &s->underlay, v != NULL ? v->encap : DP_ENCAP_VXLAN, b->ttl,
			      r->nh_known ? &b->nh_macs[i] : NULL);
	}
	return 0;
}

static struct rte_hash *hash_new(const char *kind, uint32_t key_len, unsigned int entries)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = RTE_MAX(entries * 2, 64u), /* headroom: bucket collisions */
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
	};

	snprintf(name, sizeof(name), "%s_%" PRIu64, kind, snap_gen + 1);
	return rte_hash_create(&hp);
}

/* The data pointer of an ARP entry is the MAC itself: no second allocation to chase. */
static void *mac_to_data(const struct rte_ether_addr *mac)
{
	uintptr_t v = 0;

	memcpy(&v, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	return (void *)v;
}

static int fill_tables(struct dp_build *b)
{
	struct dp_snap *s = b->snap;
	struct dp_l2_key l2k;
	struct dp_arp_key ak;
	int rc;

	for (uint16_t i = 0; i < DP_PORTS_MAX; i++) {
		const struct dp_port_snap *ps = &s->ports[i];

		if (ps->port == NULL || ps->role != DP_ROLE_VM)
			continue;
		memset(&l2k, 0, sizeof(l2k));
		l2k.vni = ps->vni;
		l2k.mac = ps->mac;
		rc = rte_hash_add_key_data(s->l2, &l2k, (void *)(uintptr_t)i);
		if (rc < 0)
			return rc;
		for (int j = 0; j < ps->n_ip4; j++) {
			ak.vni = ps->vni;
			ak.ip = ps->ip4[j];
			rc = rte_hash_add_key_data(s->arp, &ak, mac_to_data(&ps->mac));
			if (rc < 0)
				return rc;
		}
	}
	for (uint32_t i = 0; i < s->n_remotes; i++) {
		const struct dp_remote *r = &s->remotes[i];

		memset(&l2k, 0, sizeof(l2k));
		l2k.vni = r->vni;
		l2k.mac = r->mac;
		rc = rte_hash_add_key_data(s->l2, &l2k, (void *)(DP_L2_REMOTE + i));
		if (rc < 0)
			return rc;
		for (int j = 0; j < r->n_ip4; j++) {
			ak.vni = r->vni;
			ak.ip = r->ip4[j];
			rc = rte_hash_add_key_data(s->arp, &ak, mac_to_data(&r->mac));
			if (rc < 0)
				return rc;
		}
	}
	for (unsigned int i = 0; i < b->n_gateways; i++) {
		const struct dp_gateway *g = &b->gateways[i];

		memset(&l2k, 0, sizeof(l2k));
		l2k.vni = g->vni;
		l2k.mac = g->mac;
		rc = rte_hash_add_key_data(s->l2, &l2k, (void *)DP_L2_GATEWAY);
		if (rc < 0)
			return rc;
		if (g->ip4 != 0) {
			ak.vni = g->vni;
			ak.ip = g->ip4;
			rc = rte_hash_add_key_data(s->arp, &ak, mac_to_data(&g->mac));
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Spread every (port, queue) over the workers; a queue is polled by exactly one worker. */
static int assign_queues(struct dp_snap *s, unsigned int n_queues)
{
	unsigned int n = 0, w, per_worker;

	if (dp_n_workers == 0)
		return 0; /* dataplane stopped: nothing polls */
	per_worker = n_queues / dp_n_workers + 1;
	for (w = 0; w < dp_n_workers; w++) {
		s->rxqs[w] = rte_zmalloc("dp_rxqs", sizeof(struct dp_rxq) * per_worker, 0);
		if (s->rxqs[w] == NULL)
			return -ENOMEM;
	}
	for (uint16_t i = 0; i < DP_PORTS_MAX; i++) {
		struct dp_port *p = s->ports[i].port;

		if (p == NULL)
			continue;
		for (uint16_t q = 0; q < p->n_queues; q++) {
			w = (n++) % dp_n_workers;
			s->rxqs[w][s->n_rxqs[w]++] = (struct dp_rxq){.port = p, .queue = q};
		}
	}
	return 0;
}

static void snap_free(struct dp_snap *s)
{
	if (s == NULL)
		return;
	rte_hash_free(s->l2);
	rte_hash_free(s->arp);
	rte_hash_free(s->vnis);
	rte_hash_free(s->vteps);
	rte_free(s->remotes);
	for (unsigned int w = 0; w < RTE_MAX_LCORE; w++)
		rte_free(s->rxqs[w]);
	rte_free(s);
}

void dp_build_abort(struct dp_build *b)
{
	if (b == NULL)
		return;
	snap_free(b->snap);
	rte_free(b->gateways);
	rte_free(b->vpcs);
	rte_free(b->nh_macs);
	rte_free(b);
}

void dp_build_keep_flows(struct dp_build *b)
{
	b->keep_flows = true;
}

int dp_build_commit(struct dp_build *b)
{
	struct dp_snap *s = b->snap, *old;
	unsigned int n_arp = b->n_gateways;
	int rc;

	for (uint16_t i = 0; i < DP_PORTS_MAX; i++)
		n_arp += s->ports[i].n_ip4;
	for (uint32_t i = 0; i < s->n_remotes; i++)
		n_arp += s->remotes[i].n_ip4;
	s->l2 = hash_new("dp_l2", sizeof(struct dp_l2_key),
			 b->n_ports + b->n_gateways + s->n_remotes);
	s->arp = hash_new("dp_arp", sizeof(struct dp_arp_key), n_arp);
	s->vnis = hash_new("dp_vni", sizeof(uint32_t), b->n_vpcs);
	s->vteps = hash_new("dp_vtep", sizeof(struct dp_vtep_key), s->n_remotes);
	if (s->l2 == NULL || s->arp == NULL || s->vnis == NULL || s->vteps == NULL) {
		rc = -ENOMEM;
		goto abort;
	}
	rc = fill_tables(b);
	if (rc == 0)
		rc = fill_tunnels(b);
	if (rc < 0)
		goto abort;
	rc = assign_queues(s, b->n_queues);
	if (rc < 0)
		goto abort;
	s->gen = ++snap_gen;
	old = atomic_load_explicit(&dp_snap_current, memory_order_relaxed);
	if (!b->keep_flows || old == NULL) {
		/* 0 means never: a zeroed slot's action is stale in every configuration */
		if (++flow_gen == 0)
			++flow_gen;
	}
	s->flow_gen = flow_gen;
	rte_free(b->gateways);
	rte_free(b->vpcs);
	rte_free(b->nh_macs);
	rte_free(b);
	/* release: the tables filled above are visible to a worker that loads the pointer */
	old = atomic_exchange_explicit(&dp_snap_current, s, memory_order_acq_rel);
	if (dp_qsbr != NULL)
		rte_rcu_qsbr_synchronize(dp_qsbr, RTE_QSBR_THRID_INVALID);
	snap_free(old);
	return 0;
abort:
	dp_build_abort(b);
	return rc;
}

void dp_snap_release_all(void)
{
	snap_free(atomic_exchange(&dp_snap_current, NULL));
}

/* The VTEPs of remotes whose flag is set, each once; clears the flags. */
static unsigned int vteps_flagged(struct dp_vtep *vteps, unsigned int max, size_t flag_off)
{
	struct dp_snap *s = atomic_load_explicit(&dp_snap_current, memory_order_acquire);
	unsigned int n = 0;

	if (s == NULL)
		return 0;
	for (uint32_t i = 0; i < s->n_remotes && n < max; i++) {
		struct dp_remote *r = &s->remotes[i];
		_Atomic bool *flag = (_Atomic bool *)((uint8_t *)r + flag_off);
		bool dup = false;

		if (!atomic_exchange_explicit(flag, false, memory_order_relaxed))
			continue;
		for (unsigned int j = 0; j < n && !dup; j++)
			dup = vteps[j].af == r->vtep_af && memcmp(vteps[j].addr, r->vtep, 16) == 0;
		if (dup)
			continue;
		vteps[n].af = r->vtep_af;
		memcpy(vteps[n++].addr, r->vtep, 16);
	}
	return n;
}

unsigned int dp_vteps_unresolved(struct dp_vtep *vteps, unsigned int max)
{
	return vteps_flagged(vteps, max, offsetof(struct dp_remote, want_resolve));
}

unsigned int dp_vteps_used(struct dp_vtep *vteps, unsigned int max)
{
	return vteps_flagged(vteps, max, offsetof(struct dp_remote, used));
}
