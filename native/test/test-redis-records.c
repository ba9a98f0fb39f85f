/*
 * The reply path below the socket (resp.c's checker, hiredis's reader, redis-records.c's
 * records) on its own: RESP3's records byte for byte, and doubles parsed the same whatever
 * the process's locale (a JVM takes it from the environment, and hiredis parses doubles with
 * strtod()). White-box: links the objects.
 */
#include "redis-internal.h"
#include "task.h"

#include <locale.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  evl_redis_t c;
  redisReader *reader;
} path_t;

static void path_start(path_t *p, uint64_t commands) {
  memset(&p->c, 0, sizeof(p->c));
  evl__resp_scanner_init(&p->c.scan);
  p->c.scan.expected = commands;
  p->reader = redisReaderCreate();
  ASSERT_NOT_NULL(p->reader);
  evl__redis_records_attach(&p->c, p->reader);
}

static void path_end(path_t *p) {
  redisReaderFree(p->reader);
  evl__redis_records_free(&p->c);
}

/* Checks and parses the bytes as the read half does; returns how many the checker took. */
static size_t path_feed(path_t *p, const char *bytes, size_t n) {
  size_t valid = 0;
  size_t part;

  do {
    part = evl__resp_scan(&p->c.scan, bytes + valid, n - valid);
    if (part > 0)
      ASSERT_OK(evl__redis_parse(&p->c, p->reader, bytes + valid, part));
    valid += part;
  } while (part > 0 && valid < n && p->c.scan.error[0] == '\0');
  ASSERT_EQ(p->c.replies, p->c.scan.completed);
  return valid;
}

#define FEED(p, literal) ASSERT_EQ(path_feed((p), literal, sizeof(literal) - 1), sizeof(literal) - 1)

static void expect_records(const path_t *p, const void *records, size_t n) {
  ASSERT_EQ(p->c.out_complete, (int64_t) n);
  ASSERT_OK(memcmp(p->c.out, records, n));
}

/* An integer record, in the machine's order. */
static size_t put_integer(uint8_t *at, int64_t v) {
  at[0] = (uint8_t) EVL_REPLY_INTEGER;
  memcpy(at + 1, &v, 8);
  return 9;
}

/* A record's 4-byte count or length, in the machine's order. */
static size_t put_count(uint8_t *at, char type, int32_t n) {
  at[0] = (uint8_t) type;
  memcpy(at + 1, &n, 4);
  return 5;
}

TEST_IMPL(redis_records_resp3) {
  path_t p;
  uint8_t want[128];
  size_t n = 0;
  double d = -0.25;

  path_start(&p, 4);
  /* A map counts its entries, not its keys and values; a boolean is one byte 0 or 1; a
   * double is 8 bytes; a verbatim string keeps its format; an attribute is a record of its
   * own right before the value it describes. */
  FEED(&p, "%1\r\n#t\r\n#f\r\n"
           "|1\r\n+k\r\n+v\r\n,-0.25\r\n"
           "=6\r\ntxt:hi\r\n"
           ">1\r\n(-12\r\n"
           "~1\r\n_\r\n");
  n += put_count(want + n, EVL_REPLY_MAP, 1);
  want[n++] = EVL_REPLY_BOOL;
  want[n++] = 1;
  want[n++] = EVL_REPLY_BOOL;
  want[n++] = 0;
  n += put_count(want + n, EVL_REPLY_ATTRIBUTE, 1);
  n += put_count(want + n, EVL_REPLY_STATUS, 1);
  want[n++] = 'k';
  n += put_count(want + n, EVL_REPLY_STATUS, 1);
  want[n++] = 'v';
  want[n++] = EVL_REPLY_DOUBLE;
  memcpy(want + n, &d, 8);
  n += 8;
  n += put_count(want + n, EVL_REPLY_VERBATIM, 6);
  memcpy(want + n, "txt:hi", 6);
  n += 6;
  n += put_count(want + n, EVL_REPLY_PUSH, 1);
  n += put_count(want + n, EVL_REPLY_BIGNUM, 3);
  memcpy(want + n, "-12", 3);
  n += 3;
  n += put_count(want + n, EVL_REPLY_SET, 1);
  want[n++] = EVL_REPLY_NIL;
  expect_records(&p, want, n);
  ASSERT_EQ(p.c.replies, 5);
  ASSERT_EQ(p.c.scan.expected, 0);
  path_end(&p);
}

/* Attributes where RESP3 allows them (before a reply, inside aggregates, several in a row,
 * before a push, empty), the stream cut at every byte: the records are the same, an
 * attribute's right before its value's, and only the main reader counts replies. */
