/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of control/cfg_lb.c through the JSON codec, as the management protocol drives
 * it: balancers, listeners and backends that fit their VPC go in; every refusal names what
 * is wrong and leaves the whole state as it was (compared as JSON); the cross-table rules
 * hold both ways (a port may not take a VIP, a subnet holding a VIP cannot go, ...).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "cfg.h"
#include "cfg_json.h"

static const char *const base =
	"{\"vpcs\": [{\"name\": \"blue\", \"vni\": 100}, {\"name\": \"red\", \"vni\": 200}],"
	" \"subnets\": ["
	"  {\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\","
	"   \"gateway_mac\": \"02:00:00:00:00:01\"},"
	"  {\"vpc\": \"blue\", \"cidr\": \"10.0.1.0/24\", \"gateway\": \"10.0.1.1\","
	"   \"gateway_mac\": \"02:00:00:00:00:01\"},"
	"  {\"vpc\": \"blue\", \"cidr\": \"fd00:1::/64\", \"gateway\": \"fd00:1::1\","
	"   \"gateway_mac\": \"02:00:00:00:00:01\"},"
	"  {\"vpc\": \"red\", \"cidr\": \"10.9.0.0/24\", \"gateway\": \"10.9.0.1\","
	"   \"gateway_mac\": \"02:00:00:00:00:02\"}],"
	" \"ports\": [{\"name\": \"vm1\", \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01:01\","
	"   \"ips\": [\"10.0.0.11\"]}],"
	" \"remotes\": [{\"vpc\": \"blue\", \"mac\": \"02:00:00:00:02:01\","
	"   \"ips\": [\"10.0.0.21\"], \"vtep\": \"192.168.50.2\"}],"
	" \"load_balancers\": [{\"vpc\": \"blue\", \"name\": \"web\", \"vip\": \"10.0.0.100\"}],"
	" \"lb_listeners\": [{\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"tcp\","
	"   \"port\": 80}],"
	" \"lb_backends\": ["
	"  {\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"tcp\", \"port\": 80,"
	"   \"address\": \"10.0.0.11\", \"backend_port\": 8080, \"weight\": 2},"
	"  {\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"tcp\", \"port\": 80,"
	"   \"address\": \"10.0.0.21\"}]}";

static json_t *js(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);

	if (j == NULL)
		fail_msg("test JSON does not parse: %s: %s", text, je.text);
	return j;
}

static int setup(void **state)
{
	char err[CFG_ERR_SIZE] = "";
	json_t *doc = js(base);
	struct cfg *c = NULL;

	if (cfg_state_decode(doc, "/run/vpcsw", &c, err) != 0) {
		print_error("base state refused: %s\n", err);
		json_decref(doc);
		return -1;
	}
	json_decref(doc);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	cfg_free(*state);
	return 0;
}

static int op(struct cfg *c, const char *what, const char *table, const char *row, char *err)
{
	json_t *j = js(row);
	int t = cfg_table_parse(table), rc;

	assert_true(t >= 0);
	err[0] = '\0';
	rc = cfg_apply_op(c, what, (enum cfg_table_id)t, j, "/run/vpcsw", err);
	json_decref(j);
	return rc;
}

/* The operation fails with rc, says text, and the state is exactly as before. */
static void refused(struct cfg *c, const char *what, const char *table, const char *row, int rc,
		    const char *text)
{
	char err[CFG_ERR_SIZE];
	json_t *before = cfg_state_encode(c), *after;
	int got = op(c, what, table, row, err);

	after = cfg_state_encode(c);
	if (got != rc || strstr(err, text) == NULL)
		fail_msg("%s %s %s: rc %d '%s' (wanted %d '%s')", what, table, row, got, err, rc,
			 text);
	assert_true(json_equal(before, after));
	json_decref(before);
	json_decref(after);
}

static void accepted(struct cfg *c, const char *what, const char *table, const char *row)
{
	char err[CFG_ERR_SIZE];

	if (op(c, what, table, row, err) != 0)
		fail_msg("%s %s %s: refused: %s", what, table, row, err);
}

#define BE(addr, rest)                                                                             \
	"{\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"tcp\", \"port\": 80, \"address\": "  \
	"\"" addr "\"" rest "}"

