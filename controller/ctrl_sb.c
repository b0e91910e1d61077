/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controller's southbound (ctrl_sb.h). A switch connects; the controller says hello
 * (asking for events) and learns the host from the reply. From then on the host's state
 * here is what its switch confirmed holding (`confirmed`), what it was last asked to hold
 * and has not confirmed yet (`inflight`), and what it should hold (`target`, its view of
 * the current model). One request chain is in flight per host at a time: a sync, or a txn
 * followed by a barrier; changes that come meanwhile are folded into the next one, so a
 * burst of changes costs a host one transaction, not one per change. A txn the switch
 * refuses is followed by a sync of the whole view, which the switch diffs itself.
 */
#include "ctrl_sb.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "cfg.h"
#include "ctrl_conn.h"
#include "ctrl_health.h"
#include "ctrl_loop.h"
#include "ctrl_net.h"
#include "ctrl_tls.h"

#define HELLO_TIMEOUT_MS 5000 /* TCP (and TLS) up to the hello reply */
#define IDLE_ECHO_MS 5000     /* nothing heard for this long: echo_request */
#define ECHO_TIMEOUT_MS 10000 /* and no answer to it for this long: the switch is gone */
#define SYNC_RETRY_MS 10000   /* a refused sync is tried again after this */
#define REQUEST_TIMEOUT_MS 120000 /* a sync or txn unanswered this long: the switch is stuck */
#define STRIKES_MAX 5         /* misbehaving messages before the switch is cut off */
#define CONNS_MAX 4096
#define UNREADY_PER_ADDRESS 8 /* connections of one address still before their hello reply */

struct host_state;

struct sb_conn {
	struct ctrl_watch w;
	struct ctrl_conn io;
	struct sb_conn *next;
	struct host_state *hs; /* bound after hello */
	char peer[64];
	bool ready, dead;
	uint32_t next_xid, hello_xid, echo_xid;
	uint64_t opened_ms, last_rx_ms, echo_sent_ms;
	unsigned int strikes;
};

struct host_state {
	char name[CFG_NAME_SIZE];
	struct sb_conn *conn;
	json_t *target;	   /* the view it should hold (NULL: to compute) */
	json_t *confirmed; /* the view it confirmed holding (NULL: unknown) */
	json_t *inflight;  /* sent, not confirmed yet */
	uint64_t want_version, inflight_version, applied_version;
	uint32_t sync_xid, txn_xid, barrier_xid; /* 0: none outstanding */
	uint32_t stats_xid; /* the health verdicts asked for after a connect */
	bool health_asked;
	bool need_sync;
	uint64_t sync_failed_ms;
	uint64_t busy_since_ms; /* when the request chain in flight was sent */
	char address[64];
	time_t since;
	char last_error[CTRL_ERR_SIZE];
	time_t last_error_at;
	bool unknown_said; /* last_error says the host is not in the state */
};

static struct ctrl_watch listener = {.fd = -1};
static bool listen_paused; /* out of descriptors: accepting again on the tick */
static SSL_CTX *tls_ctx; /* NULL: plain TCP */
#define REFUSED_KEPT 16
static struct {
	char address[64];
	char reason[CTRL_ERR_SIZE];
	time_t at;
} refused[REFUSED_KEPT];
static unsigned int n_refused; /* ever: the slot is n % REFUSED_KEPT */
static const struct ctrl_model *(*get_model)(void);
static struct sb_conn *conns;
static unsigned int n_conns;
static json_t *host_index; /* name -> index into hosts */
static struct host_state **hosts;
static size_t n_hosts, hosts_cap;

static struct host_state *host_get(const char *name, bool create)
{
	json_t *i = json_object_get(host_index, name);
	struct host_state *hs;

