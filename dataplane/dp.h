/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's public face: port runtime objects, the configuration snapshot the workers
 * read through RCU, worker start/stop, and counters. The control thread builds a snapshot
 * with dp_build_*, dp_build_commit publishes it; the workers never wait for it.
 */
#ifndef VPCSW_DP_H
#define VPCSW_DP_H

#include <stdbool.h>
#include <stdint.h>

#include "ct.h"
#include "dhcp.h"

struct sg_acl;
struct dp_rtable;

#define DP_PORTS_MAX 1024
#define DP_PORT_IPS_MAX 8
#define DP_QUEUES_MAX 16
#define DP_NAME_SIZE 32

enum dp_drop_reason {
#define DP_DROP(id, name, text) DP_DROP_##id,
#include "dp_drop.def"
#undef DP_DROP
	DP_DROP_MAX
};

const char *dp_drop_name(enum dp_drop_reason r);
const char *dp_drop_text(enum dp_drop_reason r);

struct dp_params {
	unsigned int n_mbufs;       /* packet buffers in the shared pool */
	unsigned int idle_sleep_us; /* 0: busy-poll; else a worker sleeps this long when idle */
	uint32_t ct_max;            /* connections the host may track */
	uint32_t ct_port_max;       /* default limit of connections a port takes part in */
};

/** Create the mempool and RCU state and launch a worker on every non-main lcore.
 *  Main lcore only, after rte_eal_init. Returns 0, -ENODEV (no worker lcore), -ENOMEM. */
int dp_init(const struct dp_params *p);
/** Stop and join the workers; nothing polls or transmits afterwards, so ports may be torn
 *  down in any order. Main lcore; idempotent. */
void dp_stop(void);
/** dp_stop, then free the snapshot and pool. Main lcore; safe if init failed. */
void dp_fini(void);
unsigned int dp_worker_count(void);
/** The packet buffer pool, for the DPDK ports the control thread sets up. */
struct rte_mempool *dp_mempool(void);

/*
 * A port's runtime object: one per VM port, lives from dp_port_create until dp_port_destroy
 * (called only once a snapshot without it has been published). Its device binding changes
 * under the workers' feet, through the two calls below.
 */
struct dp_port;

/** Control thread. Returns NULL with errno = ENOSPC (no free index) or ENOMEM. */
struct dp_port *dp_port_create(const char *name, uint16_t n_queues);
/** A DPDK port the caller configured and started with one rx queue and dp_worker_count()
 *  tx queues (each worker sends on its own). Control thread. NULL with errno as above. */
struct dp_port *dp_port_create_ethdev(const char *name, uint16_t eth_port);
/** Control thread; accepts NULL. The port must be in no published snapshot. */
void dp_port_destroy(struct dp_port *port);
uint16_t dp_port_index(const struct dp_port *port);
/** Bind a vhost device id to the port so workers use it. Caller serialises with detach. */
void dp_port_attach_vhost(struct dp_port *port, int vid);
/** Unbind the vhost device and wait until no worker uses it any more. Any thread that is not
 *  a worker (the vhost library's callbacks call it: they must not return before that). */
void dp_port_detach_vhost(struct dp_port *port);
/** Record a ring's enable state (virtio queue index as in rte_vhost). Never waits: rte_vhost
 *  calls this from a callback that holds the rings' locks. Any non-worker thread. */
void dp_port_set_vring(struct dp_port *port, uint16_t vring, bool enable);
/** All rings disabled: a new vhost connection starts from nothing. Any non-worker thread. */
void dp_port_reset_vrings(struct dp_port *port);
int dp_port_vid(const struct dp_port *port);

/*
 * Snapshot construction (control thread). A build that fails leaves the published snapshot
 * in place: dp_build_abort frees it.
 */
