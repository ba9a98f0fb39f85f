/*
 * resp.c: an incremental checker for a stream of RESP2 replies (see evloop-internal.h).
 *
 * Why it exists: hiredis parses the replies of a Redis connection, but its limits are not
 * evloop's: it buffers a "$999999999999" bulk string for as long as bytes come, bounds no
 * reply's total size, and its rules for numbers and unsolicited replies differ from one
 * version to the next. The socket reader (redis-read.c) therefore feeds hiredis only bytes
 * this checker has accepted. Its rules and limits are those of evloop's Java decoder
 * (src/main/java/io/evloop/redis/RespDecoder.java), so both backends accept and refuse the
 * same streams.
 *
 * The checker keeps no bytes: it tracks the state of the reply being read (a number line, a
 * simple string or error line, bulk string content, and the elements still to come in each
 * open array), so a reply may be split across calls at any byte.
 */
#include "evloop-internal.h"

#include <stdio.h>
#include <string.h>

enum {
  EVL__RESP_TYPE,      /* a type byte: '+', '-', ':', '$' or '*' */
  EVL__RESP_NUMBER,    /* the rest of a ':', '$' or '*' line */
  EVL__RESP_NUMBER_LF, /* the LF after a number line's CR */
  EVL__RESP_LINE,      /* the rest of a '+' or '-' line */
  EVL__RESP_LINE_LF,   /* the LF after a simple string or error line's CR */
  EVL__RESP_BULK,      /* bulk string content */
  EVL__RESP_BULK_CR,   /* the CR after bulk string content */
  EVL__RESP_BULK_LF,   /* the LF after bulk string content */
  EVL__RESP_FAILED     /* after an error: nothing more is accepted */
};

/* Longest number line: a sign and the 19 digits of a signed 64-bit value. */
#define EVL__RESP_MAX_NUMBER_CHARS 20

void evl__resp_scanner_init(evl__resp_scanner_t *s) {
  memset(s, 0, sizeof(*s));
  s->state = EVL__RESP_TYPE;
  s->max_reply = EVL__RESP_DEFAULT_MAX_REPLY;
}

static const char *evl__resp_what(unsigned char type) {
  switch (type) {
  case ':':
    return "integer";
  case '$':
    return "bulk string length";
  case '*':
    return "array length";
  case '+':
    return "simple string";
  default:
    return "error reply";
  }
}

/* Stops the scanner; the message names the offending byte's offset in the stream. */
static size_t evl__resp_fail(evl__resp_scanner_t *s, size_t at, const char *what,
                             unsigned char byte) {
  char shown[16];

  if (byte >= 0x20 && byte < 0x7f)
    snprintf(shown, sizeof(shown), "0x%02x ('%c')", byte, byte);
  else
    snprintf(shown, sizeof(shown), "0x%02x", byte);
  snprintf(s->error, sizeof(s->error), "%s %s at offset %llu of the reply stream", what, shown,
           (unsigned long long) (s->offset + at));
  s->state = EVL__RESP_FAILED;
  return at;
}

static size_t evl__resp_fail_text(evl__resp_scanner_t *s, size_t at, const char *text) {
  snprintf(s->error, sizeof(s->error), "%s, at offset %llu of the reply stream", text,
           (unsigned long long) (s->offset + at));
  s->state = EVL__RESP_FAILED;
  return at;
}

/* A value is complete: fill the innermost open array, closing those it completes. */
static void evl__resp_value_done(evl__resp_scanner_t *s) {
  s->state = EVL__RESP_TYPE;
  while (s->depth > 0) {
    if (--s->left[s->depth - 1] > 0)
      return;
    s->depth--;
  }
  s->completed++;
}

