/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands of the switch. The library calls them on its own threads (one
 * per telemetry client), while the control thread creates and destroys ports and publishes
 * snapshots; so a callback reads nothing of the switch itself. It queues a request, wakes
 * the control loop through an eventfd (ctl_server_watch) and waits, at most a second, for
 * the control thread to run the query: the same ctl_switch_stats calls as vpcctl's
 * "show" commands, so both report the same numbers. The answer comes back as a JSON tree
 * the control thread no longer touches; the callback turns it into rte_tel_data itself,
 * because the library's rte_tel_data lives on the callback's stack and would be gone if a
 * late answer were written into it after a timeout.
 */
#include "ctl_telemetry.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_common.h>
#include <rte_telemetry.h>

#include "cfg.h"
#include "ctl_server.h"
#include "ctl_switch.h"

#define TEL_TIMEOUT_S 1 /* a control thread busy longer than this (a big commit): answer null */

/* A query, run on the control thread: 0 and *out (a new reference), or a negative errno. */
typedef int (*tel_query_fn)(const char *param, json_t **out);

/*
 * One request. QUEUED: on the queue, the waiter may unlink and free it. RUNNING: taken by
 * the control thread. DONE: answered (or refused at shutdown), the waiter frees it.
 * ABANDONED: the waiter timed out while it was RUNNING; the control thread frees it.
 * Every field is read and written with tel_lock held, except fn and param (immutable once
 * queued).
 */
struct tel_req {
	struct tel_req *next;
	tel_query_fn fn;
	char param[CFG_NAME_SIZE];
	enum { REQ_QUEUED, REQ_RUNNING, REQ_DONE, REQ_ABANDONED } state;
	int rc;
	json_t *out;
};

/* Never destroyed: the library keeps calling the callbacks until the process ends. */
static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tel_cond; /* CLOCK_MONOTONIC; broadcast when a request is DONE */
static struct tel_req *tel_queue, **tel_tail = &tel_queue; /* tel_lock */
static bool tel_open;	/* tel_lock: requests are taken (tel_fd valid) */
static bool tel_inited; /* control thread only */
static int tel_fd = -1; /* written by waiters under tel_lock while tel_open */

/* ---- control thread: the queries ---- */

static int stats(const char *kind, const char *port, json_t **reply)
{
	char err[CFG_ERR_SIZE];
	json_t *body = json_pack("{s:s}", "kind", kind);
	int rc;

	if (body == NULL)
		return -ENOMEM;
	if (port != NULL && json_object_set_new(body, "port", json_string(port)) < 0) {
		json_decref(body);
		return -EINVAL; /* never a host-wide answer to a port question */
	}
	rc = ctl_switch_stats(body, reply, err);
	json_decref(body);
	return rc;
}

/* reason -> count, every reason (zeros too: the set of reasons is the API). */
static json_t *reasons_object(const json_t *drops)
{
	json_t *o = json_object(), *e;
	size_t i;

	json_array_foreach(drops, i, e)
	{
		json_object_set(o, json_string_value(json_object_get(e, "reason")),
				json_object_get(e, "count"));
	}
	return o;
}

static int q_drops(const char *param, json_t **out)
{
	json_t *r;
	int rc = stats("drops", param[0] != '\0' ? param : NULL, &r);

	if (rc < 0)
		return rc;
	*out = reasons_object(json_object_get(r, "drops"));
	json_decref(r);
	return 0;
}

static int q_ports(const char *param, json_t **out)
{
	json_t *r, *p;
	size_t i;
	int rc = stats("ports", NULL, &r);

	(void)param;
	if (rc < 0)
		return rc;
	*out = json_array();
	json_array_foreach(json_object_get(r, "ports"), i, p)
	{
		json_array_append(*out, json_object_get(p, "name"));
	}
	json_decref(r);
	return 0;
}

/* One port: identity, link, every counter of `port show`, every drop reason (zeros too)
 * and its connections. Keys the library refuses (port names may hold '.' and '-') are
 * avoided: port names are values here, never keys. */
