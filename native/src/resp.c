/*
 * resp.c: an incremental checker for a stream of RESP2 and RESP3 replies (see
 * evloop-internal.h).
 *
 * Why it exists: hiredis parses the replies of a Redis connection, but its limits are not
 * evloop's: it buffers a "$999999999999" bulk string for as long as bytes come, bounds no
 * reply's total size, and its rules for numbers and unsolicited replies differ from one
 * version to the next. The socket reader (redis-read.c) therefore feeds hiredis only bytes
 * this checker has accepted. Its rules and limits are those of evloop's Java decoder
 * (src/main/java/io/evloop/redis/RespDecoder.java), so both backends accept and refuse the
 * same streams.
 *
 * The checker keeps no bytes (but the 32 characters of a double): it tracks the state of the
 * reply being read (a number line, a simple string or error line, bulk string content, the
 * values still to come in each open aggregate), so a reply may be split across calls at any
 * byte.
 *
 * RESP3 on top of RESP2: null '_', boolean '#', double ',', big number '(', verbatim string
 * '=', map '%', set '~', push '>' and attribute '|'. A push is a reply no command waits for,
 * so it needs none and consumes none, and only a whole reply may be one. An attribute
 * describes the value that follows it: it is checked, and counted neither as an element of
 * its aggregate nor as a reply; hiredis 1.2 has no parser for it, so the caller leaves its
 * bytes out of what the connection's reader reads (cut[]) and parses them apart. Blob errors ('!') and streamed strings
 * and aggregates ("$?") stay refused: hiredis 1.2 cannot parse them either.
 */
#include "evloop-internal.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __APPLE__
#include <xlocale.h>
#endif

enum {
  EVL__RESP_TYPE,       /* a type byte */
  EVL__RESP_ATTRIBUTED, /* the type byte of the value a top-level attribute describes: that
                           reply started with the attribute */
  EVL__RESP_NUMBER,     /* the rest of a number line: ':', '$', '*', '=', '%', '~', '>', '|' */
  EVL__RESP_NUMBER_LF,  /* the LF after a number line's CR */
  EVL__RESP_LINE,       /* the rest of a '+' or '-' line */
  EVL__RESP_LINE_LF,    /* the LF after a simple string or error line's CR */
  EVL__RESP_BULK,       /* bulk or verbatim string content */
  EVL__RESP_BULK_CR,    /* the CR after bulk or verbatim string content */
  EVL__RESP_BULK_LF,    /* the LF after bulk or verbatim string content */
  EVL__RESP_VERBATIM,   /* the first 4 bytes of a verbatim string: a format and ':' */
  EVL__RESP_BOOL,       /* the 't' or 'f' of a boolean */
  EVL__RESP_DOUBLE,     /* the rest of a double's line */
  EVL__RESP_BIGNUM,     /* the rest of a big number's line */
  EVL__RESP_TEXT_CR,    /* the CR ending a null or boolean line */
  EVL__RESP_TEXT_LF,    /* the LF ending a null, boolean, double or big number line */
  EVL__RESP_FAILED      /* after an error: nothing more is accepted */
};

/* Where a double's text is: [-]D+[.D+][(e|E)[+|-]D+], or inf, -inf, nan spelled out. */
enum {
  EVL__DBL_START,   /* nothing yet */
  EVL__DBL_SIGN,    /* "-" */
  EVL__DBL_INT,     /* digits (complete) */
  EVL__DBL_DOT,     /* digits and "." */
  EVL__DBL_FRAC,    /* a fraction's digits (complete) */
  EVL__DBL_E,       /* "e" or "E" */
  EVL__DBL_ESIGN,   /* the exponent's sign */
  EVL__DBL_EXP,     /* the exponent's digits (complete) */
  EVL__DBL_WORD,    /* part of "inf", "-inf" or "nan" */
  EVL__DBL_WORD_END /* all of it (complete) */
};

/* Longest number line: a sign and the 19 digits of a signed 64-bit value. */
#define EVL__RESP_MAX_NUMBER_CHARS 20

