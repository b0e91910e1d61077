/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the VM-port pipeline (dp_portsec.c, dp_arp.c, dp_vm_input.c, dp_flow.c through
 * dp_vm_input_burst) on real mbufs: delivery by destination MAC, isolation of two VPCs that
 * use the same MACs and IPs, port security, the ARP responder's replies byte by byte, and
 * the exact drop reason of every frame the switch refuses. EAL runs without hugepages or PCI;
 * the test is its own (only) worker, so no lcore is launched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dp.h"
#include "dp_private.h"
#include "dp_fixture.h"
#include "pkt_fixture.h"

#define N_MBUFS 511

/*
 * Two VPCs with the same addresses, so any leak between them is visible:
 *   VPC A, vni 100: a1 02:..:11 10.0.0.11 fd00::11 | a2 02:..:12 10.0.0.12 fd00::12
 *                   gateway 10.0.0.1 at 02:..:01
 *   VPC B, vni 200: b1 02:..:11 10.0.0.11 | b2 02:..:12 10.0.0.12 | b3 02:..:13 10.0.0.13
 *                   gateway 10.0.0.1 at 02:..:02
 */
#define MAC_1 "02:00:00:00:00:11"
#define MAC_2 "02:00:00:00:00:12"
#define MAC_3 "02:00:00:00:00:13"
#define GW_A  "02:00:00:00:00:01"
#define GW_B  "02:00:00:00:00:02"
#define BCAST "ff:ff:ff:ff:ff:ff"

enum { A1, A2, B1, B2, B3, N_PORTS };

static struct dp_port *ports[N_PORTS];
static uint16_t idx[N_PORTS];
static struct dp_worker *w;
static const struct dp_snap *snap;

static void add_port(struct dp_build *b, int i, uint32_t vni, const char *mac, const char *v4,
		     const char *v6)
{
	struct dp_port_conf pc;

	dp_fixture_port_conf(&pc, ports[i], vni, mac, v4, v6);
	assert_int_equal(dp_build_port(b, &pc), 0);
}

/* A VM of VPC A on another host; VPC B has nothing at that MAC or address. */
#define REMOTE_A "02:00:00:00:00:21"

static int group_setup(void **state)
{
	static const char *const names[N_PORTS] = {"a1", "a2", "b1", "b2", "b3"};
	struct dp_build *b;

	(void)state;
	w = dp_fixture_start("ut_dp_pipeline", N_MBUFS, NULL);
	dp_fixture_ports(ports, idx, names, N_PORTS);
	b = dp_fixture_begin();
	add_port(b, A1, 100, MAC_1, "10.0.0.11", "fd00::11");
	add_port(b, A2, 100, MAC_2, "10.0.0.12", "fd00::12");
	add_port(b, B1, 200, MAC_1, "10.0.0.11", NULL);
	add_port(b, B2, 200, MAC_2, "10.0.0.12", NULL);
	add_port(b, B3, 200, MAC_3, "10.0.0.13", NULL);
	dp_fixture_gateway(b, 100, "10.0.0.1", GW_A);
	dp_fixture_gateway(b, 200, "10.0.0.1", GW_B);
	dp_fixture_remote(b, 100, REMOTE_A, "10.0.0.21", "192.0.2.2", NULL);
	snap = dp_fixture_commit(b);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	dp_fixture_stop(w);
	return 0;
}

/* ---- helpers ---- */

static void run(int in, struct rte_mbuf **pkts, uint16_t n)
{
	dp_vm_input_burst(w, &snap->ports[idx[in]], pkts, n);
}

static void run1(int in, struct rte_mbuf *m)
{
	run(in, &m, 1);
}

static uint64_t drops_of(int port)
{
	uint64_t sum = 0;

	for (int r = 0; r < DP_DROP_MAX; r++)
		sum += w->ports[idx[port]].drops[r];
	return sum;
}

/* Port `in` dropped exactly n packets, all for reason r. */
static void assert_only_drops(int in, enum dp_drop_reason r, uint64_t n)
{
	for (int i = 0; i < DP_DROP_MAX; i++)
		if (w->ports[idx[in]].drops[i] != (i == (int)r ? n : 0))
			fail_msg("port %d: %s = %" PRIu64 ", want %" PRIu64, in,
				 dp_drop_name((enum dp_drop_reason)i), w->ports[idx[in]].drops[i],
				 i == (int)r ? n : 0);
}

static uint16_t tx_total(void)
{
	uint16_t sum = 0;

	for (int i = 0; i < N_PORTS; i++)
		sum += w->tx[idx[i]].n;
	return sum;
}

