/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of what the switch answers in place of a router and a DHCP server
 * (dataplane/dp_svc.c): IPv6 neighbour and router discovery (dp_nd.c), DHCPv4 and DHCPv6
 * (dp_dhcp.c over dhcp/dhcp.h's codec), and port security's sorting of them (dp_portsec.c):
 * what is for the switch, and a VM posing as a router or a DHCP server. Frames go through
 * the VM pipeline on real mbufs and are built byte by byte as real clients send them; the
 * replies are checked field by field, checksums included. The test thread is worker 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dp.h"
#include "dp_private.h"
#include "dp_fixture.h"
#include "pkt_fixture.h"

#define N_MBUFS 511
#define VNI	100

/*
 * VPC 100, one subnet: 10.0.1.0/24 and fd00:1::/64, gateway 10.0.1.1 at GW_MAC and
 * fd00:1::1 at GW6_MAC (another MAC, so a reply from the wrong family's gateway shows), whose
 * link-local address is fe80:: + the modified EUI-64 of GW6_MAC.
 *   A 10.0.1.10 fd00:1::a   DHCPv4 and DHCPv6 leases, IPv6 gateway, MTU 1450, two prefixes
 *   B 10.0.1.20 fd00:1::14  no lease, no IPv6 gateway
 *   F 10.0.1.30 fd00:1::1e  a virtual appliance (forwarding)
 */
#define GW_MAC	   "02:00:00:00:01:01"
#define GW6_MAC	   "02:00:00:00:61:01"
#define GW6_LL	   "fe80::ff:fe00:6101"
#define MTU	   1450
#define LEASE_TIME 3600

enum { A, B, F, N_PORTS };

static const char *const names[N_PORTS] = {"a", "b", "f"};
static const char *const macs[N_PORTS] = {"02:00:00:00:01:0a", "02:00:00:00:01:14",
					  "02:00:00:00:01:1e"};
static const char *const ip4s[N_PORTS] = {"10.0.1.10", "10.0.1.20", "10.0.1.30"};
static const char *const ip6s[N_PORTS] = {"fd00:1::a", "fd00:1::14", "fd00:1::1e"};
static const char *const lls[N_PORTS] = {"fe80::a", "fe80::14", "fe80::1e"};
static const char *const ra_prefixes[] = {"fd00:1::", "fd00:99:1::"};
static const uint8_t ra_plens[] = {64, 48};

static struct dp_port *ports[N_PORTS];
static uint16_t idx[N_PORTS];
static struct dp_worker *w;

/* ---- addresses ---- */

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- snapshot ---- */

static void port_conf(struct dp_port_conf *pc, int i)
{
	dp_fixture_port_conf(pc, ports[i], VNI, macs[i], ip4s[i], ip6s[i]);
	dp_fixture_port_gw(pc, "10.0.1.1", GW_MAC, i == B ? NULL : "fd00:1::1", GW6_MAC);
	pc->mtu = MTU;
	if (i == B)
		return;
	pc->forwarding = i == F;
	if (i != A)
		return;
	pc->has_dhcp4 = true;
	pc->dhcp4 = (struct dhcp4_lease){.addr = pkt_ip4(ip4s[A]),
					 .plen = 24,
					 .router = pkt_ip4("10.0.1.1"),
					 .mtu = MTU,
					 .lease_time = LEASE_TIME,
					 .n_dns = 1,
					 .dns = {pkt_ip4("10.0.0.2")}};
	memcpy(pc->dhcp4.chaddr, pc->mac, 6);
	pc->has_dhcp6 = true;
	pc->dhcp6 = (struct dhcp6_lease){.preferred = 3600, .valid = 7200};
	memcpy(pc->dhcp6.server_mac, pc->gw6_mac, 6);
	pkt_addr(ip6s[A], pc->dhcp6.addr);
	pc->n_ra_prefixes = RTE_DIM(ra_prefixes);
	for (size_t p = 0; p < RTE_DIM(ra_prefixes); p++) {
		pkt_addr(ra_prefixes[p], pc->ra_prefixes[p].addr);
		pc->ra_prefixes[p].plen = ra_plens[p];
	}
}

static void publish(void)
{
	struct dp_build *b = dp_fixture_begin();

	for (int i = 0; i < N_PORTS; i++) {
		struct dp_port_conf pc;

		port_conf(&pc, i);
		assert_int_equal(dp_build_port(b, &pc), 0);
	}
	dp_fixture_gateway(b, VNI, "10.0.1.1", GW_MAC);
	dp_fixture_gateway(b, VNI, "fd00:1::1", GW6_MAC);
	assert_int_equal(dp_build_vpc(b, VNI, DP_ENCAP_VXLAN, MTU), 0);
	dp_fixture_commit(b);
}

static int group_setup(void **state)
{
	(void)state;
	w = dp_fixture_start("ut_dp_services", N_MBUFS, NULL);
	dp_fixture_ports(ports, idx, names, N_PORTS);
	publish();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	dp_fixture_stop(w);
	return 0;
}

/* After each test: every mbuf is back (replies and what they answered). */
static int teardown(void **state)
{
	dp_fixture_teardown(state);
	dp_ct_fini();
	assert_int_equal(dp_ct_init(4096, 4096), 0);
	return 0;
}

/* ---- running frames ---- */

/* One frame that must make exactly one frame go out of port `to`, and no drop; returns
 * what went out. The switch answers back out of the asking port. */
#define ANSWERED(in, m)	     dp_fixture_pass(__LINE__, in, m, in)
#define PASS(in, m, to)	     dp_fixture_pass(__LINE__, in, m, to)
#define DROP(in, m, at, why) dp_fixture_drop(__LINE__, in, m, at, DP_DROP_##why)

/* ---- neighbour and router discovery ---- */

#define ND_NS	     135
#define ND_NA	     136
#define ND_RS	     133
#define ND_RA	     134
#define ND_REDIR     137
#define NA_ROUTER    0x80
#define NA_SOLICITED 0x40

/* An ICMPv6 message of len bytes from port `from` (source src), checksum set. */
static struct rte_mbuf *icmp6(int from, const char *src, const char *dst_mac, const char *dst,
			      uint8_t hop_limit, const uint8_t *msg, uint16_t len)
{
	struct rte_mbuf *m = pkt_build(&(struct pkt_spec){.src = macs[from],
							  .dst = dst_mac,
							  .l3 = PKT_L3_IPV6,
							  .sip = src,
							  .dip = dst,
							  .proto = IPPROTO_ICMPV6,
							  .ttl = hop_limit,
							  .payload = len});

	memcpy(pkt_l4(m), msg, len);
	pkt_cksum_fix(m);
	return m;
}

/* A neighbour solicitation from `from` for target, as a host sends it: to the target's
 * solicited-node group, with its link-layer address unless it has no address yet (DAD). */
static struct rte_mbuf *ns(int from, const char *src, const char *target, uint8_t hop_limit)
{
	uint8_t msg[32] = {ND_NS}, t[16];
	bool dad = strcmp(src, "::") == 0;
	char dst[64], dst_mac[32];

	pkt_addr(target, t);
	memcpy(msg + 8, t, 16);
	if (!dad) {
		msg[24] = 1; /* source link-layer address, 8 bytes */
		msg[25] = 1;
		memcpy(msg + 26, pkt_mac(macs[from]).addr_bytes, 6);
	}
	snprintf(dst, sizeof(dst), "ff02::1:ff%02x:%02x%02x", t[13], t[14], t[15]);
	snprintf(dst_mac, sizeof(dst_mac), "33:33:ff:%02x:%02x:%02x", t[13], t[14], t[15]);
	return icmp6(from, src, dst_mac, dst, hop_limit, msg, dad ? 24 : 32);
}

static struct rte_mbuf *rs(int from, const char *src)
{
	uint8_t msg[16] = {ND_RS, 0, 0, 0, 0, 0, 0, 0, 1, 1};

	memcpy(msg + 10, pkt_mac(macs[from]).addr_bytes, 6);
	return icmp6(from, src, "33:33:00:00:00:02", "ff02::2", 255, msg,
		     strcmp(src, "::") == 0 ? 8 : 16);
}

/* The advertisement the switch sent for target (at target_mac) to `asker`, who asked from
 * `from`: to it, or to all nodes if it asked without an address. */
static void assert_na_(int line, struct rte_mbuf *m, int asker, const char *from,
		       const char *target, const char *target_mac, bool router)
{
	const struct rte_ipv6_hdr *ip = pkt_l3(m);
	const uint8_t *na = pkt_l4(m);
	bool solicited = strcmp(from, "::") != 0;
	uint8_t want_flags = (uint8_t)((router ? NA_ROUTER : 0) | (solicited ? NA_SOLICITED : 0));

	pkt_assert_eth_at(line, m, target_mac, macs[asker]);
	pkt_assert_addr_at(line, ip->src_addr, target);
	pkt_assert_addr_at(line, ip->dst_addr, solicited ? from : "ff02::1");
	assert_int_equal(ip->proto, IPPROTO_ICMPV6);
	assert_int_equal(ip->hop_limits, 255); /* RFC 4861 7.1.2: receivers check it */
	assert_int_equal(rte_be_to_cpu_16(ip->payload_len), 32);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 14 + 40 + 32);
	assert_int_equal(na[0], ND_NA);
	assert_int_equal(na[1], 0);
	if ((na[4] & (NA_ROUTER | NA_SOLICITED)) != want_flags || (na[4] & 0x1f) != 0 ||
	    na[5] != 0 || na[6] != 0 || na[7] != 0)
		fail_msg("line %d: NA flags %02x %02x %02x %02x, want R %d S %d", line, na[4],
			 na[5], na[6], na[7], router, solicited);
	pkt_assert_addr_at(line, na + 8, target);
	assert_int_equal(na[24], 2); /* target link-layer address */
	assert_int_equal(na[25], 1);
	pkt_assert_mac_at(line, na + 26, target_mac);
	pkt_assert_cksums(m);
}
#define assert_na(m, asker, from, target, target_mac, router)                                      \
	assert_na_(__LINE__, m, asker, from, target, target_mac, router)

