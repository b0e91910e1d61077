/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JSON form of every table row, shared by the southbound protocol, `vpcctl apply -f`
 * files and `-o json` output. Decoding is strict: unknown members, wrong types and
 * malformed addresses are errors naming the field.
 */
#ifndef VPCSW_CFG_JSON_H
#define VPCSW_CFG_JSON_H

#include <jansson.h>

#include "cfg.h"

/** "vpc", "subnet", "security_group", "security_group_rule", "port", "remote",
 *  "dhcp_options", "ecmp_group", "route" (plurals accepted). Returns the table id or -1. */
int cfg_table_parse(const char *name);
/** 0 when j is an object whose members are all in allowed (NULL-terminated); else -EINVAL
 *  and "WHAT.member: unknown member" (or "WHAT: must be a JSON object") in err. */
int cfg_check_members(const json_t *j, const char *what, const char *const *allowed,
		      char *err);
/** "tcp", "udp", "icmp", "icmpv6", "any" (0), or NULL for a protocol without a name. */
const char *cfg_proto_name(uint8_t proto);
const char *cfg_table_name(enum cfg_table_id t);
/** "vpcs", "subnets", ...: the table's member in a whole-state document. */
const char *cfg_table_plural(enum cfg_table_id t);
size_t cfg_row_size(enum cfg_table_id t);

/* Room for a row of any table (cfg_row_decode's output). */
union cfg_row {
	struct cfg_vpc v;
	struct cfg_subnet s;
	struct cfg_sg g;
	struct cfg_sg_rule sr;
	struct cfg_port p;
	struct cfg_remote rm;
	struct cfg_dhcp_options d;
	struct cfg_ecmp_group e;
	struct cfg_route rt;
	struct cfg_lb lb;
	struct cfg_lb_listener ll;
	struct cfg_lb_backend lbb;
};

/** Decode a whole row. sock_dir: where a port without "socket" gets <sock_dir>/<name>.sock
 *  (NULL: "socket" is required). Returns 0 or -EINVAL with err filled. */
int cfg_row_decode(enum cfg_table_id t, const json_t *j, const char *sock_dir, void *row,
		   char *err);
/** Decode only the key members of a row (for delete): every member for a security group
 *  rule, which is all key. Returns 0 or -EINVAL. */
int cfg_key_decode(enum cfg_table_id t, const json_t *j, void *row, char *err);
json_t *cfg_row_encode(enum cfg_table_id t, const void *row);

/** Decode a whole-state document {"vpcs":[..],"subnets":[..],...,"routes":[..]}
 *  (one member per table, by its plural) into a fresh state, inserting the tables in
 *  dependency order whatever the document's and checking every row as it is inserted.
 *  Returns 0 or -errno with err filled. */
int cfg_state_decode(const json_t *doc, const char *sock_dir, struct cfg **out, char *err);
json_t *cfg_state_encode(const struct cfg *c);
/** Rows of one table as a JSON array. */
json_t *cfg_table_encode(const struct cfg *c, enum cfg_table_id t);

/** Apply one edit to c: insert/modify/delete a row of table t. Returns as cfg_*_insert;
 *  modify of a security group or rule is -EINVAL (they have no member outside the key). */
int cfg_apply_op(struct cfg *c, const char *op, enum cfg_table_id t, const json_t *row,
		 const char *sock_dir, char *err);

#endif
