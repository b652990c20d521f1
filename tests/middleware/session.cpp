#include "ringkit/middleware/session.hpp"

#include <doctest/doctest.h>

#include <exception>
#include <map>
#include <stdexcept>
#include <optional>
#include <string>
#include <vector>

#include "ringkit/middleware/memory_store.hpp"
#include "support/run_handler.hpp"

#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

namespace rk = ringkit;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> set_cookies(const rk::response& res) {
    std::vector<std::string> out;
    for (auto& [n, v] : res.headers)
        if (n == "Set-Cookie") out.push_back(v);
    return out;
}

// The "name=value" a browser would send back for the session cookie of `res`.
std::optional<std::string> cookie_pair(const rk::response& res, std::string_view name = "ringkit-session") {
    for (auto& line : set_cookies(res))
        if (line.starts_with(std::string(name) + "=")) return line.substr(0, line.find(';'));
    return std::nullopt;
}

rk::response get_with_cookie(const rk::handler& app, std::string_view target, std::optional<std::string> cookie = {}) {
    auto req =
        cookie ? rk::test::make_request("GET", target, {{"Cookie", *cookie}}) : rk::test::make_request("GET", target);
    return rk::test::run_handler(app, req);
}

// A counter app: /inc adds one, /show shows, /login rotates, /logout ends.
rk::handler counter_app() {
    return [](rk::request& req) {
        auto& s = rk::session_of(req);
        if (req.uri == "/inc") s["n"] = s.data().value("n", 0) + 1;
        if (req.uri == "/login") {
            s["user"] = "bob";
            s.rotate();
        }
        if (req.uri == "/logout") s.clear_and_end();
        return rk::response::text(std::to_string(s.data().value("n", 0)) + (s.is_new() ? " new" : ""));
    };
}

}  // namespace

TEST_CASE("a session round trip through a real cookie") {
    rk::memory_store store;
    auto app = counter_app() | rk::wrap_session(store);

    auto r1 = get_with_cookie(app, "/inc");
    CHECK(r1.body_string() == "1 new");
    auto lines = set_cookies(r1);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("; Path=/; HttpOnly; SameSite=Lax") != std::string::npos);
    auto cookie = cookie_pair(r1);
    REQUIRE(cookie);
    CHECK(cookie->size() == std::string("ringkit-session=").size() + 32);  // 192 bits, base64url

    auto r2 = get_with_cookie(app, "/inc", "theme=dark; " + *cookie);
    CHECK(r2.body_string() == "2");
    CHECK(set_cookies(r2).empty());  // same key: no new cookie
    CHECK(get_with_cookie(app, "/show", *cookie).body_string() == "2");
    CHECK(store.size() == 1);
}

TEST_CASE("nothing is written while the session is unchanged") {
    rk::memory_store store;
    auto app = counter_app() | rk::wrap_session(store);
    auto r = get_with_cookie(app, "/show");
    CHECK(set_cookies(r).empty());
    CHECK(store.size() == 0);
}

TEST_CASE("an unknown or forged session key is never adopted") {
    rk::memory_store store;
    auto app = counter_app() | rk::wrap_session(store);
    for (std::string forged :
         {"ringkit-session=attacker-chosen-id", "ringkit-session=", "ringkit-session=\"\"", "ringkit-session=%41%42"}) {
        auto r = get_with_cookie(app, "/inc", forged);
        CHECK(r.body_string() == "1 new");
        auto cookie = cookie_pair(r);
        REQUIRE(cookie);
        CHECK(*cookie != forged);
        CHECK(get_with_cookie(app, "/show", *cookie).body_string() == "1");
    }
}

TEST_CASE("rotate gives a new key and the old one no longer works") {
    rk::memory_store store;
    auto app = counter_app() | rk::wrap_session(store);
    auto old_cookie = cookie_pair(get_with_cookie(app, "/inc"));
    REQUIRE(old_cookie);
    auto r = get_with_cookie(app, "/login", *old_cookie);
    auto new_cookie = cookie_pair(r);
    REQUIRE(new_cookie);
    CHECK(*new_cookie != *old_cookie);
    CHECK(get_with_cookie(app, "/show", *new_cookie).body_string() == "1");      // data kept
    CHECK(get_with_cookie(app, "/show", *old_cookie).body_string() == "0 new");  // old key dead
    CHECK(store.size() == 1);
}

TEST_CASE("clear_and_end erases the session and expires the cookie") {
    rk::memory_store store;
    auto app = counter_app() | rk::wrap_session(store, {.cookie_name = "sid", .path = "/app"});
    auto cookie = cookie_pair(get_with_cookie(app, "/inc"), "sid");
    REQUIRE(cookie);
    auto r = get_with_cookie(app, "/logout", *cookie);
    auto lines = set_cookies(r);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "sid=; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=Lax");
    CHECK(store.size() == 0);
    CHECK(get_with_cookie(app, "/show", *cookie).body_string() == "0 new");
    // Ending a session nobody had sends nothing.
    CHECK(set_cookies(get_with_cookie(app, "/logout")).empty());
}

