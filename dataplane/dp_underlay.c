/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What arrives on the underlay port. Only UDP to our VTEP address and a tunnel port is ours:
 * everything else (ARP, ICMP, the host's own traffic) goes to the host kernel through the
 * exception tap, which holds the VTEP address. A tunnel packet is checked layer by layer
 * (outer IPv4 and UDP, the VXLAN or Geneve header, the VNI, the sending VTEP, the inner
 * frame's source) and, if every check passes, stripped and delivered to a local port of
 * that VNI's VPC. Nothing is re-encapsulated and nothing is flooded.
 */
#include <rte_ip.h>
#include <rte_udp.h>

#include "../geneve/geneve.h"
#include "../vxlan/vxlan.h"
#include <sys/socket.h>

#include "dp_private.h"

struct tun_pkt {
	uint32_t vni;
	rte_be32_t outer_src;
	uint16_t outer_size; /* bytes to strip */
	uint16_t inner_size; /* the inner frame, as the outer UDP length says */
	enum dp_encap encap;
};

/* Is this a tunnel packet for us? Fills t on the way; returns false for the kernel's. */
static bool is_ours(const struct dp_underlay *u, const struct rte_mbuf *m, struct tun_pkt *t)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	uint16_t ihl;

	if (m->data_len < sizeof(*eth) + sizeof(*ip) ||
	    eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return false;
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	if (ip->dst_addr != u->vtep4 || ip->next_proto_id != IPPROTO_UDP)
		return false;
	ihl = rte_ipv4_hdr_len(ip);
	if (m->data_len < sizeof(*eth) + ihl + sizeof(*udp))
		return false; /* too short to say: the kernel will judge it */
	udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	if (udp->dst_port == u->vxlan_port)
		t->encap = DP_ENCAP_VXLAN;
	else if (udp->dst_port == u->geneve_port)
		t->encap = DP_ENCAP_GENEVE;
	else
		return false;
	t->outer_src = ip->src_addr;
	return true;
}

/* Outer IPv4 + UDP + tunnel header checks. Returns DP_DROP_MAX when the packet may go on. */
static enum dp_drop_reason check_outer(const struct rte_mbuf *m, struct tun_pkt *t)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint16_t ihl = rte_ipv4_hdr_len(ip), tlen = rte_be_to_cpu_16(ip->total_length);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	uint32_t avail = rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr);
	uint16_t ulen = rte_be_to_cpu_16(udp->dgram_len);
	const uint8_t *tun = (const uint8_t *)(udp + 1);
	size_t tun_avail, tun_size;

	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || tlen > avail ||
	    tlen < ihl + sizeof(*udp) || ulen < sizeof(*udp) || ulen > tlen - ihl)
		return DP_DROP_OUTER_MALFORMED;
	if (dp_ipv4_is_fragment(ip))
		return DP_DROP_OUTER_FRAGMENT;
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
	    ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	     rte_ipv4_cksum(ip) != 0xffff && rte_ipv4_cksum(ip) != 0))
		return DP_DROP_OUTER_CHECKSUM;
	/* headers must sit in the first segment: the underlay NIC's buffers are 2 KB */
	tun_avail = RTE_MIN((size_t)(ulen - sizeof(*udp)),
			    (size_t)(m->data_len - ((const uint8_t *)tun - rte_pktmbuf_mtod(m,
											 const uint8_t *))));
	if (t->encap == DP_ENCAP_VXLAN) {
		switch (vxlan_hdr_parse(tun, tun_avail, &t->vni)) {
		case VXLAN_OK:
			break;
		case VXLAN_NO_VNI:
			return DP_DROP_VXLAN_NO_VNI;
		default:
			return DP_DROP_OUTER_MALFORMED;
		}
		tun_size = VXLAN_HDR_SIZE;
	} else {
		/* no option is known yet: every critical one is refused, as RFC 8926 asks */
		switch (geneve_hdr_parse(tun, tun_avail, &t->vni, &tun_size, NULL)) {
		case GENEVE_OK:
			break;
		case GENEVE_OAM:
			return DP_DROP_GENEVE_OAM;
		case GENEVE_NOT_ETHERNET:
			return DP_DROP_GENEVE_NOT_ETHERNET;
		case GENEVE_CRITICAL_OPTION:
			return DP_DROP_GENEVE_CRITICAL;
		default:
			return DP_DROP_GENEVE_MALFORMED;
		}
	}
	t->outer_size = (uint16_t)(sizeof(struct rte_ether_hdr) + ihl + sizeof(*udp) + tun_size);
	t->inner_size = (uint16_t)(ulen - sizeof(*udp) - tun_size);
	if (ulen < sizeof(*udp) + tun_size + sizeof(struct rte_ether_hdr) ||
	    m->data_len < t->outer_size + sizeof(struct rte_ether_hdr))
		return DP_DROP_INNER_MALFORMED;
	/* a non-zero UDP checksum is checked (zero is allowed over IPv4) */
	if (udp->dgram_cksum != 0 &&
	    ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
	     ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
	      rte_ipv4_udptcp_cksum_verify(ip, udp) != 0)))
		return DP_DROP_OUTER_CHECKSUM;
	return DP_DROP_MAX;
}

