# Install rules, included from the root CMakeLists.txt when RINGKIT_INSTALL is ON:
#   include/                      ringkit's headers (and llhttp.h when llhttp is ours)
#   <libdir>/libringkit_llhttp.a  the llhttp built from Debian's sources, when it is ours
#   <cmake dir>/                  ringkitConfig.cmake, ringkitConfigVersion.cmake,
#                                 ringkitTargets.cmake, the dependency modules, and
#                                 ringkit_compiled.cpp (ringkit::compiled's source)
#   <libdir>/pkgconfig/ringkit.pc for builds without CMake
include(CMakePackageConfigHelpers)

# llhttp is "ours" when ringkit_llhttp.cmake compiled it; otherwise it came from
# llhttp's CMake package and the installed config finds that package again.
if(TARGET ringkit_llhttp)
  set(RINGKIT_BUNDLED_LLHTTP ON)
  # An architecture-dependent library is installed, so the package goes under libdir.
  set(RINGKIT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ringkit)
  set(RINGKIT_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
else()
  set(RINGKIT_BUNDLED_LLHTTP OFF)
  set(RINGKIT_CMAKE_DIR ${CMAKE_INSTALL_DATADIR}/cmake/ringkit)
  set(RINGKIT_PKGCONFIG_DIR ${CMAKE_INSTALL_DATADIR}/pkgconfig)
endif()

# *.ipp: the definitions <ringkit/src.hpp> compiles under RINGKIT_SEPARATE_COMPILATION.
install(DIRECTORY ${ringkit_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.ipp")
install(TARGETS ringkit EXPORT ringkitTargets)
if(RINGKIT_BUNDLED_LLHTTP)
  # Exported as ringkit::ringkit_llhttp; ringkit::ringkit's link to llhttp::llhttp
  # (an alias of it) is written as that name.
  target_include_directories(ringkit_llhttp INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  install(TARGETS ringkit_llhttp EXPORT ringkitTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(FILES ${RINGKIT_LLHTTP_INCLUDE_DIR}/llhttp.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
install(EXPORT ringkitTargets NAMESPACE ringkit:: DESTINATION ${RINGKIT_CMAKE_DIR})

# --- CMake package
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/ringkitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/ringkitConfig.cmake
  INSTALL_DESTINATION ${RINGKIT_CMAKE_DIR})
if(RINGKIT_BUNDLED_LLHTTP)
  # Header-only, but the bundled libringkit_llhttp.a is built for this architecture.
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/ringkitConfigVersion.cmake
    COMPATIBILITY SameMajorVersion)
else()
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/ringkitConfigVersion.cmake
    COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
endif()
install(FILES
  ${PROJECT_BINARY_DIR}/ringkitConfig.cmake
  ${PROJECT_BINARY_DIR}/ringkitConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/ringkit_dependencies.cmake
  ${CMAKE_CURRENT_LIST_DIR}/ringkit_llhttp.cmake
  DESTINATION ${RINGKIT_CMAKE_DIR})
# The source ringkitConfig.cmake builds ringkit::compiled from, in the consumer's project.
install(FILES ${ringkit_SOURCE_DIR}/src/ringkit.cpp DESTINATION ${RINGKIT_CMAKE_DIR}
        RENAME ringkit_compiled.cpp)

# --- pkg-config
# Requires: nlohmann_json (and zlib) when its .pc exists (Debian ships both); Asio
# has none, so its directory goes into Cflags unless the compiler searches it anyway.
set(RINGKIT_PC_REQUIRES "")
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --exists nlohmann_json
                  RESULT_VARIABLE _ringkit_pc_nlohmann OUTPUT_QUIET ERROR_QUIET)
  if(_ringkit_pc_nlohmann EQUAL 0)
    set(RINGKIT_PC_REQUIRES nlohmann_json)
  endif()
endif()
set(RINGKIT_PC_CFLAGS "")
if(NOT RINGKIT_ASIO_INCLUDE_DIR IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
  set(RINGKIT_PC_CFLAGS "-I${RINGKIT_ASIO_INCLUDE_DIR} ")
endif()
if(RINGKIT_BUNDLED_LLHTTP)
  set(RINGKIT_PC_LIBS "-L\${libdir} -lringkit_llhttp -pthread")
else()
  set(RINGKIT_PC_LIBS "-lllhttp -pthread")
endif()
# zlib (permessage-deflate), when ringkit was built with it: by its .pc if it has one.
if(RINGKIT_WITH_ZLIB)
  string(APPEND RINGKIT_PC_CFLAGS "-DRINGKIT_HAS_ZLIB=1 ")
  set(_ringkit_pc_zlib 1)
  if(PKG_CONFIG_FOUND)
    execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --exists zlib
                    RESULT_VARIABLE _ringkit_pc_zlib OUTPUT_QUIET ERROR_QUIET)
  endif()
  if(_ringkit_pc_zlib EQUAL 0)
    string(JOIN " " RINGKIT_PC_REQUIRES ${RINGKIT_PC_REQUIRES} zlib)
  else()
    string(APPEND RINGKIT_PC_LIBS " -lz")
  endif()
endif()
# libssl and libcrypto (TLS, cookie session store), when ringkit was built with them.
if(RINGKIT_WITH_OPENSSL)
  string(APPEND RINGKIT_PC_CFLAGS "-DRINGKIT_HAS_OPENSSL=1 ")
  string(JOIN " " RINGKIT_PC_REQUIRES ${RINGKIT_PC_REQUIRES} libssl libcrypto)
endif()
# hiredis (the Redis client), when ringkit was built with it.
if(RINGKIT_WITH_HIREDIS)
  string(APPEND RINGKIT_PC_CFLAGS "-DRINGKIT_HAS_HIREDIS=1 ")
  string(JOIN " " RINGKIT_PC_REQUIRES ${RINGKIT_PC_REQUIRES} hiredis)
endif()
foreach(_dir IN ITEMS INCLUDEDIR LIBDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_dir}}")
    set(RINGKIT_PC_${_dir} "${CMAKE_INSTALL_${_dir}}")
  else()
    set(RINGKIT_PC_${_dir} "\${prefix}/${CMAKE_INSTALL_${_dir}}")
  endif()
endforeach()
# The prefix is only known at install time (`cmake --install --prefix` may change
# it), so the template is finished then.
set(RINGKIT_PC_PREFIX "@RINGKIT_PC_PREFIX@")
configure_file(${CMAKE_CURRENT_LIST_DIR}/ringkit.pc.in ${PROJECT_BINARY_DIR}/ringkit.pc.in @ONLY)
install(CODE "
  set(RINGKIT_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  configure_file(\"${PROJECT_BINARY_DIR}/ringkit.pc.in\" \"${PROJECT_BINARY_DIR}/ringkit.pc\" @ONLY)
")
install(FILES ${PROJECT_BINARY_DIR}/ringkit.pc DESTINATION ${RINGKIT_PKGCONFIG_DIR})
