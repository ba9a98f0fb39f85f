/*
 * Redis connections against a real redis-server that each test starts on a free loopback
 * port (and a Unix socket) and kills at the end: round trips of every reply type (RESP2, and
 * RESP3 after HELLO 3: pushes and attributes from DEBUG PROTOCOL included), pipelined
 * replies arriving in few DATA upcalls, closing from inside the DATA and CLOSED upcalls, a
 * server killed mid-flight, and a loop destroyed with a live connection.
 * Skipped, saying so, when redis-server is not installed.
 */
#include "redis-test.h"

static evl_test_redis_t server;
static evl_redis_t *conn;
static evl_test_bytes_t received;
static evl_test_batch_t batch;
static int connected_cb_called;
static int data_cb_called;
static int closed_cb_called;
static void (*on_connected)(void);
static void (*on_data)(void);
static void (*on_closed)(void);

static void reset(void (*connected)(void), void (*data)(void), void (*closed)(void)) {
  conn = NULL;
  connected_cb_called = 0;
  data_cb_called = 0;
  closed_cb_called = 0;
  on_connected = connected;
  on_data = data;
  on_closed = closed;
  evl_test_bytes_free(&received);
  batch.count = 0;
  batch.len = 0;
}

static void on_event(int32_t event, int64_t arg) {
  ASSERT_EQ(arg, 9);
  switch (event) {
  case EVL_EVENT_REDIS_CONNECTED:
    ASSERT_EQ(connected_cb_called, 0);
    ASSERT_EQ(closed_cb_called, 0);
    connected_cb_called++;
    on_connected();
    break;
  case EVL_EVENT_REDIS_DATA:
    ASSERT_EQ(connected_cb_called, 1);
    ASSERT_EQ(closed_cb_called, 0);
    data_cb_called++;
    on_data();
    break;
  case EVL_EVENT_REDIS_CLOSED:
    ASSERT_EQ(closed_cb_called, 0);
    closed_cb_called++;
    on_closed();
    break;
  default:
    ASSERT(0 && "unexpected event");
  }
}

/* Every TCP test connection has keepalive on, as evloop's client sets it; bad values are
 * refused. */
static void connect_tcp(void) {
  ASSERT_OK(evl_redis_connect_tcp(evl_test_loop, 9, "127.0.0.1", server.port, &conn));
  ASSERT_EQ(evl_redis_set_keepalive(conn, 0), EVL_EINVAL);
  ASSERT_EQ(evl_redis_set_keepalive(conn, 32768), EVL_EINVAL);
  ASSERT_OK(evl_redis_set_keepalive(conn, 7));
}

static void connect_unix(void) {
  ASSERT_OK(evl_redis_connect_unix(evl_test_loop, 9, server.socket_path, &conn));
  ASSERT_OK(evl_redis_set_keepalive(conn, 7)); /* a no-op on a Unix domain socket */
}

static void close_and_finish(void) {
  ASSERT_OK(evl_redis_close(conn));
  conn = NULL;
  evl_test_finish();
}

static void unexpected_close(void) {
  fprintf(stderr, "closed: %s\n", evl_redis_error(conn));
  ASSERT(0 && "unexpected CLOSED");
}

/* ---- every reply type, byte for byte ---- */

/* Replies to round_trip_connected's commands, as RESP2. A nil array (BLPOP's timeout)
 * comes back as a nil bulk string: hiredis does not tell the two apart, nor does the
 * Java client (both are Reply.NIL). */
static const char expected_round_trip[] =
    "+PONG\r\n"
    "+OK\r\n"
    "$13\r\nv\r\n\0%s\x01\xff\x80 x\r\n\r\n"
    "$-1\r\n"
    ":1\r\n"
    ":2\r\n"
    "-ERR value is not an integer or out of range\r\n"
    "*5\r\n:1\r\n-boom\r\n$1\r\nx\r\n*0\r\n*2\r\n:-7\r\n*1\r\n$0\r\n\r\n"
    "*0\r\n"
    "$-1\r\n"
    ":1\r\n"
    ":1\r\n";

