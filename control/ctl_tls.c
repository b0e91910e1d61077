/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controller connection's TLS, on OpenSSL: mutual authentication (the switch checks
 * the controller's chain against --controller-ca and its name against the address it
 * dialled; it presents its own certificate, which names --host-id), TLS 1.2 at least, and
 * non-blocking calls that turn OpenSSL's WANT_READ/WANT_WRITE into -EAGAIN for the loop.
 */
#include "ctl_tls.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

static SSL_CTX *ctx;

/* OpenSSL's reason for the last failure, its queue emptied. */
static void ssl_reason(char *why, size_t size, const char *what)
{
	unsigned long e = ERR_get_error();
	char text[256];

	if (e == 0) {
		snprintf(why, size, "%s", what);
	} else {
		ERR_error_string_n(e, text, sizeof(text));
		snprintf(why, size, "%s: %s", what, text);
	}
	ERR_clear_error();
}

int ctl_tls_init(const char *cert, const char *key, const char *ca, const char *host_id, char *err,
		 size_t errsz)
{
	X509 *mine;

	/* OpenSSL writes with write(2): a peer gone must be EPIPE, not a signal */
	signal(SIGPIPE, SIG_IGN);
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		ssl_reason(err, errsz, "TLS");
		return -ENOMEM;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* the output queue may move between a write that would block and its retry */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		ssl_reason(err, errsz, "--controller-ca");
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_reason(err, errsz, "--controller-cert");
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_reason(err, errsz, "--controller-key");
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_reason(err, errsz, "--controller-key: not the key of --controller-cert");
		goto fail;
	}
	/* a controller takes the host's identity from its certificate: it must be this one */
	mine = SSL_CTX_get0_certificate(ctx);
	if (X509_check_host(mine, host_id, strlen(host_id), X509_CHECK_FLAG_NO_WILDCARDS, NULL) !=
	    1) {
		snprintf(err, errsz,
			 "--controller-cert: the certificate does not name --host-id '%s' (as its "
			 "CN or a DNS subjectAltName)",
			 host_id);
		goto fail;
	}
	return 0;
fail:
	SSL_CTX_free(ctx);
	ctx = NULL;
	return -EINVAL;
}

void ctl_tls_fini(void)
{
	SSL_CTX_free(ctx);
	ctx = NULL;
}

struct ssl_st *ctl_tls_new(int fd, const char *host, bool numeric, char *err, size_t errsz)
{
	SSL *s = ctx != NULL ? SSL_new(ctx) : NULL;
	int ok;

	if (s == NULL) {
		ssl_reason(err, errsz, "TLS session");
		return NULL;
	}
	SSL_set_hostflags(s, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (numeric)
		ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), host);
	else
		ok = SSL_set1_host(s, host) && SSL_set_tlsext_host_name(s, host);
	if (!ok || SSL_set_fd(s, fd) != 1) {
		ssl_reason(err, errsz, "TLS session");
		SSL_free(s);
		return NULL;
	}
	SSL_set_connect_state(s);
	return s;
}

/* The reason of a failed call: the certificate check's verdict when that is what failed. */
static void failure(SSL *s, int rc, const char *what, char *why, size_t size)
{
	int e = SSL_get_error(s, rc);
	long v = SSL_get_verify_result(s);

	if (v != X509_V_OK) {
		snprintf(why, size, "%s: the controller's certificate: %s", what,
			 X509_verify_cert_error_string(v));
		ERR_clear_error();
	} else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
		snprintf(why, size, "%s: %s", what,
			 errno != 0 ? strerror(errno) : "the peer closed the connection");
	} else {
		ssl_reason(why, size, what);
	}
}

int ctl_tls_handshake(struct ssl_st *s, uint32_t *events, char *why, size_t size)
{
	int rc;

	ERR_clear_error();
	errno = 0;
	rc = SSL_do_handshake(s);
	if (rc == 1)
		return 0;
	switch (SSL_get_error(s, rc)) {
	case SSL_ERROR_WANT_READ:
		*events = EPOLLIN;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		*events = EPOLLOUT;
		return -EAGAIN;
	default:
		failure(s, rc, "TLS handshake", why, size);
		return -EPROTO;
	}
}

/* An SSL_read_ex/SSL_write_ex result: bytes, -EAGAIN (wait for the socket), 0 (the peer's
 * close_notify, reading only) or -EIO with the reason in why. */
static long io_result(struct ssl_st *s, int rc, size_t n, bool reading, char *why, size_t size)
{
	if (rc == 1)
		return (long)n;
	switch (SSL_get_error(s, rc)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		if (reading)
			return 0;
		break; /* nothing more can be written */
	default:
		break;
	}
	failure(s, rc, "TLS", why, size);
	return -EIO;
}

long ctl_tls_read(struct ssl_st *s, void *buf, size_t len, char *why, size_t size)
{
	size_t n = 0;
	int rc;

	ERR_clear_error();
	errno = 0;
	rc = SSL_read_ex(s, buf, len, &n);
	return io_result(s, rc, n, true, why, size);
}

bool ctl_tls_pending(const struct ssl_st *s)
{
	return SSL_pending(s) > 0;
}

long ctl_tls_write(struct ssl_st *s, const void *buf, size_t len, char *why, size_t size)
{
	size_t n = 0;
	int rc;

	ERR_clear_error();
	errno = 0;
	rc = SSL_write_ex(s, buf, len, &n);
	return io_result(s, rc, n, false, why, size);
}

void ctl_tls_close(struct ssl_st *s)
{
	if (s == NULL)
		return;
	/* one try, never waited for: the socket is closed next either way */
	if (SSL_is_init_finished(s))
		SSL_shutdown(s);
	ERR_clear_error();
	SSL_free(s);
}
