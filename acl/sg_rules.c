/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The security-group rule model (see sg.h): the checks every rule passes before anything
 * is compiled, and the defaults of a new group. Pure logic, no DPDK: the control plane
 * validates a transaction with it before sg_acl.c builds anything.
 */
#include "sg_private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sg_fail(char *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err, SG_ERR_SIZE, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* sg_fail with the entry named first: "rules[3] (id 17): ports: ...". */
static int rule_fail(char *err, size_t i, const struct sg_rule *r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int rule_fail(char *err, size_t i, const struct sg_rule *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err != NULL) {
		n = snprintf(err, SG_ERR_SIZE, "rules[%zu] (id %u): ", i, r->id);
		va_start(ap, fmt);
		vsnprintf(err + n, SG_ERR_SIZE - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static unsigned int af_bits(uint8_t af)
{
	return af == AF_INET ? 32 : 128;
}

void sg_prefix_format(const struct sg_prefix *p, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if ((p->af != AF_INET && p->af != AF_INET6) ||
	    inet_ntop(p->af, p->addr, ip, sizeof(ip)) == NULL) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, "%s/%u", ip, p->plen);
}

static bool prefix_host_bits_zero(const struct sg_prefix *p)
{
	unsigned int bytes = af_bits(p->af) / 8;

	for (unsigned int i = p->plen / 8; i < bytes; i++) {
		uint8_t host = i == p->plen / 8 ? 0xff >> (p->plen % 8) : 0xff;

		if (p->addr[i] & host)
			return false;
	}
	return true;
}

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case SG_PROTO_ANY:
		return "any";
	case SG_PROTO_ICMP:
		return "icmp";
	case SG_PROTO_TCP:
		return "tcp";
	case SG_PROTO_UDP:
		return "udp";
	case SG_PROTO_ICMPV6:
		return "icmpv6";
	}
	return "that protocol";
}

static const char *af_name(uint8_t af)
{
	return af == AF_INET ? "IPv4" : "IPv6";
}

static int check_remote(const struct sg_rule *r, size_t i, char *err)
{
	const struct sg_prefix *p = &r->remote;
	char buf[64];

	if (p->af != AF_INET && p->af != AF_INET6)
		return rule_fail(err, i, r, "remote: not an IPv4 or IPv6 prefix");
	if (p->af != r->af)
		return rule_fail(err, i, r, "remote: an %s prefix in an %s rule", af_name(p->af),
				 af_name(r->af));
	if (p->plen > af_bits(p->af))
		return rule_fail(err, i, r, "remote: prefix length %u is over %u", p->plen,
				 af_bits(p->af));
	if (!prefix_host_bits_zero(p)) {
		sg_prefix_format(p, buf, sizeof(buf));
		return rule_fail(err, i, r, "remote: %s has host bits set", buf);
	}
	return 0;
}

/* Ports and ICMP type/code only where the protocol has them: a port range on icmp is a
 * mistake of the caller's, and silently matching every ICMP packet would widen the rule. */
static int check_l4(const struct sg_rule *r, size_t i, char *err)
{
	bool ports = r->proto == SG_PROTO_TCP || r->proto == SG_PROTO_UDP;
	bool icmp = r->proto == SG_PROTO_ICMP || r->proto == SG_PROTO_ICMPV6;
	const char *name = proto_name(r->proto);

	if (r->proto == SG_PROTO_ICMP && r->af != AF_INET)
		return rule_fail(err, i, r, "proto: icmp (1) in an IPv6 rule; use icmpv6 (58)");
	if (r->proto == SG_PROTO_ICMPV6 && r->af != AF_INET6)
		return rule_fail(err, i, r, "proto: icmpv6 (58) in an IPv4 rule; use icmp (1)");
	if (!ports && (r->port_min != 0 || r->port_max != 0))
		return rule_fail(err, i, r, "ports: %u-%u on %s (%u); ports are only for tcp, udp",
				 r->port_min, r->port_max, name, r->proto);
	if (ports && r->port_min > r->port_max)
		return rule_fail(err, i, r, "ports: %u-%u, min is above max", r->port_min,
				 r->port_max);
	if (!icmp && (r->icmp_match != SG_ICMP_ANY || r->icmp_type != 0 || r->icmp_code != 0))
		return rule_fail(err, i, r, "icmp: type/code on %s (%u); only for icmp, icmpv6",
				 name, r->proto);
	if (r->icmp_match > SG_ICMP_TYPE_CODE)
		return rule_fail(err, i, r, "icmp_match: %u is not any, type or type and code",
				 r->icmp_match);
	if ((r->icmp_match == SG_ICMP_ANY && r->icmp_type != 0) ||
	    (r->icmp_match != SG_ICMP_TYPE_CODE && r->icmp_code != 0))
		return rule_fail(err, i, r, "icmp: type %u code %u given, icmp_match ignores them",
				 r->icmp_type, r->icmp_code);
	return 0;
}

static int check_rule(const struct sg_rule *r, size_t i, char *err)
{
	int rc;

	if (r->id == 0)
		return rule_fail(err, i, r, "id: 0 is reserved for the default verdict");
	if (r->dir != SG_INGRESS && r->dir != SG_EGRESS)
		return rule_fail(err, i, r, "dir: %u is not ingress or egress", r->dir);
	if (r->af != AF_INET && r->af != AF_INET6)
		return rule_fail(err, i, r, "af: %u is not IPv4 or IPv6", r->af);
	rc = check_l4(r, i, err);
	if (rc < 0)
		return rc;
	return check_remote(r, i, err);
}

int sg_rules_check(const struct sg_rule *rules, size_t len, char *err)
{
	size_t counts[2][2] = {{0}};
	int rc;

	if (rules == NULL && len != 0)
		return sg_fail(err, -EINVAL, "rules: missing");
	for (size_t i = 0; i < len; i++) {
		rc = check_rule(&rules[i], i, err);
		if (rc < 0)
			return rc;
		counts[rules[i].dir][rules[i].af == AF_INET6]++;
	}
	for (int dir = 0; dir < 2; dir++)
		for (int v6 = 0; v6 < 2; v6++)
			if (counts[dir][v6] > SG_ACL_RULES_MAX)
				return sg_fail(err, -ENOSPC, "rules: %zu %s %s entries, at most %d",
					       counts[dir][v6],
					       dir == SG_INGRESS ? "ingress" : "egress",
					       v6 ? "IPv6" : "IPv4", SG_ACL_RULES_MAX);
	return 0;
}

void sg_rule_default_egress(struct sg_rule *r, uint8_t af, uint32_t id)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->dir = SG_EGRESS;
	r->af = af;
	r->proto = SG_PROTO_ANY;
	r->remote.af = af; /* 0.0.0.0/0 or ::/0 */
}
