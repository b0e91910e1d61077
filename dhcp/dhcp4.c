/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch's DHCPv4 server (RFC 2131; options RFC 2132, classless routes RFC 3442): one
 * client message in, at most one reply out, decided from the port's lease alone (see
 * dhcp.h). The dataplane hands over the UDP payload of 68->67 datagrams and wraps the reply
 * as dhcp4_reply_info says; dhcp6.c is the DHCPv6 twin.
 */
#include "dhcp.h"

#include <arpa/inet.h>
#include <string.h>

#include "dhcp_private.h"

/* The fixed BOOTP header (RFC 2131 figure 1), then the magic cookie and the options. */
#define OFF_OP	    0
#define OFF_HTYPE   1
#define OFF_HLEN    2
#define OFF_XID	    4
#define OFF_FLAGS   10
#define OFF_CIADDR  12
#define OFF_YIADDR  16
#define OFF_GIADDR  24
#define OFF_CHADDR  28
#define OFF_SNAME   44
#define OFF_FILE    108
#define OFF_COOKIE  236
#define OFF_OPTIONS 240
#define CHADDR_SIZE 16
#define SNAME_SIZE  64
#define FILE_SIZE   128

#define BOOTREQUEST    1
#define BOOTREPLY      2
#define HTYPE_ETHERNET 1
#define HLEN_ETHERNET  6
#define FLAG_BROADCAST 0x80 /* top bit of the flags field, in its first byte */

/* Every client must take a 576-byte datagram (RFC 2131 section 2: options field of at least
 * 312 bytes): 548 bytes once the IP and UDP headers are off. Replies never exceed it, so
 * the client's maximum message size (option 57, at least 576) never matters. */
#define REPLY_SIZE_MAX 548
#define BOOTP_SIZE_MIN 300 /* RFC 1542 2.1: some relays and clients drop shorter ones */

enum {
	OPT_PAD = 0,
	OPT_SUBNET_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_DOMAIN = 15,
	OPT_MTU = 26,
	OPT_REQUESTED_ADDR = 50,
	OPT_LEASE_TIME = 51,
	OPT_OVERLOAD = 52,
	OPT_MSG_TYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_MESSAGE = 56,
	OPT_T1 = 58,
	OPT_T2 = 59,
	OPT_CLIENT_ID = 61,
	OPT_CLASSLESS_ROUTES = 121,
	OPT_END = 255,
};

