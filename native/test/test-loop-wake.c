/* evl_loop_wake(): from the loop thread, before the run, and from other threads. */
#include "evloop.h"
#include "task.h"

#include <stdatomic.h>

static evl_loop_t *loop;
static int wake_cb_called;

/* ---- wakes before the run coalesce; the stop adds the final wake-up ---- */

static void stop_on_first_wake(int32_t event, int64_t arg) {
  ASSERT_EQ(event, EVL_EVENT_WAKE);
  ASSERT_EQ(arg, 0);
  ASSERT_EQ(evl_loop_is_running(loop), 1);
  if (wake_cb_called++ == 0)
    ASSERT_OK(evl_loop_stop(loop));
}

TEST_IMPL(wake_before_run) {
  wake_cb_called = 0;
  ASSERT_OK(evl_loop_create(stop_on_first_wake, &loop));
  ASSERT_OK(evl_loop_wake(loop));
  ASSERT_OK(evl_loop_wake(loop));
  ASSERT_EQ(evl_loop_is_running(loop), 0);

  ASSERT_OK(evl_loop_run(loop));
  /* Both wakes before the run come as one; the stop inside it adds the final one. */
  ASSERT_EQ(wake_cb_called, 2);
  ASSERT_EQ(evl_loop_is_running(loop), 0);

  ASSERT_EQ(evl_loop_wake(loop), EVL_ESTATE);
  ASSERT_EQ(wake_cb_called, 2);
  ASSERT_OK(evl_loop_destroy(loop));
}

/* ---- waking a stopping loop is allowed; a stopped one refuses ---- */

static int wake_rc_while_stopping;

static void wake_while_stopping(int32_t event, int64_t arg) {
  (void) arg;
  ASSERT_EQ(event, EVL_EVENT_WAKE);
  if (wake_cb_called++ == 0) {
    ASSERT_OK(evl_loop_stop(loop));
    wake_rc_while_stopping = evl_loop_wake(loop);
  }
}

TEST_IMPL(wake_while_stopping) {
  wake_cb_called = 0;
  wake_rc_while_stopping = -1;
  ASSERT_OK(evl_loop_create(wake_while_stopping, &loop));
  ASSERT_OK(evl_loop_wake(loop));
  ASSERT_OK(evl_loop_run(loop));
  ASSERT_OK(wake_rc_while_stopping);
  ASSERT_EQ(wake_cb_called, 2);
  ASSERT_EQ(evl_loop_wake(loop), EVL_ESTATE);
  ASSERT_OK(evl_loop_destroy(loop));

  /* Stopped before it ran: it never will, and a wake says so. */
  ASSERT_OK(evl_loop_create(wake_while_stopping, &loop));
  ASSERT_OK(evl_loop_stop(loop));
  ASSERT_EQ(evl_loop_wake(loop), EVL_ESTATE);
  ASSERT_OK(evl_loop_destroy(loop));
  ASSERT_EQ(wake_cb_called, 2);
}

/* ---- bursts of wakes from another thread: each burst is seen ---- */

#define BURSTS 1000

static atomic_int bursts_sent;
static int bursts_seen; /* loop thread */
static int wakes_sent;  /* burst thread */
static evl_test_counter_t bursts_acked;

static void ack_bursts(int32_t event, int64_t arg) {
  int sent;

  (void) arg;
  ASSERT_EQ(event, EVL_EVENT_WAKE);
  wake_cb_called++;
  sent = atomic_load(&bursts_sent);
  ASSERT_GE(sent, bursts_seen);
  if (sent > bursts_seen) {
    bursts_seen = sent;
    evl_test_counter_set(&bursts_acked, sent);
  }
}

static void burst_thread(void *arg) {
  int i;
  int k;

  (void) arg;
  for (i = 1; i <= BURSTS; i++) {
    atomic_store(&bursts_sent, i);
    for (k = 0; k <= i % 3; k++) {
      ASSERT_OK(evl_loop_wake(loop));
      wakes_sent++;
    }
    /* At least one wake-up must start after the store above. */
    evl_test_counter_wait(&bursts_acked, i, EVL_TEST_WAIT_MS);
  }
  ASSERT_EQ(evl_loop_is_running(loop), 1);
  ASSERT_OK(evl_loop_stop(loop));
}

