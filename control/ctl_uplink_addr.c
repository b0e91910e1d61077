/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --controller's address list, --host-id and the reconnect backoff: strict parsing at start
 * (a typo is an exit, not a switch that silently never connects) and the backoff arithmetic,
 * both without I/O. ctl_uplink.c uses them.
 */
#include "ctl_uplink_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

/* Letters, digits, '-' and '.', labels of 1-63 characters not starting or ending with '-'. */
static bool dns_name_valid(const char *s)
{
	size_t label = 0, n = strlen(s);

	if (n == 0 || n > CTL_UPLINK_HOST_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = s[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
		if (label == 0 && c == '-')
			return false;
		label++;
	}
	return true;
}

/* Only digits and dots: meant as an IPv4 address, so it must be one ("10.1" is refused). */
static bool looks_ipv4(const char *s)
{
	return s[strspn(s, "0123456789.")] == '\0';
}

static int parse_one(const char *s, struct ctl_uplink_addr *a, char *err, size_t errsz)
{
	const char *rest, *colon;
	struct in6_addr a6;
	struct in_addr a4;
	char *end;
	unsigned long port;
	size_t hlen;

	memset(a, 0, sizeof(*a));
	if (strlen(s) >= sizeof(a->text)) {
		snprintf(err, errsz, "'%.40s...': too long", s);
		return -EINVAL;
	}
	strcpy(a->text, s);
	if (strncmp(s, "tcp:", 4) == 0) {
		a->scheme = CTL_UPLINK_TCP;
	} else if (strncmp(s, "tls:", 4) == 0) {
		a->scheme = CTL_UPLINK_TLS;
	} else {
		snprintf(err, errsz, "'%s': must start with tcp: or tls:", s);
		return -EINVAL;
	}
	rest = s + 4;
	if (rest[0] == '[') {
		const char *close = strchr(rest, ']');

		if (close == NULL || close[1] != ':') {
			snprintf(err, errsz, "'%s': an IPv6 address is written [ADDRESS]:PORT", s);
			return -EINVAL;
		}
		hlen = (size_t)(close - rest - 1);
		colon = close + 1;
		if (hlen >= sizeof(a->host)) {
			snprintf(err, errsz, "'%s': not an IPv6 address", s);
			return -EINVAL;
		}
		memcpy(a->host, rest + 1, hlen);
		if (inet_pton(AF_INET6, a->host, &a6) != 1) {
			snprintf(err, errsz, "'%s': '%s' is not an IPv6 address", s, a->host);
			return -EINVAL;
		}
		a->numeric = true;
	} else {
		colon = strrchr(rest, ':');
		if (colon == NULL) {
			snprintf(err, errsz, "'%s': no port (HOST:PORT)", s);
			return -EINVAL;
		}
		hlen = (size_t)(colon - rest);
		if (hlen == 0 || hlen >= sizeof(a->host)) {
			snprintf(err, errsz, "'%s': no host", s);
			return -EINVAL;
		}
		memcpy(a->host, rest, hlen);
		if (strchr(a->host, ':') != NULL) {
			snprintf(err, errsz,
				 "'%s': an IPv6 address goes in brackets, [ADDRESS]:PORT", s);
			return -EINVAL;
		}
		if (looks_ipv4(a->host)) {
			if (inet_pton(AF_INET, a->host, &a4) != 1) {
				snprintf(err, errsz, "'%s': '%s' is not an IPv4 address", s,
					 a->host);
				return -EINVAL;
			}
			a->numeric = true;
		} else if (!dns_name_valid(a->host)) {
			snprintf(err, errsz, "'%s': '%s' is not an address or a host name", s,
				 a->host);
			return -EINVAL;
		}
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 || port == 0 ||
	    port > 65535) {
		snprintf(err, errsz, "'%s': the port must be 1-65535", s);
		return -EINVAL;
	}
	snprintf(a->port, sizeof(a->port), "%lu", port);
	return 0;
}

int ctl_uplink_addrs_parse(const char *list, struct ctl_uplink_addr *addrs, unsigned int *n,
			   char *err, size_t errsz)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int rc = 0;

	*n = 0;
	if (copy == NULL) {
		snprintf(err, errsz, "out of memory");
		return -ENOMEM;
	}
	if (list[0] == '\0' || list[0] == ',' || list[strlen(list) - 1] == ',' ||
	    strstr(list, ",,") != NULL) {
		snprintf(err, errsz, "'%s': an empty entry", list);
		rc = -EINVAL;
		goto out;
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (*n == CTL_UPLINK_ADDRS_MAX) {
			snprintf(err, errsz, "at most %d addresses", CTL_UPLINK_ADDRS_MAX);
			rc = -EINVAL;
			goto out;
		}
		rc = parse_one(tok, &addrs[*n], err, errsz);
		if (rc < 0)
			goto out;
		(*n)++;
	}
out:
	free(copy);
	return rc;
}

bool ctl_uplink_host_id_valid(const char *id)
{
	return cfg_name_valid(id); /* a host's name in the controller's state */
}

unsigned int ctl_uplink_backoff_next(unsigned int cur_ms)
{
	if (cur_ms < CTL_UPLINK_BACKOFF_MIN_MS)
		return CTL_UPLINK_BACKOFF_MIN_MS;
	return cur_ms >= CTL_UPLINK_BACKOFF_MAX_MS / 2 ? CTL_UPLINK_BACKOFF_MAX_MS : cur_ms * 2;
}

unsigned int ctl_uplink_backoff_jitter(unsigned int ms, uint32_t rnd)
{
	uint64_t span = (uint64_t)ms / 2; /* [-25%, +25%): a range of half of ms */

	return ms - ms / 4 + (unsigned int)((span * rnd) >> 32);
}
