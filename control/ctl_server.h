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

#endif
