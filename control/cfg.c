/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Edits of the desired state and the rules that keep it consistent (see cfg.h). Every
 * edit validates first and mutates last, so a failed edit leaves the state as it was; the
 * transaction code relies on that only for messages, since it edits a clone anyway.
 * This file holds the state and its VPCs, subnets, ports, remotes and security groups;
 * routes and ECMP groups are cfg_route.c's, DHCP options cfg_dhcp.c's, which a delete here
 * asks (through cfg_private.h) whether they still use what it removes.
 */
#include "cfg_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct cfg *cfg_new(void)
{
	struct cfg *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	cfg_table_init(&c->vpcs, sizeof(struct cfg_vpc));
	cfg_table_init(&c->subnets, sizeof(struct cfg_subnet));
	cfg_table_init(&c->sgs, sizeof(struct cfg_sg));
	cfg_table_init(&c->sg_rules, sizeof(struct cfg_sg_rule));
	cfg_table_init(&c->ports, sizeof(struct cfg_port));
	cfg_table_init(&c->remotes, sizeof(struct cfg_remote));
	cfg_table_init(&c->dhcp_options, sizeof(struct cfg_dhcp_options));
	cfg_table_init(&c->ecmp_groups, sizeof(struct cfg_ecmp_group));
	cfg_table_init(&c->routes, sizeof(struct cfg_route));
	cfg_table_init(&c->lbs, sizeof(struct cfg_lb));
	cfg_table_init(&c->lb_listeners, sizeof(struct cfg_lb_listener));
	cfg_table_init(&c->lb_backends, sizeof(struct cfg_lb_backend));
	return c;
}

void cfg_free(struct cfg *c)
{
	if (c == NULL)
		return;
	for (int t = 0; t < CFG_T_COUNT; t++)
		free(cfg_table_get(c, t)->rows);
	free(c->sg_rule_index);
	free(c->route_index);
	free(c->remote_index);
	free(c->remote_ip_index);
	free(c->lb_backend_index);
	free(c);
}

const struct cfg_table *cfg_table_get(const struct cfg *c, enum cfg_table_id t)
{
	const struct cfg_table *tables[CFG_T_COUNT] = {
		[CFG_T_VPC] = &c->vpcs,
		[CFG_T_SUBNET] = &c->subnets,
		[CFG_T_SG] = &c->sgs,
		[CFG_T_SG_RULE] = &c->sg_rules,
		[CFG_T_PORT] = &c->ports,
		[CFG_T_REMOTE] = &c->remotes,
		[CFG_T_DHCP_OPTIONS] = &c->dhcp_options,
		[CFG_T_ECMP_GROUP] = &c->ecmp_groups,
		[CFG_T_ROUTE] = &c->routes,
		[CFG_T_LB] = &c->lbs,
		[CFG_T_LB_LISTENER] = &c->lb_listeners,
		[CFG_T_LB_BACKEND] = &c->lb_backends,
	};

	return tables[t];
}

static struct cfg_table *table_of(struct cfg *c, enum cfg_table_id t)
{
	return (struct cfg_table *)cfg_table_get(c, t);
}

struct cfg *cfg_clone(const struct cfg *src)
{
	struct cfg *c = calloc(1, sizeof(*c));

	if (c == NULL)
		goto fail;
	for (int t = 0; t < CFG_T_COUNT; t++)
		if (cfg_table_copy(table_of(c, t), cfg_table_get(src, t)) < 0)
			goto fail;
	return c;
fail:
	cfg_free(c);
	errno = ENOMEM;
	return NULL;
}

/* ---- lookups ---- */

static long vpc_index(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->vpcs.len; i++)
		if (strcmp(((struct cfg_vpc *)cfg_table_row(&c->vpcs, i))->name, name) == 0)
			return (long)i;
	return -1;
}

static long port_index(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->ports.len; i++)
		if (strcmp(((struct cfg_port *)cfg_table_row(&c->ports, i))->name, name) == 0)
			return (long)i;
	return -1;
}

static long subnet_index(const struct cfg *c, const char *vpc, const struct cfg_prefix *cidr)
{
	for (size_t i = 0; i < c->subnets.len; i++) {
		const struct cfg_subnet *s = cfg_table_row(&c->subnets, i);

		if (strcmp(s->vpc, vpc) == 0 && cfg_prefix_equal(&s->cidr, cidr))
			return (long)i;
	}
	return -1;
}

static long sg_index(const struct cfg *c, const char *vpc, const char *name)
{
	for (size_t i = 0; i < c->sgs.len; i++) {
		const struct cfg_sg *g = cfg_table_row(&c->sgs, i);

		if (strcmp(g->vpc, vpc) == 0 && strcmp(g->name, name) == 0)
			return (long)i;
	}
	return -1;
}

const struct cfg_sg *cfg_sg_find(const struct cfg *c, const char *vpc, const char *name)
{
	long i = sg_index(c, vpc, name);

	return i < 0 ? NULL : cfg_table_row(&c->sgs, i);
}

const struct cfg_vpc *cfg_vpc_find(const struct cfg *c, const char *name)
{
	long i = vpc_index(c, name);

	return i < 0 ? NULL : cfg_table_row(&c->vpcs, i);
}

const struct cfg_port *cfg_port_find(const struct cfg *c, const char *name)
{
	long i = port_index(c, name);

	return i < 0 ? NULL : cfg_table_row(&c->ports, i);
}

const struct cfg_subnet *cfg_subnet_find(const struct cfg *c, const char *vpc,
					 const struct cfg_prefix *cidr)
{
	long i = subnet_index(c, vpc, cidr);

	return i < 0 ? NULL : cfg_table_row(&c->subnets, i);
}

/* ---- VPCs ---- */

