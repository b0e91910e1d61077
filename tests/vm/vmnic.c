/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vmnic: a VM's NIC without QEMU. It bridges DPDK ports pairwise (0<->1, 2<->3, ...), normally a
 * virtio_user port plugged into the switch under test and a net_tap whose kernel side stands in
 * for the guest's network stack, so tests can ping and run TCP through the switch without VMs.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "tool_port.h"

#define BURST 32
#define NB_DESC 1024
#define MIN_MBUFS 8192
#define MBUF_CACHE 256
#define IDLE_ROUNDS 64
#define LINK_POLL_MS 100
/*
 * A client-mode virtio_user port whose backend vanished is re-created this often. The first
 * attempt also waits this long after the link went down, because the driver handles the
 * disconnect in a 1 us EAL alarm that must not run after we have closed the port.
 */
#define REPROBE_MS 1000
#define DEVARGS_LEN 1024

struct nic {
	char name[RTE_ETH_NAME_MAX_LEN];
	char args[DEVARGS_LEN];
	uint16_t port_id;
	/* false while a client-mode virtio_user port is detached, waiting for its backend */
	bool present;
	bool reprobe;
	bool link_up;
	uint64_t down_since;
	uint64_t next_probe;
	uint64_t rx;
	uint64_t tx;
	uint64_t dropped;
};

static struct nic nics[RTE_MAX_ETHPORTS];
static unsigned int nb_nics;
static uint16_t nb_queues = 1;
static unsigned long idle_sleep_us = 200;
static struct rte_mempool *pool;
static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [EAL options] -- [--queues N] [--idle-sleep-us N]\n", prog);
}

static bool
parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int
parse_app_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "queues", required_argument, NULL, 'q' },
		{ "idle-sleep-us", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			if (!parse_ulong(optarg, 1, RTE_MAX_QUEUES_PER_PORT, &v))
				goto bad;
			nb_queues = (uint16_t)v;
			break;
		case 's':
			if (!parse_ulong(optarg, 0, 1000000, &v))
				goto bad;
			idle_sleep_us = v;
			break;
		default:
			goto bad;
		}
	}
	if (optind == argc)
		return 0;
bad:
	usage(argv[0]);
	return -1;
}

/* ethdev does not hand out a port's devargs parsed, so read "name,k1=v1,..." ourselves */
static bool
kv_get(const char *args, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);
	const char *p = args;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ',');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);

		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			n -= klen + 1;
			if (n >= len)
				return false;
			memcpy(val, p + klen + 1, n);
			val[n] = '\0';
			return true;
		}
		p = end != NULL ? end + 1 : NULL;
	}
	return false;
}

static bool
is_virtio_user(const char *name)
{
	return strncmp(name, "net_virtio_user", 15) == 0 || strncmp(name, "virtio_user", 11) == 0;
}

static bool
is_server(const char *args)
{
	char v[16];

	return kv_get(args, "server", v, sizeof(v)) && atoi(v) != 0;
}

/*
 * A server-mode virtio_user binds its socket path and fails if the file exists, and a vmnic that
 * was killed leaves it behind. Remove such leftovers so the test can simply be restarted.
 */
static void
remove_stale_sockets(int argc, char **argv)
{
	char path[256];
	struct stat st;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *spec = NULL;

		if (strcmp(argv[i], "--vdev") == 0 && i + 1 < argc)
			spec = argv[++i];
		else if (strncmp(argv[i], "--vdev=", 7) == 0)
			spec = argv[i] + 7;
		if (spec == NULL || !is_virtio_user(spec) || !is_server(spec))
			continue;
		if (kv_get(spec, "path", path, sizeof(path)) && stat(path, &st) == 0 &&
		    S_ISSOCK(st.st_mode))
			unlink(path);
	}
}

static uint64_t
ms_to_cycles(uint64_t ms)
{
	return rte_get_timer_hz() * ms / 1000;
}

