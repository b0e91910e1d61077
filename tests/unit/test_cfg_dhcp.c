/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of control/cfg_dhcp.c: every check of a subnet's DHCP options (each refusal's
 * -errno and the field its message names, with the state left as it was), the form rows
 * are stored in (zero-filled, lease 0 made the default), and the options keeping their
 * subnet and VPC from being deleted. Pure: no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_cfg_fixture.h"

/* Options of blue's 10.0.0.0/24 (or another subnet), with nothing set. */
static struct cfg_dhcp_options mk_dhcp(const char *vpc, const char *subnet)
{
	struct cfg_dhcp_options d;

	memset(&d, 0, sizeof(d));
	snprintf(d.vpc, sizeof(d.vpc), "%s", vpc);
	d.subnet = mk_prefix(subnet);
	return d;
}

static void add_route(struct cfg_dhcp_options *d, const char *prefix, const char *router)
{
	d->routes[d->n_routes].prefix = mk_prefix(prefix);
	d->routes[d->n_routes].router = mk_ip(router);
	d->n_routes++;
}

/* ---- invalid arguments ---- */

static void dhcp_insert_rejects_unknown_vpc_or_subnet(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_dhcp_options d = mk_dhcp("green", "10.0.0.0/24");

	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -ENOENT,
		       "dhcp_options.vpc: no vpc 'green'");
	d = mk_dhcp("blue", "10.1.0.0/24");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -ENOENT,
		       "dhcp_options.subnet: no subnet 10.1.0.0/24 in vpc 'blue'");
	d = mk_dhcp("blue", "192.168.1.0/24"); /* red's */
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -ENOENT,
		       "dhcp_options.subnet: no subnet 192.168.1.0/24 in vpc 'blue'");
	d = mk_dhcp("blue", "10.0.0.0/24");
	memset(d.vpc, 'b', sizeof(d.vpc));
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -ENOENT, "dhcp_options.vpc");
}

static void dhcp_dns_servers_are_up_to_4_distinct_unicast_of_the_subnet_family(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_dhcp_options d = mk_dhcp("blue", "10.0.0.0/24");

	d.n_dns = 5;
	for (int i = 0; i < 5; i++)
		d.dns[i % CFG_DHCP_DNS_MAX] = mk_ip("10.0.0.53");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.dns: at most 4 servers");
	d.n_dns = 2;
	d.dns[0] = mk_ip("10.0.0.53");
	d.dns[1] = mk_ip("fd00::53");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.dns[1]: fd00::53 is IPv6, the subnet is IPv4");
	d.dns[1] = mk_ip("224.0.0.251");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.dns[1]: 224.0.0.251 is not a unicast address");
	d.dns[1] = mk_ip("0.0.0.0");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.dns[1]: 0.0.0.0 is not a unicast address");
	d.dns[1] = mk_ip("10.0.0.53");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.dns[1]: 10.0.0.53 is listed twice");
	d.dns[1].af = 0;
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.dns[1]: not an IP address");
	d = mk_dhcp("blue", "fd00:1::/64");
	d.n_dns = 1;
	d.dns[0] = mk_ip("8.8.8.8");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.dns[0]: 8.8.8.8 is IPv4, the subnet is IPv6");
	d.dns[0] = mk_ip("ff02::fb");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.dns[0]: ff02::fb is not a unicast address");
	/* outside the VPC is fine: a resolver is anywhere */
	d.n_dns = 4;
	d.dns[0] = mk_ip("2001:4860:4860::8888");
	d.dns[1] = mk_ip("2001:4860:4860::8844");
	d.dns[2] = mk_ip("fd00:1::53");
	d.dns[3] = mk_ip("2606:4700:4700::1111");
	assert_int_equal(cfg_dhcp_options_insert(c, &d, err), 0);
}