static void test_defaults_and_round_trip(void **state)
{
	struct cfg *c = *state, *back = NULL;
	const struct cfg_lb_listener *l;
	struct cfg_lb_listener key = {.vpc = "blue", .lb = "web", .proto = 6, .port = 80};
	struct cfg_lb_backend bkey = {.vpc = "blue", .lb = "web", .proto = 6, .port = 80};
	const struct cfg_lb_backend *b;
	json_t *doc = cfg_state_encode(c), *again;
	char err[CFG_ERR_SIZE];

	l = cfg_lb_listener_find(c, &key);
	assert_non_null(l);
	assert_int_equal(l->health.type, CFG_LB_HC_NONE);
	assert_int_equal(l->n_backends, 2);
	assert_int_equal(cfg_ip_parse("10.0.0.21", &bkey.ip), 0);
	b = cfg_lb_backend_find(c, &bkey); /* backend_port 0: the listener's */
	assert_non_null(b);
	assert_int_equal(b->backend_port, 80);
	assert_int_equal(b->weight, 1);
	assert_false(b->down);
	assert_int_equal(cfg_state_decode(doc, "/run/vpcsw", &back, err), 0);
	again = cfg_state_encode(back);
	assert_true(json_equal(doc, again));
	for (int t = CFG_T_LB; t <= CFG_T_LB_BACKEND; t++)
		assert_int_equal(cfg_count_unchanged(c, back, t), cfg_table_get(c, t)->len);
	json_decref(doc);
	json_decref(again);
	cfg_free(back);
}

static void test_balancer_refusals(void **state)
{
	struct cfg *c = *state;

	refused(c, "insert", "load_balancer",
		"{\"vpc\": \"blue\", \"name\": \"x\", \"vip\": \"10.5.0.1\"}", -EINVAL,
		"load_balancer.vip: 10.5.0.1 is outside every subnet of vpc 'blue'");
	refused(c, "insert", "load_balancer",
		"{\"vpc\": \"blue\", \"name\": \"x\", \"vip\": \"10.0.0.1\"}", -EEXIST,
		"is the subnet's gateway");
	refused(c, "insert", "load_balancer",
		"{\"vpc\": \"blue\", \"name\": \"x\", \"vip\": \"10.0.0.11\"}", -EEXIST,
		"is already used by port 'vm1'");
	refused(c, "insert", "load_balancer",
		"{\"vpc\": \"blue\", \"name\": \"x\", \"vip\": \"10.0.0.21\"}", -EEXIST,
		"is already used by a remote endpoint");
	refused(c, "insert", "load_balancer",
		"{\"vpc\": \"blue\", \"name\": \"x\", \"vip\": \"10.0.0.100\"}", -EEXIST,
		"is already the VIP of load balancer 'web'");
	refused(c, "insert", "load_balancer",
		"{\"vpc\": \"blue\", \"name\": \"web\", \"vip\": \"10.0.0.101\"}", -EEXIST,
		"'web' already exists in vpc 'blue'");
	refused(c, "insert", "load_balancer",
		"{\"vpc\": \"green\", \"name\": \"x\", \"vip\": \"10.0.0.101\"}", -ENOENT,
		"no vpc 'green'");
	refused(c, "insert", "load_balancer",
		"{\"vpc\": \"blue\", \"name\": \"x\", \"vip\": \"10.0.0.255\"}", -EINVAL,
		"not a host address of its subnet");
	refused(c, "insert", "load_balancer",
		"{\"vpc\": \"blue\", \"name\": \"x\", \"vip\": \"10.0.0.101\", "
		"\"on_backend_removed\": \"maybe\"}",
		-EINVAL, "on_backend_removed: 'maybe' is not one of reset, drop");
	refused(c, "insert", "load_balancer",
		"{\"vpc\": \"blue\", \"name\": \"x\", \"vip\": \"10.0.0.101\", "
		"\"affinity_timeout\": 86401}",
		-EINVAL, "affinity_timeout");
	accepted(c, "insert", "load_balancer",
		 "{\"vpc\": \"blue\", \"name\": \"x\", \"vip\": \"10.0.0.101\", "
		 "\"affinity_timeout\": 60}");
	assert_int_equal(cfg_lb_find(c, "blue", "x")->affinity_timeout, 60);
	accepted(c, "delete", "load_balancer", "{\"vpc\": \"blue\", \"name\": \"x\"}");
	refused(c, "insert", "load_balancer",
		"{\"vpc\": \"blue\", \"name\": \"x\", \"vip\": \"10.0.0.101\", \"color\": 1}",
		-EINVAL, "load_balancer.color: unknown member");
	/* its backends are IPv4: the VIP cannot become IPv6 */
	refused(c, "modify", "load_balancer",
		"{\"vpc\": \"blue\", \"name\": \"web\", \"vip\": \"fd00:1::100\"}", -EBUSY,
		"the VIP must stay IPv4");
	refused(c, "delete", "load_balancer", "{\"vpc\": \"blue\", \"name\": \"web\"}", -EBUSY,
		"still has listener tcp/80");
	/* the same VIP in another VPC is another address */
	accepted(c, "insert", "load_balancer",
		 "{\"vpc\": \"red\", \"name\": \"web\", \"vip\": \"10.9.0.100\"}");
	accepted(c, "modify", "load_balancer",
		 "{\"vpc\": \"blue\", \"name\": \"web\", \"vip\": \"10.0.1.100\", "
		 "\"on_backend_removed\": \"drop\"}");
	assert_int_equal(cfg_lb_find(c, "blue", "web")->on_backend_removed, CFG_LB_REMOVED_DROP);
}

