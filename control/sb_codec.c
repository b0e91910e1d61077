/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing and body codec of the southbound protocol. Strict by design: a frame whose length
 * is impossible poisons the stream (the peer and we disagree on where frames start), while
 * a bad body only fails that one message.
 */
#include "sb_proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static const char *const type_names[SB_TYPE_COUNT] = {
	[SB_HELLO] = "hello",
	[SB_ERROR] = "error",
	[SB_ECHO_REQUEST] = "echo_request",
	[SB_ECHO_REPLY] = "echo_reply",
	[SB_TXN] = "txn",
	[SB_TXN_REPLY] = "txn_reply",
	[SB_BARRIER_REQUEST] = "barrier_request",
	[SB_BARRIER_REPLY] = "barrier_reply",
	[SB_DUMP_REQUEST] = "dump_request",
	[SB_DUMP_REPLY] = "dump_reply",
	[SB_STATS_REQUEST] = "stats_request",
	[SB_STATS_REPLY] = "stats_reply",
	[SB_EVENT] = "event",
	[SB_SYNC] = "sync",
	[SB_SYNC_REPLY] = "sync_reply",
	[SB_TRACE_REQUEST] = "trace_request",
	[SB_TRACE_REPLY] = "trace_reply",
	[SB_CAPTURE_START] = "capture_start",
	[SB_CAPTURE_REPLY] = "capture_reply",
	[SB_CAPTURE_STOP] = "capture_stop",
	[SB_TRACE_LIVE_START] = "trace_live_start",
	[SB_TRACE_LIVE_REPLY] = "trace_live_reply",
	[SB_TRACE_LIVE_STOP] = "trace_live_stop",
};

const char *sb_type_name(uint8_t type)
{
	return type < SB_TYPE_COUNT ? type_names[type] : "unknown";
}

long sb_frame_peek(const uint8_t *buf, size_t len, struct sb_hdr *h)
{
	uint16_t flags;
	uint32_t length, xid;

	if (len < SB_HDR_SIZE)
		return 0;
	memcpy(&flags, buf + 2, 2);
	memcpy(&length, buf + 4, 4);
	memcpy(&xid, buf + 8, 4);
	h->version = buf[0];
	h->type = buf[1];
	h->flags = ntohs(flags);
	h->length = ntohl(length);
	h->xid = ntohl(xid);
	if (h->length < SB_HDR_SIZE || h->length > SB_MSG_MAX)
		return -EMSGSIZE;
	return len < h->length ? 0 : (long)h->length;
}

json_t *sb_body_decode(const uint8_t *body, size_t len, char *err, size_t errsz)
{
	json_error_t je;
	json_t *j;

	if (len == 0)
		return json_object();
	if (memchr(body, '\0', len) != NULL) {
		snprintf(err, errsz, "body: contains a NUL byte");
		return NULL;
	}
	j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		snprintf(err, errsz, "body: invalid JSON at byte %d: %s", je.position, je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, errsz, "body: must be a JSON object");
		return NULL;
	}
	return j;
}

long sb_frame_encode(uint8_t type, uint32_t xid, const json_t *body, uint8_t **out)
{
	char *text = NULL;
	size_t body_len = 0, total;
	uint32_t nlen, nxid;
	uint8_t *buf;

	if (body != NULL) {
		text = json_dumps(body, JSON_COMPACT);
		if (text == NULL)
			return -ENOMEM;
		body_len = strlen(text);
	}
	total = SB_HDR_SIZE + body_len;
	if (total > SB_MSG_MAX) {
		free(text);
		return -EMSGSIZE;
	}
	buf = malloc(total);
	if (buf == NULL) {
		free(text);
		return -ENOMEM;
	}
	buf[0] = SB_VERSION;
	buf[1] = type;
	buf[2] = buf[3] = 0;
	nlen = htonl((uint32_t)total);
	nxid = htonl(xid);
	memcpy(buf + 4, &nlen, 4);
	memcpy(buf + 8, &nxid, 4);
	if (body_len > 0)
		memcpy(buf + SB_HDR_SIZE, text, body_len);
	free(text);
	*out = buf;
	return (long)total;
}

void sb_socket_tune(int fd)
{
	int one = 1, idle = 5, intvl = 2, cnt = 3;
	unsigned int user_timeout_ms = 10000;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof(user_timeout_ms));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

const char *sb_error_code(int rc)
{
	switch (-rc) {
	case EINVAL: return "invalid";
	case EEXIST: return "exists";
	case ENOENT: return "not_found";
	case EBUSY: return "busy";
	case ENOSPC: return "no_space";
	case ENOMEM: return "no_memory";
	case EIO: return "io_error";
	case ESTALE: return "stale";
	case EAGAIN: return "unavailable";
	default: return "internal";
	}
}
