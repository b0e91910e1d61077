/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON <-> table rows. Each table has one member list; decoding walks the object, refusing
 * what the list does not name, so a typo in an operator's file is an error, not a silently
 * ignored setting.
 */
#include "cfg_json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, CFG_ERR_SIZE, fmt, ap);
	va_end(ap);
	cfg_utf8_scrub(err);
	return -EINVAL;
}

static const char *const table_names[CFG_T_COUNT] = {
	[CFG_T_VPC] = "vpc",
	[CFG_T_SUBNET] = "subnet",
	[CFG_T_SG] = "security_group",
	[CFG_T_SG_RULE] = "security_group_rule",
	[CFG_T_PORT] = "port",
	[CFG_T_REMOTE] = "remote",
	[CFG_T_DHCP_OPTIONS] = "dhcp_options",
	[CFG_T_ECMP_GROUP] = "ecmp_group",
	[CFG_T_ROUTE] = "route",
	[CFG_T_LB] = "load_balancer",
	[CFG_T_LB_LISTENER] = "lb_listener",
	[CFG_T_LB_BACKEND] = "lb_backend",
};
static const char *const table_plurals[CFG_T_COUNT] = {
	[CFG_T_VPC] = "vpcs",
	[CFG_T_SUBNET] = "subnets",
	[CFG_T_SG] = "security_groups",
	[CFG_T_SG_RULE] = "security_group_rules",
	[CFG_T_PORT] = "ports",
	[CFG_T_REMOTE] = "remotes",
	[CFG_T_DHCP_OPTIONS] = "dhcp_options",
	[CFG_T_ECMP_GROUP] = "ecmp_groups",
	[CFG_T_ROUTE] = "routes",
	[CFG_T_LB] = "load_balancers",
	[CFG_T_LB_LISTENER] = "lb_listeners",
	[CFG_T_LB_BACKEND] = "lb_backends",
};

int cfg_table_parse(const char *name)
{
	for (int t = 0; t < CFG_T_COUNT; t++)
		if (strcmp(name, table_names[t]) == 0 || strcmp(name, table_plurals[t]) == 0)
			return t;
	return -1;
}

const char *cfg_table_name(enum cfg_table_id t)
{
	return t < CFG_T_COUNT ? table_names[t] : "?";
}

const char *cfg_table_plural(enum cfg_table_id t)
{
	return t < CFG_T_COUNT ? table_plurals[t] : "?";
}

size_t cfg_row_size(enum cfg_table_id t)
{
	static const size_t sizes[CFG_T_COUNT] = {
		[CFG_T_VPC] = sizeof(struct cfg_vpc),
		[CFG_T_SUBNET] = sizeof(struct cfg_subnet),
		[CFG_T_SG] = sizeof(struct cfg_sg),
		[CFG_T_SG_RULE] = sizeof(struct cfg_sg_rule),
		[CFG_T_PORT] = sizeof(struct cfg_port),
		[CFG_T_REMOTE] = sizeof(struct cfg_remote),
		[CFG_T_DHCP_OPTIONS] = sizeof(struct cfg_dhcp_options),
		[CFG_T_ECMP_GROUP] = sizeof(struct cfg_ecmp_group),
		[CFG_T_ROUTE] = sizeof(struct cfg_route),
		[CFG_T_LB] = sizeof(struct cfg_lb),
		[CFG_T_LB_LISTENER] = sizeof(struct cfg_lb_listener),
		[CFG_T_LB_BACKEND] = sizeof(struct cfg_lb_backend),
	};
	return sizes[t];
}

/* Members a table's rows may have, and which of them are required (key or not). */
static bool member_known(const char *const *names, const char *key)
{
	for (; *names != NULL; names++)
		if (strcmp(*names, key) == 0)
			return true;
	return false;
}

int cfg_check_members(const json_t *j, const char *table, const char *const *allowed,
			 char *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(j))
		return fail(err, "%s: must be a JSON object", table);
	json_object_foreach((json_t *)j, key, v)
	{
		if (!member_known(allowed, key))
			return fail(err, "%s.%s: unknown member", table, key);
	}
	return 0;
}

