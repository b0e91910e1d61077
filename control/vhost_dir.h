/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The directory of vhost-user sockets (--vhost-dir): every port's socket lives in it or
 * below it, its sockets get the owner, group and mode the operator set, and the directory
 * itself lets in only those who may use the sockets. Anyone who can write a socket path
 * can stand in for a VM (client mode) or squat a port's path (server mode), so the
 * directory must be writable only by the switch's user and the operator's chosen group.
 */
#ifndef VPCSW_VHOST_DIR_H
#define VPCSW_VHOST_DIR_H

#include <stddef.h>
#include <sys/types.h>

#include "../vhost/vrelay.h"

/** Parse --vhost-owner (a user name or uid), --vhost-group (a group name or gid) and
 *  --vhost-mode (octal, at most 0777) into perms. 0, or -EINVAL with err filled. */
int vhost_dir_parse_owner(const char *s, struct vrelay_perms *perms, char *err, size_t sz);
int vhost_dir_parse_group(const char *s, struct vrelay_perms *perms, char *err, size_t sz);
int vhost_dir_parse_mode(const char *s, struct vrelay_perms *perms, char *err, size_t sz);

/** The directory's mode for sockets made with perms: all for us; for the group, if the
 *  sockets let it in, all too (QEMU creates the sockets of client-mode ports there), with
 *  the sticky bit (one VM's QEMU cannot remove another's socket, nor ours); search
 *  for others if the sockets let them in or belong to another user (the socket's own mode
 *  still decides who may connect). */
mode_t vhost_dir_mode(const struct vrelay_perms *perms);

/**
 * Make dir the socket directory: created if missing; when it was created or set is true,
 * given the group of perms and vhost_dir_mode(perms). Refused (-EPERM, err says why)
 * when it is not a directory, is owned by another user than ours or root, or is writable by
 * others. Remembers its real path for vhost_dir_confine.
 */
int vhost_dir_prepare(const char *dir, const struct vrelay_perms *perms, int set, char *err,
		      size_t sz);

/** 0 when path names a socket inside the directory (after resolving its directory's real
 *  path), else -EPERM or -ENOENT with err saying why. */
int vhost_dir_confine(const char *path, char *err, size_t sz);

#endif
