/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controller connection's life: resolve (names asynchronously, getaddrinfo_a), connect
 * without blocking (3 s timeout), hand the connected socket to ctl_server (the protocol is
 * served there, as on the management socket), and on failure or loss move to the next
 * address; after a whole pass failed, back off (250 ms doubling to 8 s, +-25% jitter). A
 * completed hello resets the backoff. A tls: address handshakes (ctl_tls.c) before the
 * connection is handed over. Nothing here touches the switch's state: losing the controller
 * keeps the committed state and the forwarding as they are.
 */
#include "ctl_uplink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_random.h>

#include "ctl_server.h"
#include "ctl_tls.h"
#include "ctl_uplink_addr.h"
#include "sb_proto.h"

RTE_LOG_REGISTER(uplink_logtype, vpcswitch.uplink, INFO);

#define CONNECT_TIMEOUT_NS (3 * 1000000000ull) /* resolution and each connect */
#define RESOLVE_POLL_NS	   (20 * 1000000ull)   /* how often a pending resolution is looked at */
#define LOG_BURST	   10		       /* log lines per LOG_WINDOW_S, then silence */
#define LOG_WINDOW_S	   10

enum uplink_state {
	UP_OFF,	       /* no controller configured, or stopped */
	UP_WAIT,       /* the next attempt starts at deadline (backoff, or right away) */
	UP_RESOLVING,  /* getaddrinfo_a of a name runs */
	UP_CONNECTING, /* a non-blocking connect runs on sock */
	UP_HANDSHAKE,  /* connected, the TLS handshake runs on sock */
	UP_CONNECTED,  /* ctl_server serves the connection */
};

/* Control thread only (configure: main thread, before the loop exists). */
static struct {
	struct ctl_uplink_addr addrs[CTL_UPLINK_ADDRS_MAX];
	unsigned int n_addrs;
	char host_id[32];
	enum uplink_state state;
	bool backoff;		 /* UP_WAIT because a whole pass failed */
	unsigned int cur;	 /* the address being tried or connected */
	unsigned int pass_fails; /* failed attempts since the pass started */
	unsigned int backoff_ms; /* the last backoff (0: none since the last hello) */
	uint64_t deadline;	 /* CLOCK_MONOTONIC ns: timeout or end of the wait */
	int timer_fd, sock;
	uint32_t sock_events;		    /* what sock is watched for */
	struct ssl_st *tls;		    /* UP_HANDSHAKE's session */
	struct addrinfo *ai_list, *ai_next; /* the current address's results; the next to try */
	struct gaicb gai;		    /* a name's resolution; may outlive its attempt */
	bool gai_busy;
	char peer[INET6_ADDRSTRLEN + 8]; /* the address tried or connected, as IP:PORT */
	bool hello;			 /* the current connection completed its hello */
	time_t connected_since;
	uint64_t connects;    /* connections made (TCP established) */
	char last_error[320]; /* of any attempt or connection */
	time_t last_error_time;
	char last_loss[320]; /* why the last established connection ended */
	time_t last_loss_time;
	struct {
		unsigned int lines, dropped; /* in the current window */
		time_t window;
	} logs[2]; /* LOG_ATTEMPT: failed attempts; LOG_SESSION: connects and losses */
} up = {.timer_fd = -1, .sock = -1};

enum { LOG_ATTEMPT, LOG_SESSION };

static void uplink_step(void *arg);

/*
 * An unreachable controller, or one that fails fast, makes these repeat: at most LOG_BURST
 * lines every LOG_WINDOW_S per kind, so that failed attempts never hide a connect or a loss.
 */
