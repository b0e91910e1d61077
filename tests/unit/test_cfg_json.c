/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of control/cfg_json.c: strict decoding of vpc/subnet/port/remote rows, of
 * security groups and their rules, and of routes (one next hop member each), ECMP groups
 * and DHCP options (unknown members, wrong types, malformed addresses, defaults), key-only
 * decoding for deletes, the normal form rules are encoded in, encode/decode round trips,
 * whole-state documents whose errors name the row, and cfg_apply_op. Pure: no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A port row of vm1 in blue, with more members. */
#define VM1(members)                                                                               \
	"{\"name\": \"vm1\", \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01:01\"" members "}"

/* ---- fixture ---- */

static json_t *js(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);

	if (j == NULL)
		fail_msg("test JSON does not parse: %s: %s", text, je.text);
	return j;
}

static const char *const seed_doc =
	"{\"vpcs\": [{\"name\": \"blue\", \"vni\": 100}, {\"name\": \"red\", \"vni\": 200}],"
	" \"subnets\": ["
	"  {\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\","
	"   \"gateway_mac\": \"02:00:00:00:00:01\"},"
	"  {\"vpc\": \"blue\", \"cidr\": \"fd00:1::/64\", \"gateway\": \"fd00:1::1\","
	"   \"gateway_mac\": \"02:00:00:00:00:01\"},"
	"  {\"vpc\": \"red\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\","
	"   \"gateway_mac\": \"02:00:00:00:00:02\"}],"
	" \"ports\": ["
	"  {\"name\": \"vm1\", \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01:01\","
	"   \"ips\": [\"10.0.0.10\", \"fd00:1::10\"], \"socket\": \"/run/vpcsw/vm1.sock\","
	"   \"mode\": \"client\", \"queues\": 4},"
	"  {\"name\": \"vm2\", \"vpc\": \"red\", \"mac\": \"02:00:00:00:01:01\","
	"   \"ips\": [\"10.0.0.10\"]}]}";

/* The state of a document the test means to be valid. */
static struct cfg *state_of(const char *text, const char *sock_dir)
{
	char err[CFG_ERR_SIZE] = "";
	json_t *doc = js(text);
	struct cfg *c = NULL;

	if (cfg_state_decode(doc, sock_dir, &c, err) != 0)
		fail_msg("state refused: %s", err);
	assert_non_null(c);
	json_decref(doc);
	return c;
}

static int setup(void **state)
{
	*state = state_of(seed_doc, "/run/vpcsw");
	return 0;
}

static int teardown(void **state)
{
	cfg_free(*state);
	return 0;
}

/* Decode one row of table t from JSON text and check it fails naming `field`; a failure
 * quotes the row, as the callers go through lists of them. */
static void assert_row_refused(enum cfg_table_id t, const char *text, const char *sock_dir,
			       const char *field)
{
	union {
		struct cfg_vpc v;
		struct cfg_subnet s;
		struct cfg_port p;
		struct cfg_remote rm;
		struct cfg_sg g;
		struct cfg_sg_rule r;
		struct cfg_route rt;
		struct cfg_ecmp_group e;
		struct cfg_dhcp_options d;
	} row;
	char err[CFG_ERR_SIZE] = "";
	json_t *j = js(text);
	int rc = cfg_row_decode(t, j, sock_dir, &row, err);

	if (rc != -EINVAL)
		fail_msg("%s: decoded with %d, not refused", text, rc);
	if (strstr(err, field) == NULL)
		fail_msg("%s: message '%s' does not name '%s'", text, err, field);
	json_decref(j);
}

/* A row of JSON text that decoding refuses, and the field its message must name. */
struct refusal {
	const char *row;
	const char *field;
};

static void assert_rows_refused(enum cfg_table_id t, const char *sock_dir, const struct refusal *r,
				size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_row_refused(t, r[i].row, sock_dir, r[i].field);
}

/* A whole-state document cfg_state_decode must refuse with rc, naming `what`, and leave
 * the caller's pointer as it was. */
static void assert_state_refused(const char *text, const char *sock_dir, int rc, const char *what)
{
	struct cfg *const untouched = (struct cfg *)0x1;
	struct cfg *out = untouched;
	char err[CFG_ERR_SIZE] = "";
	json_t *doc = js(text);
	int got = cfg_state_decode(doc, sock_dir, &out, err);

	if (got != rc)
		fail_msg("%s: decoded with %d, not %d (%s)", text, got, rc, err);
	if (strstr(err, what) == NULL)
		fail_msg("%s: message '%s' does not name '%s'", text, err, what);
	assert_ptr_equal(out, untouched);
	json_decref(doc);
}

/* cfg_apply_op with the row given as JSON text. */
static int apply(struct cfg *c, const char *op, enum cfg_table_id t, const char *text,
		 const char *sock_dir, char *err)
{
	json_t *row = js(text);
	int rc = cfg_apply_op(c, op, t, row, sock_dir, err);

	json_decref(row);
	return rc;
}

static void decode_port(const char *text, const char *sock_dir, struct cfg_port *p)
{
	char err[CFG_ERR_SIZE] = "";
	json_t *j = js(text);

	if (cfg_row_decode(CFG_T_PORT, j, sock_dir, p, err) != 0)
		fail_msg("port refused: %s", err);
	json_decref(j);
}

/* True when s is valid UTF-8, i.e. it can be a JSON string in an error reply. */
static bool utf8_valid(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

/*
 * Allocation failure injection for cfg.c's tables: meson.build links this test with
 * -Wl,--wrap=calloc,realloc (jansson, a shared library, keeps its own allocator).
 * allocs_until_failure = n makes the (n+1)-th allocation from now fail, once.
 */
static int allocs_until_failure = -1;

void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

static bool alloc_fails(void)
{
	if (allocs_until_failure < 0)
		return false;
	return allocs_until_failure-- == 0;
}

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return alloc_fails() ? NULL : __real_realloc(p, size);
}

/* Leave non-zero bytes where the next call's stack frame will be. */
static __attribute__((noinline)) void stack_poison(void)
{
	volatile char junk[8192];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)0xff;
}

/* ---- table names ---- */

static void table_parse_accepts_singular_and_plural_only(void **state)
{
	(void)state;
	assert_int_equal(cfg_table_parse("vpc"), CFG_T_VPC);
	assert_int_equal(cfg_table_parse("vpcs"), CFG_T_VPC);
	assert_int_equal(cfg_table_parse("subnet"), CFG_T_SUBNET);
	assert_int_equal(cfg_table_parse("subnets"), CFG_T_SUBNET);
	assert_int_equal(cfg_table_parse("port"), CFG_T_PORT);
	assert_int_equal(cfg_table_parse("ports"), CFG_T_PORT);
	assert_int_equal(cfg_table_parse("security_group"), CFG_T_SG);
	assert_int_equal(cfg_table_parse("security_groups"), CFG_T_SG);
	assert_int_equal(cfg_table_parse("security_group_rule"), CFG_T_SG_RULE);
	assert_int_equal(cfg_table_parse("security_group_rules"), CFG_T_SG_RULE);
	assert_int_equal(cfg_table_parse("sg"), -1);
	assert_int_equal(cfg_table_parse(""), -1);
	assert_int_equal(cfg_table_parse("Port"), -1);
	assert_int_equal(cfg_table_parse("portss"), -1);
}

static void table_name_and_row_size_match_the_structs(void **state)
{
	(void)state;
	assert_string_equal(cfg_table_name(CFG_T_VPC), "vpc");
	assert_string_equal(cfg_table_name(CFG_T_SUBNET), "subnet");
	assert_string_equal(cfg_table_name(CFG_T_PORT), "port");
	assert_string_equal(cfg_table_name(CFG_T_SG), "security_group");
	assert_string_equal(cfg_table_name(CFG_T_SG_RULE), "security_group_rule");
	assert_string_equal(cfg_table_name(CFG_T_REMOTE), "remote");
	assert_string_equal(cfg_table_name(CFG_T_COUNT), "?");
	assert_int_equal(cfg_row_size(CFG_T_VPC), sizeof(struct cfg_vpc));
	assert_int_equal(cfg_row_size(CFG_T_SUBNET), sizeof(struct cfg_subnet));
	assert_int_equal(cfg_row_size(CFG_T_PORT), sizeof(struct cfg_port));
	assert_int_equal(cfg_row_size(CFG_T_SG), sizeof(struct cfg_sg));
	assert_int_equal(cfg_row_size(CFG_T_SG_RULE), sizeof(struct cfg_sg_rule));
	assert_int_equal(cfg_row_size(CFG_T_REMOTE), sizeof(struct cfg_remote));
}

/* ---- row decoding: invalid input ---- */

static void row_decode_rejects_unknown_table(void **state)
{
	char err[CFG_ERR_SIZE] = "";
	json_t *j = js("{\"name\": \"x\"}");
	struct cfg_port p;

	(void)state;
	assert_int_equal(cfg_row_decode(CFG_T_COUNT, j, NULL, &p, err), -EINVAL);
	assert_non_null(strstr(err, "table"));
	assert_int_equal(cfg_key_decode(CFG_T_COUNT, j, &p, err), -EINVAL);
	assert_null(cfg_row_encode(CFG_T_COUNT, &p));
	json_decref(j);
}

