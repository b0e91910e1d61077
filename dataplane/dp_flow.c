/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow cache stage (see dp_ct.h): parse each IP packet into its exact flow key, look a
 * burst of keys up at once, and forward hits by the action cached in their connection's
 * slot. A miss walks the tables (destination MAC), the security groups of both local ends
 * and the connection limits, then inserts both directions of the new connection. A hit
 * whose action predates the current configuration is revalidated the same way, in place:
 * it keeps flowing if still allowed, stops if not.
 *
 * What is tracked: TCP, UDP, ICMP echo and every other protocol by addresses (and ports
 * where there are any). ICMP errors follow the connection of the packet they quote.
 * Neighbour solicitations and advertisements always pass (as in every cloud's groups:
 * without them IPv6 breaks), untracked. Other ICMP messages are checked against the rules
 * packet by packet. Fragments are dropped: without reassembly they have no ports to be
 * tracked by, and letting them through would let any fragment past the groups.
 */
#include <rte_hash.h>
#include <rte_icmp.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "sg.h"

#include "dp_affinity.h"
#include "dp_private.h"
#include "dp_route.h"

enum fp_kind {
	FP_TRACK,     /* may open a connection */
	FP_REPLY,     /* ICMP echo reply: belongs to a connection, or is checked like FP_RULES */
	FP_RELATED,   /* ICMP error: key of the connection direction it travels in */
	FP_ND,        /* IPv6 neighbour solicitation/advertisement: allowed, untracked */
	FP_RULES,     /* checked against the rules, every packet, untracked */
};

#define IP6_EXT_MAX 8 /* extension headers walked before the packet counts as malformed */

static inline bool is_icmp(uint8_t af, uint8_t proto)
{
	return (af == AF_INET && proto == IPPROTO_ICMP) ||
	       (af == AF_INET6 && proto == IPPROTO_ICMPV6);
}

/*
 * The key of the connection direction an ICMP error travels in: the reverse of the packet
 * it quotes (which went the other way). Returns FP_RELATED, FP_RULES when the quote is not
 * of a trackable packet, or a drop reason through *r.
 */
static enum fp_kind related_key(struct dp_flow_key *k, const uint8_t *q, uint32_t qlen,
				enum dp_drop_reason *r)
{
	uint8_t src[16] = {0}, dst[16] = {0}, proto;
	uint32_t hlen;

	if (k->af == AF_INET) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)q;

		if (qlen < sizeof(*ip) || (ip->version_ihl >> 4) != 4)
			return FP_RULES;
		hlen = rte_ipv4_hdr_len(ip);
		if (hlen < sizeof(*ip) || qlen < hlen + 8 ||
		    (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)))
			return FP_RULES;
		memcpy(src, &ip->src_addr, 4);
		memcpy(dst, &ip->dst_addr, 4);
		proto = ip->next_proto_id;
	} else {
		const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)q;

		if (qlen < sizeof(*ip) + 8 || (rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)
			return FP_RULES;
		hlen = sizeof(*ip);
		memcpy(src, ip->src_addr, 16);
		memcpy(dst, ip->dst_addr, 16);
		proto = ip->proto;
	}
	/* the error goes back to whoever sent the quoted packet, or it is forged */
	if (memcmp(src, k->dst, 16) != 0) {
		*r = DP_DROP_ICMP_ERROR_MISMATCH;
		return FP_RULES;
	}
	memcpy(k->src, dst, 16);
	memcpy(k->dst, src, 16);
	k->proto = proto;
	q += hlen;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		memcpy(&k->sport, q + 2, 2);
		memcpy(&k->dport, q, 2);
		k->icmp_type = k->icmp_code = 0;
		return FP_RELATED;
	}
	if (is_icmp(k->af, proto)) {
		uint8_t t = q[0];
		bool v4 = k->af == AF_INET;

		k->icmp_code = 0;
		memcpy(&k->sport, q + 4, 2); /* the echo identifier */
		k->dport = 0;
		/* about a request: travels as its reply would; about a reply: as the request */
		if (t == (v4 ? RTE_IP_ICMP_ECHO_REQUEST : 128))
			k->icmp_type = v4 ? RTE_IP_ICMP_ECHO_REPLY : 129;
		else if (t == (v4 ? RTE_IP_ICMP_ECHO_REPLY : 129))
			k->icmp_type = v4 ? RTE_IP_ICMP_ECHO_REQUEST : 128;
		else
			return FP_RULES;
		return FP_RELATED;
	}
	return FP_RULES;
}

static enum fp_kind icmp_kind(struct dp_flow_key *k, const uint8_t *l4, uint32_t l4_len,
			      bool related, enum dp_drop_reason *r)
{
	uint8_t type = l4[0];
	bool v4 = k->af == AF_INET;

	k->icmp_type = type;
	k->icmp_code = l4[1];
	if (type == (v4 ? RTE_IP_ICMP_ECHO_REQUEST : 128) ||
	    type == (v4 ? RTE_IP_ICMP_ECHO_REPLY : 129)) {
		memcpy(&k->sport, l4 + 4, 2);
		return (type == RTE_IP_ICMP_ECHO_REQUEST || type == 128) ? FP_TRACK : FP_REPLY;
	}
	if (related && (v4 ? (type == 3 || type == 4 || type == 5 || type == 11 || type == 12)
			   : (type >= 1 && type <= 4))) {
		struct dp_flow_key orig = *k;
		enum fp_kind kind = related_key(k, l4 + 8, l4_len - 8, r);

		if (kind != FP_RELATED)
			*k = orig; /* checked against the rules as the ICMP packet it is */
		return kind;
	}
	if (!v4 && (type == 135 || type == 136))
		return FP_ND;
	return FP_RULES;
}

/* Parse a frame (Ethernet first) into k. Every length is checked here: frames from the
 * underlay reach this stage with only their MACs looked at. related: an ICMP error gets the
 * key of the connection it quotes (FP_RELATED); else its own, as any ICMP (FP_RULES). */
