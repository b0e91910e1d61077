/* SPDX-License-Identifier: BSD-3-Clause */
/* Descriptors that come with management requests (ctl_fdq.h). */
#include "ctl_fdq.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

ssize_t ctl_fdq_recv(struct ctl_fdq *q, int sock, void *buf, size_t size, uint64_t pos)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CTL_FDQ_MAX)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {buf, size};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	uint64_t last = pos + (n > 0 ? (uint64_t)n - 1 : 0);

	if (n < 0)
		return n;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		int fds[CTL_FDQ_MAX];
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(cm), k * sizeof(int));
		for (size_t i = 0; i < k; i++) {
			if (q->n < CTL_FDQ_MAX && n > 0)
				q->fds[q->n++] = (typeof(q->fds[0])){fds[i], last};
			else
				close(fds[i]); /* piling up unclaimed, or with no data: refused */
		}
	}
	if ((mh.msg_flags & MSG_CTRUNC) && n > 0 && q->n < CTL_FDQ_MAX)
		q->fds[q->n++] = (typeof(q->fds[0])){-1, last};
	return n;
}

int ctl_fdq_take(struct ctl_fdq *q, uint64_t start, uint64_t end)
{
	unsigned int k = 0, n = 0;
	int fd = -1;

	for (unsigned int i = 0; i < q->n; i++) {
		if (q->fds[i].pos >= end) {
			q->fds[k++] = q->fds[i];
			continue;
		}
		if (q->fds[i].pos >= start) {
			n++;
			if (fd >= 0)
				close(fd);
			fd = q->fds[i].fd;
			if (fd < 0)
				n++; /* the kernel dropped some: more than one came */
			continue;
		}
		if (q->fds[i].fd >= 0)
			close(q->fds[i].fd);
	}
	q->n = k;
	if (n > 1) {
		if (fd >= 0)
			close(fd);
		return -2;
	}
	return fd;
}

void ctl_fdq_clear(struct ctl_fdq *q)
{
	for (unsigned int i = 0; i < q->n; i++)
		if (q->fds[i].fd >= 0)
			close(q->fds[i].fd);
	q->n = 0;
}
