/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of controller/ctrl_view.c and ctrl_diff.c: what each host's view holds (its
 * VPCs, its ports, others' as remotes at their VTEP, routes to others' ports by address),
 * views the switch's cfg accepts, and diffs that, applied with cfg_apply_op to the old view,
 * give exactly the new one over many random edits. Last, the scale of the product: 100,000
 * ports on 1,000 hosts in 2,000 VPCs, one port inserted, its hosts' views and diffs timed.
 */
#include "test_ctrl_fixture.h"

#include <errno.h>
#include <time.h>

#define SOCK "/run/vpcswitch/vhost"

static const json_t *find_row(const json_t *view, const char *table, const char *member,
			      const char *value)
{
	const json_t *row;
	size_t i;

	json_array_foreach(json_object_get(view, table), i, row)
		if (json_is_string(json_object_get(row, member)) &&
		    strcmp(json_string_value(json_object_get(row, member)), value) == 0)
			return row;
	return NULL;
}

/* The switch's canonical, order-free form of a view (cfg fills default sockets). */
static json_t *switch_state(const json_t *view)
{
	char err[CFG_ERR_SIZE];
	struct cfg *c = NULL;
	json_t *enc, *out;

	if (cfg_state_decode(view, SOCK, &c, err) != 0)
		fail_msg("the switch refuses the view: %s", err);
	enc = cfg_state_encode(c);
	out = sorted_state(enc);
	json_decref(enc);
	cfg_free(c);
	return out;
}

/* ---- invalid arguments ---- */

static void view_of_unknown_or_empty_host_is_empty(void **state)
{
	struct ctrl_model *m = model_base();
	json_t *v = ctrl_view(m, "nope"), *empty = J("{\"vpcs\": [], \"subnets\": [], "
		"\"security_groups\": [], \"security_group_rules\": [], \"ports\": [], \"remotes\": [],"
		" \"dhcp_options\": [], \"ecmp_groups\": [], \"routes\": [], \"load_balancers\": [],"
		" \"lb_listeners\": [], \"lb_backends\": []}");

	(void)state;
	assert_true(json_equal(v, empty));
	json_decref(v);
	TXN_OK(m, "{\"op\": \"insert\", \"table\": \"host\", \"row\": {\"name\": \"h4\", \"vtep\": \"10.9.9.9\"}}");
	v = ctrl_view(m, "h4");
	assert_true(json_equal(v, empty));
	json_decref(v);
	json_decref(empty);
	ctrl_model_free(m);
}

/* ---- normal path ---- */

static void view_holds_own_vpcs_ports_and_remotes(void **state)
{
	struct ctrl_model *m = model_base();
	json_t *v = ctrl_view(m, "h1"), *s;
	const json_t *r;

	(void)state;
	assert_int_equal(json_array_size(json_object_get(v, "vpcs")), 1); /* blue, not red */
	assert_int_equal(json_array_size(json_object_get(v, "ports")), 1);
	r = find_row(v, "ports", "name", "vm1");
	assert_non_null(r);
	assert_null(json_object_get(r, "host"));
	assert_null(json_object_get(r, "socket"));
	/* vm2 is h2's: a remote at h2's vtep with its groups; vm3 is bound nowhere */
	assert_int_equal(json_array_size(json_object_get(v, "remotes")), 1);
	r = find_row(v, "remotes", "mac", "52:54:00:00:00:02");
	assert_string_equal(json_string_value(json_object_get(r, "vtep")), "192.168.0.2");
	assert_null(find_row(v, "remotes", "mac", "52:54:00:00:00:03"));
	/* routes to vm2 go to its address; it has no IPv6 one: that route is left out */
	r = find_row(v, "routes", "prefix", "10.9.0.0/16");
	assert_string_equal(json_string_value(json_object_get(r, "via")), "10.0.0.12");
	assert_null(json_object_get(r, "port"));
	assert_null(find_row(v, "routes", "prefix", "fd09::/32"));
	r = find_row(v, "routes", "prefix", "10.8.0.0/16");
	assert_string_equal(json_string_value(json_object_get(r, "port")), "vm1");
	s = switch_state(v); /* the switch accepts it */
	json_decref(s);
	json_decref(v);
	/* h2: vm1 as a remote with both addresses and its group */
	v = ctrl_view(m, "h2");
	r = find_row(v, "remotes", "mac", "52:54:00:00:00:01");
	assert_int_equal(json_array_size(json_object_get(r, "ips")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "security_groups"), 0)),
			    "web");
	r = find_row(v, "routes", "prefix", "fd09::/32");
	assert_string_equal(json_string_value(json_object_get(r, "port")), "vm2");
	r = find_row(v, "routes", "prefix", "10.8.0.0/16");
	assert_string_equal(json_string_value(json_object_get(r, "via")), "10.0.0.11");
	s = switch_state(v);
	json_decref(s);
	json_decref(v);
	ctrl_model_free(m);
}

