/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controller's desired state: every table's rows by KEY, and the indexes that keep one
 * transaction and one host's view proportional to the VPCs involved (rows by VPC, ports by
 * host, each host's VPCs, VNIs, each port's local and remote row). The edits themselves are
 * checked in ctrl_txn.c, which changes the state only through ctrl_model_set (undoable);
 * ctrl_view.c reads it.
 */
#include "ctrl_model_private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const host_names[2] = {"host", "hosts"};

int ctrl_table_parse(const char *name)
{
	if (name == NULL)
		return -1;
	if (strcmp(name, host_names[0]) == 0 || strcmp(name, host_names[1]) == 0)
		return CT_HOST;
	return cfg_table_parse(name);
}

const char *ctrl_table_name(int t)
{
	return t == CT_HOST ? host_names[0] : cfg_table_name((enum cfg_table_id)t);
}

const char *ctrl_table_plural(int t)
{
	if (t >= 0 && t < CFG_T_COUNT)
		return cfg_table_plural((enum cfg_table_id)t);
	return t == CT_HOST ? "hosts" : "?";
}

int ctrl_fail(char *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, CTRL_ERR_SIZE, fmt, ap);
	va_end(ap);
	cfg_utf8_scrub(err);
	return rc;
}


const char *ctrl_row_vpc(int t, const json_t *row)
{
	if (t == CT_HOST)
		return NULL;
	return ctrl_str(row, t == CFG_T_VPC ? "name" : "vpc");
}

/* The key members joined by '/': names never hold one, and only the last member (a prefix)
 * may, so the string is unambiguous. A rule is all key: its other members as sorted JSON. */
char *ctrl_row_key(int t, const json_t *row)
{
	const char *vpc = ctrl_row_vpc(t, row), *a = NULL, *b = NULL;
	char *out = NULL, *rest;
	json_t *copy;
	int n = -1;

	switch (t) {
	case CT_HOST:
	case CFG_T_VPC:
	case CFG_T_PORT:
		a = ctrl_str(row, "name");
		return a != NULL ? strdup(a) : NULL;
	case CFG_T_SUBNET:
		a = ctrl_str(row, "cidr");
		break;
	case CFG_T_SG:
	case CFG_T_ECMP_GROUP:
	case CFG_T_LB:
		a = ctrl_str(row, "name");
		break;
	case CFG_T_REMOTE:
		a = ctrl_str(row, "mac");
		break;
	case CFG_T_DHCP_OPTIONS:
		a = ctrl_str(row, "subnet");
		break;
	case CFG_T_ROUTE:
		a = ctrl_str(row, "prefix");
		break;
	case CFG_T_SG_RULE:
		if (vpc == NULL || (a = ctrl_str(row, "group")) == NULL || (copy = json_copy((json_t *)row)) == NULL)
			return NULL;
		json_object_del(copy, "vpc");
		json_object_del(copy, "group");
		rest = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(copy);
		if (rest != NULL)
			n = asprintf(&out, "%s/%s/%s", vpc, a, rest);
		free(rest);
		return n < 0 ? NULL : out;
	case CFG_T_LB_LISTENER:
	case CFG_T_LB_BACKEND:
		if (vpc == NULL || (a = ctrl_str(row, "lb")) == NULL || (b = ctrl_str(row, "protocol")) == NULL ||
		    !json_is_integer(json_object_get(row, "port")))
			return NULL;
		if (t == CFG_T_LB_LISTENER)
			n = asprintf(&out, "%s/%s/%s/%lld", vpc, a, b,
				     (long long)json_integer_value(json_object_get(row, "port")));
		else if (ctrl_str(row, "address") != NULL &&
			 json_is_integer(json_object_get(row, "backend_port")))
			n = asprintf(&out, "%s/%s/%s/%lld/%s/%lld", vpc, a, b,
				     (long long)json_integer_value(json_object_get(row, "port")),
				     ctrl_str(row, "address"),
				     (long long)json_integer_value(json_object_get(row, "backend_port")));
		return n < 0 ? NULL : out;
	default:
		return NULL;
	}
	if (vpc == NULL || a == NULL || asprintf(&out, "%s/%s", vpc, a) < 0)
		return NULL;
	return out;
}

/* ---- the state ---- */

struct ctrl_model *ctrl_model_new(void)
{
	struct ctrl_model *m = calloc(1, sizeof(*m));
	bool ok = m != NULL;

