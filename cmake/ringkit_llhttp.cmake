# Provides llhttp for ringkit::ringkit. llhttp is C and not header-only, so:
#   1. an installed llhttp CMake package wins (upstream exports llhttp::llhttp_static
#      and llhttp::llhttp_shared; newer releases also llhttp::llhttp);
#   2. else Debian's node-llhttp sources are compiled into a small static library,
#      ringkit_llhttp, which `cmake --install` installs with ringkit;
#   3. else stop with the package to install.
# In the installed ringkitConfig.cmake (RINGKIT_PACKAGE_MODE) the installed
# ringkit_llhttp comes from ringkitTargets.cmake, so only case 1 is looked for.
if(RINGKIT_PACKAGE_MODE AND RINGKIT_BUNDLED_LLHTTP)
  return()  # ringkitTargets.cmake defines ringkit::ringkit_llhttp
endif()
if(TARGET llhttp::llhttp AND NOT RINGKIT_PACKAGE_MODE)
  return()
endif()

find_package(llhttp QUIET CONFIG)
if(TARGET llhttp::llhttp)
  return()
endif()
if(TARGET llhttp::llhttp_static)
  add_library(llhttp::llhttp ALIAS llhttp::llhttp_static)
  return()
endif()
if(TARGET llhttp::llhttp_shared)
  add_library(llhttp::llhttp ALIAS llhttp::llhttp_shared)
  return()
endif()
if(RINGKIT_PACKAGE_MODE)
  _ringkit_missing_dependency("ringkit was built against llhttp's CMake package, which was not found")
endif()

find_path(RINGKIT_LLHTTP_INCLUDE_DIR llhttp.h PATHS /usr/share/include/llhttp /usr/include/llhttp)
find_path(RINGKIT_LLHTTP_SOURCE_DIR llhttp.c PATHS /usr/share/llhttp NO_DEFAULT_PATH)
if(NOT RINGKIT_LLHTTP_INCLUDE_DIR OR NOT RINGKIT_LLHTTP_SOURCE_DIR)
  message(FATAL_ERROR "ringkit needs llhttp: apt-get install node-llhttp "
                      "(or install llhttp with its CMake package)")
endif()

enable_language(C)
add_library(ringkit_llhttp STATIC
  ${RINGKIT_LLHTTP_SOURCE_DIR}/llhttp.c
  ${RINGKIT_LLHTTP_SOURCE_DIR}/api.c
  ${RINGKIT_LLHTTP_SOURCE_DIR}/http.c)
target_include_directories(ringkit_llhttp SYSTEM PUBLIC
  $<BUILD_INTERFACE:${RINGKIT_LLHTTP_INCLUDE_DIR}>)
set_target_properties(ringkit_llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON C_STANDARD 99)
# Strict mode rejects what RFC 9112 forbids (spaces in header names, bad URL bytes...).
# ringkit still checks the rules it relies on, for llhttp builds that are not strict.
target_compile_definitions(ringkit_llhttp PRIVATE LLHTTP_STRICT_MODE=1)
# Generated C: its warnings are upstream's business, not ours.
target_compile_options(ringkit_llhttp PRIVATE -w)
add_library(llhttp::llhttp ALIAS ringkit_llhttp)
