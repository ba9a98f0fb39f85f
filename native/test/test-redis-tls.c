/*
 * Redis connections over TLS (evl_redis_connect_tls() with libevloop-tls) against a real
 * redis-server with a TLS port, its certificates made at test time (tls-test.h): commands
 * sent before the handshake is done, a 4 MiB value written and read back with a thousand
 * pipelined commands behind it, the certificate refusals, client certificates required,
 * TLS against a port that does not speak it and plain TCP against one that does, closing
 * in the middle of a handshake, and the arguments refused.
 * Skipped, saying so, when redis-server or the openssl command is not installed.
 */
#include "redis-test.h"
#include "tls-test.h"

static const evl_tls_ops_t *ops;
static evl_test_redis_t server;
static evl_redis_t *conn;
static evl_tls_context_t *context;
static const char *server_name;
static int32_t tls_flags;
static int port;
static evl_test_bytes_t received;
static evl_test_batch_t batch;
static int connected_cb_called;
static int data_cb_called;
static int closed_cb_called;
static int closed_kind;
static int closed_reason;
static char closed_error[512];
static void (*on_connected)(void);
static void (*on_data)(void);

static void reset(evl_tls_context_t *ctx, const char *name, int32_t flags, int to_port,
                  void (*connected)(void), void (*data)(void)) {
  conn = NULL;
  context = ctx;
  server_name = name;
  tls_flags = flags;
  port = to_port;
  connected_cb_called = 0;
  data_cb_called = 0;
  closed_cb_called = 0;
  closed_kind = EVL_REDIS_ERR_NONE;
  closed_reason = -1;
  closed_error[0] = '\0';
  on_connected = connected;
  on_data = data;
  evl_test_bytes_free(&received);
  batch.count = 0;
  batch.len = 0;
}

static void close_and_finish(void) {
  ASSERT_OK(evl_redis_close(conn));
  conn = NULL;
  evl_test_finish();
}

static void on_event(int32_t event, int64_t arg) {
  ASSERT_EQ(arg, 11);
  switch (event) {
  case EVL_EVENT_REDIS_CONNECTED:
    ASSERT_EQ(connected_cb_called, 0);
    ASSERT_EQ(closed_cb_called, 0);
    connected_cb_called++;
    on_connected();
    break;
  case EVL_EVENT_REDIS_DATA:
    ASSERT_EQ(connected_cb_called, 1);
    data_cb_called++;
    on_data();
    break;
  case EVL_EVENT_REDIS_CLOSED:
    ASSERT_EQ(closed_cb_called, 0);
    closed_cb_called++;
    closed_kind = evl_redis_error_kind(conn);
    closed_reason = evl_redis_tls_reason(conn);
    snprintf(closed_error, sizeof(closed_error), "%s", evl_redis_error(conn));
    close_and_finish();
    break;
  default:
    ASSERT(0 && "unexpected event");
  }
}

static void connect_tls(void) {
  ASSERT_OK(evl_redis_connect_tls(evl_test_loop, 11, "127.0.0.1", port, ops, context, server_name,
                                  tls_flags, &conn));
  ASSERT_OK(evl_redis_set_keepalive(conn, 7));
}

static void assert_contains(const char *text, const char *part) {
  if (strstr(text, part) == NULL) {
    fprintf(stderr, "expected \"%s\" in \"%s\"\n", part, text);
    ASSERT(0 && "message");
  }
}

static void ignore(void) {
}

/* A redis-server with a plain and a TLS port, presenting server.pem; auth_clients is its
 * tls-auth-clients, "yes" to require a client certificate issued by the CA. */
static void start_tls_server(evl_test_redis_t *r, const char *auth_clients) {
  static char cert[256];
  static char key[256];
  static char ca[256];
  const char *args[] = {"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", ca,
                        "--tls-auth-clients", auth_clients, NULL};

  snprintf(cert, sizeof(cert), "%s", evl_test_tls_path("server.pem"));
  snprintf(key, sizeof(key), "%s", evl_test_tls_path("server.key"));
  snprintf(ca, sizeof(ca), "%s", evl_test_tls_path("ca.pem"));
  evl_test_redis_start_with(r, 1, args);
}

/* ---- a round trip with a large value ---- */

#define BIG (4 << 20)
#define PIPELINED 1000

