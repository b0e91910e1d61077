/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table's life on the control thread (see dp_ct.h): allocation, aging,
 * deleting a removed port's connections, the dump behind `vpcctl show connections`, and
 * counters. Workers insert (dp_flow.c); only this file deletes, in two steps: keys out of the
 * hash, then after a grace period their positions (and slots) free for reuse.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "dp_affinity.h"
#include "dp_private.h"

struct dp_ct dp_ct;
static struct ct_timeouts timeouts;
static uint64_t tsc0, tsc_hz;

static uint32_t tsc_clock(void)
{
	return (uint32_t)((rte_rdtsc() - tsc0) / tsc_hz);
}

uint32_t (*dp_ct_clock)(void) = tsc_clock;

uint32_t dp_ct_now(void)
{
	return dp_ct_clock();
}

int dp_ct_init(uint32_t max, uint32_t port_max)
{
	struct rte_hash_parameters hp = {
		.name = "dp_ct",
		/* two keys per connection, and room for cuckoo displacement */
		.entries = max * 2 + max / 4,
		.key_len = sizeof(struct dp_flow_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};

	if (max < 16 || max > (1u << 26) || port_max == 0)
		return -EINVAL;
	tsc0 = rte_rdtsc();
	tsc_hz = rte_get_tsc_hz();
	ct_timeouts_default(&timeouts);
	dp_ct.h = rte_hash_create(&hp);
	if (dp_ct.h == NULL)
		return -ENOMEM;
	dp_ct.n_slots = (uint32_t)rte_hash_max_key_id(dp_ct.h) + 1;
	dp_ct.slots = rte_zmalloc("dp_ct_slots", (size_t)dp_ct.n_slots * sizeof(*dp_ct.slots),
				  RTE_CACHE_LINE_SIZE);
	if (dp_ct.slots == NULL) {
		dp_ct_fini();
		return -ENOMEM;
	}
	dp_ct.expire_soon = rte_ring_create("dp_ct_expire", 1024, (int)rte_socket_id(),
					    RING_F_SC_DEQ);
	if (dp_ct.expire_soon == NULL) {
		dp_ct_fini();
		return -ENOMEM;
	}
	if (dp_aff_init(max / 4) < 0) {
		dp_ct_fini();
		return -ENOMEM;
	}
	dp_ct.max = max;
	dp_ct.port_max = port_max;
	return 0;
}

void dp_ct_fini(void)
{
	rte_hash_free(dp_ct.h);
	rte_free(dp_ct.slots);
	rte_ring_free(dp_ct.expire_soon);
	dp_aff_fini();
	memset(&dp_ct, 0, sizeof(dp_ct));
}

uint32_t dp_ct_slots(void)
{
	return dp_ct.n_slots;
}

void dp_ct_set_timeouts(const struct ct_timeouts *t)
{
	timeouts = *t;
}

static bool slot_is_orig(const struct dp_ct_slot *s)
{
	uint8_t fl = atomic_load_explicit(&s->flags, memory_order_acquire);

	return (fl & (DP_CT_USED | DP_CT_REPLY)) == DP_CT_USED;
}

static uint32_t last_seen(const struct dp_ct_slot *o)
{
	uint32_t a = atomic_load_explicit(&o->last_seen, memory_order_relaxed), b = a;

	if (o->partner != UINT32_MAX)
		b = atomic_load_explicit(&dp_ct.slots[o->partner].last_seen, memory_order_relaxed);
	return (int32_t)(b - a) > 0 ? b : a;
}

/* Seconds since the last packet; a worker's clock read after ours counts as no time. */
static uint32_t idle_of(const struct dp_ct_slot *o, uint32_t now)
{
	int32_t idle = (int32_t)(now - last_seen(o));

	return idle > 0 ? (uint32_t)idle : 0;
}

static bool expired(const struct dp_ct_slot *o, uint32_t now)
{
	enum ct_state st = atomic_load_explicit(&o->state, memory_order_relaxed);

	if (atomic_load_explicit(&o->flags, memory_order_relaxed) & (DP_CT_DEAD | DP_CT_REBALANCE))
		return true;
	return idle_of(o, now) >= ct_timeout(&timeouts, o->proto, st);
}

/* Take a position's key out of the hash (its position stays reserved until freed). */
static void key_delete(uint32_t pos)
{
	void *key;

	if (rte_hash_get_key_with_position(dp_ct.h, (int32_t)pos, &key) == 0)
		rte_hash_del_key(dp_ct.h, key);
}

/* Delete the connections whose originator slots are listed: keys now, positions after a
 * grace period (a worker may still hold one from its lookup). */
static void delete_batch(const uint32_t *origs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct dp_ct_slot *o = &dp_ct.slots[origs[i]];

		key_delete(origs[i]);
		if (o->partner != UINT32_MAX)
			key_delete(o->partner);
	}
	if (dp_qsbr != NULL && dp_n_workers > 0)
		rte_rcu_qsbr_synchronize(dp_qsbr, RTE_QSBR_THRID_INVALID);
	for (unsigned int i = 0; i < n; i++) {
		struct dp_ct_slot *o = &dp_ct.slots[origs[i]];
		uint32_t partner = o->partner;

		for (int e = 0; e < 2; e++)
			if (o->charged[e] != DP_PORT_NONE)
				atomic_fetch_sub_explicit(&dp_ct.port_count[o->charged[e]], 1,
							  memory_order_relaxed);
		atomic_fetch_sub_explicit(&dp_ct.count, 1, memory_order_relaxed);
		if (partner != UINT32_MAX) {
			memset(&dp_ct.slots[partner], 0, sizeof(*o));
			rte_hash_free_key_with_position(dp_ct.h, (int32_t)partner);
		}
		memset(o, 0, sizeof(*o));
		rte_hash_free_key_with_position(dp_ct.h, (int32_t)origs[i]);
	}
}