static void ns_for_the_gateway_is_answered_with_its_mac_and_the_router_flag(void **state)
{
	(void)state;
	assert_na(ANSWERED(A, ns(A, lls[A], "fd00:1::1", 255)), A, lls[A], "fd00:1::1", GW6_MAC,
		  true);
	/* from its global address: the answer goes there */
	assert_na(ANSWERED(A, ns(A, ip6s[A], "fd00:1::1", 255)), A, ip6s[A], "fd00:1::1", GW6_MAC,
		  true);
	/* the gateway's link-local address, where the VM's default route points */
	assert_na(ANSWERED(A, ns(A, lls[A], GW6_LL, 255)), A, lls[A], GW6_LL, GW6_MAC, true);
	assert_na(ANSWERED(F, ns(F, ip6s[F], GW6_LL, 255)), F, ip6s[F], GW6_LL, GW6_MAC, true);
}

static void ns_for_another_vm_is_answered_with_its_mac_and_no_router_flag(void **state)
{
	(void)state;
	assert_na(ANSWERED(A, ns(A, lls[A], ip6s[B], 255)), A, lls[A], ip6s[B], macs[B], false);
	assert_na(ANSWERED(B, ns(B, ip6s[B], ip6s[A], 255)), B, ip6s[B], ip6s[A], macs[A], false);
}

