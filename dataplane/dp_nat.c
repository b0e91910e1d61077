/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Translation with incremental checksum updates (dp_nat.h). Fields are reached as bytes at
 * their offsets and moved with memcpy: the headers are packed, and a frame's IP header need
 * not be aligned.
 */
#include "dp_nat.h"

#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include <rte_tcp.h>
#include <rte_udp.h>

/* The checksum at field after the words of old (len bytes, even) became those of new. */
static void csum_replace(uint8_t *field, const void *old, const void *new, size_t len)
{
	const uint8_t *o = old, *n = new;
	rte_be16_t sum;

	memcpy(&sum, field, 2);
	for (size_t i = 0; i < len; i += 2)
		sum = dp_cksum_adjust(sum, (uint16_t)(o[i] << 8 | o[i + 1]),
				      (uint16_t)(n[i] << 8 | n[i + 1]));
	memcpy(field, &sum, 2);
}

/* The L4 checksum field, or NULL when there is none to keep right. */
static uint8_t *l4_cksum(uint8_t *l4, uint8_t proto, bool v4)
{
	static const uint8_t none[2];

	if (proto == IPPROTO_TCP)
		return l4 + offsetof(struct rte_tcp_hdr, cksum);
	if (proto != IPPROTO_UDP)
		return NULL;
	l4 += offsetof(struct rte_udp_hdr, dgram_cksum);
	return v4 && memcmp(l4, none, 2) == 0 ? NULL : l4;
}

/* Ports: TCP and UDP both start with source port, destination port. */
static void set_port(uint8_t *l4, uint8_t proto, bool dst, rte_be16_t port, uint8_t *ck)
{
	static const uint8_t ones[2] = {0xff, 0xff}, zero[2];
	uint8_t *p = l4 + (dst ? 2 : 0);

	if (ck != NULL)
		csum_replace(ck, p, &port, 2);
	memcpy(p, &port, 2);
	/* a UDP checksum that comes out 0 is sent as all ones (0 means none) */
	if (ck != NULL && proto == IPPROTO_UDP && memcmp(ck, zero, 2) == 0)
		memcpy(ck, ones, 2);
}

void dp_nat4(struct rte_ipv4_hdr *ip, void *l4, uint8_t proto, bool dst, rte_be32_t addr,
	     rte_be16_t port)
{
	uint8_t *h = (uint8_t *)ip;
	uint8_t *a = h + (dst ? offsetof(struct rte_ipv4_hdr, dst_addr)
			      : offsetof(struct rte_ipv4_hdr, src_addr));
	uint8_t *ck = l4_cksum(l4, proto, true);

	csum_replace(h + offsetof(struct rte_ipv4_hdr, hdr_checksum), a, &addr, 4);
	if (ck != NULL)
		csum_replace(ck, a, &addr, 4); /* the pseudo-header holds the addresses */
	memcpy(a, &addr, 4);
	set_port(l4, proto, dst, port, ck);
}

void dp_nat6(struct rte_ipv6_hdr *ip, void *l4, uint8_t proto, bool dst, const uint8_t addr[16],
	     rte_be16_t port)
{
	uint8_t *a = dst ? ip->dst_addr : ip->src_addr;
	uint8_t *ck = l4_cksum(l4, proto, false);

	if (ck != NULL)
		csum_replace(ck, a, addr, 16);
	memcpy(a, addr, 16);
	set_port(l4, proto, dst, port, ck);
}