static void row_decode_rejects_non_object(void **state)
{
	(void)state;
	assert_row_refused(CFG_T_VPC, "[]", NULL, "vpc: must be a JSON object");
	assert_row_refused(CFG_T_SUBNET, "\"x\"", NULL, "subnet: must be a JSON object");
	assert_row_refused(CFG_T_PORT, "null", NULL, "port: must be a JSON object");
}

static void row_decode_rejects_unknown_member(void **state)
{
	(void)state;
	assert_row_refused(CFG_T_VPC, "{\"name\": \"blue\", \"vni\": 1, \"vlan\": 3}", NULL,
			   "vpc.vlan: unknown member");
	assert_row_refused(CFG_T_SUBNET,
			   "{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": "
			   "\"10.0.0.1\", \"gateway_mac\": \"02:00:00:00:00:01\", \"dhcp\": true}",
			   NULL, "subnet.dhcp: unknown member");
	assert_row_refused(CFG_T_PORT, VM1(", \"sockett\": \"/x\""), "/run",
			   "port.sockett: unknown member");
}

/* The message goes out in a JSON error reply: cutting it to CFG_ERR_SIZE must not split a
 * UTF-8 character, or the reply cannot be encoded at all. */
static void unknown_member_message_stays_valid_utf8(void **state)
{
	char err[CFG_ERR_SIZE] = "";
	char text[1024] = "{\"name\": \"blue\", \"vni\": 1, \"";
	struct cfg_vpc v;
	json_t *j;

	(void)state;
	for (int i = 0; i < 300; i++)
		strcat(text, "\xc3\xa9"); /* e-acute: 2 bytes */
	strcat(text, "\": 1}");
	j = js(text);
	assert_int_equal(cfg_row_decode(CFG_T_VPC, j, NULL, &v, err), -EINVAL);
	assert_memory_equal(err, "vpc.", 4);
	assert_true(utf8_valid(err));
	json_decref(j);
}

static void vpc_decode_rejects_missing_or_mistyped_members(void **state)
{
	static const struct refusal bad[] = {
		{"{\"vni\": 1}", "vpc.name: missing"},
		{"{\"name\": \"blue\"}", "vpc.vni: missing"},
		{"{\"name\": 7, \"vni\": 1}", "vpc.name: must be a string"},
		{"{\"name\": \"blue\", \"vni\": \"1\"}", "vpc.vni"},
		{"{\"name\": \"blue\", \"vni\": 1.0}", "vpc.vni"},
		{"{\"name\": \"blue\", \"vni\": -1}", "vpc.vni"},
		{"{\"name\": \"blue\", \"vni\": 4294967296}", "vpc.vni"},
		{"{\"name\": \"blue\", \"vni\": true}", "vpc.vni"},
	};

	(void)state;
	assert_rows_refused(CFG_T_VPC, NULL, bad, ARRAY_SIZE(bad));
}

static void row_decode_rejects_string_longer_than_its_field(void **state)
{
	(void)state;
	/* 32 characters: one more than a name holds */
	assert_row_refused(CFG_T_VPC,
			   "{\"name\": \"abcdefghijklmnopqrstuvwxyz012345\", \"vni\": 1}", NULL,
			   "vpc.name: longer than 31 bytes");
}

static void subnet_decode_rejects_bad_addresses(void **state)
{
	static const struct refusal bad[] = {
		{"{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0\", \"gateway\": \"10.0.0.1\","
		 " \"gateway_mac\": \"02:00:00:00:00:01\"}",
		 "subnet.cidr"},
		{"{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/33\", \"gateway\": \"10.0.0.1\","
		 " \"gateway_mac\": \"02:00:00:00:00:01\"}",
		 "subnet.cidr"},
		{"{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0\","
		 " \"gateway_mac\": \"02:00:00:00:00:01\"}",
		 "subnet.gateway"},
		{"{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\","
		 " \"gateway_mac\": \"02:00:00:00:00\"}",
		 "subnet.gateway_mac"},
		{"{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\"}",
		 "subnet.gateway_mac: missing"},
		{"{\"vpc\": \"blue\", \"cidr\": 24, \"gateway\": \"10.0.0.1\","
		 " \"gateway_mac\": \"02:00:00:00:00:01\"}",
		 "subnet.cidr: must be a string"},
		/* a string too long for the address buffer is refused, not cut */
		{"{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": "
		 "\"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd\","
		 " \"gateway_mac\": \"02:00:00:00:00:01\"}",
		 "subnet.gateway"},
	};

	(void)state;
	assert_rows_refused(CFG_T_SUBNET, NULL, bad, ARRAY_SIZE(bad));
}

static void port_decode_rejects_bad_members(void **state)
{
	static const struct refusal bad[] = {
		{"{\"name\": \"vm1\", \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01\"}", "port.mac"},
		{VM1(", \"ips\": \"10.0.0.10\""), "port.ips: must be an array"},
		{VM1(", \"ips\": [\"10.0.0.10\", 5]"), "port.ips[1]"},
		{VM1(", \"ips\": [\"10.0.0.10\", \"10.0.0.300\"]"), "port.ips[1]"},
		{VM1(", \"ips\": [\"10.0.0.1\", \"10.0.0.2\", \"10.0.0.3\", \"10.0.0.4\","
		     " \"10.0.0.5\", \"10.0.0.6\", \"10.0.0.7\", \"10.0.0.8\", \"10.0.0.9\"]"),
		 "port.ips: at most 8"},
		{VM1(", \"mode\": \"bridge\""), "port.mode"},
		{VM1(", \"mode\": 1"), "port.mode: must be a string"},
		{VM1(", \"queues\": 65536"), "port.queues"},
		{VM1(", \"queues\": \"2\""), "port.queues"},
		{"{\"name\": \"vm1\", \"mac\": \"02:00:00:00:01:01\"}", "port.vpc: missing"},
	};

	(void)state;
	assert_rows_refused(CFG_T_PORT, "/run", bad, ARRAY_SIZE(bad));
}

static void port_socket_is_required_without_sock_dir(void **state)
{
	(void)state;
	assert_row_refused(CFG_T_PORT, VM1(""), NULL, "port.socket: missing");
}

static void port_default_socket_that_does_not_fit_is_refused(void **state)
{
	char dir[128];

	(void)state;
	memset(dir, 'd', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	assert_row_refused(CFG_T_PORT, VM1(""), dir, "port.socket");
}

/* ---- row decoding: normal path and defaults ---- */

static void vpc_decode_reads_name_and_vni(void **state)
{
	char err[CFG_ERR_SIZE] = "";
	json_t *j = js("{\"name\": \"blue\", \"vni\": 16777215}");
	struct cfg_vpc v;

	(void)state;
	assert_int_equal(cfg_row_decode(CFG_T_VPC, j, NULL, &v, err), 0);
	assert_string_equal(v.name, "blue");
	assert_int_equal(v.vni, 16777215);
	json_decref(j);
}

static void subnet_decode_reads_every_member(void **state)
{
	char err[CFG_ERR_SIZE] = "";
	json_t *j = js("{\"vpc\": \"blue\", \"cidr\": \"fd00:1::/64\", \"gateway\": \"fd00:1::1\","
		       " \"gateway_mac\": \"02:AA:00:00:00:01\"}");
	struct cfg_subnet s;
	char buf[64];

	(void)state;
	assert_int_equal(cfg_row_decode(CFG_T_SUBNET, j, NULL, &s, err), 0);
	assert_string_equal(s.vpc, "blue");
	cfg_prefix_format(&s.cidr, buf, sizeof(buf));
	assert_string_equal(buf, "fd00:1::/64");
	cfg_ip_format(&s.gateway, buf, sizeof(buf));
	assert_string_equal(buf, "fd00:1::1");
	assert_memory_equal(s.gateway_mac, ((uint8_t[]){2, 0xaa, 0, 0, 0, 1}), 6);
	json_decref(j);
}

static void port_decode_defaults_mode_queues_and_socket(void **state)
{
	struct cfg_port p;

	(void)state;
	decode_port(VM1(""), "/run/vpcsw", &p);
	assert_string_equal(p.socket, "/run/vpcsw/vm1.sock");
	assert_int_equal(p.mode, CFG_VHOST_SERVER);
	assert_int_equal(p.queues, 1);
	assert_int_equal(p.n_ips, 0);
}

static void port_decode_explicit_members_override_defaults(void **state)
{
	struct cfg_port p;
	char buf[64];

	(void)state;
	decode_port(
		VM1(", \"ips\": [\"10.0.0.10\", \"fd00:1::10\"],"
		    " \"socket\": \"/var/lib/vms/q.sock\", \"mode\": \"client\", \"queues\": 16"),
		"/run/vpcsw", &p);
	assert_string_equal(p.socket, "/var/lib/vms/q.sock");
	assert_int_equal(p.mode, CFG_VHOST_CLIENT);
	assert_int_equal(p.queues, 16);
	assert_int_equal(p.n_ips, 2);
	cfg_ip_format(&p.ips[1], buf, sizeof(buf));
	assert_string_equal(buf, "fd00:1::10");
}

/* Decoding checks syntax; range rules are cfg.c's, so queues 0 decodes and is refused there. */
static void port_decode_leaves_range_rules_to_cfg(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE] = "";
	struct cfg_port p;

	decode_port("{\"name\": \"vm3\", \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01:03\","
		    " \"queues\": 0}",
		    "/run/vpcsw", &p);
	assert_int_equal(p.queues, 0);
	assert_int_equal(cfg_port_insert(c, &p, err), -EINVAL);
	assert_non_null(strstr(err, "port.queues"));
}

