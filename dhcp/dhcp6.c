/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch's DHCPv6 server (RFC 8415; DNS options RFC 3646): stateful, one address per
 * port, given in the first IA_NA the client sends, and decided from the port's lease alone
 * (see dhcp.h). The dataplane hands over the UDP payload of 546->547 datagrams and wraps
 * the reply; dhcp4.c is the DHCPv4 twin.
 */
#include "dhcp.h"

#include <string.h>

#include "dhcp_private.h"

enum {
	SOLICIT = 1,
	ADVERTISE = 2,
	REQUEST = 3,
	CONFIRM = 4,
	RENEW = 5,
	REBIND = 6,
	REPLY = 7,
	RELEASE = 8,
	DECLINE = 9,
	RECONFIGURE = 10,
	INFORMATION_REQUEST = 11,
	RELAY_FORW = 12,
	RELAY_REPL = 13,
};

enum {
	OPT_CLIENTID = 1,
	OPT_SERVERID = 2,
	OPT_IA_NA = 3,
	OPT_IA_TA = 4,
	OPT_IAADDR = 5,
	OPT_PREFERENCE = 7,
	OPT_STATUS_CODE = 13,
	OPT_RAPID_COMMIT = 14,
	OPT_DNS_SERVERS = 23,
	OPT_DOMAIN_LIST = 24,
	OPT_IA_PD = 25,
};

enum {
	STATUS_SUCCESS = 0,
	STATUS_NO_ADDRS_AVAIL = 2,
	STATUS_NO_BINDING = 3,
	STATUS_NOT_ON_LINK = 4,
	STATUS_NO_PREFIX_AVAIL = 6,
};

#define MSG_HDR_SIZE	 4 /* type and transaction id */
#define OPT_HDR_SIZE	 4
#define DUID_SIZE_MIN	 3 /* RFC 8415 11.1: a type and 1 to 128 bytes */
#define DUID_SIZE_MAX	 130
#define DUID_LL		 3
#define HWTYPE_ETHERNET	 1
#define SERVER_DUID_SIZE 10
#define IA_NA_FIXED	 12 /* IAID, T1, T2 */
#define IA_TA_FIXED	 4  /* IAID */
#define IA_PD_FIXED	 12
#define IAADDR_FIXED	 24 /* address, preferred and valid lifetimes */
#define PREFERENCE_MAX	 255
/* Addresses other than the lease's a client renews are handed back at lifetime 0; a few
 * are enough to say the port's address changed, and they keep the reply's size bounded. */
#define STALE_ADDRS_MAX 2

struct opt6 {
	uint16_t code;
	uint16_t size;
	const uint8_t *data;
};

struct opt6_iter {
	const uint8_t *p;
	size_t size, off;
};

/* A validated client message. The options stay in the message: the reply walks them again. */
struct request {
	uint8_t type;
	const uint8_t *opts;
	size_t opts_size;
	struct opt6 client_id, server_id;
	bool has_client_id, has_server_id;
	bool rapid_commit;
	unsigned int n_ia_na, n_ias; /* IA_NA; IA_NA, IA_TA and IA_PD */
};

static void opt6_iter_init(struct opt6_iter *it, const uint8_t *p, size_t size)
{
	it->p = p;
	it->size = size;
	it->off = 0;
}

/* 1: *o is the next option; 0: the area ended exactly after the last one; -1: an option's
 * header or data runs past the area. Lengths are checked before the data is pointed at. */
static int opt6_next(struct opt6_iter *it, struct opt6 *o)
{
	if (it->off == it->size)
		return 0;
	if (it->size - it->off < OPT_HDR_SIZE)
		return -1;
	o->code = dhcp_be16(it->p + it->off);
	o->size = dhcp_be16(it->p + it->off + 2);
	if (it->size - it->off - OPT_HDR_SIZE < o->size)
		return -1;
	o->data = it->p + it->off + OPT_HDR_SIZE;
	it->off += OPT_HDR_SIZE + (size_t)o->size;
	return 1;
}

/* For option areas the server never reads into: only their lengths must hold together. */
static bool opts_bounded(const uint8_t *p, size_t size)
{
	struct opt6_iter it;
	struct opt6 o;
	int rc;

	opt6_iter_init(&it, p, size);
	while ((rc = opt6_next(&it, &o)) > 0)
		;
	return rc == 0;
}