static void __rte_format_printf(3, 4) uplink_log(int kind, uint32_t level, const char *fmt, ...)
{
	time_t now = time(NULL);
	char line[512];
	va_list ap;

	if (now - up.logs[kind].window >= LOG_WINDOW_S) {
		if (up.logs[kind].dropped > 0)
			rte_log(RTE_LOG_NOTICE, uplink_logtype,
				"controller: %u log lines suppressed\n", up.logs[kind].dropped);
		up.logs[kind].window = now;
		up.logs[kind].lines = up.logs[kind].dropped = 0;
	}
	if (up.logs[kind].lines >= LOG_BURST) {
		up.logs[kind].dropped++;
		return;
	}
	up.logs[kind].lines++;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rte_log(level, uplink_logtype, "controller: %s\n", line);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Wake the loop at deadline (or in poll_ns if sooner; 0: not). */
static void timer_arm(uint64_t deadline, uint64_t poll_ns)
{
	uint64_t now = now_ns(), in = deadline > now ? deadline - now : 1;
	struct itimerspec its = {0};

	if (poll_ns != 0 && poll_ns < in)
		in = poll_ns;
	its.it_value.tv_sec = (time_t)(in / 1000000000ull);
	its.it_value.tv_nsec = (long)(in % 1000000000ull);
	timerfd_settime(up.timer_fd, 0, &its, NULL);
}

static void sock_close(void)
{
	ctl_tls_close(up.tls);
	up.tls = NULL;
	if (up.sock < 0)
		return;
	ctl_server_unwatch(up.sock);
	close(up.sock);
	up.sock = -1;
	up.sock_events = 0;
}

/* Watch sock for events (level-triggered: a handshake that waits to read must not be
 * woken by a socket that is merely writable). Returns 0 or -errno. */
static int sock_watch(uint32_t events)
{
	int rc;

	if (up.sock_events == events)
		return 0;
	if (up.sock_events != 0)
		ctl_server_unwatch(up.sock);
	up.sock_events = 0;
	rc = ctl_server_watch_events(up.sock, events, uplink_step, NULL);
	if (rc == 0)
		up.sock_events = events;
	return rc;
}

static void results_free(void)
{
	if (up.ai_list != NULL)
		freeaddrinfo(up.ai_list);
	up.ai_list = up.ai_next = NULL;
}

/*
 * The attempt at (or the connection to) the current address ended: note why, go to the next
 * address, and once every address failed in this pass, back off before the next pass.
 * kind: the log budget its line counts against (LOG_ATTEMPT, or LOG_SESSION for a loss).
 */
static void attempt_failed_log(const char *why, int kind)
{
	const struct ctl_uplink_addr *a = &up.addrs[up.cur];
	unsigned int delay = 0;

	sock_close();
	results_free();
	snprintf(up.last_error, sizeof(up.last_error), "%s: %s", a->text, why);
	up.last_error_time = time(NULL);
	up.cur = (up.cur + 1) % up.n_addrs;
	up.backoff = ++up.pass_fails >= up.n_addrs;
	if (up.backoff) {
		up.pass_fails = 0;
		up.backoff_ms = ctl_uplink_backoff_next(up.backoff_ms);
		delay = ctl_uplink_backoff_jitter(up.backoff_ms, (uint32_t)rte_rand());
		uplink_log(kind, RTE_LOG_WARNING, "%s: %s; every address failed, next try in %u ms",
			   a->text, why, delay);
	} else {
		uplink_log(kind, RTE_LOG_WARNING, "%s: %s; trying %s", a->text, why,
			   up.addrs[up.cur].text);
	}
	/* started from the loop, never from inside the caller (maybe ctl_server's conn_kill) */
	up.state = UP_WAIT;
	up.deadline = now_ns() + (uint64_t)delay * 1000000ull;
	timer_arm(up.deadline, 0);
}

static void attempt_failed(const char *why)
{
	attempt_failed_log(why, LOG_ATTEMPT);
}

static void peer_hello(void *arg)
{
	(void)arg;
	up.hello = true;
	up.backoff_ms = 0;
	up.pass_fails = 0;
	uplink_log(LOG_SESSION, RTE_LOG_INFO, "%s (%s): hello done", up.addrs[up.cur].text,
		   up.peer);
}

static void peer_closed(void *arg, const char *why)
{
	char msg[256];

	(void)arg;
	if (up.state != UP_CONNECTED)
		return;
	up.state = UP_WAIT; /* the socket is ctl_server's and already closed */
	up.sock = -1;
	up.hello = false;
	snprintf(msg, sizeof(msg), "connection to %s lost: %s", up.peer, why);
	snprintf(up.last_loss, sizeof(up.last_loss), "%s: %s", up.addrs[up.cur].text, msg);
	up.last_loss_time = time(NULL);
	attempt_failed_log(msg, LOG_SESSION); /* a loss is never hidden by failed attempts */
}

static const struct ctl_peer_ops peer_ops = {
	.hello_done = peer_hello,
	.closed = peer_closed,
};

static void peer_text(const struct sockaddr *sa)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		snprintf(up.peer, sizeof(up.peer), "%s:%d", host, port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		snprintf(up.peer, sizeof(up.peer), "[%s]:%d", host, port);
	}
}

static void try_next_result(const char *last_why);