	if (i != NULL)
		return hosts[json_integer_value(i)];
	if (!create)
		return NULL;
	if (n_hosts == hosts_cap) {
		size_t cap = hosts_cap ? hosts_cap * 2 : 64;
		struct host_state **h = realloc(hosts, cap * sizeof(*h));

		if (h == NULL)
			return NULL;
		hosts = h;
		hosts_cap = cap;
	}
	hs = calloc(1, sizeof(*hs));
	if (hs == NULL || json_object_set_new(host_index, name, json_integer((json_int_t)n_hosts)) < 0) {
		free(hs);
		return NULL;
	}
	snprintf(hs->name, sizeof(hs->name), "%s", name);
	hosts[n_hosts++] = hs;
	return hs;
}

static void host_error(struct host_state *hs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void host_error(struct host_state *hs, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(hs->last_error, sizeof(hs->last_error), fmt, ap);
	va_end(ap);
	hs->last_error_at = time(NULL);
	hs->unknown_said = false;
	ctrl_log(CTRL_WARN, "host %s: %s", hs->name, hs->last_error);
}

static bool host_known(const char *name)
{
	json_t *key = json_pack("{s:s}", "name", name);
	bool known = ctrl_model_find(get_model(), "host", key) != NULL;

	json_decref(key);
	return known;
}

/* The host's view, with the backends other hosts found unhealthy set down. */
static json_t *host_view(const struct host_state *hs)
{
	json_t *v = ctrl_view(get_model(), hs->name);

	if (v != NULL)
		ctrl_health_apply(v, hs->name);
	return v;
}

/* What the host's switch holds is unknown again and nothing is outstanding. */
static void host_unbind(struct host_state *hs)
{
	hs->conn = NULL;
	json_decref(hs->confirmed);
	json_decref(hs->inflight);
	json_decref(hs->target);
	hs->confirmed = hs->inflight = hs->target = NULL;
	hs->sync_xid = hs->txn_xid = hs->barrier_xid = hs->stats_xid = 0;
	hs->need_sync = hs->health_asked = false;
}

static void conn_kill(struct sb_conn *c, const char *why)
{
	if (c->dead)
		return;
	if (c->hs != NULL && c->hs->conn == c) {
		host_error(c->hs, "disconnected (%s): %s", c->peer, why);
		host_unbind(c->hs);
	} else {
		ctrl_log(CTRL_INFO, "switch at %s: disconnected: %s", c->peer, why);
	}
	/* closed by the tick's reap: a read of this connection may still be on the stack */
	ctrl_loop_unwatch(&c->w);
	shutdown(c->io.fd, SHUT_RDWR);
	c->dead = true;
	n_conns--;
}

static void conn_arm(struct sb_conn *c)
{
	if (!c->dead)
		ctrl_loop_watch(&c->w, EPOLLIN | (ctrl_conn_pending(&c->io) ? EPOLLOUT : 0));
}

static uint32_t conn_send(struct sb_conn *c, uint8_t type, const json_t *body)
{
	uint32_t xid = c->next_xid++;
	int rc;

	if (c->next_xid == 0)
		c->next_xid = 1; /* 0 is the xid of events */
	rc = ctrl_conn_send(&c->io, type, xid, body);
	if (rc == -EMSGSIZE)
		return 0; /* nothing sent: the caller says so, the connection is fine */
	if (rc < 0) {
		conn_kill(c, rc == -ENOBUFS ? "it reads too slowly" : strerror(-rc));
		return 0;
	}
	conn_arm(c);
	return xid;
}

static void host_send_sync(struct host_state *hs)
{
	json_t *body = json_pack("{s:O}", "state", hs->target);

	hs->inflight = json_incref(hs->target);
	hs->inflight_version = hs->want_version;
	hs->busy_since_ms = ctrl_now_ms();
	hs->sync_xid = conn_send(hs->conn, SB_SYNC, body);
	json_decref(body);
	if (hs->sync_xid == 0 && hs->conn != NULL) {
		host_error(hs, "its view does not fit in one 16 MiB message: not synced");
		hs->sync_failed_ms = ctrl_now_ms();
		json_decref(hs->inflight);
		hs->inflight = NULL;
	}
}

static bool host_busy(const struct host_state *hs)
{
	return hs->sync_xid != 0 || hs->txn_xid != 0 || hs->barrier_xid != 0;
}

/* Bring the switch to the target: nothing while a request chain is out (its reply calls
 * this again), a sync while what it holds is unknown, else the difference. */
static void host_push(struct host_state *hs)
{
	json_t *ops;

	if (hs->conn == NULL || !hs->conn->ready || host_busy(hs))
		return;
	/* a switch of a host the state never had is left as it is; one whose host was deleted
	 * is emptied (its view is empty) */
	if (hs->confirmed == NULL && !host_known(hs->name))
		return;
	if (hs->unknown_said && host_known(hs->name)) { /* added since: that was no error */
		hs->unknown_said = false;
		hs->last_error[0] = '\0';
	}
	if (hs->target == NULL) {
		hs->target = host_view(hs);
		if (hs->target == NULL)
			return;
		hs->want_version = ctrl_model_version(get_model());
	}
	if (hs->confirmed == NULL || hs->need_sync) {
		if (hs->sync_failed_ms == 0 || ctrl_now_ms() - hs->sync_failed_ms >= SYNC_RETRY_MS)
			host_send_sync(hs);
		return;
	}
	ops = ctrl_view_diff(hs->confirmed, hs->target);
	if (ops == NULL)
		return;
	if (json_array_size(json_object_get(ops, "ops")) == 0) {
		hs->applied_version = hs->want_version;
		json_decref(ops);
		return;
	}
	hs->inflight = json_incref(hs->target);
	hs->inflight_version = hs->want_version;
	hs->busy_since_ms = ctrl_now_ms();
	hs->txn_xid = conn_send(hs->conn, SB_TXN, ops);
	json_decref(ops);
	if (hs->conn == NULL)
		return;
	if (hs->txn_xid == 0) { /* too big for one message: the sync says it all, or fails */
		json_decref(hs->inflight);
		hs->inflight = NULL;
		hs->need_sync = true;
		host_push(hs);
		return;
	}
	hs->barrier_xid = conn_send(hs->conn, SB_BARRIER_REQUEST, NULL);
}

/* The view of a connected host may have changed: recompute, push if it did. */
static void host_refresh(struct host_state *hs)
{
	json_t *v;

	if (hs->conn == NULL || !hs->conn->ready)
		return;
	v = host_view(hs);
	if (v == NULL)
		return;
	if (hs->target != NULL && json_equal(v, hs->target)) {
		json_decref(v);
		return;
	}
	json_decref(hs->target);
	hs->target = v;
	hs->want_version = ctrl_model_version(get_model());
	host_push(hs);
}

static void refresh_vpc(const char *vpc);

/* Verdicts a change made stale (the backend or its VM left, or moved) stop counting. */
static void prune_health(void)
{
	json_t *vpcs = json_object(), *v;
	const char *vpc;

	ctrl_health_prune(get_model(), vpcs);
	json_object_foreach(vpcs, vpc, v)
		refresh_vpc(vpc);
	json_decref(vpcs);
}

/* The hosts the changes may concern look at their views again. */
static void refresh_hosts(const json_t *changes)
{
	json_t *names = ctrl_model_affected_hosts(get_model(), changes), *name;
	size_t i;

	json_array_foreach(names, i, name)
	{
		struct host_state *hs = host_get(json_string_value(name), false);

		if (hs != NULL)
			host_refresh(hs);
	}
	json_decref(names);
}

void ctrl_sb_changed(const json_t *changes)
{
	refresh_hosts(changes);
	prune_health();
}

void ctrl_sb_reload(void)
{
	prune_health();
	for (size_t i = 0; i < n_hosts; i++)
		host_refresh(hosts[i]);
}

/* Every host with a port in the VPC looks at its view again. */
static void refresh_vpc(const char *vpc)
{
	json_t *changes = json_pack("[{s:s, s:s, s:n, s:{s:s}}]", "table", "lb_backends", "key", "",
				    "old", "new", "vpc", vpc);

	refresh_hosts(changes);
	json_decref(changes);
}

static void on_health(struct host_state *hs, const json_t *verdict)
{
	const char *vpc = NULL;
	int rc = ctrl_health_report(get_model(), hs->name, verdict, &vpc);

	if (rc < 0) {
		ctrl_log(CTRL_DEBUG, "host %s: a health verdict not about one of its own VMs: ignored",
			 hs->name);
		return;
	}
	ctrl_log(CTRL_INFO, "host %s: backend %s of %s/%s %s:%lld%s: %s%s%s", hs->name,
		 json_string_value(json_object_get(verdict, "address")), vpc != NULL ? vpc : "",
		 json_string_value(json_object_get(verdict, "lb")),
		 json_string_value(json_object_get(verdict, "protocol")),
		 (long long)json_integer_value(json_object_get(verdict, "port")),
		 rc > 0 ? "" : " (no change for other hosts)",
		 json_string_value(json_object_get(verdict, "health")),
		 json_object_get(verdict, "reason") != NULL ? ", " : "",
		 json_string_value(json_object_get(verdict, "reason")) ?: "");
	if (rc > 0)
		refresh_vpc(vpc);
}

/* The lb stats of a switch that just connected: the verdicts it holds now. */
static void on_lb_stats(struct host_state *hs, const json_t *body)
{
	json_t *l, *b;
	size_t i, k;

	json_array_foreach(json_object_get(body, "listeners"), i, l)
	{
		json_array_foreach(json_object_get(l, "backends"), k, b)
		{
			json_t *v;

			if (json_object_get(b, "health") == NULL)
				continue;
			v = json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "vpc",
				      json_object_get(l, "vpc"), "lb", json_object_get(l, "lb"),
				      "protocol", json_object_get(l, "protocol"), "port",
				      json_object_get(l, "port"), "address",
				      json_object_get(b, "address"), "backend_port",
				      json_object_get(b, "backend_port"), "health",
				      json_object_get(b, "health"), "reason",
				      json_object_get(b, "health_reason"));
			on_health(hs, v);
			json_decref(v);
		}
	}
}

