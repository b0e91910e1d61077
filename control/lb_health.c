/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * See lb_health.h. The targets array is shared by the control thread (which replaces it,
 * carrying over the state of targets that stay) and the checker thread (which runs the
 * checks), under one lock that neither holds for long: every socket is non-blocking. A
 * check's socket closes with a reset (SO_LINGER 0), so frequent checks leave no TIME_WAIT.
 */
#include "lb_health.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hc_netns.h"

enum phase { IDLE, CONNECTING, AWAIT_STATUS };

struct probe {
	bool healthy, changed;
	uint8_t ok_run, fail_run;
	enum phase phase;
	int fd;
	uint64_t started_ms, next_ms;
	char status[16]; /* the start of an HTTP answer */
	uint8_t status_len;
	char why[96]; /* the last failure */
};

struct target {
	struct cfg_lb_backend be; /* its key: vpc, lb, proto, port, ip, backend_port */
	struct cfg_lb_health hc;
	char port_name[CFG_NAME_SIZE]; /* the port holding the address */
	uint32_t vni;
	uint32_t ip4; /* network order */
	uint16_t slot, dport;
	struct probe pr; /* the checker thread's */
};

struct slot {
	bool used;
	uint32_t vni, ip4;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct target *targets; /* under lock */
static size_t n_targets;
/* the targets the last lb_health_set dropped (sockets closed): a rolled back transaction
 * sets the state before it again, and their verdicts come back with them */
static struct target *dropped;
static size_t n_dropped;
static struct slot slots[DP_HC_SLOTS]; /* control thread */
static uint16_t slot_next;
static struct hc_netns ns = {.ns_fd = -1};
static struct dp_port *tap_port; /* the dataplane's side of the checker's tap */
static int epfd = -1, wake_fd = -1, notify_fd = -1;
static pthread_t thread;
static bool running;
static volatile bool stopping;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int fail(char *err, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, CFG_ERR_SIZE, fmt, ap);
	va_end(ap);
	return rc;
}

static bool same_backend(const struct cfg_lb_backend *a, const struct cfg_lb_backend *b)
{
	return a->proto == b->proto && a->port == b->port && a->backend_port == b->backend_port &&
	       memcmp(&a->ip, &b->ip, sizeof(a->ip)) == 0 && strcmp(a->vpc, b->vpc) == 0 &&
	       strcmp(a->lb, b->lb) == 0;
}

/* ---- the checker thread ---- */

static void notify(void)
{
	uint64_t one = 1;

	if (write(notify_fd, &one, sizeof(one)) < 0) {
		/* the counter is full: the control thread has plenty to read already */
	}
}

static void finish(struct target *t, bool ok, uint64_t now, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void finish(struct target *t, bool ok, uint64_t now, const char *fmt, ...)
{
	if (t->pr.fd >= 0)
		close(t->pr.fd);
	t->pr.fd = -1;
	t->pr.phase = IDLE;
	t->pr.next_ms = t->pr.started_ms + t->hc.interval_ms;
	if (t->pr.next_ms < now)
		t->pr.next_ms = now;
	if (ok) {
		t->pr.fail_run = 0;
		if (t->pr.ok_run < UINT8_MAX)
			t->pr.ok_run++;
		if (!t->pr.healthy && t->pr.ok_run >= t->hc.rise) {
			t->pr.healthy = t->pr.changed = true;
			notify();
		}
		return;
	}
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->pr.why, sizeof(t->pr.why), fmt, ap);
	va_end(ap);
	t->pr.ok_run = 0;
	if (t->pr.fail_run < UINT8_MAX)
		t->pr.fail_run++;
	if (t->pr.healthy && t->pr.fail_run >= t->hc.fall) {
		t->pr.healthy = false;
		t->pr.changed = true;
		notify();
	}
}

static void watch(struct target *t, uint32_t events, int op)
{
	struct epoll_event ev = {.events = events, .data.fd = t->pr.fd};

	epoll_ctl(epfd, op, t->pr.fd, &ev);
}

