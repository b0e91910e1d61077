/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VXLAN header (RFC 7348): what the switch writes into its encap templates and checks on
 * every received tunnel packet. Pure byte-buffer functions, no DPDK: the dataplane owns the
 * outer Ethernet/IP/UDP headers and calls these for the 8 bytes that are VXLAN's own.
 */
#ifndef VPCSW_VXLAN_H
#define VPCSW_VXLAN_H

#include <stddef.h>
#include <stdint.h>

#define VXLAN_HDR_SIZE 8
#define VXLAN_PORT_DEFAULT 4789

/** Write flags (I set, everything else zero) and vni (24 bits) at p. */
void vxlan_hdr_write(uint8_t *p, uint32_t vni);

enum vxlan_parse_result {
	VXLAN_OK = 0,
	VXLAN_TRUNCATED,  /* fewer than 8 bytes */
	VXLAN_NO_VNI,     /* I flag clear: RFC 7348 says such a packet must be dropped */
};

/** Parse the header at p (len bytes available). Reserved bits are ignored on receive, as the
 *  RFC asks. On VXLAN_OK, *vni holds the 24-bit VNI. */
enum vxlan_parse_result vxlan_hdr_parse(const uint8_t *p, size_t len, uint32_t *vni);

#endif
