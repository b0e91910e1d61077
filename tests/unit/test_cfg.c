/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of control/cfg.c: address parsing and formatting, every rule an edit of the
 * desired state is checked against (names, VNIs, subnets, port addresses, attachments,
 * security groups and their rules, with the rules' normal form and duplicate index),
 * the -errno and field-naming message of each refusal, and the promise that a refused edit
 * leaves the state exactly as it was. Pure: no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* meson.build links this test with the allocator wrapped: the fixture injects failures. */
#define TEST_CFG_WRAP_ALLOC
#include "test_cfg_fixture.h"

/* The seed every test starts from: seed_new, and in vpc blue port vm1 02:00:00:00:01:01
 * 10.0.0.10 fd00:1::10; red has no port. */
static int setup(void **state)
{
	struct cfg *c = seed_new();
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm1", "blue", "02:00:00:00:01:01", "10.0.0.10,fd00:1::10");

	assert_int_equal(cfg_port_insert(c, &p, err), 0);
	*state = c;
	return 0;
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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, seed_teardown)

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

static void assert_remote_refused(struct cfg *c, const struct cfg_remote *r, int rc,
				  const char *field)
{
	char err[CFG_ERR_SIZE];

	assert_refused(c, cfg_remote_insert(c, r, err), rc, field);
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
	assert_refused(c, cfg_port_insert(c, &by_mac, err), -EEXIST, "remote endpoint");
	assert_refused(c, cfg_port_insert(c, &by_ip, err), -EEXIST, "port.ips[0]");
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
	assert_refused(c, cfg_subnet_delete(c, "red", &net, err), -EBUSY, "remote endpoint");
	assert_refused(c, cfg_vpc_delete(c, "red", err), -EBUSY, "remote endpoints");
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
	assert_refused(c, cfg_vpc_insert(c, &small, err), -EINVAL, "vpc.mtu");
	assert_refused(c, cfg_vpc_insert(c, &big, err), -EINVAL, "vpc.mtu");
	assert_refused(c, cfg_vpc_insert(c, &odd, err), -EINVAL, "vpc.encap");
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

/* Remote i of remotes_indexed, j = i + 1: 02:01:00:00:hi:lo, 10.1.hi.lo and fd00:1::1:j
 * (of j). */
static struct cfg_remote nth_remote(unsigned i)
{
	char mac[32], ip[32];
	struct cfg_remote r;
	unsigned j = i + 1;

	snprintf(mac, sizeof(mac), "02:01:00:00:%02x:%02x", j >> 8, j & 0xff);
	snprintf(ip, sizeof(ip), "10.1.%u.%u", j >> 8, j & 0xff);
	r = mk_remote("blue", mac, ip, "192.0.2.2");
	snprintf(ip, sizeof(ip), "fd00:1::1:%x", j);
	assert_int_equal(cfg_ip_parse(ip, &r.ips[r.n_ips++]), 0);
	return r;
}

/* Past CFG_INDEX_MIN remotes, their MACs and addresses are looked up through indexes kept
 * through modifies and deletes (which move the last row into the hole): every answer must
 * stay the one a scan gives. */
static void remotes_indexed_stay_exact_through_modify_and_delete(void **state)
{
	struct cfg *c = *state, *before;
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s = mk_subnet("blue", "10.1.0.0/16", "10.1.255.254", "02:00:00:00:00:01");
	struct cfg_remote r, moved;
	struct cfg_port p;
	const unsigned n = 1000;

	assert_int_equal(cfg_subnet_insert(c, &s, err), 0);
	for (unsigned i = 0; i < n; i++) {
		r = nth_remote(i);
		assert_int_equal(cfg_remote_insert(c, &r, err), 0);
	}
	before = cfg_clone(c); /* no index: scans */
	assert_non_null(before);
	assert_int_equal(cfg_count_unchanged(before, c, CFG_T_REMOTE), n);
	/* a new MAC with an address of another remote, first or second */
	r = nth_remote(n);
	r.ips[0] = nth_remote(500).ips[0];
	assert_remote_refused(c, &r, -EEXIST, "remote.ips[0]");
	r = nth_remote(n);
	r.ips[1] = nth_remote(700).ips[1];
	assert_remote_refused(c, &r, -EEXIST, "remote.ips[1]");
	p = mk_port("vm2", "blue", "02:01:00:00:03:e8", "10.0.0.30"); /* remote 999's MAC */
	assert_refused(c, cfg_port_insert(c, &p, err), -EEXIST, "remote endpoint");
	/* modified: its old address is free, its new one taken */
	moved = nth_remote(10);
	assert_int_equal(cfg_ip_parse("10.1.200.1", &moved.ips[0]), 0);
	assert_int_equal(cfg_remote_modify(c, &moved, err), 0);
	r = nth_remote(n);
	r.ips[0] = nth_remote(10).ips[0];
	assert_int_equal(cfg_remote_insert(c, &r, err), 0);
	r = nth_remote(n + 1);
	r.ips[0] = moved.ips[0];
	assert_remote_refused(c, &r, -EEXIST, "remote.ips[0]");
	assert_int_equal(cfg_count_unchanged(before, c, CFG_T_REMOTE), n - 1);
	/* deleted from the front: the last row moves each time, and is still found */
	for (unsigned i = 0; i < n; i += 3) {
		r = nth_remote(i);
		assert_int_equal(cfg_remote_delete(c, "blue", r.mac, err), 0);
		assert_null(cfg_remote_find(c, "blue", r.mac));
	}
	for (unsigned i = 0; i <= n; i++) {
		r = nth_remote(i);
		if (i % 3 == 0 && i != n) {
			assert_int_equal(cfg_remote_insert(c, &r, err), 0); /* all free again */
			continue;
		}
		assert_non_null(cfg_remote_find(c, "blue", r.mac));
		r.mac[0] = 0x06; /* another MAC, the same addresses */
		/* remote n took 10's first address, and has a second of its own */
		assert_remote_refused(c, &r, -EEXIST, i == n ? "remote.ips[1]" : "remote.ips[0]");
	}
	assert_int_equal(c->remotes.len, n + 1);
	cfg_free(before);
}

/* ---- security groups and their rules ---- */

static struct cfg_sg mk_sg(const char *vpc, const char *name)
{
	struct cfg_sg g;

	memset(&g, 0, sizeof(g));
	snprintf(g.vpc, sizeof(g.vpc), "%s", vpc);
	snprintf(g.name, sizeof(g.name), "%s", name);
	return g;
}

/* A tcp rule of blue/web, ingress, ports lo-hi, from anywhere of both families. */
static struct cfg_sg_rule mk_rule(uint16_t lo, uint16_t hi)
{
	struct cfg_sg_rule r;

	memset(&r, 0, sizeof(r));
	strcpy(r.vpc, "blue");
	strcpy(r.group, "web");
	r.dir = CFG_SG_INGRESS;
	r.proto = IPPROTO_TCP;
	r.port_min = lo;
	r.port_max = hi;
	return r;
}

static void set_remote(struct cfg_sg_rule *r, const char *cidr)
{
	r->has_remote_prefix = true;
	assert_int_equal(cfg_prefix_parse(cidr, &r->remote), 0);
}

/* The seed plus groups blue/web and blue/db, and red/web; no rules. */
static int setup_sg(void **state)
{
	const char *const groups[][2] = {{"blue", "web"}, {"blue", "db"}, {"red", "web"}};
	char err[CFG_ERR_SIZE];
	struct cfg *c;

	setup(state);
	c = *state;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		struct cfg_sg g = mk_sg(groups[i][0], groups[i][1]);

		assert_int_equal(cfg_sg_insert(c, &g, err), 0);
	}
	return 0;
}

static void sg_insert_rejects_unknown_vpc_bad_name_and_duplicate(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg nov = mk_sg("green", "web"), bad = mk_sg("blue", "a b"),
		      empty = mk_sg("blue", ""), dup = mk_sg("blue", "web");

	assert_refused(c, cfg_sg_insert(c, &nov, err), -ENOENT,
		       "security_group.vpc: no vpc 'green'");
	assert_refused(c, cfg_sg_insert(c, &bad, err), -EINVAL, "security_group.name");
	assert_refused(c, cfg_sg_insert(c, &empty, err), -EINVAL, "security_group.name");
	assert_refused(c, cfg_sg_insert(c, &dup, err), -EEXIST, "already exists in vpc 'blue'");
}

static void sg_same_name_allowed_in_two_vpcs(void **state)
{
	struct cfg *c = *state;

	assert_non_null(cfg_sg_find(c, "blue", "web"));
	assert_non_null(cfg_sg_find(c, "red", "web"));
	assert_null(cfg_sg_find(c, "red", "db"));
	assert_int_equal(c->sgs.len, 3);
}

static void sg_delete_rejects_unknown_group(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];

	assert_refused(c, cfg_sg_delete(c, "red", "db", err), -ENOENT,
		       "security_group.name: no security group 'db' in vpc 'red'");
}

