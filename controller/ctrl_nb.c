/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The northbound API (docs/controller-api.yaml): HTTP + JSON on libmicrohttpd in external
 * epoll mode, so the controller's one event loop serves it (ctrl_nb.h). This file only
 * maps requests to the daemon's ops: every write is one ops->txn or ops->replace (which
 * validate, store and push), every read comes from ops->model() or ops->status(). It
 * checks the HTTP envelope (path, method, content type, size, JSON syntax) and nothing of
 * the rows, so that the one validation of the model names the field.
 */
#include "ctrl_nb.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "cfg.h"
#include "sb_proto.h"

/* The largest request body: a whole topology for PUT /v1/state fits well below it, and it
 * is the southbound's frame limit, so what the API accepts can always be sent on. */
#define NB_BODY_MAX (16u << 20)

/* A table as the API names it; path_keys: the key members a row's URL carries (none: the
 * row is addressed by a body on the collection). The last one takes the rest of the path,
 * so that a CIDR may come with its '/' escaped or not. */
struct nb_table {
	const char *plural, *singular;
	const char *path_keys[3];
};

static const struct nb_table nb_tables[] = {
	{"hosts", "host", {"name"}},
	{"vpcs", "vpc", {"name"}},
	{"subnets", "subnet", {"vpc", "cidr"}},
	{"security_groups", "security_group", {"vpc", "name"}},
	{"security_group_rules", "security_group_rule", {NULL}},
	{"ports", "port", {"name"}},
	{"dhcp_options", "dhcp_options", {NULL}},
	{"ecmp_groups", "ecmp_group", {NULL}},
	{"routes", "route", {NULL}},
	{"load_balancers", "load_balancer", {NULL}},
	{"lb_listeners", "lb_listener", {NULL}},
	{"lb_backends", "lb_backend", {NULL}},
};

enum nb_kind { NB_STATE, NB_STATUS, NB_TXN, NB_COLLECTION, NB_ROW };

/* What one request is after its headers: the resource, and the body as it arrives. */
struct nb_req {
	enum nb_kind kind;
	const struct nb_table *table;
	json_t *key; /* NB_ROW: the key members from the path */
	char *body;
	size_t size, cap;
	bool too_big; /* more than NB_BODY_MAX came: the rest is read and dropped, then 413 */
};

static struct MHD_Daemon *nb_daemon;
static bool nb_tls; /* HTTPS with client certificates */
static const struct ctrl_nb_ops *nb_ops;

/* ---- replies ---- */

static uint64_t nb_version(void)
{
	return ctrl_model_version(nb_ops->model());
}

/* Send body (taken) with status and, when name is not NULL, one more header. Successful
 * replies carry the model's version as ETag, the value a later write may send as If-Match. */