/* Completing a value is on the path of every one of them, and called from many places: left
 * to itself the compiler makes it a call, which costs RESP2 streams several percent. */
#if defined(__GNUC__) || defined(__clang__)
#define EVL__RESP_HOT inline __attribute__((always_inline))
#else
#define EVL__RESP_HOT inline
#endif

void evl__resp_scanner_init(evl__resp_scanner_t *s) {
  memset(s, 0, sizeof(*s));
  s->state = EVL__RESP_TYPE;
  s->max_reply = EVL__RESP_DEFAULT_MAX_REPLY;
}

/* ---- the C locale ---- */

static pthread_once_t evl__c_locale_once = PTHREAD_ONCE_INIT;
static locale_t evl__c_locale; /* made once, kept for the life of the process */

static void evl__c_locale_make(void) {
  evl__c_locale = newlocale(LC_ALL_MASK, "C", (locale_t) 0);
}

/* The C locale, or (locale_t) 0 if it could not be made (for want of memory): the caller
 * then runs in the process's locale, which is the C locale unless someone changed it. */
static locale_t evl__c_locale_get(void) {
  pthread_once(&evl__c_locale_once, evl__c_locale_make);
  return evl__c_locale;
}

double evl__strtod_c(const char *text, char **end) {
  locale_t c = evl__c_locale_get();
  locale_t old = c != (locale_t) 0 ? uselocale(c) : (locale_t) 0;
  double d = strtod(text, end);

  if (c != (locale_t) 0)
    uselocale(old);
  return d;
}

int evl__with_c_locale(int (*fn)(void *arg), void *arg) {
  locale_t c = evl__c_locale_get();
  locale_t old = c != (locale_t) 0 ? uselocale(c) : (locale_t) 0;
  int rc = fn(arg);

  if (c != (locale_t) 0)
    uselocale(old);
  return rc;
}

/* ---- the checker ---- */

/* What the line being read is, for messages. */
static const char *evl__resp_what(unsigned char type) {
  switch (type) {
  case ':': return "integer";
  case '$': return "bulk string length";
  case '*': return "array length";
  case '=': return "verbatim string length";
  case '%': return "map length";
  case '~': return "set length";
  case '>': return "push length";
  case '|': return "attribute length";
  case '+': return "simple string";
  case '_': return "null";
  case '#': return "boolean";
  case ',': return "double";
  case '(': return "big number";
  default: return "error reply";
  }
}

/* Stops the scanner; the message names the offending byte's offset in the stream. An
 * attribute being read ends its cut at that byte: the bytes before it were accepted. */
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
  if (s->cuts > 0 && s->cut[s->cuts - 1][1] > at)
    s->cut[s->cuts - 1][1] = at;
  return at;
}

static size_t evl__resp_fail_text(evl__resp_scanner_t *s, size_t at, const char *text) {
  snprintf(s->error, sizeof(s->error), "%s, at offset %llu of the reply stream", text,
           (unsigned long long) (s->offset + at));
  s->state = EVL__RESP_FAILED;
  if (s->cuts > 0 && s->cut[s->cuts - 1][1] > at)
    s->cut[s->cuts - 1][1] = at;
  return at;
}

/* An attribute is complete, its last byte before `end` (an offset into this call's data):
 * its cut ends there, and the value it describes comes next, in the same place. */
EVL__NOINLINE static void evl__resp_attribute_done(evl__resp_scanner_t *s, size_t end) {
  s->attr_depth = 0;
  s->cut[s->cuts - 1][1] = end;
  s->state = s->depth == 0 ? EVL__RESP_ATTRIBUTED : EVL__RESP_TYPE;
}

/* A value is complete, its last byte before `end`: fill the innermost open aggregate,
 * closing those it completes. An attribute that closes is no value of its own: its
 * aggregate still waits for as many as before. */
