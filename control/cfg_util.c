/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every table of the desired state shares (declared in cfg.h and cfg_private.h):
 * growable tables, error messages, addresses and names. The tables themselves live in
 * cfg.c (VPCs to security group rules), cfg_route.c (routes, ECMP groups) and cfg_dhcp.c.
 */
#include "cfg_private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int cfg_fail(char *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err, CFG_ERR_SIZE, fmt, ap);
		va_end(ap);
		cfg_utf8_scrub(err);
	}
	return rc;
}

/* ---- tables ---- */

void cfg_table_init(struct cfg_table *t, size_t row_size)
{
	memset(t, 0, sizeof(*t));
	t->row_size = row_size;
}

int cfg_table_copy(struct cfg_table *dst, const struct cfg_table *src)
{
	cfg_table_init(dst, src->row_size);
	if (src->len == 0)
		return 0;
	dst->rows = malloc(src->len * src->row_size);
	if (dst->rows == NULL)
		return -ENOMEM;
	memcpy(dst->rows, src->rows, src->len * src->row_size);
	dst->len = dst->cap = src->len;
	return 0;
}

int cfg_table_append(struct cfg_table *t, const void *row, char *err)
{
	if (t->len == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		void *rows = realloc(t->rows, cap * t->row_size);

		if (rows == NULL)
			return cfg_fail(err, -ENOMEM, "out of memory");
		t->rows = rows;
		t->cap = cap;
	}
	memcpy((char *)t->rows + t->len * t->row_size, row, t->row_size);
	t->len++;
	return 0;
}

void cfg_table_remove(struct cfg_table *t, size_t i)
{
	memmove(cfg_table_row(t, i), cfg_table_row(t, i + 1), (t->len - i - 1) * t->row_size);
	t->len--;
}

/* ---- addresses ---- */

int cfg_ip_parse(const char *s, struct cfg_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (s == NULL)
		return -EINVAL;
	if (inet_pton(AF_INET, s, ip->addr) == 1) {
		ip->af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip->addr) == 1) {
		ip->af = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int cfg_prefix_parse(const char *s, struct cfg_prefix *p)
{
	char buf[64];
	const char *slash;
	char *end;
	long plen;

	memset(p, 0, sizeof(*p));
	if (s == NULL || (slash = strchr(s, '/')) == NULL || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (cfg_ip_parse(buf, &p->ip) < 0)
		return -EINVAL;
	/* digits only: strtol would also take blanks and signs */
	if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
		return -EINVAL;
	plen = strtol(slash + 1, &end, 10);
	if (*end != '\0' || plen > (long)cfg_ip_bits(&p->ip))
		return -EINVAL;
	p->plen = (uint8_t)plen;
	return 0;
}

int cfg_hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Exactly xx:xx:xx:xx:xx:xx; scanf would also take signs, blanks and 0x. */
int cfg_mac_parse(const char *s, uint8_t mac[6])
{
	if (s == NULL || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = cfg_hex_digit(s[3 * i]), lo = cfg_hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void cfg_ip_format(const struct cfg_ip *ip, char *buf, size_t size)
{
	if (inet_ntop(ip->af, ip->addr, buf, size) == NULL)
		snprintf(buf, size, "?");
}

void cfg_prefix_format(const struct cfg_prefix *p, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	cfg_ip_format(&p->ip, ip, sizeof(ip));
	snprintf(buf, size, "%s/%u", ip, p->plen);
}

void cfg_mac_format(const uint8_t mac[6], char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

static bool bit_set(const uint8_t *addr, unsigned int i)
{
	return addr[i / 8] & (0x80 >> (i % 8));
}

bool cfg_prefix_contains(const struct cfg_prefix *p, const struct cfg_ip *ip)
{
	unsigned int whole = p->plen / 8, rest = p->plen % 8;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));

	if (p->ip.af != ip->af || memcmp(p->ip.addr, ip->addr, whole) != 0)
		return false;
	return rest == 0 || ((p->ip.addr[whole] ^ ip->addr[whole]) & mask) == 0;
}

bool cfg_host_bits_zero(const struct cfg_prefix *p)
{
	for (unsigned int i = p->plen; i < cfg_ip_bits(&p->ip); i++)
		if (bit_set(p->ip.addr, i))
			return false;
	return true;
}

bool cfg_is_v4_reserved(const struct cfg_prefix *p, const struct cfg_ip *ip)
{
	bool all0 = true, all1 = true;

	if (ip->af != AF_INET || p->plen >= 31)
		return false;
	for (unsigned int i = p->plen; i < 32; i++) {
		if (bit_set(ip->addr, i))
			all0 = false;
		else
			all1 = false;
	}
	return all0 || all1;
}

bool cfg_prefixes_overlap(const struct cfg_prefix *a, const struct cfg_prefix *b)
{
	const struct cfg_prefix *shorter = a->plen <= b->plen ? a : b;
	const struct cfg_prefix *longer = shorter == a ? b : a;

	return cfg_prefix_contains(shorter, &longer->ip);
}

bool cfg_mac_valid_unicast(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return (mac[0] & 1) == 0 && memcmp(mac, zero, 6) != 0;
}

bool cfg_name_valid(const char *name)
{
	size_t n = strnlen(name, CFG_NAME_SIZE);

	if (n == 0 || n >= CFG_NAME_SIZE)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.'))
			return false;
	}
	return true;
}

bool cfg_ip_unicast(const struct cfg_ip *ip)
{
	static const uint8_t zero[16];

	if (ip->af != AF_INET && ip->af != AF_INET6)
		return false;
	if (memcmp(ip->addr, zero, cfg_ip_bits(ip) / 8) == 0)
		return false;
	return ip->af == AF_INET ? ip->addr[0] < 224 : ip->addr[0] != 0xff;
}

void cfg_name_copy(char dst[CFG_NAME_SIZE], const char *src)
{
	memset(dst, 0, CFG_NAME_SIZE);
	memcpy(dst, src, strnlen(src, CFG_NAME_SIZE - 1));
}

void cfg_ip_clean(struct cfg_ip *ip)
{
	size_t used = ip->af == AF_INET || ip->af == AF_INET6 ? cfg_ip_bits(ip) / 8 : 0;

	memset(ip->addr + used, 0, sizeof(ip->addr) - used);
}

const struct cfg_subnet *cfg_subnet_holding(const struct cfg *c, const char *vpc,
					    const struct cfg_ip *ip)
{
	CFG_FOREACH(struct cfg_subnet, s, c->subnets)
	if (strcmp(s->vpc, vpc) == 0 && cfg_prefix_contains(&s->cidr, ip))
		return s;
	return NULL;
}

/* Length of the valid UTF-8 sequence at s, or 0 (RFC 3629: no overlongs, no surrogates). */
static size_t utf8_seq_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void cfg_utf8_scrub(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p != '\0') {
		size_t n = utf8_seq_len(p);

		if (n == 0)
			*p++ = '?';
		else
			p += n;
	}
}
