/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The load balancer's dataplane half (dp_lb.h). A connection a VM opens to vip:port of a
 * listener gets a backend from the listener's Maglev table, built on the control thread;
 * the connection entry keeps the packet as sent (to the VIP) as its originator key and the
 * answer as the backend will send it as its reply key, so the translation of either
 * direction is the reverse of the other direction's key and needs no room of its own.
 */
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_tcp.h>

#include "dp_nat.h"
#include "dp_private.h"

struct dp_lb_key {
	uint32_t vni;
	uint8_t af, proto;
	rte_be16_t port;
	uint8_t vip[16];
} __rte_aligned(8);

struct dp_lb_member_key {
	uint32_t listener;
	uint8_t af, pad;
	rte_be16_t port;
	uint8_t addr[16];
} __rte_aligned(8);

static unsigned int addr_len(uint8_t af)
{
	return af == AF_INET ? 4 : 16;
}

const struct dp_lb_listener *dp_lb_find(const struct dp_snap *s, const struct dp_flow_key *k)
{
	struct dp_lb_key lk = {.vni = k->vni, .af = k->af, .proto = k->proto, .port = k->dport};
	struct dp_l2_key gk = {.vni = k->vni, .mac = k->dst_mac};
	void *data, *gw;

	if (s->lb_vips == NULL || (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP))
		return NULL;
	memcpy(lk.vip, k->dst, 16);
	if (rte_hash_lookup_data(s->lb_vips, &lk, &data) < 0)
		return NULL;
	/* sent to be routed (the VIP's neighbour entry is a gateway's MAC), not to a VM */
	if (rte_hash_lookup_data(s->l2, &gk, &gw) < 0 || (uintptr_t)gw != DP_L2_GATEWAY)
		return NULL;
	return &s->lbs[(uintptr_t)data];
}

const struct dp_lb_backend *dp_lb_pick(const struct dp_lb_listener *l, const struct dp_flow_key *k)
{
	/* declared as what rte_hash_crc reads it as: filled bytewise, it may not be a struct
	 * read through a uint64_t pointer (the inlined hash would see stale bytes) */
	uint64_t t[5];
	uint8_t *p = (uint8_t *)t;
	uint32_t h, proto = k->proto;

	if (l->table_size == 0)
		return NULL;
	memcpy(p, k->src, 16);
	memcpy(p + 16, k->dst, 16);
	memcpy(p + 32, &k->sport, 2);
	memcpy(p + 34, &k->dport, 2);
	memcpy(p + 36, &proto, 4);
	h = rte_hash_crc(t, sizeof(t), 0x4c420001);
	return &l->backends[l->table[h % l->table_size]];
}

const struct dp_lb_backend *dp_lb_backend_of(const struct dp_snap *s,
					     const struct dp_lb_listener *l, const uint8_t *addr,
					     rte_be16_t port)
{
	struct dp_lb_member_key mk = {
		.listener = (uint32_t)(l - s->lbs), .af = l->af, .port = port};
	void *data;

	memcpy(mk.addr, addr, addr_len(l->af));
	if (rte_hash_lookup_data(s->lb_members, &mk, &data) < 0)
		return NULL;
	return &l->backends[(uintptr_t)data];
}

static bool in_subnet(const struct dp_lb_backend *b, uint8_t af, const uint8_t *addr)
{
	unsigned int bits = b->plen, i;

	if (bits > addr_len(af) * 8)
		return false;
	for (i = 0; i < bits / 8; i++)
		if (addr[i] != b->subnet[i])
			return false;
	return bits % 8 == 0 || ((addr[i] ^ b->subnet[i]) & (uint8_t)(0xff << (8 - bits % 8))) == 0;
}

static const struct rte_ether_addr *gw_mac(const struct dp_port_snap *p, uint8_t af)
{
	return af == AF_INET ? &p->gw_mac : &p->gw6_mac;
}

