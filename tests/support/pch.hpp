// What nearly every test file parses, precompiled once per test build
// (tests/CMakeLists.txt, RINGKIT_TEST_PCH). Whether each header compiles on its
// own is checked elsewhere: scripts/clang-tidy.sh compiles every header as its
// own translation unit.
#pragma once

// ringkit first: core/asio.hpp turns on Asio's co_await support for clang
// before any Asio header is read.
#include "ringkit.hpp"

#include <asio.hpp>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