static void dhcp_domain_is_a_dns_name_or_empty(void **state)
{
	static const char *const bad[] = {
		"-a.example",  "a-.example", "a..example", ".example", "example.",
		"a_b.example", "a b",	     "ex*ample",   "a.-b",     "."};
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_dhcp_options d = mk_dhcp("blue", "10.0.0.0/24");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(d.domain, bad[i]);
		assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
			       "dhcp_options.domain: ");
		assert_non_null(strstr(err, bad[i]));
	}
	memset(d.domain, 'a', 64); /* a 64-character label, and no terminator */
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL, "dhcp_options.domain");
	memset(d.domain, 0, sizeof(d.domain));
	memset(d.domain, 'a', 63); /* one label of 63: the most there is room for */
	assert_int_equal(cfg_dhcp_options_insert(c, &d, err), 0);
	strcpy(d.domain, "Corp-1.Example.internal");
	assert_int_equal(cfg_dhcp_options_modify(c, &d, err), 0);
	d.domain[0] = '\0';
	assert_int_equal(cfg_dhcp_options_modify(c, &d, err), 0);
	strcpy(d.domain, "a.b-c.9");
	assert_int_equal(cfg_dhcp_options_modify(c, &d, err), 0);
}

static void dhcp_lease_time_is_at_least_a_minute(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_dhcp_options d = mk_dhcp("blue", "10.0.0.0/24");

	d.lease_time = CFG_LEASE_MIN - 1;
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.lease_time: 59 is under 60 seconds");
	d.lease_time = CFG_LEASE_MIN;
	assert_int_equal(cfg_dhcp_options_insert(c, &d, err), 0);
	assert_int_equal(cfg_dhcp_options_find(c, "blue", &d.subnet)->lease_time, 60);
	d.lease_time = UINT32_MAX; /* DHCP's "infinite" */
	assert_int_equal(cfg_dhcp_options_modify(c, &d, err), 0);
}

static void dhcp_routes_are_ipv4_prefixes_via_a_host_of_the_subnet(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_dhcp_options d = mk_dhcp("blue", "fd00:1::/64");

	add_route(&d, "10.2.0.0/16", "10.0.0.1");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.routes: only for IPv4 subnets (option 121)");
	d = mk_dhcp("blue", "10.0.0.0/24");
	d.n_routes = CFG_DHCP_ROUTES_MAX + 1;
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.routes: at most 8 routes");
	d.n_routes = 0;
	add_route(&d, "fd00:2::/64", "10.0.0.1");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.routes[0].prefix: not an IPv4 prefix");
	d.n_routes = 0;
	add_route(&d, "10.2.0.0/16", "10.0.0.1");
	add_route(&d, "10.3.0.1/16", "10.0.0.1");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.routes[1].prefix: 10.3.0.1/16 has host bits set");
	d.n_routes = 1;
	add_route(&d, "10.2.0.0/16", "10.0.0.2");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.routes[1].prefix: 10.2.0.0/16 is listed twice");
	d.n_routes = 1;
	add_route(&d, "10.3.0.0/16", "fd00:1::1");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.routes[1].router: not an IPv4 address");
	d.n_routes = 1;
	add_route(&d, "10.3.0.0/16", "10.9.0.1");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.routes[1].router: 10.9.0.1 is not a host address of subnet "
		       "10.0.0.0/24");
	d.n_routes = 1;
	add_route(&d, "10.3.0.0/16", "10.0.0.255");
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EINVAL,
		       "dhcp_options.routes[1].router: 10.0.0.255 is not a host address");
	d.n_routes = 1;
	add_route(&d, "0.0.0.0/0", "10.0.0.254"); /* a default route, via an appliance */
	for (int i = 0; d.n_routes < CFG_DHCP_ROUTES_MAX; i++) {
		char p[32];

		snprintf(p, sizeof(p), "172.16.%d.0/24", i);
		add_route(&d, p, "10.0.0.1"); /* the gateway itself is a fine router */
	}
	assert_int_equal(cfg_dhcp_options_insert(c, &d, err), 0);
	assert_int_equal(cfg_dhcp_options_find(c, "blue", &d.subnet)->n_routes, 8);
}

