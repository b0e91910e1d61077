/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The desired state of one host's switch: VPCs, subnets, security groups and their rules,
 * ports and remote endpoints, with every rule that keeps it consistent. Pure logic (no
 * DPDK): the southbound handler edits a copy of the current state, and only a copy that
 * passed every check is committed to the dataplane.
 * Control thread only.
 */
#ifndef VPCSW_CFG_H
#define VPCSW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_NAME_SIZE 32      /* names: [A-Za-z0-9_.-], 1..31 chars */
#define CFG_PATH_SIZE 108     /* sizeof(sun_path) */
#define CFG_PORT_IPS_MAX 8
#define CFG_PORT_QUEUES_MAX 16
#define CFG_VNI_MAX 0xffffffu /* 24 bits, as on the wire */
#define CFG_ERR_SIZE 256
#define CFG_DEVARGS_SIZE 256
#define CFG_PORT_SGS_MAX 8         /* security groups per port or remote */
#define CFG_SG_RULES_MAX 65536     /* rule rows per host */
#define CFG_MAX_CONNECTIONS_MAX (1u << 24) /* port.max_connections */

struct cfg_ip {
	uint8_t af; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
};

struct cfg_prefix {
	struct cfg_ip ip;
	uint8_t plen;
};

enum cfg_encap {
	CFG_ENCAP_VXLAN,
	CFG_ENCAP_GENEVE,
};

#define CFG_MTU_DEFAULT 1450 /* a 1500-byte underlay less VXLAN's (or option-less Geneve's) 50 */
#define CFG_MTU_MIN 576
#define CFG_MTU_MAX 9000

struct cfg_vpc {
	char name[CFG_NAME_SIZE];
	uint32_t vni;
	enum cfg_encap encap; /* how its traffic crosses to other hosts */
	uint16_t mtu;         /* the VMs' MTU: inner frames larger than this never go out */
};

struct cfg_subnet {
	char vpc[CFG_NAME_SIZE];
	struct cfg_prefix cidr; /* identity within the VPC */
	struct cfg_ip gateway;
	uint8_t gateway_mac[6];
};

enum cfg_vhost_mode {
	CFG_VHOST_SERVER, /* the switch listens; QEMU connects */
	CFG_VHOST_CLIENT, /* QEMU listens; the switch connects and reconnects */
};

/*
 * Security groups. cfg cannot include acl/sg.h (the library is built without acl's include
 * directory), so the values it shares with it are repeated here, equal to enum sg_dir and
 * enum sg_icmp_match: the dataplane compiler copies them across as they are.
 */
enum cfg_sg_dir {
	CFG_SG_INGRESS = 0, /* SG_INGRESS: towards the port, the remote is the source */
	CFG_SG_EGRESS = 1,  /* SG_EGRESS: from the port, the remote is the destination */
};

enum cfg_sg_icmp_match {
	CFG_SG_ICMP_ANY = 0,       /* SG_ICMP_ANY: every type and code */
	CFG_SG_ICMP_TYPE = 1,      /* SG_ICMP_TYPE: icmp_type, every code */
	CFG_SG_ICMP_TYPE_CODE = 2, /* SG_ICMP_TYPE_CODE: icmp_type and icmp_code */
};

struct cfg_sg { /* key: (vpc, name) */
	char vpc[CFG_NAME_SIZE];
	char name[CFG_NAME_SIZE];
};

/*
 * One allow rule. Every member is part of the key: a group's rules are a set (as in AWS),
 * a rule is identified by what it says, and a duplicate is refused. Stored rows are
 * normalized and zero-filled (names and unused address bytes included), so two stored rows
 * are equal exactly when their bytes are. Neither remote: any address of the family(ies).
 */
struct cfg_sg_rule {
	char vpc[CFG_NAME_SIZE];
	char group[CFG_NAME_SIZE];
	uint8_t dir;        /* CFG_SG_INGRESS (0) or CFG_SG_EGRESS (1) */
	uint8_t af;         /* 0: both families; AF_INET or AF_INET6 */
	uint8_t proto;      /* 0: any; else IP protocol number (1 icmp, 6 tcp, 17 udp, 58 icmpv6) */
	uint8_t icmp_match; /* enum cfg_sg_icmp_match: ANY (0), TYPE (1), TYPE_CODE (2) */
	uint8_t icmp_type, icmp_code;
	uint16_t port_min, port_max; /* tcp/udp: inclusive range (0-65535 = all); else 0, 0 */
	bool has_remote_prefix;      /* remote is a CIDR */
	struct cfg_prefix remote;    /* zeroed unless has_remote_prefix */
	char remote_group[CFG_NAME_SIZE]; /* "" unless the remote is a group of the same VPC */
};

