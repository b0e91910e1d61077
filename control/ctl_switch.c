/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Applying configuration: a transaction edits a clone of the committed state; only a clone
 * that passed every check is committed. Commit diffs ports by name: a port whose vhost
 * attachment is unchanged keeps its socket, its VM connection and its counters; the others
 * are torn down (after a snapshot without them is published) or created, then the new
 * snapshot is published in one pointer swap.
 */
#include "ctl_switch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "../dataplane/dp.h"
#include "../vhost/vport.h"
#include "cfg_json.h"
#include "ctl_capture.h"
#include "ctl_trace_live.h"
#include "ctl_ethdev.h"
#include "ctl_lb.h"
#include "ctl_route.h"
#include "ctl_sg.h"
#include "ctl_underlay.h"
#include "ctl_uplink.h"
#include "lb_health.h"
#include "sockpath.h"
#include "vhost_dir.h"

/* Runtime objects of one port, found by name. */
struct port_rt {
	struct port_rt *next;
	struct cfg_port cfg; /* attachment as created */
	struct dp_port *dp;
	struct vport *vp;    /* a vhost-user port; NULL for a DPDK device port */
	uint16_t eth_port;   /* a DPDK device port */
	bool gone; /* scratch during a commit */
};

#define WORKERS_MAX 128

static struct cfg *cur;
static struct port_rt *rts;
static char sock_dir[CFG_PATH_SIZE];

static int fail(char *err, int rc, const char *msg)
{
	snprintf(err, CFG_ERR_SIZE, "%s", msg);
	return rc;
}

const struct cfg *ctl_switch_cfg(void)
{
	return cur;
}

static struct port_rt *rt_find(const char *name)
{
	for (struct port_rt *r = rts; r != NULL; r = r->next)
		if (strcmp(r->cfg.name, name) == 0)
			return r;
	return NULL;
}

static struct port_rt *rt_create_ethdev(struct port_rt *r, char *err)
{
	char what[64];

	snprintf(what, sizeof(what), "port '%s'", r->cfg.name);
	if (ctl_ethdev_open(r->cfg.devargs, what, &r->eth_port, err) < 0) {
		free(r);
		errno = EIO;
		return NULL;
	}
	r->dp = dp_port_create_ethdev(r->cfg.name, r->eth_port);
	if (r->dp == NULL) {
		snprintf(err, CFG_ERR_SIZE, "port '%s': no free port slot", r->cfg.name);
		ctl_ethdev_close(r->eth_port);
		free(r);
		return NULL;
	}
	r->next = rts;
	rts = r;
	return r;
}

static struct port_rt *rt_create(const struct cfg_port *p, char *err)
{
	struct port_rt *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->cfg = *p;
	if (p->devargs[0] != '\0')
		return rt_create_ethdev(r, err);
	r->dp = dp_port_create(p->name, p->queues);
	if (r->dp == NULL) {
		snprintf(err, CFG_ERR_SIZE, "port '%s': %s", p->name,
			 errno == ENOSPC ? "no free port slot" : strerror(errno));
		free(r);
		return NULL;
	}
	r->vp = vport_create(p->socket, p->mode == CFG_VHOST_CLIENT, r->dp);
	if (r->vp == NULL) {
		snprintf(err, CFG_ERR_SIZE, "port.socket: cannot serve '%s' for port '%s': %s",
			 p->socket, p->name,
			 errno == EEXIST ? "a file is already there" : strerror(errno));
		dp_port_destroy(r->dp);
		free(r);
		return NULL;
	}
	r->next = rts;
	rts = r;
	return r;
}

static void (*event_cb)(json_t *event, void *arg);
static void *event_arg;

/* To the peers that asked for events (takes ev). */
static void emit(json_t *ev, const char *why)
{
	if (why != NULL && why[0] != '\0')
		json_object_set_new(ev, "reason", json_string(why));
	if (event_cb != NULL)
		event_cb(ev, event_arg);
	else
		json_decref(ev);
}

static void emit_link(const char *port, bool up, const char *why)
{
	emit(json_pack("{s:s, s:s, s:s}", "event", "port_status", "port", port, "link",
		       up ? "up" : "down"),
	     why);
}

/* A backend's health check changed its verdict: the controller tells the other hosts. */
static void emit_health(const struct cfg_lb_backend *be, bool healthy, const char *why, void *arg)
{
	char addr[64];

	(void)arg;
	cfg_ip_format(&be->ip, addr, sizeof(addr));
	emit(json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:s}", "event", "lb_backend_status",
		       "vpc", be->vpc, "lb", be->lb, "protocol",
		       be->proto == IPPROTO_TCP ? "tcp" : "udp", "port", be->port, "address", addr,
		       "backend_port", be->backend_port, "health", healthy ? "up" : "down"),
	     why);
}

