/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the load balancer in the dataplane (dataplane/dp_lb.c through the flow
 * stage): real mbufs, real snapshots with a Maglev table from control/lb_maglev.c. Port a
 * (10.0.1.10) is the client; b (10.0.1.20, a's subnet) and c (10.0.2.30, another subnet)
 * are the backends of VIP 10.0.1.100 tcp/80 -> 8080. Checked: the first packet reaches a
 * backend translated, unrouted when it shares the client's subnet and routed when not; its
 * answer reaches the client from the VIP; connections spread; no backend up, a removed
 * backend (reset from the VIP, or dropped), a backend reaching the VIP itself (hairpin), an
 * ICMP error about a balanced connection. And the health checker's way (dataplane/
 * dp_health.c): port h stands for its tap, b is checked at probe slot 5 (169.254.1.5).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp_fixture.h"
#include "dp_route.h"
#include "lb_maglev.h"
#include "pkt_fixture.h"

#define VNI	100
#define N_MBUFS 2047
enum { A, B, C, H, N_PORTS }; /* H: the health checker's tap */

static const char *const names[N_PORTS] = {"a", "b", "c", "h"};
static const char *const macs[N_PORTS] = {"02:00:00:00:01:0a", "02:00:00:00:01:14",
					  "02:00:00:00:02:1e", "02:00:a9:fe:00:01"};
static const char *const ips[N_PORTS] = {"10.0.1.10", "10.0.1.20", "10.0.2.30", NULL};
static const int subnet_of[N_PORTS] = {0, 0, 1, 0};
#define B_PROBE "169.254.1.5" /* slot 5 */
static const struct {
	const char *cidr, *gw, *mac;
} subnets[2] = {{"10.0.1.0/24", "10.0.1.1", "02:00:00:00:00:01"},
		{"10.0.2.0/24", "10.0.2.1", "02:00:00:00:00:02"}};
#define VIP "10.0.1.100"

static struct dp_port *ports[N_PORTS];
static uint16_t idx[N_PORTS];
static struct dp_worker *w;
static struct dp_rtable *rt;
static uint16_t table[LB_MAGLEV_SIZE];
static uint32_t affinity_s; /* the listener's client affinity in the next publish */
static uint32_t fake_now = 1000;

static uint32_t fake_clock(void)
{
	return fake_now;
}

static struct dp_route_conf connected(const char *cidr)
{
	struct dp_route_conf r = {.kind = DP_NH_CONNECTED, .af = AF_INET};
	char ip[32];

	snprintf(ip, sizeof(ip), "%.*s", (int)(strchr(cidr, '/') - cidr), cidr);
	pkt_addr(ip, r.addr);
	r.plen = 24;
	return r;
}

/* The snapshot with the VIP balanced over `backends` (port numbers; n 0: the listener
 * without backends), those up in the table. */