static enum MHD_Result nb_reply_hdr(struct MHD_Connection *c, unsigned int status, json_t *body,
				    bool close, const char *name, const char *value)
{
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char etag[32];

	json_decref(body);
	if (text == NULL)
		return MHD_NO; /* no memory: MHD closes the connection */
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (status < 400) {
		snprintf(etag, sizeof(etag), "\"%" PRIu64 "\"", nb_version());
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	}
	if (name != NULL)
		MHD_add_response_header(resp, name, value);
	/* An early reply (before the body was read) closes the connection: what is left of the
	 * body must not be read as the next request. */
	if (close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result nb_reply(struct MHD_Connection *c, unsigned int status, json_t *body,
				bool close)
{
	return nb_reply_hdr(c, status, body, close, NULL, NULL);
}

static enum MHD_Result nb_error(struct MHD_Connection *c, unsigned int status, const char *code,
				bool close, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static enum MHD_Result nb_error(struct MHD_Connection *c, unsigned int status, const char *code,
				bool close, const char *fmt, ...)
{
	char msg[CTRL_ERR_SIZE + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return nb_reply(c, status, json_pack("{s:s, s:s}", "error", msg, "code", code), close);
}

/* 405 with the methods the resource has. */
static enum MHD_Result nb_not_allowed(struct MHD_Connection *c, const char *method,
				      const char *allow)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "%s is not allowed here (allowed: %s)", method, allow);
	return nb_reply_hdr(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    json_pack("{s:s, s:s}", "error", msg, "code", "method_not_allowed"),
			    true, MHD_HTTP_HEADER_ALLOW, allow);
}

/* A refused write: the errno the daemon returned as status (its code is the southbound's),
 * its message as is. */
static enum MHD_Result nb_refused(struct MHD_Connection *c, int rc, const char *err)
{
	unsigned int status;

	switch (-rc) {
	case EINVAL: status = MHD_HTTP_BAD_REQUEST; break;
	case ENOENT: status = MHD_HTTP_NOT_FOUND; break;
	case EEXIST: case EBUSY: case ESTALE: case ENOSPC: status = MHD_HTTP_CONFLICT; break;
	case EAGAIN: status = MHD_HTTP_SERVICE_UNAVAILABLE; break;
	default: status = MHD_HTTP_INTERNAL_SERVER_ERROR; break;
	}
	return nb_error(c, status, sb_error_code(rc), false, "%s",
			err[0] != '\0' ? err : strerror(-rc));
}

/* ---- routing ---- */

static const struct nb_table *nb_table_find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(nb_tables) / sizeof(nb_tables[0]); i++)
		if (strlen(nb_tables[i].plural) == len && strncmp(nb_tables[i].plural, name, len) == 0)
			return &nb_tables[i];
	return NULL;
}


/* A path segment, percent-decoded (MHD decodes the path already; a segment it left
 * encoded, such as "%2F" in some versions, is decoded here). NULL: empty or malformed. */
static json_t *nb_segment(const char *s, size_t len)
{
	char buf[256];
	size_t n = 0;

	if (len == 0 || len >= sizeof(buf))
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && cfg_hex_digit(s[i + 1]) >= 0 && cfg_hex_digit(s[i + 2]) >= 0) {
			buf[n++] = (char)(cfg_hex_digit(s[i + 1]) << 4 | cfg_hex_digit(s[i + 2]));
			i += 2;
		} else {
			buf[n++] = s[i];
		}
	}
	buf[n] = '\0';
	if (n == 0 || memchr(buf, '\0', n) != NULL)
		return NULL;
	return json_string(buf);
}

/* The key members of a row's URL: "blue/10.0.0.0/24" for (vpc, cidr). false: not a row. */
static bool nb_path_key(const struct nb_table *t, const char *rest, json_t *key)
{
	size_t n_keys = 0;

	while (n_keys < 3 && t->path_keys[n_keys] != NULL)
		n_keys++;
	if (n_keys == 0)
		return false;
	for (size_t i = 0; i < n_keys; i++) {
		const char *slash = i + 1 < n_keys ? strchr(rest, '/') : NULL;
		size_t len = i + 1 < n_keys ? (slash != NULL ? (size_t)(slash - rest) : 0)
					    : strlen(rest);
		json_t *v = nb_segment(rest, len);

		if (v == NULL)
			return false;
		json_object_set_new(key, t->path_keys[i], v);
		rest += len + (slash != NULL);
	}
	return true;
}

/* Resolves url into r. Returns 0 or 404 when there is no such resource. */
static unsigned int nb_route(const char *url, struct nb_req *r)
{
	static const char *const singles[] = {"state", "status", "txn"};
	char path[1024];
	const char *seg, *slash;
	size_t len;

	if (strncmp(url, "/v1/", 4) != 0 || strlen(url) >= sizeof(path))
		return MHD_HTTP_NOT_FOUND;
	snprintf(path, sizeof(path), "%s", url + 4);
	len = strlen(path);
	if (len > 0 && path[len - 1] == '/')
		path[--len] = '\0';
	seg = path;
	slash = strchr(seg, '/');
	len = slash != NULL ? (size_t)(slash - seg) : strlen(seg);
	for (size_t i = 0; i < 3; i++)
		if (strlen(singles[i]) == len && strncmp(seg, singles[i], len) == 0) {
			r->kind = (enum nb_kind)i;
			return slash == NULL ? 0 : MHD_HTTP_NOT_FOUND;
		}
	r->table = nb_table_find(seg, len);
	if (r->table == NULL)
		return MHD_HTTP_NOT_FOUND;
	if (slash == NULL) {
		r->kind = NB_COLLECTION;
		return 0;
	}
	r->kind = NB_ROW;
	r->key = json_object();
	if (r->key == NULL || !nb_path_key(r->table, slash + 1, r->key))
		return MHD_HTTP_NOT_FOUND;
	return 0;
}

