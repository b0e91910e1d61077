/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The underlay on the control thread (see ctl_underlay.h). The kernel owns the VTEP address,
 * ARP and the routing table; the switch owns the wire. Frames the kernel sends out of the
 * tap leave through the underlay port, and what arrives that is not tunnel traffic for us
 * goes into the tap, so the kernel's ARP resolution, ICMP and routes work unchanged, and the
 * switch reads the results (routes, neighbours) back through libnl.
 */
#include "ctl_underlay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/cache.h>
#include <netlink/object.h>
#include <netlink/route/addr.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "cfg.h"
#include "ctl_ethdev.h"

RTE_LOG_REGISTER(underlay_logtype, vpcswitch.underlay, INFO);
#define UL_LOG(level, fmt, ...)                                                                    \
	rte_log(RTE_LOG_##level, underlay_logtype, "underlay: " fmt "\n", ##__VA_ARGS__)

static struct {
	bool present;
	struct ctl_underlay_opts opts;
	char devargs[256], iface[IFNAMSIZ], tap_devargs[128];
	uint16_t port_id, tap_id;
	bool port_open, tap_open;
	struct dp_port *port, *tap;
	struct rte_ether_addr mac;
	struct cfg_prefix vtep[2]; /* [0]: IPv4, [1]: IPv6; af 0 where there is none */
	char vtep_text[2][64];
	int tap_ifindex;
	struct nl_sock *sock;
	struct nl_cache_mngr *mngr;
	struct nl_cache *routes, *neighs;
	bool changed;
} ul;

static int parse_vtep(const char *s)
{
	struct cfg_prefix p;
	int i;

	if (cfg_prefix_parse(s, &p) < 0) {
		fprintf(stderr, "vpcswitchd: --vtep: '%s' is not an IPv4 or IPv6 address/length\n",
			s);
		return -EINVAL;
	}
	i = p.ip.af == AF_INET6;
	if (ul.vtep[i].ip.af != 0) {
		fprintf(stderr, "vpcswitchd: --vtep: two IPv%c addresses ('%s' and '%s')\n",
			i ? '6' : '4', ul.vtep_text[i], s);
		return -EINVAL;
	}
	if (p.plen == (i ? 128 : 32)) {
		fprintf(stderr, "vpcswitchd: --vtep: '%s' leaves no room for a neighbour: give the "
				"underlay subnet's prefix length\n",
			s);
		return -EINVAL;
	}
	ul.vtep[i] = p;
	snprintf(ul.vtep_text[i], sizeof(ul.vtep_text[i]), "%s", s);
	return 0;
}

static int addr_len(int af)
{
	return af == AF_INET6 ? 16 : 4;
}

/* Only what can move a next hop counts: every change means a full snapshot rebuild, and a
 * busy host churns neighbours on interfaces that have nothing to do with the underlay. */
static void on_change(struct nl_cache *c, struct nl_object *o, int action, void *arg)
{
	(void)c;
	(void)action;
	(void)arg;
	if (strcmp(nl_object_get_type(o), "route/neigh") == 0 &&
	    rtnl_neigh_get_ifindex((struct rtnl_neigh *)o) != ul.tap_ifindex)
		return;
	if (strcmp(nl_object_get_type(o), "route/route") == 0 &&
	    rtnl_route_get_family((struct rtnl_route *)o) != AF_INET &&
	    rtnl_route_get_family((struct rtnl_route *)o) != AF_INET6)
		return;
	ul.changed = true;
}

/*
 * An IPv6 VTEP is the operator asking for IPv6 on the switch's own tap, whatever the
 * host's default (hosts that do not use IPv6 often set default.disable_ipv6).
 */
static int tap_enable_ipv6(void)
{
	char path[128];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ul.iface);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	rc = fputs("0\n", f) < 0 ? -EIO : 0;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* A VTEP address on the tap: the kernel then owns ARP/ND and routing for it. */
static int tap_address(const struct cfg_prefix *p)
{
	struct rtnl_addr *a;
	struct nl_addr *local = NULL;
	int rc;

	if (p->ip.af == AF_INET6 && (rc = tap_enable_ipv6()) < 0) {
		fprintf(stderr, "vpcswitchd: cannot enable IPv6 on %s: %s\n", ul.iface,
			strerror(-rc));
		return rc;
	}
	a = rtnl_addr_alloc();
	if (a == NULL || (local = nl_addr_build(p->ip.af, p->ip.addr, addr_len(p->ip.af))) == NULL) {
		rtnl_addr_put(a);
		return -ENOMEM;
	}
	rtnl_addr_set_ifindex(a, ul.tap_ifindex);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, p->plen);
	/* usable at once: the switch, not the kernel, is what would find a duplicate */
	if (p->ip.af == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	rc = rtnl_addr_add(ul.sock, a, NLM_F_REPLACE);
	nl_addr_put(local);
	rtnl_addr_put(a);
	if (rc < 0 && rc != -NLE_EXIST) {
		fprintf(stderr, "vpcswitchd: netlink: %s\n", nl_geterror(rc));
		return -EIO;
	}
	return 0;
}

static int netlink_start(void)
{
	if ((ul.sock = nl_socket_alloc()) == NULL || nl_connect(ul.sock, NETLINK_ROUTE) < 0)
		return -EIO;
	if (nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, NL_AUTO_PROVIDE, &ul.mngr) < 0 ||
	    nl_cache_mngr_add(ul.mngr, "route/route", on_change, NULL, &ul.routes) < 0 ||
	    nl_cache_mngr_add(ul.mngr, "route/neigh", on_change, NULL, &ul.neighs) < 0)
		return -EIO;
	return 0;
}