static void diff_of_equal_views_is_empty(void **state)
{
	struct ctrl_model *m = model_base();
	json_t *a = ctrl_view(m, "h1"), *b = json_deep_copy(a), *d = ctrl_view_diff(a, b);

	(void)state;
	assert_int_equal(json_array_size(json_object_get(d, "ops")), 0);
	json_decref(d);
	json_decref(a);
	json_decref(b);
	ctrl_model_free(m);
}

/* ---- the diff, over random edits ---- */

static unsigned rnd(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 8) % n;
}

static const char *const hosts[] = {"h1", "h2", "h3"};
static const char *const vpcs[] = {"blue", "red"};

/* One random edit as a txn text (it may well be refused; then nothing happens). */
static void random_edit(struct ctrl_model *m, unsigned *seed, char *buf, size_t size)
{
	unsigned n = rnd(seed, 100), a = rnd(seed, 40), b = rnd(seed, 40);
	const char *vpc = vpcs[rnd(seed, 2)], *host = hosts[rnd(seed, 3)];
	const char *grp = rnd(seed, 2) ? "web" : "db";

	if (n < 25) /* a port, inserted or rewritten: moves host, VPC, addresses, groups */
		snprintf(buf, size,
			 "{\"op\": \"%s\", \"table\": \"port\", \"row\": {\"name\": \"p%u\", \"vpc\": \"%s\","
			 " \"mac\": \"52:54:00:00:20:%02x\", \"ips\": [\"10.0.0.%u\"%s], %s \"host\": \"%s\"%s}}",
			 rnd(seed, 2) ? "insert" : "modify", a % 12, vpc, b, 100 + b,
			 rnd(seed, 2) ? ", \"fd00::99\"" : "",
			 strcmp(vpc, "blue") == 0 && rnd(seed, 2) ? "\"security_groups\": [\"web\"]," : "",
			 host, rnd(seed, 3) == 0 ? ", \"socket\": \"/run/vm/x.sock\"" : "");
	else if (n < 33)
		snprintf(buf, size, "{\"op\": \"delete\", \"table\": \"port\", \"row\": {\"name\": \"p%u\"}}",
			 a % 12);
	else if (n < 40)
		snprintf(buf, size,
			 "{\"op\": \"%s\", \"table\": \"subnet\", \"row\": {\"vpc\": \"%s\", \"cidr\": \"10.%u.0.0/24\","
			 " \"gateway\": \"10.%u.0.%u\", \"gateway_mac\": \"02:00:00:00:01:%02x\"}}",
			 rnd(seed, 3) == 0 ? "delete" : rnd(seed, 2) ? "insert" : "modify", vpc, 1 + a % 2,
			 1 + a % 2, 1 + b % 3, b);
	else if (n < 48)
		snprintf(buf, size, "{\"op\": \"%s\", \"table\": \"security_group\", \"row\": "
			 "{\"vpc\": \"blue\", \"name\": \"%s\"}}", rnd(seed, 2) ? "insert" : "delete", grp);
	else if (n < 58)
		snprintf(buf, size,
			 "{\"op\": \"%s\", \"table\": \"security_group_rule\", \"row\": {\"vpc\": \"blue\","
			 " \"group\": \"%s\", \"direction\": \"ingress\", \"protocol\": \"tcp\", \"ports\": %u%s}}",
			 rnd(seed, 3) == 0 ? "delete" : "insert", grp, 80 + a % 3,
			 rnd(seed, 2) ? ", \"remote_group\": \"web\"" : "");
	else if (n < 72) {
		static const char *const nhs[] = {"\"port\": \"p%u\"", "\"port\": \"vm%u\"",
						  "\"via\": \"10.0.0.1%02u\"", "\"vtep\": \"172.16.0.%u\"",
						  "\"blackhole\": true", "\"ecmp\": \"e%u\""};
		char nh[64];

		snprintf(nh, sizeof(nh), nhs[rnd(seed, 6)], rnd(seed, 2) ? a % 12 : 1 + a % 3);
		snprintf(buf, size,
			 "{\"op\": \"%s\", \"table\": \"route\", \"row\": {\"vpc\": \"%s\", \"prefix\": "
			 "\"10.%u.0.0/16\", %s}}",
			 rnd(seed, 4) == 0 ? "delete" : rnd(seed, 2) ? "insert" : "modify", vpc,
			 50 + b % 4, nh);
	} else if (n < 80)
		snprintf(buf, size,
			 "{\"op\": \"%s\", \"table\": \"ecmp_group\", \"row\": {\"vpc\": \"%s\", \"name\": \"e%u\","
			 " \"members\": [\"10.0.0.%u\", \"10.0.0.%u\"]}}",
			 rnd(seed, 3) == 0 ? "delete" : rnd(seed, 2) ? "insert" : "modify", vpc, a % 3,
			 100 + b % 10, 111 + b % 10);
	else if (n < 86)
		snprintf(buf, size,
			 "{\"op\": \"%s\", \"table\": \"load_balancer\", \"row\": {\"vpc\": \"%s\", \"name\": \"lb\","
			 " \"vip\": \"10.0.0.%u\"}}",
			 rnd(seed, 3) == 0 ? "delete" : rnd(seed, 2) ? "insert" : "modify", vpc, 200 + b % 3);
	else if (n < 90)
		snprintf(buf, size,
			 "{\"op\": \"%s\", \"table\": \"lb_listener\", \"row\": {\"vpc\": \"%s\", \"lb\": \"lb\","
			 " \"protocol\": \"tcp\", \"port\": 80}}",
			 rnd(seed, 3) == 0 ? "delete" : "insert", vpc);
	else if (n < 95)
		snprintf(buf, size,
			 "{\"op\": \"%s\", \"table\": \"lb_backend\", \"row\": {\"vpc\": \"%s\", \"lb\": \"lb\","
			 " \"protocol\": \"tcp\", \"port\": 80, \"address\": \"10.0.0.%u\", \"weight\": %u}}",
			 rnd(seed, 3) == 0 ? "delete" : rnd(seed, 2) ? "insert" : "modify", vpc,
			 100 + a % 5, b % 3);
	else
		snprintf(buf, size, "{\"op\": \"modify\", \"table\": \"host\", \"row\": {\"name\": \"%s\","
			 " \"vtep\": \"192.168.1.%u\"}}", host, 1 + a);
	(void)m;
}

