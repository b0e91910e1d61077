/* SPDX-License-Identifier: BSD-3-Clause */
/* The controller's event loop and log (ctrl_loop.h). */
#include "ctrl_loop.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

static int epfd = -1;
static bool stopping;
static enum ctrl_log_level log_level = CTRL_INFO;

int ctrl_loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -errno : 0;
}

int ctrl_loop_watch(struct ctrl_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};

	if (epoll_ctl(epfd, EPOLL_CTL_MOD, w->fd, &ev) == 0)
		return 0;
	if (errno == ENOENT && epoll_ctl(epfd, EPOLL_CTL_ADD, w->fd, &ev) == 0)
		return 0;
	return -errno;
}

void ctrl_loop_unwatch(struct ctrl_watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

uint64_t ctrl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int ctrl_loop_once(int timeout_ms)
{
	struct epoll_event evs[64];
	int n = epoll_wait(epfd, evs, 64, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n && !stopping; i++) {
		struct ctrl_watch *w = evs[i].data.ptr;

		w->fn(w, evs[i].events);
	}
	return n;
}

int ctrl_loop_run(void (*tick)(void))
{
	uint64_t last = 0;

	while (!stopping) {
		int rc = ctrl_loop_once(100);

		if (rc < 0)
			return rc;
		if (ctrl_now_ms() - last >= 100) {
			last = ctrl_now_ms();
			tick();
		}
	}
	return 0;
}

void ctrl_loop_stop(void)
{
	stopping = true;
}

void ctrl_log_set_level(enum ctrl_log_level l)
{
	log_level = l;
}

void ctrl_log(enum ctrl_log_level l, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	if (l > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ vpc-controller %s: ", when, ts.tv_nsec / 1000000, names[l]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
