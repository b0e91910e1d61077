/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Management socket server: accepts connections, reassembles frames, enforces the hello
 * handshake and version, dispatches each request to ctl_switch and queues the reply.
 * Replies go through a per-connection output queue so a slow reader never blocks the loop.
 * The controller connection (ctl_uplink.c connects it) is one more connection here, with the
 * same roles: the switch answers, the controller requests.
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
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>

#include "../vhost/vport.h"
#include "cfg.h"
#include "ctl_capture.h"
#include "ctl_fdq.h"
#include "ctl_switch.h"
#include "ctl_tls.h"
#include "ctl_trace.h"
#include "ctl_trace_live.h"
#include "ctl_underlay.h"
#include "lb_health.h"
#include "sockpath.h"
#include "sb_proto.h"

RTE_LOG_REGISTER(ctl_logtype, vpcswitch.ctl, INFO);
#define CTL_LOG(level, fmt, ...) rte_log(RTE_LOG_##level, ctl_logtype, "ctl: " fmt "\n", ##__VA_ARGS__)

#define OUT_BACKLOG (1u << 20) /* stop reading a peer's requests while this much waits */
#define OUTQ_MAX (64u << 20)   /* a peer with more unread replies than this is cut off */
#define CONNS_MAX 64
#define PEER_ERRORS_MAX 20     /* consecutive refused requests that end a controller connection */

/*
 * A connection is never freed while the loop may still hold a pointer to it: conn_kill
 * closes it and marks it dead, conns_reap frees the dead after each epoll batch. Writes
 * only queue; the loop flushes, so a broadcast in the middle of a request is harmless.
 */
struct conn {
	struct conn *next;
	int fd;
	bool hello_done, events, closing, dead;
	uint32_t armed; /* epoll events currently registered */
	/* NULL: a management connection; else an adopted one (TCP: carries no descriptors) */
	const struct ctl_peer_ops *ops;
	struct ssl_st *tls;      /* adopted over TLS: every byte goes through it */
	const char *close_why;   /* why closing was set: told to ops->closed */
	unsigned int errors_row; /* consecutive requests answered with an error (adopted only) */
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_len, out_off;
	uint64_t in_base;   /* stream position of in[0] */
	struct ctl_fdq fdq; /* descriptors received, not yet claimed by a request */
};

static int listen_fd = -1, epfd = -1, sig_fd = -1, vport_fd = -1, nl_fd = -1, health_fd = -1;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static char host_id[32]; /* --host-id, "" when none: the hello reply's "host" */
static struct conn *conns;
static unsigned int n_conns;
static bool listen_paused;

/* Event sources other modules add (ctl_server_watch); fn NULL: a free slot. */
#define WATCHES_MAX 8
static struct watch {
	int fd;
	void (*fn)(void *arg);
	void *arg;
} watches[WATCHES_MAX];

/* Warnings a peer can provoke at will: at most one a second. */
static bool warn_allowed(void)
{
	static time_t last;
	time_t now = time(NULL);

	if (now == last)
		return false;
	last = now;
	return true;
}

/* why: told to an adopted connection's owner (its log and `vpcctl show controller`). */
static void conn_kill(struct conn *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	ctl_tls_close(c->tls);
	c->tls = NULL;
	close(c->fd);
	c->fd = -1;
	n_conns--;
	ctl_fdq_clear(&c->fdq);
	ctl_capture_owner_gone(c); /* its capture sessions stop */
	ctl_trace_live_owner_gone(c);
	if (c->ops != NULL)
		c->ops->closed(c->ops->arg, why);
}

static void conns_reap(void)
{
	struct conn **pp = &conns;

	while (*pp != NULL) {
		struct conn *c = *pp;

		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		free(c->in);
		free(c->out);
		free(c);
	}
}

static size_t conn_pending(const struct conn *c)
{
	return c->out_len - c->out_off;
}

/* Read only while the peer keeps up with its replies; write while replies wait. */
static void conn_update_events(struct conn *c)
{
	uint32_t ev = 0;

	if (c->dead)
		return;
	if (!c->closing && conn_pending(c) < OUT_BACKLOG)
		ev |= EPOLLIN;
	if (conn_pending(c) > 0)
		ev |= EPOLLOUT;
	if (ev == 0) {
		conn_kill(c, c->close_why); /* closing and everything said */
		return;
	}
	if (ev != c->armed) {
		struct epoll_event e = {.events = ev, .data.ptr = c};

		epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);
		c->armed = ev;
	}
}

