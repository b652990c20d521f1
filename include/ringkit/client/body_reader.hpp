// A streamed response body (HTTP-Kit's `:as :stream`): client::stream() hands
// out the status and headers first, and the body as a reader whose read() is
// awaited a chunk at a time, so a download larger than memory goes to disk
// through a bounded buffer.
//
//     rk::client_request req{.url = "https://example.com/big.iso"};  // apart from the co_await (g++ 12)
//     auto r = co_await client.stream(std::move(req));
//     if (r.status != 200) ...;
//     while (auto chunk = co_await r.body.read()) out.write(chunk->data(), chunk->size());
//
// The reader holds the request's connection. Read to its end cleanly, the
// connection goes back to the pool (when the response lets it); a reader
// destroyed before the end, or failed, closes it: a half-read response never
// reaches another request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "ringkit/client/connection.hpp"
#include "ringkit/client/content_decoder.hpp"
#include "ringkit/client/error.hpp"
#include "ringkit/client/pool.hpp"
#include "ringkit/core/asio.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/http/headers.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang).
#include <asio/io_context.hpp>
#include <asio/dispatch.hpp>
#include <asio/strand.hpp>

namespace ringkit {

/// The body of a response from client::stream(), read a chunk at a time.
/// Movable, not copyable; one read() at a time, from one coroutine (any thread,
/// but not two at once). The client must outlive its readers.
class client_body_reader {
public:
    /// A reader with nothing to read: read() gives std::nullopt.
    client_body_reader() = default;
    client_body_reader(client_body_reader&&) noexcept = default;
    client_body_reader& operator=(client_body_reader&& o) noexcept {
        if (this != &o) {
            give_back();
            s_ = std::move(o.s_);
        }
        return *this;
    }
    client_body_reader(const client_body_reader&) = delete;
    client_body_reader& operator=(const client_body_reader&) = delete;
    /// Before the body's end: closes the connection (it is never pooled).
    ~client_body_reader() { give_back(); }

    /// The next chunk of the body (decoded, when the request asked to
    /// decompress), never empty; std::nullopt at the body's end. The view is
    /// valid until the next read() or the reader's end. Each chunk must come
    /// within the client's read_timeout, the whole body within the request's
    /// total timeout. Errors are std::system_error, as the client's:
    /// read_timeout, total_timeout, closed_early, body_too_large (past
    /// client_options::max_stream_body), bad_content_encoding, the stream's own;
    /// the connection is then closed, and the next read() gives std::nullopt.
    task<std::optional<std::string_view>> read() {
        if (!s_) co_return std::nullopt;
        auto& s = *s_;
        for (;;) {
            if (s.decoder && !s.decoder->drained()) {
                s.decoded.clear();
                if (auto ec = s.decoder->decode(s.decoded, decode_step)) fail(ec);
                if (s.decoded.empty()) fail(client_error::bad_content_encoding);  // no progress
                if (auto ec = count(s.decoded.size())) fail(ec);
                co_return std::string_view(s.decoded);
            }
            std::string_view piece;
            bool done = false;
            if (auto ec = co_await s.lease->connection->read_body(s.limits, piece, done)) fail(ec);
            if (done) {
                end();
                co_return std::nullopt;
            }
            if (s.decoder) {
                s.decoder->feed(piece);
                continue;
            }
            if (auto ec = count(piece.size())) fail(ec);
            co_return piece;
        }
    }

    /// The pieces of the body already buffered, appended to `out`, with no
    /// coroutine (the whole of a small body): true at the body's end, false
    /// when read() must wait for more (or the body is to be decoded).
    bool read_buffered(std::string& out) {
        while (s_) {
            auto& s = *s_;
            std::string_view piece;
            bool done = false;
            std::error_code ec;
            if (s.decoder || !s.lease->connection->read_buffered_body(piece, done, ec)) return false;
            if (ec) fail(ec);
            if (done) {
                end();
                break;
            }
            if (auto e = count(piece.size())) fail(e);
            out.append(piece);
        }
        return true;
    }

    /// The rest of the body appended to `out`: read() to its end.
    task<void> read_all(std::string& out) {
        while (!read_buffered(out)) {
            auto chunk = co_await read();
            if (!chunk) break;
            out.append(*chunk);
        }
    }

    /// The body was read to its end (or there is none to read).
    bool done() const noexcept { return !s_; }
    /// Body bytes handed out so far (decoded).
    std::uint64_t received() const noexcept { return received_; }

    // The client's: a reader over `lease`'s connection, whose response head was
    // read; `decoder` when its body is to be decoded; at most `max_body` bytes
    // handed out; the lease given back on `executor`, the client's, where its pool lives.
    client_body_reader(std::unique_ptr<detail::pool_lease> lease, asio::any_io_executor executor,
                       detail::io_deadlines limits, std::optional<detail::content_decoder> decoder,
                       std::uint64_t max_body)
        : s_(std::make_unique<state>(state{std::move(lease), std::move(executor), limits, std::move(decoder), {}})),
          max_body_(max_body) {}

private:
    static constexpr std::size_t decode_step = 64UL * 1024;

    struct state {
        std::unique_ptr<detail::pool_lease> lease;
        asio::any_io_executor executor;  // the client's, where its pool lives
        detail::io_deadlines limits;
        std::optional<detail::content_decoder> decoder;
        std::string decoded;
    };

    std::error_code count(std::size_t n) noexcept {
        received_ += n;
        return received_ > max_body_ ? make_error_code(client_error::body_too_large) : std::error_code();
    }

    // The body's clean end: the connection goes back when the response lets it.
    void end() {
        auto& s = *s_;
        if (s.decoder)
            if (auto ec = s.decoder->finish()) fail(ec);
        s.lease->reusable = s.lease->connection->reusable();
        give_back();
    }

    [[noreturn]] void fail(std::error_code ec) {
        give_back();  // not reusable: closed here
        throw std::system_error(ec, "response body");
    }

    // The pool is the client's executor's (its strand, or with single_thread the
    // io_context's): the place goes back there (at once when the reader is on it,
    // as request() and redirects are). A connection
    // not at its response's end is closed here, now.
    void give_back() noexcept {
        if (!s_) return;
        auto s = std::move(s_);
        if (!s->lease->reusable) s->lease->connection.reset();
        if (detail::running_in(s->executor)) {  // single_thread, on the io_context's thread: no hop
            s->lease.reset();
            return;
        }
        asio::dispatch(s->executor, [lease = std::move(s->lease)]() mutable { lease.reset(); });
    }

    std::unique_ptr<state> s_;
    std::uint64_t received_ = 0;
    std::uint64_t max_body_ = UINT64_MAX;
};

/// A response from client::stream(): the head, and the body still to read.
struct client_stream_response {
    int status = 0;
    std::string reason;
    int version_minor = 1;  ///< HTTP/1.0 or HTTP/1.1
    /// As client_response's. When the body is decoded, without Content-Encoding
    /// and Content-Length (they describe the bytes on the wire).
    request_headers headers;
    std::string url;    ///< the URL that answered, after redirects (without userinfo)
    int redirects = 0;  ///< how many redirects were followed to get here
    client_body_reader body;
};

}  // namespace ringkit
