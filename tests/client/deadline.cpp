#include "ringkit/client/deadline.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <system_error>

// After deadline.hpp, which includes core/asio.hpp (Asio configured).
#include <asio/io_context.hpp>

using ringkit::detail::io_deadline;

namespace deadline_test {

using clock = std::chrono::steady_clock;
using std::chrono::hours;
using std::chrono::milliseconds;

// What an armed deadline cancels: counts the calls.
struct target {
    int cancels = 0;
    void cancel(std::error_code& /*ec*/) { ++cancels; }
};

TEST_SUITE("client/deadline") {

TEST_CASE("a deadline that passes cancels its target once; fired() says so") {
    asio::io_context io;
    io_deadline d(io.get_executor());
    target t;
    d.arm(clock::now() - milliseconds(1), t);  // already past: fires now
    io.run();
    CHECK(t.cancels == 1);
    CHECK(d.fired());
}

TEST_CASE("disarm(): nothing fires, and no wait is left to keep the io_context running") {
    asio::io_context io;
    io_deadline d(io.get_executor());
    target t;
    d.arm(clock::now() + hours(1), t);
    d.disarm();
    io.run();  // returns: the wait was cancelled
    CHECK(t.cancels == 0);
    CHECK_FALSE(d.fired());
}

TEST_CASE("release(): the target is forgotten; the next arm with the same deadline keeps the wait") {
    asio::io_context io;
    io_deadline d(io.get_executor());
    target first, second;
    const auto when = clock::now() - milliseconds(1);
    d.arm(when, first);
    d.release();
    d.arm(when, second);  // the wait under way serves it
    io.run();
    CHECK(first.cancels == 0);
    CHECK(second.cancels == 1);
    CHECK(d.fired());
}

TEST_CASE("release(), then an arm much later than the wait under way: the early wait does not fire it") {
    asio::io_context io;
    io_deadline d(io.get_executor());
    target first, second;
    d.arm(clock::now() - milliseconds(1), first);  // due now
    d.release();
    d.arm(clock::now() + hours(1), second);  // far past max_early: a wait of its own
    io.run_for(milliseconds(50));
    CHECK(first.cancels == 0);
    CHECK(second.cancels == 0);
    CHECK_FALSE(d.fired());
    d.disarm();
    io.restart();
    io.run();  // nothing left
}

TEST_CASE("released and never armed again: the wait ends without touching anyone") {
    asio::io_context io;
    target t;
    {
        io_deadline d(io.get_executor());
        d.arm(clock::now() - milliseconds(1), t);
        d.release();
        io.run();
        CHECK_FALSE(d.fired());
    }
    CHECK(t.cancels == 0);
}
}

}  // namespace deadline_test
