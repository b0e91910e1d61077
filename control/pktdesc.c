/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet description language of `vpcctl trace` (pktdesc.h). Four passes over a table of
 * at most PKTDESC_MAX_LAYERS layers: parse the text (names and values checked as they come),
 * check what may follow what, resolve (defaults, required fields, sizes; every error is found
 * here, before a byte is written), then write the headers front to back and the checksums back
 * to front, so that inner packets are final before an outer UDP checksum covers them.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "pktdesc.h"

enum pd_kind {
	PD_ETH,
	PD_VLAN,
	PD_ARP,
	PD_IPV4,
	PD_IPV6,
	PD_HBH,
	PD_FRAG6,
	PD_TCP,
	PD_UDP,
	PD_ICMP,
	PD_ICMP6,
	PD_VXLAN,
	PD_GENEVE,
	PD_PAYLOAD,
	PD_KIND_COUNT
};

#define BIT(k)	  (1u << (k))
#define AFTER_L2  (BIT(PD_ETH) | BIT(PD_VLAN))
#define AFTER_IP  (BIT(PD_IPV4) | BIT(PD_IPV6) | BIT(PD_HBH) | BIT(PD_FRAG6))
#define AFTER_IP6 (BIT(PD_IPV6) | BIT(PD_HBH) | BIT(PD_FRAG6))
#define AFTER_ANY ((1u << PD_KIND_COUNT) - 1)

enum pd_type { T_NUM, T_NAMED, T_MAC, T_IP4, T_IP6, T_FLAGS, T_HEX };

struct pd_name {
	const char *name;
	uint32_t value;
};

struct pd_field {
	const char *name;
	enum pd_type type;
	uint32_t max;		     /* T_NUM, T_NAMED, T_FLAGS: largest value */
	const struct pd_name *names; /* T_NAMED: ends with a NULL name */
};

#define MAX_FIELDS 9

struct pd_spec {
	const char *name;
	uint32_t after;			    /* the kinds this layer may follow */
	const char *needs;		    /* ... said in words */
	struct pd_field fields[MAX_FIELDS]; /* ends at the first NULL name */
};

/* Field indices, one list per layer, in the order of the spec tables below. */
enum { ETH_SRC, ETH_DST, ETH_TYPE };
enum { VLAN_VID, VLAN_PCP, VLAN_TYPE };
enum { ARP_OP, ARP_SHA, ARP_SPA, ARP_THA, ARP_TPA };
enum { IP4_SRC, IP4_DST, IP4_TTL, IP4_TOS, IP4_ID, IP4_DF, IP4_PROTO, IP4_FRAG, IP4_MF };
enum { IP6_SRC, IP6_DST, IP6_HLIM, IP6_TC, IP6_FLOW, IP6_NH };
enum { HBH_NH };
enum { FRAG6_OFF, FRAG6_ID, FRAG6_M, FRAG6_NH };
enum { TCP_SPORT, TCP_DPORT, TCP_FLAGS, TCP_SEQ, TCP_ACK, TCP_WIN };
enum { UDP_SPORT, UDP_DPORT };
enum { ICMP_TYPE, ICMP_CODE, ICMP_ID, ICMP_SEQ, ICMP_TARGET, ICMP_LLA };
enum { TUN_VNI };
enum { PAY_LEN, PAY_HEX, PAY_FILL };

#define ICMP6_RS      133
#define ICMP6_RA      134
#define ICMP6_NS      135
#define ICMP6_NA      136
#define DEFAULT_SPORT 49152 /* the first ephemeral port */

static const struct pd_name ethertypes[] = {{"ipv4", 0x0800}, {"arp", 0x0806},	{"vlan", 0x8100},
					    {"qinq", 0x88a8}, {"ipv6", 0x86dd}, {NULL, 0}};
static const struct pd_name ipprotos[] = {{"hbh", 0},	 {"icmp", 1},	{"tcp", 6},   {"udp", 17},
					  {"frag6", 44}, {"icmp6", 58}, {"none", 59}, {NULL, 0}};
static const struct pd_name arpops[] = {{"request", 1}, {"reply", 2}, {NULL, 0}};
static const struct pd_name icmptypes[] = {
	{"echo-request", 8}, {"echo-reply", 0}, {"unreach", 3}, {"time-exceeded", 11}, {NULL, 0}};
static const struct pd_name icmp6types[] = {
	{"echo-request", 128}, {"echo-reply", 129}, {"rs", ICMP6_RS}, {"ra", ICMP6_RA},
	{"ns", ICMP6_NS},      {"na", ICMP6_NA},    {NULL, 0}};
static const struct pd_name fills[] = {{"inc", 256}, {NULL, 0}}; /* 256: not a byte */

#define NUM(n, m)                                                                                  \
	{                                                                                          \
		n, T_NUM, m, NULL                                                                  \
	}
#define NAMED(n, m, t)                                                                             \
	{                                                                                          \
		n, T_NAMED, m, t                                                                   \
	}
#define MAC(n)                                                                                     \
	{                                                                                          \
		n, T_MAC, 0, NULL                                                                  \
	}
#define IP4(n)                                                                                     \
	{                                                                                          \
		n, T_IP4, 0, NULL                                                                  \
	}
#define IP6(n)                                                                                     \
	{                                                                                          \
		n, T_IP6, 0, NULL                                                                  \
	}

