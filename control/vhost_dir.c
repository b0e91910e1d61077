/* SPDX-License-Identifier: BSD-3-Clause */
/* The vhost-user socket directory (vhost_dir.h). Control thread only. */
#include "vhost_dir.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[PATH_MAX]; /* the directory's real path; empty until prepared */

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t sz, int rc, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, sz, fmt, ap);
	va_end(ap);
	return rc;
}

static bool numeric(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return *s >= '0' && *s <= '9' && *end == '\0' && errno == 0 && *v <= max;
}

int vhost_dir_parse_owner(const char *s, struct vrelay_perms *perms, char *err, size_t sz)
{
	const struct passwd *pw = getpwnam(s);
	unsigned long v;

	if (pw != NULL)
		perms->uid = pw->pw_uid;
	else if (numeric(s, (uid_t)-2, &v))
		perms->uid = (uid_t)v;
	else
		return fail(err, sz, -EINVAL, "--vhost-owner: no user '%s'", s);
	return 0;
}

int vhost_dir_parse_group(const char *s, struct vrelay_perms *perms, char *err, size_t sz)
{
	const struct group *gr = getgrnam(s);
	unsigned long v;

	if (gr != NULL)
		perms->gid = gr->gr_gid;
	else if (numeric(s, (gid_t)-2, &v))
		perms->gid = (gid_t)v;
	else
		return fail(err, sz, -EINVAL, "--vhost-group: no group '%s'", s);
	return 0;
}

int vhost_dir_parse_mode(const char *s, struct vrelay_perms *perms, char *err, size_t sz)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 8);
	if (*s < '0' || *s > '7' || *end != '\0' || errno != 0 || v > 0777)
		return fail(err, sz, -EINVAL, "--vhost-mode: '%s' is not an octal mode 0-0777", s);
	perms->mode = (mode_t)v;
	return 0;
}

mode_t vhost_dir_mode(const struct vrelay_perms *perms)
{
	return 0700 | (perms->mode & 0060 ? 01070 : 0) |
	       (perms->mode & 0006 || perms->uid != (uid_t)-1 ? 0001 : 0);
}

int vhost_dir_prepare(const char *dir, const struct vrelay_perms *perms, int set, char *err,
		      size_t sz)
{
	mode_t mode = vhost_dir_mode(perms);
	struct stat st;

	if (mkdir(dir, mode) == 0)
		set = 1;
	else if (errno != EEXIST)
		return fail(err, sz, -errno, "--vhost-dir %s: %s", dir, strerror(errno));
	if (set && ((perms->gid != (gid_t)-1 && chown(dir, (uid_t)-1, perms->gid) < 0) ||
		    chmod(dir, mode) < 0))
		return fail(err, sz, -errno, "--vhost-dir %s: %s", dir, strerror(errno));
	if (stat(dir, &st) < 0)
		return fail(err, sz, -errno, "--vhost-dir %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(err, sz, -EPERM, "--vhost-dir %s: not a directory", dir);
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return fail(err, sz, -EPERM,
			    "--vhost-dir %s: owned by another user; only the switch's user (or "
			    "root) may own it",
			    dir);
	if (st.st_mode & S_IWOTH)
		return fail(err, sz, -EPERM,
			    "--vhost-dir %s: writable by every user (anyone could put a socket "
			    "at a port's path)",
			    dir);
	if (realpath(dir, root) == NULL) {
		root[0] = '\0';
		return fail(err, sz, -errno, "--vhost-dir %s: %s", dir, strerror(errno));
	}
	return 0;
}

int vhost_dir_confine(const char *path, char *err, size_t sz)
{
	char parent[PATH_MAX], real[PATH_MAX];
	char *slash;
	const char *base;
	size_t n = strlen(root);
	struct stat st;

	if (root[0] == '\0' || strlen(path) >= sizeof(parent))
		return fail(err, sz, -EPERM, "'%s' cannot be checked against the socket directory",
			    path);
	strcpy(parent, path);
	slash = strrchr(parent, '/');
	if (slash == NULL)
		return fail(err, sz, -EPERM, "'%s' is not an absolute path", path);
	*slash = '\0';
	base = slash + 1;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return fail(err, sz, -EPERM, "'%s' does not name a socket file", path);
	if (realpath(parent[0] != '\0' ? parent : "/", real) == NULL)
		return fail(err, sz, -ENOENT, "the directory of '%s' does not exist", path);
	if (!(strcmp(root, "/") == 0 || strcmp(real, root) == 0 ||
	      (strncmp(real, root, n) == 0 && real[n] == '/')))
		return fail(err, sz, -EPERM,
			    "'%s' is outside the socket directory %s (vpcswitchd --vhost-dir)",
			    path, root);
	if (strstr(real + (strcmp(root, "/") == 0 ? 0 : n), "/.") != NULL)
		return fail(err, sz, -EPERM,
			    "'%s' is in a hidden directory (the switch keeps its own "
			    "sockets in one)",
			    path);
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return fail(err, sz, -EPERM, "'%s' is a symbolic link", path);
	return 0;
}
