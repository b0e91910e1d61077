/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The northbound API (controller/ctrl_nb.c) over real HTTP: the server runs on 127.0.0.1 in a
 * thread of its own (as the daemon's loop would: poll its fd, ctrl_nb_run), with the real
 * model behind ops callbacks that stand for the daemon (txn, replace, a fixed status); the
 * test talks to it with libcurl. Each test starts from an empty state (PUT /v1/state {}).
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "ctrl_model.h"
#include "ctrl_nb.h"

/* ---- the daemon's side: the real model behind the ops ---- */

static struct ctrl_model *model;
static pthread_t server;
static atomic_bool server_stop;
static char base_url[64];

static json_t *version_result(void)
{
	return json_pack("{s:I}", "version", (json_int_t)ctrl_model_version(model));
}

static int op_txn(const json_t *ops, json_t **result, char *err)
{
	int rc = ctrl_model_txn(model, ops, NULL, err);

	if (rc == 0)
		*result = version_result();
	return rc;
}

static int op_replace(const json_t *doc, json_t **result, char *err)
{
	int rc = ctrl_model_replace(model, doc, NULL, err);

	if (rc == 0)
		*result = version_result();
	return rc;
}

/* Every host known and none connected: what a controller with no switch yet reports. */
static json_t *op_status(void)
{
	json_t *names = ctrl_model_hosts(model), *hosts = json_array(), *name;
	size_t i;

	json_array_foreach(names, i, name)
	{
		json_t *key = json_pack("{s:O}", "name", name);
		const json_t *row = ctrl_model_find(model, "hosts", key);

		json_array_append_new(
			hosts, json_pack("{s:O, s:O, s:b, s:b, s:I, s:I, s:n}", "name", name,
					 "vtep", json_object_get(row, "vtep"), "connected", 0,
					 "in_sync", 0, "desired_version",
					 (json_int_t)ctrl_model_version(model), "applied_version",
					 (json_int_t)0, "last_error"));
		json_decref(key);
	}
	json_decref(names);
	return json_pack("{s:o, s:I}", "hosts", hosts, "version",
			 (json_int_t)ctrl_model_version(model));
}

static const struct ctrl_model *op_model(void)
{
	return model;
}

static const struct ctrl_nb_ops ops = {
	.txn = op_txn, .replace = op_replace, .status = op_status, .model = op_model};

/* The daemon's loop, reduced to the northbound. */
static void *serve(void *arg)
{
	struct pollfd p = {.fd = ctrl_nb_fd(), .events = POLLIN};

	(void)arg;
	while (!atomic_load(&server_stop)) {
		poll(&p, 1, 20);
		ctrl_nb_run();
	}
	return NULL;
}

/* A port nobody listens on right now: bind to port 0, read it, close. */
static int free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int group_setup(void **state)
{
	char err[CTRL_ERR_SIZE], listen[64];
	int rc = -EADDRINUSE;

	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	model = ctrl_model_new();
	if (model == NULL)
		return -1;
	for (int i = 0; i < 10 && rc == -EADDRINUSE; i++) {
		int port = free_port();

		snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
		snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%d", port);
		rc = ctrl_nb_start(listen, &ops, NULL, err);
	}
	if (rc != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return pthread_create(&server, NULL, serve, NULL) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	atomic_store(&server_stop, true);
	pthread_join(server, NULL);
	ctrl_nb_stop();
	ctrl_model_free(model);
	curl_global_cleanup();
	return 0;
}

/* ---- the client's side ---- */

struct reply {
	long status;
	json_t *body;
	char allow[64], etag[32], location[256];
};

struct buf {
	char *data;
	size_t size;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	char *d = realloc(b->data, b->size + size * n + 1);

	if (d == NULL)
		return 0;
	memcpy(d + b->size, p, size * n);
	b->data = d;
	b->size += size * n;
	d[b->size] = '\0';
	return size * n;
}

/* The value of header `name` in line, into out. */
static void header_value(const char *line, size_t len, const char *name, char *out, size_t size)
{
	size_t n = strlen(name);

	if (len <= n + 1 || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return;
	line += n + 1;
	len -= n + 1;
	while (len > 0 && *line == ' ')
		line++, len--;
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	snprintf(out, size, "%.*s", (int)len, line);
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;

	header_value(p, size * n, "Allow", r->allow, sizeof(r->allow));
	header_value(p, size * n, "ETag", r->etag, sizeof(r->etag));
	header_value(p, size * n, "Location", r->location, sizeof(r->location));
	return size * n;
}

/* A chunked upload of `left` bytes of 'x' (no Content-Length: the server learns the size
 * only as it reads). */
static size_t on_read(char *p, size_t size, size_t n, void *arg)
{
	size_t *left = arg, k = size * n < *left ? size * n : *left;

	memset(p, 'x', k);
	*left -= k;
	return k;
}

/* One request: body (size bytes) sent with ctype when not NULL; extra: one more header.
 * chunked: instead of body, that many bytes chunked. The reply's body parsed into r->body. */
static long http_full(const char *method, const char *path, const char *ctype, const char *body,
		      size_t size, const char *extra, size_t chunked, struct reply *r)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	struct buf b = {0};
	char url[512], ct[128];
	CURLcode cc;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", base_url, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	snprintf(ct, sizeof(ct), "Content-Type: %s", ctype != NULL ? ctype : "");
	hdrs = curl_slist_append(hdrs, ct);
	if (extra != NULL)
		hdrs = curl_slist_append(hdrs, extra);
	if (chunked > 0) {
		hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, &chunked);
	} else if (body != NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	else
		fprintf(stderr, "curl %s %s: %s\n", method, path, curl_easy_strerror(cc));
	if (b.size > 0)
		r->body = json_loadb(b.data, b.size, 0, NULL);
	free(b.data);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return r->status;
}

static long http(const char *method, const char *path, const char *json, struct reply *r)
{
	return http_full(method, path, json != NULL ? "application/json" : NULL, json,
			 json != NULL ? strlen(json) : 0, NULL, 0, r);
}

/* A request whose reply is not looked at beyond its status. */
static long status_of(const char *method, const char *path, const char *json)
{
	struct reply r;
	long s = http(method, path, json, &r);

	json_decref(r.body);
	return s;
}

static const char *error_of(const struct reply *r)
{
	return json_string_value(json_object_get(r->body, "error"));
}

static const char *code_of(const struct reply *r)
{
	return json_string_value(json_object_get(r->body, "code"));
}

static json_t *get_state(void)
{
	struct reply r;

	assert_int_equal(http("GET", "/v1/state", NULL, &r), 200);
	assert_non_null(r.body);
	return r.body;
}

static void assert_state_is(const json_t *want)
{
	json_t *now = get_state();

	if (!json_equal(now, want)) {
		char *a = json_dumps(want, JSON_SORT_KEYS), *b = json_dumps(now, JSON_SORT_KEYS);

		fprintf(stderr, "want %s\nhave %s\n", a, b);
		free(a);
		free(b);
	}
	assert_true(json_equal(now, want));
	json_decref(now);
}

#define HOST1 "{\"name\": \"h1\", \"vtep\": \"192.0.2.1\"}"
#define HOST2 "{\"name\": \"h2\", \"vtep\": \"192.0.2.2\"}"
#define VPC "{\"name\": \"blue\", \"vni\": 100}"
#define SUBNET                                                                                  \
	"{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\", "             \
	"\"gateway_mac\": \"02:00:00:00:00:01\"}"
#define PORT(name, mac, ip, host)                                                               \
	"{\"name\": \"" name "\", \"vpc\": \"blue\", \"mac\": \"" mac "\", \"ips\": [\"" ip      \
	"\"], \"socket\": \"/run/vpcswitch/vhost/" name ".sock\", \"host\": \"" host "\"}"

/* Two hosts, a VPC, a subnet, a port on h1: each POST is 201. */
static void seed(void)
{
	assert_int_equal(status_of("POST", "/v1/hosts", HOST1), 201);
	assert_int_equal(status_of("POST", "/v1/hosts", HOST2), 201);
	assert_int_equal(status_of("POST", "/v1/vpcs", VPC), 201);
	assert_int_equal(status_of("POST", "/v1/subnets", SUBNET), 201);
	assert_int_equal(
		status_of("POST", "/v1/ports", PORT("vm1", "52:54:00:00:00:01", "10.0.0.11", "h1")),
		201);
}

static int empty_state(void **state)
{
	(void)state;
	return status_of("PUT", "/v1/state", "{}") == 200 ? 0 : -1;
}

/* ---- invalid requests ---- */

static void unknown_path_is_404(void **state)
{
	struct reply r;

	(void)state;
	assert_int_equal(http("GET", "/v1/nothing", NULL, &r), 404);
	assert_string_equal(code_of(&r), "not_found");
	json_decref(r.body);
	assert_int_equal(status_of("GET", "/v2/vpcs", NULL), 404);
	assert_int_equal(status_of("GET", "/v1/state/x", NULL), 404);
	assert_int_equal(status_of("GET", "/v1/routes/blue", NULL), 404);
	assert_int_equal(status_of("GET", "/v1/vpcs/blue", NULL), 404);
	assert_int_equal(status_of("GET", "/v1/subnets/blue", NULL), 404);
	assert_int_equal(status_of("DELETE", "/v1/ports/vm1", NULL), 404);
}

static void wrong_method_is_405_with_allow(void **state)
{
	struct reply r;

	(void)state;
	assert_int_equal(http("DELETE", "/v1/state", NULL, &r), 405);
	assert_string_equal(r.allow, "GET, PUT");
	json_decref(r.body);
	assert_int_equal(http("POST", "/v1/status", "{}", &r), 405);
	assert_string_equal(r.allow, "GET");
	json_decref(r.body);
	assert_int_equal(status_of("GET", "/v1/txn", NULL), 405);
	assert_int_equal(status_of("POST", "/v1/vpcs/blue", VPC), 405);
	assert_int_equal(status_of("PATCH", "/v1/vpcs", VPC), 405);
}

static void wrong_content_type_is_415_and_changes_nothing(void **state)
{
	struct reply r;
	json_t *before = get_state();

	(void)state;
	assert_int_equal(http_full("POST", "/v1/vpcs", "text/plain", VPC, strlen(VPC), NULL, 0, &r),
			 415);
	assert_string_equal(code_of(&r), "unsupported_media_type");
	json_decref(r.body);
	assert_int_equal(http_full("PUT", "/v1/state", NULL, "{}", 2, NULL, 0, &r), 415);
	json_decref(r.body);
	assert_state_is(before);
	/* Parameters are allowed. */
	assert_int_equal(http_full("POST", "/v1/vpcs", "application/json; charset=utf-8", VPC,
				   strlen(VPC), NULL, 0, &r),
			 201);
	json_decref(r.body);
	json_decref(before);
}

static void oversized_body_is_413_and_changes_nothing(void **state)
{
	size_t size = (16u << 20) + 1;
	char *big = malloc(size);
	json_t *before;
	struct reply r;

	(void)state;
	assert_non_null(big);
	seed();
	before = get_state();
	/* Announced by Content-Length: refused before the body is read. */
	memset(big, ' ', size);
	memcpy(big, VPC, strlen(VPC));
	assert_int_equal(http_full("PUT", "/v1/state", "application/json", big, size, NULL, 0, &r),
			 413);
	assert_string_equal(code_of(&r), "too_big");
	json_decref(r.body);
	/* Chunked: refused once the limit is crossed while reading. */
	assert_int_equal(http_full("PUT", "/v1/state", "application/json", NULL, 0, NULL, size, &r),
			 413);
	json_decref(r.body);
	/* The server still serves, and nothing changed. */
	assert_state_is(before);
	json_decref(before);
	free(big);
}

static void malformed_json_is_400_with_its_position(void **state)
{
	struct reply r;

	(void)state;
	assert_int_equal(http("POST", "/v1/vpcs", "{\"name\": \"blue\",", &r), 400);
	assert_string_equal(code_of(&r), "bad_request");
	assert_non_null(strstr(error_of(&r), "line 1"));
	json_decref(r.body);
	assert_int_equal(http("POST", "/v1/vpcs", "{\"name\": \"a\", \"name\": \"b\"}", &r), 400);
	assert_non_null(strstr(error_of(&r), "name"));
	json_decref(r.body);
	assert_int_equal(status_of("POST", "/v1/vpcs", "[]"), 400);
	assert_int_equal(status_of("POST", "/v1/vpcs", ""), 400);
	assert_int_equal(status_of("POST", "/v1/txn", "{\"ops\": 3}"), 400);
}

static void bad_field_is_400_naming_it_and_changes_nothing(void **state)
{
	json_t *before;
	struct reply r;

	(void)state;
	seed();
	before = get_state();
	assert_int_equal(
		http("POST", "/v1/ports", PORT("vm2", "not-a-mac", "10.0.0.12", "h1"), &r), 400);
	assert_string_equal(code_of(&r), "invalid");
	assert_non_null(strstr(error_of(&r), "port.mac"));
	json_decref(r.body);
	assert_int_equal(http("POST", "/v1/hosts", "{\"name\": \"h3\", \"vtep\": \"nowhere\"}", &r),
			 400);
	assert_non_null(strstr(error_of(&r), "vtep"));
	json_decref(r.body);
	/* A transaction whose second op is bad: its first is not applied either. */
	assert_int_equal(
		http("POST", "/v1/txn",
		     "{\"ops\": [{\"op\": \"insert\", \"table\": \"vpc\", \"row\": {\"name\": "
		     "\"red\", \"vni\": 200}}, {\"op\": \"insert\", \"table\": \"vpc\", \"row\": "
		     "{\"name\": \"green\", \"vni\": 0}}]}",
		     &r),
		400);
	assert_non_null(strstr(error_of(&r), "ops[1]"));
	assert_non_null(strstr(error_of(&r), "vni"));
	json_decref(r.body);
	assert_state_is(before);
	json_decref(before);
}

static void duplicate_and_busy_are_409(void **state)
{
	struct reply r;

	(void)state;
	seed();
	assert_int_equal(http("POST", "/v1/vpcs", VPC, &r), 409);
	assert_string_equal(code_of(&r), "exists");
	json_decref(r.body);
	/* Still referenced: the subnet holds vm1's address. */
	assert_int_equal(http("DELETE", "/v1/subnets/blue/10.0.0.0%2F24", NULL, &r), 409);
	assert_string_equal(code_of(&r), "busy");
	json_decref(r.body);
}

/* ---- the normal path ---- */

static void rows_created_are_read_back(void **state)
{
	struct reply r;
	json_int_t first;
	char etag[32];
	json_t *rows;

	(void)state;
	assert_int_equal(http("POST", "/v1/hosts", HOST1, &r), 201);
	assert_string_equal(r.location, "/v1/hosts/h1");
	first = json_integer_value(json_object_get(r.body, "version"));
	assert_true(first > 0);
	json_decref(r.body);
	assert_int_equal(status_of("POST", "/v1/hosts", HOST2), 201);
	assert_int_equal(status_of("POST", "/v1/vpcs", VPC), 201);
	assert_int_equal(http("POST", "/v1/subnets", SUBNET, &r), 201);
	assert_string_equal(r.location, "/v1/subnets/blue/10.0.0.0%2F24");
	json_decref(r.body);
	assert_int_equal(
		http("POST", "/v1/ports", PORT("vm1", "52:54:00:00:00:01", "10.0.0.11", "h1"), &r),
		201);
	/* One version per write; the ETag is the version. */
	assert_int_equal(json_integer_value(json_object_get(r.body, "version")), first + 4);
	snprintf(etag, sizeof(etag), "\"%lld\"", (long long)first + 4);
	assert_string_equal(r.etag, etag);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r.body, "row"),
							      "host")),
			    "h1");
	json_decref(r.body);

	assert_int_equal(http("GET", "/v1/hosts/h1", NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.body, "vtep")), "192.0.2.1");
	json_decref(r.body);
	assert_int_equal(http("GET", "/v1/vpcs/blue", NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r.body, "vni")), 100);
	json_decref(r.body);
	/* The CIDR's '/' escaped or not. */
	assert_int_equal(http("GET", "/v1/subnets/blue/10.0.0.0%2F24", NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.body, "gateway")), "10.0.0.1");
	json_decref(r.body);
	assert_int_equal(status_of("GET", "/v1/subnets/blue/10.0.0.0/24", NULL), 200);
	assert_int_equal(http("GET", "/v1/ports/vm1", NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.body, "host")), "h1");
	assert_string_equal(json_string_value(json_object_get(r.body, "mac")), "52:54:00:00:00:01");
	json_decref(r.body);

	assert_int_equal(http("GET", "/v1/ports", NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.body, "table")), "ports");
	assert_int_equal(json_array_size(json_object_get(r.body, "rows")), 1);
	json_decref(r.body);
	assert_int_equal(http("GET", "/v1/ports?host=h2", NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.body, "rows")), 0);
	json_decref(r.body);
	/* a filter that keeps what matches, not one that drops everything */
	assert_int_equal(http("GET", "/v1/ports?host=h1", NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.body, "rows")), 1);
	json_decref(r.body);
	assert_int_equal(http("GET", "/v1/hosts", NULL, &r), 200);
	rows = json_object_get(r.body, "rows");
	assert_int_equal(json_array_size(rows), 2);
	json_decref(r.body);
}

