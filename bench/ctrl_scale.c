/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctrl_scale: vpc-controller's scale benchmark (bench/README.md, "Controller scale").
 *
 * N simulated hosts in one process and one epoll loop: N TCP connections to the
 * controller's southbound, each speaking the real protocol as vpcswitchd does
 * (docs/southbound.md): it answers hello as host hNNNN, applies `sync` (cfg_state_decode
 * into its own struct cfg, the switch's pure table model; sync_reply with per-table counts)
 * and `txn` (cfg_apply_op on a clone, all or nothing), answers barrier and echo requests.
 * Each host records the monotonic time of every sync and txn it applied.
 *
 * Phases (each one line of figures, or one JSON object a line with --json):
 *   populate   PUT /v1/state of the whole topology (hosts, VPCs, subnets, groups, ports)
 *   connect    every host connects at once; until every one applied its sync
 *   reconnect  every host drops its connection and reconnects at once (controller running)
 *   restart    --kill-cmd (SIGKILL the controller), --start-cmd (start it again on the same
 *              database); until every host, reconnecting with a short backoff, is in sync
 *   changes    K single-port changes through the API (add a port to a random VPC on a
 *              random host, then delete it): from the request until every affected host
 *              holds the change
 *   resync     one host closes its connection and reconnects: until its sync is applied
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cfg.h"
#include "cfg_json.h"
#include "sb_proto.h"

#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 500

/* ---------------------------------------------------------------- options and topology */

static struct {
	const char *sb, *api, *sock_dir, *phases, *kill_cmd, *start_cmd, *ctrl_pidfile;
	const char *events_file;
	unsigned int hosts, ports, vpcs, spread, changes, resyncs;
	unsigned int timeout_s, sync_delay_ms;
	uint64_t seed;
	bool json, verbose, ack_only;
} opt = {
	.sock_dir = "/run/vpcswitch",
	.phases = "populate,connect,reconnect,restart,changes,resync",
	.hosts = 1000,
	.ports = 100000,
	.vpcs = 5000,
	.spread = 10,
	.changes = 200,
	.resyncs = 20,
	.timeout_s = 300,
	.seed = 1,
};

/* VPC j holds ports [vpc_first[j], vpc_first[j+1]); its k-th port lives on host
 * vpc_slot_host(j, k % spread). */
static unsigned int *vpc_first;
static unsigned int **vpc_hosts; /* the distinct hosts of each VPC */
static unsigned int *vpc_n_hosts;
static unsigned int *port_host;
static unsigned int host_mult; /* coprime with hosts: spreads consecutive slots */
static unsigned int ppv_max;    /* most ports in one VPC */
static unsigned int subnet_plen;
static char addr_scratch[64];

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "ctrl_scale: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "ctrl_scale: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static unsigned int gcd(unsigned int a, unsigned int b)
{
	while (b != 0) {
		unsigned int t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static void host_name(unsigned int i, char *buf, size_t size)
{
	snprintf(buf, size, opt.hosts <= 10000 ? "h%04u" : "h%07u", i);
}

static void host_vtep(unsigned int i, char *buf, size_t size)
{
	snprintf(buf, size, "10.%u.%u.%u", 100 + i / 62500, i / 250 % 250, i % 250 + 1);
}

static void vpc_name(unsigned int j, char *buf, size_t size)
{
	snprintf(buf, size, "v%05u", j);
}

static void port_name(unsigned int p, char *buf, size_t size)
{
	snprintf(buf, size, "p%06u", p);
}

static void port_mac(unsigned int p, char *buf, size_t size)
{
	snprintf(buf, size, "52:54:00:%02x:%02x:%02x", p >> 16 & 0xff, p >> 8 & 0xff, p & 0xff);
}

/* The k-th address of a VPC's subnet 10.0.0.0/plen: 10 + k (gateway .1). */
static const char *vpc_addr(unsigned int k)
{
	uint32_t a = 0x0a000000u + 10 + k;

	snprintf(addr_scratch, sizeof(addr_scratch), "%u.%u.%u.%u", a >> 24, a >> 16 & 0xff,
		 a >> 8 & 0xff, a & 0xff);
	return addr_scratch;
}

static void topology_build(void)
{
	unsigned int base = opt.ports / opt.vpcs, extra = opt.ports % opt.vpcs, p = 0;

	vpc_first = calloc(opt.vpcs + 1, sizeof(*vpc_first));
	vpc_hosts = calloc(opt.vpcs, sizeof(*vpc_hosts));
	vpc_n_hosts = calloc(opt.vpcs, sizeof(*vpc_n_hosts));
	port_host = calloc(opt.ports, sizeof(*port_host));
	if (vpc_first == NULL || vpc_hosts == NULL || vpc_n_hosts == NULL || port_host == NULL)
		die("out of memory");
	host_mult = 7919;
	while (gcd(host_mult, opt.hosts) != 1)
		host_mult += 2;
	ppv_max = base + (extra > 0);
	subnet_plen = 24;
	while (subnet_plen > 8 && (1u << (32 - subnet_plen)) < ppv_max + 16)
		subnet_plen--;
	for (unsigned int j = 0; j < opt.vpcs; j++) {
		unsigned int n = base + (j < extra), spread = opt.spread < n ? opt.spread : n;

		if (spread > opt.hosts) /* distinct hosts: consecutive slots never repeat one */
			spread = opt.hosts;

		vpc_first[j] = p;
		vpc_hosts[j] = calloc(spread > 0 ? spread : 1, sizeof(unsigned int));
		if (vpc_hosts[j] == NULL)
			die("out of memory");
		for (unsigned int s = 0; s < spread; s++)
			vpc_hosts[j][s] = (unsigned int)(((uint64_t)j * opt.spread + s) * host_mult %
							 opt.hosts);
		vpc_n_hosts[j] = spread;
		for (unsigned int k = 0; k < n; k++)
			port_host[p++] = vpc_hosts[j][k % spread];
	}
	vpc_first[opt.vpcs] = p;
}

static json_t *port_row(unsigned int p, unsigned int vpc, unsigned int k, unsigned int host)
{
	char name[32], v[32], mac[32], h[32];

	port_name(p, name, sizeof(name));
	vpc_name(vpc, v, sizeof(v));
	port_mac(p, mac, sizeof(mac));
	host_name(host, h, sizeof(h));
	return json_pack("{s:s, s:s, s:s, s:[s], s:[s], s:s}", "name", name, "vpc", v, "mac", mac,
			 "ips", vpc_addr(k), "security_groups", "open", "host", h);
}

static json_t *topology_doc(void)
{
	json_t *hosts = json_array(), *vpcs = json_array(), *subnets = json_array();
	json_t *sgs = json_array(), *rules = json_array(), *ports = json_array();
	char name[32], buf[64];

	for (unsigned int i = 0; i < opt.hosts; i++) {
		host_name(i, name, sizeof(name));
		host_vtep(i, buf, sizeof(buf));
		json_array_append_new(hosts, json_pack("{s:s, s:s}", "name", name, "vtep", buf));
	}
	snprintf(buf, sizeof(buf), "10.0.0.0/%u", subnet_plen);
	for (unsigned int j = 0; j < opt.vpcs; j++) {
		vpc_name(j, name, sizeof(name));
		json_array_append_new(vpcs, json_pack("{s:s, s:i}", "name", name, "vni", 1000 + j));
		json_array_append_new(subnets, json_pack("{s:s, s:s, s:s, s:s}", "vpc", name, "cidr",
							 buf, "gateway", "10.0.0.1", "gateway_mac",
							 "02:00:00:00:00:01"));
		json_array_append_new(sgs, json_pack("{s:s, s:s}", "vpc", name, "name", "open"));
		json_array_append_new(rules, json_pack("{s:s, s:s, s:s}", "vpc", name, "group",
						       "open", "direction", "ingress"));
		json_array_append_new(rules, json_pack("{s:s, s:s, s:s}", "vpc", name, "group",
						       "open", "direction", "egress"));
		for (unsigned int p = vpc_first[j]; p < vpc_first[j + 1]; p++)
			json_array_append_new(ports, port_row(p, j, p - vpc_first[j], port_host[p]));
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "hosts", hosts, "vpcs", vpcs, "subnets",
			 subnets, "security_groups", sgs, "security_group_rules", rules, "ports",
			 ports);
}

/* ---------------------------------------------------------------- the simulated hosts */

enum hstate { H_DOWN, H_CONNECTING, H_HELLO, H_READY };
/* What a host records, with its time: the whole exchange, for --events. */
enum evkind { EV_CONNECTED, EV_HELLO, EV_SYNC_RX, EV_SYNC, EV_TXN, EV_ECHO, EV_CLOSED, EV_COUNT };
static const char *const ev_names[EV_COUNT] = {"connected", "hello", "sync_received", "sync",
					       "txn", "echo", "closed"};

struct event_rec {
	uint64_t t;
	uint8_t kind;
};

struct host {
	unsigned int idx;
	char name[16];
	int fd;
	enum hstate st;
	bool reconnect;		/* when the connection drops, connect again after a backoff */
	unsigned int backoff_ms;
	uint64_t retry_at;	/* H_DOWN with reconnect: when to try */
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_len, out_off, out_cap;
	struct cfg *cfg;
	uint64_t t_connected, t_sync_rx, t_sync, t_txn; /* last TCP connect, sync frame in,
							   sync and txn applied */
	uint64_t n_sync, n_txn, n_refused, n_connects, n_drops;
	struct event_rec *ev;
	size_t n_ev, ev_cap;
	uint64_t hold_until; /* --sync-delay-ms: a sync waits (and what follows it) until then */
	bool hold_done;      /* the sync at the head of the input has waited */
	bool watch; /* a change is awaited here */
	uint64_t t_done;
};

static struct host *hosts;
static int epfd;
static uint64_t t_start;
static char t_start_wall[64];
static unsigned int n_ready; /* hosts with a live connection past hello */
static uint64_t n_bad_frames;
/* Connections that ended without the bench closing them (connect failures included), since
 * the phase began, and the first reason. */
static uint64_t n_drops;
static char drop_reason[160];
static char first_error[512];

static struct sockaddr_in sb_addr;

static void record(struct host *h, enum evkind kind, uint64_t t);

static void record_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void record_error(const char *fmt, ...)
{
	va_list ap;

	if (first_error[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(first_error, sizeof(first_error), fmt, ap);
	va_end(ap);
	info("%s", first_error);
}

static void host_arm(struct host *h)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = h};

	if (h->st == H_CONNECTING || h->out_len > h->out_off)
		ev.events |= EPOLLOUT;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, h->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
}

static void host_close(struct host *h, const char *why)
{
	if (h->fd < 0)
		return;
	if (opt.verbose)
		info("%s: connection closed: %s", h->name, why);
	record(h, EV_CLOSED, now_ns());
	if (strncmp(why, "phase ", 6) != 0 && n_drops++ == 0)
		snprintf(drop_reason, sizeof(drop_reason), "%s: %s%s", h->name,
			 h->st == H_CONNECTING ? "connect: " : "", why);
	epoll_ctl(epfd, EPOLL_CTL_DEL, h->fd, NULL);
	close(h->fd);
	h->fd = -1;
	if (h->st == H_READY)
		n_ready--;
	if (h->st != H_CONNECTING)
		h->n_drops++;
	h->st = H_DOWN;
	h->in_len = 0;
	h->out_len = h->out_off = 0;
	h->hold_until = 0;
	h->hold_done = false;
	if (h->reconnect) {
		h->backoff_ms = h->backoff_ms == 0 ? BACKOFF_MIN_MS
				: h->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
								     : h->backoff_ms * 2;
		/* jitter: 50% to 100% of the backoff */
		h->retry_at = now_ns() + (uint64_t)(h->backoff_ms / 2 + rnd() % (h->backoff_ms / 2 + 1)) *
						 1000000ull;
	}
}

static void host_connect(struct host *h)
{
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = h};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s (raise the open-files limit: ulimit -n)", strerror(errno));
	sb_socket_tune(fd); /* as a switch's end */
	h->fd = fd;
	h->st = H_CONNECTING;
	h->n_connects++;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sb_addr, sizeof(sb_addr)) < 0 && errno != EINPROGRESS)
		host_close(h, strerror(errno));
}

