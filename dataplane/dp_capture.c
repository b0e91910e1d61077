/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture sessions: what the workers do at a capture point (filter, copy into the session's
 * pool with rte_pcapng_copy, enqueue on its ring), the set of sessions published to them
 * through RCU, and each session's writer thread, which turns the ring into pcapng on the
 * client's file descriptor. The filter is dp_filter.c's; ids and clients are ctl_capture.c's.
 *
 * Why not rte_pcapng_write_packets: in DPDK 22.11 the file's interfaces are the ethdev
 * ports (rte_pcapng_fdopen writes one Interface Description Block per port that
 * RTE_ETH_FOREACH_DEV visits, and write_packets maps mbuf->port to those), but a VM port is
 * an rte_vhost device, not an ethdev. rte_pcapng_add_interface only exists from 23.03. So
 * rte_pcapng_fdopen writes the section header (and the ethdev IDBs, harmless: no packet
 * names them), we append our own IDB for the captured port, rte_pcapng_copy formats each
 * Enhanced Packet Block (data, flags = direction), and we set the EPB's interface id and
 * write the blocks ourselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

#include "dp_private.h"
#include "dp_capture.h"
#include "dp_filter.h"

/* The most of a frame a copy keeps: past the largest frame the switch carries (a 9000-byte
 * MTU, Ethernet, 70 bytes of tunnel headers). One copy is one mbuf: rte_pcapng_copy appends
 * its trailer to the last segment, which a chain may have filled. */
#define CAP_FRAME_MAX	   9600
#define CAP_TRAILER_ROOM   64 /* EPB options (flags, queue, hash) and the closing length */
#define WRITER_BATCH	   32
#define WRITER_IDLE_NS	   500000 /* how long the writer naps on an empty ring */
#define STOP_WRITE_GRACE_S 2	  /* after a stop, how long a stalled output may hold the end */

/* pcapng blocks (host byte order, as the section header's magic tells readers). */
#define PCAPNG_SHB	 0x0A0D0D0Au
#define PCAPNG_IDB	 1u
#define PCAPNG_ISB	 5u
#define PCAPNG_EPB	 6u
#define OPT_END		 0
#define IF_NAME		 2
#define IF_DESCRIPTION	 3
#define IF_TSRESOL	 9
#define IF_FILTER	 11
#define ISB_STARTTIME	 2
#define ISB_ENDTIME	 3
#define ISB_IFRECV	 4
#define ISB_IFDROP	 5
#define ISB_FILTERACCEPT 6
#define ISB_USRDELIV	 8

struct cap_epb {
	uint32_t type, len, if_id, ts_hi, ts_lo, cap_len, orig_len;
};

/* Per worker, written by that worker only. */
struct cap_wstats {
	uint64_t seen, matched, dropped;
} __rte_cache_aligned;

struct dp_cap_session {
	/* immutable once published */
	uint16_t port_idx;
	uint8_t points;
	bool by_dst_mac;
	struct rte_ether_addr dst_mac;
	uint32_t copy_len;
	uint32_t if_id; /* our IDB's index in the file */
	struct dp_filter *filter;
	struct rte_mempool *mp;
	struct rte_ring *ring;
	uint64_t tsc0, ns0, hz; /* TSC -> wall clock ns */
	/* writer only */
	int fd, notify_fd;
	uint64_t count, written;
	uint8_t *head; /* section header, ethdev IDBs, ours: written first */
	size_t head_size;
	uint64_t start_ns;
	pthread_t writer;
	/* control thread only */
	bool published, joined;
	/* control -> writer */
	atomic_bool stop;  /* release: after the workers stopped copying (grace period) */
	atomic_bool abort; /* give up on a stalled output at once */
	/* writer -> workers: it has all it wants (relaxed: a hint, extra copies are freed) */
	atomic_bool done;
	/* writer -> control: set last, with release (everything above is final) */
	_Atomic int end;
	int error;
	struct cap_wstats ws[RTE_MAX_LCORE];
};

