/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How the desired state changes: a transaction of ops (ctrl_model_txn) or a whole document
 * (ctrl_model_replace), checked by the switch's own code. Every reference of the switch's
 * tables stays within one VPC, so each VPC a change touches is loaded into its own struct
 * cfg and the change applied there: what cfg refuses, the controller refuses, with cfg's
 * message. What spans VPCs is the model's to check: port names, VNIs and hosts globally,
 * and per host its ports' sockets and devices, its number of ports and the switch's per-host
 * limits; each affected host's view of the touched VPCs is checked by cfg as well. The
 * model is changed as the ops go, with an undo log that puts it back if anything fails.
 */
#include "ctrl_txn_private.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>



/* Above this many rows (hosts of a VPC times its rows, summed over the touched VPCs), the
 * per-host views are not checked by cfg again: they hold nothing the per-VPC check and the
 * per-host checks have not seen (other hosts' ports become remotes, which cfg checks as it
 * checks ports; a route to such a port becomes a route to one of its addresses, which is a
 * valid next hop), so this only bounds the cost of a cheap second opinion. */
#define VIEW_CHECK_ROWS_MAX 200000



/* ---- rows for cfg ---- */

/*
 * Decode a row (an op's, a document's or a stored one) for a VPC's cfg. A port's "host" is
 * the controller's: set aside (and checked to be a name). Its socket, or device, is
 * replaced by one unique to its name: explicit ones need only be unique per host, which the
 * model checks itself, and a missing one stays missing in the rows (the switch picks its own
 * default) while cfg, which needs one, gets the dummy.
 */
int txn_row_decode(int t, const json_t *row, bool key_only, union cfg_row *r, char *err)
{
	const json_t *host;
	json_t *copy = NULL;
	int rc;

	if (t == CFG_T_PORT && json_is_object(row) && (host = json_object_get(row, "host")) != NULL) {
		if (!json_is_string(host) || !cfg_name_valid(json_string_value(host)))
			return ctrl_fail(err, -EINVAL, "port.host: must be a host's name");
		if ((copy = json_copy((json_t *)row)) == NULL)
			return ctrl_fail(err, -ENOMEM, "out of memory");
		json_object_del(copy, "host");
		row = copy;
	}
	rc = key_only ? cfg_key_decode(t, row, r, err)
		      : cfg_row_decode(t, row, CTRL_SOCK_DIR, r, err);
	if (rc == 0 && t == CFG_T_PORT && !key_only) {
		struct cfg_port *p = &r->p;

		if (json_object_get(row, "socket") != NULL && p->socket[0] != '/')
			rc = ctrl_fail(err, -EINVAL, "port.socket: must be an absolute path under %d bytes",
				  CFG_PATH_SIZE);
		else if (p->devargs[0] != '\0')
			snprintf(p->devargs, sizeof(p->devargs), "ctrl-validate:%s", p->name);
		else
			snprintf(p->socket, sizeof(p->socket), CTRL_SOCK_DIR "/%s.sock", p->name);
	}
	json_decref(copy);
	return rc;
}