static void host_send(struct host *h, uint8_t type, uint32_t xid, const json_t *body)
{
	uint8_t *frame;
	long len = sb_frame_encode(type, xid, body, &frame);
	size_t off = 0;

	if (len < 0)
		die("%s: encode %s: %s", h->name, sb_type_name(type), strerror((int)-len));
	if (h->out_len == h->out_off) {
		ssize_t n = send(h->fd, frame, (size_t)len, MSG_NOSIGNAL);

		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			free(frame);
			host_close(h, strerror(errno));
			return;
		}
		off = n > 0 ? (size_t)n : 0;
		h->out_len = h->out_off = 0;
	}
	if (off < (size_t)len) {
		size_t rest = (size_t)len - off;

		if (h->out_len + rest > h->out_cap) {
			size_t cap = h->out_cap ? h->out_cap : 4096;

			while (cap < h->out_len + rest)
				cap *= 2;
			h->out = realloc(h->out, cap);
			if (h->out == NULL)
				die("out of memory");
			h->out_cap = cap;
		}
		memcpy(h->out + h->out_len, frame + off, rest);
		h->out_len += rest;
		host_arm(h);
	}
	free(frame);
}

static void record(struct host *h, enum evkind kind, uint64_t t)
{
	if (opt.events_file == NULL && kind != EV_SYNC && kind != EV_TXN)
		return;
	if (h->n_ev == h->ev_cap) {
		size_t cap = h->ev_cap ? h->ev_cap * 2 : 16;
		struct event_rec *e = realloc(h->ev, cap * sizeof(*e));

		if (e == NULL)
			die("out of memory");
		h->ev = e;
		h->ev_cap = cap;
	}
	h->ev[h->n_ev++] = (struct event_rec){.t = t, .kind = (uint8_t)kind};
}


static void send_error(struct host *h, const struct sb_hdr *hd, const char *code,
		       const char *msg)
{
	json_t *e = json_pack("{s:s, s:s, s:s}", "code", code, "message", msg, "request",
			      sb_type_name(hd->type));

	host_send(h, SB_ERROR, hd->xid, e);
	json_decref(e);
}

/* What a change being measured looks like from one host (phase changes). */
static struct {
	bool active, add;
	unsigned int target; /* the host the port is bound to */
	char port[32], vpc[32];
	uint8_t mac[6];
} chg;

static bool change_seen(const struct host *h)
{
	const struct cfg_port *p = cfg_port_find(h->cfg, chg.port);
	const struct cfg_remote *r = cfg_remote_find(h->cfg, chg.vpc, chg.mac);

	if (!chg.add)
		return p == NULL && r == NULL;
	if (h->idx == chg.target)
		return p != NULL && strcmp(p->vpc, chg.vpc) == 0 && r == NULL;
	return r != NULL && p == NULL;
}

static void applied(struct host *h, enum evkind kind)
{
	uint64_t t = now_ns();

	record(h, kind, t);
	if (kind == EV_SYNC) {
		h->t_sync = t;
		h->n_sync++;
	} else {
		h->t_txn = t;
		h->n_txn++;
	}
	if (h->watch && chg.active && h->t_done == 0 && change_seen(h))
		h->t_done = t;
}

