/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compiles each VPC's routing (ctl_route.h). The compiled input of a VPC is its list of
 * struct dp_route_conf (subnets first, then routes in table order) and its ECMP groups; a
 * table is rebuilt exactly when that input differs from the one it was built from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ctl_route.h"
#include "dp_route.h"

/* One VPC's table and the input it was built from. */
struct vpc_rt {
	uint32_t vni;
	struct dp_rtable *rt;
	uint32_t n_routes, n_groups;
	struct dp_route_conf *routes;
	struct dp_ecmp_conf *groups;
};

/* Sorted by VNI. cur: in the published snapshot; next: prepared for the one being built. */
struct rt_set {
	size_t n;
	struct vpc_rt *v;
};

static struct rt_set cur, next;

static void input_free(struct vpc_rt *v)
{
	free(v->routes);
	free(v->groups);
}

static int by_vni(const void *a, const void *b)
{
	uint32_t x = ((const struct vpc_rt *)a)->vni, y = ((const struct vpc_rt *)b)->vni;

	return x < y ? -1 : x > y;
}

static struct vpc_rt *find(const struct rt_set *s, uint32_t vni)
{
	struct vpc_rt key = {.vni = vni};

	return s->n == 0 ? NULL : bsearch(&key, s->v, s->n, sizeof(*s->v), by_vni);
}

/* Entries of s whose table is not in keep (NULL: free every table). */
static void set_free(struct rt_set *s, const struct rt_set *keep)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct vpc_rt *k = keep == NULL ? NULL : find(keep, s->v[i].vni);

		if (k == NULL || k->rt != s->v[i].rt)
			dp_rtable_free(s->v[i].rt);
		input_free(&s->v[i]);
	}
	free(s->v);
	*s = (struct rt_set){0};
}

/* VPC names to their index in c->vpcs, for routes (a thousand VPCs, a million routes). */
struct name_idx {
	const char *name;
	size_t idx;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct name_idx *)a)->name, ((const struct name_idx *)b)->name);
}

static long vpc_index(const struct name_idx *names, size_t n, const char *name)
{
	struct name_idx key = {.name = name};
	const struct name_idx *f = n == 0 ? NULL : bsearch(&key, names, n, sizeof(*names), by_name);

	return f == NULL ? -1 : (long)f->idx;
}

static void prefix_conf(const struct cfg_prefix *p, struct dp_route_conf *r)
{
	r->af = p->ip.af;
	r->plen = p->plen;
	memcpy(r->addr, p->ip.addr, 16);
}

static long group_index(const struct cfg *c, const char *vpc, const char *name)
{
	long i = 0;

	CFG_FOREACH(struct cfg_ecmp_group, g, c->ecmp_groups)
	{
		if (strcmp(g->vpc, vpc) == 0) {
			if (strcmp(g->name, name) == 0)
				return i;
			i++;
		}
	}
	return -1;
}

