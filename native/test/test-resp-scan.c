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
  REFUSED(":-0000000000000000000001\r\n", 21, "longer than 20");
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

  line = malloc(65540);
  ASSERT_NOT_NULL(line);
  line[0] = '-';
  memset(line + 1, 'x', 65537);
  refused(line, 65538, 65537, "longer than 65536");
  free(line);
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
  RUN_TEST(resp_scan_unsolicited);
  return 0;
}
