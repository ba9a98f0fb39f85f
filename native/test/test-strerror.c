/* evl_strerror(): a static name for every code. */
#include "evloop.h"
#include "task.h"

TEST_IMPL(strerror_evl_codes) {
  ASSERT_NOT_NULL(strstr(evl_strerror(EVL_EINVAL), "EVL_EINVAL"));
  ASSERT_NOT_NULL(strstr(evl_strerror(EVL_ESTATE), "EVL_ESTATE"));
  ASSERT_NOT_NULL(strstr(evl_strerror(EVL_ENOMEM), "EVL_ENOMEM"));
  ASSERT_STR_EQ(evl_strerror(0), "success");
}

TEST_IMPL(strerror_uv_codes) {
  /* The same text as libuv's own, for the codes libuv knows. */
  ASSERT_STR_EQ(evl_strerror(UV_ECONNREFUSED), uv_strerror(UV_ECONNREFUSED));
  ASSERT_STR_EQ(evl_strerror(UV_ETIMEDOUT), uv_strerror(UV_ETIMEDOUT));
  ASSERT_STR_EQ(evl_strerror(UV_EOF), uv_strerror(UV_EOF));
  ASSERT_STR_EQ(evl_strerror(UV_EAI_NONAME), uv_strerror(UV_EAI_NONAME));
}

TEST_IMPL(strerror_unknown_code) {
  /* Static storage: the same pointer every time, nothing allocated. */
  const char *message = evl_strerror(-123456);

  ASSERT_NOT_NULL(message);
  ASSERT(message == evl_strerror(-123456));
  ASSERT(message == evl_strerror(42));
}

int main(int argc, char **argv) {
  RUN_TEST(strerror_evl_codes);
  RUN_TEST(strerror_uv_codes);
  RUN_TEST(strerror_unknown_code);
  return 0;
}
