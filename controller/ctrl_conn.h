/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One non-blocking southbound stream of the controller: whole frames in (sb_frame_peek, the
 * switch's own framing code), a bounded queue of frames out. The event loop reads when the
 * descriptor is readable and flushes when it is writable; nothing here blocks.
 */
#ifndef VPCSW_CTRL_CONN_H
#define VPCSW_CTRL_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sb_proto.h"

#define CTRL_CONN_OUT_MAX (256u << 20) /* unread by a switch: it is cut off */

struct ssl_st;

struct ctrl_conn {
	int fd;
	struct ssl_st *ssl; /* NULL: plain TCP */
	bool handshake_done;
	bool want_write;    /* TLS needs the socket writable to go on (handshake or renegotiation) */
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_len, out_off;
};

/* Called for each whole frame; body NULL when it did not decode (reason in err). A non-zero
 * return stops reading (the connection is to be closed). */
typedef int (*ctrl_conn_frame_fn)(void *arg, const struct sb_hdr *h, json_t *body,
				  const char *err);

void ctrl_conn_init(struct ctrl_conn *c, int fd);
/** The stream runs over TLS from now on (ssl set to the server side of fd). */
void ctrl_conn_tls(struct ctrl_conn *c, struct ssl_st *ssl);
/** False while a TLS handshake is still going on. */
bool ctrl_conn_tls_done(const struct ctrl_conn *c);
/** Close the descriptor and free the buffers. */
void ctrl_conn_close(struct ctrl_conn *c);
/**
 * Read what is there and hand each whole frame to fn. Returns 0, or -errno when the
 * connection is over: -ECONNRESET (closed by the peer), -EPROTO (a frame length no peer
 * could mean), fn's non-zero return, or the read's error.
 */
int ctrl_conn_read(struct ctrl_conn *c, ctrl_conn_frame_fn fn, void *arg);
/** Queue one frame (body may be NULL). Returns 0, or -ENOMEM / -EMSGSIZE / -ENOBUFS (the
 *  peer left more than CTRL_CONN_OUT_MAX unread). */
int ctrl_conn_send(struct ctrl_conn *c, uint8_t type, uint32_t xid, const json_t *body);
/** Write what is queued. Returns 0 or -errno (the connection is over). */
int ctrl_conn_flush(struct ctrl_conn *c);
/* Whether to wait for the socket to be writable: what TLS asked for, and queued frames
 * once a handshake (if any) is done — before, frames wait for the peer's handshake
 * messages, and a writable socket is no news (watching it would spin). */
static inline bool ctrl_conn_pending(const struct ctrl_conn *c)
{
	return c->want_write ||
	       ((c->ssl == NULL || c->handshake_done) && c->out_len > c->out_off);
}
/** TLS holds bytes already read from the socket (no event will tell of them). */
bool ctrl_conn_buffered(const struct ctrl_conn *c);

#endif
