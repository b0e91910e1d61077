/* SPDX-License-Identifier: BSD-3-Clause */
/* Framed non-blocking stream of the controller (ctrl_conn.h). */
#include "ctrl_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

void ctrl_conn_init(struct ctrl_conn *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
}

void ctrl_conn_tls(struct ctrl_conn *c, SSL *ssl)
{
	c->ssl = ssl;
	SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

void ctrl_conn_close(struct ctrl_conn *c)
{
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	ctrl_conn_init(c, -1);
}

/* A whole frame (at most SB_MSG_MAX) and the next read always fit: frames are consumed as
 * soon as they are whole. */
#define IN_CAP_MAX (SB_MSG_MAX + 65536)

static int grow_in(struct ctrl_conn *c)
{
	size_t cap = c->in_cap ? c->in_cap * 2 : 65536;
	uint8_t *in;

	if (c->in_cap - c->in_len >= 32768 || (c->in_cap == IN_CAP_MAX && c->in_len < c->in_cap))
		return 0;
	if (cap > IN_CAP_MAX)
		cap = IN_CAP_MAX;
	if (cap <= c->in_cap)
		return -EPROTO; /* cannot happen with frames consumed: be sure anyway */
	in = realloc(c->in, cap);
	if (in == NULL)
		return -ENOMEM;
	c->in = in;
	c->in_cap = cap;
	return 0;
}

/* Hand over the whole frames buffered; keep the rest. */
static int consume(struct ctrl_conn *c, ctrl_conn_frame_fn fn, void *arg)
{
	size_t off = 0;
	struct sb_hdr h;
	long flen;
	int rc = 0;

	while (rc == 0 && (flen = sb_frame_peek(c->in + off, c->in_len - off, &h)) != 0) {
		char err[256] = "";
		json_t *body;

		if (flen < 0)
			return -EPROTO;
		body = sb_body_decode(c->in + off + SB_HDR_SIZE, (size_t)flen - SB_HDR_SIZE, err,
				      sizeof(err));
		rc = fn(arg, &h, body, err);
		json_decref(body);
		off += (size_t)flen;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	if (c->in_cap > (1u << 20) && c->in_len < 65536) {
		uint8_t *in = realloc(c->in, 65536); /* a one-off big reply does not pin memory */

		if (in != NULL) {
			c->in = in;
			c->in_cap = 65536;
		}
	}
	return rc;
}

/* An SSL_* result as a recv/send one: > 0 bytes, 0 closed, -1 with errno (EAGAIN: wait). */
static ssize_t tls_result(struct ctrl_conn *c, int n)
{
	switch (SSL_get_error(c->ssl, n)) {
	case SSL_ERROR_NONE: return n;
	case SSL_ERROR_WANT_READ: errno = EAGAIN; return -1;
	case SSL_ERROR_WANT_WRITE: c->want_write = true; errno = EAGAIN; return -1;
	case SSL_ERROR_ZERO_RETURN: return 0;
	default: ERR_clear_error(); errno = EPROTO; return -1;
	}
}

/* TLS: the handshake first; false while it is not done (or failed: errno not EAGAIN). */
static bool tls_ready(struct ctrl_conn *c)
{
	int n;

	if (c->ssl == NULL || c->handshake_done)
		return true;
	c->want_write = false;
	n = SSL_do_handshake(c->ssl);
	if (n == 1) {
		c->handshake_done = true;
		return true;
	}
	tls_result(c, n);
	return false;
}

static ssize_t conn_recv(struct ctrl_conn *c, void *buf, size_t size)
{
	if (c->ssl == NULL)
		return recv(c->fd, buf, size, 0);
	if (!tls_ready(c))
		return -1;
	c->want_write = false;
	return tls_result(c, SSL_read(c->ssl, buf, (int)(size > 1u << 30 ? 1u << 30 : size)));
}

static ssize_t conn_send_raw(struct ctrl_conn *c, const void *buf, size_t size)
{
	if (c->ssl == NULL)
		return send(c->fd, buf, size, MSG_NOSIGNAL);
	if (!tls_ready(c))
		return -1;
	c->want_write = false;
	return tls_result(c, SSL_write(c->ssl, buf, (int)(size > 1u << 30 ? 1u << 30 : size)));
}

bool ctrl_conn_buffered(const struct ctrl_conn *c)
{
	return c->ssl != NULL && SSL_pending(c->ssl) > 0;
}

bool ctrl_conn_tls_done(const struct ctrl_conn *c)
{
	return c->ssl == NULL || c->handshake_done;
}

int ctrl_conn_read(struct ctrl_conn *c, ctrl_conn_frame_fn fn, void *arg)
{
	/* fair to other connections: what TLS still buffers after this is read on the tick
	 * (ctrl_conn_buffered) */
	for (int round = 0; round < 16; round++) {
		int rc = grow_in(c);
		ssize_t n;

		if (rc < 0)
			return rc;
		n = conn_recv(c, c->in + c->in_len, c->in_cap - c->in_len);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		c->in_len += (size_t)n;
		rc = consume(c, fn, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int ctrl_conn_send(struct ctrl_conn *c, uint8_t type, uint32_t xid, const json_t *body)
{
	uint8_t *frame, *out;
	long n = sb_frame_encode(type, xid, body, &frame);
	size_t pending = c->out_len - c->out_off;

	if (n < 0)
		return (int)n;
	if (pending + (size_t)n > CTRL_CONN_OUT_MAX) {
		free(frame);
		return -ENOBUFS;
	}
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, pending);
		c->out_len = pending;
		c->out_off = 0;
	}
	out = realloc(c->out, c->out_len + (size_t)n);
	if (out == NULL) {
		free(frame);
		return -ENOMEM;
	}
	memcpy(out + c->out_len, frame, (size_t)n);
	free(frame);
	c->out = out;
	c->out_len += (size_t)n;
	return 0;
}

int ctrl_conn_flush(struct ctrl_conn *c)
{
	if (c->ssl != NULL && !tls_ready(c))
		return errno == EAGAIN ? 0 : -EPROTO;
	while (c->out_len > c->out_off) {
		ssize_t n = conn_send_raw(c, c->out + c->out_off, c->out_len - c->out_off);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
	if (c->out != NULL) {
		free(c->out); /* idle connections hold no buffer */
		c->out = NULL;
	}
	return 0;
}
