/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS of the controller connection (OpenSSL): one client context with this host's
 * certificate and the CA that controllers' certificates must chain to, and non-blocking
 * per-connection handshake, read and write for the control loop (ctl_uplink.c handshakes,
 * ctl_server.c reads and writes). Control thread only.
 */
#ifndef VPCSW_CTL_TLS_H
#define VPCSW_CTL_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ssl_st; /* OpenSSL's SSL */

/**
 * Load --controller-cert, --controller-key and --controller-ca. The certificate must match
 * the key and name host_id (its CN, or a DNS SAN): it is how the controller knows this host.
 * @return 0, or -EINVAL / -ENOMEM with err (errsz bytes) saying which file and why.
 */
int ctl_tls_init(const char *cert, const char *key, const char *ca, const char *host_id, char *err,
		 size_t errsz);
void ctl_tls_fini(void);

/**
 * A client session on the connected socket fd, which will accept only a peer certificate
 * that chains to the CA and names host (a DNS name, or an IP address when numeric).
 * @return the session, or NULL with err.
 */
struct ssl_st *ctl_tls_new(int fd, const char *host, bool numeric, char *err, size_t errsz);
/**
 * Advance the handshake. Returns 0 (done), -EAGAIN (call again once fd has *events:
 * EPOLLIN or EPOLLOUT), or -EPROTO with why (the peer's certificate, an alert, ...).
 */
int ctl_tls_handshake(struct ssl_st *s, uint32_t *events, char *why, size_t size);
/** As recv: bytes read (> 0), 0 at the peer's close, -EAGAIN, or -EIO with why. */
long ctl_tls_read(struct ssl_st *s, void *buf, size_t len, char *why, size_t size);
/** Decrypted bytes OpenSSL holds that no read took yet. */
bool ctl_tls_pending(const struct ssl_st *s);
/** As send: bytes written (> 0), -EAGAIN, or -EIO with why. buf may move between a call
 *  that returned -EAGAIN and its retry, which must start at the same byte. */
long ctl_tls_write(struct ssl_st *s, const void *buf, size_t len, char *why, size_t size);
/** Send close_notify if it can go at once, and free the session (NULL: nothing). */
void ctl_tls_close(struct ssl_st *s);

#endif
