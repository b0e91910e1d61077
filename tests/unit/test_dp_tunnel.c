/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encapsulation and decapsulation (dataplane/dp_encap.c, dp_underlay.c) on real mbufs: the
 * bytes an encapsulated frame leaves with, and every receive check a tunnel packet must pass,
 * each failure dropped by its own name. The underlay NIC and the exception tap are real
 * net_null ports; the VM ports are vhost ports with no device (the tests read the worker's
 * tx buffers before anything is sent).
 */
#include <arpa/inet.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "../../dataplane/dp_private.h"
#include "../../geneve/geneve.h"
#include "../../vxlan/vxlan.h"
#include "dp_fixture.h"
#include "pkt_fixture.h"

#define N_MBUFS 1023
#define UL_MAC "02:00:00:00:aa:01"  /* our underlay port */
#define NH_MAC "02:00:00:00:bb:02"  /* the next hop toward remote VTEPs */
#define VM_A1 "02:00:00:00:00:11"   /* local, vni 100 (VXLAN) */
#define VM_B1 "02:00:00:00:00:12"   /* local, vni 200 (Geneve) */
#define REM_1 "02:00:00:00:00:21"   /* vni 100 behind 192.0.2.2 */
#define REM_2 "02:00:00:00:00:22"   /* vni 200 behind 192.0.2.3 */
#define REM_3 "02:00:00:00:00:23"   /* vni 100 behind 192.0.2.4, neighbour unknown */
#define REM_6 "02:00:00:00:00:26"   /* vni 100 behind 2001:db8::2 (IPv6 underlay) */
#define REM_7 "02:00:00:00:00:27"   /* vni 200 behind 2001:db8::3 */
#define VTEP6 "2001:db8::1"         /* our IPv6 VTEP */

enum { A1, B1, UL, TAP, N_PORTS };

static struct dp_port *ports[N_PORTS];
static uint16_t idx[N_PORTS];
static struct dp_worker *w;
static const struct dp_snap *snap;

#define GW_MAC "02:00:00:00:00:01"

#define GW6_MAC "02:00:00:00:00:06"

/* A VM with one IPv4 address (gateway 10.0.0.1) and, given ip6, one IPv6 (gateway fd00::1). */
static void add_vm(struct dp_build *b, int i, uint32_t vni, const char *m, const char *ip,
		   const char *ip6)
{
	struct dp_port_conf pc;

	dp_fixture_port_conf(&pc, ports[i], vni, m, ip, ip6);
	dp_fixture_port_gw(&pc, "10.0.0.1", GW_MAC, ip6 != NULL ? "fd00::1" : NULL, GW6_MAC);
	assert_int_equal(dp_build_port(b, &pc), 0);
}

static uint16_t null_port(const char *name)
{
	struct rte_eth_conf conf = {0};
	uint16_t id;

	assert_int_equal(rte_eth_dev_get_port_by_name(name, &id), 0);
	assert_int_equal(rte_eth_dev_configure(id, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(id, 0, 64, SOCKET_ID_ANY, NULL, dp_pool), 0);
	assert_int_equal(rte_eth_tx_queue_setup(id, 0, 64, SOCKET_ID_ANY, NULL), 0);
	assert_int_equal(rte_eth_dev_start(id), 0);
	return id;
}

/* The test snapshot: an underlay with an IPv4 and an IPv6 VTEP, which computes outer
 * checksums itself or leaves them to the port. */
static void publish(bool offload)
{
	struct dp_underlay_conf u = {.vxlan_port = 4789, .geneve_port = 6081, .ttl = 64,
				     .sport_min = 49152, .sport_max = 65535,
				     .tx_ip4_cksum = offload, .tx_udp_cksum = offload};
	struct rte_ether_addr ul = pkt_mac(UL_MAC);
	struct dp_build *b = dp_fixture_begin();

	u.port = ports[UL];
	u.tap = ports[TAP];
	memcpy(u.mac, ul.addr_bytes, 6);
	u.vtep4 = pkt_ip4("192.0.2.1");
	assert_int_equal(inet_pton(AF_INET6, VTEP6, u.vtep6), 1);
	assert_int_equal(dp_build_underlay(b, &u), 0);
	assert_int_equal(dp_build_vpc(b, 100, DP_ENCAP_VXLAN, 1450), 0);
	assert_int_equal(dp_build_vpc(b, 200, DP_ENCAP_GENEVE, 1400), 0);
	add_vm(b, A1, 100, VM_A1, "10.0.0.11", "fd00::11");
	add_vm(b, B1, 200, VM_B1, "10.0.0.12", NULL);
	dp_fixture_remote(b, 100, REM_1, "10.0.0.21", "192.0.2.2", NH_MAC);
	dp_fixture_remote(b, 200, REM_2, "10.0.0.22", "192.0.2.3", NH_MAC);
	dp_fixture_remote(b, 100, REM_3, "10.0.0.23", "192.0.2.4", NULL);
	dp_fixture_remote(b, 100, REM_6, "10.0.0.26", "2001:db8::2", NH_MAC);
	dp_fixture_remote(b, 200, REM_7, "10.0.0.27", "2001:db8::3", NH_MAC);
	snap = dp_fixture_commit(b);
}

static int group_setup(void **state)
{
	static const char *const vdevs[] = {"net_null0", "net_null1", NULL};

	(void)state;
	w = dp_fixture_start("ut_dp_tunnel", N_MBUFS, vdevs);
	ports[A1] = dp_port_create("a1", 1);
	ports[B1] = dp_port_create("b1", 1);
	ports[UL] = dp_port_create_ethdev("underlay", null_port("net_null0"));
	ports[TAP] = dp_port_create_ethdev("exception", null_port("net_null1"));
	for (int i = 0; i < N_PORTS; i++) {
		assert_non_null(ports[i]);
		idx[i] = dp_port_index(ports[i]);
	}
	publish(false);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < N_PORTS; i++)
		dp_port_destroy(ports[i]);
	dp_fixture_stop(w);
	return 0;
}

/* ---- helpers ---- */

