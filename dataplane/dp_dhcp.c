/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCPv4 and DHCPv6 servers of every VM port: the messages are handled by the pure codec
 * (dhcp/dhcp.h) against the lease the control plane put in the snapshot, and the reply goes
 * straight back out of the port, from its gateway. The reply's Ethernet destination is
 * always the VM's MAC: the port is point to point, so there is nothing to broadcast to.
 */
#include <rte_ip.h>
#include <rte_udp.h>

#include "dhcp.h"

#include "dp_private.h"

#define DHCP4_SERVER_PORT 67
#define DHCP4_CLIENT_PORT 68
#define DHCP6_SERVER_PORT 547
#define DHCP6_CLIENT_PORT 546

/* The UDP payload of m (IP header of hlen bytes in the first segment): NULL if truncated. */
static const uint8_t *udp_payload(const struct rte_mbuf *m, uint32_t hlen, uint32_t ip_payload,
				  uint32_t *len)
{
	const uint32_t off = sizeof(struct rte_ether_hdr) + hlen;
	const struct rte_udp_hdr *u;
	uint32_t ulen;

	if (ip_payload < sizeof(*u) || m->data_len < off + sizeof(*u))
		return NULL;
	u = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, off);
	ulen = rte_be_to_cpu_16(u->dgram_len);
	if (ulen < sizeof(*u) || ulen > ip_payload || m->data_len < off + ulen)
		return NULL;
	*len = ulen - sizeof(*u);
	return (const uint8_t *)(u + 1);
}

/* The reply's UDP header and payload, after an IP header the caller fills (and then the
 * checksum, which covers it). */
static void udp_reply(struct rte_udp_hdr *u, uint16_t sport, uint16_t dport, const uint8_t *reply,
		      size_t rlen)
{
	*u = (struct rte_udp_hdr){
		.src_port = rte_cpu_to_be_16(sport),
		.dst_port = rte_cpu_to_be_16(dport),
		.dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*u) + rlen)),
	};
	memcpy(u + 1, reply, rlen);
}

static void count_verdict(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf *m,
			  enum dhcp_verdict v)
{
	if (v == DHCP_MALFORMED)
		dp_drop(w, in->port->idx, m, DP_DROP_DHCP_MALFORMED);
	else if (v == DHCP_NOT_MINE)
		dp_drop(w, in->port->idx, m, DP_DROP_DHCP_NOT_MINE);
	else
		dp_consume(w, m);
}

void dp_dhcp4_input(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *oip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								 sizeof(struct rte_ether_hdr));
	uint8_t reply[DHCP4_REPLY_MAX];
	struct dhcp4_reply_info info;
	const uint8_t *msg;
	uint32_t hlen = rte_ipv4_hdr_len(oip), tlen = rte_be_to_cpu_16(oip->total_length), len;
	size_t rlen = 0;
	enum dhcp_verdict v;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *u;
	struct rte_mbuf *e;

	if (!in->has_dhcp4) {
		dp_drop(w, in->port->idx, m, DP_DROP_DHCP_NO_LEASE);
		return;
	}
	msg = hlen >= sizeof(*oip) && tlen >= hlen ? udp_payload(m, hlen, tlen - hlen, &len) : NULL;
	if (msg == NULL) {
		dp_drop(w, in->port->idx, m, DP_DROP_DHCP_MALFORMED);
		return;
	}
	v = dhcp4_handle(msg, len, &in->dhcp4, reply, &rlen, &info);
	count_verdict(w, in, m, v);
	if (v != DHCP_REPLY)
		return;
	eth = dp_vm_frame(in, &in->gw_mac, RTE_ETHER_TYPE_IPV4,
			  (uint16_t)(sizeof(*ip) + sizeof(*u) + rlen), &e);
	if (eth == NULL)
		return;
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	u = (struct rte_udp_hdr *)(ip + 1);
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*u) + rlen)),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_UDP,
		.src_addr = in->gw4,
		.dst_addr = info.broadcast ? RTE_BE32(0xffffffff) : info.dst_ip,
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp_reply(u, DHCP4_SERVER_PORT, DHCP4_CLIENT_PORT, reply, rlen);
	u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	dp_tx(w, in->port->idx, e);
}

void dp_dhcp6_input(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *oip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								 sizeof(struct rte_ether_hdr));
	uint8_t reply[DHCP6_REPLY_MAX];
	const uint8_t *msg;
	uint32_t len;
	size_t rlen = 0;
	enum dhcp_verdict v;
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	struct rte_udp_hdr *u;
	struct rte_mbuf *e;

	if (!in->has_dhcp6 || !in->has_gw6) {
		dp_drop(w, in->port->idx, m, DP_DROP_DHCP_NO_LEASE);
		return;
	}
	msg = udp_payload(m, sizeof(*oip), rte_be_to_cpu_16(oip->payload_len), &len);
	if (msg == NULL) {
		dp_drop(w, in->port->idx, m, DP_DROP_DHCP_MALFORMED);
		return;
	}
	v = dhcp6_handle(msg, len, &in->dhcp6, reply, &rlen);
	count_verdict(w, in, m, v); /* m is freed at the end of the burst: oip stays readable */
	if (v != DHCP_REPLY)
		return;
	eth = dp_vm_frame(in, &in->gw6_mac, RTE_ETHER_TYPE_IPV6,
			  (uint16_t)(sizeof(*ip) + sizeof(*u) + rlen), &e);
	if (eth == NULL)
		return;
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	u = (struct rte_udp_hdr *)(ip + 1);
	*ip = (struct rte_ipv6_hdr){
		.vtc_flow = RTE_BE32(6u << 28),
		.payload_len = rte_cpu_to_be_16((uint16_t)(sizeof(*u) + rlen)),
		.proto = IPPROTO_UDP,
		.hop_limits = 64,
	};
	memcpy(ip->src_addr, in->gw6_ll, 16);
	memcpy(ip->dst_addr, oip->src_addr, 16);
	udp_reply(u, DHCP6_SERVER_PORT, DHCP6_CLIENT_PORT, reply, rlen);
	u->dgram_cksum = rte_ipv6_udptcp_cksum(ip, u);
	dp_tx(w, in->port->idx, e);
}
