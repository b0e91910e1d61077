/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of control/cfg_route.c: every check of a route and of an ECMP group (each
 * refusal's -errno and the field its message names, with the state left as it was), the
 * normal form rows are stored in (zero-filled, members sorted), the rules that keep subnets,
 * ports, groups and VPCs from being removed under a route, the host limit, and the route
 * index through 100,000 inserts, deletes and clones. Pure: no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* meson.build links this test with the allocator wrapped: the fixture injects failures. */
#define TEST_CFG_WRAP_ALLOC
#include "test_cfg_fixture.h"

/* The seed plus ECMP group blue/fw {10.0.0.5, 10.0.0.6} and blue/fw6 {fd00:1::5}. */
static int setup(void **state)
{
	char err[CFG_ERR_SIZE];
	struct cfg_ecmp_group g;

	seed_setup(state);
	g = mk_group("blue", "fw", "10.0.0.6,10.0.0.5");
	assert_int_equal(cfg_ecmp_group_insert(*state, &g, err), 0);
	g = mk_group("blue", "fw6", "fd00:1::5");
	assert_int_equal(cfg_ecmp_group_insert(*state, &g, err), 0);
	return 0;
}

static void insert_ok(struct cfg *c, const struct cfg_route *r)
{
	char err[CFG_ERR_SIZE] = "";

	if (cfg_route_insert(c, r, err) != 0)
		fail_msg("route refused: %s", err);
}

/* The /32 (or /128) route number i, spread over the address space. */
static struct cfg_route nth_route(uint32_t i, uint8_t af)
{
	struct cfg_route r;

	memset(&r, 0, sizeof(r));
	strcpy(r.vpc, i % 2 ? "blue" : "red");
	r.prefix.ip.af = af;
	r.prefix.plen = af == AF_INET ? 32 : 128;
	r.prefix.ip.addr[0] = af == AF_INET ? 100 : 0x20;
	r.prefix.ip.addr[1] = (uint8_t)(i >> 16);
	r.prefix.ip.addr[2] = (uint8_t)(i >> 8);
	r.prefix.ip.addr[3] = (uint8_t)i;
	r.nh_kind = i % 3 == 0 ? CFG_NH_BLACKHOLE : CFG_NH_VTEP;
	if (r.nh_kind == CFG_NH_VTEP)
		r.nh_ip = mk_ip("192.0.2.7");
	return r;
}

/* ---- routes: invalid arguments ---- */

static void route_insert_rejects_unknown_vpc_and_unterminated_names(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("green", "0.0.0.0/0", CFG_NH_BLACKHOLE, NULL);

	assert_refused(c, cfg_route_insert(c, &r, err), -ENOENT, "route.vpc: no vpc 'green'");
	memset(r.vpc, 'b', sizeof(r.vpc));
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route: a name is not NUL-terminated");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_PORT, "fw1");
	memset(r.nh_name, 'f', sizeof(r.nh_name));
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route: a name is not NUL-terminated");
}

static void route_insert_rejects_prefix_without_family_or_too_long(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "10.0.0.0/8", CFG_NH_BLACKHOLE, NULL);

	r.prefix.ip.af = 0;
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.prefix: missing or not an IPv4 or IPv6 prefix");
	r = mk_route("blue", "10.0.0.0/8", CFG_NH_BLACKHOLE, NULL);
	r.prefix.plen = 33;
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.prefix: prefix length 33 is over 32");
	r = mk_route("blue", "fd00::/8", CFG_NH_BLACKHOLE, NULL);
	r.prefix.plen = 129;
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.prefix: prefix length 129 is over 128");
}

static void route_insert_rejects_host_bits(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "10.0.0.1/24", CFG_NH_BLACKHOLE, NULL);

	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.prefix: 10.0.0.1/24 has host bits set");
	r = mk_route("blue", "fd00::1/64", CFG_NH_BLACKHOLE, NULL);
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.prefix: fd00::1/64 has host bits set");
	r = mk_route("blue", "0.0.0.1/0", CFG_NH_BLACKHOLE, NULL);
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.prefix: 0.0.0.1/0 has host bits set");
}

static void route_insert_rejects_unknown_next_hop_kind(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "0.0.0.0/0", CFG_NH_BLACKHOLE, NULL);

	r.nh_kind = CFG_NH_BLACKHOLE + 1;
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_kind: 5 is not address (0), port (1), vtep (2), ecmp (3) or "
		       "blackhole (4)");
}

/* A member the kind of next hop does not use is refused rather than dropped. */
static void route_insert_rejects_members_its_next_hop_does_not_use(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "0.0.0.0/0", CFG_NH_BLACKHOLE, NULL);

	r.nh_ip = mk_ip("10.0.0.5");
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_ip: a blackhole next hop has no address");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_BLACKHOLE, NULL);
	r.nh_ip.addr[15] = 1; /* no family, but not zero either */
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_ip: a blackhole next hop has no address");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_PORT, "fw1");
	r.nh_ip = mk_ip("10.0.0.5");
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_ip: a port next hop has no address");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_ECMP, "fw");
	r.nh_ip = mk_ip("10.0.0.5");
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_ip: an ecmp next hop has no address");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_ADDRESS, "10.0.0.5");
	strcpy(r.nh_name, "fw1");
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_name: an address next hop has no name");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_VTEP, "192.0.2.1");
	strcpy(r.nh_name, "fw1");
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_name: a vtep next hop has no name");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_BLACKHOLE, NULL);
	strcpy(r.nh_name, "x");
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_name: a blackhole next hop has no name");
}

