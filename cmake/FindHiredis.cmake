# FindHiredis
# -----------
#
# Finds hiredis (https://github.com/redis/hiredis). evloop needs the 1.x series (Debian 13,
# Homebrew; the shim uses its libuv adapter and its context hooks); any other version,
# 0.14 included, is reported as not found, with the reason.
#
# Search order: Hiredis_ROOT / CMAKE_PREFIX_PATH, the paths pkg-config reports for
# "hiredis" (when pkg-config is installed), the system paths, then the Homebrew prefixes
# /opt/homebrew (Apple silicon) and /usr/local (Intel).
#
# Result variables:
#   Hiredis_FOUND, Hiredis_VERSION (from hiredis/hiredis.h), Hiredis_INCLUDE_DIRS,
#   Hiredis_LIBRARIES
# Cache variables:
#   Hiredis_INCLUDE_DIR (the directory that holds hiredis/hiredis.h, so that code
#   includes <hiredis/hiredis.h>), Hiredis_LIBRARY
# Imported target:
#   Hiredis::hiredis

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_Hiredis QUIET hiredis)
endif()

# hiredis.pc names .../include (1.x) or .../include/hiredis itself (older series): hint
# both the directories and their parents.
set(_Hiredis_include_hints)
foreach(_Hiredis_dir IN LISTS PC_Hiredis_INCLUDEDIR PC_Hiredis_INCLUDE_DIRS)
  get_filename_component(_Hiredis_parent "${_Hiredis_dir}" DIRECTORY)
  list(APPEND _Hiredis_include_hints "${_Hiredis_dir}" "${_Hiredis_parent}")
endforeach()

find_path(Hiredis_INCLUDE_DIR
  NAMES hiredis/hiredis.h
  HINTS ${_Hiredis_include_hints}
  PATHS /opt/homebrew/include /usr/local/include)
find_library(Hiredis_LIBRARY
  NAMES hiredis
  HINTS ${PC_Hiredis_LIBDIR} ${PC_Hiredis_LIBRARY_DIRS}
  PATHS /opt/homebrew/lib /usr/local/lib)

unset(Hiredis_VERSION)
if(Hiredis_INCLUDE_DIR AND EXISTS "${Hiredis_INCLUDE_DIR}/hiredis/hiredis.h")
  file(STRINGS "${Hiredis_INCLUDE_DIR}/hiredis/hiredis.h" _Hiredis_version_lines
    REGEX "^#define[ \t]+HIREDIS_(MAJOR|MINOR|PATCH)[ \t]+[0-9]+")
  foreach(_Hiredis_part MAJOR MINOR PATCH)
    unset(_Hiredis_${_Hiredis_part})
    if("${_Hiredis_version_lines}" MATCHES "#define[ \t]+HIREDIS_${_Hiredis_part}[ \t]+([0-9]+)")
      set(_Hiredis_${_Hiredis_part} "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  if(DEFINED _Hiredis_MAJOR AND DEFINED _Hiredis_MINOR AND DEFINED _Hiredis_PATCH)
    set(Hiredis_VERSION "${_Hiredis_MAJOR}.${_Hiredis_MINOR}.${_Hiredis_PATCH}")
  endif()
endif()

if(NOT Hiredis_INCLUDE_DIR OR NOT Hiredis_LIBRARY)
  set(Hiredis_VERSION_OK FALSE)
  set(_Hiredis_reason "hiredis headers or library not found. Install libhiredis-dev (Debian/Ubuntu) or run 'brew install hiredis' (macOS), or point Hiredis_ROOT at an installation.")
elseif(NOT Hiredis_VERSION)
  set(Hiredis_VERSION_OK FALSE)
  set(_Hiredis_reason "could not read HIREDIS_MAJOR/MINOR/PATCH from ${Hiredis_INCLUDE_DIR}/hiredis/hiredis.h.")
elseif(_Hiredis_MAJOR EQUAL 1)
  set(Hiredis_VERSION_OK TRUE)
  set(_Hiredis_reason "")
else()
  set(Hiredis_VERSION_OK FALSE)
  set(_Hiredis_reason "hiredis ${Hiredis_VERSION} in ${Hiredis_INCLUDE_DIR} is not supported: evloop needs 1.x (Debian 12 has 0.14: configure without -DEVL_SYSTEM_DEPS=ON to build 1.2.0 from Debian's sources).")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Hiredis
  REQUIRED_VARS Hiredis_LIBRARY Hiredis_INCLUDE_DIR Hiredis_VERSION_OK
  VERSION_VAR Hiredis_VERSION
  REASON_FAILURE_MESSAGE "${_Hiredis_reason}")

if(Hiredis_FOUND)
  set(Hiredis_INCLUDE_DIRS "${Hiredis_INCLUDE_DIR}")
  set(Hiredis_LIBRARIES "${Hiredis_LIBRARY}")
  if(NOT TARGET Hiredis::hiredis)
    add_library(Hiredis::hiredis UNKNOWN IMPORTED)
    set_target_properties(Hiredis::hiredis PROPERTIES
      IMPORTED_LOCATION "${Hiredis_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${Hiredis_INCLUDE_DIR}")
  endif()
endif()

mark_as_advanced(Hiredis_INCLUDE_DIR Hiredis_LIBRARY)
unset(_Hiredis_include_hints)
unset(_Hiredis_version_lines)
unset(_Hiredis_reason)
