#include "ringkit/middleware/anti_forgery.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "ringkit/middleware/memory_store.hpp"
#include "support/run_handler.hpp"

namespace rk = ringkit;

namespace {

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
        cookie = rk::test::cookie_pair(res).value();
        token = std::string(res.body_string());
    }
    rk::response send(std::string_view method,
                      std::initializer_list<std::pair<std::string_view, std::string_view>> extra, std::string body = {},
                      bool with_cookie = true) {
        auto req = rk::test::make_request(method, "/act", extra, std::move(body));
        if (with_cookie) req.headers.add("cookie", cookie);
        return rk::test::run_handler(app, req);
    }
};

constexpr std::string_view form_type = "application/x-www-form-urlencoded";

// The session's own token, unmasked, for tests that need it.
std::string session_token(rk::memory_store& store, const std::string& cookie) {
    return store.read(cookie.substr(cookie.find('=') + 1)).value().at(rk::anti_forgery_session_key).get<std::string>();
}

}  // namespace

TEST_CASE("the token is random, masked anew on each call, and made only when asked for") {
    rk::memory_store store;
    auto app = app_handler() | rk::wrap_anti_forgery() | rk::wrap_session(store);
    client a(app), b(app);
    CHECK(a.token.size() == 86);  // base64url of a 32-byte pad and the 32-byte token under it
    CHECK(a.token.find_first_not_of(rk::detail::base64url_alphabet) == std::string::npos);
    CHECK(a.token != b.token);
    // Against BREACH no two pages hold the same string; the session's token is in none.
    const auto secret = session_token(store, a.cookie);
    CHECK(secret.size() == 43);
    CHECK(a.token.find(secret) == std::string::npos);
    auto again = rk::test::make_request("GET", "/form", {{"Cookie", a.cookie}});
    auto res = rk::test::run_handler(app, again);
    const std::string second(res.body_string());
    CHECK(second.size() == 86);
    CHECK(second != a.token);
    CHECK(!rk::test::cookie_pair(res));  // the session did not change: the same token underneath
    CHECK(session_token(store, a.cookie) == secret);
    // Both copies pass.
    CHECK(a.send("POST", {{"X-CSRF-Token", a.token}}).status == 200);
    CHECK(a.send("POST", {{"X-CSRF-Token", second}}).status == 200);
    CHECK(store.size() == 2);
    auto plain = rk::test::make_request("GET", "/other");
    CHECK(!rk::test::cookie_pair(rk::test::run_handler(app, plain)));
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

TEST_CASE("a tampered, truncated or bare token is refused") {
    rk::memory_store store;
    client c(app_handler() | rk::wrap_anti_forgery() | rk::wrap_session(store));
    const auto raw = rk::detail::base64url_decode(c.token).value();
    REQUIRE(raw.size() == 64);
    auto send = [&](const std::string& bytes) {
        return c.send("POST", {{"X-CSRF-Token", rk::detail::base64url_encode(bytes)}}).status;
    };
    CHECK(send(raw) == 200);
    for (std::size_t i = 0; i < raw.size(); ++i) {  // one bit flipped in the pad or in the masked half
        auto t = raw;
        t[i] = static_cast<char>(t[i] ^ 0x01);
        CHECK(send(t) == 403);
    }
    // Wrong lengths: a byte short or long, each half alone, twice over.
    CHECK(send(raw.substr(1)) == 403);
    CHECK(send(raw.substr(0, 63)) == 403);
    CHECK(send(raw + "x") == 403);
    CHECK(send(raw.substr(0, 32)) == 403);
    CHECK(send(raw.substr(32)) == 403);
    CHECK(send(raw + raw) == 403);
    CHECK(send({}) == 403);
    // An all-zero pad leaves the token in clear: still a valid mask, and it passes.
    const auto secret = rk::detail::base64url_decode(session_token(store, c.cookie)).value();
    CHECK(send(std::string(32, '\0') + secret) == 200);
    // Not base64url at all.
    CHECK(c.send("POST", {{"X-CSRF-Token", c.token + "="}}).status == 403);
    CHECK(c.send("POST", {{"X-CSRF-Token", std::string(86, '!')}}).status == 403);
    // The bare session token, never given out, is refused (see anti_forgery.hpp).
    CHECK(c.send("POST", {{"X-CSRF-Token", session_token(store, c.cookie)}}).status == 403);
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
    auto cookie = rk::test::cookie_pair(rk::test::run_handler(app, seed)).value();
    auto post = [&](std::initializer_list<std::pair<std::string_view, std::string_view>> h, std::string body) {
        auto req = rk::test::make_request("POST", "/act", h, std::move(body));
        req.headers.add("cookie", cookie);
        return rk::test::run_handler(app, req).status;
    };
    CHECK(post({{"X-CSRF-Token", ""}}, {}) == 403);
    CHECK(post({{"Content-Type", form_type}}, "__anti-forgery-token=") == 403);
}

TEST_CASE("a malformed token in the session is no token, and anti_forgery_token() replaces it") {
    rk::memory_store store;
    rk::handler inner = [](rk::request& req) {
        if (req.uri == "/seed") rk::session_of(req)[rk::anti_forgery_session_key] = "short";
        if (req.uri == "/form") return rk::response::text(rk::anti_forgery_token(req));
        return rk::response::text("done");
    };
    auto app = inner | rk::wrap_anti_forgery() | rk::wrap_session(store);
    auto seed = rk::test::make_request("GET", "/seed");
    auto cookie = rk::test::cookie_pair(rk::test::run_handler(app, seed)).value();
    auto post = [&](const std::string& token) {
        auto req = rk::test::make_request("POST", "/act", {{"X-CSRF-Token", token}});
        req.headers.add("cookie", cookie);
        return rk::test::run_handler(app, req).status;
    };
    CHECK(post("short") == 403);
    // A mask of "short" itself is not accepted either: only a 32-byte token counts.
    CHECK(post(rk::detail::base64url_encode(std::string(5, '\0') + "short")) == 403);
    auto form = rk::test::make_request("GET", "/form", {{"Cookie", cookie}});
    auto token = std::string(rk::test::run_handler(app, form).body_string());
    CHECK(token.size() == 86);
    CHECK(session_token(store, cookie).size() == 43);
    CHECK(post(token) == 200);
}

TEST_CASE("a multipart form (a form with a file) presents the token in its field when wrap_multipart runs outside") {
    rk::memory_store store;
    auto app = app_handler() | rk::wrap_anti_forgery() | rk::wrap_multipart() | rk::wrap_session(store);
    client c(app);
    auto body = [](std::string_view token) {
        return "--XyZ\r\nContent-Disposition: form-data; name=\"__anti-forgery-token\"\r\n\r\n" + std::string(token) +
               "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
               "filename=\"a.txt\"\r\n\r\nhello\r\n--XyZ--\r\n";
    };
    constexpr std::string_view type = "multipart/form-data; boundary=XyZ";
    CHECK(c.send("POST", {{"content-type", type}}, body(c.token)).status == 200);
    CHECK(c.send("POST", {{"content-type", type}}, body(c.token + "A")).status == 403);
    CHECK(c.send("POST", {{"content-type", type}}, body("")).status == 403);

    // Without wrap_multipart the field cannot be read: refused, never guessed from raw bytes.
    auto bare = app_handler() | rk::wrap_anti_forgery() | rk::wrap_session(store);
    client d(bare);
    CHECK(d.send("POST", {{"content-type", type}}, body(d.token)).status == 403);
}
