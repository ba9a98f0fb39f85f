# EvlBundleDeps
# -------------
#
# Helps libevloop carry its dependencies, so that a jar works where libuv and hiredis are
# not installed: a dependency goes into the library itself when its static archive can be
# linked into a shared library, and otherwise stays a shared library that build-native.sh
# --output ships beside libevloop (found there through an RPATH of $ORIGIN / @loader_path).
#
#   evl_link_static_if_possible(
#     NAME <name>                 e.g. hiredis; names the cache entries and the messages
#     SHARED_TARGET <target>      the imported shared library, e.g. Hiredis::hiredis
#     SHARED_LIBRARY <file>       its file, e.g. ${Hiredis_LIBRARY}
#     ARCHIVE_NAMES <names>...    file names of its static archive, looked for in the folder
#                                 of SHARED_LIBRARY only (so that headers and archive match)
#     [ARCHIVE_LIBRARIES <libs>...] what the archive itself needs (e.g. pthread dl rt)
#     PROBE_SOURCES <files>...    the sources of the real library: the probe links exactly them
#     PROBE_INCLUDE_DIRS <dirs>...
#     PROBE_DEFINITIONS <defs>...
#     PROBE_LIBRARIES <files>...  the other dependencies of the real library (shared files)
#     PROBE_LINK_OPTIONS <opts>... e.g. -Wl,--no-undefined
#     RESULT_VAR <var>)           set to what to link: the new imported target
#                                 <name>::static, or SHARED_TARGET
#
# The archive is used only if a try-link succeeds: PROBE_SOURCES compiled as position-
# independent code and linked into a shared library together with the archive and the
# PROBE_LIBRARIES. That is what fails for an archive of non-PIC objects (Debian's
# libuv_a.a: "relocation R_X86_64_PC32 against symbol `environ' ... recompile with
# -fPIC"). Either way the configure output says which one is linked and why. The probe's
# answer is cached (EVL_STATIC_PROBE_<NAME>) until the archive, the shared library or
# the compiler changes.

function(_evl_bracket out)
  set(quoted "")
  foreach(item IN LISTS ARGN)
    string(APPEND quoted " [==[${item}]==]")
  endforeach()
  set(${out} "${quoted}" PARENT_SCOPE)
endfunction()

