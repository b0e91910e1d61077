/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest memory that shrinks under us. rte_vhost maps each region (and the dirty log) the
 * front end hands over; a front end that truncates the file afterwards turns every later
 * access to the lost part, by a worker or by the library, into SIGBUS, which would end the
 * whole switch. The relay records each file it lets through (device and inode, per port);
 * a SIGBUS handler that finds the faulting address inside a mapping of such a file puts
 * anonymous zero pages over that mapping, so the access completes (reading zeros, which the
 * library takes for an empty ring), marks the port and wakes the relay, which then closes
 * the port's connection. Any other SIGBUS is passed to the handler that was there before:
 * a fault in our own memory is still a crash. docs/hostile-guests.md has the design.
 */
#ifndef VPCSW_VMEM_GUARD_H
#define VPCSW_VMEM_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#define VMEM_GUARD_SLOTS 1024 /* ports whose files are watched at once */

/** Install the handler (again, if another replaced it; that one is then the one faults
 *  we do not absorb go to) and the wake-up eventfd. Returns 0 or -errno. */
int vmem_guard_init(void);
/** The eventfd that becomes readable when a watched file faulted (read it to reset). */
int vmem_guard_fd(void);
/** A slot for one port's files; -1 when all are taken. */
int vmem_guard_slot_get(void);
/** Free the slot (its files stay watched until it is handed out again). */
void vmem_guard_slot_put(int slot);
/** Watch the file behind fd for the slot (the newest files are kept, the oldest dropped). */
void vmem_guard_watch(int slot, int fd);
/** Whether a watched file of the slot faulted since the last call; *addr: where. */
bool vmem_guard_tripped(int slot, uintptr_t *addr);
/** Faults absorbed since start, over all slots. */
uint64_t vmem_guard_faults(void);

#endif