static void sg_delete_refuses_while_a_port_lists_it(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = *cfg_port_find(c, "vm1");

	p.n_sgs = 2;
	strcpy(p.sgs[0], "db");
	strcpy(p.sgs[1], "web");
	assert_int_equal(cfg_port_modify(c, &p, err), 0);
	assert_refused(c, cfg_sg_delete(c, "blue", "web", err), -EBUSY,
		       "security group 'web' is still used by port 'vm1'");
	/* the same name in another VPC is another group */
	assert_int_equal(cfg_sg_delete(c, "red", "web", err), 0);
}

static void sg_delete_refuses_while_a_remote_lists_it(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_remote r;

	memset(&r, 0, sizeof(r));
	strcpy(r.vpc, "blue");
	assert_int_equal(cfg_mac_parse("02:00:00:00:09:01", r.mac), 0);
	assert_int_equal(cfg_ip_parse("192.0.2.2", &r.vtep), 0);
	r.n_sgs = 1;
	strcpy(r.sgs[0], "db");
	assert_int_equal(cfg_remote_insert(c, &r, err), 0);
	assert_refused(c, cfg_sg_delete(c, "blue", "db", err), -EBUSY,
		       "security group 'db' is still used by remote endpoint 02:00:00:00:09:01");
}

static void sg_delete_refuses_while_another_group_names_it_as_remote(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule r = mk_rule(5432, 5432);

	strcpy(r.group, "db");
	strcpy(r.remote_group, "web");
	assert_int_equal(cfg_sg_rule_insert(c, &r, err), 0);
	assert_refused(c, cfg_sg_delete(c, "blue", "web", err), -EBUSY,
		       "is still the remote group of a rule of group 'db'");
}

