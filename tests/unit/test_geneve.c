/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of geneve/geneve.c, the Geneve header and option walk (RFC 8926): one minimal
 * input per refusal, in the order the parser checks them; the bytes geneve_hdr_write lays
 * out and their round trip through the parser; option lengths at and past the options area,
 * the 252-byte maximum, and every truncation of a valid header. Inputs are heap copies of
 * exactly the bytes under test, so an ASan build catches any read past len. Pure: no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "geneve.h"

#define VNI_UNTOUCHED  0xdeadbeefu
#define SIZE_UNTOUCHED ((size_t)0xdeadbeef)

#define FLAG_O 0x80
#define FLAG_C 0x40

#define KNOWN_CLS  0x0102
#define KNOWN_TYPE 0x80 /* critical */

/* ---- fixture ---- */

/* Fixed header written field by field, as on the wire. */
static void put_fixed(uint8_t *buf, unsigned int version, unsigned int opt_words, uint8_t flags,
		      uint16_t proto, uint32_t vni)
{
	buf[0] = (uint8_t)(version << 6 | opt_words);
	buf[1] = flags;
	buf[2] = (uint8_t)(proto >> 8);
	buf[3] = (uint8_t)proto;
	buf[4] = (uint8_t)(vni >> 16);
	buf[5] = (uint8_t)(vni >> 8);
	buf[6] = (uint8_t)vni;
	buf[7] = 0;
}

/* Option header with its data filled with a pattern; returns the bytes it takes. */
static size_t put_opt(uint8_t *buf, uint16_t cls, uint8_t type, uint8_t rbits,
		      unsigned int data_words)
{
	buf[0] = (uint8_t)(cls >> 8);
	buf[1] = (uint8_t)cls;
	buf[2] = type;
	buf[3] = (uint8_t)(rbits << 5 | data_words);
	memset(buf + 4, 0x5a, data_words * 4);
	return 4 + data_words * 4;
}

static unsigned int known_calls;

/* Knows one critical option, like the fuzz target; counts how often it is asked. */
static int known_one(uint16_t cls, uint8_t type)
{
	known_calls++;
	return cls == KNOWN_CLS && type == KNOWN_TYPE;
}

static uint8_t *dup_exact(const uint8_t *buf, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, buf, len);
	return p;
}

struct parsed {
	uint32_t vni;
	size_t hdr_size;
};

/* Parse a heap copy of exactly len bytes; outputs start poisoned so untouched ones show. */
static enum geneve_parse_result parse_exact(const uint8_t *buf, size_t len, struct parsed *out,
					    int (*known)(uint16_t cls, uint8_t type))
{
	uint8_t *p = dup_exact(buf, len);
	enum geneve_parse_result rc;

	out->vni = VNI_UNTOUCHED;
	out->hdr_size = SIZE_UNTOUCHED;
	rc = geneve_hdr_parse(p, len, &out->vni, &out->hdr_size, known);
	free(p);
	return rc;
}

static void assert_refused(enum geneve_parse_result got, enum geneve_parse_result want,
			   const struct parsed *out)
{
	assert_int_equal(got, want);
	assert_int_equal(out->vni, VNI_UNTOUCHED);
	assert_int_equal(out->hdr_size, SIZE_UNTOUCHED);
}

/* ---- geneve_hdr_parse: one minimal input per refusal, in check order ---- */

static void parse_reports_truncated_under_fixed_header(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE];
	struct parsed out;

	(void)state;
	put_fixed(buf, 0, 0, 0, GENEVE_PROTO_ETHERNET, 1);
	for (size_t len = 0; len < GENEVE_HDR_SIZE; len++)
		assert_refused(parse_exact(buf, len, &out, known_one), GENEVE_TRUNCATED, &out);
}

