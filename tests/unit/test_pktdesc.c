/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of control/pktdesc.c, the packet description language of `vpcctl trace`:
 * refusals (each with its whole message, which names the layer and field), frames checked
 * byte by byte against the RFC layouts, checksums verified here by an independent sum over
 * the built bytes and a pseudo-header, defaults, and the edges (room, lengths, layer count).
 * Pure: no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "pktdesc.h"

#define CANARY 0xa5
#define ROOM   2048

static const uint8_t vm_mac[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01};
static const uint8_t gw_mac[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* What vpcctl would take from in_port=vm1: its MAC, its gateway's, 10.0.0.1 and fd00::1. */
static struct pktdesc_defaults vm1(void)
{
	struct pktdesc_defaults d = {.have_src_mac = true,
				     .have_dst_mac = true,
				     .have_src_ip4 = true,
				     .have_src_ip6 = true};

	memcpy(d.src_mac, vm_mac, 6);
	memcpy(d.dst_mac, gw_mac, 6);
	inet_pton(AF_INET, "10.0.0.1", &d.src_ip4);
	inet_pton(AF_INET6, "fd00::1", d.src_ip6);
	return d;
}

/* ---- an independent Internet checksum (RFC 1071), as a receiver would check it ---- */

static uint32_t add_words(uint32_t acc, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] * 256 + p[i + 1]);
	if (i < n)
		acc += (uint32_t)(p[i] * 256);
	return acc;
}

/* The folded one's complement sum: 0xffff when the checksum in the data is right. */
static uint16_t folded(uint32_t acc)
{
	while (acc > 0xffff)
		acc = (acc >> 16) + (acc & 0xffff);
	return (uint16_t)acc;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void assert_ip4_cksum_good(const uint8_t *ip)
{
	assert_int_equal(folded(add_words(0, ip, 20)), 0xffff);
}

/* The L4 checksum of len bytes at l4 under the IPv4 header ip. */
static void assert_l4_cksum_good_v4(const uint8_t *ip, const uint8_t *l4, size_t len, uint8_t proto)
{
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	assert_int_equal(folded(add_words(add_words(0, ph, sizeof(ph)), l4, len)), 0xffff);
}

static void assert_l4_cksum_good_v6(const uint8_t *ip, const uint8_t *l4, size_t len, uint8_t nh)
{
	uint8_t ph[40] = {0};

	memcpy(ph, ip + 8, 32);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[39] = nh;
	assert_int_equal(folded(add_words(add_words(0, ph, sizeof(ph)), l4, len)), 0xffff);
}

static void assert_ip4(const uint8_t *p, const char *want)
{
	uint8_t a[4];

	assert_int_equal(inet_pton(AF_INET, want, a), 1);
	assert_memory_equal(p, a, 4);
}

static void assert_ip6(const uint8_t *p, const char *want)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(AF_INET6, want, a), 1);
	assert_memory_equal(p, a, 16);
}

/* ---- fixture: build into a canary-filled buffer ---- */

static uint8_t buf[70000];

/* Build desc with the vm1 defaults; the frame must fit and nothing after it be touched. */
static int build(const char *desc)
{
	struct pktdesc_defaults d = vm1();
	char err[256] = "";
	int n;

	memset(buf, CANARY, sizeof(buf));
	n = pktdesc_build(desc, &d, buf, sizeof(buf) - 16, err, sizeof(err));
	if (n < 0)
		fail_msg("'%s' refused: %s", desc, err);
	assert_true(n > 0);
	for (size_t i = (size_t)n; i < sizeof(buf); i++)
		assert_int_equal(buf[i], CANARY);
	return n;
}

/* desc must be refused with exactly want, and leave the whole buffer as it was. */
static void assert_refused_with(const char *desc, const struct pktdesc_defaults *d,
				const char *want)
{
	char err[256];

	memset(buf, CANARY, ROOM);
	memset(err, 'x', sizeof(err));
	assert_int_equal(pktdesc_build(desc, d, buf, ROOM, err, sizeof(err)), -1);
	if (strcmp(err, want) != 0)
		fail_msg("'%s': message\n  '%s'\nwanted\n  '%s'", desc, err, want);
	for (size_t i = 0; i < ROOM; i++)
		assert_int_equal(buf[i], CANARY);
}

struct refusal {
	const char *desc, *msg;
};

static void assert_refusals(const struct refusal *r, size_t n, const struct pktdesc_defaults *d)
{
	for (size_t i = 0; i < n; i++)
		assert_refused_with(r[i].desc, d, r[i].msg);
}

/* ---- invalid arguments ---- */

