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
	uint8_t af;
	uint8_t ip[16];
	struct rte_ether_addr mac;
};

struct dp_build {
	struct dp_snap *snap;
	unsigned int n_ports, n_queues, n_gateways, cap_gateways, cap_remotes;
	unsigned int n_vpcs, cap_vpcs, cap_lbs;
	struct dp_gateway *gateways;
	struct dp_vpc_snap *vpcs;
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
	ps->forwarding = pc->forwarding;
	ps->mtu = pc->mtu;
	ps->has_dhcp4 = pc->has_dhcp4;
	ps->dhcp4 = pc->dhcp4;
	ps->has_dhcp6 = pc->has_dhcp6;
	ps->dhcp6 = pc->dhcp6;
	ps->n_ra_prefixes = RTE_MIN(pc->n_ra_prefixes, (uint8_t)DP_PORT_IPS_MAX);
	memcpy(ps->ra_prefixes, pc->ra_prefixes, sizeof(ps->ra_prefixes));
	dp_link_local(ps->gw6_ll, &ps->gw6_mac);
	b->n_ports++;
	b->n_queues += pc->port->n_queues;
	return 0;
}

static int add_gateway(struct dp_build *b, uint32_t vni, int af, const void *ip,
		       const uint8_t mac[6])
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
	memset(g, 0, sizeof(*g));
	g->vni = vni;
	g->af = (uint8_t)af;
	memcpy(g->ip, ip, af == AF_INET ? 4 : 16);
	memcpy(g->mac.addr_bytes, mac, RTE_ETHER_ADDR_LEN);
	return 0;
}

int dp_build_gateway(struct dp_build *b, uint32_t vni, uint32_t ip4, const uint8_t mac[6])
{
	return add_gateway(b, vni, AF_INET, &ip4, mac);
}

