/*
 * The RESP checker (resp.c) on its own: valid streams, RESP2 and RESP3, are accepted whole
 * however they are split, each hostile stream of the Java contract suite (and a few more) is
 * stopped at the offending byte, a reply nobody waits for is refused but a top-level push
 * needs no command, and attributes are checked and reported for excision: what is left for
 * hiredis is the stream without them. White-box: links the objects.
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
  REFUSED("*2\r\n:1\r\n?\r\n", 8, "unknown type byte 0x3f ('?')");

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

/* ---- RESP3 ---- */

/* Every RESP3 type (attributes top-level, nested, empty, consecutive, inside a push and before
 * one), and what hiredis must get of it: the same without the attributes. 24 replies, 2 of
 * them pushes, which no command waits for. */
static const char resp3[] =
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
    ",12345678901234567890123456789012\r\n"
    "(0\r\n"
    "(-3492890328409238509324850943850943825024385\r\n"
    "=4\r\ntxt:\r\n"
    "=16\r\ntxt:Some\r\nstring\r\n"
    "%0\r\n"
    "%2\r\n+a\r\n:1\r\n$1\r\nb\r\n%1\r\n~0\r\n_\r\n"
    "~3\r\n,1\r\n#f\r\n*1\r\n(7\r\n"
    "|1\r\n+ttl\r\n:3600\r\n$2\r\nhi\r\n"
    "*3\r\n:1\r\n|2\r\n+a\r\n*1\r\n:2\r\n+b\r\n%1\r\n+c\r\n+d\r\n:3\r\n|0\r\n_\r\n"
    "|0\r\n|1\r\n+x\r\n+y\r\n+OK\r\n"
    ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n|1\r\n+k\r\n+v\r\n$2\r\nhi\r\n"
    "|1\r\n+k\r\n+v\r\n>1\r\n+invalidate\r\n"
    "=5\r\nmkd:x\r\n";
static const char resp3_kept[] =
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
    ",12345678901234567890123456789012\r\n"
    "(0\r\n"
    "(-3492890328409238509324850943850943825024385\r\n"
    "=4\r\ntxt:\r\n"
    "=16\r\ntxt:Some\r\nstring\r\n"
    "%0\r\n"
    "%2\r\n+a\r\n:1\r\n$1\r\nb\r\n%1\r\n~0\r\n_\r\n"
    "~3\r\n,1\r\n#f\r\n*1\r\n(7\r\n"
    "$2\r\nhi\r\n"
    "*3\r\n:1\r\n:3\r\n_\r\n"
    "+OK\r\n"
    ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
    ">1\r\n+invalidate\r\n"
    "=5\r\nmkd:x\r\n";
#define RESP3_REPLIES 24
#define RESP3_COMMANDS 22

/* Scans the stream as the socket reader does (again after each stop before an attribute),
 * appending what hiredis would get to kept. Returns the bytes accepted. */
static char kept[1 << 16];
static size_t kept_len;

static size_t scan_kept(evl__resp_scanner_t *s, const char *data, size_t len) {
  size_t done = 0;

  while (done < len) {
    size_t part = evl__resp_scan(s, data + done, len - done);
    size_t from = 0;
    size_t k;

    ASSERT_LE(s->cuts, EVL__RESP_MAX_CUTS);
    for (k = 0; k < s->cuts; k++) {
      /* In order, within the bytes accepted, not empty. */
      ASSERT_GE(s->cut[k][0], from);
      ASSERT_LT(s->cut[k][0], s->cut[k][1]);
      ASSERT_LE(s->cut[k][1], part);
      ASSERT_LE(kept_len + (s->cut[k][0] - from), sizeof(kept));
      memcpy(kept + kept_len, data + done + from, s->cut[k][0] - from);
      kept_len += s->cut[k][0] - from;
      from = s->cut[k][1];
    }
    ASSERT_LE(kept_len + (part - from), sizeof(kept));
    memcpy(kept + kept_len, data + done + from, part - from);
    kept_len += part - from;
    done += part;
    if (part == 0 || s->error[0] != '\0')
      break;
  }
  return done;
}

