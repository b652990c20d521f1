#include "ringkit/middleware/head.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

#include "support/run_handler.hpp"

namespace rk = ringkit;
using rk::test::make_request;
using rk::test::run_handler;

TEST_CASE("the handler sees GET; the response keeps its length, loses its body; the request is HEAD again") {
    std::string seen;
    rk::handler plain = [&](rk::request& req) {
        seen = std::string(req.method_name);
        if (req.request_method != rk::method::get) return rk::response::text("GET only", 405);
        return rk::response::text("twelve bytes");
    };
    rk::handler coro = [&](rk::request& req) -> rk::task<rk::response> {
        seen = std::string(req.method_name);
        if (req.request_method != rk::method::get) co_return rk::response::text("GET only", 405);
        co_return rk::response::text("twelve bytes");
    };
    for (auto* inner : {&plain, &coro}) {
        auto app = *inner | rk::wrap_head();
        auto req = make_request("HEAD", "/");
        auto res = run_handler(app, req);
        CHECK(seen == "GET");
        CHECK(res.status == 200);
        CHECK(std::holds_alternative<std::monostate>(res.body));
        CHECK(res.headers.get("Content-Length") == "12");
        CHECK(res.headers.get("Content-Type") == "text/plain; charset=utf-8");
        CHECK(req.request_method == rk::method::head);
        CHECK(req.method_name == "HEAD");

        auto get = make_request("GET", "/");
        auto full = run_handler(app, get);
        CHECK(full.body_string() == "twelve bytes");
        CHECK_FALSE(full.headers.contains("Content-Length"));
        auto post = make_request("POST", "/");
        CHECK(run_handler(app, post).status == 405);
        CHECK(seen == "POST");
    }
}

TEST_CASE("a file body becomes its length; streams and bodiless statuses are kept as they are") {
    rk::handler h = [](rk::request& req) {
        if (req.uri == "/file") return rk::response(200, {}, rk::file_body{nullptr, 10, 42});
        if (req.uri == "/stream") return rk::response::stream([](rk::body_writer&) -> rk::task<void> { co_return; });
        return rk::response(304, {{"ETag", "\"x\""}});
    };
    auto app = h | rk::wrap_head();
    auto req = make_request("HEAD", "/file");
    auto res = run_handler(app, req);
    CHECK(res.headers.get("Content-Length") == "42");
    CHECK(std::holds_alternative<std::monostate>(res.body));
    req = make_request("HEAD", "/stream");
    CHECK(std::holds_alternative<rk::stream_body>(run_handler(app, req).body));
    req = make_request("HEAD", "/304");
    res = run_handler(app, req);
    CHECK(res.status == 304);
    CHECK_FALSE(res.headers.contains("Content-Length"));
}

TEST_CASE("a handler that throws still leaves the request a HEAD") {
    rk::handler plain = [](rk::request&) -> rk::response { throw std::runtime_error("boom"); };
    rk::handler coro = [](rk::request&) -> rk::task<rk::response> {
        throw std::runtime_error("boom");
        co_return rk::response();
    };
    for (auto* inner : {&plain, &coro}) {
        auto app = *inner | rk::wrap_head();
        auto req = make_request("HEAD", "/");
        CHECK_THROWS_WITH(run_handler(app, req), "boom");
        CHECK(req.request_method == rk::method::head);
        CHECK(req.method_name == "HEAD");
    }
}
