# EvlStaticDeps
# -------------
#
# Where the static libuv and hiredis that go inside libevloop come from (EVL_SYSTEM_DEPS=OFF).
#
# Linux: scripts/deps-from-debian.sh builds both from the upstream tarballs of pinned Debian
# source packages (checksummed) as position-independent archives, into EVL_DEPS_DIR. That
# folder is a cache outside the build tree, so that a fresh build tree (or a fresh clone)
# does not fetch or compile them again; its name carries the architecture, the C library
# and the compiler, since archives made by one are not meant for another. Set the
# environment variable EVL_DEPS_CACHE (default: $XDG_CACHE_HOME/evloop, else
# ~/.cache/evloop) or the cache variable EVL_DEPS_DIR to move it.
#
# macOS: Homebrew's own static archives (libuv.a, libhiredis.a; all code is
# position-independent there), found in the usual prefixes.
#
# After find_package(Libuv) and find_package(Hiredis), evl_static_deps_check() makes sure
# archives were found, not shared libraries, and adds what libuv's archive needs to link.

find_package(Threads REQUIRED)

if(APPLE)
  message(STATUS "evloop: linking Homebrew's static libuv and hiredis archives")
else()
  execute_process(COMMAND getconf GNU_LIBC_VERSION
    OUTPUT_VARIABLE _evl_libc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  string(REPLACE " " "" _evl_libc "${_evl_libc}")
  if(NOT _evl_libc)
    set(_evl_libc "libc")
  endif()
  if(DEFINED ENV{EVL_DEPS_CACHE} AND NOT "$ENV{EVL_DEPS_CACHE}" STREQUAL "")
    set(_evl_cache "$ENV{EVL_DEPS_CACHE}")
  elseif(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
    set(_evl_cache "$ENV{XDG_CACHE_HOME}/evloop")
  elseif(DEFINED ENV{HOME} AND NOT "$ENV{HOME}" STREQUAL "")
    set(_evl_cache "$ENV{HOME}/.cache/evloop")
  else()
    set(_evl_cache "${CMAKE_BINARY_DIR}/evloop-cache")
  endif()
  set(EVL_DEPS_DIR
    "${_evl_cache}/deps/${CMAKE_SYSTEM_PROCESSOR}-${_evl_libc}-${CMAKE_C_COMPILER_ID}-${CMAKE_C_COMPILER_VERSION}"
    CACHE PATH "Where the static libuv and hiredis are built (scripts/deps-from-debian.sh)")
  message(STATUS "evloop: static libuv and hiredis from Debian's sources, in ${EVL_DEPS_DIR}")
  execute_process(
    COMMAND bash "${CMAKE_CURRENT_LIST_DIR}/../scripts/deps-from-debian.sh" "${EVL_DEPS_DIR}"
    RESULT_VARIABLE _evl_deps_result)
  if(NOT _evl_deps_result EQUAL 0)
    message(FATAL_ERROR "evloop: building libuv and hiredis from Debian's sources failed (see above). "
      "Fix what it says, or configure with -DEVL_SYSTEM_DEPS=ON to link the system's shared "
      "libuv (>= 1.44) and hiredis (>= 1.0).")
  endif()
  set(Libuv_ROOT "${EVL_DEPS_DIR}")
  set(Hiredis_ROOT "${EVL_DEPS_DIR}")
  unset(_evl_cache)
  unset(_evl_libc)
endif()

# Only archives may be found; evl_static_deps_check() restores the suffixes.
set(_evl_saved_suffixes "${CMAKE_FIND_LIBRARY_SUFFIXES}")
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)

function(evl_static_deps_check)
  set(CMAKE_FIND_LIBRARY_SUFFIXES "${_evl_saved_suffixes}" PARENT_SCOPE)
  foreach(_evl_lib IN ITEMS "${Libuv_LIBRARY}" "${Hiredis_LIBRARY}")
    if(NOT _evl_lib MATCHES "\\.a$")
      message(FATAL_ERROR "evloop: expected a static archive, found ${_evl_lib}. "
        "Delete the build folder and configure again, or use -DEVL_SYSTEM_DEPS=ON.")
    endif()
  endforeach()
  # What libuv's archive needs besides libc (its pkg-config Libs.private).
  set(_evl_private Threads::Threads ${CMAKE_DL_LIBS})
  if(NOT APPLE)
    list(APPEND _evl_private rt)
  endif()
  set_property(TARGET Libuv::libuv APPEND PROPERTY INTERFACE_LINK_LIBRARIES ${_evl_private})
  message(STATUS "evloop: linking ${Libuv_LIBRARY} and ${Hiredis_LIBRARY} into libevloop")
endfunction()
