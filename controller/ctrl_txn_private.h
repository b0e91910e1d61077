/* SPDX-License-Identifier: BSD-3-Clause */
/* What ctrl_txn.c (ops) and ctrl_replace.c (a whole document) share: the transaction's
 * state, with its undo log, and the row helpers. Model library only. */
#ifndef VPCSW_CTRL_TXN_PRIVATE_H
#define VPCSW_CTRL_TXN_PRIVATE_H

#include <stdbool.h>

#include "ctrl_model_private.h"

enum op_kind { OP_INSERT, OP_MODIFY, OP_DELETE };

struct txn {
	struct ctrl_model *m;
	json_t *undo;        /* ctrl_model_set's log */
	json_t *labels;      /* "t/KEY" -> "ops[i]" or "ports[i]": who wrote the row */
	json_t *vpc_labels;  /* vpc -> the first label of a change in it */
	json_t *cfg_ix;      /* vpc -> index in cfgs */
	struct cfg **cfgs;
	size_t n_cfgs, cap_cfgs;
	char label[48];      /* the op or document row being applied */
	char table_label[CT_COUNT][48];
};

json_t *txn_canonical(int t, const void *stored, const json_t *orig);
int txn_cfg_do(struct cfg *c, enum op_kind k, int t, union cfg_row *r, char *err);
const void *txn_cfg_stored(struct cfg *c, int t, union cfg_row *r);
int txn_host_decode(const json_t *row, bool key_only, const char **name, json_t **canon,
		    char *err);
const char *txn_label_of(const struct txn *x, int t, const char *key);
int txn_post_check(struct txn *x, char *err);
int txn_row_decode(int t, const json_t *row, bool key_only, union cfg_row *r, char *err);
int txn_end(struct txn *x, bool always_count, json_t **changes, char *err);
void txn_fini(struct txn *x);
int txn_init(struct txn *x, struct ctrl_model *m);
int txn_set(struct txn *x, int t, const char *key, json_t *row);

#endif
