/*
 * task.h: the little the C tests share, after libuv's test/task.h.
 *
 * A test file holds TEST_IMPL(name) functions and a main() that runs them with
 * RUN_TEST(name). A failed ASSERT prints the file, the line and the expression (and the
 * values, for the comparing forms) and aborts, so ctest reports the test as failed.
 * `test-foo name` runs only the test called name.
 */
#ifndef EVL_TEST_TASK_H
#define EVL_TEST_TASK_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#define ASSERT(expr)                                                          \
  do {                                                                        \
    if (!(expr)) {                                                            \
      fprintf(stderr, "Assertion failed in %s on line %d: %s\n", __FILE__,    \
              __LINE__, #expr);                                               \
      fflush(stderr);                                                         \
      abort();                                                                \
    }                                                                         \
  } while (0)

#define ASSERT_BASE(a, op, b, type, fmt)                                      \
  do {                                                                        \
    type const eval_a = (a);                                                  \
    type const eval_b = (b);                                                  \
    if (!(eval_a op eval_b)) {                                                \
      fprintf(stderr,                                                         \
              "Assertion failed in %s on line %d: `%s %s %s` (%" fmt          \
              " %s %" fmt ")\n",                                              \
              __FILE__, __LINE__, #a, #op, #b, eval_a, #op, eval_b);          \
      fflush(stderr);                                                         \
      abort();                                                                \
    }                                                                         \
  } while (0)

#define ASSERT_EQ(a, b) ASSERT_BASE(a, ==, b, int64_t, PRId64)
#define ASSERT_NE(a, b) ASSERT_BASE(a, !=, b, int64_t, PRId64)
#define ASSERT_GE(a, b) ASSERT_BASE(a, >=, b, int64_t, PRId64)
#define ASSERT_GT(a, b) ASSERT_BASE(a, >, b, int64_t, PRId64)
#define ASSERT_LE(a, b) ASSERT_BASE(a, <=, b, int64_t, PRId64)
#define ASSERT_LT(a, b) ASSERT_BASE(a, <, b, int64_t, PRId64)
#define ASSERT_OK(a) ASSERT_EQ(a, 0)
#define ASSERT_NULL(a) ASSERT_BASE(a, ==, NULL, const void *, "p")
#define ASSERT_NOT_NULL(a) ASSERT_BASE(a, !=, NULL, const void *, "p")
#define ASSERT_STR_EQ(a, b)                                                   \
  do {                                                                        \
    const char *eval_a = (a);                                                 \
    const char *eval_b = (b);                                                 \
    if (strcmp(eval_a, eval_b) != 0) {                                        \
      fprintf(stderr,                                                         \
              "Assertion failed in %s on line %d: `%s == %s` (\"%s\" == \"%s\")\n", \
              __FILE__, __LINE__, #a, #b, eval_a, eval_b);                    \
      fflush(stderr);                                                         \
      abort();                                                                \
    }                                                                         \
  } while (0)

#define TEST_IMPL(name) static void run_test_##name(void)

#define RUN_TEST(name)                                                        \
  do {                                                                        \
    if (argc < 2 || strcmp(argv[1], #name) == 0) {                            \
      fprintf(stderr, "# %s\n", #name);                                       \
      run_test_##name();                                                      \
      fprintf(stderr, "ok %s\n", #name);                                      \
    }                                                                         \
  } while (0)

/*
 * Loops destroyed while running are abandoned with their file descriptors (about four
 * each), and macOS starts processes with a soft limit of 256: tests that abandon many
 * loops raise the soft limit first.
 */
static inline void evl_test_raise_fd_limit(rlim_t wanted) {
  struct rlimit limit;

  ASSERT(getrlimit(RLIMIT_NOFILE, &limit) == 0);
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    limit.rlim_cur = (limit.rlim_max == RLIM_INFINITY || limit.rlim_max > wanted)
                         ? wanted
                         : limit.rlim_max;
    ASSERT(setrlimit(RLIMIT_NOFILE, &limit) == 0);
  }
}

/*
 * A counter that one thread raises and another waits on, with a bound: a lost wake-up
 * fails the test after timeout_ms instead of hanging it. The bound is a safety net, not
 * a timing assertion; it is far above anything a working loop needs.
 */
typedef struct {
  uv_mutex_t mutex;
  uv_cond_t cond;
  int64_t value;
} evl_test_counter_t;

static inline void evl_test_counter_init(evl_test_counter_t *counter) {
  ASSERT(uv_mutex_init(&counter->mutex) == 0);
  ASSERT(uv_cond_init(&counter->cond) == 0);
  counter->value = 0;
}

static inline void evl_test_counter_destroy(evl_test_counter_t *counter) {
  uv_cond_destroy(&counter->cond);
  uv_mutex_destroy(&counter->mutex);
}

static inline void evl_test_counter_set(evl_test_counter_t *counter, int64_t value) {
  uv_mutex_lock(&counter->mutex);
  counter->value = value;
  uv_cond_broadcast(&counter->cond);
  uv_mutex_unlock(&counter->mutex);
}

static inline void evl_test_counter_add(evl_test_counter_t *counter, int64_t delta) {
  uv_mutex_lock(&counter->mutex);
  counter->value += delta;
  uv_cond_broadcast(&counter->cond);
  uv_mutex_unlock(&counter->mutex);
}

/* Waits until the counter is at least target; fails the test after timeout_ms. */
static inline void evl_test_counter_wait(evl_test_counter_t *counter, int64_t target,
                                         uint64_t timeout_ms) {
  uint64_t deadline = uv_hrtime() + timeout_ms * 1000000u;

  uv_mutex_lock(&counter->mutex);
  while (counter->value < target) {
    uint64_t now = uv_hrtime();
    if (now >= deadline) {
      fprintf(stderr, "Timed out after %" PRIu64 " ms waiting for %" PRId64
                      " (counter is %" PRId64 ")\n",
              timeout_ms, target, counter->value);
      fflush(stderr);
      abort();
    }
    uv_cond_timedwait(&counter->cond, &counter->mutex, deadline - now);
  }
  uv_mutex_unlock(&counter->mutex);
}

/* Generous bound for waits on another thread (see evl_test_counter_wait). */
#define EVL_TEST_WAIT_MS 30000

#endif /* EVL_TEST_TASK_H */