/* Duplicate address detection: the owner defends its address to all nodes, unsolicited. */
static void ns_without_a_source_address_is_answered_to_all_nodes_unsolicited(void **state)
{
	(void)state;
	assert_na(ANSWERED(A, ns(A, "::", ip6s[B], 255)), A, "::", ip6s[B], macs[B], false);
	assert_na(ANSWERED(A, ns(A, "::", "fd00:1::1", 255)), A, "::", "fd00:1::1", GW6_MAC, true);
}

static void ns_the_switch_cannot_answer_is_dropped_by_name(void **state)
{
	(void)state;
	DROP(A, ns(A, lls[A], "fd00:1::99", 255), A, ND_UNKNOWN_TARGET);
	/* a VM checking its own address hears nothing: it is its */
	DROP(A, ns(A, lls[A], ip6s[A], 255), A, ND_OWN_ADDRESS);
	DROP(A, ns(A, "::", ip6s[A], 255), A, ND_OWN_ADDRESS);
	/* forwarded on the way (RFC 4861 7.1.1) */
	DROP(A, ns(A, lls[A], ip6s[B], 64), A, ND_MALFORMED);
	DROP(A, ns(A, lls[A], "ff02::1", 255), A, ND_MALFORMED);
	/* another VM's address as source: not its to ask from */
	DROP(A, ns(A, ip6s[B], "fd00:1::1", 255), A, SRC_IP_SPOOF);
	/* B has no IPv6 gateway: the gateway's link-local address is nothing to it */
	DROP(B, ns(B, lls[B], GW6_LL, 255), B, ND_UNKNOWN_TARGET);
}