/* The frame m was dropped by port `in` for reason r, and went nowhere else. */
static void assert_dropped(int in, struct rte_mbuf *m, enum dp_drop_reason r)
{
	assert_only_drops(in, r, 1);
	assert_int_equal(tx_total(), 0);
	assert_int_equal(w->n_drops, 1);
	assert_ptr_equal(w->drops[0], m);
}

/* The frame m was sent to port `out` alone, and nothing was dropped. */
static void assert_sent_only_to(int in, int out, struct rte_mbuf *m)
{
	assert_int_equal(drops_of(in), 0);
	assert_int_equal(w->n_drops, 0);
	assert_int_equal(tx_total(), 1);
	assert_int_equal(w->tx[idx[out]].n, 1);
	assert_ptr_equal(w->tx[idx[out]].pkts[0], m);
}

static const struct rte_arp_hdr *arp_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
}

/* m is the reply to `asker` (mac, ip) saying target_ip is at target_mac. */
static void assert_arp_reply(struct rte_mbuf *m, const char *asker_mac, const char *asker_ip,
			     const char *target_mac, const char *target_ip)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_arp_hdr *a = arp_of(m);

	assert_eth(m, target_mac, asker_mac);
	assert_int_equal(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_ARP));
	assert_int_equal(a->arp_hardware, RTE_BE16(RTE_ARP_HRD_ETHER));
	assert_int_equal(a->arp_protocol, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	assert_int_equal(a->arp_opcode, RTE_BE16(RTE_ARP_OP_REPLY));
	assert_mac(&a->arp_data.arp_sha, target_mac);
	assert_int_equal(a->arp_data.arp_sip, pkt_ip4(target_ip));
	assert_mac(&a->arp_data.arp_tha, asker_mac);
	assert_int_equal(a->arp_data.arp_tip, pkt_ip4(asker_ip));
	assert_int_equal(rte_pktmbuf_pkt_len(m),
			 sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr));
}

/* ---- drop reasons table ---- */

static void drop_reasons_have_distinct_names_and_texts(void **state)
{
	(void)state;
	for (int i = 0; i < DP_DROP_MAX; i++) {
		assert_non_null(dp_drop_name((enum dp_drop_reason)i));
		assert_string_not_equal(dp_drop_name((enum dp_drop_reason)i), "?");
		assert_string_not_equal(dp_drop_text((enum dp_drop_reason)i), "?");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(dp_drop_name((enum dp_drop_reason)i),
						dp_drop_name((enum dp_drop_reason)j));
	}
	assert_string_equal(dp_drop_name(DP_DROP_MAX), "?");
	assert_string_equal(dp_drop_text(DP_DROP_MAX), "?");
	assert_string_equal(dp_drop_name(DP_DROP_HAIRPIN), "hairpin");
}

/* ---- malformed frames ---- */

static void runt_frame_is_dropped(void **state)
{
	struct rte_mbuf *m = pkt_runt(13), *z = pkt_runt(0);
	struct rte_mbuf *pkts[2] = {m, z};

	(void)state;
	run(A1, pkts, 2);
	assert_only_drops(A1, DP_DROP_RUNT, 2);
	assert_int_equal(tx_total(), 0);
	assert_int_equal(w->ports[idx[A1]].rx_pkts, 2);
	assert_int_equal(w->ports[idx[A1]].rx_bytes, 13);
}

static void vlan_tagged_frame_is_dropped(void **state)
{
	struct rte_mbuf *pkts[2] = {pkt_eth_raw(MAC_1, MAC_2, RTE_ETHER_TYPE_VLAN, 46),
				    pkt_eth_raw(MAC_1, MAC_2, RTE_ETHER_TYPE_QINQ, 46)};

	(void)state;
	run(A1, pkts, 2);
	assert_only_drops(A1, DP_DROP_VLAN_TAGGED, 2);
	assert_int_equal(tx_total(), 0);
}

static void unknown_ethertype_is_dropped(void **state)
{
	struct rte_mbuf *m = pkt_eth_raw(MAC_1, MAC_2, 0x88cc /* LLDP */, 46);

	(void)state;
	run1(A1, m);
	assert_dropped(A1, m, DP_DROP_ETHERTYPE);
}

static void ipv4_total_length_beyond_frame_is_malformed(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv4(MAC_1, MAC_2, "10.0.0.11", "10.0.0.12");
	struct rte_ipv4_hdr *ip = pkt_l3(m);

	(void)state;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + 9); /* one byte more than there is */
	run1(A1, m);
	assert_dropped(A1, m, DP_DROP_IPV4_MALFORMED);
}