static enum dp_drop_reason flow_parse(struct rte_mbuf *m, struct dp_flow_key *k,
				      uint8_t *kind, uint8_t *tcp_flags, bool related)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const uint32_t seg = m->data_len, len = rte_pktmbuf_pkt_len(m);
	const uint32_t l3 = sizeof(*eth);
	enum dp_drop_reason r = DP_DROP_MAX;
	uint32_t l4_off, l4_len;
	const uint8_t *l4;

	k->src_mac = eth->src_addr;
	k->dst_mac = eth->dst_addr;
	*tcp_flags = 0;
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3);
		uint32_t hlen, tlen;

		if (seg < l3 + sizeof(*ip))
			return DP_DROP_IPV4_MALFORMED;
		hlen = rte_ipv4_hdr_len(ip);
		tlen = rte_be_to_cpu_16(ip->total_length);
		if ((ip->version_ihl >> 4) != 4 || hlen < sizeof(*ip) || tlen < hlen ||
		    l3 + tlen > len || l3 + hlen > seg)
			return DP_DROP_IPV4_MALFORMED;
		if (dp_ipv4_is_fragment(ip))
			return DP_DROP_IP_FRAGMENT;
		k->af = AF_INET;
		memcpy(k->src, &ip->src_addr, 4);
		memcpy(k->dst, &ip->dst_addr, 4);
		k->proto = ip->next_proto_id;
		l4_off = l3 + hlen;
		l4_len = tlen - hlen;
	} else if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3);
		uint32_t plen;
		uint8_t nh;

		if (seg < l3 + sizeof(*ip))
			return DP_DROP_IPV6_MALFORMED;
		plen = rte_be_to_cpu_16(ip->payload_len);
		if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 || l3 + sizeof(*ip) + plen > len)
			return DP_DROP_IPV6_MALFORMED;
		k->af = AF_INET6;
		memcpy(k->src, ip->src_addr, 16);
		memcpy(k->dst, ip->dst_addr, 16);
		nh = ip->proto;
		l4_off = l3 + sizeof(*ip);
		l4_len = plen;
		for (int n = 0;; n++) {
			/* rte_ipv6_get_next_ext reads two bytes: zeros where the frame has none,
			 * which makes any extension header 8 bytes too long to fit */
			uint8_t hd[2] = {0};
			size_t elen;
			int next;

			if (nh == IPPROTO_FRAGMENT)
				return DP_DROP_IP_FRAGMENT;
			if (l4_len >= 2 && l4_off + 2 <= seg)
				memcpy(hd, rte_pktmbuf_mtod_offset(m, const uint8_t *, l4_off), 2);
			next = rte_ipv6_get_next_ext(hd, nh, &elen);
			if (next < 0)
				break; /* the upper-layer protocol */
			if (n == IP6_EXT_MAX || elen > l4_len || l4_off + elen > seg)
				return DP_DROP_IPV6_EXT_MALFORMED;
			nh = (uint8_t)next;
			l4_off += (uint32_t)elen;
			l4_len -= (uint32_t)elen;
		}
		k->proto = nh;
	} else {
		return DP_DROP_ETHERTYPE;
	}
	l4 = rte_pktmbuf_mtod_offset(m, const uint8_t *, l4_off);
	*kind = FP_TRACK;
	if (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP) {
		uint32_t need = k->proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr)
							: sizeof(struct rte_udp_hdr);

		if (l4_len < need || l4_off + need > seg)
			return DP_DROP_L4_MALFORMED;
		memcpy(&k->sport, l4, 2);
		memcpy(&k->dport, l4 + 2, 2);
		if (k->proto == IPPROTO_TCP)
			*tcp_flags = ((const struct rte_tcp_hdr *)l4)->tcp_flags;
		/* where a load balancer's translation finds the headers */
		m->l2_len = l3;
		m->l3_len = l4_off - l3;
		return DP_DROP_MAX;
	}
	if (!is_icmp(k->af, k->proto))
		return DP_DROP_MAX; /* tracked by addresses alone */
	if (l4_len < 8 || l4_off + 8 > seg)
		return DP_DROP_L4_MALFORMED;
	*kind = icmp_kind(k, l4, RTE_MIN(l4_len, seg - l4_off), related, &r);
	return r;
}

/* The key the security groups see (acl/sg.h): ICMP type and code in the port fields. */
static void sg_key_of(const struct dp_flow_key *k, struct sg_key *s)
{
	s->proto = k->proto;
	s->af = k->af;
	memcpy(s->src, k->src, 16);
	memcpy(s->dst, k->dst, 16);
	if (is_icmp(k->af, k->proto)) {
		s->sport = rte_cpu_to_be_16(k->icmp_type);
		s->dport = rte_cpu_to_be_16(k->icmp_code);
	} else {
		s->sport = k->sport;
		s->dport = k->dport;
	}
}

/* Where a frame for k->dst_mac goes: an action (kind, index) or why nowhere. A frame for a
 * gateway is routed. */
enum dp_drop_reason dp_dest_of(const struct dp_snap *s, const struct dp_flow_key *k,
			       uint32_t *act, const struct dp_nh **route)
{
	struct dp_l2_key lk = {.vni = k->vni, .mac = k->dst_mac};
	bool from_underlay = s->ports[k->in_port].role != DP_ROLE_VM;
	void *data;
	uintptr_t v;

	if (rte_hash_lookup_data(s->l2, &lk, &data) < 0)
		return DP_DROP_UNKNOWN_DST_MAC;
	v = (uintptr_t)data;
	if (v == DP_L2_GATEWAY)
		return dp_route_decide(s, k, act, route);
	if (v >= DP_L2_REMOTE) {
		if (from_underlay)
			return DP_DROP_TUNNEL_HAIRPIN;
		*act = DP_ACT_REMOTE << 24 | (uint32_t)(v - DP_L2_REMOTE);
		return DP_DROP_MAX;
	}
	if (v == k->in_port)
		return DP_DROP_HAIRPIN;
	*act = DP_ACT_PORT << 24 | (uint32_t)v;
	return DP_DROP_MAX;
}