static void key_decode_needs_only_the_key(void **state)
{
	char err[CFG_ERR_SIZE] = "";
	json_t *v = js("{\"name\": \"blue\"}"), *p = js("{\"name\": \"vm1\"}"),
	       *s = js("{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\"}"),
	       *bad = js("{\"name\": \"vm1\", \"colour\": 1}");
	union {
		struct cfg_vpc v;
		struct cfg_subnet s;
		struct cfg_port p;
	} r;

	(void)state;
	assert_int_equal(cfg_key_decode(CFG_T_VPC, v, &r, err), 0);
	assert_string_equal(r.v.name, "blue");
	assert_int_equal(cfg_key_decode(CFG_T_PORT, p, &r, err), 0);
	assert_string_equal(r.p.name, "vm1");
	assert_int_equal(cfg_key_decode(CFG_T_SUBNET, s, &r, err), 0);
	assert_string_equal(r.s.vpc, "blue");
	assert_int_equal(r.s.cidr.plen, 24);
	assert_int_equal(cfg_key_decode(CFG_T_PORT, bad, &r, err), -EINVAL);
	assert_non_null(strstr(err, "port.colour"));
	assert_int_equal(cfg_key_decode(CFG_T_SUBNET, v, &r, err), -EINVAL);
	assert_non_null(strstr(err, "subnet.name"));
	json_decref(v);
	json_decref(p);
	json_decref(s);
	json_decref(bad);
}

/* ---- encode / decode round trips ---- */

/* Encode row of table t and decode the encoding into back, without a sock_dir: an encoded
 * port must carry its socket. */
static void round_trip(enum cfg_table_id t, const void *row, void *back)
{
	char err[CFG_ERR_SIZE] = "";
	json_t *j = cfg_row_encode(t, row);

	assert_non_null(j);
	if (cfg_row_decode(t, j, NULL, back, err) != 0)
		fail_msg("%s: its encoding is refused: %s", cfg_table_name(t), err);
	json_decref(j);
}

static void every_row_survives_encode_and_decode(void **state)
{
	struct cfg *c = *state;
	struct cfg_vpc vpc;
	struct cfg_subnet subnet;
	struct cfg_port port;

	CFG_FOREACH(struct cfg_vpc, v, c->vpcs)
	{
		round_trip(CFG_T_VPC, v, &vpc);
		assert_true(cfg_vpc_equal(v, &vpc));
	}
	CFG_FOREACH(struct cfg_subnet, s, c->subnets)
	{
		round_trip(CFG_T_SUBNET, s, &subnet);
		assert_true(cfg_subnet_equal(s, &subnet));
	}
	CFG_FOREACH(struct cfg_port, p, c->ports)
	{
		round_trip(CFG_T_PORT, p, &port);
		assert_true(cfg_port_equal(p, &port));
	}
}

static void port_encoding_names_every_member(void **state)
{
	struct cfg *c = *state;
	json_t *j = cfg_row_encode(CFG_T_PORT, cfg_port_find(c, "vm1"));
	json_t *want = js("{\"name\": \"vm1\", \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01:01\","
			  " \"ips\": [\"10.0.0.10\", \"fd00:1::10\"], \"socket\": "
			  "\"/run/vpcsw/vm1.sock\", \"mode\": \"client\", \"queues\": 4,"
			  " \"security_groups\": []}");

	assert_true(json_equal(j, want));
	json_decref(j);
	json_decref(want);
}

static void state_survives_encode_and_decode(void **state)
{
	struct cfg *c = *state, *back = NULL;
	char err[CFG_ERR_SIZE] = "";
	json_t *doc = cfg_state_encode(c), *again;

	assert_non_null(doc);
	assert_int_equal(json_array_size(json_object_get(doc, "vpcs")), 2);
	assert_int_equal(json_array_size(json_object_get(doc, "subnets")), 3);
	assert_int_equal(json_array_size(json_object_get(doc, "ports")), 2);
	assert_int_equal(cfg_state_decode(doc, NULL, &back, err), 0);
	assert_int_equal(back->ports.len, 2);
	for (size_t i = 0; i < c->ports.len; i++)
		assert_true(cfg_port_equal(&((struct cfg_port *)c->ports.rows)[i],
					   &((struct cfg_port *)back->ports.rows)[i]));
	again = cfg_state_encode(back);
	assert_true(json_equal(doc, again));
	json_decref(doc);
	json_decref(again);
	cfg_free(back);
}

static void table_encode_of_empty_table_is_empty_array(void **state)
{
	struct cfg *e = cfg_new();
	json_t *a = cfg_table_encode(e, CFG_T_PORT), *doc = cfg_state_encode(e);
	json_t *want = js("{\"vpcs\": [], \"subnets\": [], \"security_groups\": [],"
			  " \"security_group_rules\": [], \"ports\": [], \"remotes\": [],"
			  " \"dhcp_options\": [], \"ecmp_groups\": [], \"routes\": [],"
			  " \"load_balancers\": [], \"lb_listeners\": [], \"lb_backends\": []}");

	(void)state;
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 0);
	assert_true(json_equal(doc, want));
	json_decref(a);
	json_decref(doc);
	json_decref(want);
	cfg_free(e);
}

/* ---- whole-state documents ---- */

static void state_decode_rejects_non_object_and_unknown_member(void **state)
{
	(void)state;
	assert_state_refused("[]", NULL, -EINVAL, "state");
	assert_state_refused("{\"vpcs\": [], \"nat_rules\": []}", NULL, -EINVAL, "state.nat_rules");
}

static void state_decode_rejects_table_that_is_not_an_array(void **state)
{
	(void)state;
	assert_state_refused("{\"vpcs\": [{\"name\": \"blue\", \"vni\": 1}], \"ports\": {}}", NULL,
			     -EINVAL, "state.ports");
}

static void state_decode_error_names_the_row_index(void **state)
{
	(void)state;
	assert_state_refused(
		"{\"vpcs\": [{\"name\": \"blue\", \"vni\": 1}],"
		" \"subnets\": [{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\","
		"  \"gateway\": \"10.0.0.1\", \"gateway_mac\": \"02:00:00:00:00:01\"}],"
		" \"ports\": [{\"name\": \"a\", \"vpc\": \"blue\", \"mac\": "
		"\"02:00:00:00:01:01\"},"
		" {\"name\": \"b\", \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01:0z\"}]}",
		"/run", -EINVAL, "ports[1]: port.mac");
}

static void state_decode_reports_rule_errno_with_row(void **state)
{
	(void)state;
	assert_state_refused(
		"{\"vpcs\": [{\"name\": \"a\", \"vni\": 1}, {\"name\": \"b\", \"vni\": 1}]}", NULL,
		-EEXIST, "vpcs[1]: vpc.vni");
	assert_state_refused(
		"{\"subnets\": [{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\","
		" \"gateway\": \"10.0.0.1\", \"gateway_mac\": \"02:00:00:00:00:01\"}]}",
		NULL, -ENOENT, "subnets[0]: subnet.vpc");
}

static void state_decode_reports_enomem(void **state)
{
	struct cfg *out = (struct cfg *)0x1;
	char err[CFG_ERR_SIZE] = "";
	json_t *doc = js("{\"vpcs\": [{\"name\": \"blue\", \"vni\": 1}]}");

	(void)state;
	allocs_until_failure = 0; /* the state itself */
	assert_int_equal(cfg_state_decode(doc, NULL, &out, err), -ENOMEM);
	allocs_until_failure = 1; /* the first row */
	assert_int_equal(cfg_state_decode(doc, NULL, &out, err), -ENOMEM);
	allocs_until_failure = -1;
	assert_ptr_equal(out, (struct cfg *)0x1);
	json_decref(doc);
}

/* Out of memory on a row, the edit has no field to blame; the row's message must still be
 * text the reply can carry, not what the stack held before. */
static void state_decode_enomem_message_is_initialised(void **state)
{
	struct cfg *out = NULL;
	char err[CFG_ERR_SIZE];
	json_t *doc = js("{\"vpcs\": [{\"name\": \"blue\", \"vni\": 1}]}");
	int rc;

	(void)state;
	memset(err, 0, sizeof(err));
	stack_poison();
	allocs_until_failure = 1;
	rc = cfg_state_decode(doc, NULL, &out, err);
	allocs_until_failure = -1;
	assert_int_equal(rc, -ENOMEM);
	assert_non_null(strstr(err, "vpcs[0]: "));
	if (!utf8_valid(err))
		fail_msg("message holds stack garbage: '%s'", err);
	json_decref(doc);
}

static void state_decode_of_empty_object_is_empty_state(void **state)
{
	struct cfg *out = state_of("{}", NULL);

	(void)state;
	assert_int_equal(out->vpcs.len + out->subnets.len + out->ports.len, 0);
	cfg_free(out);
}

