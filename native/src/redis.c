/*
 * redis.c: Redis connections on the loop, over hiredis's async API (1.x).
 *
 * Who does what
 *   hiredis connects, keeps the output buffer and writes it, parses the replies into
 *   redisReply trees and keeps the FIFO of reply callbacks. hiredis's own libuv adapter
 *   (adapters/libuv.h) attaches it to the loop: a uv_poll_t that calls
 *   redisAsyncHandleRead() and redisAsyncHandleWrite(). The shim changes one thing through
 *   hiredis's function table (redisContextFuncs, the hook its TLS support uses): the read
 *   half, evl__redis_async_read(), reads the socket itself so that every byte passes the
 *   RESP2 checker of resp.c before hiredis parses it. Each parsed reply is turned back
 *   into RESP2 bytes in a per-connection buffer that the caller reads after one
 *   EVL_EVENT_REDIS_DATA per batch. The caller (evloop's Java client) keeps its own FIFO of
 *   commands; the shim only guarantees that replies arrive whole, in order, one per command.
 *
 * Upcalls never happen inside hiredis's callbacks
 *   hiredis is not reentrant from its callbacks. So hiredis callbacks (connect, disconnect,
 *   reply, context freed) only record what happened in the connection; the upcalls to the
 *   caller are made afterwards, by evl__redis_dispatch(), when the read or write half of
 *   the function table returns (hiredis has nothing left to do in that frame: its own read
 *   half frees the context there on errors), or from the `defer` timer for what happens
 *   inside evl_redis_connect_*() and evl_redis_send() or while hiredis frees the context.
 *   Any call the caller makes from an upcall, evl_redis_close() included, therefore finds
 *   hiredis's callbacks off the stack. in_hiredis counts the shim's calls into hiredis all
 *   the same, so that a close can never free the context under one.
 *
 * Memory
 *   The evl_redis_t outlives the hiredis context (hiredis frees that itself on errors; the
 *   free_privdata hook says when) and the adapter's handles (hiredis's adapter frees its
 *   own): it is freed by the close callback of its `defer` timer after evl_redis_close(),
 *   so a read half that has just delivered an upcall in which the caller closed the
 *   connection still has valid memory.
 */
#include "evloop-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

/*
 * Exported from libhiredis (its TLS module uses it) but declared only in async_private.h,
 * which is not installed: it parses the bytes in the reader and runs the reply callbacks,
 * the second half of what hiredis's own read half does after reading the socket.
 */
void redisProcessCallbacks(redisAsyncContext *ac);

/* Bytes read per read(2), and reads per readiness event before other handles get a turn. */
#define EVL__REDIS_READ_SIZE (64 * 1024)
#define EVL__REDIS_READS_PER_EVENT 4

/* Once the caller has read everything, a reply buffer larger than this is given back. */
#define EVL__REDIS_RETAINED_OUT (1024 * 1024)

struct evl_redis_s {
  evl_loop_t *loop;
  int64_t token;
  redisAsyncContext *ac; /* NULL once hiredis is freeing or has freed it, or it never was */
  evl_redis_t *prev;     /* links in loop->redis until closed */
  evl_redis_t *next;
  redisContextFuncs funcs; /* hiredis's function table with the read half replaced */
  void (*hiredis_write)(redisAsyncContext *ac); /* hiredis's own write half */
  uv_timer_t defer;      /* upcalls for what happened outside the read and write halves */
  int in_hiredis;        /* calls of the shim into hiredis on the stack */
  int in_api;            /* inside evl_redis_connect_*() or evl_redis_send(): no upcalls */
  int closing;           /* evl_redis_close() was called: no more upcalls */
  int released;          /* unlinked, context freed, handles closing */
  int connected;         /* hiredis said the connection is up */
  int report_connected;  /* EVL_EVENT_REDIS_CONNECTED is due */
  int reported_closed;   /* EVL_EVENT_REDIS_CLOSED was delivered */
  int doomed;            /* an error was recorded: free the context once hiredis returns */
  uint64_t replies;      /* replies hiredis handed to evl__redis_on_reply() */
  int error_kind;        /* EVL_REDIS_ERR_*; the first error recorded wins */
  char error[192];
  char *out;             /* reply bytes for the caller: out[out_head .. out_len) */
  size_t out_head;
  size_t out_len;
  size_t out_cap;
  evl__resp_scanner_t scan;
};

