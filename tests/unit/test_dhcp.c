/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dhcp/dhcp4.c and dhcp/dhcp6.c, the switch's DHCP server codecs. Client
 * messages are the ones dhclient 4.4 sent in a live exchange with this server (captured
 * byte for byte), and messages built the way systemd-networkd and udhcpc build theirs.
 * Refusals come first, in the order the handlers check them; then every verdict path and
 * every field and option byte of the replies; then option encodings, size limits and every
 * truncation. Inputs are heap copies of exactly the bytes under test, so an ASan build
 * catches any read past len. Pure: no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- shared fixture ---- */

static uint8_t *dup_exact(const uint8_t *buf, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, buf, len);
	return p;
}

/* Hex text to bytes; spaces are for the reader. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned int byte;

	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		assert_true(n < cap);
		assert_int_equal(sscanf(s, "%2x", &byte), 1);
		out[n++] = (uint8_t)byte;
		s++;
	}
	return n;
}

static uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
}

static const uint8_t port_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x05};
static const uint8_t gw_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0xfe};

/* ================================ DHCPv4 ================================ */

#define DISCOVER 1
#define OFFER	 2
#define REQUEST	 3
#define DECLINE	 4
#define ACK	 5
#define NAK	 6
#define RELEASE	 7
#define INFORM	 8

#define XID4	   0xeef66035u
#define BROADCAST  0x8000
#define OPTS_OFF   240
#define BOOTP_MIN  300
#define REPLY4_MAX 548

static void lease4_init(struct dhcp4_lease *l)
{
	memset(l, 0, sizeof(*l));
	memcpy(l->chaddr, port_mac, 6);
	l->addr = ip4(10, 1, 0, 5);
	l->plen = 24;
	l->router = ip4(10, 1, 0, 1);
	l->mtu = 1450;
	l->lease_time = 3600;
	l->n_dns = 2;
	l->dns[0] = ip4(10, 1, 0, 2);
	l->dns[1] = ip4(8, 8, 8, 8);
	strcpy(l->domain, "vpc.example.com");
}

struct msg4 {
	uint8_t b[1500];
	size_t len;
};

static void msg4_opt(struct msg4 *m, uint8_t code, const void *data, uint8_t size)
{
	m->b[m->len++] = code;
	m->b[m->len++] = size;
	if (size > 0)
		memcpy(m->b + m->len, data, size);
	m->len += size;
}

static void msg4_opt_addr(struct msg4 *m, uint8_t code, uint32_t addr)
{
	msg4_opt(m, code, &addr, 4);
}

/* The fixed header as clients write it: BOOTREQUEST, Ethernet, the port's MAC, the cookie;
 * then the message type, first as every client puts it. */
static void msg4_begin_raw(struct msg4 *m, uint32_t xid, uint16_t flags, uint32_t ciaddr)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = 1;
	m->b[1] = 1;
	m->b[2] = 6;
	m->b[4] = (uint8_t)(xid >> 24);
	m->b[5] = (uint8_t)(xid >> 16);
	m->b[6] = (uint8_t)(xid >> 8);
	m->b[7] = (uint8_t)xid;
	m->b[10] = (uint8_t)(flags >> 8);
	m->b[11] = (uint8_t)flags;
	memcpy(m->b + 12, &ciaddr, 4);
	memcpy(m->b + 28, port_mac, 6);
	memcpy(m->b + 236, "\x63\x82\x53\x63", 4);
	m->len = OPTS_OFF;
}

static void msg4_begin(struct msg4 *m, uint8_t type, uint16_t flags, uint32_t ciaddr)
{
	msg4_begin_raw(m, XID4, flags, ciaddr);
	msg4_opt(m, 53, &type, 1);
}

/* The end option, then zeros up to the 300 bytes of a BOOTP message, as dhclient pads. */
static void msg4_end(struct msg4 *m)
{
	m->b[m->len++] = 255;
	if (m->len < BOOTP_MIN)
		m->len = BOOTP_MIN;
}

/* dhclient 4.4's own options, as captured: host name "vm", its parameter request list. */
static void dhclient_opts(struct msg4 *m)
{
	static const uint8_t prl[] = {1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42};

	msg4_opt(m, 12, "vm", 2);
	msg4_opt(m, 55, prl, sizeof(prl));
}

/* A message of type with only dhclient's own options, as it sends DISCOVER, INFORM and the
 * REQUESTs of RENEWING and REBINDING (ciaddr set). */
static void dhclient_msg(struct msg4 *m, uint8_t type, uint16_t flags, uint32_t ciaddr)
{
	msg4_begin(m, type, flags, ciaddr);
	dhclient_opts(m);
	msg4_end(m);
}

/* Captured: dhclient's DISCOVER (53, 12, 55), the REQUEST answering our OFFER (53, 54, 50,
 * 12, 55), its INIT-REBOOT REQUEST (53, 50, 12, 55) and its RELEASE (ciaddr, 53, 54, 12). */
static void dhclient_discover(struct msg4 *m)
{
	dhclient_msg(m, DISCOVER, 0, 0);
}

static void dhclient_request_selecting(struct msg4 *m, uint32_t server, uint32_t addr)
{
	msg4_begin(m, REQUEST, 0, 0);
	msg4_opt_addr(m, 54, server);
	msg4_opt_addr(m, 50, addr);
	dhclient_opts(m);
	msg4_end(m);
}

static void dhclient_request_init_reboot(struct msg4 *m, uint32_t addr)
{
	msg4_begin(m, REQUEST, 0, 0);
	msg4_opt_addr(m, 50, addr);
	dhclient_opts(m);
	msg4_end(m);
}

static void dhclient_release(struct msg4 *m)
{
	msg4_begin(m, RELEASE, 0, ip4(10, 1, 0, 5));
	msg4_opt_addr(m, 54, ip4(10, 1, 0, 1));
	msg4_opt(m, 12, "vm", 2);
	msg4_end(m);
}

/* systemd-networkd: an RFC 4361 client identifier (type 255, IAID, DUID-EN), its maximum
 * message size, host name and request list; no padding after the end option. */
static const uint8_t networkd_client_id[] = {0xff, 0x5a, 0x3b, 0x0c, 0x21, 0x00, 0x02,
					     0x00, 0x00, 0xab, 0x11, 0x9d, 0x52, 0x1f,
					     0x41, 0x6b, 0x2c, 0x18, 0xe7};

static void networkd_msg(struct msg4 *m, uint8_t type, uint32_t requested)
{
	static const uint8_t prl[] = {1, 3, 6, 12, 15, 26, 28, 42, 119, 121};
	static const uint8_t max_size[] = {0x05, 0xdc};

	msg4_begin_raw(m, 0x1a2b3c4d, 0, 0);
	msg4_opt(m, 53, &type, 1);
	msg4_opt(m, 61, networkd_client_id, sizeof(networkd_client_id));
	if (requested != 0)
		msg4_opt_addr(m, 50, requested);
	msg4_opt(m, 57, max_size, sizeof(max_size));
	msg4_opt(m, 12, "web-1", 5);
	msg4_opt(m, 55, prl, sizeof(prl));
	m->b[m->len++] = 255;
}

/* udhcpc (busybox): client identifier type 1 and the MAC, 576 as maximum size, a vendor
 * class, request list and host name; it asks for the broadcast bit. */
static const uint8_t udhcpc_client_id[] = {0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x05};

static void udhcpc_msg(struct msg4 *m, uint8_t type, uint32_t server, uint32_t requested)
{
	static const uint8_t prl[] = {1, 3, 6, 12, 15, 28, 42};
	static const uint8_t max_size[] = {0x02, 0x40};

	msg4_begin_raw(m, 0x6b8b4567, BROADCAST, 0);
	msg4_opt(m, 53, &type, 1);
	msg4_opt(m, 61, udhcpc_client_id, sizeof(udhcpc_client_id));
	if (requested != 0)
		msg4_opt_addr(m, 50, requested);
	if (server != 0)
		msg4_opt_addr(m, 54, server);
	msg4_opt(m, 57, max_size, sizeof(max_size));
	msg4_opt(m, 55, prl, sizeof(prl));
	msg4_opt(m, 60, "udhcp 1.36.1", 12);
	msg4_opt(m, 12, "db", 2);
	msg4_end(m);
}

struct out4 {
	enum dhcp_verdict v;
	uint8_t reply[DHCP4_REPLY_MAX];
	size_t len;
	struct dhcp4_reply_info info;
};

/* Handle a heap copy of exactly the message; outputs start poisoned so untouched ones show. */
static enum dhcp_verdict run4_raw(const uint8_t *msg, size_t len, const struct dhcp4_lease *l,
				  struct out4 *o)
{
	static const struct dhcp4_reply_info zero_info;
	uint8_t *p = dup_exact(msg, len);

	memset(o->reply, 0xa5, sizeof(o->reply));
	memset(&o->info, 0xa5, sizeof(o->info));
	o->len = 0xdeadbeef;
	o->v = dhcp4_handle(p, len, l, o->reply, &o->len, &o->info);
	free(p);
	if (o->v != DHCP_REPLY) {
		assert_int_equal(o->len, 0);
		assert_memory_equal(&o->info, &zero_info, sizeof(zero_info));
	}
	return o->v;
}

