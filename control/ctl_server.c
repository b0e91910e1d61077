/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Management socket server: accepts connections, reassembles frames, enforces the hello
 * handshake and version, dispatches each request to ctl_switch and queues the reply.
 * Replies go through a per-connection output queue so a slow reader never blocks the loop.
 */
#include "ctl_server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>

#include "../vhost/vport.h"
#include "cfg.h"
#include "ctl_switch.h"
#include "sb_proto.h"

RTE_LOG_REGISTER(ctl_logtype, vpcswitch.ctl, INFO);
#define CTL_LOG(level, fmt, ...) rte_log(RTE_LOG_##level, ctl_logtype, "ctl: " fmt "\n", ##__VA_ARGS__)

#define OUTQ_MAX (64u << 20) /* a peer that reads nothing is cut off past this */

struct conn {
	struct conn *next;
	int fd;
	bool hello_done, events, closing;
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_len, out_off;
};

static int listen_fd = -1, epfd = -1, sig_fd = -1, vport_fd = -1;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static struct conn *conns;

static void conn_send(struct conn *c, uint8_t type, uint32_t xid, json_t *body);

static void conn_close(struct conn *c)
{
	for (struct conn **pp = &conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

static void conn_want_write(struct conn *c, bool on)
{
	struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};

	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Returns false when the connection was closed. */
static bool conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			conn_want_write(c, true);
			return true;
		}
		if (n <= 0) {
			conn_close(c);
			return false;
		}
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
	conn_want_write(c, false);
	if (c->closing) {
		conn_close(c);
		return false;
	}
	return true;
}

/* Takes the reference to body. */
static void conn_send(struct conn *c, uint8_t type, uint32_t xid, json_t *body)
{
	uint8_t *frame;
	long n = sb_frame_encode(type, xid, body, &frame);

	json_decref(body);
	if (n < 0) {
		CTL_LOG(ERR, "cannot encode a %s reply: %s", sb_type_name(type), strerror((int)-n));
		return;
	}
	if (c->out_len + (size_t)n > OUTQ_MAX) {
		CTL_LOG(WARNING, "peer reads too slowly; closing its connection");
		c->closing = true;
		free(frame);
		return;
	}
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	uint8_t *out = realloc(c->out, c->out_len + (size_t)n);

	if (out == NULL) {
		free(frame);
		c->closing = true;
		return;
	}
	memcpy(out + c->out_len, frame, (size_t)n);
	c->out = out;
	c->out_len += (size_t)n;
	free(frame);
}

static const char *errno_code(int rc)
{
	switch (-rc) {
	case EINVAL: return "invalid";
	case EEXIST: return "exists";
	case ENOENT: return "not_found";
	case EBUSY: return "busy";
	case ENOSPC: return "no_space";
	case ENOMEM: return "no_memory";
	case EIO: return "io_error";
	default: return "internal";
	}
}

static void send_error(struct conn *c, const struct sb_hdr *h, const char *code, const char *msg)
{
	char clean[256];

	snprintf(clean, sizeof(clean), "%s", msg);
	cfg_utf8_scrub(clean);
	conn_send(c, SB_ERROR, h->xid,
		  json_pack("{s:s, s:s, s:s}", "code", code, "message", clean, "request",
			    sb_type_name(h->type)));
}

static void handle_hello(struct conn *c, const struct sb_hdr *h, const json_t *body)
{
	const json_t *versions = json_object_get(body, "versions");
	const json_t *events = json_object_get(body, "events");
	int best = -1;
	size_t i;
	json_t *v;
	char msg[128];

	if (!json_is_array(versions)) {
		send_error(c, h, "bad_request", "hello.versions: must be an array of integers");
		return;
	}
	json_array_foreach(versions, i, v)
	{
		json_int_t n = json_integer_value(v);

		if (json_is_integer(v) && n >= SB_VERSION_MIN && n <= SB_VERSION && n > best)
			best = (int)n;
	}
	if (best < 0) {
		snprintf(msg, sizeof(msg), "no common version: this switch speaks %d to %d",
			 SB_VERSION_MIN, SB_VERSION);
		send_error(c, h, "bad_version", msg);
		c->closing = true;
		return;
	}
	c->hello_done = true;
	c->events = json_is_true(events);
	conn_send(c, SB_HELLO, h->xid,
		  json_pack("{s:i, s:[i], s:s}", "version", best, "versions", SB_VERSION, "role",
			    "vpcswitchd"));
}

typedef int (*request_fn)(const json_t *body, json_t **reply, char *err);

static const struct {
	request_fn fn;
	uint8_t reply;
} requests[SB_TYPE_COUNT] = {
	[SB_TXN] = {ctl_switch_txn, SB_TXN_REPLY},
	[SB_SYNC] = {ctl_switch_sync, SB_SYNC_REPLY},
	[SB_DUMP_REQUEST] = {ctl_switch_dump, SB_DUMP_REPLY},
	[SB_STATS_REQUEST] = {ctl_switch_stats, SB_STATS_REPLY},
};