static void round_trip_connected(void) {
  static const char value[] = "v\r\n\0%s\x01\xff\x80 x\r\n";
  char set[128];
  int n;

  EVL_TEST_CMD(&batch, "PING");
  /* SET with a binary value: written by hand, EVL_TEST_CMD takes C strings. */
  n = snprintf(set, sizeof(set), "*3\r\n$3\r\nSET\r\n$5\r\nrt:k1\r\n$%d\r\n",
               (int) sizeof(value) - 1);
  memcpy(batch.buf + batch.len, set, (size_t) n);
  batch.len += n;
  memcpy(batch.buf + batch.len, value, sizeof(value) - 1);
  batch.len += (int32_t) sizeof(value) - 1;
  memcpy(batch.buf + batch.len, "\r\n", 2);
  batch.len += 2;
  batch.ends[batch.count++] = batch.len;
  EVL_TEST_CMD(&batch, "GET", "rt:k1");
  EVL_TEST_CMD(&batch, "GET", "rt:missing");
  EVL_TEST_CMD(&batch, "INCR", "rt:n");
  EVL_TEST_CMD(&batch, "INCR", "rt:n");
  EVL_TEST_CMD(&batch, "INCR", "rt:k1");
  EVL_TEST_CMD(&batch, "EVAL", "return {1, {err='boom'}, 'x', {}, {-7, {''}}}", "0");
  EVL_TEST_CMD(&batch, "LRANGE", "rt:nolist", "0", "-1");
  EVL_TEST_CMD(&batch, "BLPOP", "rt:nolist", "0.01");
  EVL_TEST_CMD(&batch, "DEL", "rt:k1");
  EVL_TEST_CMD(&batch, "DEL", "rt:n");
  evl_test_batch_send(conn, &batch);
}

static void round_trip_data(void) {
  evl_test_read_all(conn, &received);
  if (received.len < sizeof(expected_round_trip) - 1)
    return; /* more to come */
  ASSERT_EQ(received.len, (int64_t) sizeof(expected_round_trip) - 1);
  ASSERT_OK(memcmp(received.data, expected_round_trip, received.len));
  close_and_finish();
}

TEST_IMPL(redis_round_trip) {
  evl_test_redis_start(&server);
  reset(round_trip_connected, round_trip_data, unexpected_close);
  evl_test_run(connect_tcp, on_event, 5000);
  ASSERT_EQ(connected_cb_called, 1);
  ASSERT_EQ(closed_cb_called, 0);

  /* The same over the Unix socket. */
  reset(round_trip_connected, round_trip_data, unexpected_close);
  evl_test_run(connect_unix, on_event, 5000);
  ASSERT_EQ(connected_cb_called, 1);
  evl_test_redis_kill(&server);
}

/* ---- RESP3: every type from a real server, its attribute and its push delivered ---------- */

/* redis-server's major version, from its --version ("Redis server v=7.0.15 ..."); 0 if unknown. */
static int redis_major(void) {
  char path[512];
  char command[600];
  char line[256];
  const char *v;
  FILE *f;
  int major = 0;

  ASSERT(evl_test_find_redis(path, sizeof(path)));
  snprintf(command, sizeof(command), "'%s' --version", path);
  f = popen(command, "r");
  ASSERT_NOT_NULL(f);
  if (fgets(line, sizeof(line), f) != NULL && (v = strstr(line, "v=")) != NULL)
    major = atoi(v + 2);
  pclose(f);
  return major;
}

/* The replies after HELLO 3's map (whose entries name the server's version and the
 * connection's id). DEBUG PROTOCOL attrib sends an attribute before its string, push a push
 * before its; a double comes back in its shortest form. Which double DEBUG PROTOCOL double
 * sends depends on the version (3.14159265359 in Redis 6, 3.141 in 7 and 8): it is compared
 * apart, and this is the rest. */
static const char expected_resp3_head[] =
    "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
    "$39\r\nSome real reply following the attribute\r\n"
    ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"
    "$40\r\nSome real reply following the push reply\r\n";
/* Redis 8 sends DEBUG PROTOCOL push's reply before its push, where 6 and 7 send it after. */
static const char expected_resp3_head8[] =
    "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
    "$39\r\nSome real reply following the attribute\r\n"
    "$40\r\nSome real reply following the push reply\r\n"
    ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n";