static void kept_all(evl__resp_scanner_t *s, const char *data, size_t len) {
  ASSERT_EQ(scan_kept(s, data, len), (int64_t) len);
  ASSERT_STR_EQ(s->error, "");
}

#define KEPT_ALL(s, literal) kept_all((s), literal, sizeof(literal) - 1)

static void assert_kept(const char *expected) {
  if (kept_len != strlen(expected) || memcmp(kept, expected, kept_len) != 0) {
    fprintf(stderr, "hiredis would get \"%.*s\"\nexpected \"%s\"\n", (int) kept_len, kept, expected);
    ASSERT(0);
  }
}

static void resp3_start(evl__resp_scanner_t *s) {
  evl__resp_scanner_init(s);
  s->expected = RESP3_COMMANDS;
  kept_len = 0;
}

static void resp3_done(const evl__resp_scanner_t *s) {
  ASSERT_EQ(s->completed, RESP3_REPLIES);
  ASSERT_EQ(s->expected, 0);
  ASSERT_EQ(s->depth, 0);
  ASSERT_EQ(s->attr_depth, 0);
  assert_kept(resp3_kept);
}

TEST_IMPL(resp_scan_resp3_valid) {
  evl__resp_scanner_t s;
  size_t len = sizeof(resp3) - 1;
  size_t split;
  size_t i;

  resp3_start(&s);
  kept_all(&s, resp3, len);
  resp3_done(&s);

  /* One byte at a time. */
  resp3_start(&s);
  for (i = 0; i < len; i++)
    kept_all(&s, resp3 + i, 1);
  resp3_done(&s);

  /* Split in two at every position. */
  for (split = 0; split <= len; split++) {
    resp3_start(&s);
    kept_all(&s, resp3, split);
    kept_all(&s, resp3 + split, len - split);
    resp3_done(&s);
  }
}

/* Where the attributes are, exactly, also when one spans calls. */
TEST_IMPL(resp_scan_attribute_cuts) {
  static const char nested[] = "*2\r\n:1\r\n|1\r\n+k\r\n+v\r\n:2\r\n";
  static const char top[] = "|1\r\n+k\r\n+v\r\n+OK\r\n";
  evl__resp_scanner_t s;
  char many[40 * 4 + 8];
  int i;

  evl__resp_scanner_init(&s);
  s.expected = 1;
  scan_all(&s, nested, sizeof(nested) - 1);
  ASSERT_EQ(s.cuts, 1);
  ASSERT_EQ(s.cut[0][0], 8);
  ASSERT_EQ(s.cut[0][1], 20);
  ASSERT_EQ(s.completed, 1);

  /* A top-level attribute consumes no command: the reply after it does. */
  evl__resp_scanner_init(&s);
  s.expected = 1;
  ASSERT_EQ(evl__resp_scan(&s, top, 6), 6);
  ASSERT_EQ(s.cuts, 1);
  ASSERT_EQ(s.cut[0][0], 0);
  ASSERT_EQ(s.cut[0][1], 6);
  ASSERT_EQ(s.expected, 1);
  ASSERT_EQ(s.attr_depth, 1);
  ASSERT_EQ(evl__resp_scan(&s, top + 6, 11), 11);
  ASSERT_EQ(s.cuts, 1);
  ASSERT_EQ(s.cut[0][0], 0);
  ASSERT_EQ(s.cut[0][1], 6);
  ASSERT_EQ(s.completed, 1);
  ASSERT_EQ(s.expected, 0);
  /* Without an attribute, nothing to cut. */
  s.expected = 1;
  ASSERT_EQ(evl__resp_scan(&s, "+OK\r\n", 5), 5);
  ASSERT_EQ(s.cuts, 0);

  /* An attribute still open when a call ends is cut to that end; the next call goes on. */
  evl__resp_scanner_init(&s);
  s.expected = 1;
  ASSERT_EQ(evl__resp_scan(&s, "*1\r\n|1\r\n+k", 10), 10);
  ASSERT_EQ(s.cuts, 1);
  ASSERT_EQ(s.cut[0][0], 4);
  ASSERT_EQ(s.cut[0][1], 10);
  ASSERT_EQ(evl__resp_scan(&s, "\r\n", 2), 2);
  ASSERT_EQ(s.cuts, 1);
  ASSERT_EQ(s.cut[0][1], 2);
  ASSERT_EQ(evl__resp_scan(&s, "+v\r\n|0\r\n:5\r\n", 12), 12);
  ASSERT_EQ(s.cuts, 2);
  ASSERT_EQ(s.cut[0][0], 0);
  ASSERT_EQ(s.cut[0][1], 4);
  ASSERT_EQ(s.cut[1][0], 4);
  ASSERT_EQ(s.cut[1][1], 8);
  ASSERT_EQ(s.completed, 1);

  /* More attributes than one call reports: it stops before the one with no room, without an
   * error, and the rest comes in later calls. */
  many[0] = '\0';
  for (i = 0; i < 40; i++)
    strcat(many, "|0\r\n");
  strcat(many, ":1\r\n");
  evl__resp_scanner_init(&s);
  s.expected = 1;
  ASSERT_EQ(evl__resp_scan(&s, many, strlen(many)), EVL__RESP_MAX_CUTS * 4);
  ASSERT_STR_EQ(s.error, "");
  ASSERT_EQ(s.cuts, EVL__RESP_MAX_CUTS);
  ASSERT_EQ(s.offset, EVL__RESP_MAX_CUTS * 4);
  evl__resp_scanner_init(&s);
  s.expected = 1;
  kept_len = 0;
  kept_all(&s, many, strlen(many));
  assert_kept(":1\r\n");
  ASSERT_EQ(s.completed, 1);
  ASSERT_EQ(s.expected, 0);

  /* A failure inside an attribute: what came before it in the call is still cut. */
  evl__resp_scanner_init(&s);
  s.expected = 2;
  ASSERT_EQ(evl__resp_scan(&s, ":1\r\n|1\r\n+k\r\n!", 13), 12);
  ASSERT(strstr(s.error, "unknown type byte 0x21 ('!') at offset 12") != NULL);
  ASSERT_EQ(s.cuts, 1);
  ASSERT_EQ(s.cut[0][0], 4);
  ASSERT_EQ(s.cut[0][1], 12);
}

