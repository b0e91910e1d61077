/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of control/cfg.c: address parsing and formatting, every rule an edit of the
 * desired state is checked against (names, VNIs, subnets, port addresses, attachments),
 * the -errno and field-naming message of each refusal, and the promise that a refused edit
 * leaves the state exactly as it was. Pure: no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

/* ---- fixture ---- */

static struct cfg_vpc mk_vpc(const char *name, uint32_t vni)
{
	struct cfg_vpc v;

	memset(&v, 0, sizeof(v));
	snprintf(v.name, sizeof(v.name), "%s", name);
	v.vni = vni;
	v.encap = CFG_ENCAP_VXLAN;
	v.mtu = CFG_MTU_DEFAULT;
	return v;
}

static struct cfg_subnet mk_subnet(const char *vpc, const char *cidr, const char *gw,
				   const char *mac)
{
	struct cfg_subnet s;

	memset(&s, 0, sizeof(s));
	snprintf(s.vpc, sizeof(s.vpc), "%s", vpc);
	assert_int_equal(cfg_prefix_parse(cidr, &s.cidr), 0);
	assert_int_equal(cfg_ip_parse(gw, &s.gateway), 0);
	assert_int_equal(cfg_mac_parse(mac, s.gateway_mac), 0);
	return s;
}

/* ips: comma-separated list or NULL; socket defaults to /run/vpcsw/<name>.sock. */
static struct cfg_port mk_port(const char *name, const char *vpc, const char *mac, const char *ips)
{
	struct cfg_port p;
	char buf[256], *save = NULL;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	snprintf(p.vpc, sizeof(p.vpc), "%s", vpc);
	assert_int_equal(cfg_mac_parse(mac, p.mac), 0);
	if (ips != NULL) {
		snprintf(buf, sizeof(buf), "%s", ips);
		for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
			assert_int_equal(cfg_ip_parse(t, &p.ips[p.n_ips++]), 0);
	}
	snprintf(p.socket, sizeof(p.socket), "/run/vpcsw/%s.sock", name);
	p.mode = CFG_VHOST_SERVER;
	p.queues = 1;
	return p;
}

/*
 * The seed state every test starts from:
 *   vpc blue (vni 100): 10.0.0.0/24 gw 10.0.0.1, fd00:1::/64 gw fd00:1::1 (gw MAC :01)
 *                       port vm1 02:00:00:00:01:01 10.0.0.10 fd00:1::10
 *   vpc red  (vni 200): 10.0.0.0/24 gw 10.0.0.1 (gw MAC :02), no port
 */
static int setup(void **state)
{
	struct cfg *c = cfg_new();
	char err[CFG_ERR_SIZE];
	struct cfg_vpc v;
	struct cfg_subnet s;
	struct cfg_port p;

	assert_non_null(c);
	v = mk_vpc("blue", 100);
	assert_int_equal(cfg_vpc_insert(c, &v, err), 0);
	v = mk_vpc("red", 200);
	assert_int_equal(cfg_vpc_insert(c, &v, err), 0);
	s = mk_subnet("blue", "10.0.0.0/24", "10.0.0.1", "02:00:00:00:00:01");
	assert_int_equal(cfg_subnet_insert(c, &s, err), 0);
	s = mk_subnet("blue", "fd00:1::/64", "fd00:1::1", "02:00:00:00:00:01");
	assert_int_equal(cfg_subnet_insert(c, &s, err), 0);
	s = mk_subnet("red", "10.0.0.0/24", "10.0.0.1", "02:00:00:00:00:02");
	assert_int_equal(cfg_subnet_insert(c, &s, err), 0);
	p = mk_port("vm1", "blue", "02:00:00:00:01:01", "10.0.0.10,fd00:1::10");
	assert_int_equal(cfg_port_insert(c, &p, err), 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	cfg_free(*state);
	return 0;
}

static bool table_same(const struct cfg_table *a, const struct cfg_table *b)
{
	return a->len == b->len && a->row_size == b->row_size &&
	       (a->len == 0 || memcmp(a->rows, b->rows, a->len * a->row_size) == 0);
}

static bool state_same(const struct cfg *a, const struct cfg *b)
{
	return table_same(&a->vpcs, &b->vpcs) && table_same(&a->subnets, &b->subnets) &&
	       table_same(&a->ports, &b->ports);
}

/*
 * Run an edit that must be refused: check the -errno, that the message names `field`, and
 * that the state is byte for byte what it was before.
 */
#define assert_refused(c, call, want_rc, field)                                                    \
	do {                                                                                       \
		struct cfg *before_ = cfg_clone(c);                                                \
		int rc_;                                                                           \
                                                                                                   \
		assert_non_null(before_);                                                          \
		memset(err, 0, sizeof(err));                                                       \
		rc_ = (call);                                                                      \
		assert_int_equal(rc_, (want_rc));                                                  \
		if (strstr(err, (field)) == NULL)                                                  \
			fail_msg("message '%s' does not name '%s'", err, (field));                 \
		assert_true(state_same((c), before_));                                             \
		cfg_free(before_);                                                                 \
	} while (0)

/*
 * Allocation failure injection: meson.build links this test with -Wl,--wrap=malloc,calloc,
 * realloc, so cfg.c's allocations come here. allocs_until_failure = n makes the (n+1)-th
 * allocation from now fail, once.
 */
static int allocs_until_failure = -1;

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

static bool alloc_fails(void)
{
	if (allocs_until_failure < 0)
		return false;
	return allocs_until_failure-- == 0;
}

void *__wrap_malloc(size_t size)
{
	return alloc_fails() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return alloc_fails() ? NULL : __real_realloc(p, size);
}

/* ---- life cycle ---- */

static void new_state_is_empty(void **state)
{
	struct cfg *c = cfg_new();

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->vpcs.len, 0);
	assert_int_equal(c->subnets.len, 0);
	assert_int_equal(c->ports.len, 0);
	assert_null(cfg_vpc_find(c, "blue"));
	assert_null(cfg_port_find(c, "vm1"));
	cfg_free(c);
}

static void free_accepts_null(void **state)
{
	(void)state;
	cfg_free(NULL);
	assert_true(true); /* reaching here is the property */
}

static void new_reports_enomem(void **state)
{
	(void)state;
	allocs_until_failure = 0;
	errno = 0;
	assert_null(cfg_new());
	assert_int_equal(errno, ENOMEM);
	allocs_until_failure = -1;
}

/* cfg_clone allocates the state and then each table: a failure at any step is ENOMEM. */
static void clone_reports_enomem_at_every_allocation(void **state)
{
	struct cfg *c = *state, *k;

	for (int i = 0; i < 4; i++) {
		allocs_until_failure = i;
		errno = 0;
		assert_null(cfg_clone(c));
		assert_int_equal(errno, ENOMEM);
	}
	allocs_until_failure = 4;
	k = cfg_clone(c);
	allocs_until_failure = -1;
	assert_non_null(k);
	assert_true(state_same(c, k));
	cfg_free(k);
}

