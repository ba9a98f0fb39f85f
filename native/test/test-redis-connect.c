/*
 * Redis connections that never get to a server: a refused connect ends with CLOSED and
 * "Connection refused" instead of hanging (libuv reports it as a poll error), a
 * missing socket file is reported on a later turn, bad arguments are refused at the call,
 * and a loop destroyed with connections still open closes them cleanly.
 */
#include "redis-test.h"

static evl_redis_t *conn;
static int connected_cb_called;
static int data_cb_called;
static int closed_cb_called;
static int in_connect; /* an upcall from inside evl_redis_connect_*() would be a bug */
static int port;

static void reset(void) {
  conn = NULL;
  connected_cb_called = 0;
  data_cb_called = 0;
  closed_cb_called = 0;
}

/* ---- a refused connect ends with CLOSED, "Connection refused" ---- */

static void refused_start(void) {
  in_connect = 1;
  ASSERT_OK(evl_redis_connect_tcp(evl_test_loop, 42, "127.0.0.1", port, &conn));
  in_connect = 0;
  ASSERT_NOT_NULL(conn);
  ASSERT_EQ(evl_redis_error_kind(conn), EVL_REDIS_ERR_NONE);
  ASSERT_STR_EQ(evl_redis_error(conn), "");
}

static void refused_event(int32_t event, int64_t arg) {
  ASSERT_EQ(in_connect, 0);
  ASSERT_EQ(arg, 42);
  ASSERT_EQ(event, EVL_EVENT_REDIS_CLOSED);
  closed_cb_called++;
  ASSERT_EQ(evl_redis_error_kind(conn), EVL_REDIS_ERR_IO);
  ASSERT_STR_EQ(evl_redis_error(conn), "Connection refused");
  ASSERT_EQ(evl_redis_send(conn, (const uint8_t *) "*1\r\n$4\r\nPING\r\n",
                           (const int32_t[]){14}, 1, 0),
            EVL_ESTATE);
  ASSERT_OK(evl_redis_close(conn));
  ASSERT_EQ(evl_redis_close(conn), EVL_ESTATE); /* detectable in the same callback */
  conn = NULL;
  evl_test_finish();
}

TEST_IMPL(redis_connect_refused) {
  int round;

  /* A few rounds: the refusal must never be missed. */
  for (round = 0; round < 5; round++) {
    reset();
    port = evl_test_free_port(); /* nothing listens there */
    evl_test_run(refused_start, refused_event, 5000);
    ASSERT_EQ(closed_cb_called, 1);
  }
}

/* ---- a missing socket file: CLOSED on a later turn, never from inside the call ---- */

static void missing_start(void) {
  in_connect = 1;
  ASSERT_OK(evl_redis_connect_unix(evl_test_loop, 7, "/nonexistent-evloop-dir/redis.sock",
                                   &conn));
  in_connect = 0;
  ASSERT_NOT_NULL(conn);
}

static void missing_event(int32_t event, int64_t arg) {
  ASSERT_EQ(in_connect, 0);
  ASSERT_EQ(arg, 7);
  ASSERT_EQ(event, EVL_EVENT_REDIS_CLOSED);
  closed_cb_called++;
  ASSERT_EQ(evl_redis_error_kind(conn), EVL_REDIS_ERR_IO);
  ASSERT_STR_EQ(evl_redis_error(conn), "No such file or directory");
  ASSERT_OK(evl_redis_close(conn));
  conn = NULL;
  evl_test_finish();
}

TEST_IMPL(redis_connect_unix_missing) {
  reset();
  evl_test_run(missing_start, missing_event, 5000);
  ASSERT_EQ(closed_cb_called, 1);
}

/* ---- bad arguments are refused at the call ---- */