/* The methods of a resource, as the Allow header lists them. */
static const char *nb_allowed(enum nb_kind kind)
{
	switch (kind) {
	case NB_STATE: return "GET, PUT";
	case NB_STATUS: return "GET";
	case NB_TXN: return "POST";
	case NB_COLLECTION: return "GET, POST, PUT, DELETE";
	case NB_ROW: return "GET, PUT, DELETE";
	}
	return "";
}

static bool nb_method_allowed(enum nb_kind kind, const char *method)
{
	const char *allow = nb_allowed(kind);
	size_t len = strlen(method);

	for (const char *p = strstr(allow, method); p != NULL; p = strstr(p + 1, method))
		if ((p == allow || p[-1] == ' ') && (p[len] == '\0' || p[len] == ','))
			return true;
	return false;
}

static bool nb_has_body(const struct nb_req *r, const char *method)
{
	if (strcmp(method, "GET") == 0)
		return false;
	return !(r->kind == NB_ROW && strcmp(method, "DELETE") == 0);
}

/* "application/json", any case, optionally with parameters ("; charset=utf-8"). */
static bool nb_is_json(const char *ctype)
{
	static const char json[] = "application/json";

	if (ctype == NULL || strncasecmp(ctype, json, sizeof(json) - 1) != 0)
		return false;
	ctype += sizeof(json) - 1;
	return *ctype == '\0' || *ctype == ';' || *ctype == ' ' || *ctype == '\t';
}

/* The checks made once the headers are in: resource, method, content type, announced size.
 * Returns MHD_YES to go on reading, or the result of queueing the refusal. */
static enum MHD_Result nb_begin(struct MHD_Connection *c, const char *url, const char *method,
				struct nb_req *r)
{
	const char *clen;

	if (nb_route(url, r) != 0)
		return nb_error(c, MHD_HTTP_NOT_FOUND, "not_found", true, "no resource %s", url);
	if (!nb_method_allowed(r->kind, method))
		return nb_not_allowed(c, method, nb_allowed(r->kind));
	if (nb_has_body(r, method)) {
		const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								 MHD_HTTP_HEADER_CONTENT_TYPE);

		if (!nb_is_json(ctype))
			return nb_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
					true, "Content-Type: '%s' is not application/json",
					ctype != NULL ? ctype : "");
		clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						   MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (clen != NULL && strtoull(clen, NULL, 10) > NB_BODY_MAX)
			return nb_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too_big", true,
					"body: %s bytes is over the limit of %u", clen, NB_BODY_MAX);
	}
	return MHD_YES;
}

/* Appends a piece of the body, up to NB_BODY_MAX (beyond: too_big, the rest dropped). */
static bool nb_body_append(struct nb_req *r, const char *data, size_t size)
{
	if (r->too_big || size > NB_BODY_MAX - r->size) {
		r->too_big = true;
		return true;
	}
	if (r->size + size + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *b;

		while (cap < r->size + size + 1)
			cap *= 2;
		b = realloc(r->body, cap);
		if (b == NULL)
			return false;
		r->body = b;
		r->cap = cap;
	}
	memcpy(r->body + r->size, data, size);
	r->size += size;
	return true;
}

/* The body as a JSON object (new reference), or NULL with the reply queued in *ret. */
static json_t *nb_body_json(struct MHD_Connection *c, const struct nb_req *r,
			    enum MHD_Result *ret)
{
	json_error_t je;
	json_t *j;

