/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop: poll this worker's queues, run each received burst through the VM-port
 * pipeline, transmit what the stages buffered, report quiescence once per round. Also the
 * dataplane's start and stop (mempool, RCU variable, worker launch).
 */
#include <errno.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_vhost.h>

#include "dp_private.h"

RTE_LOG_REGISTER(dp_logtype, vpcswitch.dp, INFO);

struct rte_mempool *dp_pool;
struct rte_rcu_qsbr *dp_qsbr;
struct dp_worker *dp_workers[RTE_MAX_LCORE];
unsigned int dp_n_workers;

static volatile bool workers_stop;
static unsigned int idle_sleep_us;
#define KERNEL_POLL_US 20 /* the most the host's own packets wait for a busy worker */
static uint64_t kernel_poll_tsc;

/* rte_vhost queue ids: guest RX ring of pair q = 2q (we enqueue), guest TX = 2q + 1. */
static inline uint16_t port_rx_burst(struct dp_port *p, uint16_t q, struct rte_mbuf **pkts)
{
	int vid;
	uint32_t rings;

	if (p->kind == DP_PORT_ETHDEV)
		return rte_eth_rx_burst(p->eth_port, q, pkts, DP_BURST);
	vid = atomic_load_explicit(&p->vid, memory_order_acquire);
	rings = atomic_load_explicit(&p->rx_rings, memory_order_acquire);
	if (vid < 0 || !(rings & (1u << q)))
		return 0;
	return rte_vhost_dequeue_burst(vid, 2 * q + 1, dp_pool, pkts, DP_BURST);
}

/* An ethdev takes the mbufs it sends; the rest stay ours and are dropped as tx_full. */
static void ethdev_tx_flush(struct dp_worker *w, struct dp_port *p, struct dp_txbuf *tb)
{
	struct dp_counters *c = &w->ports[p->idx];
	uint16_t sent;

	for (uint16_t i = 0; i < tb->n; i++)
		c->tx_bytes += rte_pktmbuf_pkt_len(tb->pkts[i]);
	sent = rte_eth_tx_burst(p->eth_port, (uint16_t)w->idx, tb->pkts, tb->n);
	c->tx_pkts += sent;
	if (sent < tb->n) {
		for (uint16_t i = sent; i < tb->n; i++)
			c->tx_bytes -= rte_pktmbuf_pkt_len(tb->pkts[i]);
		c->tx_drops += tb->n - sent;
		c->drops[DP_DROP_TX_FULL] += tb->n - sent;
		rte_pktmbuf_free_bulk(&tb->pkts[sent], tb->n - sent);
	}
	tb->n = 0;
}

/*
 * Each worker prefers its own queue pair so workers rarely share a ring; when they do (fewer
 * queues than workers), rte_vhost serialises enqueues on a ring with its own per-ring lock.
 */
static void port_tx_flush(struct dp_worker *w, uint16_t idx)
{
	struct dp_txbuf *tb = &w->tx[idx];
	const struct dp_port_snap *ps = &w->snap->ports[idx];
	struct dp_counters *c = &w->ports[idx];
	struct dp_port *p = ps->port;
	uint16_t sent = 0, q;
	uint32_t rings;
	int vid;

	dp_capture(w, DP_CAP_TX, idx, tb->pkts, tb->n);
	if (p->kind == DP_PORT_ETHDEV) {
		ethdev_tx_flush(w, p, tb);
		return;
	}
	vid = atomic_load_explicit(&p->vid, memory_order_acquire);
	rings = atomic_load_explicit(&p->tx_rings, memory_order_acquire);
	q = w->idx % p->n_queues;
	if (!(rings & (1u << q)))
		q = 0;
	if (vid >= 0 && (rings & (1u << q)))
		sent = rte_vhost_enqueue_burst(vid, 2 * q, tb->pkts, tb->n);
	c->tx_pkts += sent;
	for (uint16_t i = 0; i < sent; i++)
		c->tx_bytes += rte_pktmbuf_pkt_len(tb->pkts[i]);
	if (sent < tb->n) {
		c->tx_drops += tb->n - sent;
		/* the ingress port is long gone from the burst: count against the output */
		c->drops[vid < 0 || !(rings & (1u << q)) ? DP_DROP_PORT_DOWN : DP_DROP_TX_FULL] +=
			tb->n - sent;
	}
	/* rte_vhost copies into guest memory: every mbuf is ours to free */
	rte_pktmbuf_free_bulk(tb->pkts, tb->n);
	tb->n = 0;
}

void dp_worker_flush(struct dp_worker *w)
{
	for (uint16_t i = 0; i < w->n_dirty; i++)
		port_tx_flush(w, w->dirty[i]);
	w->n_dirty = 0;
	if (w->n_drops > 0) {
		rte_pktmbuf_free_bulk(w->drops, w->n_drops);
		w->n_drops = 0;
	}
}

static void idle_sleep(struct dp_worker *w)
{
	struct timespec ts = {.tv_nsec = (long)idle_sleep_us * 1000};

	/* offline: a writer waiting for a grace period need not wait for our nap */
	rte_rcu_qsbr_thread_offline(dp_qsbr, w->idx);
	nanosleep(&ts, NULL);
	rte_rcu_qsbr_thread_online(dp_qsbr, w->idx);
}