/* One layer to a block, its fields packed. */
/* clang-format off */
static const struct pd_spec specs[PD_KIND_COUNT] = {
	[PD_ETH] = {"eth", BIT(PD_VXLAN) | BIT(PD_GENEVE), "a tunnel (vxlan or geneve) before it",
		{MAC("src"), MAC("dst"), NAMED("type", 0xffff, ethertypes)}},
	[PD_VLAN] = {"vlan", AFTER_L2, "eth or vlan",
		{NUM("vid", 4095), NUM("pcp", 7), NAMED("type", 0xffff, ethertypes)}},
	[PD_ARP] = {"arp", AFTER_L2, "eth or vlan",
		{NAMED("op", 0xffff, arpops), MAC("sha"), IP4("spa"), MAC("tha"), IP4("tpa")}},
	[PD_IPV4] = {"ipv4", AFTER_L2, "eth or vlan",
		{IP4("src"), IP4("dst"), NUM("ttl", 255), NUM("tos", 255), NUM("id", 0xffff),
		 NUM("df", 1), NAMED("proto", 255, ipprotos), NUM("frag", 8191), NUM("mf", 1)}},
	[PD_IPV6] = {"ipv6", AFTER_L2, "eth or vlan",
		{IP6("src"), IP6("dst"), NUM("hlim", 255), NUM("tc", 255), NUM("flow", 0xfffff),
		 NAMED("nh", 255, ipprotos)}},
	[PD_HBH] = {"hbh", BIT(PD_IPV6), "ipv6 right before it", {NAMED("nh", 255, ipprotos)}},
	[PD_FRAG6] = {"frag6", BIT(PD_IPV6) | BIT(PD_HBH), "ipv6",
		{NUM("off", 8191), NUM("id", 0xffffffff), NUM("m", 1), NAMED("nh", 255, ipprotos)}},
	[PD_TCP] = {"tcp", AFTER_IP, "ipv4 or ipv6",
		{NUM("sport", 0xffff), NUM("dport", 0xffff), {"flags", T_FLAGS, 255, NULL},
		 NUM("seq", 0xffffffff), NUM("ack", 0xffffffff), NUM("win", 0xffff)}},
	[PD_UDP] = {"udp", AFTER_IP, "ipv4 or ipv6", {NUM("sport", 0xffff), NUM("dport", 0xffff)}},
	[PD_ICMP] = {"icmp", BIT(PD_IPV4), "ipv4 (icmp6 goes over ipv6)",
		{NAMED("type", 255, icmptypes), NUM("code", 255), NUM("id", 0xffff),
		 NUM("seq", 0xffff)}},
	[PD_ICMP6] = {"icmp6", AFTER_IP6, "ipv6 (icmp goes over ipv4)",
		{NAMED("type", 255, icmp6types), NUM("code", 255), NUM("id", 0xffff),
		 NUM("seq", 0xffff), IP6("target"), MAC("lla")}},
	[PD_VXLAN] = {"vxlan", BIT(PD_UDP), "udp", {NUM("vni", 0xffffff)}},
	[PD_GENEVE] = {"geneve", BIT(PD_UDP), "udp", {NUM("vni", 0xffffff)}},
	[PD_PAYLOAD] = {"payload", AFTER_ANY, "a layer before it",
		{NUM("len", 0xffff), {"hex", T_HEX, 0, NULL}, NAMED("fill", 255, fills)}},
};
/* clang-format on */

/* One field's value: set by the text, or by the resolve pass from a default. */
struct pd_val {
	bool set;
	uint32_t n;	  /* T_NUM, T_NAMED, T_FLAGS */
	uint8_t addr[16]; /* T_MAC (6 bytes), T_IP4 (4), T_IP6 (16) */
	const char *hex;  /* T_HEX: the digits, in the description */
	size_t hex_len;
};

struct pd_layer {
	enum pd_kind kind;
	bool inner; /* after a tunnel: no defaults, "inner" in messages */
	struct pd_val v[MAX_FIELDS];
	size_t off, size;
};

struct pd_ctx {
	const struct pktdesc_defaults *d;
	char *err;
	size_t errsz;
	struct pd_layer layers[PKTDESC_MAX_LAYERS];
	int n;
	uint8_t *out;
	size_t total;
};

/* ---- messages ---- */

#define VAL_SHOWN 40 /* at most this much of a bad value is quoted back */

