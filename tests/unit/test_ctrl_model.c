/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of controller/ctrl_model.c and ctrl_txn.c: transactions and replace checked by
 * cfg per VPC (errors "ops[i]: " or "ports[3]: " then cfg's message naming the field, the
 * model left exactly as it was), what the model checks across VPCs and per host, canonical
 * rows, the changes reported, and the hosts they reach. Pure: no EAL, no sockets.
 */
#include "test_ctrl_fixture.h"

#include <errno.h>

static json_t *dump(struct ctrl_model *m)
{
	return ctrl_model_dump(m);
}

/* A refused txn: its errno, its message prefix, and nothing changed. */
static void txn_refused(struct ctrl_model *m, const char *ops, int want_rc, const char *prefix)
{
	json_t *before = dump(m), *after;
	uint64_t v = ctrl_model_version(m);
	char err[CTRL_ERR_SIZE];
	int rc = txn(m, ops, err);

	if (rc != want_rc || strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("got %d '%s', wanted %d '%s...'", rc, err, want_rc, prefix);
	after = dump(m);
	assert_true(json_equal(before, after));
	assert_int_equal(ctrl_model_version(m), v);
	json_decref(before);
	json_decref(after);
}

/* ---- invalid arguments ---- */

static void txn_rejects_malformed_requests(void **state)
{
	struct ctrl_model *m = model_base();
	char err[CTRL_ERR_SIZE];
	json_t *j = J("{\"ops\": 3}");

	(void)state;
	assert_int_equal(ctrl_model_txn(m, j, NULL, err), -EINVAL);
	assert_string_equal(err, "txn.ops: must be an array of ops");
	json_decref(j);
	txn_refused(m, "{\"op\": \"insert\", \"table\": \"nope\", \"row\": {}}", -EINVAL,
		    "ops[0]: table: 'nope' is not a table");
	txn_refused(m, "{\"op\": \"upsert\", \"table\": \"vpc\", \"row\": {}}", -EINVAL,
		    "ops[0]: op: 'upsert'");
	txn_refused(m,
		    "{\"op\": \"insert\", \"table\": \"remote\", \"row\": {\"vpc\": \"blue\", "
		    "\"mac\": \"52:54:00:00:09:09\", \"vtep\": \"1.2.3.4\"}}",
		    -EINVAL, "ops[0]: table: remotes are derived");
	txn_refused(m, "{\"op\": \"insert\", \"table\": \"vpc\", \"row\": {\"name\": \"x\"}}",
		    -EINVAL, "ops[0]: vpc.vni: missing");
	ctrl_model_free(m);
}

static void txn_refused_later_op_leaves_model_unchanged(void **state)
{
	struct ctrl_model *m = model_base();

	(void)state;
	txn_refused(m,
		    "{\"op\": \"insert\", \"table\": \"vpc\", \"row\": {\"name\": \"green\", \"vni\": 300}},"
		    "{\"op\": \"modify\", \"table\": \"host\", \"row\": {\"name\": \"h1\", \"vtep\": \"10.1.1.1\"}},"
		    "{\"op\": \"delete\", \"table\": \"port\", \"row\": {\"name\": \"vm3\"}},"
		    "{\"op\": \"delete\", \"table\": \"security_group\", \"row\": {\"vpc\": \"blue\", \"name\": \"web\"}}",
		    -EBUSY, "ops[3]: security group 'web' is still used by port 'vm1'");
	txn_refused(m,
		    "{\"op\": \"insert\", \"table\": \"port\", \"row\": {\"name\": \"vm9\", \"vpc\": \"blue\","
		    " \"mac\": \"52:54:00:00:00:09\", \"ips\": [\"10.0.5.1\"], \"host\": \"h1\"}}",
		    -EINVAL, "ops[0]: port.ips[0]: 10.0.5.1 is outside every subnet of vpc 'blue'");
	ctrl_model_free(m);
}

static void txn_refuses_what_spans_vpcs(void **state)
{
	struct ctrl_model *m = model_base();

	(void)state;
	txn_refused(m, "{\"op\": \"insert\", \"table\": \"vpc\", \"row\": {\"name\": \"green\", \"vni\": 100}}",
		    -EEXIST, "ops[0]: vpc.vni: vni 100 is already used by vpc 'blue'");
	txn_refused(m,
		    "{\"op\": \"insert\", \"table\": \"port\", \"row\": {\"name\": \"vm1\", \"vpc\": \"red\","
		    " \"mac\": \"52:54:00:00:00:09\", \"host\": \"h3\"}}",
		    -EEXIST, "ops[0]: port.name: port 'vm1' already exists");
	txn_refused(m,
		    "{\"op\": \"insert\", \"table\": \"port\", \"row\": {\"name\": \"vm9\", \"vpc\": \"red\","
		    " \"mac\": \"52:54:00:00:00:09\", \"host\": \"h9\"}}",
		    -ENOENT, "ops[0]: port.host: no host 'h9'");
	txn_refused(m, "{\"op\": \"delete\", \"table\": \"host\", \"row\": {\"name\": \"h3\"}}", -EBUSY,
		    "ops[0]: host 'h3' still has port 'r1'");
	txn_refused(m, "{\"op\": \"insert\", \"table\": \"host\", \"row\": {\"name\": \"h4\", \"vtep\": \"224.0.0.1\"}}",
		    -EINVAL, "ops[0]: host.vtep: 224.0.0.1 is not a unicast address");
	txn_refused(m, "{\"op\": \"insert\", \"table\": \"host\", \"row\": {\"name\": \"h1\", \"vtep\": \"10.0.0.9\"}}",
		    -EEXIST, "ops[0]: host.name: host 'h1' already exists");
	txn_refused(m,
		    "{\"op\": \"insert\", \"table\": \"port\", \"row\": {\"name\": \"vm9\", \"vpc\": \"red\","
		    " \"mac\": \"52:54:00:00:00:09\", \"host\": \"h3\", \"socket\": \"rel.sock\"}}",
		    -EINVAL, "ops[0]: port.socket: must be an absolute path");
	ctrl_model_free(m);
}

/* ---- normal path ---- */

static void explicit_sockets_are_unique_per_host_only(void **state)
{
	struct ctrl_model *m = model_base();

	(void)state;
	/* vm2 on h2 has /run/vm/vm2.sock: the same path on h3 (another VPC too) is fine */
	TXN_OK(m, "{\"op\": \"insert\", \"table\": \"port\", \"row\": {\"name\": \"r2\", \"vpc\": \"red\","
		  " \"mac\": \"52:54:00:00:01:02\", \"host\": \"h3\", \"socket\": \"/run/vm/vm2.sock\"}}");
	/* and in the same VPC on another host */
	TXN_OK(m, "{\"op\": \"insert\", \"table\": \"port\", \"row\": {\"name\": \"vm4\", \"vpc\": \"blue\","
		  " \"mac\": \"52:54:00:00:00:04\", \"host\": \"h1\", \"socket\": \"/run/vm/vm2.sock\"}}");
	txn_refused(m,
		    "{\"op\": \"insert\", \"table\": \"port\", \"row\": {\"name\": \"r3\", \"vpc\": \"red\","
		    " \"mac\": \"52:54:00:00:01:03\", \"host\": \"h2\", \"socket\": \"/run/vm/vm2.sock\"}}",
		    -EEXIST, "ops[0]: port.socket: '/run/vm/vm2.sock' is already used by port 'vm2' on host 'h2'");
	ctrl_model_free(m);
}

static void rows_are_kept_canonical(void **state)
{
	struct ctrl_model *m = model_base();
	const json_t *p, *r;
	json_t *probe;

	(void)state;
	TXN_OK(m, "{\"op\": \"insert\", \"table\": \"ports\", \"row\": {\"name\": \"vm5\", \"vpc\": \"blue\","
		  " \"mac\": \"52:54:00:AB:00:05\", \"host\": \"h1\"}},"
		  "{\"op\": \"insert\", \"table\": \"security_group_rule\", \"row\": {\"vpc\": \"blue\","
		  " \"group\": \"web\", \"direction\": \"egress\", \"remote\": \"10.0.0.0/8\"}}");
	probe = J("{\"name\": \"vm5\"}");
	p = ctrl_model_find(m, "port", probe);
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "mac")), "52:54:00:ab:00:05");
	assert_null(json_object_get(p, "socket")); /* the switch picks its default */
	assert_string_equal(json_string_value(json_object_get(p, "mode")), "server");
	assert_string_equal(json_string_value(json_object_get(p, "host")), "h1");
	json_decref(probe);
	/* the rule is found by any form that means it, and stored with its family */
	probe = J("{\"vpc\": \"blue\", \"group\": \"web\", \"direction\": \"egress\", "
		  "\"family\": \"ipv4\", \"protocol\": \"any\", \"remote\": \"10.0.0.0/8\"}");
	r = ctrl_model_find(m, "security_group_rules", probe);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "family")), "ipv4");
	json_decref(probe);
	ctrl_model_free(m);
}

