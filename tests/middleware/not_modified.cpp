#include "ringkit/middleware/not_modified.hpp"

#include <doctest/doctest.h>

#include "support/run_handler.hpp"

namespace rk = ringkit;
using rk::test::make_request;
using rk::test::run_handler;

namespace {
rk::response versioned(int status = 200) {
    return rk::response(status,
                        {{"Content-Type", "text/plain"},
                         {"ETag", "\"v1\""},
                         {"Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"},
                         {"Cache-Control", "max-age=60"},
                         {"Vary", "Accept-Encoding"}},
                        std::string("hello"));
}
}  // namespace

TEST_CASE("a matching If-None-Match or If-Modified-Since turns 200 into 304") {
    rk::handler plain = [](rk::request&) { return versioned(); };
    rk::handler coro = [](rk::request&) -> rk::task<rk::response> { co_return versioned(); };
    for (auto* inner : {&plain, &coro}) {
        auto app = *inner | rk::wrap_not_modified();
        for (auto headers : {std::pair<std::string_view, std::string_view>{"If-None-Match", "\"v1\""},
                             {"If-None-Match", "\"v0\", W/\"v1\""},
                             {"If-None-Match", "*"},
                             {"If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"},
                             {"If-Modified-Since", "Sunday, 06-Nov-94 08:49:38 GMT"}}) {
            for (auto m : {"GET", "HEAD"}) {
                auto req = make_request(m, "/", {headers});
                auto res = run_handler(app, req);
                CHECK_MESSAGE(res.status == 304, headers.first, ": ", headers.second);
                CHECK(std::holds_alternative<std::monostate>(res.body));
                CHECK(res.headers.get("ETag") == "\"v1\"");
                CHECK(res.headers.get("Last-Modified") == "Sun, 06 Nov 1994 08:49:37 GMT");
                CHECK(res.headers.get("Cache-Control") == "max-age=60");
                CHECK(res.headers.get("Vary") == "Accept-Encoding");
                CHECK_FALSE(res.headers.contains("Content-Type"));
                CHECK_FALSE(res.headers.contains("Content-Length"));
            }
        }
    }
}

TEST_CASE("everything else passes through untouched") {
    auto app = rk::handler([](rk::request& req) {
                   if (req.uri == "/404") return versioned(404);
                   if (req.uri == "/bare") return rk::response::text("no validators");
                   return versioned();
               }) |
               rk::wrap_not_modified();
    auto status = [&](std::string_view m, std::string_view target,
                      std::initializer_list<std::pair<std::string_view, std::string_view>> h) {
        auto req = make_request(m, target, h);
        return run_handler(app, req).status;
    };
    CHECK(status("GET", "/", {}) == 200);
    CHECK(status("GET", "/", {{"If-None-Match", "\"v2\""}}) == 200);
    CHECK(status("GET", "/", {{"If-None-Match", "v1"}}) == 200);  // malformed: matches nothing
    CHECK(status("GET", "/", {{"If-Modified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"}}) == 200);
    CHECK(status("GET", "/", {{"If-Modified-Since", "not a date"}}) == 200);
    // If-None-Match present and not matching: If-Modified-Since is ignored (RFC 9110 §13.2.2).
    CHECK(status("GET", "/", {{"If-None-Match", "\"v2\""}, {"If-Modified-Since", "Mon, 07 Nov 1994 00:00:00 GMT"}}) ==
          200);
    CHECK(status("POST", "/", {{"If-None-Match", "\"v1\""}}) == 200);
    CHECK(status("GET", "/404", {{"If-None-Match", "\"v1\""}}) == 404);
    CHECK(status("GET", "/bare", {{"If-None-Match", "*"}}) == 200);
    auto req = make_request("GET", "/");
    CHECK(run_handler(app, req).body_string() == "hello");
}