/* What the workers see: RCU-published, immutable. */
struct cap_set {
	unsigned int n;
	struct dp_cap_session *s[DP_CAP_SESSIONS_MAX];
};

atomic_bool dp_capture_armed;
static struct cap_set *_Atomic cap_current;
static unsigned int cap_seq; /* names of pools and rings */

static uint64_t cap_ns(const struct dp_cap_session *s, uint64_t tsc)
{
	uint64_t d = tsc - s->tsc0;

	return s->ns0 + d / s->hz * NS_PER_S + d % s->hz * NS_PER_S / s->hz;
}

/*
 * Worker. The timestamp is ours: rte_pcapng_copy's TSC conversion keeps its state in plain
 * globals it updates on the way, which several workers must not race on for the value we
 * write; we overwrite it with one computed from the session's own base.
 */
static void cap_session_burst(struct dp_worker *w, struct dp_cap_session *s, enum dp_cap_point pt,
			      struct rte_mbuf *const *pkts, uint16_t n)
{
	struct cap_wstats *c = &s->ws[w->idx];
	enum rte_pcapng_direction dir = pt == DP_CAP_RX || pt == DP_CAP_DECAP
						? RTE_PCAPNG_DIRECTION_IN
						: RTE_PCAPNG_DIRECTION_OUT;
	struct rte_mbuf *sel[DP_BURST], *copies[DP_BURST];
	uint64_t rc[DP_BURST], tsc, ns;
	uint16_t k = 0, matched;
	unsigned int enq;

	if (s->by_dst_mac) {
		uint16_t m = 0;

		for (uint16_t i = 0; i < n; i++) {
			const struct rte_ether_hdr *eth =
				rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);

			if (pkts[i]->data_len >= sizeof(*eth) &&
			    rte_is_same_ether_addr(&eth->dst_addr, &s->dst_mac))
				sel[m++] = pkts[i];
		}
		pkts = sel;
		n = m;
	}
	c->seen += n;
	if (n == 0)
		return;
	matched = dp_filter_match_burst(s->filter, pkts, n, rc);
	c->matched += matched;
	if (matched == 0)
		return;
	tsc = rte_rdtsc();
	ns = cap_ns(s, tsc);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *mc;
		struct cap_epb *epb;

		if (rc[i] == 0)
			continue;
		mc = rte_pcapng_copy(0, 0, pkts[i], s->mp, s->copy_len, tsc, dir);
		if (mc == NULL) {
			c->dropped++;
			continue;
		}
		epb = rte_pktmbuf_mtod(mc, struct cap_epb *);
		epb->if_id = s->if_id;
		epb->ts_hi = (uint32_t)(ns >> 32);
		epb->ts_lo = (uint32_t)ns;
		copies[k++] = mc;
	}
	if (k == 0)
		return;
	enq = rte_ring_mp_enqueue_burst(s->ring, (void **)copies, k, NULL);
	if (enq < k) {
		c->dropped += k - enq;
		rte_pktmbuf_free_bulk(&copies[enq], k - enq);
	}
}

void dp_capture_burst(struct dp_worker *w, enum dp_cap_point pt, uint16_t port_idx,
		      struct rte_mbuf *const *pkts, uint16_t n)
{
	/* acquire: pairs with the release in cap_publish; valid until our next quiescent
	 * report */
	const struct cap_set *set = atomic_load_explicit(&cap_current, memory_order_acquire);

	if (set == NULL)
		return;
	for (unsigned int i = 0; i < set->n; i++) {
		struct dp_cap_session *s = set->s[i];

		if (!(s->points & (1u << pt)) ||
		    (s->port_idx != port_idx && s->port_idx != DP_CAP_ANY_PORT) ||
		    atomic_load_explicit(&s->done, memory_order_relaxed))
			continue;
		for (uint16_t off = 0; off < n; off += DP_BURST)
			cap_session_burst(w, s, pt, pkts + off,
					  (uint16_t)RTE_MIN(n - off, DP_BURST));
	}
}

