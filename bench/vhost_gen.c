/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost_gen: traffic generator and sink for benchmarking a vhost-user switch. Port 0 (a
 * virtio_user) blasts Ethernet/IPv4/UDP frames into the switch, port 1 (another virtio_user)
 * counts what comes out, and one summary line reports both rates after a warmup.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_mempool.h>
#include <rte_udp.h>

#include "../tests/vm/tool_port.h"

#define BURST 32
#define NB_DESC 1024
#define NB_MBUFS 8191
#define MBUF_CACHE 256
#define GEN_PORT 0
#define SINK_PORT 1
#define LINK_WAIT_S 30
#define FCS_LEN 4
#define MIN_FRAME 64
#define MAX_FRAME 1518
#define BASE_SPORT 1024
#define UDP_DPORT 5001
#define SPORT_OFF (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr))

struct config {
	struct rte_ether_addr src_mac;
	struct rte_ether_addr dst_mac;
	uint32_t src_ip;
	uint32_t dst_ip;
	unsigned long flows;
	unsigned long size;
	unsigned long duration;
	unsigned long warmup;
};

struct counters {
	uint64_t tx_attempted;
	uint64_t tx_sent;
	uint64_t rx;
};

static struct config cfg = {
	.src_mac = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } },
	.dst_mac = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } },
	.src_ip = RTE_IPV4(10, 0, 0, 1),
	.dst_ip = RTE_IPV4(10, 0, 0, 2),
	.flows = 1,
	.size = 64,
	.duration = 10,
	.warmup = 3,
};
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
	fprintf(stderr,
		"usage: %s [EAL options] -- [--src-mac MAC] [--dst-mac MAC] [--src-ip IP]\n"
		"       [--dst-ip IP] [--flows N] [--size BYTES] [--duration S] [--warmup S]\n",
		prog);
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

static bool
parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = rte_be_to_cpu_32(a.s_addr);
	return true;
}

static int
parse_app_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "src-mac", required_argument, NULL, 'm' },
		{ "dst-mac", required_argument, NULL, 'M' },
		{ "src-ip", required_argument, NULL, 'i' },
		{ "dst-ip", required_argument, NULL, 'I' },
		{ "flows", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool ok;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			ok = rte_ether_unformat_addr(optarg, &cfg.src_mac) == 0;
			break;
		case 'M':
			ok = rte_ether_unformat_addr(optarg, &cfg.dst_mac) == 0;
			break;
		case 'i':
			ok = parse_ip(optarg, &cfg.src_ip);
			break;
		case 'I':
			ok = parse_ip(optarg, &cfg.dst_ip);
			break;
		case 'f':
			ok = parse_ulong(optarg, 1, UINT16_MAX - BASE_SPORT + 1, &cfg.flows);
			break;
		case 's':
			ok = parse_ulong(optarg, MIN_FRAME, MAX_FRAME, &cfg.size);
			break;
		case 'd':
			ok = parse_ulong(optarg, 1, 86400, &cfg.duration);
			break;
		case 'w':
			ok = parse_ulong(optarg, 0, 86400, &cfg.warmup);
			break;
		default:
			ok = false;
			break;
		}
		if (!ok) {
			usage(argv[0]);
			return -1;
		}
	}
	if (optind != argc) {
		usage(argv[0]);
		return -1;
	}
	return 0;
}

static int
port_setup(uint16_t port)
{
	return tool_port_start(port, 1, NB_DESC, pool);
}

static int
wait_links(void)
{
	uint64_t deadline = rte_get_timer_cycles() + LINK_WAIT_S * rte_get_timer_hz();

	while (!quit && rte_get_timer_cycles() < deadline) {
		if (tool_link_up(GEN_PORT) && tool_link_up(SINK_PORT))
			return 0;
		rte_delay_us_sleep(100 * 1000);
	}
	return -1;
}

/* Builds the frame every packet is copied from; returns its length without FCS. */
static uint16_t
build_template(uint8_t *buf)
{
	uint16_t len = (uint16_t)(cfg.size - FCS_LEN);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	memset(buf, 0, len);
	rte_ether_addr_copy(&cfg.dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(&cfg.src_mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth)));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(cfg.src_ip);
	ip->dst_addr = rte_cpu_to_be_32(cfg.dst_ip);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(BASE_SPORT);
	udp->dst_port = rte_cpu_to_be_16(UDP_DPORT);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth) - sizeof(*ip)));
	/* a zero UDP checksum means "none" for IPv4, which keeps per-flow rewrites trivial */
	udp->dgram_cksum = 0;
	return len;
}

