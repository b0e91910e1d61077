/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 neighbour and router discovery (RFC 4861), answered by the switch as ARP is: a
 * neighbour solicitation for a gateway (its global or link-local address) or a known address
 * of the VPC gets an advertisement with that address's MAC, straight back to the asking
 * port, and nothing is flooded. A router solicitation gets the subnet's router
 * advertisement: the gateway's link-local address as default router, the VPC's MTU, the
 * on-link prefixes, and "managed" and "other configuration" set: addresses come from
 * DHCPv6 (the control plane assigns them; a SLAAC address would fail port security).
 */
#include <rte_hash.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "dp_private.h"

#define ND_NS 135
#define ND_NA 136
#define ND_RS 133
#define ND_RA 134
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_OPT_PREFIX 3
#define ND_OPT_MTU 5
#define ND_HDR 8       /* type, code, checksum, 4 bytes of flags or reserved */
#define ND_TARGET 16   /* NS/NA: the target address after the header */
#define RA_ROUTER_LIFETIME 1800
#define RA_PREFIX_VALID 2592000
#define RA_PREFIX_PREFERRED 604800

static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};

/* The ICMPv6 message of m, checked as RFC 4861 6.1/7.1 says a receiver must: hop limit
 * 255 (it was not forwarded), code 0, whole in the first segment, at least min bytes. */
static uint8_t *nd_message(struct rte_mbuf *m, uint32_t min, uint32_t *len)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
							  sizeof(struct rte_ether_hdr));
	uint32_t plen = rte_be_to_cpu_16(ip->payload_len);
	uint8_t *icmp = (uint8_t *)(ip + 1);

	if (ip->hop_limits != 255 || plen < min ||
	    m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*ip) + plen || icmp[1] != 0)
		return NULL;
	*len = plen;
	return icmp;
}

/* Rewrite m into a len-byte ICMPv6 message from src (mac, ip) to the port's VM at dst:
 * returns the message, or NULL if m cannot hold it. */
static uint8_t *reply_frame(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
			    const uint8_t *src, const uint8_t *dst, uint16_t len)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
	uint32_t total = sizeof(*eth) + sizeof(*ip) + len;
	uint8_t d[16];

	if (m->nb_segs != 1 || total > (uint32_t)(m->buf_len - m->data_off))
		return NULL;
	memcpy(d, dst, 16); /* dst may point into the frame */
	m->data_len = (uint16_t)total;
	m->pkt_len = total;
	eth->dst_addr = eth->src_addr;
	eth->src_addr = *src_mac;
	*ip = (struct rte_ipv6_hdr){
		.vtc_flow = RTE_BE32(6u << 28),
		.payload_len = rte_cpu_to_be_16(len),
		.proto = IPPROTO_ICMPV6,
		.hop_limits = 255,
	};
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, d, 16);
	memset(ip + 1, 0, len);
	return (uint8_t *)(ip + 1);
}

static void finish(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf *m)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
							  sizeof(struct rte_ether_hdr));
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = rte_ipv6_udptcp_cksum(ip, icmp);
	dp_tx(w, in->port->idx, m);
}

/* The MAC of target, if the switch answers for it: the port's gateway, or any address of
 * the VPC. *router: the target is a gateway. */
static bool target_mac(const struct dp_snap *s, const struct dp_port_snap *in,
		       const uint8_t *target, struct rte_ether_addr *mac, bool *router)
{
	struct dp_nbr_key k = {.vni = in->vni, .af = AF_INET6};
	struct dp_l2_key lk = {.vni = in->vni};
	void *data;
	uintptr_t v;

	if (in->has_gw6 && memcmp(target, in->gw6_ll, 16) == 0) {
		*mac = in->gw6_mac;
		*router = true;
		return true;
	}
	memcpy(k.ip, target, 16);
	if (rte_hash_lookup_data(s->nbr, &k, &data) < 0)
		return false;
	v = (uintptr_t)data;
	memcpy(mac->addr_bytes, &v, RTE_ETHER_ADDR_LEN);
	lk.mac = *mac;
	*router = rte_hash_lookup_data(s->l2, &lk, &data) >= 0 && (uintptr_t)data == DP_L2_GATEWAY;
	return true;
}