int dp_build_gateway6(struct dp_build *b, uint32_t vni, const uint8_t ip6[16],
		      const uint8_t mac[6])
{
	return add_gateway(b, vni, AF_INET6, ip6, mac);
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

int dp_build_health(struct dp_build *b, struct dp_port *tap, const uint8_t tap_mac[6])
{
	struct dp_health *h = &b->snap->health;

	h->targets = rte_zmalloc("dp_hc_targets", DP_HC_SLOTS * sizeof(*h->targets), 0);
	if (h->targets == NULL)
		return -ENOMEM;
	h->present = true;
	h->tap_idx = tap->idx;
	memcpy(h->tap_mac.addr_bytes, tap_mac, RTE_ETHER_ADDR_LEN);
	b->snap->ports[tap->idx] = (struct dp_port_snap){.port = tap, .role = DP_ROLE_HEALTH};
	b->n_queues += 1;
	return 0;
}

int dp_build_health_target(struct dp_build *b, uint16_t slot, struct dp_port *port, uint32_t ip4)
{
	struct dp_health *h = &b->snap->health;
	struct dp_port_snap *ps = &b->snap->ports[port->idx];

	if (!h->present || slot >= DP_HC_SLOTS || ps->port != port || ps->role != DP_ROLE_VM)
		return -EINVAL;
	if (h->targets[slot].used)
		return -EEXIST;
	for (uint8_t i = 0; i < ps->n_ip4; i++) {
		if (ps->ip4[i] != ip4)
			continue;
		if (ps->hc_slot[i] != 0)
			return -EEXIST;
		ps->hc_slot[i] = (uint16_t)(slot + 1);
		ps->hc_any = true;
		h->targets[slot] = (struct dp_hc_target){.port_idx = port->idx, .ip_idx = i,
							 .used = true};
		return 0;
	}
	return -EINVAL;
}

int dp_build_vpc(struct dp_build *b, uint32_t vni, enum dp_encap encap, uint16_t mtu)
{
	if (grow((void **)&b->vpcs, &b->cap_vpcs, b->n_vpcs, sizeof(*b->vpcs)) < 0)
		return -ENOMEM;
	b->vpcs[b->n_vpcs++] = (struct dp_vpc_snap){.vni = vni, .encap = (uint8_t)encap,
						    .mtu = mtu};
	return 0;
}

static struct dp_vpc_snap *vpc_info(const struct dp_build *b, uint32_t vni)
{
	for (unsigned int i = 0; i < b->n_vpcs; i++)
		if (b->vpcs[i].vni == vni)
			return &b->vpcs[i];
	return NULL;
}

int dp_build_routes(struct dp_build *b, uint32_t vni, const struct dp_rtable *rt)
{
	struct dp_vpc_snap *v = vpc_info(b, vni);

	if (v == NULL)
		return -ENOENT;
	v->rt = rt;
	return 0;
}

int dp_build_lb(struct dp_build *b, const struct dp_lb_conf *c)
{
	struct dp_snap *s = b->snap;
	int rc;

	if (grow((void **)&s->lbs, &b->cap_lbs, s->n_lbs, sizeof(*s->lbs)) < 0)
		return -ENOMEM;
	rc = dp_lb_copy(&s->lbs[s->n_lbs], c);
	s->n_lbs++; /* freed with the snapshot, even half filled */
	return rc;
}

/* A new remote entry, its next hop's MAC noted for the template. */
static struct dp_remote *add_remote(struct dp_build *b, const uint8_t *nh_mac)
{
	struct dp_snap *s = b->snap;
	unsigned int cap = b->cap_remotes;
	struct dp_remote *r;

	if (grow((void **)&s->remotes, &b->cap_remotes, s->n_remotes, sizeof(*r)) < 0 ||
	    grow((void **)&b->nh_macs, &cap, s->n_remotes, sizeof(*b->nh_macs)) < 0)
		return NULL;
	if (nh_mac != NULL)
		memcpy(b->nh_macs[s->n_remotes].addr_bytes, nh_mac, RTE_ETHER_ADDR_LEN);
	r = &s->remotes[s->n_remotes++];
	memset(r, 0, sizeof(*r));
	r->nh_known = nh_mac != NULL;
	return r;
}

int dp_build_remote(struct dp_build *b, const struct dp_remote_conf *c)
{
	struct dp_remote *r;

	if (c->n_ip4 > DP_PORT_IPS_MAX || c->n_ip6 > DP_PORT_IPS_MAX)
		return -ENOSPC;
	r = add_remote(b, c->nh_mac);
	if (r == NULL)
		return -ENOMEM;
	r->vni = c->vni;
	memcpy(r->mac.addr_bytes, c->mac, RTE_ETHER_ADDR_LEN);
	memcpy(r->gw_mac.addr_bytes, c->gw_mac, RTE_ETHER_ADDR_LEN);
	memcpy(r->gw6_mac.addr_bytes, c->gw6_mac, RTE_ETHER_ADDR_LEN);
	r->n_ip4 = c->n_ip4;
	memcpy(r->ip4, c->ip4, c->n_ip4 * sizeof(c->ip4[0]));
	r->n_ip6 = c->n_ip6;
	memcpy(r->ip6, c->ip6, c->n_ip6 * sizeof(c->ip6[0]));
	r->vtep_af = (uint8_t)c->vtep_af;
	/* an IPv4 VTEP is keyed and compared on all 16 bytes: the rest must be zero */
	memcpy(r->vtep, c->vtep, c->vtep_af == AF_INET ? 4 : 16);
	return 0;
}

int dp_build_tunnel(struct dp_build *b, uint32_t vni, int vtep_af, const uint8_t vtep[16],
		    const uint8_t *nh_mac)
{
	struct dp_remote *r = add_remote(b, nh_mac);

	if (r == NULL)
		return -ENOMEM;
	r->vni = vni;
	r->tunnel_only = true;
	r->vtep_af = (uint8_t)vtep_af;
	memcpy(r->vtep, vtep, vtep_af == AF_INET ? 4 : 16);
	return 0;
}

/* Per-VNI tunnel type and MTU, the VTEPs each VNI accepts, each remote's template. */
static int fill_tunnels(struct dp_build *b)
{
	struct dp_snap *s = b->snap;
	void *data;
	int rc;

	/* the snapshot takes the VPC array: the vni table points into it */
	s->vpcs = b->vpcs;
	s->n_vpcs = b->n_vpcs;
	b->vpcs = NULL;
	for (unsigned int i = 0; i < s->n_vpcs; i++) {
		rc = rte_hash_add_key_data(s->vnis, &s->vpcs[i].vni, &s->vpcs[i]);
		if (rc < 0)
			return rc;
	}
	for (uint32_t i = 0; i < s->n_remotes; i++) {
		struct dp_remote *r = &s->remotes[i];
		const struct dp_vpc_snap *v = rte_hash_lookup_data(s->vnis, &r->vni, &data) >= 0
						      ? data
						      : NULL;
		struct dp_vtep_key k = {.vni = r->vni, .af = r->vtep_af};

		memcpy(k.ip, r->vtep, sizeof(k.ip));
		/* the first entry of a VTEP is the one routes to it encapsulate with */
		if (rte_hash_lookup(s->vteps, &k) < 0) {
			rc = rte_hash_add_key_data(s->vteps, &k, (void *)((uintptr_t)i + 1));
			if (rc < 0)
				return rc;
		}
		r->mtu = v != NULL ? v->mtu : 0;
		dp_tmpl_build(r, &s->underlay, v != NULL ? (enum dp_encap)v->encap : DP_ENCAP_VXLAN, b->ttl,
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

static int add_l2(struct dp_snap *s, uint32_t vni, const struct rte_ether_addr *mac,
		  uintptr_t value)
{
	struct dp_l2_key k;

	memset(&k, 0, sizeof(k));
	k.vni = vni;
	k.mac = *mac;
	return rte_hash_add_key_data(s->l2, &k, (void *)value);
}

static int add_nbr(struct dp_snap *s, uint32_t vni, int af, const void *ip,
		   const struct rte_ether_addr *mac)
{
	struct dp_nbr_key k = {.vni = vni, .af = (uint32_t)af};

	memcpy(k.ip, ip, af == AF_INET ? 4 : 16);
	return rte_hash_add_key_data(s->nbr, &k, mac_to_data(mac));
}

/* A VM's addresses, here or on another host, to its MAC. */
static int add_nbrs(struct dp_snap *s, uint32_t vni, const struct rte_ether_addr *mac,
		    unsigned int n4, const rte_be32_t *ip4, unsigned int n6,
		    const uint8_t (*ip6)[16])
{
	int rc = 0;

	for (unsigned int j = 0; j < n4 && rc >= 0; j++)
		rc = add_nbr(s, vni, AF_INET, &ip4[j], mac);
	for (unsigned int j = 0; j < n6 && rc >= 0; j++)
		rc = add_nbr(s, vni, AF_INET6, ip6[j], mac);
	return rc;
}

static int fill_tables(struct dp_build *b)
{
	struct dp_snap *s = b->snap;
	int rc;

	for (uint16_t i = 0; i < DP_PORTS_MAX; i++) {
		const struct dp_port_snap *ps = &s->ports[i];

		if (ps->port == NULL || ps->role != DP_ROLE_VM)
			continue;
		rc = add_l2(s, ps->vni, &ps->mac, i);
		if (rc >= 0)
			rc = add_nbrs(s, ps->vni, &ps->mac, ps->n_ip4, ps->ip4, ps->n_ip6, ps->ip6);
		if (rc < 0)
			return rc;
	}
	for (uint32_t i = 0; i < s->n_remotes; i++) {
		const struct dp_remote *r = &s->remotes[i];

		if (r->tunnel_only)
			continue;
		rc = add_l2(s, r->vni, &r->mac, DP_L2_REMOTE + i);
		if (rc >= 0)
			rc = add_nbrs(s, r->vni, &r->mac, r->n_ip4, r->ip4, r->n_ip6, r->ip6);
		if (rc < 0)
			return rc;
	}
	for (unsigned int i = 0; i < b->n_gateways; i++) {
		const struct dp_gateway *g = &b->gateways[i];

		/* subnets of a VPC may share one gateway MAC */
		rc = add_l2(s, g->vni, &g->mac, DP_L2_GATEWAY);
		if (rc >= 0)
			rc = add_nbr(s, g->vni, g->af, g->ip, &g->mac);
		if (rc < 0)
			return rc;
	}
	/* a VIP is answered with its gateway's MAC: clients send it to be routed (balanced) */
	for (uint32_t i = 0; i < s->n_lbs; i++) {
		rc = add_nbr(s, s->lbs[i].vni, s->lbs[i].af, s->lbs[i].vip, &s->lbs[i].gw_mac);
		if (rc < 0)
			return rc;
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
			s->rxqs[w][s->n_rxqs[w]++] = (struct dp_rxq){
				.port = p, .queue = q,
				.kernel = s->ports[i].role == DP_ROLE_EXCEPTION ||
					  s->ports[i].role == DP_ROLE_HEALTH};
		}
	}
	return 0;
}

static void snap_free(struct dp_snap *s)
{
	if (s == NULL)
		return;
	rte_hash_free(s->l2);
	rte_hash_free(s->nbr);
	rte_hash_free(s->vnis);
	rte_free(s->vpcs);
	rte_hash_free(s->vteps);
	rte_free(s->remotes);
	dp_lb_free(s);
	rte_free(s->health.targets);
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
	unsigned int n_nbr = b->n_gateways + s->n_lbs;
	int rc;

	for (uint16_t i = 0; i < DP_PORTS_MAX; i++)
		n_nbr += s->ports[i].n_ip4 + s->ports[i].n_ip6;
	for (uint32_t i = 0; i < s->n_remotes; i++)
		n_nbr += s->remotes[i].n_ip4 + s->remotes[i].n_ip6;
	s->l2 = hash_new("dp_l2", sizeof(struct dp_l2_key),
			 b->n_ports + b->n_gateways + s->n_remotes);
	s->nbr = hash_new("dp_nbr", sizeof(struct dp_nbr_key), n_nbr);
	s->vnis = hash_new("dp_vni", sizeof(uint32_t), b->n_vpcs);
	s->vteps = hash_new("dp_vtep", sizeof(struct dp_vtep_key), s->n_remotes);
	if (s->l2 == NULL || s->nbr == NULL || s->vnis == NULL || s->vteps == NULL) {
		rc = -ENOMEM;
		goto abort;
	}
	rc = fill_tables(b);
	if (rc == 0)
		rc = fill_tunnels(b);
	if (rc == 0)
		rc = dp_lb_fill(s, (unsigned int)snap_gen + 1);
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