TEST_CASE("data stored after clear_and_end starts a new session") {
    rk::memory_store store;
    rk::handler h = [](rk::request& req) {
        auto& s = rk::session_of(req);
        s.clear_and_end();
        s["notice"] = "bye";
        return rk::response::text("ok");
    };
    auto app = h | rk::wrap_session(store);
    rk::handler set = [](rk::request& req) {
        rk::session_of(req)["user"] = "bob";
        return rk::response::text("ok");
    };
    auto old_cookie = cookie_pair(get_with_cookie(set | rk::wrap_session(store), "/"));
    REQUIRE(old_cookie);
    auto new_cookie = cookie_pair(get_with_cookie(app, "/", *old_cookie));
    REQUIRE(new_cookie);
    CHECK(*new_cookie != *old_cookie);
    CHECK(store.size() == 1);
}

TEST_CASE("session options: max_age makes a persistent cookie, refreshed on every save") {
    rk::memory_store store;
    auto app = counter_app() |
               rk::wrap_session(store, {.secure = true, .same_site = rk::same_site_policy::strict, .max_age = 3600s});
    auto r1 = get_with_cookie(app, "/inc");
    auto lines = set_cookies(r1);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].ends_with("; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Strict"));
    CHECK(set_cookies(get_with_cookie(app, "/inc", *cookie_pair(r1))).size() == 1);
    CHECK(set_cookies(get_with_cookie(app, "/show", *cookie_pair(r1))).empty());
}

TEST_CASE("bad options are refused when the stack is built") {
    CHECK_THROWS_AS(rk::wrap_session(rk::memory_store{}, {.cookie_name = "bad name"}), std::invalid_argument);
    CHECK_THROWS_AS(rk::wrap_session(rk::memory_store{}, {.path = "/;x"}), std::invalid_argument);
    CHECK_THROWS_AS(rk::wrap_session(std::shared_ptr<rk::session_store>()), std::invalid_argument);
}

TEST_CASE("an exception from the handler saves nothing; coroutine handlers save too") {
    rk::memory_store store;
    rk::handler boom = [](rk::request& req) -> rk::response {
        rk::session_of(req)["x"] = 1;
        throw std::runtime_error("boom");
    };
    auto req = rk::test::make_request("GET", "/");
    CHECK_THROWS_WITH(rk::test::run_handler(boom | rk::wrap_session(store), req), "boom");
    CHECK(store.size() == 0);

    rk::handler coro = [](rk::request& req) -> rk::task<rk::response> {
        rk::session_of(req)["x"] = 1;
        co_return rk::response::text("ok");
    };
    auto cookie = cookie_pair(get_with_cookie(coro | rk::wrap_session(store), "/"));
    REQUIRE(cookie);
    CHECK(store.size() == 1);
}

TEST_CASE("a custom store sees read, write and erase") {
    struct log_store : rk::session_store {
        std::map<std::string, nlohmann::json> m;
        std::vector<std::string> calls;
        std::optional<nlohmann::json> read(std::string_view k) override {
            calls.push_back("read " + std::string(k));
            auto it = m.find(std::string(k));
            return it == m.end() ? std::nullopt : std::optional(it->second);
        }
        std::string write(std::string_view k, const nlohmann::json& d) override {
            std::string key = k.empty() ? "k" + std::to_string(m.size()) : std::string(k);
            calls.push_back("write " + key);
            m[key] = d;
            return key;
        }
        void erase(std::string_view k) override {
            calls.push_back("erase " + std::string(k));
            m.erase(std::string(k));
        }
    };
    auto store = std::make_shared<log_store>();
    auto app = counter_app() | rk::wrap_session(store);
    get_with_cookie(app, "/inc");
    get_with_cookie(app, "/inc", "ringkit-session=k0");
    get_with_cookie(app, "/login", "ringkit-session=k0");
    get_with_cookie(app, "/show", "ringkit-session=nope");
    CHECK(store->calls ==
          std::vector<std::string>{"write k0", "read k0", "write k0", "read k0", "erase k0", "write k0", "read nope"});
}

namespace {

// An asynchronous store over a memory_store: each call suspends on a timer
// first, as a network round trip would, and the sync forms must never be used.
// `fail` makes every call throw, as a store whose backend is down.
struct async_store : rk::session_store {
    rk::memory_store inner;
    bool fail = false;
    std::vector<std::string> calls;
    std::optional<nlohmann::json> read(std::string_view) override { throw std::logic_error("sync read"); }
    std::string write(std::string_view, const nlohmann::json&) override { throw std::logic_error("sync write"); }
    void erase(std::string_view) override { throw std::logic_error("sync erase"); }
    bool asynchronous() const noexcept override { return true; }
    rk::task<void> round_trip(std::string what) {
        asio::steady_timer t(co_await asio::this_coro::executor, 1ms);
        co_await t.async_wait(asio::use_awaitable);
        calls.push_back(std::move(what));
        if (fail) throw std::runtime_error("backend down");
    }
    rk::task<std::optional<nlohmann::json>> read_async(std::string k) override {
        co_await round_trip("read");
        co_return inner.read(k);
    }
    rk::task<std::string> write_async(std::string k, nlohmann::json d) override {
        co_await round_trip("write");
        co_return inner.write(k, d);
    }
    rk::task<void> erase_async(std::string k) override {
        co_await round_trip("erase");
        inner.erase(k);
    }
};

}  // namespace

