/* SPDX-License-Identifier: BSD-3-Clause */
/* Backend health as hosts report it (ctrl_health.h). */
#include "ctrl_health.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"

/* "vpc|lb|protocol|port|address|backend_port" -> {"host", "reason", "vpc"}: down only */
static json_t *down;

static int backend_key(const json_t *b, char *key, size_t size)
{
	const char *vpc = json_string_value(json_object_get(b, "vpc"));
	const char *lb = json_string_value(json_object_get(b, "lb"));
	const char *proto = json_string_value(json_object_get(b, "protocol"));
	const char *addr = json_string_value(json_object_get(b, "address"));
	const json_t *port = json_object_get(b, "port"), *bport = json_object_get(b, "backend_port");
	struct cfg_ip ip;
	char canon[64];
	int n;

	if (vpc == NULL || lb == NULL || proto == NULL || addr == NULL || !json_is_integer(port) ||
	    !json_is_integer(bport) || cfg_ip_parse(addr, &ip) < 0)
		return -EINVAL;
	cfg_ip_format(&ip, canon, sizeof(canon));
	n = snprintf(key, size, "%s|%s|%s|%lld|%s|%lld", vpc, lb, proto,
		     (long long)json_integer_value(port), canon,
		     (long long)json_integer_value(bport));
	return n > 0 && (size_t)n < size ? 0 : -EINVAL;
}

/* The lb_backend key members of a verdict (new reference). */
static json_t *key_row(const json_t *verdict)
{
	static const char *const keys[] = {"vpc", "lb", "protocol", "port", "address",
					   "backend_port"};
	json_t *row = json_object();

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_set(row, keys[i], json_object_get(verdict, keys[i]));
	return row;
}

static bool backend_exists(const struct ctrl_model *m, const json_t *verdict)
{
	json_t *row = key_row(verdict);
	bool found = ctrl_model_find(m, "lb_backends", row) != NULL;

	json_decref(row);
	return found;
}

int ctrl_health_report(const struct ctrl_model *m, const char *host, const json_t *verdict,
		       const char **vpc)
{
	const char *health = json_string_value(json_object_get(verdict, "health"));
	const char *reason = json_string_value(json_object_get(verdict, "reason"));
	const char *v = json_string_value(json_object_get(verdict, "vpc"));
	json_t *was;
	char key[192];

	if (down == NULL)
		down = json_object();
	if (health == NULL || backend_key(verdict, key, sizeof(key)) < 0 ||
	    (strcmp(health, "up") != 0 && strcmp(health, "down") != 0))
		return -EINVAL;
	/* a backend of the desired state, one of the reporting host's own VMs: nothing else a
	 * switch says is kept (what it says costs every host of the VPC a recomputed view) */
	if (!backend_exists(m, verdict) ||
	    !ctrl_model_port_has(m, host, v, json_string_value(json_object_get(verdict, "address"))))
		return -EINVAL;
	was = json_object_get(down, key);
	if (strcmp(health, "up") == 0) {
		if (was == NULL)
			return 0;
		json_object_del(down, key);
	} else {
		bool same = was != NULL && strcmp(json_string_value(json_object_get(was, "host")),
						   host) == 0;

		json_object_set_new(down, key,
				    json_pack("{s:s, s:s, s:O, s:s, s:o}", "host", host, "vpc", v,
					      "address", json_object_get(verdict, "address"),
					      "reason", reason ? reason : "", "backend_row",
					      key_row(verdict)));
		if (same)
			return 0; /* a new reason changes nothing the hosts hold */
	}
	*vpc = json_string_value(json_object_get(verdict, "vpc"));
	return 1;
}

void ctrl_health_forget(const char *host, json_t *vpcs)
{
	const char *key;
	json_t *e, *tmp;

	json_object_foreach_safe(down, tmp, key, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "host")), host) != 0)
			continue;
		json_object_set_new(vpcs, json_string_value(json_object_get(e, "vpc")), json_true());
		json_object_del(down, key);
	}
}

void ctrl_health_prune(const struct ctrl_model *m, json_t *vpcs)
{
	const char *key, *vpc, *addr;
	json_t *e, *tmp;

	json_object_foreach_safe(down, tmp, key, e)
	{
		vpc = json_string_value(json_object_get(e, "vpc"));
		addr = json_string_value(json_object_get(e, "address"));
		if (backend_exists(m, json_object_get(e, "backend_row")) &&
		    ctrl_model_port_has(m, json_string_value(json_object_get(e, "host")), vpc, addr))
			continue;
		json_object_set_new(vpcs, vpc, json_true());
		json_object_del(down, key);
	}
}

void ctrl_health_apply(json_t *view, const char *host)
{
	json_t *rows = json_object_get(view, "lb_backends"), *b, *e, *copy;
	size_t i;
	char key[192];

	if (down == NULL || json_object_size(down) == 0)
		return;
	json_array_foreach(rows, i, b)
	{
		if (backend_key(b, key, sizeof(key)) < 0 || (e = json_object_get(down, key)) == NULL ||
		    strcmp(json_string_value(json_object_get(e, "host")), host) == 0)
			continue;
		copy = json_deep_copy(b); /* the view's rows may be the model's own */
		json_object_set_new(copy, "state", json_string("down"));
		json_array_set_new(rows, i, copy);
	}
}

json_t *ctrl_health_status(void)
{
	json_t *list = json_array(), *e;
	const char *key;

	json_object_foreach(down, key, e)
	{
		json_t *row = json_deep_copy(e);

		json_object_del(row, "backend_row");
		json_object_set_new(row, "backend", json_string(key));
		json_array_append_new(list, row);
	}
	return list;
}

void ctrl_health_fini(void)
{
	json_decref(down);
	down = NULL;
}
