/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security-group rules compiled into rte_acl contexts (see sg.h for the layout), and the
 * burst classifier the workers call. The checks are sg_rules.c's; this file only maps a
 * valid rule onto rte_acl fields: proto as a bitmask (0/0 for any), the remote prefix as
 * one (IPv4) or four (IPv6) 32-bit mask fields, both ports as ranges (ICMP type and code
 * travel in them). The local address is not a field: no rule looks at it, and every field
 * costs trie levels on each lookup.
 */
#include "sg_private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#define FIELDS_MAX 7   /* proto, 4 address words, sport, dport */
#define CHUNK	   64u /* keys per rte_acl_classify call: the stack arrays' size */

RTE_ACL_RULE_DEF(acl_rule, FIELDS_MAX);

/* Immutable once built; read by any worker, freed by the control thread after a grace
 * period. */
struct sg_acl {
	struct rte_acl_ctx *ctxs[2]; /* [0] IPv4, [1] IPv6; NULL when the family has no rule */
	size_t lens[2];		     /* entries compiled per family */
};

static unsigned int addr_words(bool v6)
{
	return v6 ? 4 : 1;
}

static struct rte_acl_field_def field_def(uint8_t type, uint8_t size, unsigned int index,
					  unsigned int input, size_t offset)
{
	return (struct rte_acl_field_def){.type = type,
					  .size = size,
					  .field_index = (uint8_t)index,
					  .input_index = (uint8_t)input,
					  .offset = (uint32_t)offset};
}

/* The fields of a context: what rte_acl reads from a struct sg_key. The first field must
 * be one byte (proto, at offset 0); the others are read in groups of 4 bytes, one group
 * per input_index, so sport and dport share one. */
static void acl_config_fill(struct rte_acl_config *cfg, enum sg_dir dir, bool v6)
{
	size_t remote =
		dir == SG_INGRESS ? offsetof(struct sg_key, src) : offsetof(struct sg_key, dst);
	unsigned int n = addr_words(v6), f;

	memset(cfg, 0, sizeof(*cfg));
	cfg->num_categories = 1;
	cfg->defs[0] = field_def(RTE_ACL_FIELD_TYPE_BITMASK, sizeof(uint8_t), 0, 0,
				 offsetof(struct sg_key, proto));
	for (f = 1; f <= n; f++)
		cfg->defs[f] = field_def(RTE_ACL_FIELD_TYPE_MASK, sizeof(uint32_t), f, f,
					 remote + (f - 1) * sizeof(uint32_t));
	cfg->defs[f] = field_def(RTE_ACL_FIELD_TYPE_RANGE, sizeof(uint16_t), f, n + 1,
				 offsetof(struct sg_key, sport));
	f++;
	cfg->defs[f] = field_def(RTE_ACL_FIELD_TYPE_RANGE, sizeof(uint16_t), f, n + 1,
				 offsetof(struct sg_key, dport));
	cfg->num_fields = f + 1;
}

/* Source port (or ICMP type) and destination port (or ICMP code) ranges of a rule. */
static void rule_l4_ranges(const struct sg_rule *r, uint16_t lo[2], uint16_t hi[2])
{
	lo[0] = lo[1] = 0;
	hi[0] = hi[1] = UINT16_MAX;
	switch (r->proto) {
	case SG_PROTO_TCP:
	case SG_PROTO_UDP:
		lo[1] = r->port_min;
		hi[1] = r->port_max;
		break;
	case SG_PROTO_ICMP:
	case SG_PROTO_ICMPV6:
		if (r->icmp_match != SG_ICMP_ANY)
			lo[0] = hi[0] = r->icmp_type;
		if (r->icmp_match == SG_ICMP_TYPE_CODE)
			lo[1] = hi[1] = r->icmp_code;
		break;
	}
}