int ctl_underlay_init(const struct ctl_underlay_opts *o)
{
	char err[256];
	int rc;

	ul.opts = *o;
	snprintf(ul.devargs, sizeof(ul.devargs), "%s", o->devargs);
	snprintf(ul.iface, sizeof(ul.iface), "%s", o->iface);
	ul.opts.devargs = ul.devargs;
	ul.opts.iface = ul.iface;
	for (unsigned int i = 0; i < o->n_vteps; i++)
		if ((rc = parse_vtep(o->vteps[i])) < 0)
			return rc;
	rc = ctl_ethdev_open(o->devargs, "--underlay", &ul.port_id, err);
	if (rc < 0) {
		fprintf(stderr, "vpcswitchd: %s\n", err);
		return rc;
	}
	ul.port_open = true;
	if (o->mac == NULL) {
		rte_eth_macaddr_get(ul.port_id, &ul.mac);
	} else if (rte_ether_unformat_addr(o->mac, &ul.mac) < 0 ||
		   !rte_is_unicast_ether_addr(&ul.mac)) {
		fprintf(stderr, "vpcswitchd: --underlay-mac '%s' is not a unicast MAC\n", o->mac);
		return -EINVAL;
	} else if (rte_eth_dev_default_mac_addr_set(ul.port_id, &ul.mac) < 0) {
		/* a virtual device (pcap, null) has no filter to set: frames still carry it */
		UL_LOG(WARNING, "%s cannot take MAC %s; frames are sent from it all the same",
		       o->devargs, o->mac);
	}
	/* the kernel must answer ARP with the MAC the underlay port really has */
	snprintf(ul.tap_devargs, sizeof(ul.tap_devargs),
		 "net_tap_vpcsw,iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT, ul.iface,
		 RTE_ETHER_ADDR_BYTES(&ul.mac));
	rc = ctl_ethdev_open(ul.tap_devargs, "the exception tap", &ul.tap_id, err);
	if (rc < 0) {
		fprintf(stderr, "vpcswitchd: %s\n", err);
		return rc;
	}
	ul.tap_open = true;
	ul.tap_ifindex = (int)if_nametoindex(ul.iface);
	if (ul.tap_ifindex == 0 || (rc = netlink_start()) < 0) {
		fprintf(stderr, "vpcswitchd: cannot follow %s through netlink\n", ul.iface);
		return rc < 0 ? rc : -ENODEV;
	}
	for (int i = 0; i < 2; i++) {
		if (ul.vtep[i].ip.af != 0 && (rc = tap_address(&ul.vtep[i])) < 0) {
			fprintf(stderr, "vpcswitchd: cannot give %s the address %s\n", ul.iface,
				ul.vtep_text[i]);
			return rc;
		}
	}
	ul.port = dp_port_create_ethdev("underlay", ul.port_id);
	ul.tap = dp_port_create_ethdev("exception", ul.tap_id);
	if (ul.port == NULL || ul.tap == NULL)
		return -ENOSPC;
	ul.present = true;
	UL_LOG(INFO, "%s: VTEP %s%s%s on %s, MAC " RTE_ETHER_ADDR_PRT_FMT, o->devargs,
	       ul.vtep_text[0], ul.vtep[0].ip.af && ul.vtep[1].ip.af ? " and " : "", ul.vtep_text[1],
	       ul.iface, RTE_ETHER_ADDR_BYTES(&ul.mac));
	return 0;
}

