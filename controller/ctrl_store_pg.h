/* SPDX-License-Identifier: BSD-3-Clause */
/* The store's PostgreSQL backend (ctrl_store.c dispatches to it for postgresql:// URIs). */
#ifndef VPCSW_CTRL_STORE_PG_H
#define VPCSW_CTRL_STORE_PG_H

#include <stdint.h>

#include <jansson.h>

#include "ctrl_model.h"

struct ctrl_store_pg;

struct ctrl_store_pg *ctrl_store_pg_open(const char *conninfo, char *err);
void ctrl_store_pg_close(struct ctrl_store_pg *s);
int ctrl_store_pg_load(struct ctrl_store_pg *s, struct ctrl_model *m, char *err);
int ctrl_store_pg_commit(struct ctrl_store_pg *s, const json_t *changes, uint64_t base,
			 uint64_t next, char *err);
int64_t ctrl_store_pg_version(struct ctrl_store_pg *s);
/** The descriptor that becomes readable when another replica commits. */
int ctrl_store_pg_fd(struct ctrl_store_pg *s);
/** After the descriptor was readable: 1 if a version newer than have was committed. */
int ctrl_store_pg_changed(struct ctrl_store_pg *s, uint64_t have, char *err);

#endif