static char *big_value;
static evl_test_bytes_t expected;

static void round_trip_start(void) {
  connect_tls();
  ASSERT_EQ(evl_redis_tls_progress(conn), EVL_REDIS_TLS_NONE); /* not even TCP yet */
  /* Before the handshake: it waits in the output buffer, and is never sent in clear. */
  EVL_TEST_CMD(&batch, "PING");
  evl_test_batch_send(conn, &batch);
}

static void round_trip_connected(void) {
  ASSERT_EQ(evl_redis_tls_progress(conn), EVL_REDIS_TLS_UP);
  ASSERT_EQ(evl_redis_tls_reason(conn), EVL_TLS_R_NONE);
  char head[64];
  int n = snprintf(head, sizeof(head), "*3\r\n$3\r\nSET\r\n$7\r\ntls:big\r\n$%d\r\n", BIG);
  size_t len = (size_t) n + BIG + 2;
  uint8_t *set = malloc(len);
  int32_t end = (int32_t) len;
  int i;

  ASSERT_NOT_NULL(set);
  memcpy(set, head, (size_t) n);
  memcpy(set + n, big_value, BIG);
  memcpy(set + n + BIG, "\r\n", 2);
  ASSERT_OK(evl_redis_send(conn, set, &end, 1, 0));
  free(set);
  EVL_TEST_CMD(&batch, "GET", "tls:big");
  for (i = 0; i < PIPELINED; i++)
    EVL_TEST_CMD(&batch, "INCR", "tls:n");
  EVL_TEST_CMD(&batch, "DEL", "tls:big", "tls:n");
  evl_test_batch_send(conn, &batch);
}

static void round_trip_data(void) {
  evl_test_read_all(conn, &received);
  if (received.len < expected.len)
    return;
  ASSERT_EQ(received.len, (int64_t) expected.len);
  ASSERT_OK(memcmp(received.data, expected.data, expected.len));
  close_and_finish();
}

TEST_IMPL(tls_round_trip) {
  evl_tls_context_t *ctx = evl_test_tls_context("ca.pem", NULL, EVL_TLS_V1_2, EVL_TLS_V1_3);
  int32_t versions[][2] = {{EVL_TLS_V1_2, EVL_TLS_V1_3}, {EVL_TLS_V1_2, EVL_TLS_V1_2}};
  size_t v;
  int i;

  big_value = malloc(BIG);
  ASSERT_NOT_NULL(big_value);
  for (i = 0; i < BIG; i++)
    big_value[i] = (char) ((i * 7 + (i >> 13)) % 251);
  evl_test_bytes_add(&expected, "+PONG\r\n+OK\r\n", 12);
  evl_test_bytes_printf(&expected, "$%lld\r\n", BIG);
  evl_test_bytes_add(&expected, big_value, BIG);
  evl_test_bytes_add(&expected, "\r\n", 2);
  for (i = 1; i <= PIPELINED; i++)
    evl_test_bytes_printf(&expected, ":%lld\r\n", i);
  evl_test_bytes_add(&expected, ":2\r\n", 4);

  for (v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
    evl_tls_context_t *c = evl_test_tls_context("ca.pem", NULL, versions[v][0], versions[v][1]);

    reset(c, "localhost", EVL_TLS_VERIFY_NAME, server.tls_port, round_trip_connected, round_trip_data);
    /* The connection holds its own reference: the context may go at once. */
    evl_test_run(round_trip_start, on_event, 20000);
    evl_tls_context_free(c);
    ASSERT_EQ(connected_cb_called, 1);
    ASSERT_EQ(closed_cb_called, 0);
    fprintf(stderr, "  %d DATA upcalls for %d replies, %d bytes\n", data_cb_called, PIPELINED + 4,
            (int) expected.len);
  }

  /* By address, checked against the certificate's IP subjectAltName. */
  reset(ctx, "127.0.0.1", EVL_TLS_VERIFY_NAME, server.tls_port, round_trip_connected, round_trip_data);
  evl_test_run(round_trip_start, on_event, 20000);
  ASSERT_EQ(connected_cb_called, 1);
  ASSERT_EQ(closed_cb_called, 0);

  evl_tls_context_free(ctx);
  evl_test_bytes_free(&expected);
  free(big_value);
}