static const struct rte_ipv4_hdr *outer_ip(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

static const struct rte_udp_hdr *outer_udp(const struct rte_mbuf *m)
{
	return (const struct rte_udp_hdr *)(outer_ip(m) + 1);
}

/* The one packet the worker queued for port p (and nothing anywhere else). */
static struct rte_mbuf *only_tx(int p)
{
	uint16_t total = 0;

	for (int i = 0; i < N_PORTS; i++)
		total += w->tx[idx[i]].n;
	assert_int_equal(total, 1);
	assert_int_equal(w->tx[idx[p]].n, 1);
	return w->tx[idx[p]].pkts[0];
}

static uint64_t drops(int p, enum dp_drop_reason r)
{
	return w->ports[idx[p]].drops[r];
}

/* Encapsulate inner as a remote host would: outer from src_ip to our VTEP on dport. */
static struct rte_mbuf *tunnel(struct rte_mbuf *inner, const char *src_ip, uint16_t dport,
			       const uint8_t *hdr, size_t hdr_size)
{
	uint32_t inner_len = rte_pktmbuf_pkt_len(inner);
	size_t outer = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
		       sizeof(struct rte_udp_hdr) + hdr_size;
	uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(inner, (uint16_t)outer);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	assert_non_null(p);
	eth->dst_addr = pkt_mac(UL_MAC);
	eth->src_addr = pkt_mac(NH_MAC);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(outer - sizeof(*eth) + inner_len));
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = pkt_ip4(src_ip);
	ip->dst_addr = pkt_ip4("192.0.2.1");
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = RTE_BE16(50000);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + hdr_size + inner_len));
	udp->dgram_cksum = 0;
	memcpy(udp + 1, hdr, hdr_size);
	return inner;
}

static struct rte_mbuf *vxlan_pkt(struct rte_mbuf *inner, const char *src_ip, uint32_t vni)
{
	uint8_t h[VXLAN_HDR_SIZE];

	vxlan_hdr_write(h, vni);
	return tunnel(inner, src_ip, 4789, h, sizeof(h));
}

static struct rte_mbuf *geneve_pkt(struct rte_mbuf *inner, const char *src_ip, uint32_t vni)
{
	uint8_t h[GENEVE_HDR_SIZE];

	geneve_hdr_write(h, vni, NULL, 0);
	return tunnel(inner, src_ip, 6081, h, sizeof(h));
}

static void from_underlay(struct rte_mbuf *m)
{
	dp_underlay_input_burst(w, &snap->ports[idx[UL]], &m, 1);
}

/* m was dropped on the underlay for reason r, and went nowhere. */
static void assert_ul_dropped(struct rte_mbuf *m, enum dp_drop_reason r)
{
	from_underlay(m);
	assert_int_equal(drops(UL, r), 1);
	assert_int_equal(w->n_drops, 1);
	for (int i = 0; i < N_PORTS; i++)
		assert_int_equal(w->tx[idx[i]].n, 0);
}

/* ---- encapsulation ---- */

static void encap_vxlan_writes_template_and_patches_lengths(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv4(VM_A1, REM_1, "10.0.0.11", "10.0.0.21");
	uint32_t inner_len = rte_pktmbuf_pkt_len(m);
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	uint32_t vni;

	(void)state;
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m, 1);
	assert_ptr_equal(only_tx(UL), m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), inner_len + 50);
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &(struct rte_ether_addr){
								   {2, 0, 0, 0, 0xbb, 2}}));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &(struct rte_ether_addr){
								   {2, 0, 0, 0, 0xaa, 1}}));
	ip = outer_ip(m);
	assert_int_equal(rte_be_to_cpu_16(ip->total_length), inner_len + 36);
	assert_int_equal(ip->src_addr, pkt_ip4("192.0.2.1"));
	assert_int_equal(ip->dst_addr, pkt_ip4("192.0.2.2"));
	assert_int_equal(ip->time_to_live, 64);
	assert_true(ip->fragment_offset == RTE_BE16(RTE_IPV4_HDR_DF_FLAG));
	assert_int_equal(rte_ipv4_cksum(ip), 0); /* checksum of a header with a right checksum */
	udp = outer_udp(m);
	assert_int_equal(rte_be_to_cpu_16(udp->dst_port), 4789);
	assert_int_equal(rte_be_to_cpu_16(udp->dgram_len), inner_len + 16);
	assert_true(rte_be_to_cpu_16(udp->src_port) >= 49152);
	assert_int_equal(vxlan_hdr_parse((const uint8_t *)(udp + 1), 8, &vni), VXLAN_OK);
	assert_int_equal(vni, 100);
	/* the inner frame is the VM's, untouched */
	eth = rte_pktmbuf_mtod_offset(m, const struct rte_ether_hdr *, 50);
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &(struct rte_ether_addr){
								   {2, 0, 0, 0, 0, 0x21}}));
}

static void encap_geneve_for_a_geneve_vpc(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv4(VM_B1, REM_2, "10.0.0.12", "10.0.0.22");
	const struct rte_udp_hdr *udp;
	uint32_t vni;
	size_t size;

	(void)state;
	dp_vm_input_burst(w, &snap->ports[idx[B1]], &m, 1);
	assert_ptr_equal(only_tx(UL), m);
	udp = outer_udp(m);
	assert_int_equal(rte_be_to_cpu_16(udp->dst_port), 6081);
	assert_int_equal(outer_ip(m)->dst_addr, pkt_ip4("192.0.2.3"));
	assert_int_equal(geneve_hdr_parse((const uint8_t *)(udp + 1), 8, &vni, &size, NULL),
			 GENEVE_OK);
	assert_int_equal(vni, 200);
	assert_int_equal(size, 8);
}

static uint16_t sport_of(uint16_t l4_src)
{
	struct rte_mbuf *m = pkt_eth_ipv4(VM_A1, REM_1, "10.0.0.11", "10.0.0.21");
	struct rte_udp_hdr *inner_udp = rte_pktmbuf_mtod_offset(
		m, struct rte_udp_hdr *,
		sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr));
	uint16_t sport;

	inner_udp->src_port = rte_cpu_to_be_16(l4_src);
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m, 1);
	sport = rte_be_to_cpu_16(outer_udp(only_tx(UL))->src_port);
	dp_worker_flush(w);
	return sport;
}

/* Same flow, same outer source port (no reordering on the underlay); flows spread. */
static void encap_source_port_follows_the_inner_flow(void **state)
{
	uint16_t first = sport_of(1000), distinct = 0, seen[16];

	(void)state;
	assert_int_equal(sport_of(1000), first);
	for (uint16_t i = 0; i < 16; i++) {
		bool dup = false;

		seen[i] = sport_of((uint16_t)(2000 + i));
		assert_true(seen[i] >= 49152);
		for (uint16_t j = 0; j < i; j++)
			dup |= seen[j] == seen[i];
		distinct += !dup;
	}
	assert_true(distinct >= 12);
}

