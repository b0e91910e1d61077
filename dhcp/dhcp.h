/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch's DHCP server, as pure functions (no DPDK): parse a client's DHCPv4 (RFC 2131,
 * 2132, 3442) or DHCPv6 (RFC 8415, 3646) message and build the reply from the lease the
 * control plane assigned to the client's port. The switch never allocates addresses: each
 * port has exactly the addresses its configuration gives it, so the server is stateless.
 * The caller wraps replies in Ethernet/IP/UDP headers.
 */
#ifndef VPCSW_DHCP_H
#define VPCSW_DHCP_H

#include <stddef.h>
#include <stdint.h>

#define DHCP_DNS_MAX 4
#define DHCP_ROUTES_MAX 8
#define DHCP_DOMAIN_SIZE 64
#define DHCP4_REPLY_MAX 576  /* reply buffer; replies use at most 548 bytes of it: a 576-byte
			      * IPv4 datagram (what every client takes) less IP and UDP headers */
#define DHCP6_REPLY_MAX 512

/* What a port's VM is offered over DHCPv4. Addresses in network byte order. */
struct dhcp4_lease {
	uint8_t chaddr[6];   /* the port's MAC: requests from any other hardware address are ignored */
	uint32_t addr;       /* the port's IPv4 address */
	uint8_t plen;        /* its subnet's prefix length (option 1 derives from it) */
	uint32_t router;     /* the subnet gateway (option 3); also the server identifier (54) */
	uint16_t mtu;        /* interface MTU (option 26), host order; 0: not sent */
	uint32_t lease_time; /* seconds (option 51; T1 = 1/2, T2 = 7/8 of it) */
	uint8_t n_dns;
	uint32_t dns[DHCP_DNS_MAX];       /* option 6 */
	char domain[DHCP_DOMAIN_SIZE];    /* option 15 ("" none) */
	uint8_t n_routes;                 /* option 121, classless static routes (RFC 3442) */
	struct {
		uint32_t prefix;
		uint8_t plen;
		uint32_t router;
	} routes[DHCP_ROUTES_MAX];
};

enum dhcp_verdict {
	DHCP_REPLY,     /* *reply_len bytes to send back */
	DHCP_NO_REPLY,  /* valid, and nothing to answer (RELEASE, DECLINE, a request for another
			 * server, a message type a server never answers) */
	DHCP_MALFORMED, /* not a well-formed client message: count it, drop it */
	DHCP_NOT_MINE,  /* well formed, but from another hardware address than the port's */
};

/* Where a DHCPv4 reply goes (RFC 2131 4.1): broadcast when the client asked for it or has
 * no address yet to receive unicast on. */
struct dhcp4_reply_info {
	uint8_t msg_type;  /* DHCPOFFER (2), DHCPACK (5), DHCPNAK (6) */
	int broadcast;     /* 1: to 255.255.255.255 and ff:ff:ff:ff:ff:ff; 0: to yiaddr/ciaddr */
	uint32_t dst_ip;   /* network order, when not broadcast */
};

/**
 * Handle one DHCPv4 message (the UDP payload, client port 68 to server port 67).
 * DISCOVER -> OFFER; REQUEST (selecting, init-reboot, renewing, rebinding) -> ACK, or NAK
 * when it asks for an address other than the lease's; INFORM -> ACK without an address;
 * RELEASE, DECLINE -> no reply. reply must hold DHCP4_REPLY_MAX bytes and not overlap msg.
 * On any verdict but DHCP_REPLY, *reply_len is 0 and *info zeroed. Any thread may call it.
 */
enum dhcp_verdict dhcp4_handle(const uint8_t *msg, size_t len, const struct dhcp4_lease *lease,
			       uint8_t *reply, size_t *reply_len, struct dhcp4_reply_info *info);

/* What a port's VM is offered over DHCPv6 (stateful: one IA_NA address). */
struct dhcp6_lease {
	uint8_t server_mac[6];  /* server DUID is DUID-LL (type 3) of this MAC: the gateway's */
	uint8_t addr[16];       /* the port's IPv6 address */
	uint32_t preferred, valid; /* lifetimes, seconds (T1 = 1/2, T2 = 4/5 of preferred) */
	uint8_t n_dns;
	uint8_t dns[DHCP_DNS_MAX][16];  /* option 23 */
	char domain[DHCP_DOMAIN_SIZE];  /* option 24, one name ("" none) */
};

/**
 * Handle one DHCPv6 message (the UDP payload, client port 546 to server port 547).
 * SOLICIT -> ADVERTISE (or REPLY with Rapid Commit when the client asked for it); REQUEST,
 * RENEW, REBIND, CONFIRM -> REPLY; INFORMATION-REQUEST -> REPLY without IA; RELEASE,
 * DECLINE -> REPLY with a success status. A message naming another server's DUID where
 * RFC 8415 says it must be ours gets no reply. reply must hold DHCP6_REPLY_MAX bytes and not
 * overlap msg. On any verdict but DHCP_REPLY, *reply_len is 0. Any thread may call it.
 */
enum dhcp_verdict dhcp6_handle(const uint8_t *msg, size_t len, const struct dhcp6_lease *lease,
			       uint8_t *reply, size_t *reply_len);

#endif