static int vpc_check(const struct cfg *c, const struct cfg_vpc *v, const char *skip, char *err)
{
	if (!cfg_name_valid(v->name))
		return cfg_fail(err, -EINVAL,
				"vpc.name: '%.*s' is not a valid name (1-31 of A-Z a-z 0-9 _ . -)",
				CFG_NAME_SIZE - 1, v->name);
	if (v->vni == 0 || v->vni > CFG_VNI_MAX)
		return cfg_fail(err, -EINVAL, "vpc.vni: %u is out of range (1-16777215)", v->vni);
	if (v->encap != CFG_ENCAP_VXLAN && v->encap != CFG_ENCAP_GENEVE)
		return cfg_fail(err, -EINVAL, "vpc.encap: must be vxlan or geneve");
	if (v->mtu < CFG_MTU_MIN || v->mtu > CFG_MTU_MAX)
		return cfg_fail(err, -EINVAL, "vpc.mtu: %u is out of range (%d-%d)", v->mtu,
				CFG_MTU_MIN, CFG_MTU_MAX);
	CFG_FOREACH(struct cfg_vpc, o, c->vpcs)
	{
		if (skip != NULL && strcmp(o->name, skip) == 0)
			continue;
		if (strcmp(o->name, v->name) == 0)
			return cfg_fail(err, -EEXIST, "vpc.name: vpc '%s' already exists", v->name);
		if (o->vni == v->vni)
			return cfg_fail(err, -EEXIST, "vpc.vni: vni %u is already used by vpc '%s'",
					v->vni, o->name);
	}
	return 0;
}

int cfg_vpc_insert(struct cfg *c, const struct cfg_vpc *v, char *err)
{
	int rc = vpc_check(c, v, NULL, err);

	return rc < 0 ? rc : cfg_table_append(&c->vpcs, v, err);
}

int cfg_vpc_modify(struct cfg *c, const struct cfg_vpc *v, char *err)
{
	long i = vpc_index(c, v->name);
	int rc;

	if (i < 0)
		return cfg_fail(err, -ENOENT, "vpc.name: no vpc '%s'", v->name);
	rc = vpc_check(c, v, v->name, err);
	if (rc < 0)
		return rc;
	memcpy(cfg_table_row(&c->vpcs, i), v, sizeof(*v));
	return 0;
}

int cfg_vpc_delete(struct cfg *c, const char *name, char *err)
{
	long i = vpc_index(c, name);
	int rc;

	if (i < 0)
		return cfg_fail(err, -ENOENT, "vpc.name: no vpc '%s'", name);
	CFG_FOREACH(struct cfg_port, p, c->ports)
	if (strcmp(p->vpc, name) == 0)
		return cfg_fail(err, -EBUSY, "vpc '%s' still has port '%s'", name, p->name);
	CFG_FOREACH(struct cfg_remote, r, c->remotes)
	if (strcmp(r->vpc, name) == 0)
		return cfg_fail(err, -EBUSY, "vpc '%s' still has remote endpoints", name);
	if ((rc = cfg_routes_vpc_busy(c, name, err)) < 0 ||
	    (rc = cfg_dhcp_busy(c, name, NULL, err)) < 0 ||
	    (rc = cfg_lbs_vpc_busy(c, name, err)) < 0)
		return rc;
	CFG_FOREACH(struct cfg_subnet, s, c->subnets)
	if (strcmp(s->vpc, name) == 0)
		return cfg_fail(err, -EBUSY, "vpc '%s' still has subnets", name);
	/* rules belong to groups: no group, no rule */
	CFG_FOREACH(struct cfg_sg, g, c->sgs)
	if (strcmp(g->vpc, name) == 0)
		return cfg_fail(err, -EBUSY, "vpc '%s' still has security groups", name);
	cfg_table_remove(&c->vpcs, i);
	return 0;
}

/* ---- subnets ---- */

static int subnet_check(const struct cfg *c, const struct cfg_subnet *s, bool modify, char *err)
{
	char buf[64];

	if (cfg_vpc_find(c, s->vpc) == NULL)
		return cfg_fail(err, -ENOENT, "subnet.vpc: no vpc '%.*s'", CFG_NAME_SIZE - 1,
				s->vpc);
	cfg_prefix_format(&s->cidr, buf, sizeof(buf));
	if (s->cidr.ip.af != AF_INET && s->cidr.ip.af != AF_INET6)
		return cfg_fail(err, -EINVAL,
				"subnet.cidr: missing or not an address family we know");
	if (!cfg_host_bits_zero(&s->cidr))
		return cfg_fail(err, -EINVAL, "subnet.cidr: %s has host bits set", buf);
	if (s->cidr.plen > (s->cidr.ip.af == AF_INET ? 30 : 126))
		return cfg_fail(err, -EINVAL, "subnet.cidr: %s leaves no room for hosts", buf);
	if (!cfg_prefix_contains(&s->cidr, &s->gateway) || cfg_ip_equal(&s->gateway, &s->cidr.ip) ||
	    cfg_is_v4_reserved(&s->cidr, &s->gateway))
		return cfg_fail(err, -EINVAL, "subnet.gateway: not a host address of %s", buf);
	if (!cfg_mac_valid_unicast(s->gateway_mac))
		return cfg_fail(err, -EINVAL, "subnet.gateway_mac: must be a non-zero unicast MAC");
	CFG_FOREACH(struct cfg_subnet, o, c->subnets)
	{
		if (strcmp(o->vpc, s->vpc) != 0)
			continue;
		if (cfg_prefix_equal(&o->cidr, &s->cidr)) {
			if (modify)
				continue;
			return cfg_fail(err, -EEXIST, "subnet.cidr: %s already exists in vpc '%s'",
					buf, s->vpc);
		}
		if (cfg_prefixes_overlap(&o->cidr, &s->cidr))
			return cfg_fail(err, -EEXIST,
					"subnet.cidr: %s overlaps another subnet of vpc '%s'", buf,
					s->vpc);
	}
	CFG_FOREACH(struct cfg_port, p, c->ports)
	{
		if (strcmp(p->vpc, s->vpc) != 0)
			continue;
		if (memcmp(p->mac, s->gateway_mac, 6) == 0)
			return cfg_fail(err, -EEXIST, "subnet.gateway_mac: used by port '%s'",
					p->name);
		for (int i = 0; i < p->n_ips; i++)
			if (cfg_ip_equal(&p->ips[i], &s->gateway))
				return cfg_fail(err, -EEXIST,
						"subnet.gateway: address of port '%s'", p->name);
	}
	CFG_FOREACH(struct cfg_remote, r, c->remotes)
	{
		if (strcmp(r->vpc, s->vpc) != 0)
			continue;
		if (memcmp(r->mac, s->gateway_mac, 6) == 0)
			return cfg_fail(err, -EEXIST,
					"subnet.gateway_mac: used by a remote endpoint");
		for (int i = 0; i < r->n_ips; i++)
			if (cfg_ip_equal(&r->ips[i], &s->gateway))
				return cfg_fail(err, -EEXIST,
						"subnet.gateway: address of a remote endpoint");
	}
	return 0;
}