static int fail(struct pd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct pd_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->errsz) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errsz, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* fail() with the layer's name in front ("inner ipv4: ..."). */
static int lfail(struct pd_ctx *c, const struct pd_layer *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int lfail(struct pd_ctx *c, const struct pd_layer *l, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (c->err && c->errsz) {
		k = snprintf(c->err, c->errsz, "%s%s: ", l->inner ? "inner " : "",
			     specs[l->kind].name);
		if (k >= 0 && (size_t)k < c->errsz) {
			va_start(ap, fmt);
			vsnprintf(c->err + k, c->errsz - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return -1;
}

/* "a, b, c" into buf: the names a message offers as the valid choices. */
static const char *list_names(char *buf, size_t size, const char *const *names, size_t stride,
			      size_t count)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		const char *name = *(const char *const *)((const char *)names + i * stride);
		int k;

		if (!name)
			break;
		k = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", name);
		if (k < 0 || (size_t)k >= size - used)
			break;
		used += (size_t)k;
	}
	return buf;
}

/* ---- lexing ---- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static size_t name_span(const char *p)
{
	size_t n = 0;

	while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
	       (p[n] >= '0' && p[n] <= '9') || p[n] == '_' || p[n] == '-')
		n++;
	return n;
}

static bool span_is(const char *p, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(p, word, len) == 0;
}

/* Decimal or 0x hex, nothing else: no sign, no spaces, no octal (strtoul takes all three).
 * A leading 0 is decimal ("080" is 80). */
static bool parse_num(const char *s, size_t len, uint64_t *out)
{
	uint64_t x = 0;
	unsigned int base = 10;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		int d = cfg_hex_digit(s[i]);

		if (d < 0 || (unsigned int)d >= base)
			return false;
		/* Every field fits 32 bits: clamp past that, so a long number is out of range
		 * rather than wrapped into it. */
		x = x * base + (unsigned int)d;
		if (x > 0xffffffffu)
			x = 0x100000000u;
	}
	*out = x;
	return true;
}

/* Six groups of one or two hex digits separated by ':'. */
static bool parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	size_t i = 0;

	for (int g = 0; g < 6; g++) {
		int hi, lo;

		if (g && (i >= len || s[i++] != ':'))
			return false;
		if (i >= len || (hi = cfg_hex_digit(s[i])) < 0)
			return false;
		i++;
		if (i < len && (lo = cfg_hex_digit(s[i])) >= 0) {
			hi = hi * 16 + lo;
			i++;
		}
		mac[g] = (uint8_t)hi;
	}
	return i == len;
}

static bool parse_ip(int af, const char *s, size_t len, uint8_t *addr)
{
	char buf[64];

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(af, buf, addr) == 1;
}

/* S A F R P U E C, any case, each at most once; or a number. */
static bool parse_flags(const char *s, size_t len, uint32_t *out)
{
	static const char letters[] = "FSRPAUEC"; /* bit 0 (FIN) to bit 7 (CWR) */
	uint64_t x;
	uint32_t f = 0;

	if (len && s[0] >= '0' && s[0] <= '9') {
		if (!parse_num(s, len, &x) || x > 255)
			return false;
		*out = (uint32_t)x;
		return true;
	}
	for (size_t i = 0; i < len; i++) {
		char ch = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
		const char *at = ch ? strchr(letters, ch) : NULL;

		if (!at || (f & 1u << (at - letters)))
			return false;
		f |= 1u << (at - letters);
	}
	*out = f;
	return true;
}

/* ---- parse ---- */

static bool find_name(const struct pd_name *names, const char *s, size_t len, uint32_t *out)
{
	for (; names->name; names++) {
		if (span_is(s, len, names->name)) {
			*out = names->value;
			return true;
		}
	}
	return false;
}

static int parse_value(struct pd_ctx *c, struct pd_layer *l, int fi, const char *s, size_t len)
{
	const struct pd_field *f = &specs[l->kind].fields[fi];
	struct pd_val *v = &l->v[fi];
	int shown = len > VAL_SHOWN ? VAL_SHOWN : (int)len;
	const char *why = NULL;
	char names[128];
	uint64_t x;

	switch (f->type) {
	case T_NAMED:
	case T_NUM:
		if (f->type == T_NAMED && find_name(f->names, s, len, &v->n))
			break;
		if (!parse_num(s, len, &x)) {
			if (f->type == T_NUM)
				return lfail(c, l, "'%s': '%.*s' is not a number", f->name, shown,
					     s);
			list_names(names, sizeof(names), &f->names[0].name, sizeof(*f->names), 64);
			return lfail(c, l, "'%s': '%.*s' is not a number or one of %s", f->name,
				     shown, s, names);
		}
		if (x > f->max)
			return lfail(c, l, "'%s': '%.*s' is out of range 0..%u", f->name, shown, s,
				     f->max);
		v->n = (uint32_t)x;
		break;
	case T_FLAGS:
		if (!parse_flags(s, len, &v->n))
			why = "is not a number (0..255) or letters of SAFRPUEC";
		break;
	case T_MAC:
		if (!parse_mac(s, len, v->addr))
			why = "is not a MAC address";
		break;
	case T_IP4:
		if (!parse_ip(AF_INET, s, len, v->addr))
			why = "is not an IPv4 address";
		break;
	case T_IP6:
		if (!parse_ip(AF_INET6, s, len, v->addr))
			why = "is not an IPv6 address";
		break;
	case T_HEX:
		v->hex = s;
		v->hex_len = len;
		if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			v->hex += 2;
			v->hex_len -= 2;
		}
		for (size_t i = 0; i < v->hex_len && !why; i++)
			if (cfg_hex_digit(v->hex[i]) < 0)
				why = "is not hex digits";
		if (!why && v->hex_len % 2)
			why = "is an odd number of hex digits";
		break;
	}
	if (why)
		return lfail(c, l, "'%s': '%.*s' %s", f->name, shown, s, why);
	v->set = true;
	return 0;
}

static int find_field(const struct pd_spec *s, const char *p, size_t len)
{
	for (int i = 0; i < MAX_FIELDS && s->fields[i].name; i++)
		if (span_is(p, len, s->fields[i].name))
			return i;
	return -1;
}

