/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Load balancers, their listeners and backends (cfg.h, docs/load-balancer.md): the checks
 * that keep them consistent with the VPC's subnets and endpoints and with each other.
 * Balancers and listeners are few and scanned; backends may be tens of thousands and are
 * found through an index by key.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cfg_private.h"

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

/* ---- lookups ---- */

static long lb_index(const struct cfg *c, const char *vpc, const char *name)
{
	for (size_t i = 0; i < c->lbs.len; i++) {
		const struct cfg_lb *lb = cfg_table_row(&c->lbs, i);

		if (strcmp(lb->name, name) == 0 && strcmp(lb->vpc, vpc) == 0)
			return (long)i;
	}
	return -1;
}

static long listener_index(const struct cfg *c, const char *vpc, const char *lb, uint8_t proto,
			   uint16_t port)
{
	for (size_t i = 0; i < c->lb_listeners.len; i++) {
		const struct cfg_lb_listener *l = cfg_table_row(&c->lb_listeners, i);

		if (l->port == port && l->proto == proto && strcmp(l->lb, lb) == 0 &&
		    strcmp(l->vpc, vpc) == 0)
			return (long)i;
	}
	return -1;
}

static uint64_t backend_hash(const void *row, unsigned k)
{
	const struct cfg_lb_backend *b = row;
	uint64_t h = CFG_HASH_INIT;

	(void)k;
	h = cfg_hash_bytes(h, b->vpc, strlen(b->vpc));
	h = cfg_hash_bytes(h, b->lb, strlen(b->lb) + 1);
	h = cfg_hash_bytes(h, &b->proto, sizeof(b->proto));
	h = cfg_hash_bytes(h, &b->port, sizeof(b->port));
	h = cfg_hash_bytes(h, &b->ip.af, 1);
	h = cfg_hash_bytes(h, b->ip.addr, cfg_ip_bits(&b->ip) / 8);
	return cfg_hash_bytes(h, &b->backend_port, sizeof(b->backend_port));
}

static bool backend_same(const void *row, unsigned k, const void *probe)
{
	const struct cfg_lb_backend *a = row, *b = probe;

	(void)k;
	return a->port == b->port && a->backend_port == b->backend_port && a->proto == b->proto &&
	       cfg_ip_equal(&a->ip, &b->ip) && strcmp(a->lb, b->lb) == 0 &&
	       strcmp(a->vpc, b->vpc) == 0;
}

static const struct cfg_row_key backend_key = {.hash = backend_hash, .same = backend_same};

const struct cfg_lb *cfg_lb_find(const struct cfg *c, const char *vpc, const char *name)
{
	long i = lb_index(c, vpc, name);

	return i < 0 ? NULL : cfg_table_row(&c->lbs, i);
}

const struct cfg_lb_listener *cfg_lb_listener_find(const struct cfg *c,
						   const struct cfg_lb_listener *key)
{
	long i = listener_index(c, key->vpc, key->lb, key->proto, key->port);

	return i < 0 ? NULL : cfg_table_row(&c->lb_listeners, i);
}

static long backend_index(struct cfg *c, const struct cfg_lb_backend *probe)
{
	return cfg_index_lookup(&backend_key, &c->lb_backend_index, &c->lb_backends, probe);
}

/* ---- balancers ---- */

/* addr is the address of a port or remote endpoint of vpc: its description, else NULL. */
static const char *endpoint_holding(const struct cfg *c, const char *vpc, const struct cfg_ip *ip,
				    char *who, size_t size)
{
	CFG_FOREACH(struct cfg_port, p, c->ports)
	{
		if (strcmp(p->vpc, vpc) != 0)
			continue;
		for (int i = 0; i < p->n_ips; i++)
			if (cfg_ip_equal(&p->ips[i], ip)) {
				snprintf(who, size, "port '%s'", p->name);
				return who;
			}
	}
	CFG_FOREACH(struct cfg_remote, r, c->remotes)
	{
		if (strcmp(r->vpc, vpc) != 0)
			continue;
		for (int i = 0; i < r->n_ips; i++)
			if (cfg_ip_equal(&r->ips[i], ip)) {
				snprintf(who, size, "a remote endpoint");
				return who;
			}
	}
	return NULL;
}