/* cfg_apply_op on a decoded row. */
int txn_cfg_do(struct cfg *c, enum op_kind k, int t, union cfg_row *r, char *err)
{
	bool ins = k == OP_INSERT, del = k == OP_DELETE;

	switch (t) {
	case CFG_T_VPC:
		return del ? cfg_vpc_delete(c, r->v.name, err)
		       : ins ? cfg_vpc_insert(c, &r->v, err) : cfg_vpc_modify(c, &r->v, err);
	case CFG_T_SUBNET:
		return del ? cfg_subnet_delete(c, r->s.vpc, &r->s.cidr, err)
		       : ins ? cfg_subnet_insert(c, &r->s, err) : cfg_subnet_modify(c, &r->s, err);
	case CFG_T_SG:
		if (k == OP_MODIFY)
			return ctrl_fail(err, -EINVAL, "security_group: a group has no member but its key; "
						  "there is nothing to modify");
		return del ? cfg_sg_delete(c, r->g.vpc, r->g.name, err) : cfg_sg_insert(c, &r->g, err);
	case CFG_T_SG_RULE:
		if (k == OP_MODIFY)
			return ctrl_fail(err, -EINVAL, "security_group_rule: every member is part of the "
						  "key; delete the rule and insert the new one");
		return del ? cfg_sg_rule_delete(c, &r->sr, err) : cfg_sg_rule_insert(c, &r->sr, err);
	case CFG_T_PORT:
		return del ? cfg_port_delete(c, r->p.name, err)
		       : ins ? cfg_port_insert(c, &r->p, err) : cfg_port_modify(c, &r->p, err);
	case CFG_T_DHCP_OPTIONS:
		return del ? cfg_dhcp_options_delete(c, r->d.vpc, &r->d.subnet, err)
		       : ins ? cfg_dhcp_options_insert(c, &r->d, err)
			     : cfg_dhcp_options_modify(c, &r->d, err);
	case CFG_T_ECMP_GROUP:
		return del ? cfg_ecmp_group_delete(c, r->e.vpc, r->e.name, err)
		       : ins ? cfg_ecmp_group_insert(c, &r->e, err)
			     : cfg_ecmp_group_modify(c, &r->e, err);
	case CFG_T_ROUTE:
		return del ? cfg_route_delete(c, r->rt.vpc, &r->rt.prefix, err)
		       : ins ? cfg_route_insert(c, &r->rt, err) : cfg_route_modify(c, &r->rt, err);
	case CFG_T_LB:
		return del ? cfg_lb_delete(c, r->lb.vpc, r->lb.name, err)
		       : ins ? cfg_lb_insert(c, &r->lb, err) : cfg_lb_modify(c, &r->lb, err);
	case CFG_T_LB_LISTENER:
		return del ? cfg_lb_listener_delete(c, &r->ll, err)
		       : ins ? cfg_lb_listener_insert(c, &r->ll, err)
			     : cfg_lb_listener_modify(c, &r->ll, err);
	case CFG_T_LB_BACKEND:
		return del ? cfg_lb_backend_delete(c, &r->lbb, err)
		       : ins ? cfg_lb_backend_insert(c, &r->lbb, err)
			     : cfg_lb_backend_modify(c, &r->lbb, err);
	default:
		return ctrl_fail(err, -EINVAL, "table: unknown");
	}
}

/* The stored row whose key r holds, or NULL. */
const void *txn_cfg_stored(struct cfg *c, int t, union cfg_row *r)
{
	switch (t) {
	case CFG_T_VPC:
		return cfg_vpc_find(c, r->v.name);
	case CFG_T_SUBNET:
		return cfg_subnet_find(c, r->s.vpc, &r->s.cidr);
	case CFG_T_SG:
		return cfg_sg_find(c, r->g.vpc, r->g.name);
	case CFG_T_SG_RULE:
		return cfg_sg_rule_find(c, &r->sr);
	case CFG_T_PORT:
		return cfg_port_find(c, r->p.name);
	case CFG_T_DHCP_OPTIONS:
		return cfg_dhcp_options_find(c, r->d.vpc, &r->d.subnet);
	case CFG_T_ECMP_GROUP:
		return cfg_ecmp_group_find(c, r->e.vpc, r->e.name);
	case CFG_T_ROUTE:
		return cfg_route_find(c, r->rt.vpc, &r->rt.prefix);
	case CFG_T_LB:
		return cfg_lb_find(c, r->lb.vpc, r->lb.name);
	case CFG_T_LB_LISTENER:
		return cfg_lb_listener_find(c, &r->ll);
	case CFG_T_LB_BACKEND:
		return cfg_lb_backend_find(c, &r->lbb);
	default:
		return NULL;
	}
}

/* The canonical row: what cfg stored, encoded; a port keeps its own socket or device (or
 * none) and its host. */
json_t *txn_canonical(int t, const void *stored, const json_t *orig)
{
	json_t *j = stored != NULL ? cfg_row_encode(t, stored) : NULL;
	json_t *sock, *dpdk, *host;

	if (j == NULL || t != CFG_T_PORT)
		return j;
	sock = json_object_get(orig, "socket");
	dpdk = json_object_get(orig, "dpdk");
	host = json_object_get(orig, "host");
	if (dpdk != NULL)
		json_object_set(j, "dpdk", dpdk);
	else if (sock != NULL)
		json_object_set(j, "socket", sock);
	else
		json_object_del(j, "socket");
	if (host != NULL)
		json_object_set(j, "host", host);
	return j;
}

