/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live trace, the dataplane's side: while a session is published, each worker runs the
 * session's filter over the bursts it receives and marks the next matching packets (the
 * mbuf flag and an id, dp_trace.h); from then on every stage those packets cross leaves a
 * record in the worker's ring, which the control thread drains (dp_trace_live_drain).
 * One session at a time: the count it asks for is shared by all workers (an atomic
 * countdown), so exactly that many packets are marked however the traffic is spread.
 */
#include <errno.h>
#include <stdatomic.h>

#include <rte_malloc.h>
#include <rte_ring_elem.h>

#include "dp_filter.h"
#include "dp_private.h"

struct live {
	struct dp_filter *filter; /* NULL: every packet */
	uint16_t port_idx;	  /* DP_TRACE_ANY_PORT: every port */
	atomic_int remaining;	  /* packets still to mark; <= 0: none */
	atomic_uint next_id;	  /* ids from 1 */
};

atomic_bool dp_trace_armed;
static struct live *_Atomic live_cur;
static uint64_t lost_base;

static uint64_t lost_total(void)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < dp_n_workers; i++)
		if (dp_workers[i]->trace != NULL)
			n += dp_workers[i]->trace->lost;
	return n;
}

void dp_trace_rx_burst(struct dp_worker *w, uint16_t port_idx, uint16_t queue,
		       struct rte_mbuf *const *pkts, uint16_t n)
{
	/* acquire: pairs with the release that published the session's fields */
	struct live *l = atomic_load_explicit(&live_cur, memory_order_acquire);
	uint64_t rc[DP_BURST];

	/* drivers that recycle mbufs without a reset may hand back an old mark */
	for (uint16_t i = 0; i < n; i++)
		pkts[i]->ol_flags &= ~dp_trace_flag;
	if (l == NULL || (l->port_idx != DP_TRACE_ANY_PORT && l->port_idx != port_idx) ||
	    atomic_load_explicit(&l->remaining, memory_order_relaxed) <= 0)
		return;
	if (l->filter != NULL && dp_filter_match_burst(l->filter, pkts, n, rc) == 0)
		return;
	for (uint16_t i = 0; i < n; i++) {
		if (l->filter != NULL && rc[i] == 0)
			continue;
		if (atomic_fetch_sub_explicit(&l->remaining, 1, memory_order_relaxed) <= 0)
			return;
		dp_trace_mark(pkts[i], atomic_fetch_add_explicit(&l->next_id, 1,
								 memory_order_relaxed) + 1);
		dp_trace_note(w, pkts[i], DP_TS_RX, port_idx, rte_pktmbuf_pkt_len(pkts[i]), queue,
			      0);
	}
}

int dp_trace_live_start(uint16_t port_idx, struct dp_filter *filter, uint32_t count)
{
	struct live *l;

	if (atomic_load_explicit(&live_cur, memory_order_relaxed) != NULL) {
		dp_filter_free(filter);
		return -EBUSY;
	}
	if (dp_trace_flag == 0 || count == 0 || count > INT32_MAX) {
		dp_filter_free(filter);
		return -EINVAL;
	}
	l = rte_zmalloc("dp_trace_live", sizeof(*l), RTE_CACHE_LINE_SIZE);
	if (l == NULL) {
		dp_filter_free(filter);
		return -ENOMEM;
	}
	l->filter = filter;
	l->port_idx = port_idx;
	atomic_init(&l->remaining, (int)count);
	atomic_init(&l->next_id, 0);
	/* what the last session left behind is not this one's */
	for (struct dp_trace_rec r; dp_trace_live_drain(&r, 1) == 1;)
		;
	lost_base = lost_total();
	atomic_store_explicit(&live_cur, l, memory_order_release);
	atomic_store_explicit(&dp_trace_armed, true, memory_order_relaxed);
	return 0;
}

void dp_trace_live_stop(void)
{
	struct live *l = atomic_load_explicit(&live_cur, memory_order_relaxed);

	if (l == NULL)
		return;
	atomic_store_explicit(&live_cur, NULL, memory_order_release);
	atomic_store_explicit(&dp_trace_armed, false, memory_order_relaxed);
	/* once every worker has been quiescent, none marks with it or records a marked packet */
	rte_rcu_qsbr_synchronize(dp_qsbr, RTE_QSBR_THRID_INVALID);
	dp_filter_free(l->filter);
	rte_free(l);
}

unsigned int dp_trace_live_drain(struct dp_trace_rec *recs, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < dp_n_workers && n < max; i++) {
		struct dp_trace_buf *b = dp_workers[i]->trace;

		if (b != NULL)
			n += rte_ring_dequeue_burst_elem(b->ring, recs + n, sizeof(*recs), max - n,
							 NULL);
	}
	return n;
}

uint64_t dp_trace_live_lost(void)
{
	return lost_total() - lost_base;
}