/* ---- refusals: CLOSED with EVL_REDIS_ERR_TLS and why, never CONNECTED ---- */

static void refused_for(evl_tls_context_t *ctx, const char *name, int32_t flags, int to_port,
                        int32_t reason, const char *why) {
  reset(ctx, name, flags, to_port, ignore, ignore);
  evl_test_run(connect_tls, on_event, 10000);
  ASSERT_EQ(connected_cb_called, 0);
  ASSERT_EQ(closed_cb_called, 1);
  ASSERT_EQ(closed_kind, EVL_REDIS_ERR_TLS);
  ASSERT_EQ(closed_reason, reason);
  assert_contains(closed_error, why);
  fprintf(stderr, "  refused: %s\n", closed_error);
}

TEST_IMPL(tls_certificate_refused) {
  evl_tls_context_t *other = evl_test_tls_context("other-ca.pem", NULL, EVL_TLS_V1_2, EVL_TLS_V1_3);
  evl_tls_context_t *ctx = evl_test_tls_context("ca.pem", NULL, EVL_TLS_V1_2, EVL_TLS_V1_3);

  refused_for(other, "localhost", EVL_TLS_VERIFY_NAME, server.tls_port, EVL_TLS_R_UNTRUSTED,
          "TLS handshake with localhost failed: the server's certificate is not trusted");
  refused_for(other, "localhost", 0, server.tls_port, EVL_TLS_R_UNTRUSTED, "not trusted");
  refused_for(ctx, "elsewhere.example", EVL_TLS_VERIFY_NAME, server.tls_port, EVL_TLS_R_NAME_MISMATCH,
          "the server's certificate does not name elsewhere.example");
  refused_for(ctx, "127.0.0.2", EVL_TLS_VERIFY_NAME, server.tls_port, EVL_TLS_R_NAME_MISMATCH,
          "does not name the address 127.0.0.2");

  /* The name check off: the certificate is still checked, its names are not. */
  reset(ctx, "elsewhere.example", 0, server.tls_port, close_and_finish, ignore);
  evl_test_run(connect_tls, on_event, 10000);
  ASSERT_EQ(connected_cb_called, 1);
  ASSERT_EQ(closed_cb_called, 0);

  evl_tls_context_free(other);
  evl_tls_context_free(ctx);
}

/* ---- client certificates ---- */

static void ping_connected(void) {
  EVL_TEST_CMD(&batch, "PING");
  evl_test_batch_send(conn, &batch);
}

static void pong_data(void) {
  evl_test_read_all(conn, &received);
  ASSERT_STR_EQ(received.data, "+PONG\r\n");
  close_and_finish();
}

TEST_IMPL(tls_client_certificate) {
  evl_test_redis_t mtls;
  evl_tls_context_t *none = evl_test_tls_context("ca.pem", NULL, EVL_TLS_V1_3, EVL_TLS_V1_3);
  evl_tls_context_t *none12 = evl_test_tls_context("ca.pem", NULL, EVL_TLS_V1_2, EVL_TLS_V1_2);
  evl_tls_context_t *client = evl_test_tls_context("ca.pem", "client", EVL_TLS_V1_2, EVL_TLS_V1_3);

  start_tls_server(&mtls, "yes");

  /* TLS 1.3: the client's side of the handshake completes before the server has looked at
   * its (missing) certificate, so the refusal may come just after CONNECTED; either way the
   * connection ends with the reason. */
  reset(none, "localhost", EVL_TLS_VERIFY_NAME, mtls.tls_port, ping_connected, ignore);
  evl_test_run(connect_tls, on_event, 10000);
  ASSERT_EQ(closed_cb_called, 1);
  ASSERT_EQ(closed_kind, EVL_REDIS_ERR_TLS);
  assert_contains(closed_error, "the server requires a client certificate");
  ASSERT_EQ(closed_reason, EVL_TLS_R_ALERT + 116); /* certificate_required */
  fprintf(stderr, "  refused (TLS 1.3, CONNECTED %d): %s\n", connected_cb_called, closed_error);

  /* TLS 1.2: within the handshake. */
  /* handshake_failure (40) */
  refused_for(none12, "localhost", EVL_TLS_VERIFY_NAME, mtls.tls_port, EVL_TLS_R_ALERT + 40,
              "the server refused the handshake");

  reset(client, "localhost", EVL_TLS_VERIFY_NAME, mtls.tls_port, ping_connected, pong_data);
  evl_test_run(connect_tls, on_event, 10000);
  ASSERT_EQ(connected_cb_called, 1);
  ASSERT_EQ(closed_cb_called, 0);

  evl_test_redis_kill(&mtls);
  evl_tls_context_free(none);
  evl_tls_context_free(none12);
  evl_tls_context_free(client);
}