/* Tables are loaded vpcs, subnets, ports whatever order the document lists them in. */
static void state_decode_ignores_member_order(void **state)
{
	struct cfg *out =
		state_of("{\"ports\": [{\"name\": \"a\", \"vpc\": \"blue\", \"mac\": "
			 "\"02:00:00:00:01:01\", \"ips\": [\"10.0.0.5\"]}],"
			 " \"subnets\": [{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\","
			 "  \"gateway\": \"10.0.0.1\", \"gateway_mac\": \"02:00:00:00:00:01\"}],"
			 " \"vpcs\": [{\"name\": \"blue\", \"vni\": 1}]}",
			 "/run");

	(void)state;
	assert_non_null(cfg_port_find(out, "a"));
	assert_string_equal(cfg_port_find(out, "a")->socket, "/run/a.sock");
	cfg_free(out);
}

/* ---- cfg_apply_op ---- */

static void apply_op_rejects_unknown_op(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE] = "";
	const char *row = "{\"name\": \"green\", \"vni\": 3}";

	assert_int_equal(apply(c, "upsert", CFG_T_VPC, row, NULL, err), -EINVAL);
	assert_non_null(strstr(err, "op: 'upsert'"));
	assert_null(cfg_vpc_find(c, "green"));
}

static void apply_op_passes_decode_and_rule_errors_through(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE] = "";
	const char *bad = "{\"name\": \"green\", \"vni\": \"3\"}",
		   *dup = "{\"name\": \"green\", \"vni\": 100}", *busy = "{\"name\": \"blue\"}",
		   *none = "{\"name\": \"vm9\"}";

	assert_int_equal(apply(c, "insert", CFG_T_VPC, bad, NULL, err), -EINVAL);
	assert_non_null(strstr(err, "vpc.vni"));
	assert_int_equal(apply(c, "insert", CFG_T_VPC, dup, NULL, err), -EEXIST);
	assert_non_null(strstr(err, "vpc.vni"));
	assert_int_equal(apply(c, "delete", CFG_T_VPC, busy, NULL, err), -EBUSY);
	assert_int_equal(apply(c, "delete", CFG_T_PORT, none, NULL, err), -ENOENT);
	assert_non_null(strstr(err, "port.name"));
	assert_int_equal(apply(c, "modify", CFG_T_VPC, dup, NULL, err), -ENOENT);
	assert_int_equal(c->vpcs.len, 2);
}

static void apply_op_inserts_modifies_and_deletes_each_table(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE] = "";
	const char *vpc = "{\"name\": \"green\", \"vni\": 300}",
		   *vpc2 = "{\"name\": \"green\", \"vni\": 301}",
		   *sub = "{\"vpc\": \"green\", \"cidr\": \"192.168.0.0/24\", \"gateway\": "
			  "\"192.168.0.1\", \"gateway_mac\": \"02:00:00:00:00:03\"}",
		   *sub2 = "{\"vpc\": \"green\", \"cidr\": \"192.168.0.0/24\", \"gateway\": "
			   "\"192.168.0.254\", \"gateway_mac\": \"02:00:00:00:00:03\"}",
		   *subkey = "{\"vpc\": \"green\", \"cidr\": \"192.168.0.0/24\"}",
		   *port = "{\"name\": \"vm3\", \"vpc\": \"green\", \"mac\": \"02:00:00:00:03:01\","
			   " \"ips\": [\"192.168.0.5\"]}",
		   *port2 =
			   "{\"name\": \"vm3\", \"vpc\": \"green\", \"mac\": \"02:00:00:00:03:02\","
			   " \"ips\": [\"192.168.0.6\"], \"queues\": 2}",
		   *portkey = "{\"name\": \"vm3\"}", *vpckey = "{\"name\": \"green\"}";
	const struct cfg_prefix *cidr;

	assert_int_equal(apply(c, "insert", CFG_T_VPC, vpc, NULL, err), 0);
	assert_int_equal(apply(c, "modify", CFG_T_VPC, vpc2, NULL, err), 0);
	assert_int_equal(cfg_vpc_find(c, "green")->vni, 301);
	assert_int_equal(apply(c, "insert", CFG_T_SUBNET, sub, NULL, err), 0);
	assert_int_equal(apply(c, "modify", CFG_T_SUBNET, sub2, NULL, err), 0);
	cidr = &((struct cfg_subnet *)c->subnets.rows)[3].cidr;
	assert_int_equal(cfg_subnet_find(c, "green", cidr)->gateway.addr[3], 254);
	assert_int_equal(apply(c, "insert", CFG_T_PORT, port, "/run/vpcsw", err), 0);
	assert_string_equal(cfg_port_find(c, "vm3")->socket, "/run/vpcsw/vm3.sock");
	assert_int_equal(apply(c, "modify", CFG_T_PORT, port2, "/run/vpcsw", err), 0);
	assert_int_equal(cfg_port_find(c, "vm3")->queues, 2);
	assert_int_equal(cfg_port_find(c, "vm3")->mac[5], 2);
	/* deletes need only the key, and go in dependency order */
	assert_int_equal(apply(c, "delete", CFG_T_SUBNET, subkey, NULL, err), -EBUSY);
	assert_int_equal(apply(c, "delete", CFG_T_PORT, portkey, NULL, err), 0);
	assert_int_equal(apply(c, "delete", CFG_T_SUBNET, subkey, NULL, err), 0);
	assert_int_equal(apply(c, "delete", CFG_T_VPC, vpckey, NULL, err), 0);
	assert_null(cfg_vpc_find(c, "green"));
	assert_int_equal(c->vpcs.len, 2);
	assert_int_equal(c->subnets.len, 3);
	assert_int_equal(c->ports.len, 2);
}

/* ---- security groups and rules ---- */

static const char *const sg_doc =
	"{\"vpcs\": [{\"name\": \"blue\", \"vni\": 100}],"
	" \"subnets\": [{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\","
	"   \"gateway_mac\": \"02:00:00:00:00:01\"}],"
	" \"security_groups\": [{\"vpc\": \"blue\", \"name\": \"web\"},"
	"   {\"vpc\": \"blue\", \"name\": \"db\"}]}";

/* Decode a rule, insert it into a state with blue/web and blue/db, encode the stored row:
 * the encoding must be `want`, and decode to the stored row again. */
static void assert_rule_stored_as(const char *text, const char *want_text)
{
	struct cfg *c = state_of(sg_doc, NULL);
	char err[CFG_ERR_SIZE] = "";
	json_t *j = js(text), *want = js(want_text), *enc;
	struct cfg_sg_rule r, back;
	const struct cfg_sg_rule *stored;

	if (cfg_row_decode(CFG_T_SG_RULE, j, NULL, &r, err) != 0)
		fail_msg("rule %s refused: %s", text, err);
	/* the decoded row itself round-trips, normalized or not */
	round_trip(CFG_T_SG_RULE, &r, &back);
	assert_true(cfg_sg_rule_equal(&r, &back));
	if (cfg_sg_rule_insert(c, &r, err) != 0)
		fail_msg("rule %s not inserted: %s", text, err);
	stored = c->sg_rules.rows;
	enc = cfg_row_encode(CFG_T_SG_RULE, stored);
	if (!json_equal(enc, want)) {
		char *s = json_dumps(enc, JSON_SORT_KEYS);

		fail_msg("%s encodes as %s", text, s);
	}
	assert_int_equal(cfg_row_decode(CFG_T_SG_RULE, enc, NULL, &back, err), 0);
	assert_memory_equal(&back, stored, offsetof(struct cfg_sg_rule, remote));
	assert_true(cfg_sg_rule_equal(&back, stored));
	assert_ptr_equal(cfg_sg_rule_find(c, &back), stored);
	json_decref(enc);
	json_decref(want);
	json_decref(j);
	cfg_free(c);
}

#define R(members) "{\"vpc\": \"blue\", \"group\": \"web\", " members "}"
#define TCP_PORTS  "\"direction\": \"ingress\", \"protocol\": \"tcp\", \"ports\": "
#define ICMP	   "\"direction\": \"ingress\", \"protocol\": \"icmp\", "