/* Apply diff(have, want) to the switch holding have: it must hold want. */
static void check_diff(const json_t *have, const json_t *want, const char *what)
{
	json_t *d = ctrl_view_diff(have, want), *op, *got, *enc, *exp;
	char err[CFG_ERR_SIZE];
	struct cfg *c = NULL;
	size_t i;

	if (cfg_state_decode(have, SOCK, &c, err) != 0)
		fail_msg("%s: have refused: %s", what, err);
	json_array_foreach(json_object_get(d, "ops"), i, op)
	{
		const char *kind = json_string_value(json_object_get(op, "op"));
		int t = cfg_table_parse(json_string_value(json_object_get(op, "table")));

		if (cfg_apply_op(c, kind, t, json_object_get(op, "row"), SOCK, err) != 0) {
			char *text = json_dumps(d, JSON_COMPACT);

			fail_msg("%s: op %zu refused: %s\n%s", what, i, err, text);
		}
	}
	enc = cfg_state_encode(c);
	got = sorted_state(enc);
	exp = switch_state(want);
	if (!json_equal(got, exp)) {
		char *a = json_dumps(got, JSON_COMPACT), *b = json_dumps(exp, JSON_COMPACT);

		fail_msg("%s: diff applied gives\n%s\nnot\n%s", what, a, b);
	}
	json_decref(enc);
	json_decref(got);
	json_decref(exp);
	json_decref(d);
	cfg_free(c);
}

