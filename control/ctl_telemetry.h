/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch's counters through DPDK telemetry (the library's own socket, read by
 * dpdk-telemetry.py -f PREFIX): /vpcswitch/drops[,PORT], /vpcswitch/ports,
 * /vpcswitch/port,NAME, /vpcswitch/workers, /vpcswitch/conntrack. Each answer is computed
 * on the control thread by the stats code vpcctl uses (ctl_switch_stats).
 */
#ifndef VPCSW_CTL_TELEMETRY_H
#define VPCSW_CTL_TELEMETRY_H

/**
 * Register the commands and add the request eventfd to the control loop. Call once, after
 * ctl_server_init, from the control thread.
 * @return 0, -EALREADY (called twice), or a negative errno of eventfd, epoll or
 *         rte_telemetry_register_cmd.
 */
int ctl_telemetry_init(void);

/**
 * Stop answering: pending and later requests get an error (the library has no way to
 * unregister a command, so the callbacks stay and must find nothing to call into). Call
 * from the control thread once its loop has stopped, before ctl_server_fini. Safe if init
 * failed or was never called.
 */
void ctl_telemetry_fini(void);

#endif
