/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text and JSON rendering for vpcctl (see vpcctl_print.h). Text tables size each column to
 * its widest cell; arrays print comma-joined; a missing member prints "-".
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
