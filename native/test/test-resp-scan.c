/*
 * The RESP2 checker (resp.c) on its own: valid streams are accepted whole however they are
 * split, each hostile stream of the Java contract suite (and a few more) is stopped at the
 * offending byte, and a reply nobody waits for is refused. White-box: links the objects.
 */
#include "evloop-internal.h"
#include "task.h"

static const char valid[] =
    "+OK\r\n"
    "-ERR wrong\r\n"
    ":0\r\n"
    ":-9223372036854775808\r\n"
    ":9223372036854775807\r\n"
    "$-1\r\n"
    "*-1\r\n"
    "$0\r\n\r\n"
    "$12\r\nbin\r\n\0ary%s\xff\r\n"
    "*0\r\n"
    "*3\r\n:1\r\n*2\r\n+a\r\n$1\r\nb\r\n$-1\r\n"
    "+\r\n";
#define VALID_REPLIES 12

static void scan_all(evl__resp_scanner_t *s, const char *data, size_t len) {
  ASSERT_EQ(evl__resp_scan(s, data, len), (int64_t) len);
  ASSERT_STR_EQ(s->error, "");
}

TEST_IMPL(resp_scan_valid) {
  evl__resp_scanner_t s;
  size_t len = sizeof(valid) - 1;
  size_t split;
  size_t i;

  evl__resp_scanner_init(&s);
  s.expected = VALID_REPLIES;
  scan_all(&s, valid, len);
  ASSERT_EQ(s.completed, VALID_REPLIES);
  ASSERT_EQ(s.expected, 0);
  ASSERT_EQ(s.depth, 0);

  /* One byte at a time. */
  evl__resp_scanner_init(&s);
  s.expected = VALID_REPLIES;
  for (i = 0; i < len; i++)
    scan_all(&s, valid + i, 1);
  ASSERT_EQ(s.completed, VALID_REPLIES);

  /* Split in two at every position. */
  for (split = 0; split <= len; split++) {
    evl__resp_scanner_init(&s);
    s.expected = VALID_REPLIES;
    scan_all(&s, valid, split);
    scan_all(&s, valid + split, len - split);
    ASSERT_EQ(s.completed, VALID_REPLIES);
  }
}

TEST_IMPL(resp_scan_limits_accepted) {
  evl__resp_scanner_t s;
  char *line;
  char nested[32 * 4 + 8];
  int i;

  /* 32 levels of arrays. */
  evl__resp_scanner_init(&s);
  s.expected = 1;
  nested[0] = '\0';
  for (i = 0; i < 32; i++)
    strcat(nested, "*1\r\n");
  strcat(nested, ":1\r\n");
  scan_all(&s, nested, strlen(nested));
  ASSERT_EQ(s.completed, 1);

  /* A 65536-byte line. */
  line = malloc(65536 + 4);
  ASSERT_NOT_NULL(line);
  line[0] = '+';
  memset(line + 1, 'x', 65536);
  memcpy(line + 65537, "\r\n", 2);
  evl__resp_scanner_init(&s);
  s.expected = 1;
  scan_all(&s, line, 65539);
  ASSERT_EQ(s.completed, 1);
  free(line);

  /* The largest bulk string is announced; its content is still to come. */
  evl__resp_scanner_init(&s);
  s.expected = 1;
  scan_all(&s, "$536870912\r\nabc", 15);
  ASSERT_EQ(s.completed, 0);
  ASSERT_EQ(s.remaining, 536870912 - 3);
}

/* Each poison is refused at the given offset (the first byte that makes it invalid). */
static void refused(const char *stream, size_t len, size_t at, const char *mentions) {
  evl__resp_scanner_t s;
  size_t i;

  evl__resp_scanner_init(&s);
  s.expected = 5;
  ASSERT_EQ(evl__resp_scan(&s, stream, len), (int64_t) at);
  ASSERT_NE(s.error[0], '\0');
  if (strstr(s.error, mentions) == NULL) {
    fprintf(stderr, "error \"%s\" does not mention \"%s\"\n", s.error, mentions);
    ASSERT(0);
  }
  /* Failed for good: nothing more is accepted. */
  ASSERT_EQ(evl__resp_scan(&s, "+OK\r\n", 5), 0);

  /* The same stream one byte at a time stops at the same byte. */
  evl__resp_scanner_init(&s);
  s.expected = 5;
  for (i = 0; i < len; i++) {
    if (evl__resp_scan(&s, stream + i, 1) != 1)
      break;
  }
  ASSERT_EQ(i, (int64_t) at);
}

#define REFUSED(literal, at, mentions) refused(literal, sizeof(literal) - 1, at, mentions)

