/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of control/sb_codec.c, the southbound wire format: framing (sb_frame_peek on
 * partial, exact, oversized and undersized frames), sb_frame_encode's header bytes, the
 * encode/peek/decode round trip and body decoding errors. Pure: no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sb_proto.h"

/* ---- fixture: a frame header written byte by byte, as on the wire ---- */

static void put_hdr(uint8_t *buf, uint8_t version, uint8_t type, uint16_t flags, uint32_t length,
		    uint32_t xid)
{
	buf[0] = version;
	buf[1] = type;
	buf[2] = (uint8_t)(flags >> 8);
	buf[3] = (uint8_t)flags;
	buf[4] = (uint8_t)(length >> 24);
	buf[5] = (uint8_t)(length >> 16);
	buf[6] = (uint8_t)(length >> 8);
	buf[7] = (uint8_t)length;
	buf[8] = (uint8_t)(xid >> 24);
	buf[9] = (uint8_t)(xid >> 16);
	buf[10] = (uint8_t)(xid >> 8);
	buf[11] = (uint8_t)xid;
}

static json_t *decode_text(const char *text, char *err, size_t errsz)
{
	return sb_body_decode((const uint8_t *)text, strlen(text), err, errsz);
}

/* ---- sb_type_name ---- */

static void type_name_knows_every_type_and_no_other(void **state)
{
	(void)state;
	assert_string_equal(sb_type_name(SB_HELLO), "hello");
	assert_string_equal(sb_type_name(SB_TXN), "txn");
	assert_string_equal(sb_type_name(SB_SYNC_REPLY), "sync_reply");
	for (unsigned int t = 0; t < SB_TYPE_COUNT; t++) {
		assert_non_null(sb_type_name((uint8_t)t));
		assert_string_not_equal(sb_type_name((uint8_t)t), "unknown");
	}
	assert_string_equal(sb_type_name(SB_TYPE_COUNT), "unknown");
	assert_string_equal(sb_type_name(255), "unknown");
}

/* ---- sb_frame_peek: invalid streams ---- */

static void peek_rejects_length_under_header_size(void **state)
{
	uint8_t buf[SB_HDR_SIZE];
	struct sb_hdr h;

	(void)state;
	put_hdr(buf, 1, SB_ECHO_REQUEST, 0, 0, 1);
	assert_int_equal(sb_frame_peek(buf, sizeof(buf), &h), -EMSGSIZE);
	put_hdr(buf, 1, SB_ECHO_REQUEST, 0, SB_HDR_SIZE - 1, 1);
	assert_int_equal(sb_frame_peek(buf, sizeof(buf), &h), -EMSGSIZE);
}

/* A poisoned stream is known from the header alone: no need to wait for the body. */
static void peek_rejects_length_over_max_from_header_alone(void **state)
{
	uint8_t buf[SB_HDR_SIZE];
	struct sb_hdr h;

	(void)state;
	put_hdr(buf, 1, SB_TXN, 0, SB_MSG_MAX + 1, 1);
	assert_int_equal(sb_frame_peek(buf, sizeof(buf), &h), -EMSGSIZE);
	put_hdr(buf, 1, SB_TXN, 0, UINT32_MAX, 1);
	assert_int_equal(sb_frame_peek(buf, sizeof(buf), &h), -EMSGSIZE);
}

/* ---- sb_frame_peek: normal path ---- */

static void peek_needs_a_whole_header(void **state)
{
	uint8_t buf[SB_HDR_SIZE];
	struct sb_hdr h;

	(void)state;
	put_hdr(buf, 1, SB_TXN, 0, 0 /* bad, but not visible yet */, 1);
	for (size_t len = 0; len < SB_HDR_SIZE; len++)
		assert_int_equal(sb_frame_peek(buf, len, &h), 0);
}

static void peek_needs_a_whole_body(void **state)
{
	uint8_t buf[SB_HDR_SIZE + 2] = {0};
	struct sb_hdr h;

	(void)state;
	put_hdr(buf, 1, SB_TXN, 0, SB_HDR_SIZE + 2, 7);
	buf[12] = '{';
	buf[13] = '}';
	assert_int_equal(sb_frame_peek(buf, SB_HDR_SIZE, &h), 0);
	assert_int_equal(sb_frame_peek(buf, SB_HDR_SIZE + 1, &h), 0);
	assert_int_equal(sb_frame_peek(buf, SB_HDR_SIZE + 2, &h), SB_HDR_SIZE + 2);
}

