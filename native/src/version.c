/*
 * version.c: the versions of the libraries the shim runs with, for diagnostics.
 */
#include "evloop-internal.h"

#include <hiredis/hiredis.h>

#if HIREDIS_MAJOR != 1
#error "evloop needs hiredis 1.x (its libuv adapter and its context hooks)"
#endif

uint32_t evl_libuv_version(void) {
  return (uint32_t) uv_version();
}

uint32_t evl_hiredis_version(void) {
  return (uint32_t) (HIREDIS_MAJOR * 10000 + HIREDIS_MINOR * 100 + HIREDIS_PATCH);
}
