/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The health checker's network: a network namespace of the switch's own, holding one kernel
 * tap whose other side is a DPDK port of the dataplane. The kernel there is 169.254.0.1/16
 * and reaches each probed backend at a probe address of that prefix (dataplane/dp.h); its
 * TCP is the checker's. Nothing of it shows in the host's namespace, so tenants' addresses,
 * which overlap between VPCs, never meet the host's routes. Control thread.
 */
#ifndef VPCSW_HC_NETNS_H
#define VPCSW_HC_NETNS_H

#include <stdint.h>

struct hc_netns {
	int ns_fd;	  /* the namespace (setns(2) into it to open sockets there) */
	uint16_t eth_port; /* the tap's DPDK port */
	uint8_t mac[6];	  /* the kernel side's MAC: where frames for the checker go */
};

/** Create the namespace and its tap. Returns 0, or -errno with a reason in err (256). */
int hc_netns_open(struct hc_netns *h, char *err);
/** Close the tap and the namespace. */
void hc_netns_close(struct hc_netns *h);

#endif