static void insert_out_of_memory_leaves_state_unchanged(void **state)
{
	struct cfg *c = *state, *before;
	char err[CFG_ERR_SIZE], name[16];
	struct cfg_vpc v;

	/* fill the table to its capacity, so the next insert must grow it */
	for (uint32_t i = 0; c->vpcs.len < c->vpcs.cap; i++) {
		snprintf(name, sizeof(name), "f%u", i);
		v = mk_vpc(name, 1000 + i);
		assert_int_equal(cfg_vpc_insert(c, &v, err), 0);
	}
	before = cfg_clone(c);
	assert_non_null(before);
	v = mk_vpc("green", 300);
	allocs_until_failure = 0;
	assert_int_equal(cfg_vpc_insert(c, &v, err), -ENOMEM);
	allocs_until_failure = -1;
	assert_true(state_same(c, before));
	assert_int_equal(cfg_vpc_insert(c, &v, err), 0);
	assert_non_null(cfg_vpc_find(c, "green"));
	cfg_free(before);
}

static void clone_is_deep(void **state)
{
	struct cfg *c = *state, *k = cfg_clone(c);
	char err[CFG_ERR_SIZE];
	struct cfg_vpc v = mk_vpc("green", 300);
	struct cfg_port *kp;

	assert_non_null(k);
	assert_true(state_same(c, k));
	assert_ptr_not_equal(k->vpcs.rows, c->vpcs.rows);
	assert_ptr_not_equal(k->subnets.rows, c->subnets.rows);
	assert_ptr_not_equal(k->ports.rows, c->ports.rows);
	/* edits of the clone, in place and by growth, leave the original alone */
	kp = k->ports.rows;
	kp->mac[5] = 0x77;
	assert_int_equal(cfg_vpc_insert(k, &v, err), 0);
	assert_int_equal(cfg_port_delete(k, "vm1", err), 0);
	assert_int_equal(c->vpcs.len, 2);
	assert_null(cfg_vpc_find(c, "green"));
	assert_non_null(cfg_port_find(c, "vm1"));
	assert_int_equal(cfg_port_find(c, "vm1")->mac[5], 0x01);
	cfg_free(k);
}

static void clone_of_empty_state_accepts_edits(void **state)
{
	struct cfg *e = cfg_new(), *k;
	char err[CFG_ERR_SIZE];
	struct cfg_vpc v = mk_vpc("blue", 1);

	(void)state;
	k = cfg_clone(e);
	assert_non_null(k);
	assert_int_equal(cfg_vpc_insert(k, &v, err), 0);
	assert_non_null(cfg_vpc_find(k, "blue"));
	assert_int_equal(e->vpcs.len, 0);
	cfg_free(k);
	cfg_free(e);
}

/* ---- address helpers ---- */

static void ip_parse_rejects_null_and_garbage(void **state)
{
	const char *bad[] = {"",	   "10.0.0", "10.0.0.256", "10.0.0.1/24",
			     "fd00::1::2", "host",   " 10.0.0.1",  "10.0.0.1 "};
	struct cfg_ip ip;

	(void)state;
	assert_int_equal(cfg_ip_parse(NULL, &ip), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cfg_ip_parse(bad[i], &ip) != -EINVAL)
			fail_msg("'%s' was accepted as an IP", bad[i]);
}

static void ip_parse_accepts_v4_and_v6(void **state)
{
	static const uint8_t v6[16] = {0xfd, 0, 0, 1, [15] = 0x10};
	struct cfg_ip ip;

	(void)state;
	assert_int_equal(cfg_ip_parse("10.1.2.3", &ip), 0);
	assert_int_equal(ip.af, AF_INET);
	assert_memory_equal(ip.addr, ((uint8_t[]){10, 1, 2, 3}), 4);
	assert_int_equal(cfg_ip_parse("fd00:1::10", &ip), 0);
	assert_int_equal(ip.af, AF_INET6);
	assert_memory_equal(ip.addr, v6, 16);
}

static void prefix_parse_rejects_malformed(void **state)
{
	const char *bad[] = {NULL,
			     "10.0.0.0",
			     "10.0.0.0/",
			     "10.0.0.0/33",
			     "10.0.0.0/-1",
			     "10.0.0.0/24x",
			     "/24",
			     "host/24",
			     "::/129",
			     "10.0.0.0/24/8",
			     "10.0.0.0/99999999999999999999"};
	struct cfg_prefix p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cfg_prefix_parse(bad[i], &p) != -EINVAL)
			fail_msg("'%s' was accepted as a prefix", bad[i] ? bad[i] : "(null)");
}

/* The length is digits only, as in every config file and ip(8) output. */
static void prefix_parse_rejects_sign_or_space_in_length(void **state)
{
	const char *bad[] = {"10.0.0.0/ 24", "10.0.0.0/+24", "10.0.0.0/\t24"};
	struct cfg_prefix p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cfg_prefix_parse(bad[i], &p) != -EINVAL)
			fail_msg("'%s' was accepted as a prefix", bad[i]);
}

static void prefix_parse_accepts_v4_v6_and_extremes(void **state)
{
	struct cfg_prefix p;

	(void)state;
	assert_int_equal(cfg_prefix_parse("10.0.0.0/24", &p), 0);
	assert_int_equal(p.ip.af, AF_INET);
	assert_int_equal(p.plen, 24);
	assert_int_equal(cfg_prefix_parse("0.0.0.0/0", &p), 0);
	assert_int_equal(p.plen, 0);
	assert_int_equal(cfg_prefix_parse("10.0.0.1/32", &p), 0);
	assert_int_equal(p.plen, 32);
	assert_int_equal(cfg_prefix_parse("fd00:1::/128", &p), 0);
	assert_int_equal(p.ip.af, AF_INET6);
	assert_int_equal(p.plen, 128);
}

static void mac_parse_rejects_wrong_shape(void **state)
{
	const char *bad[] = {NULL,
			     "",
			     "02:00:00:00:00",
			     "02:00:00:00:00:01:02",
			     "02-00-00-00-00-01",
			     "02:00:00:00:00:0g",
			     "002:0:00:00:00:01",
			     "02:00:00:00:00:1 ",
			     "0200.0000.0001"};
	uint8_t mac[6];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cfg_mac_parse(bad[i], mac) != -EINVAL)
			fail_msg("'%s' was accepted as a MAC", bad[i] ? bad[i] : "(null)");
}

/* Each of the six bytes is exactly two hex digits: no sign, blank or 0x (sscanf's %x takes
 * all three, and "-1" becomes ff). */
static void mac_parse_rejects_sign_blank_and_0x(void **state)
{
	const char *bad[] = {"02:00:00:00:00:-1", "-1:02:03:04:05:06", "+2:00:00:00:00:01",
			     " 2:00:00:00:00:01", "0x:00:00:00:00:01"};
	uint8_t mac[6];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cfg_mac_parse(bad[i], mac) != -EINVAL)
			fail_msg("'%s' was accepted as a MAC", bad[i]);
}

static void mac_parse_accepts_either_case(void **state)
{
	static const uint8_t want[6] = {0x02, 0xab, 0xcd, 0xef, 0x00, 0x9f};
	uint8_t mac[6];

	(void)state;
	assert_int_equal(cfg_mac_parse("02:ab:cd:ef:00:9f", mac), 0);
	assert_memory_equal(mac, want, 6);
	assert_int_equal(cfg_mac_parse("02:AB:CD:EF:00:9F", mac), 0);
	assert_memory_equal(mac, want, 6);
}

