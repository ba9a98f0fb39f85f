/*
 * Timers. Every test starts its timers from the first wake-up (timers belong to the loop
 * thread) and relies only on the order of due times, never on how long anything took.
 */
#include "evloop.h"
#include "task.h"

static evl_loop_t *loop;
static void (*on_first_wake)(void);
static void (*on_timer)(int64_t token);
static int wake_cb_called;
static int timer_cb_called[8];

static void dispatch(int32_t event, int64_t arg) {
  if (event == EVL_EVENT_WAKE) {
    if (wake_cb_called++ == 0)
      on_first_wake();
    return;
  }
  ASSERT_EQ(event, EVL_EVENT_TIMER);
  ASSERT_GE(arg, 0);
  ASSERT_LT(arg, 8);
  timer_cb_called[arg]++;
  on_timer(arg);
}

/* Creates a loop, runs it until a callback stops it, and destroys it (which closes any
 * timer still open and asserts, through uv_loop_close(), that nothing is left). */
static void run_loop(void (*first_wake)(void), void (*timer)(int64_t token)) {
  wake_cb_called = 0;
  memset(timer_cb_called, 0, sizeof(timer_cb_called));
  on_first_wake = first_wake;
  on_timer = timer;
  ASSERT_OK(evl_loop_create(dispatch, &loop));
  ASSERT_OK(evl_loop_wake(loop));
  ASSERT_OK(evl_loop_run(loop));
  ASSERT_EQ(wake_cb_called, 2); /* the first, and the final one after the stop */
  ASSERT_OK(evl_loop_destroy(loop));
  loop = NULL;
}

static evl_timer_t *timers[8];

static void start(int64_t token, uint64_t timeout_ms, uint64_t repeat_ms) {
  ASSERT_OK(evl_timer_create(loop, token, &timers[token]));
  ASSERT_NOT_NULL(timers[token]);
  ASSERT_OK(evl_timer_start(timers[token], timeout_ms, repeat_ms));
}

/* ---- a one-shot timer fires once ---- */

static void one_shot_start(void) {
  start(0, 1, 0);
  start(1, 30, 0); /* later than 0: by then 0 would have fired again if it repeated */
}

static void one_shot_timer(int64_t token) {
  if (token == 1) {
    ASSERT_OK(evl_timer_close(timers[0]));
    ASSERT_OK(evl_timer_close(timers[1]));
    ASSERT_OK(evl_loop_stop(loop));
  }
}

TEST_IMPL(timer_one_shot) {
  run_loop(one_shot_start, one_shot_timer);
  ASSERT_EQ(timer_cb_called[0], 1);
  ASSERT_EQ(timer_cb_called[1], 1);
}

/* ---- a repeating timer fires until closed, here from its own callback ---- */

#define REPEATS 5

static void repeat_start(void) {
  start(0, 1, 1);
}

static void repeat_timer(int64_t token) {
  ASSERT_EQ(token, 0);
  if (timer_cb_called[0] == REPEATS) {
    ASSERT_OK(evl_timer_close(timers[0]));
    /* Closed: a second close, a start or a stop from the same callback is refused. */
    ASSERT_EQ(evl_timer_close(timers[0]), EVL_ESTATE);
    ASSERT_EQ(evl_timer_start(timers[0], 1, 0), EVL_ESTATE);
    ASSERT_EQ(evl_timer_stop(timers[0]), EVL_ESTATE);
    timers[0] = NULL;
    ASSERT_OK(evl_loop_stop(loop));
  }
}

TEST_IMPL(timer_repeat) {
  run_loop(repeat_start, repeat_timer);
  ASSERT_EQ(timer_cb_called[0], REPEATS);
}

/* ---- a stopped timer does not fire; stopping twice is fine ---- */

static void stop_start(void) {
  start(0, 20, 0); /* stopped by 1 before it is due */
  start(1, 1, 0);
  start(2, 40, 0); /* ends the test */
}

static void stop_timer(int64_t token) {
  if (token == 1) {
    ASSERT_OK(evl_timer_stop(timers[0]));
    ASSERT_OK(evl_timer_stop(timers[0]));
  } else if (token == 2) {
    ASSERT_OK(evl_loop_stop(loop));
  }
}