static void build_refuses_null_description_and_null_buffer(void **state)
{
	struct pktdesc_defaults d = vm1();
	char err[128];

	(void)state;
	assert_int_equal(pktdesc_build(NULL, &d, buf, ROOM, err, sizeof(err)), -1);
	assert_string_equal(err, "no packet description");
	assert_int_equal(
		pktdesc_build("eth/ipv4(dst=1.2.3.4)/icmp", &d, NULL, 100, err, sizeof(err)), -1);
	assert_string_equal(err, "no buffer for the frame");
	/* No room and no buffer: the frame does not fit, and nothing is touched. */
	assert_int_equal(pktdesc_build("eth/ipv4(dst=1.2.3.4)/icmp", &d, NULL, 0, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "the frame is 42 bytes, more than the 0 bytes of room");
}

static void build_works_without_err_buffer_and_truncates_message_to_errsz(void **state)
{
	char err[16];

	(void)state;
	assert_int_equal(pktdesc_build("ipv5", NULL, buf, ROOM, NULL, 0), -1);
	memset(err, 'x', sizeof(err));
	assert_int_equal(pktdesc_build("ipv5", NULL, buf, ROOM, err, 8), -1);
	assert_string_equal(err, "unknown");
	assert_int_equal(err[8], 'x');
	/* errsz 0: err is not written at all */
	assert_int_equal(pktdesc_build("ipv5", NULL, buf, ROOM, err, 0), -1);
	assert_int_equal(err[0], 'u');
}

/* ---- refusals: syntax ---- */

static void build_refuses_bad_syntax_naming_where(void **state)
{
	static const struct refusal r[] = {
		{"", "empty packet description"},
		{"   ", "empty packet description"},
		{"ipv5", "unknown layer 'ipv5' (eth, vlan, arp, ipv4, ipv6, hbh, frag6, tcp, udp, "
			 "icmp, icmp6, vxlan, geneve, payload)"},
		{"eth/", "a layer is missing at the end"},
		{"eth//ipv4", "expected a layer name at column 5, found '/ipv4'"},
		{"eth(", "eth: missing ')'"},
		{"eth(src=52:54:00:00:00:01", "eth: missing ')'"},
		{"eth(src=52:54:00:00:00:01,", "eth: missing ')'"},
		{"eth(src=52:54:00:00:00:01,)", "eth: expected a field name after ','"},
		{"eth(=1)", "eth: expected a field name, found '=1)'"},
		{"eth(src)", "eth: 'src' needs '=value'"},
		{"eth(src=)", "eth: 'src' has no value"},
		{"eth(src= ,dst=1:2:3:4:5:6)", "eth: 'src' has no value"},
		{"eth)", "eth: unexpected ')' after the layer (expected '/' or the end)"},
		{"eth(type=ipv4) ipv4",
		 "eth: unexpected 'ipv4' after the layer (expected '/' or the "
		 "end)"},
		{"eth/ipv4(dst=10.0.0.2)/icmp()x", "icmp: unexpected 'x' after the layer (expected "
						   "'/' or the end)"},
	};

	(void)state;
	assert_refusals(r, sizeof(r) / sizeof(r[0]), NULL);
}

static void build_refuses_unknown_and_duplicate_fields(void **state)
{
	static const struct refusal r[] = {
		{"eth/ipv4(dst=10.0.0.2)/tcp(dprt=80)",
		 "tcp: unknown field 'dprt' (sport, dport, flags, seq, ack, win)"},
		{"eth/ipv4(dst=10.0.0.2,dst=10.0.0.3)/icmp", "ipv4: field 'dst' given twice"},
		{"eth/ipv4(dst=10.0.0.2,ttl=1,ttl=1)/icmp", "ipv4: field 'ttl' given twice"},
		{"eth/ipv4(DST=10.0.0.2)/icmp",
		 "ipv4: unknown field 'DST' (src, dst, ttl, tos, id, df, proto, frag, mf)"},
		{"eth/ipv6(dst=fd00::2)/udp(dport=1)/vxlan(vin=5)",
		 "vxlan: unknown field 'vin' (vni)"},
	};

	(void)state;
	assert_refusals(r, sizeof(r) / sizeof(r[0]), NULL);
}

static void build_refuses_bad_values_naming_layer_and_field(void **state)
{
	struct pktdesc_defaults d = vm1();
	static const struct refusal r[] = {
		{"eth/ipv4(src=10.0.0.300,dst=10.0.0.2)/icmp",
		 "ipv4: 'src': '10.0.0.300' is not an IPv4 address"},
		{"eth/ipv4(dst=10.0.0)/icmp", "ipv4: 'dst': '10.0.0' is not an IPv4 address"},
		{"eth/ipv6(dst=fd00:::2)/icmp6", "ipv6: 'dst': 'fd00:::2' is not an IPv6 address"},
		{"eth/ipv6(dst=10.0.0.2)/icmp6", "ipv6: 'dst': '10.0.0.2' is not an IPv6 address"},
		{"eth(src=52:54:00:00:00)/arp(tpa=1.2.3.4)",
		 "eth: 'src': '52:54:00:00:00' is not a MAC address"},
		{"eth(dst=52:54:00:00:00:001)/arp(tpa=1.2.3.4)",
		 "eth: 'dst': '52:54:00:00:00:001' is not a MAC address"},
		{"eth(dst=52-54-00-00-00-01)/arp(tpa=1.2.3.4)",
		 "eth: 'dst': '52-54-00-00-00-01' is not a MAC address"},
		{"eth/ipv4(dst=10.0.0.2)/tcp(dport=70000)",
		 "tcp: 'dport': '70000' is out of range 0..65535"},
		{"eth/ipv4(dst=10.0.0.2)/tcp(dport=-1)", "tcp: 'dport': '-1' is not a number"},
		{"eth/ipv4(dst=10.0.0.2)/tcp(dport=8o)", "tcp: 'dport': '8o' is not a number"},
		{"eth/ipv4(dst=10.0.0.2)/tcp(dport=0x)", "tcp: 'dport': '0x' is not a number"},
		{"eth/ipv4(dst=10.0.0.2)/tcp(dport=0x1g)", "tcp: 'dport': '0x1g' is not a number"},
		{"eth/ipv4(dst=10.0.0.2)/tcp(seq=4294967296,dport=1)",
		 "tcp: 'seq': '4294967296' is out of range 0..4294967295"},
		{"eth/ipv4(dst=10.0.0.2)/tcp(dport=99999999999999999999999)",
		 "tcp: 'dport': '99999999999999999999999' is out of range 0..65535"},
		{"eth/ipv4(dst=10.0.0.2,proto=17)/payload(len=1,fill=256)",
		 "payload: 'fill': '256' is out of range 0..255"},
		{"eth/ipv4(dst=10.0.0.2)/tcp(dport=1,flags=SX)",
		 "tcp: 'flags': 'SX' is not a number (0..255) or letters of SAFRPUEC"},
		{"eth/ipv4(dst=10.0.0.2)/tcp(dport=1,flags=SS)",
		 "tcp: 'flags': 'SS' is not a number (0..255) or letters of SAFRPUEC"},
		{"eth/ipv4(dst=10.0.0.2)/tcp(dport=1,flags=256)",
		 "tcp: 'flags': '256' is not a number (0..255) or letters of SAFRPUEC"},
		{"eth/ipv4(dst=10.0.0.2,ttl=256)/icmp",
		 "ipv4: 'ttl': '256' is out of range 0..255"},
		{"eth/ipv4(dst=10.0.0.2,df=2)/icmp", "ipv4: 'df': '2' is out of range 0..1"},
		{"eth/ipv4(dst=10.0.0.2,frag=8192)/icmp",
		 "ipv4: 'frag': '8192' is out of range 0..8191"},
		{"eth/ipv4(dst=10.0.0.2,proto=udpp)/payload(len=1)",
		 "ipv4: 'proto': 'udpp' is not a number or one of hbh, icmp, tcp, udp, frag6, "
		 "icmp6, "
		 "none"},
		{"eth/ipv6(dst=fd00::2,flow=0x100000)/icmp6",
		 "ipv6: 'flow': '0x100000' is out of range 0..1048575"},
		{"eth/vlan(vid=4096)/arp(tpa=1.2.3.4)",
		 "vlan: 'vid': '4096' is out of range 0..4095"},
		{"eth/vlan(pcp=8)/arp(tpa=1.2.3.4)", "vlan: 'pcp': '8' is out of range 0..7"},
		{"eth/ipv4(dst=10.0.0.2)/udp(dport=1)/payload(hex=0x0g)",
		 "payload: 'hex': '0x0g' is not hex digits"},
		{"eth/ipv4(dst=10.0.0.2)/icmp(type=echo)",
		 "icmp: 'type': 'echo' is not a number or one of echo-request, echo-reply, "
		 "unreach, "
		 "time-exceeded"},
		{"eth/ipv4(dst=10.0.0.2)/udp/vxlan(vni=16777216)",
		 "vxlan: 'vni': '16777216' is out of range 0..16777215"},
		{"eth/ipv4(dst=10.0.0.2)/udp/geneve(vni=0x1000000)",
		 "geneve: 'vni': '0x1000000' is out of range 0..16777215"},
		{"eth/ipv4(dst=10.0.0.2)/udp(dport=1)/payload(hex=abc)",
		 "payload: 'hex': 'abc' is an odd number of hex digits"},
		{"eth/ipv4(dst=10.0.0.2)/udp(dport=1)/payload(hex=zz)",
		 "payload: 'hex': 'zz' is not hex digits"},
		{"eth/ipv4(dst=10.0.0.2)/udp(dport=1)/payload(len=65536)",
		 "payload: 'len': '65536' is out of range 0..65535"},
		/* A long bad value is quoted in part only. */
		{"eth/ipv4(dst=1111111111222222222233333333334444444444555)/icmp",
		 "ipv4: 'dst': '1111111111222222222233333333334444444444' is not an IPv4 address"},
	};

	(void)state;
	assert_refusals(r, sizeof(r) / sizeof(r[0]), &d);
}

/* ---- refusals: what may follow what ---- */

static void build_refuses_bad_nesting(void **state)
{
	struct pktdesc_defaults d = vm1();
	static const struct refusal r[] = {
		{"ipv4(dst=10.0.0.2)/icmp", "a packet starts with eth, not ipv4"},
		{"eth/tcp(dport=80)", "tcp after eth: needs ipv4 or ipv6"},
		{"eth/eth", "eth after eth: needs a tunnel (vxlan or geneve) before it"},
		{"eth/ipv6(dst=fd00::2)/icmp",
		 "icmp after ipv6: needs ipv4 (icmp6 goes over ipv6)"},
		{"eth/ipv4(dst=10.0.0.2)/icmp6",
		 "icmp6 after ipv4: needs ipv6 (icmp goes over ipv4)"},
		{"eth/ipv4(dst=10.0.0.2)/tcp(dport=1)/vxlan(vni=1)", "vxlan after tcp: needs udp"},
		{"eth/ipv4(dst=10.0.0.2)/udp(dport=1)/payload(len=1)/tcp(dport=1)",
		 "tcp after payload: needs ipv4 or ipv6"},
		{"eth/ipv6(dst=fd00::2)/frag6/hbh/udp(dport=1)",
		 "hbh after frag6: needs ipv6 right "
		 "before it"},
		{"eth/ipv4(dst=10.0.0.2)/ipv4(dst=10.0.0.3)", "ipv4 after ipv4: needs eth or vlan"},
		{"eth/ipv4(dst=10.0.0.2)/vlan", "vlan after ipv4: needs eth or vlan"},
		{"eth/arp(tpa=1.2.3.4)/ipv4(dst=10.0.0.3)", "ipv4 after arp: needs eth or vlan"},
		{"eth/ipv4(dst=192.0.2.1)/udp/vxlan(vni=1)/eth(src=2:0:0:0:0:1,dst=2:0:0:0:0:2)/"
		 "tcp",
		 "inner tcp after eth: needs ipv4 or ipv6"},
	};
	char desc[512];
	int k = 0;

	(void)state;
	assert_refusals(r, sizeof(r) / sizeof(r[0]), &d);
	/* One layer too many. */
	k += snprintf(desc + k, sizeof(desc) - (size_t)k, "eth");
	for (int i = 1; i < PKTDESC_MAX_LAYERS; i++)
		k += snprintf(desc + k, sizeof(desc) - (size_t)k, "/vlan");
	snprintf(desc + k, sizeof(desc) - (size_t)k, "/payload(len=1)");
	assert_refused_with(desc, &d, "more than 24 layers");
}

/* ---- refusals: what is missing, or does not fit ---- */

static void build_refuses_missing_required_fields(void **state)
{
	struct pktdesc_defaults d = vm1(), none = {0};
	static const struct refusal r[] = {
		{"eth/ipv4/icmp", "ipv4: 'dst' is required"},
		{"eth/ipv6/icmp6", "ipv6: 'dst' is required"},
		{"eth/arp", "arp: 'tpa' is required"},
		{"eth/ipv4(dst=10.0.0.2)/tcp", "tcp: 'dport' is required"},
		{"eth/ipv4(dst=10.0.0.2)/udp", "udp: 'dport' is required"},
		{"eth/ipv4(dst=10.0.0.2)/udp/vxlan", "vxlan: 'vni' is required"},
		{"eth", "eth: 'type' is required: nothing follows"},
		{"eth/payload(len=4)",
		 "eth: 'type' is required: the next layer does not imply one"},
		{"eth/vlan", "vlan: 'type' is required: nothing follows"},
		{"eth/ipv4(dst=10.0.0.2)", "ipv4: 'proto' is required: nothing follows"},
		{"eth/ipv4(dst=10.0.0.2)/payload(len=4)",
		 "ipv4: 'proto' is required: the next layer does not imply one"},
		{"eth/ipv6(dst=fd00::2)/hbh", "hbh: 'nh' is required: nothing follows"},
		{"eth/ipv6(dst=fd00::2)/icmp6(type=ns)",
		 "icmp6: 'target' is required for ns and na"},
		{"eth/ipv6(dst=fd00::2)/icmp6(type=na)",
		 "icmp6: 'target' is required for ns and na"},
		{"eth/ipv6(dst=fd00::2)/icmp6(target=fd00::2)",
		 "icmp6: 'target' is for ns and na only"},
		{"eth/ipv6(dst=fd00::2)/icmp6(lla=2:0:0:0:0:1)",
		 "icmp6: 'lla' is for rs, ra, ns and na only"},
		{"eth/ipv6(dst=fd00::2)/icmp6(type=rs,id=1)",
		 "icmp6: 'id' is for echo and numbered types only"},
		{"eth/ipv6(dst=fd00::2)/icmp6(type=ns,target=fd00::2,seq=1)",
		 "icmp6: 'seq' is for echo and numbered types only"},
		{"eth/ipv4(dst=10.0.0.2,proto=17)/payload", "payload: give one of 'len' or 'hex'"},
		{"eth/ipv4(dst=10.0.0.2,proto=17)/payload(len=1,hex=00)",
		 "payload: give one of 'len' or 'hex'"},
		{"eth/ipv4(dst=10.0.0.2,proto=17)/payload(hex=00,fill=1)",
		 "payload: 'fill' goes with 'len', not 'hex'"},
		/* The inner packet has no defaults. */
		{"eth/ipv4(dst=192.0.2.1)/udp/vxlan(vni=1)/eth",
		 "inner eth: 'src' is required (defaults apply to the outer packet only)"},
		{"eth/ipv4(dst=192.0.2.1)/udp/vxlan(vni=1)/eth(src=2:0:0:0:0:1,dst=2:0:0:0:0:2)/"
		 "ipv4(dst=10.0.0.2)/icmp",
		 "inner ipv4: 'src' is required (defaults apply to the outer packet only)"},
	};
	static const struct refusal r_none[] = {
		{"eth/ipv4(dst=10.0.0.2)/icmp", "eth: 'src' is required (no default given)"},
		{"eth(src=2:0:0:0:0:1)/ipv4(dst=10.0.0.2)/icmp",
		 "eth: 'dst' is required (no default given)"},
		{"eth(src=2:0:0:0:0:1,dst=2:0:0:0:0:2)/ipv4(dst=10.0.0.2)/icmp",
		 "ipv4: 'src' is required (no default given)"},
		{"eth(src=2:0:0:0:0:1,dst=2:0:0:0:0:2)/ipv6(dst=fd00::2)/icmp6",
		 "ipv6: 'src' is required (no default given)"},
		{"eth(src=2:0:0:0:0:1)/arp(tpa=10.0.0.2)",
		 "arp: 'spa' is required (no default given)"},
	};

	(void)state;
	assert_refusals(r, sizeof(r) / sizeof(r[0]), &d);
	assert_refusals(r_none, sizeof(r_none) / sizeof(r_none[0]), &none);
	assert_refusals(r_none, sizeof(r_none) / sizeof(r_none[0]), NULL);
}

static void build_refuses_lengths_over_the_header_fields(void **state)
{
	struct pktdesc_defaults d = vm1();
	static const struct refusal r[] = {
		{"eth/ipv4(dst=10.0.0.2,proto=17)/payload(len=65535)",
		 "ipv4: total length 65555 is over 65535"},
		{"eth/ipv6(dst=fd00::2)/udp(dport=1)/payload(len=65535)",
		 "ipv6: payload length 65543 is over 65535"},
		{"eth/ipv6(dst=fd00::2,nh=59)/payload(len=65535)/payload(len=1)",
		 "ipv6: payload length 65536 is over 65535"},
	};
	char err[128];
	int n;

	(void)state;
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		memset(buf, CANARY, sizeof(buf));
		assert_int_equal(pktdesc_build(r[i].desc, &d, buf, sizeof(buf), err, sizeof(err)),
				 -1);
		assert_string_equal(err, r[i].msg);
		assert_int_equal(buf[0], CANARY);
	}
	/* The largest IPv4 packet and IPv6 payload fit exactly. */
	n = build("eth/ipv4(dst=10.0.0.2,proto=17)/payload(len=65515)");
	assert_int_equal(n, 14 + 65535);
	assert_int_equal(be16(buf + 16), 65535);
	n = build("eth/ipv6(dst=fd00::2,nh=59)/payload(len=65535)");
	assert_int_equal(n, 14 + 40 + 65535);
	assert_int_equal(be16(buf + 18), 65535);
}