/* RFC 8926: an unknown version MUST be dropped; its layout (and Opt Len) means nothing. */
static void parse_drops_version_other_than_0_before_reading_opt_len(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE];
	struct parsed out;

	(void)state;
	for (unsigned int ver = 1; ver < 4; ver++) {
		put_fixed(buf, ver, 0, 0, GENEVE_PROTO_ETHERNET, 1);
		assert_refused(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_BAD_VERSION,
			       &out);
		put_fixed(buf, ver, 63, FLAG_O, 0x0800, 1); /* would be TRUNCATED, OAM, ... */
		assert_refused(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_BAD_VERSION,
			       &out);
	}
}

static void parse_reports_truncated_when_opt_len_passes_the_buffer(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE + 8];
	struct parsed out;

	(void)state;
	put_fixed(buf, 0, 1, 0, GENEVE_PROTO_ETHERNET, 1);
	put_opt(buf + GENEVE_HDR_SIZE, 0x0001, 0x01, 0, 0);
	assert_refused(parse_exact(buf, GENEVE_HDR_SIZE, &out, known_one), GENEVE_TRUNCATED, &out);
	put_fixed(buf, 0, 2, 0, GENEVE_PROTO_ETHERNET, 1);
	put_opt(buf + GENEVE_HDR_SIZE, 0x0001, 0x01, 0, 1);
	assert_refused(parse_exact(buf, sizeof(buf) - 1, &out, known_one), GENEVE_TRUNCATED, &out);
	/* the length check comes before the flags and the protocol are looked at */
	put_fixed(buf, 0, 63, FLAG_O, 0x0800, 1);
	assert_refused(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_TRUNCATED, &out);
}

/* The O bit marks a control message for the endpoint itself, never for a tenant. */
static void parse_drops_oam_packets(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE];
	struct parsed out;

	(void)state;
	put_fixed(buf, 0, 0, FLAG_O, GENEVE_PROTO_ETHERNET, 1);
	assert_refused(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_OAM, &out);
	put_fixed(buf, 0, 0, FLAG_O, 0x0800, 1); /* before the protocol is judged */
	assert_refused(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_OAM, &out);
}

static void parse_refuses_protocol_other_than_ethernet(void **state)
{
	static const uint16_t protos[] = {0x0000, 0x0800, 0x86dd, 0x6559, 0x5865, 0xffff};
	uint8_t buf[GENEVE_HDR_SIZE + 4];
	struct parsed out;

	(void)state;
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		put_fixed(buf, 0, 0, 0, protos[i], 1);
		assert_refused(parse_exact(buf, GENEVE_HDR_SIZE, &out, known_one),
			       GENEVE_NOT_ETHERNET, &out);
	}
	/* before the options are walked: this one's critical option is unknown */
	put_fixed(buf, 0, 1, FLAG_C, 0x0800, 1);
	put_opt(buf + GENEVE_HDR_SIZE, 0xffff, 0xff, 0, 0);
	assert_refused(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_NOT_ETHERNET, &out);
}

static void parse_refuses_option_running_past_the_area(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE + 8];
	struct parsed out;

	(void)state;
	/* an option of one data word in a one-word area: its data is past the area (and here
	 * past the buffer too) */
	put_fixed(buf, 0, 1, 0, GENEVE_PROTO_ETHERNET, 1);
	put_opt(buf + GENEVE_HDR_SIZE, 0x0001, 0x01, 0, 1);
	assert_refused(parse_exact(buf, GENEVE_HDR_SIZE + 4, &out, known_one), GENEVE_BAD_OPTION,
		       &out);
	/* the area, not the buffer, bounds the options: the payload is no place for them */
	assert_refused(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_BAD_OPTION, &out);
}

static void parse_drops_unknown_critical_option(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE + 4];
	struct parsed out;

	(void)state;
	put_fixed(buf, 0, 1, FLAG_C, GENEVE_PROTO_ETHERNET, 1);
	put_opt(buf + GENEVE_HDR_SIZE, KNOWN_CLS, 0x81, 0, 0); /* right class, wrong type */
	assert_refused(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_CRITICAL_OPTION,
		       &out);
	put_opt(buf + GENEVE_HDR_SIZE, 0x0103, KNOWN_TYPE, 0, 0); /* right type, wrong class */
	assert_refused(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_CRITICAL_OPTION,
		       &out);
}

