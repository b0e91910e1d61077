/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guard of guest-memory mappings (vmem_guard.h). The signal handler may only use what
 * is safe in one: it reads /proc/self/maps with open/read into a buffer on its stack to find
 * the mapping that holds the faulting address and the file behind it, compares that file
 * with the watched ones (plain atomic loads), and maps over it with mmap (a system call with
 * no lock in user space). A slot's files are written by the relay thread only; the handler
 * may run on any thread while they change, so an entry is cleared before it is rewritten and
 * a half-written entry matches nothing.
 */
#include "vmem_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define SLOT_FILES 16 /* 8 regions and a log, with room for the previous table */

struct file_id {
	_Atomic uint64_t dev;
	_Atomic uint64_t ino; /* 0: empty */
};

struct slot {
	struct file_id files[SLOT_FILES];
	unsigned int next;	   /* relay thread only */
	_Atomic uintptr_t tripped; /* faulting address, 0: none */
};

static struct slot slots[VMEM_GUARD_SLOTS];
static bool slot_used[VMEM_GUARD_SLOTS]; /* under slot_lock */
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction old_action;
static int wake_fd = -1;
static _Atomic uint64_t faults;

struct vma {
	uintptr_t start, end;
	uint64_t dev, ino;
};

static const char *parse_hex(const char *p, const char *e, uint64_t *v)
{
	*v = 0;
	for (; p < e; p++) {
		int d = *p >= '0' && *p <= '9'	 ? *p - '0'
			: *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
						 : -1;

		if (d < 0)
			break;
		*v = *v << 4 | (uint64_t)d;
	}
	return p;
}

static const char *parse_dec(const char *p, const char *e, uint64_t *v)
{
	*v = 0;
	for (; p < e && *p >= '0' && *p <= '9'; p++)
		*v = *v * 10 + (uint64_t)(*p - '0');
	return p;
}

static const char *skip_field(const char *p, const char *e)
{
	while (p < e && *p != ' ')
		p++;
	while (p < e && *p == ' ')
		p++;
	return p;
}

/* "start-end perms offset major:minor inode path": 1 if it holds addr, filling v. */
static int parse_line(const char *p, const char *e, uintptr_t addr, struct vma *v)
{
	uint64_t start, end, maj, min;

	p = parse_hex(p, e, &start);
	if (p >= e || *p != '-')
		return 0;
	p = parse_hex(p + 1, e, &end);
	if (addr < start || addr >= end)
		return 0;
	p = skip_field(skip_field(skip_field(p, e), e), e); /* to major:minor */
	p = parse_hex(p, e, &maj);
	if (p >= e || *p != ':')
		return 0;
	p = parse_hex(p + 1, e, &min);
	parse_dec(skip_field(p, e), e, &v->ino);
	v->start = start;
	v->end = end;
	v->dev = makedev(maj, min);
	return 1;
}

/* The mapping holding addr, from /proc/self/maps. 0 or -1. Async-signal-safe. */
static int vma_of(uintptr_t addr, struct vma *v)
{
	char buf[8192];
	size_t have = 0;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	int found = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		char *line = buf, *nl;

		if (n <= 0)
			break;
		have += (size_t)n;
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf))) != NULL) {
			if (parse_line(line, nl, addr, v)) {
				found = 1;
				goto out;
			}
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		if (have == sizeof(buf))
			have = 0; /* a line longer than the buffer: no mapping line is */
		memmove(buf, line, have);
	}
out:
	close(fd);
	return found ? 0 : -1;
}

static int slot_of_file(uint64_t dev, uint64_t ino)
{
	if (ino == 0)
		return -1;
	for (int s = 0; s < VMEM_GUARD_SLOTS; s++)
		for (int i = 0; i < SLOT_FILES; i++)
			if (atomic_load(&slots[s].files[i].ino) == ino &&
			    atomic_load(&slots[s].files[i].dev) == dev)
				return s;
	return -1;
}

