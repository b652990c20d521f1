// redis::client against a real redis-server started by the test.
#include "ringkit/redis/client.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <exception>
#include <string>
#include <system_error>

#include "support/redis_server.hpp"
#include "support/run_coroutine.hpp"

namespace redis_client_test {

using namespace std::chrono_literals;
namespace redis = ringkit::redis;
using ringkit::task;
using ringkit::test::redis_server;
using ringkit::test::run_coroutine;
using ringkit::test::sleep_for;

/// The error code a command fails with; a command that succeeds fails the test.
task<std::error_code> failure_of(task<redis::reply> t) {
    try {
        co_await std::move(t);
    } catch (const std::system_error& e) {
        co_return e.code();
    }
    FAIL("the command succeeded");
    co_return std::error_code{};
}

/// The command's reply once the client has reconnected: retried every 10 ms
/// (each failure a redis error), for at most 2 s.
template <class... Args>
task<redis::reply> eventually(asio::io_context& io, redis::client& r, const Args&... args) {
    for (int i = 0;; ++i) {
        try {
            co_return co_await r.command(args...);
        } catch (const std::system_error& e) {
            CHECK(e.code().category() == redis::category());
            if (i == 200) throw;
        }
        co_await sleep_for(io, 10ms);
    }
}

redis::options on(const redis_server& s) { return s.client_options(500ms); }

TEST_CASE("strings, numbers, nil, arrays and binary values round-trip") {
    redis_server srv;
    asio::io_context io;
    run_coroutine(io, [&]() -> task<void> {
        redis::client r(io.get_executor(), on(srv));
        CHECK((co_await r.command("SET", "k", "v")).str == "OK");
        CHECK((co_await r.command("GET", "k")).as_string() == "v");
        CHECK((co_await r.command("GET", "missing")).is_nil());
        CHECK((co_await r.command("INCRBY", "n", 41)).integer == 41);
        CHECK((co_await r.command("INCR", "n")).integer == 42);
        const std::string binary("a\0b\r\nc", 6);
        co_await r.command("SET", "bin", binary);
        CHECK((co_await r.command("GET", "bin")).str == binary);
        co_await r.command("RPUSH", "list", "x", "y", "z");
        auto list = co_await r.command("LRANGE", "list", 0, -1);
        REQUIRE(list.type == redis::reply::kind::array);
        REQUIRE(list.elements.size() == 3);
        CHECK(list.elements[2].str == "z");
    });
}

TEST_CASE("an error reply is error::server_error with Redis's message") {
    redis_server srv;
    asio::io_context io;
    run_coroutine(io, [&]() -> task<void> {
        redis::client r(io.get_executor(), on(srv));
        co_await r.command("SET", "s", "text");
        try {
            co_await r.command("INCR", "s");
            FAIL("INCR on a string succeeded");
        } catch (const std::system_error& e) {
            CHECK(e.code() == redis::error::server_error);
            CHECK(std::string(e.what()).find("not an integer") != std::string::npos);
        }
        // The connection is still good.
        CHECK((co_await r.command("GET", "s")).str == "text");
    });
}

TEST_CASE("commands from many coroutines are pipelined and each gets its own reply") {
    redis_server srv;
    asio::io_context io;
    run_coroutine(io, [&]() -> task<void> {
        redis::client r(io.get_executor(), on(srv));
        int done = 0;
        for (int i = 0; i < 500; ++i)
            asio::co_spawn(
                io,
                [&r, &done, i]() -> task<void> {
                    co_await r.command("SET", "key" + std::to_string(i), i);
                    auto v = co_await r.command("GET", "key" + std::to_string(i));
                    CHECK(v.str == std::to_string(i));
                    ++done;
                },
                asio::detached);
        while (done < 500) co_await sleep_for(io, 5ms);
        // Built outside the co_await: g++ 12 cannot keep an initializer list's array across one.
        std::vector<std::vector<std::string>> cmds = {{"SET", "p", "1"}, {"INCR", "p"}, {"GET", "p"}, {"GET", "key7"}};
        auto replies = co_await r.pipeline(std::move(cmds));
        REQUIRE(replies.size() == 4);
        CHECK(replies[1].integer == 2);
        CHECK(replies[2].str == "2");
        CHECK(replies[3].str == "7");
        CHECK((co_await r.pipeline({})).empty());
    });
}

TEST_CASE("AUTH and SELECT on every connection; a wrong password fails, never hangs") {
    redis_server srv({"--requirepass", "s3cret"});
    asio::io_context io;
    run_coroutine(io, [&]() -> task<void> {
        auto o = on(srv);
        o.password = "s3cret";
        o.db = 3;
        redis::client r3(io.get_executor(), o);
        co_await r3.command("SET", "where", "three");
        o.db = 0;
        redis::client r0(io.get_executor(), o);
        CHECK((co_await r0.command("GET", "where")).is_nil());
        CHECK((co_await r3.command("GET", "where")).str == "three");

        o.password = "wrong";
        redis::client bad(io.get_executor(), o);
        const auto ec = co_await failure_of(bad.command("PING"));
        CHECK(ec == redis::error::connect_failed);
    });
}

TEST_CASE("no Redis: a command fails at once instead of waiting") {
    std::uint16_t port = 0;
    {
        redis_server gone;
        port = gone.port();
    }
    asio::io_context io;
    run_coroutine(io, [&]() -> task<void> {
        redis::options o;
        o.port = port;
        o.reconnect_min = 1000ms;
        redis::client r(io.get_executor(), o);
        // The first command rides on the first attempt; once that failed, the next
        // finds the client between attempts.
        CHECK(co_await failure_of(r.command("PING")) == redis::error::connect_failed);
        CHECK(co_await failure_of(r.command("PING")) == redis::error::unavailable);
    });
}

TEST_CASE("a Redis restart: commands fail while it is down, then the client reconnects by itself") {
    redis_server srv;
    asio::io_context io;
    run_coroutine(io, [&]() -> task<void> {
        redis::client r(io.get_executor(), on(srv));
        co_await r.command("SET", "a", "1");
        srv.stop();
        const auto ec = co_await failure_of(r.command("GET", "a"));
        CHECK((ec == redis::error::disconnected || ec == redis::error::unavailable));
        srv.start();
        CHECK((co_await eventually(io, r, "PING")).str == "PONG");
    });
}

TEST_CASE("a Redis that stops answering: error::timeout, then a fresh connection when it answers again") {
    redis_server srv;
    asio::io_context io;
    run_coroutine(io, [&]() -> task<void> {
        redis::client r(io.get_executor(), on(srv));
        co_await r.command("SET", "a", "1");
        srv.pause();
        CHECK(co_await failure_of(r.command("GET", "a")) == redis::error::timeout);
        srv.resume();
        CHECK((co_await eventually(io, r, "GET", "a")).str == "1");
    });
}

TEST_CASE("destroying the client fails the commands in flight with error::closed") {
    redis_server srv;
    asio::io_context io;
    run_coroutine(io, [&]() -> task<void> {
        auto r = std::make_unique<redis::client>(io.get_executor(), on(srv));
        co_await r->command("PING");
        srv.pause();
        std::error_code got;
        bool finished = false;
        asio::co_spawn(
            io,
            [&]() -> task<void> {
                got = co_await failure_of(r->command("GET", "a"));
                finished = true;
            },
            asio::detached);
        co_await sleep_for(io, 20ms);
        r.reset();
        while (!finished) co_await sleep_for(io, 5ms);
        CHECK(got == redis::error::closed);
        srv.resume();
    });
}

}  // namespace redis_client_test