static void sg_delete_takes_its_own_rules_and_keeps_the_others_in_order(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule r;

	for (uint16_t i = 1; i <= 6; i++) {
		r = mk_rule(i, i);
		if (i % 2 == 0)
			strcpy(r.group, "db");
		if (i == 3)
			strcpy(r.remote_group, "web"); /* its own group: no obstacle */
		assert_int_equal(cfg_sg_rule_insert(c, &r, err), 0);
	}
	assert_int_equal(cfg_sg_delete(c, "blue", "web", err), 0);
	assert_null(cfg_sg_find(c, "blue", "web"));
	assert_int_equal(c->sg_rules.len, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct cfg_sg_rule *k = (const struct cfg_sg_rule *)c->sg_rules.rows + i;

		assert_string_equal(k->group, "db");
		assert_int_equal(k->port_min, 2 * (i + 1));
	}
	/* the group can come back, without its old rules */
	r = mk_rule(1, 1);
	assert_int_equal(cfg_sg_insert(c, &(struct cfg_sg){"blue", "web"}, err), 0);
	assert_null(cfg_sg_rule_find(c, &r));
	assert_int_equal(cfg_sg_rule_insert(c, &r, err), 0);
}

static void vpc_delete_refuses_while_security_groups_remain(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_prefix net;

	assert_int_equal(cfg_prefix_parse("10.0.0.0/24", &net), 0);
	assert_int_equal(cfg_subnet_delete(c, "red", &net, err), 0);
	assert_refused(c, cfg_vpc_delete(c, "red", err), -EBUSY,
		       "vpc 'red' still has security groups");
	assert_int_equal(cfg_sg_delete(c, "red", "web", err), 0);
	assert_int_equal(cfg_vpc_delete(c, "red", err), 0);
}

static void rule_insert_rejects_unknown_vpc_group_and_remote_group(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule nov = mk_rule(80, 80), nog = mk_rule(80, 80), norg = mk_rule(80, 80);

	strcpy(nov.vpc, "green");
	strcpy(nog.group, "cache");
	strcpy(norg.remote_group, "cache");
	assert_refused(c, cfg_sg_rule_insert(c, &nov, err), -ENOENT,
		       "security_group_rule.vpc: no vpc 'green'");
	assert_refused(c, cfg_sg_rule_insert(c, &nog, err), -ENOENT,
		       "security_group_rule.group: no security group 'cache' in vpc 'blue'");
	assert_refused(c, cfg_sg_rule_insert(c, &norg, err), -ENOENT,
		       "security_group_rule.remote_group: no security group 'cache'");
	/* a group of another VPC is no remote group here */
	strcpy(norg.vpc, "red");
	strcpy(norg.group, "web");
	strcpy(norg.remote_group, "db");
	assert_refused(c, cfg_sg_rule_insert(c, &norg, err), -ENOENT,
		       "security_group_rule.remote_group: no security group 'db' in vpc 'red'");
}

static void rule_insert_rejects_bad_direction_and_family(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule dir = mk_rule(80, 80), af = mk_rule(80, 80);

	dir.dir = 2;
	af.af = 7;
	assert_refused(c, cfg_sg_rule_insert(c, &dir, err), -EINVAL,
		       "security_group_rule.direction");
	assert_refused(c, cfg_sg_rule_insert(c, &af, err), -EINVAL, "security_group_rule.family");
}

static void rule_insert_rejects_icmp_of_the_other_family(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule v4 = mk_rule(0, 0), v6 = mk_rule(0, 0), via_remote = mk_rule(0, 0);

	v4.proto = IPPROTO_ICMP;
	v4.af = AF_INET6;
	v6.proto = IPPROTO_ICMPV6;
	v6.af = AF_INET;
	via_remote.proto = IPPROTO_ICMP;
	set_remote(&via_remote, "fd00::/8");
	assert_refused(c, cfg_sg_rule_insert(c, &v4, err), -EINVAL,
		       "security_group_rule.family: icmp (1) is IPv4 only");
	assert_refused(c, cfg_sg_rule_insert(c, &v6, err), -EINVAL,
		       "security_group_rule.family: icmpv6 (58) is IPv6 only");
	assert_refused(c, cfg_sg_rule_insert(c, &via_remote, err), -EINVAL,
		       "security_group_rule.remote: fd00::/8 in an IPv4 rule");
}