/* Control thread: make set the workers' set, wait until none uses the one before. */
static void cap_publish(struct cap_set *set)
{
	struct cap_set *old;

	/* release: the sessions' fields are written before a worker can find them */
	old = atomic_exchange_explicit(&cap_current, set, memory_order_acq_rel);
	atomic_store_explicit(&dp_capture_armed, set != NULL && set->n > 0, memory_order_relaxed);
	if (dp_qsbr != NULL && dp_n_workers > 0)
		rte_rcu_qsbr_synchronize(dp_qsbr, RTE_QSBR_THRID_INVALID);
	free(old);
}

/* The current set with s added (add) or removed. Returns 0, -ENOMEM or -ENOSPC. */
static int cap_set_change(struct dp_cap_session *s, bool add)
{
	const struct cap_set *cur = atomic_load_explicit(&cap_current, memory_order_relaxed);
	struct cap_set *next = calloc(1, sizeof(*next));

	if (next == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; cur != NULL && i < cur->n; i++)
		if (cur->s[i] != s)
			next->s[next->n++] = cur->s[i];
	if (add) {
		if (next->n == DP_CAP_SESSIONS_MAX) {
			free(next);
			return -ENOSPC;
		}
		next->s[next->n++] = s;
	}
	cap_publish(next);
	return 0;
}

/* --- pcapng blocks ---------------------------------------------------------------------- */

static size_t opt_size(size_t len)
{
	return 4 + RTE_ALIGN(len, 4);
}

static uint8_t *opt_put(uint8_t *p, uint16_t code, const void *data, size_t len)
{
	uint16_t hdr[2] = {code, (uint16_t)len};

	memcpy(p, hdr, 4);
	memset(p + 4, 0, RTE_ALIGN(len, 4));
	if (data != NULL)
		memcpy(p + 4, data, len);
	return p + opt_size(len);
}

/* Close a block started at b whose options end at p: its trailing length, its size. */
static size_t block_close(uint8_t *b, uint8_t *p)
{
	uint32_t len = (uint32_t)(p - b) + 4;

	memcpy(b + 4, &len, 4);
	memcpy(p, &len, 4);
	return len;
}

/* Our Interface Description Block, at out (room: idb_size). */
static size_t idb_size(const struct dp_cap_conf *c)
{
	size_t n = 16 + opt_size(1) + opt_size(strlen(c->if_name)) + opt_size(strlen(c->if_desc)) +
		   opt_size(0) + 4;

	if (c->filter_text != NULL && c->filter_text[0] != '\0')
		n += opt_size(1 + strlen(c->filter_text));
	return n;
}

static size_t idb_write(uint8_t *out, const struct dp_cap_conf *c)
{
	uint32_t type = PCAPNG_IDB, snaplen = c->snaplen;
	uint16_t linktype = 1; /* LINKTYPE_ETHERNET */
	uint8_t tsresol = 9;   /* nanoseconds */
	uint8_t *p = out + 16;

	memcpy(out, &type, 4);
	memcpy(out + 8, &linktype, 2);
	memset(out + 10, 0, 2);
	memcpy(out + 12, &snaplen, 4);
	p = opt_put(p, IF_NAME, c->if_name, strlen(c->if_name));
	p = opt_put(p, IF_DESCRIPTION, c->if_desc, strlen(c->if_desc));
	p = opt_put(p, IF_TSRESOL, &tsresol, 1);
	if (c->filter_text != NULL && c->filter_text[0] != '\0') {
		/* if_filter: a code byte (0: a libpcap filter string), then the string */
		size_t len = strlen(c->filter_text);
		uint8_t *f = p;

		p = opt_put(p, IF_FILTER, NULL, 1 + len);
		f[4] = 0;
		memcpy(f + 5, c->filter_text, len);
	}
	p = opt_put(p, OPT_END, NULL, 0);
	return block_close(out, p);
}

/*
 * The file's head: rte_pcapng_fdopen's section header and ethdev IDBs, written into a
 * memfd so the control thread never blocks on the client's output and the IDBs it wrote
 * can be counted from the bytes themselves; then our IDB. Sets s->head, s->if_id.
 */