static void publish(const int *backends, int n, bool removed_drop)
{
	struct dp_build *b = dp_fixture_begin();
	struct dp_lb_backend_conf bes[N_PORTS];
	struct lb_maglev_backend mb[N_PORTS];
	struct dp_lb_conf lc = {.vni = VNI,
				.af = AF_INET,
				.proto = IPPROTO_TCP,
				.port = 80,
				.removed_drop = removed_drop,
				.affinity_s = affinity_s,
				.backends = bes,
				.n_backends = (uint32_t)n};

	for (int i = 0; i < H; i++) {
		struct dp_port_conf pc;
		int s = subnet_of[i];

		dp_fixture_port_conf(&pc, ports[i], VNI, macs[i], ips[i], NULL);
		dp_fixture_port_gw(&pc, subnets[s].gw, subnets[s].mac, NULL, NULL);
		pc.mtu = 1500;
		assert_int_equal(dp_build_port(b, &pc), 0);
	}
	for (int s = 0; s < 2; s++)
		dp_fixture_gateway(b, VNI, subnets[s].gw, subnets[s].mac);
	assert_int_equal(dp_build_vpc(b, VNI, DP_ENCAP_VXLAN, 1500), 0);
	assert_int_equal(dp_build_routes(b, VNI, rt), 0);
	assert_int_equal(dp_build_health(b, ports[H], pkt_mac(macs[H]).addr_bytes), 0);
	assert_int_equal(dp_build_health_target(b, 5, ports[B], pkt_ip4(ips[B])), 0);
	assert_int_equal(dp_build_health_target(b, 5, ports[C], pkt_ip4(ips[C])), -EEXIST);
	assert_int_equal(dp_build_health_target(b, 6, ports[C], pkt_ip4(ips[B])), -EINVAL);
	assert_int_equal(dp_build_health_target(b, 7, ports[C], pkt_ip4(ips[C])), 0);
	pkt_addr(VIP, lc.vip);
	memcpy(lc.gw_mac, pkt_mac(subnets[0].mac).addr_bytes, 6);
	for (int i = 0; i < n; i++) {
		struct dp_route_conf sub = connected(subnets[subnet_of[backends[i]]].cidr);

		memset(&bes[i], 0, sizeof(bes[i]));
		pkt_addr(ips[backends[i]], bes[i].addr);
		bes[i].port = 8080;
		memcpy(bes[i].subnet, sub.addr, 16);
		bes[i].subnet_plen = 24;
		mb[i] = (struct lb_maglev_backend){.id = lb_maglev_id(bes[i].addr, 4), .weight = 1};
	}
	if (n > 0) {
		assert_int_equal(lb_maglev_build(mb, (uint32_t)n, LB_MAGLEV_SIZE, table), 0);
		lc.table = table;
		lc.table_size = LB_MAGLEV_SIZE;
	}
	assert_int_equal(dp_build_lb(b, &lc), 0);
	dp_fixture_commit(b);
}

static const int both[] = {B, C};

static int group_setup(void **state)
{
	const struct dp_route_conf r[] = {connected(subnets[0].cidr), connected(subnets[1].cidr)};

	(void)state;
	w = dp_fixture_start("ut_dp_lb", N_MBUFS, NULL);
	dp_ct_clock = fake_clock;
	dp_fixture_ports(ports, idx, names, N_PORTS);
	rt = dp_rtable_build(VNI, r, 2, NULL, 0);
	assert_non_null(rt);
	publish(both, 2, false);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	w->snap = NULL;
	dp_snap_release_all();
	dp_rtable_free(rt);
	dp_fixture_stop(w);
	return 0;
}

static int teardown(void **state)
{
	dp_fixture_teardown(state);
	dp_ct_fini();
	assert_int_equal(dp_ct_init(4096, 4096), 0);
	affinity_s = 0;
	publish(both, 2, false);
	return 0;
}

static uint16_t data_len; /* bytes of data the next tcp() carries */

/* A TCP segment from port `from` (src_ip NULL: its own address) to dst_mac. */
static struct rte_mbuf *tcp(int from, const char *dst_mac, const char *src_ip, const char *dip,
			    uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq,
			    uint32_t ack)
{
	struct rte_mbuf *m =
		pkt_build(&(struct pkt_spec){.src = macs[from],
					     .dst = dst_mac,
					     .l3 = PKT_L3_IPV4,
					     .sip = src_ip != NULL ? src_ip : ips[from],
					     .dip = dip,
					     .proto = IPPROTO_TCP,
					     .payload = (uint16_t)(20 + data_len)});
	struct rte_tcp_hdr *t = pkt_l4(m);

	t->src_port = rte_cpu_to_be_16(sport);
	t->dst_port = rte_cpu_to_be_16(dport);
	t->sent_seq = rte_cpu_to_be_32(seq);
	t->recv_ack = rte_cpu_to_be_32(ack);
	t->data_off = 0x50;
	t->tcp_flags = flags;
	pkt_cksum_fix(m);
	return m;
}

static struct rte_mbuf *syn(uint16_t sport)
{
	return tcp(A, subnets[0].mac, NULL, VIP, sport, 80, RTE_TCP_SYN_FLAG, 1000, 0);
}

static const struct rte_tcp_hdr *tcp_of(const struct rte_mbuf *m)
{
	return pkt_l4((struct rte_mbuf *)m);
}

/* The backend port the last run sent a frame to, -1 if none (or more than one). */
static int sent_to(void)
{
	int to = -1;

	if (dp_fixture_sent_total() != 1)
		return -1;
	for (int p = 0; p < N_PORTS; p++)
		if (w->tx[idx[p]].n == 1)
			to = p;
	return to;
}