static void formats_round_trip_through_parse(void **state)
{
	struct cfg_prefix p, p2;
	struct cfg_ip ip;
	uint8_t mac[6];
	char buf[64];

	(void)state;
	assert_int_equal(cfg_prefix_parse("fd00:1::/64", &p), 0);
	cfg_prefix_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "fd00:1::/64");
	assert_int_equal(cfg_prefix_parse(buf, &p2), 0);
	assert_memory_equal(&p, &p2, sizeof(p));
	assert_int_equal(cfg_ip_parse("192.168.1.254", &ip), 0);
	cfg_ip_format(&ip, buf, sizeof(buf));
	assert_string_equal(buf, "192.168.1.254");
	assert_int_equal(cfg_mac_parse("02:AB:00:00:00:01", mac), 0);
	cfg_mac_format(mac, buf, sizeof(buf));
	assert_string_equal(buf, "02:ab:00:00:00:01");
}

static void ip_format_of_unknown_family_is_placeholder(void **state)
{
	struct cfg_ip ip;
	char buf[64];

	(void)state;
	memset(&ip, 0, sizeof(ip));
	cfg_ip_format(&ip, buf, sizeof(buf));
	assert_string_equal(buf, "?");
}

static void prefix_contains_checks_family_and_bits(void **state)
{
	struct cfg_prefix p, all;
	struct cfg_ip in, out, v6;

	(void)state;
	assert_int_equal(cfg_prefix_parse("10.0.0.0/25", &p), 0);
	assert_int_equal(cfg_prefix_parse("0.0.0.0/0", &all), 0);
	assert_int_equal(cfg_ip_parse("10.0.0.127", &in), 0);
	assert_int_equal(cfg_ip_parse("10.0.0.128", &out), 0);
	assert_int_equal(cfg_ip_parse("::a00:7f", &v6), 0);
	assert_true(cfg_prefix_contains(&p, &in));
	assert_false(cfg_prefix_contains(&p, &out));
	assert_false(cfg_prefix_contains(&p, &v6));
	assert_true(cfg_prefix_contains(&all, &out));
	assert_false(cfg_prefix_contains(&all, &v6));
}

static void name_valid_allows_only_31_safe_chars(void **state)
{
	char name[CFG_NAME_SIZE + 8];

	(void)state;
	assert_false(cfg_name_valid(""));
	assert_false(cfg_name_valid("has space"));
	assert_false(cfg_name_valid("slash/x"));
	assert_false(cfg_name_valid("caf\xc3\xa9"));
	assert_true(cfg_name_valid("Az09_.-"));
	memset(name, 'a', sizeof(name));
	name[CFG_NAME_SIZE - 1] = '\0';
	assert_true(cfg_name_valid(name)); /* 31 chars */
	name[CFG_NAME_SIZE - 1] = 'a';
	name[CFG_NAME_SIZE] = '\0';
	assert_false(cfg_name_valid(name)); /* 32 chars */
}

/* ---- VPCs ---- */

static void vpc_insert_rejects_invalid_name(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_vpc v = mk_vpc("", 300);

	assert_refused(c, cfg_vpc_insert(c, &v, err), -EINVAL, "vpc.name");
	v = mk_vpc("bad name", 300);
	assert_refused(c, cfg_vpc_insert(c, &v, err), -EINVAL, "vpc.name");
	/* a name filling the whole array has no terminator: invalid, and not overread */
	memset(v.name, 'x', sizeof(v.name));
	assert_refused(c, cfg_vpc_insert(c, &v, err), -EINVAL, "vpc.name");
}

static void vpc_insert_rejects_vni_zero_and_over_24_bits(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_vpc v = mk_vpc("green", 0);

	assert_refused(c, cfg_vpc_insert(c, &v, err), -EINVAL, "vpc.vni");
	v.vni = CFG_VNI_MAX + 1;
	assert_refused(c, cfg_vpc_insert(c, &v, err), -EINVAL, "vpc.vni");
	v.vni = UINT32_MAX;
	assert_refused(c, cfg_vpc_insert(c, &v, err), -EINVAL, "vpc.vni");
}

static void vpc_insert_rejects_duplicate_name(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_vpc v = mk_vpc("blue", 300);

	assert_refused(c, cfg_vpc_insert(c, &v, err), -EEXIST, "vpc.name");
}

static void vpc_insert_rejects_vni_of_another_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_vpc v = mk_vpc("green", 200);

	assert_refused(c, cfg_vpc_insert(c, &v, err), -EEXIST, "vpc.vni");
	assert_non_null(strstr(err, "red"));
}

static void vpc_insert_accepts_vni_bounds(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_vpc lo = mk_vpc("lo", 1), hi = mk_vpc("hi", CFG_VNI_MAX);

	assert_int_equal(cfg_vpc_insert(c, &lo, err), 0);
	assert_int_equal(cfg_vpc_insert(c, &hi, err), 0);
	assert_int_equal(cfg_vpc_find(c, "lo")->vni, 1);
	assert_int_equal(cfg_vpc_find(c, "hi")->vni, CFG_VNI_MAX);
	assert_int_equal(c->vpcs.len, 4);
}

static void vpc_modify_rejects_unknown_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_vpc v = mk_vpc("green", 300);

	assert_refused(c, cfg_vpc_modify(c, &v, err), -ENOENT, "vpc.name");
}

static void vpc_modify_rejects_vni_of_another_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_vpc v = mk_vpc("blue", 200);

	assert_refused(c, cfg_vpc_modify(c, &v, err), -EEXIST, "vpc.vni");
	v.vni = 0;
	assert_refused(c, cfg_vpc_modify(c, &v, err), -EINVAL, "vpc.vni");
}

static void vpc_modify_changes_vni_and_may_keep_it(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_vpc v = mk_vpc("blue", 100);

	assert_int_equal(cfg_vpc_modify(c, &v, err), 0); /* its own VNI is no conflict */
	v.vni = 4242;
	assert_int_equal(cfg_vpc_modify(c, &v, err), 0);
	assert_int_equal(cfg_vpc_find(c, "blue")->vni, 4242);
	assert_int_equal(c->vpcs.len, 2);
}

static void vpc_delete_rejects_unknown_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];

	assert_refused(c, cfg_vpc_delete(c, "green", err), -ENOENT, "vpc.name");
}

static void vpc_delete_refuses_while_ports_remain(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];

	assert_refused(c, cfg_vpc_delete(c, "blue", err), -EBUSY, "port 'vm1'");
}

static void vpc_delete_refuses_while_subnets_remain(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];

	assert_refused(c, cfg_vpc_delete(c, "red", err), -EBUSY, "subnets");
}

static void vpc_delete_removes_only_that_vpc_and_keeps_order(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_vpc a = mk_vpc("a", 1), b = mk_vpc("b", 2);
	struct cfg_prefix cidr;

	assert_int_equal(cfg_vpc_insert(c, &a, err), 0);
	assert_int_equal(cfg_vpc_insert(c, &b, err), 0);
	assert_int_equal(cfg_prefix_parse("10.0.0.0/24", &cidr), 0);
	assert_int_equal(cfg_subnet_delete(c, "red", &cidr, err), 0);
	assert_int_equal(cfg_vpc_delete(c, "red", err), 0);
	assert_int_equal(cfg_vpc_delete(c, "a", err), 0);
	assert_int_equal(c->vpcs.len, 2);
	assert_string_equal(((struct cfg_vpc *)c->vpcs.rows)[0].name, "blue");
	assert_string_equal(((struct cfg_vpc *)c->vpcs.rows)[1].name, "b");
	assert_null(cfg_vpc_find(c, "red"));
}