static void encap_to_unresolved_vtep_drops_and_asks_once(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv4(VM_A1, REM_3, "10.0.0.11", "10.0.0.23");
	struct rte_mbuf *again = pkt_eth_ipv4(VM_A1, REM_3, "10.0.0.11", "10.0.0.23");
	struct dp_vtep vteps[4];
	uint32_t a;

	(void)state;
	assert_int_equal(dp_vteps_unresolved(vteps, 4), 0);
	(void)dp_vteps_used(vteps, 4); /* what earlier tests left */
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m, 1);
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &again, 1);
	assert_int_equal(drops(A1, DP_DROP_VTEP_UNRESOLVED), 2);
	assert_int_equal(dp_vteps_unresolved(vteps, 4), 1);
	assert_int_equal(vteps[0].af, AF_INET);
	memcpy(&a, vteps[0].addr, 4);
	assert_int_equal(a, pkt_ip4("192.0.2.4"));
	assert_int_equal(dp_vteps_unresolved(vteps, 4), 0);
	/* an unresolved VTEP carried nothing: no refresh is asked for it */
	assert_int_equal(dp_vteps_used(vteps, 4), 0);
}

/* IPv4 total length 1451 against an MTU of 1450: one byte over; 1450 goes. */
static void encap_of_a_packet_over_the_vpc_mtu_is_dropped(void **state)
{
	struct rte_mbuf *m = pkt_build(&(struct pkt_spec){.src = VM_A1, .dst = REM_1,
							  .l3 = PKT_L3_IPV4, .sip = "10.0.0.11",
							  .dip = "10.0.0.21", .payload = 1451 - 20});
	struct rte_mbuf *ok = pkt_build(&(struct pkt_spec){.src = VM_A1, .dst = REM_1,
							   .l3 = PKT_L3_IPV4, .sip = "10.0.0.11",
							   .dip = "10.0.0.21", .payload = 1450 - 20});

	(void)state;
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m, 1);
	assert_int_equal(drops(A1, DP_DROP_TOO_BIG), 1);
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &ok, 1);
	assert_ptr_equal(only_tx(UL), ok);
}

static struct rte_mbuf *over_mtu(bool df)
{
	struct rte_mbuf *m = pkt_build(&(struct pkt_spec){.src = VM_A1, .dst = REM_1,
							  .l3 = PKT_L3_IPV4, .sip = "10.0.0.11",
							  .dip = "10.0.0.21", .payload = 1500 - 20});
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

	ip->fragment_offset = df ? RTE_BE16(RTE_IPV4_HDR_DF_FLAG) : 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

/* Path-MTU discovery: the VM hears "fragmentation needed, MTU 1450" from its gateway. */
static void too_big_with_df_gets_icmp_frag_needed_from_the_gateway(void **state)
{
	struct rte_mbuf *m = over_mtu(true), *e;
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const uint8_t *icmp;
	uint8_t quoted[28];

	(void)state;
	memcpy(quoted, rte_pktmbuf_mtod_offset(m, uint8_t *, 14), sizeof(quoted));
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m, 1);
	assert_int_equal(drops(A1, DP_DROP_TOO_BIG), 1);
	e = only_tx(A1);
	eth = rte_pktmbuf_mtod(e, const struct rte_ether_hdr *);
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &(struct rte_ether_addr){
								   {2, 0, 0, 0, 0, 1}}));
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &(struct rte_ether_addr){
								   {2, 0, 0, 0, 0, 0x11}}));
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	assert_int_equal(ip->src_addr, pkt_ip4("10.0.0.1"));
	assert_int_equal(ip->dst_addr, pkt_ip4("10.0.0.11"));
	assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
	assert_int_equal(rte_ipv4_cksum(ip), 0);
	icmp = (const uint8_t *)(ip + 1);
	assert_int_equal(icmp[0], 3);
	assert_int_equal(icmp[1], 4);
	assert_int_equal(icmp[6] << 8 | icmp[7], 1450);
	assert_int_equal(rte_raw_cksum(icmp, rte_be_to_cpu_16(ip->total_length) - 20), 0xffff);
	assert_memory_equal(icmp + 8, quoted, sizeof(quoted));
}

static void too_big_without_df_is_only_dropped(void **state)
{
	struct rte_mbuf *m = over_mtu(false);

	(void)state;
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m, 1);
	assert_int_equal(drops(A1, DP_DROP_TOO_BIG), 1);
	assert_int_equal(w->tx[idx[A1]].n, 0);
	assert_int_equal(w->tx[idx[UL]].n, 0);
}

/* ---- decapsulation ---- */

static void decap_delivers_the_inner_frame_to_the_local_port(void **state)
{
	struct rte_mbuf *inner = pkt_eth_ipv4(REM_1, VM_A1, "10.0.0.21", "10.0.0.11");
	uint32_t len = rte_pktmbuf_pkt_len(inner);
	struct rte_mbuf *m = vxlan_pkt(inner, "192.0.2.2", 100);

	(void)state;
	from_underlay(m);
	assert_ptr_equal(only_tx(A1), m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), len);
	assert_true(rte_is_same_ether_addr(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr,
					   &(struct rte_ether_addr){{2, 0, 0, 0, 0, 0x21}}));
}

static void decap_geneve_delivers_in_a_geneve_vpc(void **state)
{
	struct rte_mbuf *m = geneve_pkt(pkt_eth_ipv4(REM_2, VM_B1, "10.0.0.22", "10.0.0.12"),
					"192.0.2.3", 200);

	(void)state;
	from_underlay(m);
	assert_ptr_equal(only_tx(B1), m);
}

static void decap_trims_ethernet_padding(void **state)
{
	struct rte_mbuf *inner = pkt_eth_ipv4(REM_1, VM_A1, "10.0.0.21", "10.0.0.11");
	uint32_t len = rte_pktmbuf_pkt_len(inner);
	struct rte_mbuf *m = vxlan_pkt(inner, "192.0.2.2", 100);

	(void)state;
	assert_non_null(rte_pktmbuf_append(m, 20)); /* what a wire pads a short frame with */
	from_underlay(m);
	assert_ptr_equal(only_tx(A1), m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), len);
}

static struct rte_mbuf *good(void)
{
	return vxlan_pkt(pkt_eth_ipv4(REM_1, VM_A1, "10.0.0.21", "10.0.0.11"), "192.0.2.2", 100);
}

static void decap_drops_bad_outer_ipv4_checksum(void **state)
{
	struct rte_mbuf *m = good();

	(void)state;
	rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)->hdr_checksum ^= 0x1234;
	assert_ul_dropped(m, DP_DROP_OUTER_CHECKSUM);
}