/*
 * The security groups of both local ends: the sending VM's egress rules, the receiving
 * VM's ingress rules. A tunnel packet's sender was checked by its own host. Returns
 * DP_DROP_MAX and the ids of the rules that allowed it, or the denial (and in *at the port
 * it counts against: the one whose groups said no).
 */
static enum dp_drop_reason sg_check(const struct dp_snap *s, const struct dp_flow_key *k,
				    const struct dp_flow_key *kin, uint32_t act, uint32_t *rule_eg,
				    uint32_t *rule_in, uint16_t *at)
{
	const struct dp_port_snap *in = &s->ports[k->in_port];
	struct sg_key sk;

	*rule_eg = *rule_in = 0;
	*at = k->in_port;
	if (in->role == DP_ROLE_VM && in->sg_out != NULL) {
		sg_key_of(k, &sk);
		if (sg_acl_classify_burst(in->sg_out, &sk, 1, rule_eg) == 0)
			return DP_DROP_SG_EGRESS;
	}
	if (DP_ACT_KIND(act) == DP_ACT_PORT) {
		const struct dp_port_snap *out = &s->ports[DP_ACT_INDEX(act)];

		/* a balanced connection: the backend's rules see it as translated (kin) */
		if (out->sg_in != NULL)
			sg_key_of(kin, &sk);
		if (out->sg_in != NULL && sg_acl_classify_burst(out->sg_in, &sk, 1, rule_in) == 0) {
			*at = (uint16_t)DP_ACT_INDEX(act);
			return DP_DROP_SG_INGRESS;
		}
	}
	return DP_DROP_MAX;
}

/* A traced packet's destination by the tables, and the route that chose it. */
static void trace_dest(struct dp_worker *w, const struct rte_mbuf *m, const struct dp_flow_key *k,
		       uint32_t act, enum dp_drop_reason r, const struct dp_nh *nh)
{
	struct dp_trace_rec rec = {.stage = DP_TS_DEST, .port = DP_PORT_NONE};

	if (nh != NULL) {
		struct dp_trace_rec rt = {.stage = DP_TS_ROUTE, .a = nh->kind, .b = nh->plen,
					  .c = nh->port, .af = k->af, .af2 = nh->af};

		memcpy(rt.addr, nh->prefix, 16);
		memcpy(rt.addr2, nh->addr, 16);
		dp_trace_emit(w, m, &rt);
	}
	if (r != DP_DROP_MAX)
		return; /* the drop says why */
	rec.a = act;
	if (DP_ACT_KIND(act) == DP_ACT_PORT)
		rec.port = (uint16_t)DP_ACT_INDEX(act);
	dp_trace_emit(w, m, &rec);
}

/* The security groups' say on a traced packet: per direction that is filtered, the rule
 * that allowed it, or that none did. */
static void trace_sg(struct dp_worker *w, const struct rte_mbuf *m, const struct dp_flow_key *k,
		     uint32_t act, enum dp_drop_reason r, uint32_t eg, uint32_t in)
{
	const struct dp_snap *s = w->snap;

	if (s->ports[k->in_port].role == DP_ROLE_VM && s->ports[k->in_port].sg_out != NULL)
		dp_trace_note(w, m, DP_TS_SECURITY_GROUP, k->in_port, 0,
			      r == DP_DROP_SG_EGRESS ? 0 : eg, r != DP_DROP_SG_EGRESS);
	if (r != DP_DROP_SG_EGRESS && DP_ACT_KIND(act) == DP_ACT_PORT &&
	    s->ports[DP_ACT_INDEX(act)].sg_in != NULL)
		dp_trace_note(w, m, DP_TS_SECURITY_GROUP, (uint16_t)DP_ACT_INDEX(act), 1,
			      r == DP_DROP_SG_INGRESS ? 0 : in, r != DP_DROP_SG_INGRESS);
}

static inline void count_hits(struct dp_worker *w, uint32_t eg, uint32_t in)
{
	if (eg != 0 && eg < DP_RULE_IDS)
		w->rule_hits[eg]++;
	if (in != 0 && in < DP_RULE_IDS)
		w->rule_hits[in]++;
}

static inline void apply(struct dp_worker *w, uint16_t in_port, uint64_t act, struct rte_mbuf *m)
{
	if ((act & DP_ACT_ROUTED) && !dp_route_forward(w, in_port, (uint32_t)act, m))
		return;
	if (DP_ACT_KIND(act) == DP_ACT_PORT)
		dp_tx(w, (uint16_t)DP_ACT_INDEX(act), m);
	else
		dp_encap(w, in_port, &w->snap->remotes[DP_ACT_INDEX(act)], m);
}

/* apply, translating a balanced connection's packet first (to the reverse of nat_of, the
 * other direction's key). */
static inline void forward(struct dp_worker *w, uint16_t in_port, uint64_t act,
			   struct rte_mbuf *m, const struct dp_flow_key *nat_of)
{
	if (nat_of != NULL)
		dp_lb_rewrite(m, nat_of);
	apply(w, in_port, act, m);
}

/* The addresses and ports a packet translated to the reverse of `of` has (what security
 * groups look at). */
static void reverse_key(const struct dp_flow_key *of, struct dp_flow_key *out)
{
	*out = *of;
	memcpy(out->src, of->dst, 16);
	memcpy(out->dst, of->src, 16);
	out->sport = of->dport;
	out->dport = of->sport;
}

/* A packet that goes nowhere: dropped by name, unless it is a ping to a gateway. */
static void stop(struct dp_worker *w, const struct dp_flow_key *k, struct rte_mbuf *m,
		 enum dp_drop_reason r)
{
	const struct dp_port_snap *in = &w->snap->ports[k->in_port];
	bool echo = k->icmp_type == (k->af == AF_INET ? RTE_IP_ICMP_ECHO_REQUEST : 128) &&
		    is_icmp(k->af, k->proto);

	if (r == DP_DROP_TO_GATEWAY && echo && in->role == DP_ROLE_VM) {
		if (dp_traced(w, m))
			dp_trace_note(w, m, DP_TS_SERVICE, k->in_port, DP_TSVC_ECHO, 0, 0);
		dp_icmp_echo_reply(w, in, m);
	} else
		dp_drop(w, k->in_port, m, r);
}

