/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routes and ECMP groups of each VPC (see cfg.h): their checks, the normal form they are
 * stored in, and the hash of routes by (vpc, prefix) that keeps loading 100,000 routes
 * linear. The questions other tables ask of them (is a subnet, port or VPC still used by a
 * route?) are answered here too, declared in cfg_private.h.
 */
#include "cfg_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const nh_kind_names[] = {
	[CFG_NH_ADDRESS] = "an address",    [CFG_NH_PORT] = "a port",
	[CFG_NH_VTEP] = "a vtep",	    [CFG_NH_ECMP] = "an ecmp",
	[CFG_NH_BLACKHOLE] = "a blackhole",
};

static bool nh_has_ip(uint8_t kind)
{
	return kind == CFG_NH_ADDRESS || kind == CFG_NH_VTEP;
}

static bool nh_has_name(uint8_t kind)
{
	return kind == CFG_NH_PORT || kind == CFG_NH_ECMP;
}

/* ---- the route index ---- */

/* Keyed by (vpc, prefix), kept exact through deletes, which move the last row into the hole
 * (withdrawing all the routes of a VPC stays linear). Only the bytes that mean something are
 * hashed: a probe need not be zero-filled as stored rows are. */
static uint64_t route_hash(const void *row, unsigned k)
{
	const struct cfg_route *r = row;
	uint64_t h = cfg_hash_bytes(CFG_HASH_INIT, r->vpc, strlen(r->vpc) + 1);

	(void)k;
	h = cfg_hash_bytes(h, &r->prefix.ip.af, sizeof(r->prefix.ip.af));
	h = cfg_hash_bytes(h, r->prefix.ip.addr, cfg_ip_bits(&r->prefix.ip) / 8);
	return cfg_hash_bytes(h, &r->prefix.plen, sizeof(r->prefix.plen));
}

static bool route_same(const void *row, unsigned k, const void *probe)
{
	const struct cfg_route *a = row, *b = probe;

	(void)k;
	return strcmp(a->vpc, b->vpc) == 0 && cfg_prefix_equal(&a->prefix, &b->prefix);
}

static const struct cfg_row_key route_key = {route_hash, route_same, NULL};

/* A probe for the route (vpc, p). */
static struct cfg_route route_probe(const char *vpc, const struct cfg_prefix *p)
{
	struct cfg_route r = {.prefix = *p};

	snprintf(r.vpc, sizeof(r.vpc), "%s", vpc);
	return r;
}

/* Row index of the route (vpc, p), or -1; builds the index once the table is large. */
static long route_index_of(struct cfg *c, const char *vpc, const struct cfg_prefix *p)
{
	struct cfg_route probe = route_probe(vpc, p);

	return cfg_index_lookup(&route_key, &c->route_index, &c->routes, &probe);
}

const struct cfg_route *cfg_route_find(const struct cfg *c, const char *vpc,
				       const struct cfg_prefix *prefix)
{
	struct cfg_route probe = route_probe(vpc, prefix);
	long i = cfg_index_find(&route_key, c->route_index, &c->routes, &probe);

	return i < 0 ? NULL : cfg_table_row(&c->routes, i);
}

/* ---- next hops ---- */

/*
 * A VM's address as a next hop (a route's, or an ECMP member): a host address of a subnet of
 * the VPC, not its gateway (the switch itself: a loop). `want_af` (0: any) is the family it
 * must have, `af_what` what imposes it, for the message.
 */
