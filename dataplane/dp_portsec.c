/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stage 1 of the VM-port pipeline: parse the Ethernet header and enforce port security.
 * A frame leaves this stage only if its source MAC and source address are the port's own
 * (the flow stage then checks the IP and L4 headers whole), or any address for a virtual
 * appliance. What is for the switch itself goes to the services (dp_svc.c): ARP, neighbour
 * and router solicitations, DHCP; a VM posing as a router or a DHCP server is stopped here.
 */
#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp_private.h"

static bool ip4_allowed(const struct dp_port_snap *in, rte_be32_t ip)
{
	for (int i = 0; i < in->n_ip4; i++)
		if (in->ip4[i] == ip)
			return true;
	return false;
}

static bool ip6_allowed(const struct dp_port_snap *in, const uint8_t *ip)
{
	for (int i = 0; i < in->n_ip6; i++)
		if (memcmp(in->ip6[i], ip, 16) == 0)
			return true;
	return false;
}

/* Returns DP_DROP_MAX when the ARP packet may go on. */
static enum dp_drop_reason check_arp(const struct dp_port_snap *in, const struct rte_mbuf *m)
{
	const struct rte_arp_hdr *a;

	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*a))
		return DP_DROP_ARP_MALFORMED;
	a = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	if (a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || a->arp_hlen != RTE_ETHER_ADDR_LEN ||
	    a->arp_plen != 4)
		return DP_DROP_ARP_MALFORMED;
	if (!rte_is_same_ether_addr(&a->arp_data.arp_sha, &in->mac))
		return DP_DROP_SRC_MAC_SPOOF;
	/* 0.0.0.0: an RFC 5227 probe before the VM claims its address; an appliance asks from
	 * whichever address it is about to send from */
	if (a->arp_data.arp_sip != 0 && !in->forwarding && !ip4_allowed(in, a->arp_data.arp_sip))
		return DP_DROP_SRC_IP_SPOOF;
	return DP_DROP_MAX;
}

/* What an IP frame of a VM is, as far as this stage cares. */
enum ip_class {
	IP_FORWARD,     /* for the flow stage */
	IP_SERVICE,     /* for the switch: DHCP, neighbour or router solicitation */
};

/* The UDP ports of a datagram right after an IP header of hlen bytes, if it is whole in the
 * first segment (the services read it there); else 0. */
static uint32_t udp_ports(const struct rte_mbuf *m, uint32_t hlen)
{
	const struct rte_udp_hdr *u;

	if (m->data_len < sizeof(struct rte_ether_hdr) + hlen + sizeof(*u))
		return 0;
	u = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *,
				    sizeof(struct rte_ether_hdr) + hlen);
	return (uint32_t)rte_be_to_cpu_16(u->src_port) << 16 | rte_be_to_cpu_16(u->dst_port);
}

/* The source address of an IP frame is the port's. Only what reading it takes is checked
 * here: the whole header, the payload and the L4 header are the flow stage's (dp_flow.c),
 * which parses every IP frame, from a VM or out of a tunnel, the same way. A DHCP client
 * has no address yet: 0.0.0.0 is its source until it has one. */
static enum dp_drop_reason check_ipv4(const struct dp_port_snap *in, const struct rte_mbuf *m,
				      enum ip_class *cls)
{
	const struct rte_ipv4_hdr *ip;
	uint32_t ports = 0;

	*cls = IP_FORWARD;
	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr))
		return DP_DROP_IPV4_MALFORMED;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	if (ip->next_proto_id == IPPROTO_UDP && !dp_ipv4_is_fragment(ip))
		ports = udp_ports(m, rte_ipv4_hdr_len(ip));
	if ((ports >> 16) == 67)
		return DP_DROP_DHCP_SERVER_FROM_VM;
	if ((ports & 0xffff) == 67) {
		*cls = IP_SERVICE;
		return ip->src_addr == 0 || ip4_allowed(in, ip->src_addr) ? DP_DROP_MAX
									  : DP_DROP_SRC_IP_SPOOF;
	}
	if (!in->forwarding && !ip4_allowed(in, ip->src_addr))
		return DP_DROP_SRC_IP_SPOOF;
	return DP_DROP_MAX;
}