enum dp_drop_reason dp_lb_decide(const struct dp_snap *s, const struct dp_flow_key *k,
				 const struct dp_lb_backend *b, struct dp_flow_key *k2,
				 uint32_t *act, struct dp_flow_key *rk, uint32_t *ract,
				 const struct dp_nh **route)
{
	const struct dp_port_snap *client = &s->ports[k->in_port];
	bool hairpin = memcmp(b->addr, k->src, 16) == 0;
	enum dp_drop_reason r;

	*k2 = *k;
	memcpy(k2->dst, b->addr, 16);
	k2->dport = b->port;
	if (hairpin) {
		/* the client is the backend: it must answer the VIP, which is us */
		memcpy(k2->src, k->dst, 16);
		*act = *ract = DP_ACT_ROUTED | DP_ACT_PORT << 24 | k->in_port;
	} else {
		if (in_subnet(b, k->af, k->src)) {
			/* the client's own subnet: delivered as if sent to the backend's MAC (not
			 * routed), as the backend's answer will come, straight to the client's */
			struct dp_nbr_key nk = {.vni = k->vni, .af = k->af};
			void *mac;
			uintptr_t v;

			memcpy(nk.ip, b->addr, 16);
			if (rte_hash_lookup_data(s->nbr, &nk, &mac) < 0)
				return DP_DROP_NO_NEIGHBOR;
			v = (uintptr_t)mac;
			memcpy(k2->dst_mac.addr_bytes, &v, RTE_ETHER_ADDR_LEN);
		}
		r = dp_dest_of(s, k2, act, route);
		if (r != DP_DROP_MAX)
			return r;
	}
	/* the answer, as the backend (or its host, which routes it) will send it */
	*rk = *k2;
	memcpy(rk->src, k2->dst, 16);
	memcpy(rk->dst, k2->src, 16);
	rk->sport = k2->dport;
	rk->dport = k2->sport;
	if (DP_ACT_KIND(*act) == DP_ACT_PORT) {
		const struct dp_port_snap *to = &s->ports[DP_ACT_INDEX(*act)];

		rk->in_port = (uint16_t)DP_ACT_INDEX(*act);
		rk->src_mac = to->mac;
		rk->dst_mac =
			!hairpin && in_subnet(b, k->af, k->src) ? k->src_mac : *gw_mac(to, k->af);
		if (hairpin)
			return DP_DROP_MAX; /* to the VIP: routed back to the client */
	} else {
		const struct dp_remote *rm = &s->remotes[DP_ACT_INDEX(*act)];

		if (!s->underlay.present)
			return DP_DROP_NO_UNDERLAY;
		rk->in_port = s->underlay.port_idx;
		rk->src_mac = in_subnet(b, k->af, k->src) ? rm->mac : *gw_mac(client, k->af);
		rk->dst_mac = k->src_mac;
	}
	return dp_dest_of(s, rk, ract, &(const struct dp_nh *){NULL});
}

void dp_lb_rewrite(struct rte_mbuf *m, const struct dp_flow_key *of)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, m->l2_len);
	uint8_t *l4 = l3 + m->l3_len;
	const rte_be16_t *ports = (const rte_be16_t *)l4;
	rte_be16_t sp, dp;

	/* MACs too: an unrouted delivery goes to the backend's (or the client sees its VIP's) */
	eth->dst_addr = of->src_mac;
	eth->src_addr = of->dst_mac;
	memcpy(&sp, &ports[0], 2);
	memcpy(&dp, &ports[1], 2);
	if (of->af == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
		rte_be32_t src, dst;

		memcpy(&src, of->dst, 4);
		memcpy(&dst, of->src, 4);
		if (ip->dst_addr != dst || dp != of->sport)
			dp_nat4(ip, l4, of->proto, true, dst, of->sport);
		if (ip->src_addr != src || sp != of->dport)
			dp_nat4(ip, l4, of->proto, false, src, of->dport);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;

		if (memcmp(ip->dst_addr, of->src, 16) != 0 || dp != of->sport)
			dp_nat6(ip, l4, of->proto, true, of->src, of->sport);
		if (memcmp(ip->src_addr, of->dst, 16) != 0 || sp != of->dport)
			dp_nat6(ip, l4, of->proto, false, of->dst, of->dport);
	}
}

/* ---- build ---- */

int dp_lb_copy(struct dp_lb_listener *l, const struct dp_lb_conf *c)
{
	memset(l, 0, sizeof(*l));
	if ((c->af != AF_INET && c->af != AF_INET6) || c->n_backends > UINT16_MAX ||
	    (c->table_size > 0 && c->table == NULL))
		return -EINVAL;
	for (uint32_t i = 0; i < c->table_size; i++)
		if (c->table[i] >= c->n_backends)
			return -EINVAL;
	l->vni = c->vni;
	l->af = (uint8_t)c->af;
	l->proto = c->proto;
	l->port = rte_cpu_to_be_16(c->port);
	memcpy(l->vip, c->vip, addr_len(l->af));
	memcpy(l->gw_mac.addr_bytes, c->gw_mac, RTE_ETHER_ADDR_LEN);
	l->removed_drop = c->removed_drop;
	l->affinity_s = c->affinity_s;
	l->n_backends = c->n_backends;
	if (c->n_backends > 0) {
		l->backends =
			rte_zmalloc("dp_lb_backends", c->n_backends * sizeof(*l->backends), 0);
		if (l->backends == NULL)
			return -ENOMEM;
	}
	for (uint32_t i = 0; i < c->n_backends; i++) {
		struct dp_lb_backend *b = &l->backends[i];

		memcpy(b->addr, c->backends[i].addr, addr_len(l->af));
		b->port = rte_cpu_to_be_16(c->backends[i].port);
		memcpy(b->subnet, c->backends[i].subnet, addr_len(l->af));
		b->plen = c->backends[i].subnet_plen;
	}
	if (c->table_size > 0) {
		l->table = rte_malloc("dp_lb_table", c->table_size * sizeof(*l->table), 0);
		if (l->table == NULL)
			return -ENOMEM;
		memcpy(l->table, c->table, c->table_size * sizeof(*l->table));
		l->table_size = c->table_size;
		for (uint32_t i = 0; i < c->table_size; i++)
			l->backends[c->table[i]].usable = true;
	}
	return 0;
}

