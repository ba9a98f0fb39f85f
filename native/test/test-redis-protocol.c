/*
 * A hostile or broken server: every stream of the Java contract suite's malformed replies
 * ends the connection with EVL_REDIS_ERR_PROTOCOL, promptly, after the replies that came
 * before the bad bytes; a connection reset that comes with the last replies ends it with
 * EVL_REDIS_ERR_IO after them. The unsolicited reply matters most: handed to hiredis, it would be
 * taken as the reply of the next command, or dropped, depending on hiredis's version.
 */
#include "redis-test.h"

static evl_test_fake_t fake;
static evl_redis_t *conn;
static evl_test_bytes_t received;
static int connected_cb_called;
static int closed_cb_called;
static int commands; /* PINGs sent on CONNECTED */
static int expected_kind; /* of the error that ends the connection */

static void start(void) {
  ASSERT_OK(evl_redis_connect_tcp(evl_test_loop, 5, "127.0.0.1", fake.port, &conn));
}

static void on_event(int32_t event, int64_t arg) {
  evl_test_batch_t batch = {0};
  int i;

  ASSERT_EQ(arg, 5);
  switch (event) {
  case EVL_EVENT_REDIS_CONNECTED:
    connected_cb_called++;
    for (i = 0; i < commands; i++)
      EVL_TEST_CMD(&batch, "PING");
    evl_test_batch_send(conn, &batch);
    if (fake.reset) {
      /* Holds the loop until the reply and the reset have both arrived, so that one poll
       * sees them together: libuv reports that as POLLERR and stops watching the socket,
       * and reading only the reply then would leave the connection hanging. */
      uv_sem_wait(&fake.replied);
      uv_sleep(100);
    }
    break;
  case EVL_EVENT_REDIS_DATA:
    ASSERT_EQ(closed_cb_called, 0);
    evl_test_read_all(conn, &received);
    break;
  case EVL_EVENT_REDIS_CLOSED:
    closed_cb_called++;
    ASSERT_EQ(evl_redis_error_kind(conn), expected_kind);
    fprintf(stderr, "  closed: %s\n", evl_redis_error(conn));
    ASSERT_OK(evl_redis_close(conn));
    conn = NULL;
    evl_test_finish();
    break;
  default:
    ASSERT(0 && "unexpected event");
  }
}

/* Runs one exchange: the fake server answers the first read with `reply` (then resets the
 * connection if `reset`), and the connection must end with an error of `kind`. */
static void exchange_ending(const char *reply, size_t len, int pings, const char *expected,
                            int reset, int kind) {
  connected_cb_called = 0;
  closed_cb_called = 0;
  commands = pings;
  expected_kind = kind;
  evl_test_bytes_free(&received);
  fake.reset = reset;
  evl_test_fake_start(&fake, reply, len);
  evl_test_run(start, on_event, 5000); /* a hang (a waiting hiredis) fails here */
  evl_test_fake_stop(&fake);
  ASSERT_EQ(connected_cb_called, 1);
  ASSERT_EQ(closed_cb_called, 1);
  ASSERT_EQ(received.len, (int64_t) strlen(expected));
  if (received.len > 0)
    ASSERT_STR_EQ(received.data, expected);
}

#define EXCHANGE(literal, pings, expected) \
  exchange_ending(literal, sizeof(literal) - 1, pings, expected, 0, EVL_REDIS_ERR_PROTOCOL)

TEST_IMPL(redis_protocol_unsolicited) {
  /* The first PING gets its PONG; the reply nobody asked for ends the connection. */
  EXCHANGE("+PONG\r\n+UNASKED\r\n", 1, "+PONG\r\n");
  /* A pub/sub message after the reply to a SUBSCRIBE: the connection ends there. */
  EXCHANGE("*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n"
           "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n",
           1, "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
  /* A spontaneous error before any command (Redis's "max number of clients"). */
  EXCHANGE("+PONG\r\n-ERR max number of clients reached\r\n", 1, "+PONG\r\n");
}

TEST_IMPL(redis_protocol_malformed) {
  char nested[100 * 4 + 8];
  int i;

  EXCHANGE("!bogus\r\n", 1, "");
  EXCHANGE("*4294967295\r\n", 1, "");
  EXCHANGE("$999999999999\r\n", 1, "");
  EXCHANGE("$536870913\r\n", 1, "");
  nested[0] = '\0';
  for (i = 0; i < 100; i++)
    strcat(nested, "*1\r\n");
  strcat(nested, ":1\r\n");
  exchange_ending(nested, strlen(nested), 1, "", 0, EVL_REDIS_ERR_PROTOCOL);
  EXCHANGE(":12a\r\n", 1, "");
  EXCHANGE("$3\r\nabcXY", 1, "");
  /* Replies before the bad bytes are delivered first. */
  EXCHANGE("+A\r\n:2\r\n$1\r\nxYZ", 3, "+A\r\n:2\r\n");
}

TEST_IMPL(redis_protocol_reset_after_replies) {
  /* Two PINGs, one PONG, then the reset: the PONG is delivered, then CLOSED. */
  exchange_ending("+PONG\r\n", 7, 2, "+PONG\r\n", 1, EVL_REDIS_ERR_IO);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  RUN_TEST(redis_protocol_unsolicited);
  RUN_TEST(redis_protocol_malformed);
  RUN_TEST(redis_protocol_reset_after_replies);
  evl_test_bytes_free(&received);
  return 0;
}
