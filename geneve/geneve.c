/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Geneve header and its option walk (RFC 8926 section 3): written into encap templates,
 * checked on every received Geneve packet (see geneve.h). Byte-wise access throughout, so
 * the header needs no alignment inside the packet.
 */
#include "geneve.h"

#include <string.h>

/* Fixed header, byte 0: Ver (2 bits) | Opt Len (6 bits, 4-byte words). */
#define GENEVE_VER_SHIFT   6
#define GENEVE_OPTLEN_MASK 0x3f
/* Byte 1: O | C | Rsvd (6 bits). */
#define GENEVE_FLAG_O 0x80
#define GENEVE_FLAG_C 0x40

/* Option header: Class (16) | Type (8) | R (3) | Length (5 bits, data in 4-byte words). */
#define GENEVE_OPT_HDR_SIZE	 4
#define GENEVE_OPT_TYPE_CRITICAL 0x80
#define GENEVE_OPT_LEN_MASK	 0x1f

size_t geneve_hdr_size(const struct geneve_opt *opts, unsigned int n_opts)
{
	size_t size = GENEVE_HDR_SIZE;

	for (unsigned int i = 0; i < n_opts; i++)
		size += GENEVE_OPT_HDR_SIZE + opts[i].len;
	return size;
}

size_t geneve_hdr_write(uint8_t *p, uint32_t vni, const struct geneve_opt *opts,
			unsigned int n_opts)
{
	size_t size = GENEVE_HDR_SIZE;
	uint8_t flags = 0;

	for (unsigned int i = 0; i < n_opts; i++) {
		const struct geneve_opt *o = &opts[i];
		uint8_t *q = p + size;

		q[0] = (uint8_t)(o->cls >> 8);
		q[1] = (uint8_t)o->cls;
		q[2] = o->type;
		q[3] = (uint8_t)((o->len / 4) & GENEVE_OPT_LEN_MASK);
		if (o->len > 0)
			memcpy(q + GENEVE_OPT_HDR_SIZE, o->data, o->len);
		if (o->type & GENEVE_OPT_TYPE_CRITICAL)
			flags |= GENEVE_FLAG_C;
		size += GENEVE_OPT_HDR_SIZE + o->len;
	}
	p[0] = (uint8_t)(((size - GENEVE_HDR_SIZE) / 4) & GENEVE_OPTLEN_MASK); /* version 0 */
	p[1] = flags;
	p[2] = (uint8_t)(GENEVE_PROTO_ETHERNET >> 8);
	p[3] = (uint8_t)GENEVE_PROTO_ETHERNET;
	p[4] = (uint8_t)(vni >> 16);
	p[5] = (uint8_t)(vni >> 8);
	p[6] = (uint8_t)vni;
	p[7] = 0;
	return size;
}

/*
 * Walk the options area exactly. Every option is judged on its own critical bit: RFC 8926
 * makes the C flag a hint only, and trusting a clear C to skip the walk would let a sender
 * slip a critical option past us. Unknown non-critical options are skipped, as the RFC asks.
 */
static enum geneve_parse_result opts_check(const uint8_t *opts, size_t size,
					   int (*known)(uint16_t cls, uint8_t type))
{
	size_t off = 0;

	while (off < size) {
		const uint8_t *o = opts + off;
		size_t data_size;
		uint16_t cls;

		/* A partial option header cannot happen while Opt Len and every option length
		 * count whole words; kept so the walk never depends on that arithmetic. */
		if (size - off < GENEVE_OPT_HDR_SIZE)
			return GENEVE_BAD_OPTION;
		/* the R bits above the length are reserved: ignored on receipt */
		data_size = (size_t)(o[3] & GENEVE_OPT_LEN_MASK) * 4;
		if (size - off - GENEVE_OPT_HDR_SIZE < data_size)
			return GENEVE_BAD_OPTION;
		cls = (uint16_t)(o[0] << 8 | o[1]);
		if ((o[2] & GENEVE_OPT_TYPE_CRITICAL) && (known == NULL || !known(cls, o[2])))
			return GENEVE_CRITICAL_OPTION;
		off += GENEVE_OPT_HDR_SIZE + data_size;
	}
	return GENEVE_OK;
}

enum geneve_parse_result geneve_hdr_parse(const uint8_t *p, size_t len, uint32_t *vni,
					  size_t *hdr_size,
					  int (*known)(uint16_t cls, uint8_t type))
{
	enum geneve_parse_result rc;
	size_t opts_size;

	if (len < GENEVE_HDR_SIZE)
		return GENEVE_TRUNCATED;
	/* RFC 8926: a packet with an unknown version MUST be dropped; its layout is unknown,
	 * so nothing after byte 0 is read first. */
	if (p[0] >> GENEVE_VER_SHIFT != 0)
		return GENEVE_BAD_VERSION;
	opts_size = (size_t)(p[0] & GENEVE_OPTLEN_MASK) * 4;
	if (len - GENEVE_HDR_SIZE < opts_size)
		return GENEVE_TRUNCATED;
	/* A control message is for the tunnel endpoint itself, never for a tenant port. */
	if (p[1] & GENEVE_FLAG_O)
		return GENEVE_OAM;
	if ((p[2] << 8 | p[3]) != GENEVE_PROTO_ETHERNET)
		return GENEVE_NOT_ETHERNET;
	rc = opts_check(p + GENEVE_HDR_SIZE, opts_size, known);
	if (rc != GENEVE_OK)
		return rc;
	*vni = (uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 | p[6];
	*hdr_size = GENEVE_HDR_SIZE + opts_size;
	return GENEVE_OK;
}
