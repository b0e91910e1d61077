/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpc-controller: holds the desired state of every VPC (in a database), serves the
 * northbound HTTP API that edits it, and programs each host's vpcswitchd over the
 * southbound protocol with the part of it that host needs (docs/controller.md).
 * One thread, one event loop.
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "ctrl_loop.h"
#include "ctrl_model.h"
#include "ctrl_nb.h"
#include "ctrl_sb.h"
#include "ctrl_store.h"

static struct ctrl_model *model;
static struct ctrl_store *store;
static struct ctrl_sb_tls tls_opts;
static struct ctrl_nb_tls api_tls; /* all three, or none: plain HTTP */
static bool store_notifies; /* replicated: other replicas' commits are heard */
static bool fatal;          /* stopped because the model could not be trusted */
static void store_follow(void);
static struct ctrl_watch sig_watch = {.fd = -1}, nb_watch = {.fd = -1}, store_watch = {.fd = -1};

static void usage(const char *prog)
{
	printf("usage: %s --db WHERE --listen tls:ADDR:PORT --cert F --key F --ca F [options]\n"
	       "  --db WHERE           the desired state: sqlite:PATH or a PATH (created if missing)\n"
	       "  --listen tls:ADDR:PORT  where switches connect (southbound), mutual TLS: a switch's\n"
	       "                       certificate must chain to --ca and name its host (CN)\n"
	       "  --listen tcp:ADDR:PORT  plain TCP instead: for tests only, a switch is who it says\n"
	       "  --cert F, --key F    the controller's certificate (PEM, chain) and key\n"
	       "  --ca F               the CA that signs the switches' certificates\n"
	       "  --api ADDR:PORT      the northbound HTTP API (default 127.0.0.1:8080); plain HTTP\n"
	       "                       unless the three below: keep it on loopback then\n"
	       "  --api-cert F, --api-key F  HTTPS: the API's certificate and key\n"
	       "  --api-ca F           the CA whose client certificates may use the API (all\n"
	       "                       others are refused, 403)\n"
	       "  --log-level LEVEL    error, warning, info (default) or debug\n"
	       "  -h, --help\n",
	       prog);
}

static const struct ctrl_model *current_model(void)
{
	return model;
}

/* The store is the truth: after a commit failed (or another replica wrote), start again
 * from what it holds. */
static int reload(char *err)
{
	struct ctrl_model *m = ctrl_model_new();
	int rc;

	if (m == NULL)
		return -ENOMEM;
	rc = ctrl_store_load(store, m, err);
	if (rc < 0) {
		ctrl_model_free(m);
		return rc;
	}
	ctrl_model_free(model);
	model = m;
	ctrl_sb_reload();
	return 0;
}

/* A change the model took: persist it, then push it. */
static int commit(uint64_t base, json_t *changes, json_t **result, char *err)
{
	uint64_t next = ctrl_model_version(model);
	int rc = next == base ? 0 : ctrl_store_commit(store, changes, base, next, err);

	if (rc < 0) {
		char err2[CTRL_ERR_SIZE];

		ctrl_log(CTRL_ERR, "store: %s", err);
		json_decref(changes);
		/* the model holds a change the store does not: it must not live on (pushed to
		 * switches, shown by the API). Without the store's state to go back to, stop:
		 * switches keep forwarding with what they have, a restart loads the truth. */
		if (reload(err2) < 0) {
			ctrl_log(CTRL_ERR, "store: reload after a failed commit: %s: stopping", err2);
			fatal = true;
			ctrl_loop_stop();
		}
		store_follow();
		return rc;
	}
	if (next != base)
		ctrl_sb_changed(changes);
	json_decref(changes);
	store_follow(); /* what other replicas said while this one wrote */
	*result = json_pack("{s:I}", "version", (json_int_t)next);
	return 0;
}

static int nb_txn(const json_t *ops, json_t **result, char *err)
{
	uint64_t base = ctrl_model_version(model);
	json_t *changes = NULL;
	int rc = ctrl_model_txn(model, ops, &changes, err);

	return rc < 0 ? rc : commit(base, changes, result, err);
}