static const char *error_message(const json_t *body)
{
	const char *m = json_string_value(json_object_get(body, "message"));

	return m != NULL ? m : "(no message)";
}

/* A switch turned away: kept for the status, so the operator sees who and why. */
static void refuse(struct sb_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct sb_conn *c, const char *fmt, ...)
{
	unsigned int slot = n_refused++ % REFUSED_KEPT;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(refused[slot].reason, sizeof(refused[slot].reason), fmt, ap);
	va_end(ap);
	snprintf(refused[slot].address, sizeof(refused[slot].address), "%s", c->peer);
	refused[slot].at = time(NULL);
	ctrl_log(CTRL_WARN, "switch at %s refused: %s", c->peer, refused[slot].reason);
}

/* Over TLS the host is who the certificate says (its CN or a DNS subjectAltName, as the
 * switch checks its own at start), whatever hello claims. */
static int check_identity(struct sb_conn *c, const char *host)
{
	char cn[CFG_NAME_SIZE + 1];
	int rc;

	if (c->io.ssl == NULL)
		return 0;
	rc = ctrl_tls_peer_is(c->io.ssl, host, cn, sizeof(cn));
	if (rc == -ENOENT) {
		refuse(c, "no client certificate");
		return -EACCES;
	}
	if (rc < 0) {
		refuse(c, "claims host '%s' but its certificate is for '%s'", host, cn);
		return -EACCES;
	}
	return 0;
}

