/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Edits of the desired state and the rules that keep it consistent (see cfg.h). Every
 * edit validates first and mutates last, so a failed edit leaves the state as it was; the
 * transaction code relies on that only for messages, since it edits a clone anyway.
 */
#include "cfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err, CFG_ERR_SIZE, fmt, ap);
		va_end(ap);
		cfg_utf8_scrub(err);
	}
	return rc;
}

/* ---- tables ---- */

static void table_init(struct cfg_table *t, size_t row_size)
{
	memset(t, 0, sizeof(*t));
	t->row_size = row_size;
}

static int table_copy(struct cfg_table *dst, const struct cfg_table *src)
{
	table_init(dst, src->row_size);
	if (src->len == 0)
		return 0;
	dst->rows = malloc(src->len * src->row_size);
	if (dst->rows == NULL)
		return -ENOMEM;
	memcpy(dst->rows, src->rows, src->len * src->row_size);
	dst->len = dst->cap = src->len;
	return 0;
}

static int table_append(struct cfg_table *t, const void *row, char *err)
{
	if (t->len == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		void *rows = realloc(t->rows, cap * t->row_size);

		if (rows == NULL)
			return fail(err, -ENOMEM, "out of memory");
		t->rows = rows;
		t->cap = cap;
	}
	memcpy((char *)t->rows + t->len * t->row_size, row, t->row_size);
	t->len++;
	return 0;
}

static void *table_row(const struct cfg_table *t, size_t i)
{
	return (char *)t->rows + i * t->row_size;
}

/* Order is kept so dumps list rows in insertion order. */
static void table_remove(struct cfg_table *t, size_t i)
{
	memmove(table_row(t, i), table_row(t, i + 1), (t->len - i - 1) * t->row_size);
	t->len--;
}

struct cfg *cfg_new(void)
{
	struct cfg *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	table_init(&c->vpcs, sizeof(struct cfg_vpc));
	table_init(&c->subnets, sizeof(struct cfg_subnet));
	table_init(&c->ports, sizeof(struct cfg_port));
	table_init(&c->remotes, sizeof(struct cfg_remote));
	return c;
}

void cfg_free(struct cfg *c)
{
	if (c == NULL)
		return;
	free(c->vpcs.rows);
	free(c->subnets.rows);
	free(c->ports.rows);
	free(c->remotes.rows);
	free(c);
}

struct cfg *cfg_clone(const struct cfg *src)
{
	struct cfg *c = calloc(1, sizeof(*c));

	if (c == NULL)
		goto fail;
	if (table_copy(&c->vpcs, &src->vpcs) < 0 || table_copy(&c->subnets, &src->subnets) < 0 ||
	    table_copy(&c->ports, &src->ports) < 0 || table_copy(&c->remotes, &src->remotes) < 0)
		goto fail;
	return c;
fail:
	cfg_free(c);
	errno = ENOMEM;
	return NULL;
}

/* ---- addresses ---- */

