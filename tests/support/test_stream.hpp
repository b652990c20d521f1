// A scripted in-memory stream for driving a connection without a socket
// (after Beast's test::stream): the test decides how many bytes each read
// returns, how many bytes each write accepts, how much the peer's receive
// buffer holds before writes would block, and when an operation fails.
//
// It models a non-blocking socket as the engine uses one: read_some and
// write_some never wait (would_block instead), async_wait(wait_read) completes
// once bytes (or EOF) are there, async_write_some waits for room. So a
// connection or WebSocket session under test runs its production read and
// write paths. Every asynchronous operation completes through the executor,
// never inline, like a real socket.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include "ringkit/core/asio.hpp"
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/socket_base.hpp>

namespace ringkit::test {

/// What the client sends and what the server wrote, shared with the test.
struct stream_script {
    static constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();
    std::string input;                   ///< bytes not yet read by the server
    std::string output;                  ///< bytes the server has written
    std::size_t read_size = unlimited;   ///< max bytes per read
    std::size_t write_size = unlimited;  ///< max bytes per write_some (a partial write)
    /// Bytes the peer still takes before a write would block (its receive buffer);
    /// make_room() adds to it, as a client reading would.
    std::size_t room = unlimited;
    bool eof_when_drained = true;  ///< false: a read on empty input waits for push() or close
    int fail_read_at = -1;         ///< the n-th read (0-based) fails with connection_reset
    int fail_write_at = -1;        ///< the n-th write fails with broken_pipe
    int reads = 0, writes = 0, would_blocks = 0;
    bool closed = false, shut_down_send = false;

    /// Bytes arriving later from the client: a waiting read or readiness wait completes.
    void push(std::string_view bytes) {
        input.append(bytes);
        wake(pending_read);
    }
    /// The client read: `n` more bytes fit, and a waiting write goes on.
    void make_room(std::size_t n) {
        room = room > unlimited - n ? unlimited : room + n;
        wake(pending_write);
    }
    /// The client's end: reads see EOF once the input is drained.
    void client_eof() {
        eof_when_drained = true;
        wake(pending_read);
    }

    // An operation waiting for bytes or room: retried, or aborted by cancel()/close().
    struct waiter {
        std::function<void()> resume;
        std::function<void(std::error_code)> abort;
    };
    std::unique_ptr<waiter> pending_read, pending_write;

    static void wake(std::unique_ptr<waiter>& w) {
        if (w) std::exchange(w, nullptr)->resume();
    }
};

class test_stream {
public:
    using executor_type = asio::any_io_executor;
    using wait_type = asio::socket_base::wait_type;
    static constexpr wait_type wait_read = asio::socket_base::wait_read;
    static constexpr wait_type wait_write = asio::socket_base::wait_write;

    test_stream(executor_type ex, std::shared_ptr<stream_script> script)
        : ex_(std::move(ex)), script_(std::move(script)) {}

    executor_type get_executor() const noexcept { return ex_; }
    void non_blocking(bool, std::error_code& ec) { ec = {}; }  // it always is

    /// Never waits: would_block on empty input (unless the client sent EOF).
    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers, std::error_code& ec) {
        auto& s = *script_;
        ec = {};
        if (s.closed) return fail(ec, asio::error::bad_descriptor);
        if (s.input.empty())
            return fail(
                ec, s.eof_when_drained ? std::error_code(asio::error::eof) : std::error_code(asio::error::would_block));
        if (s.reads++ == s.fail_read_at) return fail(ec, asio::error::connection_reset);
        std::size_t n = std::min({s.read_size, s.input.size(), asio::buffer_size(buffers)});
        asio::buffer_copy(buffers, asio::buffer(s.input.data(), n));
        s.input.erase(0, n);
        return n;
    }