/* A number line ended (its LF is at `at`): act on its value. Returns 0, or 1 on error. */
static int evl__resp_number_done(evl__resp_scanner_t *s, size_t at) {
  char text[96];
  int64_t value;

  if (s->digits == 0) {
    snprintf(text, sizeof(text), "no digits in the %s", evl__resp_what(s->type));
    evl__resp_fail_text(s, at, text);
    return 1;
  }
  if (s->negative && s->magnitude == 0) {
    snprintf(text, sizeof(text), "-0 as the %s (Redis never sends it)", evl__resp_what(s->type));
    evl__resp_fail_text(s, at, text);
    return 1;
  }
  /* The magnitude was bounded while reading: 2^63 only with a sign. */
  value = s->negative ? (int64_t) (0 - s->magnitude) : (int64_t) s->magnitude;
  if (s->type == ':') {
    evl__resp_value_done(s);
    return 0;
  }
  if (value == -1) { /* a nil bulk string or nil array */
    evl__resp_value_done(s);
    return 0;
  }
  if (s->type == '$') {
    if (value < -1 || value > EVL__RESP_MAX_BULK_LENGTH) {
      snprintf(text, sizeof(text), "bulk string length %lld is out of range (-1 to %d)",
               (long long) value, EVL__RESP_MAX_BULK_LENGTH);
      evl__resp_fail_text(s, at, text);
      return 1;
    }
    s->remaining = value;
    s->state = value == 0 ? EVL__RESP_BULK_CR : EVL__RESP_BULK;
    return 0;
  }
  if (value < -1 || value > EVL__RESP_MAX_ARRAY_LENGTH) {
    snprintf(text, sizeof(text), "array length %lld is out of range (-1 to %d)",
             (long long) value, EVL__RESP_MAX_ARRAY_LENGTH);
    evl__resp_fail_text(s, at, text);
    return 1;
  }
  if (value == 0) {
    evl__resp_value_done(s);
    return 0;
  }
  if (s->depth == EVL__RESP_MAX_DEPTH) {
    snprintf(text, sizeof(text), "arrays nested deeper than %d levels", EVL__RESP_MAX_DEPTH);
    evl__resp_fail_text(s, at, text);
    return 1;
  }
  s->left[s->depth++] = value;
  s->state = EVL__RESP_TYPE;
  return 0;
}

/*
 * The common case in one step: a bulk string or an integer that lies whole and valid in
 * p[i .. end). Returns how many bytes it takes, or 0 to leave it to the byte-by-byte path
 * below (incomplete, invalid, or near a limit), which then gives the precise verdict: this
 * only ever accepts what that path accepts. Changes nothing itself.
 */
static size_t evl__resp_fast_item(const unsigned char *p, size_t i, size_t end) {
  size_t j = i + 1;
  size_t digits_start;
  size_t digits;
  int negative = 0;
  uint64_t v = 0;

  if (j < end && p[j] == '-') {
    negative = 1;
    j++;
  }
  digits_start = j;
  /* At most 18 digits here: no overflow to check. */
  while (j < end && j - digits_start < 19 && p[j] >= '0' && p[j] <= '9') {
    v = v * 10 + (uint64_t) (p[j] - '0');
    j++;
  }
  digits = j - digits_start;
  if (digits == 0 || digits > 18 || (digits > 1 && p[digits_start] == '0') ||
      (negative && v == 0) || end - j < 2 || p[j] != '\r' || p[j + 1] != '\n')
    return 0;
  j += 2;
  if (p[i] == ':')
    return j - i;
  if (negative) /* a nil bulk string; any other negative length is an error */
    return v == 1 ? j - i : 0;
  if (v > EVL__RESP_MAX_BULK_LENGTH || (uint64_t) (end - j) < v + 2 || p[j + v] != '\r' ||
      p[j + v + 1] != '\n')
    return 0;
  return j + (size_t) v + 2 - i;
}