struct cfg_port {
	char name[CFG_NAME_SIZE];
	char vpc[CFG_NAME_SIZE];
	uint8_t mac[6];
	uint8_t n_ips;
	struct cfg_ip ips[CFG_PORT_IPS_MAX];
	char socket[CFG_PATH_SIZE];
	enum cfg_vhost_mode mode;
	uint16_t queues;
	/* Instead of a vhost-user socket, any DPDK device: an SR-IOV VF handed to a VM by
	 * other means, or a traffic generator standing in for one. Empty: vhost-user. */
	char devargs[CFG_DEVARGS_SIZE];
	/* Its security groups: in each direction, what no rule of theirs allows is denied. A
	 * port with no group at all: ingress denied, egress allowed. */
	uint8_t n_sgs;
	char sgs[CFG_PORT_SGS_MAX][CFG_NAME_SIZE];
	uint32_t max_connections; /* tracked connections at once; 0: the switch's default */
	/* A virtual appliance (a router, firewall or NAT VM): it may send from any source
	 * address (its MAC is still checked), as AWS's "source/destination check" off. */
	bool forwarding;
};

/* A VM on another host: reachable like a local one, its frames encapsulated to its VTEP. */
struct cfg_remote {
	char vpc[CFG_NAME_SIZE]; /* key: (vpc, mac) */
	uint8_t mac[6];
	uint8_t n_ips;
	struct cfg_ip ips[CFG_PORT_IPS_MAX];
	struct cfg_ip vtep; /* the underlay address of the host it lives on */
	/* Groups the remote VM is a member of: its addresses match remote-group rules here. */
	uint8_t n_sgs;
	char sgs[CFG_PORT_SGS_MAX][CFG_NAME_SIZE];
};

/*
 * Routing (per VPC). Every subnet of a VPC is implicitly a connected route (its addresses
 * are reached through the neighbour tables); these rows add the rest. Longest prefix wins.
 */
#define CFG_ROUTES_MAX (1u << 21)    /* route rows per host (e.g. 100,000 in each of 20 VPCs) */
#define CFG_ECMP_MEMBERS_MAX 16

enum cfg_nh_kind {
	CFG_NH_ADDRESS = 0,   /* an address of a VM of the VPC (port or remote): e.g. an appliance */
	CFG_NH_PORT = 1,      /* a local port of the VPC, by name */
	CFG_NH_VTEP = 2,      /* another host's VTEP: encapsulated to it as is, routed there */
	CFG_NH_ECMP = 3,      /* an ECMP group of the VPC: one member per flow */
	CFG_NH_BLACKHOLE = 4, /* dropped and counted (route_blackhole) */
};

/* Stored rows are zero-filled where their kind of next hop has nothing: a row that sets a
 * member its kind does not use is refused. A delete moves the last route into the deleted
 * one's place (routes are many; the others keep insertion order). */
struct cfg_route { /* key: (vpc, prefix) */
	char vpc[CFG_NAME_SIZE];
	struct cfg_prefix prefix; /* no host bits; /0 is the default route of its family */
	uint8_t nh_kind;          /* enum cfg_nh_kind */
	/* ADDRESS: same family as prefix, a host address inside a subnet of the VPC, not a
	 * gateway. VTEP: an underlay address (either family). Else zeroed. */
	struct cfg_ip nh_ip;
	char nh_name[CFG_NAME_SIZE]; /* PORT: a port of the VPC; ECMP: a group of the VPC; else "" */
};

struct cfg_ecmp_group { /* key: (vpc, name) */
	char vpc[CFG_NAME_SIZE];
	char name[CFG_NAME_SIZE];
	/* 1..16 distinct addresses of one family inside the VPC's subnets, none a gateway; stored
	 * sorted (so equal sets are equal rows and a flow's member does not depend on order) */
	uint8_t n_members;
	struct cfg_ip members[CFG_ECMP_MEMBERS_MAX];
};