static enum dhcp_verdict run4(const struct msg4 *m, const struct dhcp4_lease *l, struct out4 *o)
{
	return run4_raw(m->b, m->len, l, o);
}

/* For the tests that judge only the verdict, against lease4_init's lease. */
static enum dhcp_verdict verdict4(const struct msg4 *m)
{
	struct dhcp4_lease l;
	struct out4 o;

	lease4_init(&l);
	return run4(m, &l, &o);
}

/*
 * Walk the reply's options strictly (each option once, ended by 255, zeros after it) and
 * return the data of code, NULL if absent. *size gets its length.
 */
static const uint8_t *reply4_opt(const struct out4 *o, uint8_t code, uint8_t *size)
{
	const uint8_t *found = NULL;
	uint8_t seen[256] = {0};
	size_t off = OPTS_OFF;

	for (;;) {
		uint8_t c;

		assert_true(off < o->len);
		c = o->reply[off];
		if (c == 255)
			break;
		assert_int_not_equal(c, 0);
		assert_true(off + 2 <= o->len && off + 2 + o->reply[off + 1] <= o->len);
		assert_int_equal(seen[c]++, 0);
		if (c == code) {
			found = o->reply + off + 2;
			*size = o->reply[off + 1];
		}
		off += 2 + (size_t)o->reply[off + 1];
	}
	for (off++; off < o->len; off++)
		assert_int_equal(o->reply[off], 0);
	return found;
}

/* The reply's option codes are want[n], in that order, the end option last. */
static void assert_codes4(const struct out4 *o, const uint8_t *want, size_t n)
{
	uint8_t codes[256], size;
	size_t n_codes = 0, off = OPTS_OFF;

	reply4_opt(o, 0, &size); /* only for its checks */
	while (o->reply[off] != 255) {
		codes[n_codes++] = o->reply[off];
		off += 2 + (size_t)o->reply[off + 1];
	}
	codes[n_codes++] = 255;
	assert_int_equal(n_codes, n);
	assert_memory_equal(codes, want, n);
}

static void assert_opt4(const struct out4 *o, uint8_t code, const char *hex)
{
	uint8_t want[256], size = 0;
	size_t n = unhex(hex, want, sizeof(want));
	const uint8_t *got = reply4_opt(o, code, &size);

	if (got == NULL)
		fail_msg("option %u missing", code);
	assert_int_equal(size, n);
	assert_memory_equal(got, want, n);
}

static void assert_no_opt4(const struct out4 *o, uint8_t code)
{
	uint8_t size;

	assert_null(reply4_opt(o, code, &size));
}

static uint32_t reply4_addr(const struct out4 *o, size_t off)
{
	uint32_t a;

	memcpy(&a, o->reply + off, 4);
	return a;
}

/* RFC 2131 table 3: the fixed fields every reply shares with its request. */
static void assert_reply4_header(const struct out4 *o, const struct msg4 *m, uint32_t ciaddr,
				 uint32_t yiaddr)
{
	static const uint8_t zeros[192];

	assert_int_equal(o->v, DHCP_REPLY);
	assert_true(o->len >= BOOTP_MIN && o->len <= REPLY4_MAX);
	assert_int_equal(o->reply[0], 2);
	assert_int_equal(o->reply[1], 1);
	assert_int_equal(o->reply[2], 6);
	assert_int_equal(o->reply[3], 0);		  /* hops */
	assert_memory_equal(o->reply + 4, m->b + 4, 4);	  /* xid */
	assert_memory_equal(o->reply + 8, zeros, 2);	  /* secs */
	assert_memory_equal(o->reply + 10, m->b + 10, 2); /* flags */
	assert_int_equal(reply4_addr(o, 12), ciaddr);
	assert_int_equal(reply4_addr(o, 16), yiaddr);
	assert_int_equal(reply4_addr(o, 20), 0);	   /* siaddr */
	assert_int_equal(reply4_addr(o, 24), 0);	   /* giaddr */
	assert_memory_equal(o->reply + 28, m->b + 28, 16); /* chaddr */
	assert_memory_equal(o->reply + 44, zeros, 192);	   /* sname, file */
	assert_memory_equal(o->reply + 236, "\x63\x82\x53\x63", 4);
}

static void assert_dest4(const struct out4 *o, uint8_t type, int broadcast, uint32_t dst)
{
	assert_int_equal(o->info.msg_type, type);
	assert_int_equal(o->info.broadcast, broadcast);
	assert_int_equal(o->info.dst_ip, broadcast ? 0xffffffffu : dst);
}

/* The options of an OFFER or ACK from lease4_init: type, server, times, then the network. */
static const char lease4_opts_hex[] = "35 01 %02x  36 04 0a010001  33 04 00000e10  "
				      "3a 04 00000708  3b 04 00000c4e  01 04 ffffff00  "
				      "03 04 0a010001  06 08 0a010002 08080808  "
				      "0f 0f 7670632e6578616d706c652e636f6d  1a 02 05aa  ff";

static void assert_lease4_opts(const struct out4 *o, uint8_t type)
{
	char hex[sizeof(lease4_opts_hex)];
	uint8_t want[128];
	size_t n;

	snprintf(hex, sizeof(hex), lease4_opts_hex, type);
	n = unhex(hex, want, sizeof(want));
	assert_memory_equal(o->reply + OPTS_OFF, want, n);
	reply4_opt(o, 0, &want[0]); /* the rest of the checks: zeros after the end */
}

/* m is answered with lease l (lease4_init's) in an OFFER or ACK of type: the fixed fields,
 * every option byte, and unicast to the leased address (RFC 2131 4.1: the callers' messages
 * carry a ciaddr or no broadcast bit). */
static void assert_lease_reply4(const struct msg4 *m, const struct dhcp4_lease *l, uint8_t type,
				uint32_t ciaddr, struct out4 *o)
{
	assert_int_equal(run4(m, l, o), DHCP_REPLY);
	assert_reply4_header(o, m, ciaddr, l->addr);
	assert_lease4_opts(o, type);
	assert_dest4(o, type, 0, l->addr);
}

/* RFC 2131 table 3 and 4.1: a NAK clears ciaddr and yiaddr and is broadcast, whatever the
 * client's state. */
static void assert_nak4(const struct msg4 *m, const struct dhcp4_lease *l, struct out4 *o)
{
	assert_int_equal(run4(m, l, o), DHCP_REPLY);
	assert_reply4_header(o, m, 0, 0);
	assert_opt4(o, 53, "06");
	assert_dest4(o, NAK, 1, 0);
}

/* ---- DHCPv4: refusals, in the order the handler checks them ---- */

/* A message the handler must call malformed: the fixed header, then the options (hex) the
 * case is about, then the end option and padding as dhclient writes them. */
struct bad4 {
	const char *why;
	const char *opts;
};

static void assert_all_malformed4(const struct bad4 *bad, size_t n)
{
	struct msg4 m;

	for (size_t i = 0; i < n; i++) {
		enum dhcp_verdict v;

		msg4_begin_raw(&m, XID4, 0, 0);
		m.len += unhex(bad[i].opts, m.b + m.len, sizeof(m.b) - m.len);
		msg4_end(&m);
		v = verdict4(&m);
		if (v != DHCP_MALFORMED)
			fail_msg("%s: verdict %d, not malformed", bad[i].why, v);
	}
}

static void v4_messages_shorter_than_the_cookie_end_are_malformed(void **state)
{
	struct msg4 m;

	(void)state;
	dhclient_discover(&m);
	for (size_t len = 0; len <= OPTS_OFF; len++) {
		m.len = len;
		assert_int_equal(verdict4(&m), DHCP_MALFORMED);
	}
}

static void v4_refuses_bootreply_other_hardware_types_and_bad_cookie(void **state)
{
	static const struct {
		size_t off;
		uint8_t value;
	} breaks[] = {{0, 2}, {0, 0}, {1, 6}, {2, 16}, {2, 0}, {236, 0x64}, {239, 0x62}};
	struct msg4 m;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(breaks); i++) {
		dhclient_discover(&m);
		m.b[breaks[i].off] = breaks[i].value;
		assert_int_equal(verdict4(&m), DHCP_MALFORMED);
	}
}

/* Without option 53 it is BOOTP; two of them or a value no RFC defines make it unreadable. */
static void v4_refuses_missing_repeated_or_invalid_message_type(void **state)
{
	static const struct bad4 bad[] = {
		{"two types", "35 01 01  35 01 01"},
		{"a type of two bytes", "35 02 0101"},
		{"an empty type", "35 00"},
		{"type 0", "35 01 00"},
		{"type 9", "35 01 09"},
		{"type 13", "35 01 0d"},
		{"type 255", "35 01 ff"},
	};
	struct msg4 m;

	(void)state;
	msg4_begin_raw(&m, XID4, 0, 0); /* dhclient's options, no type */
	dhclient_opts(&m);
	msg4_end(&m);
	assert_int_equal(verdict4(&m), DHCP_MALFORMED);
	assert_all_malformed4(bad, ARRAY_SIZE(bad));
}