/* The inside of "name(...)": *pp just past '(' on entry, just past ')' on success. */
static int parse_fields(struct pd_ctx *c, struct pd_layer *l, const char **pp)
{
	const struct pd_spec *s = &specs[l->kind];
	const char *p = skip_ws(*pp);
	char names[128];

	while (*p != ')') {
		size_t nlen = name_span(p), vlen;
		const char *v;
		int fi;

		if (*p == '\0')
			return lfail(c, l, "missing ')'");
		if (nlen == 0)
			return lfail(c, l, "expected a field name, found '%.20s'", p);
		fi = find_field(s, p, nlen);
		if (fi < 0) {
			list_names(names, sizeof(names), &s->fields[0].name, sizeof(s->fields[0]),
				   MAX_FIELDS);
			return lfail(c, l, "unknown field '%.*s' (%s)",
				     nlen > VAL_SHOWN ? VAL_SHOWN : (int)nlen, p, names);
		}
		if (l->v[fi].set)
			return lfail(c, l, "field '%s' given twice", s->fields[fi].name);
		p = skip_ws(p + nlen);
		if (*p != '=')
			return lfail(c, l, "'%s' needs '=value'", s->fields[fi].name);
		v = p = skip_ws(p + 1);
		while (*p && *p != ',' && *p != ')')
			p++;
		vlen = (size_t)(p - v);
		while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (vlen == 0)
			return lfail(c, l, "'%s' has no value", s->fields[fi].name);
		if (parse_value(c, l, fi, v, vlen) < 0)
			return -1;
		if (*p == ',') {
			p = skip_ws(p + 1);
			if (*p == ')')
				return lfail(c, l, "expected a field name after ','");
		}
	}
	*pp = p + 1;
	return 0;
}

static int parse(struct pd_ctx *c, const char *desc)
{
	const char *p = skip_ws(desc);
	bool inner = false;
	char names[160];

	if (*p == '\0')
		return fail(c, "empty packet description");
	for (;;) {
		size_t len = name_span(p);
		struct pd_layer *l;
		int k;

		if (*p == '\0')
			return fail(c, "a layer is missing at the end");
		if (len == 0)
			return fail(c, "expected a layer name at column %zu, found '%.20s'",
				    (size_t)(p - desc) + 1, p);
		for (k = 0; k < PD_KIND_COUNT && !span_is(p, len, specs[k].name); k++)
			;
		if (k == PD_KIND_COUNT) {
			list_names(names, sizeof(names), &specs[0].name, sizeof(specs[0]),
				   PD_KIND_COUNT);
			return fail(c, "unknown layer '%.*s' (%s)",
				    len > VAL_SHOWN ? VAL_SHOWN : (int)len, p, names);
		}
		if (c->n == PKTDESC_MAX_LAYERS)
			return fail(c, "more than %d layers", PKTDESC_MAX_LAYERS);
		l = &c->layers[c->n++];
		l->kind = (enum pd_kind)k;
		l->inner = inner;
		p = skip_ws(p + len);
		if (*p == '(') {
			p++;
			if (parse_fields(c, l, &p) < 0)
				return -1;
			p = skip_ws(p);
		}
		if (k == PD_VXLAN || k == PD_GENEVE)
			inner = true;
		if (*p == '\0')
			return 0;
		if (*p != '/')
			return lfail(c, l,
				     "unexpected '%.20s' after the layer (expected '/' or the end)",
				     p);
		p = skip_ws(p + 1);
	}
}

/* ---- nesting ---- */

static int check_nesting(struct pd_ctx *c)
{
	if (c->layers[0].kind != PD_ETH)
		return fail(c, "a packet starts with eth, not %s", specs[c->layers[0].kind].name);
	for (int i = 1; i < c->n; i++) {
		const struct pd_layer *l = &c->layers[i], *prev = &c->layers[i - 1];
		const struct pd_spec *s = &specs[l->kind];

		if (!(s->after & BIT(prev->kind)))
			return fail(c, "%s%s after %s: needs %s", l->inner ? "inner " : "", s->name,
				    specs[prev->kind].name, s->needs);
	}
	return 0;
}

/* ---- resolve: defaults, required fields, sizes ---- */

static int next_kind(const struct pd_ctx *c, int i)
{
	return i + 1 < c->n ? (int)c->layers[i + 1].kind : -1;
}

/* The EtherType or IP protocol the next layer implies, or -1. */
static int implied(int next, bool ethertype)
{
	/* 0 in these tables: implies nothing (hop-by-hop's protocol 0 is the one exception). */
	static const int types[PD_KIND_COUNT] = {
		[PD_VLAN] = 0x8100, [PD_ARP] = 0x0806, [PD_IPV4] = 0x0800, [PD_IPV6] = 0x86dd};
	static const int protos[PD_KIND_COUNT] = {
		[PD_ICMP] = 1, [PD_TCP] = 6, [PD_UDP] = 17, [PD_FRAG6] = 44, [PD_ICMP6] = 58};

	if (next < 0)
		return -1;
	if (ethertype)
		return types[next] ? types[next] : -1;
	if (next == PD_HBH)
		return 0;
	return protos[next] ? protos[next] : -1;
}

/* The type/proto/nh field fi of layer i: given, or implied by the next layer. */
static int resolve_next(struct pd_ctx *c, int i, int fi, bool ethertype)
{
	struct pd_layer *l = &c->layers[i];
	int x = implied(next_kind(c, i), ethertype);

	if (l->v[fi].set)
		return 0;
	if (x < 0)
		return lfail(c, l, "'%s' is required: %s", specs[l->kind].fields[fi].name,
			     next_kind(c, i) < 0 ? "nothing follows"
						 : "the next layer does not imply one");
	l->v[fi].n = (uint32_t)x;
	l->v[fi].set = true;
	return 0;
}

