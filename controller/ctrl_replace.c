/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The desired state made exactly a whole document (ctrl_model_replace: the declarative
 * apply of a topology, and the store's load): only the VPCs whose rows differ are checked
 * and written, through the same transaction state and checks as ops (ctrl_txn.c).
 */
#include "ctrl_txn_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a whole document ---- */

struct doc {
	const json_t *doc;
	json_t *want[CT_COUNT]; /* KEY -> canonical row: hosts, and the rows of changed VPCs */
	json_t *groups;         /* vpc -> [[t, i], ...]: its rows, in dependency order */
	json_t *changed;        /* vpc -> true: to be written as the document has it */
};

static const json_t *doc_row(const struct doc *d, const json_t *entry, int *t, size_t *i)
{
	*t = (int)json_integer_value(json_array_get(entry, 0));
	*i = (size_t)json_integer_value(json_array_get(entry, 1));
	return json_array_get(json_object_get(d->doc, ctrl_table_plural(*t)), *i);
}

static void label_row(struct txn *x, int t, const char *key)
{
	char id[512];

	snprintf(id, sizeof(id), "%d/%s", t, key);
	json_object_set_new(x->labels, id, json_string(x->label));
}

static int doc_hosts(struct txn *x, struct doc *d, char *err)
{
	const json_t *rows = json_object_get(d->doc, "hosts"), *row;
	char inner[CTRL_ERR_SIZE];
	const char *name;
	json_t *canon;
	size_t i;
	int rc;

	json_array_foreach(rows, i, row)
	{
		snprintf(x->label, sizeof(x->label), "hosts[%zu]", i);
		if ((rc = txn_host_decode(row, false, &name, &canon, inner)) < 0)
			return ctrl_fail(err, rc, "%s: %s", x->label, inner);
		if (json_object_get(d->want[CT_HOST], name) != NULL) {
			json_decref(canon);
			return ctrl_fail(err, -EEXIST, "%s: host.name: host '%s' is listed twice", x->label,
				    name);
		}
		json_object_set_new(d->want[CT_HOST], name, canon);
		label_row(x, CT_HOST, name);
	}
	return 0;
}

/* Rows by VPC, with what no one VPC's cfg sees: port names, VNIs, ports' hosts. */
static int doc_group(struct txn *x, struct doc *d, char *err)
{
	json_t *names = json_object(), *vnis = json_object(), *list;
	char inner[CTRL_ERR_SIZE];
	int rc = 0;

	for (int t = 0; rc == 0 && t < CFG_T_COUNT; t++) {
		const json_t *rows = json_object_get(d->doc, ctrl_table_plural(t)), *row;
		size_t i;

		if (t == CFG_T_REMOTE)
			continue;
		json_array_foreach(rows, i, row)
		{
			const char *vpc = json_is_object(row) ? ctrl_row_vpc(t, row) : NULL, *name,
				   *host, *owner;
			union cfg_row r;
			char vni[32];

			snprintf(x->label, sizeof(x->label), "%s[%zu]", ctrl_table_plural(t), i);
			if (vpc == NULL) {
				rc = txn_row_decode(t, row, false, &r, inner);
				rc = ctrl_fail(err, rc < 0 ? rc : -EINVAL, "%s: %s", x->label,
					  rc < 0 ? inner : "vpc: missing");
				break;
			}
			if (t == CFG_T_PORT && (name = ctrl_str(row, "name")) != NULL) {
				if (json_object_get(names, name) != NULL) {
					rc = ctrl_fail(err, -EEXIST, "%s: port.name: port '%s' already exists",
						  x->label, name);
					break;
				}
				json_object_set_new(names, name, json_true());
				host = ctrl_str(row, "host");
				if (host != NULL && json_object_get(d->want[CT_HOST], host) == NULL) {
					rc = ctrl_fail(err, -ENOENT, "%s: port.host: no host '%s'", x->label,
						  host);
					break;
				}
			}
			if (t == CFG_T_VPC && json_is_integer(json_object_get(row, "vni"))) {
				snprintf(vni, sizeof(vni), "%lld",
					 (long long)json_integer_value(json_object_get(row, "vni")));
				if ((owner = ctrl_str(vnis, vni)) != NULL) {
					rc = ctrl_fail(err, -EEXIST, "%s: vpc.vni: vni %s is already used by vpc '%s'",
						  x->label, vni, owner);
					break;
				}
				json_object_set_new(vnis, vni, json_string(vpc));
			}
			if ((list = json_object_get(d->groups, vpc)) == NULL)
				json_object_set_new(d->groups, vpc, list = json_array());
			json_array_append_new(list, json_pack("[i, I]", t, (json_int_t)i));
		}
	}
	json_decref(names);
	json_decref(vnis);
	return rc;
}

/* The VPC's rows in the document are exactly the model's (a re-applied dump, a reload). */
static bool group_unchanged(const struct ctrl_model *m, const struct doc *d, const char *vpc,
			    const json_t *list)
{
	size_t counts[CT_COUNT] = {0}, i;
	const json_t *e;

	if (json_object_get(m->rows[CFG_T_VPC], vpc) == NULL)
		return false;
	json_array_foreach(list, i, e)
	{
		size_t idx;
		int t;
		const json_t *row = doc_row(d, e, &t, &idx);
		char *key = ctrl_row_key(t, row);
		bool same = key != NULL && json_equal(row, json_object_get(m->rows[t], key));

		free(key);
		if (!same)
			return false;
		counts[t]++;
	}
	for (int t = 0; t < CFG_T_COUNT; t++)
		if (counts[t] != json_object_size(json_object_get(m->by_vpc[t], vpc)))
			return false;
	return true;
}

/* A VPC of the document in a fresh cfg, as cfg_state_decode would: its canonical rows. */
static int group_validate(struct txn *x, struct doc *d, const json_t *list, char *err)
{
	char inner[CFG_ERR_SIZE];
	struct cfg *c = cfg_new();
	const json_t *e;
	size_t i;
	int rc = 0;

	if (c == NULL)
		return ctrl_fail(err, -ENOMEM, "out of memory");
	json_array_foreach(list, i, e)
	{
		size_t idx;
		int t;
		const json_t *row = doc_row(d, e, &t, &idx);
		union cfg_row r;
		json_t *canon;
		char *key;

		snprintf(x->label, sizeof(x->label), "%s[%zu]", ctrl_table_plural(t), idx);
		if ((rc = txn_row_decode(t, row, false, &r, inner)) < 0 ||
		    (rc = txn_cfg_do(c, OP_INSERT, t, &r, inner)) < 0) {
			ctrl_fail(err, rc, "%s: %s", x->label, inner);
			break;
		}
		canon = txn_canonical(t, txn_cfg_stored(c, t, &r), row);
		key = canon != NULL ? ctrl_row_key(t, canon) : NULL;
		if (key == NULL) {
			json_decref(canon);
			rc = ctrl_fail(err, -ENOMEM, "out of memory");
			break;
		}
		json_object_set_new(d->want[t], key, canon);
		label_row(x, t, key);
		free(key);
	}
	cfg_free(c);
	return rc;
}

/* Write the document's rows where they differ; delete the changed VPCs' rows it lacks. */
static int doc_apply(struct txn *x, struct doc *d)
{
	json_t *gone = json_array(), *row, *g;
	const char *vpc, *key;
	size_t i;
	int rc = 0;

	if (gone == NULL)
		return -ENOMEM;
	snprintf(x->label, sizeof(x->label), "state");
	for (int t = 0; t < CT_COUNT; t++) {
		json_t *one;

		if (t == CT_HOST) {
			json_object_foreach(x->m->rows[t], key, row)
				if (json_object_get(d->want[t], key) == NULL)
					json_array_append_new(gone, json_pack("[i, s]", t, key));
			continue;
		}
		json_object_foreach(d->changed, vpc, one)
			json_object_foreach(json_object_get(x->m->by_vpc[t], vpc), key, row)
				if (json_object_get(d->want[t], key) == NULL)
					json_array_append_new(gone, json_pack("[i, s]", t, key));
	}
	json_array_foreach(gone, i, g)
		if (rc == 0)
			rc = txn_set(x, (int)json_integer_value(json_array_get(g, 0)),
				     json_string_value(json_array_get(g, 1)), NULL);
	json_decref(gone);
	for (int t = 0; rc == 0 && t < CT_COUNT; t++)
		json_object_foreach(d->want[t], key, row)
		{
			const char *who = txn_label_of(x, t, key);

			if (json_equal(row, json_object_get(x->m->rows[t], key)))
				continue;
			snprintf(x->label, sizeof(x->label), "%s", who != NULL ? who : "state");
			if ((rc = txn_set(x, t, key, row)) < 0)
				break;
		}
	return rc;
}

static int doc_check(struct txn *x, struct doc *d, char *err)
{
	const char *members[CT_COUNT + 1] = {NULL}, *vpc;
	json_t *list, *v;
	size_t n = 0;
	int rc;

	for (int t = 0; t < CT_COUNT; t++)
		if (t != CFG_T_REMOTE)
			members[n++] = ctrl_table_plural(t);
	if ((rc = cfg_check_members(d->doc, "state", members, err)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (json_object_get(d->doc, members[i]) != NULL &&
		    !json_is_array(json_object_get(d->doc, members[i])))
			return ctrl_fail(err, -EINVAL, "%s: must be an array", members[i]);
	if ((rc = doc_hosts(x, d, err)) < 0 || (rc = doc_group(x, d, err)) < 0)
		return rc;
	json_object_foreach(d->groups, vpc, list)
	{
		if (group_unchanged(x->m, d, vpc, list))
			continue;
		json_object_set_new(d->changed, vpc, json_true());
		if ((rc = group_validate(x, d, list, err)) < 0)
			return rc;
	}
	json_object_foreach(x->m->rows[CFG_T_VPC], vpc, v)
		if (json_object_get(d->groups, vpc) == NULL)
			json_object_set_new(d->changed, vpc, json_true());
	return 0;
}

int ctrl_model_replace(struct ctrl_model *m, const json_t *doc, json_t **changes, char *err)
{
	struct doc d = {.doc = doc};
	struct txn x;
	int rc = txn_init(&x, m);
	bool ok = rc == 0 && (d.groups = json_object()) != NULL &&
		  (d.changed = json_object()) != NULL;

	for (int t = 0; ok && t < CT_COUNT; t++)
		ok = (d.want[t] = json_object()) != NULL;
	if (!ok) {
		rc = ctrl_fail(err, -ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = doc_check(&x, &d, err)) < 0)
		goto out;
	if ((rc = doc_apply(&x, &d)) < 0) {
		ctrl_fail(err, rc, "out of memory");
		goto undo;
	}
	if ((rc = txn_post_check(&x, err)) < 0 || (rc = txn_end(&x, false, changes, err)) < 0)
		goto undo;
	goto out;
undo:
	ctrl_model_undo(m, x.undo);
out:
	for (int t = 0; t < CT_COUNT; t++)
		json_decref(d.want[t]);
	json_decref(d.groups);
	json_decref(d.changed);
	txn_fini(&x);
	return rc;
}
