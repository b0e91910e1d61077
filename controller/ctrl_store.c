/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The desired state in SQLite: one row per model row (table, KEY, canonical JSON) and the
 * state's version in meta. A commit is one BEGIN IMMEDIATE transaction that first checks
 * the version it builds on, so two controllers on one file cannot both commit on the same
 * base. The SQL is plain (an upsert, no SQLite-only types) so that PostgreSQL can share it.
 */
#include "ctrl_store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ctrl_model_private.h"
#include "ctrl_store_pg.h"

#define SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 5000

struct ctrl_store {
	sqlite3 *db;
	struct ctrl_store_pg *pg; /* PostgreSQL instead (ctrl_store_pg.c) */
};


static int exec(sqlite3 *db, const char *sql, char *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	ctrl_fail(err, -EIO, "sqlite: %s", msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -EIO;
}

/* One integer from a query without parameters, or -1 with err filled. */
static int64_t query_int(sqlite3 *db, const char *sql, char *err)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		ctrl_fail(err, -EIO, "sqlite: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		ctrl_fail(err, -EIO, "sqlite: %s: no value (%s)", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return v;
}

static int schema(sqlite3 *db, char *err)
{
	int64_t v = query_int(db, "PRAGMA user_version", err);
	int rc;

	if (v < 0)
		return -EIO;
	if (v > SCHEMA_VERSION)
		return ctrl_fail(err, -EPROTO,
			    "the database's schema is version %lld, newer than this controller's "
			    "(%d): use a newer vpc-controller",
			    (long long)v, SCHEMA_VERSION);
	if (v == SCHEMA_VERSION)
		return 0;
	if ((rc = exec(db, "BEGIN IMMEDIATE", err)) < 0)
		return rc;
	rc = exec(db,
		  "CREATE TABLE IF NOT EXISTS rows (tbl TEXT NOT NULL, key TEXT NOT NULL, "
		  "body TEXT NOT NULL, PRIMARY KEY (tbl, key));"
		  "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
		  "INSERT INTO meta (name, value) VALUES ('version', 0) ON CONFLICT (name) DO NOTHING;"
		  "PRAGMA user_version = 1;",
		  err);
	if (rc < 0) {
		exec(db, "ROLLBACK", err + strlen(err)); /* keeps the first message */
		return rc;
	}
	return exec(db, "COMMIT", err);
}

struct ctrl_store *ctrl_store_open(const char *where, char *err)
{
	bool pg;
	struct ctrl_store *s;
	const char *path = where;

	if (where == NULL || where[0] == '\0') {
		ctrl_fail(err, -EINVAL, "store: no database given");
		return NULL;
	}
	pg = strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0;
	if (strncmp(where, "sqlite:", 7) == 0)
		path = where + 7;
	else if (strstr(where, "://") != NULL && !pg) {
		ctrl_fail(err, -EINVAL, "store: '%s': give sqlite:PATH, a PATH or postgresql://...",
		     where);
		return NULL;
	}
	if (path[0] == '\0') { /* SQLite would open a private temporary database */
		ctrl_fail(err, -EINVAL, "store: '%s': no file name", where);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		ctrl_fail(err, -ENOMEM, "out of memory");
		return NULL;
	}
	if (pg) {
		s->pg = ctrl_store_pg_open(where, err);
		if (s->pg == NULL)
			goto fail;
		return s;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		ctrl_fail(err, -EIO, "store: %s: %s", path,
		     s->db != NULL ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	/* WAL: readers never block the writer; NORMAL: a commit survives a crash of the
	 * process, and of the machine but for the last transactions */
	if (exec(s->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", err) < 0 ||
	    schema(s->db, err) < 0)
		goto fail;
	return s;
fail:
	ctrl_store_close(s);
	return NULL;
}

void ctrl_store_close(struct ctrl_store *s)
{
	if (s == NULL)
		return;
	ctrl_store_pg_close(s->pg);
	sqlite3_close(s->db);
	free(s);
}

int ctrl_store_fd(struct ctrl_store *s)
{
	return s->pg != NULL ? ctrl_store_pg_fd(s->pg) : -1;
}

int ctrl_store_changed(struct ctrl_store *s, uint64_t have, char *err)
{
	return s->pg != NULL ? ctrl_store_pg_changed(s->pg, have, err) : 0;
}

int64_t ctrl_store_version(struct ctrl_store *s)
{
	if (s->pg != NULL)
		return ctrl_store_pg_version(s->pg);

	char err[CTRL_ERR_SIZE];
	int64_t v = query_int(s->db, "SELECT value FROM meta WHERE name = 'version'", err);

	return v < 0 ? -EIO : v;
}

/* "ports[3]: ..." from the model: the stored row it was, by table and key. */
static int load_error(const json_t *keys, const char *inner, int rc, char *err)
{
	char table[40];
	size_t i;
	int n = 0;
	const char *key;

	if (sscanf(inner, "%39[a-z_][%zu]: %n", table, &i, &n) == 2 && n > 0 &&
	    (key = json_string_value(json_array_get(json_object_get(keys, table), i))) != NULL)
		return ctrl_fail(err, rc, "stored row %s '%s': %s", table, key, inner + n);
	return ctrl_fail(err, rc, "stored state: %s", inner);
}

int ctrl_store_load(struct ctrl_store *s, struct ctrl_model *m, char *err)
{
	if (s->pg != NULL)
		return ctrl_store_pg_load(s->pg, m, err);

	char inner[CTRL_ERR_SIZE];
	json_t *doc = json_object(), *keys = json_object(), *body;
	sqlite3_stmt *st = NULL;
	json_error_t jerr;
	int64_t version;
	bool in_txn = false;
	int rc = 0, step;

	if (doc == NULL || keys == NULL) {
		rc = ctrl_fail(err, -ENOMEM, "out of memory");
		goto out;
	}
	/* rows and version from one snapshot: another process may write the file meanwhile */
	if ((rc = exec(s->db, "BEGIN", err)) < 0)
		goto out;
	in_txn = true;
	if (sqlite3_prepare_v2(s->db, "SELECT tbl, key, body FROM rows ORDER BY tbl, key", -1, &st,
			       NULL) != SQLITE_OK) {
		rc = ctrl_fail(err, -EIO, "sqlite: %s", sqlite3_errmsg(s->db));
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *tbl = (const char *)sqlite3_column_text(st, 0);
		const char *key = (const char *)sqlite3_column_text(st, 1);
		const char *text = (const char *)sqlite3_column_text(st, 2);
		int t = ctrl_table_parse(tbl);
		json_t *rows, *ks;

		if (t < 0 || t == CFG_T_REMOTE) {
			rc = ctrl_fail(err, -EINVAL, "stored row %s '%s': no such table", tbl, key);
			goto out;
		}
		body = json_loads(text != NULL ? text : "", JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_object(body)) {
			json_decref(body);
			rc = ctrl_fail(err, -EINVAL, "stored row %s '%s': not a JSON object (%s)", tbl, key,
				  jerr.text);
			goto out;
		}
		tbl = ctrl_table_plural(t);
		if ((rows = json_object_get(doc, tbl)) == NULL) {
			json_object_set_new(doc, tbl, rows = json_array());
			json_object_set_new(keys, tbl, ks = json_array());
		}
		ks = json_object_get(keys, tbl);
		json_array_append_new(rows, body);
		json_array_append_new(ks, json_string(key));
	}
	if (step != SQLITE_DONE) {
		rc = ctrl_fail(err, -EIO, "sqlite: %s", sqlite3_errmsg(s->db));
		goto out;
	}
	if ((version = ctrl_store_version(s)) < 0) {
		rc = ctrl_fail(err, -EIO, "sqlite: %s", sqlite3_errmsg(s->db));
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	in_txn = false;
	if ((rc = exec(s->db, "COMMIT", err)) < 0)
		goto out;
	if ((rc = ctrl_model_replace(m, doc, NULL, inner)) < 0) {
		load_error(keys, inner, rc, err);
		goto out;
	}
	ctrl_model_set_version(m, (uint64_t)version);
out:
	sqlite3_finalize(st);
	if (in_txn)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	json_decref(doc);
	json_decref(keys);
	return rc;
}

static int write_change(sqlite3_stmt *put, sqlite3_stmt *del, const json_t *c, char *err)
{
	const char *tbl = json_string_value(json_object_get(c, "table"));
	const char *key = json_string_value(json_object_get(c, "key"));
	const json_t *row = json_object_get(c, "new");
	sqlite3_stmt *st = json_is_object(row) ? put : del;
	char *body = NULL;
	int rc = 0;

	if (tbl == NULL || key == NULL)
		return ctrl_fail(err, -EINVAL, "store: a change without table or key");
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (st == put) {
		body = json_dumps(row, JSON_COMPACT | JSON_SORT_KEYS);
		if (body == NULL)
			return ctrl_fail(err, -ENOMEM, "out of memory");
		sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ctrl_fail(err, -EIO, "sqlite: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
	sqlite3_reset(st);
	free(body);
	return rc;
}

int ctrl_store_commit(struct ctrl_store *s, const json_t *changes, uint64_t base, uint64_t next,
		      char *err)
{
	if (s->pg != NULL)
		return ctrl_store_pg_commit(s->pg, changes, base, next, err);

	sqlite3_stmt *put = NULL, *del = NULL, *ver = NULL;
	const json_t *c;
	int64_t stored;
	size_t i;
	int rc;

	if ((rc = exec(s->db, "BEGIN IMMEDIATE", err)) < 0)
		return rc;
	stored = query_int(s->db, "SELECT value FROM meta WHERE name = 'version'", err);
	if (stored < 0) {
		rc = -EIO;
		goto rollback;
	}
	if ((uint64_t)stored != base) {
		rc = ctrl_fail(err, -ESTALE,
			  "store: the stored version is %lld, not %llu: another controller "
			  "committed first",
			  (long long)stored, (unsigned long long)base);
		goto rollback;
	}
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO rows (tbl, key, body) VALUES (?1, ?2, ?3) "
			       "ON CONFLICT (tbl, key) DO UPDATE SET body = excluded.body",
			       -1, &put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "DELETE FROM rows WHERE tbl = ?1 AND key = ?2", -1, &del,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "UPDATE meta SET value = ?1 WHERE name = 'version'", -1,
			       &ver, NULL) != SQLITE_OK) {
		rc = ctrl_fail(err, -EIO, "sqlite: %s", sqlite3_errmsg(s->db));
		goto rollback;
	}
	json_array_foreach(changes, i, c)
		if ((rc = write_change(put, del, c, err)) < 0)
			goto rollback;
	sqlite3_bind_int64(ver, 1, (sqlite3_int64)next);
	if (sqlite3_step(ver) != SQLITE_DONE) {
		rc = ctrl_fail(err, -EIO, "sqlite: %s", sqlite3_errmsg(s->db));
		goto rollback;
	}
	sqlite3_finalize(put);
	sqlite3_finalize(del);
	sqlite3_finalize(ver);
	put = del = ver = NULL;
	if ((rc = exec(s->db, "COMMIT", err)) == 0)
		return 0;
rollback:
	sqlite3_finalize(put);
	sqlite3_finalize(del);
	sqlite3_finalize(ver);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