/* What a host said of its backends is said again after it connects (stats, events). */
static void forget_health(struct host_state *hs)
{
	json_t *vpcs = json_object(), *v;
	const char *vpc;

	ctrl_health_forget(hs->name, vpcs);
	json_object_foreach(vpcs, vpc, v)
		refresh_vpc(vpc);
	json_decref(vpcs);
}

/* The switch answered hello: who it is decides which view it gets. */
static int on_hello(struct sb_conn *c, const struct sb_hdr *h, const json_t *body)
{
	const char *host = json_string_value(json_object_get(body, "host"));
	const char *role = json_string_value(json_object_get(body, "role"));
	struct host_state *hs;

	if (h->type == SB_ERROR) {
		refuse(c, "it answered hello with an error: %s", error_message(body));
		return -EPROTO;
	}
	if (h->type != SB_HELLO || h->xid != c->hello_xid) {
		refuse(c, "%s before its hello reply", sb_type_name(h->type));
		return -EPROTO;
	}
	if (role == NULL || strcmp(role, "vpcswitchd") != 0 || host == NULL ||
	    !cfg_name_valid(host)) {
		refuse(c, "hello reply without a valid role and host id");
		return -EPROTO;
	}
	if (check_identity(c, host) < 0)
		return -EACCES;
	hs = host_get(host, true);
	if (hs == NULL)
		return -ENOMEM;
	if (hs->conn != NULL)
		conn_kill(hs->conn, "replaced by a new connection of the same host");
	c->hs = hs;
	c->ready = true;
	hs->conn = c;
	hs->since = time(NULL);
	hs->sync_failed_ms = 0;
	snprintf(hs->address, sizeof(hs->address), "%s", c->peer);
	ctrl_log(CTRL_INFO, "host %s connected from %s", host, c->peer);
	forget_health(hs);
	if (!host_known(host)) {
		host_error(hs, "connected, but no host of that name is in the desired state");
		hs->unknown_said = true;
	}
	host_push(hs);
	return 0;
}