static void diff_applied_to_have_gives_want(void **state)
{
	struct ctrl_model *m = model_base();
	json_t *views[3];
	unsigned seed = 7, applied = 0, ops_seen = 0;
	char buf[1024], err[CTRL_ERR_SIZE], what[1200];

	(void)state;
	TXN_OK(m, "{\"op\": \"insert\", \"table\": \"security_group\", \"row\": {\"vpc\": \"red\", \"name\": \"web\"}}");
	for (int h = 0; h < 3; h++)
		views[h] = ctrl_view(m, hosts[h]);
	for (int step = 0; step < 3000; step++) {
		char ops[2100] = "";
		int n = 1 + (int)rnd(&seed, 3);

		for (int k = 0; k < n; k++) {
			random_edit(m, &seed, buf, sizeof(buf));
			strcat(ops, k ? "," : "");
			strcat(ops, buf);
		}
		if (txn(m, ops, err) != 0)
			continue;
		applied++;
		for (int h = 0; h < 3; h++) {
			json_t *want = ctrl_view(m, hosts[h]), *have_copy;
			json_t *d = ctrl_view_diff(views[h], want);

			ops_seen += (unsigned)json_array_size(json_object_get(d, "ops"));
			json_decref(d);
			snprintf(what, sizeof(what), "step %d host %s after %s", step, hosts[h], ops);
			check_diff(views[h], want, what);
			/* the same with no row shared (a view read back from the switch) */
			have_copy = json_deep_copy(views[h]);
			check_diff(have_copy, want, what);
			json_decref(have_copy);
			json_decref(views[h]);
			views[h] = want;
		}
	}
	printf("diff: %u of 3000 random transactions applied, %u ops checked\n", applied, ops_seen);
	assert_true(applied > 300);
	assert_true(ops_seen > 1000);
	for (int h = 0; h < 3; h++)
		json_decref(views[h]);
	ctrl_model_free(m);
}

