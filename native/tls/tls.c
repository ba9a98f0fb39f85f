/*
 * tls.c: libevloop-tls (see include/evloop-tls.h): OpenSSL client sessions over memory BIOs.
 *
 * Each session's SSL reads from one memory BIO, which feed() fills with what the server sent,
 * and writes to another, which take() empties: OpenSSL never sees the socket, so it never
 * blocks on it and its WANT_READ only ever means "feed me more". Everything here is plain
 * OpenSSL 1.1.1 / 3.x API, the same source for both builds of the library.
 *
 * The trust rules are those of evloop's Java loop (a JSSE SSLEngine with the HTTPS endpoint
 * check): only the caller's certificates are trusted, each of them as an anchor (JSSE's
 * PKIX does not insist on a self-signed root: X509_V_FLAG_PARTIAL_CHAIN), host names are
 * checked against subjectAltName (else the common name) with whole-label wildcards only,
 * addresses against IP subjectAltNames, and SNI carries host names only.
 */
#include "evloop-tls.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#if OPENSSL_VERSION_NUMBER < 0x10101000L
#error "libevloop-tls needs OpenSSL 1.1.1 or later"
#endif

/* The first bytes the server sent, kept to tell a server that does not speak TLS. */
#define EVL_TLS_FIRST_BYTES 24

struct evl_tls_session_s {
  SSL *ssl;
  BIO *in;  /* from the server, filled by feed(); owned by ssl */
  BIO *out; /* to the server, emptied by take(); owned by ssl */
  char name[256];
  unsigned char first[EVL_TLS_FIRST_BYTES];
  size_t first_len;
  int established;
  int32_t reason;  /* EVL_TLS_R_* of the failure */
  char error[400]; /* the messages name the server by its first 100 bytes */
};

/* ---- messages ---------------------------------------------------------------------------- */

static void evl_tls_copy(char *dst, size_t size, const char *text) {
  if (size > 0)
    snprintf(dst, size, "%s", text);
}

/* OpenSSL's text for an error code; never NULL. */
static const char *evl_tls_reason(unsigned long e, char *buf, size_t size) {
  const char *reason = ERR_reason_error_string(e);

  if (reason != NULL)
    return reason;
  snprintf(buf, size, "OpenSSL error %lx", e);
  return buf;
}

/* Whether the server's first bytes are the header of a TLS record: a content type
 * (change_cipher_spec, alert, handshake, application_data), then major version 3. */
static int evl_tls_looks_like_tls(const evl_tls_session_t *s) {
  if (s->first_len == 0)
    return 1; /* nothing came: nothing to say about it */
  if (s->first[0] < 20 || s->first[0] > 23)
    return 0;
  return s->first_len < 2 || s->first[1] == 3;
}

/* The server's first bytes, printable ASCII as is and the rest escaped, for a message. */
static void evl_tls_quote_first(const evl_tls_session_t *s, char *buf, size_t size) {
  size_t i;
  size_t at = 0;

  buf[0] = '\0';
  for (i = 0; i < s->first_len && at + 5 < size; i++) {
    unsigned char ch = s->first[i];

    if (ch == '\r' || ch == '\n')
      at += (size_t) snprintf(buf + at, size - at, "\\%c", ch == '\r' ? 'r' : 'n');
    else if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
      buf[at++] = (char) ch;
    else
      at += (size_t) snprintf(buf + at, size - at, "\\x%02x", ch);
    buf[at] = '\0';
  }
}

/* What the server's alert means for the user, for the alerts a misconfiguration causes. */
static const char *evl_tls_alert_meaning(int alert) {
  switch (alert) {
  case 116: /* certificate_required */
    return "the server requires a client certificate";
  case 40: /* handshake_failure */
    return "the server refused the handshake (it may require a client certificate, or share "
           "no protocol version or cipher with this client)";
  case 42: /* bad_certificate */
  case 43: /* unsupported_certificate */
  case 44: /* certificate_revoked */
  case 45: /* certificate_expired */
  case 46: /* certificate_unknown */
  case 48: /* unknown_ca */
    return "the server refused the client certificate";
  case 70: /* protocol_version */
    return "the server accepts none of the offered protocol versions";
  default:
    return NULL;
  }
}