/*
 * Last-key caches, per burst only (the next burst may run on a newer snapshot): packets of
 * one burst mostly come from one VTEP in one VNI, between the same two VMs, so each lookup
 * below is done once per run of equal keys instead of once per packet.
 */
struct tun_cache {
	bool valid;
	uint32_t vni;
	rte_be32_t src;
	enum dp_encap encap;
	enum dp_drop_reason verdict;
};

struct l2_cache {
	bool valid;
	uint32_t vni;
	struct rte_ether_addr mac;
	bool hit;
	uintptr_t value;
};

/* The VNI is served here with this tunnel type, and the sender is one of its VTEPs. */
static enum dp_drop_reason check_tunnel(const struct dp_snap *s, const struct tun_pkt *t,
					struct tun_cache *c)
{
	struct dp_vtep_key k;
	void *data;

	if (c->valid && c->vni == t->vni && c->src == t->outer_src && c->encap == t->encap)
		return c->verdict;
	*c = (struct tun_cache){.valid = true, .vni = t->vni, .src = t->outer_src,
				.encap = t->encap, .verdict = DP_DROP_MAX};
	k = (struct dp_vtep_key){.vni = t->vni, .af = AF_INET};
	memcpy(k.ip, &t->outer_src, 4);
	if (rte_hash_lookup_data(s->vnis, &t->vni, &data) < 0)
		c->verdict = DP_DROP_UNKNOWN_VNI;
	else if (((uintptr_t)data >> 16) != t->encap)
		c->verdict = DP_DROP_WRONG_ENCAP;
	else if (rte_hash_lookup(s->vteps, &k) < 0)
		c->verdict = DP_DROP_UNKNOWN_VTEP;
	return c->verdict;
}

static bool l2_lookup(const struct dp_snap *s, uint32_t vni, const struct rte_ether_addr *mac,
		      struct l2_cache *c, uintptr_t *value)
{
	struct dp_l2_key k = {.vni = vni, .mac = *mac};
	void *data;

	if (!c->valid || c->vni != vni || !rte_is_same_ether_addr(&c->mac, mac)) {
		c->valid = true;
		c->vni = vni;
		c->mac = *mac;
		c->hit = rte_hash_lookup_data(s->l2, &k, &data) >= 0;
		c->value = c->hit ? (uintptr_t)data : 0;
	}
	*value = c->value;
	return c->hit;
}

/*
 * After decap: the inner source must be a VM that lives behind the sending VTEP (a host
 * cannot speak for another's VMs), the destination a local port of the same VNI.
 */
static void deliver(struct dp_worker *w, uint16_t in_port, const struct tun_pkt *t,
		    struct rte_mbuf *m, struct l2_cache *src_c, struct l2_cache *dst_c)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct dp_snap *s = w->snap;
	uintptr_t v;

	if (!l2_lookup(s, t->vni, &eth->src_addr, src_c, &v) || v < DP_L2_REMOTE ||
	    memcmp(s->remotes[v - DP_L2_REMOTE].vtep, &t->outer_src, 4) != 0) {
		dp_drop(w, in_port, m, DP_DROP_INNER_SRC_SPOOF);
		return;
	}
	if (!rte_is_unicast_ether_addr(&eth->dst_addr)) {
		dp_drop(w, in_port, m, DP_DROP_FLOOD_BLOCKED);
		return;
	}
	if (!l2_lookup(s, t->vni, &eth->dst_addr, dst_c, &v))
		dp_drop(w, in_port, m, DP_DROP_UNKNOWN_DST_MAC);
	else if (v == DP_L2_GATEWAY)
		dp_drop(w, in_port, m, DP_DROP_NO_ROUTE);
	else if (v >= DP_L2_REMOTE)
		dp_drop(w, in_port, m, DP_DROP_TUNNEL_HAIRPIN);
	else
		dp_tx(w, (uint16_t)v, m);
}

void dp_underlay_input_burst(struct dp_worker *w, const struct dp_port_snap *in,
			     struct rte_mbuf **pkts, uint16_t n)
{
	const struct dp_underlay *u = &w->snap->underlay;
	uint16_t idx = in->port->idx;
	struct dp_counters *c = &w->ports[idx];
	struct tun_cache tc = {0};
	struct l2_cache src_c = {0}, dst_c = {0};

	c->rx_pkts += n;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct tun_pkt t;
		enum dp_drop_reason r;

		c->rx_bytes += rte_pktmbuf_pkt_len(m);
		if (m->data_len < sizeof(struct rte_ether_hdr)) {
			dp_drop(w, idx, m, DP_DROP_RUNT);
			continue;
		}
		if (!is_ours(u, m, &t)) {
			dp_tx(w, u->tap_idx, m);
			continue;
		}
		r = check_outer(m, &t);
		if (r == DP_DROP_MAX)
			r = check_tunnel(w->snap, &t, &tc);
		if (r != DP_DROP_MAX) {
			dp_drop(w, idx, m, r);
			continue;
		}
		rte_pktmbuf_adj(m, t.outer_size);
		/* a short outer frame was padded on the wire: the padding is not the VM's */
		if (rte_pktmbuf_pkt_len(m) > t.inner_size)
			rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - t.inner_size);
		deliver(w, idx, &t, m, &src_c, &dst_c);
	}
}