static void set_addr(struct pd_val *v, const uint8_t *addr, size_t len)
{
	memcpy(v->addr, addr, len);
	v->set = true;
}

static void set_num(struct pd_val *v, uint32_t n)
{
	if (!v->set) {
		v->n = n;
		v->set = true;
	}
}

/* A required field, or the default when the layer is outer and one is given. */
static int need(struct pd_ctx *c, struct pd_layer *l, int fi, bool have, const void *dflt,
		size_t len)
{
	if (l->v[fi].set)
		return 0;
	if (have && !l->inner) {
		set_addr(&l->v[fi], dflt, len);
		return 0;
	}
	if (!dflt)
		return lfail(c, l, "'%s' is required", specs[l->kind].fields[fi].name);
	return lfail(c, l, "'%s' is required (%s)", specs[l->kind].fields[fi].name,
		     l->inner ? "defaults apply to the outer packet only" : "no default given");
}

static bool is_arp_request(const struct pd_ctx *c, int i)
{
	while (i < c->n && c->layers[i].kind == PD_VLAN)
		i++;
	return i < c->n && c->layers[i].kind == PD_ARP &&
	       (!c->layers[i].v[ARP_OP].set || c->layers[i].v[ARP_OP].n == 1);
}

static const struct pd_layer *last_of(const struct pd_ctx *c, int i, enum pd_kind kind)
{
	while (--i >= 0)
		if (c->layers[i].kind == kind)
			return &c->layers[i];
	return NULL;
}

static int resolve_eth(struct pd_ctx *c, int i)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const struct pktdesc_defaults *d = c->d;
	struct pd_layer *l = &c->layers[i];

	/* An ARP request goes to everyone, whatever the port's usual destination. */
	if (!l->v[ETH_DST].set && is_arp_request(c, i + 1))
		set_addr(&l->v[ETH_DST], bcast, 6);
	if (need(c, l, ETH_SRC, d->have_src_mac, d->src_mac, 6) < 0 ||
	    need(c, l, ETH_DST, d->have_dst_mac, d->dst_mac, 6) < 0)
		return -1;
	return resolve_next(c, i, ETH_TYPE, true);
}

static int resolve_arp(struct pd_ctx *c, int i)
{
	static const uint8_t zero[6];
	struct pd_layer *l = &c->layers[i];
	const struct pd_layer *eth = last_of(c, i, PD_ETH);

	set_num(&l->v[ARP_OP], 1);
	if (!l->v[ARP_SHA].set)
		set_addr(&l->v[ARP_SHA], eth->v[ETH_SRC].addr, 6);
	if (!l->v[ARP_THA].set)
		set_addr(&l->v[ARP_THA], l->v[ARP_OP].n == 2 ? eth->v[ETH_DST].addr : zero, 6);
	if (need(c, l, ARP_SPA, c->d->have_src_ip4, &c->d->src_ip4, 4) < 0)
		return -1;
	return need(c, l, ARP_TPA, false, NULL, 0);
}

static bool icmp6_is_nd(uint32_t type)
{
	return type >= ICMP6_RS && type <= ICMP6_NA;
}

static int resolve_icmp6(struct pd_ctx *c, struct pd_layer *l)
{
	uint32_t type;

	set_num(&l->v[ICMP_TYPE], 128);
	type = l->v[ICMP_TYPE].n;
	if ((type == ICMP6_NS || type == ICMP6_NA) && !l->v[ICMP_TARGET].set)
		return lfail(c, l, "'target' is required for ns and na");
	if (type != ICMP6_NS && type != ICMP6_NA && l->v[ICMP_TARGET].set)
		return lfail(c, l, "'target' is for ns and na only");
	if (!icmp6_is_nd(type) && l->v[ICMP_LLA].set)
		return lfail(c, l, "'lla' is for rs, ra, ns and na only");
	/* Numbered types keep id/seq as the 4 bytes after the checksum; ND uses those. */
	if (icmp6_is_nd(type) && (l->v[ICMP_ID].set || l->v[ICMP_SEQ].set))
		return lfail(c, l, "'%s' is for echo and numbered types only",
			     l->v[ICMP_ID].set ? "id" : "seq");
	l->size = 8;
	if (type == ICMP6_RA)
		l->size = 16;
	else if (type == ICMP6_NS || type == ICMP6_NA)
		l->size = 24;
	if (l->v[ICMP_LLA].set)
		l->size += 8;
	return 0;
}

/* ND messages must arrive with hop limit 255 (RFC 4861 6.1): that is the default before them. */
static uint32_t ip6_hlim_default(const struct pd_ctx *c, int i)
{
	while (++i < c->n && (c->layers[i].kind == PD_HBH || c->layers[i].kind == PD_FRAG6))
		;
	if (i < c->n && c->layers[i].kind == PD_ICMP6 && c->layers[i].v[ICMP_TYPE].set &&
	    icmp6_is_nd(c->layers[i].v[ICMP_TYPE].n))
		return 255;
	return 64;
}

