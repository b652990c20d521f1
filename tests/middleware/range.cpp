#include "ringkit/middleware/range.hpp"

#include <doctest/doctest.h>

namespace rk = ringkit;
using kind = rk::byte_range::kind;

TEST_CASE("one range: first-last, first-, -suffix") {
    auto r = rk::parse_range("bytes=0-4", 10);
    CHECK(r.what == kind::partial);
    CHECK(r.first == 0);
    CHECK(r.length == 5);
    CHECK(r.content_range(10) == "bytes 0-4/10");
    r = rk::parse_range("bytes=5-", 10);
    CHECK((r.what == kind::partial && r.first == 5 && r.length == 5));
    r = rk::parse_range("bytes=-3", 10);
    CHECK((r.what == kind::partial && r.first == 7 && r.length == 3));
    r = rk::parse_range("bytes=-30", 10);  // a suffix longer than the file is all of it
    CHECK((r.what == kind::partial && r.first == 0 && r.length == 10));
    r = rk::parse_range("bytes=8-100", 10);  // a last past the end is clamped
    CHECK((r.what == kind::partial && r.first == 8 && r.length == 2));
    r = rk::parse_range("Bytes=9-9", 10);
    CHECK((r.what == kind::partial && r.first == 9 && r.length == 1));
    r = rk::parse_range("bytes=3-99999999999999999999999999", 10);  // saturates, no overflow
    CHECK((r.what == kind::partial && r.first == 3 && r.length == 7));
}

TEST_CASE("unsatisfiable ranges: 416") {
    CHECK(rk::parse_range("bytes=10-", 10).what == kind::unsatisfiable);
    CHECK(rk::parse_range("bytes=10-20", 10).what == kind::unsatisfiable);
    CHECK(rk::parse_range("bytes=-0", 10).what == kind::unsatisfiable);
    CHECK(rk::parse_range("bytes=0-", 0).what == kind::unsatisfiable);
    CHECK(rk::parse_range("bytes=-5", 0).what == kind::unsatisfiable);
    CHECK(rk::parse_range("bytes=99999999999999999999999-", 10).what == kind::unsatisfiable);
    CHECK(rk::parse_range("bytes=10-", 10).content_range(10) == "bytes */10");
}

TEST_CASE("invalid, other units and several ranges: the whole representation") {
    for (std::string_view h : {"", "bytes", "bytes=", "bytes=a-b", "bytes=5-4", "bytes=-", "bytes=1-2x", "items=0-1",
                               "bytes=0-1,3-4", "bytes=0-1,", "bytes = 0-1", "bytes=--1", "bytes=1--2"})
        CHECK_MESSAGE(rk::parse_range(h, 10).what == kind::whole, h);
}