/* ---- the wrong kind of port ---- */

TEST_IMPL(tls_to_a_plain_port) {
  /* A plain Redis takes the ClientHello for a command it does not know. */
  static const char answer[] = "-ERR unknown command '\x16\x03\x01\x02', with args beginning with: \r\n";
  evl_tls_context_t *ctx = evl_test_tls_context("ca.pem", NULL, EVL_TLS_V1_2, EVL_TLS_V1_3);
  evl_test_fake_t fake;

  memset(&fake, 0, sizeof(fake));
  evl_test_fake_start(&fake, answer, sizeof(answer) - 1);
  refused_for(ctx, "localhost", EVL_TLS_VERIFY_NAME, fake.port, EVL_TLS_R_NOT_TLS,
          "the server does not speak TLS on this port (it answered \"-ERR unknown command");
  evl_test_fake_stop(&fake);

  /* One that says nothing and hangs up. */
  memset(&fake, 0, sizeof(fake));
  fake.hangup = 1;
  evl_test_fake_start(&fake, "", 0);
  refused_for(ctx, "localhost", EVL_TLS_VERIFY_NAME, fake.port, EVL_TLS_R_NOT_TLS,
          "TLS handshake with localhost failed: the server closed the connection without answering in TLS");
  evl_test_fake_stop(&fake);
  evl_tls_context_free(ctx);
}

static void plain_start(void) {
  ASSERT_OK(evl_redis_connect_tcp(evl_test_loop, 11, "127.0.0.1", server.tls_port, &conn));
  ASSERT_EQ(evl_redis_tls_progress(conn), EVL_REDIS_TLS_NONE);
  ASSERT_EQ(evl_redis_tls_progress(NULL), EVL_REDIS_TLS_NONE);
  ASSERT_EQ(evl_redis_tls_reason(NULL), EVL_TLS_R_NONE);
}

TEST_IMPL(plain_to_a_tls_port) {
  reset(NULL, NULL, 0, server.tls_port, ping_connected, ignore);
  evl_test_run(plain_start, on_event, 10000);
  ASSERT_EQ(closed_cb_called, 1);
  ASSERT_EQ(closed_reason, EVL_TLS_R_NONE);
  fprintf(stderr, "  plain TCP to the TLS port: kind %d, %s\n", closed_kind, closed_error);
  /* A TLS server answers the command with an alert, or just hangs up. */
  if (closed_kind == EVL_REDIS_ERR_PROTOCOL)
    assert_contains(closed_error, "the server answered with TLS, not RESP");
  else
    ASSERT(closed_kind == EVL_REDIS_ERR_EOF || closed_kind == EVL_REDIS_ERR_IO);
}

/* ---- closing while the handshake waits for the server ---- */

static evl_timer_t *close_timer;

static void close_mid_handshake_event(int32_t event, int64_t arg) {
  ASSERT_EQ(event, EVL_EVENT_TIMER); /* no Redis event at all */
  ASSERT_EQ(arg, 5);
  /* Connected over TCP, the ClientHello sent, nothing back: what a timed-out connect reports. */
  ASSERT_EQ(evl_redis_tls_progress(conn), EVL_REDIS_TLS_SILENT);
  ASSERT_OK(evl_redis_close(conn));
  conn = NULL;
  ASSERT_OK(evl_timer_close(close_timer));
  evl_test_finish();
}

static void close_mid_handshake_start(void) {
  connect_tls();
  EVL_TEST_CMD(&batch, "PING");
  evl_test_batch_send(conn, &batch);
  ASSERT_OK(evl_timer_create(evl_test_loop, 5, &close_timer));
  ASSERT_OK(evl_timer_start(close_timer, 200, 0));
}