static void handle_frame(struct conn *c, const struct sb_hdr *h, const uint8_t *body, size_t len)
{
	char err[256];
	json_t *j, *reply = NULL;
	int rc;

	if (h->version != SB_VERSION && !(h->type == SB_HELLO && !c->hello_done)) {
		snprintf(err, sizeof(err), "header.version: %u is not the negotiated version %d",
			 h->version, SB_VERSION);
		send_error(c, h, "bad_version", err);
		return;
	}
	if (h->flags != 0) {
		send_error(c, h, "bad_request", "header.flags: must be zero");
		return;
	}
	j = sb_body_decode(body, len, err, sizeof(err));
	if (j == NULL) {
		send_error(c, h, "bad_request", err);
		return;
	}
	if (h->type == SB_HELLO) {
		handle_hello(c, h, j);
	} else if (!c->hello_done) {
		send_error(c, h, "hello_required", "the first message must be hello");
	} else if (h->type == SB_ECHO_REQUEST) {
		conn_send(c, SB_ECHO_REPLY, h->xid, json_incref(j));
	} else if (h->type == SB_BARRIER_REQUEST) {
		/* requests are applied in order, one at a time: all before it are done */
		conn_send(c, SB_BARRIER_REPLY, h->xid, NULL);
	} else if (h->type < SB_TYPE_COUNT && requests[h->type].fn != NULL) {
		rc = requests[h->type].fn(j, &reply, err);
		if (rc < 0)
			send_error(c, h, errno_code(rc), err);
		else
			conn_send(c, requests[h->type].reply, h->xid, reply);
	} else {
		snprintf(err, sizeof(err), "header.type: %u is not a request this switch serves",
			 h->type);
		send_error(c, h, "bad_type", err);
	}
	json_decref(j);
}

/* Returns false when the connection was closed. */
static bool conn_read(struct conn *c)
{
	struct sb_hdr h;
	size_t off = 0;
	long flen;

	if (c->in_cap - c->in_len < 65536) {
		size_t cap = c->in_cap ? c->in_cap * 2 : 131072;
		uint8_t *in = realloc(c->in, cap);

		if (in == NULL) {
			conn_close(c);
			return false;
		}
		c->in = in;
		c->in_cap = cap;
	}
	ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c);
		return false;
	}
	if (n < 0)
		return true;
	c->in_len += (size_t)n;
	while (!c->closing && (flen = sb_frame_peek(c->in + off, c->in_len - off, &h)) != 0) {
		if (flen < 0) {
			/* framing is lost: nothing after this can be trusted */
			send_error(c, &h, "bad_length", "header.length: out of range");
			c->closing = true;
			break;
		}
		handle_frame(c, &h, c->in + off + SB_HDR_SIZE, (size_t)flen - SB_HDR_SIZE);
		off += (size_t)flen;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	if (c->in_cap > (1u << 20) && c->in_len < c->in_cap / 4) {
		/* a one-off big message should not pin its buffer forever */
		uint8_t *in = realloc(c->in, RTE_MAX(c->in_len, (size_t)131072));

		if (in != NULL) {
			c->in = in;
			c->in_cap = RTE_MAX(c->in_len, (size_t)131072);
		}
	}
	return conn_flush(c);
}

static void accept_conn(void)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	struct conn *c;

	if (fd < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = conns;
	conns = c;
}

static void broadcast_event(json_t *event, void *arg)
{
	struct conn *c, *n;

	(void)arg;
	for (c = conns; c != NULL; c = n) {
		n = c->next;
		if (c->hello_done && c->events) {
			conn_send(c, SB_EVENT, 0, json_incref(event));
			conn_flush(c);
		}
	}
	json_decref(event);
}

/* A socket file that still answers belongs to a running daemon: never steal it. */
static int claim_path(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, rc;

	if (access(path, F_OK) != 0)
		return 0;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (rc == 0)
		return -EADDRINUSE;
	return unlink(path) == 0 ? 0 : -errno;
}

int ctl_server_init(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct epoll_event ev = {.events = EPOLLIN};
	sigset_t sigs;
	int rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	rc = claim_path(path);
	if (rc < 0)
		return rc;
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listen_fd < 0)
		return -errno;
	if (bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(listen_fd, 64) < 0)
		return -errno;
	strcpy(sock_path, path);
	chmod(path, 0660);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sig_fd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sig_fd < 0 || epfd < 0)
		return -errno;
	ev.data.ptr = &listen_fd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev);
	ev.data.ptr = &sig_fd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sig_fd, &ev);
	vport_fd = vport_event_fd();
	ctl_switch_set_event_cb(broadcast_event, NULL);
	ev.data.ptr = &vport_fd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, vport_fd, &ev);
	return 0;
}

int ctl_server_run(void)
{
	struct epoll_event evs[32];

	for (;;) {
		int n = epoll_wait(epfd, evs, 32, 1000);

		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &listen_fd) {
				accept_conn();
			} else if (p == &sig_fd) {
				struct signalfd_siginfo si;

				if (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
					CTL_LOG(NOTICE, "signal %u: shutting down", si.ssi_signo);
					return 0;
				}
			} else if (p == &vport_fd) {
				ctl_switch_poll_links();
			} else {
				struct conn *c = p;

				if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
					if (!conn_read(c))
						continue;
				}
				if (evs[i].events & EPOLLOUT)
					conn_flush(c);
			}
		}
	}
}

void ctl_server_fini(void)
{
	while (conns != NULL)
		conn_close(conns);
	if (listen_fd >= 0) {
		close(listen_fd);
		unlink(sock_path);
	}
	if (sig_fd >= 0)
		close(sig_fd);
	if (epfd >= 0)
		close(epfd);
	listen_fd = sig_fd = epfd = -1;
}
