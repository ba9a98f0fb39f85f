/*
 * redis-commands.c: commands, checked and appended to hiredis's output buffer.
 *
 * They bypass hiredis's callback queue: the caller keeps its own FIFO of commands and the
 * shim only counts them, for the checker to refuse a reply nobody waits for. A batch costs
 * one check per command and one copy; nothing is allocated per command. This file is the
 * only code that looks at what the caller sends, and the pairing of every later reply with
 * its command rests on that check, so it stands on its own.
 */
#include "redis-internal.h"

#include <stddef.h>
#include <stdint.h>

/* Parses a decimal length ending in CR LF at p[*i]; advances *i past the LF. */
static int evl__redis_parse_length(const char *p, size_t len, size_t *i, long long *value) {
  long long v = 0;
  size_t start = *i;

  while (*i < len && p[*i] >= '0' && p[*i] <= '9') {
    v = v * 10 + (p[*i] - '0');
    if (v > EVL__RESP_MAX_BULK_LENGTH)
      return -1;
    (*i)++;
  }
  if (*i == start || len - *i < 2 || p[*i] != '\r' || p[*i + 1] != '\n')
    return -1;
  *i += 2;
  *value = v;
  return 0;
}

/*
 * Checks that cmd is exactly one RESP array of bulk strings and returns its number of
 * arguments (0 if it is not). A command the server would not answer exactly once (an
 * empty array is not answered at all; bytes after the array would be taken as another
 * command) would shift every later reply onto the wrong command.
 */
static long long evl__redis_check_command(const char *cmd, size_t len) {
  size_t i = 1;
  long long argc;
  long long arg;
  long long n;

  if (len < 4 || cmd[0] != '*' || evl__redis_parse_length(cmd, len, &i, &argc) != 0 || argc < 1)
    return 0;
  for (arg = 0; arg < argc; arg++) {
    if (i >= len || cmd[i] != '$')
      return 0;
    i++;
    if (evl__redis_parse_length(cmd, len, &i, &n) != 0 || (size_t) n > len - i ||
        len - i - (size_t) n < 2)
      return 0;
    i += (size_t) n;
    if (cmd[i] != '\r' || cmd[i + 1] != '\n')
      return 0;
    i += 2;
  }
  return i == len ? argc : 0;
}

/* The framing the encoder guarantees: a RESP array's first and last bytes, at the ends given. */
static int evl__redis_shaped(const uint8_t *cmd, size_t len) {
  return len >= 4 && cmd[0] == '*' && cmd[len - 2] == '\r' && cmd[len - 1] == '\n';
}

int evl_redis_send(evl_redis_t *c, const uint8_t *buf, const int32_t *ends, int32_t count,
                   int32_t flags) {
  size_t total;
  sds grown;
  int32_t prev;
  int32_t i;

  if (c == NULL || count < 0 || (count > 0 && (buf == NULL || ends == NULL)) ||
      (flags & ~EVL_SEND_ENCODED) != 0)
    return EVL_EINVAL;
  if (c->closing || c->ac == NULL || c->doomed)
    return EVL_ESTATE;
  if (count == 0)
    return 0;

  /* All or nothing: every command is checked before any is queued. */
  for (i = 0, prev = 0; i < count; prev = ends[i], i++) {
    size_t len = (size_t) (ends[i] - prev);

    if (ends[i] <= prev)
      return EVL_EINVAL;
    if ((flags & EVL_SEND_ENCODED) ? !evl__redis_shaped(buf + prev, len)
                                   : evl__redis_check_command((const char *) buf + prev, len) == 0)
      return EVL_EINVAL;
  }
  total = (size_t) ends[count - 1];

  /* One copy into hiredis's output buffer for the whole batch. */
  grown = sdscatlen(c->ac->c.obuf, buf, total);
  if (grown == NULL) {
    evl__redis_fail(c, EVL_REDIS_ERR_OOM, "out of memory for the commands");
    evl__redis_settle(c);
    evl__redis_defer(c);
    return 0;
  }
  c->ac->c.obuf = grown;
  c->scan.expected += (uint64_t) count;

  /* Write now, rather than one loop turn later when libuv reports the socket writable.
   * Before the connect completes hiredis watches for writability already, and writes the
   * buffer once connected. */
  if (c->connected) {
    c->in_api++;
    redisAsyncHandleWrite(c->ac); /* may free the context (then c->ac is NULL) */
    c->in_api--;
  }
  evl__redis_settle(c);
  /* A failure here must not be reported from inside this call. */
  if (c->ac == NULL)
    evl__redis_defer(c);
  return 0;
}