static void tables_grow_past_initial_capacity(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE], name[16];

	for (uint32_t i = 0; i < 100; i++) {
		struct cfg_vpc v;

		snprintf(name, sizeof(name), "v%u", i);
		v = mk_vpc(name, 1000 + i);
		assert_int_equal(cfg_vpc_insert(c, &v, err), 0);
	}
	assert_int_equal(c->vpcs.len, 102);
	for (uint32_t i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "v%u", i);
		assert_non_null(cfg_vpc_find(c, name));
		assert_int_equal(cfg_vpc_find(c, name)->vni, 1000 + i);
	}
}

/* ---- subnets ---- */

static void subnet_insert_rejects_unknown_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s = mk_subnet("green", "10.1.0.0/24", "10.1.0.1", "02:00:00:00:00:09");

	assert_refused(c, cfg_subnet_insert(c, &s, err), -ENOENT, "subnet.vpc");
}

static void subnet_rejects_missing_family(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s = mk_subnet("blue", "10.1.0.0/24", "10.1.0.1", "02:00:00:00:00:09");

	s.cidr.ip.af = 0;
	assert_refused(c, cfg_subnet_insert(c, &s, err), -EINVAL, "subnet.cidr");
}

static void subnet_rejects_host_bits(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s = mk_subnet("blue", "10.1.0.1/24", "10.1.0.2", "02:00:00:00:00:09");

	assert_refused(c, cfg_subnet_insert(c, &s, err), -EINVAL, "subnet.cidr");
	assert_non_null(strstr(err, "10.1.0.1/24"));
	s = mk_subnet("blue", "fd00:2::1/64", "fd00:2::2", "02:00:00:00:00:09");
	assert_refused(c, cfg_subnet_insert(c, &s, err), -EINVAL, "subnet.cidr");
}

static void subnet_rejects_prefix_without_host_room(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s = mk_subnet("blue", "10.1.0.0/31", "10.1.0.1", "02:00:00:00:00:09");

	assert_refused(c, cfg_subnet_insert(c, &s, err), -EINVAL, "subnet.cidr");
	s = mk_subnet("blue", "10.1.0.0/32", "10.1.0.0", "02:00:00:00:00:09");
	assert_refused(c, cfg_subnet_insert(c, &s, err), -EINVAL, "subnet.cidr");
	s = mk_subnet("blue", "fd00:2::/127", "fd00:2::1", "02:00:00:00:00:09");
	assert_refused(c, cfg_subnet_insert(c, &s, err), -EINVAL, "subnet.cidr");
}

static void subnet_rejects_gateway_that_is_no_host_of_it(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	const char *gws[] = {"10.2.0.1", "10.1.0.0", "10.1.0.255", "fd00::1"};

	for (size_t i = 0; i < sizeof(gws) / sizeof(gws[0]); i++) {
		struct cfg_subnet s = mk_subnet("blue", "10.1.0.0/24", gws[i], "02:00:00:00:00:09");

		assert_refused(c, cfg_subnet_insert(c, &s, err), -EINVAL, "subnet.gateway");
	}
	/* IPv6: the subnet-router anycast address is not a host */
	struct cfg_subnet s6 = mk_subnet("blue", "fd00:2::/64", "fd00:2::", "02:00:00:00:00:09");

	assert_refused(c, cfg_subnet_insert(c, &s6, err), -EINVAL, "subnet.gateway");
}

static void subnet_rejects_zero_or_multicast_gateway_mac(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s = mk_subnet("blue", "10.1.0.0/24", "10.1.0.1", "00:00:00:00:00:00");

	assert_refused(c, cfg_subnet_insert(c, &s, err), -EINVAL, "subnet.gateway_mac");
	s = mk_subnet("blue", "10.1.0.0/24", "10.1.0.1", "01:00:5e:00:00:01");
	assert_refused(c, cfg_subnet_insert(c, &s, err), -EINVAL, "subnet.gateway_mac");
	s = mk_subnet("blue", "10.1.0.0/24", "10.1.0.1", "ff:ff:ff:ff:ff:ff");
	assert_refused(c, cfg_subnet_insert(c, &s, err), -EINVAL, "subnet.gateway_mac");
}

static void subnet_rejects_duplicate_cidr(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s = mk_subnet("blue", "10.0.0.0/24", "10.0.0.2", "02:00:00:00:00:09");

	assert_refused(c, cfg_subnet_insert(c, &s, err), -EEXIST, "subnet.cidr");
}

static void subnet_rejects_overlap_either_way(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet wider = mk_subnet("blue", "10.0.0.0/16", "10.0.9.1", "02:00:00:00:00:09");
	struct cfg_subnet inside =
		mk_subnet("blue", "10.0.0.128/25", "10.0.0.129", "02:00:00:00:00:09");
	struct cfg_subnet v6 =
		mk_subnet("blue", "fd00:1::/48", "fd00:1:0:1::1", "02:00:00:00:00:09");

	assert_refused(c, cfg_subnet_insert(c, &wider, err), -EEXIST, "subnet.cidr");
	assert_non_null(strstr(err, "overlaps"));
	assert_refused(c, cfg_subnet_insert(c, &inside, err), -EEXIST, "subnet.cidr");
	assert_refused(c, cfg_subnet_insert(c, &v6, err), -EEXIST, "subnet.cidr");
}

static void subnet_accepts_adjacent_and_smallest_prefixes(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s30 = mk_subnet("blue", "10.0.1.0/30", "10.0.1.2", "02:00:00:00:00:09");
	struct cfg_subnet s126 =
		mk_subnet("blue", "fd00:2::/126", "fd00:2::3", "02:00:00:00:00:09");

	assert_int_equal(cfg_subnet_insert(c, &s30, err), 0);
	assert_int_equal(cfg_subnet_insert(c, &s126, err), 0);
	assert_non_null(cfg_subnet_find(c, "blue", &s30.cidr));
	assert_non_null(cfg_subnet_find(c, "blue", &s126.cidr));
	assert_int_equal(c->subnets.len, 5);
}

static void same_cidr_allowed_in_two_vpcs(void **state)
{
	struct cfg *c = *state;
	const struct cfg_subnet *b, *r;
	struct cfg_prefix cidr;

	assert_int_equal(cfg_prefix_parse("10.0.0.0/24", &cidr), 0);
	b = cfg_subnet_find(c, "blue", &cidr);
	r = cfg_subnet_find(c, "red", &cidr);
	assert_non_null(b);
	assert_non_null(r);
	assert_ptr_not_equal(b, r);
	assert_int_equal(r->gateway_mac[5], 0x02);
	assert_null(cfg_subnet_find(c, "green", &cidr));
}

static void subnet_rejects_gateway_mac_of_a_port(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s = mk_subnet("blue", "10.1.0.0/24", "10.1.0.1", "02:00:00:00:01:01");

	assert_refused(c, cfg_subnet_insert(c, &s, err), -EEXIST, "subnet.gateway_mac");
	assert_non_null(strstr(err, "vm1"));
}

static void subnet_allows_gateway_mac_of_a_port_in_another_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s = mk_subnet("red", "10.1.0.0/24", "10.1.0.1", "02:00:00:00:01:01");

	assert_int_equal(cfg_subnet_insert(c, &s, err), 0);
}

static void subnet_modify_rejects_unknown_subnet(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s = mk_subnet("blue", "10.1.0.0/24", "10.1.0.1", "02:00:00:00:00:09");

	assert_refused(c, cfg_subnet_modify(c, &s, err), -ENOENT, "subnet.cidr");
}

