/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What arrives on the underlay port. Only UDP to one of our VTEP addresses and a tunnel port is ours:
 * everything else (ARP, ICMP, the host's own traffic) goes to the host kernel through the
 * exception tap, which holds the VTEP addresses. A tunnel packet is checked layer by layer
 * (outer IPv4 or IPv6 and UDP, the VXLAN or Geneve header, the VNI, the sending VTEP, the inner
 * frame's source) and, if every check passes, stripped and delivered to a local port of
 * that VNI's VPC. Nothing is re-encapsulated and nothing is flooded.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "../geneve/geneve.h"
#include "../vxlan/vxlan.h"
#include <sys/socket.h>

#include "dp_private.h"

struct tun_pkt {
	uint32_t vni;
	uint8_t af;          /* outer family */
	uint8_t outer_src[16];
	uint16_t l3_size;    /* outer IP header */
	uint16_t outer_size; /* bytes to strip */
	uint16_t inner_size; /* the inner frame, as the outer UDP length says */
	enum dp_encap encap;
};

/* The tunnel type of a UDP destination port, or false if it is not one of ours. */
static bool tunnel_port(const struct dp_underlay *u, rte_be16_t port, struct tun_pkt *t)
{
	if (port == u->vxlan_port)
		t->encap = DP_ENCAP_VXLAN;
	else if (port == u->geneve_port)
		t->encap = DP_ENCAP_GENEVE;
	else
		return false;
	return true;
}

static bool is_ours4(const struct dp_underlay *u, const struct rte_mbuf *m, struct tun_pkt *t)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	const struct rte_udp_hdr *udp;
	uint16_t ihl;

	if (!u->has_vtep4 || m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*ip) ||
	    ip->dst_addr != u->vtep4 || ip->next_proto_id != IPPROTO_UDP)
		return false;
	ihl = rte_ipv4_hdr_len(ip);
	if (m->data_len < sizeof(struct rte_ether_hdr) + ihl + sizeof(*udp))
		return false; /* too short to say: the kernel will judge it */
	udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	if (!tunnel_port(u, udp->dst_port, t))
		return false;
	t->af = AF_INET;
	memset(t->outer_src, 0, sizeof(t->outer_src));
	memcpy(t->outer_src, &ip->src_addr, 4);
	return true;
}

/*
 * Over IPv6 a tunnel packet has UDP right after the fixed header. The one extension header
 * looked at is a fragment header in front of a tunnel port's UDP header: the packet is ours,
 * to be dropped as a fragment; anything else with extension headers is the kernel's.
 */
static bool is_ours6(const struct dp_underlay *u, const struct rte_mbuf *m, struct tun_pkt *t)
{
	const struct rte_ipv6_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
	uint32_t l4 = sizeof(struct rte_ether_hdr) + sizeof(*ip);
	const struct rte_udp_hdr *udp;

	if (!u->has_vtep6 || m->data_len < l4 || memcmp(ip->dst_addr, u->vtep6, 16) != 0)
		return false;
	if (ip->proto == IPPROTO_FRAGMENT) {
		const struct rte_ipv6_fragment_ext *f;

		if (m->data_len < l4 + sizeof(*f) + sizeof(*udp))
			return false;
		f = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_fragment_ext *, l4);
		if (f->next_header != IPPROTO_UDP ||
		    RTE_IPV6_GET_FO(rte_be_to_cpu_16(f->frag_data)) != 0)
			return false;
		l4 += sizeof(*f);
	} else if (ip->proto != IPPROTO_UDP || m->data_len < l4 + sizeof(*udp)) {
		return false;
	}
	udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, l4);
	if (!tunnel_port(u, udp->dst_port, t))
		return false;
	t->af = AF_INET6;
	memcpy(t->outer_src, ip->src_addr, 16);
	return true;
}

