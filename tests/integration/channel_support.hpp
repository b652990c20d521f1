// Helpers for the channel integration tests (channels.cpp, channels_http.cpp):
// a route wrapper that keeps /plain answering, the end-of-test health check,
// boxes that carry channels and close statuses from I/O threads to the test
// thread, self-describing payloads, and the client's side of a close handshake.
#pragma once

#include <doctest/doctest.h>

#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "integration/ws_support.hpp"

namespace ringkit::test::chan {

constexpr std::size_t kib = 1024;
/// A receive buffer for clients that stop reading. Not smaller: loopback's MSS
/// is 64 KiB, and a window under two segments makes the sender wait on the
/// persist timer (seconds) once the client reads again.
constexpr int small_rcvbuf = 256 * 1024;

/// Answers /plain itself and hands everything else to `inner`, keeping its kind
/// (a sync handler stays sync, so as_channel runs as it would in an app).
inline handler with_plain(handler inner) {
    return [inner = std::move(inner)](request& req) -> maybe_task {
        if (req.uri == "/plain") return response::text("plain");
        if (inner.is_sync()) return inner.call_sync(req);
        if (inner.is_mixed()) return inner.call_mixed(req);
        return inner.call_async(req);
    };
}

/// The server still answers, and every connection of the test has ended.
inline void check_healthy(test_server& srv) {
    {
        raw_client c(srv.port());
        REQUIRE(c.send(get("/plain")));
        auto r = c.read_response();
        CHECK(r.status == 200);
        CHECK(r.body == "plain");
    }
    CHECK(wait_for_connections(srv, 0));
}

/// Channels handed over by handlers (on the I/O threads), in arrival order.
class channel_box {
public:
    void add(const channel& ch) {
        std::lock_guard lock(mutex_);
        list_.push_back(ch);
        cv_.notify_all();
    }
    /// The i-th channel, waiting (bounded) for it to arrive.
    channel at(std::size_t i) {
        std::unique_lock lock(mutex_);
        if (!cv_.wait_for(lock, io_timeout, [&] { return list_.size() > i; }))
            throw std::runtime_error("no channel #" + std::to_string(i) + " arrived");
        return list_[i];
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return list_.size();
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<channel> list_;
};

/// on_close calls, from any thread.
class close_log {
public:
    auto hook() {
        return [this](channel&, const close_status& st) {
            std::lock_guard lock(mutex_);
            list_.push_back(st);
        };
    }
    std::size_t count() const {
        std::lock_guard lock(mutex_);
        return list_.size();
    }
    close_status at(std::size_t i) const {
        std::lock_guard lock(mutex_);
        return list_.at(i);
    }
    bool wait_for(std::size_t n) const {
        return wait_until([&] { return count() >= n; });
    }

private:
    mutable std::mutex mutex_;
    std::vector<close_status> list_;
};

/// `size` bytes that say which message they are: "<i>:" then one letter.
inline std::string payload(std::size_t i, std::size_t size) {
    std::string s = std::to_string(i) + ":";
    s.resize(std::max(size, s.size()), static_cast<char>('a' + i % 26));
    return s;
}

/// A WebSocket client past its handshake. `rcvbuf` > 0 shrinks its receive
/// buffer: a client that stops reading then backs the server up quickly.
inline std::unique_ptr<ws_client> connect_ws(std::uint16_t port, std::string_view path, int rcvbuf = 0) {
    auto c = std::make_unique<ws_client>(port);
    if (rcvbuf > 0) ::setsockopt(c->fd(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    auto r = c->handshake(path);
    REQUIRE(r.status == 101);
    return c;
}

/// The client's side of a close handshake it starts: skips data still in
/// flight, expects the echo of `code`, then the server's TCP close.
inline void client_close(ws_client& c, int code = 1000, std::string_view reason = {}) {
    REQUIRE(c.send_close(code, reason));
    auto f = c.read_message_frame();
    while (f && f->op != ws::opcode::close) f = c.read_message_frame();
    REQUIRE(f);
    CHECK(f->close_code() == code);
    CHECK(c.closed_by_server());
}

/// The client's side of a close the server starts: the close frame (code
/// returned), the echo, then the server's TCP close.
inline int answer_close(ws_client& c) {
    auto f = c.read_message_frame();
    REQUIRE(f);
    REQUIRE(f->op == ws::opcode::close);
    c.send_close(f->close_code());
    CHECK(c.closed_by_server());
    return f->close_code();
}

}  // namespace ringkit::test::chan
