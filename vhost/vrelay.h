/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vhost-user relay: the switch's side of each VM's socket is ours, not rte_vhost's.
 * One thread accepts (server mode) or makes (client mode) each port's connection, reads the
 * front end's messages without ever blocking on it (a message must arrive whole within
 * VRELAY_MSG_TIMEOUT_MS), judges each with vu_check, and forwards what passes, descriptors
 * included, to the library's own socket for the port, which lives in a private directory
 * only this process can reach. The library's replies come back the same way (vu_reply masks
 * the protocol features it offers). A front end that sends what vu_check refuses, stalls
 * mid-message or does not read its replies loses its connection; the port says why.
 * docs/hostile-guests.md is the design.
 */
#ifndef VPCSW_VRELAY_H
#define VPCSW_VRELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define VRELAY_MSG_TIMEOUT_MS 1000 /* from a message's first byte to its last */
#define VRELAY_OUT_MAX	      4096 /* reply bytes queued for a front end that is not reading */

struct vrelay_port;

/** Who owns the sockets the relay creates, and their mode (uid/gid -1: unchanged). */
struct vrelay_perms {
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

/** Start the relay thread. Returns 0 or -errno. */
int vrelay_init(const struct vrelay_perms *perms);
/** Stop it (every port must be gone). */
void vrelay_fini(void);

/**
 * Serve a port: server (client false): listen on public_path (created with the configured
 * owner and mode; EEXIST if something is there); client: connect to the VM's public_path,
 * again whenever it goes away. Each connection is relayed to lib_path, where rte_vhost
 * listens. refused(arg, why) runs on the relay thread when the relay closes a connection
 * it refused (why: what was wrong). Control thread. NULL with errno set on failure.
 */
struct vrelay_port *vrelay_port_add(const char *public_path, const char *lib_path, bool client,
				    void (*refused)(void *arg, const char *why), void *arg);
/** Close its connection and listener (a server's socket file is removed). Once this returns
 *  the refused callback does not run for it. Control thread; NULL is fine. */
void vrelay_port_del(struct vrelay_port *p);

#endif