/* Is this a tunnel packet for us? Fills t on the way; returns false for the kernel's. */
static bool is_ours(const struct dp_underlay *u, const struct rte_mbuf *m, struct tun_pkt *t)
{
	rte_be16_t type = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type;

	if (type == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return is_ours4(u, m, t);
	if (type == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		return is_ours6(u, m, t);
	return false;
}

/* Is the checksum the NIC reported for the flag mask bad, or unchecked and wrong? */
static bool cksum_bad(const struct rte_mbuf *m, uint64_t mask, uint64_t good, uint64_t bad,
		      bool (*verify)(const struct rte_mbuf *m, const void *hdr), const void *hdr)
{
	uint64_t f = m->ol_flags & mask;

	return f == bad || (f != good && !verify(m, hdr));
}

static bool ip4_cksum_ok(const struct rte_mbuf *m, const void *ip)
{
	uint16_t c = rte_ipv4_cksum(ip);

	(void)m;
	return c == 0 || c == 0xffff;
}

/*
 * The UDP checksum covers the UDP length, which may be shorter than the IP payload (the
 * rest is padding, as Linux treats it): the pseudo-header is taken from a copy of the IP
 * header whose length says so, and the sum runs over the UDP length only.
 */
static bool udp_sum_ok(const struct rte_mbuf *m, uint32_t l4_off, uint32_t phdr_sum)
{
	const struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, l4_off);
	uint32_t len = rte_be_to_cpu_16(udp->dgram_len), done = 0, sum = phdr_sum, off = l4_off;
	const struct rte_mbuf *s = m;

	/* segment by segment; DPDK 22.11's rte_raw_cksum_mbuf loses carries when a segment
	 * starts at an odd offset of the datagram, so each part is folded before its swap */
	while (s != NULL && off >= s->data_len) {
		off -= s->data_len;
		s = s->next;
	}
	for (; s != NULL && done < len; s = s->next, off = 0) {
		uint32_t n = RTE_MIN((uint32_t)s->data_len - off, len - done);
		uint16_t part = rte_raw_cksum(rte_pktmbuf_mtod_offset(s, const void *, off), n);

		sum += (done & 1) ? rte_bswap16(part) : part;
		done += n;
	}
	if (done < len)
		return false;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static bool udp4_cksum_ok(const struct rte_mbuf *m, const void *hdr)
{
	struct rte_ipv4_hdr ip = *(const struct rte_ipv4_hdr *)hdr;
	uint32_t l4 = sizeof(struct rte_ether_hdr) + rte_ipv4_hdr_len(&ip);

	ip.total_length = rte_cpu_to_be_16(
		sizeof(ip) + rte_be_to_cpu_16(
				     rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, l4)->dgram_len));
	ip.version_ihl = RTE_IPV4_VHL_DEF; /* options are not in the pseudo-header */
	return udp_sum_ok(m, l4, rte_ipv4_phdr_cksum(&ip, 0));
}

static bool udp6_cksum_ok(const struct rte_mbuf *m, const void *hdr)
{
	struct rte_ipv6_hdr ip = *(const struct rte_ipv6_hdr *)hdr;
	uint32_t l4 = sizeof(struct rte_ether_hdr) + sizeof(ip);

	ip.payload_len = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, l4)->dgram_len;
	return udp_sum_ok(m, l4, rte_ipv6_phdr_cksum(&ip, 0));
}

/* Outer IPv4 checks; on success *ulen is the UDP length. DP_DROP_MAX: the packet goes on. */
static enum dp_drop_reason check_ip4(const struct rte_mbuf *m, struct tun_pkt *t, uint16_t *ulen)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	uint16_t ihl = rte_ipv4_hdr_len(ip), tlen = rte_be_to_cpu_16(ip->total_length);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	uint32_t avail = rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr);

	*ulen = rte_be_to_cpu_16(udp->dgram_len);
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || tlen > avail ||
	    tlen < ihl + sizeof(*udp) || *ulen < sizeof(*udp) || *ulen > tlen - ihl)
		return DP_DROP_OUTER_MALFORMED;
	if (dp_ipv4_is_fragment(ip))
		return DP_DROP_OUTER_FRAGMENT;
	if (cksum_bad(m, RTE_MBUF_F_RX_IP_CKSUM_MASK, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
		      RTE_MBUF_F_RX_IP_CKSUM_BAD, ip4_cksum_ok, ip))
		return DP_DROP_OUTER_CHECKSUM;
	/* a non-zero UDP checksum is checked (zero is allowed over IPv4) */
	if (udp->dgram_cksum != 0 &&
	    cksum_bad(m, RTE_MBUF_F_RX_L4_CKSUM_MASK, RTE_MBUF_F_RX_L4_CKSUM_GOOD,
		      RTE_MBUF_F_RX_L4_CKSUM_BAD, udp4_cksum_ok, ip))
		return DP_DROP_OUTER_CHECKSUM;
	t->l3_size = ihl;
	return DP_DROP_MAX;
}

