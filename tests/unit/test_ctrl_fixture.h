/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the controller's unit tests: JSON from text, a transaction from text, and a
 * small two-VPC, three-host topology to start from.
 */
#ifndef TEST_CTRL_FIXTURE_H
#define TEST_CTRL_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cfg_json.h"
#include "ctrl_model.h"

static inline json_t *J(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (j == NULL)
		fail_msg("bad JSON in test: %s: %s", e.text, text);
	return j;
}

/* ctrl_model_txn of {"ops": [text]}. */
static inline int txn(struct ctrl_model *m, const char *ops, char *err)
{
	char buf[8192];
	json_t *j, *changes = NULL;
	int rc;

	snprintf(buf, sizeof(buf), "{\"ops\": [%s]}", ops);
	j = J(buf);
	err[0] = '\0';
	rc = ctrl_model_txn(m, j, &changes, err);
	json_decref(j);
	json_decref(changes);
	return rc;
}

#define TXN_OK(m, ...)                                                                             \
	do {                                                                                       \
		char e_[CTRL_ERR_SIZE];                                                            \
		int rc_ = txn(m, __VA_ARGS__, e_);                                                 \
		if (rc_ != 0)                                                                      \
			fail_msg("txn refused (%d): %s", rc_, e_);                                 \
	} while (0)

#define BASE_DOC                                                                                   \
	"{\"hosts\": [{\"name\": \"h1\", \"vtep\": \"192.168.0.1\"},"                             \
	"  {\"name\": \"h2\", \"vtep\": \"192.168.0.2\"}, {\"name\": \"h3\", \"vtep\": \"fc00::3\"}]," \
	" \"vpcs\": [{\"name\": \"blue\", \"vni\": 100}, {\"name\": \"red\", \"vni\": 200}],"      \
	" \"subnets\": [{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\","  \
	"   \"gateway_mac\": \"02:00:00:00:00:01\"},"                                              \
	"  {\"vpc\": \"blue\", \"cidr\": \"fd00::/64\", \"gateway\": \"fd00::1\","                  \
	"   \"gateway_mac\": \"02:00:00:00:00:02\"},"                                              \
	"  {\"vpc\": \"red\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\","                \
	"   \"gateway_mac\": \"02:00:00:00:00:01\"}],"                                             \
	" \"security_groups\": [{\"vpc\": \"blue\", \"name\": \"web\"}],"                          \
	" \"security_group_rules\": [{\"vpc\": \"blue\", \"group\": \"web\", \"direction\": "      \
	"   \"ingress\", \"protocol\": \"tcp\", \"ports\": 80, \"remote_group\": \"web\"}],"        \
	" \"ports\": [{\"name\": \"vm1\", \"vpc\": \"blue\", \"mac\": \"52:54:00:00:00:01\","      \
	"   \"ips\": [\"10.0.0.11\", \"fd00::11\"], \"security_groups\": [\"web\"], \"host\": \"h1\"}," \
	"  {\"name\": \"vm2\", \"vpc\": \"blue\", \"mac\": \"52:54:00:00:00:02\","                  \
	"   \"ips\": [\"10.0.0.12\"], \"host\": \"h2\", \"socket\": \"/run/vm/vm2.sock\"},"          \
	"  {\"name\": \"vm3\", \"vpc\": \"blue\", \"mac\": \"52:54:00:00:00:03\","                  \
	"   \"ips\": [\"10.0.0.13\"]},"                                                             \
	"  {\"name\": \"r1\", \"vpc\": \"red\", \"mac\": \"52:54:00:00:01:01\","                    \
	"   \"ips\": [\"10.0.0.11\"], \"host\": \"h3\"}],"                                           \
	" \"routes\": [{\"vpc\": \"blue\", \"prefix\": \"10.9.0.0/16\", \"port\": \"vm2\"},"       \
	"  {\"vpc\": \"blue\", \"prefix\": \"fd09::/32\", \"port\": \"vm2\"},"                     \
	"  {\"vpc\": \"blue\", \"prefix\": \"10.8.0.0/16\", \"port\": \"vm1\"}]}"

static inline struct ctrl_model *model_base(void)
{
	struct ctrl_model *m = ctrl_model_new();
	char err[CTRL_ERR_SIZE];
	json_t *doc = J(BASE_DOC);
	int rc = ctrl_model_replace(m, doc, NULL, err);

	json_decref(doc);
	if (rc != 0)
		fail_msg("base refused: %s", err);
	return m;
}

static inline int strcmp_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each table's rows sorted by their text, so that two states compare whatever the order. */
static inline json_t *sorted_state(const json_t *doc)
{
	json_t *out = json_object(), *rows;
	const char *k;

	json_object_foreach((json_t *)doc, k, rows)
	{
		size_t n = json_array_size(rows);
		char **texts = calloc(n + 1, sizeof(*texts));
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			texts[i] = json_dumps(json_array_get(rows, i), JSON_SORT_KEYS | JSON_COMPACT);
		qsort(texts, n, sizeof(*texts), strcmp_ptr_cmp);
		for (size_t i = 0; i < n; i++) {
			json_array_append_new(a, json_loads(texts[i], 0, NULL));
			free(texts[i]);
		}
		free(texts);
		json_object_set_new(out, k, a);
	}
	return out;
}

#endif
