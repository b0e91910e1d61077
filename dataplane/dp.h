/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's public face: port runtime objects, the configuration snapshot the workers
 * read through RCU, worker start/stop, and counters. The control thread builds a snapshot
 * with dp_build_*, dp_build_commit publishes it; the workers never wait for it.
 */
#ifndef VPCSW_DP_H
#define VPCSW_DP_H

#include <stdbool.h>
#include <stdint.h>

#define DP_PORTS_MAX 1024
#define DP_PORT_IPS_MAX 8
#define DP_QUEUES_MAX 16
#define DP_NAME_SIZE 32

enum dp_drop_reason {
#define DP_DROP(id, name, text) DP_DROP_##id,
#include "dp_drop.def"
#undef DP_DROP
	DP_DROP_MAX
};

const char *dp_drop_name(enum dp_drop_reason r);
const char *dp_drop_text(enum dp_drop_reason r);

struct dp_params {
	unsigned int n_mbufs;       /* packet buffers in the shared pool */
	unsigned int idle_sleep_us; /* 0: busy-poll; else a worker sleeps this long when idle */
};

/** Create the mempool and RCU state and launch a worker on every non-main lcore.
 *  Main lcore only, after rte_eal_init. Returns 0, -ENODEV (no worker lcore), -ENOMEM. */
int dp_init(const struct dp_params *p);
/** Stop and join the workers; nothing polls or transmits afterwards, so ports may be torn
 *  down in any order. Main lcore; idempotent. */
void dp_stop(void);
/** dp_stop, then free the snapshot and pool. Main lcore; safe if init failed. */
void dp_fini(void);
unsigned int dp_worker_count(void);

/*
 * A port's runtime object: one per VM port, lives from dp_port_create until dp_port_destroy
 * (called only once a snapshot without it has been published). Its device binding changes
 * under the workers' feet, through the two calls below.
 */
struct dp_port;

/** Control thread. Returns NULL with errno = ENOSPC (no free index) or ENOMEM. */
struct dp_port *dp_port_create(const char *name, uint16_t n_queues);
/** Control thread; accepts NULL. The port must be in no published snapshot. */
void dp_port_destroy(struct dp_port *port);
uint16_t dp_port_index(const struct dp_port *port);
/** Bind a vhost device id to the port so workers use it. Caller serialises with detach. */
void dp_port_attach_vhost(struct dp_port *port, int vid);
/** Unbind the vhost device and wait until no worker uses it any more. Any thread that is not
 *  a worker (the vhost library's callbacks call it: they must not return before that). */
void dp_port_detach_vhost(struct dp_port *port);
/** Record a ring's enable state (virtio queue index as in rte_vhost). Never waits: rte_vhost
 *  calls this from a callback that holds the rings' locks. Any non-worker thread. */
void dp_port_set_vring(struct dp_port *port, uint16_t vring, bool enable);
/** All rings disabled: a new vhost connection starts from nothing. Any non-worker thread. */
void dp_port_reset_vrings(struct dp_port *port);
int dp_port_vid(const struct dp_port *port);

/*
 * Snapshot construction (control thread). A build that fails leaves the published snapshot
 * in place: dp_build_abort frees it.
 */
struct dp_build;
struct dp_port_conf {
	struct dp_port *port;
	uint32_t vni;
	uint8_t mac[6];
	uint8_t n_ip4;
	uint32_t ip4[DP_PORT_IPS_MAX]; /* network order */
	uint8_t n_ip6;
	uint8_t ip6[DP_PORT_IPS_MAX][16];
};

struct dp_build *dp_build_begin(void);
/** Returns 0 or -ENOSPC (more addresses than DP_PORT_IPS_MAX). */
int dp_build_port(struct dp_build *b, const struct dp_port_conf *pc);
/** A subnet gateway: the switch answers ARP for ip4 (if non-zero) with mac. Returns 0,
 *  -ENOMEM. */
int dp_build_gateway(struct dp_build *b, uint32_t vni, uint32_t ip4, const uint8_t mac[6]);
/** A VM on another host: ARP for its addresses is answered with its MAC; frames to its MAC
 *  go to its VTEP. Returns 0, -ENOMEM, -ENOSPC (more addresses than DP_PORT_IPS_MAX). */
int dp_build_remote(struct dp_build *b, uint32_t vni, const uint8_t mac[6], const uint32_t *ip4,
		    unsigned int n_ip4, int vtep_af, const uint8_t vtep[16]);
/** Build the lookup tables, publish, wait for the grace period, free the previous snapshot.
 *  Frees b. Returns 0, or -ENOMEM (or a table's -ENOSPC) and the previous snapshot stays. */
int dp_build_commit(struct dp_build *b);
void dp_build_abort(struct dp_build *b);

/* Counters, summed over workers; a port's counters start at zero when it is created. */
struct dp_port_stats {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t drops;         /* dropped at this port, either direction: sum of drop_reasons */
	uint64_t tx_drops;      /* of those, packets for this port it could not take */
	uint64_t rxq_pkts[DP_QUEUES_MAX]; /* received per queue pair */
	uint64_t drop_reasons[DP_DROP_MAX];
};

struct dp_worker_stats {
	unsigned int lcore;
	uint64_t pkts;        /* packets received and processed */
	uint64_t busy_cycles; /* TSC cycles spent in loops that had packets */
	uint64_t polls, busy_polls;
};

void dp_stats_port(const struct dp_port *port, struct dp_port_stats *out);
void dp_stats_drops(uint64_t out[DP_DROP_MAX]);
/** Fills out[0..n-1] for the first n workers; returns the number of workers. */
unsigned int dp_stats_workers(struct dp_worker_stats *out, unsigned int n);

#endif