static void put_modifies_the_row_named_by_the_path(void **state)
{
	struct reply r;
	char row[] = "{\"vpc\": \"blue\", \"mac\": \"52:54:00:00:00:01\", \"ips\": [\"10.0.0.11\"], "
		     "\"socket\": \"/run/vpcswitch/vhost/vm1.sock\", \"host\": \"h2\"}";

	(void)state;
	seed();
	/* The row may leave out its name: the path gives it. */
	assert_int_equal(http("PUT", "/v1/ports/vm1", row, &r), 200);
	json_decref(r.body);
	assert_int_equal(http("GET", "/v1/ports/vm1", NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.body, "host")), "h2");
	json_decref(r.body);
	/* A name that is not the path's. */
	assert_int_equal(http("PUT", "/v1/ports/vm1",
			      PORT("vm9", "52:54:00:00:00:01", "10.0.0.11", "h1"), &r),
			 400);
	assert_non_null(strstr(error_of(&r), "port.name"));
	json_decref(r.body);
	/* No such row. */
	assert_int_equal(status_of("PUT", "/v1/ports/vm9",
				   PORT("vm9", "52:54:00:00:00:09", "10.0.0.19", "h1")),
			 404);
	/* A composite key: PUT on the collection with the whole row. */
	assert_int_equal(status_of("PUT", "/v1/subnets",
				   "{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": "
				   "\"10.0.0.1\", \"gateway_mac\": \"02:00:00:00:00:02\"}"),
			 200);
	assert_int_equal(http("GET", "/v1/subnets/blue/10.0.0.0%2F24", NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.body, "gateway_mac")),
			    "02:00:00:00:00:02");
	json_decref(r.body);
}

