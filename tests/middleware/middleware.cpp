#include "ringkit/middleware/middleware.hpp"

#include <doctest/doctest.h>

#include <string>

#include "support/run_handler.hpp"

namespace rk = ringkit;

using ringkit::test::run_handler;

namespace {

// Appends its name to a header on the way in and on the way out.
auto tracer(std::string name) {
    return [name](rk::handler next) {
        return rk::wrap(std::move(next), [name](rk::request& req, const rk::handler& n) -> rk::maybe_task {
            req.headers.add("x-in", name);
            return rk::then(n.invoke(req), req,
                            [name](rk::request&, rk::response& res) { res.headers.add("X-Out", name); });
        });
    };
}

}  // namespace

TEST_CASE("wraps compose outermost last, for plain and coroutine handlers alike") {
    rk::handler plain = [](rk::request& req) {
        return rk::response::text(std::string(req.header("x-in").value_or("")));
    };
    rk::handler coro = [](rk::request& req) -> rk::task<rk::response> {
        co_return rk::response::text(std::string(req.header("x-in").value_or("")));
    };
    for (auto* inner : {&plain, &coro}) {
        auto app = *inner | tracer("a") | tracer("b");
        rk::request req;
        auto res = run_handler(app, req);
        CHECK(res.body_string() == "b,a");  // b is outside a: it sees the request first
        std::vector<std::string> out;
        for (auto& [n, v] : res.headers)
            if (n == "X-Out") out.push_back(v);
        CHECK(out == std::vector<std::string>{"a", "b"});  // ...and the response last
    }
}

TEST_CASE("a stack of plain functions answers without a coroutine") {
    rk::handler plain = [](rk::request&) { return rk::response::text("hi"); };
    auto app = plain | tracer("a") | tracer("b");
    rk::request req;
    CHECK(std::holds_alternative<rk::response>(app.invoke(req)));
}

TEST_CASE("an exception from below passes through then()") {
    rk::handler boom = [](rk::request&) -> rk::response { throw std::runtime_error("boom"); };
    rk::handler boom_async = [](rk::request&) -> rk::task<rk::response> {
        throw std::runtime_error("boom");
        co_return rk::response();
    };
    rk::request req;
    CHECK_THROWS_WITH(run_handler(boom | tracer("a"), req), "boom");
    CHECK_THROWS_WITH(run_handler(boom_async | tracer("a"), req), "boom");
}