static int worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int idle_rounds = 0;

	rte_rcu_qsbr_thread_register(dp_qsbr, w->idx);
	rte_rcu_qsbr_thread_online(dp_qsbr, w->idx);
	DP_LOG(INFO, "worker %u running on lcore %u", w->idx, w->lcore);
	while (!workers_stop) {
		uint64_t t0 = rte_rdtsc();
		uint64_t got = 0;
		/* the host kernel's own traffic (the exception tap) is polled every
		 * KERNEL_POLL_US, not every round: each poll of a tap is a read syscall, which
		 * cost a busy worker about a tenth of its cycles */
		bool kernel_due = t0 >= w->kernel_poll_next;

		if (kernel_due)
			w->kernel_poll_next = t0 + kernel_poll_tsc;

		/* acquire: pairs with the release in dp_build_commit */
		w->snap = atomic_load_explicit(&dp_snap_current, memory_order_acquire);
		w->capturing = atomic_load_explicit(&dp_capture_armed, memory_order_relaxed);
		w->tracing = atomic_load_explicit(&dp_trace_armed, memory_order_relaxed);
		w->now = dp_ct_clock();
		if (w->snap != NULL) {
			for (uint16_t i = 0; i < w->snap->n_rxqs[w->idx]; i++) {
				const struct dp_rxq *rq = &w->snap->rxqs[w->idx][i];
				uint16_t n;

				if (rq->kernel && !kernel_due)
					continue;
				n = port_rx_burst(rq->port, rq->queue, pkts);
				if (n == 0)
					continue;
				got += n;
				w->ports[rq->port->idx].rxq_pkts[rq->queue] += n;
				if (unlikely(w->tracing))
					dp_trace_rx_burst(w, rq->port->idx, rq->queue, pkts, n);
				dp_capture(w, DP_CAP_RX, rq->port->idx, pkts, n);
				dp_input_burst(w, &w->snap->ports[rq->port->idx], pkts, n);
				dp_worker_flush(w);
			}
		}
		w->snap = NULL;
		rte_rcu_qsbr_quiescent(dp_qsbr, w->idx);
		w->polls++;
		if (got > 0) {
			w->pkts += got;
			w->busy_polls++;
			w->busy_cycles += rte_rdtsc() - t0;
			idle_rounds = 0;
		} else if (idle_sleep_us > 0 && ++idle_rounds >= 64) {
			idle_sleep(w);
		}
	}
	rte_rcu_qsbr_thread_offline(dp_qsbr, w->idx);
	rte_rcu_qsbr_thread_unregister(dp_qsbr, w->idx);
	return 0;
}

unsigned int dp_worker_count(void)
{
	return dp_n_workers;
}

struct rte_mempool *dp_mempool(void)
{
	return dp_pool;
}

int dp_init(const struct dp_params *prm)
{
	unsigned int lcore;
	size_t qsz;

	int rc;

	if (rte_lcore_count() < 2)
		return -ENODEV;
	idle_sleep_us = prm->idle_sleep_us;
	kernel_poll_tsc = rte_get_tsc_hz() / 1000000 * KERNEL_POLL_US;
	rc = dp_ct_init(prm->ct_max, prm->ct_port_max);
	if (rc < 0)
		return rc;
	dp_pool = rte_pktmbuf_pool_create("dp_pool", prm->n_mbufs, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (dp_pool == NULL)
		return -ENOMEM;
	dp_n_workers = rte_lcore_count() - 1;
	qsz = rte_rcu_qsbr_get_memsize(dp_n_workers);
	dp_qsbr = rte_zmalloc("dp_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (dp_qsbr == NULL || rte_rcu_qsbr_init(dp_qsbr, dp_n_workers) != 0)
		return -ENOMEM;
	unsigned int i = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct dp_worker *w = rte_zmalloc_socket("dp_worker", sizeof(*w),
							 RTE_CACHE_LINE_SIZE,
							 (int)rte_lcore_to_socket_id(lcore));

		if (w == NULL)
			return -ENOMEM;
		w->idx = i;
		w->lcore = lcore;
		dp_workers[i++] = w;
	}
	rc = dp_trace_init();
	if (rc < 0)
		return rc;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		for (i = 0; i < dp_n_workers; i++)
			if (dp_workers[i]->lcore == lcore)
				rte_eal_remote_launch(worker_main, dp_workers[i], lcore);
	}
	return 0;
}

void dp_stop(void)
{
	workers_stop = true;
	rte_eal_mp_wait_lcore();
}

void dp_fini(void)
{
	dp_stop();
	dp_snap_release_all();
	dp_trace_fini();
	for (unsigned int i = 0; i < dp_n_workers; i++) {
		rte_free(dp_workers[i]);
		dp_workers[i] = NULL;
	}
	dp_n_workers = 0;
	rte_free(dp_qsbr);
	dp_qsbr = NULL;
	dp_ct_fini();
	rte_mempool_free(dp_pool);
	dp_pool = NULL;
}

unsigned int dp_stats_workers(struct dp_worker_stats *out, unsigned int n)
{
	for (unsigned int i = 0; i < dp_n_workers && i < n; i++) {
		const struct dp_worker *w = dp_workers[i];

		out[i] = (struct dp_worker_stats){
			.lcore = w->lcore,
			.pkts = w->pkts,
			.busy_cycles = w->busy_cycles,
			.polls = w->polls,
			.busy_polls = w->busy_polls,
		};
	}
	return dp_n_workers;
}