static void every_rule_shape_round_trips_in_normal_form(void **state)
{
	(void)state;
	/* any protocol of both families, from anywhere */
	assert_rule_stored_as(R("\"direction\": \"ingress\""),
			      R("\"direction\": \"ingress\", \"protocol\": \"any\""));
	/* tcp: all ports are left out, one port, a range; a JSON integer port */
	assert_rule_stored_as(R("\"direction\": \"ingress\", \"protocol\": \"tcp\""),
			      R("\"direction\": \"ingress\", \"protocol\": \"tcp\""));
	assert_rule_stored_as(R(TCP_PORTS "\"0-65535\""),
			      R("\"direction\": \"ingress\", \"protocol\": \"tcp\""));
	assert_rule_stored_as(R("\"direction\": \"ingress\", \"protocol\": 6, \"ports\": 80"),
			      R(TCP_PORTS "\"80\""));
	assert_rule_stored_as(
		R("\"direction\": \"egress\", \"protocol\": \"udp\", \"ports\": \"1000-2000\","
		  " \"family\": \"ipv6\""),
		R("\"direction\": \"egress\", \"family\": \"ipv6\", \"protocol\": \"udp\","
		  " \"ports\": \"1000-2000\""));
	assert_rule_stored_as(R(TCP_PORTS "\"0\""), R(TCP_PORTS "\"0\""));
	/* a remote prefix fixes the family */
	assert_rule_stored_as(
		R(TCP_PORTS "\"22\","
			    " \"remote\": \"10.0.0.0/8\""),
		R("\"direction\": \"ingress\", \"family\": \"ipv4\", \"protocol\": \"tcp\","
		  " \"ports\": \"22\", \"remote\": \"10.0.0.0/8\""));
	assert_rule_stored_as(R("\"direction\": \"egress\", \"remote\": \"::/0\""),
			      R("\"direction\": \"egress\", \"family\": \"ipv6\", \"protocol\":"
				" \"any\", \"remote\": \"::/0\""));
	/* icmp and icmpv6 fix the family; type, type and code */
	assert_rule_stored_as(R("\"direction\": \"ingress\", \"protocol\": \"icmp\""),
			      R("\"direction\": \"ingress\", \"family\": \"ipv4\", \"protocol\":"
				" \"icmp\""));
	assert_rule_stored_as(
		R(ICMP "\"icmp_type\": 8"),
		R("\"direction\": \"ingress\", \"family\": \"ipv4\", \"protocol\": \"icmp\","
		  " \"icmp_type\": 8"));
	assert_rule_stored_as(
		R("\"direction\": \"ingress\", \"protocol\": 58, \"icmp_type\": 1,"
		  " \"icmp_code\": 4"),
		R("\"direction\": \"ingress\", \"family\": \"ipv6\", \"protocol\": \"icmpv6\","
		  " \"icmp_type\": 1, \"icmp_code\": 4"));
	/* a protocol without a name goes by number */
	assert_rule_stored_as(R("\"direction\": \"ingress\", \"protocol\": 47"),
			      R("\"direction\": \"ingress\", \"protocol\": 47"));
	/* a remote group, of another group or of its own */
	assert_rule_stored_as(R(TCP_PORTS "\"5432\","
					  " \"remote_group\": \"db\""),
			      R(TCP_PORTS "\"5432\","
					  " \"remote_group\": \"db\""));
	assert_rule_stored_as(R("\"direction\": \"ingress\", \"remote_group\": \"web\""),
			      R("\"direction\": \"ingress\", \"protocol\": \"any\","
				" \"remote_group\": \"web\""));
}

/* A rule decoded but refused by cfg still encodes to what it was decoded from. */
static void unnormalized_rule_round_trips(void **state)
{
	char err[CFG_ERR_SIZE] = "";
	json_t *j = js(R(ICMP "\"ports\": \"80\","
			      " \"icmp_type\": 3"));
	json_t *enc;
	struct cfg_sg_rule r, back;

	(void)state;
	assert_int_equal(cfg_row_decode(CFG_T_SG_RULE, j, NULL, &r, err), 0);
	enc = cfg_row_encode(CFG_T_SG_RULE, &r);
	assert_int_equal(cfg_row_decode(CFG_T_SG_RULE, enc, NULL, &back, err), 0);
	assert_true(cfg_sg_rule_equal(&r, &back));
	assert_string_equal(json_string_value(json_object_get(enc, "ports")), "80");
	json_decref(enc);
	json_decref(j);
}

static void rule_decode_names_each_bad_member(void **state)
{
	static const struct refusal bad[] = {
		{"{\"group\": \"web\", \"direction\": \"ingress\"}",
		 "security_group_rule.vpc: missing"},
		{"{\"vpc\": \"blue\", \"direction\": \"ingress\"}",
		 "security_group_rule.group: missing"},
		{R("\"direction\": \"ingress\", \"priority\": 1"),
		 "security_group_rule.priority: unknown member"},
		{R("\"protocol\": \"tcp\""), "security_group_rule.direction: missing"},
		{R("\"direction\": \"in\""), "security_group_rule.direction: 'in'"},
		{R("\"direction\": 0"), "security_group_rule.direction: must be a string"},
		{R("\"direction\": \"ingress\", \"family\": \"ip\""),
		 "security_group_rule.family: 'ip'"},
		{R("\"direction\": \"ingress\", \"family\": \"\""), "security_group_rule.family"},
		{R("\"direction\": \"ingress\", \"family\": 4"),
		 "security_group_rule.family: must be a string"},
		{R("\"direction\": \"ingress\", \"protocol\": \"sctp\""),
		 "security_group_rule.protocol"},
		{R("\"direction\": \"ingress\", \"protocol\": 256"),
		 "security_group_rule.protocol"},
		{R("\"direction\": \"ingress\", \"protocol\": -1"), "security_group_rule.protocol"},
		{R("\"direction\": \"ingress\", \"protocol\": true"),
		 "security_group_rule.protocol"},
		{R("\"direction\": \"ingress\", \"protocol\": \"TCP\""),
		 "security_group_rule.protocol"},
		{R(ICMP "\"icmp_type\": 256"), "security_group_rule.icmp_type"},
		{R(ICMP "\"icmp_type\": \"8\""), "security_group_rule.icmp_type"},
		{R(ICMP "\"icmp_code\": 1"), "security_group_rule.icmp_code: needs an icmp_type"},
		{R(ICMP "\"icmp_type\": 3,"
			" \"icmp_code\": -1"),
		 "security_group_rule.icmp_code"},
		{R("\"direction\": \"ingress\", \"remote\": \"10.0.0.0\""),
		 "security_group_rule.remote"},
		{R("\"direction\": \"ingress\", \"remote\": 10"),
		 "security_group_rule.remote: must be a string"},
		{R("\"direction\": \"ingress\", \"remote_group\": "
		   "\"abcdefghijklmnopqrstuvwxyz012345\""),
		 "security_group_rule.remote_group: longer than 31 bytes"},
	};

	/* the JSON of a tcp rule's ports */
	static const char *const bad_ports[] = {
		"\"80-\"",   /* a range without its end */
		"\"-80\"",   /* or its start */
		"\" 80\"",   /* white space */
		"\"+80\"",   /* a sign */
		"\"1-2-3\"", /* three ports */
		"\"65536\"", /* past the last port */
		"65536",     /* the same as a JSON integer */
		"-1",	     /* below the first */
		"\"\"",	     /* nothing */
		"[80]",	     /* not a string or integer */
	};
	char text[256];

	(void)state;
	assert_rows_refused(CFG_T_SG_RULE, NULL, bad, ARRAY_SIZE(bad));
	for (size_t i = 0; i < ARRAY_SIZE(bad_ports); i++) {
		snprintf(text, sizeof(text), R(TCP_PORTS "%s"), bad_ports[i]);
		assert_row_refused(CFG_T_SG_RULE, text, NULL, "security_group_rule.ports");
	}
}

