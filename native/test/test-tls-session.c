/*
 * libevloop-tls on its own: its client sessions against an OpenSSL server session in the same
 * process, bytes moved between the two by hand (what libevloop does with the socket), so that
 * every outcome is exact and no server or network is involved. The trust rules (untrusted,
 * expired, wrong name, wrong address, the name check turned off), a server that is not TLS,
 * client certificates required and given, protocol versions, SNI, the records split into
 * single bytes, a megabyte each way, the server's close_notify, and the contexts' refusals of
 * bad material.
 */
#include "tls-test.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

static const evl_tls_ops_t *ops;
static char sni[256]; /* the name the last server saw in SNI; "" for none */
static int32_t last_reason; /* of the last attempt() */

typedef struct {
  SSL_CTX *ctx;
  SSL *ssl;
} server_t;

static int on_servername(SSL *ssl, int *alert, void *arg) {
  const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

  (void) alert;
  (void) arg;
  snprintf(sni, sizeof(sni), "%s", name != NULL ? name : "");
  return SSL_TLSEXT_ERR_OK;
}

/* A server presenting cert_name (.pem, with server.key), requiring a client certificate
 * issued by the CA when asked, within the protocol versions given. */
static void server_start(server_t *s, const char *cert_name, int require_client, int min, int max) {
  char cert[64];
  BIO *in;
  BIO *out;

  snprintf(cert, sizeof(cert), "%s.pem", cert_name);
  s->ctx = SSL_CTX_new(TLS_server_method());
  ASSERT_NOT_NULL(s->ctx);
  ASSERT_EQ(SSL_CTX_use_certificate_chain_file(s->ctx, evl_test_tls_path(cert)), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey_file(s->ctx, evl_test_tls_path("server.key"), SSL_FILETYPE_PEM), 1);
  ASSERT_EQ(SSL_CTX_set_min_proto_version(s->ctx, min), 1);
  ASSERT_EQ(SSL_CTX_set_max_proto_version(s->ctx, max), 1);
  SSL_CTX_set_tlsext_servername_callback(s->ctx, on_servername);
  if (require_client) {
    ASSERT_EQ(SSL_CTX_load_verify_locations(s->ctx, evl_test_tls_path("ca.pem"), NULL), 1);
    SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  }
  s->ssl = SSL_new(s->ctx);
  in = BIO_new(BIO_s_mem());
  out = BIO_new(BIO_s_mem());
  ASSERT(s->ssl != NULL && in != NULL && out != NULL);
  BIO_set_mem_eof_return(in, -1);
  SSL_set_bio(s->ssl, in, out);
  SSL_set_accept_state(s->ssl);
  sni[0] = '\0';
}

static void server_stop(server_t *s) {
  SSL_free(s->ssl);
  SSL_CTX_free(s->ctx);
  ERR_clear_error();
}

/* Moves what the client produced to the server, then lets the server work, then moves what
 * it produced back, `chunk` bytes at a time, advancing the client's handshake after each
 * piece while it is not done. Returns whether anything moved; *rc is the client's handshake
 * result. */
static int exchange(evl_tls_session_t *c, server_t *s, size_t chunk, int *rc) {
  char buf[16 * 1024];
  size_t n;
  int moved = 0;
  int r;

  ASSERT_LE(chunk, sizeof(buf));
  while ((n = ops->take(c, buf, chunk)) > 0) {
    ASSERT_EQ(BIO_write(SSL_get_rbio(s->ssl), buf, (int) n), (int64_t) n);
    moved = 1;
  }
  if (!SSL_is_init_finished(s->ssl))
    SSL_do_handshake(s->ssl);
  while ((r = BIO_read(SSL_get_wbio(s->ssl), buf, (int) chunk)) > 0) {
    ASSERT_OK(ops->feed(c, buf, (size_t) r));
    moved = 1;
    if (*rc == EVL_TLS_AGAIN)
      *rc = ops->handshake(c);
  }
  return moved;
}

