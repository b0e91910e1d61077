/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * See dp_fixture.h. --no-huge cannot go with --in-memory; --no-shconf keeps the runs off
 * the filesystem, and the empty runtime directory is removed at the end.
 */
#include "dp_fixture.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "pkt_fixture.h"

#define ARGS_MAX 32

struct dp_worker *dp_fixture_start(const char *prefix, unsigned int n_mbufs,
				   const char *const *vdevs)
{
	char *argv[ARGS_MAX] = {"dp_test", "-l", "0", "--no-huge", "--no-pci", "-m", "128",
				"--no-shconf", "--no-telemetry", "--log-level", "error",
				"--file-prefix", (char *)prefix};
	int argc = 13;
	struct dp_worker *w;

	for (; vdevs != NULL && *vdevs != NULL && argc + 2 <= ARGS_MAX; vdevs++) {
		argv[argc++] = "--vdev";
		argv[argc++] = (char *)*vdevs;
	}
	if (rte_eal_init(argc, argv) < 0)
		fail_msg("rte_eal_init failed");
	dp_pool = rte_pktmbuf_pool_create("ut_pool", n_mbufs, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	assert_non_null(dp_pool);
	pkt_pool = dp_pool;
	w = rte_zmalloc("ut_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	assert_non_null(w);
	dp_workers[0] = w;
	dp_n_workers = 1; /* dp_build_commit spreads queues over the workers: needs one */
	if (dp_ct_init(4096, 4096) != 0)
		fail_msg("dp_ct_init failed");
	return w;
}

void dp_fixture_stop(struct dp_worker *w)
{
	char runtime_dir[PATH_MAX];

	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	dp_snap_release_all();
	dp_ct_fini();
	dp_workers[0] = NULL;
	dp_n_workers = 0;
	rte_free(w);
	rte_eal_cleanup();
	rmdir(runtime_dir);
}
