/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet filters in tcpdump syntax for the observation features (capture, live trace):
 * libpcap compiles the expression to classic BPF, DPDK converts it to eBPF and runs it over
 * bursts of mbufs (JIT when the CPU has one). Compiled on the control thread, immutable
 * afterwards, so any number of workers may run one filter at once.
 */
#ifndef VPCSW_DP_FILTER_H
#define VPCSW_DP_FILTER_H

#include <stddef.h>
#include <stdint.h>

struct rte_mbuf;
struct dp_filter;

/**
 * Compile a tcpdump-style filter expression for Ethernet frames.
 *
 * Control thread (or any non-worker thread); needs EAL (rte_bpf_load allocates).
 *
 * @param expr
 *   The expression ("icmp", "udp port 53", ...). NULL or "" (blanks only): a filter that
 *   matches every packet.
 * @param snaplen
 *   The capture length the expression is compiled for (0: 65535). Only what libpcap's
 *   code generator wants to know; matching always reads the whole frame.
 * @param err
 *   Where a reason is written on failure (libpcap's own message for a syntax error); may be
 *   NULL when errsz is 0.
 * @param errsz
 *   Size of err in bytes.
 * @return
 *   The filter; NULL with errno set and err filled: EINVAL (the expression does not
 *   compile, or DPDK refuses the converted program), ENOMEM.
 */
struct dp_filter *dp_filter_compile(const char *expr, uint32_t snaplen, char *err, size_t errsz);

/** Free a filter (control thread, after every worker that used it is done). NULL is fine. */
void dp_filter_free(struct dp_filter *f);

/**
 * Run a filter over a burst. Any thread, lock-free; packets are only read.
 *
 * @param f
 *   A compiled filter.
 * @param pkts
 *   The packets (first segment's data is the Ethernet header).
 * @param n
 *   How many.
 * @param rc
 *   n results: rc[i] nonzero when pkts[i] matches.
 * @return
 *   The number of packets that matched.
 */
uint16_t dp_filter_match_burst(const struct dp_filter *f, struct rte_mbuf *const *pkts, uint16_t n,
			       uint64_t *rc);

#endif