TEST_CASE("an asynchronous store is awaited, with the same cookies and rotation as a synchronous one") {
    auto store = std::make_shared<async_store>();
    auto app = counter_app() | rk::wrap_session(store);
    auto r1 = get_with_cookie(app, "/inc");
    CHECK(r1.body_string() == "1 new");
    auto cookie = cookie_pair(r1);
    REQUIRE(cookie);
    CHECK(get_with_cookie(app, "/inc", *cookie).body_string() == "2");
    CHECK(set_cookies(get_with_cookie(app, "/show", *cookie)).empty());
    auto login = get_with_cookie(app, "/login", *cookie);
    auto rotated = cookie_pair(login);
    REQUIRE(rotated);
    CHECK(*rotated != *cookie);
    CHECK(get_with_cookie(app, "/show", *cookie).body_string() == "0 new");  // the old key is gone
    CHECK(get_with_cookie(app, "/show", *rotated).body_string() == "2");
    auto logout = get_with_cookie(app, "/logout", *rotated);
    REQUIRE(set_cookies(logout).size() == 1);
    CHECK(set_cookies(logout)[0].find("Max-Age=0") != std::string::npos);
    CHECK(store->inner.size() == 0);
    // A made-up key is not adopted: the session it starts gets a key of the store's.
    auto forged = cookie_pair(get_with_cookie(app, "/inc", "ringkit-session=chosen-by-the-client"));
    REQUIRE(forged);
    CHECK(*forged != "ringkit-session=chosen-by-the-client");
    CHECK(store->calls == std::vector<std::string>{"write", "read", "write", "read", "read", "erase", "write", "read",
                                                   "read", "read", "erase", "read", "write"});
}

TEST_CASE("an asynchronous store that fails gives 503, reading or saving, and tells the logger") {
    auto store = std::make_shared<async_store>();
    auto app = counter_app() | rk::wrap_session(store);
    auto cookie = cookie_pair(get_with_cookie(app, "/inc"));
    REQUIRE(cookie);
    store->fail = true;
    std::vector<std::string> logged;
    auto ask = [&](std::optional<std::string> c) {
        auto req = c ? rk::test::make_request("GET", "/inc", {{"Cookie", *c}}) : rk::test::make_request("GET", "/inc");
        req.logger = [&](std::string_view m, const std::exception_ptr& e) {
            logged.push_back(std::string(m) + ": " + rk::exception_message(e));
        };
        return rk::test::run_handler(app, req);
    };
    auto reading = ask(cookie);
    CHECK(reading.status == 503);
    CHECK(reading.headers.get("Retry-After") == "1");
    CHECK(set_cookies(reading).empty());
    auto saving = ask(std::nullopt);  // the handler ran; its session could not be saved
    CHECK(saving.status == 503);
    CHECK(set_cookies(saving).empty());
    CHECK(logged == std::vector<std::string>{"session store: reading the session failed: backend down",
                                             "session store: saving the session failed: backend down"});
    // Nothing to read or save: the store is not asked, and the answer is the handler's.
    store->calls.clear();
    auto req = rk::test::make_request("GET", "/show");
    CHECK(rk::test::run_handler(app, req).status == 200);
    CHECK(store->calls.empty());
}

TEST_CASE("session_of without wrap_session is a clear error") {
    auto req = rk::test::make_request("GET", "/");
    CHECK_THROWS_WITH_AS(rk::session_of(req), doctest::Contains("wrap_session"), std::logic_error);
}

TEST_CASE("base64url and constant_time_equals") {
    const std::vector<std::string> samples{"",     "f",     "fo",     "foo",
                                           "foob", "fooba", "foobar", std::string("\0\xff\xfe", 3)};
    for (const auto& s : samples) {
        auto e = rk::detail::base64url_encode(s);
        CHECK(e.find_first_of("+/=") == std::string::npos);
        CHECK(rk::detail::base64url_decode(e) == s);
    }
    CHECK(rk::detail::base64url_encode("foobar") == "Zm9vYmFy");
    CHECK(rk::detail::base64url_encode("\xfb\xff") == "-_8");
    CHECK(!rk::detail::base64url_decode("Zm9vYg=="));  // padding
    CHECK(!rk::detail::base64url_decode("Zm9v+mFy"));  // other alphabet
    CHECK(!rk::detail::base64url_decode("Z"));         // impossible length
    CHECK(!rk::detail::base64url_decode("Zh"));        // stray low bits ("Zg" is canonical)
    CHECK(rk::detail::base64url_decode("Zg") == "f");
    CHECK(rk::detail::constant_time_equals("abc", "abc"));
    CHECK(!rk::detail::constant_time_equals("abc", "abd"));
    CHECK(!rk::detail::constant_time_equals("abc", "ab"));
    CHECK(rk::detail::random_token(16) != rk::detail::random_token(16));
}
