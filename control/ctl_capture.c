/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture sessions as the protocol sees them: each has an id, the management connection
 * that started it (its capture_done event goes there; its closing stops the session) and
 * the port it watches. The packets, the pcapng stream and the writer thread are
 * dataplane/dp_capture.c's; the filter compiles in dataplane/dp_filter.c.
 */
#include "ctl_capture.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../dataplane/dp.h"
#include "../dataplane/dp_capture.h"
#include "../dataplane/dp_filter.h"
#include "cfg.h"
#include "ctl_server.h"
#include "ctl_switch.h"
#include "ctl_underlay.h"

#define RING_DEFAULT 512
#define SNAPLEN_MAX  262144

struct cap {
	struct dp_cap_session *s; /* NULL: a free slot */
	uint32_t id;
	const void *owner; /* NULL: its connection closed */
	uint16_t port_idx; /* the port it was started on (what port_gone names) */
	bool port_removed;
};

static struct cap caps[DP_CAP_SESSIONS_MAX];
static uint32_t next_id = 1;
static int notify_fd = -1;
static void (*sink)(void *owner, json_t *event);

void ctl_capture_set_sink(void (*send)(void *owner, json_t *event))
{
	sink = send;
}

static const char *end_reason(const struct cap *c, enum dp_cap_end end)
{
	switch (end) {
	case DP_CAP_END_COUNT:
		return "count";
	case DP_CAP_END_CLOSED:
		return "closed";
	default:
		return c->port_removed ? "port_removed" : "stopped";
	}
}

/* A session's writer ended: free it and tell its connection. */
static void cap_finish(struct cap *c)
{
	struct dp_cap_stats st;
	json_t *ev;

	dp_capture_stats(c->s, &st);
	dp_capture_free(c->s);
	c->s = NULL;
	if (c->owner == NULL || sink == NULL)
		return;
	ev = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s}", "event", "capture_done", "id",
		       (json_int_t)c->id, "captured", (json_int_t)st.written, "dropped",
		       (json_int_t)st.dropped, "seen", (json_int_t)st.seen, "matched",
		       (json_int_t)st.matched, "reason", end_reason(c, st.end));
	if (st.error != 0)
		json_object_set_new(ev, "error", json_string(strerror(st.error)));
	sink((void *)(uintptr_t)c->owner, ev);
}