static void route_address_next_hop_is_a_host_of_a_subnet_of_its_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "0.0.0.0/0", CFG_NH_ADDRESS, "10.9.0.5");

	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_ip: 10.9.0.5 is outside every subnet of vpc 'blue'");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_ADDRESS, "192.168.1.5"); /* red's subnet */
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_ip: 192.168.1.5 is outside every subnet of vpc 'blue'");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_ADDRESS, "fd00:1::5");
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_ip: fd00:1::5 is IPv6, the prefix is IPv4");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_ADDRESS, "10.0.0.1");
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_ip: 10.0.0.1 is the gateway of subnet 10.0.0.0/24");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_ADDRESS, "10.0.0.0");
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_ip: 10.0.0.0 is not a host address of subnet 10.0.0.0/24");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_ADDRESS, "10.0.0.255");
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_ip: 10.0.0.255 is not a host address of subnet 10.0.0.0/24");
	r = mk_route("blue", "::/0", CFG_NH_ADDRESS, "fd00:1::");
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_ip: fd00:1:: is not a host address of subnet fd00:1::/64");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_ADDRESS, "10.0.0.5");
	r.nh_ip.af = 0;
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_ip: missing or not an IP address");
	/* any host address will do, a port's or not (an appliance may come later) */
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_ADDRESS, "10.0.0.254");
	insert_ok(c, &r);
	r = mk_route("blue", "::/0", CFG_NH_ADDRESS, "fd00:1::10");
	insert_ok(c, &r);
}

static void route_port_next_hop_is_a_port_of_its_vpc(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "0.0.0.0/0", CFG_NH_PORT, "nope");

	assert_refused(c, cfg_route_insert(c, &r, err), -ENOENT,
		       "route.nh_name: no port 'nope' in vpc 'blue'");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_PORT, "vm2");
	assert_refused(c, cfg_route_insert(c, &r, err), -ENOENT,
		       "route.nh_name: no port 'vm2' in vpc 'blue'");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_PORT, "fw1");
	insert_ok(c, &r);
	r = mk_route("blue", "::/0", CFG_NH_PORT, "fw1"); /* a port carries both families */
	insert_ok(c, &r);
}

static void route_vtep_next_hop_is_any_unicast_address(void **state)
{
	static const char *const bad[] = {"0.0.0.0", "224.0.0.1", "255.255.255.255",
					  "::", "ff02::1"};
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE], want[64];
	struct cfg_route r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = mk_route("blue", "0.0.0.0/0", CFG_NH_VTEP, bad[i]);
		snprintf(want, sizeof(want), "route.nh_ip: %s is not a unicast address", bad[i]);
		assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL, want);
	}
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_VTEP, "192.0.2.1");
	r.nh_ip.af = 0;
	r.nh_ip.addr[0] = 1;
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_ip: missing or not an IP address");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_VTEP, "2001:db8::7"); /* either family */
	insert_ok(c, &r);
	r = mk_route("blue", "::/0", CFG_NH_VTEP, "192.0.2.7");
	insert_ok(c, &r);
}

static void route_ecmp_next_hop_is_a_group_of_its_vpc_and_family(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "0.0.0.0/0", CFG_NH_ECMP, "nope");

	assert_refused(c, cfg_route_insert(c, &r, err), -ENOENT,
		       "route.nh_name: no ecmp group 'nope' in vpc 'blue'");
	r = mk_route("red", "0.0.0.0/0", CFG_NH_ECMP, "fw");
	assert_refused(c, cfg_route_insert(c, &r, err), -ENOENT,
		       "route.nh_name: no ecmp group 'fw' in vpc 'red'");
	r = mk_route("blue", "::/0", CFG_NH_ECMP, "fw");
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_name: ecmp group 'fw' has IPv4 members, the prefix is IPv6");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_ECMP, "fw6");
	assert_refused(c, cfg_route_insert(c, &r, err), -EINVAL,
		       "route.nh_name: ecmp group 'fw6' has IPv6 members, the prefix is IPv4");
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_ECMP, "fw");
	insert_ok(c, &r);
	r = mk_route("blue", "::/0", CFG_NH_ECMP, "fw6");
	insert_ok(c, &r);
}

