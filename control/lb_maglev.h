/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network
 * Load Balancer", NSDI 2016), with weights: a lookup table of m entries (m prime), each the
 * index of a backend; a connection goes to table[hash(5-tuple) % m]. Each backend fills the
 * table in the order of its own permutation of the entries (from its identity alone), taking
 * turns in proportion to its weight, so every host builds the same table from the same
 * backends, whatever order they were listed in, and adding or removing one backend moves
 * little more than the entries it gains or loses. Pure: built on the control thread,
 * published to the workers with the rest of the configuration.
 */
#ifndef VPCSW_LB_MAGLEV_H
#define VPCSW_LB_MAGLEV_H

#include <stddef.h>
#include <stdint.h>

/* The switch's table size: the largest prime that fits the uint16_t entries, near the
 * paper's 65537; 128 KiB per listener. Smaller tables move more connections when a backend
 * goes (over 100 backends, removing one moves its 1% and another 0.56% at this size, 1.24%
 * at 16381, 2.83% at 4093: tests/unit/test_lb_maglev.c). */
#define LB_MAGLEV_SIZE	       65521
#define LB_MAGLEV_BACKENDS_MAX 4096 /* backends per table */
#define LB_MAGLEV_WEIGHT_MAX   1000

struct lb_maglev_backend {
	uint64_t id;	 /* lb_maglev_id() of its identity: equal on every host */
	uint32_t weight; /* 0: gets no entry (draining, or down) */
};

/** A backend's identity, hashed (e.g. its address family, address and port). */
uint64_t lb_maglev_id(const void *identity, size_t len);

/**
 * Fill table[0..m) with indexes into b[0..n). Entries are spread in proportion to the
 * weights; a backend of weight 0 gets none. Two backends with the same id are refused.
 * Returns 0, -EINVAL (m not a prime above 2, n or a weight out of range, a duplicate id, no
 * backend with a weight), -ENOMEM.
 */
int lb_maglev_build(const struct lb_maglev_backend *b, uint32_t n, uint32_t m, uint16_t *table);

#endif