/* The options of an RA, checked in order: source link-layer, MTU, one prefix per prefix. */
static void assert_ra_options(const uint8_t *opt, const uint8_t *end)
{
	size_t n_prefixes = 0;

	assert_true(end - opt >= 16);
	assert_int_equal(opt[0], 1);
	assert_int_equal(opt[1], 1);
	assert_mac(opt + 2, GW6_MAC);
	opt += 8;
	assert_int_equal(opt[0], 5);
	assert_int_equal(opt[1], 1);
	assert_int_equal(be32_at(opt + 4), MTU);
	opt += 8;
	for (; opt < end; opt += opt[1] * 8) {
		assert_true(opt[1] > 0);
		assert_true(opt + opt[1] * 8 <= end);
		assert_int_equal(opt[0], 3);
		assert_int_equal(opt[1], 4);
		assert_true(n_prefixes < RTE_DIM(ra_prefixes));
		assert_int_equal(opt[2], ra_plens[n_prefixes]);
		if ((opt[3] & 0xc0) != 0x80) /* on-link, not autonomous: addresses from DHCPv6 */
			fail_msg("prefix %zu: flags %02x, want L set and A clear", n_prefixes,
				 opt[3]);
		assert_true(be32_at(opt + 4) >= be32_at(opt + 8)); /* valid >= preferred */
		assert_true(be32_at(opt + 8) > 0);
		assert_addr(opt + 16, ra_prefixes[n_prefixes]);
		n_prefixes++;
	}
	assert_int_equal(n_prefixes, RTE_DIM(ra_prefixes));
}

static void rs_is_answered_by_the_gateway_with_managed_config_mtu_and_prefixes(void **state)
{
	struct rte_mbuf *m;
	const struct rte_ipv6_hdr *ip;
	const uint8_t *ra;

	(void)state;
	m = ANSWERED(A, rs(A, lls[A]));
	assert_eth(m, GW6_MAC, macs[A]);
	ip = pkt_l3(m);
	assert_addr(ip->src_addr, GW6_LL); /* RFC 4861 6.1.2: hosts take RAs from link-local only */
	assert_addr(ip->dst_addr, lls[A]);
	assert_int_equal(ip->hop_limits, 255);
	assert_int_equal(ip->proto, IPPROTO_ICMPV6);
	ra = pkt_l4(m);
	assert_int_equal(ra[0], ND_RA);
	assert_int_equal(ra[1], 0);
	if ((ra[5] & 0xc0) != 0xc0)
		fail_msg("RA flags %02x: want managed and other configuration", ra[5]);
	assert_int_equal(be16_at(ra + 6), 1800);
	assert_ra_options(ra + 16, ra + rte_be_to_cpu_16(ip->payload_len));
	assert_int_equal(rte_pktmbuf_pkt_len(m), 14 + 40 + rte_be_to_cpu_16(ip->payload_len));
	pkt_assert_cksums(m);

	/* a host without an address yet hears it on all nodes */
	m = ANSWERED(A, rs(A, "::"));
	assert_addr(((const struct rte_ipv6_hdr *)pkt_l3(m))->dst_addr, "ff02::1");
	pkt_assert_cksums(m);
}

static void rs_on_a_port_without_an_ipv6_gateway_is_dropped(void **state)
{
	(void)state;
	DROP(B, rs(B, lls[B]), B, ND_NO_ROUTER);
	{
		struct rte_mbuf *m = rs(A, lls[A]);

		((struct rte_ipv6_hdr *)pkt_l3(m))->hop_limits = 1;
		pkt_cksum_fix(m);
		DROP(A, m, A, ND_MALFORMED);
	}
}

static void router_advertisement_or_redirect_from_a_vm_is_dropped(void **state)
{
	uint8_t ra[16] = {ND_RA, 0, 0, 0, 64, 0, 0x07, 0x08};
	uint8_t redirect[40] = {ND_REDIR};

	(void)state;
	DROP(A, icmp6(A, lls[A], "33:33:00:00:00:01", "ff02::1", 255, ra, sizeof(ra)), A,
	     RA_FROM_VM);
	/* to one VM's MAC, from an appliance that may send from anywhere: the same */
	DROP(F, icmp6(F, lls[F], macs[B], lls[B], 255, ra, sizeof(ra)), F, RA_FROM_VM);
	pkt_addr("fd00:1::1", redirect + 8);
	pkt_addr(ip6s[F], redirect + 24);
	DROP(A, icmp6(A, lls[A], macs[B], lls[B], 255, redirect, sizeof(redirect)), A, RA_FROM_VM);
}

