/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpcctl: the operator's command line. Every command is one southbound request on the
 * switch's management socket; edits are transactions, so a rejected command changes nothing.
 * Commands dispatch from a plain table; every result prints as text or, with -o json, JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_json.h"
#include "sb_client.h"
#include "sb_proto.h"
#include "vpcctl.h"
#include "vpcctl_print.h"

#define DEFAULT_SOCKET "/run/vpcswitch/vpcswitchd.sock"

const char *vpcctl_sock_path = DEFAULT_SOCKET;

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "vpcctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	return 2;
}

void vpcctl_print_refusal(const json_t *e)
{
	if (print_json) {
		char *s = json_dumps(e, JSON_INDENT(2));

		fprintf(stderr, "%s\n", s);
		free(s);
	} else {
		fprintf(stderr, "vpcctl: error (%s): %s\n",
			json_string_value(json_object_get(e, "code")),
			json_string_value(json_object_get(e, "message")));
	}
}

int vpcctl_call_on(struct sb_client *c, uint8_t type, json_t *body, json_t **reply)
{
	char err[256];
	uint8_t rtype;
	int rc = sb_client_call(c, type, body, &rtype, reply, err);

	json_decref(body);
	if (rc < 0) {
		fprintf(stderr, "vpcctl: %s\n", err);
		return 1;
	}
	if (rtype == SB_ERROR) {
		vpcctl_print_refusal(*reply);
		json_decref(*reply);
		*reply = NULL;
		return 1;
	}
	return 0;
}

int vpcctl_call(uint8_t type, json_t *body, json_t **reply)
{
	char err[256];
	struct sb_client *c;
	int rc;

	if (vpcctl_controller_url != NULL)
		return vpcctl_ctrl_call(type, body, reply);
	c = sb_client_open(vpcctl_sock_path, false, err);
	if (c == NULL) {
		fprintf(stderr, "vpcctl: %s\n", err);
		json_decref(body);
		return 1;
	}
	rc = vpcctl_call_on(c, type, body, reply);
	sb_client_close(c);
	return rc;
}

/* One transaction of all ops ([{op, table, row}, ...]; taken). */
static int txn(json_t *ops)
{
	json_t *reply = NULL;
	int rc = vpcctl_call(SB_TXN, json_pack("{s:o}", "ops", ops), &reply);

	if (rc == 0 && print_json)
		print_object(reply);
	json_decref(reply);
	return rc;
}

static int txn_one(const char *op, const char *table, json_t *row)
{
	return txn(json_pack("[{s:s, s:s, s:o}]", "op", op, "table", table, "row", row));
}

int vpcctl_txn_one(const char *op, const char *table, json_t *row)
{
	return txn_one(op, table, row);
}

/* A repeatable option and the array member it appends to: "ip" -> "ips". */
struct multi {
	const char *opt, *key;
};

static const char *const none[] = {NULL};
static const struct multi no_multi[] = {{NULL, NULL}};
static const struct multi endpoint_multi[] = {
	{"ip", "ips"}, {"sg", "security_groups"}, {NULL, NULL}};

/* An option's member name: "gateway-mac" -> "gateway_mac". */
static void member_name(const char *opt, char *key, size_t size)
{
	snprintf(key, size, "%s", opt);
	for (char *p = key; *p; p++)
		if (*p == '-')
			*p = '_';
}

/* "key value" pairs after the positional arguments. */
static int parse_pairs(int argc, char **argv, json_t *row, const char *const *strs,
		       const char *const *ints, const struct multi *multis)
{
	for (int i = 0; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool known = false;
		char key[32];

		if (v == NULL)
			return usage_error("'%s' needs a value", k);
		member_name(k, key, sizeof(key));
		if (strcmp(k, "forwarding") == 0) { /* the one boolean option: on or off */
			if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
				return usage_error("'forwarding' takes on or off, not '%s'", v);
			json_object_set_new(row, key, json_boolean(strcmp(v, "on") == 0));
			known = true;
		}
		for (const char *const *s = strs; *s != NULL; s++)
			if (strcmp(k, *s) == 0) {
				json_object_set_new(row, key, json_string(v));
				known = true;
			}
		for (const char *const *s = ints; *s != NULL; s++)
			if (strcmp(k, *s) == 0) {
				char *end;
				long long n = strtoll(v, &end, 10);

				if (*end != '\0' || end == v)
					return usage_error("'%s' is not a number", v);
				json_object_set_new(row, key, json_integer(n));
				known = true;
			}
		for (const struct multi *m = multis; m->opt != NULL; m++)
			if (strcmp(k, m->opt) == 0) {
				json_t *a = json_object_get(row, m->key);

				if (a == NULL)
					json_object_set_new(row, m->key, a = json_array());
				json_array_append_new(a, json_string(v));
				known = true;
			}
		if (!known)
			return usage_error("unknown option '%s'", k);
	}
	return 0;
}

int vpcctl_pairs(int argc, char **argv, json_t *row, const char *const *strs,
		 const char *const *ints)
{
	return parse_pairs(argc, argv, row, strs, ints, no_multi);
}