	if (r->size == 0) {
		*ret = nb_error(c, MHD_HTTP_BAD_REQUEST, "bad_request", false,
				"body: a JSON object is required");
		return NULL;
	}
	j = json_loadb(r->body, r->size, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		*ret = nb_error(c, MHD_HTTP_BAD_REQUEST, "bad_request", false,
				"body: line %d column %d (byte %d): %s", je.line, je.column,
				je.position, je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		*ret = nb_error(c, MHD_HTTP_BAD_REQUEST, "bad_request", false,
				"body: must be a JSON object");
		return NULL;
	}
	return j;
}

/* If-Match: the version a write was prepared against ("N", N or *); another is 409 stale,
 * so that read-modify-write (vpcctl port move) loses no concurrent change. */
static bool nb_precondition(struct MHD_Connection *c, enum MHD_Result *ret)
{
	const char *m = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MATCH);
	uint64_t now = nb_version();
	char *end;
	unsigned long long want;

	if (m == NULL || strcmp(m, "*") == 0)
		return true;
	want = strtoull(m + (*m == '"'), &end, 10);
	if (end == m + (*m == '"') || (*m == '"' ? strcmp(end, "\"") : strcmp(end, "")) != 0) {
		*ret = nb_error(c, MHD_HTTP_BAD_REQUEST, "bad_request", false,
				"If-Match: '%s' is not a version", m);
		return false;
	}
	if (want != now) {
		*ret = nb_error(c, MHD_HTTP_CONFLICT, "stale", false,
				"If-Match: version %llu is not the current version %" PRIu64, want,
				now);
		return false;
	}
	return true;
}

/* ---- reads ---- */

struct nb_filter {
	json_t *rows, *out;
	bool bad;
};

/* Each query argument ?member=value keeps the rows whose string member equals value. */
static enum MHD_Result nb_filter_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	struct nb_filter *f = cls;
	json_t *keep = json_array();
	json_t *row;
	size_t i;

	(void)kind;
	if (keep == NULL) {
		f->bad = true;
		return MHD_NO;
	}
	json_array_foreach(f->out, i, row)
	{
		const char *v = json_string_value(json_object_get(row, key));

		if (v != NULL && value != NULL && strcmp(v, value) == 0)
			json_array_append(keep, row);
	}
	json_decref(f->out);
	f->out = keep;
	return MHD_YES;
}

/* 404 naming the key: "no port with name 'vm9'", "no subnet with vpc 'blue', cidr '...'". */
static enum MHD_Result nb_no_row(struct MHD_Connection *c, const struct nb_req *r)
{
	char msg[CTRL_ERR_SIZE];
	size_t off = (size_t)snprintf(msg, sizeof(msg), "no %s with", r->table->singular);
	const char *k;
	json_t *v;

	json_object_foreach(r->key, k, v)
	{
		if (off < sizeof(msg))
			off += (size_t)snprintf(msg + off, sizeof(msg) - off, "%s %s '%s'",
						off > strlen(r->table->singular) + 8 ? "," : "", k,
						json_string_value(v));
	}
	return nb_error(c, MHD_HTTP_NOT_FOUND, "not_found", false, "%s", msg);
}

static enum MHD_Result nb_get(struct MHD_Connection *c, const struct nb_req *r)
{
	const struct ctrl_model *m = nb_ops->model();
	struct nb_filter f = {0};
	const json_t *row;
	json_t *j;

	switch (r->kind) {
	case NB_STATE: j = ctrl_model_dump(m); break;
	case NB_STATUS: j = nb_ops->status(); break;
	case NB_ROW:
		row = ctrl_model_find(m, r->table->plural, r->key);
		if (row == NULL)
			return nb_no_row(c, r);
		j = json_deep_copy(row);
		break;
	case NB_COLLECTION:
		f.out = ctrl_model_table(m, r->table->plural);
		if (f.out != NULL)
			MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, nb_filter_arg, &f);
		j = f.out != NULL && !f.bad ? json_pack("{s:s, s:o}", "table", r->table->plural,
							"rows", f.out)
					    : NULL;
		if (j == NULL && f.bad)
			json_decref(f.out);
		break;
	default: j = NULL; break;
	}
	if (j != NULL)
		return nb_reply(c, MHD_HTTP_OK, j, false);
	return nb_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "no_memory", false, "out of memory");
}

