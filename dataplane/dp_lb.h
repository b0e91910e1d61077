/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The load balancer in the dataplane (docs/load-balancer.md): which new connections are to
 * a listener, which backend takes each, the keys and actions of a balanced connection, and
 * the per-packet translation. Dataplane-internal; included by dp_private.h.
 */
#ifndef VPCSW_DP_LB_H
#define VPCSW_DP_LB_H

struct dp_build;

/** The listener a new connection from a VM (k, addressed to a gateway MAC) is for, or NULL. */
const struct dp_lb_listener *dp_lb_find(const struct dp_snap *s, const struct dp_flow_key *k);
/** The backend that takes a new connection k (Maglev over its 5-tuple), NULL: none is up. */
const struct dp_lb_backend *dp_lb_pick(const struct dp_lb_listener *l, const struct dp_flow_key *k);
/** The backend addr:port of listener l, NULL if it is none (any more). */
const struct dp_lb_backend *dp_lb_backend_of(const struct dp_snap *s,
					     const struct dp_lb_listener *l, const uint8_t *addr,
					     rte_be16_t port);
/**
 * A balanced connection k to backend b: *k2 the packet as the backend will see it (from the
 * VIP too when the client is the backend itself), *act where it goes, *rk the key its
 * replies will have and *ract where they go. DP_DROP_MAX or why it cannot be.
 */
enum dp_drop_reason dp_lb_decide(const struct dp_snap *s, const struct dp_flow_key *k,
				 const struct dp_lb_backend *b, struct dp_flow_key *k2,
				 uint32_t *act, struct dp_flow_key *rk, uint32_t *ract,
				 const struct dp_nh **route);
/** Rewrite m's MACs, addresses and ports to the reverse of key `of` (TCP or UDP; l2_len and
 *  l3_len set by the flow stage). A routed action sets the MACs again after. */
void dp_lb_rewrite(struct rte_mbuf *m, const struct dp_flow_key *of);

/** A TCP segment of a connection whose backend was removed: answered in place with a reset
 *  from the VIP, back out of in_port (counted as lb_backend_removed there). */
void dp_lb_reset(struct dp_worker *w, uint16_t in_port, struct rte_mbuf *m);

/* Build side (dp_snap.c): a listener from its configuration (copied), the snapshot's
 * lookup tables once every listener is in, and freeing them with the snapshot. */
int dp_lb_copy(struct dp_lb_listener *l, const struct dp_lb_conf *c);
int dp_lb_fill(struct dp_snap *s, unsigned int gen);
void dp_lb_free(struct dp_snap *s);

#endif