static void on_sync(struct host *h, const struct sb_hdr *hd, const json_t *body)
{
	const json_t *state = json_object_get(body, "state");
	char err[CFG_ERR_SIZE] = "";
	struct cfg *next = NULL;
	json_t *sum;
	int rc;

	if (!json_is_object(state) || json_object_size(body) != 1) {
		send_error(h, hd, "invalid", "sync: body must be {\"state\": {...}}");
		return;
	}
	h->t_sync_rx = now_ns();
	record(h, EV_SYNC_RX, h->t_sync_rx);
	rc = cfg_state_decode(state, opt.sock_dir, &next, err);
	if (rc < 0) {
		h->n_refused++;
		record_error("%s: sync refused: %s", h->name, err);
		send_error(h, hd, sb_error_code(rc), err);
		return;
	}
	sum = json_object();
	for (int t = 0; t < CFG_T_COUNT; t++) {
		size_t same = cfg_count_unchanged(h->cfg, next, (enum cfg_table_id)t);
		size_t added = cfg_table_get(next, (enum cfg_table_id)t)->len - same;
		size_t removed = cfg_table_get(h->cfg, (enum cfg_table_id)t)->len - same;

		json_object_set_new(sum, cfg_table_name((enum cfg_table_id)t),
				    json_pack("{s:I, s:I, s:I}", "added", (json_int_t)added,
					      "removed", (json_int_t)removed, "unchanged",
					      (json_int_t)same));
	}
	cfg_free(h->cfg);
	h->cfg = next;
	applied(h, EV_SYNC);
	host_send(h, SB_SYNC_REPLY, hd->xid, sum);
	json_decref(sum);
}

static void on_txn(struct host *h, const struct sb_hdr *hd, const json_t *body)
{
	const json_t *ops = json_object_get(body, "ops");
	char err[CFG_ERR_SIZE] = "", inner[CFG_ERR_SIZE];
	struct cfg *next;
	json_t *op, *reply;
	size_t i;
	int rc = 0;

	if (!json_is_array(ops) || json_object_size(body) != 1) {
		send_error(h, hd, "invalid", "txn: body must be {\"ops\": [...]}");
		return;
	}
	next = cfg_clone(h->cfg);
	if (next == NULL)
		die("out of memory");
	json_array_foreach(ops, i, op)
	{
		const char *opname = json_string_value(json_object_get(op, "op"));
		const char *table = json_string_value(json_object_get(op, "table"));
		const json_t *row = json_object_get(op, "row");
		int t;

		if (opname == NULL || table == NULL || row == NULL || json_object_size(op) != 3) {
			snprintf(err, sizeof(err), "ops[%zu]: must be {\"op\", \"table\", \"row\"}", i);
			rc = -EINVAL;
			break;
		}
		t = cfg_table_parse(table);
		if (t < 0) {
			snprintf(err, sizeof(err), "ops[%zu].table: unknown table '%s'", i, table);
			rc = -EINVAL;
			break;
		}
		inner[0] = '\0';
		rc = cfg_apply_op(next, opname, (enum cfg_table_id)t, row, opt.sock_dir, inner);
		if (rc < 0) {
			snprintf(err, sizeof(err), "ops[%zu]: %.200s", i, inner);
			break;
		}
	}
	if (rc < 0) {
		cfg_free(next);
		h->n_refused++;
		record_error("%s: txn refused: %s", h->name, err);
		send_error(h, hd, sb_error_code(rc), err);
		return;
	}
	cfg_free(h->cfg);
	h->cfg = next;
	applied(h, EV_TXN);
	reply = json_pack("{s:I}", "applied", (json_int_t)json_array_size(ops));
	host_send(h, SB_TXN_REPLY, hd->xid, reply);
	json_decref(reply);
}

/* --ack-only: a sync or txn is answered at once, neither parsed nor applied. Not a switch:
 * what is left is the controller's own work (and the transport's). */
static bool ack_only(struct host *h, const struct sb_hdr *hd)
{
	json_t *r;

	if (!opt.ack_only || h->st != H_READY || (hd->type != SB_SYNC && hd->type != SB_TXN))
		return false;
	if (hd->type == SB_SYNC) {
		h->t_sync_rx = now_ns();
		record(h, EV_SYNC_RX, h->t_sync_rx);
		applied(h, EV_SYNC);
		host_send(h, SB_SYNC_REPLY, hd->xid, NULL);
	} else {
		applied(h, EV_TXN);
		r = json_pack("{s:i}", "applied", 0);
		host_send(h, SB_TXN_REPLY, hd->xid, r);
		json_decref(r);
	}
	return true;
}

static void on_frame(struct host *h, const struct sb_hdr *hd, const uint8_t *bodyp, size_t len)
{
	char err[256];
	json_t *body;

	if (ack_only(h, hd))
		return;
	body = sb_body_decode(bodyp, len, err, sizeof(err));

	if (body == NULL) {
		n_bad_frames++;
		record_error("%s: %s frame with a bad body: %s", h->name, sb_type_name(hd->type), err);
		send_error(h, hd, "bad_request", err);
		return;
	}
	if (hd->version != SB_VERSION || hd->flags != 0) {
		send_error(h, hd, "bad_version", "header: version must be 1, flags 0");
	} else if (hd->type == SB_HELLO) {
		json_t *r = json_pack("{s:i, s:[i], s:s, s:s}", "version", SB_VERSION, "versions",
				      SB_VERSION, "role", "vpcswitchd", "host", h->name);

		host_send(h, SB_HELLO, hd->xid, r);
		json_decref(r);
		record(h, EV_HELLO, now_ns());
		if (h->st == H_HELLO) {
			h->st = H_READY;
			n_ready++;
		}
	} else if (h->st != H_READY) {
		send_error(h, hd, "hello_required", "the first message must be hello");
	} else if (hd->type == SB_SYNC) {
		on_sync(h, hd, body);
	} else if (hd->type == SB_TXN) {
		on_txn(h, hd, body);
	} else if (hd->type == SB_BARRIER_REQUEST) {
		host_send(h, SB_BARRIER_REPLY, hd->xid, NULL);
	} else if (hd->type == SB_ECHO_REQUEST) {
		host_send(h, SB_ECHO_REPLY, hd->xid, body);
		record(h, EV_ECHO, now_ns());
	} else if (hd->type == SB_STATS_REQUEST &&
		   strcmp(json_string_value(json_object_get(body, "kind")) ?: "", "lb") == 0) {
		/* the health verdicts a controller asks for after a connect: a simulated switch
		 * runs no health checks */
		json_t *none = json_pack("{s:[]}", "listeners");

		host_send(h, SB_STATS_REPLY, hd->xid, none);
		json_decref(none);
	} else {
		n_bad_frames++;
		snprintf(err, sizeof(err), "header.type: %s is not served by this switch",
			 sb_type_name(hd->type));
		record_error("%s: got %s", h->name, err);
		send_error(h, hd, "bad_type", err);
	}
	json_decref(body);
}

static void host_consume(struct host *h);

static void host_read(struct host *h)
{
	for (;;) {
		ssize_t n;

		if (h->in_cap - h->in_len < 65536) {
			size_t cap = h->in_cap ? h->in_cap * 2 : 131072;
			uint8_t *b = realloc(h->in, cap);

			if (b == NULL)
				die("out of memory");
			h->in = b;
			h->in_cap = cap;
		}
		n = recv(h->fd, h->in + h->in_len, h->in_cap - h->in_len, 0);
		if (n == 0) {
			host_close(h, "closed by the controller");
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			host_close(h, strerror(errno));
			return;
		}
		h->in_len += (size_t)n;
		if ((size_t)n < 65536)
			break; /* likely drained: handle what came before reading more */
	}
	host_consume(h);
}

