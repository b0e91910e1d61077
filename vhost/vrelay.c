/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vhost-user relay (vrelay.h). One thread, one epoll set; a port's listener, its front
 * end's connection and its connection to the library are each an endpoint of that set.
 * Reads are non-blocking and stop at message boundaries, so descriptors never attach to the
 * wrong message; writes to the library block (with a timeout): it is our own thread and
 * reads promptly. Ports removed while an event for them is pending stay allocated, marked
 * dead, until the next round of the loop.
 */
#include "vrelay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vmem_guard.h"
#include "vu_check.h"

#define RETRY_MS     1000 /* a client-mode port tries the VM's socket again after this */
#define LIB_SEND_SEC 2	  /* the most a write to the library may wait */
#define FDS_RECV_MAX 16	  /* room to notice a message with more descriptors than allowed */
#define LINGER_MS    1000 /* the most the library may take to let go of a connection */

enum ep_kind { EP_LISTEN, EP_GUEST, EP_LIB, EP_LIB_OLD, EP_WAKE, EP_GUARD };

struct vrelay_port;
struct ep {
	struct vrelay_port *p;
	enum ep_kind kind;
};

/* One message being assembled from a stream. */
struct msgbuf {
	uint8_t b[VU_HDR_SIZE + VU_PAYLOAD_MAX];
	uint32_t len;
	int fds[VU_FDS_MAX];
	unsigned int n_fds;
	bool fds_overflow; /* more descriptors came than any message takes */
	uint64_t start_ms; /* when its first byte came */
};

struct vrelay_port {
	struct vrelay_port *next;
	bool dead;
	bool client;
	char pub[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char lib[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd, gfd, lfd; /* -1: none */
	int old_lfd;		 /* a connection the library has not let go of yet, -1: none */
	uint64_t old_deadline_ms;
	int guard; /* its vmem_guard slot */
	struct ep ep_listen, ep_guest, ep_lib, ep_old;
	uint64_t retry_ms;
	uint32_t out_len;
	struct vu_conn st;
	struct msgbuf in, rep; /* from the front end, from the library */
	uint8_t out[VRELAY_OUT_MAX];
	void (*refused)(void *arg, const char *why);
	void *arg;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct vrelay_port *ports, *graveyard; /* under lock */
static struct vrelay_perms perms = {.uid = (uid_t)-1, .gid = (gid_t)-1, .mode = 0660};
static int epfd = -1, wake_fd = -1;
static struct ep wake_ep = {.kind = EP_WAKE}, guard_ep = {.kind = EP_GUARD};
static pthread_t thread;
static volatile bool stopping;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void msg_reset(struct msgbuf *m)
{
	for (unsigned int i = 0; i < m->n_fds; i++)
		close(m->fds[i]);
	m->len = 0;
	m->n_fds = 0;
	m->fds_overflow = false;
}

static const struct vu_hdr *msg_hdr(const struct msgbuf *m)
{
	return (const struct vu_hdr *)m->b;
}

static void ep_watch(int fd, struct ep *e, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = e};

	epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void old_close(struct vrelay_port *p)
{
	if (p->old_lfd >= 0)
		close(p->old_lfd);
	p->old_lfd = -1;
}

/*
 * The library closes its side of a connection before it forgets the device (it calls
 * destroy_connection after the close), and it takes a port's next connection in the same
 * round of its poll as that close if both are there: the port would still look taken and
 * refuse the VM. So its side is only half-closed here, and the port's next connection is
 * made once the library has closed the old one (its poll has moved on by then).
 */
static void lib_let_go(struct vrelay_port *p)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &p->ep_old};

	old_close(p);
	if (shutdown(p->lfd, SHUT_WR) < 0 || epoll_ctl(epfd, EPOLL_CTL_MOD, p->lfd, &ev) < 0) {
		close(p->lfd);
	} else {
		p->old_lfd = p->lfd;
		p->old_deadline_ms = now_ms() + LINGER_MS;
	}
	p->lfd = -1;
}

static void conn_close(struct vrelay_port *p)
{
	if (p->gfd >= 0)
		close(p->gfd);
	if (p->lfd >= 0)
		lib_let_go(p);
	p->gfd = -1;
	msg_reset(&p->in);
	msg_reset(&p->rep);
	p->out_len = 0;
	vu_conn_init(&p->st);
	p->retry_ms = now_ms() + RETRY_MS;
}

/*
 * Close the front end's connection for what it did, and say why: first, so the port knows
 * the reason before the library sees the connection go and reports the device down.
 */
static void conn_refuse(struct vrelay_port *p, const char *why)
{
	if (p->refused != NULL)
		p->refused(p->arg, why);
	conn_close(p);
}

/*
 * Read what is missing of the current message (never past it). Returns 1 when it is whole,
 * 0 when the stream has no more now, -1 when the peer closed or failed.
 */
static int msg_read(int fd, struct msgbuf *m)
{
	for (;;) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int) * FDS_RECV_MAX)];
		} ctl;
		uint32_t want = m->len < VU_HDR_SIZE
					? VU_HDR_SIZE - m->len
					: VU_HDR_SIZE + msg_hdr(m)->size - m->len;
		struct iovec iov = {.iov_base = m->b + m->len, .iov_len = want};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf)};
		ssize_t n;

		if (want == 0)
			return 1;
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n == 0)
			return -1;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				int f;

				memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(f));
				if (m->n_fds < VU_FDS_MAX) {
					m->fds[m->n_fds++] = f;
				} else {
					close(f);
					m->fds_overflow = true;
				}
			}
		}
		if (mh.msg_flags & MSG_CTRUNC)
			m->fds_overflow = true;
		if (m->len == 0)
			m->start_ms = now_ms();
		m->len += (uint32_t)n;
		/* a header that cannot start a message: no payload is read for it */
		if (m->len == VU_HDR_SIZE && msg_hdr(m)->size > VU_PAYLOAD_MAX)
			return 1;
	}
}

