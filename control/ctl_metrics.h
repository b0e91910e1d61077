/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus metrics (text exposition format 0.0.4) on GET /metrics of an optional HTTP
 * listener (vpcswitchd --metrics ADDR:PORT). libmicrohttpd runs inside the control loop,
 * so every scrape reads the switch on the control thread, through the same
 * ctl_switch_stats calls as vpcctl.
 */
#ifndef VPCSW_CTL_METRICS_H
#define VPCSW_CTL_METRICS_H

#include <stddef.h>

/**
 * Listen on addr and serve from the control loop. Call after ctl_server_init, from the
 * control thread; says on stderr why it failed.
 * @param addr  "HOST:PORT", "[IPV6]:PORT" or ":PORT" (every address); HOST a numeric
 *              address or a name that resolves (the first address is taken).
 * @return 0, -EINVAL (addr malformed or unresolved), -EALREADY (twice), -EIO (the HTTP
 *         server did not start), or the negative errno of socket/bind/listen, e.g.
 *         -EADDRINUSE when the port is taken.
 */
int ctl_metrics_init(const char *addr);

/** Stop serving and close the listener; safe if init failed or was never called. Control
 *  thread, before ctl_server_fini. */
void ctl_metrics_fini(void);

/**
 * The metrics text as served: a malloc'd string (*size bytes, NUL-terminated). Control
 * thread. Returns 0, or a negative errno (-ENOMEM, or a stats query's).
 */
int ctl_metrics_render(char **text, size_t *size);

#endif