static void v4_refuses_options_running_past_the_message(void **state)
{
	struct msg4 m;

	(void)state;
	/* a length past the end: 12 claims 10 bytes, 3 follow */
	msg4_begin(&m, DISCOVER, 0, 0);
	m.b[m.len++] = 12;
	m.b[m.len++] = 10;
	memcpy(m.b + m.len, "vm\xff", 3);
	m.len += 3;
	assert_int_equal(verdict4(&m), DHCP_MALFORMED);
	/* a code as the last byte, its length missing */
	msg4_begin(&m, DISCOVER, 0, 0);
	m.b[m.len++] = 12;
	assert_int_equal(verdict4(&m), DHCP_MALFORMED);
	/* no end option: cut somewhere, not to be guessed at */
	msg4_begin(&m, DISCOVER, 0, 0);
	dhclient_opts(&m);
	assert_int_equal(verdict4(&m), DHCP_MALFORMED);
	/* only pads after the type, no end */
	msg4_begin(&m, DISCOVER, 0, 0);
	m.len += 20;
	assert_int_equal(verdict4(&m), DHCP_MALFORMED);
}

static void v4_refuses_bad_lengths_and_repeats_of_options_it_reads(void **state)
{
	static const struct bad4 bad[] = {
		{"requested address of 3 bytes", "35 01 03  32 03 0a0100"},
		{"requested address of 5 bytes", "35 01 03  32 05 0a01000500"},
		/* RFC 3396 would join the two into 8 bytes: no address */
		{"requested address twice", "35 01 03  32 04 0a010005  32 04 0a010005"},
		{"server identifier of 3 bytes", "35 01 03  36 03 0a0100"},
		{"server identifier of 5 bytes", "35 01 03  36 05 0a01000500"},
		{"server identifier twice", "35 01 03  36 04 0a010005  36 04 0a010005"},
		{"client identifier of 1 byte", "35 01 01  3d 01 01"}, /* RFC 2132 9.14: 2 */
		{"client identifier twice", "35 01 01  3d 07 01020000000105  3d 07 01020000000105"},
		{"overload of 0", "35 01 01  34 01 00"},
		{"overload of 4", "35 01 01  34 01 04"},
		{"overload of 2 bytes", "35 01 01  34 02 0102"},
	};

	(void)state;
	assert_all_malformed4(bad, ARRAY_SIZE(bad));
}

/* RFC 2131 4.1: with option 52 the file and sname fields hold options too, each ended by 255. */
static void v4_reads_overloaded_file_and_sname_strictly(void **state)
{
	const uint8_t overload_file = 1, overload_both = 3, discover = DISCOVER;
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	/* the message type only in the file field */
	msg4_begin_raw(&m, XID4, 0, 0);
	msg4_opt(&m, 52, &overload_file, 1);
	msg4_end(&m);
	memcpy(m.b + 108, "\x35\x01\x01\xff", 4);
	assert_lease_reply4(&m, &l, OFFER, 0, &o);
	/* the same file field without its end option */
	m.b[111] = 0;
	assert_int_equal(verdict4(&m), DHCP_MALFORMED);
	/* a type in the options field and another in sname: one too many */
	msg4_begin(&m, DISCOVER, 0, 0);
	msg4_opt(&m, 52, &overload_both, 1);
	msg4_end(&m);
	m.b[108] = 255;
	memcpy(m.b + 44, "\x35\x01\x01\xff", 4);
	assert_int_equal(verdict4(&m), DHCP_MALFORMED);
	/* an sname field of options without its end option */
	memcpy(m.b + 44, "\x0c\x02vm", 4);
	assert_int_equal(verdict4(&m), DHCP_MALFORMED);
	m.b[48] = 255;
	assert_int_equal(verdict4(&m), DHCP_REPLY);
	/* option 52 may only stand in the options field */
	msg4_begin(&m, DISCOVER, 0, 0);
	msg4_opt(&m, 52, &overload_file, 1);
	msg4_end(&m);
	memcpy(m.b + 108, "\x34\x01\x02\xff", 4);
	assert_int_equal(verdict4(&m), DHCP_MALFORMED);
	/* without option 52, whatever the file field holds is not read */
	msg4_begin_raw(&m, XID4, 0, 0);
	msg4_opt(&m, 53, &discover, 1);
	msg4_end(&m);
	memcpy(m.b + 108, "\x35\x01\x01\x35\x01\x01", 6);
	assert_int_equal(verdict4(&m), DHCP_REPLY);
}

/* The switch answers its own ports, not relays behind them: before the hardware address. */
static void v4_relayed_message_gets_no_reply(void **state)
{
	struct msg4 m;

	(void)state;
	dhclient_discover(&m);
	memcpy(m.b + 24, "\x0a\x02\x00\x01", 4);
	assert_int_equal(verdict4(&m), DHCP_NO_REPLY);
	m.b[33] ^= 1;
	assert_int_equal(verdict4(&m), DHCP_NO_REPLY);
}

static void v4_other_hardware_address_is_not_mine(void **state)
{
	struct msg4 m;

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		dhclient_discover(&m);
		m.b[28 + i] ^= 0x80;
		assert_int_equal(verdict4(&m), DHCP_NOT_MINE);
		dhclient_release(&m);
		m.b[28 + i] ^= 0x80;
		assert_int_equal(verdict4(&m), DHCP_NOT_MINE);
	}
	/* the padding of chaddr past hlen is not the address */
	dhclient_discover(&m);
	m.b[34] = 0x77;
	assert_int_equal(verdict4(&m), DHCP_REPLY);
}

static void v4_release_decline_and_server_types_get_no_reply(void **state)
{
	static const uint8_t types[] = {DECLINE, OFFER, ACK, NAK};
	struct dhcp4_lease l;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	dhclient_release(&m);
	assert_int_equal(verdict4(&m), DHCP_NO_REPLY);
	for (size_t i = 0; i < sizeof(types); i++) {
		msg4_begin(&m, types[i], 0, 0);
		msg4_opt_addr(&m, 50, l.addr);
		msg4_opt_addr(&m, 54, l.router);
		msg4_end(&m);
		assert_int_equal(verdict4(&m), DHCP_NO_REPLY);
	}
}

/* ---- DHCPv4: normal path ---- */

static void v4_dhclient_discover_gets_offer(void **state)
{
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	dhclient_discover(&m);
	/* no broadcast bit, no ciaddr: unicast to the offered address at chaddr */
	assert_lease_reply4(&m, &l, OFFER, 0, &o);
	assert_int_equal(o.len, OPTS_OFF + 71);
}

static void v4_dhclient_request_selecting_us_gets_ack(void **state)
{
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	dhclient_request_selecting(&m, l.router, l.addr);
	assert_lease_reply4(&m, &l, ACK, 0, &o);
}

/* RFC 2131 table 3: a NAK says only who refuses, and clears ciaddr and yiaddr. */
static void v4_request_selecting_another_address_gets_nak(void **state)
{
	static const uint8_t want_codes[] = {53, 54, 56, 255};
	uint8_t size;
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	dhclient_request_selecting(&m, l.router, ip4(10, 1, 0, 9));
	assert_nak4(&m, &l, &o);
	assert_codes4(&o, want_codes, sizeof(want_codes));
	assert_opt4(&o, 54, "0a010001");
	assert_true(reply4_opt(&o, 56, &size) != NULL && size > 0);
	assert_int_equal(o.len, BOOTP_MIN);
	/* selecting without option 50 has nothing to ask for */
	msg4_begin(&m, REQUEST, 0, 0);
	msg4_opt_addr(&m, 54, l.router);
	msg4_end(&m);
	assert_nak4(&m, &l, &o);
}

/* The client chose another server's offer: not ours to answer, not even with a NAK. */
static void v4_request_selecting_another_server_gets_no_reply(void **state)
{
	struct dhcp4_lease l;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	dhclient_request_selecting(&m, ip4(10, 1, 0, 2), l.addr);
	assert_int_equal(verdict4(&m), DHCP_NO_REPLY);
	dhclient_request_selecting(&m, ip4(10, 1, 0, 2), ip4(10, 1, 0, 9));
	assert_int_equal(verdict4(&m), DHCP_NO_REPLY);
}

static void v4_request_init_reboot_acks_the_lease_and_naks_others(void **state)
{
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	dhclient_request_init_reboot(&m, l.addr);
	assert_lease_reply4(&m, &l, ACK, 0, &o);

	/* the port's address changed while the VM was down */
	dhclient_request_init_reboot(&m, ip4(10, 1, 0, 9));
	assert_nak4(&m, &l, &o);
	assert_no_opt4(&o, 51);
	assert_no_opt4(&o, 1);
}

/* RENEWING (unicast) and REBINDING (broadcast) put the address in ciaddr; the ACK copies it
 * and goes to it; a NAK is broadcast whatever the client's state. */