static int resolve_payload(struct pd_ctx *c, struct pd_layer *l)
{
	if (l->v[PAY_LEN].set == l->v[PAY_HEX].set)
		return lfail(c, l, "give one of 'len' or 'hex'");
	if (l->v[PAY_HEX].set && l->v[PAY_FILL].set)
		return lfail(c, l, "'fill' goes with 'len', not 'hex'");
	l->size = l->v[PAY_LEN].set ? l->v[PAY_LEN].n : l->v[PAY_HEX].hex_len / 2;
	return 0;
}

static int resolve_layer(struct pd_ctx *c, int i)
{
	static const size_t sizes[PD_KIND_COUNT] = {
		[PD_ETH] = 14,	[PD_VLAN] = 4, [PD_ARP] = 28,  [PD_IPV4] = 20,
		[PD_IPV6] = 40, [PD_HBH] = 8,  [PD_FRAG6] = 8, [PD_TCP] = 20,
		[PD_UDP] = 8,	[PD_ICMP] = 8, [PD_VXLAN] = 8, [PD_GENEVE] = 8};
	const struct pktdesc_defaults *d = c->d;
	struct pd_layer *l = &c->layers[i];
	int next = next_kind(c, i);

	l->size = sizes[l->kind];
	switch (l->kind) {
	case PD_ETH:
		return resolve_eth(c, i);
	case PD_VLAN:
		return resolve_next(c, i, VLAN_TYPE, true);
	case PD_ARP:
		return resolve_arp(c, i);
	case PD_IPV4:
		set_num(&l->v[IP4_TTL], 64);
		if (need(c, l, IP4_SRC, d->have_src_ip4, &d->src_ip4, 4) < 0 ||
		    need(c, l, IP4_DST, false, NULL, 0) < 0)
			return -1;
		return resolve_next(c, i, IP4_PROTO, false);
	case PD_IPV6:
		set_num(&l->v[IP6_HLIM], ip6_hlim_default(c, i));
		if (need(c, l, IP6_SRC, d->have_src_ip6, d->src_ip6, 16) < 0 ||
		    need(c, l, IP6_DST, false, NULL, 0) < 0)
			return -1;
		return resolve_next(c, i, IP6_NH, false);
	case PD_HBH:
		return resolve_next(c, i, HBH_NH, false);
	case PD_FRAG6:
		return resolve_next(c, i, FRAG6_NH, false);
	case PD_TCP:
		set_num(&l->v[TCP_SPORT], DEFAULT_SPORT);
		/* SYN: a trace is mostly of a flow's first packet. */
		set_num(&l->v[TCP_FLAGS], 0x02);
		set_num(&l->v[TCP_WIN], 65535);
		return need(c, l, TCP_DPORT, false, NULL, 0);
	case PD_UDP:
		set_num(&l->v[UDP_SPORT], DEFAULT_SPORT);
		if (next == PD_VXLAN)
			set_num(&l->v[UDP_DPORT], 4789);
		else if (next == PD_GENEVE)
			set_num(&l->v[UDP_DPORT], 6081);
		return need(c, l, UDP_DPORT, false, NULL, 0);
	case PD_ICMP:
		set_num(&l->v[ICMP_TYPE], 8);
		return 0;
	case PD_ICMP6:
		return resolve_icmp6(c, l);
	case PD_VXLAN:
	case PD_GENEVE:
		return need(c, l, TUN_VNI, false, NULL, 0);
	case PD_PAYLOAD:
		return resolve_payload(c, l);
	case PD_KIND_COUNT:
		break;
	}
	return 0;
}

/* Offsets, the total, and the 16-bit length fields each IP header must hold (a UDP length is
 * never more than the IP length around it). */
static int place(struct pd_ctx *c, size_t cap)
{
	size_t off = 0;

	for (int i = 0; i < c->n; i++) {
		c->layers[i].off = off;
		off += c->layers[i].size;
	}
	c->total = off;
	for (int i = 0; i < c->n; i++) {
		const struct pd_layer *l = &c->layers[i];
		size_t len = off - l->off;

		if (l->kind == PD_IPV4 && len > 0xffff)
			return lfail(c, l, "total length %zu is over 65535", len);
		if (l->kind == PD_IPV6 && len - 40 > 0xffff)
			return lfail(c, l, "payload length %zu is over 65535", len - 40);
	}
	if (off > cap)
		return fail(c, "the frame is %zu bytes, more than the %zu bytes of room", off, cap);
	return 0;
}

/* ---- write ---- */

static void put16(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)(x >> 8);
	p[1] = (uint8_t)x;
}

static void put32(uint8_t *p, uint32_t x)
{
	put16(p, x >> 16);
	put16(p + 2, x);
}

static void write_icmp6(const struct pd_layer *l, uint8_t *p)
{
	const struct pd_val *v = l->v;
	uint32_t type = v[ICMP_TYPE].n;
	uint8_t *opt = p + l->size - 8;

	p[0] = (uint8_t)type;
	p[1] = (uint8_t)v[ICMP_CODE].n;
	if (!icmp6_is_nd(type)) {
		put16(p + 4, v[ICMP_ID].n);
		put16(p + 6, v[ICMP_SEQ].n);
	} else if (type == ICMP6_RA) {
		p[4] = 64;	    /* current hop limit */
		put16(p + 6, 1800); /* router lifetime, s */
	} else if (type == ICMP6_NA) {
		p[4] = 0x60; /* solicited, override */
	}
	if (type == ICMP6_NS || type == ICMP6_NA)
		memcpy(p + 8, v[ICMP_TARGET].addr, 16);
	if (v[ICMP_LLA].set) {
		opt[0] = type == ICMP6_NA ? 2 : 1; /* target or source link-layer address */
		opt[1] = 1;
		memcpy(opt + 2, v[ICMP_LLA].addr, 6);
	}
}

