/*
 * evloop.h: the only exported API of libevloop, a thin shim that runs a libuv loop
 * on a thread its caller owns (in evloop, a Java thread) and wakes it from any thread.
 *
 * Conventions
 *   - Every function returns 0 or a negative error code: a libuv code (UV_E*, which
 *     are negated errno values on Unix) or one of the EVL_E* codes below. Nothing here
 *     prints, aborts or calls exit().
 *   - "Loop thread" means the thread that is inside evl_loop_run() for that loop.
 *     Functions marked "loop thread only" must be called from there (normally from
 *     inside an event callback); the others are safe from any thread.
 *   - evl_loop_destroy() ends the handle's life, as free() does: no other call with the
 *     same handle may overlap it or follow it. A caller that wakes or stops the loop
 *     from other threads must make sure those calls have returned before it destroys.
 *   - The shim never calls back into its caller except through the evl_event_cb given
 *     to evl_loop_create(), and only on the loop thread, from inside evl_loop_run().
 */
#ifndef EVLOOP_H
#define EVLOOP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define EVL_EXPORT __attribute__((visibility("default")))
#else
#define EVL_EXPORT
#endif

/* Error codes of the shim itself. They sit far below libuv's range. */
#define EVL_EINVAL   (-20001) /* a NULL handle or an argument out of range */
#define EVL_ESTATE   (-20002) /* the loop is not in a state that allows this call */
#define EVL_ENOMEM   (-20003) /* an allocation failed */

/* Events delivered to evl_event_cb. */
#define EVL_EVENT_WAKE  1 /* evl_loop_wake() or evl_loop_stop() was called; arg is 0 */
#define EVL_EVENT_TIMER 2 /* a timer fired; arg is the token given to evl_timer_create() */

typedef struct evl_loop_s evl_loop_t;
typedef struct evl_timer_s evl_timer_t;

/*
 * The one upcall of a loop. Called on the loop thread only. It must not unwind
 * (no C++ exceptions, no longjmp); a Java binding catches every Throwable before
 * returning. Wake-ups coalesce: one EVL_EVENT_WAKE may stand for many evl_loop_wake()
 * calls, so the receiver drains all its pending work on each one.
 */
typedef void (*evl_event_cb)(int32_t event, int64_t arg);

/* Runtime versions, for diagnostics: libuv as uv_version(), hiredis as
 * major * 10000 + minor * 100 + patch of the headers the shim was built with. */
EVL_EXPORT uint32_t evl_libuv_version(void);
EVL_EXPORT uint32_t evl_hiredis_version(void);

/* A human-readable name for any code this API returns. Never NULL, static storage. */
EVL_EXPORT const char *evl_strerror(int code);

/*
 * Creates a loop. Any thread. On success *out owns the loop until evl_loop_destroy().
 * on_event must stay callable until evl_loop_run() has returned.
 */
EVL_EXPORT int evl_loop_create(evl_event_cb on_event, evl_loop_t **out);

/*
 * Runs the loop on the calling thread until evl_loop_stop() or evl_loop_destroy() is
 * called. A loop runs at most once: a second call, or a call after evl_loop_stop(),
 * returns EVL_ESTATE at once. Before returning after a stop it delivers one last
 * EVL_EVENT_WAKE, so that the caller can drain work posted before the stop: that final
 * wake-up starts after the stop was requested (a stop requested during a wake-up causes
 * one more). Once a stop is requested no EVL_EVENT_TIMER is delivered any more.
 * Returns 0 once the loop has stopped (or was destroyed).
 *
 * If the loop was destroyed while this function ran (from a callback, or from another
 * thread), the uv_loop cannot be closed under uv_run: it is deliberately leaked, and
 * this function touches no memory of the loop after uv_run() has returned.
 */
EVL_EXPORT int evl_loop_run(evl_loop_t *loop);

/* Wakes the loop: an EVL_EVENT_WAKE follows on the loop thread. Any thread. Cheap when a
 * wake-up is already pending. A wake before evl_loop_run() is delivered once it runs.
 * Returns EVL_ESTATE after the loop has stopped, that is once evl_loop_run() has
 * returned or when a stop came before it ran; while a stop is in progress it returns 0
 * (the final EVL_EVENT_WAKE covers it). */
EVL_EXPORT int evl_loop_wake(evl_loop_t *loop);

/* Asks the loop to stop. Any thread, idempotent. Returns at once: evl_loop_run()
 * returns on the loop thread after the final EVL_EVENT_WAKE. A loop stopped before it
 * ran never runs. */
EVL_EXPORT int evl_loop_stop(evl_loop_t *loop);

/* Nonzero while a thread is inside evl_loop_run() for this loop. Any thread. */
EVL_EXPORT int evl_loop_is_running(const evl_loop_t *loop);

/*
 * Stops the loop and releases it. Any thread, at most once per loop; the handle is
 * invalid afterwards (a later call with it is undefined, as for free()).
 *   - Not running (never ran, or evl_loop_run() has returned): every handle is closed,
 *     uv_loop_close() runs and all memory is freed.
 *   - Running (called from one of the loop's own callbacks, or from another thread
 *     while evl_loop_run() is active): the uv_loop is leaked on purpose and the loop
 *     exits after the current callback. The exit state shared with the running thread
 *     is reference counted and freed by whichever side finishes last.
 *     No upcall starts after the destroy, not even the final EVL_EVENT_WAKE of a stop:
 *     work still queued must be drained by the caller (for instance after
 *     evl_loop_run() has returned). The abandoned loop keeps its memory and its few file
 *     descriptors for the life of the process; to free everything, stop the loop and
 *     destroy it after evl_loop_run() has returned.
 * Returns 0; EVL_ESTATE for a second destroy that can still be detected (from the same
 * callback); a libuv error if uv_loop_close() fails, in which case the loop is leaked.
 * Never call it concurrently with evl_loop_run() being entered for the first time.
 */
EVL_EXPORT int evl_loop_destroy(evl_loop_t *loop);

/*
 * Timers. Loop thread only. evl_timer_create() makes a stopped timer that reports
 * EVL_EVENT_TIMER with `token` as arg. timeout_ms counts from now (the loop's cached
 * time is refreshed first); repeat_ms 0 means one-shot. Restarting a running timer
 * moves it. evl_timer_close() stops it and releases it once libuv is done with it;
 * the timer handle is invalid after it (a second close, a start or a stop from the same
 * callback returns EVL_ESTATE). Timers still open when the loop is destroyed are closed
 * with it. No EVL_EVENT_TIMER is delivered once a stop was requested.
 */
EVL_EXPORT int evl_timer_create(evl_loop_t *loop, int64_t token, evl_timer_t **out);
EVL_EXPORT int evl_timer_start(evl_timer_t *timer, uint64_t timeout_ms, uint64_t repeat_ms);
EVL_EXPORT int evl_timer_stop(evl_timer_t *timer);
EVL_EXPORT int evl_timer_close(evl_timer_t *timer);

#ifdef __cplusplus
}
#endif
#endif /* EVLOOP_H */