/* What a failed verification means, for the results a misconfiguration causes; its reason. */
static int32_t evl_tls_describe_verify(evl_tls_session_t *s, long result, char *buf, size_t size) {
  switch (result) {
  case X509_V_ERR_HOSTNAME_MISMATCH:
    snprintf(buf, size, "the server's certificate does not name %.100s", s->name);
    return EVL_TLS_R_NAME_MISMATCH;
  case X509_V_ERR_IP_ADDRESS_MISMATCH:
    snprintf(buf, size, "the server's certificate does not name the address %.100s", s->name);
    return EVL_TLS_R_NAME_MISMATCH;
  case X509_V_ERR_CERT_HAS_EXPIRED:
    snprintf(buf, size, "the server's certificate has expired");
    return EVL_TLS_R_EXPIRED;
  case X509_V_ERR_CERT_NOT_YET_VALID:
    snprintf(buf, size, "the server's certificate is not valid yet");
    return EVL_TLS_R_NOT_YET_VALID;
  default:
    snprintf(buf, size, "the server's certificate is not trusted: %s",
             X509_verify_cert_error_string(result));
    return EVL_TLS_R_UNTRUSTED;
  }
}

/*
 * Records why the session failed, from what OpenSSL left: the verification result, the alert
 * the server sent, or the first error of the queue; and, when the server's first bytes were
 * no TLS record, that it does not speak TLS at all (OpenSSL would only say "wrong version
 * number"). Empties the error queue.
 */
static void evl_tls_fail(evl_tls_session_t *s, int ssl_error) {
  char what[256];
  char code[48];
  unsigned long e = ERR_peek_error();
  const char *stage = s->established ? "TLS connection to" : "TLS handshake with";

  if (!s->established && !evl_tls_looks_like_tls(s)) {
    char first[4 * EVL_TLS_FIRST_BYTES + 1];

    evl_tls_quote_first(s, first, sizeof(first));
    snprintf(what, sizeof(what),
             "the server does not speak TLS on this port (it answered \"%s\"); connect to it "
             "without TLS",
             first);
    s->reason = EVL_TLS_R_NOT_TLS;
  } else if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL &&
             ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED &&
             SSL_get_verify_result(s->ssl) != X509_V_OK) {
    s->reason = evl_tls_describe_verify(s, SSL_get_verify_result(s->ssl), what, sizeof(what));
  } else if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL &&
             ERR_GET_REASON(e) >= SSL_AD_REASON_OFFSET &&
             ERR_GET_REASON(e) < SSL_AD_REASON_OFFSET + 256) {
    int alert = ERR_GET_REASON(e) - SSL_AD_REASON_OFFSET;
    const char *meaning = evl_tls_alert_meaning(alert);
    const char *reason = evl_tls_reason(e, code, sizeof(code));

    if (meaning != NULL)
      snprintf(what, sizeof(what), "%s (TLS alert: %s)", meaning, reason);
    else
      snprintf(what, sizeof(what), "the server sent the TLS alert \"%s\"", reason);
    s->reason = EVL_TLS_R_ALERT + alert;
  } else if (e != 0) {
    snprintf(what, sizeof(what), "%s", evl_tls_reason(e, code, sizeof(code)));
    s->reason = EVL_TLS_R_OTHER;
  } else {
    snprintf(what, sizeof(what), "OpenSSL failed (SSL_get_error %d) without saying why", ssl_error);
    s->reason = EVL_TLS_R_OTHER;
  }
  snprintf(s->error, sizeof(s->error), "%s %.100s failed: %.255s", stage, s->name, what);
  ERR_clear_error();
}

/* ---- sessions ------------------------------------------------------------------------------ */

/* Whether name is an IPv4 or IPv6 literal; an IPv6 zone ("%eth0") is dropped into addr. */
static int evl_tls_address(const char *name, char *addr, size_t size) {
  unsigned char bytes[16];
  const char *zone = strchr(name, '%');
  size_t n = zone != NULL ? (size_t) (zone - name) : strlen(name);

  if (n >= size)
    return 0;
  memcpy(addr, name, n);
  addr[n] = '\0';
  return inet_pton(AF_INET, addr, bytes) == 1 || inet_pton(AF_INET6, addr, bytes) == 1;
}

