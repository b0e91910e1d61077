/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame builder of the dataplane unit tests (see pkt_fixture.h): writes Ethernet, IPv4,
 * IPv6 or ARP headers into one contiguous mbuf from the pool the test set up, with correct
 * lengths and IPv4 checksum, so a test states only what it is about. It also writes UDP
 * headers and L4 checksums, and checks the checksums of the frames the switch sends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "pkt_fixture.h"

struct rte_mempool *pkt_pool;

static void parse_mac(const char *s, struct rte_ether_addr *mac)
{
	if (s == NULL) {
		memset(mac->addr_bytes, 0xff, RTE_ETHER_ADDR_LEN);
		return;
	}
	if (rte_ether_unformat_addr(s, mac) != 0)
		fail_msg("fixture: bad MAC '%s'", s);
}

static void parse_ip(int af, const char *s, void *dst)
{
	if (inet_pton(af, s, dst) != 1)
		fail_msg("fixture: bad %s address '%s'", af == AF_INET ? "IPv4" : "IPv6", s);
}

static uint16_t l3_size(enum pkt_l3 l3)
{
	switch (l3) {
	case PKT_L3_IPV4:
		return sizeof(struct rte_ipv4_hdr);
	case PKT_L3_IPV6:
		return sizeof(struct rte_ipv6_hdr);
	case PKT_L3_ARP:
		return sizeof(struct rte_arp_hdr);
	default:
		return 0;
	}
}

static uint16_t l3_ethertype(enum pkt_l3 l3)
{
	switch (l3) {
	case PKT_L3_IPV4:
		return RTE_ETHER_TYPE_IPV4;
	case PKT_L3_IPV6:
		return RTE_ETHER_TYPE_IPV6;
	case PKT_L3_ARP:
		return RTE_ETHER_TYPE_ARP;
	default:
		return 0x88b5; /* IEEE local experimental */
	}
}

static void write_ipv4(struct rte_ipv4_hdr *ip, const struct pkt_spec *s)
{
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + s->payload);
	ip->time_to_live = s->ttl != 0 ? s->ttl : 64;
	ip->next_proto_id = s->proto != 0 ? s->proto : IPPROTO_UDP;
	parse_ip(AF_INET, s->sip, &ip->src_addr);
	parse_ip(AF_INET, s->dip, &ip->dst_addr);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static void write_ipv6(struct rte_ipv6_hdr *ip, const struct pkt_spec *s)
{
	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(s->payload);
	ip->proto = s->proto != 0 ? s->proto : IPPROTO_UDP;
	ip->hop_limits = s->ttl != 0 ? s->ttl : 64;
	parse_ip(AF_INET6, s->sip, ip->src_addr);
	parse_ip(AF_INET6, s->dip, ip->dst_addr);
}

static void write_arp(struct rte_arp_hdr *a, const struct pkt_spec *s)
{
	memset(a, 0, sizeof(*a));
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(s->arp_op != 0 ? s->arp_op : RTE_ARP_OP_REQUEST);
	parse_mac(s->sha != NULL ? s->sha : s->src, &a->arp_data.arp_sha);
	parse_ip(AF_INET, s->sip, &a->arp_data.arp_sip);
	parse_ip(AF_INET, s->dip, &a->arp_data.arp_tip);
}

struct rte_mbuf *pkt_build(const struct pkt_spec *s)
{
	uint16_t size = sizeof(struct rte_ether_hdr) + l3_size(s->l3) + s->payload;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pkt_pool);
	struct rte_ether_hdr *eth;
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, size);
	assert_non_null(p);
	memset(p, 0, size);
	eth = (struct rte_ether_hdr *)p;
	parse_mac(s->src, &eth->src_addr);
	parse_mac(s->dst, &eth->dst_addr);
	eth->ether_type = rte_cpu_to_be_16(s->ethertype != 0 ? s->ethertype : l3_ethertype(s->l3));
	p += sizeof(*eth);
	switch (s->l3) {
	case PKT_L3_IPV4:
		write_ipv4((struct rte_ipv4_hdr *)p, s);
		break;
	case PKT_L3_IPV6:
		write_ipv6((struct rte_ipv6_hdr *)p, s);
		break;
	case PKT_L3_ARP:
		write_arp((struct rte_arp_hdr *)p, s);
		break;
	default:
		break;
	}
	p += l3_size(s->l3);
	for (uint16_t i = 0; i < s->payload; i++)
		p[i] = (uint8_t)i;
	return m;
}

