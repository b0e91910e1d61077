/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dataplane internals shared by the stage files: the port runtime object, the published
 * snapshot, the per-worker context (tx buffers, counters) and the drop/tx helpers every stage
 * ends a packet with. Each struct says who writes each field.
 */
#ifndef VPCSW_DP_PRIVATE_H
#define VPCSW_DP_PRIVATE_H

#include <stdatomic.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dp.h"
#include "dp_ct.h"
#include "dp_nat.h"
#include "dp_trace.h"

struct sg_acl;
struct dp_trace_buf;

#define DP_BURST 32

extern int dp_logtype;
#define DP_LOG(level, fmt, ...) rte_log(RTE_LOG_##level, dp_logtype, "dp: " fmt "\n", ##__VA_ARGS__)

enum dp_port_kind {
	DP_PORT_VHOST,  /* a VM, through rte_vhost */
	DP_PORT_ETHDEV, /* any DPDK port: the underlay NIC, the exception-path tap */
};

/* What a port's received packets go through. */
enum dp_port_role {
	DP_ROLE_VM,        /* port security, ARP, delivery or encap */
	DP_ROLE_UNDERLAY,  /* decap what is ours, everything else to the exception path */
	DP_ROLE_EXCEPTION, /* the host kernel's own underlay traffic: out the underlay as is */
	DP_ROLE_HEALTH,    /* the health checker's tap (dp_health.c) */
};

struct dp_port {
	/* immutable after dp_port_create */
	uint16_t idx;
	uint16_t n_queues;
	enum dp_port_kind kind;
	uint16_t eth_port; /* DP_PORT_ETHDEV: its DPDK port id, one tx queue per worker */
	char name[DP_NAME_SIZE];
	/*
	 * Written by the control thread (attach) or a vhost callback (detach, vring state), read
	 * by workers once per burst. A writer that takes a device or ring away waits for an RCU
	 * grace period before returning, so a worker that loaded the old value is done with it.
	 */
	_Atomic int vid;           /* -1: no device */
	_Atomic uint32_t rx_rings; /* bit q: guest TX ring of queue pair q enabled (we dequeue) */
	_Atomic uint32_t tx_rings; /* bit q: guest RX ring of queue pair q enabled (we enqueue) */
};

/* One queue of one port that a worker polls. */
struct dp_rxq {
	struct dp_port *port;
	uint16_t queue;
	bool kernel; /* a kernel device (the exception tap): each poll is a syscall */
};

/* Per-port configuration in a snapshot, indexed by port index. Immutable once published. */
struct dp_port_snap {
	struct dp_port *port; /* NULL: index not in use */
	enum dp_port_role role;
	uint32_t vni;
	struct rte_ether_addr mac;
	uint8_t n_ip4, n_ip6;
	rte_be32_t ip4[DP_PORT_IPS_MAX];
	uint8_t ip6[DP_PORT_IPS_MAX][16];
	rte_be32_t gw4; /* 0: no IPv4 gateway to send ICMP errors from */
	struct rte_ether_addr gw_mac;
	bool has_gw6;   /* an IPv6 gateway to send ICMPv6 errors from */
	uint8_t gw6[16];
	struct rte_ether_addr gw6_mac;
	/* its security groups, compiled; NULL: that direction is not filtered (the control
	 * plane always gives both; NULL serves dataplane tests without groups) */
	const struct sg_acl *sg_in, *sg_out;
	uint32_t ct_max; /* connections it may be part of */
	bool forwarding; /* a virtual appliance: any source address */
	uint16_t mtu;    /* its VPC's */
	uint8_t gw6_ll[16]; /* its IPv6 gateway's link-local address (fe80::EUI-64 of gw6_mac) */
	bool has_dhcp4, has_dhcp6;
	struct dhcp4_lease dhcp4;
	struct dhcp6_lease dhcp6;
	uint8_t n_ra_prefixes;
	struct {
		uint8_t addr[16];
		uint8_t plen;
	} ra_prefixes[DP_PORT_IPS_MAX];
	uint16_t hc_slot[DP_PORT_IPS_MAX]; /* per ip4: the health checker's slot + 1; 0 none */
	bool hc_any;			   /* some address of it is probed */
};