int cfg_subnet_insert(struct cfg *c, const struct cfg_subnet *s, char *err)
{
	int rc = subnet_check(c, s, false, err);

	return rc < 0 ? rc : cfg_table_append(&c->subnets, s, err);
}

static bool ips_fit(const struct cfg *c, const char *vpc, const struct cfg_ip *ips, int n_ips,
		    const struct cfg_subnet *without);

int cfg_subnet_modify(struct cfg *c, const struct cfg_subnet *s, char *err)
{
	long i = subnet_index(c, s->vpc, &s->cidr);
	int rc;

	if (i < 0)
		return cfg_fail(err, -ENOENT, "subnet.cidr: no such subnet in vpc '%.*s'",
				CFG_NAME_SIZE - 1, s->vpc);
	if ((rc = subnet_check(c, s, true, err)) < 0 ||
	    (rc = cfg_routes_gateway_check(c, s, err)) < 0 ||
	    (rc = cfg_lbs_gateway_check(c, s, err)) < 0)
		return rc;
	memcpy(cfg_table_row(&c->subnets, i), s, sizeof(*s));
	return 0;
}

int cfg_subnet_delete(struct cfg *c, const char *vpc, const struct cfg_prefix *cidr, char *err)
{
	long i = subnet_index(c, vpc, cidr);
	const struct cfg_subnet *s;
	int rc;

	if (i < 0)
		return cfg_fail(err, -ENOENT, "subnet.cidr: no such subnet in vpc '%s'", vpc);
	s = cfg_table_row(&c->subnets, i);
	CFG_FOREACH(struct cfg_port, p, c->ports)
	if (strcmp(p->vpc, vpc) == 0 && !ips_fit(c, vpc, p->ips, p->n_ips, s))
		return cfg_fail(err, -EBUSY, "subnet is still used by port '%s'", p->name);
	CFG_FOREACH(struct cfg_remote, r, c->remotes)
	if (strcmp(r->vpc, vpc) == 0 && !ips_fit(c, vpc, r->ips, r->n_ips, s))
		return cfg_fail(err, -EBUSY, "subnet is still used by a remote endpoint");
	if ((rc = cfg_dhcp_busy(c, vpc, s, err)) < 0 ||
	    (rc = cfg_routes_subnet_busy(c, s, err)) < 0 ||
	    (rc = cfg_lbs_subnet_busy(c, s, err)) < 0)
		return rc;
	cfg_table_remove(&c->subnets, i);
	return 0;
}

/* ---- ports ---- */

/* Every address lies in some subnet of the VPC (ignoring `without`). */
static bool ips_fit(const struct cfg *c, const char *vpc, const struct cfg_ip *ips, int n_ips,
		    const struct cfg_subnet *without)
{
	for (int i = 0; i < n_ips; i++) {
		bool inside = false;

		CFG_FOREACH(struct cfg_subnet, s, c->subnets)
		{
			if (s == without || strcmp(s->vpc, vpc) != 0)
				continue;
			if (cfg_prefix_contains(&s->cidr, &ips[i]))
				inside = true;
		}
		if (!inside)
			return false;
	}
	return true;
}

/*
 * What ports and remote endpoints share: a VPC, a MAC and addresses inside its subnets, all
 * unique in the VPC whichever kind holds them. `what` names the table in messages; the row
 * being modified is skipped by identity (port name, or remote VPC + MAC).
 */
struct endpoint {
	const char *what;
	const char *vpc;
	const uint8_t *mac;
	const struct cfg_ip *ips;
	int n_ips;
	const char *port_name;  /* set for a port */
	bool is_remote;
	const char (*sgs)[CFG_NAME_SIZE];
	int n_sgs;
};

/* ---- remote endpoints: the indexes ---- */

static uint64_t vpc_hash(const char *vpc)
{
	return cfg_hash_bytes(CFG_HASH_INIT, vpc, strlen(vpc) + 1);
}

/* By (vpc, mac): a remote's key. */
static uint64_t remote_hash(const void *row, unsigned k)
{
	const struct cfg_remote *r = row;

	(void)k;
	return cfg_hash_bytes(vpc_hash(r->vpc), r->mac, 6);
}

static bool remote_same(const void *row, unsigned k, const void *probe)
{
	const struct cfg_remote *a = row, *b = probe;

	(void)k;
	return memcmp(a->mac, b->mac, 6) == 0 && strcmp(a->vpc, b->vpc) == 0;
}

static const struct cfg_row_key remote_key = {remote_hash, remote_same, NULL};

/* By (vpc, address), one key per address of the remote. */
static uint64_t address_hash(const void *row, unsigned k)
{
	const struct cfg_remote *r = row;
	uint64_t h = cfg_hash_bytes(vpc_hash(r->vpc), &r->ips[k].af, 1);

	return cfg_hash_bytes(h, r->ips[k].addr, cfg_ip_bits(&r->ips[k]) / 8);
}

static bool address_same(const void *row, unsigned k, const void *probe)
{
	const struct cfg_remote *a = row, *b = probe;

	return cfg_ip_equal(&a->ips[k], &b->ips[0]) && strcmp(a->vpc, b->vpc) == 0;
}

static unsigned address_keys(const void *row)
{
	return ((const struct cfg_remote *)row)->n_ips;
}

static const struct cfg_row_key address_key = {address_hash, address_same, address_keys};

/* A probe for the remote (vpc, mac) or for the holder of address ip (mac NULL). */
static struct cfg_remote remote_probe(const char *vpc, const uint8_t *mac, const struct cfg_ip *ip)
{
	struct cfg_remote r = {.n_ips = ip != NULL};

	snprintf(r.vpc, sizeof(r.vpc), "%s", vpc);
	if (mac != NULL)
		memcpy(r.mac, mac, 6);
	if (ip != NULL)
		r.ips[0] = *ip;
	return r;
}

static long remote_index(struct cfg *c, const char *vpc, const uint8_t mac[6])
{
	struct cfg_remote probe = remote_probe(vpc, mac, NULL);

	return cfg_index_lookup(&remote_key, &c->remote_index, &c->remotes, &probe);
}

/* The remote that has address ip in vpc, or -1. */
static long remote_holding(struct cfg *c, const char *vpc, const struct cfg_ip *ip)
{
	struct cfg_remote probe = remote_probe(vpc, NULL, ip);

	return cfg_index_lookup(&address_key, &c->remote_ip_index, &c->remotes, &probe);
}