static int nb_replace(const json_t *doc, json_t **result, char *err)
{
	uint64_t base = ctrl_model_version(model);
	json_t *changes = NULL;
	int rc = ctrl_model_replace(model, doc, &changes, err);

	return rc < 0 ? rc : commit(base, changes, result, err);
}

static const struct ctrl_nb_ops nb_ops = {
	.txn = nb_txn,
	.replace = nb_replace,
	.status = ctrl_sb_status,
	.model = current_model,
};

static void on_signal(struct ctrl_watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	if (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		ctrl_log(CTRL_INFO, "signal %u: stopping", si.ssi_signo);
		ctrl_loop_stop();
	}
}

static void on_nb(struct ctrl_watch *w, uint32_t events)
{
	(void)w;
	(void)events;
	ctrl_nb_run();
}

/*
 * A replicated store: take what other replicas committed, from the notifications libpq
 * holds (some arrive while this replica's own queries run, and raise no event later), and
 * watch the database connection's socket, which is another one after a reconnect.
 */
static void store_follow(void)
{
	char err[CTRL_ERR_SIZE];
	int rc, fd;

	if (!store_notifies)
		return;
	fd = ctrl_store_fd(store);
	if (fd < 0) {
		store_watch.fd = -1;
		return;
	}
	store_watch.fd = fd;
	ctrl_loop_watch(&store_watch, EPOLLIN);
	for (int i = 0; i < 4; i++) { /* each reload may bring news of the next commit */
		rc = ctrl_store_changed(store, ctrl_model_version(model), err);
		if (rc < 0) {
			/* the connection is gone (its socket would stay readable): the tick makes
			 * it again */
			ctrl_log(CTRL_ERR, "store: %s", err);
			ctrl_loop_unwatch(&store_watch);
			store_watch.fd = -1;
			return;
		}
		if (rc == 0)
			return;
		if (reload(err) < 0) {
			ctrl_log(CTRL_ERR, "store: reload: %s", err);
			return;
		}
		ctrl_log(CTRL_INFO, "state version %llu from another replica",
			 (unsigned long long)ctrl_model_version(model));
	}
}

static void on_store(struct ctrl_watch *w, uint32_t events)
{
	(void)w;
	(void)events;
	store_follow();
}

/* The backstop of a replicated store: every 5 s (10 s while the database is unreachable)
 * its version is read, which connects again if need be; a version other than ours is
 * loaded whether or not its notification came. */
static void store_check(void)
{
	static uint64_t last;
	static bool failing;
	char err[CTRL_ERR_SIZE];
	int64_t v;

	if (!store_notifies || ctrl_now_ms() - last < (failing ? 10000u : 5000u))
		return;
	last = ctrl_now_ms();
	v = ctrl_store_version(store);
	if (v < 0) {
		if (!failing)
			ctrl_log(CTRL_ERR, "store: the database does not answer");
		failing = true;
		return;
	}
	if (failing)
		ctrl_log(CTRL_INFO, "store: the database answers again");
	failing = false;
	if ((uint64_t)v != ctrl_model_version(model) && reload(err) < 0)
		ctrl_log(CTRL_ERR, "store: reload: %s", err);
	store_follow();
}

static void tick(void)
{
	ctrl_nb_run(); /* its timeouts */
	ctrl_sb_tick();
	store_check();
}

static int watch_signals(void)
{
	sigset_t sigs;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sig_watch.fd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	sig_watch.fn = on_signal;
	return sig_watch.fd < 0 ? -errno : ctrl_loop_watch(&sig_watch, EPOLLIN);
}