static void txn_reports_changes_and_counts_versions(void **state)
{
	struct ctrl_model *m = model_base();
	json_t *ops = J("{\"ops\": [{\"op\": \"modify\", \"table\": \"subnet\", \"row\": {\"vpc\": \"red\","
			" \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.254\", \"gateway_mac\": \"02:00:00:00:00:01\"}},"
			"{\"op\": \"insert\", \"table\": \"vpc\", \"row\": {\"name\": \"tmp\", \"vni\": 9}},"
			"{\"op\": \"delete\", \"table\": \"vpc\", \"row\": {\"name\": \"tmp\"}}]}");
	json_t *changes = NULL, *c;
	char err[CTRL_ERR_SIZE];
	uint64_t v = ctrl_model_version(m);

	(void)state;
	assert_int_equal(ctrl_model_txn(m, ops, &changes, err), 0);
	assert_int_equal(ctrl_model_version(m), v + 1);
	/* tmp came and went: no change */
	assert_int_equal(json_array_size(changes), 1);
	c = json_array_get(changes, 0);
	assert_string_equal(json_string_value(json_object_get(c, "table")), "subnets");
	assert_string_equal(json_string_value(json_object_get(c, "key")), "red/10.0.0.0/24");
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "old"), "gateway")),
			    "10.0.0.1");
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "new"), "gateway")),
			    "10.0.0.254");
	json_decref(ops);
	json_decref(changes);
	ctrl_model_free(m);
}

