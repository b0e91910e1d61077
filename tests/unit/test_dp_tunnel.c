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

enum { A1, B1, UL, TAP, N_PORTS };

static struct dp_port *ports[N_PORTS];
static uint16_t idx[N_PORTS];
static struct dp_worker *w;
static const struct dp_snap *snap;

static uint32_t ip4(const char *s)
{
	uint32_t a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static struct rte_ether_addr mac(const char *s)
{
	struct rte_ether_addr a;

	assert_int_equal(rte_ether_unformat_addr(s, &a), 0);
	return a;
}

#define GW_MAC "02:00:00:00:00:01"

static void add_vm(struct dp_build *b, int i, uint32_t vni, const char *m, const char *ip)
{
	struct dp_port_conf pc = {.port = ports[i], .vni = vni, .n_ip4 = 1};
	struct rte_ether_addr a = mac(m), gw = mac(GW_MAC);

	memcpy(pc.mac, a.addr_bytes, 6);
	pc.ip4[0] = ip4(ip);
	pc.gw4 = ip4("10.0.0.1");
	memcpy(pc.gw_mac, gw.addr_bytes, 6);
	assert_int_equal(dp_build_port(b, &pc), 0);
}

static void add_remote(struct dp_build *b, uint32_t vni, const char *m, const char *ip,
		       const char *vtep, bool nh_known)
{
	struct rte_ether_addr a = mac(m), nh = mac(NH_MAC);
	uint8_t vt[16] = {0};
	uint32_t addr = ip4(ip);

	assert_int_equal(inet_pton(AF_INET, vtep, vt), 1);
	assert_int_equal(dp_build_remote(b, vni, a.addr_bytes, &addr, 1, AF_INET, vt,
					 nh_known ? nh.addr_bytes : NULL),
			 0);
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

static int group_setup(void **state)
{
	static const char *const vdevs[] = {"net_null0", "net_null1", NULL};
	struct dp_underlay_conf u = {.vxlan_port = 4789, .geneve_port = 6081, .ttl = 64,
				     .sport_min = 49152, .sport_max = 65535};
	struct rte_ether_addr ul = mac(UL_MAC);
	struct dp_build *b;

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
	b = dp_build_begin();
	assert_non_null(b);
	u.port = ports[UL];
	u.tap = ports[TAP];
	memcpy(u.mac, ul.addr_bytes, 6);
	u.vtep4 = ip4("192.0.2.1");
	assert_int_equal(dp_build_underlay(b, &u), 0);
	assert_int_equal(dp_build_vpc(b, 100, DP_ENCAP_VXLAN, 1450), 0);
	assert_int_equal(dp_build_vpc(b, 200, DP_ENCAP_GENEVE, 1400), 0);
	add_vm(b, A1, 100, VM_A1, "10.0.0.11");
	add_vm(b, B1, 200, VM_B1, "10.0.0.12");
	add_remote(b, 100, REM_1, "10.0.0.21", "192.0.2.2", true);
	add_remote(b, 200, REM_2, "10.0.0.22", "192.0.2.3", true);
	add_remote(b, 100, REM_3, "10.0.0.23", "192.0.2.4", false);
	assert_int_equal(dp_build_commit(b), 0);
	snap = atomic_load(&dp_snap_current);
	w->snap = snap;
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

/* After each test: everything freed (null ports free what they send), counters reset. */
static int teardown(void **state)
{
	(void)state;
	/* the VM ports have no device: what a test left for them is dropped and freed here */
	dp_worker_flush(w);
	assert_int_equal(w->n_dirty, 0);
	assert_int_equal(rte_mempool_avail_count(dp_pool), N_MBUFS);
	memset(w->ports, 0, sizeof(w->ports));
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
	eth->dst_addr = mac(UL_MAC);
	eth->src_addr = mac(NH_MAC);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(outer - sizeof(*eth) + inner_len));
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = ip4(src_ip);
	ip->dst_addr = ip4("192.0.2.1");
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
	assert_int_equal(ip->src_addr, ip4("192.0.2.1"));
	assert_int_equal(ip->dst_addr, ip4("192.0.2.2"));
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
	assert_int_equal(outer_ip(m)->dst_addr, ip4("192.0.2.3"));
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
	uint32_t vteps[4];

	(void)state;
	assert_int_equal(dp_vteps_unresolved(vteps, 4), 0);
	dp_vm_input_burst(w, &snap->ports[idx[A1]], &m, 1);
	assert_int_equal(drops(A1, DP_DROP_VTEP_UNRESOLVED), 1);
	assert_int_equal(dp_vteps_unresolved(vteps, 4), 1);
	assert_int_equal(vteps[0], ip4("192.0.2.4"));
	assert_int_equal(dp_vteps_unresolved(vteps, 4), 0);
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
	assert_int_equal(ip->src_addr, ip4("10.0.0.1"));
	assert_int_equal(ip->dst_addr, ip4("10.0.0.11"));
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

#define T(f) cmocka_unit_test_teardown(f, teardown)

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
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