/* Each group exists in the endpoint's VPC (so moving a port to another VPC needs groups of
 * that VPC), once. */
static int endpoint_sgs_check(const struct cfg *c, const struct endpoint *e, char *err)
{
	if (e->n_sgs > CFG_PORT_SGS_MAX)
		return cfg_fail(err, -EINVAL, "%s.security_groups: at most %d groups", e->what,
				CFG_PORT_SGS_MAX);
	for (int i = 0; i < e->n_sgs; i++) {
		const char *name = e->sgs[i];

		if (strnlen(name, CFG_NAME_SIZE) == CFG_NAME_SIZE)
			return cfg_fail(err, -EINVAL, "%s.security_groups[%d]: not a valid name",
					e->what, i);
		for (int j = 0; j < i; j++)
			if (strcmp(e->sgs[j], name) == 0)
				return cfg_fail(err, -EINVAL,
						"%s.security_groups[%d]: '%s' is listed twice",
						e->what, i, name);
		if (sg_index(c, e->vpc, name) < 0)
			return cfg_fail(
				err, -ENOENT,
				"%s.security_groups[%d]: no security group '%s' in vpc '%s'",
				e->what, i, name, e->vpc);
	}
	return 0;
}

static int endpoint_ip_check(const struct cfg *c, const struct endpoint *e, int i, char *err)
{
	const struct cfg_ip *ip = &e->ips[i];
	const struct cfg_subnet *home = NULL;
	char buf[64], field[48];

	cfg_ip_format(ip, buf, sizeof(buf));
	if (ip->af != AF_INET && ip->af != AF_INET6)
		return cfg_fail(err, -EINVAL, "%s.ips[%d]: not an IPv4 or IPv6 address", e->what,
				i);
	for (int j = 0; j < i; j++)
		if (cfg_ip_equal(&e->ips[j], ip))
			return cfg_fail(err, -EEXIST, "%s.ips[%d]: %s is listed twice", e->what, i,
					buf);
	CFG_FOREACH(struct cfg_subnet, s, c->subnets)
	if (strcmp(s->vpc, e->vpc) == 0 && cfg_prefix_contains(&s->cidr, ip))
		home = s;
	if (home == NULL)
		return cfg_fail(err, -EINVAL, "%s.ips[%d]: %s is outside every subnet of vpc '%s'",
				e->what, i, buf, e->vpc);
	if (cfg_ip_equal(ip, &home->gateway))
		return cfg_fail(err, -EEXIST, "%s.ips[%d]: %s is the subnet's gateway", e->what, i,
				buf);
	if (cfg_ip_equal(ip, &home->cidr.ip) || cfg_is_v4_reserved(&home->cidr, ip))
		return cfg_fail(err, -EINVAL, "%s.ips[%d]: %s is not a host address of its subnet",
				e->what, i, buf);
	snprintf(field, sizeof(field), "%s.ips[%d]", e->what, i);
	return cfg_lbs_vip_check(c, e->vpc, ip, field, err);
}

/* The other holder of mac or of one of ips in the VPC, if any: its description in who. */
/* e's MAC (ip < 0) or its address ips[ip] is held by port (or, NULL, a remote endpoint). */
static int clash(const struct endpoint *e, int ip, const char *port, char *err)
{
	char who[CFG_NAME_SIZE + 8], mac[18];

	if (port != NULL)
		snprintf(who, sizeof(who), "port '%s'", port);
	else
		snprintf(who, sizeof(who), "a remote endpoint");
	if (ip >= 0)
		return cfg_fail(err, -EEXIST, "%s.ips[%d]: already used by %s", e->what, ip, who);
	cfg_mac_format(e->mac, mac, sizeof(mac));
	return cfg_fail(err, -EEXIST, "%s.mac: %s is already used by %s in vpc '%s'", e->what,
			mac, who, e->vpc);
}

static int port_clash(const struct endpoint *e, const struct cfg_port *o, char *err)
{
	if (strcmp(o->vpc, e->vpc) != 0)
		return 0;
	if (memcmp(o->mac, e->mac, 6) == 0)
		return clash(e, -1, o->name, err);
	for (int i = 0; i < e->n_ips; i++)
		for (int j = 0; j < o->n_ips; j++)
			if (cfg_ip_equal(&e->ips[i], &o->ips[j]))
				return clash(e, i, o->name, err);
	return 0;
}

/* Ports are few (at most one per vhost socket or device): scanned. Remotes may be tens of
 * thousands: looked up by MAC and by each address. A remote being modified is not its own
 * rival. */
static int endpoint_unique(struct cfg *c, const struct endpoint *e, char *err)
{
	long self = remote_index(c, e->vpc, e->mac);
	int rc;

	CFG_FOREACH(struct cfg_port, o, c->ports)
	{
		if (e->port_name != NULL && strcmp(o->name, e->port_name) == 0)
			continue;
		rc = port_clash(e, o, err);
		if (rc < 0)
			return rc;
	}
	if (self >= 0 && !e->is_remote)
		return clash(e, -1, NULL, err);
	for (int i = 0; i < e->n_ips; i++) {
		long holder = remote_holding(c, e->vpc, &e->ips[i]);

		if (holder >= 0 && !(e->is_remote && holder == self))
			return clash(e, i, NULL, err);
	}
	return 0;
}

static int endpoint_check(struct cfg *c, const struct endpoint *e, char *err)
{
	char mac[18];
	int rc;

	if (cfg_vpc_find(c, e->vpc) == NULL)
		return cfg_fail(err, -ENOENT, "%s.vpc: no vpc '%.*s'", e->what, CFG_NAME_SIZE - 1,
				e->vpc);
	if (!cfg_mac_valid_unicast(e->mac))
		return cfg_fail(err, -EINVAL, "%s.mac: must be a non-zero unicast MAC", e->what);
	if (e->n_ips > CFG_PORT_IPS_MAX)
		return cfg_fail(err, -ENOSPC, "%s.ips: at most %d addresses", e->what,
				CFG_PORT_IPS_MAX);
	for (int i = 0; i < e->n_ips; i++) {
		rc = endpoint_ip_check(c, e, i, err);
		if (rc < 0)
			return rc;
	}
	rc = endpoint_sgs_check(c, e, err);
	if (rc < 0)
		return rc;
	CFG_FOREACH(struct cfg_subnet, s, c->subnets)
	if (strcmp(s->vpc, e->vpc) == 0 && memcmp(s->gateway_mac, e->mac, 6) == 0) {
		cfg_mac_format(e->mac, mac, sizeof(mac));
		return cfg_fail(err, -EEXIST, "%s.mac: %s is a gateway MAC of vpc '%s'", e->what,
				mac, e->vpc);
	}
	return endpoint_unique(c, e, err);
}