static void rt_destroy(struct port_rt *r)
{
	if (r->vp == NULL || vport_link_up(r->vp))
		emit_link(r->cfg.name, false, "port removed");
	for (struct port_rt **pp = &rts; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	/* its capture sessions end: their workers' copies name its index, soon another's */
	ctl_capture_port_gone(dp_port_index(r->dp));
	ctl_trace_live_port_gone(dp_port_index(r->dp));
	if (r->vp != NULL)
		vport_destroy(r->vp);
	else
		ctl_ethdev_close(r->eth_port); /* published snapshots no longer have it */
	dp_port_destroy(r->dp);
	free(r);
}

/* The subnets of an endpoint's first IPv4 and first IPv6 address (or NULL). */
static void home_subnets(const struct cfg *c, const char *vpc, const struct cfg_ip *ips,
			 int n_ips, const struct cfg_subnet **s4, const struct cfg_subnet **s6)
{
	*s4 = *s6 = NULL;
	for (int i = 0; i < n_ips; i++) {
		const struct cfg_subnet **s = ips[i].af == AF_INET6 ? s6 : s4;

		if (*s == NULL)
			*s = cfg_subnet_holding(c, vpc, &ips[i]);
	}
}

static uint32_t lease_time(const struct cfg_dhcp_options *o)
{
	return o != NULL && o->lease_time != 0 ? o->lease_time : CFG_LEASE_DEFAULT;
}

/* DHCPv4: the port's first IPv4 address, from its subnet and the subnet's options. */
static void fill_dhcp4(const struct cfg *c, const struct cfg_port *p, const struct cfg_subnet *s,
		       uint16_t mtu, struct dp_port_conf *pc)
{
	const struct cfg_dhcp_options *o = cfg_dhcp_options_find(c, p->vpc, &s->cidr);
	struct dhcp4_lease *l = &pc->dhcp4;

	pc->has_dhcp4 = true;
	memcpy(l->chaddr, p->mac, 6);
	memcpy(&l->addr, pc->ip4, 4);
	l->plen = s->cidr.plen;
	memcpy(&l->router, s->gateway.addr, 4);
	l->mtu = mtu;
	l->lease_time = lease_time(o);
	if (o == NULL)
		return;
	l->n_dns = o->n_dns;
	for (int i = 0; i < o->n_dns; i++)
		memcpy(&l->dns[i], o->dns[i].addr, 4);
	snprintf(l->domain, sizeof(l->domain), "%s", o->domain);
	l->n_routes = o->n_routes;
	for (int i = 0; i < o->n_routes; i++) {
		memcpy(&l->routes[i].prefix, o->routes[i].prefix.ip.addr, 4);
		l->routes[i].plen = o->routes[i].prefix.plen;
		memcpy(&l->routes[i].router, o->routes[i].router.addr, 4);
	}
}

static void fill_dhcp6(const struct cfg *c, const struct cfg_port *p, const struct cfg_subnet *s,
		       struct dp_port_conf *pc)
{
	const struct cfg_dhcp_options *o = cfg_dhcp_options_find(c, p->vpc, &s->cidr);
	struct dhcp6_lease *l = &pc->dhcp6;

	pc->has_dhcp6 = true;
	memcpy(l->server_mac, s->gateway_mac, 6);
	memcpy(l->addr, pc->ip6[0], 16);
	l->preferred = l->valid = lease_time(o);
	if (o == NULL)
		return;
	l->n_dns = o->n_dns;
	for (int i = 0; i < o->n_dns; i++)
		memcpy(l->dns[i], o->dns[i].addr, 16);
	snprintf(l->domain, sizeof(l->domain), "%s", o->domain);
}

/*
 * What a port gets from its subnets: the gateways ICMP errors come from (and that route for
 * it), DHCP leases for its first address of each family, and the IPv6 prefixes its router
 * advertisements announce.
 */
static void set_subnet_services(const struct cfg *c, const struct cfg_port *p, uint16_t mtu,
				struct dp_port_conf *pc)
{
	const struct cfg_subnet *s4, *s6;

	pc->mtu = mtu;
	home_subnets(c, p->vpc, p->ips, p->n_ips, &s4, &s6);
	if (s4 != NULL) {
		memcpy(&pc->gw4, s4->gateway.addr, 4);
		memcpy(pc->gw_mac, s4->gateway_mac, 6);
		fill_dhcp4(c, p, s4, mtu, pc);
	}
	if (s6 != NULL) {
		memcpy(pc->gw6, s6->gateway.addr, 16);
		memcpy(pc->gw6_mac, s6->gateway_mac, 6);
		pc->has_gw6 = true;
		fill_dhcp6(c, p, s6, pc);
	}
	for (int i = 0; i < p->n_ips; i++) {
		const struct cfg_subnet *s = cfg_subnet_holding(c, p->vpc, &p->ips[i]);
		bool dup = false;

		if (s == NULL || s->cidr.ip.af != AF_INET6)
			continue;
		for (int j = 0; j < pc->n_ra_prefixes && !dup; j++)
			dup = memcmp(pc->ra_prefixes[j].addr, s->cidr.ip.addr, 16) == 0 &&
			      pc->ra_prefixes[j].plen == s->cidr.plen;
		if (dup)
			continue;
		memcpy(pc->ra_prefixes[pc->n_ra_prefixes].addr, s->cidr.ip.addr, 16);
		pc->ra_prefixes[pc->n_ra_prefixes++].plen = s->cidr.plen;
	}
}

static struct dp_port *port_dp(const char *name)
{
	struct port_rt *r = rt_find(name);

	return r != NULL && !r->gone ? r->dp : NULL;
}

static int port_index(const char *name)
{
	const struct port_rt *r = rt_find(name);

	return r == NULL || r->gone ? -1 : dp_port_index(r->dp);
}

int ctl_switch_port_find(const char *name, uint16_t *idx)
{
	int i = port_index(name);

	if (i < 0)
		return -ENOENT;
	*idx = (uint16_t)i;
	return 0;
}

static int build_remote(struct dp_build *b, const struct cfg *c, const struct cfg_remote *r)
{
	struct dp_remote_conf rc = {.vni = cfg_vpc_find(c, r->vpc)->vni, .vtep_af = r->vtep.af};
	const struct cfg_subnet *s4, *s6;
	uint8_t nh_mac[6];

	memcpy(rc.mac, r->mac, 6);
	for (int i = 0; i < r->n_ips; i++) {
		if (r->ips[i].af == AF_INET)
			memcpy(&rc.ip4[rc.n_ip4++], r->ips[i].addr, 4);
		else
			memcpy(rc.ip6[rc.n_ip6++], r->ips[i].addr, 16);
	}
	home_subnets(c, r->vpc, r->ips, r->n_ips, &s4, &s6);
	if (s4 != NULL)
		memcpy(rc.gw_mac, s4->gateway_mac, 6);
	if (s6 != NULL)
		memcpy(rc.gw6_mac, s6->gateway_mac, 6);
	memcpy(rc.vtep, r->vtep.addr, 16);
	if (ctl_underlay_nh_mac(r->vtep.af, r->vtep.addr, nh_mac))
		rc.nh_mac = nh_mac;
	return dp_build_remote(b, &rc);
}

static bool same_vtep(const char *vpc_a, const struct cfg_ip *a, const char *vpc_b,
		      const struct cfg_ip *b)
{
	return strcmp(vpc_a, vpc_b) == 0 && a->af == b->af && memcmp(a->addr, b->addr, 16) == 0;
}

/* Whether a remote of vpc lives behind vtep: then its entry encapsulates routes there. */
static bool vtep_has_remote(const struct cfg *c, const char *vpc, const struct cfg_ip *vtep)
{
	CFG_FOREACH(struct cfg_remote, m, c->remotes)
	{
		if (same_vtep(m->vpc, &m->vtep, vpc, vtep))
			return true;
	}
	return false;
}

/* VTEPs routes send to that no remote of their VPC lives behind, each once (a VPC has few
 * such hosts, however many routes lead to them). */
static int build_route_tunnels(struct dp_build *b, const struct cfg *c)
{
	const struct cfg_route **seen = NULL;
	size_t n_seen = 0;
	int rc = 0;

	CFG_FOREACH(struct cfg_route, r, c->routes)
	{
		const struct cfg_route **grown;
		uint8_t nh_mac[6];
		bool dup = false;

		if (r->nh_kind != CFG_NH_VTEP)
			continue;
		for (size_t i = 0; i < n_seen && !dup; i++)
			dup = same_vtep(seen[i]->vpc, &seen[i]->nh_ip, r->vpc, &r->nh_ip);
		if (dup)
			continue;
		grown = realloc(seen, (n_seen + 1) * sizeof(*seen));
		if (grown == NULL) {
			rc = -ENOMEM;
			break;
		}
		seen = grown;
		seen[n_seen++] = r;
		if (vtep_has_remote(c, r->vpc, &r->nh_ip))
			continue;
		rc = dp_build_tunnel(b, cfg_vpc_find(c, r->vpc)->vni, r->nh_ip.af, r->nh_ip.addr,
				     ctl_underlay_nh_mac(r->nh_ip.af, r->nh_ip.addr, nh_mac) ? nh_mac
											 : NULL);
		if (rc < 0)
			break;
	}
	free(seen);
	return rc;
}

/* Publish a snapshot of c; ports whose runtime is missing or marked gone are left out. */
/* keep_flows: only next hops changed, cached flows stay valid. On failure err (CFG_ERR_SIZE,
 * may be NULL) says why. */
static int publish_as(const struct cfg *c, bool keep_flows, char *err)
{
	char ignored[CFG_ERR_SIZE];
	struct dp_build *b;
	int rc = 0;

	if (err == NULL)
		err = ignored;
	rc = ctl_sg_prepare(c, err);
	if (rc < 0)
		return rc;
	rc = ctl_route_prepare(c, port_index, err);
	if (rc < 0) {
		ctl_sg_abort();
		return rc;
	}
	b = dp_build_begin();
	if (b == NULL) {
		rc = -ENOMEM;
		goto failed;
	}
	if (keep_flows)
		dp_build_keep_flows(b);
	if (ctl_underlay_present()) {
		struct dp_underlay_conf u;

		ctl_underlay_conf(&u);
		if ((rc = dp_build_underlay(b, &u)) < 0)
			goto fail;
	}
	CFG_FOREACH(struct cfg_vpc, v, c->vpcs)
	{
		rc = dp_build_vpc(b, v->vni,
				  v->encap == CFG_ENCAP_GENEVE ? DP_ENCAP_GENEVE : DP_ENCAP_VXLAN,
				  v->mtu);
		if (rc == 0)
			rc = dp_build_routes(b, v->vni, ctl_route_table(v->vni));
		if (rc < 0)
			goto fail;
	}
	CFG_FOREACH(struct cfg_port, p, c->ports)
	{
		struct port_rt *r = rt_find(p->name);
		const struct cfg_vpc *v = cfg_vpc_find(c, p->vpc);
		struct dp_port_conf pc = {0};

		if (r == NULL || r->gone)
			continue;
		pc.port = r->dp;
		pc.vni = v->vni;
		memcpy(pc.mac, p->mac, 6);
		for (int i = 0; i < p->n_ips; i++) {
			if (p->ips[i].af == AF_INET)
				memcpy(&pc.ip4[pc.n_ip4++], p->ips[i].addr, 4);
			else
				memcpy(pc.ip6[pc.n_ip6++], p->ips[i].addr, 16);
		}
		set_subnet_services(c, p, v->mtu, &pc);
		ctl_sg_port_acls(p->name, &pc.sg_in, &pc.sg_out);
		pc.ct_max = p->max_connections;
		pc.forwarding = p->forwarding;
		if ((rc = dp_build_port(b, &pc)) < 0)
			goto fail;
	}
	if ((rc = lb_health_build(b, port_dp)) < 0)
		goto fail;
	CFG_FOREACH(struct cfg_remote, r, c->remotes)
	{
		if ((rc = build_remote(b, c, r)) < 0)
			goto fail;
	}
	if ((rc = build_route_tunnels(b, c)) < 0)
		goto fail;
	CFG_FOREACH(struct cfg_subnet, s, c->subnets)
	{
		uint32_t vni = cfg_vpc_find(c, s->vpc)->vni, ip4;

		if (s->gateway.af == AF_INET) {
			memcpy(&ip4, s->gateway.addr, 4);
			rc = dp_build_gateway(b, vni, ip4, s->gateway_mac);
		} else {
			rc = dp_build_gateway6(b, vni, s->gateway.addr, s->gateway_mac);
		}
		if (rc < 0)
			goto fail;
	}
	if ((rc = ctl_lb_build(b, c, err)) < 0)
		goto fail;
	rc = dp_build_commit(b);
	if (rc < 0)
		goto failed;
	ctl_sg_commit();
	ctl_route_commit();
	return 0;
fail:
	dp_build_abort(b);
failed:
	ctl_sg_abort();
	ctl_route_abort();
	snprintf(err, CFG_ERR_SIZE, "cannot build the dataplane tables: %s", strerror(-rc));
	return rc;
}

static int publish(const struct cfg *c, char *err)
{
	return publish_as(c, false, err);
}

/*
 * Everything that can be known about a new server socket is checked before any port is torn
 * down: its directory, and what is at the path. A file we created for a port that is going
 * away is fine; a stale socket (its process died) is reclaimed; anything else is refused.
 */
static int precheck_port(const struct cfg_port *p, char *err)
{
	char dir[CFG_PATH_SIZE], why[CFG_ERR_SIZE - 32];
	int rc;

	if (p->devargs[0] != '\0')
		return 0;
	rc = vhost_dir_confine(p->socket, why, sizeof(why));
	if (rc < 0) {
		snprintf(err, CFG_ERR_SIZE, "port.socket: %s", why);
		return -EINVAL;
	}
	if (p->mode == CFG_VHOST_CLIENT)
		return 0;
	strcpy(dir, p->socket);
	if (access(dirname(dir), W_OK) != 0) {
		snprintf(err, CFG_ERR_SIZE, "port.socket: directory of '%s' is missing or not writable",
			 p->socket);
		return -EINVAL;
	}
	for (struct port_rt *r = rts; r != NULL; r = r->next)
		if (strcmp(r->cfg.socket, p->socket) == 0 && r->cfg.mode == CFG_VHOST_SERVER)
			return 0;
	rc = sockpath_claim(p->socket);
	if (rc == -EADDRINUSE)
		snprintf(err, CFG_ERR_SIZE, "port.socket: another process listens on '%s'", p->socket);
	else if (rc == -EEXIST)
		snprintf(err, CFG_ERR_SIZE, "port.socket: '%s' exists and is not a socket", p->socket);
	else if (rc < 0)
		snprintf(err, CFG_ERR_SIZE, "port.socket: '%s': %s", p->socket, strerror(-rc));
	return rc == -EADDRINUSE ? -EEXIST : rc;
}

static bool rt_matches(const struct port_rt *r, const struct cfg *c)
{
	const struct cfg_port *p = cfg_port_find(c, r->cfg.name);

	return p != NULL && cfg_port_same_attachment(p, &r->cfg);
}

/* Recreate runtime for ports of c that have none (rollback path and normal path alike). */
static int create_missing(const struct cfg *c, char *err)
{
	CFG_FOREACH(struct cfg_port, p, c->ports)
	{
		if (rt_find(p->name) == NULL && rt_create(p, err) == NULL)
			return errno == EEXIST ? -EEXIST : -EIO;
	}
	return 0;
}

/* Takes ownership of next on success. */
static int commit(struct cfg *next, char *err)
{
	struct port_rt *r, *n;
	char ignored[CFG_ERR_SIZE];
	int rc;

	if (next->ports.len > DP_PORTS_MAX) {
		snprintf(err, CFG_ERR_SIZE, "port: at most %d ports per switch", DP_PORTS_MAX);
		return -ENOSPC;
	}
	CFG_FOREACH(struct cfg_port, p, next->ports)
	{
		r = rt_find(p->name);
		if ((r == NULL || !cfg_port_same_attachment(p, &r->cfg)) &&
		    (rc = precheck_port(p, err)) < 0)
			return rc;
	}
	rc = lb_health_set(next, err); /* first: the checker's namespace may fail to come */
	if (rc < 0)
		return rc;
	bool any_gone = false;
	for (r = rts; r != NULL; r = r->next) {
		r->gone = !rt_matches(r, next);
		any_gone |= r->gone;
	}
	if (any_gone) {
		/* workers must stop using departing ports before their sockets close */
		rc = publish(cur, err);
		if (rc < 0) {
			for (r = rts; r != NULL; r = r->next)
				r->gone = false;
			lb_health_set(cur, ignored); /* back to what it checked */
			return rc;
		}
		for (r = rts; r != NULL; r = n) {
			n = r->next;
			if (r->gone)
				rt_destroy(r);
		}
	}
	rc = create_missing(next, err);
	if (rc == 0) {
		rc = publish(next, err);
	}
	if (rc < 0) {
		/* put back what the committed state had: its ports' sockets were valid before */
		for (r = rts; r != NULL; r = r->next)
			r->gone = !rt_matches(r, cur);
		for (r = rts; r != NULL; r = n) {
			n = r->next;
			if (r->gone)
				rt_destroy(r);
		}
		create_missing(cur, ignored);
		lb_health_set(cur, ignored);
		publish(cur, NULL);
		return rc;
	}
	cfg_free(cur);
	cur = next;
	return 0;
}

int ctl_switch_init(const char *dir)
{
	int rc;

	snprintf(sock_dir, sizeof(sock_dir), "%s", dir);
	if ((rc = lb_health_init()) < 0)
		return rc;
	cur = cfg_new();
	return cur == NULL ? -ENOMEM : 0;
}

int ctl_switch_start(void)
{
	return publish(cur, NULL);
}

void ctl_switch_fini(void)
{
	lb_health_fini();
	ctl_lb_fini();
	while (rts != NULL)
		rt_destroy(rts);
	cfg_free(cur);
	cur = NULL;
	ctl_sg_fini();
	ctl_route_fini();
}

int ctl_switch_txn(const json_t *body, json_t **reply, char *err)
{
	const json_t *ops = json_object_get(body, "ops");
	struct cfg *next;
	size_t i;
	json_t *op;
	int rc;

	if (!json_is_array(ops) || json_object_size(body) != 1)
		return fail(err, -EINVAL, "txn: body must be {\"ops\": [...]}");
	next = cfg_clone(cur);
	if (next == NULL)
		return fail(err, -ENOMEM, "out of memory");
	json_array_foreach(ops, i, op)
	{
		const char *opname = json_string_value(json_object_get(op, "op"));
		const char *table = json_string_value(json_object_get(op, "table"));
		const json_t *row = json_object_get(op, "row");
		char inner[CFG_ERR_SIZE] = "";
		int t;

		if (opname == NULL || table == NULL || row == NULL || json_object_size(op) != 3) {
			snprintf(err, CFG_ERR_SIZE, "ops[%zu]: must be {\"op\", \"table\", \"row\"}",
				 i);
			rc = -EINVAL;
			goto fail;
		}
		t = cfg_table_parse(table);
		if (t < 0) {
			snprintf(err, CFG_ERR_SIZE, "ops[%zu].table: unknown table '%s'", i, table);
			rc = -EINVAL;
			goto fail;
		}
		rc = cfg_apply_op(next, opname, t, row, sock_dir, inner);
		if (rc < 0) {
			snprintf(err, CFG_ERR_SIZE, "ops[%zu]: %.200s", i, inner);
			goto fail;
		}
	}
	rc = commit(next, err);
	if (rc < 0)
		goto fail;
	*reply = json_pack("{s:I}", "applied", (json_int_t)json_array_size(ops));
	return 0;
fail:
	cfg_free(next);
	return rc;
}

/* A modified row counts as one removed and one added. */
static json_t *diff_summary(const struct cfg *old, const struct cfg *next, bool *changed)
{
	json_t *sum = json_object();

	*changed = false;
	for (int t = 0; t < CFG_T_COUNT; t++) {
		size_t same = cfg_count_unchanged(old, next, t);
		size_t added = cfg_table_get(next, t)->len - same,
		       removed = cfg_table_get(old, t)->len - same;

		*changed |= added > 0 || removed > 0;
		json_object_set_new(sum, cfg_table_name(t),
				    json_pack("{s:I, s:I, s:I}", "added", (json_int_t)added,
					      "removed", (json_int_t)removed, "unchanged",
					      (json_int_t)same));
	}
	return sum;
}

int ctl_switch_sync(const json_t *body, json_t **reply, char *err)
{
	const json_t *state = json_object_get(body, "state");
	struct cfg *next = NULL;
	bool changed;
	int rc;

	if (!json_is_object(state) || json_object_size(body) != 1)
		return fail(err, -EINVAL, "sync: body must be {\"state\": {...}}");
	rc = cfg_state_decode(state, sock_dir, &next, err);
	if (rc < 0)
		return rc;
	*reply = diff_summary(cur, next, &changed);
	if (!changed) {
		cfg_free(next);
		return 0;
	}
	rc = commit(next, err);
	if (rc < 0) {
		json_decref(*reply);
		*reply = NULL;
		cfg_free(next);
	}
	return rc;
}

int ctl_switch_dump(const json_t *body, json_t **reply, char *err)
{
	const json_t *table = json_object_get(body, "table");
	int t;

	if (table == NULL) {
		*reply = cfg_state_encode(cur);
		return 0;
	}
	if (!json_is_string(table) || (t = cfg_table_parse(json_string_value(table))) < 0)
		return fail(err, -EINVAL, "dump.table: must be vpc, subnet, security_group, security_group_rule, port, remote, dhcp_options, ecmp_group or route");
	*reply = json_pack("{s:s, s:o}", "table", cfg_table_name(t), "rows",
			   cfg_table_encode(cur, t));
	return 0;
}

static json_t *port_stats_json(const struct cfg_port *p, const struct port_rt *r)
{
	struct dp_port_stats st = {0};
	json_t *j = cfg_row_encode(CFG_T_PORT, p), *drops = json_object(), *rxqs = json_array();

	/* r is NULL only if a rollback could not restore the port: show it down and empty */
	if (r != NULL)
		dp_stats_port(r->dp, &st);
	for (uint16_t q = 0; q < p->queues; q++)
		json_array_append_new(rxqs, json_integer((json_int_t)st.rxq_pkts[q]));
	for (int d = 0; d < DP_DROP_MAX; d++)
		if (st.drop_reasons[d] > 0)
			json_object_set_new(drops, dp_drop_name(d),
					    json_integer((json_int_t)st.drop_reasons[d]));
	json_object_set_new(j, "link", json_string(r != NULL && (r->vp == NULL || vport_link_up(r->vp))
							   ? "up"
							   : "down"));
	json_object_set_new(j, "stats",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "rx_packets",
				      (json_int_t)st.rx_pkts, "rx_bytes", (json_int_t)st.rx_bytes,
				      "tx_packets", (json_int_t)st.tx_pkts, "tx_bytes",
				      (json_int_t)st.tx_bytes, "drops", (json_int_t)st.drops,
				      "tx_drops", (json_int_t)st.tx_drops, "drop_reasons", drops,
				      "rx_queue_packets", rxqs));
	if (r != NULL && r->vp != NULL) {
		char why[200];
		uint64_t n = vport_refusals(r->vp, why, sizeof(why));

		/* front ends the vhost-user relay disconnected for what they sent */
		json_object_set_new(j, "vhost_refused", json_integer((json_int_t)n));
		if (n > 0)
			json_object_set_new(j, "vhost_refused_reason", json_string(why));
	}
	return j;
}