/* ---- scale ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1,000 hosts, 2,000 VPCs, 100,000 ports: port i in VPC i % 2000 on host (i * 7) % 1000. */
static void one_port_change_at_product_scale(void **state)
{
	struct ctrl_model *m = ctrl_model_new();
	json_t *doc = json_object(), *hs = json_array(), *vs = json_array(), *ss = json_array(),
	       *ps = json_array(), *ops, *changes = NULL, *affected, *old_views, *op;
	char err[CTRL_ERR_SIZE], name[32], addr[64], mac[32];
	double t0, t1, t2, t3, t4, t_view = 0, t_diff = 0;
	size_t i, n_ops = 0;
	const json_t *h;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "host%d", i);
		snprintf(addr, sizeof(addr), "10.%d.%d.1", 100 + i / 250, i % 250);
		json_array_append_new(hs, json_pack("{s:s, s:s}", "name", name, "vtep", addr));
	}
	for (int v = 0; v < 2000; v++) {
		snprintf(name, sizeof(name), "vpc%d", v);
		json_array_append_new(vs, json_pack("{s:s, s:i}", "name", name, "vni", 1000 + v));
		json_array_append_new(ss, json_pack("{s:s, s:s, s:s, s:s}", "vpc", name, "cidr",
						    "10.0.0.0/16", "gateway", "10.0.0.1", "gateway_mac",
						    "02:00:00:00:00:01"));
	}
	for (int p = 0; p < 100000; p++) {
		int k = p / 2000; /* the port's number in its VPC: 0..49 */
		char pname[16], hname[16];

		snprintf(name, sizeof(name), "vpc%d", p % 2000);
		snprintf(pname, sizeof(pname), "p%d", p);
		snprintf(hname, sizeof(hname), "host%d", (p * 7 + k) % 1000);
		snprintf(addr, sizeof(addr), "10.0.%d.%d", 1 + k / 200, 2 + k % 200);
		snprintf(mac, sizeof(mac), "52:54:00:%02x:%02x:%02x", (p >> 16) & 255, (p >> 8) & 255,
			 p & 255);
		json_array_append_new(ps, json_pack("{s:s, s:s, s:s, s:[s], s:s}", "name", pname,
						    "vpc", name, "mac", mac, "ips", addr, "host", hname));
	}
	json_object_set_new(doc, "hosts", hs);
	json_object_set_new(doc, "vpcs", vs);
	json_object_set_new(doc, "subnets", ss);
	json_object_set_new(doc, "ports", ps);
	t0 = now();
	assert_int_equal(ctrl_model_replace(m, doc, NULL, err), 0);
	t1 = now();
	json_decref(doc);
	/* the views every affected host has now */
	ops = J("{\"ops\": [{\"op\": \"insert\", \"table\": \"port\", \"row\": {\"name\": \"new1\","
		" \"vpc\": \"vpc7\", \"mac\": \"52:54:00:ff:00:01\", \"ips\": [\"10.0.9.9\"], \"host\": \"host3\"}}]}");
	old_views = json_object();
	{
		json_t *probe = J("[{\"table\": \"ports\", \"key\": \"new1\", \"old\": null, "
				  "\"new\": {\"name\": \"new1\", \"vpc\": \"vpc7\", \"host\": \"host3\"}}]");

		affected = ctrl_model_affected_hosts(m, probe);
		json_array_foreach(affected, i, h)
			json_object_set_new(old_views, json_string_value(h), ctrl_view(m, json_string_value(h)));
		json_decref(probe);
		json_decref(affected);
	}
	t2 = now();
	assert_int_equal(ctrl_model_txn(m, ops, &changes, err), 0);
	t3 = now();
	affected = ctrl_model_affected_hosts(m, changes);
	json_array_foreach(affected, i, h)
	{
		const char *host = json_string_value(h);
		double a = now();
		json_t *want = ctrl_view(m, host);
		double b = now();
		json_t *d = ctrl_view_diff(json_object_get(old_views, host), want);

		t_view += b - a;
		t_diff += now() - b;

		n_ops += json_array_size(json_object_get(d, "ops"));
		if (strcmp(host, "host3") == 0) {
			op = json_array_get(json_object_get(d, "ops"), 0);
			/* a VPC new to host3: the VPC, its subnet, the port, 50 remotes */
			assert_string_equal(json_string_value(json_object_get(op, "table")), "vpc");
			assert_int_equal(json_array_size(json_object_get(d, "ops")), 53);
		}
		json_decref(d);
		json_decref(want);
	}
	t4 = now();
	printf("scale: load of 100000 ports, 1000 hosts, 2000 VPCs: %.2f s; one port insert: "
	       "txn %.1f ms, %zu affected hosts' views and diffs %.1f ms (views %.1f, diffs %.1f; "
	       "%zu ops), total %.1f ms\n",
	       t1 - t0, (t3 - t2) * 1e3, json_array_size(affected), (t4 - t3) * 1e3, t_view * 1e3,
	       t_diff * 1e3, n_ops, (t4 - t2) * 1e3);
	/* vpc7's 50 ports live on hosts 49..98, each of which gets one remote; host3 is new */
	assert_int_equal(json_array_size(affected), 51);
	assert_int_equal(n_ops, 50 + 53);
	json_decref(affected);
	json_decref(old_views);
	json_decref(changes);
	json_decref(ops);
	ctrl_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(view_of_unknown_or_empty_host_is_empty),
		cmocka_unit_test(view_holds_own_vpcs_ports_and_remotes),
		cmocka_unit_test(diff_of_equal_views_is_empty),
		cmocka_unit_test(diff_applied_to_have_gives_want),
		cmocka_unit_test(one_port_change_at_product_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
