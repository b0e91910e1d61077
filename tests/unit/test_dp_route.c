/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of routing inside a VPC: the route tables (dataplane/dp_route.c, longest-prefix
 * match on rte_fib/rte_fib6, ECMP member choice) on their own, then routed frames through
 * the VM pipeline on real mbufs: dp_l3.c's decision and per-packet rewrite, dp_flow.c's
 * connections and revalidation, dp_icmp.c's time exceeded and echo replies. The test thread
 * is worker 0 (dp_fixture.c); security groups are left out (NULL: not filtered), as they
 * have their own tests.
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

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dp.h"
#include "dp_private.h"
#include "dp_route.h"
#include "dp_fixture.h"
#include "pkt_fixture.h"

#define N_MBUFS 511
#define VNI	100

/* DPDK 22.11 names only the echo types */
#define ICMP_TIME_EXCEEDED  11
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_ECHO_REQUEST  128
#define ICMP6_ECHO_REPLY    129

/*
 * VPC 100, two subnets; each gateway has one MAC for IPv4 and another for IPv6, so a frame
 * rewritten with the wrong family's MAC shows:
 *   subnet 1  10.0.1.0/24 fd00:1::/64  gateway 10.0.1.1 (GW1) fd00:1::1 (GW1_6)
 *             A 10.0.1.10 fd00:1::a
 *   subnet 2  10.0.2.0/24 fd00:2::/64  gateway 10.0.2.1 (GW2) fd00:2::1 (GW2_6)
 *             B 10.0.2.20 fd00:2::14
 *             C 10.0.2.30 fd00:2::1e  appliance (forwarding)
 *             D 10.0.2.40 fd00:2::28  appliance (forwarding)
 * Routes (default table): the four subnets connected; 192.168.0.0/16 and 2001:db8:c::/48
 * via C; 172.16.0.0/12 ECMP over C and D; 198.51.100.0/24 blackhole; 203.0.113.0/24 via
 * 10.0.2.99, which no VM has. Nothing else (8.8.8.8 has no route).
 */
#define GW1_MAC	  "02:00:00:00:01:01"
#define GW1_6_MAC "02:00:00:00:61:01"
#define GW2_MAC	  "02:00:00:00:02:01"
#define GW2_6_MAC "02:00:00:00:62:01"

enum { A, B, C, D, N_PORTS };

static const char *const names[N_PORTS] = {"a", "b", "c", "d"};
static const char *const macs[N_PORTS] = {"02:00:00:00:01:0a", "02:00:00:00:02:14",
					  "02:00:00:00:02:1e", "02:00:00:00:02:28"};
static const char *const ip4s[N_PORTS] = {"10.0.1.10", "10.0.2.20", "10.0.2.30", "10.0.2.40"};
static const char *const ip6s[N_PORTS] = {"fd00:1::a", "fd00:2::14", "fd00:2::1e", "fd00:2::28"};
static const int subnet_of[N_PORTS] = {0, 1, 1, 1};
static const bool appliance[N_PORTS] = {false, false, true, true};

static const struct {
	const char *gw4, *gw6, *mac, *mac6;
} subnets[2] = {
	{"10.0.1.1", "fd00:1::1", GW1_MAC, GW1_6_MAC},
	{"10.0.2.1", "fd00:2::1", GW2_MAC, GW2_6_MAC},
};

static struct dp_port *ports[N_PORTS];
static uint16_t idx[N_PORTS];
static struct dp_worker *w;
static struct dp_rtable *rt_default;
static struct dp_rtable *rt_extra; /* a test's own table: freed once no snapshot has it */

/* ---- route tables ---- */

/* A route to cidr: kind, and for ADDRESS the next hop's address, for PORT or ECMP the
 * port index or group number in `n`. */
static struct dp_route_conf route(const char *cidr, enum dp_nh_kind kind, const char *via,
				  uint32_t n)
{
	struct dp_route_conf r = {.kind = (uint8_t)kind};
	char ip[64];
	const char *slash = strchr(cidr, '/');

	assert_non_null(slash);
	snprintf(ip, sizeof(ip), "%.*s", (int)(slash - cidr), cidr);
	r.af = (uint8_t)pkt_af_of(ip);
	pkt_addr(ip, r.addr);
	r.plen = (uint8_t)atoi(slash + 1);
	if (via != NULL) {
		r.nh_af = (uint8_t)pkt_af_of(via);
		pkt_addr(via, r.nh);
	}
	r.port = (uint16_t)n;
	r.group = n;
	return r;
}

static struct dp_route_conf to_port(const char *cidr, uint16_t marker)
{
	return route(cidr, DP_NH_PORT, NULL, marker);
}

static void group_of(struct dp_ecmp_conf *g, const char *const *members, int n)
{
	memset(g, 0, sizeof(*g));
	g->af = (uint8_t)pkt_af_of(members[0]);
	g->n = (uint8_t)n;
	for (int i = 0; i < n; i++)
		pkt_addr(members[i], g->members[i]);
}

static struct dp_rtable *table(const struct dp_route_conf *r, uint32_t n,
			       const struct dp_ecmp_conf *g, uint32_t n_groups)
{
	struct dp_rtable *rt = dp_rtable_build(VNI, r, n, g, n_groups);

	if (rt == NULL)
		fail_msg("dp_rtable_build: %s", strerror(errno));
	return rt;
}

static const struct dp_nh *look(const struct dp_rtable *rt, const char *ip)
{
	uint8_t a[16];

	pkt_addr(ip, a);
	return dp_rtable_lookup(rt, pkt_af_of(ip), a);
}

/* The marker port of the route ip takes, or -1 when none matches. */
static int marker(const struct dp_rtable *rt, const char *ip)
{
	const struct dp_nh *nh = look(rt, ip);

	if (nh == NULL)
		return -1;
	assert_int_equal(nh->kind, DP_NH_PORT);
	return nh->port;
}

