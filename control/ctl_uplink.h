/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controller connection: the switch connects out to the first controller of
 * --controller that answers and serves it the southbound protocol (ctl_server_adopt), as it
 * serves vpcctl on the management socket. Reconnects with failover and backoff; everything
 * runs on the control thread's loop and never blocks it.
 */
#ifndef VPCSW_CTL_UPLINK_H
#define VPCSW_CTL_UPLINK_H

#include <stddef.h>

#include <jansson.h>

/**
 * Take --controller and --host-id (before EAL starts: nothing is opened yet).
 * @param list     the option's text (ctl_uplink_addrs_parse); NULL: no controller
 * @param host_id  1-31 name characters; required with a list
 * @param err      the reason on error (errsz bytes)
 * @return 0 or -EINVAL (err says why). Main thread.
 */
int ctl_uplink_configure(const char *list, const char *host_id, char *err, size_t errsz);
/** Start connecting (after ctl_server_init and the start-up state). No-op without a
 *  controller. Returns 0 or -errno. Control thread. */
int ctl_uplink_start(void);
/** Stop: close the connecting socket, forget the connection (before ctl_server_fini). */
void ctl_uplink_fini(void);
/** `vpcctl show controller`: addresses, host id, state, current address, counters, last
 *  error (a new object). Control thread. */
json_t *ctl_uplink_json(void);

#endif