static void decap_drops_bad_nonzero_udp_checksum(void **state)
{
	struct rte_mbuf *m = good();

	(void)state;
	rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 34)->dgram_cksum = RTE_BE16(0x1234);
	assert_ul_dropped(m, DP_DROP_OUTER_CHECKSUM);
}

static void decap_accepts_a_right_udp_checksum(void **state)
{
	struct rte_mbuf *m = good();
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	(void)state;
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	from_underlay(m);
	assert_ptr_equal(only_tx(A1), m);
}

static void decap_drops_fragments(void **state)
{
	struct rte_mbuf *m = good();
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

	(void)state;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	assert_ul_dropped(m, DP_DROP_OUTER_FRAGMENT);
}

static void decap_drops_ip_length_beyond_the_frame(void **state)
{
	struct rte_mbuf *m = good();
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

	(void)state;
	ip->total_length = rte_cpu_to_be_16(rte_be_to_cpu_16(ip->total_length) + 1);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	assert_ul_dropped(m, DP_DROP_OUTER_MALFORMED);
}

static void decap_drops_vxlan_without_i_flag(void **state)
{
	struct rte_mbuf *m = good();

	(void)state;
	*rte_pktmbuf_mtod_offset(m, uint8_t *, 42) = 0;
	assert_ul_dropped(m, DP_DROP_VXLAN_NO_VNI);
}

static void decap_drops_a_vni_not_served_here(void **state)
{
	struct rte_mbuf *m =
		vxlan_pkt(pkt_eth_ipv4(REM_1, VM_A1, "10.0.0.21", "10.0.0.11"), "192.0.2.2", 300);

	(void)state;
	assert_ul_dropped(m, DP_DROP_UNKNOWN_VNI);
}

static void decap_drops_vxlan_for_a_geneve_vpc(void **state)
{
	struct rte_mbuf *m =
		vxlan_pkt(pkt_eth_ipv4(REM_2, VM_B1, "10.0.0.22", "10.0.0.12"), "192.0.2.3", 200);

	(void)state;
	assert_ul_dropped(m, DP_DROP_WRONG_ENCAP);
}

static void decap_drops_a_vtep_the_vpc_does_not_list(void **state)
{
	struct rte_mbuf *m =
		vxlan_pkt(pkt_eth_ipv4(REM_1, VM_A1, "10.0.0.21", "10.0.0.11"), "192.0.2.9", 100);

	(void)state;
	assert_ul_dropped(m, DP_DROP_UNKNOWN_VTEP);
}

/* 192.0.2.3 is a VTEP, but of vni 200: it cannot speak in vni 100. */
static void decap_drops_a_vtep_of_another_vpc(void **state)
{
	struct rte_mbuf *m =
		vxlan_pkt(pkt_eth_ipv4(REM_1, VM_A1, "10.0.0.21", "10.0.0.11"), "192.0.2.3", 100);

	(void)state;
	assert_ul_dropped(m, DP_DROP_UNKNOWN_VTEP);
}

/* 192.0.2.4 is a VTEP of vni 100, but REM_1 lives behind 192.0.2.2. */
static void decap_drops_an_inner_source_of_another_vtep(void **state)
{
	struct rte_mbuf *m =
		vxlan_pkt(pkt_eth_ipv4(REM_1, VM_A1, "10.0.0.21", "10.0.0.11"), "192.0.2.4", 100);

	(void)state;
	assert_ul_dropped(m, DP_DROP_INNER_SRC_SPOOF);
}

static void decap_drops_an_inner_source_that_is_a_local_vm(void **state)
{
	struct rte_mbuf *m =
		vxlan_pkt(pkt_eth_ipv4(VM_A1, VM_A1, "10.0.0.11", "10.0.0.11"), "192.0.2.2", 100);

	(void)state;
	assert_ul_dropped(m, DP_DROP_INNER_SRC_SPOOF);
}

static void decap_never_sends_back_to_the_underlay(void **state)
{
	struct rte_mbuf *m =
		vxlan_pkt(pkt_eth_ipv4(REM_1, REM_3, "10.0.0.21", "10.0.0.23"), "192.0.2.2", 100);

	(void)state;
	assert_ul_dropped(m, DP_DROP_TUNNEL_HAIRPIN);
}

static void decap_drops_broadcast_inner_frames(void **state)
{
	struct rte_mbuf *m = vxlan_pkt(pkt_arp_request(REM_1, "10.0.0.21", "10.0.0.11"),
				       "192.0.2.2", 100);

	(void)state;
	assert_ul_dropped(m, DP_DROP_FLOOD_BLOCKED);
}

static void decap_drops_a_udp_length_too_short_for_an_inner_frame(void **state)
{
	struct rte_mbuf *m = good();
	struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 34);

	(void)state;
	udp->dgram_len = rte_cpu_to_be_16(8 + 8 + 10);
	assert_ul_dropped(m, DP_DROP_INNER_MALFORMED);
}

static void decap_drops_geneve_with_an_unknown_critical_option(void **state)
{
	static const uint8_t data[4] = {1, 2, 3, 4};
	const struct geneve_opt opt = {.cls = 0x0102, .type = 0x80, .len = 4, .data = data};
	uint8_t h[16];
	struct rte_mbuf *m;

	(void)state;
	assert_int_equal(geneve_hdr_write(h, 200, &opt, 1), 16);
	m = tunnel(pkt_eth_ipv4(REM_2, VM_B1, "10.0.0.22", "10.0.0.12"), "192.0.2.3", 6081, h, 16);
	assert_ul_dropped(m, DP_DROP_GENEVE_CRITICAL);
}

static void decap_skips_a_non_critical_geneve_option(void **state)
{
	static const uint8_t data[4] = {1, 2, 3, 4};
	const struct geneve_opt opt = {.cls = 0x0102, .type = 0x01, .len = 4, .data = data};
	uint8_t h[16];
	struct rte_mbuf *m;

	(void)state;
	assert_int_equal(geneve_hdr_write(h, 200, &opt, 1), 16);
	m = tunnel(pkt_eth_ipv4(REM_2, VM_B1, "10.0.0.22", "10.0.0.12"), "192.0.2.3", 6081, h, 16);
	from_underlay(m);
	assert_ptr_equal(only_tx(B1), m);
}

static void decap_drops_geneve_oam(void **state)
{
	uint8_t h[8];
	struct rte_mbuf *m;

	(void)state;
	geneve_hdr_write(h, 200, NULL, 0);
	h[1] |= 0x80; /* O bit */
	m = tunnel(pkt_eth_ipv4(REM_2, VM_B1, "10.0.0.22", "10.0.0.12"), "192.0.2.3", 6081, h, 8);
	assert_ul_dropped(m, DP_DROP_GENEVE_OAM);
}