static void subnet_modify_rejects_gateway_at_port_address(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s = mk_subnet("blue", "10.0.0.0/24", "10.0.0.10", "02:00:00:00:00:01");

	assert_refused(c, cfg_subnet_modify(c, &s, err), -EEXIST, "subnet.gateway");
	assert_non_null(strstr(err, "vm1"));
	s = mk_subnet("blue", "10.0.0.0/24", "10.0.0.1", "02:00:00:00:01:01");
	assert_refused(c, cfg_subnet_modify(c, &s, err), -EEXIST, "subnet.gateway_mac");
	s = mk_subnet("blue", "10.0.0.0/24", "10.0.0.255", "02:00:00:00:00:01");
	assert_refused(c, cfg_subnet_modify(c, &s, err), -EINVAL, "subnet.gateway");
}

static void subnet_modify_changes_gateway(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s = mk_subnet("blue", "10.0.0.0/24", "10.0.0.254", "02:00:00:00:00:0a");
	const struct cfg_subnet *now;

	assert_int_equal(cfg_subnet_modify(c, &s, err), 0);
	now = cfg_subnet_find(c, "blue", &s.cidr);
	assert_non_null(now);
	assert_true(cfg_subnet_equal(now, &s));
	assert_int_equal(c->subnets.len, 3);
}

static void subnet_delete_rejects_unknown_subnet(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_prefix cidr;

	assert_int_equal(cfg_prefix_parse("10.9.0.0/24", &cidr), 0);
	assert_refused(c, cfg_subnet_delete(c, "blue", &cidr, err), -ENOENT, "subnet.cidr");
	assert_int_equal(cfg_prefix_parse("10.0.0.0/25", &cidr), 0);
	assert_refused(c, cfg_subnet_delete(c, "blue", &cidr, err), -ENOENT, "subnet.cidr");
	assert_int_equal(cfg_prefix_parse("10.0.0.0/24", &cidr), 0);
	assert_refused(c, cfg_subnet_delete(c, "green", &cidr, err), -ENOENT, "subnet.cidr");
}

static void subnet_delete_refuses_while_a_port_uses_it(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_prefix cidr;

	assert_int_equal(cfg_prefix_parse("fd00:1::/64", &cidr), 0);
	assert_refused(c, cfg_subnet_delete(c, "blue", &cidr, err), -EBUSY, "vm1");
}

static void subnet_delete_of_same_cidr_touches_only_its_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_prefix cidr;

	assert_int_equal(cfg_prefix_parse("10.0.0.0/24", &cidr), 0);
	assert_int_equal(cfg_subnet_delete(c, "red", &cidr, err), 0);
	assert_null(cfg_subnet_find(c, "red", &cidr));
	assert_non_null(cfg_subnet_find(c, "blue", &cidr));
	assert_int_equal(c->subnets.len, 2);
}

/* ---- ports ---- */

static void port_insert_rejects_invalid_name(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.11");

	strcpy(p.name, "vm 2");
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.name");
	p.name[0] = '\0';
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.name");
}

static void port_insert_rejects_unknown_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "green", "02:00:00:00:01:02", NULL);

	assert_refused(c, cfg_port_insert(c, &p, err), -ENOENT, "port.vpc");
}

static void port_insert_rejects_zero_or_multicast_mac(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "00:00:00:00:00:00", "10.0.0.11");

	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.mac");
	p = mk_port("vm2", "blue", "03:00:00:00:01:02", "10.0.0.11");
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.mac");
}

static void port_insert_rejects_more_than_eight_ips(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", NULL);

	p.n_ips = CFG_PORT_IPS_MAX + 1;
	assert_refused(c, cfg_port_insert(c, &p, err), -ENOSPC, "port.ips");
}

static void port_insert_rejects_queues_out_of_range(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.11");

	p.queues = 0;
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.queues");
	p.queues = CFG_PORT_QUEUES_MAX + 1;
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.queues");
}

static void port_insert_rejects_unknown_mode(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.11");

	p.mode = (enum cfg_vhost_mode)7;
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.mode");
}

static void port_insert_rejects_relative_or_unterminated_socket(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.11");

	strcpy(p.socket, "run/vm2.sock");
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.socket");
	p.socket[0] = '\0';
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.socket");
	memset(p.socket, 'a', sizeof(p.socket));
	p.socket[0] = '/';
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.socket");
}

static void port_insert_rejects_ip_without_family(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.11");

	p.n_ips = 2; /* ips[1] left zeroed */
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.ips[1]");
}

static void port_insert_rejects_ip_listed_twice(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p =
		mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.11,fd00:1::11,10.0.0.11");

	assert_refused(c, cfg_port_insert(c, &p, err), -EEXIST, "port.ips[2]");
}

static void port_insert_rejects_ip_outside_every_subnet(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.11,10.0.1.11");

	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.ips[1]");
	assert_non_null(strstr(err, "10.0.1.11"));
	p = mk_port("vm2", "blue", "02:00:00:00:01:02", "fd00:2::11");
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.ips[0]");
}

static void port_insert_rejects_ip_of_a_subnet_of_another_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s = mk_subnet("red", "10.5.0.0/24", "10.5.0.1", "02:00:00:00:00:02");
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.5.0.11");

	assert_int_equal(cfg_subnet_insert(c, &s, err), 0);
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.ips[0]");
}

static void port_insert_rejects_gateway_address(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.1");

	assert_refused(c, cfg_port_insert(c, &p, err), -EEXIST, "port.ips[0]");
	assert_non_null(strstr(err, "gateway"));
	p = mk_port("vm2", "blue", "02:00:00:00:01:02", "fd00:1::1");
	assert_refused(c, cfg_port_insert(c, &p, err), -EEXIST, "port.ips[0]");
}

static void port_insert_rejects_network_and_broadcast_address(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.0");

	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.ips[0]");
	p = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.255");
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.ips[0]");
	p = mk_port("vm2", "blue", "02:00:00:00:01:02", "fd00:1::");
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL, "port.ips[0]");
}

static void port_insert_rejects_gateway_mac(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:00:01", "10.0.0.11");

	assert_refused(c, cfg_port_insert(c, &p, err), -EEXIST, "port.mac");
	assert_non_null(strstr(err, "gateway"));
}

static void port_insert_rejects_duplicate_name_even_in_another_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm1", "red", "02:00:00:00:01:05", "10.0.0.11");

	strcpy(p.socket, "/run/vpcsw/other.sock");
	assert_refused(c, cfg_port_insert(c, &p, err), -EEXIST, "port.name");
}

static void port_insert_rejects_socket_of_another_port(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "red", "02:00:00:00:01:05", "10.0.0.11");

	strcpy(p.socket, "/run/vpcsw/vm1.sock");
	assert_refused(c, cfg_port_insert(c, &p, err), -EEXIST, "port.socket");
	assert_non_null(strstr(err, "vm1"));
}

static void port_insert_rejects_mac_used_in_same_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:01", "10.0.0.11");

	assert_refused(c, cfg_port_insert(c, &p, err), -EEXIST, "port.mac");
	assert_non_null(strstr(err, "vm1"));
}

static void port_insert_rejects_ip_used_in_same_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.11,fd00:1::10");

	assert_refused(c, cfg_port_insert(c, &p, err), -EEXIST, "port.ips[1]");
	assert_non_null(strstr(err, "vm1"));
}

static void same_mac_allowed_in_two_vpcs(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "red", "02:00:00:00:01:01", "10.0.0.11");

	assert_int_equal(cfg_port_insert(c, &p, err), 0);
	assert_int_equal(c->ports.len, 2);
}

