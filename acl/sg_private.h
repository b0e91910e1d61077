/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What sg_rules.c and sg_acl.c share and nobody else sees.
 */
#ifndef VPCSW_SG_PRIVATE_H
#define VPCSW_SG_PRIVATE_H

#include "sg.h"

/** Write a message into err (SG_ERR_SIZE bytes, may be NULL) and return rc. */
int sg_fail(char *err, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