	for (int t = 0; ok && t < CT_COUNT; t++)
		ok = (m->rows[t] = json_object()) != NULL && (m->by_vpc[t] = json_object()) != NULL;
	ok = ok && (m->ports_by_host = json_object()) != NULL &&
	     (m->host_vpcs = json_object()) != NULL && (m->vnis = json_object()) != NULL &&
	     (m->port_local = json_object()) != NULL && (m->port_remote = json_object()) != NULL;
	if (!ok) {
		ctrl_model_free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

void ctrl_model_free(struct ctrl_model *m)
{
	if (m == NULL)
		return;
	for (int t = 0; t < CT_COUNT; t++) {
		json_decref(m->rows[t]);
		json_decref(m->by_vpc[t]);
	}
	json_decref(m->ports_by_host);
	json_decref(m->host_vpcs);
	json_decref(m->vnis);
	json_decref(m->port_local);
	json_decref(m->port_remote);
	free(m);
}

uint64_t ctrl_model_version(const struct ctrl_model *m)
{
	return m->version;
}

void ctrl_model_set_version(struct ctrl_model *m, uint64_t v)
{
	m->version = v;
}

/* ---- indexes ---- */

/* map[outer], created empty if missing (NULL on allocation failure). */
static json_t *inner_map(json_t *map, const char *outer)
{
	json_t *in = json_object_get(map, outer);

	if (in == NULL && json_object_set_new(map, outer, in = json_object()) < 0)
		return NULL;
	return in;
}

/* Remove map[outer][inner], and map[outer] once empty. */
static void inner_del(json_t *map, const char *outer, const char *inner)
{
	json_t *in = json_object_get(map, outer);

	if (in == NULL)
		return;
	json_object_del(in, inner);
	if (json_object_size(in) == 0)
		json_object_del(map, outer);
}

json_t *ctrl_port_remote_row(const json_t *port, const char *vtep)
{
	json_t *ips = json_object_get(port, "ips"), *sgs = json_object_get(port, "security_groups");

	return json_pack("{s:O, s:O, s:O, s:s, s:O}", "vpc", json_object_get(port, "vpc"), "mac",
			 json_object_get(port, "mac"), "ips", ips != NULL ? ips : json_array(),
			 "vtep", vtep, "security_groups", sgs != NULL ? sgs : json_array());
}

/* The remote rows of host's ports, after its row came, went or changed its vtep. */
static int host_remotes_refresh(struct ctrl_model *m, const char *host)
{
	const json_t *h = json_object_get(m->rows[CT_HOST], host);
	json_t *ports = json_object_get(m->ports_by_host, host), *p;
	const char *name;

	json_object_foreach(ports, name, p)
	{
		if (h == NULL)
			json_object_del(m->port_remote, name);
		else if (json_object_set_new(m->port_remote, name,
					     ctrl_port_remote_row(p, ctrl_str(h, "vtep"))) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int host_vpc_count(struct ctrl_model *m, const char *host, const char *vpc, int delta)
{
	json_t *vpcs = inner_map(m->host_vpcs, host);
	json_int_t n;

	if (vpcs == NULL)
		return -ENOMEM;
	n = json_integer_value(json_object_get(vpcs, vpc)) + delta;
	if (n > 0)
		return json_object_set_new(vpcs, vpc, json_integer(n)) < 0 ? -ENOMEM : 0;
	inner_del(m->host_vpcs, host, vpc);
	return 0;
}

static int port_index(struct ctrl_model *m, const char *name, json_t *row)
{
	const char *host = ctrl_str(row, "host"), *vpc = ctrl_str(row, "vpc");
	const json_t *h;
	json_t *local, *ports;

	if (host == NULL)
		return 0;
	local = json_copy(row);
	if (local == NULL || json_object_del(local, "host") < 0 ||
	    json_object_set_new(m->port_local, name, local) < 0)
		return -ENOMEM;
	if ((ports = inner_map(m->ports_by_host, host)) == NULL ||
	    json_object_set(ports, name, row) < 0 || host_vpc_count(m, host, vpc, 1) < 0)
		return -ENOMEM;
	h = json_object_get(m->rows[CT_HOST], host);
	if (h != NULL &&
	    json_object_set_new(m->port_remote, name, ctrl_port_remote_row(row, ctrl_str(h, "vtep"))) < 0)
		return -ENOMEM;
	return 0;
}

static void port_unindex(struct ctrl_model *m, const char *name, const json_t *row)
{
	const char *host = ctrl_str(row, "host");

	if (host == NULL)
		return;
	json_object_del(m->port_local, name);
	json_object_del(m->port_remote, name);
	inner_del(m->ports_by_host, host, name);
	host_vpc_count(m, host, ctrl_str(row, "vpc"), -1);
}

static int row_index(struct ctrl_model *m, int t, const char *key, json_t *row)
{
	const char *vpc = ctrl_row_vpc(t, row);
	json_t *in;
	char vni[16];

	if (vpc != NULL && ((in = inner_map(m->by_vpc[t], vpc)) == NULL ||
			    json_object_set(in, key, row) < 0))
		return -ENOMEM;
	if (t == CFG_T_VPC) {
		snprintf(vni, sizeof(vni), "%lld",
			 (long long)json_integer_value(json_object_get(row, "vni")));
		if (json_object_set_new(m->vnis, vni, json_string(vpc)) < 0)
			return -ENOMEM;
	}
	if (t == CFG_T_PORT)
		return port_index(m, key, row);
	if (t == CT_HOST)
		return host_remotes_refresh(m, key);
	return 0;
}

static void row_unindex(struct ctrl_model *m, int t, const char *key, const json_t *row)
{
	const char *vpc = ctrl_row_vpc(t, row), *owner;
	char vni[16];

	if (vpc != NULL)
		inner_del(m->by_vpc[t], vpc, key);
	if (t == CFG_T_VPC) {
		/* only if it is still this VPC's: a replace may have given it to another already */
		snprintf(vni, sizeof(vni), "%lld",
			 (long long)json_integer_value(json_object_get(row, "vni")));
		owner = json_string_value(json_object_get(m->vnis, vni));
		if (owner != NULL && strcmp(owner, vpc) == 0)
			json_object_del(m->vnis, vni);
	}
	if (t == CFG_T_PORT)
		port_unindex(m, key, row);
}

int ctrl_model_set(struct ctrl_model *m, int t, const char *key, json_t *row, json_t *undo)
{
	json_t *old = json_incref(json_object_get(m->rows[t], key));
	int rc = 0;

	if (undo != NULL &&
	    json_array_append_new(undo, json_pack("[i, s, O]", t, key, old != NULL ? old : json_null())) < 0)
		rc = -ENOMEM;
	if (rc == 0 && old != NULL) {
		row_unindex(m, t, key, old);
		json_object_del(m->rows[t], key);
	}
	if (rc == 0 && row != NULL) {
		if (json_object_set(m->rows[t], key, row) < 0)
			rc = -ENOMEM;
		else
			rc = row_index(m, t, key, row);
	}
	if (rc == 0 && t == CT_HOST && row == NULL)
		rc = host_remotes_refresh(m, key);
	json_decref(old);
	return rc;
}

void ctrl_model_undo(struct ctrl_model *m, json_t *undo)
{
	for (size_t i = json_array_size(undo); i-- > 0;) {
		json_t *u = json_array_get(undo, i), *old = json_array_get(u, 2);

		ctrl_model_set(m, (int)json_integer_value(json_array_get(u, 0)),
			       json_string_value(json_array_get(u, 1)), json_is_null(old) ? NULL : old,
			       NULL);
	}
	json_array_clear(undo);
}

/* One entry per row the log touched whose first old row differs from its row now. */
json_t *ctrl_model_changes(const struct ctrl_model *m, const json_t *undo)
{
	json_t *seen = json_object(), *changes = json_array(), *u;
	size_t i;

	if (seen == NULL || changes == NULL)
		goto fail;
	json_array_foreach(undo, i, u)
	{
		int t = (int)json_integer_value(json_array_get(u, 0));
		const char *key = json_string_value(json_array_get(u, 1));
		json_t *old = json_array_get(u, 2), *now;
		char *id;

		if (asprintf(&id, "%d/%s", t, key) < 0)
			goto fail;
		if (json_object_get(seen, id) != NULL) {
			free(id);
			continue;
		}
		json_object_set(seen, id, json_true());
		free(id);
		now = json_object_get(m->rows[t], key);
		if (now == NULL)
			now = json_null();
		if (json_equal(old, now))
			continue;
		if (json_array_append_new(changes, json_pack("{s:s, s:s, s:O, s:O}", "table",
							     ctrl_table_plural(t), "key", key,
							     "old", old, "new", now)) < 0)
			goto fail;
	}
	json_decref(seen);
	return changes;
fail:
	json_decref(seen);
	json_decref(changes);
	return NULL;
}

/* ---- reading ---- */

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of an object, sorted (malloc'd array of borrowed strings). */
const char **ctrl_sorted_keys(const json_t *obj, size_t *n)
{
	const char **keys = malloc((json_object_size(obj) + 1) * sizeof(*keys));
	const char *k;
	json_t *v;

	*n = 0;
	if (keys == NULL)
		return NULL;
	json_object_foreach((json_t *)obj, k, v)
		keys[(*n)++] = k;
	qsort(keys, *n, sizeof(*keys), key_cmp);
	return keys;
}

static json_t *table_rows(const struct ctrl_model *m, int t)
{
	json_t *a = json_array();
	const char **keys;
	size_t n;

	keys = ctrl_sorted_keys(m->rows[t], &n);
	if (a == NULL || keys == NULL) {
		free(keys);
		json_decref(a);
		return NULL;
	}
	/* copies: a caller editing what it got must not edit the model */
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_deep_copy(json_object_get(m->rows[t], keys[i])));
	free(keys);
	return a;
}

json_t *ctrl_model_table(const struct ctrl_model *m, const char *table)
{
	int t = ctrl_table_parse(table);

	if (t < 0 || t == CFG_T_REMOTE)
		return NULL;
	return table_rows(m, t);
}

json_t *ctrl_model_dump(const struct ctrl_model *m)
{
	json_t *doc = json_object();

	for (int t = 0; doc != NULL && t < CT_COUNT; t++)
		if (t != CFG_T_REMOTE && json_object_set_new(doc, ctrl_table_plural(t), table_rows(m, t)) < 0) {
			json_decref(doc);
			return NULL;
		}
	return doc;
}

json_t *ctrl_model_hosts(const struct ctrl_model *m)
{
	json_t *a = json_array();
	const char **keys;
	size_t n;

	keys = ctrl_sorted_keys(m->rows[CT_HOST], &n);
	for (size_t i = 0; a != NULL && keys != NULL && i < n; i++)
		json_array_append_new(a, json_string(keys[i]));
	free(keys);
	return a;
}

const json_t *ctrl_model_find(const struct ctrl_model *m, const char *table, const json_t *row)
{
	int t = ctrl_table_parse(table);
	char *key;
	const json_t *found;

	if (t < 0 || t == CFG_T_REMOTE || !json_is_object(row))
		return NULL;
	key = ctrl_txn_key_of(t, row);
	found = key != NULL ? json_object_get(m->rows[t], key) : NULL;
	free(key);
	return found;
}

bool ctrl_model_port_has(const struct ctrl_model *m, const char *host, const char *vpc,
			 const char *addr)
{
	json_t *ports = json_object_get(m->by_vpc[CFG_T_PORT], vpc), *p, *ip;
	struct cfg_ip want, have;
	const char *name, *h;
	size_t i;

	if (host == NULL || addr == NULL || cfg_ip_parse(addr, &want) < 0)
		return false;
	json_object_foreach(ports, name, p)
	{
		if ((h = ctrl_str(p, "host")) == NULL || strcmp(h, host) != 0)
			continue;
		json_array_foreach(json_object_get(p, "ips"), i, ip)
			if (cfg_ip_parse(json_string_value(ip), &have) == 0 &&
			    memcmp(&have, &want, sizeof(want)) == 0)
				return true;
	}
	return false;
}

/* ---- the hosts a change reaches ---- */

/* Every host with a port in vpc, into set. */
static void vpc_hosts(const struct ctrl_model *m, const char *vpc, json_t *set)
{
	json_t *ports = json_object_get(m->by_vpc[CFG_T_PORT], vpc), *p;
	const char *name, *host;

	json_object_foreach(ports, name, p)
		if ((host = ctrl_str(p, "host")) != NULL)
			json_object_set(set, host, json_true());
}

json_t *ctrl_model_hosts_of_vpcs(const struct ctrl_model *m, const json_t *vpcs)
{
	json_t *set = json_object(), *v;
	const char *vpc;

	json_object_foreach((json_t *)vpcs, vpc, v)
		vpc_hosts(m, vpc, set);
	return set;
}

json_t *ctrl_model_affected_hosts(const struct ctrl_model *m, const json_t *changes)
{
	json_t *set = json_object(), *vpcs = json_object(), *c, *out, *more;
	const char **keys;
	size_t i, n;

	if (set == NULL || vpcs == NULL)
		goto fail;
	json_array_foreach(changes, i, c)
	{
		int t = ctrl_table_parse(ctrl_str(c, "table"));
		const json_t *rows[2] = {json_object_get(c, "old"), json_object_get(c, "new")};

		for (int k = 0; k < 2; k++) {
			const char *vpc, *host;
			json_t *hv, *one;

			if (!json_is_object(rows[k]))
				continue;
			if (t == CT_HOST) {
				host = ctrl_str(rows[k], "name");
				json_object_set(set, host, json_true());
				hv = json_object_get(m->host_vpcs, host);
				json_object_foreach(hv, vpc, one)
					json_object_set(vpcs, vpc, json_true());
				continue;
			}
			if ((vpc = ctrl_row_vpc(t, rows[k])) != NULL)
				json_object_set(vpcs, vpc, json_true());
			if (t == CFG_T_PORT && (host = ctrl_str(rows[k], "host")) != NULL)
				json_object_set(set, host, json_true());
		}
	}
	more = ctrl_model_hosts_of_vpcs(m, vpcs);
	json_object_update(set, more);
	json_decref(more);
	out = json_array();
	keys = ctrl_sorted_keys(set, &n);
	for (i = 0; out != NULL && keys != NULL && i < n; i++)
		json_array_append_new(out, json_string(keys[i]));
	free(keys);
	json_decref(set);
	json_decref(vpcs);
	return out;
fail:
	json_decref(set);
	json_decref(vpcs);
	return NULL;
}
