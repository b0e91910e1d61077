/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live trace sessions (ctl_trace_live.h). A packet's records all come from the worker that
 * received it, within one round of that worker's loop (microseconds), so a packet whose
 * newest record is older than SETTLE_MS is complete: it is formatted and sent then.
 */
#include "ctl_trace_live.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "../dataplane/dp.h"
#include "../dataplane/dp_filter.h"
#include "cfg.h"
#include "ctl_server.h"
#include "ctl_trace.h"

#define COUNT_DEFAULT 10
#define PKT_RECS_MAX 32 /* stages kept per packet; a packet crosses at most about 16 */
#define DRAIN_MS 20
#define SETTLE_MS 20

struct live_pkt {
	unsigned int n;
	bool sent;
	uint64_t last_tsc;
	struct dp_trace_rec recs[PKT_RECS_MAX];
};

static struct {
	bool on;
	uint32_t id;
	const void *owner; /* NULL: its connection closed */
	uint16_t port_idx;
	uint32_t count, sent;
	uint64_t truncated; /* records beyond PKT_RECS_MAX of one packet */
	struct live_pkt *pkts; /* count of them, packet id k at k - 1 */
	uint64_t tsc0;	       /* rte_rdtsc() at the start ... */
	struct timespec wall0; /* ... and the wall clock then */
} live;

static uint32_t next_id = 1;
static int timer_fd = -1;
static void (*sink)(void *owner, json_t *event);

void ctl_trace_live_set_sink(void (*send)(void *owner, json_t *event))
{
	sink = send;
}

static int fail(char *err, int rc, const char *fmt, const char *arg)
{
	snprintf(err, CFG_ERR_SIZE, fmt, arg);
	return rc;
}

static void timer_set(unsigned int ms)
{
	struct itimerspec its = {
		.it_interval = {.tv_nsec = (long)ms * 1000000},
		.it_value = {.tv_nsec = (long)ms * 1000000},
	};

	timerfd_settime(timer_fd, 0, &its, NULL);
}

static uint64_t tsc_ns(uint64_t cycles)
{
	uint64_t hz = rte_get_tsc_hz();

	return cycles / hz * 1000000000ull + cycles % hz * 1000000000ull / hz;
}

/* "2026-11-21T10:00:00.123456Z": when the worker recorded it. */
static json_t *wall_json(uint64_t tsc)
{
	uint64_t ns = (uint64_t)live.wall0.tv_nsec +
		      (tsc >= live.tsc0 ? tsc_ns(tsc - live.tsc0) : 0);
	time_t sec = live.wall0.tv_sec + (time_t)(ns / 1000000000ull);
	char buf[64];
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%06uZ",
		 (unsigned int)(ns % 1000000000ull / 1000));
	return json_string(buf);
}

static void send_event(json_t *ev)
{
	if (live.owner != NULL && sink != NULL)
		sink((void *)(uintptr_t)live.owner, ev);
	else
		json_decref(ev);
}

static void send_packet(uint32_t k, const struct live_pkt *p)
{
	json_t *ev = ctl_trace_packet_json(p->recs, p->n);
	json_t *stages = json_object_get(ev, "stages");

	for (unsigned int i = 0; i < p->n; i++)
		json_object_set_new(json_array_get(stages, i), "t_ns",
				    json_integer((json_int_t)tsc_ns(p->recs[i].tsc - p->recs[0].tsc)));
	json_object_set_new(ev, "event", json_string("trace_packet"));
	json_object_set_new(ev, "id", json_integer(live.id));
	json_object_set_new(ev, "packet", json_integer(k));
	json_object_set_new(ev, "worker", json_integer(p->recs[0].worker));
	json_object_set_new(ev, "time", wall_json(p->recs[0].tsc));
	send_event(ev);
}

static void drain(void)
{
	struct dp_trace_rec recs[256];
	unsigned int n;

	while ((n = dp_trace_live_drain(recs, 256)) > 0) {
		for (unsigned int i = 0; i < n; i++) {
			struct live_pkt *p;

			if (recs[i].id == 0 || recs[i].id > live.count)
				continue; /* cannot happen: ids are 1..count */
			p = &live.pkts[recs[i].id - 1];
			if (p->n == PKT_RECS_MAX) {
				live.truncated++;
				continue;
			}
			p->recs[p->n++] = recs[i];
			p->last_tsc = recs[i].tsc;
		}
	}
}

/* Send the packets that are complete (all of them: the workers are done with the session). */
static void send_ready(bool all)
{
	uint64_t now = rte_rdtsc(), settle = rte_get_tsc_hz() / 1000 * SETTLE_MS;

	for (uint32_t k = 0; k < live.count; k++) {
		struct live_pkt *p = &live.pkts[k];

		if (p->sent || p->n == 0 || (!all && now - p->last_tsc < settle))
			continue;
		send_packet(k + 1, p);
		p->sent = true;
		live.sent++;
	}
}

static void live_end(const char *reason)
{
	uint64_t lost;

	if (!live.on)
		return;
	dp_trace_live_stop(); /* no worker records for it after this */
	lost = dp_trace_live_lost() + live.truncated;
	drain();
	send_ready(true);
	send_event(json_pack("{s:s, s:I, s:I, s:s, s:I}", "event", "trace_done", "id",
			     (json_int_t)live.id, "traced", (json_int_t)live.sent, "reason", reason,
			     "records_lost", (json_int_t)lost));
	free(live.pkts);
	live.pkts = NULL;
	live.on = false;
	timer_set(0);
}