/* RA guard evasion (RFC 7113): the same RA behind a hop-by-hop options header. */
static void router_advertisement_behind_an_extension_header_is_dropped(void **state)
{
	uint8_t msg[8 + 16] = {IPPROTO_ICMPV6, 0, 1, 4, 0,  0, 0,    0, /* hop-by-hop: PadN */
			       ND_RA,	       0, 0, 0, 64, 0, 0x07, 0x08};
	struct rte_mbuf *m = pkt_build(&(struct pkt_spec){.src = macs[F],
							  .dst = macs[B],
							  .l3 = PKT_L3_IPV6,
							  .sip = lls[F],
							  .dip = lls[B],
							  .ttl = 255,
							  .payload = sizeof(msg)});
	struct rte_ipv6_hdr *ip = pkt_l3(m);
	uint8_t *ra = (uint8_t *)(ip + 1) + 8;
	uint16_t ck;

	(void)state;
	memcpy(ip + 1, msg, sizeof(msg));
	/* the checksum's pseudo-header has the upper layer's length and type, not the IP
	 * header's: computed as if the message came first */
	ip->proto = IPPROTO_ICMPV6;
	ip->payload_len = RTE_BE16(16);
	ck = rte_ipv6_udptcp_cksum(ip, ra);
	ip->proto = 0; /* hop-by-hop options */
	ip->payload_len = rte_cpu_to_be_16(sizeof(msg));
	memcpy(ra + 2, &ck, 2);
	DROP(F, m, F, RA_FROM_VM);
}

/* ---- DHCPv4 ---- */

#define BOOTP_SIZE 300 /* what dhclient pads its messages to (RFC 1542 2.1) */
#define XID	   0x3903f326u

/* A DHCPDISCOVER as dhclient sends it: from 0.0.0.0 to the broadcast address, client port
 * 68 to 67, chaddr the client's MAC, message type, host name, parameter request list. */
static struct rte_mbuf *discover(int from, const char *chaddr, bool broadcast_flag)
{
	static const uint8_t params[] = {1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42};
	struct rte_mbuf *m = pkt_udp(&(struct pkt_spec){.src = macs[from],
							.dst = NULL,
							.l3 = PKT_L3_IPV4,
							.sip = "0.0.0.0",
							.dip = "255.255.255.255",
							.payload = BOOTP_SIZE},
				     68, 67);
	struct rte_ipv4_hdr *ip = pkt_l3(m);
	uint8_t *b = (uint8_t *)pkt_l4(m) + sizeof(struct rte_udp_hdr), *o;

	ip->type_of_service = 0x10; /* dhclient asks for low delay */
	memset(b, 0, BOOTP_SIZE);
	b[0] = 1; /* BOOTREQUEST */
	b[1] = 1; /* Ethernet */
	b[2] = 6;
	b[4] = XID >> 24;
	b[5] = (XID >> 16) & 0xff;
	b[6] = (XID >> 8) & 0xff;
	b[7] = XID & 0xff;
	b[10] = broadcast_flag ? 0x80 : 0;
	memcpy(b + 28, pkt_mac(chaddr).addr_bytes, 6);
	memcpy(b + 236, (const uint8_t[]){99, 130, 83, 99}, 4);
	o = b + 240;
	*o++ = 53;
	*o++ = 1;
	*o++ = 1; /* DHCPDISCOVER */
	*o++ = 12;
	*o++ = 4;
	memcpy(o, "vm-a", 4);
	o += 4;
	*o++ = 55;
	*o++ = sizeof(params);
	memcpy(o, params, sizeof(params));
	o += sizeof(params);
	*o = 255;
	pkt_cksum_fix(m);
	return m;
}

/* The value of option code in a DHCPv4 message's options field, or NULL. */
static const uint8_t *dhcp4_opt(const uint8_t *msg, size_t len, uint8_t code, uint8_t *size)
{
	for (size_t off = 240; off < len;) {
		if (msg[off] == 0) {
			off++;
			continue;
		}
		if (msg[off] == 255 || off + 2 > len || off + 2 + msg[off + 1] > len)
			return NULL;
		if (msg[off] == code) {
			*size = msg[off + 1];
			return msg + off + 2;
		}
		off += 2 + (size_t)msg[off + 1];
	}
	return NULL;
}

static void assert_opt4_(int line, const uint8_t *msg, size_t len, uint8_t code, const void *want,
			 uint8_t want_size)
{
	uint8_t size = 0;
	const uint8_t *v = dhcp4_opt(msg, len, code, &size);

	if (v == NULL)
		fail_msg("line %d: option %u missing", line, code);
	if (size != want_size || memcmp(v, want, size) != 0)
		fail_msg("line %d: option %u has other contents (%u bytes, want %u)", line, code,
			 size, want_size);
}
#define assert_opt4(msg, len, code, want, size) assert_opt4_(__LINE__, msg, len, code, want, size)