/* Runs the handshake to its end on both sides; the client's result. */
static int handshake(evl_tls_session_t *c, server_t *s, size_t chunk) {
  int rc = ops->handshake(c);
  int rounds;

  for (rounds = 0; rounds < 1000; rounds++) {
    int moved = exchange(c, s, chunk, &rc);

    if (rc == EVL_TLS_AGAIN)
      rc = ops->handshake(c);
    if (!moved && rc != EVL_TLS_AGAIN)
      return rc;
    if (!moved && rc == EVL_TLS_AGAIN)
      break;
  }
  return rc;
}

static evl_tls_session_t *session(evl_tls_context_t *ctx, const char *name, int32_t flags) {
  evl_tls_session_t *c = NULL;
  char error[256];

  ASSERT_OK(ops->session_new(ctx, name, flags, &c, error, sizeof(error)));
  ASSERT_NOT_NULL(c);
  return c;
}

/* Connects a fresh session to a fresh server and returns the client's handshake result, with
 * the client's error (or protocol) copied into what. */
static int attempt(const char *server_cert, int require_client, const char *client, const char *name,
                   int32_t flags, char *what, size_t what_size) {
  evl_tls_context_t *ctx = evl_test_tls_context("ca.pem", client, EVL_TLS_V1_2, EVL_TLS_V1_3);
  evl_tls_session_t *c = session(ctx, name, flags);
  server_t s;
  int rc;

  server_start(&s, server_cert, require_client, TLS1_2_VERSION, TLS1_3_VERSION);
  rc = handshake(c, &s, 16 * 1024);
  snprintf(what, what_size, "%s", rc == EVL_TLS_DONE ? ops->protocol(c) : ops->error(c));
  last_reason = ops->reason(c);
  ops->session_free(c);
  evl_tls_context_free(ctx);
  server_stop(&s);
  return rc;
}

static void assert_contains(const char *text, const char *part) {
  if (strstr(text, part) == NULL) {
    fprintf(stderr, "expected \"%s\" in \"%s\"\n", part, text);
    ASSERT(0 && "message");
  }
}

TEST_IMPL(ops_table) {
  ASSERT_EQ(ops->abi, EVL_TLS_ABI);
  ASSERT_EQ(ops->size, (int64_t) sizeof(evl_tls_ops_t));
  ASSERT(strstr(evl_tls_version(), "SSL") != NULL);
}

/* Both versions, with the records of the handshake split into single bytes for one of them:
 * a session must make progress on any split. */
TEST_IMPL(handshake_and_versions) {
  static const struct {
    int32_t min;
    int32_t max;
    size_t chunk;
    const char *expected;
  } cases[] = {
      {EVL_TLS_V1_2, EVL_TLS_V1_3, 16 * 1024, "TLSv1.3"},
      {EVL_TLS_V1_2, EVL_TLS_V1_2, 16 * 1024, "TLSv1.2"},
      {EVL_TLS_V1_3, EVL_TLS_V1_3, 1, "TLSv1.3"},
      {EVL_TLS_V1_2, EVL_TLS_V1_2, 1, "TLSv1.2"},
  };
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    evl_tls_context_t *ctx = evl_test_tls_context("ca.pem", NULL, cases[i].min, cases[i].max);
    evl_tls_session_t *c = session(ctx, "localhost", EVL_TLS_VERIFY_NAME);
    server_t s;

    /* The context may go before its sessions: they hold their own reference. */
    evl_tls_context_free(ctx);
    server_start(&s, "server", 0, TLS1_2_VERSION, TLS1_3_VERSION);
    ASSERT_EQ(handshake(c, &s, cases[i].chunk), EVL_TLS_DONE);
    ASSERT_STR_EQ(ops->protocol(c), cases[i].expected);
    ASSERT_STR_EQ(sni, "localhost");
    ASSERT_EQ(ops->pending(c), 0);
    ops->session_free(c);
    server_stop(&s);
  }
}

