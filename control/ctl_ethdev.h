/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bringing a DPDK port up for the dataplane (the underlay, the exception tap, a VM port
 * given as a DPDK device): probe it from its devargs, one rx queue, a tx queue per worker.
 * Control thread.
 */
#ifndef VPCSW_CTL_ETHDEV_H
#define VPCSW_CTL_ETHDEV_H

#include <stdint.h>

/** Probe devargs and start the port. Returns 0 with *port set, or -errno with a reason
 *  (naming `what`) in err (256 bytes). */
int ctl_ethdev_open(const char *devargs, const char *what, uint16_t *port, char *err);
/** The tx checksum offloads (RTE_ETH_TX_OFFLOAD_*) the port was started with. */
uint64_t ctl_ethdev_tx_offloads(uint16_t port);
/** Stop, close and remove the device. */
void ctl_ethdev_close(uint16_t port);

#endif