/* Once per connection, after it holds its state: which of its backends are unhealthy. */
static void ask_health(struct host_state *hs)
{
	json_t *body;

	if (hs->health_asked)
		return;
	hs->health_asked = true;
	body = json_pack("{s:s}", "kind", "lb");
	hs->stats_xid = conn_send(hs->conn, SB_STATS_REQUEST, body);
	json_decref(body);
}

/* A reply to the request chain in flight. */
static void on_reply(struct host_state *hs, const struct sb_hdr *h, const json_t *body)
{
	bool err = h->type == SB_ERROR;

	if (hs->stats_xid != 0 && h->xid == hs->stats_xid) {
		hs->stats_xid = 0;
		if (!err)
			on_lb_stats(hs, body);
		return;
	}
	if (hs->sync_xid != 0 && h->xid == hs->sync_xid) {
		hs->sync_xid = 0;
		if (err) {
			/* need_sync stays: the next try is a sync, SYNC_RETRY_MS from now */
			host_error(hs, "sync refused: %s", error_message(body));
			hs->sync_failed_ms = ctrl_now_ms();
		} else {
			json_decref(hs->confirmed);
			hs->confirmed = json_incref(hs->inflight);
			hs->applied_version = hs->inflight_version;
			hs->sync_failed_ms = 0;
			hs->need_sync = false;
			ask_health(hs);
		}
		json_decref(hs->inflight);
		hs->inflight = NULL;
	} else if (hs->txn_xid != 0 && h->xid == hs->txn_xid) {
		hs->txn_xid = 0;
		if (err) {
			host_error(hs, "txn refused (a sync follows): %s", error_message(body));
			hs->need_sync = true;
		} else {
			json_decref(hs->confirmed);
			hs->confirmed = json_incref(hs->inflight);
		}
	} else if (hs->barrier_xid != 0 && h->xid == hs->barrier_xid) {
		hs->barrier_xid = 0;
		if (!hs->need_sync)
			hs->applied_version = hs->inflight_version;
		json_decref(hs->inflight);
		hs->inflight = NULL;
	} else {
		return;
	}
	if (!host_busy(hs))
		host_push(hs);
}

