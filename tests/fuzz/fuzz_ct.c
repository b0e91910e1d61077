/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over connection tracking (dataplane/dp_flow.c, dp_ct.c, acl/ct_state.c)
 * behind the VM pipeline: each input is a sequence of frames from two VM ports with
 * security groups, run in bursts through dp_input_burst on a real snapshot (the unit
 * tests' EAL fixture), with the control thread's work in between: aging on an injected
 * clock, snapshot rebuilds that change verdicts (revalidation) or keep the flows, flushing
 * a port's connections. The table is small (16 connections) so the limits are reached.
 * Besides crashes and reads past a frame (head- and tailroom are poisoned for ASan), it
 * aborts on broken promises (see broken()): every frame leaves exactly one way, a frame is
 * only ever sent to the port that owns its destination MAC, no mbuf leaks, and the table's
 * counters agree with its slots and with dp_ct_dump. Each input starts from an empty table
 * and the default snapshot, so a finding replays alone.
 *
 * Input: records of
 *   byte 0     control:
 *     bit 0      the port the frame comes in on: A (0) or B (1)
 *     bit 1      the harness writes the port's MAC and address as the frame's sources
 *     bit 2      same burst as the previous frame (when from the same port, up to 32)
 *     bits 3-4   before the frame, the control thread: 0 nothing; 1 advance the clock by
 *                p + 1 seconds and age (the whole table when p is even, 64 slots when odd);
 *                2 rebuild with B's ingress groups (p & 3: standard, another rule still
 *                allowing A's port 80, port 80 revoked, standard) and A's limit (4 when
 *                p & 4, else the default); 3 with p < 4 rebuild keeping the flows, else
 *                flush the connections of port p & 1
 *     bits 5-7   p
 *   bytes 1-2  frame length, big-endian (cut to what the input has left and to 2048)
 *   the frame, Ethernet first
 * gen_corpus_ct.py writes seeds in this format from the same addresses: keep them in step.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <sanitizer/asan_interface.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "../../dataplane/dp_private.h"
#include "../unit/dp_fixture.h"
#include "../unit/sg_fixture.h"
#include "sg.h"

#define N_MBUFS	  127
#define FRAME_MAX 2048 /* data room of the fixture pool's buffers (RTE_MBUF_DEFAULT_DATAROOM) */
#define CT_MAX	  16
#define CT_PORT	  16 /* default per-port limit: the table fills first */
#define A_LIMIT	  4  /* A's limit in the rebuilds that set one */

#define CTL_PORT     0x01
#define CTL_FIX_SRC  0x02
#define CTL_JOIN     0x04
#define CTL_OP(c)    ((c) >> 3 & 3)
#define CTL_PARAM(c) ((c) >> 5)

enum { A, B, N_PORTS };

static const char *const port_names[N_PORTS] = {"a", "b"};
static const char *const port_macs[N_PORTS] = {"02:00:00:00:00:0a", "02:00:00:00:00:14"};
static const char *const port_ip4[N_PORTS] = {"10.0.0.10", "10.0.0.20"};
static const char *const port_ip6[N_PORTS] = {"fd00::a", "fd00::14"};
#define VNI    100
#define GW_IP  "10.0.0.1"
#define GW_MAC "02:00:00:00:00:01"
#define VIP_IP "10.0.0.100"

/* Short timeouts: a few clock steps age anything, a jump of 1000 s ages everything. */
static const struct ct_timeouts timeouts = {
	.tcp_syn_sent = 3,
	.tcp_syn_recv = 3,
	.tcp_established = 8,
	.tcp_fin_wait = 4,
	.tcp_time_wait = 4,
	.tcp_closed = 2,
	.udp_unreplied = 3,
	.udp_replied = 6,
	.icmp = 2,
	.other_unreplied = 3,
	.other_replied = 6,
};

enum b_variant { B_STANDARD, B_ALT, B_REVOKED, B_VARIANTS };

struct conf {
	enum b_variant b_in;
	uint32_t a_ct_max;
};

static struct {
	struct dp_worker *w;
	struct dp_port *ports[N_PORTS];
	uint16_t idx[N_PORTS];
	struct rte_ether_addr mac[N_PORTS];
	uint8_t ip4[N_PORTS][4], ip6[N_PORTS][16];
	struct sg_acl *a_in, *a_out, *b_out, *b_in[B_VARIANTS];
	struct conf conf;    /* of the published snapshot */
	uint32_t now;	     /* the injected clock */
	unsigned int in_use; /* mbufs out of the pool between inputs: none */
	bool verbose;	     /* FUZZ_CT_VERBOSE set: say what each burst did */
} env;

static void broken(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_ct: broken promise: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static uint32_t fake_clock(void)
{
	return env.now;
}

/* ---- setup ---- */

/*
 * A sends anything and takes TCP 443 from B, ICMP unreachable and any ICMPv6; B takes TCP
 * 80, UDP 53, echo requests and GRE from the VPC and sends TCP 443 and ICMP to it. The
 * variants of B's ingress: another rule still allowing A's port 80, and port 80 revoked.
 */
static void acls_create(void)
{
	const struct sg_rule a_out[] = {
		sg_test_rule(10, SG_EGRESS, SG_PROTO_ANY, 0, 0, "0.0.0.0/0"),
		sg_test_rule(11, SG_EGRESS, SG_PROTO_ANY, 0, 0, "::/0"),
	};
	const struct sg_rule a_in[] = {
		sg_test_rule(12, SG_INGRESS, SG_PROTO_TCP, 443, 443, "10.0.0.20/32"),
		sg_test_icmp(13, SG_INGRESS, "10.0.0.0/24", SG_ICMP_TYPE, 3, 0),
		sg_test_rule(14, SG_INGRESS, SG_PROTO_ICMPV6, 0, 0, "fd00::/64"),
	};
	const struct sg_rule b_out[] = {
		sg_test_rule(27, SG_EGRESS, SG_PROTO_TCP, 443, 443, "10.0.0.0/24"),
		sg_test_rule(28, SG_EGRESS, SG_PROTO_ICMP, 0, 0, "10.0.0.0/24"),
	};
	const struct sg_rule b_std[] = {
		sg_test_rule(20, SG_INGRESS, SG_PROTO_TCP, 80, 80, "10.0.0.0/24"),
		sg_test_rule(21, SG_INGRESS, SG_PROTO_TCP, 80, 80, "fd00::/64"),
		sg_test_rule(22, SG_INGRESS, SG_PROTO_UDP, 53, 53, "10.0.0.0/24"),
		sg_test_icmp(23, SG_INGRESS, "10.0.0.0/24", SG_ICMP_TYPE, 8, 0),
		sg_test_icmp(24, SG_INGRESS, "fd00::/64", SG_ICMP_TYPE, 128, 0),
		sg_test_rule(25, SG_INGRESS, 47, 0, 0, "10.0.0.0/24"),
	};
	const struct sg_rule b_alt[] = {
		sg_test_rule(26, SG_INGRESS, SG_PROTO_TCP, 1, 1024, "10.0.0.10/32"),
		sg_test_rule(22, SG_INGRESS, SG_PROTO_UDP, 53, 53, "10.0.0.0/24"),
	};
	const struct sg_rule b_rev[] = {
		sg_test_rule(22, SG_INGRESS, SG_PROTO_UDP, 53, 53, "10.0.0.0/24"),
	};

	env.a_out = sg_test_acl(a_out, RTE_DIM(a_out), SG_EGRESS);
	env.a_in = sg_test_acl(a_in, RTE_DIM(a_in), SG_INGRESS);
	env.b_out = sg_test_acl(b_out, RTE_DIM(b_out), SG_EGRESS);
	env.b_in[B_STANDARD] = sg_test_acl(b_std, RTE_DIM(b_std), SG_INGRESS);
	env.b_in[B_ALT] = sg_test_acl(b_alt, RTE_DIM(b_alt), SG_INGRESS);
	env.b_in[B_REVOKED] = sg_test_acl(b_rev, RTE_DIM(b_rev), SG_INGRESS);
}

/*
 * A load balancer, VIP_IP tcp/80 over A and B (port 8080; each may be its own client, the
 * hairpin): translated connections under aging and rebuilds. A rebuild that revokes B's
 * port 80 also takes A out of the balancer, so its connections end (reset).
 */
static void build_lb(struct dp_build *b, const struct conf *c, const struct rte_ether_addr *gw)
{
	static const uint16_t both[] = {0, 1, 0, 1, 1, 0, 1}, one[] = {0};
	struct dp_lb_backend_conf be[2] = {{.port = 8080, .subnet_plen = 24},
					   {.port = 8080, .subnet_plen = 24}};
	bool without_a = c->b_in == B_REVOKED;
	struct dp_lb_conf lc = {.vni = VNI, .af = AF_INET, .proto = IPPROTO_TCP, .port = 80,
				.backends = without_a ? &be[1] : be, .n_backends = without_a ? 1 : 2,
				.table = without_a ? one : both,
				.table_size = without_a ? RTE_DIM(one) : RTE_DIM(both)};
	rte_be32_t vip = inet_addr(VIP_IP), net = inet_addr("10.0.0.0");

	memcpy(lc.vip, &vip, 4);
	memcpy(lc.gw_mac, gw->addr_bytes, 6);
	for (int i = 0; i < 2; i++) {
		memcpy(be[i].addr, env.ip4[i], 4);
		memcpy(be[i].subnet, &net, 4);
	}
	if (dp_build_lb(b, &lc) != 0)
		broken("setup: dp_build_lb");
}

static void publish(const struct conf *c, bool keep_flows)
{
	struct dp_build *b = dp_build_begin();
	struct rte_ether_addr gw;

	if (b == NULL)
		broken("setup: dp_build_begin");
	for (int i = 0; i < N_PORTS; i++) {
		struct dp_port_conf pc = {.port = env.ports[i], .vni = VNI, .n_ip4 = 1, .n_ip6 = 1};

		memcpy(pc.mac, env.mac[i].addr_bytes, 6);
		memcpy(&pc.ip4[0], env.ip4[i], 4);
		memcpy(pc.ip6[0], env.ip6[i], 16);
		pc.sg_in = i == A ? env.a_in : env.b_in[c->b_in];
		pc.sg_out = i == A ? env.a_out : env.b_out;
		pc.ct_max = i == A ? c->a_ct_max : 0;
		if (dp_build_port(b, &pc) != 0)
			broken("setup: dp_build_port");
	}
	/* a frame to the gateway's MAC has no route: the flow stage says so */
	if (rte_ether_unformat_addr(GW_MAC, &gw) != 0 ||
	    dp_build_gateway(b, VNI, inet_addr(GW_IP), gw.addr_bytes) != 0)
		broken("setup: dp_build_gateway");
	build_lb(b, c, &gw);
	if (keep_flows)
		dp_build_keep_flows(b);
	if (dp_build_commit(b) != 0)
		broken("setup: dp_build_commit");
	env.conf = *c;
	env.w->snap = atomic_load(&dp_snap_current);
}

static void teardown(void)
{
	env.w->snap = NULL;
	dp_snap_release_all();
	sg_acl_free(env.a_in);
	sg_acl_free(env.a_out);
	sg_acl_free(env.b_out);
	for (int v = 0; v < B_VARIANTS; v++)
		sg_acl_free(env.b_in[v]);
	dp_fixture_stop(env.w);
}

/* EAL on the calling thread as worker 0 (the fixture's way); no RCU variable, so neither
 * a commit nor aging waits for a grace period. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	env.w = dp_fixture_start("fuzz_ct", N_MBUFS, NULL);
	dp_fixture_ports(env.ports, env.idx, port_names, N_PORTS);
	for (int i = 0; i < N_PORTS; i++) {
		if (rte_ether_unformat_addr(port_macs[i], &env.mac[i]) != 0 ||
		    inet_pton(AF_INET, port_ip4[i], env.ip4[i]) != 1 ||
		    inet_pton(AF_INET6, port_ip6[i], env.ip6[i]) != 1)
			broken("setup: bad address of %s", port_names[i]);
	}
	/* the fixture's table is for 4096 connections: a small one reaches its limits */
	dp_ct_fini();
	if (dp_ct_init(CT_MAX, CT_PORT) != 0)
		broken("setup: dp_ct_init");
	dp_ct_set_timeouts(&timeouts);
	dp_ct_clock = fake_clock;
	env.now = 1000;
	acls_create();
	publish(&(struct conf){B_STANDARD, 0}, false);
	env.in_use = rte_mempool_in_use_count(dp_pool);
	env.verbose = getenv("FUZZ_CT_VERBOSE") != NULL;
	atexit(teardown);
	return 0;
}

/* ---- the table's promises ---- */

struct dump_check {
	unsigned int n;
	uint32_t per_port[N_PORTS];
};

static int port_of(uint16_t idx)
{
	for (int i = 0; i < N_PORTS; i++)
		if (env.idx[i] == idx)
			return i;
	return -1;
}

static bool dump_cb(const struct dp_conn_info *c, void *arg)
{
	struct dump_check *d = arg;
	int o = port_of(c->orig_port), r = port_of(c->reply_port);
	bool tcp = c->proto == IPPROTO_TCP;

	if (o < 0 || r < 0 || o == r)
		broken("connection between ports %u and %u", c->orig_port, c->reply_port);
	if (tcp ? c->state > CT_TCP_CLOSED : c->state != CT_UNREPLIED && c->state != CT_REPLIED)
		broken("protocol %u in state %d", c->proto, (int)c->state);
	if (c->vni != VNI || (c->af != AF_INET && c->af != AF_INET6))
		broken("connection of vni %u, af %u", c->vni, c->af);
	d->n++;
	return true;
}

/*
 * The slots as the control thread sees them: each originator slot is one connection in
 * dp_ct.count (a broken one too: its reply key could not be added, aging takes it), each
 * whole one has a reply slot and is in the dump, and each port's count is the number of
 * connections charged to it.
 */
static void table_check(void)
{
	uint32_t orig = 0, broken_ones = 0, replies = 0, charged[N_PORTS] = {0};
	struct dump_check d = {0};
	unsigned int seen;

	for (uint32_t pos = 0; pos < dp_ct.n_slots; pos++) {
		struct dp_ct_slot *s = &dp_ct.slots[pos];
		uint8_t fl = atomic_load(&s->flags);

		if (!(fl & DP_CT_USED))
			continue;
		if (fl & DP_CT_REPLY) {
			replies++;
			continue;
		}
		orig++;
		broken_ones += s->partner == UINT32_MAX;
		for (int e = 0; e < 2; e++) {
			int p = s->charged[e] == DP_PORT_NONE ? -2 : port_of(s->charged[e]);

			if (p == -1)
				broken("a connection charged to port %u", s->charged[e]);
			if (p >= 0)
				charged[p]++;
		}
	}
	seen = dp_ct_dump(dump_cb, &d);
	if (atomic_load(&dp_ct.count) != orig)
		broken("count %u, %u connections in the slots", atomic_load(&dp_ct.count), orig);
	if (seen != d.n || seen != orig - broken_ones || replies != orig - broken_ones)
		broken("dump saw %u (%u called back) of %u connections, %u broken, %u replies",
		       seen, d.n, orig, broken_ones, replies);
	if (orig > CT_MAX)
		broken("%u connections in a table of %u", orig, CT_MAX);
	for (int p = 0; p < N_PORTS; p++)
		if (dp_ct_port_count(env.idx[p]) != charged[p])
			broken("port %s counts %u connections, %u are charged to it", port_names[p],
			       dp_ct_port_count(env.idx[p]), charged[p]);
}

/* ---- one burst ---- */

static struct rte_mbuf *frame_mbuf(const uint8_t *p, size_t n, int port, bool fix_src)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp_pool);
	uint8_t *buf, *f;

	if (m == NULL)
		broken("the pool is empty: mbufs leaked");
	buf = m->buf_addr;
	ASAN_UNPOISON_MEMORY_REGION(buf, m->buf_len);
	f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
	if (f == NULL && n > 0)
		broken("setup: rte_pktmbuf_append %zu", n);
	if (n > 0)
		memcpy(f, p, n);
	if (fix_src && n >= RTE_ETHER_HDR_LEN) {
		uint16_t et = (uint16_t)(f[12] << 8 | f[13]);

		memcpy(f + 6, env.mac[port].addr_bytes, 6);
		if (et == RTE_ETHER_TYPE_IPV4 && n >= RTE_ETHER_HDR_LEN + 20)
			memcpy(f + RTE_ETHER_HDR_LEN + 12, env.ip4[port], 4);
		else if (et == RTE_ETHER_TYPE_IPV6 && n >= RTE_ETHER_HDR_LEN + 40)
			memcpy(f + RTE_ETHER_HDR_LEN + 8, env.ip6[port], 16);
	}
	ASAN_POISON_MEMORY_REGION(buf, m->data_off);
	ASAN_POISON_MEMORY_REGION(buf + m->data_off + n, m->buf_len - m->data_off - n);
	return m;
}

