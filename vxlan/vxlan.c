/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The 8 bytes of the VXLAN header (RFC 7348 section 5): written into encap templates and
 * checked on every received tunnel packet (see vxlan.h). Byte-wise access throughout, so
 * the header needs no alignment inside the packet.
 */
#include "vxlan.h"

#define VXLAN_FLAG_I 0x08 /* byte 0: the VNI field is valid */

void vxlan_hdr_write(uint8_t *p, uint32_t vni)
{
	p[0] = VXLAN_FLAG_I;
	p[1] = 0;
	p[2] = 0;
	p[3] = 0;
	p[4] = (uint8_t)(vni >> 16);
	p[5] = (uint8_t)(vni >> 8);
	p[6] = (uint8_t)vni;
	p[7] = 0;
}

enum vxlan_parse_result vxlan_hdr_parse(const uint8_t *p, size_t len, uint32_t *vni)
{
	if (len < VXLAN_HDR_SIZE)
		return VXLAN_TRUNCATED;
	/* RFC 7348: the I flag MUST be set; the other flag bits and both reserved fields MUST
	 * be ignored on receipt (VXLAN-GBP and friends put their own bits there). */
	if (!(p[0] & VXLAN_FLAG_I))
		return VXLAN_NO_VNI;
	*vni = (uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 | p[6];
	return VXLAN_OK;
}
