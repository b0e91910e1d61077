/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpcctl trace --live: asks the switch to mark the next packets real traffic brings (on one
 * port or any, matching a tcpdump filter) and prints each as the switch reports it — every
 * stage it crossed, with the worker and timestamps — then the session's end. Ctrl-C ends
 * it early. -o json prints one JSON object per line (the switch's events). The switch's
 * side is ctl_trace_live.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_client.h"
#include "sb_proto.h"
#include "vpcctl.h"
#include "vpcctl_print.h"

#define LIVE_USAGE "trace --live [--port PORT] [--filter EXPR] [-c COUNT]"

static int live_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "vpcctl: trace: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nusage: vpcctl " LIVE_USAGE "\n");
	return 2;
}

/* -o json: the switch's events as they are, one per line */
static void print_line(const json_t *ev)
{
	char *s = json_dumps(ev, JSON_COMPACT);

	if (s != NULL)
		printf("%s\n", s);
	free(s);
	fflush(stdout);
}

/* A traced packet, or the session's end (true). */
static bool on_live_event(const json_t *ev, void *arg)
{
	const char *e = json_string_value(json_object_get(ev, "event"));
	bool done = e != NULL && strcmp(e, "trace_done") == 0;

	(void)arg;
	if (e == NULL || (!done && strcmp(e, "trace_packet") != 0))
		return false;
	if (print_json) {
		print_line(ev);
	} else if (done) {
		fprintf(stderr, "%lld packets traced (%s), %lld records lost\n",
			(long long)json_integer_value(json_object_get(ev, "traced")),
			json_string_value(json_object_get(ev, "reason")),
			(long long)json_integer_value(json_object_get(ev, "records_lost")));
	} else {
		printf("packet %lld: worker %lld, %s\n",
		       (long long)json_integer_value(json_object_get(ev, "packet")),
		       (long long)json_integer_value(json_object_get(ev, "worker")),
		       json_string_value(json_object_get(ev, "time")));
		vpcctl_print_trace(ev);
		fflush(stdout);
	}
	return done;
}

static int parse_args(int argc, char **argv, json_t *body)
{
	static const struct option longs[] = {
		{"live", no_argument, NULL, 'L'},
		{"port", required_argument, NULL, 'p'},
		{"filter", required_argument, NULL, 'f'},
		{"count", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	long n;
	int o;

	/* argv[-1] is the command word: getopt's argv[0]; optind 0 restarts its scan */
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc + 1, argv - 1, ":c:", longs, NULL)) != -1) {
		switch (o) {
		case 'L':
			break;
		case 'p':
			json_object_set_new(body, "port", json_string(optarg));
			break;
		case 'f':
			json_object_set_new(body, "filter", json_string(optarg));
			break;
		case 'c':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || n < 1 || n > 1000)
				return live_usage("-c: '%s' is not a count 1-1000", optarg);
			json_object_set_new(body, "count", json_integer(n));
			break;
		case ':':
			return live_usage("'%s' needs a value", argv[optind - 2]);
		default:
			return live_usage("unknown option '%s'", argv[optind - 2]);
		}
	}
	if (optind <= argc)
		return live_usage("unexpected '%s' (the filter goes after --filter)",
				  argv[optind - 1]);
	return 0;
}

int vpcctl_trace_live(int argc, char **argv)
{
	json_t *body = json_object(), *reply = NULL;
	struct sb_client *c;
	char err[256];
	json_int_t id;
	int rc;

	rc = parse_args(argc, argv, body);
	if (rc != 0) {
		json_decref(body);
		return rc;
	}
	c = sb_client_open(vpcctl_sock_path, false, err);
	if (c == NULL) {
		fprintf(stderr, "vpcctl: %s\n", err);
		json_decref(body);
		return 1;
	}
	rc = vpcctl_call_on(c, SB_TRACE_LIVE_START, body, &reply);
	if (rc == 0) {
		id = json_integer_value(json_object_get(reply, "id"));
		fprintf(stderr, "live trace %lld: waiting for %lld packets; Ctrl-C stops it\n",
			(long long)id, (long long)json_integer_value(json_object_get(reply, "count")));
		rc = vpcctl_session_wait(c, SB_TRACE_LIVE_STOP, id, "live trace", on_live_event,
					 NULL);
	}
	json_decref(reply);
	sb_client_close(c);
	return rc;
}
