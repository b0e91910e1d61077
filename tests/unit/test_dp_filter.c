/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/dp_filter.c: tcpdump expressions compiled by libpcap, converted to eBPF and run
 * over real mbufs from a real mempool (EAL without hugepages). Refused expressions, the
 * match-all filter, then what common expressions match and miss, chained mbufs last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_mbuf.h>

#include "../../dataplane/dp_filter.h"
#include "pkt_fixture.h"

#define A_MAC "52:54:00:00:00:01"
#define B_MAC "52:54:00:00:00:02"

/* ---- fixture ---- */

static int group_setup(void **state)
{
	char *argv[] = {"test_dp_filter", "-l",		 "0",	  "--no-huge",
			"--no-pci",	  "-m",		 "64",	  "--no-shconf",
			"--no-telemetry", "--log-level", "error", "--file-prefix",
			"ut_dp_filter"};

	(void)state;
	if (rte_eal_init(RTE_DIM(argv), argv) < 0)
		return -1;
	pkt_pool = rte_pktmbuf_pool_create("ut_filter", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   SOCKET_ID_ANY);
	return pkt_pool == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	char runtime_dir[PATH_MAX];

	(void)state;
	rte_mempool_free(pkt_pool);
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(runtime_dir);
	return 0;
}

static struct dp_filter *compile_ok(const char *expr)
{
	char err[256] = "";
	struct dp_filter *f = dp_filter_compile(expr, 0, err, sizeof(err));

	if (f == NULL)
		fail_msg("'%s' did not compile: %s", expr, err);
	return f;
}

/* Whether f matches the one frame m (freed), checking the count and rc agree. */
static bool matches(const struct dp_filter *f, struct rte_mbuf *m)
{
	uint64_t rc = 0xdead;
	uint16_t n = dp_filter_match_burst(f, &m, 1, &rc);

	assert_int_equal(n, rc != 0 ? 1 : 0);
	rte_pktmbuf_free(m);
	return n == 1;
}

static struct rte_mbuf *icmp_echo(const char *sip, const char *dip)
{
	struct pkt_spec s = {.src = A_MAC,
			     .dst = B_MAC,
			     .l3 = PKT_L3_IPV4,
			     .sip = sip,
			     .dip = dip,
			     .proto = IPPROTO_ICMP,
			     .payload = 16};
	struct rte_mbuf *m = pkt_build(&s);
	struct rte_icmp_hdr *icmp = pkt_l4(m);

	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_code = 0;
	pkt_cksum_fix(m);
	return m;
}

static struct rte_mbuf *udp4(const char *sip, const char *dip, uint16_t sport, uint16_t dport)
{
	struct pkt_spec s = {.src = A_MAC,
			     .dst = B_MAC,
			     .l3 = PKT_L3_IPV4,
			     .sip = sip,
			     .dip = dip,
			     .payload = 12};

	return pkt_udp(&s, sport, dport);
}

/* ---- refused expressions ---- */

static void bad_filter_is_refused_with_libpcap_message(void **state)
{
	static const char *const bad[] = {"tcp port", "nosuchkeyword", "host 10.0.0.300",
					  "port 99999", "icmp and"};
	char err[256];

	(void)state;
	for (size_t i = 0; i < RTE_DIM(bad); i++) {
		memset(err, 0, sizeof(err));
		errno = 0;
		assert_null(dp_filter_compile(bad[i], 0, err, sizeof(err)));
		assert_int_equal(errno, EINVAL);
		/* names the expression, then says why in libpcap's words */
		if (strstr(err, bad[i]) == NULL || strlen(err) <= strlen(bad[i]) + 16)
			fail_msg("'%s': message '%s' does not name it and a reason", bad[i], err);
	}
	assert_null(dp_filter_compile("tcp port", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "syntax error"));
}

static void bad_filter_message_fits_a_small_buffer(void **state)
{
	char err[12];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_null(dp_filter_compile("tcp port", 0, err, sizeof(err)));
	assert_int_equal(err[sizeof(err) - 1], '\0');
	assert_null(dp_filter_compile("tcp port", 0, NULL, 0));
}

