/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's event loop: the management socket (southbound protocol), vhost
 * events and signals, all in one epoll set.
 */
#ifndef VPCSW_CTL_SERVER_H
#define VPCSW_CTL_SERVER_H

/** Listen on path (created 0660; an existing socket file is replaced only if no one answers
 *  on it). Returns 0 or -errno. */
int ctl_server_init(const char *path);
/** Run until SIGINT/SIGTERM (blocked by the caller in every thread). Returns 0 or -errno. */
int ctl_server_run(void);
/** Close every connection and remove the socket file. */
void ctl_server_fini(void);

/**
 * Add another event source to the control loop (telemetry requests, the metrics HTTP
 * server): fn(arg) runs on the control thread when fd is readable, and also at every
 * 100 ms tick, so a source with timers of its own is run even when idle. At most 8.
 * Call after ctl_server_init, from the control thread. Returns 0, -ENOSPC (all slots
 * taken) or -errno of epoll_ctl.
 */
int ctl_server_watch(int fd, void (*fn)(void *arg), void *arg);
/** Remove fd from the loop (before closing it); an unknown fd is ignored. */
void ctl_server_unwatch(int fd);

#endif