static void dhcp_insert_rejects_duplicate_and_modify_delete_need_the_row(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_dhcp_options d = mk_dhcp("blue", "10.0.0.0/24");

	assert_refused(c, cfg_dhcp_options_modify(c, &d, err), -ENOENT,
		       "dhcp_options.subnet: 10.0.0.0/24 of vpc 'blue' has no options");
	assert_refused(c, cfg_dhcp_options_delete(c, "blue", &d.subnet, err), -ENOENT,
		       "dhcp_options.subnet: 10.0.0.0/24 of vpc 'blue' has no options");
	assert_int_equal(cfg_dhcp_options_insert(c, &d, err), 0);
	assert_refused(c, cfg_dhcp_options_insert(c, &d, err), -EEXIST,
		       "dhcp_options.subnet: 10.0.0.0/24 of vpc 'blue' already has options");
	assert_refused(c, cfg_dhcp_options_delete(c, "red", &d.subnet, err), -ENOENT,
		       "dhcp_options.subnet: 10.0.0.0/24 of vpc 'red' has no options");
	d.lease_time = 1;
	assert_refused(c, cfg_dhcp_options_modify(c, &d, err), -EINVAL, "dhcp_options.lease_time");
	d = mk_dhcp("red", "10.0.0.0/24"); /* the same subnet in another VPC */
	assert_int_equal(cfg_dhcp_options_insert(c, &d, err), 0);
	assert_int_equal(c->dhcp_options.len, 2);
}

/* ---- normal path ---- */

static void dhcp_row_is_stored_zero_filled_with_the_default_lease(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_dhcp_options d = mk_dhcp("blue", "10.0.0.0/24"), want;

	d.n_dns = 1;
	d.dns[0] = mk_ip("10.0.0.53");
	strcpy(d.domain, "corp.example");
	add_route(&d, "10.2.0.0/16", "10.0.0.1");
	want = d;
	want.lease_time = CFG_LEASE_DEFAULT;
	memset(d.dns[0].addr + 4, 0xee, 12);
	memset(d.dns[1].addr, 0xee, 16); /* past n_dns */
	memset(d.subnet.ip.addr + 4, 0xee, 12);
	memset(d.routes[0].router.addr + 4, 0xee, 12);
	memset(d.domain + 13, 'z', sizeof(d.domain) - 14); /* past the NUL */
	assert_int_equal(cfg_dhcp_options_insert(c, &d, err), 0);
	assert_memory_equal(cfg_dhcp_options_find(c, "blue", &want.subnet), &want, sizeof(want));
	assert_true(cfg_dhcp_options_equal(cfg_dhcp_options_find(c, "blue", &want.subnet), &want));
}

static void dhcp_modify_replaces_the_row_and_delete_removes_it(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_dhcp_options d = mk_dhcp("blue", "10.0.0.0/24");
	const struct cfg_dhcp_options *got;

	strcpy(d.domain, "a.example");
	add_route(&d, "10.2.0.0/16", "10.0.0.1");
	assert_int_equal(cfg_dhcp_options_insert(c, &d, err), 0);
	d = mk_dhcp("blue", "10.0.0.0/24");
	d.lease_time = 3600;
	assert_int_equal(cfg_dhcp_options_modify(c, &d, err), 0);
	got = cfg_dhcp_options_find(c, "blue", &d.subnet);
	assert_string_equal(got->domain, "");
	assert_int_equal(got->n_routes, 0);
	assert_int_equal(got->lease_time, 3600);
	assert_int_equal(cfg_dhcp_options_delete(c, "blue", &d.subnet, err), 0);
	assert_null(cfg_dhcp_options_find(c, "blue", &d.subnet));
}

static void dhcp_equal_compares_every_member(void **state)
{
	struct cfg_dhcp_options a = mk_dhcp("blue", "10.0.0.0/24"), b;

	(void)state;
	a.n_dns = 1;
	a.dns[0] = mk_ip("10.0.0.53");
	add_route(&a, "10.2.0.0/16", "10.0.0.1");
	b = a;
	assert_true(cfg_dhcp_options_equal(&a, &b));
	b.dns[0] = mk_ip("10.0.0.54");
	assert_false(cfg_dhcp_options_equal(&a, &b));
	b = a;
	strcpy(b.domain, "x");
	assert_false(cfg_dhcp_options_equal(&a, &b));
	b = a;
	b.lease_time = 5;
	assert_false(cfg_dhcp_options_equal(&a, &b));
	b = a;
	b.routes[0].router = mk_ip("10.0.0.2");
	assert_false(cfg_dhcp_options_equal(&a, &b));
	b = a;
	b.routes[0].prefix.plen = 15;
	assert_false(cfg_dhcp_options_equal(&a, &b));
	b = a;
	b.subnet.plen = 25;
	assert_false(cfg_dhcp_options_equal(&a, &b));
}

