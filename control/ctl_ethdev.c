/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * See ctl_ethdev.h. Every worker transmits on its own queue of every port, so a port must
 * offer as many tx queues as there are workers; net_af_packet needs qpairs=N for that.
 * Checksum offloads are switched on wherever the port has them: the dataplane reads the
 * receive verdicts from every port, and asks for outer checksums on the underlay.
 */
#include "ctl_ethdev.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_ethdev.h>

#include "../dataplane/dp.h"

static int start(uint16_t port, const char *what, char *err)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	uint16_t n_tx = (uint16_t)dp_worker_count(), nrxd = 1024, ntxd = 1024;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	if (info.max_tx_queues < n_tx) {
		snprintf(err, 256, "%s offers %u tx queues, the %u workers need one each "
				   "(net_af_packet: add qpairs=%u)",
			 what, info.max_tx_queues, n_tx, n_tx);
		return -EINVAL;
	}
	conf.rxmode.offloads = info.rx_offload_capa & (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
						       RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	conf.txmode.offloads = info.tx_offload_capa & (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
						       RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
	if ((rc = rte_eth_dev_configure(port, 1, n_tx, &conf)) != 0 ||
	    (rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrxd, &ntxd)) != 0 ||
	    (rc = rte_eth_rx_queue_setup(port, 0, nrxd, rte_eth_dev_socket_id(port), NULL,
					 dp_mempool())) != 0)
		goto fail;
	for (uint16_t q = 0; q < n_tx; q++) {
		rc = rte_eth_tx_queue_setup(port, q, ntxd, rte_eth_dev_socket_id(port), NULL);
		if (rc != 0)
			goto fail;
	}
	rc = rte_eth_dev_start(port);
	if (rc == 0)
		return 0;
fail:
	snprintf(err, 256, "%s: cannot set up its queues: %s", what, strerror(-rc));
	return rc;
}

int ctl_ethdev_open(const char *devargs, const char *what, uint16_t *port, char *err)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t n = strcspn(devargs, ",");
	int rc;

	if (n == 0 || n >= sizeof(name)) {
		snprintf(err, 256, "%s: '%s' does not start with a device name", what, devargs);
		return -EINVAL;
	}
	memcpy(name, devargs, n);
	name[n] = '\0';
	if (rte_eth_dev_get_port_by_name(name, port) == 0) {
		snprintf(err, 256, "%s: device '%s' is already in use", what, name);
		return -EEXIST;
	}
	rc = rte_dev_probe(devargs);
	if (rc < 0 || rte_eth_dev_get_port_by_name(name, port) != 0) {
		snprintf(err, 256, "%s: cannot probe '%s': %s", what, devargs,
			 strerror(rc < 0 ? -rc : ENODEV));
		return rc < 0 ? rc : -ENODEV;
	}
	rc = start(*port, what, err);
	if (rc != 0)
		ctl_ethdev_close(*port);
	return rc;
}

uint64_t ctl_ethdev_tx_offloads(uint16_t port)
{
	struct rte_eth_conf conf;

	return rte_eth_dev_conf_get(port, &conf) == 0 ? conf.txmode.offloads : 0;
}

void ctl_ethdev_close(uint16_t port)
{
	struct rte_eth_dev_info info;

	rte_eth_dev_stop(port);
	if (rte_eth_dev_info_get(port, &info) == 0 && info.device != NULL) {
		rte_eth_dev_close(port);
		rte_dev_remove(info.device);
	} else {
		rte_eth_dev_close(port);
	}
}