/* The DHCPOFFER answering discover(A, ...): to A from the gateway, unicast to the offered
 * address, or broadcast when the client asked for it. Returns the BOOTP message. */
static const uint8_t *assert_offer(struct rte_mbuf *m, const char *ip_dst, size_t *len)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = pkt_l3(m);
	const struct rte_udp_hdr *u = pkt_l4(m);
	const uint8_t *b = (const uint8_t *)(u + 1);
	uint8_t v[4];
	uint32_t be;

	assert_eth(m, GW_MAC, macs[A]);
	assert_int_equal(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	assert_int_equal(ip->next_proto_id, IPPROTO_UDP);
	assert_addr(&ip->src_addr, "10.0.1.1");
	assert_addr(&ip->dst_addr, ip_dst);
	assert_int_equal(rte_be_to_cpu_16(ip->total_length), rte_pktmbuf_pkt_len(m) - 14);
	assert_int_equal(rte_be_to_cpu_16(u->src_port), 67);
	assert_int_equal(rte_be_to_cpu_16(u->dst_port), 68);
	assert_int_equal(rte_be_to_cpu_16(u->dgram_len), rte_be_to_cpu_16(ip->total_length) - 20);
	pkt_assert_cksums(m);
	*len = rte_be_to_cpu_16(u->dgram_len) - sizeof(*u);
	assert_true(*len >= 300);
	assert_int_equal(b[0], 2); /* BOOTREPLY */
	assert_int_equal(be32_at(b + 4), XID);
	assert_addr(b + 16, ip4s[A]); /* yiaddr */
	assert_mac(b + 28, macs[A]);
	assert_memory_equal(b + 236, ((const uint8_t[]){99, 130, 83, 99}), 4);
	assert_opt4(b, *len, 53, ((const uint8_t[]){2}), 1); /* DHCPOFFER */
	be = pkt_ip4("255.255.255.0");
	assert_opt4(b, *len, 1, &be, 4);
	be = pkt_ip4("10.0.1.1");
	assert_opt4(b, *len, 3, &be, 4);
	assert_opt4(b, *len, 54, &be, 4);
	be = pkt_ip4("10.0.0.2");
	assert_opt4(b, *len, 6, &be, 4);
	v[0] = MTU >> 8;
	v[1] = MTU & 0xff;
	assert_opt4(b, *len, 26, v, 2);
	be = rte_cpu_to_be_32(LEASE_TIME);
	assert_opt4(b, *len, 51, &be, 4);
	return b;
}

static void dhcp_discover_is_offered_the_lease_by_the_gateway(void **state)
{
	size_t len;

	(void)state;
	/* from 0.0.0.0: past port security, for the switch */
	assert_offer(ANSWERED(A, discover(A, macs[A], false)), ip4s[A], &len);
	assert_offer(ANSWERED(A, discover(A, macs[A], true)), "255.255.255.255", &len);
}

static void dhcp_discover_the_switch_does_not_serve_is_dropped_by_name(void **state)
{
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *u;

	(void)state;
	DROP(A, discover(A, macs[B], false), A, DHCP_NOT_MINE);
	DROP(B, discover(B, macs[B], false), B, DHCP_NO_LEASE);

	/* cut short on the wire: the frame ends before its headers say it does */
	m = discover(A, macs[A], false);
	assert_int_equal(rte_pktmbuf_trim(m, 200), 0);
	DROP(A, m, A, DHCP_MALFORMED);

	/* whole datagram, but the message is shorter than the fixed BOOTP header */
	m = discover(A, macs[A], false);
	ip = pkt_l3(m);
	u = pkt_l4(m);
	ip->total_length = rte_cpu_to_be_16(20 + 8 + 200);
	u->dgram_len = rte_cpu_to_be_16(8 + 200);
	assert_int_equal(rte_pktmbuf_trim(m, BOOTP_SIZE - 200), 0);
	pkt_cksum_fix(m);
	DROP(A, m, A, DHCP_MALFORMED);

	/* a UDP length past the IP payload */
	m = discover(A, macs[A], false);
	u = pkt_l4(m);
	u->dgram_len = rte_cpu_to_be_16(8 + BOOTP_SIZE + 1);
	DROP(A, m, A, DHCP_MALFORMED);
}

/* ---- DHCPv6 ---- */

#define IAID 0x0a0b0c0du

/* A SOLICIT from the client's link-local address to all DHCP agents: client identifier
 * (DUID-LL of its MAC), elapsed time, one IA_NA, an option request for DNS. */
