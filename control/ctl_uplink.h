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

/** vpcswitchd's options of the controller connection (NULL: not given). */
struct ctl_uplink_opts {
	const char *list;    /* --controller: tcp:HOST:PORT or tls:HOST:PORT, comma-separated */
	const char *host_id; /* --host-id: required with a list */
	const char *cert, *key, *ca; /* --controller-cert/-key/-ca: all three with a tls: entry */
};

/**
 * Take the options (before EAL starts: only the TLS files are read).
 * @param err  the reason on error (errsz bytes), naming the option
 * @return 0 or -EINVAL. Main thread.
 */
int ctl_uplink_configure(const struct ctl_uplink_opts *o, char *err, size_t errsz);
/** Start connecting (after ctl_server_init and the start-up state). No-op without a
 *  controller. Returns 0 or -errno. Control thread. */
int ctl_uplink_start(void);
/** Stop: close the connecting socket, forget the connection (before ctl_server_fini). */
void ctl_uplink_fini(void);
/** `vpcctl show controller`: addresses, host id, state, current address, counters, last
 *  error (a new object). Control thread. */
json_t *ctl_uplink_json(void);

#endif