static const char expected_resp3[] =
    "(1234567999999999999999999999999999999\r\n"
    "$-1\r\n"
    "#t\r\n"
    "#f\r\n"
    "=29\r\ntxt:This is a verbatim\nstring\r\n"
    "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"
    "~3\r\n:0\r\n:1\r\n:2\r\n"
    ":1\r\n"
    "%1\r\n$1\r\nf\r\n$1\r\nv\r\n"
    ":1\r\n"
    ",1.5\r\n"
    ":2\r\n";

static void resp3_connected(void) {
  static const char *const types[] = {"attrib", "push", "double", "bignum", "null", "true",
                                      "false", "verbatim", "map", "set"};
  size_t i;

  EVL_TEST_CMD(&batch, "HELLO", "3");
  for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
    EVL_TEST_CMD(&batch, "DEBUG", "PROTOCOL", types[i]);
  EVL_TEST_CMD(&batch, "HSET", "rt3:h", "f", "v");
  EVL_TEST_CMD(&batch, "HGETALL", "rt3:h");
  EVL_TEST_CMD(&batch, "ZADD", "rt3:z", "1.5", "m");
  EVL_TEST_CMD(&batch, "ZSCORE", "rt3:z", "m");
  EVL_TEST_CMD(&batch, "DEL", "rt3:h", "rt3:z");
  evl_test_batch_send(conn, &batch);
}

static void resp3_data(void) {
  size_t tail = sizeof(expected_resp3) - 1;
  size_t head = sizeof(expected_resp3_head) - 1;
  const char *at;
  const char *end;

  evl_test_read_all(conn, &received);
  if (received.len < tail || memcmp(received.data + received.len - 4, ":2\r\n", 4) != 0)
    return; /* more to come */
  ASSERT_OK(memcmp(received.data, "%", 1));
  ASSERT(strstr(received.data, "$5\r\nproto\r\n:3\r\n") != NULL);
  /* head, then the double's line (",3.141...\r\n"), then the rest */
  at = strstr(received.data, expected_resp3_head);
  if (at == NULL)
    at = strstr(received.data, expected_resp3_head8);
  end = at == NULL ? NULL : strstr(at + head, "\r\n");
  if (at == NULL || end == NULL || strncmp(at + head, ",3.141", 6) != 0 ||
      (size_t) (received.data + received.len - (end + 2)) != tail ||
      memcmp(end + 2, expected_resp3, tail) != 0) {
    fprintf(stderr, "received \"%s\"\n", received.data);
    ASSERT(0 && "RESP3 replies differ");
  }
  close_and_finish();
}

TEST_IMPL(redis_resp3_round_trip) {
  static const char *const debug_on[] = {"--enable-debug-command", "yes", NULL};
  int major;

  evl_test_require_redis();
  major = redis_major();
  if (major < 6) {
    fprintf(stderr, "  skipped: redis-server %d speaks no RESP3\n", major);
    return;
  }
  /* Since Redis 7 DEBUG needs enabling; before, the option does not exist. */
  evl_test_redis_start_with(&server, 0, major >= 7 ? debug_on : NULL);
  reset(resp3_connected, resp3_data, unexpected_close);
  evl_test_run(connect_tcp, on_event, 5000);
  ASSERT_EQ(connected_cb_called, 1);
  ASSERT_EQ(closed_cb_called, 0);
  evl_test_redis_kill(&server);
}

/* ---- 1000 pipelined commands: their replies come in few DATA upcalls ---- */

#define PIPELINED 1000

static void pipelined_connected(void) {
  int i;

  for (i = 0; i < PIPELINED; i++)
    EVL_TEST_CMD(&batch, "INCR", "pl:counter");
  evl_test_batch_send(conn, &batch); /* one send for all */
}

static void pipelined_data(void) {
  char expected[16];
  size_t pos = 0;
  int i;

  evl_test_read_all(conn, &received);
  if (received.len < 7 || memcmp(received.data + received.len - 7, ":1000\r\n", 7) != 0)
    return;
  for (i = 1; i <= PIPELINED; i++) {
    int n = snprintf(expected, sizeof(expected), ":%d\r\n", i);
    ASSERT_OK(memcmp(received.data + pos, expected, (size_t) n));
    pos += (size_t) n;
  }
  ASSERT_EQ(pos, received.len);
  close_and_finish();
}

