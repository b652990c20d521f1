// A scripted in-memory stream for driving a connection without a socket
// (after Beast's test::stream): the test decides how many bytes each read
// returns, how many bytes each write accepts, and when an operation fails.
// Everything completes through the executor, never inline, like a real socket.
#pragma once

#include <algorithm>
#include <cstddef>
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
    std::string input;                                                 ///< bytes not yet read by the server
    std::string output;                                                ///< bytes the server has written
    std::size_t read_size = std::numeric_limits<std::size_t>::max();   ///< max bytes per read
    std::size_t write_size = std::numeric_limits<std::size_t>::max();  ///< max bytes per write_some
    bool eof_when_drained = true;  ///< false: a read on empty input waits for push() or close
    int fail_read_at = -1;         ///< the n-th read (0-based) fails with connection_reset
    int fail_write_at = -1;        ///< the n-th write fails with broken_pipe
    int reads = 0, writes = 0;
    bool closed = false, shut_down_send = false;

    /// Completes a waiting read, as bytes arriving later from the client would.
    void push(std::string_view bytes) {
        input.append(bytes);
        if (pending_read) std::exchange(pending_read, nullptr)->resume();
    }

    struct waiter {
        virtual void resume() = 0;  // retry the read
        virtual void abort(std::error_code) = 0;
        virtual ~waiter() = default;
    };
    std::unique_ptr<waiter> pending_read;
};

class test_stream {
public:
    using executor_type = asio::any_io_executor;

    test_stream(executor_type ex, std::shared_ptr<stream_script> script)
        : ex_(std::move(ex)), script_(std::move(script)) {}

    executor_type get_executor() const noexcept { return ex_; }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
            [self = this, buffers](auto handler) { self->start_read(buffers, std::move(handler)); }, token);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
            [this, buffers](auto handler) {
                auto& s = *script_;
                std::error_code ec;
                std::size_t n = 0;
                if (s.closed) ec = asio::error::bad_descriptor;
                else if (s.shut_down_send) ec = asio::error::shut_down;
                else if (s.writes++ == s.fail_write_at) ec = asio::error::broken_pipe;
                else {
                    for (auto it = asio::buffer_sequence_begin(buffers);
                         it != asio::buffer_sequence_end(buffers) && n < s.write_size; ++it) {
                        asio::const_buffer b(*it);
                        auto take = std::min(b.size(), s.write_size - n);
                        s.output.append(static_cast<const char*>(b.data()), take);
                        n += take;
                    }
                }
                complete(std::move(handler), ec, n);
            },
            token);
    }

    void cancel(std::error_code& ec) {
        ec = {};
        if (script_->pending_read) std::exchange(script_->pending_read, nullptr)->abort(asio::error::operation_aborted);
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
    template <class Handler>
    void complete(Handler handler, std::error_code ec, std::size_t n) {
        auto ex = asio::get_associated_executor(handler, ex_);
        asio::post(ex, [h = std::move(handler), ec, n]() mutable { std::move(h)(ec, n); });
    }

    template <class MutableBuffers, class Handler>
    void start_read(const MutableBuffers& buffers, Handler handler) {
        auto& s = *script_;
        if (s.closed) return complete(std::move(handler), asio::error::bad_descriptor, 0);
        if (s.input.empty()) {
            if (s.eof_when_drained) return complete(std::move(handler), asio::error::eof, 0);
            // Wait: push() retries the read, cancel()/close() abort it.
            struct waiting final : stream_script::waiter {
                test_stream* self;
                MutableBuffers buffers;
                Handler handler;
                waiting(test_stream* s, const MutableBuffers& b, Handler h)
                    : self(s), buffers(b), handler(std::move(h)) {}
                void resume() override { self->start_read(buffers, std::move(handler)); }
                void abort(std::error_code ec) override { self->complete(std::move(handler), ec, 0); }
            };
            s.pending_read = std::make_unique<waiting>(this, buffers, std::move(handler));
            return;
        }
        if (s.reads++ == s.fail_read_at) return complete(std::move(handler), asio::error::connection_reset, 0);
        std::size_t n = std::min({s.read_size, s.input.size(), asio::buffer_size(buffers)});
        asio::buffer_copy(buffers, asio::buffer(s.input.data(), n));
        s.input.erase(0, n);
        complete(std::move(handler), {}, n);
    }

    executor_type ex_;
    std::shared_ptr<stream_script> script_;
};

}  // namespace ringkit::test
