/*
 * redis-read.c: reading a connection's socket, through the RESP2 checker, into hiredis's
 * reader.
 *
 * The shim reads the socket itself, not hiredis, so that every byte passes the checker of
 * resp.c first: hiredis's limits are not evloop's. This file knows the socket, the checker
 * and the reader, and nothing of hiredis's function table or adapter: the read half that
 * calls it is hiredis glue, kept with the rest of that glue in redis-conn.c.
 */
#include "redis-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bytes read per read(2), and reads per readiness event before other handles get a turn. */
#define EVL__REDIS_READ_SIZE (64 * 1024)
#define EVL__REDIS_READS_PER_EVENT 4

static void evl__redis_fail_errno(evl_redis_t *c, int err) {
  char message[128];

  /* XSI strerror_r (glibc gives it under _POSIX_C_SOURCE, macOS always): thread-safe. */
  if (strerror_r(err, message, sizeof(message)) != 0)
    snprintf(message, sizeof(message), "socket error %d", err);
  evl__redis_fail(c, EVL_REDIS_ERR_IO, message);
}

/*
 * Reads the socket, checks the bytes and hands hiredis those that are valid. This is what
 * hiredis's own read half would do (redisBufferRead() then redisProcessCallbacks()) with the
 * RESP2 checker in between, and with the replies taken from the reader here instead of
 * through hiredis's callback queue: the reason the shim replaces it.
 */
void evl__redis_read(evl_redis_t *c) {
  evl_loop_t *loop = c->loop;
  int fd = c->ac->c.fd;
  int round;
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
  for (round = 0; round < EVL__REDIS_READS_PER_EVENT; round++) {
    char *buf = loop->redis_read_buffer;
    ssize_t n = read(fd, buf, EVL__REDIS_READ_SIZE);
    size_t valid;

    if (n < 0) {
      if (errno == EINTR) {
        round--;
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        failure = EVL_REDIS_ERR_IO;
        failure_errno = errno;
      }
      break;
    }
    if (n == 0) {
      failure = EVL_REDIS_ERR_EOF;
      failure_message = "the server closed the connection";
      break;
    }
    valid = evl__resp_scan(&c->scan, buf, (size_t) n);
    c->in_hiredis++;
    if (valid > 0 && evl__redis_parse(c, c->ac->c.reader, buf, valid) != 0) {
      c->in_hiredis--;
      failure = EVL_REDIS_ERR_OOM;
      failure_message = c->ac->c.reader->errstr[0] != '\0' ? c->ac->c.reader->errstr
                                                             : "out of memory in hiredis's reader";
      break;
    }
    c->in_hiredis--;
    if (valid < (size_t) n) {
      failure = EVL_REDIS_ERR_PROTOCOL;
      failure_message = c->scan.error;
      break;
    }
    if (n < EVL__REDIS_READ_SIZE)
      break; /* drained: spare the read(2) that would find nothing */
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