static void evl__redis_on_defer(uv_timer_t *handle);
static void evl__redis_defer(evl_redis_t *c);
static void evl__redis_release(evl_redis_t *c);

/* ---- small helpers ------------------------------------------------------------------ */

static void evl__redis_link(evl_redis_t *c) {
  evl_loop_t *loop = c->loop;

  c->prev = NULL;
  c->next = loop->redis;
  if (loop->redis != NULL)
    loop->redis->prev = c;
  loop->redis = c;
}

static void evl__redis_unlink(evl_redis_t *c) {
  if (c->prev != NULL)
    c->prev->next = c->next;
  else
    c->loop->redis = c->next;
  if (c->next != NULL)
    c->next->prev = c->prev;
  c->prev = NULL;
  c->next = NULL;
}

/* Keeps the first error: what went wrong first is what the caller hears about. */
static void evl__redis_record(evl_redis_t *c, int kind, const char *message) {
  if (c->error_kind != EVL_REDIS_ERR_NONE)
    return;
  c->error_kind = kind != EVL_REDIS_ERR_NONE ? kind : EVL_REDIS_ERR_OTHER;
  snprintf(c->error, sizeof(c->error), "%s",
           message != NULL && message[0] != '\0' ? message : "connection closed");
}

/* Records an error and has the connection dropped as soon as hiredis is off the stack. */
static void evl__redis_fail(evl_redis_t *c, int kind, const char *message) {
  evl__redis_record(c, kind, message);
  c->doomed = 1;
}

static void evl__redis_fail_errno(evl_redis_t *c, int err) {
  char message[128];

  /* XSI strerror_r (glibc gives it under _POSIX_C_SOURCE, macOS always): thread-safe. */
  if (strerror_r(err, message, sizeof(message)) != 0)
    snprintf(message, sizeof(message), "socket error %d", err);
  evl__redis_fail(c, EVL_REDIS_ERR_IO, message);
}

/* Once a stop was requested the loop makes no more upcalls but its final wake-up; a
 * destroyed one none at all, and it must leave uv_run() soon. */
static int evl__redis_quiet(evl_loop_t *loop) {
  int flags = atomic_load(&loop->state->flags);

  if (flags & EVL__DESTROYED)
    uv_stop(&loop->uv);
  return (flags & (EVL__STOP_REQUESTED | EVL__DESTROYED)) != 0;
}

/* The defer timer was the last handle of the connection: nothing refers to it any more. */
static void evl__redis_on_handle_closed(uv_handle_t *handle) {
  evl_redis_t *c = handle->data;

  free(c->out);
  free(c);
}

/* ---- hiredis callbacks: record only, never an upcall -------------------------------- */

static void evl__redis_on_connect(const redisAsyncContext *ac, int status) {
  evl_redis_t *c = ac->data;

  if (status == REDIS_OK) {
    c->connected = 1;
    c->report_connected = 1;
  } else {
    /* hiredis disconnects and frees the context right after this returns. */
    evl__redis_record(c, ac->c.err, ac->c.errstr);
  }
}

static void evl__redis_on_disconnect(const redisAsyncContext *ac, int status) {
  evl_redis_t *c = ac->data;

  /* REDIS_OK also comes for a redisAsyncFree() of ours, which has recorded its reason. */
  if (status != REDIS_OK || ac->c.err != 0)
    evl__redis_record(c, ac->c.err, ac->c.errstr);
  else
    evl__redis_record(c, EVL_REDIS_ERR_EOF, "connection closed");
}