static void route_insert_rejects_duplicate_key_only(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "0.0.0.0/0", CFG_NH_BLACKHOLE, NULL);

	insert_ok(c, &r);
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_PORT, "fw1");
	assert_refused(c, cfg_route_insert(c, &r, err), -EEXIST,
		       "route.prefix: vpc 'blue' already has a route to 0.0.0.0/0");
	r = mk_route("red", "0.0.0.0/0", CFG_NH_BLACKHOLE, NULL); /* another VPC */
	insert_ok(c, &r);
	r = mk_route("blue", "0.0.0.0/1", CFG_NH_BLACKHOLE, NULL); /* another length */
	insert_ok(c, &r);
	r = mk_route("blue", "::/0", CFG_NH_BLACKHOLE, NULL); /* another family */
	insert_ok(c, &r);
	assert_int_equal(c->routes.len, 4);
}

static void route_modify_and_delete_reject_unknown_route(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "10.1.0.0/16", CFG_NH_BLACKHOLE, NULL);
	struct cfg_prefix p = mk_prefix("10.1.0.0/16");

	assert_refused(c, cfg_route_modify(c, &r, err), -ENOENT,
		       "route.prefix: vpc 'blue' has no route to 10.1.0.0/16");
	assert_refused(c, cfg_route_delete(c, "blue", &p, err), -ENOENT,
		       "route.prefix: vpc 'blue' has no route to 10.1.0.0/16");
	insert_ok(c, &r);
	assert_refused(c, cfg_route_delete(c, "red", &p, err), -ENOENT,
		       "route.prefix: vpc 'red' has no route to 10.1.0.0/16");
	r.nh_kind = CFG_NH_PORT;
	strcpy(r.nh_name, "vm2");
	assert_refused(c, cfg_route_modify(c, &r, err), -ENOENT,
		       "route.nh_name: no port 'vm2' in vpc 'blue'");
}

/* ---- routes: normal path ---- */

/* Garbage past an IPv4 address or a name's NUL is not stored: equal routes, equal bytes. */
static void route_insert_stores_zero_filled_rows(void **state)
{
	struct cfg *c = *state;
	struct cfg_route r = mk_route("blue", "10.1.0.0/16", CFG_NH_ADDRESS, "10.0.0.5"), want;
	struct cfg_route p = mk_route("blue", "10.2.0.0/16", CFG_NH_PORT, "fw1");
	struct cfg_prefix key = mk_prefix("10.1.0.0/16");
	const struct cfg_route *got;

	want = r;
	memset(r.prefix.ip.addr + 4, 0xee, 12);
	memset(r.nh_ip.addr + 4, 0xee, 12);
	memset(r.vpc + 5, 'x', sizeof(r.vpc) - 6);
	insert_ok(c, &r);
	got = cfg_route_find(c, "blue", &key);
	assert_non_null(got);
	assert_memory_equal(got, &want, sizeof(want));
	want = p;
	memset(p.nh_name + 4, 'y', sizeof(p.nh_name) - 5);
	insert_ok(c, &p);
	assert_memory_equal(&((struct cfg_route *)c->routes.rows)[1], &want, sizeof(want));
}

static void route_modify_replaces_the_next_hop(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "0.0.0.0/0", CFG_NH_ADDRESS, "10.0.0.5");
	struct cfg_prefix key = mk_prefix("0.0.0.0/0");
	const struct cfg_route *got;

	insert_ok(c, &r);
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_ECMP, "fw");
	assert_int_equal(cfg_route_modify(c, &r, err), 0);
	got = cfg_route_find(c, "blue", &key);
	assert_int_equal(got->nh_kind, CFG_NH_ECMP);
	assert_string_equal(got->nh_name, "fw");
	assert_int_equal(got->nh_ip.af, 0); /* the old address is gone */
	assert_int_equal(c->routes.len, 1);
}

/* Routes are many: a delete moves the last one into the hole instead of shifting them all. */
static void route_delete_moves_the_last_route_into_its_place(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	const char *const prefixes[] = {"10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16"};
	struct cfg_prefix p;

	for (size_t i = 0; i < 4; i++) {
		struct cfg_route r = mk_route("blue", prefixes[i], CFG_NH_BLACKHOLE, NULL);

		insert_ok(c, &r);
	}
	p = mk_prefix("10.2.0.0/16");
	assert_int_equal(cfg_route_delete(c, "blue", &p, err), 0);
	assert_int_equal(c->routes.len, 3);
	assert_int_equal(((struct cfg_route *)c->routes.rows)[1].prefix.ip.addr[1], 4);
	assert_null(cfg_route_find(c, "blue", &p));
	p = mk_prefix("10.3.0.0/16"); /* the last one: nothing moves */
	assert_int_equal(cfg_route_delete(c, "blue", &p, err), 0);
	assert_int_equal(c->routes.len, 2);
	p = mk_prefix("10.4.0.0/16");
	assert_non_null(cfg_route_find(c, "blue", &p));
}