/* A packet no connection carries: the tables and, unless allowed by kind, the rules. */
static void untracked(struct dp_worker *w, const struct dp_flow_key *k, struct rte_mbuf *m,
		      bool check_rules)
{
	uint32_t act = 0, eg, in;
	uint16_t at;
	const struct dp_nh *nh = NULL;
	enum dp_drop_reason r = dp_dest_of(w->snap, k, &act, &nh);

	if (dp_traced(w, m)) {
		dp_trace_note(w, m, DP_TS_FLOW, k->in_port, DP_TFLOW_UNTRACKED, 0, 0);
		trace_dest(w, m, k, act, r, nh);
	}
	if (r == DP_DROP_MAX && check_rules) {
		r = sg_check(w->snap, k, k, act, &eg, &in, &at);
		if (dp_traced(w, m))
			trace_sg(w, m, k, act, r, eg, in);
		if (r != DP_DROP_MAX) {
			dp_drop(w, at, m, r);
			return;
		}
		count_hits(w, eg, in);
	}
	if (r != DP_DROP_MAX)
		stop(w, k, m, r);
	else
		apply(w, k->in_port, act, m);
}

static const struct rte_ether_addr *gw_mac_of(const struct dp_port_snap *p, uint8_t af)
{
	return af == AF_INET ? &p->gw_mac : &p->gw6_mac;
}

/*
 * The reply direction's key, as the replies will arrive, and where they go. The key has the
 * MACs the answering side will use: a local VM answers a routed packet to its own gateway;
 * another host routes its VM's answers itself, so they arrive from the gateway of the
 * originator's subnet. Where replies go is decided like any frame's.
 */
static enum dp_drop_reason reply_of(const struct dp_snap *s, const struct dp_flow_key *k,
				    uint32_t act, struct dp_flow_key *rk, uint32_t *ract)
{
	bool routed = act & DP_ACT_ROUTED;

	*rk = *k;
	memcpy(rk->src, k->dst, 16);
	memcpy(rk->dst, k->src, 16);
	rk->sport = k->dport;
	rk->dport = k->sport;
	if (is_icmp(k->af, k->proto)) {
		rk->sport = k->sport; /* the echo identifier, both ways */
		rk->dport = 0;
		rk->icmp_type = k->af == AF_INET ? RTE_IP_ICMP_ECHO_REPLY : 129;
		rk->icmp_code = 0;
	}
	if (DP_ACT_KIND(act) == DP_ACT_PORT) {
		const struct dp_port_snap *to = &s->ports[DP_ACT_INDEX(act)];

		rk->in_port = (uint16_t)DP_ACT_INDEX(act);
		rk->src_mac = to->mac;
		rk->dst_mac = routed ? *gw_mac_of(to, k->af) : k->src_mac;
	} else {
		if (!s->underlay.present)
			return DP_DROP_NO_UNDERLAY;
		rk->in_port = s->underlay.port_idx;
		/* only a VM of this host has its frames routed to another host */
		rk->src_mac = routed ? *gw_mac_of(&s->ports[k->in_port], k->af) : k->dst_mac;
		rk->dst_mac = k->src_mac;
	}
	return dp_dest_of(s, rk, ract, &(const struct dp_nh *){NULL});
}

/* Release the connection counts taken for a connection that will not be. */
static void uncharge(const uint16_t charged[2])
{
	atomic_fetch_sub_explicit(&dp_ct.count, 1, memory_order_relaxed);
	for (int i = 0; i < 2; i++)
		if (charged[i] != DP_PORT_NONE)
			atomic_fetch_sub_explicit(&dp_ct.port_count[charged[i]], 1,
						  memory_order_relaxed);
}

/* Count a new connection against the table and each local VM end's limit. */
static enum dp_drop_reason charge(const struct dp_snap *s, const struct dp_flow_key *k,
				  uint32_t act, uint16_t charged[2])
{
	uint16_t ends[2] = {k->in_port,
			    DP_ACT_KIND(act) == DP_ACT_PORT ? (uint16_t)DP_ACT_INDEX(act)
							    : DP_PORT_NONE};

	charged[0] = charged[1] = DP_PORT_NONE;
	if (atomic_fetch_add_explicit(&dp_ct.count, 1, memory_order_relaxed) >= dp_ct.max) {
		uncharge(charged);
		return DP_DROP_CT_TABLE_FULL;
	}
	for (int i = 0; i < 2; i++) {
		const struct dp_port_snap *p;
		uint32_t lim;

		if (ends[i] == DP_PORT_NONE)
			continue;
		p = &s->ports[ends[i]];
		if (p->role != DP_ROLE_VM)
			continue;
		lim = p->ct_max != 0 ? p->ct_max : dp_ct.port_max;
		if (atomic_fetch_add_explicit(&dp_ct.port_count[ends[i]], 1,
					      memory_order_relaxed) >= lim) {
			atomic_fetch_sub_explicit(&dp_ct.port_count[ends[i]], 1,
						  memory_order_relaxed);
			uncharge(charged);
			return DP_DROP_CT_PORT_LIMIT;
		}
		charged[i] = ends[i];
	}
	return DP_DROP_MAX;
}

/* A slot whose keys could not both go in: aging takes the one that did, and the count. */
static void mark_broken(struct dp_ct_slot *o, const uint16_t charged[2])
{
	o->partner = UINT32_MAX;
	o->charged[0] = charged[0];
	o->charged[1] = charged[1];
	atomic_store_explicit(&o->flags, DP_CT_USED | DP_CT_DEAD, memory_order_release);
}

static void hit(struct dp_worker *w, const struct dp_flow_key *k, int32_t pos, uint8_t kind,
		uint8_t flags, struct rte_mbuf *m);

/* The port a revoked connection's drops count against: the VM whose connection it was on
 * this host (the sender, or for a packet from the underlay the local receiver). */
