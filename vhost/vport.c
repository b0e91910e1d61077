/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user ports on rte_vhost. Each port is one registered socket path; the library's
 * callbacks find the port by that path. State the callbacks write (the connected vid) sits
 * under one mutex that the control thread also takes when it binds a device to the dataplane,
 * so a device that disappears while the control thread is binding it is never left bound.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/virtio_net.h>
#include <rte_log.h>
#include <rte_vhost.h>

#include "../dataplane/dp.h"
#include "vport.h"
#include "vrelay.h"

RTE_LOG_REGISTER(vport_logtype, vpcswitch.vport, INFO);
#define VPORT_LOG(level, fmt, ...)                                                                 \
	rte_log(RTE_LOG_##level, vport_logtype, "vport: " fmt "\n", ##__VA_ARGS__)

struct vport {
	struct vport *next;
	char path[108]; /* the VM's socket (the relay's side) */
	char lib[108];	/* where rte_vhost listens for the relay: the library knows only this */
	struct vrelay_port *relay;
	struct dp_port *dp;
	uint64_t refusals;   /* under lock: connections the relay closed for what they sent */
	char refusal[200];   /* under lock: the last one's reason */
	uint64_t refusals_seen; /* control thread: those already logged */
	bool refused_while_up;	/* control thread: the next link-down is the relay's doing */
	int conn_vid;    /* under lock: the one connection this port serves, -1 none */
	int vid;         /* under lock: that connection's device when running, -1 none */
	int bound_vid;   /* under lock: what the dataplane was given, -1 none */
	bool link_up;    /* control thread: last state reported */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct vport *vports; /* under lock */
static int event_fd = -1;
static char lib_dir[108];      /* private (0700): the library's sockets */
static unsigned int lib_seq;

/*
 * Offloads stay off for now: every frame arrives whole and checksummed, so port security
 * and forwarding see exactly what the guest sent. Enabling them is a later, measured change.
 */
static const uint64_t disabled_features =
	(1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |
	(1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6) |
	(1ULL << VIRTIO_NET_F_HOST_ECN) | (1ULL << VIRTIO_NET_F_HOST_UFO) |
	(1ULL << VIRTIO_NET_F_GUEST_TSO4) | (1ULL << VIRTIO_NET_F_GUEST_TSO6) |
	(1ULL << VIRTIO_NET_F_GUEST_ECN) | (1ULL << VIRTIO_NET_F_GUEST_UFO);

/* Runs on the library's thread: no logging here (control thread only); an eventfd write
 * fails only when the counter would overflow, and then the control thread is awake anyway. */
static void wake(void)
{
	uint64_t one = 1;
	ssize_t rc = write(event_fd, &one, sizeof(one));

	(void)rc;
}

/* Caller holds lock. */
static struct vport *find_by_vid(int vid)
{
	char path[108];

	if (rte_vhost_get_ifname(vid, path, sizeof(path)) < 0)
		return NULL;
	for (struct vport *vp = vports; vp != NULL; vp = vp->next)
		if (strcmp(vp->lib, path) == 0)
			return vp;
	return NULL;
}

/*
 * One connection per port: rte_vhost accepts any number on a server socket, and a second
 * front end on a VM's socket must not take over that VM's port or its rings.
 */
static int on_new_connection(int vid)
{
	struct vport *vp;
	int rc = -1;

	pthread_mutex_lock(&lock);
	vp = find_by_vid(vid);
	if (vp != NULL && vp->conn_vid < 0) {
		vp->conn_vid = vid;
		dp_port_reset_vrings(vp->dp); /* no device is bound while no connection exists */
		rc = 0;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static void on_destroy_connection(int vid)
{
	struct vport *vp;

	pthread_mutex_lock(&lock);
	vp = find_by_vid(vid);
	if (vp != NULL && vp->conn_vid == vid)
		vp->conn_vid = -1;
	pthread_mutex_unlock(&lock);
}

static int on_new_device(int vid)
{
	struct vport *vp;
	int rc = -1;

	pthread_mutex_lock(&lock);
	vp = find_by_vid(vid);
	if (vp != NULL && vp->conn_vid == vid) {
		vp->vid = vid;
		rc = 0;
	}
	pthread_mutex_unlock(&lock);
	if (rc == 0)
		wake();
	return rc;
}

static void on_destroy_device(int vid)
{
	struct vport *vp;

	pthread_mutex_lock(&lock);
	vp = find_by_vid(vid);
	if (vp != NULL && vp->vid == vid) {
		vp->vid = -1;
		/* the library frees the device when we return: unbind it from the workers now */
		if (vp->bound_vid == vid) {
			vp->bound_vid = -1;
			dp_port_detach_vhost(vp->dp);
		}
	}
	pthread_mutex_unlock(&lock);
	wake();
}

/* Called with the device's ring locks held: record, never wait (see dp_port_set_vring). */
static int on_vring_state(int vid, uint16_t queue_id, int enable)
{
	struct vport *vp;

	pthread_mutex_lock(&lock);
	vp = find_by_vid(vid);
	if (vp != NULL && vp->conn_vid == vid)
		dp_port_set_vring(vp->dp, queue_id, enable != 0);
	pthread_mutex_unlock(&lock);
	return 0;
}

static const struct rte_vhost_device_ops vport_ops = {
	.new_device = on_new_device,
	.destroy_device = on_destroy_device,
	.vring_state_changed = on_vring_state,
	.new_connection = on_new_connection,
	.destroy_connection = on_destroy_connection,
};

int vport_init(const char *run_dir, const struct vrelay_perms *perms)
{
	int rc;

	event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (event_fd < 0)
		return -errno;
	/* the library's own sockets: where nobody but this process can connect */
	if (snprintf(lib_dir, sizeof(lib_dir), "%s/.vhost-lib.XXXXXX", run_dir) >=
		    (int)sizeof(lib_dir) - 12 ||
	    mkdtemp(lib_dir) == NULL) {
		lib_dir[0] = '\0';
		return -ENAMETOOLONG;
	}
	rc = vrelay_init(perms);
	return rc;
}

void vport_fini(void)
{
	vrelay_fini();
	if (lib_dir[0] != '\0')
		rmdir(lib_dir);
	lib_dir[0] = '\0';
	if (event_fd >= 0)
		close(event_fd);
	event_fd = -1;
}

/* Relay thread: the front end was disconnected for what it sent. */
static void on_refused(void *arg, const char *why)
{
	struct vport *vp = arg;

	pthread_mutex_lock(&lock);
	vp->refusals++;
	snprintf(vp->refusal, sizeof(vp->refusal), "%s", why);
	pthread_mutex_unlock(&lock);
	wake();
}

int vport_event_fd(void)
{
	return event_fd;
}

struct vport *vport_create(const char *path, bool client, struct dp_port *dp)
{
	uint64_t flags = RTE_VHOST_USER_NET_COMPLIANT_OL_FLAGS;
	struct vport *vp;

	if (path[0] != '/' || strlen(path) >= sizeof(vp->path)) {
		errno = EINVAL;
		return NULL;
	}
	if (!client && access(path, F_OK) == 0) {
		/* never unlink a file we did not create: a second daemon, or a typo */
		errno = EEXIST;
		return NULL;
	}
	vp = calloc(1, sizeof(*vp));
	if (vp == NULL)
		return NULL;
	strcpy(vp->path, path);
	if (snprintf(vp->lib, sizeof(vp->lib), "%s/%u.sock", lib_dir, lib_seq++) >=
	    (int)sizeof(vp->lib)) {
		free(vp);
		errno = EINVAL;
		return NULL;
	}
	vp->dp = dp;
	vp->conn_vid = vp->vid = vp->bound_vid = -1;
	unlink(vp->lib);
	/* the library always listens, for the relay; the relay has the VM's mode */
	if (rte_vhost_driver_register(vp->lib, flags) != 0)
		goto fail;
	pthread_mutex_lock(&lock);
	vp->next = vports;
	vports = vp;
	pthread_mutex_unlock(&lock);
	if (rte_vhost_driver_disable_features(vp->lib, disabled_features) != 0 ||
	    rte_vhost_driver_callback_register(vp->lib, &vport_ops) != 0 ||
	    rte_vhost_driver_start(vp->lib) != 0) {
		vport_destroy(vp);
		errno = EIO;
		return NULL;
	}
	vp->relay = vrelay_port_add(path, vp->lib, client, on_refused, vp);
	if (vp->relay == NULL) {
		int e = errno;

		vport_destroy(vp);
		errno = e == EADDRINUSE ? EEXIST : e;
		return NULL;
	}
	VPORT_LOG(INFO, "%s: serving as vhost-user %s", path, client ? "client" : "server");
	return vp;
fail:
	free(vp);
	errno = EIO;
	return NULL;
}

void vport_destroy(struct vport *vp)
{
	if (vp == NULL)
		return;
	vrelay_port_del(vp->relay); /* no front end, no refusal callback from here on */
	/* closes the connection: destroy_device runs (and unbinds) before this returns */
	rte_vhost_driver_unregister(vp->lib);
	unlink(vp->lib);
	pthread_mutex_lock(&lock);
	for (struct vport **pp = &vports; *pp != NULL; pp = &(*pp)->next)
		if (*pp == vp) {
			*pp = vp->next;
			break;
		}
	if (vp->bound_vid >= 0)
		dp_port_detach_vhost(vp->dp);
	pthread_mutex_unlock(&lock);
	free(vp);
}

bool vport_link_up(const struct vport *vp)
{
	return vp->link_up;
}

uint64_t vport_refusals(struct vport *vp, char *why, size_t whysz)
{
	uint64_t n;

	pthread_mutex_lock(&lock);
	n = vp->refusals;
	if (why != NULL && whysz > 0)
		snprintf(why, whysz, "%s", vp->refusal);
	pthread_mutex_unlock(&lock);
	return n;
}

void vport_events_process(void (*changed)(struct vport *vp, bool up, const char *why, void *arg),
			  void *arg)
{
	uint64_t n;
	struct vport *vp;

	if (read(event_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		VPORT_LOG(ERR, "event read: %s", strerror(errno));
	pthread_mutex_lock(&lock);
	for (vp = vports; vp != NULL; vp = vp->next) {
		if (vp->vid == vp->bound_vid || vp->vid < 0)
			continue;
		/* a device replaced behind our back: the old one must be out of use first */
		if (vp->bound_vid >= 0)
			dp_port_detach_vhost(vp->dp);
		vp->bound_vid = vp->vid;
		dp_port_attach_vhost(vp->dp, vp->vid);
	}
	pthread_mutex_unlock(&lock);
	/* report outside the lock: the callback may write to sockets */
	for (vp = vports; vp != NULL; vp = vp->next) {
		char why[200];
		uint64_t refusals = vport_refusals(vp, why, sizeof(why));

		pthread_mutex_lock(&lock);
		bool up = vp->bound_vid >= 0;
		pthread_mutex_unlock(&lock);

		bool refused = refusals != vp->refusals_seen;

		if (refused) {
			VPORT_LOG(WARNING, "%s: front end disconnected (%" PRIu64 " so far): %s",
				  vp->path, refusals, why);
			vp->refusals_seen = refusals;
			/* the library may report the device gone in a later round than this */
			vp->refused_while_up = vp->link_up;
		}
		if (up != vp->link_up) {
			vp->link_up = up;
			VPORT_LOG(INFO, "%s: link %s", vp->path, up ? "up" : "down");
			if (changed != NULL)
				changed(vp, up,
					!up && (refused || vp->refused_while_up) ? why : NULL, arg);
			vp->refused_while_up = false;
		}
	}
}
