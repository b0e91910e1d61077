/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpcswitchd: EAL arguments first, then `--` and the switch's own options. The main lcore
 * becomes the control thread; every other lcore of the EAL lcore list runs a worker.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "../dataplane/dp.h"
#include "../vhost/vport.h"
#include "cfg.h"
#include "ctl_capture.h"
#include "ctl_trace_live.h"
#include "ctl_metrics.h"
#include "ctl_server.h"
#include "ctl_switch.h"
#include "ctl_telemetry.h"
#include "ctl_underlay.h"
#include "ctl_uplink.h"
#include "vhost_dir.h"

#define DEFAULT_RUN_DIR "/run/vpcswitch"

static void usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [options]\n"
	       "  -s, --ctl-socket PATH   management socket (default " DEFAULT_RUN_DIR
	       "/vpcswitchd.sock)\n"
	       "  -d, --vhost-dir DIR     directory of port sockets that name none (default " DEFAULT_RUN_DIR
	       ")\n"
	       "      --vhost-owner USER  owner of the port sockets the switch creates (default: ours)\n"
	       "      --vhost-group GROUP their group (e.g. the one QEMU runs as); the directory's too\n"
	       "      --vhost-mode MODE   their mode, octal (default 0660); the directory gets rwx\n"
	       "                          for us, and for the group if it may use the sockets\n"
	       "                          (QEMU creates client-mode ports' sockets there), search\n"
	       "                          for others if the sockets have another owner\n"
	       "  -f, --state FILE        apply this desired-state JSON at start (as vpcctl apply -f)\n"
	       "      --idle-sleep-us N   a worker with nothing to do sleeps N us (default 0: poll)\n"
	       "      --mbufs N           packet buffers (default 32768)\n"
	       "      --max-connections N connections tracked at once on this host (default\n"
	       "                          1048576; each takes two table keys, ~300 bytes)\n"
	       "      --port-max-connections N  default limit per port (default: an eighth\n"
	       "                          of --max-connections; a port's max_connections overrides)\n"
	       "      --ct-timeouts LIST  idle timeouts in seconds, e.g. tcp_established=3600,\n"
	       "                          udp_unreplied=10 (names: see docs/security-groups.md)\n"
	       "      --metrics ADDR:PORT serve Prometheus metrics on http://ADDR:PORT/metrics\n"
	       "                          (off by default; [IPV6]:PORT, or :PORT for every address)\n"
	       "controller (the switch connects out; the controller programs it as vpcctl does):\n"
	       "      --controller LIST   comma-separated tcp:HOST:PORT or tls:HOST:PORT (HOST an\n"
	       "                          IPv4 address, [IPv6] or a name, resolved at each\n"
	       "                          attempt): one connection at a time, the next address\n"
	       "                          on failure\n"
	       "      --host-id NAME      this host's name for the controller (needed with\n"
	       "                          --controller; 1-31 of A-Z a-z 0-9 _ . -), told in hello\n"
	       "      --controller-cert F this host's certificate (PEM; it must name --host-id),\n"
	       "      --controller-key F  its private key and\n"
	       "      --controller-ca F   the CA controllers' certificates must chain to: tls: only\n"
	       "underlay (VMs on other hosts; all of these need --underlay and --vtep):\n"
	       "      --underlay DEVARGS  the underlay port: any DPDK port (a PCI address, or\n"
	       "                          net_af_packet0,iface=eth1 / net_tap0,iface=...)\n"
	       "      --vtep IP/LEN       this host's VTEP address, given to the exception tap;\n"
	       "                          IPv4 or IPv6, twice for both (a dual-stack underlay)\n"
	       "      --vtep-iface NAME   the exception tap in the kernel (default vpcsw0)\n"
	       "      --vxlan-port N      (default 4789)     --geneve-port N  (default 6081)\n"
	       "      --tunnel-ttl N      outer TTL (default 64)\n"
	       "      --sport-range A-B   outer UDP source ports (default 49152-65535)\n"
	       "      --underlay-mac MAC  set the underlay port's MAC (default: the port's own)\n"
	       "  -h, --help\n"
	       "Worker lcores are the EAL lcores other than the main one (e.g. -l 0,1: one worker).\n",
	       prog);
}

struct opts {
	const char *ctl_socket, *vhost_dir, *state;
	const char *metrics; /* NULL: no HTTP listener */
	struct ctl_uplink_opts uplink; /* NULL members: not given */
	struct vrelay_perms vhost_perms;
	bool vhost_perms_set; /* the operator gave one of --vhost-owner/group/mode */
	struct dp_params dp;
	struct ctl_underlay_opts ul;
	struct ct_timeouts ct;
};

