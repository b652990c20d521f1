#include "ringkit/middleware/ssl_redirect.hpp"

#include <doctest/doctest.h>

#include "support/run_handler.hpp"

namespace ssl_redirect_tests {

namespace rk = ringkit;
using rk::test::make_request;
using rk::test::run_handler;

rk::response reached(rk::request&) { return rk::response::text("handler"); }

TEST_CASE("plain requests are sent to https: 301 for GET and HEAD, 308 (method kept) for the others") {
    auto app = rk::handler(reached) | rk::wrap_ssl_redirect();
    for (auto expected : {std::pair{"GET", 301}, {"HEAD", 301}, {"POST", 308}, {"DELETE", 308}}) {
        CAPTURE(expected.first);
        auto req = make_request(expected.first, "/a%20b/c?x=1&y=2");
        req.server_name = "example.com";
        auto res = run_handler(app, req);
        CHECK(res.status == expected.second);
        CHECK(res.headers.get("Location") == "https://example.com/a%20b/c?x=1&y=2");
    }
}

TEST_CASE("https requests reach the handler") {
    auto app = rk::handler(reached) | rk::wrap_ssl_redirect();
    auto req = make_request("POST", "/");
    req.scheme = "https";
    CHECK(run_handler(app, req).body_string() == "handler");
}

TEST_CASE("a port other than 443 is named, an IPv6 host is bracketed, the statuses can be chosen") {
    auto app = rk::handler(reached) | rk::wrap_ssl_redirect({.ssl_port = 8443, .status = 302, .other_status = 307});
    auto req = make_request("GET", "/p");
    req.server_name = "::1";
    auto res = run_handler(app, req);
    CHECK(res.status == 302);
    CHECK(res.headers.get("Location") == "https://[::1]:8443/p");
    auto post = make_request("PUT", "/p");
    post.server_name = "h";
    CHECK(run_handler(app, post).status == 307);
}

}  // namespace ssl_redirect_tests
