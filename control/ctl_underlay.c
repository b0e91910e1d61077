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
	struct dp_port *port, *tap;
	struct rte_ether_addr mac;
	uint32_t vtep4; /* network order */
	uint8_t vtep_plen;
	int tap_ifindex;
	struct nl_sock *sock;
	struct nl_cache_mngr *mngr;
	struct nl_cache *routes, *neighs;
	bool changed;
	int probe_fd;
} ul = {.probe_fd = -1};

static int parse_vtep(const char *s)
{
	struct cfg_prefix p;

	if (cfg_prefix_parse(s, &p) < 0 || p.ip.af != AF_INET) {
		fprintf(stderr, "vpcswitchd: --vtep: '%s' is not an IPv4 address/length (the IPv6 "
				"underlay is not done yet)\n",
			s);
		return -EINVAL;
	}
	memcpy(&ul.vtep4, p.ip.addr, 4);
	ul.vtep_plen = p.plen;
	return 0;
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
	    rtnl_route_get_family((struct rtnl_route *)o) != AF_INET)
		return;
	ul.changed = true;
}

/* The VTEP address on the tap, and the tap up: the kernel then owns ARP and routing for it. */
static int tap_address(void)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = NULL;
	char buf[64];
	int rc;

	snprintf(buf, sizeof(buf), "%s", ul.opts.vtep);
	if (a == NULL || nl_addr_parse(buf, AF_INET, &local) < 0) {
		rtnl_addr_put(a);
		return -ENOMEM;
	}
	rtnl_addr_set_ifindex(a, ul.tap_ifindex);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, ul.vtep_plen);
	rc = rtnl_addr_add(ul.sock, a, NLM_F_REPLACE);
	nl_addr_put(local);
	rtnl_addr_put(a);
	return rc < 0 && rc != -NLE_EXIST ? -EIO : 0;
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
	if ((rc = parse_vtep(o->vtep)) < 0)
		return rc;
	rc = ctl_ethdev_open(o->devargs, "--underlay", &ul.port_id, err);
	if (rc < 0) {
		fprintf(stderr, "vpcswitchd: %s\n", err);
		return rc;
	}
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
	ul.tap_ifindex = (int)if_nametoindex(ul.iface);
	if (ul.tap_ifindex == 0 || (rc = netlink_start()) < 0 || (rc = tap_address()) < 0) {
		fprintf(stderr, "vpcswitchd: cannot give %s the address %s\n", ul.iface, o->vtep);
		return rc < 0 ? rc : -ENODEV;
	}
	ul.probe_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ul.probe_fd >= 0)
		setsockopt(ul.probe_fd, SOL_SOCKET, SO_BINDTODEVICE, ul.iface, strlen(ul.iface));
	ul.port = dp_port_create_ethdev("underlay", ul.port_id);
	ul.tap = dp_port_create_ethdev("exception", ul.tap_id);
	if (ul.port == NULL || ul.tap == NULL)
		return -ENOSPC;
	ul.present = true;
	UL_LOG(INFO, "%s: VTEP %s on %s, MAC " RTE_ETHER_ADDR_PRT_FMT, o->devargs, o->vtep,
	       ul.iface, RTE_ETHER_ADDR_BYTES(&ul.mac));
	return 0;
}

/* Called once the workers have stopped. */
void ctl_underlay_fini(void)
{
	if (ul.probe_fd >= 0)
		close(ul.probe_fd);
	if (ul.mngr != NULL)
		nl_cache_mngr_free(ul.mngr);
	if (ul.sock != NULL)
		nl_socket_free(ul.sock);
	if (ul.present) {
		ctl_ethdev_close(ul.tap_id);
		ctl_ethdev_close(ul.port_id);
		dp_port_destroy(ul.tap);
		dp_port_destroy(ul.port);
	}
	memset(&ul, 0, sizeof(ul));
	ul.probe_fd = -1;
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
		.vtep4 = ul.vtep4,
		.vxlan_port = ul.opts.vxlan_port,
		.geneve_port = ul.opts.geneve_port,
		.ttl = ul.opts.ttl,
		.sport_min = ul.opts.sport_min,
		.sport_max = ul.opts.sport_max,
	};
	memcpy(c->mac, ul.mac.addr_bytes, 6);
}

