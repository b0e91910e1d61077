/* SPDX-License-Identifier: BSD-3-Clause */
/* Load balancer listeners into the dataplane snapshot (ctl_lb.h). */
#include "ctl_lb.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb_health.h"
#include "lb_maglev.h"

/* The identity Maglev orders and places a backend by: the same on every host. */
static uint64_t backend_id(const struct cfg_lb_backend *b)
{
	size_t alen = b->ip.af == AF_INET ? 4 : 16;
	uint8_t ident[19];

	ident[0] = b->ip.af;
	memcpy(ident + 1, b->ip.addr, alen);
	memcpy(ident + 1 + alen, &b->backend_port, 2); /* one address may serve on two ports */
	return lb_maglev_id(ident, 1 + alen + 2);
}

/*
 * Maglev tables of the last build, per listener, by the backends they were built over: a
 * table takes milliseconds to build (65,521 entries), and every transaction publishes
 * every listener, mostly unchanged. Entries no build asked for are dropped after it.
 */
struct cached_table {
	char vpc[CFG_NAME_SIZE], lb[CFG_NAME_SIZE];
	uint8_t proto;
	uint16_t port;
	bool wanted;
	uint32_t n;
	struct lb_maglev_backend *mb; /* what it was built over, in order */
	uint16_t *table;
};

static struct cached_table *cache;
static size_t n_cache, cap_cache;

static void cached_free(struct cached_table *e)
{
	free(e->mb);
	free(e->table);
}

static bool same_backends(const struct cached_table *e, const struct lb_maglev_backend *mb,
			  uint32_t n)
{
	if (e->n != n)
		return false;
	for (uint32_t i = 0; i < n; i++) /* field by field: padding is not compared */
		if (e->mb[i].id != mb[i].id || e->mb[i].weight != mb[i].weight)
			return false;
	return true;
}

/* table := Maglev over mb[0..n) (indices into mb), from the cache when it has it. */
static int maglev_cached(const struct cfg_lb_listener *l, const struct lb_maglev_backend *mb,
			 uint32_t n, uint16_t *table)
{
	struct cached_table *e = NULL;
	int rc;

	for (size_t i = 0; i < n_cache && e == NULL; i++)
		if (cache[i].proto == l->proto && cache[i].port == l->port &&
		    strcmp(cache[i].lb, l->lb) == 0 && strcmp(cache[i].vpc, l->vpc) == 0)
			e = &cache[i];
	if (e != NULL && same_backends(e, mb, n)) {
		memcpy(table, e->table, LB_MAGLEV_SIZE * sizeof(*table));
		e->wanted = true;
		return 0;
	}
	rc = lb_maglev_build(mb, n, LB_MAGLEV_SIZE, table);
	if (rc < 0)
		return rc;
	if (e == NULL) {
		if (n_cache == cap_cache) {
			size_t cap = cap_cache ? cap_cache * 2 : 16;
			struct cached_table *c = realloc(cache, cap * sizeof(*c));

			if (c == NULL)
				return 0; /* built, not kept */
			cache = c;
			cap_cache = cap;
		}
		e = &cache[n_cache];
		memset(e, 0, sizeof(*e));
		snprintf(e->vpc, sizeof(e->vpc), "%s", l->vpc);
		snprintf(e->lb, sizeof(e->lb), "%s", l->lb);
		e->proto = l->proto;
		e->port = l->port;
		n_cache++;
	}
	cached_free(e);
	e->mb = malloc(n * sizeof(*mb));
	e->table = malloc(LB_MAGLEV_SIZE * sizeof(*table));
	if (e->mb == NULL || e->table == NULL) {
		cached_free(e);
		e->mb = NULL;
		e->table = NULL;
		e->n = UINT32_MAX; /* matches nothing */
	} else {
		memcpy(e->mb, mb, n * sizeof(*mb));
		memcpy(e->table, table, LB_MAGLEV_SIZE * sizeof(*table));
		e->n = n;
	}
	e->wanted = true;
	return 0;
}

void ctl_lb_fini(void)
{
	for (size_t i = 0; i < n_cache; i++)
		cached_free(&cache[i]);
	free(cache);
	cache = NULL;
	n_cache = cap_cache = 0;
}

/* After a build: forget the listeners it did not have. */
static void cache_sweep(void)
{
	size_t k = 0;

	for (size_t i = 0; i < n_cache; i++) {
		if (!cache[i].wanted) {
			cached_free(&cache[i]);
			continue;
		}
		cache[i].wanted = false;
		cache[k++] = cache[i];
	}
	n_cache = k;
}