static void test_listener_refusals(void **state)
{
	struct cfg *c = *state;
	char row[256];

	refused(c, "insert", "lb_listener",
		"{\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"tcp\", \"port\": 80}",
		-EEXIST, "load balancer 'web' already listens on tcp/80");
	refused(c, "insert", "lb_listener",
		"{\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"icmp\", \"port\": 80}",
		-EINVAL, "'icmp' is not tcp or udp");
	refused(c, "insert", "lb_listener",
		"{\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"udp\", \"port\": 0}", -EINVAL,
		"lb_listener.port: must be 1 to 65535");
	refused(c, "insert", "lb_listener",
		"{\"vpc\": \"blue\", \"lb\": \"nope\", \"protocol\": \"udp\", \"port\": 53}",
		-ENOENT, "no load balancer 'nope' in vpc 'blue'");
	refused(c, "insert", "lb_listener",
		"{\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"tcp\", \"port\": 443,"
		" \"health_check\": {\"type\": \"http\", \"path\": \"index.html\"}}",
		-EINVAL, "must start with '/'");
	refused(c, "insert", "lb_listener",
		"{\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"tcp\", \"port\": 443,"
		" \"health_check\": {\"interval_ms\": 500, \"timeout_ms\": 800}}",
		-EINVAL, "timeout_ms: 800 (10 to the interval, 500)");
	refused(c, "insert", "lb_listener",
		"{\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"tcp\", \"port\": 443,"
		" \"health_check\": {\"type\": \"tcp\", \"path\": \"/\"}}",
		-EINVAL, "path: only for type http");
	accepted(c, "insert", "lb_listener",
		 "{\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"tcp\", \"port\": 443,"
		 " \"health_check\": {\"type\": \"http\", \"path\": \"/healthz\"}}");
	{
		struct cfg_lb_listener key = {.vpc = "blue", .lb = "web", .proto = 6, .port = 443};
		const struct cfg_lb_listener *l = cfg_lb_listener_find(c, &key);

		assert_non_null(l);
		assert_int_equal(l->health.type, CFG_LB_HC_HTTP);
		assert_string_equal(l->health.path, "/healthz");
		assert_int_equal(l->health.interval_ms, 2000);
		assert_int_equal(l->health.timeout_ms, 1000);
		assert_int_equal(l->health.rise, 2);
		assert_int_equal(l->health.fall, 3);
	}
	accepted(c, "insert", "load_balancer",
		 "{\"vpc\": \"blue\", \"name\": \"web6\", \"vip\": \"fd00:1::100\"}");
	refused(c, "insert", "lb_listener",
		"{\"vpc\": \"blue\", \"lb\": \"web6\", \"protocol\": \"tcp\", \"port\": 80,"
		" \"health_check\": {\"type\": \"tcp\"}}",
		-EINVAL, "IPv6 backends are not health-checked by this switch yet");
	refused(c, "delete", "lb_listener",
		"{\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"tcp\", \"port\": 80}", -EBUSY,
		"still has 2 backends");
	snprintf(row, sizeof(row),
		 "{\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"udp\", \"port\": 80}");
	accepted(c, "insert", "lb_listener", row); /* udp/80 is another listener */
	accepted(c, "delete", "lb_listener", row);
}

