#include "ringkit/middleware/conditional.hpp"

#include <doctest/doctest.h>

#include "support/run_handler.hpp"

namespace rk = ringkit;
using rk::test::make_request;

namespace {
constexpr std::time_t nov_1994 = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example)

rk::validators v(std::optional<std::string_view> etag, std::optional<std::time_t> lm = std::nullopt) {
    return {etag, lm};
}
}  // namespace

TEST_CASE("HTTP-dates: the three forms of RFC 9110 §5.6.7, and nothing else") {
    CHECK(rk::format_http_date(nov_1994) == "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK(rk::format_http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
    CHECK(rk::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == nov_1994);
    CHECK(rk::parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == nov_1994);
    CHECK(rk::parse_http_date("Sun Nov  6 08:49:37 1994") == nov_1994);
    CHECK(rk::parse_http_date(rk::format_http_date(1700000000)) == 1700000000);
    CHECK(rk::parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT").has_value());
    for (std::string_view bad :
         {"", "garbage", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Feb 1994 08:49:37 GMT",
          "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT",
          "Thu, 29 Feb 2023 00:00:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
          "1994-11-06T08:49:37Z"})
        CHECK_MESSAGE(!rk::parse_http_date(bad), bad);
}

TEST_CASE("If-None-Match: weak comparison, lists, *, malformed lists match nothing") {
    auto req = [](std::string_view inm) { return make_request("GET", "/", {{"If-None-Match", inm}}); };
    CHECK(rk::is_not_modified(req("\"a\""), v("\"a\"")));
    CHECK(rk::is_not_modified(req("W/\"a\""), v("\"a\"")));
    CHECK(rk::is_not_modified(req("\"a\""), v("W/\"a\"")));
    CHECK(rk::is_not_modified(req("\"x\", W/\"y\" ,\"a\""), v("\"a\"")));
    CHECK(rk::is_not_modified(req("\"a,b\""), v("\"a,b\"")));  // a comma inside a tag is part of it
    CHECK(rk::is_not_modified(req("*"), v(std::nullopt, nov_1994)));
    CHECK_FALSE(rk::is_not_modified(req("\"b\""), v("\"a\"")));
    CHECK_FALSE(rk::is_not_modified(req("a"), v("\"a\"")));    // unquoted
    CHECK_FALSE(rk::is_not_modified(req("\"a"), v("\"a\"")));  // unterminated
    CHECK_FALSE(rk::is_not_modified(req("\"b\" junk, \"a\""), v("\"a\"")));
    CHECK_FALSE(rk::is_not_modified(req("\"a\""), v(std::nullopt, nov_1994)));
    auto post = make_request("POST", "/", {{"If-None-Match", "\"a\""}});
    CHECK_FALSE(rk::is_not_modified(post, v("\"a\"")));
}

TEST_CASE("If-Modified-Since counts only without If-None-Match, and only when it parses") {
    auto ims = [](std::string_view d) { return make_request("GET", "/", {{"If-Modified-Since", d}}); };
    CHECK(rk::is_not_modified(ims("Sun, 06 Nov 1994 08:49:37 GMT"), v(std::nullopt, nov_1994)));
    CHECK(rk::is_not_modified(ims("Mon, 07 Nov 1994 08:49:37 GMT"), v(std::nullopt, nov_1994)));
    CHECK_FALSE(rk::is_not_modified(ims("Sun, 06 Nov 1994 08:49:36 GMT"), v(std::nullopt, nov_1994)));
    CHECK_FALSE(rk::is_not_modified(ims("yesterday"), v(std::nullopt, nov_1994)));
    CHECK_FALSE(rk::is_not_modified(ims("Mon, 07 Nov 1994 08:49:37 GMT"), v("\"a\"")));  // no date to compare
    auto both = make_request("GET", "/",
                             {{"If-None-Match", "\"old\""}, {"If-Modified-Since", "Mon, 07 Nov 1994 08:49:37 GMT"}});
    CHECK_FALSE(rk::is_not_modified(both, v("\"new\"", nov_1994)));  // §13.2.2: If-None-Match decides
}

TEST_CASE("If-Match and If-Unmodified-Since: 412 conditions") {
    auto im = [](std::string_view t) { return make_request("GET", "/", {{"If-Match", t}}); };
    CHECK_FALSE(rk::precondition_failed(im("\"a\""), v("\"a\"")));
    CHECK_FALSE(rk::precondition_failed(im("*"), v("\"a\"")));
    CHECK(rk::precondition_failed(im("\"b\""), v("\"a\"")));
    CHECK(rk::precondition_failed(im("W/\"a\""), v("\"a\"")));  // strong comparison
    CHECK(rk::precondition_failed(im("\"a\""), v("W/\"a\"")));
    CHECK(rk::precondition_failed(im("\"a\""), v(std::nullopt, nov_1994)));
    auto ius = [](std::string_view d) { return make_request("GET", "/", {{"If-Unmodified-Since", d}}); };
    CHECK_FALSE(rk::precondition_failed(ius("Sun, 06 Nov 1994 08:49:37 GMT"), v(std::nullopt, nov_1994)));
    CHECK(rk::precondition_failed(ius("Sat, 05 Nov 1994 08:49:37 GMT"), v(std::nullopt, nov_1994)));
    CHECK_FALSE(rk::precondition_failed(ius("not a date"), v(std::nullopt, nov_1994)));
    CHECK_FALSE(rk::precondition_failed(make_request("GET", "/"), v("\"a\"", nov_1994)));
}

TEST_CASE("If-Range: a strong ETag match or the exact Last-Modified date") {
    auto ir = [](std::string_view x) { return make_request("GET", "/", {{"If-Range", x}, {"Range", "bytes=0-1"}}); };
    CHECK(rk::if_range_allows(make_request("GET", "/"), v("\"a\"")));
    CHECK(rk::if_range_allows(ir("\"a\""), v("\"a\"")));
    CHECK_FALSE(rk::if_range_allows(ir("\"b\""), v("\"a\"")));
    CHECK_FALSE(rk::if_range_allows(ir("W/\"a\""), v("\"a\"")));
    CHECK_FALSE(rk::if_range_allows(ir("\"a\""), v("W/\"a\"")));
    CHECK(rk::if_range_allows(ir("Sun, 06 Nov 1994 08:49:37 GMT"), v("\"a\"", nov_1994)));
    CHECK_FALSE(rk::if_range_allows(ir("Mon, 07 Nov 1994 08:49:37 GMT"), v("\"a\"", nov_1994)));
    CHECK_FALSE(rk::if_range_allows(ir("garbage"), v("\"a\"", nov_1994)));
}

TEST_CASE("make_not_modified keeps the validators and caching headers, drops body and content headers") {
    rk::response res(200,
                     {{"Content-Type", "text/plain"},
                      {"ETag", "\"a\""},
                      {"Cache-Control", "max-age=60"},
                      {"Vary", "Accept"},
                      {"Content-Length", "5"}},
                     std::string("hello"));
    rk::make_not_modified(res);
    CHECK(res.status == 304);
    CHECK(std::holds_alternative<std::monostate>(res.body));
    CHECK(res.headers.get("ETag") == "\"a\"");
    CHECK(res.headers.get("Cache-Control") == "max-age=60");
    CHECK(res.headers.get("Vary") == "Accept");
    CHECK_FALSE(res.headers.contains("Content-Type"));
    CHECK_FALSE(res.headers.contains("Content-Length"));
}