/* ---- match all ---- */

static void empty_filter_matches_everything(void **state)
{
	static const char *const empty[] = {NULL, "", "  \t "};

	(void)state;
	for (size_t i = 0; i < RTE_DIM(empty); i++) {
		struct dp_filter *f = compile_ok(empty[i]);
		struct rte_mbuf *pkts[4] = {
			icmp_echo("10.0.0.1", "10.0.0.2"), udp4("10.0.0.1", "10.0.0.2", 1, 2),
			pkt_arp_request(A_MAC, "10.0.0.1", "10.0.0.2"), pkt_runt(3)};
		uint64_t rc[4] = {0};

		assert_int_equal(dp_filter_match_burst(f, pkts, 4, rc), 4);
		for (int k = 0; k < 4; k++)
			assert_true(rc[k] != 0);
		rte_pktmbuf_free_bulk(pkts, 4);
		dp_filter_free(f);
	}
	dp_filter_free(NULL);
}

/* ---- what expressions match ---- */

static void icmp_matches_icmp_only(void **state)
{
	struct dp_filter *f = compile_ok("icmp");

	(void)state;
	assert_true(matches(f, icmp_echo("10.0.0.1", "10.0.0.2")));
	assert_false(matches(f, udp4("10.0.0.1", "10.0.0.2", 1000, 2000)));
	assert_false(matches(f, pkt_arp_request(A_MAC, "10.0.0.1", "10.0.0.2")));
	assert_false(matches(f, pkt_eth_ipv6(A_MAC, B_MAC, "fd00::1", "fd00::2")));
	dp_filter_free(f);
}

static void udp_port_53_matches_either_port_of_udp(void **state)
{
	struct dp_filter *f = compile_ok("udp port 53");
	struct pkt_spec tcp = {.src = A_MAC,
			       .dst = B_MAC,
			       .l3 = PKT_L3_IPV4,
			       .sip = "10.0.0.1",
			       .dip = "10.0.0.2",
			       .proto = IPPROTO_TCP,
			       .payload = 20};
	struct rte_mbuf *m;

	(void)state;
	assert_true(matches(f, udp4("10.0.0.1", "10.0.0.2", 40000, 53)));
	assert_true(matches(f, udp4("10.0.0.2", "10.0.0.1", 53, 40000)));
	assert_false(matches(f, udp4("10.0.0.1", "10.0.0.2", 40000, 54)));
	/* TCP with destination port 53 is not "udp port 53" */
	m = pkt_build(&tcp);
	((uint8_t *)pkt_l4(m))[3] = 53;
	assert_false(matches(f, m));
	dp_filter_free(f);
}

static void host_matches_source_destination_and_arp(void **state)
{
	struct dp_filter *f = compile_ok("host 10.0.0.1");

	(void)state;
	assert_true(matches(f, icmp_echo("10.0.0.1", "10.0.0.2")));
	assert_true(matches(f, udp4("10.0.0.9", "10.0.0.1", 5, 6)));
	assert_false(matches(f, udp4("10.0.0.9", "10.0.0.2", 5, 6)));
	/* libpcap's "host" also looks at ARP's sender and target addresses */
	assert_true(matches(f, pkt_arp_request(A_MAC, "10.0.0.1", "10.0.0.7")));
	assert_false(matches(f, pkt_arp_request(A_MAC, "10.0.0.3", "10.0.0.7")));
	dp_filter_free(f);
}

static void vlan_matches_tagged_frames_only(void **state)
{
	struct dp_filter *f = compile_ok("vlan");

	(void)state;
	assert_true(matches(f, pkt_eth_raw(A_MAC, B_MAC, RTE_ETHER_TYPE_VLAN, 46)));
	assert_false(matches(f, icmp_echo("10.0.0.1", "10.0.0.2")));
	dp_filter_free(f);
}