static uint16_t local_end(const struct dp_snap *s, const struct dp_flow_key *k, uint64_t act)
{
	if (s->ports[k->in_port].role == DP_ROLE_VM || DP_ACT_KIND(act) != DP_ACT_PORT)
		return k->in_port;
	return (uint16_t)DP_ACT_INDEX(act);
}

/* Would a new connection fit? The limits charge() enforces, read only: a trace creates
 * nothing. */
static enum dp_drop_reason ct_would_fit(const struct dp_snap *s, const struct dp_flow_key *k,
					uint32_t act, const struct dp_flow_key *rk)
{
	uint16_t ends[2] = {k->in_port,
			    DP_ACT_KIND(act) == DP_ACT_PORT ? (uint16_t)DP_ACT_INDEX(act)
							    : DP_PORT_NONE};

	if (atomic_load_explicit(&dp_ct.count, memory_order_relaxed) >= dp_ct.max)
		return DP_DROP_CT_TABLE_FULL;
	for (int i = 0; i < 2; i++) {
		const struct dp_port_snap *p;

		if (ends[i] == DP_PORT_NONE || (p = &s->ports[ends[i]])->role != DP_ROLE_VM)
			continue;
		if (atomic_load_explicit(&dp_ct.port_count[ends[i]], memory_order_relaxed) >=
		    (p->ct_max != 0 ? p->ct_max : dp_ct.port_max))
			return DP_DROP_CT_PORT_LIMIT;
	}
	return rte_hash_lookup(dp_ct.h, rk) >= 0 ? DP_DROP_CT_INVALID : DP_DROP_MAX;
}

/* The first packet of a connection: walk the tables and the rules, insert both keys. */
static void track_new(struct dp_worker *w, const struct dp_flow_key *k, uint8_t flags,
		      struct rte_mbuf *m)
{
	const struct dp_snap *s = w->snap;
	struct dp_flow_key rk, k2;
	const struct dp_flow_key *kin = k; /* as the receiving end sees it */
	const struct dp_lb_listener *lb = NULL;
	uint32_t act = 0, ract = 0, eg, in;
	uint16_t charged[2], at;
	struct dp_ct_slot *o, *rs;
	int32_t pos, rpos;
	enum dp_drop_reason r;
	const struct dp_nh *nh = NULL;
	bool traced = dp_traced(w, m);
	uint8_t nat = 0;

	/* an earlier packet of this burst may have opened it */
	pos = rte_hash_lookup(dp_ct.h, k);
	if (pos >= 0) {
		hit(w, k, pos, FP_TRACK, flags, m);
		return;
	}
	if (s->ports[k->in_port].role == DP_ROLE_VM)
		lb = dp_lb_find(s, k);
	if (lb != NULL) {
		const struct dp_lb_backend *b = dp_aff_pick(s, lb, k, w->now, !w->dry);

		r = b == NULL ? DP_DROP_LB_NO_BACKEND
			      : dp_lb_decide(s, k, b, &k2, &act, &rk, &ract, &nh);
		kin = &k2;
		nat = DP_CT_NAT;
	} else {
		r = dp_dest_of(s, k, &act, &nh);
	}
	if (traced) {
		dp_trace_note(w, m, DP_TS_FLOW, k->in_port, DP_TFLOW_NEW, 0, 0);
		trace_dest(w, m, k, act, r, nh);
	}
	if (r == DP_DROP_MAX && k->proto == IPPROTO_TCP && !ct_tcp_opens(flags))
		r = DP_DROP_CT_INVALID;
	if (r == DP_DROP_MAX && lb == NULL)
		r = reply_of(s, k, act, &rk, &ract);
	if (r != DP_DROP_MAX) {
		stop(w, k, m, r);
		return;
	}
	/* a probe that dies at the gateway (traceroute) opens no connection */
	if ((act & DP_ACT_ROUTED) &&
	    !(DP_ACT_KIND(act) == DP_ACT_REMOTE && s->remotes[DP_ACT_INDEX(act)].tunnel_only) &&
	    dp_route_ttl_expired(m)) {
		apply(w, k->in_port, act, m);
		return;
	}
	r = sg_check(s, k, kin, act, &eg, &in, &at);
	if (traced)
		trace_sg(w, m, k, act, r, eg, in);
	if (r != DP_DROP_MAX) {
		dp_drop(w, at, m, r);
		return;
	}
	if (w->dry) {
		r = ct_would_fit(s, k, act, &rk);
		if (r != DP_DROP_MAX) {
			dp_drop(w, k->in_port, m, r);
			return;
		}
		if (traced)
			dp_trace_note(w, m, DP_TS_CONNTRACK, k->in_port, 0, 0, 0);
		forward(w, k->in_port, act, m, nat ? &rk : NULL);
		return;
	}
	r = charge(s, k, act, charged);
	if (r != DP_DROP_MAX) {
		dp_drop(w, k->in_port, m, r);
		return;
	}
	/* the reply key belongs to another connection (both ends opened the same tuple) */
	if (rte_hash_lookup(dp_ct.h, &rk) >= 0) {
		uncharge(charged);
		dp_drop(w, k->in_port, m, DP_DROP_CT_INVALID);
		return;
	}
	pos = rte_hash_add_key(dp_ct.h, k);
	if (pos < 0) {
		uncharge(charged);
		dp_drop(w, k->in_port, m, DP_DROP_CT_TABLE_FULL);
		return;
	}
	o = &dp_ct.slots[pos];
	if (atomic_load_explicit(&o->flags, memory_order_acquire) & DP_CT_USED) {
		/* another worker opened it meanwhile */
		uncharge(charged);
		hit(w, k, pos, FP_TRACK, flags, m);
		return;
	}
	rpos = rte_hash_add_key(dp_ct.h, &rk);
	if (rpos < 0 || (atomic_load_explicit(&dp_ct.slots[rpos].flags, memory_order_acquire) &
			 DP_CT_USED)) {
		mark_broken(o, charged);
		dp_drop(w, k->in_port, m, rpos < 0 ? DP_DROP_CT_TABLE_FULL : DP_DROP_CT_INVALID);
		return;
	}
	rs = &dp_ct.slots[rpos];
	rs->partner = (uint32_t)pos;
	rs->proto = k->proto;
	rs->pkts = rs->bytes = 0;
	atomic_store_explicit(&rs->act, DP_ACT_MAKE(s->flow_gen, 0, 0) | ract,
			      memory_order_relaxed);
	atomic_store_explicit(&rs->last_seen, w->now, memory_order_relaxed);
	o->partner = (uint32_t)rpos;
	o->proto = k->proto;
	o->rule_egress = eg;
	o->rule_ingress = in;
	o->charged[0] = charged[0];
	o->charged[1] = charged[1];
	o->created = w->now;
	o->pkts = 1;
	o->bytes = rte_pktmbuf_pkt_len(m);
	atomic_store_explicit(&o->state, (uint8_t)ct_initial_state(k->proto), memory_order_relaxed);
	atomic_store_explicit(&o->act, DP_ACT_MAKE(s->flow_gen, 0, 0) | act, memory_order_relaxed);
	atomic_store_explicit(&o->last_seen, w->now, memory_order_relaxed);
	/* release: a worker that sees USED sees every field above */
	rs->peer = o->peer = NULL;
	if (nat) {
		/* both keys were just added by this worker: only aging deletes, so both are there
		 * (were one not, its packets would be dropped as invalid until it aged out) */
		void *kp = NULL, *rkp = NULL;

		rte_hash_get_key_with_position(dp_ct.h, pos, &kp);
		rte_hash_get_key_with_position(dp_ct.h, rpos, &rkp);
		rs->peer = kp;
		o->peer = rkp;
	}
	atomic_store_explicit(&rs->flags, DP_CT_USED | DP_CT_REPLY | nat, memory_order_release);
	atomic_store_explicit(&o->flags, DP_CT_USED | nat, memory_order_release);
	w->ct_created++;
	count_hits(w, eg, in);
	if (traced)
		dp_trace_note(w, m, DP_TS_CONNTRACK, k->in_port, 1, (uint32_t)pos, 0);
	forward(w, k->in_port, act, m, nat ? &rk : NULL);
}

