/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpcctl output: one call prints a result either as an aligned text table or as JSON,
 * so both forms always carry the same data.
 */
#ifndef VPCSW_VPCCTL_PRINT_H
#define VPCSW_VPCCTL_PRINT_H

#include <jansson.h>
#include <stdbool.h>

struct print_col {
	const char *title;
	const char *path; /* member path inside a row: "name", "stats.rx_packets" */
};

extern bool print_json;

/** Print an array of row objects: a table (text) or the array itself (JSON). */
void print_rows(const struct print_col *cols, const json_t *rows);
/** Print a whole object: JSON as is, text as indented "key: value" lines. */
void print_object(const json_t *obj);
/**
 * Print security groups, [{"vpc", "name", "rules": [rule row, ...]}, ...]: the array itself
 * (JSON), or one line per rule, "blue/web  ingress ipv4 tcp 80 from 10.0.0.0/8" (text), with
 * a trailing "hits N" column when the rules carry a "hits" count.
 */
void print_sgs(const json_t *groups);
/** Print route rows: the array itself (JSON), or VPC, PREFIX and the next hop in words
 *  ("via 10.0.1.5", "port fw1", "vtep 192.0.2.7", "ecmp fw", "blackhole") (text). */
void print_routes(const json_t *routes);
/** Print dhcp_options rows: the array itself (JSON), or a table whose ROUTES column lists
 *  each classless route as PREFIX>ROUTER (text). */
void print_dhcp(const json_t *options);

#endif