static int get_str(const json_t *j, const char *table, const char *key, char *dst, size_t size,
		   bool required, char *err)
{
	const json_t *v = json_object_get(j, key);

	if (v == NULL) {
		if (required)
			return fail(err, "%s.%s: missing", table, key);
		return 1;
	}
	if (!json_is_string(v))
		return fail(err, "%s.%s: must be a string", table, key);
	if (json_string_length(v) >= size)
		return fail(err, "%s.%s: longer than %zu bytes", table, key, size - 1);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int get_uint(const json_t *j, const char *table, const char *key, uint64_t max,
		    uint64_t *out, bool required, char *err)
{
	const json_t *v = json_object_get(j, key);

	if (v == NULL) {
		if (required)
			return fail(err, "%s.%s: missing", table, key);
		return 1;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return fail(err, "%s.%s: must be an integer from 0 to %llu", table, key,
			    (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_ip(const json_t *j, const char *table, const char *key, struct cfg_ip *ip, char *err)
{
	char buf[64];
	int rc = get_str(j, table, key, buf, sizeof(buf), true, err);

	if (rc != 0)
		return rc;
	if (cfg_ip_parse(buf, ip) < 0)
		return fail(err, "%s.%s: '%s' is not an IP address", table, key, buf);
	return 0;
}

static int get_prefix(const json_t *j, const char *table, const char *key, struct cfg_prefix *p,
		      char *err)
{
	char buf[64];
	int rc = get_str(j, table, key, buf, sizeof(buf), true, err);

	if (rc != 0)
		return rc;
	if (cfg_prefix_parse(buf, p) < 0)
		return fail(err, "%s.%s: '%s' is not an address/length prefix", table, key, buf);
	return 0;
}

static int get_mac(const json_t *j, const char *table, const char *key, uint8_t mac[6], char *err)
{
	char buf[32];
	int rc = get_str(j, table, key, buf, sizeof(buf), true, err);

	if (rc != 0)
		return rc;
	if (cfg_mac_parse(buf, mac) < 0)
		return fail(err, "%s.%s: '%s' is not a MAC address (xx:xx:xx:xx:xx:xx)", table,
			    key, buf);
	return 0;
}

/* ---- vpc ---- */

static const char *const vpc_members[] = {"name", "vni", "encap", "mtu", NULL};
static const char *const encap_names[] = {[CFG_ENCAP_VXLAN] = "vxlan",
					  [CFG_ENCAP_GENEVE] = "geneve"};

static int vpc_decode(const json_t *j, struct cfg_vpc *v, bool key_only, char *err)
{
	uint64_t vni = 0, mtu = CFG_MTU_DEFAULT;
	char encap[16] = "vxlan";
	int rc;

	memset(v, 0, sizeof(*v));
	if ((rc = cfg_check_members(j, "vpc", vpc_members, err)) < 0 ||
	    (rc = get_str(j, "vpc", "name", v->name, sizeof(v->name), true, err)) < 0)
		return rc;
	if (key_only)
		return 0;
	if ((rc = get_uint(j, "vpc", "vni", UINT32_MAX, &vni, true, err)) < 0 ||
	    (rc = get_str(j, "vpc", "encap", encap, sizeof(encap), false, err)) < 0 ||
	    (rc = get_uint(j, "vpc", "mtu", UINT16_MAX, &mtu, false, err)) < 0)
		return rc;
	if (strcmp(encap, "vxlan") == 0)
		v->encap = CFG_ENCAP_VXLAN;
	else if (strcmp(encap, "geneve") == 0)
		v->encap = CFG_ENCAP_GENEVE;
	else
		return fail(err, "vpc.encap: '%s' is neither vxlan nor geneve", encap);
	v->vni = (uint32_t)vni;
	v->mtu = (uint16_t)mtu;
	return 0;
}

static json_t *vpc_encode(const struct cfg_vpc *v)
{
	return json_pack("{s:s, s:I, s:s, s:i}", "name", v->name, "vni", (json_int_t)v->vni,
			 "encap", encap_names[v->encap], "mtu", v->mtu);
}

/* ---- subnet ---- */

static const char *const subnet_members[] = {"vpc", "cidr", "gateway", "gateway_mac", NULL};

static int subnet_decode(const json_t *j, struct cfg_subnet *s, bool key_only, char *err)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = cfg_check_members(j, "subnet", subnet_members, err)) < 0 ||
	    (rc = get_str(j, "subnet", "vpc", s->vpc, sizeof(s->vpc), true, err)) < 0 ||
	    (rc = get_prefix(j, "subnet", "cidr", &s->cidr, err)) < 0)
		return rc;
	if (key_only)
		return 0;
	if ((rc = get_ip(j, "subnet", "gateway", &s->gateway, err)) < 0 ||
	    (rc = get_mac(j, "subnet", "gateway_mac", s->gateway_mac, err)) < 0)
		return rc;
	return 0;
}

static json_t *subnet_encode(const struct cfg_subnet *s)
{
	char cidr[64], gw[64], mac[18];

	cfg_prefix_format(&s->cidr, cidr, sizeof(cidr));
	cfg_ip_format(&s->gateway, gw, sizeof(gw));
	cfg_mac_format(s->gateway_mac, mac, sizeof(mac));
	return json_pack("{s:s, s:s, s:s, s:s}", "vpc", s->vpc, "cidr", cidr, "gateway", gw,
			 "gateway_mac", mac);
}

/* ---- port ---- */

static const char *const port_members[] = {
	"name", "vpc", "mac", "ips", "socket", "mode", "queues", "dpdk", "security_groups",
	"max_connections", "forwarding", NULL};

/* An array of at most max addresses under key; absent: none, unless required. */
static int decode_ip_list(const json_t *j, const char *table, const char *key, size_t max,
			  bool required, struct cfg_ip *out, uint8_t *n_out, char *err)
{
	const json_t *ips = json_object_get(j, key);
	size_t i;
	json_t *v;

	if (ips == NULL)
		return required ? fail(err, "%s.%s: missing", table, key) : 0;
	if (!json_is_array(ips))
		return fail(err, "%s.%s: must be an array of addresses", table, key);
	if (json_array_size(ips) > max)
		return fail(err, "%s.%s: at most %zu addresses", table, key, max);
	json_array_foreach(ips, i, v)
	{
		if (!json_is_string(v) || cfg_ip_parse(json_string_value(v), &out[i]) < 0)
			return fail(err, "%s.%s[%zu]: not an IP address", table, key, i);
	}
	*n_out = (uint8_t)json_array_size(ips);
	return 0;
}

static int decode_ips(const json_t *j, const char *table, struct cfg_ip *out, uint8_t *n_out,
		      char *err)
{
	return decode_ip_list(j, table, "ips", CFG_PORT_IPS_MAX, false, out, n_out, err);
}

static int decode_sgs(const json_t *j, const char *table, char (*out)[CFG_NAME_SIZE],
		      uint8_t *n_out, char *err)
{
	const json_t *sgs = json_object_get(j, "security_groups");
	size_t i;
	json_t *v;

	if (sgs == NULL)
		return 0;
	if (!json_is_array(sgs))
		return fail(err, "%s.security_groups: must be an array of group names", table);
	if (json_array_size(sgs) > CFG_PORT_SGS_MAX)
		return fail(err, "%s.security_groups: at most %d groups", table, CFG_PORT_SGS_MAX);
	json_array_foreach(sgs, i, v)
	{
		if (!json_is_string(v))
			return fail(err, "%s.security_groups[%zu]: must be a string", table, i);
		if (json_string_length(v) >= CFG_NAME_SIZE)
			return fail(err, "%s.security_groups[%zu]: longer than %d bytes", table, i,
				    CFG_NAME_SIZE - 1);
		memcpy(out[i], json_string_value(v), json_string_length(v) + 1);
	}
	*n_out = (uint8_t)json_array_size(sgs);
	return 0;
}

static json_t *encode_sgs(const char (*sgs)[CFG_NAME_SIZE], int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(sgs[i]));
	return a;
}

static json_t *encode_ips(const struct cfg_ip *ips, int n)
{
	json_t *a = json_array();
	char ip[64];

	for (int i = 0; i < n; i++) {
		cfg_ip_format(&ips[i], ip, sizeof(ip));
		json_array_append_new(a, json_string(ip));
	}
	return a;
}

static int port_decode(const json_t *j, struct cfg_port *p, const char *sock_dir, bool key_only,
		       char *err)
{
	char mode[16] = "server";
	uint64_t queues = 1, max_conns = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = cfg_check_members(j, "port", port_members, err)) < 0 ||
	    (rc = get_str(j, "port", "name", p->name, sizeof(p->name), true, err)) < 0)
		return rc;
	if (key_only)
		return 0;
	if ((rc = get_str(j, "port", "vpc", p->vpc, sizeof(p->vpc), true, err)) < 0 ||
	    (rc = get_mac(j, "port", "mac", p->mac, err)) < 0 ||
	    (rc = decode_ips(j, "port", p->ips, &p->n_ips, err)) < 0 ||
	    (rc = get_str(j, "port", "mode", mode, sizeof(mode), false, err)) < 0 ||
	    (rc = get_uint(j, "port", "queues", UINT16_MAX, &queues, false, err)) < 0 ||
	    (rc = decode_sgs(j, "port", p->sgs, &p->n_sgs, err)) < 0 ||
	    (rc = get_uint(j, "port", "max_connections", UINT32_MAX, &max_conns, false, err)) < 0)
		return rc;
	p->max_connections = (uint32_t)max_conns;
	if (json_object_get(j, "forwarding") != NULL) {
		if (!json_is_boolean(json_object_get(j, "forwarding")))
			return fail(err, "port.forwarding: must be true or false");
		p->forwarding = json_is_true(json_object_get(j, "forwarding"));
	}
	rc = get_str(j, "port", "dpdk", p->devargs, sizeof(p->devargs), false, err);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		/* a DPDK device, not a socket: neither a socket nor a mode applies */
		if (json_object_get(j, "socket") != NULL || json_object_get(j, "mode") != NULL)
			return fail(err, "port.dpdk: a port has a socket or a DPDK device, not both");
		p->queues = (uint16_t)queues;
		return 0;
	}
	rc = get_str(j, "port", "socket", p->socket, sizeof(p->socket), sock_dir == NULL, err);
	if (rc < 0)
		return rc;
	if (rc == 1 &&
	    (size_t)snprintf(p->socket, sizeof(p->socket), "%s/%s.sock", sock_dir, p->name) >=
		    sizeof(p->socket))
		return fail(err, "port.socket: default path under '%s' is too long", sock_dir);
	if (strcmp(mode, "server") == 0)
		p->mode = CFG_VHOST_SERVER;
	else if (strcmp(mode, "client") == 0)
		p->mode = CFG_VHOST_CLIENT;
	else
		return fail(err, "port.mode: '%s' is neither server nor client", mode);
	p->queues = (uint16_t)queues;
	return 0;
}