static int port_check(struct cfg *c, const struct cfg_port *p, const char *skip, char *err)
{
	struct endpoint e = {"port", p->vpc, p->mac, p->ips, p->n_ips, p->name, false,
			     p->sgs, p->n_sgs};

	if (!cfg_name_valid(p->name))
		return cfg_fail(err, -EINVAL, "port.name: '%.*s' is not a valid name",
				CFG_NAME_SIZE - 1, p->name);
	if (p->queues < 1 || p->queues > CFG_PORT_QUEUES_MAX)
		return cfg_fail(err, -EINVAL, "port.queues: %u is out of range (1-%d)", p->queues,
				CFG_PORT_QUEUES_MAX);
	if (p->mode != CFG_VHOST_SERVER && p->mode != CFG_VHOST_CLIENT)
		return cfg_fail(err, -EINVAL, "port.mode: must be server or client");
	if (p->max_connections > CFG_MAX_CONNECTIONS_MAX)
		return cfg_fail(err, -EINVAL, "port.max_connections: %u is out of range (0-%u)",
				p->max_connections, CFG_MAX_CONNECTIONS_MAX);
	if (p->devargs[0] != '\0') {
		if (p->socket[0] != '\0')
			return cfg_fail(err, -EINVAL,
					"port.dpdk: a port has a socket or a DPDK device, "
					"not both");
		if (p->queues != 1)
			return cfg_fail(err, -EINVAL,
					"port.queues: a DPDK device port has 1 queue");
	} else if (p->socket[0] != '/' || strnlen(p->socket, CFG_PATH_SIZE) >= CFG_PATH_SIZE) {
		return cfg_fail(err, -EINVAL,
				"port.socket: must be an absolute path under %d bytes",
				CFG_PATH_SIZE);
	}
	CFG_FOREACH(struct cfg_port, o, c->ports)
	{
		if (skip != NULL && strcmp(o->name, skip) == 0)
			continue;
		if (strcmp(o->name, p->name) == 0)
			return cfg_fail(err, -EEXIST, "port.name: port '%s' already exists",
					p->name);
		if (p->socket[0] != '\0' && strcmp(o->socket, p->socket) == 0)
			return cfg_fail(err, -EEXIST, "port.socket: already used by port '%s'",
					o->name);
		if (p->devargs[0] != '\0' && strcmp(o->devargs, p->devargs) == 0)
			return cfg_fail(err, -EEXIST, "port.dpdk: already used by port '%s'",
					o->name);
	}
	return endpoint_check(c, &e, err);
}

int cfg_port_insert(struct cfg *c, const struct cfg_port *p, char *err)
{
	int rc = port_check(c, p, NULL, err);

	return rc < 0 ? rc : cfg_table_append(&c->ports, p, err);
}

int cfg_port_modify(struct cfg *c, const struct cfg_port *p, char *err)
{
	long i = port_index(c, p->name);
	int rc;

	if (i < 0)
		return cfg_fail(err, -ENOENT, "port.name: no port '%.*s'", CFG_NAME_SIZE - 1,
				p->name);
	if ((rc = port_check(c, p, p->name, err)) < 0 ||
	    (rc = cfg_routes_port_busy(c, p->name, p->vpc, err)) < 0)
		return rc;
	memcpy(cfg_table_row(&c->ports, i), p, sizeof(*p));
	return 0;
}

int cfg_port_delete(struct cfg *c, const char *name, char *err)
{
	long i = port_index(c, name);
	int rc;

	if (i < 0)
		return cfg_fail(err, -ENOENT, "port.name: no port '%s'", name);
	if ((rc = cfg_routes_port_busy(c, name, NULL, err)) < 0)
		return rc;
	cfg_table_remove(&c->ports, i);
	return 0;
}

/* ---- remote endpoints ---- */

const struct cfg_remote *cfg_remote_find(const struct cfg *c, const char *vpc,
					 const uint8_t mac[6])
{
	struct cfg_remote probe = remote_probe(vpc, mac, NULL);
	long i = cfg_index_find(&remote_key, c->remote_index, &c->remotes, &probe);

	return i < 0 ? NULL : cfg_table_row(&c->remotes, i);
}

static int remote_check(struct cfg *c, const struct cfg_remote *r, char *err)
{
	struct endpoint e = {"remote", r->vpc, r->mac, r->ips, r->n_ips, NULL, true,
			     r->sgs, r->n_sgs};

	if (r->vtep.af != AF_INET && r->vtep.af != AF_INET6)
		return cfg_fail(err, -EINVAL, "remote.vtep: missing or not an IP address");
	if (!cfg_ip_unicast(&r->vtep))
		return cfg_fail(err, -EINVAL, "remote.vtep: must be a unicast address");
	return endpoint_check(c, &e, err);
}

int cfg_remote_insert(struct cfg *c, const struct cfg_remote *r, char *err)
{
	int rc;

	if (remote_index(c, r->vpc, r->mac) >= 0)
		return cfg_fail(err, -EEXIST,
				"remote.mac: vpc '%s' already has this remote endpoint", r->vpc);
	rc = remote_check(c, r, err);
	if (rc == 0)
		rc = cfg_table_append(&c->remotes, r, err);
	if (rc == 0) {
		cfg_index_add_last(&c->remote_index, &c->remotes);
		cfg_index_add_last(&c->remote_ip_index, &c->remotes);
	}
	return rc;
}

int cfg_remote_modify(struct cfg *c, const struct cfg_remote *r, char *err)
{
	long i = remote_index(c, r->vpc, r->mac);
	int rc;

	if (i < 0)
		return cfg_fail(err, -ENOENT, "remote.mac: no such remote endpoint in vpc '%.*s'",
				CFG_NAME_SIZE - 1, r->vpc);
	rc = remote_check(c, r, err);
	if (rc < 0)
		return rc;
	/* the same (vpc, mac): only the address index changes */
	cfg_index_replace(&c->remote_ip_index, &c->remotes, (size_t)i, r);
	return 0;
}