/* Handles the whole frames read, in order; a sync held by --sync-delay-ms stops it. */
static void host_consume(struct host *h)
{
	size_t off = 0;

	while (h->fd >= 0 && h->hold_until == 0) {
		struct sb_hdr hd;
		long len = sb_frame_peek(h->in + off, h->in_len - off, &hd);

		if (len < 0) {
			record_error("%s: bad frame length from the controller", h->name);
			host_close(h, "bad frame length");
			return;
		}
		if (len == 0)
			break;
		if (hd.type == SB_SYNC && opt.sync_delay_ms > 0 && h->st == H_READY) {
			if (!h->hold_done) {
				h->hold_until = now_ns() + opt.sync_delay_ms * 1000000ull;
				break;
			}
			h->hold_done = false;
		}
		on_frame(h, &hd, h->in + off + SB_HDR_SIZE, (size_t)len - SB_HDR_SIZE);
		off += (size_t)len;
	}
	if (h->fd < 0)
		return;
	memmove(h->in, h->in + off, h->in_len - off);
	h->in_len -= off;
	/* a large sync's buffer is given back once it is consumed */
	if (h->in_len == 0 && h->in_cap > (1u << 20)) {
		free(h->in);
		h->in = NULL;
		h->in_cap = 0;
	}
}

static void host_flush(struct host *h)
{
	while (h->out_len > h->out_off) {
		ssize_t n = send(h->fd, h->out + h->out_off, h->out_len - h->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			host_close(h, strerror(errno));
			return;
		}
		h->out_off += (size_t)n;
	}
	if (h->out_off == h->out_len)
		h->out_len = h->out_off = 0;
	host_arm(h);
}

static void host_event(struct host *h, uint32_t events)
{
	if (h->st == H_CONNECTING) {
		int e = 0;
		socklen_t l = sizeof(e);

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &e, &l);
		if (e != 0) {
			host_close(h, strerror(e));
			return;
		}
		h->st = H_HELLO;
		h->t_connected = now_ns();
		record(h, EV_CONNECTED, h->t_connected);
		h->backoff_ms = 0;
		host_arm(h);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		host_read(h);
	if (h->fd >= 0 && (events & EPOLLOUT))
		host_flush(h);
}

/* ---------------------------------------------------------------- HTTP (a worker thread) */

/* The northbound request runs on its own thread so that the hosts are served while the
 * controller works on it (it pushes the change before it answers). */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int efd; /* written when a request is done */
	bool pending, done, quit;
	const char *method;
	char url[512];
	char *body;
	long status;
	char *resp;
	size_t resp_len;
	char curl_err[CURL_ERROR_SIZE];
	uint64_t t_sent, t_done;
	CURL *curl;
} http = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .efd = -1};

static size_t http_on_body(char *p, size_t size, size_t n, void *arg)
{
	(void)arg;
	char *d = realloc(http.resp, http.resp_len + size * n + 1);

	if (d == NULL)
		return 0;
	memcpy(d + http.resp_len, p, size * n);
	http.resp = d;
	http.resp_len += size * n;
	d[http.resp_len] = '\0';
	return size * n;
}

static void *http_thread(void *arg)
{
	struct curl_slist *hdrs = NULL;

	(void)arg;
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	pthread_mutex_lock(&http.mu);
	for (;;) {
		CURLcode rc;
		uint64_t one = 1;

		while (!http.pending && !http.quit)
			pthread_cond_wait(&http.cv, &http.mu);
		if (http.quit)
			break;
		pthread_mutex_unlock(&http.mu);
		curl_easy_reset(http.curl);
		curl_easy_setopt(http.curl, CURLOPT_URL, http.url);
		curl_easy_setopt(http.curl, CURLOPT_CUSTOMREQUEST, http.method);
		curl_easy_setopt(http.curl, CURLOPT_WRITEFUNCTION, http_on_body);
		curl_easy_setopt(http.curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(http.curl, CURLOPT_TCP_NODELAY, 1L);
		curl_easy_setopt(http.curl, CURLOPT_CONNECTTIMEOUT, 10L);
		curl_easy_setopt(http.curl, CURLOPT_TIMEOUT, (long)opt.timeout_s);
		curl_easy_setopt(http.curl, CURLOPT_ERRORBUFFER, http.curl_err);
		curl_easy_setopt(http.curl, CURLOPT_HTTPHEADER, hdrs);
		if (http.body != NULL) {
			curl_easy_setopt(http.curl, CURLOPT_POSTFIELDS, http.body);
			curl_easy_setopt(http.curl, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)strlen(http.body));
		}
		http.curl_err[0] = '\0';
		http.t_sent = now_ns();
		rc = curl_easy_perform(http.curl);
		http.t_done = now_ns();
		http.status = 0;
		if (rc == CURLE_OK)
			curl_easy_getinfo(http.curl, CURLINFO_RESPONSE_CODE, &http.status);
		else if (http.curl_err[0] == '\0')
			snprintf(http.curl_err, sizeof(http.curl_err), "%s", curl_easy_strerror(rc));
		pthread_mutex_lock(&http.mu);
		http.pending = false;
		http.done = true;
		if (write(http.efd, &one, sizeof(one)) < 0)
			die("eventfd: %s", strerror(errno));
	}
	pthread_mutex_unlock(&http.mu);
	curl_slist_free_all(hdrs);
	return NULL;
}

/* Starts a request (body taken, may be NULL); the loop sees http.done. */
static void http_start(const char *method, const char *path, char *body)
{
	pthread_mutex_lock(&http.mu);
	if (http.pending)
		die("internal: two HTTP requests at once");
	http.method = method;
	snprintf(http.url, sizeof(http.url), "http://%s%s", opt.api, path);
	free(http.body);
	http.body = body;
	free(http.resp);
	http.resp = NULL;
	http.resp_len = 0;
	http.done = false;
	http.pending = true;
	pthread_cond_signal(&http.cv);
	pthread_mutex_unlock(&http.mu);
}

static bool http_is_done(void)
{
	bool d;

	pthread_mutex_lock(&http.mu);
	d = http.done;
	pthread_mutex_unlock(&http.mu);
	return d;
}

/* ---------------------------------------------------------------- the loop */

static void loop_once(int timeout_ms)
{
	struct epoll_event evs[256];
	int n = epoll_wait(epfd, evs, 256, timeout_ms);
	uint64_t now;

	if (n < 0 && errno != EINTR)
		die("epoll_wait: %s", strerror(errno));
	for (int i = 0; i < n; i++) {
		if (evs[i].data.ptr == &http) {
			uint64_t v;

			if (read(http.efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				die("eventfd: %s", strerror(errno));
			continue;
		}
		host_event(evs[i].data.ptr, evs[i].events);
	}
	now = now_ns();
	for (unsigned int i = 0; i < opt.hosts; i++) {
		struct host *h = &hosts[i];

		if (h->hold_until != 0 && now >= h->hold_until && h->fd >= 0) {
			h->hold_until = 0;
			h->hold_done = true;
			host_consume(h);
		}
		if (h->st == H_DOWN && h->reconnect && h->retry_at != 0 && now >= h->retry_at) {
			h->retry_at = 0;
			host_connect(h);
		}
	}
}

/* Runs the loop until done() or the timeout (seconds); false on timeout. */
static bool run_until(bool (*done)(void), unsigned int timeout_s)
{
	uint64_t end = now_ns() + (uint64_t)timeout_s * 1000000000ull;

	while (!done()) {
		if (now_ns() > end)
			return false;
		loop_once(5);
	}
	return true;
}

static uint64_t phase_t0;
static bool all_synced(void)
{
	for (unsigned int i = 0; i < opt.hosts; i++)
		if (hosts[i].t_sync < phase_t0)
			return false;
	return true;
}

static bool all_ready(void)
{
	return n_ready == opt.hosts;
}

static bool all_down(void)
{
	for (unsigned int i = 0; i < opt.hosts; i++)
		if (hosts[i].st != H_DOWN)
			return false;
	return true;
}

/* ---------------------------------------------------------------- figures */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (nearest rank) of sorted values. */
static uint64_t quantile(const uint64_t *v, size_t n, double q)
{
	size_t r;

	if (n == 0)
		return 0;
	r = (size_t)(q * (double)n + 0.999999);
	if (r < 1)
		r = 1;
	return v[(r > n ? n : r) - 1];
}

static double cpu_self_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The controller's CPU seconds (utime + stime) and peak RSS (MiB), from --ctrl-pidfile. */
static double cpu_ctrl_s(double *rss_mib)
{
	char path[64], buf[1024];
	long pid = 0, tck = sysconf(_SC_CLK_TCK);
	unsigned long ut = 0, st = 0;
	FILE *f;

	*rss_mib = 0;
	if (opt.ctrl_pidfile == NULL || (f = fopen(opt.ctrl_pidfile, "r")) == NULL)
		return -1;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) != NULL) {
		char *p = strrchr(buf, ')');

		/* after ")": state, then fields 4.. ; utime is field 14, stime 15 */
		if (p == NULL ||
		    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
			ut = st = 0;
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(buf, sizeof(buf), f) != NULL) {
			unsigned long kb;

			if (sscanf(buf, "VmHWM: %lu kB", &kb) == 1)
				*rss_mib = (double)kb / 1024.0;
		}
		fclose(f);
	}
	return (double)(ut + st) / (double)tck;
}