static bool is_reply(uint8_t type)
{
	return type == SB_ERROR || type == SB_TXN_REPLY || type == SB_SYNC_REPLY ||
	       type == SB_BARRIER_REPLY || type == SB_ECHO_REPLY || type == SB_STATS_REPLY;
}

static int strike(struct sb_conn *c, const struct sb_hdr *h, const char *what)
{
	json_t *e = json_pack("{s:s, s:s, s:s}", "code", "bad_request", "message", what, "request",
			      sb_type_name(h->type));

	ctrl_conn_send(&c->io, SB_ERROR, h->xid, e);
	json_decref(e);
	conn_arm(c);
	if (++c->strikes >= STRIKES_MAX) {
		ctrl_log(CTRL_WARN, "switch at %s: %u bad messages, the last: %s", c->peer,
			 c->strikes, what);
		return -EPROTO;
	}
	return 0;
}

static int on_frame(void *arg, const struct sb_hdr *h, json_t *body, const char *err)
{
	struct sb_conn *c = arg;
	char msg[300];

	if (c->dead)
		return -EPIPE;
	c->last_rx_ms = ctrl_now_ms();
	c->echo_sent_ms = 0;
	if (body == NULL)
		return strike(c, h, err);
	if (h->version != SB_VERSION || h->flags != 0)
		return strike(c, h, "header: version must be 1 and flags 0");
	if (!c->ready)
		return on_hello(c, h, body);
	if (h->type == SB_EVENT && h->xid == 0) {
		const char *ev = json_string_value(json_object_get(body, "event"));

		if (ev != NULL && strcmp(ev, "lb_backend_status") == 0)
			on_health(c->hs, body);
		return 0;
	}
	if (!is_reply(h->type)) {
		snprintf(msg, sizeof(msg), "header.type: %s is not something a controller serves",
			 sb_type_name(h->type));
		return strike(c, h, msg);
	}
	if (h->type == SB_ECHO_REPLY && h->xid == c->echo_xid)
		return 0;
	on_reply(c->hs, h, body);
	return 0;
}

static void on_conn(struct ctrl_watch *w, uint32_t events)
{
	struct sb_conn *c = (struct sb_conn *)w;
	int rc = 0;

	if (c->dead)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		rc = ctrl_conn_read(&c->io, on_frame, c);
	if (rc == 0 && !c->dead)
		rc = ctrl_conn_flush(&c->io);
	if (rc != 0) {
		if (!ctrl_conn_tls_done(&c->io))
			refuse(c, "TLS handshake failed (no valid certificate?)");
		conn_kill(c, rc == -ECONNRESET ? "closed by the switch"
			     : rc == -EPROTO   ? "protocol error"
			     : rc == -EACCES   ? "refused"
					       : strerror(-rc));
		return;
	}
	conn_arm(c);
}

int ctrl_sb_adopt(int fd, const char *peer)
{
	struct sb_conn *c;
	json_t *hello;

	if (n_conns >= CONNS_MAX || (c = calloc(1, sizeof(*c))) == NULL) {
		ctrl_log(CTRL_WARN, "%u switch connections already: refusing one", n_conns);
		close(fd);
		return -ENOSPC;
	}
	ctrl_conn_init(&c->io, fd);
	if (tls_ctx != NULL) {
		SSL *ssl = SSL_new(tls_ctx);

		if (ssl == NULL || SSL_set_fd(ssl, fd) != 1) {
			SSL_free(ssl);
			close(fd);
			free(c);
			return -ENOMEM;
		}
		SSL_set_accept_state(ssl);
		ctrl_conn_tls(&c->io, ssl);
	}
	c->w = (struct ctrl_watch){.fd = fd, .fn = on_conn};
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->next_xid = 1;
	c->opened_ms = c->last_rx_ms = ctrl_now_ms();
	c->next = conns;
	conns = c;
	n_conns++;
	hello = json_pack("{s:[i], s:b}", "versions", SB_VERSION, "events", 1);
	c->hello_xid = conn_send(c, SB_HELLO, hello);
	json_decref(hello);
	return 0;
}