static json_t *port_encode(const struct cfg_port *p)
{
	char mac[18];
	json_t *j;

	cfg_mac_format(p->mac, mac, sizeof(mac));
	if (p->devargs[0] != '\0')
		j = json_pack("{s:s, s:s, s:s, s:o, s:s, s:i}", "name", p->name, "vpc", p->vpc,
			      "mac", mac, "ips", encode_ips(p->ips, p->n_ips), "dpdk", p->devargs,
			      "queues", p->queues);
	else
		j = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:i}", "name", p->name, "vpc",
			      p->vpc, "mac", mac, "ips", encode_ips(p->ips, p->n_ips), "socket",
			      p->socket, "mode", p->mode == CFG_VHOST_CLIENT ? "client" : "server",
			      "queues", p->queues);
	json_object_set_new(j, "security_groups", encode_sgs(p->sgs, p->n_sgs));
	if (p->max_connections != 0)
		json_object_set_new(j, "max_connections", json_integer(p->max_connections));
	if (p->forwarding)
		json_object_set_new(j, "forwarding", json_true());
	return j;
}

/* ---- remote ---- */

static const char *const remote_members[] = {"vpc", "mac", "ips", "vtep", "security_groups",
					     NULL};

static int remote_decode(const json_t *j, struct cfg_remote *r, bool key_only, char *err)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = cfg_check_members(j, "remote", remote_members, err)) < 0 ||
	    (rc = get_str(j, "remote", "vpc", r->vpc, sizeof(r->vpc), true, err)) < 0 ||
	    (rc = get_mac(j, "remote", "mac", r->mac, err)) < 0)
		return rc;
	if (key_only)
		return 0;
	if ((rc = decode_ips(j, "remote", r->ips, &r->n_ips, err)) < 0 ||
	    (rc = get_ip(j, "remote", "vtep", &r->vtep, err)) < 0 ||
	    (rc = decode_sgs(j, "remote", r->sgs, &r->n_sgs, err)) < 0)
		return rc;
	return 0;
}

static json_t *remote_encode(const struct cfg_remote *r)
{
	char mac[18], vtep[64];

	cfg_mac_format(r->mac, mac, sizeof(mac));
	cfg_ip_format(&r->vtep, vtep, sizeof(vtep));
	return json_pack("{s:s, s:s, s:o, s:s, s:o}", "vpc", r->vpc, "mac", mac, "ips",
			 encode_ips(r->ips, r->n_ips), "vtep", vtep, "security_groups",
			 encode_sgs(r->sgs, r->n_sgs));
}

/* ---- security group ---- */

static const char *const sg_members[] = {"vpc", "name", NULL};

static int sg_decode(const json_t *j, struct cfg_sg *g, char *err)
{
	int rc;

	memset(g, 0, sizeof(*g));
	if ((rc = cfg_check_members(j, "security_group", sg_members, err)) < 0 ||
	    (rc = get_str(j, "security_group", "vpc", g->vpc, sizeof(g->vpc), true, err)) < 0 ||
	    (rc = get_str(j, "security_group", "name", g->name, sizeof(g->name), true, err)) < 0)
		return rc;
	return 0;
}

static json_t *sg_encode(const struct cfg_sg *g)
{
	return json_pack("{s:s, s:s}", "vpc", g->vpc, "name", g->name);
}

/* ---- security group rule ---- */

#define RULE "security_group_rule"

static const char *const rule_members[] = {
	"vpc", "group", "direction", "family", "protocol", "ports", "icmp_type",
	"icmp_code", "remote", "remote_group", NULL};

/* Protocols with a name; any other IP protocol goes by its number. */
static const struct {
	const char *name;
	uint8_t proto;
} proto_names[] = {{"any", 0},
		   {"icmp", IPPROTO_ICMP},
		   {"tcp", IPPROTO_TCP},
		   {"udp", IPPROTO_UDP},
		   {"icmpv6", IPPROTO_ICMPV6}};

const char *cfg_proto_name(uint8_t proto)
{
	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (proto_names[i].proto == proto)
			return proto_names[i].name;
	return NULL;
}

static bool proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