static int vpc_add(int argc, char **argv)
{
	static const char *const strs[] = {"encap", NULL};
	static const char *const ints[] = {"vni", "mtu", NULL};
	json_t *row = json_pack("{s:s}", "name", argv[0]);

	if (parse_pairs(argc - 1, argv + 1, row, strs, ints, no_multi) != 0) {
		json_decref(row);
		return 2;
	}
	return txn_one("insert", "vpc", row);
}

static int vpc_del(int argc, char **argv)
{
	(void)argc;
	return txn_one("delete", "vpc", json_pack("{s:s}", "name", argv[0]));
}

static int show_table(const char *table, const struct print_col *cols)
{
	json_t *reply = NULL;
	int rc = vpcctl_call(SB_DUMP_REQUEST, json_pack("{s:s}", "table", table), &reply);

	if (rc == 0)
		print_rows(cols, json_object_get(reply, "rows"));
	json_decref(reply);
	return rc;
}

static int vpc_show(int argc, char **argv)
{
	static const struct print_col cols[] = {
		{"NAME", "name"}, {"VNI", "vni"}, {"ENCAP", "encap"}, {"MTU", "mtu"}, {NULL, NULL}};

	(void)argc;
	(void)argv;
	return show_table("vpc", cols);
}

static int subnet_add(int argc, char **argv)
{
	static const char *const strs[] = {"gateway", "gateway-mac", NULL};
	json_t *row = json_pack("{s:s, s:s}", "vpc", argv[0], "cidr", argv[1]);

	if (parse_pairs(argc - 2, argv + 2, row, strs, none, no_multi) != 0) {
		json_decref(row);
		return 2;
	}
	return txn_one("insert", "subnet", row);
}

static int subnet_del(int argc, char **argv)
{
	(void)argc;
	return txn_one("delete", "subnet", json_pack("{s:s, s:s}", "vpc", argv[0], "cidr", argv[1]));
}

static int subnet_show(int argc, char **argv)
{
	static const struct print_col cols[] = {{"VPC", "vpc"},
						{"CIDR", "cidr"},
						{"GATEWAY", "gateway"},
						{"GATEWAY-MAC", "gateway_mac"},
						{NULL, NULL}};

	(void)argc;
	(void)argv;
	return show_table("subnet", cols);
}

static int remote_add(int argc, char **argv)
{
	static const char *const strs[] = {"vtep", NULL};
	json_t *row = json_pack("{s:s, s:s}", "vpc", argv[0], "mac", argv[1]);

	if (parse_pairs(argc - 2, argv + 2, row, strs, none, endpoint_multi) != 0) {
		json_decref(row);
		return 2;
	}
	return txn_one("insert", "remote", row);
}

static int remote_del(int argc, char **argv)
{
	(void)argc;
	return txn_one("delete", "remote", json_pack("{s:s, s:s}", "vpc", argv[0], "mac", argv[1]));
}

static int remote_show(int argc, char **argv)
{
	static const struct print_col cols[] = {{"VPC", "vpc"},
						{"MAC", "mac"},
						{"IPS", "ips"},
						{"VTEP", "vtep"},
						{"SECURITY-GROUPS", "security_groups"},
						{NULL, NULL}};

	(void)argc;
	(void)argv;
	return show_table("remote", cols);
}

static const char *const port_strs[] = {"vpc", "mac", "socket", "mode", "dpdk", NULL};
/* The controller's port row also says which host it is bound to. */
static const char *const port_strs_ctrl[] = {"vpc", "mac", "socket", "mode", "dpdk", "host", NULL};
#define PORT_STRS (vpcctl_controller_url != NULL ? port_strs_ctrl : port_strs)
static const char *const port_ints[] = {"queues", "max-connections", NULL};

static int port_add(int argc, char **argv)
{
	json_t *row = json_pack("{s:s}", "name", argv[0]);

	if (parse_pairs(argc - 1, argv + 1, row, PORT_STRS, port_ints, endpoint_multi) != 0) {
		json_decref(row);
		return 2;
	}
	return txn_one("insert", "port", row);
}

/* Read the port's row, change what the options name (any "ip" replaces the whole list of
 * addresses, any "sg" that of groups), send it back as a modify: the switch validates it as
 * a whole. */
static int port_set(int argc, char **argv)
{
	json_t *reply = NULL, *changes = json_object(), *row = NULL, *r;
	size_t i;
	int rc;

	if (parse_pairs(argc - 1, argv + 1, changes, PORT_STRS, port_ints, endpoint_multi) != 0) {
		json_decref(changes);
		return 2;
	}
	rc = vpcctl_call(SB_DUMP_REQUEST, json_pack("{s:s}", "table", "port"), &reply);
	if (rc != 0) {
		json_decref(changes);
		return rc;
	}
	json_array_foreach(json_object_get(reply, "rows"), i, r)
	{
		if (strcmp(json_string_value(json_object_get(r, "name")), argv[0]) == 0)
			row = json_deep_copy(r);
	}
	json_decref(reply);
	if (row == NULL) {
		json_decref(changes);
		fprintf(stderr, "vpcctl: no port '%s'\n", argv[0]);
		return 1;
	}
	json_object_update(row, changes);
	json_decref(changes);
	return txn_one("modify", "port", row);
}