/*
 * The configuration changed since this connection's actions were cached: decide it again
 * from its originator's key, as if it were new (without the TCP opening rule and the
 * limits it already passed), and cache both directions' actions for this configuration.
 * DP_DROP_MAX: still allowed, *act is the action for the direction of slot. A trace (w->dry)
 * decides the same and caches nothing.
 */
static enum dp_drop_reason revalidate(struct dp_worker *w, struct dp_ct_slot *slot,
				      uint64_t *act_out, const struct rte_mbuf *m)
{
	const struct dp_snap *s = w->snap;
	bool reply = atomic_load_explicit(&slot->flags, memory_order_relaxed) & DP_CT_REPLY;
	uint32_t opos = reply ? slot->partner : (uint32_t)(slot - dp_ct.slots);
	struct dp_ct_slot *o = &dp_ct.slots[opos];
	const struct dp_flow_key *okp, *rkp, *kin;
	struct dp_flow_key rk, k2;
	uint32_t act = 0, ract = 0, eg = 0, in = 0;
	uint16_t at;
	enum dp_drop_reason r;
	const struct dp_port_snap *inp;
	const struct dp_nh *nh = NULL;
	uint8_t dead = DP_CT_DEAD;

	w->ct_revalidated++;
	if (o->partner == UINT32_MAX ||
	    rte_hash_get_key_with_position(dp_ct.h, (int32_t)opos, (void **)&okp) < 0 ||
	    rte_hash_get_key_with_position(dp_ct.h, (int32_t)o->partner, (void **)&rkp) < 0)
		return DP_DROP_CT_INVALID;
	inp = &s->ports[okp->in_port];
	r = DP_DROP_SG_REVOKED;
	if (inp->port == NULL || (inp->role == DP_ROLE_VM && inp->vni != okp->vni) ||
	    (inp->role != DP_ROLE_VM && inp->role != DP_ROLE_UNDERLAY))
		goto dead;
	kin = okp;
	if (atomic_load_explicit(&o->flags, memory_order_relaxed) & DP_CT_NAT) {
		/* balanced: it stays on its backend (the reply key's source) while that is one */
		const struct dp_lb_listener *lb = dp_lb_find(s, okp);
		const struct dp_lb_backend *b =
			lb != NULL ? dp_lb_backend_of(s, lb, rkp->src, rkp->sport) : NULL;

		r = b == NULL ? DP_DROP_LB_BACKEND_REMOVED
			      : dp_lb_decide(s, okp, b, &k2, &act, &rk, &ract, &nh);
		if (b == NULL)
			dead |= DP_CT_GONE | (lb == NULL || !lb->removed_drop ? DP_CT_RESET : 0);
		kin = &k2;
	} else {
		r = dp_dest_of(s, okp, &act, &nh);
		if (r == DP_DROP_MAX)
			r = reply_of(s, okp, act, &rk, &ract);
	}
	if (dp_traced(w, m)) {
		dp_trace_note(w, m, DP_TS_FLOW, okp->in_port, DP_TFLOW_REVALIDATED, opos, 0);
		trace_dest(w, m, okp, act, r, nh);
	}
	/* replies would now come in elsewhere (a VM moved): the reply key no longer fits */
	if (r == DP_DROP_MAX && memcmp(&rk, rkp, sizeof(rk)) != 0)
		r = DP_DROP_CT_INVALID;
	if (r == DP_DROP_MAX) {
		r = sg_check(s, okp, kin, act, &eg, &in, &at);
		if (dp_traced(w, m))
			trace_sg(w, m, okp, act, r, eg, in);
	}
	if (r != DP_DROP_MAX)
		goto dead;
	*act_out = reply ? ract : act;
	if (w->dry)
		return DP_DROP_MAX;
	o->rule_egress = eg;
	o->rule_ingress = in;
	atomic_store_explicit(&o->act, DP_ACT_MAKE(s->flow_gen, 0, 0) | act,
			      memory_order_relaxed);
	atomic_store_explicit(&dp_ct.slots[o->partner].act, DP_ACT_MAKE(s->flow_gen, 0, 0) | ract,
			      memory_order_relaxed);
	return DP_DROP_MAX;
dead:
	if (!w->dry)
		atomic_fetch_or_explicit(&o->flags, dead, memory_order_relaxed);
	return r == DP_DROP_SG_EGRESS || r == DP_DROP_SG_INGRESS ? DP_DROP_SG_REVOKED : r;
}