struct route_match {
	uint32_t dst;    /* network order */
	int best_plen;
	uint32_t nh;     /* network order; 0: on-link, the VTEP itself */
	bool found;
};

static bool prefix_has(const uint8_t *pfx, int plen, uint32_t addr)
{
	uint32_t p = 0, mask = plen == 0 ? 0 : htonl(~0u << (32 - plen));

	if (pfx != NULL)
		memcpy(&p, pfx, 4);
	return (p & mask) == (addr & mask);
}

/* Longest prefix in the main table whose path leaves through the tap. */
static void route_visit(struct nl_object *o, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)o;
	struct route_match *m = arg;
	struct nl_addr *dst = rtnl_route_get_dst(r);
	struct rtnl_nexthop *nh;
	struct nl_addr *gw;
	int plen;

	if (rtnl_route_get_family(r) != AF_INET || rtnl_route_get_table(r) != RT_TABLE_MAIN ||
	    rtnl_route_get_type(r) != RTN_UNICAST || dst == NULL)
		return;
	plen = (int)nl_addr_get_prefixlen(dst);
	nh = rtnl_route_nexthop_n(r, 0);
	if (nh == NULL || rtnl_route_nh_get_ifindex(nh) != ul.tap_ifindex || plen <= m->best_plen ||
	    !prefix_has(nl_addr_get_len(dst) == 4 ? nl_addr_get_binary_addr(dst) : NULL, plen,
			m->dst))
		return;
	m->best_plen = plen;
	m->found = true;
	gw = rtnl_route_nh_get_gateway(nh);
	m->nh = 0;
	if (gw != NULL && nl_addr_get_len(gw) == 4)
		memcpy(&m->nh, nl_addr_get_binary_addr(gw), 4);
}

static bool next_hop(uint32_t vtep4, uint32_t *nh)
{
	struct route_match m = {.dst = vtep4, .best_plen = -1};

	nl_cache_foreach(ul.routes, route_visit, &m);
	if (!m.found)
		return false;
	*nh = m.nh != 0 ? m.nh : vtep4;
	return true;
}

bool ctl_underlay_nh_mac(uint32_t vtep4, uint8_t mac[6])
{
	struct rtnl_neigh *n;
	struct nl_addr *a, *ll;
	uint32_t nh;
	bool ok = false;

	if (!ul.present || !next_hop(vtep4, &nh))
		return false;
	a = nl_addr_build(AF_INET, &nh, 4);
	if (a == NULL)
		return false;
	n = rtnl_neigh_get(ul.neighs, ul.tap_ifindex, a);
	nl_addr_put(a);
	if (n == NULL)
		return false;
	ll = rtnl_neigh_get_lladdr(n);
	/* a STALE entry still names the right MAC; the kernel re-checks it as traffic goes */
	if (ll != NULL && nl_addr_get_len(ll) == 6 &&
	    (rtnl_neigh_get_state(n) & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE |
					NUD_PERMANENT | NUD_NOARP))) {
		memcpy(mac, nl_addr_get_binary_addr(ll), 6);
		ok = true;
	}
	rtnl_neigh_put(n);
	return ok;
}

/* An empty datagram to the discard port through the tap: the kernel resolves the next hop. */
void ctl_underlay_resolve(uint32_t vtep4)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(9)};
	uint32_t nh;

	if (ul.probe_fd < 0 || !next_hop(vtep4, &nh))
		return;
	sa.sin_addr.s_addr = nh;
	if (sendto(ul.probe_fd, "", 0, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EAGAIN)
		UL_LOG(DEBUG, "resolution probe: %s", strerror(errno));
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

json_t *ctl_underlay_json(void)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	if (!ul.present)
		return json_pack("{s:b}", "present", 0);
	rte_ether_format_addr(mac, sizeof(mac), &ul.mac);
	return json_pack("{s:b, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:[i,i], s:o, s:o}", "present",
			 1, "port", ul.devargs, "mac", mac, "vtep", ul.opts.vtep, "iface", ul.iface,
			 "vxlan_port", ul.opts.vxlan_port, "geneve_port", ul.opts.geneve_port, "ttl",
			 ul.opts.ttl, "sport_range", ul.opts.sport_min, ul.opts.sport_max,
			 "underlay_stats", port_counters(ul.port), "exception_stats",
			 port_counters(ul.tap));
}
