/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VM ports over vhost-user (rte_vhost): socket registration in server or client mode,
 * and the device lifecycle. Library callbacks run on rte_vhost's own threads: they record
 * what happened and wake the control thread (vport_event_fd), which applies it with
 * vport_events_process. Only what rte_vhost requires before destroy_device returns (workers
 * no longer touching the departing device) happens in that callback itself. Each port
 * serves one connection at a time: a second front end on its socket is refused.
 */
#ifndef VPCSW_VPORT_H
#define VPCSW_VPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_port;
struct vport;
struct vrelay_perms;

/** Set up the event channel, the relay (vrelay.h) with the permissions of the sockets it
 *  creates, and a private directory in run_dir for the library's own sockets. Control
 *  thread, once. Returns 0 or -errno. */
int vport_init(const char *run_dir, const struct vrelay_perms *perms);
void vport_fini(void);
/** An eventfd that becomes readable when a callback recorded something. */
int vport_event_fd(void);

/**
 * Register the socket and start serving it. server: the switch listens (the socket file is
 * created, and removed again by vport_destroy); client: the switch connects to the VM's
 * socket and reconnects whenever it goes away. Control thread.
 * Returns NULL with errno set (EINVAL bad path, EEXIST path in use, EIO library refused).
 */
struct vport *vport_create(const char *path, bool client, struct dp_port *dp);
/** Unregister (closing any connection). The dp port must be out of the published snapshot
 *  first. Control thread; accepts NULL. */
void vport_destroy(struct vport *vp);

bool vport_link_up(const struct vport *vp);
/** Connections the relay closed because of what the front end sent, and the last reason
 *  (why may be NULL). Any thread. */
uint64_t vport_refusals(struct vport *vp, char *why, size_t whysz);

/** Apply recorded events; calls changed(vp, up, why, arg) for each port whose link changed
 *  (why: the relay's reason when it went down because the front end was refused, else NULL).
 *  Control thread. */
void vport_events_process(void (*changed)(struct vport *vp, bool up, const char *why, void *arg),
			  void *arg);

#endif