/* Rule values are in host order (keys are in network order: rte_acl converts). */
static void acl_rule_fill(struct acl_rule *ar, const struct sg_rule *r, int32_t priority)
{
	unsigned int n = addr_words(r->af == AF_INET6), f;
	uint16_t lo[2], hi[2];

	memset(ar, 0, sizeof(*ar));
	ar->data.category_mask = 1;
	ar->data.priority = priority;
	ar->data.userdata = r->id;
	ar->field[0].value.u8 = r->proto;
	ar->field[0].mask_range.u8 = r->proto == SG_PROTO_ANY ? 0 : UINT8_MAX;
	for (f = 1; f <= n; f++) {
		uint32_t word;
		int bits = (int)r->remote.plen - 32 * (int)(f - 1);

		memcpy(&word, &r->remote.addr[4 * (f - 1)], sizeof(word));
		ar->field[f].value.u32 = rte_be_to_cpu_32(word);
		ar->field[f].mask_range.u32 = (uint32_t)RTE_MAX(0, RTE_MIN(32, bits));
	}
	rule_l4_ranges(r, lo, hi);
	for (unsigned int i = 0; i < 2; i++, f++) {
		ar->field[f].value.u16 = lo[i];
		ar->field[f].mask_range.u16 = hi[i];
	}
}

static int id_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The distinct ids of dir's entries, ascending: an id's index is its rank, and the lowest
 * id gets the highest priority. Entries sharing an id share a priority: rte_acl may report
 * either, and both carry the same id. Returns the count, or -ENOMEM. */
static int ids_sorted(const struct sg_rule *rules, size_t len, enum sg_dir dir, uint32_t **out)
{
	uint32_t *ids = malloc((len ? len : 1) * sizeof(*ids));
	size_t n = 0, u = 0;

	if (ids == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++)
		if (rules[i].dir == dir)
			ids[n++] = rules[i].id;
	qsort(ids, n, sizeof(*ids), id_cmp);
	for (size_t i = 0; i < n; i++)
		if (u == 0 || ids[u - 1] != ids[i])
			ids[u++] = ids[i];
	*out = ids;
	return (int)u;
}

static int32_t id_priority(const uint32_t *ids, size_t n, uint32_t id)
{
	const uint32_t *p = bsearch(&id, ids, n, sizeof(*ids), id_cmp);

	return RTE_ACL_MAX_PRIORITY - (int32_t)(p - ids);
}

/* Create and build the context of one family; nothing is left behind on failure. */
static int acl_ctx_build(struct sg_acl *acl, const struct sg_rule *rules, size_t len,
			 enum sg_dir dir, bool v6, const uint32_t *ids, size_t n_ids, int socket_id,
			 char *err)
{
	static uint64_t serial; /* unique names: rte_acl_create hands back a namesake */
	uint8_t af = v6 ? AF_INET6 : AF_INET;
	struct rte_acl_config cfg;
	struct rte_acl_ctx *ctx;
	struct acl_rule ar;
	char name[RTE_ACL_NAMESIZE];
	int rc;

	acl_config_fill(&cfg, dir, v6);
	snprintf(name, sizeof(name), "sg%" PRIu64,
		 __atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED));
	ctx = rte_acl_create(&(struct rte_acl_param){.name = name,
						     .socket_id = socket_id,
						     .rule_size = RTE_ACL_RULE_SZ(cfg.num_fields),
						     .max_rule_num = (uint32_t)acl->lens[v6]});
	if (ctx == NULL)
		return sg_fail(err, -ENOMEM, "rte_acl_create: %s", rte_strerror(rte_errno));
	for (size_t i = 0; i < len; i++) {
		if (rules[i].dir != dir || rules[i].af != af)
			continue;
		acl_rule_fill(&ar, &rules[i], id_priority(ids, n_ids, rules[i].id));
		rc = rte_acl_add_rules(ctx, (const struct rte_acl_rule *)&ar, 1);
		if (rc < 0)
			goto free_ctx;
	}
	rc = rte_acl_build(ctx, &cfg);
	if (rc < 0)
		goto free_ctx;
	acl->ctxs[v6] = ctx;
	return 0;

