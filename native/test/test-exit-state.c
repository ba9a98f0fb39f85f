/*
 * White-box test of the exit state shared by a loop's handle and its runner (linked
 * against the library's objects, so it sees evloop-internal.h). The test holds one
 * extra reference on the state, so it can look at the count and the flags after the
 * loop is gone and check that the handle and the runner each dropped theirs exactly
 * once; its own release at the end then frees the state, which ASan and LSan watch.
 * This matters because when a loop is abandoned (destroyed while running) the state is
 * reachable from the abandoned loop, so LeakSanitizer alone would not notice a missing
 * release there.
 */
#include "evloop-internal.h"
#include "task.h"

static evl_loop_t *loop;
static struct evl__exit_state *state;
static int wake_cb_called;

/* Plain functions, so that a failed ASSERT prints these names, not atomic_load's
 * expansion. */
static int refs(void) {
  return atomic_load(&state->refs);
}

static int flags(void) {
  return atomic_load(&state->flags);
}

static void hold_state(void) {
  state = loop->state;
  atomic_fetch_add(&state->refs, 1);
}

static void release_state(void) {
  evl__exit_release(state);
  state = NULL;
}

static void never_called(int32_t event, int64_t arg) {
  (void) event;
  (void) arg;
  ASSERT(0 && "no upcall expected");
}

TEST_IMPL(exit_state_never_run) {
  ASSERT_OK(evl_loop_create(never_called, &loop));
  hold_state();
  ASSERT_EQ(refs(), 2);
  ASSERT_EQ(flags(), 0);
  ASSERT_OK(evl_loop_destroy(loop));
  loop = NULL;
  ASSERT_EQ(refs(), 1);
  ASSERT_EQ(flags(), EVL__STOP_REQUESTED | EVL__DESTROYED);
  release_state();
}

TEST_IMPL(exit_state_refused_run) {
  ASSERT_OK(evl_loop_create(never_called, &loop));
  hold_state();
  ASSERT_OK(evl_loop_stop(loop));
  ASSERT_EQ(evl_loop_run(loop), EVL_ESTATE);
  ASSERT_EQ(refs(), 2);
  ASSERT_EQ(flags(), EVL__STOP_REQUESTED);
  ASSERT_OK(evl_loop_destroy(loop));
  loop = NULL;
  ASSERT_EQ(refs(), 1);
  release_state();
}

static void check_and_stop(int32_t event, int64_t arg) {
  (void) arg;
  ASSERT_EQ(event, EVL_EVENT_WAKE);
  /* The handle, the runner and the test. */
  ASSERT_EQ(refs(), 3);
  ASSERT(flags() & EVL__RUNNING);
  if (wake_cb_called++ == 0)
    ASSERT_OK(evl_loop_stop(loop));
}

TEST_IMPL(exit_state_after_run) {
  wake_cb_called = 0;
  ASSERT_OK(evl_loop_create(check_and_stop, &loop));
  hold_state();
  ASSERT_OK(evl_loop_wake(loop));
  ASSERT_OK(evl_loop_run(loop));
  ASSERT_EQ(wake_cb_called, 2);
  ASSERT_EQ(refs(), 2);
  ASSERT_EQ(flags(), EVL__STOP_REQUESTED | EVL__RAN);
  ASSERT_OK(evl_loop_destroy(loop));
  loop = NULL;
  ASSERT_EQ(refs(), 1);
  ASSERT_EQ(flags(), EVL__STOP_REQUESTED | EVL__DESTROYED | EVL__RAN);
  release_state();
}

static void destroy_in_callback(int32_t event, int64_t arg) {
  (void) arg;
  ASSERT_EQ(event, EVL_EVENT_WAKE);
  wake_cb_called++;
  ASSERT_OK(evl_loop_destroy(loop));
  loop = NULL;
  /* The handle's reference is gone; the runner's and the test's remain. */
  ASSERT_EQ(refs(), 2);
}

TEST_IMPL(exit_state_destroy_in_callback) {
  evl_loop_t *handle;

  wake_cb_called = 0;
  ASSERT_OK(evl_loop_create(destroy_in_callback, &loop));
  hold_state();
  handle = loop;
  ASSERT_OK(evl_loop_wake(handle));
  ASSERT_OK(evl_loop_run(handle));
  handle = NULL;
  ASSERT_EQ(wake_cb_called, 1);
  ASSERT_EQ(refs(), 1);
  ASSERT_EQ(flags(), EVL__STOP_REQUESTED | EVL__DESTROYED | EVL__RAN);
  release_state();
}

static evl_test_counter_t loop_started;

static void signal_start(int32_t event, int64_t arg) {
  (void) arg;
  ASSERT_EQ(event, EVL_EVENT_WAKE);
  if (wake_cb_called++ == 0)
    evl_test_counter_add(&loop_started, 1);
}

static void destroyer_thread(void *arg) {
  evl_test_counter_wait(&loop_started, 1, EVL_TEST_WAIT_MS);
  ASSERT_OK(evl_loop_destroy(arg));
}

TEST_IMPL(exit_state_destroy_from_thread) {
  uv_thread_t thread;
  evl_loop_t *handle;
  int round;

  evl_test_raise_fd_limit(4096);
  for (round = 0; round < 100; round++) {
    wake_cb_called = 0;
    evl_test_counter_init(&loop_started);
    ASSERT_OK(evl_loop_create(signal_start, &loop));
    hold_state();
    handle = loop;
    loop = NULL;
    ASSERT_OK(evl_loop_wake(handle));
    ASSERT_OK(uv_thread_create(&thread, destroyer_thread, handle));
    ASSERT_OK(evl_loop_run(handle));
    ASSERT_OK(uv_thread_join(&thread));
    handle = NULL;

    ASSERT_EQ(refs(), 1);
    ASSERT_EQ(flags(), EVL__STOP_REQUESTED | EVL__DESTROYED | EVL__RAN);
    release_state();
    evl_test_counter_destroy(&loop_started);
  }
}

int main(int argc, char **argv) {
  RUN_TEST(exit_state_never_run);
  RUN_TEST(exit_state_refused_run);
  RUN_TEST(exit_state_after_run);
  RUN_TEST(exit_state_destroy_in_callback);
  RUN_TEST(exit_state_destroy_from_thread);
  return 0;
}
