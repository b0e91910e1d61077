/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet description language of `vpcctl trace`: a line such as
 * "eth/ipv4(dst=10.0.1.5)/tcp(dport=80,flags=S)" turned into the bytes of one Ethernet frame,
 * lengths and checksums computed. Pure (no DPDK, no allocation), so vpcctl, the unit tests and
 * the fuzzer share it; pktdesc_help() is the reference the operator sees.
 */
#ifndef VPCSW_PKTDESC_H
#define VPCSW_PKTDESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Most layers one description may hold (two full tunnelled stacks fit). */
#define PKTDESC_MAX_LAYERS 24

/**
 * What a description may leave out, usually taken from the trace's in_port. They apply to
 * the outer packet only (its eth, ipv4/ipv6 and arp): an inner packet after vxlan or geneve
 * names its own addresses.
 */
struct pktdesc_defaults {
	uint8_t src_mac[6], dst_mac[6];
	bool have_src_mac, have_dst_mac;
	uint32_t src_ip4; /* network order */
	bool have_src_ip4;
	uint8_t src_ip6[16];
	bool have_src_ip6;
};

/**
 * Build the frame a description names.
 *
 * @param desc   the description, NUL-terminated (see pktdesc_help()).
 * @param d      defaults for what the description leaves out; NULL: none.
 * @param out    where the frame goes; nothing is written at or past out + cap, and nothing at
 *               all unless the whole frame fits.
 * @param cap    bytes of room at out.
 * @param err    on failure, a message naming the layer and field at fault
 *               ("ipv4: 'src': '10.0.0.300' is not an IPv4 address"); may be NULL.
 * @param errsz  bytes of room at err (the message is truncated to fit, NUL-terminated).
 * @return the frame's size in bytes (> 0), or -1 with the message in err.
 *
 * Reentrant; any thread.
 */
int pktdesc_build(const char *desc, const struct pktdesc_defaults *d, uint8_t *out, size_t cap,
		  char *err, size_t errsz);

/** The language in a few lines, for `vpcctl trace --help-packet`. */
const char *pktdesc_help(void);

#endif /* VPCSW_PKTDESC_H */