static void route_equal_compares_what_the_kind_uses(void **state)
{
	struct cfg_route a = mk_route("blue", "0.0.0.0/0", CFG_NH_ADDRESS, "10.0.0.5"), b = a;

	(void)state;
	assert_true(cfg_route_equal(&a, &b));
	b.nh_ip = mk_ip("10.0.0.6");
	assert_false(cfg_route_equal(&a, &b));
	b = a;
	b.nh_kind = CFG_NH_VTEP;
	assert_false(cfg_route_equal(&a, &b));
	b = a;
	b.prefix.plen = 1;
	assert_false(cfg_route_equal(&a, &b));
	b = a;
	strcpy(b.vpc, "red");
	assert_false(cfg_route_equal(&a, &b));
	a = mk_route("blue", "0.0.0.0/0", CFG_NH_PORT, "fw1");
	b = a;
	assert_true(cfg_route_equal(&a, &b));
	strcpy(b.nh_name, "fw2");
	assert_false(cfg_route_equal(&a, &b));
	a = mk_route("blue", "0.0.0.0/0", CFG_NH_BLACKHOLE, NULL);
	b = a;
	b.nh_ip.addr[3] = 9; /* not looked at for a blackhole */
	assert_true(cfg_route_equal(&a, &b));
}

/* ---- routes: what they keep from going away ---- */

static void subnet_delete_refuses_while_a_next_hop_or_member_is_inside(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "0.0.0.0/0", CFG_NH_ADDRESS, "10.0.0.20");
	struct cfg_prefix net = mk_prefix("10.0.0.0/24"), net6 = mk_prefix("fd00:1::/64");
	struct cfg_port p = *cfg_port_find(c, "fw1");

	p.n_ips = 0; /* the port no longer holds the subnets */
	assert_int_equal(cfg_port_modify(c, &p, err), 0);
	insert_ok(c, &r);
	assert_refused(c, cfg_subnet_delete(c, "blue", &net, err), -EBUSY,
		       "subnet is still used by route 0.0.0.0/0 (next hop 10.0.0.20)");
	assert_int_equal(cfg_route_delete(c, "blue", &r.prefix, err), 0);
	assert_refused(c, cfg_subnet_delete(c, "blue", &net, err), -EBUSY,
		       "subnet is still used by ecmp group 'fw' (member 10.0.0.5)");
	assert_refused(c, cfg_subnet_delete(c, "blue", &net6, err), -EBUSY,
		       "subnet is still used by ecmp group 'fw6' (member fd00:1::5)");
	assert_int_equal(cfg_ecmp_group_delete(c, "blue", "fw", err), 0);
	assert_int_equal(cfg_subnet_delete(c, "blue", &net, err), 0);
	/* the same CIDR of another VPC never was in the way */
	assert_refused(c, cfg_subnet_delete(c, "red", &net, err), -EBUSY, "port 'vm2'");
}

static void subnet_modify_refuses_gateway_on_a_next_hop_or_member(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "0.0.0.0/0", CFG_NH_ADDRESS, "10.0.0.20");
	struct cfg_subnet s = mk_subnet("blue", "10.0.0.0/24", "10.0.0.20", "02:00:00:00:00:01");

	insert_ok(c, &r);
	assert_refused(c, cfg_subnet_modify(c, &s, err), -EEXIST,
		       "subnet.gateway: 10.0.0.20 is the next hop of route 0.0.0.0/0");
	s.gateway = mk_ip("10.0.0.6");
	assert_refused(c, cfg_subnet_modify(c, &s, err), -EEXIST,
		       "subnet.gateway: 10.0.0.6 is a member of ecmp group 'fw'");
	s.gateway = mk_ip("10.0.0.30");
	assert_int_equal(cfg_subnet_modify(c, &s, err), 0);
	s = mk_subnet("red", "10.0.0.0/24", "10.0.0.20", "02:00:00:00:00:02"); /* other VPC */
	assert_int_equal(cfg_subnet_modify(c, &s, err), 0);
}

static void port_delete_and_move_refused_while_a_route_names_it(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "0.0.0.0/0", CFG_NH_PORT, "fw1");
	struct cfg_port p = *cfg_port_find(c, "fw1");

	insert_ok(c, &r);
	assert_refused(c, cfg_port_delete(c, "fw1", err), -EBUSY,
		       "port 'fw1' is still the next hop of route 0.0.0.0/0 of vpc 'blue'");
	p.n_ips = 0;
	strcpy(p.vpc, "red");
	assert_refused(c, cfg_port_modify(c, &p, err), -EBUSY,
		       "port.vpc: port 'fw1' is the next hop of route 0.0.0.0/0 of vpc 'blue'");
	strcpy(p.vpc, "blue"); /* staying in the VPC, anything else may change */
	p.queues = 4;
	assert_int_equal(cfg_port_modify(c, &p, err), 0);
	assert_int_equal(cfg_route_delete(c, "blue", &r.prefix, err), 0);
	assert_int_equal(cfg_port_delete(c, "fw1", err), 0);
}

static void ecmp_group_delete_refused_while_a_route_uses_it(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "0.0.0.0/0", CFG_NH_ECMP, "fw");

	insert_ok(c, &r);
	assert_refused(c, cfg_ecmp_group_delete(c, "blue", "fw", err), -EBUSY,
		       "ecmp group 'fw' is still used by route 0.0.0.0/0 of vpc 'blue'");
	assert_int_equal(cfg_ecmp_group_delete(c, "blue", "fw6", err), 0);
	r.nh_kind = CFG_NH_BLACKHOLE;
	r.nh_name[0] = '\0';
	assert_int_equal(cfg_route_modify(c, &r, err), 0);
	assert_int_equal(cfg_ecmp_group_delete(c, "blue", "fw", err), 0);
	assert_int_equal(c->ecmp_groups.len, 0);
}

