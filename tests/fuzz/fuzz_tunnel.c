/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over what the underlay sends the switch: the input is the bytes after the
 * outer UDP header, fed whole to vxlan_hdr_parse and geneve_hdr_parse (one critical option
 * known: class 0x0102 type 0x80). Besides crashes and reads past the input, it aborts on
 * broken promises (see broken()): an accepted header must fit the input, and its VNI must
 * survive a write and a reparse.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geneve.h"
#include "vxlan.h"

#define KNOWN_CLS  0x0102
#define KNOWN_TYPE 0x80

static void broken(const char *what)
{
	fprintf(stderr, "fuzz_tunnel: broken promise: %s\n", what);
	abort();
}

static int known(uint16_t cls, uint8_t type)
{
	return cls == KNOWN_CLS && type == KNOWN_TYPE;
}

static void run_vxlan(const uint8_t *data, size_t size)
{
	uint8_t hdr[VXLAN_HDR_SIZE];
	uint32_t vni, back;
	enum vxlan_parse_result rc = vxlan_hdr_parse(data, size, &vni);

	if (rc == VXLAN_TRUNCATED && size >= VXLAN_HDR_SIZE)
		broken("vxlan: a whole header reported truncated");
	if (rc != VXLAN_OK)
		return;
	if (size < VXLAN_HDR_SIZE)
		broken("vxlan: accepted fewer than 8 bytes");
	if (vni >= 1u << 24)
		broken("vxlan: VNI wider than 24 bits");
	vxlan_hdr_write(hdr, vni);
	if (vxlan_hdr_parse(hdr, sizeof(hdr), &back) != VXLAN_OK || back != vni)
		broken("vxlan: VNI changed through write and parse");
}

static void run_geneve(const uint8_t *data, size_t size)
{
	uint8_t hdr[GENEVE_HDR_SIZE];
	size_t hdr_size, back_size;
	uint32_t vni, back;
	enum geneve_parse_result rc = geneve_hdr_parse(data, size, &vni, &hdr_size, known);

	if (rc != GENEVE_OK)
		return;
	if (hdr_size > size)
		broken("geneve: header larger than the input");
	if (hdr_size < GENEVE_HDR_SIZE || hdr_size > GENEVE_HDR_SIZE + GENEVE_OPTS_MAX_SIZE)
		broken("geneve: header size out of range");
	if (hdr_size % 4 != 0)
		broken("geneve: header size not a multiple of 4");
	if (vni >= 1u << 24)
		broken("geneve: VNI wider than 24 bits");
	if (geneve_hdr_write(hdr, vni, NULL, 0) != sizeof(hdr))
		broken("geneve: write without options is not 8 bytes");
	if (geneve_hdr_parse(hdr, sizeof(hdr), &back, &back_size, known) != GENEVE_OK ||
	    back != vni || back_size != sizeof(hdr))
		broken("geneve: VNI changed through write and parse");
	/* The accepted header again, with nothing after it: it is all the parser needs. */
	if (geneve_hdr_parse(data, hdr_size, &back, &back_size, known) != GENEVE_OK ||
	    back != vni || back_size != hdr_size)
		broken("geneve: accepted header refused without its payload");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run_vxlan(data, size);
	run_geneve(data, size);
	return 0;
}
