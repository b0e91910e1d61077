/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Row indexes of the state's big tables (cfg_private.h): open addressing with linear
 * probing over (row, key) entries, keyed by what the table's struct cfg_row_key says; a row
 * may have several keys (a remote endpoint's addresses). Deletion without tombstones
 * (entries after a hole are pulled back), so an index stays exact through swap-removes.
 */
#include <stdlib.h>

#include "cfg_private.h"

/* An entry: row << KEY_BITS | key, plus one (0 is an empty slot). */
#define KEY_BITS 4

static uint32_t entry(size_t row, unsigned k)
{
	return (uint32_t)(row << KEY_BITS | k) + 1;
}

static size_t entry_row(uint32_t e)
{
	return (e - 1) >> KEY_BITS;
}

static unsigned entry_key(uint32_t e)
{
	return (e - 1) & ((1u << KEY_BITS) - 1);
}

static unsigned keys_of(const struct cfg_row_key *key, const void *row)
{
	return key->keys == NULL ? 1 : key->keys(row);
}

static size_t home(const struct cfg_index *ix, const void *row, unsigned k)
{
	return ix->key->hash(row, k) & ix->mask;
}

static void put(struct cfg_index *ix, const struct cfg_table *t, size_t i)
{
	const void *row = cfg_table_row(t, i);

	for (unsigned k = 0; k < keys_of(ix->key, row); k++) {
		size_t s = home(ix, row, k);

		while (ix->slots[s] != 0)
			s = (s + 1) & ix->mask;
		ix->slots[s] = entry(i, k);
		ix->used++;
	}
}

struct cfg_index *cfg_index_new(const struct cfg_row_key *key, const struct cfg_table *t,
				size_t entries)
{
	struct cfg_index *ix;
	size_t n = 2 * CFG_INDEX_MIN, have = 0;

	for (size_t i = 0; i < t->len; i++)
		have += keys_of(key, cfg_table_row(t, i));
	if (entries < have)
		entries = have;
	while (n < 2 * entries)
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
		for (size_t i = 0; i < t->len; i++) {
			const void *row = cfg_table_row(t, i);

			for (unsigned k = 0; k < keys_of(key, row); k++)
				if (key->same(row, k, probe))
					return (long)i;
		}
		return -1;
	}
	for (size_t s = home(ix, probe, 0); ix->slots[s] != 0; s = (s + 1) & ix->mask) {
		size_t i = entry_row(ix->slots[s]);

		if (key->same(cfg_table_row(t, i), entry_key(ix->slots[s]), probe))
			return (long)i;
	}
	return -1;
}

size_t cfg_index_count_same(const struct cfg_row_key *key, const struct cfg_index *ix,
			    const struct cfg_table *old, const struct cfg_table *next,
			    bool (*equal)(const void *a, const void *b))
{
	struct cfg_index *tmp = NULL;
	size_t same = 0;

	if (ix == NULL && old->len >= CFG_INDEX_MIN)
		ix = tmp = cfg_index_new(key, old, old->len);
	for (size_t j = 0; j < next->len; j++) {
		const void *row = cfg_table_row(next, j);
		long i = cfg_index_find(key, ix, old, row);

		same += i >= 0 && (equal == NULL || equal(cfg_table_row(old, i), row));
	}
	free(tmp);
	return same;
}

long cfg_index_lookup(const struct cfg_row_key *key, struct cfg_index **ix,
		      const struct cfg_table *t, const void *probe)
{
	if (*ix == NULL && t->len >= CFG_INDEX_MIN)
		*ix = cfg_index_new(key, t, t->len + 1);
	return cfg_index_find(key, *ix, t, probe);
}

/* Room for `more` entries, growing at half load; false: no index left (out of memory). */
static bool room(struct cfg_index **ix, const struct cfg_table *t, size_t more)
{
	struct cfg_index *old = *ix;

	if (2 * (old->used + more) <= old->mask + 1)
		return true;
	*ix = cfg_index_new(old->key, t, 2 * (old->used + more));
	free(old); /* a failed rebuild just leaves no index */
	return *ix != NULL;
}

/* Index row i of t as it now is, growing the index first if need be (a rebuild indexes it
 * with the others). */
static void add_row(struct cfg_index **ix, const struct cfg_table *t, size_t i)
{
	struct cfg_index *before = *ix;

	if (before != NULL && room(ix, t, keys_of(before->key, cfg_table_row(t, i))) &&
	    *ix == before)
		put(*ix, t, i);
}

void cfg_index_add_last(struct cfg_index **ix, const struct cfg_table *t)
{
	add_row(ix, t, t->len - 1);
}

/* The slot that holds key k of row i, which is indexed. */
static size_t slot_of(const struct cfg_index *ix, const struct cfg_table *t, size_t i, unsigned k)
{
	size_t s = home(ix, cfg_table_row(t, i), k);

	while (ix->slots[s] != entry(i, k))
		s = (s + 1) & ix->mask;
	return s;
}

/* Empty a slot, then pull back the entries after it that may sit closer to their home, so
 * that no probe stops early at the hole. */
static void erase(struct cfg_index *ix, const struct cfg_table *t, size_t hole)
{
	for (size_t s = (hole + 1) & ix->mask; ix->slots[s] != 0; s = (s + 1) & ix->mask) {
		uint32_t e = ix->slots[s];
		size_t h = home(ix, cfg_table_row(t, entry_row(e)), entry_key(e));

		/* an entry whose home lies in (hole, s] must stay where it is */
		if (((s - h) & ix->mask) < ((s - hole) & ix->mask))
			continue;
		ix->slots[hole] = e;
		hole = s;
	}
	ix->slots[hole] = 0;
	ix->used--;
}

static void erase_row(struct cfg_index *ix, const struct cfg_table *t, size_t i)
{
	for (unsigned k = 0; k < keys_of(ix->key, cfg_table_row(t, i)); k++)
		erase(ix, t, slot_of(ix, t, i, k));
}

void cfg_index_replace(struct cfg_index **ix, struct cfg_table *t, size_t i, const void *row)
{
	if (*ix != NULL)
		erase_row(*ix, t, i);
	memcpy(cfg_table_row(t, i), row, t->row_size);
	add_row(ix, t, i);
}

void cfg_index_swap_remove(struct cfg_index *ix, const struct cfg_table *t, size_t i)
{
	size_t last = t->len - 1;

	if (ix == NULL)
		return;
	erase_row(ix, t, i);
	if (i != last)
		for (unsigned k = 0; k < keys_of(ix->key, cfg_table_row(t, last)); k++)
			ix->slots[slot_of(ix, t, last, k)] = entry(i, k);
}

void cfg_table_swap_remove(struct cfg_table *t, struct cfg_index *ix, size_t i)
{
	size_t last = t->len - 1;

	cfg_index_swap_remove(ix, t, i);
	if (i != last)
		memcpy(cfg_table_row(t, i), cfg_table_row(t, last), t->row_size);
	t->len--;
}