static int q_port(const char *param, json_t **out)
{
	static const char *const ids[] = {"name", "vpc", "mac", "link"};
	json_t *ports = NULL, *drops = NULL, *ct = NULL, *p, *o, *v;
	const char *k;
	int rc;

	if ((rc = stats("ports", param, &ports)) < 0 || (rc = stats("drops", param, &drops)) < 0 ||
	    (rc = stats("conntrack", NULL, &ct)) < 0)
		goto out;
	p = json_array_get(json_object_get(ports, "ports"), 0);
	if (p == NULL) {
		rc = -ENOENT;
		goto out;
	}
	o = json_object();
	for (size_t i = 0; i < RTE_DIM(ids); i++)
		json_object_set(o, ids[i], json_object_get(p, ids[i]));
	json_object_foreach(json_object_get(p, "stats"), k, v)
	{
		if (strcmp(k, "drop_reasons") != 0)
			json_object_set(o, k, v);
	}
	v = json_object_get(json_object_get(json_object_get(ct, "conntrack"), "ports"), param);
	json_object_set(o, "connections", json_object_get(v, "connections"));
	json_object_set(o, "max_connections", json_object_get(v, "limit"));
	json_object_set_new(o, "drop_reasons", reasons_object(json_object_get(drops, "drops")));
	*out = o;
out:
	json_decref(ports);
	json_decref(drops);
	json_decref(ct);
	return rc;
}

