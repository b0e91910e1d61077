/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where the controller's desired state lives: SQLite (embedded, one file; the default) or,
 * later, PostgreSQL shared by several controller replicas. Rows are stored as the model
 * keeps them (table, key, canonical JSON row) with one version number for the whole state;
 * a commit writes one transaction's changes and the new version atomically.
 */
#ifndef VPCSW_CTRL_STORE_H
#define VPCSW_CTRL_STORE_H

#include <stdint.h>

#include <jansson.h>

#include "ctrl_model.h"

struct ctrl_store;

/** where: "sqlite:PATH" or a plain PATH (the file and its schema are created if missing),
 *  or a PostgreSQL URI "postgresql://..." (the schema is created if missing).
 *  Returns NULL with the reason in err (CTRL_ERR_SIZE). */
struct ctrl_store *ctrl_store_open(const char *where, char *err);
void ctrl_store_close(struct ctrl_store *s);

/** Load everything stored into m (an empty model): rows and version. Returns 0 or -errno
 *  with err filled (a stored state the model refuses is an error naming the row). */
int ctrl_store_load(struct ctrl_store *s, struct ctrl_model *m, char *err);

/**
 * Persist one transaction: changes as ctrl_model_txn returns them, the state's version
 * going from base to next. Atomic. -ESTALE when the stored version is not base (another
 * replica committed first: reload); -EIO with the database's message in err.
 */
int ctrl_store_commit(struct ctrl_store *s, const json_t *changes, uint64_t base, uint64_t next,
		      char *err);

/** The descriptor that becomes readable when another replica commits (-1: SQLite, none). */
int ctrl_store_fd(struct ctrl_store *s);
/** After ctrl_store_fd was readable: 1 when a version newer than have was committed
 *  elsewhere (reload), 0 when not, -errno with err filled. */
int ctrl_store_changed(struct ctrl_store *s, uint64_t have, char *err);

/** The stored version (-errno on failure). */
int64_t ctrl_store_version(struct ctrl_store *s);

#endif