static void write_payload(const struct pd_layer *l, uint8_t *p)
{
	const struct pd_val *v = l->v;

	if (v[PAY_HEX].set) {
		for (size_t i = 0; i < l->size; i++)
			p[i] = (uint8_t)(cfg_hex_digit(v[PAY_HEX].hex[2 * i]) << 4 |
					 cfg_hex_digit(v[PAY_HEX].hex[2 * i + 1]));
		return;
	}
	for (size_t i = 0; i < l->size; i++)
		p[i] = v[PAY_FILL].n == 256 ? (uint8_t)i : (uint8_t)v[PAY_FILL].n;
}

/* The IP header and IPv6 extension headers of l at p; len: bytes from p to the frame's end. */
static void write_ip(const struct pd_layer *l, uint8_t *p, uint32_t len)
{
	const struct pd_val *v = l->v;

	switch (l->kind) {
	case PD_IPV4:
		p[0] = 0x45;
		p[1] = (uint8_t)v[IP4_TOS].n;
		put16(p + 2, len);
		put16(p + 4, v[IP4_ID].n);
		put16(p + 6, v[IP4_DF].n << 14 | v[IP4_MF].n << 13 | v[IP4_FRAG].n);
		p[8] = (uint8_t)v[IP4_TTL].n;
		p[9] = (uint8_t)v[IP4_PROTO].n;
		memcpy(p + 12, v[IP4_SRC].addr, 4);
		memcpy(p + 16, v[IP4_DST].addr, 4);
		break;
	case PD_IPV6:
		put32(p, 6u << 28 | v[IP6_TC].n << 20 | v[IP6_FLOW].n);
		put16(p + 4, len - 40);
		p[6] = (uint8_t)v[IP6_NH].n;
		p[7] = (uint8_t)v[IP6_HLIM].n;
		memcpy(p + 8, v[IP6_SRC].addr, 16);
		memcpy(p + 24, v[IP6_DST].addr, 16);
		break;
	case PD_HBH:
		p[0] = (uint8_t)v[HBH_NH].n;
		p[2] = 1; /* PadN filling the 6 bytes of options */
		p[3] = 4;
		break;
	case PD_FRAG6:
		p[0] = (uint8_t)v[FRAG6_NH].n;
		put16(p + 2, v[FRAG6_OFF].n << 3 | v[FRAG6_M].n);
		put32(p + 4, v[FRAG6_ID].n);
		break;
	default:
		break;
	}
}

static void write_layer(const struct pd_ctx *c, const struct pd_layer *l)
{
	const struct pd_val *v = l->v;
	uint8_t *p = c->out + l->off;
	uint32_t len = (uint32_t)(c->total - l->off); /* every layer runs to the frame's end */

	memset(p, 0, l->size);
	switch (l->kind) {
	case PD_ETH:
		memcpy(p, v[ETH_DST].addr, 6);
		memcpy(p + 6, v[ETH_SRC].addr, 6);
		put16(p + 12, v[ETH_TYPE].n);
		break;
	case PD_VLAN:
		put16(p, v[VLAN_PCP].n << 13 | v[VLAN_VID].n);
		put16(p + 2, v[VLAN_TYPE].n);
		break;
	case PD_ARP:
		put16(p, 1);
		put16(p + 2, 0x0800);
		p[4] = 6;
		p[5] = 4;
		put16(p + 6, v[ARP_OP].n);
		memcpy(p + 8, v[ARP_SHA].addr, 6);
		memcpy(p + 14, v[ARP_SPA].addr, 4);
		memcpy(p + 18, v[ARP_THA].addr, 6);
		memcpy(p + 24, v[ARP_TPA].addr, 4);
		break;
	case PD_IPV4:
	case PD_IPV6:
	case PD_HBH:
	case PD_FRAG6:
		write_ip(l, p, len);
		break;
	case PD_TCP:
		put16(p, v[TCP_SPORT].n);
		put16(p + 2, v[TCP_DPORT].n);
		put32(p + 4, v[TCP_SEQ].n);
		put32(p + 8, v[TCP_ACK].n);
		p[12] = 5 << 4;
		p[13] = (uint8_t)v[TCP_FLAGS].n;
		put16(p + 14, v[TCP_WIN].n);
		break;
	case PD_UDP:
		put16(p, v[UDP_SPORT].n);
		put16(p + 2, v[UDP_DPORT].n);
		put16(p + 4, len);
		break;
	case PD_ICMP:
		p[0] = (uint8_t)v[ICMP_TYPE].n;
		p[1] = (uint8_t)v[ICMP_CODE].n;
		put16(p + 4, v[ICMP_ID].n);
		put16(p + 6, v[ICMP_SEQ].n);
		break;
	case PD_ICMP6:
		write_icmp6(l, p);
		break;
	case PD_VXLAN:
		p[0] = 0x08; /* I: the VNI is valid */
		put32(p + 4, v[TUN_VNI].n << 8);
		break;
	case PD_GENEVE:
		put16(p + 2, 0x6558); /* transparent Ethernet bridging */
		put32(p + 4, v[TUN_VNI].n << 8);
		break;
	case PD_PAYLOAD:
		write_payload(l, p);
		break;
	case PD_KIND_COUNT:
		break;
	}
}