static void deleted_row_is_404(void **state)
{
	(void)state;
	seed();
	assert_int_equal(status_of("DELETE", "/v1/ports/vm1", NULL), 200);
	assert_int_equal(status_of("GET", "/v1/ports/vm1", NULL), 404);
	assert_int_equal(status_of("DELETE", "/v1/ports/vm1", NULL), 404);
	/* A composite key: DELETE on the collection with the key members. */
	assert_int_equal(
		status_of("DELETE", "/v1/subnets", "{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\"}"),
		200);
	assert_int_equal(status_of("GET", "/v1/subnets/blue/10.0.0.0%2F24", NULL), 404);
	assert_int_equal(status_of("DELETE", "/v1/vpcs/blue", NULL), 200);
	assert_int_equal(status_of("GET", "/v1/vpcs/blue", NULL), 404);
}

static void txn_applies_every_op_at_once(void **state)
{
	struct reply r;
	json_int_t before;

	(void)state;
	seed();
	assert_int_equal(http("GET", "/v1/status", NULL, &r), 200);
	before = json_integer_value(json_object_get(r.body, "version"));
	json_decref(r.body);
	assert_int_equal(
		http("POST", "/v1/txn",
		     "{\"ops\": [{\"op\": \"insert\", \"table\": \"vpc\", \"row\": {\"name\": "
		     "\"red\", \"vni\": 200}}, {\"op\": \"modify\", \"table\": \"port\", \"row\": "
		     PORT("vm1", "52:54:00:00:00:01", "10.0.0.11", "h2") "}]}",
		     &r),
		200);
	assert_int_equal(json_integer_value(json_object_get(r.body, "version")), before + 1);
	json_decref(r.body);
	assert_int_equal(status_of("GET", "/v1/vpcs/red", NULL), 200);
	assert_int_equal(http("GET", "/v1/ports/vm1", NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.body, "host")), "h2");
	json_decref(r.body);
}