int cfg_remote_delete(struct cfg *c, const char *vpc, const uint8_t mac[6], char *err)
{
	long i = remote_index(c, vpc, mac);

	if (i < 0)
		return cfg_fail(err, -ENOENT, "remote.mac: no such remote endpoint in vpc '%s'",
				vpc);
	cfg_index_swap_remove(c->remote_ip_index, &c->remotes, (size_t)i);
	cfg_table_swap_remove(&c->remotes, c->remote_index, (size_t)i);
	return 0;
}

/* ---- security groups ---- */

static bool sgs_list(const char (*sgs)[CFG_NAME_SIZE], int n_sgs, const char *name)
{
	for (int i = 0; i < n_sgs; i++)
		if (strcmp(sgs[i], name) == 0)
			return true;
	return false;
}

int cfg_sg_insert(struct cfg *c, const struct cfg_sg *g, char *err)
{
	struct cfg_sg row;

	if (!cfg_name_terminated(g->vpc) || cfg_vpc_find(c, g->vpc) == NULL)
		return cfg_fail(err, -ENOENT, "security_group.vpc: no vpc '%.*s'",
				CFG_NAME_SIZE - 1, g->vpc);
	if (!cfg_name_valid(g->name))
		return cfg_fail(err, -EINVAL, "security_group.name: '%.*s' is not a valid name",
				CFG_NAME_SIZE - 1, g->name);
	if (sg_index(c, g->vpc, g->name) >= 0)
		return cfg_fail(err, -EEXIST,
				"security_group.name: '%s' already exists in vpc '%s'", g->name,
				g->vpc);
	/* zero-filled names, so that stored rows compare by their bytes */
	memset(&row, 0, sizeof(row));
	strcpy(row.vpc, g->vpc);
	strcpy(row.name, g->name);
	return cfg_table_append(&c->sgs, &row, err);
}

/* ---- security group rules: the duplicate index ---- */

/* Stored rows are normalized (equal rules are equal bytes): the whole row is the key. A
 * rule's delete keeps the index; a group's, which compacts the table, drops it. */
static uint64_t rule_hash(const void *r, unsigned k)
{
	(void)k;
	return cfg_hash_bytes(CFG_HASH_INIT, r, sizeof(struct cfg_sg_rule));
}

static bool rule_same(const void *row, unsigned k, const void *probe)
{
	(void)k;
	return memcmp(row, probe, sizeof(struct cfg_sg_rule)) == 0;
}

static const struct cfg_row_key rule_key = {rule_hash, rule_same, NULL};

static void rule_index_drop(struct cfg *c)
{
	free(c->sg_rule_index);
	c->sg_rule_index = NULL;
}

/* ---- security group rules ---- */

/* icmp and icmpv6 fix the family; a remote prefix fixes it or must agree with it. */
static int rule_family(const struct cfg_sg_rule *in, struct cfg_sg_rule *r, char *err)
{
	uint8_t fixed = in->proto == IPPROTO_ICMP     ? AF_INET
			: in->proto == IPPROTO_ICMPV6 ? AF_INET6
						      : 0;
	struct cfg_prefix p = in->remote;
	char buf[64];

	if (in->af != 0 && in->af != AF_INET && in->af != AF_INET6)
		return cfg_fail(err, -EINVAL,
				"security_group_rule.family: %u is neither 0 (both), "
				"AF_INET nor AF_INET6",
				in->af);
	if (fixed == AF_INET && in->af != 0 && in->af != fixed)
		return cfg_fail(err, -EINVAL,
				"security_group_rule.family: icmp (1) is IPv4 only; "
				"IPv6 has icmpv6 (58)");
	if (fixed == AF_INET6 && in->af != 0 && in->af != fixed)
		return cfg_fail(err, -EINVAL,
				"security_group_rule.family: icmpv6 (58) is IPv6 only; "
				"IPv4 has icmp (1)");
	r->af = fixed != 0 ? fixed : in->af;
	if (!in->has_remote_prefix)
		return 0;
	if (in->remote_group[0] != '\0')
		return cfg_fail(err, -EINVAL,
				"security_group_rule.remote_group: a rule has a remote "
				"prefix or a remote group, not both");
	if (p.ip.af != AF_INET && p.ip.af != AF_INET6)
		return cfg_fail(err, -EINVAL,
				"security_group_rule.remote: not an IPv4 or IPv6 prefix");
	if (p.plen > cfg_ip_bits(&p.ip))
		return cfg_fail(err, -EINVAL,
				"security_group_rule.remote: prefix length %u is over %u", p.plen,
				cfg_ip_bits(&p.ip));
	memset(p.ip.addr + cfg_ip_bits(&p.ip) / 8, 0, sizeof(p.ip.addr) - cfg_ip_bits(&p.ip) / 8);
	cfg_prefix_format(&p, buf, sizeof(buf));
	if (!cfg_host_bits_zero(&p))
		return cfg_fail(err, -EINVAL, "security_group_rule.remote: %s has host bits set",
				buf);
	if (r->af != 0 && r->af != p.ip.af)
		return cfg_fail(err, -EINVAL, "security_group_rule.remote: %s in an %s rule", buf,
				r->af == AF_INET ? "IPv4" : "IPv6");
	r->af = p.ip.af;
	r->has_remote_prefix = true;
	r->remote = p;
	return 0;
}

/* Ports and ICMP type/code only where the protocol has them: silently ignoring them would
 * make the rule wider than its author wrote. */
