/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client side of the switch's sessions (vpcctl capture, vpcctl trace --live): after the
 * start request, the session reports by events on the same connection until its end event;
 * Ctrl-C asks the switch to stop it, which then still sends what it has and the end.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>

#include "sb_client.h"
#include "sb_proto.h"
#include "vpcctl.h"

static volatile sig_atomic_t stop_asked;

static void on_signal(int sig)
{
	(void)sig;
	stop_asked = 1;
}

int vpcctl_session_wait(struct sb_client *c, uint8_t stop_type, json_int_t id, const char *what,
			bool (*on_event)(const json_t *ev, void *arg), void *arg)
{
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: the wait returns */
	bool stop_sent = false;
	char err[256];

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (;;) {
		uint8_t type;
		uint32_t xid;
		json_t *m = NULL;
		bool done;
		int rc;

		if (stop_asked && !stop_sent) {
			json_t *body = json_pack("{s:I}", "id", id);

			rc = sb_client_send(c, stop_type, body, -1, &xid, err);
			json_decref(body);
			if (rc < 0)
				break;
			stop_sent = true;
		}
		rc = sb_client_recv(c, 200, &type, &xid, &m, err);
		if (rc == -ETIMEDOUT)
			continue;
		if (rc < 0)
			break;
		/* the stop request's reply and other events are not the session's */
		done = type == SB_EVENT && json_integer_value(json_object_get(m, "id")) == id &&
		       on_event(m, arg);
		json_decref(m);
		if (done)
			return 0;
	}
	fprintf(stderr, "vpcctl: %s %lld: %s\n", what, (long long)id, err);
	return 1;
}