static int
port_setup(struct nic *n)
{
	int ret = tool_port_start(n->port_id, nb_queues, NB_DESC, pool);

	if (ret == -EINVAL)
		fprintf(stderr, "vmnic: port %u (%s) does not offer %u queue pairs\n", n->port_id,
			n->name, nb_queues);
	return ret;
}

static void
port_release(struct nic *n)
{
	(void)rte_eth_dev_stop(n->port_id);
	(void)rte_eth_dev_close(n->port_id);
}

/*
 * DPDK 22.11 virtio_user reconnects by itself only in server mode; in client mode the link stays
 * down for good once the backend goes away. Re-creating the device reconnects it.
 */
static void
nic_detach(struct nic *n, uint64_t now)
{
	fprintf(stderr, "vmnic: port %s lost its backend, detaching to reconnect\n", n->name);
	port_release(n);
	(void)rte_eal_hotplug_remove("vdev", n->name);
	n->present = false;
	n->link_up = false;
	n->next_probe = now;
}

static void
nic_try_attach(struct nic *n, uint64_t now)
{
	char path[256];
	struct stat st;
	uint16_t port;

	n->next_probe = now + ms_to_cycles(REPROBE_MS);
	/* saves a noisy failed probe every second while the backend has no socket */
	if (kv_get(n->args, "path", path, sizeof(path)) &&
	    (stat(path, &st) != 0 || !S_ISSOCK(st.st_mode)))
		return;
	if (rte_eal_hotplug_add("vdev", n->name, n->args) != 0)
		return;
	if (rte_eth_dev_get_port_by_name(n->name, &port) != 0) {
		(void)rte_eal_hotplug_remove("vdev", n->name);
		return;
	}
	n->port_id = port;
	if (port_setup(n) != 0) {
		port_release(n);
		(void)rte_eal_hotplug_remove("vdev", n->name);
		return;
	}
	n->present = true;
	n->link_up = false;
	n->down_since = now;
	fprintf(stderr, "vmnic: port %s reattached as port %u\n", n->name, port);
}

static void
check_links(uint64_t now)
{
	unsigned int i;

	for (i = 0; i < nb_nics; i++) {
		struct nic *n = &nics[i];
		bool up;

		if (!n->present) {
			if (now >= n->next_probe)
				nic_try_attach(n, now);
			continue;
		}
		up = tool_link_up(n->port_id);
		if (up != n->link_up) {
			fprintf(stderr, "vmnic: port %u (%s) link %s\n", n->port_id, n->name,
				up ? "up" : "down");
			n->link_up = up;
			n->down_since = now;
		}
		if (!up && n->reprobe && now - n->down_since >= ms_to_cycles(REPROBE_MS))
			nic_detach(n, now);
	}
}

static int
nics_init(void)
{
	struct rte_devargs *da;
	uint16_t port;
	unsigned int i;

	RTE_ETH_FOREACH_DEV(port) {
		struct nic *n = &nics[nb_nics++];

		n->port_id = port;
		n->present = true;
		if (rte_eth_dev_get_name_by_port(port, n->name) != 0)
			return -1;
		RTE_EAL_DEVARGS_FOREACH("vdev", da) {
			if (strcmp(da->name, n->name) == 0 && da->args != NULL)
				snprintf(n->args, sizeof(n->args), "%s", da->args);
		}
		n->reprobe = is_virtio_user(n->name) && !is_server(n->args);
	}
	if (nb_nics < 2 || nb_nics % 2 != 0) {
		fprintf(stderr, "vmnic: need an even number of ports (>= 2), got %u\n", nb_nics);
		return -1;
	}
	for (i = 0; i < nb_nics; i++) {
		if (port_setup(&nics[i]) != 0) {
			fprintf(stderr, "vmnic: cannot set up port %u (%s)\n", nics[i].port_id,
				nics[i].name);
			return -1;
		}
	}
	return 0;
}