static void neighbour_solicitation(struct dp_worker *w, const struct dp_port_snap *in,
				   struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								sizeof(struct rte_ether_hdr));
	uint8_t target[16], to[16];
	struct rte_ether_addr mac;
	bool router, dad;
	uint32_t len;
	uint8_t *ns = nd_message(m, ND_HDR + ND_TARGET, &len), *na;

	if (ns == NULL || ns[ND_HDR] == 0xff) { /* a multicast target is invalid (RFC 4861 7.1.1) */
		dp_drop(w, in->port->idx, m, DP_DROP_ND_MALFORMED);
		return;
	}
	memcpy(target, ns + ND_HDR, 16);
	if (!target_mac(w->snap, in, target, &mac, &router)) {
		dp_drop(w, in->port->idx, m, DP_DROP_ND_UNKNOWN_TARGET);
		return;
	}
	if (rte_is_same_ether_addr(&mac, &in->mac)) {
		dp_drop(w, in->port->idx, m, DP_DROP_ND_OWN_ADDRESS);
		return;
	}
	/* duplicate address detection: the answer goes to all nodes, unsolicited (7.2.4) */
	dad = memcmp(ip->src_addr, (const uint8_t[16]){0}, 16) == 0;
	memcpy(to, dad ? all_nodes : ip->src_addr, 16);
	na = reply_frame(m, &mac, target, to, ND_HDR + ND_TARGET + 8);
	if (na == NULL) {
		dp_drop(w, in->port->idx, m, DP_DROP_ND_MALFORMED);
		return;
	}
	na[0] = ND_NA;
	na[4] = (uint8_t)((router ? 0x80 : 0) | (dad ? 0 : 0x40) | 0x20); /* R, S, O */
	memcpy(na + ND_HDR, target, 16);
	na[ND_HDR + ND_TARGET] = ND_OPT_TLLA;
	na[ND_HDR + ND_TARGET + 1] = 1; /* in units of 8 bytes */
	memcpy(na + ND_HDR + ND_TARGET + 2, mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	finish(w, in, m);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, 4);
}

static void router_solicitation(struct dp_worker *w, const struct dp_port_snap *in,
				struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								sizeof(struct rte_ether_hdr));
	uint16_t len = (uint16_t)(16 + 8 + 8 + 32 * in->n_ra_prefixes);
	uint8_t to[16], *ra, *opt;
	uint32_t rs_len;

	if (nd_message(m, ND_HDR, &rs_len) == NULL) {
		dp_drop(w, in->port->idx, m, DP_DROP_ND_MALFORMED);
		return;
	}
	if (!in->has_gw6) {
		dp_drop(w, in->port->idx, m, DP_DROP_ND_NO_ROUTER);
		return;
	}
	memcpy(to, memcmp(ip->src_addr, (const uint8_t[16]){0}, 16) == 0 ? all_nodes
									   : ip->src_addr, 16);
	ra = reply_frame(m, &in->gw6_mac, in->gw6_ll, to, len);
	if (ra == NULL) {
		dp_drop(w, in->port->idx, m, DP_DROP_ND_MALFORMED);
		return;
	}
	ra[0] = ND_RA;
	ra[4] = 64;   /* the hop limit VMs should use */
	ra[5] = 0xc0; /* managed (addresses from DHCPv6), other configuration */
	ra[6] = RA_ROUTER_LIFETIME >> 8;
	ra[7] = RA_ROUTER_LIFETIME & 0xff;
	/* reachable time and retransmission timer: 0, unspecified */
	opt = ra + 16;
	opt[0] = ND_OPT_SLLA;
	opt[1] = 1;
	memcpy(opt + 2, in->gw6_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	opt += 8;
	opt[0] = ND_OPT_MTU;
	opt[1] = 1;
	put_be32(opt + 4, in->mtu);
	opt += 8;
	for (int i = 0; i < in->n_ra_prefixes; i++, opt += 32) {
		opt[0] = ND_OPT_PREFIX;
		opt[1] = 4;
		opt[2] = in->ra_prefixes[i].plen;
		opt[3] = 0x80; /* on-link; not autonomous: no SLAAC */
		put_be32(opt + 4, RA_PREFIX_VALID);
		put_be32(opt + 8, RA_PREFIX_PREFERRED);
		memcpy(opt + 16, in->ra_prefixes[i].addr, 16);
	}
	finish(w, in, m);
}

void dp_nd_input(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf *m)
{
	const uint8_t *type = rte_pktmbuf_mtod_offset(
		m, const uint8_t *, sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr));

	if (*type == ND_NS)
		neighbour_solicitation(w, in, m);
	else
		router_solicitation(w, in, m);
}
