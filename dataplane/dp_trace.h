/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet tracing inside the dataplane (dataplane-internal; included by dp_private.h).
 *
 * A traced packet carries an mbuf flag and an id. Each stage it crosses appends one small
 * binary record to its worker's trace buffer (an rte_ring the control thread drains and
 * formats); nothing is formatted on a worker. Two users:
 *  - `vpcctl trace`: the control thread runs one packet through the very stage functions
 *    the workers run, on a scratch worker context with `dry` set (no connection is
 *    created or changed, no hint to the control plane is raised, nothing is sent), and
 *    reads the records back;
 *  - live trace: workers flag the next packets that match a filter as they are received.
 * Off (w->tracing false, the common case), each record point is one predicted branch.
 */
#ifndef VPCSW_DP_TRACE_H
#define VPCSW_DP_TRACE_H

#include <stdatomic.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "dp.h"

struct dp_worker;

/* The mbuf flag of traced packets (0 until dp_trace_init: nothing is traced), and where
 * their id lives. */
extern uint64_t dp_trace_flag;
extern int dp_trace_id_offset;

/* A live trace session is published (dp_trace_live.c): workers copy it to w->tracing once
 * per round, as they do dp_capture_armed. */
extern atomic_bool dp_trace_armed;

static inline void dp_trace_mark(struct rte_mbuf *m, uint32_t id)
{
	m->ol_flags |= dp_trace_flag;
	*RTE_MBUF_DYNFIELD(m, dp_trace_id_offset, uint32_t *) = id;
}

static inline uint32_t dp_trace_id_of(const struct rte_mbuf *m)
{
	return *RTE_MBUF_DYNFIELD(m, dp_trace_id_offset, const uint32_t *);
}

/* Worker, while w->tracing: clear old marks in a received burst, then mark (and record the
 * rx stage of) the packets the live session wants. */
void dp_trace_rx_burst(struct dp_worker *w, uint16_t port_idx, uint16_t queue,
		       struct rte_mbuf *const *pkts, uint16_t n);

/* Append a record for m (traced) to w's buffer; a full buffer loses it (counted). */
void dp_trace_emit(struct dp_worker *w, const struct rte_mbuf *m, const struct dp_trace_rec *r);

/* A record with the common fields only. */
void dp_trace_note(struct dp_worker *w, const struct rte_mbuf *m, enum dp_trace_stage st,
		   uint16_t port, uint32_t a, uint32_t b, uint32_t c);

/* Each worker's record buffer: single producer (its worker), single consumer (control). */
struct dp_trace_buf {
	struct rte_ring *ring;
	uint64_t lost; /* records that found it full */
};

/* Register the mbuf flag and id field, make each worker's buffer. dp_init calls it;
 * dataplane tests that trace call it themselves. Returns 0 or -ENOMEM/-rte_errno. */
int dp_trace_init(void);
void dp_trace_fini(void);

#endif