/* ---- the exception path ---- */

static void non_tunnel_traffic_goes_to_the_kernel(void **state)
{
	struct rte_mbuf *arp = pkt_arp_request(NH_MAC, "192.0.2.2", "192.0.2.1");
	struct rte_mbuf *dns = pkt_eth_ipv4(NH_MAC, UL_MAC, "192.0.2.2", "192.0.2.1");

	(void)state;
	from_underlay(arp);
	assert_ptr_equal(only_tx(TAP), arp);
	dp_worker_flush(w);
	from_underlay(dns); /* UDP to our VTEP, not on a tunnel port */
	assert_ptr_equal(only_tx(TAP), dns);
}

static void kernel_traffic_goes_out_the_underlay(void **state)
{
	struct rte_mbuf *m = pkt_arp_request(UL_MAC, "192.0.2.1", "192.0.2.2");

	(void)state;
	dp_input_burst(w, &snap->ports[idx[TAP]], &m, 1);
	assert_ptr_equal(only_tx(UL), m);
}

/* ---- the IPv6 underlay ---- */

static const struct rte_ipv6_hdr *outer_ip6(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
}

static const struct rte_udp_hdr *outer_udp6(const struct rte_mbuf *m)
{
	return (const struct rte_udp_hdr *)(outer_ip6(m) + 1);
}

static void assert_ip6(const uint8_t *a, const char *text)
{
	uint8_t b[16];

	assert_int_equal(inet_pton(AF_INET6, text, b), 1);
	assert_memory_equal(a, b, 16);
}

static void encap_vxlan_over_ipv6(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv4(VM_A1, REM_6, "10.0.0.11", "10.0.0.26");
	uint32_t inner_len = rte_pktmbuf_pkt_len(m), vni, vtc;
	const struct rte_ether_hdr *eth;
	const struct rte_ipv6_hdr *ip;
	const struct rte_udp_hdr *udp;

	(void)state;
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m, 1);
	assert_ptr_equal(only_tx(UL), m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), inner_len + 70);
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	assert_true(eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6));
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &(struct rte_ether_addr){
								   {2, 0, 0, 0, 0xbb, 2}}));
	ip = outer_ip6(m);
	vtc = rte_be_to_cpu_32(ip->vtc_flow);
	assert_int_equal(vtc >> 28, 6);
	assert_int_equal((vtc >> 20) & 0xff, 0);    /* traffic class */
	assert_int_not_equal(vtc & 0xfffff, 0);     /* a flow label */
	assert_int_equal(rte_be_to_cpu_16(ip->payload_len), inner_len + 16);
	assert_int_equal(ip->proto, IPPROTO_UDP);
	assert_int_equal(ip->hop_limits, 64);
	assert_ip6(ip->src_addr, VTEP6);
	assert_ip6(ip->dst_addr, "2001:db8::2");
	udp = outer_udp6(m);
	assert_int_equal(rte_be_to_cpu_16(udp->dst_port), 4789);
	assert_int_equal(rte_be_to_cpu_16(udp->dgram_len), inner_len + 16);
	assert_true(rte_be_to_cpu_16(udp->src_port) >= 49152);
	/* over IPv6 the UDP checksum is always there, and right */
	assert_int_not_equal(udp->dgram_cksum, 0);
	assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip, udp), 0);
	assert_int_equal(vxlan_hdr_parse((const uint8_t *)(udp + 1), 8, &vni), VXLAN_OK);
	assert_int_equal(vni, 100);
	eth = rte_pktmbuf_mtod_offset(m, const struct rte_ether_hdr *, 70);
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &(struct rte_ether_addr){
								   {2, 0, 0, 0, 0, 0x26}}));
}

static void encap_geneve_over_ipv6(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv4(VM_B1, REM_7, "10.0.0.12", "10.0.0.27");
	const struct rte_udp_hdr *udp;
	uint32_t vni;
	size_t size;

	(void)state;
	dp_vm_input_burst(w, &snap->ports[idx[B1]], &m, 1);
	assert_ptr_equal(only_tx(UL), m);
	assert_ip6(outer_ip6(m)->dst_addr, "2001:db8::3");
	udp = outer_udp6(m);
	assert_int_equal(rte_be_to_cpu_16(udp->dst_port), 6081);
	assert_int_equal(rte_ipv6_udptcp_cksum_verify(outer_ip6(m), udp), 0);
	assert_int_equal(geneve_hdr_parse((const uint8_t *)(udp + 1), 8, &vni, &size, NULL),
			 GENEVE_OK);
	assert_int_equal(vni, 200);
}

/* The flow label and the source port of one inner UDP flow (its source port l4_src). */
static void label_of(uint16_t l4_src, uint32_t *label, uint16_t *sport)
{
	struct rte_mbuf *m = pkt_eth_ipv4(VM_A1, REM_6, "10.0.0.11", "10.0.0.26");
	struct rte_udp_hdr *inner_udp = rte_pktmbuf_mtod_offset(
		m, struct rte_udp_hdr *,
		sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr));

	inner_udp->src_port = rte_cpu_to_be_16(l4_src);
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m, 1);
	m = only_tx(UL);
	*label = rte_be_to_cpu_32(outer_ip6(m)->vtc_flow) & 0xfffff;
	*sport = rte_be_to_cpu_16(outer_udp6(m)->src_port);
	dp_worker_flush(w);
}

static void encap_ipv6_flow_label_follows_the_inner_flow(void **state)
{
	uint32_t first, label, labels[16];
	uint16_t sport, distinct = 0;

	(void)state;
	label_of(1000, &first, &sport);
	label_of(1000, &label, &sport);
	assert_int_equal(label, first);
	for (uint16_t i = 0; i < 16; i++) {
		bool dup = false;

		label_of((uint16_t)(2000 + i), &labels[i], &sport);
		assert_int_not_equal(labels[i], 0);
		assert_true(sport >= 49152);
		for (uint16_t j = 0; j < i; j++)
			dup |= labels[j] == labels[i];
		distinct += !dup;
	}
	assert_true(distinct >= 14);
}