static struct rte_hash *lb_hash(const char *kind, uint32_t key_len, unsigned int entries,
				unsigned int gen)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = RTE_MAX(entries * 2, 64u),
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
	};

	snprintf(name, sizeof(name), "%s_%u", kind, gen);
	return rte_hash_create(&hp);
}

int dp_lb_fill(struct dp_snap *s, unsigned int gen)
{
	unsigned int n_members = 0;
	int rc;

	if (s->n_lbs == 0)
		return 0;
	for (uint32_t i = 0; i < s->n_lbs; i++)
		n_members += s->lbs[i].n_backends;
	s->lb_vips = lb_hash("dp_lbv", sizeof(struct dp_lb_key), s->n_lbs, gen);
	s->lb_members = lb_hash("dp_lbm", sizeof(struct dp_lb_member_key), n_members, gen);
	if (s->lb_vips == NULL || s->lb_members == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->n_lbs; i++) {
		const struct dp_lb_listener *l = &s->lbs[i];
		struct dp_lb_key k = {
			.vni = l->vni, .af = l->af, .proto = l->proto, .port = l->port};

		memcpy(k.vip, l->vip, 16);
		rc = rte_hash_add_key_data(s->lb_vips, &k, (void *)(uintptr_t)i);
		for (uint32_t j = 0; j < l->n_backends && rc >= 0; j++) {
			struct dp_lb_member_key mk = {
				.listener = i, .af = l->af, .port = l->backends[j].port};

			memcpy(mk.addr, l->backends[j].addr, 16);
			rc = rte_hash_add_key_data(s->lb_members, &mk, (void *)(uintptr_t)j);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

void dp_lb_free(struct dp_snap *s)
{
	rte_hash_free(s->lb_vips);
	rte_hash_free(s->lb_members);
	for (uint32_t i = 0; i < s->n_lbs; i++) {
		rte_free(s->lbs[i].backends);
		rte_free(s->lbs[i].table);
	}
	rte_free(s->lbs);
}

/* ---- a removed backend's connection: reset ---- */

void dp_lb_reset(struct dp_worker *w, uint16_t in_port, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint8_t *l3 = (uint8_t *)eth + m->l2_len;
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(l3 + m->l3_len);
	struct rte_ether_addr gw = eth->dst_addr;
	uint32_t payload, seq = rte_be_to_cpu_32(tcp->sent_seq),
			  ack = rte_be_to_cpu_32(tcp->recv_ack);
	uint8_t fl = tcp->tcp_flags;
	rte_be16_t port = tcp->src_port;
	uint16_t len = (uint16_t)(m->l2_len + m->l3_len + sizeof(*tcp));

	w->ports[in_port].drops[DP_DROP_LB_BACKEND_REMOVED]++;
	if ((fl & RTE_TCP_RST_FLAG) || m->nb_segs > 1 ||
	    (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
	     m->l3_len != sizeof(struct rte_ipv6_hdr))) {
		w->drops[w->n_drops++] = m; /* counted above; nothing to answer */
		return;
	}
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
		rte_be32_t a = ip->src_addr;

		payload = rte_be_to_cpu_16(ip->total_length) - m->l3_len -
			  (uint32_t)((tcp->data_off >> 4) * 4);
		ip->src_addr = ip->dst_addr;
		ip->dst_addr = a;
		ip->time_to_live = 64;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(m->l3_len + sizeof(*tcp)));
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;
		uint8_t a[16];

		payload = rte_be_to_cpu_16(ip->payload_len) - (uint32_t)((tcp->data_off >> 4) * 4);
		memcpy(a, ip->src_addr, 16);
		memcpy(ip->src_addr, ip->dst_addr, 16);
		memcpy(ip->dst_addr, a, 16);
		ip->hop_limits = 64;
		ip->payload_len = rte_cpu_to_be_16(sizeof(*tcp));
	}
	/* RFC 793 "Reset Generation": answer what the segment acknowledged, or acknowledge it */
	tcp->src_port = tcp->dst_port;
	tcp->dst_port = port;
	if (fl & RTE_TCP_ACK_FLAG) {
		tcp->sent_seq = rte_cpu_to_be_32(ack);
		tcp->recv_ack = 0;
		tcp->tcp_flags = RTE_TCP_RST_FLAG;
	} else {
		tcp->sent_seq = 0;
		tcp->recv_ack = rte_cpu_to_be_32(seq + payload + !!(fl & RTE_TCP_SYN_FLAG) +
						 !!(fl & RTE_TCP_FIN_FLAG));
		tcp->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
	tcp->data_off = sizeof(*tcp) / 4 << 4;
	tcp->rx_win = 0;
	tcp->tcp_urp = 0;
	tcp->cksum = 0;
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - len));
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	} else {
		tcp->cksum = rte_ipv6_udptcp_cksum((struct rte_ipv6_hdr *)l3, tcp);
	}
	eth->dst_addr = eth->src_addr;
	eth->src_addr = gw;
	dp_tx(w, in_port, m);
}
