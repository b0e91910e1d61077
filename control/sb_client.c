/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Blocking client side of the southbound protocol (see sb_client.h). Frames are read whole
 * with sb_frame_peek, the same framing code the switch uses.
 */
#include "sb_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sb_proto.h"

#define CALL_TIMEOUT_MS 30000

struct sb_client {
	int fd;
	uint32_t next_xid;
	uint8_t *buf;
	size_t len, cap;
};

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -errno;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Read one whole frame: header in h, body decoded into *body. */
static int read_frame(struct sb_client *c, int timeout_ms, struct sb_hdr *h, json_t **body,
		      char *err)
{
	for (;;) {
		long flen = sb_frame_peek(c->buf, c->len, h);

		if (flen < 0) {
			snprintf(err, 256, "peer sent a frame with an impossible length");
			return -EPROTO;
		}
		if (flen > 0) {
			*body = sb_body_decode(c->buf + SB_HDR_SIZE, (size_t)flen - SB_HDR_SIZE, err,
					       256);
			memmove(c->buf, c->buf + flen, c->len - (size_t)flen);
			c->len -= (size_t)flen;
			return *body == NULL ? -EPROTO : 0;
		}
		if (c->cap - c->len < 65536) {
			size_t cap = c->cap ? c->cap * 2 : 131072;
			uint8_t *b = realloc(c->buf, cap);

			if (b == NULL)
				return -ENOMEM;
			c->buf = b;
			c->cap = cap;
		}
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		int rc = poll(&pfd, 1, timeout_ms);

		if (rc == 0) {
			snprintf(err, 256, "no answer from the switch within %d ms", timeout_ms);
			return -ETIMEDOUT;
		}
		if (rc < 0 && errno == EINTR)
			continue;
		ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);

		if (n <= 0) {
			snprintf(err, 256, "connection closed by the switch");
			return -ECONNRESET;
		}
		c->len += (size_t)n;
	}
}

/* The frame and the descriptor in one sendmsg: the switch takes the descriptor as the
 * frame's (see ctl_server.c). */
static int send_with_fd(int fd, const uint8_t *p, size_t n, int pass)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {(void *)(uintptr_t)p, n};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	ssize_t k;

	memset(ctl.buf, 0, sizeof(ctl.buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &pass, sizeof(int));
	do
		k = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (k < 0 && errno == EINTR);
	if (k <= 0)
		return k < 0 ? -errno : -EIO;
	/* the descriptor went with the first byte; the rest of a short write goes plain */
	return send_all(fd, p + k, n - (size_t)k);
}

int sb_client_send(struct sb_client *c, uint8_t type, const json_t *body, int fd, uint32_t *xid,
		   char *err)
{
	uint8_t *frame;
	long n = sb_frame_encode(type, c->next_xid, body, &frame);
	int rc;

	if (n < 0) {
		snprintf(err, 256, "encode: %s", strerror((int)-n));
		return (int)n;
	}
	*xid = c->next_xid++;
	rc = fd >= 0 ? send_with_fd(c->fd, frame, (size_t)n, fd) : send_all(c->fd, frame, (size_t)n);
	free(frame);
	if (rc < 0)
		snprintf(err, 256, "send: %s", strerror(-rc));
	return rc;
}

int sb_client_recv(struct sb_client *c, int timeout_ms, uint8_t *type, uint32_t *xid,
		   json_t **body, char *err)
{
	struct sb_hdr h;
	int rc = read_frame(c, timeout_ms, &h, body, err);

	if (rc == 0) {
		*type = h.type;
		*xid = h.xid;
	}
	return rc;
}

static int send_msg(struct sb_client *c, uint8_t type, uint32_t xid, const json_t *body)
{
	uint8_t *frame;
	long n = sb_frame_encode(type, xid, body, &frame);
	int rc;

	if (n < 0)
		return (int)n;
	rc = send_all(c->fd, frame, (size_t)n);
	free(frame);
	return rc;
}

int sb_client_call(struct sb_client *c, uint8_t type, const json_t *body, uint8_t *reply_type,
		   json_t **reply, char *err)
{
	uint32_t xid = c->next_xid++;
	struct sb_hdr h;
	int rc = send_msg(c, type, xid, body);

	if (rc < 0) {
		snprintf(err, 256, "send: %s", strerror(-rc));
		return rc;
	}
	for (;;) {
		rc = read_frame(c, CALL_TIMEOUT_MS, &h, reply, err);
		if (rc < 0)
			return rc;
		if (h.type != SB_EVENT && h.xid == xid) {
			*reply_type = h.type;
			return 0;
		}
		json_decref(*reply);
	}
}

int sb_client_next_event(struct sb_client *c, int timeout_ms, json_t **event, char *err)
{
	struct sb_hdr h;

	for (;;) {
		int rc = read_frame(c, timeout_ms, &h, event, err);

		if (rc < 0)
			return rc;
		if (h.type == SB_EVENT)
			return 0;
		json_decref(*event);
	}
}

struct sb_client *sb_client_open(const char *path, bool events, char *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct sb_client *c;
	json_t *hello, *reply = NULL;
	uint8_t type;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, 256, "socket path too long");
		return NULL;
	}
	strcpy(sa.sun_path, path);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->next_xid = 1;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, 256, "cannot connect to %s: %s (is vpcswitchd running?)", path,
			 strerror(errno));
		goto fail;
	}
	hello = json_pack("{s:[i], s:b}", "versions", SB_VERSION, "events", events);
	int rc = sb_client_call(c, SB_HELLO, hello, &type, &reply, err);

	json_decref(hello);
	if (rc < 0)
		goto fail;
	if (type != SB_HELLO) {
		snprintf(err, 256, "hello refused: %s",
			 json_string_value(json_object_get(reply, "message")));
		json_decref(reply);
		goto fail;
	}
	json_decref(reply);
	return c;
fail:
	sb_client_close(c);
	return NULL;
}

void sb_client_close(struct sb_client *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}
