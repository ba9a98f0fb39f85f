/*
 * evloop-tls.h: the API of libevloop-tls, the TLS layer of evloop's native loop.
 *
 * Why a second library
 *   libevloop needs nothing but the C library wherever it is loaded. TLS needs OpenSSL,
 *   which every Linux system ships as a shared library (and which must come from the
 *   system, so that its security updates apply), in two incompatible generations: libssl.so.3
 *   and, on older systems such as Debian 11, libssl.so.1.1. So the TLS layer is a library of
 *   its own, built once against each (libevloop-tls3, libevloop-tls11), and loaded only when
 *   a TLS connection is first made; without OpenSSL everything else still works.
 *
 * What it does, and what it does not
 *   Only OpenSSL work, on memory: it never touches a socket, a loop or hiredis. libevloop
 *   reads and writes the socket itself, as it does for plain connections, hands this library
 *   the bytes it received (feed) and sends what this library produced (take). So OpenSSL's
 *   WANT_READ and WANT_WRITE never refer to the socket: "want read" means "feed me more",
 *   and output always fits (it waits here until taken). The one copy of hiredis stays in
 *   libevloop and alone manages each connection.
 *
 * The seam
 *   libevloop calls this library only through the table evl_tls_ops() returns, whose address
 *   its caller (evloop's Java binding) passes to evl_redis_connect_tls(): neither library
 *   links the other. The context is made by the caller, through evl_tls_context_new(), with
 *   everything the server is checked against; a session is one connection's TLS state.
 *
 * Threads: a context may be shared by connections on any threads (OpenSSL contexts are
 * thread-safe once set up, and sessions hold a reference on theirs). A session belongs to one
 * thread at a time. OpenSSL's error queue is per thread; every call here leaves it empty.
 */
#ifndef EVLOOP_TLS_H
#define EVLOOP_TLS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define EVL_TLS_EXPORT __attribute__((visibility("default")))
#else
#define EVL_TLS_EXPORT
#endif

/* The version of evl_tls_ops_t; libevloop refuses a table of another version. */
#define EVL_TLS_ABI 1

/* Protocol versions, as TLS numbers them (and OpenSSL's TLS1_2_VERSION, TLS1_3_VERSION). */
#define EVL_TLS_V1_2 0x0303
#define EVL_TLS_V1_3 0x0304

/* Flags of a session. */
#define EVL_TLS_VERIFY_NAME 1 /* the server's certificate must name the session's name */

/* Results of the session operations. */
#define EVL_TLS_DONE   1  /* handshake: complete */
#define EVL_TLS_AGAIN  0  /* nothing more until more bytes are fed */
#define EVL_TLS_FAILED (-1) /* the session is dead: error() says why */
#define EVL_TLS_CLOSED (-2) /* read: the server ended TLS (close_notify) */

/* Why a session failed (reason()), for a caller that words its own message; error() has
 * OpenSSL's details. */
#define EVL_TLS_R_NONE          0   /* it has not failed */
#define EVL_TLS_R_OTHER         1   /* anything else */
#define EVL_TLS_R_UNTRUSTED     2   /* no trusted CA issued the server's certificate, or its chain is bad */
#define EVL_TLS_R_EXPIRED       3   /* the server's certificate has expired */
#define EVL_TLS_R_NOT_YET_VALID 4   /* the server's certificate is not valid yet */
#define EVL_TLS_R_NAME_MISMATCH 5   /* the certificate names neither the host nor the address asked for */
#define EVL_TLS_R_NOT_TLS       6   /* the server answered without TLS, or closed without answering */
#define EVL_TLS_R_CLOSED        7   /* the server closed the connection in the middle of the handshake */
#define EVL_TLS_R_ALERT         256 /* + the alert the server sent (RFC 8446, 6), e.g. 256 + 116,
                                       certificate_required: the server refused something */

/* Error codes of evl_tls_context_new(). */
#define EVL_TLS_EINVAL (-1) /* bad arguments or unreadable material: the message says which */
#define EVL_TLS_ENOMEM (-2)

typedef struct evl_tls_context_s evl_tls_context_t;
typedef struct evl_tls_session_s evl_tls_session_t;

