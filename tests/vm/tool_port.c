/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * See tool_port.h. Shared by tests/vm/vmnic.c and bench/vhost_gen.c, so both front ends
 * negotiate the same way with the switch under test.
 */
#include "tool_port.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

/*
 * vhost-user can hand the backend only 8 memory regions and DPDK keeps one hugepage file per
 * 2 MB page unless told otherwise, so without --single-file-segments the backend cannot map our
 * mbufs once the pool grows past a few pages.
 */
char **tool_eal_args(int *argc, char **argv)
{
	static char opt[] = "--single-file-segments";
	char **nargv;

	for (int i = 1; i < *argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], opt) == 0)
			return argv;
	nargv = calloc((size_t)*argc + 2, sizeof(*nargv));
	if (nargv == NULL)
		return argv;
	nargv[0] = argv[0];
	nargv[1] = opt;
	memcpy(&nargv[2], &argv[1], (size_t)(*argc - 1) * sizeof(*nargv));
	(*argc)++;
	return nargv;
}

int tool_port_start(uint16_t port, uint16_t n_queues, uint16_t desc, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nrxd = desc, ntxd = desc;
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	if (info.max_rx_queues < n_queues || info.max_tx_queues < n_queues)
		return -EINVAL;
	memset(&conf, 0, sizeof(conf));
	/*
	 * With LSC interrupts the EAL interrupt thread notices a vhost-user peer leaving and, in
	 * server mode, accepts its return; link_get_nowait then only reads the cached state
	 * instead of racing that thread inside the driver.
	 */
	if (info.dev_flags != NULL && (*info.dev_flags & RTE_ETH_DEV_INTR_LSC))
		conf.intr_conf.lsc = 1;
	ret = rte_eth_dev_configure(port, n_queues, n_queues, &conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrxd, &ntxd);
	if (ret != 0)
		return ret;
	for (uint16_t q = 0; q < n_queues; q++) {
		ret = rte_eth_rx_queue_setup(port, q, nrxd, rte_eth_dev_socket_id(port), NULL, pool);
		if (ret != 0)
			return ret;
		ret = rte_eth_tx_queue_setup(port, q, ntxd, rte_eth_dev_socket_id(port), NULL);
		if (ret != 0)
			return ret;
	}
	ret = rte_eth_dev_start(port);
	if (ret != 0)
		return ret;
	/* virtio_user without a control queue cannot do it and does not filter anyway */
	(void)rte_eth_promiscuous_enable(port);
	return 0;
}

bool tool_link_up(uint16_t port)
{
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	return rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}