struct lookup {
	const char *ip;
	int marker;
};

static void assert_markers_(int line, const struct dp_rtable *rt, const struct lookup *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int got = marker(rt, l[i].ip);

		if (got != l[i].marker)
			fail_msg("line %d: %s takes marker %d, want %d", line, l[i].ip, got,
				 l[i].marker);
	}
}
#define assert_markers(rt, l) assert_markers_(__LINE__, rt, l, RTE_DIM(l))

/* The VPC's table, with the prefix via C in `outside` instead. */
static struct dp_rtable *vpc_table(struct dp_route_conf outside)
{
	static const char *const ecmp[] = {"10.0.2.30", "10.0.2.40"};
	struct dp_ecmp_conf g;
	const struct dp_route_conf r[] = {
		route("10.0.1.0/24", DP_NH_CONNECTED, NULL, 0),
		route("10.0.2.0/24", DP_NH_CONNECTED, NULL, 0),
		route("fd00:1::/64", DP_NH_CONNECTED, NULL, 0),
		route("fd00:2::/64", DP_NH_CONNECTED, NULL, 0),
		outside,
		route("2001:db8:c::/48", DP_NH_ADDRESS, "fd00:2::1e", 0),
		route("172.16.0.0/12", DP_NH_ECMP, NULL, 0),
		route("198.51.100.0/24", DP_NH_BLACKHOLE, NULL, 0),
		route("203.0.113.0/24", DP_NH_ADDRESS, "10.0.2.99", 0),
	};

	group_of(&g, ecmp, 2);
	return table(r, RTE_DIM(r), &g, 1);
}

/* ---- snapshots ---- */

static void publish(const struct dp_rtable *rt)
{
	struct dp_build *b = dp_fixture_begin();

	for (int i = 0; i < N_PORTS; i++) {
		struct dp_port_conf pc;
		int s = subnet_of[i];

		dp_fixture_port_conf(&pc, ports[i], VNI, macs[i], ip4s[i], ip6s[i]);
		dp_fixture_port_gw(&pc, subnets[s].gw4, subnets[s].mac, subnets[s].gw6,
				   subnets[s].mac6);
		pc.forwarding = appliance[i];
		pc.mtu = 1500;
		assert_int_equal(dp_build_port(b, &pc), 0);
	}
	for (int s = 0; s < 2; s++) {
		dp_fixture_gateway(b, VNI, subnets[s].gw4, subnets[s].mac);
		dp_fixture_gateway(b, VNI, subnets[s].gw6, subnets[s].mac6);
	}
	assert_int_equal(dp_build_vpc(b, VNI, DP_ENCAP_VXLAN, 1500), 0);
	assert_int_equal(dp_build_routes(b, VNI, rt), 0);
	dp_fixture_commit(b);
}

/* ---- setup ---- */

static void ct_reset(void)
{
	dp_ct_fini();
	assert_int_equal(dp_ct_init(4096, 4096), 0);
}

static int group_setup(void **state)
{
	(void)state;
	w = dp_fixture_start("ut_dp_route", N_MBUFS, NULL);
	dp_fixture_ports(ports, idx, names, N_PORTS);
	rt_default = vpc_table(route("192.168.0.0/16", DP_NH_ADDRESS, "10.0.2.30", 0));
	publish(rt_default);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	w->snap = NULL;
	dp_snap_release_all(); /* before the table it points at */
	dp_rtable_free(rt_default);
	dp_fixture_stop(w);
	return 0;
}

/* After each test: every mbuf is back, and the next starts from an empty connection table,
 * the default snapshot and zero counters. */
static int teardown(void **state)
{
	dp_fixture_teardown(state);
	ct_reset();
	publish(rt_default);
	dp_rtable_free(rt_extra);
	rt_extra = NULL;
	w->ct_created = w->ct_hits = w->ct_revalidated = 0;
	return 0;
}

/* ---- frames ---- */

static const char *gw_mac_of(int port, bool v6)
{
	return v6 ? subnets[subnet_of[port]].mac6 : subnets[subnet_of[port]].mac;
}

/* UDP from port `from` to its gateway's MAC for dst: from src (NULL: its own address of
 * dst's family), with a TTL or hop limit. */
static struct rte_mbuf *udp_via(int from, const char *src, const char *dst, uint16_t sport,
				uint16_t dport, uint8_t ttl)
{
	bool v6 = pkt_af_of(dst) == AF_INET6;
	const char *own = v6 ? ip6s[from] : ip4s[from];

	return pkt_udp(&(struct pkt_spec){.src = macs[from],
					  .dst = gw_mac_of(from, v6),
					  .l3 = v6 ? PKT_L3_IPV6 : PKT_L3_IPV4,
					  .sip = src != NULL ? src : own,
					  .dip = dst,
					  .ttl = ttl,
					  .payload = 8},
		       sport, dport);
}

static struct rte_mbuf *echo_via(int from, const char *dst, uint16_t id)
{
	bool v6 = pkt_af_of(dst) == AF_INET6;
	struct rte_mbuf *m =
		pkt_build(&(struct pkt_spec){.src = macs[from],
					     .dst = gw_mac_of(from, v6),
					     .l3 = v6 ? PKT_L3_IPV6 : PKT_L3_IPV4,
					     .sip = v6 ? ip6s[from] : ip4s[from],
					     .dip = dst,
					     .proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP,
					     .payload = 24});
	struct rte_icmp_hdr *h = pkt_l4(m);