/* Ready for the protocol (TCP connected, TLS handshake done): hand it to ctl_server. */
static void connected(void)
{
	int rc;

	ctl_server_unwatch(up.sock);
	up.sock_events = 0;
	rc = ctl_server_adopt(up.sock, up.tls, &peer_ops);
	if (rc < 0) {
		char why[128];

		snprintf(why, sizeof(why), "cannot serve the connection: %s", strerror(-rc));
		attempt_failed(why);
		return;
	}
	up.sock = -1; /* ctl_server's now, and so is the TLS session */
	up.tls = NULL;
	results_free();
	up.state = UP_CONNECTED;
	up.hello = false;
	up.connects++;
	up.connected_since = time(NULL);
	uplink_log(LOG_SESSION, RTE_LOG_NOTICE, "connected to %s (%s)%s", up.addrs[up.cur].text,
		   up.peer, up.addrs[up.cur].scheme == CTL_UPLINK_TLS ? ", TLS verified" : "");
}

/* Advance the TLS handshake; a failure moves on like a failed connect. */
static void step_handshake(uint64_t now)
{
	uint32_t events = 0;
	char why[320], msg[400];
	int rc = ctl_tls_handshake(up.tls, &events, why, sizeof(why));

	if (rc == 0) {
		connected();
		return;
	}
	if (rc == -EAGAIN && now < up.deadline && sock_watch(events) == 0)
		return;
	if (rc == -EAGAIN)
		snprintf(msg, sizeof(msg), "TLS handshake with %s: no answer within 3 s", up.peer);
	else
		snprintf(msg, sizeof(msg), "%s (with %s)", why, up.peer);
	sock_close();
	try_next_result(msg);
}

/* TCP is up: over TLS, the handshake comes first. */
static void tcp_connected(void)
{
	const struct ctl_uplink_addr *a = &up.addrs[up.cur];
	char why[320];

	if (a->scheme == CTL_UPLINK_TCP) {
		connected();
		return;
	}
	up.tls = ctl_tls_new(up.sock, a->host, a->numeric, why, sizeof(why));
	if (up.tls == NULL) {
		sock_close();
		try_next_result(why);
		return;
	}
	up.state = UP_HANDSHAKE;
	up.deadline = now_ns() + CONNECT_TIMEOUT_NS;
	timer_arm(up.deadline, 0);
	step_handshake(now_ns());
}

/* Start connecting to the next resolved address of the current entry; when none is left,
 * the attempt failed with last_why. */
static void try_next_result(const char *last_why)
{
	char why[160];

	while (up.ai_next != NULL) {
		struct addrinfo *ai = up.ai_next;
		int fd;

		up.ai_next = ai->ai_next;
		peer_text(ai->ai_addr);
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(why, sizeof(why), "socket: %s", strerror(errno));
			last_why = why;
			continue;
		}
		sb_socket_tune(fd);
		up.sock = fd;
		up.sock_events = 0;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			tcp_connected();
			return;
		}
		if (errno == EINPROGRESS) {
			int rc = sock_watch(EPOLLOUT);

			if (rc == 0) {
				up.state = UP_CONNECTING;
				up.deadline = now_ns() + CONNECT_TIMEOUT_NS;
				timer_arm(up.deadline, 0);
				return;
			}
			errno = -rc;
		}
		snprintf(why, sizeof(why), "connect to %s: %s", up.peer, strerror(errno));
		last_why = why;
		close(fd);
		up.sock = -1;
	}
	attempt_failed(last_why != NULL ? last_why : "no address to connect to");
}

static void start_attempt(void)
{
	const struct ctl_uplink_addr *a = &up.addrs[up.cur];
	static const struct addrinfo hints_numeric = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
						      .ai_socktype = SOCK_STREAM};
	/* no AI_ADDRCONFIG: it hides 127.0.0.1 on a host with only loopback; an address of a
	 * family the host cannot reach just fails and the next result is tried */
	static const struct addrinfo hints_name = {.ai_flags = AI_NUMERICSERV,
						   .ai_socktype = SOCK_STREAM};
	struct gaicb *list[1] = {&up.gai};
	char why[320];
	int rc;

	up.peer[0] = '\0';
	if (a->numeric) {
		/* an address: getaddrinfo only converts it, nothing can block */
		rc = getaddrinfo(a->host, a->port, &hints_numeric, &up.ai_list);
		if (rc != 0) {
			snprintf(why, sizeof(why), "%s", gai_strerror(rc));
			attempt_failed(why);
			return;
		}
		up.ai_next = up.ai_list;
		try_next_result(NULL);
		return;
	}
	if (up.gai_busy) {
		/* the resolution of an earlier attempt has not returned yet (it timed out) */
		attempt_failed("an earlier name resolution is still running");
		return;
	}
	up.gai = (struct gaicb){
		.ar_name = a->host, .ar_service = a->port, .ar_request = &hints_name};
	rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (rc != 0) {
		snprintf(why, sizeof(why), "resolving %s: %s", a->host, gai_strerror(rc));
		attempt_failed(why);
		return;
	}
	up.gai_busy = true;
	up.state = UP_RESOLVING;
	up.deadline = now_ns() + CONNECT_TIMEOUT_NS;
	timer_arm(up.deadline, RESOLVE_POLL_NS);
}