static int head_build(struct dp_cap_session *s, const struct dp_cap_conf *c, char *err,
		      size_t errsz)
{
	struct utsname u;
	char os[160];
	rte_pcapng_t *pc;
	off_t size;
	size_t off;
	int mfd;

	mfd = memfd_create("vpcsw-capture", MFD_CLOEXEC);
	if (mfd < 0) {
		snprintf(err, errsz, "memfd_create: %s", strerror(errno));
		return -errno;
	}
	if (uname(&u) == 0)
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
	else
		snprintf(os, sizeof(os), "Linux");
	pc = rte_pcapng_fdopen(mfd, os, NULL, "vpcswitchd", c->comment);
	if (pc == NULL) {
		snprintf(err, errsz, "pcapng header: %s", rte_strerror(rte_errno));
		close(mfd);
		return -EIO;
	}
	size = lseek(mfd, 0, SEEK_END);
	s->head = size > 0 ? malloc((size_t)size + idb_size(c)) : NULL;
	if (s->head == NULL || pread(mfd, s->head, (size_t)size, 0) != size) {
		snprintf(err, errsz, "pcapng header: cannot read it back");
		rte_pcapng_close(pc); /* closes mfd */
		return -EIO;
	}
	rte_pcapng_close(pc);
	/* count the interfaces before ours: every IDB after the section header */
	for (off = 0; off + 8 <= (size_t)size;) {
		uint32_t type, len;

		memcpy(&type, s->head + off, 4);
		memcpy(&len, s->head + off + 4, 4);
		if (len < 12 || off + len > (size_t)size)
			break;
		if (type == PCAPNG_IDB)
			s->if_id++;
		off += len;
	}
	if (off != (size_t)size) {
		snprintf(err, errsz, "pcapng header: unexpected layout from rte_pcapng_fdopen");
		return -EIO;
	}
	s->head_size = (size_t)size + idb_write(s->head + size, c);
	return 0;
}

/* --- the writer thread ------------------------------------------------------------------ */

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/*
 * Write the whole iovec. The output is non-blocking so that a stop or a shutdown is never
 * held up by a reader that does not read: wait for room in slices, giving up at an abort
 * or STOP_WRITE_GRACE_S after a stop. Returns 0 or -errno (-ECANCELED: given up).
 */
static int write_iov(struct dp_cap_session *s, struct iovec *iov, int cnt)
{
	time_t deadline = 0;

	while (cnt > 0) {
		ssize_t n = writev(s->fd, iov, cnt);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};

			if (atomic_load_explicit(&s->abort, memory_order_relaxed))
				return -ECANCELED;
			if (atomic_load_explicit(&s->stop, memory_order_relaxed)) {
				if (deadline == 0)
					deadline = time(NULL) + STOP_WRITE_GRACE_S;
				else if (time(NULL) >= deadline)
					return -ECANCELED;
			}
			poll(&pfd, 1, 100);
			continue;
		}
		if (n < 0)
			return -errno;
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* Write up to n copies (fewer if the count is reached); frees all n. */
static int write_copies(struct dp_cap_session *s, struct rte_mbuf **pkts, unsigned int n)
{
	struct iovec iov[WRITER_BATCH * 2];
	unsigned int take = n, batched = 0;
	int cnt = 0, rc = 0;

	if (s->count > 0 && s->count - s->written < take)
		take = (unsigned int)(s->count - s->written);
	for (unsigned int i = 0; i < take && rc == 0; i++) {
		/* a copy is one segment (its pool's buffers hold a whole one): a chain would only
		 * need more iovecs */
		if (pkts[i]->nb_segs > RTE_DIM(iov))
			continue;
		if (cnt + pkts[i]->nb_segs > (int)RTE_DIM(iov)) {
			rc = write_iov(s, iov, cnt);
			s->written += rc == 0 ? batched : 0;
			cnt = 0;
			batched = 0;
		}
		for (struct rte_mbuf *m = pkts[i]; m != NULL; m = m->next)
			iov[cnt++] = (struct iovec){rte_pktmbuf_mtod(m, void *),
						    rte_pktmbuf_data_len(m)};
		batched++;
	}
	if (rc == 0 && cnt > 0) {
		rc = write_iov(s, iov, cnt);
		s->written += rc == 0 ? batched : 0;
	}
	rte_pktmbuf_free_bulk(pkts, n);
	return rc;
}