static void ecmp_group_modify_keeps_its_family_while_routes_use_it(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "10.1.0.0/16", CFG_NH_ECMP, "fw");
	struct cfg_ecmp_group g = mk_group("blue", "fw", "fd00:1::7");

	insert_ok(c, &r);
	assert_refused(c, cfg_ecmp_group_modify(c, &g, err), -EBUSY,
		       "ecmp_group.members: route 10.1.0.0/16 of vpc 'blue' uses group 'fw': its "
		       "members must stay IPv4");
	g = mk_group("blue", "fw", "10.0.0.7,10.0.0.8,10.0.0.9");
	assert_int_equal(cfg_ecmp_group_modify(c, &g, err), 0);
	assert_int_equal(cfg_ecmp_group_find(c, "blue", "fw")->n_members, 3);
	g = mk_group("blue", "fw6", "10.0.0.7"); /* unused: may change family */
	assert_int_equal(cfg_ecmp_group_modify(c, &g, err), 0);
}

static void vpc_delete_refuses_while_routes_or_groups_remain(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_vpc v = mk_vpc("green", 300);
	struct cfg_subnet s =
		mk_subnet("green", "172.16.0.0/24", "172.16.0.1", "02:00:00:00:00:03");
	struct cfg_route r = mk_route("green", "0.0.0.0/0", CFG_NH_VTEP, "192.0.2.9");
	struct cfg_ecmp_group g = mk_group("green", "lb", "172.16.0.5");

	assert_int_equal(cfg_vpc_insert(c, &v, err), 0);
	insert_ok(c, &r);
	assert_refused(c, cfg_vpc_delete(c, "green", err), -EBUSY, "vpc 'green' still has routes");
	assert_int_equal(cfg_route_delete(c, "green", &r.prefix, err), 0);
	assert_int_equal(cfg_subnet_insert(c, &s, err), 0);
	assert_int_equal(cfg_ecmp_group_insert(c, &g, err), 0);
	assert_refused(c, cfg_vpc_delete(c, "green", err), -EBUSY,
		       "vpc 'green' still has ecmp groups");
	assert_int_equal(cfg_ecmp_group_delete(c, "green", "lb", err), 0);
	assert_int_equal(cfg_subnet_delete(c, "green", &s.cidr, err), 0);
	assert_int_equal(cfg_vpc_delete(c, "green", err), 0);
}

/* ---- ECMP groups ---- */

static void ecmp_insert_rejects_unknown_vpc_bad_name_and_duplicate(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_ecmp_group g = mk_group("green", "lb", "10.0.0.5");

	assert_refused(c, cfg_ecmp_group_insert(c, &g, err), -ENOENT,
		       "ecmp_group.vpc: no vpc 'green'");
	g = mk_group("blue", "no spaces", "10.0.0.5");
	assert_refused(c, cfg_ecmp_group_insert(c, &g, err), -EINVAL,
		       "ecmp_group.name: 'no spaces' is not a valid name");
	g = mk_group("blue", "", "10.0.0.5");
	assert_refused(c, cfg_ecmp_group_insert(c, &g, err), -EINVAL,
		       "ecmp_group.name: '' is not a valid name");
	memset(g.name, 'n', sizeof(g.name));
	assert_refused(c, cfg_ecmp_group_insert(c, &g, err), -EINVAL,
		       "ecmp_group: a name is not NUL-terminated");
	g = mk_group("blue", "fw", "10.0.0.9");
	assert_refused(c, cfg_ecmp_group_insert(c, &g, err), -EEXIST,
		       "ecmp_group.name: 'fw' already exists in vpc 'blue'");
	g = mk_group("red", "fw", "10.0.0.9"); /* the same name in another VPC */
	assert_int_equal(cfg_ecmp_group_insert(c, &g, err), 0);
}

static void ecmp_group_has_1_to_16_members(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE], ip[16];
	struct cfg_ecmp_group g = mk_group("blue", "lb", "10.0.0.5");

	g.n_members = 0;
	assert_refused(c, cfg_ecmp_group_insert(c, &g, err), -EINVAL,
		       "ecmp_group.members: 0 addresses; a group has 1 to 16");
	for (int i = 0; i < CFG_ECMP_MEMBERS_MAX; i++) {
		snprintf(ip, sizeof(ip), "10.0.0.%d", 100 + i);
		g.members[i] = mk_ip(ip);
	}
	g.n_members = CFG_ECMP_MEMBERS_MAX + 1;
	assert_refused(c, cfg_ecmp_group_insert(c, &g, err), -EINVAL,
		       "ecmp_group.members: 17 addresses; a group has 1 to 16");
	g.n_members = CFG_ECMP_MEMBERS_MAX;
	assert_int_equal(cfg_ecmp_group_insert(c, &g, err), 0);
	assert_int_equal(cfg_ecmp_group_find(c, "blue", "lb")->n_members, 16);
}