static int port_del(int argc, char **argv)
{
	(void)argc;
	return txn_one("delete", "port", json_pack("{s:s}", "name", argv[0]));
}

/* ---- security groups ---- */

/* A new group allows all egress, as in every cloud: a VM whose group has only ingress rules
 * would otherwise be cut off (DNS, updates) by surprise. The rules are ordinary rules the
 * user may delete; the switch itself has no implicit allow. */
static json_t *default_egress_op(const char *vpc, const char *group, const char *family,
				 const char *any)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "op", "insert", "table",
			 "security_group_rule", "row", "vpc", vpc, "group", group, "direction",
			 "egress", "family", family, "remote", any);
}

static int sg_add(int argc, char **argv)
{
	json_t *ops;

	if (argc > 3 || (argc == 3 && strcmp(argv[2], "no-default-egress") != 0))
		return usage_error("sg add: unexpected '%s' (only no-default-egress)",
				   argv[argc - 1]);
	ops = json_pack("[{s:s, s:s, s:{s:s, s:s}}]", "op", "insert", "table", "security_group",
			"row", "vpc", argv[0], "name", argv[1]);
	if (argc == 2) {
		json_array_append_new(ops,
				      default_egress_op(argv[0], argv[1], "ipv4", "0.0.0.0/0"));
		json_array_append_new(ops, default_egress_op(argv[0], argv[1], "ipv6", "::/0"));
	}
	return txn(ops);
}

static int sg_del(int argc, char **argv)
{
	(void)argc;
	return txn_one("delete", "security_group",
		       json_pack("{s:s, s:s}", "vpc", argv[0], "name", argv[1]));
}

/* argv: add|del VPC GROUP ingress|egress, then options. A rule is all key, so "del" takes
 * the same options as "add" and removes the rule that says exactly that. */
static int sg_rule(int argc, char **argv)
{
	static const char *const strs[] = {"ports", "remote", "remote-group", "family",
					   "proto", NULL};
	static const char *const ints[] = {"icmp-type", "icmp-code", NULL};
	json_t *row, *proto;
	char *end;
	long n;

	if (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "del") != 0)
		return usage_error("sg rule: '%s' is neither add nor del", argv[0]);
	row = json_pack("{s:s, s:s, s:s}", "vpc", argv[1], "group", argv[2], "direction",
			argv[3]);
	if (parse_pairs(argc - 4, argv + 4, row, strs, ints, no_multi) != 0) {
		json_decref(row);
		return 2;
	}
	/* "proto 47" is the number, "proto tcp" the name */
	proto = json_object_get(row, "proto");
	if (proto != NULL) {
		n = strtol(json_string_value(proto), &end, 10);
		json_object_set_new(row, "protocol",
				    *end == '\0' && end != json_string_value(proto)
					    ? json_integer(n)
					    : json_string(json_string_value(proto)));
		json_object_del(row, "proto");
	}
	return txn_one(strcmp(argv[0], "add") == 0 ? "insert" : "delete", "security_group_rule",
		       row);
}

/* Groups (of one VPC, or all) from a dump, each with its rules and their hit counts. */
static int sg_show(int argc, char **argv)
{
	json_t *reply = NULL, *groups, *by_key, *g, *r;
	char key[2 * CFG_NAME_SIZE + 1];
	size_t i;
	int rc = vpcctl_call(SB_DUMP_REQUEST, json_object(), &reply);

	if (rc != 0)
		return rc;
	groups = json_array();
	by_key = json_object();
	json_array_foreach(json_object_get(reply, "security_groups"), i, g)
	{
		const char *vpc = json_string_value(json_object_get(g, "vpc"));
		json_t *copy;

		if (vpc == NULL || (argc > 0 && strcmp(vpc, argv[0]) != 0))
			continue;
		copy = json_pack("{s:O, s:O, s:[]}", "vpc", json_object_get(g, "vpc"), "name",
				 json_object_get(g, "name"), "rules");
		snprintf(key, sizeof(key), "%s/%s", vpc,
			 json_string_value(json_object_get(g, "name")));
		json_object_set(by_key, key, copy);
		json_array_append_new(groups, copy);
	}
	/* the rules with their ids and hit counts, as the switch counts them */
	json_t *stats = NULL;

	rc = vpcctl_call(SB_STATS_REQUEST, json_pack("{s:s}", "kind", "sg_rules"), &stats);
	if (rc != 0) {
		json_decref(by_key);
		json_decref(groups);
		json_decref(reply);
		return rc;
	}
	json_array_foreach(json_object_get(stats, "rules"), i, r)
	{
		snprintf(key, sizeof(key), "%s/%s", json_string_value(json_object_get(r, "vpc")),
			 json_string_value(json_object_get(r, "group")));
		g = json_object_get(by_key, key);
		if (g != NULL)
			json_array_append(json_object_get(g, "rules"), r);
	}
	print_sgs(groups);
	json_decref(stats);
	json_decref(by_key);
	json_decref(groups);
	json_decref(reply);
	return 0;
}

/* ---- routes, ECMP groups, DHCP options ---- */