static void sg_delete_takes_its_rules(void **state)
{
	struct ctrl_model *m = model_base();
	json_t *rules;

	(void)state;
	TXN_OK(m, "{\"op\": \"modify\", \"table\": \"port\", \"row\": {\"name\": \"vm1\", \"vpc\": \"blue\","
		  " \"mac\": \"52:54:00:00:00:01\", \"ips\": [\"10.0.0.11\", \"fd00::11\"], \"host\": \"h1\"}},"
		  "{\"op\": \"delete\", \"table\": \"security_group\", \"row\": {\"vpc\": \"blue\", \"name\": \"web\"}}");
	rules = ctrl_model_table(m, "security_group_rule");
	assert_int_equal(json_array_size(rules), 0);
	json_decref(rules);
	ctrl_model_free(m);
}

static void port_moves_between_vpcs_and_hosts(void **state)
{
	struct ctrl_model *m = model_base();
	json_t *probe = J("{\"name\": \"vm3\"}");
	const json_t *p;

	(void)state;
	TXN_OK(m, "{\"op\": \"modify\", \"table\": \"port\", \"row\": {\"name\": \"vm3\", \"vpc\": \"red\","
		  " \"mac\": \"52:54:00:00:00:03\", \"ips\": [\"10.0.0.13\"], \"host\": \"h2\"}}");
	p = ctrl_model_find(m, "port", probe);
	assert_string_equal(json_string_value(json_object_get(p, "vpc")), "red");
	/* vm2 is a route's next hop: it may not leave blue */
	txn_refused(m,
		    "{\"op\": \"modify\", \"table\": \"port\", \"row\": {\"name\": \"vm2\", \"vpc\": \"red\","
		    " \"mac\": \"52:54:00:00:00:02\", \"host\": \"h2\"}}",
		    -EBUSY, "ops[0]: port 'vm2' is still the next hop of route");
	json_decref(probe);
	ctrl_model_free(m);
}