static void sum_stats(const struct dp_cap_session *s, uint64_t *seen, uint64_t *matched,
		      uint64_t *dropped)
{
	*seen = *matched = *dropped = 0;
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++) {
		*seen += s->ws[i].seen;
		*matched += s->ws[i].matched;
		*dropped += s->ws[i].dropped;
	}
}

/* An Interface Statistics Block for our interface: what the point saw, what the filter
 * took, the copies lost, what was written. */
static void write_isb(struct dp_cap_session *s)
{
	uint8_t buf[256], *p = buf + 20;
	uint64_t seen, matched, dropped, now = wall_ns();
	uint32_t v32[2], type = PCAPNG_ISB;
	struct iovec iov;

	sum_stats(s, &seen, &matched, &dropped);
	memcpy(buf, &type, 4);
	memcpy(buf + 8, &s->if_id, 4);
	v32[0] = (uint32_t)(now >> 32);
	v32[1] = (uint32_t)now;
	memcpy(buf + 12, v32, 8);
	v32[0] = (uint32_t)(s->start_ns >> 32);
	v32[1] = (uint32_t)s->start_ns;
	p = opt_put(p, ISB_STARTTIME, v32, 8);
	v32[0] = (uint32_t)(now >> 32);
	v32[1] = (uint32_t)now;
	p = opt_put(p, ISB_ENDTIME, v32, 8);
	p = opt_put(p, ISB_IFRECV, &seen, 8);
	p = opt_put(p, ISB_IFDROP, &dropped, 8);
	p = opt_put(p, ISB_FILTERACCEPT, &matched, 8);
	p = opt_put(p, ISB_USRDELIV, &s->written, 8);
	p = opt_put(p, OPT_END, NULL, 0);
	iov = (struct iovec){buf, block_close(buf, p)};
	write_iov(s, &iov, 1);
}

/* The reader of a pipe or socket went away: poll reports it without a write. */
static bool output_gone(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = 0};

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLHUP));
}

static void *writer_main(void *arg)
{
	struct dp_cap_session *s = arg;
	const struct timespec nap = {.tv_nsec = WRITER_IDLE_NS};
	struct rte_mbuf *pkts[WRITER_BATCH];
	struct iovec iov = {s->head, s->head_size};
	enum dp_cap_end end = DP_CAP_END_STOPPED;
	unsigned int idle = 0;
	bool stopping = false;
	int rc;

	rc = write_iov(s, &iov, 1);
	while (rc == 0) {
		unsigned int n =
			rte_ring_sc_dequeue_burst(s->ring, (void **)pkts, WRITER_BATCH, NULL);

		if (n > 0) {
			idle = 0;
			rc = write_copies(s, pkts, n);
			if (rc == 0 && s->count > 0 && s->written >= s->count) {
				atomic_store_explicit(&s->done, true, memory_order_relaxed);
				end = DP_CAP_END_COUNT;
				break;
			}
			continue;
		}
		/* acquire: pairs with the release in dp_capture_stop, after which nothing more
		 * is enqueued; one more empty dequeue after seeing it and the ring is done */
		if (stopping)
			break;
		if (atomic_load_explicit(&s->stop, memory_order_acquire)) {
			stopping = true;
			continue;
		}
		if (++idle % 200 == 0 && output_gone(s->fd)) { /* every ~100 ms */
			rc = -EPIPE;
			break;
		}
		nanosleep(&nap, NULL);
	}
	if (rc == -ECANCELED) {
		end = DP_CAP_END_STOPPED;
	} else if (rc < 0) {
		end = DP_CAP_END_CLOSED;
		s->error = -rc;
	}
	if (rc == 0)
		write_isb(s);
	close(s->fd);
	s->fd = -1;
	atomic_store_explicit(&s->done, true, memory_order_relaxed);
	/* release: written, error and the counters are final before end is seen */
	atomic_store_explicit(&s->end, end, memory_order_release);
	if (s->notify_fd >= 0) {
		uint64_t one = 1;

		if (write(s->notify_fd, &one, sizeof(one)) < 0) {
			/* an eventfd only fails on overflow: it is already readable */
		}
	}
	return NULL;
}