	h->icmp_type = v6 ? ICMP6_ECHO_REQUEST : RTE_IP_ICMP_ECHO_REQUEST;
	h->icmp_code = 0;
	h->icmp_ident = rte_cpu_to_be_16(id);
	h->icmp_seq_nb = RTE_BE16(7);
	pkt_cksum_fix(m);
	return m;
}

/* ---- running frames ---- */

static uint16_t n_sent(int port)
{
	return w->tx[idx[port]].n;
}

static struct rte_mbuf *sent(int port, uint16_t i)
{
	return w->tx[idx[port]].pkts[i];
}

static uint64_t dropped(int at, enum dp_drop_reason why)
{
	return w->ports[idx[at]].drops[why];
}

/* One frame that must reach `to` and nothing else; returns it as sent. */
#define PASS(in, m, to)	     dp_fixture_pass(__LINE__, in, m, to)
#define DROP(in, m, at, why) dp_fixture_drop(__LINE__, in, m, at, DP_DROP_##why)

/* The port one frame went to: exactly one, nothing dropped. */
static int went_to(int in, struct rte_mbuf *m)
{
	char buf[256];

	dp_fixture_run(in, m);
	if (dp_fixture_sent_total() != 1 || dp_fixture_drops_total() != 0)
		fail_msg("%s want sent to one port", dp_fixture_outcome(buf, sizeof(buf)));
	for (int p = 0; p < N_PORTS; p++)
		if (n_sent(p) == 1)
			return p;
	fail_msg("sent to a port outside the test");
	return -1;
}

static void assert_routed4(struct rte_mbuf *m, const char *src_mac, const char *dst_mac,
			   uint8_t ttl)
{
	const struct rte_ipv4_hdr *ip = pkt_l3(m);

	assert_eth(m, src_mac, dst_mac);
	assert_int_equal(ip->time_to_live, ttl);
	assert_int_equal(rte_ipv4_cksum(ip), 0);
	pkt_assert_cksums(m);
}

static void assert_routed6(struct rte_mbuf *m, const char *src_mac, const char *dst_mac,
			   uint8_t hop_limit)
{
	const struct rte_ipv6_hdr *ip = pkt_l3(m);

	assert_eth(m, src_mac, dst_mac);
	assert_int_equal(ip->hop_limits, hop_limit);
	pkt_assert_cksums(m);
}

/* The gateway's answer to a frame from A that it dropped as ttl_expired: one frame back to
 * A and nothing else (valid until the next run). */
static struct rte_mbuf *ttl_expired_answer(struct rte_mbuf *m)
{
	char buf[256];

	dp_fixture_run(A, m);
	if (dp_fixture_sent_total() != 1 || n_sent(A) != 1 || dp_fixture_drops_total() != 1 ||
	    dropped(A, DP_DROP_TTL_EXPIRED) != 1)
		fail_msg("%s want an error to a and dropped at a as ttl_expired",
			 dp_fixture_outcome(buf, sizeof(buf)));
	return sent(A, 0);
}

static struct dp_ct_stats ct_stats(void)
{
	struct dp_ct_stats s;

	dp_ct_stats(&s);
	return s;
}

/* ==== route tables ==== */

static void rtable_build_refuses_invalid_routes(void **state)
{
	static const char *const two[] = {"10.0.2.30", "10.0.2.40"};
	struct dp_ecmp_conf g;
	struct dp_route_conf r;

	(void)state;
	group_of(&g, two, 2);
	r = to_port("10.0.0.0/8", 1);
	r.plen = 33;
	errno = 0;
	assert_null(dp_rtable_build(VNI, &r, 1, NULL, 0));
	assert_int_equal(errno, EINVAL);

	r = to_port("fd00::/16", 1);
	r.plen = 129;
	errno = 0;
	assert_null(dp_rtable_build(VNI, &r, 1, NULL, 0));
	assert_int_equal(errno, EINVAL);

	r = to_port("10.0.0.0/8", 1);
	r.af = AF_UNIX;
	errno = 0;
	assert_null(dp_rtable_build(VNI, &r, 1, NULL, 0));
	assert_int_equal(errno, EINVAL);

	r = to_port("10.0.0.0/8", 1);
	r.kind = DP_NH_BLACKHOLE + 1;
	errno = 0;
	assert_null(dp_rtable_build(VNI, &r, 1, NULL, 0));
	assert_int_equal(errno, EINVAL);

	/* group 1 of one group; and any group of none */
	r = route("172.16.0.0/12", DP_NH_ECMP, NULL, 1);
	errno = 0;
	assert_null(dp_rtable_build(VNI, &r, 1, &g, 1));
	assert_int_equal(errno, EINVAL);
	r.group = 0;
	errno = 0;
	assert_null(dp_rtable_build(VNI, &r, 1, NULL, 0));
	assert_int_equal(errno, EINVAL);

	/* one bad route among good ones spoils the table */
	{
		const struct dp_route_conf rs[] = {to_port("10.0.0.0/8", 1),
						   route("172.16.0.0/12", DP_NH_ECMP, NULL, 3)};

		errno = 0;
		assert_null(dp_rtable_build(VNI, rs, 2, &g, 1));
		assert_int_equal(errno, EINVAL);
	}
	dp_rtable_free(NULL);
}

/* A group claiming more members than the array holds would have every lookup read past
 * it (dp_ecmp_select walks g->n entries). */
static void rtable_build_refuses_a_group_over_the_member_limit(void **state)
{
	struct dp_ecmp_conf g = {.af = AF_INET, .n = DP_ECMP_MEMBERS_MAX + 1};
	struct dp_route_conf r = route("172.16.0.0/12", DP_NH_ECMP, NULL, 0);
	struct dp_rtable *rt;

	(void)state;
	for (int i = 0; i < DP_ECMP_MEMBERS_MAX; i++)
		g.members[i][3] = (uint8_t)(i + 1);
	errno = 0;
	rt = dp_rtable_build(VNI, &r, 1, &g, 1);
	dp_rtable_free(rt);
	if (rt != NULL)
		fail_msg("a group of %u members (at most %u fit) was accepted", g.n,
			 DP_ECMP_MEMBERS_MAX);
	assert_int_equal(errno, EINVAL);
}