static void state_put_round_trips_to_get(void **state)
{
	json_t *a, *empty;
	char *text;
	struct reply r;

	(void)state;
	seed();
	a = get_state();
	text = json_dumps(a, 0);
	/* The same state again: no change. */
	assert_int_equal(http("PUT", "/v1/state", text, &r), 200);
	json_decref(r.body);
	assert_state_is(a);
	/* Everything away, then back. */
	assert_int_equal(status_of("PUT", "/v1/state", "{}"), 200);
	empty = get_state();
	assert_int_equal(json_array_size(json_object_get(empty, "ports")), 0);
	assert_int_equal(json_array_size(json_object_get(empty, "hosts")), 0);
	json_decref(empty);
	assert_int_equal(status_of("PUT", "/v1/state", text), 200);
	assert_state_is(a);
	/* A refused document changes nothing. */
	assert_int_equal(http("PUT", "/v1/state", "{\"vpcs\": [{\"name\": \"x\"}], \"hosts\": 1}",
			      &r),
			 400);
	json_decref(r.body);
	assert_state_is(a);
	free(text);
	json_decref(a);
}

static void status_lists_every_host(void **state)
{
	struct reply r;
	json_t *hosts;

	(void)state;
	seed();
	assert_int_equal(http("GET", "/v1/status", NULL, &r), 200);
	hosts = json_object_get(r.body, "hosts");
	assert_int_equal(json_array_size(hosts), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hosts, 0), "name")),
			    "h1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(hosts, 1), "vtep")),
			    "192.0.2.2");
	json_decref(r.body);
}

