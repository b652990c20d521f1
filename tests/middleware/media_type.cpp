#include "ringkit/middleware/media_type.hpp"

#include <doctest/doctest.h>

namespace rk = ringkit;

TEST_CASE("type, subtype and parameters, case-insensitively") {
    auto m = rk::parse_media_type("Multipart/Form-Data ; Charset=UTF-8;boundary=\"a;b \\\"c\\\\\" ; x=1");
    REQUIRE(m);
    CHECK(m->is("multipart", "form-data"));
    CHECK(m->is("MULTIPART", "*"));
    CHECK_FALSE(m->is("multipart", "mixed"));
    CHECK(m->param("charset") == "UTF-8");
    CHECK(m->param("BOUNDARY") == "a;b \"c\\");
    CHECK(m->param("x") == "1");
    CHECK_FALSE(m->param("y"));
}

TEST_CASE("malformed media types and parameter lists") {
    CHECK_FALSE(rk::parse_media_type(""));
    CHECK_FALSE(rk::parse_media_type("json"));
    CHECK_FALSE(rk::parse_media_type("/json"));
    CHECK_FALSE(rk::parse_media_type("application/"));
    CHECK_FALSE(rk::parse_media_type("app lication/json"));
    auto m = rk::parse_media_type("text/plain; a=\"open");
    REQUIRE(m);
    CHECK_FALSE(m->param("a"));  // unterminated quote
    auto n = rk::parse_media_type("text/plain; novalue; b=2");
    REQUIRE(n);
    CHECK_FALSE(n->param("b"));  // the list is malformed before it
    CHECK(rk::parse_media_type("text/plain;;; c=3")->param("c") == "3");
}

TEST_CASE("content_type_of reads the request header") {
    rk::request req;
    CHECK_FALSE(rk::content_type_of(req));
    req.headers.add("Content-Type", "application/json; charset=utf-8");
    auto m = rk::content_type_of(req);
    REQUIRE(m);
    CHECK(m->is("application", "json"));
}