static void ipv4_bad_ihl_is_malformed(void **state)
{
	struct rte_mbuf *shortihl = pkt_eth_ipv4(MAC_1, MAC_2, "10.0.0.11", "10.0.0.12");
	struct rte_mbuf *longihl = pkt_eth_ipv4(MAC_1, MAC_2, "10.0.0.11", "10.0.0.12");
	struct rte_mbuf *pkts[2] = {shortihl, longihl};
	struct rte_ipv4_hdr *ip;

	(void)state;
	ip = pkt_l3(shortihl);
	ip->version_ihl = 0x44; /* 16-byte header */
	ip = pkt_l3(longihl);
	ip->version_ihl = 0x4f; /* 60-byte header in a 28-byte packet */
	run(A1, pkts, 2);
	assert_only_drops(A1, DP_DROP_IPV4_MALFORMED, 2);
	assert_int_equal(tx_total(), 0);
}

static void ipv4_wrong_version_or_short_header_is_malformed(void **state)
{
	struct rte_mbuf *v6 = pkt_eth_ipv4(MAC_1, MAC_2, "10.0.0.11", "10.0.0.12");
	struct rte_mbuf *cut = pkt_eth_raw(MAC_1, MAC_2, RTE_ETHER_TYPE_IPV4, 19);
	struct rte_mbuf *pkts[2] = {v6, cut};
	struct rte_ipv4_hdr *ip = pkt_l3(v6);

	(void)state;
	ip->version_ihl = 0x65;
	run(A1, pkts, 2);
	assert_only_drops(A1, DP_DROP_IPV4_MALFORMED, 2);
	assert_int_equal(tx_total(), 0);
}

static void ipv6_truncated_payload_is_malformed(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv6(MAC_1, MAC_2, "fd00::11", "fd00::12");
	struct rte_mbuf *cut = pkt_eth_raw(MAC_1, MAC_2, RTE_ETHER_TYPE_IPV6, 39);
	struct rte_mbuf *pkts[2] = {m, cut};
	struct rte_ipv6_hdr *ip = pkt_l3(m);

	(void)state;
	ip->payload_len = rte_cpu_to_be_16(9);
	run(A1, pkts, 2);
	assert_only_drops(A1, DP_DROP_IPV6_MALFORMED, 2);
	assert_int_equal(tx_total(), 0);
}

static void arp_truncated_or_not_ethernet_ipv4_is_malformed(void **state)
{
	struct rte_mbuf *cut = pkt_eth_raw(MAC_1, BCAST, RTE_ETHER_TYPE_ARP, 27);
	struct rte_mbuf *hw = pkt_arp_request(MAC_1, "10.0.0.11", "10.0.0.12");
	struct rte_mbuf *plen = pkt_arp_request(MAC_1, "10.0.0.11", "10.0.0.12");
	struct rte_mbuf *pkts[3] = {cut, hw, plen};
	struct rte_arp_hdr *a;

	(void)state;
	a = pkt_l3(hw);
	a->arp_hardware = RTE_BE16(6); /* IEEE 802 */
	a = pkt_l3(plen);
	a->arp_plen = 16;
	run(A1, pkts, 3);
	assert_only_drops(A1, DP_DROP_ARP_MALFORMED, 3);
	assert_int_equal(tx_total(), 0);
}

/* ---- port security ---- */

static void source_mac_spoof_is_dropped(void **state)
{
	struct rte_mbuf *ip = pkt_eth_ipv4(MAC_2, MAC_3, "10.0.0.11", "10.0.0.13");
	struct rte_mbuf *arp = pkt_arp_request(MAC_2, "10.0.0.11", "10.0.0.1");
	struct rte_mbuf *pkts[2] = {ip, arp};

	(void)state;
	run(A1, pkts, 2);
	assert_only_drops(A1, DP_DROP_SRC_MAC_SPOOF, 2);
	assert_int_equal(tx_total(), 0);
}

static void arp_sender_mac_spoof_is_dropped(void **state)
{
	struct rte_mbuf *m = pkt_build(&(struct pkt_spec){.src = MAC_1,
							  .l3 = PKT_L3_ARP,
							  .sha = MAC_2,
							  .sip = "10.0.0.11",
							  .dip = "10.0.0.1"});

	(void)state;
	run1(A1, m);
	assert_dropped(A1, m, DP_DROP_SRC_MAC_SPOOF);
}

static void ipv4_source_spoof_is_dropped(void **state)
{
	/* 10.0.0.12 is a2's, and 10.0.0.13 is an address of the other VPC only */
	struct rte_mbuf *pkts[2] = {pkt_eth_ipv4(MAC_1, MAC_2, "10.0.0.12", "10.0.0.12"),
				    pkt_eth_ipv4(MAC_1, MAC_2, "10.0.0.13", "10.0.0.12")};

	(void)state;
	run(A1, pkts, 2);
	assert_only_drops(A1, DP_DROP_SRC_IP_SPOOF, 2);
	assert_int_equal(tx_total(), 0);
}

