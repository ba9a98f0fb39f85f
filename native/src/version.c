/*
 * version.c: the versions of the libraries the shim runs with, for diagnostics.
 */
#include "evloop-internal.h"

#include <hiredis/hiredis.h>

#if !((HIREDIS_MAJOR == 0 && HIREDIS_MINOR == 14) || HIREDIS_MAJOR == 1)
#error "evloop supports hiredis 0.14.x and 1.x"
#endif

uint32_t evl_libuv_version(void) {
  return (uint32_t) uv_version();
}

uint32_t evl_hiredis_version(void) {
  return (uint32_t) (HIREDIS_MAJOR * 10000 + HIREDIS_MINOR * 100 + HIREDIS_PATCH);
}