/* Pushes need no command and are whole replies; attributes need one but take none. */
TEST_IMPL(resp_scan_push_and_attribute_replies) {
  static const char push[] = ">2\r\n+message\r\n+x\r\n";
  evl__resp_scanner_t s;

  /* Nothing sent: a push is still accepted, and counted as a complete reply. */
  evl__resp_scanner_init(&s);
  scan_all(&s, push, sizeof(push) - 1);
  ASSERT_EQ(s.completed, 1);
  ASSERT_EQ(s.expected, 0);

  /* Between replies, consuming no command. */
  evl__resp_scanner_init(&s);
  s.expected = 2;
  kept_len = 0;
  KEPT_ALL(&s, ">1\r\n+a\r\n+OK\r\n>1\r\n:1\r\n:2\r\n");
  ASSERT_EQ(s.completed, 4);
  ASSERT_EQ(s.expected, 0);

  /* An attribute before a push: accepted while a command waits, which the push leaves. */
  evl__resp_scanner_init(&s);
  s.expected = 1;
  kept_len = 0;
  KEPT_ALL(&s, "|0\r\n>1\r\n+a\r\n+OK\r\n");
  assert_kept(">1\r\n+a\r\n+OK\r\n");
  ASSERT_EQ(s.completed, 2);
  ASSERT_EQ(s.expected, 0);

  /* An attribute while no command waits is judged by the value it describes: a push after it
   * needs no command, any other reply is refused at its own type byte. */
  evl__resp_scanner_init(&s);
  s.expected = 1;
  ASSERT_EQ(evl__resp_scan(&s, "+OK\r\n|0\r\n>1\r\n+a\r\n", 17), 17);
  ASSERT_EQ(s.completed, 2);
  evl__resp_scanner_init(&s);
  s.expected = 1;
  ASSERT_EQ(evl__resp_scan(&s, "+OK\r\n|0\r\n+a\r\n", 13), 9);
  ASSERT(strstr(s.error, "no command waits for starts with 0x2b ('+') at offset 9") != NULL);

  /* Nor does an attribute complete an aggregate: the array still waits for its element. */
  evl__resp_scanner_init(&s);
  s.expected = 1;
  scan_all(&s, "*1\r\n|0\r\n|1\r\n:1\r\n:2\r\n", 20);
  ASSERT_EQ(s.completed, 0);
  ASSERT_EQ(s.depth, 1);
  scan_all(&s, "_\r\n", 3);
  ASSERT_EQ(s.completed, 1);

  /* A top-level attribute starts its reply's byte count. */
  evl__resp_scanner_init(&s);
  s.expected = 2;
  s.max_reply = 17;
  scan_all(&s, "|1\r\n+k\r\n+v\r\n+OK\r\n", 17);
  ASSERT_EQ(evl__resp_scan(&s, "|1\r\n+k\r\n+v\r\n+OK!\r\n", 18), 17);
  ASSERT(strstr(s.error, "reply larger than 17 bytes") != NULL);
}