static void same_ip_allowed_in_two_vpcs(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "red", "02:00:00:00:02:01", "10.0.0.10");

	assert_int_equal(cfg_port_insert(c, &p, err), 0);
	assert_true(cfg_port_equal(cfg_port_find(c, "vm2"), &p));
}

static void port_without_ips_is_allowed(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "red", "02:00:00:00:02:01", NULL);

	assert_int_equal(cfg_port_insert(c, &p, err), 0);
	assert_int_equal(cfg_port_find(c, "vm2")->n_ips, 0);
}

static void port_accepts_eight_ips_and_sixteen_queues(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02",
				    "10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5,10.0.0.254,fd00:1::2,"
				    "fd00:1::3,fd00:1:0:0:ffff:ffff:ffff:ffff");

	p.queues = CFG_PORT_QUEUES_MAX;
	p.mode = CFG_VHOST_CLIENT;
	assert_int_equal(p.n_ips, CFG_PORT_IPS_MAX);
	assert_int_equal(cfg_port_insert(c, &p, err), 0);
	assert_true(cfg_port_equal(cfg_port_find(c, "vm2"), &p));
}

static void port_modify_rejects_unknown_port(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm9", "blue", "02:00:00:00:01:09", NULL);

	assert_refused(c, cfg_port_modify(c, &p, err), -ENOENT, "port.name");
}

static void port_modify_rejects_conflict_with_another_port(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p2 = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.11");
	struct cfg_port p1 = mk_port("vm1", "blue", "02:00:00:00:01:02", "10.0.0.10");

	assert_int_equal(cfg_port_insert(c, &p2, err), 0);
	assert_refused(c, cfg_port_modify(c, &p1, err), -EEXIST, "port.mac");
	p1 = mk_port("vm1", "blue", "02:00:00:00:01:01", "10.0.0.11");
	assert_refused(c, cfg_port_modify(c, &p1, err), -EEXIST, "port.ips[0]");
	p1 = mk_port("vm1", "blue", "02:00:00:00:01:01", "10.0.0.10");
	strcpy(p1.socket, p2.socket);
	assert_refused(c, cfg_port_modify(c, &p1, err), -EEXIST, "port.socket");
	p1 = mk_port("vm1", "blue", "02:00:00:00:01:01", "10.0.0.10");
	p1.queues = 0;
	assert_refused(c, cfg_port_modify(c, &p1, err), -EINVAL, "port.queues");
}

static void port_modify_is_no_conflict_with_itself(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = *cfg_port_find(c, "vm1");

	assert_int_equal(cfg_port_modify(c, &p, err), 0);
	p.queues = 4;
	p.n_ips = 1;
	assert_int_equal(cfg_port_modify(c, &p, err), 0);
	assert_int_equal(cfg_port_find(c, "vm1")->queues, 4);
	assert_int_equal(cfg_port_find(c, "vm1")->n_ips, 1);
	assert_int_equal(c->ports.len, 1);
}

static void port_modify_can_move_port_to_another_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm1", "red", "02:00:00:00:01:01", "10.0.0.10");
	struct cfg_prefix cidr;

	assert_int_equal(cfg_port_modify(c, &p, err), 0);
	assert_string_equal(cfg_port_find(c, "vm1")->vpc, "red");
	/* blue is free of ports now: its subnets may go */
	assert_int_equal(cfg_prefix_parse("fd00:1::/64", &cidr), 0);
	assert_int_equal(cfg_subnet_delete(c, "blue", &cidr, err), 0);
}

static void port_delete_rejects_unknown_port(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];

	assert_refused(c, cfg_port_delete(c, "vm9", err), -ENOENT, "port.name");
}

static void port_delete_frees_its_addresses_and_socket(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:01", "10.0.0.10");

	strcpy(p.socket, "/run/vpcsw/vm1.sock");
	assert_int_equal(cfg_port_delete(c, "vm1", err), 0);
	assert_null(cfg_port_find(c, "vm1"));
	assert_int_equal(cfg_port_insert(c, &p, err), 0);
	assert_int_equal(cfg_vpc_delete(c, "blue", err), -EBUSY);
}

static void failed_edit_leaves_state_unchanged(void **state)
{
	struct cfg *c = *state, *before = cfg_clone(c);
	char err[CFG_ERR_SIZE];
	struct cfg_vpc v = mk_vpc("green", 100);
	struct cfg_subnet s = mk_subnet("blue", "10.0.0.0/16", "10.0.9.1", "02:00:00:00:00:09");
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.11,10.0.0.10");
	struct cfg_prefix cidr;

	assert_non_null(before);
	assert_int_equal(cfg_prefix_parse("10.0.0.0/24", &cidr), 0);
	assert_int_equal(cfg_vpc_insert(c, &v, err), -EEXIST);
	assert_int_equal(cfg_vpc_modify(c, &v, err), -ENOENT);
	assert_int_equal(cfg_vpc_delete(c, "blue", err), -EBUSY);
	assert_int_equal(cfg_subnet_insert(c, &s, err), -EEXIST);
	assert_int_equal(cfg_subnet_delete(c, "blue", &cidr, err), -EBUSY);
	assert_int_equal(cfg_port_insert(c, &p, err), -EEXIST);
	p = mk_port("vm1", "blue", "02:00:00:00:00:01", "10.0.0.10");
	assert_int_equal(cfg_port_modify(c, &p, err), -EEXIST);
	assert_true(state_same(c, before));
	cfg_free(before);
}

static void edit_accepts_null_err(void **state)
{
	struct cfg *c = *state;
	struct cfg_vpc v = mk_vpc("blue", 100);

	assert_int_equal(cfg_vpc_insert(c, &v, NULL), -EEXIST);
	assert_int_equal(cfg_port_delete(c, "vm9", NULL), -ENOENT);
}

/* ---- comparisons ---- */

static void equal_functions_compare_every_field(void **state)
{
	struct cfg *c = *state;
	const struct cfg_port *p = cfg_port_find(c, "vm1");
	struct cfg_port q = *p;
	struct cfg_vpc v = *cfg_vpc_find(c, "blue"), w = v;
	struct cfg_subnet s = ((struct cfg_subnet *)c->subnets.rows)[0], t = s;

	assert_true(cfg_port_equal(p, &q));
	assert_true(cfg_port_same_attachment(p, &q));
	q.ips[1].addr[15] ^= 1;
	assert_false(cfg_port_equal(p, &q));
	q = *p;
	q.mac[0] = 0x06;
	assert_false(cfg_port_equal(p, &q));
	assert_true(cfg_port_same_attachment(p, &q));
	q = *p;
	q.mode = CFG_VHOST_CLIENT;
	assert_false(cfg_port_same_attachment(p, &q));
	assert_false(cfg_port_equal(p, &q));
	q = *p;
	q.queues = 2;
	assert_false(cfg_port_same_attachment(p, &q));
	q = *p;
	q.socket[5] = 'X';
	assert_false(cfg_port_same_attachment(p, &q));
	w.vni++;
	assert_true(cfg_vpc_equal(&v, &v));
	assert_false(cfg_vpc_equal(&v, &w));
	assert_true(cfg_subnet_equal(&s, &t));
	t.gateway_mac[5] ^= 0x10;
	assert_false(cfg_subnet_equal(&s, &t));
	t = s;
	t.gateway.addr[3] ^= 1;
	assert_false(cfg_subnet_equal(&s, &t));
}