static void v4_request_renewing_and_rebinding_judge_ciaddr(void **state)
{
	static const uint16_t flags[] = {0, BROADCAST};
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		dhclient_msg(&m, REQUEST, flags[i], l.addr);
		assert_lease_reply4(&m, &l, ACK, l.addr, &o);
		dhclient_msg(&m, REQUEST, flags[i], ip4(10, 1, 0, 9));
		assert_nak4(&m, &l, &o);
	}
	/* a client that names the server while renewing is judged by ciaddr all the same */
	msg4_begin(&m, REQUEST, 0, l.addr);
	msg4_opt_addr(&m, 54, l.router);
	msg4_end(&m);
	assert_lease_reply4(&m, &l, ACK, l.addr, &o);
}

static void v4_request_asking_for_nothing_gets_nak(void **state)
{
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	dhclient_msg(&m, REQUEST, 0, 0);
	assert_nak4(&m, &l, &o);
	/* option 50 of 0.0.0.0 is no address either, even for a lease of 0.0.0.0 */
	l.addr = 0;
	dhclient_request_init_reboot(&m, 0);
	assert_nak4(&m, &l, &o);
}

/* RFC 2131 3.4, table 3: an INFORM's ACK has no yiaddr and MUST NOT carry a lease time. */
static void v4_inform_gets_ack_without_address_or_lease_time(void **state)
{
	static const uint8_t want_codes[] = {53, 54, 1, 3, 6, 15, 26, 255};
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	dhclient_msg(&m, INFORM, 0, ip4(10, 1, 0, 5));
	assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
	assert_reply4_header(&o, &m, ip4(10, 1, 0, 5), 0);
	assert_codes4(&o, want_codes, sizeof(want_codes));
	assert_opt4(&o, 53, "05");
	assert_dest4(&o, ACK, 0, ip4(10, 1, 0, 5));
	/* without ciaddr there is nowhere to unicast to */
	msg4_begin(&m, INFORM, 0, 0);
	msg4_end(&m);
	assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
	assert_reply4_header(&o, &m, 0, 0);
	assert_dest4(&o, ACK, 1, 0);
}

/* RFC 6842: the client identifier comes back in every reply, NAKs included. */
static void v4_networkd_exchange_echoes_its_client_identifier(void **state)
{
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;
	char hex[64];

	(void)state;
	lease4_init(&l);
	for (size_t i = 0; i < sizeof(networkd_client_id); i++)
		snprintf(hex + 2 * i, 3, "%02x", networkd_client_id[i]);
	networkd_msg(&m, DISCOVER, 0);
	assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
	assert_reply4_header(&o, &m, 0, l.addr);
	assert_opt4(&o, 53, "02");
	assert_opt4(&o, 61, hex);
	assert_dest4(&o, OFFER, 0, l.addr);
	networkd_msg(&m, REQUEST, l.addr); /* networkd's INIT-REBOOT */
	assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
	assert_opt4(&o, 53, "05");
	assert_opt4(&o, 61, hex);
	networkd_msg(&m, REQUEST, ip4(10, 9, 0, 5));
	assert_nak4(&m, &l, &o);
	assert_opt4(&o, 61, hex);
}

static void v4_udhcpc_exchange_is_broadcast(void **state)
{
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	udhcpc_msg(&m, DISCOVER, 0, 0);
	assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
	assert_reply4_header(&o, &m, 0, l.addr);
	assert_opt4(&o, 61, "01020000000105");
	assert_dest4(&o, OFFER, 1, 0);
	udhcpc_msg(&m, REQUEST, l.router, l.addr);
	assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
	assert_reply4_header(&o, &m, 0, l.addr);
	assert_opt4(&o, 53, "05");
	assert_opt4(&o, 61, "01020000000105");
	assert_dest4(&o, ACK, 1, 0);
}

/* RFC 2131 4.1, one row per rule: NAK broadcast; ciaddr unicast; broadcast bit; yiaddr. */
static void v4_reply_destination_follows_rfc2131(void **state)
{
	static const struct {
		uint8_t type;
		uint16_t flags;
		int with_ciaddr, want_broadcast;
		uint8_t want_type;
	} rows[] = {
		{DISCOVER, 0, 0, 0, OFFER},	 {DISCOVER, BROADCAST, 0, 1, OFFER},
		{DISCOVER, 0, 1, 0, OFFER},	 {DISCOVER, BROADCAST, 1, 0, OFFER},
		{REQUEST, 0, 1, 0, ACK},	 {REQUEST, BROADCAST, 1, 0, ACK},
		{INFORM, BROADCAST, 1, 0, ACK},	 {INFORM, BROADCAST, 0, 1, ACK},
		{DISCOVER, 0x7fff, 0, 0, OFFER}, /* the other flag bits are not the broadcast bit */
	};
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		msg4_begin(&m, rows[i].type, rows[i].flags, rows[i].with_ciaddr ? l.addr : 0);
		msg4_end(&m);
		assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
		assert_dest4(&o, rows[i].want_type, rows[i].want_broadcast, l.addr);
		/* flags come back as sent, all 16 bits */
		assert_memory_equal(o.reply + 10, m.b + 10, 2);
	}
}

/* ---- DHCPv4: option encodings and limits ---- */

/* RFC 3442: width, significant destination bytes, router. The default route joins them,
 * since a client taking 121 ignores option 3. */
static void v4_classless_routes_encode_rfc3442(void **state)
{
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	l.n_routes = 3;
	l.routes[0].prefix = ip4(10, 0, 0, 0);
	l.routes[0].plen = 8;
	l.routes[0].router = ip4(10, 1, 0, 1);
	l.routes[1].prefix = ip4(192, 168, 1, 128);
	l.routes[1].plen = 25;
	l.routes[1].router = ip4(10, 1, 0, 254);
	l.routes[2].prefix = ip4(172, 16, 5, 9); /* host bits set: cleared on the wire */
	l.routes[2].plen = 12;
	l.routes[2].router = ip4(10, 1, 0, 253);
	dhclient_discover(&m);
	assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
	assert_opt4(&o, 121, "08 0a 0a010001  19 c0a80180 0a0100fe  0c ac10 0a0100fd  00 0a010001");
	assert_opt4(&o, 3, "0a010001");

	/* a default route of its own replaces the gateway's; /32 takes all four bytes */
	l.n_routes = 2;
	l.routes[0].prefix = 0;
	l.routes[0].plen = 0;
	l.routes[0].router = ip4(10, 1, 0, 254);
	l.routes[1].prefix = ip4(169, 254, 169, 254);
	l.routes[1].plen = 32;
	l.routes[1].router = ip4(10, 1, 0, 2);
	assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
	assert_opt4(&o, 121, "00 0a0100fe  20 a9fea9fe 0a010002");

	/* a prefix length that cannot be encoded is left out, the rest stays */
	l.routes[0].plen = 33;
	assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
	assert_opt4(&o, 121, "20 a9fea9fe 0a010002  00 0a010001");
}

static void v4_optional_options_are_left_out(void **state)
{
	static const uint8_t want_codes[] = {53, 54, 51, 58, 59, 1, 3, 255};
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	l.n_dns = 0;
	l.domain[0] = '\0';
	l.mtu = 67; /* below RFC 2132's minimum of 68 */
	dhclient_discover(&m);
	assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
	assert_codes4(&o, want_codes, sizeof(want_codes));
	l.mtu = 68;
	assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
	assert_opt4(&o, 26, "0044");
}

static void v4_subnet_mask_and_times_at_the_edges(void **state)
{
	static const struct {
		uint8_t plen;
		const char *mask;
	} masks[] = {{0, "00000000"},
		     {1, "80000000"},
		     {23, "fffffe00"},
		     {32, "ffffffff"},
		     {40, "ffffffff"}};
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	dhclient_discover(&m);
	for (size_t i = 0; i < ARRAY_SIZE(masks); i++) {
		l.plen = masks[i].plen;
		assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
		assert_opt4(&o, 1, masks[i].mask);
	}
	/* an infinite lease is renewed never, not after 2^31 seconds */
	l.lease_time = UINT32_MAX;
	assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
	assert_opt4(&o, 51, "ffffffff");
	assert_opt4(&o, 58, "ffffffff");
	assert_opt4(&o, 59, "ffffffff");
	/* no overflow just below it */
	l.lease_time = UINT32_MAX - 1;
	assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
	assert_opt4(&o, 58, "7fffffff");
	assert_opt4(&o, 59, "dffffffe");
}

/* The fullest lease fits the 548 bytes every client takes; a client identifier that would
 * push past it is left out whole rather than cut. */
static void v4_fullest_lease_fits_and_long_client_id_is_left_out(void **state)
{
	uint8_t client_id[255], size;
	struct dhcp4_lease l;
	struct out4 o;
	struct msg4 m;

	(void)state;
	lease4_init(&l);
	l.n_dns = DHCP_DNS_MAX;
	memset(l.domain, 'd', sizeof(l.domain)); /* all 64 bytes, no terminator */
	l.n_routes = DHCP_ROUTES_MAX;
	for (unsigned int i = 0; i < DHCP_ROUTES_MAX; i++) {
		l.routes[i].prefix = ip4(192, 168, (uint8_t)i, 1);
		l.routes[i].plen = 32;
		l.routes[i].router = l.router;
	}
	memset(client_id, 0x42, sizeof(client_id));
	for (size_t n = 2; n <= sizeof(client_id); n++) {
		msg4_begin(&m, DISCOVER, 0, 0);
		msg4_opt(&m, 61, client_id, (uint8_t)n);
		msg4_end(&m);
		assert_int_equal(run4(&m, &l, &o), DHCP_REPLY);
		assert_true(o.len <= REPLY4_MAX);
		assert_memory_equal(reply4_opt(&o, 15, &size), l.domain, sizeof(l.domain));
		assert_int_equal(size, sizeof(l.domain));
		assert_non_null(reply4_opt(&o, 121, &size));
		assert_int_equal(size, 8 * 9 + 5);
		if (reply4_opt(&o, 61, &size) != NULL)
			assert_int_equal(size, n);
		else
			assert_true(o.len + 2 + n > REPLY4_MAX);
	}
}

