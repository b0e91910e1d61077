/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the files of the desired state share and nothing else includes: growable tables,
 * error messages, address predicates (cfg_util.c), and the cross-table checks each table's
 * file answers for the others (a subnet's delete asks cfg_route.c and cfg_dhcp.c whether
 * anything of theirs still lives in it). Control thread only.
 */
#ifndef VPCSW_CFG_PRIVATE_H
#define VPCSW_CFG_PRIVATE_H

#include <netinet/in.h>
#include <string.h>

#include "cfg.h"

/* ---- messages and tables (cfg_util.c) ---- */

/** Write the message (scrubbed to valid UTF-8) into err (CFG_ERR_SIZE; may be NULL) and
 *  return rc, so that a check reads `return cfg_fail(err, -EINVAL, ...)`. */
int cfg_fail(char *err, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void cfg_table_init(struct cfg_table *t, size_t row_size);
/** dst becomes an exact copy of src. Returns 0 or -ENOMEM (dst then empty). */
int cfg_table_copy(struct cfg_table *dst, const struct cfg_table *src);
/** Returns 0 or -ENOMEM with "out of memory" in err. */
int cfg_table_append(struct cfg_table *t, const void *row, char *err);
/** Remove row i keeping the others' order, so dumps list rows in insertion order. */
void cfg_table_remove(struct cfg_table *t, size_t i);

static inline void *cfg_table_row(const struct cfg_table *t, size_t i)
{
	return (char *)t->rows + i * t->row_size;
}

/* ---- addresses and names (cfg_util.c) ---- */

static inline unsigned int cfg_ip_bits(const struct cfg_ip *ip)
{
	return ip->af == AF_INET ? 32 : 128;
}

/* Only the family's bytes: rows built by hand may leave garbage past an IPv4 address. */
static inline bool cfg_ip_equal(const struct cfg_ip *a, const struct cfg_ip *b)
{
	return a->af == b->af && memcmp(a->addr, b->addr, cfg_ip_bits(a) / 8) == 0;
}

static inline bool cfg_prefix_equal(const struct cfg_prefix *a, const struct cfg_prefix *b)
{
	return a->plen == b->plen && cfg_ip_equal(&a->ip, &b->ip);
}

static inline bool cfg_name_terminated(const char *name)
{
	return strnlen(name, CFG_NAME_SIZE) < CFG_NAME_SIZE;
}

static inline const char *cfg_af_name(uint8_t af)
{
	return af == AF_INET ? "IPv4" : af == AF_INET6 ? "IPv6" : "no family";
}

/* FNV-1a, continued from h (start with CFG_HASH_INIT). */
#define CFG_HASH_INIT 14695981039346656037ull
static inline uint64_t cfg_hash_bytes(uint64_t h, const void *p, size_t size)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < size; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/*
 * An index of a table's rows by key (cfg_index.c), so that loading and syncing tens of
 * thousands of rules or routes stays linear. A cache: NULL below CFG_INDEX_MIN rows, in a
 * clone, or when memory ran out; lookups then scan. A probe is a row-shaped struct whose
 * key fields are set.
 */
struct cfg_row_key {
	/* of key k of the row (of the key fields only); a probe's key is its key 0 */
	uint64_t (*hash)(const void *row, unsigned k);
	bool (*same)(const void *row, unsigned k, const void *probe);
	unsigned (*keys)(const void *row); /* how many keys the row has (at most 16); NULL: 1 */
};

struct cfg_index {
	const struct cfg_row_key *key;
	size_t mask;      /* slots - 1; a power of two, at least twice the rows */
	size_t used;
	uint32_t slots[]; /* (row << 4 | key) + 1; 0: empty */
};

#define CFG_INDEX_MIN 64 /* rows below which a scan is as cheap */

/** An index of every row of t with room for at least `entries` keys; NULL without memory. */
struct cfg_index *cfg_index_new(const struct cfg_row_key *key, const struct cfg_table *t,
				size_t entries);
/** The row of t with probe's key, or -1: through ix, or a scan when ix is NULL. */
long cfg_index_find(const struct cfg_row_key *key, const struct cfg_index *ix,
		    const struct cfg_table *t, const void *probe);
/** The same, building *ix first once t is large. */
long cfg_index_lookup(const struct cfg_row_key *key, struct cfg_index **ix,
		      const struct cfg_table *t, const void *probe);
/** How many rows of next have a row of old with their key (and equal to them, unless equal
 *  is NULL): through ix, old's index (NULL: a temporary one), so that a sync of many rows is
 *  not quadratic. */
size_t cfg_index_count_same(const struct cfg_row_key *key, const struct cfg_index *ix,
			    const struct cfg_table *old, const struct cfg_table *next,
			    bool (*equal)(const void *a, const void *b));
/** After an append to t: index the new row, growing the index at half load. */
void cfg_index_add_last(struct cfg_index **ix, const struct cfg_table *t);
/** Row i of t becomes row (its keys may change), in *ix (may be NULL) too. */
void cfg_index_replace(struct cfg_index **ix, struct cfg_table *t, size_t i, const void *row);
/** Row i of t is about to go, the last row to take its place (cfg_table_swap_remove with
 *  another index): in ix (may be NULL), its keys go and the last row's move to i. */
void cfg_index_swap_remove(struct cfg_index *ix, const struct cfg_table *t, size_t i);
/** Row i of t goes; the last row takes its place, in ix (may be NULL) too. */
void cfg_table_swap_remove(struct cfg_table *t, struct cfg_index *ix, size_t i);

bool cfg_host_bits_zero(const struct cfg_prefix *p);
/** The IPv4 network and broadcast addresses of subnet p, which can name no host. */
bool cfg_is_v4_reserved(const struct cfg_prefix *p, const struct cfg_ip *ip);
bool cfg_prefixes_overlap(const struct cfg_prefix *a, const struct cfg_prefix *b);
bool cfg_mac_valid_unicast(const uint8_t mac[6]);
/** A unicast address of its family: not zero, not multicast (nor IPv4 class E/broadcast). */
bool cfg_ip_unicast(const struct cfg_ip *ip);
/** Zero-filled copy, so that stored rows compare by their bytes. */
void cfg_name_copy(char dst[CFG_NAME_SIZE], const char *src);
/** Zero the address bytes past the family's, for the same reason. */
void cfg_ip_clean(struct cfg_ip *ip);

/* ---- checks other tables ask of routing (cfg_route.c) and DHCP (cfg_dhcp.c) ---- */

/** -EBUSY while vpc has routes or ECMP groups. */
int cfg_routes_vpc_busy(const struct cfg *c, const char *vpc, char *err);
/** -EBUSY while a route's next hop or an ECMP member lies in subnet s. */
int cfg_routes_subnet_busy(const struct cfg *c, const struct cfg_subnet *s, char *err);
/** -EEXIST when s's gateway (a modify may move it) is a route's next hop or an ECMP member. */
int cfg_routes_gateway_check(const struct cfg *c, const struct cfg_subnet *s, char *err);
/** -EBUSY while a route's next hop is port `name` and the port is deleted (vpc NULL) or moved
 *  to another VPC than the route's. */
int cfg_routes_port_busy(const struct cfg *c, const char *name, const char *vpc, char *err);
/** Rows of next's routes that old holds unchanged; near-linear. */
size_t cfg_routes_unchanged(const struct cfg *old, const struct cfg *next);
/** Rows of next's ECMP groups that old holds unchanged. */
size_t cfg_ecmp_groups_unchanged(const struct cfg *old, const struct cfg *next);
/** -EBUSY while vpc has DHCP options (vpc) or subnet s has them (s non-NULL). */
int cfg_dhcp_busy(const struct cfg *c, const char *vpc, const struct cfg_subnet *s, char *err);
size_t cfg_dhcp_unchanged(const struct cfg *old, const struct cfg *next);

/* ---- checks other tables ask of the load balancers (cfg_lb.c) ---- */

/** -EBUSY while vpc has balancers. */
int cfg_lbs_vpc_busy(const struct cfg *c, const char *vpc, char *err);
/** -EBUSY while a VIP or a backend lies in subnet s. */
int cfg_lbs_subnet_busy(const struct cfg *c, const struct cfg_subnet *s, char *err);
/** -EEXIST when ip is the VIP of a balancer of vpc; field names what is refused. */
int cfg_lbs_vip_check(const struct cfg *c, const char *vpc, const struct cfg_ip *ip,
		      const char *field, char *err);
/** -EEXIST when s's gateway (a modify may move it) is a VIP or a backend's address. */
int cfg_lbs_gateway_check(const struct cfg *c, const struct cfg_subnet *s, char *err);
/** Rows of next's table t (a balancer table) that old holds unchanged. */
size_t cfg_lbs_unchanged(const struct cfg *old, const struct cfg *next, enum cfg_table_id t);

#endif
