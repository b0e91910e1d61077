/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active health checks of load balancer backends. Each switch checks the backends that are
 * VMs attached to it (IPv4), for every listener with a health_check: a TCP connection
 * accepted, or an HTTP GET answered 2xx/3xx, every interval, within the timeout. A backend
 * starts healthy (adding a check does not take a serving backend out) and changes after
 * `fall` failures or `rise` successes in a row. An unhealthy backend takes no new
 * connections through this switch, as one set down; the change is an event to the
 * controller, which tells the other hosts (they do not reach the VM to check it).
 * The checks run on a thread of their own, inside the checker's namespace (hc_netns.h),
 * with the kernel's TCP; the control thread sets what is checked and reads the changes.
 */
#ifndef VPCSW_LB_HEALTH_H
#define VPCSW_LB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../dataplane/dp.h"
#include "cfg.h"

/** Before any other call. 0 or -errno. */
int lb_health_init(void);
/** Stop the checks, remove the namespace. */
void lb_health_fini(void);

/**
 * Check what c asks for from now on (its listeners with a health_check whose backends are
 * addresses of c's ports); backends checked before keep their state. The checker's
 * namespace is made the first time something is checked. 0, or -errno with err set
 * (CFG_ERR_SIZE) and nothing changed.
 */
int lb_health_set(const struct cfg *c, char *err);

/** The checker's tap and its targets into a snapshot; port_of gives the runtime of a port
 *  (NULL: none now, its backend is not reached and will fail its checks). */
int lb_health_build(struct dp_build *b, struct dp_port *(*port_of)(const char *name));

/** The check's view of backend be: -1 not checked here, 0 unhealthy, 1 healthy. why (may be
 *  NULL) gets the last failure's reason ("" none). */
int lb_health_of(const struct cfg_lb_backend *be, char *why, size_t why_size);

/** Readable when a backend's health changed. */
int lb_health_fd(void);

/** Call changed(be, healthy, why, arg) for each backend whose health changed since the last
 *  call (under the checker's lock: changed must not call back here). Returns how many. */
unsigned int lb_health_changes(void (*changed)(const struct cfg_lb_backend *be, bool healthy,
					       const char *why, void *arg),
			       void *arg);

#endif