/* Every cut of a valid message short of its end option is refused without a read past
 * len; cuts inside the trailing pads keep the verdict, as the end option was read. */
static void v4_every_truncation_of_valid_messages_is_refused(void **state)
{
	struct dhcp4_lease l;
	struct msg4 msgs[5];
	struct out4 o;

	(void)state;
	lease4_init(&l);
	dhclient_discover(&msgs[0]);
	dhclient_request_selecting(&msgs[1], l.router, l.addr);
	dhclient_request_init_reboot(&msgs[2], l.addr);
	dhclient_release(&msgs[3]);
	networkd_msg(&msgs[4], DISCOVER, 0);
	for (size_t i = 0; i < ARRAY_SIZE(msgs); i++) {
		const struct msg4 *m = &msgs[i];
		enum dhcp_verdict whole = run4(m, &l, &o);
		size_t end = OPTS_OFF;

		while (m->b[end] != 255)
			end += 2 + (size_t)m->b[end + 1];
		for (size_t len = 0; len < m->len; len++) {
			enum dhcp_verdict v = run4_raw(m->b, len, &l, &o);

			if (v != (len <= end ? DHCP_MALFORMED : whole))
				fail_msg("message %zu cut at %zu: verdict %d", i, len, v);
		}
	}
}

/* ================================ DHCPv6 ================================ */

#define SOLICIT	    1
#define ADVERTISE   2
#define REQUEST6    3
#define CONFIRM	    4
#define RENEW	    5
#define REBIND	    6
#define REPLY	    7
#define RELEASE6    8
#define DECLINE6    9
#define RECONFIGURE 10
#define INFO_REQ    11
#define RELAY_FORW  12
#define RELAY_REPL  13

#define REPLY6_MAX DHCP6_REPLY_MAX

static void lease6_init(struct dhcp6_lease *l)
{
	static const uint8_t addr[16] = {0xfd, 0, 0, 1, [15] = 5};
	static const uint8_t dns[16] = {0xfd, 0, 0, 1, [15] = 2};

	memset(l, 0, sizeof(*l));
	memcpy(l->server_mac, gw_mac, 6);
	memcpy(l->addr, addr, 16);
	l->preferred = 1800;
	l->valid = 3600;
	l->n_dns = 1;
	memcpy(l->dns[0], dns, 16);
	strcpy(l->domain, "vpc.example.com");
}

/* Captured from dhclient 4.4 (DUID-LLT client identifier, IAID 00000105) talking to this
 * server whose DUID-LL is 00030001 0200000001fe: each message's options in its order. */
static const char dhclient6_solicit[] =
	"01 04fd47 0001000e 0001000132946b72020000000105 00060008 001700180027001f "
	"00080002 0000 0003000c 00000105 00000e10 00001518";
static const char dhclient6_solicit_rapid[] =
	"01 dcfcaf 0001000e 0001000132946b8b020000000105 00060004 00170018 00080002 0000 "
	"000e0000 0003000c 00000105 00000e10 00001518";
static const char dhclient6_request[] =
	"03 142469 0001000e 0001000132946b72020000000105 0002000a 000300010200000001fe "
	"00060008 001700180027001f 00080002 0000 00030028 00000105 00000e10 00001518 "
	"00050018 fd000001000000000000000000000005 00001c20 00001d4c";
static const char dhclient6_confirm[] =
	"04 5147b8 0001000e 0001000132946b72020000000105 00060008 001700180027001f "
	"00080002 0000 00030028 00000105 00000000 00000000 "
	"00050018 fd000001000000000000000000000005 00000000 00000000";
static const char dhclient6_renew[] =
	"05 04d7b5 0001000e 0001000132946b8b020000000105 0002000a 000300010200000001fe "
	"00060004 00170018 00080002 0000 00030028 00000105 00000e10 00001518 "
	"00050018 fd000001000000000000000000000005 00001c20 00001d4c";
static const char dhclient6_rebind[] =
	"06 f584ee 0001000e 0001000132946b9e020000000105 00060008 001700180027001f "
	"00080002 0000 00030028 00000105 00000e10 00001518 "
	"00050018 fd000001000000000000000000000005 00001c20 00001d4c";
static const char dhclient6_release[] =
	"08 63052f 0001000e 0001000132946b72020000000105 0002000a 000300010200000001fe "
	"00060008 001700180027001f 00080002 0000 00030028 00000105 00000000 00000000 "
	"00050018 fd000001000000000000000000000005 00000000 00000000";
static const char dhclient6_info_request[] =
	"0b 7b23c6 0001000a 00030001020000000105 00060008 001700180027001f 00080002 0000";

/* What the replies to dhclient carry from lease6_init: our DUID, DNS, domain, the lease. */
#define SERVER_ID6 "0002000a 000300010200000001fe "
#define DNS6	   "00170010 fd000001000000000000000000000002 "
#define DOMAIN6	   "00180011 03767063 076578616d706c65 03636f6d 00 "
#define LEASE6                                                                                     \
	"00030028 00000105 00000384 000005a0 "                                                     \
	"00050018 fd000001000000000000000000000005 00000708 00000e10"

struct msg6 {
	uint8_t b[2048];
	size_t len;
};

static void msg6_hex(struct msg6 *m, const char *hex)
{
	m->len = unhex(hex, m->b, sizeof(m->b));
}

static void msg6_begin(struct msg6 *m, uint8_t type)
{
	m->b[0] = type;
	m->b[1] = 0x12;
	m->b[2] = 0x34;
	m->b[3] = 0x56;
	m->len = 4;
}

static void msg6_opt(struct msg6 *m, uint16_t code, const void *data, uint16_t size)
{
	m->b[m->len++] = (uint8_t)(code >> 8);
	m->b[m->len++] = (uint8_t)code;
	m->b[m->len++] = (uint8_t)(size >> 8);
	m->b[m->len++] = (uint8_t)size;
	if (size > 0)
		memcpy(m->b + m->len, data, size);
	m->len += size;
}

static void msg6_opt_hex(struct msg6 *m, uint16_t code, const char *hex)
{
	uint8_t data[512];

	msg6_opt(m, code, data, (uint16_t)unhex(hex, data, sizeof(data)));
}

/* dhclient's client identifier (DUID-LLT); our server identifier (DUID-LL of gw_mac). */
static void msg6_client_id(struct msg6 *m)
{
	msg6_opt_hex(m, 1, "0001000132946b72020000000105");
}

static void msg6_server_id(struct msg6 *m)
{
	msg6_opt_hex(m, 2, "000300010200000001fe");
}

/* An IA_NA with IAID iaid holding the given addresses (fd00:1::<last byte>). */
static void msg6_ia_na(struct msg6 *m, uint32_t iaid, const uint8_t *lasts, size_t n)
{
	uint8_t ia[12 + 8 * 28] = {0};
	size_t size = 12;

	ia[0] = (uint8_t)(iaid >> 24);
	ia[1] = (uint8_t)(iaid >> 16);
	ia[2] = (uint8_t)(iaid >> 8);
	ia[3] = (uint8_t)iaid;
	for (size_t i = 0; i < n; i++) {
		uint8_t *a = ia + size;

		memset(a, 0, 28);
		a[1] = 5;
		a[3] = 24;
		a[4] = 0xfd;
		a[7] = 1;
		a[19] = lasts[i];
		size += 28;
	}
	msg6_opt(m, 3, ia, (uint16_t)size);
}

struct out6 {
	enum dhcp_verdict v;
	uint8_t reply[DHCP6_REPLY_MAX];
	size_t len;
};

static enum dhcp_verdict run6_raw(const uint8_t *msg, size_t len, const struct dhcp6_lease *l,
				  struct out6 *o)
{
	uint8_t *p = dup_exact(msg, len);

	memset(o->reply, 0xa5, sizeof(o->reply));
	o->len = 0xdeadbeef;
	o->v = dhcp6_handle(p, len, l, o->reply, &o->len);
	free(p);
	if (o->v != DHCP_REPLY)
		assert_int_equal(o->len, 0);
	else
		assert_true(o->len >= 4 && o->len <= REPLY6_MAX);
	return o->v;
}

static enum dhcp_verdict run6(const struct msg6 *m, const struct dhcp6_lease *l, struct out6 *o)
{
	return run6_raw(m->b, m->len, l, o);
}

