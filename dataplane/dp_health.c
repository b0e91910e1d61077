/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The health checker's way to the backends it probes and back (dp.h explains the
 * addresses). The translation is stateless, one address each way, so probes take no
 * connection entry and are not filtered by security groups (like the switch's ARP and DHCP
 * answers). What VMs send the checker is rate limited per port: each packet to the
 * checker's tap costs a write system call, and a VM must not buy the worker's time with
 * packets to 169.254.0.1, nor use up other VMs' share. The checker's own packets are not:
 * only the switch's kernel sends them, as many as the configured checks ask for.
 */
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp_nat.h"
#include "dp_private.h"

static bool hc_admit(struct dp_worker *w, uint16_t port)
{
	if (w->hc_second[port] != w->now) {
		w->hc_second[port] = w->now;
		w->hc_pkts[port] = 0;
	}
	if (w->hc_pkts[port] >= DP_HC_PPS)
		return false;
	w->hc_pkts[port]++;
	return true;
}

/* The IPv4 TCP header of m, or NULL: not TCP over IPv4, truncated, or a fragment. */
static struct rte_ipv4_hdr *tcp4_of(struct rte_mbuf *m, struct rte_tcp_hdr **tcp)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	uint32_t ihl;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*ip) ||
	    eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return NULL;
	ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || ip->next_proto_id != IPPROTO_TCP ||
	    rte_pktmbuf_data_len(m) < sizeof(*eth) + ihl + sizeof(struct rte_tcp_hdr) ||
	    dp_ipv4_is_fragment(ip))
		return NULL;
	*tcp = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
	return ip;
}

void dp_health_input_burst(struct dp_worker *w, const struct dp_port_snap *in,
			   struct rte_mbuf **pkts, uint16_t n)
{
	const struct dp_snap *s = w->snap;
	struct dp_counters *c = &w->ports[in->port->idx];
	uint16_t idx = in->port->idx;

	c->rx_pkts += n;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_tcp_hdr *tcp;
		struct rte_ipv4_hdr *ip = tcp4_of(m, &tcp);
		const struct dp_hc_target *t;
		const struct dp_port_snap *ps;
		struct rte_ether_hdr *eth;
		uint32_t dst, slot;

		c->rx_bytes += rte_pktmbuf_pkt_len(m);
		if (ip == NULL || ((dst = rte_be_to_cpu_32(ip->dst_addr)) & 0xffff0000u) != 0xa9fe0000u ||
		    ((dst >> 8) & 0xff) == 0) {
			dp_drop(w, idx, m, DP_DROP_HEALTH_BAD_PACKET);
			continue;
		}
		slot = (((dst >> 8) & 0xff) - 1) * 256 + (dst & 0xff);
		t = slot < DP_HC_SLOTS ? &s->health.targets[slot] : NULL;
		if (t == NULL || !t->used) {
			dp_drop(w, idx, m, DP_DROP_HEALTH_NO_TARGET);
			continue;
		}
		ps = &s->ports[t->port_idx];
		dp_nat4(ip, tcp, IPPROTO_TCP, true, ps->ip4[t->ip_idx], tcp->dst_port);
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		eth->dst_addr = ps->mac;
		eth->src_addr = ps->gw_mac;
		dp_tx(w, t->port_idx, m);
	}
}

bool dp_health_from_vm(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf *m)
{
	const struct dp_snap *s = w->snap;
	struct rte_ether_hdr *eth;
	struct rte_tcp_hdr *tcp;
	struct rte_ipv4_hdr *ip = tcp4_of(m, &tcp);

	if (ip == NULL || ip->dst_addr != rte_cpu_to_be_32(DP_HC_CHECKER_ADDR))
		return false;
	for (uint8_t i = 0; i < in->n_ip4; i++) {
		if (in->hc_slot[i] == 0 || in->ip4[i] != ip->src_addr)
			continue;
		if (!hc_admit(w, in->port->idx)) {
			dp_drop(w, in->port->idx, m, DP_DROP_HEALTH_RATE_LIMITED);
			return true;
		}
		dp_nat4(ip, tcp, IPPROTO_TCP, false,
			rte_cpu_to_be_32(dp_hc_probe_addr((uint16_t)(in->hc_slot[i] - 1))),
			tcp->src_port);
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		eth->dst_addr = s->health.tap_mac;
		eth->src_addr = in->gw_mac;
		dp_tx(w, s->health.tap_idx, m);
		return true;
	}
	return false;
}