/*
 * DHCP options of one subnet. The switch answers DHCPv4 (IPv4 subnet) or DHCPv6 (IPv6
 * subnet) for every port with an address in a subnet, with or without a row here: address,
 * mask/prefix, router, MTU always come from the subnet, the port and the VPC; a row adds
 * the rest.
 */
#define CFG_DHCP_DNS_MAX 4
#define CFG_DHCP_ROUTES_MAX 8
#define CFG_DOMAIN_SIZE 64
#define CFG_LEASE_DEFAULT 86400
#define CFG_LEASE_MIN 60

struct cfg_dhcp_route { /* option 121: classless static route */
	struct cfg_prefix prefix; /* IPv4, no host bits */
	struct cfg_ip router;     /* IPv4, inside the subnet */
};

struct cfg_dhcp_options { /* key: (vpc, subnet): the subnet must exist */
	char vpc[CFG_NAME_SIZE];
	struct cfg_prefix subnet;
	uint8_t n_dns;
	struct cfg_ip dns[CFG_DHCP_DNS_MAX]; /* the subnet's family */
	char domain[CFG_DOMAIN_SIZE];        /* "" none; else a DNS name: labels [A-Za-z0-9-], dots */
	uint32_t lease_time;                 /* seconds, >= CFG_LEASE_MIN; 0 on input: default */
	uint8_t n_routes;                    /* IPv4 subnets only */
	struct cfg_dhcp_route routes[CFG_DHCP_ROUTES_MAX];
};

/*
 * Load balancers (cfg_lb.c, docs/load-balancer.md): a VIP of a VPC, its listeners
 * (protocol, port) and each listener's backends (address, port, weight, state).
 */
#define CFG_LBS_MAX 1024		    /* balancers per host */
#define CFG_LB_LISTENERS_MAX 4096	    /* listeners per host */
#define CFG_LB_BACKENDS_MAX (1u << 16)	    /* backends per host */
#define CFG_LB_LISTENER_BACKENDS_MAX 4096 /* backends per listener (= LB_MAGLEV_BACKENDS_MAX) */
#define CFG_LB_WEIGHT_MAX 1000
#define CFG_LB_AFFINITY_MAX 86400
#define CFG_LB_PATH_SIZE 128

enum cfg_lb_removed {
	CFG_LB_REMOVED_RESET = 0, /* a removed backend's connections: TCP reset from the VIP */
	CFG_LB_REMOVED_DROP = 1,  /* dropped and counted */
};

enum cfg_lb_hc_type {
	CFG_LB_HC_NONE = 0,
	CFG_LB_HC_TCP = 1,  /* a TCP connection is accepted */
	CFG_LB_HC_HTTP = 2, /* GET path answers 2xx or 3xx */
};

struct cfg_lb { /* key: (vpc, name) */
	char vpc[CFG_NAME_SIZE];
	char name[CFG_NAME_SIZE];
	struct cfg_ip vip;	   /* in a subnet of the VPC; no gateway, VM address or other VIP */
	uint32_t affinity_timeout; /* seconds a client keeps its backend; 0: per connection */
	uint8_t on_backend_removed; /* enum cfg_lb_removed */
};

struct cfg_lb_health { /* zero-filled when type is NONE */
	uint8_t type;	      /* enum cfg_lb_hc_type */
	uint16_t port;	      /* 0: the backend's port */
	uint32_t interval_ms; /* 100..3600000 */
	uint32_t timeout_ms;  /* 10..interval_ms */
	uint8_t rise, fall;   /* successes to come up, failures to go down: 1..10 */
	char path[CFG_LB_PATH_SIZE]; /* HTTP only: starts with '/', printable, no space */
};

struct cfg_lb_listener { /* key: (vpc, lb, proto, port) */
	char vpc[CFG_NAME_SIZE];
	char lb[CFG_NAME_SIZE];
	uint8_t proto;	/* 6 tcp, 17 udp */
	uint16_t port;	/* 1..65535 */
	struct cfg_lb_health health;
	uint32_t n_backends; /* derived: rows of lb_backends naming it (not part of its value) */
};

