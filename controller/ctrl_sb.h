/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controller's southbound: hosts' switches connect here (docs/southbound.md,
 * "Controller connection"); the controller is the requesting peer. Per host it keeps the
 * view the switch confirmed holding, and brings it to the host's current view: the whole
 * view as `sync` when a switch (re)connects, then one `txn` of the difference and a
 * `barrier` for each change that alters the view.
 */
#ifndef VPCSW_CTRL_SB_H
#define VPCSW_CTRL_SB_H

#include <jansson.h>

#include "ctrl_model.h"

/** Listen on ADDR:PORT (IPv4 or [IPv6]); model returns the current desired state. */
int ctrl_sb_start(const char *listen, const struct ctrl_model *(*model)(void), char *err);
/** After a committed transaction (changes as ctrl_model_txn gives them): push to the hosts
 *  whose view changed. */
void ctrl_sb_changed(const json_t *changes);
/** After the model was replaced as a whole (loaded again from the store): every connected
 *  host's view is recomputed and the differences pushed. */
void ctrl_sb_reload(void);
/** Per host: {"hosts": [{"name", "vtep", "known", "connected", "in_sync",
 *  "desired_version", "applied_version", "address", "since", "last_error",
 *  "last_error_at"}], "version": N} (new reference). */
json_t *ctrl_sb_status(void);
/** Every 100 ms: keepalives, timeouts, retries; frees closed connections. */
void ctrl_sb_tick(void);
void ctrl_sb_stop(void);

#endif