/* An address for the balancer to own: a host address of a subnet of the VPC, nobody's. */
static int vip_check(const struct cfg *c, const struct cfg_lb *lb, char *err)
{
	const struct cfg_subnet *home;
	char buf[64], who[CFG_NAME_SIZE + 16];

	cfg_ip_format(&lb->vip, buf, sizeof(buf));
	if ((lb->vip.af != AF_INET && lb->vip.af != AF_INET6) || !cfg_ip_unicast(&lb->vip))
		return cfg_fail(err, -EINVAL, "load_balancer.vip: %s is not a unicast address",
				buf);
	home = cfg_subnet_holding(c, lb->vpc, &lb->vip);
	if (home == NULL)
		return cfg_fail(err, -EINVAL,
				"load_balancer.vip: %s is outside every subnet of vpc '%s'", buf,
				lb->vpc);
	if (cfg_ip_equal(&lb->vip, &home->gateway))
		return cfg_fail(err, -EEXIST, "load_balancer.vip: %s is the subnet's gateway", buf);
	if (cfg_ip_equal(&lb->vip, &home->cidr.ip) || cfg_is_v4_reserved(&home->cidr, &lb->vip))
		return cfg_fail(err, -EINVAL,
				"load_balancer.vip: %s is not a host address of its subnet", buf);
	if (endpoint_holding(c, lb->vpc, &lb->vip, who, sizeof(who)) != NULL)
		return cfg_fail(err, -EEXIST, "load_balancer.vip: %s is already used by %s", buf,
				who);
	CFG_FOREACH(struct cfg_lb, o, c->lbs)
	if (strcmp(o->vpc, lb->vpc) == 0 && strcmp(o->name, lb->name) != 0 &&
	    cfg_ip_equal(&o->vip, &lb->vip))
		return cfg_fail(err, -EEXIST,
				"load_balancer.vip: %s is already the VIP of load balancer '%s'",
				buf, o->name);
	return 0;
}

static int lb_normalize(const struct cfg *c, const struct cfg_lb *in, struct cfg_lb *lb, char *err)
{
	int rc;

	memset(lb, 0, sizeof(*lb));
	if (!cfg_name_terminated(in->vpc) || !cfg_name_terminated(in->name))
		return cfg_fail(err, -EINVAL, "load_balancer: a name is not NUL-terminated");
	if (cfg_vpc_find(c, in->vpc) == NULL)
		return cfg_fail(err, -ENOENT, "load_balancer.vpc: no vpc '%s'", in->vpc);
	if (!cfg_name_valid(in->name))
		return cfg_fail(err, -EINVAL, "load_balancer.name: '%s' is not a valid name",
				in->name);
	if (in->affinity_timeout > CFG_LB_AFFINITY_MAX)
		return cfg_fail(err, -EINVAL,
				"load_balancer.affinity_timeout: %u s (at most %u; 0: none)",
				in->affinity_timeout, CFG_LB_AFFINITY_MAX);
	if (in->on_backend_removed > CFG_LB_REMOVED_DROP)
		return cfg_fail(err, -EINVAL,
				"load_balancer.on_backend_removed: must be reset or drop");
	cfg_name_copy(lb->vpc, in->vpc);
	cfg_name_copy(lb->name, in->name);
	lb->vip = in->vip;
	cfg_ip_clean(&lb->vip);
	lb->affinity_timeout = in->affinity_timeout;
	lb->on_backend_removed = in->on_backend_removed;
	rc = vip_check(c, lb, err);
	return rc;
}

