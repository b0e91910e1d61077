/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * See dp_fixture.h. --no-huge cannot go with --in-memory; --no-shconf keeps the runs off
 * the filesystem, and the empty runtime directory is removed at the end. The state below
 * is the program's one environment, so the helpers need not be handed it at every call.
 */
#include "dp_fixture.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "pkt_fixture.h"

#define ARGS_MAX 32

static struct {
	struct dp_worker *w;
	unsigned int n_mbufs;
	struct dp_port **ports;
	const char *const *names;
	const uint16_t *idx;
	int n;
} fx;

struct dp_worker *dp_fixture_start(const char *prefix, unsigned int n_mbufs,
				   const char *const *vdevs)
{
	char *argv[ARGS_MAX] = {"dp_test", "-l", "0", "--no-huge", "--no-pci", "-m", "128",
				"--no-shconf", "--no-telemetry", "--log-level", "error",
				"--file-prefix", (char *)prefix};
	int argc = 13;
	struct dp_worker *w;

	for (; vdevs != NULL && *vdevs != NULL && argc + 2 <= ARGS_MAX; vdevs++) {
		argv[argc++] = "--vdev";
		argv[argc++] = (char *)*vdevs;
	}
	if (rte_eal_init(argc, argv) < 0)
		fail_msg("rte_eal_init failed");
	dp_pool = rte_pktmbuf_pool_create("ut_pool", n_mbufs, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	assert_non_null(dp_pool);
	pkt_pool = dp_pool;
	w = rte_zmalloc("ut_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	assert_non_null(w);
	dp_workers[0] = w;
	dp_n_workers = 1; /* dp_build_commit spreads queues over the workers: needs one */
	if (dp_ct_init(4096, 4096) != 0)
		fail_msg("dp_ct_init failed");
	fx.w = w;
	fx.n_mbufs = n_mbufs;
	return w;
}

void dp_fixture_stop(struct dp_worker *w)
{
	char runtime_dir[PATH_MAX];

	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	dp_snap_release_all();
	for (int i = 0; i < fx.n; i++)
		dp_port_destroy(fx.ports[i]); /* flushes their connections: before dp_ct_fini */
	dp_ct_fini();
	dp_workers[0] = NULL;
	dp_n_workers = 0;
	rte_free(w);
	rte_eal_cleanup();
	rmdir(runtime_dir);
	memset(&fx, 0, sizeof(fx));
}

void dp_fixture_ports(struct dp_port **ports, uint16_t *idx, const char *const *names, int n)
{
	for (int i = 0; i < n; i++) {
		ports[i] = dp_port_create(names[i], 1);
		assert_non_null(ports[i]);
		assert_int_equal(dp_port_vid(ports[i]), -1);
		idx[i] = dp_port_index(ports[i]);
	}
	fx.ports = ports;
	fx.names = names;
	fx.idx = idx;
	fx.n = n;
}

/* ---- snapshots ---- */

struct dp_build *dp_fixture_begin(void)
{
	struct dp_build *b = dp_build_begin();

	assert_non_null(b);
	return b;
}

void dp_fixture_port_conf(struct dp_port_conf *pc, struct dp_port *port, uint32_t vni,
			  const char *mac, const char *ip4, const char *ip6)
{
	memset(pc, 0, sizeof(*pc));
	pc->port = port;
	pc->vni = vni;
	memcpy(pc->mac, pkt_mac(mac).addr_bytes, 6);
	pc->ip4[pc->n_ip4++] = pkt_ip4(ip4);
	if (ip6 != NULL)
		pkt_addr(ip6, pc->ip6[pc->n_ip6++]);
}

void dp_fixture_port_gw(struct dp_port_conf *pc, const char *gw4, const char *gw_mac,
			const char *gw6, const char *gw6_mac)
{
	pc->gw4 = pkt_ip4(gw4);
	memcpy(pc->gw_mac, pkt_mac(gw_mac).addr_bytes, 6);
	if (gw6 == NULL)
		return;
	pc->has_gw6 = true;
	pkt_addr(gw6, pc->gw6);
	memcpy(pc->gw6_mac, pkt_mac(gw6_mac).addr_bytes, 6);
}

void dp_fixture_gateway(struct dp_build *b, uint32_t vni, const char *ip, const char *mac)
{
	struct rte_ether_addr ea = pkt_mac(mac);
	uint8_t a[16];

	pkt_addr(ip, a);
	if (pkt_af_of(ip) == AF_INET6)
		assert_int_equal(dp_build_gateway6(b, vni, a, ea.addr_bytes), 0);
	else
		assert_int_equal(dp_build_gateway(b, vni, pkt_ip4(ip), ea.addr_bytes), 0);
}

void dp_fixture_remote(struct dp_build *b, uint32_t vni, const char *mac, const char *ip4,
		       const char *vtep, const char *nh_mac)
{
	struct dp_remote_conf rc = {
		.vni = vni, .n_ip4 = 1, .ip4 = {pkt_ip4(ip4)}, .vtep_af = pkt_af_of(vtep)};
	struct rte_ether_addr nh;

	memcpy(rc.mac, pkt_mac(mac).addr_bytes, 6);
	pkt_addr(vtep, rc.vtep);
	if (nh_mac != NULL) {
		nh = pkt_mac(nh_mac);
		rc.nh_mac = nh.addr_bytes;
	}
	assert_int_equal(dp_build_remote(b, &rc), 0);
}

const struct dp_snap *dp_fixture_commit(struct dp_build *b)
{
	assert_int_equal(dp_build_commit(b), 0);
	fx.w->snap = atomic_load(&dp_snap_current);
	assert_non_null(fx.w->snap);
	return fx.w->snap;
}

/* ---- running frames ---- */

void dp_fixture_run(int in, struct rte_mbuf *m)
{
	dp_worker_flush(fx.w);
	memset(fx.w->ports, 0, sizeof(fx.w->ports));
	fx.w->now = dp_ct_clock(); /* as the worker loop does per round */
	dp_input_burst(fx.w, &fx.w->snap->ports[fx.idx[in]], &m, 1); /* as its role says */
}

static uint16_t n_sent(int port)
{
	return fx.w->tx[fx.idx[port]].n;
}

unsigned int dp_fixture_sent_total(void)
{
	unsigned int n = 0;

	for (uint16_t i = 0; i < fx.w->n_dirty; i++)
		n += fx.w->tx[fx.w->dirty[i]].n;
	return n;
}

uint64_t dp_fixture_drops_total(void)
{
	uint64_t n = 0;

	for (int p = 0; p < DP_PORTS_MAX; p++)
		for (int r = 0; r < DP_DROP_MAX; r++)
			n += fx.w->ports[p].drops[r];
	return n;
}

const char *dp_fixture_outcome(char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int p = 0; p < fx.n; p++)
		if (n_sent(p) > 0)
			off += (size_t)snprintf(buf + off, size - off, "%u sent to %s; ", n_sent(p),
						fx.names[p]);
	for (int p = 0; p < fx.n && off < size; p++)
		for (int r = 0; r < DP_DROP_MAX && off < size; r++)
			if (fx.w->ports[fx.idx[p]].drops[r] > 0)
				off += (size_t)snprintf(buf + off, size - off,
							"dropped at %s as %s; ", fx.names[p],
							dp_drop_name(r));
	return off > 0 ? buf : "nothing";
}

struct rte_mbuf *dp_fixture_pass(int line, int in, struct rte_mbuf *m, int to)
{
	char buf[256];

	dp_fixture_run(in, m);
	if (dp_fixture_sent_total() != 1 || n_sent(to) != 1 || dp_fixture_drops_total() != 0)
		fail_msg("line %d: %s want one frame sent to %s", line,
			 dp_fixture_outcome(buf, sizeof(buf)), fx.names[to]);
	return fx.w->tx[fx.idx[to]].pkts[0];
}

void dp_fixture_drop(int line, int in, struct rte_mbuf *m, int at, enum dp_drop_reason why)
{
	char buf[256];

	dp_fixture_run(in, m);
	if (dp_fixture_sent_total() != 0 || dp_fixture_drops_total() != 1 ||
	    fx.w->ports[fx.idx[at]].drops[why] != 1)
		fail_msg("line %d: %s want dropped at %s as %s", line,
			 dp_fixture_outcome(buf, sizeof(buf)), fx.names[at], dp_drop_name(why));
}

int dp_fixture_teardown(void **state)
{
	(void)state;
	dp_worker_flush(fx.w);
	for (int p = 0; p < DP_PORTS_MAX; p++)
		assert_int_equal(fx.w->tx[p].n, 0);
	assert_int_equal(rte_mempool_avail_count(dp_pool), fx.n_mbufs);
	memset(fx.w->ports, 0, sizeof(fx.w->ports));
	return 0;
}