/* One table's rows from a dump, those of vpc only (NULL: all); NULL when the call failed. */
static json_t *dump_rows(const char *table, const char *vpc)
{
	json_t *reply = NULL, *rows, *r;
	size_t i;

	if (vpcctl_call(SB_DUMP_REQUEST, json_pack("{s:s}", "table", table), &reply) != 0)
		return NULL;
	rows = json_array();
	json_array_foreach(json_object_get(reply, "rows"), i, r)
	{
		const char *v = json_string_value(json_object_get(r, "vpc"));

		if (vpc == NULL || (v != NULL && strcmp(v, vpc) == 0))
			json_array_append(rows, r);
	}
	json_decref(reply);
	return rows;
}

/* argv: VPC PREFIX via IP | port NAME | vtep IP | ecmp GROUP | blackhole */
static json_t *route_row(int argc, char **argv)
{
	static const char *const kinds[] = {"via", "port", "vtep", "ecmp"};
	json_t *row = json_pack("{s:s, s:s}", "vpc", argv[0], "prefix", argv[1]);

	if (strcmp(argv[2], "blackhole") == 0 && argc == 3) {
		json_object_set_new(row, "blackhole", json_true());
		return row;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(argv[2], kinds[i]) == 0 && argc == 4) {
			json_object_set_new(row, kinds[i], json_string(argv[3]));
			return row;
		}
	json_decref(row);
	usage_error("route: '%s ...' is not one next hop (via IP, port NAME, vtep IP, ecmp GROUP "
		    "or blackhole)",
		    argv[2]);
	return NULL;
}

static int route_add(int argc, char **argv)
{
	json_t *row = route_row(argc, argv);

	return row == NULL ? 2 : txn_one("insert", "route", row);
}

static int route_set(int argc, char **argv)
{
	json_t *row = route_row(argc, argv);

	return row == NULL ? 2 : txn_one("modify", "route", row);
}

static int route_del(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("route del: unexpected '%s' (route del VPC PREFIX)", argv[2]);
	return txn_one("delete", "route",
		       json_pack("{s:s, s:s}", "vpc", argv[0], "prefix", argv[1]));
}

static int show_routes(int argc, char **argv)
{
	json_t *rows = dump_rows("route", argc > 0 ? argv[0] : NULL);

	if (rows == NULL)
		return 1;
	print_routes(rows);
	json_decref(rows);
	return 0;
}

/* argv: VPC NAME IP [IP]... */
static json_t *ecmp_row(int argc, char **argv)
{
	json_t *members = json_array();

	for (int i = 2; i < argc; i++)
		json_array_append_new(members, json_string(argv[i]));
	return json_pack("{s:s, s:s, s:o}", "vpc", argv[0], "name", argv[1], "members", members);
}

static int ecmp_add(int argc, char **argv)
{
	return txn_one("insert", "ecmp_group", ecmp_row(argc, argv));
}

static int ecmp_set(int argc, char **argv)
{
	return txn_one("modify", "ecmp_group", ecmp_row(argc, argv));
}

static int ecmp_del(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("ecmp del: unexpected '%s' (ecmp del VPC NAME)", argv[2]);
	return txn_one("delete", "ecmp_group",
		       json_pack("{s:s, s:s}", "vpc", argv[0], "name", argv[1]));
}

static int show_ecmp(int argc, char **argv)
{
	static const struct print_col cols[] = {
		{"VPC", "vpc"}, {"NAME", "name"}, {"MEMBERS", "members"}, {NULL, NULL}};
	json_t *rows = dump_rows("ecmp_group", argc > 0 ? argv[0] : NULL);

	if (rows == NULL)
		return 1;
	print_rows(cols, rows);
	json_decref(rows);
	return 0;
}

/* "dns IP[,IP]...": each address appended to "dns". */
static void dhcp_dns_option(json_t *row, const char *v)
{
	json_t *a = json_object_get(row, "dns");
	char buf[512], *save = NULL;

	if (a == NULL)
		json_object_set_new(row, "dns", a = json_array());
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(t));
}

/* "route PREFIX,ROUTER": one classless static route appended to "routes". */
static int dhcp_route_option(json_t *row, const char *v)
{
	const char *comma = strchr(v, ',');
	json_t *a = json_object_get(row, "routes");
	char prefix[64];

	if (comma == NULL || (size_t)(comma - v) >= sizeof(prefix) ||
	    strchr(comma + 1, ',') != NULL)
		return usage_error("route: '%s' is not PREFIX,ROUTER", v);
	memcpy(prefix, v, (size_t)(comma - v));
	prefix[comma - v] = '\0';
	if (a == NULL)
		json_object_set_new(row, "routes", a = json_array());
	json_array_append_new(a, json_pack("{s:s, s:s}", "prefix", prefix, "router", comma + 1));
	return 0;
}

