/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * File descriptors that come with management requests (SCM_RIGHTS: capture_start's output),
 * each kept with the stream position of the last byte of the read that brought it. The
 * kernel ends a read with the message that carries descriptors, so that byte lies in the
 * frame they came with; a frame then claims exactly the descriptors inside its bytes.
 */
#ifndef VPCSW_CTL_FDQ_H
#define VPCSW_CTL_FDQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CTL_FDQ_MAX 8 /* received descriptors not yet claimed by a request */

struct ctl_fdq {
	unsigned int n;
	struct {
		int fd; /* -1: some the kernel dropped (more than the control buffer holds) */
		uint64_t pos;
	} fds[CTL_FDQ_MAX];
};

/** recvmsg from sock into buf (size bytes), whose first byte is at stream position pos;
 *  descriptors that come along are queued (or closed when the queue is full). As recv. */
ssize_t ctl_fdq_recv(struct ctl_fdq *q, int sock, void *buf, size_t size, uint64_t pos);
/** The descriptor that came with the frame at stream positions [start, end): -1 none, -2
 *  more than one (closed). Those of earlier frames, never claimed, are closed. */
int ctl_fdq_take(struct ctl_fdq *q, uint64_t start, uint64_t end);
/** Close every queued descriptor. */
void ctl_fdq_clear(struct ctl_fdq *q);

#endif