static void peek_returns_exact_frame_and_decodes_header(void **state)
{
	uint8_t buf[SB_HDR_SIZE];
	struct sb_hdr h;

	(void)state;
	put_hdr(buf, 9, 200, 0xa5c3, SB_HDR_SIZE, 0x01020304);
	assert_int_equal(sb_frame_peek(buf, sizeof(buf), &h), SB_HDR_SIZE);
	/* version, type and flags are reported, not judged */
	assert_int_equal(h.version, 9);
	assert_int_equal(h.type, 200);
	assert_int_equal(h.flags, 0xa5c3);
	assert_int_equal(h.length, SB_HDR_SIZE);
	assert_int_equal(h.xid, 0x01020304);
}

static void peek_stops_at_first_frame_of_a_stream(void **state)
{
	uint8_t buf[3 * SB_HDR_SIZE + 2] = {0};
	struct sb_hdr h;
	long n;

	(void)state;
	put_hdr(buf, 1, SB_ECHO_REQUEST, 0, SB_HDR_SIZE + 2, 1);
	memcpy(buf + SB_HDR_SIZE, "{}", 2);
	put_hdr(buf + SB_HDR_SIZE + 2, 1, SB_BARRIER_REQUEST, 0, SB_HDR_SIZE, 2);
	n = sb_frame_peek(buf, sizeof(buf), &h);
	assert_int_equal(n, SB_HDR_SIZE + 2);
	assert_int_equal(h.xid, 1);
	n = sb_frame_peek(buf + n, sizeof(buf) - (size_t)n, &h);
	assert_int_equal(n, SB_HDR_SIZE);
	assert_int_equal(h.type, SB_BARRIER_REQUEST);
	assert_int_equal(h.xid, 2);
}

static void peek_accepts_length_of_exactly_max(void **state)
{
	uint8_t buf[SB_HDR_SIZE];
	struct sb_hdr h;

	(void)state;
	put_hdr(buf, 1, SB_SYNC, 0, SB_MSG_MAX, 1);
	assert_int_equal(sb_frame_peek(buf, sizeof(buf), &h), 0); /* valid, body still to come */
	assert_int_equal(h.length, SB_MSG_MAX);
}

/* ---- sb_frame_encode ---- */

static void encode_without_body_is_a_bare_header(void **state)
{
	static const uint8_t want[SB_HDR_SIZE] = {
		SB_VERSION, SB_BARRIER_REPLY, 0, 0, 0, 0, 0, 12, 0xde, 0xad, 0xbe, 0xef};
	uint8_t *frame = NULL;

	(void)state;
	assert_int_equal(sb_frame_encode(SB_BARRIER_REPLY, 0xdeadbeef, NULL, &frame), SB_HDR_SIZE);
	assert_non_null(frame);
	assert_memory_equal(frame, want, SB_HDR_SIZE);
	free(frame);
}

static void encode_writes_compact_json_after_header(void **state)
{
	json_t *body = json_pack("{s:i}", "a", 1);
	uint8_t *frame = NULL;
	long n;

	(void)state;
	n = sb_frame_encode(SB_TXN, 5, body, &frame);
	assert_int_equal(n, SB_HDR_SIZE + 7);
	assert_int_equal(frame[7], SB_HDR_SIZE + 7);
	assert_memory_equal(frame + SB_HDR_SIZE, "{\"a\":1}", 7);
	free(frame);
	json_decref(body);
}

static void encode_refuses_body_over_max(void **state)
{
	size_t len = SB_MSG_MAX; /* the quotes alone push it over */
	char *big = malloc(len + 1);
	uint8_t *frame = (uint8_t *)0x1;
	json_t *body;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', len);
	big[len] = '\0';
	body = json_pack("{s:s}", "k", big);
	assert_non_null(body);
	assert_int_equal(sb_frame_encode(SB_DUMP_REPLY, 1, body, &frame), -EMSGSIZE);
	assert_ptr_equal(frame, (uint8_t *)0x1);
	json_decref(body);
	free(big);
}

static void encode_peek_decode_round_trip(void **state)
{
	json_t *body =
		json_pack("{s:[{s:s, s:s, s:{s:s, s:I}}], s:b}", "ops", "op", "insert", "table",
			  "vpc", "row", "name", "blue", "vni", (json_int_t)100, "dry_run", 0);
	uint8_t *frame = NULL;
	char err[256] = "";
	struct sb_hdr h;
	json_t *back;
	long n;

	(void)state;
	n = sb_frame_encode(SB_TXN, 0x80000001u, body, &frame);
	assert_true(n > SB_HDR_SIZE);
	assert_int_equal(sb_frame_peek(frame, (size_t)n, &h), n);
	assert_int_equal(h.version, SB_VERSION);
	assert_int_equal(h.type, SB_TXN);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.length, n);
	assert_int_equal(h.xid, 0x80000001u);
	assert_int_equal(sb_frame_peek(frame, (size_t)n - 1, &h), 0);
	back = sb_body_decode(frame + SB_HDR_SIZE, h.length - SB_HDR_SIZE, err, sizeof(err));
	assert_non_null(back);
	assert_true(json_equal(body, back));
	json_decref(back);
	json_decref(body);
	free(frame);
}