/* ---- edge cases ---- */

static void stale_if_match_is_409(void **state)
{
	struct reply r;
	char if_match[64];

	(void)state;
	seed();
	assert_int_equal(http("GET", "/v1/ports/vm1", NULL, &r), 200);
	snprintf(if_match, sizeof(if_match), "If-Match: %s", r.etag);
	json_decref(r.body);
	/* The version it was read at: accepted. */
	assert_int_equal(http_full("PUT", "/v1/ports/vm1", "application/json",
				   PORT("vm1", "52:54:00:00:00:01", "10.0.0.11", "h2"),
				   strlen(PORT("vm1", "52:54:00:00:00:01", "10.0.0.11", "h2")),
				   if_match, 0, &r),
			 200);
	json_decref(r.body);
	/* The same again: the state moved on since. */
	assert_int_equal(http_full("PUT", "/v1/ports/vm1", "application/json",
				   PORT("vm1", "52:54:00:00:00:01", "10.0.0.11", "h1"),
				   strlen(PORT("vm1", "52:54:00:00:00:01", "10.0.0.11", "h1")),
				   if_match, 0, &r),
			 409);
	assert_string_equal(code_of(&r), "stale");
	json_decref(r.body);
}

static void security_group_by_path(void **state)
{
	(void)state;
	seed();
	assert_int_equal(status_of("POST", "/v1/security_groups",
				   "{\"vpc\": \"blue\", \"name\": \"web\"}"),
			 201);
	assert_int_equal(status_of("POST", "/v1/security_group_rules",
				   "{\"vpc\": \"blue\", \"group\": \"web\", \"direction\": "
				   "\"ingress\", \"protocol\": \"tcp\", \"ports\": \"80\"}"),
			 201);
	assert_int_equal(status_of("GET", "/v1/security_groups/blue/web", NULL), 200);
	assert_int_equal(status_of("DELETE", "/v1/security_group_rules",
				   "{\"vpc\": \"blue\", \"group\": \"web\", \"direction\": "
				   "\"ingress\", \"protocol\": \"tcp\", \"ports\": \"80\"}"),
			 200);
	assert_int_equal(status_of("DELETE", "/v1/security_groups/blue/web", NULL), 200);
	assert_int_equal(status_of("GET", "/v1/security_groups/blue/web", NULL), 404);
}

#define T(f) cmocka_unit_test_setup(f, empty_state)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(unknown_path_is_404),
		T(wrong_method_is_405_with_allow),
		T(wrong_content_type_is_415_and_changes_nothing),
		T(oversized_body_is_413_and_changes_nothing),
		T(malformed_json_is_400_with_its_position),
		T(bad_field_is_400_naming_it_and_changes_nothing),
		T(duplicate_and_busy_are_409),
		T(rows_created_are_read_back),
		T(put_modifies_the_row_named_by_the_path),
		T(deleted_row_is_404),
		T(txn_applies_every_op_at_once),
		T(state_put_round_trips_to_get),
		T(status_lists_every_host),
		T(stale_if_match_is_409),
		T(security_group_by_path),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