/* Called once the workers have stopped. */
void ctl_underlay_fini(void)
{
	if (ul.mngr != NULL)
		nl_cache_mngr_free(ul.mngr);
	if (ul.sock != NULL)
		nl_socket_free(ul.sock);
	/* whatever a failed init got as far as opening, too */
	if (ul.tap_open)
		ctl_ethdev_close(ul.tap_id);
	if (ul.port_open)
		ctl_ethdev_close(ul.port_id);
	dp_port_destroy(ul.tap);
	dp_port_destroy(ul.port);
	memset(&ul, 0, sizeof(ul));
}

uint16_t ctl_underlay_port_index(void)
{
	return dp_port_index(ul.port);
}

bool ctl_underlay_present(void)
{
	return ul.present;
}

int ctl_underlay_fd(void)
{
	return ul.mngr != NULL ? nl_cache_mngr_get_fd(ul.mngr) : -1;
}

bool ctl_underlay_netlink_ready(void)
{
	ul.changed = false;
	nl_cache_mngr_data_ready(ul.mngr);
	return ul.changed;
}

void ctl_underlay_conf(struct dp_underlay_conf *c)
{
	*c = (struct dp_underlay_conf){
		.port = ul.port,
		.tap = ul.tap,
		.tx_ip4_cksum = (ctl_ethdev_tx_offloads(ul.port_id) &
				 RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0,
		.tx_udp_cksum = (ctl_ethdev_tx_offloads(ul.port_id) &
				 RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0,
		.vxlan_port = ul.opts.vxlan_port,
		.geneve_port = ul.opts.geneve_port,
		.ttl = ul.opts.ttl,
		.sport_min = ul.opts.sport_min,
		.sport_max = ul.opts.sport_max,
	};
	memcpy(c->mac, ul.mac.addr_bytes, 6);
	if (ul.vtep[0].ip.af != 0)
		memcpy(&c->vtep4, ul.vtep[0].ip.addr, 4);
	if (ul.vtep[1].ip.af != 0)
		memcpy(c->vtep6, ul.vtep[1].ip.addr, 16);
}

struct route_match {
	int af;
	const uint8_t *dst;
	int best_plen;
	uint8_t nh[16]; /* all zero: on-link, the VTEP itself */
	bool found;
};

static bool prefix_has(const uint8_t *pfx, int plen, const uint8_t *addr)
{
	int full = plen / 8, bits = plen % 8;

	if (memcmp(pfx, addr, (size_t)full) != 0)
		return false;
	return bits == 0 || ((pfx[full] ^ addr[full]) & (0xff << (8 - bits))) == 0;
}

/* Longest prefix in the main table whose path leaves through the tap. */
static void route_visit(struct nl_object *o, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)o;
	struct route_match *m = arg;
	struct nl_addr *dst = rtnl_route_get_dst(r);
	int alen = addr_len(m->af);
	struct rtnl_nexthop *nh;
	struct nl_addr *gw;
	int plen;

	if ((int)rtnl_route_get_family(r) != m->af || rtnl_route_get_table(r) != RT_TABLE_MAIN ||
	    rtnl_route_get_type(r) != RTN_UNICAST || dst == NULL)
		return;
	plen = (int)nl_addr_get_prefixlen(dst);
	nh = rtnl_route_nexthop_n(r, 0);
	if (nh == NULL || rtnl_route_nh_get_ifindex(nh) != ul.tap_ifindex || plen <= m->best_plen ||
	    plen > alen * 8 ||
	    (plen > 0 && ((int)nl_addr_get_len(dst) != alen ||
			  !prefix_has(nl_addr_get_binary_addr(dst), plen, m->dst))))
		return;
	m->best_plen = plen;
	m->found = true;
	gw = rtnl_route_nh_get_gateway(nh);
	memset(m->nh, 0, sizeof(m->nh));
	if (gw != NULL && (int)nl_addr_get_len(gw) == alen)
		memcpy(m->nh, nl_addr_get_binary_addr(gw), (size_t)alen);
}

/* The neighbour toward a VTEP: its gateway, or the VTEP itself on the underlay subnet. */
static struct nl_addr *next_hop(int af, const uint8_t *vtep)
{
	static const uint8_t zero[16];
	struct route_match m = {.af = af, .dst = vtep, .best_plen = -1};
	int alen = addr_len(af);

	if (!ul.present || (af != AF_INET && af != AF_INET6) || ul.vtep[af == AF_INET6].ip.af == 0)
		return NULL;
	nl_cache_foreach(ul.routes, route_visit, &m);
	if (!m.found)
		return NULL;
	return nl_addr_build(af, memcmp(m.nh, zero, (size_t)alen) != 0 ? m.nh : vtep,
			     (unsigned int)alen);
}

static struct rtnl_neigh *neigh_of(int af, const uint8_t *vtep)
{
	struct nl_addr *a = next_hop(af, vtep);
	struct rtnl_neigh *n;

	if (a == NULL)
		return NULL;
	n = rtnl_neigh_get(ul.neighs, ul.tap_ifindex, a);
	nl_addr_put(a);
	return n;
}

bool ctl_underlay_nh_mac(int af, const uint8_t *vtep, uint8_t mac[6])
{
	struct rtnl_neigh *n = neigh_of(af, vtep);
	struct nl_addr *ll;
	bool ok = false;

	if (n == NULL)
		return false;
	ll = rtnl_neigh_get_lladdr(n);
	/* a STALE entry still names the right MAC; ctl_underlay_refresh has it re-checked */
	if (ll != NULL && nl_addr_get_len(ll) == 6 &&
	    (rtnl_neigh_get_state(n) & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE |
					NUD_PERMANENT | NUD_NOARP))) {
		memcpy(mac, nl_addr_get_binary_addr(ll), 6);
		ok = true;
	}
	rtnl_neigh_put(n);
	return ok;
}