static void rule_insert_rejects_bad_remote_prefix(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule host = mk_rule(80, 80), fam = mk_rule(80, 80), none = mk_rule(80, 80),
			   len = mk_rule(80, 80), both = mk_rule(80, 80);

	set_remote(&host, "10.1.0.0/8");
	set_remote(&fam, "10.0.0.0/8");
	fam.af = AF_INET6;
	none.has_remote_prefix = true; /* and no family */
	set_remote(&len, "10.0.0.0/8");
	len.remote.plen = 33;
	set_remote(&both, "10.0.0.0/8");
	strcpy(both.remote_group, "web");
	assert_refused(c, cfg_sg_rule_insert(c, &host, err), -EINVAL,
		       "security_group_rule.remote: 10.1.0.0/8 has host bits set");
	assert_refused(c, cfg_sg_rule_insert(c, &fam, err), -EINVAL,
		       "security_group_rule.remote: 10.0.0.0/8 in an IPv6 rule");
	assert_refused(c, cfg_sg_rule_insert(c, &none, err), -EINVAL,
		       "security_group_rule.remote: not an IPv4 or IPv6 prefix");
	assert_refused(c, cfg_sg_rule_insert(c, &len, err), -EINVAL,
		       "security_group_rule.remote: prefix length 33 is over 32");
	assert_refused(c, cfg_sg_rule_insert(c, &both, err), -EINVAL,
		       "security_group_rule.remote_group: a rule has a remote prefix or a remote "
		       "group, not both");
}

static void rule_insert_rejects_ports_where_they_do_not_apply(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule any = mk_rule(80, 80), icmp = mk_rule(0, 1), down = mk_rule(90, 80);

	any.proto = 0;
	icmp.proto = IPPROTO_ICMP;
	assert_refused(c, cfg_sg_rule_insert(c, &any, err), -EINVAL,
		       "security_group_rule.ports: only for tcp and udp, not protocol 0");
	assert_refused(c, cfg_sg_rule_insert(c, &icmp, err), -EINVAL,
		       "security_group_rule.ports: only for tcp and udp, not protocol 1");
	assert_refused(c, cfg_sg_rule_insert(c, &down, err), -EINVAL,
		       "security_group_rule.ports: 90-80, the first is above the last");
}

static void rule_insert_rejects_inconsistent_icmp_match(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule tcp = mk_rule(80, 80), r = mk_rule(0, 0);

	tcp.icmp_match = CFG_SG_ICMP_TYPE;
	tcp.icmp_type = 8;
	assert_refused(c, cfg_sg_rule_insert(c, &tcp, err), -EINVAL,
		       "security_group_rule.icmp_type: only for icmp and icmpv6, not protocol 6");
	r.proto = IPPROTO_ICMP;
	r.icmp_match = 3;
	assert_refused(c, cfg_sg_rule_insert(c, &r, err), -EINVAL,
		       "security_group_rule.icmp_match: 3");
	r.icmp_match = CFG_SG_ICMP_ANY;
	r.icmp_type = 8;
	assert_refused(c, cfg_sg_rule_insert(c, &r, err), -EINVAL,
		       "security_group_rule.icmp_type: given, but icmp_match is any");
	r.icmp_match = CFG_SG_ICMP_TYPE;
	r.icmp_code = 1;
	assert_refused(c, cfg_sg_rule_insert(c, &r, err), -EINVAL,
		       "security_group_rule.icmp_code: given");
}

static void rule_insert_rejects_unterminated_name(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule r = mk_rule(80, 80);

	memset(r.remote_group, 'a', sizeof(r.remote_group));
	assert_refused(c, cfg_sg_rule_insert(c, &r, err), -EINVAL, "security_group_rule: a name");
}

static void rule_insert_rejects_duplicate_even_when_written_differently(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule a = mk_rule(80, 80), b = mk_rule(80, 80), other_dir = mk_rule(80, 80);

	set_remote(&a, "10.0.0.0/8");
	assert_int_equal(cfg_sg_rule_insert(c, &a, err), 0);
	assert_refused(c, cfg_sg_rule_insert(c, &a, err), -EEXIST,
		       "security_group_rule: group 'web' of vpc 'blue' already has this rule");
	/* the family the prefix implies, and bytes an IPv4 address does not use */
	set_remote(&b, "10.0.0.0/8");
	b.af = AF_INET;
	b.remote.ip.addr[9] = 0x42;
	assert_refused(c, cfg_sg_rule_insert(c, &b, err), -EEXIST, "already has this rule");
	other_dir.dir = CFG_SG_EGRESS;
	set_remote(&other_dir, "10.0.0.0/8");
	assert_int_equal(cfg_sg_rule_insert(c, &other_dir, err), 0);
}

