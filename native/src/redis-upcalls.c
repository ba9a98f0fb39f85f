/*
 * redis-upcalls.c: the upcalls of a Redis connection to the caller, CONNECTED, DATA and
 * CLOSED, and the one place that decides when they may be made.
 *
 * Upcalls never happen inside hiredis
 *   hiredis is not reentrant. So what hiredis calls (connect and disconnect callbacks, the
 *   reader's object functions, the freed hook) only records what happened in the
 *   connection; the upcalls to the caller are made afterwards, by evl__redis_dispatch(),
 *   when the read or write half of the function table returns (hiredis has nothing left to
 *   do in that frame: its own read half frees the context there on errors), or from the
 *   `defer` timer for what happens inside evl_redis_connect_*() and evl_redis_send() or
 *   while hiredis frees the context. Any call the caller makes from an upcall,
 *   evl_redis_close() included, therefore finds hiredis off the stack. in_hiredis counts the
 *   shim's calls into hiredis all the same, so that a close can never free the context
 *   under one.
 *
 * Kept apart so that no other file calls the caller: they only record what happened.
 */
#include "redis-internal.h"

/* Once a stop was requested the loop makes no more upcalls but its final wake-up; a
 * destroyed one none at all, and it must leave uv_run() soon. */
static int evl__redis_quiet(evl_loop_t *loop) {
  int flags = atomic_load(&loop->state->flags);

  if (flags & EVL__DESTROYED)
    uv_stop(&loop->uv);
  return (flags & (EVL__STOP_REQUESTED | EVL__DESTROYED)) != 0;
}

/* Delivers what is due: CONNECTED, then DATA, then CLOSED (replies that came before the
 * end are read before the end is reported). The caller may close the connection, or
 * destroy the loop, in any upcall: both are checked after each one. */
static void evl__redis_dispatch(evl_redis_t *c) {
  evl_loop_t *loop = c->loop;

  if (c->closing || evl__redis_quiet(loop))
    return;
  if (c->report_connected) {
    c->report_connected = 0;
    if (c->ac != NULL) {
      c->told_connected = 1;
      loop->on_event(EVL_EVENT_REDIS_CONNECTED, c->token);
      if (c->closing || evl__redis_quiet(loop))
        return;
    }
    /* Else it ended before the caller heard it was up (over TLS the server's refusal of the
     * client certificate may come in the very read that completes the handshake): the caller
     * hears only of the end, as of a failed connect, and no reply. */
  }
  if (c->out_complete > 0 && c->told_connected) {
    loop->on_event(EVL_EVENT_REDIS_DATA, c->token);
    evl__redis_drop_delivered(c);
    if (c->closing || evl__redis_quiet(loop))
      return;
  }
  if (c->ac == NULL && !c->reported_closed) {
    c->reported_closed = 1;
    loop->on_event(EVL_EVENT_REDIS_CLOSED, c->token);
    evl__redis_quiet(loop);
  }
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

/* Something happened outside the read and write halves: report it on the next turn. */
void evl__redis_defer(evl_redis_t *c) {
  uv_timer_start(&c->defer, evl__redis_on_defer, 0, 0);
}

/* When a half of the function table returns: drop a doomed connection, then report what is
 * due, unless the caller is inside one of its calls (that one reports on the next turn). */
void evl__redis_after_half(evl_redis_t *c) {
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
