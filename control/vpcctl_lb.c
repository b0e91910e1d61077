/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpcctl's load balancer commands: lb add|set|del, lb listener ..., lb backend ..., and
 * show lb (docs/load-balancer.md). Each edit is one transaction on one row; the switch
 * checks it and says what is wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_proto.h"
#include "vpcctl.h"
#include "vpcctl_print.h"

static int usage(const char *what)
{
	fprintf(stderr, "vpcctl: usage: %s\n", what);
	return 2;
}

/* A listener or backend port argument. */
static json_t *port_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 65535) {
		fprintf(stderr, "vpcctl: '%s' is not a port number\n", s);
		return NULL;
	}
	return json_integer(v);
}

static int lb_edit(const char *op, int argc, char **argv)
{
	static const char *const strs[] = {"vip", "on-backend-removed", NULL};
	static const char *const ints[] = {"affinity-timeout", NULL};
	json_t *row = json_pack("{s:s, s:s}", "vpc", argv[0], "name", argv[1]);

	if (vpcctl_pairs(argc - 2, argv + 2, row, strs, ints) != 0) {
		json_decref(row);
		return 2;
	}
	return vpcctl_txn_one(op, "load_balancer", row);
}

int vpcctl_lb_add(int argc, char **argv)
{
	return lb_edit("insert", argc, argv);
}

int vpcctl_lb_set(int argc, char **argv)
{
	return lb_edit("modify", argc, argv);
}

int vpcctl_lb_del(int argc, char **argv)
{
	if (argc != 2)
		return usage("lb del VPC NAME");
	return vpcctl_txn_one("delete", "load_balancer",
			      json_pack("{s:s, s:s}", "vpc", argv[0], "name", argv[1]));
}

/* add|set|del -> the op; NULL (printed) if it is none of them. */
static const char *op_of(const char *verb, const char *what)
{
	if (strcmp(verb, "add") == 0)
		return "insert";
	if (strcmp(verb, "set") == 0)
		return "modify";
	if (strcmp(verb, "del") == 0)
		return "delete";
	fprintf(stderr, "vpcctl: %s: '%s' is not add, set or del\n", what, verb);
	return NULL;
}

/* argv: VPC LB PROTO PORT: the listener's key members of a row. */
static json_t *listener_key(char **argv)
{
	json_t *port = port_arg(argv[3]);

	if (port == NULL)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:o}", "vpc", argv[0], "lb", argv[1], "protocol", argv[2],
			 "port", port);
}

/* Moves member from of `from` to `to` in row (renamed), if present. */
static void move_member(json_t *from, const char *key, json_t *to, const char *as)
{
	json_t *v = json_object_get(from, key);

	if (v != NULL) {
		json_object_set(to, as, v);
		json_object_del(from, key);
	}
}

int vpcctl_lb_listener(int argc, char **argv)
{
	static const char *const strs[] = {"health", "health-path", NULL};
	static const char *const ints[] = {"health-port", "interval-ms", "timeout-ms",
					   "rise",	  "fall",	 NULL};
	const char *op = op_of(argv[0], "lb listener");
	json_t *row, *opts, *hc;

	if (op == NULL || (row = listener_key(argv + 1)) == NULL)
		return 2;
	opts = json_object();
	if (vpcctl_pairs(argc - 5, argv + 5, opts, strs, ints) != 0) {
		json_decref(opts);
		json_decref(row);
		return 2;
	}
	if (json_object_size(opts) > 0) {
		hc = json_object();
		move_member(opts, "health", hc, "type");
		move_member(opts, "health_port", hc, "port");
		move_member(opts, "health_path", hc, "path");
		json_object_update(hc, opts);
		json_object_set_new(row, "health_check", hc);
	}
	json_decref(opts);
	return vpcctl_txn_one(op, "lb_listener", row);
}

int vpcctl_lb_backend(int argc, char **argv)
{
	static const char *const strs[] = {"state", NULL};
	static const char *const ints[] = {"port", "weight", NULL};
	const char *op = op_of(argv[0], "lb backend");
	json_t *row, *opts;

	if (op == NULL || (row = listener_key(argv + 1)) == NULL)
		return 2;
	json_object_set_new(row, "address", json_string(argv[5]));
	opts = json_object();
	if (vpcctl_pairs(argc - 6, argv + 6, opts, strs, ints) != 0) {
		json_decref(opts);
		json_decref(row);
		return 2;
	}
	move_member(opts, "port", row, "backend_port");
	json_object_update(row, opts);
	json_decref(opts);
	return vpcctl_txn_one(op, "lb_backend", row);
}

int vpcctl_show_lb(int argc, char **argv)
{
	static const struct print_col cols[] = {{"VPC", "vpc"},
						{"LB", "lb"},
						{"VIP", "vip"},
						{"PROTO", "protocol"},
						{"PORT", "port"},
						{"BACKEND", "address"},
						{"BPORT", "backend_port"},
						{"WEIGHT", "weight"},
						{"STATE", "state"},
						{"HEALTH", "health"},
						{"CONNECTIONS", "connections"},
						{"WHY", "health_reason"},
						{NULL, NULL}};
	json_t *reply = NULL, *rows, *l, *b;
	size_t i, j;
	int rc = vpcctl_call(SB_STATS_REQUEST, json_pack("{s:s}", "kind", "lb"), &reply);

	if (rc != 0)
		return rc;
	rows = json_array();
	json_array_foreach(json_object_get(reply, "listeners"), i, l)
	{
		if (argc > 0 && strcmp(json_string_value(json_object_get(l, "vpc")), argv[0]) != 0)
			continue;
		if (print_json) {
			json_array_append(rows, l);
			continue;
		}
		json_array_foreach(json_object_get(l, "backends"), j, b)
		{
			json_t *r = json_deep_copy(l);

			json_object_del(r, "backends");
			json_object_update(r, b);
			json_array_append_new(rows, r);
		}
	}
	if (print_json)
		print_object(rows);
	else
		print_rows(cols, rows);
	json_decref(rows);
	json_decref(reply);
	return 0;
}