/* A port that computes checksums gets the request and the pseudo-header sum, not a sum. */
static void encap_leaves_checksums_to_a_port_that_offers_them(void **state)
{
	struct rte_mbuf *m4 = pkt_eth_ipv4(VM_A1, REM_1, "10.0.0.11", "10.0.0.21");
	struct rte_mbuf *m6 = pkt_eth_ipv4(VM_A1, REM_6, "10.0.0.11", "10.0.0.26");
	const struct rte_ipv6_hdr *ip6;

	(void)state;
	publish(true);
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m4, 1);
	assert_ptr_equal(only_tx(UL), m4);
	assert_int_equal(m4->ol_flags, RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
	assert_int_equal(m4->l2_len, 14);
	assert_int_equal(m4->l3_len, 20);
	assert_int_equal(outer_ip(m4)->hdr_checksum, 0);
	dp_worker_flush(w);
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m6, 1);
	assert_ptr_equal(only_tx(UL), m6);
	assert_int_equal(m6->ol_flags, RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM);
	assert_int_equal(m6->l2_len, 14);
	assert_int_equal(m6->l3_len, 40);
	ip6 = outer_ip6(m6);
	assert_int_equal(outer_udp6(m6)->dgram_cksum, rte_ipv6_phdr_cksum(ip6, m6->ol_flags));
	dp_worker_flush(w);
	publish(false);
}

/* A VTEP of a family the underlay has no address of cannot be reached. */
static void encap_to_a_family_without_a_vtep_is_no_underlay(void **state)
{
	struct dp_underlay u = {.present = true, .has_vtep4 = true};
	struct dp_remote r = {.vni = 100, .vtep_af = AF_INET6};
	struct rte_ether_addr nh = pkt_mac(NH_MAC);

	(void)state;
	dp_tmpl_build(&r, &u, DP_ENCAP_VXLAN, 64, &nh);
	assert_int_equal(r.verdict, DP_DROP_NO_UNDERLAY);
	u.has_vtep6 = true;
	dp_tmpl_build(&r, &u, DP_ENCAP_VXLAN, 64, &nh);
	assert_int_equal(r.verdict, DP_DROP_MAX);
	assert_int_equal(r.tmpl_len, 70);
	u.has_vtep4 = false;
	r.vtep_af = AF_INET;
	dp_tmpl_build(&r, &u, DP_ENCAP_VXLAN, 64, &nh);
	assert_int_equal(r.verdict, DP_DROP_NO_UNDERLAY);
}

static void encap_marks_the_vtep_used(void **state)
{
	struct rte_mbuf *m = pkt_eth_ipv4(VM_A1, REM_6, "10.0.0.11", "10.0.0.26");
	struct rte_mbuf *m2 = pkt_eth_ipv4(VM_A1, REM_6, "10.0.0.11", "10.0.0.26");
	struct dp_vtep v[4];

	(void)state;
	(void)dp_vteps_used(v, 4); /* what earlier tests left */
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m, 1);
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m2, 1);
	assert_int_equal(dp_vteps_used(v, 4), 1);
	assert_int_equal(v[0].af, AF_INET6);
	assert_ip6(v[0].addr, "2001:db8::2");
	assert_int_equal(dp_vteps_used(v, 4), 0);
}

/* Encapsulate inner as a remote host would over IPv6, with a right UDP checksum. */
static struct rte_mbuf *tunnel6(struct rte_mbuf *inner, const char *src_ip, uint16_t dport,
				const uint8_t *hdr, size_t hdr_size)
{
	uint32_t inner_len = rte_pktmbuf_pkt_len(inner);
	size_t outer = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr) +
		       sizeof(struct rte_udp_hdr) + hdr_size;
	uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(inner, (uint16_t)outer);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint16_t ulen = (uint16_t)(sizeof(*udp) + hdr_size + inner_len);

	assert_non_null(p);
	eth->dst_addr = pkt_mac(UL_MAC);
	eth->src_addr = pkt_mac(NH_MAC);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = RTE_BE32(6u << 28 | 0x12345);
	ip->payload_len = rte_cpu_to_be_16(ulen);
	ip->proto = IPPROTO_UDP;
	ip->hop_limits = 64;
	assert_int_equal(inet_pton(AF_INET6, src_ip, ip->src_addr), 1);
	assert_int_equal(inet_pton(AF_INET6, VTEP6, ip->dst_addr), 1);
	udp->src_port = RTE_BE16(50000);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16(ulen);
	udp->dgram_cksum = 0;
	memcpy(udp + 1, hdr, hdr_size);
	udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
	return inner;
}

static struct rte_mbuf *good6(void)
{
	uint8_t h[VXLAN_HDR_SIZE];

	vxlan_hdr_write(h, 100);
	return tunnel6(pkt_eth_ipv4(REM_6, VM_A1, "10.0.0.26", "10.0.0.11"), "2001:db8::2", 4789,
		       h, sizeof(h));
}

static void decap_over_ipv6_delivers(void **state)
{
	struct rte_mbuf *m = good6();
	uint32_t len = rte_pktmbuf_pkt_len(m) - 70;

	(void)state;
	from_underlay(m);
	assert_ptr_equal(only_tx(A1), m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), len);
}

static void decap_geneve_over_ipv6_delivers(void **state)
{
	uint8_t h[GENEVE_HDR_SIZE];
	struct rte_mbuf *m;

	(void)state;
	geneve_hdr_write(h, 200, NULL, 0);
	m = tunnel6(pkt_eth_ipv4(REM_7, VM_B1, "10.0.0.27", "10.0.0.12"), "2001:db8::3", 6081, h,
		    sizeof(h));
	from_underlay(m);
	assert_ptr_equal(only_tx(B1), m);
}

static void decap_over_ipv6_accepts_a_zero_udp_checksum(void **state)
{
	struct rte_mbuf *m = good6();

	(void)state;
	rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 54)->dgram_cksum = 0;
	from_underlay(m);
	assert_ptr_equal(only_tx(A1), m);
}

static void decap_over_ipv6_drops_a_bad_udp_checksum(void **state)
{
	struct rte_mbuf *m = good6();

	(void)state;
	rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 54)->dgram_cksum ^= RTE_BE16(0x0101);
	assert_ul_dropped(m, DP_DROP_OUTER_CHECKSUM);
}

static void decap_over_ipv6_drops_a_payload_length_beyond_the_frame(void **state)
{
	struct rte_mbuf *m = good6();
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14);

	(void)state;
	ip->payload_len = rte_cpu_to_be_16(rte_be_to_cpu_16(ip->payload_len) + 1);
	assert_ul_dropped(m, DP_DROP_OUTER_MALFORMED);
}

static void decap_over_ipv6_drops_a_udp_length_beyond_the_payload(void **state)
{
	struct rte_mbuf *m = good6();
	struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 54);

	(void)state;
	udp->dgram_len = rte_cpu_to_be_16(rte_be_to_cpu_16(udp->dgram_len) + 2);
	assert_ul_dropped(m, DP_DROP_OUTER_MALFORMED);
}