static struct rte_mbuf *solicit(int from)
{
	uint8_t msg[48] = {
		1, 0x12, 0x34, 0x56, 0,	   1,	 0,    10,   0, 3, 0, 1, 0, 0, 0, 0,
		0, 0,			      /* client id */
		0, 8,	 0,    2,    0,	   0, /* elapsed time */
		0, 3,	 0,    12,   0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 0, 0, 0, 0, 0, /* IA_NA */
		0, 6,	 0,    4,    0,	   23,	 0,    24}; /* option request */
	struct rte_mbuf *m = pkt_udp(&(struct pkt_spec){.src = macs[from],
							.dst = "33:33:00:01:00:02",
							.l3 = PKT_L3_IPV6,
							.sip = lls[from],
							.dip = "ff02::1:2",
							.ttl = 1,
							.payload = sizeof(msg)},
				     546, 547);

	memcpy(msg + 12, pkt_mac(macs[from]).addr_bytes, 6);
	memcpy((uint8_t *)pkt_l4(m) + sizeof(struct rte_udp_hdr), msg, sizeof(msg));
	pkt_cksum_fix(m);
	return m;
}

/* The option code in an area of DHCPv6 options, or NULL. */
static const uint8_t *dhcp6_opt(const uint8_t *p, size_t len, uint16_t code, uint16_t *size)
{
	for (size_t off = 0; off + 4 <= len;) {
		uint16_t c = be16_at(p + off), s = be16_at(p + off + 2);

		if (off + 4 + s > len)
			return NULL;
		if (c == code) {
			*size = s;
			return p + off + 4;
		}
		off += 4 + (size_t)s;
	}
	return NULL;
}

static void dhcp6_solicit_is_advertised_the_lease_by_the_gateway(void **state)
{
	struct rte_mbuf *m;
	const struct rte_ipv6_hdr *ip;
	const struct rte_udp_hdr *u;
	const uint8_t *msg, *v, *ia;
	uint8_t duid[10] = {0, 3, 0, 1};
	uint16_t size, ia_size;
	size_t len;

	(void)state;
	m = ANSWERED(A, solicit(A));
	assert_eth(m, GW6_MAC, macs[A]);
	ip = pkt_l3(m);
	assert_int_equal(ip->proto, IPPROTO_UDP);
	assert_addr(ip->src_addr, GW6_LL);
	assert_addr(ip->dst_addr, lls[A]);
	u = pkt_l4(m);
	assert_int_equal(rte_be_to_cpu_16(u->src_port), 547);
	assert_int_equal(rte_be_to_cpu_16(u->dst_port), 546);
	assert_int_equal(rte_be_to_cpu_16(u->dgram_len), rte_be_to_cpu_16(ip->payload_len));
	pkt_assert_cksums(m);
	msg = (const uint8_t *)(u + 1);
	len = rte_be_to_cpu_16(u->dgram_len) - sizeof(*u);
	assert_int_equal(msg[0], 2); /* ADVERTISE */
	assert_memory_equal(msg + 1, ((const uint8_t[]){0x12, 0x34, 0x56}), 3);

	v = dhcp6_opt(msg + 4, len - 4, 1, &size); /* client id, echoed */
	assert_non_null(v);
	assert_int_equal(size, 10);
	memcpy(duid + 4, pkt_mac(macs[A]).addr_bytes, 6);
	assert_memory_equal(v, duid, 10);
	v = dhcp6_opt(msg + 4, len - 4, 2, &size); /* server id: DUID-LL of the gateway */
	assert_non_null(v);
	assert_int_equal(size, 10);
	memcpy(duid + 4, pkt_mac(GW6_MAC).addr_bytes, 6);
	assert_memory_equal(v, duid, 10);

	ia = dhcp6_opt(msg + 4, len - 4, 3, &ia_size);
	assert_non_null(ia);
	assert_true(ia_size >= 12 + 4 + 24);
	assert_int_equal(be32_at(ia), IAID);
	v = dhcp6_opt(ia + 12, ia_size - 12, 5, &size); /* IAADDR */
	assert_non_null(v);
	assert_true(size >= 24);
	assert_addr(v, ip6s[A]);
	assert_int_equal(be32_at(v + 16), 3600);
	assert_int_equal(be32_at(v + 20), 7200);
}

static void dhcp6_solicit_from_a_port_without_a_lease_is_dropped(void **state)
{
	(void)state;
	DROP(B, solicit(B), B, DHCP_NO_LEASE);
}

/* ---- port security around the services ---- */

