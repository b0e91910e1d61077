/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What ctrl_model.c (the state and its transactions), ctrl_view.c (a host's view of it) and
 * ctrl_diff.c (the ops between two views) share: the model's maps and indexes, table names
 * and row keys. Not for other modules: they use ctrl_model.h.
 */
#ifndef VPCSW_CTRL_MODEL_PRIVATE_H
#define VPCSW_CTRL_MODEL_PRIVATE_H

#include <stdbool.h>

#include "cfg.h"
#include "cfg_json.h"
#include "ctrl_model.h"

/* The model's tables: cfg's ids (CFG_T_REMOTE unused: remotes are derived) and hosts. */
enum { CT_HOST = CFG_T_COUNT, CT_COUNT };

/* Where ports without "socket" are put while cfg checks them: a fixed directory no switch
 * uses, so that the default never collides with an explicit path. Never written to rows. */
#define CTRL_SOCK_DIR "/nonexistent/vpc-controller"

/* The most ports one switch holds (dataplane/dp.h DP_PORTS_MAX; repeated here because the
 * controller does not include the dataplane's headers). */
#define CTRL_HOST_PORTS_MAX 1024

/*
 * Every map is a jansson object (a hash table keyed by string, iterated in insertion order).
 * Rows are canonical and never changed in place: a change replaces the row object, so a
 * view built earlier keeps the rows it holds (shared references) and a diff of two views
 * finds unchanged rows by pointer.
 */
struct ctrl_model {
	uint64_t version;
	json_t *rows[CT_COUNT];   /* KEY -> row (ports with their "host") */
	json_t *by_vpc[CT_COUNT]; /* vpc -> {KEY -> row}: every table with a vpc (and vpc itself) */
	json_t *ports_by_host;    /* host -> {port name -> row} */
	json_t *host_vpcs;        /* host -> {vpc -> number of the host's ports in it} */
	json_t *vnis;             /* "vni" -> vpc name */
	json_t *port_local;       /* port name -> its row on its own host (no "host") */
	json_t *port_remote;      /* port name -> its remote row elsewhere (bound, host known) */
};

/** "host"/"hosts" or a cfg table (remote included): the id, or -1. */
int ctrl_table_parse(const char *name);
const char *ctrl_table_plural(int t);
/** A row's string member, or NULL. */
static inline const char *ctrl_str(const json_t *row, const char *member)
{
	return json_string_value(json_object_get(row, member));
}
/** Fill err (CTRL_ERR_SIZE, valid UTF-8: it quotes what clients sent) and return rc. */
int ctrl_fail(char *err, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *ctrl_table_name(int t);

/** The KEY of a canonical row of table t (remote too), or NULL if a key member is missing
 *  or of the wrong type. malloc'd. */
char *ctrl_row_key(int t, const json_t *row);
/** The VPC a canonical row belongs to (a vpc row: its name); NULL for hosts. Borrowed. */
const char *ctrl_row_vpc(int t, const json_t *row);

/** Append to the view document doc (arrays per table) the rows of vpc that host's switch
 *  holds. Returns 0 or -ENOMEM. */
int ctrl_view_add_vpc(const struct ctrl_model *m, const char *host, const char *vpc, json_t *doc);
/** An empty view document: every switch table's plural with []. */
json_t *ctrl_view_empty(void);
/** The remote row of a port (canonical, as the switch's remote_encode writes it). */
json_t *ctrl_port_remote_row(const json_t *port, const char *vtep);

/* ---- ctrl_model.c: the state's only way of changing, and its undo ---- */

/** Set (row) or delete (NULL) the row of table t at key, keeping every index; the row is
 *  referenced, not copied. With undo, [t, key, old row or null] is appended to it first.
 *  Returns 0 or -ENOMEM. */
int ctrl_model_set(struct ctrl_model *m, int t, const char *key, json_t *row, json_t *undo);
/** Put back what the log changed, last change first, and empty it. */
void ctrl_model_undo(struct ctrl_model *m, json_t *undo);
/** The changes array of ctrl_model_txn for what the log changed (new reference). */
json_t *ctrl_model_changes(const struct ctrl_model *m, const json_t *undo);
/** Hosts with a port in any VPC named by the keys of vpcs: a set object (new reference). */
json_t *ctrl_model_hosts_of_vpcs(const struct ctrl_model *m, const json_t *vpcs);
/** The keys of obj sorted by strcmp: malloc'd array of borrowed strings, *n of them. */
const char **ctrl_sorted_keys(const json_t *obj, size_t *n);

/* ---- ctrl_txn.c ---- */

/** The KEY of a row given with at least its key members, in any accepted form (what cfg
 *  normalizes, normalized), or NULL if they do not decode. malloc'd. */
char *ctrl_txn_key_of(int t, const json_t *row);

#endif
