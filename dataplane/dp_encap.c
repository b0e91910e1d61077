/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encapsulation toward a VM on another host. The outer headers (Ethernet to the next hop,
 * IPv4 or IPv6 from our VTEP to its VTEP, UDP, VXLAN or Geneve) are built once per snapshot
 * into the remote's template; per packet the template is copied in front of the frame and
 * only the lengths, the UDP source port (the inner flow's hash, for underlay ECMP and RSS),
 * the IPv6 flow label (the same hash) and the checksums are filled in, by the underlay port
 * when it offers checksum offload.
 */
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "../geneve/geneve.h"
#include "../vxlan/vxlan.h"
#include <sys/socket.h>

#include "dp_private.h"

#define OFF_IP   sizeof(struct rte_ether_hdr)
#define OFF_UDP4 (OFF_IP + sizeof(struct rte_ipv4_hdr))
#define OFF_UDP6 (OFF_IP + sizeof(struct rte_ipv6_hdr))

void dp_tmpl_build(struct dp_remote *r, const struct dp_underlay *u, enum dp_encap encap,
		   uint8_t ttl, const struct rte_ether_addr *nh_mac)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)r->tmpl;
	bool v6 = r->vtep_af == AF_INET6;
	struct rte_udp_hdr *udp;

	memset(r->tmpl, 0, sizeof(r->tmpl));
	r->tmpl_len = 0;
	if (!u->present || !(v6 ? u->has_vtep6 : r->vtep_af == AF_INET && u->has_vtep4)) {
		r->verdict = DP_DROP_NO_UNDERLAY;
		return;
	}
	if (nh_mac == NULL) {
		r->verdict = DP_DROP_VTEP_UNRESOLVED;
		return;
	}
	r->verdict = DP_DROP_MAX;
	eth->dst_addr = *nh_mac;
	eth->src_addr = u->mac;
	if (v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(r->tmpl + OFF_IP);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = RTE_BE32(6u << 28);
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = ttl;
		memcpy(ip->src_addr, u->vtep6, 16);
		memcpy(ip->dst_addr, r->vtep, 16);
		udp = (struct rte_udp_hdr *)(r->tmpl + OFF_UDP6);
		r->tmpl_len = DP_TMPL_SIZE6;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(r->tmpl + OFF_IP);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		/* DF: an oversized frame must come back as an ICMP error, never as fragments */
		ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = ttl;
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = u->vtep4;
		memcpy(&ip->dst_addr, r->vtep, 4);
		udp = (struct rte_udp_hdr *)(r->tmpl + OFF_UDP4);
		r->tmpl_len = DP_TMPL_SIZE4;
	}
	udp->dst_port = encap == DP_ENCAP_GENEVE ? u->geneve_port : u->vxlan_port;
	if (encap == DP_ENCAP_GENEVE)
		geneve_hdr_write((uint8_t *)(udp + 1), r->vni, NULL, 0);
	else
		vxlan_hdr_write((uint8_t *)(udp + 1), r->vni);
}

/* The VM sent more than its VPC's MTU: drop it, and tell the VM so that its path-MTU
 * discovery converges (IPv4 only with DF: without it the packet would need fragmenting,
 * which the switch does not do: the MTU is the VM's to keep). */
static void too_big(struct dp_worker *w, uint16_t in_port, const struct dp_remote *r,
		    struct rte_mbuf *m)
{
	const struct dp_port_snap *in = &w->snap->ports[in_port];
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);

		if (in->gw4 != 0 && (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)))
			dp_icmp_frag_needed(w, in, m, r->mtu);
	} else if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6) && in->has_gw6) {
		dp_icmp6_too_big(w, in, m, r->mtu);
	}
	dp_drop(w, in_port, m, DP_DROP_TOO_BIG);
}

/* The hash scaled into the source port range by a multiply: a divide per packet cost a
 * tenth of this stage. The hash's high bits are as mixed as its low ones (CRC32-C). */
static inline rte_be16_t outer_sport(const struct dp_underlay *u, uint32_t hash)
{
	return rte_cpu_to_be_16((uint16_t)(u->sport_min + (((uint64_t)hash * u->sport_span) >> 32)));
}

static void encap_ip4(const struct dp_underlay *u, struct rte_mbuf *m, uint8_t *hdr,
		      uint32_t inner_len, uint32_t hash)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(hdr + OFF_IP);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(hdr + OFF_UDP4);

	ip->total_length = rte_cpu_to_be_16(DP_TMPL_SIZE4 - OFF_IP + inner_len);
	udp->dgram_len = rte_cpu_to_be_16(DP_TMPL_SIZE4 - OFF_UDP4 + inner_len);
	udp->src_port = outer_sport(u, hash);
	/* IPv4 outer UDP checksum 0: RFC 7348 and 8926 allow it, and every peer accepts it */
	if (u->tx_ip4_cksum) {
		m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		m->l2_len = OFF_IP;
		m->l3_len = sizeof(*ip);
	} else {
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		m->ol_flags = 0;
	}
}