/* hiredis has freed the context (the last thing redisFree() does, whoever called it): forget
 * it, and report the end on the next turn unless the read or write half reports it now. */
static void evl__redis_on_context_freed(void *privdata) {
  evl_redis_t *c = privdata;

  c->ac = NULL;
  if (!c->closing)
    evl__redis_defer(c);
}

/* Makes room for n more bytes in the reply buffer. */
static int evl__redis_reserve(evl_redis_t *c, size_t n) {
  size_t cap;
  char *grown;

  if (c->out_cap - c->out_len >= n)
    return 0;
  if (c->out_head > 0) { /* unread bytes go to the front first */
    memmove(c->out, c->out + c->out_head, c->out_len - c->out_head);
    c->out_len -= c->out_head;
    c->out_head = 0;
    if (c->out_cap - c->out_len >= n)
      return 0;
  }
  if (n > (size_t) INT32_MAX - c->out_len)
    return -1; /* the caller reads with int32_t counts; never get near that */
  cap = c->out_cap != 0 ? c->out_cap : 16 * 1024;
  while (cap - c->out_len < n)
    cap *= 2;
  grown = realloc(c->out, cap);
  if (grown == NULL)
    return -1;
  c->out = grown;
  c->out_cap = cap;
  return 0;
}

/* Appends a type byte, a decimal number and CR LF ("*3\r\n", ":-12\r\n", "$5\r\n"). */
static int evl__redis_put_number(evl_redis_t *c, char type, long long value) {
  char digits[24];
  char *p = digits + sizeof(digits);
  unsigned long long magnitude = value < 0 ? 0ull - (unsigned long long) value
                                           : (unsigned long long) value;
  size_t n;

  do {
    *--p = (char) ('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  if (value < 0)
    *--p = '-';
  n = (size_t) (digits + sizeof(digits) - p);
  if (evl__redis_reserve(c, n + 3) != 0)
    return -1;
  c->out[c->out_len++] = type;
  memcpy(c->out + c->out_len, p, n);
  c->out_len += n;
  c->out[c->out_len++] = '\r';
  c->out[c->out_len++] = '\n';
  return 0;
}

/* Appends bytes followed by CR LF (a line's text, or a bulk string's content). */
static int evl__redis_put_bytes(evl_redis_t *c, const char *bytes, size_t len) {
  if (evl__redis_reserve(c, len + 2) != 0)
    return -1;
  if (len > 0)
    memcpy(c->out + c->out_len, bytes, len);
  c->out_len += len;
  c->out[c->out_len++] = '\r';
  c->out[c->out_len++] = '\n';
  return 0;
}

/* Writes a reply back as RESP2. The checker bounds the nesting to 32 levels. */
static int evl__redis_serialize(evl_redis_t *c, const redisReply *r) {
  size_t i;

  switch (r->type) {
  case REDIS_REPLY_STATUS:
  case REDIS_REPLY_ERROR:
    if (evl__redis_reserve(c, 1) != 0)
      return -1;
    c->out[c->out_len++] = r->type == REDIS_REPLY_STATUS ? '+' : '-';
    return evl__redis_put_bytes(c, r->str, r->len);
  case REDIS_REPLY_INTEGER:
    return evl__redis_put_number(c, ':', r->integer);
  case REDIS_REPLY_NIL: /* a nil bulk string or a nil array: hiredis does not tell them apart */
    return evl__redis_put_number(c, '$', -1);
  case REDIS_REPLY_STRING:
    if (evl__redis_put_number(c, '$', (long long) r->len) != 0)
      return -1;
    return evl__redis_put_bytes(c, r->str, r->len);
  case REDIS_REPLY_ARRAY:
  /* RESP3 types. The shim never sends HELLO 3 and the checker refuses RESP3 type bytes,
   * so hiredis never makes these; should that change, they map onto RESP2 as Redis itself
   * maps them for a RESP2 client. */
  case REDIS_REPLY_MAP: /* hiredis keeps a map's keys and values as 2n elements */
  case REDIS_REPLY_SET:
  case REDIS_REPLY_PUSH:
  case REDIS_REPLY_ATTR:
    if (evl__redis_put_number(c, '*', (long long) r->elements) != 0)
      return -1;
    for (i = 0; i < r->elements; i++) {
      if (evl__redis_serialize(c, r->element[i]) != 0)
        return -1;
    }
    return 0;
  case REDIS_REPLY_DOUBLE:
  case REDIS_REPLY_BIGNUM:
  case REDIS_REPLY_VERB:
    if (evl__redis_put_number(c, '$', (long long) r->len) != 0)
      return -1;
    return evl__redis_put_bytes(c, r->str, r->len);
  case REDIS_REPLY_BOOL:
    return evl__redis_put_number(c, ':', r->integer != 0);
  default:
    return -1;
  }
}

/* The one reply callback of every command. A NULL reply comes for each command still
 * waiting when hiredis frees the context: the caller fails those itself. */
static void evl__redis_on_reply(redisAsyncContext *ac, void *reply, void *privdata) {
  evl_redis_t *c = ac->data;
  size_t mark = c->out_len;

  (void) privdata;
  if (reply == NULL)
    return;
  c->replies++;
  if (c->doomed || c->closing)
    return;
  if (evl__redis_serialize(c, reply) != 0) {
    /* Whole replies only: the caller gets those before this one, then CLOSED. */
    c->out_len = mark;
    evl__redis_fail(c, EVL_REDIS_ERR_OOM, "out of memory for the reply buffer");
  }
}

/* ---- driving hiredis ----------------------------------------------------------------- */

/* Frees the hiredis context: commands not yet answered are dropped, the socket is closed
 * and the adapter closes its handles. Never with a call into hiredis on the stack. */
static void evl__redis_free_context(evl_redis_t *c) {
  redisAsyncContext *ac = c->ac;

  if (ac == NULL || c->in_hiredis > 0)
    return;
  c->in_hiredis++;
  redisAsyncFree(ac); /* evl__redis_on_context_freed() sets c->ac to NULL */
  c->in_hiredis--;
  c->ac = NULL;
}

/* Drops a connection on which an error was recorded. */
static void evl__redis_settle(evl_redis_t *c) {
  if (c->doomed && c->ac != NULL)
    evl__redis_free_context(c);
}

/*
 * Reads the socket, checks the bytes and hands hiredis those that are valid. This is what
 * hiredis's own read half would do (redisBufferRead() then redisProcessCallbacks()) with the
 * RESP2 checker in between: the reason the shim replaces it.
 */
static void evl__redis_read(evl_redis_t *c) {
  evl_loop_t *loop = c->loop;
  int fd = c->ac->c.fd;
  int fed = 0;
  int round;
  /* A failure found while reading is recorded only once hiredis has handed over the
   * replies before it (a reply callback ignores replies of a doomed connection). */
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
    if (valid > 0) {
      if (redisReaderFeed(c->ac->c.reader, buf, valid) != REDIS_OK) {
        failure = EVL_REDIS_ERR_OOM;
        failure_message = "out of memory in hiredis's reader";
        break;
      }
      fed = 1;
    }
    if (valid < (size_t) n) {
      failure = EVL_REDIS_ERR_PROTOCOL;
      failure_message = c->scan.error;
      break;
    }
    if (n < EVL__REDIS_READ_SIZE)
      break; /* drained: spare the read(2) that would find nothing */
  }

  if (fed) {
    c->in_hiredis++;
    redisProcessCallbacks(c->ac); /* may free the context on a parse error of hiredis's own */
    c->in_hiredis--;

    /* hiredis must have handed over exactly the replies the checker saw complete. It would
     * not, say, in a pub/sub mode; a reply lost or invented would shift every later reply
     * onto the wrong command, so the connection ends instead. */
    if (c->ac != NULL && !c->doomed && c->replies != c->scan.completed) {
      char message[128];

      snprintf(message, sizeof(message),
               "hiredis handed over %llu replies where the server sent %llu",
               (unsigned long long) c->replies, (unsigned long long) c->scan.completed);
      evl__redis_fail(c, EVL_REDIS_ERR_PROTOCOL, message);
    }
  }
  if (failure == EVL_REDIS_ERR_IO)
    evl__redis_fail_errno(c, failure_errno);
  else if (failure != EVL_REDIS_ERR_NONE)
    evl__redis_fail(c, failure, failure_message);
}

/* ---- upcalls --------------------------------------------------------------------------- */

/* Delivers what is due: CONNECTED, then DATA, then CLOSED (replies that came before the
 * end are read before the end is reported). The caller may close the connection, or
 * destroy the loop, in any upcall: both are checked after each one. */
static void evl__redis_dispatch(evl_redis_t *c) {
  evl_loop_t *loop = c->loop;

  if (c->closing || evl__redis_quiet(loop))
    return;
  if (c->report_connected) {
    c->report_connected = 0;
    loop->on_event(EVL_EVENT_REDIS_CONNECTED, c->token);
    if (c->closing || evl__redis_quiet(loop))
      return;
  }
  if (c->out_len > c->out_head) {
    loop->on_event(EVL_EVENT_REDIS_DATA, c->token);
    if (c->closing || evl__redis_quiet(loop))
      return;
  }
  if (c->ac == NULL && !c->reported_closed) {
    c->reported_closed = 1;
    loop->on_event(EVL_EVENT_REDIS_CLOSED, c->token);
    evl__redis_quiet(loop);
  }
}

/* Something happened outside the read and write halves: report it on the next turn. */
static void evl__redis_defer(evl_redis_t *c) {
  uv_timer_start(&c->defer, evl__redis_on_defer, 0, 0);
}

static void evl__redis_on_defer(uv_timer_t *handle) {
  evl_redis_t *c = handle->data;

  if (c->closing) {
    /* evl_redis_close() found a call into hiredis on the stack (it never should): finish
     * it here. */
    evl__redis_release(c);
    return;
  }
  evl__redis_settle(c);
  evl__redis_dispatch(c);
}

/* When a half of the function table returns: drop a doomed connection, then report what is
 * due, unless the caller is inside one of its calls (that one reports on the next turn). */
static void evl__redis_after_half(evl_redis_t *c) {
  if (c->closing)
    return;
  evl__redis_settle(c);
  if (c->in_api > 0) {
    if (c->ac == NULL || c->report_connected)
      evl__redis_defer(c);
    return;
  }
  evl__redis_dispatch(c);
}

/*
 * Keeps watching for replies, as hiredis's own read half does, and makes sure libuv really
 * does. libuv stops a poll handle that reports a socket error (POLLERR, e.g. a connection
 * reset while replies were still arriving) before calling it, and hiredis's adapter does
 * not notice: it still believes it watches, so its addRead changes nothing. The read half
 * took the replies that came before the error and stopped at the first short read, leaving
 * the error itself unread; without this the connection would never be read again, and
 * every command waiting on it would only time out.
 */
static void evl__redis_keep_reading(evl_redis_t *c) {
  redisAsyncContext *ac = c->ac;
  redisLibuvEvents *events = ac->ev.data;

  if (ac->ev.addRead != NULL)
    ac->ev.addRead(ac->ev.data);
  if (events != NULL && events->events != 0 && !uv_is_active((uv_handle_t *) &events->handle)) {
    int rc = uv_poll_start(&events->handle, events->events, redisLibuvPoll);

    if (rc != 0)
      evl__redis_fail(c, EVL_REDIS_ERR_OTHER, evl_strerror(rc));
  }
}

/*
 * The read half of the function table, called by redisAsyncHandleRead() (from the adapter's
 * poll callback) once the connection is up. hiredis's own read half frees the context here
 * on errors, and nothing of hiredis runs after it returns, so the shim may too.
 */
static void evl__redis_async_read(redisAsyncContext *ac) {
  evl_redis_t *c = ac->data;

  if (c->closing || c->doomed)
    return;
  evl__redis_read(c);
  if (c->ac != NULL && !c->doomed)
    evl__redis_keep_reading(c);
  evl__redis_after_half(c);
}

/* The write half: hiredis's own, then the upcalls (CONNECTED comes here first, since
 * hiredis completes a connect on the first writable event and then writes). */
static void evl__redis_async_write(redisAsyncContext *ac) {
  evl_redis_t *c = ac->data;

  c->in_hiredis++;
  c->hiredis_write(ac); /* may free the context on a write error (then c->ac is NULL) */
  c->in_hiredis--;
  evl__redis_after_half(c);
}

/* ---- the API ----------------------------------------------------------------------------- */

static int evl__redis_create(evl_loop_t *loop, int64_t token, evl_redis_t **out) {
  evl_redis_t *c;
  int rc;

  if (atomic_load(&loop->state->flags) & EVL__DESTROYED)
    return EVL_ESTATE;
  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return EVL_ENOMEM;
  rc = uv_timer_init(&loop->uv, &c->defer);
  if (rc != 0) {
    free(c);
    return rc;
  }
  c->defer.data = c;
  c->loop = loop;
  c->token = token;
  evl__resp_scanner_init(&c->scan);
  evl__redis_link(c);
  *out = c;
  return 0;
}

/* Gives up a connection the caller never got (evl_redis_connect_*() fails). */
static void evl__redis_discard(evl_redis_t *c) {
  c->closing = 1;
  evl__redis_unlink(c);
  uv_close((uv_handle_t *) &c->defer, evl__redis_on_handle_closed);
}

/* Connects through hiredis with the shim's hooks, then attaches the context to the loop with
 * hiredis's libuv adapter; or reports why there is no connection. */
static int evl__redis_start(evl_redis_t *c, redisOptions *options, evl_redis_t **out) {
  redisAsyncContext *ac;

  REDIS_OPTIONS_SET_PRIVDATA(options, c, evl__redis_on_context_freed);
  c->in_api++;
  ac = redisAsyncConnectWithOptions(options); /* non-blocking: returns while the connect goes on */
  if (ac == NULL) {
    c->in_api--;
    evl__redis_discard(c);
    return EVL_ENOMEM;
  }
  c->ac = ac;
  ac->data = c;
  *out = c;

  if (ac->err != 0) {
    /* Failed at once (a missing socket file, an unreachable network): nothing is attached
     * yet, so freeing it here calls nothing but the freed hook. CLOSED comes on the next
     * turn. */
    evl__redis_record(c, ac->c.err, ac->c.errstr);
  } else if (redisLibuvAttach(ac, &c->loop->uv) != REDIS_OK) {
    /* The adapter sets its hooks before it can fail; without its state they must not run. */
    memset(&ac->ev, 0, sizeof(ac->ev));
    evl__redis_record(c, EVL_REDIS_ERR_OTHER, "cannot watch the socket with libuv");
  } else {
    c->funcs = *ac->c.funcs;
    c->hiredis_write = c->funcs.async_write;
    c->funcs.async_read = evl__redis_async_read;
    c->funcs.async_write = evl__redis_async_write;
    ac->c.funcs = &c->funcs;
    redisAsyncSetDisconnectCallback(ac, evl__redis_on_disconnect);
    /* Watches for writability, hiredis's sign that the connect completed (or failed). The
     * adapter must be attached first. */
    redisAsyncSetConnectCallback(ac, evl__redis_on_connect);
  }
  if (c->error_kind != EVL_REDIS_ERR_NONE) {
    evl__redis_free_context(c);
    evl__redis_defer(c);
  }
  c->in_api--;
  return 0;
}

int evl_redis_connect_tcp(evl_loop_t *loop, int64_t token, const char *ip, int port,
                          evl_redis_t **out) {
  unsigned char address[16];
  redisOptions options = {0};
  evl_redis_t *c;
  int rc;

  if (out == NULL)
    return EVL_EINVAL;
  *out = NULL;
  if (loop == NULL || ip == NULL || port < 1 || port > 65535)
    return EVL_EINVAL;
  /* hiredis would resolve a host name with a blocking getaddrinfo() on the loop thread. */
  if (uv_inet_pton(AF_INET, ip, address) != 0 && uv_inet_pton(AF_INET6, ip, address) != 0)
    return EVL_EINVAL;
  rc = evl__redis_create(loop, token, &c);
  if (rc != 0)
    return rc;
  REDIS_OPTIONS_SET_TCP(&options, ip, port);
  return evl__redis_start(c, &options, out);
}

int evl_redis_connect_unix(evl_loop_t *loop, int64_t token, const char *path,
                           evl_redis_t **out) {
  redisOptions options = {0};
  evl_redis_t *c;
  int rc;

  if (out == NULL)
    return EVL_EINVAL;
  *out = NULL;
  if (loop == NULL || path == NULL || path[0] == '\0')
    return EVL_EINVAL;
  /* Refused here, whatever hiredis would do with it (older ones cut it silently). */
  if (strlen(path) >= sizeof(((struct sockaddr_un *) NULL)->sun_path))
    return UV_ENAMETOOLONG;
  rc = evl__redis_create(loop, token, &c);
  if (rc != 0)
    return rc;
  REDIS_OPTIONS_SET_UNIX(&options, path);
  return evl__redis_start(c, &options, out);
}

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
 * arguments (0 if it is not). hiredis looks into every command to find its name, with
 * strchr() and strtol() that trust the format, and asserts on what it does not find.
 */
static long long evl__redis_check_command(const char *cmd, size_t len, const char **name,
                                          size_t *name_len) {
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
    if (arg == 0) {
      *name = cmd + i;
      *name_len = (size_t) n;
    }
    i += (size_t) n;
    if (cmd[i] != '\r' || cmd[i + 1] != '\n')
      return 0;
    i += 2;
  }
  return i == len ? argc : 0;
}