size_t evl__resp_scan(evl__resp_scanner_t *s, const char *data, size_t len) {
  const unsigned char *p = (const unsigned char *) data;
  size_t i = 0;

  if (s->state == EVL__RESP_FAILED)
    return 0;

  while (i < len) {
    unsigned char b = p[i];
    uint64_t at = s->offset + i;
    size_t end = len; /* how far this step may read: the reply size limit stops it */

    if (s->state == EVL__RESP_TYPE && s->depth == 0)
      s->reply_start = at;
    if (at - s->reply_start >= s->max_reply) {
      char text[112];

      snprintf(text, sizeof(text), "reply larger than %llu bytes (the reply size limit)",
               (unsigned long long) s->max_reply);
      return evl__resp_fail_text(s, i, text);
    }
    if ((uint64_t) (len - i) > s->max_reply - (at - s->reply_start))
      end = i + (size_t) (s->max_reply - (at - s->reply_start));

    if (s->state == EVL__RESP_TYPE && (b == '$' || b == ':') && (s->depth > 0 || s->expected > 0)) {
      size_t n = evl__resp_fast_item(p, i, end);

      if (n > 0) {
        if (s->depth == 0)
          s->expected--;
        evl__resp_value_done(s);
        i += n;
        continue;
      }
    }

    switch (s->state) {
    case EVL__RESP_TYPE:
      if (s->depth == 0) {
        /* A new top-level reply: some command must be waiting for it. */
        if (s->expected == 0)
          return evl__resp_fail(s, i, "a reply that no command waits for starts with", b);
        s->expected--;
      }
      if (b == '+' || b == '-') {
        s->state = EVL__RESP_LINE;
        s->line_length = 0;
      } else if (b == ':' || b == '$' || b == '*') {
        s->state = EVL__RESP_NUMBER;
        s->negative = 0;
        s->chars = 0;
        s->digits = 0;
        s->magnitude = 0;
      } else {
        return evl__resp_fail(s, i, "unknown RESP2 type byte", b);
      }
      s->type = b;
      i++;
      break;

    case EVL__RESP_NUMBER:
      if (b >= '0' && b <= '9') {
        /* 2^63 - 1, or 2^63 with a sign: the range of a signed 64-bit value. */
        uint64_t limit = s->negative ? (uint64_t) 1 << 63 : ((uint64_t) 1 << 63) - 1;
        uint64_t digit = (uint64_t) (b - '0');

        if (s->digits > 0 && s->magnitude == 0)
          return evl__resp_fail(s, i, "a leading zero in a number (Redis never sends one) before", b);
        if (s->chars == EVL__RESP_MAX_NUMBER_CHARS)
          return evl__resp_fail(s, i, "a number longer than 20 characters goes on with", b);
        if (s->magnitude > (limit - digit) / 10)
          return evl__resp_fail(s, i, "a number overflows a signed 64-bit integer at", b);
        s->magnitude = s->magnitude * 10 + digit;
        s->chars++;
        s->digits++;
      } else if (b == '-' && s->chars == 0) {
        s->negative = 1;
        s->chars++;
      } else if (b == '\r') {
        s->state = EVL__RESP_NUMBER_LF;
      } else {
        return evl__resp_fail(s, i, "unexpected byte in a number:", b);
      }
      i++;
      break;

    case EVL__RESP_NUMBER_LF:
      if (b != '\n')
        return evl__resp_fail(s, i, "expected LF after the CR ending a number, got", b);
      if (evl__resp_number_done(s, i))
        return i;
      i++;
      break;

    case EVL__RESP_LINE: {
      size_t start = i;

      while (i < end && p[i] != '\r' && p[i] != '\n')
        i++;
      s->line_length += (int64_t) (i - start);
      if (s->line_length > EVL__RESP_MAX_LINE_LENGTH) {
        return evl__resp_fail_text(s, i - (size_t) (s->line_length - EVL__RESP_MAX_LINE_LENGTH),
                                   "a simple string or error line is longer than 65536 bytes");
      }
      if (i < end) {
        if (p[i] == '\n')
          return evl__resp_fail(s, i, "LF without CR in a simple string or error line:", p[i]);
        s->state = EVL__RESP_LINE_LF;
        i++;
      }
      break;
    }

    case EVL__RESP_LINE_LF:
      if (b != '\n')
        return evl__resp_fail(s, i, "expected LF after the CR ending a line, got", b);
      evl__resp_value_done(s);
      i++;
      break;

    case EVL__RESP_BULK: {
      size_t n = end - i;

      if ((uint64_t) n > (uint64_t) s->remaining)
        n = (size_t) s->remaining;
      s->remaining -= (int64_t) n;
      i += n;
      if (s->remaining == 0)
        s->state = EVL__RESP_BULK_CR;
      break;
    }

    case EVL__RESP_BULK_CR:
      if (b != '\r')
        return evl__resp_fail(s, i, "expected CR LF after bulk string content, got", b);
      s->state = EVL__RESP_BULK_LF;
      i++;
      break;

    case EVL__RESP_BULK_LF:
      if (b != '\n')
        return evl__resp_fail(s, i, "expected LF after the CR ending a bulk string, got", b);
      evl__resp_value_done(s);
      i++;
      break;

    default:
      return 0;
    }
  }
  s->offset += len;
  return len;
}
