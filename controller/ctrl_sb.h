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

/* Mutual TLS: the switches' certificates must chain to ca; a switch's host is its
 * certificate's common name (a hello claiming another host is refused). */
struct ctrl_sb_tls {
	const char *cert, *key, *ca;
};

/** Listen on ADDR:PORT (IPv4 or [IPv6]), over TLS unless tls is NULL (plain TCP: tests
 *  only; listen NULL: no listener, connections only through ctrl_sb_adopt); model returns
 *  the current desired state. 0 or -errno with err filled. */
int ctrl_sb_start(const char *listen, const struct ctrl_sb_tls *tls,
		  const struct ctrl_model *(*model)(void), char *err);
/** Serve a connected stream socket (non-blocking) as a switch's connection: what accept
 *  does; tests and fuzzers hand it one end of a socketpair. 0 or -errno (fd closed). */
int ctrl_sb_adopt(int fd, const char *peer);
/** After a committed transaction (changes as ctrl_model_txn gives them): push to the hosts
 *  whose view changed. */
void ctrl_sb_changed(const json_t *changes);
/** After the model was replaced as a whole (loaded again from the store): every connected
 *  host's view is recomputed and the differences pushed. */
void ctrl_sb_reload(void);
/** Per host: {"hosts": [{"name", "vtep", "known", "connected", "in_sync",
 *  "desired_version", "applied_version", "address", "since", "last_error",
 *  "last_error_at"}], "refused": [{"address", "reason", "at"}] (the last switches turned
 *  away), "unhealthy_backends": [...], "version": N} (new reference). */
json_t *ctrl_sb_status(void);
/** Every 100 ms: keepalives, timeouts, retries; frees closed connections. */
void ctrl_sb_tick(void);
void ctrl_sb_stop(void);

#endif