/* Outer IPv6 checks, as above. A zero UDP checksum is accepted, as RFC 6936 lets tunnel
 * endpoints do (the inner frame carries its own checksums); any other is checked. */
static enum dp_drop_reason check_ip6(const struct rte_mbuf *m, struct tun_pkt *t, uint16_t *ulen)
{
	const struct rte_ipv6_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);
	uint32_t avail = rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr);
	uint16_t plen = rte_be_to_cpu_16(ip->payload_len);

	if (ip->proto == IPPROTO_FRAGMENT)
		return DP_DROP_OUTER_FRAGMENT;
	*ulen = rte_be_to_cpu_16(udp->dgram_len);
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 || sizeof(*ip) + plen > avail ||
	    plen < sizeof(*udp) || *ulen < sizeof(*udp) || *ulen > plen)
		return DP_DROP_OUTER_MALFORMED;
	if (udp->dgram_cksum != 0 &&
	    cksum_bad(m, RTE_MBUF_F_RX_L4_CKSUM_MASK, RTE_MBUF_F_RX_L4_CKSUM_GOOD,
		      RTE_MBUF_F_RX_L4_CKSUM_BAD, udp6_cksum_ok, ip))
		return DP_DROP_OUTER_CHECKSUM;
	t->l3_size = sizeof(*ip);
	return DP_DROP_MAX;
}

/* Outer IP + UDP + tunnel header checks. Returns DP_DROP_MAX when the packet may go on. */
static enum dp_drop_reason check_outer(const struct rte_mbuf *m, struct tun_pkt *t)
{
	enum dp_drop_reason r;
	const uint8_t *tun;
	size_t tun_avail, tun_size, l4;
	uint16_t ulen;

	r = t->af == AF_INET ? check_ip4(m, t, &ulen) : check_ip6(m, t, &ulen);
	if (r != DP_DROP_MAX)
		return r;
	l4 = sizeof(struct rte_ether_hdr) + t->l3_size;
	tun = rte_pktmbuf_mtod_offset(m, const uint8_t *, l4 + sizeof(struct rte_udp_hdr));
	/* headers must sit in the first segment: the underlay NIC's buffers are 2 KB */
	tun_avail = RTE_MIN((size_t)(ulen - sizeof(struct rte_udp_hdr)),
			    (size_t)(m->data_len - (l4 + sizeof(struct rte_udp_hdr))));
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
	t->outer_size = (uint16_t)(l4 + sizeof(struct rte_udp_hdr) + tun_size);
	t->inner_size = (uint16_t)(ulen - sizeof(struct rte_udp_hdr) - tun_size);
	if (ulen < sizeof(struct rte_udp_hdr) + tun_size + sizeof(struct rte_ether_hdr) ||
	    m->data_len < t->outer_size + sizeof(struct rte_ether_hdr))
		return DP_DROP_INNER_MALFORMED;
	return DP_DROP_MAX;
}

/*
 * Last-key caches, per burst only (the next burst may run on a newer snapshot): packets of
 * one burst mostly come from one VTEP in one VNI, between the same two VMs, so each lookup
 * below is done once per run of equal keys instead of once per packet.
 */
struct tun_cache {
	bool valid;
	uint8_t af;
	uint32_t vni;
	uint8_t src[16];
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