/* --- sessions --------------------------------------------------------------------------- */

static void session_release(struct dp_cap_session *s)
{
	struct rte_mbuf *m;

	if (s->ring != NULL)
		while (rte_ring_dequeue(s->ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	rte_ring_free(s->ring);
	rte_mempool_free(s->mp);
	dp_filter_free(s->filter);
	if (s->fd >= 0)
		close(s->fd);
	free(s->head);
	rte_free(s);
}

static int conf_check(const struct dp_cap_conf *c, char *err, size_t errsz)
{
	if (c->points == 0 || c->points >= 1u << DP_CAP_POINTS) {
		snprintf(err, errsz, "no capture point");
		return -EINVAL;
	}
	if (c->ring_size == 0 || c->ring_size > 65536) {
		snprintf(err, errsz, "ring size %u is not 1-65536", c->ring_size);
		return -EINVAL;
	}
	if (c->fd < 0 || c->if_name == NULL || c->if_desc == NULL) {
		snprintf(err, errsz, "no output");
		return -EINVAL;
	}
	return 0;
}

/* rte_pcapng_copy sets up its TSC conversion (clock_gettime) on its first call: make that
 * call here, on the control thread, rather than in a worker. */
static void pcapng_warm_up(struct rte_mempool *mp)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp), *c = NULL;

	if (m != NULL && rte_pktmbuf_append(m, RTE_ETHER_MIN_LEN) != NULL)
		c = rte_pcapng_copy(0, 0, m, mp, RTE_ETHER_MIN_LEN, rte_rdtsc(),
				    RTE_PCAPNG_DIRECTION_UNKNOWN);
	rte_pktmbuf_free(c);
	rte_pktmbuf_free(m);
}