/* An IPv4 address uses 4 of the 16 bytes: what lies behind them is no part of it. */
static void ipv4_equality_ignores_unused_address_bytes(void **state)
{
	struct cfg *c = *state;
	const struct cfg_subnet *s = c->subnets.rows;
	struct cfg_subnet t = *s;
	char err[CFG_ERR_SIZE];

	t.cidr.ip.addr[10] = 0x55;
	t.gateway.addr[12] = 0x66;
	assert_true(cfg_subnet_equal(s, &t));
	assert_ptr_equal(cfg_subnet_find(c, "blue", &t.cidr), s);
	assert_int_equal(cfg_subnet_insert(c, &t, err), -EEXIST);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ---- remote endpoints (VMs on other hosts) and VPC encap/MTU ---- */

static struct cfg_remote mk_remote(const char *vpc, const char *mac, const char *ip,
				   const char *vtep)
{
	struct cfg_remote r;

	memset(&r, 0, sizeof(r));
	snprintf(r.vpc, sizeof(r.vpc), "%s", vpc);
	assert_int_equal(cfg_mac_parse(mac, r.mac), 0);
	if (ip != NULL)
		assert_int_equal(cfg_ip_parse(ip, &r.ips[r.n_ips++]), 0);
	assert_int_equal(cfg_ip_parse(vtep, &r.vtep), 0);
	return r;
}

/* Insert must fail with rc, say `field` in its message, and leave the state as it was. */
static void assert_remote_refused(struct cfg *c, const struct cfg_remote *r, int rc,
				  const char *field)
{
	struct cfg *before = cfg_clone(c);
	char err[CFG_ERR_SIZE] = "";

	assert_non_null(before);
	assert_int_equal(cfg_remote_insert(c, r, err), rc);
	assert_non_null(strstr(err, field));
	assert_int_equal(c->remotes.len, before->remotes.len);
	cfg_free(before);
}

static void remote_insert_rejects_mac_of_a_local_port(void **state)
{
	struct cfg_remote r = mk_remote("blue", "02:00:00:00:01:01", "10.0.0.20", "192.0.2.2");

	assert_remote_refused(*state, &r, -EEXIST, "port 'vm1'");
}

static void remote_insert_rejects_ip_of_a_local_port(void **state)
{
	struct cfg_remote r = mk_remote("blue", "02:00:00:00:09:01", "10.0.0.10", "192.0.2.2");

	assert_remote_refused(*state, &r, -EEXIST, "remote.ips[0]");
}

static void remote_insert_rejects_ip_outside_every_subnet(void **state)
{
	struct cfg_remote r = mk_remote("blue", "02:00:00:00:09:01", "10.9.0.5", "192.0.2.2");

	assert_remote_refused(*state, &r, -EINVAL, "outside every subnet");
}

static void remote_insert_rejects_gateway_mac_and_address(void **state)
{
	struct cfg_remote a = mk_remote("blue", "02:00:00:00:00:01", "10.0.0.20", "192.0.2.2");
	struct cfg_remote b = mk_remote("blue", "02:00:00:00:09:01", "10.0.0.1", "192.0.2.2");

	assert_remote_refused(*state, &a, -EEXIST, "gateway MAC");
	assert_remote_refused(*state, &b, -EEXIST, "gateway");
}

static void remote_insert_rejects_unusable_vtep(void **state)
{
	struct cfg_remote zero = mk_remote("blue", "02:00:00:00:09:01", "10.0.0.20", "0.0.0.0");
	struct cfg_remote mcast = mk_remote("blue", "02:00:00:00:09:01", "10.0.0.20", "239.1.1.1");
	struct cfg_remote mcast6 = mk_remote("blue", "02:00:00:00:09:01", "10.0.0.20", "ff02::1");
	struct cfg_remote none = mk_remote("blue", "02:00:00:00:09:01", "10.0.0.20", "192.0.2.2");

	none.vtep.af = 0;
	assert_remote_refused(*state, &zero, -EINVAL, "remote.vtep");
	assert_remote_refused(*state, &mcast, -EINVAL, "remote.vtep");
	assert_remote_refused(*state, &mcast6, -EINVAL, "remote.vtep");
	assert_remote_refused(*state, &none, -EINVAL, "remote.vtep");
}

static void remote_insert_rejects_unknown_vpc_and_duplicates(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_remote r = mk_remote("blue", "02:00:00:00:09:01", "10.0.0.20", "192.0.2.2");
	struct cfg_remote g = mk_remote("green", "02:00:00:00:09:01", NULL, "192.0.2.2");

	assert_remote_refused(c, &g, -ENOENT, "no vpc 'green'");
	assert_int_equal(cfg_remote_insert(c, &r, err), 0);
	assert_remote_refused(c, &r, -EEXIST, "remote.mac");
}

static void port_insert_rejects_mac_or_ip_of_a_remote(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE] = "";
	struct cfg_remote r = mk_remote("blue", "02:00:00:00:09:01", "10.0.0.20", "192.0.2.2");
	struct cfg_port by_mac = mk_port("vm2", "blue", "02:00:00:00:09:01", "10.0.0.21");
	struct cfg_port by_ip = mk_port("vm2", "blue", "02:00:00:00:09:02", "10.0.0.20");

	assert_int_equal(cfg_remote_insert(c, &r, err), 0);
	assert_int_equal(cfg_port_insert(c, &by_mac, err), -EEXIST);
	assert_non_null(strstr(err, "remote endpoint"));
	assert_int_equal(cfg_port_insert(c, &by_ip, err), -EEXIST);
	assert_non_null(strstr(err, "port.ips[0]"));
	assert_int_equal(c->ports.len, 1);
}

static void remote_same_mac_and_ip_allowed_in_another_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_remote r = mk_remote("red", "02:00:00:00:01:01", "10.0.0.10", "192.0.2.2");

	assert_int_equal(cfg_remote_insert(c, &r, err), 0);
	assert_true(cfg_remote_equal(cfg_remote_find(c, "red", r.mac), &r));
}

static void remote_modify_moves_it_and_delete_removes_it(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_remote r = mk_remote("blue", "02:00:00:00:09:01", "10.0.0.20", "192.0.2.2");
	struct cfg_remote moved = mk_remote("blue", "02:00:00:00:09:01", "10.0.0.20", "2001:db8::2");

	assert_int_equal(cfg_remote_modify(c, &r, err), -ENOENT);
	assert_int_equal(cfg_remote_insert(c, &r, err), 0);
	/* modifying a row must not clash with itself */
	assert_int_equal(cfg_remote_modify(c, &moved, err), 0);
	assert_true(cfg_remote_equal(cfg_remote_find(c, "blue", r.mac), &moved));
	assert_int_equal(cfg_remote_delete(c, "blue", r.mac, err), 0);
	assert_null(cfg_remote_find(c, "blue", r.mac));
	assert_int_equal(cfg_remote_delete(c, "blue", r.mac, err), -ENOENT);
}

static void vpc_and_subnet_delete_refuse_while_a_remote_needs_them(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE] = "";
	struct cfg_remote r = mk_remote("red", "02:00:00:00:09:01", "10.0.0.20", "192.0.2.2");
	struct cfg_prefix net;

	assert_int_equal(cfg_remote_insert(c, &r, err), 0);
	assert_int_equal(cfg_prefix_parse("10.0.0.0/24", &net), 0);
	assert_int_equal(cfg_subnet_delete(c, "red", &net, err), -EBUSY);
	assert_non_null(strstr(err, "remote endpoint"));
	assert_int_equal(cfg_vpc_delete(c, "red", err), -EBUSY);
	assert_non_null(strstr(err, "remote endpoints"));
	assert_non_null(cfg_vpc_find(c, "red"));
}