static void ether_broadcast_matches_broadcast_destination(void **state)
{
	struct dp_filter *f = compile_ok("ether broadcast");

	(void)state;
	assert_true(matches(f, pkt_arp_request(A_MAC, "10.0.0.1", "10.0.0.2")));
	assert_true(matches(f, pkt_eth_raw(A_MAC, "ff:ff:ff:ff:ff:ff", 0x88b5, 46)));
	assert_false(matches(f, udp4("10.0.0.1", "10.0.0.2", 1, 2)));
	dp_filter_free(f);
}

static void burst_marks_each_packet_and_counts_matches(void **state)
{
	struct dp_filter *f = compile_ok("icmp or udp dst port 7");
	struct rte_mbuf *pkts[5] = {
		udp4("10.0.0.1", "10.0.0.2", 1, 8), icmp_echo("10.0.0.1", "10.0.0.2"),
		udp4("10.0.0.1", "10.0.0.2", 1, 7), pkt_arp_request(A_MAC, "10.0.0.1", "10.0.0.2"),
		icmp_echo("10.0.0.3", "10.0.0.4")};
	uint64_t rc[5];

	(void)state;
	memset(rc, 0xff, sizeof(rc));
	assert_int_equal(dp_filter_match_burst(f, pkts, 5, rc), 3);
	assert_true(rc[0] == 0 && rc[1] != 0 && rc[2] != 0 && rc[3] == 0 && rc[4] != 0);
	assert_int_equal(dp_filter_match_burst(f, pkts, 0, rc), 0);
	rte_pktmbuf_free_bulk(pkts, 5);
	dp_filter_free(f);
}

/* ---- edges ---- */

/* The UDP header in a second segment: the program reads across the chain. */
static void filter_reads_past_the_first_segment(void **state)
{
	struct dp_filter *f = compile_ok("udp dst port 53");
	struct rte_mbuf *full = udp4("10.0.0.1", "10.0.0.2", 40000, 53);
	struct rte_mbuf *head = rte_pktmbuf_alloc(pkt_pool), *tail = rte_pktmbuf_alloc(pkt_pool);
	uint32_t split = sizeof(struct rte_ether_hdr) + 20 + 1; /* inside the UDP source port */
	uint32_t len = rte_pktmbuf_pkt_len(full);

	(void)state;
	assert_non_null(head);
	assert_non_null(tail);
	memcpy(rte_pktmbuf_append(head, (uint16_t)split), rte_pktmbuf_mtod(full, void *), split);
	memcpy(rte_pktmbuf_append(tail, (uint16_t)(len - split)),
	       rte_pktmbuf_mtod_offset(full, void *, split), len - split);
	assert_int_equal(rte_pktmbuf_chain(head, tail), 0);
	assert_int_equal(rte_pktmbuf_pkt_len(head), len);
	assert_true(matches(f, head));
	rte_pktmbuf_free(full);
	dp_filter_free(f);
}

static void truncated_frame_does_not_match(void **state)
{
	struct dp_filter *f = compile_ok("udp dst port 53");
	struct rte_mbuf *m = udp4("10.0.0.1", "10.0.0.2", 40000, 53);

	(void)state;
	/* cut inside the UDP header, before the destination port: the program's read past the
	 * end ends it without a match (the same frame whole matches) */
	assert_int_equal(rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - 36)), 0);
	assert_false(matches(f, m));
	assert_true(matches(f, udp4("10.0.0.1", "10.0.0.2", 40000, 53)));
	dp_filter_free(f);
}

#define T(fn) cmocka_unit_test(fn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(bad_filter_is_refused_with_libpcap_message),
		T(bad_filter_message_fits_a_small_buffer),
		T(empty_filter_matches_everything),
		T(icmp_matches_icmp_only),
		T(udp_port_53_matches_either_port_of_udp),
		T(host_matches_source_destination_and_arp),
		T(vlan_matches_tagged_frames_only),
		T(ether_broadcast_matches_broadcast_destination),
		T(burst_marks_each_packet_and_counts_matches),
		T(filter_reads_past_the_first_segment),
		T(truncated_frame_does_not_match),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