static void replace_is_declarative(void **state)
{
	struct ctrl_model *m = model_base();
	json_t *doc = ctrl_model_dump(m), *changes = NULL, *after;
	char err[CTRL_ERR_SIZE];
	uint64_t v = ctrl_model_version(m);

	(void)state;
	assert_int_equal(v, 1);
	/* the same state again: nothing, not even the version */
	assert_int_equal(ctrl_model_replace(m, doc, &changes, err), 0);
	assert_int_equal(json_array_size(changes), 0);
	assert_int_equal(ctrl_model_version(m), v);
	json_decref(changes);
	/* drop red and its port: exactly those rows go */
	json_array_remove(json_object_get(doc, "vpcs"), 1);
	json_array_remove(json_object_get(doc, "subnets"), 2);
	json_array_remove(json_object_get(doc, "ports"), 0); /* sorted by key: r1 first */
	assert_int_equal(ctrl_model_replace(m, doc, &changes, err), 0);
	assert_int_equal(json_array_size(changes), 3);
	assert_int_equal(ctrl_model_version(m), v + 1);
	after = ctrl_model_dump(m);
	assert_true(json_equal(after, doc));
	json_decref(changes);
	json_decref(after);
	json_decref(doc);
	ctrl_model_free(m);
}

static void replace_refused_names_the_row_and_changes_nothing(void **state)
{
	struct ctrl_model *m = model_base();
	json_t *before = ctrl_model_dump(m), *doc = ctrl_model_dump(m), *after;
	char err[CTRL_ERR_SIZE];

	(void)state;
	/* ports sorted by name: r1, vm1, vm2, vm3 */
	json_object_set_new(json_array_get(json_object_get(doc, "ports"), 2), "mac",
			    json_string("52:54:00:00:00:01"));
	assert_int_equal(ctrl_model_replace(m, doc, NULL, err), -EEXIST);
	assert_string_equal(err, "ports[2]: port.mac: 52:54:00:00:00:01 is already used by port "
				 "'vm1' in vpc 'blue'");
	json_object_set_new(json_array_get(json_object_get(doc, "ports"), 2), "mac",
			    json_string("52:54:00:00:00:02"));
	json_object_set_new(json_array_get(json_object_get(doc, "hosts"), 2), "vtep",
			    json_string("nope"));
	assert_int_equal(ctrl_model_replace(m, doc, NULL, err), -EINVAL);
	assert_string_equal(err, "hosts[2]: host.vtep: 'nope' is not an IP address");
	json_object_set_new(json_array_get(json_object_get(doc, "hosts"), 2), "vtep",
			    json_string("fc00::3"));
	json_array_remove(json_object_get(doc, "hosts"), 0);
	assert_int_equal(ctrl_model_replace(m, doc, NULL, err), -ENOENT);
	assert_string_equal(err, "ports[1]: port.host: no host 'h1'");
	after = ctrl_model_dump(m);
	assert_true(json_equal(before, after));
	json_decref(before);
	json_decref(after);
	json_decref(doc);
	ctrl_model_free(m);
}

