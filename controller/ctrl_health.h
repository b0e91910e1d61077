/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Load-balancer backend health as the hosts report it. Each switch checks only the
 * backends that are VMs attached to it (lb_backend_status events, and the `lb` stats after
 * a connect); every other host's view then has such a backend set down while its own host
 * says it is unhealthy. A host's word counts only for a backend address that is one of its
 * own ports'. Runtime state, not stored: after a restart the hosts say it again.
 */
#ifndef VPCSW_CTRL_HEALTH_H
#define VPCSW_CTRL_HEALTH_H

#include <stdbool.h>

#include <jansson.h>

#include "ctrl_model.h"

/**
 * A verdict from host: {"vpc", "lb", "protocol", "port", "address", "backend_port",
 * "health": "up"|"down", "reason"?} (the event's members). Returns 1 when it changed what
 * other hosts must hold (then *vpc names the VPC, valid until the next call), 0 when not,
 * -EINVAL for a malformed verdict or one about a backend that is not host's.
 */
int ctrl_health_report(const struct ctrl_model *m, const char *host, const json_t *verdict,
		       const char **vpc);
/** Forget what host said (it reports afresh): the VPCs whose verdicts changed are added to
 *  vpcs (an object used as a set). */
void ctrl_health_forget(const char *host, json_t *vpcs);
/** Forget verdicts whose backend left the desired state or whose address is no longer a
 *  port of the host that reported it (the VM moved): their VPCs are added to vpcs. */
void ctrl_health_prune(const struct ctrl_model *m, json_t *vpcs);
/** Mark down, in a view for host, the backends another host reported unhealthy. */
void ctrl_health_apply(json_t *view, const char *host);
/** Every unhealthy backend with its host and reason (new reference). */
json_t *ctrl_health_status(void);
void ctrl_health_fini(void);

#endif
