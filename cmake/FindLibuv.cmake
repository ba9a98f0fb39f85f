# FindLibuv
# ---------
#
# Finds libuv (https://libuv.org). evloop needs libuv 1.44 or later: an older one is
# reported as not found, with the reason.
#
# Search order: Libuv_ROOT / CMAKE_PREFIX_PATH, the paths pkg-config reports for
# "libuv" (when pkg-config is installed), the system paths, then the Homebrew prefixes
# /opt/homebrew (Apple silicon) and /usr/local (Intel).
#
# Result variables:
#   Libuv_FOUND, Libuv_VERSION (from uv/version.h), Libuv_INCLUDE_DIRS, Libuv_LIBRARIES
# Cache variables:
#   Libuv_INCLUDE_DIR (holds uv.h), Libuv_LIBRARY
# Imported target:
#   Libuv::libuv

set(_Libuv_MIN_VERSION 1.44)

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_Libuv QUIET libuv)
endif()

find_path(Libuv_INCLUDE_DIR
  NAMES uv.h
  HINTS ${PC_Libuv_INCLUDEDIR} ${PC_Libuv_INCLUDE_DIRS}
  PATHS /opt/homebrew/include /usr/local/include)
find_library(Libuv_LIBRARY
  NAMES uv libuv
  HINTS ${PC_Libuv_LIBDIR} ${PC_Libuv_LIBRARY_DIRS}
  PATHS /opt/homebrew/lib /usr/local/lib)

unset(Libuv_VERSION)
if(Libuv_INCLUDE_DIR AND EXISTS "${Libuv_INCLUDE_DIR}/uv/version.h")
  file(STRINGS "${Libuv_INCLUDE_DIR}/uv/version.h" _Libuv_version_lines
    REGEX "^#define[ \t]+UV_VERSION_(MAJOR|MINOR|PATCH)[ \t]+[0-9]+")
  foreach(_Libuv_part MAJOR MINOR PATCH)
    unset(_Libuv_${_Libuv_part})
    if("${_Libuv_version_lines}" MATCHES "#define[ \t]+UV_VERSION_${_Libuv_part}[ \t]+([0-9]+)")
      set(_Libuv_${_Libuv_part} "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  if(DEFINED _Libuv_MAJOR AND DEFINED _Libuv_MINOR AND DEFINED _Libuv_PATCH)
    set(Libuv_VERSION "${_Libuv_MAJOR}.${_Libuv_MINOR}.${_Libuv_PATCH}")
  endif()
endif()

# Libuv_VERSION_OK is a required variable, so that an unsupported version fails like a
# missing library, with the reason below.
if(NOT Libuv_INCLUDE_DIR OR NOT Libuv_LIBRARY)
  set(Libuv_VERSION_OK FALSE)
  set(_Libuv_reason "libuv headers or library not found. Install libuv1-dev (Debian/Ubuntu) or run 'brew install libuv' (macOS), or point Libuv_ROOT at an installation.")
elseif(NOT Libuv_VERSION)
  set(Libuv_VERSION_OK FALSE)
  set(_Libuv_reason "could not read UV_VERSION_MAJOR/MINOR/PATCH from ${Libuv_INCLUDE_DIR}/uv/version.h.")
elseif(Libuv_VERSION VERSION_LESS _Libuv_MIN_VERSION)
  set(Libuv_VERSION_OK FALSE)
  set(_Libuv_reason "libuv ${Libuv_VERSION} in ${Libuv_INCLUDE_DIR} is too old: evloop needs ${_Libuv_MIN_VERSION} or later.")
else()
  set(Libuv_VERSION_OK TRUE)
  set(_Libuv_reason "")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Libuv
  REQUIRED_VARS Libuv_LIBRARY Libuv_INCLUDE_DIR Libuv_VERSION_OK
  VERSION_VAR Libuv_VERSION
  REASON_FAILURE_MESSAGE "${_Libuv_reason}")

if(Libuv_FOUND)
  set(Libuv_INCLUDE_DIRS "${Libuv_INCLUDE_DIR}")
  set(Libuv_LIBRARIES "${Libuv_LIBRARY}")
  if(NOT TARGET Libuv::libuv)
    add_library(Libuv::libuv UNKNOWN IMPORTED)
    set_target_properties(Libuv::libuv PROPERTIES
      IMPORTED_LOCATION "${Libuv_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${Libuv_INCLUDE_DIR}")
  endif()
endif()

mark_as_advanced(Libuv_INCLUDE_DIR Libuv_LIBRARY)
unset(_Libuv_version_lines)
unset(_Libuv_reason)