struct cfg_lb_backend { /* key: (vpc, lb, proto, port, ip, backend_port) */
	char vpc[CFG_NAME_SIZE];
	char lb[CFG_NAME_SIZE];
	uint8_t proto;
	uint16_t port;		/* the listener's */
	struct cfg_ip ip;	/* the VIP's family, in a subnet of the VPC */
	uint16_t backend_port;	/* 0 on input: the listener's port */
	uint16_t weight;	/* 0..CFG_LB_WEIGHT_MAX; 0 drains: no new connections */
	bool down;		/* set down by the control plane: no new connections */
};

/* A growable array of fixed-size rows; cfg_clone copies them wholesale. */
struct cfg_table {
	void *rows;
	size_t len;
	size_t cap;
	size_t row_size;
};

struct cfg_index;

struct cfg {
	struct cfg_table vpcs;
	struct cfg_table subnets;
	struct cfg_table sgs;
	struct cfg_table sg_rules;
	struct cfg_table ports;
	struct cfg_table remotes;
	struct cfg_table dhcp_options;
	struct cfg_table ecmp_groups;
	struct cfg_table routes;
	struct cfg_table lbs;
	struct cfg_table lb_listeners;
	struct cfg_table lb_backends;
	/* cfg_lb.c's hash of lb_backends by key, kept through inserts and deletes; NULL while
	 * small. Not copied by cfg_clone. */
	struct cfg_index *lb_backend_index;
	/* cfg_route.c's hash of routes by (vpc, prefix), kept through inserts and deletes;
	 * NULL while small or unneeded. Not copied by cfg_clone. */
	struct cfg_index *route_index;
	/* cfg.c's hash of sg_rules for duplicate checks, so that loading 65,536 rules is not
	 * quadratic; NULL until needed and after a delete moves rows. Not copied by cfg_clone. */
	struct cfg_index *sg_rule_index;
	/* cfg.c's hashes of remotes by (vpc, mac) and by (vpc, each of their addresses), kept
	 * through inserts, modifies and deletes, so that loading 50,000 remote VMs is not
	 * quadratic; NULL while small. Not copied by cfg_clone. */
	struct cfg_index *remote_index;
	struct cfg_index *remote_ip_index;
};

/* In dependency order: a document inserted table by table in this order never refers to
 * a row not yet inserted. */
enum cfg_table_id {
	CFG_T_VPC,
	CFG_T_SUBNET,
	CFG_T_SG,
	CFG_T_SG_RULE,
	CFG_T_PORT,
	CFG_T_REMOTE,
	CFG_T_DHCP_OPTIONS,
	CFG_T_ECMP_GROUP,
	CFG_T_ROUTE,
	CFG_T_LB,
	CFG_T_LB_LISTENER,
	CFG_T_LB_BACKEND,
	CFG_T_COUNT
};

/** Allocate an empty state. Returns NULL with errno = ENOMEM. */
struct cfg *cfg_new(void);
/** Deep copy. Returns NULL with errno = ENOMEM. */
struct cfg *cfg_clone(const struct cfg *c);
/** Free; accepts NULL. */
void cfg_free(struct cfg *c);
/** The table with id t (t < CFG_T_COUNT). */
const struct cfg_table *cfg_table_get(const struct cfg *c, enum cfg_table_id t);

/*
 * Edits. Each checks the row against the whole state and either applies it or leaves the
 * state untouched and writes a message naming the offending field into err (CFG_ERR_SIZE).
 * Return 0, -EINVAL (bad value), -EEXIST (duplicate), -ENOENT (no such row or referenced
 * object), -EBUSY (still referenced), -ENOSPC (limit), -ENOMEM.
 */
int cfg_vpc_insert(struct cfg *c, const struct cfg_vpc *v, char *err);
int cfg_vpc_modify(struct cfg *c, const struct cfg_vpc *v, char *err);
int cfg_vpc_delete(struct cfg *c, const char *name, char *err);
int cfg_subnet_insert(struct cfg *c, const struct cfg_subnet *s, char *err);
int cfg_subnet_modify(struct cfg *c, const struct cfg_subnet *s, char *err);
int cfg_subnet_delete(struct cfg *c, const char *vpc, const struct cfg_prefix *cidr, char *err);
int cfg_port_insert(struct cfg *c, const struct cfg_port *p, char *err);
int cfg_port_modify(struct cfg *c, const struct cfg_port *p, char *err);
int cfg_port_delete(struct cfg *c, const char *name, char *err);
int cfg_remote_insert(struct cfg *c, const struct cfg_remote *r, char *err);
int cfg_remote_modify(struct cfg *c, const struct cfg_remote *r, char *err);
int cfg_remote_delete(struct cfg *c, const char *vpc, const uint8_t mac[6], char *err);
/* A group's delete also deletes its own rules; it is -EBUSY while a port or a remote lists
 * the group or a rule of another group names it as remote_group. Groups and rules have no
 * modify: a group has nothing but its key, and a rule is all key. */