static void rtable_ipv4_longest_prefix_wins(void **state)
{
	const struct dp_route_conf r[] = {
		to_port("10.0.0.0/8", 8),
		to_port("10.1.2.0/24", 24), /* given before the /16 it is inside */
		to_port("10.1.0.0/16", 16),
		to_port("10.1.2.3/32", 32),
	};
	static const struct lookup want[] = {
		{"10.9.9.9", 8},
		{"10.1.9.9", 16},
		{"10.1.2.4", 24},
		{"10.1.2.3", 32},
		{"10.1.3.0", 16},
		{"10.255.255.255", 8},
		/* no default route: outside every prefix is no match */
		{"11.0.0.0", -1},
		{"9.255.255.255", -1},
		{"0.0.0.0", -1},
	};
	struct dp_rtable *rt = table(r, RTE_DIM(r), NULL, 0);

	(void)state;
	assert_int_equal(dp_rtable_vni(rt), VNI);
	assert_int_equal(dp_rtable_routes(rt), RTE_DIM(r));
	assert_markers(rt, want);
	/* and no IPv6 route at all */
	assert_null(look(rt, "fd00::1"));
	dp_rtable_free(rt);
}

static void rtable_ipv6_longest_prefix_wins(void **state)
{
	const struct dp_route_conf r[] = {
		to_port("fd00::/16", 16),
		to_port("fd00:1:2::/48", 48), /* given before the /32 it is inside */
		to_port("fd00:1::/32", 32),
		to_port("fd00:1:2:3::/64", 64),
		to_port("fd00:1:2:3::7/128", 128),
	};
	static const struct lookup want[] = {
		{"fd00:9::1", 16},
		{"fd00:1:9::1", 32},
		{"fd00:1:2:9::1", 48},
		{"fd00:1:2:3::8", 64},
		{"fd00:1:2:3::7", 128},
		{"fd01::1", -1},
		{"::", -1},
	};
	struct dp_rtable *rt = table(r, RTE_DIM(r), NULL, 0);

	(void)state;
	assert_markers(rt, want);
	assert_null(look(rt, "10.0.0.1"));
	dp_rtable_free(rt);
}

static void rtable_default_route_takes_what_nothing_longer_matches(void **state)
{
	const struct dp_route_conf r[] = {
		to_port("0.0.0.0/0", 1),
		to_port("10.0.0.0/8", 8),
		to_port("::/0", 2),
		to_port("fd00::/16", 16),
	};
	static const struct lookup want[] = {
		{"10.1.2.3", 8},
		{"8.8.8.8", 1},
		{"0.0.0.0", 1},
		{"255.255.255.255", 1},
		{"fd00::1", 16},
		{"2001:db8::1", 2},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 2},
	};
	struct dp_rtable *rt = table(r, RTE_DIM(r), NULL, 0);

	(void)state;
	assert_markers(rt, want);
	dp_rtable_free(rt);
}

/* A route for a subnet's own prefix, given after the subnet, steers it (a middlebox in front
 * of a subnet); the order is the contract, so the reverse order keeps the subnet. */
static void rtable_later_route_for_a_subnet_prefix_overrides_the_connected_route(void **state)
{
	const struct dp_route_conf r[] = {
		route("10.0.2.0/24", DP_NH_CONNECTED, NULL, 0),
		route("fd00:2::/64", DP_NH_CONNECTED, NULL, 0),
		route("10.0.2.0/24", DP_NH_ADDRESS, "10.0.1.50", 0),
		route("fd00:2::/64", DP_NH_ADDRESS, "fd00:1::50", 0),
	};
	const struct dp_route_conf rev[] = {r[2], r[3], r[0], r[1]};
	struct dp_rtable *rt = table(r, RTE_DIM(r), NULL, 0);
	const struct dp_nh *nh;

	(void)state;
	nh = look(rt, "10.0.2.20");
	assert_non_null(nh);
	assert_int_equal(nh->kind, DP_NH_ADDRESS);
	assert_int_equal(nh->af, AF_INET);
	assert_addr(nh->addr, "10.0.1.50");
	nh = look(rt, "fd00:2::14");
	assert_non_null(nh);
	assert_int_equal(nh->kind, DP_NH_ADDRESS);
	assert_int_equal(nh->af, AF_INET6);
	assert_addr(nh->addr, "fd00:1::50");
	dp_rtable_free(rt);

	rt = table(rev, RTE_DIM(rev), NULL, 0);
	nh = look(rt, "10.0.2.20");
	assert_non_null(nh);
	assert_int_equal(nh->kind, DP_NH_CONNECTED);
	nh = look(rt, "fd00:2::14");
	assert_non_null(nh);
	assert_int_equal(nh->kind, DP_NH_CONNECTED);
	dp_rtable_free(rt);
}

#define MANY_ROUTES 100000

/* Route i: its own /24 block from 1.0.0.0 up, as a /24, /28 or /32, via 100.64.0.0 + i. */
static uint32_t many_block(uint32_t i)
{
	return 0x01000000u + (i << 8);
}

