/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of acl/ (sg_rules.c, sg_acl.c): security-group rules compiled into real rte_acl
 * contexts and classified in bursts. Bad rules are refused with a message naming the entry
 * and nothing is built; port ranges, protocols, ICMP type/code and prefixes match exactly
 * their edges; overlapping rules report the lowest id; the default verdicts; 10,000 rules
 * build; and random rule sets and keys agree with a linear-scan reference written here.
 * EAL runs without hugepages, PCI or shared files.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_vect.h>

#include "sg.h"
#include "sg_fixture.h"

#define BURST 32

/* ---- fixture: EAL, and keys from compact descriptions (rules: sg_fixture.h) ---- */

static int group_setup(void **state)
{
	char *argv[] = {"test_acl",	  "-l",		 "0",	  "--no-huge",
			"--no-pci",	  "-m",		 "512",	  "--no-shconf",
			"--no-telemetry", "--log-level", "error", "--file-prefix",
			"ut_acl"};

	(void)state;
	return rte_eal_init(RTE_DIM(argv), argv) < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	char runtime_dir[PATH_MAX];

	(void)state;
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(runtime_dir);
	return 0;
}

/* sport, dport in host order; ICMP: type, code. */
static struct sg_key key(uint8_t proto, const char *src, const char *dst, uint16_t sport,
			 uint16_t dport)
{
	struct sg_key k = {.proto = proto, .sport = htons(sport), .dport = htons(dport)};

	k.af = strchr(src, ':') != NULL ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(k.af, src, k.src), 1);
	assert_int_equal(inet_pton(k.af, dst, k.dst), 1);
	return k;
}

static uint32_t classify1(const struct sg_acl *acl, struct sg_key k)
{
	uint32_t id = UINT32_MAX;
	unsigned int allowed = sg_acl_classify_burst(acl, &k, 1, &id);

	assert_int_equal(allowed, id != 0);
	return id;
}

static size_t heap_used(void)
{
	struct rte_malloc_socket_stats st;

	assert_int_equal(rte_malloc_get_socket_stats(0, &st), 0);
	return st.heap_allocsz_bytes;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* ---- invalid input: refused with a message naming the entry, nothing built ---- */

/* Each bad rule sits at rules[2], after two good ones; the message must name it. */
static void expect_refused(struct sg_rule bad, int rc, const char *needle)
{
	struct sg_rule rules[3] = {
		sg_test_rule(1, SG_INGRESS, SG_PROTO_TCP, 22, 22, "10.0.0.0/8"),
		sg_test_rule(2, SG_EGRESS, SG_PROTO_ANY, 0, 0, "::/0"),
		bad,
	};
	char err[SG_ERR_SIZE] = "";
	size_t before = heap_used();

	errno = 0;
	assert_null(sg_acl_create(rules, 3, SG_INGRESS, SOCKET_ID_ANY, err));
	assert_int_equal(errno, -rc);
	assert_int_equal(heap_used(), before);
	if (strstr(err, "rules[2]") == NULL || strstr(err, needle) == NULL)
		fail_msg("message '%s' lacks 'rules[2]' or '%s'", err, needle);
	memset(err, 0, sizeof(err));
	assert_int_equal(sg_rules_check(rules, 3, err), rc);
	assert_non_null(strstr(err, needle));
	assert_int_equal(sg_rules_check(rules, 2, NULL), 0);
}

static void create_refuses_ports_where_the_protocol_has_none(void **state)
{
	(void)state;
	expect_refused(sg_test_rule(3, SG_INGRESS, SG_PROTO_ICMP, 0, 8, "10.0.0.0/8"), -EINVAL,
		       "only for tcp, udp");
	expect_refused(sg_test_rule(3, SG_INGRESS, SG_PROTO_ANY, 80, 80, "10.0.0.0/8"), -EINVAL,
		       "ports: 80-80 on any");
	expect_refused(sg_test_rule(3, SG_EGRESS, 47, 1, 0, "10.0.0.0/8"), -EINVAL, "ports");
	expect_refused(sg_test_rule(3, SG_INGRESS, SG_PROTO_ICMPV6, 1, 1, "2001:db8::/32"), -EINVAL,
		       "icmpv6");
}

static void create_refuses_port_min_above_max(void **state)
{
	(void)state;
	expect_refused(sg_test_rule(3, SG_INGRESS, SG_PROTO_TCP, 443, 80, "10.0.0.0/8"), -EINVAL,
		       "443-80, min is above max");
	expect_refused(sg_test_rule(3, SG_EGRESS, SG_PROTO_UDP, 65535, 0, "::/0"), -EINVAL,
		       "min is above");
}

static void create_refuses_prefix_with_host_bits(void **state)
{
	(void)state;
	expect_refused(sg_test_rule(3, SG_INGRESS, SG_PROTO_TCP, 1, 2, "10.0.0.1/8"), -EINVAL,
		       "10.0.0.1/8 has host bits set");
	expect_refused(sg_test_rule(3, SG_INGRESS, SG_PROTO_ANY, 0, 0, "0.0.0.1/0"), -EINVAL,
		       "host bits");
	expect_refused(sg_test_rule(3, SG_INGRESS, SG_PROTO_ANY, 0, 0, "10.0.0.1/31"), -EINVAL,
		       "host bits");
	expect_refused(sg_test_rule(3, SG_INGRESS, SG_PROTO_ANY, 0, 0, "2001:db8::1/64"), -EINVAL,
		       "2001:db8::1/64 has host bits set");
	expect_refused(sg_test_rule(3, SG_INGRESS, SG_PROTO_ANY, 0, 0, "2001:db8::1/127"), -EINVAL,
		       "host bits");
}

static void create_refuses_prefix_longer_than_the_address(void **state)
{
	(void)state;
	expect_refused(sg_test_rule(3, SG_INGRESS, SG_PROTO_ANY, 0, 0, "10.0.0.0/33"), -EINVAL,
		       "prefix length 33 is over 32");
	expect_refused(sg_test_rule(3, SG_INGRESS, SG_PROTO_ANY, 0, 0, "::/129"), -EINVAL,
		       "prefix length 129 is over 128");
}

static void create_refuses_family_mismatch(void **state)
{
	struct sg_rule r = sg_test_rule(3, SG_INGRESS, SG_PROTO_TCP, 80, 80, "2001:db8::/32");

	(void)state;
	r.af = AF_INET;
	expect_refused(r, -EINVAL, "an IPv6 prefix in an IPv4 rule");
	r = sg_test_rule(3, SG_INGRESS, SG_PROTO_TCP, 80, 80, "10.0.0.0/8");
	r.af = AF_INET6;
	expect_refused(r, -EINVAL, "an IPv4 prefix in an IPv6 rule");
	r.remote.af = 0;
	expect_refused(r, -EINVAL, "not an IPv4 or IPv6 prefix");
	expect_refused(sg_test_rule(3, SG_INGRESS, SG_PROTO_ICMP, 0, 0, "2001:db8::/32"), -EINVAL,
		       "icmp (1) in an IPv6 rule");
	expect_refused(sg_test_rule(3, SG_INGRESS, SG_PROTO_ICMPV6, 0, 0, "10.0.0.0/8"), -EINVAL,
		       "icmpv6 (58) in an IPv4 rule");
}

static void create_refuses_bad_id_dir_af_and_icmp_fields(void **state)
{
	struct sg_rule r;

	(void)state;
	expect_refused(sg_test_rule(0, SG_INGRESS, SG_PROTO_TCP, 80, 80, "10.0.0.0/8"), -EINVAL,
		       "id: 0 is reserved");
	r = sg_test_rule(3, SG_INGRESS, SG_PROTO_TCP, 80, 80, "10.0.0.0/8");
	r.dir = 2;
	expect_refused(r, -EINVAL, "dir: 2");
	r = sg_test_rule(3, SG_INGRESS, SG_PROTO_TCP, 80, 80, "10.0.0.0/8");
	r.af = AF_UNIX;
	expect_refused(r, -EINVAL, "af:");
	r = sg_test_rule(3, SG_INGRESS, SG_PROTO_TCP, 80, 80, "10.0.0.0/8");
	r.icmp_match = SG_ICMP_TYPE;
	expect_refused(r, -EINVAL, "type/code on tcp");
	expect_refused(sg_test_icmp(3, SG_INGRESS, "10.0.0.0/8", 3, 0, 0), -EINVAL,
		       "icmp_match: 3");
	expect_refused(sg_test_icmp(3, SG_INGRESS, "10.0.0.0/8", SG_ICMP_ANY, 8, 0), -EINVAL,
		       "icmp_match ignores them");
	expect_refused(sg_test_icmp(3, SG_INGRESS, "10.0.0.0/8", SG_ICMP_TYPE, 8, 1), -EINVAL,
		       "icmp_match ignores them");
}

static void create_refuses_bad_arguments(void **state)
{
	struct sg_rule r = sg_test_rule(1, SG_INGRESS, SG_PROTO_ANY, 0, 0, "10.0.0.0/8");
	char err[SG_ERR_SIZE] = "";

	(void)state;
	errno = 0;
	assert_null(sg_acl_create(&r, 1, (enum sg_dir)7, SOCKET_ID_ANY, err));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "dir: 7"));
	errno = 0;
	assert_null(sg_acl_create(NULL, 1, SG_INGRESS, SOCKET_ID_ANY, NULL));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sg_rules_check(NULL, 0, err), 0);
}