static void arp_sender_ip_spoof_is_dropped(void **state)
{
	struct rte_mbuf *m = pkt_arp_request(MAC_1, "10.0.0.12", "10.0.0.1");

	(void)state;
	run1(A1, m);
	assert_dropped(A1, m, DP_DROP_SRC_IP_SPOOF);
}

static void ipv6_source_spoof_is_dropped(void **state)
{
	struct rte_mbuf *pkts[2] = {pkt_eth_ipv6(MAC_1, MAC_2, "fd00::12", "fd00::12"),
				    pkt_eth_ipv6(MAC_1, MAC_2, "fe80::11", "fd00::12")};

	(void)state;
	run(A1, pkts, 2);
	assert_only_drops(A1, DP_DROP_SRC_IP_SPOOF, 2);
	assert_int_equal(tx_total(), 0);
}

/* b1 has no IPv6 address at all: any IPv6 source is a spoof. */
static void ipv6_from_port_without_ipv6_is_dropped(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv6(MAC_1, MAC_2, "fd00::11", "fd00::12");

	(void)state;
	run1(B1, m);
	assert_dropped(B1, m, DP_DROP_SRC_IP_SPOOF);
}

/* ---- ARP responder ---- */

static void arp_reply_from_vm_is_dropped(void **state)
{
	struct rte_mbuf *m = pkt_build(&(struct pkt_spec){.src = MAC_1,
							  .dst = MAC_2,
							  .l3 = PKT_L3_ARP,
							  .sip = "10.0.0.11",
							  .dip = "10.0.0.12",
							  .arp_op = RTE_ARP_OP_REPLY});

	(void)state;
	run1(A1, m);
	assert_dropped(A1, m, DP_DROP_ARP_NOT_REQUEST);
}

static void arp_for_unknown_ip_is_dropped(void **state)
{
	/* 10.0.0.13 exists, but in the other VPC */
	struct rte_mbuf *pkts[2] = {pkt_arp_request(MAC_1, "10.0.0.11", "10.0.0.13"),
				    pkt_arp_request(MAC_1, "10.0.0.11", "10.9.9.9")};

	(void)state;
	run(A1, pkts, 2);
	assert_only_drops(A1, DP_DROP_ARP_UNKNOWN_TARGET, 2);
	assert_int_equal(tx_total(), 0);
}

static void arp_for_own_ip_is_dropped(void **state)
{
	struct rte_mbuf *m = pkt_arp_request(MAC_1, "10.0.0.11", "10.0.0.11");

	(void)state;
	run1(A1, m);
	assert_dropped(A1, m, DP_DROP_ARP_OWN_ADDRESS);
}

static void arp_for_gateway_is_answered_with_its_mac(void **state)
{
	struct rte_mbuf *a = pkt_arp_request(MAC_1, "10.0.0.11", "10.0.0.1");
	struct rte_mbuf *b = pkt_arp_request(MAC_1, "10.0.0.11", "10.0.0.1");

	(void)state;
	run1(A1, a);
	assert_sent_only_to(A1, A1, a);
	assert_arp_reply(a, MAC_1, "10.0.0.11", GW_A, "10.0.0.1");
	/* the same question in the other VPC gets that VPC's gateway */
	run1(B1, b);
	assert_int_equal(w->tx[idx[B1]].n, 1);
	assert_ptr_equal(w->tx[idx[B1]].pkts[0], b);
	assert_arp_reply(b, MAC_1, "10.0.0.11", GW_B, "10.0.0.1");
	assert_int_equal(drops_of(B1), 0);
}

static void arp_for_other_port_is_answered_to_the_asker(void **state)
{
	struct rte_mbuf *m = pkt_arp_request(MAC_1, "10.0.0.11", "10.0.0.12");

	(void)state;
	run1(A1, m);
	assert_sent_only_to(A1, A1, m);
	assert_arp_reply(m, MAC_1, "10.0.0.11", MAC_2, "10.0.0.12");
}

/* RFC 5227 probe: sender IP 0.0.0.0 is allowed, and the reply goes to 0.0.0.0. */
static void arp_probe_from_zero_address_is_answered(void **state)
{
	struct rte_mbuf *m = pkt_arp_request(MAC_1, "0.0.0.0", "10.0.0.12");

	(void)state;
	run1(A1, m);
	assert_sent_only_to(A1, A1, m);
	assert_arp_reply(m, MAC_1, "0.0.0.0", MAC_2, "10.0.0.12");
}

static void arp_unicast_request_is_answered_too(void **state)
{
	struct rte_mbuf *m = pkt_build(&(struct pkt_spec){.src = MAC_3,
							  .dst = GW_B,
							  .l3 = PKT_L3_ARP,
							  .sip = "10.0.0.13",
							  .dip = "10.0.0.11"});

	(void)state;
	run1(B3, m);
	assert_sent_only_to(B3, B3, m);
	assert_arp_reply(m, MAC_3, "10.0.0.13", MAC_1, "10.0.0.11");
}

