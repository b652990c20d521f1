#include "ringkit/middleware/security_headers.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/run_handler.hpp"

namespace rk = ringkit;
using ringkit::test::header_values;

using ringkit::test::make_request;
using ringkit::test::run_handler;

namespace {

rk::response get(const rk::handler& app, std::string_view scheme = "http") {
    auto req = make_request("GET", "/");
    req.scheme = scheme;
    return run_handler(app, req);
}

rk::handler ok = [](rk::request&) { return rk::response::text("ok"); };

}  // namespace

TEST_CASE("the defaults") {
    auto res = get(ok | rk::wrap_security_headers());
    CHECK(res.headers.get("X-Frame-Options") == "SAMEORIGIN");
    CHECK(res.headers.get("X-Content-Type-Options") == "nosniff");
    CHECK(res.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin");
    CHECK(res.headers.get("X-XSS-Protection") == "0");
    CHECK_FALSE(res.headers.contains("Content-Security-Policy"));
    CHECK_FALSE(res.headers.contains("Strict-Transport-Security"));
    CHECK(get(ok | rk::wrap_security_headers(), "https").headers.get("Strict-Transport-Security") == std::nullopt);
    CHECK(res.body_string() == "ok");
}

TEST_CASE("each header can be changed or turned off") {
    auto res = get(ok | rk::wrap_security_headers({.frame = rk::frame_options::deny,
                                                   .referrer_policy = "no-referrer",
                                                   .content_security_policy = "default-src 'self'"}));
    CHECK(res.headers.get("X-Frame-Options") == "DENY");
    CHECK(res.headers.get("Referrer-Policy") == "no-referrer");
    CHECK(res.headers.get("Content-Security-Policy") == "default-src 'self'");

    auto none = get(
        ok |
        rk::wrap_security_headers(
            {.frame = rk::frame_options::off, .nosniff = false, .referrer_policy = "", .disable_xss_auditor = false}));
    CHECK(none.headers.size() == 1);  // only the handler's Content-Type
}

TEST_CASE("HSTS is sent only on https requests") {
    auto app = ok | rk::wrap_security_headers({.hsts = rk::hsts_options{}});
    CHECK_FALSE(get(app, "http").headers.contains("Strict-Transport-Security"));
    CHECK(get(app, "https").headers.get("Strict-Transport-Security") == "max-age=31536000; includeSubDomains");

    auto custom = ok | rk::wrap_security_headers(
                           {.hsts = rk::hsts_options{.max_age = 600, .include_subdomains = false, .preload = true}});
    CHECK(get(custom, "https").headers.get("Strict-Transport-Security") == "max-age=600; preload");
}

TEST_CASE("a header the handler set is kept, and not doubled") {
    rk::handler own = [](rk::request&) {
        rk::response res = rk::response::text("framed");
        res.headers.add("x-frame-options", "DENY");
        res.headers.add("Content-Security-Policy", "frame-ancestors https://a.example");
        res.headers.add("Strict-Transport-Security", "max-age=0");
        res.headers.add("Referrer-Policy", "same-origin");
        return res;
    };
    auto res = get(
        own | rk::wrap_security_headers({.hsts = rk::hsts_options{}, .content_security_policy = "default-src 'none'"}),
        "https");
    CHECK(header_values(res, "X-Frame-Options") == std::vector<std::string>{"DENY"});
    CHECK(header_values(res, "Content-Security-Policy") ==
          std::vector<std::string>{"frame-ancestors https://a.example"});
    CHECK(header_values(res, "Strict-Transport-Security") == std::vector<std::string>{"max-age=0"});
    CHECK(header_values(res, "Referrer-Policy") == std::vector<std::string>{"same-origin"});
    CHECK(header_values(res, "X-Content-Type-Options") == std::vector<std::string>{"nosniff"});
}

TEST_CASE("error responses and coroutine handlers get the headers too") {
    rk::handler missing = [](rk::request&) -> rk::task<rk::response> { co_return rk::response::not_found(); };
    auto app = missing | rk::wrap_security_headers({.hsts = rk::hsts_options{}});
    auto req = make_request("GET", "/");
    req.scheme = "https";
    CHECK(std::holds_alternative<rk::task<rk::response>>(app.invoke(req)));
    auto res = run_handler(app, req);
    CHECK(res.status == 404);
    CHECK(res.headers.get("X-Frame-Options") == "SAMEORIGIN");
    CHECK(res.headers.contains("Strict-Transport-Security"));
}

TEST_CASE("a policy that cannot be a header value is refused when the middleware is built") {
    CHECK_THROWS_AS(rk::wrap_security_headers({.content_security_policy = "default-src 'self'\r\nSet-Cookie: x=1"}),
                    std::invalid_argument);
    CHECK_THROWS_AS(rk::wrap_security_headers({.referrer_policy = std::string("no-referrer\0", 12)}),
                    std::invalid_argument);
}

TEST_CASE("a plain handler stack stays plain") {
    auto app = ok | rk::wrap_security_headers();
    rk::request req;
    CHECK(std::holds_alternative<rk::response>(app.invoke(req)));
}