/* The limit is per (direction, family): the largest legal list passes the check, one more
 * entry in the same context is refused before anything is built. */
static void create_refuses_too_many_rules(void **state)
{
	size_t len = SG_ACL_RULES_MAX + 1;
	struct sg_rule *rules = calloc(len + 1, sizeof(*rules));
	char err[SG_ERR_SIZE] = "";
	size_t before = heap_used();

	(void)state;
	assert_non_null(rules);
	for (size_t i = 0; i < len; i++)
		rules[i] =
			sg_test_rule((uint32_t)i + 1, SG_INGRESS, SG_PROTO_TCP, 1, 1, "10.0.0.0/8");
	rules[len] = sg_test_rule(9, SG_INGRESS, SG_PROTO_TCP, 1, 1, "::/0");
	rules[len - 1].dir = SG_EGRESS; /* MAX ingress IPv4, 1 egress IPv4, 1 ingress IPv6 */
	assert_int_equal(sg_rules_check(rules, len + 1, err), 0);
	rules[len - 1].dir = SG_INGRESS;
	assert_int_equal(sg_rules_check(rules, len + 1, err), -ENOSPC);
	assert_non_null(strstr(err, "65537 ingress IPv4 entries, at most 65536"));
	errno = 0;
	assert_null(sg_acl_create(rules, len, SG_EGRESS, SOCKET_ID_ANY, err));
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(heap_used(), before);
	free(rules);
}

/* ---- normal path ---- */

static void port_range_matches_its_edges_only(void **state)
{
	struct sg_rule rules[] = {
		sg_test_rule(1, SG_INGRESS, SG_PROTO_TCP, 1000, 2000, "10.0.0.0/8"),
		sg_test_rule(2, SG_INGRESS, SG_PROTO_UDP, 0, 0, "10.0.0.0/8"),
		sg_test_rule(3, SG_INGRESS, SG_PROTO_UDP, 65535, 65535, "10.0.0.0/8"),
		sg_test_rule(4, SG_INGRESS, SG_PROTO_TCP, 0, 65535, "192.0.2.0/24"),
	};
	struct sg_acl *acl = sg_test_acl(rules, RTE_DIM(rules), SG_INGRESS);
	const char *in = "10.1.2.3", *me = "172.16.0.1";

	(void)state;
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, in, me, 5555, 999)), 0);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, in, me, 5555, 1000)), 1);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, in, me, 5555, 1500)), 1);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, in, me, 5555, 2000)), 1);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, in, me, 5555, 2001)), 0);
	/* the source port is never looked at */
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, in, me, 0, 1000)), 1);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, in, me, 65535, 2000)), 1);
	/* a tcp range is not a udp one */
	assert_int_equal(classify1(acl, key(SG_PROTO_UDP, in, me, 5555, 1500)), 0);
	/* single ports at both ends of the port space */
	assert_int_equal(classify1(acl, key(SG_PROTO_UDP, in, me, 1, 0)), 2);
	assert_int_equal(classify1(acl, key(SG_PROTO_UDP, in, me, 1, 1)), 0);
	assert_int_equal(classify1(acl, key(SG_PROTO_UDP, in, me, 1, 65534)), 0);
	assert_int_equal(classify1(acl, key(SG_PROTO_UDP, in, me, 1, 65535)), 3);
	/* the whole range */
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "192.0.2.255", me, 1, 0)), 4);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "192.0.2.0", me, 1, 65535)), 4);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "192.0.3.0", me, 1, 65535)), 0);
	/* outside the remote prefix */
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "11.0.0.0", me, 5555, 1500)), 0);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "9.255.255.255", me, 5555, 1500)), 0);
	sg_acl_free(acl);
}

/* Ingress matches the remote on the source, egress on the destination; a list may hold
 * both directions and each classifier takes its own. */