int cfg_ip_parse(const char *s, struct cfg_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (s == NULL)
		return -EINVAL;
	if (inet_pton(AF_INET, s, ip->addr) == 1) {
		ip->af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip->addr) == 1) {
		ip->af = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static unsigned int ip_bits(const struct cfg_ip *ip)
{
	return ip->af == AF_INET ? 32 : 128;
}

int cfg_prefix_parse(const char *s, struct cfg_prefix *p)
{
	char buf[64];
	const char *slash;
	char *end;
	long plen;

	memset(p, 0, sizeof(*p));
	if (s == NULL || (slash = strchr(s, '/')) == NULL || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (cfg_ip_parse(buf, &p->ip) < 0)
		return -EINVAL;
	/* digits only: strtol would also take blanks and signs */
	if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
		return -EINVAL;
	plen = strtol(slash + 1, &end, 10);
	if (*end != '\0' || plen > (long)ip_bits(&p->ip))
		return -EINVAL;
	p->plen = (uint8_t)plen;
	return 0;
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Exactly xx:xx:xx:xx:xx:xx; scanf would also take signs, blanks and 0x. */
int cfg_mac_parse(const char *s, uint8_t mac[6])
{
	if (s == NULL || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void cfg_ip_format(const struct cfg_ip *ip, char *buf, size_t size)
{
	if (inet_ntop(ip->af, ip->addr, buf, size) == NULL)
		snprintf(buf, size, "?");
}

void cfg_prefix_format(const struct cfg_prefix *p, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	cfg_ip_format(&p->ip, ip, sizeof(ip));
	snprintf(buf, size, "%s/%u", ip, p->plen);
}

void cfg_mac_format(const uint8_t mac[6], char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}

static bool bit_set(const uint8_t *addr, unsigned int i)
{
	return addr[i / 8] & (0x80 >> (i % 8));
}

bool cfg_prefix_contains(const struct cfg_prefix *p, const struct cfg_ip *ip)
{
	if (p->ip.af != ip->af)
		return false;
	for (unsigned int i = 0; i < p->plen; i++)
		if (bit_set(p->ip.addr, i) != bit_set(ip->addr, i))
			return false;
	return true;
}

static bool host_bits_zero(const struct cfg_prefix *p)
{
	for (unsigned int i = p->plen; i < ip_bits(&p->ip); i++)
		if (bit_set(p->ip.addr, i))
			return false;
	return true;
}

/* The IPv4 network and broadcast addresses of a subnet can name no host. */
static bool is_v4_reserved(const struct cfg_prefix *p, const struct cfg_ip *ip)
{
	bool all0 = true, all1 = true;

	if (ip->af != AF_INET || p->plen >= 31)
		return false;
	for (unsigned int i = p->plen; i < 32; i++) {
		if (bit_set(ip->addr, i))
			all0 = false;
		else
			all1 = false;
	}
	return all0 || all1;
}

static bool ip_equal(const struct cfg_ip *a, const struct cfg_ip *b)
{
	return a->af == b->af && memcmp(a->addr, b->addr, ip_bits(a) / 8) == 0;
}

static bool prefix_equal(const struct cfg_prefix *a, const struct cfg_prefix *b)
{
	return a->plen == b->plen && ip_equal(&a->ip, &b->ip);
}

static bool prefixes_overlap(const struct cfg_prefix *a, const struct cfg_prefix *b)
{
	const struct cfg_prefix *shorter = a->plen <= b->plen ? a : b;
	const struct cfg_prefix *longer = shorter == a ? b : a;

	return cfg_prefix_contains(shorter, &longer->ip);
}

static bool mac_valid_unicast(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return (mac[0] & 1) == 0 && memcmp(mac, zero, 6) != 0;
}

bool cfg_name_valid(const char *name)
{
	size_t n = strnlen(name, CFG_NAME_SIZE);

	if (n == 0 || n >= CFG_NAME_SIZE)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.'))
			return false;
	}
	return true;
}

/* ---- lookups ---- */

static long vpc_index(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->vpcs.len; i++)
		if (strcmp(((struct cfg_vpc *)table_row(&c->vpcs, i))->name, name) == 0)
			return (long)i;
	return -1;
}

static long port_index(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->ports.len; i++)
		if (strcmp(((struct cfg_port *)table_row(&c->ports, i))->name, name) == 0)
			return (long)i;
	return -1;
}

static long subnet_index(const struct cfg *c, const char *vpc, const struct cfg_prefix *cidr)
{
	for (size_t i = 0; i < c->subnets.len; i++) {
		const struct cfg_subnet *s = table_row(&c->subnets, i);

		if (strcmp(s->vpc, vpc) == 0 && prefix_equal(&s->cidr, cidr))
			return (long)i;
	}
	return -1;
}

const struct cfg_vpc *cfg_vpc_find(const struct cfg *c, const char *name)
{
	long i = vpc_index(c, name);

	return i < 0 ? NULL : table_row(&c->vpcs, i);
}

const struct cfg_port *cfg_port_find(const struct cfg *c, const char *name)
{
	long i = port_index(c, name);

	return i < 0 ? NULL : table_row(&c->ports, i);
}

const struct cfg_subnet *cfg_subnet_find(const struct cfg *c, const char *vpc,
					 const struct cfg_prefix *cidr)
{
	long i = subnet_index(c, vpc, cidr);

	return i < 0 ? NULL : table_row(&c->subnets, i);
}

/* ---- VPCs ---- */

static int vpc_check(const struct cfg *c, const struct cfg_vpc *v, const char *skip, char *err)
{
	if (!cfg_name_valid(v->name))
		return fail(err, -EINVAL, "vpc.name: '%.*s' is not a valid name (1-31 of A-Z a-z 0-9 _ . -)",
			    CFG_NAME_SIZE - 1, v->name);
	if (v->vni == 0 || v->vni > CFG_VNI_MAX)
		return fail(err, -EINVAL, "vpc.vni: %u is out of range (1-16777215)", v->vni);
	if (v->encap != CFG_ENCAP_VXLAN && v->encap != CFG_ENCAP_GENEVE)
		return fail(err, -EINVAL, "vpc.encap: must be vxlan or geneve");
	if (v->mtu < CFG_MTU_MIN || v->mtu > CFG_MTU_MAX)
		return fail(err, -EINVAL, "vpc.mtu: %u is out of range (%d-%d)", v->mtu, CFG_MTU_MIN,
			    CFG_MTU_MAX);
	CFG_FOREACH(struct cfg_vpc, o, c->vpcs)
	{
		if (skip != NULL && strcmp(o->name, skip) == 0)
			continue;
		if (strcmp(o->name, v->name) == 0)
			return fail(err, -EEXIST, "vpc.name: vpc '%s' already exists", v->name);
		if (o->vni == v->vni)
			return fail(err, -EEXIST, "vpc.vni: vni %u is already used by vpc '%s'",
				    v->vni, o->name);
	}
	return 0;
}

int cfg_vpc_insert(struct cfg *c, const struct cfg_vpc *v, char *err)
{
	int rc = vpc_check(c, v, NULL, err);

	return rc < 0 ? rc : table_append(&c->vpcs, v, err);
}

int cfg_vpc_modify(struct cfg *c, const struct cfg_vpc *v, char *err)
{
	long i = vpc_index(c, v->name);
	int rc;

	if (i < 0)
		return fail(err, -ENOENT, "vpc.name: no vpc '%s'", v->name);
	rc = vpc_check(c, v, v->name, err);
	if (rc < 0)
		return rc;
	memcpy(table_row(&c->vpcs, i), v, sizeof(*v));
	return 0;
}

int cfg_vpc_delete(struct cfg *c, const char *name, char *err)
{
	long i = vpc_index(c, name);

	if (i < 0)
		return fail(err, -ENOENT, "vpc.name: no vpc '%s'", name);
	CFG_FOREACH(struct cfg_port, p, c->ports)
	if (strcmp(p->vpc, name) == 0)
		return fail(err, -EBUSY, "vpc '%s' still has port '%s'", name, p->name);
	CFG_FOREACH(struct cfg_remote, r, c->remotes)
	if (strcmp(r->vpc, name) == 0)
		return fail(err, -EBUSY, "vpc '%s' still has remote endpoints", name);
	CFG_FOREACH(struct cfg_subnet, s, c->subnets)
	if (strcmp(s->vpc, name) == 0)
		return fail(err, -EBUSY, "vpc '%s' still has subnets", name);
	table_remove(&c->vpcs, i);
	return 0;
}

/* ---- subnets ---- */

static int subnet_check(const struct cfg *c, const struct cfg_subnet *s, bool modify, char *err)
{
	char buf[64];

	if (cfg_vpc_find(c, s->vpc) == NULL)
		return fail(err, -ENOENT, "subnet.vpc: no vpc '%.*s'", CFG_NAME_SIZE - 1, s->vpc);
	cfg_prefix_format(&s->cidr, buf, sizeof(buf));
	if (s->cidr.ip.af != AF_INET && s->cidr.ip.af != AF_INET6)
		return fail(err, -EINVAL, "subnet.cidr: missing or not an address family we know");
	if (!host_bits_zero(&s->cidr))
		return fail(err, -EINVAL, "subnet.cidr: %s has host bits set", buf);
	if (s->cidr.plen > (s->cidr.ip.af == AF_INET ? 30 : 126))
		return fail(err, -EINVAL, "subnet.cidr: %s leaves no room for hosts", buf);
	if (!cfg_prefix_contains(&s->cidr, &s->gateway) || ip_equal(&s->gateway, &s->cidr.ip) ||
	    is_v4_reserved(&s->cidr, &s->gateway))
		return fail(err, -EINVAL, "subnet.gateway: not a host address of %s", buf);
	if (!mac_valid_unicast(s->gateway_mac))
		return fail(err, -EINVAL, "subnet.gateway_mac: must be a non-zero unicast MAC");
	CFG_FOREACH(struct cfg_subnet, o, c->subnets)
	{
		if (strcmp(o->vpc, s->vpc) != 0)
			continue;
		if (prefix_equal(&o->cidr, &s->cidr)) {
			if (modify)
				continue;
			return fail(err, -EEXIST, "subnet.cidr: %s already exists in vpc '%s'", buf,
				    s->vpc);
		}
		if (prefixes_overlap(&o->cidr, &s->cidr))
			return fail(err, -EEXIST, "subnet.cidr: %s overlaps another subnet of vpc '%s'",
				    buf, s->vpc);
	}
	CFG_FOREACH(struct cfg_port, p, c->ports)
	{
		if (strcmp(p->vpc, s->vpc) != 0)
			continue;
		if (memcmp(p->mac, s->gateway_mac, 6) == 0)
			return fail(err, -EEXIST, "subnet.gateway_mac: used by port '%s'", p->name);
		for (int i = 0; i < p->n_ips; i++)
			if (ip_equal(&p->ips[i], &s->gateway))
				return fail(err, -EEXIST, "subnet.gateway: address of port '%s'",
					    p->name);
	}
	CFG_FOREACH(struct cfg_remote, r, c->remotes)
	{
		if (strcmp(r->vpc, s->vpc) != 0)
			continue;
		if (memcmp(r->mac, s->gateway_mac, 6) == 0)
			return fail(err, -EEXIST, "subnet.gateway_mac: used by a remote endpoint");
		for (int i = 0; i < r->n_ips; i++)
			if (ip_equal(&r->ips[i], &s->gateway))
				return fail(err, -EEXIST,
					    "subnet.gateway: address of a remote endpoint");
	}
	return 0;
}

int cfg_subnet_insert(struct cfg *c, const struct cfg_subnet *s, char *err)
{
	int rc = subnet_check(c, s, false, err);

	return rc < 0 ? rc : table_append(&c->subnets, s, err);
}

static bool ips_fit(const struct cfg *c, const char *vpc, const struct cfg_ip *ips, int n_ips,
		    const struct cfg_subnet *without);

int cfg_subnet_modify(struct cfg *c, const struct cfg_subnet *s, char *err)
{
	long i = subnet_index(c, s->vpc, &s->cidr);
	int rc;

	if (i < 0)
		return fail(err, -ENOENT, "subnet.cidr: no such subnet in vpc '%.*s'",
			    CFG_NAME_SIZE - 1, s->vpc);
	rc = subnet_check(c, s, true, err);
	if (rc < 0)
		return rc;
	memcpy(table_row(&c->subnets, i), s, sizeof(*s));
	return 0;
}

int cfg_subnet_delete(struct cfg *c, const char *vpc, const struct cfg_prefix *cidr, char *err)
{
	long i = subnet_index(c, vpc, cidr);
	const struct cfg_subnet *s;

	if (i < 0)
		return fail(err, -ENOENT, "subnet.cidr: no such subnet in vpc '%s'", vpc);
	s = table_row(&c->subnets, i);
	CFG_FOREACH(struct cfg_port, p, c->ports)
	if (strcmp(p->vpc, vpc) == 0 && !ips_fit(c, vpc, p->ips, p->n_ips, s))
		return fail(err, -EBUSY, "subnet is still used by port '%s'", p->name);
	CFG_FOREACH(struct cfg_remote, r, c->remotes)
	if (strcmp(r->vpc, vpc) == 0 && !ips_fit(c, vpc, r->ips, r->n_ips, s))
		return fail(err, -EBUSY, "subnet is still used by a remote endpoint");
	table_remove(&c->subnets, i);
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
};

static int endpoint_ip_check(const struct cfg *c, const struct endpoint *e, int i, char *err)
{
	const struct cfg_ip *ip = &e->ips[i];
	const struct cfg_subnet *home = NULL;
	char buf[64];

	cfg_ip_format(ip, buf, sizeof(buf));
	if (ip->af != AF_INET && ip->af != AF_INET6)
		return fail(err, -EINVAL, "%s.ips[%d]: not an IPv4 or IPv6 address", e->what, i);
	for (int j = 0; j < i; j++)
		if (ip_equal(&e->ips[j], ip))
			return fail(err, -EEXIST, "%s.ips[%d]: %s is listed twice", e->what, i, buf);
	CFG_FOREACH(struct cfg_subnet, s, c->subnets)
	if (strcmp(s->vpc, e->vpc) == 0 && cfg_prefix_contains(&s->cidr, ip))
		home = s;
	if (home == NULL)
		return fail(err, -EINVAL, "%s.ips[%d]: %s is outside every subnet of vpc '%s'",
			    e->what, i, buf, e->vpc);
	if (ip_equal(ip, &home->gateway))
		return fail(err, -EEXIST, "%s.ips[%d]: %s is the subnet's gateway", e->what, i, buf);
	if (ip_equal(ip, &home->cidr.ip) || is_v4_reserved(&home->cidr, ip))
		return fail(err, -EINVAL, "%s.ips[%d]: %s is not a host address of its subnet",
			    e->what, i, buf);
	return 0;
}

/* The other holder of mac or of one of ips in the VPC, if any: its description in who. */
static int endpoint_clash(const struct endpoint *e, const char *vpc, const uint8_t *mac,
			  const struct cfg_ip *ips, int n_ips, const char *who, char *err)
{
	char buf[18];

	if (strcmp(vpc, e->vpc) != 0)
		return 0;
	cfg_mac_format(e->mac, buf, sizeof(buf));
	if (memcmp(mac, e->mac, 6) == 0)
		return fail(err, -EEXIST, "%s.mac: %s is already used by %s in vpc '%s'", e->what,
			    buf, who, e->vpc);
	for (int i = 0; i < e->n_ips; i++)
		for (int j = 0; j < n_ips; j++)
			if (ip_equal(&e->ips[i], &ips[j]))
				return fail(err, -EEXIST, "%s.ips[%d]: already used by %s", e->what,
					    i, who);
	return 0;
}

static int endpoint_check(const struct cfg *c, const struct endpoint *e, char *err)
{
	char mac[18], who[64];
	int rc;

	if (cfg_vpc_find(c, e->vpc) == NULL)
		return fail(err, -ENOENT, "%s.vpc: no vpc '%.*s'", e->what, CFG_NAME_SIZE - 1,
			    e->vpc);
	if (!mac_valid_unicast(e->mac))
		return fail(err, -EINVAL, "%s.mac: must be a non-zero unicast MAC", e->what);
	if (e->n_ips > CFG_PORT_IPS_MAX)
		return fail(err, -ENOSPC, "%s.ips: at most %d addresses", e->what,
			    CFG_PORT_IPS_MAX);
	for (int i = 0; i < e->n_ips; i++) {
		rc = endpoint_ip_check(c, e, i, err);
		if (rc < 0)
			return rc;
	}
	cfg_mac_format(e->mac, mac, sizeof(mac));
	CFG_FOREACH(struct cfg_subnet, s, c->subnets)
	if (strcmp(s->vpc, e->vpc) == 0 && memcmp(s->gateway_mac, e->mac, 6) == 0)
		return fail(err, -EEXIST, "%s.mac: %s is a gateway MAC of vpc '%s'", e->what, mac,
			    e->vpc);
	CFG_FOREACH(struct cfg_port, o, c->ports)
	{
		if (e->port_name != NULL && strcmp(o->name, e->port_name) == 0)
			continue;
		snprintf(who, sizeof(who), "port '%s'", o->name);
		rc = endpoint_clash(e, o->vpc, o->mac, o->ips, o->n_ips, who, err);
		if (rc < 0)
			return rc;
	}
	CFG_FOREACH(struct cfg_remote, o, c->remotes)
	{
		if (e->is_remote && strcmp(o->vpc, e->vpc) == 0 && memcmp(o->mac, e->mac, 6) == 0)
			continue; /* the row itself (modify) */
		rc = endpoint_clash(e, o->vpc, o->mac, o->ips, o->n_ips, "a remote endpoint", err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int port_check(const struct cfg *c, const struct cfg_port *p, const char *skip, char *err)
{
	struct endpoint e = {"port", p->vpc, p->mac, p->ips, p->n_ips, p->name, false};

	if (!cfg_name_valid(p->name))
		return fail(err, -EINVAL, "port.name: '%.*s' is not a valid name", CFG_NAME_SIZE - 1,
			    p->name);
	if (p->queues < 1 || p->queues > CFG_PORT_QUEUES_MAX)
		return fail(err, -EINVAL, "port.queues: %u is out of range (1-%d)", p->queues,
			    CFG_PORT_QUEUES_MAX);
	if (p->mode != CFG_VHOST_SERVER && p->mode != CFG_VHOST_CLIENT)
		return fail(err, -EINVAL, "port.mode: must be server or client");
	if (p->devargs[0] != '\0') {
		if (p->socket[0] != '\0')
			return fail(err, -EINVAL, "port.dpdk: a port has a socket or a DPDK device, "
						  "not both");
		if (p->queues != 1)
			return fail(err, -EINVAL, "port.queues: a DPDK device port has 1 queue");
	} else if (p->socket[0] != '/' || strnlen(p->socket, CFG_PATH_SIZE) >= CFG_PATH_SIZE) {
		return fail(err, -EINVAL, "port.socket: must be an absolute path under %d bytes",
			    CFG_PATH_SIZE);
	}
	CFG_FOREACH(struct cfg_port, o, c->ports)
	{
		if (skip != NULL && strcmp(o->name, skip) == 0)
			continue;
		if (strcmp(o->name, p->name) == 0)
			return fail(err, -EEXIST, "port.name: port '%s' already exists", p->name);
		if (p->socket[0] != '\0' && strcmp(o->socket, p->socket) == 0)
			return fail(err, -EEXIST, "port.socket: already used by port '%s'", o->name);
		if (p->devargs[0] != '\0' && strcmp(o->devargs, p->devargs) == 0)
			return fail(err, -EEXIST, "port.dpdk: already used by port '%s'", o->name);
	}
	return endpoint_check(c, &e, err);
}

int cfg_port_insert(struct cfg *c, const struct cfg_port *p, char *err)
{
	int rc = port_check(c, p, NULL, err);

	return rc < 0 ? rc : table_append(&c->ports, p, err);
}

int cfg_port_modify(struct cfg *c, const struct cfg_port *p, char *err)
{
	long i = port_index(c, p->name);
	int rc;

	if (i < 0)
		return fail(err, -ENOENT, "port.name: no port '%.*s'", CFG_NAME_SIZE - 1, p->name);
	rc = port_check(c, p, p->name, err);
	if (rc < 0)
		return rc;
	memcpy(table_row(&c->ports, i), p, sizeof(*p));
	return 0;
}

int cfg_port_delete(struct cfg *c, const char *name, char *err)
{
	long i = port_index(c, name);

	if (i < 0)
		return fail(err, -ENOENT, "port.name: no port '%s'", name);
	table_remove(&c->ports, i);
	return 0;
}

/* ---- remote endpoints ---- */

static long remote_index(const struct cfg *c, const char *vpc, const uint8_t mac[6])
{
	for (size_t i = 0; i < c->remotes.len; i++) {
		const struct cfg_remote *r = table_row(&c->remotes, i);

		if (strcmp(r->vpc, vpc) == 0 && memcmp(r->mac, mac, 6) == 0)
			return (long)i;
	}
	return -1;
}

const struct cfg_remote *cfg_remote_find(const struct cfg *c, const char *vpc,
					 const uint8_t mac[6])
{
	long i = remote_index(c, vpc, mac);

	return i < 0 ? NULL : table_row(&c->remotes, i);
}

static int remote_check(const struct cfg *c, const struct cfg_remote *r, char *err)
{
	struct endpoint e = {"remote", r->vpc, r->mac, r->ips, r->n_ips, NULL, true};
	static const uint8_t zero[16];

	if (r->vtep.af != AF_INET && r->vtep.af != AF_INET6)
		return fail(err, -EINVAL, "remote.vtep: missing or not an IP address");
	if (memcmp(r->vtep.addr, zero, ip_bits(&r->vtep) / 8) == 0 ||
	    (r->vtep.af == AF_INET && r->vtep.addr[0] >= 224) ||
	    (r->vtep.af == AF_INET6 && r->vtep.addr[0] == 0xff))
		return fail(err, -EINVAL, "remote.vtep: must be a unicast address");
	return endpoint_check(c, &e, err);
}

int cfg_remote_insert(struct cfg *c, const struct cfg_remote *r, char *err)
{
	int rc;

	if (remote_index(c, r->vpc, r->mac) >= 0)
		return fail(err, -EEXIST, "remote.mac: vpc '%s' already has this remote endpoint",
			    r->vpc);
	rc = remote_check(c, r, err);
	return rc < 0 ? rc : table_append(&c->remotes, r, err);
}

int cfg_remote_modify(struct cfg *c, const struct cfg_remote *r, char *err)
{
	long i = remote_index(c, r->vpc, r->mac);
	int rc;

	if (i < 0)
		return fail(err, -ENOENT, "remote.mac: no such remote endpoint in vpc '%.*s'",
			    CFG_NAME_SIZE - 1, r->vpc);
	rc = remote_check(c, r, err);
	if (rc < 0)
		return rc;
	memcpy(table_row(&c->remotes, i), r, sizeof(*r));
	return 0;
}

int cfg_remote_delete(struct cfg *c, const char *vpc, const uint8_t mac[6], char *err)
{
	long i = remote_index(c, vpc, mac);

	if (i < 0)
		return fail(err, -ENOENT, "remote.mac: no such remote endpoint in vpc '%s'", vpc);
	table_remove(&c->remotes, i);
	return 0;
}

/* ---- comparisons ---- */

bool cfg_port_same_attachment(const struct cfg_port *a, const struct cfg_port *b)
{
	return strcmp(a->socket, b->socket) == 0 && a->mode == b->mode && a->queues == b->queues &&
	       strcmp(a->devargs, b->devargs) == 0;
}

bool cfg_port_equal(const struct cfg_port *a, const struct cfg_port *b)
{
	if (strcmp(a->name, b->name) != 0 || strcmp(a->vpc, b->vpc) != 0 ||
	    memcmp(a->mac, b->mac, 6) != 0 || a->n_ips != b->n_ips ||
	    !cfg_port_same_attachment(a, b))
		return false;
	for (int i = 0; i < a->n_ips; i++)
		if (!ip_equal(&a->ips[i], &b->ips[i]))
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
	if (strcmp(a->vpc, b->vpc) != 0 || memcmp(a->mac, b->mac, 6) != 0 ||
	    a->n_ips != b->n_ips || !ip_equal(&a->vtep, &b->vtep))
		return false;
	for (int i = 0; i < a->n_ips; i++)
		if (!ip_equal(&a->ips[i], &b->ips[i]))
			return false;
	return true;
}

bool cfg_subnet_equal(const struct cfg_subnet *a, const struct cfg_subnet *b)
{
	return strcmp(a->vpc, b->vpc) == 0 && prefix_equal(&a->cidr, &b->cidr) &&
	       ip_equal(&a->gateway, &b->gateway) && memcmp(a->gateway_mac, b->gateway_mac, 6) == 0;
}

/* Length of the valid UTF-8 sequence at s, or 0 (RFC 3629: no overlongs, no surrogates). */
static size_t utf8_seq_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void cfg_utf8_scrub(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p != '\0') {
		size_t n = utf8_seq_len(p);

		if (n == 0)
			*p++ = '?';
		else
			p += n;
	}
}
