/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live trace on the switch's side of the southbound protocol: trace_live_start and
 * trace_live_stop, and the events that carry each traced packet (trace_packet) and the
 * session's end (trace_done) to the connection that started it. The workers mark and
 * record (dataplane/dp_trace_live.c); this drains their records every 20 ms, groups them
 * per packet and formats them as `vpcctl trace` does (ctl_trace.h). Control thread only.
 */
#ifndef VPCSW_CTL_TRACE_LIVE_H
#define VPCSW_CTL_TRACE_LIVE_H

#include <stdint.h>

#include <jansson.h>

#define CTL_TRACE_LIVE_COUNT_MAX 1000

/** After ctl_server_init: the drain timer joins the control loop. Returns 0 or -errno. */
int ctl_trace_live_init(void);
/** End a running session (no event) and close the timer. Before the dataplane is freed. */
void ctl_trace_live_fini(void);

/** Where events go: send(owner, event) takes the reference to event. */
void ctl_trace_live_set_sink(void (*send)(void *owner, json_t *event));

/**
 * trace_live_start: {"port": NAME (absent: every port), "filter": tcpdump expression
 * (absent: every packet), "count": 1-1000 (absent: 10)}. Returns 0 with the reply {"id": N},
 * or a negative errno with err (CFG_ERR_SIZE): -EINVAL (bad member or filter), -ENOENT
 * (unknown port), -EBUSY (a live trace is running: one at a time), -ENOMEM.
 */
int ctl_trace_live_start(const json_t *body, void *owner, json_t **reply, char *err);
/** trace_live_stop {"id": N}: the session ends now (reason "stopped"): its last packets and
 *  trace_done event are sent, then the reply {"id": N}. -EINVAL, -ENOENT (none running). */
int ctl_trace_live_stop(const json_t *body, json_t **reply, char *err);
/** The connection owner closed: its session ends without events. */
void ctl_trace_live_owner_gone(const void *owner);
/** A port is about to be destroyed: a session on it ends (reason "port_removed"). */
void ctl_trace_live_port_gone(uint16_t port_idx);

#endif
