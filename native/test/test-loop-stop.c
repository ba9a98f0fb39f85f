/* evl_loop_stop(): from a callback, before the run, repeatedly, and from many threads. */
#include "evloop.h"
#include "task.h"

#include <stdatomic.h>

static evl_loop_t *loop;
static int wake_cb_called;
static int timer_cb_called;
static int stop_called;
static int timer_cb_called_after_stop;

/* ---- stop from inside a wake-up: the run returns after one more wake-up ---- */

static void stop_in_wake(int32_t event, int64_t arg) {
  (void) arg;
  ASSERT_EQ(event, EVL_EVENT_WAKE);
  if (wake_cb_called++ == 0) {
    ASSERT_OK(evl_loop_stop(loop));
    ASSERT_OK(evl_loop_stop(loop)); /* idempotent */
    ASSERT_OK(evl_loop_stop(loop));
    ASSERT_EQ(evl_loop_is_running(loop), 1);
  } else {
    /* The final wake-up: stopping again changes nothing. */
    ASSERT_OK(evl_loop_stop(loop));
  }
}

TEST_IMPL(stop_in_callback) {
  wake_cb_called = 0;
  ASSERT_OK(evl_loop_create(stop_in_wake, &loop));
  ASSERT_OK(evl_loop_wake(loop));
  ASSERT_OK(evl_loop_run(loop));
  ASSERT_EQ(wake_cb_called, 2);
  ASSERT_EQ(evl_loop_is_running(loop), 0);

  /* A loop runs once. */
  ASSERT_EQ(evl_loop_run(loop), EVL_ESTATE);
  ASSERT_EQ(wake_cb_called, 2);
  ASSERT_OK(evl_loop_stop(loop));
  ASSERT_OK(evl_loop_destroy(loop));
}

/* ---- stop from a timer: no timer reaches the caller after the stop ---- */

static evl_timer_t *repeating;
static evl_timer_t *stopper;

static void stop_in_timer(int32_t event, int64_t arg) {
  if (event == EVL_EVENT_WAKE) {
    wake_cb_called++;
    if (wake_cb_called == 1) {
      /* Both due at the same turn of the loop, the stopper first (same timeout,
       * started first). */
      ASSERT_OK(evl_timer_create(loop, 2, &stopper));
      ASSERT_OK(evl_timer_create(loop, 1, &repeating));
      ASSERT_OK(evl_timer_start(stopper, 1, 0));
      ASSERT_OK(evl_timer_start(repeating, 1, 1));
    } else {
      ASSERT_EQ(stop_called, 1);
    }
    return;
  }
  ASSERT_EQ(event, EVL_EVENT_TIMER);
  timer_cb_called++;
  if (stop_called)
    timer_cb_called_after_stop++;
  if (arg == 2) {
    ASSERT_OK(evl_loop_stop(loop));
    stop_called = 1;
  }
}

TEST_IMPL(stop_in_timer) {
  wake_cb_called = 0;
  timer_cb_called = 0;
  timer_cb_called_after_stop = 0;
  stop_called = 0;
  ASSERT_OK(evl_loop_create(stop_in_timer, &loop));
  ASSERT_OK(evl_loop_wake(loop));
  ASSERT_OK(evl_loop_run(loop));
  ASSERT_EQ(stop_called, 1);
  ASSERT_EQ(timer_cb_called, 1);
  ASSERT_EQ(timer_cb_called_after_stop, 0);
  ASSERT_EQ(wake_cb_called, 2);
  /* The timers are still open; destroy closes them. */
  ASSERT_OK(evl_loop_destroy(loop));
}

/* ---- stop before the run: the loop never runs ---- */

static void never_called(int32_t event, int64_t arg) {
  (void) event;
  (void) arg;
  ASSERT(0 && "no upcall expected");
}

TEST_IMPL(stop_before_run) {
  ASSERT_OK(evl_loop_create(never_called, &loop));
  ASSERT_OK(evl_loop_wake(loop));
  ASSERT_OK(evl_loop_stop(loop));
  ASSERT_OK(evl_loop_stop(loop));
  ASSERT_EQ(evl_loop_run(loop), EVL_ESTATE);
  ASSERT_EQ(evl_loop_is_running(loop), 0);
  ASSERT_EQ(evl_loop_run(loop), EVL_ESTATE);
  ASSERT_OK(evl_loop_destroy(loop));
}

/* ---- stop from several threads at once ---- */

#define STOPPERS 8

static uv_barrier_t stoppers_ready;
static atomic_int stops_started;
static int last_wake_saw_stops; /* loop thread */
static evl_test_counter_t loop_started;

static void note_wake(int32_t event, int64_t arg) {
  (void) arg;
  ASSERT_EQ(event, EVL_EVENT_WAKE);
  if (wake_cb_called++ == 0)
    evl_test_counter_add(&loop_started, 1);
  last_wake_saw_stops = atomic_load(&stops_started);
}

static void stopper_thread(void *arg) {
  (void) arg;
  evl_test_counter_wait(&loop_started, 1, EVL_TEST_WAIT_MS);
  uv_barrier_wait(&stoppers_ready);
  atomic_fetch_add(&stops_started, 1);
  ASSERT_OK(evl_loop_stop(loop));
}

TEST_IMPL(stop_concurrent) {
  uv_thread_t threads[STOPPERS];
  int round;
  int i;

  for (round = 0; round < 50; round++) {
    wake_cb_called = 0;
    last_wake_saw_stops = 0;
    atomic_store(&stops_started, 0);
    evl_test_counter_init(&loop_started);
    ASSERT_OK(uv_barrier_init(&stoppers_ready, STOPPERS));
    ASSERT_OK(evl_loop_create(note_wake, &loop));
    ASSERT_OK(evl_loop_wake(loop));
    for (i = 0; i < STOPPERS; i++)
      ASSERT_OK(uv_thread_create(&threads[i], stopper_thread, NULL));

    ASSERT_OK(evl_loop_run(loop));
    for (i = 0; i < STOPPERS; i++)
      ASSERT_OK(uv_thread_join(&threads[i]));

    /* The last wake-up started after a stop had begun. */
    ASSERT_GE(last_wake_saw_stops, 1);
    ASSERT_GE(wake_cb_called, 2);
    ASSERT_EQ(evl_loop_is_running(loop), 0);
    ASSERT_OK(evl_loop_destroy(loop));
    uv_barrier_destroy(&stoppers_ready);
    evl_test_counter_destroy(&loop_started);
  }
}

TEST_IMPL(stop_null) {
  ASSERT_EQ(evl_loop_stop(NULL), EVL_EINVAL);
  ASSERT_EQ(evl_loop_run(NULL), EVL_EINVAL);
}

int main(int argc, char **argv) {
  RUN_TEST(stop_in_callback);
  RUN_TEST(stop_in_timer);
  RUN_TEST(stop_before_run);
  RUN_TEST(stop_concurrent);
  RUN_TEST(stop_null);
  return 0;
}