static void direction_picks_the_remote_address_and_the_entries(void **state)
{
	struct sg_rule rules[] = {
		sg_test_rule(1, SG_INGRESS, SG_PROTO_TCP, 80, 80, "10.0.0.0/8"),
		sg_test_rule(2, SG_EGRESS, SG_PROTO_TCP, 80, 80, "192.0.2.0/24"),
		sg_test_rule(3, SG_EGRESS, SG_PROTO_TCP, 80, 80, "2001:db8::/32"),
	};
	struct sg_acl *in = sg_test_acl(rules, RTE_DIM(rules), SG_INGRESS);
	struct sg_acl *out = sg_test_acl(rules, RTE_DIM(rules), SG_EGRESS);

	(void)state;
	assert_int_equal(sg_acl_rules_len(in, AF_INET), 1);
	assert_int_equal(sg_acl_rules_len(in, AF_INET6), 0);
	assert_int_equal(sg_acl_rules_len(out, AF_INET), 1);
	assert_int_equal(sg_acl_rules_len(out, AF_INET6), 1);
	assert_int_equal(classify1(in, key(SG_PROTO_TCP, "10.0.0.1", "192.0.2.1", 1, 80)), 1);
	assert_int_equal(classify1(in, key(SG_PROTO_TCP, "192.0.2.1", "10.0.0.1", 1, 80)), 0);
	assert_int_equal(classify1(out, key(SG_PROTO_TCP, "10.0.0.1", "192.0.2.1", 1, 80)), 2);
	assert_int_equal(classify1(out, key(SG_PROTO_TCP, "192.0.2.1", "10.0.0.1", 1, 80)), 0);
	assert_int_equal(classify1(out, key(SG_PROTO_TCP, "::1", "2001:db8::5", 1, 80)), 3);
	assert_int_equal(classify1(out, key(SG_PROTO_TCP, "2001:db8::5", "::1", 1, 80)), 0);
	assert_int_equal(classify1(in, key(SG_PROTO_TCP, "2001:db8::5", "::1", 1, 80)), 0);
	sg_acl_free(in);
	sg_acl_free(out);
}

/* Several rules allow one packet: the lowest id is reported, whatever the list order. */
static void overlapping_rules_report_the_lowest_id(void **state)
{
	struct sg_rule rules[] = {
		sg_test_rule(7, SG_INGRESS, SG_PROTO_TCP, 80, 80, "10.0.0.0/8"),
		sg_test_rule(UINT32_MAX, SG_INGRESS, SG_PROTO_ANY, 0, 0, "0.0.0.0/0"),
		sg_test_rule(3, SG_INGRESS, SG_PROTO_ANY, 0, 0, "10.1.0.0/16"),
		sg_test_rule(5, SG_INGRESS, SG_PROTO_TCP, 0, 65535, "10.0.0.0/8"),
		sg_test_rule(1, SG_INGRESS, SG_PROTO_UDP, 53, 53, "10.1.2.3/32"),
	};
	struct sg_rule reversed[RTE_DIM(rules)];
	const char *me = "172.16.0.1";

	(void)state;
	for (size_t i = 0; i < RTE_DIM(rules); i++)
		reversed[i] = rules[RTE_DIM(rules) - 1 - i];
	for (int pass = 0; pass < 2; pass++) {
		struct sg_acl *acl =
			sg_test_acl(pass ? reversed : rules, RTE_DIM(rules), SG_INGRESS);

		assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "10.1.0.9", me, 1, 80)), 3);
		assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "10.2.0.9", me, 1, 80)), 5);
		assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "10.2.0.9", me, 1, 81)), 5);
		assert_int_equal(classify1(acl, key(SG_PROTO_UDP, "10.2.0.9", me, 1, 81)),
				 UINT32_MAX);
		assert_int_equal(classify1(acl, key(SG_PROTO_UDP, "10.1.2.3", me, 1, 53)), 1);
		assert_int_equal(classify1(acl, key(SG_PROTO_UDP, "10.1.2.3", me, 1, 54)), 3);
		assert_int_equal(classify1(acl, key(47, "8.8.8.8", me, 0, 0)), UINT32_MAX);
		sg_acl_free(acl);
	}
}

/* A remote-group rule arrives expanded: one /32 or /128 per member, all with its id. */
static void expanded_group_members_share_the_rule_id(void **state)
{
	struct sg_rule rules[] = {
		sg_test_rule(42, SG_INGRESS, SG_PROTO_TCP, 5432, 5432, "10.0.0.11/32"),
		sg_test_rule(42, SG_INGRESS, SG_PROTO_TCP, 5432, 5432, "10.0.0.12/32"),
		sg_test_rule(42, SG_INGRESS, SG_PROTO_TCP, 5432, 5432, "2001:db8::11/128"),
		sg_test_rule(43, SG_INGRESS, SG_PROTO_TCP, 5432, 5432, "10.0.0.12/32"),
	};
	struct sg_acl *acl = sg_test_acl(rules, RTE_DIM(rules), SG_INGRESS);

	(void)state;
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "10.0.0.11", "10.0.0.5", 1, 5432)), 42);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "10.0.0.12", "10.0.0.5", 1, 5432)), 42);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "10.0.0.13", "10.0.0.5", 1, 5432)), 0);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "10.0.0.10", "10.0.0.5", 1, 5432)), 0);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "2001:db8::11", "::5", 1, 5432)), 42);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "2001:db8::12", "::5", 1, 5432)), 0);
	sg_acl_free(acl);
}

static void any_protocol_matches_every_protocol_and_port(void **state)
{
	struct sg_rule rules[] = {
		sg_test_rule(1, SG_INGRESS, SG_PROTO_ANY, 0, 0, "10.0.0.0/8"),
		sg_test_rule(2, SG_INGRESS, 47, 0, 0,
			     "192.0.2.0/24"), /* GRE: a protocol without ports */
		sg_test_rule(3, SG_INGRESS, SG_PROTO_ANY, 0, 0, "2001:db8::/32"),
	};
	static const uint8_t protos[] = {0, 1, 6, 17, 47, 50, 58, 132, 255};
	struct sg_acl *acl = sg_test_acl(rules, RTE_DIM(rules), SG_INGRESS);
	const char *me = "172.16.0.1";

	(void)state;
	for (size_t i = 0; i < RTE_DIM(protos); i++) {
		assert_int_equal(classify1(acl, key(protos[i], "10.9.9.9", me, 0, 0)), 1);
		assert_int_equal(classify1(acl, key(protos[i], "10.9.9.9", me, 65535, 1)), 1);
		assert_int_equal(classify1(acl, key(protos[i], "2001:db8::1", "::1", 7, 7)), 3);
		assert_int_equal(classify1(acl, key(protos[i], "192.0.2.1", me, 9, 9)),
				 protos[i] == 47 ? 2 : 0);
	}
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "11.0.0.1", me, 0, 0)), 0);
	sg_acl_free(acl);
}

