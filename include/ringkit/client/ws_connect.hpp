// The WebSocket client: ws::connect opens a connection to a ws:// or wss:// URL,
// runs the opening handshake (ws/client_handshake.hpp) and hands the connection
// to the same session the server runs after its 101 (ws/session.hpp), in the
// client's role: every frame we write masked with a fresh key from the kernel's
// CSPRNG, masked frames from the server refused (1002), permessage-deflate with
// the agreed parameters from our side. What comes back is the server's own
// vocabulary: a ws::stream (co_await receive/send), or a Ring listener's callbacks.
//
//   resolve + connect + TLS for wss (client/connect.hpp) ─▶ GET + Upgrade ─▶ response_parser ─▶ 101 checked
//       ─▶ ws_session<tcp socket or tls_stream, …, role::client> with the bytes after the 101 ─▶ channel
//
// The connection arrives as a client_stream (TCP or TLS as one type); the
// handshake runs on it, and then it is taken apart (visit) so the session is the
// server's own template on that stream: a wss connection runs the code a server's
// TLS WebSocket runs. Threads: a connection lives on the thread of the io_context
// it was opened on (which one thread runs), as a server's connections do; its
// channel is the thread-safe handle.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "ringkit/channel/channel.hpp"
#include "ringkit/client/connect.hpp"
#include "ringkit/client/deadline.hpp"
#include "ringkit/client/error.hpp"
#include "ringkit/client/response_parser.hpp"
#include "ringkit/client/url.hpp"
#include "ringkit/core/asio.hpp"
#include "ringkit/core/base64.hpp"
#include "ringkit/core/logger.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/http/headers.hpp"
#include "ringkit/http/method.hpp"
#include "ringkit/tls/client_options.hpp"
#include "ringkit/ws/client_handshake.hpp"
#include "ringkit/ws/config.hpp"
#include "ringkit/ws/frame.hpp"
#include "ringkit/ws/listener.hpp"
#include "ringkit/ws/session.hpp"
#include "ringkit/ws/upgrade.hpp"

#if RINGKIT_HAS_OPENSSL
#include "ringkit/tls/client_context.hpp"
#endif

// After core/asio.hpp, which configures Asio (co_await under clang): what this
// header uses of Asio beyond the coroutine basics core/asio.hpp provides.
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/this_coro.hpp>
#include <asio/write.hpp>

#if RINGKIT_HAS_OPENSSL
#include <asio/ssl/error.hpp>
#endif

namespace ringkit::ws {

/// How ws::connect connects. The limits are the server's (ws::config), applied
/// the same way from this side.
struct connect_options {
    // Declared, so connect_options is no aggregate (set its fields one by one):
    // GCC 12 copies an aggregate temporary made inside a co_await expression bit
    // by bit, and a short string's pointer (tls.ca_file) then points into the old
    // copy; `co_await ws::connect(url)` freed a pointer into the coroutine frame.
    connect_options() = default;