static void pass_on(int sig, siginfo_t *si, void *uc)
{
	if ((old_action.sa_flags & SA_SIGINFO) && old_action.sa_sigaction != NULL) {
		old_action.sa_sigaction(sig, si, uc);
	} else if (old_action.sa_handler != SIG_DFL && old_action.sa_handler != SIG_IGN) {
		old_action.sa_handler(sig);
	} else {
		/* the access runs again on return and faults with the default action: a core */
		struct sigaction dfl = {.sa_handler = SIG_DFL};

		sigaction(sig, &dfl, NULL);
	}
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	uintptr_t addr = (uintptr_t)si->si_addr;
	struct vma v;
	int s;

	if (si->si_code != BUS_ADRERR || vma_of(addr, &v) < 0 ||
	    (s = slot_of_file(v.dev, v.ino)) < 0 ||
	    mmap((void *)v.start, v.end - v.start, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
		errno = saved;
		pass_on(sig, si, uc);
		return;
	}
	atomic_store(&slots[s].tripped, addr);
	atomic_fetch_add(&faults, 1);
	if (wake_fd >= 0) {
		uint64_t one = 1;

		if (write(wake_fd, &one, sizeof(one)) < 0) {
			/* the relay's 100 ms round finds the slot as well */
		}
	}
	errno = saved;
}

int vmem_guard_init(void)
{
	struct sigaction sa = {.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO | SA_RESTART};
	struct sigaction cur;

	if (wake_fd < 0) {
		wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (wake_fd < 0)
			return -errno;
	}
	if (sigaction(SIGBUS, NULL, &cur) < 0)
		return -errno;
	if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigbus)
		return 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &old_action) < 0)
		return -errno;
	return 0;
}

int vmem_guard_fd(void)
{
	return wake_fd;
}

static void slot_clear(struct slot *sl)
{
	for (int i = 0; i < SLOT_FILES; i++) {
		atomic_store(&sl->files[i].ino, 0);
		atomic_store(&sl->files[i].dev, 0);
	}
	sl->next = 0;
	atomic_store(&sl->tripped, 0);
}

/*
 * Slots go round: a freed slot keeps its files until it is handed out again, as late as
 * possible, because the library may still have them mapped (and a worker touch them) for a
 * moment after the relay let go of the port; a fault then is absorbed, not a crash.
 */
int vmem_guard_slot_get(void)
{
	static int last = VMEM_GUARD_SLOTS - 1;
	int s = -1;

	pthread_mutex_lock(&slot_lock);
	for (int k = 1; k <= VMEM_GUARD_SLOTS && s < 0; k++) {
		int i = (last + k) % VMEM_GUARD_SLOTS;

		if (!slot_used[i]) {
			slot_used[i] = true;
			slot_clear(&slots[i]);
			s = last = i;
		}
	}
	pthread_mutex_unlock(&slot_lock);
	return s;
}

void vmem_guard_slot_put(int slot)
{
	if (slot < 0 || slot >= VMEM_GUARD_SLOTS)
		return;
	pthread_mutex_lock(&slot_lock);
	slot_used[slot] = false;
	pthread_mutex_unlock(&slot_lock);
}

void vmem_guard_watch(int slot, int fd)
{
	struct stat st;
	struct slot *sl;
	struct file_id *f;

	if (slot < 0 || slot >= VMEM_GUARD_SLOTS || fstat(fd, &st) < 0)
		return;
	sl = &slots[slot];
	for (int i = 0; i < SLOT_FILES; i++)
		if (atomic_load(&sl->files[i].ino) == st.st_ino &&
		    atomic_load(&sl->files[i].dev) == st.st_dev)
			return;
	f = &sl->files[sl->next];
	sl->next = (sl->next + 1) % SLOT_FILES;
	atomic_store(&f->ino, 0);
	atomic_store(&f->dev, st.st_dev);
	atomic_store(&f->ino, st.st_ino);
}

bool vmem_guard_tripped(int slot, uintptr_t *addr)
{
	uintptr_t a;

	if (slot < 0 || slot >= VMEM_GUARD_SLOTS)
		return false;
	a = atomic_exchange(&slots[slot].tripped, 0);
	if (addr != NULL)
		*addr = a;
	return a != 0;
}

uint64_t vmem_guard_faults(void)
{
	return atomic_load(&faults);
}