char *ctrl_txn_key_of(int t, const json_t *row)
{
	char err[CFG_ERR_SIZE];
	const void *stored;
	union cfg_row r;
	struct cfg *c;
	json_t *j;
	char *key;

	if (t == CT_HOST) {
		const char *name = ctrl_str(row, "name");

		return name != NULL && cfg_name_valid(name) ? strdup(name) : NULL;
	}
	if (txn_row_decode(t, row, true, &r, err) < 0)
		return NULL;
	if (t == CFG_T_LB_BACKEND && r.lbb.backend_port == 0)
		r.lbb.backend_port = r.lbb.port;
	if (t != CFG_T_SG_RULE) {
		j = cfg_row_encode(t, &r);
		key = ctrl_row_key(t, j);
		json_decref(j);
		return key;
	}
	/* a rule's stored form is cfg's to make: let it make it in a scratch state */
	struct cfg_vpc v = {.vni = 1, .mtu = CFG_MTU_DEFAULT};
	struct cfg_sg g;

	if ((c = cfg_new()) == NULL)
		return NULL;
	memset(&g, 0, sizeof(g));
	snprintf(v.name, sizeof(v.name), "%s", r.sr.vpc);
	snprintf(g.vpc, sizeof(g.vpc), "%s", r.sr.vpc);
	snprintf(g.name, sizeof(g.name), "%s", r.sr.group);
	key = NULL;
	if (cfg_vpc_insert(c, &v, err) == 0 && cfg_sg_insert(c, &g, err) == 0) {
		if (r.sr.remote_group[0] != '\0' && strcmp(r.sr.remote_group, r.sr.group) != 0) {
			snprintf(g.name, sizeof(g.name), "%s", r.sr.remote_group);
			cfg_sg_insert(c, &g, err);
		}
		if (cfg_sg_rule_insert(c, &r.sr, err) == 0 && (stored = txn_cfg_stored(c, t, &r)) != NULL) {
			j = cfg_row_encode(t, stored);
			key = ctrl_row_key(t, j);
			json_decref(j);
		}
	}
	cfg_free(c);
	return key;
}

/* ---- the transaction's state ---- */

int txn_init(struct txn *x, struct ctrl_model *m)
{
	memset(x, 0, sizeof(*x));
	x->m = m;
	x->undo = json_array();
	x->labels = json_object();
	x->vpc_labels = json_object();
	x->cfg_ix = json_object();
	return x->undo && x->labels && x->vpc_labels && x->cfg_ix ? 0 : -ENOMEM;
}

void txn_fini(struct txn *x)
{
	for (size_t i = 0; i < x->n_cfgs; i++)
		cfg_free(x->cfgs[i]);
	free(x->cfgs);
	json_decref(x->undo);
	json_decref(x->labels);
	json_decref(x->vpc_labels);
	json_decref(x->cfg_ix);
}

const char *txn_label_of(const struct txn *x, int t, const char *key)
{
	char id[512];

	snprintf(id, sizeof(id), "%d/%s", t, key);
	return ctrl_str(x->labels, id);
}

/* Change the model, remembering who did (x->label) for the checks that come after. */
int txn_set(struct txn *x, int t, const char *key, json_t *row)
{
	const json_t *old = json_object_get(x->m->rows[t], key);
	const char *vpcs[2] = {old != NULL ? ctrl_row_vpc(t, old) : NULL,
			       row != NULL ? ctrl_row_vpc(t, row) : NULL};
	char id[512];

	snprintf(id, sizeof(id), "%d/%s", t, key);
	json_object_set_new(x->labels, id, json_string(x->label));
	if (x->table_label[t][0] == '\0')
		snprintf(x->table_label[t], sizeof(x->table_label[t]), "%s", x->label);
	for (int i = 0; i < 2; i++)
		if (vpcs[i] != NULL && json_object_get(x->vpc_labels, vpcs[i]) == NULL)
			json_object_set_new(x->vpc_labels, vpcs[i], json_string(x->label));
	return ctrl_model_set(x->m, t, key, row, x->undo);
}