static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

/* long options without a letter */
enum {
	OPT_METRICS = 0x100,
	OPT_VHOST_OWNER,
	OPT_VHOST_GROUP,
	OPT_VHOST_MODE,
	OPT_CONTROLLER,
	OPT_HOST_ID,
	OPT_CONTROLLER_CERT,
	OPT_CONTROLLER_KEY,
	OPT_CONTROLLER_CA,
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{"ctl-socket", required_argument, NULL, 's'},
		{"vhost-dir", required_argument, NULL, 'd'},
		{"vhost-owner", required_argument, NULL, OPT_VHOST_OWNER},
		{"vhost-group", required_argument, NULL, OPT_VHOST_GROUP},
		{"vhost-mode", required_argument, NULL, OPT_VHOST_MODE},
		{"state", required_argument, NULL, 'f'},
		{"idle-sleep-us", required_argument, NULL, 'I'},
		{"mbufs", required_argument, NULL, 'M'},
		{"underlay", required_argument, NULL, 'U'},
		{"vtep", required_argument, NULL, 'V'},
		{"vtep-iface", required_argument, NULL, 'F'},
		{"vxlan-port", required_argument, NULL, 'X'},
		{"geneve-port", required_argument, NULL, 'G'},
		{"tunnel-ttl", required_argument, NULL, 'T'},
		{"sport-range", required_argument, NULL, 'R'},
		{"underlay-mac", required_argument, NULL, 'A'},
		{"max-connections", required_argument, NULL, 'C'},
		{"port-max-connections", required_argument, NULL, 'P'},
		{"ct-timeouts", required_argument, NULL, 'O'},
		{"metrics", required_argument, NULL, OPT_METRICS},
		{"controller", required_argument, NULL, OPT_CONTROLLER},
		{"host-id", required_argument, NULL, OPT_HOST_ID},
		{"controller-cert", required_argument, NULL, OPT_CONTROLLER_CERT},
		{"controller-key", required_argument, NULL, OPT_CONTROLLER_KEY},
		{"controller-ca", required_argument, NULL, OPT_CONTROLLER_CA},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	unsigned int v, v2;

	*o = (struct opts){
		.ctl_socket = DEFAULT_RUN_DIR "/vpcswitchd.sock",
		.vhost_dir = DEFAULT_RUN_DIR,
		.vhost_perms = {.uid = (uid_t)-1, .gid = (gid_t)-1, .mode = 0660},
		.dp = {.n_mbufs = 32768, .ct_max = 1u << 20},
		.ul = {.iface = "vpcsw0", .vxlan_port = 4789, .geneve_port = 6081, .ttl = 64,
		       .sport_min = 49152, .sport_max = 65535},
	};
	ct_timeouts_default(&o->ct);
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:d:f:h", longs, NULL)) != -1) {
		char err[256];