/*
 * NTF_USE: the kernel treats the entry as used by traffic, as if it had sent a packet
 * through it: a missing entry is created and resolved (ARP or ND, link-local gateways
 * included), a stale one is probed again. The answer arrives as a neighbour event.
 */
void ctl_underlay_resolve(int af, const uint8_t *vtep)
{
	struct nl_addr *a = next_hop(af, vtep);
	struct rtnl_neigh *n;
	int rc;

	if (a == NULL)
		return;
	n = rtnl_neigh_alloc();
	if (n != NULL) {
		rtnl_neigh_set_ifindex(n, ul.tap_ifindex);
		rtnl_neigh_set_family(n, af);
		rtnl_neigh_set_dst(n, a);
		rtnl_neigh_set_flags(n, NTF_USE);
		rc = rtnl_neigh_add(ul.sock, n, NLM_F_CREATE);
		if (rc < 0)
			UL_LOG(DEBUG, "neighbour resolution: %s", nl_geterror(rc));
		rtnl_neigh_put(n);
	}
	nl_addr_put(a);
}

void ctl_underlay_refresh(int af, const uint8_t *vtep)
{
	struct rtnl_neigh *n = neigh_of(af, vtep);
	int state;

	if (n == NULL)
		return;
	state = rtnl_neigh_get_state(n);
	rtnl_neigh_put(n);
	/* confirmed, or already being probed: nothing to ask */
	if (state & (NUD_REACHABLE | NUD_PERMANENT | NUD_NOARP | NUD_DELAY | NUD_PROBE))
		return;
	ctl_underlay_resolve(af, vtep);
}

static json_t *port_counters(const struct dp_port *p)
{
	struct dp_port_stats st;
	json_t *drops = json_object();

	dp_stats_port(p, &st);
	for (int d = 0; d < DP_DROP_MAX; d++)
		if (st.drop_reasons[d] > 0)
			json_object_set_new(drops, dp_drop_name(d),
					    json_integer((json_int_t)st.drop_reasons[d]));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}", "rx_packets", (json_int_t)st.rx_pkts,
			 "rx_bytes", (json_int_t)st.rx_bytes, "tx_packets", (json_int_t)st.tx_pkts,
			 "tx_bytes", (json_int_t)st.tx_bytes, "drops", (json_int_t)st.drops,
			 "drop_reasons", drops);
}

json_t *ctl_underlay_vtep_addrs(void)
{
	json_t *a = json_array();
	char text[64];

	for (int i = 0; ul.present && i < 2; i++)
		if (ul.vtep[i].ip.af != 0) {
			cfg_ip_format(&ul.vtep[i].ip, text, sizeof(text));
			json_array_append_new(a, json_string(text));
		}
	return a;
}

json_t *ctl_underlay_json(void)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	json_t *vteps;

	if (!ul.present)
		return json_pack("{s:b}", "present", 0);
	rte_ether_format_addr(mac, sizeof(mac), &ul.mac);
	vteps = json_array();
	for (int i = 0; i < 2; i++)
		if (ul.vtep[i].ip.af != 0)
			json_array_append_new(vteps, json_string(ul.vtep_text[i]));
	return json_pack("{s:b, s:s, s:s, s:o, s:s, s:i, s:i, s:i, s:[i,i], s:o, s:o}", "present",
			 1, "port", ul.devargs, "mac", mac, "vteps", vteps, "iface", ul.iface,
			 "vxlan_port", ul.opts.vxlan_port, "geneve_port", ul.opts.geneve_port, "ttl",
			 ul.opts.ttl, "sport_range", ul.opts.sport_min, ul.opts.sport_max,
			 "underlay_stats", port_counters(ul.port), "exception_stats",
			 port_counters(ul.tap));
}