static void ecmp_members_are_distinct_hosts_of_one_family(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_ecmp_group g = mk_group("blue", "lb", "10.0.0.5,10.0.0.5");

	assert_refused(c, cfg_ecmp_group_insert(c, &g, err), -EINVAL,
		       "ecmp_group.members[1]: 10.0.0.5 is listed twice");
	g = mk_group("blue", "lb", "10.0.0.5,fd00:1::5");
	assert_refused(c, cfg_ecmp_group_insert(c, &g, err), -EINVAL,
		       "ecmp_group.members[1]: fd00:1::5 is IPv6, members[0] is IPv4");
	g = mk_group("blue", "lb", "10.9.0.5");
	assert_refused(c, cfg_ecmp_group_insert(c, &g, err), -EINVAL,
		       "ecmp_group.members[0]: 10.9.0.5 is outside every subnet of vpc 'blue'");
	g = mk_group("blue", "lb", "10.0.0.5,10.0.0.1");
	assert_refused(c, cfg_ecmp_group_insert(c, &g, err), -EINVAL,
		       "ecmp_group.members[1]: 10.0.0.1 is the gateway of subnet 10.0.0.0/24");
	g = mk_group("blue", "lb", "10.0.0.255");
	assert_refused(c, cfg_ecmp_group_insert(c, &g, err), -EINVAL,
		       "ecmp_group.members[0]: 10.0.0.255 is not a host address of subnet "
		       "10.0.0.0/24");
	g = mk_group("blue", "lb", "10.0.0.5");
	g.members[0].af = 0;
	assert_refused(c, cfg_ecmp_group_insert(c, &g, err), -EINVAL,
		       "ecmp_group.members[0]: missing or not an IP address");
}

static void ecmp_members_are_stored_sorted_so_equal_sets_are_equal_rows(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_ecmp_group a = mk_group("blue", "lb", "10.0.0.9,10.0.0.10,10.0.0.7");
	struct cfg_ecmp_group b = mk_group("blue", "lb", "10.0.0.7,10.0.0.9,10.0.0.10");
	struct cfg_ecmp_group want = b, stored;

	memset(a.members[0].addr + 4, 0xee, 12); /* not stored */
	assert_int_equal(cfg_ecmp_group_insert(c, &a, err), 0);
	stored = *cfg_ecmp_group_find(c, "blue", "lb");
	assert_memory_equal(&stored, &want, sizeof(want));
	assert_int_equal(cfg_ecmp_group_modify(c, &b, err), 0);
	assert_memory_equal(cfg_ecmp_group_find(c, "blue", "lb"), &stored, sizeof(stored));
	assert_true(cfg_ecmp_group_equal(&stored, &want));
	/* the seed's {10.0.0.6, 10.0.0.5} went in sorted too */
	assert_int_equal(cfg_ecmp_group_find(c, "blue", "fw")->members[0].addr[3], 5);
	a = mk_group("blue", "lb6", "fd00:1::20,fd00:1::3,fd00:1::1:0");
	assert_int_equal(cfg_ecmp_group_insert(c, &a, err), 0);
	b = mk_group("blue", "lb6", "fd00:1::3,fd00:1::20,fd00:1::1:0");
	assert_memory_equal(cfg_ecmp_group_find(c, "blue", "lb6"), &b, sizeof(b));
}

static void ecmp_modify_and_delete_reject_unknown_group(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_ecmp_group g = mk_group("blue", "lb", "10.0.0.5");

	assert_refused(c, cfg_ecmp_group_modify(c, &g, err), -ENOENT,
		       "ecmp_group.name: no ecmp group 'lb' in vpc 'blue'");
	assert_refused(c, cfg_ecmp_group_delete(c, "red", "fw", err), -ENOENT,
		       "ecmp_group.name: no ecmp group 'fw' in vpc 'red'");
	g = mk_group("blue", "fw", "10.9.9.9"); /* modify checks the members as insert does */
	assert_refused(c, cfg_ecmp_group_modify(c, &g, err), -EINVAL,
		       "ecmp_group.members[0]: 10.9.9.9 is outside every subnet of vpc 'blue'");
}

static void ecmp_group_equal_compares_every_member(void **state)
{
	struct cfg_ecmp_group a = mk_group("blue", "lb", "10.0.0.5,10.0.0.6"), b = a;

	(void)state;
	assert_true(cfg_ecmp_group_equal(&a, &b));
	b.n_members = 1;
	assert_false(cfg_ecmp_group_equal(&a, &b));
	b = a;
	b.members[1] = mk_ip("10.0.0.7");
	assert_false(cfg_ecmp_group_equal(&a, &b));
	b = a;
	strcpy(b.name, "lb2");
	assert_false(cfg_ecmp_group_equal(&a, &b));
}

/* ---- limits, the index, life cycle ---- */