/*
 * IPv6 has no header checksum, and a zero UDP checksum is only allowed to tunnels under the
 * conditions of RFC 6935/6936, which peers must be configured to accept (Linux: udp6zerocsumrx):
 * the checksum is always filled in.
 */
static void encap_ip6(const struct dp_underlay *u, struct rte_mbuf *m, uint8_t *hdr,
		      uint32_t inner_len, uint32_t hash)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(hdr + OFF_IP);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(hdr + OFF_UDP6);
	uint16_t len = rte_cpu_to_be_16(DP_TMPL_SIZE6 - OFF_UDP6 + inner_len);
	/* the flow label of RFC 6438: the same hash, never zero (zero means unlabelled) */
	uint32_t label = (hash >> 12 ^ hash) & RTE_IPV6_HDR_FL_MASK;

	ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | (label != 0 ? label : 1));
	ip->payload_len = len;
	udp->dgram_len = len;
	udp->src_port = outer_sport(u, hash);
	if (u->tx_udp_cksum) {
		m->ol_flags = RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM;
		m->l2_len = OFF_IP;
		m->l3_len = sizeof(*ip);
		udp->dgram_cksum = rte_ipv6_phdr_cksum(ip, m->ol_flags);
	} else {
		m->ol_flags = 0;
		udp->dgram_cksum = rte_ipv6_udptcp_cksum_mbuf(m, ip, OFF_UDP6);
	}
}

/* The outer headers as they leave: the tunnel's VNI and VTEP, the source port chosen. */
static void trace_encap(struct dp_worker *w, const struct dp_remote *r, const struct rte_mbuf *m)
{
	const uint8_t *o = rte_pktmbuf_mtod(m, const uint8_t *);
	/* VXLAN and Geneve without options: an 8-byte header after UDP */
	size_t udp = r->tmpl_len - sizeof(struct rte_udp_hdr) - 8;
	struct dp_trace_rec rec = {.stage = DP_TS_ENCAP, .af = r->vtep_af};
	void *data;

	/* the VXLAN and option-less Geneve headers both end with the VNI and a reserved byte */
	rec.a = (uint32_t)o[r->tmpl_len - 4] << 16 | (uint32_t)o[r->tmpl_len - 3] << 8 |
		o[r->tmpl_len - 2];
	rec.c = (uint32_t)o[udp] << 8 | o[udp + 1];
	if (rte_hash_lookup_data(w->snap->vnis, &r->vni, &data) >= 0)
		rec.b = ((const struct dp_vpc_snap *)data)->encap;
	memcpy(rec.addr, r->vtep, 16);
	dp_trace_emit(w, m, &rec);
}

void dp_encap(struct dp_worker *w, uint16_t in_port, struct dp_remote *r, struct rte_mbuf *m)
{
	uint32_t inner_len = rte_pktmbuf_pkt_len(m), hash;
	uint64_t traced = m->ol_flags & dp_trace_flag; /* survives the offload flags' reset */
	uint8_t *hdr;

	dp_capture(w, DP_CAP_ENCAP, in_port, &m, 1);
	if (unlikely(r->verdict != DP_DROP_MAX)) {
		/* relaxed: a hint for the control thread, which rebuilds the snapshot */
		if (r->verdict == DP_DROP_VTEP_UNRESOLVED && !w->dry &&
		    !atomic_load_explicit(&r->want_resolve, memory_order_relaxed))
			atomic_store_explicit(&r->want_resolve, true, memory_order_relaxed);
		dp_drop(w, in_port, m, r->verdict);
		return;
	}
	if (unlikely(inner_len - sizeof(struct rte_ether_hdr) > r->mtu)) {
		too_big(w, in_port, r, m);
		return;
	}
	/* read mostly: written once per refresh period, not once per packet */
	if (!w->dry && !atomic_load_explicit(&r->used, memory_order_relaxed))
		atomic_store_explicit(&r->used, true, memory_order_relaxed);
	hash = m->hash.rss; /* the flow cache's hash of the inner flow (dp_flow.c) */
	hdr = (uint8_t *)rte_pktmbuf_prepend(m, r->tmpl_len);
	if (hdr == NULL) {
		dp_drop(w, in_port, m, DP_DROP_ENCAP_NO_HEADROOM);
		return;
	}
	/* the frame leaves as a new packet: no offload request of the VM's applies to it */
	if (r->tmpl_len == DP_TMPL_SIZE4) {
		rte_memcpy(hdr, r->tmpl, DP_TMPL_SIZE4);
		encap_ip4(&w->snap->underlay, m, hdr, inner_len, hash);
	} else {
		rte_memcpy(hdr, r->tmpl, DP_TMPL_SIZE6);
		encap_ip6(&w->snap->underlay, m, hdr, inner_len, hash);
	}
	m->ol_flags |= traced;
	if (dp_traced(w, m))
		trace_encap(w, r, m);
	dp_tx(w, w->snap->underlay.port_idx, m);
}