/* IP payload longer than the UDP datagram: the rest is padding, and the checksum covers the
 * UDP length only (RFC 768, RFC 8200 8.1), as Linux reads it. */
static void decap_checksums_over_the_udp_length_not_the_ip_payload(void **state)
{
	struct rte_mbuf *m6 = good6(), *m4 = good();
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod_offset(m6, struct rte_ipv6_hdr *, 14);
	struct rte_ipv4_hdr *ip4h = rte_pktmbuf_mtod_offset(m4, struct rte_ipv4_hdr *, 14);
	struct rte_udp_hdr *udp4 = (struct rte_udp_hdr *)(ip4h + 1);
	uint32_t len6 = rte_pktmbuf_pkt_len(m6) - 70, len4 = rte_pktmbuf_pkt_len(m4) - 50;

	(void)state;
	udp4->dgram_cksum = rte_ipv4_udptcp_cksum(ip4h, udp4); /* over the UDP length */
	assert_non_null(rte_pktmbuf_append(m6, 8));
	assert_non_null(rte_pktmbuf_append(m4, 8));
	memset(rte_pktmbuf_mtod_offset(m6, uint8_t *, rte_pktmbuf_pkt_len(m6) - 8), 0x5a, 8);
	memset(rte_pktmbuf_mtod_offset(m4, uint8_t *, rte_pktmbuf_pkt_len(m4) - 8), 0x5a, 8);
	ip6->payload_len = rte_cpu_to_be_16(rte_be_to_cpu_16(ip6->payload_len) + 8);
	ip4h->total_length = rte_cpu_to_be_16(rte_be_to_cpu_16(ip4h->total_length) + 8);
	ip4h->hdr_checksum = 0;
	ip4h->hdr_checksum = rte_ipv4_cksum(ip4h);
	from_underlay(m6);
	assert_ptr_equal(only_tx(A1), m6);
	assert_int_equal(rte_pktmbuf_pkt_len(m6), len6);
	dp_worker_flush(w);
	from_underlay(m4);
	assert_ptr_equal(only_tx(A1), m4);
	assert_int_equal(rte_pktmbuf_pkt_len(m4), len4);
}

/* A first fragment of a tunnel packet: ours (the port says so), and never reassembled. */
static void decap_over_ipv6_drops_fragments(void **state)
{
	struct rte_mbuf *m = good6();
	uint8_t hdrs[14 + 40], *p;
	struct rte_ipv6_hdr *ip;
	struct rte_ipv6_fragment_ext *f;

	(void)state;
	/* open a gap for the fragment header after the IPv6 header */
	memcpy(hdrs, rte_pktmbuf_mtod(m, uint8_t *), sizeof(hdrs));
	p = (uint8_t *)rte_pktmbuf_prepend(m, 8);
	assert_non_null(p);
	memcpy(p, hdrs, sizeof(hdrs));
	ip = (struct rte_ipv6_hdr *)(p + 14);
	f = (struct rte_ipv6_fragment_ext *)(ip + 1);
	f->next_header = IPPROTO_UDP;
	f->reserved = 0;
	f->frag_data = RTE_BE16(1); /* offset 0, more fragments */
	f->id = RTE_BE32(7);
	ip->proto = IPPROTO_FRAGMENT;
	ip->payload_len = rte_cpu_to_be_16(rte_be_to_cpu_16(ip->payload_len) + 8);
	assert_ul_dropped(m, DP_DROP_OUTER_FRAGMENT);
}

static void decap_over_ipv6_drops_an_unknown_vtep(void **state)
{
	uint8_t h[VXLAN_HDR_SIZE];
	struct rte_mbuf *m;

	(void)state;
	vxlan_hdr_write(h, 100);
	m = tunnel6(pkt_eth_ipv4(REM_6, VM_A1, "10.0.0.26", "10.0.0.11"), "2001:db8::9", 4789, h,
		    sizeof(h));
	assert_ul_dropped(m, DP_DROP_UNKNOWN_VTEP);
}

/* 2001:db8::2 is a VTEP of vni 100, but REM_1 lives behind 192.0.2.2: the same host or
 * not, an IPv6 VTEP cannot speak for a VM registered behind an IPv4 one. */
static void decap_over_ipv6_drops_an_inner_source_behind_another_vtep(void **state)
{
	uint8_t h[VXLAN_HDR_SIZE];
	struct rte_mbuf *m;

	(void)state;
	vxlan_hdr_write(h, 100);
	m = tunnel6(pkt_eth_ipv4(REM_1, VM_A1, "10.0.0.21", "10.0.0.11"), "2001:db8::2", 4789, h,
		    sizeof(h));
	assert_ul_dropped(m, DP_DROP_INNER_SRC_SPOOF);
}

/* Neighbour discovery, and UDP to our VTEP on another port: the kernel's. */
static void ipv6_non_tunnel_traffic_goes_to_the_kernel(void **state)
{
	struct rte_mbuf *nd = pkt_eth_ipv6(NH_MAC, UL_MAC, "2001:db8::2", VTEP6);
	struct rte_mbuf *other = good6();

	(void)state;
	((struct rte_ipv6_hdr *)pkt_l3(nd))->proto = IPPROTO_ICMPV6;
	from_underlay(nd);
	assert_ptr_equal(only_tx(TAP), nd);
	dp_worker_flush(w);
	rte_pktmbuf_mtod_offset(other, struct rte_udp_hdr *, 54)->dst_port = RTE_BE16(53);
	from_underlay(other);
	assert_ptr_equal(only_tx(TAP), other);
}

/* ---- ICMPv6 packet too big ---- */

static struct rte_mbuf *big6(uint8_t proto, uint8_t first_byte)
{
	struct rte_mbuf *m = pkt_build(&(struct pkt_spec){.src = VM_A1, .dst = REM_1,
							  .l3 = PKT_L3_IPV6, .sip = "fd00::11",
							  .dip = "fd00::21", .payload = 1500 - 40});
	struct rte_ipv6_hdr *ip = pkt_l3(m);

	ip->proto = proto;
	*(uint8_t *)(ip + 1) = first_byte;
	return m;
}

