/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The seed state and helpers the tests of the configuration model share (test_cfg.c,
 * test_cfg_route.c, test_cfg_dhcp.c): rows built from text, a byte-for-byte state
 * comparison, the check that a refused edit names its field and changes nothing, and
 * allocation failure injection. Include after cmocka.h.
 */
#ifndef VPCSW_TEST_CFG_FIXTURE_H
#define VPCSW_TEST_CFG_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

static inline struct cfg_ip mk_ip(const char *s)
{
	struct cfg_ip ip;

	assert_int_equal(cfg_ip_parse(s, &ip), 0);
	return ip;
}

static inline struct cfg_prefix mk_prefix(const char *s)
{
	struct cfg_prefix p;

	assert_int_equal(cfg_prefix_parse(s, &p), 0);
	return p;
}

static inline struct cfg_vpc mk_vpc(const char *name, uint32_t vni)
{
	struct cfg_vpc v;

	memset(&v, 0, sizeof(v));
	snprintf(v.name, sizeof(v.name), "%s", name);
	v.vni = vni;
	v.encap = CFG_ENCAP_VXLAN;
	v.mtu = CFG_MTU_DEFAULT;
	return v;
}

static inline struct cfg_subnet mk_subnet(const char *vpc, const char *cidr, const char *gw,
					  const char *mac)
{
	struct cfg_subnet s;

	memset(&s, 0, sizeof(s));
	snprintf(s.vpc, sizeof(s.vpc), "%s", vpc);
	s.cidr = mk_prefix(cidr);
	s.gateway = mk_ip(gw);
	assert_int_equal(cfg_mac_parse(mac, s.gateway_mac), 0);
	return s;
}

/* ips: comma-separated list or NULL. */
static inline struct cfg_port mk_port(const char *name, const char *vpc, const char *mac,
				      const char *ips)
{
	struct cfg_port p;
	char buf[256], *save = NULL;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	snprintf(p.vpc, sizeof(p.vpc), "%s", vpc);
	assert_int_equal(cfg_mac_parse(mac, p.mac), 0);
	if (ips != NULL) {
		snprintf(buf, sizeof(buf), "%s", ips);
		for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
			p.ips[p.n_ips++] = mk_ip(t);
	}
	snprintf(p.socket, sizeof(p.socket), "/run/vpcsw/%s.sock", name);
	p.mode = CFG_VHOST_SERVER;
	p.queues = 1;
	return p;
}

/* members: comma-separated addresses. */
static inline struct cfg_ecmp_group mk_group(const char *vpc, const char *name, const char *members)
{
	struct cfg_ecmp_group g;
	char buf[512], *save = NULL;

	memset(&g, 0, sizeof(g));
	snprintf(g.vpc, sizeof(g.vpc), "%s", vpc);
	snprintf(g.name, sizeof(g.name), "%s", name);
	snprintf(buf, sizeof(buf), "%s", members);
	for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
		g.members[g.n_members++] = mk_ip(t);
	return g;
}

/* nh: the address (ADDRESS, VTEP) or name (PORT, ECMP); NULL for BLACKHOLE. */
static inline struct cfg_route mk_route(const char *vpc, const char *prefix, uint8_t kind,
					const char *nh)
{
	struct cfg_route r;

	memset(&r, 0, sizeof(r));
	snprintf(r.vpc, sizeof(r.vpc), "%s", vpc);
	r.prefix = mk_prefix(prefix);
	r.nh_kind = kind;
	if (kind == CFG_NH_ADDRESS || kind == CFG_NH_VTEP)
		r.nh_ip = mk_ip(nh);
	else if (kind == CFG_NH_PORT || kind == CFG_NH_ECMP)
		snprintf(r.nh_name, sizeof(r.nh_name), "%s", nh);
	return r;
}

/*
 * The VPCs and subnets both seeds share; each adds its own ports, so that test_cfg.c keeps a
 * red VPC without ports and one subnet, which its delete and conflict tests rely on:
 *   vpc blue (vni 100): 10.0.0.0/24 gw 10.0.0.1, fd00:1::/64 gw fd00:1::1 (gw MAC :01)
 *   vpc red  (vni 200): 10.0.0.0/24 gw 10.0.0.1 (gw MAC :02)
 */