int cfg_sg_insert(struct cfg *c, const struct cfg_sg *g, char *err);
int cfg_sg_delete(struct cfg *c, const char *vpc, const char *name, char *err);
/* r need not be in normal form (af 0 with an IPv4 remote, say); what is stored is. */
int cfg_sg_rule_insert(struct cfg *c, const struct cfg_sg_rule *r, char *err);
int cfg_sg_rule_delete(struct cfg *c, const struct cfg_sg_rule *r, char *err);

/* Routing and DHCP. A subnet is -EBUSY while its dhcp_options row exists or a route or
 * ECMP group names an address inside it; a port while a route names it; a group while a
 * route uses it. A route's key is (vpc, prefix): modify replaces its next hop.
 * Also refused: a VPC delete while it has routes, groups or dhcp_options (-EBUSY); a subnet
 * modify moving its gateway onto a route's next hop or an ECMP member (-EEXIST); a port
 * modify moving it to another VPC while a route names it (-EBUSY); a group modify changing
 * its members' family while a route uses it (-EBUSY). cfg_route.c, cfg_dhcp.c. */
int cfg_route_insert(struct cfg *c, const struct cfg_route *r, char *err);
int cfg_route_modify(struct cfg *c, const struct cfg_route *r, char *err);
int cfg_route_delete(struct cfg *c, const char *vpc, const struct cfg_prefix *prefix, char *err);
int cfg_ecmp_group_insert(struct cfg *c, const struct cfg_ecmp_group *g, char *err);
int cfg_ecmp_group_modify(struct cfg *c, const struct cfg_ecmp_group *g, char *err);
int cfg_ecmp_group_delete(struct cfg *c, const char *vpc, const char *name, char *err);
int cfg_dhcp_options_insert(struct cfg *c, const struct cfg_dhcp_options *d, char *err);
int cfg_dhcp_options_modify(struct cfg *c, const struct cfg_dhcp_options *d, char *err);
int cfg_dhcp_options_delete(struct cfg *c, const char *vpc, const struct cfg_prefix *subnet,
			    char *err);
const struct cfg_route *cfg_route_find(const struct cfg *c, const char *vpc,
				       const struct cfg_prefix *prefix);
const struct cfg_ecmp_group *cfg_ecmp_group_find(const struct cfg *c, const char *vpc,
						 const char *name);
const struct cfg_dhcp_options *cfg_dhcp_options_find(const struct cfg *c, const char *vpc,
						     const struct cfg_prefix *subnet);
bool cfg_route_equal(const struct cfg_route *a, const struct cfg_route *b);
bool cfg_ecmp_group_equal(const struct cfg_ecmp_group *a, const struct cfg_ecmp_group *b);
bool cfg_dhcp_options_equal(const struct cfg_dhcp_options *a, const struct cfg_dhcp_options *b);

/* Load balancers (cfg_lb.c). A balancer's delete is -EBUSY while it has listeners, a
 * listener's while it has backends. A VPC delete is -EBUSY while it has balancers; a subnet
 * delete while a VIP or backend lies in it; a port or remote may not take a VIP's address,
 * nor a subnet's gateway be one (-EEXIST). A backend's delete moves the last backend into its
 * place. */
