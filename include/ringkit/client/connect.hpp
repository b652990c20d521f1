// A connection to an origin: the URL's host resolved, each address tried in
// turn until one accepts, and for https and wss the TLS handshake, all within
// one timeout. What comes out is a client_stream, one type for TCP and TLS, which
// the HTTP client pools and the WebSocket client can take as it is.
//
// Why one concrete type with a branch per call (a variant), rather than
// templates on the stream as the server's connection is: a client mixes http
// and https origins in one pool and one request's redirects, so the pool, the
// connection loop and every request would be compiled twice and held in two
// containers, for a branch that costs nothing next to the system call behind
// each read or write. The server's engine stays templated: it serves one kind per
// listener and its tests drive it with a scripted stream.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

#include "ringkit/client/deadline.hpp"
#include "ringkit/client/error.hpp"
#include "ringkit/client/url.hpp"
#include "ringkit/core/asio.hpp"
#include "ringkit/core/task.hpp"

#if RINGKIT_HAS_OPENSSL
#include "ringkit/tls/stream.hpp"
#endif

// After core/asio.hpp, which configures Asio (co_await under clang).
#include <asio/async_result.hpp>
#include <asio/basic_stream_socket.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/socket_base.hpp>

namespace ringkit {

namespace detail {
using client_socket = asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>;
}  // namespace detail

/// A connected stream to a server, plain TCP or TLS, with the surface Asio's
/// composed operations need (async_read_some, async_write_some, get_executor).
/// Used by one coroutine at a time; its operations complete on its io_context.
class client_stream {
public:
    using executor_type = asio::io_context::executor_type;

    explicit client_stream(detail::client_socket socket) : s_(std::move(socket)) {}
#if RINGKIT_HAS_OPENSSL
    explicit client_stream(detail::tls_stream stream) : s_(std::move(stream)) {}
#endif

    executor_type get_executor() {
        return std::visit([](auto& s) { return s.get_executor(); }, s_);
    }
    /// The stream speaks TLS.
    bool secure() const noexcept { return s_.index() != 0; }
    /// The TCP socket (under TLS, the one TLS runs on).
    detail::client_socket& socket() {
#if RINGKIT_HAS_OPENSSL
        if (auto* t = std::get_if<detail::tls_stream>(&s_)) return t->next_layer();
#endif
        return std::get<detail::client_socket>(s_);
    }

    /// Calls `f` with the stream itself (a detail::client_socket&, or a
    /// detail::tls_stream&), for code templated on its stream (a WebSocket
    /// session), which may move it out; the client_stream is then spent.
    template <class F>
    decltype(auto) visit(F&& f) {
        return std::visit(std::forward<F>(f), s_);
    }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
            [this](auto handler, const MutableBuffers& b) {
#if RINGKIT_HAS_OPENSSL
                if (auto* t = std::get_if<detail::tls_stream>(&s_)) return t->async_read_some(b, std::move(handler));
#endif
                std::get<detail::client_socket>(s_).async_read_some(b, std::move(handler));
            },
            token, buffers);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
            [this](auto handler, const ConstBuffers& b) {
#if RINGKIT_HAS_OPENSSL
                if (auto* t = std::get_if<detail::tls_stream>(&s_)) return t->async_write_some(b, std::move(handler));
#endif
                std::get<detail::client_socket>(s_).async_write_some(b, std::move(handler));
            },
            token, buffers);
    }

    /// Ends the pending operations with operation_aborted.
    void cancel(std::error_code& ec) {
        std::visit([&ec](auto& s) { s.cancel(ec); }, s_);
    }
    /// Closes the connection (after TLS's close_notify, if the socket takes it now).
    void close() noexcept {
        std::error_code ec;
#if RINGKIT_HAS_OPENSSL
        if (auto* t = std::get_if<detail::tls_stream>(&s_)) return t->close(ec);
#endif
        if (auto* s = std::get_if<detail::client_socket>(&s_)) s->close(ec);
    }

    /// Whether an idle connection can carry a request: nothing arrived while it
    /// was idle (bytes no request asked for, or the server's close). Does not wait.
    bool idle_ok() {
#if RINGKIT_HAS_OPENSSL
        if (auto* t = std::get_if<detail::tls_stream>(&s_)) {
            // First what OpenSSL holds or reads now: a record with no data (a session
            // ticket) says would_block; data, close_notify or an error do not.
            std::error_code ec;
            t->peek_some(ec);
            if (ec != asio::error::would_block) return false;
            // Then the socket itself, which OpenSSL may not have asked (it stops at a
            // socket it found drained): anything there, even part of a record, is doubt.
        }
#endif
        char probe = 0;
        const auto n = ::recv(socket().native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }

private:
#if RINGKIT_HAS_OPENSSL
    std::variant<detail::client_socket, detail::tls_stream> s_;
#else
    std::variant<detail::client_socket> s_;
#endif
};

