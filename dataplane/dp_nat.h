/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Address and port translation of one TCP or UDP packet: the load balancer's DNAT (VIP:port
 * to a backend) and its reverse on the replies. Checksums are updated from the difference
 * (RFC 1624), not recomputed over the payload: the cost does not grow with the packet. A UDP
 * datagram over IPv4 without a checksum (0) keeps none.
 */
#ifndef VPCSW_DP_NAT_H
#define VPCSW_DP_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

/* RFC 1624 eqn. 3: the checksum after one 16-bit word of what it covers changed. */
static inline rte_be16_t dp_cksum_adjust(rte_be16_t ck, uint16_t old_word, uint16_t new_word)
{
	uint32_t sum = (uint16_t)~rte_be_to_cpu_16(ck) + (uint16_t)~old_word + new_word;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return rte_cpu_to_be_16((uint16_t)~sum);
}

/** Rewrite the destination (dst true) or source address and port; l4: its TCP/UDP header
 *  (proto IPPROTO_TCP or IPPROTO_UDP), in the same contiguous buffer. */
void dp_nat4(struct rte_ipv4_hdr *ip, void *l4, uint8_t proto, bool dst, rte_be32_t addr,
	     rte_be16_t port);
void dp_nat6(struct rte_ipv6_hdr *ip, void *l4, uint8_t proto, bool dst, const uint8_t addr[16],
	     rte_be16_t port);

#endif