static int send_all(int fd, const uint8_t *b, uint32_t len, const int *fds, unsigned int n_fds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * VU_FDS_MAX)];
	} ctl;
	struct iovec iov = {.iov_base = (void *)(uintptr_t)b, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (n_fds > 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	while (len > 0) {
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len -= (uint32_t)n;
		iov.iov_base = (uint8_t *)iov.iov_base + n;
		iov.iov_len = len;
		mh.msg_control = NULL; /* the descriptors went with the first part */
		mh.msg_controllen = 0;
	}
	return 0;
}

/* A whole message of the front end: judged, then forwarded or refused. */
static void guest_message(struct vrelay_port *p)
{
	const struct vu_hdr *h = msg_hdr(&p->in);
	char why[200];
	unsigned int n_fds = p->in.fds_overflow ? VU_FDS_MAX + 1 : p->in.n_fds;

	if (vu_check(&p->st, h, p->in.b + VU_HDR_SIZE, p->in.fds, n_fds, why, sizeof(why)) < 0) {
		conn_refuse(p, why);
		return;
	}
	/* before the library maps them: a fault may come as soon as it has */
	if (h->request == VU_SET_MEM_TABLE || h->request == VU_SET_LOG_BASE)
		for (unsigned int i = 0; i < p->in.n_fds; i++)
			vmem_guard_watch(p->guard, p->in.fds[i]);
	if (send_all(p->lfd, p->in.b, p->in.len, p->in.fds, p->in.n_fds) < 0) {
		conn_close(p); /* the library went away (it closed a device it refused) */
		return;
	}
	msg_reset(&p->in);
}

static void guest_flush(struct vrelay_port *p)
{
	ssize_t n = p->out_len > 0 ? send(p->gfd, p->out, p->out_len, MSG_DONTWAIT | MSG_NOSIGNAL)
				   : 0;

	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		conn_close(p);
		return;
	}
	if (n > 0) {
		memmove(p->out, p->out + n, p->out_len - (uint32_t)n);
		p->out_len -= (uint32_t)n;
	}
}

/* A whole reply of the library: to the front end, through a bounded queue. */
static void lib_message(struct vrelay_port *p)
{
	struct vu_hdr *h = (struct vu_hdr *)p->rep.b;

	vu_reply(&p->st, h, p->rep.b + VU_HDR_SIZE);
	if (p->out_len + p->rep.len > sizeof(p->out)) {
		msg_reset(&p->rep);
		conn_refuse(p, "the front end does not read the replies to its requests");
		return;
	}
	memcpy(p->out + p->out_len, p->rep.b, p->rep.len);
	p->out_len += p->rep.len;
	msg_reset(&p->rep); /* no reply the front end may ask for carries descriptors */
	guest_flush(p);
}

static void on_guest(struct vrelay_port *p, uint32_t events)
{
	int rc;

	if (events & EPOLLOUT)
		guest_flush(p);
	/* messages wait in the socket until the library's side is open (lib_open reads them) */
	while (p->gfd >= 0 && p->lfd >= 0 && (rc = msg_read(p->gfd, &p->in)) != 0) {
		if (rc < 0) {
			conn_close(p);
			return;
		}
		guest_message(p);
	}
}