static void rtable_holds_100000_ipv4_routes_each_to_its_own_next_hop(void **state)
{
	struct dp_route_conf *r = calloc(MANY_ROUTES, sizeof(*r));
	struct dp_rtable *rt;

	(void)state;
	assert_non_null(r);
	for (uint32_t i = 0; i < MANY_ROUTES; i++) {
		uint32_t pfx = rte_cpu_to_be_32(many_block(i)),
			 nh = rte_cpu_to_be_32(0x64400000u + i);

		r[i] = (struct dp_route_conf){.af = AF_INET,
					      .plen = (uint8_t)(24 + (i % 3) * 4),
					      .kind = DP_NH_ADDRESS,
					      .nh_af = AF_INET};
		memcpy(r[i].addr, &pfx, 4);
		memcpy(r[i].nh, &nh, 4);
	}
	rt = dp_rtable_build(VNI, r, MANY_ROUTES, NULL, 0);
	free(r);
	if (rt == NULL)
		fail_msg("dp_rtable_build of %u routes: %s", MANY_ROUTES, strerror(errno));
	assert_int_equal(dp_rtable_routes(rt), MANY_ROUTES);
	for (uint32_t i = 0; i < MANY_ROUTES; i++) {
		uint32_t plen = 24 + (i % 3) * 4;
		/* the prefix's first address, and its last (the same for a /32) */
		uint32_t hosts[2] = {many_block(i),
				     many_block(i) + (plen == 32 ? 0 : 0xffffffffu >> plen)};

		for (int j = 0; j < 2; j++) {
			uint32_t a = rte_cpu_to_be_32(hosts[j]),
				 want = rte_cpu_to_be_32(0x64400000u + i);
			const struct dp_nh *nh = dp_rtable_lookup(rt, AF_INET, (const uint8_t *)&a);

			if (nh == NULL || nh->kind != DP_NH_ADDRESS ||
			    memcmp(nh->addr, &want, 4) != 0)
				fail_msg("route %u (/%u): address %08x looks up to the wrong next "
					 "hop",
					 i, plen, hosts[j]);
		}
		/* just past a /28 or /32 is in no route (the block's other addresses are free) */
		if (plen > 24) {
			uint32_t a = rte_cpu_to_be_32(hosts[1] + 1);

			if (dp_rtable_lookup(rt, AF_INET, (const uint8_t *)&a) != NULL)
				fail_msg("route %u (/%u): the address after it matches", i, plen);
		}
	}
	dp_rtable_free(rt);
}

/* ==== ECMP member choice ==== */

