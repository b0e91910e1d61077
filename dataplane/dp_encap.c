/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encapsulation toward a VM on another host. The outer headers (Ethernet to the next hop,
 * IPv4 from our VTEP to its VTEP, UDP, VXLAN or Geneve) are built once per snapshot into the
 * remote's template; per packet the template is copied in front of the frame and only the
 * lengths, the IPv4 checksum and the UDP source port (the inner flow's hash, for underlay
 * ECMP and RSS) are patched.
 */
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "../geneve/geneve.h"
#include "../vxlan/vxlan.h"
#include <sys/socket.h>

#include "dp_private.h"

#define OFF_IP  sizeof(struct rte_ether_hdr)
#define OFF_UDP (OFF_IP + sizeof(struct rte_ipv4_hdr))
#define OFF_TUN (OFF_UDP + sizeof(struct rte_udp_hdr))

void dp_tmpl_build(struct dp_remote *r, const struct dp_underlay *u, enum dp_encap encap,
		   uint8_t ttl, const struct rte_ether_addr *nh_mac)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)r->tmpl;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(r->tmpl + OFF_IP);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(r->tmpl + OFF_UDP);

	memset(r->tmpl, 0, sizeof(r->tmpl));
	r->can_encap = u->present && r->vtep_af == AF_INET && nh_mac != NULL;
	if (!r->can_encap)
		return;
	eth->dst_addr = *nh_mac;
	eth->src_addr = u->mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	/* DF: an oversized frame must come back as an ICMP error, never as fragments */
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = ttl;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = u->vtep4;
	memcpy(&ip->dst_addr, r->vtep, 4);
	udp->dst_port = encap == DP_ENCAP_GENEVE ? u->geneve_port : u->vxlan_port;
	/* IPv4 outer UDP checksum 0: RFC 7348 and 8926 allow it, and every peer accepts it */
	if (encap == DP_ENCAP_GENEVE)
		geneve_hdr_write(r->tmpl + OFF_TUN, r->vni, NULL, 0);
	else
		vxlan_hdr_write(r->tmpl + OFF_TUN, r->vni);
}

/*
 * The same flow always hashes the same (ordering on the underlay), different flows spread.
 * Hashed: inner MACs, and for IPv4 the addresses, protocol and (unfragmented) L4 ports.
 */
static uint32_t inner_flow_hash(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint32_t h = rte_hash_crc(eth, 2 * RTE_ETHER_ADDR_LEN, 0);

	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
		uint32_t l3 = sizeof(*eth) + rte_ipv4_hdr_len(ip);

		h = rte_hash_crc_4byte(ip->src_addr, h);
		h = rte_hash_crc_4byte(ip->dst_addr, h);
		h = rte_hash_crc_1byte(ip->next_proto_id, h);
		/* port security checked the header; the ports only if the segment holds them
		 * (copied out: after a 14-byte Ethernet header they sit at an odd alignment) */
		if ((ip->next_proto_id == IPPROTO_TCP || ip->next_proto_id == IPPROTO_UDP) &&
		    !dp_ipv4_is_fragment(ip) && m->data_len >= l3 + 4) {
			uint32_t ports;

			memcpy(&ports, rte_pktmbuf_mtod_offset(m, const uint8_t *, l3), 4);
			h = rte_hash_crc_4byte(ports, h);
		}
	}
	return h;
}

/* The inner IPv4 packet's size against the VPC's MTU (the VM must not send more). */
static bool too_big(const struct rte_mbuf *m, uint16_t mtu)
{
	return rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr) > mtu;
}

void dp_encap(struct dp_worker *w, uint16_t in_port, struct dp_remote *r, struct rte_mbuf *m)
{
	const struct dp_underlay *u = &w->snap->underlay;
	uint32_t inner_len = rte_pktmbuf_pkt_len(m), hash;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint8_t *hdr;

	if (!u->present || r->vtep_af != AF_INET) {
		dp_drop(w, in_port, m, DP_DROP_NO_UNDERLAY);
		return;
	}
	if (!r->can_encap) {
		/* relaxed: a hint for the control thread, which rebuilds the snapshot */
		if (!atomic_load_explicit(&r->want_resolve, memory_order_relaxed))
			atomic_store_explicit(&r->want_resolve, true, memory_order_relaxed);
		dp_drop(w, in_port, m, DP_DROP_VTEP_UNRESOLVED);
		return;
	}
	if (too_big(m, r->mtu)) {
		const struct dp_port_snap *in = &w->snap->ports[in_port];
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);

		/* DF set: the VM's path-MTU discovery needs to hear why (with DF clear it would
		 * need fragmenting, which the switch does not do: the MTU is the VM's to keep) */
		if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) && in->gw4 != 0 &&
		    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)))
			dp_icmp_frag_needed(w, in, m, r->mtu);
		dp_drop(w, in_port, m, DP_DROP_TOO_BIG);
		return;
	}
	hash = inner_flow_hash(m);
	hdr = (uint8_t *)rte_pktmbuf_prepend(m, DP_TMPL_SIZE);
	if (hdr == NULL) {
		dp_drop(w, in_port, m, DP_DROP_ENCAP_NO_HEADROOM);
		return;
	}
	rte_memcpy(hdr, r->tmpl, DP_TMPL_SIZE);
	ip = (struct rte_ipv4_hdr *)(hdr + OFF_IP);
	udp = (struct rte_udp_hdr *)(hdr + OFF_UDP);
	ip->total_length = rte_cpu_to_be_16(DP_TMPL_SIZE - OFF_IP + inner_len);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->dgram_len = rte_cpu_to_be_16(DP_TMPL_SIZE - OFF_UDP + inner_len);
	udp->src_port = rte_cpu_to_be_16(u->sport_min + (uint16_t)(hash % u->sport_span));
	/* the frame leaves as a new packet: no offload request of the VM's applies to it */
	m->ol_flags = 0;
	dp_tx(w, u->port_idx, m);
}
