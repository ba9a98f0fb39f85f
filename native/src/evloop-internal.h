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
#include <stdint.h>
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
  evl_redis_t *redis;  /* open (not yet closed) Redis connections; loop thread only */
  char *redis_read_buffer; /* EVL__REDIS_READ_SIZE bytes (redis-read.c), for all connections */
  char *tls_buffer;        /* EVL__TLS_BUFFER_SIZE bytes (redis-tls.c): records read or to send */
};

struct evl_timer_s {
  uv_timer_t uv;
  evl_loop_t *loop;
  int64_t token;
  evl_timer_t *prev; /* links in loop->timers while open */
  evl_timer_t *next;
  int closing;       /* uv_close() was called; freed by the close callback */
};

/*
 * An incremental RESP2 checker for the reply stream of one connection (resp.c). It looks
 * at every byte before hiredis does and stops at the first that is not valid RESP2 within
 * the limits below, which are those of evloop's Java decoder (RespDecoder), so that both
 * backends refuse the same streams. It also counts replies: a reply that starts while no
 * command waits for one (expected == 0) is an error too, and so is a top-level reply longer
 * than max_reply bytes (from its type byte to its last LF): the first byte beyond is refused.
 */
#define EVL__RESP_MAX_BULK_LENGTH (512 * 1024 * 1024)
#define EVL__RESP_MAX_ARRAY_LENGTH (1 << 24)
#define EVL__RESP_MAX_DEPTH 32
#define EVL__RESP_MAX_LINE_LENGTH (64 * 1024)
/* Default cap on one top-level reply, in bytes of the stream (RedisConfig's default). */
#define EVL__RESP_DEFAULT_MAX_REPLY ((uint64_t) 128 * 1024 * 1024)

typedef struct {
  int state;
  unsigned char type;  /* type byte of the number or line being read */
  int negative;        /* the number has a leading '-' */
  int chars;           /* characters of the number so far, sign included */
  int digits;
  uint64_t magnitude;  /* absolute value of the number so far */
  int64_t remaining;   /* bytes of bulk string content still to come */
  int64_t line_length; /* bytes of the simple string or error line so far */
  int depth;           /* arrays open */
  int64_t left[EVL__RESP_MAX_DEPTH]; /* elements still to come in each open array */
  uint64_t expected;   /* commands sent whose reply has not started; raised by the owner */
  uint64_t completed;  /* top-level replies complete so far */
  uint64_t offset;     /* bytes accepted so far, for messages */
  uint64_t reply_start; /* offset of the current top-level reply's type byte */
  uint64_t max_reply;  /* most bytes one top-level reply may take; at least 1 */
  char error[160];     /* why the scanner stopped; "" while it has not */
} evl__resp_scanner_t;

void evl__resp_scanner_init(evl__resp_scanner_t *s);

/* Checks the next len bytes of the stream. Returns how many of them are valid: len, or
 * the offset of the first bad byte, in which case s->error says what is wrong and every
 * later call returns 0. */
size_t evl__resp_scan(evl__resp_scanner_t *s, const char *data, size_t len);

/* Closes every open Redis connection of the loop (redis-conn.c); their memory is freed by
 * the close callbacks, on the next turn of the loop. Not-running loop (destroy) only. */
void evl__redis_close_all(evl_loop_t *loop);

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
