/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security groups from the configuration to the dataplane: each port's groups expanded
 * (both families, remote groups into their members' addresses) into one rule list per
 * direction and compiled into rte_acl classifiers (acl/sg.h). A port whose expanded list
 * did not change keeps its classifier, so a change rebuilds only the ports it touches.
 * Rule ids are stable while a rule exists; they key the per-rule hit counters.
 *
 * Each publish prepares classifiers for a configuration, the dataplane build takes them,
 * and then either commit (the snapshot is live and the old one past its grace period: the
 * replaced classifiers are freed) or abort (the new ones are freed). Control thread only.
 */
#ifndef VPCSW_CTL_SG_H
#define VPCSW_CTL_SG_H

#include <stdint.h>

#include "cfg.h"

struct sg_acl;

/** Compile what c's ports need. Returns 0, or -ENOSPC / -ENOMEM / -EINVAL with a message
 *  in err (CFG_ERR_SIZE) naming the port and direction; then nothing changed. */
int ctl_sg_prepare(const struct cfg *c, char *err);
/** The prepared classifiers of a port (by name); never NULL after a successful prepare. */
void ctl_sg_port_acls(const char *port, const struct sg_acl **in, const struct sg_acl **out);
void ctl_sg_commit(void);
void ctl_sg_abort(void);
/** The id of a rule of the committed configuration (0: unknown). */
uint32_t ctl_sg_rule_id(const struct cfg_sg_rule *r);
/** The committed rule with that id, NULL if none (traces name the rule that decided). */
const struct cfg_sg_rule *ctl_sg_rule_of(uint32_t id);
/** Hits of a rule since its id was assigned. */
uint64_t ctl_sg_rule_hits(const struct cfg_sg_rule *r);
/** Free everything (shutdown, after the dataplane stopped). */
void ctl_sg_fini(void);

/* Ids of the allow-all egress rules of a port without groups. */
#define CTL_SG_ID_DEFAULT_EGRESS4 1
#define CTL_SG_ID_DEFAULT_EGRESS6 2

#endif