/* Stored rows are the one normal form: equal rules are equal bytes. */
static void rule_insert_stores_the_normal_form(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule a = mk_rule(80, 80), b, icmp = mk_rule(0, 0), want;
	const struct cfg_sg_rule *k;

	set_remote(&a, "10.0.0.0/8");
	a.remote.ip.addr[12] = 0x99;
	strcpy(a.group + 8, "junk");	  /* after the NUL */
	memset(&b, 0x5a, sizeof(b)); /* garbage in padding and unused members */
	b.has_remote_prefix = false;
	strcpy(b.vpc, "blue");
	strcpy(b.group, "db");
	b.dir = CFG_SG_EGRESS;
	b.af = AF_INET6;
	b.proto = IPPROTO_UDP;
	b.icmp_match = b.icmp_type = b.icmp_code = 0;
	b.port_min = 53;
	b.port_max = 53;
	b.remote_group[0] = '\0';
	icmp.proto = IPPROTO_ICMPV6;
	assert_int_equal(cfg_sg_rule_insert(c, &a, err), 0);
	assert_int_equal(cfg_sg_rule_insert(c, &b, err), 0);
	assert_int_equal(cfg_sg_rule_insert(c, &icmp, err), 0);

	k = c->sg_rules.rows;
	memset(&want, 0, sizeof(want));
	strcpy(want.vpc, "blue");
	strcpy(want.group, "web");
	want.proto = IPPROTO_TCP;
	want.port_min = want.port_max = 80;
	want.af = AF_INET; /* from the prefix */
	want.has_remote_prefix = true;
	want.remote.ip.af = AF_INET;
	want.remote.ip.addr[0] = 10;
	want.remote.plen = 8;
	assert_memory_equal(&k[0], &want, sizeof(want));
	assert_int_equal(k[1].af, AF_INET6);
	assert_int_equal(k[1].has_remote_prefix, false);
	assert_int_equal(k[1].remote.ip.af, 0);
	assert_int_equal(k[1].remote.plen, 0);
	assert_int_equal(k[1].remote_group[5], 0);
	assert_int_equal(k[2].af, AF_INET6); /* icmpv6 fixes it */
	assert_ptr_equal(cfg_sg_rule_find(c, &a), &k[0]);
	assert_ptr_equal(cfg_sg_rule_find(c, &b), &k[1]);
	assert_true(cfg_sg_rule_equal(cfg_sg_rule_find(c, &icmp), &k[2]));
}

static void rule_accepts_remote_group_of_its_own_group_and_bounds(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule self = mk_rule(0, UINT16_MAX), other = mk_rule(0, 0),
			   typed = mk_rule(0, 0), v6 = mk_rule(443, 443), proto = mk_rule(0, 0);

	strcpy(self.remote_group, "web");
	strcpy(other.remote_group, "db");
	other.proto = 0;
	typed.proto = IPPROTO_ICMP;
	typed.icmp_match = CFG_SG_ICMP_TYPE_CODE;
	typed.icmp_type = 3;
	typed.icmp_code = 4;
	set_remote(&v6, "::/0");
	proto.proto = 47; /* GRE: a number without ports */
	assert_int_equal(cfg_sg_rule_insert(c, &self, err), 0);
	assert_int_equal(cfg_sg_rule_insert(c, &other, err), 0);
	assert_int_equal(cfg_sg_rule_insert(c, &typed, err), 0);
	assert_int_equal(cfg_sg_rule_insert(c, &v6, err), 0);
	assert_int_equal(cfg_sg_rule_insert(c, &proto, err), 0);
	assert_int_equal(c->sg_rules.len, 5);
	assert_int_equal(cfg_sg_rule_find(c, &typed)->af, AF_INET);
}

static void rule_delete_finds_the_rule_by_content(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule a = mk_rule(80, 80), key = mk_rule(80, 80), bad = mk_rule(80, 80);

	set_remote(&a, "10.0.0.0/8");
	a.af = AF_INET;
	assert_int_equal(cfg_sg_rule_insert(c, &a, err), 0);
	assert_refused(c, cfg_sg_rule_delete(c, &key, err), -ENOENT,
		       "security_group_rule: group 'web' of vpc 'blue' has no such rule");
	bad.dir = 9;
	assert_refused(c, cfg_sg_rule_delete(c, &bad, err), -EINVAL, "direction");
	assert_null(cfg_sg_rule_find(c, &bad));
	set_remote(&key, "10.0.0.0/8"); /* family left to the prefix */
	assert_int_equal(cfg_sg_rule_delete(c, &key, err), 0);
	assert_int_equal(c->sg_rules.len, 0);
	assert_int_equal(cfg_sg_rule_delete(c, &key, err), -ENOENT);
}

/* Past RULE_INDEX_MIN rules the duplicate check goes through the hash index: it must agree
 * with the rows through inserts, deletes (which move rows), cascades and clones. */