static int rule_get_proto(const json_t *j, uint8_t *proto, char *err)
{
	const json_t *v = json_object_get(j, "protocol");

	*proto = 0;
	if (v == NULL)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 255) {
		*proto = (uint8_t)json_integer_value(v);
		return 0;
	}
	for (size_t i = 0; json_is_string(v) && i < sizeof(proto_names) / sizeof(proto_names[0]);
	     i++)
		if (strcmp(json_string_value(v), proto_names[i].name) == 0) {
			*proto = proto_names[i].proto;
			return 0;
		}
	return fail(err, RULE ".protocol: must be any, tcp, udp, icmp, icmpv6 or a number from 0 "
			   "to 255");
}

/* Decimal digits only, at most 65535: strtoul would also take blanks, signs and 0x. */
static const char *parse_port(const char *s, uint16_t *out)
{
	unsigned long v = 0;

	if (*s < '0' || *s > '9')
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > UINT16_MAX)
			return NULL;
	}
	*out = (uint16_t)v;
	return s;
}

/* "80", "1000-2000" or 80; absent: every port of tcp and udp, none of the others. */
static int rule_get_ports(const json_t *j, struct cfg_sg_rule *r, char *err)
{
	const json_t *v = json_object_get(j, "ports");
	const char *s, *end;

	if (v == NULL) {
		r->port_max = proto_has_ports(r->proto) ? UINT16_MAX : 0;
		return 0;
	}
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= UINT16_MAX) {
		r->port_min = r->port_max = (uint16_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v) || strlen(s = json_string_value(v)) != json_string_length(v) ||
	    (end = parse_port(s, &r->port_min)) == NULL)
		goto bad;
	r->port_max = r->port_min;
	if (*end == '-')
		end = parse_port(end + 1, &r->port_max);
	if (end != NULL && *end == '\0')
		return 0;
bad:
	return fail(err, RULE ".ports: must be a port or a range of ports (\"80\", \"1000-2000\")");
}

static int rule_get_icmp(const json_t *j, struct cfg_sg_rule *r, char *err)
{
	uint64_t type = 0, code = 0;
	int has_type, has_code;

	if ((has_type = get_uint(j, RULE, "icmp_type", UINT8_MAX, &type, false, err)) < 0 ||
	    (has_code = get_uint(j, RULE, "icmp_code", UINT8_MAX, &code, false, err)) < 0)
		return -EINVAL;
	if (has_code == 0 && has_type == 1)
		return fail(err, RULE ".icmp_code: needs an icmp_type");
	r->icmp_match = has_code == 0   ? CFG_SG_ICMP_TYPE_CODE
			: has_type == 0 ? CFG_SG_ICMP_TYPE
					: CFG_SG_ICMP_ANY;
	r->icmp_type = (uint8_t)type;
	r->icmp_code = (uint8_t)code;
	return 0;
}

/* Syntax only, like the other tables: what a rule may say is cfg.c's to check. */
static int rule_decode(const json_t *j, struct cfg_sg_rule *r, char *err)
{
	char dir[16], family[16] = "";
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = cfg_check_members(j, RULE, rule_members, err)) < 0 ||
	    (rc = get_str(j, RULE, "vpc", r->vpc, sizeof(r->vpc), true, err)) < 0 ||
	    (rc = get_str(j, RULE, "group", r->group, sizeof(r->group), true, err)) < 0 ||
	    (rc = get_str(j, RULE, "direction", dir, sizeof(dir), true, err)) < 0 ||
	    (rc = get_str(j, RULE, "family", family, sizeof(family), false, err)) < 0 ||
	    (rc = rule_get_proto(j, &r->proto, err)) < 0 || (rc = rule_get_ports(j, r, err)) < 0 ||
	    (rc = rule_get_icmp(j, r, err)) < 0 ||
	    (rc = get_str(j, RULE, "remote_group", r->remote_group, sizeof(r->remote_group),
			  false, err)) < 0)
		return rc;
	if (strcmp(dir, "ingress") == 0)
		r->dir = CFG_SG_INGRESS;
	else if (strcmp(dir, "egress") == 0)
		r->dir = CFG_SG_EGRESS;
	else
		return fail(err, RULE ".direction: '%s' is neither ingress nor egress", dir);
	if (strcmp(family, "ipv4") == 0)
		r->af = AF_INET;
	else if (strcmp(family, "ipv6") == 0)
		r->af = AF_INET6;
	else if (family[0] != '\0' || json_object_get(j, "family") != NULL)
		return fail(err, RULE ".family: '%s' is neither ipv4 nor ipv6", family);
	if (json_object_get(j, "remote") != NULL) {
		if ((rc = get_prefix(j, RULE, "remote", &r->remote, err)) < 0)
			return rc;
		r->has_remote_prefix = true;
	}
	return 0;
}

/* Members at their defaults are left out, so a stored (normalized) rule prints as it would
 * be written; anything a decoded row holds is written, so every row round-trips. */
static json_t *rule_encode(const struct cfg_sg_rule *r)
{
	json_t *j = json_pack("{s:s, s:s, s:s}", "vpc", r->vpc, "group", r->group, "direction",
			      r->dir == CFG_SG_EGRESS ? "egress" : "ingress");
	const char *pname = cfg_proto_name(r->proto);
	char buf[64];

	if (r->af != 0)
		json_object_set_new(j, "family", json_string(r->af == AF_INET ? "ipv4" : "ipv6"));
	json_object_set_new(j, "protocol",
			    pname != NULL ? json_string(pname) : json_integer(r->proto));
	if (r->port_min != 0 || r->port_max != (proto_has_ports(r->proto) ? UINT16_MAX : 0)) {
		if (r->port_min == r->port_max)
			snprintf(buf, sizeof(buf), "%u", r->port_min);
		else
			snprintf(buf, sizeof(buf), "%u-%u", r->port_min, r->port_max);
		json_object_set_new(j, "ports", json_string(buf));
	}
	if (r->icmp_match >= CFG_SG_ICMP_TYPE)
		json_object_set_new(j, "icmp_type", json_integer(r->icmp_type));
	if (r->icmp_match == CFG_SG_ICMP_TYPE_CODE)
		json_object_set_new(j, "icmp_code", json_integer(r->icmp_code));
	if (r->has_remote_prefix) {
		cfg_prefix_format(&r->remote, buf, sizeof(buf));
		json_object_set_new(j, "remote", json_string(buf));
	}
	if (r->remote_group[0] != '\0')
		json_object_set_new(j, "remote_group", json_string(r->remote_group));
	return j;
}

/* ---- route ---- */

