/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vu_front: the vhost-user front end vhost_attack drives (see vu_front.h). Every wait on the
 * backend is bounded, since a stuck or hostile backend must never hang the test, and every
 * reaction (hang-up, silence, error ack, malformed reply) is recorded against the step that
 * caused it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, accept4, POLLRDHUP */
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

#include "vu_front.h"

#define ACCEPT_FIRST_MS 30000 /* --listen: wait for the backend to connect the first time */
#define ACCEPT_AGAIN_MS 5000  /* --listen: and after an attack closed the connection */

/* ---- small helpers */

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vhost_attack: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void step_set(struct session *s, const char *fmt, ...)
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

void sess_closed(struct session *s)
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
bool sess_watch(struct session *s, int ms)
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

int listen_open(struct session *s)
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
int sess_connect(struct session *s, bool first)
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
int sess_reconnect(struct session *s, int gap_ms)
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
int sock_send(int fd, const void *buf, size_t len, const int *fds, int nfds)
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
int vu_send_raw(struct session *s, uint32_t req, uint32_t flags, uint32_t hdr_size,
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
int vu_recv_reply(struct session *s, uint32_t req, void *reply, uint32_t cap, uint32_t *size,
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
int vu_call(struct session *s, uint32_t req, const char *detail, const void *payload, uint32_t size,
	    const int *fds, int nfds, void *reply, uint32_t reply_cap)
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

int vu_u64(struct session *s, uint32_t req, const char *detail, uint64_t v)
{
	return vu_call(s, req, detail, &v, sizeof(v), NULL, 0, NULL, 0);
}

int vu_state(struct session *s, uint32_t req, uint32_t index, uint32_t num)
{
	struct vu_vring_state st = {.index = index, .num = num};
	char detail[32];

	snprintf(detail, sizeof(detail), "q%u,%u", index, num);
	return vu_call(s, req, detail, &st, sizeof(st), NULL, 0, NULL, 0);
}

/* SET_VRING_KICK / SET_VRING_CALL: the payload's low byte is the ring, the fd rides along. */
int vu_vring_fd(struct session *s, uint32_t req, uint32_t index, int fd)
{
	uint64_t v = index;
	char detail[16];

	snprintf(detail, sizeof(detail), "q%u", index);
	return vu_call(s, req, detail, &v, sizeof(v), &fd, 1, NULL, 0);
}

/* ---- guest memory and rings */

int memfd_sized(const char *name, uint64_t size, bool seal)
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
void guest_reset(struct guest *g)
{
	memset(g, 0, sizeof(*g));
	g->memfd = -1;
	for (int q = 0; q < NQUEUES; q++)
		g->vqs[q].kickfd = g->vqs[q].callfd = -1;
}

void guest_fini(struct guest *g)
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
int guest_init(struct guest *g, uint64_t gpa_base, bool sealed)
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

/* Make head the next available chain; the release store orders the chain before idx. */
void vq_publish(struct guest *g, int q, uint16_t head)
{
	struct vq *vq = &g->vqs[q];

	vq->avail->ring[vq->avail_idx % RING_SIZE] = head;
	vq->avail_idx++;
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
}

void vq_kick(struct guest *g, int q)
{
	uint64_t one = 1;

	if (write(g->vqs[q].kickfd, &one, sizeof(one)) < 0)
		note("kick q%d: %s", q, strerror(errno));
}

uint16_t vq_used_idx(const struct guest *g, int q)
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
void tx_post(struct guest *g, int n)
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

void traffic(struct guest *g, int n_rx, int n_tx)
{
	rx_post(g, n_rx);
	tx_post(g, n_tx);
	vq_kick(g, Q_RX);
	vq_kick(g, Q_TX);
}

void guest_report(const struct guest *g)
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