static void vpc_rejects_mtu_out_of_range_and_unknown_encap(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE] = "";
	struct cfg_vpc small = mk_vpc("green", 300), big = mk_vpc("green", 300);
	struct cfg_vpc odd = mk_vpc("green", 300), geneve = mk_vpc("green", 300);

	small.mtu = CFG_MTU_MIN - 1;
	big.mtu = CFG_MTU_MAX + 1;
	odd.encap = (enum cfg_encap)7;
	geneve.encap = CFG_ENCAP_GENEVE;
	geneve.mtu = 1400;
	assert_int_equal(cfg_vpc_insert(c, &small, err), -EINVAL);
	assert_non_null(strstr(err, "vpc.mtu"));
	assert_int_equal(cfg_vpc_insert(c, &big, err), -EINVAL);
	assert_int_equal(cfg_vpc_insert(c, &odd, err), -EINVAL);
	assert_non_null(strstr(err, "vpc.encap"));
	assert_null(cfg_vpc_find(c, "green"));
	assert_int_equal(cfg_vpc_insert(c, &geneve, err), 0);
	assert_true(cfg_vpc_equal(cfg_vpc_find(c, "green"), &geneve));
}

static void clone_copies_remotes(void **state)
{
	struct cfg *c = *state, *d;
	char err[CFG_ERR_SIZE];
	struct cfg_remote r = mk_remote("blue", "02:00:00:00:09:01", "10.0.0.20", "192.0.2.2");

	assert_int_equal(cfg_remote_insert(c, &r, err), 0);
	d = cfg_clone(c);
	assert_non_null(d);
	assert_int_equal(cfg_remote_delete(c, "blue", r.mac, err), 0);
	assert_non_null(cfg_remote_find(d, "blue", r.mac));
	cfg_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(new_state_is_empty),
		T(free_accepts_null),
		T(new_reports_enomem),
		T(clone_reports_enomem_at_every_allocation),
		T(insert_out_of_memory_leaves_state_unchanged),
		T(clone_is_deep),
		T(clone_of_empty_state_accepts_edits),

		T(ip_parse_rejects_null_and_garbage),
		T(ip_parse_accepts_v4_and_v6),
		T(prefix_parse_rejects_malformed),
		T(prefix_parse_rejects_sign_or_space_in_length),
		T(prefix_parse_accepts_v4_v6_and_extremes),
		T(mac_parse_rejects_wrong_shape),
		T(mac_parse_rejects_sign_blank_and_0x),
		T(mac_parse_accepts_either_case),
		T(formats_round_trip_through_parse),
		T(ip_format_of_unknown_family_is_placeholder),
		T(prefix_contains_checks_family_and_bits),
		T(name_valid_allows_only_31_safe_chars),

		T(vpc_insert_rejects_invalid_name),
		T(vpc_insert_rejects_vni_zero_and_over_24_bits),
		T(vpc_insert_rejects_duplicate_name),
		T(vpc_insert_rejects_vni_of_another_vpc),
		T(vpc_insert_accepts_vni_bounds),
		T(vpc_modify_rejects_unknown_vpc),
		T(vpc_modify_rejects_vni_of_another_vpc),
		T(vpc_modify_changes_vni_and_may_keep_it),
		T(vpc_delete_rejects_unknown_vpc),
		T(vpc_delete_refuses_while_ports_remain),
		T(vpc_delete_refuses_while_subnets_remain),
		T(remote_insert_rejects_mac_of_a_local_port),
		T(remote_insert_rejects_ip_of_a_local_port),
		T(remote_insert_rejects_ip_outside_every_subnet),
		T(remote_insert_rejects_gateway_mac_and_address),
		T(remote_insert_rejects_unusable_vtep),
		T(remote_insert_rejects_unknown_vpc_and_duplicates),
		T(port_insert_rejects_mac_or_ip_of_a_remote),
		T(remote_same_mac_and_ip_allowed_in_another_vpc),
		T(remote_modify_moves_it_and_delete_removes_it),
		T(vpc_and_subnet_delete_refuse_while_a_remote_needs_them),
		T(vpc_rejects_mtu_out_of_range_and_unknown_encap),
		T(clone_copies_remotes),
		T(vpc_delete_removes_only_that_vpc_and_keeps_order),
		T(tables_grow_past_initial_capacity),

		T(subnet_insert_rejects_unknown_vpc),
		T(subnet_rejects_missing_family),
		T(subnet_rejects_host_bits),
		T(subnet_rejects_prefix_without_host_room),
		T(subnet_rejects_gateway_that_is_no_host_of_it),
		T(subnet_rejects_zero_or_multicast_gateway_mac),
		T(subnet_rejects_duplicate_cidr),
		T(subnet_rejects_overlap_either_way),
		T(subnet_accepts_adjacent_and_smallest_prefixes),
		T(same_cidr_allowed_in_two_vpcs),
		T(subnet_rejects_gateway_mac_of_a_port),
		T(subnet_allows_gateway_mac_of_a_port_in_another_vpc),
		T(subnet_modify_rejects_unknown_subnet),
		T(subnet_modify_rejects_gateway_at_port_address),
		T(subnet_modify_changes_gateway),
		T(subnet_delete_rejects_unknown_subnet),
		T(subnet_delete_refuses_while_a_port_uses_it),
		T(subnet_delete_of_same_cidr_touches_only_its_vpc),

		T(port_insert_rejects_invalid_name),
		T(port_insert_rejects_unknown_vpc),
		T(port_insert_rejects_zero_or_multicast_mac),
		T(port_insert_rejects_more_than_eight_ips),
		T(port_insert_rejects_queues_out_of_range),
		T(port_insert_rejects_unknown_mode),
		T(port_insert_rejects_relative_or_unterminated_socket),
		T(port_insert_rejects_ip_without_family),
		T(port_insert_rejects_ip_listed_twice),
		T(port_insert_rejects_ip_outside_every_subnet),
		T(port_insert_rejects_ip_of_a_subnet_of_another_vpc),
		T(port_insert_rejects_gateway_address),
		T(port_insert_rejects_network_and_broadcast_address),
		T(port_insert_rejects_gateway_mac),
		T(port_insert_rejects_duplicate_name_even_in_another_vpc),
		T(port_insert_rejects_socket_of_another_port),
		T(port_insert_rejects_mac_used_in_same_vpc),
		T(port_insert_rejects_ip_used_in_same_vpc),
		T(same_mac_allowed_in_two_vpcs),
		T(same_ip_allowed_in_two_vpcs),
		T(port_without_ips_is_allowed),
		T(port_accepts_eight_ips_and_sixteen_queues),
		T(port_modify_rejects_unknown_port),
		T(port_modify_rejects_conflict_with_another_port),
		T(port_modify_is_no_conflict_with_itself),
		T(port_modify_can_move_port_to_another_vpc),
		T(port_delete_rejects_unknown_port),
		T(port_delete_frees_its_addresses_and_socket),
		T(failed_edit_leaves_state_unchanged),
		T(edit_accepts_null_err),

		T(equal_functions_compare_every_field),
		T(ipv4_equality_ignores_unused_address_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