static void evl_tls_session_free(evl_tls_session_t *s) {
  if (s == NULL)
    return;
  SSL_free(s->ssl); /* frees both BIOs */
  free(s);
}

static int evl_tls_session_new(evl_tls_context_t *ctx, const char *name, int32_t flags,
                               evl_tls_session_t **out, char *error, size_t error_size) {
  evl_tls_session_t *s;
  char addr[64];
  int is_address;

  if (out != NULL)
    *out = NULL;
  if (ctx == NULL || name == NULL || out == NULL || name[0] == '\0' ||
      strlen(name) >= sizeof(s->name) || (flags & ~EVL_TLS_VERIFY_NAME) != 0) {
    evl_tls_copy(error, error_size, "a TLS session needs a context and a server name (at most 255 bytes)");
    return EVL_TLS_EINVAL;
  }
  s = calloc(1, sizeof(*s));
  if (s == NULL) {
    evl_tls_copy(error, error_size, "out of memory for a TLS session");
    return EVL_TLS_ENOMEM;
  }
  snprintf(s->name, sizeof(s->name), "%s", name);
  ERR_clear_error();
  s->ssl = SSL_new((SSL_CTX *) ctx);
  s->in = BIO_new(BIO_s_mem());
  s->out = BIO_new(BIO_s_mem());
  if (s->ssl == NULL || s->in == NULL || s->out == NULL) {
    BIO_free(s->in);
    BIO_free(s->out);
    s->in = s->out = NULL;
    evl_tls_session_free(s);
    ERR_clear_error();
    evl_tls_copy(error, error_size, "out of memory for a TLS session");
    return EVL_TLS_ENOMEM;
  }
  /* An empty input BIO must read as "retry", never as the end: more may come. */
  BIO_set_mem_eof_return(s->in, -1);
  SSL_set_bio(s->ssl, s->in, s->out);
  SSL_set_connect_state(s->ssl);

  is_address = evl_tls_address(name, addr, sizeof(addr));
  if (!is_address && SSL_set_tlsext_host_name(s->ssl, name) != 1) {
    evl_tls_session_free(s);
    ERR_clear_error();
    snprintf(error, error_size, "cannot send %.100s as the TLS server name (SNI)", name);
    return EVL_TLS_EINVAL;
  }
  if (flags & EVL_TLS_VERIFY_NAME) {
    X509_VERIFY_PARAM *param = SSL_get0_param(s->ssl);
    int ok;

    if (is_address) {
      ok = X509_VERIFY_PARAM_set1_ip_asc(param, addr);
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      ok = X509_VERIFY_PARAM_set1_host(param, name, 0);
    }
    if (ok != 1) {
      evl_tls_session_free(s);
      ERR_clear_error();
      snprintf(error, error_size, "cannot check the server's certificate against %.100s", name);
      return EVL_TLS_EINVAL;
    }
  }
  *out = s;
  return 0;
}

static int evl_tls_feed(evl_tls_session_t *s, const void *data, size_t n) {
  const unsigned char *p = data;

  if (s->first_len < EVL_TLS_FIRST_BYTES) {
    size_t keep = EVL_TLS_FIRST_BYTES - s->first_len < n ? EVL_TLS_FIRST_BYTES - s->first_len : n;

    memcpy(s->first + s->first_len, p, keep);
    s->first_len += keep;
  }
  while (n > 0) {
    int chunk = n > INT_MAX ? INT_MAX : (int) n;
    int wrote = BIO_write(s->in, p, chunk);

    if (wrote <= 0) {
      ERR_clear_error();
      snprintf(s->error, sizeof(s->error), "out of memory for what %.100s sent", s->name);
      s->reason = EVL_TLS_R_OTHER;
      return EVL_TLS_FAILED;
    }
    p += wrote;
    n -= (size_t) wrote;
  }
  return 0;
}