/* The frame is built only when it fits: one byte short writes nothing at all. */
static void build_refuses_frame_larger_than_cap_and_writes_nothing(void **state)
{
	static const char desc[] = "eth/ipv4(dst=10.0.1.5)/tcp(dport=80)/payload(len=100)";
	struct pktdesc_defaults d = vm1();
	uint8_t exact[154];
	char err[128];

	(void)state;
	for (size_t cap = 0; cap < 154; cap += 17) {
		memset(buf, CANARY, ROOM);
		assert_int_equal(pktdesc_build(desc, &d, buf, cap, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "the frame is 154 bytes, more than the "));
		for (size_t i = 0; i < ROOM; i++)
			assert_int_equal(buf[i], CANARY);
	}
	memset(buf, CANARY, ROOM);
	assert_int_equal(pktdesc_build(desc, &d, buf, 153, err, sizeof(err)), -1);
	assert_string_equal(err, "the frame is 154 bytes, more than the 153 bytes of room");
	assert_int_equal(buf[0], CANARY);
	/* Exactly enough room: the same bytes as with plenty. */
	assert_int_equal(pktdesc_build(desc, &d, exact, sizeof(exact), err, sizeof(err)), 154);
	assert_int_equal(build(desc), 154);
	assert_memory_equal(exact, buf, sizeof(exact));
}

