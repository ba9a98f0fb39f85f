/*
 * evloop-internal.h: the shim's private types, shared by the files in native/src and by
 * white-box tests. Nothing declared here is exported from the library: it is built with
 * -fvisibility=hidden and only the EVL_EXPORT functions of evloop.h are visible.
 */
#ifndef EVLOOP_INTERNAL_H
#define EVLOOP_INTERNAL_H

#include "evloop.h"

#include <stdatomic.h>
#include <stddef.h>
#include <uv.h>

#define evl__container_of(ptr, type, member) \
  ((type *) ((char *) (ptr) - offsetof(type, member)))

#if defined(__GNUC__) && !defined(__clang__)
/* noclone too: a GCC clone would carry a suffixed name (.isra.0) in stack traces. */
#define EVL__NOINLINE __attribute__((noinline, noclone))
#elif defined(__GNUC__) || defined(__clang__)
#define EVL__NOINLINE __attribute__((noinline))
#else
#define EVL__NOINLINE
#endif

/* Bits of evl__exit_state.flags. */
enum {
  EVL__STOP_REQUESTED = 1 << 0, /* evl_loop_stop() or evl_loop_destroy() was called */
  EVL__DESTROYED = 1 << 1,      /* evl_loop_destroy() was called */
  EVL__RUNNING = 1 << 2,        /* a thread is inside evl_loop_run() */
  EVL__RAN = 1 << 3             /* evl_loop_run() was entered once; it never runs again */
};

/*
 * The state shared by the handle and the thread running the loop. It lives apart from
 * evl_loop_t because the two may finish in either order: when evl_loop_run() returns
 * normally, another thread may free the loop at once, so the runner keeps only this.
 * refs is 1 for the handle (dropped by evl_loop_destroy()) plus 1 while a thread is
 * inside evl_loop_run(); whoever drops the last reference frees it.
 * All accesses are C11 seq_cst atomics.
 */
struct evl__exit_state {
  atomic_int refs;
  atomic_int flags;
};

struct evl_loop_s {
  uv_loop_t uv;
  uv_async_t async;    /* wake-ups and stop requests; always open while the loop lives */
  evl_event_cb on_event;
  struct evl__exit_state *state;
  evl_timer_t *timers; /* open (not yet closing) timers; loop thread only */
};

struct evl_timer_s {
  uv_timer_t uv;
  evl_loop_t *loop;
  int64_t token;
  evl_timer_t *prev; /* links in loop->timers while open */
  evl_timer_t *next;
  int closing;       /* uv_close() was called; freed by the close callback */
};

/* Drops one reference on the exit state and frees it when it was the last. */
void evl__exit_release(struct evl__exit_state *state);

/* Closes every open timer of the loop; their memory is freed by the close callbacks,
 * which run on the next turn of the loop. Loop thread (or not-running loop) only. */
void evl__timer_close_all(evl_loop_t *loop);

/*
 * Called by evl_loop_run() when the loop was destroyed while it ran: the uv_loop cannot
 * be closed under uv_run(), so the loop is abandoned. This function is the one place that
 * says so: native/test/lsan.supp names it. See loop.c.
 */
EVL__NOINLINE void evl__leak_running_loop(evl_loop_t *loop);

#endif /* EVLOOP_INTERNAL_H */
