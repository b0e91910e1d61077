/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus metrics over HTTP. libmicrohttpd runs without threads of its own (MHD_USE_EPOLL,
 * external polling): its epoll fd sits in the control loop (ctl_server_watch) and MHD_run is
 * called there, so a scrape is answered on the control thread, which alone may read ports,
 * counters and the connection table. The text is rendered from the JSON replies of
 * ctl_switch_stats, the code behind vpcctl's show commands: both report the same numbers.
 */
#include "ctl_metrics.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <rte_common.h>
#include <rte_log.h>

#include "cfg.h"
#include "ctl_server.h"
#include "ctl_switch.h"

RTE_LOG_REGISTER(metrics_logtype, vpcswitch.metrics, INFO);

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static struct MHD_Daemon *mhd; /* control thread only, like everything here */
static int mhd_epfd = -1;
static bool metrics_inited;

/* ---- the text ---- */

static int stats(const char *kind, json_t **reply)
{
	char err[CFG_ERR_SIZE];
	json_t *body = json_pack("{s:s}", "kind", kind);
	int rc;

	if (body == NULL)
		return -ENOMEM;
	rc = ctl_switch_stats(body, reply, err);
	json_decref(body);
	return rc;
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label values escape backslash, double quote and line feed (format 0.0.4). Names cannot
 * hold them today ([A-Za-z0-9_.-]); the output stays valid if that ever changes. */
static void put_label_value(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* name{label="value",...} v: labels as name, value pairs ending with NULL. A value that is
 * not a number (absent) gives no sample. */
static void sample(FILE *f, const char *name, const json_t *v, ...)
{
	const char *label, *sep = "{";
	va_list ap;

	if (!json_is_number(v))
		return;
	fputs(name, f);
	va_start(ap, v);
	while ((label = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);

		fprintf(f, "%s%s=\"", sep, label);
		put_label_value(f, value != NULL ? value : "");
		fputc('"', f);
		sep = ",";
	}
	va_end(ap);
	if (sep[0] == ',')
		fputc('}', f);
	if (json_is_integer(v))
		fprintf(f, " %" JSON_INTEGER_FORMAT "\n", json_integer_value(v));
	else
		fprintf(f, " %.17g\n", json_real_value(v));
}

/* Every reason at host level, zeros included: the set of reasons is discoverable here. */
static void render_host_drops(FILE *f, const json_t *drops)
{
	const json_t *d;
	size_t i;

	head(f, "vpcswitch_host_drops_total", "counter",
	     "Packets dropped on this host by reason (every reason, underlay included).");
	json_array_foreach(drops, i, d)
	{
		sample(f, "vpcswitch_host_drops_total", json_object_get(d, "count"), "reason",
		       json_string_value(json_object_get(d, "reason")), NULL);
	}
}

static const struct {
	const char *key, *name, *help;
} port_counters[] = {
	{"rx_packets", "vpcswitch_port_rx_packets_total", "Packets received from the port."},
	{"rx_bytes", "vpcswitch_port_rx_bytes_total", "Bytes received from the port."},
	{"tx_packets", "vpcswitch_port_tx_packets_total", "Packets sent to the port."},
	{"tx_bytes", "vpcswitch_port_tx_bytes_total", "Bytes sent to the port."},
	{"drops", "vpcswitch_port_drops_total",
	 "Packets dropped at the port, either direction (the sum of its reasons)."},
	{"tx_drops", "vpcswitch_port_tx_drops_total",
	 "Of those, packets for the port it could not take (port_down, tx_full)."},
};

/* clang-format off */
#define PORTS_FOREACH(ports, i, p, name)                                                       \
	json_array_foreach(ports, i, p)                                                        \
	if ((name = json_string_value(json_object_get(p, "name"))) != NULL)
/* clang-format on */

static void render_ports(FILE *f, const json_t *ports, const json_t *ct_ports)
{
	const json_t *p, *v;
	const char *name, *reason;
	size_t i, q;

	json_t *one = json_integer(1), *zero = json_integer(0);

	head(f, "vpcswitch_port_info", "gauge",
	     "Ports of the switch (always 1), with their VPC and MAC.");
	PORTS_FOREACH(ports, i, p, name)
	{
		sample(f, "vpcswitch_port_info", one, "port", name, "vpc",
		       json_string_value(json_object_get(p, "vpc")), "mac",
		       json_string_value(json_object_get(p, "mac")), NULL);
	}
	head(f, "vpcswitch_port_link_up", "gauge", "1 if the port's VM (or device) is connected.");
	PORTS_FOREACH(ports, i, p, name)
	{
		const char *link = json_string_value(json_object_get(p, "link"));
		bool up = link != NULL && strcmp(link, "up") == 0;

		sample(f, "vpcswitch_port_link_up", up ? one : zero, "port", name, NULL);
	}
	json_decref(one);
	json_decref(zero);
	for (size_t c = 0; c < RTE_DIM(port_counters); c++) {
		head(f, port_counters[c].name, "counter", port_counters[c].help);
		PORTS_FOREACH(ports, i, p, name)
		{
			sample(f, port_counters[c].name,
			       json_object_get(json_object_get(p, "stats"), port_counters[c].key),
			       "port", name, NULL);
		}
	}
	head(f, "vpcswitch_port_rx_queue_packets_total", "counter",
	     "Packets received on each receive queue of the port.");
	PORTS_FOREACH(ports, i, p, name)
	{
		json_array_foreach(json_object_get(json_object_get(p, "stats"), "rx_queue_packets"),
				   q, v)
		{
			char queue[24];

			snprintf(queue, sizeof(queue), "%zu", q);
			sample(f, "vpcswitch_port_rx_queue_packets_total", v, "port", name, "queue",
			       queue, NULL);
		}
	}
	/* per port only the reasons that happened: the full set is in vpcswitch_host_drops_total */
	head(f, "vpcswitch_drops_total", "counter",
	     "Packets dropped at a port by reason (reasons with a count only).");
	PORTS_FOREACH(ports, i, p, name)
	{
		json_object_foreach(json_object_get(json_object_get(p, "stats"), "drop_reasons"),
				    reason, v)
		{
			sample(f, "vpcswitch_drops_total", v, "port", name, "reason", reason, NULL);
		}
	}
	head(f, "vpcswitch_port_connections", "gauge", "Connections the port takes part in.");
	PORTS_FOREACH(ports, i, p, name)
	{
		sample(f, "vpcswitch_port_connections",
		       json_object_get(json_object_get(ct_ports, name), "connections"), "port",
		       name, NULL);
	}
	head(f, "vpcswitch_port_max_connections", "gauge", "The port's connection limit.");
	PORTS_FOREACH(ports, i, p, name)
	{
		sample(f, "vpcswitch_port_max_connections",
		       json_object_get(json_object_get(ct_ports, name), "limit"), "port", name,
		       NULL);
	}
}

static void render_conntrack(FILE *f, const json_t *ct)
{
	static const struct {
		const char *key, *name, *type, *help;
	} fields[] = {
		{"connections", "vpcswitch_conntrack_connections", "gauge",
		 "Connections tracked now (the flow cache's entries)."},
		{"max_connections", "vpcswitch_conntrack_max_connections", "gauge",
		 "Connections the table can hold."},
		{"created", "vpcswitch_conntrack_created_total", "counter", "Connections created."},
		{"flow_cache_hits", "vpcswitch_flow_cache_hits_total", "counter",
		 "Packets that found their connection in the flow cache."},
		{"revalidated", "vpcswitch_conntrack_revalidated_total", "counter",
		 "Cached decisions checked again after a configuration change."},
	};

	for (size_t i = 0; i < RTE_DIM(fields); i++) {
		head(f, fields[i].name, fields[i].type, fields[i].help);
		sample(f, fields[i].name, json_object_get(ct, fields[i].key), NULL);
	}
}

static void render_workers(FILE *f, const json_t *workers)
{
	static const struct {
		const char *key, *name, *help;
	} fields[] = {
		{"packets", "vpcswitch_worker_packets_total",
		 "Packets the worker received and processed."},
		{"busy_cycles", "vpcswitch_worker_busy_cycles_total",
		 "TSC cycles the worker spent in loop rounds that had packets."},
		{"polls", "vpcswitch_worker_polls_total", "Loop rounds of the worker."},
		{"busy_polls", "vpcswitch_worker_busy_polls_total",
		 "Loop rounds that had packets."},
	};
	const json_t *w;
	size_t i;

	for (size_t k = 0; k < RTE_DIM(fields); k++) {
		head(f, fields[k].name, "counter", fields[k].help);
		json_array_foreach(workers, i, w)
		{
			char lcore[24];

			snprintf(lcore, sizeof(lcore), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(json_object_get(w, "lcore")));
			sample(f, fields[k].name, json_object_get(w, fields[k].key), "lcore", lcore,
			       NULL);
		}
	}
	head(f, "vpcswitch_tsc_hz", "gauge", "TSC frequency: busy cycles / this = busy seconds.");
	sample(f, "vpcswitch_tsc_hz", json_object_get(json_array_get(workers, 0), "tsc_hz"), NULL);
}

int ctl_metrics_render(char **text, size_t *size)
{
	json_t *drops = NULL, *ports = NULL, *ct = NULL, *workers = NULL;
	FILE *f;
	int rc;

	if ((rc = stats("drops", &drops)) < 0 || (rc = stats("ports", &ports)) < 0 ||
	    (rc = stats("conntrack", &ct)) < 0 || (rc = stats("workers", &workers)) < 0)
		goto out;
	f = open_memstream(text, size);
	if (f == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	render_host_drops(f, json_object_get(drops, "drops"));
	render_ports(f, json_object_get(ports, "ports"),
		     json_object_get(json_object_get(ct, "conntrack"), "ports"));
	render_conntrack(f, json_object_get(ct, "conntrack"));
	render_workers(f, json_object_get(workers, "workers"));
	if (fclose(f) != 0) {
		free(*text);
		rc = -ENOMEM;
	}
out:
	json_decref(drops);
	json_decref(ports);
	json_decref(ct);
	json_decref(workers);
	return rc;
}

/* ---- HTTP ---- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned int status, const char *type,
			       void *body, size_t size, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(size, body, mode);
	enum MHD_Result ret;

	if (r == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO; /* MHD closes the connection */
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Answered on the first call, before any request body is read: none is ever wanted. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	static char not_found[] = "not found: the metrics are at /metrics\n";
	static char not_allowed[] = "method not allowed: GET or HEAD\n";
	static char failed[] = "cannot read the switch's counters\n";
	char *text;
	size_t size;

	(void)cls, (void)version, (void)upload_data, (void)upload_data_size, (void)req_cls;
	if (strcmp(url, "/metrics") != 0)
		return respond(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found,
			       sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
			       sizeof(not_allowed) - 1, MHD_RESPMEM_PERSISTENT);
	if (ctl_metrics_render(&text, &size) < 0)
		return respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", failed,
			       sizeof(failed) - 1, MHD_RESPMEM_PERSISTENT);
	return respond(c, MHD_HTTP_OK, CONTENT_TYPE, text, size, MHD_RESPMEM_MUST_FREE);
}

/* What a client can provoke (a reset connection, a malformed request): one line a second. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	static time_t last;
	time_t now = time(NULL);
	char msg[256];

	(void)cls;
	if (now == last)
		return;
	last = now;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	rte_log(RTE_LOG_WARNING, metrics_logtype, "metrics: %s\n", msg);
}

/* MHD's epoll fd is readable, or a tick (connection timeouts). MHD may hold work its fd no
 * longer shows (a request already read in full); a zero timeout says so: run it again. */
static void metrics_run(void *arg)
{
	MHD_UNSIGNED_LONG_LONG t;

	(void)arg;
	for (int i = 0; i < 8; i++) {
		MHD_run(mhd);
		if (MHD_get_timeout(mhd, &t) != MHD_YES || t > 0)
			break;
	}
}

/* Split "HOST:PORT" / "[IPV6]:PORT" / ":PORT"; host "" means every address. */
static int parse_addr(const char *spec, char *host, size_t host_size, char port[8])
{
	const char *colon = strrchr(spec, ':');
	size_t n;
	char *end;
	unsigned long v;

	if (colon == NULL)
		return -EINVAL;
	n = (size_t)(colon - spec);
	if (spec[0] == '[') {
		if (n < 2 || spec[n - 1] != ']')
			return -EINVAL;
		spec++;
		n -= 2;
	} else if (memchr(spec, ':', n) != NULL) {
		return -EINVAL; /* an IPv6 address needs its brackets */
	}
	if (n >= host_size)
		return -EINVAL;
	memcpy(host, spec, n);
	host[n] = '\0';
	errno = 0;
	v = strtoul(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || v == 0 || v > 65535)
		return -EINVAL;
	snprintf(port, 8, "%lu", v);
	return 0;
}

/* Our own listener rather than MHD's, so a taken port is reported with its errno. */
static int listen_on(const char *host, const char *port, int *fd_out)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res;
	int fd, one = 1, zero = 0, rc;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0)
		return -EINVAL;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		freeaddrinfo(res);
		return rc;
	}
	/* a restart binds again past TIME_WAIT; "::" serves IPv4 too */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (res->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 64) < 0) {
		rc = -errno;
		close(fd);
		freeaddrinfo(res);
		return rc;
	}
	freeaddrinfo(res);
	*fd_out = fd;
	return 0;
}