/* The address part of "ADDR:PORT" / "[ADDR]:PORT". */
static size_t addr_len(const char *peer)
{
	const char *colon = strrchr(peer, ':');

	return colon != NULL ? (size_t)(colon - peer) : strlen(peer);
}

/* One address may not hold many connections that have not said hello: slots (and the
 * handshakes' work) stay for switches. */
static bool too_many_unready(const char *peer)
{
	size_t n = addr_len(peer);
	unsigned int count = 0;

	for (struct sb_conn *c = conns; c != NULL; c = c->next)
		if (!c->dead && !c->ready && addr_len(c->peer) == n &&
		    memcmp(c->peer, peer, n) == 0)
			count++;
	return count >= UNREADY_PER_ADDRESS;
}

static void on_accept(struct ctrl_watch *w, uint32_t events)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = accept4(w->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	char peer[64];

	(void)events;
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE) {
			/* level-triggered: stop listening for a tick rather than spin */
			ctrl_log(CTRL_WARN, "out of file descriptors: not accepting switches for now");
			ctrl_loop_unwatch(&listener);
			listen_paused = true;
		}
		return;
	}
	ctrl_net_format(&ss, peer, sizeof(peer));
	if (too_many_unready(peer)) {
		close(fd);
		return;
	}
	sb_socket_tune(fd);
	ctrl_sb_adopt(fd, peer);
}

int ctrl_sb_start(const char *listen_addr, const struct ctrl_sb_tls *tls,
		  const struct ctrl_model *(*model)(void), char *err)
{
	int fd;

	if (tls != NULL && (tls_ctx = ctrl_tls_server_ctx(tls->cert, tls->key, tls->ca, err)) == NULL)
		return -EINVAL;
	get_model = model;
	host_index = json_object();
	if (listen_addr == NULL)
		return 0;
	fd = ctrl_net_listen(listen_addr, err);
	if (fd < 0)
		return fd;
	listener = (struct ctrl_watch){.fd = fd, .fn = on_accept};
	return ctrl_loop_watch(&listener, EPOLLIN);
}

static void conn_tick(struct sb_conn *c, uint64_t now)
{
	struct host_state *hs = c->hs;

	if (!c->ready && now - c->opened_ms > HELLO_TIMEOUT_MS) {
		if (!ctrl_conn_tls_done(&c->io))
			refuse(c, "no TLS handshake within 5 s");
		conn_kill(c, "no hello reply within 5 s");
		return;
	}
	/*
	 * A switch answers in order: while it applies a big sync, an echo waits behind it. So
	 * the echo measures an idle switch only; a busy one has REQUEST_TIMEOUT_MS to answer
	 * (TCP keepalive notices a vanished host sooner).
	 */
	if (hs != NULL && host_busy(hs)) {
		if (now - hs->busy_since_ms > REQUEST_TIMEOUT_MS)
			conn_kill(c, "no reply to a request within 120 s");
		return;
	}
	if (c->echo_sent_ms != 0 && now - c->echo_sent_ms > ECHO_TIMEOUT_MS) {
		conn_kill(c, "no answer to an echo request within 10 s");
		return;
	}
	if (c->ready && c->echo_sent_ms == 0 && now - c->last_rx_ms > IDLE_ECHO_MS) {
		c->echo_sent_ms = now;
		c->echo_xid = conn_send(c, SB_ECHO_REQUEST, NULL);
	}
	if (hs != NULL && hs->sync_failed_ms != 0)
		host_push(hs); /* retries once SYNC_RETRY_MS passed */
}

