/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of vhost/vmem_guard.c: a mapping of a watched file that shrinks under us turns
 * the SIGBUS of the next access into zero pages and a tripped slot; a fault on a file no
 * slot watches still reaches the handler that was installed before (here one that records
 * it and jumps out, standing in for the default action's core). Real memfd files, real
 * faults; no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmem_guard.h"

#define SIZE (64 * 4096)

static sigjmp_buf jump;
static volatile sig_atomic_t earlier_handler_ran;

static void earlier_handler(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	earlier_handler_ran = sig;
	siglongjmp(jump, 1);
}

/*
 * cmocka puts its own SIGBUS handler in place for every test: the earlier handler and the
 * guard go over it there. Returns a fresh slot.
 */
static int install(void **state)
{
	struct sigaction sa = {.sa_sigaction = earlier_handler, .sa_flags = SA_SIGINFO};
	int slot;

	(void)state;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGBUS, &sa, NULL), 0);
	assert_int_equal(vmem_guard_init(), 0);
	slot = vmem_guard_slot_get();
	assert_true(slot >= 0);
	return slot;
}

/* A memfd of SIZE bytes mapped shared at file offset off, filled with 0xab. */
static volatile uint8_t *map_file(int *fd, off_t off)
{
	void *m;

	*fd = memfd_create("vmem_guard_test", MFD_CLOEXEC);
	assert_true(*fd >= 0);
	assert_int_equal(ftruncate(*fd, SIZE + off), 0);
	m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, off);
	assert_true(m != MAP_FAILED);
	memset(m, 0xab, SIZE);
	return m;
}

static void test_watched_file_shrinks(void **state)
{
	int fd, slot = install(state);
	volatile uint8_t *m = map_file(&fd, 4096);
	uint64_t faults = vmem_guard_faults();
	uintptr_t at = 0;
	uint64_t wake;

	vmem_guard_watch(slot, fd);
	assert_false(vmem_guard_tripped(slot, &at));
	assert_int_equal(m[100], 0xab);
	assert_int_equal(ftruncate(fd, 0), 0);
	earlier_handler_ran = 0;
	if (sigsetjmp(jump, 1) == 0)
		assert_int_equal(m[10 * 4096 + 5], 0); /* zero pages now, not a SIGBUS */
	assert_int_equal(earlier_handler_ran, 0);
	m[3 * 4096] = 7; /* and writable, as the library's used ring must be */
	assert_int_equal(m[3 * 4096], 7);
	assert_int_equal(vmem_guard_faults(), faults + 1);
	assert_true(vmem_guard_tripped(slot, &at));
	assert_true(at == (uintptr_t)&m[10 * 4096 + 5]);
	assert_false(vmem_guard_tripped(slot, &at)); /* reported once */
	assert_int_equal(read(vmem_guard_fd(), &wake, sizeof(wake)), sizeof(wake));
	assert_true(wake >= 1);
	munmap((void *)m, SIZE);
	close(fd);
	vmem_guard_slot_put(slot);
}

static void test_unwatched_file_reaches_earlier_handler(void **state)
{
	int fd, slot = install(state);
	volatile uint8_t *m = map_file(&fd, 0);
	uint64_t faults = vmem_guard_faults();
	volatile int value = -1;

	assert_int_equal(ftruncate(fd, 0), 0);
	earlier_handler_ran = 0;
	if (sigsetjmp(jump, 1) == 0)
		value = m[0];
	assert_int_equal(earlier_handler_ran, SIGBUS);
	assert_int_equal(value, -1);
	assert_int_equal(vmem_guard_faults(), faults);
	assert_false(vmem_guard_tripped(slot, NULL));
	munmap((void *)m, SIZE);
	close(fd);
	vmem_guard_slot_put(slot);
}

/* The library may touch a port's memory a moment after the relay freed the port's slot. */
static void test_freed_slot_still_absorbs_until_reused(void **state)
{
	int fd, slot = install(state), next;
	volatile uint8_t *m = map_file(&fd, 0);

	vmem_guard_watch(slot, fd);
	vmem_guard_slot_put(slot);
	next = vmem_guard_slot_get();
	assert_int_not_equal(next, slot); /* slots go round */
	assert_int_equal(ftruncate(fd, 0), 0);
	earlier_handler_ran = 0;
	if (sigsetjmp(jump, 1) == 0)
		assert_int_equal(m[0], 0);
	assert_int_equal(earlier_handler_ran, 0);
	assert_false(vmem_guard_tripped(next, NULL));
	munmap((void *)m, SIZE);
	close(fd);
	vmem_guard_slot_put(next);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watched_file_shrinks),
		cmocka_unit_test(test_unwatched_file_reaches_earlier_handler),
		cmocka_unit_test(test_freed_slot_still_absorbs_until_reused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