static struct {
	double self0, ctrl0;
} cpu_mark;

static void cpu_begin(void)
{
	double rss;

	cpu_mark.self0 = cpu_self_s();
	cpu_mark.ctrl0 = cpu_ctrl_s(&rss);
}

/* Adds the phase's CPU seconds (bench, controller) to j. */
static void cpu_end(json_t *j)
{
	double rss, c = cpu_ctrl_s(&rss);

	json_object_set_new(j, "bench_cpu_s", json_real(cpu_self_s() - cpu_mark.self0));
	if (c >= 0 && cpu_mark.ctrl0 >= 0)
		json_object_set_new(j, "ctrl_cpu_s", json_real(c - cpu_mark.ctrl0));
	else if (c >= 0)
		json_object_set_new(j, "ctrl_cpu_s_since_start", json_real(c));
	if (rss > 0)
		json_object_set_new(j, "ctrl_peak_rss_mib", json_real(rss));
}

static int exit_status;

/* One phase's figures: a JSON object a line with --json, else "phase: k=v k=v ...". */
static void report(json_t *j)
{
	const char *k;
	json_t *v;

	json_object_set_new(j, "drops", json_integer((json_int_t)n_drops));
	if (n_drops > 0)
		json_object_set_new(j, "first_drop", json_string(drop_reason));
	n_drops = 0;
	if (opt.ack_only)
		json_object_set_new(j, "ack_only", json_true());
	if (first_error[0] != '\0') {
		json_object_set_new(j, "first_error", json_string(first_error));
		first_error[0] = '\0';
	}
	if (opt.json) {
		char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));

		printf("%s\n", s);
		free(s);
	} else {
		printf("%-10s", json_string_value(json_object_get(j, "phase")));
		json_object_foreach(j, k, v)
		{
			if (strcmp(k, "phase") == 0)
				continue;
			if (json_is_real(v))
				printf(json_real_value(v) < 10 ? " %s=%.2f" : " %s=%.1f", k,
				       json_real_value(v));
			else if (json_is_integer(v))
				printf(" %s=%" JSON_INTEGER_FORMAT, k, json_integer_value(v));
			else if (json_is_string(v))
				printf(" %s=\"%s\"", k, json_string_value(v));
			else if (json_is_boolean(v))
				printf(" %s=%s", k, json_is_true(v) ? "true" : "false");
		}
		printf("\n");
	}
	fflush(stdout);
	if (json_is_false(json_object_get(j, "complete")))
		exit_status = 1;
	json_decref(j);
}

/* ms figures of the per-host times v[0..n) (ns since t0): first, median, p99, last. */
static void spread_figures(json_t *j, const char *prefix, uint64_t *v, size_t n)
{
	char k[64];

	qsort(v, n, sizeof(*v), cmp_u64);
	snprintf(k, sizeof(k), "%s_first_ms", prefix);
	json_object_set_new(j, k, json_real(ms(n ? v[0] : 0)));
	snprintf(k, sizeof(k), "%s_p50_ms", prefix);
	json_object_set_new(j, k, json_real(ms(quantile(v, n, 0.5))));
	snprintf(k, sizeof(k), "%s_p99_ms", prefix);
	json_object_set_new(j, k, json_real(ms(quantile(v, n, 0.99))));
	snprintf(k, sizeof(k), "%s_last_ms", prefix);
	json_object_set_new(j, k, json_real(ms(n ? v[n - 1] : 0)));
}

/* Every host's table against the topology: its ports, VPCs and remotes. */
static unsigned int verify_hosts(char *what, size_t size)
{
	unsigned int *n_ports = calloc(opt.hosts, sizeof(unsigned int));
	unsigned int *n_vpcs = calloc(opt.hosts, sizeof(unsigned int));
	unsigned int *n_remotes = calloc(opt.hosts, sizeof(unsigned int));
	unsigned int bad = 0;

	what[0] = '\0';
	if (n_ports == NULL || n_vpcs == NULL || n_remotes == NULL)
		die("out of memory");
	for (unsigned int p = 0; p < opt.ports; p++)
		n_ports[port_host[p]]++;
	for (unsigned int j = 0; j < opt.vpcs; j++) {
		unsigned int total = vpc_first[j + 1] - vpc_first[j];

		for (unsigned int s = 0; s < vpc_n_hosts[j]; s++) {
			unsigned int h = vpc_hosts[j][s], mine = 0;

			for (unsigned int p = vpc_first[j]; p < vpc_first[j + 1]; p++)
				mine += port_host[p] == h;
			n_vpcs[h]++;
			n_remotes[h] += total - mine;
		}
	}
	for (unsigned int i = 0; i < opt.hosts; i++) {
		const struct cfg *c = hosts[i].cfg;
		size_t ports = cfg_table_get(c, CFG_T_PORT)->len;
		size_t vpcs = cfg_table_get(c, CFG_T_VPC)->len;
		size_t remotes = cfg_table_get(c, CFG_T_REMOTE)->len;
		size_t rules = cfg_table_get(c, CFG_T_SG_RULE)->len;

		if (ports != n_ports[i] || vpcs != n_vpcs[i] || remotes != n_remotes[i] ||
		    rules != 2 * (size_t)n_vpcs[i]) {
			if (bad++ == 0)
				snprintf(what, size,
					 "%s holds %zu ports, %zu vpcs, %zu remotes, %zu rules; "
					 "expected %u, %u, %u, %u",
					 hosts[i].name, ports, vpcs, remotes, rules, n_ports[i],
					 n_vpcs[i], n_remotes[i], 2 * n_vpcs[i]);
		}
	}
	free(n_ports);
	free(n_vpcs);
	free(n_remotes);
	return bad;
}

/* The controller's own account (GET /v1/status): polled every 100 ms until it calls every
 * host connected and in sync, or for 30 s. ctrl_in_sync_ms: when it first did, since t0
 * (it knows once it has read the hosts' replies, after the hosts applied). */
static void status_figures(json_t *j, uint64_t t0)
{
	uint64_t end = now_ns() + 30000000000ull;
	size_t conn = 0, insync = 0;

	for (;;) {
		json_t *st, *row;
		size_t i;

		conn = insync = 0;
		http_start("GET", "/v1/status", NULL);
		if (!run_until(http_is_done, 60) || http.status != 200) {
			json_object_set_new(j, "ctrl_status", json_string("GET /v1/status failed"));
			return;
		}
		st = json_loads(http.resp, 0, NULL);
		json_array_foreach(json_object_get(st, "hosts"), i, row)
		{
			conn += json_is_true(json_object_get(row, "connected"));
			insync += json_is_true(json_object_get(row, "in_sync"));
		}
		json_decref(st);
		if (insync == opt.hosts) {
			json_object_set_new(j, "ctrl_in_sync_ms", json_real(ms(http.t_done - t0)));
			break;
		}
		if (now_ns() > end)
			break;
		uint64_t wake = now_ns() + 100000000ull;

		while (now_ns() < wake)
			loop_once(5);
	}
	json_object_set_new(j, "ctrl_connected", json_integer((json_int_t)conn));
	json_object_set_new(j, "ctrl_in_sync", json_integer((json_int_t)insync));
}

