/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpcctl trace: ask the switch what it would do with one packet. The packet is a
 * description (pktdesc language, built by the switch with the port's own addresses as
 * defaults), a frame of a pcap file (libpcap reads it here), or raw hex. Prints one line per
 * stage the packet crossed and a final `verdict:` line; -o json prints the switch's answer.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktdesc.h"
#include "sb_proto.h"
#include "vpcctl.h"
#include "vpcctl_print.h"

#define FRAME_MAX 9216

static int trace_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "vpcctl: trace: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	return 2;
}

/* Frame number index (from 1) of a pcap file, as hex. */
static char *pcap_frame_hex(const char *file, long index)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(file, errbuf);
	struct pcap_pkthdr *h;
	const u_char *data;
	char *hex = NULL;
	long i = 0;
	int rc;

	if (p == NULL) {
		fprintf(stderr, "vpcctl: trace: %s\n", errbuf);
		return NULL;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "vpcctl: trace: %s: not an Ethernet capture\n", file);
		pcap_close(p);
		return NULL;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1 && ++i < index)
		;
	if (rc != 1) {
		fprintf(stderr, "vpcctl: trace: %s has no frame %ld\n", file, index);
	} else if (h->caplen < h->len) {
		fprintf(stderr, "vpcctl: trace: frame %ld of %s was cut to %u of its %u bytes\n",
			index, file, h->caplen, h->len);
	} else if ((hex = malloc(2 * (size_t)h->caplen + 1)) != NULL) {
		for (uint32_t b = 0; b < h->caplen; b++)
			snprintf(hex + 2 * b, 3, "%02x", data[b]);
		hex[2 * h->caplen] = '\0';
	}
	pcap_close(p);
	return hex;
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "?";
}