static int evl_tls_handshake(evl_tls_session_t *s) {
  int rc;
  int err;

  if (s->established)
    return EVL_TLS_DONE;
  ERR_clear_error();
  rc = SSL_do_handshake(s->ssl);
  if (rc == 1) {
    s->established = 1;
    return EVL_TLS_DONE;
  }
  err = SSL_get_error(s->ssl, rc);
  if (err == SSL_ERROR_WANT_READ)
    return EVL_TLS_AGAIN;
  evl_tls_fail(s, err);
  return EVL_TLS_FAILED;
}

static ptrdiff_t evl_tls_read(evl_tls_session_t *s, void *buf, size_t cap) {
  int n;
  int err;

  if (!s->established) {
    snprintf(s->error, sizeof(s->error), "TLS read from %.100s before the handshake", s->name);
    s->reason = EVL_TLS_R_OTHER;
    return EVL_TLS_FAILED;
  }
  if (cap == 0)
    return EVL_TLS_AGAIN;
  ERR_clear_error();
  n = SSL_read(s->ssl, buf, cap > INT_MAX ? INT_MAX : (int) cap);
  if (n > 0)
    return n;
  err = SSL_get_error(s->ssl, n);
  if (err == SSL_ERROR_WANT_READ)
    return EVL_TLS_AGAIN;
  if (err == SSL_ERROR_ZERO_RETURN) {
    ERR_clear_error();
    return EVL_TLS_CLOSED;
  }
  evl_tls_fail(s, err);
  return EVL_TLS_FAILED;
}

static ptrdiff_t evl_tls_write(evl_tls_session_t *s, const void *buf, size_t n) {
  const char *p = buf;
  size_t done = 0;

  if (!s->established) {
    snprintf(s->error, sizeof(s->error), "TLS write to %.100s before the handshake", s->name);
    s->reason = EVL_TLS_R_OTHER;
    return EVL_TLS_FAILED;
  }
  if (n > PTRDIFF_MAX)
    n = PTRDIFF_MAX;
  while (done < n) {
    size_t left = n - done;
    int wrote;

    ERR_clear_error();
    wrote = SSL_write(s->ssl, p + done, left > INT_MAX ? INT_MAX : (int) left);
    if (wrote <= 0) {
      int err = SSL_get_error(s->ssl, wrote);

      /* The output is memory, which takes everything; only a renegotiation the server asks
       * for could make a write wait for input, and it is refused (SSL_OP_NO_RENEGOTIATION). */
      evl_tls_fail(s, err);
      return EVL_TLS_FAILED;
    }
    done += (size_t) wrote;
  }
  return (ptrdiff_t) done;
}

static size_t evl_tls_take(evl_tls_session_t *s, void *buf, size_t cap) {
  int n;

  if (cap == 0)
    return 0;
  n = BIO_read(s->out, buf, cap > INT_MAX ? INT_MAX : (int) cap);
  return n > 0 ? (size_t) n : 0;
}

static size_t evl_tls_pending(const evl_tls_session_t *s) {
  return BIO_ctrl_pending(s->out);
}

static const char *evl_tls_error(const evl_tls_session_t *s) {
  return s != NULL ? s->error : "";
}

static const char *evl_tls_protocol(const evl_tls_session_t *s) {
  return s != NULL && s->established ? SSL_get_version(s->ssl) : "";
}

static int32_t evl_tls_reason_of(const evl_tls_session_t *s) {
  return s != NULL ? s->reason : EVL_TLS_R_NONE;
}

static int32_t evl_tls_answered(const evl_tls_session_t *s) {
  if (s->first_len == 0)
    return 0;
  return evl_tls_looks_like_tls(s) ? 1 : -1;
}

static int evl_tls_closed(evl_tls_session_t *s) {
  if (s->established)
    return EVL_TLS_DONE;
  if (evl_tls_answered(s) == 1) {
    snprintf(s->error, sizeof(s->error),
             "TLS handshake with %.100s failed: the server closed the connection in the middle of "
             "the handshake",
             s->name);
    s->reason = EVL_TLS_R_CLOSED;
  } else {
    snprintf(s->error, sizeof(s->error),
             "TLS handshake with %.100s failed: the server closed the connection without answering "
             "in TLS (is it a TLS port?)",
             s->name);
    s->reason = EVL_TLS_R_NOT_TLS;
  }
  return EVL_TLS_FAILED;
}