/* Would the listener now send new connection k (an originator's key) elsewhere than to the
 * backend its old entry had (rk: that entry's reply key, from the backend)? */
static bool lb_moved(const struct dp_snap *s, const struct dp_flow_key *k,
		     const struct dp_flow_key *rk, uint32_t now)
{
	const struct dp_lb_listener *l = dp_lb_find(s, k);
	const struct dp_lb_backend *b;

	if (l == NULL)
		return false; /* not a listener any more: revalidation had its say */
	b = dp_aff_pick(s, l, k, now, false);
	return b == NULL || b->port != rk->sport || memcmp(b->addr, rk->src, 16) != 0;
}

/*
 * A client's new connection on a closed balanced one's tuple (its port reused) goes where
 * the table sends new connections now, not to the old backend, which may be drained, down
 * or removed: the old entry is deleted first and this SYN dropped (the client retries; IPVS
 * does the same). A reopening that lands on the same backend goes on in place. True: m was
 * dropped.
 */
static bool rebalanced(struct dp_worker *w, const struct dp_flow_key *k, uint8_t kind,
		       uint8_t flags, uint8_t fl, const struct dp_ct_slot *slot,
		       struct dp_ct_slot *o, struct rte_mbuf *m)
{
	enum ct_state st;

	if (atomic_load_explicit(&o->flags, memory_order_relaxed) & DP_CT_REBALANCE) {
		dp_drop(w, k->in_port, m, DP_DROP_LB_REUSE_REBALANCED); /* on its way out */
		return true;
	}
	/* every other packet of a balanced connection leaves here: only a client's bare SYN
	 * can open a new connection on the tuple */
	if ((fl & DP_CT_REPLY) || kind == FP_RELATED || k->proto != IPPROTO_TCP ||
	    (flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) != RTE_TCP_SYN_FLAG)
		return false;
	st = (enum ct_state)atomic_load_explicit(&o->state, memory_order_relaxed);
	if (slot->peer == NULL || ct_update(k->proto, &st, CT_ORIG, flags) != CT_REOPEN ||
	    !lb_moved(w->snap, k, slot->peer, w->now))
		return false;
	if (!w->dry && !(atomic_fetch_or_explicit(&o->flags, DP_CT_REBALANCE,
						  memory_order_relaxed) &
			 DP_CT_REBALANCE))
		dp_ct_expire_soon((uint32_t)(o - dp_ct.slots));
	dp_drop(w, k->in_port, m, DP_DROP_LB_REUSE_REBALANCED);
	return true;
}

/* A packet of a connection that was ended: its backend removed (a TCP segment from the
 * client gets a reset, if so configured), or no longer allowed. */
static void ended(struct dp_worker *w, const struct dp_flow_key *k, uint8_t fl,
		  const struct dp_ct_slot *o, uint64_t act, struct rte_mbuf *m)
{
	uint8_t ofl = atomic_load_explicit(&o->flags, memory_order_relaxed);

	if ((ofl & DP_CT_RESET) && !(fl & DP_CT_REPLY) && k->proto == IPPROTO_TCP && !w->dry)
		dp_lb_reset(w, k->in_port, m);
	else if (ofl & DP_CT_GONE || !(ofl & DP_CT_DEAD))
		dp_drop(w, k->in_port, m, DP_DROP_LB_BACKEND_REMOVED);
	else
		dp_drop(w, local_end(w->snap, k, act), m, DP_DROP_SG_REVOKED);
}