/* The next hop is one member named after its kind, so a route cannot say two things. */
static const struct {
	const char *key;
	uint8_t kind;
} nh_members[] = {{"via", CFG_NH_ADDRESS},
		  {"port", CFG_NH_PORT},
		  {"vtep", CFG_NH_VTEP},
		  {"ecmp", CFG_NH_ECMP},
		  {"blackhole", CFG_NH_BLACKHOLE}};

#define NH_COUNT (sizeof(nh_members) / sizeof(nh_members[0]))

static const char *const route_members[] = {"vpc",  "prefix", "via",	   "port",
					    "vtep", "ecmp",   "blackhole", NULL};

static int route_get_nh(const json_t *j, struct cfg_route *r, char *err)
{
	const char *key = NULL;

	for (size_t i = 0; i < NH_COUNT; i++) {
		if (json_object_get(j, nh_members[i].key) == NULL)
			continue;
		if (key != NULL)
			return fail(err, "route.%s: a route has one next hop, and %s is given too",
				    nh_members[i].key, key);
		key = nh_members[i].key;
		r->nh_kind = nh_members[i].kind;
	}
	if (key == NULL)
		return fail(err, "route: missing a next hop (via, port, vtep, ecmp or blackhole)");
	switch (r->nh_kind) {
	case CFG_NH_ADDRESS:
	case CFG_NH_VTEP:
		return get_ip(j, "route", key, &r->nh_ip, err);
	case CFG_NH_PORT:
	case CFG_NH_ECMP:
		return get_str(j, "route", key, r->nh_name, sizeof(r->nh_name), true, err);
	default:
		if (!json_is_true(json_object_get(j, key)))
			return fail(err, "route.blackhole: must be true");
		return 0;
	}
}

static int route_decode(const json_t *j, struct cfg_route *r, bool key_only, char *err)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = cfg_check_members(j, "route", route_members, err)) < 0 ||
	    (rc = get_str(j, "route", "vpc", r->vpc, sizeof(r->vpc), true, err)) < 0 ||
	    (rc = get_prefix(j, "route", "prefix", &r->prefix, err)) < 0)
		return rc;
	return key_only ? 0 : route_get_nh(j, r, err);
}

static json_t *route_encode(const struct cfg_route *r)
{
	char prefix[64], ip[64];
	const char *key = "blackhole";
	json_t *j, *nh;

	cfg_prefix_format(&r->prefix, prefix, sizeof(prefix));
	j = json_pack("{s:s, s:s}", "vpc", r->vpc, "prefix", prefix);
	for (size_t i = 0; i < NH_COUNT; i++)
		if (nh_members[i].kind == r->nh_kind)
			key = nh_members[i].key;
	switch (r->nh_kind) {
	case CFG_NH_ADDRESS:
	case CFG_NH_VTEP:
		cfg_ip_format(&r->nh_ip, ip, sizeof(ip));
		nh = json_string(ip);
		break;
	case CFG_NH_PORT:
	case CFG_NH_ECMP:
		nh = json_string(r->nh_name);
		break;
	default:
		nh = json_true();
		break;
	}
	json_object_set_new(j, key, nh);
	return j;
}

/* ---- ECMP group ---- */

static const char *const ecmp_members[] = {"vpc", "name", "members", NULL};

static int ecmp_decode(const json_t *j, struct cfg_ecmp_group *g, bool key_only, char *err)
{
	int rc;

	memset(g, 0, sizeof(*g));
	if ((rc = cfg_check_members(j, "ecmp_group", ecmp_members, err)) < 0 ||
	    (rc = get_str(j, "ecmp_group", "vpc", g->vpc, sizeof(g->vpc), true, err)) < 0 ||
	    (rc = get_str(j, "ecmp_group", "name", g->name, sizeof(g->name), true, err)) < 0)
		return rc;
	if (key_only)
		return 0;
	return decode_ip_list(j, "ecmp_group", "members", CFG_ECMP_MEMBERS_MAX, true, g->members,
			      &g->n_members, err);
}

static json_t *ecmp_encode(const struct cfg_ecmp_group *g)
{
	return json_pack("{s:s, s:s, s:o}", "vpc", g->vpc, "name", g->name, "members",
			 encode_ips(g->members, g->n_members));
}

/* ---- DHCP options ---- */

#define DHCP "dhcp_options"

static const char *const dhcp_members[] = {"vpc",	 "subnet", "dns", "domain",
					   "lease_time", "routes", NULL};
static const char *const dhcp_route_members[] = {"prefix", "router", NULL};

static int dhcp_decode_routes(const json_t *j, struct cfg_dhcp_options *d, char *err)
{
	const json_t *routes = json_object_get(j, "routes");
	char what[64];
	size_t i;
	json_t *v;
	int rc;

	if (routes == NULL)
		return 0;
	if (!json_is_array(routes))
		return fail(err, DHCP ".routes: must be an array of {prefix, router}");
	if (json_array_size(routes) > CFG_DHCP_ROUTES_MAX)
		return fail(err, DHCP ".routes: at most %d routes", CFG_DHCP_ROUTES_MAX);
	json_array_foreach(routes, i, v)
	{
		snprintf(what, sizeof(what), DHCP ".routes[%zu]", i);
		if ((rc = cfg_check_members(v, what, dhcp_route_members, err)) < 0 ||
		    (rc = get_prefix(v, what, "prefix", &d->routes[i].prefix, err)) < 0 ||
		    (rc = get_ip(v, what, "router", &d->routes[i].router, err)) < 0)
			return rc;
	}
	d->n_routes = (uint8_t)json_array_size(routes);
	return 0;
}

static int dhcp_decode(const json_t *j, struct cfg_dhcp_options *d, bool key_only, char *err)
{
	uint64_t lease = 0;
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = cfg_check_members(j, DHCP, dhcp_members, err)) < 0 ||
	    (rc = get_str(j, DHCP, "vpc", d->vpc, sizeof(d->vpc), true, err)) < 0 ||
	    (rc = get_prefix(j, DHCP, "subnet", &d->subnet, err)) < 0)
		return rc;
	if (key_only)
		return 0;
	if ((rc = decode_ip_list(j, DHCP, "dns", CFG_DHCP_DNS_MAX, false, d->dns, &d->n_dns, err)) <
		    0 ||
	    (rc = get_str(j, DHCP, "domain", d->domain, sizeof(d->domain), false, err)) < 0 ||
	    (rc = get_uint(j, DHCP, "lease_time", UINT32_MAX, &lease, false, err)) < 0 ||
	    (rc = dhcp_decode_routes(j, d, err)) < 0)
		return rc;
	d->lease_time = (uint32_t)lease;
	return 0;
}