/* ICMP carries the type in sport and the code in dport. */
static void icmp_matches_type_and_code(void **state)
{
	struct sg_rule rules[] = {
		sg_test_icmp(10, SG_INGRESS, "10.0.0.0/8", SG_ICMP_ANY, 0, 0),
		sg_test_icmp(20, SG_INGRESS, "192.0.2.0/24", SG_ICMP_TYPE, 8, 0),
		sg_test_icmp(30, SG_INGRESS, "198.51.100.0/24", SG_ICMP_TYPE_CODE, 3, 4),
		sg_test_icmp(40, SG_INGRESS, "2001:db8::/32", SG_ICMP_TYPE, 128, 0),
		sg_test_icmp(50, SG_INGRESS, "2001:db8:1::/48", SG_ICMP_TYPE_CODE, 1, 0),
	};
	struct sg_acl *acl = sg_test_acl(rules, RTE_DIM(rules), SG_INGRESS);
	const char *me = "172.16.0.1";

	(void)state;
	assert_int_equal(classify1(acl, key(SG_PROTO_ICMP, "10.0.0.1", me, 0, 0)), 10);
	assert_int_equal(classify1(acl, key(SG_PROTO_ICMP, "10.0.0.1", me, 255, 255)), 10);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "10.0.0.1", me, 0, 0)), 0);
	assert_int_equal(classify1(acl, key(SG_PROTO_ICMP, "192.0.2.1", me, 8, 0)), 20);
	assert_int_equal(classify1(acl, key(SG_PROTO_ICMP, "192.0.2.1", me, 8, 255)), 20);
	assert_int_equal(classify1(acl, key(SG_PROTO_ICMP, "192.0.2.1", me, 0, 0)), 0);
	assert_int_equal(classify1(acl, key(SG_PROTO_ICMP, "192.0.2.1", me, 9, 0)), 0);
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "192.0.2.1", me, 8, 0)), 0);
	assert_int_equal(classify1(acl, key(SG_PROTO_ICMP, "198.51.100.7", me, 3, 4)), 30);
	assert_int_equal(classify1(acl, key(SG_PROTO_ICMP, "198.51.100.7", me, 3, 3)), 0);
	assert_int_equal(classify1(acl, key(SG_PROTO_ICMP, "198.51.100.7", me, 4, 4)), 0);
	assert_int_equal(classify1(acl, key(SG_PROTO_ICMPV6, "2001:db8::1", "::1", 128, 0)), 40);
	assert_int_equal(classify1(acl, key(SG_PROTO_ICMPV6, "2001:db8::1", "::1", 129, 0)), 0);
	assert_int_equal(classify1(acl, key(SG_PROTO_ICMP, "2001:db8::1", "::1", 128, 0)), 0);
	assert_int_equal(classify1(acl, key(SG_PROTO_ICMPV6, "2001:db8:1::1", "::1", 1, 0)), 50);
	assert_int_equal(classify1(acl, key(SG_PROTO_ICMPV6, "2001:db8:1::1", "::1", 1, 1)), 0);
	sg_acl_free(acl);
}

static void set_bit(uint8_t *addr, unsigned int bit, int v)
{
	uint8_t m = (uint8_t)(0x80 >> (bit % 8));

	addr[bit / 8] = v ? (addr[bit / 8] | m) : (addr[bit / 8] & ~m);
}

/* first/last: the prefix's first and last address; below/above: the ones just outside. */
static void prefix_edges_check(const char *addr, const unsigned int *plens, size_t n_plens)
{
	struct sg_prefix base = sg_test_prefix(addr);
	unsigned int bits = base.af == AF_INET ? 32 : 128;

	for (size_t i = 0; i < n_plens; i++) {
		struct sg_rule r = sg_test_rule(9, SG_INGRESS, SG_PROTO_UDP, 53, 53,
						base.af == AF_INET ? "0.0.0.0/0" : "::/0");
		struct sg_key k = key(SG_PROTO_UDP, base.af == AF_INET ? "0.0.0.0" : "::",
				      base.af == AF_INET ? "0.0.0.0" : "::", 1, 53);
		struct sg_acl *acl;
		unsigned int plen = plens[i], b;

		memcpy(r.remote.addr, base.addr, sizeof(base.addr));
		r.remote.plen = (uint8_t)plen;
		for (b = plen; b < bits; b++)
			set_bit(r.remote.addr, b, 0);
		acl = sg_test_acl(&r, 1, SG_INGRESS);
		memcpy(k.src, r.remote.addr, sizeof(k.src));
		assert_int_equal(classify1(acl, k), 9); /* first */
		for (b = plen; b < bits; b++)
			set_bit(k.src, b, 1);
		assert_int_equal(classify1(acl, k), 9); /* last */
		if (plen > 0) {
			/* the sibling prefix (the last prefix bit flipped): its first and last
			 * addresses, one of them next to ours */
			set_bit(k.src, plen - 1,
				!(r.remote.addr[(plen - 1) / 8] & (0x80 >> ((plen - 1) % 8))));
			for (b = plen; b < bits; b++)
				set_bit(k.src, b, 0);
			assert_int_equal(classify1(acl, k), 0);
			for (b = plen; b < bits; b++)
				set_bit(k.src, b, 1);
			assert_int_equal(classify1(acl, k), 0);
		}
		k.proto = SG_PROTO_TCP; /* a miss on another field */
		memcpy(k.src, r.remote.addr, sizeof(k.src));
		assert_int_equal(classify1(acl, k), 0);
		sg_acl_free(acl);
	}
}