TEST_IMPL(redis_pipelined_batches) {
  evl_test_redis_start(&server);
  reset(pipelined_connected, pipelined_data, unexpected_close);
  evl_test_run(connect_tcp, on_event, 5000);
  /* ~8 KB of replies: one or a few reads, not one upcall per reply. */
  fprintf(stderr, "  %d DATA upcalls for %d replies\n", data_cb_called, PIPELINED);
  ASSERT_GE(data_cb_called, 1);
  ASSERT_LE(data_cb_called, 20);
  evl_test_redis_kill(&server);
}

/* ---- closing from inside the DATA upcall: nothing more for that connection ---- */

static void close_in_data_connected(void) {
  int i;

  for (i = 0; i < 10; i++) {
    EVL_TEST_CMD(&batch, "PING");
    evl_test_batch_send(conn, &batch); /* ten sends: replies may come in several reads */
  }
}

static void close_in_data_data(void) {
  evl_test_read_all(conn, &received);
  ASSERT_OK(evl_redis_close(conn));
  conn = NULL;
  /* Let a turn or two pass: any later upcall for the closed connection fails the test
   * (on_event asserts the order, and DATA after close would read freed memory). */
  evl_test_finish();
}

TEST_IMPL(redis_close_in_data) {
  evl_test_redis_start(&server);
  reset(close_in_data_connected, close_in_data_data, unexpected_close);
  evl_test_run(connect_tcp, on_event, 5000);
  ASSERT_EQ(data_cb_called, 1);
  ASSERT_EQ(closed_cb_called, 0);
  evl_test_redis_kill(&server);
}

/* ---- QUIT: +OK arrives (DATA), then the end (CLOSED); closing inside CLOSED ---- */

static void quit_connected(void) {
  EVL_TEST_CMD(&batch, "QUIT");
  evl_test_batch_send(conn, &batch);
}

static void quit_data(void) {
  evl_test_read_all(conn, &received);
}

static void quit_closed(void) {
  ASSERT_EQ(data_cb_called, 1);
  ASSERT_STR_EQ(received.data, "+OK\r\n");
  ASSERT_EQ(evl_redis_error_kind(conn), EVL_REDIS_ERR_EOF);
  ASSERT_STR_EQ(evl_redis_error(conn), "the server closed the connection");
  ASSERT_EQ(evl_redis_send(conn, (const uint8_t *) "*1\r\n$4\r\nPING\r\n",
                           (const int32_t[]){14}, 1, 0),
            EVL_ESTATE);
  close_and_finish(); /* from inside CLOSED */
}

TEST_IMPL(redis_close_in_closed) {
  evl_test_redis_start(&server);
  reset(quit_connected, quit_data, quit_closed);
  evl_test_run(connect_tcp, on_event, 5000);
  ASSERT_EQ(closed_cb_called, 1);
  evl_test_redis_kill(&server);
}

/* ---- the server killed mid-flight: CLOSED exactly once ---- */

static evl_timer_t *settle_timer;

static void killed_connected(void) {
  int i;

  for (i = 0; i < 1000; i++)
    EVL_TEST_CMD(&batch, "INCR", "k:counter");
  evl_test_batch_send(conn, &batch);
  /* The first replies may or may not be back when the server dies. */
  evl_test_redis_kill(&server);
  for (i = 0; i < 1000; i++)
    EVL_TEST_CMD(&batch, "INCR", "k:counter");
  evl_test_batch_send(conn, &batch); /* written to a dead peer, or refused: never a crash */
}

static void killed_data(void) {
  evl_test_read_all(conn, &received);
}

static void killed_closed(void) {
  int kind = evl_redis_error_kind(conn);

  fprintf(stderr, "  closed after %zu reply bytes: %s\n", received.len, evl_redis_error(conn));
  ASSERT(kind == EVL_REDIS_ERR_EOF || kind == EVL_REDIS_ERR_IO);
  /* Close later, from a timer: CLOSED must not come again meanwhile. */
  ASSERT_OK(evl_timer_create(evl_test_loop, 1, &settle_timer));
  ASSERT_OK(evl_timer_start(settle_timer, 50, 0));
}

