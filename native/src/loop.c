/*
 * loop.c: the life cycle of an evl_loop_t (create, run, wake, stop, destroy).
 *
 * Who may touch what
 *   - The uv_loop and every handle in it belong to the loop thread while evl_loop_run()
 *     is active, and to the caller of evl_loop_destroy() afterwards.
 *   - Other threads only do atomic operations on the exit state and uv_async_send().
 *
 * How run and destroy agree on who owns the loop
 *   evl_loop_run() clears RUNNING with one atomic read-modify-write (fetch_and) after
 *   uv_run() has returned; evl_loop_destroy() sets STOP_REQUESTED|DESTROYED with one
 *   atomic read-modify-write (fetch_or) on the same flags word. RMWs on one atomic object
 *   are totally ordered and each one reads the value written by the one before it, so
 *   exactly one of the two sees the other's bit:
 *     - destroy came first: the runner's fetch_and returns DESTROYED. Destroy saw RUNNING
 *       and did not free anything, so the runner abandons the loop (it cannot be closed
 *       under uv_run(), which may still be on the stack when destroy is called from a
 *       callback) and never touches it again.
 *     - the runner came first: destroy's fetch_or returns no RUNNING. The runner touches
 *       nothing of the loop after its fetch_and, so destroy closes and frees it all.
 *   The exit state outlives both because each side holds a reference to it.
 */
#include "evloop-internal.h"

#include <stdlib.h>

/* What evl__leak_running_loop() allocates; see there. */
struct evl__leaked_loop {
  evl_loop_t *loop;
};

static void evl__on_async(uv_async_t *handle);

/*
 * uv_async_send() starts with a plain read of the handle's pending flag and returns at
 * once when it is set (libuv 1.44; see libuv pull request 349). Nothing orders that read
 * after the caller's earlier writes, so on a weakly ordered CPU (arm64) it can see the
 * flag still set while the loop thread has already cleared it and moved on without
 * seeing those writes (our STOP_REQUESTED bit, or the caller's queued work): a lost
 * wake-up. A full fence before the call closes that window; the loop thread has its
 * counterpart at the top of evl__on_async().
 */
static int evl__send_wake(evl_loop_t *loop) {
  atomic_thread_fence(memory_order_seq_cst);
  return uv_async_send(&loop->async);
}

void evl__exit_release(struct evl__exit_state *state) {
  if (atomic_fetch_sub(&state->refs, 1) == 1)
    free(state);
}

/*
 * The loop was destroyed while evl_loop_run() was active. Its uv_loop is still in use
 * (uv_run() may be below us on the stack, and uv_loop_close() would fail with UV_EBUSY
 * anyway since its handles are open), so the loop itself (its uv_loop, with the async
 * handle that other threads may still be waking) is abandoned on purpose; its Redis
 * connections and timers were closed before (evl__abandon_destroyed_loop below;
 * docs/ARCHITECTURE.md, "The native shim").
 *
 * The small record allocated here points at the abandoned loop and is itself never freed.
 * It exists so that LeakSanitizer can tell this deliberate leak from a real one: a leak
 * report names the allocation site, and native/test/lsan.supp suppresses allocations made
 * in this function only. LeakSanitizer then treats the record as a root, so the loop and
 * everything reachable only from it are not reported either. A loop leaked any other way
 * is still reported, because its own allocation site (evl_loop_create) is not suppressed.
 * The function must stay out of line and must not end in a tail call, or it would be
 * missing from the allocation stack.
 */
EVL__NOINLINE void evl__leak_running_loop(evl_loop_t *loop) {
  struct evl__leaked_loop *record;

  record = malloc(sizeof(*record));
  if (record != NULL)
    record->loop = loop;
#if defined(__GNUC__) || defined(__clang__)
  /* Keeps the compiler from removing an allocation whose result is never read. */
  __asm__ __volatile__("" : : "r"(record) : "memory");
#endif
}

/*
 * The loop was destroyed while it ran and uv_run() has now returned, on the loop thread.
 * Other threads may still be inside evl_loop_wake() on it (they checked DESTROYED just
 * before it was set), so the loop and its async handle must stay allocated: they are
 * leaked. Everything else only this thread ever touches: the Redis connections are closed
 * (their sockets with them, so that the servers see them go) and the timers too, and one
 * more turn of the loop runs their close callbacks, which free them. That turn makes no
 * upcall: the async callback sees DESTROYED, and closing handles deliver nothing.
 */
static void evl__abandon_destroyed_loop(evl_loop_t *loop) {
  evl__redis_close_all(loop);
  evl__timer_close_all(loop);
  uv_run(&loop->uv, UV_RUN_NOWAIT);
  evl__leak_running_loop(loop);
}

int evl_loop_create(evl_event_cb on_event, evl_loop_t **out) {
  evl_loop_t *loop;
  struct evl__exit_state *state;
  int rc;

  if (out == NULL)
    return EVL_EINVAL;
  *out = NULL;
  if (on_event == NULL)
    return EVL_EINVAL;

  loop = calloc(1, sizeof(*loop));
  state = malloc(sizeof(*state));
  if (loop == NULL || state == NULL) {
    free(loop);
    free(state);
    return EVL_ENOMEM;
  }
  atomic_init(&state->refs, 1);
  atomic_init(&state->flags, 0);

  rc = uv_loop_init(&loop->uv);
  if (rc != 0) {
    free(loop);
    free(state);
    return rc;
  }
  rc = uv_async_init(&loop->uv, &loop->async, evl__on_async);
  if (rc != 0) {
    uv_loop_close(&loop->uv);
    free(loop);
    free(state);
    return rc;
  }
  loop->on_event = on_event;
  loop->state = state;
  loop->timers = NULL;
  loop->redis = NULL;
  loop->redis_read_buffer = NULL;
  loop->tls_buffer = NULL;
  *out = loop;
  return 0;
}

