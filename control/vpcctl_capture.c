/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpcctl capture: opens the output (a file, or stdout for a pipe into tshark), hands its
 * descriptor to the switch with capture_start, and waits for the session's capture_done
 * event; Ctrl-C sends capture_stop first. The switch writes the pcapng itself, so packets
 * never cross the management socket. The switch's side is ctl_capture.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sb_client.h"
#include "sb_proto.h"
#include "vpcctl.h"
#include "vpcctl_print.h"

#define CAPTURE_USAGE                                                                              \
	"capture --port PORT [--rx|--tx|--both] [--point decap|encap] [-c COUNT]\n"                \
	"           [-s SNAPLEN] [--ring N] [-w FILE|-] [FILTER...] | capture --stop ID"

static int cap_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "vpcctl: capture: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nusage: vpcctl " CAPTURE_USAGE "\n");
	return 2;
}

static int parse_count(const char *opt, const char *s, unsigned long long max,
		       unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *out > max || s[0] == '-') {
		fprintf(stderr, "vpcctl: capture: %s: '%s' is not a number 0-%llu\n", opt, s, max);
		return -1;
	}
	return 0;
}

/* The filter: the remaining words, joined with spaces as tcpdump does. */
static char *join_words(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	for (int i = 0; s != NULL && i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static int capture_stop_id(const char *id)
{
	unsigned long long n;
	json_t *reply = NULL;
	int rc;

	if (parse_count("--stop", id, UINT32_MAX, &n) < 0)
		return 2;
	rc = vpcctl_call(SB_CAPTURE_STOP, json_pack("{s:I}", "id", (json_int_t)n), &reply);
	if (rc == 0)
		fprintf(stderr, "capture %llu: stopping\n", n);
	json_decref(reply);
	return rc;
}

static void print_done(const json_t *ev)
{
	const char *reason = json_string_value(json_object_get(ev, "reason"));
	const char *error = json_string_value(json_object_get(ev, "error"));

	if (print_json) {
		char *s = json_dumps(ev, JSON_COMPACT);

		fprintf(stderr, "%s\n", s);
		free(s);
		return;
	}
	fprintf(stderr, "%lld packets captured, %lld copies dropped (%s%s%s)\n",
		(long long)json_integer_value(json_object_get(ev, "captured")),
		(long long)json_integer_value(json_object_get(ev, "dropped")),
		reason != NULL ? reason : "?", error != NULL ? ": " : "",
		error != NULL ? error : "");
}

/* A capture's only event is its end. */
static bool on_capture_event(const json_t *ev, void *arg)
{
	const char *name = json_string_value(json_object_get(ev, "event"));

	(void)arg;
	if (name == NULL || strcmp(name, "capture_done") != 0)
		return false;
	print_done(ev);
	return true;
}

/* Send capture_start with the output's descriptor; 0 and the session id, or an exit code. */
static int capture_start(struct sb_client *c, json_t *body, int fd, json_int_t *id)
{
	char err[256];
	uint32_t xid, rxid;
	uint8_t type;
	json_t *reply;
	int rc = sb_client_send(c, SB_CAPTURE_START, body, fd, &xid, err);

	while (rc == 0) {
		rc = sb_client_recv(c, 30000, &type, &rxid, &reply, err);
		if (rc < 0)
			break;
		if (type != SB_EVENT && rxid == xid) {
			rc = type == SB_CAPTURE_REPLY ? 0 : 1;
			if (rc == 0)
				*id = json_integer_value(json_object_get(reply, "id"));
			else
				vpcctl_print_refusal(reply);
			json_decref(reply);
			return rc;
		}
		json_decref(reply);
	}
	fprintf(stderr, "vpcctl: %s\n", err);
	return 1;
}

struct cap_args {
	const char *port, *point, *dir, *file;
	unsigned long long count, snaplen, ring;
	bool has_count, has_snaplen, has_ring;
};

static int parse_args(int argc, char **argv, struct cap_args *a, const char **stop_id)
{
	static const struct option longs[] = {
		{"port", required_argument, NULL, 'p'},
		{"rx", no_argument, NULL, 'R'},
		{"tx", no_argument, NULL, 'T'},
		{"both", no_argument, NULL, 'b'},
		{"point", required_argument, NULL, 'P'},
		{"count", required_argument, NULL, 'c'},
		{"snaplen", required_argument, NULL, 's'},
		{"ring", required_argument, NULL, 'r'},
		{"write", required_argument, NULL, 'w'},
		{"stop", required_argument, NULL, 'S'},
		{NULL, 0, NULL, 0},
	};
	int o;

	/* argv[-1] is the command word: getopt's argv[0]; optind 0 restarts its scan */
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc + 1, argv - 1, ":c:s:w:", longs, NULL)) != -1) {
		switch (o) {
		case 'p':
			a->port = optarg;
			break;
		case 'R':
			a->dir = a->dir != NULL && strcmp(a->dir, "tx") == 0 ? "both" : "rx";
			break;
		case 'T':
			a->dir = a->dir != NULL && strcmp(a->dir, "rx") == 0 ? "both" : "tx";
			break;
		case 'b':
			a->dir = "both";
			break;
		case 'P':
			if (strcmp(optarg, "decap") != 0 && strcmp(optarg, "encap") != 0)
				return cap_usage("--point: '%s' is neither decap nor encap",
						 optarg);
			a->point = optarg;
			break;
		case 'c':
			a->has_count = true;
			if (parse_count("-c", optarg, UINT32_MAX, &a->count) < 0)
				return 2;
			break;
		case 's':
			a->has_snaplen = true;
			if (parse_count("-s", optarg, 262144, &a->snaplen) < 0)
				return 2;
			break;
		case 'r':
			a->has_ring = true;
			if (parse_count("--ring", optarg, 65536, &a->ring) < 0 || a->ring == 0)
				return a->ring == 0 ? cap_usage("--ring: %s", "must be 1-65536")
						    : 2;
			break;
		case 'w':
			a->file = optarg;
			break;
		case 'S':
			*stop_id = optarg;
			break;
		case ':':
			return cap_usage("'%s' needs a value", argv[optind - 2]);
		default:
			return cap_usage("unknown option '%s'", argv[optind - 2]);
		}
	}
	return 0;
}

