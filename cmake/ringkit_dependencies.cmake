# Finds what ringkit::ringkit links against. Used both from ringkit's own
# CMakeLists.txt and from the installed ringkitConfig.cmake, so a consumer gets
# the same targets whichever way it brings ringkit in.
#
# In the installed config RINGKIT_PACKAGE_MODE is set: a missing dependency then
# sets RINGKIT_MISSING_DEPENDENCY (and the config reports ringkit as not found,
# the find_package way) instead of stopping the consumer's configure.
macro(_ringkit_missing_dependency message)
  if(RINGKIT_PACKAGE_MODE)
    set(RINGKIT_MISSING_DEPENDENCY "${message}")
    return()
  endif()
  message(FATAL_ERROR "${message}")
endmacro()

if(NOT RINGKIT_PACKAGE_MODE)
  include(GNUInstallDirs)
endif()

find_package(Threads)
if(NOT Threads_FOUND)
  _ringkit_missing_dependency("ringkit needs a threads library (Threads::Threads)")
endif()

if(NOT TARGET nlohmann_json::nlohmann_json)
  find_package(nlohmann_json 3.2 QUIET)
  if(NOT nlohmann_json_FOUND)
    _ringkit_missing_dependency("ringkit needs nlohmann_json: apt-get install nlohmann-json3-dev")
  endif()
endif()

# Standalone Asio ships no CMake package; it is one header tree.
if(NOT TARGET ringkit_asio)
  # RINGKIT_ASIO_HINT: where the installed ringkit found it when it was built.
  find_path(RINGKIT_ASIO_INCLUDE_DIR asio.hpp HINTS ${RINGKIT_ASIO_HINT})
  if(NOT RINGKIT_ASIO_INCLUDE_DIR)
    _ringkit_missing_dependency("ringkit needs standalone Asio (asio.hpp): apt-get install libasio-dev")
  endif()
  add_library(ringkit_asio INTERFACE IMPORTED GLOBAL)
  set_target_properties(ringkit_asio PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${RINGKIT_ASIO_INCLUDE_DIR}")
endif()

# zlib is optional: it brings WebSocket permessage-deflate (ws/deflate.hpp). Found,
# ringkit::ringkit links ZLIB::ZLIB and defines RINGKIT_HAS_ZLIB=1; not found (or
# -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON), ringkit builds without compression.
# RINGKIT_WITH_ZLIB records the choice; the installed config passes it back in, so
# a consumer needs zlib exactly when the installed ringkit was built with it.
if(RINGKIT_PACKAGE_MODE)
  if(RINGKIT_WITH_ZLIB AND NOT TARGET ZLIB::ZLIB)
    find_package(ZLIB QUIET)
    if(NOT ZLIB_FOUND)
      _ringkit_missing_dependency("ringkit was built with zlib (permessage-deflate): apt-get install zlib1g-dev")
    endif()
  endif()
else()
  if(NOT TARGET ZLIB::ZLIB)
    find_package(ZLIB)
  endif()
  if(TARGET ZLIB::ZLIB)
    set(RINGKIT_WITH_ZLIB ON)
  else()
    set(RINGKIT_WITH_ZLIB OFF)
    message(STATUS "ringkit: zlib not found, WebSocket permessage-deflate disabled (apt-get install zlib1g-dev)")
  endif()
endif()

# OpenSSL is optional too: libssl brings HTTPS and WSS (tls/), libcrypto the
# sealed cookie session store (AES-256-GCM, middleware/cookie_store.hpp). Same
# pattern as zlib: RINGKIT_WITH_OPENSSL records the choice, RINGKIT_HAS_OPENSSL=1
# tells the headers.
if(RINGKIT_PACKAGE_MODE)
  if(RINGKIT_WITH_OPENSSL AND NOT TARGET OpenSSL::SSL)
    find_package(OpenSSL QUIET COMPONENTS SSL Crypto)
    if(NOT OPENSSL_FOUND)
      _ringkit_missing_dependency("ringkit was built with OpenSSL (TLS, cookie session store): apt-get install libssl-dev")
    endif()
  endif()
else()
  if(NOT TARGET OpenSSL::SSL)
    find_package(OpenSSL COMPONENTS SSL Crypto)
  endif()
  if(TARGET OpenSSL::SSL)
    set(RINGKIT_WITH_OPENSSL ON)
  else()
    set(RINGKIT_WITH_OPENSSL OFF)
    message(STATUS "ringkit: OpenSSL not found, TLS and cookie_store disabled (apt-get install libssl-dev)")
  endif()
endif()

# hiredis is optional: it brings the Redis client (redis/), on which the Redis
# session store and the cross-instance hub build. Debian's libhiredis-dev ships no
# CMake targets, so ringkit_hiredis wraps its header and library (like ringkit_asio);
# RINGKIT_WITH_HIREDIS records the choice, RINGKIT_HAS_HIREDIS=1 tells the headers.
if(NOT TARGET ringkit_hiredis AND NOT CMAKE_DISABLE_FIND_PACKAGE_hiredis)
  find_path(RINGKIT_HIREDIS_INCLUDE_DIR hiredis/async.h)
  find_library(RINGKIT_HIREDIS_LIBRARY hiredis)
  if(RINGKIT_HIREDIS_INCLUDE_DIR AND RINGKIT_HIREDIS_LIBRARY)
    add_library(ringkit_hiredis INTERFACE IMPORTED GLOBAL)
    set_target_properties(ringkit_hiredis PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${RINGKIT_HIREDIS_INCLUDE_DIR}"
                                                     INTERFACE_LINK_LIBRARIES "${RINGKIT_HIREDIS_LIBRARY}")
  endif()
endif()
if(RINGKIT_PACKAGE_MODE)
  if(RINGKIT_WITH_HIREDIS AND NOT TARGET ringkit_hiredis)
    _ringkit_missing_dependency("ringkit was built with hiredis (the Redis client): apt-get install libhiredis-dev")
  endif()
elseif(TARGET ringkit_hiredis)
  set(RINGKIT_WITH_HIREDIS ON)
else()
  set(RINGKIT_WITH_HIREDIS OFF)
  message(STATUS "ringkit: hiredis not found, the Redis client disabled (apt-get install libhiredis-dev)")
endif()

include(ringkit_llhttp)