/* What a rule may say is cfg.c's to check: the decoder passes it on, cfg names the member. */
static void rule_meaning_is_checked_by_cfg_naming_the_member(void **state)
{
	struct cfg *c = state_of(sg_doc, NULL);
	char err[CFG_ERR_SIZE] = "";
	const char *const bad[][2] = {
		{R(ICMP "\"family\": \"ipv6\""), "security_group_rule.family"},
		{R(ICMP "\"ports\": \"80\""), "security_group_rule.ports"},
		{R(TCP_PORTS "\"90-80\""), "security_group_rule.ports"},
		{R("\"direction\": \"ingress\", \"protocol\": \"udp\", \"icmp_type\": 8"),
		 "security_group_rule.icmp_type"},
		{R("\"direction\": \"ingress\", \"remote\": \"10.0.0.1/8\""),
		 "security_group_rule.remote: 10.0.0.1/8 has host bits set"},
		{R("\"direction\": \"ingress\", \"family\": \"ipv6\", \"remote\": \"10.0.0.0/8\""),
		 "security_group_rule.remote"},
		{R("\"direction\": \"ingress\", \"remote\": \"10.0.0.0/8\","
		   " \"remote_group\": \"db\""),
		 "security_group_rule.remote_group"},
		{R("\"direction\": \"ingress\", \"remote_group\": \"cache\""),
		 "security_group_rule.remote_group: no security group 'cache'"},
		{"{\"vpc\": \"blue\", \"group\": \"cache\", \"direction\": \"ingress\"}",
		 "security_group_rule.group: no security group 'cache'"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		assert_int_not_equal(apply(c, "insert", CFG_T_SG_RULE, bad[i][0], NULL, err), 0);
		if (strstr(err, bad[i][1]) == NULL)
			fail_msg("%s: message '%s' does not name '%s'", bad[i][0], err, bad[i][1]);
	}
	assert_int_equal(c->sg_rules.len, 0);
	cfg_free(c);
}

static void sg_decode_is_strict(void **state)
{
	static const struct refusal bad[] = {
		{"{\"vpc\": \"blue\"}", "security_group.name: missing"},
		{"{\"name\": \"web\"}", "security_group.vpc: missing"},
		{"{\"vpc\": \"blue\", \"name\": \"web\", \"rules\": []}",
		 "security_group.rules: unknown member"},
		{"[]", "security_group: must be a JSON object"},
	};

	(void)state;
	assert_rows_refused(CFG_T_SG, NULL, bad, ARRAY_SIZE(bad));
}

static void port_and_remote_decode_security_groups_strictly(void **state)
{
	static const struct refusal bad_ports[] = {
		{VM1(", \"security_groups\": \"web\""), "port.security_groups: must be an array"},
		{VM1(", \"security_groups\": [\"web\", 3]"),
		 "port.security_groups[1]: must be a string"},
		{VM1(", \"security_groups\": [\"abcdefghijklmnopqrstuvwxyz012345\"]"),
		 "port.security_groups[0]: longer than 31 bytes"},
		{VM1(", \"security_groups\": [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\","
		     " \"h\", \"i\"]"),
		 "port.security_groups: at most 8 groups"},
		{VM1(", \"max_connections\": -1"), "port.max_connections"},
		{VM1(", \"max_connections\": \"10\""), "port.max_connections"},
	};
	static const struct refusal bad_remotes[] = {
		{"{\"vpc\": \"blue\", \"mac\": \"02:00:00:00:09:01\", \"vtep\": "
		 "\"192.0.2.2\", \"security_groups\": {}}",
		 "remote.security_groups: must be an array"},
	};

	(void)state;
	assert_rows_refused(CFG_T_PORT, "/run", bad_ports, ARRAY_SIZE(bad_ports));
	assert_rows_refused(CFG_T_REMOTE, NULL, bad_remotes, ARRAY_SIZE(bad_remotes));
}

static void port_and_remote_encode_their_groups(void **state)
{
	struct cfg *c =
		state_of("{\"vpcs\": [{\"name\": \"blue\", \"vni\": 1}],"
			 " \"subnets\": [{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\","
			 "  \"gateway\": \"10.0.0.1\", \"gateway_mac\": \"02:00:00:00:00:01\"}],"
			 " \"security_groups\": [{\"vpc\": \"blue\", \"name\": \"web\"},"
			 "  {\"vpc\": \"blue\", \"name\": \"db\"}],"
			 " \"ports\": [{\"name\": \"a\", \"vpc\": \"blue\", \"mac\": "
			 "\"02:00:00:00:01:01\", \"security_groups\": [\"db\", \"web\"],"
			 " \"max_connections\": 1000}],"
			 " \"remotes\": [{\"vpc\": \"blue\", \"mac\": \"02:00:00:00:09:01\","
			 "  \"vtep\": \"192.0.2.2\", \"security_groups\": [\"web\"]}]}",
			 "/run");
	json_t *port, *remote, *want_port, *want_remote;

	(void)state;
	port = cfg_row_encode(CFG_T_PORT, cfg_port_find(c, "a"));
	remote = cfg_row_encode(CFG_T_REMOTE, c->remotes.rows);
	want_port = js("{\"name\": \"a\", \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01:01\","
		       " \"ips\": [], \"socket\": \"/run/a.sock\", \"mode\": \"server\","
		       " \"queues\": 1, \"security_groups\": [\"db\", \"web\"],"
		       " \"max_connections\": 1000}");
	want_remote = js("{\"vpc\": \"blue\", \"mac\": \"02:00:00:00:09:01\", \"ips\": [],"
			 " \"vtep\": \"192.0.2.2\", \"security_groups\": [\"web\"]}");
	assert_true(json_equal(port, want_port));
	assert_true(json_equal(remote, want_remote));
	json_decref(port);
	json_decref(remote);
	json_decref(want_port);
	json_decref(want_remote);
	cfg_free(c);
}

/* Tables load in dependency order (groups, rules, ports) whatever the document's order;
 * the dump of the result loads again to the same state. */
static void state_with_groups_and_rules_decodes_in_any_member_order(void **state)
{
	struct cfg *c = state_of(
		"{\"remotes\": [{\"vpc\": \"blue\", \"mac\": \"02:00:00:00:09:01\","
		"   \"vtep\": \"192.0.2.2\", \"ips\": [\"10.0.0.20\"],"
		"   \"security_groups\": [\"db\"]}],"
		" \"ports\": [{\"name\": \"a\", \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01:01\","
		"   \"ips\": [\"10.0.0.5\"], \"security_groups\": [\"web\"]}],"
		" \"security_group_rules\": ["
		"   {\"vpc\": \"blue\", \"group\": \"web\", \"direction\": \"ingress\","
		"    \"protocol\": \"tcp\", \"ports\": \"80\", \"remote_group\": \"db\"},"
		"   {\"vpc\": \"blue\", \"group\": \"db\", \"direction\": \"egress\","
		"    \"remote\": \"0.0.0.0/0\"}],"
		" \"security_groups\": [{\"vpc\": \"blue\", \"name\": \"web\"},"
		"   {\"vpc\": \"blue\", \"name\": \"db\"}],"
		" \"subnets\": [{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\","
		"   \"gateway\": \"10.0.0.1\", \"gateway_mac\": \"02:00:00:00:00:01\"}],"
		" \"vpcs\": [{\"name\": \"blue\", \"vni\": 1}]}",
		"/run");
	struct cfg *back = NULL;
	char err[CFG_ERR_SIZE] = "";
	json_t *again, *again2;

	(void)state;
	assert_int_equal(c->sgs.len, 2);
	assert_int_equal(c->sg_rules.len, 2);
	assert_string_equal(cfg_port_find(c, "a")->sgs[0], "web");
	again = cfg_state_encode(c);
	assert_int_equal(json_array_size(json_object_get(again, "security_groups")), 2);
	assert_int_equal(json_array_size(json_object_get(again, "security_group_rules")), 2);
	assert_int_equal(cfg_state_decode(again, NULL, &back, err), 0);
	again2 = cfg_state_encode(back);
	assert_true(json_equal(again, again2));
	for (int t = 0; t < CFG_T_COUNT; t++)
		assert_int_equal(cfg_count_unchanged(c, back, t), cfg_table_get(c, t)->len);
	json_decref(again);
	json_decref(again2);
	cfg_free(c);
	cfg_free(back);
}

static void state_decode_error_names_the_rule_row(void **state)
{
	(void)state;
	assert_state_refused(
		"{\"vpcs\": [{\"name\": \"blue\", \"vni\": 1}],"
		" \"security_groups\": [{\"vpc\": \"blue\", \"name\": \"web\"}],"
		" \"security_group_rules\": ["
		"   {\"vpc\": \"blue\", \"group\": \"web\", \"direction\": \"ingress\"},"
		"   {\"vpc\": \"blue\", \"group\": \"web\","
		"    \"direction\": \"ingress\"}]}",
		NULL, -EEXIST, "security_group_rules[1]: security_group_rule: group 'web'");
}

static void apply_op_refuses_modify_of_groups_and_rules(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE] = "";
	const char *g = "{\"vpc\": \"blue\", \"name\": \"web\"}",
		   *r = R("\"direction\": \"ingress\"");

	assert_int_equal(apply(c, "insert", CFG_T_SG, g, NULL, err), 0);
	assert_int_equal(apply(c, "insert", CFG_T_SG_RULE, r, NULL, err), 0);
	assert_int_equal(apply(c, "modify", CFG_T_SG, g, NULL, err), -EINVAL);
	assert_non_null(strstr(err, "security_group: a group has no member but its key"));
	assert_int_equal(apply(c, "modify", CFG_T_SG_RULE, r, NULL, err), -EINVAL);
	assert_non_null(strstr(err, "security_group_rule: every member is part of the key; "
				    "delete the rule and insert the new one"));
}

/* A rule's delete reads the whole row: a rule differing in any member is another rule. */
static void apply_op_deletes_a_rule_by_its_whole_content(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE] = "";
	const char *g = "{\"vpc\": \"blue\", \"name\": \"web\"}",
		   *r = R(TCP_PORTS "\"22\","
				    " \"remote\": \"10.0.0.0/8\""),
		   *other = R(TCP_PORTS "\"23\","
					" \"remote\": \"10.0.0.0/8\""),
		   *same = R(TCP_PORTS "22,"
				       " \"family\": \"ipv4\", \"remote\": \"10.0.0.0/8\""),
		   *partial = R("\"direction\": \"ingress\"");

	assert_int_equal(apply(c, "insert", CFG_T_SG, g, NULL, err), 0);
	assert_int_equal(apply(c, "insert", CFG_T_SG_RULE, r, NULL, err), 0);
	assert_int_equal(apply(c, "delete", CFG_T_SG_RULE, other, NULL, err), -ENOENT);
	assert_int_equal(apply(c, "delete", CFG_T_SG_RULE, partial, NULL, err), -ENOENT);
	assert_int_equal(apply(c, "delete", CFG_T_SG_RULE, same, NULL, err), 0);
	assert_int_equal(c->sg_rules.len, 0);
	/* and a group's delete takes its rules */
	assert_int_equal(apply(c, "insert", CFG_T_SG_RULE, r, NULL, err), 0);
	assert_int_equal(apply(c, "delete", CFG_T_SG, g, NULL, err), 0);
	assert_int_equal(c->sgs.len + c->sg_rules.len, 0);
}

/* ---- routes, ECMP groups, DHCP options ---- */

