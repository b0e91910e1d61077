/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security-group rules and compiled groups from compact descriptions (prefixes as CIDR
 * text), shared by the tests that need real rte_acl contexts: test_acl.c, test_dp_flow.c and
 * the fuzz_ct target. Header-only, like test_cfg_fixture.h, so that test_acl (which links
 * neither dataplane fixture) needs no extra source. Include after cmocka.h: a typo in a
 * description fails the running test.
 */
#ifndef VPCSW_TEST_SG_FIXTURE_H
#define VPCSW_TEST_SG_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_memory.h>

#include "sg.h"

static inline struct sg_prefix sg_test_prefix(const char *cidr)
{
	struct sg_prefix p = {0};
	char ip[64];
	const char *slash = strchr(cidr, '/');

	assert_non_null(slash);
	snprintf(ip, sizeof(ip), "%.*s", (int)(slash - cidr), cidr);
	p.af = strchr(ip, ':') != NULL ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(p.af, ip, p.addr), 1);
	p.plen = (uint8_t)atoi(slash + 1);
	return p;
}

/** A rule of any protocol, as given (SG_PROTO_ICMP stays ICMP for an IPv6 prefix); ports
 *  only mean something for tcp and udp. */
static inline struct sg_rule sg_test_rule(uint32_t id, enum sg_dir dir, uint8_t proto,
					  uint16_t port_min, uint16_t port_max, const char *cidr)
{
	struct sg_rule r = {.id = id,
			    .dir = dir,
			    .proto = proto,
			    .port_min = port_min,
			    .port_max = port_max,
			    .remote = sg_test_prefix(cidr)};

	r.af = r.remote.af;
	return r;
}

/** An ICMP rule, ICMPv6 for an IPv6 prefix. */
static inline struct sg_rule sg_test_icmp(uint32_t id, enum sg_dir dir, const char *cidr,
					  enum sg_icmp_match match, uint8_t type, uint8_t code)
{
	struct sg_rule r = sg_test_rule(id, dir, SG_PROTO_ICMP, 0, 0, cidr);

	if (r.af == AF_INET6)
		r.proto = SG_PROTO_ICMPV6;
	r.icmp_match = match;
	r.icmp_type = type;
	r.icmp_code = code;
	return r;
}

static inline struct sg_acl *sg_test_acl(const struct sg_rule *rules, size_t len, enum sg_dir dir)
{
	char err[SG_ERR_SIZE] = "";
	struct sg_acl *acl = sg_acl_create(rules, len, dir, SOCKET_ID_ANY, err);

	if (acl == NULL)
		fail_msg("sg_acl_create: %s (%s)", strerror(errno), err);
	return acl;
}

#endif
