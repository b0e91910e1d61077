/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection states and their timeouts (see ct.h). The TCP machine is a table indexed by
 * state, direction and the packet's flag class, so every transition is written down once and
 * the unit test can walk all of them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ct.h"

#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMP 1
#define PROTO_ICMPV6 58

void ct_timeouts_default(struct ct_timeouts *t)
{
	*t = (struct ct_timeouts){
		.tcp_syn_sent = 120,
		.tcp_syn_recv = 60,
		.tcp_established = 86400,
		.tcp_fin_wait = 120,
		.tcp_time_wait = 120,
		.tcp_closed = 10,
		.udp_unreplied = 30,
		.udp_replied = 180,
		.icmp = 30,
		.other_unreplied = 30,
		.other_replied = 600,
	};
}

static const struct {
	const char *name;
	size_t off;
} timeout_names[] = {
#define T(m) {#m, offsetof(struct ct_timeouts, m)}
	T(tcp_syn_sent),    T(tcp_syn_recv),  T(tcp_established), T(tcp_fin_wait),
	T(tcp_time_wait),   T(tcp_closed),    T(udp_unreplied),   T(udp_replied),
	T(icmp),            T(other_unreplied), T(other_replied),
#undef T
};

int ct_timeouts_parse(const char *s, struct ct_timeouts *t, char *err, size_t errsz)
{
	struct ct_timeouts next = *t;
	char buf[512], *save = NULL;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errsz, "timeouts: longer than %zu characters", sizeof(buf) - 1);
		return -EINVAL;
	}
	strcpy(buf, s);
	for (char *item = strtok_r(buf, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '='), *end;
		unsigned long v;
		size_t i;

		if (eq == NULL) {
			snprintf(err, errsz, "timeouts: '%.64s' is not name=seconds", item);
			return -EINVAL;
		}
		*eq = '\0';
		for (i = 0; i < sizeof(timeout_names) / sizeof(timeout_names[0]); i++)
			if (strcmp(item, timeout_names[i].name) == 0)
				break;
		if (i == sizeof(timeout_names) / sizeof(timeout_names[0])) {
			snprintf(err, errsz, "timeouts: unknown state '%.64s'", item);
			return -EINVAL;
		}
		errno = 0;
		v = strtoul(eq + 1, &end, 10);
		if (errno != 0 || end == eq + 1 || *end != '\0' || v < 1 || v > (1ul << 31)) {
			snprintf(err, errsz, "timeouts: %s: '%.32s' is not 1..2147483648 seconds",
				 item, eq + 1);
			return -EINVAL;
		}
		*(uint32_t *)((char *)&next + timeout_names[i].off) = (uint32_t)v;
	}
	*t = next;
	return 0;
}

enum ct_state ct_initial_state(uint8_t proto)
{
	return proto == PROTO_TCP ? CT_TCP_SYN_SENT : CT_UNREPLIED;
}

bool ct_tcp_opens(uint8_t flags)
{
	return (flags & (CT_TCP_SYN | CT_TCP_ACK | CT_TCP_RST | CT_TCP_FIN)) == CT_TCP_SYN;
}

/* What a TCP packet is, for the state machine. RST outranks everything, then SYN. */
enum flag_class { F_SYN, F_SYNACK, F_FIN, F_ACK, F_RST, F_NONE, F_COUNT };

static enum flag_class classify(uint8_t flags)
{
	/* SYN with FIN or RST exists only in scans and attacks: valid nowhere */
	if ((flags & CT_TCP_SYN) && (flags & (CT_TCP_FIN | CT_TCP_RST)))
		return F_NONE;
	if (flags & CT_TCP_RST)
		return F_RST;
	if (flags & CT_TCP_SYN)
		return (flags & CT_TCP_ACK) ? F_SYNACK : F_SYN;
	if (flags & CT_TCP_FIN)
		return F_FIN;
	if (flags & CT_TCP_ACK)
		return F_ACK;
	return F_NONE; /* no flag at all: never valid in TCP */
}

/* Transitions: the next state, or X (invalid), or R (reopen). Keep = the same state. */
#define X 0xfe
#define R 0xfd
#define S(st) ((uint8_t)CT_TCP_##st)

