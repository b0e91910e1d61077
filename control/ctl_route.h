/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routing from the configuration to the dataplane: each VPC's subnets (connected routes),
 * routes and ECMP groups compiled into one route table (dataplane/dp_route.h). A VPC whose
 * compiled input did not change keeps its table, so a change rebuilds only the VPCs it
 * touches, and a host with a thousand VPCs does not rebuild them all for one port.
 *
 * Same protocol as ctl_sg: prepare for a configuration, the dataplane build takes the
 * tables, then commit (the replaced tables are freed) or abort. Control thread only.
 */
#ifndef VPCSW_CTL_ROUTE_H
#define VPCSW_CTL_ROUTE_H

#include <stdint.h>

#include "cfg.h"

struct dp_rtable;

/* The dataplane index of a local port, or -1 if it has none (not created or going). */
typedef int (*ctl_port_index_fn)(const char *name);

/** Build what c's VPCs need. Returns 0, or -ENOMEM / -ENOSPC with a message in err
 *  (CFG_ERR_SIZE); then nothing changed. */
int ctl_route_prepare(const struct cfg *c, ctl_port_index_fn port_index, char *err);
/** The prepared table of VPC vni, or NULL if it has nothing to route. */
const struct dp_rtable *ctl_route_table(uint32_t vni);
void ctl_route_commit(void);
void ctl_route_abort(void);
/** Free everything (shutdown, after the dataplane stopped). */
void ctl_route_fini(void);

#endif