function(evl_link_static_if_possible)
  cmake_parse_arguments(E "" "NAME;SHARED_TARGET;SHARED_LIBRARY;RESULT_VAR"
    "ARCHIVE_NAMES;ARCHIVE_LIBRARIES;PROBE_SOURCES;PROBE_INCLUDE_DIRS;PROBE_DEFINITIONS;PROBE_LIBRARIES;PROBE_LINK_OPTIONS"
    ${ARGN})
  string(TOUPPER "${E_NAME}" upper)
  set(${E_RESULT_VAR} "${E_SHARED_TARGET}" PARENT_SCOPE)

  get_filename_component(libdir "${E_SHARED_LIBRARY}" DIRECTORY)
  unset(_evl_archive CACHE)
  find_library(_evl_archive NAMES ${E_ARCHIVE_NAMES} PATHS "${libdir}" NO_DEFAULT_PATH)
  set(archive "${_evl_archive}")
  unset(_evl_archive CACHE)
  if(NOT archive)
    message(STATUS "evloop: ${E_NAME}: no static archive (${E_ARCHIVE_NAMES}) in ${libdir}: "
      "linking the shared ${E_SHARED_LIBRARY}; build-native.sh --output ships it beside libevloop")
    return()
  endif()

  file(TIMESTAMP "${archive}" archive_time "%Y%m%d%H%M%S" UTC)
  file(TIMESTAMP "${E_SHARED_LIBRARY}" shared_time "%Y%m%d%H%M%S" UTC)
  set(key "${archive}@${archive_time}|${E_SHARED_LIBRARY}@${shared_time}|${CMAKE_C_COMPILER}|${E_PROBE_LIBRARIES}|${E_ARCHIVE_LIBRARIES}")
  string(MD5 key "${key}")
  set(cached "${EVL_STATIC_PROBE_${upper}}")
  if(cached MATCHES "^${key};(OK|FAILED);(.*)$")
    set(outcome "${CMAKE_MATCH_1}")
    set(reason "${CMAKE_MATCH_2}")
    set(how "cached try-link")
  else()
    set(dir "${CMAKE_BINARY_DIR}/evl-static-probe/${E_NAME}")
    file(REMOVE_RECURSE "${dir}")
    file(MAKE_DIRECTORY "${dir}/src")
    _evl_bracket(sources ${E_PROBE_SOURCES})
    _evl_bracket(includes ${E_PROBE_INCLUDE_DIRS})
    _evl_bracket(definitions ${E_PROBE_DEFINITIONS})
    _evl_bracket(libraries "${archive}" ${E_ARCHIVE_LIBRARIES} ${E_PROBE_LIBRARIES})
    _evl_bracket(options ${E_PROBE_LINK_OPTIONS})
    file(WRITE "${dir}/src/CMakeLists.txt"
      "cmake_minimum_required(VERSION 3.16)\n"
      "project(evl_static_probe C)\n"
      "set(CMAKE_C_STANDARD 11)\n"
      "set(CMAKE_C_EXTENSIONS OFF)\n"
      "add_library(probe SHARED${sources})\n"
      "set_target_properties(probe PROPERTIES POSITION_INDEPENDENT_CODE ON)\n"
      "target_include_directories(probe PRIVATE${includes})\n"
      "target_compile_definitions(probe PRIVATE${definitions})\n"
      "target_link_libraries(probe PRIVATE${libraries})\n"
      "target_link_options(probe PRIVATE${options})\n")
    try_compile(linked "${dir}/build" "${dir}/src" evl_static_probe probe
      CMAKE_FLAGS "-DCMAKE_C_COMPILER=${CMAKE_C_COMPILER}" "-DCMAKE_BUILD_TYPE=Release"
      OUTPUT_VARIABLE output)
    if(linked)
      set(outcome OK)
      set(reason "")
    else()
      set(outcome FAILED)
      # The linker's own words: the first line that says what is wrong.
      set(reason "")
      string(REPLACE ";" "," output "${output}")
      string(REPLACE "\n" ";" lines "${output}")
      foreach(pattern "recompile with|can ?not be used when making a shared object"
                      "undefined reference|undefined symbol|cannot find|not found" "[Ee]rror")
        foreach(line IN LISTS lines)
          if(line MATCHES "${pattern}")
            string(STRIP "${line}" reason)
            break()
          endif()
        endforeach()
        if(NOT reason STREQUAL "")
          break()
        endif()
      endforeach()
      if(reason STREQUAL "")
        set(reason "the try-link failed; see ${dir}/build")
      endif()
      file(WRITE "${dir}/try-link.log" "${output}\n")
    endif()
    set(EVL_STATIC_PROBE_${upper} "${key};${outcome};${reason}" CACHE INTERNAL
      "Whether the static ${E_NAME} archive links into a shared library")
    set(how "try-link")
  endif()

  if(outcome STREQUAL "OK")
    set(target "${E_NAME}::static")
    if(NOT TARGET ${target})
      add_library(${target} STATIC IMPORTED GLOBAL)
      get_target_property(include_dirs ${E_SHARED_TARGET} INTERFACE_INCLUDE_DIRECTORIES)
      set_target_properties(${target} PROPERTIES
        IMPORTED_LOCATION "${archive}"
        INTERFACE_INCLUDE_DIRECTORIES "${include_dirs}")
      if(E_ARCHIVE_LIBRARIES)
        set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "${E_ARCHIVE_LIBRARIES}")
      endif()
    endif()
    message(STATUS "evloop: ${E_NAME}: linked statically from ${archive} (${how} OK)")
    set(${E_RESULT_VAR} "${target}" PARENT_SCOPE)
  else()
    message(STATUS "evloop: ${E_NAME}: the static archive ${archive} cannot go into a shared library "
      "(${how}: ${reason}): linking the shared ${E_SHARED_LIBRARY} instead; build-native.sh --output "
      "ships it beside libevloop")
  endif()
endfunction()