static json_t *drops_json(const char *port)
{
	uint64_t totals[DP_DROP_MAX];
	struct dp_port_stats st;
	json_t *a = json_array();

	if (port != NULL) {
		const struct port_rt *r = rt_find(port);

		memset(&st, 0, sizeof(st));
		if (r != NULL)
			dp_stats_port(r->dp, &st);
		memcpy(totals, st.drop_reasons, sizeof(totals));
	} else {
		dp_stats_drops(totals);
	}
	for (int d = 0; d < DP_DROP_MAX; d++)
		json_array_append_new(a, json_pack("{s:s, s:I, s:s}", "reason", dp_drop_name(d),
						   "count", (json_int_t)totals[d], "description",
						   dp_drop_text(d)));
	return a;
}

static json_t *workers_json(void)
{
	struct dp_worker_stats ws[WORKERS_MAX];
	unsigned int n = dp_stats_workers(ws, WORKERS_MAX);
	json_t *a = json_array();

	for (unsigned int i = 0; i < n && i < WORKERS_MAX; i++)
		json_array_append_new(
			a, json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:f}", "lcore", ws[i].lcore,
				     "tsc_hz", (json_int_t)rte_get_tsc_hz(),
				     "packets", (json_int_t)ws[i].pkts, "busy_cycles",
				     (json_int_t)ws[i].busy_cycles, "polls", (json_int_t)ws[i].polls,
				     "busy_polls", (json_int_t)ws[i].busy_polls, "cycles_per_packet",
				     ws[i].pkts ? (double)ws[i].busy_cycles / ws[i].pkts : 0.0));
	return a;
}