/* ---- what options keep from going away ---- */

static void subnet_and_vpc_delete_refuse_while_options_remain(void **state)
{
	struct cfg *c = *state;
	char err[CFG_ERR_SIZE];
	struct cfg_vpc v = mk_vpc("green", 300);
	struct cfg_subnet s =
		mk_subnet("green", "172.16.0.0/24", "172.16.0.1", "02:00:00:00:00:03");
	struct cfg_dhcp_options d = mk_dhcp("green", "172.16.0.0/24");

	assert_int_equal(cfg_vpc_insert(c, &v, err), 0);
	assert_int_equal(cfg_subnet_insert(c, &s, err), 0);
	assert_int_equal(cfg_dhcp_options_insert(c, &d, err), 0);
	assert_refused(c, cfg_subnet_delete(c, "green", &s.cidr, err), -EBUSY,
		       "subnet 172.16.0.0/24 of vpc 'green' still has dhcp_options");
	assert_refused(c, cfg_vpc_delete(c, "green", err), -EBUSY,
		       "vpc 'green' still has dhcp_options");
	/* a modify of the subnet keeps its options */
	s.gateway = mk_ip("172.16.0.254");
	assert_int_equal(cfg_subnet_modify(c, &s, err), 0);
	assert_int_equal(cfg_dhcp_options_delete(c, "green", &d.subnet, err), 0);
	assert_int_equal(cfg_subnet_delete(c, "green", &s.cidr, err), 0);
	assert_int_equal(cfg_vpc_delete(c, "green", err), 0);
}

static void clone_and_count_unchanged_cover_dhcp_options(void **state)
{
	struct cfg *c = *state, *next;
	char err[CFG_ERR_SIZE];
	struct cfg_dhcp_options a = mk_dhcp("blue", "10.0.0.0/24");
	struct cfg_dhcp_options b = mk_dhcp("blue", "fd00:1::/64");

	assert_int_equal(cfg_dhcp_options_insert(c, &a, err), 0);
	assert_int_equal(cfg_dhcp_options_insert(c, &b, err), 0);
	next = cfg_clone(c);
	assert_non_null(next);
	assert_true(state_same(c, next));
	assert_int_equal(cfg_count_unchanged(c, next, CFG_T_DHCP_OPTIONS), 2);
	a.lease_time = 600;
	assert_int_equal(cfg_dhcp_options_modify(next, &a, err), 0);
	assert_int_equal(cfg_count_unchanged(c, next, CFG_T_DHCP_OPTIONS), 1);
	assert_int_equal(cfg_dhcp_options_delete(next, "blue", &b.subnet, err), 0);
	assert_int_equal(cfg_count_unchanged(c, next, CFG_T_DHCP_OPTIONS), 0);
	assert_int_equal(cfg_dhcp_options_find(c, "blue", &a.subnet)->lease_time,
			 CFG_LEASE_DEFAULT);
	cfg_free(next);
}

#define T(f) cmocka_unit_test_setup_teardown(f, seed_setup, seed_teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(dhcp_insert_rejects_unknown_vpc_or_subnet),
		T(dhcp_dns_servers_are_up_to_4_distinct_unicast_of_the_subnet_family),
		T(dhcp_domain_is_a_dns_name_or_empty),
		T(dhcp_lease_time_is_at_least_a_minute),
		T(dhcp_routes_are_ipv4_prefixes_via_a_host_of_the_subnet),
		T(dhcp_insert_rejects_duplicate_and_modify_delete_need_the_row),
		T(dhcp_row_is_stored_zero_filled_with_the_default_lease),
		T(dhcp_modify_replaces_the_row_and_delete_removes_it),
		T(dhcp_equal_compares_every_member),
		T(subnet_and_vpc_delete_refuse_while_options_remain),
		T(clone_and_count_unchanged_cover_dhcp_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