static json_t *dhcp_encode(const struct cfg_dhcp_options *d)
{
	char subnet[64], prefix[64], router[64];
	json_t *routes = json_array();

	cfg_prefix_format(&d->subnet, subnet, sizeof(subnet));
	for (int i = 0; i < d->n_routes; i++) {
		cfg_prefix_format(&d->routes[i].prefix, prefix, sizeof(prefix));
		cfg_ip_format(&d->routes[i].router, router, sizeof(router));
		json_array_append_new(routes,
				      json_pack("{s:s, s:s}", "prefix", prefix, "router", router));
	}
	return json_pack("{s:s, s:s, s:o, s:s, s:I, s:o}", "vpc", d->vpc, "subnet", subnet, "dns",
			 encode_ips(d->dns, d->n_dns), "domain", d->domain, "lease_time",
			 (json_int_t)d->lease_time, "routes", routes);
}

/* ---- load balancers ---- */

#define LB "load_balancer"
#define LBL "lb_listener"
#define LBB "lb_backend"

static const char *const lb_members[] = {"vpc", "name", "vip", "affinity_timeout",
					 "on_backend_removed", NULL};
static const char *const removed_names[] = {[CFG_LB_REMOVED_RESET] = "reset",
					    [CFG_LB_REMOVED_DROP] = "drop"};
static const char *const hc_names[] = {[CFG_LB_HC_NONE] = "none", [CFG_LB_HC_TCP] = "tcp",
				       [CFG_LB_HC_HTTP] = "http"};

/* A string member naming one of names[0..n): its index; absent: unchanged. */
static int get_choice(const json_t *j, const char *table, const char *key,
		      const char *const *names, size_t n, uint8_t *out, char *err)
{
	char buf[16];
	int rc = get_str(j, table, key, buf, sizeof(buf), false, err);

	if (rc != 0)
		return rc < 0 ? fail(err, "%s.%s: must be one of %s%s%s%s%s", table, key, names[0],
				     n > 1 ? ", " : "", n > 1 ? names[1] : "", n > 2 ? ", " : "",
				     n > 2 ? names[2] : "")
			      : 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(buf, names[i]) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	return fail(err, "%s.%s: '%s' is not one of %s%s%s%s%s", table, key, buf, names[0],
		    n > 1 ? ", " : "", n > 1 ? names[1] : "", n > 2 ? ", " : "", n > 2 ? names[2] : "");
}

static int lb_decode(const json_t *j, struct cfg_lb *lb, bool key_only, char *err)
{
	uint64_t aff = 0;
	int rc;

	memset(lb, 0, sizeof(*lb));
	if ((rc = cfg_check_members(j, LB, lb_members, err)) < 0 ||
	    (rc = get_str(j, LB, "vpc", lb->vpc, sizeof(lb->vpc), true, err)) < 0 ||
	    (rc = get_str(j, LB, "name", lb->name, sizeof(lb->name), true, err)) < 0)
		return rc;
	if (key_only)
		return 0;
	if ((rc = get_ip(j, LB, "vip", &lb->vip, err)) < 0 ||
	    (rc = get_uint(j, LB, "affinity_timeout", CFG_LB_AFFINITY_MAX, &aff, false, err)) < 0 ||
	    (rc = get_choice(j, LB, "on_backend_removed", removed_names, 2,
			     &lb->on_backend_removed, err)) < 0)
		return rc;
	lb->affinity_timeout = (uint32_t)aff;
	return 0;
}

static json_t *lb_encode(const struct cfg_lb *lb)
{
	char vip[64];

	cfg_ip_format(&lb->vip, vip, sizeof(vip));
	return json_pack("{s:s, s:s, s:s, s:I, s:s}", "vpc", lb->vpc, "name", lb->name, "vip",
			 vip, "affinity_timeout", (json_int_t)lb->affinity_timeout,
			 "on_backend_removed", removed_names[lb->on_backend_removed & 1]);
}

/* "tcp" or "udp" */
static int get_l4(const json_t *j, const char *table, uint8_t *proto, char *err)
{
	char buf[8];
	int rc = get_str(j, table, "protocol", buf, sizeof(buf), true, err);

	if (rc < 0)
		return rc;
	if (strcmp(buf, "tcp") == 0)
		*proto = IPPROTO_TCP;
	else if (strcmp(buf, "udp") == 0)
		*proto = IPPROTO_UDP;
	else
		return fail(err, "%s.protocol: '%s' is not tcp or udp", table, buf);
	return 0;
}

static int get_listener_key(const json_t *j, const char *table, char *vpc, char *lb,
			    uint8_t *proto, uint16_t *port, char *err)
{
	uint64_t p = 0;
	int rc;

	if ((rc = get_str(j, table, "vpc", vpc, CFG_NAME_SIZE, true, err)) < 0 ||
	    (rc = get_str(j, table, "lb", lb, CFG_NAME_SIZE, true, err)) < 0 ||
	    (rc = get_l4(j, table, proto, err)) < 0 ||
	    (rc = get_uint(j, table, "port", UINT16_MAX, &p, true, err)) < 0)
		return rc;
	*port = (uint16_t)p;
	return 0;
}

static const char *const lbl_members[] = {"vpc", "lb", "protocol", "port", "health_check", NULL};
static const char *const hc_members[] = {"type",       "port", "path", "interval_ms",
					 "timeout_ms", "rise", "fall", NULL};

static int health_decode(const json_t *j, struct cfg_lb_health *h, char *err)
{
	const char *what = LBL ".health_check";
	uint64_t port = 0, interval = 0, timeout = 0, rise = 0, fall = 0;
	int rc;

	if (j == NULL)
		return 0;
	h->type = CFG_LB_HC_TCP;
	if ((rc = cfg_check_members(j, what, hc_members, err)) < 0 ||
	    (rc = get_choice(j, what, "type", hc_names, 3, &h->type, err)) < 0 ||
	    (rc = get_uint(j, what, "port", UINT16_MAX, &port, false, err)) < 0 ||
	    (rc = get_str(j, what, "path", h->path, sizeof(h->path), false, err)) < 0 ||
	    (rc = get_uint(j, what, "interval_ms", UINT32_MAX, &interval, false, err)) < 0 ||
	    (rc = get_uint(j, what, "timeout_ms", UINT32_MAX, &timeout, false, err)) < 0 ||
	    (rc = get_uint(j, what, "rise", UINT8_MAX, &rise, false, err)) < 0 ||
	    (rc = get_uint(j, what, "fall", UINT8_MAX, &fall, false, err)) < 0)
		return rc;
	h->port = (uint16_t)port;
	h->interval_ms = (uint32_t)interval;
	h->timeout_ms = (uint32_t)timeout;
	h->rise = (uint8_t)rise;
	h->fall = (uint8_t)fall;
	return 0;
}

