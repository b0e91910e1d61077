/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * See ctl_sg.h. Expansion is linear in rules plus members: groups and rule ids are found
 * through small hash tables rebuilt at each prepare (the configuration is a plain array of
 * rows), so 65,536 rules and 1,000 ports are handled in milliseconds before any rte_acl
 * build, and only the ports whose expanded list changed are built again.
 */
#include "ctl_sg.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../dataplane/dp.h"
#include "sg.h"

/* cfg cannot include sg.h: the values it copies across must be the same */
_Static_assert((int)CFG_SG_INGRESS == (int)SG_INGRESS && (int)CFG_SG_EGRESS == (int)SG_EGRESS, "sg_dir");
_Static_assert((int)CFG_SG_ICMP_ANY == (int)SG_ICMP_ANY && (int)CFG_SG_ICMP_TYPE == (int)SG_ICMP_TYPE &&
		       (int)CFG_SG_ICMP_TYPE_CODE == (int)SG_ICMP_TYPE_CODE,
	       "sg_icmp_match");

#define ID_FIRST 3    /* 1, 2: the default egress rules */

struct rule_list {
	struct sg_rule *v;
	size_t len, cap;
};

/* One direction of a port: the expanded rules and their classifier. */
struct dir_acl {
	struct rule_list rules;
	struct sg_acl *acl;
};

struct port_rec {
	char name[CFG_NAME_SIZE];
	struct dir_acl cur[2], pend[2]; /* [SG_INGRESS], [SG_EGRESS] */
	bool present; /* in the prepared configuration */
};

struct id_rec {
	bool used;
	struct cfg_sg_rule rule;
	uint64_t base; /* hits the id had counted before this rule got it */
};

struct map {
	uint32_t *slot; /* index + 1; 0: empty */
	size_t mask;
};

static struct port_rec *recs;
static size_t n_recs, cap_recs;
static struct id_rec *ids; /* committed ids */
/* prepared: the id of each rule of the configuration (by row index), and fresh ids */
static uint32_t *pend_ids;
static uint32_t *fresh;
static size_t n_fresh;
static uint64_t *fresh_base;
static struct map committed; /* rule -> id + 1, of the committed rules */

static uint64_t fnv(const void *p, size_t len, uint64_t h)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

#define FNV0 0xcbf29ce484222325ull

/* ---- a string/row -> index map, open addressing, rebuilt per prepare ---- */

static int map_init(struct map *m, size_t n)
{
	size_t size = 16;

	while (size < n * 2)
		size <<= 1;
	m->slot = calloc(size, sizeof(*m->slot));
	m->mask = size - 1;
	return m->slot == NULL ? -ENOMEM : 0;
}

/* Find the slot of a key: eq(i) tells whether entry i is the key. */
static uint32_t *map_find(struct map *m, uint64_t h, bool (*eq)(uint32_t i, const void *key),
			  const void *key)
{
	for (size_t s = h & m->mask;; s = (s + 1) & m->mask)
		if (m->slot[s] == 0 || eq(m->slot[s] - 1, key))
			return &m->slot[s];
}

static const struct cfg *prep_cfg;

static uint64_t group_hash(const char *vpc, const char *name)
{
	return fnv(name, strlen(name), fnv(vpc, strlen(vpc) + 1, FNV0));
}

struct group_key {
	const char *vpc, *name;
};

static bool group_eq(uint32_t i, const void *key)
{
	const struct cfg_sg *g = (const struct cfg_sg *)prep_cfg->sgs.rows + i;
	const struct group_key *k = key;

	return strcmp(g->vpc, k->vpc) == 0 && strcmp(g->name, k->name) == 0;
}

static bool id_eq(uint32_t i, const void *key)
{
	return memcmp(&ids[i].rule, key, sizeof(struct cfg_sg_rule)) == 0;
}

/* ---- per group: its rules and its members' addresses ---- */

struct group_info {
	uint32_t *rules; /* row indexes */
	size_t n_rules, cap_rules;
	struct cfg_ip *members;
	size_t n_members, cap_members;
};

static int push(void **arr, size_t *n, size_t *cap, const void *elem, size_t size)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		void *a = realloc(*arr, c * size);

		if (a == NULL)
			return -ENOMEM;
		*arr = a;
		*cap = c;
	}
	memcpy((char *)*arr + *n * size, elem, size);
	(*n)++;
	return 0;
}

struct prep {
	const struct cfg *c;
	struct map groups;
	struct group_info *gi;
};

static long group_index(struct prep *p, const char *vpc, const char *name)
{
	struct group_key k = {vpc, name};
	uint32_t *s = map_find(&p->groups, group_hash(vpc, name), group_eq, &k);

	return *s == 0 ? -1 : (long)*s - 1;
}