static void assert_reply6(const struct out6 *o, const char *hex)
{
	uint8_t want[REPLY6_MAX];
	size_t n = unhex(hex, want, sizeof(want));

	assert_int_equal(o->v, DHCP_REPLY);
	assert_int_equal(o->len, n);
	assert_memory_equal(o->reply, want, n);
}

/* For the tests that judge only the verdict, against lease6_init's lease. */
static enum dhcp_verdict verdict6(const struct msg6 *m)
{
	struct dhcp6_lease l;
	struct out6 o;

	lease6_init(&l);
	return run6(m, &l, &o);
}

/* The reply to m from a server holding lease6_init's lease, byte for byte. */
static void assert_answer6(const struct msg6 *m, const char *want)
{
	struct dhcp6_lease l;
	struct out6 o;

	lease6_init(&l);
	run6(m, &l, &o);
	assert_reply6(&o, want);
}

static void assert_dhclient6_answer(const char *msg_hex, const char *want)
{
	struct msg6 m;

	msg6_hex(&m, msg_hex);
	assert_answer6(&m, want);
}

/* How our REPLY to a message built by msg6_begin and msg6_client_id begins. */
#define REPLY6_BUILT "07 123456 0001000e 0001000132946b72020000000105 " SERVER_ID6

/* ---- DHCPv6: refusals ---- */

static void v6_messages_shorter_than_the_header_are_malformed(void **state)
{
	struct msg6 m;

	(void)state;
	msg6_hex(&m, dhclient6_solicit);
	for (size_t len = 0; len < 4; len++) {
		m.len = len;
		assert_int_equal(verdict6(&m), DHCP_MALFORMED);
	}
}

/* Server and relay messages are not for this server to answer; a type RFC 8415 does not
 * define is no DHCPv6 message at all. */
static void v6_message_types_other_than_a_clients(void **state)
{
	static const uint8_t ignored[] = {ADVERTISE, REPLY, RECONFIGURE, RELAY_FORW, RELAY_REPL};
	static const uint8_t unknown[] = {0, 14, 35, 255};
	struct msg6 m;

	(void)state;
	for (size_t i = 0; i < sizeof(ignored); i++) {
		msg6_hex(&m, dhclient6_solicit);
		m.b[0] = ignored[i];
		assert_int_equal(verdict6(&m), DHCP_NO_REPLY);
		/* ignored before its options are read */
		m.len--;
		assert_int_equal(verdict6(&m), DHCP_NO_REPLY);
	}
	for (size_t i = 0; i < sizeof(unknown); i++) {
		msg6_hex(&m, dhclient6_solicit);
		m.b[0] = unknown[i];
		assert_int_equal(verdict6(&m), DHCP_MALFORMED);
	}
}

static void v6_options_running_past_their_area_are_malformed(void **state)
{
	static const char *const bad_opts[] = {
		"000e00",				    /* top level: a header cut */
		"00080004 0000",			    /* top level: a length past the end */
		"0003000b 00000105 00000000 000000",	    /* IA_NA shorter than its fixed part */
		"00040003 000001",			    /* IA_TA likewise */
		"0019000b 00000105 00000000 000000",	    /* IA_PD likewise */
		"0003000e 00000105 00000000 00000000 0005", /* a sub-option header cut */
		"00030014 00000105 00000000 00000000 00050018 fd000001", /* IAADDR past the IA */
		"00030024 00000105 00000000 00000000 00050014 fd000001000000000000000000000005 "
		"00000000", /* IAADDR shorter than its fixed part */
		"0003002a 00000105 00000000 00000000 0005001a fd000001000000000000000000000005 "
		"00000000 00000000 000d",		    /* an option inside IAADDR cut */
		"0019000e 00000105 00000000 00000000 001a", /* IA_PD's options cut */
		"000e0001 00",				    /* rapid commit carries nothing */
	};
	struct msg6 m;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_opts); i++) {
		msg6_begin(&m, SOLICIT);
		msg6_client_id(&m);
		m.len += unhex(bad_opts[i], m.b + m.len, sizeof(m.b) - m.len);
		if (verdict6(&m) != DHCP_MALFORMED)
			fail_msg("bad option %zu accepted", i);
	}
}

/* A DUID is a type and 1 to 128 bytes (RFC 8415 11.1); two of one kind leave it open which
 * one the client meant. */
static void v6_bad_or_repeated_identifiers_are_malformed(void **state)
{
	static const uint16_t bad_sizes[] = {2, 131}; /* no byte after the type; 129 */
	uint8_t duid[131] = {0, 3, 0, 1};
	struct msg6 m;

	(void)state;
	for (uint16_t code = 1; code <= 2; code++) {
		for (size_t i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
			msg6_begin(&m, code == 1 ? SOLICIT : REQUEST6);
			if (code == 2)
				msg6_client_id(&m);
			msg6_opt(&m, code, duid, bad_sizes[i]);
			assert_int_equal(verdict6(&m), DHCP_MALFORMED);
		}
	}
	msg6_begin(&m, SOLICIT);
	msg6_opt(&m, 1, duid, 3);
	msg6_opt(&m, 1, duid, 130);
	assert_int_equal(verdict6(&m), DHCP_MALFORMED);
	msg6_begin(&m, REQUEST6);
	msg6_client_id(&m);
	msg6_server_id(&m);
	msg6_server_id(&m);
	assert_int_equal(verdict6(&m), DHCP_MALFORMED);
}

static void v6_missing_client_id_is_malformed_except_in_information_request(void **state)
{
	static const uint8_t types[] = {SOLICIT, REQUEST6, CONFIRM, RENEW,
					REBIND,	 RELEASE6, DECLINE6};
	struct msg6 m;

	(void)state;
	for (size_t i = 0; i < sizeof(types); i++) {
		msg6_begin(&m, types[i]);
		msg6_server_id(&m);
		msg6_ia_na(&m, 0x105, (const uint8_t[]){5}, 1);
		assert_int_equal(verdict6(&m), DHCP_MALFORMED);
	}
	msg6_begin(&m, INFO_REQ);
	msg6_opt_hex(&m, 6, "00170018");
	assert_answer6(&m, "07 123456 " SERVER_ID6 DNS6 DOMAIN6);
}

/* RFC 8415 16.2, 16.5, 16.7: SOLICIT, CONFIRM and REBIND go to every server; one that names
 * a server, even this one, is not a valid message of its kind. */
static void v6_server_id_in_solicit_confirm_rebind_gets_no_reply(void **state)
{
	const char *msgs[] = {dhclient6_solicit, dhclient6_confirm, dhclient6_rebind};
	struct msg6 m;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(msgs); i++) {
		msg6_hex(&m, msgs[i]);
		assert_int_equal(verdict6(&m), DHCP_REPLY);
		msg6_server_id(&m);
		assert_int_equal(verdict6(&m), DHCP_NO_REPLY);
	}
}

/* RFC 8415 16.4, 16.6, 16.9, 16.10: these name the server they are for; only ours, as the
 * exact DUID-LL, is answered. */
static void v6_request_renew_release_decline_need_our_server_id(void **state)
{
	static const struct {
		const char *duid; /* NULL: no server identifier */
		enum dhcp_verdict want;
	} ids[] = {
		{NULL, DHCP_NO_REPLY},
		{"000300010200000001ff", DHCP_NO_REPLY},	 /* another MAC */
		{"0001000132946b72020000000105", DHCP_NO_REPLY}, /* our MAC in a DUID-LLT */
		{"00030006020000000105", DHCP_NO_REPLY},	 /* another hardware type */
		{"00030001020000000105ff", DHCP_NO_REPLY},	 /* one byte longer */
		{"000300010200000001fe", DHCP_REPLY},		 /* ours */
	};
	const uint8_t types[] = {REQUEST6, RENEW, RELEASE6, DECLINE6};
	struct msg6 m;

	(void)state;
	for (size_t i = 0; i < sizeof(types); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(ids); j++) {
			enum dhcp_verdict v;

			msg6_begin(&m, types[i]);
			msg6_client_id(&m);
			if (ids[j].duid != NULL)
				msg6_opt_hex(&m, 2, ids[j].duid);
			msg6_ia_na(&m, 0x105, (const uint8_t[]){5}, 1);
			v = verdict6(&m);
			if (v != ids[j].want)
				fail_msg("type %u, server id %s: verdict %d", types[i],
					 ids[j].duid != NULL ? ids[j].duid : "none", v);
		}
	}
}

/* RFC 8415 16.12: another server's identifier, or any IA, and it is not ours to answer. */
static void v6_information_request_with_other_server_or_ia_gets_no_reply(void **state)
{
	struct msg6 m;

	(void)state;
	msg6_hex(&m, dhclient6_info_request);
	msg6_opt_hex(&m, 2, "00030001020000000199");
	assert_int_equal(verdict6(&m), DHCP_NO_REPLY);
	msg6_hex(&m, dhclient6_info_request);
	msg6_server_id(&m);
	assert_int_equal(verdict6(&m), DHCP_REPLY);
	msg6_hex(&m, dhclient6_info_request);
	msg6_ia_na(&m, 1, NULL, 0);
	assert_int_equal(verdict6(&m), DHCP_NO_REPLY);
	msg6_hex(&m, dhclient6_info_request);
	msg6_opt_hex(&m, 25, "00000001 00000000 00000000");
	assert_int_equal(verdict6(&m), DHCP_NO_REPLY);
}