/* The options of an IA_NA or IA_TA: CONFIRM and RENEW read the addresses in them. */
static bool ia_opts_valid(const uint8_t *p, size_t size)
{
	struct opt6_iter it;
	struct opt6 o;
	int rc;

	opt6_iter_init(&it, p, size);
	while ((rc = opt6_next(&it, &o)) > 0) {
		if (o.code != OPT_IAADDR)
			continue;
		if (o.size < IAADDR_FIXED ||
		    !opts_bounded(o.data + IAADDR_FIXED, o.size - IAADDR_FIXED))
			return false;
	}
	return rc == 0;
}

static bool ia_valid(const struct opt6 *o)
{
	switch (o->code) {
	case OPT_IA_NA:
		return o->size >= IA_NA_FIXED &&
		       ia_opts_valid(o->data + IA_NA_FIXED, o->size - IA_NA_FIXED);
	case OPT_IA_TA:
		return o->size >= IA_TA_FIXED &&
		       ia_opts_valid(o->data + IA_TA_FIXED, o->size - IA_TA_FIXED);
	default: /* IA_PD: its prefixes are never read, only refused */
		return o->size >= IA_PD_FIXED &&
		       opts_bounded(o->data + IA_PD_FIXED, o->size - IA_PD_FIXED);
	}
}

/* A second client or server identifier leaves it open which one the client meant. */
static int duid_read(struct opt6 *dst, bool *has, const struct opt6 *o)
{
	if (*has || o->size < DUID_SIZE_MIN || o->size > DUID_SIZE_MAX)
		return -1;
	*dst = *o;
	*has = true;
	return 0;
}

static int opt_read(struct request *r, const struct opt6 *o)
{
	switch (o->code) {
	case OPT_CLIENTID:
		return duid_read(&r->client_id, &r->has_client_id, o);
	case OPT_SERVERID:
		return duid_read(&r->server_id, &r->has_server_id, o);
	case OPT_IA_NA:
	case OPT_IA_TA:
	case OPT_IA_PD:
		if (!ia_valid(o))
			return -1;
		r->n_ia_na += o->code == OPT_IA_NA;
		r->n_ias++;
		return 0;
	case OPT_RAPID_COMMIT:
		if (o->size != 0)
			return -1;
		r->rapid_commit = true;
		return 0;
	default:
		return 0;
	}
}

static int request_parse(const uint8_t *msg, size_t len, struct request *r)
{
	struct opt6_iter it;
	struct opt6 o;
	int rc;

	memset(r, 0, sizeof(*r));
	r->type = msg[0];
	r->opts = msg + MSG_HDR_SIZE;
	r->opts_size = len - MSG_HDR_SIZE;
	opt6_iter_init(&it, r->opts, r->opts_size);
	while ((rc = opt6_next(&it, &o)) > 0)
		if (opt_read(r, &o) < 0)
			return -1;
	return rc;
}

static void server_duid(const struct dhcp6_lease *lease, uint8_t duid[SERVER_DUID_SIZE])
{
	duid[0] = 0;
	duid[1] = DUID_LL;
	duid[2] = 0;
	duid[3] = HWTYPE_ETHERNET;
	memcpy(duid + 4, lease->server_mac, 6);
}

static bool server_id_ours(const struct request *r, const struct dhcp6_lease *lease)
{
	uint8_t duid[SERVER_DUID_SIZE];

	server_duid(lease, duid);
	return r->has_server_id && r->server_id.size == SERVER_DUID_SIZE &&
	       memcmp(r->server_id.data, duid, SERVER_DUID_SIZE) == 0;
}

/*
 * RFC 8415 16.2-16.12: which identifiers each message must carry. A missing client
 * identifier makes the message unusable (malformed); a server identifier where none may be,
 * or another server's where ours must be, means the message is for another server.
 */
static enum dhcp_verdict request_check(const struct request *r, const struct dhcp6_lease *lease)
{
	if (!r->has_client_id && r->type != INFORMATION_REQUEST)
		return DHCP_MALFORMED;
	switch (r->type) {
	case SOLICIT:
	case CONFIRM:
	case REBIND:
		return r->has_server_id ? DHCP_NO_REPLY : DHCP_REPLY;
	case INFORMATION_REQUEST:
		/* 16.12: it asks for configuration only, so an IA in it is discarded too */
		if (r->has_server_id && !server_id_ours(r, lease))
			return DHCP_NO_REPLY;
		return r->n_ias > 0 ? DHCP_NO_REPLY : DHCP_REPLY;
	default: /* REQUEST, RENEW, RELEASE, DECLINE */
		return server_id_ours(r, lease) ? DHCP_REPLY : DHCP_NO_REPLY;
	}
}

