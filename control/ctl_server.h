/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's event loop: the management socket (southbound protocol), vhost
 * events and signals, all in one epoll set.
 */
#ifndef VPCSW_CTL_SERVER_H
#define VPCSW_CTL_SERVER_H

#include <stdint.h>

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
/** ctl_server_watch with other epoll events than EPOLLIN (e.g. EPOLLOUT: a connect that
 *  completes). Same rules and returns. */
int ctl_server_watch_events(int fd, uint32_t events, void (*fn)(void *arg), void *arg);
/** Remove fd from the loop (before closing it); an unknown fd is ignored. */
void ctl_server_unwatch(int fd);

/** What the owner of an adopted connection learns (control thread, from inside the loop). */
struct ctl_peer_ops {
	/** The peer completed its hello (may be NULL). */
	void (*hello_done)(void *arg);
	/** The connection is closed and forgotten (why: a reason for logs and status; valid
	 *  during the call only). Not called when ctl_server_fini closes it. */
	void (*closed)(void *arg, const char *why);
	void *arg;
};

/**
 * Serve the southbound protocol on a connected stream socket the loop did not accept (the
 * controller connection, ctl_uplink.c): the same handshake and requests as the management
 * socket, except that no file descriptor can come with a request (capture_start is refused),
 * and 20 requests in a row answered with errors close it. Control thread.
 * @param fd   connected, non-blocking; taken on success (closed by the server)
 * @param tls  NULL, or its TLS session (handshake done): taken on success like fd
 * @param ops  kept until its closed() call
 * @return 0, -ENOMEM, or -errno of epoll_ctl (fd and tls then still the caller's)
 */
struct ssl_st;
int ctl_server_adopt(int fd, struct ssl_st *tls, const struct ctl_peer_ops *ops);
/** --host-id: the hello reply's "host" on every connection (NULL or "": none). */
void ctl_server_set_host_id(const char *id);

#endif