/* Flow hashes as the flow stage makes them: well mixed (murmur3's finaliser of a count). */
static uint32_t flow_hash(uint32_t i)
{
	uint32_t h = i + 0x9e3779b9u;

	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static const char *const eight[] = {"10.0.2.30", "10.0.2.40", "10.0.2.50", "10.0.2.60",
				    "10.0.3.1",	 "10.0.3.2",  "10.0.3.3",  "10.0.3.4"};
static const bool all_usable[DP_ECMP_MEMBERS_MAX] = {true, true, true, true, true, true,
						     true, true, true, true, true, true,
						     true, true, true, true};

static void ecmp_select_with_no_usable_member_is_none(void **state)
{
	struct dp_ecmp_conf g;
	const bool none[DP_ECMP_MEMBERS_MAX] = {false};

	(void)state;
	group_of(&g, eight, 8);
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(dp_ecmp_select(&g, flow_hash(i), none), -1);
	g.n = 0;
	assert_int_equal(dp_ecmp_select(&g, flow_hash(0), all_usable), -1);
}

/* The same hash, the same member; and the choice is the address's, not the position's. */
static void ecmp_select_is_stable_and_ignores_member_order(void **state)
{
	const char *reversed[8], *rotated[8];
	struct dp_ecmp_conf g, gr, gt;

	(void)state;
	for (int i = 0; i < 8; i++) {
		reversed[i] = eight[7 - i];
		rotated[i] = eight[(i + 3) % 8];
	}
	group_of(&g, eight, 8);
	group_of(&gr, reversed, 8);
	group_of(&gt, rotated, 8);
	for (uint32_t i = 0; i < 10000; i++) {
		uint32_t h = flow_hash(i);
		int a = dp_ecmp_select(&g, h, all_usable);
		int r = dp_ecmp_select(&gr, h, all_usable);
		int t = dp_ecmp_select(&gt, h, all_usable);

		assert_in_range(a, 0, 7);
		assert_int_equal(dp_ecmp_select(&g, h, all_usable), a);
		if (r < 0 || t < 0 || memcmp(g.members[a], gr.members[r], 16) != 0 ||
		    memcmp(g.members[a], gt.members[t], 16) != 0)
			fail_msg("hash %08x: %s, but %s reversed and %s rotated", h, eight[a],
				 r < 0 ? "none" : reversed[r], t < 0 ? "none" : rotated[t]);
	}
}

static void assert_spread(const char *const *members, int n, uint32_t seed)
{
	struct dp_ecmp_conf g;
	unsigned int count[DP_ECMP_MEMBERS_MAX] = {0};
	const unsigned int flows = 10000;

	group_of(&g, members, n);
	for (uint32_t i = 0; i < flows; i++) {
		int m = dp_ecmp_select(&g, flow_hash(seed + i), all_usable);

		assert_in_range(m, 0, n - 1);
		count[m]++;
	}
	for (int i = 0; i < n; i++)
		if (count[i] < flows * 15 / 100 || count[i] > flows * 35 / 100)
			fail_msg("%s took %u of %u flows (want 15..35%%); all: %u %u %u %u",
				 members[i], count[i], flows, count[0], count[1], count[2],
				 count[3]);
}

/* Each of 4 members takes about a quarter of the flows, whatever their addresses. */
static void ecmp_select_spreads_flows_evenly(void **state)
{
	static const char *const v4a[] = {"10.0.2.30", "10.0.2.40", "10.0.2.50", "10.0.2.60"};
	static const char *const v4b[] = {"10.0.3.1", "10.0.3.2", "10.0.3.3", "10.0.3.4"};
	static const char *const v6[] = {"fd00:2::1", "fd00:2::2", "fd00:2::3", "fd00:2::4"};

	(void)state;
	assert_spread(v4a, 4, 0);
	assert_spread(v4b, 4, 1000000);
	assert_spread(v6, 4, 2000000);
}

/* Losing a member moves exactly the flows it had; every other flow stays where it was. */
static void ecmp_select_moves_only_the_flows_of_a_removed_member(void **state)
{
	static int before[10000];
	struct dp_ecmp_conf g;

	(void)state;
	group_of(&g, eight, 8);
	for (uint32_t i = 0; i < 10000; i++)
		before[i] = dp_ecmp_select(&g, flow_hash(i), all_usable);
	for (int gone = 0; gone < 8; gone++) {
		bool usable[DP_ECMP_MEMBERS_MAX];
		unsigned int had = 0, moved = 0;

		memcpy(usable, all_usable, sizeof(usable));
		usable[gone] = false;
		for (uint32_t i = 0; i < 10000; i++) {
			int after = dp_ecmp_select(&g, flow_hash(i), usable);

			assert_in_range(after, 0, 7);
			assert_int_not_equal(after, gone);
			had += before[i] == gone;
			if (after != before[i]) {
				moved++;
				if (before[i] != gone)
					fail_msg("without %s, a flow of %s moved to %s",
						 eight[gone], eight[before[i]], eight[after]);
			}
		}
		assert_true(had > 0); /* the property was put to the test */
		assert_int_equal(moved, had);
	}
}

/* ==== routed frames ==== */

static void routed_ipv4_frame_reaches_the_other_subnet_rewritten(void **state)
{
	struct rte_mbuf *m;
	const struct rte_ipv4_hdr *ip;

	(void)state;
	m = PASS(A, udp_via(A, NULL, ip4s[B], 1000, 53, 64), B);
	assert_routed4(m, GW2_MAC, macs[B], 63);
	ip = pkt_l3(m);
	assert_addr(&ip->src_addr, ip4s[A]); /* routed, not translated */
	assert_addr(&ip->dst_addr, ip4s[B]);
	assert_int_equal(ct_stats().count, 1);

	/* B answers to its own gateway: the connection's reply, back to A the same way */
	m = PASS(B, udp_via(B, NULL, ip4s[A], 53, 1000, 64), A);
	assert_routed4(m, GW1_MAC, macs[A], 63);
	assert_int_equal(w->ct_hits, 1);
	assert_int_equal(ct_stats().count, 1);

	/* and on: every packet is rewritten, not only the first */
	m = PASS(A, udp_via(A, NULL, ip4s[B], 1000, 53, 20), B);
	assert_routed4(m, GW2_MAC, macs[B], 19);
	assert_int_equal(w->ct_hits, 2);
}

static void routed_ipv6_frame_reaches_the_other_subnet_rewritten(void **state)
{
	struct rte_mbuf *m;

	(void)state;
	m = PASS(A, udp_via(A, NULL, ip6s[B], 1000, 53, 64), B);
	assert_routed6(m, GW2_6_MAC, macs[B], 63);
	assert_int_equal(ct_stats().count, 1);
	m = PASS(B, udp_via(B, NULL, ip6s[A], 53, 1000, 64), A);
	assert_routed6(m, GW1_6_MAC, macs[A], 63);
	assert_int_equal(w->ct_hits, 1);
	assert_int_equal(ct_stats().count, 1);
}

/* The TTL is updated incrementally: the header checksum must come out right for every
 * starting value, the carry cases (checksum 0xff00 and up) included. */
static void ttl_decrement_keeps_the_ipv4_header_checksum_valid(void **state)
{
	static const uint16_t targets[] = {0x0000, 0x00ff, 0x1234, 0x7fff, 0xfe00,
					   0xfeff, 0xff00, 0xff01, 0xfffe};

	(void)state;
	for (size_t t = 0; t < RTE_DIM(targets); t++) {
		struct rte_mbuf *m = udp_via(A, NULL, ip4s[B], 4000, 53, 64);
		struct rte_ipv4_hdr *ip = pkt_l3(m);
		uint32_t id;

		for (id = 0; id < 65536; id++) {
			ip->packet_id = rte_cpu_to_be_16((uint16_t)id);
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			if (rte_be_to_cpu_16(ip->hdr_checksum) == targets[t])
				break;
		}
		assert_true(id < 65536);
		m = PASS(A, m, B);
		ip = pkt_l3(m);
		assert_int_equal(ip->time_to_live, 63);
		if (rte_ipv4_cksum(ip) != 0)
			fail_msg("checksum 0x%04x before the TTL decrement: 0x%04x after, invalid",
				 targets[t], rte_be_to_cpu_16(ip->hdr_checksum));
	}
}

static void ttl_1_gets_time_exceeded_from_the_gateway_and_opens_no_connection(void **state)
{
	struct rte_mbuf *e;
	const struct rte_ipv4_hdr *ip, *quoted;
	const struct rte_icmp_hdr *icmp;

	(void)state;
	e = ttl_expired_answer(udp_via(A, NULL, ip4s[B], 1000, 53, 1));
	assert_eth(e, GW1_MAC, macs[A]);
	ip = pkt_l3(e);
	assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
	assert_addr(&ip->src_addr, "10.0.1.1");
	assert_addr(&ip->dst_addr, ip4s[A]);
	icmp = pkt_l4(e);
	assert_int_equal(icmp->icmp_type, ICMP_TIME_EXCEEDED);
	assert_int_equal(icmp->icmp_code, 0);
	quoted = (const struct rte_ipv4_hdr *)(icmp + 1);
	assert_addr(&quoted->src_addr, ip4s[A]);
	assert_addr(&quoted->dst_addr, ip4s[B]);
	assert_int_equal(quoted->time_to_live, 1);
	pkt_assert_cksums(e);
	assert_int_equal(ct_stats().count, 0);
	assert_int_equal(ct_stats().created, 0);

	/* TTL 2 still makes it, with 1 left */
	assert_routed4(PASS(A, udp_via(A, NULL, ip4s[B], 1000, 53, 2), B), GW2_MAC, macs[B], 1);
}

static void hop_limit_1_gets_icmpv6_time_exceeded_from_the_gateway(void **state)
{
	struct rte_mbuf *e;
	const struct rte_ipv6_hdr *ip;
	const struct rte_icmp_hdr *icmp;

	(void)state;
	e = ttl_expired_answer(udp_via(A, NULL, ip6s[B], 1000, 53, 1));
	assert_eth(e, GW1_6_MAC, macs[A]);
	ip = pkt_l3(e);
	assert_int_equal(ip->proto, IPPROTO_ICMPV6);
	assert_addr(ip->src_addr, "fd00:1::1");
	assert_addr(ip->dst_addr, ip6s[A]);
	icmp = pkt_l4(e);
	assert_int_equal(icmp->icmp_type, ICMP6_TIME_EXCEEDED);
	assert_int_equal(icmp->icmp_code, 0);
	pkt_assert_cksums(e);
	assert_int_equal(ct_stats().count, 0);
}

static void unroutable_destinations_are_dropped_by_name(void **state)
{
	(void)state;
	DROP(A, udp_via(A, NULL, "198.51.100.7", 1000, 53, 64), A, ROUTE_BLACKHOLE);
	DROP(A, udp_via(A, NULL, "203.0.113.7", 1000, 53, 64), A, NO_NEIGHBOR);
	DROP(A, udp_via(A, NULL, "8.8.8.8", 1000, 53, 64), A, NO_ROUTE);
	DROP(A, udp_via(A, NULL, "2001:db8:ffff::1", 1000, 53, 64), A, NO_ROUTE);
	/* in a subnet, at an address no VM has */
	DROP(A, udp_via(A, NULL, "10.0.2.99", 1000, 53, 64), A, NO_NEIGHBOR);
	/* routed back to the sender's own port */
	DROP(A, udp_via(A, NULL, ip4s[A], 1000, 53, 64), A, HAIRPIN);
	assert_int_equal(ct_stats().count, 0);
}

static void route_via_an_appliance_address_steers_an_outside_prefix_to_it(void **state)
{
	struct rte_mbuf *m;

	(void)state;
	m = PASS(A, udp_via(A, NULL, "192.168.5.5", 2000, 53, 64), C);
	assert_routed4(m, GW2_MAC, macs[C], 63);
	assert_addr(&((const struct rte_ipv4_hdr *)pkt_l3(m))->dst_addr, "192.168.5.5");

	/* C forwards: it may answer from the outside address, and the answer is the reply */
	m = PASS(C, udp_via(C, "192.168.5.5", ip4s[A], 53, 2000, 64), A);
	assert_routed4(m, GW1_MAC, macs[A], 63);
	assert_int_equal(w->ct_hits, 1);

	/* B does not forward: the same address is not its to send from */
	DROP(B, udp_via(B, "192.168.5.5", ip4s[A], 53, 2001, 64), B, SRC_IP_SPOOF);

	m = PASS(A, udp_via(A, NULL, "2001:db8:c::5", 2000, 53, 64), C);
	assert_routed6(m, GW2_6_MAC, macs[C], 63);
	m = PASS(C, udp_via(C, "2001:db8:c::5", ip6s[A], 53, 2000, 64), A);
	assert_routed6(m, GW1_6_MAC, macs[A], 63);
	assert_int_equal(w->ct_hits, 2);
}

#define ECMP_FLOWS 200

static void ecmp_route_spreads_flows_and_keeps_each_on_one_member(void **state)
{
	int first[ECMP_FLOWS];
	unsigned int on_c = 0, on_d = 0;

	(void)state;
	for (int i = 0; i < ECMP_FLOWS; i++) {
		struct rte_mbuf *m;

		first[i] =
			went_to(A, udp_via(A, NULL, "172.16.9.9", (uint16_t)(10000 + i), 53, 64));
		if (first[i] != C && first[i] != D)
			fail_msg("flow %d went to %s, not a member", i, names[first[i]]);
		m = sent(first[i], 0);
		assert_routed4(m, GW2_MAC, macs[first[i]], 63);
		on_c += first[i] == C;
		on_d += first[i] == D;
	}
	if (on_c < ECMP_FLOWS / 4 || on_d < ECMP_FLOWS / 4)
		fail_msg("%u flows on c, %u on d: not spread", on_c, on_d);
	assert_int_equal(ct_stats().count, ECMP_FLOWS);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < ECMP_FLOWS; i++) {
			int to = went_to(
				A, udp_via(A, NULL, "172.16.9.9", (uint16_t)(10000 + i), 53, 64));

			if (to != first[i])
				fail_msg("flow %d went to %s, then to %s", i, names[first[i]],
					 names[to]);
		}
	/* the member answers for the outside address: the reply of its flow */
	for (int i = 0; i < 4; i++)
		PASS(first[i],
		     udp_via(first[i], "172.16.9.9", ip4s[A], 53, (uint16_t)(10000 + i), 64), A);
	assert_int_equal(ct_stats().count, ECMP_FLOWS);
}