struct dp_build;
struct dp_port_conf {
	struct dp_port *port;
	uint32_t vni;
	uint8_t mac[6];
	uint8_t n_ip4;
	uint32_t ip4[DP_PORT_IPS_MAX]; /* network order */
	uint8_t n_ip6;
	uint8_t ip6[DP_PORT_IPS_MAX][16];
	uint32_t gw4;       /* gateway of the subnet of ip4[0] (network order), 0: none; */
	uint8_t gw_mac[6];  /* the address ICMP errors for this VM come from */
	bool has_gw6;       /* the same for IPv6: the gateway ICMPv6 errors come from */
	uint8_t gw6[16];
	uint8_t gw6_mac[6];
	/* its security groups compiled per direction (acl/sg.h); the caller keeps them alive
	 * until a snapshot without them is committed. NULL: not filtered (tests only). */
	const struct sg_acl *sg_in, *sg_out;
	uint32_t ct_max; /* its connection limit; 0: the dataplane's default */
	/* a virtual appliance: may send from any address (its MAC is still checked) and
	 * receive traffic routed through it */
	bool forwarding;
	/* what the switch hands it: DHCPv4 (an IPv4 address in a subnet with a gateway),
	 * DHCPv6 and router advertisements (IPv6) */
	bool has_dhcp4, has_dhcp6;
	struct dhcp4_lease dhcp4;
	struct dhcp6_lease dhcp6;
	uint8_t n_ra_prefixes; /* the on-link prefixes of its IPv6 subnets, advertised */
	struct {
		uint8_t addr[16];
		uint8_t plen;
	} ra_prefixes[DP_PORT_IPS_MAX];
	uint16_t mtu; /* its VPC's, advertised in router advertisements */
};

struct dp_build *dp_build_begin(void);
/** Returns 0 or -ENOSPC (more addresses than DP_PORT_IPS_MAX). */
int dp_build_port(struct dp_build *b, const struct dp_port_conf *pc);
/** A subnet gateway: the switch answers ARP for ip4 (if non-zero) with mac. Returns 0,
 *  -ENOMEM. */
int dp_build_gateway(struct dp_build *b, uint32_t vni, uint32_t ip4, const uint8_t mac[6]);
/** The same for an IPv6 gateway: the switch answers neighbour solicitations for it. */
int dp_build_gateway6(struct dp_build *b, uint32_t vni, const uint8_t ip6[16],
		      const uint8_t mac[6]);
enum dp_encap { DP_ENCAP_VXLAN, DP_ENCAP_GENEVE };

/* The host's underlay: where tunnel packets leave and arrive, over IPv4, IPv6 or both. */
struct dp_underlay_conf {
	struct dp_port *port; /* the underlay NIC */
	struct dp_port *tap;  /* the host kernel's side of it: the exception path */
	uint8_t mac[6];       /* the underlay port's MAC, source of every outer frame */
	uint32_t vtep4;       /* this host's IPv4 VTEP address, network order; 0: none */
	uint8_t vtep6[16];    /* its IPv6 VTEP address; all zero: none */
	bool tx_ip4_cksum;    /* the port computes outer IPv4 header checksums */
	bool tx_udp_cksum;    /* the port computes outer UDP checksums */
	uint16_t vxlan_port, geneve_port; /* host order */
	uint8_t ttl;
	uint16_t sport_min, sport_max; /* outer UDP source ports, from the inner flow's hash */
};

/** Set the underlay (once per build; none: remote traffic is dropped as no_underlay). */
int dp_build_underlay(struct dp_build *b, const struct dp_underlay_conf *u);
/** A VPC this host serves: its tunnel type and MTU. Returns 0 or -ENOMEM. */
int dp_build_vpc(struct dp_build *b, uint32_t vni, enum dp_encap encap, uint16_t mtu);
/* A VM on another host. */
struct dp_remote_conf {
	uint32_t vni;
	uint8_t mac[6];
	uint8_t n_ip4, n_ip6;
	uint32_t ip4[DP_PORT_IPS_MAX]; /* network order */
	uint8_t ip6[DP_PORT_IPS_MAX][16];
	int vtep_af;
	uint8_t vtep[16];
	const uint8_t *nh_mac; /* the underlay next hop's MAC; NULL while unresolved */
	/* the gateways of its subnets (IPv4, IPv6): the source MAC of frames routed to it */
	uint8_t gw_mac[6], gw6_mac[6];
};

/** A VM on another host: ARP and ND for its addresses are answered with its MAC; frames to
 *  its MAC are encapsulated to its VTEP through nh_mac (NULL: its frames are dropped and the
 *  workers ask for resolution). Tunnel packets from that VTEP are accepted for the VNI.
 *  Returns 0, -ENOMEM, -ENOSPC (more than DP_PORT_IPS_MAX). */
int dp_build_remote(struct dp_build *b, const struct dp_remote_conf *rc);
/** Another host's VTEP that routes of the VPC vni send to (struct dp_rtable, DP_NH_VTEP):
 *  frames routed there are encapsulated as they are, and its tunnel packets accepted.
 *  Returns 0, -ENOMEM. */
int dp_build_tunnel(struct dp_build *b, uint32_t vni, int vtep_af, const uint8_t vtep[16],
		    const uint8_t *nh_mac);