static void killed_event(int32_t event, int64_t arg) {
  if (event == EVL_EVENT_TIMER) {
    ASSERT_EQ(arg, 1);
    ASSERT_OK(evl_timer_close(settle_timer));
    close_and_finish();
    return;
  }
  on_event(event, arg);
}

/* ---- EVL_SEND_ENCODED takes the caller's word for the framing: a command that breaks it
 * inside is the server's to refuse (Redis answers with a protocol error and closes), and the
 * shim stays memory-safe (this runs under ASan too) ---- */

static void encoded_connected(void) {
  static const char bad[] = "*1\r\n$x\r\nPING\r\n"; /* shaped like an array, wrong inside */
  int32_t end = (int32_t) sizeof(bad) - 1;

  ASSERT_OK(evl_redis_send(conn, (const uint8_t *) bad, &end, 1, EVL_SEND_ENCODED));
}

static void encoded_data(void) {
  evl_test_read_all(conn, &received);
}

static void encoded_closed(void) {
  fprintf(stderr, "  closed after \"%s\": %s\n", received.data != NULL ? received.data : "",
          evl_redis_error(conn));
  close_and_finish();
}

TEST_IMPL(redis_send_encoded_trusts_the_framing) {
  evl_test_redis_start(&server);
  reset(encoded_connected, encoded_data, encoded_closed);
  evl_test_run(connect_tcp, on_event, 5000);
  ASSERT_EQ(closed_cb_called, 1);
  /* Whatever came before the close is the server's refusal, never a reply to a command. */
  ASSERT(received.len == 0 || strncmp(received.data, "-ERR Protocol error", 19) == 0);
  evl_test_redis_kill(&server);
}

TEST_IMPL(redis_server_killed) {
  evl_test_redis_start(&server);
  reset(killed_connected, killed_data, killed_closed);
  evl_test_run(connect_tcp, killed_event, 5000);
  ASSERT_EQ(closed_cb_called, 1);
}

static void no_data(void) {
  ASSERT(0 && "no DATA expected");
}


/* ---- a loop destroyed with a live connection and commands in flight ---- */

static void destroy_live_connected(void) {
  int i;

  for (i = 0; i < 100; i++)
    EVL_TEST_CMD(&batch, "PING");
  evl_test_batch_send(conn, &batch);
  /* Stop without closing: the destroy in evl_test_run must close and free it all. */
  evl_test_finish();
}

TEST_IMPL(redis_destroy_live) {
  evl_test_redis_start(&server);
  reset(destroy_live_connected, no_data, unexpected_close);
  evl_test_run(connect_tcp, on_event, 5000);
  ASSERT_EQ(connected_cb_called, 1);
  evl_test_redis_kill(&server);
}

/* ---- many connections, each with its own token, on one loop ---- */

#define MANY 50

static evl_redis_t *many[MANY];
static int many_done;

static void many_start(void) {
  int i;

  for (i = 0; i < MANY; i++) {
    ASSERT_OK(evl_redis_connect_tcp(evl_test_loop, 100 + i, "127.0.0.1", server.port,
                                    &many[i]));
  }
}

static void many_event(int32_t event, int64_t arg) {
  evl_test_batch_t one = {0};
  evl_test_bytes_t got = {0};
  int i = (int) (arg - 100);
  char key[32];

  ASSERT_GE(i, 0);
  ASSERT_LT(i, MANY);
  if (event == EVL_EVENT_REDIS_CONNECTED) {
    snprintf(key, sizeof(key), "%d", i);
    EVL_TEST_CMD(&one, "ECHO", key);
    evl_test_batch_send(many[i], &one);
    return;
  }
  ASSERT_EQ(event, EVL_EVENT_REDIS_DATA);
  evl_test_read_all(many[i], &got);
  snprintf(key, sizeof(key), "$%d\r\n%d\r\n", i < 10 ? 1 : 2, i);
  ASSERT_STR_EQ(got.data, key);
  evl_test_bytes_free(&got);
  ASSERT_OK(evl_redis_close(many[i]));
  many[i] = NULL;
  if (++many_done == MANY)
    evl_test_finish();
}