TEST_IMPL(timer_stop) {
  run_loop(stop_start, stop_timer);
  ASSERT_EQ(timer_cb_called[0], 0);
  ASSERT_EQ(timer_cb_called[1], 1);
  ASSERT_EQ(timer_cb_called[2], 1);
}

/* ---- restarting moves a timer; a stopped one can start again ---- */

static void restart_start(void) {
  start(0, 3600 * 1000, 0); /* an hour: moved below */
  ASSERT_OK(evl_timer_start(timers[0], 1, 0));
  start(1, 20, 0);
}

static void restart_timer(int64_t token) {
  if (token == 1) {
    if (timer_cb_called[1] == 1) {
      ASSERT_OK(evl_timer_start(timers[1], 1, 0)); /* a fired one-shot starts again */
    } else {
      ASSERT_OK(evl_loop_stop(loop));
    }
  }
}

TEST_IMPL(timer_restart) {
  run_loop(restart_start, restart_timer);
  ASSERT_EQ(timer_cb_called[0], 1);
  ASSERT_EQ(timer_cb_called[1], 2);
}

/* ---- timers left open, running or not, are closed by destroy ---- */

static void left_open_start(void) {
  start(0, 3600 * 1000, 0);
  start(1, 3600 * 1000, 1000);
  ASSERT_OK(evl_timer_create(loop, 2, &timers[2])); /* never started */
  start(3, 1, 0);
}

static void left_open_timer(int64_t token) {
  ASSERT_EQ(token, 3);
  ASSERT_OK(evl_loop_stop(loop));
}

TEST_IMPL(timer_left_open) {
  /* run_loop's destroy must close all four and free them (ASan/LSan check the freeing,
   * uv_loop_close() inside destroy checks that nothing stays open). */
  run_loop(left_open_start, left_open_timer);
  ASSERT_EQ(timer_cb_called[3], 1);
}

/* ---- many timers: each fires once, all before a timer that is due later ---- */

#define MANY 1000

static evl_timer_t *many[MANY];
static int many_fired;

static void many_start(void) {
  int i;

  for (i = 0; i < MANY; i++) {
    ASSERT_OK(evl_timer_create(loop, 4, &many[i]));
    ASSERT_OK(evl_timer_start(many[i], 1, 0));
  }
  start(5, 50, 0);
}

static void many_timer(int64_t token) {
  int i;

  if (token == 4) {
    many_fired++;
  } else {
    ASSERT_EQ(token, 5);
    for (i = 0; i < MANY; i += 2)
      ASSERT_OK(evl_timer_close(many[i])); /* the other half is closed by destroy */
    ASSERT_OK(evl_loop_stop(loop));
  }
}

TEST_IMPL(timer_many) {
  many_fired = 0;
  run_loop(many_start, many_timer);
  ASSERT_EQ(many_fired, MANY);
}

/* ---- bad arguments ---- */

static void never_called(int32_t event, int64_t arg) {
  (void) event;
  (void) arg;
  ASSERT(0 && "no upcall expected");
}

TEST_IMPL(timer_invalid) {
  evl_timer_t *timer = (evl_timer_t *) &timer; /* must be overwritten with NULL */

  ASSERT_EQ(evl_timer_create(NULL, 0, &timer), EVL_EINVAL);
  ASSERT_NULL(timer);
  ASSERT_OK(evl_loop_create(never_called, &loop));
  ASSERT_EQ(evl_timer_create(loop, 0, NULL), EVL_EINVAL);
  ASSERT_EQ(evl_timer_start(NULL, 1, 0), EVL_EINVAL);
  ASSERT_EQ(evl_timer_stop(NULL), EVL_EINVAL);
  ASSERT_EQ(evl_timer_close(NULL), EVL_EINVAL);
  ASSERT_OK(evl_loop_destroy(loop));
  loop = NULL;
}

int main(int argc, char **argv) {
  RUN_TEST(timer_one_shot);
  RUN_TEST(timer_repeat);
  RUN_TEST(timer_stop);
  RUN_TEST(timer_restart);
  RUN_TEST(timer_left_open);
  RUN_TEST(timer_many);
  RUN_TEST(timer_invalid);
  return 0;
}