static int build_listener(struct dp_build *b, const struct cfg *c, const struct cfg_lb *lb,
			  const struct cfg_lb_listener *l, uint16_t *table,
			  struct dp_lb_backend_conf *bes, struct lb_maglev_backend *mb,
			  uint32_t *usable, char *err)
{
	const struct cfg_subnet *home = cfg_subnet_holding(c, lb->vpc, &lb->vip);
	struct dp_lb_conf conf = {
		.vni = cfg_vpc_find(c, lb->vpc)->vni,
		.af = lb->vip.af,
		.proto = l->proto,
		.port = l->port,
		.removed_drop = lb->on_backend_removed == CFG_LB_REMOVED_DROP,
		.affinity_s = lb->affinity_timeout,
		.backends = bes,
	};
	uint32_t n = 0, n_up = 0;
	int rc;

	memcpy(conf.vip, lb->vip.addr, 16);
	if (home != NULL)
		memcpy(conf.gw_mac, home->gateway_mac, 6);
	CFG_FOREACH(struct cfg_lb_backend, be, c->lb_backends)
	{
		const struct cfg_subnet *bs;

		if (be->port != l->port || be->proto != l->proto || strcmp(be->lb, l->lb) != 0 ||
		    strcmp(be->vpc, l->vpc) != 0)
			continue;
		bs = cfg_subnet_holding(c, be->vpc, &be->ip);
		memset(&bes[n], 0, sizeof(bes[n]));
		memcpy(bes[n].addr, be->ip.addr, 16);
		bes[n].port = be->backend_port;
		if (bs != NULL) {
			memcpy(bes[n].subnet, bs->cidr.ip.addr, 16);
			bes[n].subnet_plen = bs->cidr.plen;
		}
		/* a failing health check takes it out here, as if set down */
		if (!be->down && be->weight > 0 &&
		    (l->health.type == CFG_LB_HC_NONE || lb_health_of(be, NULL, 0) != 0)) {
			mb[n_up] = (struct lb_maglev_backend){.id = backend_id(be),
							      .weight = be->weight};
			usable[n_up++] = n;
		}
		n++;
	}
	conf.n_backends = n;
	if (n_up > 0) {
		rc = maglev_cached(l, mb, n_up, table);
		if (rc < 0) {
			snprintf(err, CFG_ERR_SIZE, "load balancer '%s': its table: %s", lb->name,
				 strerror(-rc));
			return rc;
		}
		for (uint32_t e = 0; e < LB_MAGLEV_SIZE; e++)
			table[e] = (uint16_t)usable[table[e]];
		conf.table = table;
		conf.table_size = LB_MAGLEV_SIZE;
	}
	rc = dp_build_lb(b, &conf);
	if (rc < 0)
		snprintf(err, CFG_ERR_SIZE, "load balancer '%s': %s", lb->name, strerror(-rc));
	return rc;
}

int ctl_lb_build(struct dp_build *b, const struct cfg *c, char *err)
{
	uint16_t *table;
	struct dp_lb_backend_conf *bes;
	struct lb_maglev_backend *mb;
	uint32_t *usable;
	int rc = 0;

	if (c->lb_listeners.len == 0) {
		cache_sweep();
		return 0;
	}
	table = malloc(LB_MAGLEV_SIZE * sizeof(*table));
	bes = malloc(CFG_LB_LISTENER_BACKENDS_MAX * sizeof(*bes));
	mb = malloc(CFG_LB_LISTENER_BACKENDS_MAX * sizeof(*mb));
	usable = malloc(CFG_LB_LISTENER_BACKENDS_MAX * sizeof(*usable));
	if (table == NULL || bes == NULL || mb == NULL || usable == NULL) {
		rc = -ENOMEM;
		snprintf(err, CFG_ERR_SIZE, "load balancers: out of memory");
	}
	CFG_FOREACH(struct cfg_lb_listener, l, c->lb_listeners)
	{
		if (rc < 0)
			break;
		rc = build_listener(b, c, cfg_lb_find(c, l->vpc, l->lb), l, table, bes, mb, usable,
				    err);
	}
	free(table);
	free(bes);
	free(mb);
	free(usable);
	if (rc == 0)
		cache_sweep(); /* a failed build may not have asked for every listener */
	return rc;
}

/* ---- statistics ---- */

/*
 * Connections per backend: one pass over the connection table, each balanced connection
 * found by what it was balanced to (VPC, VIP, listener, backend address and port) in an
 * open-addressing index of the backend rows, so the cost is the table's, not times the
 * number of backends.
 */
struct be_ref {
	uint32_t vni;
	uint8_t af, proto;
	uint16_t port, bport;
	uint8_t vip[16], addr[16];
	int64_t row; /* -1: empty */
};

struct lb_count {
	struct be_ref *idx;
	size_t mask;
	uint32_t *conns; /* per backend row */
};

