/*
 * redis-conn.c: a Redis connection's life cycle and the glue to hiredis's async API and its
 * libuv adapter: connecting, hiredis's callbacks, the shim's two halves of the context's
 * function table, the error the caller hears about, and freeing.
 *
 * It is the only file that includes adapters/libuv.h, whose functions are all static, so
 * that the library holds one copy of the adapter and the shim restarts the very poll
 * callback the adapter installed. The other files record into the connection and leave its
 * life cycle to this one.
 *
 * Memory
 *   The evl_redis_t outlives the hiredis context (hiredis frees that itself on errors; the
 *   free_privdata hook says when) and the adapter's handles (hiredis's adapter frees its
 *   own): it is freed by the close callback of its `defer` timer after evl_redis_close(),
 *   so a read half that has just delivered an upcall in which the caller closed the
 *   connection still has valid memory.
 */
#include "redis-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <hiredis/adapters/libuv.h>

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
void evl__redis_fail(evl_redis_t *c, int kind, const char *message) {
  evl__redis_record(c, kind, message);
  c->doomed = 1;
}

void evl__redis_fail_errno(evl_redis_t *c, int err) {
  char message[128];

  /* XSI strerror_r (glibc gives it under _POSIX_C_SOURCE, macOS always): thread-safe. */
  if (strerror_r(err, message, sizeof(message)) != 0)
    snprintf(message, sizeof(message), "socket error %d", err);
  evl__redis_fail(c, EVL_REDIS_ERR_IO, message);
}

/* The defer timer was the last handle of the connection: nothing refers to it any more. */
static void evl__redis_on_handle_closed(uv_handle_t *handle) {
  evl_redis_t *c = handle->data;

  evl__tls_detach(c);
  evl__redis_records_free(c);
  free(c);
}

/* ---- hiredis callbacks: record only, never an upcall -------------------------------- */

static void evl__redis_on_connect(const redisAsyncContext *ac, int status) {
  evl_redis_t *c = ac->data;

  if (status == REDIS_OK) {
    /* Over TLS the connection is up only once the handshake is done: it starts in the half
     * hiredis calls next (redis-tls.c). */
    c->tcp_up = 1;
    if (c->tls == NULL) {
      c->connected = 1;
      c->report_connected = 1;
    }
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
void evl__redis_settle(evl_redis_t *c) {
  if (c->doomed && c->ac != NULL)
    evl__redis_free_context(c);
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
 * hiredis completes a connect on the first writable event and then writes).
 *   Over TLS, hiredis's write half must not run before the handshake is done: it would
 *   watch the socket for what its output buffer holds, while the handshake's records are
 *   what must go (and the buffer's commands must wait). Afterwards records may wait with
 *   hiredis's output buffer empty, which hiredis would not write for: the TLS layer sends
 *   them first, and keeps the socket watched for writability while they wait. */
static void evl__redis_async_write(redisAsyncContext *ac) {
  evl_redis_t *c = ac->data;

  if (c->tls != NULL) {
    if (c->doomed) {
      evl__redis_after_half(c);
      return;
    }
    if (!c->connected) {
      evl__tls_advance(c);
      evl__redis_after_half(c);
      return;
    }
    if (evl__tls_flush(c) < 0) {
      evl__redis_after_half(c);
      return;
    }
  }
  c->in_hiredis++;
  c->hiredis_write(ac); /* may free the context on a write error (then c->ac is NULL) */
  c->in_hiredis--;
  if (c->tls != NULL && c->ac != NULL && !c->doomed)
    evl__tls_watch(c);
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
    /* The reader builds records instead of redisReply trees (it has no reply yet). */
    evl__redis_records_attach(c, ac->c.reader);
    c->funcs = *ac->c.funcs;
    c->hiredis_write = c->funcs.async_write;
    c->funcs.async_read = evl__redis_async_read;
    c->funcs.async_write = evl__redis_async_write;
    if (c->tls != NULL)
      c->funcs.write = evl__tls_write;
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

int evl_redis_connect_tls(evl_loop_t *loop, int64_t token, const char *ip, int port,
                          const evl_tls_ops_t *ops, evl_tls_context_t *context,
                          const char *server_name, int32_t flags, evl_redis_t **out) {
  unsigned char address[16];
  redisOptions options = {0};
  evl_redis_t *c;
  int rc;

  if (out == NULL)
    return EVL_EINVAL;
  *out = NULL;
  if (loop == NULL || ip == NULL || port < 1 || port > 65535 || ops == NULL || context == NULL ||
      server_name == NULL)
    return EVL_EINVAL;
  if (uv_inet_pton(AF_INET, ip, address) != 0 && uv_inet_pton(AF_INET6, ip, address) != 0)
    return EVL_EINVAL;
  rc = evl__redis_create(loop, token, &c);
  if (rc != 0)
    return rc;
  rc = evl__tls_attach(c, ops, context, server_name, flags);
  if (rc != 0) {
    evl__redis_discard(c);
    return rc;
  }
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

int evl_redis_set_keepalive(evl_redis_t *c, int32_t idle_seconds) {
  if (c == NULL || idle_seconds < 1 || idle_seconds > 32767)
    return EVL_EINVAL;
  if (c->closing || c->ac == NULL || c->doomed)
    return EVL_ESTATE;
  if (c->ac->c.connection_type != REDIS_CONN_TCP)
    return 0;
  /* hiredis sets SO_KEEPALIVE and, where the system has them, the idle time, the probe
   * interval (a third of it) and the probe count (3). */
  if (redisEnableKeepAliveWithInterval(&c->ac->c, idle_seconds) != REDIS_OK)
    return UV_EINVAL;
  return 0;
}

int evl_redis_error_kind(const evl_redis_t *c) {
  return c != NULL ? c->error_kind : EVL_REDIS_ERR_NONE;
}

const char *evl_redis_error(const evl_redis_t *c) {
  return c != NULL ? c->error : "";
}

/* Frees the context and closes the handles; the last close callback frees c. */
void evl__redis_release(evl_redis_t *c) {
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
