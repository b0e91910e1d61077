/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer over vhost/vu_check.c: sequences of front-end messages as the relay hands them
 * over (header, payload, descriptor count), with the files behind the descriptors of
 * fuzzer-chosen sizes and the library's feature offer in between. The judge must never read
 * past a payload, never accept a memory table or log that leaves its file, never accept a
 * protocol feature it did not offer, and always give a reason when it refuses.
 *
 * Input: a list of records: [kind 1][n_fds 1][sizes 8 x u64][hdr 12][payload hdr.size]
 * (kind odd: a GET_PROTOCOL_FEATURES reply whose u64 is the first size).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vu_check.h"

static uint64_t sizes[VU_FDS_MAX];

/* descriptor i stands for a file of sizes[i] bytes */
static int fake_size(int fd, uint64_t *size)
{
	if (fd < 0 || fd >= (int)VU_FDS_MAX)
		abort(); /* the judge used a descriptor it was not given */
	*size = sizes[fd];
	return 0;
}

static void check_accepted(const struct vu_hdr *h, const uint8_t *payload, unsigned int n_fds)
{
	uint32_t n;

	if (h->request != VU_SET_MEM_TABLE)
		return;
	memcpy(&n, payload, sizeof(n));
	if (n == 0 || n > VU_REGIONS_MAX || n != n_fds || h->size < 8 + 32 * n)
		abort();
	for (uint32_t i = 0; i < n; i++) {
		uint64_t r[4];

		memcpy(r, payload + 8 + 32 * i, sizeof(r));
		if (r[1] == 0 || r[3] + r[1] < r[3] || r[3] + r[1] > sizes[i])
			abort(); /* a region that leaves its file got through */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const int fds[VU_FDS_MAX] = {0, 1, 2, 3, 4, 5, 6, 7};
	struct vu_conn c;
	char why[256];

	vu_conn_init(&c);
	c.file_size = fake_size;
	while (len >= 2 + sizeof(sizes) + VU_HDR_SIZE) {
		uint8_t kind = data[0], n_fds = data[1] % (VU_FDS_MAX + 2);
		struct vu_hdr h;
		uint8_t *payload;
		int rc;

		memcpy(sizes, data + 2, sizeof(sizes));
		memcpy(&h, data + 2 + sizeof(sizes), VU_HDR_SIZE);
		data += 2 + sizeof(sizes) + VU_HDR_SIZE;
		len -= 2 + sizeof(sizes) + VU_HDR_SIZE;
		if (kind & 1) {
			uint8_t reply[8];
			struct vu_hdr r = {.request = VU_GET_PROTOCOL_FEATURES, .flags = 5, .size = 8};

			memcpy(reply, &sizes[0], 8);
			vu_reply(&c, &r, reply);
			if (c.offered_pf & ~VU_PROTOCOL_FEATURES_ALLOWED)
				abort();
		}
		/* the relay never reads a payload its header refuses */
		if (vu_check_hdr(&h, why, sizeof(why)) < 0) {
			if (why[0] == '\0')
				abort();
			continue;
		}
		if (h.size > len)
			return 0;
		/* an exact copy: ASan sees any read past the payload */
		payload = malloc(h.size > 0 ? h.size : 1);
		memcpy(payload, data, h.size);
		why[0] = '\0';
		rc = vu_check(&c, &h, payload, fds, n_fds, why, sizeof(why));
		if (rc < 0 && why[0] == '\0')
			abort();
		if (rc == 0)
			check_accepted(&h, payload, n_fds);
		/* set features: only offered ones (a later, smaller offer is the fuzzer's own) */
		if (rc == 0 && h.request == VU_SET_PROTOCOL_FEATURES && (c.pf & ~c.offered_pf))
			abort();
		free(payload);
		data += h.size;
		len -= h.size;
	}
	return 0;
}