static int dhcp_options_parse(int argc, char **argv, json_t *row)
{
	for (int i = 0; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;
		long long n;

		if (v == NULL)
			return usage_error("'%s' needs a value", k);
		if (strcmp(k, "dns") == 0) {
			dhcp_dns_option(row, v);
		} else if (strcmp(k, "domain") == 0) {
			json_object_set_new(row, "domain", json_string(v));
		} else if (strcmp(k, "lease") == 0) {
			n = strtoll(v, &end, 10);
			if (*end != '\0' || end == v)
				return usage_error("'%s' is not a number", v);
			json_object_set_new(row, "lease_time", json_integer(n));
		} else if (strcmp(k, "route") == 0) {
			if (dhcp_route_option(row, v) != 0)
				return 2;
		} else {
			return usage_error("unknown option '%s'", k);
		}
	}
	return 0;
}

/* True when rows holds a row for subnet (compared as prefixes: fd00:1:0::/64 is fd00:1::/64). */
static bool rows_have_subnet(const json_t *rows, const char *subnet)
{
	struct cfg_prefix want, p;
	const json_t *r;
	size_t i;

	if (cfg_prefix_parse(subnet, &want) < 0)
		return false;
	json_array_foreach(rows, i, r)
	{
		if (cfg_prefix_parse(json_string_value(json_object_get(r, "subnet")), &p) == 0 &&
		    memcmp(&p, &want, sizeof(p)) == 0)
			return true;
	}
	return false;
}

/* The subnet's options become exactly what the command says: an insert the first time, a
 * modify after (what it leaves out goes back to its default). */
static int dhcp_set(int argc, char **argv)
{
	json_t *row = json_pack("{s:s, s:s}", "vpc", argv[0], "subnet", argv[1]), *rows;
	bool exists;

	if (dhcp_options_parse(argc - 2, argv + 2, row) != 0) {
		json_decref(row);
		return 2;
	}
	rows = dump_rows("dhcp_options", argv[0]);
	if (rows == NULL) {
		json_decref(row);
		return 1;
	}
	exists = rows_have_subnet(rows, argv[1]);
	json_decref(rows);
	return txn_one(exists ? "modify" : "insert", "dhcp_options", row);
}

static int dhcp_del(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("dhcp del: unexpected '%s' (dhcp del VPC CIDR)", argv[2]);
	return txn_one("delete", "dhcp_options",
		       json_pack("{s:s, s:s}", "vpc", argv[0], "subnet", argv[1]));
}

static int show_dhcp(int argc, char **argv)
{
	json_t *rows = dump_rows("dhcp_options", argc > 0 ? argv[0] : NULL);

	if (rows == NULL)
		return 1;
	print_dhcp(rows);
	json_decref(rows);
	return 0;
}

/* One stats request; prints the rows under the member named like the kind. */
static int show_stats(const char *kind, const char *port, const struct print_col *cols)
{
	json_t *body = json_pack("{s:s}", "kind", kind), *reply = NULL;
	int rc;

	if (port != NULL)
		json_object_set_new(body, "port", json_string(port));
	rc = vpcctl_call(SB_STATS_REQUEST, body, &reply);
	if (rc == 0)
		print_rows(cols, json_object_get(reply, kind));
	json_decref(reply);
	return rc;
}

static int port_show(int argc, char **argv)
{
	static const struct print_col cols[] = {
		{"NAME", "name"},     {"VPC", "vpc"},   {"MAC", "mac"},
		{"IPS", "ips"},       {"MODE", "mode"}, {"QUEUES", "queues"},
		{"LINK", "link"},     {"SECURITY-GROUPS", "security_groups"},
		{"SOCKET", "socket"}, {NULL, NULL}};

	return show_stats("ports", argc > 0 ? argv[0] : NULL, cols);
}

static int show_counters(int argc, char **argv)
{
	static const struct print_col cols[] = {{"PORT", "name"},
						{"LINK", "link"},
						{"RX-PKTS", "stats.rx_packets"},
						{"RX-BYTES", "stats.rx_bytes"},
						{"TX-PKTS", "stats.tx_packets"},
						{"TX-BYTES", "stats.tx_bytes"},
						{"DROPS", "stats.drops"},
						{"TX-DROPS", "stats.tx_drops"},
						{"RX-PER-QUEUE", "stats.rx_queue_packets"},
						{NULL, NULL}};

	return show_stats("ports", argc > 0 ? argv[0] : NULL, cols);
}

static int show_drops(int argc, char **argv)
{
	static const struct print_col cols[] = {
		{"REASON", "reason"}, {"COUNT", "count"}, {"MEANING", "description"}, {NULL, NULL}};
	const char *port = NULL;

	if (argc >= 2 && strcmp(argv[0], "--port") == 0)
		port = argv[1];
	else if (argc > 0)
		return usage_error("show drops: unexpected '%s' (use --port NAME)", argv[0]);
	return show_stats("drops", port, cols);
}

static int show_workers(int argc, char **argv)
{
	static const struct print_col cols[] = {{"LCORE", "lcore"},
						{"PACKETS", "packets"},
						{"BUSY-CYCLES", "busy_cycles"},
						{"CYCLES/PKT", "cycles_per_packet"},
						{"POLLS", "polls"},
						{"BUSY-POLLS", "busy_polls"},
						{NULL, NULL}};

	(void)argc;
	(void)argv;
	return show_stats("workers", NULL, cols);
}