/* The loop a controller's full sync runs: each insert is a hash probe, not a scan. */
static void route_insert_loads_100000_routes_one_by_one(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r;

	for (uint32_t i = 0; i < 100000; i++) {
		r = nth_route(i, i % 4 == 0 ? AF_INET6 : AF_INET);
		assert_int_equal(cfg_route_insert(c, &r, err), 0);
	}
	assert_int_equal(c->routes.len, 100000);
	for (uint32_t i = 0; i < 100000; i += 997) {
		r = nth_route(i, i % 4 == 0 ? AF_INET6 : AF_INET);
		assert_non_null(cfg_route_find(c, r.vpc, &r.prefix));
		assert_int_equal(cfg_route_insert(c, &r, err), -EEXIST);
		r = nth_route(i, i % 4 == 0 ? AF_INET : AF_INET6); /* the other family: absent */
		assert_null(cfg_route_find(c, r.vpc, &r.prefix));
	}
	assert_int_equal(c->routes.len, 100000);
}

/* The index follows deletes (which move rows) and is rebuilt in a clone. */
static void route_index_stays_consistent_through_deletes_and_clones(void **state)
{
	struct cfg *c = *state, *k;
	char err[CFG_ERR_SIZE];
	struct cfg_route r;

	for (uint32_t i = 0; i < 3000; i++) {
		r = nth_route(i, AF_INET);
		insert_ok(c, &r);
	}
	for (uint32_t i = 0; i < 3000; i += 3) {
		r = nth_route(i, AF_INET);
		assert_int_equal(cfg_route_delete(c, r.vpc, &r.prefix, err), 0);
	}
	k = cfg_clone(c);
	assert_non_null(k);
	assert_null(k->route_index);
	for (uint32_t i = 0; i < 3000; i++) {
		bool gone = i % 3 == 0;
		const struct cfg_route *got;

		r = nth_route(i, AF_INET);
		got = cfg_route_find(c, r.vpc, &r.prefix);
		assert_int_equal(got != NULL, !gone);
		if (got != NULL)
			assert_true(cfg_route_equal(got, &r));
		assert_int_equal(cfg_route_insert(k, &r, err), gone ? 0 : -EEXIST);
	}
	assert_int_equal(c->routes.len, 2000);
	assert_int_equal(k->routes.len, 3000);
	/* delete everything, in an order unlike insertion's */
	for (uint32_t i = 3000; i-- > 0;) {
		r = nth_route(i, AF_INET);
		assert_int_equal(cfg_route_delete(k, r.vpc, &r.prefix, err), 0);
	}
	assert_int_equal(k->routes.len, 0);
	cfg_free(k);
}

static void route_insert_without_memory_leaves_state_unchanged(void **state)
{
	struct cfg *c = *state, *before;
	char err[CFG_ERR_SIZE];
	struct cfg_route r;
	uint32_t i = 0;

	while (c->routes.len < 256 || c->routes.len < c->routes.cap) {
		r = nth_route(i++, AF_INET);
		insert_ok(c, &r);
	}
	before = cfg_clone(c);
	assert_non_null(before);
	r = nth_route(i, AF_INET);
	allocs_until_failure = 0; /* the table's growth */
	assert_int_equal(cfg_route_insert(c, &r, err), -ENOMEM);
	allocs_until_failure = -1;
	assert_non_null(strstr(err, "out of memory"));
	assert_true(state_same(c, before));
	insert_ok(c, &r);
	/* a clone has no index; one that cannot get memory for it still finds duplicates */
	allocs_until_failure = 0;
	assert_int_equal(cfg_route_insert(before, &r, err), 0);
	allocs_until_failure = -1;
	assert_null(before->route_index);
	assert_int_equal(cfg_route_insert(before, &r, err), -EEXIST);
	cfg_free(before);
}

static void route_insert_stops_at_the_host_limit(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_route r;

	for (uint32_t i = 0; i < CFG_ROUTES_MAX; i++) {
		r = nth_route(i, AF_INET);
		assert_int_equal(cfg_route_insert(c, &r, NULL), 0);
	}
	r = mk_route("blue", "0.0.0.0/0", CFG_NH_BLACKHOLE, NULL);
	assert_refused(c, cfg_route_insert(c, &r, err), -ENOSPC,
		       "route: at most 2097152 routes on a host");
	assert_int_equal(c->routes.len, CFG_ROUTES_MAX);
}

static void table_get_clone_and_free_cover_routes_and_groups(void **state)
{
	struct cfg *c = *state, *k;
	char err[CFG_ERR_SIZE];
	struct cfg_route r = mk_route("blue", "0.0.0.0/0", CFG_NH_ECMP, "fw");

	assert_ptr_equal(cfg_table_get(c, CFG_T_ROUTE), &c->routes);
	assert_ptr_equal(cfg_table_get(c, CFG_T_ECMP_GROUP), &c->ecmp_groups);
	assert_ptr_equal(cfg_table_get(c, CFG_T_DHCP_OPTIONS), &c->dhcp_options);
	assert_int_equal(c->routes.row_size, sizeof(struct cfg_route));
	assert_int_equal(c->ecmp_groups.row_size, sizeof(struct cfg_ecmp_group));
	assert_int_equal(c->dhcp_options.row_size, sizeof(struct cfg_dhcp_options));
	insert_ok(c, &r);
	k = cfg_clone(c);
	assert_non_null(k);
	assert_true(state_same(c, k));
	assert_int_equal(cfg_route_delete(c, "blue", &r.prefix, err), 0);
	assert_int_equal(cfg_ecmp_group_delete(c, "blue", "fw", err), 0);
	assert_non_null(cfg_route_find(k, "blue", &r.prefix));
	assert_non_null(cfg_ecmp_group_find(k, "blue", "fw"));
	cfg_free(k);
}

