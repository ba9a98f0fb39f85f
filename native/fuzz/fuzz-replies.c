/*
 * A libFuzzer target for the shim's reply path: bytes from the socket, through the RESP2
 * checker (resp.c), into hiredis's reader with the shim's record functions
 * (redis-records.c), to the records the Java side reads. Built with
 * -fsanitize=fuzzer,address,undefined (EVL_FUZZ=ON, Clang only; scripts/fuzz-native.sh runs
 * it for a bounded time).
 *
 * The first input byte says how the rest is cut into reads (each read then goes through the
 * same steps as a socket read of the read half). Besides memory and undefined-behaviour
 * errors, it fails when the path breaks its own promises:
 *   - hiredis completes exactly the replies the checker saw complete;
 *   - the records of the completed replies are well formed and hold exactly that many
 *     replies (walked as ReplyRecords walks them);
 *   - an error of the reader only ever comes from memory (none here) or types the checker
 *     refuses, so after a clean check the reader never fails.
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

static size_t walk(const uint8_t *p, size_t len, size_t at, int depth) {
  int32_t n;

  CHECK(at < len && depth <= EVL__RESP_MAX_DEPTH);
  switch (p[at]) {
  case EVL_REPLY_BULK:
  case EVL_REPLY_STATUS:
  case EVL_REPLY_ERROR:
    CHECK(len - at >= 5);
    memcpy(&n, p + at + 1, 4);
    CHECK(n >= 0 && (size_t) n <= len - at - 5);
    return at + 5 + (size_t) n;
  case EVL_REPLY_INTEGER:
    CHECK(len - at >= 9);
    return at + 9;
  case EVL_REPLY_NIL:
    return at + 1;
  case EVL_REPLY_ARRAY:
    CHECK(len - at >= 5);
    memcpy(&n, p + at + 1, 4);
    CHECK(n >= 0 && n <= EVL__RESP_MAX_ARRAY_LENGTH);
    at += 5;
    for (int32_t i = 0; i < n; i++)
      at = walk(p, len, at, depth + 1);
    return at;
  default:
    CHECK(0 && "unknown record type");
    return len;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  evl_redis_t c;
  redisReader *reader;
  size_t chunk;
  size_t at;
  uint64_t walked = 0;

  if (size < 1)
    return 0;
  chunk = 1 + (size_t) data[0] * 4; /* 1 to 1021 bytes per read */
  data++;
  size--;

  memset(&c, 0, sizeof(c));
  evl__resp_scanner_init(&c.scan);
  c.scan.expected = UINT64_MAX / 2; /* as many commands as replies can come */
  c.scan.max_reply = 1 << 20;
  reader = redisReaderCreateWithFunctions(&evl__rec_functions);
  CHECK(reader != NULL);
  reader->privdata = &c;

  for (at = 0; at < size;) {
    size_t n = size - at < chunk ? size - at : chunk;
    size_t valid = evl__resp_scan(&c.scan, (const char *) data + at, n);

    if (valid > 0)
      CHECK(evl__redis_parse(&c, reader, (const char *) data + at, valid) == 0);
    CHECK(c.replies == c.scan.completed);
    if (valid < n)
      break; /* refused: the connection would end here */
    at += n;
  }

  for (at = 0; at < c.out_complete; walked++)
    at = walk((const uint8_t *) c.out, c.out_complete, at, 0);
  CHECK(at == c.out_complete);
  CHECK(walked == c.replies);

  redisReaderFree(reader);
  free(c.out);
  return 0;
}