/* ---- normal path ---- */

/* The example of the help text and the issue, every byte accounted for. */
static void build_tcp_syn_byte_by_byte(void **state)
{
	const uint8_t *eth = buf, *ip = buf + 14, *tcp = buf + 34;
	int n;

	(void)state;
	n = build("eth(src=52:54:00:00:00:01,dst=52:54:00:00:00:02)/ipv4(src=10.0.0.1,"
		  "dst=10.0.1.5)/tcp(dport=80,flags=S)");
	assert_int_equal(n, 14 + 20 + 20);
	assert_memory_equal(eth, gw_mac, 6);
	assert_memory_equal(eth + 6, vm_mac, 6);
	assert_int_equal(be16(eth + 12), 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[1], 0);	    /* tos */
	assert_int_equal(be16(ip + 2), 40); /* total length */
	assert_int_equal(be16(ip + 4), 0);  /* id */
	assert_int_equal(be16(ip + 6), 0);  /* no DF, no MF, offset 0 */
	assert_int_equal(ip[8], 64);	    /* ttl */
	assert_int_equal(ip[9], 6);	    /* tcp */
	assert_ip4(ip + 12, "10.0.0.1");
	assert_ip4(ip + 16, "10.0.1.5");
	assert_int_not_equal(be16(ip + 10), 0);
	assert_ip4_cksum_good(ip);
	assert_int_equal(be16(tcp), 49152); /* default source port */
	assert_int_equal(be16(tcp + 2), 80);
	assert_int_equal(be32(tcp + 4), 0);	 /* seq */
	assert_int_equal(be32(tcp + 8), 0);	 /* ack */
	assert_int_equal(tcp[12], 5 << 4);	 /* data offset */
	assert_int_equal(tcp[13], 0x02);	 /* SYN */
	assert_int_equal(be16(tcp + 14), 65535); /* window */
	assert_int_equal(be16(tcp + 18), 0);	 /* urgent pointer */
	assert_l4_cksum_good_v4(ip, tcp, 20, 6);
}