static void invalid_start(void) {
  evl_redis_t *c = (evl_redis_t *) &c; /* must be overwritten with NULL */
  char long_path[300];

  ASSERT_EQ(evl_redis_connect_tcp(NULL, 0, "127.0.0.1", 6379, &c), EVL_EINVAL);
  ASSERT_NULL(c);
  ASSERT_EQ(evl_redis_connect_tcp(evl_test_loop, 0, "127.0.0.1", 6379, NULL), EVL_EINVAL);
  ASSERT_EQ(evl_redis_connect_tcp(evl_test_loop, 0, NULL, 6379, &c), EVL_EINVAL);
  ASSERT_EQ(evl_redis_connect_tcp(evl_test_loop, 0, "127.0.0.1", 0, &c), EVL_EINVAL);
  ASSERT_EQ(evl_redis_connect_tcp(evl_test_loop, 0, "127.0.0.1", 65536, &c), EVL_EINVAL);
  /* Host names would be resolved with a blocking getaddrinfo() on the loop thread. */
  ASSERT_EQ(evl_redis_connect_tcp(evl_test_loop, 0, "localhost", 6379, &c), EVL_EINVAL);
  ASSERT_EQ(evl_redis_connect_tcp(evl_test_loop, 0, "", 6379, &c), EVL_EINVAL);
  ASSERT_EQ(evl_redis_connect_unix(evl_test_loop, 0, NULL, &c), EVL_EINVAL);
  ASSERT_EQ(evl_redis_connect_unix(evl_test_loop, 0, "", &c), EVL_EINVAL);
  memset(long_path, 'x', sizeof(long_path) - 1);
  long_path[0] = '/';
  long_path[sizeof(long_path) - 1] = '\0';
  ASSERT_EQ(evl_redis_connect_unix(evl_test_loop, 0, long_path, &c), UV_ENAMETOOLONG);
  ASSERT_NULL(c);

  ASSERT_EQ(evl_redis_send(NULL, (const uint8_t *) "", (const int32_t[]){0}, 0, 0), EVL_EINVAL);
  ASSERT_EQ(evl_redis_replies(NULL, NULL), EVL_EINVAL);
  ASSERT_EQ(evl_redis_set_keepalive(NULL, 60), EVL_EINVAL);
  ASSERT_EQ(evl_redis_close(NULL), EVL_EINVAL);
  ASSERT_EQ(evl_redis_error_kind(NULL), EVL_REDIS_ERR_NONE);
  ASSERT_STR_EQ(evl_redis_error(NULL), "");

  /* IPv6 literals are accepted (whether anything listens is another matter). */
  ASSERT_OK(evl_redis_connect_tcp(evl_test_loop, 0, "::1", port, &c));
  ASSERT_OK(evl_redis_close(c));
  evl_test_finish();
}

static void never_called(int32_t event, int64_t arg) {
  (void) event;
  (void) arg;
  ASSERT(0 && "no Redis event expected");
}

TEST_IMPL(redis_connect_invalid) {
  reset();
  port = evl_test_free_port();
  evl_test_run(invalid_start, never_called, 5000);
}

/* ---- malformed commands are refused whole, before hiredis sees any ---- */