static int add_members(struct prep *p, const char *vpc, uint8_t n_sgs,
		       const char (*sgs)[CFG_NAME_SIZE], const struct cfg_ip *ips, uint8_t n_ips)
{
	for (int i = 0; i < n_sgs; i++) {
		long g = group_index(p, vpc, sgs[i]);

		if (g < 0)
			continue;
		for (int j = 0; j < n_ips; j++)
			if (push((void **)&p->gi[g].members, &p->gi[g].n_members,
				 &p->gi[g].cap_members, &ips[j], sizeof(ips[j])) < 0)
				return -ENOMEM;
	}
	return 0;
}

static int index_groups(struct prep *p)
{
	const struct cfg *c = p->c;
	size_t i = 0;

	if (map_init(&p->groups, c->sgs.len) < 0)
		return -ENOMEM;
	p->gi = calloc(c->sgs.len + 1, sizeof(*p->gi));
	if (p->gi == NULL)
		return -ENOMEM;
	CFG_FOREACH(struct cfg_sg, g, c->sgs)
	{
		struct group_key k = {g->vpc, g->name};

		*map_find(&p->groups, group_hash(g->vpc, g->name), group_eq, &k) = (uint32_t)++i;
	}
	i = 0;
	CFG_FOREACH(struct cfg_sg_rule, r, c->sg_rules)
	{
		long g = group_index(p, r->vpc, r->group);
		uint32_t row = (uint32_t)i++;

		if (g >= 0 && push((void **)&p->gi[g].rules, &p->gi[g].n_rules,
				   &p->gi[g].cap_rules, &row, sizeof(row)) < 0)
			return -ENOMEM;
	}
	CFG_FOREACH(struct cfg_port, pt, c->ports)
	{
		if (add_members(p, pt->vpc, pt->n_sgs, pt->sgs, pt->ips, pt->n_ips) < 0)
			return -ENOMEM;
	}
	CFG_FOREACH(struct cfg_remote, r, c->remotes)
	{
		if (add_members(p, r->vpc, r->n_sgs, r->sgs, r->ips, r->n_ips) < 0)
			return -ENOMEM;
	}
	return 0;
}

static void prep_free(struct prep *p)
{
	for (size_t i = 0; p->gi != NULL && i < p->c->sgs.len; i++) {
		free(p->gi[i].rules);
		free(p->gi[i].members);
	}
	free(p->gi);
	free(p->groups.slot);
}

/* ---- rule ids ---- */

/* The id of each rule of c: the committed one if it has one, else the next free one
 * (rules are unique in a configuration, so each fresh id is handed out once). */
static int assign_ids(const struct cfg *c)
{
	uint32_t next = ID_FIRST;
	size_t i = 0;

	if (ids == NULL && (ids = calloc(DP_RULE_IDS, sizeof(*ids))) == NULL)
		return -ENOMEM;
	free(pend_ids);
	free(fresh);
	free(fresh_base);
	n_fresh = 0;
	pend_ids = calloc(c->sg_rules.len + 1, sizeof(*pend_ids));
	fresh = calloc(c->sg_rules.len + 1, sizeof(*fresh));
	fresh_base = calloc(c->sg_rules.len + 1, sizeof(*fresh_base));
	if (pend_ids == NULL || fresh == NULL || fresh_base == NULL)
		return -ENOMEM;
	CFG_FOREACH(struct cfg_sg_rule, r, c->sg_rules)
	{
		uint32_t id = ctl_sg_rule_id(r);

		if (id == 0) {
			while (next < DP_RULE_IDS && ids[next].used)
				next++;
			if (next >= DP_RULE_IDS)
				return -ENOSPC;
			id = next++;
			/* counters never reset: hits count from what the id had before */
			fresh_base[n_fresh] = dp_rule_hits(id);
			fresh[n_fresh++] = id;
		}
		pend_ids[i++] = id;
	}
	return 0;
}

/* ---- expansion ---- */

static int emit(struct rule_list *l, const struct sg_rule *r)
{
	return push((void **)&l->v, &l->len, &l->cap, r, sizeof(*r));
}

