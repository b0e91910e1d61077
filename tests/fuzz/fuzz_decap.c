/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the underlay's whole receive path: each input is one frame as the
 * underlay NIC hands it over, run through dp_underlay_input_burst on a real snapshot (the one
 * described below, published through the unit tests' EAL fixture) and flushed. Besides crashes
 * and reads past the frame (each segment's head- and tailroom are poisoned for ASan), it
 * aborts on broken promises (see broken()): the packet goes exactly one way and no mbuf leaks,
 * and the way is the one an independent reading of the frame (expect()) gives: the kernel
 * gets what is not ours, unchanged; a VM gets only a valid tunnel packet of its own VNI from a
 * VTEP of that VNI, cut to what the outer UDP length says; everything else is dropped.
 *
 * Input: byte 0 says what the NIC reports and does, byte 1 where it splits, the rest is the
 * frame (up to two full segments):
 *   bits 0-1  outer IPv4 header checksum status: unknown, good, bad, none (RX_IP_CKSUM_*)
 *   bits 2-3  outer UDP checksum status, the same (RX_L4_CKSUM_*)
 *   bit 4     the harness writes a correct outer IPv4 header checksum first
 *   bit 5     the harness writes a correct outer UDP checksum first (over IPv4 or IPv6)
 *   bit 6     two segments, the first of 8 * byte 1 bytes (at least one byte in each, at
 *             most a data room); without it, a frame longer than one data room is split
 *             where the first segment is full
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sanitizer/asan_interface.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "../../dataplane/dp_private.h"
#include "../../dataplane/dp_route.h"
#include "../unit/dp_fixture.h"

#define N_MBUFS	  127
#define SEG_MAX	  2048 /* data room of the fixture pool's buffers (RTE_MBUF_DEFAULT_DATAROOM) */
#define FRAME_MAX (2 * SEG_MAX)
#define ETH_SIZE  sizeof(struct rte_ether_hdr)
#define IP4_SIZE  sizeof(struct rte_ipv4_hdr)
#define IP6_SIZE  sizeof(struct rte_ipv6_hdr)
#define UDP_SIZE  sizeof(struct rte_udp_hdr)

#define IN_IP_STATUS(c) ((c)&3)
#define IN_L4_STATUS(c) ((c) >> 2 & 3)
#define IN_FIX_IP4	0x10
#define IN_FIX_UDP	0x20
#define IN_SPLIT	0x40

static const uint64_t ip_status[4] = {RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
				      RTE_MBUF_F_RX_IP_CKSUM_BAD, RTE_MBUF_F_RX_IP_CKSUM_NONE};
static const uint64_t l4_status[4] = {RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, RTE_MBUF_F_RX_L4_CKSUM_GOOD,
				      RTE_MBUF_F_RX_L4_CKSUM_BAD, RTE_MBUF_F_RX_L4_CKSUM_NONE};

/*
 * Two bugs this target found, fixed in dp_underlay.c, each kept covered by a seed named after
 * it: padding after the UDP datagram longer than the frame's last segment was not trimmed
 * (vxlan4_padding_past_last_segment), and a right UDP checksum was refused where a later
 * segment starts at an odd offset of the datagram, DPDK 22.11's rte_raw_cksum_mbuf losing
 * carries (vxlan4_odd_segment_checksum).
 */

/*
 * The snapshot. gen_corpus_decap.py writes its seeds from the same addresses: keep them in
 * step. VPC 300 reuses VPC 100's MACs (a local VM's and a remote one's behind the same VTEP),
 * so a frame that crosses from one VNI to the other lands on the wrong port.
 */
#define VTEP4	    "192.0.2.1"
#define VTEP6	    "2001:db8::1"
#define VXLAN_PORT  4789
#define GENEVE_PORT 6081
#define UL_MAC	    "02:00:00:00:aa:01"
#define GW_MAC	    "02:00:00:00:00:01"
#define GW_IP	    "10.0.0.1"
#define SUBNET	    "10.0.0.0" /* /24, every VPC's one subnet */

struct vpc_desc {
	uint32_t vni;
	enum dp_encap encap;
};

static const struct vpc_desc vpcs[] = {
	{100, DP_ENCAP_VXLAN},
	{200, DP_ENCAP_GENEVE},
	{300, DP_ENCAP_VXLAN},
};

struct vm_desc {
	const char *name;
	uint32_t vni;
	const char *mac, *ip;
};

static const struct vm_desc vms[] = {
	{"a1", 100, "02:00:00:00:00:11", "10.0.0.11"},
	{"a2", 100, "02:00:00:00:00:13", "10.0.0.13"},
	{"b1", 200, "02:00:00:00:00:12", "10.0.0.12"},
	{"c1", 300, "02:00:00:00:00:11", "10.0.0.11"},
};
#define N_VMS RTE_DIM(vms)

struct remote_desc {
	uint32_t vni;
	const char *mac, *ip, *vtep;
	bool nh_known;
};

static const struct remote_desc remotes[] = {
	{100, "02:00:00:00:00:21", "10.0.0.21", "192.0.2.2", true},
	{100, "02:00:00:00:00:23", "10.0.0.23", "192.0.2.4", false}, /* accepted all the same */
	{100, "02:00:00:00:00:26", "10.0.0.26", "2001:db8::2", true},
	{200, "02:00:00:00:00:22", "10.0.0.22", "192.0.2.3", true},
	{200, "02:00:00:00:00:27", "10.0.0.27", "2001:db8::3", true},
	{300, "02:00:00:00:00:21", "10.0.0.21", "192.0.2.2", true},
	{300, "02:00:00:00:00:28", "10.0.0.28", "2001:db8::2", true},
};
#define N_REMOTES RTE_DIM(remotes)

/* The parsed form of the tables above, and the runtime objects. */
static struct {
	struct dp_worker *w;
	const struct dp_snap *snap;
	struct dp_port *ul, *tap, *vm_ports[N_VMS];
	uint16_t ul_idx, tap_idx, vm_idx[N_VMS];
	struct rte_ether_addr vm_mac[N_VMS];
	rte_be32_t vm_ip[N_VMS];
	struct rte_ether_addr rem_mac[N_REMOTES];
	int rem_af[N_REMOTES];
	uint8_t rem_vtep[N_REMOTES][16];
	struct rte_ether_addr gw_mac;
	struct dp_rtable *rt[3]; /* per VPC: its subnet, connected (replies to routed frames) */
	rte_be32_t vtep4;
	uint8_t vtep6[16];
	bool verbose; /* FUZZ_DECAP_VERBOSE set: say where each input went (triage of seeds) */
} env;

static void broken(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_decap: broken promise: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- setup ---- */

static void parse_mac(const char *s, struct rte_ether_addr *mac)
{
	if (rte_ether_unformat_addr(s, mac) != 0)
		broken("setup: bad MAC %s", s);
}

static void parse_ip(const char *s, int *af, uint8_t addr[16])
{
	memset(addr, 0, 16);
	*af = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(*af, s, addr) != 1)
		broken("setup: bad address %s", s);
}

static uint16_t null_port(const char *name)
{
	struct rte_eth_conf conf = {0};
	uint16_t id;

	if (rte_eth_dev_get_port_by_name(name, &id) != 0 ||
	    rte_eth_dev_configure(id, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(id, 0, 64, SOCKET_ID_ANY, NULL, dp_pool) != 0 ||
	    rte_eth_tx_queue_setup(id, 0, 64, SOCKET_ID_ANY, NULL) != 0 ||
	    rte_eth_dev_start(id) != 0)
		broken("setup: cannot start %s", name);
	return id;
}

static void build_vms(struct dp_build *b)
{
	for (size_t i = 0; i < N_VMS; i++) {
		struct dp_port_conf pc = {.port = env.vm_ports[i], .vni = vms[i].vni, .n_ip4 = 1};
		uint8_t a[16];
		int af;

		parse_mac(vms[i].mac, &env.vm_mac[i]);
		memcpy(pc.mac, env.vm_mac[i].addr_bytes, 6);
		parse_ip(vms[i].ip, &af, a);
		memcpy(&pc.ip4[0], a, 4);
		env.vm_ip[i] = pc.ip4[0];
		pc.gw4 = inet_addr(GW_IP);
		memcpy(pc.gw_mac, env.gw_mac.addr_bytes, 6);
		if (dp_build_port(b, &pc) != 0)
			broken("setup: dp_build_port %s", vms[i].name);
	}
}

static void build_remotes(struct dp_build *b)
{
	struct rte_ether_addr nh;

	parse_mac("02:00:00:00:bb:02", &nh);
	for (size_t i = 0; i < N_REMOTES; i++) {
		const struct remote_desc *r = &remotes[i];
		uint8_t a[16];
		uint32_t ip;
		int af;

		parse_mac(r->mac, &env.rem_mac[i]);
		parse_ip(r->ip, &af, a);
		memcpy(&ip, a, 4);
		parse_ip(r->vtep, &env.rem_af[i], env.rem_vtep[i]);
		struct dp_remote_conf rc = {.vni = r->vni, .n_ip4 = 1, .ip4 = {ip},
					    .vtep_af = env.rem_af[i],
					    .nh_mac = r->nh_known ? nh.addr_bytes : NULL};

		memcpy(rc.mac, env.rem_mac[i].addr_bytes, 6);
		memcpy(rc.vtep, env.rem_vtep[i], 16);
		if (dp_build_remote(b, &rc) != 0)
			broken("setup: dp_build_remote %s", r->mac);
	}
}

static void build_routes(void)
{
	struct dp_route_conf subnet = {.af = AF_INET, .plen = 24, .kind = DP_NH_CONNECTED};
	rte_be32_t net = inet_addr(SUBNET);

	memcpy(subnet.addr, &net, 4);
	for (size_t i = 0; i < RTE_DIM(vpcs); i++) {
		env.rt[i] = dp_rtable_build(vpcs[i].vni, &subnet, 1, NULL, 0);
		if (env.rt[i] == NULL)
			broken("setup: dp_rtable_build");
	}
}

static void publish(void)
{
	struct dp_underlay_conf u = {.port = env.ul,
				     .tap = env.tap,
				     .vxlan_port = VXLAN_PORT,
				     .geneve_port = GENEVE_PORT,
				     .ttl = 64,
				     .sport_min = 49152,
				     .sport_max = 65535};
	struct dp_build *b = dp_build_begin();
	struct rte_ether_addr mac;
	uint8_t a[16];
	int af;

	if (b == NULL)
		broken("setup: dp_build_begin");
	parse_mac(UL_MAC, &mac);
	memcpy(u.mac, mac.addr_bytes, 6);
	parse_ip(VTEP4, &af, a);
	memcpy(&env.vtep4, a, 4);
	u.vtep4 = env.vtep4;
	parse_ip(VTEP6, &af, env.vtep6);
	memcpy(u.vtep6, env.vtep6, 16);
	if (dp_build_underlay(b, &u) != 0)
		broken("setup: dp_build_underlay");
	for (size_t i = 0; i < RTE_DIM(vpcs); i++)
		if (dp_build_vpc(b, vpcs[i].vni, vpcs[i].encap, 1500) != 0)
			broken("setup: dp_build_vpc");
	build_vms(b);
	build_remotes(b);
	/* a frame to a gateway's MAC is routed here: another host's VTEP route sent it as it was */
	for (size_t i = 0; i < RTE_DIM(vpcs); i++)
		if (dp_build_gateway(b, vpcs[i].vni, inet_addr(GW_IP), env.gw_mac.addr_bytes) != 0 ||
		    dp_build_routes(b, vpcs[i].vni, env.rt[i]) != 0)
			broken("setup: dp_build_gateway or dp_build_routes");
	if (dp_build_commit(b) != 0)
		broken("setup: dp_build_commit");
	env.snap = atomic_load(&dp_snap_current);
	env.w->snap = env.snap;
}

static void teardown(void)
{
	env.w->snap = NULL;
	dp_snap_release_all();
	for (size_t i = 0; i < RTE_DIM(vpcs); i++)
		dp_rtable_free(env.rt[i]);
	for (size_t i = 0; i < N_VMS; i++)
		dp_port_destroy(env.vm_ports[i]);
	dp_port_destroy(env.ul);
	dp_port_destroy(env.tap);
	dp_fixture_stop(env.w);
}

/*
 * EAL on the calling thread as worker 0 (the fixture's way): nothing else polls the ports.
 * --no-shconf leaves nothing in the runtime directory, so parallel runs (-jobs) may share
 * its name; one that crashes leaves it behind empty, and the next one reuses it.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const vdevs[] = {"net_null0", "net_null1", NULL};

	(void)argc;
	(void)argv;
	env.w = dp_fixture_start("fuzz_decap", N_MBUFS, vdevs);
	for (size_t i = 0; i < N_VMS; i++) {
		env.vm_ports[i] = dp_port_create(vms[i].name, 1);
		if (env.vm_ports[i] == NULL)
			broken("setup: dp_port_create %s", vms[i].name);
		env.vm_idx[i] = dp_port_index(env.vm_ports[i]);
	}
	env.ul = dp_port_create_ethdev("underlay", null_port("net_null0"));
	env.tap = dp_port_create_ethdev("exception", null_port("net_null1"));
	if (env.ul == NULL || env.tap == NULL)
		broken("setup: dp_port_create_ethdev");
	env.ul_idx = dp_port_index(env.ul);
	env.tap_idx = dp_port_index(env.tap);
	parse_mac(GW_MAC, &env.gw_mac);
	build_routes();
	publish();
	env.verbose = getenv("FUZZ_DECAP_VERBOSE") != NULL;
	atexit(teardown);
	return 0;
}

/* ---- the input ---- */

struct input {
	uint8_t ctl;
	size_t len, seg0; /* frame bytes, of them in the first segment */
	uint8_t *frame;
};

static uint8_t frame_buf[FRAME_MAX] __rte_aligned(8);

/* size >= 2 */
static void input_read(const uint8_t *data, size_t size, struct input *in)
{
	in->ctl = data[0];
	in->len = RTE_MIN(size - 2, (size_t)FRAME_MAX);
	in->frame = frame_buf;
	memcpy(frame_buf, data + 2, in->len);
	in->seg0 = in->len;
	if ((in->ctl & IN_SPLIT) && in->len >= 2)
		in->seg0 = RTE_MAX(RTE_MIN((size_t)data[1] * 8, in->len - 1), (size_t)1);
	/* neither segment holds more than its data room */
	in->seg0 = RTE_MIN(in->seg0, (size_t)SEG_MAX);
	if (in->len - in->seg0 > SEG_MAX)
		in->seg0 = in->len - SEG_MAX;
}

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* One's complement sums (RFC 1071), written here rather than taken from rte_ip.h so that the
 * switch's checksums are checked against another reading. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += be16_at(p + i);
	if (n % 2)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* A UDP datagram's sum with its pseudo-header (RFC 768, RFC 8200 8.1): over the UDP length,
 * what follows in the IP payload being padding. 0xffff when the checksum is right. */
static uint16_t udp_sum(const uint8_t *f, int af, size_t l4, size_t ulen)
{
	/* source and destination follow each other in both headers */
	const uint8_t *addrs = f + ETH_SIZE + (af == AF_INET ? 12 : 8);
	uint32_t sum = sum16(addrs, af == AF_INET ? 8 : 32, IPPROTO_UDP + (uint32_t)ulen);

	return fold(sum16(f + l4, ulen, sum));
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void udp_fix(uint8_t *f, size_t len, int af, size_t l4)
{
	size_t ulen;
	uint16_t c;

	if (len < l4 + UDP_SIZE)
		return;
	ulen = be16_at(f + l4 + 4);
	if (ulen < UDP_SIZE || len < l4 + ulen)
		return;
	put_be16(f + l4 + 6, 0);
	c = (uint16_t)~udp_sum(f, af, l4, ulen);
	put_be16(f + l4 + 6, c != 0 ? c : 0xffff); /* 0 would mean no checksum */
}

/* What bits 4 and 5 ask for: correct outer checksums where the lengths allow computing them. */
static void fix_checksums(uint8_t *f, size_t len, uint8_t ctl)
{
	if (len < ETH_SIZE)
		return;
	if (be16_at(f + 12) == RTE_ETHER_TYPE_IPV4 && len >= ETH_SIZE + IP4_SIZE) {
		uint8_t *ip = f + ETH_SIZE;
		size_t ihl = (size_t)(ip[0] & 0xf) * 4;

		if (ihl < IP4_SIZE || len < ETH_SIZE + ihl)
			return;
		if ((ctl & IN_FIX_UDP) && ip[9] == IPPROTO_UDP)
			udp_fix(f, len, AF_INET, ETH_SIZE + ihl);
		if (ctl & IN_FIX_IP4) {
			put_be16(ip + 10, 0);
			put_be16(ip + 10, (uint16_t)~fold(sum16(ip, ihl, 0)));
		}
	} else if (be16_at(f + 12) == RTE_ETHER_TYPE_IPV6 && len >= ETH_SIZE + IP6_SIZE &&
		   (ctl & IN_FIX_UDP) && f[ETH_SIZE + 6] == IPPROTO_UDP) {
		udp_fix(f, len, AF_INET6, ETH_SIZE + IP6_SIZE);
	}
}

/* One segment holding p[0..n-1]; what lies around the data in its buffer is unreadable. */
static struct rte_mbuf *segment(const uint8_t *p, size_t n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp_pool);
	uint8_t *buf;

	if (m == NULL)
		broken("the pool is empty: mbufs leaked");
	buf = m->buf_addr;
	ASAN_UNPOISON_MEMORY_REGION(buf, m->buf_len);
	memcpy(rte_pktmbuf_append(m, (uint16_t)n), p, n);
	ASAN_POISON_MEMORY_REGION(buf, m->data_off);
	ASAN_POISON_MEMORY_REGION(buf + m->data_off + n, m->buf_len - m->data_off - n);
	return m;
}

static struct rte_mbuf *input_mbuf(const struct input *in)
{
	struct rte_mbuf *m = segment(in->frame, in->seg0);

	if (in->seg0 < in->len &&
	    rte_pktmbuf_chain(m, segment(in->frame + in->seg0, in->len - in->seg0)) != 0)
		broken("setup: rte_pktmbuf_chain");
	m->ol_flags = ip_status[IN_IP_STATUS(in->ctl)] | l4_status[IN_L4_STATUS(in->ctl)];
	return m;
}

/* ---- what should happen: the frame read again, from the RFCs and the snapshot above ---- */

enum way { WAY_TAP, WAY_DROP, WAY_VM, WAY_TAP_OR_DROP, WAY_OURS };

static const char *const way_names[] = {"the exception tap", "a drop", "a VM", "the tap or a drop",
					"?"};

struct expect {
	enum way way;
	size_t vm;	     /* WAY_VM: index in vms */
	size_t outer, inner; /* WAY_VM: bytes stripped, bytes left */
	uint32_t vni;	     /* the tunnel header's, once read */
	bool routed;	     /* to the gateway: routed here (MACs rewritten, TTL decremented) */
	bool reply_routed;   /* IP: the reply is routed (and may find no way) */
};

/* A tunnel packet's outer headers. */
struct outer {
	int af;
	uint8_t src[16];
	size_t l4; /* offset of the UDP header */
	uint16_t ulen;
	enum dp_encap encap;
};

/* Ours: UDP to a tunnel port (the headers up to it were checked to be in the first segment). */
static enum way tunnel_port(const uint8_t *f, struct outer *o)
{
	uint16_t port = be16_at(f + o->l4 + 2);

	if (port == VXLAN_PORT)
		o->encap = DP_ENCAP_VXLAN;
	else if (port == GENEVE_PORT)
		o->encap = DP_ENCAP_GENEVE;
	else
		return WAY_TAP;
	return WAY_OURS;
}

/* Only UDP to our VTEP whose headers sit in the first segment can be ours; the rest, even
 * addressed to the VTEP, is the kernel's to judge. */
static enum way classify4(const uint8_t *f, size_t seg0, struct outer *o)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + ETH_SIZE);
	size_t ihl;

	if (seg0 < ETH_SIZE + IP4_SIZE || ip->dst_addr != env.vtep4 ||
	    ip->next_proto_id != IPPROTO_UDP)
		return WAY_TAP;
	ihl = (size_t)(ip->version_ihl & 0xf) * 4;
	/* no UDP header to speak of: malformed, or a later fragment whose payload may look like
	 * one; either way may be right */
	if ((ip->version_ihl >> 4) != 4 || ihl < IP4_SIZE ||
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return WAY_TAP_OR_DROP;
	if (seg0 < ETH_SIZE + ihl + UDP_SIZE)
		return WAY_TAP;
	o->af = AF_INET;
	memset(o->src, 0, sizeof(o->src));
	memcpy(o->src, &ip->src_addr, 4);
	o->l4 = ETH_SIZE + ihl;
	return tunnel_port(f, o);
}

/* Over IPv6 UDP follows the fixed header; the one extension header that can make the packet
 * ours is a first fragment's, and then it is dropped. */
static enum way classify6(const uint8_t *f, size_t seg0, struct outer *o)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(f + ETH_SIZE);
	size_t l4 = ETH_SIZE + IP6_SIZE;

	if (seg0 < l4 || memcmp(ip->dst_addr, env.vtep6, 16) != 0)
		return WAY_TAP;
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)
		return WAY_TAP_OR_DROP;
	if (ip->proto == IPPROTO_FRAGMENT) {
		const uint8_t *fh = f + l4;

		if (seg0 < l4 + 8 + UDP_SIZE || fh[0] != IPPROTO_UDP || (be16_at(fh + 2) >> 3) != 0)
			return WAY_TAP;
		l4 += 8;
	} else if (ip->proto != IPPROTO_UDP || seg0 < l4 + UDP_SIZE) {
		return WAY_TAP;
	}
	o->af = AF_INET6;
	memcpy(o->src, ip->src_addr, 16);
	o->l4 = l4;
	return tunnel_port(f, o);
}