/*
 * Keys of the per-VPC MAC table and of the ARP table. Padding is zeroed (it is hashed), and
 * keys are 8-byte aligned because rte_hash_crc reads them 8 bytes at a time.
 */
struct dp_l2_key {
	uint32_t vni;
	struct rte_ether_addr mac;
	uint8_t pad[6];
} __rte_aligned(8);

/* The neighbour table: every address of the VPC the switch answers ARP and ND for (VMs
 * here and on other hosts, gateways), to its MAC. IPv4 in the first 4 bytes, rest zero. */
struct dp_nbr_key {
	uint32_t vni;
	uint32_t af;
	uint8_t ip[16];
} __rte_aligned(8);

/* dp_l2 table values: a port index, this for a subnet gateway MAC, or DP_L2_REMOTE plus the
 * index of a remote endpoint in the snapshot. */
#define DP_L2_GATEWAY ((uintptr_t)0xffff)
#define DP_L2_REMOTE ((uintptr_t)0x10000)

/* Outer Ethernet + IPv4 or IPv6 + UDP + VXLAN or option-less Geneve: 50 or 70 bytes. */
#define DP_TMPL_SIZE4 50
#define DP_TMPL_SIZE6 70
#define DP_TMPL_MAX 72

/* A VM on another host, in a snapshot. Immutable once published, except want_resolve. */
struct dp_remote {
	uint32_t vni;
	struct rte_ether_addr mac;
	struct rte_ether_addr gw_mac, gw6_mac; /* source MACs of frames routed to it */
	bool tunnel_only; /* a VTEP routes send to, no VM: not in the MAC or neighbour tables */
	uint8_t n_ip4, n_ip6;
	uint8_t vtep_af;
	uint8_t tmpl_len;   /* DP_TMPL_SIZE4 or DP_TMPL_SIZE6 */
	bool nh_known;
	/* DP_DROP_MAX: encapsulate; else why not: no underlay of the VTEP's family, or no
	 * neighbour MAC yet */
	uint16_t verdict;
	uint16_t mtu;       /* its VPC's */
	rte_be32_t ip4[DP_PORT_IPS_MAX];
	uint8_t ip6[DP_PORT_IPS_MAX][16];
	uint8_t vtep[16];
	uint8_t tmpl[DP_TMPL_MAX] __rte_aligned(8); /* outer headers, lengths and ports to patch */
	/* Hints from the workers to the control thread, which reads and clears them: the
	 * neighbour is missing, or the VTEP carried traffic (its neighbour entry is kept fresh) */
	_Atomic bool want_resolve;
	_Atomic bool used;
};

/* Underlay settings in a snapshot (see dp_underlay_conf). */
struct dp_underlay {
	bool present;
	bool has_vtep4, has_vtep6;
	bool tx_ip4_cksum, tx_udp_cksum; /* the underlay port computes them */
	uint16_t port_idx, tap_idx;
	rte_be32_t vtep4;
	uint8_t vtep6[16];
	struct rte_ether_addr mac;
	rte_be16_t vxlan_port, geneve_port;
	uint16_t sport_min, sport_span;
};

/* Key of the accepted-VTEP table: a tunnel packet for vni must come from one of these. The
 * value is the index, plus one, of a remote entry that encapsulates to it. */
struct dp_vtep_key {
	uint32_t vni;
	uint32_t af;
	uint8_t ip[16];
} __rte_aligned(8);

/* The health checker in a snapshot (dp_health.c). */
struct dp_hc_target {
	uint16_t port_idx;
	uint8_t ip_idx; /* which address of the port's */
	bool used;
};

struct dp_health {
	bool present;
	uint16_t tap_idx;
	struct rte_ether_addr tap_mac;
	struct dp_hc_target *targets; /* DP_HC_SLOTS of them */
};

/* A VPC this host serves. */
struct dp_vpc_snap {
	uint32_t vni;
	uint16_t mtu;
	uint8_t encap;               /* enum dp_encap */
	const struct dp_rtable *rt;  /* NULL: nothing is routed */
};

/* A load balancer listener's backend, in a snapshot (dp_lb.c). */
struct dp_lb_backend {
	uint8_t addr[16];
	rte_be16_t port;
	uint8_t plen;       /* of the subnet it lives in */
	uint8_t subnet[16];
	bool usable; /* in the table: takes new connections */
};

