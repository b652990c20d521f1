// redis::hub against a real redis-server: two servers, each with its own hub on
// the same Redis, and real WebSocket clients on both.
#include "ringkit/redis/hub.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "integration/metrics_support.hpp"
#include "integration/ws_support.hpp"
#include "ringkit/server.hpp"
#include "support/redis_server.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

namespace redis_hub_test {

using namespace std::chrono_literals;
namespace rk = ringkit;
namespace redis = ringkit::redis;
using ringkit::test::redis_server;
using ringkit::test::ws_client;

redis::hub_options on(const redis_server& s) {
    redis::hub_options o;
    o.redis = s.client_options(300ms);
    o.max_message_size = 1024;
    return o;
}

/// /ws/{room}: joins the room on open; every message a socket sends goes to its room, unchanged.
struct room_app {
    redis::hub& hub;
    std::atomic<int> joined{0};

    rk::handler handler() {
        return [this](rk::request& req) {
            auto room = req.uri.substr(std::string("/ws/").size());
            return rk::as_channel(req, {.on_open =
                                            [this, room](rk::channel& ch) {
                                                asio::co_spawn(
                                                    hub.executor(),
                                                    [this, room, ch]() -> rk::task<void> {
                                                        co_await hub.join(room, ch);
                                                        ++joined;
                                                    },
                                                    asio::detached);
                                            },
                                        .on_receive =
                                            [this, room](rk::channel&, rk::ws::message&& m) {
                                                asio::co_spawn(hub.executor(), hub.publish(room, std::move(m)),
                                                               asio::detached);
                                            }});
        };
    }
};

std::unique_ptr<ws_client> open(std::uint16_t port, const std::string& room) {
    auto c = std::make_unique<ws_client>(port, 3s);
    REQUIRE(c->handshake("/ws/" + room).status == 101);
    return c;
}

/// The payloads of the next `n` data frames `c` receives.
std::vector<std::string> next(ws_client& c, std::size_t n) {
    std::vector<std::string> out;
    while (out.size() < n) {
        auto f = c.read_message_frame();
        if (!f) break;
        out.push_back((f->op == rk::ws::opcode::binary ? "b:" : "t:") + f->payload);
    }
    return out;
}

/// Runs `t` to its end on a thread of its own and returns how it ended: "" or the exception's what().
template <class T>
std::string outcome(redis::hub& h, rk::task<T> t) {
    std::promise<std::string> done;
    asio::co_spawn(h.executor(), std::move(t), [&](std::exception_ptr e, auto&&...) {
        done.set_value(e ? rk::exception_message(e) : std::string());
    });
    auto f = done.get_future();
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    return f.get();
}

TEST_CASE("two hubs on one Redis deliver every room's messages, in order and unchanged, to both servers") {
    redis_server srv;
    redis::hub hub_a(on(srv));
    redis::hub hub_b(on(srv));
    room_app app_a{hub_a};
    room_app app_b{hub_b};
    rk::test::test_server a(app_a.handler());
    rk::test::test_server b(app_b.handler());

    auto a1 = open(a.port(), "r1");
    auto a2 = open(a.port(), "r1");
    auto b1 = open(b.port(), "r1");
    auto b2 = open(b.port(), "r2");
    REQUIRE(rk::test::wait_until([&] { return app_a.joined == 2 && app_b.joined == 2; }));
    CHECK(hub_a.members("r1") == 2);
    CHECK(hub_b.members("r1") == 1);

    a1->send_frame(rk::ws::opcode::text, "one");
    a1->send_frame(rk::ws::opcode::binary, std::string("\0\xff two", 6));
    b1->send_frame(rk::ws::opcode::text, "three");
    const std::vector<std::string> from_a1{"t:one", "b:" + std::string("\0\xff two", 6)};
    for (auto* c : {a1.get(), a2.get(), b1.get()}) {
        auto got = next(*c, 3);
        REQUIRE(got.size() == 3);
        // a1's two in its order; b1's anywhere around them.
        std::vector<std::string> mine;
        for (auto& g : got)
            if (g != "t:three") mine.push_back(g);
        CHECK(mine == from_a1);
        CHECK(std::count(got.begin(), got.end(), "t:three") == 1);
    }
    // r2 heard none of r1: its first message is its own.
    b2->send_frame(rk::ws::opcode::text, "r2 only");
    CHECK(next(*b2, 1) == std::vector<std::string>{"t:r2 only"});
    // The counters move after the step they count (PUBLISH's reply comes on
    // another connection than the message, a delivery is counted once sent): a
    // client can see its message first.
    CHECK(rk::test::wait_until([&] { return hub_a.stats().published == 2; }));
    CHECK(rk::test::wait_until([&] { return hub_b.stats().published == 2; }));
    // r1's three (one frame each for its one member) and r2's one
    CHECK(rk::test::wait_until([&] { return hub_b.stats().received == 4; }));
    CHECK(rk::test::wait_until([&] { return hub_a.stats().delivered == 6; }));  // three messages, two members
    CHECK(hub_a.stats().failed == 0);
}

TEST_CASE("publish: a message past the limit, and a Redis that is down, are errors to the caller and counted") {
    redis_server srv;
    redis::hub h(on(srv));
    CHECK(outcome(h, h.publish("t", rk::ws::text(std::string(1025, 'x')))).find("max_message_size") !=
          std::string::npos);
    CHECK(h.stats().too_large == 1);
    REQUIRE(rk::test::wait_until([&] { return outcome(h, h.publish("t", rk::ws::text("up"))).empty(); }));
    const auto before = h.stats();
    srv.stop();
    const auto lost = outcome(h, h.publish("t", rk::ws::text("lost?")));
    REQUIRE(!lost.empty());
    CHECK(lost[0] != ':');  // the error's own words, not system_error's ": <message>" for an empty what
    CHECK(h.stats().failed == before.failed + 1);
    CHECK(h.stats().published == before.published);
    srv.start();
    REQUIRE(rk::test::wait_until([&] { return outcome(h, h.publish("t", rk::ws::text("back"))).empty(); }));
}

TEST_CASE("register_metrics: publishes, deliveries, failures and reconnections, read at each scrape") {
    using ringkit::test::sample;
    redis_server srv;
    rk::metrics::registry reg;
    {
        redis::hub h(on(srv));
        h.register_metrics(reg);
        CHECK_THROWS_AS(h.register_metrics(reg), std::invalid_argument);  // one hub per registry
        room_app app{h};
        rk::test::test_server server(app.handler());
        auto c = open(server.port(), "r");
        REQUIRE(rk::test::wait_until([&] { return app.joined == 1; }));
        c->send_text("hi");
        CHECK(next(*c, 1) == std::vector<std::string>{"t:hi"});
        CHECK(rk::test::wait_until([&] { return sample(reg, "ringkit_hub_published_total") == "1"; }));
        CHECK(rk::test::wait_until([&] { return sample(reg, "ringkit_hub_delivered_total") == "1"; }));
        CHECK(sample(reg, "ringkit_hub_received_total") == "1");
        CHECK(sample(reg, "ringkit_hub_publish_failures_total") == "0");
        CHECK(sample(reg, "ringkit_hub_publisher_reconnects_total") == "0");
        CHECK(sample(reg, "ringkit_hub_subscriber_reconnects_total") == "0");

        srv.stop();
        CHECK(!outcome(h, h.publish("r", rk::ws::text("lost?"))).empty());
        CHECK(sample(reg, "ringkit_hub_publish_failures_total") == "1");
        srv.start();
        // Both connections come back, each counted once.
        REQUIRE(rk::test::wait_until([&] { return outcome(h, h.publish("r", rk::ws::text("back"))).empty(); }));
        CHECK(sample(reg, "ringkit_hub_publisher_reconnects_total") == "1");
        REQUIRE(rk::test::wait_until([&] { return sample(reg, "ringkit_hub_subscriber_reconnects_total") == "1"; }));
    }
    // The hub is gone; its counts stay readable.
    CHECK(sample(reg, "ringkit_hub_subscriber_reconnects_total") == "1");
    CHECK(sample(reg, "ringkit_hub_publish_failures_total") == "1");
}

}  // namespace redis_hub_test
