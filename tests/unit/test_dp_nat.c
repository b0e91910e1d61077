/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dataplane/dp_nat.c: after translating the destination or the source of an
 * IPv4 or IPv6 TCP or UDP packet, the IPv4 header checksum and the TCP/UDP checksum verify
 * with DPDK's own full computation (rte_ipv4_cksum, rte_ipv4/6_udptcp_cksum_verify), for
 * random packets, addresses and ports, twice over (DNAT, then the reverse); a UDP datagram
 * without a checksum keeps none. No EAL: the header helpers are inline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "dp_nat.h"

#define ROUNDS 2000

static uint8_t buf[2048];

static void fill_random(void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = (uint8_t)rand();
}

static rte_be16_t random_port(void)
{
	return (rte_be16_t)rand();
}

/* An IPv4 packet of random content with proto's header and right checksums. */
static struct rte_ipv4_hdr *ipv4_packet(uint8_t proto, void **l4, bool udp_no_cksum)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	size_t l4len = (proto == IPPROTO_TCP ? 20 : 8) + (size_t)(rand() % 1400);

	fill_random(buf, sizeof(rte_be32_t) * 5 + l4len);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + l4len));
	ip->next_proto_id = proto;
	ip->fragment_offset = 0;
	*l4 = ip + 1;
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = *l4;

		t->data_off = 0x50;
		t->cksum = 0;
		t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	} else {
		struct rte_udp_hdr *u = *l4;

		u->dgram_len = rte_cpu_to_be_16((uint16_t)l4len);
		u->dgram_cksum = 0;
		if (!udp_no_cksum)
			u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	}
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return ip;
}

static struct rte_ipv6_hdr *ipv6_packet(uint8_t proto, void **l4)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)buf;
	size_t l4len = (proto == IPPROTO_TCP ? 20 : 8) + (size_t)(rand() % 1400);

	fill_random(buf, sizeof(*ip) + l4len);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)l4len);
	ip->proto = proto;
	*l4 = ip + 1;
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = *l4;

		t->data_off = 0x50;
		t->cksum = 0;
		t->cksum = rte_ipv6_udptcp_cksum(ip, t);
	} else {
		struct rte_udp_hdr *u = *l4;

		u->dgram_len = rte_cpu_to_be_16((uint16_t)l4len);
		u->dgram_cksum = 0;
		u->dgram_cksum = rte_ipv6_udptcp_cksum(ip, u);
	}
	return ip;
}

static void assert_ipv4_ok(struct rte_ipv4_hdr *ip, void *l4)
{
	uint16_t stored = ip->hdr_checksum;

	ip->hdr_checksum = 0;
	assert_int_equal(rte_ipv4_cksum(ip), stored);
	ip->hdr_checksum = stored;
	assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, l4), 0);
}

static void ipv4_rounds(uint8_t proto)
{
	for (int r = 0; r < ROUNDS; r++) {
		void *l4;
		struct rte_ipv4_hdr *ip = ipv4_packet(proto, &l4, false);
		rte_be32_t vip = ip->dst_addr, backend = (rte_be32_t)rand();
		rte_be16_t vport = ((rte_be16_t *)l4)[1], bport = random_port();

		dp_nat4(ip, l4, proto, true, backend, bport); /* DNAT */
		assert_int_equal(ip->dst_addr, backend);
		assert_int_equal(((rte_be16_t *)l4)[1], bport);
		assert_ipv4_ok(ip, l4);
		dp_nat4(ip, l4, proto, false, vip, vport); /* a reply's source back to the VIP */
		assert_int_equal(ip->src_addr, vip);
		assert_int_equal(((rte_be16_t *)l4)[0], vport);
		assert_ipv4_ok(ip, l4);
	}
}

static void test_ipv4_tcp(void **state)
{
	(void)state;
	ipv4_rounds(IPPROTO_TCP);
}

static void test_ipv4_udp(void **state)
{
	(void)state;
	ipv4_rounds(IPPROTO_UDP);
}

static void test_ipv4_udp_without_checksum(void **state)
{
	(void)state;
	for (int r = 0; r < 100; r++) {
		void *l4;
		struct rte_ipv4_hdr *ip = ipv4_packet(IPPROTO_UDP, &l4, true);
		uint16_t stored;

		dp_nat4(ip, l4, IPPROTO_UDP, true, (rte_be32_t)rand(), random_port());
		assert_int_equal(((struct rte_udp_hdr *)l4)->dgram_cksum, 0);
		stored = ip->hdr_checksum;
		ip->hdr_checksum = 0;
		assert_int_equal(rte_ipv4_cksum(ip), stored);
	}
}

static void ipv6_rounds(uint8_t proto)
{
	for (int r = 0; r < ROUNDS; r++) {
		void *l4;
		struct rte_ipv6_hdr *ip = ipv6_packet(proto, &l4);
		uint8_t vip[16], backend[16];
		rte_be16_t vport = ((rte_be16_t *)l4)[1], bport = random_port();

		memcpy(vip, ip->dst_addr, 16);
		fill_random(backend, 16);
		dp_nat6(ip, l4, proto, true, backend, bport);
		assert_memory_equal(ip->dst_addr, backend, 16);
		assert_int_equal(((rte_be16_t *)l4)[1], bport);
		assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip, l4), 0);
		dp_nat6(ip, l4, proto, false, vip, vport);
		assert_memory_equal(ip->src_addr, vip, 16);
		assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip, l4), 0);
		if (proto == IPPROTO_UDP) /* zero means none over IPv4 only; never produced */
			assert_int_not_equal(((struct rte_udp_hdr *)l4)->dgram_cksum, 0);
	}
}

static void test_ipv6_tcp(void **state)
{
	(void)state;
	ipv6_rounds(IPPROTO_TCP);
}

static void test_ipv6_udp(void **state)
{
	(void)state;
	ipv6_rounds(IPPROTO_UDP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp),
		cmocka_unit_test(test_ipv4_udp),
		cmocka_unit_test(test_ipv4_udp_without_checksum),
		cmocka_unit_test(test_ipv6_tcp),
		cmocka_unit_test(test_ipv6_udp),
	};

	srand(12345);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
