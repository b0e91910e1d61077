/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What vpcctl's command files share: the management socket and the one-request call.
 */
#ifndef VPCSW_VPCCTL_H
#define VPCSW_VPCCTL_H

#include <stdint.h>

#include <jansson.h>

extern const char *vpcctl_sock_path;

/** One request (body consumed); prints the switch's error and returns 1 when it refuses, 0
 *  with the reply in *reply otherwise. */
int vpcctl_call(uint8_t type, json_t *body, json_t **reply);

/* Command handlers in their own files: argc/argv after the command word. */
int vpcctl_trace(int argc, char **argv);
int vpcctl_capture(int argc, char **argv);
int vpcctl_trace_live(int argc, char **argv);
/** One traced packet's stages and verdict as text (live traces print the same). */
void vpcctl_print_trace(const json_t *packet);

#endif