enum {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

/* Option overload (52) values: which of the fixed fields carry options too. */
#define OVERLOAD_FILE  1
#define OVERLOAD_SNAME 2

#define MTU_MIN 68 /* RFC 2132 5.1 */

static const uint8_t magic_cookie[4] = {99, 130, 83, 99};

/* The options of a request this server reads, each of which may appear once: RFC 3396 would
 * join repeated instances, and none of these is long enough to need splitting, so a repeat
 * is a broken or hostile client rather than a long option. */
enum {
	SEEN_MSG_TYPE = 1 << 0,
	SEEN_REQUESTED = 1 << 1,
	SEEN_SERVER_ID = 1 << 2,
	SEEN_CLIENT_ID = 1 << 3,
	SEEN_OVERLOAD = 1 << 4,
};

/* A validated request. Addresses stay in network order, as in the lease. */
struct request {
	uint8_t type;
	uint8_t overload;
	unsigned int seen;
	uint32_t ciaddr, giaddr;
	uint32_t requested;	  /* option 50, when SEEN_REQUESTED */
	uint32_t server_id;	  /* option 54, when SEEN_SERVER_ID */
	const uint8_t *client_id; /* option 61, echoed (RFC 6842), when SEEN_CLIENT_ID */
	uint8_t client_id_size;
};

static int opt_seen(struct request *r, unsigned int bit)
{
	if (r->seen & bit)
		return -1;
	r->seen |= bit;
	return 0;
}

/* Judge one option's length and value if the server reads it; others are only walked over. */
static int opt_read(struct request *r, uint8_t code, const uint8_t *data, uint8_t size,
		    bool in_options_field)
{
	switch (code) {
	case OPT_MSG_TYPE:
		if (size != 1 || data[0] < DHCPDISCOVER || data[0] > DHCPINFORM)
			return -1;
		r->type = data[0];
		return opt_seen(r, SEEN_MSG_TYPE);
	case OPT_REQUESTED_ADDR:
	case OPT_SERVER_ID:
		if (size != 4)
			return -1;
		memcpy(code == OPT_SERVER_ID ? &r->server_id : &r->requested, data, 4);
		return opt_seen(r, code == OPT_SERVER_ID ? SEEN_SERVER_ID : SEEN_REQUESTED);
	case OPT_CLIENT_ID:
		if (size < 2) /* RFC 2132 9.14: a type and at least one byte */
			return -1;
		r->client_id = data;
		r->client_id_size = size;
		return opt_seen(r, SEEN_CLIENT_ID);
	case OPT_OVERLOAD:
		/* RFC 2131 4.1: only the options field may say the others carry options */
		if (!in_options_field || size != 1 || data[0] < 1 || data[0] > 3)
			return -1;
		r->overload = data[0];
		return opt_seen(r, SEEN_OVERLOAD);
	default:
		return 0;
	}
}

/*
 * Walk one options area: pads skipped, every length checked against the area before its
 * data is touched. RFC 2131 4.1 ends each area with an end option; one without it was cut
 * short somewhere, so it is refused rather than guessed at.
 */
static int opts_walk(const uint8_t *area, size_t size, struct request *r, bool options_field)
{
	size_t off = 0;

	while (off < size) {
		uint8_t code = area[off], opt_size;

		if (code == OPT_PAD) {
			off++;
			continue;
		}
		if (code == OPT_END)
			return 0;
		if (size - off < 2)
			return -1;
		opt_size = area[off + 1];
		if (size - off - 2 < opt_size)
			return -1;
		if (opt_read(r, code, area + off + 2, opt_size, options_field) < 0)
			return -1;
		off += 2 + (size_t)opt_size;
	}
	return -1;
}

static int request_parse(const uint8_t *msg, size_t len, struct request *r)
{
	memset(r, 0, sizeof(*r));
	if (len < OFF_OPTIONS)
		return -1;
	/* Only Ethernet clients sit behind a port; another htype/hlen makes chaddr meaningless. */
	if (msg[OFF_OP] != BOOTREQUEST || msg[OFF_HTYPE] != HTYPE_ETHERNET ||
	    msg[OFF_HLEN] != HLEN_ETHERNET)
		return -1;
	if (memcmp(msg + OFF_COOKIE, magic_cookie, sizeof(magic_cookie)) != 0)
		return -1;
	if (opts_walk(msg + OFF_OPTIONS, len - OFF_OPTIONS, r, true) < 0)
		return -1;
	/* RFC 2131 4.1: the file field's options come before the sname field's */
	if ((r->overload & OVERLOAD_FILE) && opts_walk(msg + OFF_FILE, FILE_SIZE, r, false) < 0)
		return -1;
	if ((r->overload & OVERLOAD_SNAME) && opts_walk(msg + OFF_SNAME, SNAME_SIZE, r, false) < 0)
		return -1;
	/* Without a message type it is plain BOOTP, which this server does not speak. */
	if (!(r->seen & SEEN_MSG_TYPE))
		return -1;
	memcpy(&r->ciaddr, msg + OFF_CIADDR, 4);
	memcpy(&r->giaddr, msg + OFF_GIADDR, 4);
	return 0;
}

/*
 * RFC 2131 4.3.2: the fields a REQUEST fills tell the client's state. SELECTING names the
 * chosen server (54) and the offered address (50); INIT-REBOOT names the address it had
 * (50) and no server; RENEWING and REBINDING put the address in ciaddr. The address asked
 * for is option 50 when present, else ciaddr, which also judges clients that name the
 * server while renewing. Returns the reply type, or 0 when the client chose another server.
 */
static uint8_t request_judge(const struct request *r, const struct dhcp4_lease *lease)
{
	uint32_t asked;

	if ((r->seen & SEEN_SERVER_ID) && r->server_id != lease->router)
		return 0;
	asked = (r->seen & SEEN_REQUESTED) ? r->requested : r->ciaddr;
	return asked != 0 && asked == lease->addr ? DHCPACK : DHCPNAK;
}

static void opt_put(struct dhcp_wbuf *w, uint8_t code, const void *data, uint8_t size)
{
	dhcp_wbuf_u8(w, code);
	dhcp_wbuf_u8(w, size);
	dhcp_wbuf_put(w, data, size);
}

static void opt_put_be32(struct dhcp_wbuf *w, uint8_t code, uint32_t v)
{
	dhcp_wbuf_u8(w, code);
	dhcp_wbuf_u8(w, 4);
	dhcp_wbuf_be32(w, v);
}

static uint32_t plen_mask(uint8_t plen)
{
	return plen == 0 ? 0 : UINT32_MAX << (32 - (plen > 32 ? 32 : plen));
}

/* One RFC 3442 destination descriptor and router: the prefix length, then only the
 * significant bytes of the destination (host bits cleared), then the router. */
static size_t route_encode(uint8_t *p, uint32_t prefix, uint8_t plen, uint32_t router)
{
	uint32_t dst = ntohl(prefix) & plen_mask(plen);
	size_t n = (plen + 7u) / 8;

	p[0] = plen;
	for (size_t i = 0; i < n; i++)
		p[1 + i] = (uint8_t)(dst >> (24 - 8 * i));
	memcpy(p + 1 + n, &router, 4);
	return 1 + n + 4;
}

/*
 * Option 121. A client that takes it ignores the router option (RFC 3442), so the default
 * route via the gateway goes in too unless the lease routes 0.0.0.0/0 itself. Routes with
 * a prefix length over 32 cannot be encoded and are left out.
 */
static void opt_put_routes(struct dhcp_wbuf *w, const struct dhcp4_lease *lease)
{
	uint8_t buf[(DHCP_ROUTES_MAX + 1) * 9];
	unsigned int n = lease->n_routes < DHCP_ROUTES_MAX ? lease->n_routes : DHCP_ROUTES_MAX;
	bool has_default = false;
	size_t size = 0;

	if (n == 0)
		return;
	for (unsigned int i = 0; i < n; i++) {
		if (lease->routes[i].plen > 32)
			continue;
		has_default |= lease->routes[i].plen == 0;
		size += route_encode(buf + size, lease->routes[i].prefix, lease->routes[i].plen,
				     lease->routes[i].router);
	}
	if (!has_default)
		size += route_encode(buf + size, 0, 0, lease->router);
	opt_put(w, OPT_CLASSLESS_ROUTES, buf, (uint8_t)size);
}

static void opts_put_lease_times(struct dhcp_wbuf *w, const struct dhcp4_lease *lease)
{
	opt_put_be32(w, OPT_LEASE_TIME, lease->lease_time);
	opt_put_be32(w, OPT_T1, dhcp_lifetime_part(lease->lease_time, 1, 2));
	opt_put_be32(w, OPT_T2, dhcp_lifetime_part(lease->lease_time, 7, 8));
}

/* The subnet mask goes before the router option, as RFC 2132 3.3 asks. */
static void opts_put_config(struct dhcp_wbuf *w, const struct dhcp4_lease *lease)
{
	unsigned int n_dns = lease->n_dns < DHCP_DNS_MAX ? lease->n_dns : DHCP_DNS_MAX;
	size_t domain_size = strnlen(lease->domain, sizeof(lease->domain));

	opt_put_be32(w, OPT_SUBNET_MASK, plen_mask(lease->plen));
	opt_put(w, OPT_ROUTER, &lease->router, 4);
	if (n_dns > 0)
		opt_put(w, OPT_DNS, lease->dns, (uint8_t)(n_dns * 4));
	if (domain_size > 0)
		opt_put(w, OPT_DOMAIN, lease->domain, (uint8_t)domain_size);
	if (lease->mtu >= MTU_MIN) {
		dhcp_wbuf_u8(w, OPT_MTU);
		dhcp_wbuf_u8(w, 2);
		dhcp_wbuf_be16(w, lease->mtu);
	}
	opt_put_routes(w, lease);
}

/*
 * The options after the fixed header, without the end option (w leaves room for it). With
 * the lease's limits the essential options take at most 206 bytes of the 307 available;
 * the echoed client identifier goes last and is left out whole if it does not fit.
 */
static void opts_put(struct dhcp_wbuf *w, const struct request *r, const struct dhcp4_lease *lease,
		     uint8_t type)
{
	static const char nak_text[] = "requested address is not this client's lease";
	size_t mark;

	dhcp_wbuf_u8(w, OPT_MSG_TYPE);
	dhcp_wbuf_u8(w, 1);
	dhcp_wbuf_u8(w, type);
	opt_put(w, OPT_SERVER_ID, &lease->router, 4);
	if (type == DHCPNAK) {
		/* RFC 2131 table 3: a NAK carries nothing about the lease or the network */
		opt_put(w, OPT_MESSAGE, nak_text, sizeof(nak_text) - 1);
	} else {
		/* RFC 2131 table 3: an INFORM's ACK MUST NOT carry a lease time */
		if (r->type != DHCPINFORM)
			opts_put_lease_times(w, lease);
		opts_put_config(w, lease);
	}
	if (r->seen & SEEN_CLIENT_ID) {
		mark = w->size;
		opt_put(w, OPT_CLIENT_ID, r->client_id, r->client_id_size);
		dhcp_wbuf_commit(w, mark);
	}
}

/* RFC 2131 table 3, for the fields a reply copies or sets; sname and file stay empty. */
static size_t reply_write(const uint8_t *msg, const struct request *r,
			  const struct dhcp4_lease *lease, uint8_t type, uint8_t *reply)
{
	struct dhcp_wbuf w;
	size_t size;

	memset(reply, 0, OFF_OPTIONS);
	reply[OFF_OP] = BOOTREPLY;
	reply[OFF_HTYPE] = HTYPE_ETHERNET;
	reply[OFF_HLEN] = HLEN_ETHERNET;
	memcpy(reply + OFF_XID, msg + OFF_XID, 4);
	memcpy(reply + OFF_FLAGS, msg + OFF_FLAGS, 2);
	if (type == DHCPACK)
		memcpy(reply + OFF_CIADDR, &r->ciaddr, 4);
	if (type != DHCPNAK && r->type != DHCPINFORM)
		memcpy(reply + OFF_YIADDR, &lease->addr, 4);
	memcpy(reply + OFF_GIADDR, &r->giaddr, 4);
	memcpy(reply + OFF_CHADDR, msg + OFF_CHADDR, CHADDR_SIZE);
	memcpy(reply + OFF_COOKIE, magic_cookie, sizeof(magic_cookie));

	dhcp_wbuf_init(&w, reply + OFF_OPTIONS, REPLY_SIZE_MAX - OFF_OPTIONS - 1);
	opts_put(&w, r, lease, type);
	size = OFF_OPTIONS + w.size;
	reply[size++] = OPT_END;
	if (size < BOOTP_SIZE_MIN) {
		memset(reply + size, 0, BOOTP_SIZE_MIN - size);
		size = BOOTP_SIZE_MIN;
	}
	return size;
}

/*
 * RFC 2131 4.1, for a client on the link (giaddr zero): NAKs are broadcast; a client with
 * an address (ciaddr) gets unicast there; one that set the broadcast bit, because it cannot
 * take unicast before it has an address, gets a broadcast; otherwise unicast to yiaddr at
 * chaddr. An INFORM without ciaddr has no yiaddr either, so it gets a broadcast.
 */
static void reply_info_fill(struct dhcp4_reply_info *info, const uint8_t *msg,
			    const struct request *r, const uint8_t *reply, uint8_t type)
{
	uint32_t yiaddr;

	memcpy(&yiaddr, reply + OFF_YIADDR, 4);
	info->msg_type = type;
	info->broadcast = 0;
	if (type == DHCPNAK)
		info->broadcast = 1;
	else if (r->ciaddr != 0)
		info->dst_ip = r->ciaddr;
	else if (msg[OFF_FLAGS] & FLAG_BROADCAST)
		info->broadcast = 1;
	else if (yiaddr != 0)
		info->dst_ip = yiaddr;
	else
		info->broadcast = 1;
	if (info->broadcast)
		info->dst_ip = INADDR_BROADCAST;
}

enum dhcp_verdict dhcp4_handle(const uint8_t *msg, size_t len, const struct dhcp4_lease *lease,
			       uint8_t *reply, size_t *reply_len, struct dhcp4_reply_info *info)
{
	struct request r;
	uint8_t type;

	*reply_len = 0;
	memset(info, 0, sizeof(*info));
	if (request_parse(msg, len, &r) < 0)
		return DHCP_MALFORMED;
	/* A relayed message came through a VM acting as relay agent; the switch serves only
	 * the ports it is attached to, and the relay's own clients are not among them. */
	if (r.giaddr != 0)
		return DHCP_NO_REPLY;
	if (memcmp(msg + OFF_CHADDR, lease->chaddr, sizeof(lease->chaddr)) != 0)
		return DHCP_NOT_MINE;
	switch (r.type) {
	case DHCPDISCOVER:
		type = DHCPOFFER;
		break;
	case DHCPREQUEST:
		type = request_judge(&r, lease);
		break;
	case DHCPINFORM:
		type = DHCPACK;
		break;
	default: /* RELEASE, DECLINE: nothing to free in a stateless server; server types */
		type = 0;
		break;
	}
	if (type == 0)
		return DHCP_NO_REPLY;
	*reply_len = reply_write(msg, &r, lease, type, reply);
	reply_info_fill(info, msg, &r, reply, type);
	return DHCP_REPLY;
}