TEST_IMPL(redis_records_attributes) {
  static const char stream[] =
      "|1\r\n+ttl\r\n:3\r\n$2\r\nhi\r\n"                 /* before a top-level reply */
      "*2\r\n:1\r\n|1\r\n+a\r\n,0.5\r\n*1\r\n:2\r\n"    /* on an aggregate inside one */
      "|0\r\n|1\r\n+b\r\n#t\r\n_\r\n"                      /* empty, then another: in a row */
      "|1\r\n+c\r\n:4\r\n>2\r\n+invalidate\r\n_\r\n";      /* before a push */
  uint8_t want[256];
  size_t n = 0;
  double half = 0.5;
  size_t cut;

  n += put_count(want + n, EVL_REPLY_ATTRIBUTE, 1);
  n += put_count(want + n, EVL_REPLY_STATUS, 3);
  memcpy(want + n, "ttl", 3);
  n += 3;
  n += put_integer(want + n, 3);
  n += put_count(want + n, EVL_REPLY_BULK, 2);
  memcpy(want + n, "hi", 2);
  n += 2;
  n += put_count(want + n, EVL_REPLY_ARRAY, 2);
  n += put_integer(want + n, 1);
  n += put_count(want + n, EVL_REPLY_ATTRIBUTE, 1);
  n += put_count(want + n, EVL_REPLY_STATUS, 1);
  want[n++] = 'a';
  want[n++] = EVL_REPLY_DOUBLE;
  memcpy(want + n, &half, 8);
  n += 8;
  n += put_count(want + n, EVL_REPLY_ARRAY, 1);
  n += put_integer(want + n, 2);
  n += put_count(want + n, EVL_REPLY_ATTRIBUTE, 0);
  n += put_count(want + n, EVL_REPLY_ATTRIBUTE, 1);
  n += put_count(want + n, EVL_REPLY_STATUS, 1);
  want[n++] = 'b';
  want[n++] = EVL_REPLY_BOOL;
  want[n++] = 1;
  want[n++] = EVL_REPLY_NIL;
  n += put_count(want + n, EVL_REPLY_ATTRIBUTE, 1);
  n += put_count(want + n, EVL_REPLY_STATUS, 1);
  want[n++] = 'c';
  n += put_integer(want + n, 4);
  n += put_count(want + n, EVL_REPLY_PUSH, 2);
  n += put_count(want + n, EVL_REPLY_STATUS, 10);
  memcpy(want + n, "invalidate", 10);
  n += 10;
  want[n++] = EVL_REPLY_NIL;

  for (cut = 0; cut < sizeof(stream) - 1; cut++) {
    path_t p;

    path_start(&p, 3); /* the push answers no command */
    ASSERT_EQ(path_feed(&p, stream, cut), cut);
    ASSERT_EQ(path_feed(&p, stream + cut, sizeof(stream) - 1 - cut), sizeof(stream) - 1 - cut);
    expect_records(&p, want, n);
    ASSERT_EQ(p.c.replies, 4);
    ASSERT_EQ(p.c.scan.expected, 0);
    ASSERT_EQ(p.c.attr_len, 0);
    path_end(&p);
  }
}

/* A locale whose decimal point is a comma, made with localedef into a folder of the test's
 * own (LOCPATH): none needs to be installed. (locale_t) 0 when the system cannot make one. */
static locale_t comma_locale(char *dir, size_t size) {
  char command[256];
  locale_t loc;

  snprintf(dir, size, "/tmp/evl-test-locale-%d-XXXXXX", (int) getpid());
  if (mkdtemp(dir) == NULL)
    return (locale_t) 0;
  snprintf(command, sizeof(command),
           "localedef -i de_DE -f UTF-8 '%s/de_DE.UTF-8' >/dev/null 2>&1", dir);
  if (system(command) != 0)
    return (locale_t) 0;
  ASSERT_OK(setenv("LOCPATH", dir, 1));
  loc = newlocale(LC_ALL_MASK, "de_DE.UTF-8", (locale_t) 0);
  unsetenv("LOCPATH");
  return loc;
}

/* The checks in the comma locale, in a child: glibc keeps memory for a locale loaded through
 * LOCPATH, which LeakSanitizer would report at the child's exit, so the child ends with
 * _exit() (a failed ASSERT aborts it, and the parent sees that). */
static void double_in_comma_locale(locale_t comma) {
  path_t p;
  double d;
  double one_and_a_half = 1.5;

  uselocale(comma);
  /* The premise: in this locale strtod() stops at the '.'. */
  ASSERT(strtod("1.5", NULL) == 1.0);

  path_start(&p, 2);
  FEED(&p, ",1.5\r\n");
  ASSERT_EQ(p.c.out_complete, 9);
  memcpy(&d, p.c.out + 1, 8);
  ASSERT(d == one_and_a_half);
  /* The checker's own strtod() sees the whole text too: 1.5e400 is infinite, not 1. */
  ASSERT_EQ(path_feed(&p, ",1.5e400\r\n", 10), 9);
  ASSERT(strstr(p.c.scan.error, "is not finite") != NULL);
  path_end(&p);
}

TEST_IMPL(redis_records_double_in_any_locale) {
  char dir[64];
  char command[128];
  pid_t child;
  int status;

  fflush(stderr);
  child = fork();
  ASSERT(child >= 0);
  if (child == 0) {
    locale_t comma = comma_locale(dir, sizeof(dir));

    if (comma == (locale_t) 0) {
      fprintf(stderr, "  skipped: no de_DE locale can be made here (localedef, the locales data)\n");
      _exit(0);
    }
    double_in_comma_locale(comma);
    _exit(0);
  }
  ASSERT_EQ(waitpid(child, &status, 0), child);
  snprintf(command, sizeof(command), "rm -rf /tmp/evl-test-locale-%d-*", (int) child);
  ASSERT_OK(system(command));
  ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(int argc, char **argv) {
  RUN_TEST(redis_records_resp3);
  RUN_TEST(redis_records_attributes);
  RUN_TEST(redis_records_double_in_any_locale);
  return 0;
}