/* The VPC's rows as they are now, into a fresh cfg: dependency order, as the switch loads. */
static int vpc_cfg_load(const struct ctrl_model *m, const char *vpc, struct cfg **out, char *err)
{
	struct cfg *c = cfg_new();
	char inner[CFG_ERR_SIZE];
	const char *key;
	json_t *row;
	int rc;

	if (c == NULL)
		return ctrl_fail(err, -ENOMEM, "out of memory");
	for (int t = 0; t < CFG_T_COUNT; t++) {
		json_t *rows = json_object_get(m->by_vpc[t], vpc);

		json_object_foreach(rows, key, row)
		{
			union cfg_row r;

			if ((rc = txn_row_decode(t, row, false, &r, inner)) < 0 ||
			    (rc = txn_cfg_do(c, OP_INSERT, t, &r, inner)) < 0) {
				cfg_free(c);
				return ctrl_fail(err, rc, "stored %s '%s': %s", ctrl_table_name(t), key, inner);
			}
		}
	}
	*out = c;
	return 0;
}

/* The cfg of vpc for this transaction, loaded on first use. */
static int txn_cfg(struct txn *x, const char *vpc, struct cfg **out, char *err)
{
	json_t *ix = json_object_get(x->cfg_ix, vpc);
	struct cfg **grown;
	int rc;

	if (ix != NULL) {
		*out = x->cfgs[json_integer_value(ix)];
		return 0;
	}
	if (x->n_cfgs == x->cap_cfgs) {
		x->cap_cfgs = x->cap_cfgs ? 2 * x->cap_cfgs : 8;
		grown = realloc(x->cfgs, x->cap_cfgs * sizeof(*grown));
		if (grown == NULL)
			return ctrl_fail(err, -ENOMEM, "out of memory");
		x->cfgs = grown;
	}
	if ((rc = vpc_cfg_load(x->m, vpc, out, err)) < 0)
		return rc;
	x->cfgs[x->n_cfgs] = *out;
	json_object_set_new(x->cfg_ix, vpc, json_integer((json_int_t)x->n_cfgs++));
	return 0;
}

/* ---- hosts ---- */

static const char *const host_members[] = {"name", "vtep", NULL};

/* Unicast as cfg wants a remote's vtep: not zero, not multicast (nor IPv4 class E). */
static bool vtep_unicast(const struct cfg_ip *ip)
{
	static const uint8_t zero[16];
	size_t n = ip->af == AF_INET ? 4 : 16;

	if (memcmp(ip->addr, zero, n) == 0)
		return false;
	return ip->af == AF_INET ? ip->addr[0] < 224 : ip->addr[0] != 0xff;
}

int txn_host_decode(const json_t *row, bool key_only, const char **name, json_t **canon,
		       char *err)
{
	const json_t *vtep;
	struct cfg_ip ip;
	char buf[64];
	int rc;

	if ((rc = cfg_check_members(row, "host", host_members, err)) < 0)
		return rc;
	*name = ctrl_str(row, "name");
	if (json_object_get(row, "name") == NULL)
		return ctrl_fail(err, -EINVAL, "host.name: missing");
	if (*name == NULL)
		return ctrl_fail(err, -EINVAL, "host.name: must be a string");
	if (!cfg_name_valid(*name))
		return ctrl_fail(err, -EINVAL,
			    "host.name: '%.*s' is not a valid name (1-31 of A-Z a-z 0-9 _ . -)",
			    CFG_NAME_SIZE - 1, *name);
	if (key_only)
		return 0;
	vtep = json_object_get(row, "vtep");
	if (vtep == NULL)
		return ctrl_fail(err, -EINVAL, "host.vtep: missing");
	if (!json_is_string(vtep) || cfg_ip_parse(json_string_value(vtep), &ip) < 0)
		return ctrl_fail(err, -EINVAL, "host.vtep: '%.60s' is not an IP address",
			    json_is_string(vtep) ? json_string_value(vtep) : "?");
	cfg_ip_format(&ip, buf, sizeof(buf));
	if (!vtep_unicast(&ip))
		return ctrl_fail(err, -EINVAL, "host.vtep: %s is not a unicast address", buf);
	*canon = json_pack("{s:s, s:s}", "name", *name, "vtep", buf);
	return *canon != NULL ? 0 : ctrl_fail(err, -ENOMEM, "out of memory");
}