/* A load balancer listener in a snapshot: vip:port of one VPC. */
struct dp_lb_listener {
	uint32_t vni;
	uint8_t af, proto;
	rte_be16_t port;
	uint8_t vip[16];
	struct rte_ether_addr gw_mac; /* what ARP and ND answer for the VIP */
	bool removed_drop;
	uint32_t affinity_s; /* 0: none */
	uint32_t n_backends;
	struct dp_lb_backend *backends;
	uint32_t table_size; /* 0: no backend takes new connections */
	uint16_t *table;
};

/* The configuration workers run on. Built and published by the control thread; immutable. */
struct dp_snap {
	uint64_t gen;
	uint32_t flow_gen; /* changes with every build that may change a verdict; never 0 */
	struct rte_hash *l2;  /* dp_l2_key -> port index or DP_L2_GATEWAY */
	struct rte_hash *nbr; /* dp_nbr_key -> MAC packed in the data pointer */
	struct dp_port_snap ports[DP_PORTS_MAX];
	uint32_t n_remotes;
	struct dp_remote *remotes;
	struct dp_underlay underlay;
	struct rte_hash *vnis;  /* vni -> its struct dp_vpc_snap */
	uint32_t n_vpcs;
	struct dp_vpc_snap *vpcs;
	struct rte_hash *vteps; /* dp_vtep_key -> 1 */
	struct rte_hash *lb_vips;    /* dp_lb_key -> listener index; NULL: no listener */
	struct rte_hash *lb_members; /* dp_lb_member_key -> 1 */
	uint32_t n_lbs;
	struct dp_lb_listener *lbs;
	struct dp_health health;
	uint16_t n_rxqs[RTE_MAX_LCORE];
	struct dp_rxq *rxqs[RTE_MAX_LCORE]; /* per worker index */
};

struct dp_counters {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes, tx_drops;
	uint64_t rxq_pkts[DP_QUEUES_MAX]; /* per queue pair: shows how the guest spreads load */
	uint64_t drops[DP_DROP_MAX];
};

struct dp_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[DP_BURST];
};

/* A worker's private context. Counters: written by the worker, read by the control thread
 * (torn reads of a 64-bit counter cannot happen on the 64-bit targets we build for). */
struct dp_worker {
	unsigned int idx, lcore;
	const struct dp_snap *snap; /* valid between two quiescent reports */
	uint16_t n_dirty;
	uint16_t dirty[DP_BURST];
	uint16_t n_drops;
	struct rte_mbuf *drops[DP_BURST * 2];
	uint64_t pkts, busy_cycles, polls, busy_polls;
	uint64_t kernel_poll_next; /* TSC: when the kernel queues are polled next */
	/* observation, read once per round from what the control thread armed: a capture
	 * (dp_capture.c) or a live trace (dp_trace.c) is on; off, each point costs a branch */
	bool capturing;
	bool tracing;
	/* a trace run by the control thread (dp_trace.h): no side effect outside this context */
	bool dry;
	struct dp_trace_buf *trace; /* where this worker's trace records go */
	uint32_t now; /* dp_ct_clock() at the start of the burst */
	uint64_t ct_created, ct_hits, ct_revalidated;
	/* per port: packets it sent the health checker in the dp_ct_clock second hc_second */
	uint32_t hc_second[DP_PORTS_MAX];
	uint16_t hc_pkts[DP_PORTS_MAX];
	struct dp_txbuf tx[DP_PORTS_MAX];
	struct dp_counters ports[DP_PORTS_MAX];
	uint64_t rule_hits[DP_RULE_IDS]; /* connections (or untracked packets) each rule let in */
} __rte_cache_aligned;

/* Globals owned by dp_worker.c / dp_snap.c. */
extern struct rte_mempool *dp_pool;
extern struct rte_rcu_qsbr *dp_qsbr;
extern struct dp_worker *dp_workers[RTE_MAX_LCORE];
extern unsigned int dp_n_workers;
extern struct dp_snap *_Atomic dp_snap_current;

