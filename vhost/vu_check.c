/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user front-end messages, judged before rte_vhost sees them (vu_check.h). Each rule
 * closes a hole DPDK 22.11's library leaves open (docs/hostile-guests.md): a memory region
 * larger than its file (SIGBUS on the first descriptor into the missing part), a dirty log
 * with an offset (added twice by the library) or larger than its file, messages of features
 * never negotiated, descriptors on messages that take none.
 */
#include "vu_check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define VU_VERSION	1u
#define VU_VERSION_MASK 0x3u
#define VU_REPLY_FLAG	0x4u
#define VU_NOFD_FLAG	0x100u /* in the u64 of SET_VRING_KICK/CALL/ERR: no descriptor */

struct vu_region {
	uint64_t guest_phys_addr, memory_size, userspace_addr, mmap_offset;
};

static const struct {
	const char *name;
	uint32_t min_size; /* payload bytes the library reads */
} requests[VU_REQUEST_MAX] = {
	[VU_GET_FEATURES] = {"GET_FEATURES", 0},
	[VU_SET_FEATURES] = {"SET_FEATURES", 8},
	[VU_SET_OWNER] = {"SET_OWNER", 0},
	[VU_RESET_OWNER] = {"RESET_OWNER", 0},
	[VU_SET_MEM_TABLE] = {"SET_MEM_TABLE", 8},
	[VU_SET_LOG_BASE] = {"SET_LOG_BASE", 16},
	[VU_SET_LOG_FD] = {"SET_LOG_FD", 0},
	[VU_SET_VRING_NUM] = {"SET_VRING_NUM", 8},
	[VU_SET_VRING_ADDR] = {"SET_VRING_ADDR", 40},
	[VU_SET_VRING_BASE] = {"SET_VRING_BASE", 8},
	[VU_GET_VRING_BASE] = {"GET_VRING_BASE", 8},
	[VU_SET_VRING_KICK] = {"SET_VRING_KICK", 8},
	[VU_SET_VRING_CALL] = {"SET_VRING_CALL", 8},
	[VU_SET_VRING_ERR] = {"SET_VRING_ERR", 8},
	[VU_GET_PROTOCOL_FEATURES] = {"GET_PROTOCOL_FEATURES", 0},
	[VU_SET_PROTOCOL_FEATURES] = {"SET_PROTOCOL_FEATURES", 8},
	[VU_GET_QUEUE_NUM] = {"GET_QUEUE_NUM", 0},
	[VU_SET_VRING_ENABLE] = {"SET_VRING_ENABLE", 8},
	[VU_SEND_RARP] = {"SEND_RARP", 8},
	[VU_NET_SET_MTU] = {"NET_SET_MTU", 8},
	[VU_SET_STATUS] = {"SET_STATUS", 8},
	[VU_GET_STATUS] = {"GET_STATUS", 0},
};

/* Known to the specification but not served here: named in the refusal. */
static const char *const refused_names[VU_REQUEST_MAX] = {
	[21] = "SET_BACKEND_REQ_FD", [22] = "IOTLB_MSG", [24] = "GET_CONFIG",
	[25] = "SET_CONFIG", [26] = "CREATE_CRYPTO_SESSION", [27] = "CLOSE_CRYPTO_SESSION",
	[28] = "POSTCOPY_ADVISE", [29] = "POSTCOPY_LISTEN", [30] = "POSTCOPY_END",
	[31] = "GET_INFLIGHT_FD", [32] = "SET_INFLIGHT_FD", [33] = "GPU_SET_SOCKET",
	[34] = "RESET_DEVICE", [35] = "VRING_KICK", [36] = "GET_MAX_MEM_SLOTS",
	[37] = "ADD_MEM_REG", [38] = "REM_MEM_REG",
};

const char *vu_request_name(uint32_t request)
{
	static _Thread_local char buf[24];

	if (request < VU_REQUEST_MAX && requests[request].name != NULL)
		return requests[request].name;
	if (request < VU_REQUEST_MAX && refused_names[request] != NULL)
		return refused_names[request];
	snprintf(buf, sizeof(buf), "request %u", request);
	return buf;
}

__attribute__((format(printf, 3, 4))) static int refuse(char *why, size_t whysz, const char *fmt,
							 ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	return -1;
}

static int fstat_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	/* memfd and hugetlbfs files are regular; a pipe or socket has no pages to map */
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	*size = (uint64_t)st.st_size;
	return 0;
}

void vu_conn_init(struct vu_conn *c)
{
	*c = (struct vu_conn){.file_size = fstat_size};
}

int vu_check_hdr(const struct vu_hdr *h, char *why, size_t whysz)
{
	const char *name = vu_request_name(h->request);

	if ((h->flags & VU_VERSION_MASK) != VU_VERSION)
		return refuse(why, whysz, "%s: protocol version %u (only 1 exists)", name,
			      h->flags & VU_VERSION_MASK);
	if (h->flags & VU_REPLY_FLAG)
		return refuse(why, whysz, "%s: a reply where a request belongs", name);
	if (h->request >= VU_REQUEST_MAX || requests[h->request].name == NULL)
		return refuse(why, whysz, "%s: not served by this switch", name);
	if (h->size > VU_PAYLOAD_MAX)
		return refuse(why, whysz, "%s: payload of %u bytes (at most %u)", name, h->size,
			      VU_PAYLOAD_MAX);
	if (h->size < requests[h->request].min_size)
		return refuse(why, whysz, "%s: payload of %u bytes (needs %u)", name, h->size,
			      requests[h->request].min_size);
	return 0;
}

