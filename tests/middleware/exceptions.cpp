#include "ringkit/middleware/exceptions.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "support/run_handler.hpp"

namespace rk = ringkit;

using ringkit::test::make_request;
using ringkit::test::run_handler;

namespace {

struct logged {
    std::string message;
    std::string what;
};

struct recorder {
    std::shared_ptr<std::vector<logged>> calls = std::make_shared<std::vector<logged>>();
    rk::logger hook() const {
        return [calls = calls](std::string_view m, std::exception_ptr e) {
            calls->push_back({std::string(m), rk::exception_message(e)});
        };
    }
};

struct not_std {
    int code;
};

rk::handler throws_sync = [](rk::request&) -> rk::response { throw std::runtime_error("db password is hunter2"); };
rk::handler throws_async = [](rk::request&) -> rk::task<rk::response> {
    throw std::runtime_error("db password is hunter2");
    co_return rk::response();
};
rk::handler throws_after_await = [](rk::request& req) -> rk::task<rk::response> {
    co_await rk::handler([](rk::request&) { return rk::response::text("inner"); })(req);
    throw std::runtime_error("db password is hunter2");
};

}  // namespace

TEST_CASE("an exception, thrown at once or from a coroutine, becomes a plain 500 told to the logger once") {
    for (auto* h : {&throws_sync, &throws_async, &throws_after_await}) {
        recorder log;
        auto app = *h | rk::wrap_exceptions(log.hook());
        auto req = make_request("POST", "/orders/7");
        auto res = run_handler(app, req);
        CHECK(res.status == 500);
        CHECK(res.headers.get("Content-Type") == "text/plain; charset=utf-8");
        CHECK(res.body_string() == "Internal Server Error");
        REQUIRE(log.calls->size() == 1);
        CHECK((*log.calls)[0].message == "handler threw on POST /orders/7; sent 500");
        CHECK((*log.calls)[0].what == "db password is hunter2");
    }
}

TEST_CASE("an exception that is not a std::exception") {
    rk::handler odd = [](rk::request&) -> rk::response { throw not_std{42}; };
    rk::handler odd_async = [](rk::request&) -> rk::task<rk::response> {
        throw 7;
        co_return rk::response();
    };
    for (auto* h : {&odd, &odd_async}) {
        recorder log;
        std::exception_ptr seen;
        auto app = *h | rk::wrap_exceptions({.logger = [&](std::string_view, std::exception_ptr e) { seen = e; },
                                             .show_details = true});
        auto req = make_request("GET", "/");
        auto res = run_handler(app, req);
        CHECK(res.status == 500);
        CHECK(res.body_string() == "Internal Server Error\n\nunknown exception");
        REQUIRE(seen);
        if (h == &odd) CHECK_THROWS_AS(std::rethrow_exception(seen), not_std);
        else CHECK_THROWS_AS(std::rethrow_exception(seen), int);
    }
}

TEST_CASE("show_details puts what() in the body, for development") {
    auto app = throws_async | rk::wrap_exceptions({.logger = [](auto, auto) {}, .show_details = true});
    auto req = make_request("GET", "/");
    CHECK(run_handler(app, req).body_string() == "Internal Server Error\n\ndb password is hunter2");
}

TEST_CASE("render makes the application's own error page; if it throws, the plain 500") {
    auto page = [](std::exception_ptr e) {
        return rk::response::html("<h1>Sorry</h1><!--" + rk::exception_message(e) + "-->", 503);
    };
    auto req = make_request("GET", "/");
    auto res = run_handler(throws_sync | rk::wrap_exceptions({.logger = [](auto, auto) {}, .render = page}), req);
    CHECK(res.status == 503);
    CHECK(res.body_string() == "<h1>Sorry</h1><!--db password is hunter2-->");

    recorder log;
    auto bad_page = [](std::exception_ptr) -> rk::response { throw std::logic_error("template missing"); };
    res = run_handler(throws_async | rk::wrap_exceptions({.logger = log.hook(), .render = bad_page}), req);
    CHECK(res.status == 500);
    CHECK(res.body_string() == "Internal Server Error");
    CHECK(log.calls->size() == 1);
}

TEST_CASE("a logger that throws does not take the 500 away") {
    auto app = throws_sync | rk::wrap_exceptions([](std::string_view, std::exception_ptr) { throw std::bad_alloc(); });
    auto req = make_request("GET", "/");
    CHECK(run_handler(app, req).status == 500);
}

TEST_CASE("the request target is escaped in the log message") {
    recorder log;
    auto app = throws_sync | rk::wrap_exceptions(log.hook());
    auto req = make_request("GET", "/");
    req.uri = "/a\r\nFAKE entry\\";
    run_handler(app, req);
    REQUIRE(log.calls->size() == 1);
    CHECK((*log.calls)[0].message == "handler threw on GET /a\\x0d\\x0aFAKE entry\\\\; sent 500");
}

TEST_CASE("outer middleware still sees the 500; responses that are not errors pass untouched") {
    auto mark = [](rk::handler next) {
        return rk::wrap(std::move(next), [](rk::request& req, const rk::handler& n) {
            return rk::then(n.invoke(req), req,
                            [](rk::request&, rk::response& res) { res.headers.add("X-Seen", "1"); });
        });
    };
    auto req = make_request("GET", "/");
    auto res = run_handler(throws_async | rk::wrap_exceptions([](auto, auto) {}) | mark, req);
    CHECK(res.status == 500);
    CHECK(res.headers.get("X-Seen") == "1");

    recorder log;
    rk::handler fine = [](rk::request&) { return rk::response::text("fine", 418); };
    auto app = fine | rk::wrap_exceptions(log.hook());
    CHECK(std::holds_alternative<rk::response>(app.invoke(req)));  // no coroutine for a plain stack
    res = run_handler(app, req);
    CHECK(res.status == 418);
    CHECK(res.body_string() == "fine");
    CHECK(log.calls->empty());
}

TEST_CASE("without a logger of its own, wrap_exceptions tells the request's (the server's); its own wins") {
    recorder server_log, own_log;
    auto req = make_request("GET", "/x");
    req.logger = server_log.hook();
    CHECK(run_handler(throws_async | rk::wrap_exceptions(), req).status == 500);
    REQUIRE(server_log.calls->size() == 1);
    CHECK((*server_log.calls)[0].what == "db password is hunter2");
    CHECK(run_handler(throws_sync | rk::wrap_exceptions(own_log.hook()), req).status == 500);
    CHECK(own_log.calls->size() == 1);
    CHECK(server_log.calls->size() == 1);
}
