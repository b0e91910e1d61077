/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the test and benchmark tools (vmnic, vhost_gen) share about their DPDK ports: the EAL
 * option a virtio_user front end needs, and bringing a port up with N plain queue pairs.
 */
#ifndef VPCSW_TOOL_PORT_H
#define VPCSW_TOOL_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

/** argv with --single-file-segments added before the first argument if missing. */
char **tool_eal_args(int *argc, char **argv);
/** Configure n_queues rx/tx queues of desc descriptors, no offloads, start, promiscuous.
 *  Returns 0 or a negative errno (the device offers fewer queues: -EINVAL). */
int tool_port_start(uint16_t port, uint16_t n_queues, uint16_t desc, struct rte_mempool *pool);
bool tool_link_up(uint16_t port);

#endif