static unsigned int fds_expected(const struct vu_hdr *h, const uint8_t *payload)
{
	uint64_t u64;
	uint32_t n;

	switch (h->request) {
	case VU_SET_MEM_TABLE:
		memcpy(&n, payload, sizeof(n));
		return n;
	case VU_SET_LOG_BASE:
	case VU_SET_LOG_FD:
		return 1;
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		memcpy(&u64, payload, sizeof(u64));
		return (u64 & VU_NOFD_FLAG) ? 0 : 1;
	default:
		return 0;
	}
}

/* A [offset, offset + size) window of the file behind fd: inside it, or a refusal. */
static int check_window(struct vu_conn *c, int fd, uint64_t offset, uint64_t size,
			const char *what, char *why, size_t whysz)
{
	uint64_t file = 0;
	int rc;

	if (size == 0)
		return refuse(why, whysz, "%s: size 0", what);
	if (offset + size < offset)
		return refuse(why, whysz, "%s: offset %llu + size %llu overflows", what,
			      (unsigned long long)offset, (unsigned long long)size);
	rc = c->file_size(fd, &file);
	if (rc < 0)
		return refuse(why, whysz, "%s: its descriptor is not a mappable file (%s)", what,
			      strerror(-rc));
	if (offset + size > file)
		return refuse(why, whysz, "%s: %llu bytes at offset %llu but its file has %llu",
			      what, (unsigned long long)size, (unsigned long long)offset,
			      (unsigned long long)file);
	return 0;
}

static int check_mem_table(struct vu_conn *c, const struct vu_hdr *h, const uint8_t *payload,
			   const int *fds, char *why, size_t whysz)
{
	uint32_t n;
	char what[48];

	memcpy(&n, payload, sizeof(n));
	if (n == 0 || n > VU_REGIONS_MAX)
		return refuse(why, whysz, "SET_MEM_TABLE: %u regions (1 to %u)", n, VU_REGIONS_MAX);
	if (h->size < 8 + n * sizeof(struct vu_region))
		return refuse(why, whysz, "SET_MEM_TABLE: %u regions in a payload of %u bytes", n,
			      h->size);
	for (uint32_t i = 0; i < n; i++) {
		struct vu_region r;

		memcpy(&r, payload + 8 + i * sizeof(r), sizeof(r));
		snprintf(what, sizeof(what), "SET_MEM_TABLE region %u", i);
		if (r.guest_phys_addr + r.memory_size < r.guest_phys_addr ||
		    r.userspace_addr + r.memory_size < r.userspace_addr)
			return refuse(why, whysz, "%s: its addresses overflow", what);
		if (check_window(c, fds[i], r.mmap_offset, r.memory_size, what, why, whysz) < 0)
			return -1;
	}
	return 0;
}

static int check_log_base(struct vu_conn *c, const uint8_t *payload, const int *fds, char *why,
			  size_t whysz)
{
	uint64_t size, offset;

	if (!(c->pf & (1ull << VU_PF_LOG_SHMFD)))
		return refuse(why, whysz, "SET_LOG_BASE: the shared log was not negotiated");
	memcpy(&size, payload, sizeof(size));
	memcpy(&offset, payload + 8, sizeof(offset));
	/* the library maps the file at 0 and then adds the offset again */
	if (offset != 0)
		return refuse(why, whysz, "SET_LOG_BASE: offset %llu (only 0 is served)",
			      (unsigned long long)offset);
	if (size > VU_LOG_SIZE_MAX)
		return refuse(why, whysz, "SET_LOG_BASE: %llu bytes (at most %llu)",
			      (unsigned long long)size, (unsigned long long)VU_LOG_SIZE_MAX);
	return check_window(c, fds[0], 0, size, "SET_LOG_BASE", why, whysz);
}

int vu_check(struct vu_conn *c, const struct vu_hdr *h, const uint8_t *payload, const int *fds,
	     unsigned int n_fds, char *why, size_t whysz)
{
	const char *name = vu_request_name(h->request);
	unsigned int want;
	uint64_t u64;

	if (vu_check_hdr(h, why, whysz) < 0)
		return -1;
	want = fds_expected(h, payload);
	if (n_fds != want)
		return refuse(why, whysz, "%s: %u file descriptors (takes %u)", name, n_fds, want);
	switch (h->request) {
	case VU_SET_MEM_TABLE:
		return check_mem_table(c, h, payload, fds, why, whysz);
	case VU_SET_LOG_BASE:
		return check_log_base(c, payload, fds, why, whysz);
	case VU_SET_PROTOCOL_FEATURES:
		memcpy(&u64, payload, sizeof(u64));
		if (u64 & ~c->offered_pf)
			return refuse(why, whysz,
				      "SET_PROTOCOL_FEATURES: 0x%llx sets features never offered "
				      "(offered 0x%llx)",
				      (unsigned long long)u64, (unsigned long long)c->offered_pf);
		c->pf = u64;
		return 0;
	default:
		return 0;
	}
}

void vu_reply(struct vu_conn *c, const struct vu_hdr *h, uint8_t *payload)
{
	uint64_t u64;

	if (h->request != VU_GET_PROTOCOL_FEATURES || h->size < sizeof(u64))
		return;
	memcpy(&u64, payload, sizeof(u64));
	u64 &= VU_PROTOCOL_FEATURES_ALLOWED;
	memcpy(payload, &u64, sizeof(u64));
	c->offered_pf = u64;
	c->pf_known = true;
}