static int host_op(struct txn *x, enum op_kind k, const json_t *row, char *err)
{
	const json_t *cur, *ports;
	json_t *canon = NULL;
	const char *name;
	int rc;

	if ((rc = txn_host_decode(row, k == OP_DELETE, &name, &canon, err)) < 0)
		return rc;
	cur = json_object_get(x->m->rows[CT_HOST], name);
	if (k == OP_INSERT && cur != NULL)
		rc = ctrl_fail(err, -EEXIST, "host.name: host '%s' already exists", name);
	else if (k != OP_INSERT && cur == NULL)
		rc = ctrl_fail(err, -ENOENT, "host.name: no host '%s'", name);
	else if (k == OP_DELETE && json_object_size(ports = json_object_get(x->m->ports_by_host,
									   name)) > 0)
		rc = ctrl_fail(err, -EBUSY, "host '%s' still has port '%s'", name,
			  json_object_iter_key(json_object_iter((json_t *)ports)));
	else
		rc = txn_set(x, CT_HOST, name, canon);
	json_decref(canon);
	return rc;
}

/* ---- ports ---- */

static int port_op(struct txn *x, enum op_kind k, const json_t *row, char *err)
{
	const json_t *cur;
	const char *host = ctrl_str(row, "host"), *old_vpc;
	struct cfg *c, *old_c;
	union cfg_row r;
	json_t *canon;
	int rc;

	if ((rc = txn_row_decode(CFG_T_PORT, row, k == OP_DELETE, &r, err)) < 0)
		return rc;
	cur = json_object_get(x->m->rows[CFG_T_PORT], r.p.name);
	if (k == OP_INSERT && cur != NULL)
		return ctrl_fail(err, -EEXIST, "port.name: port '%s' already exists", r.p.name);
	if (k != OP_INSERT && cur == NULL)
		return ctrl_fail(err, -ENOENT, "port.name: no port '%s'", r.p.name);
	if (k != OP_DELETE && host != NULL && json_object_get(x->m->rows[CT_HOST], host) == NULL)
		return ctrl_fail(err, -ENOENT, "port.host: no host '%s'", host);
	old_vpc = cur != NULL ? ctrl_str(cur, "vpc") : NULL;
	if (k == OP_DELETE) {
		if ((rc = txn_cfg(x, old_vpc, &c, err)) < 0 ||
		    (rc = cfg_port_delete(c, r.p.name, err)) < 0)
			return rc;
		return txn_set(x, CFG_T_PORT, r.p.name, NULL);
	}
	if (k == OP_MODIFY && strcmp(old_vpc, r.p.vpc) != 0) {
		/* to another VPC: out of the one, into the other */
		if ((rc = txn_cfg(x, old_vpc, &old_c, err)) < 0 ||
		    (rc = cfg_port_delete(old_c, r.p.name, err)) < 0)
			return rc;
		k = OP_INSERT;
	}
	if ((rc = txn_cfg(x, r.p.vpc, &c, err)) < 0 || (rc = txn_cfg_do(c, k, CFG_T_PORT, &r, err)) < 0)
		return rc;
	canon = txn_canonical(CFG_T_PORT, cfg_port_find(c, r.p.name), row);
	if (canon == NULL)
		return ctrl_fail(err, -ENOMEM, "out of memory");
	rc = txn_set(x, CFG_T_PORT, r.p.name, canon);
	json_decref(canon);
	return rc;
}

/* ---- every other table: rows of one VPC ---- */

/* A group's delete takes its rules with it, in cfg and here. */
static int sg_rules_drop(struct txn *x, const char *vpc, const char *group)
{
	json_t *rules = json_object_get(x->m->by_vpc[CFG_T_SG_RULE], vpc), *row, *keys = json_array();
	const char *key;
	size_t i;
	json_t *k;
	int rc = 0;

	if (keys == NULL)
		return -ENOMEM;
	json_object_foreach(rules, key, row)
		if (strcmp(ctrl_str(row, "group"), group) == 0)
			json_array_append_new(keys, json_string(key));
	json_array_foreach(keys, i, k)
		if (rc == 0)
			rc = txn_set(x, CFG_T_SG_RULE, json_string_value(k), NULL);
	json_decref(keys);
	return rc;
}

