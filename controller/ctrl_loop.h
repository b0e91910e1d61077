/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controller's one event loop: every descriptor (southbound listener and connections,
 * the northbound's, signals, the store's notifications) is a watch whose callback runs on
 * readiness. One thread, so the model needs no lock.
 */
#ifndef VPCSW_CTRL_LOOP_H
#define VPCSW_CTRL_LOOP_H

#include <stdint.h>

struct ctrl_watch {
	int fd;
	void (*fn)(struct ctrl_watch *w, uint32_t events);
};

int ctrl_loop_init(void);
/** Add or change what w's descriptor is watched for (EPOLLIN / EPOLLOUT). 0 or -errno. */
int ctrl_loop_watch(struct ctrl_watch *w, uint32_t events);
void ctrl_loop_unwatch(struct ctrl_watch *w);
/** Run until ctrl_loop_stop; tick runs every 100 ms. Returns 0 or -errno. */
int ctrl_loop_run(void (*tick)(void));
void ctrl_loop_stop(void);
/** Run the callbacks of what is ready now, waiting at most timeout_ms (tests, fuzzers). */
int ctrl_loop_once(int timeout_ms);

/** Monotonic milliseconds. */
uint64_t ctrl_now_ms(void);

enum ctrl_log_level { CTRL_ERR, CTRL_WARN, CTRL_INFO, CTRL_DEBUG };
void ctrl_log_set_level(enum ctrl_log_level l);
/** To stderr with a timestamp, one line. */
void ctrl_log(enum ctrl_log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
