/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of vhost/vu_check.c, the judge of vhost-user front-end messages: each hole of
 * DPDK 22.11's library that the relay closes (a region or log larger than its file, a log
 * offset, features never negotiated, descriptors where none belong, oversize or truncated
 * payloads), and that what QEMU and virtio_user really send passes. Real memfd files stand
 * behind the descriptors: their size is what fstat says. Pure: no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vu_check.h"

#define MIB (1ull << 20)

static char why[256];

static int memfd(uint64_t size)
{
	int fd = memfd_create("vu_check_test", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	return fd;
}

static struct vu_hdr hdr(uint32_t request, uint32_t size)
{
	return (struct vu_hdr){.request = request, .flags = 1, .size = size};
}

/* A memory table of n regions, each size bytes at file offset offset. */
static uint32_t mem_table(uint8_t *p, uint32_t n, uint64_t size, uint64_t offset)
{
	memset(p, 0, VU_PAYLOAD_MAX);
	memcpy(p, &n, sizeof(n));
	for (uint32_t i = 0; i < n && i < VU_REGIONS_MAX; i++) {
		uint64_t r[4] = {i * size, size, 0x7f0000000000ull + i * size, offset};

		memcpy(p + 8 + i * sizeof(r), r, sizeof(r));
	}
	return 8 + (n < VU_REGIONS_MAX ? n : VU_REGIONS_MAX) * 32;
}

static int check(struct vu_conn *c, uint32_t request, const uint8_t *payload, uint32_t size,
		 const int *fds, unsigned int n_fds)
{
	struct vu_hdr h = hdr(request, size);

	why[0] = '\0';
	return vu_check(c, &h, payload, fds, n_fds, why, sizeof(why));
}

/* The library offers every feature it has; the front end is offered what vu_check knows. */
static void negotiate(struct vu_conn *c, uint64_t want)
{
	uint64_t offered = ~0ull;
	struct vu_hdr h = {.request = VU_GET_PROTOCOL_FEATURES, .flags = 1 | 4, .size = 8};
	uint8_t p[8];

	memcpy(p, &offered, 8);
	vu_reply(c, &h, p);
	memcpy(&offered, p, 8);
	assert_int_equal(offered, VU_PROTOCOL_FEATURES_ALLOWED);
	memcpy(p, &want, 8);
	assert_int_equal(check(c, VU_SET_PROTOCOL_FEATURES, p, 8, NULL, 0), 0);
}

static void test_mem_table_whole_file_passes(void **state)
{
	struct vu_conn c;
	uint8_t p[VU_PAYLOAD_MAX];
	int fds[2] = {memfd(4 * MIB), memfd(8 * MIB)};
	uint32_t size = mem_table(p, 2, 4 * MIB, 0);

	(void)state;
	vu_conn_init(&c);
	assert_int_equal(check(&c, VU_SET_MEM_TABLE, p, size, fds, 2), 0);
	/* the second region from 4 MiB into its 8 MiB file: still inside */
	memcpy(p + 8 + 32 + 24, &(uint64_t){4 * MIB}, 8);
	assert_int_equal(check(&c, VU_SET_MEM_TABLE, p, size, fds, 2), 0);
	close(fds[0]);
	close(fds[1]);
}

static void test_mem_table_region_beyond_its_file(void **state)
{
	struct vu_conn c;
	uint8_t p[VU_PAYLOAD_MAX];
	int fd = memfd(4 * MIB);
	uint32_t size = mem_table(p, 1, 8 * MIB, 0);

	(void)state;
	vu_conn_init(&c);
	assert_int_equal(check(&c, VU_SET_MEM_TABLE, p, size, &fd, 1), -1);
	assert_string_equal(why, "SET_MEM_TABLE region 0: 8388608 bytes at offset 0 but its file "
				 "has 4194304");
	mem_table(p, 1, 4 * MIB, 4096); /* right size, shifted past the end */
	assert_int_equal(check(&c, VU_SET_MEM_TABLE, p, size, &fd, 1), -1);
	mem_table(p, 1, 16, UINT64_MAX - 8); /* offset + size wraps */
	assert_int_equal(check(&c, VU_SET_MEM_TABLE, p, size, &fd, 1), -1);
	assert_non_null(strstr(why, "overflows"));
	mem_table(p, 1, 0, 0);
	assert_int_equal(check(&c, VU_SET_MEM_TABLE, p, size, &fd, 1), -1);
	assert_non_null(strstr(why, "size 0"));
	close(fd);
}

static void test_mem_table_counts(void **state)
{
	struct vu_conn c;
	uint8_t p[VU_PAYLOAD_MAX];
	int fds[VU_FDS_MAX];
	uint32_t size;

	(void)state;
	for (unsigned int i = 0; i < VU_FDS_MAX; i++)
		fds[i] = memfd(MIB);
	vu_conn_init(&c);
	size = mem_table(p, 1, MIB, 0);
	assert_int_equal(check(&c, VU_SET_MEM_TABLE, p, size, fds, 2), -1);
	assert_string_equal(why, "SET_MEM_TABLE: 2 file descriptors (takes 1)");
	size = mem_table(p, 0, MIB, 0);
	assert_int_equal(check(&c, VU_SET_MEM_TABLE, p, size, fds, 0), -1);
	assert_non_null(strstr(why, "0 regions"));
	size = mem_table(p, 9, MIB, 0);
	assert_int_equal(check(&c, VU_SET_MEM_TABLE, p, size, fds, 8), -1);
	/* 3 regions announced, the payload holds 1 */
	mem_table(p, 3, MIB, 0);
	assert_int_equal(check(&c, VU_SET_MEM_TABLE, p, 8 + 32, fds, 3), -1);
	assert_non_null(strstr(why, "3 regions in a payload of 40 bytes"));
	size = mem_table(p, 8, MIB, 0);
	assert_int_equal(check(&c, VU_SET_MEM_TABLE, p, size, fds, 8), 0);
	for (unsigned int i = 0; i < VU_FDS_MAX; i++)
		close(fds[i]);
}

static void test_mem_table_needs_a_file(void **state)
{
	struct vu_conn c;
	uint8_t p[VU_PAYLOAD_MAX];
	int pipefd[2];
	uint32_t size = mem_table(p, 1, MIB, 0);

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	vu_conn_init(&c);
	assert_int_equal(check(&c, VU_SET_MEM_TABLE, p, size, pipefd, 1), -1);
	assert_non_null(strstr(why, "not a mappable file"));
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_log_base(void **state)
{
	struct vu_conn c;
	uint64_t log[2] = {4096, 0};
	int fd = memfd(4096);

	(void)state;
	vu_conn_init(&c);
	assert_int_equal(check(&c, VU_SET_LOG_BASE, (uint8_t *)log, 16, &fd, 1), -1);
	assert_string_equal(why, "SET_LOG_BASE: the shared log was not negotiated");
	negotiate(&c, 1ull << VU_PF_LOG_SHMFD);
	assert_int_equal(check(&c, VU_SET_LOG_BASE, (uint8_t *)log, 16, &fd, 1), 0);
	log[1] = 4096; /* an offset: the library would add it twice */
	assert_int_equal(check(&c, VU_SET_LOG_BASE, (uint8_t *)log, 16, &fd, 1), -1);
	assert_string_equal(why, "SET_LOG_BASE: offset 4096 (only 0 is served)");
	log[0] = MIB, log[1] = 0; /* more than its file */
	assert_int_equal(check(&c, VU_SET_LOG_BASE, (uint8_t *)log, 16, &fd, 1), -1);
	assert_non_null(strstr(why, "but its file has 4096"));
	log[0] = 2ull << 30;
	assert_int_equal(check(&c, VU_SET_LOG_BASE, (uint8_t *)log, 16, &fd, 1), -1);
	assert_non_null(strstr(why, "at most"));
	log[0] = 4096;
	assert_int_equal(check(&c, VU_SET_LOG_BASE, (uint8_t *)log, 16, NULL, 0), -1);
	close(fd);
}

static void test_protocol_features_masked(void **state)
{
	struct vu_conn c;
	uint64_t set = (1ull << VU_PF_MQ) | (1ull << 5); /* the back-end request channel */
	uint8_t p[8];

	(void)state;
	vu_conn_init(&c);
	memcpy(p, &set, 8);
	/* nothing offered yet: nothing may be set */
	assert_int_equal(check(&c, VU_SET_PROTOCOL_FEATURES, p, 8, NULL, 0), -1);
	negotiate(&c, 1ull << VU_PF_MQ);
	assert_int_equal(check(&c, VU_SET_PROTOCOL_FEATURES, p, 8, NULL, 0), -1);
	assert_non_null(strstr(why, "sets features never offered"));
}

static void test_descriptors_where_none_belong(void **state)
{
	struct vu_conn c;
	uint64_t u64 = 0;
	int fd = memfd(4096);

	(void)state;
	vu_conn_init(&c);
	assert_int_equal(check(&c, VU_GET_FEATURES, NULL, 0, &fd, 1), -1);
	assert_string_equal(why, "GET_FEATURES: 1 file descriptors (takes 0)");
	assert_int_equal(check(&c, VU_GET_FEATURES, NULL, 0, NULL, 0), 0);
	/* kick and call: one descriptor, or none with the no-fd flag */
	assert_int_equal(check(&c, VU_SET_VRING_KICK, (uint8_t *)&u64, 8, &fd, 1), 0);
	assert_int_equal(check(&c, VU_SET_VRING_CALL, (uint8_t *)&u64, 8, NULL, 0), -1);
	u64 = 0x100 | 1;
	assert_int_equal(check(&c, VU_SET_VRING_CALL, (uint8_t *)&u64, 8, NULL, 0), 0);
	assert_int_equal(check(&c, VU_SET_VRING_CALL, (uint8_t *)&u64, 8, &fd, 1), -1);
	/* more than any message takes (the relay counts them as one too many) */
	assert_int_equal(check(&c, VU_SET_FEATURES, (uint8_t *)&u64, 8, NULL, VU_FDS_MAX + 1), -1);
	close(fd);
}

static void test_headers(void **state)
{
	struct vu_hdr h = hdr(VU_GET_FEATURES, 0);

	(void)state;
	assert_int_equal(vu_check_hdr(&h, why, sizeof(why)), 0);
	h.flags = 2;
	assert_int_equal(vu_check_hdr(&h, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "protocol version 2"));
	h.flags = 1 | 4;
	assert_int_equal(vu_check_hdr(&h, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "a reply where a request belongs"));
	h = hdr(VU_SET_VRING_ADDR, 1u << 20);
	assert_int_equal(vu_check_hdr(&h, why, sizeof(why)), -1);
	assert_string_equal(why, "SET_VRING_ADDR: payload of 1048576 bytes (at most 264)");
	h = hdr(VU_SET_VRING_ADDR, 8);
	assert_int_equal(vu_check_hdr(&h, why, sizeof(why)), -1);
	assert_string_equal(why, "SET_VRING_ADDR: payload of 8 bytes (needs 40)");
	h = hdr(31, 24);
	assert_int_equal(vu_check_hdr(&h, why, sizeof(why)), -1);
	assert_string_equal(why, "GET_INFLIGHT_FD: not served by this switch");
	h = hdr(32, 24);
	assert_int_equal(vu_check_hdr(&h, why, sizeof(why)), -1);
	assert_string_equal(why, "SET_INFLIGHT_FD: not served by this switch");
	h = hdr(21, 8);
	assert_int_equal(vu_check_hdr(&h, why, sizeof(why)), -1);
	h = hdr(99, 0);
	assert_int_equal(vu_check_hdr(&h, why, sizeof(why)), -1);
	assert_string_equal(why, "request 99: not served by this switch");
	h = hdr(0, 0);
	assert_int_equal(vu_check_hdr(&h, why, sizeof(why)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_table_whole_file_passes),
		cmocka_unit_test(test_mem_table_region_beyond_its_file),
		cmocka_unit_test(test_mem_table_counts),
		cmocka_unit_test(test_mem_table_needs_a_file),
		cmocka_unit_test(test_log_base),
		cmocka_unit_test(test_protocol_features_masked),
		cmocka_unit_test(test_descriptors_where_none_belong),
		cmocka_unit_test(test_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