static void start(struct target *t, uint64_t now)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(t->dport),
				 .sin_addr.s_addr = htonl(dp_hc_probe_addr(t->slot))};
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	t->pr.started_ms = now;
	t->pr.status_len = 0;
	t->pr.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->pr.fd < 0) {
		finish(t, false, now, "cannot open a socket: %s", strerror(errno));
		return;
	}
	setsockopt(t->pr.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	t->pr.phase = CONNECTING;
	if (connect(t->pr.fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EINPROGRESS)
		watch(t, EPOLLOUT, EPOLL_CTL_ADD);
	else
		finish(t, false, now, "connect: %s", strerror(errno));
}

static void connected(struct target *t, uint64_t now)
{
	char req[CFG_LB_PATH_SIZE + 160], host[INET_ADDRSTRLEN];
	int err = 0, n;
	socklen_t len = sizeof(err);

	if (getsockopt(t->pr.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		finish(t, false, now, "connect: %s", strerror(err));
		return;
	}
	if (t->hc.type == CFG_LB_HC_TCP) {
		finish(t, true, now, "%s", "");
		return;
	}
	inet_ntop(AF_INET, &t->ip4, host, sizeof(host));
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.0\r\nHost: %s:%u\r\nUser-Agent: vpcswitch-health-check\r\n"
		     "Connection: close\r\n\r\n",
		     t->hc.path, host, t->dport);
	if (send(t->pr.fd, req, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n) {
		finish(t, false, now, "sending the request: %s", strerror(errno));
		return;
	}
	t->pr.phase = AWAIT_STATUS;
	watch(t, EPOLLIN, EPOLL_CTL_MOD);
}

/* "HTTP/1.x NNN": 2xx and 3xx are healthy */
static void answered(struct target *t, uint64_t now)
{
	struct probe *pr = &t->pr;
	ssize_t n = recv(pr->fd, pr->status + pr->status_len, 12 - pr->status_len, MSG_DONTWAIT);
	int code;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		finish(t, false, now, "%s", n == 0 ? "closed before an HTTP status" : strerror(errno));
		return;
	}
	pr->status_len += (uint8_t)n;
	if (pr->status_len < 12)
		return;
	pr->status[12] = '\0';
	if (strncmp(pr->status, "HTTP/1.", 7) != 0 || pr->status[8] != ' ' ||
	    sscanf(pr->status + 9, "%3d", &code) != 1) {
		finish(t, false, now, "%s", "not an HTTP answer");
		return;
	}
	if (code >= 200 && code < 400)
		finish(t, true, now, "%s", "");
	else
		finish(t, false, now, "HTTP status %d", code);
}

static struct target *by_fd(int fd)
{
	for (size_t i = 0; i < n_targets; i++)
		if (targets[i].pr.fd == fd)
			return &targets[i];
	return NULL;
}

/* Checks that are due start, those past their timeout fail; returns ms to the next. */
static int timers(uint64_t now)
{
	uint64_t next = now + 100;

	for (size_t i = 0; i < n_targets; i++) {
		struct target *t = &targets[i];

		if (t->pr.phase != IDLE && now >= t->pr.started_ms + t->hc.timeout_ms)
			finish(t, false, now, "no %s within %u ms",
			       t->pr.phase == CONNECTING ? "connection" : "HTTP status",
			       t->hc.timeout_ms);
		if (t->pr.phase == IDLE && now >= t->pr.next_ms)
			start(t, now);
		if (t->pr.phase == IDLE && t->pr.next_ms < next)
			next = t->pr.next_ms;
		if (t->pr.phase != IDLE && t->pr.started_ms + t->hc.timeout_ms < next)
			next = t->pr.started_ms + t->hc.timeout_ms;
	}
	return next > now ? (int)(next - now) : 0;
}

static void *checker_main(void *arg)
{
	struct epoll_event evs[32];
	int wait_ms = 0;

	(void)arg;
	/* every socket of this thread is the checker's: made inside its namespace */
	if (setns(ns.ns_fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "vpcswitchd: health checker: cannot enter its namespace: %s\n",
			strerror(errno));
		return NULL;
	}
	while (!stopping) {
		int n = epoll_wait(epfd, evs, 32, wait_ms);
		uint64_t now = now_ms();

		pthread_mutex_lock(&lock);
		for (int i = 0; i < n; i++) {
			struct target *t;
			uint64_t v;

			if (evs[i].data.fd == wake_fd) {
				if (read(wake_fd, &v, sizeof(v)) < 0) {
					/* nothing to read: another round read it */
				}
				continue;
			}
			t = by_fd(evs[i].data.fd);
			if (t != NULL && t->pr.phase == CONNECTING)
				connected(t, now);
			else if (t != NULL && t->pr.phase == AWAIT_STATUS)
				answered(t, now);
		}
		wait_ms = timers(now);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* ---- the control thread ---- */

int lb_health_init(void)
{
	struct epoll_event ev = {.events = EPOLLIN};

	epfd = epoll_create1(EPOLL_CLOEXEC);
	wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (epfd < 0 || wake_fd < 0 || notify_fd < 0)
		return -errno;
	ev.data.fd = wake_fd;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, wake_fd, &ev) < 0 ? -errno : 0;
}

static void wake(void)
{
	uint64_t one = 1;

	if (write(wake_fd, &one, sizeof(one)) < 0) {
		/* the counter is full: the thread wakes anyway */
	}
}

void lb_health_fini(void)
{
	if (running) {
		stopping = true;
		wake();
		pthread_join(thread, NULL);
		running = false;
	}
	for (size_t i = 0; i < n_targets; i++)
		if (targets[i].pr.fd >= 0)
			close(targets[i].pr.fd);
	free(targets);
	targets = NULL;
	n_targets = 0;
	free(dropped);
	dropped = NULL;
	n_dropped = 0;
	dp_port_destroy(tap_port); /* the workers are stopped: no snapshot is read */
	tap_port = NULL;
	hc_netns_close(&ns);
	if (epfd >= 0)
		close(epfd);
	if (wake_fd >= 0)
		close(wake_fd);
	if (notify_fd >= 0)
		close(notify_fd);
	epfd = wake_fd = notify_fd = -1;
}

int lb_health_fd(void)
{
	return notify_fd;
}

/* The port of c in vpc holding IPv4 address ip, or NULL. */
static const struct cfg_port *port_holding(const struct cfg *c, const char *vpc,
					   const struct cfg_ip *ip)
{
	CFG_FOREACH(struct cfg_port, p, c->ports)
	{
		if (strcmp(p->vpc, vpc) != 0)
			continue;
		for (int i = 0; i < p->n_ips; i++)
			if (memcmp(&p->ips[i], ip, sizeof(*ip)) == 0)
				return p;
	}
	return NULL;
}

/* What c asks to check: into out (NULL: only counted). */
static size_t wanted(const struct cfg *c, struct target *out)
{
	size_t n = 0;

	CFG_FOREACH(struct cfg_lb_listener, l, c->lb_listeners)
	{
		if (l->health.type == CFG_LB_HC_NONE)
			continue;
		CFG_FOREACH(struct cfg_lb_backend, be, c->lb_backends)
		{
			const struct cfg_port *p;

			if (be->port != l->port || be->proto != l->proto || be->ip.af != AF_INET ||
			    strcmp(be->lb, l->lb) != 0 || strcmp(be->vpc, l->vpc) != 0 ||
			    (p = port_holding(c, be->vpc, &be->ip)) == NULL)
				continue;
			if (out != NULL) {
				struct target *t = &out[n];

				memset(t, 0, sizeof(*t));
				t->be = *be;
				t->hc = l->health;
				snprintf(t->port_name, sizeof(t->port_name), "%s", p->name);
				t->vni = cfg_vpc_find(c, be->vpc)->vni;
				memcpy(&t->ip4, be->ip.addr, 4);
				t->dport = l->health.port != 0 ? l->health.port : be->backend_port;
				t->pr.fd = -1;
			}
			n++;
		}
	}
	return n;
}

/* The slot holding (vni, ip4), or DP_HC_SLOTS. */
static uint32_t slot_of(uint32_t vni, uint32_t ip4)
{
	for (uint32_t s = 0; s < DP_HC_SLOTS; s++)
		if (slots[s].used && slots[s].vni == vni && slots[s].ip4 == ip4)
			return s;
	return DP_HC_SLOTS;
}

/*
 * Slots for next's addresses: those they had; the others are freed first, then new
 * addresses take free ones round robin (so a freed probe address is not soon reused, and
 * a late answer to it meets no other backend). Never fails: next has at most DP_HC_SLOTS
 * targets, so at most that many addresses.
 */
static void assign_slots(struct target *next, size_t n)
{
	static bool keep[DP_HC_SLOTS];

	memset(keep, 0, sizeof(keep));
	for (size_t i = 0; i < n; i++) {
		uint32_t s = slot_of(next[i].vni, next[i].ip4);

		next[i].slot = UINT16_MAX;
		if (s < DP_HC_SLOTS) {
			keep[s] = true;
			next[i].slot = (uint16_t)s;
		}
	}
	for (uint32_t s = 0; s < DP_HC_SLOTS; s++)
		if (!keep[s])
			slots[s].used = false;
	for (size_t i = 0; i < n; i++) {
		struct target *t = &next[i];
		uint32_t s = t->slot == UINT16_MAX ? slot_of(t->vni, t->ip4) : t->slot;

		while (s == DP_HC_SLOTS) { /* a free one exists: see above */
			uint16_t c = slot_next;

			slot_next = (uint16_t)((slot_next + 1) % DP_HC_SLOTS);
			if (!slots[c].used)
				s = c;
		}
		slots[s] = (struct slot){.used = true, .vni = t->vni, .ip4 = t->ip4};
		t->slot = (uint16_t)s;
	}
}

int lb_health_set(const struct cfg *c, char *err)
{
	size_t n = wanted(c, NULL);
	struct target *next = n > 0 ? calloc(n, sizeof(*next)) : NULL, *old;
	uint64_t now = now_ms();
	size_t n_old;
	int rc;

	if (n > 0 && next == NULL)
		return fail(err, -ENOMEM, "health checks: out of memory");
	wanted(c, next);
	if (n > DP_HC_SLOTS) {
		free(next);
		return fail(err, -ENOSPC, "health checks: %zu backends here, at most %u", n,
				DP_HC_SLOTS);
	}
	if (n > 0 && ns.ns_fd < 0) {
		char why[256];

		if ((rc = hc_netns_open(&ns, why)) < 0) {
			free(next);
			return fail(err, rc, "%s", why);
		}
		tap_port = dp_port_create_ethdev("health", ns.eth_port);
		if (tap_port == NULL) {
			rc = -errno;
			hc_netns_close(&ns);
			free(next);
			return fail(err, rc, "health checks: no room for the checker's port");
		}
	}
	if (n > 0 && !running) {
		stopping = false;
		if ((rc = pthread_create(&thread, NULL, checker_main, NULL)) != 0) {
			free(next);
			return fail(err, -rc, "health checks: cannot start the checker thread");
		}
		pthread_setname_np(thread, "lb-health");
		running = true;
	}
	assign_slots(next, n);
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n; i++) {
		struct target *t = &next[i];
		bool carried = false;

		for (size_t j = 0; j < n_targets + n_dropped && !carried; j++) {
			struct target *o = j < n_targets ? &targets[j] : &dropped[j - n_targets];

			if (o->slot == UINT16_MAX || !same_backend(&o->be, &t->be))
				continue;
			if (j < n_targets && memcmp(&o->hc, &t->hc, sizeof(o->hc)) == 0 &&
			    o->dport == t->dport) {
				t->pr = o->pr; /* the same check: it goes on as it was */
				o->pr.fd = -1;
			} else { /* another check: it starts over, the verdict stands until then */
				t->pr.healthy = o->pr.healthy;
				t->pr.changed = o->pr.changed;
				memcpy(t->pr.why, o->pr.why, sizeof(t->pr.why));
				t->pr.fd = -1;
				t->pr.next_ms = now;
			}
			o->slot = UINT16_MAX; /* taken */
			carried = true;
		}
		if (!carried) { /* healthy until it fails; first checks spread over an interval */
			t->pr.healthy = true;
			t->pr.next_ms = now + (t->slot * 7919u + t->dport) % t->hc.interval_ms;
		}
	}
	old = targets;
	n_old = n_targets;
	targets = next;
	n_targets = n;
	pthread_mutex_unlock(&lock);
	free(dropped);
	n_dropped = 0;
	for (size_t j = 0; j < n_old; j++) { /* what was not carried over */
		if (old[j].slot == UINT16_MAX)
			continue;
		if (old[j].pr.fd >= 0)
			close(old[j].pr.fd);
		old[j].pr.fd = -1;
		old[j].pr.phase = IDLE;
		old[n_dropped++] = old[j];
	}
	dropped = old;
	if (running)
		wake();
	return 0;
}

int lb_health_build(struct dp_build *b, struct dp_port *(*port_of)(const char *name))
{
	uint8_t mac[6];
	int rc = 0;

	if (ns.ns_fd < 0)
		return 0;
	memcpy(mac, ns.mac, 6);
	pthread_mutex_lock(&lock);
	if (n_targets > 0) {
		rc = dp_build_health(b, tap_port, mac);
		for (size_t i = 0; rc == 0 && i < n_targets; i++) {
			struct dp_port *p = port_of(targets[i].port_name);

			if (p == NULL)
				continue;
			rc = dp_build_health_target(b, targets[i].slot, p, targets[i].ip4);
			/* -EEXIST: another listener checks the same address; -EINVAL: the port
			 * has not got it in this build (a transaction's intermediate one) */
			if (rc == -EEXIST || rc == -EINVAL)
				rc = 0;
		}
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

int lb_health_of(const struct cfg_lb_backend *be, char *why, size_t why_size)
{
	int state = -1;

	if (why != NULL)
		why[0] = '\0';
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_targets; i++) {
		if (!same_backend(&targets[i].be, be))
			continue;
		state = targets[i].pr.healthy;
		if (why != NULL)
			snprintf(why, why_size, "%s", targets[i].pr.why);
		break;
	}
	pthread_mutex_unlock(&lock);
	return state;
}

unsigned int lb_health_changes(void (*changed)(const struct cfg_lb_backend *be, bool healthy,
					       const char *why, void *arg),
			       void *arg)
{
	unsigned int n = 0;
	uint64_t v;

	if (read(notify_fd, &v, sizeof(v)) < 0) {
		/* nothing new: a change may still be marked */
	}
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_targets; i++) {
		struct target *t = &targets[i];

		if (!t->pr.changed)
			continue;
		t->pr.changed = false;
		changed(&t->be, t->pr.healthy, t->pr.healthy ? NULL : t->pr.why, arg);
		n++;
	}
	pthread_mutex_unlock(&lock);
	return n;
}
