#include "ringkit/middleware/middleware.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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

namespace middleware_test {

rk::handler echo_plain = [](rk::request& req) {
    return rk::response::text("plain " + std::string(req.header("x-user").value_or("-")));
};
rk::handler echo_coro = [](rk::request& req) -> rk::task<rk::response> {
    co_return rk::response::text("coro " + std::string(req.header("x-user").value_or("-")));
};

// Answers 401 without an X-Token; otherwise names the user for the handler.
auto require_token = rk::before([](rk::request& req) -> std::optional<rk::response> {
    if (!req.header("x-token")) return rk::response::text("Unauthorized", 401);
    req.headers.add("x-user", "ann");
    return std::nullopt;
});

}  // namespace middleware_test

TEST_CASE("before: fn changes the request, or answers instead of the handler; no coroutine for a plain stack") {
    int calls = 0;
    auto count = rk::before([&calls](rk::request&) { ++calls; });  // void: only looks
    for (auto* h : {&middleware_test::echo_plain, &middleware_test::echo_coro}) {
        auto app = *h | middleware_test::require_token | count;
        auto no_token = rk::test::make_request("GET", "/");
        auto refused = run_handler(app, no_token);
        CHECK(refused.status == 401);
        CHECK(refused.body_string() == "Unauthorized");
        auto with_token = rk::test::make_request("GET", "/", {{"x-token", "t"}});
        CHECK(run_handler(app, with_token).body_string().ends_with(" ann"));
    }
    CHECK(calls == 4);
    auto req = rk::test::make_request("GET", "/", {{"x-token", "t"}});
    CHECK(std::holds_alternative<rk::response>(
        (middleware_test::echo_plain | middleware_test::require_token).invoke(req)));
}

TEST_CASE("after: fn(req, res) or fn(res) changes the response, after a plain or a coroutine handler") {
    auto tag = rk::after([](rk::request& req, rk::response& res) { res.headers.add("X-Path", req.uri); });
    auto upper = rk::after([](rk::response& res) { res.status = 201; });
    for (auto* h : {&middleware_test::echo_plain, &middleware_test::echo_coro}) {
        auto req = rk::test::make_request("GET", "/p");
        auto res = run_handler(*h | tag | upper, req);
        CHECK(res.status == 201);
        CHECK(res.headers.get("X-Path") == "/p");
    }
    auto req = rk::test::make_request("GET", "/p");
    CHECK(std::holds_alternative<rk::response>((middleware_test::echo_plain | tag).invoke(req)));
    rk::handler boom = [](rk::request&) -> rk::response { throw std::runtime_error("boom"); };
    CHECK_THROWS_WITH(run_handler(boom | tag, req), "boom");  // fn is skipped; the exception goes on
}

TEST_CASE("around: a coroutine that awaits the rest when and as often as it likes, or answers itself") {
    // Retries once on a 503, catches what the rest throws, and answers HEAD /ping itself.
    auto resilient = rk::around([](rk::request& req, const rk::handler& next) -> rk::task<rk::response> {
        if (req.uri == "/ping") co_return rk::response::text("pong");
        try {
            auto res = co_await next(req);
            if (res.status == 503) res = co_await next(req);
            co_return res;
        } catch (const std::exception& e) {
            co_return rk::response::text(std::string("caught ") + e.what(), 500);
        }
    });
    int calls = 0;
    rk::handler flaky = [&calls](rk::request& req) -> rk::response {
        if (req.uri == "/throw") throw std::runtime_error("boom");
        ++calls;
        return rk::response::text("try " + std::to_string(calls), calls == 1 ? 503 : 200);
    };
    auto app = flaky | resilient;
    auto req = rk::test::make_request("GET", "/");
    auto res = run_handler(app, req);
    CHECK(res.status == 200);
    CHECK(res.body_string() == "try 2");
    auto thrower = rk::test::make_request("GET", "/throw");
    CHECK(run_handler(app, thrower).body_string() == "caught boom");
    auto ping = rk::test::make_request("GET", "/ping");
    CHECK(run_handler(app, ping).body_string() == "pong");
    CHECK(calls == 2);
}
