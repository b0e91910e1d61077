/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A VPC's route table: longest-prefix match over its subnets (connected routes) and its
 * routes, IPv4 with rte_fib and IPv6 with rte_fib6. Built on the control thread, only when
 * the VPC's routing changed, and shared by every snapshot that has it: immutable once
 * built, so workers read it without locks. Next hops that name addresses are resolved at
 * lookup time against the snapshot's neighbours, so a VM moving does not rebuild routes.
 */
#ifndef VPCSW_DP_ROUTE_H
#define VPCSW_DP_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#define DP_ECMP_MEMBERS_MAX 16

enum dp_nh_kind {
	DP_NH_CONNECTED, /* a subnet: the destination address itself is looked up */
	DP_NH_ADDRESS,   /* an address of a VM of the VPC (a virtual appliance) */
	DP_NH_PORT,      /* a local port, by index */
	DP_NH_VTEP,      /* another host: encapsulated to it unchanged, routed there */
	DP_NH_ECMP,      /* a group of addresses: one per flow, by its hash */
	DP_NH_BLACKHOLE, /* dropped, counted as route_blackhole */
};

struct dp_route_conf {
	uint8_t af;       /* AF_INET or AF_INET6 */
	uint8_t plen;
	uint8_t addr[16]; /* network order, no host bits */
	uint8_t kind;     /* enum dp_nh_kind */
	uint8_t nh_af;    /* ADDRESS, VTEP */
	uint8_t nh[16];
	uint16_t port;    /* PORT: the port's index */
	uint32_t group;   /* ECMP: index into the groups given to dp_rtable_build */
};

struct dp_ecmp_conf {
	/* first: 8-byte aligned, as rte_hash_crc reads 8 bytes at a time */
	uint8_t members[DP_ECMP_MEMBERS_MAX][16] __attribute__((aligned(8)));
	uint8_t af;
	uint8_t n;
};

/* A route's next hop as the lookup returns it. */
struct dp_nh {
	uint8_t kind;
	uint8_t af;
	uint16_t port;
	uint32_t group;
	uint8_t addr[16];
	/* the route's own prefix: what a trace shows (the FIB only knows the next hop) */
	uint8_t plen;
	uint8_t prefix[16];
};

struct dp_rtable;

/**
 * Build the table of VPC vni. A prefix given twice keeps the later route: put the subnets
 * first, so that a route for a subnet's own prefix steers it (a middlebox in front of a
 * subnet). Control thread. Returns NULL with errno = EINVAL (bad prefix or group index) or
 * ENOMEM.
 */
struct dp_rtable *dp_rtable_build(uint32_t vni, const struct dp_route_conf *routes, uint32_t n,
				  const struct dp_ecmp_conf *groups, uint32_t n_groups);
/** Control thread, once no published snapshot has it; accepts NULL. */
void dp_rtable_free(struct dp_rtable *rt);
uint32_t dp_rtable_vni(const struct dp_rtable *rt);
uint32_t dp_rtable_routes(const struct dp_rtable *rt);

/** The longest-prefix route for dst (network order, 4 or 16 bytes), or NULL. Any thread. */
const struct dp_nh *dp_rtable_lookup(const struct dp_rtable *rt, int af, const uint8_t *dst);
/** Group g's members. */
const struct dp_ecmp_conf *dp_rtable_group(const struct dp_rtable *rt, uint32_t g);

/**
 * The member of an ECMP group a flow with this hash goes to, among the usable ones
 * (usable[i] false: skipped). Highest-random-weight hashing: a flow keeps its member while
 * that member stays, and removing one member moves only the flows it had. Returns the
 * member's index, or -1 if none is usable.
 */
int dp_ecmp_select(const struct dp_ecmp_conf *g, uint32_t flow_hash, const bool *usable);

#endif
