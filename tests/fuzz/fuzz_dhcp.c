/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over what a VM sends the switch's DHCP server: the first input byte
 * picks the handler (even: dhcp4_handle, odd: dhcp6_handle), the rest is the UDP payload.
 * The leases are fixed and as full as dhcp.h allows, so replies come near their size limits;
 * their hardware address and server MAC match gen_corpus_dhcp.py's seeds. Besides crashes and
 * reads past the input, it aborts on broken promises (see broken()): a verdict in range, no
 * reply bytes without DHCP_REPLY, and replies that are well-formed answers to the request.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "dhcp.h"

#define V4_REPLY_MIN 300
#define V4_REPLY_MAX 548
#define V4_OPTS_OFF  240

static const uint8_t port_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x05};
static const uint8_t gw_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0xfe};

static struct dhcp4_lease lease4;
static struct dhcp6_lease lease6;

static void broken(const char *what)
{
	fprintf(stderr, "fuzz_dhcp: broken promise: %s\n", what);
	abort();
}

static void leases_init(void)
{
	memcpy(lease4.chaddr, port_mac, 6);
	lease4.addr = htonl(0x0a010005);
	lease4.plen = 24;
	lease4.router = htonl(0x0a010001);
	lease4.mtu = 1450;
	lease4.lease_time = 3600;
	lease4.n_dns = DHCP_DNS_MAX;
	for (unsigned int i = 0; i < DHCP_DNS_MAX; i++)
		lease4.dns[i] = htonl(0x0a010002 + i);
	memset(lease4.domain, 'd', sizeof(lease4.domain)); /* all 64 bytes, unterminated */
	lease4.n_routes = DHCP_ROUTES_MAX;
	for (unsigned int i = 0; i < DHCP_ROUTES_MAX; i++) {
		lease4.routes[i].prefix = htonl(0xc0a80000 + (i << 8));
		lease4.routes[i].plen = (uint8_t)(24 + i);
		lease4.routes[i].router = lease4.router;
	}

	memcpy(lease6.server_mac, gw_mac, 6);
	lease6.addr[0] = 0xfd;
	lease6.addr[3] = 1;
	lease6.addr[15] = 5;
	lease6.preferred = 1800;
	lease6.valid = 3600;
	lease6.n_dns = DHCP_DNS_MAX;
	for (unsigned int i = 0; i < DHCP_DNS_MAX; i++)
		memcpy(lease6.dns[i], lease6.addr, 16);
	memset(lease6.domain, 'e', sizeof(lease6.domain) - 1);
	lease6.domain[20] = '.';
}

/* The reply's options: each within the reply, ended by 255, only zeros after. Returns the
 * value of option 53, or 0 if absent. */
static uint8_t v4_reply_opts_check(const uint8_t *reply, size_t len)
{
	uint8_t type = 0;
	size_t off = V4_OPTS_OFF;

	for (;;) {
		if (off >= len)
			broken("v4: reply options without an end");
		if (reply[off] == 255)
			break;
		if (reply[off] == 0 || off + 2 > len || off + 2 + reply[off + 1] > len)
			broken("v4: reply option malformed or past the reply");
		if (reply[off] == 53 && reply[off + 1] == 1)
			type = reply[off + 2];
		off += 2 + (size_t)reply[off + 1];
	}
	for (off++; off < len; off++)
		if (reply[off] != 0)
			broken("v4: non-zero byte after the end option");
	return type;
}