static void parse_with_null_known_drops_every_critical_option(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE + 4];
	struct parsed out;

	(void)state;
	put_fixed(buf, 0, 1, FLAG_C, GENEVE_PROTO_ETHERNET, 1);
	put_opt(buf + GENEVE_HDR_SIZE, KNOWN_CLS, KNOWN_TYPE, 0, 0);
	assert_refused(parse_exact(buf, sizeof(buf), &out, NULL), GENEVE_CRITICAL_OPTION, &out);
}

/* RFC 8926: C is a hint. A sender that leaves it clear must not sneak a critical option by. */
static void parse_drops_unknown_critical_option_with_c_flag_clear(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE + 12];
	struct parsed out;
	size_t off = GENEVE_HDR_SIZE;

	(void)state;
	put_fixed(buf, 0, 3, 0, GENEVE_PROTO_ETHERNET, 1);
	off += put_opt(buf + off, 0x0001, 0x01, 0, 1);
	off += put_opt(buf + off, 0xffff, 0xfe, 0, 0);
	assert_int_equal(off, sizeof(buf));
	assert_refused(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_CRITICAL_OPTION,
		       &out);
}

/* ---- geneve_hdr_write / geneve_hdr_parse: normal path ---- */

static void write_without_options_is_the_fixed_header(void **state)
{
	static const uint8_t want[GENEVE_HDR_SIZE] = {0x00, 0x00, 0x65, 0x58, 0x12, 0x34, 0x56, 0};
	uint8_t buf[GENEVE_HDR_SIZE + 2];

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(geneve_hdr_size(NULL, 0), GENEVE_HDR_SIZE);
	assert_int_equal(geneve_hdr_write(buf, 0x123456, NULL, 0), GENEVE_HDR_SIZE);
	assert_memory_equal(buf, want, GENEVE_HDR_SIZE);
	assert_int_equal(buf[GENEVE_HDR_SIZE], 0xa5); /* nothing written past the header */
}