static void build_fills_in_defaults_of_the_port(void **state)
{
	const uint8_t *ip = buf + 14, *udp = buf + 34;
	int n;

	(void)state;
	n = build("eth/ipv4(dst=10.0.1.5)/udp(dport=53)/payload(len=5,fill=0x61)");
	assert_int_equal(n, 14 + 20 + 8 + 5);
	assert_memory_equal(buf, gw_mac, 6);
	assert_memory_equal(buf + 6, vm_mac, 6);
	assert_ip4(ip + 12, "10.0.0.1");
	assert_int_equal(ip[9], 17);
	assert_int_equal(be16(ip + 2), 20 + 8 + 5);
	assert_ip4_cksum_good(ip);
	assert_int_equal(be16(udp), 49152);
	assert_int_equal(be16(udp + 2), 53);
	assert_int_equal(be16(udp + 4), 8 + 5);
	assert_int_not_equal(be16(udp + 6), 0);
	assert_l4_cksum_good_v4(ip, udp, 13, 17);
	assert_memory_equal(udp + 8, "aaaaa", 5);
	/* What is given wins over the defaults. */
	build("eth(src=02:00:00:00:00:0a,dst=2:0:0:0:0:b)/ipv6(src=fd00::a,dst=fd00::b)/"
	      "udp(sport=7,dport=8)");
	assert_memory_equal(buf, ((uint8_t[]){2, 0, 0, 0, 0, 0x0b}), 6);
	assert_memory_equal(buf + 6, ((uint8_t[]){2, 0, 0, 0, 0, 0x0a}), 6);
	assert_ip6(buf + 22, "fd00::a");
	assert_ip6(buf + 38, "fd00::b");
	assert_int_equal(be16(buf + 54), 7);
	/* And the IPv6 source comes from the defaults when left out. */
	build("eth/ipv6(dst=fd00::b)/udp(dport=8)");
	assert_ip6(buf + 22, "fd00::1");
}

static void build_ipv4_fields_land_in_their_bits(void **state)
{
	const uint8_t *ip = buf + 14;

	(void)state;
	build("eth/ipv4(dst=10.0.0.2,ttl=1,tos=0xb8,id=0x1234,df=1,mf=1,frag=0x1abc)/icmp");
	assert_int_equal(ip[1], 0xb8);
	assert_int_equal(be16(ip + 4), 0x1234);
	assert_int_equal(be16(ip + 6), 0x4000 | 0x2000 | 0x1abc);
	assert_int_equal(ip[8], 1);
	assert_int_equal(ip[9], 1);
	assert_ip4_cksum_good(ip);
	/* A given protocol wins over the one the next layer implies (a trace of a mismatch). */
	build("eth/ipv4(dst=10.0.0.2,proto=tcp)/udp(dport=1)");
	assert_int_equal(ip[9], 6);
	build("eth/ipv4(dst=10.0.0.2,proto=0x84)/payload(len=0)");
	assert_int_equal(ip[9], 0x84);
	assert_int_equal(be16(ip + 2), 20);
}

static void build_tcp_flags_numbers_and_wide_fields(void **state)
{
	static const struct {
		const char *flags;
		uint8_t want;
	} cases[] = {{"S", 0x02},  {"SA", 0x12},   {"A", 0x10},	  {"FA", 0x11},
		     {"R", 0x04},  {"PA", 0x18},   {"U", 0x20},	  {"EC", 0xc0},
		     {"sa", 0x12}, {"0x18", 0x18}, {"255", 0xff}, {"0", 0x00}};
	const uint8_t *tcp = buf + 34;
	char desc[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(desc, sizeof(desc), "eth/ipv4(dst=10.0.0.2)/tcp(dport=1,flags=%s)",
			 cases[i].flags);
		build(desc);
		assert_int_equal(tcp[13], cases[i].want);
	}
	build("eth/ipv4(dst=10.0.0.2)/tcp(sport=0xffff,dport=0,seq=4294967295,ack=0x80000001,"
	      "win=0)/payload(hex=0x0102030405)");
	assert_int_equal(be16(tcp), 0xffff);
	assert_int_equal(be16(tcp + 2), 0);
	assert_int_equal(be32(tcp + 4), 0xffffffff);
	assert_int_equal(be32(tcp + 8), 0x80000001);
	assert_int_equal(be16(tcp + 14), 0);
	assert_memory_equal(tcp + 20, ((uint8_t[]){1, 2, 3, 4, 5}), 5);
	assert_l4_cksum_good_v4(buf + 14, tcp, 25, 6); /* odd length: padded with a zero */
}

