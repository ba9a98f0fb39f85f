/*
 * redis-records.c: the replies of a connection as the records the caller reads in place
 * (their format is in evloop.h).
 *
 * hiredis's reader builds no redisReply trees here: its object functions append each value
 * to the connection's reply buffer, and the reader is fed and emptied by the shim, a slice
 * at a time. This is the whole reply path below the socket, and the fuzz target
 * (native/fuzz/fuzz-replies.c) compiles it with resp.c alone, so it depends on nothing of
 * the connection's life cycle, its socket or its upcalls.
 */
#include "redis-internal.h"

#include <stdlib.h>
#include <string.h>

/* Bytes handed to hiredis's reader at a time. After each reply it takes, the reader moves
 * what it has not parsed yet to the front of its buffer once it has consumed 1 KiB; fed in
 * slices of this size, that move stays short however much the socket gave at once. */
#define EVL__REDIS_FEED_SLICE 2048

/* Once the caller has read everything, a reply buffer larger than this is given back. */
#define EVL__REDIS_RETAINED_OUT (1024 * 1024)

/* An attribute buffer larger than this is given back once its attribute is parsed. */
#define EVL__REDIS_RETAINED_ATTR (64 * 1024)

/* Makes room for n more bytes in a buffer holding len of *cap (doubling from first). */
static int evl__redis_grow(char **buf, size_t *cap, size_t len, size_t n, size_t first) {
  size_t want;
  char *grown;

  if (*cap - len >= n)
    return 0;
  want = *cap != 0 ? *cap : first;
  while (want - len < n)
    want *= 2;
  grown = realloc(*buf, want);
  if (grown == NULL)
    return -1;
  *buf = grown;
  *cap = want;
  return 0;
}

/* Makes room for n more bytes in the reply buffer. */
static int evl__redis_reserve(evl_redis_t *c, size_t n) {
  if (n > (size_t) INT32_MAX - c->out_len)
    return -1; /* the caller reads with int32_t counts; never get near that */
  return evl__redis_grow(&c->out, &c->out_cap, c->out_len, n, 16 * 1024);
}

/* What the object functions return: hiredis wants a non-NULL object for every value, and
 * reads the type of a whole reply (to tell pushes apart), but keeps nothing of it. */
static const redisReply evl__rec_object = {.type = REDIS_REPLY_NIL};

static void *evl__rec_done(void) {
  return (void *) &evl__rec_object;
}

/* Appends a record header: its type byte and a 4-byte length or count (native order). */
static int evl__rec_header(evl_redis_t *c, char type, size_t n, size_t extra) {
  int32_t n32 = (int32_t) n;

  if (n > (size_t) INT32_MAX || evl__redis_reserve(c, 1 + sizeof(n32) + extra) != 0)
    return -1;
  c->out[c->out_len++] = type;
  memcpy(c->out + c->out_len, &n32, sizeof(n32));
  c->out_len += sizeof(n32);
  return 0;
}

/* A NULL return makes hiredis's reader fail with an out-of-memory error; the connection
 * then ends with EVL_REDIS_ERR_OOM. The checker lets through only what a record is made for,
 * so for any other type that cannot happen. */
static void *evl__rec_string(const redisReadTask *task, char *str, size_t len) {
  evl_redis_t *c = task->privdata;
  char type;

  switch (task->type) {
  case REDIS_REPLY_STRING: type = EVL_REPLY_BULK; break;
  case REDIS_REPLY_STATUS: type = EVL_REPLY_STATUS; break;
  case REDIS_REPLY_ERROR: type = EVL_REPLY_ERROR; break;
  case REDIS_REPLY_BIGNUM: type = EVL_REPLY_BIGNUM; break;  /* the digits, as text */
  case REDIS_REPLY_VERB: type = EVL_REPLY_VERBATIM; break;  /* "txt:..." whole */
  default: return NULL;
  }
  if (evl__rec_header(c, type, len, len) != 0)
    return NULL;
  if (len > 0)
    memcpy(c->out + c->out_len, str, len);
  c->out_len += len;
  return evl__rec_done();
}

