/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The load balancers of the desired state, as the dataplane takes them: per listener its
 * backends and its Maglev table (control/lb_maglev.c) over those that take new connections
 * (state up, weight above 0). Control thread.
 */
#ifndef VPCSW_CTL_LB_H
#define VPCSW_CTL_LB_H

#include <jansson.h>

#include "../dataplane/dp.h"
#include "cfg.h"

/** Add every listener of c to the snapshot being built. 0 or -errno (err says why). */
int ctl_lb_build(struct dp_build *b, const struct cfg *c, char *err);

/** Forget the tables kept between builds. */
void ctl_lb_fini(void);

/** Every listener of c with its backends, each with its weight, state and the connections
 *  it carries now (counted over the connection table). */
json_t *ctl_lb_stats(const struct cfg *c);

#endif
