/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpcctl --controller URL: the same commands, sent to vpc-controller's HTTP API
 * (docs/controller-api.yaml) instead of a switch's socket. The commands build their rows as
 * they always do; vpcctl_call hands the request here, which carries it as HTTP: a txn to
 * POST /v1/txn, a dump to GET /v1/<table> or /v1/state, a sync (apply -f) to PUT /v1/state.
 * The controller's own commands (host ..., port move, show state, show hosts) live here too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "sb_proto.h"
#include "vpcctl.h"
#include "vpcctl_print.h"

const char *vpcctl_controller_url;
struct vpcctl_tls vpcctl_controller_tls;

struct http_buf {
	char *data;
	size_t size;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct http_buf *b = arg;
	char *d = realloc(b->data, b->size + size * n + 1);

	if (d == NULL)
		return 0;
	memcpy(d + b->size, p, size * n);
	b->data = d;
	b->size += size * n;
	d[b->size] = '\0';
	return size * n;
}

/* The ETag of the reply: the model's version, sent back as If-Match by a read-modify-write. */
static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	char *etag = arg;
	size_t len = size * n;

	if (etag != NULL && len > 5 && strncasecmp(p, "ETag:", 5) == 0) {
		p += 5;
		len -= 5;
		while (len > 0 && *p == ' ')
			p++, len--;
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n'))
			len--;
		snprintf(etag, 32, "%.*s", (int)len, p);
	}
	return size * n;
}

/* The controller's refusal, printed: its "error" message, else the HTTP status. */
static void print_http_error(long status, const json_t *body)
{
	const char *msg = json_string_value(json_object_get(body, "error"));

	if (msg != NULL)
		fprintf(stderr, "vpcctl: %s\n", msg);
	else
		fprintf(stderr, "vpcctl: the controller answered HTTP %ld\n", status);
}

/**
 * One HTTP request to the controller. body (not taken) is sent as JSON when not NULL;
 * if_match, when not NULL, is sent as If-Match and etag (32 bytes) receives the reply's.
 * Returns 0 with the reply's JSON in *reply (NULL if it had none), or 1 after printing why
 * (*code, when not NULL, then holds the controller's error code or "").
 */
static int ctrl_http(const char *method, const char *path, const json_t *body,
		     const char *if_match, char *etag, json_t **reply, char *code)
{
	struct curl_slist *hdrs = NULL;
	struct http_buf b = {0};
	char url[1024], hdr[64], *text = NULL;
	json_t *j = NULL;
	long status = 0;
	CURLcode cc;
	CURL *h;
	size_t base;

	*reply = NULL;
	if (code != NULL)
		code[0] = '\0';
	h = curl_easy_init();
	if (h == NULL) {
		fprintf(stderr, "vpcctl: cannot start an HTTP client\n");
		return 1;
	}
	base = strlen(vpcctl_controller_url);
	while (base > 0 && vpcctl_controller_url[base - 1] == '/')
		base--;
	snprintf(url, sizeof(url), "%.*s%s", (int)base, vpcctl_controller_url, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (vpcctl_controller_tls.cert != NULL)
		curl_easy_setopt(h, CURLOPT_SSLCERT, vpcctl_controller_tls.cert);
	if (vpcctl_controller_tls.key != NULL)
		curl_easy_setopt(h, CURLOPT_SSLKEY, vpcctl_controller_tls.key);
	if (vpcctl_controller_tls.ca != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, vpcctl_controller_tls.ca);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, etag);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 300L); /* a whole topology's apply may take a while */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (body != NULL) {
		text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (text == NULL) {
			fprintf(stderr, "vpcctl: out of memory\n");
			goto fail;
		}
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(text));
	}
	if (if_match != NULL) {
		snprintf(hdr, sizeof(hdr), "If-Match: %s", if_match);
		hdrs = curl_slist_append(hdrs, hdr);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		fprintf(stderr, "vpcctl: cannot reach the controller at %s: %s\n",
			vpcctl_controller_url, curl_easy_strerror(cc));
		goto fail;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (b.size > 0)
		j = json_loadb(b.data, b.size, 0, NULL);
	if (status < 200 || status >= 300) {
		print_http_error(status, j);
		if (code != NULL)
			snprintf(code, 32, "%s", json_string_value(json_object_get(j, "code"))
							 ?: "");
		json_decref(j);
		goto fail;
	}
	if (b.size > 0 && j == NULL) {
		fprintf(stderr, "vpcctl: the controller's reply to %s %s is not JSON\n", method,
			path);
		goto fail;
	}
	*reply = j;
	free(text);
	free(b.data);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return 0;
fail:
	free(text);
	free(b.data);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return 1;
}