static void rule_index_stays_consistent_through_edits(void **state)
{
	struct cfg *c = *state, *k;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule r;

	for (uint16_t i = 0; i < 300; i++) {
		r = mk_rule(i, i);
		strcpy(r.group, i % 3 == 0 ? "db" : "web");
		assert_int_equal(cfg_sg_rule_insert(c, &r, err), 0);
		assert_int_equal(cfg_sg_rule_insert(c, &r, err), -EEXIST);
	}
	for (uint16_t i = 0; i < 300; i += 7) {
		r = mk_rule(i, i);
		strcpy(r.group, i % 3 == 0 ? "db" : "web");
		assert_int_equal(cfg_sg_rule_delete(c, &r, err), 0);
	}
	k = cfg_clone(c);
	assert_non_null(k);
	assert_int_equal(cfg_sg_delete(k, "blue", "db", err), 0);
	for (uint16_t i = 0; i < 300; i++) {
		bool gone = i % 7 == 0;

		r = mk_rule(i, i);
		strcpy(r.group, i % 3 == 0 ? "db" : "web");
		assert_int_equal(cfg_sg_rule_find(c, &r) != NULL, !gone);
		assert_int_equal(cfg_sg_rule_insert(c, &r, err), gone ? 0 : -EEXIST);
		assert_int_equal(cfg_sg_rule_find(k, &r) != NULL, !gone && i % 3 != 0);
	}
	assert_int_equal(c->sg_rules.len, 300);
	cfg_free(k);
}

static void rule_insert_without_memory_for_the_index_still_finds_duplicates(void **state)
{
	struct cfg *c = *state, *k;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule r;

	for (uint16_t i = 0; i < 100; i++) {
		r = mk_rule(i, i);
		assert_int_equal(cfg_sg_rule_insert(c, &r, err), 0);
	}
	k = cfg_clone(c); /* no index: the first lookup builds one */
	assert_non_null(k);
	r = mk_rule(50, 50);
	allocs_until_failure = 0;
	assert_int_equal(cfg_sg_rule_insert(k, &r, err), -EEXIST);
	allocs_until_failure = -1;
	r = mk_rule(500, 500);
	allocs_until_failure = 0;
	assert_int_equal(cfg_sg_rule_insert(k, &r, err), 0);
	allocs_until_failure = -1;
	assert_int_equal(cfg_sg_rule_insert(k, &r, err), -EEXIST);
	assert_int_equal(k->sg_rules.len, 101);
	cfg_free(k);
}

static void rule_insert_stops_at_the_host_limit(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule r;

	for (uint32_t i = 0; i < CFG_SG_RULES_MAX; i++) {
		r = mk_rule((uint16_t)i, (uint16_t)i);
		assert_int_equal(cfg_sg_rule_insert(c, &r, NULL), 0);
	}
	r = mk_rule(1, 2);
	assert_refused(c, cfg_sg_rule_insert(c, &r, err), -ENOSPC, "at most 65536 rules");
	assert_int_equal(c->sg_rules.len, CFG_SG_RULES_MAX);
}

static void port_security_groups_must_exist_in_its_vpc_once(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.11");
	struct cfg_port dup = p, many = p, unterminated = p;

	p.n_sgs = 2;
	strcpy(p.sgs[0], "web");
	strcpy(p.sgs[1], "x");
	assert_refused(c, cfg_port_insert(c, &p, err), -ENOENT,
		       "port.security_groups[1]: no security group 'x' in vpc 'blue'");
	dup.n_sgs = 2;
	strcpy(dup.sgs[0], "web");
	strcpy(dup.sgs[1], "web");
	assert_refused(c, cfg_port_insert(c, &dup, err), -EINVAL,
		       "port.security_groups[1]: 'web' is listed twice");
	many.n_sgs = CFG_PORT_SGS_MAX + 1;
	assert_refused(c, cfg_port_insert(c, &many, err), -EINVAL,
		       "port.security_groups: at most 8 groups");
	unterminated.n_sgs = 1;
	memset(unterminated.sgs[0], 'w', CFG_NAME_SIZE);
	assert_refused(c, cfg_port_insert(c, &unterminated, err), -EINVAL,
		       "port.security_groups[0]: not a valid name");
	strcpy(p.sgs[1], "db");
	assert_int_equal(cfg_port_insert(c, &p, err), 0);
	assert_true(cfg_port_equal(cfg_port_find(c, "vm2"), &p));
}

static void port_accepts_eight_groups_and_max_connections_up_to_2_24(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE], name[CFG_NAME_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", NULL);

	for (int i = 0; i < CFG_PORT_SGS_MAX; i++) {
		struct cfg_sg g;

		snprintf(name, sizeof(name), "g%d", i);
		g = mk_sg("blue", name);
		assert_int_equal(cfg_sg_insert(c, &g, err), 0);
		strcpy(p.sgs[p.n_sgs++], name);
	}
	p.max_connections = (1u << 24) + 1;
	assert_refused(c, cfg_port_insert(c, &p, err), -EINVAL,
		       "port.max_connections: 16777217 is out of range (0-16777216)");
	p.max_connections = 1u << 24;
	assert_int_equal(cfg_port_insert(c, &p, err), 0);
	assert_int_equal(cfg_port_find(c, "vm2")->n_sgs, CFG_PORT_SGS_MAX);
}

