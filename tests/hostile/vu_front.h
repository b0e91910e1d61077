/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vu_front: the well-behaved half of vhost_attack, a vhost-user front end written from the
 * vhost-user and virtio specifications (plain libc, no DPDK): wire and ring layouts, the
 * session with its connection, requests and replies with descriptors under timeouts, and one
 * memfd-backed guest with split rings. It lives apart from vhost_attack.c so that file holds
 * only the attacks (what a hostile front end sends) and each stays a readable size.
 */
#ifndef VPCSW_HOSTILE_VU_FRONT_H
#define VPCSW_HOSTILE_VU_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- vhost-user protocol (https://qemu-project.gitlab.io/qemu/interop/vhost-user.html) */

enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_INFLIGHT_FD = 31,
	VU_SET_INFLIGHT_FD = 32,
};

#define VU_VERSION	   0x1u
#define VU_FLAG_REPLY	   (1u << 2)
#define VU_FLAG_NEED_REPLY (1u << 3)
#define VU_MAX_REGIONS	   8   /* also the most fds any vhost-user message legitimately carries */
#define SCM_MAX_FDS	   253 /* Linux SCM_MAX_FD: the most one sendmsg() may carry */

#define F_LOG_ALL	    26 /* VHOST_F_LOG_ALL: dirty logging for live migration */
#define F_INDIRECT_DESC	    28 /* VIRTIO_RING_F_INDIRECT_DESC */
#define F_PROTOCOL_FEATURES 30 /* VHOST_USER_F_PROTOCOL_FEATURES */
#define F_VERSION_1	    32 /* VIRTIO_F_VERSION_1 */

#define PF_LOG_SHMFD	  1
#define PF_REPLY_ACK	  3
#define PF_INFLIGHT_SHMFD 12

#define BIT(n) (1ULL << (n))

struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size; /* payload bytes that follow */
};

struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags; /* bit 0: log used-ring writes at log_guest_addr */
	uint64_t desc_user_addr;
	uint64_t used_user_addr;
	uint64_t avail_user_addr;
	uint64_t log_guest_addr;
};

struct vu_mem_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vu_mem_region regions[VU_MAX_REGIONS];
};

struct vu_log {
	uint64_t mmap_size;
	uint64_t mmap_offset;
};

struct vu_inflight {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues;
	uint16_t queue_size;
	uint32_t padding; /* the C struct both QEMU and backends use is 24 bytes */
};

_Static_assert(sizeof(struct vu_hdr) == 12, "vhost-user header is 12 bytes");
_Static_assert(sizeof(struct vu_vring_addr) == 40, "vring address payload is 40 bytes");
_Static_assert(sizeof(struct vu_mem_region) == 32, "memory region is 32 bytes");
_Static_assert(sizeof(struct vu_inflight) == 24, "inflight payload is 24 bytes");

/* ---- split virtqueue (virtio 1.x, 2.7) */

#define VRING_DESC_F_NEXT     1
#define VRING_DESC_F_WRITE    2
#define VRING_DESC_F_INDIRECT 4

struct vring_desc {
	uint64_t addr; /* guest physical */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};

/* ---- guest memory layout: one region, rings first, packet buffers after */

#define RING_SIZE      256
#define NQUEUES	       2 /* 0 = guest RX (backend writes), 1 = guest TX (backend reads) */
#define Q_RX	       0
#define Q_TX	       1
#define GUEST_MEM_SIZE (4ULL << 20)
#define RING_AREA(q)   ((uint64_t)(q)*0x4000) /* desc +0, avail +0x1000, used +0x2000 */
#define TX_BUF_AREA    0x10000ULL
#define RX_BUF_AREA    0x100000ULL
#define INDIRECT_AREA  0x200000ULL
#define BUF_SIZE       2048
#define NET_HDR_SIZE   12 /* virtio_net_hdr_v1, the size with VIRTIO_F_VERSION_1 */
#define FRAME_SIZE     64
#define PKT_SIZE       (NET_HDR_SIZE + FRAME_SIZE)