static void ipv6_prefixes_match_exactly_their_addresses(void **state)
{
	/* around each 32-bit word rte_acl splits the address into */
	static const unsigned int plens[] = {0, 1, 7, 8, 9, 31, 32, 33, 48, 63, 64, 65};
	static const unsigned int plens_hi[] = {95, 96, 97, 120, 127, 128};
	static const char *const bases[] = {"2001:db8:a5a5:5a5a:c3c3:3c3c:f0f0:0f0f/128", "::/128",
					    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"};

	(void)state;
	for (size_t i = 0; i < RTE_DIM(bases); i++) {
		prefix_edges_check(bases[i], plens, RTE_DIM(plens));
		prefix_edges_check(bases[i], plens_hi, RTE_DIM(plens_hi));
	}
}

static void ipv4_prefixes_match_exactly_their_addresses(void **state)
{
	static const unsigned int plens[] = {0, 1, 7, 8, 9, 16, 23, 24, 25, 31, 32};

	(void)state;
	prefix_edges_check("10.165.90.195/32", plens, RTE_DIM(plens));
	prefix_edges_check("0.0.0.0/32", plens, RTE_DIM(plens));
	prefix_edges_check("255.255.255.255/32", plens, RTE_DIM(plens));
}

/* An IPv4 rule never matches an IPv6 packet (mapped addresses included), and back. */
static void families_never_match_each_other(void **state)
{
	struct sg_rule rules[] = {
		sg_test_rule(1, SG_INGRESS, SG_PROTO_ANY, 0, 0, "0.0.0.0/0"),
		sg_test_rule(2, SG_INGRESS, SG_PROTO_TCP, 80, 80, "2001:db8::/32"),
	};
	struct sg_rule only4 = sg_test_rule(1, SG_INGRESS, SG_PROTO_ANY, 0, 0, "0.0.0.0/0");
	struct sg_acl *acl = sg_test_acl(rules, RTE_DIM(rules), SG_INGRESS);
	struct sg_acl *acl4 = sg_test_acl(&only4, 1, SG_INGRESS);
	struct sg_key k = key(SG_PROTO_TCP, "2001:db8::1", "::1", 1, 80);

	(void)state;
	assert_int_equal(classify1(acl, key(SG_PROTO_TCP, "::ffff:10.0.0.1", "::1", 1, 80)), 0);
	assert_int_equal(classify1(acl4, key(SG_PROTO_TCP, "::ffff:10.0.0.1", "::1", 1, 80)), 0);
	assert_int_equal(classify1(acl4, k), 0);
	assert_int_equal(classify1(acl, k), 2);
	k.af = AF_INET; /* 32.1.13.184, which the IPv4 /0 takes */
	assert_int_equal(classify1(acl, k), 1);
	k.af = 0;
	assert_int_equal(classify1(acl, k), 0);
	k.af = AF_UNIX;
	assert_int_equal(classify1(acl, k), 0);
	sg_acl_free(acl);
	sg_acl_free(acl4);
}

/* Deny ingress, allow egress: a new group carries sg_rule_default_egress for both
 * families; it denies ingress with nothing else; deleting the default rules denies egress
 * (no implicit allow comes back); an empty list denies everything. */
static void defaults_deny_ingress_and_allow_egress_through_the_group_rules(void **state)
{
	struct sg_rule group[3];
	struct sg_key keys[] = {
		key(SG_PROTO_TCP, "10.0.0.5", "8.8.8.8", 40000, 443),
		key(SG_PROTO_UDP, "10.0.0.5", "10.0.0.6", 40000, 53),
		key(SG_PROTO_ICMP, "10.0.0.5", "192.0.2.1", 8, 0),
		key(47, "10.0.0.5", "192.0.2.1", 0, 0),
		key(SG_PROTO_TCP, "2001:db8::5", "2001:db8:ffff::1", 40000, 22),
		key(SG_PROTO_ICMPV6, "2001:db8::5", "ff02::1", 135, 0),
	};
	uint32_t ids[RTE_DIM(keys)];
	struct sg_acl *in, *out, *narrow, *empty_in, *empty_out;

	(void)state;
	sg_rule_default_egress(&group[0], AF_INET, 100);
	sg_rule_default_egress(&group[1], AF_INET6, 101);
	assert_int_equal(sg_rules_check(group, 2, NULL), 0);
	in = sg_test_acl(group, 2, SG_INGRESS);
	out = sg_test_acl(group, 2, SG_EGRESS);
	assert_int_equal(sg_acl_classify_burst(out, keys, RTE_DIM(keys), ids), RTE_DIM(keys));
	for (size_t i = 0; i < RTE_DIM(keys); i++)
		assert_int_equal(ids[i], keys[i].af == AF_INET ? 100 : 101);
	/* the same packets arriving: nothing allows them */
	assert_int_equal(sg_acl_classify_burst(in, keys, RTE_DIM(keys), ids), 0);

	/* the user replaced the defaults with one narrow egress rule */
	group[2] = sg_test_rule(102, SG_EGRESS, SG_PROTO_TCP, 443, 443, "0.0.0.0/0");
	narrow = sg_test_acl(&group[2], 1, SG_EGRESS);
	assert_int_equal(sg_acl_classify_burst(narrow, keys, RTE_DIM(keys), ids), 1);
	assert_int_equal(ids[0], 102);
	empty_in = sg_test_acl(NULL, 0, SG_INGRESS);
	empty_out = sg_test_acl(NULL, 0, SG_EGRESS);
	assert_int_equal(sg_acl_rules_len(empty_out, AF_INET), 0);
	assert_int_equal(sg_acl_classify_burst(empty_in, keys, RTE_DIM(keys), ids), 0);
	assert_int_equal(sg_acl_classify_burst(empty_out, keys, RTE_DIM(keys), ids), 0);
	for (size_t i = 0; i < RTE_DIM(keys); i++)
		assert_int_equal(ids[i], 0);
	sg_acl_free(in);
	sg_acl_free(out);
	sg_acl_free(narrow);
	sg_acl_free(empty_in);
	sg_acl_free(empty_out);
	sg_acl_free(NULL);
}

/* ---- random rule sets against a linear-scan reference ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull; /* fixed seed: reproducible failures */

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull); /* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int rnd_below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static bool ref_bit(const uint8_t *addr, unsigned int bit)
{
	return (addr[bit / 8] >> (7 - bit % 8)) & 1;
}

/* The semantics of sg.h, written out plainly: no shared code with acl/. */
static bool ref_match(const struct sg_rule *r, enum sg_dir dir, const struct sg_key *k)
{
	const uint8_t *remote = dir == SG_INGRESS ? k->src : k->dst;
	uint16_t sport = ntohs(k->sport), dport = ntohs(k->dport);

	if (r->dir != dir || r->af != k->af)
		return false;
	if (r->proto != SG_PROTO_ANY && r->proto != k->proto)
		return false;
	for (unsigned int b = 0; b < r->remote.plen; b++)
		if (ref_bit(remote, b) != ref_bit(r->remote.addr, b))
			return false;
	switch (r->proto) {
	case SG_PROTO_TCP:
	case SG_PROTO_UDP:
		return dport >= r->port_min && dport <= r->port_max;
	case SG_PROTO_ICMP:
	case SG_PROTO_ICMPV6:
		if (r->icmp_match != SG_ICMP_ANY && sport != r->icmp_type)
			return false;
		return r->icmp_match != SG_ICMP_TYPE_CODE || dport == r->icmp_code;
	}
	return true;
}

