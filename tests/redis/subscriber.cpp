// redis::subscriber against a real redis-server, with redis::client publishing.
#include "ringkit/redis/subscriber.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <exception>
#include <string>
#include <system_error>
#include <vector>

#include "ringkit/redis/client.hpp"
#include "support/redis_server.hpp"
#include "support/run_coroutine.hpp"

namespace redis_subscriber_test {

using namespace std::chrono_literals;
namespace redis = ringkit::redis;
using ringkit::task;
using ringkit::test::redis_server;
using ringkit::test::run_coroutine;
using ringkit::test::sleep_for;

redis::options on(const redis_server& s) { return s.client_options(500ms); }

struct received {
    std::vector<std::string> messages;  // "channel=payload"
    auto handler() {
        return [this](const std::string& ch, const std::string& m) { messages.push_back(ch + "=" + m); };
    }
};

/// Waits (at most 2 s) until `got` holds `n` messages.
task<void> wait_for(asio::io_context& io, const received& got, std::size_t n) {
    for (int i = 0; i < 400 && got.messages.size() < n; ++i) co_await sleep_for(io, 5ms);
}

/// Publishes until one subscriber has it (after a reconnection the SUBSCRIBE may
/// still be on its way), at most 2 s.
task<void> publish_until_heard(asio::io_context& io, redis::client& pub, const received& got, const std::string& ch) {
    for (int i = 0; i < 200 && got.messages.empty(); ++i) {
        try {
            co_await pub.command("PUBLISH", ch, "ping");
        } catch (const std::system_error& e) {
            CHECK(e.code().category() == redis::category());
        }
        co_await sleep_for(io, 10ms);
    }
}

task<void> ordered_and_filtered(asio::io_context& io, const redis_server& srv) {
    received got;
    redis::subscriber sub(io.get_executor(), on(srv), got.handler());
    redis::client pub(io.get_executor(), on(srv));
    co_await sub.subscribe("a");
    co_await sub.subscribe("b");
    co_await sub.subscribe("a");  // again: no second delivery
    for (int i = 0; i < 100; ++i) co_await pub.command("PUBLISH", i % 2 ? "a" : "b", i);
    co_await pub.command("PUBLISH", "c", "not subscribed");
    const std::string binary("x\0\r\ny", 5);
    co_await pub.command("PUBLISH", "a", binary);
    co_await wait_for(io, got, 101);
    std::vector<std::string> expected;
    for (int i = 0; i < 100; ++i) expected.push_back(std::string(i % 2 ? "a=" : "b=") + std::to_string(i));
    expected.push_back("a=" + binary);
    CHECK(got.messages == expected);
}

TEST_CASE("messages on subscribed channels arrive in order, binary-safe; others never") {
    redis_server srv;
    asio::io_context io;
    run_coroutine(io, [&] { return ordered_and_filtered(io, srv); });
}

TEST_CASE("unsubscribe stops a channel's messages") {
    redis_server srv;
    asio::io_context io;
    run_coroutine(io, [&]() -> task<void> {
        received got;
        redis::subscriber sub(io.get_executor(), on(srv), got.handler());
        redis::client pub(io.get_executor(), on(srv));
        co_await sub.subscribe("a");
        co_await sub.subscribe("b");
        sub.unsubscribe("a");
        co_await pub.command("PUBLISH", "a", "1");
        co_await pub.command("PUBLISH", "b", "2");
        co_await wait_for(io, got, 1);
        co_await sleep_for(io, 50ms);
        CHECK(got.messages == std::vector<std::string>{"b=2"});
    });
}

TEST_CASE("after a Redis restart the channels are subscribed again by themselves") {
    redis_server srv;
    asio::io_context io;
    run_coroutine(io, [&]() -> task<void> {
        received got;
        redis::subscriber sub(io.get_executor(), on(srv), got.handler());
        redis::client pub(io.get_executor(), on(srv));
        co_await sub.subscribe("room");
        srv.stop();
        srv.start();
        co_await publish_until_heard(io, pub, got, "room");
        CHECK_FALSE(got.messages.empty());
    });
}

TEST_CASE("subscribing while Redis is down: error::unavailable, and subscribed once it is back") {
    redis_server srv;
    asio::io_context io;
    run_coroutine(io, [&]() -> task<void> {
        received got;
        redis::subscriber sub(io.get_executor(), on(srv), got.handler());
        redis::client pub(io.get_executor(), on(srv));
        co_await sub.subscribe("warmup");
        srv.stop();
        co_await sleep_for(io, 50ms);  // the loss is seen, the client between attempts
        bool unavailable = false;
        try {
            co_await sub.subscribe("late");
        } catch (const std::system_error& e) {
            unavailable = e.code() == redis::error::unavailable;
        }
        CHECK(unavailable);
        srv.start();
        co_await publish_until_heard(io, pub, got, "late");
        REQUIRE_FALSE(got.messages.empty());
        CHECK(got.messages.front() == "late=ping");
    });
}

TEST_CASE("a Redis that stops answering: subscribe fails with error::timeout, and the channel comes back after") {
    redis_server srv;
    asio::io_context io;
    run_coroutine(io, [&]() -> task<void> {
        received got;
        redis::subscriber sub(io.get_executor(), on(srv), got.handler());
        co_await sub.subscribe("warmup");
        srv.pause();
        std::error_code why;
        try {
            co_await sub.subscribe("stalled");
        } catch (const std::system_error& e) {
            why = e.code();
        }
        CHECK(why == redis::error::timeout);  // the connection dropped at the reply deadline
        srv.resume();
        redis::client pub(io.get_executor(), on(srv));
        co_await publish_until_heard(io, pub, got, "stalled");
        REQUIRE_FALSE(got.messages.empty());
        CHECK(got.messages.front() == "stalled=ping");
    });
}

}  // namespace redis_subscriber_test