static const char *port_name_of(uint16_t idx)
{
	for (const struct port_rt *r = rts; r != NULL; r = r->next)
		if (dp_port_index(r->dp) == idx)
			return r->cfg.name;
	return ctl_underlay_present() && idx == ctl_underlay_port_index() ? "underlay" : "?";
}

struct conn_filter {
	int port;          /* -1: any */
	struct cfg_ip addr; /* af 0: any */
	int state;         /* -1: any */
	size_t limit, matched;
	json_t *out;
};

static bool conn_cb(const struct dp_conn_info *c, void *arg)
{
	struct conn_filter *f = arg;
	char src[64], dst[64];
	struct cfg_ip a = {.af = c->af}, b = {.af = c->af};
	const char *vpc = "?", *pn = c->proto != 0 ? cfg_proto_name(c->proto) : NULL;
	json_t *j;

	if (f->port >= 0 && c->orig_port != f->port && c->reply_port != f->port)
		return true;
	if (f->state >= 0 && (int)c->state != f->state)
		return true;
	memcpy(a.addr, c->src, 16);
	memcpy(b.addr, c->dst, 16);
	if (f->addr.af != 0 &&
	    !(f->addr.af == c->af && (memcmp(f->addr.addr, c->src, c->af == AF_INET ? 4 : 16) == 0 ||
				     memcmp(f->addr.addr, c->dst, c->af == AF_INET ? 4 : 16) == 0)))
		return true;
	if (++f->matched > f->limit)
		return true; /* counted, not shown */
	cfg_ip_format(&a, src, sizeof(src));
	cfg_ip_format(&b, dst, sizeof(dst));
	CFG_FOREACH(struct cfg_vpc, v, cur->vpcs)
	if (v->vni == c->vni)
		vpc = v->name;
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:I, s:I, s:I, s:[I,I], s:[I,I]}",
		      "vpc", vpc, "family", c->af == AF_INET ? "ipv4" : "ipv6", "src", src, "dst",
		      dst, "state", ct_state_name(c->state), "revoked", c->revoked, "orig_port",
		      port_name_of(c->orig_port), "reply_port", port_name_of(c->reply_port),
		      "age", (json_int_t)c->age, "idle", (json_int_t)c->idle, "expires",
		      (json_int_t)c->expires, "packets", (json_int_t)c->pkts[0],
		      (json_int_t)c->pkts[1], "bytes", (json_int_t)c->bytes[0],
		      (json_int_t)c->bytes[1]);
	json_object_set_new(j, "protocol", pn != NULL ? json_string(pn) : json_integer(c->proto));
	if (c->proto == IPPROTO_TCP || c->proto == IPPROTO_UDP) {
		json_object_set_new(j, "sport", json_integer(c->sport));
		json_object_set_new(j, "dport", json_integer(c->dport));
		if (c->nat) { /* load balanced: to a VIP, on this backend */
			struct cfg_ip be = {.af = c->af};
			char bs[64];

			memcpy(be.addr, c->nat_addr, 16);
			cfg_ip_format(&be, bs, sizeof(bs));
			json_object_set_new(j, "backend", json_string(bs));
			json_object_set_new(j, "backend_port", json_integer(c->nat_port));
		}
	} else if (pn != NULL) {
		json_object_set_new(j, "icmp_type", json_integer(c->icmp_type));
		json_object_set_new(j, "icmp_id", json_integer(c->sport));
	}
	json_array_append_new(f->out, j);
	return true;
}

