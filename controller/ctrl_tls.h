/* SPDX-License-Identifier: BSD-3-Clause */
/* The controller's side of mutual TLS with the switches (OpenSSL). */
#ifndef VPCSW_CTRL_TLS_H
#define VPCSW_CTRL_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/** A server context: TLS 1.2 or later, our certificate chain and key, and every client
 *  must present a certificate that chains to ca. NULL with the reason in err. */
SSL_CTX *ctrl_tls_server_ctx(const char *cert, const char *key, const char *ca, char *err);
/** Whether the peer's (verified) certificate names host: its common name, or a DNS
 *  subjectAltName. 0 if it does; -ENOENT (no certificate) or -EACCES (another name: its
 *  common name in cn, "" if none). */
int ctrl_tls_peer_is(SSL *ssl, const char *host, char *cn, size_t size);

#endif
