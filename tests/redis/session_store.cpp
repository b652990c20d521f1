// redis_store against a real redis-server started by the test: the store alone,
// then two ringkit servers sharing one Redis, then a Redis that is down or stuck.
#include "ringkit/redis/session_store.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include "integration/support.hpp"
#include "ringkit/core/base64.hpp"
#include "ringkit/redis/client.hpp"
#include "ringkit/server.hpp"
#include "support/redis_server.hpp"
#include "support/run_coroutine.hpp"

namespace redis_session_store_test {

using namespace std::chrono_literals;
namespace rk = ringkit;
namespace redis = ringkit::redis;
using ringkit::task;
using ringkit::test::redis_server;
using ringkit::test::run_coroutine;

redis::options on(const redis_server& s) { return s.client_options(300ms); }

rk::redis_store store_on(const redis_server& s, std::chrono::seconds ttl = 100s) {
    return rk::redis_store({.redis = on(s), .ttl = ttl, .prefix = "test:session:"});
}

/// The redis_store's first command once it has connected: retried every 10 ms for at most 2 s.
template <class F>
auto eventually(asio::io_context& io, F f) -> decltype(f()) {
    for (int i = 0;; ++i) {
        try {
            co_return co_await f();
        } catch (const std::system_error& e) {
            CHECK(e.code().category() == redis::category());
            if (i == 200) throw;
        }
        asio::steady_timer t(io, 10ms);
        co_await t.async_wait(asio::use_awaitable);
    }
}

TEST_CASE("write, read and erase; the TTL set on write and refreshed on read") {
    redis_server srv;
    asio::io_context io;
    auto store = store_on(srv);
    redis::client r(io.get_executor(), on(srv));
    // Outside the coroutine: g++ 12 miscompiles string literals in braced lists inside one.
    const nlohmann::json data = {{"user", "ada"}, {"n", 1}};
    const nlohmann::json data2 = {{"user", "ada"}, {"n", 2}};
    run_coroutine(io, [&]() -> task<void> {
        auto key = co_await eventually(io, [&] { return store.write_async({}, data); });
        CHECK(store.redis_key(key) == "test:session:" + key);
        CHECK((co_await r.command("GET", store.redis_key(key))).str == data.dump());
        const auto ttl = (co_await r.command("TTL", store.redis_key(key))).integer;
        CHECK(ttl > 90);
        CHECK(ttl <= 100);

        // Shorten the TTL by hand: a read puts it back.
        co_await r.command("EXPIRE", store.redis_key(key), 5);
        CHECK((co_await store.read_async(key)) == data);
        CHECK((co_await r.command("TTL", store.redis_key(key))).integer > 90);

        // A write under the same key keeps it and sets the TTL again.
        co_await r.command("EXPIRE", store.redis_key(key), 5);
        CHECK((co_await store.write_async(key, data2)) == key);
        CHECK((co_await r.command("TTL", store.redis_key(key))).integer > 90);
        CHECK((co_await store.read_async(key)) == data2);

        co_await store.erase_async(key);
        CHECK((co_await r.command("EXISTS", store.redis_key(key))).integer == 0);
        CHECK(!(co_await store.read_async(key)));
        co_await store.erase_async(key);  // unknown: ignored
        co_await store.erase_async(std::string("not a key of ours"));
    });
}

TEST_CASE("keys are 192 random bits, and a key Redis does not know is never adopted") {
    redis_server srv;
    asio::io_context io;
    auto store = store_on(srv);
    redis::client r(io.get_executor(), on(srv));
    const nlohmann::json a_data = {{"a", 1}};
    const nlohmann::json b_data = {{"b", 1}};
    const nlohmann::json mallory = {{"user", "mallory"}};
    run_coroutine(io, [&]() -> task<void> {
        auto a = co_await eventually(io, [&] { return store.write_async({}, a_data); });
        auto b = co_await store.write_async({}, b_data);
        CHECK(a != b);
        for (const auto& k : {a, b}) {
            auto raw = rk::detail::base64url_decode(k);
            REQUIRE(raw);
            CHECK(raw->size() == 24);
        }

        // Well formed but unknown (made up, or expired): a fresh key, and the
        // client's choice is never created.
        const std::string chosen(32, 'A');
        CHECK(!(co_await store.read_async(chosen)));
        auto given = co_await store.write_async(chosen, mallory);
        CHECK(given != chosen);
        CHECK((co_await r.command("EXISTS", store.redis_key(chosen))).integer == 0);
        CHECK((co_await r.command("EXISTS", store.redis_key(given))).integer == 1);

        // Not shaped like a key of ours: unknown, without asking Redis.
        CHECK(!(co_await store.read_async(std::string("short"))));
        co_await r.command("SET", std::string("test:session:short"), std::string(R"({"user":"planted"})"));
        CHECK(!(co_await store.read_async(std::string("short"))));
        CHECK((co_await store.write_async(std::string("short"), a_data)) != "short");

        // What Redis holds that is not JSON is no session.
        co_await r.command("SET", store.redis_key(chosen), std::string("{not json"));
        CHECK(!(co_await store.read_async(chosen)));
    });
}

TEST_CASE("the synchronous forms refuse instead of blocking") {
    rk::redis_store_options o;
    o.redis.port = 1;
    rk::redis_store store(o);
    CHECK(store.asynchronous());
    CHECK_THROWS_WITH_AS(store.read("k"), doctest::Contains("asynchronous"), std::logic_error);
    CHECK_THROWS_AS(store.write("k", {}), std::logic_error);
    CHECK_THROWS_AS(store.erase("k"), std::logic_error);
}

/// A site: /login names the user (and rotates), /logout ends the session, any other path says who is there.
rk::handler site() {
    return [](rk::request& req) {
        auto& s = rk::session_of(req);
        if (req.uri == "/login") {
            s["user"] = "ada";
            s.rotate();
        }
        if (req.uri == "/logout") s.clear_and_end();
        return rk::response::text(s.data().value("user", "anonymous"));
    };
}

/// The request's answer on a fresh connection to `port`; a server that does not
/// answer within 3 s fails the test.
rk::test::wire_response ask(std::uint16_t port, std::string_view target, const std::string& cookie = {}) {
    rk::test::raw_client c(port, 3s);
    c.send(rk::test::get(target, cookie.empty() ? std::string() : "Cookie: " + cookie + "\r\n"));
    return c.read_response();
}

/// "name=value" of the response's session cookie, or "".
std::string session_cookie(const rk::test::wire_response& res) {
    auto v = res.header("set-cookie");
    return v ? v->substr(0, v->find(';')) : std::string();
}

rk::server_options two_threads(rk::logger log = {}) {
    rk::server_options o;
    o.threads = 2;
    o.logger = std::move(log);
    return o;
}

TEST_CASE("a login on one server is seen by another sharing the Redis, and a logout too") {
    redis_server srv;
    auto store_a = store_on(srv);
    auto store_b = store_on(srv);  // its own connection, as another process would have
    rk::test::test_server a(site() | rk::wrap_session(store_a), two_threads());
    rk::test::test_server b(site() | rk::wrap_session(store_b), two_threads());

    rk::test::wire_response login;
    REQUIRE(rk::test::wait_until([&] { return (login = ask(a.port(), "/login")).status == 200; }));
    CHECK(login.body == "ada");
    const auto cookie = session_cookie(login);
    REQUIRE(!cookie.empty());
    CHECK(ask(b.port(), "/me", cookie).body == "ada");
    CHECK(ask(a.port(), "/me", cookie).body == "ada");
    CHECK(ask(b.port(), "/me").body == "anonymous");

    auto logout = ask(b.port(), "/logout", cookie);
    CHECK(logout.header("set-cookie")->find("Max-Age=0") != std::string::npos);
    CHECK(ask(a.port(), "/me", cookie).body == "anonymous");
}

TEST_CASE("a Redis that is down or never answers: 503 at once, and sessions again once it is back") {
    redis_server srv;
    auto store = store_on(srv);
    rk::test::captured_log log;
    rk::test::test_server a(site() | rk::wrap_session(store), two_threads(log.hook()));
    rk::test::wire_response login;
    REQUIRE(rk::test::wait_until([&] { return (login = ask(a.port(), "/login")).status == 200; }));
    const auto cookie = session_cookie(login);

    SUBCASE("down") {
        srv.stop();
        auto reading = ask(a.port(), "/me", cookie);
        CHECK(reading.status == 503);
        CHECK(reading.header("retry-after") == "1");
        CHECK(ask(a.port(), "/login").status == 503);     // the login could not be saved: no success
        CHECK(ask(a.port(), "/me").body == "anonymous");  // no session, no Redis needed
        auto told = log.entries();
        REQUIRE(told.size() >= 2);
        CHECK(told[0].message == "session store: reading the session failed");
        CHECK(told[1].message == "session store: saving the session failed");
        srv.start();
        rk::test::wire_response again;
        REQUIRE(rk::test::wait_until([&] { return (again = ask(a.port(), "/login")).status == 200; }));
        CHECK(ask(a.port(), "/me", session_cookie(again)).body == "ada");
    }
    SUBCASE("stuck") {
        srv.pause();
        CHECK(ask(a.port(), "/me", cookie).status == 503);  // after command_timeout
        REQUIRE(!log.entries().empty());
        CHECK(log.entries()[0].what.find("did not reply in time") != std::string::npos);
        srv.resume();
        rk::test::wire_response me;
        REQUIRE(rk::test::wait_until([&] { return (me = ask(a.port(), "/me", cookie)).status == 200; }));
        CHECK(me.body == "ada");
    }
}

}  // namespace redis_session_store_test