static void conn_flush(struct conn *c)
{
	char why[256];

	while (!c->dead && conn_pending(c) > 0) {
		ssize_t n;

		if (c->tls != NULL) {
			n = ctl_tls_write(c->tls, c->out + c->out_off, conn_pending(c), why,
					  sizeof(why));
			if (n == -EAGAIN)
				break;
			if (n < 0) {
				conn_kill(c, why);
				return;
			}
		} else {
			n = send(c->fd, c->out + c->out_off, conn_pending(c), MSG_NOSIGNAL);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				break;
			if (n <= 0) {
				snprintf(why, sizeof(why), "send: %s",
					 n < 0 ? strerror(errno) : "nothing sent");
				conn_kill(c, why);
				return;
			}
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_len = c->out_off = 0;
	conn_update_events(c);
}

static void conn_queue(struct conn *c, const uint8_t *frame, size_t n)
{
	uint8_t *out;

	if (conn_pending(c) + n > OUTQ_MAX) {
		if (warn_allowed())
			CTL_LOG(WARNING, "a peer left %zu bytes of replies unread: disconnecting it",
				conn_pending(c));
		conn_kill(c, "64 MiB of replies left unread");
		return;
	}
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, conn_pending(c));
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	out = realloc(c->out, c->out_len + n);
	if (out == NULL) {
		conn_kill(c, "out of memory");
		return;
	}
	memcpy(out + c->out_len, frame, n);
	c->out = out;
	c->out_len += n;
}

/*
 * A controller that gets nothing but errors is confused about the protocol or the state (a
 * stale model, a version skew): end the connection so that it starts over with a hello
 * and, if it is built that way, a sync, rather than go on being refused forever.
 */
static void conn_count_errors(struct conn *c, uint8_t type)
{
	if (c->ops == NULL || type == SB_EVENT)
		return;
	if (type != SB_ERROR) {
		c->errors_row = 0;
		return;
	}
	if (++c->errors_row >= PEER_ERRORS_MAX && !c->closing) {
		c->closing = true;
		c->close_why = RTE_STR(PEER_ERRORS_MAX) " consecutive requests refused";
	}
}

/* Takes the reference to body. A reply too big for one frame becomes an error reply, so
 * every request still gets exactly one answer. */
static void conn_send(struct conn *c, uint8_t type, uint32_t xid, json_t *body)
{
	uint8_t *frame;
	long n;

	if (c->dead) {
		json_decref(body);
		return;
	}
	n = sb_frame_encode(type, xid, body, &frame);
	json_decref(body);
	if (n == -EMSGSIZE) {
		json_t *err = json_pack("{s:s, s:s, s:s}", "code", "too_big", "message",
					"the reply would exceed the 16 MiB frame limit", "request",
					sb_type_name(type));

		n = sb_frame_encode(SB_ERROR, xid, err, &frame);
		json_decref(err);
	}
	if (n < 0) {
		conn_kill(c, "out of memory");
		return;
	}
	conn_queue(c, frame, (size_t)n);
	free(frame);
	conn_count_errors(c, type);
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
	json_t *v, *reply;
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
		c->close_why = "hello: no common protocol version";
		return;
	}
	c->hello_done = true;
	c->events = json_is_true(events);
	reply = json_pack("{s:i, s:[i], s:s}", "version", best, "versions", SB_VERSION, "role",
			  "vpcswitchd");
	if (host_id[0] != '\0')
		json_object_set_new(reply, "host", json_string(host_id));
	if (ctl_underlay_present())
		json_object_set_new(reply, "vteps", ctl_underlay_vtep_addrs());
	conn_send(c, SB_HELLO, h->xid, reply);
	if (c->ops != NULL && c->ops->hello_done != NULL)
		c->ops->hello_done(c->ops->arg);
}

typedef int (*request_fn)(const json_t *body, json_t **reply, char *err);