void ctrl_sb_tick(void)
{
	uint64_t now = ctrl_now_ms();
	struct sb_conn **pp = &conns;

	if (listen_paused && ctrl_loop_watch(&listener, EPOLLIN) == 0)
		listen_paused = false;
	for (struct sb_conn *c = conns; c != NULL; c = c->next) {
		if (!c->dead && ctrl_conn_buffered(&c->io))
			on_conn(&c->w, EPOLLIN); /* what TLS kept of a long burst */
		if (!c->dead)
			conn_tick(c, now);
	}
	while (*pp != NULL) {
		struct sb_conn *c = *pp;

		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		ctrl_conn_close(&c->io);
		free(c);
	}
}

static json_t *host_status(const struct host_state *hs, const json_t *row)
{
	bool connected = hs != NULL && hs->conn != NULL && hs->conn->ready;
	bool in_sync = connected && hs->confirmed != NULL && !host_busy(hs) && !hs->need_sync &&
		       hs->target != NULL && hs->applied_version == hs->want_version;
	json_t *s = json_pack("{s:s, s:O?, s:b, s:b, s:b}", "name",
			      hs != NULL ? hs->name : json_string_value(json_object_get(row, "name")),
			      "vtep", json_object_get(row, "vtep"), "known", row != NULL,
			      "connected", connected, "in_sync", in_sync);

	if (hs == NULL)
		return s;
	json_object_set_new(s, "desired_version", json_integer((json_int_t)hs->want_version));
	json_object_set_new(s, "applied_version", json_integer((json_int_t)hs->applied_version));
	if (connected) {
		json_object_set_new(s, "address", json_string(hs->address));
		json_object_set_new(s, "since", json_integer(hs->since));
	}
	if (hs->last_error[0] != '\0') {
		json_object_set_new(s, "last_error", json_string(hs->last_error));
		json_object_set_new(s, "last_error_at", json_integer(hs->last_error_at));
	}
	return s;
}

static json_t *refused_list(void)
{
	json_t *list = json_array();
	unsigned int n = n_refused < REFUSED_KEPT ? n_refused : REFUSED_KEPT;

	for (unsigned int i = 0; i < n; i++) { /* newest first */
		unsigned int slot = (n_refused - 1 - i) % REFUSED_KEPT;

		json_array_append_new(list, json_pack("{s:s, s:s, s:I}", "address",
						      refused[slot].address, "reason",
						      refused[slot].reason, "at",
						      (json_int_t)refused[slot].at));
	}
	return list;
}

json_t *ctrl_sb_status(void)
{
	const struct ctrl_model *m = get_model();
	json_t *rows = ctrl_model_table(m, "hosts"), *row, *list = json_array();
	json_t *seen = json_object();
	size_t i;

	json_array_foreach(rows, i, row)
	{
		const char *name = json_string_value(json_object_get(row, "name"));

		json_array_append_new(list, host_status(host_get(name, false), row));
		json_object_set_new(seen, name, json_true());
	}
	for (i = 0; i < n_hosts; i++) /* connected, but not a host of the desired state */
		if (json_object_get(seen, hosts[i]->name) == NULL && hosts[i]->conn != NULL)
			json_array_append_new(list, host_status(hosts[i], NULL));
	json_decref(rows);
	json_decref(seen);
	return json_pack("{s:o, s:o, s:o, s:I}", "hosts", list, "refused", refused_list(),
			 "unhealthy_backends", ctrl_health_status(), "version",
			 (json_int_t)ctrl_model_version(m));
}

void ctrl_sb_stop(void)
{
	for (struct sb_conn *c = conns; c != NULL; c = c->next)
		conn_kill(c, "the controller stops");
	ctrl_sb_tick();
	for (size_t i = 0; i < n_hosts; i++) {
		host_unbind(hosts[i]);
		free(hosts[i]);
	}
	free(hosts);
	hosts = NULL;
	n_hosts = hosts_cap = 0;
	json_decref(host_index);
	host_index = NULL;
	SSL_CTX_free(tls_ctx);
	tls_ctx = NULL;
	ctrl_health_fini();
	if (listener.fd >= 0) {
		ctrl_loop_unwatch(&listener);
		close(listener.fd);
		listener.fd = -1;
	}
}
