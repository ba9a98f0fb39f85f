/*
 * redis-tls.c: the TLS layer of a connection (evl_redis_connect_tls()): the handshake, the
 * records read from the socket and decrypted, the output buffer encrypted and sent.
 *
 * The TLS work itself is libevloop-tls's, reached only through the operations table the
 * caller passed (include/evloop-tls.h), so that this library links no OpenSSL. That layer
 * works on memory: this file reads and writes the socket, as redis-read.c and hiredis do for
 * plain connections, and moves bytes between the socket and the session. So the only waits
 * are the socket's own, watched with libuv as for a plain connection:
 *   - reading: the session wants more input (EVL_TLS_AGAIN) until the socket has some;
 *   - writing: records the session produced wait in the session, and those the socket did not
 *     take in the connection's backlog, while libuv watches for writability.
 * One rule keeps the loop from stalling: bytes the session has decrypted are in no socket any
 * more, so no readiness event will come for them; every read drains the session to
 * EVL_TLS_AGAIN before it stops.
 *
 * hiredis still owns the context, its output buffer and its reader; it calls the write below
 * as its byte-level write, and the read half of redis-conn.c calls evl__tls_recv() through
 * redis-read.c. Nothing here calls the caller.
 */
#include "redis-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Records read from the socket, or taken from the session to be sent, per step; one buffer
 * for all connections of the loop, since every step finishes with it before the next. */
#define EVL__TLS_BUFFER_SIZE (64 * 1024)

/* Bytes of the output buffer encrypted per step, before what it produced is sent. */
#define EVL__TLS_WRITE_CHUNK (64 * 1024)

#ifdef MSG_NOSIGNAL
#define EVL__TLS_SEND_FLAGS MSG_NOSIGNAL /* a closed connection is an error, not a SIGPIPE */
#else
#define EVL__TLS_SEND_FLAGS 0
#endif

static char *evl__tls_buffer(evl_redis_t *c) {
  evl_loop_t *loop = c->loop;

  if (loop->tls_buffer == NULL)
    loop->tls_buffer = malloc(EVL__TLS_BUFFER_SIZE);
  return loop->tls_buffer;
}

int evl__tls_attach(evl_redis_t *c, const evl_tls_ops_t *ops, evl_tls_context_t *context,
                    const char *server_name, int32_t flags) {
  char error[256];
  int rc;

  /* A table of another version would be called with the wrong layout. */
  if (ops->abi != EVL_TLS_ABI || ops->size < sizeof(evl_tls_ops_t) || ops->session_new == NULL ||
      ops->feed == NULL || ops->handshake == NULL || ops->read == NULL || ops->write == NULL ||
      ops->take == NULL || ops->pending == NULL || ops->error == NULL || ops->reason == NULL ||
      ops->answered == NULL || ops->closed == NULL || ops->session_free == NULL)
    return EVL_EINVAL;
  if ((flags & ~EVL_TLS_VERIFY_NAME) != 0)
    return EVL_EINVAL;
  rc = ops->session_new(context, server_name, flags, &c->tls, error, sizeof(error));
  if (rc != 0) {
    c->tls = NULL;
    return rc == EVL_TLS_ENOMEM ? EVL_ENOMEM : EVL_EINVAL;
  }
  c->tls_ops = ops;
  return 0;
}

void evl__tls_detach(evl_redis_t *c) {
  if (c->tls != NULL)
    c->tls_ops->session_free(c->tls);
  c->tls = NULL;
  free(c->tls_backlog);
  c->tls_backlog = NULL;
  c->tls_backlog_len = 0;
  c->tls_backlog_off = 0;
}

/* The session's last failure, as the connection's error, with its reason when it is the first. */
static void evl__tls_fail(evl_redis_t *c) {
  if (c->error_kind == EVL_REDIS_ERR_NONE)
    c->tls_reason = c->tls_ops->reason(c->tls);
  evl__redis_fail(c, EVL_REDIS_ERR_TLS, c->tls_ops->error(c->tls));
}

int32_t evl_redis_tls_reason(const evl_redis_t *c) {
  return c != NULL && c->error_kind == EVL_REDIS_ERR_TLS ? c->tls_reason : EVL_TLS_R_NONE;
}