static const struct {
	request_fn fn;
	uint8_t reply;
} requests[SB_TYPE_COUNT] = {
	[SB_TXN] = {ctl_switch_txn, SB_TXN_REPLY},
	[SB_SYNC] = {ctl_switch_sync, SB_SYNC_REPLY},
	[SB_TRACE_REQUEST] = {ctl_trace_request, SB_TRACE_REPLY},
	[SB_DUMP_REQUEST] = {ctl_switch_dump, SB_DUMP_REPLY},
	[SB_STATS_REQUEST] = {ctl_switch_stats, SB_STATS_REPLY},
};

/* capture_start takes the descriptor that came with it; any other request refuses one. */
static void handle_capture(struct conn *c, const struct sb_hdr *h, const json_t *j, int *fd)
{
	char err[CFG_ERR_SIZE];
	json_t *reply = NULL;
	int rc;

	if (h->type == SB_CAPTURE_START) {
		rc = ctl_capture_start(j, *fd, c, &reply, err);
		*fd = -1; /* taken, whatever the outcome */
	} else {
		rc = ctl_capture_stop(j, &reply, err);
	}
	if (rc < 0)
		send_error(c, h, sb_error_code(rc), err);
	else
		conn_send(c, SB_CAPTURE_REPLY, h->xid, reply);
}

/* Live trace requests name their connection: its events go there. */
static void handle_trace_live(struct conn *c, const struct sb_hdr *h, const json_t *j)
{
	char err[CFG_ERR_SIZE];
	json_t *reply = NULL;
	int rc;

	if (h->type == SB_TRACE_LIVE_START)
		rc = ctl_trace_live_start(j, c, &reply, err);
	else
		rc = ctl_trace_live_stop(j, &reply, err);
	if (rc < 0)
		send_error(c, h, sb_error_code(rc), err);
	else
		conn_send(c, SB_TRACE_LIVE_REPLY, h->xid, reply);
}

/* fd: the descriptor that came with the frame (-1: none, -2: more than one); the caller
 * closes it unless a request took it (*fd = -1). */
static void handle_frame(struct conn *c, const struct sb_hdr *h, const uint8_t *body, size_t len,
			 int *fd)
{
	char err[256];
	json_t *j, *reply = NULL;
	int rc;

	if (*fd == -2 || (*fd >= 0 && h->type != SB_CAPTURE_START)) {
		snprintf(err, sizeof(err), "%s",
			 *fd == -2 ? "at most one file descriptor may come with a request"
				   : "a file descriptor came with a request that takes none");
		send_error(c, h, "bad_request", err);
		return;
	}
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
	} else if (h->type == SB_CAPTURE_START && c->ops != NULL) {
		send_error(c, h, "bad_request",
			   "capture_start: its output file descriptor can only come over the Unix "
			   "management socket, not this TCP connection (use vpcctl capture on the host)");
	} else if (h->type == SB_CAPTURE_START || h->type == SB_CAPTURE_STOP) {
		handle_capture(c, h, j, fd);
	} else if (h->type == SB_TRACE_LIVE_START || h->type == SB_TRACE_LIVE_STOP) {
		handle_trace_live(c, h, j);
	} else if (h->type < SB_TYPE_COUNT && requests[h->type].fn != NULL) {
		rc = requests[h->type].fn(j, &reply, err);
		if (rc < 0)
			send_error(c, h, sb_error_code(rc), err);
		else
			conn_send(c, requests[h->type].reply, h->xid, reply);
	} else {
		snprintf(err, sizeof(err), "header.type: %u is not a request this switch serves",
			 h->type);
		send_error(c, h, "bad_type", err);
	}
	json_decref(j);
}

