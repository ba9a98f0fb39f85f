/*
 * evl_loop_destroy(): of a loop that never ran, of one that has returned, and of a
 * running one (from its own callbacks and from another thread). A loop destroyed while
 * running is abandoned on purpose; under LeakSanitizer that leak is suppressed by
 * lsan.supp, so these tests drop every pointer to such a loop (the suppression must be
 * what silences the report, not a stale pointer in a global).
 */
#include "evloop.h"
#include "task.h"

#include <stdatomic.h>

static evl_loop_t *loop;
static int wake_cb_called;
static int timer_cb_called;
static int destroyed; /* loop thread: destroy was called from a callback */
static int upcalls_after_destroy;

static void never_called(int32_t event, int64_t arg) {
  (void) event;
  (void) arg;
  ASSERT(0 && "no upcall expected");
}

/* ---- not running: everything is closed and freed (ASan checks the freeing) ---- */

TEST_IMPL(destroy_never_run) {
  ASSERT_OK(evl_loop_create(never_called, &loop));
  ASSERT_OK(evl_loop_destroy(loop));

  /* A pending wake-up is dropped without an upcall. */
  ASSERT_OK(evl_loop_create(never_called, &loop));
  ASSERT_OK(evl_loop_wake(loop));
  ASSERT_OK(evl_loop_destroy(loop));

  ASSERT_OK(evl_loop_create(never_called, &loop));
  ASSERT_OK(evl_loop_stop(loop));
  ASSERT_OK(evl_loop_destroy(loop));
  loop = NULL;

  ASSERT_EQ(evl_loop_destroy(NULL), EVL_EINVAL);
}

static void stop_on_wake(int32_t event, int64_t arg) {
  (void) arg;
  ASSERT_EQ(event, EVL_EVENT_WAKE);
  wake_cb_called++;
  ASSERT_OK(evl_loop_stop(loop));
}

TEST_IMPL(destroy_after_run) {
  wake_cb_called = 0;
  ASSERT_OK(evl_loop_create(stop_on_wake, &loop));
  ASSERT_OK(evl_loop_wake(loop));
  ASSERT_OK(evl_loop_run(loop));
  ASSERT_EQ(wake_cb_called, 2);
  ASSERT_OK(evl_loop_destroy(loop));
  ASSERT_EQ(wake_cb_called, 2);
  loop = NULL;
}

/* ---- destroy from a wake-up: the run returns and nothing follows ---- */

static evl_timer_t *left_open;

static void destroy_in_wake(int32_t event, int64_t arg) {
  (void) arg;
  if (destroyed) {
    upcalls_after_destroy++;
    return;
  }
  ASSERT_EQ(event, EVL_EVENT_WAKE);
  wake_cb_called++;
  /* A timer that is still open when the loop is abandoned goes with it. */
  ASSERT_OK(evl_timer_create(loop, 7, &left_open));
  ASSERT_OK(evl_timer_start(left_open, 0, 1));
  ASSERT_OK(evl_loop_wake(loop));
  ASSERT_OK(evl_loop_destroy(loop));
  destroyed = 1;
  /* A second destroy from the same callback is a caller bug the shim can detect. */
  ASSERT_EQ(evl_loop_destroy(loop), EVL_ESTATE);
  loop = NULL;
  left_open = NULL;
}

TEST_IMPL(destroy_in_wake) {
  evl_loop_t *handle;

  wake_cb_called = 0;
  destroyed = 0;
  upcalls_after_destroy = 0;
  ASSERT_OK(evl_loop_create(destroy_in_wake, &loop));
  handle = loop;
  ASSERT_OK(evl_loop_wake(loop));
  ASSERT_OK(evl_loop_run(handle));
  handle = NULL;
  ASSERT_NULL(loop);
  ASSERT_EQ(wake_cb_called, 1);
  ASSERT_EQ(destroyed, 1);
  ASSERT_EQ(upcalls_after_destroy, 0);
}

/* ---- destroy from a timer, with other timers due in the same turn ---- */

static evl_timer_t *timers[3];

static void destroy_in_timer(int32_t event, int64_t arg) {
  if (destroyed) {
    upcalls_after_destroy++;
    return;
  }
  if (event == EVL_EVENT_WAKE) {
    wake_cb_called++;
    ASSERT_OK(evl_timer_create(loop, 0, &timers[0]));
    ASSERT_OK(evl_timer_create(loop, 1, &timers[1]));
    ASSERT_OK(evl_timer_create(loop, 2, &timers[2]));
    ASSERT_OK(evl_timer_start(timers[0], 1, 0)); /* destroys the loop */
    ASSERT_OK(evl_timer_start(timers[1], 1, 1)); /* would fire in the same turn */
    ASSERT_OK(evl_timer_start(timers[2], 1, 1)); /* closed by the first */
    return;
  }
  ASSERT_EQ(event, EVL_EVENT_TIMER);
  ASSERT_EQ(arg, 0);
  timer_cb_called++;
  ASSERT_OK(evl_timer_close(timers[2]));
  ASSERT_OK(evl_loop_destroy(loop));
  destroyed = 1;
  /* Closing a timer after the destroy, in the same callback, is still fine. */
  ASSERT_OK(evl_timer_close(timers[0]));
  loop = NULL;
  timers[0] = timers[1] = timers[2] = NULL;
}