free_ctx:
	rte_acl_free(ctx);
	/* the rules passed sg_rules_check: what is left is memory, or more tries than
	 * rte_acl's 8 for a rule set whose ranges explode */
	return sg_fail(err, -ENOMEM, "%s rules: rte_acl: %s", v6 ? "IPv6" : "IPv4", strerror(-rc));
}

struct sg_acl *sg_acl_create(const struct sg_rule *rules, size_t len, enum sg_dir dir,
			     int socket_id, char *err)
{
	struct sg_acl *acl;
	uint32_t *ids;
	int rc, n_ids;

	if (dir != SG_INGRESS && dir != SG_EGRESS) {
		rc = sg_fail(err, -EINVAL, "dir: %d is not ingress or egress", (int)dir);
		goto fail;
	}
	rc = sg_rules_check(rules, len, err);
	if (rc < 0)
		goto fail;
	acl = rte_zmalloc_socket("sg_acl", sizeof(*acl), RTE_CACHE_LINE_SIZE, socket_id);
	if (acl == NULL) {
		rc = sg_fail(err, -ENOMEM, "out of memory");
		goto fail;
	}
	n_ids = ids_sorted(rules, len, dir, &ids);
	if (n_ids < 0) {
		rc = sg_fail(err, n_ids, "out of memory");
		goto free_acl;
	}
	for (size_t i = 0; i < len; i++)
		if (rules[i].dir == dir)
			acl->lens[rules[i].af == AF_INET6]++;
	for (int v6 = 0; v6 < 2; v6++) {
		if (acl->lens[v6] == 0)
			continue;
		rc = acl_ctx_build(acl, rules, len, dir, v6, ids, (size_t)n_ids, socket_id, err);
		if (rc < 0)
			goto free_ids;
	}
	free(ids);
	return acl;

free_ids:
	free(ids);
free_acl:
	sg_acl_free(acl);
fail:
	errno = -rc;
	return NULL;
}

void sg_acl_free(struct sg_acl *acl)
{
	if (acl == NULL)
		return;
	rte_acl_free(acl->ctxs[0]);
	rte_acl_free(acl->ctxs[1]);
	rte_free(acl);
}

size_t sg_acl_rules_len(const struct sg_acl *acl, uint8_t af)
{
	return af == AF_INET ? acl->lens[0] : af == AF_INET6 ? acl->lens[1] : 0;
}

/* One chunk: gather each family's keys, one rte_acl_classify per family, scatter. Keys of
 * a family without a context, or of no known family, stay 0: denied. */
static void classify_chunk(const struct sg_acl *acl, const struct sg_key *keys, unsigned int len,
			   uint32_t *rule_ids)
{
	const uint8_t *data[2][CHUNK];
	uint32_t results[CHUNK];
	uint8_t idx[2][CHUNK];
	unsigned int n[2] = {0, 0};

	for (unsigned int i = 0; i < len; i++) {
		int v6 = keys[i].af == AF_INET6;

		rule_ids[i] = 0;
		if ((keys[i].af == AF_INET || v6) && acl->ctxs[v6] != NULL) {
			data[v6][n[v6]] = (const uint8_t *)&keys[i];
			idx[v6][n[v6]++] = (uint8_t)i;
		}
	}
	for (int v6 = 0; v6 < 2; v6++) {
		if (n[v6] == 0)
			continue;
		/* cannot fail: the context is built and the arguments are ours */
		rte_acl_classify(acl->ctxs[v6], data[v6], results, n[v6], 1);
		for (unsigned int j = 0; j < n[v6]; j++)
			rule_ids[idx[v6][j]] = results[j];
	}
}

unsigned int sg_acl_classify_burst(const struct sg_acl *acl, const struct sg_key *keys,
				   unsigned int len, uint32_t *rule_ids)
{
	unsigned int allowed = 0;

	for (unsigned int i = 0; i < len; i += CHUNK)
		classify_chunk(acl, keys + i, RTE_MIN(CHUNK, len - i), rule_ids + i);
	for (unsigned int i = 0; i < len; i++)
		allowed += rule_ids[i] != 0;
	return allowed;
}