static int listener_decode(const json_t *j, struct cfg_lb_listener *l, bool key_only, char *err)
{
	int rc;

	memset(l, 0, sizeof(*l));
	if ((rc = cfg_check_members(j, LBL, lbl_members, err)) < 0 ||
	    (rc = get_listener_key(j, LBL, l->vpc, l->lb, &l->proto, &l->port, err)) < 0)
		return rc;
	if (key_only)
		return 0;
	return health_decode(json_object_get(j, "health_check"), &l->health, err);
}

static json_t *listener_encode(const struct cfg_lb_listener *l)
{
	const struct cfg_lb_health *h = &l->health;
	json_t *j = json_pack("{s:s, s:s, s:s, s:i}", "vpc", l->vpc, "lb", l->lb, "protocol",
			      l->proto == IPPROTO_TCP ? "tcp" : "udp", "port", l->port);

	if (h->type != CFG_LB_HC_NONE)
		json_object_set_new(j, "health_check",
				    json_pack("{s:s, s:i, s:s, s:I, s:I, s:i, s:i}", "type",
					      hc_names[h->type % 3], "port", h->port, "path",
					      h->path, "interval_ms", (json_int_t)h->interval_ms,
					      "timeout_ms", (json_int_t)h->timeout_ms, "rise",
					      h->rise, "fall", h->fall));
	return j;
}

static const char *const lbb_members[] = {"vpc",	  "lb",	    "protocol", "port", "address",
					  "backend_port", "weight", "state",	NULL};
static const char *const state_names[] = {"up", "down"};

static int backend_decode(const json_t *j, struct cfg_lb_backend *b, bool key_only, char *err)
{
	uint64_t bport = 0, weight = 1;
	uint8_t down = 0;
	int rc;

	memset(b, 0, sizeof(*b));
	if ((rc = cfg_check_members(j, LBB, lbb_members, err)) < 0 ||
	    (rc = get_listener_key(j, LBB, b->vpc, b->lb, &b->proto, &b->port, err)) < 0 ||
	    (rc = get_ip(j, LBB, "address", &b->ip, err)) < 0 ||
	    (rc = get_uint(j, LBB, "backend_port", UINT16_MAX, &bport, false, err)) < 0)
		return rc;
	b->backend_port = (uint16_t)bport;
	if (key_only)
		return 0;
	if ((rc = get_uint(j, LBB, "weight", UINT16_MAX, &weight, false, err)) < 0 ||
	    (rc = get_choice(j, LBB, "state", state_names, 2, &down, err)) < 0)
		return rc;
	b->weight = (uint16_t)weight;
	b->down = down != 0;
	return 0;
}

static json_t *backend_encode(const struct cfg_lb_backend *b)
{
	char ip[64];

	cfg_ip_format(&b->ip, ip, sizeof(ip));
	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:i, s:s}", "vpc", b->vpc, "lb", b->lb,
			 "protocol", b->proto == IPPROTO_TCP ? "tcp" : "udp", "port", b->port,
			 "address", ip, "backend_port", b->backend_port, "weight", b->weight,
			 "state", b->down ? "down" : "up");
}

/* ---- dispatch ---- */

int cfg_row_decode(enum cfg_table_id t, const json_t *j, const char *sock_dir, void *row,
		   char *err)
{
	switch (t) {
	case CFG_T_VPC:
		return vpc_decode(j, row, false, err);
	case CFG_T_SUBNET:
		return subnet_decode(j, row, false, err);
	case CFG_T_SG:
		return sg_decode(j, row, err);
	case CFG_T_SG_RULE:
		return rule_decode(j, row, err);
	case CFG_T_PORT:
		return port_decode(j, row, sock_dir, false, err);
	case CFG_T_REMOTE:
		return remote_decode(j, row, false, err);
	case CFG_T_DHCP_OPTIONS:
		return dhcp_decode(j, row, false, err);
	case CFG_T_ECMP_GROUP:
		return ecmp_decode(j, row, false, err);
	case CFG_T_ROUTE:
		return route_decode(j, row, false, err);
	case CFG_T_LB:
		return lb_decode(j, row, false, err);
	case CFG_T_LB_LISTENER:
		return listener_decode(j, row, false, err);
	case CFG_T_LB_BACKEND:
		return backend_decode(j, row, false, err);
	default:
		return fail(err, "table: unknown");
	}
}

int cfg_key_decode(enum cfg_table_id t, const json_t *j, void *row, char *err)
{
	switch (t) {
	case CFG_T_VPC:
		return vpc_decode(j, row, true, err);
	case CFG_T_SUBNET:
		return subnet_decode(j, row, true, err);
	case CFG_T_SG:
		return sg_decode(j, row, err);
	case CFG_T_SG_RULE:
		return rule_decode(j, row, err); /* every member is key */
	case CFG_T_PORT:
		return port_decode(j, row, NULL, true, err);
	case CFG_T_REMOTE:
		return remote_decode(j, row, true, err);
	case CFG_T_DHCP_OPTIONS:
		return dhcp_decode(j, row, true, err);
	case CFG_T_ECMP_GROUP:
		return ecmp_decode(j, row, true, err);
	case CFG_T_ROUTE:
		return route_decode(j, row, true, err);
	case CFG_T_LB:
		return lb_decode(j, row, true, err);
	case CFG_T_LB_LISTENER:
		return listener_decode(j, row, true, err);
	case CFG_T_LB_BACKEND:
		return backend_decode(j, row, true, err);
	default:
		return fail(err, "table: unknown");
	}
}