static int expand_rule(struct prep *p, const struct cfg_port *pt, const struct cfg_sg_rule *cr,
		       uint32_t id, struct rule_list *out)
{
	uint8_t afs[2] = {cr->af, 0};
	int n_afs = 1;

	if (cr->af == 0) {
		afs[0] = AF_INET;
		afs[1] = AF_INET6;
		n_afs = 2;
	}
	for (int a = 0; a < n_afs; a++) {
		struct sg_rule r = {
			.id = id,
			.dir = cr->dir,
			.af = afs[a],
			.proto = cr->proto,
			.icmp_match = cr->icmp_match,
			.icmp_type = cr->icmp_type,
			.icmp_code = cr->icmp_code,
			.port_min = cr->port_min,
			.port_max = cr->port_max,
			.remote = {.af = afs[a]},
		};

		if (cr->has_remote_prefix) {
			r.remote.plen = cr->remote.plen;
			memcpy(r.remote.addr, cr->remote.ip.addr, 16);
			if (emit(out, &r) < 0)
				return -ENOMEM;
		} else if (cr->remote_group[0] != '\0') {
			long g = group_index(p, pt->vpc, cr->remote_group);

			for (size_t m = 0; g >= 0 && m < p->gi[g].n_members; m++) {
				const struct cfg_ip *ip = &p->gi[g].members[m];

				if (ip->af != afs[a])
					continue;
				r.remote.plen = ip->af == AF_INET ? 32 : 128;
				memset(r.remote.addr, 0, 16);
				memcpy(r.remote.addr, ip->addr, ip->af == AF_INET ? 4 : 16);
				if (emit(out, &r) < 0)
					return -ENOMEM;
			}
		} else if (emit(out, &r) < 0) {
			return -ENOMEM;
		}
	}
	return 0;
}

