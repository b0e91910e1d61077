/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security groups: the rule model (plain C, no DPDK: sg_rules.c) and its compilation into
 * rte_acl classification contexts (sg_acl.c). The control plane expands a port's groups
 * into one flat list of rules and builds one immutable struct sg_acl per (port,
 * direction); workers classify bursts of packet keys with it and learn, per key, the id of
 * the rule that allows it or 0: denied. Connection tracking (acl/ct.h) sits in front of it
 * later: only the first packet of a connection is classified.
 *
 * Context layout: one struct sg_acl per (port, direction), holding one rte_acl context
 * per address family that has rules (none for a family without rules: its keys are denied
 * without a lookup). Not one host-wide context per (direction, family) with the port as a
 * field, for 1,000 ports and 10,000 rules on a host (figures from test_acl, here):
 * - build: rte_acl_build is not incremental and grows faster than the rule count: 10,000
 *   rules in one context take 0.2-0.4 s (IPv4) and 0.5-1.8 s (IPv6), a context of 10
 *   rules about 1 ms. A host-wide context would be rebuilt whole for every rule or
 *   membership change of any tenant, so one tenant's churn would delay every other's
 *   updates; per port, a change rebuilds only the ports whose groups it touches.
 * - isolation: a pathological rule set (many overlapping ranges grow rte_acl's tries)
 *   costs build time and memory for its own port only.
 * - memory: rules shared by ports are compiled once per port, but a small context costs
 *   about 17 KiB, so 4,000 of them (1,000 ports, 2 directions, 2 families) take about
 *   70 MB; 10,000 rules in one context take 7-20 MB. Ports with identical group lists may
 *   share one sg_acl (it is immutable) if that ever matters. Categories cannot stand in
 *   for ports: rte_acl has at most 16.
 * - classify: a burst from a VM port has one port, so one call; towards local
 *   destinations the dataplane groups a burst by destination port first. With connection
 *   tracking only the first packet of a connection is classified at all. Bursts of 32
 *   cost about 70 cycles a key on small contexts (both families mixed), 60 on a
 *   10,000-rule IPv4 context, 250-450 on a 10,000-rule IPv6 one.
 *
 * Threads: building and freeing on the control thread; sg_acl_classify_burst on any
 * worker, concurrently, on an object published through RCU (the caller frees the old one
 * after a grace period).
 */
#ifndef VPCSW_SG_H
#define VPCSW_SG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */

#define SG_ERR_SIZE 256
/* Entries per (direction, family) of one sg_acl, after remote-group expansion. It bounds
 * build time and memory; rte_acl itself would take 2^29. */
#define SG_ACL_RULES_MAX 65536

enum sg_dir {
	SG_INGRESS, /* towards the port: the remote is the source */
	SG_EGRESS,  /* from the port: the remote is the destination */
};

/* IP protocol numbers the model gives a meaning to; any other number (GRE, ESP, ...) may
 * be used as is, without ports or ICMP type and code. */
enum sg_proto {
	SG_PROTO_ANY = 0, /* every protocol, ports and types included */
	SG_PROTO_ICMP = 1,
	SG_PROTO_TCP = 6,
	SG_PROTO_UDP = 17,
	SG_PROTO_ICMPV6 = 58,
};

enum sg_icmp_match {
	SG_ICMP_ANY,	   /* every type and code (icmp_type, icmp_code: 0) */
	SG_ICMP_TYPE,	   /* icmp_type, every code (icmp_code: 0) */
	SG_ICMP_TYPE_CODE, /* icmp_type and icmp_code */
};

struct sg_prefix {
	uint8_t af;	  /* AF_INET or AF_INET6, equal to the rule's */
	uint8_t plen;	  /* 0-32 or 0-128; the bits of addr after plen must be zero */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
};

/*
 * One allow rule. Security groups are allow-lists: no deny rules, and a packet is allowed
 * when any rule of its port and direction matches it. A rule matches a packet when:
 * - the family is the packet's (an IPv4 rule never matches an IPv6 packet, mapped
 *   addresses included),
 * - proto is SG_PROTO_ANY or the packet's upper-layer protocol,
 * - tcp, udp: the packet's destination port is in [port_min, port_max] (0-65535: every
 *   port; the source port is never looked at, as in every cloud's security groups),
 * - icmp, icmpv6: icmp_match says which types and codes,
 * - the remote address (ingress: source, egress: destination) is in remote.
 * A remote-group rule is expanded by the caller into one rule per member address (/32,
 * /128), all with the id of the rule they come from.
 *
 * Default verdicts: every direction denies what no rule allows. "Allow egress by
 * default" is the cloud convention that a new group starts with two allow-all egress
 * rules (sg_rule_default_egress), which users may delete, not an implicit rule of the
 * compiler: with an implicit rule "when a port has no egress rule", deleting the last
 * narrow egress rule would open all egress, and a user could not express "no egress" at
 * all. This way removing a rule never widens what a port may send.
 */
struct sg_rule {
	uint32_t id;	    /* non-zero, reported on a match; shared by expanded entries */
	uint8_t dir;	    /* enum sg_dir */
	uint8_t af;	    /* AF_INET or AF_INET6 */
	uint8_t proto;	    /* enum sg_proto or any IP protocol number */
	uint8_t icmp_match; /* enum sg_icmp_match; icmp and icmpv6 only, else SG_ICMP_ANY */
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint16_t port_min; /* tcp and udp only, inclusive; other protocols: both 0 */
	uint16_t port_max;
	struct sg_prefix remote;
};

/*
 * What the dataplane knows of a packet, in network byte order as in its headers. One
 * layout for both families, so a burst may mix them. ICMP and ICMPv6 carry the type in
 * sport and the code in dport (as 16-bit values, like Open vSwitch's tp_src/tp_dst);
 * other protocols without ports carry 0 in both. proto comes first: rte_acl wants its
 * first field one byte long, the others in groups of four bytes.
 */
struct sg_key {
	uint8_t proto;	 /* upper-layer protocol, after IPv6 extension headers */
	uint8_t af;	 /* AF_INET or AF_INET6; other values are denied */
	uint8_t pad[2];	 /* not looked at */
	uint8_t src[16]; /* IPv4: the first 4 bytes; the rest is not looked at */
	uint8_t dst[16];
	uint16_t sport; /* network order */
	uint16_t dport; /* network order */
} __attribute__((aligned(4)));

/* ---- the rule model (sg_rules.c, no DPDK) ---- */

/**
 * Check a list of rules as sg_acl_create would, building nothing. For validating a
 * southbound transaction before anything is built.
 *
 * @param rules  the entries (any directions and families); NULL only with len 0
 * @param len    number of entries
 * @param err    SG_ERR_SIZE bytes, gets a message naming the first offending entry and
 *               field; may be NULL
 * @return 0; -EINVAL for a bad entry; -ENOSPC when a (direction, family) has more than
 *         SG_ACL_RULES_MAX entries. Any thread.
 */
int sg_rules_check(const struct sg_rule *rules, size_t len, char *err);

/**
 * Fill r with the allow-all egress rule of af that a new group starts with (see
 * struct sg_rule on default verdicts). The control plane adds one per family.
 *
 * @param r   the rule to fill
 * @param af  AF_INET or AF_INET6
 * @param id  the rule's id (non-zero)
 */
void sg_rule_default_egress(struct sg_rule *r, uint8_t af, uint32_t id);

/** "10.0.0.0/8", "2001:db8::/32" into buf. */
void sg_prefix_format(const struct sg_prefix *p, char *buf, size_t size);

/* ---- compiled rules (sg_acl.c, rte_acl) ---- */

struct sg_acl;

/**
 * Compile the entries of direction dir into a new immutable classifier. Entries of the
 * other direction are checked but not compiled, so a caller may keep one list per port.
 * When several rules match a packet, the one with the lowest id is reported: ids are the
 * controller's, stable across rebuilds, so the choice does not depend on the order in
 * which the caller lists groups (and where ids grow, the older rule keeps its hits).
 *
 * @param rules      the port's entries; NULL only with len 0
 * @param len        number of entries; 0 builds a classifier that denies everything
 * @param dir        SG_INGRESS or SG_EGRESS
 * @param socket_id  NUMA socket of the workers that will classify (or SOCKET_ID_ANY, -1)
 * @param err        SG_ERR_SIZE bytes, gets a message on failure; may be NULL
 * @return the classifier, or NULL with errno = EINVAL (bad entry or dir, nothing built),
 *         ENOSPC (too many entries), ENOMEM (out of memory, or rte_acl could not fit the
 *         rules in its tries). Control thread only (rte_acl_build is not thread-safe);
 *         needs EAL.
 */
struct sg_acl *sg_acl_create(const struct sg_rule *rules, size_t len, enum sg_dir dir,
			     int socket_id, char *err);

/** Free a classifier no worker can still see (after an RCU grace period). Accepts NULL.
 *  Control thread only. */
void sg_acl_free(struct sg_acl *acl);

/**
 * Classify a burst of keys. Allocation-free and lock-free.
 *
 * @param acl       the classifier
 * @param keys      len keys, both families mixed in any order
 * @param len       number of keys, any (processed in chunks of 64)
 * @param rule_ids  len results: the id of the lowest-id rule matching keys[i], or 0 when
 *                  no rule does (the default verdict: denied)
 * @return the number of keys allowed (non-zero results). Any thread.
 */
unsigned int sg_acl_classify_burst(const struct sg_acl *acl, const struct sg_key *keys,
				   unsigned int len, uint32_t *rule_ids);

/** Number of entries compiled for af (AF_INET or AF_INET6), for counters and vpcctl. */
size_t sg_acl_rules_len(const struct sg_acl *acl, uint8_t af);

#endif