#define AGE_BATCH 1024

void dp_ct_expire_soon(uint32_t pos)
{
	/* full (1,024 waiting): the aging sweep reaches it within a second anyway */
	rte_ring_mp_enqueue(dp_ct.expire_soon, (void *)(uintptr_t)pos);
}

unsigned int dp_ct_age(uint32_t now, uint32_t budget)
{
	uint32_t batch[AGE_BATCH];
	unsigned int n = 0, total = 0;

	if (dp_ct.h == NULL)
		return 0;
	if (budget == 0 || budget > dp_ct.n_slots)
		budget = dp_ct.n_slots;
	/* first those the workers asked for (each flagged once; a position deleted and taken
	 * by a new connection meanwhile has lost the flag, and is not expired) */
	for (void *p; n < AGE_BATCH && rte_ring_sc_dequeue(dp_ct.expire_soon, &p) == 0;) {
		uint32_t pos = (uint32_t)(uintptr_t)p;
		bool dup = false;

		for (unsigned int j = 0; j < n; j++)
			dup |= batch[j] == pos;
		if (!dup && pos < dp_ct.n_slots && slot_is_orig(&dp_ct.slots[pos]) &&
		    expired(&dp_ct.slots[pos], now))
			batch[n++] = pos;
	}
	if (n > 0) { /* now: the sweep below must not meet them again */
		delete_batch(batch, n);
		total = n;
		n = 0;
	}
	for (uint32_t i = 0; i < budget; i++) {
		uint32_t pos = dp_ct.age_cursor;
		const struct dp_ct_slot *o = &dp_ct.slots[pos];

		dp_ct.age_cursor = pos + 1 == dp_ct.n_slots ? 0 : pos + 1;
		if (!slot_is_orig(o) || !expired(o, now))
			continue;
		batch[n++] = pos;
		if (n == AGE_BATCH) {
			delete_batch(batch, n);
			total += n;
			n = 0;
		}
	}
	if (n > 0)
		delete_batch(batch, n);
	return total + n;
}