int ctl_metrics_init(const char *addr)
{
	const union MHD_DaemonInfo *info;
	char host[256], port[8];
	int fd, rc;

	if (metrics_inited)
		return -EALREADY;
	if (parse_addr(addr, host, sizeof(host), port) < 0) {
		fprintf(stderr, "vpcswitchd: --metrics '%s': not HOST:PORT, [IPV6]:PORT or :PORT\n",
			addr);
		return -EINVAL;
	}
	/* every address: dual-stack if the host has IPv6, else IPv4 */
	rc = listen_on(host[0] != '\0' ? host : "::", port, &fd);
	if (rc < 0 && host[0] == '\0')
		rc = listen_on("0.0.0.0", port, &fd);
	if (rc < 0) {
		fprintf(stderr, "vpcswitchd: --metrics %s: %s\n", addr,
			rc == -EINVAL ? "unknown host" : strerror(-rc));
		return rc;
	}
	metrics_inited = true;
	/* no internal thread: MHD_run is called from the control loop only */
	/* option, value pairs, one a line */
	/* clang-format off */
	mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, NULL,
			       MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			       MHD_OPTION_LISTEN_SOCKET, fd,
			       MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16,
			       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
			       MHD_OPTION_END);
	/* clang-format on */
	if (mhd == NULL) {
		/* fd not closed: whether MHD already did is not documented; the daemon exits */
		fprintf(stderr, "vpcswitchd: --metrics %s: the HTTP server did not start\n", addr);
		return -EIO;
	}
	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_EPOLL_FD);
	rc = info != NULL ? ctl_server_watch(info->epoll_fd, metrics_run, NULL) : -EIO;
	if (rc < 0) {
		fprintf(stderr, "vpcswitchd: --metrics %s: %s\n", addr, strerror(-rc));
		ctl_metrics_fini();
		return rc;
	}
	mhd_epfd = info->epoll_fd;
	return 0;
}

void ctl_metrics_fini(void)
{
	if (mhd_epfd >= 0)
		ctl_server_unwatch(mhd_epfd);
	mhd_epfd = -1;
	if (mhd != NULL)
		MHD_stop_daemon(mhd); /* closes the listener, the connections and its epoll fd */
	mhd = NULL;
}