TEST_IMPL(a_megabyte_each_way) {
  enum { SIZE = 1 << 20 };
  evl_tls_context_t *ctx = evl_test_tls_context("ca.pem", NULL, EVL_TLS_V1_2, EVL_TLS_V1_3);
  evl_tls_session_t *c = session(ctx, "localhost", EVL_TLS_VERIFY_NAME);
  unsigned char *sent = malloc(SIZE);
  unsigned char *got = malloc(SIZE);
  char buf[7000];
  size_t have = 0;
  size_t n;
  size_t i;
  server_t s;

  ASSERT(sent != NULL && got != NULL);
  for (i = 0; i < SIZE; i++)
    sent[i] = (unsigned char) (i * 131 + (i >> 11));
  server_start(&s, "server", 0, TLS1_2_VERSION, TLS1_3_VERSION);
  ASSERT_EQ(handshake(c, &s, 16 * 1024), EVL_TLS_DONE);

  /* Client to server: all of it is taken at once, and ends up in the server intact. */
  ASSERT_EQ(ops->write(c, sent, SIZE), SIZE);
  ASSERT_GT(ops->pending(c), SIZE);
  while ((n = ops->take(c, buf, sizeof(buf))) > 0)
    ASSERT_EQ(BIO_write(SSL_get_rbio(s.ssl), buf, (int) n), (int64_t) n);
  while (have < SIZE) {
    int r = SSL_read(s.ssl, got + have, (int) (SIZE - have));

    ASSERT_GT(r, 0);
    have += (size_t) r;
  }
  ASSERT_OK(memcmp(sent, got, SIZE));

  /* Server to client, fed in pieces that cut records anywhere, read after each piece until
   * the session wants more, as libevloop does. */
  memset(got, 0, SIZE);
  have = 0;
  ASSERT_EQ(SSL_write(s.ssl, sent, SIZE), SIZE);
  while (BIO_ctrl_pending(SSL_get_wbio(s.ssl)) > 0) {
    int r = BIO_read(SSL_get_wbio(s.ssl), buf, sizeof(buf));
    ptrdiff_t m;

    ASSERT_GT(r, 0);
    ASSERT_OK(ops->feed(c, buf, (size_t) r));
    while ((m = ops->read(c, got + have, SIZE - have)) > 0)
      have += (size_t) m;
    ASSERT_EQ(m, EVL_TLS_AGAIN);
  }
  ASSERT_EQ(have, SIZE);
  ASSERT_OK(memcmp(sent, got, SIZE));

  /* The server's close_notify ends the stream, distinctly from a failure. */
  ASSERT_EQ(SSL_shutdown(s.ssl), 0);
  for (;;) {
    int r = BIO_read(SSL_get_wbio(s.ssl), buf, sizeof(buf));

    if (r <= 0)
      break;
    ASSERT_OK(ops->feed(c, buf, (size_t) r));
  }
  ASSERT_EQ(ops->read(c, got, SIZE), EVL_TLS_CLOSED);

  free(sent);
  free(got);
  ops->session_free(c);
  evl_tls_context_free(ctx);
  server_stop(&s);
}

TEST_IMPL(certificate_refused) {
  char what[512];

  ASSERT_EQ(attempt("untrusted", 0, NULL, "localhost", EVL_TLS_VERIFY_NAME, what, sizeof(what)),
            EVL_TLS_FAILED);
  assert_contains(what, "TLS handshake with localhost failed: the server's certificate is not trusted");
  ASSERT_EQ(last_reason, EVL_TLS_R_UNTRUSTED);

  ASSERT_EQ(attempt("expired", 0, NULL, "localhost", EVL_TLS_VERIFY_NAME, what, sizeof(what)),
            EVL_TLS_FAILED);
  assert_contains(what, "the server's certificate has expired");
  ASSERT_EQ(last_reason, EVL_TLS_R_EXPIRED);

  ASSERT_EQ(attempt("wrong-name", 0, NULL, "localhost", EVL_TLS_VERIFY_NAME, what, sizeof(what)),
            EVL_TLS_FAILED);
  assert_contains(what, "the server's certificate does not name localhost");
  ASSERT_EQ(last_reason, EVL_TLS_R_NAME_MISMATCH);

  ASSERT_EQ(attempt("server", 0, NULL, "127.0.0.2", EVL_TLS_VERIFY_NAME, what, sizeof(what)),
            EVL_TLS_FAILED);
  assert_contains(what, "does not name the address 127.0.0.2");
  ASSERT_EQ(last_reason, EVL_TLS_R_NAME_MISMATCH);
  ASSERT_STR_EQ(sni, ""); /* no SNI for an address */

  /* Trust is never relaxed by turning off the name check: only the name goes unchecked. */
  ASSERT_EQ(attempt("untrusted", 0, NULL, "localhost", 0, what, sizeof(what)), EVL_TLS_FAILED);
  assert_contains(what, "not trusted");
}

