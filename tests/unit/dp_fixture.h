/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane tests' environment: EAL without hugepages or shared files, the packet pool
 * (also the packet fixture's), and the calling thread standing in as worker 0, since
 * dp_init would want a second lcore. One start and one stop per test program.
 */
#ifndef VPCSW_TEST_DP_FIXTURE_H
#define VPCSW_TEST_DP_FIXTURE_H

#include "../../dataplane/dp_private.h"

/** prefix: the EAL file prefix (unique per test program); vdevs: NULL-terminated list of
 *  --vdev arguments. Fails the running test on any error. */
struct dp_worker *dp_fixture_start(const char *prefix, unsigned int n_mbufs,
				   const char *const *vdevs);
/** Release the snapshot and the worker, clean EAL up, remove its runtime directory. The
 *  test destroys its ports first. */
void dp_fixture_stop(struct dp_worker *w);

#endif