static size_t opt6_begin(struct dhcp_wbuf *w, uint16_t code)
{
	size_t start = w->size;

	dhcp_wbuf_be16(w, code);
	dhcp_wbuf_be16(w, 0);
	return start;
}

/* Set the length of the option begun at start, now that all its data is written. */
static void opt6_end(struct dhcp_wbuf *w, size_t start)
{
	size_t size = w->size - start - OPT_HDR_SIZE;

	if (w->full)
		return;
	w->p[start + 2] = (uint8_t)(size >> 8);
	w->p[start + 3] = (uint8_t)size;
}

static void opt6_put(struct dhcp_wbuf *w, uint16_t code, const void *data, size_t size)
{
	size_t start = opt6_begin(w, code);

	dhcp_wbuf_put(w, data, size);
	opt6_end(w, start);
}

static void status_put(struct dhcp_wbuf *w, uint16_t status, const char *text)
{
	size_t start = opt6_begin(w, OPT_STATUS_CODE);

	dhcp_wbuf_be16(w, status);
	dhcp_wbuf_put(w, text, strlen(text));
	opt6_end(w, start);
}

static void iaaddr_put(struct dhcp_wbuf *w, const uint8_t *addr, uint32_t preferred, uint32_t valid)
{
	size_t start = opt6_begin(w, OPT_IAADDR);

	dhcp_wbuf_put(w, addr, 16);
	dhcp_wbuf_be32(w, preferred);
	dhcp_wbuf_be32(w, valid);
	opt6_end(w, start);
}

/* RFC 8415 18.3.4, 18.3.5: an address the client renews that is no longer the port's goes
 * back at lifetime 0, so the client drops it now instead of when it expires. */
static void stale_addrs_put(struct dhcp_wbuf *w, const struct opt6 *ia,
			    const struct dhcp6_lease *lease)
{
	unsigned int n = 0;
	struct opt6_iter it;
	struct opt6 o;

	opt6_iter_init(&it, ia->data + IA_NA_FIXED, ia->size - IA_NA_FIXED);
	while (n < STALE_ADDRS_MAX && opt6_next(&it, &o) > 0) {
		if (o.code != OPT_IAADDR || memcmp(o.data, lease->addr, 16) == 0)
			continue;
		iaaddr_put(w, o.data, 0, 0);
		n++;
	}
}

/* The IA_NA that holds the lease: the client's IAID, T1 and T2 from the preferred lifetime
 * (1/2 and 4/5), and the address. */
static void ia_na_lease_put(struct dhcp_wbuf *w, const struct opt6 *ia,
			    const struct dhcp6_lease *lease, bool renewing)
{
	size_t start = opt6_begin(w, OPT_IA_NA);

	dhcp_wbuf_put(w, ia->data, 4);
	dhcp_wbuf_be32(w, dhcp_lifetime_part(lease->preferred, 1, 2));
	dhcp_wbuf_be32(w, dhcp_lifetime_part(lease->preferred, 4, 5));
	iaaddr_put(w, lease->addr, lease->preferred, lease->valid);
	if (renewing)
		stale_addrs_put(w, ia, lease);
	opt6_end(w, start);
}

/* An IA the server does not fill: the client's IAID (T1/T2 zero) and a status saying why. */
static void ia_refusal_put(struct dhcp_wbuf *w, const struct opt6 *ia, uint16_t status)
{
	static const uint8_t zero_t1_t2[8];
	size_t start = opt6_begin(w, ia->code);

	dhcp_wbuf_put(w, ia->data, 4);
	if (ia->code != OPT_IA_TA)
		dhcp_wbuf_put(w, zero_t1_t2, sizeof(zero_t1_t2));
	status_put(w, status, status == STATUS_NO_BINDING ? "no binding" : "none available");
	opt6_end(w, start);
}

static uint16_t ia_refusal_status(const struct request *r, const struct opt6 *ia)
{
	if (r->type == RENEW || r->type == REBIND)
		return STATUS_NO_BINDING;
	return ia->code == OPT_IA_PD ? STATUS_NO_PREFIX_AVAIL : STATUS_NO_ADDRS_AVAIL;
}