static int nh_host_check(const struct cfg *c, const char *vpc, const struct cfg_ip *ip,
			 uint8_t want_af, const char *af_what, const char *field, char *err)
{
	const struct cfg_subnet *home;
	char buf[64], cidr[64];

	if (ip->af != AF_INET && ip->af != AF_INET6)
		return cfg_fail(err, -EINVAL, "%s: missing or not an IP address", field);
	cfg_ip_format(ip, buf, sizeof(buf));
	if (want_af != 0 && ip->af != want_af)
		return cfg_fail(err, -EINVAL, "%s: %s is %s, %s is %s", field, buf,
				cfg_af_name(ip->af), af_what, cfg_af_name(want_af));
	home = cfg_subnet_holding(c, vpc, ip);
	if (home == NULL)
		return cfg_fail(err, -EINVAL, "%s: %s is outside every subnet of vpc '%s'", field,
				buf, vpc);
	cfg_prefix_format(&home->cidr, cidr, sizeof(cidr));
	if (cfg_ip_equal(ip, &home->gateway))
		return cfg_fail(err, -EINVAL, "%s: %s is the gateway of subnet %s", field, buf,
				cidr);
	if (cfg_ip_equal(ip, &home->cidr.ip) || cfg_is_v4_reserved(&home->cidr, ip))
		return cfg_fail(err, -EINVAL, "%s: %s is not a host address of subnet %s", field,
				buf, cidr);
	return 0;
}

static bool ip_given(const struct cfg_ip *ip)
{
	static const uint8_t zero[sizeof(ip->addr)];

	return ip->af != 0 || memcmp(ip->addr, zero, sizeof(zero)) != 0;
}

static int route_prefix_normalize(const struct cfg_prefix *in, struct cfg_prefix *p, char *err)
{
	char buf[64];

	*p = *in;
	if (p->ip.af != AF_INET && p->ip.af != AF_INET6)
		return cfg_fail(err, -EINVAL,
				"route.prefix: missing or not an IPv4 or IPv6 prefix");
	if (p->plen > cfg_ip_bits(&p->ip))
		return cfg_fail(err, -EINVAL, "route.prefix: prefix length %u is over %u", p->plen,
				cfg_ip_bits(&p->ip));
	cfg_ip_clean(&p->ip);
	cfg_prefix_format(p, buf, sizeof(buf));
	if (!cfg_host_bits_zero(p))
		return cfg_fail(err, -EINVAL, "route.prefix: %s has host bits set", buf);
	return 0;
}

/* What a route says on its own, in the one form it is stored in. Members a kind of next hop
 * does not use are refused, not dropped: a row that says more than is stored would read
 * back different from what its author wrote. */
static int route_normalize(const struct cfg_route *in, struct cfg_route *r, char *err)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (!cfg_name_terminated(in->vpc) || !cfg_name_terminated(in->nh_name))
		return cfg_fail(err, -EINVAL, "route: a name is not NUL-terminated");
	cfg_name_copy(r->vpc, in->vpc);
	if ((rc = route_prefix_normalize(&in->prefix, &r->prefix, err)) < 0)
		return rc;
	if (in->nh_kind > CFG_NH_BLACKHOLE)
		return cfg_fail(err, -EINVAL,
				"route.nh_kind: %u is not address (0), port (1), "
				"vtep (2), ecmp (3) or blackhole (4)",
				in->nh_kind);
	r->nh_kind = in->nh_kind;
	if (!nh_has_ip(in->nh_kind) && ip_given(&in->nh_ip))
		return cfg_fail(err, -EINVAL, "route.nh_ip: %s next hop has no address",
				nh_kind_names[in->nh_kind]);
	if (!nh_has_name(in->nh_kind) && in->nh_name[0] != '\0')
		return cfg_fail(err, -EINVAL, "route.nh_name: %s next hop has no name",
				nh_kind_names[in->nh_kind]);
	if (nh_has_ip(in->nh_kind)) {
		r->nh_ip = in->nh_ip;
		cfg_ip_clean(&r->nh_ip);
	}
	if (nh_has_name(in->nh_kind))
		cfg_name_copy(r->nh_name, in->nh_name);
	return 0;
}