/* ---- writes ---- */

/* The URL of a row of a path-keyed table, '/' inside a key escaped. */
static void nb_row_url(const struct nb_table *t, const json_t *row, char *url, size_t size)
{
	size_t off = (size_t)snprintf(url, size, "/v1/%s", t->plural);

	for (size_t i = 0; i < 3 && t->path_keys[i] != NULL && off < size; i++) {
		const char *v = json_string_value(json_object_get(row, t->path_keys[i]));

		off += (size_t)snprintf(url + off, size - off, "/");
		for (; v != NULL && *v != '\0' && off < size; v++)
			off += (size_t)(*v == '/' ? snprintf(url + off, size - off, "%%2F")
						  : snprintf(url + off, size - off, "%c", *v));
	}
}

/* The path's key members into row: absent ones are taken, present ones must be equal. */
static bool nb_key_into_row(struct MHD_Connection *c, const struct nb_req *r, json_t *row,
			    enum MHD_Result *ret)
{
	const char *k;
	json_t *v;

	json_object_foreach(r->key, k, v)
	{
		const json_t *have = json_object_get(row, k);

		if (have == NULL) {
			json_object_set(row, k, v);
		} else if (!json_equal(have, v)) {
			*ret = nb_error(c, MHD_HTTP_BAD_REQUEST, "invalid", false,
					"%s.%s: differs from the path's '%s'", r->table->singular,
					k, json_string_value(v));
			return false;
		}
	}
	return true;
}

/* One op on one row as one transaction. */
static enum MHD_Result nb_write_row(struct MHD_Connection *c, const struct nb_req *r,
				    const char *op, json_t *row)
{
	char err[CTRL_ERR_SIZE] = "", url[512];
	json_t *ops, *result = NULL;
	const json_t *now;
	unsigned int status = strcmp(op, "insert") == 0 ? MHD_HTTP_CREATED : MHD_HTTP_OK;
	int rc;

	ops = json_pack("{s:[{s:s, s:s, s:O}]}", "ops", "op", op, "table", r->table->singular,
			"row", row);
	if (ops == NULL)
		return nb_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "no_memory", false, "no memory");
	rc = nb_ops->txn(ops, &result, err);
	json_decref(ops);
	if (rc < 0)
		return nb_refused(c, rc, err);
	if (result == NULL)
		result = json_object();
	/* The row as stored (canonical form, defaults filled), for what the client wrote. */
	now = strcmp(op, "delete") != 0 ? ctrl_model_find(nb_ops->model(), r->table->plural, row)
					: NULL;
	if (now != NULL)
		json_object_set_new(result, "row", json_deep_copy(now));
	if (status != MHD_HTTP_CREATED || r->table->path_keys[0] == NULL || now == NULL)
		return nb_reply(c, status, result, false);
	/* 201 with the new row's URL. */
	nb_row_url(r->table, now, url, sizeof(url));
	return nb_reply_hdr(c, status, result, false, MHD_HTTP_HEADER_LOCATION, url);
}

/* POST /v1/txn and PUT /v1/state: the body goes to the daemon as it is. */
static enum MHD_Result nb_write_doc(struct MHD_Connection *c, const struct nb_req *r,
				    json_t *doc)
{
	char err[CTRL_ERR_SIZE] = "";
	json_t *result = NULL;
	int rc;

	rc = r->kind == NB_TXN ? nb_ops->txn(doc, &result, err) : nb_ops->replace(doc, &result, err);
	if (rc < 0)
		return nb_refused(c, rc, err);
	return nb_reply(c, MHD_HTTP_OK, result != NULL ? result : json_object(), false);
}

