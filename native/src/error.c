/*
 * error.c: names for the codes the API returns.
 */
#include "evloop-internal.h"

/* The messages come from libuv's own table in uv.h (the same text uv_strerror() returns),
 * expanded here so that every answer is a string literal: uv_strerror() allocates a new
 * string, never freed, for a code it does not know. */
#define EVL__UV_ERROR_CASE(name, message) \
  case UV_##name:                         \
    return message;

const char *evl_strerror(int code) {
  switch (code) {
  case 0:
    return "success";
  case EVL_EINVAL:
    return "EVL_EINVAL: a NULL handle or an argument out of range";
  case EVL_ESTATE:
    return "EVL_ESTATE: the loop is not in a state that allows this call";
  case EVL_ENOMEM:
    return "EVL_ENOMEM: out of memory";
  UV_ERRNO_MAP(EVL__UV_ERROR_CASE)
  default:
    return "unknown error";
  }
}
