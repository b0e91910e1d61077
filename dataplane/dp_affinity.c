/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * See dp_affinity.h. A slot is written by the worker that added its key, then only its
 * last_used (and, when its backend stopped taking connections, the backend) changes: two
 * workers racing to move the same client may leave either backend, both valid choices.
 * Keys are deleted by the control thread and their positions freed after a grace period,
 * as the connection table does.
 */
#include "dp_affinity.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dp_private.h"

struct aff_key {
	uint32_t vni;
	uint8_t af, proto;
	rte_be16_t port;   /* the listener's */
	uint8_t vip[16];
	uint8_t client[16];
} __rte_aligned(8);

struct aff_slot {
	uint8_t backend[16];
	rte_be16_t bport;
	_Atomic uint8_t used;
	uint32_t timeout; /* seconds, the listener's when last chosen */
	_Atomic uint32_t last_used;
};

static struct {
	struct rte_hash *h;
	struct aff_slot *slots;
	uint32_t n_slots, cursor;
	_Atomic uint32_t count;
} aff;

int dp_aff_init(uint32_t max)
{
	struct rte_hash_parameters hp = {
		.name = "dp_aff",
		.entries = max < 64 ? 64 : max,
		.key_len = sizeof(struct aff_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};

	aff.h = rte_hash_create(&hp);
	if (aff.h == NULL)
		return -ENOMEM;
	aff.n_slots = (uint32_t)rte_hash_max_key_id(aff.h) + 1;
	aff.slots = rte_zmalloc("dp_aff_slots", (size_t)aff.n_slots * sizeof(*aff.slots), 0);
	if (aff.slots == NULL) {
		dp_aff_fini();
		return -ENOMEM;
	}
	return 0;
}

void dp_aff_fini(void)
{
	rte_hash_free(aff.h);
	rte_free(aff.slots);
	memset(&aff, 0, sizeof(aff));
}

static void key_of(const struct dp_lb_listener *l, const struct dp_flow_key *k,
		   struct aff_key *ak)
{
	memset(ak, 0, sizeof(*ak));
	ak->vni = l->vni;
	ak->af = l->af;
	ak->proto = l->proto;
	ak->port = l->port;
	memcpy(ak->vip, l->vip, 16);
	memcpy(ak->client, k->src, 16);
}

static void remember(struct aff_slot *a, const struct dp_lb_listener *l,
		     const struct dp_lb_backend *b, uint32_t now)
{
	memcpy(a->backend, b->addr, 16);
	a->bport = b->port;
	a->timeout = l->affinity_s;
	atomic_store_explicit(&a->last_used, now, memory_order_relaxed);
}

const struct dp_lb_backend *dp_aff_pick(const struct dp_snap *s, const struct dp_lb_listener *l,
					const struct dp_flow_key *k, uint32_t now, bool record)
{
	const struct dp_lb_backend *b;
	struct aff_key ak;
	struct aff_slot *a = NULL;
	int32_t pos;

	if (l->affinity_s == 0 || aff.h == NULL)
		return dp_lb_pick(l, k);
	key_of(l, k, &ak);
	pos = rte_hash_lookup(aff.h, &ak);
	if (pos >= 0 && atomic_load_explicit(&aff.slots[pos].used, memory_order_acquire)) {
		a = &aff.slots[pos];
		/* a timeout lowered since: the lower one */
		if (now - atomic_load_explicit(&a->last_used, memory_order_relaxed) <=
		    RTE_MIN(a->timeout, l->affinity_s)) {
			b = dp_lb_backend_of(s, l, a->backend, a->bport);
			if (b != NULL && b->usable) {
				if (record)
					atomic_store_explicit(&a->last_used, now,
							      memory_order_relaxed);
				return b;
			}
		}
	}
	b = dp_lb_pick(l, k);
	if (b == NULL || !record)
		return b;
	if (a != NULL) { /* expired, or its backend takes no new connections: moves */
		remember(a, l, b, now);
		return b;
	}
	pos = rte_hash_add_key(aff.h, &ak);
	if (pos < 0) /* full: balanced all the same, without affinity */
		return b;
	a = &aff.slots[pos];
	if (atomic_load_explicit(&a->used, memory_order_acquire))
		return b; /* another worker remembered this client meanwhile */
	/* filled before it is marked used (release): who sees it used sees it whole; two
	 * workers filling it at once write the same client, either backend is fine */
	remember(a, l, b, now);
	uint8_t unused = 0;

	if (atomic_compare_exchange_strong_explicit(&a->used, &unused, 1, memory_order_release,
						    memory_order_relaxed))
		atomic_fetch_add_explicit(&aff.count, 1, memory_order_relaxed);
	return b;
}

uint32_t dp_aff_slots(void)
{
	return aff.n_slots;
}

uint32_t dp_aff_count(void)
{
	return atomic_load_explicit(&aff.count, memory_order_relaxed);
}

unsigned int dp_aff_age(uint32_t now, uint32_t budget)
{
	uint32_t batch[256];
	unsigned int n = 0;

	if (aff.h == NULL)
		return 0;
	if (budget == 0 || budget > aff.n_slots)
		budget = aff.n_slots;
	for (uint32_t i = 0; i < budget && n < 256; i++) {
		uint32_t pos = aff.cursor;
		struct aff_slot *a = &aff.slots[pos];
		void *key;

		aff.cursor = pos + 1 == aff.n_slots ? 0 : pos + 1;
		if (!atomic_load_explicit(&a->used, memory_order_acquire) ||
		    now - atomic_load_explicit(&a->last_used, memory_order_relaxed) <= a->timeout)
			continue;
		if (rte_hash_get_key_with_position(aff.h, (int32_t)pos, &key) == 0)
			rte_hash_del_key(aff.h, key);
		batch[n++] = pos;
	}
	if (n == 0)
		return 0;
	/* a worker may still hold a position it looked up */
	if (dp_qsbr != NULL && dp_n_workers > 0)
		rte_rcu_qsbr_synchronize(dp_qsbr, RTE_QSBR_THRID_INVALID);
	for (unsigned int i = 0; i < n; i++) {
		memset(&aff.slots[batch[i]], 0, sizeof(aff.slots[0]));
		rte_hash_free_key_with_position(aff.h, (int32_t)batch[i]);
		atomic_fetch_sub_explicit(&aff.count, 1, memory_order_relaxed);
	}
	return n;
}
