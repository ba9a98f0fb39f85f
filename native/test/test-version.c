/* The versions the shim reports. */
#include "evloop.h"
#include "task.h"

#include <hiredis/hiredis.h>

TEST_IMPL(versions) {
  ASSERT_EQ(evl_libuv_version(), uv_version());
  ASSERT_GE(evl_libuv_version(), (1 << 16) | (44 << 8));
  ASSERT_EQ(evl_hiredis_version(),
            HIREDIS_MAJOR * 10000 + HIREDIS_MINOR * 100 + HIREDIS_PATCH);
  /* hiredis 1.x only: the shim uses its libuv adapter and its function table. */
  ASSERT_GE(evl_hiredis_version(), 10000);
  ASSERT_LT(evl_hiredis_version(), 20000);
}

int main(int argc, char **argv) {
  RUN_TEST(versions);
  return 0;
}