static void write_lays_out_options_in_order(void **state)
{
	static const uint8_t data1[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const struct geneve_opt opts[] = {
		{.cls = 0x0104, .type = 0x05, .len = 8, .data = data1},
		{.cls = 0xfffe, .type = 0x7f, .len = 0, .data = NULL},
	};
	/* Opt Len 4 words, no flags; then each option's header and data */
	static const uint8_t fixed[] = {0x04, 0x00, 0x65, 0x58, 0x00, 0x00, 0x64, 0x00};
	static const uint8_t opt1[] = {0x01, 0x04, 0x05, 0x02, 1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t opt2[] = {0xff, 0xfe, 0x7f, 0x00};
	const size_t size = sizeof(fixed) + sizeof(opt1) + sizeof(opt2);
	uint8_t buf[sizeof(fixed) + sizeof(opt1) + sizeof(opt2) + 4];

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(geneve_hdr_size(opts, 2), size);
	assert_int_equal(geneve_hdr_write(buf, 100, opts, 2), size);
	assert_memory_equal(buf, fixed, sizeof(fixed));
	assert_memory_equal(buf + sizeof(fixed), opt1, sizeof(opt1));
	assert_memory_equal(buf + sizeof(fixed) + sizeof(opt1), opt2, sizeof(opt2));
	assert_int_equal(buf[size], 0xa5); /* nothing written past the header */
}

static void round_trip_keeps_vni_and_size(void **state)
{
	static const uint32_t vnis[] = {0, 1, 100, 0x800000, 0xffffff};
	static const uint8_t data[4] = {9, 9, 9, 9};
	static const struct geneve_opt opt = {.cls = 0x0001, .type = 0x02, .len = 4, .data = data};
	uint8_t buf[GENEVE_HDR_SIZE + 8];
	struct parsed out;

	(void)state;
	for (size_t i = 0; i < sizeof(vnis) / sizeof(vnis[0]); i++) {
		size_t n = geneve_hdr_write(buf, vnis[i], NULL, 0);

		assert_int_equal(parse_exact(buf, n, &out, known_one), GENEVE_OK);
		assert_int_equal(out.vni, vnis[i]);
		assert_int_equal(out.hdr_size, GENEVE_HDR_SIZE);
		n = geneve_hdr_write(buf, vnis[i], &opt, 1);
		assert_int_equal(n, sizeof(buf));
		assert_int_equal(parse_exact(buf, n, &out, known_one), GENEVE_OK);
		assert_int_equal(out.vni, vnis[i]);
		assert_int_equal(out.hdr_size, n);
	}
}

/* hdr_size is what to strip: the payload after the header is not the parser's business. */
static void parse_reports_header_size_without_payload(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE + 8 + 64];
	struct parsed out;

	(void)state;
	memset(buf, 0xff, sizeof(buf));
	put_fixed(buf, 0, 2, 0, GENEVE_PROTO_ETHERNET, 0xabcdef);
	put_opt(buf + GENEVE_HDR_SIZE, 0x0001, 0x01, 0, 1);
	assert_int_equal(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_OK);
	assert_int_equal(out.vni, 0xabcdef);
	assert_int_equal(out.hdr_size, GENEVE_HDR_SIZE + 8);
}

/* RFC 8926: unknown options without the critical bit are ignored; known() is not asked. */
static void parse_skips_unknown_non_critical_options(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE + 40];
	size_t off = GENEVE_HDR_SIZE;
	struct parsed out;

	(void)state;
	off += put_opt(buf + off, 0x0000, 0x00, 0, 0);
	off += put_opt(buf + off, 0xffff, 0x7f, 0, 3);
	off += put_opt(buf + off, 0x0102, 0x00, 0, 1);
	off += put_opt(buf + off, 0x8000, 0x42, 0, 2);
	put_fixed(buf, 0, (unsigned int)(off - GENEVE_HDR_SIZE) / 4, 0, GENEVE_PROTO_ETHERNET, 7);
	known_calls = 0;
	assert_int_equal(parse_exact(buf, off, &out, known_one), GENEVE_OK);
	assert_int_equal(known_calls, 0);
	assert_int_equal(out.vni, 7);
	assert_int_equal(out.hdr_size, off);
	assert_int_equal(parse_exact(buf, off, &out, NULL), GENEVE_OK);
}

static void parse_accepts_known_critical_option(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE + 16];
	size_t off = GENEVE_HDR_SIZE;
	struct parsed out;

	(void)state;
	off += put_opt(buf + off, 0x0001, 0x01, 0, 1);
	off += put_opt(buf + off, KNOWN_CLS, KNOWN_TYPE, 0, 1);
	put_fixed(buf, 0, 4, FLAG_C, GENEVE_PROTO_ETHERNET, 5);
	assert_int_equal(off, sizeof(buf));
	known_calls = 0;
	assert_int_equal(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_OK);
	assert_int_equal(known_calls, 1);
	assert_int_equal(out.vni, 5);
	assert_int_equal(out.hdr_size, sizeof(buf));
}

/* The written C flag follows the options; a known critical option parses back. */
static void write_sets_c_flag_iff_an_option_is_critical(void **state)
{
	static const uint8_t data[4] = {0xca, 0xfe, 0xf0, 0x0d};
	const struct geneve_opt opts[] = {
		{.cls = 0x0001, .type = 0x7f, .len = 4, .data = data},
		{.cls = KNOWN_CLS, .type = KNOWN_TYPE, .len = 4, .data = data},
	};
	uint8_t buf[GENEVE_HDR_SIZE + 16];
	struct parsed out;
	size_t n;

	(void)state;
	n = geneve_hdr_write(buf, 0x0a0b0c, opts, 1);
	assert_int_equal(n, GENEVE_HDR_SIZE + 8);
	assert_int_equal(buf[1], 0);
	n = geneve_hdr_write(buf, 0x0a0b0c, opts, 2);
	assert_int_equal(n, geneve_hdr_size(opts, 2));
	assert_int_equal(n, sizeof(buf));
	assert_int_equal(buf[1], FLAG_C);
	assert_int_equal(parse_exact(buf, n, &out, known_one), GENEVE_OK);
	assert_int_equal(out.vni, 0x0a0b0c);
	assert_int_equal(out.hdr_size, n);
	assert_refused(parse_exact(buf, n, &out, NULL), GENEVE_CRITICAL_OPTION, &out);
}

