#include "ringkit/ws/deadlines.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <vector>

using namespace ringkit::ws;
using namespace std::chrono_literals;

namespace deadlines_test {

using clock = std::chrono::steady_clock;
const clock::time_point t0{};  // time steps by hand from here: nothing sleeps

// The rules live in a config that outlives the deadlines, as the server's does.
struct rules {
    config c;
    deadlines d;
    rules(std::chrono::milliseconds idle, bool auto_ping)
        : c{.idle_timeout = idle, .auto_ping = auto_ping, .close_timeout = 5s}, d(c, 30s, t0) {}
};

deadlines& make(std::chrono::milliseconds idle, bool auto_ping = true) {
    static std::vector<std::unique_ptr<rules>> kept;  // one per test: the config must outlive its deadlines
    kept.push_back(std::make_unique<rules>(idle, auto_ping));
    return kept.back()->d;
}

TEST_CASE("idle: a ping at half the timeout, then a close if nothing answers") {
    auto& d = make(120s);
    CHECK(d.next() == t0 + 60s);
    CHECK(d.due(t0 + 59s) == deadline::none);
    CHECK(d.due(t0 + 60s) == deadline::ping);
    CHECK(d.due(t0 + 61s) == deadline::none);  // one ping per silence
    CHECK(d.next() == t0 + 120s);
    CHECK(d.due(t0 + 120s) == deadline::idle_close);
}

TEST_CASE("idle: any bytes from the peer restart the clock") {
    auto& d = make(120s);
    CHECK(d.due(t0 + 60s) == deadline::ping);
    d.received(t0 + 61s);  // the pong, or anything else
    CHECK(d.next() == t0 + 121s);
    CHECK(d.due(t0 + 120s) == deadline::none);
    CHECK(d.due(t0 + 121s) == deadline::ping);
}

TEST_CASE("idle: a late timer still gives the peer half the timeout after its ping") {
    auto& d = make(120s);
    CHECK(d.due(t0 + 119s) == deadline::ping);  // the thread was busy until now
    CHECK(d.due(t0 + 120s) == deadline::none);
    CHECK(d.next() == t0 + 179s);
    CHECK(d.due(t0 + 179s) == deadline::idle_close);
}

TEST_CASE("idle: without auto_ping the close comes at the full timeout; 0 turns it off") {
    auto& d = make(10s, false);
    CHECK(d.next() == t0 + 10s);
    CHECK(d.due(t0 + 9s) == deadline::none);
    CHECK(d.due(t0 + 10s) == deadline::idle_close);
    auto& never = make(0s);
    CHECK(never.next() == clock::time_point::max());
    CHECK(never.due(t0 + 1000h) == deadline::none);
}

TEST_CASE("closing: no idle rules; our written close waits close_timeout for the answer") {
    auto& d = make(120s);
    d.closing();
    CHECK(d.next() == clock::time_point::max());
    d.close_sent(t0 + 1s);
    CHECK(d.next() == t0 + 6s);
    CHECK(d.due(t0 + 5s) == deadline::none);
    CHECK(d.due(t0 + 6s) == deadline::close_timeout);
}

TEST_CASE("a write without progress for write_timeout is a stall") {
    auto& d = make(0s);
    d.write_progress(t0);
    CHECK(d.next() == t0 + 30s);
    d.write_progress(t0 + 20s);  // some bytes went out
    CHECK(d.due(t0 + 30s) == deadline::none);
    CHECK(d.due(t0 + 50s) == deadline::write_timeout);
    d.write_idle();
    CHECK(d.due(t0 + 100s) == deadline::none);
    CHECK(d.next() == clock::time_point::max());
}

TEST_CASE("the close handshake's deadline comes before the others") {
    auto& d = make(1s);
    d.write_progress(t0);
    d.close_sent(t0);
    CHECK(d.due(t0 + 40s) == deadline::close_timeout);
}

}  // namespace deadlines_test