static void build_icmp_types_by_name_and_number(void **state)
{
	static const struct {
		const char *type;
		uint8_t want;
	} cases[] = {{"echo-request", 8},   {"echo-reply", 0}, {"unreach", 3},
		     {"time-exceeded", 11}, {"13", 13},	       {"0xff", 255}};
	const uint8_t *icmp = buf + 34;
	char desc[128];
	int n;

	(void)state;
	n = build("eth/ipv4(dst=10.0.0.2)/icmp");
	assert_int_equal(n, 42);
	assert_int_equal(icmp[0], 8); /* echo request by default */
	assert_int_equal(icmp[1], 0);
	assert_int_equal(folded(add_words(0, icmp, 8)), 0xffff); /* no pseudo-header */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(desc, sizeof(desc),
			 "eth/ipv4(dst=10.0.0.2)/icmp(type=%s,code=3,id=0x1234,seq=7)/"
			 "payload(len=9,fill=inc)",
			 cases[i].type);
		n = build(desc);
		assert_int_equal(n, 42 + 9);
		assert_int_equal(icmp[0], cases[i].want);
		assert_int_equal(icmp[1], 3);
		assert_int_equal(be16(icmp + 4), 0x1234);
		assert_int_equal(be16(icmp + 6), 7);
		assert_memory_equal(icmp + 8, ((uint8_t[]){0, 1, 2, 3, 4, 5, 6, 7, 8}), 9);
		assert_int_equal(folded(add_words(0, icmp, 17)), 0xffff);
	}
}

static void build_icmp6_echo_and_neighbour_discovery(void **state)
{
	const uint8_t *ip = buf + 14, *icmp = buf + 54;
	int n;

	(void)state;
	n = build("eth/ipv6(dst=fd00::2)/icmp6(id=5,seq=6)");
	assert_int_equal(n, 14 + 40 + 8);
	assert_int_equal(ip[0] >> 4, 6);
	assert_int_equal(be16(ip + 4), 8);
	assert_int_equal(ip[6], 58);
	assert_int_equal(ip[7], 64);
	assert_int_equal(icmp[0], 128);
	assert_int_equal(be16(icmp + 4), 5);
	assert_int_equal(be16(icmp + 6), 6);
	assert_l4_cksum_good_v6(ip, icmp, 8, 58);
	build("eth/ipv6(dst=fd00::2)/icmp6(type=echo-reply)");
	assert_int_equal(icmp[0], 129);

	/* ND: hop limit 255 by default (RFC 4861), target, link-layer address option. */
	n = build("eth/ipv6(dst=ff02::1:ff00:2)/icmp6(type=ns,target=fd00::2,lla=52:54:0:0:0:1)");
	assert_int_equal(n, 14 + 40 + 24 + 8);
	assert_int_equal(ip[7], 255);
	assert_int_equal(be16(ip + 4), 32);
	assert_int_equal(icmp[0], 135);
	assert_int_equal(be32(icmp + 4), 0);
	assert_ip6(icmp + 8, "fd00::2");
	assert_int_equal(icmp[24], 1); /* source link-layer address */
	assert_int_equal(icmp[25], 1); /* 8 bytes */
	assert_memory_equal(icmp + 26, vm_mac, 6);
	assert_l4_cksum_good_v6(ip, icmp, 32, 58);

	n = build("eth/ipv6(dst=fd00::2)/icmp6(type=na,target=fd00::1,lla=52:54:0:0:0:1)");
	assert_int_equal(n, 14 + 40 + 32);
	assert_int_equal(icmp[0], 136);
	assert_int_equal(icmp[4], 0x60); /* solicited, override */
	assert_int_equal(icmp[24], 2);	 /* target link-layer address */
	assert_l4_cksum_good_v6(ip, icmp, 32, 58);

	assert_int_equal(build("eth/ipv6(dst=ff02::2)/icmp6(type=rs)"), 14 + 40 + 8);
	assert_int_equal(icmp[0], 133);
	assert_int_equal(ip[7], 255);
	assert_int_equal(build("eth/ipv6(dst=ff02::1)/icmp6(type=ra,code=0)"), 14 + 40 + 16);
	assert_int_equal(icmp[0], 134);
	assert_l4_cksum_good_v6(ip, icmp, 16, 58);
	/* A given hop limit wins, even for ND. */
	build("eth/ipv6(dst=fd00::2,hlim=64)/icmp6(type=ns,target=fd00::2)");
	assert_int_equal(ip[7], 64);
}

static void build_ipv6_fields_and_extension_headers(void **state)
{
	const uint8_t *ip = buf + 14, *hbh = buf + 54, *frag = buf + 62, *udp = buf + 70;
	int n;

	(void)state;
	n = build("eth/ipv6(dst=fd00::2,tc=0xb8,flow=0xabcde,hlim=3)/hbh/"
		  "frag6(off=0x123,id=0xdeadbeef,m=1)/udp(dport=53)/payload(len=3)");
	assert_int_equal(n, 14 + 40 + 8 + 8 + 8 + 3);
	assert_int_equal(be16(buf + 12), 0x86dd);
	assert_int_equal(be32(ip), 6u << 28 | 0xb8u << 20 | 0xabcde);
	assert_int_equal(be16(ip + 4), 8 + 8 + 8 + 3);
	assert_int_equal(ip[6], 0); /* hop-by-hop */
	assert_int_equal(ip[7], 3);
	assert_int_equal(hbh[0], 44); /* fragment */
	assert_int_equal(hbh[1], 0);
	assert_memory_equal(hbh + 2, ((uint8_t[]){1, 4, 0, 0, 0, 0}), 6); /* PadN */
	assert_int_equal(frag[0], 17);
	assert_int_equal(frag[1], 0);
	assert_int_equal(be16(frag + 2), 0x123 << 3 | 1);
	assert_int_equal(be32(frag + 4), 0xdeadbeef);
	assert_int_equal(be16(udp + 4), 11);
	assert_l4_cksum_good_v6(ip, udp, 11, 17);
}

