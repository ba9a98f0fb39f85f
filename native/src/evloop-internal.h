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
 * An incremental RESP2 and RESP3 checker for the reply stream of one connection (resp.c). It
 * looks at every byte before hiredis does and stops at the first that is not valid within
 * the limits below, which are those of evloop's Java decoder (RespDecoder), so that both
 * backends refuse the same streams. It also counts replies: a reply that starts while no
 * command waits for one (expected == 0) is an error too, except a top-level push, which no
 * command waits for; and so is a top-level reply longer than max_reply bytes (from its first
 * type byte, an attribute's included, to its last LF): the first byte beyond is refused.
 *
 * RESP3's attributes ('|') are checked like any value: hiredis 1.2 cannot parse them, so the
 * caller must keep their bytes from its reader (and parses them apart, redis-records.c). Each
 * call reports where they lie among the bytes it accepted (cut[0 .. cuts)); an attribute may
 * span calls.
 */
#define EVL__RESP_MAX_BULK_LENGTH (512 * 1024 * 1024)
#define EVL__RESP_MAX_ARRAY_LENGTH (1 << 24)
#define EVL__RESP_MAX_MAP_LENGTH (EVL__RESP_MAX_ARRAY_LENGTH / 2) /* entries: 2^24 values */
#define EVL__RESP_MAX_DEPTH 32
#define EVL__RESP_MAX_LINE_LENGTH (64 * 1024)
#define EVL__RESP_MAX_DOUBLE_CHARS 32
#define EVL__RESP_MAX_BIGNUM_CHARS 1024
/* Attributes one call reports at most: it stops before another (without an error) and the
 * caller calls again for the rest. */
#define EVL__RESP_MAX_CUTS 8
/* Default cap on one top-level reply, in bytes of the stream (RedisConfig's default). */
#define EVL__RESP_DEFAULT_MAX_REPLY ((uint64_t) 128 * 1024 * 1024)

typedef struct {
  int state;
  unsigned char type;  /* type byte of the number or line being read */
  int negative;        /* the number has a leading '-' */
  int chars;           /* characters of the number, double or big number so far, sign
                          included; bytes of a verbatim string's format so far */
  int digits;
  uint64_t magnitude;  /* absolute value of the number so far (of a big number: 0 or not) */
  int64_t remaining;   /* bytes of bulk or verbatim string content still to come */
  int64_t line_length; /* bytes of the simple string or error line so far */
  int depth;           /* aggregates open (arrays, maps, sets, pushes, an attribute) */
  int attr_depth;      /* from an attribute's '|' to its last LF: the depth of its level
                          (depth + 1 at the '|'); 0 when no attribute is being read */
  int64_t left[EVL__RESP_MAX_DEPTH]; /* values still to come in each open aggregate */
  int grammar;         /* where a double's text is in its grammar (resp.c) */
  int doubles;         /* a double was accepted: hiredis will parse it (with strtod) */
  char text[EVL__RESP_MAX_DOUBLE_CHARS + 1]; /* a double's text so far, for strtod */
  uint64_t expected;   /* commands sent whose reply has not started; raised by the owner */
  uint64_t completed;  /* top-level replies complete so far, pushes included */
  uint64_t offset;     /* bytes accepted so far, for messages */
  uint64_t reply_start; /* offset of the current top-level reply's first type byte */
  uint64_t max_reply;  /* most bytes one top-level reply may take; at least 1 */
  size_t cuts;         /* attributes among the bytes the last call accepted: */
  size_t cut[EVL__RESP_MAX_CUTS][2]; /* [start, end) of each, offsets into that call's data */
  char error[192];     /* why the scanner stopped; "" while it has not */
} evl__resp_scanner_t;

void evl__resp_scanner_init(evl__resp_scanner_t *s);

/* Checks the next len bytes of the stream. Returns how many of them it accepted: len; or the
 * offset of the first bad byte, in which case s->error says what is wrong and every later
 * call returns 0; or, with s->error still "", fewer when it stopped before an attribute for
 * want of room in cut[]: call again with the rest. Either way s->cut[0 .. s->cuts) are the
 * attributes' bytes among those accepted, in order, which hiredis must not see. */
size_t evl__resp_scan(evl__resp_scanner_t *s, const char *data, size_t len);

/* strtod() in the C locale, whatever the process's locale is (a JVM sets it from the
 * environment, and a decimal comma would change how "1.5" parses). */
double evl__strtod_c(const char *text, char **end);

/* Calls fn(arg) with the calling thread in the C locale, for hiredis's reader, which parses
 * doubles with strtod(); returns what fn returned. */
int evl__with_c_locale(int (*fn)(void *arg), void *arg);

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
