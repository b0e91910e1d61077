/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port runtime objects: index allocation and the device binding that vhost events change
 * while workers run. Detaching a device waits for an RCU grace period, which is what lets
 * rte_vhost's destroy_device callback return safely. Ring state changes never wait: the
 * library calls that callback holding the rings' locks, which a worker inside an enqueue
 * may be spinning on, and it re-checks a ring's enable flag under that lock itself.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_vhost.h>

#include "dp_private.h"

/* Control thread only. */
static struct dp_port *ports_by_idx[DP_PORTS_MAX];
/* Counters at the time an index was (re)used, so a new port starts from zero. */
static struct dp_counters port_base[DP_PORTS_MAX];

static void counters_sum(uint16_t idx, struct dp_counters *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int i = 0; i < dp_n_workers; i++) {
		const struct dp_counters *c = &dp_workers[i]->ports[idx];

		sum->rx_pkts += c->rx_pkts;
		sum->rx_bytes += c->rx_bytes;
		sum->tx_pkts += c->tx_pkts;
		sum->tx_bytes += c->tx_bytes;
		sum->tx_drops += c->tx_drops;
		for (int q = 0; q < DP_QUEUES_MAX; q++)
			sum->rxq_pkts[q] += c->rxq_pkts[q];
		for (int r = 0; r < DP_DROP_MAX; r++)
			sum->drops[r] += c->drops[r];
	}
}

struct dp_port *dp_port_create(const char *name, uint16_t n_queues)
{
	struct dp_port *p;
	uint16_t idx;

	if (n_queues == 0 || n_queues > DP_QUEUES_MAX) {
		errno = EINVAL;
		return NULL;
	}
	for (idx = 0; idx < DP_PORTS_MAX && ports_by_idx[idx] != NULL; idx++)
		;
	if (idx == DP_PORTS_MAX) {
		errno = ENOSPC;
		return NULL;
	}
	p = rte_zmalloc("dp_port", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (p == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	p->idx = idx;
	p->n_queues = n_queues;
	p->kind = DP_PORT_VHOST;
	strlcpy(p->name, name, sizeof(p->name));
	atomic_init(&p->vid, -1);
	atomic_init(&p->rx_rings, 0);
	atomic_init(&p->tx_rings, 0);
	counters_sum(idx, &port_base[idx]);
	ports_by_idx[idx] = p;
	return p;
}

struct dp_port *dp_port_create_ethdev(const char *name, uint16_t eth_port)
{
	struct dp_port *p = dp_port_create(name, 1);

	if (p != NULL) {
		p->kind = DP_PORT_ETHDEV;
		p->eth_port = eth_port;
	}
	return p;
}

void dp_port_destroy(struct dp_port *p)
{
	if (p == NULL)
		return;
	/* before the index can be reused: a new port must not inherit connections */
	dp_ct_flush_port(p->idx);
	ports_by_idx[p->idx] = NULL;
	rte_free(p);
}

uint16_t dp_port_index(const struct dp_port *p)
{
	return p->idx;
}

int dp_port_vid(const struct dp_port *p)
{
	return atomic_load_explicit(&p->vid, memory_order_acquire);
}

void dp_port_attach_vhost(struct dp_port *p, int vid)
{
	/* release: the rings' enable bits set before are visible with the vid */
	atomic_store_explicit(&p->vid, vid, memory_order_release);
}

static void wait_workers(void)
{
	if (dp_qsbr != NULL)
		rte_rcu_qsbr_synchronize(dp_qsbr, RTE_QSBR_THRID_INVALID);
}

void dp_port_detach_vhost(struct dp_port *p)
{
	atomic_store_explicit(&p->vid, -1, memory_order_release);
	atomic_store_explicit(&p->rx_rings, 0, memory_order_release);
	atomic_store_explicit(&p->tx_rings, 0, memory_order_release);
	wait_workers();
}

void dp_port_set_vring(struct dp_port *p, uint16_t vring, bool enable)
{
	uint16_t qp = vring / 2;
	_Atomic uint32_t *rings = (vring & 1) ? &p->rx_rings : &p->tx_rings;
	uint32_t bit = 1u << qp;

	if (qp >= p->n_queues)
		return; /* a queue pair we do not serve: never polled */
	if (enable)
		atomic_fetch_or_explicit(rings, bit, memory_order_release);
	else
		atomic_fetch_and_explicit(rings, ~bit, memory_order_release);
}

void dp_port_reset_vrings(struct dp_port *p)
{
	atomic_store_explicit(&p->rx_rings, 0, memory_order_release);
	atomic_store_explicit(&p->tx_rings, 0, memory_order_release);
}

void dp_stats_port(const struct dp_port *p, struct dp_port_stats *out)
{
	struct dp_counters sum;
	const struct dp_counters *base = &port_base[p->idx];

	counters_sum(p->idx, &sum);
	memset(out, 0, sizeof(*out));
	out->rx_pkts = sum.rx_pkts - base->rx_pkts;
	out->rx_bytes = sum.rx_bytes - base->rx_bytes;
	out->tx_pkts = sum.tx_pkts - base->tx_pkts;
	out->tx_bytes = sum.tx_bytes - base->tx_bytes;
	out->tx_drops = sum.tx_drops - base->tx_drops;
	for (int q = 0; q < DP_QUEUES_MAX; q++)
		out->rxq_pkts[q] = sum.rxq_pkts[q] - base->rxq_pkts[q];
	for (int r = 0; r < DP_DROP_MAX; r++) {
		out->drop_reasons[r] = sum.drops[r] - base->drops[r];
		out->drops += out->drop_reasons[r];
	}
}

void dp_stats_drops(uint64_t out[DP_DROP_MAX])
{
	struct dp_counters sum;

	memset(out, 0, sizeof(uint64_t) * DP_DROP_MAX);
	for (uint16_t idx = 0; idx < DP_PORTS_MAX; idx++) {
		counters_sum(idx, &sum);
		for (int r = 0; r < DP_DROP_MAX; r++)
			out[r] += sum.drops[r];
	}
}

static const char *const drop_names[] = {
#define DP_DROP(id, name, text) [DP_DROP_##id] = name,
#include "dp_drop.def"
#undef DP_DROP
};

static const char *const drop_texts[] = {
#define DP_DROP(id, name, text) [DP_DROP_##id] = text,
#include "dp_drop.def"
#undef DP_DROP
};

const char *dp_drop_name(enum dp_drop_reason r)
{
	return r < DP_DROP_MAX ? drop_names[r] : "?";
}

const char *dp_drop_text(enum dp_drop_reason r)
{
	return r < DP_DROP_MAX ? drop_texts[r] : "?";
}