/* A switch table's name ("vpc", "dhcp_options") as the API's collection ("vpcs"). */
static void collection_of(const char *table, char *out, size_t size)
{
	size_t len = strlen(table);

	snprintf(out, size, "%s%s", table, len > 0 && table[len - 1] == 's' ? "" : "s");
}

/* A dump of one table, or of everything. */
static int ctrl_dump(const json_t *body, json_t **reply)
{
	const char *table = json_string_value(json_object_get(body, "table"));
	char path[128];

	if (table == NULL)
		return ctrl_http("GET", "/v1/state", NULL, NULL, NULL, reply, NULL);
	if (strcmp(table, "remote") == 0 || strcmp(table, "remotes") == 0) {
		fprintf(stderr, "vpcctl: the controller has no remote table: it derives each "
				"host's remotes from the ports' hosts\n");
		return 1;
	}
	snprintf(path, sizeof(path), "/v1/");
	collection_of(table, path + 4, sizeof(path) - 4);
	return ctrl_http("GET", path, NULL, NULL, NULL, reply, NULL);
}

int vpcctl_ctrl_call(uint8_t type, json_t *body, json_t **reply)
{
	const char *kind;
	int rc;

	*reply = NULL;
	switch (type) {
	case SB_TXN: rc = ctrl_http("POST", "/v1/txn", body, NULL, NULL, reply, NULL); break;
	case SB_SYNC:
		rc = ctrl_http("PUT", "/v1/state", json_object_get(body, "state"), NULL, NULL, reply,
			       NULL);
		break;
	case SB_DUMP_REQUEST: rc = ctrl_dump(body, reply); break;
	case SB_STATS_REQUEST:
		/* sg show asks for the rules with their hit counts: the controller has the rules,
		 * not the counts (they are each switch's). */
		kind = json_string_value(json_object_get(body, "kind"));
		if (kind != NULL && strcmp(kind, "sg_rules") == 0) {
			rc = ctrl_http("GET", "/v1/security_group_rules", NULL, NULL, NULL, reply,
				       NULL);
			if (rc == 0)
				json_object_set(*reply, "rules", json_object_get(*reply, "rows"));
			break;
		}
		/* fall through */
	default:
		fprintf(stderr, "vpcctl: this command asks a switch (its counters, traces or "
				"captures); run it with -s SOCKET on the host, not with --controller\n");
		rc = 1;
		break;
	}
	json_decref(body);
	return rc;
}

/* ---- the controller's own commands ---- */

static int host_edit(const char *op, int argc, char **argv)
{
	static const char *const strs[] = {"vtep", NULL};
	static const char *const none[] = {NULL};
	json_t *row = json_pack("{s:s}", "name", argv[0]);

	if (vpcctl_pairs(argc - 1, argv + 1, row, strs, none) != 0) {
		json_decref(row);
		return 2;
	}
	return vpcctl_txn_one(op, "host", row);
}

static int host_add(int argc, char **argv)
{
	return host_edit("insert", argc, argv);
}

static int host_set(int argc, char **argv)
{
	return host_edit("modify", argc, argv);
}

static int host_del(int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "vpcctl: usage: host del NAME\n");
		return 2;
	}
	return vpcctl_txn_one("delete", "host", json_pack("{s:s}", "name", argv[0]));
}

/* The port's row read, its host changed, written back at the version it was read at: a
 * concurrent change in between makes the write stale (409), and the move starts over. */