static void too_big_ipv6_gets_packet_too_big_from_the_gateway(void **state)
{
	struct rte_mbuf *m = big6(IPPROTO_UDP, 0), *e;
	const struct rte_ether_hdr *eth;
	const struct rte_ipv6_hdr *ip;
	const uint8_t *icmp;
	uint8_t quoted[1232];

	(void)state;
	memcpy(quoted, rte_pktmbuf_mtod_offset(m, uint8_t *, 14), sizeof(quoted));
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m, 1);
	assert_int_equal(drops(A1, DP_DROP_TOO_BIG), 1);
	e = only_tx(A1);
	/* the minimum IPv6 MTU, whole: as much of the packet as fits (RFC 4443 2.4 c) */
	assert_int_equal(rte_pktmbuf_pkt_len(e), 14 + 1280);
	eth = rte_pktmbuf_mtod(e, const struct rte_ether_hdr *);
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &(struct rte_ether_addr){
								   {2, 0, 0, 0, 0, 6}}));
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &(struct rte_ether_addr){
								   {2, 0, 0, 0, 0, 0x11}}));
	assert_true(eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6));
	ip = (const struct rte_ipv6_hdr *)(eth + 1);
	assert_ip6(ip->src_addr, "fd00::1");
	assert_ip6(ip->dst_addr, "fd00::11");
	assert_int_equal(ip->proto, IPPROTO_ICMPV6);
	assert_int_equal(rte_be_to_cpu_16(ip->payload_len), 1240);
	icmp = (const uint8_t *)(ip + 1);
	assert_int_equal(icmp[0], 2);
	assert_int_equal(icmp[1], 0);
	assert_int_equal(icmp[4] << 24 | icmp[5] << 16 | icmp[6] << 8 | icmp[7], 1450);
	assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip, icmp), 0);
	assert_memory_equal(icmp + 8, quoted, sizeof(quoted));
}

/* Never an error about an error: no ICMP answer to a too-big ICMP error, v4 or v6. */
static void too_big_icmp_errors_get_no_answer(void **state)
{
	struct rte_mbuf *m6 = big6(IPPROTO_ICMPV6, 1 /* destination unreachable */);
	struct rte_mbuf *echo6 = big6(IPPROTO_ICMPV6, 128 /* echo request */);
	struct rte_mbuf *m4 = over_mtu(true);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m4, struct rte_ipv4_hdr *, 14);

	(void)state;
	ip->next_proto_id = IPPROTO_ICMP;
	*(uint8_t *)(ip + 1) = 3; /* destination unreachable */
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m6, 1);
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m4, 1);
	assert_int_equal(drops(A1, DP_DROP_TOO_BIG), 2);
	assert_int_equal(w->tx[idx[A1]].n, 0);
	/* an echo request is no error: it gets its answer */
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &echo6, 1);
	assert_int_equal(w->tx[idx[A1]].n, 1);
}

/* A VM with no IPv6 gateway has no address to hear the error from: only the drop. */
static void too_big_ipv6_without_a_gateway_is_only_dropped(void **state)
{
	struct rte_mbuf *m = pkt_build(&(struct pkt_spec){.src = VM_B1, .dst = REM_2,
							  .l3 = PKT_L3_IPV6, .sip = "fd00::12",
							  .dip = "fd00::22", .payload = 1500 - 40});
	struct dp_port_snap in = snap->ports[idx[B1]];

	(void)state;
	/* B1 has no IPv6 address in the snapshot: give its copy one, to pass port security */
	in.n_ip6 = 1;
	assert_int_equal(inet_pton(AF_INET6, "fd00::12", in.ip6[0]), 1);
	dp_vm_input_burst(w, &in, &m, 1);
	assert_int_equal(drops(B1, DP_DROP_TOO_BIG), 1);
	assert_int_equal(w->tx[idx[B1]].n, 0);
}

/* null ports free what they send, so the fixture's check that every mbuf is back holds */
#define T(f) cmocka_unit_test_teardown(f, dp_fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(encap_vxlan_writes_template_and_patches_lengths),
		T(encap_geneve_for_a_geneve_vpc),
		T(encap_source_port_follows_the_inner_flow),
		T(encap_to_unresolved_vtep_drops_and_asks_once),
		T(encap_of_a_packet_over_the_vpc_mtu_is_dropped),
		T(too_big_with_df_gets_icmp_frag_needed_from_the_gateway),
		T(too_big_without_df_is_only_dropped),
		T(decap_delivers_the_inner_frame_to_the_local_port),
		T(decap_geneve_delivers_in_a_geneve_vpc),
		T(decap_trims_ethernet_padding),
		T(decap_drops_bad_outer_ipv4_checksum),
		T(decap_drops_bad_nonzero_udp_checksum),
		T(decap_accepts_a_right_udp_checksum),
		T(decap_drops_fragments),
		T(decap_drops_ip_length_beyond_the_frame),
		T(decap_drops_vxlan_without_i_flag),
		T(decap_drops_a_vni_not_served_here),
		T(decap_drops_vxlan_for_a_geneve_vpc),
		T(decap_drops_a_vtep_the_vpc_does_not_list),
		T(decap_drops_a_vtep_of_another_vpc),
		T(decap_drops_an_inner_source_of_another_vtep),
		T(decap_drops_an_inner_source_that_is_a_local_vm),
		T(decap_never_sends_back_to_the_underlay),
		T(decap_drops_broadcast_inner_frames),
		T(decap_drops_a_udp_length_too_short_for_an_inner_frame),
		T(decap_drops_geneve_with_an_unknown_critical_option),
		T(decap_skips_a_non_critical_geneve_option),
		T(decap_drops_geneve_oam),
		T(non_tunnel_traffic_goes_to_the_kernel),
		T(kernel_traffic_goes_out_the_underlay),
		T(encap_vxlan_over_ipv6),
		T(encap_geneve_over_ipv6),
		T(encap_ipv6_flow_label_follows_the_inner_flow),
		T(encap_leaves_checksums_to_a_port_that_offers_them),
		T(encap_to_a_family_without_a_vtep_is_no_underlay),
		T(encap_marks_the_vtep_used),
		T(decap_over_ipv6_delivers),
		T(decap_geneve_over_ipv6_delivers),
		T(decap_over_ipv6_accepts_a_zero_udp_checksum),
		T(decap_over_ipv6_drops_a_bad_udp_checksum),
		T(decap_over_ipv6_drops_a_payload_length_beyond_the_frame),
		T(decap_over_ipv6_drops_a_udp_length_beyond_the_payload),
		T(decap_over_ipv6_drops_fragments),
		T(decap_checksums_over_the_udp_length_not_the_ip_payload),
		T(decap_over_ipv6_drops_an_unknown_vtep),
		T(decap_over_ipv6_drops_an_inner_source_behind_another_vtep),
		T(ipv6_non_tunnel_traffic_goes_to_the_kernel),
		T(too_big_ipv6_gets_packet_too_big_from_the_gateway),
		T(too_big_icmp_errors_get_no_answer),
		T(too_big_ipv6_without_a_gateway_is_only_dropped),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