static int show_underlay(int argc, char **argv)
{
	json_t *reply = NULL;
	int rc;

	(void)argc;
	(void)argv;
	rc = vpcctl_call(SB_STATS_REQUEST, json_pack("{s:s}", "kind", "underlay"), &reply);
	if (rc == 0)
		print_object(json_object_get(reply, "underlay"));
	json_decref(reply);
	return rc;
}

/* The controller connection: addresses, host id, state, counters, last error. */
static int show_controller(int argc, char **argv)
{
	json_t *reply = NULL;
	int rc;

	(void)argc;
	(void)argv;
	rc = vpcctl_call(SB_STATS_REQUEST, json_pack("{s:s}", "kind", "controller"), &reply);
	if (rc == 0)
		print_object(json_object_get(reply, "controller"));
	json_decref(reply);
	return rc;
}

/* show connections [port P] [address A] [state S] [limit N] */
static int show_connections(int argc, char **argv)
{
	static const struct print_col cols[] = {
		{"VPC", "vpc"},		    {"PROTO", "protocol"},  {"SRC", "src"},
		{"SPORT", "sport"},	    {"DST", "dst"},	    {"DPORT", "dport"},
		{"ID", "icmp_id"},	    {"STATE", "state"},	    {"FROM", "orig_port"},
		{"REPLY-FROM", "reply_port"}, {"IDLE", "idle"},   {"EXPIRES", "expires"},
		{"PACKETS", "packets"},	    {NULL, NULL}};
	static const char *const strs[] = {"port", "address", "state", NULL};
	static const char *const ints[] = {"limit", NULL};
	json_t *body = json_pack("{s:s}", "kind", "connections"), *reply = NULL;
	int rc;

	if (parse_pairs(argc, argv, body, strs, ints, no_multi) != 0) {
		json_decref(body);
		return 2;
	}
	rc = vpcctl_call(SB_STATS_REQUEST, body, &reply);
	if (rc == 0) {
		if (print_json) {
			print_object(reply);
		} else {
			print_rows(cols, json_object_get(reply, "connections"));
			printf("%lld matched%s\n",
			       (long long)json_integer_value(json_object_get(reply, "matched")),
			       json_is_true(json_object_get(reply, "truncated"))
				       ? " (more than shown: raise limit)"
				       : "");
		}
	}
	json_decref(reply);
	return rc;
}

static int show_conntrack(int argc, char **argv)
{
	json_t *reply = NULL;
	int rc;

	(void)argc;
	(void)argv;
	rc = vpcctl_call(SB_STATS_REQUEST, json_pack("{s:s}", "kind", "conntrack"), &reply);
	if (rc == 0)
		print_object(json_object_get(reply, "conntrack"));
	json_decref(reply);
	return rc;
}

static int do_apply(int argc, char **argv)
{
	json_error_t je;
	json_t *doc, *reply = NULL;
	int rc;

	if (argc < 2 || strcmp(argv[0], "-f") != 0)
		return usage_error("apply needs -f FILE%s", "");
	doc = strcmp(argv[1], "-") == 0 ? json_loadf(stdin, JSON_REJECT_DUPLICATES, &je)
					: json_load_file(argv[1], JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL) {
		fprintf(stderr, "vpcctl: %s:%d:%d: %s\n", argv[1], je.line, je.column, je.text);
		return 1;
	}
	rc = vpcctl_call(SB_SYNC, json_pack("{s:o}", "state", doc), &reply);
	if (rc == 0)
		print_object(reply);
	json_decref(reply);
	return rc;
}