static int connections_json(const json_t *body, const char *port, json_t **reply, char *err)
{
	static const char *const members[] = {"kind", "port", "address", "state", "limit", NULL};
	struct conn_filter f = {.port = -1, .state = -1, .limit = 1000};
	const struct port_rt *r;
	json_t *v;
	int rc;

	if ((rc = cfg_check_members(body, "stats", members, err)) < 0)
		return rc;
	if (port != NULL) {
		/* a port left without its runtime by a failed rollback has no connections */
		r = rt_find(port);
		if (r == NULL)
			return fail(err, -ENOENT, "stats.port: the port has no dataplane port");
		f.port = dp_port_index(r->dp);
	}
	v = json_object_get(body, "address");
	if (v != NULL && (!json_is_string(v) || cfg_ip_parse(json_string_value(v), &f.addr) < 0))
		return fail(err, -EINVAL, "stats.address: not an IPv4 or IPv6 address");
	v = json_object_get(body, "state");
	if (v != NULL && (!json_is_string(v) || (f.state = ct_state_parse(json_string_value(v))) < 0))
		return fail(err, -EINVAL,
			    "stats.state: not a connection state (SYN_SENT, SYN_RECV, ESTABLISHED, "
			    "FIN_WAIT_ORIG, FIN_WAIT_REPLY, TIME_WAIT, CLOSED, UNREPLIED, REPLIED)");
	v = json_object_get(body, "limit");
	if (v != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 1000000)
			return fail(err, -EINVAL, "stats.limit: must be 0-1000000");
		f.limit = (size_t)json_integer_value(v);
	}
	f.out = json_array();
	dp_ct_dump(conn_cb, &f);
	*reply = json_pack("{s:o, s:I, s:b}", "connections", f.out, "matched",
			   (json_int_t)f.matched, "truncated", f.matched > f.limit);
	return 0;
}

