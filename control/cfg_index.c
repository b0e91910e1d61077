/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Row indexes of the state's big tables (cfg_private.h): open addressing with linear
 * probing over row numbers, keyed by what the table's struct cfg_row_key says. Deletion
 * without tombstones (entries after a hole are pulled back), so an index stays exact
 * through swap-removes.
 */
#include <stdlib.h>

#include "cfg_private.h"

static size_t home(const struct cfg_index *ix, const void *row)
{
	return ix->key->hash(row) & ix->mask;
}

static void put(struct cfg_index *ix, const struct cfg_table *t, size_t i)
{
	size_t s = home(ix, cfg_table_row(t, i));

	while (ix->slots[s] != 0)
		s = (s + 1) & ix->mask;
	ix->slots[s] = (uint32_t)i + 1;
	ix->used++;
}

struct cfg_index *cfg_index_new(const struct cfg_row_key *key, const struct cfg_table *t,
				size_t rows)
{
	struct cfg_index *ix;
	size_t n = 2 * CFG_INDEX_MIN;

	while (n < 2 * rows)
		n *= 2;
	ix = calloc(1, sizeof(*ix) + n * sizeof(ix->slots[0]));
	if (ix == NULL)
		return NULL;
	ix->key = key;
	ix->mask = n - 1;
	for (size_t i = 0; i < t->len; i++)
		put(ix, t, i);
	return ix;
}

long cfg_index_find(const struct cfg_row_key *key, const struct cfg_index *ix,
		    const struct cfg_table *t, const void *probe)
{
	if (ix == NULL) {
		for (size_t i = 0; i < t->len; i++)
			if (key->same(cfg_table_row(t, i), probe))
				return (long)i;
		return -1;
	}
	for (size_t s = home(ix, probe); ix->slots[s] != 0; s = (s + 1) & ix->mask)
		if (key->same(cfg_table_row(t, ix->slots[s] - 1), probe))
			return (long)ix->slots[s] - 1;
	return -1;
}

long cfg_index_lookup(const struct cfg_row_key *key, struct cfg_index **ix,
		      const struct cfg_table *t, const void *probe)
{
	if (*ix == NULL && t->len >= CFG_INDEX_MIN)
		*ix = cfg_index_new(key, t, t->len + 1);
	return cfg_index_find(key, *ix, t, probe);
}

void cfg_index_add_last(struct cfg_index **ix, const struct cfg_table *t)
{
	struct cfg_index *old = *ix;

	if (old == NULL)
		return;
	if (2 * (old->used + 1) > old->mask + 1) {
		*ix = cfg_index_new(old->key, t, 2 * t->len);
		free(old); /* a failed rebuild just leaves no index */
		return;
	}
	put(old, t, t->len - 1);
}

/* The slot that holds row i, which is indexed. */
static size_t slot_of(const struct cfg_index *ix, const struct cfg_table *t, size_t i)
{
	size_t s = home(ix, cfg_table_row(t, i));

	while (ix->slots[s] != i + 1)
		s = (s + 1) & ix->mask;
	return s;
}

/* Empty a slot, then pull back the entries after it that may sit closer to their home, so
 * that no probe stops early at the hole. */
static void erase(struct cfg_index *ix, const struct cfg_table *t, size_t hole)
{
	for (size_t s = (hole + 1) & ix->mask; ix->slots[s] != 0; s = (s + 1) & ix->mask) {
		size_t h = home(ix, cfg_table_row(t, ix->slots[s] - 1));

		/* an entry whose home lies in (hole, s] must stay where it is */
		if (((s - h) & ix->mask) < ((s - hole) & ix->mask))
			continue;
		ix->slots[hole] = ix->slots[s];
		hole = s;
	}
	ix->slots[hole] = 0;
	ix->used--;
}

void cfg_table_swap_remove(struct cfg_table *t, struct cfg_index *ix, size_t i)
{
	size_t last = t->len - 1;

	if (ix != NULL)
		erase(ix, t, slot_of(ix, t, i));
	if (i != last) {
		if (ix != NULL)
			ix->slots[slot_of(ix, t, last)] = (uint32_t)i + 1;
		memcpy(cfg_table_row(t, i), cfg_table_row(t, last), t->row_size);
	}
	t->len--;
}