static size_t ref_hash(uint32_t vni, uint16_t port, uint16_t bport, const uint8_t *vip,
		       const uint8_t *addr)
{
	uint64_t h = 1469598103934665603ull;
	const uint8_t *parts[2] = {vip, addr};

	h = (h ^ vni) * 1099511628211ull;
	h = (h ^ ((uint32_t)port << 16 | bport)) * 1099511628211ull;
	for (int p = 0; p < 2; p++)
		for (int i = 0; i < 16; i++)
			h = (h ^ parts[p][i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

static bool count_conn(const struct dp_conn_info *ci, void *arg)
{
	struct lb_count *lc = arg;

	if (!ci->nat)
		return true;
	for (size_t i = ref_hash(ci->vni, ci->dport, ci->nat_port, ci->dst, ci->nat_addr) & lc->mask;
	     lc->idx[i].row >= 0; i = (i + 1) & lc->mask) {
		const struct be_ref *r = &lc->idx[i];

		if (r->vni == ci->vni && r->port == ci->dport && r->bport == ci->nat_port &&
		    r->proto == ci->proto && r->af == ci->af && memcmp(r->vip, ci->dst, 16) == 0 &&
		    memcmp(r->addr, ci->nat_addr, 16) == 0) {
			lc->conns[r->row]++;
			break;
		}
	}
	return true;
}

/* The index of c's backend rows; false: out of memory. */
static bool index_backends(const struct cfg *c, struct lb_count *lc)
{
	size_t size = 16;

	while (size < c->lb_backends.len * 2)
		size *= 2;
	lc->mask = size - 1;
	lc->idx = malloc(size * sizeof(*lc->idx));
	if (lc->idx == NULL)
		return false;
	for (size_t i = 0; i < size; i++)
		lc->idx[i].row = -1;
	for (size_t row = 0; row < c->lb_backends.len; row++) {
		const struct cfg_lb_backend *b = (const struct cfg_lb_backend *)c->lb_backends.rows + row;
		const struct cfg_lb *lb = cfg_lb_find(c, b->vpc, b->lb);
		const struct cfg_vpc *v = cfg_vpc_find(c, b->vpc);
		struct be_ref r = {.af = b->ip.af, .proto = b->proto, .port = b->port,
				   .bport = b->backend_port, .row = (int64_t)row};
		size_t i;

		if (lb == NULL || v == NULL)
			continue;
		r.vni = v->vni;
		memcpy(r.vip, lb->vip.addr, 16);
		memcpy(r.addr, b->ip.addr, 16);
		for (i = ref_hash(r.vni, r.port, r.bport, r.vip, r.addr) & lc->mask;
		     lc->idx[i].row >= 0; i = (i + 1) & lc->mask)
			;
		lc->idx[i] = r;
	}
	return true;
}

json_t *ctl_lb_stats(const struct cfg *c)
{
	struct lb_count lc = {0};
	json_t *out = json_array();
	char buf[64];

	lc.conns = calloc(c->lb_backends.len + 1, sizeof(*lc.conns));
	if (lc.conns == NULL || !index_backends(c, &lc))
		goto out;
	dp_ct_dump(count_conn, &lc);
	CFG_FOREACH(struct cfg_lb_listener, l, c->lb_listeners)
	{
		const struct cfg_lb *lb = cfg_lb_find(c, l->vpc, l->lb);
		json_t *bes = json_array();

		for (size_t i = 0; i < c->lb_backends.len; i++) {
			const struct cfg_lb_backend *b =
				(const struct cfg_lb_backend *)c->lb_backends.rows + i;

			if (b->port != l->port || b->proto != l->proto ||
			    strcmp(b->lb, l->lb) != 0 || strcmp(b->vpc, l->vpc) != 0)
				continue;
			json_t *row;
			char why[128];
			int health = l->health.type == CFG_LB_HC_NONE
					     ? -1
					     : lb_health_of(b, why, sizeof(why));

			cfg_ip_format(&b->ip, buf, sizeof(buf));
			row = json_pack("{s:s, s:i, s:i, s:s, s:I}", "address", buf, "backend_port",
					b->backend_port, "weight", b->weight, "state",
					b->down ? "down" : "up", "connections",
					(json_int_t)lc.conns[i]);
			/* absent: not checked by this switch (no check, or the VM is elsewhere) */
			if (health >= 0)
				json_object_set_new(row, "health",
						    json_string(health ? "up" : "down"));
			if (health >= 0 && why[0] != '\0')
				json_object_set_new(row, "health_reason", json_string(why));
			json_array_append_new(bes, row);
		}
		cfg_ip_format(&lb->vip, buf, sizeof(buf));
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:i, s:o}", "vpc",
						     l->vpc, "lb", l->lb, "vip", buf, "protocol",
						     l->proto == IPPROTO_TCP ? "tcp" : "udp",
						     "port", l->port, "backends", bes));
	}
out:
	free(lc.idx);
	free(lc.conns);
	return out;
}