static const uint8_t tcp_next[CT_TCP_CLOSED + 1][2][F_COUNT] = {
	/*                       SYN          SYNACK        FIN             ACK                RST       NONE */
	[CT_TCP_SYN_SENT] = {
		[CT_ORIG] =     {S(SYN_SENT), X,            X,              X,                 S(CLOSED), X},
		[CT_REPLY] =    {X,           S(SYN_RECV),  X,              X,                 S(CLOSED), X},
	},
	[CT_TCP_SYN_RECV] = {
		[CT_ORIG] =     {S(SYN_RECV), X,            S(FIN_ORIG),    S(ESTABLISHED),    S(CLOSED), X},
		[CT_REPLY] =    {X,           S(SYN_RECV),  X,              S(SYN_RECV),       S(CLOSED), X},
	},
	[CT_TCP_ESTABLISHED] = {
		[CT_ORIG] =     {X,           X,            S(FIN_ORIG),    S(ESTABLISHED),    S(CLOSED), X},
		/* a SYN-ACK again: the originator's ACK was lost and the server repeats itself */
		[CT_REPLY] =    {X,           S(ESTABLISHED), S(FIN_REPLY), S(ESTABLISHED),    S(CLOSED), X},
	},
	[CT_TCP_FIN_ORIG] = {
		[CT_ORIG] =     {X,           X,            S(FIN_ORIG),    S(FIN_ORIG),       S(CLOSED), X},
		[CT_REPLY] =    {X,           X,            S(TIME_WAIT),   S(FIN_ORIG),       S(CLOSED), X},
	},
	[CT_TCP_FIN_REPLY] = {
		[CT_ORIG] =     {X,           X,            S(TIME_WAIT),   S(FIN_REPLY),      S(CLOSED), X},
		[CT_REPLY] =    {X,           X,            S(FIN_REPLY),   S(FIN_REPLY),      S(CLOSED), X},
	},
	[CT_TCP_TIME_WAIT] = {
		[CT_ORIG] =     {R,           X,            S(TIME_WAIT),   S(TIME_WAIT),      S(CLOSED), X},
		[CT_REPLY] =    {X,           X,            S(TIME_WAIT),   S(TIME_WAIT),      S(CLOSED), X},
	},
	[CT_TCP_CLOSED] = {
		/* after an RST, stragglers of either side pass until the entry goes */
		[CT_ORIG] =     {R,           X,            S(CLOSED),      S(CLOSED),         S(CLOSED), X},
		[CT_REPLY] =    {X,           X,            S(CLOSED),      S(CLOSED),         S(CLOSED), X},
	},
};

enum ct_verdict ct_update(uint8_t proto, enum ct_state *st, enum ct_dir dir, uint8_t flags)
{
	uint8_t next;

	if (proto != PROTO_TCP) {
		if (*st != CT_UNREPLIED && *st != CT_REPLIED)
			return CT_INVALID;
		if (dir == CT_REPLY)
			*st = CT_REPLIED;
		return CT_PASS;
	}
	if (*st > CT_TCP_CLOSED || (unsigned int)dir > CT_REPLY)
		return CT_INVALID;
	next = tcp_next[*st][dir][classify(flags)];
	if (next == X)
		return CT_INVALID;
	if (next == R)
		return CT_REOPEN;
	*st = (enum ct_state)next;
	return CT_PASS;
}

uint32_t ct_timeout(const struct ct_timeouts *t, uint8_t proto, enum ct_state st)
{
	switch (st) {
	case CT_TCP_SYN_SENT:
		return t->tcp_syn_sent;
	case CT_TCP_SYN_RECV:
		return t->tcp_syn_recv;
	case CT_TCP_ESTABLISHED:
		return t->tcp_established;
	case CT_TCP_FIN_ORIG:
	case CT_TCP_FIN_REPLY:
		return t->tcp_fin_wait;
	case CT_TCP_TIME_WAIT:
		return t->tcp_time_wait;
	case CT_TCP_CLOSED:
		return t->tcp_closed;
	default:
		break;
	}
	if (proto == PROTO_UDP)
		return st == CT_REPLIED ? t->udp_replied : t->udp_unreplied;
	if (proto == PROTO_ICMP || proto == PROTO_ICMPV6)
		return t->icmp;
	return st == CT_REPLIED ? t->other_replied : t->other_unreplied;
}

static const char *const state_names[CT_STATE_COUNT] = {
	[CT_TCP_SYN_SENT] = "SYN_SENT",	      [CT_TCP_SYN_RECV] = "SYN_RECV",
	[CT_TCP_ESTABLISHED] = "ESTABLISHED", [CT_TCP_FIN_ORIG] = "FIN_WAIT_ORIG",
	[CT_TCP_FIN_REPLY] = "FIN_WAIT_REPLY", [CT_TCP_TIME_WAIT] = "TIME_WAIT",
	[CT_TCP_CLOSED] = "CLOSED",	      [CT_UNREPLIED] = "UNREPLIED",
	[CT_REPLIED] = "REPLIED",
};

const char *ct_state_name(enum ct_state st)
{
	return (unsigned int)st < CT_STATE_COUNT ? state_names[st] : NULL;
}

int ct_state_parse(const char *name)
{
	for (int i = 0; i < CT_STATE_COUNT; i++)
		if (strcasecmp(name, state_names[i]) == 0)
			return i;
	return -1;
}