static const evl_tls_ops_t evl_tls_the_ops = {
  .abi = EVL_TLS_ABI,
  .size = sizeof(evl_tls_ops_t),
  .session_new = evl_tls_session_new,
  .feed = evl_tls_feed,
  .handshake = evl_tls_handshake,
  .read = evl_tls_read,
  .write = evl_tls_write,
  .take = evl_tls_take,
  .pending = evl_tls_pending,
  .error = evl_tls_error,
  .protocol = evl_tls_protocol,
  .reason = evl_tls_reason_of,
  .answered = evl_tls_answered,
  .closed = evl_tls_closed,
  .session_free = evl_tls_session_free,
};

const evl_tls_ops_t *evl_tls_ops(void) {
  return &evl_tls_the_ops;
}

const char *evl_tls_version(void) {
  return OpenSSL_version(OPENSSL_VERSION);
}

/* ---- contexts ------------------------------------------------------------------------------ */

/* Never asks for a pass phrase: OpenSSL's default would prompt on the terminal. */
static int evl_tls_no_password(char *buf, int size, int rwflag, void *u) {
  (void) buf;
  (void) size;
  (void) rwflag;
  (void) u;
  return -1;
}

/* Whether the error left after reading PEM blocks to the end is only "no more blocks". */
static int evl_tls_pem_ended(void) {
  unsigned long e = ERR_peek_last_error();

  return e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
}

static int evl_tls_fail_context(char *error, int32_t error_size, int rc, const char *what) {
  char code[48];
  unsigned long e = ERR_peek_last_error();

  if (error_size > 0) {
    if (e != 0 && !evl_tls_pem_ended())
      snprintf(error, (size_t) error_size, "%s (%s)", what, evl_tls_reason(e, code, sizeof(code)));
    else
      snprintf(error, (size_t) error_size, "%s", what);
  }
  ERR_clear_error();
  return rc;
}

/* The certificates of a PEM text, into the trust store; how many, or -1. */
static int evl_tls_add_trusted(SSL_CTX *ctx, const uint8_t *pem, int32_t len) {
  X509_STORE *store = SSL_CTX_get_cert_store(ctx);
  BIO *bio = BIO_new_mem_buf(pem, len);
  X509 *cert;
  int count = 0;

  if (bio == NULL)
    return -1;
  while ((cert = PEM_read_bio_X509(bio, NULL, evl_tls_no_password, NULL)) != NULL) {
    /* A certificate listed twice is no error (OpenSSL 1.1 calls it one). */
    if (X509_STORE_add_cert(store, cert) != 1) {
      unsigned long e = ERR_peek_last_error();

      if (ERR_GET_LIB(e) != ERR_LIB_X509 || ERR_GET_REASON(e) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
        X509_free(cert);
        BIO_free(bio);
        return -1;
      }
      ERR_clear_error();
    }
    X509_free(cert);
    count++;
  }
  BIO_free(bio);
  if (!evl_tls_pem_ended())
    return -1;
  ERR_clear_error();
  return count;
}

/* The client's chain (leaf first) and key; 0 or -1 with what went wrong in *what. */
static int evl_tls_use_client(SSL_CTX *ctx, const uint8_t *chain, int32_t chain_len,
                              const uint8_t *key, int32_t key_len, const char **what) {
  BIO *bio = BIO_new_mem_buf(chain, chain_len);
  X509 *cert;
  EVP_PKEY *pkey;
  int count = 0;

  *what = "out of memory for the client certificate";
  if (bio == NULL)
    return -1;
  while ((cert = PEM_read_bio_X509(bio, NULL, evl_tls_no_password, NULL)) != NULL) {
    int ok = count == 0 ? SSL_CTX_use_certificate(ctx, cert) : (int) SSL_CTX_add1_chain_cert(ctx, cert);

    X509_free(cert);
    if (ok != 1) {
      BIO_free(bio);
      *what = "the client certificate chain was refused";
      return -1;
    }
    count++;
  }
  BIO_free(bio);
  if (count == 0 || !evl_tls_pem_ended()) {
    *what = "cannot read the client certificate chain (PEM)";
    return -1;
  }
  ERR_clear_error();

  bio = BIO_new_mem_buf(key, key_len);
  if (bio == NULL)
    return -1;
  pkey = PEM_read_bio_PrivateKey(bio, NULL, evl_tls_no_password, NULL);
  BIO_free(bio);
  if (pkey == NULL) {
    *what = "cannot read the client private key (unencrypted PKCS#8 PEM)";
    return -1;
  }
  if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1) {
    unsigned long e = ERR_peek_last_error();

    EVP_PKEY_free(pkey);
    /* OpenSSL compares the key with the certificate already here. */
    if (ERR_GET_LIB(e) == ERR_LIB_X509 && (ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH ||
                                           ERR_GET_REASON(e) == X509_R_KEY_TYPE_MISMATCH))
      *what = "the client private key does not match the client certificate";
    else
      *what = "the client private key was refused";
    return -1;
  }
  EVP_PKEY_free(pkey);
  if (SSL_CTX_check_private_key(ctx) != 1) {
    *what = "the client private key does not match the client certificate";
    return -1;
  }
  return 0;
}