#define REPLY_TIMEOUT_MS 2000 /* longest wait for a reply or for the backend to read */
#define RECONNECT_GAP_MS 50   /* between closing a connection and opening the next */

struct vq {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	int kickfd;
	int callfd;
	uint16_t avail_idx; /* our shadow of avail->idx: entries posted so far */
};

struct guest {
	int memfd;
	uint8_t *mem;	   /* our MAP_SHARED view of memfd */
	uint64_t size;	   /* bytes of memfd we created and mapped */
	uint64_t gpa_base; /* guest physical address of mem[0] */
	bool gone;	   /* memfd truncated under us: never touch mem again */
	struct vq vqs[NQUEUES];
};

/* Our view of the dirty log we handed over, to check where the backend set bits. */
struct dirty_log {
	uint8_t *map; /* whole file, MAP_SHARED */
	uint64_t file_size;
	uint64_t offset; /* declared mmap_offset: where the log starts in the file */
	uint64_t size;	 /* declared mmap_size */
};

/* The backend's first notable reaction (OUT_OPEN: none yet), as the summary reports it. */
enum outcome { OUT_OPEN, OUT_REFUSED, OUT_SILENT, OUT_BADREPLY, OUT_CLOSED };

/* One run of the tool: the connection, what was negotiated, the guest, and what happened. */
struct session {
	const char *path;
	const char *attack;
	bool listen;
	int lfd;	      /* listening socket in --listen mode */
	int fd;		      /* current vhost-user connection, -1 when none */
	int hold;	      /* seconds to watch after delivery */
	uint64_t features;    /* offered by the backend */
	uint64_t proto;	      /* protocol features offered by the backend */
	uint64_t acked;	      /* features we sent in SET_FEATURES */
	uint64_t proto_acked; /* protocol features we sent in SET_PROTOCOL_FEATURES */
	bool reply_ack;	      /* REPLY_ACK negotiated: every request without a reply gets an ack */
	bool delivered;	      /* the hostile part reached the socket */
	char step[96];	      /* the last thing we did: what the backend reacted to */
	enum outcome outcome; /* first notable reaction, kept for the summary */
	char outcome_step[160];
	struct guest g;
	struct dirty_log log;
};

/*
 * All calls come from the tool's one thread. Transport errors come back as negative errno:
 * -ECONNRESET (the backend closed, recorded as OUT_CLOSED), -ETIMEDOUT (it stopped reading
 * or answering, OUT_SILENT), -EPROTO (a malformed reply, OUT_BADREPLY); the first such
 * reaction is kept in the session for the summary, tagged with the step that caused it.
 */

/* ---- logging and the current step */