/** The route table of VPC vni (built by dp_rtable_build; NULL or none: only its subnets are
 *  reachable, through the gateway, as connected routes are not known either: nothing is
 *  routed). The caller keeps rt alive until a snapshot without it is committed. */
int dp_build_routes(struct dp_build *b, uint32_t vni, const struct dp_rtable *rt);
/*
 * A load balancer listener: connections that VMs of this host open to vip:port are spread
 * over its backends by the Maglev table (control/lb_maglev.c), translated, and translated
 * back on the replies. Every backend a connection may still be on is listed; only those in
 * the table take new connections. The build copies what it is given.
 */
struct dp_lb_backend_conf {
	uint8_t addr[16];   /* the VIP's family; IPv4 in the first 4 bytes */
	uint16_t port;      /* host order */
	uint8_t subnet[16]; /* the subnet it lives in: clients there get its answers directly */
	uint8_t subnet_plen;
};

struct dp_lb_conf {
	uint32_t vni;
	int af;
	uint8_t vip[16];
	uint8_t proto;    /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;    /* host order */
	uint8_t gw_mac[6]; /* the VIP's subnet's gateway MAC: ARP and ND for the VIP answer it */
	bool removed_drop; /* a removed backend's connections are dropped (else reset) */
	uint32_t affinity_s; /* a client keeps its backend this long after its last new
			      * connection; 0: each connection is balanced alone */
	uint32_t n_backends;
	const struct dp_lb_backend_conf *backends;
	uint32_t table_size;  /* 0: no backend takes new connections */
	const uint16_t *table; /* indexes into backends */
};

int dp_build_lb(struct dp_build *b, const struct dp_lb_conf *c);

/*
 * The switch's own health checker (control/lb_health.c) is a kernel in a network namespace
 * of its own, behind a tap. It sees each backend it probes at a probe address of its own,
 * 169.254.(1 + slot / 256).(slot % 256), and is itself 169.254.0.1 to the backends: the
 * dataplane translates the destination of what the checker sends to the backend's address,
 * and the source of the backend's answers back to the probe address. Slots are kept by the
 * caller; the backend must be a port on this host (its IPv4 address).
 */
#define DP_HC_SLOTS	   4096
#define DP_HC_CHECKER_ADDR 0xa9fe0001u /* 169.254.0.1, host order */
#define DP_HC_PPS	   1000	       /* packets a port may send the checker per second (per worker) */

static inline uint32_t dp_hc_probe_addr(uint16_t slot) /* host order */
{
	return 0xa9fe0000u | ((1u + slot / 256u) << 8) | (slot % 256u);
}

/** The checker's tap (an ethdev port set up like the underlay's) and its MAC. */
int dp_build_health(struct dp_build *b, struct dp_port *tap, const uint8_t tap_mac[6]);
/** Slot's probe address reaches ip4 (network order) of port, built earlier with
 *  dp_build_port. Returns 0, -EINVAL (slot out of range, no checker, not the port's
 *  address), -EEXIST (slot or address taken). */
int dp_build_health_target(struct dp_build *b, uint16_t slot, struct dp_port *port,
			   uint32_t ip4);
/* A remote VTEP address as the workers report it. */
struct dp_vtep {
	int af;           /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
};

/** VTEPs whose neighbour the workers found missing since the last call; clears the
 *  requests. Control thread. Returns how many were written (each VTEP once). */
unsigned int dp_vteps_unresolved(struct dp_vtep *vteps, unsigned int max);
/** VTEPs that carried encapsulated traffic since the last call; clears the marks. */
unsigned int dp_vteps_used(struct dp_vtep *vteps, unsigned int max);
/** This build changes nothing a connection's verdict or cached action depends on (only
 *  next-hop MACs, hence encap templates): cached flows stay valid, nothing revalidates. */
void dp_build_keep_flows(struct dp_build *b);
/** Build the lookup tables, publish, wait for the grace period, free the previous snapshot.
 *  Frees b. Returns 0, or -ENOMEM (or a table's -ENOSPC) and the previous snapshot stays. */
int dp_build_commit(struct dp_build *b);
void dp_build_abort(struct dp_build *b);

/* Counters, summed over workers; a port's counters start at zero when it is created. */
struct dp_port_stats {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t drops;         /* dropped at this port, either direction: sum of drop_reasons */
	uint64_t tx_drops;      /* of those, packets for this port it could not take */
	uint64_t rxq_pkts[DP_QUEUES_MAX]; /* received per queue pair */
	uint64_t drop_reasons[DP_DROP_MAX];
};