/* ---- delivery ---- */

static void frame_is_delivered_to_the_port_owning_dst_mac(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv4(MAC_1, MAC_2, "10.0.0.11", "10.0.0.12");
	uint32_t len = rte_pktmbuf_pkt_len(m);

	(void)state;
	run1(A1, m);
	assert_sent_only_to(A1, A2, m);
	assert_int_equal(w->ports[idx[A1]].rx_pkts, 1);
	assert_int_equal(w->ports[idx[A1]].rx_bytes, len);
	/* forwarding does not touch the frame */
	assert_mac(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr, MAC_2);
	assert_int_equal(rte_pktmbuf_pkt_len(m), len);
}

/*
 * Runs of one destination share a lookup (last-key cache): a burst that switches between
 * destinations, with an unknown MAC and the gateway in the middle, still sends every frame
 * where its own destination says, in order.
 */
static void mixed_destinations_in_one_burst_each_go_their_own_way(void **state)
{
	static const char *const dsts[] = {MAC_2, MAC_2, MAC_3, "02:00:00:00:00:99",
					   MAC_3, MAC_2, GW_B, MAC_2};
	static const char *const dips[] = {"10.0.0.12", "10.0.0.12", "10.0.0.13", "10.0.0.99",
					   "10.0.0.13", "10.0.0.12", "10.0.0.1", "10.0.0.12"};
	struct rte_mbuf *pkts[8], *sent[8];

	(void)state;
	for (int i = 0; i < 8; i++)
		sent[i] = pkts[i] = pkt_eth_ipv4(MAC_1, dsts[i], "10.0.0.11", dips[i]);
	run(B1, pkts, 8);
	assert_int_equal(w->tx[idx[B2]].n, 4);
	assert_ptr_equal(w->tx[idx[B2]].pkts[0], sent[0]);
	assert_ptr_equal(w->tx[idx[B2]].pkts[1], sent[1]);
	assert_ptr_equal(w->tx[idx[B2]].pkts[2], sent[5]);
	assert_ptr_equal(w->tx[idx[B2]].pkts[3], sent[7]);
	assert_int_equal(w->tx[idx[B3]].n, 2);
	assert_ptr_equal(w->tx[idx[B3]].pkts[0], sent[2]);
	assert_ptr_equal(w->tx[idx[B3]].pkts[1], sent[4]);
	assert_int_equal(w->ports[idx[B1]].drops[DP_DROP_UNKNOWN_DST_MAC], 1);
	assert_int_equal(w->ports[idx[B1]].drops[DP_DROP_NO_ROUTE], 1);
	assert_int_equal(w->n_drops, 2);
	assert_ptr_equal(w->drops[0], sent[3]);
	assert_ptr_equal(w->drops[1], sent[6]);
	assert_int_equal(tx_total(), 6);
}

static void ipv6_from_port_address_is_delivered(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv6(MAC_2, MAC_1, "fd00::12", "fd00::11");

	(void)state;
	run1(A2, m);
	assert_sent_only_to(A2, A1, m);
}

/* A frame may be longer than its IPv4 total length (Ethernet padding) or carry options. */
static void ipv4_with_padding_or_options_is_delivered(void **state)
{
	struct rte_mbuf *pad = pkt_build(&(struct pkt_spec){.src = MAC_1,
							    .dst = MAC_2,
							    .l3 = PKT_L3_IPV4,
							    .sip = "10.0.0.11",
							    .dip = "10.0.0.12",
							    .payload = 26});
	struct rte_mbuf *opt = pkt_build(&(struct pkt_spec){.src = MAC_1,
							    .dst = MAC_2,
							    .l3 = PKT_L3_IPV4,
							    .sip = "10.0.0.11",
							    .dip = "10.0.0.12",
							    .payload = 12}); /* options + a whole UDP header */
	struct rte_mbuf *pkts[2] = {pad, opt};
	struct rte_ipv4_hdr *ip;

	(void)state;
	ip = pkt_l3(pad);
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + 8);
	ip = pkt_l3(opt);
	ip->version_ihl = 0x46; /* 4 bytes of options: the payload's first 4 bytes */
	run(A1, pkts, 2);
	assert_int_equal(drops_of(A1), 0);
	assert_int_equal(w->tx[idx[A2]].n, 2);
	assert_ptr_equal(w->tx[idx[A2]].pkts[0], pad);
	assert_ptr_equal(w->tx[idx[A2]].pkts[1], opt);
}

