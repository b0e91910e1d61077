/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The txn that turns a switch holding one view into one holding another: per table, rows by
 * key; deletes first (reverse dependency order), then inserts and modifies (dependency
 * order). A modify is used only where no row can be in its way: a change that moves what is
 * unique in a VPC (a port's MAC, addresses or socket; a remote's) or what other rows refer
 * to is a delete and an insert, so that the deletes clear the way first. Views built from
 * the same model share their unchanged rows, which are found by pointer before any key is
 * computed: the cost is in what changed.
 */
#include "ctrl_model_private.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>


/* ---- a set of row pointers (open addressing) ---- */

struct pset {
	const json_t **slots;
	size_t mask;
};

static size_t phash(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

static int pset_init(struct pset *s, const json_t *rows)
{
	size_t n = 16, i;
	const json_t *row;

	while (n < 2 * json_array_size(rows))
		n *= 2;
	s->mask = n - 1;
	s->slots = calloc(n, sizeof(*s->slots));
	if (s->slots == NULL)
		return -1;
	json_array_foreach(rows, i, row)
		for (size_t h = phash(row) & s->mask;; h = (h + 1) & s->mask)
			if (s->slots[h] == NULL || s->slots[h] == row) {
				s->slots[h] = row;
				break;
			}
	return 0;
}

static bool pset_has(const struct pset *s, const json_t *row)
{
	for (size_t h = phash(row) & s->mask; s->slots[h] != NULL; h = (h + 1) & s->mask)
		if (s->slots[h] == row)
			return true;
	return false;
}

/* ---- what may be modified in place ---- */

struct diff {
	json_t *dels[CFG_T_COUNT]; /* rows of have to delete, per table */
	json_t *puts[CFG_T_COUNT]; /* [op, row] to write, per table */
	json_t *replaced;          /* "t/vpc/name" of ports, ECMP groups and balancers deleted
				    * and inserted again: the rows naming them go with them */
};

/* Whether a changed row (same key) may be a modify. */
static bool modify_ok(int t, const json_t *have, const json_t *want)
{
	switch (t) {
	case CFG_T_VPC:
	case CFG_T_SUBNET:
	case CFG_T_LB_LISTENER:
	case CFG_T_LB_BACKEND:
		return true; /* nothing refers to what they change, and deleting them is busy */
	case CFG_T_LB:
		return json_equal(json_object_get(have, "vip"), json_object_get(want, "vip"));
	default:
		/* groups and rules have no modify; ports, remotes, routes, ECMP groups and DHCP
		 * options are changed by delete and insert (ports keep their VM: the switch
		 * compares attachments at commit) */
		return false;
	}
}

static void replaced_add(struct diff *d, int t, const json_t *row)
{
	char id[128];

	snprintf(id, sizeof(id), "%d/%s/%s", t, t == CFG_T_PORT ? "" : ctrl_str(row, "vpc"),
		 ctrl_str(row, "name"));
	json_object_set_new(d->replaced, id, json_true());
}

static bool is_replaced(const struct diff *d, int t, const char *vpc, const char *name)
{
	char id[128];

	if (name == NULL)
		return false;
	snprintf(id, sizeof(id), "%d/%s/%s", t, t == CFG_T_PORT ? "" : vpc, name);
	return json_object_get(d->replaced, id) != NULL;
}

/* The row names a port, group or balancer deleted and inserted again. */
static bool follows_replaced(const struct diff *d, int t, const json_t *row)
{
	const char *vpc = ctrl_str(row, "vpc");

	if (t == CFG_T_ROUTE)
		return is_replaced(d, CFG_T_PORT, vpc, ctrl_str(row, "port")) ||
		       is_replaced(d, CFG_T_ECMP_GROUP, vpc, ctrl_str(row, "ecmp"));
	if (t == CFG_T_LB_LISTENER || t == CFG_T_LB_BACKEND)
		return is_replaced(d, CFG_T_LB, vpc, ctrl_str(row, "lb"));
	return false;
}

static void put(struct diff *d, int t, const char *op, json_t *row)
{
	json_array_append_new(d->puts[t], json_pack("[s, O]", op, row));
}

static void change(struct diff *d, int t, json_t *have, json_t *want)
{
	if (want == NULL) {
		json_array_append(d->dels[t], have);
	} else if (have == NULL) {
		put(d, t, "insert", want);
	} else if (json_equal(have, want)) {
		if (!follows_replaced(d, t, have))
			return;
		json_array_append(d->dels[t], have);
		put(d, t, "insert", want);
	} else if (modify_ok(t, have, want) && !follows_replaced(d, t, have)) {
		put(d, t, "modify", want);
	} else {
		json_array_append(d->dels[t], have);
		put(d, t, "insert", want);
		if (t == CFG_T_PORT || t == CFG_T_ECMP_GROUP || t == CFG_T_LB)
			replaced_add(d, t, have);
	}
}

static int diff_table(struct diff *d, int t, const json_t *have_rows, const json_t *want_rows)
{
	json_t *hk = json_object(), *wk = json_object(), *row, *w;
	struct pset hs = {0}, ws = {0};
	const char *key;
	size_t i;
	int rc = -1;

	if (hk == NULL || wk == NULL || pset_init(&hs, have_rows) < 0 ||
	    pset_init(&ws, want_rows) < 0)
		goto out;
	json_array_foreach(have_rows, i, row)
	{
		char *k;

		if (pset_has(&ws, row)) { /* the same row object: unchanged */
			change(d, t, row, row);
			continue;
		}
		if ((k = ctrl_row_key(t, row)) != NULL)
			json_object_set(hk, k, row);
		free(k);
	}
	json_array_foreach(want_rows, i, row)
	{
		char *k;

		if (pset_has(&hs, row))
			continue;
		if ((k = ctrl_row_key(t, row)) == NULL) {
			change(d, t, NULL, row);
			continue;
		}
		json_object_set(wk, k, row);
		free(k);
	}
	json_object_foreach(hk, key, row)
		change(d, t, row, json_object_get(wk, key));
	json_object_foreach(wk, key, w)
		if (json_object_get(hk, key) == NULL)
			change(d, t, NULL, w);
	rc = 0;
out:
	free(hs.slots);
	free(ws.slots);
	json_decref(hk);
	json_decref(wk);
	return rc;
}

static void emit(json_t *ops, const char *op, int t, json_t *row)
{
	json_array_append_new(ops, json_pack("{s:s, s:s, s:O}", "op", op, "table",
					     ctrl_table_name(t), "row", row));
}

json_t *ctrl_view_diff(const json_t *have, const json_t *want)
{
	struct diff d = {.replaced = json_object()};
	json_t *ops = json_array(), *doc = NULL, *row, *p;
	bool ok = d.replaced != NULL && ops != NULL;
	size_t i;

	for (int t = 0; ok && t < CFG_T_COUNT; t++) {
		const char *plural = ctrl_table_plural(t);

		ok = (d.dels[t] = json_array()) != NULL && (d.puts[t] = json_array()) != NULL &&
		     diff_table(&d, t, json_object_get(have, plural), json_object_get(want, plural)) == 0;
	}
	for (int t = CFG_T_COUNT; ok && t-- > 0;)
		json_array_foreach(d.dels[t], i, row)
			emit(ops, "delete", t, row);
	for (int t = 0; ok && t < CFG_T_COUNT; t++)
		json_array_foreach(d.puts[t], i, p)
			emit(ops, json_string_value(json_array_get(p, 0)), t, json_array_get(p, 1));
	if (ok)
		doc = json_pack("{s:O}", "ops", ops);
	for (int t = 0; t < CFG_T_COUNT; t++) {
		json_decref(d.dels[t]);
		json_decref(d.puts[t]);
	}
	json_decref(d.replaced);
	json_decref(ops);
	return doc;
}