int cfg_lb_insert(struct cfg *c, const struct cfg_lb *lb, char *err);
int cfg_lb_modify(struct cfg *c, const struct cfg_lb *lb, char *err);
int cfg_lb_delete(struct cfg *c, const char *vpc, const char *name, char *err);
int cfg_lb_listener_insert(struct cfg *c, const struct cfg_lb_listener *l, char *err);
int cfg_lb_listener_modify(struct cfg *c, const struct cfg_lb_listener *l, char *err);
int cfg_lb_listener_delete(struct cfg *c, const struct cfg_lb_listener *key, char *err);
int cfg_lb_backend_insert(struct cfg *c, const struct cfg_lb_backend *b, char *err);
int cfg_lb_backend_modify(struct cfg *c, const struct cfg_lb_backend *b, char *err);
int cfg_lb_backend_delete(struct cfg *c, const struct cfg_lb_backend *key, char *err);
const struct cfg_lb *cfg_lb_find(const struct cfg *c, const char *vpc, const char *name);
const struct cfg_lb_listener *cfg_lb_listener_find(const struct cfg *c,
						   const struct cfg_lb_listener *key);
const struct cfg_lb_backend *cfg_lb_backend_find(struct cfg *c, const struct cfg_lb_backend *key);
bool cfg_lb_equal(const struct cfg_lb *a, const struct cfg_lb *b);
bool cfg_lb_listener_equal(const struct cfg_lb_listener *a, const struct cfg_lb_listener *b);
bool cfg_lb_backend_equal(const struct cfg_lb_backend *a, const struct cfg_lb_backend *b);

const struct cfg_vpc *cfg_vpc_find(const struct cfg *c, const char *name);
const struct cfg_port *cfg_port_find(const struct cfg *c, const char *name);
const struct cfg_subnet *cfg_subnet_find(const struct cfg *c, const char *vpc,
					 const struct cfg_prefix *cidr);
/** The subnet of vpc that holds ip, or NULL. */
const struct cfg_subnet *cfg_subnet_holding(const struct cfg *c, const char *vpc,
					    const struct cfg_ip *ip);
const struct cfg_remote *cfg_remote_find(const struct cfg *c, const char *vpc,
					 const uint8_t mac[6]);
const struct cfg_sg *cfg_sg_find(const struct cfg *c, const char *vpc, const char *name);
/** The stored rule equal to r once r is normalized; NULL if none or r is malformed. */
const struct cfg_sg_rule *cfg_sg_rule_find(const struct cfg *c, const struct cfg_sg_rule *r);

/* rows is NULL while a table is empty: no pointer arithmetic on it then. */
#define CFG_FOREACH(type, var, table)                                                              \
	for (const type *var = (table).rows;                                                       \
	     var != NULL && var < (const type *)(table).rows + (table).len; var++)

/** True when both ports have identical vhost attachment (socket, mode, queues). */
bool cfg_port_same_attachment(const struct cfg_port *a, const struct cfg_port *b);
bool cfg_port_equal(const struct cfg_port *a, const struct cfg_port *b);
bool cfg_vpc_equal(const struct cfg_vpc *a, const struct cfg_vpc *b);
bool cfg_subnet_equal(const struct cfg_subnet *a, const struct cfg_subnet *b);
bool cfg_remote_equal(const struct cfg_remote *a, const struct cfg_remote *b);
bool cfg_sg_equal(const struct cfg_sg *a, const struct cfg_sg *b);
bool cfg_sg_rule_equal(const struct cfg_sg_rule *a, const struct cfg_sg_rule *b);

/**
 * Rows of table t in next that old holds unchanged (a row with the same key, and equal):
 * what a sync's summary reports as "unchanged". Near-linear for rules.
 */
size_t cfg_count_unchanged(const struct cfg *old, const struct cfg *next, enum cfg_table_id t);

/* Address helpers shared by the codec and the CLI. */
int cfg_ip_parse(const char *s, struct cfg_ip *ip);
int cfg_prefix_parse(const char *s, struct cfg_prefix *p);
int cfg_mac_parse(const char *s, uint8_t mac[6]);
/** The value of one hex digit, -1 if ch is none. */
int cfg_hex_digit(char ch);
void cfg_ip_format(const struct cfg_ip *ip, char *buf, size_t size);
void cfg_prefix_format(const struct cfg_prefix *p, char *buf, size_t size);
void cfg_mac_format(const uint8_t mac[6], char *buf, size_t size);
bool cfg_prefix_contains(const struct cfg_prefix *p, const struct cfg_ip *ip);
bool cfg_name_valid(const char *name);
/** Make s valid UTF-8 in place: each byte of an invalid or cut sequence becomes '?'.
 *  Error messages quote what a peer sent, and JSON strings must be valid UTF-8. */
void cfg_utf8_scrub(char *s);

#endif
