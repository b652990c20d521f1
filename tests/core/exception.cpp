#include "ringkit/core/exception.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

TEST_CASE("exception_message names what an exception_ptr holds") {
    CHECK(ringkit::exception_message(nullptr).empty());
    CHECK(ringkit::exception_message(std::make_exception_ptr(std::runtime_error("boom"))) == "boom");
    CHECK(ringkit::exception_message(std::make_exception_ptr(42)) == "unknown exception");
}