static json_t *conntrack_json(void)
{
	struct dp_ct_stats st;
	json_t *ports = json_object();

	dp_ct_stats(&st);
	CFG_FOREACH(struct cfg_port, p, cur->ports)
	{
		const struct port_rt *r = rt_find(p->name);

		if (r != NULL)
			json_object_set_new(
				ports, p->name,
				json_pack("{s:I, s:I}", "connections",
					  (json_int_t)dp_ct_port_count(dp_port_index(r->dp)), "limit",
					  (json_int_t)(p->max_connections ? p->max_connections
									  : st.port_max)));
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}", "connections", (json_int_t)st.count,
			 "max_connections", (json_int_t)st.max, "created", (json_int_t)st.created,
			 "flow_cache_hits", (json_int_t)st.hits, "revalidated",
			 (json_int_t)st.revalidated, "ports", ports);
}

static json_t *sg_rules_json(void)
{
	json_t *a = json_array();

	CFG_FOREACH(struct cfg_sg_rule, r, cur->sg_rules)
	{
		json_t *j = cfg_row_encode(CFG_T_SG_RULE, r);

		json_object_set_new(j, "id", json_integer(ctl_sg_rule_id(r)));
		json_object_set_new(j, "hits", json_integer((json_int_t)ctl_sg_rule_hits(r)));
		json_array_append_new(a, j);
	}
	return a;
}

