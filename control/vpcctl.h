/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What vpcctl's command files share: the management socket and the one-request call.
 */
#ifndef VPCSW_VPCCTL_H
#define VPCSW_VPCCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

extern const char *vpcctl_sock_path;
/** vpc-controller's base URL (--controller, VPCCTL_CONTROLLER); NULL: talk to a switch. */
extern const char *vpcctl_controller_url;

/* A command: OBJECT [VERB] then at least n_args positional arguments. */
struct vpcctl_cmd {
	const char *object, *verb; /* verb NULL: the object alone */
	int n_args;		   /* positional arguments before any "key value" options */
	int (*fn)(int argc, char **argv);
	const char *usage;
};

/** The command of cmds (n of them) that argv names, or NULL. */
const struct vpcctl_cmd *vpcctl_cmd_find(const struct vpcctl_cmd *cmds, size_t n, int argc,
					 char **argv);
/** Run cmd with the arguments after its words; 2 with its usage when too few. */
int vpcctl_cmd_run(const struct vpcctl_cmd *cmd, int argc, char **argv);
/* HTTPS to the controller: our client certificate, its key, the CA to trust (NULL: none) */
extern struct vpcctl_tls {
	const char *cert, *key, *ca;
} vpcctl_controller_tls;

struct sb_client;

/** One request (body consumed); prints the switch's error and returns 1 when it refuses, 0
 *  with the reply in *reply otherwise. */
int vpcctl_call(uint8_t type, json_t *body, json_t **reply);
/** The same on a connection the caller keeps (for the events that follow). */
int vpcctl_call_on(struct sb_client *c, uint8_t type, json_t *body, json_t **reply);
/** A refusal of the switch (its error body), as every command prints it. */
void vpcctl_print_refusal(const json_t *e);

/**
 * Wait for a session's events (capture, live trace) until on_event says it is over: each
 * event whose "id" is id goes to on_event, which returns true for the last one. The first
 * Ctrl-C or SIGTERM sends stop_type {"id": id}; the session's end still arrives as an event.
 * Returns 0 when it ended, 1 when the connection failed (printed, naming what).
 */
int vpcctl_session_wait(struct sb_client *c, uint8_t stop_type, json_int_t id, const char *what,
			bool (*on_event)(const json_t *ev, void *arg), void *arg);

/** One transaction of one op on one row (taken); 0, 1 refused, printed. */
int vpcctl_txn_one(const char *op, const char *table, json_t *row);
/** "key value" options into row: strs as strings, ints as numbers ("a-b" keys: "a_b"). */
int vpcctl_pairs(int argc, char **argv, json_t *row, const char *const *strs,
		 const char *const *ints);

/** vpcctl_call's transport with --controller: txn, dump and sync as HTTP requests
 *  (vpcctl_controller.c); the same contract as vpcctl_call. */
int vpcctl_ctrl_call(uint8_t type, json_t *body, json_t **reply);
/** The controller's own commands (host ..., port move, show state|hosts): their exit status,
 *  or -1 when argv is none of them and the switch's command table is to be searched. */
int vpcctl_ctrl_dispatch(int argc, char **argv);
void vpcctl_ctrl_usage(void);

/* Command handlers in their own files: argc/argv after the command word. */
int vpcctl_lb_add(int argc, char **argv);
int vpcctl_lb_set(int argc, char **argv);
int vpcctl_lb_del(int argc, char **argv);
int vpcctl_lb_listener(int argc, char **argv);
int vpcctl_lb_backend(int argc, char **argv);
int vpcctl_show_lb(int argc, char **argv);
int vpcctl_trace(int argc, char **argv);
int vpcctl_capture(int argc, char **argv);
int vpcctl_trace_live(int argc, char **argv);
/** One traced packet's stages and verdict as text (live traces print the same). */
void vpcctl_print_trace(const json_t *packet);

#endif