static void *evl__rec_array(const redisReadTask *task, size_t elements) {
  evl_redis_t *c = task->privdata;
  char type;

  switch (task->type) {
  case REDIS_REPLY_ARRAY: type = EVL_REPLY_ARRAY; break;
  case REDIS_REPLY_MAP:
    /* hiredis counts a map's keys and values; the record counts its entries. */
    type = EVL_REPLY_MAP;
    elements /= 2;
    break;
  case REDIS_REPLY_SET: type = EVL_REPLY_SET; break;
  case REDIS_REPLY_PUSH: type = EVL_REPLY_PUSH; break;
  default: return NULL; /* hiredis 1.2 has no other aggregate (attributes come as maps) */
  }
  if (evl__rec_header(c, type, elements, 0) != 0)
    return NULL;
  return evl__rec_done();
}

static void *evl__rec_integer(const redisReadTask *task, long long value) {
  evl_redis_t *c = task->privdata;
  int64_t v = (int64_t) value;

  if (evl__redis_reserve(c, 1 + sizeof(v)) != 0)
    return NULL;
  c->out[c->out_len++] = EVL_REPLY_INTEGER;
  memcpy(c->out + c->out_len, &v, sizeof(v));
  c->out_len += sizeof(v);
  return evl__rec_done();
}

/* The value as hiredis parsed it (in the C locale: evl__redis_parse); the checker made sure
 * the text is one of the forms Redis sends, finite unless it says inf, -inf or nan. */
static void *evl__rec_double(const redisReadTask *task, double d, char *str, size_t len) {
  evl_redis_t *c = task->privdata;

  (void) str, (void) len;
  if (evl__redis_reserve(c, 1 + sizeof(d)) != 0)
    return NULL;
  c->out[c->out_len++] = EVL_REPLY_DOUBLE;
  memcpy(c->out + c->out_len, &d, sizeof(d));
  c->out_len += sizeof(d);
  return evl__rec_done();
}

/* A nil bulk string, a nil array and RESP3's null alike: hiredis does not tell them apart. */
static void *evl__rec_nil(const redisReadTask *task) {
  evl_redis_t *c = task->privdata;

  if (evl__redis_reserve(c, 1) != 0)
    return NULL;
  c->out[c->out_len++] = EVL_REPLY_NIL;
  return evl__rec_done();
}

static void *evl__rec_bool(const redisReadTask *task, int b) {
  evl_redis_t *c = task->privdata;

  if (evl__redis_reserve(c, 2) != 0)
    return NULL;
  c->out[c->out_len++] = EVL_REPLY_BOOL;
  c->out[c->out_len++] = b ? 1 : 0;
  return evl__rec_done();
}

static void evl__rec_free(void *object) {
  (void) object; /* records live in the reply buffer */
}

static redisReplyObjectFunctions evl__rec_functions = {
  evl__rec_string, evl__rec_array, evl__rec_integer, evl__rec_double,
  evl__rec_nil, evl__rec_bool, evl__rec_free,
};

void evl__redis_records_attach(evl_redis_t *c, redisReader *reader) {
  reader->fn = &evl__rec_functions;
  reader->privdata = c;
}

void evl__redis_records_free(evl_redis_t *c) {
  free(c->out);
  free(c->attr);
  if (c->attr_reader != NULL)
    redisReaderFree(c->attr_reader);
  c->out = NULL;
  c->attr = NULL;
  c->attr_reader = NULL;
}

/* Hands n checked bytes to hiredis's reader, a slice at a time, and takes every reply it
 * completes: each one's records become readable for the caller. */
static int evl__redis_feed(evl_redis_t *c, redisReader *reader, const char *bytes, size_t n) {
  while (n > 0) {
    /* A reply bigger than a slice is waited for whole anyway: the reader keeps its start
     * until it completes, and moves nothing meanwhile. */
    size_t slice = reader->len - reader->pos > EVL__REDIS_FEED_SLICE ? n
                   : n < EVL__REDIS_FEED_SLICE ? n : EVL__REDIS_FEED_SLICE;
    void *reply;

    if (redisReaderFeed(reader, bytes, slice) != REDIS_OK)
      return -1;
    bytes += slice;
    n -= slice;
    for (;;) {
      if (redisReaderGetReply(reader, &reply) != REDIS_OK)
        return -1;
      if (reply == NULL)
        break;
      c->out_complete = c->out_len;
      c->replies++;
    }
  }
  return 0;
}

/* Keeps n more bytes of the attribute being read. */
static int evl__redis_attr_append(evl_redis_t *c, const char *bytes, size_t n) {
  if (evl__redis_grow(&c->attr, &c->attr_cap, c->attr_len, n, 256) != 0)
    return -1;
  memcpy(c->attr + c->attr_len, bytes, n);
  c->attr_len += n;
  return 0;
}

