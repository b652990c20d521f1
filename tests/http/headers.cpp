#include "ringkit/http/headers.hpp"

#include <doctest/doctest.h>

using ringkit::header_list;
using ringkit::request_headers;

TEST_CASE("request_headers: lower-cased names, trimmed values, joined repeats") {
    request_headers h;
    h.add("Content-Type", " text/plain \t");
    h.add("X-Many", "1");
    h.add("x-many", "2");
    h.add("Cookie", "a=1");
    h.add("COOKIE", "b=2");
    CHECK(h.size() == 3);
    CHECK(h.get("content-type") == "text/plain");
    CHECK(h.get("CONTENT-TYPE") == "text/plain");
    CHECK(h.get("x-many") == "1,2");
    CHECK(h.get("cookie") == "a=1;b=2");
    CHECK_FALSE(h.get("missing"));
    auto [name, value] = *h.begin();
    CHECK(name == "content-type");
    CHECK(value == "text/plain");
    h.clear();
    CHECK(h.empty());
}

TEST_CASE("request_headers built in pieces, as llhttp delivers them") {
    request_headers h;
    h.begin_field();
    h.append_field("Ho");
    h.append_field("St");
    h.begin_value();
    h.append_value("exa");
    h.append_value("mple ");
    auto [n, v] = h.end_value();
    CHECK(n == "host");
    CHECK(v == "example");
    h.begin_field();
    h.append_field("X-Trailer");
    h.begin_value();
    h.append_value("dropped");
    h.discard_pending();
    CHECK(h.size() == 1);
    CHECK_FALSE(h.contains("x-trailer"));
}

TEST_CASE("header_list keeps order and case, set replaces, add repeats") {
    header_list h{{"Content-Type", "text/html"}};
    h.add("Set-Cookie", "a=1").add("Set-Cookie", "b=2");
    CHECK(h.size() == 3);
    CHECK(h.get("content-type") == "text/html");
    h.set("content-type", "text/plain");
    CHECK(h.size() == 3);
    CHECK(h.get("Content-Type") == "text/plain");
    int cookies = 0;
    for (auto& [name, value] : h) cookies += name == "Set-Cookie";
    CHECK(cookies == 2);
    h.erase("SET-COOKIE");
    CHECK(h.size() == 1);
}