static int rule_l4(const struct cfg_sg_rule *in, struct cfg_sg_rule *r, char *err)
{
	bool ports = in->proto == IPPROTO_TCP || in->proto == IPPROTO_UDP;
	bool icmp = in->proto == IPPROTO_ICMP || in->proto == IPPROTO_ICMPV6;

	if (!ports && (in->port_min != 0 || in->port_max != 0))
		return cfg_fail(err, -EINVAL,
				"security_group_rule.ports: only for tcp and udp, not "
				"protocol %u",
				in->proto);
	if (in->port_min > in->port_max)
		return cfg_fail(err, -EINVAL,
				"security_group_rule.ports: %u-%u, the first is above "
				"the last",
				in->port_min, in->port_max);
	if (!icmp && (in->icmp_match != CFG_SG_ICMP_ANY || in->icmp_type != 0 ||
		      in->icmp_code != 0))
		return cfg_fail(err, -EINVAL,
				"security_group_rule.icmp_type: only for icmp and "
				"icmpv6, not protocol %u",
				in->proto);
	if (in->icmp_match > CFG_SG_ICMP_TYPE_CODE)
		return cfg_fail(err, -EINVAL,
				"security_group_rule.icmp_match: %u is not any (0), "
				"type (1) or type and code (2)",
				in->icmp_match);
	if (in->icmp_match == CFG_SG_ICMP_ANY && in->icmp_type != 0)
		return cfg_fail(err, -EINVAL,
				"security_group_rule.icmp_type: given, but icmp_match "
				"is any");
	if (in->icmp_match != CFG_SG_ICMP_TYPE_CODE && in->icmp_code != 0)
		return cfg_fail(err, -EINVAL,
				"security_group_rule.icmp_code: given, but icmp_match "
				"is not type and code");
	r->port_min = in->port_min;
	r->port_max = in->port_max;
	r->icmp_match = in->icmp_match;
	r->icmp_type = in->icmp_type;
	r->icmp_code = in->icmp_code;
	return 0;
}

/* The one form a rule is stored and looked up in, checked for what a rule alone can say
 * (references to groups are checked against the state by the caller). */
static int rule_normalize(const struct cfg_sg_rule *in, struct cfg_sg_rule *r, char *err)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (!cfg_name_terminated(in->vpc) || !cfg_name_terminated(in->group) ||
	    !cfg_name_terminated(in->remote_group))
		return cfg_fail(err, -EINVAL, "security_group_rule: a name is not NUL-terminated");
	if (in->dir != CFG_SG_INGRESS && in->dir != CFG_SG_EGRESS)
		return cfg_fail(err, -EINVAL,
				"security_group_rule.direction: %u is neither ingress "
				"(0) nor egress (1)",
				in->dir);
	cfg_name_copy(r->vpc, in->vpc);
	cfg_name_copy(r->group, in->group);
	cfg_name_copy(r->remote_group, in->remote_group);
	r->dir = in->dir;
	r->proto = in->proto;
	if ((rc = rule_family(in, r, err)) < 0 || (rc = rule_l4(in, r, err)) < 0)
		return rc;
	return 0;
}

int cfg_sg_rule_insert(struct cfg *c, const struct cfg_sg_rule *in, char *err)
{
	struct cfg_sg_rule r;
	int rc = rule_normalize(in, &r, err);

	if (rc < 0)
		return rc;
	if (cfg_vpc_find(c, r.vpc) == NULL)
		return cfg_fail(err, -ENOENT, "security_group_rule.vpc: no vpc '%s'", r.vpc);
	if (sg_index(c, r.vpc, r.group) < 0)
		return cfg_fail(err, -ENOENT,
				"security_group_rule.group: no security group '%s' in "
				"vpc '%s'",
				r.group, r.vpc);
	if (r.remote_group[0] != '\0' && sg_index(c, r.vpc, r.remote_group) < 0)
		return cfg_fail(err, -ENOENT,
				"security_group_rule.remote_group: no security group "
				"'%s' in vpc '%s'",
				r.remote_group, r.vpc);
	if (cfg_index_lookup(&rule_key, &c->sg_rule_index, &c->sg_rules, &r) >= 0)
		return cfg_fail(err, -EEXIST,
				"security_group_rule: group '%s' of vpc '%s' already "
				"has this rule",
				r.group, r.vpc);
	if (c->sg_rules.len >= CFG_SG_RULES_MAX)
		return cfg_fail(err, -ENOSPC, "security_group_rule: at most %d rules on a host",
				CFG_SG_RULES_MAX);
	rc = cfg_table_append(&c->sg_rules, &r, err);
	if (rc == 0)
		cfg_index_add_last(&c->sg_rule_index, &c->sg_rules);
	return rc;
}

int cfg_sg_rule_delete(struct cfg *c, const struct cfg_sg_rule *in, char *err)
{
	struct cfg_sg_rule r;
	int rc = rule_normalize(in, &r, err);
	long i;

	if (rc < 0)
		return rc;
	i = cfg_index_lookup(&rule_key, &c->sg_rule_index, &c->sg_rules, &r);
	if (i < 0)
		return cfg_fail(err, -ENOENT,
				"security_group_rule: group '%s' of vpc '%s' has no "
				"such rule",
				r.group, r.vpc);
	/* the last rule takes its place, in the index too: deleting many rules stays linear */
	cfg_table_swap_remove(&c->sg_rules, c->sg_rule_index, (size_t)i);
	return 0;
}

const struct cfg_sg_rule *cfg_sg_rule_find(const struct cfg *c, const struct cfg_sg_rule *in)
{
	struct cfg_sg_rule r;
	long i;

	if (rule_normalize(in, &r, NULL) < 0)
		return NULL;
	i = cfg_index_find(&rule_key, c->sg_rule_index, &c->sg_rules, &r);
	return i < 0 ? NULL : cfg_table_row(&c->sg_rules, i);
}

int cfg_sg_delete(struct cfg *c, const char *vpc, const char *name, char *err)
{
	long i = sg_index(c, vpc, name);
	size_t kept = 0;
	char mac[18];

	if (i < 0)
		return cfg_fail(err, -ENOENT,
				"security_group.name: no security group '%s' in vpc '%s'", name,
				vpc);
	CFG_FOREACH(struct cfg_port, p, c->ports)
	if (strcmp(p->vpc, vpc) == 0 && sgs_list(p->sgs, p->n_sgs, name))
		return cfg_fail(err, -EBUSY, "security group '%s' is still used by port '%s'", name,
				p->name);
	CFG_FOREACH(struct cfg_remote, r, c->remotes)
	if (strcmp(r->vpc, vpc) == 0 && sgs_list(r->sgs, r->n_sgs, name)) {
		cfg_mac_format(r->mac, mac, sizeof(mac));
		return cfg_fail(err, -EBUSY,
				"security group '%s' is still used by remote endpoint %s", name,
				mac);
	}
	CFG_FOREACH(struct cfg_sg_rule, r, c->sg_rules)
	if (strcmp(r->vpc, vpc) == 0 && strcmp(r->group, name) != 0 &&
	    strcmp(r->remote_group, name) == 0)
		return cfg_fail(err, -EBUSY,
				"security group '%s' is still the remote group of a rule "
				"of group '%s'",
				name, r->group);
	/* its own rules go with it, in one pass that keeps the others' order */
	for (size_t j = 0; j < c->sg_rules.len; j++) {
		const struct cfg_sg_rule *r = cfg_table_row(&c->sg_rules, j);

		if (strcmp(r->vpc, vpc) == 0 && strcmp(r->group, name) == 0)
			continue;
		if (kept != j)
			memcpy(cfg_table_row(&c->sg_rules, kept), r, sizeof(*r));
		kept++;
	}
	if (kept != c->sg_rules.len) {
		c->sg_rules.len = kept;
		rule_index_drop(c);
	}
	cfg_table_remove(&c->sgs, i);
	return 0;
}

