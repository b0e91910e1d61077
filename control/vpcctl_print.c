/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text and JSON rendering for vpcctl (see vpcctl_print.h). Text tables size each column to
 * its widest cell; arrays print comma-joined; a missing member prints "-". Security groups
 * print as one line of words per rule.
 */
#include "vpcctl_print.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool print_json;

static const json_t *lookup(const json_t *row, const char *path)
{
	char buf[128], *save = NULL, *part;
	const json_t *v = row;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part != NULL && v != NULL;
	     part = strtok_r(NULL, ".", &save))
		v = json_object_get(v, part);
	return v;
}

static void cell(const json_t *v, char *out, size_t size)
{
	size_t i, off = 0;
	json_t *e;

	if (v == NULL || json_is_null(v)) {
		snprintf(out, size, "-");
	} else if (json_is_string(v)) {
		snprintf(out, size, "%s", json_string_value(v));
	} else if (json_is_integer(v)) {
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		snprintf(out, size, "%.1f", json_real_value(v));
	} else if (json_is_boolean(v)) {
		snprintf(out, size, "%s", json_is_true(v) ? "yes" : "no");
	} else if (json_is_array(v)) {
		out[0] = '\0';
		json_array_foreach(v, i, e)
		{
			char one[128];

			cell(e, one, sizeof(one));
			if (off >= size)
				break; /* full: the cell shows what fits */
			off += (size_t)snprintf(out + off, size - off, "%s%s", i ? "," : "", one);
		}
		if (json_array_size(v) == 0)
			snprintf(out, size, "-");
	} else {
		char *s = json_dumps(v, JSON_COMPACT);

		snprintf(out, size, "%s", s ? s : "?");
		free(s);
	}
}

static void dump_json(const json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	printf("%s\n", s ? s : "null");
	free(s);
}

/* The last column is not padded: no trailing blanks for diff or grep. */
static void print_cell(const char *text, int width, bool last)
{
	if (last)
		printf("%s\n", text);
	else
		printf("%-*s  ", width, text);
}

void print_rows(const struct print_col *cols, const json_t *rows)
{
	size_t n_cols = 0, widths[32] = {0}, r;
	char text[256];
	json_t *row;

	if (print_json) {
		dump_json(rows);
		return;
	}
	while (cols[n_cols].title != NULL && n_cols < 32)
		n_cols++;
	for (size_t c = 0; c < n_cols; c++)
		widths[c] = strlen(cols[c].title);
	json_array_foreach(rows, r, row)
	{
		for (size_t c = 0; c < n_cols; c++) {
			cell(lookup(row, cols[c].path), text, sizeof(text));
			if (strlen(text) > widths[c])
				widths[c] = strlen(text);
		}
	}
	for (size_t c = 0; c < n_cols; c++)
		print_cell(cols[c].title, (int)widths[c], c + 1 == n_cols);
	json_array_foreach(rows, r, row)
	{
		for (size_t c = 0; c < n_cols; c++) {
			cell(lookup(row, cols[c].path), text, sizeof(text));
			print_cell(text, (int)widths[c], c + 1 == n_cols);
		}
	}
}

static void print_indented(const json_t *obj, int depth)
{
	const char *key;
	json_t *v;
	char text[256];

	json_object_foreach((json_t *)obj, key, v)
	{
		if (json_is_object(v)) {
			printf("%*s%s:\n", depth * 2, "", key);
			print_indented(v, depth + 1);
		} else {
			cell(v, text, sizeof(text));
			printf("%*s%s: %s\n", depth * 2, "", key, text);
		}
	}
}

void print_object(const json_t *obj)
{
	if (print_json)
		dump_json(obj);
	else
		print_indented(obj, 0);
}

/* A rule row (cfg_json's normalized encoding) as words: "ingress ipv4 tcp 80 from any". */
static void rule_text(const json_t *r, char *out, size_t size)
{
	const char *dir = json_string_value(json_object_get(r, "direction"));
	const char *family = json_string_value(json_object_get(r, "family"));
	const json_t *proto = json_object_get(r, "protocol"), *ports = json_object_get(r, "ports");
	const json_t *type = json_object_get(r, "icmp_type");
	const json_t *code = json_object_get(r, "icmp_code");
	const char *remote = json_string_value(json_object_get(r, "remote"));
	const char *group = json_string_value(json_object_get(r, "remote_group"));
	bool egress = dir != NULL && strcmp(dir, "egress") == 0;
	size_t off = 0;

#define ADD(...)                                                                                   \
	do {                                                                                       \
		if (off < size)                                                                    \
			off += (size_t)snprintf(out + off, size - off, __VA_ARGS__);               \
	} while (0)
	ADD("%s %s", dir != NULL ? dir : "?", family != NULL ? family : "ipv4+ipv6");
	if (json_is_string(proto))
		ADD(" %s", json_string_value(proto));
	else if (json_is_integer(proto))
		ADD(" proto %lld", (long long)json_integer_value(proto));
	else
		ADD(" any");
	if (json_is_string(ports))
		ADD(" %s", json_string_value(ports));
	if (json_is_integer(type))
		ADD(" type %lld", (long long)json_integer_value(type));
	if (json_is_integer(code))
		ADD(" code %lld", (long long)json_integer_value(code));
	if (group != NULL)
		ADD(" %s group %s", egress ? "to" : "from", group);
	else
		ADD(" %s %s", egress ? "to" : "from", remote != NULL ? remote : "any");
#undef ADD
}

