// Helpers for the WebSocket client's tests (ws_client.cpp, ws_client_interop.cpp):
// a client coroutine run to its end on an io_context of the test's thread.
#pragma once

#include <doctest/doctest.h>

#include <exception>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "integration/support.hpp"
#include "ringkit/client/ws_connect.hpp"

namespace ringkit::test {

/// Runs the coroutine `body()` on an io_context of this thread until it and every
/// connection it opened have ended (io_timeout at most); what it throws is
/// rethrown. False when something was still running then.
template <class F>
bool run_client(F body) {
    asio::io_context io;
    bool done = false;
    std::exception_ptr error;
    asio::co_spawn(io, body(), [&](std::exception_ptr e) {
        error = std::move(e);
        done = true;
    });
    io.run_for(io_timeout);
    if (error) std::rethrow_exception(error);
    return done && io.stopped();
}

/// The error ws::connect throws for `url` (none: it connected, which these tests
/// do not expect), and its what() into `what` if given.
inline std::error_code connect_error(const std::string& url, const ws::connect_options& options = {},
                                     std::string* what = nullptr) {
    std::error_code got;
    CHECK(run_client([&]() -> task<void> {
        try {
            auto ws = co_await ws::connect(url, options);
            ws.close();
            while (co_await ws.receive()) {}
        } catch (const std::system_error& e) {
            got = e.code();
            if (what) *what = e.what();
        }
    }));
    return got;
}

/// Sends each of `messages` and checks that the same one comes back before the next.
inline task<void> expect_echoes(ws::stream& ws, const std::vector<ws::message>& messages) {
    for (const auto& m : messages) {
        co_await ws.send(m);
        auto back = co_await ws.receive();
        REQUIRE(back);
        CHECK(back->kind == m.kind);
        CHECK((back->data == m.data));
    }
}

/// Text whose compressed form is much smaller: the same words again and again.
inline std::string compressible(std::size_t n) {
    std::string s;
    while (s.size() < n) s += "the quick brown fox jumps over the lazy dog " + std::to_string(s.size() % 97) + ' ';
    s.resize(n);
    return s;
}

}  // namespace ringkit::test
