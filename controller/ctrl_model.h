/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controller's desired state of every VPC, and what each host's switch must hold of it.
 * Pure logic (no sockets, no database): the northbound edits it in transactions, the store
 * persists its rows, the southbound sends each host its view and the difference between two
 * views.
 *
 * Tables: the switch's (docs/southbound.md) except `remote`, which the controller derives,
 * plus `host` {"name", "vtep"} (the underlay address of the host's switch). A `port` row is
 * the switch's port row plus "host": the name of the host it is bound to (absent: bound to
 * none; the port then exists nowhere). Rows are kept in canonical form (decoded by cfg_json
 * and encoded back), so equal rows are equal JSON. Every table is keyed as on the switch.
 *
 * Control thread only.
 */
#ifndef VPCSW_CTRL_MODEL_H
#define VPCSW_CTRL_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#define CTRL_ERR_SIZE 256

struct ctrl_model;

struct ctrl_model *ctrl_model_new(void);
void ctrl_model_free(struct ctrl_model *m);

/** The version of the desired state: +1 per committed transaction (0: empty, never written). */
uint64_t ctrl_model_version(const struct ctrl_model *m);
void ctrl_model_set_version(struct ctrl_model *m, uint64_t v);

/**
 * Apply a transaction, atomically: ops is {"ops": [{"op": "insert"|"modify"|"delete",
 * "table": T, "row": {...}}, ...]} as the switch's txn, T one of the tables above (singular
 * or plural). Each op is checked against everything before it; the result must be a valid
 * state as a whole (every VPC's rows as the switch checks them, and every host's view).
 * On success: the version is +1 and *changes (if changes is not NULL) is a new array of
 * {"table": plural, "key": KEY, "old": row or null, "new": row or null}, one per row that
 * changed (KEY: a string, the row's key members in canonical form; what the store keys
 * rows by). Returns 0, or -EINVAL/-EEXIST/-ENOENT/-EBUSY/-ENOSPC/-ENOMEM with
 * "ops[i]: table.member: ..." in err (CTRL_ERR_SIZE) and the model unchanged.
 */
int ctrl_model_txn(struct ctrl_model *m, const json_t *ops, json_t **changes, char *err);

/**
 * Make the desired state exactly doc: {"hosts": [...], "vpcs": [...], "subnets": [...],
 * "security_groups": [...], "security_group_rules": [...], "ports": [...], "dhcp_options":
 * [...], "ecmp_groups": [...], "routes": [...], "load_balancers": [...], "lb_listeners":
 * [...], "lb_backends": [...]} (missing members: empty tables). The declarative `apply -f`
 * of a whole topology, and how the store loads what it holds. Same result and errors as
 * ctrl_model_txn ("hosts[2].vtep: ..."); rows equal to the current ones are no change. An
 * empty difference still returns 0 but leaves the version as it was.
 */
int ctrl_model_replace(struct ctrl_model *m, const json_t *doc, json_t **changes, char *err);

/** The whole desired state in the document form of ctrl_model_replace (new reference). */
json_t *ctrl_model_dump(const struct ctrl_model *m);
/** The rows of one table (singular or plural name) as an array, or NULL for no such table. */
json_t *ctrl_model_table(const struct ctrl_model *m, const char *table);
/** The row of table whose key members row holds (other members ignored), or NULL (borrowed
 *  reference, valid until the next change). */
const json_t *ctrl_model_find(const struct ctrl_model *m, const char *table, const json_t *row);

/** Whether a port of vpc bound to host has the address addr (IPv4 or IPv6). */
bool ctrl_model_port_has(const struct ctrl_model *m, const char *host, const char *vpc,
			 const char *addr);

/** Names of the hosts (array of strings, new reference), in name order. */
json_t *ctrl_model_hosts(const struct ctrl_model *m);

/**
 * The hosts whose view the changes of one transaction may alter (array of names, new
 * reference): hosts with a port, before or after, in a VPC a changed row belongs to, the
 * hosts named by changed host rows and every host sharing a VPC with them.
 */
json_t *ctrl_model_affected_hosts(const struct ctrl_model *m, const json_t *changes);

/**
 * Everything the switch of host must hold, in the switch's sync document form (canonical
 * rows; "remotes" derived): the VPCs of its bound ports and, for each, its subnets, security
 * groups and rules, DHCP options, ECMP groups, routes and load balancers; its own ports
 * (without "host"); and a remote row for every other port of those VPCs bound to another
 * host (mac, ips, security groups, vtep = that host's vtep). A route whose next hop is a
 * port of another host becomes a route to that port's address of the prefix's family (left
 * out where it has none). A host with no port, or unknown, gets the empty document. New
 * reference, or NULL on allocation failure. The document is the inner state (every switch
 * table's plural, [] when empty): send it as {"state": view}. Its rows are shared with the
 * model and with earlier views (that is how ctrl_view_diff finds unchanged rows by pointer):
 * read them, never edit them in place.
 */
json_t *ctrl_view(const struct ctrl_model *m, const char *host);

/**
 * The txn ops ({"ops": [...]}, new reference) that turn a switch holding view `have` into
 * one holding `want`: deletes first, in reverse dependency order, then inserts and modifies
 * in dependency order. {"ops": []} when equal. If the switch refuses them, a sync of `want`
 * is always a correct fallback.
 */
json_t *ctrl_view_diff(const json_t *have, const json_t *want);

#endif