static int route_nh_check(const struct cfg *c, const struct cfg_route *r, char *err)
{
	const struct cfg_ecmp_group *g;
	const struct cfg_port *p;
	char buf[64];

	switch (r->nh_kind) {
	case CFG_NH_ADDRESS:
		return nh_host_check(c, r->vpc, &r->nh_ip, r->prefix.ip.af, "the prefix",
				     "route.nh_ip", err);
	case CFG_NH_PORT:
		p = cfg_port_find(c, r->nh_name);
		if (p == NULL || strcmp(p->vpc, r->vpc) != 0)
			return cfg_fail(err, -ENOENT, "route.nh_name: no port '%s' in vpc '%s'",
					r->nh_name, r->vpc);
		return 0;
	case CFG_NH_VTEP:
		if (r->nh_ip.af != AF_INET && r->nh_ip.af != AF_INET6)
			return cfg_fail(err, -EINVAL, "route.nh_ip: missing or not an IP address");
		cfg_ip_format(&r->nh_ip, buf, sizeof(buf));
		if (!cfg_ip_unicast(&r->nh_ip))
			return cfg_fail(err, -EINVAL, "route.nh_ip: %s is not a unicast address",
					buf);
		return 0;
	case CFG_NH_ECMP:
		g = cfg_ecmp_group_find(c, r->vpc, r->nh_name);
		if (g == NULL)
			return cfg_fail(err, -ENOENT,
					"route.nh_name: no ecmp group '%s' in vpc '%s'", r->nh_name,
					r->vpc);
		if (g->members[0].af != r->prefix.ip.af)
			return cfg_fail(err, -EINVAL,
					"route.nh_name: ecmp group '%s' has %s "
					"members, the prefix is %s",
					r->nh_name, cfg_af_name(g->members[0].af),
					cfg_af_name(r->prefix.ip.af));
		return 0;
	default:
		return 0;
	}
}

/* ---- routes ---- */

/* Normalize `in` into r and check it against the state, bar its key's (non-)existence. */
static int route_check(const struct cfg *c, const struct cfg_route *in, struct cfg_route *r,
		       char *err)
{
	int rc = route_normalize(in, r, err);

	if (rc < 0)
		return rc;
	if (cfg_vpc_find(c, r->vpc) == NULL)
		return cfg_fail(err, -ENOENT, "route.vpc: no vpc '%s'", r->vpc);
	return route_nh_check(c, r, err);
}

int cfg_route_insert(struct cfg *c, const struct cfg_route *in, char *err)
{
	struct cfg_route r;
	char buf[64];
	int rc = route_check(c, in, &r, err);

	if (rc < 0)
		return rc;
	if (route_index_of(c, r.vpc, &r.prefix) >= 0) {
		cfg_prefix_format(&r.prefix, buf, sizeof(buf));
		return cfg_fail(err, -EEXIST, "route.prefix: vpc '%s' already has a route to %s",
				r.vpc, buf);
	}
	if (c->routes.len >= CFG_ROUTES_MAX)
		return cfg_fail(err, -ENOSPC, "route: at most %u routes on a host", CFG_ROUTES_MAX);
	rc = cfg_table_append(&c->routes, &r, err);
	if (rc == 0)
		cfg_index_add_last(&c->route_index, &c->routes);
	return rc;
}

int cfg_route_modify(struct cfg *c, const struct cfg_route *in, char *err)
{
	struct cfg_route r;
	char buf[64];
	long i;
	int rc = route_check(c, in, &r, err);

	if (rc < 0)
		return rc;
	i = route_index_of(c, r.vpc, &r.prefix);
	if (i < 0) {
		cfg_prefix_format(&r.prefix, buf, sizeof(buf));
		return cfg_fail(err, -ENOENT, "route.prefix: vpc '%s' has no route to %s", r.vpc,
				buf);
	}
	memcpy(cfg_table_row(&c->routes, i), &r, sizeof(r));
	return 0;
}

int cfg_route_delete(struct cfg *c, const char *vpc, const struct cfg_prefix *prefix, char *err)
{
	long i = route_index_of(c, vpc, prefix);
	char buf[64];

	if (i < 0) {
		cfg_prefix_format(prefix, buf, sizeof(buf));
		return cfg_fail(err, -ENOENT, "route.prefix: vpc '%s' has no route to %s", vpc,
				buf);
	}
	cfg_table_swap_remove(&c->routes, c->route_index, (size_t)i);
	return 0;
}

