// One keep-alive connection of the client: a request's bytes out, its response
// in, through response_parser, with a deadline on every write and read. The
// I/O shell around the parser, as thin as it can be: what the bytes mean is the
// parser's, and whether the connection may carry another request is its
// reusable() (never after an error, bytes past the response, or a close).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "ringkit/client/connect.hpp"
#include "ringkit/client/deadline.hpp"
#include "ringkit/client/error.hpp"
#include "ringkit/client/response.hpp"
#include "ringkit/client/response_parser.hpp"
#include "ringkit/core/asio.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/http/method.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang).
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/write.hpp>

#if RINGKIT_HAS_OPENSSL
#include <asio/ssl/error.hpp>
#endif

namespace ringkit::detail {

/// When a request's I/O must end: each write or read within `per_read` of the
/// last progress (read_timeout), all of it by `total` (total_timeout).
struct io_deadlines {
    std::chrono::steady_clock::time_point total = std::chrono::steady_clock::time_point::max();
    std::chrono::milliseconds per_read{30'000};
};

class client_connection {
public:
    using clock = std::chrono::steady_clock;

    client_connection(client_stream stream, const client_limits& limits)
        : stream_(std::move(stream)), parser_(limits), deadline_(stream_.get_executor()), in_(new char[in_size]) {}
    client_connection(const client_connection&) = delete;
    client_connection& operator=(const client_connection&) = delete;
    ~client_connection() { stream_.close(); }

    /// Writes `request` (the whole request's bytes) and reads the response to a
    /// request with method `m` into `out`. An error ends the connection's use:
    /// a client_error, the deadline's (read_timeout or total_timeout), or the
    /// stream's own (connection_reset, ...). Never throws for the network.
    task<std::error_code> exchange(std::string_view request, method m, io_deadlines limits, client_response& out) {
        parser_.begin(m);
        ++uses_;
        std::size_t written = 0;
        while (written < request.size()) {
            arm(limits);
            auto [ec, n] = co_await stream_.async_write_some(asio::buffer(request.substr(written)), use_tuple);
            deadline_.disarm();
            if (ec) co_return io_error(ec);
            written += n;
        }
        std::size_t begin = 0, end = 0;
        for (;;) {
            auto [event, used] = parser_.feed(std::string_view(in_.get() + begin, end - begin));
            begin += used;
            switch (event) {
            case response_event::head: {
                const auto& h = parser_.head();
                out.status = h.status;
                out.reason = h.reason;
                out.version_minor = h.version_minor;
                out.headers = h.headers;
                out.body.clear();
                if (h.content_length) out.body.reserve(static_cast<std::size_t>(*h.content_length));
                continue;
            }
            case response_event::body: out.body.append(parser_.body()); continue;
            case response_event::complete: co_return std::error_code();
            case response_event::error: co_return parser_.error();
            case response_event::need_more: break;
            }
            arm(limits);
            auto [ec, n] = co_await stream_.async_read_some(asio::buffer(in_.get(), in_size), use_tuple);
            deadline_.disarm();
            begin = 0;
            end = n;
            if (!ec) continue;
            if (ec == asio::error::eof) {  // the server closed (with close_notify, under TLS)
                auto r = parser_.finish();
                if (r.event == response_event::complete) co_return std::error_code();
                co_return parser_.error();
            }
            // A TLS connection cut without close_notify may have been cut by anyone: a
            // body read until the close is not trusted to be whole.
            co_return io_error(ec);
        }
    }

    /// After a complete exchange: the connection may carry another request.
    bool reusable() const noexcept { return parser_.reusable(); }
    /// Whether any byte of the last response arrived (a reused connection the
    /// server closed before answering has none: the request may be sent again).
    bool response_started() const noexcept { return parser_.started(); }
    /// Requests this connection has carried.
    std::size_t uses() const noexcept { return uses_; }
    /// An idle connection with nothing arrived since its last response.
    bool idle_ok() { return stream_.idle_ok(); }
    client_stream& stream() noexcept { return stream_; }

    clock::time_point idle_since{};

private:
    static constexpr std::size_t in_size = 16UL * 1024;

    void arm(const io_deadlines& limits) {
        const auto now = clock::now();
        const auto per_read = limits.per_read.count() > 0 ? now + limits.per_read : clock::time_point::max();
        total_first_ = limits.total <= per_read;
        deadline_.arm(std::min(per_read, limits.total), stream_);
    }

    std::error_code io_error(std::error_code ec) const {
        if (deadline_.fired()) return total_first_ ? client_error::total_timeout : client_error::read_timeout;
#if RINGKIT_HAS_OPENSSL
        if (ec == asio::ssl::error::stream_truncated) return client_error::closed_early;
#endif
        return ec;
    }

    client_stream stream_;
    response_parser parser_;
    io_deadline deadline_;
    std::unique_ptr<char[]> in_;
    std::size_t uses_ = 0;
    bool total_first_ = false;  // the armed deadline is the total one
};

}  // namespace ringkit::detail