/*
 * A complete attribute (c->attr, checked): its records, where it stood in the stream, before
 * those of the value it describes. hiredis 1.2 cannot parse '|', but an attribute has a map's
 * shape byte for byte, so a reader of its own parses it as a map ('%'), and its record's type
 * byte is then made EVL_REPLY_ATTRIBUTE. That reader completes nothing of the stream's: the
 * replies stay counted by the main reader alone.
 */
static int evl__redis_attr_parse(evl_redis_t *c) {
  size_t start = c->out_len;
  void *reply = NULL;

  if (c->attr_reader == NULL) {
    c->attr_reader = redisReaderCreateWithFunctions(&evl__rec_functions);
    if (c->attr_reader == NULL)
      return -1;
    c->attr_reader->privdata = c;
  }
  c->attr[0] = '%';
  if (redisReaderFeed(c->attr_reader, c->attr, c->attr_len) != REDIS_OK ||
      redisReaderGetReply(c->attr_reader, &reply) != REDIS_OK || reply == NULL)
    return -1; /* only memory fails a checked attribute */
  c->out[start] = EVL_REPLY_ATTRIBUTE;
  c->attr_len = 0;
  if (c->attr_cap > EVL__REDIS_RETAINED_ATTR) {
    free(c->attr);
    c->attr = NULL;
    c->attr_cap = 0;
  }
  return 0;
}

/* The bytes the checker accepted in its last call: the attributes among them (cut[]) apart. */
static int evl__redis_feed_uncut(evl_redis_t *c, redisReader *reader, const char *bytes,
                                 size_t n) {
  const evl__resp_scanner_t *s = &c->scan;
  size_t from = 0;
  size_t k;

  for (k = 0; k < s->cuts; k++) {
    size_t cut_start = s->cut[k][0] < n ? s->cut[k][0] : n;
    size_t cut_end = s->cut[k][1] < n ? s->cut[k][1] : n;
    /* Only the last one may go on in the next call; one the checker refused never ends. */
    int complete = k + 1 < s->cuts || s->attr_depth == 0;

    if (cut_start > from && evl__redis_feed(c, reader, bytes + from, cut_start - from) != 0)
      return -1;
    if (cut_end > cut_start && evl__redis_attr_append(c, bytes + cut_start, cut_end - cut_start) != 0)
      return -1;
    if (complete && c->attr_len > 0 && evl__redis_attr_parse(c) != 0)
      return -1;
    if (cut_end > from)
      from = cut_end;
  }
  return from < n ? evl__redis_feed(c, reader, bytes + from, n - from) : 0;
}

typedef struct {
  evl_redis_t *c;
  redisReader *reader;
  const char *bytes;
  size_t n;
} evl__redis_feed_args_t;

static int evl__redis_feed_call(void *arg) {
  evl__redis_feed_args_t *a = arg;

  return evl__redis_feed_uncut(a->c, a->reader, a->bytes, a->n);
}

/*
 * The checker has seen every byte, so the reader fails only for want of memory. Attributes
 * are parsed apart (hiredis 1.2 cannot parse them); without one this is a single feed. Once the
 * stream has had a double, the reader runs in the C locale: it parses doubles with strtod(),
 * which in a locale with a decimal comma would refuse "1.5".
 */
int evl__redis_parse(evl_redis_t *c, redisReader *reader, const char *bytes, size_t n) {
  evl__redis_feed_args_t args = {c, reader, bytes, n};

  if (c->scan.doubles)
    return evl__with_c_locale(evl__redis_feed_call, &args);
  if (c->scan.cuts > 0)
    return evl__redis_feed_uncut(c, reader, bytes, n);
  return evl__redis_feed(c, reader, bytes, n);
}

/* Drops the records the caller read in place during a DATA upcall; those of a reply still
 * being parsed move to the front. A large buffer that has emptied is given back. */
void evl__redis_drop_delivered(evl_redis_t *c) {
  size_t rest = c->out_len - c->out_complete;

  if (rest > 0)
    memmove(c->out, c->out + c->out_complete, rest);
  c->out_len = rest;
  c->out_complete = 0;
  if (rest == 0 && c->out_cap > EVL__REDIS_RETAINED_OUT) {
    free(c->out);
    c->out = NULL;
    c->out_cap = 0;
  }
}

int32_t evl_redis_replies(evl_redis_t *c, const uint8_t **data) {
  if (c == NULL || data == NULL)
    return EVL_EINVAL;
  *data = (const uint8_t *) c->out;
  return (int32_t) c->out_complete;
}
