/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-VPC route tables (dp_route.h). The FIBs are of DPDK's RIB-backed kind (RTE_FIB_DUMMY):
 * a VPC needs a few hundred bytes per route instead of DIR24_8's 64 MB of tables. Lookups
 * happen only for a connection's first packet and on revalidation (the flow cache carries
 * every later packet), so the tree walk costs connection setup, not forwarding.
 *
 * A family with no route but its subnets gets no FIB: a VPC's subnets never overlap, so
 * the one that contains an address is its route, and a short scan finds it. Each FIB costs
 * two of the process's 2,560 memzones (its RIB's mempool), and most VPCs of a host route
 * nothing beyond their subnets.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp_route.h"

struct dp_rtable {
	uint32_t vni;
	struct rte_fib *fib4;   /* NULL: no IPv4 route */
	struct rte_fib6 *fib6;  /* NULL: no IPv6 route */
	uint32_t n_nhs;         /* one per route; a FIB's next hop is its index, plus one */
	struct dp_nh *nhs;
	uint32_t n_groups;
	struct dp_ecmp_conf *groups;
	uint32_t n_conn4, n_conn6; /* families without a FIB: their subnets, scanned */
	struct dp_route_conf *conn4, *conn6;
	uint32_t *conn4_nh, *conn6_nh;
};

static uint32_t rtable_serial; /* FIB names must be unique in the process */

uint32_t dp_rtable_vni(const struct dp_rtable *rt)
{
	return rt->vni;
}

uint32_t dp_rtable_routes(const struct dp_rtable *rt)
{
	return rt->n_nhs;
}

void dp_rtable_free(struct dp_rtable *rt)
{
	if (rt == NULL)
		return;
	rte_fib_free(rt->fib4);
	rte_fib6_free(rt->fib6);
	rte_free(rt->nhs);
	rte_free(rt->groups);
	rte_free(rt->conn4);
	rte_free(rt->conn6);
	rte_free(rt->conn4_nh);
	rte_free(rt->conn6_nh);
	rte_free(rt);
}

static int create_fibs(struct dp_rtable *rt, uint32_t n4, uint32_t n6)
{
	char name[64];
	uint32_t serial = ++rtable_serial;

	if (n4 > 0) {
		struct rte_fib_conf c = {.type = RTE_FIB_DUMMY, .default_nh = 0,
					 .max_routes = (int)n4};

		snprintf(name, sizeof(name), "rt4_%u_%u", rt->vni, serial);
		rt->fib4 = rte_fib_create(name, (int)rte_socket_id(), &c);
		if (rt->fib4 == NULL)
			return -ENOMEM;
	}
	if (n6 > 0) {
		struct rte_fib6_conf c = {.type = RTE_FIB6_DUMMY, .default_nh = 0,
					  .max_routes = (int)n6};

		snprintf(name, sizeof(name), "rt6_%u_%u", rt->vni, serial);
		rt->fib6 = rte_fib6_create(name, (int)rte_socket_id(), &c);
		if (rt->fib6 == NULL)
			return -ENOMEM;
	}
	return 0;
}

static bool group_valid(const struct dp_ecmp_conf *g)
{
	return (g->af == AF_INET || g->af == AF_INET6) && g->n >= 1 &&
	       g->n <= DP_ECMP_MEMBERS_MAX;
}

static bool route_valid(const struct dp_route_conf *r, uint32_t n_groups)
{
	if ((r->af != AF_INET || r->plen > 32) && (r->af != AF_INET6 || r->plen > 128))
		return false;
	if (r->kind > DP_NH_BLACKHOLE)
		return false;
	return r->kind != DP_NH_ECMP || r->group < n_groups;
}

/* A subnet of a family without a FIB: remembered for the scan. */
static void add_connected(struct dp_rtable *rt, const struct dp_route_conf *r, uint32_t nh)
{
	bool v4 = r->af == AF_INET;
	uint32_t *n = v4 ? &rt->n_conn4 : &rt->n_conn6;

	(v4 ? rt->conn4 : rt->conn6)[*n] = *r;
	(v4 ? rt->conn4_nh : rt->conn6_nh)[(*n)++] = nh;
}

static int add_route(struct dp_rtable *rt, const struct dp_route_conf *r, uint64_t nh)
{
	if ((r->af == AF_INET ? (void *)rt->fib4 : (void *)rt->fib6) == NULL) {
		add_connected(rt, r, (uint32_t)nh);
		return 0;
	}
	if (r->af == AF_INET) {
		uint32_t ip;

		memcpy(&ip, r->addr, 4);
		return rte_fib_add(rt->fib4, rte_be_to_cpu_32(ip), r->plen, nh);
	}
	return rte_fib6_add(rt->fib6, r->addr, r->plen, nh);
}

