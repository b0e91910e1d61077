/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store on PostgreSQL (libpq), for replicated controllers: the same two tables as the
 * SQLite store, shared by every replica. A commit locks the version row, so two replicas
 * writing at once serialize and the second sees -ESTALE; it then NOTIFYs the new version,
 * and every replica LISTENs and reloads when it hears of a version newer than its own.
 */
#include "ctrl_store_pg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#define CHANNEL "vpc_controller_state"

struct ctrl_store_pg {
	PGconn *conn;
};

static void pg_err(PGconn *conn, const char *what, char *err)
{
	char msg[160];
	size_t n;

	snprintf(msg, sizeof(msg), "%s", PQerrorMessage(conn));
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	snprintf(err, CTRL_ERR_SIZE, "postgresql: %.80s: %s", what, msg);
}

/* Run a command that returns no rows; 0 or -EIO with err filled. */
static int exec_cmd(PGconn *conn, const char *sql, int n, const char *const *params, char *err)
{
	PGresult *r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		pg_err(conn, sql, err);
	PQclear(r);
	return ok ? 0 : -EIO;
}

static const char *const schema[] = {
	"CREATE TABLE IF NOT EXISTS rows (tbl TEXT NOT NULL, key TEXT NOT NULL, "
	"body TEXT NOT NULL, PRIMARY KEY (tbl, key))",
	"CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
	"INSERT INTO meta (name, value) VALUES ('version', 0) ON CONFLICT (name) DO NOTHING",
	"LISTEN " CHANNEL,
};

/* A lost database connection is made again (and listens again) before the next use. */
static int ensure_conn(struct ctrl_store_pg *s, char *err)
{
	if (PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	PQreset(s->conn);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		pg_err(s->conn, "reconnect", err);
		return -EIO;
	}
	return exec_cmd(s->conn, "LISTEN " CHANNEL, 0, NULL, err);
}

struct ctrl_store_pg *ctrl_store_pg_open(const char *conninfo, char *err)
{
	struct ctrl_store_pg *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, CTRL_ERR_SIZE, "out of memory");
		return NULL;
	}
	/* defaults the URI may override: a dead database is noticed in seconds, not at TCP's
	 * pace (every call blocks the controller's one loop) */
	static const char *const keys[] = {"connect_timeout", "keepalives", "keepalives_idle",
					   "keepalives_interval", "keepalives_count",
					   "tcp_user_timeout", "dbname", NULL};
	const char *values[] = {"2", "1", "5", "2", "3", "10000", conninfo, NULL};

	s->conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		pg_err(s->conn, "connect", err);
		ctrl_store_pg_close(s);
		return NULL;
	}
	/* replicas starting together: the schema is made under one lock */
	if (exec_cmd(s->conn, "SELECT pg_advisory_lock(7007)", 0, NULL, err) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(schema) / sizeof(schema[0]); i++)
		if (exec_cmd(s->conn, schema[i], 0, NULL, err) < 0)
			goto fail;
	if (exec_cmd(s->conn, "SELECT pg_advisory_unlock(7007)", 0, NULL, err) < 0)
		goto fail;
	PQsetnonblocking(s->conn, 0);
	return s;
fail:
	ctrl_store_pg_close(s);
	return NULL;
}

void ctrl_store_pg_close(struct ctrl_store_pg *s)
{
	if (s == NULL)
		return;
	PQfinish(s->conn);
	free(s);
}