json_t *cfg_row_encode(enum cfg_table_id t, const void *row)
{
	switch (t) {
	case CFG_T_VPC:
		return vpc_encode(row);
	case CFG_T_SUBNET:
		return subnet_encode(row);
	case CFG_T_SG:
		return sg_encode(row);
	case CFG_T_SG_RULE:
		return rule_encode(row);
	case CFG_T_PORT:
		return port_encode(row);
	case CFG_T_REMOTE:
		return remote_encode(row);
	case CFG_T_DHCP_OPTIONS:
		return dhcp_encode(row);
	case CFG_T_ECMP_GROUP:
		return ecmp_encode(row);
	case CFG_T_ROUTE:
		return route_encode(row);
	case CFG_T_LB:
		return lb_encode(row);
	case CFG_T_LB_LISTENER:
		return listener_encode(row);
	case CFG_T_LB_BACKEND:
		return backend_encode(row);
	default:
		return NULL;
	}
}

json_t *cfg_table_encode(const struct cfg *c, enum cfg_table_id t)
{
	const struct cfg_table *tab = cfg_table_get(c, t);
	json_t *a = json_array();

	for (size_t i = 0; i < tab->len; i++)
		json_array_append_new(a, cfg_row_encode(t, (char *)tab->rows + i * tab->row_size));
	return a;
}

json_t *cfg_state_encode(const struct cfg *c)
{
	json_t *doc = json_object();

	for (int t = 0; t < CFG_T_COUNT; t++)
		json_object_set_new(doc, table_plurals[t], cfg_table_encode(c, t));
	return doc;
}

int cfg_apply_op(struct cfg *c, const char *op, enum cfg_table_id t, const json_t *row,
		 const char *sock_dir, char *err)
{
	union cfg_row r;
	bool del = strcmp(op, "delete") == 0, ins = strcmp(op, "insert") == 0,
	     mod = strcmp(op, "modify") == 0;
	int rc;

	if (!del && !ins && !mod)
		return fail(err, "op: '%s' is not insert, modify or delete", op);
	if (mod && t == CFG_T_SG)
		return fail(err, "security_group: a group has no member but its key; there is "
				 "nothing to modify");
	if (mod && t == CFG_T_SG_RULE)
		return fail(err, "security_group_rule: every member is part of the key; delete "
				 "the rule and insert the new one");
	rc = del ? cfg_key_decode(t, row, &r, err) : cfg_row_decode(t, row, sock_dir, &r, err);
	if (rc < 0)
		return rc;
	switch (t) {
	case CFG_T_VPC:
		return del ? cfg_vpc_delete(c, r.v.name, err)
		       : ins ? cfg_vpc_insert(c, &r.v, err)
			     : cfg_vpc_modify(c, &r.v, err);
	case CFG_T_SUBNET:
		return del ? cfg_subnet_delete(c, r.s.vpc, &r.s.cidr, err)
		       : ins ? cfg_subnet_insert(c, &r.s, err)
			     : cfg_subnet_modify(c, &r.s, err);
	case CFG_T_SG:
		return del ? cfg_sg_delete(c, r.g.vpc, r.g.name, err) : cfg_sg_insert(c, &r.g, err);
	case CFG_T_SG_RULE:
		return del ? cfg_sg_rule_delete(c, &r.sr, err) : cfg_sg_rule_insert(c, &r.sr, err);
	case CFG_T_PORT:
		return del ? cfg_port_delete(c, r.p.name, err)
		       : ins ? cfg_port_insert(c, &r.p, err)
			     : cfg_port_modify(c, &r.p, err);
	case CFG_T_REMOTE:
		return del ? cfg_remote_delete(c, r.rm.vpc, r.rm.mac, err)
		       : ins ? cfg_remote_insert(c, &r.rm, err)
			     : cfg_remote_modify(c, &r.rm, err);
	case CFG_T_DHCP_OPTIONS:
		return del   ? cfg_dhcp_options_delete(c, r.d.vpc, &r.d.subnet, err)
		       : ins ? cfg_dhcp_options_insert(c, &r.d, err)
			     : cfg_dhcp_options_modify(c, &r.d, err);
	case CFG_T_ECMP_GROUP:
		return del   ? cfg_ecmp_group_delete(c, r.e.vpc, r.e.name, err)
		       : ins ? cfg_ecmp_group_insert(c, &r.e, err)
			     : cfg_ecmp_group_modify(c, &r.e, err);
	case CFG_T_ROUTE:
		return del   ? cfg_route_delete(c, r.rt.vpc, &r.rt.prefix, err)
		       : ins ? cfg_route_insert(c, &r.rt, err)
			     : cfg_route_modify(c, &r.rt, err);
	case CFG_T_LB:
		return del   ? cfg_lb_delete(c, r.lb.vpc, r.lb.name, err)
		       : ins ? cfg_lb_insert(c, &r.lb, err)
			     : cfg_lb_modify(c, &r.lb, err);
	case CFG_T_LB_LISTENER:
		return del   ? cfg_lb_listener_delete(c, &r.ll, err)
		       : ins ? cfg_lb_listener_insert(c, &r.ll, err)
			     : cfg_lb_listener_modify(c, &r.ll, err);
	case CFG_T_LB_BACKEND:
		return del   ? cfg_lb_backend_delete(c, &r.lbb, err)
		       : ins ? cfg_lb_backend_insert(c, &r.lbb, err)
			     : cfg_lb_backend_modify(c, &r.lbb, err);
	default:
		return fail(err, "table: unknown");
	}
}

int cfg_state_decode(const json_t *doc, const char *sock_dir, struct cfg **out, char *err)
{
	const char *members[CFG_T_COUNT + 1] = {NULL};
	struct cfg *c;
	int rc;

	for (int t = 0; t < CFG_T_COUNT; t++)
		members[t] = table_plurals[t];
	if ((rc = cfg_check_members(doc, "state", members, err)) < 0)
		return rc;
	c = cfg_new();
	if (c == NULL)
		return -ENOMEM;
	/* in enum order, dependencies first, whatever order the document lists them in */
	for (int t = 0; t < CFG_T_COUNT; t++) {
		const json_t *rows = json_object_get(doc, table_plurals[t]);
		size_t i;
		json_t *row;

		if (rows == NULL)
			continue;
		if (!json_is_array(rows)) {
			rc = fail(err, "state.%s: must be an array", table_plurals[t]);
			goto fail;
		}
		json_array_foreach(rows, i, row)
		{
			char inner[CFG_ERR_SIZE] = "";

			rc = cfg_apply_op(c, "insert", t, row, sock_dir, inner);
			if (rc < 0) {
				snprintf(err, CFG_ERR_SIZE, "%s[%zu]: %.200s", table_plurals[t], i, inner);
				cfg_utf8_scrub(err);
				goto fail;
			}
		}
	}
	*out = c;
	return 0;
fail:
	cfg_free(c);
	return rc;
}