		switch (c) {
		case 'C':
			if (parse_uint(optarg, 1u << 26, &o->dp.ct_max) < 0 || o->dp.ct_max < 16) {
				fprintf(stderr, "--max-connections: '%s' is not 16-67108864\n", optarg);
				return -EINVAL;
			}
			break;
		case 'P':
			if (parse_uint(optarg, 1u << 26, &o->dp.ct_port_max) < 0 ||
			    o->dp.ct_port_max == 0) {
				fprintf(stderr, "--port-max-connections: '%s' is not 1-67108864\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'O':
			if (ct_timeouts_parse(optarg, &o->ct, err, sizeof(err)) < 0) {
				fprintf(stderr, "--ct-timeouts: %s\n", err);
				return -EINVAL;
			}
			break;
		case OPT_METRICS: o->metrics = optarg; break;
		case OPT_CONTROLLER: o->uplink.list = optarg; break;
		case OPT_HOST_ID: o->uplink.host_id = optarg; break;
		case OPT_CONTROLLER_CERT: o->uplink.cert = optarg; break;
		case OPT_CONTROLLER_KEY: o->uplink.key = optarg; break;
		case OPT_CONTROLLER_CA: o->uplink.ca = optarg; break;
		case 's': o->ctl_socket = optarg; break;
		case 'd': o->vhost_dir = optarg; break;
		case OPT_VHOST_OWNER:
		case OPT_VHOST_GROUP:
		case OPT_VHOST_MODE: {
			char err[200];
			int rc = c == OPT_VHOST_OWNER
					 ? vhost_dir_parse_owner(optarg, &o->vhost_perms, err, sizeof(err))
				 : c == OPT_VHOST_GROUP
					 ? vhost_dir_parse_group(optarg, &o->vhost_perms, err, sizeof(err))
					 : vhost_dir_parse_mode(optarg, &o->vhost_perms, err, sizeof(err));

			if (rc < 0) {
				fprintf(stderr, "%s\n", err);
				return rc;
			}
			o->vhost_perms_set = true;
			break;
		}
		case 'f': o->state = optarg; break;
		case 'I':
			if (parse_uint(optarg, 1000000, &o->dp.idle_sleep_us) < 0) {
				fprintf(stderr, "--idle-sleep-us: '%s' is not 0-1000000\n", optarg);
				return -EINVAL;
			}
			break;
		case 'M':
			if (parse_uint(optarg, 1u << 24, &o->dp.n_mbufs) < 0 || o->dp.n_mbufs < 1024) {
				fprintf(stderr, "--mbufs: '%s' is not 1024-16777216\n", optarg);
				return -EINVAL;
			}
			break;
		case 'U': o->ul.devargs = optarg; break;
		case 'A': o->ul.mac = optarg; break;
		case 'V':
			if (o->ul.n_vteps == 2) {
				fprintf(stderr, "--vtep: at most two (one IPv4, one IPv6)\n");
				return -EINVAL;
			}
			o->ul.vteps[o->ul.n_vteps++] = optarg;
			break;
		case 'F': o->ul.iface = optarg; break;
		case 'X':
		case 'G':
			if (parse_uint(optarg, 65535, &v) < 0 || v == 0) {
				fprintf(stderr, "--%s-port: '%s' is not 1-65535\n",
					c == 'X' ? "vxlan" : "geneve", optarg);
				return -EINVAL;
			}
			*(c == 'X' ? &o->ul.vxlan_port : &o->ul.geneve_port) = (uint16_t)v;
			break;
		case 'T':
			if (parse_uint(optarg, 255, &v) < 0 || v == 0) {
				fprintf(stderr, "--tunnel-ttl: '%s' is not 1-255\n", optarg);
				return -EINVAL;
			}
			o->ul.ttl = (uint8_t)v;
			break;
		case 'R':
			if (sscanf(optarg, "%u-%u", &v, &v2) != 2 || v == 0 || v > v2 || v2 > 65535) {
				fprintf(stderr, "--sport-range: '%s' is not A-B within 1-65535\n",
					optarg);
				return -EINVAL;
			}
			o->ul.sport_min = (uint16_t)v;
			o->ul.sport_max = (uint16_t)v2;
			break;
		case 'h': usage(argv[0]); exit(0);
		default: usage(argv[0]); return -EINVAL;
		}
	}
	if (o->dp.ct_port_max == 0)
		o->dp.ct_port_max = o->dp.ct_max / 8 > 0 ? o->dp.ct_max / 8 : 1;
	if (optind != argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if ((o->ul.devargs == NULL) != (o->ul.n_vteps == 0)) {
		fprintf(stderr, "--underlay and --vtep go together\n");
		return -EINVAL;
	}
	if (o->ul.vxlan_port == o->ul.geneve_port) {
		fprintf(stderr, "--vxlan-port and --geneve-port must differ\n");
		return -EINVAL;
	}
	{
		char err[400];

		if (ctl_uplink_configure(&o->uplink, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Unless told otherwise, hugepage files are unlinked as soon as they are mapped: a daemon
 * that is killed leaves nothing behind in /dev/hugepages.
 */
static char **eal_args(int argc, char **argv, int *eal_argc)
{
	int n = argc;
	bool has_mem_mode = false;
	char **out;

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strncmp(argv[i], "--in-memory", 11) == 0 ||
		    strncmp(argv[i], "--huge-unlink", 13) == 0 || strcmp(argv[i], "--no-huge") == 0)
			has_mem_mode = true;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			n = i;
	out = calloc((size_t)argc + 2, sizeof(*out));
	if (out == NULL)
		return NULL;
	int k = 0;
	out[k++] = argv[0];
	if (!has_mem_mode)
		out[k++] = "--huge-unlink";
	for (int i = 1; i < n; i++)
		out[k++] = argv[i];
	*eal_argc = k;
	return out;
}

static int apply_state_file(const char *path)
{
	json_error_t je;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *body, *reply = NULL;
	char err[CFG_ERR_SIZE];
	int rc;

	if (doc == NULL) {
		fprintf(stderr, "%s:%d: %s\n", path, je.line, je.text);
		return -EINVAL;
	}
	body = json_pack("{s:o}", "state", doc);
	rc = ctl_switch_sync(body, &reply, err);
	json_decref(body);
	json_decref(reply);
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", path, err);
	return rc;
}

/*
 * EAL keeps its runtime files (config, memseg lists) for secondary processes; vpcswitchd
 * runs none after exit, so it removes them rather than leave one directory per prefix.
 */
static void remove_runtime_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%.3800s/%.255s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/*
 * Every VM port holds a few descriptors (its socket, the library's, guest memory, eventfds)
 * and each running health check one: 1,024, the usual soft limit, is a few hundred ports.
 * Out of them, the relay could accept no VM; so the soft limit goes up to the hard one.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			fprintf(stderr, "vpcswitchd: cannot raise the descriptor limit\n");
	}
}

int main(int argc, char **argv)
{
	char runtime_dir[PATH_MAX];
	struct opts o;
	sigset_t sigs;
	char **eargv;
	int eargc, rc, app_argc;

	/* every thread EAL and rte_vhost create inherits this: signals reach the signalfd */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	eargv = eal_args(argc, argv, &eargc);
	if (eargv == NULL)
		return 1;
	int dashdash = argc;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dashdash = i;
			break;
		}
	app_argc = argc - dashdash;
	char **app_argv = argv + dashdash;
	app_argv[0] = argv[0];
	if (app_argc <= 0) {
		app_argc = 1;
		app_argv = argv;
	}
	if (parse_opts(app_argc, app_argv, &o) < 0)
		return 2;
	raise_fd_limit();
	if (rte_eal_init(eargc, eargv) < 0) {
		fprintf(stderr, "vpcswitchd: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	rc = dp_init(&o.dp);
	if (rc == 0)
		dp_ct_set_timeouts(&o.ct);
	if (rc < 0) {
		fprintf(stderr, "vpcswitchd: dataplane: %s\n",
			rc == -ENODEV ? "no worker lcore (give EAL at least two, e.g. -l 0,1)"
				      : strerror(-rc));
		goto out_eal;
	}
	{
		char err[400];

		rc = vhost_dir_prepare(o.vhost_dir, &o.vhost_perms, o.vhost_perms_set, err,
				       sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "vpcswitchd: %s\n", err);
			goto out_dp;
		}
	}
	if (o.ul.devargs != NULL && (rc = ctl_underlay_init(&o.ul)) < 0)
		goto out_dp;
	if ((rc = vport_init(o.vhost_dir, &o.vhost_perms)) < 0 || (rc = ctl_switch_init(o.vhost_dir)) < 0) {
		fprintf(stderr, "vpcswitchd: init: %s\n", strerror(-rc));
		goto out_dp;
	}
	rc = ctl_server_init(o.ctl_socket);
	if (rc < 0) {
		fprintf(stderr, "vpcswitchd: management socket %s: %s\n", o.ctl_socket,
			strerror(-rc));
		goto out_switch;
	}
	rc = ctl_capture_init();
	if (rc < 0) {
		fprintf(stderr, "vpcswitchd: capture: %s\n", strerror(-rc));
		goto out_server;
	}
	rc = ctl_trace_live_init();
	if (rc < 0) {
		fprintf(stderr, "vpcswitchd: live trace: %s\n", strerror(-rc));
		goto out_server;
	}
	/* both answer from the control loop: after ctl_server_init, stopped before its fini */
	rc = ctl_telemetry_init();
	if (rc < 0) {
		fprintf(stderr, "vpcswitchd: telemetry: %s\n", strerror(-rc));
		goto out_server;
	}
	if (o.metrics != NULL && (rc = ctl_metrics_init(o.metrics)) < 0)
		goto out_server;
	if ((o.state != NULL && (rc = apply_state_file(o.state)) < 0) ||
	    (rc = ctl_switch_start()) < 0)
		goto out_server;
	/* last: the controller finds the start-up state in place and the workers running */
	rc = ctl_uplink_start();
	if (rc < 0) {
		fprintf(stderr, "vpcswitchd: controller: %s\n", strerror(-rc));
		goto out_server;
	}
	printf("vpcswitchd: ready, %u worker(s), management socket %s\n", dp_worker_count(),
	       o.ctl_socket);
	fflush(stdout);
	rc = ctl_server_run();
out_server:
	ctl_uplink_fini(); /* before the server closes its connection */
	ctl_capture_fini(); /* its writers stop, its sessions leave the workers */
	ctl_trace_live_fini();
	ctl_metrics_fini();
	ctl_telemetry_fini();
	ctl_server_fini();
out_switch:
	/* workers first: they may be sending to any port until they stop */
	dp_stop();
	ctl_switch_fini();
	vport_fini();
out_dp:
	dp_stop();
	ctl_underlay_fini();
	dp_fini();
out_eal:
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	remove_runtime_dir(runtime_dir);
	free(eargv);
	return rc < 0 ? 1 : 0;
}