bool cfg_route_equal(const struct cfg_route *a, const struct cfg_route *b)
{
	return strcmp(a->vpc, b->vpc) == 0 && cfg_prefix_equal(&a->prefix, &b->prefix) &&
	       a->nh_kind == b->nh_kind &&
	       (!nh_has_ip(a->nh_kind) || cfg_ip_equal(&a->nh_ip, &b->nh_ip)) &&
	       (!nh_has_name(a->nh_kind) || strcmp(a->nh_name, b->nh_name) == 0);
}

static bool route_equal(const void *a, const void *b)
{
	return cfg_route_equal(a, b);
}

size_t cfg_routes_unchanged(const struct cfg *old, const struct cfg *next)
{
	return cfg_index_count_same(&route_key, old->route_index, &old->routes, &next->routes,
				    route_equal);
}

/* ---- ECMP groups ---- */

static long group_index(const struct cfg *c, const char *vpc, const char *name)
{
	for (size_t i = 0; i < c->ecmp_groups.len; i++) {
		const struct cfg_ecmp_group *g = cfg_table_row(&c->ecmp_groups, i);

		if (strcmp(g->vpc, vpc) == 0 && strcmp(g->name, name) == 0)
			return (long)i;
	}
	return -1;
}

const struct cfg_ecmp_group *cfg_ecmp_group_find(const struct cfg *c, const char *vpc,
						 const char *name)
{
	long i = group_index(c, vpc, name);

	return i < 0 ? NULL : cfg_table_row(&c->ecmp_groups, i);
}

static int member_cmp(const void *a, const void *b)
{
	return memcmp(((const struct cfg_ip *)a)->addr, ((const struct cfg_ip *)b)->addr,
		      sizeof(((const struct cfg_ip *)a)->addr));
}

static int group_members_check(const struct cfg *c, const struct cfg_ecmp_group *in, char *err)
{
	char field[40], buf[64];
	int rc;

	if (in->n_members < 1 || in->n_members > CFG_ECMP_MEMBERS_MAX)
		return cfg_fail(err, -EINVAL,
				"ecmp_group.members: %u addresses; a group has 1 to %d",
				in->n_members, CFG_ECMP_MEMBERS_MAX);
	for (int i = 0; i < in->n_members; i++) {
		snprintf(field, sizeof(field), "ecmp_group.members[%d]", i);
		rc = nh_host_check(c, in->vpc, &in->members[i], i > 0 ? in->members[0].af : 0,
				   "members[0]", field, err);
		if (rc < 0)
			return rc;
		for (int j = 0; j < i; j++)
			if (cfg_ip_equal(&in->members[j], &in->members[i])) {
				cfg_ip_format(&in->members[i], buf, sizeof(buf));
				return cfg_fail(err, -EINVAL, "%s: %s is listed twice", field, buf);
			}
	}
	return 0;
}

/* Checked, zero-filled and sorted: equal sets are equal rows, and which member a flow gets
 * does not depend on the order they were written in. */
static int group_normalize(const struct cfg *c, const struct cfg_ecmp_group *in,
			   struct cfg_ecmp_group *g, char *err)
{
	int rc;

	memset(g, 0, sizeof(*g));
	if (!cfg_name_terminated(in->vpc) || !cfg_name_terminated(in->name))
		return cfg_fail(err, -EINVAL, "ecmp_group: a name is not NUL-terminated");
	if (cfg_vpc_find(c, in->vpc) == NULL)
		return cfg_fail(err, -ENOENT, "ecmp_group.vpc: no vpc '%s'", in->vpc);
	if (!cfg_name_valid(in->name))
		return cfg_fail(err, -EINVAL, "ecmp_group.name: '%s' is not a valid name",
				in->name);
	if ((rc = group_members_check(c, in, err)) < 0)
		return rc;
	cfg_name_copy(g->vpc, in->vpc);
	cfg_name_copy(g->name, in->name);
	g->n_members = in->n_members;
	for (int i = 0; i < g->n_members; i++) {
		g->members[i] = in->members[i];
		cfg_ip_clean(&g->members[i]);
	}
	qsort(g->members, g->n_members, sizeof(g->members[0]), member_cmp);
	return 0;
}