typedef struct evl_tls_ops_s {
  uint32_t abi;  /* EVL_TLS_ABI */
  uint32_t size; /* sizeof(evl_tls_ops_t) */

  /*
   * A client session of ctx for a server named `name`: a host name, sent as SNI, or an IP
   * address literal (no SNI, as RFC 6066 wants). With EVL_TLS_VERIFY_NAME its certificate
   * must name it (DNS names: subjectAltName, else the common name, a wildcard only as the
   * whole leftmost label; addresses: an IP subjectAltName). Returns 0 with *out set, or
   * EVL_TLS_EINVAL / EVL_TLS_ENOMEM with the reason in error (always terminated).
   */
  int (*session_new)(evl_tls_context_t *ctx, const char *name, int32_t flags,
                     evl_tls_session_t **out, char *error, size_t error_size);

  /* Takes n bytes received from the server. 0, or EVL_TLS_FAILED (out of memory). */
  int (*feed)(evl_tls_session_t *s, const void *data, size_t n);

  /* Advances the handshake with what was fed: EVL_TLS_DONE, EVL_TLS_AGAIN or
   * EVL_TLS_FAILED. What it has to send waits for take(). */
  int (*handshake)(evl_tls_session_t *s);

  /* Decrypted bytes, up to cap: their number (> 0), EVL_TLS_AGAIN, EVL_TLS_CLOSED or
   * EVL_TLS_FAILED. After the handshake only. Call it until it returns something <= 0:
   * bytes it has decrypted are not in any socket any more, so nobody else will say they are
   * there. */
  ptrdiff_t (*read)(evl_tls_session_t *s, void *buf, size_t cap);

  /* Encrypts n bytes (n > 0), all of them: returns n, or EVL_TLS_FAILED. After the
   * handshake only. The records wait for take(). */
  ptrdiff_t (*write)(evl_tls_session_t *s, const void *buf, size_t n);

  /* Moves up to cap bytes of what is to be sent to the server into buf; returns how many
   * (0: nothing waits). */
  size_t (*take)(evl_tls_session_t *s, void *buf, size_t cap);

  /* How many bytes wait for take(). */
  size_t (*pending)(const evl_tls_session_t *s);

  /* Why the last call that failed failed, e.g. "the server's certificate has expired".
   * Never NULL; owned by the session. */
  const char *(*error)(const evl_tls_session_t *s);

  /* The negotiated protocol, "TLSv1.3" or "TLSv1.2" (after the handshake), for diagnostics. */
  const char *(*protocol)(const evl_tls_session_t *s);

  /* Why the session failed: EVL_TLS_R_*; EVL_TLS_R_NONE while it has not. */
  int32_t (*reason)(const evl_tls_session_t *s);

  /* What the server has sent so far: 0 nothing, 1 TLS records, -1 something that is not TLS.
   * A handshake that waits for a server that has sent nothing waits for a server that may not
   * speak TLS at all. */
  int32_t (*answered)(const evl_tls_session_t *s);

  /* The server closed the connection during the handshake: the session fails, with
   * EVL_TLS_R_NOT_TLS if the server never answered in TLS, else EVL_TLS_R_CLOSED. Returns
   * EVL_TLS_FAILED (EVL_TLS_DONE, changing nothing, after the handshake). */
  int (*closed)(evl_tls_session_t *s);

  void (*session_free)(evl_tls_session_t *s);
} evl_tls_ops_t;

/* The operations, static storage. */
EVL_TLS_EXPORT const evl_tls_ops_t *evl_tls_ops(void);

/* The OpenSSL this library runs on, e.g. "OpenSSL 3.0.19 27 Jan 2026". Static storage. */
EVL_TLS_EXPORT const char *evl_tls_version(void);

/*
 * A client context. Any thread.
 *   ca, ca_len              PEM certificates: the only ones trusted as issuers of the
 *                           server's certificate (at least one). The system's own store is
 *                           never consulted, so that the caller decides what is trusted. Any
 *                           of them is a trust anchor, self-signed or not.
 *   chain, chain_len        the client's certificate chain, PEM, leaf first; 0 bytes for none
 *   key, key_len            the client's private key, PEM (PKCS#8 "PRIVATE KEY"); with a
 *                           chain only. Parsed and dropped: the context keeps no copy of these
 *                           bytes, which the caller should clear after the call.
 *   min_version, max_version  EVL_TLS_V1_2 / EVL_TLS_V1_3
 * Returns 0 with *out set, or EVL_TLS_EINVAL / EVL_TLS_ENOMEM with the reason in
 * error[0 .. error_size) (always terminated when error_size > 0), e.g. "the client private
 * key does not match the client certificate".
 */
EVL_TLS_EXPORT int evl_tls_context_new(const uint8_t *ca, int32_t ca_len, const uint8_t *chain,
                                       int32_t chain_len, const uint8_t *key, int32_t key_len,
                                       int32_t min_version, int32_t max_version, char *error,
                                       int32_t error_size, evl_tls_context_t **out);

/* Drops the caller's reference; sessions keep theirs, so it may come before they end. Any
 * thread; NULL is ignored. */
EVL_TLS_EXPORT void evl_tls_context_free(evl_tls_context_t *ctx);

#ifdef __cplusplus
}
#endif
#endif /* EVLOOP_TLS_H */