/** One line on stderr, prefixed "vhost_attack: ". */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Name what we are doing now (truncated to fit s->step): reactions are reported against it. */
void step_set(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- connection */

/** --listen mode: bind and listen on s->path (replacing a stale socket, never a regular
 *  file) and keep the socket in s->lfd. Returns 0 or -errno (-ENAMETOOLONG: path too long). */
int listen_open(struct session *s);
/**
 * (Re)connect s->fd: dial s->path, retrying for 2 s while it is missing or refusing, or in
 * --listen mode wait for the backend (30 s when first, else 5 s). Resets s->reply_ack.
 * Returns 0 or -errno (-ETIMEDOUT: no backend connected), already logged.
 */
int sess_connect(struct session *s, bool first);
/** sess_connect from inside an attack, gap_ms after closing our side; failing to get a new
 *  connection is recorded as OUT_CLOSED. Returns 0 or -errno. */
int sess_reconnect(struct session *s, int gap_ms);
/** Close s->fd (if open) and record that the backend closed the connection. */
void sess_closed(struct session *s);
/** Watch the connection for ms milliseconds, dropping unasked-for data and recording a
 *  hang-up. Returns false once the connection is closed. */
bool sess_watch(struct session *s, int ms);

/* ---- socket I/O */

/** Write len bytes of buf to fd with nfds descriptors (up to SCM_MAX_FDS) on the first byte.
 *  Returns 0, -ECONNRESET (peer gone), -ETIMEDOUT (not reading for REPLY_TIMEOUT_MS)
 *  or poll()'s -errno. */
int sock_send(int fd, const void *buf, size_t len, const int *fds, int nfds);

/* ---- vhost-user messages */

/**
 * Send one message whose header announces hdr_size payload bytes while len bytes of payload
 * (and nfds descriptors) actually follow; reads no reply. Returns 0, -ECONNRESET, -ETIMEDOUT
 * or -ENOMEM.
 */
int vu_send_raw(struct session *s, uint32_t req, uint32_t flags, uint32_t hdr_size,
		const void *payload, size_t len, const int *fds, int nfds);
/**
 * Read the reply to req within timeout_ms: up to cap payload bytes into reply (the rest is
 * drained), the full payload size into *size (if size), and up to VU_MAX_REGIONS
 * descriptors appended to fds/nfds (if fds, with room for that many; otherwise closed).
 * Returns 0, -ECONNRESET, -ETIMEDOUT or -EPROTO (not a reply to req).
 */
int vu_recv_reply(struct session *s, uint32_t req, void *reply, uint32_t cap, uint32_t *size,
		  int *fds, int *nfds, int timeout_ms);
/**
 * One request, the way QEMU sends it, named "REQ(detail)" as the current step. With reply,
 * waits for the natural reply (up to reply_cap bytes); without, waits for the REPLY_ACK ack
 * when s->reply_ack. Returns 0, -EREMOTEIO (error ack, recorded as OUT_REFUSED) or a
 * transport error.
 */
int vu_call(struct session *s, uint32_t req, const char *detail, const void *payload, uint32_t size,
	    const int *fds, int nfds, void *reply, uint32_t reply_cap);
/** vu_call with a u64 payload (SET_FEATURES, SET_PROTOCOL_FEATURES). */
int vu_u64(struct session *s, uint32_t req, const char *detail, uint64_t v);
/** vu_call with a vring state payload {index, num} (SET_VRING_NUM/BASE/ENABLE). */
int vu_state(struct session *s, uint32_t req, uint32_t index, uint32_t num);
/** SET_VRING_KICK / SET_VRING_CALL for ring index with descriptor fd. */
int vu_vring_fd(struct session *s, uint32_t req, uint32_t index, int fd);

/* ---- guest memory and rings */

/** A memfd of size bytes; seal adds QEMU's size seals. Returns the fd or -errno. */
int memfd_sized(const char *name, uint64_t size, bool seal);
/** Make g empty (nothing mapped, no fds) without releasing anything. */
void guest_reset(struct guest *g);
/** Release what g holds, then reset it. */
void guest_fini(struct guest *g);
/** Release g, then create and map GUEST_MEM_SIZE bytes of guest memory at guest physical
 *  gpa_base (sealed: QEMU's size seals) with NQUEUES rings and their eventfds.
 *  Returns 0 or -errno. */
int guest_init(struct guest *g, uint64_t gpa_base, bool sealed);

/** The guest physical address of byte off of g's memory. */
static inline uint64_t gpa(const struct guest *g, uint64_t off)
{
	return g->gpa_base + off;
}

/** Our virtual address of p, as vhost-user's *_user_addr fields carry it. */
static inline uint64_t uva(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/** Make descriptor head the next available entry of ring q (release-ordered after it). */
void vq_publish(struct guest *g, int q, uint16_t head);
/** Signal ring q's kick eventfd. */
void vq_kick(struct guest *g, int q);
/** The backend's used index of ring q (acquire). */
uint16_t vq_used_idx(const struct guest *g, int q);
/** Post n 64-byte UDP packets on the TX ring, one descriptor and buffer per ring slot. */
void tx_post(struct guest *g, int n);
/** Post n_rx receive buffers and n_tx packets, then kick both rings. */
void traffic(struct guest *g, int n_rx, int n_tx);
/** Log how far the backend got on both rings (nothing when memory is unmapped or gone). */
void guest_report(const struct guest *g);

#endif