    std::vector<std::string> protocols{};  ///< subprotocols offered, preferred first
    /// More request headers (Origin, Authorization, cookies...); the handshake's
    /// own may not be among them (std::invalid_argument). A URL's userinfo becomes
    /// Authorization: Basic unless one is given here.
    header_list headers{};
    /// max_message (→ 1009), high_water, idle_timeout and auto_ping, close_timeout;
    /// permessage-deflate is offered when config.deflate.enabled (see
    /// client_handshake_options for what its fields ask).
    ws::config config{};
    /// For wss://: whom to trust, as rk::client's (client_options::tls): by default
    /// the system's CA store and the URL's host checked; a CA file; or insecure.
    client_tls_options tls{};
    /// Resolving, connecting, TLS and the 101 together: else handshake_error::timeout.
    std::chrono::milliseconds handshake_timeout{10'000};
    std::chrono::milliseconds write_timeout{30'000};  ///< a write making no progress this long drops the connection
    client_limits limits{};                           ///< the 101's head
    /// Where exceptions from the channel's callbacks are logged (null: stderr). Outlives the connection.
    const ringkit::logger* logger = nullptr;
};

namespace detail {

// A client channel's state, with the limits its session and a channel_set read
// for as long as the channel lives (a server's live in the server).
struct client_core final : ringkit::detail::channel_core {
    client_core(asio::any_io_executor ex, const connect_options& o)
        : channel_core(std::move(ex), true, o.config.high_water, o.logger), settings(o.config) {}
    ws::config settings;
};

[[noreturn]] inline void fail(std::error_code ec, const std::string& what) { throw std::system_error(ec, what); }

// Resolves, connects and for wss:// runs TLS, within the handshake's timeout,
// with the process's one context for `o.tls` (shared_client_context: building
// one loads the CA store, ~80 ms with the system's on a loaded 2-core machine).
// Throws as ws::connect does.
inline task<client_stream> open_transport(const asio::io_context::executor_type& ex, const parsed_url& u,
                                          const connect_options& o) {
    ringkit::connect_options co;
    co.timeout = o.handshake_timeout;
#if RINGKIT_HAS_OPENSSL
    if (u.secure()) co.tls = ringkit::detail::shared_client_context(o.tls);
#endif
    auto c = co_await ringkit::connect(ex, u, co);
    if (c.error == client_error::connect_timeout) c.error = handshake_error::timeout;
    if (c.error) fail(c.error, "ringkit: ws::connect to " + u.authority() + (c.detail.empty() ? "" : ": " + c.detail));
    co_return std::move(*c.stream);
}

// The server's end of the handshake's answer: a clean close (eof, or TLS's
// close_notify) or TLS cut without close_notify, which says no more here.
inline bool connection_ended(std::error_code ec) noexcept {
#if RINGKIT_HAS_OPENSSL
    if (ec == asio::ssl::error::stream_truncated) return true;
#endif
    return ec == asio::error::eof;
}

// Connects and hands the connection to a client session; the channel's state,
// opened (`on_open` run, `inbox` for ws::stream). Throws std::system_error.
inline task<std::shared_ptr<ringkit::detail::channel_core>> open_channel(
    std::string_view url, const connect_options& o, bool inbox, std::function<void(ringkit::channel&)> on_open) {
    std::error_code ec;
    const parsed_url u = parse_url(url, ec);
    if (ec) fail(ec, "ringkit: ws::connect");
    if (u.scheme != "ws" && u.scheme != "wss")
        fail(client_error::unsupported_scheme, "ringkit: ws::connect needs ws:// or wss://");
#if !RINGKIT_HAS_OPENSSL
    if (u.secure())
        fail(client_error::unsupported_scheme,
             "ringkit: ws::connect: wss:// needs ringkit built with OpenSSL (RINGKIT_HAS_OPENSSL)");
#endif
    const auto any = co_await asio::this_coro::executor;
    const auto* io = any.target<asio::io_context::executor_type>();
    if (!io) throw std::invalid_argument("ringkit: ws::connect must run on an io_context's executor");

    client_handshake_options ho{.protocols = o.protocols, .headers = o.headers, .deflate = o.config.deflate};
    bool authorization = false;
    for (const auto& [name, value] : ho.headers)
        authorization = authorization || ringkit::detail::iequals(name, "authorization");
    if (u.userinfo && !authorization)
        ho.headers.add("Authorization",
                       "Basic " + ringkit::detail::base64_encode(u.userinfo->user + ':' + u.userinfo->password));
    ws::client_handshake hs;
    const std::string request = hs.request(u.authority(), u.target, ho);

    // One deadline for all of it: what connecting left of it is the rest's.
    const auto deadline = std::chrono::steady_clock::now() + o.handshake_timeout;
    client_stream conn = co_await open_transport(*io, u, o);
    ringkit::detail::io_deadline timer(*io);
    timer.arm(deadline, conn);
    auto why = [&](std::error_code ec) { return timer.fired() ? make_error_code(handshake_error::timeout) : ec; };
    auto [wec, written] = co_await asio::async_write(conn, asio::buffer(request), ringkit::detail::use_tuple);
    if (wec) fail(why(wec), "ringkit: ws::connect: sending the handshake");

    // The answer's head; what follows it in the same read is the WebSocket's.
    response_parser parser(o.limits);
    parser.begin(method::get, /*upgrade_expected*/ true);
    std::string buffer(4096, '\0');
    std::string leftover;
    for (bool head = false; !head;) {
        auto [rec, n] = co_await conn.async_read_some(asio::buffer(buffer), ringkit::detail::use_tuple);
        if (connection_ended(rec) && !timer.fired()) {
            parser.finish();
            fail(parser.error() ? parser.error() : make_error_code(client_error::closed_early),
                 "ringkit: ws::connect: reading the handshake's answer");
        }
        if (rec) fail(why(rec), "ringkit: ws::connect: reading the handshake's answer");
        const std::string_view data(buffer.data(), n);
        const auto r = parser.feed(data);
        if (r.event == response_event::error) fail(parser.error(), "ringkit: ws::connect: the handshake's answer");
        if (r.event == response_event::head) {
            head = true;
            leftover.assign(data.substr(r.consumed));
        }
    }
    timer.disarm();
    const auto& answer = parser.head();
    if (auto bad = hs.check(answer.status, answer.headers, ho))
        fail(bad, "ringkit: ws::connect: HTTP " + std::to_string(answer.status) + " from " + u.str());

    auto core = std::make_shared<client_core>(any, o);
    core->protocol = hs.protocol();
    if (hs.deflate()) {
        const auto ours = swap_sides(*hs.deflate());
        // zlib cannot compress within an 8-bit window: such a client sends its
        // messages uncompressed (RSV1 clear), which RFC 7692 always allows.
        if (ours.server_max_window_bits < 9) core->settings.deflate.min_size = std::numeric_limits<std::size_t>::max();
        core->deflate = ringkit::detail::channel_core::compression{ours, &core->settings.deflate};
    }
    if (inbox) core->use_inbox();
    // The server's session on the stream itself (a TCP socket or a tls_stream):
    // it reads and writes without waiting first, as on a server's sockets.
    conn.visit([&](auto& stream) {
        using stream_type = std::remove_reference_t<decltype(stream)>;
        std::error_code nb;
        stream.non_blocking(true, nb);
        if (nb) fail(nb, "ringkit: ws::connect");
        auto session = ringkit::detail::ws_session<stream_type, std::chrono::steady_clock, role::client>::create(
            std::move(stream), core->settings, o.write_timeout, core);
        session->start(std::move(leftover), std::move(on_open));
    });
    co_return core;
}

inline task<void> connect_listener(std::string url, listener l, connect_options o) {
    auto on_error = l.on_error;
    std::error_code failed;
    try {
        co_await open_channel(url, o, false, listener_opener(std::move(l)));
        co_return;
    } catch (const std::system_error& e) {
        failed = e.code();
    } catch (const std::invalid_argument&) {
        failed = std::make_error_code(std::errc::invalid_argument);
    } catch (const std::runtime_error&) {  // TLS options OpenSSL refused (a CA file it cannot load)
        failed = std::make_error_code(std::errc::invalid_argument);
    }
    if (on_error) {
        ws::socket none{ringkit::channel{}};
        on_error(none, failed);
    }
}

}  // namespace detail

/// Opens a WebSocket to `url` (ws://host[:port]/path, or wss:// over TLS as
/// `options.tls` says) and returns the open stream: the same type ws::accept gives
/// a handler, used the same way on this coroutine's thread (its channel() from
/// any). Must run on an io_context's executor, which one thread runs. Throws
/// std::system_error: a client_error (bad_url, unsupported_scheme (also wss://
/// without OpenSSL), tls_verification_failed with OpenSSL's reason in what(), a
/// malformed answer, closed_early), a handshake_error (the server refused:
/// not_switching, with the status in what(); a bad answer; timeout) or the
/// socket's or TLS's error (connection refused); std::invalid_argument for a
/// request header it cannot send; std::runtime_error for a CA file OpenSSL cannot
/// load. Close the stream (and let the close finish) before the io_context is
/// destroyed.
inline task<stream> connect(std::string url, connect_options options = {}) {
    auto core = co_await detail::open_channel(url, options, true, {});
    co_return stream(ringkit::channel(std::move(core)));
}

/// Ring's listener on a client connection: connects to `url` on `ex` (an
/// io_context's, one thread) and calls `l` there as a server calls a handler's
/// listener: on_open, on_message, on_ping/on_pong, on_error, and on_close exactly
/// once iff on_open ran. When the connection or the handshake fails, on_open
/// never runs: on_error gets the error (as ws::connect would throw it; for
/// options it cannot use, a header or a CA file, std::errc::invalid_argument)
/// with a socket that is already closed. Returns at once.
inline void connect(const asio::any_io_executor& ex, std::string url, listener l, connect_options options = {}) {
    asio::co_spawn(ex, detail::connect_listener(std::move(url), std::move(l), std::move(options)), asio::detached);
}

}  // namespace ringkit::ws
