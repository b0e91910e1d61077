/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON <-> table rows. Each table has one member list; decoding walks the object, refusing
 * what the list does not name, so a typo in an operator's file is an error, not a silently
 * ignored setting.
 */
#include "cfg_json.h"

#include <arpa/inet.h>
#include <errno.h>
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

static const char *const table_names[CFG_T_COUNT] = {"vpc", "subnet", "port", "remote"};
static const char *const table_plurals[CFG_T_COUNT] = {"vpcs", "subnets", "ports", "remotes"};

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

size_t cfg_row_size(enum cfg_table_id t)
{
	static const size_t sizes[CFG_T_COUNT] = {sizeof(struct cfg_vpc),
						  sizeof(struct cfg_subnet),
						  sizeof(struct cfg_port),
						  sizeof(struct cfg_remote)};
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

static int check_members(const json_t *j, const char *table, const char *const *allowed,
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
	if ((rc = check_members(j, "vpc", vpc_members, err)) < 0 ||
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
	if ((rc = check_members(j, "subnet", subnet_members, err)) < 0 ||
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

static const char *const port_members[] = {"name", "vpc",    "mac",  "ips",  "socket",
					   "mode", "queues", "dpdk", NULL};

static int decode_ips(const json_t *j, const char *table, struct cfg_ip *out, uint8_t *n_out,
		      char *err)
{
	const json_t *ips = json_object_get(j, "ips");
	size_t i;
	json_t *v;

	if (ips == NULL)
		return 0;
	if (!json_is_array(ips))
		return fail(err, "%s.ips: must be an array of addresses", table);
	if (json_array_size(ips) > CFG_PORT_IPS_MAX)
		return fail(err, "%s.ips: at most %d addresses", table, CFG_PORT_IPS_MAX);
	json_array_foreach(ips, i, v)
	{
		if (!json_is_string(v) || cfg_ip_parse(json_string_value(v), &out[i]) < 0)
			return fail(err, "%s.ips[%zu]: not an IP address", table, i);
	}
	*n_out = (uint8_t)json_array_size(ips);
	return 0;
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
	uint64_t queues = 1;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = check_members(j, "port", port_members, err)) < 0 ||
	    (rc = get_str(j, "port", "name", p->name, sizeof(p->name), true, err)) < 0)
		return rc;
	if (key_only)
		return 0;
	if ((rc = get_str(j, "port", "vpc", p->vpc, sizeof(p->vpc), true, err)) < 0 ||
	    (rc = get_mac(j, "port", "mac", p->mac, err)) < 0 ||
	    (rc = decode_ips(j, "port", p->ips, &p->n_ips, err)) < 0 ||
	    (rc = get_str(j, "port", "mode", mode, sizeof(mode), false, err)) < 0 ||
	    (rc = get_uint(j, "port", "queues", UINT16_MAX, &queues, false, err)) < 0)
		return rc;
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

	cfg_mac_format(p->mac, mac, sizeof(mac));
	if (p->devargs[0] != '\0')
		return json_pack("{s:s, s:s, s:s, s:o, s:s, s:i}", "name", p->name, "vpc", p->vpc,
				 "mac", mac, "ips", encode_ips(p->ips, p->n_ips), "dpdk",
				 p->devargs, "queues", p->queues);
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:i}", "name", p->name, "vpc", p->vpc,
			 "mac", mac, "ips", encode_ips(p->ips, p->n_ips), "socket", p->socket,
			 "mode", p->mode == CFG_VHOST_CLIENT ? "client" : "server", "queues",
			 p->queues);
}

/* ---- remote ---- */

static const char *const remote_members[] = {"vpc", "mac", "ips", "vtep", NULL};

static int remote_decode(const json_t *j, struct cfg_remote *r, bool key_only, char *err)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = check_members(j, "remote", remote_members, err)) < 0 ||
	    (rc = get_str(j, "remote", "vpc", r->vpc, sizeof(r->vpc), true, err)) < 0 ||
	    (rc = get_mac(j, "remote", "mac", r->mac, err)) < 0)
		return rc;
	if (key_only)
		return 0;
	if ((rc = decode_ips(j, "remote", r->ips, &r->n_ips, err)) < 0 ||
	    (rc = get_ip(j, "remote", "vtep", &r->vtep, err)) < 0)
		return rc;
	return 0;
}

static json_t *remote_encode(const struct cfg_remote *r)
{
	char mac[18], vtep[64];

	cfg_mac_format(r->mac, mac, sizeof(mac));
	cfg_ip_format(&r->vtep, vtep, sizeof(vtep));
	return json_pack("{s:s, s:s, s:o, s:s}", "vpc", r->vpc, "mac", mac, "ips",
			 encode_ips(r->ips, r->n_ips), "vtep", vtep);
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
	case CFG_T_PORT:
		return port_decode(j, row, sock_dir, false, err);
	case CFG_T_REMOTE:
		return remote_decode(j, row, false, err);
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
	case CFG_T_PORT:
		return port_decode(j, row, NULL, true, err);
	case CFG_T_REMOTE:
		return remote_decode(j, row, true, err);
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
	case CFG_T_PORT:
		return port_encode(row);
	case CFG_T_REMOTE:
		return remote_encode(row);
	default:
		return NULL;
	}
}

static const struct cfg_table *table_of(const struct cfg *c, enum cfg_table_id t)
{
	const struct cfg_table *tables[CFG_T_COUNT] = {&c->vpcs, &c->subnets, &c->ports,
						       &c->remotes};

	return tables[t];
}

json_t *cfg_table_encode(const struct cfg *c, enum cfg_table_id t)
{
	const struct cfg_table *tab = table_of(c, t);
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
	union {
		struct cfg_vpc v;
		struct cfg_subnet s;
		struct cfg_port p;
		struct cfg_remote rm;
	} r;
	bool del = strcmp(op, "delete") == 0, ins = strcmp(op, "insert") == 0,
	     mod = strcmp(op, "modify") == 0;
	int rc;

	if (!del && !ins && !mod)
		return fail(err, "op: '%s' is not insert, modify or delete", op);
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
	case CFG_T_PORT:
		return del ? cfg_port_delete(c, r.p.name, err)
		       : ins ? cfg_port_insert(c, &r.p, err)
			     : cfg_port_modify(c, &r.p, err);
	case CFG_T_REMOTE:
		return del ? cfg_remote_delete(c, r.rm.vpc, r.rm.mac, err)
		       : ins ? cfg_remote_insert(c, &r.rm, err)
			     : cfg_remote_modify(c, &r.rm, err);
	default:
		return fail(err, "table: unknown");
	}
}

int cfg_state_decode(const json_t *doc, const char *sock_dir, struct cfg **out, char *err)
{
	static const char *const members[] = {"vpcs", "subnets", "ports", "remotes", NULL};
	struct cfg *c;
	int rc;

	if ((rc = check_members(doc, "state", members, err)) < 0)
		return rc;
	c = cfg_new();
	if (c == NULL)
		return -ENOMEM;
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
