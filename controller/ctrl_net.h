/* SPDX-License-Identifier: BSD-3-Clause */
/* Socket addresses of the controller's listeners: "ADDR:PORT", "[IPv6]:PORT". */
#ifndef VPCSW_CTRL_NET_H
#define VPCSW_CTRL_NET_H

#include <stddef.h>
#include <sys/socket.h>

/** Parse a numeric "ADDR:PORT" or "[ADDR]:PORT". 0 or -EINVAL with err (CTRL_ERR_SIZE). */
int ctrl_net_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *err);
/** A non-blocking TCP listening socket on s; -errno with err filled. */
int ctrl_net_listen(const char *s, char *err);
/** "ADDR:PORT" or "[ADDR]:PORT". */
void ctrl_net_format(const struct sockaddr_storage *ss, char *buf, size_t size);

#endif