static bool ip6_link_local(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool ip6_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

/* Router and neighbour discovery and DHCPv6 come from link-local addresses (or none, for
 * duplicate address detection); they are for the switch and never forwarded, so those
 * sources are fine there. A VM may not advertise itself as a router or redirect others. */
static enum dp_drop_reason check_ipv6(const struct dp_port_snap *in, const struct rte_mbuf *m,
				      enum ip_class *cls)
{
	const struct rte_ipv6_hdr *ip;
	const uint32_t l4 = sizeof(struct rte_ether_hdr) + sizeof(*ip);
	bool own_src;

	*cls = IP_FORWARD;
	if (m->data_len < l4)
		return DP_DROP_IPV6_MALFORMED;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
	own_src = ip6_allowed(in, ip->src_addr);
	if (ip->proto == IPPROTO_ICMPV6 && m->data_len > l4) {
		uint8_t type = *rte_pktmbuf_mtod_offset(m, const uint8_t *, l4);

		if (type == 134 || type == 137) /* router advertisement, redirect */
			return DP_DROP_RA_FROM_VM;
		if (type == 133 || type == 135) { /* router, neighbour solicitation */
			*cls = IP_SERVICE;
			return own_src || ip6_link_local(ip->src_addr) || ip6_unspecified(ip->src_addr)
				       ? DP_DROP_MAX
				       : DP_DROP_SRC_IP_SPOOF;
		}
	} else if (ip->proto == IPPROTO_UDP) {
		uint32_t ports = udp_ports(m, sizeof(*ip));

		if ((ports >> 16) == 547)
			return DP_DROP_DHCP_SERVER_FROM_VM;
		if ((ports & 0xffff) == 547) {
			*cls = IP_SERVICE;
			return own_src || ip6_link_local(ip->src_addr) ? DP_DROP_MAX
								       : DP_DROP_SRC_IP_SPOOF;
		}
	}
	/* multicast (MLD reports, mDNS, ...) goes nowhere: counted as such, whatever its source */
	if (ip->dst_addr[0] == 0xff)
		return DP_DROP_FLOOD_BLOCKED;
	if (!own_src && !in->forwarding)
		return DP_DROP_SRC_IP_SPOOF;
	return DP_DROP_MAX;
}

uint16_t dp_portsec_burst(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf **pkts,
			  uint16_t n, struct rte_mbuf **svcs, uint16_t *n_svcs)
{
	uint16_t idx = in->port->idx, kept = 0;

	*n_svcs = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth;
		enum ip_class cls = IP_FORWARD;
		enum dp_drop_reason r;

		if (m->data_len < sizeof(*eth)) {
			dp_drop(w, idx, m, DP_DROP_RUNT);
			continue;
		}
		eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (!rte_is_same_ether_addr(&eth->src_addr, &in->mac)) {
			dp_drop(w, idx, m, DP_DROP_SRC_MAC_SPOOF);
			continue;
		}
		switch (eth->ether_type) {
		case RTE_BE16(RTE_ETHER_TYPE_ARP):
			r = check_arp(in, m);
			cls = IP_SERVICE;
			break;
		case RTE_BE16(RTE_ETHER_TYPE_IPV4):
			r = check_ipv4(in, m, &cls);
			break;
		case RTE_BE16(RTE_ETHER_TYPE_IPV6):
			r = check_ipv6(in, m, &cls);
			break;
		case RTE_BE16(RTE_ETHER_TYPE_VLAN):
		case RTE_BE16(RTE_ETHER_TYPE_QINQ):
			r = DP_DROP_VLAN_TAGGED;
			break;
		default:
			r = DP_DROP_ETHERTYPE;
			break;
		}
		if (r != DP_DROP_MAX) {
			dp_drop(w, idx, m, r);
			continue;
		}
		if (dp_traced(w, m))
			dp_trace_note(w, m, DP_TS_PORT_SECURITY, idx, 0, 0, 0);
		if (cls == IP_SERVICE)
			svcs[(*n_svcs)++] = m;
		else
			pkts[kept++] = m;
	}
	return kept;
}