/* The UDP checksum: none (0), vouched for by the NIC, or right over the UDP length. */
static bool udp_ok(const struct input *in, const struct outer *o)
{
	uint64_t st = l4_status[IN_L4_STATUS(in->ctl)];

	if (be16_at(in->frame + o->l4 + 6) == 0 || st == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return true;
	if (st == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return false;
	return udp_sum(in->frame, o->af, o->l4, o->ulen) == 0xffff;
}

/* Valid outer IPv4 and UDP (RFC 791, 768): lengths within the frame, no fragment, checksums
 * right unless the NIC vouched for them, never if it said they are wrong. UDP checksum 0 is
 * none; the IP payload may run past the UDP length (padding). */
static bool outer4_ok(const struct input *in, struct outer *o)
{
	const uint8_t *f = in->frame;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + ETH_SIZE);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(f + o->l4);
	size_t ihl = rte_ipv4_hdr_len(ip), tlen = rte_be_to_cpu_16(ip->total_length);
	int ip_st = IN_IP_STATUS(in->ctl);

	o->ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (tlen > in->len - ETH_SIZE || tlen < ihl + UDP_SIZE || o->ulen < UDP_SIZE ||
	    o->ulen > tlen - ihl)
		return false;
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return false;
	if (ip_status[ip_st] == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
	    (ip_status[ip_st] != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	     fold(sum16((const uint8_t *)ip, ihl, 0)) != 0xffff))
		return false;
	return udp_ok(in, o);
}

/* The same over IPv6 (RFC 8200; a zero UDP checksum accepted as RFC 6936 allows). */
static bool outer6_ok(const struct input *in, struct outer *o)
{
	const uint8_t *f = in->frame;
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(f + ETH_SIZE);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(f + o->l4);
	size_t plen = rte_be_to_cpu_16(ip->payload_len);

	if (ip->proto == IPPROTO_FRAGMENT)
		return false;
	o->ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (IP6_SIZE + plen > in->len - ETH_SIZE || plen < UDP_SIZE || o->ulen < UDP_SIZE ||
	    o->ulen > plen)
		return false;
	return udp_ok(in, o);
}

/* VXLAN (RFC 7348: I flag set) or Geneve (RFC 8926: version 0, no O bit, Ethernet inside, no
 * critical option since none is known) within the UDP length and the first segment. */
static bool tunnel_hdr_ok(const struct input *in, const struct outer *o, uint32_t *vni,
			  size_t *size)
{
	const uint8_t *t = in->frame + o->l4 + UDP_SIZE;
	size_t avail = RTE_MIN((size_t)o->ulen - UDP_SIZE, in->seg0 - (o->l4 + UDP_SIZE));
	size_t opts;

	if (avail < 8)
		return false;
	*vni = (uint32_t)t[4] << 16 | (uint32_t)t[5] << 8 | t[6];
	*size = 8;
	if (o->encap == DP_ENCAP_VXLAN)
		return (t[0] & 0x08) != 0;
	opts = (size_t)(t[0] & 0x3f) * 4;
	if ((t[0] >> 6) != 0 || opts > avail - 8 || (t[1] & 0x80) || be16_at(t + 2) != 0x6558)
		return false;
	for (size_t off = 0; off < opts;) {
		const uint8_t *opt = t + 8 + off;
		size_t data;

		if (opts - off < 4)
			return false;
		data = (size_t)(opt[3] & 0x1f) * 4;
		if (opts - off - 4 < data || (opt[2] & 0x80))
			return false;
		off += 4 + data;
	}
	*size = 8 + opts;
	return true;
}

/* Whose the inner frame is: from a VM of that VNI behind the sending VTEP, or from the VPC's
 * gateway (the sending host routed it) by any VTEP of that VNI, to a local VM of that VNI
 * (unicast). */
static enum way inner_owner(const struct input *in, const struct outer *o, struct expect *e)
{
	const struct rte_ether_addr *dst = (const struct rte_ether_addr *)(in->frame + e->outer);
	const struct rte_ether_addr *src = dst + 1;
	size_t alen = o->af == AF_INET ? 4 : 16;
	const uint8_t *l3 = in->frame + e->outer + ETH_SIZE;
	uint16_t type = be16_at(l3 - 2);
	bool vpc = false, sender = false, ip4 = false;

	for (size_t i = 0; i < RTE_DIM(vpcs); i++)
		vpc |= vpcs[i].vni == e->vni && vpcs[i].encap == o->encap;
	for (size_t i = 0; i < N_REMOTES; i++)
		sender |= remotes[i].vni == e->vni && env.rem_af[i] == o->af &&
			  memcmp(env.rem_vtep[i], o->src, alen) == 0 &&
			  (rte_is_same_ether_addr(&env.rem_mac[i], src) ||
			   rte_is_same_ether_addr(&env.gw_mac, src));
	if (!vpc || !sender || !rte_is_unicast_ether_addr(dst))
		return WAY_DROP;
	e->routed = rte_is_same_ether_addr(&env.gw_mac, dst);
	e->reply_routed = (type == RTE_ETHER_TYPE_IPV4 || type == RTE_ETHER_TYPE_IPV6) &&
			  (e->routed || rte_is_same_ether_addr(&env.gw_mac, src));
	/* routed here by the inner IPv4 destination (the VPCs' only subnets are IPv4) */
	ip4 = type == RTE_ETHER_TYPE_IPV4 && e->inner >= ETH_SIZE + IP4_SIZE;
	if (e->routed && !ip4)
		return WAY_DROP;
	for (e->vm = 0; e->vm < N_VMS; e->vm++)
		if (vms[e->vm].vni == e->vni &&
		    (e->routed ? memcmp(l3 + 16, &env.vm_ip[e->vm], 4) == 0
			       : rte_is_same_ether_addr(&env.vm_mac[e->vm], dst)))
			return WAY_VM;
	return WAY_DROP;
}

static void expect(const struct input *in, struct expect *e)
{
	const uint8_t *f = in->frame;
	struct outer o;
	size_t tun;

	memset(e, 0, sizeof(*e));
	if (in->seg0 < ETH_SIZE) {
		e->way = WAY_DROP; /* a runt, or a first segment too short to say */
		return;
	}
	if (be16_at(f + 12) == RTE_ETHER_TYPE_IPV4)
		e->way = classify4(f, in->seg0, &o);
	else if (be16_at(f + 12) == RTE_ETHER_TYPE_IPV6)
		e->way = classify6(f, in->seg0, &o);
	else
		e->way = WAY_TAP;
	if (e->way != WAY_OURS)
		return;
	e->way = WAY_DROP;
	if (!(o.af == AF_INET ? outer4_ok(in, &o) : outer6_ok(in, &o)) ||
	    !tunnel_hdr_ok(in, &o, &e->vni, &tun))
		return;
	e->outer = o.l4 + UDP_SIZE + tun;
	if (o.ulen < UDP_SIZE + tun + ETH_SIZE || in->seg0 < e->outer + ETH_SIZE)
		return;
	e->inner = o.ulen - UDP_SIZE - tun;
	e->way = inner_owner(in, &o, e);
}

/* ---- what happened ---- */

static uint64_t drops_total(const struct dp_counters *c, enum dp_drop_reason *reason)
{
	uint64_t n = 0;

	for (int r = 0; r < DP_DROP_MAX; r++) {
		if (c->drops[r] != 0)
			*reason = (enum dp_drop_reason)r;
		n += c->drops[r];
	}
	return n;
}

/* The packet left exactly one way: one drop counted on the underlay port, or one packet in
 * exactly one port's tx buffer. Returns the way, *vm for WAY_VM. */
static enum way outcome(const struct input *in, struct rte_mbuf *m, size_t *vm,
			enum dp_drop_reason *reason)
{
	const struct dp_worker *w = env.w;
	const struct dp_counters *c = &w->ports[env.ul_idx];
	uint64_t drops = drops_total(c, reason);
	uint16_t port;

	if (c->rx_pkts != 1 || c->rx_bytes != in->len)
		broken("rx counted %" PRIu64 " packets of %" PRIu64 " bytes, not 1 of %zu",
		       c->rx_pkts, c->rx_bytes, in->len);
	if (w->n_drops + w->n_dirty != 1 || drops != w->n_drops)
		broken("%u drops (%" PRIu64 " counted) and %u ports with packets for one packet",
		       w->n_drops, drops, w->n_dirty);
	if (w->n_drops == 1) {
		if (w->drops[0] != m)
			broken("another mbuf dropped than the one received");
		if ((*reason == DP_DROP_RUNT) != (in->seg0 < ETH_SIZE))
			broken("drop as %s with a first segment of %zu bytes",
			       dp_drop_name(*reason), in->seg0);
		return WAY_DROP;
	}
	port = w->dirty[0];
	if (port >= DP_PORTS_MAX || w->tx[port].n != 1 || w->tx[port].pkts[0] != m)
		broken("the packet is not alone in the tx buffer of port %u", port);
	if (port == env.tap_idx)
		return WAY_TAP;
	for (*vm = 0; *vm < N_VMS; (*vm)++)
		if (port == env.vm_idx[*vm])
			return WAY_VM;
	broken("sent to port %u, neither a VM nor the exception tap", port);
	return WAY_DROP;
}

/* m holds exactly bytes p[0..n-1], in a consistent chain. */
static void same_bytes(const struct rte_mbuf *m, const uint8_t *p, size_t n, const char *what)
{
	static uint8_t copy[FRAME_MAX];
	const char *why;
	const uint8_t *b;

	if (rte_mbuf_check(m, 1, &why) != 0)
		broken("%s: inconsistent mbuf: %s", what, why);
	if (rte_pktmbuf_pkt_len(m) != n)
		broken("%s: %u bytes, not %zu", what, rte_pktmbuf_pkt_len(m), n);
	b = rte_pktmbuf_read(m, 0, (uint32_t)n, copy);
	if (n > 0 && (b == NULL || memcmp(b, p, n) != 0))
		broken("%s: bytes changed", what);
}

/* Decap passed and the inner frame then met the flow cache stage (dp_flow.c, fuzzed by
 * fuzz_ct): its parser and connection tracking may refuse it by their own names. */
static bool flow_stage_reason(enum dp_drop_reason r)
{
	switch (r) {
	case DP_DROP_ETHERTYPE:
	case DP_DROP_IPV4_MALFORMED:
	case DP_DROP_IPV6_MALFORMED:
	case DP_DROP_IPV6_EXT_MALFORMED:
	case DP_DROP_L4_MALFORMED:
	case DP_DROP_IP_FRAGMENT:
	case DP_DROP_CT_INVALID:
	case DP_DROP_ICMP_ERROR_MISMATCH:
		return true;
	default:
		return false;
	}
}

/* A frame whose reply is routed: its connection is opened only if the reply has a way back
 * (a route, a neighbour that is not the sender itself or the gateway). */
static bool reply_route_reason(enum dp_drop_reason r)
{
	return r == DP_DROP_NO_ROUTE || r == DP_DROP_NO_NEIGHBOR || r == DP_DROP_TO_GATEWAY ||
	       r == DP_DROP_HAIRPIN || r == DP_DROP_ROUTE_BLACKHOLE;
}

/* The one's complement sum of an IPv4 header: 0xffff when its checksum is right. */
static uint16_t ip4_sum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += be16_at(h + i);
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Routed to vm: the frame as it came, but from the gateway to vm, its TTL one less and its
 * header checksum as right (or wrong) as it was. */
static void same_routed(const struct rte_mbuf *m, const uint8_t *p, size_t n, size_t vm)
{
	static uint8_t want[FRAME_MAX];
	static uint8_t copy[FRAME_MAX];
	const uint8_t *b;
	size_t hlen = (size_t)(p[ETH_SIZE] & 0x0f) * 4;

	if (rte_pktmbuf_pkt_len(m) != n || hlen < IP4_SIZE || ETH_SIZE + hlen > n)
		broken("routed to %s: %u bytes of %zu, header of %zu", vms[vm].name,
		       rte_pktmbuf_pkt_len(m), n, hlen);
	b = rte_pktmbuf_read(m, 0, (uint32_t)n, copy);
	if (b == NULL)
		broken("routed to %s: unreadable", vms[vm].name);
	memcpy(want, p, n);
	memcpy(want, env.vm_mac[vm].addr_bytes, 6);
	memcpy(want + 6, env.gw_mac.addr_bytes, 6);
	want[ETH_SIZE + 8] = (uint8_t)(p[ETH_SIZE + 8] - 1);
	want[ETH_SIZE + 10] = b[ETH_SIZE + 10];
	want[ETH_SIZE + 11] = b[ETH_SIZE + 11];
	if (p[ETH_SIZE + 8] <= 1 || memcmp(b, want, n) != 0)
		broken("routed to %s: bytes other than the MACs and the TTL changed", vms[vm].name);
	if ((ip4_sum(b + ETH_SIZE, hlen) == 0xffff) != (ip4_sum(p + ETH_SIZE, hlen) == 0xffff))
		broken("routed to %s: the header checksum changed its mind", vms[vm].name);
	same_bytes(m, b, n, "routed to a VM");
}

static void check(const struct input *in, struct rte_mbuf *m)
{
	struct expect e;
	enum dp_drop_reason reason = DP_DROP_MAX;
	size_t vm = 0;
	enum way got = outcome(in, m, &vm, &reason);

	expect(in, &e);
	if (env.verbose)
		fprintf(stderr, "fuzz_decap: %zu bytes (first segment %zu): %s%s%s\n", in->len,
			in->seg0, got == WAY_VM ? vms[vm].name : way_names[got],
			got == WAY_DROP ? " as " : "", got == WAY_DROP ? dp_drop_name(reason) : "");
	if (e.way == WAY_VM && got == WAY_DROP &&
	    (flow_stage_reason(reason) || (e.routed && reason == DP_DROP_TTL_EXPIRED) ||
	     (e.reply_routed && reply_route_reason(reason))))
		return;
	if (got != e.way && !(e.way == WAY_TAP_OR_DROP && got != WAY_VM))
		broken("went to %s, not %s (vni %u, first segment %zu of %zu bytes)",
		       way_names[got], way_names[e.way], e.vni, in->seg0, in->len);
	if (got == WAY_TAP)
		same_bytes(m, in->frame, in->len, "to the tap");
	if (got != WAY_VM)
		return;
	if (env.snap->ports[env.vm_idx[vm]].vni != e.vni)
		broken("a frame of VNI %u delivered to %s in VNI %u", e.vni, vms[vm].name,
		       env.snap->ports[env.vm_idx[vm]].vni);
	if (vm != e.vm)
		broken("delivered to %s, not %s", vms[vm].name, vms[e.vm].name);
	if (e.routed)
		same_routed(m, in->frame + e.outer, e.inner, vm);
	else
		same_bytes(m, in->frame + e.outer, e.inner, "to a VM");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_worker *w = env.w;
	struct rte_mbuf *m;
	struct input in;

	if (size < 2)
		return -1;
	input_read(data, size, &in);
	fix_checksums(in.frame, in.len, in.ctl);
	m = input_mbuf(&in);
	memset(&w->ports[env.ul_idx], 0, sizeof(w->ports[env.ul_idx]));
	dp_underlay_input_burst(w, &env.snap->ports[env.ul_idx], &m, 1);
	check(&in, m);
	/* the VM ports have no device: what is queued for them is dropped and freed here */
	dp_worker_flush(w);
	/* each input starts from an empty connection table: no earlier input decides it */
	dp_ct_flush_port(env.ul_idx);
	if (rte_mempool_avail_count(dp_pool) != N_MBUFS)
		broken("%u mbufs of %u back in the pool", rte_mempool_avail_count(dp_pool),
		       N_MBUFS);
	return 0;
}