static int port_move(int argc, char **argv)
{
	char path[128], etag[32], code[32];
	json_t *row = NULL, *reply = NULL;
	int rc = 1;

	if (argc != 3 || strcmp(argv[1], "host") != 0) {
		fprintf(stderr, "vpcctl: usage: port move NAME host HOST\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/v1/ports/%s", argv[0]);
	for (int attempt = 0; attempt < 3; attempt++) {
		etag[0] = '\0';
		if (ctrl_http("GET", path, NULL, NULL, etag, &row, NULL) != 0)
			return 1;
		json_object_set_new(row, "host", json_string(argv[2]));
		rc = ctrl_http("PUT", path, row, etag[0] != '\0' ? etag : NULL, NULL, &reply, code);
		json_decref(row);
		if (rc == 0 || strcmp(code, "stale") != 0)
			break;
	}
	if (rc == 0 && print_json)
		print_object(reply);
	json_decref(reply);
	return rc;
}

static int show_state(int argc, char **argv)
{
	json_t *reply = NULL;
	char *s;

	(void)argc;
	(void)argv;
	if (ctrl_http("GET", "/v1/state", NULL, NULL, NULL, &reply, NULL) != 0)
		return 1;
	s = json_dumps(reply, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", s != NULL ? s : "null");
	free(s);
	json_decref(reply);
	return 0;
}

static int show_hosts(int argc, char **argv)
{
	static const struct print_col cols[] = {
		{"HOST", "name"},		 {"VTEP", "vtep"},
		{"CONNECTED", "connected"},	 {"IN_SYNC", "in_sync"},
		{"DESIRED", "desired_version"}, {"APPLIED", "applied_version"},
		{"LAST_ERROR", "last_error"},	 {NULL, NULL}};
	json_t *reply = NULL;

	(void)argc;
	(void)argv;
	if (ctrl_http("GET", "/v1/status", NULL, NULL, NULL, &reply, NULL) != 0)
		return 1;
	if (print_json)
		print_object(reply);
	else
		print_rows(cols, json_object_get(reply, "hosts"));
	json_decref(reply);
	return 0;
}

static const struct vpcctl_cmd ctrl_cmds[] = {
	{"host", "add", 1, host_add, "host add NAME vtep IP   (a switch's host, by its VTEP)"},
	{"host", "set", 1, host_set, "host set NAME vtep IP"},
	{"host", "del", 1, host_del, "host del NAME   (after its ports moved away)"},
	{"port", "move", 1, port_move, "port move NAME host HOST   (migration)"},
	{"show", "state", 0, show_state, "show state   (the whole desired state)"},
	{"show", "hosts", 0, show_hosts,
	 "show hosts   (per host: connected, in sync, desired and applied version)"},
};

/* The commands that keep their own connection to a switch (events, file descriptors). */
static const char *const switch_only[] = {"monitor", "trace", "capture"};

int vpcctl_ctrl_dispatch(int argc, char **argv)
{
	const struct vpcctl_cmd *c =
		vpcctl_cmd_find(ctrl_cmds, sizeof(ctrl_cmds) / sizeof(ctrl_cmds[0]), argc, argv);

	if (c != NULL && vpcctl_controller_url == NULL) {
		fprintf(stderr, "vpcctl: %s %s needs --controller URL (or VPCCTL_CONTROLLER)\n",
			c->object, c->verb);
		return 2;
	}
	if (c != NULL)
		return vpcctl_cmd_run(c, argc, argv);
	if (vpcctl_controller_url == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(switch_only) / sizeof(switch_only[0]); i++)
		if (strcmp(argv[0], switch_only[i]) == 0) {
			fprintf(stderr, "vpcctl: %s talks to one switch: use -s SOCKET on its host, "
					"not --controller\n",
				argv[0]);
			return 2;
		}
	return -1;
}

void vpcctl_ctrl_usage(void)
{
	printf("with --controller URL (or VPCCTL_CONTROLLER), the commands that edit or show\n"
	       "desired state go to vpc-controller (port add/set also take host HOST), and:\n");
	for (size_t i = 0; i < sizeof(ctrl_cmds) / sizeof(ctrl_cmds[0]); i++)
		printf("  %s\n", ctrl_cmds[i].usage);
}