/* A fragment (first or later): its L4 header is not where it seems, or not there at all. */
static inline bool dp_ipv4_is_fragment(const struct rte_ipv4_hdr *ip)
{
	return (ip->fragment_offset &
		rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;
}

/* fe80::/64 with the modified EUI-64 of mac (RFC 4291 2.5.1): a router's link-local address,
 * where router advertisements come from and a VM's default route points. */
static inline void dp_link_local(uint8_t ll[16], const struct rte_ether_addr *mac)
{
	const uint8_t *m = mac->addr_bytes;

	memset(ll, 0, 16);
	ll[0] = 0xfe;
	ll[1] = 0x80;
	ll[8] = m[0] ^ 0x02;
	ll[9] = m[1];
	ll[10] = m[2];
	ll[11] = 0xff;
	ll[12] = 0xfe;
	ll[13] = m[3];
	ll[14] = m[4];
	ll[15] = m[5];
}

static inline bool dp_traced(const struct dp_worker *w, const struct rte_mbuf *m)
{
	return unlikely(w->tracing) && (m->ol_flags & dp_trace_flag) != 0;
}

/* Every packet that stops here is counted against its ingress port and freed in bulk. */
static inline void dp_drop(struct dp_worker *w, uint16_t in_port, struct rte_mbuf *m,
			   enum dp_drop_reason r)
{
	if (dp_traced(w, m))
		dp_trace_note(w, m, DP_TS_DROP, in_port, r, 0, 0);
	w->ports[in_port].drops[r]++;
	w->drops[w->n_drops++] = m;
}

/* A packet the switch itself answered (ARP, ND, DHCP): freed with the drops, not counted. */
static inline void dp_consume(struct dp_worker *w, struct rte_mbuf *m)
{
	if (dp_traced(w, m))
		dp_trace_note(w, m, DP_TS_ANSWERED, 0, 0, 0, 0);
	w->drops[w->n_drops++] = m;
}

static inline void dp_tx(struct dp_worker *w, uint16_t out_port, struct rte_mbuf *m)
{
	struct dp_txbuf *tb = &w->tx[out_port];

	if (dp_traced(w, m))
		dp_trace_note(w, m, DP_TS_TX, out_port, 0, 0, 0);

	if (tb->n == 0)
		w->dirty[w->n_dirty++] = out_port;
	tb->pkts[tb->n++] = m;
}

/* Pipeline stages over one received burst of a VM port. Each keeps in pkts the packets that
 * go on and returns their count; the rest were sent (dp_tx) or dropped (dp_drop). */
/* Port security; packets for the switch itself (ARP, neighbour and router solicitations,
 * DHCP) go to svcs, already checked. */
uint16_t dp_portsec_burst(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf **pkts,
			  uint16_t n, struct rte_mbuf **svcs, uint16_t *n_svcs);
void dp_arp_burst(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf **pkts,
		  uint16_t n);
/* What the switch answers in place of a router and a DHCP server (dp_svc.c). */
void dp_svc_burst(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf **pkts,
		  uint16_t n);
void dp_nd_input(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf *m);
void dp_dhcp4_input(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf *m);
void dp_dhcp6_input(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf *m);
/* Routing (dp_l3.c). The route for a frame k addressed to a gateway: a DP_ACT_ROUTED action
 * or why none; *route: the route that matched (unchanged if none did). */
struct dp_nh;
enum dp_drop_reason dp_route_decide(const struct dp_snap *s, const struct dp_flow_key *k,
				    uint32_t *act, const struct dp_nh **route);
bool dp_route_ttl_expired(const struct rte_mbuf *m);
/* Per packet of a routed action: TTL (expired: ICMP error, drop, false), MACs. */
bool dp_route_forward(struct dp_worker *w, uint16_t in_port, uint32_t act, struct rte_mbuf *m);
/* A new frame for the port's VM (by its MAC: a routed packet's may have been rewritten), from
 * `from`, with len bytes after Ethernet: NULL if no buffer (answers are best effort). */
struct rte_ether_hdr *dp_vm_frame(const struct dp_port_snap *in, const struct rte_ether_addr *from,
				  uint16_t ethertype, uint16_t len, struct rte_mbuf **out);
/* ICMP "time exceeded in transit" (ICMPv6 "hop limit exceeded") from the VM's gateway. */
void dp_icmp_time_exceeded(struct dp_worker *w, const struct dp_port_snap *in,
			   const struct rte_mbuf *m);
/* Answer an echo request to a gateway address in place, back out of in (consumes m). */
void dp_icmp_echo_reply(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf *m);
/* The flow cache and connection tracking: every IP packet of a VM (in_port a VM port, vni
 * its VPC's) or decapsulated from the underlay (in_port the underlay, vni per packet), its
 * source already checked; each is forwarded by its connection's cached action, or walks
 * the tables and the security groups as a new connection, or is dropped by name. */
void dp_flow_burst(struct dp_worker *w, uint16_t in_port, const uint32_t *vnis,
		   struct rte_mbuf **pkts, uint16_t n);
/* Delete every connection a port takes part in (control thread, the port out of every
 * published snapshot). */
void dp_ct_flush_port(uint16_t port_idx);
void dp_vm_input_burst(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf **pkts,
		       uint16_t n);
void dp_underlay_input_burst(struct dp_worker *w, const struct dp_port_snap *in,
			     struct rte_mbuf **pkts, uint16_t n);
/* dp_health.c: the checker's packets to backends, and a VM's answers to it (true: taken;
 * only for a port with hc_any) */
void dp_health_input_burst(struct dp_worker *w, const struct dp_port_snap *in,
			   struct rte_mbuf **pkts, uint16_t n);
bool dp_health_from_vm(struct dp_worker *w, const struct dp_port_snap *in, struct rte_mbuf *m);
/* Encapsulate m for remote r and queue it on the underlay, or drop it by name. */
void dp_encap(struct dp_worker *w, uint16_t in_port, struct dp_remote *r, struct rte_mbuf *m);
/* Tell the VM that sent m (an IPv4 packet with DF) that mtu is the most its path takes:
 * ICMP "fragmentation needed" from its gateway. m stays the caller's. */
void dp_icmp_frag_needed(struct dp_worker *w, const struct dp_port_snap *in,
			 const struct rte_mbuf *m, uint16_t mtu);
/* The same for an IPv6 packet: ICMPv6 "packet too big" (RFC 4443 3.2) from its gateway. */
void dp_icmp6_too_big(struct dp_worker *w, const struct dp_port_snap *in,
		      const struct rte_mbuf *m, uint16_t mtu);
/* Build r's outer header template (control thread, at snapshot build). */
void dp_tmpl_build(struct dp_remote *r, const struct dp_underlay *u, enum dp_encap encap,
		   uint8_t ttl, const struct rte_ether_addr *nh_mac);

/* Every received burst, by the role of the port it came from. */
static inline void dp_input_burst(struct dp_worker *w, const struct dp_port_snap *in,
				  struct rte_mbuf **pkts, uint16_t n)
{
	switch (in->role) {
	case DP_ROLE_VM:
		dp_vm_input_burst(w, in, pkts, n);
		break;
	case DP_ROLE_UNDERLAY:
		dp_underlay_input_burst(w, in, pkts, n);
		break;
	case DP_ROLE_HEALTH:
		dp_health_input_burst(w, in, pkts, n);
		break;
	case DP_ROLE_EXCEPTION: {
		/* the host kernel's own underlay traffic (ARP, ICMP, ...): out as it is */
		struct dp_counters *c = &w->ports[in->port->idx];

		c->rx_pkts += n;
		for (uint16_t i = 0; i < n; i++) {
			c->rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
			dp_tx(w, w->snap->underlay.port_idx, pkts[i]);
		}
		break;
	}
	}
}

/* Where a frame for k->dst_mac goes (dp_flow.c): an action or why nowhere; *route: the
 * route that chose it, if one did. */
enum dp_drop_reason dp_dest_of(const struct dp_snap *s, const struct dp_flow_key *k,
			       uint32_t *act, const struct dp_nh **route);

#include "dp_lb.h"

/* Frees the published snapshot (shutdown, workers stopped). */
void dp_snap_release_all(void);

/* Sends every buffered packet and frees every dropped one (end of a burst). */
void dp_worker_flush(struct dp_worker *w);

#include "dp_capture.h" /* the capture points (dp_capture) every stage may call */

#endif
