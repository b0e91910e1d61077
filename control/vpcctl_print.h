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

#endif