/* Returns the reported id (the lowest matching, 0: none); *n_ids: 0, 1, or 2 for "two or
 * more distinct ids matched". */
static uint32_t ref_classify(const struct sg_rule *rules, size_t len, enum sg_dir dir,
			     const struct sg_key *k, unsigned int *n_ids)
{
	uint32_t best = 0, first = 0;

	*n_ids = 0;
	for (size_t i = 0; i < len; i++) {
		if (!ref_match(&rules[i], dir, k))
			continue;
		if (first == 0) {
			first = rules[i].id;
			*n_ids = 1;
		} else if (rules[i].id != first) {
			*n_ids = 2;
		}
		if (best == 0 || rules[i].id < best)
			best = rules[i].id;
	}
	return best;
}

/* Few base addresses, so prefixes nest and overlap. */
struct pool {
	uint8_t v4[6][16];
	uint8_t v6[6][16];
};

static void pool_fill(struct pool *p)
{
	for (int i = 0; i < 6; i++) {
		for (int j = 0; j < 16; j++) {
			p->v4[i][j] = (uint8_t)rnd();
			p->v6[i][j] = (uint8_t)rnd();
		}
		if (i > 0 && rnd_below(2)) { /* share a leading part with the previous base */
			memcpy(p->v4[i], p->v4[i - 1], 2);
			memcpy(p->v6[i], p->v6[i - 1], 1 + rnd_below(12));
		}
	}
	memset(p->v4[5], 0, 4); /* 0.0.0.0 and :: neighbourhoods */
	memset(p->v6[5], 0, 16);
}

static unsigned int rnd_plen(bool v6)
{
	static const uint8_t edges4[] = {0, 1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 32, 32};
	static const uint8_t edges6[] = {0, 1, 31, 32, 33, 63, 64, 65, 95, 96, 97, 127, 128, 128};

	if (rnd_below(3) == 0)
		return rnd_below(v6 ? 129 : 33);
	return v6 ? edges6[rnd_below(sizeof(edges6))] : edges4[rnd_below(sizeof(edges4))];
}

/* Ports anywhere, or at the edges people write: 0, 1, well-known, 1023/1024, around
 * 32767/32768, up to 65535. */
static uint16_t rnd_port(void)
{
	static const uint16_t edges[] = {0, 1, 2, 21, 22, 23, 79, 80, 81, 443, 1023, 1024};

	switch (rnd_below(3)) {
	case 0:
		return (uint16_t)rnd();
	case 1:
		return (uint16_t)((rnd_below(2) ? 32766 : 65532) + rnd_below(4));
	}
	return edges[rnd_below(RTE_DIM(edges))];
}

static uint8_t rnd_proto(bool v6)
{
	static const uint8_t protos[] = {SG_PROTO_ANY, SG_PROTO_TCP,  SG_PROTO_TCP,  SG_PROTO_UDP,
					 SG_PROTO_UDP, SG_PROTO_ICMP, SG_PROTO_ICMP, 47};
	uint8_t p = protos[rnd_below(RTE_DIM(protos))];

	return p == SG_PROTO_ICMP && v6 ? SG_PROTO_ICMPV6 : p;
}

static struct sg_rule rnd_rule(const struct pool *p, uint32_t max_id)
{
	bool v6 = rnd_below(2);
	struct sg_rule r = {.dir = (uint8_t)rnd_below(2), .af = v6 ? AF_INET6 : AF_INET};

	r.id = rnd_below(50) == 0 ? UINT32_MAX - rnd_below(3) : 1 + rnd_below(max_id);
	r.proto = rnd_proto(v6);
	if (r.proto == SG_PROTO_TCP || r.proto == SG_PROTO_UDP) {
		uint16_t a = rnd_port(), b = rnd_below(2) ? a : rnd_port();

		r.port_min = RTE_MIN(a, b);
		r.port_max = RTE_MAX(a, b);
	} else if (r.proto == SG_PROTO_ICMP || r.proto == SG_PROTO_ICMPV6) {
		r.icmp_match = (uint8_t)rnd_below(3);
		if (r.icmp_match != SG_ICMP_ANY)
			r.icmp_type = (uint8_t)(rnd_below(2) ? rnd_below(4) : rnd());
		if (r.icmp_match == SG_ICMP_TYPE_CODE)
			r.icmp_code = (uint8_t)rnd_below(3);
	}
	r.remote.af = r.af;
	r.remote.plen = (uint8_t)rnd_plen(v6);
	memcpy(r.remote.addr, v6 ? p->v6[rnd_below(6)] : p->v4[rnd_below(6)], 16);
	for (unsigned int b = r.remote.plen; b < 128; b++)
		set_bit(r.remote.addr, b, 0);
	return r;
}

/* A key aimed at a rule: inside its prefix or just outside, at its port edges or next to
 * them, its protocol or another one. */
static struct sg_key rnd_key_near(const struct sg_rule *r)
{
	struct sg_key k = {.af = r->af};
	unsigned int bits = r->af == AF_INET ? 32 : 128;
	uint8_t *remote = r->dir == SG_INGRESS ? k.src : k.dst;
	uint8_t *local = r->dir == SG_INGRESS ? k.dst : k.src;
	uint16_t sport = (uint16_t)rnd(), dport = (uint16_t)rnd();

	for (unsigned int j = 0; j < 16; j++)
		local[j] = (uint8_t)rnd();
	memcpy(remote, r->remote.addr, 16);
	for (unsigned int b = r->remote.plen; b < bits; b++)
		set_bit(remote, b, (int)rnd_below(2));
	if (r->remote.plen > 0 && rnd_below(5) == 0) /* just outside */
		set_bit(remote, r->remote.plen - 1, !ref_bit(r->remote.addr, r->remote.plen - 1));
	k.proto = rnd_below(5) == 0 ? rnd_proto(r->af == AF_INET6) : r->proto;
	if (k.proto == SG_PROTO_ANY && rnd_below(2))
		k.proto = (uint8_t)rnd();
	if (r->proto == SG_PROTO_TCP || r->proto == SG_PROTO_UDP) {
		const uint16_t near[] = {r->port_min - 1, r->port_min, r->port_min + 1,
					 r->port_max - 1, r->port_max, r->port_max + 1};

		dport = near[rnd_below(RTE_DIM(near))];
	} else if (r->proto == SG_PROTO_ICMP || r->proto == SG_PROTO_ICMPV6) {
		sport = (uint16_t)(r->icmp_type + (int)rnd_below(3) - 1) & 0xff;
		dport = rnd_below(4) == 0 ? (uint16_t)rnd() : (r->icmp_code + rnd_below(2)) & 0xff;
	}
	if (rnd_below(10) == 0)
		k.af = r->af == AF_INET ? AF_INET6 : AF_INET; /* same bytes, other family */
	k.sport = htons(sport);
	k.dport = htons(dport);
	return k;
}