/* Keyed "lcore_N": DPDK 22.11 takes no dictionaries as array elements. */
static int q_workers(const char *param, json_t **out)
{
	json_t *r, *w;
	size_t i;
	int rc = stats("workers", NULL, &r);

	(void)param;
	if (rc < 0)
		return rc;
	*out = json_object();
	json_array_foreach(json_object_get(r, "workers"), i, w)
	{
		char key[32];

		snprintf(key, sizeof(key), "lcore_%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(w, "lcore")));
		json_object_set(*out, key, w);
	}
	json_decref(r);
	return 0;
}

/* Host-wide figures; each port's are in /vpcswitch/port (port names cannot be keys). */
static int q_conntrack(const char *param, json_t **out)
{
	json_t *r;
	int rc = stats("conntrack", NULL, &r);

	(void)param;
	if (rc < 0)
		return rc;
	*out = json_incref(json_object_get(r, "conntrack"));
	json_object_del(*out, "ports");
	json_decref(r);
	return 0;
}

/* The eventfd is readable, or a tick: answer everything queued. */
static void tel_serve(void *arg)
{
	struct tel_req *batch, *r, *next;
	uint64_t n;
	ssize_t got = read(tel_fd, &n, sizeof(n)); /* EAGAIN on a tick: nothing new */

	(void)arg;
	(void)got;
	pthread_mutex_lock(&tel_lock);
	batch = tel_queue;
	tel_queue = NULL;
	tel_tail = &tel_queue;
	for (r = batch; r != NULL; r = r->next)
		r->state = REQ_RUNNING;
	pthread_mutex_unlock(&tel_lock);
	for (r = batch; r != NULL; r = next) {
		json_t *out = NULL;
		int rc;

		next = r->next; /* r may be freed by its waiter once DONE */
		rc = r->fn(r->param, &out);
		pthread_mutex_lock(&tel_lock);
		if (r->state == REQ_ABANDONED) {
			pthread_mutex_unlock(&tel_lock);
			json_decref(out);
			free(r);
			continue;
		}
		r->rc = rc;
		r->out = rc == 0 ? out : NULL;
		/* the mutex orders every write to out before the waiter reads it */
		r->state = REQ_DONE;
		pthread_cond_broadcast(&tel_cond);
		pthread_mutex_unlock(&tel_lock);
		if (rc < 0)
			json_decref(out);
	}
}

/* ---- telemetry threads ---- */

/* Run fn on the control thread; 0 and *out (the caller's reference), or a negative errno
 * (-ETIMEDOUT, -ESHUTDOWN, the query's). */
static int tel_call(tel_query_fn fn, const char *param, json_t **out)
{
	struct tel_req *r = calloc(1, sizeof(*r));
	struct timespec deadline;
	uint64_t one = 1;
	int rc;

	if (r == NULL)
		return -ENOMEM;
	r->fn = fn;
	snprintf(r->param, sizeof(r->param), "%s", param);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += TEL_TIMEOUT_S;
	pthread_mutex_lock(&tel_lock);
	if (!tel_open) {
		pthread_mutex_unlock(&tel_lock);
		free(r);
		return -ESHUTDOWN;
	}
	*tel_tail = r;
	tel_tail = &r->next;
	if (write(tel_fd, &one, sizeof(one)) < 0) {
		/* cannot fail short of 2^64 - 1 wakeups; the 100 ms tick serves the queue anyway */
	}
	while (r->state != REQ_DONE &&
	       pthread_cond_timedwait(&tel_cond, &tel_lock, &deadline) != ETIMEDOUT)
		;
	if (r->state == REQ_DONE) {
		rc = r->rc;
		*out = r->out;
		free(r);
	} else if (r->state == REQ_QUEUED) {
		struct tel_req **pp = &tel_queue;

		while (*pp != r)
			pp = &(*pp)->next;
		*pp = r->next;
		if (tel_tail == &r->next)
			tel_tail = pp;
		free(r);
		rc = -ETIMEDOUT;
	} else {
		r->state = REQ_ABANDONED; /* running now: the control thread frees it */
		rc = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

/* Dictionary keys in DPDK 22.11 may hold only [A-Za-z0-9_/]; anything else becomes '_'. */
static void tel_key(const char *k, char out[RTE_TEL_MAX_STRING_LEN])
{
	size_t i;

	for (i = 0; k[i] != '\0' && i < RTE_TEL_MAX_STRING_LEN - 1; i++) {
		char c = k[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '/';

		out[i] = ok ? c : '_';
	}
	out[i] = '\0';
}

/* A value the library has no type for (reals, booleans, mixed arrays) as a string. */
static void tel_text(const json_t *v, char out[RTE_TEL_MAX_STRING_LEN])
{
	char *s;

	if (json_is_real(v)) {
		snprintf(out, RTE_TEL_MAX_STRING_LEN, "%.2f", json_real_value(v));
	} else if (json_is_string(v)) {
		snprintf(out, RTE_TEL_MAX_STRING_LEN, "%s", json_string_value(v));
	} else {
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		snprintf(out, RTE_TEL_MAX_STRING_LEN, "%s", s != NULL ? s : "");
		free(s);
	}
}

static int tel_fill(struct rte_tel_data *d, const json_t *j);

/* An object or array as a container of d (keyed, or an array element if key is NULL). */
static void tel_add_container(struct rte_tel_data *d, const char *key, const json_t *v)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	int rc;

	if (c == NULL)
		return;
	if (tel_fill(c, v) < 0) {
		rte_tel_data_free(c);
		return;
	}
	/* keep 0: the library frees c once it is written out */
	rc = key != NULL ? rte_tel_data_add_dict_container(d, key, c, 0)
			 : rte_tel_data_add_array_container(d, c, 0);
	if (rc < 0)
		rte_tel_data_free(c); /* full (more than 256/512 entries): the rest is left out */
}

static void tel_add_dict(struct rte_tel_data *d, const char *name, const json_t *v)
{
	char key[RTE_TEL_MAX_STRING_LEN], text[RTE_TEL_MAX_STRING_LEN];

	tel_key(name, key);
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		rte_tel_data_add_dict_u64(d, key, (uint64_t)json_integer_value(v));
	} else if (json_is_object(v) || json_is_array(v)) {
		tel_add_container(d, key, v);
	} else if (!json_is_null(v)) {
		tel_text(v, text);
		rte_tel_data_add_dict_string(d, key, text);
	}
}

/* The one element type an array can have: u64, string (anything else as text), container
 * (arrays only: DPDK 22.11 refuses dictionaries in arrays, they go as JSON text). */
static enum rte_tel_value_type tel_array_type(const json_t *a)
{
	bool all_u64 = true, all_containers = true;
	const json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
	{
		all_u64 &= json_is_integer(v) && json_integer_value(v) >= 0;
		all_containers &= json_is_array(v);
	}
	if (all_u64)
		return RTE_TEL_U64_VAL;
	return all_containers && i > 0 ? RTE_TEL_CONTAINER : RTE_TEL_STRING_VAL;
}

static int tel_fill(struct rte_tel_data *d, const json_t *j)
{
	char text[RTE_TEL_MAX_STRING_LEN];
	enum rte_tel_value_type t;
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_object(j)) {
		rte_tel_data_start_dict(d);
		json_object_foreach((json_t *)j, k, v)
		{
			tel_add_dict(d, k, v);
		}
		return 0;
	}
	if (!json_is_array(j))
		return -EINVAL;
	t = tel_array_type(j);
	rte_tel_data_start_array(d, t);
	json_array_foreach(j, i, v)
	{
		if (t == RTE_TEL_U64_VAL) {
			rte_tel_data_add_array_u64(d, (uint64_t)json_integer_value(v));
		} else if (t == RTE_TEL_CONTAINER) {
			tel_add_container(d, NULL, v);
		} else {
			tel_text(v, text);
			rte_tel_data_add_array_string(d, text);
		}
	}
	return 0;
}

enum tel_param { PARAM_NONE, PARAM_OPTIONAL, PARAM_PORT };

static const struct tel_cmd {
	const char *cmd;
	tel_query_fn fn;
	enum tel_param param;
	const char *help;
} tel_cmds[] = {
	{"/vpcswitch/drops", q_drops, PARAM_OPTIONAL,
	 "Drops by reason, every reason, host-wide or of one port. Parameters: [port name]"},
	{"/vpcswitch/ports", q_ports, PARAM_NONE, "Names of the switch's ports."},
	{"/vpcswitch/port", q_port, PARAM_PORT,
	 "One port: link, rx/tx counters, drops by reason, connections. Parameters: port name"},
	{"/vpcswitch/workers", q_workers, PARAM_NONE,
	 "Worker lcores: packets, busy cycles, polls (as vpcctl show workers)."},
	{"/vpcswitch/conntrack", q_conntrack, PARAM_NONE,
	 "Connection table: connections, limit, created, flow cache hits, revalidated."},
};

/*
 * Called by the library on a telemetry thread. A negative return makes the library answer
 * {"<cmd>": null}: an unknown port, a bad parameter, or no answer within a second.
 */
static int tel_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct tel_cmd *c = NULL;
	const char *param = params != NULL ? params : "";
	json_t *out = NULL;
	int rc;

	for (size_t i = 0; i < RTE_DIM(tel_cmds); i++)
		if (strcmp(cmd, tel_cmds[i].cmd) == 0)
			c = &tel_cmds[i];
	if (c == NULL)
		return -EINVAL;
	if ((c->param == PARAM_NONE && param[0] != '\0') ||
	    (c->param == PARAM_PORT && param[0] == '\0') ||
	    (param[0] != '\0' && !cfg_name_valid(param)))
		return -EINVAL;
	rc = tel_call(c->fn, param, &out);
	if (rc < 0)
		return rc;
	rc = tel_fill(d, out);
	json_decref(out);
	return rc;
}