static int vpc_row_op(struct txn *x, enum op_kind k, int t, const json_t *row, char *err)
{
	const char *vpc, *owner;
	const void *stored;
	json_t *canon = NULL;
	char *key = NULL, vni[16];
	struct cfg *c;
	union cfg_row r;
	int rc;

	if ((rc = txn_row_decode(t, row, k == OP_DELETE, &r, err)) < 0)
		return rc;
	vpc = t == CFG_T_VPC ? r.v.name : ctrl_str(row, "vpc");
	if ((rc = txn_cfg(x, vpc, &c, err)) < 0)
		return rc;
	if (k == OP_DELETE && (stored = txn_cfg_stored(c, t, &r)) != NULL) {
		canon = cfg_row_encode(t, stored);
		key = ctrl_row_key(t, canon);
		json_decref(canon);
		canon = NULL;
	}
	if ((rc = txn_cfg_do(c, k, t, &r, err)) < 0)
		goto out;
	if (t == CFG_T_VPC && k != OP_DELETE) {
		/* unique across VPCs, which no one cfg sees together */
		snprintf(vni, sizeof(vni), "%u", r.v.vni);
		owner = ctrl_str(x->m->vnis, vni);
		if (owner != NULL && strcmp(owner, vpc) != 0) {
			rc = ctrl_fail(err, -EEXIST, "vpc.vni: vni %u is already used by vpc '%s'",
				  r.v.vni, owner);
			goto out;
		}
	}
	if (k != OP_DELETE) {
		canon = txn_canonical(t, txn_cfg_stored(c, t, &r), row);
		key = canon != NULL ? ctrl_row_key(t, canon) : NULL;
	}
	if (key == NULL) {
		rc = ctrl_fail(err, -ENOMEM, "out of memory");
		goto out;
	}
	rc = txn_set(x, t, key, canon);
	if (rc == 0 && t == CFG_T_SG && k == OP_DELETE)
		rc = sg_rules_drop(x, vpc, r.g.name);
out:
	json_decref(canon);
	free(key);
	return rc;
}

static int txn_op(struct txn *x, const json_t *op, char *err)
{
	static const char *const members[] = {"op", "table", "row", NULL};
	const char *kind, *table;
	const json_t *row;
	enum op_kind k;
	int rc, t;

	if ((rc = cfg_check_members(op, "op", members, err)) < 0)
		return rc;
	kind = ctrl_str(op, "op");
	table = ctrl_str(op, "table");
	row = json_object_get(op, "row");
	if (kind == NULL || (strcmp(kind, "insert") != 0 && strcmp(kind, "modify") != 0 &&
			     strcmp(kind, "delete") != 0))
		return ctrl_fail(err, -EINVAL, "op: '%.40s' is not insert, modify or delete",
			    kind != NULL ? kind : "?");
	k = kind[0] == 'i' ? OP_INSERT : kind[0] == 'm' ? OP_MODIFY : OP_DELETE;
	t = ctrl_table_parse(table);
	if (t < 0)
		return ctrl_fail(err, -EINVAL, "table: '%.40s' is not a table", table != NULL ? table : "?");
	if (t == CFG_T_REMOTE)
		return ctrl_fail(err, -EINVAL, "table: remotes are derived from ports bound to hosts; "
					  "bind the port instead");
	if (!json_is_object(row))
		return ctrl_fail(err, -EINVAL, "row: must be a JSON object");
	if (t == CT_HOST)
		return host_op(x, k, row, err);
	if (t == CFG_T_PORT)
		return port_op(x, k, row, err);
	return vpc_row_op(x, k, t, row, err);
}

/* ---- what spans VPCs: checked on the changed model ---- */