static void vpcs_with_same_macs_and_ips_stay_isolated(void **state)
{
	struct rte_mbuf *from_a = pkt_eth_ipv4(MAC_1, MAC_2, "10.0.0.11", "10.0.0.12");
	struct rte_mbuf *from_b = pkt_eth_ipv4(MAC_1, MAC_2, "10.0.0.11", "10.0.0.12");
	struct rte_mbuf *to_b_only = pkt_eth_ipv4(MAC_1, MAC_3, "10.0.0.11", "10.0.0.13");

	(void)state;
	run1(A1, from_a);
	run1(B1, from_b);
	run1(A1, to_b_only);
	assert_int_equal(w->tx[idx[A2]].n, 1);
	assert_ptr_equal(w->tx[idx[A2]].pkts[0], from_a);
	assert_int_equal(w->tx[idx[B2]].n, 1);
	assert_ptr_equal(w->tx[idx[B2]].pkts[0], from_b);
	assert_int_equal(w->tx[idx[B3]].n, 0);
	assert_int_equal(tx_total(), 2);
	assert_only_drops(A1, DP_DROP_UNKNOWN_DST_MAC, 1);
	assert_int_equal(drops_of(B1), 0);
}

static void frame_to_gateway_of_other_vpc_is_unknown(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv4(MAC_1, GW_B, "10.0.0.11", "8.8.8.8");

	(void)state;
	run1(A1, m);
	assert_dropped(A1, m, DP_DROP_UNKNOWN_DST_MAC);
}

static void broadcast_and_multicast_frames_are_flood_blocked(void **state)
{
	struct rte_mbuf *pkts[3] = {
		pkt_eth_ipv4(MAC_1, BCAST, "10.0.0.11", "10.0.0.255"),
		pkt_eth_ipv4(MAC_1, "01:00:5e:00:00:01", "10.0.0.11", "224.0.0.1"),
		pkt_eth_ipv6(MAC_1, "33:33:ff:00:00:12", "fd00::11", "ff02::1:ff00:12")};

	(void)state;
	run(A1, pkts, 3);
	assert_only_drops(A1, DP_DROP_FLOOD_BLOCKED, 3);
	assert_int_equal(tx_total(), 0);
}

static void unknown_dst_mac_is_dropped(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv4(MAC_1, "02:00:00:00:99:99", "10.0.0.11", "10.0.0.12");

	(void)state;
	run1(A1, m);
	assert_dropped(A1, m, DP_DROP_UNKNOWN_DST_MAC);
}

static void frame_to_gateway_mac_has_no_route(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv4(MAC_1, GW_A, "10.0.0.11", "8.8.8.8");

	(void)state;
	run1(A1, m);
	assert_dropped(A1, m, DP_DROP_NO_ROUTE);
}

static void frame_to_own_mac_is_hairpin(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv4(MAC_1, MAC_1, "10.0.0.11", "10.0.0.11");

	(void)state;
	run1(A1, m);
	assert_dropped(A1, m, DP_DROP_HAIRPIN);
}

/* ---- bursts ---- */

static void mixed_burst_sends_each_frame_to_one_exit_in_order(void **state)
{
	struct rte_mbuf *pkts[8] = {
		pkt_eth_ipv4(MAC_1, MAC_2, "10.0.0.11", "10.0.0.12"),  /* -> a2 */
		pkt_arp_request(MAC_1, "10.0.0.11", "10.0.0.1"),       /* -> a1 (reply) */
		pkt_eth_ipv4(MAC_2, MAC_2, "10.0.0.11", "10.0.0.12"),  /* mac spoof */
		pkt_eth_ipv6(MAC_1, MAC_2, "fd00::11", "fd00::12"),    /* -> a2 */
		pkt_arp_request(MAC_1, "10.0.0.11", "10.0.0.99"),      /* unknown target */
		pkt_eth_ipv4(MAC_1, BCAST, "10.0.0.11", "10.0.0.255"), /* flood */
		pkt_eth_ipv4(MAC_1, MAC_2, "10.0.0.11", "10.0.0.12"),  /* -> a2 */
		pkt_arp_request(MAC_1, "10.0.0.11", "10.0.0.12"),      /* -> a1 (reply) */
	};
	struct rte_mbuf *keep[8];

	(void)state;
	memcpy(keep, pkts, sizeof(keep));
	run(A1, pkts, 8);
	assert_int_equal(w->ports[idx[A1]].rx_pkts, 8);
	assert_int_equal(w->tx[idx[A2]].n, 3);
	assert_ptr_equal(w->tx[idx[A2]].pkts[0], keep[0]);
	assert_ptr_equal(w->tx[idx[A2]].pkts[1], keep[3]);
	assert_ptr_equal(w->tx[idx[A2]].pkts[2], keep[6]);
	assert_int_equal(w->tx[idx[A1]].n, 2);
	assert_ptr_equal(w->tx[idx[A1]].pkts[0], keep[1]);
	assert_ptr_equal(w->tx[idx[A1]].pkts[1], keep[7]);
	assert_arp_reply(keep[1], MAC_1, "10.0.0.11", GW_A, "10.0.0.1");
	assert_arp_reply(keep[7], MAC_1, "10.0.0.11", MAC_2, "10.0.0.12");
	assert_int_equal(w->ports[idx[A1]].drops[DP_DROP_SRC_MAC_SPOOF], 1);
	assert_int_equal(w->ports[idx[A1]].drops[DP_DROP_ARP_UNKNOWN_TARGET], 1);
	assert_int_equal(w->ports[idx[A1]].drops[DP_DROP_FLOOD_BLOCKED], 1);
	assert_int_equal(drops_of(A1), 3);
	assert_int_equal(w->n_drops + tx_total(), 8);
	assert_int_equal(w->n_dirty, 2);
}