/* Whether a command name is one of those that switch hiredis to its pub/sub mode. */
static int evl__redis_is_pubsub(const char *name, size_t len) {
  static const char *const names[] = {"subscribe",   "psubscribe",   "ssubscribe",
                                      "unsubscribe", "punsubscribe", "sunsubscribe"};
  size_t i;
  size_t k;

  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    if (strlen(names[i]) != len)
      continue;
    for (k = 0; k < len; k++) {
      char ch = name[k];
      if (ch >= 'A' && ch <= 'Z')
        ch = (char) (ch - 'A' + 'a');
      if (ch != names[i][k])
        break;
    }
    if (k == len)
      return 1;
  }
  return 0;
}

int evl_redis_send(evl_redis_t *c, const uint8_t *buf, const int32_t *ends, int32_t count) {
  const char *bytes = (const char *) buf;
  const char *name = NULL;
  size_t name_len = 0;
  int32_t prev;
  int32_t i;
  int refused = 0;

  if (c == NULL || count < 0 || (count > 0 && (buf == NULL || ends == NULL)))
    return EVL_EINVAL;
  if (c->closing || c->ac == NULL || c->doomed)
    return EVL_ESTATE;
  if (count == 0)
    return 0;

  /* All or nothing: check every command before hiredis gets one. */
  for (i = 0, prev = 0; i < count; prev = ends[i], i++) {
    if (ends[i] <= prev ||
        evl__redis_check_command(bytes + prev, (size_t) (ends[i] - prev), &name, &name_len) == 0)
      return EVL_EINVAL;
    if (evl__redis_is_pubsub(name, name_len))
      refused = 1;
  }
  if (refused) {
    evl__redis_fail(c, EVL_REDIS_ERR_OTHER,
                    "pub/sub commands (SUBSCRIBE, UNSUBSCRIBE...) are not supported on this "
                    "connection");
    evl__redis_settle(c);
    evl__redis_defer(c);
    return 0;
  }

  c->in_api++;
  c->in_hiredis++;
  for (i = 0, prev = 0; i < count && !c->doomed; prev = ends[i], i++) {
    const char *cmd = bytes + prev;
    size_t len = (size_t) (ends[i] - prev);
    char *copy = NULL;
    int rc;

    /* hiredis reads one byte past a command's first argument (to see whether a second
     * follows). For a one-argument command that byte is past the command; for the last
     * command of the batch it is past buf. Such a command goes through a copy. */
    if (i == count - 1 && cmd[1] == '1' && cmd[2] == '\r') {
      copy = malloc(len + 1);
      if (copy == NULL) {
        evl__redis_fail(c, EVL_REDIS_ERR_OOM, "out of memory for a command");
        break;
      }
      memcpy(copy, cmd, len);
      copy[len] = '\0';
      cmd = copy;
    }
    rc = redisAsyncFormattedCommand(c->ac, evl__redis_on_reply, NULL, cmd, len);
    free(copy);
    if (rc != REDIS_OK) {
      evl__redis_fail(c, c->ac->c.err != 0 ? c->ac->c.err : EVL_REDIS_ERR_OTHER,
                      c->ac->c.err != 0 ? c->ac->c.errstr : "hiredis refused a command");
      break;
    }
    c->scan.expected++;
  }
  /* Write now, rather than one loop turn later when libuv reports the socket writable. */
  c->in_hiredis--;
  if (c->ac != NULL && !c->doomed && c->connected)
    redisAsyncHandleWrite(c->ac); /* may free the context (then c->ac is NULL) */
  c->in_api--;
  evl__redis_settle(c);
  /* A failure here must not be reported from inside this call. */
  if (c->ac == NULL)
    evl__redis_defer(c);
  return 0;
}