static enum MHD_Result nb_write(struct MHD_Connection *c, const struct nb_req *r,
				const char *method)
{
	enum MHD_Result ret = MHD_YES;
	json_t *body = NULL;

	if (!nb_precondition(c, &ret))
		return ret;
	if (nb_has_body(r, method) && (body = nb_body_json(c, r, &ret)) == NULL)
		return ret;
	if (r->kind == NB_STATE || r->kind == NB_TXN) {
		ret = nb_write_doc(c, r, body);
	} else if (r->kind == NB_ROW && strcmp(method, "DELETE") == 0) {
		ret = nb_write_row(c, r, "delete", r->key);
	} else if (r->kind == NB_ROW && !nb_key_into_row(c, r, body, &ret)) {
		/* refused: ret holds the reply */
	} else {
		const char *op = strcmp(method, "POST") == 0  ? "insert"
				 : strcmp(method, "PUT") == 0 ? "modify"
							      : "delete";

		ret = nb_write_row(c, r, op, body);
	}
	json_decref(body);
	return ret;
}

/* ---- MHD callbacks ---- */

/*
 * HTTPS: MHD only asks for a client certificate (GnuTLS's CERT_REQUEST) and checks it
 * against the trust list if one comes; that one came, and verified, is checked here, per
 * request, before anything is read or written.
 */
static bool nb_client_verified(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *info;
	unsigned int status = 0;

	if (!nb_tls)
		return true;
	info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (info == NULL || info->tls_session == NULL)
		return false;
	if (gnutls_certificate_get_peers(info->tls_session, &(unsigned int){0}) == NULL)
		return false;
	return gnutls_certificate_verify_peers2(info->tls_session, &status) == 0 && status == 0;
}

static enum MHD_Result nb_handle(void *cls, struct MHD_Connection *c, const char *url,
				 const char *method, const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	struct nb_req *r = *con_cls;

	(void)cls;
	(void)version;
	if (r == NULL && !nb_client_verified(c))
		return nb_error(c, MHD_HTTP_FORBIDDEN, "forbidden", true,
				"a client certificate signed by the controller's API CA is required");
	if (r == NULL) { /* headers in, nothing of the body yet */
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			return MHD_NO;
		*con_cls = r;
		return nb_begin(c, url, method, r);
	}
	if (*upload_data_size > 0) {
		bool ok = nb_body_append(r, upload_data, *upload_data_size);

		*upload_data_size = 0;
		return ok ? MHD_YES : MHD_NO;
	}
	if (r->too_big)
		return nb_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too_big", false,
				"body: over the limit of %u bytes", NB_BODY_MAX);
	if (strcmp(method, "GET") == 0)
		return nb_get(c, r);
	return nb_write(c, r, method);
}

static void nb_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct nb_req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (r == NULL)
		return;
	json_decref(r->key);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

/* ---- life cycle ---- */

/* "A.B.C.D:PORT" or "[V6]:PORT" into ss. */
static int nb_parse_listen(const char *listen, struct sockaddr_storage *ss, char *err)
{
	const char *colon = strrchr(listen, ':');
	char addr[64];
	size_t len;
	char *end;
	unsigned long port;

	memset(ss, 0, sizeof(*ss));
	if (colon == NULL)
		goto invalid;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port > 65535)
		goto invalid;
	len = (size_t)(colon - listen);
	if (len >= 2 && listen[0] == '[' && listen[len - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (len - 2 >= sizeof(addr))
			goto invalid;
		memcpy(addr, listen + 1, len - 2);
		addr[len - 2] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			goto invalid;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (len >= sizeof(addr))
			goto invalid;
		memcpy(addr, listen, len);
		addr[len] = '\0';
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			goto invalid;
	}
	return 0;
invalid:
	snprintf(err, CTRL_ERR_SIZE, "listen: '%s' is not ADDR:PORT or [ADDR]:PORT", listen);
	return -EINVAL;
}