/* A resolution that returned: its results, or NULL with why set. */
static struct addrinfo *resolution_done(int rc, char *why, size_t size)
{
	struct addrinfo *res = up.gai.ar_result;

	up.gai_busy = false;
	up.gai.ar_result = NULL;
	if (rc == 0)
		return res;
	snprintf(why, size, "resolving %s: %s", up.gai.ar_name,
		 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	if (res != NULL)
		freeaddrinfo(res);
	return NULL;
}

static void step_resolving(uint64_t now)
{
	int rc = gai_error(&up.gai);
	char why[320];

	if (rc == EAI_INPROGRESS) {
		if (now < up.deadline) {
			timer_arm(up.deadline, RESOLVE_POLL_NS);
			return;
		}
		gai_cancel(&up.gai); /* if it cannot be cancelled, gai_busy keeps it until done */
		snprintf(why, sizeof(why), "resolving %s: no answer within 3 s", up.gai.ar_name);
		attempt_failed(why);
		return;
	}
	up.ai_list = up.ai_next = resolution_done(rc, why, sizeof(why));
	if (up.ai_list == NULL) {
		attempt_failed(why);
		return;
	}
	try_next_result(NULL);
}

static void step_connecting(uint64_t now)
{
	struct pollfd pfd = {.fd = up.sock, .events = POLLOUT};
	int err = 0;
	socklen_t len = sizeof(err);
	char why[160];

	if (poll(&pfd, 1, 0) == 0) {
		if (now < up.deadline)
			return;
		snprintf(why, sizeof(why), "connect to %s: no answer within 3 s", up.peer);
	} else if (getsockopt(up.sock, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
		tcp_connected();
		return;
	} else {
		snprintf(why, sizeof(why), "connect to %s: %s", up.peer,
			 strerror(err != 0 ? err : errno));
	}
	sock_close();
	try_next_result(why);
}

/* Runs on the timer, on the connecting socket's readiness, and at every loop tick: each
 * state checks for itself whether its time has come. */
static void uplink_step(void *arg)
{
	uint64_t expirations, now = now_ns();

	(void)arg;
	if (read(up.timer_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return;
	if (up.gai_busy && up.state != UP_RESOLVING && gai_error(&up.gai) != EAI_INPROGRESS) {
		char why[320];
		struct addrinfo *stale = resolution_done(gai_error(&up.gai), why, sizeof(why));

		if (stale != NULL)
			freeaddrinfo(stale); /* a late answer of an attempt given up */
	}
	switch (up.state) {
	case UP_WAIT:
		if (now >= up.deadline) {
			up.backoff = false;
			start_attempt();
		}
		break;
	case UP_RESOLVING:
		step_resolving(now);
		break;
	case UP_CONNECTING:
		step_connecting(now);
		break;
	case UP_HANDSHAKE:
		step_handshake(now);
		break;
	case UP_OFF:
	case UP_CONNECTED:
		break;
	}
}

int ctl_uplink_configure(const struct ctl_uplink_opts *o, char *err, size_t errsz)
{
	const char *list = o->list, *host_id = o->host_id;
	bool tls = false;

	if (host_id != NULL && !ctl_uplink_host_id_valid(host_id)) {
		snprintf(err, errsz, "--host-id: '%s' is not 1-31 characters of A-Z a-z 0-9 _ . -",
			 host_id);
		return -EINVAL;
	}
	if (list != NULL && host_id == NULL) {
		snprintf(err, errsz,
			 "--controller needs --host-id (how the controller knows this "
			 "host)");
		return -EINVAL;
	}
	if (list != NULL) {
		char why[320];

		if (ctl_uplink_addrs_parse(list, up.addrs, &up.n_addrs, why, sizeof(why)) < 0) {
			snprintf(err, errsz, "--controller: %s", why);
			return -EINVAL;
		}
		for (unsigned int i = 0; i < up.n_addrs; i++)
			tls |= up.addrs[i].scheme == CTL_UPLINK_TLS;
	}
	if (tls && (o->cert == NULL || o->key == NULL || o->ca == NULL)) {
		snprintf(err, errsz,
			 "--controller: a tls: address needs --controller-cert, "
			 "--controller-key and --controller-ca");
		return -EINVAL;
	}
	if (!tls && (o->cert != NULL || o->key != NULL || o->ca != NULL)) {
		snprintf(err, errsz,
			 "--controller-cert/-key/-ca: only with a tls: address in "
			 "--controller");
		return -EINVAL;
	}
	if (tls && ctl_tls_init(o->cert, o->key, o->ca, host_id, err, errsz) < 0)
		return -EINVAL;
	if (host_id != NULL)
		snprintf(up.host_id, sizeof(up.host_id), "%s", host_id);
	ctl_server_set_host_id(host_id);
	return 0;
}

int ctl_uplink_start(void)
{
	int rc;

	if (up.n_addrs == 0)
		return 0;
	up.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (up.timer_fd < 0)
		return -errno;
	rc = ctl_server_watch(up.timer_fd, uplink_step, NULL);
	if (rc < 0) {
		close(up.timer_fd);
		up.timer_fd = -1;
		return rc;
	}
	up.state = UP_WAIT;
	up.deadline = now_ns();
	timer_arm(up.deadline, 0);
	uplink_log(LOG_SESSION, RTE_LOG_INFO, "host %s, %u address(es), first %s", up.host_id,
		   up.n_addrs, up.addrs[0].text);
	return 0;
}

void ctl_uplink_fini(void)
{
	up.state = UP_OFF; /* a close from here on is ctl_server_fini's: nothing to redo */
	sock_close();
	ctl_tls_fini();
	results_free();
	if (up.gai_busy && gai_cancel(&up.gai) == EAI_CANCELED)
		up.gai_busy = false; /* else still running: left to the process's exit */
	if (up.timer_fd >= 0) {
		ctl_server_unwatch(up.timer_fd);
		close(up.timer_fd);
		up.timer_fd = -1;
	}
}

static json_t *time_json(time_t t)
{
	char text[32];
	struct tm tm;

	if (t == 0)
		return json_null();
	gmtime_r(&t, &tm);
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(text);
}

static const char *state_name(void)
{
	switch (up.state) {
	case UP_OFF:
		return "disconnected";
	case UP_WAIT:
		return up.backoff ? "backoff" : "connecting";
	case UP_RESOLVING:
	case UP_CONNECTING:
	case UP_HANDSHAKE:
		return "connecting";
	case UP_CONNECTED:
		return "connected";
	}
	return "?";
}

json_t *ctl_uplink_json(void)
{
	json_t *addrs = json_array(), *j;
	bool connected = up.state == UP_CONNECTED;
	bool trying =
		up.state == UP_RESOLVING || up.state == UP_CONNECTING || up.state == UP_HANDSHAKE;

	for (unsigned int i = 0; i < up.n_addrs; i++)
		json_array_append_new(addrs, json_string(up.addrs[i].text));
	j = json_pack(
		"{s:o, s:o, s:s, s:o, s:o, s:b, s:o, s:I, s:o, s:o}", "addresses", addrs, "host_id",
		up.host_id[0] ? json_string(up.host_id) : json_null(), "state", state_name(),
		"address", connected || trying ? json_string(up.addrs[up.cur].text) : json_null(),
		"peer", (connected || trying) && up.peer[0] ? json_string(up.peer) : json_null(),
		"hello_done", connected && up.hello, "connected_since",
		time_json(connected ? up.connected_since : 0), "connects", (json_int_t)up.connects,
		"last_error", up.last_error[0] ? json_string(up.last_error) : json_null(),
		"last_error_time", time_json(up.last_error_time));
	json_object_set_new(j, "last_loss",
			    up.last_loss[0] ? json_string(up.last_loss) : json_null());
	json_object_set_new(j, "last_loss_time", time_json(up.last_loss_time));
	if (up.state == UP_WAIT && up.backoff)
		json_object_set_new(j, "backoff_ms", json_integer(up.backoff_ms));
	return j;
}