static void build_arp_request_and_reply(void **state)
{
	const uint8_t *arp = buf + 14;
	int n;

	(void)state;
	n = build("eth/arp(tpa=10.0.0.254)");
	assert_int_equal(n, 42);
	assert_memory_equal(buf, bcast, 6); /* a request is broadcast, whatever the default */
	assert_memory_equal(buf + 6, vm_mac, 6);
	assert_int_equal(be16(buf + 12), 0x0806);
	assert_int_equal(be16(arp), 1);
	assert_int_equal(be16(arp + 2), 0x0800);
	assert_int_equal(arp[4], 6);
	assert_int_equal(arp[5], 4);
	assert_int_equal(be16(arp + 6), 1);
	assert_memory_equal(arp + 8, vm_mac, 6);
	assert_ip4(arp + 14, "10.0.0.1");
	assert_memory_equal(arp + 18, ((uint8_t[6]){0}), 6);
	assert_ip4(arp + 24, "10.0.0.254");

	build("eth/arp(op=reply,spa=10.0.0.9,tpa=10.0.0.1)");
	assert_memory_equal(buf, gw_mac, 6); /* a reply goes where the default says */
	assert_int_equal(be16(arp + 6), 2);
	assert_ip4(arp + 14, "10.0.0.9");
	assert_memory_equal(arp + 18, gw_mac, 6);

	build("eth(dst=2:0:0:0:0:9)/arp(op=1,sha=2:0:0:0:0:7,tha=2:0:0:0:0:8,tpa=1.2.3.4)");
	assert_memory_equal(buf, ((uint8_t[]){2, 0, 0, 0, 0, 9}), 6);
	assert_memory_equal(arp + 8, ((uint8_t[]){2, 0, 0, 0, 0, 7}), 6);
	assert_memory_equal(arp + 18, ((uint8_t[]){2, 0, 0, 0, 0, 8}), 6);
}

static void build_vlan_tags(void **state)
{
	int n;

	(void)state;
	n = build("eth/vlan(vid=100,pcp=5)/vlan(vid=4095)/ipv4(dst=10.0.0.2)/icmp");
	assert_int_equal(n, 14 + 4 + 4 + 20 + 8);
	assert_int_equal(be16(buf + 12), 0x8100);
	assert_int_equal(be16(buf + 14), 5 << 13 | 100);
	assert_int_equal(be16(buf + 16), 0x8100);
	assert_int_equal(be16(buf + 18), 4095);
	assert_int_equal(be16(buf + 20), 0x0800);
	assert_int_equal(be16(buf + 24), 20 + 8);
	assert_ip4_cksum_good(buf + 22);
	build("eth(type=qinq)/vlan(vid=1)/arp(tpa=1.2.3.4)");
	assert_int_equal(be16(buf + 12), 0x88a8);
	assert_int_equal(be16(buf + 16), 0x0806);
	assert_memory_equal(buf, bcast, 6); /* still an ARP request behind the tag */
}

/* An underlay packet as the issue describes it, and every length and checksum in it. */
static void build_vxlan_over_ipv4_with_zero_outer_udp_checksum(void **state)
{
	const uint8_t *oip = buf + 14, *udp = buf + 34, *vx = buf + 42, *ieth = buf + 50;
	const uint8_t *iip = buf + 64, *icmp = buf + 84;
	int n;

	(void)state;
	n = build("eth/ipv4(src=192.0.2.2,dst=192.0.2.1)/udp(sport=1234)/vxlan(vni=100)/"
		  "eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02)/"
		  "ipv4(src=10.1.0.1,dst=10.1.0.2)/icmp(id=1,seq=2)");
	assert_int_equal(n, 14 + 20 + 8 + 8 + 14 + 20 + 8);
	assert_ip4(oip + 12, "192.0.2.2");
	assert_int_equal(be16(oip + 2), n - 14);
	assert_int_equal(oip[9], 17);
	assert_ip4_cksum_good(oip);
	assert_int_equal(be16(udp), 1234);
	assert_int_equal(be16(udp + 2), 4789);
	assert_int_equal(be16(udp + 4), n - 34);
	assert_int_equal(be16(udp + 6), 0);
	assert_memory_equal(vx, ((uint8_t[]){0x08, 0, 0, 0, 0, 0, 100, 0}), 8);
	assert_memory_equal(ieth, ((uint8_t[]){2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0}), 14);
	assert_int_equal(be16(iip + 2), 28);
	assert_ip4(iip + 12, "10.1.0.1");
	assert_ip4(iip + 16, "10.1.0.2");
	assert_ip4_cksum_good(iip);
	assert_int_equal(icmp[0], 8);
	assert_int_equal(folded(add_words(0, icmp, 8)), 0xffff);
	/* Largest VNI; a geneve tunnel over IPv4 leaves the checksum zero too. */
	build("eth/ipv4(dst=192.0.2.1)/udp/vxlan(vni=0xffffff)");
	assert_memory_equal(vx, ((uint8_t[]){0x08, 0, 0, 0, 0xff, 0xff, 0xff, 0}), 8);
	build("eth/ipv4(dst=192.0.2.1)/udp/geneve(vni=1)");
	assert_int_equal(be16(udp + 2), 6081);
	assert_int_equal(be16(udp + 6), 0);
}