int cfg_lb_insert(struct cfg *c, const struct cfg_lb *in, char *err)
{
	struct cfg_lb lb;
	int rc = lb_normalize(c, in, &lb, err);

	if (rc < 0)
		return rc;
	if (lb_index(c, lb.vpc, lb.name) >= 0)
		return cfg_fail(err, -EEXIST, "load_balancer.name: '%s' already exists in vpc '%s'",
				lb.name, lb.vpc);
	if (c->lbs.len >= CFG_LBS_MAX)
		return cfg_fail(err, -ENOSPC, "load_balancer: at most %d per switch", CFG_LBS_MAX);
	return cfg_table_append(&c->lbs, &lb, err);
}

static bool lb_has_backends(const struct cfg *c, const struct cfg_lb *lb)
{
	CFG_FOREACH(struct cfg_lb_listener, l, c->lb_listeners)
	if (l->n_backends > 0 && strcmp(l->lb, lb->name) == 0 && strcmp(l->vpc, lb->vpc) == 0)
		return true;
	return false;
}

int cfg_lb_modify(struct cfg *c, const struct cfg_lb *in, char *err)
{
	struct cfg_lb lb;
	const struct cfg_lb *old;
	long i;
	int rc = lb_normalize(c, in, &lb, err);

	if (rc < 0)
		return rc;
	i = lb_index(c, lb.vpc, lb.name);
	if (i < 0)
		return cfg_fail(err, -ENOENT,
				"load_balancer.name: no load balancer '%s' in vpc '%s'", lb.name,
				lb.vpc);
	old = cfg_table_row(&c->lbs, i);
	if (old->vip.af != lb.vip.af && lb_has_backends(c, &lb))
		return cfg_fail(err, -EBUSY,
				"load_balancer.vip: its backends are %s addresses; the VIP must "
				"stay %s",
				cfg_af_name(old->vip.af), cfg_af_name(old->vip.af));
	memcpy(cfg_table_row(&c->lbs, i), &lb, sizeof(lb));
	return 0;
}

int cfg_lb_delete(struct cfg *c, const char *vpc, const char *name, char *err)
{
	long i = lb_index(c, vpc, name);

	if (i < 0)
		return cfg_fail(err, -ENOENT,
				"load_balancer.name: no load balancer '%s' in vpc '%s'", name, vpc);
	CFG_FOREACH(struct cfg_lb_listener, l, c->lb_listeners)
	if (strcmp(l->lb, name) == 0 && strcmp(l->vpc, vpc) == 0)
		return cfg_fail(err, -EBUSY,
				"load balancer '%s' still has listener %s/%u: delete its listeners "
				"first",
				name, proto_name(l->proto), l->port);
	cfg_table_remove(&c->lbs, i);
	return 0;
}

bool cfg_lb_equal(const struct cfg_lb *a, const struct cfg_lb *b)
{
	return strcmp(a->vpc, b->vpc) == 0 && strcmp(a->name, b->name) == 0 &&
	       cfg_ip_equal(&a->vip, &b->vip) && a->affinity_timeout == b->affinity_timeout &&
	       a->on_backend_removed == b->on_backend_removed;
}

/* ---- listeners ---- */

