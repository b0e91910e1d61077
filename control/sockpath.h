/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Taking over a Unix socket path the switch is about to listen on: a stale socket left by a
 * crashed switch is removed, a live one (another process answers) or any file that is not a
 * socket is never touched.
 */
#ifndef VPCSW_SOCKPATH_H
#define VPCSW_SOCKPATH_H

/** Returns 0 (path free, or a stale socket removed), -EADDRINUSE (someone listens there),
 *  -EEXIST (not a socket), or another -errno. Control thread. */
int sockpath_claim(const char *path);

#endif