/*
 * Wake-ups and stop requests. The flags are read before the upcall: a stop requested
 * during the upcall sent its own uv_async_send(), so the loop turns once more and
 * delivers another EVL_EVENT_WAKE that starts after the stop request. That one is the
 * final wake-up; after it the receiver has seen everything posted before the stop.
 * A destroyed loop makes no upcall at all: the caller has let go of it.
 * The loop memory is valid here even after a destroy: a destroy that saw RUNNING leaves
 * it alone, and one that did not cannot run while uv_run() does.
 */
static void evl__on_async(uv_async_t *handle) {
  evl_loop_t *loop = evl__container_of(handle, evl_loop_t, async);
  int flags;

  /* libuv cleared the pending flag before calling us; the fence orders that before our
   * reads (the flags here, the caller's queue in the upcall). See evl__send_wake(). */
  atomic_thread_fence(memory_order_seq_cst);
  flags = atomic_load(&loop->state->flags);

  if (flags & EVL__DESTROYED) {
    uv_stop(&loop->uv);
    return;
  }
  loop->on_event(EVL_EVENT_WAKE, 0);
  if ((flags & EVL__STOP_REQUESTED) || (atomic_load(&loop->state->flags) & EVL__DESTROYED))
    uv_stop(&loop->uv);
}

int evl_loop_run(evl_loop_t *loop) {
  struct evl__exit_state *state;
  int flags;
  int old;

  if (loop == NULL)
    return EVL_EINVAL;
  state = loop->state;

  /* The reference is taken before RUNNING becomes visible: a destroy that sees RUNNING
   * drops the handle's reference at once and must not free the state under us. */
  atomic_fetch_add(&state->refs, 1);
  flags = atomic_load(&state->flags);
  do {
    if (flags & (EVL__RAN | EVL__STOP_REQUESTED | EVL__DESTROYED)) {
      evl__exit_release(state);
      return EVL_ESTATE;
    }
  } while (!atomic_compare_exchange_weak(&state->flags, &flags,
                                         flags | EVL__RUNNING | EVL__RAN));

  /* The async handle is always active and referenced, so uv_run() returns only after
   * uv_stop(), which the callbacks call once a stop or destroy was requested. */
  uv_run(&loop->uv, UV_RUN_DEFAULT);

  old = atomic_fetch_and(&state->flags, ~EVL__RUNNING);
  /* From here on the loop belongs to a destroy, past or future: do not touch it. */
  if (old & EVL__DESTROYED)
    evl__abandon_destroyed_loop(loop);
  evl__exit_release(state);
  return 0;
}

int evl_loop_wake(evl_loop_t *loop) {
  int flags;

  if (loop == NULL)
    return EVL_EINVAL;
  flags = atomic_load(&loop->state->flags);
  if (flags & EVL__DESTROYED)
    return EVL_ESTATE;
  /* Stopped: run has returned, or was stopped before it ran and never will. While a
   * stop is in progress (RUNNING still set) a wake is harmless and allowed. */
  if (!(flags & EVL__RUNNING) && (flags & (EVL__STOP_REQUESTED | EVL__RAN)))
    return EVL_ESTATE;
  return evl__send_wake(loop);
}

int evl_loop_stop(evl_loop_t *loop) {
  int old;

  if (loop == NULL)
    return EVL_EINVAL;
  old = atomic_fetch_or(&loop->state->flags, EVL__STOP_REQUESTED);
  if (old & EVL__DESTROYED)
    return EVL_ESTATE;
  /* Only the first stop wakes the loop. If run is entered after our fetch_or, its
   * compare-exchange sees STOP_REQUESTED and it refuses to start. */
  if (!(old & EVL__STOP_REQUESTED) && (old & EVL__RUNNING))
    return evl__send_wake(loop);
  return 0;
}

int evl_loop_is_running(const evl_loop_t *loop) {
  if (loop == NULL)
    return 0;
  return (atomic_load(&loop->state->flags) & EVL__RUNNING) != 0;
}

int evl_loop_destroy(evl_loop_t *loop) {
  struct evl__exit_state *state;
  int old;
  int rc;

  if (loop == NULL)
    return EVL_EINVAL;
  state = loop->state;
  old = atomic_fetch_or(&state->flags, EVL__STOP_REQUESTED | EVL__DESTROYED);

  if (old & EVL__DESTROYED) {
    /* Detectable only while the memory still exists (a second destroy from the same
     * callback); any other double destroy is undefined, like a double free(). */
    return EVL_ESTATE;
  }

  if (old & EVL__RUNNING) {
    /* The runner will see DESTROYED and abandon the loop, so its memory stays valid
     * for this send even if uv_run() has already returned. */
    evl__send_wake(loop);
    evl__exit_release(state);
    return 0;
  }

  /* Not running: nobody else uses the loop. Close every handle, let libuv run the
   * close callbacks (no upcall happens: the async handle, all timers and all Redis
   * connections are closing), then close the uv_loop. */
  uv_close((uv_handle_t *) &loop->async, NULL);
  evl__timer_close_all(loop);
  evl__redis_close_all(loop);
  uv_run(&loop->uv, UV_RUN_DEFAULT);
  rc = uv_loop_close(&loop->uv);
  if (rc == 0) {
    free(loop->redis_read_buffer);
    free(loop->tls_buffer);
    free(loop);
  }
  /* else: libuv still holds something of the loop; leaking it is the only safe choice. */
  evl__exit_release(state);
  return rc;
}
