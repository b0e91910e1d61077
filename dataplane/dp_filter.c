/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpdump filter expressions on mbufs: libpcap's compiler (against a dead Ethernet handle)
 * gives classic BPF, rte_bpf_convert turns it into eBPF over an mbuf, rte_bpf_load checks
 * and loads it, and the x86/arm64 JIT runs it when DPDK has one. Used by the capture
 * sessions (dp_capture.c) and the live trace; this file knows nothing of either.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <rte_bpf.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dp_filter.h"

struct dp_filter {
	struct rte_bpf *bpf;	 /* NULL: match everything */
	uint64_t (*jit)(void *); /* the native code, or NULL: rte_bpf's interpreter */
};

#define FILTER_SNAPLEN_MAX 262144 /* tcpdump's default */

static void set_err(char *err, size_t errsz, const char *fmt, const char *expr, const char *why)
{
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, fmt, expr, why);
}

/* Blank expressions match all: what tcpdump does with no expression. */
static bool expr_blank(const char *expr)
{
	if (expr == NULL)
		return true;
	for (; *expr != '\0'; expr++)
		if (*expr != ' ' && *expr != '\t' && *expr != '\n')
			return false;
	return true;
}

struct dp_filter *dp_filter_compile(const char *expr, uint32_t snaplen, char *err, size_t errsz)
{
	struct rte_bpf_prm *prm = NULL;
	struct bpf_program prog;
	struct rte_bpf_jit jit;
	struct dp_filter *f;
	pcap_t *pcap;

	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		set_err(err, errsz, "filter '%s': %s", expr ? expr : "", "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if (expr_blank(expr))
		return f;
	if (snaplen == 0 || snaplen > FILTER_SNAPLEN_MAX)
		snaplen = FILTER_SNAPLEN_MAX;
	pcap = pcap_open_dead(DLT_EN10MB, (int)snaplen);
	if (pcap == NULL) {
		set_err(err, errsz, "filter '%s': %s", expr, "libpcap: pcap_open_dead failed");
		errno = ENOMEM;
		goto free_filter;
	}
	/* optimize on; netmask unknown: "ip broadcast" is refused rather than guessed */
	if (pcap_compile(pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		set_err(err, errsz, "bad filter '%s': %s", expr, pcap_geterr(pcap));
		errno = EINVAL;
		goto close_pcap;
	}
	prm = rte_bpf_convert(&prog);
	pcap_freecode(&prog);
	if (prm == NULL) {
		set_err(err, errsz, "filter '%s': cannot convert to eBPF: %s", expr,
			rte_strerror(rte_errno));
		errno = rte_errno == ENOMEM ? ENOMEM : EINVAL;
		goto close_pcap;
	}
	f->bpf = rte_bpf_load(prm);
	if (f->bpf == NULL) {
		set_err(err, errsz, "filter '%s': eBPF program refused: %s", expr,
			rte_strerror(rte_errno));
		errno = rte_errno == ENOMEM ? ENOMEM : EINVAL;
		goto free_prm;
	}
	if (rte_bpf_get_jit(f->bpf, &jit) == 0 && jit.func != NULL)
		f->jit = jit.func;
	rte_free(prm);
	pcap_close(pcap);
	return f;

free_prm:
	rte_free(prm);
close_pcap:
	pcap_close(pcap);
free_filter:
	free(f);
	return NULL;
}

void dp_filter_free(struct dp_filter *f)
{
	if (f == NULL)
		return;
	rte_bpf_destroy(f->bpf);
	free(f);
}

uint16_t dp_filter_match_burst(const struct dp_filter *f, struct rte_mbuf *const *pkts, uint16_t n,
			       uint64_t *rc)
{
	uint16_t matched = 0;

	if (f->bpf == NULL) {
		for (uint16_t i = 0; i < n; i++)
			rc[i] = 1;
		return n;
	}
	if (f->jit == NULL) {
		/* the interpreter's context is the mbuf pointer; it only reads through it. It
		 * returns how many packets it ran, not how many matched. */
		rte_bpf_exec_burst(f->bpf, (void **)(uintptr_t)pkts, rc, n);
	} else {
		for (uint16_t i = 0; i < n; i++)
			rc[i] = f->jit(pkts[i]);
	}
	for (uint16_t i = 0; i < n; i++)
		matched += rc[i] != 0;
	return matched;
}