int evl_redis_set_max_reply(evl_redis_t *c, int64_t max) {
  if (c == NULL || max < 1)
    return EVL_EINVAL;
  c->scan.max_reply = (uint64_t) max;
  return 0;
}

int32_t evl_redis_read(evl_redis_t *c, uint8_t *dst, int32_t cap) {
  size_t n;

  if (c == NULL || cap < 0 || (dst == NULL && cap > 0))
    return EVL_EINVAL;
  n = c->out_len - c->out_head;
  if (n > (size_t) cap)
    n = (size_t) cap;
  if (n > 0) {
    memcpy(dst, c->out + c->out_head, n);
    c->out_head += n;
  }
  if (c->out_head == c->out_len) {
    c->out_head = 0;
    c->out_len = 0;
    if (c->out_cap > EVL__REDIS_RETAINED_OUT) {
      free(c->out);
      c->out = NULL;
      c->out_cap = 0;
    }
  }
  return (int32_t) n;
}

int evl_redis_error_kind(const evl_redis_t *c) {
  return c != NULL ? c->error_kind : EVL_REDIS_ERR_NONE;
}

const char *evl_redis_error(const evl_redis_t *c) {
  return c != NULL ? c->error : "";
}

/* Frees the context and closes the handles; the last close callback frees c. */
static void evl__redis_release(evl_redis_t *c) {
  c->closing = 1;
  if (c->released)
    return;
  if (c->ac != NULL && c->in_hiredis > 0) {
    evl__redis_defer(c); /* evl__redis_on_defer() calls this again */
    return;
  }
  c->released = 1;
  evl__redis_unlink(c);
  evl__redis_free_context(c);
  uv_close((uv_handle_t *) &c->defer, evl__redis_on_handle_closed);
}

int evl_redis_close(evl_redis_t *c) {
  if (c == NULL)
    return EVL_EINVAL;
  if (c->closing)
    return EVL_ESTATE;
  evl__redis_release(c);
  return 0;
}

void evl__redis_close_all(evl_loop_t *loop) {
  while (loop->redis != NULL)
    evl__redis_release(loop->redis);
}
