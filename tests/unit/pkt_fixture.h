/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one packet fixture of the dataplane unit tests: real mbufs from a real mempool, built
 * from a compact description (MACs and addresses as text). Tests that need a malformed frame
 * build a well-formed one here and then break the one field they are about.
 */
#ifndef VPCSW_TEST_PKT_FIXTURE_H
#define VPCSW_TEST_PKT_FIXTURE_H

#include <stdint.h>

#include <rte_mbuf.h>

enum pkt_l3 { PKT_L3_NONE, PKT_L3_IPV4, PKT_L3_IPV6, PKT_L3_ARP };

struct pkt_spec {
	const char *src, *dst; /* Ethernet addresses; dst NULL: broadcast */
	uint16_t ethertype;    /* host order; 0: the one l3 implies */
	enum pkt_l3 l3;
	const char *sip, *dip; /* IPv4 or IPv6 text; for ARP sender and target IPv4 */
	const char *sha;       /* ARP sender hardware address; NULL: src */
	uint16_t arp_op;       /* ARP opcode, host order; 0: request */
	uint16_t payload;      /* bytes after the L3 header (or after Ethernet with no l3) */
	uint8_t proto;	       /* IPv4 protocol or IPv6 next header; 0: UDP */
	uint8_t ttl;	       /* IPv4 TTL or IPv6 hop limit; 0: 64 */
};

/* Pool the builders allocate from; set once before use. */
extern struct rte_mempool *pkt_pool;

/** Build one frame; fails the running test if the description does not parse. */
struct rte_mbuf *pkt_build(const struct pkt_spec *s);

/* Text to bytes, failing the test on a typo. */
int pkt_af_of(const char *ip);                   /* AF_INET6 if it has a colon */
void pkt_addr(const char *ip, uint8_t out[16]); /* either family, zero-padded */
uint32_t pkt_ip4(const char *ip);               /* network order */
struct rte_ether_addr pkt_mac(const char *mac);

/* Shorthands for the common frames (8 bytes of payload, broadcast dst for ARP requests). */
struct rte_mbuf *pkt_eth_ipv4(const char *src_mac, const char *dst_mac, const char *src_ip,
			      const char *dst_ip);
struct rte_mbuf *pkt_eth_ipv6(const char *src_mac, const char *dst_mac, const char *src_ip,
			      const char *dst_ip);
struct rte_mbuf *pkt_arp_request(const char *src_mac, const char *sender_ip, const char *target_ip);
struct rte_mbuf *pkt_eth_raw(const char *src_mac, const char *dst_mac, uint16_t ethertype,
			     uint16_t payload);
/** A frame of len bytes of zeros (shorter than any header if len < 14). */
struct rte_mbuf *pkt_runt(uint16_t len);

/** The L3 header of a frame built above (right after the 14-byte Ethernet header). */
void *pkt_l3(struct rte_mbuf *m);
/** The L4 header of an IPv4 or IPv6 frame: after the IPv4 header's options, or right after
 *  the fixed IPv6 header (extension headers are the test's business). */
void *pkt_l4(struct rte_mbuf *m);

/** A UDP datagram from sport to dport (host order) with s->payload bytes after the UDP
 *  header, lengths and checksums set. */
struct rte_mbuf *pkt_udp(const struct pkt_spec *s, uint16_t sport, uint16_t dport);
/** Recompute the IPv4 header checksum and the L4 one (UDP, TCP, ICMP, ICMPv6) of a frame a
 *  test wrote or edited: what a sender's stack would have put there. */
void pkt_cksum_fix(struct rte_mbuf *m);
/** Fails the running test, naming which, if the IPv4 header checksum or the L4 checksum
 *  (UDP, TCP, ICMP, ICMPv6; a zero UDP checksum counts as missing) of m is wrong. */
void pkt_assert_cksums(const struct rte_mbuf *m);

/** Fail the running test, naming the caller's line, if the 6 bytes at got are not the MAC
 *  want, or the 4 or 16 at got (by want's family) not the address want. */
void pkt_assert_mac_at(int line, const void *got, const char *want);
void pkt_assert_addr_at(int line, const void *got, const char *want);
/** The same for the Ethernet source and destination of m. */
void pkt_assert_eth_at(int line, const struct rte_mbuf *m, const char *src, const char *dst);
#define assert_mac(got, want)	pkt_assert_mac_at(__LINE__, got, want)
#define assert_addr(got, want)	pkt_assert_addr_at(__LINE__, got, want)
#define assert_eth(m, src, dst) pkt_assert_eth_at(__LINE__, m, src, dst)

#endif
