/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What dhcp4.c and dhcp6.c share and nobody else needs: a bounded writer for the reply and
 * big-endian loads. A write that does not fit writes nothing and marks the writer full, so
 * an optional option can be rolled back whole instead of being sent cut short.
 */
#ifndef VPCSW_DHCP_PRIVATE_H
#define VPCSW_DHCP_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct dhcp_wbuf {
	uint8_t *p;
	size_t size; /* bytes written */
	size_t cap;  /* bytes p holds */
	bool full;   /* a write did not fit: what was written since the last mark is void */
};

static inline void dhcp_wbuf_init(struct dhcp_wbuf *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->size = 0;
	w->cap = cap;
	w->full = false;
}

static inline void dhcp_wbuf_put(struct dhcp_wbuf *w, const void *data, size_t n)
{
	if (w->full || w->cap - w->size < n) {
		w->full = true;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->size, data, n);
	w->size += n;
}

static inline void dhcp_wbuf_u8(struct dhcp_wbuf *w, uint8_t v)
{
	dhcp_wbuf_put(w, &v, 1);
}

static inline void dhcp_wbuf_be16(struct dhcp_wbuf *w, uint16_t v)
{
	const uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	dhcp_wbuf_put(w, b, sizeof(b));
}

static inline void dhcp_wbuf_be32(struct dhcp_wbuf *w, uint32_t v)
{
	const uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
			      (uint8_t)v};

	dhcp_wbuf_put(w, b, sizeof(b));
}

/* Keep what was written since mark if it all fitted; otherwise drop it and clear full. */
static inline bool dhcp_wbuf_commit(struct dhcp_wbuf *w, size_t mark)
{
	if (!w->full)
		return true;
	w->size = mark;
	w->full = false;
	return false;
}

static inline uint16_t dhcp_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dhcp_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* T1 and T2 as a fraction num/den of a lifetime; the infinite lifetime (RFC 2131 and RFC 8415
 * both use all ones) stays infinite, so the client never renews a lease that never ends. */
static inline uint32_t dhcp_lifetime_part(uint32_t lifetime, uint32_t num, uint32_t den)
{
	if (lifetime == UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)((uint64_t)lifetime * num / den);
}

#endif