static void
forward_loop(void)
{
	const struct timespec idle_ts = {
		.tv_sec = (time_t)(idle_sleep_us / 1000000),
		.tv_nsec = (long)(idle_sleep_us % 1000000) * 1000,
	};
	const uint64_t link_period = ms_to_cycles(LINK_POLL_MS);
	struct rte_mbuf *bufs[BURST];
	uint64_t next_link = 0;
	unsigned int idle = 0;

	while (!quit) {
		uint64_t got = 0;
		uint64_t now;
		unsigned int i;

		for (i = 0; i < nb_nics; i++) {
			struct nic *in = &nics[i];
			struct nic *out = &nics[i ^ 1];
			uint16_t q;

			if (!in->present)
				continue;
			for (q = 0; q < nb_queues; q++) {
				uint16_t nrx = rte_eth_rx_burst(in->port_id, q, bufs, BURST);
				uint16_t ntx = 0;

				if (nrx == 0)
					continue;
				got += nrx;
				in->rx += nrx;
				if (out->present)
					ntx = rte_eth_tx_burst(out->port_id, q, bufs, nrx);
				out->tx += ntx;
				if (ntx < nrx) {
					out->dropped += nrx - ntx;
					rte_pktmbuf_free_bulk(&bufs[ntx], nrx - ntx);
				}
			}
		}
		if (got != 0) {
			idle = 0;
		} else if (idle < IDLE_ROUNDS) {
			idle++;
		} else if (idle_sleep_us != 0) {
			/* keeps a few idle NICs from eating a small machine's cores */
			nanosleep(&idle_ts, NULL);
		}
		now = rte_get_timer_cycles();
		if (now >= next_link) {
			check_links(now);
			next_link = now + link_period;
		}
	}
}

int
main(int argc, char **argv)
{
	char *prog = argv[0];
	struct sigaction sa;
	unsigned int nb_mbufs;
	unsigned int i;
	int ret;

	/*
	 * virtio_user writes vhost-user messages with plain sendmsg(); once the backend is gone
	 * (e.g. when closing the port to reconnect) that raises SIGPIPE, which would kill us.
	 */
	signal(SIGPIPE, SIG_IGN);
	remove_stale_sockets(argc, argv);
	argv = tool_eal_args(&argc, argv);
	/*
	 * A server-mode virtio_user blocks in this call (device probe does a blocking accept())
	 * until its vhost-user backend connects for the first time.
	 */
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "vmnic: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	argv[0] = prog;
	if (parse_app_args(argc, argv) != 0)
		goto fail;

	/* installed only now so a signal during the initial wait above still kills us */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* both rings of every queue may be full at once, plus a burst in flight per queue */
	nb_mbufs = rte_eth_dev_count_avail() * nb_queues * (2 * NB_DESC + BURST) + MBUF_CACHE;
	nb_mbufs = RTE_MAX(nb_mbufs, (unsigned int)MIN_MBUFS);
	pool = rte_pktmbuf_pool_create("vmnic_pool", nb_mbufs, MBUF_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "vmnic: cannot create mbuf pool: %s\n", rte_strerror(rte_errno));
		goto fail;
	}
	if (nics_init() != 0)
		goto fail;

	printf("vmnic: ready\n");
	fflush(stdout);
	forward_loop();

	for (i = 0; i < nb_nics; i++)
		printf("vmnic: port %u rx %" PRIu64 " tx %" PRIu64 " dropped %" PRIu64 "\n", i,
		       nics[i].rx, nics[i].tx, nics[i].dropped);
	fflush(stdout);
	for (i = 0; i < nb_nics; i++) {
		if (nics[i].present)
			port_release(&nics[i]);
	}
	rte_eal_cleanup();
	return 0;

fail:
	for (i = 0; i < nb_nics; i++) {
		if (nics[i].present)
			port_release(&nics[i]);
	}
	rte_eal_cleanup();
	return 1;
}