int64_t ctrl_store_pg_version(struct ctrl_store_pg *s)
{
	char err[CTRL_ERR_SIZE];
	PGresult *r;
	int64_t v = -EIO;

	if (ensure_conn(s, err) < 0)
		return -EIO;
	r = PQexec(s->conn, "SELECT value FROM meta WHERE name = 'version'");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

/* One consistent snapshot: the rows and the version they are at. */
int ctrl_store_pg_load(struct ctrl_store_pg *s, struct ctrl_model *m, char *err)
{
	json_t *doc = json_object(), *changes = NULL;
	char ignore[CTRL_ERR_SIZE];
	PGresult *r = NULL;
	int64_t version;
	int rc = ensure_conn(s, err) < 0 ? -EIO : exec_cmd(s->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, err);

	if (rc < 0)
		goto out;
	version = ctrl_store_pg_version(s);
	r = PQexec(s->conn, "SELECT tbl, key, body FROM rows ORDER BY tbl, key");
	if (version < 0 || PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_err(s->conn, "load", err);
		rc = -EIO;
		goto out;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		const char *tbl = PQgetvalue(r, i, 0);
		json_error_t je;
		json_t *row = json_loads(PQgetvalue(r, i, 2), JSON_REJECT_DUPLICATES, &je);
		json_t *arr = json_object_get(doc, tbl);

		if (row == NULL) {
			snprintf(err, CTRL_ERR_SIZE, "stored row %s %s: %s", tbl, PQgetvalue(r, i, 1),
				 je.text);
			rc = -EINVAL;
			goto out;
		}
		if (arr == NULL) {
			arr = json_array();
			json_object_set_new(doc, tbl, arr);
		}
		json_array_append_new(arr, row);
	}
	rc = ctrl_model_replace(m, doc, &changes, err);
	if (rc == 0)
		ctrl_model_set_version(m, (uint64_t)version);
out:
	PQclear(r);
	exec_cmd(s->conn, rc == 0 ? "COMMIT" : "ROLLBACK", 0, NULL, ignore);
	json_decref(changes);
	json_decref(doc);
	return rc;
}

static int write_change(PGconn *conn, const json_t *ch, char *err)
{
	const char *tbl = json_string_value(json_object_get(ch, "table"));
	const char *key = json_string_value(json_object_get(ch, "key"));
	const json_t *row = json_object_get(ch, "new");
	char *body;
	int rc;

	if (tbl == NULL || key == NULL) {
		snprintf(err, CTRL_ERR_SIZE, "a change without table or key");
		return -EINVAL;
	}
	if (row == NULL || json_is_null(row)) {
		const char *p[] = {tbl, key};

		return exec_cmd(conn, "DELETE FROM rows WHERE tbl = $1 AND key = $2", 2, p, err);
	}
	body = json_dumps(row, JSON_COMPACT | JSON_SORT_KEYS);
	if (body == NULL)
		return -ENOMEM;
	const char *p[] = {tbl, key, body};

	rc = exec_cmd(conn,
		      "INSERT INTO rows (tbl, key, body) VALUES ($1, $2, $3) "
		      "ON CONFLICT (tbl, key) DO UPDATE SET body = EXCLUDED.body",
		      3, p, err);
	free(body);
	return rc;
}

int ctrl_store_pg_commit(struct ctrl_store_pg *s, const json_t *changes, uint64_t base,
			 uint64_t next, char *err)
{
	char b[24], n[24], ignore[CTRL_ERR_SIZE];
	const char *pv[] = {n};
	const json_t *ch;
	PGresult *r;
	size_t i;
	int rc;

	if (ensure_conn(s, err) < 0)
		return -EIO;
	snprintf(b, sizeof(b), "%" PRIu64, base);
	snprintf(n, sizeof(n), "%" PRIu64, next);
	if (exec_cmd(s->conn, "BEGIN", 0, NULL, err) < 0)
		return -EIO;
	r = PQexec(s->conn, "SELECT value FROM meta WHERE name = 'version' FOR UPDATE");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		pg_err(s->conn, "lock the version", err);
		rc = -EIO;
	} else if (strcmp(PQgetvalue(r, 0, 0), b) != 0) {
		snprintf(err, CTRL_ERR_SIZE,
			 "another controller changed the state (version %s, this one had %s): "
			 "reloaded, try again", PQgetvalue(r, 0, 0), b);
		rc = -ESTALE;
	} else {
		rc = 0;
	}
	PQclear(r);
	json_array_foreach(changes, i, ch)
		if (rc == 0)
			rc = write_change(s->conn, ch, err);
	if (rc == 0)
		rc = exec_cmd(s->conn, "UPDATE meta SET value = $1 WHERE name = 'version'", 1, pv,
			      err);
	if (rc == 0)
		rc = exec_cmd(s->conn, "SELECT pg_notify('" CHANNEL "', $1)", 1, pv, err);
	if (rc == 0)
		return exec_cmd(s->conn, "COMMIT", 0, NULL, err);
	exec_cmd(s->conn, "ROLLBACK", 0, NULL, ignore);
	return rc;
}

int ctrl_store_pg_fd(struct ctrl_store_pg *s)
{
	return PQsocket(s->conn);
}

int ctrl_store_pg_changed(struct ctrl_store_pg *s, uint64_t have, char *err)
{
	PGnotify *nt;
	int newer = 0;

	if (!PQconsumeInput(s->conn)) {
		pg_err(s->conn, "notifications", err);
		return -EIO;
	}
	while ((nt = PQnotifies(s->conn)) != NULL) {
		if (strtoull(nt->extra, NULL, 10) > have)
			newer = 1;
		PQfreemem(nt);
	}
	return newer;
}