static void live_tick(void *arg)
{
	uint64_t v;

	(void)arg;
	if (read(timer_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: the control loop's own tick */
	}
	if (!live.on)
		return;
	drain();
	send_ready(false);
	if (live.sent == live.count)
		live_end("count");
}

int ctl_trace_live_init(void)
{
	int rc;

	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (timer_fd < 0)
		return -errno;
	rc = ctl_server_watch(timer_fd, live_tick, NULL);
	if (rc < 0) {
		close(timer_fd);
		timer_fd = -1;
	}
	return rc;
}

void ctl_trace_live_fini(void)
{
	live.owner = NULL;
	live_end("stopped");
	if (timer_fd >= 0) {
		ctl_server_unwatch(timer_fd);
		close(timer_fd);
		timer_fd = -1;
	}
}

struct live_req {
	const char *port, *filter;
	uint32_t count;
};

static int parse_req(const json_t *body, struct live_req *r, char *err)
{
	const char *k;
	json_t *v;

	*r = (struct live_req){.count = COUNT_DEFAULT};
	json_object_foreach((json_t *)(uintptr_t)body, k, v)
	{
		if (strcmp(k, "port") == 0 || strcmp(k, "filter") == 0) {
			if (!json_is_string(v))
				return fail(err, -EINVAL, "trace_live_start.%s: must be a string", k);
			*(strcmp(k, "port") == 0 ? &r->port : &r->filter) = json_string_value(v);
		} else if (strcmp(k, "count") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > CTL_TRACE_LIVE_COUNT_MAX)
				return fail(err, -EINVAL, "trace_live_start.count: %s",
					    "must be an integer 1-1000");
			r->count = (uint32_t)json_integer_value(v);
		} else {
			return fail(err, -EINVAL,
				    "trace_live_start: unknown member '%s' (port, filter, count)", k);
		}
	}
	return 0;
}

int ctl_trace_live_start(const json_t *body, void *owner, json_t **reply, char *err)
{
	char ferr[CFG_ERR_SIZE - 32];
	struct dp_filter *f = NULL;
	struct live_req r;
	int idx = DP_TRACE_ANY_PORT, rc;

	rc = parse_req(body, &r, err);
	if (rc < 0)
		return rc;
	if (live.on) {
		snprintf(err, CFG_ERR_SIZE,
			 "trace_live_start: live trace %u is running (one at a time)", live.id);
		return -EBUSY;
	}
	if (r.port != NULL && (idx = dp_port_find(r.port)) < 0)
		return fail(err, -ENOENT, "trace_live_start.port: no port '%s' on this switch",
			    r.port);
	if (r.filter != NULL && r.filter[strspn(r.filter, " \t")] != '\0') {
		f = dp_filter_compile(r.filter, 0, ferr, sizeof(ferr));
		if (f == NULL)
			return fail(err, errno == ENOMEM ? -ENOMEM : -EINVAL,
				    "trace_live_start.filter: %s", ferr);
	}
	live.pkts = calloc(r.count, sizeof(*live.pkts));
	if (live.pkts == NULL) {
		dp_filter_free(f);
		return fail(err, -ENOMEM, "trace_live_start: %s", "out of memory");
	}
	live.tsc0 = rte_rdtsc();
	clock_gettime(CLOCK_REALTIME, &live.wall0);
	rc = dp_trace_live_start((uint16_t)idx, f, r.count); /* takes f */
	if (rc < 0) {
		free(live.pkts);
		live.pkts = NULL;
		return fail(err, rc, "trace_live_start: the dataplane refused it (%s)",
			    strerror(-rc));
	}
	live.on = true;
	live.id = next_id++;
	live.owner = owner;
	live.port_idx = (uint16_t)idx;
	live.count = r.count;
	live.sent = 0;
	live.truncated = 0;
	timer_set(DRAIN_MS);
	*reply = json_pack("{s:I, s:I}", "id", (json_int_t)live.id, "count", (json_int_t)r.count);
	return 0;
}

int ctl_trace_live_stop(const json_t *body, json_t **reply, char *err)
{
	const json_t *id = json_object_get(body, "id");

	if (!json_is_integer(id) || json_object_size(body) != 1)
		return fail(err, -EINVAL, "trace_live_stop: %s", "the body is {\"id\": N}");
	if (!live.on || (json_int_t)live.id != json_integer_value(id)) {
		snprintf(err, CFG_ERR_SIZE, "trace_live_stop.id: no live trace %lld running",
			 (long long)json_integer_value(id));
		return -ENOENT;
	}
	*reply = json_pack("{s:I}", "id", (json_int_t)live.id);
	live_end("stopped"); /* its trace_done event goes out before this reply */
	return 0;
}

void ctl_trace_live_owner_gone(const void *owner)
{
	if (live.on && live.owner == owner) {
		live.owner = NULL;
		live_end("closed");
	}
}

void ctl_trace_live_port_gone(uint16_t port_idx)
{
	if (live.on && live.port_idx == port_idx)
		live_end("port_removed");
}