struct burst {
	int port;
	uint16_t n;
	struct rte_mbuf *pkts[DP_BURST];
};

static uint64_t drops_of(int port, int *reason)
{
	const struct dp_counters *c = &env.w->ports[env.idx[port]];
	uint64_t n = 0;

	for (int r = 0; r < DP_DROP_MAX; r++) {
		if (c->drops[r] != 0)
			*reason = r;
		n += c->drops[r];
	}
	return n;
}

/* Every frame of the burst left exactly one way, and only to the owner of its MAC. */
static void exits_check(const struct burst *b, struct rte_mbuf *const *sent)
{
	const struct dp_worker *w = env.w;
	struct rte_mbuf *out[DP_BURST];
	unsigned int n_out = 0;
	int reason = -1;
	uint64_t counted = 0;

	for (uint16_t i = 0; i < w->n_dirty; i++) {
		uint16_t d = w->dirty[i];
		int p = port_of(d);

		if (p < 0)
			broken("a frame sent to port %u", d);
		for (uint16_t j = 0; j < w->tx[d].n; j++) {
			const struct rte_ether_hdr *eth =
				rte_pktmbuf_mtod(w->tx[d].pkts[j], const struct rte_ether_hdr *);

			if (!rte_is_same_ether_addr(&eth->dst_addr, &env.mac[p]))
				broken("a frame for another MAC sent to port %s", port_names[p]);
			if (n_out == DP_BURST)
				broken("more frames out than in");
			out[n_out++] = w->tx[d].pkts[j];
		}
	}
	for (uint16_t i = 0; i < w->n_drops; i++) {
		if (n_out == DP_BURST)
			broken("more frames out than in");
		out[n_out++] = w->drops[i];
	}
	for (int p = 0; p < N_PORTS; p++)
		counted += drops_of(p, &reason);
	if (n_out != b->n || counted != w->n_drops)
		broken("%u frames in, %u out (%u dropped, %" PRIu64 " counted)", b->n, n_out,
		       w->n_drops, counted);
	for (unsigned int i = 0; i < n_out; i++) {
		unsigned int same = 0, ours = 0;

		for (unsigned int j = 0; j < n_out; j++)
			same += out[j] == out[i];
		for (uint16_t j = 0; j < b->n; j++)
			ours += sent[j] == out[i];
		if (same != 1 || ours != 1)
			broken("a frame left twice, or one that was not in the burst");
	}
	if (env.verbose)
		fprintf(stderr, "fuzz_ct: %u from %s at %u: %u sent, %u dropped%s%s\n", b->n,
			port_names[b->port], env.now, b->n - w->n_drops, w->n_drops,
			reason >= 0 ? ", last as " : "",
			reason >= 0 ? dp_drop_name((enum dp_drop_reason)reason) : "");
}

