/* SPDX-License-Identifier: BSD-3-Clause */
/* The controller's side of mutual TLS (ctrl_tls.h). */
#include "ctrl_tls.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ctrl_model.h"

SSL_CTX *ctrl_tls_server_ctx(const char *cert, const char *key, const char *ca, char *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	unsigned long e;

	if (ctx == NULL || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1 || SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		e = ERR_get_error();
		snprintf(err, CTRL_ERR_SIZE, "TLS (cert %.60s, key %.60s, ca %.60s): %s", cert, key,
			 ca, e ? ERR_reason_error_string(e) : "out of memory");
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	return ctx;
}

int ctrl_tls_peer_is(SSL *ssl, const char *host, char *cn, size_t size)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	bool named;
	int n;

	if (cert == NULL)
		return -ENOENT;
	n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, (int)size);
	if (n <= 0)
		cn[0] = '\0';
	/* X509_check_host: a DNS subjectAltName, else the CN; no wildcards for host names */
	named = X509_check_host(cert, host, 0, X509_CHECK_FLAG_NO_WILDCARDS, NULL) == 1 ||
		(n > 0 && (size_t)n < size - 1 && strcmp(cn, host) == 0);
	X509_free(cert);
	return named ? 0 : -EACCES;
}