/// How connect() reaches a server.
struct connect_options {
    /// For resolving, connecting and the TLS handshake together; its end is
    /// `timeout_error` (connect_timeout, or total_timeout for a caller whose
    /// whole request ends sooner).
    std::chrono::milliseconds timeout{10'000};
    client_error timeout_error = client_error::connect_timeout;
#if RINGKIT_HAS_OPENSSL
    /// Required for https and wss (an https URL without it is unsupported_scheme).
    std::shared_ptr<const detail::tls_client_context> tls{};
#endif
};

/// What connect() gives: a stream, or the error and (for TLS) OpenSSL's reason.
struct connect_result {
    std::optional<client_stream> stream;
    std::error_code error;
    std::string detail;  ///< words for the error beyond its message: why a certificate did not verify
};

/// Connects to `url`'s host and port, on `ex`: each address the resolver gives,
/// in its order, until one accepts; then TLS for https and wss (SNI and the host
/// checked, see tls_stream). Never throws for a network fault: they come back in
/// the result (connect_timeout at the deadline, tls_verification_failed for a
/// certificate, else the system's or OpenSSL's code). `caller`: the executor
/// the calling coroutine runs on (a strand), where the deadline's handler must
/// run too when several threads run the io_context; none: `ex`.
inline task<connect_result> connect(asio::io_context::executor_type ex, const parsed_url& url,
                                    const connect_options& options, asio::any_io_executor caller = {}) {
    using clock = std::chrono::steady_clock;
    connect_result result;
    const auto deadline = clock::now() + options.timeout;
    detail::io_deadline timer(caller ? caller : asio::any_io_executor(ex));
    auto timed_out = [&](std::error_code ec) { return timer.fired() ? std::error_code(options.timeout_error) : ec; };

    asio::ip::tcp::resolver resolver(ex);
    timer.arm(deadline, resolver);
    const std::string host(url.host_name());
    auto [rec, endpoints] = co_await resolver.async_resolve(
        host, std::to_string(url.port), asio::ip::resolver_base::numeric_service, detail::use_tuple);
    timer.disarm();
    if (rec) {
        result.error = timed_out(rec);
        co_return result;
    }

    std::error_code ec = asio::error::host_not_found;
    for (const auto& entry : endpoints) {
        detail::client_socket socket(ex);
        socket.open(entry.endpoint().protocol(), ec);
        if (ec) continue;
        timer.arm(deadline, socket);
        auto [cec] = co_await socket.async_connect(entry.endpoint(), detail::use_tuple);
        timer.disarm();
        ec = timed_out(cec);
        if (timer.fired()) break;
        if (ec) continue;
        socket.set_option(asio::ip::tcp::no_delay(true), ec);  // a request's head and body are written as they come
        ec.clear();
        if (!url.secure()) {
            result.stream.emplace(std::move(socket));
            co_return result;
        }
#if RINGKIT_HAS_OPENSSL
        if (!options.tls) {
            result.error = client_error::unsupported_scheme;
            co_return result;
        }
        detail::tls_stream tls(std::move(socket), options.tls, host);
        timer.arm(deadline, tls);
        auto [hec] = co_await tls.async_handshake(detail::use_tuple);
        timer.disarm();
        if (hec) {
            if (auto why = tls.verify_error(); !why.empty() && !timer.fired()) {
                result.error = client_error::tls_verification_failed;
                result.detail = std::move(why);
            } else {
                result.error = timed_out(hec);
                result.detail = hec.message();
            }
            std::error_code ignored;
            tls.close(ignored);
            co_return result;
        }
        result.stream.emplace(std::move(tls));
        co_return result;
#else
        result.error = client_error::unsupported_scheme;
        co_return result;
#endif
    }
    result.error = ec;
    co_return result;
}

}  // namespace ringkit
