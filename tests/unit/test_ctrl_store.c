/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of controller/ctrl_store.c on a real SQLite file in a temporary directory:
 * commits read back equal, a commit on a stale base refused, a corrupted row and a newer
 * schema refused on load with a message naming them.
 */
#include "test_ctrl_fixture.h"

#include <errno.h>
#include <sqlite3.h>
#include <unistd.h>

#include "ctrl_store.h"

static char dir[64], path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_ctrl_store.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/state.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void raw_sql(const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* The base topology, committed as one replace. */
static struct ctrl_store *store_with_base(struct ctrl_model **mp)
{
	char err[CTRL_ERR_SIZE];
	struct ctrl_store *s = ctrl_store_open(path, err);
	struct ctrl_model *m = ctrl_model_new();
	json_t *doc = J(BASE_DOC), *changes = NULL;

	if (s == NULL)
		fail_msg("open: %s", err);
	assert_int_equal(ctrl_store_load(s, m, err), 0);
	assert_int_equal(ctrl_model_replace(m, doc, &changes, err), 0);
	assert_int_equal(ctrl_store_commit(s, changes, 0, ctrl_model_version(m), err), 0);
	json_decref(doc);
	json_decref(changes);
	*mp = m;
	return s;
}

/* ---- invalid arguments ---- */

static void open_refuses_what_it_cannot_use(void **state)
{
	char err[CTRL_ERR_SIZE], other[160];
	struct ctrl_store *s;

	(void)state;
	assert_null(ctrl_store_open("mysql://db/vpc", err));
	assert_non_null(strstr(err, "give sqlite:PATH, a PATH or postgresql://"));
	/* nothing listens on port 1: the PostgreSQL backend says so */
	assert_null(ctrl_store_open("postgresql://127.0.0.1:1/vpc?connect_timeout=2", err));
	assert_non_null(strstr(err, "postgresql: connect"));
	/* a file whose name starts like the scheme is a file */
	snprintf(other, sizeof(other), "%s/postgres.db", dir);
	s = ctrl_store_open(other, err);
	assert_non_null(s);
	ctrl_store_close(s);
	assert_null(ctrl_store_open("sqlite:/nonexistent/dir/x.db", err));
	assert_non_null(strstr(err, "/nonexistent/dir/x.db"));
	raw_sql("PRAGMA user_version = 7");
	assert_null(ctrl_store_open(path, err));
	assert_non_null(strstr(err, "schema is version 7, newer"));
}

/* ---- normal path ---- */

static void commits_load_back_equal(void **state)
{
	struct ctrl_model *m, *again = ctrl_model_new();
	struct ctrl_store *s = store_with_base(&m);
	json_t *ops = J("{\"ops\": [{\"op\": \"delete\", \"table\": \"port\", \"row\": {\"name\": \"vm3\"}},"
			"{\"op\": \"modify\", \"table\": \"host\", \"row\": {\"name\": \"h1\", \"vtep\": \"10.1.1.1\"}}]}");
	json_t *changes = NULL, *a, *b;
	char err[CTRL_ERR_SIZE];
	uint64_t base = ctrl_model_version(m);

	(void)state;
	assert_int_equal(ctrl_model_txn(m, ops, &changes, err), 0);
	assert_int_equal(ctrl_store_commit(s, changes, base, ctrl_model_version(m), err), 0);
	assert_int_equal(ctrl_store_version(s), 2);
	ctrl_store_close(s);
	s = ctrl_store_open("sqlite:" "", err); /* no path */
	assert_null(s);
	s = ctrl_store_open(path, err);
	assert_non_null(s);
	assert_int_equal(ctrl_store_load(s, again, err), 0);
	a = ctrl_model_dump(m);
	b = ctrl_model_dump(again);
	assert_true(json_equal(a, b));
	assert_int_equal(ctrl_model_version(again), 2);
	json_decref(a);
	json_decref(b);
	json_decref(ops);
	json_decref(changes);
	ctrl_store_close(s);
	ctrl_model_free(m);
	ctrl_model_free(again);
}

static void stale_base_is_refused(void **state)
{
	struct ctrl_model *m;
	struct ctrl_store *s = store_with_base(&m);
	json_t *ops = J("{\"ops\": [{\"op\": \"delete\", \"table\": \"port\", \"row\": {\"name\": \"vm3\"}}]}");
	json_t *changes = NULL;
	char err[CTRL_ERR_SIZE];

	(void)state;
	assert_int_equal(ctrl_model_txn(m, ops, &changes, err), 0);
	/* someone else committed version 2 first */
	raw_sql("UPDATE meta SET value = 2 WHERE name = 'version'");
	assert_int_equal(ctrl_store_commit(s, changes, 1, 2, err), -ESTALE);
	assert_non_null(strstr(err, "stored version is 2, not 1"));
	/* and nothing of it was written */
	assert_int_equal(ctrl_store_version(s), 2);
	{
		struct ctrl_model *again = ctrl_model_new();
		const json_t *p;
		json_t *probe = J("{\"name\": \"vm3\"}");

		assert_int_equal(ctrl_store_load(s, again, err), 0);
		p = ctrl_model_find(again, "port", probe);
		assert_non_null(p);
		json_decref(probe);
		ctrl_model_free(again);
	}
	json_decref(ops);
	json_decref(changes);
	ctrl_store_close(s);
	ctrl_model_free(m);
}

/* ---- edge cases ---- */

static void corrupted_row_is_refused_by_name(void **state)
{
	struct ctrl_model *m, *again = ctrl_model_new();
	struct ctrl_store *s = store_with_base(&m);
	char err[CTRL_ERR_SIZE];

	(void)state;
	ctrl_store_close(s);
	raw_sql("UPDATE rows SET body = replace(body, '52:54:00:00:00:02', '52:54:00:00:00:01') "
		"WHERE tbl = 'ports' AND key = 'vm2'");
	s = ctrl_store_open(path, err);
	assert_int_equal(ctrl_store_load(s, again, err), -EEXIST);
	assert_string_equal(err, "stored row ports 'vm2': port.mac: 52:54:00:00:00:01 is already "
				 "used by port 'vm1' in vpc 'blue'");
	raw_sql("UPDATE rows SET body = '{\"name\": ' WHERE tbl = 'ports' AND key = 'vm2'");
	assert_int_equal(ctrl_store_load(s, again, err), -EINVAL);
	assert_non_null(strstr(err, "stored row ports 'vm2': not a JSON object"));
	ctrl_store_close(s);
	ctrl_model_free(m);
	ctrl_model_free(again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(open_refuses_what_it_cannot_use, setup, teardown),
		cmocka_unit_test_setup_teardown(commits_load_back_equal, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_base_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(corrupted_row_is_refused_by_name, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
