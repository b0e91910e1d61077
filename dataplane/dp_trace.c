/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Trace records (dp_trace.h): the mbuf flag and id that mark a traced packet, each worker's
 * record ring, and the control thread's dry run of one packet through the real stages.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring_elem.h>

#include "dp_private.h"

/* records per worker between two drains of the control thread (every 20 ms during a live
 * trace): a thousand traced packets of up to 16 stages each */
#define TRACE_RING_SIZE 16384

uint64_t dp_trace_flag;
int dp_trace_id_offset = -1;
static struct dp_trace_buf bufs[RTE_MAX_LCORE];
/* the control thread's dry runs: a worker context of its own, never one of the workers' */
static struct dp_worker *scratch;
static struct dp_trace_buf scratch_buf;

static const char *const stage_names[] = {
#define DP_TRACE_NAME(id, name) [DP_TS_##id] = name,
	DP_TRACE_STAGES(DP_TRACE_NAME)
#undef DP_TRACE_NAME
};

const char *dp_trace_stage_name(enum dp_trace_stage st)
{
	return st < DP_TS_MAX ? stage_names[st] : "?";
}

static struct rte_ring *ring_make(const char *what, unsigned int i)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "dp_trace_%s%u", what, i);
	return rte_ring_create_elem(name, sizeof(struct dp_trace_rec), TRACE_RING_SIZE,
				    (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
}

int dp_trace_init(void)
{
	static const struct rte_mbuf_dynflag flag = {.name = "vpcswitch_traced"};
	static const struct rte_mbuf_dynfield field = {
		.name = "vpcswitch_trace_id", .size = sizeof(uint32_t), .align = sizeof(uint32_t)};
	int bit;

	if (dp_trace_flag != 0)
		return 0;
	bit = rte_mbuf_dynflag_register(&flag);
	dp_trace_id_offset = rte_mbuf_dynfield_register(&field);
	if (bit < 0 || dp_trace_id_offset < 0)
		return -rte_errno;
	scratch_buf.ring = ring_make("ctl", 0);
	if (scratch_buf.ring == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < dp_n_workers; i++) {
		bufs[i].ring = ring_make("w", i);
		if (bufs[i].ring == NULL)
			return -ENOMEM;
		dp_workers[i]->trace = &bufs[i];
	}
	dp_trace_flag = 1ULL << bit;
	return 0;
}

void dp_trace_fini(void)
{
	for (unsigned int i = 0; i < RTE_DIM(bufs); i++) {
		rte_ring_free(bufs[i].ring);
		bufs[i].ring = NULL;
	}
	rte_ring_free(scratch_buf.ring);
	scratch_buf.ring = NULL;
	rte_free(scratch);
	scratch = NULL;
	dp_trace_flag = 0;
}

void dp_trace_emit(struct dp_worker *w, const struct rte_mbuf *m, const struct dp_trace_rec *r)
{
	struct dp_trace_rec rec = *r;

	rec.tsc = rte_rdtsc();
	rec.id = dp_trace_id_of(m);
	rec.worker = w->dry ? UINT16_MAX : (uint16_t)w->idx;
	if (w->trace != NULL && rte_ring_enqueue_elem(w->trace->ring, &rec, sizeof(rec)) != 0)
		w->trace->lost++;
}

void dp_trace_note(struct dp_worker *w, const struct rte_mbuf *m, enum dp_trace_stage st,
		   uint16_t port, uint32_t a, uint32_t b, uint32_t c)
{
	struct dp_trace_rec r = {.stage = (uint8_t)st, .port = port, .a = a, .b = b, .c = c};

	dp_trace_emit(w, m, &r);
}

const char *dp_port_name_of(uint16_t port_idx)
{
	const struct dp_snap *s = atomic_load_explicit(&dp_snap_current, memory_order_acquire);

	if (s == NULL || port_idx >= DP_PORTS_MAX || s->ports[port_idx].port == NULL)
		return NULL;
	return s->ports[port_idx].port->name;
}

int dp_port_find(const char *name)
{
	const struct dp_snap *s = atomic_load_explicit(&dp_snap_current, memory_order_acquire);

	for (int i = 0; s != NULL && i < DP_PORTS_MAX; i++)
		if (s->ports[i].port != NULL && strcmp(s->ports[i].port->name, name) == 0)
			return i;
	return -1;
}

/* What the scratch context would have sent: copied out, then freed with the drops. */
static unsigned int collect_outputs(struct dp_worker *w, struct dp_trace_out *outs,
				    unsigned int max_outs)
{
	unsigned int n = 0;

	for (uint16_t d = 0; d < w->n_dirty; d++) {
		struct dp_txbuf *tb = &w->tx[w->dirty[d]];

		for (uint16_t i = 0; i < tb->n; i++) {
			struct rte_mbuf *m = tb->pkts[i];

			if (n < max_outs) {
				uint32_t len = rte_pktmbuf_pkt_len(m);
				uint32_t take = RTE_MIN(len, (uint32_t)DP_TRACE_OUT_BYTES);

				const void *data = rte_pktmbuf_read(m, 0, take, outs[n].data);

				outs[n].port = w->dirty[d];
				outs[n].len = len;
				if (data != NULL && data != outs[n].data)
					memcpy(outs[n].data, data, take);
				n++;
			}
			rte_pktmbuf_free(m);
		}
		tb->n = 0;
	}
	w->n_dirty = 0;
	rte_pktmbuf_free_bulk(w->drops, w->n_drops);
	w->n_drops = 0;
	return n;
}

int dp_trace_dry(uint16_t port_idx, const uint8_t *frame, uint32_t len, struct dp_trace_rec *recs,
		 unsigned int max, struct dp_trace_out *outs, unsigned int max_outs,
		 unsigned int *n_outs)
{
	/* the control thread publishes snapshots: the current one stays while it runs this */
	const struct dp_snap *s = atomic_load_explicit(&dp_snap_current, memory_order_acquire);
	struct rte_mbuf *m;
	unsigned int n;
	char *p;

	if (dp_trace_flag == 0 || s == NULL || port_idx >= DP_PORTS_MAX ||
	    s->ports[port_idx].port == NULL)
		return -ENOENT;
	if (scratch == NULL) {
		scratch = rte_zmalloc("dp_trace_scratch", sizeof(*scratch), RTE_CACHE_LINE_SIZE);
		if (scratch == NULL)
			return -ENOMEM;
		scratch->dry = true;
		scratch->tracing = true;
		scratch->trace = &scratch_buf;
	}
	m = rte_pktmbuf_alloc(dp_pool);
	if (m == NULL)
		return -ENOMEM;
	p = len <= rte_pktmbuf_tailroom(m) ? rte_pktmbuf_append(m, (uint16_t)len) : NULL;
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	memcpy(p, frame, len);
	dp_trace_mark(m, 1);
	scratch->snap = s;
	scratch->now = dp_ct_clock();
	dp_trace_note(scratch, m, DP_TS_RX, port_idx, len, 0, 0);
	dp_input_burst(scratch, &s->ports[port_idx], &m, 1);
	*n_outs = collect_outputs(scratch, outs, max_outs);
	scratch->snap = NULL;
	n = rte_ring_dequeue_burst_elem(scratch_buf.ring, recs, sizeof(*recs), max, NULL);
	/* more records than the caller takes: none may be left for the next run */
	while (rte_ring_dequeue_elem(scratch_buf.ring, &(struct dp_trace_rec){0}, sizeof(*recs)) == 0)
		;
	return (int)n;
}
