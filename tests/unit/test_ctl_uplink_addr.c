/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of control/ctl_uplink_addr.c: --controller's address list (what it refuses and
 * why), --host-id, and the reconnect backoff's bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "ctl_uplink_addr.h"

static struct ctl_uplink_addr addrs[CTL_UPLINK_ADDRS_MAX];
static unsigned int n;
static char err[400];

static int parse(const char *list)
{
	return ctl_uplink_addrs_parse(list, addrs, &n, err, sizeof(err));
}

static void addrs_refuses_bad_entries(void **state)
{
	static const struct {
		const char *list, *why;
	} bad[] = {
		{"", "empty entry"},
		{"tcp:1.2.3.4:80,", "empty entry"},
		{",tcp:1.2.3.4:80", "empty entry"},
		{"tcp:1.2.3.4:80,,tcp:1.2.3.5:80", "empty entry"},
		{"udp:1.2.3.4:80", "tcp: or tls:"},
		{"1.2.3.4:80", "tcp: or tls:"},
		{"tcp:1.2.3.4", "no port"},
		{"tcp:1.2.3.4:", "the port"},
		{"tcp:1.2.3.4:0", "the port"},
		{"tcp:1.2.3.4:65536", "the port"},
		{"tcp:1.2.3.4:+80", "the port"},
		{"tcp:1.2.3.4:80x", "the port"},
		{"tcp::80", "no host"},
		{"tcp:1.2.3:80", "not an IPv4 address"},
		{"tcp:1.2.3.256:80", "not an IPv4 address"},
		{"tcp:::1:80", "in brackets"},
		{"tcp:[::1]80", "[ADDRESS]:PORT"},
		{"tcp:[::1:80", "[ADDRESS]:PORT"},
		{"tcp:[1.2.3.4]:80", "not an IPv6 address"},
		{"tcp:[]:80", "not an IPv6 address"},
		{"tcp:ctl_1:80", "not an address or a host name"},
		{"tcp:-ctl:80", "not an address or a host name"},
		{"tcp:ctl-.example:80", "not an address or a host name"},
		{"tcp:ctl..example:80", "not an address or a host name"},
		{"tcp:a:1,tcp:a:2,tcp:a:3,tcp:a:4,tcp:a:5,tcp:a:6,tcp:a:7,tcp:a:8,tcp:a:9",
		 "at most 8"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (parse(bad[i].list) != -EINVAL || strstr(err, bad[i].why) == NULL)
			fail_msg("'%s': wanted '%s', got '%s'", bad[i].list, bad[i].why, err);
	}
}

static void addrs_parse_each_form(void **state)
{
	(void)state;
	assert_int_equal(parse("tcp:10.0.0.1:6640,tcp:[fd00::1]:6641,tls:ctl-1.example.com:443"),
			 0);
	assert_int_equal(n, 3);
	assert_int_equal(addrs[0].scheme, CTL_UPLINK_TCP);
	assert_string_equal(addrs[0].host, "10.0.0.1");
	assert_string_equal(addrs[0].port, "6640");
	assert_true(addrs[0].numeric);
	assert_string_equal(addrs[1].host, "fd00::1");
	assert_string_equal(addrs[1].port, "6641");
	assert_true(addrs[1].numeric);
	assert_string_equal(addrs[1].text, "tcp:[fd00::1]:6641");
	assert_int_equal(addrs[2].scheme, CTL_UPLINK_TLS);
	assert_string_equal(addrs[2].host, "ctl-1.example.com");
	assert_false(addrs[2].numeric);
	assert_int_equal(parse("tcp:localhost:1"), 0);
	assert_int_equal(n, 1);
	assert_false(addrs[0].numeric);
}

static void addrs_take_eight_and_the_port_bounds(void **state)
{
	(void)state;
	assert_int_equal(
		parse("tcp:a:1,tcp:a:2,tcp:a:3,tcp:a:4,tcp:a:5,tcp:a:6,tcp:a:7,tcp:a:65535"), 0);
	assert_int_equal(n, 8);
	assert_string_equal(addrs[7].port, "65535");
}

static void host_id_is_a_southbound_name(void **state)
{
	(void)state;
	assert_true(ctl_uplink_host_id_valid("h1"));
	assert_true(ctl_uplink_host_id_valid("rack-7.host_12"));
	assert_true(ctl_uplink_host_id_valid("0123456789012345678901234567890"));   /* 31 */
	assert_false(ctl_uplink_host_id_valid("01234567890123456789012345678901")); /* 32 */
	assert_false(ctl_uplink_host_id_valid(""));
	assert_false(ctl_uplink_host_id_valid("a b"));
	assert_false(ctl_uplink_host_id_valid("a/b"));
}

static void backoff_doubles_to_eight_seconds(void **state)
{
	static const unsigned int want[] = {250, 500, 1000, 2000, 4000, 8000, 8000};
	unsigned int ms = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ms = ctl_uplink_backoff_next(ms);
		assert_int_equal(ms, want[i]);
	}
}

static void backoff_jitter_stays_within_a_quarter(void **state)
{
	static const uint32_t rnds[] = {0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};

	(void)state;
	for (unsigned int ms = 250; ms <= 8000; ms *= 2)
		for (size_t i = 0; i < sizeof(rnds) / sizeof(rnds[0]); i++) {
			unsigned int d = ctl_uplink_backoff_jitter(ms, rnds[i]);

			assert_true(d * 4 >= ms * 3);
			assert_true(d * 4 <= ms * 5);
		}
	assert_int_equal(ctl_uplink_backoff_jitter(8000, 0), 6000);
	assert_true(ctl_uplink_backoff_jitter(8000, 0xffffffff) > 9990);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addrs_refuses_bad_entries),
		cmocka_unit_test(addrs_parse_each_form),
		cmocka_unit_test(addrs_take_eight_and_the_port_bounds),
		cmocka_unit_test(host_id_is_a_southbound_name),
		cmocka_unit_test(backoff_doubles_to_eight_seconds),
		cmocka_unit_test(backoff_jitter_stays_within_a_quarter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