static void run_v4(const uint8_t *msg, size_t len)
{
	uint8_t reply[DHCP4_REPLY_MAX], again[DHCP4_REPLY_MAX];
	struct dhcp4_reply_info info;
	size_t reply_len = 1, again_len;
	enum dhcp_verdict v = dhcp4_handle(msg, len, &lease4, reply, &reply_len, &info);

	if (v != DHCP_REPLY && v != DHCP_NO_REPLY && v != DHCP_MALFORMED && v != DHCP_NOT_MINE)
		broken("v4: verdict out of range");
	if (v != DHCP_REPLY) {
		if (reply_len != 0 || info.msg_type != 0 || info.broadcast != 0 || info.dst_ip != 0)
			broken("v4: reply output without a reply");
		return;
	}
	if (reply_len < V4_REPLY_MIN || reply_len > V4_REPLY_MAX)
		broken("v4: reply size out of bounds");
	if (reply[0] != 2 || reply[1] != 1 || reply[2] != 6)
		broken("v4: reply is not an Ethernet BOOTREPLY");
	if (memcmp(reply + 4, msg + 4, 4) != 0)
		broken("v4: reply xid differs from the request's");
	if (memcmp(reply + 28, msg + 28, 16) != 0 || memcmp(msg + 28, port_mac, 6) != 0)
		broken("v4: reply to another hardware address");
	if (info.msg_type != 2 && info.msg_type != 5 && info.msg_type != 6)
		broken("v4: reply type not OFFER, ACK or NAK");
	if (v4_reply_opts_check(reply, reply_len) != info.msg_type)
		broken("v4: option 53 differs from the reply info");
	if (info.broadcast ? info.dst_ip != 0xffffffffu : info.dst_ip == 0)
		broken("v4: no destination");
	/* a reply is no request: handed back, it must be refused */
	if (dhcp4_handle(reply, reply_len, &lease4, again, &again_len, &info) != DHCP_MALFORMED)
		broken("v4: own reply accepted as a request");
}

/* The reply's options tile it exactly; the client's identifier comes back unchanged and the
 * server's is ours. */
static void v6_reply_opts_check(const uint8_t *msg, size_t len, const uint8_t *reply,
				size_t reply_len)
{
	static const uint8_t server_id[] = {0, 2, 0, 10, 0, 3, 0, 1, 2, 0, 0, 0, 1, 0xfe};
	size_t off = 4;
	int has_server_id = 0;

	while (off < reply_len) {
		size_t size;

		if (reply_len - off < 4)
			broken("v6: reply option header cut");
		size = (size_t)(reply[off + 2] << 8 | reply[off + 3]);
		if (reply_len - off - 4 < size)
			broken("v6: reply option past the reply");
		if (reply[off] == 0 && reply[off + 1] == 1 &&
		    (len < 4 + 4 + size || memmem(msg + 4, len - 4, reply + off, 4 + size) == NULL))
			broken("v6: client identifier not from the request");
		if (reply[off] == 0 && reply[off + 1] == 2) {
			if (has_server_id || memcmp(reply + off, server_id, sizeof(server_id)) != 0)
				broken("v6: server identifier not ours or twice");
			has_server_id = 1;
		}
		off += 4 + size;
	}
	if (!has_server_id)
		broken("v6: reply without a server identifier");
}

static void run_v6(const uint8_t *msg, size_t len)
{
	uint8_t reply[DHCP6_REPLY_MAX];
	size_t reply_len = 1;
	enum dhcp_verdict v = dhcp6_handle(msg, len, &lease6, reply, &reply_len);

	if (v != DHCP_REPLY && v != DHCP_NO_REPLY && v != DHCP_MALFORMED)
		broken("v6: verdict out of range (no hardware address to be NOT_MINE)");
	if (v != DHCP_REPLY) {
		if (reply_len != 0)
			broken("v6: reply bytes without a reply");
		return;
	}
	if (reply_len < 4 || reply_len > DHCP6_REPLY_MAX)
		broken("v6: reply size out of bounds");
	if (reply[0] != 2 && reply[0] != 7)
		broken("v6: reply type not ADVERTISE or REPLY");
	if (reply[0] == 2 && msg[0] != 1)
		broken("v6: ADVERTISE for anything but a SOLICIT");
	if (memcmp(reply + 1, msg + 1, 3) != 0)
		broken("v6: reply transaction id differs from the request's");
	v6_reply_opts_check(msg, len, reply, reply_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		leases_init();
		ready = 1;
	}
	if (size == 0)
		return 0;
	/* The message ends where libFuzzer's exact-size buffer does: a read past it is caught. */
	if (data[0] & 1)
		run_v6(data + 1, size - 1);
	else
		run_v4(data + 1, size - 1);
	return 0;
}