static const char *const routing_doc =
	"{\"routes\": ["
	"  {\"vpc\": \"blue\", \"prefix\": \"0.0.0.0/0\", \"ecmp\": \"fw\"},"
	"  {\"vpc\": \"blue\", \"prefix\": \"10.8.0.0/16\", \"via\": \"10.0.0.20\"},"
	"  {\"vpc\": \"blue\", \"prefix\": \"10.9.0.0/16\", \"port\": \"fw1\"},"
	"  {\"vpc\": \"blue\", \"prefix\": \"172.16.0.0/12\", \"vtep\": \"2001:db8::7\"},"
	"  {\"vpc\": \"blue\", \"prefix\": \"::/0\", \"blackhole\": true}],"
	" \"dhcp_options\": ["
	"  {\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\", \"dns\": [\"10.0.0.53\", \"8.8.8.8\"],"
	"   \"domain\": \"corp.example\", \"lease_time\": 3600,"
	"   \"routes\": [{\"prefix\": \"10.2.0.0/16\", \"router\": \"10.0.0.1\"}]},"
	"  {\"vpc\": \"blue\", \"subnet\": \"fd00:1::/64\"}],"
	" \"ecmp_groups\": [{\"vpc\": \"blue\", \"name\": \"fw\","
	"   \"members\": [\"10.0.0.6\", \"10.0.0.5\"]}],"
	" \"vpcs\": [{\"name\": \"blue\", \"vni\": 100}],"
	" \"subnets\": ["
	"  {\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\","
	"   \"gateway_mac\": \"02:00:00:00:00:01\"},"
	"  {\"vpc\": \"blue\", \"cidr\": \"fd00:1::/64\", \"gateway\": \"fd00:1::1\","
	"   \"gateway_mac\": \"02:00:00:00:00:01\"}],"
	" \"ports\": [{\"name\": \"fw1\", \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01:01\","
	"   \"ips\": [\"10.0.0.10\"], \"socket\": \"/run/vpcsw/fw1.sock\"}]}";

static void table_parse_knows_routing_and_dhcp_tables(void **state)
{
	(void)state;
	assert_int_equal(cfg_table_parse("route"), CFG_T_ROUTE);
	assert_int_equal(cfg_table_parse("routes"), CFG_T_ROUTE);
	assert_int_equal(cfg_table_parse("ecmp_group"), CFG_T_ECMP_GROUP);
	assert_int_equal(cfg_table_parse("ecmp_groups"), CFG_T_ECMP_GROUP);
	assert_int_equal(cfg_table_parse("dhcp_options"), CFG_T_DHCP_OPTIONS);
	assert_int_equal(cfg_table_parse("dhcp_option"), -1);
	assert_string_equal(cfg_table_name(CFG_T_ROUTE), "route");
	assert_string_equal(cfg_table_name(CFG_T_ECMP_GROUP), "ecmp_group");
	assert_string_equal(cfg_table_name(CFG_T_DHCP_OPTIONS), "dhcp_options");
	assert_int_equal(cfg_row_size(CFG_T_ROUTE), sizeof(struct cfg_route));
	assert_int_equal(cfg_row_size(CFG_T_ECMP_GROUP), sizeof(struct cfg_ecmp_group));
	assert_int_equal(cfg_row_size(CFG_T_DHCP_OPTIONS), sizeof(struct cfg_dhcp_options));
}

/* Every kind of next hop is its own member, and reads back as written. */
static void route_shapes_decode_to_their_next_hop_and_encode_back(void **state)
{
	struct cfg *c = state_of(routing_doc, NULL);
	json_t *routes = cfg_table_encode(c, CFG_T_ROUTE), *doc = js(routing_doc);

	(void)state;
	assert_int_equal(c->routes.len, 5);
	assert_int_equal(((struct cfg_route *)c->routes.rows)[0].nh_kind, CFG_NH_ECMP);
	assert_int_equal(((struct cfg_route *)c->routes.rows)[1].nh_kind, CFG_NH_ADDRESS);
	assert_int_equal(((struct cfg_route *)c->routes.rows)[2].nh_kind, CFG_NH_PORT);
	assert_int_equal(((struct cfg_route *)c->routes.rows)[3].nh_kind, CFG_NH_VTEP);
	assert_int_equal(((struct cfg_route *)c->routes.rows)[4].nh_kind, CFG_NH_BLACKHOLE);
	assert_true(json_equal(routes, json_object_get(doc, "routes")));
	json_decref(routes);
	json_decref(doc);
	cfg_free(c);
}

/* What is stored (sorted members, the default lease, empty lists) is what is encoded, and the
 * encoding decodes to the same state and encodes the same again. */
static void routing_state_round_trips_exactly(void **state)
{
	struct cfg *c = state_of(routing_doc, NULL), *back = NULL;
	char err[CFG_ERR_SIZE] = "";
	json_t *doc = cfg_state_encode(c), *again;
	json_t *groups = js("[{\"vpc\": \"blue\", \"name\": \"fw\","
			    " \"members\": [\"10.0.0.5\", \"10.0.0.6\"]}]");
	json_t *dhcp =
		js("[{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\","
		   "   \"dns\": [\"10.0.0.53\", \"8.8.8.8\"], \"domain\": \"corp.example\","
		   "   \"lease_time\": 3600,"
		   "   \"routes\": [{\"prefix\": \"10.2.0.0/16\", \"router\": \"10.0.0.1\"}]},"
		   "  {\"vpc\": \"blue\", \"subnet\": \"fd00:1::/64\", \"dns\": [],"
		   "   \"domain\": \"\", \"lease_time\": 86400, \"routes\": []}]");

	(void)state;
	assert_true(json_equal(json_object_get(doc, "ecmp_groups"), groups));
	assert_true(json_equal(json_object_get(doc, "dhcp_options"), dhcp));
	assert_int_equal(cfg_state_decode(doc, NULL, &back, err), 0);
	for (int t = 0; t < CFG_T_COUNT; t++)
		assert_int_equal(cfg_count_unchanged(c, back, t), cfg_table_get(c, t)->len);
	again = cfg_state_encode(back);
	assert_true(json_equal(doc, again));
	json_decref(doc);
	json_decref(again);
	json_decref(groups);
	json_decref(dhcp);
	cfg_free(back);
	cfg_free(c);
}

#define ROUTE(members) "{\"vpc\": \"blue\", \"prefix\": \"0.0.0.0/0\"" members "}"

static void route_decode_refuses_unknown_member_and_any_but_one_next_hop(void **state)
{
	static const struct refusal bad[] = {
		{ROUTE(", \"via\": \"10.0.0.5\", \"gateway\": \"x\""),
		 "route.gateway: unknown member"},
		{ROUTE(", \"via\": \"10.0.0.5\", \"port\": \"fw1\""),
		 "route.port: a route has one next hop, and via is given too"},
		{ROUTE(", \"ecmp\": \"fw\", \"blackhole\": true"),
		 "route.blackhole: a route has one next hop, and ecmp is given too"},
		{ROUTE(""), "route: missing a next hop (via, port, vtep, ecmp or blackhole)"},
		{ROUTE(", \"blackhole\": false"), "route.blackhole: must be true"},
		{ROUTE(", \"blackhole\": 1"), "route.blackhole: must be true"},
		{ROUTE(", \"via\": \"10.0.0.x\""), "route.via: '10.0.0.x' is not an IP address"},
		{ROUTE(", \"vtep\": 5"), "route.vtep: must be a string"},
		{ROUTE(", \"port\": null"), "route.port: must be a string"},
		{"{\"vpc\": \"blue\", \"blackhole\": true}", "route.prefix: missing"},
		{"{\"vpc\": \"blue\", \"prefix\": \"10.0.0.0\", \"blackhole\": true}",
		 "route.prefix: '10.0.0.0' is not an address/length prefix"},
		{"{\"prefix\": \"0.0.0.0/0\", \"blackhole\": true}", "route.vpc: missing"},
	};

	(void)state;
	assert_rows_refused(CFG_T_ROUTE, NULL, bad, ARRAY_SIZE(bad));
}

static void ecmp_and_dhcp_decode_refuse_bad_members(void **state)
{
	static const struct refusal bad_groups[] = {
		{"{\"vpc\": \"blue\", \"name\": \"fw\", \"members\": [], \"weights\": []}",
		 "ecmp_group.weights: unknown member"},
		{"{\"vpc\": \"blue\", \"name\": \"fw\"}", "ecmp_group.members: missing"},
		{"{\"vpc\": \"blue\", \"name\": \"fw\", \"members\": \"10.0.0.5\"}",
		 "ecmp_group.members: must be an array of addresses"},
		{"{\"vpc\": \"blue\", \"name\": \"fw\", \"members\": [\"10.0.0.5\", 7]}",
		 "ecmp_group.members[1]: not an IP address"},
		{"{\"vpc\": \"blue\", \"name\": \"fw\", \"members\": [\"1.1.1.1\","
		 " \"1.1.1.1\", \"1.1.1.1\", \"1.1.1.1\", \"1.1.1.1\", \"1.1.1.1\","
		 " \"1.1.1.1\", \"1.1.1.1\", \"1.1.1.1\", \"1.1.1.1\", \"1.1.1.1\","
		 " \"1.1.1.1\", \"1.1.1.1\", \"1.1.1.1\", \"1.1.1.1\", \"1.1.1.1\","
		 " \"1.1.1.1\"]}",
		 "ecmp_group.members: at most 16 addresses"},
	};
	static const struct refusal bad_options[] = {
		{"{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\", \"router\": \"x\"}",
		 "dhcp_options.router: unknown member"},
		{"{\"vpc\": \"blue\"}", "dhcp_options.subnet: missing"},
		{"{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\", \"dns\": [\"1.1.1.1\","
		 " \"1.1.1.2\", \"1.1.1.3\", \"1.1.1.4\", \"1.1.1.5\"]}",
		 "dhcp_options.dns: at most 4 addresses"},
		{"{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\", \"dns\": [\"dns1\"]}",
		 "dhcp_options.dns[0]: not an IP address"},
		{"{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\", \"domain\": 1}",
		 "dhcp_options.domain: must be a string"},
		{"{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\", \"domain\": "
		 "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
		 "dhcp_options.domain: longer than 63 bytes"},
		{"{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\", \"lease_time\": -1}",
		 "dhcp_options.lease_time: must be an integer from 0 to 4294967295"},
		{"{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\", \"routes\": {}}",
		 "dhcp_options.routes: must be an array of {prefix, router}"},
		{"{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\", \"routes\": [\"x\"]}",
		 "dhcp_options.routes[0]: must be a JSON object"},
		{"{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\", \"routes\": [{\"prefix\":"
		 " \"10.2.0.0/16\", \"router\": \"10.0.0.1\", \"metric\": 1}]}",
		 "dhcp_options.routes[0].metric: unknown member"},
		{"{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\", \"routes\": [{\"prefix\":"
		 " \"10.2.0.0/16\", \"router\": \"10.0.0.1\"}, {\"prefix\": \"10.3.0.0/16\"}]}",
		 "dhcp_options.routes[1].router: missing"},
		{"{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\", \"routes\": [{\"prefix\":"
		 " \"10.2.0.0\", \"router\": \"10.0.0.1\"}]}",
		 "dhcp_options.routes[0].prefix: '10.2.0.0' is not an address/length"},
	};

	(void)state;
	assert_rows_refused(CFG_T_ECMP_GROUP, NULL, bad_groups, ARRAY_SIZE(bad_groups));
	assert_rows_refused(CFG_T_DHCP_OPTIONS, NULL, bad_options, ARRAY_SIZE(bad_options));
}