TEST_IMPL(redis_many_connections) {
  evl_test_redis_start(&server);
  many_done = 0;
  evl_test_run(many_start, many_event, 5000);
  ASSERT_EQ(many_done, MANY);
  evl_test_redis_kill(&server);
}

/* ---- a loop destroyed from inside a DATA upcall: its connections' sockets are closed ---- */

#define DOOMED 10

static evl_loop_t *doomed_loop;
static evl_redis_t *doomed[DOOMED];
static int doomed_connected;
static int doomed_wakes;

static int open_fds(void) {
  int fd;
  int n = 0;

  for (fd = 0; fd < 4096; fd++) {
    if (fcntl(fd, F_GETFD) != -1)
      n++;
  }
  return n;
}

static void doomed_event(int32_t event, int64_t arg) {
  evl_test_batch_t one = {0};
  int i;

  if (event == EVL_EVENT_WAKE) {
    if (doomed_wakes++ > 0)
      return;
    for (i = 0; i < DOOMED; i++) {
      ASSERT_OK(evl_redis_connect_tcp(doomed_loop, 200 + i, "127.0.0.1", server.port,
                                      &doomed[i]));
    }
    return;
  }
  ASSERT_NE(event, EVL_EVENT_REDIS_CLOSED);
  i = (int) (arg - 200);
  if (event == EVL_EVENT_REDIS_CONNECTED) {
    if (++doomed_connected < DOOMED)
      return;
    /* Every connection is up: one PING on the first, and commands in flight on the rest. */
    for (i = 0; i < DOOMED; i++) {
      one.count = 0;
      one.len = 0;
      if (i == 0)
        EVL_TEST_CMD(&one, "PING");
      else
        EVL_TEST_CMD(&one, "BLPOP", "k:never", "5");
      evl_test_batch_send(doomed[i], &one);
    }
    return;
  }
  ASSERT_EQ(event, EVL_EVENT_REDIS_DATA);
  ASSERT_EQ(i, 0);
  /* Destroyed from inside its own upcall, with ten connections open and nine waiting. */
  ASSERT_OK(evl_loop_destroy(doomed_loop));
}

/* fds a loop with no connections leaves behind when destroyed from inside a callback. */
static void doomed_empty_event(int32_t event, int64_t arg) {
  (void) arg;
  if (event == EVL_EVENT_WAKE)
    ASSERT_OK(evl_loop_destroy(doomed_loop));
}

static int fds_left_by(evl_event_cb cb) {
  int before = open_fds();

  doomed_wakes = 0;
  doomed_connected = 0;
  ASSERT_OK(evl_loop_create(cb, &doomed_loop));
  ASSERT_OK(evl_loop_wake(doomed_loop));
  ASSERT_OK(evl_loop_run(doomed_loop));
  doomed_loop = NULL; /* abandoned: never touched again */
  return open_fds() - before;
}

TEST_IMPL(redis_destroy_from_callback_closes_sockets) {
  int empty;
  int with_connections;

  evl_test_redis_start(&server);
  empty = fds_left_by(doomed_empty_event);
  with_connections = fds_left_by(doomed_event);
  ASSERT_EQ(doomed_connected, DOOMED);
  fprintf(stderr, "  fds left by a loop destroyed in a callback: %d empty, %d with %d connections\n",
          empty, with_connections, DOOMED);
  /* Only the loop's own descriptors stay (epoll or kqueue, the async handle's). */
  ASSERT_EQ(with_connections, empty);
  evl_test_redis_kill(&server);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  evl_test_require_redis();
  RUN_TEST(redis_round_trip);
  RUN_TEST(redis_resp3_round_trip);
  RUN_TEST(redis_pipelined_batches);
  RUN_TEST(redis_close_in_data);
  RUN_TEST(redis_close_in_closed);
  RUN_TEST(redis_server_killed);
  RUN_TEST(redis_send_encoded_trusts_the_framing);
  RUN_TEST(redis_destroy_live);
  RUN_TEST(redis_many_connections);
  RUN_TEST(redis_destroy_from_callback_closes_sockets);
  evl_test_bytes_free(&received);
  return 0;
}
