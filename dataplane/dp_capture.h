/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet capture sessions (vpcctl capture), the dataplane's side: workers copy the packets a
 * session's filter matches at one capture point into the session's own mempool and ring;
 * a writer thread per session turns the ring into a pcapng stream on the client's file
 * descriptor. control/ctl_capture.c owns ids, owners and the protocol.
 *
 * The first part is for the control thread; the inline at the end is for the stage files:
 * dp_private.h includes this header at its end, where struct dp_worker is complete.
 */
#ifndef VPCSW_DP_CAPTURE_H
#define VPCSW_DP_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_filter;
struct rte_mbuf;

/* Where in the pipeline a capture looks. */
enum dp_cap_point {
	DP_CAP_RX,    /* a port's received burst, as it came in */
	DP_CAP_TX,    /* a port's transmit burst, as handed to the port (before it may refuse) */
	DP_CAP_DECAP, /* an inner frame from the underlay, right after decapsulation */
	DP_CAP_ENCAP, /* an inner frame headed for another host, before encapsulation */
	DP_CAP_POINTS
};

#define DP_CAP_SESSIONS_MAX 8
#define DP_CAP_ANY_PORT	    UINT16_MAX /* a session on every port at its point */

/* Why a session ended. */
enum dp_cap_end {
	DP_CAP_RUNNING,
	DP_CAP_END_COUNT,   /* it wrote the packets it was asked for */
	DP_CAP_END_CLOSED,  /* the output's reader went away (EPIPE) or the output failed */
	DP_CAP_END_STOPPED, /* dp_capture_stop */
};

struct dp_cap_conf {
	uint16_t port_idx; /* the port index the capture points report, or DP_CAP_ANY_PORT */
	uint8_t points;	   /* 1 << enum dp_cap_point, for each point captured */
	bool by_dst_mac;   /* only frames to dst_mac (decapsulated frames for one VM) */
	uint8_t dst_mac[6];
	uint32_t snaplen;	  /* bytes kept of each packet; 0: all */
	uint32_t ring_size;	  /* copies queued toward the writer, 1 to 65536 */
	uint64_t count;		  /* end after writing this many packets; 0: no limit */
	struct dp_filter *filter; /* the session takes it (freed with it, also on failure) */
	int fd;			  /* the output; the session takes it (closed also on failure) */
	int notify_fd;		  /* an eventfd the writer adds 1 to when the session ends */
	const char *if_name;	  /* the pcapng interface: "vm1" */
	const char *if_desc;	  /* "vpcswitch port vm1 rx+tx" */
	const char *filter_text;  /* written as the interface's if_filter; NULL or "": none */
	const char *comment;	  /* the section header's comment */
};

struct dp_cap_stats {
	uint64_t seen;	  /* packets that reached the capture point */
	uint64_t matched; /* of those, matched by the filter */
	uint64_t written; /* packets written to the output */
	uint64_t dropped; /* copies lost: the ring was full or the capture pool empty */
	enum dp_cap_end end;
	int error; /* the output's errno when it failed (end DP_CAP_END_CLOSED), else 0 */
};

struct dp_cap_session;

/**
 * Create a session and start capturing: its pool, ring and writer thread, then publish it
 * to the workers. Control thread.
 *
 * @return
 *   The session; NULL with errno set and err filled: ENOSPC (DP_CAP_SESSIONS_MAX running),
 *   EINVAL (bad conf), ENOMEM (pool, ring), or the error of the pcapng header.
 */
struct dp_cap_session *dp_capture_start(const struct dp_cap_conf *conf, char *err, size_t errsz);

/**
 * Stop capturing: the workers stop copying (waits for an RCU grace period), the writer
 * writes what was copied so far and ends (end DP_CAP_END_STOPPED unless it had already
 * ended). Control thread; returns without waiting for the writer.
 */
void dp_capture_stop(struct dp_cap_session *s);

/** The writer has ended (the session's notify_fd was written). Any thread. */
bool dp_capture_ended(const struct dp_cap_session *s);

/** Counters and end reason. Control thread. */
void dp_capture_stats(const struct dp_cap_session *s, struct dp_cap_stats *out);

/**
 * Stop (if needed, abandoning writes the output does not take within a moment), join the
 * writer and free everything. Control thread; NULL is fine.
 */
void dp_capture_free(struct dp_cap_session *s);

#ifdef VPCSW_DP_PRIVATE_H
#include <stdatomic.h>

/* Some session is published: the control thread sets it, workers copy it to w->capturing
 * once per round (relaxed: the session set itself is loaded with acquire). */
extern atomic_bool dp_capture_armed;

/* Worker: copy what the sessions of (point, port) match. */
void dp_capture_burst(struct dp_worker *w, enum dp_cap_point pt, uint16_t port_idx,
		      struct rte_mbuf *const *pkts, uint16_t n);

/* One capture point: a branch when nothing is captured. */
static inline void dp_capture(struct dp_worker *w, enum dp_cap_point pt, uint16_t port_idx,
			      struct rte_mbuf *const *pkts, uint16_t n)
{
	if (unlikely(w->capturing))
		dp_capture_burst(w, pt, port_idx, pkts, n);
}
#endif

#endif
