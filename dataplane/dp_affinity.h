/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client affinity of load balancer listeners (affinity_timeout > 0): a client's new
 * connections to a listener go to the backend its earlier ones went to, as long as that
 * backend still takes new connections and the client opened one within the timeout; else
 * Maglev picks, and that is remembered. The table (client per listener -> backend) is
 * shared by the workers, added to lock-free like the connection table, and aged by the
 * control thread. Dataplane-internal.
 */
#ifndef VPCSW_DP_AFFINITY_H
#define VPCSW_DP_AFFINITY_H

#include <stdbool.h>
#include <stdint.h>

struct dp_snap;
struct dp_lb_listener;
struct dp_lb_backend;
struct dp_flow_key;

/** With the connection table: room for max clients. 0 or -errno. */
int dp_aff_init(uint32_t max);
void dp_aff_fini(void);

/** The backend new connection k to listener l goes to (NULL: none takes new connections).
 *  record: remember it for the client (a worker opening the connection); false: only ask. */
const struct dp_lb_backend *dp_aff_pick(const struct dp_snap *s, const struct dp_lb_listener *l,
					const struct dp_flow_key *k, uint32_t now, bool record);

/** Control thread: forget up to budget slots' clients idle past their timeout. Returns how
 *  many. */
unsigned int dp_aff_age(uint32_t now, uint32_t budget);
/** Clients remembered now. */
uint32_t dp_aff_count(void);

#endif