void dp_ct_flush_port(uint16_t port_idx)
{
	uint32_t batch[AGE_BATCH];
	unsigned int n = 0;

	if (dp_ct.h == NULL)
		return;
	for (uint32_t pos = 0; pos < dp_ct.n_slots; pos++) {
		const struct dp_ct_slot *o = &dp_ct.slots[pos];
		void *key;

		if (!slot_is_orig(o))
			continue;
		if (o->charged[0] != port_idx && o->charged[1] != port_idx) {
			const struct dp_flow_key *k;
			bool ours = false;

			if (rte_hash_get_key_with_position(dp_ct.h, (int32_t)pos, &key) == 0) {
				k = key;
				ours = k->in_port == port_idx;
			}
			if (o->partner != UINT32_MAX &&
			    rte_hash_get_key_with_position(dp_ct.h, (int32_t)o->partner, &key) == 0) {
				k = key;
				ours |= k->in_port == port_idx;
			}
			if (!ours)
				continue;
		}
		batch[n++] = pos;
		if (n == AGE_BATCH) {
			delete_batch(batch, n);
			n = 0;
		}
	}
	if (n > 0)
		delete_batch(batch, n);
}

unsigned int dp_ct_dump(bool (*cb)(const struct dp_conn_info *c, void *arg), void *arg)
{
	uint32_t now = dp_ct_now();
	unsigned int seen = 0;

	if (dp_ct.h == NULL)
		return 0;
	for (uint32_t pos = 0; pos < dp_ct.n_slots; pos++) {
		const struct dp_ct_slot *o = &dp_ct.slots[pos], *r;
		struct dp_conn_info ci;
		const struct dp_flow_key *k, *rk;
		void *key;
		uint32_t idle, to;

		if (!slot_is_orig(o) || o->partner == UINT32_MAX ||
		    rte_hash_get_key_with_position(dp_ct.h, (int32_t)pos, &key) < 0)
			continue;
		k = key;
		if (rte_hash_get_key_with_position(dp_ct.h, (int32_t)o->partner, &key) < 0)
			continue;
		rk = key;
		r = &dp_ct.slots[o->partner];
		memset(&ci, 0, sizeof(ci));
		ci.af = k->af;
		ci.proto = k->proto;
		memcpy(ci.src, k->src, 16);
		memcpy(ci.dst, k->dst, 16);
		ci.sport = rte_be_to_cpu_16(k->sport);
		ci.dport = rte_be_to_cpu_16(k->dport);
		ci.icmp_type = k->icmp_type;
		ci.icmp_code = k->icmp_code;
		ci.vni = k->vni;
		ci.orig_port = k->in_port;
		ci.reply_port = rk->in_port;
		ci.state = atomic_load_explicit(&o->state, memory_order_relaxed);
		ci.revoked = atomic_load_explicit(&o->flags, memory_order_relaxed) & DP_CT_DEAD;
		idle = idle_of(o, now);
		to = ct_timeout(&timeouts, o->proto, ci.state);
		ci.age = now - o->created;
		ci.idle = idle;
		ci.expires = idle < to ? to - idle : 0;
		ci.pkts[0] = o->pkts;
		ci.bytes[0] = o->bytes;
		ci.pkts[1] = r->pkts;
		ci.bytes[1] = r->bytes;
		ci.rule_egress = o->rule_egress;
		ci.rule_ingress = o->rule_ingress;
		if (atomic_load_explicit(&o->flags, memory_order_relaxed) & DP_CT_NAT) {
			ci.nat = true;
			memcpy(ci.nat_addr, rk->src, 16); /* the backend answers from there */
			ci.nat_port = rte_be_to_cpu_16(rk->sport);
		}
		seen++;
		if (!cb(&ci, arg))
			break;
	}
	return seen;
}

void dp_ct_stats(struct dp_ct_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->count = atomic_load_explicit(&dp_ct.count, memory_order_relaxed);
	out->max = dp_ct.max;
	out->port_max = dp_ct.port_max;
	for (unsigned int i = 0; i < dp_n_workers; i++) {
		const struct dp_worker *w = dp_workers[i];

		out->created += w->ct_created;
		out->hits += w->ct_hits;
		out->revalidated += w->ct_revalidated;
	}
}

uint32_t dp_ct_port_count(uint16_t port_idx)
{
	return port_idx < DP_PORTS_MAX
		       ? atomic_load_explicit(&dp_ct.port_count[port_idx], memory_order_relaxed)
		       : 0;
}

uint64_t dp_rule_hits(uint32_t rule_id)
{
	uint64_t sum = 0;

	if (rule_id == 0 || rule_id >= DP_RULE_IDS)
		return 0;
	for (unsigned int i = 0; i < dp_n_workers; i++)
		sum += dp_workers[i]->rule_hits[rule_id];
	return sum;
}