/* A SYN with sport to the VIP; the backend it reached (the test fails if none). */
static int open_conn(uint16_t sport)
{
	char buf[256];
	int to;

	dp_fixture_run(A, syn(sport));
	to = sent_to();
	if (to != B && to != C)
		fail_msg("SYN %u to the VIP: %s", sport, dp_fixture_outcome(buf, sizeof(buf)));
	return to;
}

static void first_packet_reaches_a_backend_translated_and_the_answer_comes_from_the_vip(void **s)
{
	bool seen[N_PORTS] = {false};

	(void)s;
	for (uint16_t sport = 40000; sport < 40100 && !(seen[B] && seen[C]); sport++) {
		int to = open_conn(sport);
		const struct rte_mbuf *m = w->tx[idx[to]].pkts[0];
		const struct rte_ipv4_hdr *ip = pkt_l3((struct rte_mbuf *)m);
		struct rte_mbuf *ans, *back;

		seen[to] = true;
		pkt_assert_addr_at(__LINE__, &ip->dst_addr, ips[to]);
		pkt_assert_addr_at(__LINE__, &ip->src_addr, ips[A]);
		assert_int_equal(rte_be_to_cpu_16(tcp_of(m)->dst_port), 8080);
		assert_int_equal(rte_be_to_cpu_16(tcp_of(m)->src_port), sport);
		pkt_assert_cksums(m);
		if (to == B) { /* a's own subnet: as if a had sent to b, not routed */
			pkt_assert_eth_at(__LINE__, m, macs[A], macs[B]);
			assert_int_equal(ip->time_to_live, 64);
		} else {
			pkt_assert_eth_at(__LINE__, m, subnets[1].mac, macs[C]);
			assert_int_equal(ip->time_to_live, 63);
		}
		/* the answer, as the backend sends it: to a's MAC, or through its gateway */
		ans = tcp(to, to == B ? macs[A] : subnets[1].mac, NULL, ips[A], 8080, sport,
			  RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 5000, 1001);
		back = dp_fixture_pass(__LINE__, to, ans, A);
		ip = pkt_l3(back);
		pkt_assert_addr_at(__LINE__, &ip->src_addr, VIP);
		pkt_assert_addr_at(__LINE__, &ip->dst_addr, ips[A]);
		assert_int_equal(rte_be_to_cpu_16(tcp_of(back)->src_port), 80);
		assert_int_equal(rte_be_to_cpu_16(tcp_of(back)->dst_port), sport);
		pkt_assert_eth_at(__LINE__, back, subnets[0].mac, macs[A]);
		pkt_assert_cksums(back);
	}
	assert_true(seen[B] && seen[C]);
}

static void connections_spread_over_the_backends(void **s)
{
	int n[N_PORTS] = {0};

	(void)s;
	for (uint16_t sport = 20000; sport < 20400; sport++)
		n[open_conn(sport)]++;
	print_message("400 connections: b %d, c %d\n", n[B], n[C]);
	assert_true(n[B] > 140 && n[C] > 140); /* 200 each; 6 standard deviations */
}

static void no_backend_up_drops_new_connections_by_name(void **s)
{
	(void)s;
	publish(both, 0, false);
	dp_fixture_drop(__LINE__, A, syn(3000), A, DP_DROP_LB_NO_BACKEND);
}

/* An established connection on b, then b is no longer a backend. */
static uint16_t conn_on_b(void)
{
	for (uint16_t sport = 50000;; sport++)
		if (open_conn(sport) == B)
			return sport;
}

/* Run m from a: the switch answers it with a reset back to a, and counts it as
 * lb_backend_removed there. The reset (valid until the next run). */
static struct rte_mbuf *reset_of(struct rte_mbuf *m)
{
	char buf[256];

	dp_fixture_run(A, m);
	if (sent_to() != A || dp_fixture_drops_total() != 1 ||
	    w->ports[idx[A]].drops[DP_DROP_LB_BACKEND_REMOVED] != 1)
		fail_msg("%s want a reset sent to a, counted as lb_backend_removed",
			 dp_fixture_outcome(buf, sizeof(buf)));
	return w->tx[idx[A]].pkts[0];
}