/* ---- edge cases ---- */

/* RFC 8926: reserved bits (flags, byte 7, option R bits) MUST be ignored on receipt, and a C
 * flag without critical options is harmless. */
static void parse_ignores_reserved_bits(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE + 8];
	struct parsed out;

	(void)state;
	put_fixed(buf, 0, 2, FLAG_C | 0x3f, GENEVE_PROTO_ETHERNET, 0x000102);
	buf[7] = 0xff;
	put_opt(buf + GENEVE_HDR_SIZE, 0x0001, 0x01, 0x7, 1);
	assert_int_equal(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_OK);
	assert_int_equal(out.vni, 0x000102);
	assert_int_equal(out.hdr_size, sizeof(buf));
}

static void parse_accepts_option_exactly_filling_the_area(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE + 12];
	struct parsed out;

	(void)state;
	put_fixed(buf, 0, 3, 0, GENEVE_PROTO_ETHERNET, 1);
	assert_int_equal(put_opt(buf + GENEVE_HDR_SIZE, 0x0001, 0x01, 0, 2), 12);
	assert_int_equal(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_OK);
	assert_int_equal(out.hdr_size, sizeof(buf));
}

/* One data word too many: the last option's data ends 4 bytes after the area. */
static void parse_refuses_option_ending_4_bytes_past_the_area(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE + 16];
	size_t off = GENEVE_HDR_SIZE;
	struct parsed out;

	(void)state;
	off += put_opt(buf + off, 0x0001, 0x01, 0, 0);
	off += put_opt(buf + off, 0x0001, 0x02, 0, 2);
	put_fixed(buf, 0, 3, 0, GENEVE_PROTO_ETHERNET, 1);
	assert_int_equal(off, sizeof(buf));
	assert_refused(parse_exact(buf, sizeof(buf) - 4, &out, known_one), GENEVE_BAD_OPTION, &out);
	assert_refused(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_BAD_OPTION, &out);
}

static void parse_accepts_zero_length_options(void **state)
{
	uint8_t buf[GENEVE_HDR_SIZE + 12];
	struct parsed out;

	(void)state;
	put_fixed(buf, 0, 1, 0, GENEVE_PROTO_ETHERNET, 1);
	put_opt(buf + GENEVE_HDR_SIZE, 0x0001, 0x01, 0, 0);
	assert_int_equal(parse_exact(buf, GENEVE_HDR_SIZE + 4, &out, known_one), GENEVE_OK);
	assert_int_equal(out.hdr_size, GENEVE_HDR_SIZE + 4);
	put_fixed(buf, 0, 3, 0, GENEVE_PROTO_ETHERNET, 1);
	put_opt(buf + GENEVE_HDR_SIZE + 4, 0x0002, 0x01, 0, 0);
	put_opt(buf + GENEVE_HDR_SIZE + 8, KNOWN_CLS, KNOWN_TYPE, 0, 0);
	assert_int_equal(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_OK);
	assert_int_equal(out.hdr_size, sizeof(buf));
}

