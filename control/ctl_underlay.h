/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host's underlay, on the control thread: the underlay port (any DPDK port), the
 * exception-path tap that carries this host's VTEP address in the kernel (so the kernel
 * answers the underlay's ARP and ICMP and owns its routes), and the kernel's routes and
 * neighbours, followed through libnl, that give each remote VTEP its next hop's MAC.
 */
#ifndef VPCSW_CTL_UNDERLAY_H
#define VPCSW_CTL_UNDERLAY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "../dataplane/dp.h"

struct ctl_underlay_opts {
	const char *devargs; /* the underlay port, e.g. net_af_packet0,iface=eth1 or a PCI address */
	/* this host's VTEP addresses with their prefix, e.g. 192.168.50.1/24: one IPv4, one
	 * IPv6, or one of each */
	const char *vteps[2];
	unsigned int n_vteps;
	const char *iface;   /* name of the exception tap in the kernel */
	const char *mac;     /* NULL, or the MAC to give the underlay port */
	uint16_t vxlan_port, geneve_port;
	uint8_t ttl;
	uint16_t sport_min, sport_max;
};

/** Bring up the underlay port and the tap, give the tap the VTEP address, start following
 *  the kernel's routes and neighbours. Main lcore, after dp_init. Returns 0 or -errno with
 *  a reason printed. */
int ctl_underlay_init(const struct ctl_underlay_opts *o);
void ctl_underlay_fini(void);
bool ctl_underlay_present(void);
/** The underlay port's dataplane index (ctl_underlay_present only). */
uint16_t ctl_underlay_port_index(void);
/** The netlink fd to watch (readable: call ctl_underlay_netlink_ready), or -1. */
int ctl_underlay_fd(void);
/** Take in route/neighbour changes. Returns true when next hops may have changed. */
bool ctl_underlay_netlink_ready(void);
/** The underlay part of a snapshot. */
void ctl_underlay_conf(struct dp_underlay_conf *c);
/** The MAC of the next hop toward a VTEP (af AF_INET or AF_INET6, network order), if the
 *  kernel knows it. */
bool ctl_underlay_nh_mac(int af, const uint8_t *vtep, uint8_t mac[6]);
/** Ask the kernel to resolve the next hop toward the VTEP (it sends the ARP or ND request). */
void ctl_underlay_resolve(int af, const uint8_t *vtep);
/** The VTEP carries traffic: if the kernel's entry for its next hop is no longer confirmed,
 *  have the kernel confirm it again (the kernel sees none of the traffic that would). */
void ctl_underlay_refresh(int af, const uint8_t *vtep);
/** This host's VTEP addresses without their prefix length, ["192.168.50.1", ...] (a new
 *  array; empty without underlay): the hello reply's "vteps". */
json_t *ctl_underlay_vtep_addrs(void);
/** Settings and counters of the underlay and tap ports, for `vpcctl show underlay`. */
json_t *ctl_underlay_json(void);

#endif