int ctl_switch_stats(const json_t *body, json_t **reply, char *err)
{
	const char *kind = json_string_value(json_object_get(body, "kind"));
	const json_t *pj = json_object_get(body, "port");
	const char *port = json_string_value(pj);

	if (kind == NULL)
		return fail(err, -EINVAL, "stats.kind: missing (ports, drops, workers, underlay, "
					  "connections, conntrack, sg_rules, lb or controller)");
	if (pj != NULL && (port == NULL || cfg_port_find(cur, port) == NULL)) {
		snprintf(err, CFG_ERR_SIZE, "stats.port: no port '%s'", port ? port : "?");
		return -ENOENT;
	}
	if (strcmp(kind, "ports") == 0) {
		json_t *a = json_array();

		CFG_FOREACH(struct cfg_port, p, cur->ports)
		if (port == NULL || strcmp(port, p->name) == 0)
			json_array_append_new(a, port_stats_json(p, rt_find(p->name)));
		*reply = json_pack("{s:o}", "ports", a);
	} else if (strcmp(kind, "drops") == 0) {
		*reply = json_pack("{s:o}", "drops", drops_json(port));
	} else if (strcmp(kind, "workers") == 0) {
		*reply = json_pack("{s:o}", "workers", workers_json());
	} else if (strcmp(kind, "underlay") == 0) {
		*reply = json_pack("{s:o}", "underlay", ctl_underlay_json());
	} else if (strcmp(kind, "connections") == 0) {
		return connections_json(body, port, reply, err);
	} else if (strcmp(kind, "conntrack") == 0) {
		*reply = json_pack("{s:o}", "conntrack", conntrack_json());
	} else if (strcmp(kind, "sg_rules") == 0) {
		*reply = json_pack("{s:o}", "rules", sg_rules_json());
	} else if (strcmp(kind, "lb") == 0) {
		*reply = json_pack("{s:o}", "listeners", ctl_lb_stats(cur));
	} else if (strcmp(kind, "controller") == 0) {
		*reply = json_pack("{s:o}", "controller", ctl_uplink_json());
	} else {
		return fail(err, -EINVAL, "stats.kind: must be ports, drops, workers, underlay, "
					  "connections, conntrack, sg_rules, lb or controller");
	}
	return 0;
}

