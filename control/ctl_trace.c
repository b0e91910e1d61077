/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vpcctl trace`: a packet described by the operator (control/pktdesc.h) or given as bytes
 * is run through the dataplane's own stages with every side effect off (dp_trace_dry), and
 * the records each stage left are turned into JSON: one object per stage, then a verdict
 * that names where the packet goes or why it stops, in the terms of `vpcctl show drops`.
 * Live traces format the same records (ctl_trace_packet_json).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_ether.h>

#include "cfg.h"
#include "cfg_json.h"
#include "ctl_sg.h"
#include "ctl_switch.h"
#include "ctl_trace.h"
#include "dp.h"
#include "dp_route.h"
#include "pktdesc.h"

#define TRACE_RECS_MAX 64
#define TRACE_OUTS_MAX 8
#define FRAME_MAX 9216

static int fail(char *err, int rc, const char *fmt, const char *arg)
{
	snprintf(err, CFG_ERR_SIZE, fmt, arg);
	return rc;
}

static json_t *port_json(uint16_t idx)
{
	const char *name = dp_port_name_of(idx);

	return json_string(name != NULL ? name : "?");
}

static json_t *addr_json(uint8_t af, const uint8_t *addr)
{
	char buf[INET6_ADDRSTRLEN];

	if (af != AF_INET && af != AF_INET6)
		return json_null();
	inet_ntop(af, addr, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *mac_json(const uint8_t *mac)
{
	char buf[32];

	cfg_mac_format(mac, buf, sizeof(buf));
	return json_string(buf);
}

static const char *encap_name(uint32_t e)
{
	return e == DP_ENCAP_GENEVE ? "geneve" : "vxlan";
}

static const char *const svc_names[] = {
	[DP_TSVC_ARP] = "arp", [DP_TSVC_ND] = "nd", [DP_TSVC_DHCP4] = "dhcp4",
	[DP_TSVC_DHCP6] = "dhcp6", [DP_TSVC_ECHO] = "echo"};
static const char *const flow_names[] = {
	[DP_TFLOW_HIT] = "hit", [DP_TFLOW_NEW] = "new", [DP_TFLOW_UNTRACKED] = "untracked",
	[DP_TFLOW_REVALIDATED] = "revalidated"};
static const char *const nh_names[] = {
	[DP_NH_CONNECTED] = "connected", [DP_NH_ADDRESS] = "address", [DP_NH_PORT] = "port",
	[DP_NH_VTEP] = "vtep", [DP_NH_ECMP] = "ecmp", [DP_NH_BLACKHOLE] = "blackhole"};

static const char *name_of(const char *const *names, size_t n, uint32_t v)
{
	return v < n && names[v] != NULL ? names[v] : "?";
}
#define NAME_OF(names, v) name_of(names, sizeof(names) / sizeof(names[0]), v)

static void route_fields(json_t *j, const struct dp_trace_rec *r)
{
	char pfx[INET6_ADDRSTRLEN + 4];

	inet_ntop(r->af, r->addr, pfx, sizeof(pfx));
	snprintf(pfx + strlen(pfx), 5, "/%u", r->b);
	json_object_set_new(j, "prefix", json_string(pfx));
	json_object_set_new(j, "next_hop", json_string(NAME_OF(nh_names, r->a)));
	if (r->a == DP_NH_ADDRESS || r->a == DP_NH_VTEP)
		json_object_set_new(j, "via", addr_json(r->af2, r->addr2));
	else if (r->a == DP_NH_PORT)
		json_object_set_new(j, "via", port_json((uint16_t)r->c));
}

static void dest_fields(json_t *j, const struct dp_trace_rec *r)
{
	uint32_t kind = r->a >> 24 & 0x3, idx = r->a & 0xffffff;

	json_object_set_new(j, "routed", json_boolean(r->a & (1u << 26)));
	if (kind == 1) {
		json_object_set_new(j, "to", json_string("port"));
		json_object_set_new(j, "port", port_json((uint16_t)idx));
	} else {
		json_object_set_new(j, "to", json_string("remote"));
		json_object_set_new(j, "remote", json_integer(idx));
	}
}

static void sg_fields(json_t *j, const struct dp_trace_rec *r)
{
	const struct cfg_sg_rule *rule = ctl_sg_rule_of(r->b);

	json_object_set_new(j, "direction", json_string(r->a ? "ingress" : "egress"));
	json_object_set_new(j, "port", port_json(r->port));
	json_object_set_new(j, "allowed", json_boolean(r->c));
	if (r->b != 0)
		json_object_set_new(j, "rule_id", json_integer(r->b));
	if (rule != NULL)
		json_object_set_new(j, "rule", cfg_row_encode(CFG_T_SG_RULE, rule));
}

json_t *ctl_trace_stage_json(const struct dp_trace_rec *r)
{
	json_t *j = json_pack("{s:s}", "stage", dp_trace_stage_name(r->stage));

	switch (r->stage) {
	case DP_TS_RX:
		json_object_set_new(j, "port", port_json(r->port));
		json_object_set_new(j, "len", json_integer(r->a));
		break;
	case DP_TS_PORT_SECURITY:
	case DP_TS_EXCEPTION:
	case DP_TS_TX:
		json_object_set_new(j, "port", port_json(r->port));
		break;
	case DP_TS_SERVICE:
		json_object_set_new(j, "service", json_string(NAME_OF(svc_names, r->a)));
		break;
	case DP_TS_DECAP:
	case DP_TS_ENCAP:
		json_object_set_new(j, "vni", json_integer(r->a));
		json_object_set_new(j, "encap", json_string(encap_name(r->b)));
		json_object_set_new(j, r->stage == DP_TS_DECAP ? "outer_src" : "vtep",
				    addr_json(r->af, r->addr));
		if (r->stage == DP_TS_ENCAP)
			json_object_set_new(j, "outer_sport", json_integer(r->c));
		break;
	case DP_TS_FLOW:
		json_object_set_new(j, "result", json_string(NAME_OF(flow_names, r->a)));
		if (r->a == DP_TFLOW_HIT) {
			json_object_set_new(j, "connection", json_integer(r->b));
			json_object_set_new(j, "state",
					    json_string(ct_state_name((enum ct_state)(r->c & 0xff))));
			json_object_set_new(j, "direction",
					    json_string(r->c & 0x100 ? "reply" : "original"));
			if (r->c & 0x200)
				json_object_set_new(j, "related", json_true());
		}
		break;
	case DP_TS_DEST:
		dest_fields(j, r);
		break;
	case DP_TS_ROUTE:
		route_fields(j, r);
		break;
	case DP_TS_SECURITY_GROUP:
		sg_fields(j, r);
		break;
	case DP_TS_CONNTRACK:
		json_object_set_new(j, "created", json_boolean(r->a));
		break;
	case DP_TS_ROUTED:
		json_object_set_new(j, "ttl", json_integer(r->a));
		json_object_set_new(j, "dst_mac", mac_json(r->addr));
		json_object_set_new(j, "src_mac", mac_json(r->addr2));
		break;
	case DP_TS_DROP:
		json_object_set_new(j, "reason", json_string(dp_drop_name((enum dp_drop_reason)r->a)));
		json_object_set_new(j, "text", json_string(dp_drop_text((enum dp_drop_reason)r->a)));
		json_object_set_new(j, "counted_at", port_json(r->port));
		break;
	default:
		break;
	}
	return j;
}

/* The one line an operator reads: what became of the packet, from its last stages. */
static json_t *verdict_json(const struct dp_trace_rec *recs, unsigned int n)
{
	const struct dp_trace_rec *last = n > 0 ? &recs[n - 1] : NULL, *encap = NULL, *svc = NULL;
	char text[256];
	json_t *v;

	for (unsigned int i = 0; i < n; i++) {
		if (recs[i].stage == DP_TS_ENCAP)
			encap = &recs[i];
		if (recs[i].stage == DP_TS_SERVICE)
			svc = &recs[i];
	}
	if (last == NULL)
		return json_pack("{s:s, s:s}", "action", "unknown", "text", "no stage reported");
	if (last->stage == DP_TS_DROP) {
		const char *reason = dp_drop_name((enum dp_drop_reason)last->a);

		snprintf(text, sizeof(text), "drop: %s (%s)", reason,
			 dp_drop_text((enum dp_drop_reason)last->a));
		return json_pack("{s:s, s:s, s:s}", "action", "drop", "reason", reason, "text",
				 text);
	}
	if (last->stage == DP_TS_ANSWERED || (svc != NULL && last->stage == DP_TS_TX)) {
		const char *what = svc != NULL ? NAME_OF(svc_names, svc->a) : "?";

		snprintf(text, sizeof(text), "answered by the switch (%s)", what);
		return json_pack("{s:s, s:s, s:s}", "action", "answer", "service", what, "text",
				 text);
	}
	if (last->stage != DP_TS_TX)
		return json_pack("{s:s, s:s}", "action", "unknown", "text",
				 "the trace ended before a verdict (records lost)");
	if (encap != NULL) {
		char vtep[INET6_ADDRSTRLEN];

		inet_ntop(encap->af, encap->addr, vtep, sizeof(vtep));
		snprintf(text, sizeof(text), "encapsulate to VTEP %s with VNI %u (%s)", vtep,
			 encap->a, encap_name(encap->b));
		v = json_pack("{s:s, s:s, s:i, s:s}", "action", "encapsulate", "vtep", vtep, "vni",
			      (json_int_t)encap->a, "encap", encap_name(encap->b));
	} else {
		const char *port = dp_port_name_of(last->port);
		bool host = n >= 2 && recs[n - 2].stage == DP_TS_EXCEPTION;

		snprintf(text, sizeof(text), host ? "to the host kernel (exception port %s)"
						  : "deliver to port %s",
			 port != NULL ? port : "?");
		v = json_pack("{s:s, s:s}", "action", host ? "host" : "deliver", "port",
			      port != NULL ? port : "?");
	}
	json_object_set_new(v, "text", json_string(text));
	return v;
}

json_t *ctl_trace_packet_json(const struct dp_trace_rec *recs, unsigned int n)
{
	json_t *stages = json_array();

	for (unsigned int i = 0; i < n; i++)
		json_array_append_new(stages, ctl_trace_stage_json(&recs[i]));
	return json_pack("{s:o, s:o}", "stages", stages, "verdict", verdict_json(recs, n));
}

static json_t *hex_json(const uint8_t *data, size_t n)
{
	char *hex = malloc(2 * n + 1);
	json_t *j;

	if (hex == NULL)
		return json_null();
	for (size_t b = 0; b < n; b++)
		snprintf(hex + 2 * b, 3, "%02x", data[b]);
	hex[2 * n] = '\0';
	j = json_string(hex);
	free(hex);
	return j;
}

/* The frames the packet would make the switch send (a reply of the switch's own, or the
 * packet itself rewritten or encapsulated): their first bytes. */
static json_t *outputs_json(const struct dp_trace_out *outs, unsigned int n)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < n; i++) {
		uint32_t take = outs[i].len < DP_TRACE_OUT_BYTES ? outs[i].len : DP_TRACE_OUT_BYTES;

		json_array_append_new(a, json_pack("{s:o, s:i, s:o}", "port",
						   port_json(outs[i].port), "len",
						   (json_int_t)outs[i].len, "head",
						   hex_json(outs[i].data, take)));
	}
	return a;
}

static int hex_decode(const char *s, uint8_t *out, size_t cap, char *err)
{
	size_t n = strlen(s);

	if (n % 2 != 0 || n / 2 > cap)
		return fail(err, -EINVAL, "trace.frame: %s", n % 2 ? "odd number of hex digits"
								  : "larger than 9216 bytes");
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1 || !isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]))
			return fail(err, -EINVAL, "trace.frame: '%.2s' is not a hex byte", s + 2 * i);
		out[i] = (uint8_t)b;
	}
	return (int)(n / 2);
}

/* What a VM on that port would put in an unspecified Ethernet header: its own MAC, and
 * its gateway's (the operator gives the peer's MAC to trace a frame within the subnet). */
static void port_defaults(const char *name, struct pktdesc_defaults *d)
{
	const struct cfg *c = ctl_switch_cfg();
	const struct cfg_port *p = c != NULL ? cfg_port_find(c, name) : NULL;

	memset(d, 0, sizeof(*d));
	if (p == NULL)
		return;
	memcpy(d->src_mac, p->mac, 6);
	d->have_src_mac = true;
	for (unsigned int i = 0; i < p->n_ips; i++) {
		const struct cfg_subnet *sn = cfg_subnet_holding(c, p->vpc, &p->ips[i]);

		if (p->ips[i].af == AF_INET && !d->have_src_ip4) {
			memcpy(&d->src_ip4, p->ips[i].addr, 4);
			d->have_src_ip4 = true;
		} else if (p->ips[i].af == AF_INET6 && !d->have_src_ip6) {
			memcpy(d->src_ip6, p->ips[i].addr, 16);
			d->have_src_ip6 = true;
		}
		if (sn != NULL && !d->have_dst_mac) {
			memcpy(d->dst_mac, sn->gateway_mac, 6);
			d->have_dst_mac = true;
		}
	}
}

int ctl_trace_request(const json_t *body, json_t **reply, char *err)
{
	static uint8_t frame[FRAME_MAX];
	struct dp_trace_rec recs[TRACE_RECS_MAX];
	struct dp_trace_out outs[TRACE_OUTS_MAX];
	const char *port = NULL, *desc = NULL, *hex = NULL, *key;
	struct pktdesc_defaults defs;
	unsigned int n_outs = 0;
	json_t *val;
	int len, idx, n;

	json_object_foreach((json_t *)body, key, val) {
		const char **slot = strcmp(key, "port") == 0 ? &port
				    : strcmp(key, "packet") == 0 ? &desc
				    : strcmp(key, "frame") == 0 ? &hex : NULL;

		if (slot == NULL)
			return fail(err, -EINVAL, "trace.%s: unknown member (port, packet, frame)",
				    key);
		if (!json_is_string(val))
			return fail(err, -EINVAL, "trace.%s: must be a string", key);
		*slot = json_string_value(val);
	}
	if (port == NULL)
		return fail(err, -EINVAL, "trace.port: missing%s", "");
	if ((desc == NULL) == (hex == NULL))
		return fail(err, -EINVAL, "trace: give exactly one of packet (a description) or "
				     "frame (hex bytes)%s", "");
	idx = dp_port_find(port);
	if (idx < 0)
		return fail(err, -ENOENT, "trace.port: no port '%s' on this switch", port);
	if (desc != NULL) {
		char perr[CFG_ERR_SIZE - 16], full[1024];

		/* what a VM sends is Ethernet: "ipv4(...)/..." means "eth/ipv4(...)/..." */
		if (strncmp(desc, "eth", 3) != 0) {
			snprintf(full, sizeof(full), "eth/%s", desc);
			desc = full;
		}
		port_defaults(port, &defs);
		len = pktdesc_build(desc, &defs, frame, sizeof(frame), perr, sizeof(perr));
		if (len < 0)
			return fail(err, -EINVAL, "trace.packet: %s", perr);
	} else {
		len = hex_decode(hex, frame, sizeof(frame), err);
		if (len < 0)
			return len;
	}
	if (len < RTE_ETHER_HDR_LEN)
		return fail(err, -EINVAL, "trace: a frame of at least 14 bytes is needed%s", "");
	n = dp_trace_dry((uint16_t)idx, frame, (uint32_t)len, recs, TRACE_RECS_MAX, outs,
			 TRACE_OUTS_MAX, &n_outs);
	if (n < 0)
		return fail(err, n, "trace: the dataplane could not run it (%s)", strerror(-n));
	*reply = ctl_trace_packet_json(recs, (unsigned int)n);
	json_object_set_new(*reply, "port", json_string(port));
	json_object_set_new(*reply, "len", json_integer(len));
	json_object_set_new(*reply, "frame", hex_json(frame, (size_t)len));
	json_object_set_new(*reply, "output", outputs_json(outs, n_outs));
	return 0;
}