/* Both directions' entries of a port. */
static int expand_port(struct prep *p, const struct cfg_port *pt, struct rule_list l[2])
{
	if (pt->n_sgs == 0) {
		struct sg_rule r;

		/* no group: ingress denied, egress allowed */
		sg_rule_default_egress(&r, AF_INET, CTL_SG_ID_DEFAULT_EGRESS4);
		if (emit(&l[SG_EGRESS], &r) < 0)
			return -ENOMEM;
		sg_rule_default_egress(&r, AF_INET6, CTL_SG_ID_DEFAULT_EGRESS6);
		return emit(&l[SG_EGRESS], &r);
	}
	for (int i = 0; i < pt->n_sgs; i++) {
		long g = group_index(p, pt->vpc, pt->sgs[i]);

		for (size_t j = 0; g >= 0 && j < p->gi[g].n_rules; j++) {
			uint32_t row = p->gi[g].rules[j];
			const struct cfg_sg_rule *cr = (const struct cfg_sg_rule *)p->c->sg_rules.rows + row;

			if (expand_rule(p, pt, cr, pend_ids[row], &l[cr->dir]) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static struct port_rec *rec_get(const char *name)
{
	for (size_t i = 0; i < n_recs; i++)
		if (strcmp(recs[i].name, name) == 0)
			return &recs[i];
	if (n_recs == cap_recs) {
		size_t c = cap_recs ? cap_recs * 2 : 64;
		struct port_rec *r = realloc(recs, c * sizeof(*r));

		if (r == NULL)
			return NULL;
		recs = r;
		cap_recs = c;
	}
	memset(&recs[n_recs], 0, sizeof(recs[0]));
	snprintf(recs[n_recs].name, CFG_NAME_SIZE, "%s", name);
	return &recs[n_recs++];
}

static void dir_free(struct dir_acl *d)
{
	sg_acl_free(d->acl);
	free(d->rules.v);
	memset(d, 0, sizeof(*d));
}

static bool same_rules(const struct rule_list *a, const struct rule_list *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->v, b->v, a->len * sizeof(*a->v)) == 0);
}

void ctl_sg_abort(void)
{
	for (size_t i = 0; i < n_recs; i++)
		for (int d = 0; d < 2; d++) {
			struct dir_acl *pd = &recs[i].pend[d];

			if (pd->acl != recs[i].cur[d].acl)
				sg_acl_free(pd->acl);
			free(pd->rules.v);
			memset(pd, 0, sizeof(*pd));
		}
	n_fresh = 0;
}

int ctl_sg_prepare(const struct cfg *c, char *err)
{
	static const char *const dir_name[2] = {"ingress", "egress"};
	struct prep p = {.c = c};
	int rc;

	prep_cfg = c;
	ctl_sg_abort();
	for (size_t i = 0; i < n_recs; i++)
		recs[i].present = false;
	rc = assign_ids(c);
	if (rc == -ENOSPC) {
		snprintf(err, CFG_ERR_SIZE, "security_group_rule: no rule id left (at most %d)",
			 DP_RULE_IDS - ID_FIRST);
		return rc;
	}
	if (rc == 0)
		rc = index_groups(&p);
	CFG_FOREACH(struct cfg_port, pt, c->ports)
	{
		struct port_rec *r;

		if (rc < 0)
			break;
		r = rec_get(pt->name);
		if (r == NULL) {
			rc = -ENOMEM;
			break;
		}
		r->present = true;
		struct rule_list l[2] = {{0}};

		rc = expand_port(&p, pt, l);
		for (int d = 0; d < 2 && rc == 0; d++) {
			char inner[SG_ERR_SIZE] = "";

			r->pend[d].rules = l[d];
			l[d] = (struct rule_list){0};
			if (r->cur[d].acl != NULL && same_rules(&r->pend[d].rules, &r->cur[d].rules)) {
				r->pend[d].acl = r->cur[d].acl;
				continue;
			}
			r->pend[d].acl = sg_acl_create(r->pend[d].rules.v, r->pend[d].rules.len,
						       (enum sg_dir)d, -1, inner);
			if (r->pend[d].acl == NULL) {
				rc = -errno;
				snprintf(err, CFG_ERR_SIZE, "port '%s': %s security groups: %.160s",
					 pt->name, dir_name[d], inner);
			}
		}
		free(l[0].v);
		free(l[1].v);
	}
	prep_free(&p);
	if (rc < 0) {
		if (rc == -ENOMEM && err[0] == '\0')
			snprintf(err, CFG_ERR_SIZE, "security groups: out of memory");
		ctl_sg_abort();
	}
	return rc;
}

void ctl_sg_port_acls(const char *port, const struct sg_acl **in, const struct sg_acl **out)
{
	*in = *out = NULL;
	for (size_t i = 0; i < n_recs; i++)
		if (strcmp(recs[i].name, port) == 0) {
			*in = recs[i].pend[SG_INGRESS].acl;
			*out = recs[i].pend[SG_EGRESS].acl;
		}
}

void ctl_sg_commit(void)
{
	size_t kept = 0;
	bool *live = calloc(DP_RULE_IDS, sizeof(*live));

	for (size_t i = 0; i < n_recs; i++) {
		struct port_rec *r = &recs[i];

		for (int d = 0; d < 2; d++) {
			if (!r->present) {
				dir_free(&r->cur[d]);
				continue;
			}
			if (r->cur[d].acl != r->pend[d].acl)
				sg_acl_free(r->cur[d].acl);
			free(r->cur[d].rules.v);
			r->cur[d] = r->pend[d];
			memset(&r->pend[d], 0, sizeof(r->pend[d]));
		}
		if (r->present)
			recs[kept++] = *r;
	}
	n_recs = kept;
	/* ids: those of the committed rules stay or start, the others end */
	for (size_t f = 0; f < n_fresh; f++) {
		ids[fresh[f]].used = true;
		ids[fresh[f]].base = fresh_base[f];
	}
	free(committed.slot);
	committed.slot = NULL;
	if (live != NULL) {
		size_t i = 0;

		CFG_FOREACH(struct cfg_sg_rule, r, prep_cfg->sg_rules)
		{
			live[pend_ids[i]] = true;
			ids[pend_ids[i++]].rule = *r;
		}
		for (uint32_t id = ID_FIRST; id < DP_RULE_IDS; id++)
			if (!live[id])
				ids[id].used = false;
		free(live);
		if (map_init(&committed, prep_cfg->sg_rules.len) == 0)
			for (uint32_t id = ID_FIRST; id < DP_RULE_IDS; id++)
				if (ids[id].used)
					*map_find(&committed,
						  fnv(&ids[id].rule, sizeof(ids[id].rule), FNV0),
						  id_eq, &ids[id].rule) = id + 1;
	}
	n_fresh = 0;
}

uint32_t ctl_sg_rule_id(const struct cfg_sg_rule *r)
{
	if (committed.slot == NULL)
		return 0;
	uint32_t s = *map_find(&committed, fnv(r, sizeof(*r), FNV0), id_eq, r);

	return s == 0 ? 0 : s - 1;
}

const struct cfg_sg_rule *ctl_sg_rule_of(uint32_t id)
{
	return ids != NULL && id > 0 && id < DP_RULE_IDS && ids[id].used ? &ids[id].rule : NULL;
}

uint64_t ctl_sg_rule_hits(const struct cfg_sg_rule *r)
{
	uint32_t id = ctl_sg_rule_id(r);

	return id == 0 ? 0 : dp_rule_hits(id) - ids[id].base;
}

void ctl_sg_fini(void)
{
	ctl_sg_abort();
	for (size_t i = 0; i < n_recs; i++)
		for (int d = 0; d < 2; d++)
			dir_free(&recs[i].cur[d]);
	free(recs);
	recs = NULL;
	n_recs = cap_recs = 0;
	free(ids);
	ids = NULL;
	free(committed.slot);
	committed.slot = NULL;
	free(pend_ids);
	free(fresh);
	free(fresh_base);
	pend_ids = fresh = NULL;
	fresh_base = NULL;
}