/*
 * One answer per IA the client sent. The lease's single address goes into the first IA_NA:
 * an address belongs to one IA (RFC 8415 12.1), so any further IA_NA, and every IA_TA and
 * IA_PD (the switch gives neither temporary addresses nor prefixes), is refused: "none
 * available" when asked for, "no binding" when renewed. The lease goes first so that no
 * number of refusals can crowd it out; each IA is written whole or not at all.
 */
static void ias_put(struct dhcp_wbuf *w, const struct request *r, const struct dhcp6_lease *lease)
{
	const uint8_t *lease_ia = NULL;
	struct opt6_iter it;
	struct opt6 o;

	opt6_iter_init(&it, r->opts, r->opts_size);
	while (lease_ia == NULL && opt6_next(&it, &o) > 0) {
		if (o.code == OPT_IA_NA) {
			size_t mark = w->size;

			ia_na_lease_put(w, &o, lease, r->type == RENEW || r->type == REBIND);
			dhcp_wbuf_commit(w, mark);
			lease_ia = o.data;
		}
	}
	opt6_iter_init(&it, r->opts, r->opts_size);
	while (opt6_next(&it, &o) > 0) {
		size_t mark = w->size;

		if (o.data == lease_ia ||
		    (o.code != OPT_IA_NA && o.code != OPT_IA_TA && o.code != OPT_IA_PD))
			continue;
		ia_refusal_put(w, &o, ia_refusal_status(r, &o));
		dhcp_wbuf_commit(w, mark);
	}
}

/*
 * A domain name in DNS wire form, as RFC 8415 10 asks (RFC 1035 3.1, no compression): each
 * label behind its length, then the root's zero byte. A trailing dot is the root already.
 * Returns the encoded size, or 0 for a name with an empty or over-63-byte label, which is
 * left out rather than sent broken.
 */
static size_t domain_encode(const char *name, size_t name_size, uint8_t *out)
{
	size_t size = 0, start = 0;

	if (name_size > 0 && name[name_size - 1] == '.')
		name_size--;
	if (name_size == 0)
		return 0;
	while (start <= name_size) {
		const char *dot = memchr(name + start, '.', name_size - start);
		size_t label = (dot != NULL ? (size_t)(dot - name) : name_size) - start;

		if (label == 0 || label > 63)
			return 0;
		out[size++] = (uint8_t)label;
		memcpy(out + size, name + start, label);
		size += label;
		start += label + 1;
	}
	out[size++] = 0;
	return size;
}

static void config_put(struct dhcp_wbuf *w, const struct dhcp6_lease *lease)
{
	unsigned int n_dns = lease->n_dns < DHCP_DNS_MAX ? lease->n_dns : DHCP_DNS_MAX;
	uint8_t domain[DHCP_DOMAIN_SIZE + 2];
	size_t domain_size;

	if (n_dns > 0)
		opt6_put(w, OPT_DNS_SERVERS, lease->dns, n_dns * 16);
	domain_size =
		domain_encode(lease->domain, strnlen(lease->domain, sizeof(lease->domain)), domain);
	if (domain_size > 0)
		opt6_put(w, OPT_DOMAIN_LIST, domain, domain_size);
}

/* CONFIRM (RFC 8415 18.3.3): Success when every address the client lists is the lease's,
 * NotOnLink otherwise; with no address at all there is nothing to judge and no reply. */
static int confirm_status(const struct request *r, const struct dhcp6_lease *lease)
{
	bool any = false, all_ours = true;
	struct opt6_iter it, ia_it;
	struct opt6 o, a;

	opt6_iter_init(&it, r->opts, r->opts_size);
	while (opt6_next(&it, &o) > 0) {
		size_t fixed = o.code == OPT_IA_NA ? IA_NA_FIXED : IA_TA_FIXED;

		if (o.code != OPT_IA_NA && o.code != OPT_IA_TA)
			continue;
		opt6_iter_init(&ia_it, o.data + fixed, o.size - fixed);
		while (opt6_next(&ia_it, &a) > 0) {
			if (a.code != OPT_IAADDR)
				continue;
			any = true;
			all_ours &= memcmp(a.data, lease->addr, 16) == 0;
		}
	}
	if (!any)
		return -1;
	return all_ours ? STATUS_SUCCESS : STATUS_NOT_ON_LINK;
}

