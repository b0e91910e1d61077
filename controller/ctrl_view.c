/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What one host's switch holds of the desired state. Every reference of the switch's
 * tables stays inside one VPC, so a host's view is the union of its VPCs' rows: the VPCs of
 * its bound ports, all their rows, its own ports, and every other bound port of those VPCs
 * as a remote at its host's VTEP. The one row that is not the same on every host: a route
 * to a port, which only the port's own host can route to by name; elsewhere it goes to the
 * port's address. Rows are the model's own (shared references), so two views of the same
 * state share their rows and ctrl_view_diff finds the unchanged ones by pointer.
 */
#include "ctrl_model_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


json_t *ctrl_view_empty(void)
{
	json_t *doc = json_object();

	for (int t = 0; doc != NULL && t < CFG_T_COUNT; t++)
		if (json_object_set_new(doc, ctrl_table_plural(t), json_array()) < 0) {
			json_decref(doc);
			return NULL;
		}
	return doc;
}

/*
 * A route as host holds it (new reference), or NULL to leave it out: a route to a port of
 * another host (or of none) goes to that port's first address of the prefix's family,
 * which the switch reaches like any VM's; with no such address there is nothing to route to.
 */
static json_t *route_for(const struct ctrl_model *m, const char *host, json_t *route, bool *left_out)
{
	const char *name = ctrl_str(route, "port"), *prefix = ctrl_str(route, "prefix"), *owner;
	const json_t *port, *ip;
	bool v6;
	size_t i;

	*left_out = false;
	if (name == NULL)
		return json_incref(route);
	port = json_object_get(m->rows[CFG_T_PORT], name);
	owner = port != NULL ? ctrl_str(port, "host") : NULL;
	if (owner != NULL && strcmp(owner, host) == 0)
		return json_incref(route);
	v6 = prefix != NULL && strchr(prefix, ':') != NULL;
	json_array_foreach(json_object_get(port, "ips"), i, ip)
		if (json_is_string(ip) && (strchr(json_string_value(ip), ':') != NULL) == v6)
			return json_pack("{s:O, s:O, s:O}", "vpc", json_object_get(route, "vpc"),
					 "prefix", json_object_get(route, "prefix"), "via", ip);
	*left_out = true;
	return NULL;
}

int ctrl_view_add_vpc(const struct ctrl_model *m, const char *host, const char *vpc, json_t *doc)
{
	json_t *remotes = json_object_get(doc, ctrl_table_plural(CFG_T_REMOTE));

	for (int t = 0; t < CFG_T_COUNT; t++) {
		json_t *rows = json_object_get(m->by_vpc[t], vpc), *out, *row, *r;
		const char *key, *owner;
		bool left_out;

		out = json_object_get(doc, ctrl_table_plural(t));
		json_object_foreach(rows, key, row)
		{
			if (t == CFG_T_PORT) {
				if ((owner = ctrl_str(row, "host")) == NULL)
					continue; /* bound to no host: exists nowhere */
				if (strcmp(owner, host) == 0)
					r = json_object_get(m->port_local, key);
				else if ((r = json_object_get(m->port_remote, key)) == NULL)
					continue;
				if (json_array_append(strcmp(owner, host) == 0 ? out : remotes, r) < 0)
					return -ENOMEM;
				continue;
			}
			if (t == CFG_T_ROUTE) {
				r = route_for(m, host, row, &left_out);
				if (left_out)
					continue;
				if (r == NULL || json_array_append_new(out, r) < 0)
					return -ENOMEM;
				continue;
			}
			if (json_array_append(out, row) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

json_t *ctrl_view(const struct ctrl_model *m, const char *host)
{
	const json_t *vpcs = host != NULL ? json_object_get(m->host_vpcs, host) : NULL;
	json_t *doc = ctrl_view_empty();
	const char **names;
	size_t n = 0;
	int rc = 0;

	if (doc == NULL || vpcs == NULL || json_object_get(m->rows[CT_HOST], host) == NULL)
		return doc;
	names = ctrl_sorted_keys(vpcs, &n);
	if (names == NULL)
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = ctrl_view_add_vpc(m, host, names[i], doc);
	free(names);
	if (rc < 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}