/* Handle the whole frames already buffered, as long as the peer keeps up with replies. */
static void conn_process(struct conn *c)
{
	struct sb_hdr h;
	size_t off = 0;
	long flen;

	while (!c->dead && !c->closing && conn_pending(c) < OUT_BACKLOG &&
	       (flen = sb_frame_peek(c->in + off, c->in_len - off, &h)) != 0) {
		if (flen < 0) {
			/* framing is lost: nothing after this can be trusted */
			send_error(c, &h, "bad_length", "header.length: out of range");
			c->closing = true;
			c->close_why = "bad_length: a frame of impossible length, framing lost";
			break;
		}
		int fd = ctl_fdq_take(&c->fdq, c->in_base + off, c->in_base + off + (uint64_t)flen);

		handle_frame(c, &h, c->in + off + SB_HDR_SIZE, (size_t)flen - SB_HDR_SIZE, &fd);
		if (fd >= 0)
			close(fd);
		off += (size_t)flen;
	}
	if (c->dead)
		return;
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	c->in_base += off;
	if (c->in_cap > (1u << 20) && c->in_len < c->in_cap / 4) {
		/* a one-off big message should not pin its buffer forever */
		size_t cap = RTE_MAX(c->in_len, (size_t)131072);
		uint8_t *in = realloc(c->in, cap);

		if (in != NULL) {
			c->in = in;
			c->in_cap = cap;
		}
	}
}

/* One frame is at most SB_MSG_MAX, so a buffer that size plus one read always suffices.
 * Returns false when the connection had to be closed. */
static bool conn_make_room(struct conn *c)
{
	if (c->in_cap - c->in_len < 65536) {
		size_t cap = c->in_cap ? c->in_cap * 2 : 131072;
		uint8_t *in;

		if (cap > SB_MSG_MAX + 131072) {
			/* cannot happen with whole frames handled: be sure anyway */
			conn_kill(c, "input buffer overflow");
			return false;
		}
		in = realloc(c->in, cap);
		if (in == NULL) {
			conn_kill(c, "out of memory");
			return false;
		}
		c->in = in;
		c->in_cap = cap;
	}
	return true;
}

/*
 * Through TLS: OpenSSL may hold decrypted bytes the socket no longer signals, so read on
 * while it does, as long as the peer keeps up with its replies (the EPOLLOUT path resumes).
 */
static void conn_read_tls(struct conn *c)
{
	char why[256];
	long n;

	do {
		n = ctl_tls_read(c->tls, c->in + c->in_len, c->in_cap - c->in_len, why, sizeof(why));
		if (n == 0) {
			conn_kill(c, "the peer closed the TLS session");
			return;
		}
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			conn_kill(c, why);
			return;
		}
		c->in_len += (size_t)n;
		conn_process(c);
	} while (!c->dead && ctl_tls_pending(c->tls) && conn_pending(c) < OUT_BACKLOG &&
		 conn_make_room(c));
}

static void conn_read(struct conn *c)
{
	ssize_t n;

	if (!conn_make_room(c))
		return;
	if (c->tls != NULL) {
		conn_read_tls(c);
		return;
	}
	n = ctl_fdq_recv(&c->fdq, c->fd, c->in + c->in_len, c->in_cap - c->in_len,
			 c->in_base + c->in_len);
	if (n == 0) {
		conn_kill(c, "the peer closed the connection");
		return;
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		char why[128];

		snprintf(why, sizeof(why), "recv: %s", strerror(errno));
		conn_kill(c, why);
		return;
	}
	if (n > 0) {
		c->in_len += (size_t)n;
		conn_process(c);
	}
}

/* Once replies drained below the backlog, the requests already here (or held by TLS) are
 * handled: no new input need come to wake them. */
static void conn_resume(struct conn *c)
{
	if (c->dead || conn_pending(c) >= OUT_BACKLOG)
		return;
	conn_process(c);
	if (!c->dead && c->tls != NULL && ctl_tls_pending(c->tls))
		conn_read(c);
}

static void accept_conn(void)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	struct conn *c;

	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE) {
			/* level-triggered: stop listening for a moment rather than spin */
			epoll_ctl(epfd, EPOLL_CTL_DEL, listen_fd, NULL);
			listen_paused = true;
			if (warn_allowed())
				CTL_LOG(WARNING, "out of file descriptors: not accepting for now");
		}
		return;
	}
	if (n_conns >= CONNS_MAX) {
		if (warn_allowed())
			CTL_LOG(WARNING, "%u management connections already: refusing one", n_conns);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->armed = EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = conns;
	conns = c;
	n_conns++;
}

int ctl_server_adopt(int fd, struct ssl_st *tls, const struct ctl_peer_ops *ops)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	c->fd = fd;
	c->armed = EPOLLIN;
	c->ops = ops;
	c->tls = tls;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int rc = -errno;

		free(c);
		return rc;
	}
	c->next = conns;
	conns = c;
	n_conns++;
	return 0;
}

