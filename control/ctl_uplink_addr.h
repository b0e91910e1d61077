/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pure half of the controller connection (ctl_uplink.c has the sockets): the address
 * list of --controller, the host id of --host-id, and the reconnect backoff. No I/O, so it
 * is unit-tested on its own (tests/unit/test_ctl_uplink_addr.c).
 */
#ifndef VPCSW_CTL_UPLINK_ADDR_H
#define VPCSW_CTL_UPLINK_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_UPLINK_ADDRS_MAX 8
#define CTL_UPLINK_HOST_MAX  253 /* a DNS name's longest text form */

enum ctl_uplink_scheme { CTL_UPLINK_TCP, CTL_UPLINK_TLS };

/** One entry of --controller. */
struct ctl_uplink_addr {
	enum ctl_uplink_scheme scheme;
	char host[CTL_UPLINK_HOST_MAX + 1];  /* without the brackets of an IPv6 address */
	char port[6];			     /* decimal, 1-65535 */
	bool numeric;			     /* host is an address: no name resolution */
	char text[CTL_UPLINK_HOST_MAX + 16]; /* as given, e.g. tcp:[::1]:6640 */
};

/**
 * Parse a comma-separated list of SCHEME:HOST:PORT, SCHEME tcp or tls, HOST an IPv4 address,
 * [IPv6 address] or a DNS name (letters, digits, '-', '.'), PORT 1-65535.
 * @param list   the option's text
 * @param addrs  CTL_UPLINK_ADDRS_MAX entries
 * @param n      entries written
 * @param err    a reason naming the bad entry, on error (errsz bytes)
 * @return 0, or -EINVAL (err says why). Any thread.
 */
int ctl_uplink_addrs_parse(const char *list, struct ctl_uplink_addr *addrs, unsigned int *n,
			   char *err, size_t errsz);

/** A --host-id: 1-31 characters of A-Z a-z 0-9 _ . - (a southbound name). */
bool ctl_uplink_host_id_valid(const char *id);

#define CTL_UPLINK_BACKOFF_MIN_MS 250
#define CTL_UPLINK_BACKOFF_MAX_MS 8000

/** The backoff after cur_ms (0: none yet): 250 ms, then doubling up to 8 s. */
unsigned int ctl_uplink_backoff_next(unsigned int cur_ms);
/** ms with +-25% jitter, rnd a uniformly random 32-bit number: within [ms*3/4, ms*5/4]. */
unsigned int ctl_uplink_backoff_jitter(unsigned int ms, uint32_t rnd);

#endif