static void full_burst_to_one_port_keeps_order(void **state)
{
	struct rte_mbuf *pkts[DP_BURST], *keep[DP_BURST];

	(void)state;
	for (int i = 0; i < DP_BURST; i++)
		pkts[i] = pkt_eth_ipv4(MAC_2, MAC_1, "10.0.0.12", "10.0.0.11");
	memcpy(keep, pkts, sizeof(keep));
	run(B2, pkts, DP_BURST);
	assert_int_equal(w->tx[idx[B1]].n, DP_BURST);
	for (int i = 0; i < DP_BURST; i++)
		assert_ptr_equal(w->tx[idx[B1]].pkts[i], keep[i]);
	assert_int_equal(w->tx[idx[A1]].n, 0);
	assert_int_equal(drops_of(B2), 0);
}

static void empty_burst_changes_nothing(void **state)
{
	struct rte_mbuf *none[1] = {NULL};

	(void)state;
	run(A1, none, 0);
	assert_int_equal(w->ports[idx[A1]].rx_pkts, 0);
	assert_int_equal(tx_total(), 0);
	assert_int_equal(w->n_drops, 0);
}

/* ---- flush ---- */

/* No vhost device is attached: whatever was to be sent is a port_down drop of the output
 * port, and every mbuf, sent or dropped, is freed. */
static void flush_without_device_counts_port_down_and_frees(void **state)
{
	struct rte_mbuf *pkts[4] = {pkt_eth_ipv4(MAC_1, MAC_2, "10.0.0.11", "10.0.0.12"),
				    pkt_eth_ipv4(MAC_1, MAC_2, "10.0.0.11", "10.0.0.12"),
				    pkt_arp_request(MAC_1, "10.0.0.11", "10.0.0.1"),
				    pkt_eth_ipv4(MAC_1, MAC_1, "10.0.0.11", "10.0.0.11")};

	(void)state;
	run(A1, pkts, 4);
	assert_int_equal(rte_mempool_avail_count(dp_pool), N_MBUFS - 4);
	dp_worker_flush(w);
	assert_int_equal(rte_mempool_avail_count(dp_pool), N_MBUFS);
	assert_int_equal(tx_total(), 0);
	assert_int_equal(w->n_dirty, 0);
	assert_int_equal(w->n_drops, 0);
	assert_int_equal(w->ports[idx[A2]].drops[DP_DROP_PORT_DOWN], 2);
	assert_int_equal(w->ports[idx[A2]].tx_drops, 2);
	assert_int_equal(w->ports[idx[A2]].tx_pkts, 0);
	assert_int_equal(w->ports[idx[A1]].drops[DP_DROP_PORT_DOWN], 1);
	assert_int_equal(w->ports[idx[A1]].drops[DP_DROP_HAIRPIN], 1);
	assert_int_equal(w->ports[idx[A1]].tx_drops, 1);
}

/* With the test thread as the only worker, the public counters read what it counted. */
static void port_stats_sum_what_the_worker_counted(void **state)
{
	struct rte_mbuf *pkts[3] = {pkt_eth_ipv4(MAC_1, MAC_2, "10.0.0.11", "10.0.0.12"),
				    pkt_runt(3),
				    pkt_eth_ipv4(MAC_2, MAC_2, "10.0.0.11", "10.0.0.12")};
	uint32_t bytes = rte_pktmbuf_pkt_len(pkts[0]) + 3 + rte_pktmbuf_pkt_len(pkts[2]);
	struct dp_port_stats st;
	uint64_t all[DP_DROP_MAX];

	(void)state;
	run(A1, pkts, 3);
	dp_worker_flush(w);
	dp_stats_port(ports[A1], &st);
	assert_int_equal(st.rx_pkts, 3);
	assert_int_equal(st.rx_bytes, bytes);
	assert_int_equal(st.drops, 2);
	assert_int_equal(st.drop_reasons[DP_DROP_RUNT], 1);
	assert_int_equal(st.drop_reasons[DP_DROP_SRC_MAC_SPOOF], 1);
	dp_stats_port(ports[A2], &st);
	assert_int_equal(st.tx_drops, 1);
	assert_int_equal(st.drop_reasons[DP_DROP_PORT_DOWN], 1);
	dp_stats_drops(all);
	assert_int_equal(all[DP_DROP_RUNT], 1);
	assert_int_equal(all[DP_DROP_PORT_DOWN], 1);
	assert_int_equal(all[DP_DROP_SRC_MAC_SPOOF], 1);
}