/* The control loop: some writer ended (or the 100 ms tick). */
static void cap_poll(void *arg)
{
	uint64_t v;

	(void)arg;
	if (read(notify_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: the tick, nothing new */
	}
	for (unsigned int i = 0; i < DP_CAP_SESSIONS_MAX; i++)
		if (caps[i].s != NULL && dp_capture_ended(caps[i].s))
			cap_finish(&caps[i]);
}

int ctl_capture_init(void)
{
	int rc;

	/* a writer whose reader went away gets EPIPE from write, not a signal that kills us */
	signal(SIGPIPE, SIG_IGN);
	notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (notify_fd < 0)
		return -errno;
	rc = ctl_server_watch(notify_fd, cap_poll, NULL);
	if (rc < 0) {
		close(notify_fd);
		notify_fd = -1;
	}
	return rc;
}

void ctl_capture_fini(void)
{
	for (unsigned int i = 0; i < DP_CAP_SESSIONS_MAX; i++) {
		dp_capture_free(caps[i].s);
		caps[i].s = NULL;
	}
	if (notify_fd >= 0) {
		ctl_server_unwatch(notify_fd);
		close(notify_fd);
		notify_fd = -1;
	}
}

static int fail(char *err, int rc, const char *fmt, const char *arg)
{
	snprintf(err, CFG_ERR_SIZE, fmt, arg);
	return rc;
}

/* What capture_start asks for, checked. */
struct cap_req {
	const char *port, *filter;
	bool rx, tx;
	enum dp_cap_point point; /* DP_CAP_RX stands for the port's rx/tx */
	uint64_t count;
	uint32_t snaplen, ring;
};

static int get_uint(const json_t *v, const char *name, uint64_t max, uint64_t *out, char *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max) {
		snprintf(err, CFG_ERR_SIZE, "capture_start.%s: must be an integer 0-%llu", name,
			 (unsigned long long)max);
		return -EINVAL;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int parse_member(const char *k, const json_t *v, struct cap_req *r, bool *has_dir, char *err)
{
	const char *s = json_string_value(v);
	uint64_t n;
	int rc;

	if (strcmp(k, "port") == 0 || strcmp(k, "filter") == 0) {
		if (s == NULL)
			return fail(err, -EINVAL, "capture_start.%s: must be a string", k);
		*(strcmp(k, "port") == 0 ? &r->port : &r->filter) = s;
	} else if (strcmp(k, "direction") == 0) {
		if (s == NULL ||
		    (strcmp(s, "rx") != 0 && strcmp(s, "tx") != 0 && strcmp(s, "both") != 0))
			return fail(err, -EINVAL, "capture_start.direction: %s",
				    "must be \"rx\", \"tx\" or \"both\"");
		r->rx = strcmp(s, "tx") != 0;
		r->tx = strcmp(s, "rx") != 0;
		*has_dir = true;
	} else if (strcmp(k, "point") == 0) {
		if (s == NULL ||
		    (strcmp(s, "port") != 0 && strcmp(s, "decap") != 0 && strcmp(s, "encap") != 0))
			return fail(err, -EINVAL, "capture_start.point: %s",
				    "must be \"port\", \"decap\" or \"encap\"");
		r->point = strcmp(s, "decap") == 0   ? DP_CAP_DECAP
			   : strcmp(s, "encap") == 0 ? DP_CAP_ENCAP
						     : DP_CAP_RX;
	} else if (strcmp(k, "count") == 0) {
		rc = get_uint(v, k, UINT32_MAX, &r->count, err);
		if (rc < 0)
			return rc;
	} else if (strcmp(k, "snaplen") == 0 || strcmp(k, "ring") == 0) {
		bool snap = strcmp(k, "snaplen") == 0;

		rc = get_uint(v, k, snap ? SNAPLEN_MAX : 65536, &n, err);
		if (rc < 0)
			return rc;
		if (!snap && n == 0)
			return fail(err, -EINVAL, "capture_start.ring: %s", "must be 1-65536");
		*(snap ? &r->snaplen : &r->ring) = (uint32_t)n;
	} else {
		return fail(err, -EINVAL, "capture_start: unknown member '%s'", k);
	}
	return 0;
}

static int parse_req(const json_t *body, struct cap_req *r, char *err)
{
	bool has_dir = false;
	const char *k;
	json_t *v;
	int rc;

	*r = (struct cap_req){.rx = true, .tx = true, .point = DP_CAP_RX, .ring = RING_DEFAULT};
	json_object_foreach((json_t *)(uintptr_t)body, k, v)
	{
		rc = parse_member(k, v, r, &has_dir, err);
		if (rc < 0)
			return rc;
	}
	if (r->port == NULL)
		return fail(err, -EINVAL, "capture_start.port: %s", "missing");
	if (has_dir && r->point != DP_CAP_RX)
		return fail(err, -EINVAL, "capture_start.direction: %s",
			    "only with point \"port\" (decap and encap have one direction each)");
	return 0;
}

/* Fill in where the dataplane looks for the request's port and point. */
static int cap_target(const struct cap_req *r, struct dp_cap_conf *conf, uint16_t *port_idx,
		      char *err)
{
	bool underlay = strcmp(r->port, "underlay") == 0 && ctl_underlay_present();

	if (underlay) {
		*port_idx = ctl_underlay_port_index();
	} else {
		const struct cfg_port *p = cfg_port_find(ctl_switch_cfg(), r->port);

		if (p == NULL || ctl_switch_port_find(r->port, port_idx) < 0)
			return fail(err, -ENOENT, "capture_start.port: no port '%s'", r->port);
		memcpy(conf->dst_mac, p->mac, sizeof(conf->dst_mac));
	}
	conf->port_idx = *port_idx;
	switch (r->point) {
	case DP_CAP_DECAP:
		/* decapsulated frames come in on the underlay; a VM's are those to its MAC */
		if (!ctl_underlay_present())
			return fail(err, -EINVAL, "capture_start.point: %s",
				    "decap: this switch has no underlay");
		conf->points = 1u << DP_CAP_DECAP;
		conf->port_idx = ctl_underlay_port_index();
		conf->by_dst_mac = !underlay;
		break;
	case DP_CAP_ENCAP:
		/* what a VM sends to other hosts; the underlay's: every VM's */
		conf->points = 1u << DP_CAP_ENCAP;
		if (underlay)
			conf->port_idx = DP_CAP_ANY_PORT;
		break;
	default:
		conf->points = (r->rx ? 1u << DP_CAP_RX : 0) | (r->tx ? 1u << DP_CAP_TX : 0);
		break;
	}
	return 0;
}

static struct cap *cap_slot(void)
{
	for (unsigned int i = 0; i < DP_CAP_SESSIONS_MAX; i++)
		if (caps[i].s == NULL)
			return &caps[i];
	return NULL;
}

int ctl_capture_start(const json_t *body, int fd, void *owner, json_t **reply, char *err)
{
	char desc[96], comment[CFG_ERR_SIZE + 64], ferr[CFG_ERR_SIZE];
	struct dp_cap_conf conf = {.fd = -1};
	struct cap_req r;
	struct cap *c;
	uint16_t port_idx;
	const char *what;
	int rc, fl;

	rc = parse_req(body, &r, err);
	if (rc == 0)
		rc = cap_target(&r, &conf, &port_idx, err);
	if (rc == 0 && fd < 0)
		rc = fail(err, -EINVAL, "capture_start: %s",
			  "no output: the request must carry a file descriptor (SCM_RIGHTS)");
	fl = fd >= 0 ? fcntl(fd, F_GETFL) : 0;
	if (rc == 0 && (fl < 0 || (fl & O_ACCMODE) == O_RDONLY))
		rc = fail(err, -EINVAL, "capture_start: %s",
			  "the file descriptor is not open for writing");
	c = rc == 0 ? cap_slot() : NULL;
	if (rc == 0 && c == NULL)
		rc = fail(err, -ENOSPC, "capture_start: %s",
			  "too many capture sessions (at most 8 at once)");
	if (rc == 0) {
		conf.filter = dp_filter_compile(r.filter, r.snaplen, ferr, sizeof(ferr));
		if (conf.filter == NULL)
			rc = fail(err, errno == ENOMEM ? -ENOMEM : -EINVAL, "%s", ferr);
	}
	if (rc < 0) {
		if (fd >= 0)
			close(fd);
		return rc;
	}
	what = r.point == DP_CAP_DECAP	 ? "after decap"
	       : r.point == DP_CAP_ENCAP ? "before encap"
	       : r.rx && r.tx		 ? "rx+tx"
	       : r.rx			 ? "rx"
					 : "tx";
	snprintf(desc, sizeof(desc), "vpcswitch port %s %s", r.port, what);
	snprintf(comment, sizeof(comment), "vpcswitch capture: port %s, %s, filter '%s'", r.port,
		 what, r.filter != NULL ? r.filter : "");
	conf.snaplen = r.snaplen;
	conf.ring_size = r.ring;
	conf.count = r.count;
	conf.fd = fd;
	conf.notify_fd = notify_fd;
	conf.if_name = r.port;
	conf.if_desc = desc;
	conf.filter_text = r.filter;
	conf.comment = comment;
	c->s = dp_capture_start(&conf, ferr, sizeof(ferr)); /* takes fd and filter */
	if (c->s == NULL) {
		rc = errno == ENOSPC ? -ENOSPC : errno == ENOMEM ? -ENOMEM : -EIO;
		return fail(err, rc, "capture_start: %.200s", ferr);
	}
	c->id = next_id++;
	c->owner = owner;
	c->port_idx = port_idx;
	c->port_removed = false;
	*reply = json_pack("{s:I}", "id", (json_int_t)c->id);
	return 0;
}

int ctl_capture_stop(const json_t *body, json_t **reply, char *err)
{
	const json_t *id = json_object_get(body, "id");

	if (!json_is_integer(id) || json_object_size(body) != 1)
		return fail(err, -EINVAL, "capture_stop: %s", "the body is {\"id\": N}");
	for (unsigned int i = 0; i < DP_CAP_SESSIONS_MAX; i++) {
		if (caps[i].s != NULL && (json_int_t)caps[i].id == json_integer_value(id)) {
			dp_capture_stop(caps[i].s);
			*reply = json_pack("{s:I}", "id", (json_int_t)caps[i].id);
			return 0;
		}
	}
	snprintf(err, CFG_ERR_SIZE, "capture_stop.id: no capture session %lld",
		 (long long)json_integer_value(id));
	return -ENOENT;
}

void ctl_capture_owner_gone(const void *owner)
{
	for (unsigned int i = 0; i < DP_CAP_SESSIONS_MAX; i++) {
		if (caps[i].s != NULL && caps[i].owner == owner) {
			caps[i].owner = NULL;
			dp_capture_stop(caps[i].s);
		}
	}
}

void ctl_capture_port_gone(uint16_t port_idx)
{
	for (unsigned int i = 0; i < DP_CAP_SESSIONS_MAX; i++) {
		if (caps[i].s != NULL && caps[i].port_idx == port_idx) {
			caps[i].port_removed = true;
			dp_capture_stop(caps[i].s); /* unpublished: no worker looks at it now */
		}
	}
}
