/*
 * redis-read.c: reading a connection's socket, through the RESP checker, into hiredis's
 * reader.
 *
 * The shim reads the socket itself, not hiredis, so that every byte passes the checker of
 * resp.c first: hiredis's limits are not evloop's. Over TLS the bytes come decrypted from
 * redis-tls.c instead, and are checked the same way. This file knows the socket, the checker
 * and the reader, and nothing of hiredis's function table or adapter: the read half that
 * calls it is hiredis glue, kept with the rest of that glue in redis-conn.c.
 */
#include "redis-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bytes read per read(2). */
#define EVL__REDIS_READ_SIZE (64 * 1024)

/* The next bytes of a plain connection's stream: > 0, 0 (nothing now) or EVL__RECV_*. *more
 * says whether another read may find more now: the buffer was filled, and the event has
 * reads left (a short read means the socket is drained; spare the read(2) that would find
 * nothing). */
static ssize_t evl__redis_recv(evl_redis_t *c, char *buf, size_t cap, int *reads, int *more) {
  for (;;) {
    ssize_t n = read(c->ac->c.fd, buf, cap);

    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
      c->recv_errno = errno;
      return EVL__RECV_ERRNO;
    }
    if (n == 0)
      return EVL__RECV_EOF;
    (*reads)++;
    *more = (size_t) n == cap && *reads < EVL__REDIS_READS_PER_EVENT;
    return n;
  }
}

/* The first bytes of the stream were refused: say so plainly when they are a TLS record (the
 * server expects TLS), which the checker only knows as a bad type byte. */
static const char *evl__redis_refusal(const evl_redis_t *c, const char *buf, size_t valid) {
  unsigned char first = (unsigned char) buf[valid];

  if (c->tls == NULL && c->scan.offset == 0 && valid == 0 && (first == 0x15 || first == 0x16))
    return "the server answered with TLS, not RESP: is it a TLS port? use rediss://";
  return c->scan.error;
}

/*
 * Reads the socket (or, over TLS, decrypts what it brings), checks the bytes and hands
 * hiredis those that are valid. This is what hiredis's own read half would do
 * (redisBufferRead() then redisProcessCallbacks()) with the RESP checker in between, and
 * with the replies taken from the reader here instead of through hiredis's callback queue:
 * the reason the shim replaces it.
 */
void evl__redis_read(evl_redis_t *c) {
  evl_loop_t *loop = c->loop;
  int reads = 0;
  /* A failure found while reading is recorded only once the replies before it are parsed. */
  int failure = EVL_REDIS_ERR_NONE;
  int failure_errno = 0;
  const char *failure_message = NULL;

  if (loop->redis_read_buffer == NULL) {
    loop->redis_read_buffer = malloc(EVL__REDIS_READ_SIZE);
    if (loop->redis_read_buffer == NULL) {
      evl__redis_fail(c, EVL_REDIS_ERR_OOM, "out of memory for the read buffer");
      return;
    }
  }
  c->tls_reads = 0;
  for (;;) {
    char *buf = loop->redis_read_buffer;
    int more = 0;
    ssize_t n = c->tls != NULL ? evl__tls_recv(c, buf, EVL__REDIS_READ_SIZE, &more)
                               : evl__redis_recv(c, buf, EVL__REDIS_READ_SIZE, &reads, &more);
    size_t valid = 0;
    size_t part;

    if (n == 0)
      break;
    if (n == EVL__RECV_ERRNO) {
      failure = EVL_REDIS_ERR_IO;
      failure_errno = c->recv_errno;
      break;
    }
    if (n == EVL__RECV_EOF) {
      failure = EVL_REDIS_ERR_EOF;
      failure_message = "the server closed the connection";
      break;
    }
    if (n < 0)
      break; /* EVL__RECV_FAILED: recorded */
    /* Usually one call; more only when the checker stops before an attribute to have the
     * ones it found handled first. */
    do {
      part = evl__resp_scan(&c->scan, buf + valid, (size_t) n - valid);
      c->in_hiredis++;
      if (part > 0 && evl__redis_parse(c, c->ac->c.reader, buf + valid, part) != 0) {
        c->in_hiredis--;
        failure = EVL_REDIS_ERR_OOM;
        failure_message = c->ac->c.reader->errstr[0] != '\0' ? c->ac->c.reader->errstr
                                                               : "out of memory in hiredis's reader";
        break;
      }
      c->in_hiredis--;
      valid += part;
    } while (part > 0 && valid < (size_t) n && c->scan.error[0] == '\0');
    if (failure != EVL_REDIS_ERR_NONE)
      break;
    if (valid < (size_t) n) {
      failure = EVL_REDIS_ERR_PROTOCOL;
      failure_message = evl__redis_refusal(c, buf, valid);
      break;
    }
    if (!more)
      break;
  }

  /* hiredis must have completed exactly the replies the checker saw complete; one lost or
   * invented would shift every later reply onto the wrong command, so the connection ends
   * instead. */
  if (failure == EVL_REDIS_ERR_NONE && c->replies != c->scan.completed) {
    char message[128];

    snprintf(message, sizeof(message),
             "hiredis completed %llu replies where the server sent %llu",
             (unsigned long long) c->replies, (unsigned long long) c->scan.completed);
    evl__redis_fail(c, EVL_REDIS_ERR_PROTOCOL, message);
  }
  if (failure == EVL_REDIS_ERR_IO)
    evl__redis_fail_errno(c, failure_errno);
  else if (failure != EVL_REDIS_ERR_NONE)
    evl__redis_fail(c, failure, failure_message);
}

int evl_redis_set_max_reply(evl_redis_t *c, int64_t max) {
  if (c == NULL || max < 1)
    return EVL_EINVAL;
  c->scan.max_reply = (uint64_t) max;
  return 0;
}