    /// Never waits: takes what write_size and room allow, would_block when nothing.
    template <class ConstBuffers>
    std::size_t write_some(const ConstBuffers& buffers, std::error_code& ec) {
        auto& s = *script_;
        ec = {};
        if (s.closed) return fail(ec, asio::error::bad_descriptor);
        if (s.shut_down_send) return fail(ec, asio::error::shut_down);
        if (s.room == 0) {
            ++s.would_blocks;
            return fail(ec, asio::error::would_block);
        }
        if (s.writes++ == s.fail_write_at) return fail(ec, asio::error::broken_pipe);
        const std::size_t limit = std::min(s.write_size, s.room);
        std::size_t n = 0;
        for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers) && n < limit;
             ++it) {
            asio::const_buffer b(*it);
            auto take = std::min(b.size(), limit - n);
            s.output.append(static_cast<const char*>(b.data()), take);
            n += take;
        }
        if (s.room != stream_script::unlimited) s.room -= n;
        return n;
    }

    /// Completes once the stream is readable (bytes, EOF, or closed) or writable (room).
    template <class Token>
    auto async_wait(wait_type what, Token&& token) {
        return asio::async_initiate<Token, void(std::error_code)>(
            [self = this, what](auto handler) { self->start_wait(what, std::move(handler)); }, token);
    }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
            [self = this, buffers](auto handler) { self->start_read(buffers, std::move(handler)); }, token);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
            [self = this, buffers](auto handler) { self->start_write(buffers, std::move(handler)); }, token);
    }

    void cancel(std::error_code& ec) {
        ec = {};
        abort(script_->pending_read, asio::error::operation_aborted);
        abort(script_->pending_write, asio::error::operation_aborted);
    }
    void close(std::error_code& ec) {
        cancel(ec);
        script_->closed = true;
    }
    void shutdown(asio::socket_base::shutdown_type what, std::error_code& ec) {
        ec = {};
        if (what != asio::socket_base::shutdown_receive) script_->shut_down_send = true;
    }

private:
    static std::size_t fail(std::error_code& ec, std::error_code why) {
        ec = why;
        return 0;
    }
    static void abort(std::unique_ptr<stream_script::waiter>& w, std::error_code ec) {
        if (w) std::exchange(w, nullptr)->abort(ec);
    }

    template <class Handler, class... Args>
    void complete(Handler handler, Args... args) {
        auto ex = asio::get_associated_executor(handler, ex_);
        asio::post(ex, [h = std::move(handler), args...]() mutable { std::move(h)(args...); });
    }

    // Parks `retry` until push()/make_room() (retried) or cancel()/close() (aborted).
    template <class Handler, class Retry, class... Args>
    void park(std::unique_ptr<stream_script::waiter>& slot, Handler handler, Retry retry, Args... aborted_args) {
        auto shared = std::make_shared<Handler>(std::move(handler));
        slot = std::make_unique<stream_script::waiter>(
            stream_script::waiter{[shared, retry] { retry(std::move(*shared)); },
                                  [this, shared, aborted_args...](std::error_code ec) {
                                      complete(std::move(*shared), ec, aborted_args...);
                                  }});
    }

    template <class Handler>
    void start_wait(wait_type what, Handler handler) {
        auto& s = *script_;
        if (s.closed) return complete(std::move(handler), std::error_code(asio::error::bad_descriptor));
        if (what == wait_write) {
            if (s.room > 0) return complete(std::move(handler), std::error_code());
            return park(s.pending_write, std::move(handler),
                        [this](Handler h) { start_wait(wait_write, std::move(h)); });
        }
        if (!s.input.empty() || s.eof_when_drained) return complete(std::move(handler), std::error_code());
        park(s.pending_read, std::move(handler), [this](Handler h) { start_wait(wait_read, std::move(h)); });
    }

    template <class MutableBuffers, class Handler>
    void start_read(const MutableBuffers& buffers, Handler handler) {
        auto& s = *script_;
        if (!s.closed && s.input.empty() && !s.eof_when_drained)
            return park(
                s.pending_read, std::move(handler), [this, buffers](Handler h) { start_read(buffers, std::move(h)); },
                std::size_t{0});
        std::error_code ec;
        auto n = read_some(buffers, ec);
        complete(std::move(handler), ec, n);
    }

    template <class ConstBuffers, class Handler>
    void start_write(const ConstBuffers& buffers, Handler handler) {
        auto& s = *script_;
        if (!s.closed && !s.shut_down_send && s.room == 0)
            return park(
                s.pending_write, std::move(handler), [this, buffers](Handler h) { start_write(buffers, std::move(h)); },
                std::size_t{0});
        std::error_code ec;
        auto n = write_some(buffers, ec);
        complete(std::move(handler), ec, n);
    }

    executor_type ex_;
    std::shared_ptr<stream_script> script_;
};

}  // namespace ringkit::test
