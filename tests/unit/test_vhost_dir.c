/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of control/vhost_dir.c: the socket directory's permissions, what it refuses to
 * be, and which socket paths count as inside it (real directories in a scratch tree:
 * symbolic links, "..", a sibling whose name starts with the directory's).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vhost_dir.h"

static char top[64], dir[128], path[300], err[400];

static const char *at(const char *rel)
{
	snprintf(path, sizeof(path), "%s/%s", top, rel);
	return path;
}

static int setup(void **state)
{
	(void)state;
	strcpy(top, "/tmp/vhost_dir_test.XXXXXX");
	if (mkdtemp(top) == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "%s/vu", top);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd);
}

static struct vrelay_perms perms(mode_t mode)
{
	return (struct vrelay_perms){.uid = (uid_t)-1, .gid = (gid_t)-1, .mode = mode};
}

static void test_parse(void **state)
{
	struct vrelay_perms p = perms(0660);

	(void)state;
	assert_int_equal(vhost_dir_parse_mode("0620", &p, err, sizeof(err)), 0);
	assert_int_equal(p.mode, 0620);
	assert_int_equal(vhost_dir_parse_mode("0800", &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'0800' is not an octal mode"));
	assert_int_equal(vhost_dir_parse_mode("01777", &p, err, sizeof(err)), -EINVAL);
	assert_int_equal(vhost_dir_parse_mode("rw", &p, err, sizeof(err)), -EINVAL);
	assert_int_equal(p.mode, 0620); /* a refused value changes nothing */
	assert_int_equal(vhost_dir_parse_owner("root", &p, err, sizeof(err)), 0);
	assert_int_equal(p.uid, 0);
	assert_int_equal(vhost_dir_parse_owner("65534", &p, err, sizeof(err)), 0);
	assert_int_equal(p.uid, 65534);
	assert_int_equal(vhost_dir_parse_owner("no-such-user-here", &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no user 'no-such-user-here'"));
	assert_int_equal(p.uid, 65534);
	assert_int_equal(vhost_dir_parse_group("root", &p, err, sizeof(err)), 0);
	assert_int_equal(p.gid, 0);
	assert_int_equal(vhost_dir_parse_group("-1", &p, err, sizeof(err)), -EINVAL);
	p = perms(0660);
	assert_int_equal(vhost_dir_mode(&p), 01770);
	p = perms(0600);
	assert_int_equal(vhost_dir_mode(&p), 0700);
	p = perms(0666);
	assert_int_equal(vhost_dir_mode(&p), 01771);
	p.uid = 65534; /* the sockets' owner must reach them */
	p.mode = 0600;
	assert_int_equal(vhost_dir_mode(&p), 0701);
}

static void test_prepare(void **state)
{
	struct vrelay_perms p = perms(0600);
	struct stat st;

	(void)state;
	/* created: with the mode the sockets' mode implies */
	assert_int_equal(vhost_dir_prepare(dir, &p, 0, err, sizeof(err)), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* an existing directory is left as it is unless permissions were asked for */
	assert_int_equal(chmod(dir, 0750), 0);
	assert_int_equal(vhost_dir_prepare(dir, &p, 0, err, sizeof(err)), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	p = perms(0660);
	p.gid = 65534;
	assert_int_equal(vhost_dir_prepare(dir, &p, 1, err, sizeof(err)), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 01770);
	assert_int_equal(st.st_gid, 65534);
	/* refused: writable by everyone, or not a directory */
	assert_int_equal(chmod(dir, 01777), 0);
	assert_int_equal(vhost_dir_prepare(dir, &p, 0, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "writable by every user"));
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(close(creat(at("file"), 0600)), 0);
	assert_int_equal(vhost_dir_prepare(at("file"), &p, 0, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "not a directory"));
	assert_int_equal(vhost_dir_prepare(at("no/such/dir"), &p, 0, err, sizeof(err)), -ENOENT);
	/* the last good one is the directory from here on */
	assert_int_equal(vhost_dir_prepare(dir, &p, 0, err, sizeof(err)), 0);
}

static void test_confine(void **state)
{
	char in[300];

	(void)state;
	assert_int_equal(mkdir(at("vu/sub"), 0700), 0);
	assert_int_equal(mkdir(at("vu-evil"), 0700), 0);
	assert_int_equal(mkdir(at("vu/.vhost-lib.x"), 0700), 0);
	assert_int_equal(symlink(top, at("vu/up")), 0);
	assert_int_equal(symlink("/etc/passwd", at("vu/link.sock")), 0);

	assert_int_equal(vhost_dir_confine(at("vu/a.sock"), err, sizeof(err)), 0);
	assert_int_equal(vhost_dir_confine(at("vu/sub/a.sock"), err, sizeof(err)), 0);
	assert_int_equal(vhost_dir_confine(at("vu/sub/../a.sock"), err, sizeof(err)), 0);

	assert_int_equal(vhost_dir_confine(at("a.sock"), err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "is outside the socket directory"));
	assert_int_equal(vhost_dir_confine(at("vu-evil/a.sock"), err, sizeof(err)), -EPERM);
	assert_int_equal(vhost_dir_confine(at("vu/../a.sock"), err, sizeof(err)), -EPERM);
	assert_int_equal(vhost_dir_confine(at("vu/up/a.sock"), err, sizeof(err)), -EPERM);
	assert_int_equal(vhost_dir_confine("/run/a.sock", err, sizeof(err)), -EPERM);
	assert_int_equal(vhost_dir_confine(at("vu/link.sock"), err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(vhost_dir_confine(at("vu/.vhost-lib.x/0.sock"), err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "hidden directory"));
	assert_int_equal(vhost_dir_confine(at("vu/"), err, sizeof(err)), -EPERM);
	assert_int_equal(vhost_dir_confine(at("vu/.."), err, sizeof(err)), -EPERM);
	assert_int_equal(vhost_dir_confine("a.sock", err, sizeof(err)), -EPERM);
	assert_int_equal(vhost_dir_confine(at("vu/missing/a.sock"), err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "does not exist"));
	snprintf(in, sizeof(in), "%s", at("vu/a.sock"));
	assert_int_equal(vhost_dir_confine(in, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_prepare),
		cmocka_unit_test(test_confine),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
