/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over what a controller sends the switch: the input is a byte stream of
 * southbound frames, cut with sb_frame_peek and decoded with sb_body_decode; a "state"
 * member goes through cfg_state_decode and each "ops" entry through cfg_apply_op against a
 * fixed seed state. Besides crashes, it aborts on broken promises (see check_*).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cfg.h"
#include "cfg_json.h"
#include "sb_proto.h"

#define SOCK_DIR "/run/vpcsw"

static const char seed_doc[] =
	"{\"vpcs\": [{\"name\": \"blue\", \"vni\": 100}, {\"name\": \"red\", \"vni\": 200}],"
	" \"subnets\": ["
	"  {\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\","
	"   \"gateway_mac\": \"02:00:00:00:00:01\"},"
	"  {\"vpc\": \"blue\", \"cidr\": \"fd00:1::/64\", \"gateway\": \"fd00:1::1\","
	"   \"gateway_mac\": \"02:00:00:00:00:01\"},"
	"  {\"vpc\": \"red\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\","
	"   \"gateway_mac\": \"02:00:00:00:00:02\"}],"
	" \"ports\": ["
	"  {\"name\": \"vm1\", \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01:01\","
	"   \"ips\": [\"10.0.0.10\", \"fd00:1::10\"]},"
	"  {\"name\": \"vm2\", \"vpc\": \"red\", \"mac\": \"02:00:00:00:01:01\","
	"   \"ips\": [\"10.0.0.10\"], \"mode\": \"client\", \"queues\": 2}]}";

static struct cfg *seed;

static void broken(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_sb: broken promise: %s%s%s\n", what, detail ? ": " : "",
		detail ? detail : "");
	abort();
}

/* A refusal carries a message: non-empty and terminated inside CFG_ERR_SIZE. */
static void check_err(const char *err, size_t size)
{
	if (memchr(err, '\0', size) == NULL)
		broken("error message not terminated", NULL);
	if (err[0] == '\0')
		broken("refusal without a message", NULL);
}

static bool table_same(const struct cfg_table *a, const struct cfg_table *b)
{
	return a->len == b->len &&
	       (a->len == 0 || memcmp(a->rows, b->rows, a->len * a->row_size) == 0);
}

static bool state_same(const struct cfg *a, const struct cfg *b)
{
	return table_same(&a->vpcs, &b->vpcs) && table_same(&a->subnets, &b->subnets) &&
	       table_same(&a->ports, &b->ports);
}

/* Every state the rules accepted must dump and load back to the same document. */
static void check_reload(const struct cfg *c)
{
	char err[CFG_ERR_SIZE] = "";
	json_t *doc = cfg_state_encode(c), *again;
	struct cfg *back = NULL;
	int rc;

	if (doc == NULL)
		broken("cfg_state_encode returned NULL", NULL);
	rc = cfg_state_decode(doc, NULL, &back, err);
	if (rc != 0)
		broken("an accepted state does not load back", err);
	again = cfg_state_encode(back);
	if (!json_equal(doc, again))
		broken("state changed through encode and decode", NULL);
	json_decref(again);
	json_decref(doc);
	cfg_free(back);
}

static void run_state(const json_t *state)
{
	char err[CFG_ERR_SIZE] = "";
	struct cfg *c = NULL;
	int rc = cfg_state_decode(state, SOCK_DIR, &c, err);

	if (rc < 0) {
		if (c != NULL)
			broken("cfg_state_decode failed but set *out", NULL);
		check_err(err, sizeof(err));
		return;
	}
	if (rc != 0 || c == NULL)
		broken("cfg_state_decode: odd success", NULL);
	check_reload(c);
	cfg_free(c);
}

/* Like a transaction: every op against one working copy of the seed; a refused op must leave
 * the copy untouched. */
static void run_ops(const json_t *ops)
{
	struct cfg *c = cfg_clone(seed);
	size_t i;
	json_t *o;

	if (c == NULL)
		return;
	json_array_foreach(ops, i, o)
	{
		const char *op = json_string_value(json_object_get(o, "op"));
		const char *table = json_string_value(json_object_get(o, "table"));
		const json_t *row = json_object_get(o, "row");
		char err[CFG_ERR_SIZE] = "";
		struct cfg *before;
		int t, rc;

		if (op == NULL || table == NULL || row == NULL)
			continue;
		t = cfg_table_parse(table);
		if (t < 0)
			continue;
		before = cfg_clone(c);
		if (before == NULL)
			break;
		rc = cfg_apply_op(c, op, (enum cfg_table_id)t, row, SOCK_DIR, err);
		if (rc < 0) {
			check_err(err, sizeof(err));
			if (!state_same(c, before))
				broken("a refused op changed the state", err);
		} else if (rc != 0) {
			broken("cfg_apply_op returned a positive value", NULL);
		}
		cfg_free(before);
	}
	check_reload(c);
	cfg_free(c);
}

/* A decoded body re-encodes to a frame that decodes to the same object. */
static void check_body_round_trip(const struct sb_hdr *h, const json_t *body)
{
	char err[256] = "";
	uint8_t *frame = NULL;
	struct sb_hdr h2;
	json_t *back;
	long n = sb_frame_encode(h->type, h->xid, body, &frame);

	if (n < 0)
		return; /* -EMSGSIZE: the re-encoding may be longer than the input */
	if (sb_frame_peek(frame, (size_t)n, &h2) != n || h2.xid != h->xid || h2.type != h->type ||
	    h2.version != SB_VERSION || h2.flags != 0)
		broken("sb_frame_encode output does not peek back", NULL);
	back = sb_body_decode(frame + SB_HDR_SIZE, (size_t)n - SB_HDR_SIZE, err, sizeof(err));
	if (back == NULL)
		broken("sb_frame_encode output does not decode", err);
	if (!json_equal(back, body))
		broken("body changed through encode and decode", NULL);
	json_decref(back);
	free(frame);
}

static void run_frame(const struct sb_hdr *h, const uint8_t *body, size_t len)
{
	char err[256] = "";
	const json_t *state, *ops;
	json_t *j;

	(void)sb_type_name(h->type);
	j = sb_body_decode(body, len, err, sizeof(err));
	if (j == NULL) {
		check_err(err, sizeof(err));
		return;
	}
	if (!json_is_object(j))
		broken("sb_body_decode returned a non-object", NULL);
	check_body_round_trip(h, j);
	state = json_object_get(j, "state");
	if (json_is_object(state))
		run_state(state);
	ops = json_object_get(j, "ops");
	if (json_is_array(ops))
		run_ops(ops);
	json_decref(j);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[CFG_ERR_SIZE] = "";
	json_error_t je;
	json_t *doc = json_loads(seed_doc, 0, &je);

	(void)argc;
	(void)argv;
	if (doc == NULL || cfg_state_decode(doc, SOCK_DIR, &seed, err) != 0) {
		fprintf(stderr, "fuzz_sb: seed state refused: %s%s\n", je.text, err);
		abort();
	}
	json_decref(doc);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		struct sb_hdr h;
		long n = sb_frame_peek(data + off, size - off, &h);

		if (n <= 0)
			break; /* a partial frame waits for more; a bad length poisons the stream */
		if ((size_t)n > size - off || n < SB_HDR_SIZE || (uint32_t)n != h.length)
			broken("sb_frame_peek returned an impossible length", NULL);
		run_frame(&h, data + off + SB_HDR_SIZE, (size_t)n - SB_HDR_SIZE);
		off += (size_t)n;
	}
	return 0;
}