static void build_geneve_over_ipv6_with_outer_udp_checksum(void **state)
{
	const uint8_t *oip = buf + 14, *udp = buf + 54, *gn = buf + 62, *iip = buf + 84;
	const uint8_t *itcp = buf + 104;
	int n;

	(void)state;
	n = build("eth/ipv6(src=2001:db8::2,dst=2001:db8::1)/udp(sport=40000)/geneve(vni=0x123456)/"
		  "eth(src=2:0:0:0:0:1,dst=2:0:0:0:0:2)/ipv4(src=10.1.0.1,dst=10.1.0.2,ttl=9)/"
		  "tcp(sport=5,dport=22,flags=PA,seq=1000,ack=2000)/payload(hex=deadbeef)");
	assert_int_equal(n, 14 + 40 + 8 + 8 + 14 + 20 + 20 + 4);
	assert_int_equal(be16(oip + 4), n - 54);
	assert_int_equal(oip[6], 17);
	assert_int_equal(be16(udp + 2), 6081);
	assert_int_equal(be16(udp + 4), n - 54);
	assert_int_not_equal(be16(udp + 6), 0);
	assert_l4_cksum_good_v6(oip, udp, (size_t)n - 54, 17);
	assert_memory_equal(gn, ((uint8_t[]){0, 0, 0x65, 0x58, 0x12, 0x34, 0x56, 0}), 8);
	assert_int_equal(be16(buf + 82), 0x0800);
	assert_int_equal(iip[8], 9);
	assert_ip4_cksum_good(iip);
	assert_int_equal(itcp[13], 0x18);
	assert_int_equal(be32(itcp + 4), 1000);
	assert_l4_cksum_good_v4(iip, itcp, 24, 6);
	assert_memory_equal(itcp + 20, ((uint8_t[]){0xde, 0xad, 0xbe, 0xef}), 4);
}

/* ---- edge cases ---- */

static void build_accepts_spaces_parens_and_hex_numbers(void **state)
{
	uint8_t first[64];
	int n;

	(void)state;
	n = build("eth/ipv4(dst=10.0.0.2)/udp(dport=80)");
	memcpy(first, buf, (size_t)n);
	assert_int_equal(build("  eth() / ipv4( dst = 10.0.0.2 ) /udp(dport=0x50)  "), n);
	assert_memory_equal(buf, first, (size_t)n);
	assert_int_equal(build("eth\t/ipv4(dst=10.0.0.2 ,ttl=0x40)/udp( dport=080 )"), n);
	assert_memory_equal(buf, first, (size_t)n);
}

static void build_edges_of_size(void **state)
{
	char desc[512];
	int k = 0;

	(void)state;
	/* Ethernet header alone; frames are not padded to 60 bytes (vhost does not either). */
	assert_int_equal(build("eth(type=0x88b5)"), 14);
	assert_int_equal(be16(buf + 12), 0x88b5);
	assert_int_equal(build("eth(type=0x88b5)/payload(len=0)"), 14);
	assert_int_equal(build("eth/ipv4(dst=10.0.0.2,proto=none)/payload(len=0)"), 34);
	/* An empty tunnel is a valid (if useless) underlay packet. */
	assert_int_equal(build("eth/ipv4(dst=192.0.2.1)/udp/vxlan(vni=0)"), 50);
	/* Payloads stack: a hex prefix then a pattern. */
	assert_int_equal(build("eth(type=0x88b5)/payload(hex=ff)/payload(len=2,fill=inc)"), 17);
	assert_memory_equal(buf + 14, ((uint8_t[]){0xff, 0, 1}), 3);
	/* The most layers there may be. */
	k += snprintf(desc + k, sizeof(desc) - (size_t)k, "eth");
	for (int i = 2; i < PKTDESC_MAX_LAYERS; i++)
		k += snprintf(desc + k, sizeof(desc) - (size_t)k, "/vlan(vid=%d)", i);
	snprintf(desc + k, sizeof(desc) - (size_t)k, "/vlan(type=0x88b5)");
	assert_int_equal(build(desc), 14 + 4 * (PKTDESC_MAX_LAYERS - 1));
	assert_int_equal(be16(buf + 14 + 4 * (PKTDESC_MAX_LAYERS - 1) - 2), 0x88b5);
}

static void help_names_every_layer(void **state)
{
	static const char *const layers[] = {"eth(",   "vlan(",	 "arp(",    "ipv4(",   "ipv6(",
					     "hbh(",   "frag6(", "tcp(",    "udp(",    "icmp(",
					     "icmp6(", "vxlan(", "geneve(", "payload("};
	const char *help = pktdesc_help();

	(void)state;
	assert_non_null(help);
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++)
		if (!strstr(help, layers[i]))
			fail_msg("help does not name %s", layers[i]);
	/* Every line fits an 80-column terminal. */
	for (const char *p = help, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true(nl - p <= 80);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(build_refuses_null_description_and_null_buffer),
		cmocka_unit_test(build_works_without_err_buffer_and_truncates_message_to_errsz),
		cmocka_unit_test(build_refuses_bad_syntax_naming_where),
		cmocka_unit_test(build_refuses_unknown_and_duplicate_fields),
		cmocka_unit_test(build_refuses_bad_values_naming_layer_and_field),
		cmocka_unit_test(build_refuses_bad_nesting),
		cmocka_unit_test(build_refuses_missing_required_fields),
		cmocka_unit_test(build_refuses_lengths_over_the_header_fields),
		cmocka_unit_test(build_refuses_frame_larger_than_cap_and_writes_nothing),
		cmocka_unit_test(build_tcp_syn_byte_by_byte),
		cmocka_unit_test(build_fills_in_defaults_of_the_port),
		cmocka_unit_test(build_ipv4_fields_land_in_their_bits),
		cmocka_unit_test(build_tcp_flags_numbers_and_wide_fields),
		cmocka_unit_test(build_icmp_types_by_name_and_number),
		cmocka_unit_test(build_icmp6_echo_and_neighbour_discovery),
		cmocka_unit_test(build_ipv6_fields_and_extension_headers),
		cmocka_unit_test(build_arp_request_and_reply),
		cmocka_unit_test(build_vlan_tags),
		cmocka_unit_test(build_vxlan_over_ipv4_with_zero_outer_udp_checksum),
		cmocka_unit_test(build_geneve_over_ipv6_with_outer_udp_checksum),
		cmocka_unit_test(build_accepts_spaces_parens_and_hex_numbers),
		cmocka_unit_test(build_edges_of_size),
		cmocka_unit_test(help_names_every_layer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