/* ---- checksums ---- */

static uint64_t sum16(uint64_t acc, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		acc += (uint32_t)p[0] << 8 | p[1];
	if (n)
		acc += (uint32_t)p[0] << 8;
	return acc;
}

static uint16_t fold(uint64_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* The IP layer an L4 layer i rides in (check_nesting put one before it). */
static const struct pd_layer *ip_of(const struct pd_ctx *c, int i)
{
	while (c->layers[i].kind != PD_IPV4 && c->layers[i].kind != PD_IPV6)
		i--;
	return &c->layers[i];
}

/* Checksum of layer i to the frame's end; with the pseudo-header of its IP layer if proto. */
static uint16_t l4_cksum(const struct pd_ctx *c, int i, uint8_t proto)
{
	const struct pd_layer *l = &c->layers[i], *ipl = ip_of(c, i);
	size_t len = c->total - l->off;
	const uint8_t *ip = c->out + ipl->off;
	uint64_t acc = 0;

	if (proto && ipl->kind == PD_IPV4)
		acc = sum16(acc, ip + 12, 8) + proto + len;
	else if (proto)
		acc = sum16(acc, ip + 8, 32) + proto + len;
	return fold(sum16(acc, c->out + l->off, len));
}

static void write_cksums(struct pd_ctx *c)
{
	for (int i = c->n - 1; i >= 0; i--) {
		const struct pd_layer *l = &c->layers[i];
		uint8_t *p = c->out + l->off;
		int next = next_kind(c, i);
		uint16_t sum;

		switch (l->kind) {
		case PD_IPV4:
			put16(p + 10, fold(sum16(0, p, 20)));
			break;
		case PD_TCP:
			put16(p + 16, l4_cksum(c, i, 6));
			break;
		case PD_ICMP:
			put16(p + 2, l4_cksum(c, i, 0));
			break;
		case PD_ICMP6:
			put16(p + 2, l4_cksum(c, i, 58));
			break;
		case PD_UDP:
			/* A tunnel over IPv4 may leave it zero (RFC 7348 5, RFC 8926 3.3) and
			 * the Linux drivers do by default; IPv6 must not (RFC 8200 8.1). */
			if ((next == PD_VXLAN || next == PD_GENEVE) && ip_of(c, i)->kind == PD_IPV4)
				break;
			sum = l4_cksum(c, i, 17);
			put16(p + 6, sum ? sum : 0xffff);
			break;
		default:
			break;
		}
	}
}

/* ---- entry points ---- */

int pktdesc_build(const char *desc, const struct pktdesc_defaults *d, uint8_t *out, size_t cap,
		  char *err, size_t errsz)
{
	static const struct pktdesc_defaults none;
	struct pd_ctx c;

	memset(&c, 0, sizeof(c));
	c.d = d ? d : &none;
	c.err = err;
	c.errsz = errsz;
	if (err && errsz)
		err[0] = '\0';
	if (!desc)
		return fail(&c, "no packet description");
	if (!out && cap)
		return fail(&c, "no buffer for the frame");
	if (parse(&c, desc) < 0 || check_nesting(&c) < 0)
		return -1;
	for (int i = 0; i < c.n; i++)
		if (resolve_layer(&c, i) < 0)
			return -1;
	if (place(&c, cap) < 0)
		return -1;
	c.out = out;
	for (int i = 0; i < c.n; i++)
		write_layer(&c, &c.layers[i]);
	write_cksums(&c);
	return (int)c.total;
}

const char *pktdesc_help(void)
{
	return "A packet is layers separated by '/', each name(field=value,...); '()' may be\n"
	       "left out. Numbers are decimal or 0x hex. Lengths, types and checksums are\n"
	       "computed unless given; the port's addresses fill in the outer packet.\n"
	       "  eth(src,dst,type)                   type: ipv4 ipv6 arp vlan qinq or a number\n"
	       "  vlan(vid,pcp,type)                  802.1Q tag\n"
	       "  arp(op,sha,spa,tha,tpa)             op: request (default) reply; tpa required\n"
	       "  ipv4(src,dst,ttl,tos,id,df,mf,frag,proto)   frag in 8-byte units; dst required\n"
	       "  ipv6(src,dst,hlim,tc,flow,nh)       dst required\n"
	       "  hbh(nh)  frag6(off,id,m,nh)         IPv6 extensions; off in 8-byte units\n"
	       "  tcp(sport,dport,flags,seq,ack,win)  flags: letters of SAFRPUEC or a number\n"
	       "                                      (default S); dport required\n"
	       "  udp(sport,dport)                    dport defaults to 4789/6081 before\n"
	       "                                      vxlan/geneve; sport defaults to 49152\n"
	       "  icmp(type,code,id,seq)              type: echo-request (default) echo-reply\n"
	       "                                      unreach time-exceeded or a number\n"
	       "  icmp6(type,code,id,seq,target,lla)  type: echo-request (default) echo-reply\n"
	       "                                      rs ra ns na or a number; target for ns/na\n"
	       "  vxlan(vni)  geneve(vni)             then the inner eth/...\n"
	       "  payload(len,fill)  payload(hex)     fill: a byte (default 0) or inc\n"
	       "Example: eth/ipv4(dst=10.0.1.5)/tcp(dport=80,flags=S)/payload(len=32)\n";
}