/* Runs generator and sink until the deadline; returns false when interrupted. */
static bool
run(const uint8_t *tmpl, uint16_t len, uint64_t until, struct counters *c)
{
	static uint16_t flow;
	struct rte_mbuf *bufs[BURST];
	uint16_t i;
	uint16_t n;

	while (rte_rdtsc() < until) {
		if (quit)
			return false;
		if (rte_pktmbuf_alloc_bulk(pool, bufs, BURST) == 0) {
			for (i = 0; i < BURST; i++) {
				uint8_t *p = rte_pktmbuf_mtod(bufs[i], uint8_t *);
				uint16_t sport = (uint16_t)(BASE_SPORT + flow);

				rte_memcpy(p, tmpl, len);
				*(rte_be16_t *)(p + SPORT_OFF) = rte_cpu_to_be_16(sport);
				if (++flow == cfg.flows)
					flow = 0;
				bufs[i]->data_len = len;
				bufs[i]->pkt_len = len;
			}
			n = rte_eth_tx_burst(GEN_PORT, 0, bufs, BURST);
			c->tx_attempted += BURST;
			c->tx_sent += n;
			if (n < BURST)
				rte_pktmbuf_free_bulk(&bufs[n], BURST - n);
		}
		/* drain more than one burst so the sink never becomes the bottleneck */
		for (i = 0; i < 4; i++) {
			n = rte_eth_rx_burst(SINK_PORT, 0, bufs, BURST);
			c->rx += n;
			rte_pktmbuf_free_bulk(bufs, n);
			if (n < BURST)
				break;
		}
		/* a switch that floods back to the generator must not find its queue full */
		n = rte_eth_rx_burst(GEN_PORT, 0, bufs, BURST);
		rte_pktmbuf_free_bulk(bufs, n);
	}
	return true;
}

int
main(int argc, char **argv)
{
	uint8_t tmpl[MAX_FRAME];
	struct counters c = { 0, 0, 0 };
	struct counters start;
	struct sigaction sa;
	uint64_t hz, t0, t1;
	char *prog = argv[0];
	double secs;
	uint16_t len;
	int status = 1;
	int ret;

	/* virtio_user's sendmsg() to a vanished backend must not kill the benchmark */
	signal(SIGPIPE, SIG_IGN);
	argv = tool_eal_args(&argc, argv);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "vhost_gen: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	argv[0] = prog;
	if (parse_app_args(argc, argv) != 0)
		goto out;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (!rte_eth_dev_is_valid_port(GEN_PORT) || !rte_eth_dev_is_valid_port(SINK_PORT)) {
		fprintf(stderr, "vhost_gen: need two ports (0 = generator, 1 = sink)\n");
		goto out;
	}
	pool = rte_pktmbuf_pool_create("vhost_gen_pool", NB_MBUFS, MBUF_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "vhost_gen: cannot create mbuf pool: %s\n",
			rte_strerror(rte_errno));
		goto out;
	}
	if (port_setup(GEN_PORT) != 0 || port_setup(SINK_PORT) != 0) {
		fprintf(stderr, "vhost_gen: cannot set up ports\n");
		goto out;
	}
	if (wait_links() != 0) {
		fprintf(stderr, "vhost_gen: links not up after %d s\n", LINK_WAIT_S);
		goto out;
	}
	printf("vhost_gen: links up\n");
	fflush(stdout);

	len = build_template(tmpl);
	hz = rte_get_tsc_hz();
	t0 = rte_rdtsc();
	if (!run(tmpl, len, t0 + cfg.warmup * hz, &c))
		goto interrupted;
	start = c;
	t0 = rte_rdtsc();
	if (!run(tmpl, len, t0 + cfg.duration * hz, &c))
		goto interrupted;
	t1 = rte_rdtsc();

	secs = (double)(t1 - t0) / (double)hz;
	c.tx_attempted -= start.tx_attempted;
	c.tx_sent -= start.tx_sent;
	c.rx -= start.rx;
	printf("vhost_gen: tx_mpps=%.3f rx_mpps=%.3f tx_attempted=%" PRIu64 " tx_sent=%" PRIu64
	       " rx=%" PRIu64 "\n",
	       (double)c.tx_sent / secs / 1e6, (double)c.rx / secs / 1e6, c.tx_attempted,
	       c.tx_sent, c.rx);
	fflush(stdout);
	status = 0;
	goto out;

interrupted:
	fprintf(stderr, "vhost_gen: interrupted\n");
out:
	if (rte_eth_dev_is_valid_port(GEN_PORT)) {
		(void)rte_eth_dev_stop(GEN_PORT);
		(void)rte_eth_dev_close(GEN_PORT);
	}
	if (rte_eth_dev_is_valid_port(SINK_PORT)) {
		(void)rte_eth_dev_stop(SINK_PORT);
		(void)rte_eth_dev_close(SINK_PORT);
	}
	rte_eal_cleanup();
	return status;
}
