/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet capture sessions on the switch's side of the southbound protocol: capture_start
 * (with the output file descriptor passed over the management socket) and capture_stop,
 * the capture_done event to the connection that started a session, and the sessions'
 * lifetime (their connection closing, their port going, shutdown). The dataplane part is
 * dataplane/dp_capture.c. Control thread only.
 */
#ifndef VPCSW_CTL_CAPTURE_H
#define VPCSW_CTL_CAPTURE_H

#include <stdint.h>

#include <jansson.h>

/** After ctl_server_init: the writers' wake-up joins the control loop; SIGPIPE is ignored
 *  (a reader that goes away is an EPIPE for the session's writer). Returns 0 or -errno. */
int ctl_capture_init(void);
/** Stop and free every session (no events sent). Before the dataplane is freed. */
void ctl_capture_fini(void);

/** Where capture_done events go: send(owner, event) takes the reference to event. owner
 *  is what ctl_capture_start was given; it stays valid until ctl_capture_owner_gone. */
void ctl_capture_set_sink(void (*send)(void *owner, json_t *event));

/**
 * capture_start: {"port", "direction": "rx"|"tx"|"both", "point": "port"|"decap"|"encap",
 * "filter", "count", "snaplen", "ring"}. Takes fd (the output; -1: none came with the
 * request) in every case. Returns 0 with the reply {"id": N}, or a negative errno with err
 * (CFG_ERR_SIZE): -EINVAL (bad member, bad filter, no fd), -ENOENT (unknown port),
 * -ENOSPC (too many sessions), -ENOMEM, -EIO.
 */
int ctl_capture_start(const json_t *body, int fd, void *owner, json_t **reply, char *err);
/** capture_stop {"id": N}: the session ends (its done event follows). Returns 0 with the
 *  reply {"id": N}, -EINVAL, -ENOENT (no such running session). */
int ctl_capture_stop(const json_t *body, json_t **reply, char *err);
/** The connection owner closed: its sessions stop, and no event will name it. */
void ctl_capture_owner_gone(const void *owner);
/** A port is about to be destroyed: the sessions on it stop (reason "port_removed") and no
 *  worker copies from it once this returns. */
void ctl_capture_port_gone(uint16_t port_idx);

#endif