struct rte_mbuf *pkt_eth_ipv4(const char *src_mac, const char *dst_mac, const char *src_ip,
			      const char *dst_ip)
{
	return pkt_build(&(struct pkt_spec){.src = src_mac,
					    .dst = dst_mac,
					    .l3 = PKT_L3_IPV4,
					    .sip = src_ip,
					    .dip = dst_ip,
					    .payload = 8});
}

struct rte_mbuf *pkt_eth_ipv6(const char *src_mac, const char *dst_mac, const char *src_ip,
			      const char *dst_ip)
{
	return pkt_build(&(struct pkt_spec){.src = src_mac,
					    .dst = dst_mac,
					    .l3 = PKT_L3_IPV6,
					    .sip = src_ip,
					    .dip = dst_ip,
					    .payload = 8});
}

struct rte_mbuf *pkt_arp_request(const char *src_mac, const char *sender_ip, const char *target_ip)
{
	return pkt_build(&(struct pkt_spec){
		.src = src_mac, .l3 = PKT_L3_ARP, .sip = sender_ip, .dip = target_ip});
}

struct rte_mbuf *pkt_eth_raw(const char *src_mac, const char *dst_mac, uint16_t ethertype,
			     uint16_t payload)
{
	return pkt_build(&(struct pkt_spec){
		.src = src_mac, .dst = dst_mac, .ethertype = ethertype, .payload = payload});
}

struct rte_mbuf *pkt_runt(uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pkt_pool);
	void *p;

	assert_non_null(m);
	p = rte_pktmbuf_append(m, len);
	assert_true(len == 0 || p != NULL);
	if (len > 0)
		memset(p, 0, len);
	return m;
}

void *pkt_l3(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, uint8_t *, sizeof(struct rte_ether_hdr));
}

static bool is_ipv4(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	return eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4);
}

void *pkt_l4(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = pkt_l3(m);

	if (is_ipv4(m))
		return (uint8_t *)ip + rte_ipv4_hdr_len(ip);
	return (uint8_t *)ip + sizeof(struct rte_ipv6_hdr);
}

struct rte_mbuf *pkt_udp(const struct pkt_spec *s, uint16_t sport, uint16_t dport)
{
	struct pkt_spec spec = *s;
	struct rte_mbuf *m;
	struct rte_udp_hdr *u;

	spec.proto = IPPROTO_UDP;
	spec.payload = (uint16_t)(s->payload + sizeof(*u));
	m = pkt_build(&spec);
	u = pkt_l4(m);
	u->src_port = rte_cpu_to_be_16(sport);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16(spec.payload);
	pkt_cksum_fix(m);
	return m;
}

/* Offset of the L4 checksum of proto in its header, or -1 for a protocol without one we
 * know. Byte offsets: the headers' structs are packed. */
static int l4_cksum_off(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_UDP:
		return offsetof(struct rte_udp_hdr, dgram_cksum);
	case IPPROTO_TCP:
		return offsetof(struct rte_tcp_hdr, cksum);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return offsetof(struct rte_icmp_hdr, icmp_cksum);
	default:
		return -1;
	}
}

static void put16(uint8_t *l4, int off, uint16_t v)
{
	memcpy(l4 + off, &v, 2);
}

static uint16_t get16(const uint8_t *l4, int off)
{
	uint16_t v;

	memcpy(&v, l4 + off, 2);
	return v;
}

