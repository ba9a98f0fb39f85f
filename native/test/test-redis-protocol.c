/*
 * A hostile or broken server: every stream of the Java contract suite's malformed replies
 * ends the connection with EVL_REDIS_ERR_PROTOCOL, promptly, after the replies that came
 * before the bad bytes; a connection reset that comes with the last replies ends it with
 * EVL_REDIS_ERR_IO after them. The unsolicited reply matters most: handed to hiredis, it would be
 * taken as the reply of the next command, or dropped, depending on hiredis's version.
 * RESP3 through the whole read path: every type becomes its record, an attribute one right
 * before its value's (also one that spans socket reads), pushes need no command, and what the checker refuses
 * ends the connection after the replies before it.
 */
#include "redis-test.h"

static evl_test_fake_t fake;
static evl_redis_t *conn;
static evl_test_bytes_t received;
static int connected_cb_called;
static int closed_cb_called;
static int commands; /* PINGs sent on CONNECTED */
static int expected_kind; /* of the error that ends the connection */
static const char *expected_message; /* a part of its message; NULL: any */

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
    if (expected_message != NULL)
      ASSERT(strstr(evl_redis_error(conn), expected_message) != NULL);
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
  if (received.len != strlen(expected) || (received.len > 0 && memcmp(received.data, expected, received.len) != 0)) {
    fprintf(stderr, "received \"%s\"\nexpected \"%s\"\n", received.len > 0 ? received.data : "",
            expected);
    ASSERT(0);
  }
  expected_message = NULL;
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

/* Every RESP3 type, as records written back as text (a nil as "$-1", a double as its shortest
 * form), attributes before the values they describe; an unsolicited reply at the end closes the connection. 16 replies
 * answer a command, 2 are pushes. */
TEST_IMPL(redis_protocol_resp3) {
  static const char stream[] =
      "_\r\n"
      "#t\r\n"
      "#f\r\n"
      ",1.5\r\n"
      ",-0.25e-3\r\n"
      ",inf\r\n"
      ",-inf\r\n"
      ",nan\r\n"
      ",007E+2\r\n"
      ",1e-400\r\n"
      "(-3492890328409238509324850943850943825024385\r\n"
      "=16\r\ntxt:Some\r\nstring\r\n"
      "%2\r\n+a\r\n:1\r\n$1\r\nb\r\n%1\r\n~0\r\n_\r\n"
      "|1\r\n+ttl\r\n:3600\r\n~3\r\n,1\r\n#f\r\n*1\r\n(7\r\n"
      "*3\r\n:1\r\n|2\r\n+a\r\n*1\r\n:2\r\n+b\r\n%1\r\n+c\r\n+d\r\n:3\r\n|0\r\n_\r\n"
      ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n|1\r\n+k\r\n+v\r\n$2\r\nhi\r\n"
      "|1\r\n+k\r\n+v\r\n>1\r\n+invalidate\r\n"
      "|0\r\n|1\r\n+x\r\n+y\r\n+OK\r\n"
      "+UNASKED\r\n";
  static const char expected[] =
      "$-1\r\n"
      "#t\r\n"
      "#f\r\n"
      ",1.5\r\n"
      ",-0.00025\r\n"
      ",inf\r\n"
      ",-inf\r\n"
      ",nan\r\n"
      ",7e+02\r\n"
      ",0\r\n"
      "(-3492890328409238509324850943850943825024385\r\n"
      "=16\r\ntxt:Some\r\nstring\r\n"
      "%2\r\n+a\r\n:1\r\n$1\r\nb\r\n%1\r\n~0\r\n$-1\r\n"
      "|1\r\n+ttl\r\n:3600\r\n~3\r\n,1\r\n#f\r\n*1\r\n(7\r\n"
      "*3\r\n:1\r\n|2\r\n+a\r\n*1\r\n:2\r\n+b\r\n%1\r\n+c\r\n+d\r\n:3\r\n|0\r\n$-1\r\n"
      ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n|1\r\n+k\r\n+v\r\n$2\r\nhi\r\n"
      "|1\r\n+k\r\n+v\r\n>1\r\n+invalidate\r\n"
      "|0\r\n|1\r\n+x\r\n+y\r\n+OK\r\n";

  expected_message = "no command waits";
  EXCHANGE(stream, 16, expected);

  /* A push before any reply, with no command for it; then the PONG. */
  expected_message = "no command waits";
  EXCHANGE(">2\r\n+message\r\n+x\r\n+PONG\r\n+EXTRA\r\n", 1, ">2\r\n+message\r\n+x\r\n+PONG\r\n");
}