struct dp_worker_stats {
	unsigned int lcore;
	uint64_t pkts;        /* packets received and processed */
	uint64_t busy_cycles; /* TSC cycles spent in loops that had packets */
	uint64_t polls, busy_polls;
};

/*
 * Connection tracking (the flow cache). Control thread, except where said.
 */
/** Allocate the table: max connections, port_max the default per-port limit. dp_init
 *  calls it; dataplane tests call it themselves. Returns 0, -EINVAL, -ENOMEM. */
int dp_ct_init(uint32_t max, uint32_t port_max);
void dp_ct_fini(void);
void dp_ct_set_timeouts(const struct ct_timeouts *t);
/** Seconds on the connection table's clock. */
uint32_t dp_ct_now(void);
/** Delete connections idle past their state's timeout, or revoked, among the next budget
 *  slots of the table (the whole table when budget is 0), as of now. Waits for one RCU
 *  grace period when it deletes any. Returns how many it deleted. */
unsigned int dp_ct_age(uint32_t now, uint32_t budget);
/** The same for the load balancers' client affinity (dataplane/dp_affinity.c). */
unsigned int dp_aff_age(uint32_t now, uint32_t budget);
uint32_t dp_aff_count(void);
uint32_t dp_aff_slots(void);
/** Slots in the table (two per connection, and some room): what a full aging sweep visits. */
uint32_t dp_ct_slots(void);

struct dp_conn_info {
	uint8_t af, proto;
	uint8_t src[16], dst[16];   /* as the originator sent them */
	uint16_t sport, dport;      /* host order; ICMP echo: sport is the identifier */
	uint8_t icmp_type, icmp_code;
	uint32_t vni;
	uint16_t orig_port, reply_port; /* port indexes the two directions come in on */
	enum ct_state state;
	bool revoked;
	uint32_t age, idle, expires; /* seconds: since creation, since last packet, left */
	uint64_t pkts[2], bytes[2]; /* originator's direction, reply direction */
	uint32_t rule_egress, rule_ingress;
	bool nat;             /* load balanced: the backend that took it */
	uint8_t nat_addr[16];
	uint16_t nat_port;    /* host order */
};

/** Call cb for each live connection, until it returns false. Returns how many were seen. */
unsigned int dp_ct_dump(bool (*cb)(const struct dp_conn_info *c, void *arg), void *arg);

struct dp_ct_stats {
	uint32_t count, max, port_max;
	uint64_t created, hits, revalidated;
};
void dp_ct_stats(struct dp_ct_stats *out);
/** Connections a port takes part in now. */
uint32_t dp_ct_port_count(uint16_t port_idx);
/* Rule ids (a classifier's userdata): 1 .. DP_RULE_IDS - 1, counted per worker. */
#define DP_RULE_IDS (65536 + 16)
/** Connections (and untracked packets) a rule id let in, summed over workers. */
uint64_t dp_rule_hits(uint32_t rule_id);

void dp_stats_port(const struct dp_port *port, struct dp_port_stats *out);
void dp_stats_drops(uint64_t out[DP_DROP_MAX]);
/** Fills out[0..n-1] for the first n workers; returns the number of workers. */
unsigned int dp_stats_workers(struct dp_worker_stats *out, unsigned int n);

/*
 * Tracing (dp_trace.c): what each stage did with a traced packet, as binary records the
 * control thread formats.
 */
/* Stages: enum id, JSON/text name. Keep names stable: they are API (vpcctl trace -o json). */
#define DP_TRACE_STAGES(X)                                                                    \
	X(RX, "rx")                       /* port: where it came in; a: length, b: queue */    \
	X(PORT_SECURITY, "port_security") /* passed: source MAC and address are the port's */  \
	X(SERVICE, "service")             /* for the switch itself: a: enum dp_trace_svc */     \
	X(DECAP, "decap")   /* a: VNI, b: enum dp_encap, af/addr: outer source VTEP */          \
	X(EXCEPTION, "exception") /* not a tunnel packet for us: to the host kernel (port) */   \
	X(FLOW, "flow")     /* a: enum dp_trace_flow, b: slot, c: connection state */           \
	X(DEST, "destination") /* a: action (dp_ct.h; 0: none), b: 1 if to a gateway MAC */     \
	X(ROUTE, "route")   /* a: next-hop kind, b: prefix length, c: port, af/addr: prefix,   \
			       addr2: next-hop address (af2 its family) */                      \
	X(SECURITY_GROUP, "security_group") /* a: 0 egress/1 ingress, b: rule id, c: allowed,   \
					       port: whose groups */                           \
	X(CONNTRACK, "conntrack") /* a: 1 created, 0 would be (trace: nothing created) */     \
	X(ROUTED, "routed")       /* a: TTL/hop limit after, addr: dst MAC, addr2: src MAC */   \
	X(ENCAP, "encap") /* a: VNI, b: enum dp_encap, c: outer UDP source port, af/addr: VTEP */ \
	X(TX, "tx")       /* port: where it goes */                                             \
	X(DROP, "drop")   /* a: enum dp_drop_reason, port: counted against */                   \
	X(ANSWERED, "answered") /* consumed by the switch, which sent its own answer */