static void on_link(struct vport *vp, bool up, const char *why, void *arg)
{
	char reason[220];

	(void)arg;
	if (why != NULL)
		snprintf(reason, sizeof(reason), "refused: %s", why);
	for (struct port_rt *r = rts; r != NULL; r = r->next)
		if (r->vp == vp)
			emit_link(r->cfg.name, up, why != NULL ? reason : NULL);
}

void ctl_switch_underlay_changed(void)
{
	/* next hops may have changed: the same state, new encap templates */
	if (cur != NULL && publish_as(cur, true, NULL) < 0)
		fprintf(stderr, "vpcswitchd: cannot republish after an underlay change\n");
}

/* Every 100 ms: resolve what the workers missed; every second, have the kernel re-confirm
 * the neighbours of VTEPs in use (it sees none of their traffic, so it would let them go
 * stale forever and never notice a peer that changed its MAC). */
static void underlay_tick(void)
{
	static unsigned int ticks;
	struct dp_vtep vteps[64];
	unsigned int n = dp_vteps_unresolved(vteps, 64);

	for (unsigned int i = 0; i < n; i++)
		ctl_underlay_resolve(vteps[i].af, vteps[i].addr);
	if (++ticks % 10 != 0)
		return;
	n = dp_vteps_used(vteps, 64);
	for (unsigned int i = 0; i < n; i++)
		ctl_underlay_refresh(vteps[i].af, vteps[i].addr);
}

/* A health verdict the dataplane has not got yet (its republish failed): tried each tick. */
static bool health_unpublished;

static void publish_health(void)
{
	/* established connections do not depend on it: only new ones see the new tables */
	bool failed = cur != NULL && publish_as(cur, true, NULL) < 0;

	if (failed && !health_unpublished) /* once, not each retry */
		fprintf(stderr, "vpcswitchd: cannot republish after a health change (retrying)\n");
	health_unpublished = failed;
}

void ctl_switch_tick(void)
{
	underlay_tick();
	/* a tenth of the table per 100 ms tick: each connection is looked at once a second */
	dp_ct_age(dp_ct_now(), dp_ct_slots() / 10 + 1);
	dp_aff_age(dp_ct_now(), dp_aff_slots() / 10 + 1); /* each client once a second too */
	if (health_unpublished)
		publish_health();
}

void ctl_switch_set_event_cb(void (*cb)(json_t *event, void *arg), void *arg)
{
	event_cb = cb;
	event_arg = arg;
}

void ctl_switch_health_changed(void)
{
	if (lb_health_changes(emit_health, NULL) > 0)
		publish_health();
}

void ctl_switch_poll_links(void)
{
	vport_events_process(on_link, NULL);
}