static void dhcp_server_messages_from_a_vm_are_dropped(void **state)
{
	struct pkt_spec v4 = {.src = macs[A],
			      .dst = macs[B],
			      .l3 = PKT_L3_IPV4,
			      .sip = ip4s[A],
			      .dip = ip4s[B],
			      .payload = 300};
	struct pkt_spec v6 = {.src = macs[A],
			      .dst = macs[B],
			      .l3 = PKT_L3_IPV6,
			      .sip = lls[A],
			      .dip = lls[B],
			      .payload = 48};

	(void)state;
	DROP(A, pkt_udp(&v4, 67, 68), A, DHCP_SERVER_FROM_VM);
	DROP(A, pkt_udp(&v4, 67, 67), A, DHCP_SERVER_FROM_VM); /* relay to relay */
	DROP(A, pkt_udp(&v6, 547, 546), A, DHCP_SERVER_FROM_VM);
	v6.sip = ip6s[A];
	DROP(A, pkt_udp(&v6, 547, 546), A, DHCP_SERVER_FROM_VM);
	/* an appliance may send from anywhere, but serve DHCP it may not */
	v4.src = macs[F];
	v4.sip = "192.168.5.5";
	DROP(F, pkt_udp(&v4, 67, 68), F, DHCP_SERVER_FROM_VM);
}

/* 0.0.0.0 is a source for DHCP only: the client has no address yet. */
static void unspecified_source_passes_port_security_only_for_dhcp(void **state)
{
	struct pkt_spec s = {.src = macs[A],
			     .dst = macs[B],
			     .l3 = PKT_L3_IPV4,
			     .sip = "0.0.0.0",
			     .dip = ip4s[B],
			     .payload = 8};
	size_t len;

	(void)state;
	assert_offer(ANSWERED(A, discover(A, macs[A], false)), ip4s[A], &len);
	DROP(A, pkt_udp(&s, 68, 68), A, SRC_IP_SPOOF);
	DROP(A, pkt_udp(&s, 1000, 53), A, SRC_IP_SPOOF);
	/* and DHCP from someone else's address is not this client's either */
	s.sip = ip4s[B];
	DROP(A, pkt_udp(&s, 68, 67), A, SRC_IP_SPOOF);
}

static void appliance_may_send_from_a_foreign_address_and_others_may_not(void **state)
{
	struct pkt_spec s = {.src = macs[F],
			     .dst = macs[B],
			     .l3 = PKT_L3_IPV4,
			     .sip = "192.168.5.5",
			     .dip = ip4s[B],
			     .payload = 8};
	struct rte_mbuf *m;

	(void)state;
	m = PASS(F, pkt_udp(&s, 1000, 53), B);
	assert_addr(&((const struct rte_ipv4_hdr *)pkt_l3(m))->src_addr, "192.168.5.5");
	s.l3 = PKT_L3_IPV6;
	s.sip = "2001:db8::5";
	s.dip = ip6s[B];
	PASS(F, pkt_udp(&s, 1000, 53), B);

	/* its MAC is still checked */
	s.src = macs[A];
	DROP(F, pkt_udp(&s, 1000, 53), F, SRC_MAC_SPOOF);
	/* B is no appliance */
	s = (struct pkt_spec){.src = macs[B],
			      .dst = macs[A],
			      .l3 = PKT_L3_IPV4,
			      .sip = "192.168.5.5",
			      .dip = ip4s[A],
			      .payload = 8};
	DROP(B, pkt_udp(&s, 1000, 53), B, SRC_IP_SPOOF);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(ns_for_the_gateway_is_answered_with_its_mac_and_the_router_flag),
		T(ns_for_another_vm_is_answered_with_its_mac_and_no_router_flag),
		T(ns_without_a_source_address_is_answered_to_all_nodes_unsolicited),
		T(ns_the_switch_cannot_answer_is_dropped_by_name),
		T(rs_is_answered_by_the_gateway_with_managed_config_mtu_and_prefixes),
		T(rs_on_a_port_without_an_ipv6_gateway_is_dropped),
		T(router_advertisement_or_redirect_from_a_vm_is_dropped),
		T(router_advertisement_behind_an_extension_header_is_dropped),

		T(dhcp_discover_is_offered_the_lease_by_the_gateway),
		T(dhcp_discover_the_switch_does_not_serve_is_dropped_by_name),
		T(dhcp6_solicit_is_advertised_the_lease_by_the_gateway),
		T(dhcp6_solicit_from_a_port_without_a_lease_is_dropped),

		T(dhcp_server_messages_from_a_vm_are_dropped),
		T(unspecified_source_passes_port_security_only_for_dhcp),
		T(appliance_may_send_from_a_foreign_address_and_others_may_not),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