enum dp_trace_stage {
#define DP_TRACE_ENUM(id, name) DP_TS_##id,
	DP_TRACE_STAGES(DP_TRACE_ENUM)
#undef DP_TRACE_ENUM
	DP_TS_MAX
};

/* What the switch answers itself: ping to a gateway comes from the flow stage. */
enum dp_trace_svc { DP_TSVC_ARP, DP_TSVC_ND, DP_TSVC_DHCP4, DP_TSVC_DHCP6, DP_TSVC_ECHO };

enum dp_trace_flow {
	DP_TFLOW_HIT,         /* its connection's cached action */
	DP_TFLOW_NEW,         /* no connection: the tables decide, one may be created */
	DP_TFLOW_UNTRACKED,   /* decided packet by packet (ICMP other than echo, ND, ...) */
	DP_TFLOW_REVALIDATED, /* the configuration changed since its action was cached */
};

/* One record: 64 bytes, so a burst of records stays within few cache lines. */
struct dp_trace_rec {
	uint64_t tsc;
	uint32_t id;      /* the packet's trace id */
	uint16_t worker;  /* worker index; UINT16_MAX: a trace run by the control thread */
	uint8_t stage;    /* enum dp_trace_stage */
	uint8_t af, af2;
	uint8_t pad;
	uint16_t port;
	uint32_t a, b, c;
	uint8_t addr[16], addr2[16];
};
_Static_assert(sizeof(struct dp_trace_rec) == 64, "trace record: 64 bytes");

/* A frame a traced packet would have made the switch send. */
#define DP_TRACE_OUT_BYTES 192
struct dp_trace_out {
	uint16_t port;
	uint32_t len;                      /* the whole frame's */
	uint8_t data[DP_TRACE_OUT_BYTES];  /* its first bytes */
};

/** Run one frame through the pipeline as if port port_idx had received it, with every side
 *  effect off (no connection created or changed, nothing sent, no counter of the switch
 *  moved): the workers' own stage code on a scratch context. Control thread only. Writes
 *  up to max records and up to max_outs frames it would send. Returns the number of
 *  records, or -ENOENT (no such port in the published configuration), -EMSGSIZE, -ENOMEM. */
int dp_trace_dry(uint16_t port_idx, const uint8_t *frame, uint32_t len, struct dp_trace_rec *recs,
		 unsigned int max, struct dp_trace_out *outs, unsigned int max_outs,
		 unsigned int *n_outs);
const char *dp_trace_stage_name(enum dp_trace_stage st);

/* Live trace (dp_trace_live.c): the next packets real traffic brings. Control thread. */
struct dp_filter;
#define DP_TRACE_ANY_PORT UINT16_MAX
/** Mark the next count packets received on port_idx (DP_TRACE_ANY_PORT: any port) that the
 *  filter matches (NULL: all), with ids 1..count. Takes filter in every case. Returns 0,
 *  -EBUSY (a session runs: one at a time), -EINVAL, -ENOMEM. */
int dp_trace_live_start(uint16_t port_idx, struct dp_filter *filter, uint32_t count);
/** End the session: once this returns no worker marks or records for it. No-op if none. */
void dp_trace_live_stop(void);
/** Take up to max records the workers left (any order across workers, in order within one). */
unsigned int dp_trace_live_drain(struct dp_trace_rec *recs, unsigned int max);
/** Records lost to a full ring since the session started. */
uint64_t dp_trace_live_lost(void);
/** The name of a port index in the published configuration, NULL if none. Control thread. */
const char *dp_port_name_of(uint16_t port_idx);
/** The index of the published port of that name (VM ports by name; "underlay",
 *  "exception"), or -1. Control thread. */
int dp_port_find(const char *name);

#endif
