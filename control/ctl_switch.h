/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch's applied state: the committed configuration, the runtime objects (dataplane
 * port + vhost socket) behind each port, and the operations the southbound protocol maps
 * to: transactions, full-state sync, dumps and counters. Control thread only.
 */
#ifndef VPCSW_CTL_SWITCH_H
#define VPCSW_CTL_SWITCH_H

#include <stdbool.h>

#include <jansson.h>

#include "cfg.h"

/** sock_dir: default directory of port sockets. Nothing is published (polled) yet: a
 *  start-up state applied next is in place before the first packet. Returns 0 or -ENOMEM. */
int ctl_switch_init(const char *sock_dir);
/** Publish the current state: from here on the workers poll its ports and the underlay. */
int ctl_switch_start(void);
/** Remove every port (sockets closed) and free the state. */
void ctl_switch_fini(void);

/*
 * Each returns 0 and a reply body, or a negative errno with err (CFG_ERR_SIZE) naming what
 * is wrong; on error nothing changed.
 */
int ctl_switch_txn(const json_t *body, json_t **reply, char *err);
int ctl_switch_sync(const json_t *body, json_t **reply, char *err);
int ctl_switch_dump(const json_t *body, json_t **reply, char *err);
int ctl_switch_stats(const json_t *body, json_t **reply, char *err);

/** Where asynchronous events go (port link changes, including a connected port's removal).
 *  cb takes the reference to event. */
void ctl_switch_set_event_cb(void (*cb)(json_t *event, void *arg), void *arg);
/** The kernel's routes or neighbours changed: rebuild the encap templates. */
void ctl_switch_underlay_changed(void);
/** Every 100 ms: the underlay tick, and a tenth of the connection table aged. */
void ctl_switch_tick(void);
/** The committed configuration (NULL before the first): read only, control thread. */
struct cfg;
const struct cfg *ctl_switch_cfg(void);
/** The dataplane index of port name (a VM or DPDK-device port). Returns 0 or -ENOENT. */
int ctl_switch_port_find(const char *name, uint16_t *idx);
/** Apply recorded vhost events (link up/down), emitting an event for each change. */
void ctl_switch_poll_links(void);
/** A load balancer backend's health check changed its verdict (lb_health_fd() is readable):
 *  tell the event subscribers, and take it out of (or back into) the balancing. */
void ctl_switch_health_changed(void);

#endif