static int do_dump(int argc, char **argv)
{
	json_t *reply = NULL, *body = json_object();
	int rc;

	if (argc > 0)
		json_object_set_new(body, "table", json_string(argv[0]));
	rc = vpcctl_call(SB_DUMP_REQUEST, body, &reply);
	if (rc == 0) {
		char *s = json_dumps(reply, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		printf("%s\n", s);
		free(s);
	}
	json_decref(reply);
	return rc;
}

static int do_monitor(int argc, char **argv)
{
	char err[256];
	struct sb_client *c = sb_client_open(vpcctl_sock_path, true, err);
	long left = argc >= 2 && strcmp(argv[0], "-c") == 0 ? strtol(argv[1], NULL, 10) : -1;
	json_t *ev;

	if (c == NULL) {
		fprintf(stderr, "vpcctl: %s\n", err);
		return 1;
	}
	printf(print_json ? "" : "monitoring events\n");
	fflush(stdout);
	while (left != 0 && sb_client_next_event(c, -1, &ev, err) == 0) {
		char *s = json_dumps(ev, JSON_COMPACT);

		printf("%s\n", s);
		fflush(stdout);
		free(s);
		json_decref(ev);
		if (left > 0)
			left--;
	}
	sb_client_close(c);
	return 0;
}

static const struct vpcctl_cmd cmds[] = {
	{"vpc", "add", 1, vpc_add, "vpc add NAME vni N [encap vxlan|geneve] [mtu N]"},
	{"vpc", "del", 1, vpc_del, "vpc del NAME"},
	{"vpc", "show", 0, vpc_show, "vpc show"},
	{"subnet", "add", 2, subnet_add, "subnet add VPC CIDR gateway IP gateway-mac MAC"},
	{"subnet", "del", 2, subnet_del, "subnet del VPC CIDR"},
	{"subnet", "show", 0, subnet_show, "subnet show"},
	{"port", "add", 1, port_add,
	 "port add NAME vpc VPC mac MAC [ip IP]... [socket PATH] [mode server|client] [queues N]\n"
	 "           [dpdk DEVARGS]   (a DPDK device instead of a vhost-user socket)\n"
	 "           [sg GROUP]... [max-connections N] [forwarding on|off]"},
	{"port", "set", 1, port_set,
	 "port set NAME [vpc VPC] [mac MAC] [ip IP]... [socket PATH] [mode M] [queues N]\n"
	 "           [sg GROUP]... [max-connections N] [forwarding on|off]   (an ip or sg option replaces its list)"},
	{"port", "del", 1, port_del, "port del NAME"},
	{"remote", "add", 2, remote_add,
	 "remote add VPC MAC vtep IP [ip IP]... [sg GROUP]...  (a VM on another host)"},
	{"remote", "del", 2, remote_del, "remote del VPC MAC"},
	{"remote", "show", 0, remote_show, "remote show"},
	{"port", "show", 0, port_show, "port show [NAME]"},
	{"sg", "add", 2, sg_add,
	 "sg add VPC NAME [no-default-egress]   (a new group allows all egress unless told not\n"
	 "           to; ports deny all ingress no rule of their groups allows)"},
	{"sg", "del", 2, sg_del, "sg del VPC NAME   (and its rules)"},
	{"sg", "show", 0, sg_show, "sg show [VPC]"},
	{"sg", "rule", 4, sg_rule,
	 "sg rule add|del VPC GROUP ingress|egress [proto any|tcp|udp|icmp|icmpv6|N]\n"
	 "           [ports A[-B]] [icmp-type T] [icmp-code C] [remote CIDR | remote-group G]\n"
	 "           [family ipv4|ipv6]   (del removes the rule with exactly that content)"},
	{"route", "add", 3, route_add,
	 "route add VPC PREFIX via IP|port NAME|vtep IP|ecmp GROUP|blackhole\n"
	 "           (via: a VM's address in the VPC; vtep: another host, as is)"},
	{"route", "set", 3, route_set,
	 "route set VPC PREFIX via IP|port NAME|vtep IP|ecmp GROUP|blackhole   (a new next hop)"},
	{"route", "del", 2, route_del, "route del VPC PREFIX"},
	{"ecmp", "add", 3, ecmp_add,
	 "ecmp add VPC NAME IP [IP]...   (1 to 16 addresses of one family)"},
	{"ecmp", "set", 3, ecmp_set, "ecmp set VPC NAME IP [IP]...   (replaces the members)"},
	{"ecmp", "del", 2, ecmp_del, "ecmp del VPC NAME"},
	{"dhcp", "set", 2, dhcp_set,
	 "dhcp set VPC CIDR [dns IP[,IP]...] [domain NAME] [lease SECONDS]\n"
	 "           [route PREFIX,ROUTER]...   (the subnet's options become exactly these)"},
	{"dhcp", "del", 2, dhcp_del, "dhcp del VPC CIDR"},
	{"show", "routes", 0, show_routes, "show routes [VPC]"},
	{"show", "ecmp", 0, show_ecmp, "show ecmp [VPC]"},
	{"show", "dhcp", 0, show_dhcp, "show dhcp [VPC]"},
	{"show", "counters", 0, show_counters, "show counters [PORT]"},
	{"show", "drops", 0, show_drops, "show drops [--port PORT]"},
	{"show", "workers", 0, show_workers, "show workers"},
	{"show", "underlay", 0, show_underlay, "show underlay"},
	{"show", "controller", 0, show_controller,
	 "show controller   (addresses, state, current address, last error)"},
	{"show", "connections", 0, show_connections,
	 "show connections [port P] [address A] [state S] [limit N]"},
	{"show", "conntrack", 0, show_conntrack, "show conntrack   (table use, per-port counts)"},
	{"lb", "add", 2, vpcctl_lb_add,
	 "lb add VPC NAME vip IP [affinity-timeout S] [on-backend-removed reset|drop]"},
	{"lb", "set", 2, vpcctl_lb_set, "lb set VPC NAME vip IP [...]   (as lb add)"},
	{"lb", "del", 2, vpcctl_lb_del, "lb del VPC NAME   (after its listeners)"},
	{"lb", "listener", 5, vpcctl_lb_listener,
	 "lb listener add|set|del VPC LB tcp|udp PORT [health none|tcp|http] [health-port N]\n"
	 "           [health-path PATH] [interval-ms N] [timeout-ms N] [rise N] [fall N]"},
	{"lb", "backend", 6, vpcctl_lb_backend,
	 "lb backend add|set|del VPC LB tcp|udp PORT ADDRESS [port N] [weight 0-1000]\n"
	 "           [state up|down]   (port: the backend's, default the listener's)"},
	{"show", "lb", 0, vpcctl_show_lb,
	 "show lb [VPC]   (each backend's weight, state and connections)"},
	{"apply", NULL, 2, do_apply, "apply -f FILE|-   (desired state; idempotent)"},
	{"dump", NULL, 0, do_dump,
	 "dump [vpc|subnet|security_group|security_group_rule|port|remote|dhcp_options|\n"
	 "           ecmp_group|route|load_balancer|lb_listener|lb_backend]"},
	{"monitor", NULL, 0, do_monitor, "monitor [-c N]   (print switch events)"},
	{"trace", NULL, 0, vpcctl_trace,
	 "trace in_port=PORT 'eth(..)/ipv4(..)/tcp(..)' | in_port=PORT --pcap FILE [--index N]\n"
	 "           | in_port=PORT --hex BYTES   (walks the tables, sends nothing;\n"
	 "           trace --help-packet describes the packet language)\n"
	 "           | trace --live [--port PORT] [--filter EXPR] [-c COUNT]   (the next real\n"
	 "           packets, every stage they cross)"},
	{"capture", NULL, 0, vpcctl_capture,
	 "capture --port PORT [--rx|--tx|--both] [--point decap|encap] [-c COUNT] [-s SNAPLEN]\n"
	 "           [--ring N] [-w FILE|-] [FILTER...]   (pcapng; FILTER in tcpdump syntax)\n"
	 "           | capture --stop ID"},
};

static void usage(void)
{
	printf("usage: vpcctl [-s SOCKET | --controller URL] [-o text|json] COMMAND\n"
	       "  -s SOCKET   the switch's management socket (default " DEFAULT_SOCKET ")\n"
	       "  --controller URL   vpc-controller's API instead (http://HOST:PORT, or https://\n"
	       "              with --cert F --key F [--cacert F]: our client certificate and the\n"
	       "              CA of the controller's; or VPCCTL_CERT, VPCCTL_KEY, VPCCTL_CACERT)\n"
	       "  -o json     print results as JSON\n"
	       "commands (\"create\" and \"delete\" may stand for \"add\" and \"del\"):\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  %s\n", cmds[i].usage);
	vpcctl_ctrl_usage();
}

const struct vpcctl_cmd *vpcctl_cmd_find(const struct vpcctl_cmd *cmds, size_t n, int argc,
					 char **argv)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[0], cmds[i].object) != 0)
			continue;
		if (cmds[i].verb != NULL && (argc < 2 || strcmp(argv[1], cmds[i].verb) != 0))
			continue;
		return &cmds[i];
	}
	return NULL;
}