/* The first route whose next hop is group (vpc, name), or NULL. */
static const struct cfg_route *group_user(const struct cfg *c, const char *vpc, const char *name)
{
	CFG_FOREACH(struct cfg_route, r, c->routes)
	if (r->nh_kind == CFG_NH_ECMP && strcmp(r->nh_name, name) == 0 && strcmp(r->vpc, vpc) == 0)
		return r;
	return NULL;
}

int cfg_ecmp_group_insert(struct cfg *c, const struct cfg_ecmp_group *in, char *err)
{
	struct cfg_ecmp_group g;
	int rc = group_normalize(c, in, &g, err);

	if (rc < 0)
		return rc;
	if (group_index(c, g.vpc, g.name) >= 0)
		return cfg_fail(err, -EEXIST, "ecmp_group.name: '%s' already exists in vpc '%s'",
				g.name, g.vpc);
	return cfg_table_append(&c->ecmp_groups, &g, err);
}

int cfg_ecmp_group_modify(struct cfg *c, const struct cfg_ecmp_group *in, char *err)
{
	const struct cfg_ecmp_group *old;
	const struct cfg_route *user;
	struct cfg_ecmp_group g;
	char buf[64];
	long i;
	int rc = group_normalize(c, in, &g, err);

	if (rc < 0)
		return rc;
	i = group_index(c, g.vpc, g.name);
	if (i < 0)
		return cfg_fail(err, -ENOENT, "ecmp_group.name: no ecmp group '%s' in vpc '%s'",
				g.name, g.vpc);
	old = cfg_table_row(&c->ecmp_groups, i);
	/* a route's members are of its prefix's family */
	if (old->members[0].af != g.members[0].af &&
	    (user = group_user(c, g.vpc, g.name)) != NULL) {
		cfg_prefix_format(&user->prefix, buf, sizeof(buf));
		return cfg_fail(err, -EBUSY,
				"ecmp_group.members: route %s of vpc '%s' uses group "
				"'%s': its members must stay %s",
				buf, g.vpc, g.name, cfg_af_name(old->members[0].af));
	}
	memcpy(cfg_table_row(&c->ecmp_groups, i), &g, sizeof(g));
	return 0;
}

int cfg_ecmp_group_delete(struct cfg *c, const char *vpc, const char *name, char *err)
{
	long i = group_index(c, vpc, name);
	const struct cfg_route *user;
	char buf[64];

	if (i < 0)
		return cfg_fail(err, -ENOENT, "ecmp_group.name: no ecmp group '%s' in vpc '%s'",
				name, vpc);
	user = group_user(c, vpc, name);
	if (user != NULL) {
		cfg_prefix_format(&user->prefix, buf, sizeof(buf));
		return cfg_fail(err, -EBUSY,
				"ecmp group '%s' is still used by route %s of vpc '%s'", name, buf,
				vpc);
	}
	cfg_table_remove(&c->ecmp_groups, i);
	return 0;
}

bool cfg_ecmp_group_equal(const struct cfg_ecmp_group *a, const struct cfg_ecmp_group *b)
{
	if (strcmp(a->vpc, b->vpc) != 0 || strcmp(a->name, b->name) != 0 ||
	    a->n_members != b->n_members)
		return false;
	for (int i = 0; i < a->n_members; i++)
		if (!cfg_ip_equal(&a->members[i], &b->members[i]))
			return false;
	return true;
}

size_t cfg_ecmp_groups_unchanged(const struct cfg *old, const struct cfg *next)
{
	size_t same = 0;

	CFG_FOREACH(struct cfg_ecmp_group, g, next->ecmp_groups)
	{
		const struct cfg_ecmp_group *o = cfg_ecmp_group_find(old, g->vpc, g->name);

		same += o != NULL && cfg_ecmp_group_equal(o, g);
	}
	return same;
}

/* ---- what other tables ask ---- */