static struct sg_key rnd_key(const struct pool *p)
{
	bool v6 = rnd_below(2);
	struct sg_key k = {.af = v6 ? AF_INET6 : AF_INET, .proto = rnd_proto(v6)};

	memcpy(k.src, v6 ? p->v6[rnd_below(6)] : p->v4[rnd_below(6)], 16);
	memcpy(k.dst, v6 ? p->v6[rnd_below(6)] : p->v4[rnd_below(6)], 16);
	for (unsigned int b = rnd_plen(v6); b < 128; b++) {
		set_bit(k.src, b, (int)rnd_below(2));
		set_bit(k.dst, b, (int)rnd_below(2));
	}
	k.sport = htons(rnd_port());
	k.dport = htons(rnd_port());
	return k;
}

struct tally {
	unsigned long keys, allowed, multi;
};

/* Classify keys in bursts of 32, and once more in one call, against the reference. */
static void check_against_reference(const struct sg_rule *rules, size_t n_rules, enum sg_dir dir,
				    const struct sg_key *keys, size_t n_keys, struct tally *t)
{
	struct sg_acl *acl = sg_test_acl(rules, n_rules, dir);
	uint32_t *got = malloc(n_keys * sizeof(*got));
	unsigned int allowed = 0;

	assert_non_null(got);
	for (size_t i = 0; i < n_keys; i += BURST) {
		unsigned int n = (unsigned int)RTE_MIN((size_t)BURST, n_keys - i);

		allowed += sg_acl_classify_burst(acl, keys + i, n, got + i);
	}
	for (size_t i = 0; i < n_keys; i++) {
		unsigned int n_ids;
		uint32_t want = ref_classify(rules, n_rules, dir, &keys[i], &n_ids);

		if (got[i] != want) {
			char src[INET6_ADDRSTRLEN] = "?", dst[INET6_ADDRSTRLEN] = "?";
			int af = keys[i].af == AF_INET6 ? AF_INET6 : AF_INET;

			inet_ntop(af, keys[i].src, src, sizeof(src));
			inet_ntop(af, keys[i].dst, dst, sizeof(dst));
			fail_msg("%zu rules, %s, key %zu (af %u proto %u %s:%u -> %s:%u): got id "
				 "%u, "
				 "reference %u",
				 n_rules, dir == SG_INGRESS ? "ingress" : "egress", i, keys[i].af,
				 keys[i].proto, src, ntohs(keys[i].sport), dst,
				 ntohs(keys[i].dport), got[i], want);
		}
		t->allowed += want != 0;
		t->multi += n_ids > 1;
	}
	t->keys += n_keys;
	/* one call over everything: chunking inside must not change a result */
	memset(got, 0xff, n_keys * sizeof(*got));
	assert_int_equal(sg_acl_classify_burst(acl, keys, (unsigned int)n_keys, got), allowed);
	for (size_t i = 0; i < n_keys; i++) {
		unsigned int n_ids;

		assert_int_equal(got[i], ref_classify(rules, n_rules, dir, &keys[i], &n_ids));
	}
	free(got);
	sg_acl_free(acl);
}

/* Every rte_acl implementation this CPU has: a context takes the best one allowed by the
 * SIMD width when it is created (scalar, SSE, AVX2 or AVX-512 over 16, AVX-512 over 32
 * lanes). Workers may run on other CPUs than the tests. */
static void random_bursts_agree_with_a_linear_scan(void **state)
{
	static const size_t sizes[] = {1, 2, 3, 5, 8, 13, 32, 64, 100, 200, 400, 1000};
	static const uint16_t widths[] = {RTE_VECT_SIMD_DISABLED, RTE_VECT_SIMD_128,
					  RTE_VECT_SIMD_256, RTE_VECT_SIMD_512};
	uint16_t width_before = rte_vect_get_max_simd_bitwidth();
	const size_t n_keys = 4099; /* not a multiple of the burst: a short last one */
	struct sg_key *keys = malloc(n_keys * sizeof(*keys));
	struct sg_rule *rules = malloc(1000 * sizeof(*rules));
	struct tally t = {0};
	struct pool p;

	(void)state;
	assert_non_null(keys);
	assert_non_null(rules);
	for (unsigned int round = 0; round < RTE_DIM(widths) * RTE_DIM(sizes); round++) {
		size_t n_rules = sizes[round % RTE_DIM(sizes)];
		uint32_t max_id = 1 + (uint32_t)n_rules / (1 + rnd_below(4)); /* shared ids */

		assert_int_equal(rte_vect_set_max_simd_bitwidth(widths[round / RTE_DIM(sizes)]), 0);
		pool_fill(&p);
		for (size_t i = 0; i < n_rules; i++)
			rules[i] = rnd_rule(&p, max_id);
		for (size_t i = 0; i < n_keys; i++)
			keys[i] = rnd_below(4) ? rnd_key_near(&rules[rnd_below(n_rules)])
					       : rnd_key(&p);
		assert_int_equal(sg_rules_check(rules, n_rules, NULL), 0);
		check_against_reference(rules, n_rules, SG_INGRESS, keys, n_keys, &t);
		check_against_reference(rules, n_rules, SG_EGRESS, keys, n_keys, &t);
	}
	assert_int_equal(rte_vect_set_max_simd_bitwidth(width_before), 0);
	print_message("random: %lu keys, %lu allowed, %lu matched by rules of 2+ ids\n", t.keys,
		      t.allowed, t.multi);
	/* the test means something only if both verdicts and overlaps were common */
	assert_true(t.allowed > t.keys / 5);
	assert_true(t.keys - t.allowed > t.keys / 5);
	assert_true(t.multi > t.keys / 20);
	free(rules);
	free(keys);
}

/* ---- scale: build time and memory (printed, not asserted) ---- */

