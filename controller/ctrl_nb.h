/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The northbound API: HTTP + JSON (libmicrohttpd), described in docs/controller-api.yaml.
 * Runs in the controller's one event loop (no thread of its own): the loop watches
 * ctrl_nb_fd() and calls ctrl_nb_run() when it is readable and on every tick.
 */
#ifndef VPCSW_CTRL_NB_H
#define VPCSW_CTRL_NB_H

#include <jansson.h>

#include "ctrl_model.h"

/* What the northbound asks of the daemon. Each returns 0 or -errno with err filled
 * (CTRL_ERR_SIZE); a write that fails changed nothing. */
struct ctrl_nb_ops {
	/* A transaction ({"ops": [...]}): validated, committed to the store, pushed to the
	 * hosts it affects. *result: {"version": N} */
	int (*txn)(const json_t *ops, json_t **result, char *err);
	/* The whole desired state replaced by doc (declarative apply). *result as txn. */
	int (*replace)(const json_t *doc, json_t **result, char *err);
	/* Per host: {"hosts": [{"name", "vtep", "connected", "in_sync", "desired_version",
	 * "applied_version", "last_error", "address", "since"}...], "version": N} */
	json_t *(*status)(void);
	/* The current desired state (read only). */
	const struct ctrl_model *(*model)(void);
};

/* HTTPS with client certificates: every client must present a certificate that chains to
 * ca (files in PEM). */
struct ctrl_nb_tls {
	const char *cert, *key, *ca;
};

/** Listen on ADDR:PORT (IPv4 or [IPv6]), over HTTPS with client certificates unless tls is
 *  NULL (plain HTTP: keep it on loopback). Returns 0 or -errno with err filled. */
int ctrl_nb_start(const char *listen, const struct ctrl_nb_ops *ops,
		  const struct ctrl_nb_tls *tls, char *err);
/** The descriptor to watch for readability (-1 before start). */
int ctrl_nb_fd(void);
/** Serve what is ready; never blocks. */
void ctrl_nb_run(void);
void ctrl_nb_stop(void);

#endif