static void routing_keys_decode_without_the_rest(void **state)
{
	char err[CFG_ERR_SIZE] = "";
	json_t *r = js("{\"vpc\": \"blue\", \"prefix\": \"10.0.0.0/8\"}"),
	       *g = js("{\"vpc\": \"blue\", \"name\": \"fw\"}"),
	       *d = js("{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\"}");
	union {
		struct cfg_route r;
		struct cfg_ecmp_group g;
		struct cfg_dhcp_options d;
	} row;

	(void)state;
	assert_int_equal(cfg_key_decode(CFG_T_ROUTE, r, &row, err), 0);
	assert_int_equal(row.r.prefix.plen, 8);
	assert_int_equal(cfg_row_decode(CFG_T_ROUTE, r, NULL, &row, err), -EINVAL);
	assert_int_equal(cfg_key_decode(CFG_T_ECMP_GROUP, g, &row, err), 0);
	assert_string_equal(row.g.name, "fw");
	assert_int_equal(cfg_row_decode(CFG_T_ECMP_GROUP, g, NULL, &row, err), -EINVAL);
	assert_int_equal(cfg_key_decode(CFG_T_DHCP_OPTIONS, d, &row, err), 0);
	assert_int_equal(row.d.subnet.plen, 24);
	assert_int_equal(cfg_row_decode(CFG_T_DHCP_OPTIONS, d, NULL, &row, err), 0);
	assert_int_equal(row.d.lease_time, 0); /* cfg makes it the default */
	json_decref(r);
	json_decref(g);
	json_decref(d);
}

static void apply_op_inserts_modifies_and_deletes_routing_tables(void **state)
{
	struct cfg *c = state_of(routing_doc, NULL);
	char err[CFG_ERR_SIZE] = "";
	const char *r = ROUTE(", \"via\": \"10.0.0.30\""), *rkey = ROUTE(""),
		   *g = "{\"vpc\": \"blue\", \"name\": \"fw\", \"members\": [\"10.0.0.7\"]}",
		   *gkey = "{\"vpc\": \"blue\", \"name\": \"fw\"}",
		   *d = "{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\", \"lease_time\": 600}",
		   *dkey = "{\"vpc\": \"blue\", \"subnet\": \"10.0.0.0/24\"}",
		   *bad = "{\"vpc\": \"blue\", \"prefix\": \"10.7.0.0/16\", \"ecmp\": \"nope\"}";
	struct cfg_prefix p;

	(void)state;
	assert_int_equal(apply(c, "insert", CFG_T_ROUTE, r, NULL, err), -EEXIST);
	assert_int_equal(apply(c, "modify", CFG_T_ROUTE, r, NULL, err), 0);
	assert_int_equal(cfg_prefix_parse("0.0.0.0/0", &p), 0);
	assert_int_equal(cfg_route_find(c, "blue", &p)->nh_kind, CFG_NH_ADDRESS);
	assert_int_equal(apply(c, "insert", CFG_T_ROUTE, bad, NULL, err), -ENOENT);
	assert_non_null(strstr(err, "route.nh_name: no ecmp group 'nope' in vpc 'blue'"));
	assert_int_equal(apply(c, "modify", CFG_T_ECMP_GROUP, g, NULL, err), 0);
	assert_int_equal(cfg_ecmp_group_find(c, "blue", "fw")->n_members, 1);
	assert_int_equal(apply(c, "delete", CFG_T_ECMP_GROUP, gkey, NULL, err), 0);
	assert_int_equal(apply(c, "modify", CFG_T_DHCP_OPTIONS, d, NULL, err), 0);
	assert_int_equal(c->dhcp_options.len, 2);
	assert_int_equal(apply(c, "delete", CFG_T_DHCP_OPTIONS, dkey, NULL, err), 0);
	assert_int_equal(apply(c, "delete", CFG_T_DHCP_OPTIONS, dkey, NULL, err), -ENOENT);
	assert_int_equal(apply(c, "insert", CFG_T_DHCP_OPTIONS, d, NULL, err), 0);
	assert_int_equal(apply(c, "delete", CFG_T_ROUTE, rkey, NULL, err), 0);
	assert_int_equal(apply(c, "insert", CFG_T_ECMP_GROUP, g, NULL, err), 0);
	assert_int_equal(apply(c, "insert", CFG_T_ROUTE, r, NULL, err), 0);
	assert_int_equal(c->routes.len, 5);
	cfg_free(c);
}

static void state_decode_error_names_the_route_row(void **state)
{
	(void)state;
	assert_state_refused(
		"{\"vpcs\": [{\"name\": \"blue\", \"vni\": 1}],"
		" \"routes\": [{\"vpc\": \"blue\", \"prefix\": \"::/0\", \"blackhole\": true},"
		"  {\"vpc\": \"blue\", \"prefix\": \"0.0.0.0/0\", \"ecmp\": \"fw\"}]}",
		NULL, -ENOENT, "routes[1]: route.nh_name: no ecmp group 'fw' in vpc 'blue'");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(table_parse_accepts_singular_and_plural_only),
		T(table_name_and_row_size_match_the_structs),

		T(row_decode_rejects_unknown_table),
		T(row_decode_rejects_non_object),
		T(row_decode_rejects_unknown_member),
		T(unknown_member_message_stays_valid_utf8),
		T(vpc_decode_rejects_missing_or_mistyped_members),
		T(row_decode_rejects_string_longer_than_its_field),
		T(subnet_decode_rejects_bad_addresses),
		T(port_decode_rejects_bad_members),
		T(port_socket_is_required_without_sock_dir),
		T(port_default_socket_that_does_not_fit_is_refused),

		T(vpc_decode_reads_name_and_vni),
		T(subnet_decode_reads_every_member),
		T(port_decode_defaults_mode_queues_and_socket),
		T(port_decode_explicit_members_override_defaults),
		T(port_decode_leaves_range_rules_to_cfg),
		T(key_decode_needs_only_the_key),

		T(every_row_survives_encode_and_decode),
		T(port_encoding_names_every_member),
		T(state_survives_encode_and_decode),
		T(table_encode_of_empty_table_is_empty_array),

		T(state_decode_rejects_non_object_and_unknown_member),
		T(state_decode_rejects_table_that_is_not_an_array),
		T(state_decode_error_names_the_row_index),
		T(state_decode_reports_rule_errno_with_row),
		T(state_decode_reports_enomem),
		T(state_decode_enomem_message_is_initialised),
		T(state_decode_of_empty_object_is_empty_state),
		T(state_decode_ignores_member_order),

		T(apply_op_rejects_unknown_op),
		T(apply_op_passes_decode_and_rule_errors_through),
		T(apply_op_inserts_modifies_and_deletes_each_table),

		T(every_rule_shape_round_trips_in_normal_form),
		T(unnormalized_rule_round_trips),
		T(rule_decode_names_each_bad_member),
		T(rule_meaning_is_checked_by_cfg_naming_the_member),
		T(sg_decode_is_strict),
		T(port_and_remote_decode_security_groups_strictly),
		T(port_and_remote_encode_their_groups),
		T(state_with_groups_and_rules_decodes_in_any_member_order),
		T(state_decode_error_names_the_rule_row),
		T(apply_op_refuses_modify_of_groups_and_rules),
		T(apply_op_deletes_a_rule_by_its_whole_content),

		T(table_parse_knows_routing_and_dhcp_tables),
		T(route_shapes_decode_to_their_next_hop_and_encode_back),
		T(routing_state_round_trips_exactly),
		T(route_decode_refuses_unknown_member_and_any_but_one_next_hop),
		T(ecmp_and_dhcp_decode_refuse_bad_members),
		T(routing_keys_decode_without_the_rest),
		T(apply_op_inserts_modifies_and_deletes_routing_tables),
		T(state_decode_error_names_the_route_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
