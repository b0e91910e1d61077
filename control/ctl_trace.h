/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet traces on the switch's side (ctl_trace.c): the southbound `trace` request, and the
 * JSON form of a traced packet's records that `vpcctl trace` prints.
 */
#ifndef VPCSW_CTL_TRACE_H
#define VPCSW_CTL_TRACE_H

#include <jansson.h>

#include "dp.h"

/** `trace` request: {"port": NAME, "packet": DESCRIPTION} or {"port": NAME, "frame": HEX}.
 *  Reply: {"port", "len", "stages": [...], "verdict": {...}, "output": [...]}. */
int ctl_trace_request(const json_t *body, json_t **reply, char *err);
/** One traced packet's records as {"stages": [...], "verdict": {...}}. */
json_t *ctl_trace_packet_json(const struct dp_trace_rec *recs, unsigned int n);
json_t *ctl_trace_stage_json(const struct dp_trace_rec *r);

#endif