static void port_moved_to_another_vpc_needs_groups_of_that_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_port p = mk_port("vm2", "blue", "02:00:00:00:01:02", "10.0.0.11");

	p.n_sgs = 1;
	strcpy(p.sgs[0], "db");
	assert_int_equal(cfg_port_insert(c, &p, err), 0);
	strcpy(p.vpc, "red");
	assert_refused(c, cfg_port_modify(c, &p, err), -ENOENT,
		       "port.security_groups[0]: no security group 'db' in vpc 'red'");
	strcpy(p.sgs[0], "web");
	assert_int_equal(cfg_port_modify(c, &p, err), 0);
	assert_string_equal(cfg_port_find(c, "vm2")->sgs[0], "web");
}

static void remote_security_groups_must_exist_in_its_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_remote r;

	memset(&r, 0, sizeof(r));
	strcpy(r.vpc, "red");
	assert_int_equal(cfg_mac_parse("02:00:00:00:09:01", r.mac), 0);
	assert_int_equal(cfg_ip_parse("192.0.2.2", &r.vtep), 0);
	r.n_sgs = 1;
	strcpy(r.sgs[0], "db");
	assert_refused(c, cfg_remote_insert(c, &r, err), -ENOENT,
		       "remote.security_groups[0]: no security group 'db' in vpc 'red'");
	strcpy(r.sgs[0], "web");
	assert_int_equal(cfg_remote_insert(c, &r, err), 0);
	r.n_sgs = 2;
	strcpy(r.sgs[1], "web");
	assert_refused(c, cfg_remote_modify(c, &r, err), -EINVAL,
		       "remote.security_groups[1]: 'web' is listed twice");
	r.n_sgs = 0;
	assert_int_equal(cfg_remote_modify(c, &r, err), 0);
	assert_int_equal(cfg_remote_find(c, "red", r.mac)->n_sgs, 0);
}

static void equal_functions_compare_groups_and_rules(void **state)
{
	struct cfg *c = *state;
	const struct cfg_port *p = cfg_port_find(c, "vm1");
	struct cfg_port q = *p;
	struct cfg_sg g = mk_sg("blue", "web"), h = g;
	struct cfg_sg_rule a = mk_rule(80, 80), b = a;
	struct cfg_remote r, s;

	q.max_connections = 10;
	assert_false(cfg_port_equal(p, &q));
	assert_true(cfg_port_same_attachment(p, &q));
	q = *p;
	q.n_sgs = 1;
	strcpy(q.sgs[0], "web");
	assert_false(cfg_port_equal(p, &q));
	assert_true(cfg_sg_equal(&g, &h));
	strcpy(h.name, "db");
	assert_false(cfg_sg_equal(&g, &h));
	assert_true(cfg_sg_rule_equal(&a, &b));
	b.remote.plen = 3; /* no prefix: the remote is not looked at */
	assert_true(cfg_sg_rule_equal(&a, &b));
	b = a;
	b.port_max = 81;
	assert_false(cfg_sg_rule_equal(&a, &b));
	b = a;
	strcpy(b.remote_group, "db");
	assert_false(cfg_sg_rule_equal(&a, &b));
	memset(&r, 0, sizeof(r));
	strcpy(r.vpc, "blue");
	s = r;
	s.n_sgs = 1;
	assert_false(cfg_remote_equal(&r, &s));
}

static void count_unchanged_compares_each_table_by_key_and_content(void **state)
{
	struct cfg *c = *state, *next, *small = NULL, *unindexed;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule r;
	struct cfg_port p;

	for (uint16_t i = 0; i < 100; i++) {
		if (i == 3)
			small = cfg_clone(c); /* few rules: counted by a scan */
		r = mk_rule(i, i);
		assert_int_equal(cfg_sg_rule_insert(c, &r, err), 0);
	}
	unindexed = cfg_clone(c); /* many rules, no index yet: a temporary one */
	next = cfg_clone(c);
	assert_non_null(small);
	assert_non_null(unindexed);
	assert_non_null(next);
	for (int t = 0; t < CFG_T_COUNT; t++)
		assert_int_equal(cfg_count_unchanged(c, next, t), cfg_table_get(next, t)->len);
	r = mk_rule(7, 7);
	assert_int_equal(cfg_sg_rule_delete(next, &r, err), 0);
	r = mk_rule(1000, 1000);
	assert_int_equal(cfg_sg_rule_insert(next, &r, err), 0);
	assert_int_equal(cfg_sg_delete(next, "red", "web", err), 0);
	p = *cfg_port_find(next, "vm1");
	p.n_sgs = 1;
	strcpy(p.sgs[0], "db");
	assert_int_equal(cfg_port_modify(next, &p, err), 0);
	assert_int_equal(cfg_count_unchanged(c, next, CFG_T_SG_RULE), 99);
	assert_int_equal(cfg_count_unchanged(c, next, CFG_T_SG), 2);
	assert_int_equal(cfg_count_unchanged(c, next, CFG_T_PORT), 0);
	assert_int_equal(cfg_count_unchanged(c, next, CFG_T_VPC), 2);
	assert_int_equal(cfg_count_unchanged(c, next, CFG_T_SUBNET), 3);
	assert_int_equal(cfg_count_unchanged(next, c, CFG_T_SG_RULE), 99);
	assert_int_equal(cfg_count_unchanged(unindexed, next, CFG_T_SG_RULE), 99);
	assert_null(unindexed->sg_rule_index);
	assert_int_equal(cfg_count_unchanged(small, next, CFG_T_SG_RULE), 3);
	cfg_free(small);
	cfg_free(unindexed);
	cfg_free(next);
}