/* ---- sb_body_decode ---- */

static void body_decode_rejects_non_object(void **state)
{
	const char *arrays[] = {"[]", "[{}]"}, *scalars[] = {"1", "\"x\"", "null", "true"};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
		err[0] = '\0';
		assert_null(decode_text(arrays[i], err, sizeof(err)));
		assert_string_equal(err, "body: must be a JSON object");
	}
	/* jansson refuses a bare scalar while parsing: any "body:" reason will do */
	for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
		err[0] = '\0';
		assert_null(decode_text(scalars[i], err, sizeof(err)));
		assert_memory_equal(err, "body: ", 6);
	}
}

static void body_decode_rejects_invalid_json(void **state)
{
	const char *texts[] = {"{", "{\"a\":}", "{} {}", "{\"a\":1,}", "{'a':1}", "\xff"};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		err[0] = '\0';
		if (decode_text(texts[i], err, sizeof(err)) != NULL)
			fail_msg("'%s' was accepted", texts[i]);
		assert_non_null(strstr(err, "body: invalid JSON at byte"));
	}
}

static void body_decode_rejects_duplicate_member(void **state)
{
	char err[256] = "";

	(void)state;
	assert_null(decode_text("{\"a\":1,\"a\":2}", err, sizeof(err)));
	assert_non_null(strstr(err, "body: invalid JSON"));
}

static void body_decode_rejects_embedded_nul(void **state)
{
	static const uint8_t body[] = {'{', '"', 'a', '"', ':', '"', 'x', 0, 'y', '"', '}'};
	static const uint8_t trailing[] = {'{', '}', 0};
	char err[256] = "";

	(void)state;
	assert_null(sb_body_decode(body, sizeof(body), err, sizeof(err)));
	assert_string_equal(err, "body: contains a NUL byte");
	err[0] = '\0';
	assert_null(sb_body_decode(trailing, sizeof(trailing), err, sizeof(err)));
	assert_string_equal(err, "body: contains a NUL byte");
}

static void body_decode_of_empty_body_is_empty_object(void **state)
{
	char err[8] = "";
	json_t *j;

	(void)state;
	j = sb_body_decode((const uint8_t *)"", 0, err, sizeof(err));
	assert_true(json_is_object(j));
	assert_int_equal(json_object_size(j), 0);
	json_decref(j);
	j = sb_body_decode(NULL, 0, err, sizeof(err));
	assert_true(json_is_object(j));
	json_decref(j);
}

static void body_decode_reads_exactly_len_bytes(void **state)
{
	const char *text = "{\"a\":1}garbage";
	char err[256] = "";
	json_t *j;

	(void)state;
	j = sb_body_decode((const uint8_t *)text, 7, err, sizeof(err));
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "a")), 1);
	json_decref(j);
}

static void body_decode_error_fits_errsz(void **state)
{
	char err[16];

	(void)state;
	memset(err, 'z', sizeof(err));
	assert_null(decode_text("{\"abc\": [1, 2,", err, 10));
	assert_int_equal(strlen(err), 9);
	assert_int_equal(err[10], 'z'); /* nothing past errsz was touched */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(type_name_knows_every_type_and_no_other),

		cmocka_unit_test(peek_rejects_length_under_header_size),
		cmocka_unit_test(peek_rejects_length_over_max_from_header_alone),
		cmocka_unit_test(peek_needs_a_whole_header),
		cmocka_unit_test(peek_needs_a_whole_body),
		cmocka_unit_test(peek_returns_exact_frame_and_decodes_header),
		cmocka_unit_test(peek_stops_at_first_frame_of_a_stream),
		cmocka_unit_test(peek_accepts_length_of_exactly_max),

		cmocka_unit_test(encode_without_body_is_a_bare_header),
		cmocka_unit_test(encode_writes_compact_json_after_header),
		cmocka_unit_test(encode_refuses_body_over_max),
		cmocka_unit_test(encode_peek_decode_round_trip),

		cmocka_unit_test(body_decode_rejects_non_object),
		cmocka_unit_test(body_decode_rejects_invalid_json),
		cmocka_unit_test(body_decode_rejects_duplicate_member),
		cmocka_unit_test(body_decode_rejects_embedded_nul),
		cmocka_unit_test(body_decode_of_empty_body_is_empty_object),
		cmocka_unit_test(body_decode_reads_exactly_len_bytes),
		cmocka_unit_test(body_decode_error_fits_errsz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