int32_t evl_redis_tls_progress(const evl_redis_t *c) {
  if (c == NULL || c->tls == NULL || !c->tcp_up)
    return EVL_REDIS_TLS_NONE;
  if (c->connected)
    return EVL_REDIS_TLS_UP;
  return c->tls_ops->answered(c->tls) == 1 ? EVL_REDIS_TLS_TALKING : EVL_REDIS_TLS_SILENT;
}

/* Sends from p as much as the socket takes: the count, or -1 with errno on a socket error. */
static ssize_t evl__tls_send(int fd, const char *p, size_t n) {
  size_t sent = 0;

  while (sent < n) {
    ssize_t w = send(fd, p + sent, n - sent, EVL__TLS_SEND_FLAGS);

    if (w < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break;
      return -1;
    }
    sent += (size_t) w;
  }
  return (ssize_t) sent;
}

int evl__tls_flush(evl_redis_t *c) {
  int fd = c->ac->c.fd;

  for (;;) {
    const char *p;
    size_t n;
    ssize_t sent;

    if (c->tls_backlog != NULL) {
      p = c->tls_backlog + c->tls_backlog_off;
      n = c->tls_backlog_len - c->tls_backlog_off;
    } else {
      char *buf = evl__tls_buffer(c);

      if (buf == NULL) {
        evl__redis_fail(c, EVL_REDIS_ERR_OOM, "out of memory for the TLS buffer");
        return -1;
      }
      n = c->tls_ops->take(c->tls, buf, EVL__TLS_BUFFER_SIZE);
      if (n == 0)
        return 0;
      p = buf;
    }
    sent = evl__tls_send(fd, p, n);
    if (sent < 0) {
      evl__redis_fail_errno(c, errno);
      return -1;
    }
    if (c->tls_backlog != NULL) {
      c->tls_backlog_off += (size_t) sent;
      if (c->tls_backlog_off < c->tls_backlog_len)
        return 1;
      free(c->tls_backlog);
      c->tls_backlog = NULL;
      c->tls_backlog_len = 0;
      c->tls_backlog_off = 0;
    } else if ((size_t) sent < n) {
      /* The shared buffer is needed by the next step: keep the rest apart. It is at most one
       * buffer's worth: nothing more is taken from the session until it has gone. */
      c->tls_backlog = malloc(n - (size_t) sent);
      if (c->tls_backlog == NULL) {
        evl__redis_fail(c, EVL_REDIS_ERR_OOM, "out of memory for the TLS records to send");
        return -1;
      }
      memcpy(c->tls_backlog, p + sent, n - (size_t) sent);
      c->tls_backlog_len = n - (size_t) sent;
      c->tls_backlog_off = 0;
      return 1;
    }
  }
}

void evl__tls_watch(evl_redis_t *c) {
  redisAsyncContext *ac = c->ac;
  int waiting = c->tls_backlog != NULL || c->tls_ops->pending(c->tls) > 0 ||
                (c->connected && sdslen(ac->c.obuf) > 0);

  /* Not before the adapter is attached; its hooks are zeroed if attaching failed. */
  if (ac->ev.addWrite == NULL || ac->ev.delWrite == NULL || ac->ev.addRead == NULL)
    return;
  /* Watching for writability with nothing to write would wake the loop at every turn. */
  if (waiting)
    ac->ev.addWrite(ac->ev.data);
  else
    ac->ev.delWrite(ac->ev.data);
  ac->ev.addRead(ac->ev.data);
}

void evl__tls_advance(evl_redis_t *c) {
  int rc = c->tls_ops->handshake(c->tls);

  /* Sent even when the handshake failed: OpenSSL's alert tells the server why. */
  if (evl__tls_flush(c) < 0)
    return;
  if (rc == EVL_TLS_FAILED) {
    evl__tls_fail(c);
    return;
  }
  if (rc == EVL_TLS_DONE) {
    c->connected = 1;
    c->report_connected = 1;
  }
  /* Commands sent during the handshake wait in the output buffer: their writability watch
   * starts here. */
  evl__tls_watch(c);
}