TEST_IMPL(wake_bursts_from_thread) {
  uv_thread_t thread;

  wake_cb_called = 0;
  wakes_sent = 0;
  bursts_seen = 0;
  atomic_store(&bursts_sent, 0);
  evl_test_counter_init(&bursts_acked);
  ASSERT_OK(evl_loop_create(ack_bursts, &loop));
  ASSERT_OK(uv_thread_create(&thread, burst_thread, NULL));

  ASSERT_OK(evl_loop_run(loop));
  ASSERT_OK(uv_thread_join(&thread));

  ASSERT_EQ(bursts_seen, BURSTS);
  /* One wake-up per burst at least, plus the final one after the stop; coalescing may
   * merge wakes, but never make more wake-ups than wakes and stops. */
  ASSERT_GE(wake_cb_called, BURSTS + 1);
  ASSERT_LE(wake_cb_called, wakes_sent + 1);
  ASSERT_OK(evl_loop_destroy(loop));
  evl_test_counter_destroy(&bursts_acked);
}

/* ---- many threads post and wake; the final wake-up sees every post ---- */

#define POSTERS 4
#define POSTS_PER_POSTER 20000

static atomic_int posted;
static int drained; /* loop thread */
static evl_test_counter_t loop_started;

static void drain(int32_t event, int64_t arg) {
  (void) arg;
  ASSERT_EQ(event, EVL_EVENT_WAKE);
  if (wake_cb_called++ == 0)
    evl_test_counter_add(&loop_started, 1);
  /* Stands for draining a queue: everything posted so far is taken. */
  drained = atomic_load(&posted);
}

static void poster_thread(void *arg) {
  int i;

  (void) arg;
  for (i = 0; i < POSTS_PER_POSTER; i++) {
    atomic_fetch_add(&posted, 1);
    ASSERT_OK(evl_loop_wake(loop));
  }
}

static void controller_thread(void *arg) {
  uv_thread_t posters[POSTERS];
  int i;

  (void) arg;
  evl_test_counter_wait(&loop_started, 1, EVL_TEST_WAIT_MS);
  for (i = 0; i < POSTERS; i++)
    ASSERT_OK(uv_thread_create(&posters[i], poster_thread, NULL));
  for (i = 0; i < POSTERS; i++)
    ASSERT_OK(uv_thread_join(&posters[i]));
  ASSERT_OK(evl_loop_stop(loop));
}

TEST_IMPL(wake_from_many_threads) {
  uv_thread_t controller;

  wake_cb_called = 0;
  drained = 0;
  atomic_store(&posted, 0);
  evl_test_counter_init(&loop_started);
  ASSERT_OK(evl_loop_create(drain, &loop));
  ASSERT_OK(evl_loop_wake(loop));
  ASSERT_OK(uv_thread_create(&controller, controller_thread, NULL));

  ASSERT_OK(evl_loop_run(loop));
  ASSERT_OK(uv_thread_join(&controller));

  ASSERT_EQ(drained, POSTERS * POSTS_PER_POSTER);
  ASSERT_GE(wake_cb_called, 2);
  ASSERT_LE(wake_cb_called, POSTERS * POSTS_PER_POSTER + 2);
  ASSERT_OK(evl_loop_destroy(loop));
  evl_test_counter_destroy(&loop_started);
}

/* ---- bad arguments ---- */

TEST_IMPL(wake_null) {
  ASSERT_EQ(evl_loop_wake(NULL), EVL_EINVAL);
  ASSERT_EQ(evl_loop_is_running(NULL), 0);
}

int main(int argc, char **argv) {
  RUN_TEST(wake_before_run);
  RUN_TEST(wake_while_stopping);
  RUN_TEST(wake_bursts_from_thread);
  RUN_TEST(wake_from_many_threads);
  RUN_TEST(wake_null);
  return 0;
}