#define T(f) cmocka_unit_test_teardown(f, dp_fixture_teardown)

static void arp_for_a_remote_vm_is_answered_with_its_mac(void **state)
{
	struct rte_mbuf *m = pkt_arp_request(MAC_1, "10.0.0.11", "10.0.0.21");

	(void)state;
	run1(A1, m);
	assert_sent_only_to(A1, A1, m);
	assert_mac(&arp_of(m)->arp_data.arp_sha, REMOTE_A);
}

static void remote_vm_is_not_known_in_another_vpc(void **state)
{
	struct rte_mbuf *arp = pkt_arp_request(MAC_1, "10.0.0.11", "10.0.0.21");
	struct rte_mbuf *m = pkt_eth_ipv4(MAC_1, REMOTE_A, "10.0.0.11", "10.0.0.21");

	(void)state;
	run1(B1, arp);
	assert_dropped(B1, arp, DP_DROP_ARP_UNKNOWN_TARGET);
	w->n_drops = 0;
	rte_pktmbuf_free(arp);
	memset(w->ports[idx[B1]].drops, 0, sizeof(w->ports[idx[B1]].drops));
	run1(B1, m);
	assert_dropped(B1, m, DP_DROP_UNKNOWN_DST_MAC);
}

static void frame_to_a_remote_vm_without_underlay_is_dropped_by_name(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv4(MAC_1, REMOTE_A, "10.0.0.11", "10.0.0.21");

	(void)state;
	run1(A1, m);
	assert_dropped(A1, m, DP_DROP_NO_UNDERLAY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(drop_reasons_have_distinct_names_and_texts),

		T(runt_frame_is_dropped),
		T(vlan_tagged_frame_is_dropped),
		T(unknown_ethertype_is_dropped),
		T(ipv4_total_length_beyond_frame_is_malformed),
		T(ipv4_bad_ihl_is_malformed),
		T(ipv4_wrong_version_or_short_header_is_malformed),
		T(ipv6_truncated_payload_is_malformed),
		T(arp_truncated_or_not_ethernet_ipv4_is_malformed),

		T(source_mac_spoof_is_dropped),
		T(arp_sender_mac_spoof_is_dropped),
		T(ipv4_source_spoof_is_dropped),
		T(arp_sender_ip_spoof_is_dropped),
		T(ipv6_source_spoof_is_dropped),
		T(ipv6_from_port_without_ipv6_is_dropped),

		T(arp_reply_from_vm_is_dropped),
		T(arp_for_unknown_ip_is_dropped),
		T(arp_for_own_ip_is_dropped),
		T(arp_for_gateway_is_answered_with_its_mac),
		T(arp_for_other_port_is_answered_to_the_asker),
		T(arp_probe_from_zero_address_is_answered),
		T(arp_unicast_request_is_answered_too),

		T(frame_is_delivered_to_the_port_owning_dst_mac),
		T(mixed_destinations_in_one_burst_each_go_their_own_way),
		T(arp_for_a_remote_vm_is_answered_with_its_mac),
		T(remote_vm_is_not_known_in_another_vpc),
		T(frame_to_a_remote_vm_without_underlay_is_dropped_by_name),
		T(ipv6_from_port_address_is_delivered),
		T(ipv4_with_padding_or_options_is_delivered),
		T(vpcs_with_same_macs_and_ips_stay_isolated),
		T(frame_to_gateway_of_other_vpc_is_unknown),
		T(broadcast_and_multicast_frames_are_flood_blocked),
		T(unknown_dst_mac_is_dropped),
		T(frame_to_gateway_mac_has_no_route),
		T(frame_to_own_mac_is_hairpin),

		T(mixed_burst_sends_each_frame_to_one_exit_in_order),
		T(full_burst_to_one_port_keeps_order),
		T(empty_burst_changes_nothing),

		T(flush_without_device_counts_port_down_and_frees),
		T(port_stats_sum_what_the_worker_counted),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