int vpcctl_cmd_run(const struct vpcctl_cmd *cmd, int argc, char **argv)
{
	int skip = cmd->verb != NULL ? 2 : 1;

	if (argc - skip < cmd->n_args) {
		fprintf(stderr, "vpcctl: usage: %s\n", cmd->usage);
		return 2;
	}
	return cmd->fn(argc - skip, argv + skip);
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {{"socket", required_argument, NULL, 's'},
					      {"output", required_argument, NULL, 'o'},
					      {"help", no_argument, NULL, 'h'},
					      {"controller", required_argument, NULL, 'C'},
					      {"cert", required_argument, NULL, 'E'},
					      {"key", required_argument, NULL, 'K'},
					      {"cacert", required_argument, NULL, 'A'},
					      {NULL, 0, NULL, 0}};
	const char *controller = getenv("VPCCTL_CONTROLLER");
	const struct vpcctl_cmd *cmd;
	bool socket_given = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+s:o:h", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			vpcctl_sock_path = optarg;
			socket_given = true;
			break;
		case 'C': vpcctl_controller_url = optarg; break;
		case 'E': vpcctl_controller_tls.cert = optarg; break;
		case 'K': vpcctl_controller_tls.key = optarg; break;
		case 'A': vpcctl_controller_tls.ca = optarg; break;
		case 'o':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				return usage_error("-o: '%s' is neither text nor json", optarg);
			print_json = strcmp(optarg, "json") == 0;
			break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (vpcctl_controller_tls.cert == NULL)
		vpcctl_controller_tls.cert = getenv("VPCCTL_CERT");
	if (vpcctl_controller_tls.key == NULL)
		vpcctl_controller_tls.key = getenv("VPCCTL_KEY");
	if (vpcctl_controller_tls.ca == NULL)
		vpcctl_controller_tls.ca = getenv("VPCCTL_CACERT");
	/* VPCCTL_CONTROLLER is the default; an explicit -s names a switch instead. */
	if (vpcctl_controller_url == NULL && !socket_given && controller != NULL &&
	    controller[0] != '\0')
		vpcctl_controller_url = controller;
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage();
		return 2;
	}
	/* "create" and "delete" read as "add" and "del" (the words of cloud APIs) */
	if (argc >= 2 && strcmp(argv[1], "create") == 0)
		argv[1] = (char *)"add";
	else if (argc >= 2 && strcmp(argv[1], "delete") == 0)
		argv[1] = (char *)"del";
	rc = vpcctl_ctrl_dispatch(argc, argv);
	if (rc >= 0)
		return rc;
	cmd = vpcctl_cmd_find(cmds, sizeof(cmds) / sizeof(cmds[0]), argc, argv);
	if (cmd != NULL)
		return vpcctl_cmd_run(cmd, argc, argv);
	return usage_error("unknown command '%s' (vpcctl -h lists them)", argv[0]);
}