/* An attribute larger than a socket read (a 200 KiB bulk string in it) is cut across reads. */
TEST_IMPL(redis_protocol_resp3_long_attribute) {
  static const char head[] = "+A\r\n*2\r\n:1\r\n|1\r\n+big\r\n$204800\r\n";
  static const char tail[] = "\r\n:2\r\n+B\r\n+EXTRA\r\n";
  size_t len = sizeof(head) - 1 + 204800 + sizeof(tail) - 1;
  char *stream = malloc(len);

  ASSERT_NOT_NULL(stream);
  memcpy(stream, head, sizeof(head) - 1);
  memset(stream + sizeof(head) - 1, 'x', 204800);
  memcpy(stream + sizeof(head) - 1 + 204800, tail, sizeof(tail) - 1);
  size_t extra = strlen("+EXTRA\r\n");
  char *expected = malloc(len - extra + 1);

  ASSERT_NOT_NULL(expected);
  memcpy(expected, stream, len - extra); /* the attribute comes through whole, in its place */
  expected[len - extra] = '\0';
  expected_message = "no command waits";
  exchange_ending(stream, len, 3, expected, 0, EVL_REDIS_ERR_PROTOCOL);
  free(expected);
  free(stream);
}

/* Two commands; the first gets "+A", the second's reply is refused with the message. */
#define REFUSED_EXCHANGE(literal, message) \
  do {                                     \
    expected_message = (message);          \
    EXCHANGE(literal, 2, "+A\r\n");        \
  } while (0)

TEST_IMPL(redis_protocol_resp3_refused) {
  /* What hiredis 1.2 cannot parse, and what Redis never sends. */
  REFUSED_EXCHANGE("+A\r\n!21\r\nSYNTAX invalid syntax\r\n", "unknown type byte 0x21 ('!')");
  REFUSED_EXCHANGE("+A\r\n*1\r\n>1\r\n+a\r\n", "a push message inside an aggregate");
  REFUSED_EXCHANGE("+A\r\n|1\r\n|0\r\n+k\r\n+v\r\n+B\r\n", "an attribute inside an attribute");
  REFUSED_EXCHANGE("+A\r\n,1e400\r\n", "double \"1e400\" is not finite");
  REFUSED_EXCHANGE("+A\r\n,1.5x\r\n", "unexpected byte in a double");
  REFUSED_EXCHANGE("+A\r\n#T\r\n", "a boolean is #t or #f");
  REFUSED_EXCHANGE("+A\r\n(007\r\n", "leading zero");
  REFUSED_EXCHANGE("+A\r\n=4\r\ntxtX\r\n", "expected ':'");
  REFUSED_EXCHANGE("+A\r\n%-1\r\n", "map length -1 is out of range");
  REFUSED_EXCHANGE("+A\r\n>0\r\n", "push length 0 is out of range");
  /* An attribute is judged by the value it describes: before a push it needs no command,
   * before another reply that reply needs one. */
  expected_message = "no command waits for starts with 0x2b ('+')";
  EXCHANGE("+A\r\n|0\r\n>1\r\n+x\r\n|0\r\n+B\r\n", 1, "+A\r\n|0\r\n>1\r\n+x\r\n");
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  RUN_TEST(redis_protocol_unsolicited);
  RUN_TEST(redis_protocol_malformed);
  RUN_TEST(redis_protocol_reset_after_replies);
  RUN_TEST(redis_protocol_resp3);
  RUN_TEST(redis_protocol_resp3_long_attribute);
  RUN_TEST(redis_protocol_resp3_refused);
  evl_test_bytes_free(&received);
  return 0;
}