/* host's ports: a switch's number at most, explicit sockets and devices each once. */
static int host_ports_check(struct txn *x, const char *host, char *err)
{
	json_t *ports = json_object_get(x->m->ports_by_host, host), *p, *seen = json_object();
	const char *name, *blame = NULL;
	int rc = 0;

	if (seen == NULL)
		return ctrl_fail(err, -ENOMEM, "out of memory");
	json_object_foreach(ports, name, p)
	{
		const char *sock = ctrl_str(p, "socket"), *dpdk = ctrl_str(p, "dpdk"), *other;
		char id[CFG_DEVARGS_SIZE + 8];

		if (blame == NULL)
			blame = txn_label_of(x, CFG_T_PORT, name);
		if (sock == NULL && dpdk == NULL)
			continue;
		snprintf(id, sizeof(id), "%c:%s", sock != NULL ? 's' : 'd', sock ? sock : dpdk);
		other = ctrl_str(seen, id);
		if (other == NULL) {
			json_object_set_new(seen, id, json_string(name));
			continue;
		}
		if (txn_label_of(x, CFG_T_PORT, name) == NULL && txn_label_of(x, CFG_T_PORT, other) != NULL) {
			const char *swap = name;

			name = other;
			other = swap;
		}
		rc = ctrl_fail(err, -EEXIST, "%s: port.%s: '%.100s' is already used by port '%s' on host '%s'",
			  txn_label_of(x, CFG_T_PORT, name) ? txn_label_of(x, CFG_T_PORT, name) : x->label,
			  sock != NULL ? "socket" : "dpdk", sock != NULL ? sock : dpdk, other, host);
		break;
	}
	json_decref(seen);
	if (rc == 0 && json_object_size(ports) > CTRL_HOST_PORTS_MAX)
		rc = ctrl_fail(err, -ENOSPC, "%s: port.host: host '%s' would have %zu ports, a switch holds %d",
			  blame != NULL ? blame : x->label, host, json_object_size(ports),
			  CTRL_HOST_PORTS_MAX);
	return rc;
}

/* The switch's per-host limits over the union of the host's VPCs. */
static int host_limits_check(struct txn *x, const char *host, char *err)
{
	static const struct {
		int t;
		size_t max;
	} limits[] = {{CFG_T_SG_RULE, CFG_SG_RULES_MAX},  {CFG_T_ROUTE, CFG_ROUTES_MAX},
		      {CFG_T_LB, CFG_LBS_MAX},		  {CFG_T_LB_LISTENER, CFG_LB_LISTENERS_MAX},
		      {CFG_T_LB_BACKEND, CFG_LB_BACKENDS_MAX}};
	json_t *vpcs = json_object_get(x->m->host_vpcs, host), *one;
	size_t sums[sizeof(limits) / sizeof(limits[0])] = {0};
	const char *vpc;

	json_object_foreach(vpcs, vpc, one)
		for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
			sums[i] += json_object_size(json_object_get(x->m->by_vpc[limits[i].t], vpc));
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		const char *who = x->table_label[limits[i].t];

		if (sums[i] > limits[i].max)
			return ctrl_fail(err, -ENOSPC, "%s: %s: host '%s' would hold %zu, at most %zu",
				    who[0] != '\0' ? who : x->label, ctrl_table_name(limits[i].t),
				    host, sums[i], limits[i].max);
	}
	return 0;
}

/* The switch's own check of what host would hold of vpc. */
static int host_view_check(struct txn *x, const char *host, const char *vpc, char *err)
{
	char inner[CFG_ERR_SIZE];
	json_t *doc = ctrl_view_empty();
	const char *who = ctrl_str(x->vpc_labels, vpc);
	struct cfg *c = NULL;
	int rc;

	if (doc == NULL || ctrl_view_add_vpc(x->m, host, vpc, doc) < 0) {
		json_decref(doc);
		return ctrl_fail(err, -ENOMEM, "out of memory");
	}
	rc = cfg_state_decode(doc, CTRL_SOCK_DIR, &c, inner);
	json_decref(doc);
	cfg_free(c);
	if (rc < 0)
		return ctrl_fail(err, rc, "%s: the view of host '%s': %s", who != NULL ? who : x->label,
			    host, inner);
	return 0;
}

static size_t vpc_rows(const struct ctrl_model *m, const char *vpc)
{
	size_t n = 0;

	for (int t = 0; t < CFG_T_COUNT; t++)
		n += json_object_size(json_object_get(m->by_vpc[t], vpc));
	return n;
}