TEST_IMPL(certificate_accepted) {
  char what[512];

  ASSERT_EQ(attempt("server", 0, NULL, "127.0.0.1", EVL_TLS_VERIFY_NAME, what, sizeof(what)),
            EVL_TLS_DONE);
  ASSERT_STR_EQ(sni, "");
  ASSERT_EQ(attempt("wrong-name", 0, NULL, "localhost", 0, what, sizeof(what)), EVL_TLS_DONE);
  /* SNI names whatever the caller names, checked or not. */
  ASSERT_STR_EQ(sni, "localhost");
  ASSERT_EQ(attempt("wrong-name", 0, NULL, "elsewhere.example", EVL_TLS_VERIFY_NAME, what, sizeof(what)),
            EVL_TLS_DONE);
  ASSERT_STR_EQ(sni, "elsewhere.example");
}

/* A plain Redis server answers the ClientHello as if it were a command. */
TEST_IMPL(server_without_tls) {
  static const char answer[] = "-ERR unknown command '\x16\x03\x01', with args beginning with:\r\n";
  evl_tls_context_t *ctx = evl_test_tls_context("ca.pem", NULL, EVL_TLS_V1_2, EVL_TLS_V1_3);
  evl_tls_session_t *c = session(ctx, "localhost", EVL_TLS_VERIFY_NAME);
  char buf[4096];

  ASSERT_EQ(ops->handshake(c), EVL_TLS_AGAIN);
  ASSERT_GT(ops->take(c, buf, sizeof(buf)), 0); /* the ClientHello */
  ASSERT_EQ(ops->answered(c), 0);
  ASSERT_EQ(ops->reason(c), EVL_TLS_R_NONE);
  ASSERT_OK(ops->feed(c, answer, sizeof(answer) - 1));
  ASSERT_EQ(ops->answered(c), -1);
  ASSERT_EQ(ops->handshake(c), EVL_TLS_FAILED);
  ASSERT_EQ(ops->reason(c), EVL_TLS_R_NOT_TLS);
  assert_contains(ops->error(c), "TLS handshake with localhost failed: the server does not speak TLS "
                                 "on this port (it answered \"-ERR unknown command '\\x16\\x03");
  ops->session_free(c);

  /* One that hangs up without a word, and one that hangs up in the middle of its answer. */
  c = session(ctx, "localhost", EVL_TLS_VERIFY_NAME);
  ASSERT_EQ(ops->handshake(c), EVL_TLS_AGAIN);
  ASSERT_EQ(ops->closed(c), EVL_TLS_FAILED);
  ASSERT_EQ(ops->reason(c), EVL_TLS_R_NOT_TLS);
  assert_contains(ops->error(c), "closed the connection without answering in TLS");
  ops->session_free(c);
  c = session(ctx, "localhost", EVL_TLS_VERIFY_NAME);
  ASSERT_EQ(ops->handshake(c), EVL_TLS_AGAIN);
  ASSERT_OK(ops->feed(c, "\x16\x03\x03\x00\x40", 5)); /* a record header, then nothing */
  ASSERT_EQ(ops->answered(c), 1);
  ASSERT_EQ(ops->handshake(c), EVL_TLS_AGAIN);
  ASSERT_EQ(ops->closed(c), EVL_TLS_FAILED);
  ASSERT_EQ(ops->reason(c), EVL_TLS_R_CLOSED);
  assert_contains(ops->error(c), "in the middle of the handshake");
  ops->session_free(c);
  evl_tls_context_free(ctx);
}

