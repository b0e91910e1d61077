/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * See hc_netns.h. The control thread steps into a new namespace (unshare acts on the
 * calling thread only), probes the tap there, so the tap PMD creates its kernel device
 * there and brings it up by its name, addresses it, and steps back. The device has no ARP
 * (every probe address is its neighbour and the dataplane takes whatever it sends) and no
 * IPv6 (nothing to probe over it yet; its router solicitations would only be dropped).
 */
#include "hc_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "../dataplane/dp.h"
#include "ctl_ethdev.h"

#define HC_IFACE "hc0"
static const uint8_t hc_mac[6] = {0x02, 0x00, 0xa9, 0xfe, 0x00, 0x01};

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* In the namespace: 169.254.0.1/16 on the tap, no ARP, no IPv6, and lo up. */
static int configure(int ifindex, char *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *lo = NULL, *tap = NULL, *chg = rtnl_link_alloc();
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = NULL;
	int rc = -ENOMEM;

	if (sk == NULL || chg == NULL || a == NULL)
		goto out;
	rc = write_str("/proc/sys/net/ipv6/conf/" HC_IFACE "/disable_ipv6", "1");
	if (rc < 0 && rc != -ENOENT) { /* no IPv6 in the kernel: nothing to disable */
		snprintf(err, 256, "health checker: cannot disable IPv6 on its tap: %s",
			 strerror(-rc));
		goto out;
	}
	if ((rc = nl_connect(sk, NETLINK_ROUTE)) < 0 ||
	    (rc = rtnl_link_get_kernel(sk, ifindex, NULL, &tap)) < 0 ||
	    (rc = rtnl_link_get_kernel(sk, 0, "lo", &lo)) < 0)
		goto nlfail;
	rtnl_link_set_flags(chg, IFF_UP | IFF_NOARP);
	if ((rc = rtnl_link_change(sk, tap, chg, 0)) < 0)
		goto nlfail;
	rtnl_link_unset_flags(chg, IFF_NOARP);
	if ((rc = rtnl_link_change(sk, lo, chg, 0)) < 0)
		goto nlfail;
	if ((rc = nl_addr_parse("169.254.0.1/16", AF_INET, &local)) < 0)
		goto nlfail;
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	if ((rc = rtnl_addr_add(sk, a, 0)) < 0)
		goto nlfail;
	rc = 0;
	goto out;
nlfail:
	snprintf(err, 256, "health checker: cannot configure its tap: %s", nl_geterror(rc));
	rc = -EIO;
out:
	nl_addr_put(local);
	rtnl_addr_put(a);
	rtnl_link_put(chg);
	rtnl_link_put(tap);
	rtnl_link_put(lo);
	nl_socket_free(sk);
	return rc;
}

int hc_netns_open(struct hc_netns *h, char *err)
{
	char devargs[128];
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), rc, ifindex;

	h->ns_fd = -1;
	if (home < 0 || unshare(CLONE_NEWNET) < 0) {
		rc = -errno;
		snprintf(err, 256, "health checker: cannot create its network namespace: %s",
			 strerror(errno));
		if (home >= 0)
			close(home);
		return rc;
	}
	h->ns_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	memcpy(h->mac, hc_mac, 6);
	snprintf(devargs, sizeof(devargs),
		 "net_tap_vpcsw_hc,iface=" HC_IFACE ",mac=%02x:%02x:%02x:%02x:%02x:%02x", hc_mac[0],
		 hc_mac[1], hc_mac[2], hc_mac[3], hc_mac[4], hc_mac[5]);
	if (h->ns_fd < 0) {
		rc = -errno;
		snprintf(err, 256, "health checker: cannot open its namespace: %s", strerror(errno));
	} else {
		rc = ctl_ethdev_open(devargs, "the health checker's tap", &h->eth_port, err);
	}
	if (rc == 0) {
		ifindex = (int)if_nametoindex(HC_IFACE);
		if (ifindex == 0) {
			rc = -errno;
			snprintf(err, 256, "health checker: its tap %s did not appear", HC_IFACE);
		} else {
			rc = configure(ifindex, err);
		}
		if (rc < 0)
			ctl_ethdev_close(h->eth_port);
	}
	if (setns(home, CLONE_NEWNET) < 0) /* cannot fail for a namespace we were in */
		rc = -errno;
	close(home);
	if (rc < 0 && h->ns_fd >= 0) {
		close(h->ns_fd);
		h->ns_fd = -1;
	}
	return rc;
}

void hc_netns_close(struct hc_netns *h)
{
	int home;

	if (h->ns_fd < 0)
		return;
	/* the tap PMD takes its device down by name: from inside, where the name is */
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home >= 0 && setns(h->ns_fd, CLONE_NEWNET) == 0) {
		ctl_ethdev_close(h->eth_port);
		if (setns(home, CLONE_NEWNET) < 0)
			fprintf(stderr, "vpcswitchd: cannot return from the health namespace\n");
	}
	if (home >= 0)
		close(home);
	close(h->ns_fd);
	h->ns_fd = -1;
}