void ctl_server_set_host_id(const char *id)
{
	snprintf(host_id, sizeof(host_id), "%s", id != NULL ? id : "");
}

static void resume_listening(void)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listen_fd};

	if (listen_paused && epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev) == 0)
		listen_paused = false;
}

/* Queued only: the loop sends it. The event may come from inside a request of any
 * connection, so nothing here may close one. */
static void broadcast_event(json_t *event, void *arg)
{
	(void)arg;
	for (struct conn *c = conns; c != NULL; c = c->next) {
		if (!c->dead && c->hello_done && c->events) {
			conn_send(c, SB_EVENT, 0, json_incref(event));
			conn_update_events(c);
		}
	}
	json_decref(event);
}

int ctl_server_watch(int fd, void (*fn)(void *arg), void *arg)
{
	return ctl_server_watch_events(fd, EPOLLIN, fn, arg);
}

int ctl_server_watch_events(int fd, uint32_t events, void (*fn)(void *arg), void *arg)
{
	for (int i = 0; i < WATCHES_MAX; i++) {
		struct epoll_event ev = {.events = events, .data.ptr = &watches[i]};

		if (watches[i].fn != NULL)
			continue;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			return -errno;
		watches[i] = (struct watch){.fd = fd, .fn = fn, .arg = arg};
		return 0;
	}
	return -ENOSPC;
}

void ctl_server_unwatch(int fd)
{
	for (int i = 0; i < WATCHES_MAX; i++)
		if (watches[i].fn != NULL && watches[i].fd == fd) {
			epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
			watches[i].fn = NULL; /* an event of this batch still pointing here: ignored */
		}
}

static void watches_run(struct watch *only)
{
	for (int i = 0; i < WATCHES_MAX; i++)
		if (watches[i].fn != NULL && (only == NULL || only == &watches[i]))
			watches[i].fn(watches[i].arg);
}

/* A capture's or live trace's event, to the connection that started it (asked for events
 * or not). */
static void owner_event(void *owner, json_t *event)
{
	struct conn *c = owner;

	conn_send(c, SB_EVENT, 0, event);
	conn_update_events(c);
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
	rc = sockpath_claim(path);
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
	ctl_capture_set_sink(owner_event);
	ctl_trace_live_set_sink(owner_event);
	ev.data.ptr = &vport_fd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, vport_fd, &ev);
	health_fd = lb_health_fd();
	ev.data.ptr = &health_fd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, health_fd, &ev);
	nl_fd = ctl_underlay_fd();
	if (nl_fd >= 0) {
		ev.data.ptr = &nl_fd;
		epoll_ctl(epfd, EPOLL_CTL_ADD, nl_fd, &ev);
	}
	return 0;
}

int ctl_server_run(void)
{
	struct epoll_event evs[32];
	struct timespec last = {0}, now;

	for (;;) {
		/* 100 ms: how soon a VTEP the workers could not reach gets its resolution asked */
		int n = epoll_wait(epfd, evs, 32, 100);

		if (n < 0 && errno != EINTR)
			return -errno;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != last.tv_sec || now.tv_nsec - last.tv_nsec > 100000000) {
			last = now;
			resume_listening();
			ctl_switch_tick();
			watches_run(NULL);
		}
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
			} else if (p == &health_fd) {
				ctl_switch_health_changed();
			} else if (p == &nl_fd) {
				if (ctl_underlay_netlink_ready())
					ctl_switch_underlay_changed();
			} else if (p >= (void *)watches && p < (void *)(watches + WATCHES_MAX)) {
				watches_run(p);
			} else {
				struct conn *c = p; /* maybe dead: freed only after the batch */

				if (!c->dead && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
					conn_read(c);
				if (!c->dead)
					conn_flush(c);
				conn_resume(c);
				if (!c->dead)
					conn_flush(c);
			}
		}
		conns_reap();
	}
}

void ctl_server_fini(void)
{
	for (struct conn *c = conns; c != NULL; c = c->next) {
		c->ops = NULL; /* their owners are gone first */
		conn_kill(c, "shutting down");
	}
	conns_reap();
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
