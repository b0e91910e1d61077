/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCP options of each subnet (see cfg.h): what a row may say and the one form it is stored
 * in. The DHCP server (dhcp/) builds its leases from these rows, the subnet and the port;
 * this file only keeps the rows consistent with the subnets they belong to.
 */
#include "cfg_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static long dhcp_index(const struct cfg *c, const char *vpc, const struct cfg_prefix *subnet)
{
	for (size_t i = 0; i < c->dhcp_options.len; i++) {
		const struct cfg_dhcp_options *d = cfg_table_row(&c->dhcp_options, i);

		if (strcmp(d->vpc, vpc) == 0 && cfg_prefix_equal(&d->subnet, subnet))
			return (long)i;
	}
	return -1;
}

const struct cfg_dhcp_options *cfg_dhcp_options_find(const struct cfg *c, const char *vpc,
						     const struct cfg_prefix *subnet)
{
	long i = dhcp_index(c, vpc, subnet);

	return i < 0 ? NULL : cfg_table_row(&c->dhcp_options, i);
}

static bool label_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-';
}

/* RFC 1123 host name syntax: labels of 1-63 letters, digits and '-', neither first nor last
 * a '-', joined by single dots. No trailing dot: clients append their own. */
static bool domain_valid(const char *s)
{
	size_t n = strnlen(s, CFG_DOMAIN_SIZE), label = 0;

	if (n == 0 || n >= CFG_DOMAIN_SIZE)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!label_char(s[i]) || (label == 0 && s[i] == '-'))
			return false;
		label++;
	}
	return true;
}

static int dns_check(const struct cfg_dhcp_options *in, struct cfg_dhcp_options *d, char *err)
{
	uint8_t af = in->subnet.ip.af;
	char buf[64];

	if (in->n_dns > CFG_DHCP_DNS_MAX)
		return cfg_fail(err, -EINVAL, "dhcp_options.dns: at most %d servers",
				CFG_DHCP_DNS_MAX);
	for (int i = 0; i < in->n_dns; i++) {
		const struct cfg_ip *ip = &in->dns[i];

		if (ip->af != AF_INET && ip->af != AF_INET6)
			return cfg_fail(err, -EINVAL, "dhcp_options.dns[%d]: not an IP address", i);
		cfg_ip_format(ip, buf, sizeof(buf));
		if (ip->af != af)
			return cfg_fail(err, -EINVAL,
					"dhcp_options.dns[%d]: %s is %s, the subnet is "
					"%s",
					i, buf, cfg_af_name(ip->af), cfg_af_name(af));
		if (!cfg_ip_unicast(ip))
			return cfg_fail(err, -EINVAL,
					"dhcp_options.dns[%d]: %s is not a unicast "
					"address",
					i, buf);
		for (int j = 0; j < i; j++)
			if (cfg_ip_equal(&in->dns[j], ip))
				return cfg_fail(err, -EINVAL,
						"dhcp_options.dns[%d]: %s is listed "
						"twice",
						i, buf);
		d->dns[i] = *ip;
		cfg_ip_clean(&d->dns[i]);
	}
	d->n_dns = in->n_dns;
	return 0;
}

static int dhcp_route_check(const struct cfg_subnet *s, const struct cfg_dhcp_options *in, int i,
			    struct cfg_dhcp_route *out, char *err)
{
	const struct cfg_dhcp_route *r = &in->routes[i];
	char buf[64], cidr[64];