/* A port behind a few remote-group rules (expanded to /32s or /128s) and many CIDR rules. */
static void scale_rules_fill(struct sg_rule *rules, size_t len, bool v6)
{
	for (size_t i = 0; i < len; i++) {
		struct sg_rule *r = &rules[i];
		bool member = i < len * 4 / 5; /* 8 remote-group rules, expanded */
		unsigned int group = (unsigned int)(i % 8);

		memset(r, 0, sizeof(*r));
		r->id = member ? 1 + group : 100 + (uint32_t)i;
		r->dir = SG_INGRESS;
		r->af = r->remote.af = v6 ? AF_INET6 : AF_INET;
		if (member) {
			r->proto = group < 6 ? SG_PROTO_TCP : SG_PROTO_UDP;
			r->port_min = (uint16_t)(1000 * group + 22);
			r->port_max = (uint16_t)(r->port_min + (group == 7 ? 100 : 0));
		} else {
			r->proto = rnd_below(2) ? SG_PROTO_TCP : SG_PROTO_UDP;
			r->port_min = rnd_port();
			r->port_max = (uint16_t)(r->port_min + (rnd_below(4) ? 0 : rnd_below(100)));
			if (r->port_max < r->port_min)
				r->port_max = UINT16_MAX;
		}
		if (!member && rnd_below(10) == 0) {
			r->proto = rnd_below(2) ? SG_PROTO_ANY
						: (v6 ? SG_PROTO_ICMPV6 : SG_PROTO_ICMP);
			r->port_min = r->port_max = 0;
		}
		r->remote.plen = member ? (v6 ? 128 : 32)
					: (uint8_t)(v6 ? 48 + rnd_below(81) : 16 + rnd_below(17));
		r->remote.addr[0] = v6 ? 0x20 : 10;
		r->remote.addr[1] = v6 ? 0x01 : (uint8_t)(i >> 16);
		for (unsigned int j = 2; j < 16; j++)
			r->remote.addr[j] = (uint8_t)rnd();
		for (unsigned int b = r->remote.plen; b < 128; b++)
			set_bit(r->remote.addr, b, 0);
	}
}

static uint64_t classify_cycles(const struct sg_acl *acl, const struct sg_key *keys, size_t n_keys)
{
	uint32_t ids[BURST];
	uint64_t t0 = rte_rdtsc();
	unsigned int rounds = 0;

	for (unsigned int rep = 0; rep < 20; rep++)
		for (size_t i = 0; i + BURST <= n_keys; i += BURST, rounds++)
			sg_acl_classify_burst(acl, keys + i, BURST, ids);
	return (rte_rdtsc() - t0) / (rounds * BURST);
}

static void scale_keys_fill(struct sg_key *keys, size_t n, const struct sg_rule *rules,
			    size_t n_rules)
{
	for (size_t i = 0; i < n; i++)
		keys[i] = rnd_key_near(&rules[rnd_below(n_rules)]);
}

static void context_of_10000_rules_builds(void **state)
{
	const size_t len = 10000, n_keys = 4096;
	struct sg_rule *rules = malloc(len * sizeof(*rules));
	struct sg_key *keys = malloc(n_keys * sizeof(*keys));
	struct timespec t0;

	(void)state;
	assert_non_null(rules);
	assert_non_null(keys);
	for (int v6 = 0; v6 < 2; v6++) {
		size_t before = heap_used();
		struct sg_acl *acl;
		double ms;

		scale_rules_fill(rules, len, v6);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		acl = sg_test_acl(rules, len, SG_INGRESS);
		ms = ms_since(&t0);
		assert_int_equal(sg_acl_rules_len(acl, v6 ? AF_INET6 : AF_INET), len);
		scale_keys_fill(keys, n_keys, rules, len);
		for (size_t i = 0; i < 64; i++) { /* spot checks; the random test does the rest */
			unsigned int n_ids;

			assert_int_equal(classify1(acl, keys[i]),
					 ref_classify(rules, len, SG_INGRESS, &keys[i], &n_ids));
		}
		print_message("%s: %zu rules built in %.0f ms, %zu KiB; classify %" PRIu64
			      " cycles/key in bursts of %d\n",
			      v6 ? "IPv6" : "IPv4", len, ms, (heap_used() - before) / 1024,
			      classify_cycles(acl, keys, n_keys), BURST);
		sg_acl_free(acl);
	}
	free(keys);
	free(rules);
}

/* The per-port layout's cost: 1,000 ports of 20 rules each (10 IPv4, 10 IPv6). */
static void thousand_small_contexts_build(void **state)
{
	enum { PORTS = 1000, PER_FAMILY = 10 };
	struct sg_acl **acls = calloc(PORTS, sizeof(*acls));
	struct sg_rule rules[2 * PER_FAMILY];
	struct sg_key keys[256];
	size_t before = heap_used();
	struct timespec t0;
	double ms;

	(void)state;
	assert_non_null(acls);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int port = 0; port < PORTS; port++) {
		scale_rules_fill(rules, PER_FAMILY, false);
		scale_rules_fill(rules + PER_FAMILY, PER_FAMILY, true);
		acls[port] = sg_test_acl(rules, RTE_DIM(rules), SG_INGRESS);
	}
	ms = ms_since(&t0);
	scale_keys_fill(keys, RTE_DIM(keys), rules, RTE_DIM(rules));
	print_message("%d ports x %d rules: built in %.0f ms (%.2f ms a port), %zu KiB "
		      "(%zu a port); classify %" PRIu64 " cycles/key in bursts of %d\n",
		      PORTS, 2 * PER_FAMILY, ms, ms / PORTS, (heap_used() - before) / 1024,
		      (heap_used() - before) / 1024 / PORTS,
		      classify_cycles(acls[PORTS - 1], keys, RTE_DIM(keys)), BURST);
	for (int port = 0; port < PORTS; port++)
		sg_acl_free(acls[port]);
	assert_int_equal(heap_used(), before);
	free(acls);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(create_refuses_ports_where_the_protocol_has_none),
		T(create_refuses_port_min_above_max),
		T(create_refuses_prefix_with_host_bits),
		T(create_refuses_prefix_longer_than_the_address),
		T(create_refuses_family_mismatch),
		T(create_refuses_bad_id_dir_af_and_icmp_fields),
		T(create_refuses_bad_arguments),
		T(create_refuses_too_many_rules),
		T(port_range_matches_its_edges_only),
		T(direction_picks_the_remote_address_and_the_entries),
		T(overlapping_rules_report_the_lowest_id),
		T(expanded_group_members_share_the_rule_id),
		T(any_protocol_matches_every_protocol_and_port),
		T(icmp_matches_type_and_code),
		T(ipv6_prefixes_match_exactly_their_addresses),
		T(ipv4_prefixes_match_exactly_their_addresses),
		T(families_never_match_each_other),
		T(defaults_deny_ingress_and_allow_egress_through_the_group_rules),
		T(random_bursts_agree_with_a_linear_scan),
		T(context_of_10000_rules_builds),
		T(thousand_small_contexts_build),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