TEST_IMPL(resp_scan_resp3_limits) {
  char deep[64 * 16];
  char *big;
  size_t n;
  evl__resp_scanner_t s;
  int i;

  /* 32 levels of every kind of aggregate, the attribute the 32nd; a push needs no command. */
  strcpy(deep, ">1\r\n");
  for (i = 0; i < 10; i++)
    strcat(deep, "*1\r\n");
  for (i = 0; i < 10; i++)
    strcat(deep, "%1\r\n+k\r\n");
  for (i = 0; i < 10; i++)
    strcat(deep, "~1\r\n");
  strcat(deep, "|1\r\n+k\r\n+v\r\n:1\r\n");
  evl__resp_scanner_init(&s);
  scan_all(&s, deep, strlen(deep));
  ASSERT_EQ(s.completed, 1);
  ASSERT_EQ(s.depth, 0);

  /* One more level inside the attribute is one too many. */
  n = strlen(deep) - strlen("+v\r\n:1\r\n");
  strcpy(deep + n, "*1\r\n");
  refused(deep, strlen(deep), strlen(deep) - 1, "aggregates nested deeper than 32 levels");

  /* The largest counts are announced (their elements are still to come). */
  evl__resp_scanner_init(&s);
  s.expected = 4;
  scan_all(&s, "%8388608\r\n", 10);
  ASSERT_EQ(s.left[0], 1 << 24);
  evl__resp_scanner_init(&s);
  s.expected = 1;
  scan_all(&s, "~16777216\r\n", 11);
  evl__resp_scanner_init(&s);
  scan_all(&s, ">16777216\r\n", 11);
  evl__resp_scanner_init(&s);
  s.expected = 1;
  scan_all(&s, "|8388608\r\n", 10);
  ASSERT_EQ(s.left[0], 1 << 24);
  evl__resp_scanner_init(&s);
  s.expected = 1;
  scan_all(&s, "=536870912\r\ntxt:", 16);
  ASSERT_EQ(s.remaining, 536870912 - 4);

  /* A big number of 1024 characters, sign included; a double of 32. */
  big = malloc(1100);
  ASSERT_NOT_NULL(big);
  big[0] = '(';
  big[1] = '-';
  memset(big + 2, '7', 1023);
  memcpy(big + 1025, "\r\n", 2);
  evl__resp_scanner_init(&s);
  s.expected = 1;
  scan_all(&s, big, 1027);
  ASSERT_EQ(s.completed, 1);
  big[1] = '7'; /* 1025 characters */
  memcpy(big + 1025, "7\r\n", 3);
  refused(big, 1028, 1025, "big number longer than 1024 characters");
  free(big);
  evl__resp_scanner_init(&s);
  s.expected = 1;
  scan_all(&s, ",-1.0000000000000000000000000e+99\r\n", 35);
  REFUSED(",-1.00000000000000000000000000e+99\r\n", 33, "double longer than 32 characters");
}