TEST_IMPL(tls_close_mid_handshake) {
  evl_tls_context_t *ctx = evl_test_tls_context("ca.pem", NULL, EVL_TLS_V1_2, EVL_TLS_V1_3);
  evl_test_fake_t fake;

  memset(&fake, 0, sizeof(fake));
  evl_test_fake_start(&fake, "", 0); /* reads the ClientHello, answers nothing */
  reset(ctx, "localhost", EVL_TLS_VERIFY_NAME, fake.port, ignore, ignore);
  evl_test_run(close_mid_handshake_start, close_mid_handshake_event, 10000);
  evl_test_fake_stop(&fake);
  evl_tls_context_free(ctx);
}

/* ---- arguments ---- */

static void invalid_start(void) {
  evl_tls_ops_t other = *ops;
  evl_redis_t *c = (evl_redis_t *) 1;

  ASSERT_EQ(evl_redis_connect_tls(evl_test_loop, 11, "127.0.0.1", 6379, NULL, context, "localhost", 0, &c),
            EVL_EINVAL);
  ASSERT_NULL(c);
  ASSERT_EQ(evl_redis_connect_tls(evl_test_loop, 11, "127.0.0.1", 6379, ops, NULL, "localhost", 0, &c),
            EVL_EINVAL);
  ASSERT_EQ(evl_redis_connect_tls(evl_test_loop, 11, "127.0.0.1", 6379, ops, context, NULL, 0, &c),
            EVL_EINVAL);
  ASSERT_EQ(evl_redis_connect_tls(evl_test_loop, 11, "127.0.0.1", 6379, ops, context, "", 0, &c),
            EVL_EINVAL);
  ASSERT_EQ(evl_redis_connect_tls(evl_test_loop, 11, "localhost", 6379, ops, context, "localhost", 0, &c),
            EVL_EINVAL);
  ASSERT_EQ(evl_redis_connect_tls(evl_test_loop, 11, "127.0.0.1", 0, ops, context, "localhost", 0, &c),
            EVL_EINVAL);
  ASSERT_EQ(evl_redis_connect_tls(evl_test_loop, 11, "127.0.0.1", 6379, ops, context, "localhost", 4, &c),
            EVL_EINVAL);
  other.abi = EVL_TLS_ABI + 1;
  ASSERT_EQ(evl_redis_connect_tls(evl_test_loop, 11, "127.0.0.1", 6379, &other, context, "localhost", 0, &c),
            EVL_EINVAL);
  other = *ops;
  other.size = sizeof(other) - 1;
  ASSERT_EQ(evl_redis_connect_tls(evl_test_loop, 11, "127.0.0.1", 6379, &other, context, "localhost", 0, &c),
            EVL_EINVAL);
  ASSERT_EQ(evl_redis_connect_tls(evl_test_loop, 11, "127.0.0.1", 6379, ops, context, "localhost", 0, NULL),
            EVL_EINVAL);
  ASSERT_NULL(c);

  /* Closed before the loop turns: nothing follows. */
  ASSERT_OK(evl_redis_connect_tls(evl_test_loop, 11, "127.0.0.1", server.tls_port, ops, context,
                                  "localhost", EVL_TLS_VERIFY_NAME, &c));
  ASSERT_OK(evl_redis_close(c));
  evl_test_finish();
}

TEST_IMPL(tls_connect_invalid) {
  evl_tls_context_t *ctx = evl_test_tls_context("ca.pem", NULL, EVL_TLS_V1_2, EVL_TLS_V1_3);

  reset(ctx, "localhost", 0, 0, ignore, ignore);
  evl_test_run(invalid_start, on_event, 5000);
  ASSERT_EQ(closed_cb_called, 0);
  evl_tls_context_free(ctx);
}

int main(int argc, char **argv) {
  evl_test_require_redis();
  evl_test_tls_make_certificates();
  ops = evl_tls_ops();
  start_tls_server(&server, "no");
  RUN_TEST(tls_round_trip);
  RUN_TEST(tls_certificate_refused);
  RUN_TEST(tls_client_certificate);
  RUN_TEST(tls_to_a_plain_port);
  RUN_TEST(plain_to_a_tls_port);
  RUN_TEST(tls_close_mid_handshake);
  RUN_TEST(tls_connect_invalid);
  evl_test_redis_kill(&server);
  evl_test_bytes_free(&received);
  return 0;
}