static EVL__RESP_HOT void evl__resp_value_done(evl__resp_scanner_t *s, size_t end) {
  s->state = EVL__RESP_TYPE;
  while (s->depth > 0) {
    if (--s->left[s->depth - 1] > 0)
      return;
    if (s->depth-- == s->attr_depth) {
      evl__resp_attribute_done(s, end);
      return;
    }
  }
  s->completed++;
}

/* Opens an aggregate of `values` values (a map's and an attribute's count both keys and
 * values), a level deeper. Returns 0, or 1 on error. */
static int evl__resp_open(evl__resp_scanner_t *s, size_t at, int64_t values) {
  if (s->depth == EVL__RESP_MAX_DEPTH) {
    char text[96];

    snprintf(text, sizeof(text), "aggregates nested deeper than %d levels", EVL__RESP_MAX_DEPTH);
    evl__resp_fail_text(s, at, text);
    return 1;
  }
  s->left[s->depth++] = values;
  s->state = EVL__RESP_TYPE;
  return 0;
}

/* A length out of [min, max] for the current type: fails at `at`, the line's LF. */
static int evl__resp_out_of_range(evl__resp_scanner_t *s, size_t at, int64_t value, int64_t min,
                                  int64_t max) {
  char text[112];

  snprintf(text, sizeof(text), "%s %lld is out of range (%lld to %lld)", evl__resp_what(s->type),
           (long long) value, (long long) min, (long long) max);
  evl__resp_fail_text(s, at, text);
  return 1;
}

/* The number line of a verbatim string, map, set, push or attribute ended (its LF is at
 * `at`) with value: act on it. Returns 0, or 1 on error. Out of line: RESP2 streams never
 * come here. */
EVL__NOINLINE static int evl__resp_number3(evl__resp_scanner_t *s, size_t at, int64_t value) {
  switch (s->type) {
  case '=':
    /* No nil verbatim string, and room for the format and its colon. */
    if (value < 4 || value > EVL__RESP_MAX_BULK_LENGTH)
      return evl__resp_out_of_range(s, at, value, 4, EVL__RESP_MAX_BULK_LENGTH);
    s->remaining = value;
    s->chars = 0;
    s->state = EVL__RESP_VERBATIM;
    return 0;
  case '%':
    if (value < 0 || value > EVL__RESP_MAX_MAP_LENGTH)
      return evl__resp_out_of_range(s, at, value, 0, EVL__RESP_MAX_MAP_LENGTH);
    value *= 2;
    break;
  case '~':
    if (value < 0 || value > EVL__RESP_MAX_ARRAY_LENGTH)
      return evl__resp_out_of_range(s, at, value, 0, EVL__RESP_MAX_ARRAY_LENGTH);
    break;
  case '>':
    /* A push names its kind in its first element. */
    if (value < 1 || value > EVL__RESP_MAX_ARRAY_LENGTH)
      return evl__resp_out_of_range(s, at, value, 1, EVL__RESP_MAX_ARRAY_LENGTH);
    break;
  default: /* '|' */
    if (value < 0 || value > EVL__RESP_MAX_MAP_LENGTH)
      return evl__resp_out_of_range(s, at, value, 0, EVL__RESP_MAX_MAP_LENGTH);
    if (value == 0) {
      evl__resp_attribute_done(s, at + 1);
      return 0;
    }
    return evl__resp_open(s, at, value * 2);
  }
  if (value == 0) {
    evl__resp_value_done(s, at + 1);
    return 0;
  }
  return evl__resp_open(s, at, value);
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
    evl__resp_value_done(s, at + 1);
    return 0;
  }
  if (s->type != '$' && s->type != '*')
    return evl__resp_number3(s, at, value);
  if (value == -1) { /* a nil bulk string or nil array */
    evl__resp_value_done(s, at + 1);
    return 0;
  }
  if (s->type == '$') {
    if (value < -1 || value > EVL__RESP_MAX_BULK_LENGTH)
      return evl__resp_out_of_range(s, at, value, -1, EVL__RESP_MAX_BULK_LENGTH);
    s->remaining = value;
    s->state = value == 0 ? EVL__RESP_BULK_CR : EVL__RESP_BULK;
    return 0;
  }
  if (value < -1 || value > EVL__RESP_MAX_ARRAY_LENGTH)
    return evl__resp_out_of_range(s, at, value, -1, EVL__RESP_MAX_ARRAY_LENGTH);
  if (value == 0) {
    evl__resp_value_done(s, at + 1);
    return 0;
  }
  return evl__resp_open(s, at, value);
}