/* ---------------------------------------------------------------- phases */

static void phase_populate(void)
{
	uint64_t t0 = now_ns();
	json_t *doc, *j;
	char *body;
	size_t len;

	doc = topology_doc();
	body = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (body == NULL)
		die("out of memory");
	len = strlen(body);
	info("populate: PUT /v1/state, %zu bytes (%u hosts, %u vpcs, %u ports), built in %.0f ms",
	     len, opt.hosts, opt.vpcs, opt.ports, ms(now_ns() - t0));
	if (len > SB_MSG_MAX)
		info("populate: the document is over the API's 16 MiB limit: expect 413");
	cpu_begin();
	http_start("PUT", "/v1/state", body);
	j = json_pack("{s:s, s:I, s:I, s:I, s:I}", "phase", "populate", "hosts",
		      (json_int_t)opt.hosts, "vpcs", (json_int_t)opt.vpcs, "ports",
		      (json_int_t)opt.ports, "bytes", (json_int_t)len);
	if (!run_until(http_is_done, opt.timeout_s + 5)) {
		json_object_set_new(j, "complete", json_false());
		report(j);
		die("populate: no answer in %u s", opt.timeout_s);
	}
	json_object_set_new(j, "http_status", json_integer(http.status));
	json_object_set_new(j, "put_ms", json_real(ms(http.t_done - http.t_sent)));
	json_object_set_new(j, "complete", json_boolean(http.status == 200));
	if (http.status != 200)
		json_object_set_new(j, "error", json_string(http.resp != NULL ? http.resp
										: http.curl_err));
	cpu_end(j);
	report(j);
	if (http.status != 200)
		exit(1);
}

/* Every host's figures of a phase that ends with all of them in sync. */
static void converge_figures(json_t *j, uint64_t t0, bool ok)
{
	uint64_t *conn = malloc(opt.hosts * sizeof(uint64_t));
	uint64_t *sync = malloc(opt.hosts * sizeof(uint64_t));
	uint64_t *rx = malloc(opt.hosts * sizeof(uint64_t));
	size_t nc = 0, ns = 0, nr = 0;
	uint64_t refused = 0;
	char what[512];
	unsigned int bad;

	if (conn == NULL || sync == NULL || rx == NULL)
		die("out of memory");
	for (unsigned int i = 0; i < opt.hosts; i++) {
		if (hosts[i].t_connected >= t0)
			conn[nc++] = hosts[i].t_connected - t0;
		if (hosts[i].t_sync >= t0)
			sync[ns++] = hosts[i].t_sync - t0;
		if (hosts[i].t_sync_rx >= t0)
			rx[nr++] = hosts[i].t_sync_rx - t0;
		refused += hosts[i].n_refused;
	}
	json_object_set_new(j, "complete", json_boolean(ok));
	json_object_set_new(j, "synced", json_integer((json_int_t)ns));
	if (ok)
		json_object_set_new(j, "all_synced_ms", json_real(ms(now_ns() - t0)));
	spread_figures(j, "connected", conn, nc);
	spread_figures(j, "sync_received", rx, nr);
	spread_figures(j, "synced", sync, ns);
	json_object_set_new(j, "refused", json_integer((json_int_t)refused));
	if (!opt.ack_only) {
		bad = verify_hosts(what, sizeof(what));
		json_object_set_new(j, "hosts_wrong", json_integer(bad));
		if (bad > 0)
			json_object_set_new(j, "wrong_example", json_string(what));
	}
	free(conn);
	free(sync);
	free(rx);
}

/* Every host connects (after prepare, if any) and the phase lasts until all applied a sync. */
static void phase_converge(const char *name, void (*prepare)(struct host *h))
{
	json_t *j = json_pack("{s:s, s:I}", "phase", name, "hosts", (json_int_t)opt.hosts);
	bool ok;

	cpu_begin();
	phase_t0 = now_ns();
	for (unsigned int i = 0; prepare != NULL && i < opt.hosts; i++)
		prepare(&hosts[i]);
	for (unsigned int i = 0; i < opt.hosts; i++)
		host_connect(&hosts[i]);
	ok = run_until(all_synced, opt.timeout_s);
	converge_figures(j, phase_t0, ok);
	cpu_end(j);
	status_figures(j, phase_t0);
	report(j);
}

static void connect_first(struct host *h)
{
	h->reconnect = true;
}

/* The controller stays up: the host drops its connection, to connect again at once. */
static void drop_now(struct host *h)
{
	host_close(h, "phase reconnect");
	h->retry_at = 0;
	h->backoff_ms = 0;
}

static void phase_connect(void)
{
	phase_converge("connect", connect_first);
}

/* Every host drops its connection at once and connects again (the controller stays up). */
static void phase_reconnect(void)
{
	phase_converge("reconnect", drop_now);
}

static void phase_restart(void)
{
	json_t *j = json_pack("{s:s, s:I}", "phase", "restart", "hosts", (json_int_t)opt.hosts);
	uint64_t t_kill = now_ns();
	bool ok;
	int rc;

	if (opt.kill_cmd == NULL || opt.start_cmd == NULL) {
		info("restart: skipped (needs --kill-cmd and --start-cmd)");
		json_decref(j);
		return;
	}
	rc = system(opt.kill_cmd);
	if (rc != 0)
		info("restart: kill command exited with %d", rc);
	/* the switches see their connections drop (the kernel resets them) */
	ok = run_until(all_down, 30);
	json_object_set_new(j, "all_dropped_ms", json_real(ms(now_ns() - t_kill)));
	if (!ok)
		info("restart: not every host saw its connection drop within 30 s");
	n_drops = 0; /* from here: connects refused while the controller starts, and worse */
	phase_t0 = now_ns();
	rc = system(opt.start_cmd);
	if (rc != 0) {
		json_object_set_new(j, "complete", json_false());
		json_object_set_new(j, "error", json_string("the start command failed"));
		report(j);
		return;
	}
	cpu_begin();
	ok = run_until(all_synced, opt.timeout_s);
	converge_figures(j, phase_t0, ok);
	cpu_end(j);
	status_figures(j, phase_t0);
	report(j);
}

static unsigned int n_watched;
static bool change_done(void)
{
	if (!http_is_done())
		return false;
	for (unsigned int i = 0; i < opt.hosts; i++)
		if (hosts[i].watch && hosts[i].t_done == 0)
			return false;
	return true;
}