static long long num(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void print_rule(const json_t *st)
{
	const json_t *rule = json_object_get(st, "rule");
	char *s;

	if (!json_is_true(json_object_get(st, "allowed"))) {
		printf("%s of %s: no rule allows it", str(st, "direction"), str(st, "port"));
		return;
	}
	if (json_object_get(st, "rule_id") == NULL) {
		printf("%s of %s: allowed", str(st, "direction"), str(st, "port"));
		return;
	}
	printf("%s of %s: allowed by rule %lld", str(st, "direction"), str(st, "port"),
	       num(st, "rule_id"));
	if (rule != NULL && (s = json_dumps(rule, JSON_COMPACT)) != NULL) {
		printf(" %s", s);
		free(s);
	}
}

static void print_stage(const json_t *st)
{
	const char *name = str(st, "stage");

	if (json_object_get(st, "t_ns") != NULL) /* live: since the packet was received */
		printf("  %+9.3fus %-15s ", (double)num(st, "t_ns") / 1000.0, name);
	else
		printf("  %-15s ", name);
	if (strcmp(name, "rx") == 0) {
		printf("port %s, %lld bytes", str(st, "port"), num(st, "len"));
	} else if (strcmp(name, "port_security") == 0) {
		printf("source MAC and address are %s's", str(st, "port"));
	} else if (strcmp(name, "service") == 0) {
		printf("for the switch itself: %s", str(st, "service"));
	} else if (strcmp(name, "decap") == 0) {
		printf("%s VNI %lld from VTEP %s", str(st, "encap"), num(st, "vni"),
		       str(st, "outer_src"));
	} else if (strcmp(name, "exception") == 0) {
		printf("not a tunnel packet for this host: to the host kernel");
	} else if (strcmp(name, "flow") == 0) {
		const char *r = str(st, "result");

		if (strcmp(r, "hit") == 0)
			printf("connection %lld (%s, %s direction)%s", num(st, "connection"),
			       str(st, "state"), str(st, "direction"),
			       json_is_true(json_object_get(st, "related")) ? ", related ICMP" : "");
		else if (strcmp(r, "new") == 0)
			printf("no connection: a new one, the tables decide");
		else if (strcmp(r, "revalidated") == 0)
			printf("the configuration changed: the connection is decided again");
		else
			printf("untracked: the tables decide for each packet");
	} else if (strcmp(name, "route") == 0) {
		printf("%s -> %s", str(st, "prefix"), str(st, "next_hop"));
		if (json_object_get(st, "via") != NULL)
			printf(" %s", str(st, "via"));
	} else if (strcmp(name, "destination") == 0) {
		if (strcmp(str(st, "to"), "port") == 0)
			printf("port %s", str(st, "port"));
		else
			printf("a VM on another host (remote %lld)", num(st, "remote"));
		if (json_is_true(json_object_get(st, "routed")))
			printf(", routed");
	} else if (strcmp(name, "security_group") == 0) {
		print_rule(st);
	} else if (strcmp(name, "conntrack") == 0) {
		printf(json_is_true(json_object_get(st, "created"))
			       ? "connection created"
			       : "a connection would be created (a trace creates none)");
	} else if (strcmp(name, "routed") == 0) {
		printf("TTL %lld, to %s from %s", num(st, "ttl"), str(st, "dst_mac"),
		       str(st, "src_mac"));
	} else if (strcmp(name, "encap") == 0) {
		printf("%s VNI %lld to VTEP %s, outer source port %lld", str(st, "encap"),
		       num(st, "vni"), str(st, "vtep"), num(st, "outer_sport"));
	} else if (strcmp(name, "tx") == 0) {
		printf("port %s", str(st, "port"));
	} else if (strcmp(name, "drop") == 0) {
		printf("%s (%s), counted at %s", str(st, "reason"), str(st, "text"),
		       str(st, "counted_at"));
	} else if (strcmp(name, "answered") == 0) {
		printf("consumed; the switch sends its own answer");
	}
	printf("\n");
}

void vpcctl_print_trace(const json_t *packet)
{
	size_t i;
	const json_t *st;

	json_array_foreach(json_object_get(packet, "stages"), i, st)
		print_stage(st);
	printf("verdict: %s\n", str(json_object_get(packet, "verdict"), "text"));
}

static int print_reply(const json_t *reply)
{
	const json_t *outs = json_object_get(reply, "output");
	const json_t *o;
	size_t i;

	if (print_json) {
		print_object(reply);
		return 0;
	}
	printf("trace of a %lld-byte frame into %s\n", num(reply, "len"), str(reply, "port"));
	vpcctl_print_trace(reply);
	json_array_foreach(outs, i, o)
		printf("  would send %lld bytes on %s\n", num(o, "len"), str(o, "port"));
	return 0;
}

int vpcctl_trace(int argc, char **argv)
{
	const char *port = NULL, *desc = NULL, *pcap_file = NULL, *hex = NULL;
	char *owned = NULL;
	long index = 1;
	json_t *body, *reply = NULL;
	int rc;

	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--live") == 0)
			return vpcctl_trace_live(argc, argv);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help-packet") == 0) {
			fputs(pktdesc_help(), stdout);
			return 0;
		} else if (strncmp(a, "in_port=", 8) == 0) {
			port = a + 8;
		} else if ((strcmp(a, "--port") == 0 || strcmp(a, "--pcap") == 0 ||
			    strcmp(a, "--index") == 0 || strcmp(a, "--hex") == 0)) {
			if (i + 1 >= argc)
				return trace_usage("'%s' needs a value", a);
			if (strcmp(a, "--port") == 0)
				port = argv[++i];
			else if (strcmp(a, "--pcap") == 0)
				pcap_file = argv[++i];
			else if (strcmp(a, "--hex") == 0)
				hex = argv[++i];
			else if ((index = strtol(argv[++i], NULL, 10)) < 1)
				return trace_usage("--index: '%s' is not a frame number (from 1)",
						   argv[i]);
		} else if (a[0] == '-') {
			return trace_usage("unknown option '%s'", a);
		} else if (desc == NULL) {
			desc = a;
		} else {
			return trace_usage("one packet at a time: unexpected '%s'", a);
		}
	}
	if (port == NULL)
		return trace_usage("which port does it come in on? (in_port=NAME)%s", "");
	if ((desc != NULL) + (pcap_file != NULL) + (hex != NULL) != 1)
		return trace_usage("give one packet: a description, --pcap FILE or --hex BYTES%s",
				   "");
	if (pcap_file != NULL && (owned = pcap_frame_hex(pcap_file, index)) == NULL)
		return 1;
	body = json_pack("{s:s}", "port", port);
	if (desc != NULL)
		json_object_set_new(body, "packet", json_string(desc));
	else
		json_object_set_new(body, "frame", json_string(owned != NULL ? owned : hex));
	free(owned);
	rc = vpcctl_call(SB_TRACE_REQUEST, body, &reply);
	if (rc == 0)
		rc = print_reply(reply);
	json_decref(reply);
	return rc;
}