static inline struct cfg *seed_new(void)
{
	struct cfg *c = cfg_new();
	char err[CFG_ERR_SIZE];
	struct cfg_vpc v;
	struct cfg_subnet s;

	assert_non_null(c);
	v = mk_vpc("blue", 100);
	assert_int_equal(cfg_vpc_insert(c, &v, err), 0);
	v = mk_vpc("red", 200);
	assert_int_equal(cfg_vpc_insert(c, &v, err), 0);
	s = mk_subnet("blue", "10.0.0.0/24", "10.0.0.1", "02:00:00:00:00:01");
	assert_int_equal(cfg_subnet_insert(c, &s, err), 0);
	s = mk_subnet("blue", "fd00:1::/64", "fd00:1::1", "02:00:00:00:00:01");
	assert_int_equal(cfg_subnet_insert(c, &s, err), 0);
	s = mk_subnet("red", "10.0.0.0/24", "10.0.0.1", "02:00:00:00:00:02");
	assert_int_equal(cfg_subnet_insert(c, &s, err), 0);
	return c;
}

/*
 * The seed the route and DHCP tests start from: seed_new, and
 *   vpc blue: port fw1 02:00:00:00:01:01 10.0.0.10 fd00:1::10
 *   vpc red:  192.168.1.0/24 gw 192.168.1.1 (gw MAC :02), port vm2 02:00:00:00:02:01 10.0.0.10
 */
static inline int seed_setup(void **state)
{
	struct cfg *c = seed_new();
	char err[CFG_ERR_SIZE];
	struct cfg_subnet s;
	struct cfg_port p;

	s = mk_subnet("red", "192.168.1.0/24", "192.168.1.1", "02:00:00:00:00:02");
	assert_int_equal(cfg_subnet_insert(c, &s, err), 0);
	p = mk_port("fw1", "blue", "02:00:00:00:01:01", "10.0.0.10,fd00:1::10");
	assert_int_equal(cfg_port_insert(c, &p, err), 0);
	p = mk_port("vm2", "red", "02:00:00:00:02:01", "10.0.0.10");
	assert_int_equal(cfg_port_insert(c, &p, err), 0);
	*state = c;
	return 0;
}

static inline int seed_teardown(void **state)
{
	cfg_free(*state);
	return 0;
}

static inline bool table_same(const struct cfg_table *a, const struct cfg_table *b)
{
	return a->len == b->len && a->row_size == b->row_size &&
	       (a->len == 0 || memcmp(a->rows, b->rows, a->len * a->row_size) == 0);
}

static inline bool state_same(const struct cfg *a, const struct cfg *b)
{
	for (int t = 0; t < CFG_T_COUNT; t++)
		if (!table_same(cfg_table_get(a, t), cfg_table_get(b, t)))
			return false;
	return true;
}

/*
 * Run an edit that must be refused (with a local `char err[CFG_ERR_SIZE]` in scope): check
 * the -errno, that the message contains `field`, and that the state is byte for byte what it
 * was before.
 */
#define assert_refused(c, call, want_rc, field)                                                    \
	do {                                                                                       \
		struct cfg *before_ = cfg_clone(c);                                                \
		int rc_;                                                                           \
                                                                                                   \
		assert_non_null(before_);                                                          \
		memset(err, 0, sizeof(err));                                                       \
		rc_ = (call);                                                                      \
		assert_int_equal(rc_, (want_rc));                                                  \
		if (strstr(err, (field)) == NULL)                                                  \
			fail_msg("message '%s' does not name '%s'", err, (field));                 \
		assert_true(state_same((c), before_));                                             \
		cfg_free(before_);                                                                 \
	} while (0)

#ifdef TEST_CFG_WRAP_ALLOC
/*
 * Allocation failure injection, for a test meson.build links with -Wl,--wrap=malloc,calloc,
 * realloc (and that defines TEST_CFG_WRAP_ALLOC before including this): the allocations of
 * the code under test come here. allocs_until_failure = n makes the (n+1)-th allocation from
 * now fail, once.
 */
static int allocs_until_failure = -1;

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

static bool alloc_fails(void)
{
	if (allocs_until_failure < 0)
		return false;
	return allocs_until_failure-- == 0;
}

void *__wrap_malloc(size_t size)
{
	return alloc_fails() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return alloc_fails() ? NULL : __real_realloc(p, size);
}
#endif

#endif
