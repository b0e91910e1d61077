/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a vhost-user front end (the VM's side, QEMU or anything that reaches the socket) may
 * send before rte_vhost acts on it. DPDK 22.11's library trusts sizes, offsets and feature
 * negotiation it should not (docs/hostile-guests.md lists the cases); the relay
 * (vrelay.c) runs every message of the front end through vu_check and forwards only what
 * passes, and runs the library's replies through vu_reply so the front end is never
 * offered a feature whose messages are not checked here. Pure functions but for fstat
 * (through vu_conn.file_size, which tests and the fuzzer replace). Any thread.
 */
#ifndef VPCSW_VU_CHECK_H
#define VPCSW_VU_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The message header of the vhost-user protocol (little-endian host order on the wire). */
struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size; /* of the payload that follows */
} __attribute__((packed));

#define VU_HDR_SIZE	 12u
#define VU_PAYLOAD_MAX	 264u /* the largest payload accepted: a memory table of 8 regions */
#define VU_FDS_MAX	 8u   /* descriptors one message may carry (the memory table's) */
#define VU_REGIONS_MAX	 8u
#define VU_LOG_SIZE_MAX	 (1ull << 30) /* a dirty log of 1 GiB covers 32 TiB of guest memory */

/* Requests of the front end (vhost-user specification numbering). */
enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_SEND_RARP = 19,
	VU_NET_SET_MTU = 20,
	VU_SET_STATUS = 39,
	VU_GET_STATUS = 40,
	VU_REQUEST_MAX = 64,
};

/* Protocol features offered to front ends: those whose messages vu_check understands. Not
 * offered: the back-end request channel (the library would block writing to a front end
 * that does not read it), inflight tracking (its messages size areas the library trusts),
 * postcopy, host notifiers, crypto, configuration space, memory slots. */
#define VU_PF_MQ	0
#define VU_PF_LOG_SHMFD 1
#define VU_PF_RARP	2
#define VU_PF_REPLY_ACK 3
#define VU_PF_NET_MTU	4
#define VU_PF_STATUS	16
#define VU_PROTOCOL_FEATURES_ALLOWED                                                            \
	((1ull << VU_PF_MQ) | (1ull << VU_PF_LOG_SHMFD) | (1ull << VU_PF_RARP) |                  \
	 (1ull << VU_PF_REPLY_ACK) | (1ull << VU_PF_NET_MTU) | (1ull << VU_PF_STATUS))

/* One connection's negotiation, as far as the checks need it. */
struct vu_conn {
	uint64_t offered_pf;	/* protocol features the front end was offered (after masking) */
	uint64_t pf;		/* protocol features it set */
	bool pf_known;		/* it asked (GET_PROTOCOL_FEATURES answered) */
	/* the size of the file behind fd, or -errno; NULL: fstat (regular files only) */
	int (*file_size)(int fd, uint64_t *size);
};

/** A connection's state at its start. */
void vu_conn_init(struct vu_conn *c);

/**
 * Judge one whole message of the front end: header, payload (h->size bytes, at most
 * VU_PAYLOAD_MAX) and the descriptors that came with it.
 *
 * @return
 *   0: forward it; -1: refuse it (the connection is to be closed), with the reason in why
 *   (a sentence naming the request and the field, e.g. "SET_MEM_TABLE region 0: 8388608
 *   bytes at offset 0 but its file has 4194304").
 */
int vu_check(struct vu_conn *c, const struct vu_hdr *h, const uint8_t *payload, const int *fds,
	     unsigned int n_fds, char *why, size_t whysz);

/** Whether a header can start a message at all (version, direction, size); the relay asks
 *  before it reads a payload. 0 or -1 with why. */
int vu_check_hdr(const struct vu_hdr *h, char *why, size_t whysz);

/**
 * A reply of the library to the front end, before it is forwarded: the offered protocol
 * features are masked down to VU_PROTOCOL_FEATURES_ALLOWED (and remembered). payload is
 * h->size bytes and may be changed.
 */
void vu_reply(struct vu_conn *c, const struct vu_hdr *h, uint8_t *payload);

/** The request's name ("SET_MEM_TABLE"), or "request N" for an unknown one (static buffer). */
const char *vu_request_name(uint32_t request);

#endif
