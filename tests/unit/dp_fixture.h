/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane tests' environment: EAL without hugepages or shared files, the packet pool
 * (also the packet fixture's), and the calling thread standing in as worker 0, since
 * dp_init would want a second lcore. One start and one stop per test program. Besides: the
 * test's VM ports, snapshot pieces from text, and what a burst did, checked and told in
 * words by the test's own port numbers.
 */
#ifndef VPCSW_TEST_DP_FIXTURE_H
#define VPCSW_TEST_DP_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "../../dataplane/dp_private.h"

/** prefix: the EAL file prefix (unique per test program); vdevs: NULL-terminated list of
 *  --vdev arguments. Fails the running test on any error. */
struct dp_worker *dp_fixture_start(const char *prefix, unsigned int n_mbufs,
				   const char *const *vdevs);
/** Release the snapshot, destroy the ports dp_fixture_ports made, release the worker, clean
 *  EAL up, remove its runtime directory. The test destroys any other ports first. */
void dp_fixture_stop(struct dp_worker *w);

/** Create n vhost ports (one queue pair, no device yet) named names[i]; idx[i]: each one's
 *  index in the worker's arrays. The fixture keeps all three, which must outlive it, to
 *  name the ports in its messages and destroy them at the stop. */
void dp_fixture_ports(struct dp_port **ports, uint16_t *idx, const char *const *names, int n);

/** cmocka teardown of each test: flush the worker (the VM ports have no device, so what a
 *  test left for them is dropped and freed); fails if anything is still queued or held for
 *  dropping, or an mbuf is not back in the pool. Then zeroes the ports' counters. */
int dp_fixture_teardown(void **state);

/* ---- snapshots ---- */

struct dp_build *dp_fixture_begin(void);
/** A VM port of vni with one MAC, one IPv4 and (ip6 not NULL) one IPv6 address; the rest
 *  zero. */
void dp_fixture_port_conf(struct dp_port_conf *pc, struct dp_port *port, uint32_t vni,
			  const char *mac, const char *ip4, const char *ip6);
/** The port's IPv4 gateway and (gw6 not NULL) its IPv6 one. */
void dp_fixture_port_gw(struct dp_port_conf *pc, const char *gw4, const char *gw_mac,
			const char *gw6, const char *gw6_mac);
/** The gateway address ip (either family) of vni, at mac. */
void dp_fixture_gateway(struct dp_build *b, uint32_t vni, const char *ip, const char *mac);
/** A VM of vni on another host with one IPv4 address, behind vtep (either family), reached
 *  through nh_mac (NULL: not resolved). */
void dp_fixture_remote(struct dp_build *b, uint32_t vni, const char *mac, const char *ip4,
		       const char *vtep, const char *nh_mac);
/** Commit b and hand the new snapshot to the worker; returns it. */
const struct dp_snap *dp_fixture_commit(struct dp_build *b);

/* ---- running frames (ports by the numbers given to dp_fixture_ports) ---- */

/** Run m from VM port `in` through the VM pipeline as a worker's round would, after
 *  flushing what the last run queued and zeroing the counters, so that they tell what this
 *  one did alone. */
void dp_fixture_run(int in, struct rte_mbuf *m);

/** Frames queued to send, on all ports. */
unsigned int dp_fixture_sent_total(void);
/** Drops counted, on all ports. */
uint64_t dp_fixture_drops_total(void);
/** Where frames went and were dropped, in words for a failure message. */
const char *dp_fixture_outcome(char *buf, size_t size);
/** Run m from `in`; fails, naming the caller's line, unless exactly one frame was queued,
 *  to port `to`, and nothing was dropped. Returns that frame (valid until the next run). */
struct rte_mbuf *dp_fixture_pass(int line, int in, struct rte_mbuf *m, int to);
/** Run m from `in`; fails, naming the caller's line, unless nothing was queued and exactly
 *  one frame was dropped, at port `at` for why. */
void dp_fixture_drop(int line, int in, struct rte_mbuf *m, int at, enum dp_drop_reason why);

#endif
