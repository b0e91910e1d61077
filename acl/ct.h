/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection tracking's pure logic (no DPDK): the TCP state machine, the pseudo-connections
 * of UDP, ICMP echo and other protocols, and how long each state lives. The dataplane keeps
 * one state byte per connection and asks ct_update what a packet does to it; the control
 * thread asks ct_timeout when an idle connection may go. Table-driven, unit-tested with
 * every (state, direction, flags) combination.
 *
 * TCP follows the handshake and the teardown, not sequence numbers (a later step): a
 * connection starts with a SYN from its originator; the SYN-ACK must come from the other
 * side; the originator's ACK establishes it; a FIN from each side closes it; an RST from
 * either side ends it at once. Packets that make no sense in the current state (a SYN-ACK
 * from the originator, data before the handshake) are invalid: dropped, the state kept.
 */
#ifndef VPCSW_CT_H
#define VPCSW_CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ct_dir {
	CT_ORIG,  /* from the side that opened the connection */
	CT_REPLY, /* from the other side */
};

enum ct_state {
	/* TCP */
	CT_TCP_SYN_SENT,    /* originator's SYN seen */
	CT_TCP_SYN_RECV,    /* and the reply's SYN-ACK */
	CT_TCP_ESTABLISHED, /* and the originator's ACK */
	CT_TCP_FIN_ORIG,    /* the originator sent FIN */
	CT_TCP_FIN_REPLY,   /* the other side sent FIN */
	CT_TCP_TIME_WAIT,   /* both sides sent FIN */
	CT_TCP_CLOSED,      /* an RST was seen */
	/* UDP, ICMP echo, any other protocol */
	CT_UNREPLIED, /* only the originator has sent */
	CT_REPLIED,   /* both sides have sent */
	CT_STATE_COUNT
};

/* TCP flags as in the header's 13th byte. */
#define CT_TCP_FIN 0x01
#define CT_TCP_SYN 0x02
#define CT_TCP_RST 0x04
#define CT_TCP_ACK 0x10

enum ct_verdict {
	CT_PASS,    /* forward; the state may have changed */
	CT_INVALID, /* drop (ct_invalid); the state is unchanged */
	CT_REOPEN,  /* a new SYN from the originator on a closed connection: check the rules
		     * again as for a new connection, then start over in CT_TCP_SYN_SENT */
};

/* Idle timeouts in seconds, per state. Defaults: ct_timeouts_default. */
struct ct_timeouts {
	uint32_t tcp_syn_sent, tcp_syn_recv, tcp_established, tcp_fin_wait, tcp_time_wait,
		tcp_closed;
	uint32_t udp_unreplied, udp_replied;
	uint32_t icmp;
	uint32_t other_unreplied, other_replied;
};

/** The defaults (as Linux conntrack's, established shortened from 5 days to 1). */
void ct_timeouts_default(struct ct_timeouts *t);

/**
 * Parse "name=seconds[,name=seconds...]" over *t (names as the struct members, e.g.
 * "tcp_established=3600,udp_unreplied=10"). Seconds: 1..2^31. Returns 0, or -EINVAL with
 * *t unchanged and a message in err (size errsz) naming what is wrong.
 */
int ct_timeouts_parse(const char *s, struct ct_timeouts *t, char *err, size_t errsz);

/** The state a connection starts in, from its first packet. */
enum ct_state ct_initial_state(uint8_t proto);

/**
 * What a packet does to a connection in state *st. For TCP, flags are the packet's;
 * other protocols ignore them. On CT_PASS *st holds the new state.
 */
enum ct_verdict ct_update(uint8_t proto, enum ct_state *st, enum ct_dir dir, uint8_t flags);

/** Does this TCP packet (its flags) open a connection? A SYN without ACK, RST or FIN. */
bool ct_tcp_opens(uint8_t flags);

/** Idle timeout of a connection of proto in state st. */
uint32_t ct_timeout(const struct ct_timeouts *t, uint8_t proto, enum ct_state st);

/** "ESTABLISHED", "SYN_SENT", "UNREPLIED", ...; NULL for a value out of range. */
const char *ct_state_name(enum ct_state st);
/** The inverse, case-insensitive; -1 when unknown. */
int ct_state_parse(const char *name);

#endif
