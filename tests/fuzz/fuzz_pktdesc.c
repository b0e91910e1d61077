/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the packet description language of `vpcctl trace` (control/pktdesc.c):
 * the input is the text an operator types. Besides crashes and out-of-bounds accesses, it
 * aborts on broken promises (see broken()): a refusal leaves a message and the buffer as it
 * was; a frame fits the room it was given, builds the same with exactly that room and is
 * refused with a byte less; the IPv4 headers it holds (outer, and inner behind a VXLAN or
 * Geneve tunnel) carry right lengths and checksums. Seeds: corpus_pktdesc/, plain text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktdesc.h"

#define ROOM   4096 /* a description can ask for 64k; most of those are refused for room */
#define GUARD  64
#define CANARY 0x5a

static uint8_t buf[ROOM + GUARD], again[ROOM + GUARD];

static void broken(const char *what, const char *desc)
{
	fprintf(stderr, "fuzz_pktdesc: broken promise: %s\n  desc: '%s'\n", what, desc);
	abort();
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint16_t sum(const uint8_t *p, size_t n)
{
	uint32_t acc = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		acc += rd16(p + i);
	while (acc > 0xffff)
		acc = (acc >> 16) + (acc & 0xffff);
	return (uint16_t)acc;
}

/*
 * Walk Ethernet, VLAN tags and IPv4 as a receiver would; check the IPv4 header's checksum and
 * total length (which always runs to the frame's end: pktdesc builds no trailers), and go on
 * through UDP to a tunnel's inner frame when the ports say VXLAN or Geneve.
 */
static void check_frame(const uint8_t *f, size_t n, const char *desc)
{
	size_t off = 0;

	for (int depth = 0; depth < 8; depth++) {
		uint16_t type;

		if (n - off < 14)
			return;
		type = rd16(f + off + 12);
		off += 14;
		while ((type == 0x8100 || type == 0x88a8) && n - off >= 4) {
			type = rd16(f + off + 2);
			off += 4;
		}
		if (type != 0x0800 || n - off < 20 || f[off] != 0x45)
			return;
		if (sum(f + off, 20) != 0xffff)
			broken("an IPv4 header checksum does not verify", desc);
		if (rd16(f + off + 2) != n - off)
			broken("an IPv4 total length is not the rest of the frame", desc);
		if (f[off + 9] != 17 || (rd16(f + off + 6) & 0x3fff) || n - off < 28 + 8)
			return;
		off += 20;
		if (rd16(f + off + 4) != n - off)
			broken("a UDP length is not the rest of the frame", desc);
		if (rd16(f + off + 2) != 4789 && rd16(f + off + 2) != 6081)
			return;
		off += 16; /* UDP, and VXLAN or an option-less Geneve header */
	}
}

/* One build with defaults d (or none), and the promises around it. */
static void run(const char *desc, const struct pktdesc_defaults *d)
{
	char err[96], err2[8];
	size_t errlen;
	int n, m;

	memset(buf, CANARY, sizeof(buf));
	memset(err, CANARY, sizeof(err));
	n = pktdesc_build(desc, d, buf, ROOM, err, sizeof(err));
	errlen = strnlen(err, sizeof(err));
	if (errlen == sizeof(err))
		broken("the message is not NUL-terminated within errsz", desc);
	for (size_t i = n > 0 ? (size_t)n : 0; i < sizeof(buf); i++)
		if (buf[i] != CANARY)
			broken(n > 0 ? "a byte written past the frame"
				     : "a byte written by a refusal",
			       desc);
	if (n < 0) {
		if (n != -1 || errlen == 0)
			broken("a refusal without -1 and a message", desc);
		/* A small message buffer truncates, never overflows. */
		memset(err2, CANARY, sizeof(err2));
		if (pktdesc_build(desc, d, buf, ROOM, err2, sizeof(err2)) != -1 ||
		    strnlen(err2, sizeof(err2)) == sizeof(err2) || strncmp(err, err2, 7) != 0)
			broken("a refusal changed with a smaller message buffer", desc);
		return;
	}
	if (n == 0 || (size_t)n > ROOM)
		broken("a frame of no bytes or more than the room", desc);
	/* A given EtherType or protocol, or raw bytes, can make a payload look like an IPv4
	 * header the builder did not write: the walk is for frames whose headers are its own. */
	if (!strstr(desc, "type") && !strstr(desc, "proto") && !strstr(desc, "hex"))
		check_frame(buf, (size_t)n, desc);

	/* Exactly the room it needs: the same bytes. A byte less: refused, nothing written. */
	memset(again, CANARY, sizeof(again));
	m = pktdesc_build(desc, d, again, (size_t)n, err, sizeof(err));
	if (m != n || memcmp(again, buf, (size_t)n) != 0)
		broken("the frame changed with exactly its size as room", desc);
	memset(again, CANARY, sizeof(again));
	if (pktdesc_build(desc, d, again, (size_t)n - 1, err, sizeof(err)) != -1)
		broken("a frame built in a byte less than its size", desc);
	for (size_t i = 0; i < sizeof(again); i++)
		if (again[i] != CANARY)
			broken("a byte written when the frame did not fit", desc);
}

/* The description with a VM port's defaults, then with none. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pktdesc_defaults d = {
		.src_mac = {0x52, 0x54, 0, 0, 0, 1},
		.dst_mac = {0x52, 0x54, 0, 0, 0, 2},
		.have_src_mac = true,
		.have_dst_mac = true,
		.src_ip4 = 0x0100000a,
		.have_src_ip4 = true,
		.src_ip6 = {0xfd, [15] = 1},
		.have_src_ip6 = true,
	};
	char desc[1024];

	if (size >= sizeof(desc))
		return 0;
	memcpy(desc, data, size);
	desc[size] = '\0';
	run(desc, &d);
	run(desc, NULL);
	return 0;
}