static void table_get_returns_each_table_by_id(void **state)
{
	struct cfg *c = *state;

	assert_ptr_equal(cfg_table_get(c, CFG_T_VPC), &c->vpcs);
	assert_ptr_equal(cfg_table_get(c, CFG_T_SUBNET), &c->subnets);
	assert_ptr_equal(cfg_table_get(c, CFG_T_SG), &c->sgs);
	assert_ptr_equal(cfg_table_get(c, CFG_T_SG_RULE), &c->sg_rules);
	assert_ptr_equal(cfg_table_get(c, CFG_T_PORT), &c->ports);
	assert_ptr_equal(cfg_table_get(c, CFG_T_REMOTE), &c->remotes);
	assert_int_equal(cfg_table_get(c, CFG_T_SG)->row_size, sizeof(struct cfg_sg));
	assert_int_equal(cfg_table_get(c, CFG_T_SG_RULE)->row_size, sizeof(struct cfg_sg_rule));
}

static void clone_copies_groups_and_rules(void **state)
{
	struct cfg *c = *state, *k;
	char err[CFG_ERR_SIZE];
	struct cfg_sg_rule r = mk_rule(22, 22);

	assert_int_equal(cfg_sg_rule_insert(c, &r, err), 0);
	k = cfg_clone(c);
	assert_non_null(k);
	assert_true(state_same(c, k));
	assert_int_equal(cfg_sg_delete(c, "blue", "web", err), 0);
	assert_non_null(cfg_sg_find(k, "blue", "web"));
	assert_non_null(cfg_sg_rule_find(k, &r));
	assert_null(cfg_sg_rule_find(c, &r));
	cfg_free(k);
}

#define TSG(f) cmocka_unit_test_setup_teardown(f, setup_sg, seed_teardown)
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
		T(remotes_indexed_stay_exact_through_modify_and_delete),
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

		TSG(sg_insert_rejects_unknown_vpc_bad_name_and_duplicate),
		TSG(sg_same_name_allowed_in_two_vpcs),
		TSG(sg_delete_rejects_unknown_group),
		TSG(sg_delete_refuses_while_a_port_lists_it),
		TSG(sg_delete_refuses_while_a_remote_lists_it),
		TSG(sg_delete_refuses_while_another_group_names_it_as_remote),
		TSG(sg_delete_takes_its_own_rules_and_keeps_the_others_in_order),
		TSG(vpc_delete_refuses_while_security_groups_remain),
		TSG(rule_insert_rejects_unknown_vpc_group_and_remote_group),
		TSG(rule_insert_rejects_bad_direction_and_family),
		TSG(rule_insert_rejects_icmp_of_the_other_family),
		TSG(rule_insert_rejects_bad_remote_prefix),
		TSG(rule_insert_rejects_ports_where_they_do_not_apply),
		TSG(rule_insert_rejects_inconsistent_icmp_match),
		TSG(rule_insert_rejects_unterminated_name),
		TSG(rule_insert_rejects_duplicate_even_when_written_differently),
		TSG(rule_insert_stores_the_normal_form),
		TSG(rule_accepts_remote_group_of_its_own_group_and_bounds),
		TSG(rule_delete_finds_the_rule_by_content),
		TSG(rule_index_stays_consistent_through_edits),
		TSG(rule_insert_without_memory_for_the_index_still_finds_duplicates),
		TSG(rule_insert_stops_at_the_host_limit),
		TSG(port_security_groups_must_exist_in_its_vpc_once),
		TSG(port_accepts_eight_groups_and_max_connections_up_to_2_24),
		TSG(port_moved_to_another_vpc_needs_groups_of_that_vpc),
		TSG(remote_security_groups_must_exist_in_its_vpc),
		TSG(equal_functions_compare_groups_and_rules),
		TSG(count_unchanged_compares_each_table_by_key_and_content),
		TSG(table_get_returns_each_table_by_id),
		TSG(clone_copies_groups_and_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