static void removed_backend_connection_gets_a_reset_from_the_vip(void **s)
{
	static const int only_c[] = {C};
	uint16_t sport = conn_on_b();
	struct rte_mbuf *rst;
	const struct rte_ipv4_hdr *ip;

	(void)s;
	dp_fixture_pass(__LINE__, B,
			tcp(B, macs[A], NULL, ips[A], 8080, sport,
			    RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 5000, 1001),
			A);
	publish(only_c, 1, false);
	rst = reset_of(tcp(A, subnets[0].mac, NULL, VIP, sport, 80, RTE_TCP_ACK_FLAG, 1001, 5001));
	ip = pkt_l3(rst);
	pkt_assert_addr_at(__LINE__, &ip->src_addr, VIP);
	pkt_assert_addr_at(__LINE__, &ip->dst_addr, ips[A]);
	assert_int_equal(rte_be_to_cpu_16(tcp_of(rst)->src_port), 80);
	assert_int_equal(rte_be_to_cpu_16(tcp_of(rst)->dst_port), sport);
	assert_int_equal(tcp_of(rst)->tcp_flags, RTE_TCP_RST_FLAG);
	assert_int_equal(rte_be_to_cpu_32(tcp_of(rst)->sent_seq), 5001); /* what a acknowledged */
	assert_int_equal(rte_be_to_cpu_16(ip->total_length), 40);
	pkt_assert_eth_at(__LINE__, rst, subnets[0].mac, macs[A]);
	pkt_assert_cksums(rst);
	/* and for the next segment too: one without ACK, with 10 bytes of data, has them
	 * acknowledged by the reset (RFC 793); the answer carries none */
	data_len = 10;
	rst = reset_of(tcp(A, subnets[0].mac, NULL, VIP, sport, 80, 0, 7000, 0));
	data_len = 0;
	assert_int_equal(tcp_of(rst)->tcp_flags, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(rte_be_to_cpu_32(tcp_of(rst)->recv_ack), 7010);
	assert_int_equal(rte_pktmbuf_pkt_len(rst), 14 + 40);
	pkt_assert_cksums(rst);
}

static void removed_backend_connection_is_dropped_if_so_configured(void **s)
{
	static const int only_c[] = {C};
	uint16_t sport;

	(void)s;
	publish(both, 2, true);
	sport = conn_on_b();
	publish(only_c, 1, true);
	dp_fixture_drop(__LINE__, A,
			tcp(A, subnets[0].mac, NULL, VIP, sport, 80, RTE_TCP_ACK_FLAG, 1001, 5001),
			A, DP_DROP_LB_BACKEND_REMOVED);
	/* the backend's late answer goes nowhere either */
	dp_fixture_drop(__LINE__, B,
			tcp(B, macs[A], NULL, ips[A], 8080, sport, RTE_TCP_ACK_FLAG, 5001, 1001), B,
			DP_DROP_LB_BACKEND_REMOVED);
}

/* b reaches the VIP and lands on itself: it sees the VIP as the client, and its answer to
 * the VIP comes back as the VIP's. */
static void backend_reaching_the_vip_may_land_on_itself(void **s)
{
	static const int only_b[] = {B};
	struct rte_mbuf *m;
	const struct rte_ipv4_hdr *ip;

	(void)s;
	publish(only_b, 1, false);
	m = dp_fixture_pass(__LINE__, B,
			    tcp(B, subnets[0].mac, NULL, VIP, 33000, 80, RTE_TCP_SYN_FLAG, 1, 0),
			    B);
	ip = pkt_l3(m);
	pkt_assert_addr_at(__LINE__, &ip->src_addr, VIP);
	pkt_assert_addr_at(__LINE__, &ip->dst_addr, ips[B]);
	assert_int_equal(rte_be_to_cpu_16(tcp_of(m)->dst_port), 8080);
	pkt_assert_eth_at(__LINE__, m, subnets[0].mac, macs[B]);
	pkt_assert_cksums(m);
	m = dp_fixture_pass(__LINE__, B,
			    tcp(B, subnets[0].mac, NULL, VIP, 8080, 33000,
				RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 9, 2),
			    B);
	ip = pkt_l3(m);
	pkt_assert_addr_at(__LINE__, &ip->src_addr, VIP);
	pkt_assert_addr_at(__LINE__, &ip->dst_addr, ips[B]);
	assert_int_equal(rte_be_to_cpu_16(tcp_of(m)->src_port), 80);
	assert_int_equal(rte_be_to_cpu_16(tcp_of(m)->dst_port), 33000);
	pkt_assert_cksums(m);
}

/* An ICMP error quoting the translated packet would show the client the backend. */
static void icmp_error_about_a_balanced_connection_is_dropped(void **s)
{
	int to = open_conn(61000);
	struct rte_mbuf *m;
	uint8_t *l4;
	struct rte_ipv4_hdr *q;

	(void)s;
	/* port unreachable from the backend, quoting a -> backend:8080 */
	m = pkt_build(&(struct pkt_spec){.src = macs[to],
					 .dst = to == B ? macs[A] : subnets[1].mac,
					 .l3 = PKT_L3_IPV4,
					 .sip = ips[to],
					 .dip = ips[A],
					 .proto = IPPROTO_ICMP,
					 .payload = 8 + 20 + 8});
	l4 = pkt_l4(m);
	memset(l4, 0, 8);
	l4[0] = 3;
	l4[1] = 3;
	q = (struct rte_ipv4_hdr *)(l4 + 8);
	memset(q, 0, 28);
	q->version_ihl = 0x45;
	q->total_length = rte_cpu_to_be_16(40);
	q->next_proto_id = IPPROTO_TCP;
	q->src_addr = pkt_ip4(ips[A]);
	q->dst_addr = pkt_ip4(ips[to]);
	((rte_be16_t *)(q + 1))[0] = rte_cpu_to_be_16(61000);
	((rte_be16_t *)(q + 1))[1] = rte_cpu_to_be_16(8080);
	pkt_cksum_fix(m);
	dp_fixture_drop(__LINE__, to, m, to, DP_DROP_LB_ICMP_UNTRANSLATED);
}

/* A connection from a (sport) on b, opened and closed by b first: a's end keeps no
 * TIME_WAIT, so its kernel may use the port again at once. */
static uint16_t closed_conn_on_b(void)
{
	uint16_t sport = conn_on_b();
	const uint8_t fa = RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG;

	dp_fixture_pass(__LINE__, B,
			tcp(B, macs[A], NULL, ips[A], 8080, sport,
			    RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 5000, 1001), A);
	dp_fixture_pass(__LINE__, A,
			tcp(A, subnets[0].mac, NULL, VIP, sport, 80, RTE_TCP_ACK_FLAG, 1001, 5001), B);
	dp_fixture_pass(__LINE__, B, tcp(B, macs[A], NULL, ips[A], 8080, sport, fa, 5001, 1001), A);
	dp_fixture_pass(__LINE__, A, tcp(A, subnets[0].mac, NULL, VIP, sport, 80, fa, 1001, 5002), B);
	dp_fixture_pass(__LINE__, B,
			tcp(B, macs[A], NULL, ips[A], 8080, sport, RTE_TCP_ACK_FLAG, 5002, 1002), A);
	return sport;
}

static void reused_port_reopens_in_place_when_the_table_still_picks_its_backend(void **s)
{
	uint16_t sport = closed_conn_on_b();

	(void)s;
	dp_fixture_pass(__LINE__, A, syn(sport), B);
}

static void reused_port_goes_where_the_table_sends_it_after_its_backend_left(void **s)
{
	static const int only_c[] = {C};
	uint16_t sport = closed_conn_on_b();

	(void)s;
	publish(only_c, 1, false); /* b removed: a reopening must not be reset, nor reach b */
	dp_fixture_drop(__LINE__, A, syn(sport), A, DP_DROP_LB_REUSE_REBALANCED);
	dp_fixture_drop(__LINE__, A, syn(sport), A, DP_DROP_LB_REUSE_REBALANCED);
	/* the old entry is deleted at the control thread's next round, however far its sweep */
	assert_int_equal(dp_ct_age(dp_ct_clock(), 1), 1);
	dp_fixture_pass(__LINE__, A, syn(sport), C); /* the client's retry */
}

/* ---- client affinity ---- */

static void a_client_keeps_its_backend_until_its_affinity_times_out(void **s)
{
	int first, n[N_PORTS] = {0};

	(void)s;
	affinity_s = 60;
	publish(both, 2, false);
	first = open_conn(30000);
	for (uint16_t sport = 30001; sport < 30021; sport++)
		n[open_conn(sport)]++;
	assert_int_equal(n[first], 20); /* 20 ports: Maglev alone would spread them */
	fake_now += 30;
	assert_int_equal(dp_aff_age(fake_now, 0), 0); /* 30 s idle: kept */
	assert_int_equal(open_conn(30021), first);
	fake_now += 61;
	assert_int_equal(dp_aff_count(), 1);
	assert_int_equal(dp_aff_age(fake_now, 0), 1); /* 61 s idle: forgotten */
	memset(n, 0, sizeof(n));
	for (uint16_t sport = 31000; sport < 31040; sport++) {
		n[open_conn(sport)]++;
		fake_now += 61; /* each one alone again */
	}
	print_message("after the timeout: b %d, c %d of 40\n", n[B], n[C]);
	assert_true(n[B] > 0 && n[C] > 0);
}

static void a_client_follows_the_table_only_when_its_backend_stops_taking_connections(void **s)
{
	int first, other, n = 0;

	(void)s;
	affinity_s = 60;
	publish(both, 2, false);
	first = open_conn(32000);
	other = first == B ? C : B;
	publish(&other, 1, false); /* its backend left: the client moves */
	assert_int_equal(open_conn(32001), other);
	publish(both, 2, false); /* and stays where it went when the first comes back */
	for (uint16_t sport = 32002; sport < 32022; sport++)
		n += open_conn(sport) == other;
	assert_int_equal(n, 20);
}

/* ---- the health checker ---- */

static struct rte_mbuf *from_checker(const char *dip, uint8_t proto)
{
	struct rte_mbuf *m = pkt_build(&(struct pkt_spec){.src = macs[H],
							  .dst = macs[H], /* it has no ARP */
							  .l3 = PKT_L3_IPV4,
							  .sip = "169.254.0.1",
							  .dip = dip,
							  .proto = proto,
							  .payload = 20});
	struct rte_tcp_hdr *t = pkt_l4(m);

	t->src_port = rte_cpu_to_be_16(40000);
	t->dst_port = rte_cpu_to_be_16(8080);
	t->data_off = 0x50;
	t->tcp_flags = RTE_TCP_SYN_FLAG;
	pkt_cksum_fix(m);
	return m;
}

static void checker_reaches_a_backend_at_its_probe_address_and_hears_it_back(void **s)
{
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;

	(void)s;
	m = dp_fixture_pass(__LINE__, H, from_checker(B_PROBE, IPPROTO_TCP), B);
	ip = pkt_l3(m);
	pkt_assert_addr_at(__LINE__, &ip->src_addr, "169.254.0.1");
	pkt_assert_addr_at(__LINE__, &ip->dst_addr, ips[B]);
	pkt_assert_eth_at(__LINE__, m, subnets[0].mac, macs[B]);
	pkt_assert_cksums(m);
	/* b answers through its gateway; the checker sees the probe address */
	m = dp_fixture_pass(__LINE__, B,
			    tcp(B, subnets[0].mac, NULL, "169.254.0.1", 8080, 40000,
				RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 5000, 1),
			    H);
	ip = pkt_l3(m);
	pkt_assert_addr_at(__LINE__, &ip->src_addr, B_PROBE);
	pkt_assert_addr_at(__LINE__, &ip->dst_addr, "169.254.0.1");
	pkt_assert_eth_at(__LINE__, m, subnets[0].mac, macs[H]);
	pkt_assert_cksums(m);
}

static void checker_packets_that_reach_no_backend_are_dropped_by_name(void **s)
{
	(void)s;
	dp_fixture_drop(__LINE__, H, from_checker("169.254.1.6", IPPROTO_TCP), H,
			DP_DROP_HEALTH_NO_TARGET);
	dp_fixture_drop(__LINE__, H, from_checker("169.254.0.7", IPPROTO_TCP), H,
			DP_DROP_HEALTH_BAD_PACKET);
	dp_fixture_drop(__LINE__, H, from_checker("10.0.1.20", IPPROTO_TCP), H,
			DP_DROP_HEALTH_BAD_PACKET);
	dp_fixture_drop(__LINE__, H, from_checker(B_PROBE, IPPROTO_UDP), H,
			DP_DROP_HEALTH_BAD_PACKET);
}

static void a_checked_vm_asking_for_the_checker_gets_its_gateway_mac(void **s)
{
	struct rte_mbuf *m;
	const struct rte_arp_hdr *a;

	(void)s;
	m = dp_fixture_pass(__LINE__, B, pkt_arp_request(macs[B], ips[B], "169.254.0.1"), B);
	a = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	assert_int_equal(a->arp_opcode, RTE_BE16(RTE_ARP_OP_REPLY));
	pkt_assert_mac_at(__LINE__, &a->arp_data.arp_sha, subnets[0].mac);
	pkt_assert_addr_at(__LINE__, &a->arp_data.arp_sip, "169.254.0.1");
	/* a, not checked, is told nothing */
	dp_fixture_drop(__LINE__, A, pkt_arp_request(macs[A], ips[A], "169.254.0.1"), A,
			DP_DROP_ARP_UNKNOWN_TARGET);
}

static void only_a_checked_address_reaches_the_checker(void **s)
{
	(void)s;
	/* a is not checked: its packet to 169.254.0.1 is routed like any other, not taken */
	dp_fixture_run(A, tcp(A, subnets[0].mac, NULL, "169.254.0.1", 8080, 40000,
			      RTE_TCP_ACK_FLAG, 1, 1));
	assert_int_equal(w->tx[idx[H]].n, 0);
	/* b from another of its (unchecked) addresses: neither */
	dp_fixture_run(B, tcp(B, subnets[0].mac, "10.0.1.99", "169.254.0.1", 8080, 40000,
			      RTE_TCP_ACK_FLAG, 1, 1));
	assert_int_equal(w->tx[idx[H]].n, 0);
}

static void a_vm_flooding_the_checker_is_rate_limited_alone(void **s)
{
	unsigned int passed = 0, limited = 0;

	(void)s;
	w->hc_second[idx[B]] = UINT32_MAX; /* a fresh second: the tests before used some */
	/* 2 * DP_HC_PPS + 1: even across a second's boundary some must be refused */
	for (unsigned int i = 0; i < 2 * DP_HC_PPS + 1; i++) {
		dp_fixture_run(B, tcp(B, subnets[0].mac, NULL, "169.254.0.1", 8080, 40000,
				      RTE_TCP_ACK_FLAG, 1, 1));
		passed += w->tx[idx[H]].n;
		limited += w->ports[idx[B]].drops[DP_DROP_HEALTH_RATE_LIMITED] != 0;
	}
	print_message("%u to the checker, %u refused\n", passed, limited);
	assert_true(passed >= DP_HC_PPS && passed <= 2 * DP_HC_PPS);
	assert_int_equal(passed + limited, 2 * DP_HC_PPS + 1);
	/* b's flood took only b's share: c (checked too, other subnet) still answers */
	dp_fixture_pass(__LINE__, C,
			tcp(C, subnets[1].mac, NULL, "169.254.0.1", 8080, 40000,
			    RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 1, 1), H);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(first_packet_reaches_a_backend_translated_and_the_answer_comes_from_the_vip),
		T(connections_spread_over_the_backends),
		T(no_backend_up_drops_new_connections_by_name),
		T(removed_backend_connection_gets_a_reset_from_the_vip),
		T(removed_backend_connection_is_dropped_if_so_configured),
		T(backend_reaching_the_vip_may_land_on_itself),
		T(icmp_error_about_a_balanced_connection_is_dropped),
		T(reused_port_reopens_in_place_when_the_table_still_picks_its_backend),
		T(a_client_keeps_its_backend_until_its_affinity_times_out),
		T(a_client_follows_the_table_only_when_its_backend_stops_taking_connections),
		T(reused_port_goes_where_the_table_sends_it_after_its_backend_left),
		T(checker_reaches_a_backend_at_its_probe_address_and_hears_it_back),
		T(checker_packets_that_reach_no_backend_are_dropped_by_name),
		T(a_checked_vm_asking_for_the_checker_gets_its_gateway_mac),
		T(only_a_checked_address_reaches_the_checker),
		T(a_vm_flooding_the_checker_is_rate_limited_alone),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