TEST_IMPL(resp_scan_resp3_poisons) {
  /* Types hiredis 1.2 cannot parse, and streamed lengths. */
  REFUSED("!21\r\nSYNTAX invalid syntax\r\n", 0, "unknown type byte 0x21 ('!')");
  REFUSED("$?\r\n;4\r\nHell\r\n;0\r\n", 1, "unexpected byte in a number: 0x3f ('?')");
  REFUSED("*?\r\n:1\r\n.\r\n", 1, "unexpected byte in a number: 0x3f ('?')");
  REFUSED("%?\r\n", 1, "unexpected byte in a number");

  /* Null: CR LF right after the type byte. */
  REFUSED("_x\r\n", 1, "null's '_', got 0x78 ('x')");
  REFUSED("_ \r\n", 1, "null");
  REFUSED("_\r\r", 2, "expected LF after the CR ending a null");

  /* Boolean: t or f, lowercase. */
  REFUSED("#T\r\n", 1, "a boolean is #t or #f, not 0x54 ('T')");
  REFUSED("#\r\n", 1, "a boolean is #t or #f");
  REFUSED("#1\r\n", 1, "a boolean is #t or #f");
  REFUSED("#tt\r\n", 2, "after a boolean's t or f, got 0x74 ('t')");
  REFUSED("#f\rx", 3, "expected LF after the CR ending a boolean");

  /* Double: the forms Redis sends, finite unless spelled out. */
  REFUSED(",\r\n", 2, "double \"\" is not a number Redis sends");
  REFUSED(",-\r\n", 3, "double \"-\" is not a number Redis sends");
  REFUSED(",1.\r\n", 4, "double \"1.\" is not a number Redis sends");
  REFUSED(",1e\r\n", 4, "is not a number Redis sends");
  REFUSED(",1e+\r\n", 5, "is not a number Redis sends");
  REFUSED(",in\r\n", 4, "double \"in\" is not a number Redis sends");
  REFUSED(",.5\r\n", 1, "unexpected byte in a double: 0x2e ('.')");
  REFUSED(",+1\r\n", 1, "unexpected byte in a double");
  REFUSED(",1.e5\r\n", 3, "unexpected byte in a double");
  REFUSED(",1.5.2\r\n", 4, "unexpected byte in a double");
  REFUSED(",1e5.2\r\n", 4, "unexpected byte in a double");
  REFUSED(",1,5\r\n", 2, "unexpected byte in a double");
  REFUSED(",1 \r\n", 2, "unexpected byte in a double");
  REFUSED(",0x10\r\n", 2, "unexpected byte in a double");
  REFUSED(",INF\r\n", 1, "unexpected byte in a double");
  REFUSED(",Inf\r\n", 1, "unexpected byte in a double");
  REFUSED(",infinity\r\n", 4, "unexpected byte in a double");
  REFUSED(",inf1\r\n", 4, "unexpected byte in a double");
  REFUSED(",-nan\r\n", 2, "unexpected byte in a double");
  REFUSED(",nAn\r\n", 2, "unexpected byte in a double");
  REFUSED(",+inf\r\n", 1, "unexpected byte in a double");
  REFUSED(",1e400\r\n", 7, "double \"1e400\" is not finite");
  REFUSED(",-2e308\r\n", 8, "double \"-2e308\" is not finite");
  REFUSED(",1.5\n", 4, "unexpected byte in a double: 0x0a");
  REFUSED(",1.5\r\r", 5, "expected LF after the CR ending a double");

  /* Big number: an integer's digits without its range. */
  REFUSED("(\r\n", 2, "no digits in the big number");
  REFUSED("(-\r\n", 3, "no digits in the big number");
  REFUSED("(-0\r\n", 4, "-0 as the big number");
  REFUSED("(01\r\n", 2, "leading zero");
  REFUSED("(-01\r\n", 3, "leading zero");
  REFUSED("(+1\r\n", 1, "unexpected byte in a big number: 0x2b ('+')");
  REFUSED("(1-\r\n", 2, "unexpected byte in a big number");
  REFUSED("(1.5\r\n", 2, "unexpected byte in a big number");
  REFUSED("(12\n", 3, "unexpected byte in a big number: 0x0a");

  /* Verbatim string: a bulk string's length, at least 4, never nil; "fmt:" first. */
  REFUSED("=-1\r\n", 4, "verbatim string length -1 is out of range (4 to 536870912)");
  REFUSED("=3\r\nab:\r\n", 3, "verbatim string length 3 is out of range");
  REFUSED("=0\r\n\r\n", 3, "verbatim string length 0 is out of range");
  REFUSED("=536870913\r\n", 11, "out of range");
  REFUSED("=04\r\ntxt:\r\n", 2, "leading zero");
  REFUSED("=-0\r\n", 4, "-0 as the verbatim string length");
  REFUSED("=4\r\ntxtX\r\n", 7, "expected ':' after a verbatim string's 3-byte format, got 0x58");
  REFUSED("=5\r\nt:txt\r\n", 7, "expected ':'");
  REFUSED("=5\r\ntxt:ab\r\n", 9, "expected CR LF after verbatim string content, got 0x62");
  REFUSED("=4\r\ntxt:\rX", 9, "expected LF after the CR ending a verbatim string");

  /* Aggregates: no nil, within the limits, a push never empty. */
  REFUSED("%-1\r\n", 4, "map length -1 is out of range (0 to 8388608)");
  REFUSED("%8388609\r\n", 9, "map length 8388609 is out of range");
  REFUSED("%-0\r\n", 4, "-0 as the map length");
  REFUSED("~-1\r\n", 4, "set length -1 is out of range (0 to 16777216)");
  REFUSED("~16777217\r\n", 10, "out of range");
  REFUSED(">0\r\n", 3, "push length 0 is out of range (1 to 16777216)");
  REFUSED(">-1\r\n", 4, "push length -1 is out of range");
  REFUSED(">16777217\r\n", 10, "out of range");
  REFUSED("|-1\r\n", 4, "attribute length -1 is out of range (0 to 8388608)");
  REFUSED("|8388609\r\n", 9, "out of range");
  REFUSED("|01\r\n", 2, "leading zero");

  /* A push only as a whole reply. */
  REFUSED("*1\r\n>1\r\n+a\r\n", 4, "a push message inside an aggregate");
  REFUSED("%1\r\n+k\r\n>1\r\n+a\r\n", 8, "a push message inside an aggregate");
  REFUSED("~1\r\n>1\r\n+a\r\n", 4, "a push message inside an aggregate");
  REFUSED(">2\r\n+m\r\n>1\r\n+a\r\n", 8, "a push message inside an aggregate");
  REFUSED("|1\r\n>1\r\n+a\r\n+v\r\n+OK\r\n", 4, "a push message inside an attribute");
  REFUSED("*1\r\n|0\r\n>1\r\n+a\r\n", 8, "a push message inside an aggregate");

  /* No attribute inside an attribute, at any depth. */
  REFUSED("|1\r\n|0\r\n", 4, "an attribute inside an attribute starts with 0x7c ('|') at offset 4");
  REFUSED("|1\r\n*1\r\n|0\r\n", 8, "an attribute inside an attribute");
  REFUSED("|1\r\n+k\r\n|0\r\n+v\r\n", 8, "an attribute inside an attribute");

  /* What an attribute holds is checked with every rule. */
  REFUSED("|1\r\n+k\r\n:007\r\n+OK\r\n", 10, "leading zero");
  REFUSED("*1\r\n|1\r\n+k\r\n!x\r\n", 12, "unknown type byte");
}

int main(int argc, char **argv) {
  RUN_TEST(resp_scan_valid);
  RUN_TEST(resp_scan_limits_accepted);
  RUN_TEST(resp_scan_poisons);
  RUN_TEST(resp_scan_reply_limit);
  RUN_TEST(resp_scan_unsolicited);
  RUN_TEST(resp_scan_resp3_valid);
  RUN_TEST(resp_scan_attribute_cuts);
  RUN_TEST(resp_scan_push_and_attribute_replies);
  RUN_TEST(resp_scan_resp3_limits);
  RUN_TEST(resp_scan_resp3_poisons);
  return 0;
}