TEST_IMPL(destroy_in_timer) {
  evl_loop_t *handle;

  wake_cb_called = 0;
  timer_cb_called = 0;
  destroyed = 0;
  upcalls_after_destroy = 0;
  ASSERT_OK(evl_loop_create(destroy_in_timer, &loop));
  handle = loop;
  ASSERT_OK(evl_loop_wake(loop));
  ASSERT_OK(evl_loop_run(handle));
  handle = NULL;
  ASSERT_EQ(wake_cb_called, 1);
  ASSERT_EQ(timer_cb_called, 1);
  ASSERT_EQ(upcalls_after_destroy, 0);
}

/* ---- destroy from another thread while the loop runs ---- */

static atomic_int destroy_returned;
static atomic_int upcalls_seen_after_destroy;
static evl_test_counter_t loop_started;
static evl_timer_t *ticker;

static void tick(int32_t event, int64_t arg) {
  (void) arg;
  if (atomic_load(&destroy_returned))
    atomic_fetch_add(&upcalls_seen_after_destroy, 1);
  if (event == EVL_EVENT_WAKE && wake_cb_called++ == 0) {
    /* Keeps upcalls coming while the other thread destroys the loop. */
    ASSERT_OK(evl_timer_create(loop, 1, &ticker));
    ASSERT_OK(evl_timer_start(ticker, 0, 1));
    evl_test_counter_add(&loop_started, 1);
  }
}

static void destroyer_thread(void *arg) {
  evl_loop_t *handle = arg;

  evl_test_counter_wait(&loop_started, 1, EVL_TEST_WAIT_MS);
  ASSERT_OK(evl_loop_destroy(handle));
  atomic_store(&destroy_returned, 1);
}

TEST_IMPL(destroy_from_thread) {
  uv_thread_t thread;
  evl_loop_t *handle;
  int round;

  evl_test_raise_fd_limit(4096);
  for (round = 0; round < 100; round++) {
    wake_cb_called = 0;
    atomic_store(&destroy_returned, 0);
    atomic_store(&upcalls_seen_after_destroy, 0);
    evl_test_counter_init(&loop_started);
    ASSERT_OK(evl_loop_create(tick, &loop));
    handle = loop;
    ASSERT_OK(evl_loop_wake(handle));
    ASSERT_OK(uv_thread_create(&thread, destroyer_thread, handle));

    ASSERT_OK(evl_loop_run(handle));
    ASSERT_OK(uv_thread_join(&thread));
    loop = handle = NULL;
    ticker = NULL;

    ASSERT_GE(wake_cb_called, 1);
    /* An upcall that had begun when destroy returned may finish; none starts later. */
    ASSERT_LE(atomic_load(&upcalls_seen_after_destroy), 1);
    evl_test_counter_destroy(&loop_started);
  }
}

/* ---- destroy from another thread the moment the run has ended ---- */

static void stopper_then_destroyer_thread(void *arg) {
  evl_loop_t *handle = arg;
  uint64_t deadline;

  evl_test_counter_wait(&loop_started, 1, EVL_TEST_WAIT_MS);
  ASSERT_OK(evl_loop_stop(handle));
  /* No sleeping: destroy as soon as the runner has cleared RUNNING, while it may still
   * be dropping its reference on the exit state. */
  deadline = uv_hrtime() + (uint64_t) EVL_TEST_WAIT_MS * 1000000u;
  while (evl_loop_is_running(handle))
    ASSERT_LT(uv_hrtime(), deadline);
  ASSERT_OK(evl_loop_destroy(handle));
}

static void signal_start(int32_t event, int64_t arg) {
  (void) arg;
  ASSERT_EQ(event, EVL_EVENT_WAKE);
  if (wake_cb_called++ == 0)
    evl_test_counter_add(&loop_started, 1);
}

TEST_IMPL(destroy_racing_exit) {
  uv_thread_t thread;
  evl_loop_t *handle;
  int round;

  for (round = 0; round < 200; round++) {
    wake_cb_called = 0;
    evl_test_counter_init(&loop_started);
    ASSERT_OK(evl_loop_create(signal_start, &handle));
    ASSERT_OK(evl_loop_wake(handle));
    ASSERT_OK(uv_thread_create(&thread, stopper_then_destroyer_thread, handle));
    ASSERT_OK(evl_loop_run(handle));
    ASSERT_OK(uv_thread_join(&thread));
    ASSERT_EQ(wake_cb_called, 2);
    evl_test_counter_destroy(&loop_started);
  }
}

/* ---- many loops, each destroyed from its own callback ---- */

static void destroy_self(int32_t event, int64_t arg) {
  (void) arg;
  ASSERT_EQ(event, EVL_EVENT_WAKE);
  wake_cb_called++;
  ASSERT_OK(evl_loop_destroy(loop));
  loop = NULL;
}

TEST_IMPL(destroy_many_in_callbacks) {
  evl_loop_t *handle;
  int i;

  evl_test_raise_fd_limit(4096);
  wake_cb_called = 0;
  for (i = 0; i < 200; i++) {
    ASSERT_OK(evl_loop_create(destroy_self, &loop));
    handle = loop;
    ASSERT_OK(evl_loop_wake(handle));
    ASSERT_OK(evl_loop_run(handle));
    handle = NULL;
    ASSERT_NULL(loop);
  }
  ASSERT_EQ(wake_cb_called, 200);
}

int main(int argc, char **argv) {
  RUN_TEST(destroy_never_run);
  RUN_TEST(destroy_after_run);
  RUN_TEST(destroy_in_wake);
  RUN_TEST(destroy_in_timer);
  RUN_TEST(destroy_from_thread);
  RUN_TEST(destroy_racing_exit);
  RUN_TEST(destroy_many_in_callbacks);
  return 0;
}
