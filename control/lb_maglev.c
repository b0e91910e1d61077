/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev table population (lb_maglev.h). Backend i's permutation is
 * (offset_i + j * skip_i) mod m, j = 0, 1, ...; offset and skip come from two independent
 * hashes of its id, and m prime makes every skip in 1..m-1 visit every entry. In each round
 * every backend earns its weight in credit and takes one turn per w_max of credit: a turn
 * claims the next entry of its permutation that is still free. Backends go in order of id
 * (ties in a round are won the same way on every host).
 */
#include "lb_maglev.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define EMPTY UINT16_MAX

static uint64_t mix(uint64_t x)
{
	/* splitmix64's finalizer: every input bit reaches every output bit */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ x >> 31;
}

uint64_t lb_maglev_id(const void *identity, size_t len)
{
	const uint8_t *p = identity;
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then mixed */

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return mix(h);
}

static bool prime(uint32_t m)
{
	if (m < 3 || m % 2 == 0)
		return false;
	for (uint32_t d = 3; (uint64_t)d * d <= m; d += 2)
		if (m % d == 0)
			return false;
	return true;
}

struct turn {
	uint64_t id;
	uint32_t index; /* into the caller's array */
	uint32_t weight;
	uint32_t offset, skip, next;
	uint64_t credit;
};

static int by_id(const void *a, const void *b)
{
	uint64_t x = ((const struct turn *)a)->id, y = ((const struct turn *)b)->id;

	return x < y ? -1 : x > y;
}

int lb_maglev_build(const struct lb_maglev_backend *b, uint32_t n, uint32_t m, uint16_t *table)
{
	struct turn *t;
	uint32_t wmax = 0, filled = 0;

	if (!prime(m) || m > EMPTY || n == 0 || n > LB_MAGLEV_BACKENDS_MAX || n >= m)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		if (b[i].weight > LB_MAGLEV_WEIGHT_MAX)
			return -EINVAL;
		if (b[i].weight > wmax)
			wmax = b[i].weight;
	}
	if (wmax == 0)
		return -EINVAL;
	t = calloc(n, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		t[i] = (struct turn){.id = b[i].id, .index = i, .weight = b[i].weight};
		t[i].offset = (uint32_t)(mix(b[i].id ^ 0x6d61676c65760001ull) % m);
		t[i].skip = (uint32_t)(mix(b[i].id ^ 0x6d61676c65760002ull) % (m - 1)) + 1;
	}
	qsort(t, n, sizeof(*t), by_id);
	for (uint32_t i = 1; i < n; i++)
		if (t[i].id == t[i - 1].id) {
			free(t);
			return -EINVAL;
		}
	for (uint32_t e = 0; e < m; e++)
		table[e] = EMPTY;
	while (filled < m) {
		for (uint32_t i = 0; i < n && filled < m; i++) {
			struct turn *x = &t[i];

			x->credit += x->weight;
			while (x->credit >= wmax && filled < m) {
				uint32_t e;

				x->credit -= wmax;
				do {
					e = (uint32_t)((x->offset + (uint64_t)x->next * x->skip) %
						       m);
					x->next++;
				} while (table[e] != EMPTY);
				table[e] = (uint16_t)x->index;
				filled++;
			}
		}
	}
	free(t);
	return 0;
}