/* ---- DHCPv6: normal path, byte for byte ---- */

/* Preference 255: the port has one server, the client need not wait for others. */
static void v6_dhclient_solicit_gets_advertise(void **state)
{
	(void)state;
	assert_dhclient6_answer(dhclient6_solicit,
				"02 04fd47 0001000e 0001000132946b72020000000105 " SERVER_ID6
				"00070001 ff " DNS6 DOMAIN6 LEASE6);
}

static void v6_solicit_with_rapid_commit_gets_committed_reply(void **state)
{
	(void)state;
	assert_dhclient6_answer(dhclient6_solicit_rapid,
				"07 dcfcaf 0001000e 0001000132946b8b020000000105 " SERVER_ID6
				"000e0000 " DNS6 DOMAIN6 LEASE6);
}

static void v6_dhclient_request_gets_reply_with_the_lease(void **state)
{
	(void)state;
	assert_dhclient6_answer(
		dhclient6_request,
		"07 142469 0001000e 0001000132946b72020000000105 " SERVER_ID6 DNS6 DOMAIN6 LEASE6);
}

static void v6_renew_and_rebind_get_the_lease(void **state)
{
	(void)state;
	assert_dhclient6_answer(
		dhclient6_renew,
		"07 04d7b5 0001000e 0001000132946b8b020000000105 " SERVER_ID6 DNS6 DOMAIN6 LEASE6);
	assert_dhclient6_answer(
		dhclient6_rebind,
		"07 f584ee 0001000e 0001000132946b9e020000000105 " SERVER_ID6 DNS6 DOMAIN6 LEASE6);
}

/* RFC 8415 18.3.4: a renewed address no longer the port's comes back at lifetime 0 (two at
 * most), beside the lease; a renewed lease address is not repeated. */
static void v6_renew_after_the_port_address_changed_zeroes_the_old_one(void **state)
{
	static const uint8_t lasts[] = {9, 5, 7, 8};
	struct msg6 m;

	(void)state;
	msg6_begin(&m, RENEW);
	msg6_client_id(&m);
	msg6_server_id(&m);
	msg6_ia_na(&m, 0x105, lasts, sizeof(lasts));
	assert_answer6(&m, REPLY6_BUILT DNS6 DOMAIN6
		       "00030060 00000105 00000384 000005a0 "
		       "00050018 fd000001000000000000000000000005 00000708 00000e10 "
		       "00050018 fd000001000000000000000000000009 00000000 00000000 "
		       "00050018 fd000001000000000000000000000007 00000000 00000000");
	/* a REQUEST's addresses are only hints: nothing is zeroed */
	m.b[0] = REQUEST6;
	assert_answer6(&m, REPLY6_BUILT DNS6 DOMAIN6 LEASE6);
}

/* RFC 8415 18.3.3: Success when every listed address is the lease, NotOnLink otherwise; no
 * address at all leaves nothing to judge and no reply. No IA goes back. */
static void v6_confirm_judges_every_listed_address(void **state)
{
	static const uint8_t ok[] = {5}, one_off[] = {5, 6};
	struct msg6 m;

	(void)state;
	assert_dhclient6_answer(dhclient6_confirm,
				"07 5147b8 0001000e 0001000132946b72020000000105 " SERVER_ID6
				"000d0009 0000 6f6e206c696e6b");

	msg6_begin(&m, CONFIRM);
	msg6_client_id(&m);
	msg6_ia_na(&m, 1, ok, 1);
	msg6_ia_na(&m, 2, one_off, 2);
	assert_answer6(&m, REPLY6_BUILT "000d000d 0004 6e6f74206f6e206c696e6b");

	/* options beside the addresses in an IA are walked over */
	msg6_begin(&m, CONFIRM);
	msg6_client_id(&m);
	msg6_opt_hex(&m, 3,
		     "00000001 00000000 00000000 000d0002 0000 "
		     "00050018 fd000001000000000000000000000005 00000000 00000000");
	assert_answer6(&m, REPLY6_BUILT "000d0009 0000 6f6e206c696e6b");

	/* addresses in an IA_TA count too */
	msg6_begin(&m, CONFIRM);
	msg6_client_id(&m);
	msg6_opt_hex(&m, 4, "00000001 00050018 fd000001000000000000000000000009 00000000 00000000");
	assert_answer6(&m, REPLY6_BUILT "000d000d 0004 6e6f74206f6e206c696e6b");

	msg6_begin(&m, CONFIRM);
	msg6_client_id(&m);
	msg6_ia_na(&m, 1, NULL, 0);
	assert_int_equal(verdict6(&m), DHCP_NO_REPLY);
	msg6_begin(&m, CONFIRM);
	msg6_client_id(&m);
	assert_int_equal(verdict6(&m), DHCP_NO_REPLY);
}

static void v6_release_and_decline_get_success(void **state)
{
	static const char success[] =
		"07 63052f 0001000e 0001000132946b72020000000105 " SERVER_ID6 "000d0002 0000";
	struct msg6 m;

	(void)state;
	msg6_hex(&m, dhclient6_release);
	assert_answer6(&m, success);
	m.b[0] = DECLINE6;
	assert_answer6(&m, success);
}

/* dhclient -S: its DUID-LL comes back, and only configuration. */
static void v6_information_request_gets_dns_and_domain_only(void **state)
{
	(void)state;
	assert_dhclient6_answer(dhclient6_info_request,
				"07 7b23c6 0001000a 00030001020000000105 " SERVER_ID6 DNS6 DOMAIN6);
}

/* Status NoAddrsAvail: "addresses are given in IA_NA only". */
#define NO_ADDRS_AVAIL6                                                                            \
	"000d0023 0002 6164647265737365732061726520676976656e20696e2049415f4e41206f6e6c79 "

/* Addresses go in IA_NA only: a SOLICIT or REQUEST without one hears NoAddrsAvail. */
static void v6_no_ia_na_gets_no_addrs_avail(void **state)
{
	struct msg6 m;

	(void)state;
	msg6_begin(&m, SOLICIT);
	msg6_client_id(&m);
	assert_answer6(&m, "02 123456 0001000e 0001000132946b72020000000105 " SERVER_ID6
			   "00070001 ff " NO_ADDRS_AVAIL6 DNS6 DOMAIN6);
	msg6_begin(&m, REQUEST6);
	msg6_client_id(&m);
	msg6_server_id(&m);
	assert_answer6(&m, REPLY6_BUILT NO_ADDRS_AVAIL6 DNS6 DOMAIN6);
	/* a RENEW without one has nothing to renew, and no status to hear */
	m.b[0] = RENEW;
	assert_answer6(&m, REPLY6_BUILT DNS6 DOMAIN6);
}

/* One address, one IA: the first IA_NA takes it, wherever it stands; a second IA_NA, an
 * IA_TA and an IA_PD are refused, "none available" when asked, "no binding" when renewed. */
static void v6_only_the_first_ia_na_gets_the_lease(void **state)
{
	struct msg6 m;

	(void)state;
	msg6_begin(&m, SOLICIT);
	msg6_client_id(&m);
	msg6_opt_hex(&m, 25, "000000aa 00000000 00000000");
	msg6_ia_na(&m, 0x105, NULL, 0);
	msg6_ia_na(&m, 0x106, NULL, 0);
	msg6_opt_hex(&m, 4, "000000bb");
	msg6_opt(&m, 14, NULL, 0);
	assert_answer6(
		&m, REPLY6_BUILT
		"000e0000 " DNS6 DOMAIN6 LEASE6
		" 00190020 000000aa 00000000 00000000 000d0010 0006 6e6f6e6520617661696c61626c65"
		" 00030020 00000106 00000000 00000000 000d0010 0002 6e6f6e6520617661696c61626c65"
		" 00040018 000000bb 000d0010 0002 6e6f6e6520617661696c61626c65");
	m.b[0] = REBIND;
	m.len -= 4; /* without the rapid commit */
	assert_answer6(&m, REPLY6_BUILT DNS6 DOMAIN6 LEASE6
		       " 0019001c 000000aa 00000000 00000000 000d000c 0003 6e6f2062696e64696e67"
		       " 0003001c 00000106 00000000 00000000 000d000c 0003 6e6f2062696e64696e67"
		       " 00040014 000000bb 000d000c 0003 6e6f2062696e64696e67");
}