	if (c->valid && c->vni == t->vni && c->af == t->af && c->encap == t->encap &&
	    memcmp(c->src, t->outer_src, 16) == 0)
		return c->verdict;
	*c = (struct tun_cache){.valid = true, .af = t->af, .vni = t->vni, .encap = t->encap,
				.verdict = DP_DROP_MAX};
	memcpy(c->src, t->outer_src, 16);
	k = (struct dp_vtep_key){.vni = t->vni, .af = t->af};
	memcpy(k.ip, t->outer_src, 16);
	if (rte_hash_lookup_data(s->vnis, &t->vni, &data) < 0)
		c->verdict = DP_DROP_UNKNOWN_VNI;
	else if ((enum dp_encap)((const struct dp_vpc_snap *)data)->encap != t->encap)
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
 * cannot speak for another's VMs), or a gateway of the VPC: the sending host routed the
 * frame (as this one does for its VMs). IP goes on to the flow cache (returns true); an ARP frame
 * (a kernel peer's unicast refresh) is delivered by its destination MAC to a local port.
 */
static bool deliver(struct dp_worker *w, uint16_t in_port, const struct tun_pkt *t,
		    struct rte_mbuf *m, struct l2_cache *src_c, struct l2_cache *dst_c)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct dp_snap *s = w->snap;
	uintptr_t v;

	if (!l2_lookup(s, t->vni, &eth->src_addr, src_c, &v) ||
	    (v != DP_L2_GATEWAY &&
	     (v < DP_L2_REMOTE || s->remotes[v - DP_L2_REMOTE].vtep_af != t->af ||
	      memcmp(s->remotes[v - DP_L2_REMOTE].vtep, t->outer_src, 16) != 0))) {
		dp_drop(w, in_port, m, DP_DROP_INNER_SRC_SPOOF);
		return false;
	}
	if (!rte_is_unicast_ether_addr(&eth->dst_addr)) {
		dp_drop(w, in_port, m, DP_DROP_FLOOD_BLOCKED);
		return false;
	}
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		return true;
	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP))
		dp_drop(w, in_port, m, DP_DROP_ETHERTYPE);
	else if (!l2_lookup(s, t->vni, &eth->dst_addr, dst_c, &v))
		dp_drop(w, in_port, m, DP_DROP_UNKNOWN_DST_MAC);
	else if (v == DP_L2_GATEWAY)
		dp_drop(w, in_port, m, DP_DROP_NO_ROUTE);
	else if (v >= DP_L2_REMOTE)
		dp_drop(w, in_port, m, DP_DROP_TUNNEL_HAIRPIN);
	else
		dp_tx(w, (uint16_t)v, m);
	return false;
}

static void trace_decap(struct dp_worker *w, const struct tun_pkt *t, const struct rte_mbuf *m)
{
	struct dp_trace_rec r = {.stage = DP_TS_DECAP, .a = t->vni, .b = t->encap, .af = t->af};

	memcpy(r.addr, t->outer_src, 16);
	dp_trace_emit(w, m, &r);
}

/* Cut m to len bytes (at most its length), over as many trailing segments as that takes:
 * rte_pktmbuf_trim only cuts within the last one. */
static void trim_to(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *s = m;
	uint32_t left = len;
	uint16_t n = 1;

	while (s->data_len < left) {
		left -= s->data_len;
		s = s->next;
		n++;
	}
	s->data_len = (uint16_t)left;
	rte_pktmbuf_free(s->next);
	s->next = NULL;
	m->nb_segs = n;
	m->pkt_len = len;
}

void dp_underlay_input_burst(struct dp_worker *w, const struct dp_port_snap *in,
			     struct rte_mbuf **pkts, uint16_t n)
{
	const struct dp_underlay *u = &w->snap->underlay;
	uint16_t idx = in->port->idx;
	struct dp_counters *c = &w->ports[idx];
	struct tun_cache tc = {0};
	struct l2_cache src_c = {0}, dst_c = {0};
	uint32_t vnis[DP_BURST];
	uint16_t n_ip = 0;

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
			if (dp_traced(w, m))
				dp_trace_note(w, m, DP_TS_EXCEPTION, u->tap_idx, 0, 0, 0);
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
			trim_to(m, t.inner_size);
		dp_capture(w, DP_CAP_DECAP, idx, &m, 1);
		if (dp_traced(w, m))
			trace_decap(w, &t, m);
		if (deliver(w, idx, &t, m, &src_c, &dst_c)) {
			vnis[n_ip] = t.vni;
			pkts[n_ip++] = m;
		}
	}
	if (n_ip > 0)
		dp_flow_burst(w, idx, vnis, pkts, n_ip);
}