TEST_IMPL(resp_scan_poisons) {
  char nested[100 * 4 + 8];
  char *line;
  int i;

  /* The hostile server of the Java contract suite (RedisClientContractTest.malformedReplies). */
  REFUSED("!bogus\r\n", 0, "type byte 0x21 ('!')");
  REFUSED("*4294967295\r\n", 12, "array length 4294967295 is out of range");
  REFUSED("$999999999999\r\n", 14, "bulk string length 999999999999 is out of range");
  REFUSED("$536870913\r\n", 11, "bulk string length 536870913 is out of range");
  nested[0] = '\0';
  for (i = 0; i < 100; i++)
    strcat(nested, "*1\r\n");
  strcat(nested, ":1\r\n");
  refused(nested, strlen(nested), 32 * 4 + 3, "nested deeper than 32");
  REFUSED(":12a\r\n", 3, "unexpected byte in a number: 0x61 ('a')");
  REFUSED("$3\r\nabcXY", 7, "expected CR LF after bulk string content, got 0x58 ('X')");

  /* More. */
  REFUSED(":9223372036854775808\r\n", 19, "overflows");
  REFUSED(":-9223372036854775809\r\n", 20, "overflows");
  REFUSED(":-92233720368547758080\r\n", 21, "longer than 20");
  REFUSED(":\r\n", 2, "no digits");
  REFUSED(":-\r\n", 3, "no digits");
  REFUSED(":+1\r\n", 1, "unexpected byte");
  REFUSED(":1-\r\n", 2, "unexpected byte");
  REFUSED(":1\r\r", 3, "expected LF");
  REFUSED("+a\nb\r\n", 2, "LF without CR");
  REFUSED("+a\rb\r\n", 3, "expected LF");
  REFUSED("$1\r\nab\r\n", 5, "expected CR LF");
  REFUSED("$1\r\na\rX", 6, "expected LF");
  REFUSED("$-2\r\n", 4, "out of range");
  REFUSED("*-2\r\n", 4, "out of range");
  REFUSED("*16777217\r\n", 10, "out of range");
  REFUSED("%1\r\n", 0, "type byte"); /* RESP3 map */
  REFUSED("_\r\n", 0, "type byte"); /* RESP3 null */
  REFUSED("*2\r\n:1\r\n?\r\n", 8, "type byte");

  /* What Redis never sends: both backends refuse it alike. */
  REFUSED(":-0\r\n", 4, "-0");
  REFUSED("$-0\r\n", 4, "-0");
  REFUSED("*-0\r\n", 4, "-0");
  REFUSED(":007\r\n", 2, "leading zero");
  REFUSED("$01\r\na\r\n", 2, "leading zero");
  REFUSED(":-01\r\n", 3, "leading zero");

  line = malloc(65540);
  ASSERT_NOT_NULL(line);
  line[0] = '-';
  memset(line + 1, 'x', 65537);
  refused(line, 65538, 65537, "longer than 65536");
  free(line);
}

/* The reply size limit: a reply of exactly max bytes passes, the byte beyond is refused,
 * however the stream is split; each new reply gets the whole limit again. */
TEST_IMPL(resp_scan_reply_limit) {
  static const char two[] = "*2\r\n$3\r\nabc\r\n$3\r\ndef\r\n"; /* 22 bytes */
  evl__resp_scanner_t s;
  size_t i;

  evl__resp_scanner_init(&s);
  ASSERT_EQ(s.max_reply, (uint64_t) 128 * 1024 * 1024);
  s.max_reply = 22;
  s.expected = 3;
  scan_all(&s, two, 22);
  scan_all(&s, two, 22);
  ASSERT_EQ(s.completed, 2);

  evl__resp_scanner_init(&s);
  s.max_reply = 21;
  s.expected = 1;
  ASSERT_EQ(evl__resp_scan(&s, two, 22), 21);
  ASSERT(strstr(s.error, "reply larger than 21 bytes") != NULL);
  ASSERT(strstr(s.error, "offset 21") != NULL);

  for (i = 0; i <= 22; i++) {
    evl__resp_scanner_init(&s);
    s.max_reply = 12;
    s.expected = 1;
    if (i <= 12) {
      ASSERT_EQ(evl__resp_scan(&s, two, i), (int64_t) i);
      ASSERT_EQ(evl__resp_scan(&s, two + i, 22 - i), (int64_t) (12 - i));
    } else {
      ASSERT_EQ(evl__resp_scan(&s, two, i), 12);
    }
    ASSERT(strstr(s.error, "reply larger than 12 bytes") != NULL);
  }

  /* A large bulk string is stopped at the limit, not after it. */
  evl__resp_scanner_init(&s);
  s.max_reply = 1000;
  s.expected = 1;
  {
    char *big = malloc(5000);
    ASSERT_NOT_NULL(big);
    memcpy(big, "$4990\r\n", 7);
    memset(big + 7, 'x', 5000 - 7);
    ASSERT_EQ(evl__resp_scan(&s, big, 5000), 1000);
    free(big);
  }
}

TEST_IMPL(resp_scan_unsolicited) {
  evl__resp_scanner_t s;

  /* One command waits: its reply passes, the next reply is refused at its first byte. */
  evl__resp_scanner_init(&s);
  s.expected = 1;
  ASSERT_EQ(evl__resp_scan(&s, "+PONG\r\n+UNASKED\r\n", 17), 7);
  ASSERT_EQ(s.completed, 1);
  ASSERT(strstr(s.error, "no command waits") != NULL);

  /* Nothing sent: even the first byte is refused. */
  evl__resp_scanner_init(&s);
  ASSERT_EQ(evl__resp_scan(&s, "-ERR max number of clients reached\r\n", 36), 0);

  /* Elements of an array are not replies of their own. */
  evl__resp_scanner_init(&s);
  s.expected = 1;
  ASSERT_EQ(evl__resp_scan(&s, "*2\r\n+a\r\n+b\r\n", 12), 12);
  ASSERT_EQ(s.completed, 1);

  /* Commands sent later allow more replies. */
  ASSERT_EQ(evl__resp_scan(&s, "+c", 2), 0);
  evl__resp_scanner_init(&s);
  s.expected = 1;
  ASSERT_EQ(evl__resp_scan(&s, "+a\r\n", 4), 4);
  s.expected += 1;
  ASSERT_EQ(evl__resp_scan(&s, "+b\r\n", 4), 4);
  ASSERT_EQ(s.completed, 2);
}

int main(int argc, char **argv) {
  RUN_TEST(resp_scan_valid);
  RUN_TEST(resp_scan_limits_accepted);
  RUN_TEST(resp_scan_poisons);
  RUN_TEST(resp_scan_reply_limit);
  RUN_TEST(resp_scan_unsolicited);
  return 0;
}
