/*
 * timer.c: timers of a loop. Everything here runs on the loop thread, or on the thread
 * that destroys a loop that is not running, so the timer list needs no lock.
 */
#include "evloop-internal.h"

#include <stdlib.h>

static void evl__timer_link(evl_timer_t *timer) {
  evl_loop_t *loop = timer->loop;

  timer->prev = NULL;
  timer->next = loop->timers;
  if (loop->timers != NULL)
    loop->timers->prev = timer;
  loop->timers = timer;
}

static void evl__timer_unlink(evl_timer_t *timer) {
  if (timer->prev != NULL)
    timer->prev->next = timer->next;
  else
    timer->loop->timers = timer->next;
  if (timer->next != NULL)
    timer->next->prev = timer->prev;
  timer->prev = NULL;
  timer->next = NULL;
}

static void evl__on_timer_closed(uv_handle_t *handle) {
  free(evl__container_of(handle, evl_timer_t, uv));
}

static void evl__timer_close(evl_timer_t *timer) {
  timer->closing = 1;
  evl__timer_unlink(timer);
  uv_close((uv_handle_t *) &timer->uv, evl__on_timer_closed);
}

void evl__timer_close_all(evl_loop_t *loop) {
  while (loop->timers != NULL)
    evl__timer_close(loop->timers);
}

/*
 * Once a stop or destroy was requested, timers no longer reach the caller: the final
 * EVL_EVENT_WAKE is the last upcall of a stopping loop, and a destroyed loop makes none.
 * The async callback stops uv_run() for a stop; a destroy also stops it here, so that a
 * loop destroyed from a timer callback exits after the current callback.
 */
static void evl__on_timer(uv_timer_t *handle) {
  evl_timer_t *timer = evl__container_of(handle, evl_timer_t, uv);
  evl_loop_t *loop = timer->loop;
  int flags = atomic_load(&loop->state->flags);

  if (flags & (EVL__STOP_REQUESTED | EVL__DESTROYED)) {
    if (flags & EVL__DESTROYED)
      uv_stop(&loop->uv);
    return;
  }
  loop->on_event(EVL_EVENT_TIMER, timer->token);
  /* The callback may have closed the timer (its memory stays until the close callback)
   * or destroyed the loop (whose memory is then abandoned, never freed): only the loop
   * is used here. */
  if (atomic_load(&loop->state->flags) & EVL__DESTROYED)
    uv_stop(&loop->uv);
}

int evl_timer_create(evl_loop_t *loop, int64_t token, evl_timer_t **out) {
  evl_timer_t *timer;
  int rc;

  if (out == NULL)
    return EVL_EINVAL;
  *out = NULL;
  if (loop == NULL)
    return EVL_EINVAL;
  if (atomic_load(&loop->state->flags) & EVL__DESTROYED)
    return EVL_ESTATE;

  timer = calloc(1, sizeof(*timer));
  if (timer == NULL)
    return EVL_ENOMEM;
  rc = uv_timer_init(&loop->uv, &timer->uv);
  if (rc != 0) {
    free(timer);
    return rc;
  }
  timer->loop = loop;
  timer->token = token;
  evl__timer_link(timer);
  *out = timer;
  return 0;
}

int evl_timer_start(evl_timer_t *timer, uint64_t timeout_ms, uint64_t repeat_ms) {
  if (timer == NULL)
    return EVL_EINVAL;
  if (timer->closing || (atomic_load(&timer->loop->state->flags) & EVL__DESTROYED))
    return EVL_ESTATE;
  /* libuv measures timeouts from the time cached at the start of the loop turn, which
   * may be long ago if the current callback has been busy. */
  uv_update_time(&timer->loop->uv);
  return uv_timer_start(&timer->uv, evl__on_timer, timeout_ms, repeat_ms);
}

int evl_timer_stop(evl_timer_t *timer) {
  if (timer == NULL)
    return EVL_EINVAL;
  if (timer->closing)
    return EVL_ESTATE;
  return uv_timer_stop(&timer->uv);
}

int evl_timer_close(evl_timer_t *timer) {
  if (timer == NULL)
    return EVL_EINVAL;
  if (timer->closing)
    return EVL_ESTATE;
  evl__timer_close(timer);
  return 0;
}