int txn_post_check(struct txn *x, char *err)
{
	json_t *vpcs = json_object(), *port_hosts = json_object(), *hosts = NULL, *u, *v;
	const char *name, *vpc;
	size_t i, view_rows = 0;
	int rc = -ENOMEM;

	if (vpcs == NULL || port_hosts == NULL)
		goto out;
	json_array_foreach(x->undo, i, u)
	{
		int t = (int)json_integer_value(json_array_get(u, 0));
		const json_t *rows[2] = {
			json_array_get(u, 2),
			json_object_get(x->m->rows[t], json_string_value(json_array_get(u, 1)))};

		for (int k = 0; k < 2; k++) {
			if (!json_is_object(rows[k]) || t == CT_HOST)
				continue;
			json_object_set(vpcs, ctrl_row_vpc(t, rows[k]), json_true());
			if (t == CFG_T_PORT && ctrl_str(rows[k], "host") != NULL)
				json_object_set(port_hosts, ctrl_str(rows[k], "host"), json_true());
		}
	}
	json_object_foreach(port_hosts, name, v)
		if ((rc = host_ports_check(x, name, err)) < 0)
			goto out;
	if ((hosts = ctrl_model_hosts_of_vpcs(x->m, vpcs)) == NULL)
		goto out;
	json_object_foreach(hosts, name, v)
		if ((rc = host_limits_check(x, name, err)) < 0)
			goto out;
	/* each host's view of each touched VPC, by cfg, while that stays cheap */
	json_object_foreach(vpcs, vpc, v)
	{
		json_t *one = json_object(), *h;

		json_object_set_new(one, vpc, json_true());
		h = ctrl_model_hosts_of_vpcs(x->m, one);
		view_rows += json_object_size(h) * vpc_rows(x->m, vpc);
		json_object_set_new(vpcs, vpc, h != NULL ? h : json_object());
		json_decref(one);
	}
	rc = 0;
	if (view_rows > VIEW_CHECK_ROWS_MAX)
		goto out;
	json_object_foreach(vpcs, vpc, v)
		json_object_foreach(v, name, u)
			if ((rc = host_view_check(x, name, vpc, err)) < 0)
				goto out;
out:
	if (rc == -ENOMEM)
		ctrl_fail(err, rc, "out of memory");
	json_decref(vpcs);
	json_decref(port_hosts);
	json_decref(hosts);
	return rc;
}

/* Success: the changes, and the version for a transaction or a replace that changed. */
int txn_end(struct txn *x, bool always_count, json_t **changes, char *err)
{
	json_t *ch = ctrl_model_changes(x->m, x->undo);

	if (ch == NULL)
		return ctrl_fail(err, -ENOMEM, "out of memory");
	if (always_count || json_array_size(ch) > 0)
		x->m->version++;
	if (changes != NULL)
		*changes = ch;
	else
		json_decref(ch);
	return 0;
}

int ctrl_model_txn(struct ctrl_model *m, const json_t *ops, json_t **changes, char *err)
{
	static const char *const members[] = {"ops", NULL};
	char inner[CTRL_ERR_SIZE];
	const json_t *list = json_object_get(ops, "ops"), *op;
	struct txn x;
	size_t i;
	int rc;

	if ((rc = cfg_check_members(ops, "txn", members, err)) < 0)
		return rc;
	if (!json_is_array(list))
		return ctrl_fail(err, -EINVAL, "txn.ops: must be an array of ops");
	if (txn_init(&x, m) < 0) {
		txn_fini(&x);
		return ctrl_fail(err, -ENOMEM, "out of memory");
	}
	json_array_foreach(list, i, op)
	{
		snprintf(x.label, sizeof(x.label), "ops[%zu]", i);
		if ((rc = txn_op(&x, op, inner)) < 0) {
			ctrl_fail(err, rc, "%s: %s", x.label, inner);
			goto undo;
		}
	}
	if ((rc = txn_post_check(&x, err)) < 0 || (rc = txn_end(&x, true, changes, err)) < 0)
		goto undo;
	txn_fini(&x);
	return 0;
undo:
	ctrl_model_undo(m, x.undo);
	txn_fini(&x);
	return rc;
}