static void ping_to_a_gateway_is_answered_by_the_gateway(void **state)
{
	struct rte_mbuf *m;
	const struct rte_ipv4_hdr *ip;
	const struct rte_ipv6_hdr *ip6;
	const struct rte_icmp_hdr *icmp;

	(void)state;
	m = PASS(A, echo_via(A, "10.0.1.1", 0x1234), A);
	assert_eth(m, GW1_MAC, macs[A]);
	ip = pkt_l3(m);
	assert_addr(&ip->src_addr, "10.0.1.1");
	assert_addr(&ip->dst_addr, ip4s[A]);
	assert_int_equal(ip->time_to_live, 64);
	icmp = pkt_l4(m);
	assert_int_equal(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(icmp->icmp_code, 0);
	assert_int_equal(rte_be_to_cpu_16(icmp->icmp_ident), 0x1234);
	assert_int_equal(rte_be_to_cpu_16(icmp->icmp_seq_nb), 7);
	pkt_assert_cksums(m);

	/* the gateway of the other subnet answers too, for its own address */
	m = PASS(A, echo_via(A, "10.0.2.1", 0x1235), A);
	assert_addr(&((const struct rte_ipv4_hdr *)pkt_l3(m))->src_addr, "10.0.2.1");
	pkt_assert_cksums(m);

	m = PASS(A, echo_via(A, "fd00:1::1", 0x1236), A);
	assert_eth(m, GW1_6_MAC, macs[A]);
	ip6 = pkt_l3(m);
	assert_addr(ip6->src_addr, "fd00:1::1");
	assert_addr(ip6->dst_addr, ip6s[A]);
	icmp = pkt_l4(m);
	assert_int_equal(icmp->icmp_type, ICMP6_ECHO_REPLY);
	assert_int_equal(rte_be_to_cpu_16(icmp->icmp_ident), 0x1236);
	pkt_assert_cksums(m);

	/* anything else for the gateway is not answered; nothing is tracked */
	DROP(A, udp_via(A, NULL, "10.0.1.1", 1000, 53, 64), A, TO_GATEWAY);
	assert_int_equal(ct_stats().count, 0);
}

/* A -> 192.168.5.5 through C, both ways. */
static void establish_via_c(uint16_t sport)
{
	PASS(A, udp_via(A, NULL, "192.168.5.5", sport, 53, 64), C);
	PASS(C, udp_via(C, "192.168.5.5", ip4s[A], 53, sport, 64), A);
}

/* A new table sends the prefix to D. Its answers would come in from D, which the
 * connection's reply key does not describe: the connection is retired (its next packet is
 * ct_invalid, and aging reaps it at once), and the flow's next packet opens a new one
 * along the new route. */
static void route_change_retires_an_established_flow_that_reopens_on_the_new_route(void **state)
{
	struct rte_mbuf *m;

	(void)state;
	establish_via_c(3000);
	rt_extra = vpc_table(route("192.168.0.0/16", DP_NH_ADDRESS, "10.0.2.40", 0));
	publish(rt_extra);
	DROP(A, udp_via(A, NULL, "192.168.5.5", 3000, 53, 64), A, CT_INVALID);
	assert_true(w->ct_revalidated > 0);
	assert_int_equal(dp_ct_age(dp_ct_now(), 0), 1);
	m = PASS(A, udp_via(A, NULL, "192.168.5.5", 3000, 53, 64), D);
	assert_routed4(m, GW2_MAC, macs[D], 63);
	m = PASS(D, udp_via(D, "192.168.5.5", ip4s[A], 53, 3000, 64), A);
	assert_routed4(m, GW1_MAC, macs[A], 63);
	assert_int_equal(ct_stats().count, 1);
}

static void route_change_to_a_blackhole_stops_an_established_flow(void **state)
{
	(void)state;
	establish_via_c(3001);
	PASS(A, udp_via(A, NULL, ip4s[B], 3002, 53, 64), B);
	rt_extra = vpc_table(route("192.168.0.0/16", DP_NH_BLACKHOLE, NULL, 0));
	publish(rt_extra);
	DROP(A, udp_via(A, NULL, "192.168.5.5", 3001, 53, 64), A, ROUTE_BLACKHOLE);
	assert_int_equal(w->ct_revalidated, 1);
	/* a connection the change does not touch keeps flowing, revalidated */
	assert_routed4(PASS(A, udp_via(A, NULL, ip4s[B], 3002, 53, 64), B), GW2_MAC, macs[B], 63);
	assert_int_equal(w->ct_revalidated, 2);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(rtable_build_refuses_invalid_routes),
		T(rtable_build_refuses_a_group_over_the_member_limit),
		T(rtable_ipv4_longest_prefix_wins),
		T(rtable_ipv6_longest_prefix_wins),
		T(rtable_default_route_takes_what_nothing_longer_matches),
		T(rtable_later_route_for_a_subnet_prefix_overrides_the_connected_route),
		T(rtable_holds_100000_ipv4_routes_each_to_its_own_next_hop),

		T(ecmp_select_with_no_usable_member_is_none),
		T(ecmp_select_is_stable_and_ignores_member_order),
		T(ecmp_select_spreads_flows_evenly),
		T(ecmp_select_moves_only_the_flows_of_a_removed_member),

		T(routed_ipv4_frame_reaches_the_other_subnet_rewritten),
		T(routed_ipv6_frame_reaches_the_other_subnet_rewritten),
		T(ttl_decrement_keeps_the_ipv4_header_checksum_valid),
		T(ttl_1_gets_time_exceeded_from_the_gateway_and_opens_no_connection),
		T(hop_limit_1_gets_icmpv6_time_exceeded_from_the_gateway),
		T(unroutable_destinations_are_dropped_by_name),
		T(route_via_an_appliance_address_steers_an_outside_prefix_to_it),
		T(ecmp_route_spreads_flows_and_keeps_each_on_one_member),
		T(ping_to_a_gateway_is_answered_by_the_gateway),
		T(route_change_retires_an_established_flow_that_reopens_on_the_new_route),
		T(route_change_to_a_blackhole_stops_an_established_flow),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