static void malformed_start(void) {
  static const char *const bad[] = {
      "PING\r\n",                       /* inline command */
      "*1\r\n$4\r\nPIN\r\n",            /* short argument */
      "*1\r\n$4\r\nPINGX\r\n",          /* long argument */
      "*2\r\n$4\r\nPING\r\n",           /* missing argument */
      "*0\r\n",                         /* no arguments */
      "*1\r\n$-1\r\n",                  /* nil argument */
      "*1\r\n$4\r\nPING\r\nX",          /* trailing byte */
      "*1\r\n:4\r\nPING\r\n",           /* not a bulk string */
  };
  const char *good = "*1\r\n$4\r\nPING\r\n";
  uint8_t buf[64];
  int32_t ends[2];
  size_t i;

  port = evl_test_free_port();
  ASSERT_OK(evl_redis_connect_tcp(evl_test_loop, 1, "127.0.0.1", port, &conn));
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    size_t n = strlen(bad[i]);
    memcpy(buf, good, 14);
    memcpy(buf + 14, bad[i], n);
    ends[0] = 14;
    ends[1] = (int32_t) (14 + n);
    ASSERT_EQ(evl_redis_send(conn, buf, ends, 2, 0), EVL_EINVAL);
  }
  ends[0] = 14;
  ends[1] = 14; /* not increasing */
  ASSERT_EQ(evl_redis_send(conn, (const uint8_t *) good, ends, 2, 0), EVL_EINVAL);
  ASSERT_EQ(evl_redis_send(conn, (const uint8_t *) good, ends, 2, EVL_SEND_ENCODED), EVL_EINVAL);
  /* EVL_SEND_ENCODED still refuses what does not have the shape of an array at its ends. */
  for (i = 0; i < 3; i++) {
    static const char *const unshaped[] = {"PING\r\n", "*1\r\n$4\r\nPING\r\nX", "*\r\n"};
    size_t n = strlen(unshaped[i]);
    memcpy(buf, good, 14);
    memcpy(buf + 14, unshaped[i], n);
    ends[0] = 14;
    ends[1] = (int32_t) (14 + n);
    ASSERT_EQ(evl_redis_send(conn, buf, ends, 2, EVL_SEND_ENCODED), EVL_EINVAL);
  }
  ASSERT_EQ(evl_redis_send(conn, (const uint8_t *) good, ends, -1, 0), EVL_EINVAL);
  ASSERT_EQ(evl_redis_send(conn, NULL, ends, 1, 0), EVL_EINVAL);
  ends[0] = 14;
  ASSERT_EQ(evl_redis_send(conn, (const uint8_t *) good, ends, 1, 2), EVL_EINVAL); /* unknown flag */
  ASSERT_OK(evl_redis_send(conn, (const uint8_t *) good, ends, 0, 0));
}

static void malformed_event(int32_t event, int64_t arg) {
  ASSERT_EQ(arg, 1);
  /* Nothing was queued, so the refusal is all there is to report. */
  ASSERT_EQ(event, EVL_EVENT_REDIS_CLOSED);
  ASSERT_OK(evl_redis_close(conn));
  conn = NULL;
  evl_test_finish();
}

TEST_IMPL(redis_send_malformed) {
  reset();
  evl_test_run(malformed_start, malformed_event, 5000);
}

/* ---- a loop destroyed with connections open closes them (uv_loop_close() is clean) ---- */

static evl_redis_t *left_open[3];

static void left_open_start(void) {
  port = evl_test_free_port();
  ASSERT_OK(evl_redis_connect_tcp(evl_test_loop, 1, "127.0.0.1", port, &left_open[0]));
  ASSERT_OK(evl_redis_connect_unix(evl_test_loop, 2, "/nonexistent-evloop-dir/r.sock",
                                   &left_open[1]));
  ASSERT_OK(evl_redis_connect_tcp(evl_test_loop, 3, "127.0.0.1", port, &left_open[2]));
  ASSERT_OK(evl_redis_close(left_open[2])); /* one closed, two left open */
  /* Stop before anything is reported: no Redis upcall once the stop was requested. */
  evl_test_finish();
}

TEST_IMPL(redis_destroy_with_open_connections) {
  reset();
  /* evl_test_run destroys the loop and asserts it returns 0, i.e. uv_loop_close() found
   * nothing open; ASan/LSan check that everything was freed. */
  evl_test_run(left_open_start, never_called, 5000);
}

static evl_loop_t *idle_loop;

static void unused(int32_t event, int64_t arg) {
  (void) event;
  (void) arg;
}

TEST_IMPL(redis_destroy_never_run) {
  evl_redis_t *c;

  /* Connections may be opened before the loop runs, and the loop destroyed without running. */
  ASSERT_OK(evl_loop_create(unused, &idle_loop));
  ASSERT_OK(evl_redis_connect_tcp(idle_loop, 1, "127.0.0.1", evl_test_free_port(), &c));
  ASSERT_OK(evl_loop_destroy(idle_loop));
  idle_loop = NULL;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  RUN_TEST(redis_connect_refused);
  RUN_TEST(redis_connect_unix_missing);
  RUN_TEST(redis_connect_invalid);
  RUN_TEST(redis_send_malformed);
  RUN_TEST(redis_destroy_with_open_connections);
  RUN_TEST(redis_destroy_never_run);
  return 0;
}