static void phase_changes(void)
{
	uint64_t *lat = calloc(opt.changes, sizeof(uint64_t));
	uint64_t *http_ms = calloc(opt.changes, sizeof(uint64_t));
	uint64_t *txn_before = calloc(opt.hosts, sizeof(uint64_t));
	json_t *j = json_pack("{s:s, s:I}", "phase", "changes", "changes", (json_int_t)opt.changes);
	size_t n_ok = 0, n_failed = 0, hosts_sum = 0, hosts_max = 0, extra_txns = 0, in_sync = 0;
	unsigned int vpc = 0, target = 0, k_port = 0;

	if (lat == NULL || http_ms == NULL || txn_before == NULL)
		die("out of memory");
	cpu_begin();
	for (unsigned int k = 0; k < opt.changes; k++) {
		bool add = k % 2 == 0;
		char url[128], mac[32];
		char *body = NULL;
		uint64_t t0;
		bool ok;

		if (n_ready < opt.hosts) /* a host the controller dropped is back first */
			run_until(all_ready, 10);
		if (add) {
			vpc = (unsigned int)(rnd() % opt.vpcs);
			target = (unsigned int)(rnd() % opt.hosts);
			k_port = k / 2;
		}
		memset(&chg, 0, sizeof(chg));
		chg.add = add;
		chg.target = target;
		snprintf(chg.port, sizeof(chg.port), "c%06u", k_port);
		vpc_name(vpc, chg.vpc, sizeof(chg.vpc));
		snprintf(mac, sizeof(mac), "52:54:ff:%02x:%02x:%02x", k_port >> 16 & 0xff,
			 k_port >> 8 & 0xff, k_port & 0xff);
		cfg_mac_parse(mac, chg.mac);
		n_watched = 0;
		for (unsigned int i = 0; i < opt.hosts; i++) {
			hosts[i].watch = false;
			hosts[i].t_done = 0;
			txn_before[i] = hosts[i].n_txn + hosts[i].n_sync;
		}
		for (unsigned int s = 0; s < vpc_n_hosts[vpc]; s++)
			hosts[vpc_hosts[vpc][s]].watch = true;
		hosts[target].watch = true;
		for (unsigned int i = 0; i < opt.hosts; i++)
			n_watched += hosts[i].watch;
		if (add) {
			char h[32];
			json_t *row;

			host_name(target, h, sizeof(h));
			row = json_pack("{s:s, s:s, s:s, s:[s], s:[s], s:s}", "name", chg.port, "vpc",
					chg.vpc, "mac", mac, "ips", vpc_addr(ppv_max + 1),
					"security_groups", "open", "host", h);
			body = json_dumps(row, JSON_COMPACT);
			json_decref(row);
			snprintf(url, sizeof(url), "/v1/ports");
		} else {
			snprintf(url, sizeof(url), "/v1/ports/%s", chg.port);
		}
		chg.active = true;
		t0 = now_ns();
		http_start(add ? "POST" : "DELETE", url, body);
		ok = run_until(change_done, 30);
		chg.active = false;
		if (http.status != (add ? 201 : 200)) {
			n_failed++;
			record_error("change %u: %s %s: HTTP %ld %s", k, add ? "POST" : "DELETE", url,
				     http.status, http.resp != NULL ? http.resp : http.curl_err);
			if (!ok)
				run_until(http_is_done, opt.timeout_s);
			continue;
		}
		http_ms[n_ok] = http.t_done - t0;
		if (!ok) {
			unsigned int missing = 0, first = 0;

			for (unsigned int i = 0; i < opt.hosts; i++)
				if (hosts[i].watch && hosts[i].t_done == 0 && missing++ == 0)
					first = i;
			n_failed++;
			record_error("change %u (%s %s in %s on %s): %u of %u hosts did not apply it "
				     "within 30 s, e.g. %s",
				     k, add ? "add" : "delete", chg.port, chg.vpc, hosts[target].name,
				     missing, n_watched, hosts[first].name);
			continue;
		}
		uint64_t last = 0;

		for (unsigned int i = 0; i < opt.hosts; i++) {
			if (hosts[i].watch && hosts[i].t_done - t0 > last)
				last = hosts[i].t_done - t0;
			/* hosts the change did not concern that got a txn or sync meanwhile */
			if (!hosts[i].watch && hosts[i].n_txn + hosts[i].n_sync != txn_before[i])
				extra_txns++;
		}
		lat[n_ok++] = last;
		hosts_sum += n_watched;
		if (n_watched > hosts_max)
			hosts_max = n_watched;
	}
	qsort(lat, n_ok, sizeof(*lat), cmp_u64);
	qsort(http_ms, n_ok, sizeof(*http_ms), cmp_u64);
	for (size_t i = 0; i < n_ok; i++)
		in_sync += lat[i] <= 1000000000ull;
	json_object_set_new(j, "complete", json_boolean(n_failed == 0));
	json_object_set_new(j, "ok", json_integer((json_int_t)n_ok));
	json_object_set_new(j, "failed", json_integer((json_int_t)n_failed));
	json_object_set_new(j, "hosts_per_change",
			    json_real(n_ok ? (double)hosts_sum / (double)n_ok : 0));
	json_object_set_new(j, "hosts_per_change_max", json_integer((json_int_t)hosts_max));
	json_object_set_new(j, "p50_ms", json_real(ms(quantile(lat, n_ok, 0.5))));
	json_object_set_new(j, "p90_ms", json_real(ms(quantile(lat, n_ok, 0.9))));
	json_object_set_new(j, "p99_ms", json_real(ms(quantile(lat, n_ok, 0.99))));
	json_object_set_new(j, "max_ms", json_real(ms(n_ok ? lat[n_ok - 1] : 0)));
	json_object_set_new(j, "within_1s", json_integer((json_int_t)in_sync));
	json_object_set_new(j, "http_p50_ms", json_real(ms(quantile(http_ms, n_ok, 0.5))));
	json_object_set_new(j, "http_p99_ms", json_real(ms(quantile(http_ms, n_ok, 0.99))));
	json_object_set_new(j, "unrelated_host_updates", json_integer((json_int_t)extra_txns));
	cpu_end(j);
	report(j);
	free(lat);
	free(http_ms);
	free(txn_before);
}

static struct host *resync_host;
static uint64_t resync_t0;
static bool resync_done(void)
{
	return resync_host->t_sync >= resync_t0;
}

static void phase_resync(void)
{
	uint64_t *v = calloc(opt.resyncs, sizeof(uint64_t));
	json_t *j = json_pack("{s:s, s:I}", "phase", "resync", "resyncs", (json_int_t)opt.resyncs);
	size_t n = 0, failed = 0;

	if (v == NULL)
		die("out of memory");
	cpu_begin();
	for (unsigned int k = 0; k < opt.resyncs; k++) {
		struct host *h = &hosts[rnd() % opt.hosts];

		if (h->st != H_READY)
			run_until(all_synced, 5);
		resync_host = h;
		resync_t0 = now_ns();
		host_close(h, "phase resync");
		h->retry_at = 0;
		h->backoff_ms = 0;
		host_connect(h);
		if (!run_until(resync_done, 30)) {
			failed++;
			record_error("resync of %s: no sync within 30 s", h->name);
			continue;
		}
		v[n++] = h->t_sync - resync_t0;
		loop_once(20); /* its barrier and the rest of the exchange */
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	json_object_set_new(j, "complete", json_boolean(failed == 0));
	json_object_set_new(j, "ok", json_integer((json_int_t)n));
	json_object_set_new(j, "min_ms", json_real(ms(n ? v[0] : 0)));
	json_object_set_new(j, "p50_ms", json_real(ms(quantile(v, n, 0.5))));
	json_object_set_new(j, "max_ms", json_real(ms(n ? v[n - 1] : 0)));
	cpu_end(j);
	report(j);
	free(v);
}

/* ---------------------------------------------------------------- main */

static void dump_events(void)
{
	FILE *f = fopen(opt.events_file, "w");

	if (f == NULL)
		die("%s: %s", opt.events_file, strerror(errno));
	fprintf(f, "# t_ms: since %s (UTC, the controller's log clock)\nhost,event,t_ms\n",
		t_start_wall);
	for (unsigned int i = 0; i < opt.hosts; i++)
		for (size_t e = 0; e < hosts[i].n_ev; e++)
			fprintf(f, "%s,%s,%.3f\n", hosts[i].name, ev_names[hosts[i].ev[e].kind],
				ms(hosts[i].ev[e].t - t_start));
	fclose(f);
}

static void usage(const char *prog)
{
	printf("usage: %s --sb ADDR:PORT --api ADDR:PORT [options]\n"
	       "  --sb ADDR:PORT       the controller's southbound (plain TCP)\n"
	       "  --api ADDR:PORT      the controller's northbound HTTP API\n"
	       "  --hosts N            simulated hosts (default 1000)\n"
	       "  --ports P            ports (default 100000)\n"
	       "  --vpcs V             VPCs (default 5000), P/V ports each\n"
	       "  --spread S           hosts a VPC's ports are spread over (default 10)\n"
	       "  --changes K          single-port changes to time (default 200)\n"
	       "  --resyncs R          single-host resyncs to time (default 20)\n"
	       "  --phases LIST        of populate,connect,reconnect,restart,changes,resync\n"
	       "                       (default all, in that order)\n"
	       "  --kill-cmd CMD       restart phase: kills the controller (sh -c)\n"
	       "  --start-cmd CMD      restart phase: starts it again, in the background\n"
	       "  --ctrl-pidfile F     the controller's pid: its CPU time and peak RSS per phase\n"
	       "  --timeout S          per phase (default 300)\n"
	       "  --seed N             of the random changes (default 1)\n"
	       "  --events FILE        every applied sync/txn per host, as CSV\n"
	       "  --sock-dir DIR       the hosts' vhost directory (default /run/vpcswitch)\n"
	       "  --ack-only           answer sync and txn without parsing or applying them (not a\n"
	       "                       switch: the controller's share alone; no changes phase)\n"
	       "  --sync-delay-ms N    a host holds each sync N ms before applying it (and what\n"
	       "                       came after it): a slow switch, e.g. for the echo timeout\n"
	       "  --json               one JSON object per phase instead of text\n"
	       "  -v, --verbose\n",
	       prog);
}

static unsigned int parse_uint(const char *name, const char *s, unsigned int min)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > 100000000)
		die("--%s %s: not a number from %u", name, s, min);
	return (unsigned int)v;
}