/* RFC 8415 10: the search list in DNS wire form, each label behind its length. */
static void v6_domain_search_list_is_dns_wire_format(void **state)
{
	static const struct {
		const char *name;
		const char *wire; /* NULL: option left out */
	} names[] = {
		{"a", "01 61 00"},
		{"example.com.", "07 6578616d706c65 03 636f6d 00"},
		{"x.y.z", "01 78 01 79 01 7a 00"},
		{"a..b", NULL},
		{".a", NULL},
		{".", NULL},
		{"a.b..", NULL},
		{"", NULL},
		{"0123456789012345678901234567890123456789012345678901234567890123", NULL},
		{"012345678901234567890123456789012345678901234567890123456789012",
		 "3f 30313233343536373839 30313233343536373839 30313233343536373839 "
		 "30313233343536373839 30313233343536373839 30313233343536373839 303132 00"},
		{"a.012345678901234567890123456789012345678901234567890123456789",
		 "01 61 3c 30313233343536373839 30313233343536373839 30313233343536373839 "
		 "30313233343536373839 30313233343536373839 30313233343536373839 00"},
	};
	struct dhcp6_lease l;
	struct out6 o;
	struct msg6 m;
	char hex[512];

	(void)state;
	lease6_init(&l);
	l.n_dns = 0;
	msg6_hex(&m, dhclient6_info_request);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		uint8_t wire[80];

		memset(l.domain, 0, sizeof(l.domain));
		memcpy(l.domain, names[i].name, strlen(names[i].name));
		run6(&m, &l, &o);
		if (names[i].wire == NULL) {
			assert_reply6(&o, "07 7b23c6 0001000a 00030001020000000105 " SERVER_ID6);
			continue;
		}
		snprintf(hex, sizeof(hex),
			 "07 7b23c6 0001000a 00030001020000000105 " SERVER_ID6 "0018%04zx %s",
			 unhex(names[i].wire, wire, sizeof(wire)), names[i].wire);
		assert_reply6(&o, hex);
	}
}

static void v6_lifetimes_at_the_edges(void **state)
{
	struct dhcp6_lease l;
	struct out6 o;
	struct msg6 m;

	(void)state;
	lease6_init(&l);
	l.n_dns = 0;
	l.domain[0] = '\0';
	l.preferred = UINT32_MAX;
	l.valid = UINT32_MAX;
	msg6_hex(&m, dhclient6_request);
	run6(&m, &l, &o);
	assert_reply6(&o, "07 142469 0001000e 0001000132946b72020000000105 " SERVER_ID6
			  "00030028 00000105 ffffffff ffffffff "
			  "00050018 fd000001000000000000000000000005 ffffffff ffffffff");
	l.preferred = UINT32_MAX - 1;
	run6(&m, &l, &o);
	assert_memory_equal(o.reply + 4 + 18 + 14 + 8, "\x7f\xff\xff\xff\xcc\xcc\xcc\xcb", 8);
}

/* The fullest lease, the longest client identifier and a flood of IAs: the lease's IA_NA
 * still goes out, refusals only while whole ones fit, never past DHCP6_REPLY_MAX. */
static void v6_fullest_reply_keeps_the_lease_and_fits(void **state)
{
	uint8_t duid[130] = {0, 2};
	struct dhcp6_lease l;
	struct out6 o;
	struct msg6 m;
	size_t off, n_pd = 0;
	bool lease_seen = false;

	(void)state;
	lease6_init(&l);
	l.n_dns = DHCP_DNS_MAX;
	memset(l.domain, 'd', 63);
	memset(duid + 2, 0x33, sizeof(duid) - 2);
	msg6_begin(&m, SOLICIT);
	msg6_opt(&m, 1, duid, sizeof(duid));
	for (uint32_t i = 0; i < 40; i++) {
		uint8_t pd[12] = {0, 0, 0, (uint8_t)i};

		msg6_opt(&m, 25, pd, sizeof(pd));
	}
	msg6_ia_na(&m, 0x105, (const uint8_t[]){1, 2, 3, 4, 5, 6, 7, 8}, 8);
	assert_int_equal(run6(&m, &l, &o), DHCP_REPLY);
	assert_true(o.len <= REPLY6_MAX);
	for (off = 4; off < o.len;) {
		uint16_t code = (uint16_t)(o.reply[off] << 8 | o.reply[off + 1]);
		uint16_t size = (uint16_t)(o.reply[off + 2] << 8 | o.reply[off + 3]);

		assert_true(off + 4 + size <= o.len);
		lease_seen |= code == 3 && size == 40;
		n_pd += code == 25;
		off += 4 + (size_t)size;
	}
	assert_int_equal(off, o.len);
	assert_true(lease_seen);
	assert_true(n_pd > 0 && n_pd < 40);
	assert_true(o.len + 36 > REPLY6_MAX); /* no room was left for one more refusal */
}

/* Every cut of a valid message is refused unless it falls between two options, where it is
 * a shorter valid message; either way nothing past len is read. */
static void v6_every_truncation_of_valid_messages(void **state)
{
	const char *msgs[] = {dhclient6_solicit, dhclient6_solicit_rapid, dhclient6_request,
			      dhclient6_confirm, dhclient6_renew,	  dhclient6_rebind,
			      dhclient6_release, dhclient6_info_request};
	struct dhcp6_lease l;
	struct out6 o;
	struct msg6 m;

	(void)state;
	lease6_init(&l);
	for (size_t i = 0; i < ARRAY_SIZE(msgs); i++) {
		size_t next = 4; /* where the next option starts */

		msg6_hex(&m, msgs[i]);
		for (size_t len = 0; len < m.len; len++) {
			enum dhcp_verdict v = run6_raw(m.b, len, &l, &o);

			if (len == next)
				next += 4 + (size_t)(m.b[len + 2] << 8 | m.b[len + 3]);
			else if (v != DHCP_MALFORMED)
				fail_msg("message %zu cut at %zu: verdict %d", i, len, v);
			if (v == DHCP_REPLY)
				assert_memory_equal(o.reply + 1, m.b + 1, 3);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v4_messages_shorter_than_the_cookie_end_are_malformed),
		cmocka_unit_test(v4_refuses_bootreply_other_hardware_types_and_bad_cookie),
		cmocka_unit_test(v4_refuses_missing_repeated_or_invalid_message_type),
		cmocka_unit_test(v4_refuses_options_running_past_the_message),
		cmocka_unit_test(v4_refuses_bad_lengths_and_repeats_of_options_it_reads),
		cmocka_unit_test(v4_reads_overloaded_file_and_sname_strictly),
		cmocka_unit_test(v4_relayed_message_gets_no_reply),
		cmocka_unit_test(v4_other_hardware_address_is_not_mine),
		cmocka_unit_test(v4_release_decline_and_server_types_get_no_reply),

		cmocka_unit_test(v4_dhclient_discover_gets_offer),
		cmocka_unit_test(v4_dhclient_request_selecting_us_gets_ack),
		cmocka_unit_test(v4_request_selecting_another_address_gets_nak),
		cmocka_unit_test(v4_request_selecting_another_server_gets_no_reply),
		cmocka_unit_test(v4_request_init_reboot_acks_the_lease_and_naks_others),
		cmocka_unit_test(v4_request_renewing_and_rebinding_judge_ciaddr),
		cmocka_unit_test(v4_request_asking_for_nothing_gets_nak),
		cmocka_unit_test(v4_inform_gets_ack_without_address_or_lease_time),
		cmocka_unit_test(v4_networkd_exchange_echoes_its_client_identifier),
		cmocka_unit_test(v4_udhcpc_exchange_is_broadcast),
		cmocka_unit_test(v4_reply_destination_follows_rfc2131),

		cmocka_unit_test(v4_classless_routes_encode_rfc3442),
		cmocka_unit_test(v4_optional_options_are_left_out),
		cmocka_unit_test(v4_subnet_mask_and_times_at_the_edges),
		cmocka_unit_test(v4_fullest_lease_fits_and_long_client_id_is_left_out),
		cmocka_unit_test(v4_every_truncation_of_valid_messages_is_refused),

		cmocka_unit_test(v6_messages_shorter_than_the_header_are_malformed),
		cmocka_unit_test(v6_message_types_other_than_a_clients),
		cmocka_unit_test(v6_options_running_past_their_area_are_malformed),
		cmocka_unit_test(v6_bad_or_repeated_identifiers_are_malformed),
		cmocka_unit_test(v6_missing_client_id_is_malformed_except_in_information_request),
		cmocka_unit_test(v6_server_id_in_solicit_confirm_rebind_gets_no_reply),
		cmocka_unit_test(v6_request_renew_release_decline_need_our_server_id),
		cmocka_unit_test(v6_information_request_with_other_server_or_ia_gets_no_reply),

		cmocka_unit_test(v6_dhclient_solicit_gets_advertise),
		cmocka_unit_test(v6_solicit_with_rapid_commit_gets_committed_reply),
		cmocka_unit_test(v6_dhclient_request_gets_reply_with_the_lease),
		cmocka_unit_test(v6_renew_and_rebind_get_the_lease),
		cmocka_unit_test(v6_renew_after_the_port_address_changed_zeroes_the_old_one),
		cmocka_unit_test(v6_confirm_judges_every_listed_address),
		cmocka_unit_test(v6_release_and_decline_get_success),
		cmocka_unit_test(v6_information_request_gets_dns_and_domain_only),
		cmocka_unit_test(v6_no_ia_na_gets_no_addrs_avail),
		cmocka_unit_test(v6_only_the_first_ia_na_gets_the_lease),
		cmocka_unit_test(v6_domain_search_list_is_dns_wire_format),
		cmocka_unit_test(v6_lifetimes_at_the_edges),
		cmocka_unit_test(v6_fullest_reply_keeps_the_lease_and_fits),
		cmocka_unit_test(v6_every_truncation_of_valid_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