static void test_backend_refusals(void **state)
{
	struct cfg *c = *state;

	refused(c, "insert", "lb_backend", BE("10.9.0.5", ""), -EINVAL,
		"lb_backend.address: 10.9.0.5 is outside the vpc 'blue'");
	refused(c, "insert", "lb_backend", BE("10.0.0.100", ""), -EINVAL, "is the VIP");
	refused(c, "insert", "lb_backend", BE("10.0.0.1", ""), -EINVAL, "is the subnet's gateway");
	refused(c, "insert", "lb_backend", BE("fd00:1::5", ""), -EINVAL,
		"is not IPv4, as the VIP is");
	refused(c, "insert", "lb_backend", BE("10.0.0.12", ", \"weight\": 1001"), -EINVAL,
		"lb_backend.weight: 1001 (0 to 1000; 0 drains)");
	refused(c, "insert", "lb_backend", BE("10.0.0.11", ", \"backend_port\": 8080"), -EEXIST,
		"10.0.0.11 port 8080 is already a backend of tcp/80");
	refused(c, "insert", "lb_backend", BE("10.0.0.12", ", \"state\": \"sleepy\""), -EINVAL,
		"'sleepy' is not one of up, down");
	refused(c, "insert", "lb_backend",
		"{\"vpc\": \"blue\", \"lb\": \"web\", \"protocol\": \"tcp\", \"port\": 81,"
		" \"address\": \"10.0.0.12\"}",
		-ENOENT, "load balancer 'web' has no listener tcp/81");
	refused(c, "modify", "lb_backend", BE("10.0.0.12", ", \"weight\": 3"), -ENOENT,
		"10.0.0.12 port 80 is no backend of tcp/80");
	/* the same address on another port is another backend */
	accepted(c, "insert", "lb_backend",
		 BE("10.0.0.11", ", \"backend_port\": 8081, \"weight\": 0"));
	accepted(c, "modify", "lb_backend",
		 BE("10.0.0.21", ", \"weight\": 5, \"state\": \"down\""));
	accepted(c, "delete", "lb_backend", BE("10.0.0.11", ", \"backend_port\": 8080"));
	assert_int_equal(c->lb_backends.len, 2);
	assert_int_equal(c->lb_listeners.len, 1);
	assert_int_equal(((const struct cfg_lb_listener *)c->lb_listeners.rows)->n_backends, 2);
	{
		struct cfg_lb_backend key = {.vpc = "blue", .lb = "web", .proto = 6, .port = 80};
		const struct cfg_lb_backend *b;

		assert_int_equal(cfg_ip_parse("10.0.0.21", &key.ip), 0);
		b = cfg_lb_backend_find(c, &key);
		assert_non_null(b);
		assert_int_equal(b->weight, 5);
		assert_true(b->down);
	}
}

/* What other tables may no longer do while balancers stand on them. */
static void test_other_tables_respect_balancers(void **state)
{
	struct cfg *c = *state;

	refused(c, "insert", "port",
		"{\"name\": \"vm3\", \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01:03\","
		" \"ips\": [\"10.0.0.100\"]}",
		-EEXIST, "port.ips[0]: 10.0.0.100 is the VIP of load balancer 'web'");
	refused(c, "insert", "remote",
		"{\"vpc\": \"blue\", \"mac\": \"02:00:00:00:02:03\", \"ips\": [\"10.0.0.100\"],"
		" \"vtep\": \"192.168.50.3\"}",
		-EEXIST, "is the VIP of load balancer 'web'");
	refused(c, "modify", "subnet",
		"{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.100\","
		" \"gateway_mac\": \"02:00:00:00:00:01\"}",
		-EEXIST, "subnet.gateway: 10.0.0.100 is the VIP of load balancer 'web'");
	refused(c, "modify", "subnet",
		"{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.21\","
		" \"gateway_mac\": \"02:00:00:00:00:01\"}",
		-EEXIST, "subnet.gateway:");
	accepted(c, "insert", "load_balancer",
		 "{\"vpc\": \"red\", \"name\": \"dns\", \"vip\": \"10.9.0.53\"}");
	refused(c, "delete", "vpc", "{\"name\": \"red\"}", -EBUSY,
		"vpc 'red' still has load balancer 'dns'");
	accepted(c, "modify", "load_balancer",
		 "{\"vpc\": \"blue\", \"name\": \"web\", \"vip\": \"10.0.1.100\"}");
	refused(c, "delete", "subnet", "{\"vpc\": \"blue\", \"cidr\": \"10.0.1.0/24\"}", -EBUSY,
		"subnet holds the VIP of load balancer 'web'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults_and_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_balancer_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listener_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backend_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_tables_respect_balancers, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