void pkt_cksum_fix(struct rte_mbuf *m)
{
	uint8_t *l4 = pkt_l4(m);

	if (is_ipv4(m)) {
		struct rte_ipv4_hdr *ip = pkt_l3(m);
		int off = l4_cksum_off(ip->next_proto_id);
		uint16_t l4_len =
			(uint16_t)(rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip));

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (off < 0)
			return;
		put16(l4, off, 0);
		put16(l4, off,
		      ip->next_proto_id == IPPROTO_ICMP ? (uint16_t)~rte_raw_cksum(l4, l4_len)
							: rte_ipv4_udptcp_cksum(ip, l4));
	} else {
		struct rte_ipv6_hdr *ip = pkt_l3(m);
		int off = l4_cksum_off(ip->proto);

		if (off < 0)
			return;
		put16(l4, off, 0);
		put16(l4, off, rte_ipv6_udptcp_cksum(ip, l4)); /* ICMPv6: the same pseudo-header */
	}
}

void pkt_assert_cksums(const struct rte_mbuf *m)
{
	struct rte_mbuf *mm = (struct rte_mbuf *)(uintptr_t)m; /* the accessors are not const */
	const uint8_t *l4 = pkt_l4(mm);

	if (is_ipv4(m)) {
		const struct rte_ipv4_hdr *ip = pkt_l3(mm);
		int off = l4_cksum_off(ip->next_proto_id);
		uint16_t l4_len =
			(uint16_t)(rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip));

		if (rte_ipv4_cksum(ip) != 0)
			fail_msg("IPv4 header checksum 0x%04x is wrong",
				 rte_be_to_cpu_16(ip->hdr_checksum));
		if (off < 0)
			return;
		if (ip->next_proto_id == IPPROTO_UDP && get16(l4, off) == 0)
			fail_msg("UDP checksum missing");
		if (ip->next_proto_id == IPPROTO_ICMP ? rte_raw_cksum(l4, l4_len) != 0xffff
						      : rte_ipv4_udptcp_cksum_verify(ip, l4) != 0)
			fail_msg("L4 (protocol %u) checksum 0x%04x is wrong", ip->next_proto_id,
				 rte_be_to_cpu_16(get16(l4, off)));
	} else {
		const struct rte_ipv6_hdr *ip = pkt_l3(mm);
		int off = l4_cksum_off(ip->proto);

		if (off < 0)
			return;
		/* UDP over IPv6 must carry one (RFC 8200 8.1) */
		if ((ip->proto == IPPROTO_UDP && get16(l4, off) == 0) ||
		    rte_ipv6_udptcp_cksum_verify(ip, l4) != 0)
			fail_msg("L4 (next header %u) checksum 0x%04x is wrong", ip->proto,
				 rte_be_to_cpu_16(get16(l4, off)));
	}
}

int pkt_af_of(const char *ip)
{
	return strchr(ip, ':') != NULL ? AF_INET6 : AF_INET;
}

void pkt_addr(const char *ip, uint8_t out[16])
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(pkt_af_of(ip), ip, out), 1);
}

uint32_t pkt_ip4(const char *ip)
{
	uint32_t a;

	assert_int_equal(inet_pton(AF_INET, ip, &a), 1);
	return a;
}

struct rte_ether_addr pkt_mac(const char *mac)
{
	struct rte_ether_addr ea;

	assert_int_equal(rte_ether_unformat_addr(mac, &ea), 0);
	return ea;
}

void pkt_assert_mac_at(int line, const void *got, const char *want)
{
	struct rte_ether_addr g, w = pkt_mac(want);
	char gs[RTE_ETHER_ADDR_FMT_SIZE];

	memcpy(&g, got, sizeof(g));
	if (!rte_is_same_ether_addr(&g, &w)) {
		rte_ether_format_addr(gs, sizeof(gs), &g);
		fail_msg("line %d: MAC %s, want %s", line, gs, want);
	}
}

void pkt_assert_addr_at(int line, const void *got, const char *want)
{
	uint8_t a[16];
	char g[INET6_ADDRSTRLEN];
	int af = pkt_af_of(want);

	pkt_addr(want, a);
	if (memcmp(got, a, af == AF_INET ? 4 : 16) != 0)
		fail_msg("line %d: address %s, want %s", line, inet_ntop(af, got, g, sizeof(g)),
			 want);
}

void pkt_assert_eth_at(int line, const struct rte_mbuf *m, const char *src, const char *dst)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	pkt_assert_mac_at(line, &eth->src_addr, src);
	pkt_assert_mac_at(line, &eth->dst_addr, dst);
}