/* A null, boolean, double or big number line ended (its LF is at `at`): check what only the
 * whole line tells. Returns 0, or 1 on error. */
static int evl__resp_text_done(evl__resp_scanner_t *s, size_t at) {
  char text[128];

  if (s->type == ',') {
    int g = s->grammar;

    if (g != EVL__DBL_INT && g != EVL__DBL_FRAC && g != EVL__DBL_EXP && g != EVL__DBL_WORD_END) {
      snprintf(text, sizeof(text), "double \"%s\" is not a number Redis sends", s->text);
      evl__resp_fail_text(s, at, text);
      return 1;
    }
    /* hiredis refuses what strtod() makes infinite (where Redis would have sent inf); an
     * underflow to 0 or a subnormal is a finite value, and fine. */
    if (g != EVL__DBL_WORD_END && !isfinite(evl__strtod_c(s->text, NULL))) {
      snprintf(text, sizeof(text), "double \"%s\" is not finite (Redis sends inf or -inf then)",
               s->text);
      evl__resp_fail_text(s, at, text);
      return 1;
    }
    s->doubles = 1;
  } else if (s->type == '(') {
    if (s->digits == 0) {
      evl__resp_fail_text(s, at, "no digits in the big number");
      return 1;
    }
    if (s->negative && s->magnitude == 0) {
      evl__resp_fail_text(s, at, "-0 as the big number (Redis never sends it)");
      return 1;
    }
  }
  evl__resp_value_done(s, at + 1);
  return 0;
}

/* The next character of a double's text. Returns 0, or 1 when b cannot continue a double
 * Redis sends (then the caller fails). */
static int evl__resp_double_char(evl__resp_scanner_t *s, unsigned char b) {
  int digit = b >= '0' && b <= '9';
  int g = s->grammar;

  switch (g) {
  case EVL__DBL_START:
    g = digit ? EVL__DBL_INT : b == '-' ? EVL__DBL_SIGN : b == 'i' || b == 'n' ? EVL__DBL_WORD : -1;
    break;
  case EVL__DBL_SIGN:
    g = digit ? EVL__DBL_INT : b == 'i' ? EVL__DBL_WORD : -1;
    break;
  case EVL__DBL_INT:
    g = digit ? EVL__DBL_INT : b == '.' ? EVL__DBL_DOT : b == 'e' || b == 'E' ? EVL__DBL_E : -1;
    break;
  case EVL__DBL_DOT:
  case EVL__DBL_FRAC:
    g = digit ? EVL__DBL_FRAC : g == EVL__DBL_FRAC && (b == 'e' || b == 'E') ? EVL__DBL_E : -1;
    break;
  case EVL__DBL_E:
    g = digit ? EVL__DBL_EXP : b == '+' || b == '-' ? EVL__DBL_ESIGN : -1;
    break;
  case EVL__DBL_ESIGN:
  case EVL__DBL_EXP:
    g = digit ? EVL__DBL_EXP : -1;
    break;
  case EVL__DBL_WORD: {
    /* The word is known from its first letter (after the sign): "-n" was refused above. */
    const char *word = s->text[0] == 'n' ? "nan" : s->text[0] == '-' ? "-inf" : "inf";

    if ((unsigned char) word[s->chars] != b)
      return 1;
    if (word[s->chars + 1] == '\0')
      g = EVL__DBL_WORD_END;
    break;
  }
  default: /* EVL__DBL_WORD_END: nothing may follow */
    return 1;
  }
  if (g < 0)
    return 1;
  s->grammar = g;
  s->text[s->chars++] = (char) b;
  s->text[s->chars] = '\0';
  return 0;
}