	if (r->prefix.ip.af != AF_INET || r->prefix.plen > 32)
		return cfg_fail(err, -EINVAL, "dhcp_options.routes[%d].prefix: not an IPv4 prefix",
				i);
	*out = *r;
	cfg_ip_clean(&out->prefix.ip);
	cfg_prefix_format(&out->prefix, buf, sizeof(buf));
	if (!cfg_host_bits_zero(&out->prefix))
		return cfg_fail(err, -EINVAL,
				"dhcp_options.routes[%d].prefix: %s has host bits set", i, buf);
	for (int j = 0; j < i; j++)
		if (cfg_prefix_equal(&in->routes[j].prefix, &out->prefix))
			return cfg_fail(err, -EINVAL,
					"dhcp_options.routes[%d].prefix: %s is listed "
					"twice",
					i, buf);
	if (r->router.af != AF_INET)
		return cfg_fail(err, -EINVAL, "dhcp_options.routes[%d].router: not an IPv4 address",
				i);
	cfg_ip_clean(&out->router);
	cfg_ip_format(&out->router, buf, sizeof(buf));
	cfg_prefix_format(&s->cidr, cidr, sizeof(cidr));
	if (!cfg_prefix_contains(&s->cidr, &out->router) ||
	    cfg_ip_equal(&out->router, &s->cidr.ip) || cfg_is_v4_reserved(&s->cidr, &out->router))
		return cfg_fail(err, -EINVAL,
				"dhcp_options.routes[%d].router: %s is not a host "
				"address of subnet %s",
				i, buf, cidr);
	return 0;
}

/* Option 121 exists only in DHCPv4; an IPv6 host learns routes from router advertisements. */
static int routes_check(const struct cfg_subnet *s, const struct cfg_dhcp_options *in,
			struct cfg_dhcp_options *d, char *err)
{
	int rc;

	if (in->n_routes > 0 && s->cidr.ip.af != AF_INET)
		return cfg_fail(err, -EINVAL,
				"dhcp_options.routes: only for IPv4 subnets "
				"(option 121)");
	if (in->n_routes > CFG_DHCP_ROUTES_MAX)
		return cfg_fail(err, -EINVAL, "dhcp_options.routes: at most %d routes",
				CFG_DHCP_ROUTES_MAX);
	for (int i = 0; i < in->n_routes; i++)
		if ((rc = dhcp_route_check(s, in, i, &d->routes[i], err)) < 0)
			return rc;
	d->n_routes = in->n_routes;
	return 0;
}

/* Checked against the subnet, zero-filled, lease 0 made the default: what is stored. */
static int dhcp_normalize(const struct cfg *c, const struct cfg_dhcp_options *in,
			  struct cfg_dhcp_options *d, char *err)
{
	const struct cfg_subnet *s;
	char buf[64];
	int rc;

	memset(d, 0, sizeof(*d));
	if (!cfg_name_terminated(in->vpc) || cfg_vpc_find(c, in->vpc) == NULL)
		return cfg_fail(err, -ENOENT, "dhcp_options.vpc: no vpc '%.*s'", CFG_NAME_SIZE - 1,
				in->vpc);
	cfg_name_copy(d->vpc, in->vpc);
	d->subnet = in->subnet;
	cfg_ip_clean(&d->subnet.ip);
	cfg_prefix_format(&d->subnet, buf, sizeof(buf));
	s = cfg_subnet_find(c, d->vpc, &d->subnet);
	if (s == NULL)
		return cfg_fail(err, -ENOENT, "dhcp_options.subnet: no subnet %s in vpc '%s'", buf,
				d->vpc);
	if ((rc = dns_check(in, d, err)) < 0)
		return rc;
	if (strnlen(in->domain, CFG_DOMAIN_SIZE) == CFG_DOMAIN_SIZE ||
	    (in->domain[0] != '\0' && !domain_valid(in->domain)))
		return cfg_fail(err, -EINVAL,
				"dhcp_options.domain: '%.*s' is not a DNS name "
				"(labels of 1-63 letters, digits or '-' joined by "
				"dots, under %d bytes)",
				CFG_DOMAIN_SIZE - 1, in->domain, CFG_DOMAIN_SIZE);
	memcpy(d->domain, in->domain, strlen(in->domain));
	if (in->lease_time != 0 && in->lease_time < CFG_LEASE_MIN)
		return cfg_fail(err, -EINVAL, "dhcp_options.lease_time: %u is under %d seconds",
				in->lease_time, CFG_LEASE_MIN);
	d->lease_time = in->lease_time != 0 ? in->lease_time : CFG_LEASE_DEFAULT;
	return routes_check(s, in, d, err);
}