static bool phase_on(const char *name)
{
	size_t len = strlen(name);

	for (const char *p = strstr(opt.phases, name); p != NULL; p = strstr(p + 1, name))
		if ((p == opt.phases || p[-1] == ',') && (p[len] == '\0' || p[len] == ','))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"sb", required_argument, NULL, 's'},	  {"api", required_argument, NULL, 'a'},
		{"hosts", required_argument, NULL, 'H'},  {"ports", required_argument, NULL, 'P'},
		{"vpcs", required_argument, NULL, 'V'},	  {"spread", required_argument, NULL, 'S'},
		{"changes", required_argument, NULL, 'K'}, {"resyncs", required_argument, NULL, 'R'},
		{"phases", required_argument, NULL, 'p'}, {"kill-cmd", required_argument, NULL, 'k'},
		{"start-cmd", required_argument, NULL, 'r'},
		{"ctrl-pidfile", required_argument, NULL, 'i'},
		{"timeout", required_argument, NULL, 't'}, {"seed", required_argument, NULL, 'e'},
		{"events", required_argument, NULL, 'E'}, {"sock-dir", required_argument, NULL, 'D'},
		{"json", no_argument, NULL, 'j'},	  {"ack-only", no_argument, NULL, 'A'},
		{"sync-delay-ms", required_argument, NULL, 'y'},	  {"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},	  {NULL, 0, NULL, 0},
	};
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &http};
	pthread_t thr;
	char addr[64], *colon;
	int c;

	while ((c = getopt_long(argc, argv, "vh", lopts, NULL)) != -1) {
		switch (c) {
		case 's': opt.sb = optarg; break;
		case 'a': opt.api = optarg; break;
		case 'H': opt.hosts = parse_uint("hosts", optarg, 1); break;
		case 'P': opt.ports = parse_uint("ports", optarg, 1); break;
		case 'V': opt.vpcs = parse_uint("vpcs", optarg, 1); break;
		case 'S': opt.spread = parse_uint("spread", optarg, 1); break;
		case 'K': opt.changes = parse_uint("changes", optarg, 0); break;
		case 'R': opt.resyncs = parse_uint("resyncs", optarg, 0); break;
		case 'p': opt.phases = optarg; break;
		case 'k': opt.kill_cmd = optarg; break;
		case 'r': opt.start_cmd = optarg; break;
		case 'i': opt.ctrl_pidfile = optarg; break;
		case 't': opt.timeout_s = parse_uint("timeout", optarg, 1); break;
		case 'e': opt.seed = parse_uint("seed", optarg, 0); break;
		case 'E': opt.events_file = optarg; break;
		case 'D': opt.sock_dir = optarg; break;
		case 'j': opt.json = true; break;
		case 'A': opt.ack_only = true; break;
		case 'y': opt.sync_delay_ms = parse_uint("sync-delay-ms", optarg, 0); break;
		case 'v': opt.verbose = true; break;
		case 'h': usage(argv[0]); return 0;
		default: usage(argv[0]); return 2;
		}
	}
	if (opt.sb == NULL || opt.api == NULL || optind < argc) {
		usage(argv[0]);
		return 2;
	}
	if (opt.vpcs > opt.ports)
		die("--vpcs %u: more VPCs than ports", opt.vpcs);
	if (opt.vpcs > 99999 || opt.ports > 999999)
		die("at most 99,999 VPCs and 999,999 ports (names and MACs are numbered)");
	snprintf(addr, sizeof(addr), "%s", opt.sb);
	colon = strrchr(addr, ':');
	if (colon == NULL)
		die("--sb %s: not ADDR:PORT", opt.sb);
	*colon = '\0';
	sb_addr.sin_family = AF_INET;
	sb_addr.sin_port = htons((uint16_t)parse_uint("sb port", colon + 1, 1));
	if (inet_pton(AF_INET, addr, &sb_addr.sin_addr) != 1)
		die("--sb %s: not an IPv4 ADDR:PORT", opt.sb);

	rng_state = opt.seed * 0x9E3779B97F4A7C15ull + 1;
	t_start = now_ns();
	{
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(t_start_wall, sizeof(t_start_wall), "%s.%03dZ", when,
			 (int)(ts.tv_nsec / 1000000));
	}
	topology_build();
	hosts = calloc(opt.hosts, sizeof(*hosts));
	if (hosts == NULL)
		die("out of memory");
	for (unsigned int i = 0; i < opt.hosts; i++) {
		hosts[i].idx = i;
		hosts[i].fd = -1;
		host_name(i, hosts[i].name, sizeof(hosts[i].name));
		hosts[i].cfg = cfg_new();
		if (hosts[i].cfg == NULL)
			die("out of memory");
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	http.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (epfd < 0 || http.efd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, http.efd, &ev) < 0)
		die("epoll: %s", strerror(errno));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	http.curl = curl_easy_init();
	if (http.curl == NULL || pthread_create(&thr, NULL, http_thread, NULL) != 0)
		die("curl: cannot start");
	info("%u hosts, %u vpcs, %u ports (%u hosts per vpc, subnet /%u), phases %s", opt.hosts,
	     opt.vpcs, opt.ports, opt.spread, subnet_plen, opt.phases);

	if (phase_on("populate"))
		phase_populate();
	if (phase_on("connect"))
		phase_connect();
	if (phase_on("reconnect"))
		phase_reconnect();
	if (phase_on("restart"))
		phase_restart();
	if (phase_on("changes") && opt.changes > 0 && opt.ack_only)
		info("changes: skipped with --ack-only (the hosts hold nothing to check)");
	else if (phase_on("changes") && opt.changes > 0)
		phase_changes();
	if (phase_on("resync") && opt.resyncs > 0)
		phase_resync();
	if (opt.events_file != NULL)
		dump_events();

	pthread_mutex_lock(&http.mu);
	http.quit = true;
	pthread_cond_signal(&http.cv);
	pthread_mutex_unlock(&http.mu);
	pthread_join(thr, NULL);
	curl_easy_cleanup(http.curl);
	curl_global_cleanup();
	for (unsigned int i = 0; i < opt.hosts; i++) {
		if (hosts[i].fd >= 0)
			close(hosts[i].fd);
		cfg_free(hosts[i].cfg);
		free(hosts[i].in);
		free(hosts[i].out);
		free(hosts[i].ev);
	}
	return exit_status;
}