/* The byte b at p[i] in one of RESP3's line states (and a verbatim string's format). Returns 0
 * to go on, 1 on error. Out of line: RESP2 streams never come here. */
EVL__NOINLINE static int evl__resp_byte3(evl__resp_scanner_t *s, size_t i, unsigned char b) {
  switch (s->state) {
  case EVL__RESP_VERBATIM:
    /* The format is any 3 bytes; hiredis wants the colon after them. */
    if (s->chars == 3 && b != ':') {
      evl__resp_fail(s, i, "expected ':' after a verbatim string's 3-byte format, got", b);
      return 1;
    }
    s->chars++;
    s->remaining--;
    if (s->chars == 4)
      s->state = s->remaining == 0 ? EVL__RESP_BULK_CR : EVL__RESP_BULK;
    return 0;

  case EVL__RESP_BOOL:
    if (b != 't' && b != 'f') {
      evl__resp_fail(s, i, "a boolean is #t or #f, not", b);
      return 1;
    }
    s->state = EVL__RESP_TEXT_CR;
    return 0;

  case EVL__RESP_DOUBLE:
    if (b == '\r') {
      s->state = EVL__RESP_TEXT_LF;
    } else if (s->chars == EVL__RESP_MAX_DOUBLE_CHARS) {
      evl__resp_fail(s, i, "a double longer than 32 characters goes on with", b);
      return 1;
    } else if (evl__resp_double_char(s, b)) {
      evl__resp_fail(s, i, "unexpected byte in a double:", b);
      return 1;
    }
    return 0;

  case EVL__RESP_BIGNUM:
    /* The rules of an integer's digits, without its range. */
    if (b >= '0' && b <= '9') {
      if (s->digits > 0 && s->magnitude == 0) {
        evl__resp_fail(s, i, "a leading zero in a number (Redis never sends one) before", b);
        return 1;
      }
      if (s->chars == EVL__RESP_MAX_BIGNUM_CHARS) {
        evl__resp_fail(s, i, "a big number longer than 1024 characters goes on with", b);
        return 1;
      }
      s->magnitude |= (uint64_t) (b - '0');
      s->chars++;
      s->digits++;
    } else if (b == '-' && s->chars == 0) {
      s->negative = 1;
      s->chars++;
    } else if (b == '\r') {
      s->state = EVL__RESP_TEXT_LF;
    } else {
      evl__resp_fail(s, i, "unexpected byte in a big number:", b);
      return 1;
    }
    return 0;

  case EVL__RESP_TEXT_CR:
    if (b != '\r') {
      evl__resp_fail(s, i, s->type == '_' ? "expected CR LF right after a null's '_', got"
                                          : "expected CR LF after a boolean's t or f, got",
                     b);
      return 1;
    }
    s->state = EVL__RESP_TEXT_LF;
    return 0;

  default: /* EVL__RESP_TEXT_LF */
    if (b != '\n') {
      char what[80];

      snprintf(what, sizeof(what), "expected LF after the CR ending a %s, got",
               evl__resp_what(s->type));
      evl__resp_fail(s, i, what, b);
      return 1;
    }
    return evl__resp_text_done(s, i);
  }
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

/* A RESP3 type byte b at p[i] (or one that is no type byte): starts its value. Returns 0 to go
 * on, 1 when the scan must stop there (an error was recorded, or cut[] is full and the
 * attribute waits for the next call). Out of line: RESP2 streams never come here. */
EVL__NOINLINE static int evl__resp_type3(evl__resp_scanner_t *s, size_t i, size_t len,
                                         unsigned char b) {
  if (s->depth == 0 && b != '>' && b != '|') {
    /* A new top-level reply: some command must be waiting for it. A push is the server's
     * own: no command waits for it. An attribute is judged by the value it describes, which
     * may be a push: that value's type byte comes here in its turn. */
    if (s->expected == 0) {
      evl__resp_fail(s, i, "a reply that no command waits for starts with", b);
      return 1;
    }
    s->expected--;
  }
  switch (b) {
  case '>':
    if (s->depth > 0) {
      evl__resp_fail(s, i, s->attr_depth != 0
                               ? "a push message inside an attribute (Redis sends pushes only as"
                                 " whole replies) starts with"
                               : "a push message inside an aggregate (Redis sends pushes only as"
                                 " whole replies) starts with",
                     b);
      return 1;
    }
    goto number;
  case '|':
    if (s->attr_depth != 0) {
      evl__resp_fail(s, i, "an attribute inside an attribute starts with", b);
      return 1;
    }
    if (s->cuts == EVL__RESP_MAX_CUTS)
      return 1; /* i > 0: the cuts before it lie in this call's bytes */
    s->cut[s->cuts][0] = i;
    s->cut[s->cuts][1] = len; /* until it ends in this call, if it does */
    s->cuts++;
    s->attr_depth = s->depth + 1;
    goto number;
  case '=':
  case '%':
  case '~':
  number:
    s->state = EVL__RESP_NUMBER;
    s->negative = 0;
    s->chars = 0;
    s->digits = 0;
    s->magnitude = 0;
    break;
  case '_':
    s->state = EVL__RESP_TEXT_CR;
    break;
  case '#':
    s->state = EVL__RESP_BOOL;
    break;
  case ',':
    s->state = EVL__RESP_DOUBLE;
    s->grammar = EVL__DBL_START;
    s->chars = 0;
    s->text[0] = '\0';
    break;
  case '(':
    s->state = EVL__RESP_BIGNUM;
    s->negative = 0;
    s->chars = 0;
    s->digits = 0;
    s->magnitude = 0;
    break;
  default:
    evl__resp_fail(s, i, "unknown type byte", b);
    return 1;
  }
  return 0;
}

size_t evl__resp_scan(evl__resp_scanner_t *s, const char *data, size_t len) {
  const unsigned char *p = (const unsigned char *) data;
  size_t i = 0;

  if (s->state == EVL__RESP_FAILED)
    return 0;
  s->cuts = 0;
  if (s->attr_depth != 0) { /* an attribute goes on from the last call */
    s->cut[0][0] = 0;
    s->cut[0][1] = len;
    s->cuts = 1;
  }

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
        evl__resp_value_done(s, i + n);
        i += n;
        continue;
      }
    }

    switch (s->state) {
    case EVL__RESP_TYPE:
    case EVL__RESP_ATTRIBUTED:
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
        if (evl__resp_type3(s, i, len, b)) {
          if (s->state == EVL__RESP_FAILED)
            return i;
          s->offset += i; /* stopped before an attribute: the caller calls again */
          return i;
        }
        s->type = b;
        i++;
        break;
      }
      if (s->depth == 0) {
        /* A new top-level reply: some command must be waiting for it. */
        if (s->expected == 0)
          return evl__resp_fail(s, i, "a reply that no command waits for starts with", b);
        s->expected--;
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
      evl__resp_value_done(s, i + 1);
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
        return evl__resp_fail(s, i, s->type == '=' ? "expected CR LF after verbatim string content, got"
                                                   : "expected CR LF after bulk string content, got",
                              b);
      s->state = EVL__RESP_BULK_LF;
      i++;
      break;

    case EVL__RESP_BULK_LF:
      if (b != '\n')
        return evl__resp_fail(s, i, s->type == '=' ? "expected LF after the CR ending a verbatim string, got"
                                                   : "expected LF after the CR ending a bulk string, got",
                              b);
      evl__resp_value_done(s, i + 1);
      i++;
      break;

    default: /* a state of RESP3's lines: one byte a step */
      if (evl__resp_byte3(s, i, b))
        return i;
      i++;
      break;
    }
  }
  s->offset += len;
  return len;
}
