#include "ringkit/middleware/request_id.hpp"

#include <doctest/doctest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "ringkit/middleware/exceptions.hpp"
#include "support/run_handler.hpp"

namespace rk = ringkit;

using ringkit::test::make_request;
using ringkit::test::run_handler;

namespace request_id_tests {

bool is_generated(const std::string& id) {
    return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// What the handler saw as the request's id, and the response.
struct seen {
    std::string id;
    rk::response res;
};

seen ask(const rk::handler& app, std::initializer_list<std::pair<std::string_view, std::string_view>> headers = {}) {
    auto req = make_request("GET", "/", headers);
    auto res = run_handler(app, req);
    return {req.request_id, std::move(res)};
}

rk::handler echo_id() {
    return [](rk::request& req) { return rk::response::text(req.request_id); };
}

}  // namespace request_id_tests

using namespace request_id_tests;

TEST_CASE("a sane X-Request-Id is kept: on the request, in the response") {
    auto app = echo_id() | rk::wrap_request_id();
    auto s = ask(app, {{"X-Request-Id", "lb-7f3a:42/b"}});
    CHECK(s.id == "lb-7f3a:42/b");
    CHECK(s.res.body_string() == "lb-7f3a:42/b");
    CHECK(s.res.headers.get("x-request-id") == "lb-7f3a:42/b");
}

TEST_CASE("without X-Request-Id: 128 random bits in hex, a new one each request") {
    auto app = echo_id() | rk::wrap_request_id();
    std::set<std::string> ids;
    for (int i = 0; i < 200; ++i) {  // past one thread-local batch of 64
        auto s = ask(app);
        CHECK(is_generated(s.id));
        CHECK(s.res.headers.get("X-Request-Id") == s.id);
        ids.insert(s.id);
    }
    CHECK(ids.size() == 200);
}

TEST_CASE("an X-Request-Id that is not sane is replaced") {
    auto app = echo_id() | rk::wrap_request_id({.max_length = 16});
    const std::vector<std::string> bad = {
        "",        "has space",         "tab\there",        std::string("nul\0x", 5), "caf\xc3\xa9",
        "del\x7f", "a-17-chars-long!!", "line\r\nX-Evil: 1"};
    for (const auto& id : bad) {
        CAPTURE(id);
        auto s = ask(app, {{"X-Request-Id", id}});
        CHECK(is_generated(s.id));
        CHECK(s.res.headers.get("X-Request-Id") == s.id);
    }
    CHECK(ask(app, {{"X-Request-Id", "sixteen-chars-ok"}}).id == "sixteen-chars-ok");  // the bound is inclusive
}

TEST_CASE("trust_incoming = false: always a new id; another header name") {
    auto app = echo_id() | rk::wrap_request_id({.header = "X-Trace", .trust_incoming = false});
    auto s = ask(app, {{"X-Trace", "chosen-by-client"}});
    CHECK(is_generated(s.id));
    CHECK(s.res.headers.get("X-Trace") == s.id);
    CHECK_FALSE(s.res.headers.contains("X-Request-Id"));
    CHECK(is_generated(ask(app).id));
}

TEST_CASE("the id replaces one the handler set, and reaches a coroutine handler's response") {
    rk::handler co = [](rk::request&) -> rk::task<rk::response> {
        auto r = rk::response::text("later");
        r.headers.add("X-Request-Id", "from-handler");
        co_return r;
    };
    auto s = ask(co | rk::wrap_request_id(), {{"X-Request-Id", "abc"}});
    CHECK(s.res.body_string() == "later");
    CHECK(s.res.headers.get("X-Request-Id") == "abc");
    int lines = 0;
    for (auto& [name, value] : s.res.headers) lines += rk::detail::iequals(name, "x-request-id") ? 1 : 0;
    CHECK(lines == 1);
}

TEST_CASE("outside wrap_exceptions: the 500 carries the id, and so does the error logged") {
    std::vector<std::string> logged;
    rk::handler boom = [](rk::request&) -> rk::response { throw std::runtime_error("boom"); };
    auto app =
        boom |
        rk::wrap_exceptions(rk::logger([&](std::string_view m, std::exception_ptr) { logged.emplace_back(m); })) |
        rk::wrap_request_id();
    auto s = ask(app, {{"X-Request-Id", "req-1"}});
    CHECK(s.res.status == 500);
    CHECK(s.res.headers.get("X-Request-Id") == "req-1");
    REQUIRE(logged.size() == 1);
    CHECK(logged[0] == "request req-1: handler threw on GET /; sent 500");
}

TEST_CASE("request::log: prefixed with the id when there is one, as it is otherwise") {
    std::vector<std::string> logged;
    rk::request req;
    req.logger = rk::logger([&](std::string_view m, std::exception_ptr) { logged.emplace_back(m); });
    req.log("plain");
    req.request_id = "r-9";
    req.log("with id");
    REQUIRE(logged.size() == 2);
    CHECK(logged[0] == "plain");
    CHECK(logged[1] == "request r-9: with id");
    req.clear();
    CHECK(req.request_id.empty());
}