/* Opt Len is 6 bits: 63 words, 252 bytes, whether as a few long options or many empty ones. */
static void parse_accepts_maximum_options_area(void **state)
{
	static uint8_t data[124];
	const struct geneve_opt opts[] = {
		{.cls = 0x0001, .type = 0x01, .len = 124, .data = data},
		{.cls = KNOWN_CLS, .type = KNOWN_TYPE, .len = 116, .data = data},
		{.cls = 0x0003, .type = 0x03, .len = 0, .data = NULL},
	};
	uint8_t buf[GENEVE_HDR_SIZE + GENEVE_OPTS_MAX_SIZE];
	struct parsed out;
	size_t n;

	(void)state;
	memset(data, 0x77, sizeof(data));
	assert_int_equal(geneve_hdr_size(opts, 3), sizeof(buf));
	n = geneve_hdr_write(buf, 0xffffff, opts, 3);
	assert_int_equal(n, sizeof(buf));
	assert_int_equal(buf[0], 63);
	assert_int_equal(buf[GENEVE_HDR_SIZE + 3], 31); /* longest option: 124 bytes of data */
	assert_int_equal(parse_exact(buf, n, &out, known_one), GENEVE_OK);
	assert_int_equal(out.vni, 0xffffff);
	assert_int_equal(out.hdr_size, sizeof(buf));
	assert_refused(parse_exact(buf, n - 1, &out, known_one), GENEVE_TRUNCATED, &out);

	put_fixed(buf, 0, 63, 0, GENEVE_PROTO_ETHERNET, 2);
	for (size_t off = GENEVE_HDR_SIZE; off < sizeof(buf); off += 4)
		put_opt(buf + off, (uint16_t)off, 0x10, 0, 0);
	assert_int_equal(parse_exact(buf, sizeof(buf), &out, known_one), GENEVE_OK);
	assert_int_equal(out.hdr_size, sizeof(buf));
}

/* Every cut of a valid header is refused without a read past len. The Opt Len check comes
 * before the walk, so a cut inside the options is TRUNCATED, never BAD_OPTION. */
static void parse_refuses_every_truncation_of_a_valid_header(void **state)
{
	static const uint8_t data[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	const struct geneve_opt opts[] = {
		{.cls = 0x0001, .type = 0x01, .len = 12, .data = data},
		{.cls = KNOWN_CLS, .type = KNOWN_TYPE, .len = 4, .data = data},
		{.cls = 0x0002, .type = 0x02, .len = 0, .data = NULL},
	};
	uint8_t buf[GENEVE_HDR_SIZE + 28];
	struct parsed out;
	size_t n;

	(void)state;
	n = geneve_hdr_write(buf, 0x123456, opts, 3);
	assert_int_equal(n, sizeof(buf));
	for (size_t len = 0; len < n; len++) {
		enum geneve_parse_result rc = parse_exact(buf, len, &out, known_one);

		if (rc != GENEVE_TRUNCATED)
			fail_msg("len %zu: result %d, want TRUNCATED", len, rc);
		assert_refused(rc, GENEVE_TRUNCATED, &out);
	}
	assert_int_equal(parse_exact(buf, n, &out, known_one), GENEVE_OK);
	assert_int_equal(out.hdr_size, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_reports_truncated_under_fixed_header),
		cmocka_unit_test(parse_drops_version_other_than_0_before_reading_opt_len),
		cmocka_unit_test(parse_reports_truncated_when_opt_len_passes_the_buffer),
		cmocka_unit_test(parse_drops_oam_packets),
		cmocka_unit_test(parse_refuses_protocol_other_than_ethernet),
		cmocka_unit_test(parse_refuses_option_running_past_the_area),
		cmocka_unit_test(parse_drops_unknown_critical_option),
		cmocka_unit_test(parse_with_null_known_drops_every_critical_option),
		cmocka_unit_test(parse_drops_unknown_critical_option_with_c_flag_clear),

		cmocka_unit_test(write_without_options_is_the_fixed_header),
		cmocka_unit_test(write_lays_out_options_in_order),
		cmocka_unit_test(round_trip_keeps_vni_and_size),
		cmocka_unit_test(parse_reports_header_size_without_payload),
		cmocka_unit_test(parse_skips_unknown_non_critical_options),
		cmocka_unit_test(parse_accepts_known_critical_option),
		cmocka_unit_test(write_sets_c_flag_iff_an_option_is_critical),

		cmocka_unit_test(parse_ignores_reserved_bits),
		cmocka_unit_test(parse_accepts_option_exactly_filling_the_area),
		cmocka_unit_test(parse_refuses_option_ending_4_bytes_past_the_area),
		cmocka_unit_test(parse_accepts_zero_length_options),
		cmocka_unit_test(parse_accepts_maximum_options_area),
		cmocka_unit_test(parse_refuses_every_truncation_of_a_valid_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