int cfg_routes_vpc_busy(const struct cfg *c, const char *vpc, char *err)
{
	CFG_FOREACH(struct cfg_route, r, c->routes)
	if (strcmp(r->vpc, vpc) == 0)
		return cfg_fail(err, -EBUSY, "vpc '%s' still has routes", vpc);
	CFG_FOREACH(struct cfg_ecmp_group, g, c->ecmp_groups)
	if (strcmp(g->vpc, vpc) == 0)
		return cfg_fail(err, -EBUSY, "vpc '%s' still has ecmp groups", vpc);
	return 0;
}

int cfg_routes_subnet_busy(const struct cfg *c, const struct cfg_subnet *s, char *err)
{
	char prefix[64], ip[64];

	CFG_FOREACH(struct cfg_route, r, c->routes)
	{
		if (r->nh_kind != CFG_NH_ADDRESS || strcmp(r->vpc, s->vpc) != 0 ||
		    !cfg_prefix_contains(&s->cidr, &r->nh_ip))
			continue;
		cfg_prefix_format(&r->prefix, prefix, sizeof(prefix));
		cfg_ip_format(&r->nh_ip, ip, sizeof(ip));
		return cfg_fail(err, -EBUSY, "subnet is still used by route %s (next hop %s)",
				prefix, ip);
	}
	CFG_FOREACH(struct cfg_ecmp_group, g, c->ecmp_groups)
	{
		if (strcmp(g->vpc, s->vpc) != 0)
			continue;
		for (int i = 0; i < g->n_members; i++) {
			if (!cfg_prefix_contains(&s->cidr, &g->members[i]))
				continue;
			cfg_ip_format(&g->members[i], ip, sizeof(ip));
			return cfg_fail(err, -EBUSY,
					"subnet is still used by ecmp group '%s' "
					"(member %s)",
					g->name, ip);
		}
	}
	return 0;
}

int cfg_routes_gateway_check(const struct cfg *c, const struct cfg_subnet *s, char *err)
{
	char prefix[64], ip[64];

	cfg_ip_format(&s->gateway, ip, sizeof(ip));
	CFG_FOREACH(struct cfg_route, r, c->routes)
	{
		if (r->nh_kind != CFG_NH_ADDRESS || strcmp(r->vpc, s->vpc) != 0 ||
		    !cfg_ip_equal(&r->nh_ip, &s->gateway))
			continue;
		cfg_prefix_format(&r->prefix, prefix, sizeof(prefix));
		return cfg_fail(err, -EEXIST, "subnet.gateway: %s is the next hop of route %s", ip,
				prefix);
	}
	CFG_FOREACH(struct cfg_ecmp_group, g, c->ecmp_groups)
	{
		if (strcmp(g->vpc, s->vpc) != 0)
			continue;
		for (int i = 0; i < g->n_members; i++)
			if (cfg_ip_equal(&g->members[i], &s->gateway))
				return cfg_fail(err, -EEXIST,
						"subnet.gateway: %s is a member of "
						"ecmp group '%s'",
						ip, g->name);
	}
	return 0;
}

int cfg_routes_port_busy(const struct cfg *c, const char *name, const char *vpc, char *err)
{
	const struct cfg_port *p = cfg_port_find(c, name);
	char buf[64];

	if (vpc != NULL && p != NULL && strcmp(p->vpc, vpc) == 0)
		return 0; /* staying in its VPC: its routes stay valid */
	CFG_FOREACH(struct cfg_route, r, c->routes)
	{
		if (r->nh_kind != CFG_NH_PORT || strcmp(r->nh_name, name) != 0)
			continue;
		cfg_prefix_format(&r->prefix, buf, sizeof(buf));
		if (vpc == NULL)
			return cfg_fail(err, -EBUSY,
					"port '%s' is still the next hop of route %s "
					"of vpc '%s'",
					name, buf, r->vpc);
		return cfg_fail(err, -EBUSY,
				"port.vpc: port '%s' is the next hop of route %s of "
				"vpc '%s'",
				name, buf, r->vpc);
	}
	return 0;
}