static void on_lib(struct vrelay_port *p)
{
	int rc;

	while (p->lfd >= 0 && (rc = msg_read(p->lfd, &p->rep)) != 0) {
		if (rc < 0 || msg_hdr(&p->rep)->size > VU_PAYLOAD_MAX) {
			conn_close(p); /* the library closed it: the front end learns by EOF */
			return;
		}
		lib_message(p);
	}
}

/* The front end on gfd gets its way to the library (once the old one is closed). */
static void lib_open(struct vrelay_port *p)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = LIB_SEND_SEC};
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, p->lib);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (lfd >= 0)
			close(lfd);
		conn_close(p);
		return;
	}
	p->lfd = lfd;
	ep_watch(lfd, &p->ep_lib, EPOLLIN);
	on_guest(p, EPOLLIN); /* what came meanwhile: its edge has passed */
}

/* A front end is connected on gfd. */
static void conn_open(struct vrelay_port *p, int gfd)
{
	p->gfd = gfd;
	vu_conn_init(&p->st);
	ep_watch(gfd, &p->ep_guest, EPOLLIN | EPOLLOUT | EPOLLET);
	if (p->old_lfd < 0)
		lib_open(p);
}

/* The library's side of the old connection: closed (or past its time) lets the next in. */
static void on_lib_old(struct vrelay_port *p, bool late)
{
	char sink[512];
	ssize_t n = 0;

	while (!late && (n = recv(p->old_lfd, sink, sizeof(sink), MSG_DONTWAIT)) > 0) {
		/* replies to what the old front end asked: nobody wants them */
	}
	if (!late && n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	old_close(p);
	if (p->gfd >= 0 && p->lfd < 0)
		lib_open(p);
}

/*
 * A front end that closed is gone before its successor can connect (its exit closes the
 * socket first), but its hang-up may wait in the same round of events as the new
 * connection: look, so that a VM restarted at once is not turned away.
 */
static void drop_if_hung_up(struct vrelay_port *p)
{
	struct pollfd pf = {.fd = p->gfd, .events = POLLRDHUP};

	if (p->gfd >= 0 && poll(&pf, 1, 0) == 1 && (pf.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		conn_close(p);
}

static void on_listen(struct vrelay_port *p)
{
	int fd;

	while ((fd = accept4(p->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		drop_if_hung_up(p);
		if (p->gfd >= 0)
			close(fd); /* one front end per port: a second must not take the VM's rings */
		else
			conn_open(p, fd);
	}
}

static void client_connect(struct vrelay_port *p)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, p->pub);
	p->retry_ms = now_ms() + RETRY_MS;
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		close(fd);
		return;
	}
	conn_open(p, fd);
}

/* A port's guest memory file shrank under its mapping (the guard absorbed the fault). */
static void guest_memory_faults(void)
{
	uint64_t n;
	uintptr_t addr;
	char why[160];

	if (read(vmem_guard_fd(), &n, sizeof(n)) < 0) {
		/* nothing to reset: a slot is found tripped all the same */
	}
	for (struct vrelay_port *p = ports; p != NULL; p = p->next) {
		if (!vmem_guard_tripped(p->guard, &addr) || p->gfd < 0)
			continue;
		snprintf(why, sizeof(why),
			 "guest memory: its file shrank under the mapping (access at 0x%llx)",
			 (unsigned long long)addr);
		conn_refuse(p, why);
	}
}

/* Every 100 ms: messages that stall, client ports to (re)connect. */
static void timers(void)
{
	uint64_t now = now_ms();
	char why[160];

	for (struct vrelay_port *p = ports; p != NULL; p = p->next) {
		if (p->gfd >= 0 && p->in.len > 0 && now - p->in.start_ms > VRELAY_MSG_TIMEOUT_MS) {
			const struct vu_hdr *h = msg_hdr(&p->in);

			if (p->in.len < VU_HDR_SIZE)
				snprintf(why, sizeof(why),
					 "a message header of %u of 12 bytes for over %d ms",
					 p->in.len, VRELAY_MSG_TIMEOUT_MS);
			else
				snprintf(why, sizeof(why),
					 "%s: %u of its %u payload bytes for over %d ms",
					 vu_request_name(h->request), p->in.len - VU_HDR_SIZE,
					 h->size, VRELAY_MSG_TIMEOUT_MS);
			conn_refuse(p, why);
		}
		if (p->old_lfd >= 0 && now >= p->old_deadline_ms)
			on_lib_old(p, true);
		if (p->client && p->gfd < 0 && now >= p->retry_ms)
			client_connect(p);
	}
}

static void *relay_main(void *arg)
{
	struct epoll_event evs[64];

	(void)arg;
	while (!stopping) {
		int n = epoll_wait(epfd, evs, 64, 100);

		pthread_mutex_lock(&lock);
		for (int i = 0; i < n; i++) {
			struct ep *e = evs[i].data.ptr;
			struct vrelay_port *p = e->p;

			if (e->kind == EP_GUARD)
				guest_memory_faults();
			if (e->kind == EP_WAKE || e->kind == EP_GUARD || p->dead)
				continue;
			if (e->kind == EP_LISTEN)
				on_listen(p);
			else if (e->kind == EP_GUEST && p->gfd >= 0)
				on_guest(p, evs[i].events);
			else if (e->kind == EP_LIB && p->lfd >= 0)
				on_lib(p);
			else if (e->kind == EP_LIB_OLD && p->old_lfd >= 0)
				on_lib_old(p, false);
		}
		timers();
		/* no event of this round names them any more */
		while (graveyard != NULL) {
			struct vrelay_port *p = graveyard;

			graveyard = p->next;
			free(p);
		}
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int vrelay_init(const struct vrelay_perms *pm)
{
	int rc;

	if (pm != NULL)
		perms = *pm;
	stopping = false;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (epfd < 0 || wake_fd < 0)
		return -errno;
	ep_watch(wake_fd, &wake_ep, EPOLLIN);
	rc = vmem_guard_init();
	if (rc < 0)
		return rc;
	ep_watch(vmem_guard_fd(), &guard_ep, EPOLLIN);
	rc = pthread_create(&thread, NULL, relay_main, NULL);
	if (rc != 0)
		return -rc;
	pthread_setname_np(thread, "vhost-relay");
	return 0;
}

void vrelay_fini(void)
{
	uint64_t one = 1;

	if (epfd < 0)
		return;
	stopping = true;
	if (write(wake_fd, &one, sizeof(one)) < 0) {
		/* the 100 ms timeout ends the wait as well */
	}
	pthread_join(thread, NULL);
	while (graveyard != NULL) {
		struct vrelay_port *p = graveyard;

		graveyard = p->next;
		free(p);
	}
	close(epfd);
	close(wake_fd);
	epfd = wake_fd = -1;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, path);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	if (chmod(path, perms.mode) < 0 ||
	    ((perms.uid != (uid_t)-1 || perms.gid != (gid_t)-1) &&
	     chown(path, perms.uid, perms.gid) < 0) ||
	    listen(fd, 16) < 0) {
		unlink(path);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

struct vrelay_port *vrelay_port_add(const char *public_path, const char *lib_path, bool client,
				    void (*refused)(void *arg, const char *why), void *arg)
{
	struct vrelay_port *p;

	if (strlen(public_path) >= sizeof(p->pub) || strlen(lib_path) >= sizeof(p->lib)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	strcpy(p->pub, public_path);
	strcpy(p->lib, lib_path);
	p->client = client;
	p->listen_fd = p->gfd = p->lfd = p->old_lfd = -1;
	p->ep_listen = (struct ep){p, EP_LISTEN};
	p->ep_guest = (struct ep){p, EP_GUEST};
	p->ep_lib = (struct ep){p, EP_LIB};
	p->ep_old = (struct ep){p, EP_LIB_OLD};
	p->refused = refused;
	p->arg = arg;
	vu_conn_init(&p->st);
	p->guard = vmem_guard_slot_get();
	if (p->guard < 0) {
		free(p);
		errno = ENOSPC;
		return NULL;
	}
	if (!client && (p->listen_fd = listen_on(public_path)) < 0) {
		int e = errno;

		vmem_guard_slot_put(p->guard);
		free(p);
		errno = e;
		return NULL;
	}
	pthread_mutex_lock(&lock);
	if (p->listen_fd >= 0)
		ep_watch(p->listen_fd, &p->ep_listen, EPOLLIN);
	p->next = ports;
	ports = p;
	pthread_mutex_unlock(&lock);
	return p;
}

void vrelay_port_del(struct vrelay_port *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&lock);
	for (struct vrelay_port **pp = &ports; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	conn_close(p);
	if (p->old_lfd >= 0) /* the library is told: the port goes, nothing waits for it */
		old_close(p);
	if (p->listen_fd >= 0) {
		close(p->listen_fd);
		unlink(p->pub);
	}
	vmem_guard_slot_put(p->guard);
	p->dead = true;
	p->next = graveyard;
	graveyard = p;
	pthread_mutex_unlock(&lock);
}