int cfg_dhcp_options_insert(struct cfg *c, const struct cfg_dhcp_options *in, char *err)
{
	struct cfg_dhcp_options d;
	char buf[64];
	int rc = dhcp_normalize(c, in, &d, err);

	if (rc < 0)
		return rc;
	if (dhcp_index(c, d.vpc, &d.subnet) >= 0) {
		cfg_prefix_format(&d.subnet, buf, sizeof(buf));
		return cfg_fail(err, -EEXIST,
				"dhcp_options.subnet: %s of vpc '%s' already has "
				"options",
				buf, d.vpc);
	}
	return cfg_table_append(&c->dhcp_options, &d, err);
}

int cfg_dhcp_options_modify(struct cfg *c, const struct cfg_dhcp_options *in, char *err)
{
	struct cfg_dhcp_options d;
	char buf[64];
	long i;
	int rc = dhcp_normalize(c, in, &d, err);

	if (rc < 0)
		return rc;
	i = dhcp_index(c, d.vpc, &d.subnet);
	if (i < 0) {
		cfg_prefix_format(&d.subnet, buf, sizeof(buf));
		return cfg_fail(err, -ENOENT, "dhcp_options.subnet: %s of vpc '%s' has no options",
				buf, d.vpc);
	}
	memcpy(cfg_table_row(&c->dhcp_options, i), &d, sizeof(d));
	return 0;
}

int cfg_dhcp_options_delete(struct cfg *c, const char *vpc, const struct cfg_prefix *subnet,
			    char *err)
{
	long i = dhcp_index(c, vpc, subnet);
	char buf[64];

	if (i < 0) {
		cfg_prefix_format(subnet, buf, sizeof(buf));
		return cfg_fail(err, -ENOENT, "dhcp_options.subnet: %s of vpc '%s' has no options",
				buf, vpc);
	}
	cfg_table_remove(&c->dhcp_options, i);
	return 0;
}

bool cfg_dhcp_options_equal(const struct cfg_dhcp_options *a, const struct cfg_dhcp_options *b)
{
	if (strcmp(a->vpc, b->vpc) != 0 || !cfg_prefix_equal(&a->subnet, &b->subnet) ||
	    a->n_dns != b->n_dns || strcmp(a->domain, b->domain) != 0 ||
	    a->lease_time != b->lease_time || a->n_routes != b->n_routes)
		return false;
	for (int i = 0; i < a->n_dns; i++)
		if (!cfg_ip_equal(&a->dns[i], &b->dns[i]))
			return false;
	for (int i = 0; i < a->n_routes; i++)
		if (!cfg_prefix_equal(&a->routes[i].prefix, &b->routes[i].prefix) ||
		    !cfg_ip_equal(&a->routes[i].router, &b->routes[i].router))
			return false;
	return true;
}

size_t cfg_dhcp_unchanged(const struct cfg *old, const struct cfg *next)
{
	size_t same = 0;

	CFG_FOREACH(struct cfg_dhcp_options, d, next->dhcp_options)
	{
		const struct cfg_dhcp_options *o = cfg_dhcp_options_find(old, d->vpc, &d->subnet);

		same += o != NULL && cfg_dhcp_options_equal(o, d);
	}
	return same;
}

int cfg_dhcp_busy(const struct cfg *c, const char *vpc, const struct cfg_subnet *s, char *err)
{
	char buf[64];

	CFG_FOREACH(struct cfg_dhcp_options, d, c->dhcp_options)
	{
		if (strcmp(d->vpc, vpc) != 0)
			continue;
		if (s == NULL)
			return cfg_fail(err, -EBUSY, "vpc '%s' still has dhcp_options", vpc);
		if (cfg_prefix_equal(&d->subnet, &s->cidr)) {
			cfg_prefix_format(&s->cidr, buf, sizeof(buf));
			return cfg_fail(err, -EBUSY, "subnet %s of vpc '%s' still has dhcp_options",
					buf, vpc);
		}
	}
	return 0;
}