/* A packet whose key is in the table at pos. */
static void hit(struct dp_worker *w, const struct dp_flow_key *k, int32_t pos, uint8_t kind,
		uint8_t flags, struct rte_mbuf *m)
{
	struct dp_ct_slot *slot = &dp_ct.slots[pos], *o;
	uint8_t fl = atomic_load_explicit(&slot->flags, memory_order_acquire);
	const struct dp_flow_key *nat_of = NULL;
	struct dp_flow_key kin;
	uint64_t act;
	enum dp_drop_reason r;

	if (!(fl & DP_CT_USED)) {
		/* being opened by another worker this instant: decide alone, touch nothing */
		untracked(w, k, m, true);
		return;
	}
	o = (fl & DP_CT_REPLY) ? &dp_ct.slots[slot->partner] : slot;
	act = atomic_load_explicit(&slot->act, memory_order_relaxed);
	if (dp_traced(w, m))
		dp_trace_note(w, m, DP_TS_FLOW, k->in_port, DP_TFLOW_HIT,
			      (uint32_t)(o - dp_ct.slots),
			      atomic_load_explicit(&o->state, memory_order_relaxed) |
				      (fl & DP_CT_REPLY ? 0x100u : 0) |
				      (kind == FP_RELATED ? 0x200u : 0));
	if (unlikely(fl & DP_CT_NAT) && rebalanced(w, k, kind, flags, fl, slot, o, m))
		return;
	if (atomic_load_explicit(&o->flags, memory_order_relaxed) & DP_CT_DEAD) {
		ended(w, k, fl, o, act, m);
		return;
	}
	if (DP_ACT_GEN(act) != w->snap->flow_gen) {
		r = revalidate(w, slot, &act, m);
		if (r == DP_DROP_LB_BACKEND_REMOVED) {
			ended(w, k, fl, o, act, m);
			return;
		}
		if (r != DP_DROP_MAX) {
			dp_drop(w, r == DP_DROP_SG_REVOKED ? local_end(w->snap, k, act) : k->in_port,
				m, r);
			return;
		}
	} else if (dp_traced(w, m)) {
		trace_dest(w, m, k, (uint32_t)act, DP_DROP_MAX, NULL);
	}
	if (fl & DP_CT_NAT) {
		/* an ICMP error would carry the other side's real address in its quote */
		if (kind == FP_RELATED) {
			dp_drop(w, k->in_port, m, DP_DROP_LB_ICMP_UNTRANSLATED);
			return;
		}
		nat_of = slot->peer;
		if (nat_of == NULL) {
			dp_drop(w, k->in_port, m, DP_DROP_CT_INVALID);
			return;
		}
	}
	if (kind != FP_RELATED) {
		uint8_t st = atomic_load_explicit(&o->state, memory_order_relaxed);
		enum ct_state next = (enum ct_state)st;
		enum ct_dir dir = (fl & DP_CT_REPLY) ? CT_REPLY : CT_ORIG;
		uint32_t eg, in;

		switch (ct_update(k->proto, &next, dir, flags)) {
		case CT_INVALID:
			dp_drop(w, k->in_port, m, DP_DROP_CT_INVALID);
			return;
		case CT_REOPEN:
			/* a new connection on an old tuple: the rules decide afresh (the receiving
			 * end's on the packet as translated) */
			if (nat_of != NULL)
				reverse_key(nat_of, &kin);
			r = sg_check(w->snap, k, nat_of != NULL ? &kin : k, (uint32_t)act, &eg, &in,
				     &(uint16_t){0});
			if (dp_traced(w, m))
				trace_sg(w, m, k, (uint32_t)act, r, eg, in);
			if (r != DP_DROP_MAX) {
				dp_drop(w, k->in_port, m, r);
				return;
			}
			if (!w->dry) {
				o->rule_egress = eg;
				o->rule_ingress = in;
			}
			next = CT_TCP_SYN_SENT;
			break;
		case CT_PASS:
			break;
		}
		if (w->dry) {
			forward(w, k->in_port, act, m, nat_of);
			return;
		}
		/* another worker may have moved it meanwhile: its move stands */
		if ((uint8_t)next != st)
			atomic_compare_exchange_strong_explicit(&o->state, &st, (uint8_t)next,
								memory_order_relaxed,
								memory_order_relaxed);
		if (atomic_load_explicit(&slot->last_seen, memory_order_relaxed) != w->now)
			atomic_store_explicit(&slot->last_seen, w->now, memory_order_relaxed);
	} else if (w->dry) {
		forward(w, k->in_port, act, m, nat_of);
		return;
	}
	slot->pkts++;
	slot->bytes += rte_pktmbuf_pkt_len(m);
	w->ct_hits++;
	forward(w, k->in_port, act, m, nat_of);
}

void dp_flow_burst(struct dp_worker *w, uint16_t in_port, const uint32_t *vnis,
		   struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_flow_key keys[DP_BURST];
	const void *key_ptrs[DP_BURST];
	int32_t pos[DP_BURST];
	hash_sig_t sigs[DP_BURST];
	uint8_t kind[DP_BURST], flags[DP_BURST], lookup_of[DP_BURST];
	uint16_t kept = 0, n_look = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct dp_flow_key *k = &keys[kept];
		enum dp_drop_reason r;

		memset(k, 0, sizeof(*k));
		k->vni = vnis[i];
		k->in_port = in_port;
		r = flow_parse(pkts[i], k, &kind[kept], &flags[kept], true);
		if (r != DP_DROP_MAX) {
			dp_drop(w, in_port, pkts[i], r);
			continue;
		}
		/* a router advertisement or redirect behind extension headers, which port
		 * security's quick look does not see through (RA guard evasion, RFC 7113) */
		if (k->af == AF_INET6 && k->proto == IPPROTO_ICMPV6 &&
		    (k->icmp_type == 134 || k->icmp_type == 137) &&
		    w->snap->ports[in_port].role == DP_ROLE_VM) {
			dp_drop(w, in_port, pkts[i], DP_DROP_RA_FROM_VM);
			continue;
		}
		lookup_of[kept] = UINT8_MAX;
		if (kind[kept] <= FP_RELATED) {
			lookup_of[kept] = (uint8_t)n_look;
			key_ptrs[n_look++] = k;
		}
		pkts[kept++] = pkts[i];
	}
	/* one hash per packet: the table's signature, and the outer UDP source port and IPv6
	 * flow label if the packet is encapsulated (dp_encap reads it from the mbuf) */
	for (uint16_t i = 0; i < kept; i++) {
		hash_sig_t sig = rte_hash_hash(dp_ct.h, &keys[i]);

		pkts[i]->hash.rss = sig;
		if (lookup_of[i] != UINT8_MAX)
			sigs[lookup_of[i]] = sig;
	}
	if (n_look > 0)
		rte_hash_lookup_with_hash_bulk(dp_ct.h, key_ptrs, sigs, n_look, pos);
	for (uint16_t i = 0; i < n_look; i++)
		if (pos[i] >= 0)
			rte_prefetch0(&dp_ct.slots[pos[i]]);
	for (uint16_t i = 0; i < kept; i++) {
		const struct dp_flow_key *k = &keys[i];
		int32_t p = lookup_of[i] != UINT8_MAX ? pos[lookup_of[i]] : -1;

		switch (kind[i]) {
		case FP_TRACK:
			if (p >= 0)
				hit(w, k, p, FP_TRACK, flags[i], pkts[i]);
			else
				track_new(w, k, flags[i], pkts[i]);
			break;
		case FP_REPLY:
			if (p >= 0)
				hit(w, k, p, kind[i], flags[i], pkts[i]);
			else
				untracked(w, k, pkts[i], true);
			break;
		case FP_RELATED:
			if (p >= 0) {
				hit(w, k, p, kind[i], flags[i], pkts[i]);
			} else {
				/* about no connection: checked as the ICMP message it is (the
				 * sender chose the quote, so it must not pick the rule) */
				struct dp_flow_key icmp = {.vni = k->vni, .in_port = k->in_port};
				uint8_t kd, fl;

				flow_parse(pkts[i], &icmp, &kd, &fl, false);
				untracked(w, &icmp, pkts[i], true);
			}
			break;
		case FP_ND:
			untracked(w, k, pkts[i], false);
			break;
		default:
			untracked(w, k, pkts[i], true);
			break;
		}
	}
}
