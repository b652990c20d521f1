#include "ringkit/http/url.hpp"

#include <doctest/doctest.h>

using ringkit::percent_decode;
using ringkit::query_param;

TEST_CASE("percent_decode") {
    CHECK(percent_decode("a%20b") == "a b");
    CHECK(percent_decode("a+b") == "a+b");
    CHECK(percent_decode("a+b", true) == "a b");
    CHECK(percent_decode("%e2%82%AC") == "\xe2\x82\xac");
    CHECK(percent_decode("%00") == std::string(1, '\0'));
    CHECK_FALSE(percent_decode("%"));
    CHECK_FALSE(percent_decode("%2"));
    CHECK_FALSE(percent_decode("%zz"));
    CHECK_FALSE(percent_decode("abc%4"));
}

TEST_CASE("query_param finds the first value, decoded") {
    CHECK(query_param("name=ann&x=1", "name") == "ann");
    CHECK(query_param("a=1&a=2", "a") == "1");
    CHECK(query_param("flag&b=2", "flag") == "");
    CHECK(query_param("q=hello+world%21", "q") == "hello world!");
    CHECK(query_param("na%6De=x", "name") == "x");
    CHECK_FALSE(query_param("a=1", "b"));
    CHECK_FALSE(query_param("", "a"));
    CHECK_FALSE(query_param("a=%zz", "a"));
}

TEST_CASE("query_param skips empty pairs, as wrap_params does") {
    // fuzz_url: "&&=x" gave the empty name the value "" (from the empty pair) where params had "x".
    CHECK(query_param("&&=x", "") == "x");
    CHECK(query_param("a=1&&b=2", "b") == "2");
    CHECK_FALSE(query_param("a=1&&", ""));
    CHECK_FALSE(query_param("&", ""));
}