/* ---- comparisons ---- */

bool cfg_port_same_attachment(const struct cfg_port *a, const struct cfg_port *b)
{
	return strcmp(a->socket, b->socket) == 0 && a->mode == b->mode && a->queues == b->queues &&
	       strcmp(a->devargs, b->devargs) == 0;
}

/* Lists in the same order: a reordered list is a change, as a reordered "ips" is. */
static bool sgs_equal(const char (*a)[CFG_NAME_SIZE], int n_a, const char (*b)[CFG_NAME_SIZE],
		      int n_b)
{
	if (n_a != n_b)
		return false;
	for (int i = 0; i < n_a; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

bool cfg_port_equal(const struct cfg_port *a, const struct cfg_port *b)
{
	if (strcmp(a->name, b->name) != 0 || strcmp(a->vpc, b->vpc) != 0 ||
	    memcmp(a->mac, b->mac, 6) != 0 || a->n_ips != b->n_ips ||
	    !cfg_port_same_attachment(a, b) || a->max_connections != b->max_connections ||
	    a->forwarding != b->forwarding ||
	    !sgs_equal(a->sgs, a->n_sgs, b->sgs, b->n_sgs))
		return false;
	for (int i = 0; i < a->n_ips; i++)
		if (!cfg_ip_equal(&a->ips[i], &b->ips[i]))
			return false;
	return true;
}

bool cfg_vpc_equal(const struct cfg_vpc *a, const struct cfg_vpc *b)
{
	return strcmp(a->name, b->name) == 0 && a->vni == b->vni && a->encap == b->encap &&
	       a->mtu == b->mtu;
}

bool cfg_remote_equal(const struct cfg_remote *a, const struct cfg_remote *b)
{
	if (strcmp(a->vpc, b->vpc) != 0 || memcmp(a->mac, b->mac, 6) != 0 || a->n_ips != b->n_ips ||
	    !cfg_ip_equal(&a->vtep, &b->vtep) || !sgs_equal(a->sgs, a->n_sgs, b->sgs, b->n_sgs))
		return false;
	for (int i = 0; i < a->n_ips; i++)
		if (!cfg_ip_equal(&a->ips[i], &b->ips[i]))
			return false;
	return true;
}

bool cfg_subnet_equal(const struct cfg_subnet *a, const struct cfg_subnet *b)
{
	return strcmp(a->vpc, b->vpc) == 0 && cfg_prefix_equal(&a->cidr, &b->cidr) &&
	       cfg_ip_equal(&a->gateway, &b->gateway) &&
	       memcmp(a->gateway_mac, b->gateway_mac, 6) == 0;
}

bool cfg_sg_equal(const struct cfg_sg *a, const struct cfg_sg *b)
{
	return strcmp(a->vpc, b->vpc) == 0 && strcmp(a->name, b->name) == 0;
}

bool cfg_sg_rule_equal(const struct cfg_sg_rule *a, const struct cfg_sg_rule *b)
{
	return strcmp(a->vpc, b->vpc) == 0 && strcmp(a->group, b->group) == 0 && a->dir == b->dir &&
	       a->af == b->af && a->proto == b->proto && a->icmp_match == b->icmp_match &&
	       a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code &&
	       a->port_min == b->port_min && a->port_max == b->port_max &&
	       a->has_remote_prefix == b->has_remote_prefix &&
	       (!a->has_remote_prefix || cfg_prefix_equal(&a->remote, &b->remote)) &&
	       strcmp(a->remote_group, b->remote_group) == 0;
}

static bool remote_equal(const void *a, const void *b)
{
	return cfg_remote_equal(a, b);
}

size_t cfg_count_unchanged(const struct cfg *old, const struct cfg *next, enum cfg_table_id t)
{
	size_t same = 0;

	switch (t) {
	case CFG_T_VPC:
		CFG_FOREACH(struct cfg_vpc, v, next->vpcs)
		{
			const struct cfg_vpc *o = cfg_vpc_find(old, v->name);

			same += o != NULL && cfg_vpc_equal(o, v);
		}
		break;
	case CFG_T_SUBNET:
		CFG_FOREACH(struct cfg_subnet, s, next->subnets)
		{
			const struct cfg_subnet *o = cfg_subnet_find(old, s->vpc, &s->cidr);

			same += o != NULL && cfg_subnet_equal(o, s);
		}
		break;
	case CFG_T_SG:
		CFG_FOREACH(struct cfg_sg, g, next->sgs)
		same += cfg_sg_find(old, g->vpc, g->name) != NULL;
		break;
	case CFG_T_SG_RULE:
		/* rules are all key */
		same = cfg_index_count_same(&rule_key, old->sg_rule_index, &old->sg_rules,
					    &next->sg_rules, NULL);
		break;
	case CFG_T_PORT:
		CFG_FOREACH(struct cfg_port, p, next->ports)
		{
			const struct cfg_port *o = cfg_port_find(old, p->name);

			same += o != NULL && cfg_port_equal(o, p);
		}
		break;
	case CFG_T_REMOTE:
		same = cfg_index_count_same(&remote_key, old->remote_index, &old->remotes,
					    &next->remotes, remote_equal);
		break;
	case CFG_T_DHCP_OPTIONS:
		same = cfg_dhcp_unchanged(old, next);
		break;
	case CFG_T_ECMP_GROUP:
		same = cfg_ecmp_groups_unchanged(old, next);
		break;
	case CFG_T_ROUTE:
		same = cfg_routes_unchanged(old, next);
		break;
	case CFG_T_LB:
	case CFG_T_LB_LISTENER:
	case CFG_T_LB_BACKEND:
		same = cfg_lbs_unchanged(old, next, t);
		break;
	default:
		break;
	}
	return same;
}