static void count_unchanged_compares_routes_and_groups_by_key_and_content(void **state)
{
	struct cfg *c = *state, *next, *unindexed;
	char err[CFG_ERR_SIZE];
	struct cfg_ecmp_group g = mk_group("blue", "fw", "10.0.0.5,10.0.0.7");
	struct cfg_route r;

	for (uint32_t i = 0; i < 200; i++) {
		r = nth_route(i, AF_INET);
		insert_ok(c, &r);
	}
	unindexed = cfg_clone(c);
	next = cfg_clone(c);
	assert_non_null(unindexed);
	assert_non_null(next);
	assert_int_equal(cfg_count_unchanged(c, next, CFG_T_ROUTE), 200);
	assert_int_equal(cfg_count_unchanged(c, next, CFG_T_ECMP_GROUP), 2);
	r = nth_route(0, AF_INET);
	assert_int_equal(cfg_route_delete(next, r.vpc, &r.prefix, err), 0);
	r = nth_route(1, AF_INET);
	r.nh_kind = CFG_NH_BLACKHOLE;
	memset(&r.nh_ip, 0, sizeof(r.nh_ip));
	assert_int_equal(cfg_route_modify(next, &r, err), 0);
	r = nth_route(5000, AF_INET);
	insert_ok(next, &r);
	assert_int_equal(cfg_ecmp_group_modify(next, &g, err), 0);
	assert_int_equal(cfg_count_unchanged(c, next, CFG_T_ROUTE), 198);
	assert_int_equal(cfg_count_unchanged(unindexed, next, CFG_T_ROUTE), 198);
	assert_null(unindexed->route_index); /* a temporary index, not kept */
	assert_int_equal(cfg_count_unchanged(next, c, CFG_T_ROUTE), 198);
	assert_int_equal(cfg_count_unchanged(c, next, CFG_T_ECMP_GROUP), 1);
	cfg_free(unindexed);
	cfg_free(next);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, seed_teardown)
int main(int argc, char **argv)
{
	/* 2,097,152 routes take 400 MB: meson's slow suite runs them, alone (--limit) */
	const struct CMUnitTest limits[] = {
		T(route_insert_stops_at_the_host_limit),
	};
	const struct CMUnitTest tests[] = {
		T(route_insert_rejects_unknown_vpc_and_unterminated_names),
		T(route_insert_rejects_prefix_without_family_or_too_long),
		T(route_insert_rejects_host_bits),
		T(route_insert_rejects_unknown_next_hop_kind),
		T(route_insert_rejects_members_its_next_hop_does_not_use),
		T(route_address_next_hop_is_a_host_of_a_subnet_of_its_vpc),
		T(route_port_next_hop_is_a_port_of_its_vpc),
		T(route_vtep_next_hop_is_any_unicast_address),
		T(route_ecmp_next_hop_is_a_group_of_its_vpc_and_family),
		T(route_insert_rejects_duplicate_key_only),
		T(route_modify_and_delete_reject_unknown_route),

		T(route_insert_stores_zero_filled_rows),
		T(route_modify_replaces_the_next_hop),
		T(route_delete_moves_the_last_route_into_its_place),
		T(route_equal_compares_what_the_kind_uses),

		T(subnet_delete_refuses_while_a_next_hop_or_member_is_inside),
		T(subnet_modify_refuses_gateway_on_a_next_hop_or_member),
		T(port_delete_and_move_refused_while_a_route_names_it),
		T(ecmp_group_delete_refused_while_a_route_uses_it),
		T(ecmp_group_modify_keeps_its_family_while_routes_use_it),
		T(vpc_delete_refuses_while_routes_or_groups_remain),

		T(ecmp_insert_rejects_unknown_vpc_bad_name_and_duplicate),
		T(ecmp_group_has_1_to_16_members),
		T(ecmp_members_are_distinct_hosts_of_one_family),
		T(ecmp_members_are_stored_sorted_so_equal_sets_are_equal_rows),
		T(ecmp_modify_and_delete_reject_unknown_group),
		T(ecmp_group_equal_compares_every_member),

		T(route_insert_loads_100000_routes_one_by_one),
		T(route_index_stays_consistent_through_deletes_and_clones),
		T(route_insert_without_memory_leaves_state_unchanged),
		T(table_get_clone_and_free_cover_routes_and_groups),
		T(count_unchanged_compares_routes_and_groups_by_key_and_content),
	};

	if (argc > 1 && strcmp(argv[1], "--limit") == 0)
		return cmocka_run_group_tests(limits, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