static void burst_run(struct burst *b)
{
	struct dp_worker *w = env.w;
	struct rte_mbuf *sent[DP_BURST];

	if (b->n == 0)
		return;
	for (int p = 0; p < N_PORTS; p++)
		memset(&w->ports[env.idx[p]], 0, sizeof(w->ports[0]));
	memcpy(sent, b->pkts, b->n * sizeof(sent[0]));
	w->now = dp_ct_clock(); /* as the worker loop does per round */
	dp_input_burst(w, &w->snap->ports[env.idx[b->port]], b->pkts, b->n);
	exits_check(b, sent);
	/* the ports have no device: what is queued for them is dropped and freed here */
	dp_worker_flush(w);
	if (rte_mempool_in_use_count(dp_pool) != env.in_use)
		broken("%u mbufs in use after a flush, not %u", rte_mempool_in_use_count(dp_pool),
		       env.in_use);
	table_check();
	b->n = 0;
}

/* ---- the control thread's turns ---- */

static void control_op(uint8_t ctl)
{
	unsigned int p = CTL_PARAM(ctl);

	switch (CTL_OP(ctl)) {
	case 1:
		env.now += p + 1;
		dp_ct_age(env.now, p % 2 ? 64 : 0);
		break;
	case 2:
		publish(&(struct conf){(enum b_variant)((p & 3) % B_VARIANTS), p & 4 ? A_LIMIT : 0},
			false);
		break;
	case 3:
		if (p < 4)
			publish(&env.conf, true);
		else
			dp_ct_flush_port(env.idx[p & 1]);
		break;
	default:
		return;
	}
	table_check();
}

/* Back to the start: everything ages out (a jump past every timeout), the default
 * snapshot. What aging leaves is a connection it could not delete. */
static void input_end(void)
{
	const struct conf std = {B_STANDARD, 0};

	env.now += 1000;
	dp_ct_age(env.now, 0);
	table_check();
	if (atomic_load(&dp_ct.count) != 0)
		broken("%u connections left after every timeout", atomic_load(&dp_ct.count));
	if (memcmp(&env.conf, &std, sizeof(std)) != 0)
		publish(&std, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct burst b = {.n = 0};
	size_t off = 0;

	while (off + 3 <= size) {
		uint8_t ctl = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		int port = ctl & CTL_PORT;

		off += 3;
		len = RTE_MIN(RTE_MIN(len, size - off), (size_t)FRAME_MAX);
		if (CTL_OP(ctl) != 0) {
			burst_run(&b);
			control_op(ctl);
		}
		if (b.n > 0 && (!(ctl & CTL_JOIN) || port != b.port || b.n == DP_BURST))
			burst_run(&b);
		b.port = port;
		b.pkts[b.n++] = frame_mbuf(data + off, len, port, ctl & CTL_FIX_SRC);
		off += len;
	}
	burst_run(&b);
	input_end();
	return 0;
}
