// One keep-alive connection of the client: a request's bytes out, its response
// in, through response_parser, with a deadline on every write and read. The
// I/O shell around the parser, as thin as it can be: what the bytes mean is the
// parser's, and whether the connection may carry another request is its
// reusable() (never after an error, bytes past the response, or a close).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "ringkit/client/connect.hpp"
#include "ringkit/client/deadline.hpp"
#include "ringkit/client/error.hpp"
#include "ringkit/client/request.hpp"
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

    /// `ex`: the client's executor (its strand), where the deadline's handler
    /// runs, serialized with the request that armed it.
    client_connection(client_stream stream, const client_limits& limits, const asio::any_io_executor& ex)
        : stream_(std::move(stream)), parser_(limits), deadline_(ex), in_(new char[in_size]) {}
    client_connection(const client_connection&) = delete;
    client_connection& operator=(const client_connection&) = delete;
    ~client_connection() { stream_.close(); }

    /// Writes a request (`head`, its bytes, then `pieces` when its body is in
    /// pieces, files read from disk in chunks) and reads the response to a
    /// request with method `m` into `out`. An error ends the connection's use:
    /// a client_error, the deadline's (read_timeout or total_timeout), a file's
    /// (std::errc, or io_error for a file shorter than its size), or the stream's
    /// own (connection_reset, ...). Never throws for the network.
    task<std::error_code> exchange(std::string_view head, const std::vector<body_piece>* pieces, method m,
                                   io_deadlines limits, client_response& out) {
        if (auto ec = co_await start(head, pieces, m, limits, out)) co_return ec;
        if (const auto& h = parser_.head(); h.content_length)
            out.body.reserve(static_cast<std::size_t>(*h.content_length));
        for (;;) {
            std::string_view piece;
            bool done = false;
            if (auto ec = co_await read_body(limits, piece, done)) co_return ec;
            if (done) co_return std::error_code();
            out.body.append(piece);
        }
    }

    /// exchange() up to the response's head: `out` gets status, reason and
    /// headers, and an empty body. `max_body`: this response's body limit, in
    /// place of client_limits::max_body. Then read_body() until done.
    task<std::error_code> start(std::string_view head, const std::vector<body_piece>* pieces, method m,
                                io_deadlines limits, client_response& out,
                                std::optional<std::uint64_t> max_body = std::nullopt) {
        parser_.begin(m, false, max_body);
        ++uses_;
        begin_ = end_ = 0;
        if (auto ec = co_await write_all(head, limits)) co_return ec;
        if (pieces != nullptr) {
            for (const auto& p : *pieces) {
                std::error_code ec;
                if (p.file) ec = co_await write_file(*p.file, limits);
                else ec = co_await write_all(p.bytes, limits);
                if (ec) co_return ec;
            }
        }
        for (;;) {
            auto [event, ec] = co_await next_event(limits);
            if (ec) co_return ec;
            if (event != response_event::head) continue;  // nothing else comes before the head
            const auto& h = parser_.head();
            out.status = h.status;
            out.reason = h.reason;
            out.version_minor = h.version_minor;
            out.headers = h.headers;
            out.body.clear();
            co_return std::error_code();
        }
    }

    /// After start(): the next piece of the body in `piece`, a view into the
    /// connection's buffer valid until the next call; at the body's end, `done`
    /// (and no piece). Each read within limits.per_read, all by limits.total.
    task<std::error_code> read_body(io_deadlines limits, std::string_view& piece, bool& done) {
        std::error_code ec;
        if (read_buffered_body(piece, done, ec)) co_return ec;
        auto [event, read_ec] = co_await next_event(limits);
        ec = read_ec;
        if (ec) co_return ec;
        if (event == response_event::body) piece = parser_.body();
        else done = true;
        co_return std::error_code();
    }

    /// read_body() from what the buffer holds, with no read and no coroutine:
    /// false when the buffer is used up (read_body() then waits for more).
    bool read_buffered_body(std::string_view& piece, bool& done, std::error_code& ec) {
        piece = {};
        done = false;
        auto [event, used] = parser_.feed(std::string_view(in_.get() + begin_, end_ - begin_));
        begin_ += used;
        switch (event) {
        case response_event::need_more: return false;
        case response_event::body: piece = parser_.body(); return true;
        case response_event::error: ec = parser_.error(); return true;
        case response_event::head:
        case response_event::complete: done = true; return true;
        }
        return false;
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

    struct next_result {
        response_event event;  // head, body or complete
        std::error_code ec;
    };

    // Feeds what the buffer holds, reading more as needed, up to the next head,
    // body or complete event.
    task<next_result> next_event(const io_deadlines& limits) {
        for (;;) {
            auto [event, used] = parser_.feed(std::string_view(in_.get() + begin_, end_ - begin_));
            begin_ += used;
            switch (event) {
            case response_event::head:
            case response_event::body:
            case response_event::complete: co_return next_result{event, {}};
            case response_event::error: co_return next_result{event, parser_.error()};
            case response_event::need_more: break;
            }
            arm(limits);
            auto [ec, n] = co_await stream_.async_read_some(asio::buffer(in_.get(), in_size), use_tuple);
            deadline_.disarm();
            begin_ = 0;
            end_ = n;
            if (!ec) continue;
            if (ec == asio::error::eof) {  // the server closed (with close_notify, under TLS)
                auto r = parser_.finish();
                if (r.event == response_event::complete) co_return next_result{r.event, {}};
                co_return next_result{response_event::error, parser_.error()};
            }
            // A TLS connection cut without close_notify may have been cut by anyone: a
            // body read until the close is not trusted to be whole.
            co_return next_result{response_event::error, io_error(ec)};
        }
    }

    task<std::error_code> write_all(std::string_view bytes, const io_deadlines& limits) {
        std::size_t written = 0;
        while (written < bytes.size()) {
            arm(limits);
            auto [ec, n] = co_await stream_.async_write_some(asio::buffer(bytes.substr(written)), use_tuple);
            deadline_.release();  // the next arm (a write's, or the response's read) keeps the wait
            if (ec) co_return io_error(ec);
            written += n;
        }
        co_return std::error_code();
    }

    // `f.size` bytes of the file, read and written a chunk at a time.
    task<std::error_code> write_file(const file_piece& f, const io_deadlines& limits) {
        struct descriptor {
            int fd;
            explicit descriptor(int f) noexcept : fd(f) {}
            descriptor(const descriptor&) = delete;
            descriptor& operator=(const descriptor&) = delete;
            descriptor(descriptor&&) = delete;
            descriptor& operator=(descriptor&&) = delete;
            ~descriptor() {
                if (fd >= 0) ::close(fd);
            }
        } const file(::open(f.file.c_str(), O_RDONLY | O_CLOEXEC));
        const int fd = file.fd;
        if (fd < 0) co_return std::error_code(errno, std::generic_category());
        static constexpr std::size_t chunk = 64UL * 1024;
        const std::unique_ptr<char[]> buf(new char[chunk]);
        for (std::uint64_t left = f.size; left > 0;) {
            const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk));
            const ssize_t n = ::read(fd, buf.get(), want);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) co_return std::error_code(errno, std::generic_category());
            if (n == 0) co_return std::make_error_code(std::errc::io_error);  // shorter than its Content-Length
            if (auto ec = co_await write_all(std::string_view(buf.get(), static_cast<std::size_t>(n)), limits))
                co_return ec;
            left -= static_cast<std::uint64_t>(n);
        }
        co_return std::error_code();
    }

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
    std::size_t begin_ = 0, end_ = 0;  // the unparsed bytes of in_
    std::size_t uses_ = 0;
    bool total_first_ = false;  // the armed deadline is the total one
};

}  // namespace ringkit::detail