int ctl_telemetry_init(void)
{
	pthread_condattr_t attr;
	int rc;

	if (tel_inited)
		return -EALREADY;
	tel_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (tel_fd < 0)
		return -errno;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&tel_cond, &attr);
	pthread_condattr_destroy(&attr);
	tel_inited = true;
	rc = ctl_server_watch(tel_fd, tel_serve, NULL);
	if (rc < 0)
		goto fail;
	pthread_mutex_lock(&tel_lock);
	tel_open = true;
	pthread_mutex_unlock(&tel_lock);
	for (size_t i = 0; i < RTE_DIM(tel_cmds); i++) {
		rc = rte_telemetry_register_cmd(tel_cmds[i].cmd, tel_cb, tel_cmds[i].help);
		if (rc < 0)
			goto fail;
	}
	return 0;
fail:
	ctl_telemetry_fini(); /* a command already registered finds the requests refused */
	return rc;
}

void ctl_telemetry_fini(void)
{
	struct tel_req *r;

	if (!tel_inited)
		return;
	pthread_mutex_lock(&tel_lock);
	tel_open = false;
	for (r = tel_queue; r != NULL; r = r->next) {
		r->state = REQ_DONE;
		r->rc = -ESHUTDOWN;
	}
	tel_queue = NULL;
	tel_tail = &tel_queue;
	pthread_cond_broadcast(&tel_cond);
	pthread_mutex_unlock(&tel_lock);
	if (tel_fd >= 0) {
		ctl_server_unwatch(tel_fd);
		close(tel_fd);
		tel_fd = -1;
	}
}