static int parse_level(const char *s)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};

	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int start(const char *db, const char *sb_listen, const char *api)
{
	char err[CTRL_ERR_SIZE];

	bool tls = strncmp(sb_listen, "tls:", 4) == 0;

	if (!tls && strncmp(sb_listen, "tcp:", 4) != 0) {
		fprintf(stderr, "vpc-controller: --listen %s: give tls:ADDR:PORT or tcp:ADDR:PORT\n",
			sb_listen);
		return 2;
	}
	if (tls && (tls_opts.cert == NULL || tls_opts.key == NULL || tls_opts.ca == NULL)) {
		fprintf(stderr, "vpc-controller: --listen tls: needs --cert, --key and --ca\n");
		return 2;
	}
	store = ctrl_store_open(db, err);
	model = ctrl_model_new();
	if (store == NULL || model == NULL || ctrl_store_load(store, model, err) < 0) {
		fprintf(stderr, "vpc-controller: %s: %s\n", db, model == NULL ? "out of memory" : err);
		return 1;
	}
	if (ctrl_loop_init() < 0 || watch_signals() < 0) {
		fprintf(stderr, "vpc-controller: event loop: %s\n", strerror(errno));
		return 1;
	}
	if (ctrl_sb_start(sb_listen + 4, tls ? &tls_opts : NULL, current_model, err) < 0 ||
	    ctrl_nb_start(api, &nb_ops, api_tls.cert != NULL ? &api_tls : NULL, err) < 0) {
		fprintf(stderr, "vpc-controller: %s\n", err);
		return 1;
	}
	store_watch = (struct ctrl_watch){.fd = ctrl_store_fd(store), .fn = on_store};
	store_notifies = store_watch.fd >= 0;
	store_follow();
	nb_watch = (struct ctrl_watch){.fd = ctrl_nb_fd(), .fn = on_nb};
	if (nb_watch.fd >= 0)
		ctrl_loop_watch(&nb_watch, EPOLLIN);
	ctrl_log(CTRL_INFO, "state version %llu from %s; switches on %s, API on %s://%s/v1",
		 (unsigned long long)ctrl_model_version(model), db, sb_listen,
		 api_tls.cert != NULL ? "https" : "http", api);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},	  {"listen", required_argument, NULL, 'l'},
		{"api", required_argument, NULL, 'a'},	  {"log-level", required_argument, NULL, 'v'},
		{"cert", required_argument, NULL, 'c'},	  {"key", required_argument, NULL, 'k'},
		{"ca", required_argument, NULL, 'A'},
		{"api-cert", required_argument, NULL, 'E'}, {"api-key", required_argument, NULL, 'K'},
		{"api-ca", required_argument, NULL, 'B'},
		{"help", no_argument, NULL, 'h'},	  {NULL, 0, NULL, 0},
	};
	const char *db = NULL, *sb_listen = NULL, *api = "127.0.0.1:8080";
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'l': sb_listen = optarg; break;
		case 'a': api = optarg; break;
		case 'c': tls_opts.cert = optarg; break;
		case 'k': tls_opts.key = optarg; break;
		case 'A': tls_opts.ca = optarg; break;
		case 'E': api_tls.cert = optarg; break;
		case 'K': api_tls.key = optarg; break;
		case 'B': api_tls.ca = optarg; break;
		case 'v':
			if (parse_level(optarg) < 0) {
				fprintf(stderr, "vpc-controller: --log-level %s: not error, warning, info or debug\n",
					optarg);
				return 2;
			}
			ctrl_log_set_level((enum ctrl_log_level)parse_level(optarg));
			break;
		case 'h': usage(argv[0]); return 0;
		default: usage(argv[0]); return 2;
		}
	}
	if ((api_tls.cert != NULL) != (api_tls.key != NULL) ||
	    (api_tls.cert != NULL) != (api_tls.ca != NULL)) {
		fprintf(stderr, "vpc-controller: HTTPS for the API needs --api-cert, --api-key and --api-ca\n");
		return 2;
	}
	if (db == NULL || sb_listen == NULL || optind < argc) {
		usage(argv[0]);
		return 2;
	}
	rc = start(db, sb_listen, api);
	if (rc == 0)
		rc = ctrl_loop_run(tick) < 0 || fatal ? 1 : 0;
	ctrl_nb_stop();
	ctrl_sb_stop();
	ctrl_model_free(model);
	ctrl_store_close(store);
	return rc;
}
