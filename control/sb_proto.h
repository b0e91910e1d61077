/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The southbound protocol's wire format (docs/southbound.md is the reference): a fixed
 * 12-byte header, then a JSON object body. Framing and body decoding are pure functions so
 * the switch, vpcctl, the controller and the fuzzer share one implementation.
 */
#ifndef VPCSW_SB_PROTO_H
#define VPCSW_SB_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define SB_VERSION 1            /* highest version this build speaks */
#define SB_VERSION_MIN 1
#define SB_HDR_SIZE 12
#define SB_MSG_MAX (16u << 20)  /* whole frame, header included */

enum sb_type {
	SB_HELLO = 0,
	SB_ERROR = 1,
	SB_ECHO_REQUEST = 2,
	SB_ECHO_REPLY = 3,
	SB_TXN = 4,
	SB_TXN_REPLY = 5,
	SB_BARRIER_REQUEST = 6,
	SB_BARRIER_REPLY = 7,
	SB_DUMP_REQUEST = 8,
	SB_DUMP_REPLY = 9,
	SB_STATS_REQUEST = 10,
	SB_STATS_REPLY = 11,
	SB_EVENT = 12,
	SB_SYNC = 13,
	SB_SYNC_REPLY = 14,
	SB_TRACE_REQUEST = 15,
	SB_TRACE_REPLY = 16,
	SB_CAPTURE_START = 17, /* carries the output file descriptor (SCM_RIGHTS) */
	SB_CAPTURE_REPLY = 18,
	SB_CAPTURE_STOP = 19,
	SB_TRACE_LIVE_START = 20,
	SB_TRACE_LIVE_REPLY = 21,
	SB_TRACE_LIVE_STOP = 22,
	SB_TYPE_COUNT
};

struct sb_hdr {
	uint8_t version;
	uint8_t type;
	uint16_t flags; /* must be zero in version 1 */
	uint32_t length; /* of the whole frame */
	uint32_t xid;
};

const char *sb_type_name(uint8_t type);

/**
 * Look at the start of a byte stream. Returns the frame length when a whole frame is there
 * (header in *h), 0 when more bytes are needed, or a negative errno for a stream that can
 * never become valid: -EMSGSIZE (length under the header size or over SB_MSG_MAX). Version
 * and type are not judged here: the caller answers those with an error naming the xid.
 */
long sb_frame_peek(const uint8_t *buf, size_t len, struct sb_hdr *h);

/**
 * Decode a frame's body: empty means {}, otherwise one JSON object. Returns the object (new
 * reference) or NULL with a reason in err (size errsz).
 */
json_t *sb_body_decode(const uint8_t *body, size_t len, char *err, size_t errsz);

/** Encode one frame into a malloc'ed buffer. body may be NULL (empty). Returns the frame
 *  length, or -ENOMEM / -EMSGSIZE. */
long sb_frame_encode(uint8_t type, uint32_t xid, const json_t *body, uint8_t **out);

/** The `code` of an error message for a -errno: "invalid", "exists", "not_found", "busy",
 *  "no_space", "no_memory", "io_error", "stale", "unavailable", else "internal". */
const char *sb_error_code(int rc);

/** The TCP settings of a controller connection, the same at both ends: keepalive and a user
 *  timeout, so a peer that vanished (host down, link cut, everything dropped) is noticed in
 *  about 11 s without a request to time out; no Nagle delay on small messages. */
void sb_socket_tune(int fd);

#endif
