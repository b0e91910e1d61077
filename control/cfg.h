/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The desired state of one host's switch: VPCs, subnets and ports, with every rule that
 * keeps it consistent. Pure logic (no DPDK): the southbound handler edits a copy of the
 * current state, and only a copy that passed every check is committed to the dataplane.
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
};

/* A VM on another host: reachable like a local one, its frames encapsulated to its VTEP. */
struct cfg_remote {
	char vpc[CFG_NAME_SIZE]; /* key: (vpc, mac) */
	uint8_t mac[6];
	uint8_t n_ips;
	struct cfg_ip ips[CFG_PORT_IPS_MAX];
	struct cfg_ip vtep; /* the underlay address of the host it lives on */
};

/* A growable array of fixed-size rows; cfg_clone copies them wholesale. */
struct cfg_table {
	void *rows;
	size_t len;
	size_t cap;
	size_t row_size;
};

struct cfg {
	struct cfg_table vpcs;
	struct cfg_table subnets;
	struct cfg_table ports;
	struct cfg_table remotes;
};

enum cfg_table_id { CFG_T_VPC, CFG_T_SUBNET, CFG_T_PORT, CFG_T_REMOTE, CFG_T_COUNT };

/** Allocate an empty state. Returns NULL with errno = ENOMEM. */
struct cfg *cfg_new(void);
/** Deep copy. Returns NULL with errno = ENOMEM. */
struct cfg *cfg_clone(const struct cfg *c);
/** Free; accepts NULL. */
void cfg_free(struct cfg *c);

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

const struct cfg_vpc *cfg_vpc_find(const struct cfg *c, const char *name);
const struct cfg_port *cfg_port_find(const struct cfg *c, const char *name);
const struct cfg_subnet *cfg_subnet_find(const struct cfg *c, const char *vpc,
					 const struct cfg_prefix *cidr);
const struct cfg_remote *cfg_remote_find(const struct cfg *c, const char *vpc,
					 const uint8_t mac[6]);

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

/* Address helpers shared by the codec and the CLI. */
int cfg_ip_parse(const char *s, struct cfg_ip *ip);
int cfg_prefix_parse(const char *s, struct cfg_prefix *p);
int cfg_mac_parse(const char *s, uint8_t mac[6]);
void cfg_ip_format(const struct cfg_ip *ip, char *buf, size_t size);
void cfg_prefix_format(const struct cfg_prefix *p, char *buf, size_t size);
void cfg_mac_format(const uint8_t mac[6], char *buf, size_t size);
bool cfg_prefix_contains(const struct cfg_prefix *p, const struct cfg_ip *ip);
bool cfg_name_valid(const char *name);
/** Make s valid UTF-8 in place: each byte of an invalid or cut sequence becomes '?'.
 *  Error messages quote what a peer sent, and JSON strings must be valid UTF-8. */
void cfg_utf8_scrub(char *s);

#endif