TEST_IMPL(client_certificate) {
  evl_tls_context_t *ctx;
  evl_tls_session_t *c;
  server_t s;
  char buf[256];
  ptrdiff_t n;
  int rc;
  char what[512];

  /* TLS 1.3: the client is done first and hears of the refusal at its first read. */
  ctx = evl_test_tls_context("ca.pem", NULL, EVL_TLS_V1_3, EVL_TLS_V1_3);
  c = session(ctx, "localhost", EVL_TLS_VERIFY_NAME);
  server_start(&s, "server", 1, TLS1_2_VERSION, TLS1_3_VERSION);
  rc = handshake(c, &s, 16 * 1024);
  ASSERT_EQ(rc, EVL_TLS_DONE);
  n = ops->read(c, buf, sizeof(buf));
  ASSERT_EQ(n, EVL_TLS_FAILED);
  ASSERT_EQ(ops->reason(c), EVL_TLS_R_ALERT + 116);
  ASSERT_EQ(ops->closed(c), EVL_TLS_DONE); /* after the handshake: nothing changes */
  assert_contains(ops->error(c), "TLS connection to localhost failed: the server requires a client certificate");
  ops->session_free(c);
  evl_tls_context_free(ctx);
  server_stop(&s);

  /* TLS 1.2: the handshake itself fails. */
  ctx = evl_test_tls_context("ca.pem", NULL, EVL_TLS_V1_2, EVL_TLS_V1_2);
  c = session(ctx, "localhost", EVL_TLS_VERIFY_NAME);
  server_start(&s, "server", 1, TLS1_2_VERSION, TLS1_3_VERSION);
  ASSERT_EQ(handshake(c, &s, 16 * 1024), EVL_TLS_FAILED);
  assert_contains(ops->error(c), "TLS handshake with localhost failed: the server refused the handshake");
  ops->session_free(c);
  evl_tls_context_free(ctx);
  server_stop(&s);

  /* With the certificate, both ways through. */
  ASSERT_EQ(attempt("server", 1, "client", "localhost", EVL_TLS_VERIFY_NAME, what, sizeof(what)),
            EVL_TLS_DONE);
  ASSERT_STR_EQ(what, "TLSv1.3");
}

TEST_IMPL(no_common_version) {
  evl_tls_context_t *ctx = evl_test_tls_context("ca.pem", NULL, EVL_TLS_V1_2, EVL_TLS_V1_2);
  evl_tls_session_t *c = session(ctx, "localhost", EVL_TLS_VERIFY_NAME);
  server_t s;

  server_start(&s, "server", 0, TLS1_3_VERSION, TLS1_3_VERSION);
  ASSERT_EQ(handshake(c, &s, 16 * 1024), EVL_TLS_FAILED);
  assert_contains(ops->error(c), "protocol version");
  ASSERT_EQ(ops->reason(c), EVL_TLS_R_ALERT + 70);
  ops->session_free(c);
  evl_tls_context_free(ctx);
  server_stop(&s);
}

static void assert_context_refused(const uint8_t *ca, int32_t ca_len, const uint8_t *chain,
                                   int32_t chain_len, const uint8_t *key, int32_t key_len,
                                   int32_t min, int32_t max, const char *expected) {
  evl_tls_context_t *ctx = (evl_tls_context_t *) 1;
  char error[256];

  ASSERT_EQ(evl_tls_context_new(ca, ca_len, chain, chain_len, key, key_len, min, max, error,
                                (int32_t) sizeof(error), &ctx),
            EVL_TLS_EINVAL);
  ASSERT_NULL(ctx);
  assert_contains(error, expected);
  ASSERT_EQ(ERR_peek_error(), 0); /* nothing left behind for another connection to find */
}