ssize_t evl__tls_write(redisContext *ctx) {
  evl_redis_t *c = ctx->privdata;
  size_t len = sdslen(ctx->obuf);
  size_t done = 0;
  int rc;

  /* Only hiredis's write half calls this, and never before the handshake is done (redis-
   * conn.c); nothing may leave in clear all the same. */
  if (c->tls == NULL || !c->connected || c->doomed)
    return 0;
  rc = evl__tls_flush(c);
  while (rc == 0 && done < len) {
    size_t n = len - done < EVL__TLS_WRITE_CHUNK ? len - done : EVL__TLS_WRITE_CHUNK;

    if (c->tls_ops->write(c->tls, ctx->obuf + done, n) < 0) {
      evl__tls_fail(c);
      rc = -1;
      break;
    }
    done += n;
    rc = evl__tls_flush(c);
  }
  if (rc < 0) {
    /* hiredis drops the context on -1; the recorded error is what the caller hears. */
    ctx->err = REDIS_ERR_IO;
    snprintf(ctx->errstr, sizeof(ctx->errstr), "%.*s", (int) sizeof(ctx->errstr) - 1, c->error);
    return -1;
  }
  return (ssize_t) done;
}

/* Decrypts into buf[*got .. cap) until the session wants more input: 0, or an EVL__RECV_*
 * end (a failure recorded). */
static int evl__tls_drain(evl_redis_t *c, char *buf, size_t cap, size_t *got) {
  while (*got < cap) {
    ptrdiff_t n = c->tls_ops->read(c->tls, buf + *got, cap - *got);

    if (n > 0) {
      *got += (size_t) n;
    } else if (n == EVL_TLS_AGAIN) {
      return 0;
    } else if (n == EVL_TLS_CLOSED) {
      return EVL__RECV_EOF;
    } else {
      return EVL__RECV_FAILED;
    }
  }
  return 0;
}

ssize_t evl__tls_recv(evl_redis_t *c, char *buf, size_t cap, int *more) {
  size_t got = 0;

  *more = 0;
  if (c->tls_end != 0) {
    /* Found by the previous call, behind bytes it handed on first. */
    int end = c->tls_end;

    c->tls_end = 0;
    if (end == EVL__RECV_FAILED)
      evl__tls_fail(c);
    return end;
  }
  for (;;) {
    char *records;
    ssize_t n;

    if (!c->connected) {
      evl__tls_advance(c);
      if (c->doomed)
        return EVL__RECV_FAILED;
    }
    if (c->connected) {
      int end = evl__tls_drain(c, buf, cap, &got);

      /* Reading may have produced records to send (the answer to a key update). */
      if (c->tls_ops->pending(c->tls) > 0) {
        if (evl__tls_flush(c) < 0)
          return EVL__RECV_FAILED;
        evl__tls_watch(c);
      }
      if (end != 0) {
        if (got > 0) {
          c->tls_end = end;
          *more = 1;
          return (ssize_t) got;
        }
        if (end == EVL__RECV_FAILED)
          evl__tls_fail(c);
        return end;
      }
      if (got == cap) {
        *more = 1; /* the session may hold more */
        return (ssize_t) got;
      }
      if (got > 0) {
        /* The session is drained; the socket may have more. */
        *more = c->tls_last_full && c->tls_reads < EVL__REDIS_READS_PER_EVENT;
        return (ssize_t) got;
      }
    }
    if (c->tls_reads >= EVL__REDIS_READS_PER_EVENT)
      return 0;
    records = evl__tls_buffer(c);
    if (records == NULL) {
      evl__redis_fail(c, EVL_REDIS_ERR_OOM, "out of memory for the TLS buffer");
      return EVL__RECV_FAILED;
    }
    do
      n = recv(c->ac->c.fd, records, EVL__TLS_BUFFER_SIZE, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
      c->recv_errno = errno;
      return EVL__RECV_ERRNO;
    }
    if (n == 0) {
      if (c->connected)
        return EVL__RECV_EOF;
      /* The session words it: it knows whether the server ever answered in TLS. */
      c->tls_ops->closed(c->tls);
      evl__tls_fail(c);
      return EVL__RECV_FAILED;
    }
    c->tls_reads++;
    c->tls_last_full = (size_t) n == EVL__TLS_BUFFER_SIZE;
    if (c->tls_ops->feed(c->tls, records, (size_t) n) != 0) {
      evl__tls_fail(c);
      return EVL__RECV_FAILED;
    }
  }
}