struct dp_rtable *dp_rtable_build(uint32_t vni, const struct dp_route_conf *routes, uint32_t n,
				  const struct dp_ecmp_conf *groups, uint32_t n_groups)
{
	struct dp_rtable *rt = rte_zmalloc("dp_rtable", sizeof(*rt), 0);
	uint32_t n4 = 0, n6 = 0, c4 = 0, c6 = 0; /* routes, and of them connected, per family */
	int rc = -ENOMEM;

	if (rt == NULL)
		goto fail_errno;
	rt->vni = vni;
	for (uint32_t i = 0; i < n_groups; i++) {
		if (!group_valid(&groups[i])) {
			rc = -EINVAL;
			goto fail;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		if (!route_valid(&routes[i], n_groups)) {
			rc = -EINVAL;
			goto fail;
		}
		n4 += routes[i].af == AF_INET;
		n6 += routes[i].af == AF_INET6;
		c4 += routes[i].af == AF_INET && routes[i].kind == DP_NH_CONNECTED;
		c6 += routes[i].af == AF_INET6 && routes[i].kind == DP_NH_CONNECTED;
	}
	rt->nhs = rte_malloc("dp_rt_nhs", sizeof(*rt->nhs) * (n ? n : 1), 0);
	rt->groups = rte_malloc("dp_rt_groups", sizeof(*groups) * (n_groups ? n_groups : 1), 0);
	if (rt->nhs == NULL || rt->groups == NULL)
		goto fail;
	if (n_groups > 0)
		memcpy(rt->groups, groups, sizeof(*groups) * n_groups);
	rt->n_groups = n_groups;
	rt->conn4 = rte_malloc("dp_rt_conn", sizeof(*routes) * (c4 + 1), 0);
	rt->conn6 = rte_malloc("dp_rt_conn", sizeof(*routes) * (c6 + 1), 0);
	rt->conn4_nh = rte_malloc("dp_rt_conn", sizeof(uint32_t) * (c4 + 1), 0);
	rt->conn6_nh = rte_malloc("dp_rt_conn", sizeof(uint32_t) * (c6 + 1), 0);
	if (rt->conn4 == NULL || rt->conn6 == NULL || rt->conn4_nh == NULL || rt->conn6_nh == NULL)
		goto fail;
	/* a FIB only for a family that routes more than its subnets */
	if ((rc = create_fibs(rt, n4 > c4 ? n4 : 0, n6 > c6 ? n6 : 0)) < 0)
		goto fail;
	for (uint32_t i = 0; i < n; i++) {
		const struct dp_route_conf *r = &routes[i];
		struct dp_nh *nh = &rt->nhs[rt->n_nhs];

		*nh = (struct dp_nh){.kind = r->kind, .af = r->nh_af, .port = r->port,
				     .group = r->group, .plen = r->plen};
		memcpy(nh->addr, r->nh, 16);
		memcpy(nh->prefix, r->addr, 16);
		/* rte_fib_add replaces the next hop of a prefix it has: the later route wins */
		rc = add_route(rt, r, (uint64_t)rt->n_nhs + 1);
		if (rc < 0)
			goto fail;
		rt->n_nhs++;
	}
	return rt;
fail:
	dp_rtable_free(rt);
	errno = -rc;
	return NULL;
fail_errno:
	errno = ENOMEM;
	return NULL;
}

static bool prefix_has(const struct dp_route_conf *p, const uint8_t *a)
{
	uint8_t full = p->plen / 8, rest = p->plen % 8;

	if (memcmp(p->addr, a, full) != 0)
		return false;
	return rest == 0 || ((p->addr[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static uint64_t scan_connected(const struct dp_route_conf *c, const uint32_t *nh, uint32_t n,
			       const uint8_t *dst)
{
	for (uint32_t i = 0; i < n; i++)
		if (prefix_has(&c[i], dst))
			return nh[i];
	return 0;
}

const struct dp_nh *dp_rtable_lookup(const struct dp_rtable *rt, int af, const uint8_t *dst)
{
	uint64_t nh = 0;

	if (af == AF_INET && rt->fib4 == NULL)
		nh = scan_connected(rt->conn4, rt->conn4_nh, rt->n_conn4, dst);
	else if (af == AF_INET6 && rt->fib6 == NULL)
		nh = scan_connected(rt->conn6, rt->conn6_nh, rt->n_conn6, dst);
	else if (af == AF_INET) {
		uint32_t ip;

		memcpy(&ip, dst, 4);
		ip = rte_be_to_cpu_32(ip);
		rte_fib_lookup_bulk(rt->fib4, &ip, &nh, 1);
	} else if (af == AF_INET6) {
		uint8_t ip[1][RTE_FIB6_IPV6_ADDR_SIZE];

		memcpy(ip[0], dst, 16);
		rte_fib6_lookup_bulk(rt->fib6, ip, &nh, 1);
	}
	return nh == 0 || nh > rt->n_nhs ? NULL : &rt->nhs[nh - 1];
}

const struct dp_ecmp_conf *dp_rtable_group(const struct dp_rtable *rt, uint32_t g)
{
	return g < rt->n_groups ? &rt->groups[g] : NULL;
}

/* MurmurHash3's finalizer: every input bit moves every output bit, which a CRC alone does
 * not do (scores from a linear hash favour some members for most flows). */
static uint32_t avalanche(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

int dp_ecmp_select(const struct dp_ecmp_conf *g, uint32_t flow_hash, const bool *usable)
{
	uint32_t best_score = 0;
	int best = -1;

	for (int i = 0; i < g->n; i++) {
		/* a member's weight for this flow depends on the member's address alone, not on
		 * its position or on the others: that is what keeps flows in place */
		uint32_t score = avalanche(rte_hash_crc(g->members[i], 16, 0) ^ avalanche(flow_hash));

		if (!usable[i])
			continue;
		if (best < 0 || score > best_score) {
			best = i;
			best_score = score;
		}
	}
	return best;
}