static void affected_hosts_follow_vpcs_and_bindings(void **state)
{
	struct ctrl_model *m = model_base();
	json_t *ops, *changes = NULL, *hosts, *expected;
	char err[CTRL_ERR_SIZE];

	(void)state;
	/* a rule of blue: blue's hosts h1, h2; not h3 (red only) */
	ops = J("{\"ops\": [{\"op\": \"insert\", \"table\": \"security_group_rule\", \"row\": {\"vpc\": \"blue\","
		" \"group\": \"web\", \"direction\": \"egress\"}}]}");
	assert_int_equal(ctrl_model_txn(m, ops, &changes, err), 0);
	hosts = ctrl_model_affected_hosts(m, changes);
	expected = json_pack("[s, s]", "h1", "h2");
	assert_true(json_equal(hosts, expected));
	json_decref(expected);
	json_decref(hosts);
	json_decref(ops);
	json_decref(changes);
	/* vm2 leaves h2 for h3: h2 (before), h3 (after), h1 (blue) */
	ops = J("{\"ops\": [{\"op\": \"modify\", \"table\": \"port\", \"row\": {\"name\": \"vm2\", \"vpc\": \"blue\","
		" \"mac\": \"52:54:00:00:00:02\", \"ips\": [\"10.0.0.12\"], \"host\": \"h3\"}}]}");
	assert_int_equal(ctrl_model_txn(m, ops, &changes, err), 0);
	hosts = ctrl_model_affected_hosts(m, changes);
	assert_int_equal(json_array_size(hosts), 3);
	json_decref(hosts);
	json_decref(ops);
	json_decref(changes);
	/* h3's vtep: h3 and everyone sharing a VPC with it (h1 through blue) */
	ops = J("{\"ops\": [{\"op\": \"modify\", \"table\": \"host\", \"row\": {\"name\": \"h3\", \"vtep\": \"fc00::33\"}}]}");
	assert_int_equal(ctrl_model_txn(m, ops, &changes, err), 0);
	hosts = ctrl_model_affected_hosts(m, changes);
	assert_int_equal(json_array_size(hosts), 2);
	assert_string_equal(json_string_value(json_array_get(hosts, 0)), "h1");
	json_decref(hosts);
	json_decref(ops);
	json_decref(changes);
	hosts = ctrl_model_hosts(m);
	assert_int_equal(json_array_size(hosts), 3);
	json_decref(hosts);
	ctrl_model_free(m);
}

/* ---- edge cases ---- */

static void host_port_limit_is_a_switchs(void **state)
{
	struct ctrl_model *m = model_base();
	json_t *ops = json_pack("{s:[]}", "ops"), *list = json_object_get(ops, "ops");
	char err[CTRL_ERR_SIZE];

	(void)state;
	TXN_OK(m, "{\"op\": \"insert\", \"table\": \"subnet\", \"row\": {\"vpc\": \"red\","
		  " \"cidr\": \"10.4.0.0/16\", \"gateway\": \"10.4.0.1\", \"gateway_mac\": \"02:00:00:00:00:09\"}}");
	for (int i = 0; i < 1024; i++) {
		char name[32], mac[32];

		snprintf(name, sizeof(name), "p%d", i);
		snprintf(mac, sizeof(mac), "52:54:00:10:%02x:%02x", i >> 8, i & 255);
		json_array_append_new(list, json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "op",
						      "insert", "table", "port", "row", "name", name,
						      "vpc", "red", "mac", mac, "host", "h3"));
	}
	/* r1 is there already: 1025 */
	assert_int_equal(ctrl_model_txn(m, ops, NULL, err), -ENOSPC);
	assert_non_null(strstr(err, "host 'h3' would have 1025 ports"));
	json_array_remove(list, 0);
	assert_int_equal(ctrl_model_txn(m, ops, NULL, err), 0);
	json_decref(ops);
	ctrl_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(txn_rejects_malformed_requests),
		cmocka_unit_test(txn_refused_later_op_leaves_model_unchanged),
		cmocka_unit_test(txn_refuses_what_spans_vpcs),
		cmocka_unit_test(explicit_sockets_are_unique_per_host_only),
		cmocka_unit_test(rows_are_kept_canonical),
		cmocka_unit_test(txn_reports_changes_and_counts_versions),
		cmocka_unit_test(sg_delete_takes_its_rules),
		cmocka_unit_test(port_moves_between_vpcs_and_hosts),
		cmocka_unit_test(replace_is_declarative),
		cmocka_unit_test(replace_refused_names_the_row_and_changes_nothing),
		cmocka_unit_test(affected_hosts_follow_vpcs_and_bindings),
		cmocka_unit_test(host_port_limit_is_a_switchs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