/* The output: FILE created (and truncated), or stdout for "-" or none; never a terminal. */
static int open_output(const char *file, bool *created)
{
	int fd;

	*created = false;
	if (file == NULL || strcmp(file, "-") == 0) {
		if (isatty(STDOUT_FILENO)) {
			fprintf(stderr,
				"vpcctl: capture: not writing pcapng to a terminal: give -w "
				"FILE, or pipe stdout into a reader (e.g. tshark -r -)\n");
			return -1;
		}
		return STDOUT_FILENO;
	}
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fprintf(stderr, "vpcctl: capture: cannot open '%s': %s\n", file, strerror(errno));
	*created = fd >= 0;
	return fd;
}

static json_t *start_body(const struct cap_args *a, const char *filter)
{
	json_t *body = json_pack("{s:s, s:s}", "port", a->port, "filter", filter);

	if (a->point != NULL)
		json_object_set_new(body, "point", json_string(a->point));
	else
		json_object_set_new(body, "direction", json_string(a->dir ? a->dir : "both"));
	if (a->has_count)
		json_object_set_new(body, "count", json_integer((json_int_t)a->count));
	if (a->has_snaplen)
		json_object_set_new(body, "snaplen", json_integer((json_int_t)a->snaplen));
	if (a->has_ring)
		json_object_set_new(body, "ring", json_integer((json_int_t)a->ring));
	return body;
}

int vpcctl_capture(int argc, char **argv)
{
	struct cap_args a = {0};
	const char *stop_id = NULL;
	struct sb_client *c;
	json_int_t id = 0;
	char err[256], *filter;
	json_t *body;
	bool created;
	int rc, fd;

	rc = parse_args(argc, argv, &a, &stop_id);
	if (rc != 0)
		return rc;
	if (stop_id != NULL)
		return a.port == NULL && optind > argc
			       ? capture_stop_id(stop_id)
			       : cap_usage("--stop %s takes nothing else", "ID");
	if (a.port == NULL)
		return cap_usage("%s", "--port PORT is required");
	if (a.point != NULL && a.dir != NULL)
		return cap_usage("--%s applies to the port's own rx/tx, not to --point", a.dir);
	filter = join_words(argc + 1 - optind, argv - 1 + optind);
	if (filter == NULL)
		return 1;
	fd = open_output(a.file, &created);
	if (fd < 0) {
		free(filter);
		return fd == -1 && a.file == NULL ? 2 : 1;
	}
	c = sb_client_open(vpcctl_sock_path, false, err);
	if (c == NULL) {
		fprintf(stderr, "vpcctl: %s\n", err);
		rc = 1;
		goto out;
	}
	body = start_body(&a, filter);
	rc = capture_start(c, body, fd, &id);
	json_decref(body);
	if (rc == 0) {
		fprintf(stderr, "capture %lld on %s%s%s: Ctrl-C stops it\n", (long long)id, a.port,
			filter[0] ? ", filter " : "", filter);
		if (created)
			close(fd); /* the switch has its own */
		fd = -1;
		rc = vpcctl_session_wait(c, SB_CAPTURE_STOP, id, "capture", on_capture_event, NULL);
	}
	sb_client_close(c);
out:
	if (rc != 0 && created && id == 0)
		unlink(a.file); /* nothing started: leave no empty file behind */
	if (created && fd >= 0)
		close(fd);
	free(filter);
	return rc;
}