TEST_IMPL(context_refusals) {
  static const uint8_t garbage[] = "not a certificate\n";
  int32_t ca_len, other_len, chain_len, key_len, server_key_len;
  uint8_t *ca = evl_test_tls_read("ca.pem", &ca_len);
  uint8_t *other = evl_test_tls_read("other-ca.pem", &other_len);
  uint8_t *chain = evl_test_tls_read("client.pem", &chain_len);
  uint8_t *key = evl_test_tls_read("client.key", &key_len);
  uint8_t *server_key = evl_test_tls_read("server.key", &server_key_len);
  uint8_t *both = malloc((size_t) ca_len + (size_t) other_len + (size_t) ca_len);
  evl_tls_context_t *ctx = NULL;
  char error[256];

  assert_context_refused(NULL, 0, NULL, 0, NULL, 0, EVL_TLS_V1_2, EVL_TLS_V1_3, "no trusted certificates");
  assert_context_refused(garbage, sizeof(garbage) - 1, NULL, 0, NULL, 0, EVL_TLS_V1_2, EVL_TLS_V1_3,
                         "hold no PEM certificate");
  assert_context_refused(ca, ca_len, chain, chain_len, NULL, 0, EVL_TLS_V1_2, EVL_TLS_V1_3,
                         "needs both its chain and its key");
  assert_context_refused(ca, ca_len, chain, chain_len, server_key, server_key_len, EVL_TLS_V1_2,
                         EVL_TLS_V1_3, "the client private key does not match the client certificate");
  assert_context_refused(ca, ca_len, chain, chain_len, garbage, sizeof(garbage) - 1, EVL_TLS_V1_2,
                         EVL_TLS_V1_3, "cannot read the client private key");
  assert_context_refused(ca, ca_len, garbage, sizeof(garbage) - 1, key, key_len, EVL_TLS_V1_2,
                         EVL_TLS_V1_3, "cannot read the client certificate chain");
  assert_context_refused(ca, ca_len, NULL, 0, NULL, 0, EVL_TLS_V1_3, EVL_TLS_V1_2, "protocol versions");
  assert_context_refused(ca, ca_len, NULL, 0, NULL, 0, 0x0301, EVL_TLS_V1_2, "protocol versions");

  /* A bundle listing a certificate twice is fine. */
  ASSERT_NOT_NULL(both);
  memcpy(both, ca, (size_t) ca_len);
  memcpy(both + ca_len, other, (size_t) other_len);
  memcpy(both + ca_len + other_len, ca, (size_t) ca_len);
  ASSERT_OK(evl_tls_context_new(both, ca_len * 2 + other_len, chain, chain_len, key, key_len,
                                EVL_TLS_V1_2, EVL_TLS_V1_3, error, (int32_t) sizeof(error), &ctx));
  ASSERT_EQ(ERR_peek_error(), 0);
  evl_tls_context_free(ctx);
  evl_tls_context_free(NULL);

  free(ca);
  free(other);
  free(chain);
  free(key);
  free(server_key);
  free(both);
}

TEST_IMPL(session_refusals) {
  evl_tls_context_t *ctx = evl_test_tls_context("ca.pem", NULL, EVL_TLS_V1_2, EVL_TLS_V1_3);
  evl_tls_session_t *c = (evl_tls_session_t *) 1;
  char error[128];
  char name[300];
  char buf[16];

  ASSERT_EQ(ops->session_new(ctx, "", EVL_TLS_VERIFY_NAME, &c, error, sizeof(error)), EVL_TLS_EINVAL);
  ASSERT_NULL(c);
  memset(name, 'a', sizeof(name) - 1);
  name[sizeof(name) - 1] = '\0';
  ASSERT_EQ(ops->session_new(ctx, name, EVL_TLS_VERIFY_NAME, &c, error, sizeof(error)), EVL_TLS_EINVAL);
  ASSERT_EQ(ops->session_new(ctx, "localhost", 2, &c, error, sizeof(error)), EVL_TLS_EINVAL);
  ASSERT_EQ(ops->session_new(NULL, "localhost", 0, &c, error, sizeof(error)), EVL_TLS_EINVAL);

  /* No application data before the handshake, either way. */
  c = session(ctx, "localhost", EVL_TLS_VERIFY_NAME);
  ASSERT_EQ(ops->read(c, buf, sizeof(buf)), EVL_TLS_FAILED);
  ASSERT_EQ(ops->write(c, "x", 1), EVL_TLS_FAILED);
  assert_contains(ops->error(c), "before the handshake");
  ops->session_free(c);
  ops->session_free(NULL);
  evl_tls_context_free(ctx);
}

int main(int argc, char **argv) {
  ops = evl_tls_ops();
  evl_test_tls_make_certificates();
  RUN_TEST(ops_table);
  RUN_TEST(handshake_and_versions);
  RUN_TEST(a_megabyte_each_way);
  RUN_TEST(certificate_refused);
  RUN_TEST(certificate_accepted);
  RUN_TEST(server_without_tls);
  RUN_TEST(client_certificate);
  RUN_TEST(no_common_version);
  RUN_TEST(context_refusals);
  RUN_TEST(session_refusals);
  return 0;
}