/* A whole PEM file (NUL-terminated, malloc'ed): MHD takes certificates from memory. */
static char *read_pem(const char *path, char *err)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n = 0;
	long size;

	if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && size < (1 << 20) &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1)) != NULL)
		n = fread(buf, 1, (size_t)size, f);
	if (f != NULL)
		fclose(f);
	if (buf == NULL || n == 0) {
		snprintf(err, CTRL_ERR_SIZE, "northbound: %s: %s", path,
			 f == NULL ? strerror(errno) : "empty or unreadable");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

int ctrl_nb_start(const char *listen, const struct ctrl_nb_ops *ops,
		  const struct ctrl_nb_tls *tls, char *err)
{
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_EPOLL;
	char *pem[3] = {NULL, NULL, NULL};
	int rc;

	if (nb_daemon != NULL) {
		snprintf(err, CTRL_ERR_SIZE, "northbound: already started");
		return -EALREADY;
	}
	if (ops == NULL || ops->txn == NULL || ops->replace == NULL || ops->status == NULL ||
	    ops->model == NULL || listen == NULL) {
		snprintf(err, CTRL_ERR_SIZE, "northbound: an op or the address is missing");
		return -EINVAL;
	}
	rc = nb_parse_listen(listen, &ss, err);
	if (rc < 0)
		return rc;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	nb_ops = ops;
	nb_tls = tls != NULL;
	if (tls != NULL) {
		if ((pem[0] = read_pem(tls->cert, err)) == NULL ||
		    (pem[1] = read_pem(tls->key, err)) == NULL ||
		    (pem[2] = read_pem(tls->ca, err)) == NULL) {
			free(pem[0]);
			free(pem[1]);
			nb_ops = NULL;
			return -EINVAL;
		}
		flags |= MHD_USE_TLS;
	}
	errno = 0;
	/* Bounded like the southbound: a few hundred operators and tools at most, and an idle or
	 * stuck client gives its connection back after a minute. */
	nb_daemon = tls == NULL
		? MHD_start_daemon(flags, 0, NULL, NULL, nb_handle, NULL, MHD_OPTION_SOCK_ADDR,
				   (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, nb_completed,
				   NULL, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60, MHD_OPTION_END)
		: MHD_start_daemon(flags, 0, NULL, NULL, nb_handle, NULL, MHD_OPTION_SOCK_ADDR,
				   (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, nb_completed,
				   NULL, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
				   MHD_OPTION_HTTPS_MEM_CERT, pem[0], MHD_OPTION_HTTPS_MEM_KEY, pem[1],
				   MHD_OPTION_HTTPS_MEM_TRUST, pem[2], MHD_OPTION_END);
	/* MHD has loaded them into its own credentials */
	for (int i = 0; i < 3; i++)
		free(pem[i]);
	if (nb_daemon == NULL) {
		rc = errno != 0 ? -errno : -EIO;
		snprintf(err, CTRL_ERR_SIZE, "northbound: listen on %s: %s", listen, strerror(-rc));
		nb_ops = NULL;
		return rc;
	}
	return 0;
}

int ctrl_nb_fd(void)
{
	const union MHD_DaemonInfo *info;

	if (nb_daemon == NULL)
		return -1;
	info = MHD_get_daemon_info(nb_daemon, MHD_DAEMON_INFO_EPOLL_FD);
	return info != NULL ? info->epoll_fd : -1;
}

void ctrl_nb_run(void)
{
	MHD_UNSIGNED_LONG_LONG timeout;

	if (nb_daemon == NULL)
		return;
	/* MHD's epoll is edge-triggered for connections: work it found but left for later (a
	 * timeout of 0) would not wake the loop's epoll again, so it is done now, bounded. */
	for (int i = 0; i < 16; i++) {
		MHD_run(nb_daemon);
		if (MHD_get_timeout(nb_daemon, &timeout) != MHD_YES || timeout != 0)
			break;
	}
}

void ctrl_nb_stop(void)
{
	if (nb_daemon != NULL)
		MHD_stop_daemon(nb_daemon);
	nb_daemon = NULL;
	nb_ops = NULL;
}
