/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A blocking southbound client for tools (vpcctl, tests): connect, hello, then one request
 * at a time, skipping asynchronous events while waiting for the matching reply.
 */
#ifndef VPCSW_SB_CLIENT_H
#define VPCSW_SB_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct sb_client;

/** Connect to a Unix socket and negotiate. Returns NULL with a reason in err (size 256). */
struct sb_client *sb_client_open(const char *path, bool events, char *err);
void sb_client_close(struct sb_client *c);

/**
 * Send a request and wait for the reply with the same xid. Returns 0 with *reply and
 * *reply_type set, or -errno (I/O, timeout) with err filled. An ERROR reply is a reply.
 */
int sb_client_call(struct sb_client *c, uint8_t type, const json_t *body, uint8_t *reply_type,
		   json_t **reply, char *err);
/**
 * Send a request without waiting for its reply; fd >= 0 goes along with it (SCM_RIGHTS:
 * capture_start's output). Returns 0 with the request's xid, or -errno with err filled.
 */
int sb_client_send(struct sb_client *c, uint8_t type, const json_t *body, int fd, uint32_t *xid,
		   char *err);
/** Wait for the next message of any kind (reply or event). Returns 0 with it, -ETIMEDOUT,
 *  or another -errno; err filled on error. timeout_ms < 0: forever. */
int sb_client_recv(struct sb_client *c, int timeout_ms, uint8_t *type, uint32_t *xid,
		   json_t **body, char *err);
/** Wait for the next event; returns 0 with *event, or -errno. timeout_ms < 0: forever. */
int sb_client_next_event(struct sb_client *c, int timeout_ms, json_t **event, char *err);

#endif