static int session_pool_ring(struct dp_cap_session *s, const struct dp_cap_conf *c, char *err,
			     size_t errsz)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int seq = cap_seq++;
	uint32_t room;

	s->copy_len =
		c->snaplen == 0 ? CAP_FRAME_MAX : RTE_MIN(c->snaplen, (uint32_t)CAP_FRAME_MAX);
	/* the EPB header goes in the headroom, its trailer after the data */
	room = RTE_PKTMBUF_HEADROOM + RTE_ALIGN(s->copy_len, 4) + CAP_TRAILER_ROOM;
	snprintf(name, sizeof(name), "cap%u", seq);
	/* the ring, the writer's batch, and a worker's burst in flight */
	s->mp = rte_pktmbuf_pool_create(name, c->ring_size + WRITER_BATCH + DP_BURST, 0, 0,
					(uint16_t)room, (int)rte_socket_id());
	if (s->mp == NULL) {
		snprintf(err, errsz, "capture buffers (%u of %u bytes): %s",
			 c->ring_size + WRITER_BATCH + DP_BURST, room, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	s->ring = rte_ring_create(name, c->ring_size, (int)rte_socket_id(),
				  RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (s->ring == NULL) {
		snprintf(err, errsz, "capture ring: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	pcapng_warm_up(s->mp);
	return 0;
}

struct dp_cap_session *dp_capture_start(const struct dp_cap_conf *c, char *err, size_t errsz)
{
	const struct cap_set *cur = atomic_load_explicit(&cap_current, memory_order_relaxed);
	struct dp_cap_session *s;
	int rc, flags;

	rc = conf_check(c, err, errsz);
	if (rc == 0 && cur != NULL && cur->n >= DP_CAP_SESSIONS_MAX) {
		snprintf(err, errsz, "%d capture sessions are running already",
			 DP_CAP_SESSIONS_MAX);
		rc = -ENOSPC;
	}
	s = rc == 0 ? rte_zmalloc("dp_capture", sizeof(*s), RTE_CACHE_LINE_SIZE) : NULL;
	if (s == NULL) {
		if (rc == 0) {
			snprintf(err, errsz, "out of memory");
			rc = -ENOMEM;
		}
		dp_filter_free(c->filter);
		if (c->fd >= 0)
			close(c->fd);
		errno = -rc;
		return NULL;
	}
	s->fd = c->fd;
	s->filter = c->filter;
	s->notify_fd = c->notify_fd;
	s->port_idx = c->port_idx;
	s->points = c->points;
	s->by_dst_mac = c->by_dst_mac;
	memcpy(s->dst_mac.addr_bytes, c->dst_mac, RTE_ETHER_ADDR_LEN);
	s->count = c->count;
	rc = session_pool_ring(s, c, err, errsz);
	if (rc == 0)
		rc = head_build(s, c, err, errsz);
	if (rc < 0)
		goto fail;
	/* the writer waits for room instead of blocking in a write (see write_iov) */
	flags = fcntl(s->fd, F_GETFL);
	if (flags >= 0)
		fcntl(s->fd, F_SETFL, flags | O_NONBLOCK);
	s->hz = rte_get_tsc_hz();
	s->start_ns = wall_ns();
	s->tsc0 = rte_rdtsc();
	s->ns0 = s->start_ns;
	rc = -pthread_create(&s->writer, NULL, writer_main, s);
	if (rc < 0) {
		snprintf(err, errsz, "writer thread: %s", strerror(-rc));
		goto fail;
	}
	pthread_setname_np(s->writer, "vpcsw-capture");
	rc = cap_set_change(s, true);
	if (rc < 0) {
		snprintf(err, errsz, "out of memory");
		atomic_store(&s->abort, true);
		atomic_store(&s->stop, true);
		pthread_join(s->writer, NULL);
		goto fail;
	}
	s->published = true;
	return s;
fail:
	session_release(s);
	errno = -rc;
	return NULL;
}

void dp_capture_stop(struct dp_cap_session *s)
{
	if (s->published) {
		if (cap_set_change(s, false) < 0) {
			/* no memory for a new set: keep it published but idle (dp_capture_free
			 * retries) */
			atomic_store_explicit(&s->done, true, memory_order_relaxed);
			rte_rcu_qsbr_synchronize(dp_qsbr, RTE_QSBR_THRID_INVALID);
		} else {
			s->published = false;
		}
	}
	/* release: the workers are done with it (grace period above) */
	atomic_store_explicit(&s->stop, true, memory_order_release);
}

bool dp_capture_ended(const struct dp_cap_session *s)
{
	return atomic_load_explicit(&s->end, memory_order_acquire) != DP_CAP_RUNNING;
}

void dp_capture_stats(const struct dp_cap_session *s, struct dp_cap_stats *out)
{
	/* acquire: pairs with the writer's release of end */
	out->end = atomic_load_explicit(&s->end, memory_order_acquire);
	sum_stats(s, &out->seen, &out->matched, &out->dropped);
	out->written = out->end != DP_CAP_RUNNING ? s->written : 0;
	out->error = out->end != DP_CAP_RUNNING ? s->error : 0;
}

void dp_capture_free(struct dp_cap_session *s)
{
	if (s == NULL)
		return;
	if (!dp_capture_ended(s))
		atomic_store_explicit(&s->abort, true, memory_order_relaxed);
	dp_capture_stop(s);
	pthread_join(s->writer, NULL);
	if (s->published) {
		/* a set without it could not be built above: try once more, it must go */
		while (cap_set_change(s, false) < 0)
			usleep(1000);
	}
	session_release(s);
}
