/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over what a switch sends the controller: the input is the byte stream of
 * one switch connection (controller/ctrl_sb.c through ctrl_conn.c's framing), served over a
 * real socketpair by the controller's own loop. The first byte chooses: bit 0, a valid hello
 * reply for host h1 goes first (so the fuzzed bytes reach the replies to sync, txn and
 * barrier); bit 1, a change to the model is pushed halfway (a txn and a barrier go out);
 * bits 2-7, the size of the writes. Whatever comes, the controller must not crash, leak or
 * block, and the connection is reaped when the peer closes.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "ctrl_loop.h"
#include "ctrl_model.h"
#include "ctrl_sb.h"
#include "sb_proto.h"

static const char seed_doc[] =
	"{\"hosts\": [{\"name\": \"h1\", \"vtep\": \"192.168.60.1\"},"
	"             {\"name\": \"h2\", \"vtep\": \"192.168.60.2\"}],"
	" \"vpcs\": [{\"name\": \"blue\", \"vni\": 100}],"
	" \"subnets\": [{\"vpc\": \"blue\", \"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\","
	"   \"gateway_mac\": \"02:00:00:00:00:01\"}],"
	" \"security_groups\": [{\"vpc\": \"blue\", \"name\": \"open\"}],"
	" \"security_group_rules\": [{\"vpc\": \"blue\", \"group\": \"open\", \"direction\": \"ingress\"}],"
	" \"ports\": ["
	"  {\"name\": \"vm1\", \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01:01\", \"ips\": [\"10.0.0.11\"],"
	"   \"security_groups\": [\"open\"], \"host\": \"h1\"},"
	"  {\"name\": \"vm2\", \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01:02\", \"ips\": [\"10.0.0.12\"],"
	"   \"host\": \"h2\"}]}";

static struct ctrl_model *model;
static unsigned int flips;

static const struct ctrl_model *current(void)
{
	return model;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[CTRL_ERR_SIZE];
	json_t *doc = json_loads(seed_doc, 0, NULL), *changes = NULL;

	(void)argc;
	(void)argv;
	ctrl_log_set_level(CTRL_ERR);
	signal(SIGPIPE, SIG_IGN); /* the controller may close its end first, as the daemon does */
	model = ctrl_model_new();
	if (doc == NULL || model == NULL || ctrl_loop_init() < 0 ||
	    ctrl_model_replace(model, doc, &changes, err) < 0 ||
	    ctrl_sb_start(NULL, NULL, current, err) < 0) {
		fprintf(stderr, "fuzz_ctrl_sb: setup: %s\n", err);
		abort();
	}
	json_decref(changes);
	json_decref(doc);
	return 0;
}

/* What the controller sends is read and dropped, so it never blocks on a full socket. */
static void pump(int peer)
{
	char buf[65536];

	for (int i = 0; i < 4; i++) {
		ctrl_loop_once(0);
		while (read(peer, buf, sizeof(buf)) > 0)
			;
	}
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k <= 0) {
			pump(fd);
			if (k < 0 && errno != EAGAIN)
				return;
			continue;
		}
		p += k;
		n -= (size_t)k;
	}
}

/* vm3 comes and goes on h1: the connected switch is sent the difference. */
static void change_model(void)
{
	char ops[512], err[CTRL_ERR_SIZE];
	json_t *j, *changes = NULL;

	snprintf(ops, sizeof(ops),
		 "{\"ops\": [{\"op\": \"%s\", \"table\": \"port\", \"row\": {\"name\": \"vm3\","
		 " \"vpc\": \"blue\", \"mac\": \"02:00:00:00:01:03\", \"ips\": [\"10.0.0.13\"],"
		 " \"host\": \"h1\"}}]}",
		 flips++ % 2 == 0 ? "insert" : "delete");
	j = json_loads(ops, 0, NULL);
	if (ctrl_model_txn(model, j, &changes, err) == 0)
		ctrl_sb_changed(changes);
	json_decref(changes);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	size_t chunk;

	if (size < 1 || size > (1u << 20))
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0 ||
	    ctrl_sb_adopt(sv[0], "fuzz") < 0)
		abort();
	if (data[0] & 1) {
		json_t *hello = json_pack("{s:i, s:[i], s:s, s:s}", "version", 1, "versions", 1,
					  "role", "vpcswitchd", "host", "h1");
		uint8_t *frame;
		long n = sb_frame_encode(SB_HELLO, 1, hello, &frame);

		json_decref(hello);
		if (n < 0)
			abort();
		write_all(sv[1], frame, (size_t)n);
		free(frame);
		pump(sv[1]);
	}
	chunk = 1 + (size_t)(data[0] >> 2) * 37;
	for (size_t off = 1; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		write_all(sv[1], data + off, n);
		pump(sv[1]);
		if ((data[0] & 2) && off < size / 2 && off + chunk >= size / 2)
			change_model();
	}
	ctrl_sb_tick();
	close(sv[1]);
	pump(-1);
	ctrl_sb_tick(); /* reaps the closed connection */
	return 0;
}