/* The input of every VPC, in c's VPC order. */
static int gather(const struct cfg *c, ctl_port_index_fn port_index, struct vpc_rt *in)
{
	size_t nv = c->vpcs.len;
	struct name_idx *names = calloc(nv ? nv : 1, sizeof(*names));
	size_t i = 0;

	if (names == NULL)
		return -ENOMEM;
	CFG_FOREACH(struct cfg_vpc, v, c->vpcs)
	{
		names[i] = (struct name_idx){.name = v->name, .idx = i};
		in[i++].vni = v->vni;
	}
	qsort(names, nv, sizeof(*names), by_name);
	/* counts first, then fill: one allocation per VPC */
	CFG_FOREACH(struct cfg_subnet, s, c->subnets)
		in[vpc_index(names, nv, s->vpc)].n_routes++;
	CFG_FOREACH(struct cfg_route, r, c->routes)
		in[vpc_index(names, nv, r->vpc)].n_routes++;
	CFG_FOREACH(struct cfg_ecmp_group, g, c->ecmp_groups)
		in[vpc_index(names, nv, g->vpc)].n_groups++;
	for (i = 0; i < nv; i++) {
		in[i].routes = calloc(in[i].n_routes + 1, sizeof(*in[i].routes));
		in[i].groups = calloc(in[i].n_groups + 1, sizeof(*in[i].groups));
		if (in[i].routes == NULL || in[i].groups == NULL) {
			free(names);
			return -ENOMEM;
		}
		in[i].n_routes = in[i].n_groups = 0;
	}
	CFG_FOREACH(struct cfg_subnet, s, c->subnets)
	{
		struct vpc_rt *v = &in[vpc_index(names, nv, s->vpc)];
		struct dp_route_conf *r = &v->routes[v->n_routes++];

		prefix_conf(&s->cidr, r);
		r->kind = DP_NH_CONNECTED;
	}
	CFG_FOREACH(struct cfg_ecmp_group, g, c->ecmp_groups)
	{
		struct vpc_rt *v = &in[vpc_index(names, nv, g->vpc)];
		struct dp_ecmp_conf *d = &v->groups[v->n_groups++];

		d->af = g->members[0].af;
		d->n = g->n_members;
		for (int m = 0; m < g->n_members; m++)
			memcpy(d->members[m], g->members[m].addr, 16);
	}
	CFG_FOREACH(struct cfg_route, cr, c->routes)
	{
		struct vpc_rt *v = &in[vpc_index(names, nv, cr->vpc)];
		struct dp_route_conf *r = &v->routes[v->n_routes++];

		prefix_conf(&cr->prefix, r);
		switch (cr->nh_kind) {
		case CFG_NH_ADDRESS:
			r->kind = DP_NH_ADDRESS;
			break;
		case CFG_NH_VTEP:
			r->kind = DP_NH_VTEP;
			break;
		case CFG_NH_PORT: {
			int idx = port_index(cr->nh_name);

			/* a port without runtime yet: nowhere to send, as a blackhole would */
			r->kind = idx < 0 ? DP_NH_BLACKHOLE : DP_NH_PORT;
			r->port = idx < 0 ? 0 : (uint16_t)idx;
			break;
		}
		case CFG_NH_ECMP:
			r->kind = DP_NH_ECMP;
			r->group = (uint32_t)group_index(c, cr->vpc, cr->nh_name);
			break;
		default:
			r->kind = DP_NH_BLACKHOLE;
			break;
		}
		r->nh_af = cr->nh_ip.af;
		memcpy(r->nh, cr->nh_ip.addr, 16);
	}
	free(names);
	return 0;
}

static bool same_input(const struct vpc_rt *a, const struct vpc_rt *b)
{
	return a->n_routes == b->n_routes && a->n_groups == b->n_groups &&
	       memcmp(a->routes, b->routes, a->n_routes * sizeof(*a->routes)) == 0 &&
	       memcmp(a->groups, b->groups, a->n_groups * sizeof(*a->groups)) == 0;
}

int ctl_route_prepare(const struct cfg *c, ctl_port_index_fn port_index, char *err)
{
	size_t nv = c->vpcs.len;
	struct vpc_rt *in = calloc(nv ? nv : 1, sizeof(*in));
	int rc;

	ctl_route_abort();
	if (in == NULL)
		return -ENOMEM;
	next = (struct rt_set){.n = nv, .v = in};
	rc = gather(c, port_index, in);
	for (size_t i = 0; i < nv && rc == 0; i++) {
		const struct vpc_rt *old = find(&cur, in[i].vni);

		if (in[i].n_routes == 0)
			continue; /* no subnet, no route: nothing to look up */
		if (old != NULL && same_input(old, &in[i])) {
			in[i].rt = old->rt;
			continue;
		}
		in[i].rt = dp_rtable_build(in[i].vni, in[i].routes, in[i].n_routes, in[i].groups,
					   in[i].n_groups);
		if (in[i].rt == NULL)
			rc = -errno;
	}
	if (rc < 0) {
		snprintf(err, CFG_ERR_SIZE, "cannot build the route tables: %s", strerror(-rc));
		ctl_route_abort();
		return rc;
	}
	qsort(next.v, next.n, sizeof(*next.v), by_vni);
	return 0;
}

const struct dp_rtable *ctl_route_table(uint32_t vni)
{
	const struct vpc_rt *v = find(&next, vni);

	return v == NULL ? NULL : v->rt;
}

void ctl_route_commit(void)
{
	set_free(&cur, &next);
	cur = next;
	next = (struct rt_set){0};
}

void ctl_route_abort(void)
{
	set_free(&next, &cur);
}

void ctl_route_fini(void)
{
	ctl_route_abort();
	set_free(&cur, NULL);
}
