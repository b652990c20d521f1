// Running a test's coroutine on a local io_context to its end, with a bound, so a
// coroutine that never finishes fails the test instead of hanging it.
#pragma once

#include <chrono>
#include <exception>

#include <doctest/doctest.h>

#include "ringkit/core/asio.hpp"
#include "ringkit/core/task.hpp"

#include <asio/steady_timer.hpp>

namespace ringkit::test {

/// Runs `body()` (a task<void>) on `io` to its end and rethrows what it threw;
/// fails the test when it has not finished after `limit`.
template <class Body>
void run_coroutine(asio::io_context& io, Body body, std::chrono::seconds limit = std::chrono::seconds(20)) {
    std::exception_ptr error;
    bool done = false;
    asio::co_spawn(io, body(), [&](std::exception_ptr e) {
        error = e;
        done = true;
        io.stop();
    });
    io.run_for(limit);
    REQUIRE_MESSAGE(done, "the test's coroutine did not finish in time");
    if (error) std::rethrow_exception(error);
}

/// A pause inside a test's coroutine.
inline task<void> sleep_for(asio::io_context& io, std::chrono::milliseconds d) {
    asio::steady_timer t(io, d);
    co_await t.async_wait(asio::use_awaitable);
}

}  // namespace ringkit::test
