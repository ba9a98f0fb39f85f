/*
 * A libFuzzer target for the shim's reply path: bytes from the socket, through the RESP
 * checker (resp.c), into hiredis's reader with the shim's record functions
 * (redis-records.c), attributes parsed apart, to the records the Java side reads. Built with
 * -fsanitize=fuzzer,address,undefined (EVL_FUZZ=ON, Clang only; scripts/fuzz-native.sh runs
 * it for a bounded time).
 *
 * The first input byte says how the rest is cut into reads (each read then goes through the
 * same steps as a socket read of the read half, the checker called again after each stop
 * before an attribute). Besides memory and undefined-behaviour errors, it fails when the path
 * breaks its own promises:
 *   - hiredis completes exactly the replies the checker saw complete, pushes included and
 *     attributes not (they are parsed apart, each into a record before its value's);
 *   - the records of the completed replies are well formed, hold exactly that many replies
 *     (walked as ReplyRecords walks them) and only what the checker lets through: a push
 *     only as a whole reply, verbatim strings with their "fmt:", big numbers without a
 *     leading zero, no attribute;
 *   - an error of the reader only ever comes from memory (none here), so after a clean check
 *     the reader never fails;
 *   - the outcome does not depend on how the stream was cut: the same input read whole
 *     gives the same records, accepts as many bytes and completes as many replies.
 *
 * The shim's sources are included, not linked, so that their internal (static) functions
 * are reachable; nothing else of the library is built into this program.
 */
#include "../src/resp.c"
#include "../src/redis-records.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Not CHECK(): the target is built with NDEBUG (RelWithDebInfo), and these checks are
 * what it is for. */
#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "fuzz-replies: check failed: %s (line %d)\n", #cond, __LINE__); \
      abort();                                                             \
    }                                                                      \
  } while (0)

static int32_t count_at(const uint8_t *p, size_t len, size_t at) {
  int32_t n;

  CHECK(len - at >= 5);
  memcpy(&n, p + at + 1, 4);
  CHECK(n >= 0);
  return n;
}

static size_t walk(const uint8_t *p, size_t len, size_t at, int depth) {
  int32_t n;
  int32_t values;

  CHECK(at < len && depth <= EVL__RESP_MAX_DEPTH);
  switch (p[at]) {
  case EVL_REPLY_BULK:
  case EVL_REPLY_STATUS:
  case EVL_REPLY_ERROR:
    n = count_at(p, len, at);
    CHECK((size_t) n <= len - at - 5);
    return at + 5 + (size_t) n;
  case EVL_REPLY_BIGNUM: {
    const uint8_t *text = p + at + 5;
    int32_t i = text[0] == '-' ? 1 : 0;

    n = count_at(p, len, at);
    CHECK((size_t) n <= len - at - 5 && n <= EVL__RESP_MAX_BIGNUM_CHARS && n > i);
    CHECK(text[i] != '0' || (n == 1 && i == 0)); /* no leading zero, no -0 */
    for (; i < n; i++)
      CHECK(text[i] >= '0' && text[i] <= '9');
    return at + 5 + (size_t) n;
  }
  case EVL_REPLY_VERBATIM:
    n = count_at(p, len, at);
    CHECK((size_t) n <= len - at - 5 && n >= 4 && p[at + 5 + 3] == ':');
    return at + 5 + (size_t) n;
  case EVL_REPLY_INTEGER:
  case EVL_REPLY_DOUBLE:
    CHECK(len - at >= 9);
    return at + 9;
  case EVL_REPLY_BOOL:
    CHECK(len - at >= 2 && (p[at + 1] == 0 || p[at + 1] == 1));
    return at + 2;
  case EVL_REPLY_NIL:
    return at + 1;
  case EVL_REPLY_ARRAY:
  case EVL_REPLY_SET:
  case EVL_REPLY_PUSH:
  case EVL_REPLY_MAP:
    n = count_at(p, len, at);
    if (p[at] == EVL_REPLY_PUSH)
      CHECK(depth == 0 && n >= 1);
    CHECK(n <= (p[at] == EVL_REPLY_MAP ? EVL__RESP_MAX_MAP_LENGTH : EVL__RESP_MAX_ARRAY_LENGTH));
    values = p[at] == EVL_REPLY_MAP ? 2 * n : n;
    at += 5;
    for (int32_t i = 0; i < values; i++)
      at = walk(p, len, at, depth + 1);
    return at;
  case EVL_REPLY_ATTRIBUTE:
    /* Its entries a level deeper, then the value it describes, in its own place. */
    n = count_at(p, len, at);
    CHECK(n <= EVL__RESP_MAX_MAP_LENGTH);
    at += 5;
    for (int32_t i = 0; i < 2 * n; i++)
      at = walk(p, len, at, depth + 1);
    return walk(p, len, at, depth);
  default:
    CHECK(0 && "unknown record type");
    return len;
  }
}

/* What one pass over the input came to. */
typedef struct {
  evl_redis_t c;
  size_t accepted; /* bytes the checker accepted */
} pass_t;

/* Feeds data to the checker and the reader in reads of `chunk` bytes, as the read half does. */
static void run(pass_t *r, const uint8_t *data, size_t size, size_t chunk) {
  redisReader *reader;
  size_t at;

  memset(r, 0, sizeof(*r));
  evl__resp_scanner_init(&r->c.scan);
  r->c.scan.expected = UINT64_MAX / 2; /* as many commands as replies can come */
  r->c.scan.max_reply = 1 << 20;
  reader = redisReaderCreateWithFunctions(&evl__rec_functions);
  CHECK(reader != NULL);
  reader->privdata = &r->c;

  for (at = 0; at < size;) {
    size_t n = size - at < chunk ? size - at : chunk;
    size_t valid = 0;
    size_t part;

    do {
      part = evl__resp_scan(&r->c.scan, (const char *) data + at + valid, n - valid);
      CHECK(r->c.scan.cuts <= EVL__RESP_MAX_CUTS);
      if (part > 0)
        CHECK(evl__redis_parse(&r->c, reader, (const char *) data + at + valid, part) == 0);
      valid += part;
    } while (part > 0 && valid < n && r->c.scan.error[0] == '\0');
    CHECK(r->c.replies == r->c.scan.completed);
    r->accepted += valid;
    if (valid < n) {
      CHECK(r->c.scan.error[0] != '\0'); /* a stop before an attribute always moves on */
      break; /* refused: the connection would end here */
    }
    at += n;
  }
  redisReaderFree(reader);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static pass_t cut, whole;
  size_t chunk;
  size_t at;
  uint64_t walked = 0;

  if (size < 1)
    return 0;
  chunk = 1 + (size_t) data[0] * 4; /* 1 to 1021 bytes per read */
  data++;
  size--;

  run(&cut, data, size, chunk);
  for (at = 0; at < cut.c.out_complete; walked++)
    at = walk((const uint8_t *) cut.c.out, cut.c.out_complete, at, 0);
  CHECK(at == cut.c.out_complete);
  CHECK(walked == cut.c.replies);

  run(&whole, data, size, size);
  CHECK(whole.accepted == cut.accepted);
  CHECK(whole.c.scan.completed == cut.c.scan.completed);
  CHECK(whole.c.out_complete == cut.c.out_complete);
  CHECK(cut.c.out_complete == 0 || memcmp(whole.c.out, cut.c.out, cut.c.out_complete) == 0);
  CHECK(strcmp(whole.c.scan.error, cut.c.scan.error) == 0);

  evl__redis_records_free(&cut.c);
  evl__redis_records_free(&whole.c);
  return 0;
}
