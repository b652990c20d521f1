#include "ringkit/middleware/anti_forgery.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "ringkit/middleware/memory_store.hpp"
#include "support/run_handler.hpp"

namespace rk = ringkit;

namespace {

std::optional<std::string> session_cookie(const rk::response& res) {
    for (auto& [n, v] : res.headers)
        if (n == "Set-Cookie" && v.starts_with("ringkit-session=")) return v.substr(0, v.find(';'));
    return std::nullopt;
}

// GET /form answers the token (as a page would put it in a form); anything else "done".
rk::handler app_handler() {
    return [](rk::request& req) {
        if (req.uri == "/form") return rk::response::text(rk::anti_forgery_token(req));
        return rk::response::text("done");
    };
}

struct client {
    rk::handler app;
    std::string cookie;
    std::string token;

    explicit client(rk::handler a) : app(std::move(a)) {
        auto req = rk::test::make_request("GET", "/form");
        auto res = rk::test::run_handler(app, req);
        cookie = session_cookie(res).value();
        token = std::string(res.body_string());
    }
    rk::response send(std::string_view method, std::initializer_list<std::pair<std::string_view, std::string_view>> extra,
                      std::string body = {}, bool with_cookie = true) {
        auto req = rk::test::make_request(method, "/act", extra, std::move(body));
        if (with_cookie) req.headers.add("cookie", cookie);
        return rk::test::run_handler(app, req);
    }
};

constexpr std::string_view form_type = "application/x-www-form-urlencoded";

}  // namespace

TEST_CASE("the token is random, stable within a session, and made only when asked for") {
    rk::memory_store store;
    auto app = app_handler() | rk::wrap_anti_forgery() | rk::wrap_session(store);
    client a(app), b(app);
    CHECK(a.token.size() == 43);
    CHECK(a.token != b.token);
    auto again = rk::test::make_request("GET", "/form", {{"Cookie", a.cookie}});
    CHECK(rk::test::run_handler(app, again).body_string() == a.token);
    CHECK(store.size() == 2);
    auto plain = rk::test::make_request("GET", "/other");
    CHECK(!session_cookie(rk::test::run_handler(app, plain)));
    CHECK(store.size() == 2);
}

TEST_CASE("safe methods pass without a token") {
    auto app = app_handler() | rk::wrap_anti_forgery() | rk::wrap_session(rk::memory_store{});
    for (auto m : {"GET", "HEAD", "OPTIONS", "TRACE"}) {
        auto req = rk::test::make_request(m, "/act");
        CHECK(rk::test::run_handler(app, req).status == 200);
    }
}

TEST_CASE("unsafe methods: missing or wrong token is 403, the right one passes") {
    client c(app_handler() | rk::wrap_anti_forgery() | rk::wrap_session(rk::memory_store{}));
    const std::string right_form = "a=1&__anti-forgery-token=" + c.token + "&b=2";
    for (auto m : {"POST", "PUT", "PATCH", "DELETE", "PROPPATCH"}) {
        CAPTURE(m);
        auto missing = c.send(m, {});
        CHECK(missing.status == 403);
        CHECK(missing.body_string() == "Invalid anti-forgery token");
        CHECK(c.send(m, {{"Content-Type", form_type}}, "a=1").status == 403);
        CHECK(c.send(m, {{"X-CSRF-Token", "wrong"}}).status == 403);
        CHECK(c.send(m, {{"X-CSRF-Token", ""}}).status == 403);
        CHECK(c.send(m, {{"X-CSRF-Token", c.token + "x"}}).status == 403);
        CHECK(c.send(m, {{"X-CSRF-Token", c.token.substr(1)}}).status == 403);
        CHECK(c.send(m, {{"Content-Type", form_type}}, "__anti-forgery-token=wrong").status == 403);

        CHECK(c.send(m, {{"Content-Type", form_type}}, right_form).status == 200);
        CHECK(c.send(m, {{"Content-Type", "Application/X-WWW-Form-Urlencoded; charset=utf-8"}}, right_form).status ==
              200);
        CHECK(c.send(m, {{"X-CSRF-Token", c.token}}).status == 200);
        CHECK(c.send(m, {{"x-xsrf-token", c.token}}).status == 200);
    }
}

TEST_CASE("the form field counts only in a urlencoded body; no session means no valid token") {
    client c(app_handler() | rk::wrap_anti_forgery() | rk::wrap_session(rk::memory_store{}));
    CHECK(c.send("POST", {{"Content-Type", "text/plain"}}, "__anti-forgery-token=" + c.token).status == 403);
    CHECK(c.send("POST", {}, "__anti-forgery-token=" + c.token).status == 403);
    // The right token without the session it belongs to: 403.
    CHECK(c.send("POST", {{"X-CSRF-Token", c.token}}, {}, false).status == 403);
    // Another session's token: 403.
    client other(c.app);
    CHECK(c.send("POST", {{"X-CSRF-Token", other.token}}).status == 403);
}

TEST_CASE("custom read_token and error_handler") {
    rk::anti_forgery_options opt;
    opt.read_token = [](const rk::request& r) -> std::optional<std::string> {
        if (auto v = r.header("x-my-token")) return std::string(*v);
        return std::nullopt;
    };
    opt.error_handler = [](rk::request&) { return rk::response::json({{"error", "csrf"}}, 403); };
    client c(app_handler() | rk::wrap_anti_forgery(opt) | rk::wrap_session(rk::memory_store{}));
    auto res = c.send("POST", {{"X-CSRF-Token", c.token}});
    CHECK(res.status == 403);
    CHECK(res.body_string() == R"({"error":"csrf"})");
    CHECK(c.send("POST", {{"X-My-Token", c.token}}).status == 200);
}

TEST_CASE("without wrap_session outside it, a clear error") {
    auto app = app_handler() | rk::wrap_anti_forgery();
    auto req = rk::test::make_request("POST", "/act");
    CHECK_THROWS_WITH_AS(rk::test::run_handler(app, req), doctest::Contains("wrap_session"), std::logic_error);
    auto bare = rk::test::make_request("GET", "/form");
    CHECK_THROWS_WITH_AS(rk::anti_forgery_token(bare), doctest::Contains("wrap_anti_forgery"), std::logic_error);
}

TEST_CASE("an empty token in the session never matches an empty token presented") {
    // Data that reached the session another way (an app bug, an import) must not
    // turn "no token" into "any request with an empty field passes".
    rk::handler inner = [](rk::request& req) {
        if (req.uri == "/seed") rk::session_of(req)[rk::anti_forgery_session_key] = "";
        return rk::response::text("done");
    };
    auto app = inner | rk::wrap_anti_forgery() | rk::wrap_session(rk::memory_store{});
    auto seed = rk::test::make_request("GET", "/seed");
    auto cookie = session_cookie(rk::test::run_handler(app, seed)).value();
    auto post = [&](std::initializer_list<std::pair<std::string_view, std::string_view>> h, std::string body) {
        auto req = rk::test::make_request("POST", "/act", h, std::move(body));
        req.headers.add("cookie", cookie);
        return rk::test::run_handler(app, req).status;
    };
    CHECK(post({{"X-CSRF-Token", ""}}, {}) == 403);
    CHECK(post({{"Content-Type", form_type}}, "__anti-forgery-token=") == 403);
}