/* The reply's body after the identifiers; returns -1 when the message gets no reply. */
static int body_put(struct dhcp_wbuf *w, const struct request *r, const struct dhcp6_lease *lease)
{
	static const uint8_t preference = PREFERENCE_MAX;
	int status;

	switch (r->type) {
	case SOLICIT:
		if (r->rapid_commit)
			opt6_put(w, OPT_RAPID_COMMIT, NULL, 0);
		else /* the only server a port has: the client need not wait for others */
			opt6_put(w, OPT_PREFERENCE, &preference, 1);
		/* fall through */
	case REQUEST:
		if (r->n_ia_na == 0)
			status_put(w, STATUS_NO_ADDRS_AVAIL, "addresses are given in IA_NA only");
		/* fall through */
	case RENEW:
	case REBIND:
		config_put(w, lease);
		ias_put(w, r, lease);
		return 0;
	case CONFIRM:
		status = confirm_status(r, lease);
		if (status < 0)
			return -1;
		status_put(w, (uint16_t)status,
			   status == STATUS_SUCCESS ? "on link" : "not on link");
		return 0;
	case RELEASE:
	case DECLINE:
		/* Stateless: the address stays the port's, and nothing is recorded to release
		 * or to set aside; the client only needs to hear it was received. */
		status_put(w, STATUS_SUCCESS, "");
		return 0;
	default: /* INFORMATION_REQUEST */
		config_put(w, lease);
		return 0;
	}
}

/*
 * With dhcp.h's limits, everything but the IAs takes at most 334 of the 512 bytes (a 130-byte
 * client DUID, 4 DNS servers, a 64-byte domain) and the lease's IA_NA at most 100 more, so
 * only refusals can run out of room, and ias_put drops those whole. A full writer here would
 * be a broken budget: no reply rather than a cut one.
 */
static size_t reply_write(const uint8_t *msg, const struct request *r,
			  const struct dhcp6_lease *lease, uint8_t *reply)
{
	uint8_t duid[SERVER_DUID_SIZE];
	struct dhcp_wbuf w;

	dhcp_wbuf_init(&w, reply, DHCP6_REPLY_MAX);
	dhcp_wbuf_u8(&w, r->type == SOLICIT && !r->rapid_commit ? ADVERTISE : REPLY);
	dhcp_wbuf_put(&w, msg + 1, 3);
	if (r->has_client_id)
		opt6_put(&w, OPT_CLIENTID, r->client_id.data, r->client_id.size);
	server_duid(lease, duid);
	opt6_put(&w, OPT_SERVERID, duid, sizeof(duid));
	if (body_put(&w, r, lease) < 0 || w.full)
		return 0;
	return w.size;
}

/* The message types a client sends; 0 for those to ignore, -1 for those RFC 8415 lacks. */
static int type_from_client(uint8_t type)
{
	switch (type) {
	case SOLICIT:
	case REQUEST:
	case CONFIRM:
	case RENEW:
	case REBIND:
	case RELEASE:
	case DECLINE:
	case INFORMATION_REQUEST:
		return 1;
	case ADVERTISE:
	case REPLY:
	case RECONFIGURE:
	case RELAY_REPL:
	case RELAY_FORW: /* the switch serves its directly attached ports, never via relays */
		return 0;
	default:
		return -1;
	}
}

enum dhcp_verdict dhcp6_handle(const uint8_t *msg, size_t len, const struct dhcp6_lease *lease,
			       uint8_t *reply, size_t *reply_len)
{
	struct request r;
	enum dhcp_verdict verdict;
	int from_client;

	*reply_len = 0;
	if (len < MSG_HDR_SIZE)
		return DHCP_MALFORMED;
	from_client = type_from_client(msg[0]);
	if (from_client <= 0)
		return from_client < 0 ? DHCP_MALFORMED : DHCP_NO_REPLY;
	if (request_parse(msg, len, &r) < 0)
		return DHCP_MALFORMED;
	verdict = request_check(&r, lease);
	if (verdict != DHCP_REPLY)
		return verdict;
	*reply_len = reply_write(msg, &r, lease, reply);
	return *reply_len > 0 ? DHCP_REPLY : DHCP_NO_REPLY;
}
