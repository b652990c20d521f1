# Finds what ringkit::ringkit links against. Used both from ringkit's own
# CMakeLists.txt and from the installed ringkitConfig.cmake, so a consumer gets
# the same targets whichever way it brings ringkit in.
include(GNUInstallDirs)
find_package(Threads REQUIRED)

if(NOT TARGET nlohmann_json::nlohmann_json)
  find_package(nlohmann_json 3.2 QUIET)
  if(NOT nlohmann_json_FOUND)
    message(FATAL_ERROR "ringkit needs nlohmann_json: apt-get install nlohmann-json3-dev")
  endif()
endif()

# Standalone Asio ships no CMake package; it is one header tree.
if(NOT TARGET ringkit_asio)
  find_path(RINGKIT_ASIO_INCLUDE_DIR asio.hpp)
  if(NOT RINGKIT_ASIO_INCLUDE_DIR)
    message(FATAL_ERROR "ringkit needs standalone Asio (asio.hpp): apt-get install libasio-dev")
  endif()
  add_library(ringkit_asio INTERFACE IMPORTED GLOBAL)
  set_target_properties(ringkit_asio PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${RINGKIT_ASIO_INCLUDE_DIR}")
endif()

include(ringkit_llhttp)
