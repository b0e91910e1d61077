/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of vxlan/vxlan.c, the 8-byte VXLAN header (RFC 7348): short buffers and a clear
 * I flag refused, the exact bytes written, write/parse round trips over the VNI range, and
 * reserved bits ignored on receive. Inputs are heap copies of exactly the bytes under test,
 * so an ASan build catches any read past len. Pure: no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "vxlan.h"

#define VNI_UNTOUCHED 0xdeadbeefu

/* ---- fixture: exactly len bytes on the heap, nothing readable after them ---- */

static uint8_t *dup_exact(const uint8_t *buf, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, buf, len);
	return p;
}

static enum vxlan_parse_result parse_exact(const uint8_t *buf, size_t len, uint32_t *vni)
{
	uint8_t *p = dup_exact(buf, len);
	enum vxlan_parse_result rc = vxlan_hdr_parse(p, len, vni);

	free(p);
	return rc;
}

/* ---- vxlan_hdr_parse: invalid input ---- */

static void parse_refuses_fewer_than_8_bytes(void **state)
{
	static const uint8_t hdr[VXLAN_HDR_SIZE] = {0x08, 0, 0, 0, 0x00, 0x00, 0x64, 0};
	uint32_t vni = VNI_UNTOUCHED;

	(void)state;
	for (size_t len = 0; len < VXLAN_HDR_SIZE; len++)
		assert_int_equal(parse_exact(hdr, len, &vni), VXLAN_TRUNCATED);
	assert_int_equal(vxlan_hdr_parse(NULL, 0, &vni), VXLAN_TRUNCATED);
	assert_int_equal(vni, VNI_UNTOUCHED);
}

/* RFC 7348: a packet without the I flag MUST be dropped, whatever else byte 0 holds. */
static void parse_drops_header_without_i_flag(void **state)
{
	static const uint8_t zero[VXLAN_HDR_SIZE] = {0x00, 0, 0, 0, 0x00, 0x00, 0x64, 0};
	static const uint8_t others[VXLAN_HDR_SIZE] = {0xf7, 0xff, 0xff, 0xff, 0, 0, 0x64, 0xff};
	uint32_t vni = VNI_UNTOUCHED;

	(void)state;
	assert_int_equal(parse_exact(zero, sizeof(zero), &vni), VXLAN_NO_VNI);
	assert_int_equal(parse_exact(others, sizeof(others), &vni), VXLAN_NO_VNI);
	assert_int_equal(vni, VNI_UNTOUCHED);
}

/* ---- vxlan_hdr_write / vxlan_hdr_parse: normal path ---- */

static void write_sets_i_flag_vni_and_zeroes_the_rest(void **state)
{
	static const uint8_t want[VXLAN_HDR_SIZE] = {0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0};
	uint8_t buf[VXLAN_HDR_SIZE + 2];

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	vxlan_hdr_write(buf, 0x123456);
	assert_memory_equal(buf, want, VXLAN_HDR_SIZE);
	assert_int_equal(buf[VXLAN_HDR_SIZE], 0xa5); /* nothing written past the header */
	assert_int_equal(buf[VXLAN_HDR_SIZE + 1], 0xa5);
}

static void parse_reads_vni_of_a_valid_header(void **state)
{
	static const uint8_t hdr[VXLAN_HDR_SIZE] = {0x08, 0, 0, 0, 0xab, 0xcd, 0xef, 0};
	uint32_t vni = 0;

	(void)state;
	assert_int_equal(parse_exact(hdr, sizeof(hdr), &vni), VXLAN_OK);
	assert_int_equal(vni, 0xabcdef);
}

static void round_trip_keeps_vni(void **state)
{
	static const uint32_t vnis[] = {0, 1, 100, 0x800000, 0xfffffe, 0xffffff};
	uint8_t buf[VXLAN_HDR_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(vnis) / sizeof(vnis[0]); i++) {
		uint32_t vni = VNI_UNTOUCHED;

		vxlan_hdr_write(buf, vnis[i]);
		assert_int_equal(parse_exact(buf, sizeof(buf), &vni), VXLAN_OK);
		assert_int_equal(vni, vnis[i]);
	}
}

/* The header is followed by the inner frame: parse looks at the first 8 bytes only. */
static void parse_ignores_bytes_after_the_header(void **state)
{
	uint8_t pkt[VXLAN_HDR_SIZE + 14];
	uint32_t vni = 0;

	(void)state;
	memset(pkt, 0xff, sizeof(pkt));
	vxlan_hdr_write(pkt, 42);
	assert_int_equal(parse_exact(pkt, sizeof(pkt), &vni), VXLAN_OK);
	assert_int_equal(vni, 42);
}

/* ---- edge cases ---- */

/* RFC 7348: reserved fields MUST be ignored on receipt (VXLAN-GBP, GPE and others use them). */
static void parse_accepts_reserved_bits_set(void **state)
{
	static const uint8_t hdr[VXLAN_HDR_SIZE] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x07, 0xff};
	uint32_t vni = 0;

	(void)state;
	assert_int_equal(parse_exact(hdr, sizeof(hdr), &vni), VXLAN_OK);
	assert_int_equal(vni, 7);
	for (unsigned int bit = 0; bit < 8; bit++) {
		uint8_t one[VXLAN_HDR_SIZE] = {0x08, 0, 0, 0, 0, 0, 7, 0};

		one[0] |= (uint8_t)(1u << bit);
		vni = 0;
		assert_int_equal(parse_exact(one, sizeof(one), &vni), VXLAN_OK);
		assert_int_equal(vni, 7);
	}
}

/* Only 24 bits fit: higher bits of the argument never leak into the reserved byte. */
static void write_keeps_reserved_byte_zero_for_wide_vni(void **state)
{
	static const uint8_t want[VXLAN_HDR_SIZE] = {0x08, 0, 0, 0, 0xff, 0xff, 0xff, 0};
	uint8_t buf[VXLAN_HDR_SIZE];

	(void)state;
	vxlan_hdr_write(buf, 0xffffffffu);
	assert_memory_equal(buf, want, sizeof(buf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_refuses_fewer_than_8_bytes),
		cmocka_unit_test(parse_drops_header_without_i_flag),

		cmocka_unit_test(write_sets_i_flag_vni_and_zeroes_the_rest),
		cmocka_unit_test(parse_reads_vni_of_a_valid_header),
		cmocka_unit_test(round_trip_keeps_vni),
		cmocka_unit_test(parse_ignores_bytes_after_the_header),

		cmocka_unit_test(parse_accepts_reserved_bits_set),
		cmocka_unit_test(write_keeps_reserved_byte_zero_for_wide_vni),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
