/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow cache, which is also the connection table (DESIGN.md: one entry per connection,
 * both directions pointing at it). Dataplane-internal; included by dp_private.h.
 *
 * One table for the host, shared by every worker, not one per worker: the two directions of
 * a connection arrive on different queues (the VM's transmit queue and the underlay's, or
 * two VMs' queues), and the guest, not the switch, decides which queue carries which flow,
 * so no steering could bring both to one worker. rte_hash in lock-free read mode with
 * multi-writer add gives lock-free lookups to every worker; only inserting a new connection
 * takes the table's writer lock, and deleting is the control thread's (aging).
 *
 * Each direction is one key (struct dp_flow_key) holding every field its verdict depended
 * on. The key's position in the hash (unique while the key exists) indexes struct
 * dp_ct_slot: its cached action and counters; the originator's slot also holds the
 * connection's state. Positions are freed only after an RCU grace period, so a worker that
 * looked one up can use its slot to the end of its burst.
 */
#ifndef VPCSW_DP_CT_H
#define VPCSW_DP_CT_H

#include <stdatomic.h>
#include <stdint.h>

#include <rte_ether.h>

/*
 * A cache key: one direction of one connection. 64 bytes (rte_hash compares 64-byte keys
 * with SIMD), padding zeroed. A packet matches only if every field is equal: the verdict of
 * a flow is never applied to a packet that differs in anything it was decided on.
 */
struct dp_flow_key {
	uint32_t vni;
	uint16_t in_port; /* port index the packet came in on (a VM or the underlay) */
	uint8_t af;       /* AF_INET or AF_INET6 */
	uint8_t proto;    /* upper-layer protocol, after IPv6 extension headers */
	struct rte_ether_addr src_mac, dst_mac;
	rte_be16_t sport, dport; /* TCP/UDP; ICMP echo: sport = identifier, dport = 0 */
	uint8_t src[16], dst[16]; /* IPv4: first 4 bytes, the rest zero */
	uint8_t icmp_type, icmp_code; /* ICMP echo only, else 0 */
	uint8_t pad[6];
} __rte_aligned(8);

_Static_assert(sizeof(struct dp_flow_key) == 64, "flow key must be 64 bytes");

/* Slot flags */
#define DP_CT_USED 0x01  /* the slot holds a live direction (set last on creation) */
#define DP_CT_REPLY 0x02 /* the reply direction; the state lives in the partner's slot */
#define DP_CT_DEAD 0x04  /* no longer allowed (security group change): drop, age out now */
/* load balanced: each packet is rewritten to the reverse of the partner's key (dp_lb.c) */
#define DP_CT_NAT 0x08
/* dead because its backend was removed; and the client's TCP segments get a reset */
#define DP_CT_GONE 0x10
#define DP_CT_RESET 0x20
/* a new connection came on the tuple of this closed balanced one, and the table now picks
 * another backend: its packets are dropped until the control thread deletes it (soon: it
 * is queued), then the client's retransmission opens a new connection (IPVS's
 * conn_reuse_mode does the same) */
#define DP_CT_REBALANCE 0x40

/* Action word: generation (high 32 bits), kind and index. A worker may use it only when
 * the generation is the current configuration's; otherwise it revalidates the connection. */
#define DP_ACT_PORT 1u   /* index: output port */
#define DP_ACT_REMOTE 2u /* index: remote in the snapshot, encapsulate */
/* the frame was addressed to the gateway: routed here (MACs rewritten, TTL decremented),
 * or, to a tunnel-only remote, sent as it is to the host that routes it */
#define DP_ACT_ROUTED (1u << 26)
#define DP_ACT_KIND(a) ((uint32_t)(a) >> 24 & 0x3)
#define DP_ACT_INDEX(a) ((uint32_t)(a) & 0xffffff)
#define DP_ACT_GEN(a) ((uint32_t)((a) >> 32))
#define DP_ACT_MAKE(gen, kind, idx) ((uint64_t)(gen) << 32 | (kind) << 24 | (idx))

#define DP_PORT_NONE 0xffff

/* One per hash position, one cache line. Who writes: the creating worker (all fields,
 * before DP_CT_USED), then any worker (act, last_seen, state, counters), then the control
 * thread (clearing, after the keys are gone and a grace period passed). */
struct dp_ct_slot {
	_Atomic uint64_t act;
	_Atomic uint32_t last_seen; /* dp_ct_clock seconds */
	_Atomic uint8_t flags;
	_Atomic uint8_t state; /* enum ct_state; originator's slot only */
	uint8_t proto;
	uint8_t pad0;
	uint32_t partner;  /* hash position of the other direction's key */
	uint32_t rule_egress, rule_ingress; /* rule ids that allowed it (0: none needed) */
	uint16_t charged[2]; /* ports whose connection count includes it, DP_PORT_NONE */
	uint32_t created;    /* dp_ct_clock seconds */
	/* per direction; plain adds: a flow's direction is on one queue, so one worker */
	uint64_t pkts, bytes;
	/* DP_CT_NAT: the partner's key in the table, which each packet is translated to the
	 * reverse of (taken once at creation: rte_hash_get_key_with_position looks the key up
	 * again to check it, too dear per packet); valid while the connection exists */
	const struct dp_flow_key *peer;
} __rte_cache_aligned;
/* a second line would double the table's memory and what aging walks */
_Static_assert(sizeof(struct dp_ct_slot) == RTE_CACHE_LINE_SIZE, "dp_ct_slot: one cache line");

struct dp_ct {
	struct rte_hash *h;
	struct dp_ct_slot *slots;
	uint32_t n_slots;
	uint32_t max;          /* connections */
	uint32_t port_max;     /* default per-port limit */
	_Atomic uint32_t count;
	_Atomic uint32_t port_count[DP_PORTS_MAX];
	uint32_t age_cursor; /* control thread */
	struct rte_ring *expire_soon; /* originator positions workers want deleted now */
};

/** Worker: have the control thread delete the connection at orig position pos at its next
 *  aging round (its slot is flagged so that it counts as expired). */
void dp_ct_expire_soon(uint32_t pos);

extern struct dp_ct dp_ct;

/* Seconds since the dataplane started; tests replace it. */
extern uint32_t (*dp_ct_clock)(void);


#endif