static void group_label(const json_t *g, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", json_string_value(json_object_get(g, "vpc")),
		 json_string_value(json_object_get(g, "name")));
}

void print_sgs(const json_t *groups)
{
	size_t label_w = 0, rule_w = 0, i, j;
	char label[80], text[256], count[32];
	bool hits = false;
	json_t *g, *r;

	if (print_json) {
		dump_json(groups);
		return;
	}
	/* widths first, so the hits column lines up */
	json_array_foreach(groups, i, g)
	{
		group_label(g, label, sizeof(label));
		if (strlen(label) > label_w)
			label_w = strlen(label);
		json_array_foreach(json_object_get(g, "rules"), j, r)
		{
			rule_text(r, text, sizeof(text));
			if (strlen(text) > rule_w)
				rule_w = strlen(text);
			hits |= json_object_get(r, "hits") != NULL;
		}
	}
	json_array_foreach(groups, i, g)
	{
		group_label(g, label, sizeof(label));
		if (json_array_size(json_object_get(g, "rules")) == 0)
			printf("%-*s  (no rules)\n", (int)label_w, label);
		json_array_foreach(json_object_get(g, "rules"), j, r)
		{
			rule_text(r, text, sizeof(text));
			if (!hits) {
				printf("%-*s  %s\n", (int)label_w, label, text);
				continue;
			}
			cell(json_object_get(r, "hits"), count, sizeof(count));
			printf("%-*s  %-*s  hits %s\n", (int)label_w, label, (int)rule_w, text,
			       count);
		}
	}
}

/* A route row's next hop as words: "via 10.0.1.5", "port fw1", "blackhole". */
static void next_hop_text(const json_t *r, char *out, size_t size)
{
	static const char *const kinds[] = {"via", "port", "vtep", "ecmp"};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *v = json_string_value(json_object_get(r, kinds[i]));

		if (v != NULL) {
			snprintf(out, size, "%s %s", kinds[i], v);
			return;
		}
	}
	snprintf(out, size, "%s",
		 json_is_true(json_object_get(r, "blackhole")) ? "blackhole" : "-");
}

void print_routes(const json_t *routes)
{
	static const struct print_col cols[] = {
		{"VPC", "vpc"}, {"PREFIX", "prefix"}, {"NEXT-HOP", "next_hop"}, {NULL, NULL}};
	json_t *shown, *r;
	char text[128];
	size_t i;

	if (print_json) {
		dump_json(routes);
		return;
	}
	shown = json_array();
	json_array_foreach(routes, i, r)
	{
		json_t *row = json_deep_copy(r);

		next_hop_text(r, text, sizeof(text));
		json_object_set_new(row, "next_hop", json_string(text));
		json_array_append_new(shown, row);
	}
	print_rows(cols, shown);
	json_decref(shown);
}

/* Option 121 routes as "10.2.0.0/16>10.0.0.1", an empty domain as "-". */
void print_dhcp(const json_t *options)
{
	static const struct print_col cols[] = {
		{"VPC", "vpc"},		 {"SUBNET", "subnet"}, {"DNS", "dns"}, {"DOMAIN", "domain"},
		{"LEASE", "lease_time"}, {"ROUTES", "routes"}, {NULL, NULL}};
	json_t *shown, *o, *route;
	char text[128];
	size_t i, j;

	if (print_json) {
		dump_json(options);
		return;
	}
	shown = json_array();
	json_array_foreach(options, i, o)
	{
		json_t *row = json_deep_copy(o), *routes = json_array();
		const char *domain = json_string_value(json_object_get(o, "domain"));

		json_array_foreach(json_object_get(o, "routes"), j, route)
		{
			snprintf(text, sizeof(text), "%s>%s",
				 json_string_value(json_object_get(route, "prefix")),
				 json_string_value(json_object_get(route, "router")));
			json_array_append_new(routes, json_string(text));
		}
		json_object_set_new(row, "routes", routes);
		if (domain != NULL && domain[0] == '\0')
			json_object_del(row, "domain");
		json_array_append_new(shown, row);
	}
	print_rows(cols, shown);
	json_decref(shown);
}
