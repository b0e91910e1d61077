/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Geneve header and its options (RFC 8926): written into encap templates, walked and
 * judged on receive. Pure byte-buffer functions, no DPDK (unit-tested and fuzzed without
 * EAL); the dataplane owns the outer Ethernet/IP/UDP headers.
 */
#ifndef VPCSW_GENEVE_H
#define VPCSW_GENEVE_H

#include <stddef.h>
#include <stdint.h>

#define GENEVE_HDR_SIZE 8         /* fixed part */
#define GENEVE_OPTS_MAX_SIZE 252  /* 6-bit option length in 4-byte words */
#define GENEVE_PORT_DEFAULT 6081
#define GENEVE_PROTO_ETHERNET 0x6558

/* One TLV option to emit (class, type, data of a multiple of 4 bytes, at most 124). */
struct geneve_opt {
	uint16_t cls;
	uint8_t type;
	uint8_t len; /* data bytes, multiple of 4 */
	const uint8_t *data;
};

/** Bytes the header takes with these options (8 + options). */
size_t geneve_hdr_size(const struct geneve_opt *opts, unsigned int n_opts);
/** Write version 0, no O/C flags (C set iff an option's type has the critical bit), protocol
 *  0x6558, vni and the options at p; p has geneve_hdr_size() bytes. Returns that size. */
size_t geneve_hdr_write(uint8_t *p, uint32_t vni, const struct geneve_opt *opts,
			unsigned int n_opts);

enum geneve_parse_result {
	GENEVE_OK = 0,
	GENEVE_TRUNCATED,       /* fewer bytes than the fixed header or its options claim */
	GENEVE_BAD_VERSION,     /* version other than 0 */
	GENEVE_OAM,             /* O bit: a control packet, never for a tenant */
	GENEVE_NOT_ETHERNET,    /* protocol type other than 0x6558 */
	GENEVE_BAD_OPTION,      /* an option's length runs past the options area */
	GENEVE_CRITICAL_OPTION, /* an option we do not know with the critical bit set */
};

/*
 * Parse the header at p (len bytes available): version, flags, protocol, every option's
 * length against the options area, and each option with the critical bit (type & 0x80)
 * against known(). On GENEVE_OK, *vni holds the VNI and *hdr_size the bytes to strip
 * (8 + options). known may be NULL (no option is known).
 */
enum geneve_parse_result geneve_hdr_parse(const uint8_t *p, size_t len, uint32_t *vni,
					  size_t *hdr_size,
					  int (*known)(uint16_t cls, uint8_t type));

#endif