int evl_tls_context_new(const uint8_t *ca, int32_t ca_len, const uint8_t *chain, int32_t chain_len,
                        const uint8_t *key, int32_t key_len, int32_t min_version,
                        int32_t max_version, char *error, int32_t error_size,
                        evl_tls_context_t **out) {
  SSL_CTX *ctx;
  const char *what;
  int trusted;

  if (error_size > 0)
    error[0] = '\0';
  if (out == NULL)
    return evl_tls_fail_context(error, error_size, EVL_TLS_EINVAL, "no place for the context");
  *out = NULL;
  if (ca == NULL || ca_len <= 0)
    return evl_tls_fail_context(error, error_size, EVL_TLS_EINVAL, "no trusted certificates given");
  if ((chain_len > 0) != (key_len > 0) || (chain_len > 0 && (chain == NULL || key == NULL)) ||
      chain_len < 0 || key_len < 0)
    return evl_tls_fail_context(error, error_size, EVL_TLS_EINVAL,
                                "a client certificate needs both its chain and its key");
  if ((min_version != EVL_TLS_V1_2 && min_version != EVL_TLS_V1_3) ||
      (max_version != EVL_TLS_V1_2 && max_version != EVL_TLS_V1_3) || min_version > max_version)
    return evl_tls_fail_context(error, error_size, EVL_TLS_EINVAL,
                                "the protocol versions must be TLS 1.2 or 1.3, the lowest first");

  ERR_clear_error();
  ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == NULL)
    return evl_tls_fail_context(error, error_size, EVL_TLS_ENOMEM, "cannot make an OpenSSL context");
  if (SSL_CTX_set_min_proto_version(ctx, min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, max_version) != 1) {
    SSL_CTX_free(ctx);
    return evl_tls_fail_context(error, error_size, EVL_TLS_EINVAL,
                                "this OpenSSL does not offer the protocol versions asked for");
  }
  /* Renegotiation would let the server make a write wait for input; evloop never needs it. */
#ifdef SSL_OP_NO_RENEGOTIATION
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
#endif
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  /* The context's store starts empty and no default paths are loaded into it: what the
   * caller passes is all that is trusted. */
  X509_STORE_set_flags(SSL_CTX_get_cert_store(ctx), X509_V_FLAG_PARTIAL_CHAIN);

  trusted = evl_tls_add_trusted(ctx, ca, ca_len);
  if (trusted <= 0) {
    SSL_CTX_free(ctx);
    return evl_tls_fail_context(error, error_size, EVL_TLS_EINVAL,
                                trusted == 0 ? "the trusted certificates hold no PEM certificate"
                                             : "cannot read the trusted certificates (PEM)");
  }
  if (chain_len > 0 && evl_tls_use_client(ctx, chain, chain_len, key, key_len, &what) != 0) {
    SSL_CTX_free(ctx);
    return evl_tls_fail_context(error, error_size, EVL_TLS_EINVAL, what);
  }
  ERR_clear_error();
  *out = (evl_tls_context_t *) ctx;
  return 0;
}

void evl_tls_context_free(evl_tls_context_t *ctx) {
  SSL_CTX_free((SSL_CTX *) ctx);
}