static bool path_valid(const char *p)
{
	if (p[0] != '/')
		return false;
	for (; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return false;
	return true;
}

/* Defaults filled in (interval 2 s, timeout 1 s, rise 2, fall 3, path "/"), then checked. */
static int health_normalize(const struct cfg_lb_health *in, int af, struct cfg_lb_health *h,
			    char *err)
{
	memset(h, 0, sizeof(*h));
	if (in->type == CFG_LB_HC_NONE)
		return 0;
	if (in->type > CFG_LB_HC_HTTP)
		return cfg_fail(err, -EINVAL,
				"lb_listener.health_check.type: must be none, tcp or http");
	*h = *in;
	if (h->interval_ms == 0)
		h->interval_ms = 2000;
	if (h->timeout_ms == 0)
		h->timeout_ms = h->interval_ms < 1000 ? h->interval_ms : 1000;
	if (h->rise == 0)
		h->rise = 2;
	if (h->fall == 0)
		h->fall = 3;
	if (strnlen(in->path, CFG_LB_PATH_SIZE) == CFG_LB_PATH_SIZE)
		return cfg_fail(err, -EINVAL, "lb_listener.health_check.path: too long");
	memset(h->path, 0, sizeof(h->path));
	if (h->type == CFG_LB_HC_HTTP)
		strcpy(h->path, in->path[0] != '\0' ? in->path : "/");
	else if (in->path[0] != '\0')
		return cfg_fail(err, -EINVAL, "lb_listener.health_check.path: only for type http");
	if (h->interval_ms < 100 || h->interval_ms > 3600000)
		return cfg_fail(err, -EINVAL,
				"lb_listener.health_check.interval_ms: %u (100 to 3600000)",
				h->interval_ms);
	if (h->timeout_ms < 10 || h->timeout_ms > h->interval_ms)
		return cfg_fail(err, -EINVAL,
				"lb_listener.health_check.timeout_ms: %u (10 to the interval, %u)",
				h->timeout_ms, h->interval_ms);
	if (h->rise > 10 || h->fall > 10)
		return cfg_fail(err, -EINVAL,
				"lb_listener.health_check: rise and fall are 1 to 10");
	if (h->type == CFG_LB_HC_HTTP && !path_valid(h->path))
		return cfg_fail(err, -EINVAL,
				"lb_listener.health_check.path: must start with '/' and have no "
				"space or control character");
	if (af == AF_INET6) /* checked above so a controller learns of bad values now */
		return cfg_fail(err, -EINVAL,
				"lb_listener.health_check: IPv6 backends are not health-checked by "
				"this switch yet (set them down from the control plane)");
	return 0;
}

static int listener_normalize(const struct cfg *c, const struct cfg_lb_listener *in,
			      struct cfg_lb_listener *l, char *err)
{
	memset(l, 0, sizeof(*l));
	if (!cfg_name_terminated(in->vpc) || !cfg_name_terminated(in->lb))
		return cfg_fail(err, -EINVAL, "lb_listener: a name is not NUL-terminated");
	if (lb_index(c, in->vpc, in->lb) < 0)
		return cfg_fail(err, -ENOENT, "lb_listener.lb: no load balancer '%s' in vpc '%s'",
				in->lb, in->vpc);
	if (in->proto != IPPROTO_TCP && in->proto != IPPROTO_UDP)
		return cfg_fail(err, -EINVAL, "lb_listener.protocol: must be tcp or udp");
	if (in->port == 0)
		return cfg_fail(err, -EINVAL, "lb_listener.port: must be 1 to 65535");
	cfg_name_copy(l->vpc, in->vpc);
	cfg_name_copy(l->lb, in->lb);
	l->proto = in->proto;
	l->port = in->port;
	return health_normalize(&in->health, cfg_lb_find(c, in->vpc, in->lb)->vip.af, &l->health,
				err);
}

int cfg_lb_listener_insert(struct cfg *c, const struct cfg_lb_listener *in, char *err)
{
	struct cfg_lb_listener l;
	int rc = listener_normalize(c, in, &l, err);

	if (rc < 0)
		return rc;
	if (listener_index(c, l.vpc, l.lb, l.proto, l.port) >= 0)
		return cfg_fail(err, -EEXIST,
				"lb_listener: load balancer '%s' already listens on %s/%u", l.lb,
				proto_name(l.proto), l.port);
	if (c->lb_listeners.len >= CFG_LB_LISTENERS_MAX)
		return cfg_fail(err, -ENOSPC, "lb_listener: at most %d per switch",
				CFG_LB_LISTENERS_MAX);
	return cfg_table_append(&c->lb_listeners, &l, err);
}

int cfg_lb_listener_modify(struct cfg *c, const struct cfg_lb_listener *in, char *err)
{
	struct cfg_lb_listener l, *old;
	long i;
	int rc = listener_normalize(c, in, &l, err);

	if (rc < 0)
		return rc;
	i = listener_index(c, l.vpc, l.lb, l.proto, l.port);
	if (i < 0)
		return cfg_fail(err, -ENOENT,
				"lb_listener: load balancer '%s' has no listener %s/%u", l.lb,
				proto_name(l.proto), l.port);
	old = cfg_table_row(&c->lb_listeners, i);
	l.n_backends = old->n_backends;
	*old = l;
	return 0;
}

int cfg_lb_listener_delete(struct cfg *c, const struct cfg_lb_listener *key, char *err)
{
	long i = listener_index(c, key->vpc, key->lb, key->proto, key->port);
	const struct cfg_lb_listener *l;

	if (i < 0)
		return cfg_fail(err, -ENOENT,
				"lb_listener: load balancer '%s' has no listener %s/%u", key->lb,
				proto_name(key->proto), key->port);
	l = cfg_table_row(&c->lb_listeners, i);
	if (l->n_backends > 0)
		return cfg_fail(err, -EBUSY,
				"lb_listener %s/%u of load balancer '%s' still has %u backends: "
				"delete them first",
				proto_name(l->proto), l->port, l->lb, l->n_backends);
	cfg_table_remove(&c->lb_listeners, i);
	return 0;
}

bool cfg_lb_listener_equal(const struct cfg_lb_listener *a, const struct cfg_lb_listener *b)
{
	return strcmp(a->vpc, b->vpc) == 0 && strcmp(a->lb, b->lb) == 0 && a->proto == b->proto &&
	       a->port == b->port && memcmp(&a->health, &b->health, sizeof(a->health)) == 0;
}

/* ---- backends ---- */

static int backend_normalize(const struct cfg *c, const struct cfg_lb_backend *in,
			     struct cfg_lb_backend *b, long *listener, char *err)
{
	const struct cfg_lb *lb;
	const struct cfg_subnet *home;
	char buf[64];

	memset(b, 0, sizeof(*b));
	if (!cfg_name_terminated(in->vpc) || !cfg_name_terminated(in->lb))
		return cfg_fail(err, -EINVAL, "lb_backend: a name is not NUL-terminated");
	lb = cfg_lb_find(c, in->vpc, in->lb);
	if (lb == NULL)
		return cfg_fail(err, -ENOENT, "lb_backend.lb: no load balancer '%s' in vpc '%s'",
				in->lb, in->vpc);
	*listener = listener_index(c, in->vpc, in->lb, in->proto, in->port);
	if (*listener < 0)
		return cfg_fail(err, -ENOENT,
				"lb_backend: load balancer '%s' has no listener %s/%u", in->lb,
				proto_name(in->proto), in->port);
	cfg_name_copy(b->vpc, in->vpc);
	cfg_name_copy(b->lb, in->lb);
	b->proto = in->proto;
	b->port = in->port;
	b->ip = in->ip;
	cfg_ip_clean(&b->ip);
	b->backend_port = in->backend_port != 0 ? in->backend_port : in->port;
	b->weight = in->weight;
	b->down = in->down;
	cfg_ip_format(&b->ip, buf, sizeof(buf));
	if (b->ip.af != lb->vip.af)
		return cfg_fail(err, -EINVAL, "lb_backend.address: %s is not %s, as the VIP is",
				buf, cfg_af_name(lb->vip.af));
	if (!cfg_ip_unicast(&b->ip))
		return cfg_fail(err, -EINVAL, "lb_backend.address: %s is not a unicast address",
				buf);
	home = cfg_subnet_holding(c, b->vpc, &b->ip);
	if (home == NULL)
		return cfg_fail(err, -EINVAL,
				"lb_backend.address: %s is outside the vpc '%s' (in none of its "
				"subnets)",
				buf, b->vpc);
	if (cfg_ip_equal(&b->ip, &home->gateway) || cfg_ip_equal(&b->ip, &lb->vip))
		return cfg_fail(err, -EINVAL, "lb_backend.address: %s is the %s", buf,
				cfg_ip_equal(&b->ip, &lb->vip) ? "VIP" : "subnet's gateway");
	if (b->weight > CFG_LB_WEIGHT_MAX)
		return cfg_fail(err, -EINVAL, "lb_backend.weight: %u (0 to %d; 0 drains)",
				b->weight, CFG_LB_WEIGHT_MAX);
	return 0;
}

int cfg_lb_backend_insert(struct cfg *c, const struct cfg_lb_backend *in, char *err)
{
	struct cfg_lb_backend b;
	struct cfg_lb_listener *l;
	long li;
	char buf[64];
	int rc = backend_normalize(c, in, &b, &li, err);

	if (rc < 0)
		return rc;
	if (backend_index(c, &b) >= 0) {
		cfg_ip_format(&b.ip, buf, sizeof(buf));
		return cfg_fail(err, -EEXIST,
				"lb_backend: %s port %u is already a backend of %s/%u", buf,
				b.backend_port, proto_name(b.proto), b.port);
	}
	l = cfg_table_row(&c->lb_listeners, li);
	if (l->n_backends >= CFG_LB_LISTENER_BACKENDS_MAX)
		return cfg_fail(err, -ENOSPC, "lb_backend: at most %d backends per listener",
				CFG_LB_LISTENER_BACKENDS_MAX);
	if (c->lb_backends.len >= CFG_LB_BACKENDS_MAX)
		return cfg_fail(err, -ENOSPC, "lb_backend: at most %u per switch",
				CFG_LB_BACKENDS_MAX);
	rc = cfg_table_append(&c->lb_backends, &b, err);
	if (rc < 0)
		return rc;
	cfg_index_add_last(&c->lb_backend_index, &c->lb_backends);
	l->n_backends++;
	return 0;
}

int cfg_lb_backend_modify(struct cfg *c, const struct cfg_lb_backend *in, char *err)
{
	struct cfg_lb_backend b;
	long li, i;
	char buf[64];
	int rc = backend_normalize(c, in, &b, &li, err);

	if (rc < 0)
		return rc;
	i = backend_index(c, &b);
	if (i < 0) {
		cfg_ip_format(&b.ip, buf, sizeof(buf));
		return cfg_fail(err, -ENOENT, "lb_backend: %s port %u is no backend of %s/%u", buf,
				b.backend_port, proto_name(b.proto), b.port);
	}
	cfg_index_replace(&c->lb_backend_index, &c->lb_backends, (size_t)i, &b);
	return 0;
}

int cfg_lb_backend_delete(struct cfg *c, const struct cfg_lb_backend *key, char *err)
{
	struct cfg_lb_backend probe = *key;
	struct cfg_lb_listener *l;
	long i, li;
	char buf[64];

	if (probe.backend_port == 0)
		probe.backend_port = probe.port;
	cfg_ip_clean(&probe.ip);
	i = backend_index(c, &probe);
	if (i < 0) {
		cfg_ip_format(&probe.ip, buf, sizeof(buf));
		return cfg_fail(err, -ENOENT, "lb_backend: %s port %u is no backend of %s/%u", buf,
				probe.backend_port, proto_name(probe.proto), probe.port);
	}
	li = listener_index(c, probe.vpc, probe.lb, probe.proto, probe.port);
	if (li >= 0) {
		l = cfg_table_row(&c->lb_listeners, li);
		l->n_backends--;
	}
	cfg_table_swap_remove(&c->lb_backends, c->lb_backend_index, (size_t)i);
	return 0;
}

const struct cfg_lb_backend *cfg_lb_backend_find(struct cfg *c, const struct cfg_lb_backend *key)
{
	struct cfg_lb_backend probe = *key;
	long i;

	if (probe.backend_port == 0)
		probe.backend_port = probe.port;
	cfg_ip_clean(&probe.ip);
	i = backend_index(c, &probe);
	return i < 0 ? NULL : cfg_table_row(&c->lb_backends, i);
}

bool cfg_lb_backend_equal(const struct cfg_lb_backend *a, const struct cfg_lb_backend *b)
{
	return backend_same(a, 0, b) && a->weight == b->weight && a->down == b->down;
}

static bool backend_equal(const void *a, const void *b)
{
	return cfg_lb_backend_equal(a, b);
}

/* ---- what other tables ask ---- */

int cfg_lbs_vpc_busy(const struct cfg *c, const char *vpc, char *err)
{
	CFG_FOREACH(struct cfg_lb, lb, c->lbs)
	if (strcmp(lb->vpc, vpc) == 0)
		return cfg_fail(err, -EBUSY, "vpc '%s' still has load balancer '%s'", vpc,
				lb->name);
	return 0;
}

int cfg_lbs_subnet_busy(const struct cfg *c, const struct cfg_subnet *s, char *err)
{
	char buf[64];

	CFG_FOREACH(struct cfg_lb, lb, c->lbs)
	if (strcmp(lb->vpc, s->vpc) == 0 && cfg_prefix_contains(&s->cidr, &lb->vip))
		return cfg_fail(err, -EBUSY, "subnet holds the VIP of load balancer '%s'",
				lb->name);
	CFG_FOREACH(struct cfg_lb_backend, b, c->lb_backends)
	if (strcmp(b->vpc, s->vpc) == 0 && cfg_prefix_contains(&s->cidr, &b->ip)) {
		cfg_ip_format(&b->ip, buf, sizeof(buf));
		return cfg_fail(err, -EBUSY, "subnet holds %s, a backend of load balancer '%s'",
				buf, b->lb);
	}
	return 0;
}

int cfg_lbs_vip_check(const struct cfg *c, const char *vpc, const struct cfg_ip *ip,
		      const char *field, char *err)
{
	char buf[64];

	CFG_FOREACH(struct cfg_lb, lb, c->lbs)
	if (strcmp(lb->vpc, vpc) == 0 && cfg_ip_equal(&lb->vip, ip)) {
		cfg_ip_format(ip, buf, sizeof(buf));
		return cfg_fail(err, -EEXIST, "%s: %s is the VIP of load balancer '%s'", field, buf,
				lb->name);
	}
	return 0;
}

int cfg_lbs_gateway_check(const struct cfg *c, const struct cfg_subnet *s, char *err)
{
	int rc = cfg_lbs_vip_check(c, s->vpc, &s->gateway, "subnet.gateway", err);

	if (rc < 0)
		return rc;
	CFG_FOREACH(struct cfg_lb_backend, b, c->lb_backends)
	if (strcmp(b->vpc, s->vpc) == 0 && cfg_ip_equal(&b->ip, &s->gateway))
		return cfg_fail(err, -EEXIST,
				"subnet.gateway: a backend of load balancer '%s' has this address",
				b->lb);
	return 0;
}

size_t cfg_lbs_unchanged(const struct cfg *old, const struct cfg *next, enum cfg_table_id t)
{
	size_t same = 0;

	if (t == CFG_T_LB) {
		CFG_FOREACH(struct cfg_lb, lb, next->lbs)
		{
			const struct cfg_lb *o = cfg_lb_find(old, lb->vpc, lb->name);

			same += o != NULL && cfg_lb_equal(o, lb);
		}
	} else if (t == CFG_T_LB_LISTENER) {
		CFG_FOREACH(struct cfg_lb_listener, l, next->lb_listeners)
		{
			const struct cfg_lb_listener *o = cfg_lb_listener_find(old, l);

			same += o != NULL && cfg_lb_listener_equal(o, l);
		}
	} else if (t == CFG_T_LB_BACKEND) {
		same = cfg_index_count_same(&backend_key, old->lb_backend_index, &old->lb_backends,
					    &next->lb_backends, backend_equal);
	}
	return same;
}
