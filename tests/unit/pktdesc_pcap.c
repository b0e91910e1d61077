/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helper for pktdesc_tshark.sh: builds each description given on the command line with
 * pktdesc_build and writes the frames, in order, to a classic pcap file, so that tshark (an
 * independent decoder) can check the bytes. Defaults as a VM port would give them:
 * 52:54:00:00:00:01 -> 52:54:00:00:00:02, 10.0.0.1, fd00::1.
 *
 *   pktdesc_pcap OUT.pcap DESC...
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "pktdesc.h"

static void put_le32(FILE *f, uint32_t x)
{
	uint8_t b[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)};

	fwrite(b, 1, sizeof(b), f);
}

static void put_le16(FILE *f, uint16_t x)
{
	uint8_t b[2] = {(uint8_t)x, (uint8_t)(x >> 8)};

	fwrite(b, 1, sizeof(b), f);
}

int main(int argc, char **argv)
{
	static uint8_t frame[65536 * 2];
	struct pktdesc_defaults d = {
		.src_mac = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01},
		.dst_mac = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02},
		.have_src_mac = true,
		.have_dst_mac = true,
		.have_src_ip4 = true,
		.src_ip6 = {0xfd, [15] = 1},
		.have_src_ip6 = true,
	};
	char err[256];
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OUT.pcap DESC...\n", argv[0]);
		return 2;
	}
	inet_pton(AF_INET, "10.0.0.1", &d.src_ip4);
	f = fopen(argv[1], "wb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	put_le32(f, 0xa1b2c3d4); /* classic pcap, microseconds */
	put_le16(f, 2);
	put_le16(f, 4);
	put_le32(f, 0);
	put_le32(f, 0);
	put_le32(f, sizeof(frame));
	put_le32(f, 1); /* Ethernet */
	for (int i = 2; i < argc; i++) {
		int n = pktdesc_build(argv[i], &d, frame, sizeof(frame), err, sizeof(err));

		if (n < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], err);
			fclose(f);
			return 1;
		}
		put_le32(f, (uint32_t)i);
		put_le32(f, 0);
		put_le32(f, (uint32_t)n);
		put_le32(f, (uint32_t)n);
		fwrite(frame, 1, (size_t)n, f);
	}
	return fclose(f) == 0 ? 0 : 1;
}
